// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-build support: the IOMMU_TEST_CMD ioctl and the fault-injection
 * attribute that lets the fail-nth selftests reach iommufd's own failure
 * points. None of this exists unless CONFIG_IOMMUFD_TEST is set.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"
#include "selftest/mock.h"

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(fail_iommufd);
static struct dentry *fail_iommufd_dir;

/*
 * A failure point of our own. Writing N to /proc/self/task/<tid>/fail-nth
 * makes the Nth fault check of that task fail, whichever attribute it is
 * made on, so the fail-nth sweeps reach these points as well as the slab
 * and page allocators'.
 */
bool iommufd_should_fail(void)
{
	return should_fail(&fail_iommufd, 1);
}

static void iommufd_fault_init(void)
{
	fail_iommufd_dir = fault_create_debugfs_attr("fail_iommufd", NULL,
						     &fail_iommufd);
	if (IS_ERR(fail_iommufd_dir))
		fail_iommufd_dir = NULL;
}

static void iommufd_fault_exit(void)
{
	debugfs_remove_recursive(fail_iommufd_dir);
}
#else
bool iommufd_should_fail(void)
{
	return false;
}

static void iommufd_fault_init(void)
{
}

static void iommufd_fault_exit(void)
{
}
#endif

/*
 * The "syzkaller" IOVA encoding: with MOCK_FLAGS_ACCESS_SYZ an IOVA field
 * holds {u32 nth_area, u32 offset} (in memory order) and means that offset
 * into the nth area of the IOAS in IOVA order, or 0 if there is no such
 * area. It lets a fuzzer name mapped IOVA without knowing where MAP put
 * things.
 */
static unsigned long iommufd_test_syz_conv_iova(struct io_pagetable *iopt,
						u64 *iova)
{
	struct syz_iova {
		u32 nth_area;
		u32 offset;
	} syz;
	unsigned long ret = 0;
	struct iopt_area *area;
	unsigned int n = 0;

	memcpy(&syz, iova, sizeof(syz));
	down_read(&iopt->iova_rwsem);
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		if (n++ == syz.nth_area) {
			ret = iopt_area_iova(area) + syz.offset;
			break;
		}
	}
	up_read(&iopt->iova_rwsem);
	return ret;
}

void iommufd_test_syz_conv_copy(struct iommufd_ucmd *ucmd,
				struct iommu_ioas_copy *cmd)
{
	struct iommufd_ioas *ioas;

	if (!(cmd->flags & MOCK_FLAGS_ACCESS_SYZ))
		return;
	cmd->flags &= ~MOCK_FLAGS_ACCESS_SYZ;

	/* A bad ID is left for COPY itself to report. */
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(ioas))
		return;
	cmd->src_iova = iommufd_test_syz_conv_iova(&ioas->iopt,
						   &cmd->src_iova);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
}

static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd, u32 ioas_id,
				     u64 start, u64 length)
{
	struct iommufd_ioas *ioas;
	unsigned long last;
	int rc;

	if (!length || start >= ULONG_MAX ||
	    check_add_overflow((unsigned long)start,
			       (unsigned long)length - 1, &last))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_reserve_iova(&ioas->iopt, start, last, NULL);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/**
 * struct selftest_obj - a mock device made by MOCK_DOMAIN
 * @obj: common header; its ID is the "stdev_id" of the test ABI
 * @mdev: the device on the mock bus
 * @idev: its DEVICE object, bound and held by this object
 */
struct selftest_obj {
	struct iommufd_object obj;
	struct mock_dev *mdev;
	struct iommufd_device *idev;
};

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	if (sobj->idev) {
		if (sobj->idev->hwpt)
			iommufd_device_detach(sobj->idev);
		iommufd_device_unbind(sobj->idev);
	}
	if (sobj->mdev)
		mock_dev_destroy(sobj->mdev);
}

static struct selftest_obj *iommufd_get_selftest(struct iommufd_ctx *ictx,
						 u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct selftest_obj, obj);
}

#define MOCK_DEVICE_FLAGS                                                  \
	(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |        \
	 MOCK_FLAGS_DEVICE_PASID)

/* MOCK_DOMAIN and MOCK_DOMAIN_FLAGS: a new mock device attached to id. */
static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	u32 dev_flags = 0, pt_id = cmd->id, idev_id;
	struct selftest_obj *sobj;
	int rc;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS) {
		dev_flags = cmd->mock_domain_flags.dev_flags;
		if (dev_flags & ~MOCK_DEVICE_FLAGS)
			return -EINVAL;
	}

	sobj = iommufd_object_alloc(ucmd->ictx, sobj, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);

	sobj->mdev = mock_dev_create(dev_flags);
	if (IS_ERR(sobj->mdev)) {
		rc = PTR_ERR(sobj->mdev);
		sobj->mdev = NULL;
		goto out_destroy;
	}
	sobj->idev = iommufd_device_bind_ops(ucmd->ictx,
					     mock_dev_device(sobj->mdev),
					     &mock_dev_ops, &idev_id);
	if (IS_ERR(sobj->idev)) {
		rc = PTR_ERR(sobj->idev);
		sobj->idev = NULL;
		goto out_destroy;
	}
	rc = iommufd_device_attach(sobj->idev, &pt_id);
	if (rc)
		goto out_destroy;

	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;
	iommufd_object_finalize(ucmd->ictx, &sobj->obj);
	return 0;

out_destroy:
	iommufd_object_abort_and_destroy(ucmd->ictx, &sobj->obj);
	return rc;
}

