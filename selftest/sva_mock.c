// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mock SVA device for the test build.
 *
 * It does DMA by (PASID, virtual address) the way a device with an
 * address translation cache would: a miss walks the bound mm's page tables
 * (faulting pages in, as a device's page request would) and caches the
 * translation, holding a reference on the page; a hit uses the cache. The
 * cache has one entry per PASID, dropped by the SVA layer's invalidations,
 * so a lost invalidation shows up as DMA that still reaches a page the
 * process has unmapped, rather than as a use-after-free. Once a PASID is
 * stopped (its mm went away) or unbound, DMA on it fails with EIO, as a
 * translation fault would.
 *
 * Each device is an anonymous file; the handles bound through it are
 * numbered per device, and closing the file unbinds what is left.
 */
#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/iommufd.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"
#include "selftest/mock.h"

/**
 * struct mock_sva_dev - a mock SVA device
 * @dev: the device SVA binds, never added to the driver core
 * @max_pasid: the highest PASID it can use
 * @file: its file
 * @pasids: PASID → &struct mock_sva_pasid of every bound mm; entries
 *	change under @pasids' xa_lock, held with interrupts off since
 *	stop() and invalidations may come from any context
 * @handles: handle number → &struct iommufd_sva bound through the file
 * @handles_lock: guards @handles against concurrent test ops
 * @seq: source of &mock_sva_pasid.seq values, never repeating, so that a
 *	PASID unbound and bound again cannot look unchanged; guarded by the
 *	@pasids xa_lock
 */
struct mock_sva_dev {
	struct device dev;
	u32 max_pasid;
	struct file *file;
	struct xarray pasids;
	struct xarray handles;
	struct mutex handles_lock; /* see the kernel-doc above */
	u64 seq;
};

/**
 * struct mock_sva_pasid - what the device knows of one bound PASID
 * @mm: the mm (mmgrab'd), for page walks
 * @stopped: DMA on the PASID faults
 * @seq: changed by every invalidation, so that a walk that raced with one
 *	does not cache its stale result
 * @tlb_va: the page-aligned address the cache entry translates
 * @tlb_page: the page it translates to, referenced, or NULL
 * @tlb_write: the entry allows writes
 *
 * All but @mm are guarded by the device's @pasids xa_lock.
 */
struct mock_sva_pasid {
	struct mm_struct *mm;
	bool stopped;
	u64 seq;
	unsigned long tlb_va;
	struct page *tlb_page;
	bool tlb_write;
};

static struct mock_sva_dev *to_mock_sva(struct device *dev)
{
	return container_of(dev, struct mock_sva_dev, dev);
}

/* Drop the cache entry; called with the xa_lock held. */
static void mock_sva_tlb_drop(struct mock_sva_dev *msdev,
			      struct mock_sva_pasid *mp)
{
	mp->seq = ++msdev->seq;
	if (mp->tlb_page)
		put_page(mp->tlb_page);
	mp->tlb_page = NULL;
}

static int mock_sva_bind(struct device *dev, struct mm_struct *mm, u32 pasid,
			 void **priv)
{
	struct mock_sva_dev *msdev = to_mock_sva(dev);
	struct mock_sva_pasid *mp;
	int rc;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return -ENOMEM;
	mp->mm = mm;
	mmgrab(mm);
	/* Reserve the slot, then go live and publish priv at once. */
	rc = xa_reserve_irq(&msdev->pasids, pasid, GFP_KERNEL);
	if (!rc) {
		xa_lock_irq(&msdev->pasids);
		if (xa_load(&msdev->pasids, pasid)) {
			rc = -EBUSY;
		} else {
			mp->seq = ++msdev->seq;
			WARN_ON(xa_is_err(__xa_store(&msdev->pasids, pasid, mp,
						     GFP_ATOMIC)));
			WRITE_ONCE(*priv, mp);
		}
		xa_unlock_irq(&msdev->pasids);
	}
	if (rc) {
		mmdrop(mm);
		kfree(mp);
	}
	return rc;
}

static void mock_sva_unbind(struct device *dev, u32 pasid, void *priv)
{
	struct mock_sva_dev *msdev = to_mock_sva(dev);
	struct mock_sva_pasid *mp = priv;
	unsigned long flags;

	xa_lock_irqsave(&msdev->pasids, flags);
	WARN_ON(__xa_erase(&msdev->pasids, pasid) != mp);
	mock_sva_tlb_drop(msdev, mp);
	xa_unlock_irqrestore(&msdev->pasids, flags);
	mmdrop(mp->mm);
	kfree(mp);
}

static void mock_sva_stop(struct device *dev, u32 pasid, void *priv)
{
	struct mock_sva_dev *msdev = to_mock_sva(dev);
	struct mock_sva_pasid *mp = priv;
	unsigned long flags;

	xa_lock_irqsave(&msdev->pasids, flags);
	mp->stopped = true;
	mock_sva_tlb_drop(msdev, mp);
	xa_unlock_irqrestore(&msdev->pasids, flags);
}

static void mock_sva_invalidate(struct device *dev, u32 pasid, void *priv,
				unsigned long start, unsigned long end)
{
	struct mock_sva_dev *msdev = to_mock_sva(dev);
	struct mock_sva_pasid *mp = priv;
	unsigned long flags;

	xa_lock_irqsave(&msdev->pasids, flags);
	if (!mp->tlb_page || (mp->tlb_va >= start && mp->tlb_va < end))
		mock_sva_tlb_drop(msdev, mp);
	else
		mp->seq = ++msdev->seq;
	xa_unlock_irqrestore(&msdev->pasids, flags);
}

static u32 mock_sva_max_pasid(struct device *dev)
{
	return to_mock_sva(dev)->max_pasid;
}

static const struct iommufd_sva_dev_ops mock_sva_ops = {
	.bind = mock_sva_bind,
	.unbind = mock_sva_unbind,
	.stop = mock_sva_stop,
	.invalidate = mock_sva_invalidate,
	.max_pasid = mock_sva_max_pasid,
};

/*
 * Translate @va on @pasid to a referenced page: from the cache, or by a
 * walk of the mm that then fills the cache.
 */
static int mock_sva_translate(struct mock_sva_dev *msdev, u32 pasid,
			      unsigned long va, bool write, struct page **out)
{
	struct mock_sva_pasid *mp;
	struct mm_struct *mm;
	u64 seq;
	struct page *page;
	long got;

	va = ALIGN_DOWN(va, PAGE_SIZE);
	xa_lock_irq(&msdev->pasids);
	mp = xa_load(&msdev->pasids, pasid);
	if (!mp || mp->stopped) {
		xa_unlock_irq(&msdev->pasids);
		return -EIO;
	}
	if (mp->tlb_page && mp->tlb_va == va && (mp->tlb_write || !write)) {
		*out = mp->tlb_page;
		get_page(*out);
		xa_unlock_irq(&msdev->pasids);
		return 0;
	}
	mm = mp->mm;
	seq = mp->seq;
	/* mp holds mm_count, so the mm struct is there to try. */
	if (!mmget_not_zero(mm)) {
		xa_unlock_irq(&msdev->pasids);
		return -EIO;
	}
	xa_unlock_irq(&msdev->pasids);

	mmap_read_lock(mm);
	got = get_user_pages_remote(mm, va, 1, write ? FOLL_WRITE : 0, &page,
				    NULL, NULL);
	mmap_read_unlock(mm);
	mmput(mm);
	if (got != 1)
		return -EIO;

	xa_lock_irq(&msdev->pasids);
	if (xa_load(&msdev->pasids, pasid) == mp && !mp->stopped &&
	    mp->seq == seq) {
		mock_sva_tlb_drop(msdev, mp);
		get_page(page);
		mp->tlb_page = page;
		mp->tlb_va = va;
		mp->tlb_write = write;
	}
	xa_unlock_irq(&msdev->pasids);
	*out = page;
	return 0;
}

/*
 * All pages are translated before any byte moves, so a DMA that faults
 * moves nothing.
 */
static int mock_sva_dma(struct mock_sva_dev *msdev,
			struct iommu_test_cmd *cmd)
{
	struct page *pages[MOCK_SVA_DMA_MAX / PAGE_SIZE + 1];
	bool write = cmd->sva_dma.flags & MOCK_SVA_DMA_WRITE;
	unsigned long va = cmd->sva_dma.va, done, n, offset;
	size_t len = cmd->sva_dma.length;
	unsigned int npages = 0, i;
	void *buf, *kva;
	int rc = 0;

	if (cmd->sva_dma.flags & ~MOCK_SVA_DMA_WRITE)
		return -EOPNOTSUPP;
	if (!len || len > MOCK_SVA_DMA_MAX || va + len < va)
		return -EINVAL;
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, u64_to_user_ptr(cmd->sva_dma.uptr),
				    len)) {
		rc = -EFAULT;
		goto out_free;
	}
	for (done = 0; done != len; done += n) {
		offset = (va + done) % PAGE_SIZE;
		n = min_t(size_t, len - done, PAGE_SIZE - offset);
		rc = mock_sva_translate(msdev, cmd->sva_dma.pasid, va + done,
					write, &pages[npages]);
		if (rc)
			goto out_put;
		npages++;
	}
	for (done = 0, i = 0; done != len; done += n, i++) {
		offset = (va + done) % PAGE_SIZE;
		n = min_t(size_t, len - done, PAGE_SIZE - offset);
		kva = kmap_local_page(pages[i]);
		if (write)
			memcpy(kva + offset, buf + done, n);
		else
			memcpy(buf + done, kva + offset, n);
		kunmap_local(kva);
		if (write)
			set_page_dirty_lock(pages[i]);
	}
	if (!write && copy_to_user(u64_to_user_ptr(cmd->sva_dma.uptr), buf,
				   len))
		rc = -EFAULT;
