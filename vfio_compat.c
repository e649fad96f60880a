// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO type1 on iommufd: one implementation of the type1 rules, behind
 * two doors.
 *
 * The first door is a VFIO container (/dev/vfio/vfio), served by
 * iommufd_vfio.ko: a context of its own, with no file and one IOAS,
 * whose VFIO_IOMMU_* ioctls are answered with vfio_iommu_type1's rules as
 * its users see them. iommufd_vfio.ko registers these functions with
 * VFIO, so this file needs nothing from vfio.ko itself.
 *
 * The second door is the /dev/iommu file itself, as in upstream iommufd:
 * requests numbered below the iommufd commands are VFIO container ioctls
 * on the context's compat IOAS, chosen with IOMMU_VFIO_IOAS. There the
 * rules are upstream iommufd's where they differ from type1's.
 *
 * Both doors parse a request and run it with the same code, on a &struct
 * iommufd_type1; what differs between them is data, one &struct
 * iommufd_type1_rules each (iommufd_type1_vfio, iommufd_type1_iommufd).
 *
 * In a container each VFIO mapping is one area of the IOAS: MAP_DMA makes
 * exactly one and UNMAP_DMA removes whole ones, so type1's mapping rules
 * are checked against the area tree. A group with a real IOMMU is bound
 * as a device of the context and attached to the IOAS, which gives it an
 * automatic HWPT (shared with every other group whose IOMMU can use the
 * same domain) filled with every mapping. Emulated (mdev) groups share
 * one access; vfio_pin_pages() pins through it, page by page, and the
 * pins are counted per IOVA page so that unpins of pages that were never
 * pinned, which some drivers do, are ignored as type1 ignores them.
 *
 * Locking: a container's @lock serialises everything that changes the
 * container (its requests, groups, the access). It is held while UNMAP
 * waits for the drivers' dma_unmap callbacks, which is safe because
 * nothing a driver calls from there, or while holding its own locks,
 * takes it: pin, unpin and dma_rw only take @pin_lock and iommufd's own
 * locks. Requests through /dev/iommu take no lock of their own: they
 * hold a reference on the compat IOAS and rely on its locking, as the
 * IOAS ioctls do, which is why only the container door checks a request
 * against the area tree before it runs.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>
#include <uapi/linux/vfio.h>

#include "iommufd_private.h"
#include "iommufd_trace.h"

/* type1 writes dirty bitmaps of at most this many bytes at once. */
#define IOMMUFD_VFIO_MAX_DIRTY_BITMAP	(256UL << 20)

/* --- The type1 rules ---------------------------------------------------- */

/**
 * enum iommufd_type1_cut - UNMAP_DMA of a range a mapping sticks out of
 * @IOMMUFD_TYPE1_CUT_REFUSE: EINVAL, nothing is unmapped (type1's TYPE1v2)
 * @IOMMUFD_TYPE1_CUT_WHOLE: a mapping that starts in the range goes whole;
 *	one that starts before it makes the request succeed with nothing
 *	unmapped (type1's TYPE1)
 * @IOMMUFD_TYPE1_CUT_SPLIT: the mappings are split at the ends of the
 *	range and only what is inside goes (upstream iommufd with large
 *	pages disabled, which is what its TYPE1 does)
 * @IOMMUFD_TYPE1_CUT_ENOENT: the IOAS's own rule: what lies before such a
 *	mapping is unmapped, then ENOENT (upstream iommufd otherwise)
 */
enum iommufd_type1_cut {
	IOMMUFD_TYPE1_CUT_REFUSE,
	IOMMUFD_TYPE1_CUT_WHOLE,
	IOMMUFD_TYPE1_CUT_SPLIT,
	IOMMUFD_TYPE1_CUT_ENOENT,
};

/**
 * struct iommufd_type1_rules - what a door makes of the type1 requests
 * @type1_checks: MAP_DMA and UNMAP_DMA check their arguments as
 *	vfio_iommu_type1 does, in its order and with its errnos, before the
 *	IOAS sees them: permission, alignment to the smallest IOMMU page and
 *	wrap-around (EINVAL), then overlap (EEXIST), the mapping limit
 *	(ENOSPC) and reserved IOVA (EINVAL). Without, the IOAS's own checks
 *	and errnos decide, as in upstream iommufd
 * @dma_limit: mappings are counted (&iommufd_type1.dma_count) against
 *	&iommufd_type1.dma_limit, and GET_INFO's DMA_AVAIL reports what is
 *	left; without, DMA_AVAIL says U32_MAX
 * @dirty: dirty tracking: DIRTY_PAGES, UNMAP_DMA's GET_DIRTY_BITMAP and
 *	GET_INFO's MIGRATION capability
 * @size_on_error: UNMAP_DMA writes back the size it unmapped also when
 *	the IOAS's unmap fails part way
 * @cut: what UNMAP_DMA does with a mapping that sticks out of its range:
 *	[0] with TYPE1, [1] with TYPE1v2 (see &iommufd_type1.v2)
 * @cap_align: GET_INFO's capabilities start on multiples of this
 * @iova_cap_always: GET_INFO has an IOVA_RANGE capability also while no
 *	IOMMU domain is attached (type1 has none then)
 * @caps_partial: a GET_INFO buffer too small for the whole chain gets the
 *	capabilities that fit whole, and VFIO_IOMMU_INFO_CAPS only with all
 *	of them; without, it gets none of them, but the flag
 * @info_to_argsz: GET_INFO copies the info struct back up to argsz, also
 *	into the middle of cap_offset or the padding after it; without, up
 *	to the end of iova_pgsizes or, with room for it, cap_offset (type1)
 */
struct iommufd_type1_rules {
	bool type1_checks;
	bool dma_limit;
	bool dirty;
	bool size_on_error;
	enum iommufd_type1_cut cut[2];
	unsigned int cap_align;
	bool iova_cap_always;
	bool caps_partial;
	bool info_to_argsz;
};

/* The container door: vfio_iommu_type1 as its users see it. */
static const struct iommufd_type1_rules iommufd_type1_vfio = {
	.type1_checks = true,
	.dma_limit = true,
	.dirty = true,
	.cut = { IOMMUFD_TYPE1_CUT_WHOLE, IOMMUFD_TYPE1_CUT_REFUSE },
	/* VFIO's capability helper of 6.1 packs them back to back. */
	.cap_align = 1,
};

/* The /dev/iommu door: upstream iommufd's VFIO compatibility. */
static const struct iommufd_type1_rules iommufd_type1_iommufd = {
	.size_on_error = true,
	.cut = { IOMMUFD_TYPE1_CUT_SPLIT, IOMMUFD_TYPE1_CUT_ENOENT },
	.cap_align = sizeof(u64),
	.iova_cap_always = true,
	.caps_partial = true,
	.info_to_argsz = true,
};

/**
 * struct iommufd_type1 - what a VFIO request acts on
 * @rules: its door's rules
 * @lock: what serialises the requests (a container's lock), NULL for
 *	/dev/iommu, whose requests rely on the IOAS's own locking
 * @ictx: the context that mappings are made through and charged by
 * @ioas: the IOAS; referenced, for as long as this exists
 * @v2: TYPE1v2 rules rather than TYPE1: a container's type, constant; on
 *	/dev/iommu, large pages enabled in @ioas (VFIO_SET_IOMMU of TYPE1
 *	disables them), read when the request starts
 * @dma_limit: with &iommufd_type1_rules.dma_limit, how many mappings
 *	MAP_DMA may make; constant
 * @dma_count: with &iommufd_type1_rules.dma_limit, how many areas the IOAS
 *	has; IOMMU_* commands on a container (which may exceed the limit)
 *	count them again when they are done
 * @dirty_tracking: with &iommufd_type1_rules.dirty,
 *	VFIO_IOMMU_DIRTY_PAGES_FLAG_START is in force
 *
 * @dma_count and @dirty_tracking are guarded by @lock, and only exist
 * where there is one.
 */
