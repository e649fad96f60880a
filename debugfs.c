// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debugfs view of iommufd, read-only and for root only:
 *
 *	/sys/kernel/debug/iommufd/totals	module-wide counts
 *	/sys/kernel/debug/iommufd/ctx/<n>	one file per context
 *	/sys/kernel/debug/iommufd/vfio/<n>	one per VFIO container, the
 *						older view of the VFIO tests
 *
 * <n> counts up from 0 and is not reused while the module is loaded.
 * Every file is lines of a keyword and its values, so that scripts and
 * tools/iommufd-stat can read them. totals:
 *
 *	contexts <n>
 *	pinned_pages <n>
 *	charged_user_pages <n>
 *	charged_mm_pages <n>
 *
 * A context's file, IDs and counts in decimal, IOVAs in hex:
 *
 *	pid <pid> comm <comm>
 *	kind file|vfio
 *	account none|user|mm|mm_nolimit
 *	object <id> <type> users <n>		every object
 *	device <id> hwpt <id or 0> dev <name>	where a device is attached;
 *						the (first) device of its group
 *	hwpt <id> ioas <id> auto <0|1>
 *	access <id> ioas <id or 0> pinned <pages>
 *	ioas <id> domains <n>
 *	area <ioas> <first> <last> <r|w|rw> set <set> <npages> <npinned> \
 *		owner <pid> account <mode> source <user|file>
 *	area <ioas> <first> <last> busy		being built or unmapped
 *	sets <n>
 *
 * <set> numbers the page sets of one read from 0 as they first appear,
 * so areas sharing a set (IOMMU_IOAS_COPY) show the same number; npages
 * and npinned are the set's own counts, and owner and account the
 * process it is charged to and how; source says whether it maps user
 * memory (IOAS_MAP, MAP_DMA) or a file (IOAS_MAP_FILE).
 *
 * A read holds each object it shows by a short-term reference only, as
 * an ioctl in flight does: an IOMMU_DESTROY or a driver's unbind
 * meanwhile still decides as it would have, and waits for the read to
 * put the object before it frees it. A context removes its file before
 * it destroys its objects, which waits for a read in progress.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "iommufd_private.h"

struct iommufd_stats iommufd_stats;

static struct dentry *iommufd_debugfs_root;
static struct dentry *iommufd_debugfs_ctx;
static atomic_t iommufd_debugfs_ctx_next = ATOMIC_INIT(0);

static const char *const iommufd_obj_type_names[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_DEVICE] = "device",
	[IOMMUFD_OBJ_HWPT_PAGING] = "hwpt",
	[IOMMUFD_OBJ_IOAS] = "ioas",
	[IOMMUFD_OBJ_ACCESS] = "access",
	[IOMMUFD_OBJ_SELFTEST] = "selftest",
};

/**
 * iommufd_account_mode_name() - an &enum iopt_account_mode as a word
 * @mode: the mode
 *
 * Return: "none", "user", "mm", "mm_nolimit", or "?".
 */
const char *iommufd_account_mode_name(u8 mode)
{
	switch (mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		return "none";
	case IOPT_PAGES_ACCOUNT_USER:
		return "user";
	case IOPT_PAGES_ACCOUNT_MM:
		return "mm";
	case IOPT_PAGES_ACCOUNT_MM_NOLIMIT:
		return "mm_nolimit";
	}
	return "?";
}

/**
 * iommufd_prot_name() - IOMMU_READ/IOMMU_WRITE as "r", "w" or "rw"
 * @prot: the IOMMU protection flags of an area
 *
 * Return: the word.
 */
const char *iommufd_prot_name(int prot)
{
	if ((prot & IOMMU_READ) && (prot & IOMMU_WRITE))
		return "rw";
	return prot & IOMMU_WRITE ? "w" : "r";
}

/* Objects of one context, each held by a short-term reference */
struct iommufd_debugfs_objs {
	struct iommufd_object **obj;
	unsigned int n;
};

/*
 * Hold every published object of @ictx. Objects that come meanwhile are
 * left out; 0 or -ENOMEM.
 */
