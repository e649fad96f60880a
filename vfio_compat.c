// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO type1 containers on iommufd.
 *
 * A container is a context of its own, with no file and one IOAS. Its
 * VFIO_IOMMU_* ioctls are answered here with vfio_iommu_type1's rules as
 * its users see them; iommufd_vfio.ko registers these functions with
 * VFIO, so this file needs nothing from vfio.ko itself.
 *
 * Each VFIO mapping is one area of the IOAS: MAP_DMA makes exactly one
 * and UNMAP_DMA removes whole ones, so type1's mapping rules are checked
 * against the area tree. A group with a real IOMMU is bound as a device
 * of the context and attached to the IOAS, which gives it an automatic
 * HWPT (shared with every other group whose IOMMU can use the same
 * domain) filled with every mapping. Emulated (mdev) groups share one
 * access; vfio_pin_pages() pins through it, page by page, and the pins
 * are counted per IOVA page so that unpins of pages that were never
 * pinned, which some drivers do, are ignored as type1 ignores them.
 *
 * Locking: @lock serialises everything that changes the container
 * (mapping, groups, the access). It is held while UNMAP waits for the
 * drivers' dma_unmap callbacks, which is safe because nothing a driver
 * calls from there, or while holding its own locks, takes it: pin, unpin
 * and dma_rw only take @pin_lock and iommufd's own locks.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include <uapi/linux/vfio.h>

#include "iommufd_private.h"

/* type1 writes dirty bitmaps of at most this many bytes at once. */
#define IOMMUFD_VFIO_MAX_DIRTY_BITMAP	(256UL << 20)

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
 * @ictx: the container's private context
 * @ioas: its one IOAS
 * @v2: VFIO_TYPE1v2_IOMMU rather than VFIO_TYPE1_IOMMU; constant
 * @ops: the registrar's callbacks; constant
 * @data: their argument; constant
 * @lock: guards every field below it but @pins
 * @groups: &struct iommufd_vfio_group
 * @num_real: groups with a real IOMMU
 * @num_emulated: emulated groups
 * @access: the access of the emulated groups, while there are any;
 *	readable under @pin_lock too
 * @dma_avail: how many more mappings may be made
 * @dirty_tracking: VFIO_IOMMU_DIRTY_PAGES_FLAG_START is in force
 * @pin_lock: guards @pins and the use of @access by pin and unpin
 * @pins: pins taken through vfio_pin_pages(), by IOVA page: a value
 *	entry holding the count
 * @debugfs: the container's file in debugfs (vfio_debugfs.c); constant
 */
struct iommufd_vfio_container {
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	bool v2;
	const struct iommufd_vfio_ops *ops;
	void *data;

	struct mutex lock;	/* guards the fields up to @pin_lock */
	struct list_head groups;
	unsigned int num_real;
	unsigned int num_emulated;
	struct iommufd_access *access;
	unsigned int dma_avail;
	bool dirty_tracking;

	struct mutex pin_lock;	/* guards pins; access for pin and unpin */
	struct xarray pins;

	struct dentry *debugfs;
};

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
	struct iommufd_vfio_group *vgroup;
	int rc = 1;

	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		if (!ctr)
			return 0;
		/* Every domain must keep DMA coherent; vacuously so for none. */
		mutex_lock(&ctr->lock);
		list_for_each_entry(vgroup, &ctr->groups, node)
			if (vgroup->idev &&
			    !iommufd_device_enforced_coherent(vgroup->idev))
				rc = 0;
		mutex_unlock(&ctr->lock);
		return rc;
	default:
		/* Not TYPE1_NESTING: 6.1's x86 IOMMUs cannot nest anyway. */
		return 0;
	}
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
	int rc;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return ERR_PTR(-EINVAL);
	if (WARN_ON(!ops || !ops->dma_unmap))
		return ERR_PTR(-EINVAL);

	ctr = kzalloc(sizeof(*ctr), GFP_KERNEL_ACCOUNT);
	if (!ctr)
		return ERR_PTR(-ENOMEM);
	ctr->ictx = iommufd_ctx_alloc();
	if (!ctr->ictx) {
		rc = -ENOMEM;
		goto err_free;
	}
	ctr->ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
	ctr->ictx->type1_accounting = true;
	ctr->ioas = iommufd_ioas_alloc(ctr->ictx);
	if (IS_ERR(ctr->ioas)) {
		rc = PTR_ERR(ctr->ioas);
		goto err_ctx;
	}
	iommufd_object_finalize(ctr->ictx, &ctr->ioas->obj);

	ctr->v2 = type == VFIO_TYPE1v2_IOMMU;
	ctr->ops = ops;
	ctr->data = data;
	mutex_init(&ctr->lock);
	INIT_LIST_HEAD(&ctr->groups);
	ctr->dma_avail = dma_entry_limit;
	mutex_init(&ctr->pin_lock);
	xa_init(&ctr->pins);
	ctr->debugfs = iommufd_vfio_debugfs_add(ctr);
	return ctr;

