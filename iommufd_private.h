/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal definitions shared by the iommufd source files.
 *
 * Lock order, outermost first. Take them in this order only; a path that
 * needs two of them and cannot follow it must drop the first. A lock may
 * be skipped, never taken after one below it.
 *
 *   iommufd_vfio_container::lock        (VFIO container ioctls, the
 *                                        IOMMU_* commands on a container
 *                                        fd, and groups, vfio_compat.c)
 *   iommufd_ctx::ioas_creation_rwsem    (read: IOAS_ALLOC; write:
 *                                        CHANGE_PROCESS)
 *   iommufd_access::change_lock         (attach, replace, detach, destroy)
 *   iommufd_access::unmap_rwsem         (read: around each unmap callback)
 *   the driver's own locks              (in its unmap callback)
 *   iommufd_vfio_container::pin_lock    (vfio_pin_pages(), _unpin_pages(),
 *                                        vfio_dma_rw())
 *   iommufd_access::ioas_lock           (pin, unpin, rw)
 *   iommufd_ioas::mutex                 (choosing or making an HWPT)
 *   iommufd_group::lock                 (a device's attachment)
 *   io_pagetable::domains_rwsem
 *   io_pagetable::iova_rwsem
 *   iopt_pages::mutex
 *   mm_struct::mmap_lock                (GUP, locked_vm accounting, and
 *                                        faults in copy_to/from_user)
 *
 * SVA (sva.c) has its own, separate order: iommufd_sva_lock, then
 * mmap_lock (mmu_notifier_get()) or the backend's locks; the SVA list lock
 * and a mock SVA device's PASID table lock are innermost spinlocks, taken
 * by the notifier callbacks.
 *
 * CHANGE_PROCESS is the one path that holds the locks of several IOASes:
 * under ioas_creation_rwsem (as lockdep nest lock) it takes the
 * domains_rwsem of every IOAS of the context in ID order, then every
 * iova_rwsem in ID order.
 *
 * Unmap callbacks run with no io_pagetable lock held: UNMAP drops them
 * before it calls the drivers back.
 *
 * iova_rwsem is never held across IOMMU map or unmap calls or pinning:
 * MAP and COPY fill the domains, and UNMAP unfills them and unpins, with
 * only domains_rwsem held for reading (and iopt_pages::mutex inside).
 * Each marks its areas first, under iova_rwsem held for writing, by
 * leaving iopt_area::pages NULL, and everyone else steps around such an
 * area (see struct iopt_area). Whoever needs every area complete (adding
 * or removing a domain, CHANGE_PROCESS) takes domains_rwsem for writing;
 * adding a domain then fills it with iova_rwsem held only for reading.
 *
 * Pin pool workers (pin_workers.c) pin for a fill that holds
 * iopt_pages::mutex and waits for them. They take no lock of iommufd's,
 * only the mm's (mmap_lock, and what faults take inside it), and wait for
 * the fill only for a free slot, which the fill gives back without
 * waiting for them.
 *
 * A debugfs read (debugfs.c) holds objects by short-term references and
 * takes, one at a time and never nested but for the IOAS's rwsems and
 * iopt_pages::mutex in the order above, the locks of the objects it
 * shows: iommufd_group::lock, iommufd_access::ioas_lock, domains_rwsem,
 * iova_rwsem, iopt_pages::mutex. Removers wait for those references with
 * no such lock held.
 *
 * iommufd_ctx::objects' xa_lock is a spinlock held only across short,
 * non-sleeping lookups and table edits; nothing else is taken inside it.
 */
#ifndef __IOMMUFD_PRIVATE_H
#define __IOMMUFD_PRIVATE_H

#include <linux/interval_tree.h>
#include <linux/iommufd.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "io_pagetable.h"

struct iommufd_ctx;
struct iommufd_sva;

/**
 * enum iommufd_object_type - the kinds of object a context can hold
 * @IOMMUFD_OBJ_NONE: never stored; as a lookup type it means "any type"
 * @IOMMUFD_OBJ_ANY: alias of @IOMMUFD_OBJ_NONE for lookups
 * @IOMMUFD_OBJ_DEVICE: a bound device, &struct iommufd_device
 * @IOMMUFD_OBJ_HWPT_PAGING: a paging HW pagetable,
 *	&struct iommufd_hwpt_paging
 * @IOMMUFD_OBJ_IOAS: an I/O address space, &struct iommufd_ioas
 * @IOMMUFD_OBJ_ACCESS: an in-kernel access, &struct iommufd_access
 * @IOMMUFD_OBJ_SELFTEST: a mock device of the test build
 * @IOMMUFD_OBJ_MAX: number of types, sizes the ops table
 */
enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

/**
 * struct iommufd_object - header embedded first in every object
 * @users: long-term references. The ID table owns one for as long as the
 *	object is visible; other objects that depend on this one own one each;
 *	an ioctl that looked the object up owns one until it puts it.
 * @shortterm_users: references that only live for one ioctl or callback,
 *	plus one owned by the ID table. Removal drops the table's and waits
 *	for the count to reach zero.
 * @type: what the containing structure is
 * @id: the user-visible ID, the object's index in &iommufd_ctx.objects
 *
 * Life cycle: iommufd_object_alloc() reserves an ID that lookups cannot see
 * yet; the creator then either calls iommufd_object_finalize() to publish
 * the object or iommufd_object_abort()/iommufd_object_abort_and_destroy() to
 * throw it away. A published object goes away only through
 * iommufd_object_remove(): on IOMMU_DESTROY, when its kernel owner destroys
 * it, when its last user leaves (automatic HWPTs) or when the context is
 * released. The refcount rules are written there.
 */
struct iommufd_object {
	refcount_t users;
	refcount_t shortterm_users;
	enum iommufd_object_type type;
	u32 id;
};

/**
 * struct iommufd_ctx - one open of /dev/iommu
 * @file: the file this context lives in; its refcount is the context's
 * @objects: ID → object table. Allocation starts at 1 and takes the lowest
 *	free index. Its xa_lock guards lookups against removal.
 * @destroy_wait: woken when an object's @shortterm_users drops to zero
 * @ioas_creation_rwsem: held for reading while an IOAS is created, for
 *	writing by IOMMU_IOAS_CHANGE_PROCESS so that the set of IOASes it
 *	moves cannot grow under it
 * @account_mode: &enum iopt_account_mode for new mappings
 *	(IOMMU_OPTION_RLIMIT_MODE); changed only while @objects is empty,
 *	under its xa_lock
 * @vfio_container: a VFIO container's context, which has no file
 *	(vfio_compat.c): CAP_IPC_LOCK holders' pins still count in
 *	locked_vm, just with no limit, as type1 counts them, and @vfio_ioas
 *	is the container's own IOAS, which IOMMU_VFIO_IOAS cannot change;
 *	set before the context is used, then constant
 * @vfio_ioas: the compat IOAS (IOMMU_VFIO_IOAS) that VFIO container
 *	ioctls on the file act on, or NULL; not a reference: removing the
 *	IOAS from @objects clears it. Guarded by @objects' xa_lock
 * @pid: the thread group that made the context (opened the file, or set
 *	up the VFIO container), for the debugfs view; constant
 * @comm: its command name then; constant
 * @debugfs: the context's file in debugfs (debugfs.c), or NULL; removed
 *	before the context's objects are destroyed
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	wait_queue_head_t destroy_wait;
	struct rw_semaphore ioas_creation_rwsem;
	u8 account_mode;
	bool vfio_container;
	struct iommufd_ioas *vfio_ioas;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	struct dentry *debugfs;
};

u8 iommufd_ctx_account_mode(struct iommufd_ctx *ictx);

struct iommufd_ctx *iommufd_ctx_alloc(void);
void iommufd_ctx_destroy_objects(struct iommufd_ctx *ictx);
void iommufd_ctx_free(struct iommufd_ctx *ictx);

struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type);

/*
 * Allocate a @ptr-typed object of type @type. The object header must be the
 * first member, named obj, so that container_of() and a cast agree.
 */
#define iommufd_object_alloc(ictx, ptr, type)                               \
	container_of(_iommufd_object_alloc(ictx,                            \
					   sizeof(*(ptr)) +                 \
					   BUILD_BUG_ON_ZERO(offsetof(      \
						typeof(*(ptr)), obj) != 0), \
					   type),                           \
		     typeof(*(ptr)), obj)

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx,
			  struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);

