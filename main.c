// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu: the file, the ioctl dispatcher and the context kAPI.
 *
 * Every open of /dev/iommu makes a context; object.c keeps the context's
 * object table. This file is the entrance: the file operations, the
 * command table and its dispatch rules, IOMMU_OPTION, the context
 * references drivers take, and module init and exit.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"

#define CREATE_TRACE_POINTS
#include "iommufd_trace.h"

/**
 * iommufd_ctx_account_mode() - who pays for pins of a new mapping
 * @ictx: the context the mapping is made through
 *
 * Holders of CAP_IPC_LOCK may lock memory without limit, so their pins are
 * not charged at all; in a VFIO container they are charged, unlimited.
 *
 * Return: an &enum iopt_account_mode.
 */
u8 iommufd_ctx_account_mode(struct iommufd_ctx *ictx)
{
	if (capable(CAP_IPC_LOCK))
		return ictx->vfio_container ? IOPT_PAGES_ACCOUNT_MM_NOLIMIT :
						IOPT_PAGES_ACCOUNT_NONE;
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
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
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

/**
 * iommufd_ctx_ioctl() - run one command of the iommufd command table
 * @ictx: the context it acts on
 * @cmd: the request, numbered within the table (IOMMUFD_CMD_BASE and up)
 * @arg: the user's struct
 *
 * The dispatch rules are part of the ABI; see "General ioctl format" in the
 * uAPI header. In order: the number must be in the table and match the
 * slot exactly (ENOTTY), the user's size must reach the command's minimum
 * (EINVAL), and bytes the kernel does not know must be zero (E2BIG).
 *
 * Besides the /dev/iommu file, a VFIO container (vfio_compat.c) runs the
 * commands on its own context through here.
 *
 * Return: the command's result; -ENOIOCTLCMD for a request that is not
 * in the table.
 */
long iommufd_ctx_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		       unsigned long arg)
{
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

static long iommufd_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_ctx *ictx = filp->private_data;
	unsigned int nr = _IOC_NR(cmd);

	/* Below the table: VFIO's container ioctls, on the compat IOAS. */
	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return iommufd_vfio_ioctl(ictx, cmd, arg);
	return iommufd_ctx_ioctl(ictx, cmd, arg);
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
 * A context's references are those of its file. A context without one (a
 * VFIO container's, vfio_compat.c) is not counted: its owner destroys it,
 * after everything in it, itself.
 *
 * Context: any context that may take a file reference.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	if (ictx->file)
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
	if (ictx->file)
		fput(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_put, IOMMUFD);

/*
 * A fixed minor, so that /dev/iommu can exist before the module is loaded
 * (kmod static-nodes makes it from the "devname:" alias below, through
 * depmod's modules.devname) and opening it loads the module: misc_open()
 * asks for "char-major-10-<minor>", which MODULE_ALIAS_MISCDEV() names.
 * Upstream's /dev/iommu has a dynamic minor and 6.1 assigns none to
 * iommufd, so this is one of the minors devices.txt reserves for local
 * use (243-254): no 6.1 driver registers it, and 6.1 hands out dynamic
 * minors below 128 only.
 */
#define IOMMUFD_MINOR 243

static struct miscdevice iommu_misc_dev = {
	.minor = IOMMUFD_MINOR,
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
	/* Before the first context, which gets a file there. */
	iommufd_debugfs_init();
	ret = misc_register(&iommu_misc_dev);
	if (ret)
		goto err_test;
	iommufd_rig_fault();
	return 0;

err_test:
	iommufd_debugfs_exit();
	iommufd_test_exit();
err_sva:
	iommufd_sva_exit();
	return ret;
}

static void __exit iommufd_exit(void)
{
	misc_deregister(&iommu_misc_dev);
	iommufd_debugfs_exit();
	iommufd_test_exit();
	iommufd_sva_exit();
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_ALIAS_MISCDEV(IOMMUFD_MINOR);
MODULE_ALIAS("devname:iommu");
MODULE_DESCRIPTION("I/O address space management for userspace (/dev/iommu)");
MODULE_LICENSE("GPL");
