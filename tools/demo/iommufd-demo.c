// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-demo: what `make run` shows, in two parts.
 *
 * 1. A guided tour of the first /dev/iommu commands: it opens /dev/iommu,
 *    creates two I/O address spaces (IOAS), asks each one which IOVA
 *    ranges it can map using the two-pass protocol, destroys them and
 *    shows that a destroyed ID is gone.
 * 2. The job a user has for it: a device doing DMA through a VFIO
 *    container that iommufd serves. It takes QEMU's edu device (bound to
 *    vfio-pci by the guest's /init), sets up a type1v2 container on
 *    iommufd_vfio as QEMU would, maps a buffer with VFIO_IOMMU_MAP_DMA
 *    and has edu copy one part of it to another through the IOMMU. While
 *    that mapping is live it runs iommufd-stat and iommufd-stat --areas
 *    on itself, which show the container's context, its area and its
 *    pinned pages; then it tears everything down and runs iommufd-stat
 *    once more, with the module's totals back at zero.
 *
 * Every step is printed with its result. The exit status is 0 when every
 * step gave the expected answer and 1 otherwise.
 *
 * Things to notice in the source:
 *   - each command is one ioctl with a struct whose first field, size,
 *     tells the kernel which version of the struct the caller knows;
 *   - object IDs are small integers private to the file descriptor;
 *   - IOMMU_IOAS_IOVA_RANGES reports how many ranges there are even when
 *     the caller's array is too small, so a caller asks twice;
 *   - the VFIO part is unmodified type1 usage: nothing in it says
 *     iommufd but the choice of backend (vfio_utils.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "vfio_utils.h"

#define TOTALS "/sys/kernel/debug/iommufd/totals"

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

static int ioas_alloc(int fd, __u32 *id)
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

static int destroy(int fd, __u32 id)
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
static void show_ranges(int fd, __u32 ioas_id)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = 0,
		.allowed_iovas = 0,
	};
	struct iommu_iova_range *ranges;
	__u32 i;
	int ret;

	step_start("IOMMU_IOAS_IOVA_RANGES ioas %u, pass 1 with room for 0",
		   ioas_id);
	ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) ? -errno : 0;
	if (ret != -EMSGSIZE) {
		step_end(0, "%s, expected EMSGSIZE", strerror(-ret));
		return;
	}
	step_end(cmd.num_iovas > 0,
		 "EMSGSIZE as expected: %u range(s), alignment %llu",
		 cmd.num_iovas, (unsigned long long)cmd.out_iova_alignment);
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
	step_end(1, "ok, %u range(s), alignment %llu", cmd.num_iovas,
		 (unsigned long long)cmd.out_iova_alignment);
	for (i = 0; i != cmd.num_iovas; i++)
		printf("      range %u: 0x%016llx .. 0x%016llx\n", i,
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);
	free(ranges);
}

/* Part 1: IOAS objects and their IOVA ranges on /dev/iommu */
static void ioas_tour(void)
{
	__u32 ids[2];
	unsigned int i;
	int ret;
	int fd;

	printf("Part 1: object IDs and IOVA ranges on /dev/iommu\n\n");

	step_start("open %s", "/dev/iommu");
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		step_end(0, "%s", strerror(errno));
		printf("\nIs the iommufd module loaded?\n");
		return;
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
}

/*
 * One number of the module's totals (debugfs.c), or -1 if it cannot be
 * read: the demo's own check that everything was released.
 */
static long total(const char *key)
{
	char line[128], name[64];
	long val = -1, v;
	FILE *f;

	f = fopen(TOTALS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &v) == 2 &&
		    !strcmp(name, key))
			val = v;
	fclose(f);
	return val;
}