out_put:
	for (i = 0; i != npages; i++)
		put_page(pages[i]);
out_free:
	kfree(buf);
	return rc;
}

/**
 * struct mock_sva_unbind_later - an unbind from a work item or RCU callback
 * @handle: what to unbind
 * @work: for MOCK_SVA_UNBIND_WORK
 * @rcu: for MOCK_SVA_UNBIND_RCU
 */
struct mock_sva_unbind_later {
	struct iommufd_sva *handle;
	struct work_struct work;
	struct rcu_head rcu;
};

/* Runs MOCK_SVA_UNBIND_WORK unbinds. */
static struct workqueue_struct *mock_sva_wq;

/* Wait for the unbinds asked for so far, then for what they free. */
static void mock_sva_flush(void)
{
	rcu_barrier();
	flush_workqueue(mock_sva_wq);
	iommufd_sva_flush();
}

static void mock_sva_unbind_work(struct work_struct *work)
{
	struct mock_sva_unbind_later *later =
		container_of(work, struct mock_sva_unbind_later, work);

	iommufd_sva_unbind_device(later->handle);
	kfree(later);
}

static void mock_sva_unbind_rcu(struct rcu_head *rcu)
{
	struct mock_sva_unbind_later *later =
		container_of(rcu, struct mock_sva_unbind_later, rcu);

	iommufd_sva_unbind_device(later->handle);
	kfree(later);
}

