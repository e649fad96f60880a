// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mock IOMMU for the selftests.
 *
 * Mock devices live on a private bus, "iommufd_mock". Their IOMMU is a
 * software page table: one xarray entry per MOCK_IO_PAGE_SIZE (PAGE_SIZE/2)
 * of IOVA, holding the physical address and marker bits, or, for a 1 MiB
 * IOPTE of a HUGE_IOVA device, one multi-index entry spanning the whole
 * 1 MiB, as a real IOMMU writes one PTE for a huge page. Mock domains are
 * ordinary &struct iommu_domain objects with their own ops, so iommufd maps
 * and unmaps them through the 6.1 IOMMU core's iommu_map() and
 * iommu_unmap(), just as it does real domains.
 *
 * Besides storing translations, the mock checks how it is used: an unmap
 * must begin where some map began and end where some map ended (unless the
 * domain has 1 MiB pages, where the core itself splits calls), unmapping or
 * translating an unmapped IOVA warns, and so does freeing a domain that
 * still maps something. The selftests rely on these warnings staying quiet.
 *
 * A test can make a domain misbehave the way a buggy IOMMU driver might
 * (IOMMU_TEST_OP_MD_SHORT_UNMAP): stop an unmap short, leaving IOPTEs
 * behind. Such a domain is then excused from the checks those IOPTEs
 * would trip, and the core's report of the short unmap is expected
 * instead of warned about (iommufd_test_short_unmap_expected()).
 *
 * A test can also hold a domain's next map or unmap call
 * (IOMMU_TEST_OP_MD_HOLD): the call waits, with whatever locks iommufd
 * holds around it, until the test releases it, so that another thread
 * can look at the IOAS while a MAP or UNMAP is stopped at a known point.
 * The wait ends by itself after MOCK_HOLD_MAX_WAIT, or when the waiting
 * task is killed, so a test that dies cannot leave the IOAS stuck.
 */
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"
#include "selftest/mock.h"

#define MOCK_IO_PAGE_SIZE (PAGE_SIZE / 2)
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_IO_PAGE_SIZE)

/* Marker bits kept above the page frame in each entry. */
enum {
	MOCK_PFN_START_IOVA = 1UL << (BITS_PER_LONG - 2),
	MOCK_PFN_LAST_IOVA = 1UL << (BITS_PER_LONG - 3),
	MOCK_PFN_HUGE_IOVA = 1UL << (BITS_PER_LONG - 4),
	MOCK_PFN_MASK = MOCK_PFN_HUGE_IOVA - 1,
};

#define MOCK_HUGE_INDICES (MOCK_HUGE_PAGE_SIZE / MOCK_IO_PAGE_SIZE)

/*
 * The longest a held map or unmap waits for its release: far beyond the
 * bounded waits of the tests that hold calls, which release well before.
 */
#define MOCK_HOLD_MAX_WAIT (180 * HZ)

/* The physical address an entry gives @iova, which it covers. */
static phys_addr_t mock_entry_phys(void *ent, unsigned long iova)
{
	unsigned long val = xa_to_value(ent);

	if (val & MOCK_PFN_HUGE_IOVA)
		return (val & MOCK_PFN_MASK) * MOCK_IO_PAGE_SIZE +
		       iova % MOCK_HUGE_PAGE_SIZE;
	return (val & MOCK_PFN_MASK) * MOCK_IO_PAGE_SIZE +
	       iova % MOCK_IO_PAGE_SIZE;
}

/**
 * struct mock_dev - a device behind the mock IOMMU
 * @dev: the device, on the iommufd_mock bus
 * @flags: MOCK_FLAGS_DEVICE_*
 * @id: instance number, for the name
 * @cache: the per-device cache slots DEV_CHECK_CACHE reads
 */
struct mock_dev {
	struct device dev;
	u32 flags;
	int id;
	u32 cache[MOCK_DEV_CACHE_NUM];
};

/**
 * struct mock_iommu_domain - a mock paging domain
 * @domain: the generic domain
 * @pfns: IOVA / MOCK_IO_PAGE_SIZE → physical address / MOCK_IO_PAGE_SIZE
 *	plus MOCK_PFN_* markers, as xarray values; guarded by the xarray's
 *	own lock
 * @dirty_tracking: allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING, so only
 *	devices that can track dirty pages may attach
 * @short_lock: guards the short_* fields
 * @short_armed: unmaps stop once @short_left is used up
 * @short_left: bytes the domain still unmaps while @short_armed
 * @short_done: unmaps stopped short so far
 * @short_reported: how many of those the core has reported
 * @hold_lock: guards the hold_* fields but @hold_wq
 * @hold_armed: MOCK_HOLD_MAP / MOCK_HOLD_UNMAP: the next call of that kind
 *	waits for a release
 * @hold_waiting: calls waiting now
 * @hold_gen: counts releases; a waiting call goes on once it changes
 * @hold_wq: where held calls wait
 */
