// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared virtual addressing: a device translates DMA through a process's
 * own page tables, tagged with a PASID.
 *
 * Three objects take part:
 *
 * - &struct iommufd_sva_mm, one per bound mm. It is an mmu_notifier taken
 *   with mmu_notifier_get() by every bond and put by every unbind, so it
 *   lives as long as any bond does and is freed only after an SRCU grace
 *   period, when no notifier callback can still be running. It owns the
 *   mm's PASID, which therefore cannot be reused while any device might
 *   still issue it.
 * - &struct iommufd_sva, a bond between one device and one mm; the handle
 *   drivers hold. Binding the same device to the same mm again returns the
 *   same bond with one more reference.
 * - &struct iommufd_sva_dev, what this layer knows of a device: its backend
 *   (&struct iommufd_sva_dev_ops) and how many bonds it has. Devices of the
 *   test build's mock register themselves; any other device is driven
 *   through the IOMMU core.
 *
 * Lifetimes follow the mmu_notifier rules. release() runs when the mm is
 * torn down, possibly more than once and concurrently with other
 * callbacks; it only stops DMA (the backend blocks the PASID and drops
 * cached translations) and never sleeps. Bonds stay valid after that,
 * until their driver unbinds them. Unbinding may happen in any context,
 * an RCU callback included, and long after the process is gone: it stops
 * DMA at once and leaves the rest, which sleeps, to a work item.
 *
 * PASIDs come from one global allocator, in the range [1, max] of the
 * device that binds an mm first; a device whose range does not reach an
 * mm's PASID cannot bind that mm (EOVERFLOW).
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/mmu_notifier.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/iommufd.h>

#include "iommufd_compat.h"
#include "iommufd_private.h"

/**
 * struct iommufd_sva_mm - the mm side of SVA
 * @mn: the notifier; @mn.mm is the mm
 * @pasid: the mm's PASID; 0 until the first bind allocates it
 * @bonds: &struct iommufd_sva.node of every bond, an RCU list: changed
 *	under iommufd_sva_lock and iommufd_sva_list_lock, read under RCU by
 *	the notifier callbacks
 */
struct iommufd_sva_mm {
	struct mmu_notifier mn;
	u32 pasid;
	struct list_head bonds;
};

/**
 * struct iommufd_sva - a bond between a device and an mm
 * @smm: the mm side, referenced (one mmu_notifier_get())
 * @sdev: the device side
 * @priv: the backend's data for the bond
 * @users: references: one per bind
 * @node: entry in @smm->bonds
 * @release_work: the sleeping part of the last unbind
 */
struct iommufd_sva {
	struct iommufd_sva_mm *smm;
	struct iommufd_sva_dev *sdev;
	void *priv;
	refcount_t users;
	struct list_head node;
	struct work_struct release_work;
};

/**
 * struct iommufd_sva_dev - a device that SVA knows of
 * @dev: the device, referenced
 * @ops: its backend
 * @nr_bonds: bonds using it; guarded by iommufd_sva_lock
 * @registered: registered by its driver (else made for the IOMMU core
 *	backend, and dropped with its last bond); guarded by iommufd_sva_lock
 * @node: entry in iommufd_sva_devs
 */
struct iommufd_sva_dev {
	struct device *dev;
	const struct iommufd_sva_dev_ops *ops;
	unsigned int nr_bonds;
	bool registered;
	struct list_head node;
};

/* Guards bond creation and teardown and the device list. */
static DEFINE_MUTEX(iommufd_sva_lock);
/* Guards changes of &iommufd_sva_mm.bonds against its RCU readers. */
static DEFINE_SPINLOCK(iommufd_sva_list_lock);
static LIST_HEAD(iommufd_sva_devs);
static DEFINE_IDA(iommufd_sva_pasids);
/* Runs the sleeping part of unbinds. */
static struct workqueue_struct *iommufd_sva_wq;

static struct iommufd_sva_mm *to_sva_mm(struct mmu_notifier *mn)
{
	return container_of(mn, struct iommufd_sva_mm, mn);
}

