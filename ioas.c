// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS objects: the ioctls that create, inspect and change I/O address
 * spaces. The address space itself is an &struct io_pagetable
 * (io_pagetable.c). Checks appear in the order upstream applies them,
 * because which errno wins when several apply is part of the ABI.
 */
#include <linux/file.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "iommufd_trace.h"
#include "iova_span.h"

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);
	int rc;

	/* Nothing else holds the IOAS, so nothing can be half-built. */
	rc = iopt_unmap_all(&ioas->iopt, NULL);
	WARN_ON(rc);
	iopt_destroy_table(&ioas->iopt);
	mutex_destroy(&ioas->mutex);
}

/**
 * iommufd_ioas_alloc() - allocate an unpublished, empty IOAS
 * @ictx: the owning context
 *
 * Return: the IOAS, to be finalized or aborted by the caller, or an ERR_PTR.
 */
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc(ictx, ioas, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(ioas))
		return ioas;
	iopt_init_table(&ioas->iopt);
	mutex_init(&ioas->mutex);
	INIT_LIST_HEAD(&ioas->hwpt_list);
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	down_read(&ucmd->ictx->ioas_creation_rwsem);
	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The user never learnt the ID, so it must not stay taken. */
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		goto out_unlock;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
out_unlock:
	up_read(&ucmd->ictx->ioas_creation_rwsem);
	return rc;
}

/**
 * iommufd_ioas_collect_ranges() - list the IOVA that may be mapped
 * @ioas: the IOAS; its iova_rwsem held
 * @ranges: out: the first @max ranges; may be NULL when @max is 0
 * @max: room in @ranges
 * @count: out: how many ranges there are, which may be more than @max
 *
 * The ranges are the holes in the reserved set, in IOVA order.
 */
void iommufd_ioas_collect_ranges(struct iommufd_ioas *ioas,
				 struct iommu_iova_range *ranges, u32 max,
				 u32 *count)
{
	struct rb_root_cached *reserved[] = { &ioas->iopt.reserved_itree };
	struct iova_span_iter span;

	lockdep_assert_held(&ioas->iopt.iova_rwsem);

	*count = 0;
	for_each_iova_span(&span, reserved, 1, 0, ULONG_MAX) {
		if (!span.is_hole)
			continue;
		if (*count < max) {
			ranges[*count].start = span.start;
			ranges[*count].last = span.last;
		}
		(*count)++;
	}
}

int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range *ranges = NULL;
	struct iommufd_ioas *ioas;
	u32 max_iovas, count, n;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	max_iovas = cmd->num_iovas;

	/*
	 * Take one snapshot under the IOVA lock, into kernel memory, and copy
	 * it out after dropping the lock: a fault on the user buffer must
	 * not happen under the lock (a userfaultfd handler could need it).
	 * The buffer is sized by a first count; if the set changed in
	 * between, count again.
	 */
	down_read(&ioas->iopt.iova_rwsem);
	iommufd_ioas_collect_ranges(ioas, NULL, 0, &count);
	while (true) {
		n = min(count, max_iovas);
		up_read(&ioas->iopt.iova_rwsem);
		kfree(ranges);
		ranges = n ? kcalloc(n, sizeof(*ranges), GFP_KERNEL) : NULL;
		if (n && !ranges) {
			rc = -ENOMEM;
			goto out_put;
		}
		down_read(&ioas->iopt.iova_rwsem);
		iommufd_ioas_collect_ranges(ioas, ranges, n, &count);
		if (min(count, max_iovas) == n)
			break;
	}
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	up_read(&ioas->iopt.iova_rwsem);

	cmd->num_iovas = count;
	if (n && copy_to_user(u64_to_user_ptr(cmd->allowed_iovas), ranges,
			      n * sizeof(*ranges))) {
		rc = -EFAULT;
		goto out_put;
	}
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	/* The counts are reported even when the array was too small. */
	if (!rc && count > max_iovas)
		rc = -EMSGSIZE;
out_put:
	kfree(ranges);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct rb_root_cached allowed_iova = RB_ROOT_CACHED;
	struct iommu_iova_range __user *uranges;
	struct iommu_iova_range range;
	struct iopt_allowed *allowed;
	struct iommufd_ioas *ioas;
	u32 i;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/* Build the whole new list first, so that failure changes nothing. */
	uranges = u64_to_user_ptr(cmd->allowed_iovas);
	for (i = 0; i != cmd->num_iovas; i++) {
		if (copy_from_user(&range, &uranges[i], sizeof(range))) {
			rc = -EFAULT;
			goto out_free;
		}
		if (range.start >= range.last ||
		    interval_tree_iter_first(&allowed_iova, range.start,
					     range.last)) {
			rc = -EINVAL;
			goto out_free;
		}
		allowed = kzalloc(sizeof(*allowed), GFP_KERNEL_ACCOUNT);
		if (!allowed) {
			rc = -ENOMEM;
			goto out_free;
		}
		allowed->node.start = range.start;
		allowed->node.last = range.last;
		interval_tree_insert(&allowed->node, &allowed_iova);
	}
	rc = iopt_set_allow_iova(&ioas->iopt, &allowed_iova);