struct iommufd_type1 {
	const struct iommufd_type1_rules *rules;
	struct mutex *lock;	/* serialises requests; NULL on /dev/iommu */
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	bool v2;
	unsigned int dma_limit;
	unsigned int dma_count;
	bool dirty_tracking;
};

static void iommufd_type1_assert_held(struct iommufd_type1 *t1)
{
	if (t1->lock)
		lockdep_assert_held(t1->lock);
}

/*
 * The IOMMU page sizes of the IOAS: those every attached domain has, with
 * sizes below PAGE_SIZE hidden and PAGE_SIZE shown instead, as type1
 * reports them; PAGE_MASK with no domain. The table keeps the bitmap up
 * to date as domains come and go; read without a lock, it is as current
 * as a value read under domains_rwsem is once the lock is dropped.
 */
static unsigned long iommufd_type1_pgsize_bitmap(struct iommufd_ioas *ioas)
{
	unsigned long bitmap = READ_ONCE(ioas->iopt.pgsize_bitmap);

	if (bitmap & ~PAGE_MASK) {
		bitmap &= PAGE_MASK;
		bitmap |= PAGE_SIZE;
	}
	return bitmap;
}

/* The smallest of them, which type1 wants every IOVA and size aligned to. */
static unsigned long iommufd_type1_pgsize(struct iommufd_ioas *ioas)
{
	return 1UL << __ffs(iommufd_type1_pgsize_bitmap(ioas));
}

/*
 * The first area that intersects [@start, @last], or NULL; the IOVA lock
 * must be held.
 */
static struct iopt_area *
__iommufd_type1_first_area(struct iommufd_ioas *ioas, unsigned long start,
			   unsigned long last)
{
	lockdep_assert_held(&ioas->iopt.iova_rwsem);
	return iopt_area_first(&ioas->iopt.area_itree, start, last);
}

/*
 * The first area that intersects [@start, @last], as (iova, length), or
 * false if there is none.
 */
static bool iommufd_type1_first_area(struct iommufd_ioas *ioas,
				     unsigned long start, unsigned long last,
				     unsigned long *iova, unsigned long *length)
{
	struct iopt_area *area;

	down_read(&ioas->iopt.iova_rwsem);
	area = __iommufd_type1_first_area(ioas, start, last);
	if (area) {
		*iova = iopt_area_iova(area);
		*length = iopt_area_length(area);
	}
	up_read(&ioas->iopt.iova_rwsem);
	return area;
}

/* How many areas intersect [@start, @last]; the IOVA lock must be held. */
static unsigned int __iommufd_type1_count_areas(struct iommufd_ioas *ioas,
						unsigned long start,
						unsigned long last)
{
	struct iopt_area *area;
	unsigned int count = 0;

	lockdep_assert_held(&ioas->iopt.iova_rwsem);
	for_each_iopt_area(area, &ioas->iopt.area_itree, start, last)
		count++;
	return count;
}

/* How many areas intersect [@start, @last]. */
static unsigned int iommufd_type1_count_areas(struct iommufd_ioas *ioas,
					      unsigned long start,
					      unsigned long last)
{
	unsigned int count;

	down_read(&ioas->iopt.iova_rwsem);
	count = __iommufd_type1_count_areas(ioas, start, last);
	up_read(&ioas->iopt.iova_rwsem);
	return count;
}

/*
 * Unmap every area within [@start, @last], of which there were @before,
 * taking from @dma_count what was unmapped, also when the unmap stops
 * part way.
 */
static int __iommufd_type1_unmap_range(struct iommufd_type1 *t1,
				       unsigned long start, unsigned long last,
				       unsigned int before,
				       unsigned long *unmapped)
{
	struct io_pagetable *iopt = &t1->ioas->iopt;
	int rc;

	iommufd_type1_assert_held(t1);

	if (!start && last == ULONG_MAX)
		rc = iopt_unmap_all(iopt, unmapped);
	else
		rc = iopt_unmap_iova(iopt, start, last - start + 1, unmapped);
	/*
	 * An unmap that succeeds leaves no area in the range; only one that
	 * stops part way needs to count what is left.
	 */
	if (t1->rules->dma_limit)
		t1->dma_count -= before -
				 (rc ? iommufd_type1_count_areas(t1->ioas, start,
								 last) : 0);
	return rc;
}

/* As __iommufd_type1_unmap_range(), counting the areas itself. */
static int iommufd_type1_unmap_range(struct iommufd_type1 *t1,
				     unsigned long start, unsigned long last,
				     unsigned long *unmapped)
{
	unsigned int before = 0;

	if (t1->rules->dma_limit)
		before = iommufd_type1_count_areas(t1->ioas, start, last);
	return __iommufd_type1_unmap_range(t1, start, last, before, unmapped);
}

/* --- Containers --------------------------------------------------------- */

/**
 * struct iommufd_vfio_group - a group in a container
 * @node: in &iommufd_vfio_container.groups
 * @group: the IOMMU group; referenced
 * @idev: its DEVICE object for a real IOMMU group, NULL for an emulated
 *	one
 */
struct iommufd_vfio_group {
	struct list_head node;
	struct iommu_group *group;
	struct iommufd_device *idev;
};

/**
 * struct iommufd_vfio_container - what a VFIO container is here
 * @t1: the type1 state its requests run on: its private context, its one
 *	IOAS, its type; the rules are &iommufd_type1_vfio, @t1.lock is @lock
 * @ops: the registrar's callbacks; constant
 * @data: their argument; constant
 * @lock: guards every field below it but @pins, and the mutable fields
 *	of @t1
 * @groups: &struct iommufd_vfio_group
 * @num_real: groups with a real IOMMU
 * @num_emulated: emulated groups
 * @access: the access of the emulated groups, while there are any;
 *	readable under @pin_lock too
 * @pin_lock: guards @pins and the use of @access by pin and unpin
 * @pins: pins taken through vfio_pin_pages(), by IOVA page: a value
 *	entry holding the count
 * @debugfs: the container's file in debugfs (vfio_debugfs.c); constant
 */
struct iommufd_vfio_container {
	struct iommufd_type1 t1;
	const struct iommufd_vfio_ops *ops;
	void *data;

	struct mutex lock;	/* guards the fields up to @pin_lock, t1 */
	struct list_head groups;
	unsigned int num_real;
	unsigned int num_emulated;
	struct iommufd_access *access;

	struct mutex pin_lock;	/* guards pins; access for pin and unpin */
	struct xarray pins;

	struct dentry *debugfs;
};

/* The extensions whose answer does not depend on an IOAS. */
static int iommufd_type1_extension(unsigned long ext)
{
	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	default:
		/*
		 * Not TYPE1_NESTING: 6.1's x86 IOMMUs cannot nest anyway. Not
		 * UPDATE_VADDR, which neither door offers.
		 */
		return 0;
	}
}

/*
 * VFIO_DMA_CC_IOMMU: does every domain of the IOAS keep DMA coherent?
 * Vacuously so for none. The domains of the IOAS's groups are its
 * automatic HWPTs.
 */
static int iommufd_type1_cc(struct iommufd_ioas *ioas)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc = 1;

	mutex_lock(&ioas->mutex);
	list_for_each_entry(hwpt, &ioas->hwpt_list, hwpt_item)
		if (!hwpt->enforce_cache_coherency)
			rc = 0;
	mutex_unlock(&ioas->mutex);
	return rc;
}

/**
 * iommufd_vfio_check_extension() - answer VFIO_CHECK_EXTENSION
 * @ctr: the container, or NULL when VFIO probes a container that has no
 *	IOMMU driver yet
 * @ext: the extension
 *
 * Return: 1 for what is supported, 0 for anything else, never an error:
 * QEMU and KVM take a negative answer for a yes.
 */
int iommufd_vfio_check_extension(struct iommufd_vfio_container *ctr,
				 unsigned long ext)
{
	if (ext == VFIO_DMA_CC_IOMMU)
		return ctr ? iommufd_type1_cc(ctr->t1.ioas) : 0;
	return iommufd_type1_extension(ext);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_check_extension, IOMMUFD);

