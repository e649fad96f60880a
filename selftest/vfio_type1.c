// SPDX-License-Identifier: GPL-2.0
/*
 * Type1 conformance: what a VFIO container does as its users see it,
 * checked on both backends in the same run. Every test runs once on
 * vfio_iommu_type1 and once on iommufd_vfio (the variant names say
 * which); the rules come from 6.1's vfio_iommu_type1.c, and the device
 * is QEMU's edu behind vfio-pci (bound by the rig's /init).
 *
 * The "ctr" tests use TYPE1v2, as QEMU does; the "unmap" tests run the
 * rules where TYPE1 (v1) and TYPE1v2 differ on both container types.
 *
 * Differences between the backends that the tests expect are marked
 * "Backend difference" below.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "vfio_utils.h"

#define PAGE 4096UL
#define MIB 0x100000UL

/* The MSI window the x86 IOMMUs reserve */
#define MSI_START 0xfee00000ULL
#define MSI_LAST 0xfeefffffULL

/* Type1's GET_INFO chain: MIGRATION (32 B), DMA_AVAIL (12 B), IOVA_RANGE */
#define CAP_MIG_OFF 24
#define CAP_AVAIL_OFF (CAP_MIG_OFF + 32)
#define CAP_IOVA_OFF (CAP_AVAIL_OFF + 12)
#define DIRTY_BITMAP_SIZE_MAX 0x10000000ULL

/* Flag sets, typed for the harness's comparisons */
#define GROUP_FREE ((__u32)VFIO_GROUP_FLAGS_VIABLE)
#define GROUP_SET ((__u32)(VFIO_GROUP_FLAGS_VIABLE | \
			   VFIO_GROUP_FLAGS_CONTAINER_SET))
#define INFO_FLAGS ((__u32)(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS))

/* The rig gives the VM two edu devices; most tests use the first */
static char edu_bdf[32], edu2_bdf[32];
static int edu_group = -1, edu2_group = -1;

/* Find edu once; 0 or -errno. */
static int edu_find(void)
{
	return vfio_edu_find(0, edu_bdf, sizeof(edu_bdf), &edu_group);
}

static int edu2_find(void)
{
	return vfio_edu_find(1, edu2_bdf, sizeof(edu2_bdf), &edu2_group);
}

/* A populated, page-aligned anonymous buffer filled with @fill */
static void *buf_alloc(size_t len, int fill)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, len);
	return p;
}

/* A pattern that differs at every offset and from one @seed to the next */
static void fill_pattern(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 8) * 13 + seed * 101 + 1);
}

/* Offset of the first byte of @buf that is not @val, or -1 */
static long first_not(const void *buf, size_t len, int val)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)val)
			return i;
	return -1;
}

/* Offset of the first byte where @a and @b differ, or -1 */
static long first_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *p = a, *q = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != q[i])
			return i;
	return -1;
}

/* Raise or drop CAP_IPC_LOCK in the effective set; 0 or -errno */
static int cap_ipc_lock(bool on)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	if (on)
		data[0].effective |= 1U << CAP_IPC_LOCK;
	else
		data[0].effective &= ~(1U << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * The IOVA ranges of a GET_INFO reply; their number, or -errno. Also
 * checks the capability chain is laid out like type1's.
 */
static int info_ranges(void *buf, size_t len,
		       struct vfio_iova_range *ranges, int max)
{
	struct vfio_iommu_type1_info_cap_iova_range cap;
	char *p;

	p = vfio_info_cap(buf, len, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	if (!p)
		return -ENOENT;
	memcpy(&cap, p, sizeof(cap));
	if (cap.nr_iovas > (__u32)max)
		return -E2BIG;
	memcpy(ranges, p + sizeof(cap), cap.nr_iovas * sizeof(*ranges));
	return cap.nr_iovas;
}

/* The last IOVA the container accepts, from its IOVA ranges */
static __u64 iova_last(int container)
{
	struct vfio_iova_range r[16];
	char buf[1024];
	int n;

	if (vfio_get_info(container, buf, sizeof(buf)))
		return 0;
	n = info_ranges(buf, sizeof(buf), r, 16);
	return n > 0 ? r[n - 1].end : 0;
}

/*
 * DMA_CC_IOMMU on a set container: type1 answers 1 if every domain
 * enforces cache coherency, which on Intel needs snoop control (bit 7
 * of the unit's extended capabilities). QEMU's model may or may not
 * offer it; read what this one says.
 */
static int expected_dma_cc(void)
{
	char path[PATH_MAX];
	unsigned long long ecap;
	FILE *f;
	int n;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/iommu/intel-iommu/ecap", edu_bdf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llx", &ecap);
	fclose(f);
	return n == 1 ? (int)((ecap >> 7) & 1) : -1;
}

/* ---------------------------------------------------------------------- */

FIXTURE(ctr) {
	struct vfio_ctr c;
	struct vfio_edu edu;
	enum vfio_backend backend;
	long iommufd_ref;	/* refcnt of iommufd_vfio before the test */
	long type1_ref;		/* of vfio_iommu_type1, where it is a module */
	long msi_saved[2];	/* allow_unsafe_interrupts, per backend */
	long limit_saved;	/* dma_entry_limit of this backend */
};

FIXTURE_VARIANT(ctr) {
	enum vfio_backend backend;
};

FIXTURE_VARIANT_ADD(ctr, type1) {
	.backend = VFIO_BACKEND_TYPE1,
};

FIXTURE_VARIANT_ADD(ctr, iommufd) {
	.backend = VFIO_BACKEND_IOMMUFD,
};

FIXTURE_SETUP(ctr)
{
	self->c.container = -1;
	self->c.group = -1;
	self->edu.fd = -1;
	self->backend = variant->backend;
	ASSERT_EQ(0, edu_find())
		TH_LOG("no edu device bound to vfio-pci");
	self->msi_saved[0] = vfio_sysfs_read_long(vfio_msi_param(0));
	self->msi_saved[1] = vfio_sysfs_read_long(vfio_msi_param(1));
	self->limit_saved = vfio_sysfs_read_long(vfio_limit_param(variant->backend));
	self->iommufd_ref = vfio_iommufd_refcnt();
	self->type1_ref = vfio_type1_refcnt();
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   variant->backend))
		TH_LOG("container on %s", vfio_backend_name(variant->backend));
}

FIXTURE_TEARDOWN(ctr)
{
	int i;

	vfio_edu_close(&self->edu);
	vfio_ctr_close(&self->c);
	/* Put back what a test may have changed */
	for (i = 0; i < 2; i++)
		if (self->msi_saved[i] >= 0 &&
		    vfio_sysfs_read_long(vfio_msi_param(i)) != self->msi_saved[i])
			vfio_sysfs_write_long(vfio_msi_param(i),
					      self->msi_saved[i]);
	if (self->limit_saved >= 0 &&
	    vfio_sysfs_read_long(vfio_limit_param(self->backend)) !=
	    self->limit_saved)
		vfio_sysfs_write_long(vfio_limit_param(self->backend),
				      self->limit_saved);
}

/* Is the container (still) served by the variant's backend? */
static bool on_backend(FIXTURE_DATA(ctr) *self)
{
	long f = vfio_iommufd_refcnt(), t = vfio_type1_refcnt();

	if (self->backend == VFIO_BACKEND_IOMMUFD)
		return self->iommufd_ref >= 0 && f > self->iommufd_ref &&
		       (t < 0 || t == self->type1_ref);
	return (f < 0 || f == self->iommufd_ref) &&
	       (t < 0 || t > self->type1_ref);
}

/*
 * The container/group sequence of QEMU 7.2's vfio_connect_container and
 * vfio_get_device, then its hot-unplug teardown.
 */
