// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-build support: the IOMMU_TEST_CMD ioctl and the fault-injection
 * attribute that lets the fail-nth selftests reach iommufd's own failure
 * points. None of this exists unless CONFIG_IOMMUFD_TEST is set.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

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
	 MOCK_FLAGS_DEVICE_PASID | MOCK_FLAGS_DEVICE_RESV_REGIONS)

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
					     mock_dev_device(sobj->mdev), NULL,
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

/*
 * The mock domain of HW pagetable @id, referenced through *@obj (put with
 * iommufd_put_object()); EINVAL for any other HW pagetable.
 */
static struct iommu_domain *iommufd_test_get_mock_domain(struct iommufd_ucmd *ucmd,
							 u32 id,
							 struct iommufd_object **obj)
{
	struct iommufd_hwpt_paging *hwpt;

	*obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(*obj))
		return ERR_CAST(*obj);
	hwpt = container_of(*obj, struct iommufd_hwpt_paging, obj);
	if (!is_mock_domain(hwpt->domain)) {
		iommufd_put_object(ucmd->ictx, *obj);
		return ERR_PTR(-EINVAL);
	}
	return hwpt->domain;
}

/* MD_SHORT_UNMAP: make a mock domain's next unmap stop short. */
static int iommufd_test_md_short_unmap(struct iommufd_ucmd *ucmd,
				       struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->short_unmap.flags;
	struct iommu_domain *domain;
	struct iommufd_object *obj;
	int rc;

	if (flags & ~MOCK_SHORT_UNMAP_ARM)
		return -EOPNOTSUPP;
	domain = iommufd_test_get_mock_domain(ucmd, cmd->id, &obj);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	mock_domain_short_unmap(domain, flags & MOCK_SHORT_UNMAP_ARM,
				cmd->short_unmap.length,
				&cmd->short_unmap.out_reported);
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* MD_HOLD: hold or release a mock domain's next map or unmap call. */
static int iommufd_test_md_hold(struct iommufd_ucmd *ucmd,
				struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->md_hold.flags;
	struct iommu_domain *domain;
	struct iommufd_object *obj;
	int rc;

	if (flags & ~(MOCK_HOLD_MAP | MOCK_HOLD_UNMAP | MOCK_HOLD_RELEASE))
		return -EOPNOTSUPP;
	domain = iommufd_test_get_mock_domain(ucmd, cmd->id, &obj);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	mock_domain_hold(domain, flags, &cmd->md_hold.out_waiting);
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	iommufd_put_object(ucmd->ictx, obj);
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

/* MAP_FLOOR pins as a fill step does: this many pages per GUP call. */
#define FLOOR_GUP_PAGES 512UL

/* Pages of MAP_FLOOR's memory with consecutive PFNs. */
struct floor_run {
	unsigned long pfn;
	unsigned long npages;
};

/*
 * MAP_FLOOR, first part: pin [uptr, +npages pages) into @runs, timed.
 * Return: 0 or an errno; *@nruns runs are pinned either way.
 */
static int iommufd_test_floor_pin(unsigned long uptr, unsigned long npages,
				  struct page **pages, struct floor_run *runs,
				  unsigned long *nruns, u64 *ns)
{
	unsigned long done = 0, n = 0, pfn, first = 0, next = 0, i;
	u64 t = ktime_get_ns();
	long got = 0;

	while (done != npages) {
		got = pin_user_pages_fast(uptr + done * PAGE_SIZE,
					  min(npages - done, FLOOR_GUP_PAGES),
					  FOLL_LONGTERM | FOLL_WRITE, pages);
		if (got <= 0)
			break;
		/* The run being built is [first, next) until a PFN breaks it */
		for (i = 0; i != got; i++) {
			pfn = page_to_pfn(pages[i]);
			if (pfn == next && next != first) {
				next++;
				continue;
			}
			if (next != first) {
				runs[n].pfn = first;
				runs[n].npages = next - first;
				n++;
			}
			first = pfn;
			next = pfn + 1;
		}
		done += got;
	}
	if (next != first) {
		runs[n].pfn = first;
		runs[n].npages = next - first;
		n++;
	}
	*ns = ktime_get_ns() - t;
	*nruns = n;
	if (done == npages)
		return 0;
	return got ? got : -EFAULT;
}

/*
 * MAP_FLOOR: the part of MAP+UNMAP no implementation can skip, each step
 * timed: pin, iommu_map() each physically contiguous run into a mock
 * domain that takes the same IOPTEs as the one MAP fills, iommu_unmap()
 * all of it at once, and unpin each run. make bench divides MAP+UNMAP
 * time by the sum.
 */
static int iommufd_test_map_floor(struct iommufd_ucmd *ucmd,
				  struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->map_floor.uptr;
	u64 length = cmd->map_floor.length;
	unsigned long npages, nruns = 0, iova, end, i;
	struct iommu_domain *model, *domain;
	struct floor_run *runs = NULL;
	struct iommufd_object *obj;
	struct page **pages;
	size_t unmapped = 0;
	u64 t, stat;
	int rc;

	if (!length || (uptr | length) % PAGE_SIZE ||
	    length > MOCK_APERTURE_LAST - MOCK_APERTURE_START + 1 ||
	    check_add_overflow(uptr, (unsigned long)length, &end))
		return -EINVAL;
	npages = length / PAGE_SIZE;

	model = iommufd_test_get_mock_domain(ucmd, cmd->id, &obj);
	if (IS_ERR(model))
		return PTR_ERR(model);
	domain = mock_domain_alloc_like(model);
	iommufd_put_object(ucmd->ictx, obj);
	if (!domain)
		return -ENOMEM;
	pages = kmalloc_array(FLOOR_GUP_PAGES, sizeof(*pages), GFP_KERNEL);
	if (pages)
		runs = kvmalloc_array(npages, sizeof(*runs), GFP_KERNEL);
	if (!runs) {
		rc = -ENOMEM;
		goto out_free;
	}

	rc = iommufd_test_floor_pin(uptr, npages, pages, runs, &nruns,
				    &cmd->map_floor.out_pin_ns);
	if (rc)
		goto out_unpin;

	stat = iommufd_test_stat_begin();
	t = ktime_get_ns();
	iova = MOCK_APERTURE_START;
	for (i = 0; i != nruns; i++) {
		rc = iommu_map(domain, iova, PFN_PHYS(runs[i].pfn),
			       runs[i].npages * PAGE_SIZE,
			       IOMMU_READ | IOMMU_WRITE);
		if (rc)
			break;
		iova += runs[i].npages * PAGE_SIZE;
	}
	cmd->map_floor.out_map_ns = ktime_get_ns() - t;
	iommufd_test_stat_end(MOCK_STAT_FLOOR_MAP, stat, i);

	t = ktime_get_ns();
	if (iova != MOCK_APERTURE_START)
		unmapped = iommu_unmap(domain, MOCK_APERTURE_START,
				       iova - MOCK_APERTURE_START);
	cmd->map_floor.out_unmap_ns = ktime_get_ns() - t;
	/* No device uses the domain; it is freed below, whatever it holds. */
	WARN_ON_ONCE(unmapped != iova - MOCK_APERTURE_START);

out_unpin:
	t = ktime_get_ns();
	for (i = 0; i != nruns; i++)
		unpin_user_page_range_dirty_lock(pfn_to_page(runs[i].pfn),
						 runs[i].npages, true);
	cmd->map_floor.out_unpin_ns = ktime_get_ns() - t;
	if (!rc)
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kvfree(runs);
	kfree(pages);
	iommu_domain_free(domain);
	return rc;
}

/* MAP_STATS: read and reset where MAP's time went; switch counting. */
static int iommufd_test_map_stats_op(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	struct iommu_test_map_stat stats[MOCK_STAT_NR];
	u32 flags = cmd->map_stats.flags;
	unsigned int n = min_t(u32, cmd->map_stats.nr, MOCK_STAT_NR);
	int rc;

	if (flags & ~(MOCK_MAP_STATS_ON | MOCK_MAP_STATS_OFF))
		return -EOPNOTSUPP;
	if ((flags & MOCK_MAP_STATS_ON) && (flags & MOCK_MAP_STATS_OFF))
		return -EINVAL;

	/* Nothing is reset or switched unless the counters reached the user */
	iommufd_test_map_stats_read(stats);
	if (n && copy_to_user(u64_to_user_ptr(cmd->map_stats.uptr), stats,
			      n * sizeof(*stats)))
		return -EFAULT;
	cmd->map_stats.nr = MOCK_STAT_NR;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc)
		iommufd_test_map_stats_consume(stats,
					       flags & MOCK_MAP_STATS_ON,
					       flags);
	return rc;
}

/*
 * Accesses of the test ABI. CREATE_ACCESS hands userspace a file
 * descriptor standing for a small mdev-like driver: it pins pages on
 * request (ACCESS_PAGES), remembers each pin as an item, and honours unmap
 * callbacks by unpinning every item the range touches. Closing the fd
 * destroys the access.
 */

/**
 * struct selftest_access - the driver behind an access fd
 * @access: the access
 * @file: the fd's file
 * @lock: guards @items and @next_id, and is held across pinning so that
 *	an unmap callback never sees a half-recorded pin
 * @items: &struct selftest_access_item, the pins held
 * @next_id: ID of the next item
 */
struct selftest_access {
	struct iommufd_access *access;
	struct file *file;
	struct mutex lock;	/* guards items, next_id */
	struct list_head items;
	unsigned int next_id;
};

struct selftest_access_item {
	struct list_head items_elm;
	unsigned long iova;
	size_t length;
	unsigned int id;
};

static void iommufd_test_access_unmap(void *data, unsigned long iova,
				      unsigned long length)
{
	unsigned long iova_last = iova + length - 1;
	struct selftest_access *staccess = data;
	struct selftest_access_item *item, *tmp;

	mutex_lock(&staccess->lock);
	list_for_each_entry_safe(item, tmp, &staccess->items, items_elm) {
		if (iova > item->iova + item->length - 1 ||
		    iova_last < item->iova)
			continue;
		list_del(&item->items_elm);
		iommufd_access_unpin_pages(staccess->access, item->iova,
					   item->length);
		kfree(item);
	}
	mutex_unlock(&staccess->lock);
}

static const struct iommufd_access_ops selftest_access_ops_pin = {
	.needs_pin_pages = 1,
	.unmap = iommufd_test_access_unmap,
};

static const struct iommufd_access_ops selftest_access_ops = {
	.unmap = iommufd_test_access_unmap,
};

static int iommufd_test_staccess_release(struct inode *inode,
					 struct file *filep)
{
	struct selftest_access *staccess = filep->private_data;

	if (staccess->access) {
		iommufd_test_access_unmap(staccess, 0, ULONG_MAX);
		iommufd_access_destroy(staccess->access);
	}
	mutex_destroy(&staccess->lock);
	kfree(staccess);
	return 0;
}

static const struct file_operations iommufd_test_staccess_fops = {
	.release = iommufd_test_staccess_release,
};

/* The access behind an access fd, with a file reference to fput(). */
static struct selftest_access *iommufd_test_get_access(unsigned int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADFD);
	if (file->f_op != &iommufd_test_staccess_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

/* The syzkaller IOVA encoding, against the access's current IOAS. */
static unsigned long iommufd_test_syz_conv_access(struct iommufd_access *access,
						  u64 iova)
{
	unsigned long ret = 0;

	mutex_lock(&access->ioas_lock);
	if (access->ioas)
		ret = iommufd_test_syz_conv_iova(&access->ioas->iopt, &iova);
	mutex_unlock(&access->ioas_lock);
	return ret;
}

static int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
				      struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->create_access.flags, id;
	struct selftest_access *staccess;
	struct iommufd_access *access;
	struct file *file;
	int fdno, rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	/*
	 * The access file references the context through its file; a VFIO
	 * container's context has none and could go first.
	 */
	if (!ucmd->ictx->file)
		return -EOPNOTSUPP;

	staccess = kzalloc(sizeof(*staccess), GFP_KERNEL_ACCOUNT);
	if (!staccess)
		return -ENOMEM;
	mutex_init(&staccess->lock);
	INIT_LIST_HEAD(&staccess->items);

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		mutex_destroy(&staccess->lock);
		kfree(staccess);
		return -ENOMEM;
	}
	file = anon_inode_getfile("[iommufd_test_access]",
				  &iommufd_test_staccess_fops, staccess,
				  O_RDWR);
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		mutex_destroy(&staccess->lock);
		kfree(staccess);
		goto out_put_fdno;
	}
	/* From here on, fput() of the file frees staccess. */
	staccess->file = file;

	access = iommufd_access_create(ucmd->ictx,
				       (flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) ?
					       &selftest_access_ops_pin :
					       &selftest_access_ops,
				       staccess, &id);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_fput;
	}
	rc = iommufd_access_attach(access, cmd->id);
	if (rc) {
		iommufd_access_destroy(access);
		goto out_fput;
	}
	staccess->access = access;

	cmd->create_access.out_access_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_fput;
	fd_install(fdno, file);
	return 0;