/**
 * iommufd_vfio_container_alloc() - make an empty container
 * @type: VFIO_TYPE1_IOMMU or VFIO_TYPE1v2_IOMMU
 * @dma_entry_limit: how many mappings it may hold
 * @ops: callbacks; @ops->dma_unmap is required
 * @data: their argument
 *
 * The container charges pins to the mapping process's locked_vm, checked
 * against its RLIMIT_MEMLOCK unless it holds CAP_IPC_LOCK, as type1 does.
 *
 * Return: the container, ERR_PTR(-EINVAL) for another type, or
 * ERR_PTR(-ENOMEM).
 */
struct iommufd_vfio_container *
iommufd_vfio_container_alloc(unsigned long type, unsigned int dma_entry_limit,
			     const struct iommufd_vfio_ops *ops, void *data)
{
	struct iommufd_vfio_container *ctr;
	struct iommufd_ctx *ictx;
	int rc;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return ERR_PTR(-EINVAL);
	if (WARN_ON(!ops || !ops->dma_unmap))
		return ERR_PTR(-EINVAL);

	ctr = kzalloc(sizeof(*ctr), GFP_KERNEL_ACCOUNT);
	if (!ctr)
		return ERR_PTR(-ENOMEM);
	ictx = iommufd_ctx_alloc();
	if (!ictx) {
		rc = -ENOMEM;
		goto err_free;
	}
	ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
	ictx->vfio_container = true;
	ctr->t1.ioas = iommufd_ioas_alloc(ictx);
	if (IS_ERR(ctr->t1.ioas)) {
		rc = PTR_ERR(ctr->t1.ioas);
		goto err_ctx;
	}
	/* The container's own: IOMMU_DESTROY through its fd is EBUSY. */
	refcount_inc(&ctr->t1.ioas->obj.users);
	iommufd_object_finalize(ictx, &ctr->t1.ioas->obj);
	ictx->vfio_ioas = ctr->t1.ioas;

	ctr->t1.rules = &iommufd_type1_vfio;
	ctr->t1.lock = &ctr->lock;
	ctr->t1.ictx = ictx;
	ctr->t1.v2 = type == VFIO_TYPE1v2_IOMMU;
	ctr->t1.dma_limit = dma_entry_limit;
	ctr->ops = ops;
	ctr->data = data;
	mutex_init(&ctr->lock);
	INIT_LIST_HEAD(&ctr->groups);
	mutex_init(&ctr->pin_lock);
	xa_init(&ctr->pins);
	ctr->debugfs = iommufd_vfio_debugfs_add(ctr);
	return ctr;

err_ctx:
	iommufd_ctx_free(ictx);
err_free:
	kfree(ctr);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_alloc, IOMMUFD);

/*
 * Remove every mapping; called when the last group leaves. The container's
 * lock keeps anyone else from changing the IOAS, so failing here means a
 * driver kept its pins.
 */
static void iommufd_vfio_unmap_all(struct iommufd_vfio_container *ctr)
{
	lockdep_assert_held(&ctr->lock);

	WARN_ON(iommufd_type1_unmap_range(&ctr->t1, 0, ULONG_MAX, NULL));
}

/**
 * iommufd_vfio_container_destroy() - free a container
 * @ctr: the container
 *
 * Works from any process, also after the mapping process has gone: pins
 * are released and uncharged from the process that made them.
 */
void iommufd_vfio_container_destroy(struct iommufd_vfio_container *ctr)
{
	struct iommufd_vfio_group *vgroup, *next;

	/* First: a read of these files in progress takes the IOAS's locks. */
	iommufd_vfio_debugfs_remove(ctr->debugfs);
	iommufd_ctx_debugfs_remove(ctr->t1.ictx);
	list_for_each_entry_safe(vgroup, next, &ctr->groups, node)
		iommufd_vfio_container_detach_group(ctr, vgroup->group);
	mutex_lock(&ctr->lock);
	iommufd_vfio_unmap_all(ctr);
	mutex_unlock(&ctr->lock);

	refcount_dec(&ctr->t1.ioas->obj.users);
	iommufd_ctx_destroy_objects(ctr->t1.ictx);
	iommufd_ctx_free(ctr->t1.ictx);
	WARN_ON(!xa_empty(&ctr->pins));
	xa_destroy(&ctr->pins);
	mutex_destroy(&ctr->pin_lock);
	mutex_destroy(&ctr->lock);
	kfree(ctr);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_destroy, IOMMUFD);

/* The container's IOAS, for the debugfs view; constant. */
struct iommufd_ioas *
iommufd_vfio_container_ioas(struct iommufd_vfio_container *ctr)
{
	return ctr->t1.ioas;
}

/* --- Emulated groups: the shared access ------------------------------- */

static void iommufd_vfio_access_unmap(void *data, unsigned long iova,
				      unsigned long length)
{
	struct iommufd_vfio_container *ctr = data;

	ctr->ops->dma_unmap(ctr->data, iova, length);
}

static const struct iommufd_access_ops iommufd_vfio_access_ops = {
	.needs_pin_pages = 1,
	.unmap = iommufd_vfio_access_unmap,
};

static int iommufd_vfio_access_get(struct iommufd_vfio_container *ctr)
{
	struct iommufd_access *access;
	u32 id;
	int rc;

	lockdep_assert_held(&ctr->lock);

	if (ctr->access)
		return 0;
	access = iommufd_access_create(ctr->t1.ictx, &iommufd_vfio_access_ops,
				       ctr, &id);
	if (IS_ERR(access))
		return PTR_ERR(access);
	rc = iommufd_access_attach(access, ctr->t1.ioas->obj.id);
	if (rc) {
		iommufd_access_destroy(access);
		return rc;
	}
	mutex_lock(&ctr->pin_lock);
	ctr->access = access;
	mutex_unlock(&ctr->pin_lock);
	return 0;
}

/* Undo one pin of each page in [@iova, @iova + @npage pages). */
static void __iommufd_vfio_unpin(struct iommufd_vfio_container *ctr,
				 unsigned long iova, unsigned long npage)
{
	unsigned long i;

	lockdep_assert_held(&ctr->pin_lock);

	for (i = 0; i < npage; i++) {
		unsigned long index = (iova >> PAGE_SHIFT) + i;
		void *ent = xa_load(&ctr->pins, index);
		unsigned long count;

		/* Not pinned: type1 ignores it, so do we. */
		if (!ent)
			continue;
		count = xa_to_value(ent) - 1;
		if (count)
			xa_store(&ctr->pins, index, xa_mk_value(count),
				 GFP_KERNEL);
		else
			xa_erase(&ctr->pins, index);
		iommufd_access_unpin_pages(ctr->access, index << PAGE_SHIFT,
					   PAGE_SIZE);
	}
}

/* The last emulated group left: drop the access, and any pins left. */
static void iommufd_vfio_access_put(struct iommufd_vfio_container *ctr)
{
	struct iommufd_access *access = ctr->access;
	unsigned long index;
	void *ent;

	lockdep_assert_held(&ctr->lock);

	mutex_lock(&ctr->pin_lock);
	xa_for_each(&ctr->pins, index, ent) {
		/* The driver's close_device should have unpinned these. */
		pr_warn_once("a VFIO driver left pages pinned; unpinning them\n");
		while (xa_load(&ctr->pins, index))
			__iommufd_vfio_unpin(ctr, index << PAGE_SHIFT, 1);
	}
	ctr->access = NULL;
	mutex_unlock(&ctr->pin_lock);
	iommufd_access_destroy(access);
}

/* --- Groups ------------------------------------------------------------ */

static struct iommufd_vfio_group *
iommufd_vfio_find_group(struct iommufd_vfio_container *ctr,
			struct iommu_group *group)
{
	struct iommufd_vfio_group *vgroup;

	lockdep_assert_held(&ctr->lock);