TEST_F(ctr, qemu_sequence)
{
	static const unsigned long probe[] = {
		VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU,
		VFIO_SPAPR_TCE_v2_IOMMU, VFIO_SPAPR_TCE_IOMMU,
	};
	static const struct {
		__u64 iova, off, size;
		__u32 flags;
	} sections[] = {
		{ 0, 0, 0xc0000, VFIO_RW },
		{ 0xc0000, 0xc0000, 0x40000, VFIO_DMA_MAP_FLAG_READ },
		{ 0x100000, 0x100000, 0x100000, VFIO_RW },
		{ 0x100000000ULL, 2 * MIB, 2 * MIB, VFIO_RW },
	};
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_iommu_type1_info *info;
	char path[64], buf[1024];
	int group, container, dev, ret;
	unsigned long type = 0;
	__u64 done, bar0_size, off;
	struct vfio_edu e;
	void *ram;
	size_t i;

	vfio_ctr_close(&self->c);
	ASSERT_EQ(0, vfio_backend_select(self->backend));

	snprintf(path, sizeof(path), "/dev/vfio/%d", edu_group);
	group = open(path, O_RDWR);
	ASSERT_LE(0, group);
	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_GET_STATUS, &status));
	ASSERT_EQ(GROUP_FREE, status.flags);
	/* The group fd is exclusive */
	EXPECT_EQ(-1, open(path, O_RDWR));
	EXPECT_EQ(EBUSY, errno);

	container = open(VFIO_CONTAINER_DEV, O_RDWR);
	ASSERT_LE(0, container);
	ASSERT_EQ(VFIO_API_VERSION, ioctl(container, VFIO_GET_API_VERSION));
	/* QEMU stops at the first non-zero answer; an error counts as one */
	for (i = 0; i < ARRAY_SIZE(probe) && !type; i++)
		if (ioctl(container, VFIO_CHECK_EXTENSION, probe[i]))
			type = probe[i];
	ASSERT_EQ((unsigned long)VFIO_TYPE1v2_IOMMU, type);

	/* SET_IOMMU needs a group, GET_DEVICE_FD needs SET_IOMMU */
	EXPECT_EQ(-1, ioctl(container, VFIO_SET_IOMMU, type));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));
	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_GET_STATUS, &status));
	ASSERT_EQ(GROUP_SET, status.flags);
	EXPECT_EQ(-1, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf));
	EXPECT_EQ(EINVAL, errno);
	/* Without a backend the container takes no type1 ioctl */
	info = (void *)buf;
	info->argsz = sizeof(*info);
	EXPECT_EQ(-EINVAL, vfio_ioctl(container, VFIO_IOMMU_GET_INFO, info));

	ASSERT_EQ(0, vfio_ioctl(container, VFIO_SET_IOMMU, (void *)type));
	ASSERT_TRUE(on_backend(self));
	/* Only once */
	EXPECT_EQ(-EINVAL, vfio_ioctl(container, VFIO_SET_IOMMU, (void *)type));

	/* GET_INFO with argsz 24, then with what the kernel asked for */
	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(*info);
	ASSERT_EQ(0, vfio_ioctl(container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_LT(sizeof(*info), info->argsz);
	ASSERT_GE(sizeof(buf), info->argsz);
	ASSERT_EQ(0, vfio_ioctl(container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_TRUE(!!(info->flags & VFIO_IOMMU_INFO_PGSIZES));
	ASSERT_TRUE(!!(info->flags & VFIO_IOMMU_INFO_CAPS));
	ASSERT_EQ(sizeof(*info), info->cap_offset);

	/*
	 * The memory listener maps one section at a time: low RAM, a
	 * read-only ROM, RAM again, RAM above 4 GiB.
	 */
	ram = buf_alloc(4 * MIB, 0x5a);
	ASSERT_NE(NULL, ram);
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		ASSERT_EQ(0, vfio_map(container, sections[i].iova,
				      (char *)ram + sections[i].off,
				      sections[i].size, sections[i].flags))
			TH_LOG("section %zu", i);

	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, vfio_ioctl(dev, VFIO_DEVICE_GET_INFO, &dinfo));
	EXPECT_TRUE(!!(dinfo.flags & VFIO_DEVICE_FLAGS_PCI));
	EXPECT_LE((__u32)VFIO_PCI_CONFIG_REGION_INDEX + 1, dinfo.num_regions);
	e.fd = dev;
	ASSERT_EQ(0, vfio_edu_region(&e, VFIO_PCI_BAR0_REGION_INDEX, &off,
				     &bar0_size));
	EXPECT_EQ(MIB, bar0_size);

	/* Hot-unplug: device, UNMAPs (QEMU ignores the size), UNSET, close */
	close(dev);
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		ASSERT_EQ(0, vfio_unmap(container, sections[i].iova,
					sections[i].size, 0, &done));
		EXPECT_EQ(sections[i].size, done);
	}
	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
	ret = vfio_ioctl(group, VFIO_GROUP_GET_STATUS, &status);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(GROUP_FREE, status.flags);
	/* The last group took the backend with it */
	info->argsz = sizeof(*info);
	EXPECT_EQ(-EINVAL, vfio_ioctl(container, VFIO_IOMMU_GET_INFO, info));
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());
	close(container);
	close(group);
	munmap(ram, 4 * MIB);
}

/*
 * CHECK_EXTENSION: an empty container asks every backend (the first
 * positive answer wins); a set container asks only its own.
 */
TEST_F(ctr, check_extension)
{
	struct ext { unsigned long id; int empty, set; };
	/* -2: filled in below */
	struct ext exts[] = {
		{ VFIO_TYPE1_IOMMU, 1, 1 },
		{ VFIO_SPAPR_TCE_IOMMU, 0, 0 },
		{ VFIO_TYPE1v2_IOMMU, 1, 1 },
		{ VFIO_DMA_CC_IOMMU, 0, -2 },
		{ VFIO_EEH, 0, 0 },
		{ VFIO_TYPE1_NESTING_IOMMU, 1, -2 },
		{ VFIO_SPAPR_TCE_v2_IOMMU, 0, 0 },
		{ VFIO_NOIOMMU_IOMMU, 0, 0 },
		{ VFIO_UNMAP_ALL, 1, 1 },
		{ VFIO_UPDATE_VADDR, 0, -2 },
		{ 0, 0, 0 },
		{ 11, 0, 0 },
		{ 0x7fffffff, 0, 0 },
	};
	bool iommufd = self->backend == VFIO_BACKEND_IOMMUFD;
	int empty, cc = expected_dma_cc();
	size_t i;

	ASSERT_LE(0, cc) TH_LOG("cannot read the IOMMU's ecap");
	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		switch (exts[i].id) {
		case VFIO_DMA_CC_IOMMU:
			exts[i].set = cc;
			break;
		/*
		 * Backend difference: iommufd_vfio offers neither nesting
		 * (6.1's Intel and AMD drivers cannot nest, so type1's
		 * answer leads only to a failing SET_IOMMU) nor vaddr
		 * updates (MAP/UNMAP_DMA's VADDR flags).
		 */
		case VFIO_TYPE1_NESTING_IOMMU:
		case VFIO_UPDATE_VADDR:
			exts[i].set = !iommufd;
			break;
		}
	}

	empty = open(VFIO_CONTAINER_DEV, O_RDWR);
	ASSERT_LE(0, empty);
	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		EXPECT_EQ(exts[i].empty,
			  ioctl(empty, VFIO_CHECK_EXTENSION, exts[i].id))
			TH_LOG("empty container, extension %lu", exts[i].id);
		EXPECT_EQ(exts[i].set,
			  ioctl(self->c.container, VFIO_CHECK_EXTENSION,
				exts[i].id))
			TH_LOG("set container, extension %lu", exts[i].id);
	}
	close(empty);
}