/**
 * enum iommufd_remove_flags - how iommufd_object_remove() treats references
 * @IOMMUFD_REMOVE_PUT: the caller gives up a long-term reference it holds
 * @IOMMUFD_REMOVE_WAIT: the object is the caller's to destroy; wait for
 *	lookups in flight instead of failing with -EBUSY
 *
 * The rules themselves are in the kernel-doc of iommufd_object_remove().
 */
enum iommufd_remove_flags {
	IOMMUFD_REMOVE_PUT = 1 << 0,
	IOMMUFD_REMOVE_WAIT = 1 << 1,
};

int iommufd_object_remove(struct iommufd_ctx *ictx,
			  struct iommufd_object *to_destroy, u32 id,
			  unsigned int flags);

/*
 * Take a lookup-style reference on an object found some other way (under a
 * lock that keeps its memory alive, like the table's xa_lock or an IOAS's
 * mutex for its HWPT list): one long-term and one short-term, dropped with
 * iommufd_put_object(). Fails once the object's last long-term reference
 * is gone, or once an owner's removal has stopped new lookups.
 */
static inline bool iommufd_lock_obj(struct iommufd_object *obj)
{
	if (!refcount_inc_not_zero(&obj->users))
		return false;
	if (!refcount_inc_not_zero(&obj->shortterm_users)) {
		/* Cannot be the last: the remover still holds one. */
		refcount_dec(&obj->users);
		return false;
	}
	return true;
}