	list_for_each_entry(vgroup, &ctr->groups, node)
		if (vgroup->group == group)
			return vgroup;
	return NULL;
}

/**
 * iommufd_vfio_container_attach_group() - put a group in a container
 * @ctr: the container
 * @group: the group; VFIO owns its DMA
 * @emulated: the group has no IOMMU (an mdev-style device)
 *
 * A real group attaches to the IOAS and from then on translates through
 * a domain holding every mapping. An emulated group only makes pinning
 * possible.
 *
 * Return: 0; EINVAL if the group is in the container already, or if a
 * reserved region of its IOMMU (or its aperture) holds an existing
 * mapping; EPERM without interrupt isolation (see the
 * allow_unsafe_interrupts parameter); the IOMMU driver's errors; ENOMEM.
 */
int iommufd_vfio_container_attach_group(struct iommufd_vfio_container *ctr,
					struct iommu_group *group,
					bool emulated)
{
	struct iommufd_vfio_group *vgroup;
	u32 dev_id, pt_id;
	int rc;

	vgroup = kzalloc(sizeof(*vgroup), GFP_KERNEL_ACCOUNT);
	if (!vgroup)
		return -ENOMEM;

	mutex_lock(&ctr->lock);
	if (iommufd_vfio_find_group(ctr, group)) {
		rc = -EINVAL;
		goto err_unlock;
	}
	if (emulated) {
		rc = iommufd_vfio_access_get(ctr);
		if (rc)
			goto err_unlock;
		ctr->num_emulated++;
	} else {
		vgroup->idev = iommufd_device_bind_group(ctr->t1.ictx, group,
							 &dev_id);
		if (IS_ERR(vgroup->idev)) {
			rc = PTR_ERR(vgroup->idev);
			goto err_unlock;
		}
		pt_id = ctr->t1.ioas->obj.id;
		rc = iommufd_device_attach(vgroup->idev, &pt_id);
		if (rc) {
			iommufd_device_unbind(vgroup->idev);
			/* type1 says EINVAL when a reserved region is mapped. */
			if (rc == -EADDRINUSE)
				rc = -EINVAL;
			goto err_unlock;
		}
		ctr->num_real++;
	}
	vgroup->group = group;
	iommu_group_ref_get(group);
	list_add_tail(&vgroup->node, &ctr->groups);
	mutex_unlock(&ctr->lock);
	return 0;

err_unlock:
	mutex_unlock(&ctr->lock);
	kfree(vgroup);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_attach_group, IOMMUFD);

/**
 * iommufd_vfio_container_detach_group() - take a group out of a container
 * @ctr: the container
 * @group: a group attached with iommufd_vfio_container_attach_group()
 *
 * A real group is back in VFIO's blocking domain when this returns. When
 * the last group leaves, every mapping goes, as with type1.
 */
void iommufd_vfio_container_detach_group(struct iommufd_vfio_container *ctr,
					 struct iommu_group *group)
{
	struct iommufd_vfio_group *vgroup;