/* SET_IOMMU's refusals, and that a refused one leaves the group usable */
TEST_F(ctr, set_iommu)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int container, group;
	char path[64];

	vfio_ctr_close(&self->c);
	ASSERT_EQ(0, vfio_backend_select(self->backend));
	snprintf(path, sizeof(path), "/dev/vfio/%d", edu_group);
	group = open(path, O_RDWR);
	ASSERT_LE(0, group);
	container = open(VFIO_CONTAINER_DEV, O_RDWR);
	ASSERT_LE(0, container);
	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));

	/* Nobody serves these */
	EXPECT_EQ(-ENODEV, vfio_ioctl(container, VFIO_SET_IOMMU,
				      (void *)VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(-ENODEV, vfio_ioctl(container, VFIO_SET_IOMMU, (void *)99));
	EXPECT_EQ(-ENODEV, vfio_ioctl(container, VFIO_SET_IOMMU, (void *)0));
	/*
	 * Type1 takes nesting but its attach fails, as 6.1's Intel driver
	 * has no enable_nesting (iommufd_vfio declines nesting, so type1
	 * gets it on both variants).
	 */
	EXPECT_EQ(-EINVAL, vfio_ioctl(container, VFIO_SET_IOMMU,
				      (void *)VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());
	EXPECT_EQ(-1, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, vfio_ioctl(group, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_EQ(GROUP_SET, status.flags);
	ASSERT_EQ(0, vfio_ioctl(container, VFIO_SET_IOMMU,
				(void *)VFIO_TYPE1v2_IOMMU));
	EXPECT_TRUE(on_backend(self));
	close(group);
	close(container);
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());
}

/* GET_INFO's argsz negotiation, byte by byte */
TEST_F(ctr, info_argsz)
{
	struct vfio_iommu_type1_info *info;
	unsigned char buf[1024];
	__u32 need, argsz;

	info = (void *)buf;
	/* Too short for iova_pgsizes: nothing is written */
	for (argsz = 0; argsz < 16; argsz += 4) {
		memset(buf, 0xa5, sizeof(buf));
		info->argsz = argsz;
		EXPECT_EQ(-EINVAL, vfio_ioctl(self->c.container,
					      VFIO_IOMMU_GET_INFO, info));
		EXPECT_EQ(argsz, info->argsz);
		EXPECT_EQ(-1, first_not(buf + 4, sizeof(buf) - 4, 0xa5));
	}
	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(*info);
	ASSERT_EQ(0, vfio_ioctl(self->c.container, VFIO_IOMMU_GET_INFO, info));
	need = info->argsz;
	ASSERT_LT(sizeof(*info), need);
	ASSERT_GE(sizeof(buf), need);

	for (argsz = 15; argsz <= need + 8; argsz++) {
		/* 16..19: up to iova_pgsizes; from 20 cap_offset too */
		size_t copied = argsz < 20 ? 16 : 20;

		memset(buf, 0xa5, sizeof(buf));
		info->argsz = argsz;
		if (argsz < 16) {
			EXPECT_EQ(-EINVAL, vfio_ioctl(self->c.container,
						      VFIO_IOMMU_GET_INFO, info));
			continue;
		}
		ASSERT_EQ(0, vfio_ioctl(self->c.container,
					VFIO_IOMMU_GET_INFO, info))
			TH_LOG("argsz %u", argsz);
		EXPECT_EQ(INFO_FLAGS, info->flags);
		/* 4 KiB pages and maybe larger ones, never smaller */
		EXPECT_EQ(PAGE, info->iova_pgsizes & -info->iova_pgsizes);
		if (argsz < need) {
			/* Asked to grow: nothing past what was copied */
			EXPECT_EQ(need, info->argsz) TH_LOG("argsz %u", argsz);
			if (argsz >= 20)
				EXPECT_EQ(0U, info->cap_offset);
			EXPECT_EQ(-1, first_not(buf + copied,
						sizeof(buf) - copied, 0xa5))
				TH_LOG("argsz %u", argsz);
		} else {
			/* argsz is left alone; the chain follows at 24 */
			EXPECT_EQ(argsz, info->argsz);
			EXPECT_EQ(sizeof(*info), info->cap_offset);
			EXPECT_EQ(-1, first_not(buf + need,
						sizeof(buf) - need, 0xa5))
				TH_LOG("argsz %u", argsz);
		}
	}
}

/* GET_INFO's capability chain: order, offsets and contents */
TEST_F(ctr, info_caps)
{
	struct vfio_iommu_type1_info_cap_migration mig;
	struct vfio_iommu_type1_info_dma_avail avail;
	struct vfio_iommu_type1_info_cap_iova_range iova;
	struct vfio_iommu_type1_info *info;
	struct vfio_iova_range r[16];
	unsigned char buf[1024];
	long limit;
	__u32 n, i;
	void *mem;

	limit = vfio_sysfs_read_long(vfio_limit_param(self->backend));
	ASSERT_LT(0, limit);
	info = (void *)buf;
	ASSERT_EQ(0, vfio_get_info(self->c.container, buf, sizeof(buf)));
	ASSERT_EQ(INFO_FLAGS, info->flags);
	ASSERT_EQ(sizeof(*info), info->cap_offset);

	memcpy(&mig, buf + CAP_MIG_OFF, sizeof(mig));
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, mig.header.id);
	EXPECT_EQ(1, mig.header.version);
	EXPECT_EQ((__u32)CAP_AVAIL_OFF, mig.header.next);
	EXPECT_EQ(0U, mig.flags);
	/* Dirty tracking at the smallest page size only */
	EXPECT_EQ(info->iova_pgsizes & -info->iova_pgsizes, mig.pgsize_bitmap);
	EXPECT_EQ(DIRTY_BITMAP_SIZE_MAX, mig.max_dirty_bitmap_size);

	memcpy(&avail, buf + CAP_AVAIL_OFF, sizeof(avail));
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, avail.header.id);
	EXPECT_EQ(1, avail.header.version);
	EXPECT_EQ((__u32)CAP_IOVA_OFF, avail.header.next);
	EXPECT_EQ(limit, avail.avail);

	memcpy(&iova, buf + CAP_IOVA_OFF, sizeof(iova));
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, iova.header.id);
	EXPECT_EQ(1, iova.header.version);
	EXPECT_EQ(0U, iova.header.next);
	n = iova.nr_iovas;
	ASSERT_LE(1U, n);
	ASSERT_GE(16U, n);
	EXPECT_EQ(CAP_IOVA_OFF + sizeof(iova) + n * sizeof(r[0]), info->argsz);
	memcpy(r, buf + CAP_IOVA_OFF + sizeof(iova), n * sizeof(r[0]));

	/*
	 * Ascending, disjoint, inclusive ranges from 0 to the end of the
	 * aperture (2^aw - 1), with the MSI window cut out.
	 */
	EXPECT_EQ(0ULL, r[0].start);
	for (i = 0; i < n; i++) {
		EXPECT_LE(r[i].start, r[i].end);
		if (i)
			EXPECT_LT(r[i - 1].end + 1, r[i].start);
		EXPECT_TRUE(r[i].end < MSI_START || r[i].start > MSI_LAST)
			TH_LOG("range %u overlaps the MSI window", i);
		if (r[i].end == MSI_START - 1)
			EXPECT_EQ(MSI_LAST + 1, r[i + 1 < n ? i + 1 : i].start);
	}
	EXPECT_EQ(0ULL, (r[n - 1].end + 1) & r[n - 1].end);
	EXPECT_LT(0xffffffffULL, r[n - 1].end);

	/* DMA_AVAIL counts mappings, not bytes */
	mem = buf_alloc(4 * PAGE, 1);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, vfio_map(self->c.container, MIB, mem, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_map(self->c.container, 2 * MIB,
			      (char *)mem + PAGE, 3 * PAGE, VFIO_RW));
	EXPECT_EQ(limit - 2, vfio_dma_avail(self->c.container));
	ASSERT_EQ(0, vfio_unmap(self->c.container, 0, 0,
				VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_EQ(limit, vfio_dma_avail(self->c.container));
	munmap(mem, 4 * PAGE);
}

/*
 * The same GET_INFO reply as type1 gives for this group (on the type1
 * variant: as a second type1 container gives).
 */
TEST_F(ctr, info_matches_type1)
{
	unsigned char mine[1024], ref[1024];
	struct vfio_iommu_type1_info *info = (void *)mine;
	struct vfio_ctr t;

	ASSERT_EQ(0, vfio_get_info(self->c.container, mine, sizeof(mine)));
	vfio_ctr_close(&self->c);
	ASSERT_EQ(0, vfio_ctr_open(&t, edu_group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_TYPE1));
	ASSERT_EQ(0, vfio_get_info(t.container, ref, sizeof(ref)));
	vfio_ctr_close(&t);
	ASSERT_EQ(info->argsz, ((struct vfio_iommu_type1_info *)ref)->argsz);
	/* DMA_AVAIL comes from each backend's own dma_entry_limit */
	memset(mine + CAP_AVAIL_OFF + 8, 0, 4);
	memset(ref + CAP_AVAIL_OFF + 8, 0, 4);
	EXPECT_EQ(-1, first_diff(mine, ref, info->argsz));
}

/* MAP_DMA's argument checks; no refused call leaves anything behind */
TEST_F(ctr, map_args)
{
	int ctr = self->c.container;
	long lck = vfio_vmlck(), avail = vfio_dma_avail(ctr);
	__u64 last = iova_last(ctr), iova = 16 * MIB;
	struct vfio_iommu_type1_dma_map map;
	char *mem;

	ASSERT_LT(0xffffffffULL, last);
	ASSERT_LT(0, avail);
	mem = buf_alloc(4 * PAGE, 3);
	ASSERT_NE(NULL, mem);

	map = (struct vfio_iommu_type1_dma_map){
		.argsz = sizeof(map) - 1, .flags = VFIO_RW,
		.vaddr = (uintptr_t)mem, .iova = iova, .size = PAGE,
	};
	EXPECT_EQ(-EINVAL, vfio_ioctl(ctr, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE, 1U << 3));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE, 1U << 31));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE, 0));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE,
				    VFIO_DMA_MAP_FLAG_VADDR |
				    VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE,
				    VFIO_DMA_MAP_FLAG_VADDR | VFIO_RW));
	/* Alignment to the smallest IOMMU page size: 4 KiB */
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, 0, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova + 512, mem, PAGE, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem + 512, PAGE, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE + 512, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, mem, PAGE / 2, VFIO_RW));
	/* Wraps */
	EXPECT_EQ(-EINVAL, vfio_map(ctr, 0ULL - PAGE, mem, 2 * PAGE, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, iova, (void *)(0UL - PAGE),
				    2 * PAGE, VFIO_RW));
	/* Outside the IOVA ranges, or across a hole */
	EXPECT_EQ(-EINVAL, vfio_map(ctr, MSI_START, mem, PAGE, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, MSI_START - PAGE, mem, 2 * PAGE,
				    VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, MSI_LAST + 1 - PAGE, mem, 2 * PAGE,
				    VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, last + 1 - PAGE, mem, 2 * PAGE,
				    VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, last + 1, mem, PAGE, VFIO_RW));
	EXPECT_EQ(-EINVAL, vfio_map(ctr, 1ULL << 63, mem, PAGE, VFIO_RW));

	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(avail, vfio_dma_avail(ctr));

	/* The edges of the ranges are usable */
	EXPECT_EQ(0, vfio_map(ctr, MSI_START - PAGE, mem, PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_map(ctr, MSI_LAST + 1, mem + PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_map(ctr, last + 1 - PAGE, mem + 2 * PAGE, PAGE,
			      VFIO_RW));
	EXPECT_EQ(0, vfio_map(ctr, iova, mem + 3 * PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(lck + 4 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ(avail - 4, vfio_dma_avail(ctr));
	EXPECT_EQ(0, vfio_unmap(ctr, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_EQ(lck, vfio_vmlck());
	munmap(mem, 4 * PAGE);
}

/* Any overlap with an existing mapping is EEXIST and changes nothing */
/* One VFIO_IOMMU_DIRTY_PAGES call; 0 or -errno. */
static int dirty_pages(int ctr, __u32 argsz, __u32 flags, __u64 iova,
		       __u64 size, __u64 pgsize, __u64 *bits, __u64 bits_len)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap d;
		struct vfio_iommu_type1_dirty_bitmap_get g;
	} req = {
		.d = { .argsz = argsz, .flags = flags },
		.g = {
			.iova = iova,
			.size = size,
			.bitmap = {
				.pgsize = pgsize,
				.size = bits_len,
				.data = bits,
			},
		},
	};

	return vfio_ioctl(ctr, VFIO_IOMMU_DIRTY_PAGES, &req);
}

/*
 * DIRTY_PAGES with an IOMMU group in the container: every errno, and, as
 * no domain tracks writes, every mapped page of the range reported dirty,
 * by GET_BITMAP and by an UNMAP that asks for the bitmap.
 */
TEST_F(ctr, dirty_pages)
{
	const __u32 full = sizeof(struct vfio_iommu_type1_dirty_bitmap) +
			   sizeof(struct vfio_iommu_type1_dirty_bitmap_get);
	const __u32 get = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	const __u32 start = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	const __u32 stop = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	int ctr = self->c.container;
	__u64 a = 32 * MIB, bits[2], done = 0;
	struct {
		struct vfio_iommu_type1_dma_unmap u;
		struct vfio_bitmap b;
	} unmap;
	char *mem;

	mem = buf_alloc(4 * PAGE, 7);
	ASSERT_NE(NULL, mem);
	/* Pages 0, 1 and 3 of the range are mapped, page 2 is not */
	ASSERT_EQ(0, vfio_map(ctr, a, mem, 2 * PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_map(ctr, a + 3 * PAGE, mem + 3 * PAGE, PAGE,
			      VFIO_RW));

	/* Exactly one known flag, and room for the header */
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, 0, 0, 0, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, start | stop, 0, 0, 0,
				       NULL, 0));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, 8, 0, 0, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, 7, start, 0, 0, 0, NULL, 0));
	/* No bitmap before tracking starts */
	memset(bits, 0, sizeof(bits));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a, 4 * PAGE, PAGE,
				       bits, sizeof(bits)));

	EXPECT_EQ(0, dirty_pages(ctr, full, start, 0, 0, 0, NULL, 0));
	EXPECT_EQ(0, dirty_pages(ctr, full, start, 0, 0, 0, NULL, 0));

	/* Bad requests for a bitmap */
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full - 1, get, a, 4 * PAGE, PAGE,
				       bits, sizeof(bits)));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a, 4 * PAGE, 2 * PAGE,
				       bits, sizeof(bits)));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a + 1, 4 * PAGE, PAGE,
				       bits, sizeof(bits)));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a, 0, PAGE, bits,
				       sizeof(bits)));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a, 4 * PAGE, PAGE,
				       bits, 0));
	/* A range that cuts a mapping, at either end */
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a + PAGE, 3 * PAGE,
				       PAGE, bits, sizeof(bits)));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a, PAGE, PAGE, bits,
				       sizeof(bits)));
	EXPECT_EQ(0ULL, bits[0]);

	/* Every mapped page is dirty, the hole is not */
	EXPECT_EQ(0, dirty_pages(ctr, full, get, a, 4 * PAGE, PAGE, bits,
				 sizeof(bits)));
	EXPECT_EQ(0xbULL, bits[0]);

	/* UNMAP with the bitmap reports what it removes */
	memset(&unmap, 0, sizeof(unmap));
	unmap.u.argsz = sizeof(unmap);
	unmap.u.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	unmap.u.iova = a;
	unmap.u.size = 2 * PAGE;
	unmap.b.pgsize = 2 * PAGE;
	unmap.b.size = sizeof(bits);
	unmap.b.data = bits;
	memset(bits, 0, sizeof(bits));
	EXPECT_EQ(-EINVAL, vfio_ioctl(ctr, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.b.pgsize = PAGE;
	ASSERT_EQ(0, vfio_ioctl(ctr, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_EQ(2 * PAGE, unmap.u.size);
	EXPECT_EQ(0x3ULL, bits[0]);

	EXPECT_EQ(0, dirty_pages(ctr, full, stop, 0, 0, 0, NULL, 0));
	EXPECT_EQ(0, dirty_pages(ctr, full, stop, 0, 0, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, dirty_pages(ctr, full, get, a + 3 * PAGE, PAGE,
				       PAGE, bits, sizeof(bits)));
	/* Once stopped, UNMAP refuses to report */
	unmap.u.iova = a + 3 * PAGE;
	unmap.u.size = PAGE;
	EXPECT_EQ(-EINVAL, vfio_ioctl(ctr, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_EQ(0, vfio_unmap(ctr, a + 3 * PAGE, PAGE, 0, &done));
	EXPECT_EQ(PAGE, done);
	munmap(mem, 4 * PAGE);
}

TEST_F(ctr, map_eexist)
{
	int ctr = self->c.container;
	__u64 a = 32 * MIB, done;
	long lck, avail;
	char *mem;

	mem = buf_alloc(16 * PAGE, 4);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, vfio_map(ctr, a, mem, 4 * PAGE, VFIO_RW));
	lck = vfio_vmlck();
	avail = vfio_dma_avail(ctr);

	EXPECT_EQ(-EEXIST, vfio_map(ctr, a, mem + 4 * PAGE, 4 * PAGE, VFIO_RW));
	EXPECT_EQ(-EEXIST, vfio_map(ctr, a + PAGE, mem + 4 * PAGE, PAGE,
				    VFIO_RW));
	EXPECT_EQ(-EEXIST, vfio_map(ctr, a - PAGE, mem + 4 * PAGE, 2 * PAGE,
				    VFIO_RW));
	EXPECT_EQ(-EEXIST, vfio_map(ctr, a + 3 * PAGE, mem + 4 * PAGE,
				    2 * PAGE, VFIO_RW));
	EXPECT_EQ(-EEXIST, vfio_map(ctr, a - PAGE, mem + 4 * PAGE, 6 * PAGE,
				    VFIO_RW));
	/* Overlap is checked before the flags say READ only */
	EXPECT_EQ(-EEXIST, vfio_map(ctr, a, mem + 4 * PAGE, PAGE,
				    VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(avail, vfio_dma_avail(ctr));

	/* Neighbours are not overlaps */
	EXPECT_EQ(0, vfio_map(ctr, a - PAGE, mem + 4 * PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_map(ctr, a + 4 * PAGE, mem + 5 * PAGE, PAGE,
			      VFIO_RW));
	/* The original mapping is whole */
	EXPECT_EQ(0, vfio_unmap(ctr, a, 4 * PAGE, 0, &done));
	EXPECT_EQ(4 * PAGE, done);
	EXPECT_EQ(0, vfio_unmap(ctr, a - PAGE, 6 * PAGE, 0, &done));
	EXPECT_EQ(2 * PAGE, done);
	munmap(mem, 16 * PAGE);
}

/*
 * dma_entry_limit (read when the container is set up) caps the number
 * of mappings: ENOSPC, changing nothing, after that many.
 */
TEST_F(ctr, map_enospc)
{
	const long limit = 3;
	int ctr, i;
	__u64 done;
	long lck;
	char *mem;

	mem = buf_alloc(8 * PAGE, 5);
	ASSERT_NE(NULL, mem);
	vfio_ctr_close(&self->c);
	ASSERT_LT(limit, self->limit_saved);
	ASSERT_EQ(0, vfio_sysfs_write_long(vfio_limit_param(self->backend),
					   limit));
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   self->backend));
	/* Later changes do not reach a set container */
	ASSERT_EQ(0, vfio_sysfs_write_long(vfio_limit_param(self->backend),
					   self->limit_saved));
	ctr = self->c.container;
	EXPECT_EQ(limit, vfio_dma_avail(ctr));

	for (i = 0; i < limit; i++)
		ASSERT_EQ(0, vfio_map(ctr, MIB + 2 * i * PAGE, mem + i * PAGE,
				      PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_dma_avail(ctr));
	lck = vfio_vmlck();
	EXPECT_EQ(-ENOSPC, vfio_map(ctr, 8 * MIB, mem + 4 * PAGE, PAGE,
				    VFIO_RW));
	/* An overlap is still EEXIST */
	EXPECT_EQ(-EEXIST, vfio_map(ctr, MIB, mem + 4 * PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(0, vfio_dma_avail(ctr));

	/* One unmap gives back one entry */
	ASSERT_EQ(0, vfio_unmap(ctr, MIB, PAGE, 0, &done));
	EXPECT_EQ(PAGE, done);
	EXPECT_EQ(1, vfio_dma_avail(ctr));
	EXPECT_EQ(0, vfio_map(ctr, 8 * MIB, mem + 4 * PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(-ENOSPC, vfio_map(ctr, MIB, mem, PAGE, VFIO_RW));
	munmap(mem, 8 * PAGE);
}

/*
 * Pinning failures: an unmapped vaddr, a hole in the middle, writing
 * read-only memory. EFAULT, nothing pinned or charged, and the same
 * IOVA maps afterwards.
 */
TEST_F(ctr, map_efault)
{
	int ctr = self->c.container;
	long lck = vfio_vmlck(), pin = vfio_vmpin();
	long avail = vfio_dma_avail(ctr);
	__u64 iova = 64 * MIB, done;
	char *mem, *ro;

	mem = buf_alloc(8 * PAGE, 6);
	ASSERT_NE(NULL, mem);
	ro = buf_alloc(2 * PAGE, 7);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));
	/* A hole at page 5 */
	ASSERT_EQ(0, munmap(mem + 5 * PAGE, PAGE));

	EXPECT_EQ(-EFAULT, vfio_map(ctr, iova, mem + 5 * PAGE, PAGE, VFIO_RW));
	EXPECT_EQ(-EFAULT, vfio_map(ctr, iova, mem, 8 * PAGE, VFIO_RW));
	EXPECT_EQ(-EFAULT, vfio_map(ctr, iova, ro, 2 * PAGE, VFIO_RW));
	EXPECT_EQ(-EFAULT, vfio_map(ctr, iova, ro, 2 * PAGE,
				    VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(pin, vfio_vmpin());
	EXPECT_EQ(avail, vfio_dma_avail(ctr));

	/* What can be pinned maps, at the IOVAs that failed */
	EXPECT_EQ(0, vfio_map(ctr, iova, mem, 5 * PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_map(ctr, iova + 5 * PAGE, ro, 2 * PAGE,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(lck + 7 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ(0, vfio_unmap(ctr, iova, 8 * PAGE, 0, &done));
	EXPECT_EQ(7 * PAGE, done);
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(pin, vfio_vmpin());
	munmap(mem, 8 * PAGE);
	munmap(ro, 2 * PAGE);
}

/*
 * What a mapping charges: locked_vm (VmLck) for every page on both
 * backends. Backend difference: type1 does not touch pinned_vm, while
 * iommufd (like upstream's) also counts its pins there (VmPin).
 */
TEST_F(ctr, map_accounting)
{
	bool iommufd = self->backend == VFIO_BACKEND_IOMMUFD;
	int ctr = self->c.container;
	long lck = vfio_vmlck(), pin = vfio_vmpin();
	const size_t len = 2 * MIB + 3 * PAGE;
	__u64 done;
	char *mem;

	ASSERT_LE(0, lck);
	ASSERT_LE(0, pin);
	mem = buf_alloc(len, 8);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, vfio_map(ctr, 4 * MIB, mem, 2 * MIB, VFIO_RW));
	EXPECT_EQ(lck + (long)(2 * MIB), vfio_vmlck());
	EXPECT_EQ(pin + (iommufd ? (long)(2 * MIB) : 0), vfio_vmpin());
	ASSERT_EQ(0, vfio_map(ctr, 8 * MIB, mem + 2 * MIB, 3 * PAGE,
			      VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(lck + (long)len, vfio_vmlck());
	EXPECT_EQ(pin + (iommufd ? (long)len : 0), vfio_vmpin());

	ASSERT_EQ(0, vfio_unmap(ctr, 4 * MIB, 2 * MIB, 0, &done));
	EXPECT_EQ(2 * MIB, done);
	EXPECT_EQ(lck + 3 * (long)PAGE, vfio_vmlck());
	ASSERT_EQ(0, vfio_unmap(ctr, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ(3 * PAGE, done);
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(pin, vfio_vmpin());
	munmap(mem, len);
}

/*
 * RLIMIT_MEMLOCK for a process without CAP_IPC_LOCK (root is exempt,
 * so the test drops it): up to the limit maps, one page more is ENOMEM
 * with nothing charged; with CAP_IPC_LOCK back the same map succeeds.
 */
TEST_F(ctr, map_rlimit)
{
	int ctr = self->c.container;
	long lck = vfio_vmlck(), pin = vfio_vmpin();
	const unsigned long pages = 16;
	struct rlimit rl;
	__u64 done;
	char *mem;

	mem = buf_alloc((pages + 1) * PAGE, 9);
	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, lck);
	rl.rlim_cur = lck + pages * PAGE;
	rl.rlim_max = rl.rlim_cur;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, cap_ipc_lock(false));

	/* Exactly the limit */
	ASSERT_EQ(0, vfio_map(ctr, MIB, mem, pages * PAGE, VFIO_RW));
	EXPECT_EQ(lck + (long)(pages * PAGE), vfio_vmlck());
	EXPECT_EQ(-ENOMEM, vfio_map(ctr, 2 * MIB, mem + pages * PAGE, PAGE,
				    VFIO_RW));
	EXPECT_EQ(lck + (long)(pages * PAGE), vfio_vmlck());
	ASSERT_EQ(0, vfio_unmap(ctr, MIB, pages * PAGE, 0, &done));
	EXPECT_EQ(lck, vfio_vmlck());

	/* One page over in one go: the pins made so far are undone */
	EXPECT_EQ(-ENOMEM, vfio_map(ctr, MIB, mem, (pages + 1) * PAGE,
				    VFIO_RW));
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(pin, vfio_vmpin());
	EXPECT_EQ(0, vfio_unmap(ctr, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ(0ULL, done);

	/* CAP_IPC_LOCK is exempt from the limit, not from the charge */
	ASSERT_EQ(0, cap_ipc_lock(true));
	EXPECT_EQ(0, vfio_map(ctr, MIB, mem, (pages + 1) * PAGE, VFIO_RW));
	EXPECT_EQ(lck + (long)((pages + 1) * PAGE), vfio_vmlck());
	EXPECT_EQ(0, vfio_unmap(ctr, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ((pages + 1) * PAGE, done);
	EXPECT_EQ(lck, vfio_vmlck());
	munmap(mem, (pages + 1) * PAGE);
}

/*
 * Whether any page of a memfd is pinned. Sealing a memfd against writes
 * waits a little for extra page references to go and fails with EBUSY
 * if they stay: a pin is one. (/proc/kpagecount shows map counts, not
 * references, so it cannot tell.) The memfd must not be mapped shared
 * and writable, which also gives EBUSY. Returns 0 once sealed, -EBUSY
 * if pages stayed pinned over @tries attempts.
 */
static int memfd_seal_unpinned(int fd, int tries)
{
	while (tries--) {
		if (!fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE))
			return 0;
		if (errno != EBUSY)
			return -errno;
	}
	return -EBUSY;
}

static int memfd_filled(size_t len, int fill)
{
	char page[PAGE];
	size_t off;
	int fd;

	fd = memfd_create("vfio_type1", MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	memset(page, fill, sizeof(page));
	for (off = 0; off < len; off += PAGE)
		if (pwrite(fd, page, PAGE, off) != PAGE) {
			close(fd);
			return -EIO;
		}
	return fd;
}

/*
 * A process that exits with memory mapped and the device open does no
 * UNMAP: the backend cleans up with the mm already gone. Afterwards no
 * page stays pinned and the module references are back.
 */
TEST_F(ctr, exit_mapped)
{
	const size_t len = 8 * PAGE;
	int a, b, ready[2], go[2], status;
	char c = 0;
	pid_t pid;

	vfio_ctr_close(&self->c);
	a = memfd_filled(len, 0x61);
	ASSERT_LE(0, a);
	b = memfd_filled(len, 0x62);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct vfio_ctr cc;
		struct vfio_edu e;
		char *ma, *mb;

		c = 1;
		ma = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
		mb = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
		if (ma == MAP_FAILED || mb == MAP_FAILED)
			_exit(2);
		if (vfio_ctr_open(&cc, edu_group, VFIO_TYPE1v2_IOMMU,
				  self->backend))
			_exit(3);
		if (vfio_map(cc.container, MIB, ma, len, VFIO_RW) ||
		    vfio_map(cc.container, 2 * MIB, mb, len, VFIO_RW))
			_exit(4);
		if (vfio_edu_open(&e, cc.group, edu_bdf))
			_exit(5);
		/* a stays pinned without being mapped: the parent checks */
		munmap(ma, len);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(6);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1))
		TH_LOG("the child could not set up");
	/* The check works: pinned pages cannot be sealed */
	EXPECT_EQ(-EBUSY, memfd_seal_unpinned(a, 1));
	if (self->backend == VFIO_BACKEND_IOMMUFD)
		EXPECT_LT(self->iommufd_ref, vfio_iommufd_refcnt());
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	EXPECT_EQ(0, memfd_seal_unpinned(a, 20));
	EXPECT_EQ(0, memfd_seal_unpinned(b, 20));
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());
	/* The group is free again */
	EXPECT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   self->backend));
	close(a);
	close(b);
	close(ready[0]);
	close(go[1]);
}

/* ---- DMA through edu ---- */

#define IOVA_SRC (1 * MIB)
#define IOVA_DST (2 * MIB)
#define IOVA_GONE (3 * MIB)
#define IOVA_RO (4 * MIB)

/*
 * Copy a pattern through edu to another IOVA and check every byte,
 * also across page boundaries (the pages need not be contiguous in
 * memory: the IOMMU stitches them).
 */
TEST_F_TIMEOUT(ctr, dma_roundtrip, 600)
{
	int ctr = self->c.container;
	unsigned char *src, *dst, ref[2 * PAGE];
	const __u32 half = EDU_XFER_MAX;

	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	src = buf_alloc(2 * PAGE, 0);
	dst = buf_alloc(2 * PAGE, 0x5a);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	fill_pattern(src, 2 * PAGE, 1);
	memcpy(ref, dst, sizeof(ref));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_SRC, src, 2 * PAGE,
			      VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_DST, dst, 2 * PAGE, VFIO_RW));

	/* One page, nothing around it touched */
	ASSERT_EQ(0, vfio_edu_copy(&self->edu, IOVA_SRC, IOVA_DST, PAGE));
	memcpy(ref, src, PAGE);
	EXPECT_EQ(-1, first_diff(ref, dst, 2 * PAGE));

	/* Across a page boundary on both sides */
	ASSERT_EQ(0, vfio_edu_copy(&self->edu, IOVA_SRC + PAGE / 2,
				   IOVA_DST + PAGE / 4, PAGE));
	memcpy(ref + PAGE / 4, src + PAGE / 2, PAGE);
	EXPECT_EQ(-1, first_diff(ref, dst, 2 * PAGE));

	/* A few bytes out of the middle of the device buffer */
	fill_pattern(src, 2 * PAGE, 2);
	memcpy(ref + 0x800, src + 0x123, 0x45);
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_SRC, 0, half, false));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_DST + 0x800, 0x123, 0x45,
				  true));
	EXPECT_EQ(-1, first_diff(ref, dst, 2 * PAGE));
	munmap(src, 2 * PAGE);
	munmap(dst, 2 * PAGE);
}

/*
 * A device write to an IOVA that was unmapped, or was never mapped,
 * lands nowhere. (The IOMMU reports a fault on the console; that is
 * expected.)
 */
TEST_F_TIMEOUT(ctr, dma_unmapped, 600)
{
	int ctr = self->c.container;
	const __u32 half = EDU_XFER_MAX;
	unsigned char *src, *gone;
	__u64 done;

	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	src = buf_alloc(PAGE, 0);
	gone = buf_alloc(PAGE, 0x11);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, gone);
	fill_pattern(src, PAGE, 3);
	ASSERT_EQ(0, vfio_map(ctr, IOVA_SRC, src, PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_GONE, gone, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_SRC, 0, half, false));

	/* While mapped, the write lands */
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE, 0, half, true));
	ASSERT_EQ(-1, first_diff(src, gone, half));
	ASSERT_EQ(-1, first_not(gone + half, PAGE - half, 0x11));

	ASSERT_EQ(0, vfio_unmap(ctr, IOVA_GONE, PAGE, 0, &done));
	ASSERT_EQ(PAGE, done);
	memset(gone, 0x22, PAGE);
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE, 0, half, true));
	EXPECT_EQ(-1, first_not(gone, PAGE, 0x22));
	/* Never mapped */
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE + 16 * MIB, 0, half,
				  true));
	EXPECT_EQ(-1, first_not(gone, PAGE, 0x22));

	/* The device still works: the same page, mapped again */
	ASSERT_EQ(0, vfio_map(ctr, IOVA_GONE, gone, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE, 0, half, true));
	EXPECT_EQ(-1, first_diff(src, gone, half));
	munmap(src, PAGE);
	munmap(gone, PAGE);
}

/* A READ-only mapping can be read by the device but not written */
TEST_F_TIMEOUT(ctr, dma_readonly, 600)
{
	int ctr = self->c.container;
	const __u32 half = EDU_XFER_MAX;
	unsigned char *ro, *dst, *pat;

	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	ro = buf_alloc(PAGE, 0);
	dst = buf_alloc(PAGE, 0x44);
	pat = buf_alloc(PAGE, 0);
	ASSERT_NE(NULL, ro);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(NULL, pat);
	fill_pattern(ro, PAGE, 4);
	fill_pattern(pat, PAGE, 5);
	ASSERT_EQ(0, vfio_map(ctr, IOVA_RO, ro, PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_DST, dst, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_SRC, pat, PAGE, VFIO_DMA_MAP_FLAG_READ));

	/* Reading it works */
	ASSERT_EQ(0, vfio_edu_copy(&self->edu, IOVA_RO, IOVA_DST, PAGE));
	EXPECT_EQ(-1, first_diff(ro, dst, PAGE));

	/* Writing another pattern to it does not */
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_SRC, 0, half, false));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_RO, 0, half, true));
	fill_pattern(pat, PAGE, 4);
	EXPECT_EQ(-1, first_diff(pat, ro, PAGE));
	/* ... while the same write to a writable IOVA does */
	fill_pattern(pat, PAGE, 5);
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_DST, 0, half, true));
	EXPECT_EQ(-1, first_diff(pat, dst, half));
	munmap(ro, PAGE);
	munmap(dst, PAGE);
	munmap(pat, PAGE);
}