struct mock_iommu_domain {
	struct iommu_domain domain;
	struct xarray pfns;
	bool dirty_tracking;
	spinlock_t short_lock;	/* guards the short_* fields */
	bool short_armed;
	u64 short_left;
	unsigned int short_done;
	unsigned int short_reported;
	spinlock_t hold_lock;
	u32 hold_armed;
	u32 hold_waiting;
	unsigned long hold_gen;
	wait_queue_head_t hold_wq;
};

static struct bus_type iommufd_mock_bus_type = {
	.name = "iommufd_mock",
};

static DEFINE_IDA(mock_dev_ida);

static const struct iommu_domain_ops mock_domain_ops;

static struct mock_iommu_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_iommu_domain, domain);
}

bool is_mock_domain(struct iommu_domain *domain)
{
	return domain->ops == &mock_domain_ops;
}

static bool mock_hold_released(struct mock_iommu_domain *mock,
			       unsigned long gen)
{
	bool released;

	spin_lock(&mock->hold_lock);
	released = mock->hold_gen != gen;
	spin_unlock(&mock->hold_lock);
	return released;
}

/*
 * If the next call of @kind (MOCK_HOLD_MAP or MOCK_HOLD_UNMAP) is to be
 * held, this is it: wait for mock_domain_hold() to release it. The call
 * then goes on as usual, also after a timeout or a fatal signal.
 */
static void mock_domain_hold_point(struct mock_iommu_domain *mock, u32 kind)
{
	unsigned long gen;

	spin_lock(&mock->hold_lock);
	if (!(mock->hold_armed & kind)) {
		spin_unlock(&mock->hold_lock);
		return;
	}
	mock->hold_armed &= ~kind;
	mock->hold_waiting++;
	gen = mock->hold_gen;
	spin_unlock(&mock->hold_lock);

	wait_event_killable_timeout(mock->hold_wq,
				    mock_hold_released(mock, gen),
				    MOCK_HOLD_MAX_WAIT);

	spin_lock(&mock->hold_lock);
	mock->hold_waiting--;
	spin_unlock(&mock->hold_lock);
}

static int mock_domain_map_pages(struct iommu_domain *domain,
				 unsigned long iova, phys_addr_t paddr,
				 size_t pgsize, size_t pgcount, int prot,
				 gfp_t gfp, size_t *mapped)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	unsigned long start_iova = iova;
	size_t total = pgsize * pgcount;
	unsigned long index;
	size_t done;
	void *old;

	if (gfpflags_allow_blocking(gfp))
		mock_domain_hold_point(mock, MOCK_HOLD_MAP);

	if (pgsize == MOCK_HUGE_PAGE_SIZE) {
		/* One entry per huge IOPTE. */
		for (done = 0; done != total; done += pgsize) {
			index = (iova + done) / MOCK_IO_PAGE_SIZE;
			old = iommufd_should_fail() ?
				      XA_ERROR(-ENOENT) :
				      xa_store_range(&mock->pfns, index,
						     index + MOCK_HUGE_INDICES - 1,
						     xa_mk_value((paddr + done) /
								 MOCK_IO_PAGE_SIZE |
							 MOCK_PFN_HUGE_IOVA),
						     gfp);
			if (xa_is_err(old)) {
				for (; done; done -= pgsize)
					xa_erase(&mock->pfns,
						 (iova + done - pgsize) /
							 MOCK_IO_PAGE_SIZE);
				return xa_err(old);
			}
		}
		*mapped = total;
		return 0;
	}

	/* Markers record where this call began and ended. */
	for (done = 0; done != total; done += MOCK_IO_PAGE_SIZE) {
		unsigned long ent = (paddr + done) / MOCK_IO_PAGE_SIZE;

		if (!done)
			ent |= MOCK_PFN_START_IOVA;
		if (done + MOCK_IO_PAGE_SIZE == total)
			ent |= MOCK_PFN_LAST_IOVA;
		old = iommufd_should_fail() ?
			      XA_ERROR(-ENOENT) :
			      xa_store(&mock->pfns, (iova + done) /
							    MOCK_IO_PAGE_SIZE,
				       xa_mk_value(ent), gfp);
		if (xa_is_err(old)) {
			for (; done; done -= MOCK_IO_PAGE_SIZE)
				xa_erase(&mock->pfns,
					 (start_iova + done -
					  MOCK_IO_PAGE_SIZE) /
						 MOCK_IO_PAGE_SIZE);
			return xa_err(old);
		}
		WARN_ON(old);
	}
	*mapped = total;
	return 0;
}