/*
 * Drop a reference taken by iommufd_get_object(). @users goes first, so
 * that a remover woken by @shortterm_users reaching zero sees the final
 * @users count.
 */
static inline void iommufd_put_object(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	refcount_dec(&obj->users);
	if (refcount_dec_and_test(&obj->shortterm_users))
		wake_up_all(&ictx->destroy_wait);
}

/**
 * struct iommufd_ucmd - one ioctl in flight
 * @ictx: the context the ioctl was issued on
 * @ubuffer: the user's struct
 * @user_size: the size the user claimed in the struct's first u32
 * @cmd: the kernel copy, zero-extended to the kernel's struct size
 */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/*
 * Copy the kernel's image of the command back over the user's struct, but
 * never more bytes than the user said it has.
 */
static inline int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd,
				       size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/**
 * struct iommufd_ioas - an I/O address space object
 * @obj: common header
 * @iopt: the IOVA space and what is mapped in it
 * @mutex: guards @hwpt_list; held while an automatic HWPT is chosen or
 *	made, so that two devices attaching at once share one
 * @hwpt_list: the automatic paging HWPTs of this IOAS
 */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable iopt;
	struct mutex mutex;	/* guards hwpt_list */
	struct list_head hwpt_list;
};

static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_ioas, obj);
}

struct iommufd_device;

/**
 * struct iommufd_hw_info - what a provider reports for IOMMU_GET_HW_INFO
 * @type: in: the IOMMU_HW_INFO_TYPE_* asked for, IOMMU_HW_INFO_TYPE_DEFAULT
 *	for the provider's own; out: the type of @data, never
 *	IOMMU_HW_INFO_TYPE_NONE
 * @data: out: kmalloc()ed information, freed by the caller
 * @len: out: bytes at @data
 * @capabilities: out: IOMMU_HW_CAP_* of the device
 * @max_pasid_log2: out: the device's PASID width, 0 without PASIDs
 */
struct iommufd_hw_info {
	u32 type;
	void *data;
	u32 len;
	u64 capabilities;
	u8 max_pasid_log2;
};

