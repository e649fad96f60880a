// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, second part: VFIO containers on iommufd_vfio against the
 * same containers on the kernel's vfio_iommu_type1, both attached to
 * QEMU's edu device behind the guest's (emulated VT-d) IOMMU, so that
 * both backends drive the same real IOMMU driver.
 *
 *   vfio_map_4k_vs_type1   MAP_DMA + UNMAP_DMA of 1 GiB of prefaulted
 *                          4 KiB pages, no two of them physically
 *                          adjacent: iommufd_vfio's time / type1's
 *   vfio_map_4k_inorder_vs_type1
 *                          the same with 4 KiB pages faulted in address
 *                          order, which on a fresh guest are mostly
 *                          physically contiguous (the count of physical
 *                          runs is printed for both)
 *   vfio_map_thp_vs_type1  the same with transparent-huge-page memory
 *                          (the program checks that THP really backs it)
 *   vfio_unmap_1page_vs_type1
 *                          UNMAP_DMA of one 4 KiB mapping in a container
 *                          holding 10,000 of them (mean of UNMAP_SAMPLES
 *                          unmaps per run): iommufd_vfio's / type1's
 *   vfio_two_containers_pinned_ratio (_type1)
 *                          the same 256 MiB mapped into two containers,
 *                          one per edu device: FOLL_PIN pins held on its
 *                          pages (read with the test build's MD_CHECK_REFS)
 *                          divided by its page count, for iommufd_vfio
 *                          (and for type1). What is charged is printed
 *                          too: VmLck and VmPin growth / 256 MiB.
 *
 * A run opens a fresh container on one backend, times the operation and
 * closes the container again; container set-up and teardown are not
 * timed. The backends take turns, in the order ABBA ABBA..., RUNS runs
 * each, and every figure is the median of its RUNS runs. Every run's raw
 * time is printed as well. There is no verdict on speed: the program
 * fails only when an operation fails or the set-up is not as described.
 *
 * Last, untimed, "vfio_prof_<backend>_<operation>_<function>: calls"
 * counts how often each backend calls the IOMMU core, the Intel IOMMU
 * driver (map, unmap, IOTLB sync and flush, queued invalidations) and
 * the pinning functions for one 1 GiB MAP_DMA, its UNMAP_DMA and 100
 * one-page UNMAP_DMAs (see bench_profile(); functions not called are not
 * printed).
 *
 * Output: "name: value" lines inside a one-test TAP stream, as
 * iommufd_bench prints them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "bench_util.h"
#include "vfio_utils.h"

#define SZ_2M (2UL << 20)
#define SZ_256M (256UL << 20)
#define SZ_1G (1UL << 30)
#define RUNS 5
#define IOVA_BASE (1ULL << 32)
#define UNMAP_MAPPINGS 10000
#define UNMAP_SAMPLES 100
/* Fault-in stride of BUF_SCATTERED, in pages: odd, far from 1 */
#define SCATTER_STRIDE 4099
/* Highest pin count per page looked for */
#define MAX_REFS 4

static long page_size;
static int iommufd = -1;
static int edu_group[2];

static const enum vfio_backend backends[2] = {
	VFIO_BACKEND_IOMMUFD, VFIO_BACKEND_TYPE1,
};

static void die_rc(const char *what, int rc)
{
	printf("not ok 1 vfio_bench # %s: %s\n", what, strerror(-rc));
	/* Leave new containers to iommufd_vfio, its default */
	vfio_backend_select(VFIO_BACKEND_IOMMUFD);
	exit(1);
}

static void die(const char *what)
{
	die_rc(what, -(errno ?: EIO));
}

static uint64_t median(const uint64_t *v)
{
	uint64_t s[RUNS];

	memcpy(s, v, sizeof(s));
	qsort(s, RUNS, sizeof(s[0]), cmp_u64);
	return s[RUNS / 2];
}

/* "name_ns: median" and "name_runs_ns: a,b,c,..." in run order */
static uint64_t print_runs(const char *name, const uint64_t *v)
{
	uint64_t m = median(v);
	int i;

	printf("%s_ns: %llu\n", name, (unsigned long long)m);
	printf("%s_runs_ns: ", name);
	for (i = 0; i != RUNS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)v[i]);
	printf("\n");
	return m;
}

