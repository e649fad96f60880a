// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parallel pinning of large page-set ranges.
 *
 * The slow part of mapping memory a process has not touched yet is not the
 * pinning but the faults it takes: every page is allocated and zeroed on
 * the way, and a single caller does all of that on one CPU. For a guest of
 * many GiB that is tens of seconds inside one IOMMU_IOAS_MAP.
 *
 * When the first domain of an area has to pin all of it, and the area is
 * long enough, the fill (pages.c) starts a pin pool: up to pin_workers
 * work items on the unbound workqueue each take the next chunk of the
 * range and pin it, FOLL_LONGTERM, in the page set's mm (which they adopt
 * with kthread_use_mm()), faulting and zeroing it on the CPU they run on.
 * The fill takes the pins out of the pool chunk by chunk, in order, and
 * maps them exactly as it maps pages it pinned itself; pages pinned by a
 * worker are indistinguishable from the others once taken. A chunk no
 * worker has started on when the fill needs it, the fill pins itself, so
 * a busy workqueue only makes a fill as slow as one without a pool.
 *
 * - Workers never wait for anything outside the kernel. They pin what is
 *   there locklessly (as the caller's fast path would), and fault pages
 *   in only in anonymous, shmem and hugetlbfs VMAs that no userfaultfd
 *   watches; a file system's fault could wait for a server or a daemon,
 *   which the caller may do killably but a worker cannot. At such a VMA,
 *   at any error and at anything else GUP would not do that way, a
 *   worker leaves the rest of the chunk to the caller, whose own GUP then
 *   does it or reports the error, as without a pool.
 * - Resource control: workers run on CPUs of their own choosing and are
 *   not the caller, so a caller whose memory placement is constrained (a
 *   task memory policy, or a cpuset that leaves out some memory nodes)
 *   gets no pool, and a caller confined to fewer CPUs gets no more
 *   workers than it has CPUs. The CPU time of the workers' faults is not
 *   charged to the caller's cpu cgroup.
 * - Accounting: the fill charges every page it will pin before it starts
 *   the pool, so RLIMIT_MEMLOCK is checked once, up front, and no worker
 *   can take the charge over the limit.
 * - Memory: the pool has two slots of one chunk per worker, and no worker
 *   runs ahead of the fill by more than that; the slots' page arrays
 *   together are sized by the temporary-memory limit, as a fill step's
 *   buffers are (so a fill with a pool uses up to twice the limit).
 * - Failure: the caller's first error, or a fatal signal to it, stops the
 *   workers: the fill waits killably, and workers look at the caller's
 *   signals between GUP calls. Stopping waits for every worker to return
 *   and unpins whatever the fill has not taken; the fill unwinds the rest
 *   as it does for its own errors. fail-nth can make one worker fail.
 *   Workers wait for free slots idle (TASK_IDLE): the fill may take long.
 * - Locks: the fill holds the page set's mutex, and its caller
 *   domains_rwsem, but never iova_rwsem for writing. Workers take no lock
 *   of iommufd's, only the mm's (mmap_lock, and what faults take inside
 *   it); they wait for the fill only for a free slot, which the fill gives
 *   back without waiting for them.
 * - Memory cgroups: what the workers' faults allocate for the process
 *   (page tables) is charged to the mm's cgroup (set_active_memcg()), as
 *   it would be were the caller faulting; the pages themselves are
 *   charged to the mm's cgroup by the fault in any case.
 *
 * pin_workers=1 keeps all pinning in the caller, as before pools existed.
 * File-backed page sets are always pinned by the caller: their pins go
 * through a mapping in the caller's own mm (pages.c, "Pages of a memfd").
 * So are read-only ones, whose pins may have to break COW first.
 */
#include <linux/cpuset.h>
#include <linux/fs.h>
#include <linux/hugetlb_inline.h>
#include <linux/kthread.h>
#include <linux/magic.h>
#include <linux/mempolicy.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/userfaultfd_k.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

/* Most pages one chunk holds: 8 MiB of 4 KiB pages. */
#define IOPT_PIN_CHUNK_MAX 2048UL
/* Fewest chunks worth a pool. */
#define IOPT_PIN_MIN_CHUNKS 2UL
#define IOPT_PIN_WORKERS_MAX 64U

static unsigned int pin_workers = 4;

static int pin_workers_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int rc;

	rc = kstrtouint(val, 0, &n);
	if (rc)
		return rc;
	if (!n || n > IOPT_PIN_WORKERS_MAX)
		return -EINVAL;
	WRITE_ONCE(pin_workers, n);
	return 0;
}