/**
 * struct iommufd_dev_ops - how the IOMMU of a bound device is driven
 * @domain_alloc: make an empty paging domain suitable for the device;
 *	@flags are IOMMU_HWPT_ALLOC_* flags
 * @attach: make the device's group translate through @domain
 * @replace: switch the group from @old to @new; on failure @old must
 *	still be in place
 * @detach: stop translating through @domain; DMA is blocked afterwards
 * @hw_info: optional; describe the device's IOMMU (see &struct
 *	iommufd_hw_info); a type the provider does not have is -EOPNOTSUPP.
 *	Without it the device reports type NONE and no data
 * @nested_data_type: the IOMMU_HWPT_DATA_* of the nested HWPTs the
 *	IOMMU would build, 0 if it cannot nest. Nested HWPTs are not
 *	implemented; this only orders HWPT_ALLOC's checks as upstream does
 * @viommu_type: the IOMMU_VIOMMU_TYPE_* the IOMMU would model, 0 for none;
 *	the same for IOMMU_VIOMMU_ALLOC
 * @get_resv_regions: optional; add to @list the &struct iommu_resv_region
 *	entries of the IOVA the device's group must not use; the caller
 *	frees them with iommu_put_resv_regions(), also on failure. Called
 *	with the group's &iommufd_group.lock held
 */
struct iommufd_dev_ops {
	struct iommu_domain *(*domain_alloc)(struct iommufd_device *idev,
					     u32 flags);
	int (*attach)(struct iommufd_device *idev, struct iommu_domain *domain);
	int (*replace)(struct iommufd_device *idev, struct iommu_domain *old,
		       struct iommu_domain *new);
	void (*detach)(struct iommufd_device *idev,
		       struct iommu_domain *domain);
	int (*hw_info)(struct iommufd_device *idev,
		       struct iommufd_hw_info *info);
	u32 nested_data_type;
	u32 viommu_type;
	int (*get_resv_regions)(struct iommufd_device *idev,
				struct list_head *list);
};

/**
 * struct iommufd_hwpt_paging - a paging HW pagetable object
 * @obj: common header
 * @ioas: the IOAS it mirrors; referenced
 * @domain: the IOMMU domain
 * @ops: the provider that made @domain; only its devices can attach
 * @auto_domain: made by attaching to an IOAS; reused and freed
 *	automatically
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT; set before
 *	the HWPT is published, then constant
 * @domain_added: @domain is in @ioas's table (for teardown of a
 *	half-made HWPT)
 * @enforce_cache_coherency: @domain ignores no-snoop DMA, as its
 *	enforce_cache_coherency op answered while it was attached and still
 *	empty (an automatic HWPT made by an attach, not a replace); set
 *	before the HWPT is published, then constant
 * @hwpt_item: in &iommufd_ioas.hwpt_list if automatic
 */
struct iommufd_hwpt_paging {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;
	struct iommu_domain *domain;
	const struct iommufd_dev_ops *ops;
	bool auto_domain;
	bool nest_parent;
	bool domain_added;
	bool enforce_cache_coherency;
	struct list_head hwpt_item;
};

/**
 * struct iommufd_group - the attachment shared by a group's devices
 * @lock: guards @hwpt and the &iommufd_device.hwpt of its devices
 * @hwpt: what the group is attached to, or NULL
 */
struct iommufd_group {
	struct mutex lock;	/* guards hwpt, devices' hwpt */
	struct iommufd_hwpt_paging *hwpt;
};

/**
 * struct iommufd_device - a device bound to a context
 * @obj: common header
 * @ictx: the context
 * @igroup: its group's attachment
 * @dev: the device; referenced
 * @group: the IOMMU group the object stands for, bound with
 *	iommufd_device_bind_group(); referenced. NULL for the test build's
 *	mock devices, each of which is its own group
 * @ops: how its IOMMU is driven
 * @hwpt: the HWPT it is attached to, or NULL; guarded by @igroup's lock
 * @resv_owned: the device owns reserved IOVA (its reserved regions) in
 *	@hwpt's IOAS; guarded by @igroup's lock
 */
struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_group *igroup;
	struct device *dev;
	struct iommu_group *group;
	const struct iommufd_dev_ops *ops;
	struct iommufd_hwpt_paging *hwpt;
	bool resv_owned;
};