/*
 * The mm is being torn down: stop every device's DMA on the PASID. Runs
 * once per teardown, maybe more, and must not sleep; the bonds stay.
 */
static void iommufd_sva_mn_release(struct mmu_notifier *mn,
				   struct mm_struct *mm)
{
	struct iommufd_sva_mm *smm = to_sva_mm(mn);
	struct iommufd_sva *bond;

	void *priv;

	rcu_read_lock();
	list_for_each_entry_rcu(bond, &smm->bonds, node) {
		/* NULL until the backend's bind made the PASID live. */
		priv = READ_ONCE(bond->priv);
		if (priv)
			bond->sdev->ops->stop(bond->sdev->dev, smm->pasid,
					      priv);
	}
	rcu_read_unlock();
}

/* CPU page table entries of [start, end) changed: tell every device. */
static void iommufd_sva_mn_invalidate_range(struct mmu_notifier *mn,
					    struct mm_struct *mm,
					    unsigned long start,
					    unsigned long end)
{
	struct iommufd_sva_mm *smm = to_sva_mm(mn);
	struct iommufd_sva *bond;
	void *priv;

	rcu_read_lock();
	list_for_each_entry_rcu(bond, &smm->bonds, node) {
		priv = READ_ONCE(bond->priv);
		if (priv)
			bond->sdev->ops->invalidate(bond->sdev->dev,
						    smm->pasid, priv, start,
						    end);
	}
	rcu_read_unlock();
}

static struct mmu_notifier *iommufd_sva_mn_alloc(struct mm_struct *mm)
{
	struct iommufd_sva_mm *smm;

	smm = kzalloc(sizeof(*smm), GFP_KERNEL);
	if (!smm)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&smm->bonds);
	return &smm->mn;
}

/* After the last put and an SRCU grace period: nobody can see it. */
static void iommufd_sva_mn_free(struct mmu_notifier *mn)
{
	struct iommufd_sva_mm *smm = to_sva_mm(mn);

	WARN_ON(!list_empty(&smm->bonds));
	if (smm->pasid)
		ida_free(&iommufd_sva_pasids, smm->pasid);
	kfree(smm);
}

static const struct mmu_notifier_ops iommufd_sva_mn_ops = {
	.release = iommufd_sva_mn_release,
	.invalidate_range = iommufd_sva_mn_invalidate_range,
	.alloc_notifier = iommufd_sva_mn_alloc,
	.free_notifier = iommufd_sva_mn_free,
};

/* The IOMMU core backend, for devices no driver registered. */

static int iommufd_sva_core_bind(struct device *dev, struct mm_struct *mm,
				 u32 pasid, void **priv)
{
	struct iommu_sva *handle;

	handle = iommufd_iommu_sva_bind(dev, mm);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	/* The core keeps its own PASID per mm; it must agree with ours. */
	if (iommu_sva_get_pasid(handle) != pasid) {
		iommu_sva_unbind_device(handle);
		return -EBUSY;
	}
	WRITE_ONCE(*priv, handle);
	return 0;
}

static void iommufd_sva_core_unbind(struct device *dev, u32 pasid, void *priv)
{
	iommu_sva_unbind_device(priv);
}

/* The IOMMU driver has its own notifier for these. */
static void iommufd_sva_core_nop(struct device *dev, u32 pasid, void *priv)
{
}

static void iommufd_sva_core_invalidate(struct device *dev, u32 pasid,
					void *priv, unsigned long start,
					unsigned long end)
{
}

static const struct iommufd_sva_dev_ops iommufd_sva_core_ops = {
	.bind = iommufd_sva_core_bind,
	.unbind = iommufd_sva_core_unbind,
	.stop = iommufd_sva_core_nop,
	.invalidate = iommufd_sva_core_invalidate,
};

static struct iommufd_sva_dev *iommufd_sva_find_dev(struct device *dev)
{
	struct iommufd_sva_dev *sdev;

	lockdep_assert_held(&iommufd_sva_lock);

	list_for_each_entry(sdev, &iommufd_sva_devs, node)
		if (sdev->dev == dev)
			return sdev;
	return NULL;
}