static int iommufd_test_mock_domain_replace(struct iommufd_ucmd *ucmd,
					    struct iommu_test_cmd *cmd)
{
	u32 pt_id = cmd->mock_domain_replace.pt_id;
	struct selftest_obj *sobj;
	int rc;

	sobj = iommufd_get_selftest(ucmd->ictx, cmd->id);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(ucmd->ictx, &sobj->obj);
	return rc;
}

/* The page behind a user address, referenced; NULL if there is none. */
static struct page *iommufd_test_user_page(unsigned long uptr)
{
	struct page *page;

	if (get_user_pages_fast(ALIGN_DOWN(uptr, PAGE_SIZE), 1, 0, &page) != 1)
		return NULL;
	return page;
}

#define MOCK_IO_PAGE_SIZE (PAGE_SIZE / 2)

/* MD_CHECK_MAP: does the mock domain map [iova, +length) onto uptr's pages? */
static int iommufd_test_md_check_map(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	unsigned long length = cmd->check_map.length;
	unsigned long uptr = cmd->check_map.uptr;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *obj;
	struct page *page = NULL;
	unsigned long off, end;
	phys_addr_t paddr;
	int rc = 0;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);
	if (!is_mock_domain(hwpt->domain) ||
	    (iova | length | uptr) % MOCK_IO_PAGE_SIZE ||
	    check_add_overflow(uptr, length, &end)) {
		rc = -EINVAL;
		goto out_put;
	}

	for (off = 0; off < length; off += MOCK_IO_PAGE_SIZE) {
		if (!page || (uptr + off) % PAGE_SIZE == 0) {
			if (page)
				put_page(page);
			page = iommufd_test_user_page(uptr + off);
			if (!page) {
				rc = -EINVAL;
				goto out_put;
			}
		}
		if (!mock_domain_check_map(hwpt->domain, iova + off, &paddr) ||
		    paddr != page_to_phys(page) + (uptr + off) % PAGE_SIZE) {
			rc = -EINVAL;
			break;
		}
	}
	if (page)
		put_page(page);
out_put:
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* MD_CHECK_REFS: is every (non-compound) page pinned exactly refs times? */
static int iommufd_test_md_check_refs(struct iommu_test_cmd *cmd)
{
	unsigned long length = cmd->check_refs.length;
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned long off, end;
	struct page *page;
	int rc = 0;

	if ((uptr | length) % PAGE_SIZE || check_add_overflow(uptr, length, &end))
		return -EINVAL;

	for (off = 0; off < length; off += PAGE_SIZE) {
		page = iommufd_test_user_page(uptr + off);
		if (!page)
			return -EFAULT;
		/* Each FOLL_PIN adds GUP_PIN_COUNTING_BIAS to the refcount. */
		if (!PageCompound(page) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
			    cmd->check_refs.refs)
			rc = -EIO;
		put_page(page);
		if (rc)
			break;
	}
	return rc;
}

static int iommufd_test_dev_check_cache(struct iommufd_ucmd *ucmd,
					struct iommu_test_cmd *cmd)
{
	struct iommufd_device *idev;
	struct mock_dev *mdev;
	int rc = 0;

	idev = iommufd_get_device(ucmd->ictx, cmd->id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mdev = to_mock_dev(idev->dev);
	if (!mdev || cmd->check_dev_cache.id > MOCK_DEV_CACHE_ID_MAX ||
	    mock_dev_cache(mdev, cmd->check_dev_cache.id) !=
		    cmd->check_dev_cache.cache)
		rc = -EINVAL;
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/*
 * PIN_FLOOR: what pinning the memory costs with nothing else around it.
 * Pins the way MAP does (long term, for writing, 2 MiB per GUP call), then
 * unpins with dirtying, as UNMAP does. make bench divides MAP+UNMAP time by
 * this.
 */
static int iommufd_test_pin_floor(struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->pin_floor.uptr;
	unsigned long npages = cmd->pin_floor.length / PAGE_SIZE;
	unsigned long done = 0, chunk, end;
	struct page **pages;
	int rc = 0;
	long got;

	if ((uptr | cmd->pin_floor.length) % PAGE_SIZE || !npages ||
	    check_add_overflow(uptr, (unsigned long)cmd->pin_floor.length,
			       &end))
		return -EINVAL;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;

	while (done != npages) {
		chunk = min(npages - done, 512UL);
		got = pin_user_pages_fast(uptr + done * PAGE_SIZE, chunk,
					  FOLL_LONGTERM | FOLL_WRITE,
					  pages + done);
		if (got <= 0) {
			rc = got ? got : -EFAULT;
			break;
		}
		done += got;
	}
	unpin_user_pages_dirty_lock(pages, done, true);
	kvfree(pages);
	return rc;
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd->id,
						 cmd->add_reserved.start,
						 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return iommufd_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return iommufd_test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return iommufd_test_md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return iommufd_test_md_check_refs(cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* At least one batch element (a PFN and a count). */
		if (cmd->memory_limit.limit < 12)
			return -EINVAL;
		iommufd_test_set_temp_mem_limit(cmd->memory_limit.limit);
		return 0;
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
		return iommufd_test_dev_check_cache(ucmd, cmd);
	case IOMMU_TEST_OP_PIN_FLOOR:
		return iommufd_test_pin_floor(cmd);
	default:
		return -EOPNOTSUPP;
	}
}

int iommufd_test_init(void)
{
	int rc;

	rc = mock_bus_init();
	if (rc)
		return rc;
	iommufd_fault_init();
	return 0;
}

void iommufd_test_exit(void)
{
	iommufd_fault_exit();
	mock_bus_exit();
}