	mutex_lock(&ctr->lock);
	vgroup = iommufd_vfio_find_group(ctr, group);
	if (WARN_ON(!vgroup))
		goto out_unlock;
	list_del(&vgroup->node);
	if (vgroup->idev) {
		iommufd_device_detach(vgroup->idev);
		iommufd_device_unbind(vgroup->idev);
		ctr->num_real--;
	} else if (!--ctr->num_emulated) {
		iommufd_vfio_access_put(ctr);
	}
	if (list_empty(&ctr->groups))
		iommufd_vfio_unmap_all(ctr);
	iommu_group_put(vgroup->group);
	kfree(vgroup);
out_unlock:
	mutex_unlock(&ctr->lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_detach_group, IOMMUFD);

/* --- Pinning for emulated devices -------------------------------------- */

/*
 * Is [@iova, @last] wholly mapped with at least @prot, and, with
 * @own_mm, mapped by the calling process (unless it is a kthread)?
 * type1's order: EINVAL for an IOVA outside every mapping, EPERM for too
 * little permission, EFAULT for another process's memory.
 */
static int iommufd_vfio_check_prot(struct iommufd_vfio_container *ctr,
				   unsigned long iova, unsigned long last,
				   int prot, bool own_mm)
{
	struct io_pagetable *iopt = &ctr->t1.ioas->iopt;
	struct iopt_area_contig_iter iter;
	bool perm = true, mine = true;
	struct iopt_area *area;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	iopt_for_each_contig_area(&iter, area, iopt, iova, last) {
		if ((area->iommu_prot & prot) != prot)
			perm = false;
		if (own_mm && current->mm &&
		    area->pages->source_mm != current->mm)
			mine = false;
	}
	if (!iter.done)
		rc = -EINVAL;
	else if (!perm)
		rc = -EPERM;
	else if (!mine)
		rc = -EFAULT;
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iommufd_vfio_container_pin_pages() - vfio_pin_pages() for a container
 * @ctr: the container
 * @group: the calling device's (emulated) group
 * @iova: first IOVA; the page it falls in is the first pinned
 * @npage: pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES (VFIO checks)
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pages: out: the pages
 *
 * Each page is pinned once more per call; iommufd_vfio_container_unpin_pages()
 * undoes one pin per page.
 *
 * Return: @npage; EACCES on a TYPE1 (v1) container, as type1; EINVAL if
 * the container has no emulated group or a page is not mapped; EPERM if
 * a mapping does not allow @prot; EFAULT or ENOMEM from pinning. On
 * failure nothing stays pinned and @pages is cleared.
 */
int iommufd_vfio_container_pin_pages(struct iommufd_vfio_container *ctr,
				     struct iommu_group *group,
				     dma_addr_t iova, int npage, int prot,
				     struct page **pages)
{
	unsigned long start = iova & PAGE_MASK;
	unsigned int flags = 0;
	int rc, i;

	if (!pages || npage <= 0)
		return -EINVAL;
	if (!ctr->t1.v2)
		return -EACCES;
	prot &= IOMMU_READ | IOMMU_WRITE;
	if (prot & IOMMU_WRITE)
		flags |= IOMMUFD_ACCESS_RW_WRITE;

	mutex_lock(&ctr->pin_lock);
	if (!ctr->access) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iommufd_vfio_check_prot(ctr, start,
				     start + npage * PAGE_SIZE - 1, prot, false);
	if (rc)
		goto out_unlock;
	for (i = 0; i < npage; i++) {
		unsigned long index = (start >> PAGE_SHIFT) + i;
		void *ent = xa_load(&ctr->pins, index);
		unsigned long count = ent ? xa_to_value(ent) : 0;

		rc = iommufd_access_pin_pages(ctr->access, index << PAGE_SHIFT,
					      PAGE_SIZE, &pages[i], flags);
		if (rc)
			goto err_unpin;
		rc = xa_err(xa_store(&ctr->pins, index, xa_mk_value(count + 1),
				     GFP_KERNEL_ACCOUNT));
		if (rc) {
			iommufd_access_unpin_pages(ctr->access,
						   index << PAGE_SHIFT,
						   PAGE_SIZE);
			goto err_unpin;
		}
	}
	mutex_unlock(&ctr->pin_lock);
	return npage;

err_unpin:
	__iommufd_vfio_unpin(ctr, start, i);
	/* A failed access pin reports ENOENT for unmapped IOVA. */
	if (rc == -ENOENT)
		rc = -EINVAL;
out_unlock:
	mutex_unlock(&ctr->pin_lock);
	memset(pages, 0, sizeof(*pages) * npage);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_pin_pages, IOMMUFD);

/**
 * iommufd_vfio_container_unpin_pages() - vfio_unpin_pages() for a container
 * @ctr: the container
 * @iova: first IOVA, as pinned
 * @npage: pages
 *
 * Pages that are not pinned are skipped.
 */
void iommufd_vfio_container_unpin_pages(struct iommufd_vfio_container *ctr,
					dma_addr_t iova, int npage)
{
	if (npage <= 0)
		return;
	mutex_lock(&ctr->pin_lock);
	if (ctr->access)
		__iommufd_vfio_unpin(ctr, iova & PAGE_MASK, npage);
	mutex_unlock(&ctr->pin_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_unpin_pages, IOMMUFD);

/**
 * iommufd_vfio_container_dma_rw() - vfio_dma_rw() for a container
 * @ctr: the container
 * @iova: first IOVA
 * @data: kernel buffer
 * @count: bytes
 * @write: copy @data to the IOVA rather than from it
 *
 * Works from kthreads, which borrow the mapping process's mm, and from
 * the process that mapped the memory; as with type1, another process gets
 * EFAULT.
 *
 * Return: 0; EINVAL if the container has no emulated group or the range
 * is not wholly mapped; EPERM unless every mapping is readable, and for
 * a write also writable (type1's rule); EFAULT.
 */
int iommufd_vfio_container_dma_rw(struct iommufd_vfio_container *ctr,
				  dma_addr_t iova, void *data, size_t count,
				  bool write)
{
	unsigned int flags = write ? IOMMUFD_ACCESS_RW_WRITE : 0;
	unsigned long last;
	int rc;

	if (!count || check_add_overflow((unsigned long)iova, count - 1, &last))
		return -EINVAL;
	if (!current->mm)
		flags |= IOMMUFD_ACCESS_RW_KTHREAD;

	mutex_lock(&ctr->pin_lock);
	if (!ctr->access) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iommufd_vfio_check_prot(ctr, iova, last,
				     IOMMU_READ | (write ? IOMMU_WRITE : 0),
				     true);
	if (rc)
		goto out_unlock;
	rc = iommufd_access_rw(ctr->access, iova, data, count, flags);
	if (rc == -ENOENT)
		rc = -EINVAL;
out_unlock:
	mutex_unlock(&ctr->pin_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_dma_rw, IOMMUFD);

/* --- The requests, shared by both doors --------------------------------- */

/**
 * union iommufd_type1_args - a request's arguments, as parsed
 * @map: VFIO_IOMMU_MAP_DMA
 * @unmap: VFIO_IOMMU_UNMAP_DMA
 * @unmap.req: its struct
 * @unmap.bitmap: its bitmap, with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP
 * @info: VFIO_IOMMU_GET_INFO
 */
union iommufd_type1_args {
	struct vfio_iommu_type1_dma_map map;
	struct {
		struct vfio_iommu_type1_dma_unmap req;
		struct vfio_bitmap bitmap;
	} unmap;
	struct vfio_iommu_type1_info info;
};

/* type1's checks of a MAP_DMA, in its order, before the IOAS sees it. */
static int iommufd_type1_check_map(struct iommufd_type1 *t1,
				   const struct vfio_iommu_type1_dma_map *map,
				   int prot)
{
	struct io_pagetable *iopt = &t1->ioas->iopt;
	unsigned long pgsize, last;
	int rc;

	iommufd_type1_assert_held(t1);

	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	pgsize = iommufd_type1_pgsize(t1->ioas);
	if (!map->size || (map->size | map->iova | map->vaddr) & (pgsize - 1))
		return -EINVAL;
	if (map->iova + map->size - 1 < map->iova ||
	    map->vaddr + map->size - 1 < map->vaddr)
		return -EINVAL;
	last = map->iova + map->size - 1;

	down_read(&iopt->iova_rwsem);
	if (iopt_area_first(&iopt->area_itree, map->iova, last))
		rc = -EEXIST;
	else if (t1->rules->dma_limit && t1->dma_count >= t1->dma_limit)
		rc = -ENOSPC;
	else if (iopt_reserved_first(&iopt->reserved_itree, map->iova, last))
		rc = -EINVAL;
	else
		rc = 0;
	up_read(&iopt->iova_rwsem);
	return rc;
}

static int iommufd_type1_parse_map(const struct iommufd_type1_rules *rules,
				   void __user *arg,
				   struct vfio_iommu_type1_dma_map *map)
{
	u32 supported = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);

	if (copy_from_user(map, arg, minsz))
		return -EFAULT;
	/* VADDR is type1's UPDATE_VADDR, which is not offered here. */
	if (map->argsz < minsz || map->flags & ~supported)
		return -EINVAL;
	return 0;
}

static int iommufd_type1_map(struct iommufd_type1 *t1,
			     struct vfio_iommu_type1_dma_map *map)
{
	unsigned long iova = map->iova;
	int prot = IOMMU_CACHE;
	int rc;

	iommufd_type1_assert_held(t1);

	if (map->flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map->flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (t1->rules->type1_checks) {
		rc = iommufd_type1_check_map(t1, map, prot);
		if (rc)
			goto out_trace;
	}
	/* Charged as the context charges: a container's type1 way. */
	rc = iopt_map_user_pages(t1->ictx, &t1->ioas->iopt, &iova,
				 u64_to_user_ptr(map->vaddr), map->size, prot,
				 0);
	if (!rc && t1->rules->dma_limit)
		t1->dma_count++;
out_trace:
	trace_iommufd_vfio_map_dma(!!t1->lock, t1->ioas->obj.id, map->vaddr,
				   map->iova, map->size, map->flags, rc);
	return rc;
}

/* The bitmap argument of a dirty-page report, checked as type1 does. */
static int iommufd_type1_check_bitmap(struct vfio_bitmap *bitmap, u64 size)
{
	u64 npages, bytes;

	if (!bitmap->pgsize || !access_ok(bitmap->data,
					  bitmap->size))
		return -EINVAL;
	npages = size >> __ffs(bitmap->pgsize);
	if (!npages || !bitmap->size ||
	    bitmap->size > IOMMUFD_VFIO_MAX_DIRTY_BITMAP)
		return -EINVAL;
	bytes = DIV_ROUND_UP(npages, BITS_PER_TYPE(u64)) * sizeof(u64);
	if (bitmap->size < bytes)
		return -EINVAL;
	return 0;
}

/*
 * Report every mapped page in [@iova, @iova + @size) dirty. The domains
 * here track nothing, so, like type1 with any IOMMU-backed group, all a
 * device could have written is assumed written.
 */
static int iommufd_type1_report_dirty(struct iommufd_type1 *t1, u64 iova,
				      u64 size, u64 pgsize,
				      u64 __user *ubitmap)
{
	unsigned long pgshift = __ffs(pgsize);
	u64 npages = size >> pgshift;
	u64 *chunk, word;
	u64 bit = 0;
	int rc = 0;

	iommufd_type1_assert_held(t1);

	chunk = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	/* One chunk of the bitmap, PAGE_SIZE bytes, at a time. */
	while (bit < npages && !rc) {
		u64 nbits = min_t(u64, npages - bit, PAGE_SIZE * BITS_PER_BYTE);
		unsigned long start = iova + (bit << pgshift);
		unsigned long last = start + (nbits << pgshift) - 1;
		unsigned long a_iova, a_len, from, to;

		memset(chunk, 0, PAGE_SIZE);
		while (iommufd_type1_first_area(t1->ioas, start, last, &a_iova,
						&a_len)) {
			from = max(start, a_iova);
			to = min(last, a_iova + a_len - 1);
			bitmap_set((unsigned long *)chunk,
				   (from - iova - (bit << pgshift)) >> pgshift,
				   ((to - from) >> pgshift) + 1);
			if (to == last)
				break;
			start = to + 1;
		}
		word = DIV_ROUND_UP(nbits, BITS_PER_TYPE(u64));
		if (copy_to_user(ubitmap + bit / BITS_PER_TYPE(u64), chunk,
				 word * sizeof(u64)))
			rc = -EFAULT;
		bit += nbits;
	}
	kfree(chunk);
	return rc;
}

static int iommufd_type1_parse_unmap(const struct iommufd_type1_rules *rules,
				     void __user *arg,
				     struct vfio_iommu_type1_dma_unmap *unmap,
				     struct vfio_bitmap *bitmap)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	u32 supported = VFIO_DMA_UNMAP_FLAG_ALL;
	bool dirty;

	/* VADDR belongs to UPDATE_VADDR, which is not offered here. */
	if (rules->dirty)
		supported |= VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (copy_from_user(unmap, arg, minsz))
		return -EFAULT;
	if (unmap->argsz < minsz || unmap->flags & ~supported)
		return -EINVAL;
	dirty = unmap->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (!dirty)
		return 0;
	if (unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL ||
	    unmap->argsz < minsz + sizeof(*bitmap))
		return -EINVAL;
	if (copy_from_user(bitmap, arg + minsz, sizeof(*bitmap)))
		return -EFAULT;
	return iommufd_type1_check_bitmap(bitmap, unmap->size);
}

/*
 * Apply the door's rule for mappings that stick out of [@start, *@last]
 * (&enum iommufd_type1_cut), and with &iommufd_type1_rules.dma_limit count
 * into *@before the areas in [@start, *@last] as it is then. Return: 0 to
 * go on and unmap [@start, *@last], 1 when the request is done with
 * nothing unmapped, or an errno.
 */
static int iommufd_type1_cut(struct iommufd_type1 *t1, unsigned long start,
			     unsigned long *last, unsigned int *before)
{
	struct iommufd_ioas *ioas = t1->ioas;
	struct iopt_area *area;
	int rc = 0;

	switch (t1->rules->cut[t1->v2]) {
	case IOMMUFD_TYPE1_CUT_REFUSE:
	case IOMMUFD_TYPE1_CUT_WHOLE:
		/* One hold of the IOVA lock for the ends and the count. */
		down_read(&ioas->iopt.iova_rwsem);
		if (t1->rules->cut[t1->v2] == IOMMUFD_TYPE1_CUT_REFUSE) {
			/* Both ends of the range must be mapping ends. */
			area = __iommufd_type1_first_area(ioas, start, start);
			if (area && iopt_area_iova(area) != start)
				rc = -EINVAL;
			area = __iommufd_type1_first_area(ioas, *last, *last);
			if (!rc && area && iopt_area_last_iova(area) != *last)
				rc = -EINVAL;
		} else {
			/*
			 * Whole mappings that start in the range; a mapping
			 * that starts before it stops the request.
			 */
			area = __iommufd_type1_first_area(ioas, start, *last);
			if (area && iopt_area_iova(area) < start)
				rc = 1;
			area = __iommufd_type1_first_area(ioas, *last, *last);
			if (!rc && area)
				*last = iopt_area_last_iova(area);
		}
		if (!rc && t1->rules->dma_limit)
			*before = __iommufd_type1_count_areas(ioas, start,
							      *last);
		up_read(&ioas->iopt.iova_rwsem);
		return rc;
	case IOMMUFD_TYPE1_CUT_SPLIT: {
		/* A range from IOVA 0 has nothing before it to cut off. */
		const unsigned long cuts[] = { *last, start - 1 };

		rc = iopt_cut_iova(&ioas->iopt, cuts, start ? 2 : 1);
		break;
	}
	case IOMMUFD_TYPE1_CUT_ENOENT:
		break;
	}
	if (!rc && t1->rules->dma_limit)
		*before = iommufd_type1_count_areas(ioas, start, *last);
	return rc;
}

static int __iommufd_type1_unmap(struct iommufd_type1 *t1, void __user *arg,
				 struct vfio_iommu_type1_dma_unmap *unmap,
				 struct vfio_bitmap *bitmap,
				 unsigned long *out_unmapped)
{
	const struct iommufd_type1_rules *rules = t1->rules;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	bool dirty = unmap->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	bool all = unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL;
	unsigned long start, last, unmapped = 0;
	unsigned long pgsize = PAGE_SIZE;
	unsigned int before = 0;
	int rc;

	iommufd_type1_assert_held(t1);

	if (rules->type1_checks) {
		pgsize = iommufd_type1_pgsize(t1->ioas);
		if (unmap->iova & (pgsize - 1))
			return -EINVAL;
	}
	if (all) {
		if (unmap->iova || unmap->size)
			return -EINVAL;
		start = 0;
		last = ULONG_MAX;
	} else {
		if (!unmap->size ||
		    (rules->type1_checks && unmap->size & (pgsize - 1)))
			return -EINVAL;
		/* Checked before anything is cut: bad input changes nothing. */
		if (check_add_overflow((unsigned long)unmap->iova,
				       (unsigned long)unmap->size - 1, &last))
			return rules->type1_checks ? -EINVAL : -EOVERFLOW;
		start = unmap->iova;
	}
	if (dirty && (!t1->dirty_tracking || bitmap->pgsize != pgsize))
		return -EINVAL;

	if (!all) {
		rc = iommufd_type1_cut(t1, start, &last, &before);
		if (rc < 0)
			return rc;
		if (rc) {
			/* Done, successfully, with nothing unmapped. */
			rc = 0;
			goto out_copy;
		}
	} else if (rules->dma_limit) {
		before = iommufd_type1_count_areas(t1->ioas, start, last);
	}
	if (dirty) {
		rc = iommufd_type1_report_dirty(t1, start, unmap->size,
						bitmap->pgsize, bitmap->data);
		if (rc)
			return rc;
	}
	rc = __iommufd_type1_unmap_range(t1, start, last, before, &unmapped);
	*out_unmapped = unmapped;
	if (rc && !rules->size_on_error)
		return rc;
out_copy:
	unmap->size = unmapped;
	if (copy_to_user(arg, unmap, minsz))
		return -EFAULT;
	return rc;
}

static int iommufd_type1_unmap(struct iommufd_type1 *t1, void __user *arg,
			       struct vfio_iommu_type1_dma_unmap *unmap,
			       struct vfio_bitmap *bitmap)
{
	u64 iova = unmap->iova, size = unmap->size;
	unsigned long unmapped = 0;
	u32 flags = unmap->flags;
	int rc;

	rc = __iommufd_type1_unmap(t1, arg, unmap, bitmap, &unmapped);
	trace_iommufd_vfio_unmap_dma(!!t1->lock, t1->ioas->obj.id, iova, size,
				     flags, unmapped, rc);
	return rc;
}

static void iommufd_type1_cap_header(struct vfio_info_cap_header *hdr, u16 id,
				     u32 next)
{
	hdr->id = id;
	hdr->version = 1;
	hdr->next = next;
}

/*
 * The IOVA ranges of the IOAS (the holes in its reserved set) as a
 * kcalloc()ed array, in *@count.
 */
static struct iommu_iova_range *
iommufd_type1_collect_ranges(struct iommufd_ioas *ioas, u32 *count)
{
	struct iommu_iova_range *ranges = NULL;
	u32 room = 0;

	for (;;) {
		down_read(&ioas->iopt.iova_rwsem);
		iommufd_ioas_collect_ranges(ioas, ranges, room, count);
		up_read(&ioas->iopt.iova_rwsem);
		if (*count <= room)
			return ranges;
		/* More ranges than room (they may change meanwhile): grow. */
		kfree(ranges);
		room = *count;
		ranges = kcalloc(room, sizeof(*ranges), GFP_KERNEL);
		if (!ranges)
			return ERR_PTR(-ENOMEM);
	}
}

static bool iommufd_type1_has_domain(struct iommufd_ioas *ioas)
{
	bool ret;

	down_read(&ioas->iopt.domains_rwsem);
	ret = ioas->iopt.num_domains;
	up_read(&ioas->iopt.domains_rwsem);
	return ret;
}

/**
 * struct iommufd_type1_caps - GET_INFO's capability chain, as built
 * @buf: the chain; kzalloc()ed
 * @size: its bytes
 * @fit: bytes of the capabilities that fit whole in the user's buffer
 */
struct iommufd_type1_caps {
	void *buf;
	size_t size;
	size_t fit;
};

/* Place a capability of @len bytes at the end of the chain. */
static size_t iommufd_type1_cap_place(struct iommufd_type1_caps *caps,
				      size_t len, size_t align, size_t room)
{
	size_t off = caps->size;

	caps->size = ALIGN(off + len, align);
	/* Ends only grow, so what fits is a prefix of the chain. */
	if (off + len <= room)
		caps->fit = off + len;
	return off;
}

/*
 * The chain, in type1's order: MIGRATION (with dirty tracking), DMA_AVAIL
 * and IOVA_RANGE (with a domain, or always). Each starts on a multiple of
 * the door's alignment, and @next offsets count from the start of the
 * info struct, which the chain follows; the last is 0. @room is what the
 * user's buffer has after the info struct.
 */
static int iommufd_type1_build_caps(struct iommufd_type1 *t1,
				    unsigned long pgsize, size_t room,
				    struct iommufd_type1_caps *caps)
{
	const struct iommufd_type1_rules *rules = t1->rules;
	size_t base = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info_cap_iova_range *range;
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info_dma_avail *avail;
	size_t mig_off = 0, avail_off, range_off = 0;
	struct iommu_iova_range *ranges = NULL;
	bool has_range;
	u32 count = 0, i;

	has_range = rules->iova_cap_always ||
		    iommufd_type1_has_domain(t1->ioas);
	if (has_range) {
		ranges = iommufd_type1_collect_ranges(t1->ioas, &count);
		if (IS_ERR(ranges))
			return PTR_ERR(ranges);
	}

	caps->size = 0;
	caps->fit = 0;
	if (rules->dirty)
		mig_off = iommufd_type1_cap_place(caps, sizeof(*mig),
						  rules->cap_align, room);
	avail_off = iommufd_type1_cap_place(caps, sizeof(*avail),
					    rules->cap_align, room);
	if (has_range)
		range_off = iommufd_type1_cap_place(caps,
						    struct_size(range,
								iova_ranges,
								count),
						    rules->cap_align, room);
	caps->buf = kzalloc(caps->size, GFP_KERNEL);
	if (!caps->buf) {
		kfree(ranges);
		return -ENOMEM;
	}

	if (rules->dirty) {
		mig = caps->buf + mig_off;
		iommufd_type1_cap_header(&mig->header,
					 VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
					 base + avail_off);
		mig->flags = 0;
		mig->pgsize_bitmap = pgsize;
		mig->max_dirty_bitmap_size = IOMMUFD_VFIO_MAX_DIRTY_BITMAP;
	}

	avail = caps->buf + avail_off;
	iommufd_type1_cap_header(&avail->header,
				 VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
				 has_range ? base + range_off : 0);
	/* Without a limit of its own, upstream's answer: U32_MAX. */
	avail->avail = U32_MAX;
	if (rules->dma_limit)
		avail->avail = t1->dma_count < t1->dma_limit ?
				       t1->dma_limit - t1->dma_count : 0;

	if (has_range) {
		range = caps->buf + range_off;
		iommufd_type1_cap_header(&range->header,
					 VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
					 0);
		range->nr_iovas = count;
		for (i = 0; i != count; i++) {
			range->iova_ranges[i].start = ranges[i].start;
			range->iova_ranges[i].end = ranges[i].last;
		}
	}
	kfree(ranges);
	return 0;
}

static int iommufd_type1_parse_info(void __user *arg,
				    struct vfio_iommu_type1_info *info)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);

	memset(info, 0, sizeof(*info));
	if (copy_from_user(info, arg, minsz))
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	return 0;
}

static int iommufd_type1_get_info(struct iommufd_type1 *t1, void __user *arg,
				  struct vfio_iommu_type1_info *info)
{
	size_t capsz = offsetofend(struct vfio_iommu_type1_info, cap_offset);
	struct iommufd_type1_caps caps;
	size_t room = 0, copy;
	int rc = 0;

