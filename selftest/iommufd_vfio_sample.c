// SPDX-License-Identifier: GPL-2.0-only
/*
 * A sample mdev-style VFIO device, to test VFIO container backends.
 *
 * Each of a few plain platform devices becomes a VFIO device on an
 * emulated IOMMU (vfio_register_emulated_iommu_dev()), so VFIO gives it a
 * fake group of its own and serves it through the container's backend's
 * pin_pages, unpin_pages and dma_rw. The driver does what the mediated
 * drivers of 6.1 do with those, on request of its device ioctls (see
 * iommufd_vfio_sample.h): it pins IOVA pages and keeps them, unpins them,
 * copies through vfio_dma_rw() from the caller or from a kernel thread or
 * workqueue (as GVT does), and honours the dma_unmap callback, which VFIO
 * requires to unpin everything pinned in the range before it returns.
 *
 * Locking: vsample_dev::lock guards the pins and the counters. It is held
 * across vfio_pin_pages() and vfio_unpin_pages(), so the backend's own
 * locks nest inside it; the dma_unmap callback takes it too, which is why
 * a backend calls dma_unmap with none of its locks held (type1 drops its
 * iommu->lock first). vfio_dma_rw() runs without it.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "iommufd_vfio_sample.h"

/* Pages pinned by every device together */
static atomic_long_t vsample_pinned = ATOMIC_LONG_INIT(0);

static int vsample_pinned_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n",
			 atomic_long_read(&vsample_pinned));
}

static const struct kernel_param_ops vsample_pinned_ops = {
	.get = vsample_pinned_get,
};

module_param_cb(pinned_pages, &vsample_pinned_ops, NULL, 0444);
MODULE_PARM_DESC(pinned_pages, "pages the sample devices hold pinned");

/* One successful PIN: @npage pages from @iova */
struct vsample_pin {
	struct list_head node;
	dma_addr_t iova;
	int npage;
};

/**
 * struct vsample_dev - one sample VFIO device
 * @vdev: the VFIO device; first, as vfio_alloc_device() wants
 * @lock: guards every field below
 * @pins: &struct vsample_pin the device holds
 * @info: counters reported by IOMMUFD_VFIO_SAMPLE_INFO
 */
struct vsample_dev {
	struct vfio_device vdev;
	struct mutex lock; /* pins, info; nests outside the backend's locks */
	struct list_head pins;
	struct iommufd_vfio_sample_info info;
};

static struct vsample_dev *to_vsample(struct vfio_device *vdev)
{
	return container_of(vdev, struct vsample_dev, vdev);
}

static void vsample_unpin(struct vsample_dev *sdev, struct vsample_pin *pin)
{
	lockdep_assert_held(&sdev->lock);

	vfio_unpin_pages(&sdev->vdev, pin->iova, pin->npage);
	list_del(&pin->node);
	sdev->info.nr_pins--;
	sdev->info.nr_pages -= pin->npage;
	atomic_long_sub(pin->npage, &vsample_pinned);
	kfree(pin);
}

static void vsample_unpin_all(struct vsample_dev *sdev)
{
	struct vsample_pin *pin, *tmp;

	lockdep_assert_held(&sdev->lock);

	list_for_each_entry_safe(pin, tmp, &sdev->pins, node)
		vsample_unpin(sdev, pin);
}

static int vsample_init(struct vfio_device *vdev)
{
	struct vsample_dev *sdev = to_vsample(vdev);

	mutex_init(&sdev->lock);
	INIT_LIST_HEAD(&sdev->pins);
	return 0;
}

static void vsample_release(struct vfio_device *vdev)
{
	struct vsample_dev *sdev = to_vsample(vdev);

	mutex_destroy(&sdev->lock);
	vfio_free_device(vdev);
}

static int vsample_open_device(struct vfio_device *vdev)
{
	struct vsample_dev *sdev = to_vsample(vdev);

	mutex_lock(&sdev->lock);
	memset(&sdev->info, 0, sizeof(sdev->info));
	mutex_unlock(&sdev->lock);
	return 0;
}

