// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu: the context, its object table and the ioctl dispatcher.
 *
 * Every open of /dev/iommu makes a context. Everything userspace creates
 * through it (IOAS, HWPT, ...) is an object in the context's ID table and is
 * named by a u32 ID. The table owns one reference on each object; objects
 * that depend on each other hold references too, which is what makes
 * IOMMU_DESTROY of a busy object fail with EBUSY and what orders teardown
 * when the file is closed.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"

struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
};

static const struct iommufd_object_ops iommufd_object_ops[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_DEVICE] = {
		.destroy = iommufd_device_destroy,
	},
	[IOMMUFD_OBJ_HWPT_PAGING] = {
		.destroy = iommufd_hwpt_paging_destroy,
	},
	[IOMMUFD_OBJ_IOAS] = {
		.destroy = iommufd_ioas_destroy,
	},
	[IOMMUFD_OBJ_ACCESS] = {
		.destroy = iommufd_access_destroy_object,
	},
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	[IOMMUFD_OBJ_SELFTEST] = {
		.destroy = iommufd_selftest_destroy,
	},
#endif
};

static void iommufd_object_free(struct iommufd_object *obj)
{
	iommufd_object_ops[obj->type].destroy(obj);
	kfree(obj);
}

struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	int ret;

	if (WARN_ON_ONCE(type <= IOMMUFD_OBJ_NONE || type >= IOMMUFD_OBJ_MAX ||
			 !iommufd_object_ops[type].destroy))
		return ERR_PTR(-EINVAL);

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	refcount_set(&obj->users, 1);
	refcount_set(&obj->shortterm_users, 1);

	/*
	 * Reserve the ID with a zero entry: xa_load() reads it as NULL, so the
	 * object stays invisible to lookups until it is finalized. The limit
	 * keeps IDs positive in an int, for userspace that stores them so.
	 */
	ret = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(obj);
		return ERR_PTR(ret == -EBUSY ? -ENOSPC : ret);
	}
	return obj;
}

/**
 * iommufd_object_finalize() - make an allocated object visible
 * @ictx: context the object was allocated in
 * @obj: the object
 *
 * After this the object can be found by ID and destroyed by userspace, so
 * the caller must not touch it again without holding a reference.
 */
void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	void *old;

	/* The slot is already allocated, so this store cannot need memory. */
	old = xa_store(&ictx->objects, obj->id, obj, GFP_KERNEL);
	WARN_ON_ONCE(old);
}

/**
 * iommufd_object_abort() - free an object that was never finalized
 * @ictx: context the object was allocated in
 * @obj: the object; its type-specific state must not need destroying
 */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	void *old;

	old = xa_erase(&ictx->objects, obj->id);
	WARN_ON_ONCE(old);
	kfree(obj);
}

/**
 * iommufd_object_abort_and_destroy() - undo a fully built, unpublished object
 * @ictx: context the object was allocated in
 * @obj: the object; its type's destroy op releases what it holds
 */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	iommufd_object_ops[obj->type].destroy(obj);
	iommufd_object_abort(ictx, obj);
}

/**
 * iommufd_get_object() - look an object up by ID and take a reference
 * @ictx: context to search
 * @id: user-supplied ID
 * @type: required type, or %IOMMUFD_OBJ_ANY
 *
 * A wrong type is reported exactly like a missing ID. The reference must be
 * dropped with iommufd_put_object() before the ioctl returns.
 *
 * Return: the object, or ERR_PTR(-ENOENT).
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (iommufd_should_fail())
		return ERR_PTR(-ENOENT);

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->users)) {
		xa_unlock(&ictx->objects);
		return ERR_PTR(-ENOENT);
	}
	refcount_inc(&obj->shortterm_users);
	xa_unlock(&ictx->objects);
	return obj;
}

/*
 * The object has left the table, so no new lookup can find it; wait for
 * the lookups that found it before to put it. A lookup drops @users before
 * @shortterm_users (see iommufd_put_object()), so @users alone cannot tell
 * that none is still running. Short-term users finish quickly; one that
 * does not is a bug worth a warning, but the object cannot be freed under
 * it, so keep waiting.
 */
