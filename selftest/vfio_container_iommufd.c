// SPDX-License-Identifier: GPL-2.0
/*
 * A VFIO container served by iommufd_vfio is an iommufd context too:
 * every IOMMU_* command works on the container fd, on the container's
 * own context, whose compat IOAS (IOMMU_VFIO_IOAS GET) is the IOAS the
 * container's groups are attached to. The VFIO requests and the IOAS
 * commands see one set of mappings.
 *
 * The device is the rig's first edu behind vfio-pci, whose DMA shows
 * that what the IOAS commands map reaches the real (emulated VT-d)
 * domain. The "emulated" tests use the sample mdev-style device
 * (iommufd_vfio_sample.ko) to show that an unmap through the IOAS
 * commands calls the device back as VFIO's UNMAP_DMA does.
 *
 * The live_update tests hand a running container over to a freshly
 * executed process, as a VMM's live update does: the old process (O)
 * maps a memfd with IOMMU_IOAS_MAP_FILE on the container fd and lets
 * edu copy through it, then executes this program again as the new
 * process (N) and passes it the container, group, device and memfd
 * descriptors over a UNIX socket; N calls IOMMU_IOAS_CHANGE_PROCESS,
 * O finds its charges gone and exits (or is killed), and N goes on with
 * edu's DMA through the same pinned pages.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "iommufd_utils.h"
#include "vfio_sample_utils.h"
#include "live_update_utils.h"

#define PAGE 4096UL
#define MIB 0x100000UL

#define NEW_ARG "--container-live-update-new"

/* Guest memory: a memfd of MEM_LEN, mapped in one piece at IOVA_MEM */
#define MEM_LEN (1 * MIB)
#define MEM_PAGES (MEM_LEN / PAGE)
#define IOVA_MEM (16 * MIB)
/* More IOVAs, all below edu's 28-bit DMA limit */
#define IOVA_VFIO (32 * MIB)
#define IOVA_COPY (48 * MIB)

#define VFIO_LIMIT_PARAM IOMMUFD_VFIO_SYSFS "/parameters/dma_entry_limit"

static char edu_bdf[32];
static int edu_group = -1;

/* The byte at @off of guest memory in generation @gen */
static unsigned char mem_byte(size_t off, unsigned int gen)
{
	return (unsigned char)(off * 13 + (off >> 9) * 7 + gen * 61 + 3);
}

static void mem_fill(unsigned char *mem, size_t len, unsigned int gen)
{
	size_t i;

	for (i = 0; i < len; i++)
		mem[i] = mem_byte(i, gen);
}

/* The first offset in [@off, @off + @len) that is not generation @gen */
static long mem_check(const unsigned char *mem, size_t off, size_t len,
		      unsigned int gen)
{
	size_t i;

	for (i = off; i < off + len; i++)
		if (mem[i] != mem_byte(i, gen))
			return i;
	return -1;
}

/*
 * Whether the @len bytes at @dst of @mem are what was at @src in
 * generation @gen: what a copy through edu leaves.
 */
static bool mem_copied(const unsigned char *mem, size_t dst, size_t src,
		       size_t len, unsigned int gen)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (mem[dst + i] != mem_byte(src + i, gen))
			return false;
	return true;
}

static int memfd_guest(unsigned char **mem)
{
	int mfd = memfd_create("guest-ram", MFD_CLOEXEC);

	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, MEM_LEN)) {
		close(mfd);
		return -errno;
	}
	*mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (*mem == MAP_FAILED) {
		close(mfd);
		return -errno;
	}
	return mfd;
}

/*
 * Let edu copy @len bytes from guest memory offset @src to offset @dst,
 * both through IOVA_MEM.
 */
static int edu_copy_mem(struct vfio_edu *e, size_t src, size_t dst,
			size_t len)
{
	return vfio_edu_copy(e, IOVA_MEM + src, IOVA_MEM + dst, len);
}

/* ---------------------------------------------------------------------- */

FIXTURE(cfd) {
	struct vfio_ctr c;
	struct vfio_edu edu;
	__u32 ioas;		/* the container's IOAS */
	long ref;		/* iommufd_vfio's refcnt before the test */
	long lck, pin;		/* VmLck and VmPin (bytes) before it */
	long limit_saved;
	unsigned char *mem;
	int mfd;
};