static void iommufd_sva_put_dev(struct iommufd_sva_dev *sdev)
{
	lockdep_assert_held(&iommufd_sva_lock);

	if (sdev->registered || sdev->nr_bonds)
		return;
	if (sdev->ops == &iommufd_sva_core_ops)
		iommufd_iommu_sva_disable(sdev->dev);
	list_del(&sdev->node);
	put_device(sdev->dev);
	kfree(sdev);
}

/**
 * iommufd_sva_register_device() - drive a device's SVA with a backend
 * @dev: the device
 * @ops: the backend; its callbacks must follow the rules of
 *	&struct iommufd_sva_dev_ops
 *
 * Devices that are not registered use the IOMMU core.
 *
 * Return: 0, -EEXIST if already registered or bound, or -ENOMEM.
 */
int iommufd_sva_register_device(struct device *dev,
				const struct iommufd_sva_dev_ops *ops)
{
	struct iommufd_sva_dev *sdev;
	int rc = 0;

	mutex_lock(&iommufd_sva_lock);
	if (iommufd_sva_find_dev(dev)) {
		rc = -EEXIST;
		goto out_unlock;
	}
	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	sdev->dev = get_device(dev);
	sdev->ops = ops;
	sdev->registered = true;
	list_add(&sdev->node, &iommufd_sva_devs);
out_unlock:
	mutex_unlock(&iommufd_sva_lock);
	return rc;
}

/**
 * iommufd_sva_unregister_device() - undo iommufd_sva_register_device()
 * @dev: the device, with no bond left
 *
 * Return: 0, or -EBUSY while bonds (even ones being torn down) remain.
 */
int iommufd_sva_unregister_device(struct device *dev)
{
	struct iommufd_sva_dev *sdev;
	int rc = 0;

	mutex_lock(&iommufd_sva_lock);
	sdev = iommufd_sva_find_dev(dev);
	if (WARN_ON(!sdev || !sdev->registered)) {
		rc = -ENOENT;
	} else if (sdev->nr_bonds) {
		rc = -EBUSY;
	} else {
		sdev->registered = false;
		iommufd_sva_put_dev(sdev);
	}
	mutex_unlock(&iommufd_sva_lock);
	return rc;
}

/*
 * The device side for @dev, made for the core backend if need be. The
 * core's SVA feature is enabled for as long as that exists, that is while
 * the device has bonds: once per device, however many mms it binds.
 */
static struct iommufd_sva_dev *iommufd_sva_get_dev(struct device *dev)
{
	struct iommufd_sva_dev *sdev;
	int rc;

	lockdep_assert_held(&iommufd_sva_lock);

	sdev = iommufd_sva_find_dev(dev);
	if (sdev)
		return sdev;
	/* No PASIDs, no SVA: say so before asking the driver. */
	if (!iommufd_iommu_max_pasids(dev))
		return ERR_PTR(-EOPNOTSUPP);
	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev)
		return ERR_PTR(-ENOMEM);
	rc = iommufd_iommu_sva_enable(dev);
	if (rc) {
		kfree(sdev);
		return ERR_PTR(rc);
	}
	sdev->dev = get_device(dev);
	sdev->ops = &iommufd_sva_core_ops;
	list_add(&sdev->node, &iommufd_sva_devs);
	return sdev;
}

static u32 iommufd_sva_max_pasid(struct iommufd_sva_dev *sdev)
{
	u32 n;

	if (sdev->ops->max_pasid)
		return sdev->ops->max_pasid(sdev->dev);
	n = iommufd_iommu_max_pasids(sdev->dev);
	return n ? n - 1 : 0;
}

/*
 * The last unbind: DMA was stopped already; now take the bond out of the
 * notifier's list, let the backend let go, and drop the mm side.
 */