out_free:
	/* The old list after a swap, or the rejected new one. */
	iopt_free_allowed_tree(&allowed_iova);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/* Mappings are always cache coherent; devices that can't do that can't bind. */
static int conv_iommu_prot(u32 map_flags)
{
	int iommu_prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		iommu_prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		iommu_prot |= IOMMU_READ;
	return iommu_prot;
}

#define IOMMUFD_MAP_FLAGS                                                  \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |           \
	 IOMMU_IOAS_MAP_READABLE)

/*
 * The checks MAP and MAP_FILE share, in upstream's order, ending with the
 * IOAS lookup. @reserved is MAP's reserved field (0 for MAP_FILE).
 */
static struct iommufd_ioas *iommufd_ioas_map_get(struct iommufd_ucmd *ucmd,
						 u32 flags, u32 reserved,
						 u32 ioas_id, u64 iova,
						 u64 length)
{
	if ((flags & ~IOMMUFD_MAP_FLAGS) || reserved)
		return ERR_PTR(-EOPNOTSUPP);
	if (iova >= ULONG_MAX || length >= ULONG_MAX)
		return ERR_PTR(-EOVERFLOW);
	if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return ERR_PTR(-EINVAL);
	return iommufd_get_ioas(ucmd->ictx, ioas_id);
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	int rc;

	ioas = iommufd_ioas_map_get(ucmd, cmd->flags, cmd->__reserved,
				    cmd->ioas_id, cmd->iova, cmd->length);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(ucmd->ictx, &ioas->iopt, &iova,
				 u64_to_user_ptr(cmd->user_va), cmd->length,
				 conv_iommu_prot(cmd->flags), flags);
	trace_iommufd_ioas_map(cmd->ioas_id, iova, cmd->length, cmd->flags,
			       false, rc);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	struct file *file;
	int rc;

	/* MAP_FILE has the fd where MAP has a reserved field. */
	ioas = iommufd_ioas_map_get(ucmd, cmd->flags, 0, cmd->ioas_id,
				    cmd->iova, cmd->length);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	file = fget(cmd->fd);
	if (!file) {
		rc = -EBADF;
		goto out_put;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_file_pages(ucmd->ictx, &ioas->iopt, &iova, file,
				 cmd->start, cmd->length,
				 conv_iommu_prot(cmd->flags), flags);
	trace_iommufd_ioas_map(cmd->ioas_id, iova, cmd->length, cmd->flags,
			       true, rc);
	fput(file);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/*
 * Reference every IOAS of @ictx, in ID order. IOAS creation is blocked,
 * so the number can only shrink between counting and collecting. Unlike
 * iommufd_get_object() this has no failure injection: missing an IOAS
 * would break the all-or-nothing promise of CHANGE_PROCESS.
 */
static struct iommufd_ioas **iommufd_ctx_get_all_ioas(struct iommufd_ctx *ictx,
						      unsigned int *count)
{
	struct iommufd_ioas **all;
	struct iommufd_object *obj;
	unsigned int n = 0, got = 0;
	unsigned long index;

	lockdep_assert_held_write(&ictx->ioas_creation_rwsem);

	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj)
		n += obj->type == IOMMUFD_OBJ_IOAS;
	xa_unlock(&ictx->objects);

	all = kcalloc(max(n, 1U), sizeof(*all), GFP_KERNEL);
	if (!all)
		return NULL;

	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (got == n)
			break;
		if (obj->type != IOMMUFD_OBJ_IOAS ||
		    !refcount_inc_not_zero(&obj->users))
			continue;
		refcount_inc(&obj->shortterm_users);
		all[got++] = container_of(obj, struct iommufd_ioas, obj);
	}
	xa_unlock(&ictx->objects);
	*count = got;
	return all;
}

