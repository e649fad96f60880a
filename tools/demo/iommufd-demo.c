// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-demo: a guided tour of the first /dev/iommu commands.
 *
 * It opens /dev/iommu, creates two I/O address spaces (IOAS), asks each
 * one which IOVA ranges it can map using the two-pass protocol, destroys
 * them and shows that a destroyed ID is gone. Every step is printed with
 * its result. The exit status is 0 when every step gave the expected
 * answer and 1 otherwise.
 *
 * Things to notice in the source:
 *   - each command is one ioctl with a struct whose first field, size,
 *     tells the kernel which version of the struct the caller knows;
 *   - object IDs are small integers private to the file descriptor;
 *   - IOMMU_IOAS_IOVA_RANGES reports how many ranges there are even when
 *     the caller's array is too small, so a caller asks twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

static unsigned int step;
static unsigned int problems;

/* Print "[n] <what> -> " and leave the line open for the result. */
static void step_start(const char *fmt, ...)
{
	va_list ap;

	printf("[%u] ", ++step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" -> ");
}

/* Finish the line; count it as a problem unless it was expected. */
static void step_end(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("  (UNEXPECTED)");
		problems++;
	}
	printf("\n");
}

static int ioas_alloc(int fd, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = 0,
	};

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		return -errno;
	*id = cmd.out_ioas_id;
	return 0;
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	if (ioctl(fd, IOMMU_DESTROY, &cmd))
		return -errno;
	return 0;
}

/*
 * Query the usable IOVA ranges of an IOAS in two passes: first with no
 * array to learn the count, then with an array of that size.
 */
static void show_ranges(int fd, uint32_t ioas_id)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = 0,
		.allowed_iovas = 0,
	};
	struct iommu_iova_range *ranges;
	uint32_t i;
	int ret;

	step_start("IOMMU_IOAS_IOVA_RANGES ioas %u, pass 1 with room for 0",
		   ioas_id);
	ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) ? -errno : 0;
	if (ret != -EMSGSIZE) {
		step_end(0, "%s, expected EMSGSIZE", strerror(-ret));
		return;
	}
	step_end(cmd.num_iovas > 0,
		 "EMSGSIZE as expected: %u range(s), alignment %" PRIu64,
		 cmd.num_iovas, (uint64_t)cmd.out_iova_alignment);
	if (!cmd.num_iovas)
		return;

	ranges = calloc(cmd.num_iovas, sizeof(*ranges));
	if (!ranges) {
		step_end(0, "out of memory");
		return;
	}
	cmd.allowed_iovas = (uintptr_t)ranges;

	step_start("IOMMU_IOAS_IOVA_RANGES ioas %u, pass 2 with room for %u",
		   ioas_id, cmd.num_iovas);
	ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) ? -errno : 0;
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		free(ranges);
		return;
	}
	step_end(1, "ok, %u range(s), alignment %" PRIu64, cmd.num_iovas,
		 (uint64_t)cmd.out_iova_alignment);
	for (i = 0; i != cmd.num_iovas; i++)
		printf("      range %u: 0x%016" PRIx64 " .. 0x%016" PRIx64 "\n",
		       i, (uint64_t)ranges[i].start, (uint64_t)ranges[i].last);
	free(ranges);
}

int main(void)
{
	uint32_t ids[2];
	unsigned int i;
	int ret;
	int fd;

	printf("iommufd demo: object IDs and IOVA ranges\n\n");

	step_start("open %s", "/dev/iommu");
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		step_end(0, "%s", strerror(errno));
		printf("\nIs the iommufd module loaded?\n");
		return 1;
	}
	step_end(1, "fd %d", fd);

	for (i = 0; i != 2; i++) {
		step_start("IOMMU_IOAS_ALLOC");
		ret = ioas_alloc(fd, &ids[i]);
		if (ret) {
			step_end(0, "%s", strerror(-ret));
			goto out;
		}
		step_end(1, "ioas id %u", ids[i]);
	}

	for (i = 0; i != 2; i++)
		show_ranges(fd, ids[i]);

	for (i = 0; i != 2; i++) {
		step_start("IOMMU_DESTROY id %u", ids[i]);
		ret = destroy(fd, ids[i]);
		step_end(!ret, "%s", ret ? strerror(-ret) : "ok");
	}

	step_start("IOMMU_DESTROY id %u again", ids[0]);
	ret = destroy(fd, ids[0]);
	step_end(ret == -ENOENT, "%s%s", ret ? strerror(-ret) : "ok",
		 ret == -ENOENT ? " (ENOENT, as expected: the ID is gone)" :
				  ", expected ENOENT");

out:
	step_start("close fd %d", fd);
	ret = close(fd) ? -errno : 0;
	step_end(!ret, "%s", ret ? strerror(-ret) : "ok");

	if (problems) {
		printf("\n%u step(s) did not give the expected result\n",
		       problems);
		return 1;
	}
	printf("\nall %u steps gave the expected result\n", step);
	return 0;
}