static inline struct iommufd_device *
iommufd_get_device(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_device, obj);
}

struct iommufd_device *
iommufd_device_bind_ops(struct iommufd_ctx *ictx, struct device *dev,
			struct iommu_group *group,
			const struct iommufd_dev_ops *ops, u32 *id);
void iommufd_device_destroy(struct iommufd_object *obj);

int iommufd_device_attach_new(struct iommufd_device *idev,
			      struct iommufd_hwpt_paging *hwpt);
void iommufd_device_detach_new(struct iommufd_device *idev,
			       struct iommufd_hwpt_paging *hwpt);

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain, bool attach);
void iommufd_hwpt_paging_put(struct iommufd_ctx *ictx,
			     struct iommufd_hwpt_paging *hwpt);
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);
int iommufd_viommu_alloc(struct iommufd_ucmd *ucmd);
int iommufd_vdevice_alloc(struct iommufd_ucmd *ucmd);
int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hw_queue_alloc(struct iommufd_ucmd *ucmd);

static inline struct iommufd_hwpt_paging *
iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_hwpt_paging, obj);
}

/*
 * Look up an object of a type upstream has but this module does not make
 * yet (vIOMMU, vDEVICE, FAULT, vEVENTQ, HW queue). No ID can name one, so
 * the answer is the one for a missing ID or an object of another type:
 * ENOENT. Commands use it where upstream resolves such an ID, so that a
 * bad ID is reported as upstream reports it before "not supported" is.
 */
static inline int iommufd_get_absent_object(struct iommufd_ctx *ictx, u32 id)
{
	return -ENOENT;
}

/**
 * struct iommufd_access - an in-kernel user of an IOAS through the CPU
 * @obj: common header
 * @ictx: the context; referenced
 * @ops: the driver's callbacks
 * @data: the driver's cookie for @ops
 * @iova_alignment: PAGE_SIZE if the access pins pages, else 1
 * @change_lock: serialises attach, replace, detach and destroy, across
 *	the unmap callback they make
 * @unmap_rwsem: held for reading across every unmap callback; taken for
 *	writing to wait for the callbacks running
 * @ioas_lock: guards @ioas, @ioas_unpin, @iopt_access_list_id and
 *	@detaching
 * @ioas: the IOAS new pins and rw use, or NULL; referenced
 * @ioas_unpin: the IOAS unpins go to: @ioas, or the one being left while
 *	a replace or detach calls the driver back
 * @iopt_access_list_id: where the access sits in @ioas's access list
 * @detaching: a detach or destroy is under way; replace fails with EBUSY
 * @npinned: pages the driver holds pinned: what iommufd_access_pin_pages()
 *	pinned less what iommufd_access_unpin_pages() unpinned; for the
 *	debugfs view only
 */
struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	const struct iommufd_access_ops *ops;
	void *data;
	unsigned long iova_alignment;
	struct mutex change_lock;	/* serialises attach..destroy */
	struct rw_semaphore unmap_rwsem;
	struct mutex ioas_lock;	/* guards ioas, ioas_unpin, ... */
	struct iommufd_ioas *ioas;
	struct iommufd_ioas *ioas_unpin;
	u32 iopt_access_list_id;
	bool detaching;
	atomic_long_t npinned;
};

void iommufd_access_destroy_object(struct iommufd_object *obj);

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);
struct iommu_iova_range;
void iommufd_ioas_collect_ranges(struct iommufd_ioas *ioas,
				 struct iommu_iova_range *ranges, u32 max,
				 u32 *count);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd);
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);

int iommufd_destroy(struct iommufd_ucmd *ucmd);
int iommufd_option(struct iommufd_ucmd *ucmd);
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
long iommufd_ctx_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		       unsigned long arg);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);

struct iommu_ioas_copy;

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
int iommufd_test(struct iommufd_ucmd *ucmd);
int iommufd_test_init(void);
void iommufd_test_exit(void);
void iommufd_selftest_destroy(struct iommufd_object *obj);
bool iommufd_should_fail(void);
bool iommufd_test_short_unmap_expected(struct iommu_domain *domain);
void iommufd_test_syz_conv_copy(struct iommufd_ucmd *ucmd,
				struct iommu_ioas_copy *cmd);