static void print_ratio(const char *name, uint64_t ours, uint64_t type1)
{
	printf("%s: %.3f\n", name, (double)ours / type1);
	fflush(stdout);
}

enum buf_kind {
	BUF_SCATTERED,	/* 4 KiB pages, no two physically adjacent */
	BUF_IN_ORDER,	/* 4 KiB pages as the allocator hands them out */
	BUF_THP,	/* transparent huge pages */
};

/*
 * 2 MiB-aligned anonymous memory, every page written. Pages faulted in
 * address order mostly come out of the page allocator physically
 * contiguous on a freshly booted guest, and then both backends map
 * long runs at once. BUF_SCATTERED faults them in at a stride instead,
 * so that consecutive pages of the buffer come from unrelated
 * allocations, as in the memory of a VM that has run for a while:
 * every page is a run of its own.
 */
static char *alloc_buf(size_t len, enum buf_kind kind)
{
	size_t i, n = len / page_size;
	char *p;

	p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	if (madvise(p, len, kind == BUF_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	if (kind == BUF_SCATTERED && !(n & (n - 1))) {
		/* An odd stride visits every page of a power-of-two count */
		for (i = 0; i != n; i++)
			p[(i * SCATTER_STRIDE % n) * page_size] = 1;
	} else {
		for (i = 0; i != n; i++)
			p[i * page_size] = 1;
	}
	return p;
}

/*
 * How many physically contiguous runs make up [@buf, @buf + @len): the
 * number of page frames in /proc/self/pagemap (root sees them) that do
 * not follow the frame of the page before.
 */
static unsigned long phys_runs(const char *buf, size_t len)
{
	unsigned long n = len / page_size, i, runs = 0;
	uint64_t *pm, pfn, prev = 0;
	int f;

	pm = malloc(n * sizeof(*pm));
	f = open("/proc/self/pagemap", O_RDONLY);
	if (!pm || f < 0)
		die("/proc/self/pagemap");
	if (pread(f, pm, n * sizeof(*pm),
		  (uintptr_t)buf / page_size * sizeof(*pm)) !=
	    (ssize_t)(n * sizeof(*pm)))
		die("read /proc/self/pagemap");
	close(f);
	for (i = 0; i != n; i++) {
		/* bit 63: present; bits 0-54: the frame */
		if (!(pm[i] >> 63))
			die_rc("a page of the buffer is not present", -EFAULT);
		pfn = pm[i] & ((1ULL << 55) - 1);
		if (!pfn)
			die_rc("pagemap hides the page frames", -EPERM);
		if (!i || pfn != prev + 1)
			runs++;
		prev = pfn;
	}
	free(pm);
	return runs;
}

/* Find the two edu devices' groups (the rig binds them to vfio-pci). */
static void find_edu(void)
{
	char bdf[64], path[PATH_MAX];
	int i, rc;

	for (i = 0; i != 2; i++) {
		rc = vfio_find_pci_nth(EDU_VENDOR, EDU_DEVICE, i, bdf,
				       sizeof(bdf));
		if (rc)
			die_rc("edu bound to vfio-pci", rc);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
		edu_group[i] = vfio_group_id_of(path);
		if (edu_group[i] < 0)
			die_rc("edu's IOMMU group", edu_group[i]);
		printf("# edu %d: %s, group %d\n", i, bdf, edu_group[i]);
	}
	if (edu_group[0] == edu_group[1])
		die_rc("the two edu devices share a group", -EINVAL);
}

static void ctr_open(struct vfio_ctr *c, int group, enum vfio_backend b)
{
	int rc = vfio_ctr_open(c, group, VFIO_TYPE1v2_IOMMU, b);

	if (rc)
		die_rc(vfio_backend_name(b), rc);
}

static void map_or_die(int ctr, uint64_t iova, const void *buf, size_t len)
{
	int rc = vfio_map(ctr, iova, buf, len, VFIO_RW);

	if (rc)
		die_rc("MAP_DMA", rc);
}

static void unmap_or_die(int ctr, uint64_t iova, size_t len)
{
	__u64 done;
	int rc;

	rc = vfio_unmap(ctr, iova, len, 0, &done);
	if (rc)
		die_rc("UNMAP_DMA", rc);
	if (done != len)
		die_rc("UNMAP_DMA unmapped another size", -EIO);
}

/* The backend of run @i of RUNS * 2: ABBA ABBA ... */
static int backend_of_run(int i)
{
	return (i % 4 == 1 || i % 4 == 2) ? 1 : 0;
}

/*
 * MAP_DMA + UNMAP_DMA of @buf on a fresh container of @b: fills
 * @map_ns and @unmap_ns.
 */
static void time_map_once(enum vfio_backend b, const char *buf, size_t len,
			  uint64_t *map_ns, uint64_t *unmap_ns)
{
	struct vfio_ctr c;
	uint64_t t0, t1, t2;

	ctr_open(&c, edu_group[0], b);
	t0 = now_ns();
	map_or_die(c.container, IOVA_BASE, buf, len);
	t1 = now_ns();
	unmap_or_die(c.container, IOVA_BASE, len);
	t2 = now_ns();
	vfio_ctr_close(&c);
	*map_ns = t1 - t0;
	*unmap_ns = t2 - t1;
}

static void bench_map(const char *name, const char *buf, size_t len)
{
	uint64_t map[2][RUNS], unmap[2][RUNS], total[2][RUNS], med[2];
	char label[128];
	int n[2] = {}, i, b;

	for (i = 0; i != 2 * RUNS; i++) {
		b = backend_of_run(i);
		time_map_once(backends[b], buf, len, &map[b][n[b]],
			      &unmap[b][n[b]]);
		total[b][n[b]] = map[b][n[b]] + unmap[b][n[b]];
		n[b]++;
	}
	for (b = 0; b != 2; b++) {
		const char *who = b ? "type1" : "iommufd";

		snprintf(label, sizeof(label), "%s_%s", name, who);
		med[b] = print_runs(label, total[b]);
		snprintf(label, sizeof(label), "%s_%s_map", name, who);
		print_runs(label, map[b]);
		snprintf(label, sizeof(label), "%s_%s_unmap", name, who);
		print_runs(label, unmap[b]);
	}
	snprintf(label, sizeof(label), "%s_vs_type1", name);
	print_ratio(label, med[0], med[1]);
}

/*
 * Mean UNMAP_DMA time of one 4 KiB mapping among UNMAP_MAPPINGS on a
 * fresh container of @b. The mappings are every other page of IOVA,
 * one page of @buf each, so that none touches another.
 */
static uint64_t time_unmap_once(enum vfio_backend b, const char *buf)
{
	struct vfio_ctr c;
	uint64_t sum = 0, t, iova;
	unsigned long i, idx;

	ctr_open(&c, edu_group[0], b);
	for (i = 0; i != UNMAP_MAPPINGS; i++)
		map_or_die(c.container, IOVA_BASE + 2 * i * page_size,
			   buf + i * page_size, page_size);
	for (i = 0; i != UNMAP_SAMPLES; i++) {
		/* Spread over the whole IOVA range, each mapping once */
		idx = i * (UNMAP_MAPPINGS / UNMAP_SAMPLES) +
		      UNMAP_MAPPINGS / UNMAP_SAMPLES / 2;
		iova = IOVA_BASE + 2 * idx * page_size;
		t = now_ns();
		unmap_or_die(c.container, iova, page_size);
		sum += now_ns() - t;
	}
	vfio_ctr_close(&c);
	return sum / UNMAP_SAMPLES;
}

static void bench_unmap_1page(void)
{
	uint64_t v[2][RUNS], med[2];
	int n[2] = {}, i, b;
	char *buf;

	buf = alloc_buf(UNMAP_MAPPINGS * page_size, BUF_IN_ORDER);
	for (i = 0; i != 2 * RUNS; i++) {
		b = backend_of_run(i);
		v[b][n[b]++] = time_unmap_once(backends[b], buf);
	}
	med[0] = print_runs("vfio_unmap_1page_iommufd", v[0]);
	med[1] = print_runs("vfio_unmap_1page_type1", v[1]);
	print_ratio("vfio_unmap_1page_vs_type1", med[0], med[1]);
	munmap(buf, UNMAP_MAPPINGS * page_size);
}

/* Does every page of [@p, @p + @len) hold exactly @refs FOLL_PIN pins? */
static int check_refs(const char *p, size_t len, unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.uptr = (uintptr_t)p,
			.length = len,
			.refs = refs,
		},
	};

	if (!ioctl(iommufd, IOMMU_TEST_CMD, &cmd))
		return 0;
	if (errno != EIO)
		die("MD_CHECK_REFS");
	return -EIO;
}