/*
 * A second group joining a container that has mappings gets them (the
 * backend puts them in the new group's domain, pinning nothing twice);
 * later MAPs and UNMAPs reach both groups; the container keeps its maps
 * until its last group leaves.
 */
TEST_F_TIMEOUT(ctr, two_groups, 600)
{
	int ctr = self->c.container, group2;
	const __u32 half = EDU_XFER_MAX;
	unsigned char *src, *dst, *late;
	struct vfio_edu e2 = { .fd = -1 };
	long lck, f, t;
	char path[64];
	__u64 done;

	ASSERT_EQ(0, edu2_find()) TH_LOG("no second edu device");
	ASSERT_NE(edu_group, edu2_group);
	src = buf_alloc(PAGE, 0);
	dst = buf_alloc(PAGE, 0);
	late = buf_alloc(PAGE, 0x33);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(NULL, late);
	fill_pattern(src, PAGE, 6);
	ASSERT_EQ(0, vfio_map(ctr, IOVA_SRC, src, PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_DST, dst, PAGE, VFIO_RW));
	lck = vfio_vmlck();
	f = vfio_iommufd_refcnt();
	t = vfio_type1_refcnt();

	snprintf(path, sizeof(path), "/dev/vfio/%d", edu2_group);
	group2 = open(path, O_RDWR);
	ASSERT_LE(0, group2);
	ASSERT_EQ(0, vfio_ioctl(group2, VFIO_GROUP_SET_CONTAINER, &ctr));
	/* It joins the container's backend, which takes no new reference */
	EXPECT_EQ(f, vfio_iommufd_refcnt());
	EXPECT_EQ(t, vfio_type1_refcnt());
	EXPECT_EQ(lck, vfio_vmlck());
	ASSERT_EQ(0, vfio_edu_open(&e2, group2, edu2_bdf));

	/* The maps made before it joined */
	ASSERT_EQ(0, vfio_edu_copy(&e2, IOVA_SRC, IOVA_DST, PAGE));
	EXPECT_EQ(-1, first_diff(src, dst, PAGE));

	/* A map made now reaches both devices */
	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_GONE, late, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_SRC, 0, half, false));
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE, 0, half, true));
	EXPECT_EQ(-1, first_diff(src, late, half));
	memset(late, 0x44, PAGE);
	ASSERT_EQ(0, vfio_edu_dma(&e2, IOVA_SRC, 0, half, false));
	ASSERT_EQ(0, vfio_edu_dma(&e2, IOVA_GONE, 0, half, true));
	EXPECT_EQ(-1, first_diff(src, late, half));

	/* And so does an unmap */
	ASSERT_EQ(0, vfio_unmap(ctr, IOVA_GONE, PAGE, 0, &done));
	ASSERT_EQ(PAGE, done);
	memset(late, 0x55, PAGE);
	ASSERT_EQ(0, vfio_edu_dma(&self->edu, IOVA_GONE, 0, half, true));
	ASSERT_EQ(0, vfio_edu_dma(&e2, IOVA_GONE, 0, half, true));
	EXPECT_EQ(-1, first_not(late, PAGE, 0x55));

	/* The first group leaves; the second keeps the container's maps */
	vfio_edu_close(&self->edu);
	ASSERT_EQ(0, vfio_ioctl(self->c.group, VFIO_GROUP_UNSET_CONTAINER,
				NULL));
	memset(dst, 0, PAGE);
	ASSERT_EQ(0, vfio_edu_copy(&e2, IOVA_SRC, IOVA_DST, PAGE));
	EXPECT_EQ(-1, first_diff(src, dst, PAGE));
	EXPECT_EQ(lck, vfio_vmlck());
	EXPECT_EQ(f, vfio_iommufd_refcnt());

	/* With the last group goes the backend, and with it every map */
	vfio_edu_close(&e2);
	close(group2);
	EXPECT_EQ(lck - 2 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());
	munmap(src, PAGE);
	munmap(dst, PAGE);
	munmap(late, PAGE);
}