static const struct kernel_param_ops pin_workers_ops = {
	.set = pin_workers_set,
	.get = param_get_uint,
};
module_param_cb(pin_workers, &pin_workers_ops, &pin_workers, 0644);
MODULE_PARM_DESC(pin_workers,
		 "Most CPUs that pin one large map or attach at once, 1-64 (1: the caller only; default 4; never more than the caller may use, none for a caller with a memory policy or a cpuset short of memory nodes)");

enum iopt_pin_slot_state {
	IOPT_PIN_SLOT_FREE,
	IOPT_PIN_SLOT_FILLING,
	IOPT_PIN_SLOT_READY,
};

/**
 * struct iopt_pin_slot - one chunk's pins on their way to the fill
 * @pages: the pinned pages, @npinned of them from the chunk's first
 * @chunk: the chunk held or being pinned
 * @npinned: pins in @pages; fewer than the chunk has where the worker
 *	left the rest to the fill, or stopped
 * @taken: how many pages of the chunk the fill has had, from @pages or
 *	pinned itself past @npinned
 * @state: FREE for the next worker; FILLING while one pins into it; READY
 *	once its pins are there for the fill
 *
 * @state changes under &iopt_pin_pool.lock, and says who owns the rest:
 * the worker that claimed the slot while FILLING, the fill while READY.
 */
struct iopt_pin_slot {
	struct page **pages;
	unsigned long chunk;
	unsigned long npinned;
	unsigned long taken;
	enum iopt_pin_slot_state state;
};

struct iopt_pin_worker {
	struct work_struct work;
	struct iopt_pin_pool *pool;
};

/**
 * struct iopt_pin_pool - workers pinning one range of a page set
 * @pages: the page set; its mutex is held by the fill throughout
 * @task: the caller, whose fatal signals stop the workers
 * @memcg: the memory cgroup of the page set's mm, which the workers charge
 *	what they allocate (page tables), as the caller's faults would
 * @start: the first page index of the range
 * @npages: its length
 * @chunk_pages: pages per chunk (the last may be shorter)
 * @nchunks: chunks in the range
 * @gup_flags: what the fill would pin with
 * @fail_chunk: the chunk whose worker fails on purpose (fault injection),
 *	or @nchunks for none
 * @lock: guards @next_chunk, @rc, @stop and the slots' state
 * @wait: workers wait here for a free slot, the fill for a ready one
 * @next_chunk: the next chunk a worker takes
 * @cursor: the next page index the fill takes; the fill's alone
 * @rc: the first error, which stops everything
 * @stop: no worker may take another chunk
 * @nworkers: how many workers were queued
 * @workers: their work items
 * @nslots: how many slots; chunk c goes into slot c % @nslots
 * @slots: the slots
 */
struct iopt_pin_pool {
	struct iopt_pages *pages;
	struct task_struct *task;
	struct mem_cgroup *memcg;
	unsigned long start;
	unsigned long npages;
	unsigned long chunk_pages;
	unsigned long nchunks;
	unsigned int gup_flags;
	unsigned long fail_chunk;

	spinlock_t lock;	/* see above */
	wait_queue_head_t wait;
	unsigned long next_chunk;
	unsigned long cursor;
	int rc;
	bool stop;

	unsigned int nworkers;
	struct iopt_pin_worker *workers;
	unsigned int nslots;
	struct iopt_pin_slot slots[];
};

static unsigned long iopt_pin_chunk_len(struct iopt_pin_pool *pool,
					unsigned long chunk)
{
	return min(pool->chunk_pages,
		   pool->npages - chunk * pool->chunk_pages);
}

/* Record the first error and stop the workers; under the pool lock. */
static void iopt_pin_pool_fail(struct iopt_pin_pool *pool, int rc)
{
	lockdep_assert_held(&pool->lock);

	if (!pool->rc)
		pool->rc = rc;
	WRITE_ONCE(pool->stop, true);
}

/*
 * A worker's next chunk: true with *@slot set once it has one, or with
 * *@slot NULL when there is nothing more to do; false while the chunk
 * next in line has no free slot yet.
 */
static bool iopt_pin_claim(struct iopt_pin_pool *pool,
			   struct iopt_pin_slot **slot)
{
	struct iopt_pin_slot *s;
	bool got = true;

	spin_lock(&pool->lock);
	*slot = NULL;
	if (!pool->stop && fatal_signal_pending(pool->task))
		iopt_pin_pool_fail(pool, -EINTR);
	if (pool->stop || pool->next_chunk == pool->nchunks)
		goto out;
	s = &pool->slots[pool->next_chunk % pool->nslots];
	if (s->state != IOPT_PIN_SLOT_FREE) {
		got = false;
		goto out;
	}
	s->state = IOPT_PIN_SLOT_FILLING;
	s->chunk = pool->next_chunk++;
	s->npinned = 0;
	s->taken = 0;
	*slot = s;
out:
	spin_unlock(&pool->lock);
	return got;
}