static int iommufd_debugfs_get_objs(struct iommufd_ctx *ictx,
				    struct iommufd_debugfs_objs *objs)
{
	struct iommufd_object *obj;
	unsigned long index;
	unsigned int max = 0;

	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj)
		max++;
	xa_unlock(&ictx->objects);

	objs->n = 0;
	objs->obj = kcalloc(max(max, 1U), sizeof(*objs->obj), GFP_KERNEL);
	if (!objs->obj)
		return -ENOMEM;

	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (objs->n == max)
			break;
		/* Zero once a removal has taken the object out of use. */
		if (!refcount_inc_not_zero(&obj->shortterm_users))
			continue;
		objs->obj[objs->n++] = obj;
	}
	xa_unlock(&ictx->objects);
	return 0;
}

static void iommufd_debugfs_put_objs(struct iommufd_ctx *ictx,
				     struct iommufd_debugfs_objs *objs)
{
	unsigned int i;

	for (i = 0; i != objs->n; i++)
		if (refcount_dec_and_test(&objs->obj[i]->shortterm_users))
			wake_up_all(&ictx->destroy_wait);
	kfree(objs->obj);
}

/* The number of @pages in this read, from @sets; -ENOMEM on failure. */
static long iommufd_debugfs_set_id(struct xarray *sets, unsigned long *nsets,
				   struct iopt_pages *pages)
{
	void *entry = xa_load(sets, (unsigned long)pages);
	unsigned long id;

	if (entry)
		return xa_to_value(entry);
	id = (*nsets)++;
	entry = xa_store(sets, (unsigned long)pages, xa_mk_value(id),
			 GFP_KERNEL);
	if (xa_is_err(entry))
		return xa_err(entry);
	return id;
}

static int iommufd_debugfs_show_ioas(struct seq_file *m,
				     struct iommufd_ioas *ioas,
				     struct xarray *sets, unsigned long *nsets)
{
	struct io_pagetable *iopt = &ioas->iopt;
	struct iopt_area *area;
	int rc = 0;

	down_read(&iopt->domains_rwsem);
	down_read(&iopt->iova_rwsem);
	seq_printf(m, "ioas %u domains %u\n", ioas->obj.id, iopt->num_domains);
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		struct iopt_pages *pages = area->pages;
		unsigned long npinned;
		pid_t owner;
		long id;
		u8 mode;

		if (!pages) {
			seq_printf(m, "area %u %lx %lx busy\n", ioas->obj.id,
				   iopt_area_iova(area),
				   iopt_area_last_iova(area));
			continue;
		}
		id = iommufd_debugfs_set_id(sets, nsets, pages);
		if (id < 0) {
			rc = id;
			break;
		}
		mutex_lock(&pages->mutex);
		npinned = pages->npinned;
		owner = task_tgid_nr(pages->source_task);
		mode = pages->account_mode;
		mutex_unlock(&pages->mutex);
		seq_printf(m, "area %u %lx %lx %s set %ld %lu %lu owner %d account %s source %s\n",
			   ioas->obj.id, iopt_area_iova(area),
			   iopt_area_last_iova(area),
			   iommufd_prot_name(area->iommu_prot), id,
			   pages->npages, npinned, owner,
			   iommufd_account_mode_name(mode),
			   pages->file ? "file" : "user");
	}
	up_read(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return rc;
}

static void iommufd_debugfs_show_obj(struct seq_file *m,
				     struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_access *access;
	struct iommufd_device *idev;
	u32 id;

	switch (obj->type) {
	case IOMMUFD_OBJ_DEVICE:
		idev = container_of(obj, struct iommufd_device, obj);
		mutex_lock(&idev->igroup->lock);
		id = idev->hwpt ? idev->hwpt->obj.id : 0;
		mutex_unlock(&idev->igroup->lock);
		seq_printf(m, "device %u hwpt %u dev %s\n", obj->id, id,
			   dev_name(idev->dev));
		break;
	case IOMMUFD_OBJ_HWPT_PAGING:
		hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);
		seq_printf(m, "hwpt %u ioas %u auto %d\n", obj->id,
			   hwpt->ioas->obj.id, hwpt->auto_domain);
		break;
	case IOMMUFD_OBJ_ACCESS:
		access = container_of(obj, struct iommufd_access, obj);
		mutex_lock(&access->ioas_lock);
		id = access->ioas ? access->ioas->obj.id : 0;
		mutex_unlock(&access->ioas_lock);
		seq_printf(m, "access %u ioas %u pinned %ld\n", obj->id, id,
			   atomic_long_read(&access->npinned));
		break;
	default:
		break;
	}
}