/* The pins held on the 4 KiB pages of [@p, @p + @len), in total. */
static unsigned long long count_pins(const char *p, size_t len)
{
	unsigned long long total = 0;
	unsigned int r;
	size_t off;

	/* Usually every page has the same count: one call each */
	for (r = 0; r <= MAX_REFS; r++)
		if (!check_refs(p, len, r))
			return (unsigned long long)r * (len / page_size);
	for (off = 0; off < len; off += page_size) {
		for (r = 0; r <= MAX_REFS; r++)
			if (!check_refs(p + off, page_size, r))
				break;
		if (r > MAX_REFS)
			die_rc("a page holds more pins than counted", -ERANGE);
		total += r;
	}
	return total;
}

/* The same 256 MiB in two containers of @b, one per edu group. */
static void bench_two_containers(enum vfio_backend b, const char *buf)
{
	const char *who = b == VFIO_BACKEND_IOMMUFD ? "" : "_type1";
	long lck, pin, lck2, pin2;
	unsigned long long pins;
	unsigned long npages = SZ_256M / page_size;
	struct vfio_ctr c[2];
	int i;

	if (count_pins(buf, SZ_256M))
		die_rc("pages pinned before the test", -EBUSY);
	lck = vfio_vmlck();
	pin = vfio_vmpin();
	for (i = 0; i != 2; i++) {
		ctr_open(&c[i], edu_group[i], b);
		map_or_die(c[i].container, IOVA_BASE, buf, SZ_256M);
	}
	pins = count_pins(buf, SZ_256M);
	lck2 = vfio_vmlck();
	pin2 = vfio_vmpin();
	for (i = 0; i != 2; i++) {
		unmap_or_die(c[i].container, IOVA_BASE, SZ_256M);
		vfio_ctr_close(&c[i]);
	}
	if (count_pins(buf, SZ_256M))
		die_rc("pages still pinned after UNMAP_DMA", -EBUSY);
	if (lck < 0 || pin < 0 || lck2 < 0 || pin2 < 0)
		die_rc("VmLck/VmPin", -ENOENT);

	printf("vfio_two_containers_pins%s: %llu\n", who, pins);
	printf("vfio_two_containers_pinned_ratio%s: %.3f\n", who,
	       (double)pins / npages);
	printf("vfio_two_containers_vmlck_ratio%s: %.3f\n", who,
	       (double)(lck2 - lck) / SZ_256M);
	printf("vfio_two_containers_vmpin_ratio%s: %.3f\n", who,
	       (double)(pin2 - pin) / SZ_256M);
	fflush(stdout);
}