	iommufd_type1_assert_held(t1);

	/* cap_offset is output only, and only there if argsz has room. */
	if (t1->rules->info_to_argsz)
		copy = min_t(size_t, info->argsz, sizeof(*info));
	else if (info->argsz >= capsz)
		copy = capsz;
	else
		copy = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);

	if (info->argsz > sizeof(*info))
		room = info->argsz - sizeof(*info);
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = iommufd_type1_pgsize_bitmap(t1->ioas);
	info->cap_offset = 0;
	rc = iommufd_type1_build_caps(t1, 1UL << __ffs(info->iova_pgsizes),
				      room, &caps);
	if (rc)
		return rc;

	if (room >= caps.size) {
		if (copy_to_user(arg + sizeof(*info), caps.buf, caps.size))
			rc = -EFAULT;
		info->flags |= VFIO_IOMMU_INFO_CAPS;
		info->cap_offset = sizeof(*info);
	} else {
		/* Too small: say how much is needed. */
		info->argsz = sizeof(*info) + caps.size;
		if (t1->rules->caps_partial) {
			if (copy_to_user(arg + sizeof(*info), caps.buf,
					 caps.fit))
				rc = -EFAULT;
			info->cap_offset = sizeof(*info);
		} else {
			info->flags |= VFIO_IOMMU_INFO_CAPS;
		}
	}
	kfree(caps.buf);
	if (rc)
		return rc;
	return copy_to_user(arg, info, copy) ? -EFAULT : 0;
}