/* The backend may no longer be asked for anything after this. */
static void vsample_close_device(struct vfio_device *vdev)
{
	struct vsample_dev *sdev = to_vsample(vdev);

	mutex_lock(&sdev->lock);
	vsample_unpin_all(sdev);
	mutex_unlock(&sdev->lock);
}

/*
 * The container unmaps [iova, iova + length): drop every pin that touches
 * it, all of the pin, as VFIO asks before it can finish the unmap.
 */
static void vsample_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct vsample_dev *sdev = to_vsample(vdev);
	struct vsample_pin *pin, *tmp;
	u64 last;

	if (!length || check_add_overflow(iova, length - 1, &last))
		last = U64_MAX;

	mutex_lock(&sdev->lock);
	sdev->info.nr_unmaps++;
	sdev->info.last_unmap_iova = iova;
	sdev->info.last_unmap_length = length;
	list_for_each_entry_safe(pin, tmp, &sdev->pins, node) {
		u64 pin_last = pin->iova + (u64)pin->npage * PAGE_SIZE - 1;

		if (pin->iova > last || pin_last < iova)
			continue;
		sdev->info.unmap_unpinned += pin->npage;
		vsample_unpin(sdev, pin);
	}
	mutex_unlock(&sdev->lock);
}

static int vsample_copy_pfns(struct iommufd_vfio_sample_pin *cmd,
			     struct page **pages)
{
	u64 __user *upfns = u64_to_user_ptr(cmd->pfns);
	unsigned int i;

	for (i = 0; i != cmd->npage; i++)
		if (put_user((u64)page_to_pfn(pages[i]), upfns + i))
			return -EFAULT;
	return 0;
}

static int vsample_ioctl_pin(struct vsample_dev *sdev, void __user *arg)
{
	struct iommufd_vfio_sample_pin cmd;
	const u32 prots = IOMMUFD_VFIO_SAMPLE_READ | IOMMUFD_VFIO_SAMPLE_WRITE;
	struct vsample_pin *pin;
	struct page **pages;
	int rc;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.__reserved || !cmd.prot || cmd.prot & ~prots ||
	    cmd.iova & ~PAGE_MASK)
		return -EINVAL;
	if (cmd.npage > IOMMUFD_VFIO_SAMPLE_MAX_PAGES)
		return -E2BIG;

	/* At least one entry, so that VFIO itself judges npage == 0. */
	pages = kvcalloc(max(cmd.npage, 1U), sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin) {
		rc = -ENOMEM;
		goto out_free_pages;
	}

	mutex_lock(&sdev->lock);
	rc = vfio_pin_pages(&sdev->vdev, cmd.iova, cmd.npage, cmd.prot, pages);
	if (rc < 0)
		goto out_unlock;
	if (rc != cmd.npage) {
		/* Not what VFIO promises; give back what came. */
		if (rc > 0)
			vfio_unpin_pages(&sdev->vdev, cmd.iova, rc);
		rc = -EPROTO;
		goto out_unlock;
	}
	if (cmd.pfns) {
		rc = vsample_copy_pfns(&cmd, pages);
		if (rc) {
			vfio_unpin_pages(&sdev->vdev, cmd.iova, cmd.npage);
			goto out_unlock;
		}
	}
	pin->iova = cmd.iova;
	pin->npage = cmd.npage;
	list_add_tail(&pin->node, &sdev->pins);
	sdev->info.nr_pins++;
	sdev->info.nr_pages += cmd.npage;
	atomic_long_add(cmd.npage, &vsample_pinned);
	pin = NULL;
	rc = 0;
out_unlock:
	mutex_unlock(&sdev->lock);
	kfree(pin);
out_free_pages:
	kvfree(pages);
	return rc;
}