out_fput:
	fput(file);
out_put_fdno:
	put_unused_fd(fdno);
	return rc;
}

/* One iommufd_access_pin_pages() handed to a kthread. */
struct selftest_pin_work {
	struct work_struct work;
	struct iommufd_access *access;
	unsigned long iova;
	unsigned long length;
	struct page **pages;
	unsigned int flags;
	int rc;
};

static void iommufd_test_pin_work(struct work_struct *work)
{
	struct selftest_pin_work *pw =
		container_of(work, struct selftest_pin_work, work);

	pw->rc = iommufd_access_pin_pages(pw->access, pw->iova, pw->length,
					  pw->pages, pw->flags);
}

static int iommufd_test_pin_pages(struct iommufd_access *access,
				  unsigned long iova, unsigned long length,
				  struct page **pages, unsigned int flags,
				  bool kthread)
{
	struct selftest_pin_work pw = {
		.access = access,
		.iova = iova,
		.length = length,
		.pages = pages,
		.flags = flags,
	};

	if (!kthread)
		return iommufd_access_pin_pages(access, iova, length, pages,
						flags);
	INIT_WORK_ONSTACK(&pw.work, iommufd_test_pin_work);
	queue_work(system_unbound_wq, &pw.work);
	flush_work(&pw.work);
	destroy_work_on_stack(&pw.work);
	return pw.rc;
}