/*
 * MAP/UNMAP from two threads while a third copies data through edu
 * (opening and closing the device around each burst) and a fourth opens
 * and closes the device fd. Every copy must arrive intact. The bursts
 * are counted; the other threads run until the bursts are done, each
 * with a cap on its iterations.
 */
#define RACE_BURSTS 6
#define RACE_COPIES 2
#define RACE_MAPPERS 2
#define RACE_MAP_MAX 100000
#define RACE_OPEN_MAX 50000
#define RACE_IOVA (32 * MIB)

struct race {
	int container, group, next_mapper;
	int done;	/* set once the DMA bursts are over */
	unsigned char *src, *dst, *scratch[RACE_MAPPERS];
	int dma_errors, copy_errors, map_errors, open_errors;
	unsigned long maps, opens;
};

static bool race_over(struct race *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_RELAXED);
}

static void *race_mapper(void *arg)
{
	struct race *r = arg;
	int me = __atomic_fetch_add(&r->next_mapper, 1, __ATOMIC_RELAXED);
	__u64 iova = RACE_IOVA + me * MIB, done;
	unsigned long i;

	for (i = 0; i < RACE_MAP_MAX && !race_over(r); i++) {
		/* Vary the size: 1..16 pages */
		__u64 len = ((i % 16) + 1) * PAGE;

		if (vfio_map(r->container, iova, r->scratch[me], len, VFIO_RW) ||
		    vfio_unmap(r->container, iova, len, 0, &done) ||
		    done != len)
			__atomic_fetch_add(&r->map_errors, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&r->maps, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *race_opener(void *arg)
{
	struct race *r = arg;
	unsigned long i;
	int fd;

	for (i = 0; i < RACE_OPEN_MAX && !race_over(r); i++) {
		fd = ioctl(r->group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf);
		if (fd < 0)
			__atomic_fetch_add(&r->open_errors, 1,
					   __ATOMIC_RELAXED);
		else
			close(fd);
		r->opens++;
		sched_yield();
	}
	return NULL;
}

static void *race_dma(void *arg)
{
	struct race *r = arg;
	struct vfio_edu e;
	int burst, i;

	for (burst = 0; burst < RACE_BURSTS; burst++) {
		if (vfio_edu_open(&e, r->group, edu_bdf)) {
			r->dma_errors++;
			continue;
		}
		for (i = 0; i < RACE_COPIES; i++) {
			fill_pattern(r->src, PAGE, burst * RACE_COPIES + i);
			memset(r->dst, 0, PAGE);
			if (vfio_edu_copy(&e, IOVA_SRC, IOVA_DST, PAGE)) {
				r->dma_errors++;
				continue;
			}
			if (first_diff(r->src, r->dst, PAGE) >= 0)
				r->copy_errors++;
		}
		/* And one write where the mappers map and unmap */
		if (vfio_edu_dma(&e, RACE_IOVA + (burst % RACE_MAPPERS) * MIB,
				 0, EDU_XFER_MAX, true))
			r->dma_errors++;
		vfio_edu_close(&e);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELAXED);
	return NULL;
}

TEST_F_TIMEOUT(ctr, race, 1200)
{
	pthread_t mappers[RACE_MAPPERS], opener, dma;
	struct race r = {
		.container = self->c.container,
		.group = self->c.group,
	};
	long lck;
	int i;

	r.src = buf_alloc(PAGE, 0);
	r.dst = buf_alloc(PAGE, 0);
	ASSERT_NE(NULL, r.src);
	ASSERT_NE(NULL, r.dst);
	for (i = 0; i < RACE_MAPPERS; i++) {
		r.scratch[i] = buf_alloc(16 * PAGE, 0);
		ASSERT_NE(NULL, r.scratch[i]);
	}
	ASSERT_EQ(0, vfio_map(r.container, IOVA_SRC, r.src, PAGE, VFIO_RW));
	ASSERT_EQ(0, vfio_map(r.container, IOVA_DST, r.dst, PAGE, VFIO_RW));
	lck = vfio_vmlck();

	ASSERT_EQ(0, pthread_create(&dma, NULL, race_dma, &r));
	for (i = 0; i < RACE_MAPPERS; i++)
		ASSERT_EQ(0, pthread_create(&mappers[i], NULL, race_mapper,
					    &r));
	ASSERT_EQ(0, pthread_create(&opener, NULL, race_opener, &r));
	pthread_join(dma, NULL);
	for (i = 0; i < RACE_MAPPERS; i++)
		pthread_join(mappers[i], NULL);
	pthread_join(opener, NULL);

	TH_LOG("%lu map/unmap pairs, %lu opens", r.maps, r.opens);
	EXPECT_EQ(0, r.dma_errors);
	EXPECT_EQ(0, r.copy_errors);
	EXPECT_EQ(0, r.map_errors);
	EXPECT_EQ(0, r.open_errors);
	EXPECT_LT(0UL, r.maps);
	EXPECT_LT(0UL, r.opens);
	EXPECT_EQ(lck, vfio_vmlck());
}

/*
 * Without interrupt remapping (the VM has none) a backend attaches only
 * with allow_unsafe_interrupts: otherwise SET_IOMMU fails with EPERM.
 * VFIO then tries the next backend, so EPERM shows only when both
 * refuse; with only iommufd's refusing, type1 takes the container.
 */
TEST_F(ctr, msi_isolation)
{
	enum vfio_backend other = !self->backend;
	bool iommufd = self->backend == VFIO_BACKEND_IOMMUFD;
	struct vfio_ctr c;

	vfio_ctr_close(&self->c);
	ASSERT_EQ(1, self->msi_saved[self->backend]);
	ASSERT_EQ(0, vfio_sysfs_write_long(vfio_msi_param(self->backend), 0));
	if (iommufd) {
		ASSERT_EQ(1, self->msi_saved[other]);
		ASSERT_EQ(0, vfio_sysfs_write_long(vfio_msi_param(other), 0));
	}
	EXPECT_EQ(-EPERM, vfio_ctr_open(&c, edu_group, VFIO_TYPE1v2_IOMMU,
					self->backend));
	EXPECT_EQ(-EPERM, vfio_ctr_open(&c, edu_group, VFIO_TYPE1_IOMMU,
					self->backend));
	EXPECT_EQ(self->iommufd_ref, vfio_iommufd_refcnt());
	EXPECT_EQ(self->type1_ref, vfio_type1_refcnt());

	if (iommufd) {
		/* Only iommufd refuses: type1 gets the container */
		ASSERT_EQ(0, vfio_sysfs_write_long(vfio_msi_param(other), 1));
		EXPECT_EQ(-EXDEV, vfio_ctr_open(&c, edu_group,
						VFIO_TYPE1v2_IOMMU,
						self->backend));
		ASSERT_EQ(0, vfio_ctr_open(&c, edu_group, VFIO_TYPE1v2_IOMMU,
					   other));
		vfio_ctr_close(&c);
	}
	ASSERT_EQ(0, vfio_sysfs_write_long(vfio_msi_param(self->backend), 1));
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   self->backend));
	EXPECT_TRUE(on_backend(self));
}

/* ---------------------------------------------------------------------- */

/* The UNMAP_DMA rules, on TYPE1v2 and on TYPE1 (v1) containers */
FIXTURE(unmap) {
	struct vfio_ctr c;
	char *mem;
	long lck;
};

FIXTURE_VARIANT(unmap) {
	enum vfio_backend backend;
	bool v1;
};

FIXTURE_VARIANT_ADD(unmap, type1_v2) {
	.backend = VFIO_BACKEND_TYPE1,
};

FIXTURE_VARIANT_ADD(unmap, type1_v1) {
	.backend = VFIO_BACKEND_TYPE1,
	.v1 = true,
};

FIXTURE_VARIANT_ADD(unmap, iommufd_v2) {
	.backend = VFIO_BACKEND_IOMMUFD,
};

FIXTURE_VARIANT_ADD(unmap, iommufd_v1) {
	.backend = VFIO_BACKEND_IOMMUFD,
	.v1 = true,
};

#define UNMAP_MEM (64 * PAGE)

FIXTURE_SETUP(unmap)
{
	ASSERT_EQ(0, edu_find());
	self->c.container = -1;
	self->c.group = -1;
	self->mem = buf_alloc(UNMAP_MEM, 0x77);
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group,
				   variant->v1 ? VFIO_TYPE1_IOMMU :
						 VFIO_TYPE1v2_IOMMU,
				   variant->backend));
	self->lck = vfio_vmlck();
}