FIXTURE_SETUP(cfd)
{
	self->c.container = -1;
	self->c.group = -1;
	self->edu.fd = -1;
	self->mfd = -1;
	self->mem = NULL;
	self->ref = -1;
	self->limit_saved = -1;
	if (access(IOMMUFD_VFIO_SYSFS, F_OK))
		SETUP_SKIP("iommufd_vfio is not loaded");
	ASSERT_EQ(0, vfio_edu_find(0, edu_bdf, sizeof(edu_bdf), &edu_group))
		TH_LOG("no edu device bound to vfio-pci");
	self->limit_saved = vfio_sysfs_read_long(VFIO_LIMIT_PARAM);
	ASSERT_LE(0, self->limit_saved);
	self->ref = vfio_iommufd_refcnt();
	self->lck = vfio_vmlck();
	self->pin = vfio_vmpin();
	ASSERT_LE(0, self->lck);
	ASSERT_LE(0, self->pin);
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	ASSERT_EQ(0, compat_get(self->c.container, &self->ioas));
	self->mfd = memfd_guest(&self->mem);
	ASSERT_LE(0, self->mfd);
	mem_fill(self->mem, MEM_LEN, 1);
}

FIXTURE_TEARDOWN(cfd)
{
	vfio_edu_close(&self->edu);
	vfio_ctr_close(&self->c);
	if (self->mem)
		munmap(self->mem, MEM_LEN);
	if (self->mfd >= 0)
		close(self->mfd);
	if (self->limit_saved >= 0 &&
	    vfio_sysfs_read_long(VFIO_LIMIT_PARAM) != self->limit_saved)
		vfio_sysfs_write_long(VFIO_LIMIT_PARAM, self->limit_saved);
	/* Whatever a test did, closing gave everything back */
	if (self->ref >= 0) {
		EXPECT_EQ(self->ref, vfio_iommufd_refcnt());
		EXPECT_EQ(self->lck, vfio_vmlck());
		EXPECT_EQ(self->pin, vfio_vmpin());
	}
}

static int map_mem(FIXTURE_DATA(cfd) *self, __u32 ioas, __u64 iova)
{
	return ioas_map_file(self->c.container, ioas, MAP_FIXED_RW, self->mfd,
			     0, MEM_LEN, &iova);
}

/* The charges are @len bytes above the test's baseline */
#define EXPECT_CHARGED(len)                                            \
	do {                                                           \
		EXPECT_EQ(self->lck + (long)(len), vfio_vmlck());      \
		EXPECT_EQ(self->pin + (long)(len), vfio_vmpin());      \
	} while (0)

/*
 * IOMMU_VFIO_IOAS: GET names the container's IOAS, which cannot be
 * changed or cleared, nor destroyed; other IOASes of the context can.
 */
TEST_F(cfd, vfio_ioas)
{
	int ctr = self->c.container;
	__u32 id, other;

	EXPECT_NE(0U, self->ioas);
	EXPECT_TRUE(ioas_exists(ctr, self->ioas));
	EXPECT_EQ(0, compat_set(ctr, self->ioas));
	ASSERT_EQ(0, ioas_alloc(ctr, &other));
	EXPECT_NE(self->ioas, other);
	EXPECT_EQ(-EBUSY, compat_set(ctr, other));
	id = 0;
	EXPECT_EQ(-EBUSY, vfio_ioas_cmd(ctr, IOMMU_VFIO_IOAS_CLEAR, &id, 0));
	EXPECT_EQ(-ENOENT, compat_set(ctr, 9999));
	EXPECT_EQ(-EOPNOTSUPP, vfio_ioas_cmd(ctr, 3, &id, 0));
	id = self->ioas;
	EXPECT_EQ(-EOPNOTSUPP,
		  vfio_ioas_cmd(ctr, IOMMU_VFIO_IOAS_SET, &id, 1));
	ASSERT_EQ(0, compat_get(ctr, &id));
	EXPECT_EQ(self->ioas, id);

	EXPECT_EQ(-EBUSY, obj_destroy(ctr, self->ioas));
	EXPECT_EQ(0, obj_destroy(ctr, other));
	EXPECT_EQ(-ENOENT, obj_destroy(ctr, other));
	EXPECT_EQ(-ENOENT, obj_destroy(ctr, 0));
	EXPECT_TRUE(ioas_exists(ctr, self->ioas));
	/* The VFIO side still works on it */
	EXPECT_EQ(0, vfio_map(ctr, IOVA_VFIO, self->mem, MEM_LEN, VFIO_RW));
	EXPECT_CHARGED(MEM_LEN);
	EXPECT_EQ(0, vfio_unmap(ctr, IOVA_VFIO, MEM_LEN, 0, NULL));
}