static int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->access_pages.flags;
	unsigned long iova = cmd->access_pages.iova;
	size_t length = cmd->access_pages.length;
	unsigned long uptr = cmd->access_pages.uptr;
	struct selftest_access_item *item = NULL;
	struct selftest_access *staccess;
	unsigned long npages, end, k;
	struct page **pages = NULL;
	struct page *user_page;
	int rc;

	/* Keeps fuzzers from asking for absurd amounts of memory. */
	if (length > SZ_16M)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ |
		      MOCK_FLAGS_ACCESS_KTHREAD))
		return -EOPNOTSUPP;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	if (staccess->access->ops != &selftest_access_ops_pin) {
		rc = -EOPNOTSUPP;
		goto out_fput;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_conv_access(staccess->access,
						    cmd->access_pages.iova);

	if (!length || check_add_overflow(iova, length, &end)) {
		/* Let the kAPI report the bad range. */
		npages = 1;
	} else {
		npages = (ALIGN(end, PAGE_SIZE) - ALIGN_DOWN(iova, PAGE_SIZE)) /
			 PAGE_SIZE;
	}
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!pages || !item) {
		rc = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&staccess->lock);
	rc = iommufd_test_pin_pages(staccess->access, iova, length, pages,
				    (flags & MOCK_FLAGS_ACCESS_WRITE) ?
					    IOMMUFD_ACCESS_RW_WRITE : 0,
				    flags & MOCK_FLAGS_ACCESS_KTHREAD);
	if (rc)
		goto out_unlock;

	/* Each returned page must be the one behind the user's copy. */
	if (uptr) {
		for (k = 0; k != npages; k++) {
			if (get_user_pages_fast(ALIGN_DOWN(uptr, PAGE_SIZE) +
							k * PAGE_SIZE,
						1, 0, &user_page) != 1) {
				rc = -EFAULT;
				break;
			}
			if (user_page != pages[k])
				rc = -EBADE;
			put_page(user_page);
			if (rc)
				break;
		}
		if (rc) {
			iommufd_access_unpin_pages(staccess->access, iova,
						   length);
			goto out_unlock;
		}
	}

	item->iova = iova;
	item->length = length;
	item->id = staccess->next_id++;
	list_add_tail(&item->items_elm, &staccess->items);

	cmd->access_pages.out_access_pages_id = item->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		list_del(&item->items_elm);
		iommufd_access_unpin_pages(staccess->access, iova, length);
		goto out_unlock;
	}
	item = NULL;