err_ctx:
	iommufd_ctx_free(ctr->ictx);
err_free:
	kfree(ctr);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_alloc, IOMMUFD);

/* The smallest IOMMU page size, which every IOVA and size must align to. */
static unsigned long iommufd_vfio_pgsize_bitmap(struct iommufd_vfio_container *ctr)
{
	struct io_pagetable *iopt = &ctr->ioas->iopt;
	unsigned long bitmap = ULONG_MAX;
	struct iommu_domain *domain;
	unsigned long index;

	down_read(&iopt->domains_rwsem);
	xa_for_each(&iopt->domains, index, domain)
		bitmap &= domain->pgsize_bitmap;
	up_read(&iopt->domains_rwsem);
	/* As type1: sizes below PAGE_SIZE are hidden, PAGE_SIZE shown. */
	if (bitmap & ~PAGE_MASK) {
		bitmap &= PAGE_MASK;
		bitmap |= PAGE_SIZE;
	}
	return bitmap;
}

static unsigned long iommufd_vfio_pgsize(struct iommufd_vfio_container *ctr)
{
	return 1UL << __ffs(iommufd_vfio_pgsize_bitmap(ctr));
}

/*
 * Unmap one whole area. The container's lock keeps anyone else from
 * changing the IOAS, so failing here means a driver kept its pins.
 */
static int iommufd_vfio_unmap_area(struct iommufd_vfio_container *ctr,
				   unsigned long iova, unsigned long length)
{
	unsigned long unmapped;
	int rc;

	lockdep_assert_held(&ctr->lock);

	rc = iopt_unmap_iova(&ctr->ioas->iopt, iova, length, &unmapped);
	if (rc)
		return rc;
	if (WARN_ON(unmapped != length))
		return -EIO;
	ctr->dma_avail++;
	return 0;
}

/*
 * The first area that intersects [@start, @last], as (iova, length), or
 * false if there is none.
 */
static bool iommufd_vfio_first_area(struct iommufd_vfio_container *ctr,
				    unsigned long start, unsigned long last,
				    unsigned long *iova, unsigned long *length)
{
	struct io_pagetable *iopt = &ctr->ioas->iopt;
	struct iopt_area *area;

	down_read(&iopt->iova_rwsem);
	area = iopt_area_first(&iopt->area_itree, start, last);
	if (area) {
		*iova = iopt_area_iova(area);
		*length = iopt_area_length(area);
	}
	up_read(&iopt->iova_rwsem);
	return area;
}