/* VFIO_IOMMU_DIRTY_PAGES, with the door's lock held for all of it. */
static int iommufd_type1_dirty_pages(struct iommufd_type1 *t1,
				     void __user *arg)
{
	u32 supported = VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
			VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
			VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags);
	struct vfio_iommu_type1_dirty_bitmap_get range;
	struct vfio_iommu_type1_dirty_bitmap dirty;
	unsigned long pgsize, iova, length;
	int rc;

	iommufd_type1_assert_held(t1);

	if (!t1->v2)
		return -EACCES;
	if (copy_from_user(&dirty, arg, minsz))
		return -EFAULT;
	if (dirty.argsz < minsz || dirty.flags & ~supported ||
	    hweight32(dirty.flags) != 1)
		return -EINVAL;

	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		t1->dirty_tracking = true;
		return 0;
	}
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		t1->dirty_tracking = false;
		return 0;
	}

	if (dirty.argsz < minsz + sizeof(range))
		return -EINVAL;
	if (copy_from_user(&range, arg + minsz, sizeof(range)))
		return -EFAULT;
	if (range.iova + range.size < range.iova)
		return -EINVAL;
	rc = iommufd_type1_check_bitmap(&range.bitmap, range.size);
	if (rc)
		return rc;

	pgsize = iommufd_type1_pgsize(t1->ioas);
	if (range.bitmap.pgsize != pgsize || range.iova & (pgsize - 1) ||
	    !range.size || range.size & (pgsize - 1) || !t1->dirty_tracking)
		return -EINVAL;
	/* The range must not cut a mapping. */
	if (iommufd_type1_first_area(t1->ioas, range.iova, range.iova, &iova,
				     &length) && iova != range.iova)
		return -EINVAL;
	if (iommufd_type1_first_area(t1->ioas, range.iova + range.size - 1,
				     range.iova + range.size - 1, &iova,
				     &length) &&
	    iova + length != range.iova + range.size)
		return -EINVAL;
	return iommufd_type1_report_dirty(t1, range.iova, range.size, pgsize,
					  range.bitmap.data);
}

/*
 * First half of a request, before the door finds what it acts on: copy
 * and check the arguments that need no IOAS. -ENOIOCTLCMD for a request
 * the door does not serve.
 */
static int iommufd_type1_parse(const struct iommufd_type1_rules *rules,
			       unsigned int cmd, void __user *arg,
			       union iommufd_type1_args *args)
{
	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return iommufd_type1_parse_info(arg, &args->info);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_type1_parse_map(rules, arg, &args->map);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_type1_parse_unmap(rules, arg, &args->unmap.req,
						 &args->unmap.bitmap);
	case VFIO_IOMMU_DIRTY_PAGES:
		/* All of it needs the type, so it is all done when it runs. */
		return rules->dirty ? 0 : -ENOIOCTLCMD;
	}
	return -ENOIOCTLCMD;
}