out_unlock:
	mutex_unlock(&staccess->lock);
out_free:
	kfree(item);
	kvfree(pages);
out_fput:
	fput(staccess->file);
	return rc;
}

static int iommufd_test_access_item_destroy(struct iommu_test_cmd *cmd)
{
	struct selftest_access_item *item;
	struct selftest_access *staccess;
	int rc = -ENOENT;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	mutex_lock(&staccess->lock);
	list_for_each_entry(item, &staccess->items, items_elm) {
		if (item->id != cmd->destroy_access_pages.access_pages_id)
			continue;
		list_del(&item->items_elm);
		iommufd_access_unpin_pages(staccess->access, item->iova,
					   item->length);
		kfree(item);
		rc = 0;
		break;
	}
	mutex_unlock(&staccess->lock);
	fput(staccess->file);
	return rc;
}

#define MOCK_ACCESS_RW_FLAGS                                              \
	(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |                \
	 MOCK_ACCESS_RW_KTHREAD | MOCK_FLAGS_ACCESS_SYZ)

/* One iommufd_access_rw() handed to a kthread, as a driver's worker does. */
struct selftest_rw_work {
	struct work_struct work;
	struct iommufd_access *access;
	unsigned long iova;
	void *data;
	size_t len;
	unsigned int flags;
	int rc;
};