/* Whether a worker may fault pages of @vma in; mmap_lock held */
static bool iopt_pin_vma_ok(struct vm_area_struct *vma)
{
	if (userfaultfd_armed(vma))
		return false;
	if (vma_is_anonymous(vma) || is_vm_hugetlb_page(vma))
		return true;
	/* Shared anonymous memory and mappings of shmem files */
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == TMPFS_MAGIC;
}

/*
 * One GUP call of a worker, in the page set's mm, which it has adopted:
 * pins from page @index on, or returns 0 for "leave the rest of the chunk
 * to the caller". A worker must not wait for anything outside the kernel,
 * as the caller may: it cannot be killed, and the fill waits for it. So:
 * the pages that are there, locklessly, as the caller's fast path would;
 * then faults, only in a VMA of anonymous memory, shmem or hugetlbfs (no
 * file system or driver behind, a FUSE daemon say, to wait for) that no
 * userfaultfd watches. Whatever goes wrong here the caller meets again in
 * its own GUP, which reports it.
 */
static long iopt_pin_worker_gup(struct iopt_pin_pool *pool,
				unsigned long index, unsigned long npages,
				struct page **out)
{
	struct iopt_pages *pages = pool->pages;
	unsigned long uptr = pages->start + index * PAGE_SIZE;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	long rc;

	if (mm != pages->source_mm)
		return 0;
	npages = min_t(unsigned long, npages, INT_MAX);
	rc = pin_user_pages_fast_only(uptr, npages, pool->gup_flags, out);
	if (rc)
		return rc;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, uptr);
	if (vma && iopt_pin_vma_ok(vma)) {
		npages = min(npages, (vma->vm_end - uptr) / PAGE_SIZE);
		rc = pin_user_pages(uptr, npages, pool->gup_flags, out, NULL);
	}
	mmap_read_unlock(mm);
	return rc > 0 ? rc : 0;
}

/*
 * Pin one chunk into @slot, or as much of it as the worker can; returns 0
 * or the error that stops the pool.
 */
static int iopt_pin_chunk(struct iopt_pin_pool *pool,
			  struct iopt_pin_slot *slot)
{
	unsigned long index = pool->start + slot->chunk * pool->chunk_pages;
	unsigned long len = iopt_pin_chunk_len(pool, slot->chunk);
	long rc;

	while (slot->npinned != len) {
		if (READ_ONCE(pool->stop))
			return 0;
		if (fatal_signal_pending(pool->task))
			return -EINTR;
		rc = iopt_pin_worker_gup(pool, index + slot->npinned,
					 len - slot->npinned,
					 slot->pages + slot->npinned);
		if (!rc)
			break;
		slot->npinned += rc;
	}
	/* The injected failure keeps its pins, for stopping to unpin. */
	if (slot->chunk == pool->fail_chunk)
		return -ENOMEM;
	return 0;
}