FIXTURE_TEARDOWN(unmap)
{
	vfio_ctr_close(&self->c);
	munmap(self->mem, UNMAP_MEM);
}

/* Map @pages pages at IOVA @iova from page @pg of the buffer */
static int umap(FIXTURE_DATA(unmap) *self, __u64 iova, int pg, int pages)
{
	return vfio_map(self->c.container, iova, self->mem + pg * PAGE,
			pages * PAGE, VFIO_RW);
}

/* UNMAP with the size it reported, or -errno */
static long long uunmap(FIXTURE_DATA(unmap) *self, __u64 iova, __u64 size,
			__u32 flags)
{
	__u64 done;
	int rc;

	rc = vfio_unmap(self->c.container, iova, size, flags, &done);
	return rc ? rc : (long long)done;
}

#define A (16 * MIB)

/* Argument checks; a refused UNMAP leaves its size field and the maps */
TEST_F(unmap, args)
{
	struct vfio_iommu_type1_dma_unmap un;
	int ctr = self->c.container;
	__u64 done;

	ASSERT_EQ(0, umap(self, A, 0, 4));
	un = (struct vfio_iommu_type1_dma_unmap){
		.argsz = sizeof(un) - 1, .iova = A, .size = 4 * PAGE,
	};
	EXPECT_EQ(-EINVAL, vfio_ioctl(ctr, VFIO_IOMMU_UNMAP_DMA, &un));
	EXPECT_EQ(4 * PAGE, un.size);
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 4 * PAGE, 1U << 3, &done));
	EXPECT_EQ(4 * PAGE, done);
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 4 * PAGE, 1U << 31, &done));
	/* A dirty bitmap needs room for it, and goes with neither */
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 4 * PAGE,
				      VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
				      &done));
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, 0, 0,
				      VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
				      VFIO_DMA_UNMAP_FLAG_ALL, &done));
	/* Alignment and wrap */
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A + 512, 4 * PAGE, 0, &done));
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 4 * PAGE - 512, 0, &done));
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 0, 0, &done));
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, 0ULL - PAGE, 2 * PAGE, 0, &done));
	EXPECT_EQ(2 * PAGE, done);
	/* ALL takes no range */
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, A, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				      &done));
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, 0, 4 * PAGE,
				      VFIO_DMA_UNMAP_FLAG_ALL, &done));
	EXPECT_EQ(self->lck + 4 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ((long long)(4 * PAGE), uunmap(self, A, 4 * PAGE, 0));
	EXPECT_EQ(self->lck, vfio_vmlck());
}