static void iommufd_object_wait_shortterm(struct iommufd_ctx *ictx,
					  struct iommufd_object *obj)
{
	/* Drop the table's own short-term reference; pairs with put. */
	if (refcount_dec_and_test(&obj->shortterm_users))
		return;
	while (!wait_event_timeout(ictx->destroy_wait,
				   refcount_read(&obj->shortterm_users) == 0,
				   60 * HZ))
		WARN_ONCE(1, "iommufd: object %u still in use after 60 s\n",
			  obj->id);
}

/**
 * iommufd_object_remove() - destroy a published object on user request
 * @ictx: context holding the object
 * @id: the object's ID
 *
 * Succeeds only if the ID table holds the sole reference: any other user,
 * including an ioctl that is looking at the object right now, makes it fail
 * with -EBUSY and leaves the object untouched. Removal from the table and
 * the refcount check happen under one xa_lock, so a concurrent lookup either
 * finds the object before (and so blocks the removal) or not at all.
 *
 * Return: 0, -ENOENT for an unknown ID, or -EBUSY.
 */
int iommufd_object_remove(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;
	XA_STATE(xas, &ictx->objects, id);

	xa_lock(&ictx->objects);
	obj = xas_load(&xas);
	if (xa_is_zero(obj) || !obj) {
		xa_unlock(&ictx->objects);
		return -ENOENT;
	}
	if (!refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ictx->objects);
		return -EBUSY;
	}
	xas_store(&xas, NULL);
	xa_unlock(&ictx->objects);

	iommufd_object_wait_shortterm(ictx, obj);
	iommufd_object_free(obj);
	return 0;
}

/**
 * iommufd_object_destroy_user() - destroy an object its kernel owner holds
 * @ictx: context holding the object
 * @obj: a published object with exactly one reference of the caller's
 *	besides the table's (a bound device, say)
 *
 * The object leaves the table at once, so no new lookup finds it; then
 * this waits for ioctls that had already found it to put it.
 */
void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj)
{
	void *old;

	xa_lock(&ictx->objects);
	old = __xa_erase(&ictx->objects, obj->id);
	xa_unlock(&ictx->objects);
	WARN_ON_ONCE(old != obj);

	iommufd_object_wait_shortterm(ictx, obj);
	/* The table's reference and the owner's are all that remain. */
	WARN_ON_ONCE(refcount_read(&obj->users) != 2);
	iommufd_object_free(obj);
}

/**
 * iommufd_object_put_and_try_destroy() - drop a reference, and the object
 *	too if only the table still holds it
 * @ictx: context holding the object
 * @obj: a published object the caller holds a reference on
 *
 * Used for objects that live only while something uses them (automatic
 * HWPTs). The check and the removal happen under the table lock, the same
 * lock IOMMU_DESTROY and lookups take, so neither can race with it.
 */
void iommufd_object_put_and_try_destroy(struct iommufd_ctx *ictx,
					struct iommufd_object *obj)
{
	bool destroy = false;

	xa_lock(&ictx->objects);
	if (refcount_read(&obj->users) == 2 &&
	    xa_load(&ictx->objects, obj->id) == obj) {
		__xa_erase(&ictx->objects, obj->id);
		refcount_set(&obj->users, 0);
		destroy = true;
	} else {
		refcount_dec(&obj->users);
	}
	xa_unlock(&ictx->objects);

	if (destroy) {
		iommufd_object_wait_shortterm(ictx, obj);
		iommufd_object_free(obj);
	}
}

int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, cmd->id);
}

/**
 * iommufd_ctx_account_mode() - who pays for pins of a new mapping
 * @ictx: the context the mapping is made through
 *
 * Holders of CAP_IPC_LOCK may lock memory without limit, so their pins are
 * not charged at all.
 *
 * Return: an &enum iopt_account_mode.
 */
u8 iommufd_ctx_account_mode(struct iommufd_ctx *ictx)
{
	if (capable(CAP_IPC_LOCK))
		return IOPT_PAGES_ACCOUNT_NONE;
	return READ_ONCE(ictx->account_mode);
}