static void iommufd_test_rw_work(struct work_struct *work)
{
	struct selftest_rw_work *rw =
		container_of(work, struct selftest_rw_work, work);

	rw->rc = iommufd_access_rw(rw->access, rw->iova, rw->data, rw->len,
				   rw->flags | IOMMUFD_ACCESS_RW_KTHREAD);
}

static int iommufd_test_rw_kthread(struct iommufd_access *access,
				   unsigned long iova, void *data, size_t len,
				   unsigned int flags)
{
	struct selftest_rw_work rw = {
		.access = access,
		.iova = iova,
		.data = data,
		.len = len,
		.flags = flags,
	};

	INIT_WORK_ONSTACK(&rw.work, iommufd_test_rw_work);
	queue_work(system_unbound_wq, &rw.work);
	flush_work(&rw.work);
	destroy_work_on_stack(&rw.work);
	return rw.rc;
}

static int iommufd_test_access_rw(struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->access_rw.flags;
	void __user *uptr = u64_to_user_ptr(cmd->access_rw.uptr);
	size_t length = cmd->access_rw.length;
	unsigned long iova = cmd->access_rw.iova;
	struct selftest_access *staccess;
	void *tmp;
	int rc;

	if (length > SZ_16M)
		return -ENOMEM;
	if (flags & ~MOCK_ACCESS_RW_FLAGS)
		return -EOPNOTSUPP;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_conv_access(staccess->access, iova);

	tmp = kvzalloc(length ?: 1, GFP_KERNEL_ACCOUNT);
	if (!tmp) {
		rc = -ENOMEM;
		goto out_fput;
	}
	if ((flags & MOCK_ACCESS_RW_WRITE) && copy_from_user(tmp, uptr, length)) {
		rc = -EFAULT;
		goto out_free;
	}
	if (flags & MOCK_ACCESS_RW_KTHREAD)
		rc = iommufd_test_rw_kthread(staccess->access, iova, tmp,
					     length,
					     flags & (MOCK_ACCESS_RW_WRITE |
						      MOCK_ACCESS_RW_SLOW_PATH));
	else
		rc = iommufd_access_rw(staccess->access, iova, tmp, length,
				       flags & (MOCK_ACCESS_RW_WRITE |
						MOCK_ACCESS_RW_SLOW_PATH));
	if (!rc && !(flags & MOCK_ACCESS_RW_WRITE) &&
	    copy_to_user(uptr, tmp, length))
		rc = -EFAULT;
out_free:
	kvfree(tmp);
out_fput:
	fput(staccess->file);
	return rc;
}

static int iommufd_test_access_replace_ioas(struct iommu_test_cmd *cmd)
{
	struct selftest_access *staccess;
	int rc;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	rc = iommufd_access_replace(staccess->access,
				    cmd->access_replace_ioas.ioas_id);
	fput(staccess->file);
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
	case IOMMU_TEST_OP_MD_SHORT_UNMAP:
		return iommufd_test_md_short_unmap(ucmd, cmd);
	case IOMMU_TEST_OP_MD_HOLD:
		return iommufd_test_md_hold(ucmd, cmd);
	case IOMMU_TEST_OP_PIN_FLOOR:
		return iommufd_test_pin_floor(cmd);
	case IOMMU_TEST_OP_MAP_FLOOR:
		return iommufd_test_map_floor(ucmd, cmd);
	case IOMMU_TEST_OP_MAP_STATS:
		return iommufd_test_map_stats_op(ucmd, cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_access_item_destroy(cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(cmd);
	case IOMMU_TEST_OP_SVA_DEV_CREATE:
	case IOMMU_TEST_OP_SVA_BIND:
	case IOMMU_TEST_OP_SVA_UNBIND:
	case IOMMU_TEST_OP_SVA_DMA:
	case IOMMU_TEST_OP_SVA_RELEASE:
	case IOMMU_TEST_OP_SVA_FLUSH:
	case IOMMU_TEST_OP_SVA_CORE_BIND:
		return iommufd_test_sva(ucmd, cmd);
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
	rc = mock_sva_init();
	if (rc) {
		mock_bus_exit();
		return rc;
	}
	iommufd_fault_init();
	return 0;
}

void iommufd_test_exit(void)
{
	iommufd_fault_exit();
	mock_sva_exit();
	mock_bus_exit();
}