/* A range without mappings unmaps nothing, successfully */
TEST_F(unmap, empty)
{
	EXPECT_EQ(0, uunmap(self, A, PAGE, 0));
	EXPECT_EQ(0, uunmap(self, 0, 1ULL << 63, 0));
	EXPECT_EQ(0, uunmap(self, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL));
	ASSERT_EQ(0, umap(self, A, 0, 2));
	ASSERT_EQ(0, umap(self, A + 8 * PAGE, 2, 2));
	/* Between, before and after the two */
	EXPECT_EQ(0, uunmap(self, A + 2 * PAGE, 6 * PAGE, 0));
	EXPECT_EQ(0, uunmap(self, A - 4 * PAGE, 4 * PAGE, 0));
	EXPECT_EQ(0, uunmap(self, A + 10 * PAGE, MIB, 0));
	EXPECT_EQ(self->lck + 4 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ((long long)(4 * PAGE), uunmap(self, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL));
}

/* Whole mappings go, one or several at once; size says how much */
TEST_F(unmap, whole)
{
	ASSERT_EQ(0, umap(self, A, 0, 1));
	ASSERT_EQ(0, umap(self, A + 2 * PAGE, 1, 2));
	ASSERT_EQ(0, umap(self, A + 5 * PAGE, 3, 1));
	ASSERT_EQ(0, umap(self, A + 6 * PAGE, 4, 3));
	EXPECT_EQ(self->lck + 7 * (long)PAGE, vfio_vmlck());
	EXPECT_EQ((long long)(PAGE), uunmap(self, A, PAGE, 0));
	EXPECT_EQ(self->lck + 6 * (long)PAGE, vfio_vmlck());
	/* Two at once, and the gap between them is fine */
	EXPECT_EQ((long long)(3 * PAGE), uunmap(self, A + 2 * PAGE, 4 * PAGE, 0));
	EXPECT_EQ(0, uunmap(self, A + 2 * PAGE, 4 * PAGE, 0));
	/* QEMU's halves of the whole 2^64 */
	EXPECT_EQ((long long)(3 * PAGE), uunmap(self, 0, 1ULL << 63, 0));
	EXPECT_EQ(0, uunmap(self, 1ULL << 63, 1ULL << 63, 0));
	EXPECT_EQ(self->lck, vfio_vmlck());
	/* And the IOVAs map again */
	EXPECT_EQ(0, umap(self, A, 0, 9));
	EXPECT_EQ((long long)(9 * PAGE), uunmap(self, A, 9 * PAGE, 0));
}

/* UNMAP_ALL removes every mapping and gives the entries back */
TEST_F(unmap, all)
{
	long avail = vfio_dma_avail(self->c.container);
	int i;

	ASSERT_LT(8, avail);
	/* 1..8 pages, each from pages of its own */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, umap(self, A + i * MIB, i * (i + 1) / 2, i + 1));
	EXPECT_EQ(avail - 8, vfio_dma_avail(self->c.container));
	EXPECT_EQ((long long)(36 * PAGE), uunmap(self, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL));
	EXPECT_EQ(avail, vfio_dma_avail(self->c.container));
	EXPECT_EQ(self->lck, vfio_vmlck());
	EXPECT_EQ(0, uunmap(self, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL));
}