/* Remove every mapping; called when the last group leaves. */
static void iommufd_vfio_unmap_all(struct iommufd_vfio_container *ctr)
{
	unsigned long iova, length;

	lockdep_assert_held(&ctr->lock);

	while (iommufd_vfio_first_area(ctr, 0, ULONG_MAX, &iova, &length))
		if (WARN_ON(iommufd_vfio_unmap_area(ctr, iova, length)))
			break;
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

	/* First: a read of the file in progress takes the IOAS's locks. */
	iommufd_vfio_debugfs_remove(ctr->debugfs);
	list_for_each_entry_safe(vgroup, next, &ctr->groups, node)
		iommufd_vfio_container_detach_group(ctr, vgroup->group);
	mutex_lock(&ctr->lock);
	iommufd_vfio_unmap_all(ctr);
	mutex_unlock(&ctr->lock);

	iommufd_ctx_destroy_objects(ctr->ictx);
	iommufd_ctx_free(ctr->ictx);
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
	return ctr->ioas;
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
	access = iommufd_access_create(ctr->ictx, &iommufd_vfio_access_ops,
				       ctr, &id);
	if (IS_ERR(access))
		return PTR_ERR(access);
	rc = iommufd_access_attach(access, ctr->ioas->obj.id);
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
		vgroup->idev = iommufd_device_bind_group(ctr->ictx, group,
							 &dev_id);
		if (IS_ERR(vgroup->idev)) {
			rc = PTR_ERR(vgroup->idev);
			goto err_unlock;
		}
		pt_id = ctr->ioas->obj.id;
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
	struct io_pagetable *iopt = &ctr->ioas->iopt;
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
	if (!ctr->v2)
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

/* --- The ioctls --------------------------------------------------------- */

static int iommufd_vfio_map_dma(struct iommufd_vfio_container *ctr,
				void __user *arg)
{
	u32 supported = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct io_pagetable *iopt = &ctr->ioas->iopt;
	struct vfio_iommu_type1_dma_map map;
	unsigned long iova, last, pgsize;
	int prot = IOMMU_CACHE;
	int rc;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	/* VADDR is type1's UPDATE_VADDR, which is not offered here. */
	if (map.argsz < minsz || map.flags & ~supported)
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;

	mutex_lock(&ctr->lock);
	pgsize = iommufd_vfio_pgsize(ctr);
	rc = -EINVAL;
	if (!map.size || (map.size | map.iova | map.vaddr) & (pgsize - 1))
		goto out_unlock;
	if (map.iova + map.size - 1 < map.iova ||
	    map.vaddr + map.size - 1 < map.vaddr)
		goto out_unlock;
	iova = map.iova;
	last = map.iova + map.size - 1;

	down_read(&iopt->iova_rwsem);
	if (iopt_area_first(&iopt->area_itree, iova, last))
		rc = -EEXIST;
	else if (!ctr->dma_avail)
		rc = -ENOSPC;
	else if (iopt_reserved_first(&iopt->reserved_itree, iova, last))
		rc = -EINVAL;
	else
		rc = 0;
	up_read(&iopt->iova_rwsem);
	if (rc)
		goto out_unlock;

	rc = iopt_map_user_pages(ctr->ictx, iopt, &iova,
				 u64_to_user_ptr(map.vaddr), map.size, prot,
				 0);
	if (!rc)
		ctr->dma_avail--;
out_unlock:
	mutex_unlock(&ctr->lock);
	return rc;
}

/* The bitmap argument of a dirty-page report, checked as type1 does. */
static int iommufd_vfio_check_bitmap(struct vfio_bitmap *bitmap, u64 size)
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
static int iommufd_vfio_report_dirty(struct iommufd_vfio_container *ctr,
				     u64 iova, u64 size, u64 pgsize,
				     u64 __user *ubitmap)
{
	unsigned long pgshift = __ffs(pgsize);
	u64 npages = size >> pgshift;
	u64 *chunk, word;
	u64 bit = 0;
	int rc = 0;

	lockdep_assert_held(&ctr->lock);

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
		while (iommufd_vfio_first_area(ctr, start, last, &a_iova,
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

static int iommufd_vfio_unmap_dma(struct iommufd_vfio_container *ctr,
				  void __user *arg)
{
	u32 supported = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			VFIO_DMA_UNMAP_FLAG_ALL;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned long start, last, iova, length, pgsize;
	bool all, dirty;
	struct vfio_bitmap bitmap = {};
	u64 unmapped = 0;
	int rc;

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	/* VADDR belongs to UPDATE_VADDR, which is not offered here. */
	if (unmap.argsz < minsz || unmap.flags & ~supported)
		return -EINVAL;
	all = unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL;
	dirty = unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (dirty && all)
		return -EINVAL;
	if (dirty) {
		if (unmap.argsz < minsz + sizeof(bitmap))
			return -EINVAL;
		if (copy_from_user(&bitmap, arg + minsz, sizeof(bitmap)))
			return -EFAULT;
		rc = iommufd_vfio_check_bitmap(&bitmap, unmap.size);
		if (rc)
			return rc;
	}

	mutex_lock(&ctr->lock);
	pgsize = iommufd_vfio_pgsize(ctr);
	rc = -EINVAL;
	if (unmap.iova & (pgsize - 1))
		goto out_unlock;
	if (all) {
		if (unmap.iova || unmap.size)
			goto out_unlock;
		start = 0;
		last = ULONG_MAX;
	} else {
		if (!unmap.size || unmap.size & (pgsize - 1) ||
		    unmap.iova + unmap.size - 1 < unmap.iova)
			goto out_unlock;
		start = unmap.iova;
		last = unmap.iova + unmap.size - 1;
	}
	if (dirty && (!ctr->dirty_tracking || bitmap.pgsize != pgsize))
		goto out_unlock;

	if (ctr->v2 && !all) {
		/* v2 never cuts a mapping: both ends must be mapping ends. */
		if (iommufd_vfio_first_area(ctr, start, start, &iova,
					    &length) && iova != start)
			goto out_unlock;
		if (iommufd_vfio_first_area(ctr, last, last, &iova, &length) &&
		    iova + length - 1 != last)
			goto out_unlock;
	} else if (!ctr->v2) {
		/*
		 * v1 removes the mappings that start in the range, whole,
		 * and stops at one that starts before it: unmapping from
		 * inside a mapping succeeds and unmaps nothing.
		 */
		if (iommufd_vfio_first_area(ctr, start, last, &iova,
					    &length) && iova < start)
			goto out_success;
	}
	if (dirty) {
		rc = iommufd_vfio_report_dirty(ctr, start, unmap.size,
					       bitmap.pgsize,
					       bitmap.data);
		if (rc)
			goto out_unlock;
	}

	while (iommufd_vfio_first_area(ctr, start, last, &iova, &length)) {
		rc = iommufd_vfio_unmap_area(ctr, iova, length);
		if (rc)
			goto out_unlock;
		unmapped += length;
		if (iova + length - 1 >= last)
			break;
		start = iova + length;
	}
out_success:
	rc = 0;
	unmap.size = unmapped;
out_unlock:
	mutex_unlock(&ctr->lock);
	if (rc)
		return rc;
	return copy_to_user(arg, &unmap, minsz) ? -EFAULT : 0;
}

static void iommufd_vfio_cap_header(struct vfio_info_cap_header *hdr, u16 id,
				    u32 next)
{
	hdr->id = id;
	hdr->version = 1;
	hdr->next = next;
}

/*
 * The capability chain, in type1's order: MIGRATION, DMA_AVAIL and, if
 * any group has an IOMMU, IOVA_RANGE. They are packed back to back, with
 * no padding (so IOVA_RANGE follows the 12-byte DMA_AVAIL unaligned, as
 * with type1), and @next offsets count from the start of the info
 * struct, which the chain follows.
 */
static void *iommufd_vfio_build_caps(struct iommufd_vfio_container *ctr,
				     unsigned long pgsize, size_t *size)
{
	size_t mig_sz = sizeof(struct vfio_iommu_type1_info_cap_migration);
	size_t avail_sz = sizeof(struct vfio_iommu_type1_info_dma_avail);
	size_t base = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info_cap_iova_range *range;
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct iommu_iova_range *ranges = NULL;
	size_t range_sz = 0;
	u32 count = 0, i;
	void *buf;

	lockdep_assert_held(&ctr->lock);

	if (ctr->num_real) {
		/* Nothing but this container changes the reserved set. */
		down_read(&ctr->ioas->iopt.iova_rwsem);
		iommufd_ioas_collect_ranges(ctr->ioas, NULL, 0, &count);
		up_read(&ctr->ioas->iopt.iova_rwsem);
		ranges = kcalloc(count, sizeof(*ranges), GFP_KERNEL);
		if (count && !ranges)
			return ERR_PTR(-ENOMEM);
		down_read(&ctr->ioas->iopt.iova_rwsem);
		iommufd_ioas_collect_ranges(ctr->ioas, ranges, count, &count);
		up_read(&ctr->ioas->iopt.iova_rwsem);
		range_sz = struct_size(range, iova_ranges, count);
	}

	*size = mig_sz + avail_sz + range_sz;
	buf = kzalloc(*size, GFP_KERNEL);
	if (!buf) {
		kfree(ranges);
		return ERR_PTR(-ENOMEM);
	}

	mig = buf;
	iommufd_vfio_cap_header(&mig->header,
				VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
				base + mig_sz);
	mig->flags = 0;
	mig->pgsize_bitmap = pgsize;
	mig->max_dirty_bitmap_size = IOMMUFD_VFIO_MAX_DIRTY_BITMAP;

	avail = buf + mig_sz;
	iommufd_vfio_cap_header(&avail->header,
				VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
				range_sz ? base + mig_sz + avail_sz : 0);
	avail->avail = ctr->dma_avail;

	if (range_sz) {
		range = buf + mig_sz + avail_sz;
		iommufd_vfio_cap_header(&range->header,
					VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
					0);
		range->nr_iovas = count;
		for (i = 0; i != count; i++) {
			range->iova_ranges[i].start = ranges[i].start;
			range->iova_ranges[i].end = ranges[i].last;
		}
	}
	kfree(ranges);
	return buf;
}

static int iommufd_vfio_get_info(struct iommufd_vfio_container *ctr,
				 void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	size_t capsz = offsetofend(struct vfio_iommu_type1_info, cap_offset);
	struct vfio_iommu_type1_info info = {};
	size_t caps_size;
	void *caps;
	int rc = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	/* cap_offset is output only, and only there if argsz has room. */
	if (info.argsz >= capsz)
		minsz = capsz;

	mutex_lock(&ctr->lock);
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = iommufd_vfio_pgsize_bitmap(ctr);
	caps = iommufd_vfio_build_caps(ctr, 1UL << __ffs(info.iova_pgsizes),
				       &caps_size);
	mutex_unlock(&ctr->lock);
	if (IS_ERR(caps))
		return PTR_ERR(caps);

	if (info.argsz < sizeof(info) + caps_size) {
		/* Too small: say how much is needed, copy no chain. */
		info.argsz = sizeof(info) + caps_size;
	} else {
		if (copy_to_user(arg + sizeof(info), caps, caps_size))
			rc = -EFAULT;
		info.cap_offset = sizeof(info);
	}
	kfree(caps);
	if (rc)
		return rc;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int iommufd_vfio_dirty_pages(struct iommufd_vfio_container *ctr,
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

	if (!ctr->v2)
		return -EACCES;
	if (copy_from_user(&dirty, arg, minsz))
		return -EFAULT;
	if (dirty.argsz < minsz || dirty.flags & ~supported ||
	    hweight32(dirty.flags) != 1)
		return -EINVAL;

	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		mutex_lock(&ctr->lock);
		ctr->dirty_tracking = true;
		mutex_unlock(&ctr->lock);
		return 0;
	}
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		mutex_lock(&ctr->lock);
		ctr->dirty_tracking = false;
		mutex_unlock(&ctr->lock);
		return 0;
	}

	if (dirty.argsz < minsz + sizeof(range))
		return -EINVAL;
	if (copy_from_user(&range, arg + minsz, sizeof(range)))
		return -EFAULT;
	if (range.iova + range.size < range.iova)
		return -EINVAL;
	rc = iommufd_vfio_check_bitmap(&range.bitmap, range.size);
	if (rc)
		return rc;

	mutex_lock(&ctr->lock);
	pgsize = iommufd_vfio_pgsize(ctr);
	rc = -EINVAL;
	if (range.bitmap.pgsize != pgsize || range.iova & (pgsize - 1) ||
	    !range.size || range.size & (pgsize - 1) || !ctr->dirty_tracking)
		goto out_unlock;
	/* The range must not cut a mapping. */
	if (iommufd_vfio_first_area(ctr, range.iova, range.iova, &iova,
				    &length) && iova != range.iova)
		goto out_unlock;
	if (iommufd_vfio_first_area(ctr, range.iova + range.size - 1,
				    range.iova + range.size - 1, &iova,
				    &length) &&
	    iova + length != range.iova + range.size)
		goto out_unlock;
	rc = iommufd_vfio_report_dirty(ctr, range.iova, range.size, pgsize,
				       range.bitmap.data);
out_unlock:
	mutex_unlock(&ctr->lock);
	return rc;
}

/**
 * iommufd_vfio_container_ioctl() - a VFIO container ioctl
 * @ctr: the container
 * @cmd: VFIO_CHECK_EXTENSION, VFIO_IOMMU_GET_INFO, _MAP_DMA, _UNMAP_DMA
 *	or _DIRTY_PAGES
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

	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_check_extension(ctr, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommufd_vfio_get_info(ctr, uarg);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_vfio_map_dma(ctr, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_vfio_unmap_dma(ctr, uarg);
	case VFIO_IOMMU_DIRTY_PAGES:
		return iommufd_vfio_dirty_pages(ctr, uarg);
	}
	return -ENOTTY;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_container_ioctl, IOMMUFD);