static void iopt_pin_work(struct work_struct *work)
{
	struct iopt_pin_pool *pool =
		container_of(work, struct iopt_pin_worker, work)->pool;
	struct mm_struct *mm = pool->pages->source_mm;
	struct mem_cgroup *old_memcg = set_active_memcg(pool->memcg);
	struct iopt_pin_slot *slot;
	bool use_mm;
	int rc;

	/*
	 * Working in the page set's mm lets GUP take its lockless fast path
	 * for pages already there, as the caller's pins do. If the mm is
	 * gone, the caller finds out itself.
	 */
	use_mm = mmget_not_zero(mm);
	if (use_mm)
		kthread_use_mm(mm);

	for (;;) {
		/* Idle, not uninterruptible: the fill may take its time */
		wait_event_idle(pool->wait, iopt_pin_claim(pool, &slot));
		if (!slot)
			break;
		rc = iopt_pin_chunk(pool, slot);
		spin_lock(&pool->lock);
		slot->state = IOPT_PIN_SLOT_READY;
		if (rc)
			iopt_pin_pool_fail(pool, rc);
		spin_unlock(&pool->lock);
		wake_up_all(&pool->wait);
	}
	if (use_mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	set_active_memcg(old_memcg);
}

/*
 * Whether pages faulted in by a worker land where the caller's own faults
 * could: no task memory policy, and a cpuset with every memory node. A
 * policy or cpuset of the caller would not apply to the workers.
 */
static bool iopt_pin_caller_unconstrained(void)
{
#ifdef CONFIG_NUMA
	if (current->mempolicy)
		return false;
	if (!nodes_subset(node_states[N_MEMORY], cpuset_current_mems_allowed))
		return false;
#endif
	return true;
}

/* How many workers a range of @npages would get, before the pool exists. */
static unsigned int iopt_pin_pool_workers(unsigned long npages,
					  unsigned long *chunk_pages)
{
	unsigned int n = min3(READ_ONCE(pin_workers), num_online_cpus(),
			      cpumask_weight(current->cpus_ptr));
	unsigned long per_chunk;

	if (n < 2 || !iopt_pin_caller_unconstrained())
		return 0;
	/* Two slots per worker, within the temporary-memory limit. */
	per_chunk = iopt_temp_mem_limit() / (2 * n * sizeof(struct page *));
	*chunk_pages = clamp(per_chunk, 1UL, IOPT_PIN_CHUNK_MAX);
	if (npages < IOPT_PIN_MIN_CHUNKS * *chunk_pages)
		return 0;
	return min_t(unsigned long, n, DIV_ROUND_UP(npages, *chunk_pages));
}

/**
 * iopt_pin_pool_start() - start workers pinning a range of a page set
 * @pages: a user-memory page set, its mutex held by the caller
 * @start: the first page index
 * @last: the last page index
 * @gup_flags: the flags the caller would pin with
 *
 * Every page of the range must be one nobody holds (a hole) and already
 * charged by the caller. The caller then takes the pins in order with
 * iopt_pin_pool_take() and ends with iopt_pin_pool_stop().
 *
 * Return: the pool, or NULL to pin in the caller: one worker is allowed,
 * the range is short, the set is file-backed or read-only, or memory is
 * short.
 */
struct iopt_pin_pool *iopt_pin_pool_start(struct iopt_pages *pages,
					  unsigned long start,
					  unsigned long last,
					  unsigned int gup_flags)
{
	unsigned long npages = last - start + 1, chunk_pages, i;
	struct iopt_pin_pool *pool;
	unsigned int nworkers;

	lockdep_assert_held(&pages->mutex);

	/*
	 * File pages pin through a mapping in the caller's mm. A read-only
	 * pin of private memory may first need COW broken (pages.c), which
	 * the lockless path of the workers would not do.
	 */
	if (pages->file || !pages->writable)
		return NULL;
	nworkers = iopt_pin_pool_workers(npages, &chunk_pages);
	if (!nworkers)
		return NULL;

	pool = kzalloc(struct_size(pool, slots, 2 * nworkers),
		       GFP_KERNEL_ACCOUNT);
	if (!pool)
		return NULL;
	pool->nslots = 2 * nworkers;
	pool->workers = kcalloc(nworkers, sizeof(*pool->workers),
				GFP_KERNEL_ACCOUNT);
	if (!pool->workers)
		goto err_free;
	for (i = 0; i != pool->nslots; i++) {
		pool->slots[i].pages = kvmalloc_array(chunk_pages,
						      sizeof(struct page *),
						      GFP_KERNEL_ACCOUNT);
		if (!pool->slots[i].pages)
			goto err_free;
	}
	pool->pages = pages;
	pool->task = current;
	pool->memcg = get_mem_cgroup_from_mm(pages->source_mm);
	pool->start = start;
	pool->npages = npages;
	pool->chunk_pages = chunk_pages;
	pool->nchunks = DIV_ROUND_UP(npages, chunk_pages);
	pool->gup_flags = gup_flags;
	pool->cursor = start;
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->wait);

	/*
	 * fail-nth counts the caller's calls, so the caller decides here
	 * which worker's chunk fails; the worker fails after pinning it.
	 */
	for (pool->fail_chunk = 0; pool->fail_chunk != pool->nchunks;
	     pool->fail_chunk++)
		if (iommufd_should_fail())
			break;

	pool->nworkers = nworkers;
	for (i = 0; i != nworkers; i++) {
		pool->workers[i].pool = pool;
		INIT_WORK(&pool->workers[i].work, iopt_pin_work);
		queue_work(system_unbound_wq, &pool->workers[i].work);
	}
	return pool;

err_free:
	for (i = 0; i != pool->nslots; i++)
		kvfree(pool->slots[i].pages);
	kfree(pool->workers);
	kfree(pool);
	return NULL;
}

/*
 * The slot of the chunk the fill needs next, once a worker has pinned it,
 * or claimed for the fill itself if no worker has taken it yet; NULL (with
 * *@rc) if the pool stopped first.
 */