/*
 * IOMMU_IOAS_CHANGE_PROCESS: make the caller the owner of every mapping of
 * the context, for a live update. All or nothing:
 *
 * 1. Block IOAS creation and take every IOAS's domains_rwsem, then every
 *    iova_rwsem, for writing. That stops MAP, COPY and UNMAP, area
 *    building (which holds domains_rwsem throughout), domain attach and
 *    detach, and access pins and unpins: nothing pins or unpins.
 * 2. Collect the page sets, each once however many areas share it; any
 *    user-memory mapping fails the call with EINVAL.
 * 3. Charge the caller for all of them; RLIMIT failure is ENOMEM.
 * 4. Uncharge the old owners and switch each set over: cannot fail.
 *
 * In a VFIO container's context, sets are charged as type1 charges: to
 * the owner's locked_vm, unlimited if it holds CAP_IPC_LOCK. There the
 * new owner's CAP_IPC_LOCK decides, in step 3 and for later pins alike.
 */
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iopt_owner_change chg = {};
	struct iopt_pages *pages, *next;
	struct iommufd_ioas **all;
	LIST_HEAD(pages_list);
	unsigned int n, i, nsets = 0;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	down_write(&ictx->ioas_creation_rwsem);
	all = iommufd_ctx_get_all_ioas(ictx, &n);
	if (!all) {
		rc = -ENOMEM;
		goto out_unlock_creation;
	}
	for (i = 0; i != n; i++)
		down_write_nest_lock(&all[i]->iopt.domains_rwsem,
				     &ictx->ioas_creation_rwsem);
	for (i = 0; i != n; i++)
		down_write_nest_lock(&all[i]->iopt.iova_rwsem,
				     &ictx->ioas_creation_rwsem);

	for (i = 0; i != n && !rc; i++)
		rc = iopt_collect_owner_change(&all[i]->iopt, &pages_list);
	if (rc)
		goto out_unlock;

	list_for_each_entry(pages, &pages_list, change_node) {
		iopt_pages_owner_change_count(pages, &chg);
		nsets++;
	}
	rc = iopt_owner_change_charge(&chg);
	if (rc)
		goto out_unlock;
	list_for_each_entry(pages, &pages_list, change_node)
		iopt_pages_owner_change_commit(pages,
					       ictx->vfio_container ?
					       iommufd_ctx_account_mode(ictx) :
					       IOPT_PAGES_ACCOUNT_NONE);

out_unlock:
	trace_iommufd_change_process(n, nsets, chg.user_pages, chg.mm_pages,
				     rc);
	for (i = n; i--;)
		up_write(&all[i]->iopt.iova_rwsem);
	for (i = n; i--;)
		up_write(&all[i]->iopt.domains_rwsem);
	for (i = 0; i != n; i++)
		iommufd_put_object(ictx, &all[i]->obj);
	kfree(all);
	/* change_node belongs to this call until the lock is dropped. */
	list_for_each_entry_safe(pages, next, &pages_list, change_node) {
		list_del_init(&pages->change_node);
		iopt_put_pages(pages);
	}
out_unlock_creation:
	up_write(&ictx->ioas_creation_rwsem);
	return rc;
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	unsigned long iova = cmd->dst_iova;
	unsigned int flags = 0;
	LIST_HEAD(pages_list);
	int rc;

	iommufd_test_syz_conv_copy(ucmd, cmd);

	if (cmd->flags & ~IOMMUFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX ||
	    cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src_ioas))
		return PTR_ERR(src_ioas);
	rc = iopt_get_pages(&src_ioas->iopt, cmd->src_iova, cmd->length,
			    &pages_list);
	iommufd_put_object(ucmd->ictx, &src_ioas->obj);
	if (rc)
		return rc;

	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst_ioas)) {
		rc = PTR_ERR(dst_ioas);
		goto out_pages;
	}

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_pages_list(&dst_ioas->iopt, &pages_list, cmd->length,
				 &iova, conv_iommu_prot(cmd->flags), flags);
	trace_iommufd_ioas_copy(cmd->dst_ioas_id, cmd->src_ioas_id, iova,
				cmd->src_iova, cmd->length, rc);
	if (rc)
		goto out_put_dst;

	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put_dst:
	iommufd_put_object(ucmd->ictx, &dst_ioas->obj);
out_pages:
	iopt_free_pages_list(&pages_list);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	unsigned long unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		/* Unlike unmap-all, a range that held nothing is an error. */
		if (!rc && !unmapped)
			rc = -ENOENT;
	}
	trace_iommufd_ioas_unmap(cmd->ioas_id, cmd->iova, cmd->length,
				 unmapped, rc);
	if (rc)
		goto out_put;

	cmd->length = unmapped;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/* IOMMU_OPTION_HUGE_PAGES, for the IOAS in object_id. */
int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc = 0;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			rc = iopt_disable_large_pages(&ioas->iopt);
		else if (cmd->val64 == 1)
			iopt_enable_large_pages(&ioas->iopt);
		else
			rc = -EINVAL;
	} else if (cmd->op == IOMMU_OPTION_OP_GET) {
		down_read(&ioas->iopt.iova_rwsem);
		cmd->val64 = !ioas->iopt.disable_large_pages;
		up_read(&ioas->iopt.iova_rwsem);
	} else {
		rc = -EOPNOTSUPP;
	}

	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}