/*
 * Where the time goes: how often each IOMMU and pinning function of the
 * kernel is called per operation, counted with a kprobe event and a hist
 * trigger each on tracefs (the stock kernel has neither perf nor the
 * function profiler). Only counts: a probe's own cost would distort any
 * time. This runs after every timed figure, so the probes cannot slow
 * those, and it is skipped, with a "#" line, where tracefs is missing.
 */
#define TRACEFS "/sys/kernel/tracing"
#define PROBE_GROUP "vfio_bench"

static const char *const prof_funcs[] = {
	"iommu_map", "iommu_unmap", "iommu_unmap_fast",
	"iommu_iova_to_phys",
	"intel_iommu_map_pages", "intel_iommu_unmap_pages",
	"intel_iommu_iotlb_sync_map", "intel_iommu_tlb_sync",
	"intel_flush_iotlb_all", "iommu_flush_iotlb_psi", "qi_submit_sync",
	"pin_user_pages", "pin_user_pages_remote", "pin_user_pages_fast",
	"unpin_user_page", "unpin_user_pages", "unpin_user_pages_dirty_lock",
	"unpin_user_page_range_dirty_lock",
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define NR_PROF ARRAY_SIZE(prof_funcs)

static bool prof_have[ARRAY_SIZE(prof_funcs)];

/* Write @val to tracefs file @rel; 0 or -errno. */
static int trace_write(const char *rel, const char *val, bool append)
{
	char path[PATH_MAX];
	ssize_t len = strlen(val);
	int f, rc = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", rel);
	f = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (f < 0)
		return -errno;
	if (write(f, val, len) != len)
		rc = -errno;
	close(f);
	return rc;
}

/* Make a kprobe event for every function that can be probed. */
static bool prof_setup(void)
{
	char line[256];
	unsigned int i, n = 0;

	if (access(TRACEFS "/kprobe_events", W_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		printf("# profile skipped: no tracefs (%s)\n", strerror(errno));
		return false;
	}
	for (i = 0; i != NR_PROF; i++) {
		snprintf(line, sizeof(line), "p:%s/%s %s\n", PROBE_GROUP,
			 prof_funcs[i], prof_funcs[i]);
		prof_have[i] = !trace_write("kprobe_events", line, true);
		if (!prof_have[i])
			printf("# profile: cannot probe %s\n", prof_funcs[i]);
		n += prof_have[i];
	}
	return n;
}

static void prof_teardown(void)
{
	char line[256];
	unsigned int i;

	for (i = 0; i != NR_PROF; i++) {
		if (!prof_have[i])
			continue;
		snprintf(line, sizeof(line), "-:%s/%s\n", PROBE_GROUP,
			 prof_funcs[i]);
		trace_write("kprobe_events", line, true);
	}
}

/*
 * Start counting (@on) or stop. A function whose trigger cannot be set
 * is left out from then on: the counts are an aid, not a figure.
 */
static void prof_triggers(bool on)
{
	char rel[256];
	unsigned int i;
	int rc;

	for (i = 0; i != NR_PROF; i++) {
		if (!prof_have[i])
			continue;
		snprintf(rel, sizeof(rel), "events/%s/%s/trigger",
			 PROBE_GROUP, prof_funcs[i]);
		rc = trace_write(rel, on ? "hist:keys=common_pid" :
				 "!hist:keys=common_pid", true);
		if (rc && on) {
			printf("# profile: no hist trigger on %s: %s\n",
			       prof_funcs[i], strerror(-rc));
			prof_have[i] = false;
		}
	}
}

/* Print the calls counted since prof_triggers(true), then stop. */
static void prof_report(const char *who, const char *phase)
{
	char path[PATH_MAX], line[256];
	unsigned long long hits;
	unsigned int i;
	FILE *f;

	for (i = 0; i != NR_PROF; i++) {
		if (!prof_have[i])
			continue;
		snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/hist",
			 PROBE_GROUP, prof_funcs[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		hits = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " Hits: %llu", &hits) == 1)
				break;
		fclose(f);
		if (hits)
			printf("vfio_prof_%s_%s_%s: %llu\n", who, phase,
			       prof_funcs[i], hits);
	}
	prof_triggers(false);
	fflush(stdout);
}

/*
 * Counts for MAP_DMA and UNMAP_DMA of @buf (scattered 4 KiB pages), and
 * for UNMAP_SAMPLES one-page unmaps among UNMAP_MAPPINGS, per backend.
 */
static void bench_profile(const char *buf, const char *pages)
{
	struct vfio_ctr c;
	unsigned long i, idx;
	int b;

	if (!prof_setup())
		return;
	for (b = 0; b != 2; b++) {
		const char *who = b ? "type1" : "iommufd";

		ctr_open(&c, edu_group[0], backends[b]);
		prof_triggers(true);
		map_or_die(c.container, IOVA_BASE, buf, SZ_1G);
		prof_report(who, "map_4k");
		prof_triggers(true);
		unmap_or_die(c.container, IOVA_BASE, SZ_1G);
		prof_report(who, "unmap_4k");

		for (i = 0; i != UNMAP_MAPPINGS; i++)
			map_or_die(c.container, IOVA_BASE + 2 * i * page_size,
				   pages + i * page_size, page_size);
		prof_triggers(true);
		for (i = 0; i != UNMAP_SAMPLES; i++) {
			idx = i * (UNMAP_MAPPINGS / UNMAP_SAMPLES);
			unmap_or_die(c.container,
				     IOVA_BASE + 2 * idx * page_size,
				     page_size);
		}
		prof_report(who, "unmap_1page_x100");
		vfio_ctr_close(&c);
	}
	prof_teardown();
}

int main(void)
{
	char *buf, *pages;
	long long thp;
	int f;

	page_size = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n1..1\n");
	fflush(stdout);
	/* Both backends must be there to compare them */
	if (vfio_iommufd_refcnt() < 0)
		die_rc("iommufd_vfio is not loaded", -ENOENT);
	if (vfio_type1_refcnt() < 0)
		die_rc("vfio_iommu_type1 is not a loaded module", -ENOENT);
	/* For MD_CHECK_REFS: the module is a test build */
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("/dev/iommu");
	find_edu();

	/* 4 KiB pages, each its own physical run */
	buf = alloc_buf(SZ_1G, BUF_SCATTERED);
	printf("vfio_map_4k_phys_runs: %lu\n", phys_runs(buf, SZ_1G));
	bench_map("vfio_map_4k", buf, SZ_1G);
	munmap(buf, SZ_1G);

	/* 4 KiB pages faulted in order: long physical runs, by luck */
	buf = alloc_buf(SZ_1G, BUF_IN_ORDER);
	printf("vfio_map_4k_inorder_phys_runs: %lu\n", phys_runs(buf, SZ_1G));
	bench_map("vfio_map_4k_inorder", buf, SZ_1G);
	munmap(buf, SZ_1G);

	/* Transparent huge pages, on memory compacted first */
	f = open("/proc/sys/vm/compact_memory", O_WRONLY);
	if (f >= 0) {
		if (write(f, "1", 1) != 1)
			printf("# compact_memory: %s\n", strerror(errno));
		close(f);
	}
	buf = alloc_buf(SZ_1G, BUF_THP);
	thp = thp_bytes(buf, SZ_1G);
	if (thp < 0)
		die("/proc/self/smaps");
	printf("vfio_map_thp_backed_fraction: %.3f\n", (double)thp / SZ_1G);
	/* The THP figure means nothing if THP does not back the memory */
	if (thp < (long long)(SZ_1G / 10 * 9))
		die_rc("less than 90% of the THP buffer is huge pages", -ENOMEM);
	bench_map("vfio_map_thp", buf, SZ_1G);
	munmap(buf, SZ_1G);

	bench_unmap_1page();

	/* 4 KiB pages: MD_CHECK_REFS reads no compound page */
	buf = alloc_buf(SZ_256M, BUF_SCATTERED);
	bench_two_containers(VFIO_BACKEND_IOMMUFD, buf);
	bench_two_containers(VFIO_BACKEND_TYPE1, buf);
	munmap(buf, SZ_256M);

	buf = alloc_buf(SZ_1G, BUF_SCATTERED);
	pages = alloc_buf(UNMAP_MAPPINGS * page_size, BUF_IN_ORDER);
	bench_profile(buf, pages);
	munmap(pages, UNMAP_MAPPINGS * page_size);
	munmap(buf, SZ_1G);

	if (vfio_backend_select(VFIO_BACKEND_IOMMUFD))
		die("enable iommufd_vfio again");
	close(iommufd);
	printf("ok 1 vfio_bench\n");
	return 0;
}