static int mock_sva_unbind_handle(struct mock_sva_dev *msdev,
				  struct iommu_test_cmd *cmd)
{
	struct mock_sva_unbind_later *later = NULL;
	struct iommufd_sva *handle;

	if (cmd->sva_unbind.mode > MOCK_SVA_UNBIND_RCU)
		return -EOPNOTSUPP;
	if (cmd->sva_unbind.mode != MOCK_SVA_UNBIND_DIRECT) {
		later = kzalloc(sizeof(*later), GFP_KERNEL);
		if (!later)
			return -ENOMEM;
	}
	mutex_lock(&msdev->handles_lock);
	handle = xa_erase_irq(&msdev->handles, cmd->sva_unbind.handle);
	mutex_unlock(&msdev->handles_lock);
	if (!handle) {
		kfree(later);
		return -ENOENT;
	}

	switch (cmd->sva_unbind.mode) {
	case MOCK_SVA_UNBIND_DIRECT:
		iommufd_sva_unbind_device(handle);
		break;
	case MOCK_SVA_UNBIND_WORK:
		later->handle = handle;
		INIT_WORK(&later->work, mock_sva_unbind_work);
		queue_work(mock_sva_wq, &later->work);
		break;
	case MOCK_SVA_UNBIND_RCU:
		later->handle = handle;
		call_rcu(&later->rcu, mock_sva_unbind_rcu);
		break;
	}
	return 0;
}

static int mock_sva_bind_handle(struct mock_sva_dev *msdev,
				struct iommu_test_cmd *cmd)
{
	struct iommufd_sva *handle;
	u32 id;
	int rc;

	handle = iommufd_sva_bind_device(&msdev->dev);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	mutex_lock(&msdev->handles_lock);
	rc = xa_alloc_irq(&msdev->handles, &id, handle, xa_limit_31b,
			  GFP_KERNEL);
	mutex_unlock(&msdev->handles_lock);
	if (rc) {
		iommufd_sva_unbind_device(handle);
		return rc;
	}
	cmd->sva_bind.out_handle = id;
	cmd->sva_bind.out_pasid = iommufd_sva_get_pasid(handle);
	return 0;
}

static int mock_sva_release_handle(struct mock_sva_dev *msdev,
				   struct iommu_test_cmd *cmd)
{
	struct iommufd_sva *handle;
	int rc = 0;

	mutex_lock(&msdev->handles_lock);
	handle = xa_load(&msdev->handles, cmd->sva_unbind.handle);
	if (handle)
		iommufd_sva_test_release(handle);
	else
		rc = -ENOENT;
	mutex_unlock(&msdev->handles_lock);
	return rc;
}

static void mock_sva_dev_release(struct device *dev)
{
	struct mock_sva_dev *msdev = to_mock_sva(dev);

	WARN_ON(!xa_empty(&msdev->pasids));
	xa_destroy(&msdev->pasids);
	xa_destroy(&msdev->handles);
	mutex_destroy(&msdev->handles_lock);
	kfree(msdev);
}