static size_t mock_domain_unmap_pages(struct iommu_domain *domain,
				      unsigned long iova, size_t pgsize,
				      size_t pgcount,
				      struct iommu_iotlb_gather *gather)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	bool check = !(domain->pgsize_bitmap & MOCK_HUGE_PAGE_SIZE);
	size_t total = pgsize * pgcount;
	bool cut = false;
	size_t done;
	void *ent;

	mock_domain_hold_point(mock, MOCK_HOLD_UNMAP);

	/*
	 * An armed domain unmaps what its budget allows, in whole pages of
	 * this call, and then refuses; the core stops at the refusal.
	 */
	spin_lock(&mock->short_lock);
	if (mock->short_armed && total > mock->short_left) {
		total = round_down(mock->short_left, pgsize);
		cut = true;
		if (!total) {
			mock->short_armed = false;
			mock->short_done++;
			spin_unlock(&mock->short_lock);
			return 0;
		}
	}
	if (mock->short_armed)
		mock->short_left -= total;
	spin_unlock(&mock->short_lock);

	for (done = 0; done != total; done += MOCK_IO_PAGE_SIZE) {
		ent = xa_erase(&mock->pfns, (iova + done) / MOCK_IO_PAGE_SIZE);
		if (WARN_ON(!ent))
			continue;
		if (xa_to_value(ent) & MOCK_PFN_HUGE_IOVA) {
			/* A huge IOPTE goes whole; splitting it is a bug. */
			WARN_ON((iova + done) % MOCK_HUGE_PAGE_SIZE ||
				total - done < MOCK_HUGE_PAGE_SIZE);
			done += MOCK_HUGE_PAGE_SIZE - MOCK_IO_PAGE_SIZE;
			continue;
		}
		/*
		 * iommufd must unmap whole map calls, possibly several at
		 * once: every unmap starts on a map's first page and ends on
		 * a map's last.
		 */
		if (check && !done)
			WARN_ON(!(xa_to_value(ent) & MOCK_PFN_START_IOVA));
		if (check && !cut && done + MOCK_IO_PAGE_SIZE == total)
			WARN_ON(!(xa_to_value(ent) & MOCK_PFN_LAST_IOVA));
	}
	return total;
}

static phys_addr_t mock_domain_iova_to_phys(struct iommu_domain *domain,
					    dma_addr_t iova)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	void *ent;

	ent = xa_load(&mock->pfns, iova / MOCK_IO_PAGE_SIZE);
	if (WARN_ON(!ent))
		return 0;
	return mock_entry_phys(ent, iova);
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);

	/* What short unmaps left behind goes with the domain. */
	WARN_ON(!mock->short_done && !xa_empty(&mock->pfns));
	xa_destroy(&mock->pfns);
	kfree(mock);
}

static const struct iommu_domain_ops mock_domain_ops = {
	.map_pages = mock_domain_map_pages,
	.unmap_pages = mock_domain_unmap_pages,
	.iova_to_phys = mock_domain_iova_to_phys,
	.free = mock_domain_free,
};

/**
 * mock_domain_check_map() - read one translation of a mock domain
 * @domain: a mock domain
 * @iova: the IOVA
 * @paddr: out: the physical address it maps to
 *
 * Return: false if nothing is mapped there.
 */
bool mock_domain_check_map(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t *paddr)
{
	void *ent = xa_load(&to_mock_domain(domain)->pfns,
			    iova / MOCK_IO_PAGE_SIZE);

	if (!ent)
		return false;
	*paddr = mock_entry_phys(ent, iova);
	return true;
}

/**
 * mock_domain_short_unmap() - make a mock domain's unmaps stop short
 * @domain: a mock domain
 * @arm: from now on, unmap only @length more bytes, then refuse the rest
 *	of the unmap that reaches the limit, and go back to normal
 * @length: bytes, when @arm
 * @reported: out: how many short unmaps of the domain the core reported
 */
void mock_domain_short_unmap(struct iommu_domain *domain, bool arm,
			     u64 length, u32 *reported)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);

	spin_lock(&mock->short_lock);
	if (arm) {
		mock->short_armed = true;
		mock->short_left = length;
	}
	*reported = mock->short_reported;
	spin_unlock(&mock->short_lock);
}

