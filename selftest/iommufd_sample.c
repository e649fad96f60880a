// SPDX-License-Identifier: GPL-2.0-only
/*
 * A sample mediated-device style driver on the iommufd access kAPI.
 *
 * It is a separate module that uses nothing but what iommufd exports in
 * the IOMMUFD namespace, which proves that the exports work from outside.
 * Each open of /dev/iommufd_sample is a "device": userspace binds it to an
 * IOAS of its /dev/iommu, then asks it to pin or copy IOVA ranges, as a
 * real mdev would to emulate DMA.
 *
 * Locking: sample->lock guards the pins, and the unmap callback takes it.
 * So the driver must never hold it across iommufd_access_destroy(),
 * _detach() or _replace(). Built with IOMMUFD_SAMPLE_BAD_LOCKING (make
 * check-rig does), it does exactly that on unbind, after a detach that
 * keeps the run from really deadlocking, so that lockdep can show the
 * report a driver breaking the rule gets.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd_sample.h"

struct sample_pin {
	struct list_head node;
	unsigned long iova;
	unsigned long length;
	struct page **pages;
};

/**
 * struct sample_dev - one open of /dev/iommufd_sample
 * @lock: guards @access (its creation and destruction) and @pins; taken by
 *	the unmap callback
 * @access: the access once bound
 * @pins: &struct sample_pin
 * @ignore_unmap: misbehave: keep pins when iommufd asks for them
 */
struct sample_dev {
	struct mutex lock;
	struct iommufd_access *access;
	struct list_head pins;
	bool ignore_unmap;
};

static void sample_unpin(struct sample_dev *sample, struct sample_pin *pin)
{
	lockdep_assert_held(&sample->lock);

	list_del(&pin->node);
	iommufd_access_unpin_pages(sample->access, pin->iova, pin->length);
	kvfree(pin->pages);
	kfree(pin);
}

/* iommufd says [iova, iova + length) goes away: drop pins that touch it. */
static void sample_unmap(void *data, unsigned long iova, unsigned long length)
{
	unsigned long last = iova + length - 1;
	struct sample_dev *sample = data;
	struct sample_pin *pin, *tmp;

	mutex_lock(&sample->lock);
	list_for_each_entry_safe(pin, tmp, &sample->pins, node) {
		/* Detach and destroy must always get their pins back. */
		if (sample->ignore_unmap && length != ULONG_MAX)
			break;
		if (pin->iova <= last && iova <= pin->iova + pin->length - 1)
			sample_unpin(sample, pin);
	}
	mutex_unlock(&sample->lock);
}

static const struct iommufd_access_ops sample_access_ops = {
	.needs_pin_pages = 1,
	.unmap = sample_unmap,
};

static int sample_bind(struct sample_dev *sample, void __user *arg)
{
	struct iommufd_sample_bind bind;
	struct iommufd_access *access;
	struct iommufd_ctx *ictx;
	bool busy;
	int rc;

	if (copy_from_user(&bind, arg, sizeof(bind)))
		return -EFAULT;
	if (bind.__reserved)
		return -EOPNOTSUPP;

	mutex_lock(&sample->lock);
	busy = sample->access;
	mutex_unlock(&sample->lock);
	if (busy)
		return -EBUSY;

	ictx = iommufd_ctx_from_fd(bind.iommufd);
	if (IS_ERR(ictx))
		return PTR_ERR(ictx);
	/* The access keeps its own context reference. */
	access = iommufd_access_create(ictx, &sample_access_ops, sample,
				       &bind.out_access_id);
	iommufd_ctx_put(ictx);
	if (IS_ERR(access))
		return PTR_ERR(access);
	/* Never under sample->lock, which the unmap callback takes. */
	rc = iommufd_access_attach(access, bind.ioas_id);
	if (rc)
		goto out_destroy;

	mutex_lock(&sample->lock);
	busy = sample->access;
	if (!busy)
		sample->access = access;
	mutex_unlock(&sample->lock);
	if (busy) {
		/* Another bind of this fd won the race. */
		rc = -EBUSY;
		goto out_destroy;
	}
	if (copy_to_user(arg, &bind, sizeof(bind)))
		return -EFAULT;
	return 0;

out_destroy:
	iommufd_access_destroy(access);
	return rc;
}

static int sample_unbind(struct sample_dev *sample)
{
	struct iommufd_access *access;

	mutex_lock(&sample->lock);
	access = sample->access;
	mutex_unlock(&sample->lock);
	if (!access)
		return -ENOENT;

	if (IS_ENABLED(IOMMUFD_SAMPLE_BAD_LOCKING)) {
		/*
		 * Deliberately wrong: destroy under the lock the unmap
		 * callback takes. The detach first makes the callback run
		 * unlocked, so that only lockdep notices.
		 */
		iommufd_access_detach(access);
		mutex_lock(&sample->lock);
		iommufd_access_destroy(access);
		sample->access = NULL;
		mutex_unlock(&sample->lock);
		return 0;
	}

	/* The callback drops every pin; after this none can come. */
	iommufd_access_destroy(access);
	mutex_lock(&sample->lock);
	WARN_ON(!list_empty(&sample->pins));
	sample->access = NULL;
	mutex_unlock(&sample->lock);
	return 0;
}