/* Run iommufd-stat with @arg (or none) on this terminal; its exit code */
static int stat_tool(const char *arg, const char *pid)
{
	int status;
	pid_t child;

	printf("\n$ iommufd-stat%s%s%s%s\n", arg ? " " : "", arg ?: "",
	       pid ? " " : "", pid ?: "");
	fflush(stdout);
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		execlp("iommufd-stat", "iommufd-stat", arg, pid, (char *)NULL);
		fprintf(stderr, "iommufd-stat: %s\n", strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The buffer edu copies within, and where it is in IOVA */
#define DMA_PAGES 16
#define DMA_IOVA 0x100000ULL
#define DMA_LEN 4096

/* Part 2: edu's DMA through a VFIO container on iommufd_vfio */
static void vfio_dma(void)
{
	struct vfio_ctr ctr = { .container = -1, .group = -1 };
	struct vfio_edu edu = { .fd = -1 };
	size_t len = DMA_PAGES * 4096;
	char bdf[64], pid[16];
	int group = -1, ret;
	unsigned char *buf;
	size_t i;

	printf("\nPart 2: edu's DMA through a VFIO container on iommufd\n\n");

	step_start("find QEMU's edu device bound to vfio-pci");
	ret = vfio_edu_find(0, bdf, sizeof(bdf), &group);
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		return;
	}
	step_end(1, "%s, IOMMU group %d", bdf, group);

	step_start("open /dev/vfio/%d and a container, SET_IOMMU TYPE1v2",
		   group);
	ret = vfio_ctr_open(&ctr, group, VFIO_TYPE1v2_IOMMU,
			    VFIO_BACKEND_IOMMUFD);
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		return;
	}
	step_end(1, "served by iommufd_vfio");

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		problems++;
		goto out_ctr;
	}
	for (i = 0; i != DMA_LEN; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	memset(buf + DMA_LEN, 0, len - DMA_LEN);

	step_start("VFIO_IOMMU_MAP_DMA %zu KiB at IOVA 0x%llx", len / 1024,
		   DMA_IOVA);
	ret = vfio_map(ctr.container, DMA_IOVA, buf, len, VFIO_RW);
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		goto out_buf;
	}
	step_end(1, "ok, %zu pages pinned for the device", len / 4096);

	step_start("open the device %s and enable bus mastering", bdf);
	ret = vfio_edu_open(&edu, ctr.group, bdf);
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		goto out_unmap;
	}
	step_end(1, "device fd %d", edu.fd);

	step_start("edu DMA: copy %d bytes from IOVA 0x%llx to 0x%llx",
		   DMA_LEN, DMA_IOVA, DMA_IOVA + 2 * DMA_LEN);
	ret = vfio_edu_copy(&edu, DMA_IOVA, DMA_IOVA + 2 * DMA_LEN, DMA_LEN);
	if (ret) {
		step_end(0, "%s", strerror(-ret));
		goto out_edu;
	}
	ret = memcmp(buf, buf + 2 * DMA_LEN, DMA_LEN);
	step_end(!ret, ret ? "the data differs" :
			     "done; the copy in memory matches byte for byte");

	printf("\nWhile the mapping is live:\n");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = stat_tool(NULL, NULL);
	if (ret) {
		printf("iommufd-stat exited %d  (UNEXPECTED)\n", ret);
		problems++;
	}
	ret = stat_tool("--areas", pid);
	if (ret) {
		printf("iommufd-stat --areas exited %d  (UNEXPECTED)\n", ret);
		problems++;
	}
	printf("\n");
	step_start("totals while mapped");
	step_end(total("pinned_pages") >= DMA_PAGES &&
		 total("contexts") >= 1,
		 "%ld context(s), %ld pages pinned, %ld charged to processes",
		 total("contexts"), total("pinned_pages"),
		 total("charged_mm_pages"));

out_edu:
	vfio_edu_close(&edu);
out_unmap:
	step_start("VFIO_IOMMU_UNMAP_DMA of everything");
	ret = vfio_unmap(ctr.container, DMA_IOVA, len, 0, NULL);
	step_end(!ret, "%s", ret ? strerror(-ret) : "ok");
out_buf:
	munmap(buf, len);
out_ctr:
	step_start("close the group and the container");
	vfio_ctr_close(&ctr);
	step_end(1, "closed");

	printf("\nAfter teardown:\n");
	ret = stat_tool(NULL, NULL);
	if (ret) {
		printf("iommufd-stat exited %d  (UNEXPECTED)\n", ret);
		problems++;
	}
	printf("\n");
	step_start("totals after teardown");
	step_end(!total("contexts") && !total("pinned_pages") &&
		 !total("charged_user_pages") && !total("charged_mm_pages"),
		 "%ld context(s), %ld pages pinned, %ld + %ld charged",
		 total("contexts"), total("pinned_pages"),
		 total("charged_user_pages"), total("charged_mm_pages"));
}

int main(void)
{
	printf("iommufd demo\n\n");
	ioas_tour();
	vfio_dma();

	if (problems) {
		printf("\n%u step(s) did not give the expected result\n",
		       problems);
		return 1;
	}
	printf("\nall %u steps gave the expected result\n", step);
	return 0;
}