/**
 * mock_domain_hold() - hold or release a mock domain's next map or unmap
 * @domain: a mock domain
 * @flags: MOCK_HOLD_RELEASE: let every held call go on, and forget what
 *	was armed; then MOCK_HOLD_MAP, MOCK_HOLD_UNMAP: hold the next call
 *	of that kind
 * @waiting: out: how many calls are held now (a released call counts
 *	until it has woken up)
 */
void mock_domain_hold(struct iommu_domain *domain, u32 flags, u32 *waiting)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	bool release = flags & MOCK_HOLD_RELEASE;

	spin_lock(&mock->hold_lock);
	if (release) {
		mock->hold_armed = 0;
		mock->hold_gen++;
	}
	mock->hold_armed |= flags & (MOCK_HOLD_MAP | MOCK_HOLD_UNMAP);
	*waiting = mock->hold_waiting;
	spin_unlock(&mock->hold_lock);
	if (release)
		wake_up_all(&mock->hold_wq);
}

/**
 * iommufd_test_short_unmap_expected() - was this short unmap injected?
 * @domain: the domain whose unmap stopped short
 *
 * Called by the core for each short unmap it sees; each one the mock made
 * on purpose is expected, and counted, once.
 *
 * Return: true if @domain is a mock domain with an injected short unmap
 * not reported yet.
 */
bool iommufd_test_short_unmap_expected(struct iommu_domain *domain)
{
	struct mock_iommu_domain *mock;
	bool expected = false;

	if (!is_mock_domain(domain))
		return false;
	mock = to_mock_domain(domain);
	spin_lock(&mock->short_lock);
	if (mock->short_reported < mock->short_done) {
		mock->short_reported++;
		expected = true;
	}
	spin_unlock(&mock->short_lock);
	return expected;
}

struct mock_dev *to_mock_dev(struct device *dev)
{
	if (dev->bus != &iommufd_mock_bus_type)
		return NULL;
	return container_of(dev, struct mock_dev, dev);
}

#define MOCK_HWPT_ALLOC_FLAGS                                             \
	(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING)

/* An empty mock paging domain with page sizes @pgsize_bitmap. */
static struct mock_iommu_domain *mock_domain_new(unsigned long pgsize_bitmap)
{
	struct mock_iommu_domain *mock;

	mock = kzalloc(sizeof(*mock), GFP_KERNEL_ACCOUNT);
	if (!mock)
		return NULL;
	xa_init(&mock->pfns);
	spin_lock_init(&mock->short_lock);
	spin_lock_init(&mock->hold_lock);
	init_waitqueue_head(&mock->hold_wq);
	mock->domain.type = IOMMU_DOMAIN_UNMANAGED;
	mock->domain.ops = &mock_domain_ops;
	mock->domain.pgsize_bitmap = pgsize_bitmap;
	mock->domain.geometry.aperture_start = MOCK_APERTURE_START;
	mock->domain.geometry.aperture_end = MOCK_APERTURE_LAST;
	mock->domain.geometry.force_aperture = true;
	return mock;
}

/**
 * mock_domain_alloc_like() - a new, empty mock domain like another
 * @model: a mock domain
 *
 * The new domain has @model's page sizes, and so takes the same IOPTEs
 * for the same calls; it belongs to no HW pagetable and no device. Free
 * it with iommu_domain_free().
 *
 * Return: the domain, or NULL if out of memory.
 */
struct iommu_domain *mock_domain_alloc_like(struct iommu_domain *model)
{
	struct mock_iommu_domain *mock = mock_domain_new(model->pgsize_bitmap);

	return mock ? &mock->domain : NULL;
}

static struct iommu_domain *mock_dev_domain_alloc(struct iommufd_device *idev,
						  u32 flags)
{
	struct mock_dev *mdev = to_mock_dev(idev->dev);
	unsigned long pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	struct mock_iommu_domain *mock;

	if (flags & ~MOCK_HWPT_ALLOC_FLAGS)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);

	if (mdev->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	mock = mock_domain_new(pgsize_bitmap);
	if (!mock)
		return ERR_PTR(-ENOMEM);
	mock->dirty_tracking = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	return &mock->domain;
}

/*
 * The mock needs no hardware programming: the domain is the translation.
 * Only a device without dirty tracking cannot use a domain that tracks.
 */
static int mock_dev_attach(struct iommufd_device *idev,
			   struct iommu_domain *domain)
{
	struct mock_dev *mdev = to_mock_dev(idev->dev);