#else
static inline void iommufd_test_syz_conv_copy(struct iommufd_ucmd *ucmd,
					      struct iommu_ioas_copy *cmd)
{
}

static inline int iommufd_test_init(void)
{
	return 0;
}

static inline void iommufd_test_exit(void)
{
}

static inline bool iommufd_should_fail(void)
{
	return false;
}

static inline bool
iommufd_test_short_unmap_expected(struct iommu_domain *domain)
{
	return false;
}
#endif

#ifdef IOMMUFD_RIG_FAULT
void iommufd_rig_fault(void);
#else
static inline void iommufd_rig_fault(void)
{
}
#endif

/**
 * struct iommufd_sva_dev_ops - how SVA drives a kind of device
 * @bind: start translating @pasid of @dev through @mm; may sleep. *@priv
 *	receives the backend's data for the bond (not NULL), stored with
 *	WRITE_ONCE() no later than the PASID goes live: notifier callbacks
 *	may already look at it, and skip the bond while it is NULL
 * @unbind: undo @bind; may sleep. DMA on @pasid was already stopped
 * @stop: stop all DMA on @pasid and drop cached translations; never
 *	sleeps, any context, may be called more than once (mm teardown, last
 *	unbind)
 * @invalidate: drop cached translations of [@start, @end); never sleeps
 * @max_pasid: the highest PASID @dev can use; NULL for the IOMMU core's
 *	limit
 */
struct iommufd_sva_dev_ops {
	int (*bind)(struct device *dev, struct mm_struct *mm, u32 pasid,
		    void **priv);
	void (*unbind)(struct device *dev, u32 pasid, void *priv);
	void (*stop)(struct device *dev, u32 pasid, void *priv);
	void (*invalidate)(struct device *dev, u32 pasid, void *priv,
			   unsigned long start, unsigned long end);
	u32 (*max_pasid)(struct device *dev);
};

int iommufd_sva_register_device(struct device *dev,
				const struct iommufd_sva_dev_ops *ops);
int iommufd_sva_unregister_device(struct device *dev);
void iommufd_sva_flush(void);
void iommufd_sva_test_release(struct iommufd_sva *handle);
int iommufd_sva_init(void);
void iommufd_sva_exit(void);

/*
 * debugfs.c: /sys/kernel/debug/iommufd/, the read-only view of every
 * context (ctx/<n>) and the module's totals
 */
struct dentry;
void iommufd_ctx_debugfs_add(struct iommufd_ctx *ictx);
void iommufd_ctx_debugfs_remove(struct iommufd_ctx *ictx);
void iommufd_debugfs_init(void);
void iommufd_debugfs_exit(void);
const char *iommufd_account_mode_name(u8 mode);
const char *iommufd_prot_name(int prot);

/**
 * struct iommufd_stats - module-wide counts, for the debugfs totals
 * @contexts: contexts alive, VFIO containers' included
 * @pinned_pages: pages pinned by all page sets, each page once per set
 * @charged_user_pages: pages charged to users' locked_vm
 * @charged_mm_pages: pages charged to processes' locked_vm
 * @worker_pinned_pages: pages fills have taken from pin workers, ever
 */
struct iommufd_stats {
	atomic_long_t contexts;
	atomic_long_t pinned_pages;
	atomic_long_t charged_user_pages;
	atomic_long_t charged_mm_pages;
	atomic_long_t worker_pinned_pages;
};

extern struct iommufd_stats iommufd_stats;

/* vfio_debugfs.c: /sys/kernel/debug/iommufd/vfio/<n>, one per container */
struct iommufd_vfio_container;
struct iommufd_ioas *
iommufd_vfio_container_ioas(struct iommufd_vfio_container *ctr);
struct dentry *iommufd_vfio_debugfs_add(struct iommufd_vfio_container *ctr);
void iommufd_vfio_debugfs_remove(struct dentry *file);
void iommufd_vfio_debugfs_init(struct dentry *root);

#endif