static bool iopt_pin_ready(struct iopt_pin_pool *pool, unsigned long chunk,
			   struct iopt_pin_slot **slot, int *rc)
{
	struct iopt_pin_slot *s = &pool->slots[chunk % pool->nslots];
	bool done = true;

	spin_lock(&pool->lock);
	*slot = NULL;
	*rc = pool->rc;
	if (*rc)
		goto out;
	if (s->state == IOPT_PIN_SLOT_READY && s->chunk == chunk) {
		*slot = s;
	} else if (pool->stop) {
		*rc = -EINTR;
	} else if (pool->next_chunk == chunk && s->state == IOPT_PIN_SLOT_FREE) {
		/*
		 * No worker got to it yet (all busy, or not started): the
		 * fill pins it itself rather than wait, as a slot with
		 * nothing pinned in it.
		 */
		s->state = IOPT_PIN_SLOT_READY;
		s->chunk = pool->next_chunk++;
		s->npinned = 0;
		s->taken = 0;
		*slot = s;
	} else {
		done = false;
	}
out:
	spin_unlock(&pool->lock);
	return done;
}

/**
 * iopt_pin_pool_take() - take pinned pages out of a pool
 * @pool: the pool
 * @index: the first page index; where the last take ended
 * @npages: how many pages are wanted
 * @out: receives the pages, which the caller then owns
 *
 * Waits, killable, for the workers to pin the chunk that @index is in,
 * unless none has started on it, which the caller then pins itself, as it
 * does whatever a worker left unpinned.
 *
 * Return: how many pages were taken (at least one, at most @npages), or
 * the errno that stopped the pool (EINTR on a fatal signal).
 */
long iopt_pin_pool_take(struct iopt_pin_pool *pool, unsigned long index,
			unsigned long npages, struct page **out)
{
	unsigned long chunk, n, len;
	struct iopt_pin_slot *slot;
	long rc;
	int err;

	lockdep_assert_held(&pool->pages->mutex);

	if (WARN_ON(index != pool->cursor ||
		    index - pool->start + npages > pool->npages))
		return -EINVAL;
	chunk = (index - pool->start) / pool->chunk_pages;
	if (wait_event_killable(pool->wait,
				iopt_pin_ready(pool, chunk, &slot, &err))) {
		spin_lock(&pool->lock);
		iopt_pin_pool_fail(pool, -EINTR);
		spin_unlock(&pool->lock);
		wake_up_all(&pool->wait);
		return -EINTR;
	}
	if (!slot)
		return err;

	/* A ready slot is the fill's until it is given back below. */
	len = iopt_pin_chunk_len(pool, chunk);
	if (slot->taken < slot->npinned) {
		n = min(npages, slot->npinned - slot->taken);
		memcpy(out, slot->pages + slot->taken, n * sizeof(*out));
		atomic_long_add(n, &iommufd_stats.worker_pinned_pages);
	} else {
		/* What the worker left, the caller pins as it always would */
		rc = iopt_pages_gup(pool->pages, index,
				    min(npages, len - slot->taken),
				    pool->gup_flags, out);
		if (rc <= 0)
			return rc ? rc : -EFAULT;
		n = rc;
	}
	slot->taken += n;
	pool->cursor += n;
	if (slot->taken == len) {
		spin_lock(&pool->lock);
		slot->state = IOPT_PIN_SLOT_FREE;
		spin_unlock(&pool->lock);
		wake_up_all(&pool->wait);
	}
	return n;
}

/**
 * iopt_pin_pool_stop() - stop a pool's workers and free it
 * @pool: the pool
 *
 * Waits for every worker to return, then unpins what was pinned but not
 * taken. After a fill that took every page there is nothing left.
 */
void iopt_pin_pool_stop(struct iopt_pin_pool *pool)
{
	struct iopt_pin_slot *slot;
	unsigned int i;

	lockdep_assert_held(&pool->pages->mutex);

	spin_lock(&pool->lock);
	WRITE_ONCE(pool->stop, true);
	spin_unlock(&pool->lock);
	wake_up_all(&pool->wait);
	for (i = 0; i != pool->nworkers; i++)
		flush_work(&pool->workers[i].work);

	for (i = 0; i != pool->nslots; i++) {
		slot = &pool->slots[i];
		if (slot->state == IOPT_PIN_SLOT_READY &&
		    slot->npinned > slot->taken)
			unpin_user_pages(slot->pages + slot->taken,
					 slot->npinned - slot->taken);
		kvfree(slot->pages);
	}
	mem_cgroup_put(pool->memcg);
	kfree(pool->workers);
	kfree(pool);
}