static void iommufd_sva_release_work(struct work_struct *work)
{
	struct iommufd_sva *bond =
		container_of(work, struct iommufd_sva, release_work);
	struct iommufd_sva_dev *sdev = bond->sdev;
	struct iommufd_sva_mm *smm = bond->smm;

	mutex_lock(&iommufd_sva_lock);
	spin_lock(&iommufd_sva_list_lock);
	list_del_rcu(&bond->node);
	spin_unlock(&iommufd_sva_list_lock);
	/* No notifier callback may be looking at the bond or its device. */
	synchronize_rcu();
	sdev->ops->unbind(sdev->dev, smm->pasid, bond->priv);
	sdev->nr_bonds--;
	iommufd_sva_put_dev(sdev);
	mutex_unlock(&iommufd_sva_lock);

	mmu_notifier_put(&smm->mn);
	kfree(bond);
}

/* A bond of @sdev in @smm's list, which may be on its way out. */
static struct iommufd_sva *iommufd_sva_find_bond(struct iommufd_sva_mm *smm,
						 struct iommufd_sva_dev *sdev)
{
	struct iommufd_sva *bond;

	lockdep_assert_held(&iommufd_sva_lock);

	list_for_each_entry(bond, &smm->bonds, node)
		if (bond->sdev == sdev)
			return bond;
	return NULL;
}

/**
 * iommufd_sva_bind_device() - bind the calling process's mm to a device
 * @dev: the device
 *
 * The mm gets a PASID, shared by every device bound to it, if it has none
 * yet; the device then translates DMA tagged with that PASID through the
 * mm's page tables. Binding the same device and mm again returns the
 * same handle with one more reference; each bind needs an unbind.
 *
 * Context: process context; may sleep.
 * Return: the handle, or an ERR_PTR: EINVAL without an mm (a kthread);
 * ENOSPC if no PASID is free in the device's range; EOVERFLOW if the mm's
 * PASID is beyond the device's range; ENOMEM; the backend's errors (for
 * the IOMMU core: ENODEV or EOPNOTSUPP when the device or driver has no
 * SVA support, as on 6.1's x86).
 */
struct iommufd_sva *iommufd_sva_bind_device(struct device *dev)
{
	struct mm_struct *mm = current->mm;
	struct iommufd_sva_dev *sdev;
	struct iommufd_sva_mm *smm;
	struct mmu_notifier *mn;
	struct iommufd_sva *bond;
	bool new_pasid = false;
	u32 max;
	int rc;

	if (!mm)
		return ERR_PTR(-EINVAL);
	if (iommufd_should_fail())
		return ERR_PTR(-ENOMEM);

again:
	mutex_lock(&iommufd_sva_lock);
	sdev = iommufd_sva_get_dev(dev);
	if (IS_ERR(sdev)) {
		rc = PTR_ERR(sdev);
		goto err_unlock;
	}
	mn = mmu_notifier_get(&iommufd_sva_mn_ops, mm);
	if (IS_ERR(mn)) {
		rc = PTR_ERR(mn);
		goto err_put_dev;
	}
	smm = to_sva_mm(mn);

	bond = iommufd_sva_find_bond(smm, sdev);
	if (bond) {
		mmu_notifier_put(mn);
		if (refcount_inc_not_zero(&bond->users)) {
			mutex_unlock(&iommufd_sva_lock);
			return bond;
		}
		/*
		 * Its last unbind has stopped it, and its work would undo a
		 * new bind on the same PASID: let that finish first.
		 */
		mutex_unlock(&iommufd_sva_lock);
		flush_workqueue(iommufd_sva_wq);
		goto again;
	}

	max = iommufd_sva_max_pasid(sdev);
	if (!max) {
		rc = -EOPNOTSUPP;
		goto err_put_mn;
	}
	if (!smm->pasid) {
		rc = ida_alloc_range(&iommufd_sva_pasids, 1, max, GFP_KERNEL);
		if (rc < 0)
			goto err_put_mn;
		smm->pasid = rc;
		new_pasid = true;
	} else if (smm->pasid > max) {
		rc = -EOVERFLOW;
		goto err_put_mn;
	}