static int mock_sva_fops_release(struct inode *inode, struct file *file)
{
	struct mock_sva_dev *msdev = file->private_data;
	struct iommufd_sva *handle;
	unsigned long id;

	xa_for_each(&msdev->handles, id, handle)
		iommufd_sva_unbind_device(handle);
	mock_sva_flush();
	WARN_ON(iommufd_sva_unregister_device(&msdev->dev));
	put_device(&msdev->dev);
	return 0;
}

static const struct file_operations mock_sva_fops = {
	.release = mock_sva_fops_release,
};

static int mock_sva_dev_create(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	struct mock_sva_dev *msdev;
	struct file *file;
	int fdno, rc;

	msdev = kzalloc(sizeof(*msdev), GFP_KERNEL);
	if (!msdev)
		return -ENOMEM;
	device_initialize(&msdev->dev);
	msdev->dev.release = mock_sva_dev_release;
	msdev->max_pasid = cmd->sva_dev_create.max_pasid;
	xa_init_flags(&msdev->pasids, XA_FLAGS_LOCK_IRQ);
	/* Both xarrays share a lock class here, so both are IRQ-safe. */
	xa_init_flags(&msdev->handles, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	mutex_init(&msdev->handles_lock);
	rc = dev_set_name(&msdev->dev, "iommufd_mock_sva");
	if (rc)
		goto err_put;

	rc = iommufd_sva_register_device(&msdev->dev, &mock_sva_ops);
	if (rc)
		goto err_put;

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = fdno;
		goto err_unregister;
	}
	file = anon_inode_getfile("[iommufd_mock_sva]", &mock_sva_fops, msdev,
				  O_RDWR);
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		put_unused_fd(fdno);
		goto err_unregister;
	}
	msdev->file = file;
	cmd->sva_dev_create.out_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The release unregisters and frees. */
		fput(file);
		put_unused_fd(fdno);
		return rc;
	}
	fd_install(fdno, file);
	return 0;

err_unregister:
	iommufd_sva_unregister_device(&msdev->dev);
err_put:
	put_device(&msdev->dev);
	return rc;
}

static int mock_sva_core_bind(struct iommu_test_cmd *cmd)
{
	u32 id = cmd->sva_core_bind.pci_id;
	struct iommufd_sva *handle;
	struct pci_dev *pdev;

	if (!IS_ENABLED(CONFIG_PCI))
		return -ENODEV;
	pdev = pci_get_domain_bus_and_slot(id >> 16, (id >> 8) & 0xff,
					   id & 0xff);
	if (!pdev)
		return -ENODEV;
	handle = iommufd_sva_bind_device(&pdev->dev);
	if (!IS_ERR(handle)) {
		iommufd_sva_unbind_device(handle);
		iommufd_sva_flush();
	}
	pci_dev_put(pdev);
	return PTR_ERR_OR_ZERO(handle);
}

/**
 * iommufd_test_sva() - the SVA test ops
 * @ucmd: the ioctl
 * @cmd: its command
 *
 * Return: the op's result.
 */
int iommufd_test_sva(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct mock_sva_dev *msdev;
	struct file *file;
	int rc;

	switch (cmd->op) {
	case IOMMU_TEST_OP_SVA_DEV_CREATE:
		return mock_sva_dev_create(ucmd, cmd);
	case IOMMU_TEST_OP_SVA_FLUSH:
		mock_sva_flush();
		return 0;
	case IOMMU_TEST_OP_SVA_CORE_BIND:
		return mock_sva_core_bind(cmd);
	}

	file = fget(cmd->id);
	if (!file)
		return -EBADF;
	if (file->f_op != &mock_sva_fops) {
		fput(file);
		return -EBADFD;
	}
	msdev = file->private_data;
	switch (cmd->op) {
	case IOMMU_TEST_OP_SVA_BIND:
		rc = mock_sva_bind_handle(msdev, cmd);
		if (!rc)
			rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
		break;
	case IOMMU_TEST_OP_SVA_UNBIND:
		rc = mock_sva_unbind_handle(msdev, cmd);
		break;
	case IOMMU_TEST_OP_SVA_DMA:
		rc = mock_sva_dma(msdev, cmd);
		break;
	case IOMMU_TEST_OP_SVA_RELEASE:
		rc = mock_sva_release_handle(msdev, cmd);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	fput(file);
	return rc;
}

int mock_sva_init(void)
{
	mock_sva_wq = alloc_workqueue("iommufd_mock_sva", 0, 0);
	return mock_sva_wq ? 0 : -ENOMEM;
}

void mock_sva_exit(void)
{
	destroy_workqueue(mock_sva_wq);
}
