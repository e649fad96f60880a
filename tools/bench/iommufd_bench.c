// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what mapping memory through iommufd costs, in time and in
 * kernel memory, measured against a floor taken in the same run so that
 * the ratios mean the same on any machine.
 *
 *   map_4k_ratio    MAP+UNMAP of 1 GiB of prefaulted 4 KiB pages into a
 *                   mock domain / pinning and unpinning the same memory
 *                   (IOMMU_TEST_OP_PIN_FLOOR)
 *   map_thp_ratio   the same with transparent-huge-page memory
 *   thp_speedup     MAP+UNMAP time of the 4 KiB memory / of the THP memory
 *   bytes_per_pinned_page
 *                   kernel memory iommufd holds per pinned page while a
 *                   domain maps it (no in-kernel access): the growth of
 *                   the memory cgroup's slab and percpu counters across
 *                   MAP, divided by the pages pinned. The mock IOMMU's own
 *                   page table is not charged to the cgroup, just as a
 *                   real IOMMU's page table is not iommufd's
 *   area_scaling    MAP+UNMAP of one page in an IOAS holding 100,000 areas
 *                   / in one holding 100 areas (fixed IOVA)
 *
 * Each time is the best of REPEAT runs. Output: one "name: value" line
 * each, inside a one-test TAP stream so that the VM rig's judge can read
 * the verdict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)
#define BENCH_LEN SZ_1G
#define REPEAT 3
#define AREA_OPS 2000
#define CGROUP "/sys/fs/cgroup"

static int iommufd;
static long page_size;

static void die(const char *what)
{
	printf("not ok 1 iommufd_bench # %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void xioctl(unsigned long request, void *arg, const char *what)
{
	if (ioctl(iommufd, request, arg))
		die(what);
}

static void test_cmd(struct iommu_test_cmd *cmd, const char *what)
{
	cmd->size = sizeof(*cmd);
	xioctl(IOMMU_TEST_CMD, cmd, what);
}

/* 2 MiB-aligned memory, every page touched so that nothing faults later. */
static void *alloc_buf(size_t len, bool thp)
{
	char *p;
	size_t i;

	p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	if (madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	for (i = 0; i < len; i += page_size)
		p[i] = 1;
	return p;
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	xioctl(IOMMU_IOAS_ALLOC, &cmd, "IOAS_ALLOC");
	return cmd.out_ioas_id;
}

/* A mock device that can use 1 MiB IOPTEs, attached to @ioas. */
static void mock_domain(uint32_t ioas)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = ioas,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
	};

	test_cmd(&cmd, "MOCK_DOMAIN_FLAGS");
}

static int map_fixed(uint32_t ioas, void *buf, size_t len, uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);
}

static void map_or_die(uint32_t ioas, void *buf, size_t len, uint64_t iova)
{
	if (map_fixed(ioas, buf, len, iova))
		die("IOAS_MAP");
}

static void unmap_or_die(uint32_t ioas, uint64_t iova, size_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	xioctl(IOMMU_IOAS_UNMAP, &cmd, "IOAS_UNMAP");
}

static uint64_t time_floor(void *buf, size_t len)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_PIN_FLOOR,
		.pin_floor = { .uptr = (uintptr_t)buf, .length = len },
	};
	uint64_t best = UINT64_MAX, t;
	int i;

	for (i = 0; i != REPEAT; i++) {
		t = now_ns();
		test_cmd(&cmd, "PIN_FLOOR");
		t = now_ns() - t;
		if (t < best)
			best = t;
	}
	return best;
}

static uint64_t time_map(uint32_t ioas, void *buf, size_t len)
{
	uint64_t best = UINT64_MAX, t;
	int i;

	for (i = 0; i != REPEAT; i++) {
		t = now_ns();
		map_or_die(ioas, buf, len, MOCK_APERTURE_START);
		unmap_or_die(ioas, MOCK_APERTURE_START, len);
		t = now_ns() - t;
		if (t < best)
			best = t;
	}
	return best;
}

