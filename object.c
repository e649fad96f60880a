// SPDX-License-Identifier: GPL-2.0-only
/*
 * The context and its object table.
 *
 * Everything userspace creates through a context (IOAS, HWPT, ...) is an
 * object in the context's ID table and is named by a u32 ID. The table owns
 * one reference on each object; objects that depend on each other hold
 * references too, which is what makes IOMMU_DESTROY of a busy object fail
 * with EBUSY and what orders teardown when the file is closed.
 */
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

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
	    !iommufd_lock_obj(obj)) {
		xa_unlock(&ictx->objects);
		return ERR_PTR(-ENOENT);
	}
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

/*
 * An object leaving the table stops being the compat IOAS: it is not a
 * reference, so destroying the IOAS is allowed, and forgets it.
 */
static void iommufd_object_forget_compat(struct iommufd_ctx *ictx,
					 struct iommufd_object *obj)
{
	lockdep_assert_held(&ictx->objects.xa_lock);

	if (ictx->vfio_ioas && &ictx->vfio_ioas->obj == obj)
		ictx->vfio_ioas = NULL;
}

/**
 * iommufd_object_remove() - destroy a published object: the one way out of
 *	the table
 * @ictx: context holding the object
 * @to_destroy: the object, if the caller has it in hand; NULL to go by @id
 *	alone (IOMMU_DESTROY, context release)
 * @id: the object's ID
 * @flags: %IOMMUFD_REMOVE_PUT, %IOMMUFD_REMOVE_WAIT or both; both need
 *	@to_destroy
 *
 * The refcount rules. &iommufd_object.users counts every reference: the
 * table's, one per object or kernel owner that depends on this one, and
 * one per lookup in flight (iommufd_get_object(), iommufd_lock_obj()),
 * which also counts in &iommufd_object.shortterm_users, together with one
 * of the table's. An object may be freed only once the table's is the
 * last long-term reference and no lookup still holds it.
 *
 * Without %IOMMUFD_REMOVE_WAIT the decision is refcount_dec_if_one() on
 * @users, under the table's xa_lock: it succeeds only if nothing but the
 * table holds the object, and it is atomic against every way of taking a
 * reference, each of which is refcount_inc_not_zero() (a lookup by ID,
 * under the same xa_lock, or a lookup in a list of the caller's, such as
 * an IOAS's automatic HWPTs under its mutex) or an increment made while
 * already holding one. So a reference taken at the same time either comes
 * first, and the removal fails with -EBUSY leaving the object as it was,
 * or finds the count at zero and backs off. A removed object leaves the
 * table at once; then this waits for lookups that are still putting it
 * (they drop @users before @shortterm_users) and frees it.
 *
 * %IOMMUFD_REMOVE_PUT: the caller holds a long-term reference on
 * @to_destroy and gives it up here, under the table lock, whatever the
 * outcome; it must not touch the object afterwards. With this flag alone
 * the call is "put, and destroy if that was the last user besides the
 * table", which is how an automatic HWPT goes with its last device; then
 * -EBUSY only means that someone else still uses it.
 *
 * %IOMMUFD_REMOVE_WAIT: @to_destroy is the caller's to destroy (a bound
 * device, an access): lookups in flight do not make the removal fail. The
 * object leaves the table first, so no new lookup finds it, then this
 * waits for the lookups that did find it to put it, then decides. A
 * long-term reference still left then is a bug: the object is leaked with
 * a warning rather than freed under its user.
 *
 * Context: process context, may sleep; the caller holds no lock that a
 * lookup in flight or the object's destroy op takes.
 * Return: 0 when the object was destroyed; -ENOENT for an ID with no
 * published object (or, with a warning, one that is not @to_destroy);
 * -EBUSY when it is still in use.
 */
int iommufd_object_remove(struct iommufd_ctx *ictx,
			  struct iommufd_object *to_destroy, u32 id,
			  unsigned int flags)
{
	struct iommufd_object *obj;
	XA_STATE(xas, &ictx->objects, id);

	if (WARN_ON_ONCE((flags & ~(IOMMUFD_REMOVE_PUT | IOMMUFD_REMOVE_WAIT)) ||
			 (flags && !to_destroy)))
		return -EINVAL;

	xa_lock(&ictx->objects);
	obj = xas_load(&xas);
	if (to_destroy && WARN_ON_ONCE(obj != to_destroy))
		obj = NULL;
	if (xa_is_zero(obj) || !obj) {
		xa_unlock(&ictx->objects);
		return -ENOENT;
	}
	/* The table's reference keeps @users above zero here. */
	if (flags & IOMMUFD_REMOVE_PUT)
		refcount_dec(&obj->users);

	if (flags & IOMMUFD_REMOVE_WAIT) {
		xas_store(&xas, NULL);
		iommufd_object_forget_compat(ictx, obj);
		xa_unlock(&ictx->objects);
		iommufd_object_wait_shortterm(ictx, obj);
		if (WARN_ON_ONCE(!refcount_dec_if_one(&obj->users)))
			return -EBUSY;
	} else {
		if (!refcount_dec_if_one(&obj->users)) {
			xa_unlock(&ictx->objects);
			return -EBUSY;
		}
		xas_store(&xas, NULL);
		iommufd_object_forget_compat(ictx, obj);
		xa_unlock(&ictx->objects);
		iommufd_object_wait_shortterm(ictx, obj);
	}
	iommufd_object_free(obj);
	return 0;
}

int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, NULL, cmd->id, 0);
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
	ictx->pid = task_tgid_nr(current);
	get_task_comm(ictx->comm, current);
	atomic_long_inc(&iommufd_stats.contexts);
	iommufd_ctx_debugfs_add(ictx);
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

	/* First: a read of it in progress holds objects. */
	iommufd_ctx_debugfs_remove(ictx);
	do {
		progress = false;
		xa_for_each(&ictx->objects, index, obj)
			if (!iommufd_object_remove(ictx, NULL, index, 0))
				progress = true;
	} while (progress);
	WARN_ON_ONCE(!xa_empty(&ictx->objects));
}

void iommufd_ctx_free(struct iommufd_ctx *ictx)
{
	iommufd_ctx_debugfs_remove(ictx);
	atomic_long_dec(&iommufd_stats.contexts);
	xa_destroy(&ictx->objects);
	kfree(ictx);
}