/*
 * The command table's rules hold on the container fd as on /dev/iommu,
 * and a command that fails changes nothing.
 */
TEST_F(cfd, dispatch)
{
	struct iommu_ioas_alloc alloc = { .size = 4 };
	int ctr = self->c.container;
	struct {
		struct iommu_ioas_alloc cmd;
		__u32 tail;
	} big = { { .size = sizeof(big) }, 1 };
	struct iommu_ioas_change_process change = { .size = sizeof(change) };
	__u64 iova = IOVA_MEM;
	long avail = vfio_dma_avail(ctr);

	ASSERT_LT(0, avail);
	EXPECT_EQ(-EINVAL, iommufd_ioctl(ctr, IOMMU_IOAS_ALLOC, &alloc));
	EXPECT_EQ(-E2BIG, iommufd_ioctl(ctr, IOMMU_IOAS_ALLOC, &big));
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(ctr, _IO(IOMMUFD_TYPE, 0x95), &big));
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(ctr, _IOR(IOMMUFD_TYPE, 0x80, int),
					 &big));
	EXPECT_EQ(-EFAULT, iommufd_ioctl(ctr, IOMMU_IOAS_ALLOC, NULL));

	/* Bad MAP_FILEs map nothing and charge nothing */
	EXPECT_EQ(-ENOENT, ioas_map_file(ctr, self->ioas + 100, MAP_FIXED_RW,
					 self->mfd, 0, MEM_LEN, &iova));
	EXPECT_EQ(-EBADF, ioas_map_file(ctr, self->ioas, MAP_FIXED_RW, -1, 0,
					MEM_LEN, &iova));
	EXPECT_EQ(-EINVAL, ioas_map_file(ctr, self->ioas, MAP_FIXED_RW,
					 self->mfd, 0, 0, &iova));
	/* Past the end of the file: pinning fails with a domain attached */
	EXPECT_EQ(-EFAULT, ioas_map_file(ctr, self->ioas, MAP_FIXED_RW,
					 self->mfd, 0, 2 * MEM_LEN, &iova));
	EXPECT_EQ(-EOPNOTSUPP, ioas_map_file(ctr, self->ioas, 1U << 31,
					     self->mfd, 0, MEM_LEN, &iova));
	EXPECT_CHARGED(0);
	EXPECT_EQ(avail, vfio_dma_avail(ctr));
	EXPECT_EQ(-ENOENT, ioas_unmap(ctr, self->ioas, IOVA_MEM, MEM_LEN,
				      NULL));
	change.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(ctr, IOMMU_IOAS_CHANGE_PROCESS, &change));
	/* Nothing to move */
	EXPECT_EQ(0, ioas_change_process(ctr));
	EXPECT_EQ(avail, vfio_dma_avail(ctr));
}

/*
 * IOVA_RANGES of the container's IOAS is what GET_INFO's IOVA_RANGE
 * capability says: the domain's aperture less its reserved regions.
 */
TEST_F(cfd, iova_ranges)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct iommu_iova_range ranges[8];
	char info[1024];
	__u32 num = 8, i;

	ASSERT_EQ(0, ioas_iova_ranges(self->c.container, self->ioas, ranges,
				      &num, NULL));
	ASSERT_EQ(0, vfio_get_info(self->c.container, info, sizeof(info)));
	cap = vfio_info_cap(info, sizeof(info),
			    VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ASSERT_NE(NULL, cap);
	ASSERT_EQ(cap->nr_iovas, num);
	for (i = 0; i < num; i++) {
		EXPECT_EQ(cap->iova_ranges[i].start, ranges[i].start);
		EXPECT_EQ(cap->iova_ranges[i].end, ranges[i].last);
	}
}

/*
 * MAP_FILE on the container fd: the mapping is the container's like one
 * of MAP_DMA (EEXIST for an overlapping MAP_DMA, one off DMA_AVAIL,
 * removed by UNMAP_DMA), charged as the container charges, and edu's
 * DMA goes through it.
 */