static void write_file(const char *path, const char *val)
{
	int f = open(path, O_WRONLY);

	if (f < 0 || write(f, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(f);
}

/* Run the rest of the program in a memory cgroup of its own. */
static void enter_cgroup(void)
{
	char pid[32];

	if (mount("cgroup2", CGROUP, "cgroup2", 0, NULL) && errno != EBUSY)
		die("mount cgroup2");
	write_file(CGROUP "/cgroup.subtree_control", "+memory");
	if (mkdir(CGROUP "/bench", 0755) && errno != EEXIST)
		die("mkdir cgroup");
	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(CGROUP "/bench/cgroup.procs", pid);
}

/*
 * Kernel memory charged to the cgroup. The kernel folds per-CPU counter
 * deltas in every two seconds, so wait for that first.
 */
static long long cgroup_kmem(void)
{
	long long total = 0, val;
	char key[64];
	FILE *f;

	sleep(3);
	f = fopen(CGROUP "/bench/memory.stat", "r");
	if (!f)
		die("memory.stat");
	while (fscanf(f, "%63s %lld", key, &val) == 2)
		if (!strcmp(key, "slab") || !strcmp(key, "percpu"))
			total += val;
	fclose(f);
	return total;
}

/* Mean MAP+UNMAP time of one page in an IOAS holding @nareas areas. */
static uint64_t time_areas(char *page, unsigned long nareas)
{
	uint64_t base = 1ULL << 32, t;
	uint32_t ioas = ioas_alloc();
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = ioas };
	unsigned long i;

	/* Every other page, so that no two areas touch. */
	for (i = 0; i != nareas; i++)
		map_or_die(ioas, page, page_size, base + 2 * i * page_size);
	t = now_ns();
	for (i = 0; i != AREA_OPS; i++) {
		/* Past the last area, cycling over a few slots. */
		uint64_t iova = base + 2 * (nareas + i % 64) * page_size;

		map_or_die(ioas, page, page_size, iova);
		unmap_or_die(ioas, iova, page_size);
	}
	t = (now_ns() - t) / AREA_OPS;
	xioctl(IOMMU_DESTROY, &destroy, "DESTROY");
	return t;
}

int main(void)
{
	uint64_t floor_4k, map_4k, floor_thp, map_thp, area_small, area_big;
	long long kmem_before, kmem_after;
	unsigned long npages;
	uint32_t ioas;
	char *buf;

	page_size = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n1..1\n");
	fflush(stdout);
	npages = BENCH_LEN / page_size;
	enter_cgroup();
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("/dev/iommu");
	ioas = ioas_alloc();
	mock_domain(ioas);

	/* 4 KiB pages */
	buf = alloc_buf(BENCH_LEN, false);
	floor_4k = time_floor(buf, BENCH_LEN);
	map_4k = time_map(ioas, buf, BENCH_LEN);

	kmem_before = cgroup_kmem();
	map_or_die(ioas, buf, BENCH_LEN, MOCK_APERTURE_START);
	kmem_after = cgroup_kmem();
	unmap_or_die(ioas, MOCK_APERTURE_START, BENCH_LEN);
	munmap(buf, BENCH_LEN);

	/* Transparent huge pages */
	buf = alloc_buf(BENCH_LEN, true);
	floor_thp = time_floor(buf, BENCH_LEN);
	map_thp = time_map(ioas, buf, BENCH_LEN);
	munmap(buf, BENCH_LEN);

	/* Lookup cost as the IOAS fills up */
	buf = alloc_buf(page_size, false);
	area_small = time_areas(buf, 100);
	area_big = time_areas(buf, 100000);

	printf("floor_4k_ns: %llu\n", (unsigned long long)floor_4k);
	printf("map_4k_ns: %llu\n", (unsigned long long)map_4k);
	printf("map_4k_ratio: %.3f\n", (double)map_4k / floor_4k);
	printf("floor_thp_ns: %llu\n", (unsigned long long)floor_thp);
	printf("map_thp_ns: %llu\n", (unsigned long long)map_thp);
	printf("map_thp_ratio: %.3f\n", (double)map_thp / floor_thp);
	printf("thp_speedup: %.3f\n", (double)map_4k / map_thp);
	printf("pinned_pages: %lu\n", npages);
	printf("kmem_before_bytes: %lld\n", kmem_before);
	printf("kmem_after_bytes: %lld\n", kmem_after);
	printf("bytes_per_pinned_page: %.4f\n",
	       (double)(kmem_after - kmem_before) / npages);
	printf("area_100_ns: %llu\n", (unsigned long long)area_small);
	printf("area_100000_ns: %llu\n", (unsigned long long)area_big);
	printf("area_scaling: %.3f\n", (double)area_big / area_small);
	printf("ok 1 iommufd_bench\n");
	return 0;
}