	if (to_mock_domain(domain)->dirty_tracking &&
	    (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

static int mock_dev_replace(struct iommufd_device *idev,
			    struct iommu_domain *old, struct iommu_domain *new)
{
	return mock_dev_attach(idev, new);
}

static void mock_dev_detach(struct iommufd_device *idev,
			    struct iommu_domain *domain)
{
}

/*
 * The GET_HW_INFO answer of upstream's mock IOMMU: its own type with a
 * test register value, dirty tracking unless the device was made without
 * it, no ATS, and a PASID width for PASID devices.
 */
static int mock_dev_hw_info(struct iommufd_device *idev,
			    struct iommufd_hw_info *info)
{
	struct mock_dev *mdev = to_mock_dev(idev->dev);
	struct iommu_test_hw_info *data;

	if (info->type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    info->type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return -EOPNOTSUPP;

	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	data->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;

	info->type = IOMMU_HW_INFO_TYPE_SELFTEST;
	info->data = data;
	info->len = sizeof(*data);
	info->capabilities = IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	if (!(mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		info->capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	if (mdev->flags & MOCK_FLAGS_DEVICE_PASID)
		info->max_pasid_log2 = MOCK_PASID_WIDTH;
	return 0;
}

/*
 * A RESV_REGIONS device has what an x86 device behind a real IOMMU often
 * has: an MSI window, and a relaxable direct-mapped region (a USB or
 * graphics RMRR) that VFIO does not keep out of the IOVA space.
 */
static int mock_dev_get_resv_regions(struct iommufd_device *idev,
				     struct list_head *list)
{
	static const struct {
		u64 start;
		u64 last;
		enum iommu_resv_type type;
	} regions[] = {
		{ MOCK_RESV_MSI_START, MOCK_RESV_MSI_LAST, IOMMU_RESV_MSI },
		{ MOCK_RESV_RELAXABLE_START, MOCK_RESV_RELAXABLE_LAST,
		  IOMMU_RESV_DIRECT_RELAXABLE },
	};
	struct mock_dev *mdev = to_mock_dev(idev->dev);
	struct iommu_resv_region *region;
	unsigned int i;

	if (!(mdev->flags & MOCK_FLAGS_DEVICE_RESV_REGIONS))
		return 0;
	for (i = 0; i != ARRAY_SIZE(regions); i++) {
		region = iommu_alloc_resv_region(regions[i].start,
						 regions[i].last -
							 regions[i].start + 1,
						 IOMMU_READ | IOMMU_WRITE,
						 regions[i].type, GFP_KERNEL);
		if (!region)
			return -ENOMEM;
		list_add_tail(&region->list, list);
	}
	return 0;
}

const struct iommufd_dev_ops mock_dev_ops = {
	.domain_alloc = mock_dev_domain_alloc,
	.attach = mock_dev_attach,
	.replace = mock_dev_replace,
	.detach = mock_dev_detach,
	.hw_info = mock_dev_hw_info,
	.nested_data_type = IOMMU_HWPT_DATA_SELFTEST,
	.viommu_type = IOMMU_VIOMMU_TYPE_SELFTEST,
	.get_resv_regions = mock_dev_get_resv_regions,
};

static void mock_dev_release(struct device *dev)
{
	struct mock_dev *mdev = container_of(dev, struct mock_dev, dev);

	ida_free(&mock_dev_ida, mdev->id);
	kfree(mdev);
}

/**
 * mock_dev_create() - add a device to the mock bus
 * @dev_flags: MOCK_FLAGS_DEVICE_*
 *
 * Return: the device or an ERR_PTR.
 */
struct mock_dev *mock_dev_create(u32 dev_flags)
{
	struct mock_dev *mdev;
	unsigned int i;
	int rc;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	mdev->flags = dev_flags;
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		mdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	rc = ida_alloc(&mock_dev_ida, GFP_KERNEL);
	if (rc < 0) {
		kfree(mdev);
		return ERR_PTR(rc);
	}
	mdev->id = rc;

	device_initialize(&mdev->dev);
	mdev->dev.release = mock_dev_release;
	mdev->dev.bus = &iommufd_mock_bus_type;
	rc = dev_set_name(&mdev->dev, "iommufd_mock%d", mdev->id);
	if (!rc)
		rc = device_add(&mdev->dev);
	if (rc) {
		put_device(&mdev->dev);
		return ERR_PTR(rc);
	}
	return mdev;
}

void mock_dev_destroy(struct mock_dev *mdev)
{
	device_unregister(&mdev->dev);
}

struct device *mock_dev_device(struct mock_dev *mdev)
{
	return &mdev->dev;
}

u32 mock_dev_cache(struct mock_dev *mdev, unsigned int slot)
{
	return mdev->cache[slot];
}

int mock_bus_init(void)
{
	return bus_register(&iommufd_mock_bus_type);
}

void mock_bus_exit(void)
{
	bus_unregister(&iommufd_mock_bus_type);
}