static int iommufd_debugfs_ctx_show(struct seq_file *m, void *unused)
{
	struct iommufd_ctx *ictx = m->private;
	struct iommufd_debugfs_objs objs;
	unsigned long nsets = 0;
	struct xarray sets;
	unsigned int i;
	int rc;

	seq_printf(m, "pid %d comm %s\nkind %s\naccount %s\n", ictx->pid,
		   ictx->comm, ictx->vfio_container ? "vfio" : "file",
		   iommufd_account_mode_name(READ_ONCE(ictx->account_mode)));

	rc = iommufd_debugfs_get_objs(ictx, &objs);
	if (rc)
		return rc;
	for (i = 0; i != objs.n; i++)
		seq_printf(m, "object %u %s users %u\n", objs.obj[i]->id,
			   iommufd_obj_type_names[objs.obj[i]->type] ?: "?",
			   refcount_read(&objs.obj[i]->users));
	for (i = 0; i != objs.n; i++)
		iommufd_debugfs_show_obj(m, objs.obj[i]);

	xa_init(&sets);
	for (i = 0; i != objs.n && !rc; i++) {
		struct iommufd_ioas *ioas;

		if (objs.obj[i]->type != IOMMUFD_OBJ_IOAS)
			continue;
		ioas = container_of(objs.obj[i], struct iommufd_ioas, obj);
		rc = iommufd_debugfs_show_ioas(m, ioas, &sets, &nsets);
	}
	if (!rc)
		seq_printf(m, "sets %lu\n", nsets);
	xa_destroy(&sets);
	iommufd_debugfs_put_objs(ictx, &objs);
	return rc;
}
DEFINE_SHOW_ATTRIBUTE(iommufd_debugfs_ctx);

static int iommufd_debugfs_totals_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "contexts %ld\npinned_pages %ld\ncharged_user_pages %ld\ncharged_mm_pages %ld\nworker_pinned_pages %ld\n",
		   atomic_long_read(&iommufd_stats.contexts),
		   atomic_long_read(&iommufd_stats.pinned_pages),
		   atomic_long_read(&iommufd_stats.charged_user_pages),
		   atomic_long_read(&iommufd_stats.charged_mm_pages),
		   atomic_long_read(&iommufd_stats.worker_pinned_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommufd_debugfs_totals);

/**
 * iommufd_ctx_debugfs_add() - give a new context its debugfs file
 * @ictx: the context, its @pid and @comm set
 *
 * Without debugfs the context just has no file.
 */
void iommufd_ctx_debugfs_add(struct iommufd_ctx *ictx)
{
	struct dentry *file;
	char name[16];

	if (IS_ERR_OR_NULL(iommufd_debugfs_ctx))
		return;
	snprintf(name, sizeof(name), "%u",
		 atomic_inc_return(&iommufd_debugfs_ctx_next) - 1);
	file = debugfs_create_file(name, 0400, iommufd_debugfs_ctx, ictx,
				   &iommufd_debugfs_ctx_fops);
	ictx->debugfs = IS_ERR(file) ? NULL : file;
}

/**
 * iommufd_ctx_debugfs_remove() - remove a context's debugfs file
 * @ictx: the context
 *
 * Waits for a read of the file in progress, which may hold objects of
 * the context; so it comes before they are destroyed. Idempotent.
 */
void iommufd_ctx_debugfs_remove(struct iommufd_ctx *ictx)
{
	debugfs_remove(ictx->debugfs);
	ictx->debugfs = NULL;
}

/*
 * At module load, before the first context can be made; debugfs may be
 * absent, which only loses the view.
 */
void iommufd_debugfs_init(void)
{
	iommufd_debugfs_root = debugfs_create_dir("iommufd", NULL);
	iommufd_debugfs_ctx = debugfs_create_dir("ctx", iommufd_debugfs_root);
	debugfs_create_file("totals", 0400, iommufd_debugfs_root, NULL,
			    &iommufd_debugfs_totals_fops);
	iommufd_vfio_debugfs_init(iommufd_debugfs_root);
}

void iommufd_debugfs_exit(void)
{
	debugfs_remove(iommufd_debugfs_root);
}