TEST_F_TIMEOUT(cfd, map_file_dma, 600)
{
	int ctr = self->c.container;
	long avail = vfio_dma_avail(ctr);
	__u64 done = 0;

	ASSERT_EQ(0, map_mem(self, self->ioas, IOVA_MEM));
	EXPECT_CHARGED(MEM_LEN);
	EXPECT_EQ(avail - 1, vfio_dma_avail(ctr));
	EXPECT_EQ(-EEXIST, vfio_map(ctr, IOVA_MEM + MEM_LEN / 2, self->mem,
				    PAGE, VFIO_RW));
	EXPECT_EQ(-EEXIST, map_mem(self, self->ioas, IOVA_MEM));

	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	ASSERT_EQ(0, edu_copy_mem(&self->edu, 0, MEM_LEN / 2, 3 * PAGE));
	EXPECT_TRUE(mem_copied(self->mem, MEM_LEN / 2, 0, 3 * PAGE, 1));
	/* Untouched past the copy */
	EXPECT_EQ(-1, mem_check(self->mem, MEM_LEN / 2 + 3 * PAGE, PAGE, 1));

	/* Part of the area: nothing goes (the IOAS's rule) */
	EXPECT_EQ(-ENOENT, ioas_unmap(ctr, self->ioas, IOVA_MEM, PAGE, NULL));
	EXPECT_CHARGED(MEM_LEN);
	ASSERT_EQ(0, vfio_unmap(ctr, IOVA_MEM, MEM_LEN, 0, &done));
	EXPECT_EQ(MEM_LEN, done);
	EXPECT_CHARGED(0);
	EXPECT_EQ(avail, vfio_dma_avail(ctr));
}

/*
 * The other way round: a MAP_DMA mapping goes with IOAS_UNMAP, and COPY
 * maps the same pinned pages again, which edu can then read.
 */
TEST_F_TIMEOUT(cfd, vfio_map_ioas_copy, 600)
{
	int ctr = self->c.container;
	long avail = vfio_dma_avail(ctr);
	__u64 unmapped = 0;

	ASSERT_EQ(0, vfio_map(ctr, IOVA_VFIO, self->mem, MEM_LEN, VFIO_RW));
	EXPECT_CHARGED(MEM_LEN);
	ASSERT_EQ(0, ioas_copy_fixed(ctr, self->ioas, IOVA_COPY, self->ioas,
				     IOVA_VFIO, MEM_LEN));
	/* Nothing pinned or charged twice */
	EXPECT_CHARGED(MEM_LEN);
	EXPECT_EQ(avail - 2, vfio_dma_avail(ctr));

	ASSERT_EQ(0, vfio_edu_open(&self->edu, self->c.group, edu_bdf));
	mem_fill(self->mem, MEM_LEN, 2);
	ASSERT_EQ(0, vfio_edu_copy(&self->edu, IOVA_COPY, IOVA_VFIO + PAGE,
				   PAGE));
	EXPECT_EQ(-1, mem_check(self->mem, 0, PAGE, 2));
	EXPECT_TRUE(mem_copied(self->mem, PAGE, 0, PAGE, 2));
	EXPECT_EQ(-1, mem_check(self->mem, 2 * PAGE, MEM_LEN - 2 * PAGE, 2));

	ASSERT_EQ(0, ioas_unmap(ctr, self->ioas, IOVA_VFIO, MEM_LEN,
				&unmapped));
	EXPECT_EQ(MEM_LEN, unmapped);
	EXPECT_CHARGED(MEM_LEN);
	EXPECT_EQ(avail - 1, vfio_dma_avail(ctr));
	/* TYPE1v2 does not cut the COPY's mapping */
	EXPECT_EQ(-EINVAL, vfio_unmap(ctr, IOVA_COPY, MEM_LEN / 2, 0, NULL));
	ASSERT_EQ(0, ioas_unmap(ctr, self->ioas, 0, UINT64_MAX, &unmapped));
	EXPECT_EQ(MEM_LEN, unmapped);
	EXPECT_CHARGED(0);
	EXPECT_EQ(avail, vfio_dma_avail(ctr));
}

/*
 * dma_entry_limit bounds VFIO's MAP_DMA only, as on type1, but counts
 * every mapping: those the IOAS commands make, which are not limited,
 * use it up too, and their unmaps give it back.
 */