static int sample_pin(struct sample_dev *sample, void __user *arg)
{
	struct iommufd_sample_range range;
	struct sample_pin *pin;
	unsigned long npages;
	int rc;

	if (copy_from_user(&range, arg, sizeof(range)))
		return -EFAULT;
	if (range.__reserved || range.uptr)
		return -EOPNOTSUPP;
	if (!range.length || range.length > SZ_16M ||
	    range.iova % PAGE_SIZE)
		return -EINVAL;

	npages = DIV_ROUND_UP(range.length, PAGE_SIZE);
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->pages = kvcalloc(npages, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages) {
		kfree(pin);
		return -ENOMEM;
	}
	pin->iova = range.iova;
	pin->length = range.length;

	mutex_lock(&sample->lock);
	if (!sample->access) {
		rc = -ENOENT;
		goto out_free;
	}
	rc = iommufd_access_pin_pages(sample->access, range.iova, range.length,
				      pin->pages,
				      range.write ? IOMMUFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_free;
	list_add_tail(&pin->node, &sample->pins);
	mutex_unlock(&sample->lock);
	return 0;

out_free:
	mutex_unlock(&sample->lock);
	kvfree(pin->pages);
	kfree(pin);
	return rc;
}

static int sample_rw(struct sample_dev *sample, void __user *arg)
{
	struct iommufd_sample_range range;
	void *buf;
	int rc;

	if (copy_from_user(&range, arg, sizeof(range)))
		return -EFAULT;
	if (range.__reserved)
		return -EOPNOTSUPP;
	if (!range.length || range.length > SZ_16M)
		return -EINVAL;

	buf = kvzalloc(range.length, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (range.write &&
	    copy_from_user(buf, u64_to_user_ptr(range.uptr), range.length)) {
		rc = -EFAULT;
		goto out_free;
	}
	mutex_lock(&sample->lock);
	rc = sample->access ?
		     iommufd_access_rw(sample->access, range.iova, buf,
				       range.length,
				       range.write ? IOMMUFD_ACCESS_RW_WRITE :
						     0) :
		     -ENOENT;
	mutex_unlock(&sample->lock);
	if (!rc && !range.write &&
	    copy_to_user(u64_to_user_ptr(range.uptr), buf, range.length))
		rc = -EFAULT;
out_free:
	kvfree(buf);
	return rc;
}

static long sample_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct sample_dev *sample = filp->private_data;
	struct sample_pin *pin;
	int n = 0;

	switch (cmd) {
	case IOMMUFD_SAMPLE_BIND:
		return sample_bind(sample, (void __user *)arg);
	case IOMMUFD_SAMPLE_UNBIND:
		return sample_unbind(sample);
	case IOMMUFD_SAMPLE_PIN:
		return sample_pin(sample, (void __user *)arg);
	case IOMMUFD_SAMPLE_RW:
		return sample_rw(sample, (void __user *)arg);
	case IOMMUFD_SAMPLE_IGNORE_UNMAP:
		if (arg > 1)
			return -EINVAL;
		mutex_lock(&sample->lock);
		sample->ignore_unmap = arg;
		mutex_unlock(&sample->lock);
		return 0;
	case IOMMUFD_SAMPLE_NR_PINS:
		mutex_lock(&sample->lock);
		list_for_each_entry(pin, &sample->pins, node)
			n++;
		mutex_unlock(&sample->lock);
		return n;
	default:
		return -ENOTTY;
	}
}

static int sample_open(struct inode *inode, struct file *filp)
{
	struct sample_dev *sample;

	sample = kzalloc(sizeof(*sample), GFP_KERNEL);
	if (!sample)
		return -ENOMEM;
	mutex_init(&sample->lock);
	INIT_LIST_HEAD(&sample->pins);
	filp->private_data = sample;
	return 0;
}

static int sample_release(struct inode *inode, struct file *filp)
{
	struct sample_dev *sample = filp->private_data;

	sample_unbind(sample);
	mutex_destroy(&sample->lock);
	kfree(sample);
	return 0;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.open = sample_open,
	.release = sample_release,
	.unlocked_ioctl = sample_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice sample_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommufd_sample",
	.fops = &sample_fops,
	.mode = 0600,
};

module_misc_device(sample_misc);

MODULE_DESCRIPTION("Sample driver of the iommufd access kAPI (tests only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IOMMUFD);