	bond = kzalloc(sizeof(*bond), GFP_KERNEL);
	if (!bond) {
		rc = -ENOMEM;
		goto err_put_mn;
	}
	bond->smm = smm;
	bond->sdev = sdev;
	refcount_set(&bond->users, 1);
	INIT_WORK(&bond->release_work, iommufd_sva_release_work);
	/*
	 * List the bond before the backend makes the PASID live, so that no
	 * invalidation can fall between the two; the callbacks skip it until
	 * the backend has set its priv, which it does as the PASID goes live.
	 */
	spin_lock(&iommufd_sva_list_lock);
	list_add_rcu(&bond->node, &smm->bonds);
	spin_unlock(&iommufd_sva_list_lock);
	rc = sdev->ops->bind(dev, mm, smm->pasid, &bond->priv);
	if (rc) {
		spin_lock(&iommufd_sva_list_lock);
		list_del_rcu(&bond->node);
		spin_unlock(&iommufd_sva_list_lock);
		synchronize_rcu();
		kfree(bond);
		goto err_put_mn;
	}
	sdev->nr_bonds++;
	mutex_unlock(&iommufd_sva_lock);
	return bond;

err_put_mn:
	/*
	 * A PASID this call allocated for an mm nothing else is bound to goes
	 * back at once: a retry on a device with a small range must not find
	 * it taken until the notifier is freed.
	 */
	if (new_pasid && list_empty(&smm->bonds)) {
		ida_free(&iommufd_sva_pasids, smm->pasid);
		smm->pasid = 0;
	}
	mmu_notifier_put(mn);
err_put_dev:
	iommufd_sva_put_dev(sdev);
err_unlock:
	mutex_unlock(&iommufd_sva_lock);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_NS_GPL(iommufd_sva_bind_device, IOMMUFD);

/**
 * iommufd_sva_get_pasid() - the PASID a bound device must tag its DMA with
 * @handle: a handle from iommufd_sva_bind_device()
 *
 * Return: the mm's PASID; the same for every device bound to the mm.
 */
u32 iommufd_sva_get_pasid(struct iommufd_sva *handle)
{
	return handle->smm->pasid;
}
EXPORT_SYMBOL_NS_GPL(iommufd_sva_get_pasid, IOMMUFD);

/**
 * iommufd_sva_unbind_device() - drop a reference taken by a bind
 * @handle: the handle; not to be used after this
 *
 * On the last reference the device's DMA on the PASID is stopped before
 * this returns; the rest of the teardown happens in a work item. The
 * driver must have stopped issuing DMA with the PASID first. The process
 * need not exist any more.
 *
 * Context: any, including atomic context and RCU callbacks.
 */
void iommufd_sva_unbind_device(struct iommufd_sva *handle)
{
	struct iommufd_sva_dev *sdev = handle->sdev;

	if (!refcount_dec_and_test(&handle->users))
		return;
	sdev->ops->stop(sdev->dev, handle->smm->pasid, handle->priv);
	queue_work(iommufd_sva_wq, &handle->release_work);
}
EXPORT_SYMBOL_NS_GPL(iommufd_sva_unbind_device, IOMMUFD);

/**
 * iommufd_sva_flush() - wait for unbinds and notifier frees in flight
 *
 * When this returns, every bond unbound before the call is gone, and so is
 * every mm side (and its PASID) that lost its last bond.
 */
void iommufd_sva_flush(void)
{
	flush_workqueue(iommufd_sva_wq);
	mmu_notifier_synchronize();
}

int iommufd_sva_init(void)
{
	iommufd_sva_wq = alloc_workqueue("iommufd_sva", 0, 0);
	return iommufd_sva_wq ? 0 : -ENOMEM;
}

/* Every bond is gone: wait for the notifiers' SRCU frees. */
void iommufd_sva_exit(void)
{
	destroy_workqueue(iommufd_sva_wq);
	mmu_notifier_synchronize();
	WARN_ON(!list_empty(&iommufd_sva_devs));
}

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
/**
 * iommufd_sva_test_release() - run the notifier's release() on a bond's mm
 * @handle: a bond
 *
 * release() may run more than once; the tests call it again with this.
 */
void iommufd_sva_test_release(struct iommufd_sva *handle)
{
	iommufd_sva_mn_release(&handle->smm->mn, handle->smm->mn.mm);
}
#endif