static int vsample_ioctl_unpin(struct vsample_dev *sdev, void __user *arg)
{
	struct iommufd_vfio_sample_pin cmd;
	struct vsample_pin *pin;
	int rc = -ENOENT;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.__reserved || cmd.prot || cmd.pfns || cmd.iova & ~PAGE_MASK)
		return -EINVAL;

	mutex_lock(&sdev->lock);
	list_for_each_entry(pin, &sdev->pins, node) {
		if (pin->iova == cmd.iova && pin->npage == cmd.npage) {
			vsample_unpin(sdev, pin);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&sdev->lock);
	return rc;
}

/* One vfio_dma_rw() call, made wherever the request wants it made */
struct vsample_rw {
	struct vfio_device *vdev;
	dma_addr_t iova;
	void *buf;
	size_t length;
	bool write;
	int rc;
	struct completion done;
	struct work_struct work;
};

static int vsample_rw_thread(void *data)
{
	struct vsample_rw *rw = data;

	rw->rc = vfio_dma_rw(rw->vdev, rw->iova, rw->buf, rw->length,
			     rw->write);
	/* Leaves no code of this module to run once the waiter wakes. */
	kthread_complete_and_exit(&rw->done, 0);
}

static void vsample_rw_work(struct work_struct *work)
{
	struct vsample_rw *rw = container_of(work, struct vsample_rw, work);

	rw->rc = vfio_dma_rw(rw->vdev, rw->iova, rw->buf, rw->length,
			     rw->write);
}

static int vsample_rw_run(struct vsample_rw *rw, u32 flags)
{
	struct task_struct *task;

	if (flags & IOMMUFD_VFIO_SAMPLE_RW_KTHREAD) {
		init_completion(&rw->done);
		task = kthread_run(vsample_rw_thread, rw, "vfio_sample_rw");
		if (IS_ERR(task))
			return PTR_ERR(task);
		wait_for_completion(&rw->done);
		return rw->rc;
	}
	if (flags & IOMMUFD_VFIO_SAMPLE_RW_WORKQUEUE) {
		INIT_WORK_ONSTACK(&rw->work, vsample_rw_work);
		queue_work(system_unbound_wq, &rw->work);
		flush_work(&rw->work);
		destroy_work_on_stack(&rw->work);
		return rw->rc;
	}
	return vfio_dma_rw(rw->vdev, rw->iova, rw->buf, rw->length, rw->write);
}

static int vsample_ioctl_rw(struct vsample_dev *sdev, void __user *arg)
{
	const u32 where = IOMMUFD_VFIO_SAMPLE_RW_KTHREAD |
			  IOMMUFD_VFIO_SAMPLE_RW_WORKQUEUE;
	struct iommufd_vfio_sample_rw cmd;
	struct vsample_rw rw = {};
	void __user *uptr;
	int rc;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.__reserved || !cmd.length ||
	    cmd.flags & ~(where | IOMMUFD_VFIO_SAMPLE_RW_WRITE) ||
	    (cmd.flags & where) == where)
		return -EINVAL;
	if (cmd.length > IOMMUFD_VFIO_SAMPLE_MAX_RW)
		return -E2BIG;

	uptr = u64_to_user_ptr(cmd.uptr);
	rw.vdev = &sdev->vdev;
	rw.iova = cmd.iova;
	rw.length = cmd.length;
	rw.write = cmd.flags & IOMMUFD_VFIO_SAMPLE_RW_WRITE;
	rw.buf = kvzalloc(cmd.length, GFP_KERNEL);
	if (!rw.buf)
		return -ENOMEM;
	if (rw.write && copy_from_user(rw.buf, uptr, cmd.length)) {
		rc = -EFAULT;
		goto out_free;
	}
	rc = vsample_rw_run(&rw, cmd.flags);
	if (!rc && !rw.write && copy_to_user(uptr, rw.buf, cmd.length))
		rc = -EFAULT;
out_free:
	kvfree(rw.buf);
	return rc;
}