/* Second half: run a parsed request on @t1, under its door's lock. */
static int iommufd_type1_run(struct iommufd_type1 *t1, unsigned int cmd,
			     void __user *arg, union iommufd_type1_args *args)
{
	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return iommufd_type1_get_info(t1, arg, &args->info);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_type1_map(t1, &args->map);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_type1_unmap(t1, arg, &args->unmap.req,
					   &args->unmap.bitmap);
	case VFIO_IOMMU_DIRTY_PAGES:
		return iommufd_type1_dirty_pages(t1, arg);
	}
	return -ENOIOCTLCMD;
}

/* --- The container door -------------------------------------------------- */

/*
 * An iommufd command on the container's context, which makes the
 * container fd an iommufd as well. It runs under the container's lock,
 * like the VFIO requests, so that the container's view of its IOAS
 * (one area a mapping, counted against the mapping limit) never changes
 * under one of them; the count is made again afterwards, since the
 * IOAS's own commands are not limited.
 */
static long iommufd_vfio_container_iommufd(struct iommufd_vfio_container *ctr,
					   unsigned int cmd, unsigned long arg)
{
	long rc;

	mutex_lock(&ctr->lock);
	rc = iommufd_ctx_ioctl(ctr->t1.ictx, cmd, arg);
	ctr->t1.dma_count = iommufd_type1_count_areas(ctr->t1.ioas, 0,
						      ULONG_MAX);
	mutex_unlock(&ctr->lock);
	return rc == -ENOIOCTLCMD ? -ENOTTY : rc;
}

/**
 * iommufd_vfio_container_ioctl() - a VFIO container ioctl
 * @ctr: the container
 * @cmd: VFIO_CHECK_EXTENSION, VFIO_IOMMU_GET_INFO, _MAP_DMA, _UNMAP_DMA
 *	or _DIRTY_PAGES; or any iommufd command (IOMMU_*), which acts on
 *	the container's context, whose compat IOAS (IOMMU_VFIO_IOAS) is the
 *	container's IOAS
 * @arg: its argument
 *
 * VFIO calls this with no lock of its own held.
 *
 * Return: the ioctl's result, -ENOTTY for other commands.
 */
long iommufd_vfio_container_ioctl(struct iommufd_vfio_container *ctr,
				  unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	union iommufd_type1_args args;
	int rc;

	if (cmd == VFIO_CHECK_EXTENSION)
		return iommufd_vfio_check_extension(ctr, arg);
	if (_IOC_TYPE(cmd) == IOMMUFD_TYPE && _IOC_NR(cmd) >= IOMMUFD_CMD_BASE)
		return iommufd_vfio_container_iommufd(ctr, cmd, arg);

	rc = iommufd_type1_parse(ctr->t1.rules, cmd, uarg, &args);
	if (rc)
		return rc == -ENOIOCTLCMD ? -ENOTTY : rc;
	mutex_lock(&ctr->lock);
	rc = iommufd_type1_run(&ctr->t1, cmd, uarg, &args);
	mutex_unlock(&ctr->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_ioctl, IOMMUFD);

/* --- The /dev/iommu door ------------------------------------------------- */

/*
 * The compat IOAS of @ictx, referenced (put with iommufd_put_object()),
 * or ERR_PTR(-ENODEV) while there is none.
 */
static struct iommufd_ioas *iommufd_vfio_compat_ioas(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = ERR_PTR(-ENODEV);

	xa_lock(&ictx->objects);
	if (ictx->vfio_ioas && iommufd_lock_obj(&ictx->vfio_ioas->obj))
		ioas = ictx->vfio_ioas;
	xa_unlock(&ictx->objects);
	return ioas;
}

/**
 * iommufd_vfio_ioas() - IOMMU_VFIO_IOAS: get, set or clear the compat IOAS
 * @ucmd: the command
 *
 * On a VFIO container's fd the compat IOAS is the container's IOAS, for
 * as long as the container is set up: SET of any other IOAS and CLEAR
 * fail there.
 *
 * Return: 0; ENODEV for GET without a compat IOAS; ENOENT for SET of an
 * ID that is not an IOAS; EBUSY for SET of another IOAS than the
 * container's, or CLEAR, on a container; EOPNOTSUPP for another op or a
 * nonzero __reserved; EFAULT.
 */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = iommufd_vfio_compat_ioas(ictx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		cmd->ioas_id = ioas->obj.id;
		iommufd_put_object(ictx, &ioas->obj);
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		/*
		 * Held while it is stored, so a DESTROY cannot slip in
		 * between: it comes after, and forgets it.
		 */
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		xa_lock(&ictx->objects);
		if (!ictx->vfio_container)
			ictx->vfio_ioas = ioas;
		else if (ictx->vfio_ioas != ioas)
			rc = -EBUSY;
		xa_unlock(&ictx->objects);
		iommufd_put_object(ictx, &ioas->obj);
		return rc;
	case IOMMU_VFIO_IOAS_CLEAR:
		/* A container's groups are attached to its IOAS for good. */
		if (ictx->vfio_container)
			return -EBUSY;
		xa_lock(&ictx->objects);
		ictx->vfio_ioas = NULL;
		xa_unlock(&ictx->objects);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * VFIO_SET_IOMMU on /dev/iommu chooses nothing but the rules: TYPE1
 * turns large pages off in the compat IOAS, as upstream does, so that
 * UNMAP_DMA can split mappings (IOMMU_OPTION_HUGE_PAGES then reads 0).
 * Nothing is ever set back by TYPE1v2.
 */
static int iommufd_vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	ioas = iommufd_vfio_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (type == VFIO_TYPE1_IOMMU)
		rc = iopt_disable_large_pages(&ioas->iopt);
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

static int iommufd_vfio_compat_check_extension(struct iommufd_ctx *ictx,
					       unsigned long ext)
{
	struct iommufd_ioas *ioas;
	int rc;

	if (ext != VFIO_DMA_CC_IOMMU)
		return iommufd_type1_extension(ext);
	/* Upstream's answer without a compat IOAS is an error. */
	ioas = iommufd_vfio_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_type1_cc(ioas);
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_vfio_ioctl() - a VFIO container ioctl on the /dev/iommu file
 * @ictx: the file's context
 * @cmd: the request, one outside the iommufd command table
 * @arg: its argument
 *
 * Upstream iommufd's VFIO compatibility: VFIO_GET_API_VERSION,
 * VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU, and VFIO_IOMMU_GET_INFO, _MAP_DMA
 * and _UNMAP_DMA on the compat IOAS (IOMMU_VFIO_IOAS), with the type1
 * rules as &iommufd_type1_iommufd has them.
 *
 * Return: the ioctl's result; ENODEV for the IOAS requests, SET_IOMMU and
 * the DMA_CC_IOMMU query without a compat IOAS; -ENOIOCTLCMD (ENOTTY)
 * for any other request.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	const struct iommufd_type1_rules *rules = &iommufd_type1_iommufd;
	void __user *uarg = (void __user *)arg;
	union iommufd_type1_args args;
	struct iommufd_type1 t1 = {};
	int rc;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_compat_check_extension(ictx, arg);
	case VFIO_SET_IOMMU:
		return iommufd_vfio_set_iommu(ictx, arg);
	}

	rc = iommufd_type1_parse(rules, cmd, uarg, &args);
	if (rc)
		return rc;
	t1.ioas = iommufd_vfio_compat_ioas(ictx);
	if (IS_ERR(t1.ioas))
		return PTR_ERR(t1.ioas);
	t1.rules = rules;
	t1.ictx = ictx;
	t1.v2 = !READ_ONCE(t1.ioas->iopt.disable_large_pages);
	rc = iommufd_type1_run(&t1, cmd, uarg, &args);
	iommufd_put_object(ictx, &t1.ioas->obj);
	return rc;
}
