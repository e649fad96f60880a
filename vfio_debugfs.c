// SPDX-License-Identifier: GPL-2.0-only
/*
 * A debugfs view of the VFIO containers (vfio_compat.c), for tests that
 * run a real VFIO user such as QEMU and then need to see what it mapped
 * and what is pinned for it.
 *
 * Each container gets a read-only file /sys/kernel/debug/iommufd/vfio/<n>,
 * <n> counting up from 0 and never reused while the module is loaded. It
 * lists the container's areas in IOVA order, one a line:
 *
 *	area <first iova> <last iova> <r|w|rw> set <id> <npages> <npinned>
 *
 * (IOVAs in hex, the rest decimal; <id> numbers the page sets of one
 * read from 0 in the order they first appear, so two areas on the same
 * set show the same id, and npages/npinned are the set's own counts),
 * then "domains <n>", "areas <n>" and "sets <n>". An area
 * that an ioctl is building or unmapping at that moment reads as
 * "area <first> <last> busy".
 *
 * Nothing here changes a container. Removing the file waits for a read
 * in progress, so a container removes its file before it goes away.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/seq_file.h>

#include "iommufd_private.h"

static struct dentry *iommufd_debugfs_vfio;
static atomic_t iommufd_debugfs_vfio_next = ATOMIC_INIT(0);

/*
 * One area's line. @sets maps the page sets seen so far to their ids;
 * @nsets counts them. 0 or -ENOMEM.
 */
static int iommufd_debugfs_show_area(struct seq_file *m,
				     struct iopt_area *area,
				     struct xarray *sets, unsigned long *nsets)
{
	struct iopt_pages *pages = area->pages;
	unsigned long npinned, id;
	void *entry;

	if (!pages) {
		seq_printf(m, "area %lx %lx busy\n", iopt_area_iova(area),
			   iopt_area_last_iova(area));
		return 0;
	}
	entry = xa_load(sets, (unsigned long)pages);
	if (entry) {
		id = xa_to_value(entry);
	} else {
		id = (*nsets)++;
		entry = xa_store(sets, (unsigned long)pages, xa_mk_value(id),
				 GFP_KERNEL);
		if (xa_is_err(entry))
			return xa_err(entry);
	}
	mutex_lock(&pages->mutex);
	npinned = pages->npinned;
	mutex_unlock(&pages->mutex);
	seq_printf(m, "area %lx %lx %s set %lu %lu %lu\n",
		   iopt_area_iova(area), iopt_area_last_iova(area),
		   iommufd_prot_name(area->iommu_prot), id, pages->npages,
		   npinned);
	return 0;
}

static int iommufd_debugfs_vfio_show(struct seq_file *m, void *unused)
{
	struct iommufd_vfio_container *ctr = m->private;
	struct io_pagetable *iopt = &iommufd_vfio_container_ioas(ctr)->iopt;
	unsigned long nareas = 0, nsets = 0;
	struct iopt_area *area;
	struct xarray sets;
	int rc = 0;

	xa_init(&sets);
	down_read(&iopt->domains_rwsem);
	down_read(&iopt->iova_rwsem);
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		rc = iommufd_debugfs_show_area(m, area, &sets, &nsets);
		if (rc)
			break;
		nareas++;
	}
	if (!rc)
		seq_printf(m, "domains %u\nareas %lu\nsets %lu\n",
			   iopt->num_domains, nareas, nsets);
	up_read(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	xa_destroy(&sets);
	return rc;
}
DEFINE_SHOW_ATTRIBUTE(iommufd_debugfs_vfio);

/**
 * iommufd_vfio_debugfs_add() - give a container its debugfs file
 * @ctr: the container, which must outlive the file
 *
 * Return: the file, to hand to iommufd_vfio_debugfs_remove(); an error
 * pointer or NULL (no debugfs) is fine to hand on as well.
 */
struct dentry *iommufd_vfio_debugfs_add(struct iommufd_vfio_container *ctr)
{
	char name[16];

	if (IS_ERR_OR_NULL(iommufd_debugfs_vfio))
		return NULL;
	snprintf(name, sizeof(name), "%u",
		 atomic_inc_return(&iommufd_debugfs_vfio_next) - 1);
	return debugfs_create_file(name, 0400, iommufd_debugfs_vfio, ctr,
				   &iommufd_debugfs_vfio_fops);
}

/**
 * iommufd_vfio_debugfs_remove() - remove a container's file
 * @file: what iommufd_vfio_debugfs_add() returned
 *
 * Waits for a read of the file in progress; the caller must not hold
 * any lock the read takes.
 */
void iommufd_vfio_debugfs_remove(struct dentry *file)
{
	debugfs_remove(file);
}

/* At module load, under the module's debugfs directory @root. */
void iommufd_vfio_debugfs_init(struct dentry *root)
{
	iommufd_debugfs_vfio = debugfs_create_dir("vfio", root);
}