/*
 * A range that cuts a mapping. TYPE1v2: EINVAL, nothing unmapped.
 * TYPE1 (v1): a mapping that starts inside the range goes whole, even
 * past its end; the walk stops at a mapping that starts before the
 * range, which unmaps nothing (successfully).
 */
TEST_F(unmap, partial)
{
	const long long cut = variant->v1 ? 0 : -EINVAL;

	ASSERT_EQ(0, umap(self, A, 0, 4));
	/* Starting inside */
	EXPECT_EQ(cut, uunmap(self, A + PAGE, PAGE, 0));
	EXPECT_EQ(cut, uunmap(self, A + PAGE, 3 * PAGE, 0));
	EXPECT_EQ(cut, uunmap(self, A + 3 * PAGE, 2 * PAGE, 0));
	EXPECT_EQ(self->lck + 4 * (long)PAGE, vfio_vmlck());
	/* Ending inside */
	EXPECT_EQ(variant->v1 ? 4 * (long long)PAGE : -EINVAL,
		  uunmap(self, A, PAGE, 0));
	if (variant->v1)
		ASSERT_EQ(0, umap(self, A, 0, 4));
	EXPECT_EQ(variant->v1 ? 4 * (long long)PAGE : -EINVAL,
		  uunmap(self, A - PAGE, 2 * PAGE, 0));
	if (variant->v1)
		ASSERT_EQ(0, umap(self, A, 0, 4));
	EXPECT_EQ(self->lck + 4 * (long)PAGE, vfio_vmlck());

	/*
	 * Two mappings, the range starting inside the first: v1 stops at
	 * the first and so leaves the second alone too.
	 */
	ASSERT_EQ(0, umap(self, A + 4 * PAGE, 4, 4));
	EXPECT_EQ(cut, uunmap(self, A + 2 * PAGE, 6 * PAGE, 0));
	EXPECT_EQ(self->lck + 8 * (long)PAGE, vfio_vmlck());
	/* v2: covering the first and cutting the second fails as a whole */
	EXPECT_EQ(variant->v1 ? 8 * (long long)PAGE : -EINVAL,
		  uunmap(self, A, 6 * PAGE, 0));
	if (!variant->v1)
		EXPECT_EQ((long long)(8 * PAGE), uunmap(self, A, 8 * PAGE, 0));
	EXPECT_EQ(self->lck, vfio_vmlck());
}

/* Everything here also holds on a TYPE1 container */
TEST_F(unmap, check_extension)
{
	bool iommufd = variant->backend == VFIO_BACKEND_IOMMUFD;
	int ctr = self->c.container;

	EXPECT_EQ(1, ioctl(ctr, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(ctr, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(ctr, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL));
	/* Backend difference: see ctr.check_extension */
	EXPECT_EQ(!iommufd, ioctl(ctr, VFIO_CHECK_EXTENSION,
				  VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, ioctl(ctr, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
}

#if __has_include("vfio_type1_mdev.h")
#include "vfio_type1_mdev.h"
#endif

TEST_HARNESS_MAIN