TEST_F(cfd, dma_limit)
{
	int ctr, i;
	__u64 iova;

	vfio_ctr_close(&self->c);
	ASSERT_EQ(0, vfio_sysfs_write_long(VFIO_LIMIT_PARAM, 3));
	ASSERT_EQ(0, vfio_ctr_open(&self->c, edu_group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	ctr = self->c.container;
	ASSERT_EQ(0, compat_get(ctr, &self->ioas));
	EXPECT_EQ(3, vfio_dma_avail(ctr));

	for (i = 0; i < 4; i++) {
		iova = IOVA_MEM + i * MEM_LEN;
		ASSERT_EQ(0, ioas_map_file(ctr, self->ioas, MAP_FIXED_RW,
					   self->mfd, 0, PAGE, &iova));
	}
	EXPECT_EQ(0, vfio_dma_avail(ctr));
	EXPECT_EQ(-ENOSPC, vfio_map(ctr, IOVA_VFIO, self->mem, PAGE, VFIO_RW));
	EXPECT_EQ(0, ioas_unmap(ctr, self->ioas, IOVA_MEM, 2 * MEM_LEN, NULL));
	EXPECT_EQ(1, vfio_dma_avail(ctr));
	EXPECT_EQ(0, vfio_map(ctr, IOVA_VFIO, self->mem, PAGE, VFIO_RW));
	EXPECT_EQ(0, vfio_dma_avail(ctr));
	EXPECT_EQ(-ENOSPC, vfio_map(ctr, IOVA_VFIO + PAGE, self->mem, PAGE,
				    VFIO_RW));
	EXPECT_EQ(0, vfio_unmap(ctr, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_EQ(3, vfio_dma_avail(ctr));
	EXPECT_CHARGED(0);
}

/*
 * IOMMU_OPTION: the container's IOAS uses large pages; its context
 * charges per process (RLIMIT_MODE 1), fixed once it has objects.
 */
TEST_F(cfd, option)
{
	int ctr = self->c.container;
	__u64 val;

	ASSERT_EQ(0, option_get(ctr, IOMMU_OPTION_HUGE_PAGES, self->ioas,
				&val));
	EXPECT_EQ(1ULL, val);
	ASSERT_EQ(0, option_get(ctr, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(1ULL, val);
	EXPECT_EQ(-EBUSY, option_set(ctr, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	EXPECT_EQ(-ENOENT, option_get(ctr, IOMMU_OPTION_HUGE_PAGES,
				      self->ioas + 100, &val));
}

/*
 * CHANGE_PROCESS moves only MAP_FILE mappings: with a MAP_DMA (user
 * memory) mapping left it is EINVAL and changes nothing. From the owner
 * itself it changes nothing either.
 */
TEST_F(cfd, change_process_user_va)
{
	int ctr = self->c.container;

	ASSERT_EQ(0, map_mem(self, self->ioas, IOVA_MEM));
	ASSERT_EQ(0, vfio_map(ctr, IOVA_VFIO, self->mem, PAGE, VFIO_RW));
	EXPECT_CHARGED(MEM_LEN + PAGE);
	EXPECT_EQ(-EINVAL, ioas_change_process(ctr));
	EXPECT_CHARGED(MEM_LEN + PAGE);
	EXPECT_EQ(0, vfio_unmap(ctr, IOVA_VFIO, PAGE, 0, NULL));
	EXPECT_EQ(0, ioas_change_process(ctr));
	EXPECT_CHARGED(MEM_LEN);
	/* Each page pinned once, where the module can tell */
	if (md_check_refs(ctr, NULL, 0, 0) != -ENOTTY)
		EXPECT_EQ(0, md_check_refs(ctr, self->mem, MEM_LEN, 1));
}

/*
 * Objects made through the container fd are the container's: closing it
 * frees them, and gives back what they pinned.
 */
TEST_F(cfd, close_frees_objects)
{
	int ctr = self->c.container;
	__u32 other;

	ASSERT_EQ(0, ioas_alloc(ctr, &other));
	ASSERT_EQ(0, map_mem(self, other, IOVA_MEM));
	ASSERT_EQ(0, ioas_copy_fixed(ctr, self->ioas, IOVA_COPY, other,
				     IOVA_MEM, MEM_LEN));
	EXPECT_CHARGED(MEM_LEN);
	vfio_ctr_close(&self->c);
	EXPECT_CHARGED(0);
	EXPECT_EQ(self->ref, vfio_iommufd_refcnt());
}

/*
 * A test access holds the context by its file, which a container's
 * context does not have: refused there.
 */
TEST_F(cfd, no_test_access)
{
	int ctr = self->c.container, fd;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	if (md_check_refs(fd, NULL, 0, 0) == -ENOTTY) {
		close(fd);
		SKIP(return, "no IOMMU_TEST_CMD in the module");
	}
	close(fd);
	EXPECT_EQ(-EOPNOTSUPP, access_create(ctr, self->ioas, 0, &fd));
	EXPECT_EQ(0, md_check_refs(ctr, self->mem, MEM_LEN, 0));
}

/*
 * On vfio_iommu_type1 none of this exists: the IOMMU_* requests are
 * unknown (ENOTTY) there.
 */
TEST(type1_has_no_iommufd)
{
	struct vfio_ctr c;
	__u32 id;

	if (access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "iommufd_vfio is not loaded");
	ASSERT_EQ(0, vfio_edu_find(0, edu_bdf, sizeof(edu_bdf), &edu_group));
	ASSERT_EQ(0, vfio_ctr_open(&c, edu_group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_TYPE1));
	EXPECT_EQ(-ENOTTY, compat_get(c.container, &id));
	EXPECT_EQ(-ENOTTY, ioas_alloc(c.container, &id));
	vfio_ctr_close(&c);
	ASSERT_EQ(0, vfio_backend_select(VFIO_BACKEND_IOMMUFD));
}

/* ---- An emulated group: unmaps reach the device ---- */

/*
 * The sample device pins pages of a MAP_FILE mapping with
 * vfio_pin_pages(); an IOAS_UNMAP on the container fd makes VFIO call
 * its dma_unmap, which unpins, and then unmaps.
 */
TEST(emulated_unmap_callback)
{
	unsigned char *mem = NULL;
	struct vfio_ctr c = { .container = -1, .group = -1 };
	long pinned0, lck0 = vfio_vmlck();
	__u64 pfns[4], iova = IOVA_MEM, unmapped = 0;
	int group_id, dev, mfd;
	__u32 ioas;

	if (!vfio_sample_loaded() || access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "no sample VFIO device or no iommufd_vfio");
	group_id = vfio_sample_group_id(0);
	ASSERT_LE(0, group_id);
	ASSERT_EQ(0, vfio_ctr_open(&c, group_id, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	dev = vfio_sample_open_dev(c.group, 0);
	ASSERT_LE(0, dev);
	pinned0 = vfio_sample_pinned();
	ASSERT_LE(0, pinned0);
	mfd = memfd_guest(&mem);
	ASSERT_LE(0, mfd);
	mem_fill(mem, MEM_LEN, 3);

	ASSERT_EQ(0, compat_get(c.container, &ioas));
	ASSERT_EQ(0, ioas_map_file(c.container, ioas, MAP_FIXED_RW, mfd, 0,
				   MEM_LEN, &iova));
	ASSERT_EQ(0, vfio_sample_pin(dev, IOVA_MEM + PAGE, 4, IOMMUFD_VFIO_SAMPLE_READ |
				     IOMMUFD_VFIO_SAMPLE_WRITE, pfns));
	EXPECT_EQ(pinned0 + 4, vfio_sample_pinned());
	EXPECT_EQ(0, ioas_unmap(c.container, ioas, IOVA_MEM, MEM_LEN,
				&unmapped));
	EXPECT_EQ(MEM_LEN, unmapped);
	EXPECT_EQ(pinned0, vfio_sample_pinned());
	EXPECT_EQ(lck0, vfio_vmlck());

	close(dev);
	vfio_ctr_close(&c);
	munmap(mem, MEM_LEN);
	close(mfd);
}

/* ---- Live update ---- */

/* What O sends N with the descriptors: PFNs of the memfd's pages */
struct lu_setup {
	__u32 ioas;
	__u32 mode;		/* enum lu_mode */
	__u64 pfn[MEM_PAGES];
};

enum lu_mode {
	LU_EXIT,
	LU_KILL,
};

/* N tells O how its CHANGE_PROCESS went */
struct lu_msg {
	__s32 ret;
};

/* Descriptors passed, in this order */
enum { LU_FD_CTR, LU_FD_GROUP, LU_FD_DEV, LU_FD_MEM, LU_NFDS };

static bool mem_pfns(struct __test_metadata *_metadata,
		     const unsigned char *mem, __u64 *pfn)
{
	size_t i;

	for (i = 0; i < MEM_PAGES; i++) {
		/* Faulted in for pagemap to show it */
		volatile unsigned char c = mem[i * PAGE];
		long long p = mdev_pagemap_pfn(mem + i * PAGE);

		(void)c;
		if (p <= 0) {
			TH_LOG("no PFN for page %zu: %lld", i, p);
			return false;
		}
		pfn[i] = p;
	}
	return true;
}

/* Not inlined: its locals are dead once an ASSERT jumps out of it */
static void __attribute__((noinline))
new_process(struct __test_metadata *_metadata, int sock)
{
	__u64 pfn[MEM_PAGES];
	struct lu_setup setup;
	struct lu_msg msg;
	int fds[LU_NFDS];
	struct vfio_edu e;
	unsigned char *mem;
	long lck0, pin0;
	size_t i;
	ssize_t n;

	lck0 = vfio_vmlck();
	pin0 = vfio_vmpin();
	ASSERT_EQ(0, fds_recv(sock, &setup, sizeof(setup), fds, LU_NFDS));
	mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fds[LU_FD_MEM], 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* What O's DMA wrote is there */
	EXPECT_TRUE(mem_copied(mem, MEM_LEN / 2, 0, PAGE, 1));

	msg.ret = ioas_change_process(fds[LU_FD_CTR]);
	ASSERT_EQ((ssize_t)sizeof(msg),
		  send(sock, &msg, sizeof(msg), MSG_NOSIGNAL));
	ASSERT_EQ(0, msg.ret);
	EXPECT_EQ(lck0 + (long)MEM_LEN, vfio_vmlck());
	EXPECT_EQ(pin0 + (long)MEM_LEN, vfio_vmpin());

	/* O is gone once its end of the socket is */
	n = recv(sock, &msg, sizeof(msg), 0);
	EXPECT_EQ(0, n);

	/* The same pages, still pinned once each */
	ASSERT_TRUE(mem_pfns(_metadata, mem, pfn));
	for (i = 0; i < MEM_PAGES; i++)
		EXPECT_EQ(setup.pfn[i], pfn[i]);
	if (md_check_refs(fds[LU_FD_CTR], NULL, 0, 0) != -ENOTTY)
		EXPECT_EQ(0, md_check_refs(fds[LU_FD_CTR], mem, MEM_LEN, 1));

	/* edu goes on through them, now for N */
	e.fd = fds[LU_FD_DEV];
	ASSERT_EQ(0, vfio_edu_region(&e, VFIO_PCI_BAR0_REGION_INDEX, &e.bar0,
				     NULL));
	ASSERT_EQ(0, vfio_edu_region(&e, VFIO_PCI_CONFIG_REGION_INDEX,
				     &e.config, NULL));
	mem_fill(mem, MEM_LEN / 2, 4);
	ASSERT_EQ(0, edu_copy_mem(&e, 0, MEM_LEN / 2, 2 * PAGE));
	EXPECT_TRUE(mem_copied(mem, MEM_LEN / 2, 0, 2 * PAGE, 4));

	/* Unmapping gives N's charges back */
	EXPECT_EQ(0, vfio_unmap(fds[LU_FD_CTR], IOVA_MEM, MEM_LEN, 0, NULL));
	EXPECT_EQ(lck0, vfio_vmlck());
	EXPECT_EQ(pin0, vfio_vmpin());
	munmap(mem, MEM_LEN);
	for (i = 0; i < LU_NFDS; i++)
		close(fds[i]);
	close(sock);
}

/*
 * O: set up the container, map, DMA, start N, hand over, check its own
 * charges went. The pid of N goes to @report_fd. With LU_KILL it then
 * waits to be killed.
 */
static void old_process(struct __test_metadata *_metadata, enum lu_mode mode,
			int report_fd)
{
	struct lu_setup setup = { .mode = mode };
	struct vfio_ctr c;
	struct vfio_edu e;
	unsigned char *mem;
	long lck0, pin0;
	int sv[2], mfd, fds[LU_NFDS];
	struct lu_msg msg;
	__u64 iova = IOVA_MEM;
	pid_t npid;

	lck0 = vfio_vmlck();
	pin0 = vfio_vmpin();
	ASSERT_EQ(0, vfio_ctr_open(&c, edu_group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	ASSERT_EQ(0, compat_get(c.container, &setup.ioas));
	mfd = memfd_guest(&mem);
	ASSERT_LE(0, mfd);
	mem_fill(mem, MEM_LEN, 1);
	ASSERT_EQ(0, ioas_map_file(c.container, setup.ioas, MAP_FIXED_RW, mfd,
				   0, MEM_LEN, &iova));
	EXPECT_EQ(lck0 + (long)MEM_LEN, vfio_vmlck());
	EXPECT_EQ(pin0 + (long)MEM_LEN, vfio_vmpin());
	ASSERT_EQ(0, vfio_edu_open(&e, c.group, edu_bdf));
	ASSERT_EQ(0, edu_copy_mem(&e, 0, MEM_LEN / 2, PAGE));
	ASSERT_TRUE(mem_copied(mem, MEM_LEN / 2, 0, PAGE, 1));
	ASSERT_TRUE(mem_pfns(_metadata, mem, setup.pfn));

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	npid = lu_exec_new(NEW_ARG, sv[1]);
	ASSERT_LE(0, npid);
	close(sv[1]);
	ASSERT_EQ((ssize_t)sizeof(npid),
		  write(report_fd, &npid, sizeof(npid)));
	fds[LU_FD_CTR] = c.container;
	fds[LU_FD_GROUP] = c.group;
	fds[LU_FD_DEV] = e.fd;
	fds[LU_FD_MEM] = mfd;
	ASSERT_EQ(0, fds_send(sv[0], &setup, sizeof(setup), fds, LU_NFDS));

	ASSERT_EQ((ssize_t)sizeof(msg), recv(sv[0], &msg, sizeof(msg), 0));
	ASSERT_EQ(0, msg.ret);
	/* N has the charges; O has none left, yet still has it all open */
	EXPECT_EQ(lck0, vfio_vmlck());
	EXPECT_EQ(pin0, vfio_vmpin());

	if (mode == LU_KILL) {
		close(report_fd);
		for (;;)
			pause();
	}
	vfio_edu_close(&e);
	vfio_ctr_close(&c);
	munmap(mem, MEM_LEN);
	close(mfd);
	close(sv[0]);
}

static void live_update(struct __test_metadata *_metadata, enum lu_mode mode)
{
	long ref = vfio_iommufd_refcnt();
	pid_t opid, npid = 0;
	int report[2];
	ssize_t n;

	if (access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "iommufd_vfio is not loaded");
	if (geteuid())
		SKIP(return, "needs root to read PFNs");
	ASSERT_EQ(0, vfio_edu_find(0, edu_bdf, sizeof(edu_bdf), &edu_group));
	/* N, orphaned when O goes, becomes our child */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
	fflush(NULL);
	opid = fork();
	ASSERT_LE(0, opid);
	if (!opid) {
		close(report[0]);
		old_process(_metadata, mode, report[1]);
		fflush(NULL);
		_exit(_metadata->passed ? 0 : 1);
	}
	close(report[1]);
	n = read(report[0], &npid, sizeof(npid));
	ASSERT_EQ((ssize_t)sizeof(npid), n) {
		TH_LOG("the old process did not start the new one");
	}
	if (mode == LU_KILL) {
		/* O closes the pipe once N has taken over */
		n = read(report[0], &npid, 1);
		EXPECT_EQ(0, n);
		kill(opid, SIGKILL);
	}
	close(report[0]);
	lu_expect_exit(_metadata, opid, "the old process",
		    mode == LU_KILL ? SIGKILL : 0);
	lu_expect_exit(_metadata, npid, "the new process", 0);
	EXPECT_EQ(ref, vfio_iommufd_refcnt());
}

FIXTURE(live_update) {};

FIXTURE_VARIANT(live_update) {
	enum lu_mode mode;
};

/* O closes everything and exits once N has taken over */
FIXTURE_VARIANT_ADD(live_update, exit) {
	.mode = LU_EXIT,
};

/* O is killed with everything still open */
FIXTURE_VARIANT_ADD(live_update, kill) {
	.mode = LU_KILL,
};

FIXTURE_SETUP(live_update)
{
}

FIXTURE_TEARDOWN(live_update)
{
}

TEST_F_TIMEOUT(live_update, handover, 600)
{
	live_update(_metadata, variant->mode);
}

LU_HARNESS_MAIN(NEW_ARG, "container live update: new process", new_process)