static int vsample_ioctl_info(struct vsample_dev *sdev, void __user *arg)
{
	struct iommufd_vfio_sample_info info;

	mutex_lock(&sdev->lock);
	info = sdev->info;
	mutex_unlock(&sdev->lock);
	if (copy_to_user(arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long vsample_ioctl(struct vfio_device *vdev, unsigned int cmd,
			  unsigned long arg)
{
	struct vsample_dev *sdev = to_vsample(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOMMUFD_VFIO_SAMPLE_PIN:
		return vsample_ioctl_pin(sdev, uarg);
	case IOMMUFD_VFIO_SAMPLE_UNPIN:
		return vsample_ioctl_unpin(sdev, uarg);
	case IOMMUFD_VFIO_SAMPLE_RW:
		return vsample_ioctl_rw(sdev, uarg);
	case IOMMUFD_VFIO_SAMPLE_INFO:
		return vsample_ioctl_info(sdev, uarg);
	}
	return -ENOTTY;
}

static const struct vfio_device_ops vsample_ops = {
	.name = IOMMUFD_VFIO_SAMPLE_NAME,
	.init = vsample_init,
	.release = vsample_release,
	.open_device = vsample_open_device,
	.close_device = vsample_close_device,
	.ioctl = vsample_ioctl,
	.dma_unmap = vsample_dma_unmap,
};

static int vsample_probe(struct platform_device *pdev)
{
	struct vsample_dev *sdev;
	int rc;

	sdev = vfio_alloc_device(vsample_dev, vdev, &pdev->dev, &vsample_ops);
	if (IS_ERR(sdev))
		return PTR_ERR(sdev);
	rc = vfio_register_emulated_iommu_dev(&sdev->vdev);
	if (rc) {
		vfio_put_device(&sdev->vdev);
		return rc;
	}
	platform_set_drvdata(pdev, sdev);
	return 0;
}

static int vsample_remove(struct platform_device *pdev)
{
	struct vsample_dev *sdev = platform_get_drvdata(pdev);

	/* Waits until every fd of the device is closed. */
	vfio_unregister_group_dev(&sdev->vdev);
	vfio_put_device(&sdev->vdev);
	return 0;
}

static struct platform_driver vsample_driver = {
	.probe = vsample_probe,
	.remove = vsample_remove,
	.driver = {
		.name = IOMMUFD_VFIO_SAMPLE_NAME,
	},
};

static struct platform_device *vsample_pdevs[IOMMUFD_VFIO_SAMPLE_NDEVS];

static void vsample_remove_pdevs(void)
{
	int i;

	for (i = IOMMUFD_VFIO_SAMPLE_NDEVS - 1; i >= 0; i--) {
		if (!IS_ERR_OR_NULL(vsample_pdevs[i]))
			platform_device_unregister(vsample_pdevs[i]);
		vsample_pdevs[i] = NULL;
	}
}

static int __init vsample_init_module(void)
{
	struct platform_device *pdev;
	int i, rc;

	rc = platform_driver_register(&vsample_driver);
	if (rc)
		return rc;
	for (i = 0; i != IOMMUFD_VFIO_SAMPLE_NDEVS; i++) {
		pdev = platform_device_register_simple(IOMMUFD_VFIO_SAMPLE_NAME,
						       i, NULL, 0);
		if (IS_ERR(pdev)) {
			rc = PTR_ERR(pdev);
			goto out_remove;
		}
		vsample_pdevs[i] = pdev;
		/* A device the driver did not take is of no use. */
		if (!platform_get_drvdata(pdev)) {
			rc = -ENODEV;
			goto out_remove;
		}
	}
	return 0;

out_remove:
	vsample_remove_pdevs();
	platform_driver_unregister(&vsample_driver);
	return rc;
}

static void __exit vsample_exit_module(void)
{
	vsample_remove_pdevs();
	platform_driver_unregister(&vsample_driver);
	WARN_ON(atomic_long_read(&vsample_pinned));
}

module_init(vsample_init_module);
module_exit(vsample_exit_module);

MODULE_DESCRIPTION("Sample mdev-style VFIO device for testing container backends");
MODULE_LICENSE("GPL");