static int iommufd_option_rlimit_mode(struct iommu_option *cmd,
				      struct iommufd_ctx *ictx)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;

	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	/* Existing page sets keep their mode; only an empty context may switch. */
	xa_lock(&ictx->objects);
	if (!xa_empty(&ictx->objects))
		rc = -EBUSY;
	else if (cmd->val64 == 0)
		WRITE_ONCE(ictx->account_mode, IOPT_PAGES_ACCOUNT_USER);
	else if (cmd->val64 == 1)
		WRITE_ONCE(ictx->account_mode, IOPT_PAGES_ACCOUNT_MM);
	else
		rc = -EINVAL;
	xa_unlock(&ictx->objects);
	return rc;
}

int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Unlike other commands, OPTION writes back only val64. */
	if (copy_to_user(&((struct iommu_option __user *)ucmd->ubuffer)->val64,
			 &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}

/**
 * iommufd_ctx_alloc() - make an empty context that no file owns yet
 *
 * Return: the context, or NULL when out of memory.
 */
struct iommufd_ctx *iommufd_ctx_alloc(void)
{
	struct iommufd_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return NULL;
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&ictx->destroy_wait);
	init_rwsem(&ictx->ioas_creation_rwsem);
	ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
	return ictx;
}

/**
 * iommufd_ctx_destroy_objects() - destroy every object of a dying context
 * @ictx: the context; nothing else may use it any more
 *
 * Objects pin the objects they depend on (an HWPT its IOAS, say), so a pass
 * over the table can only free the objects nothing else refers to. Freeing
 * them releases their references, which lets the next pass free the layer
 * below. When a pass frees nothing the remaining objects are leaked rather
 * than freed while still referenced; that is a bug, hence the WARN.
 */
void iommufd_ctx_destroy_objects(struct iommufd_ctx *ictx)
{
	struct iommufd_object *obj;
	unsigned long index;
	bool progress;

	do {
		progress = false;
		xa_for_each(&ictx->objects, index, obj) {
			if (!refcount_dec_if_one(&obj->users))
				continue;
			xa_erase(&ictx->objects, index);
			iommufd_object_wait_shortterm(ictx, obj);
			iommufd_object_free(obj);
			progress = true;
		}
	} while (progress);
	WARN_ON_ONCE(!xa_empty(&ictx->objects));
}

void iommufd_ctx_free(struct iommufd_ctx *ictx)
{
	xa_destroy(&ictx->objects);
	kfree(ictx);
}

static int iommufd_fops_open(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx;

	ictx = iommufd_ctx_alloc();
	if (!ictx)
		return -ENOMEM;
	ictx->file = filp;
	filp->private_data = ictx;
	return 0;
}

static int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;

	iommufd_ctx_destroy_objects(ictx);
	iommufd_ctx_free(ictx);
	return 0;
}

/* A command whose struct is known but whose handler has not landed yet. */
static int iommufd_not_implemented(struct iommufd_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}

/* Every command struct; sizes the on-stack copy of the user's struct. */
union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_fault_alloc fault;
	struct iommu_hw_info info;
	struct iommu_hw_queue_alloc hw_queue;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate cache;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_change_process change_process;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vdevice_alloc vdev;
	struct iommu_veventq_alloc veventq;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_viommu_alloc viommu;
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	struct iommu_test_cmd test;
#endif
};

/**
 * struct iommufd_ioctl_op - one row of the command table
 * @size: the kernel's struct size
 * @min_size: the smallest size userspace may pass (end of the last field
 *	that every version of the struct has)
 * @ioctl_num: the exact request number; anything else in the slot is ENOTTY
 * @execute: the handler
 */
struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {                             \
		.size = sizeof(_struct) +                                    \
			BUILD_BUG_ON_ZERO(sizeof(union ucmd_buffer) <        \
					  sizeof(_struct)),                  \
		.min_size = offsetofend(_struct, _last),                     \
		.ioctl_num = _ioctl,                                         \
		.execute = _fn,                                              \
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy,
		 struct iommu_ioas_copy, src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map,
		 struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap,
		 struct iommu_ioas_unmap, length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_not_implemented,
		 struct iommu_vfio_ioas, __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc,
		 struct iommu_hwpt_alloc, __reserved),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info,
		 struct iommu_hw_info, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, iommufd_ioas_map_file,
		 struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_VIOMMU_ALLOC, iommufd_viommu_alloc,
		 struct iommu_viommu_alloc, out_viommu_id),
	IOCTL_OP(IOMMU_VDEVICE_ALLOC, iommufd_vdevice_alloc,
		 struct iommu_vdevice_alloc, virt_id),
	IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, iommufd_ioas_change_process,
		 struct iommu_ioas_change_process, __reserved),
	IOCTL_OP(IOMMU_VEVENTQ_ALLOC, iommufd_veventq_alloc,
		 struct iommu_veventq_alloc, out_veventq_fd),
	IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, iommufd_hw_queue_alloc,
		 struct iommu_hw_queue_alloc, length),
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
#endif
};

/*
 * The dispatch rules are part of the ABI; see "General ioctl format" in the
 * uAPI header. In order: the number must be in the table and match the
 * slot exactly (ENOTTY), the user's size must reach the command's minimum
 * (EINVAL), and bytes the kernel does not know must be zero (E2BIG).
 */
static long iommufd_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_ctx *ictx = filp->private_data;
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = {};
	union ucmd_buffer buf;
	unsigned int nr;
	int ret;

	nr = _IOC_NR(cmd);
	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return -ENOIOCTLCMD;

	ucmd.ictx = ictx;
	ucmd.ubuffer = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;

	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOIOCTLCMD;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static const struct file_operations iommufd_fops = {
	.owner = THIS_MODULE,
	.open = iommufd_fops_open,
	.release = iommufd_fops_release,
	.unlocked_ioctl = iommufd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * iommufd_ctx_get() - take another reference on a context
 * @ictx: a context the caller already holds a reference on
 *
 * Context: any context that may take a file reference.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_get, IOMMUFD);

/**
 * iommufd_ctx_from_file() - get the context behind an open /dev/iommu
 * @file: a file the caller holds a reference on
 *
 * The caller keeps its own reference on @file; the context gets a new one.
 *
 * Return: the context, to be released with iommufd_ctx_put(), or
 * ERR_PTR(-EBADFD) if @file is not an iommufd file.
 */
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	struct iommufd_ctx *ictx;

	if (file->f_op != &iommufd_fops)
		return ERR_PTR(-EBADFD);
	ictx = file->private_data;
	iommufd_ctx_get(ictx);
	return ictx;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_file, IOMMUFD);

/**
 * iommufd_ctx_from_fd() - get the context behind a file descriptor
 * @fd: a descriptor of the calling process
 *
 * Context: process context.
 * Return: the context, to be released with iommufd_ctx_put();
 * ERR_PTR(-EBADF) if @fd is not open; ERR_PTR(-EBADFD) if it is not an
 * iommufd file.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(int fd)
{
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &iommufd_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	/* The reference fget() took becomes the context's reference. */
	return file->private_data;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_fd, IOMMUFD);

/**
 * iommufd_ctx_put() - drop a context reference
 * @ictx: the context
 *
 * Dropping the last reference releases the file, which destroys every
 * object in the context.
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_put, IOMMUFD);

static struct miscdevice iommu_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.fops = &iommufd_fops,
	.nodename = "iommu",
	.mode = 0660,
};

static int __init iommufd_init(void)
{
	int ret;

	ret = iommufd_sva_init();
	if (ret)
		return ret;
	ret = iommufd_test_init();
	if (ret)
		goto err_sva;
	ret = misc_register(&iommu_misc_dev);
	if (ret)
		goto err_test;
	iommufd_rig_fault();
	return 0;

err_test:
	iommufd_test_exit();
err_sva:
	iommufd_sva_exit();
	return ret;
}

static void __exit iommufd_exit(void)
{
	misc_deregister(&iommu_misc_dev);
	iommufd_test_exit();
	iommufd_sva_exit();
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_DESCRIPTION("I/O address space management for userspace (/dev/iommu)");
MODULE_LICENSE("GPL");
