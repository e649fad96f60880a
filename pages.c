// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page sets: the memory behind IOAS mappings.
 *
 * A page set (&struct iopt_pages) stands for a range of user memory of the
 * process that mapped it. It records which mm the pages come from, which
 * task and user the pins are charged to, and whether the memory may be
 * written. Areas reference page sets; COPY makes more areas on the same
 * set, so however many IOVAs map a page, the set is the one place where
 * that page is pinned and charged.
 *
 * Nothing is pinned while no domain or in-kernel access needs the pages:
 * a MAP into an IOAS with nothing attached only records the range.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hugetlb_inline.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "io_pagetable.h"
#include "iommufd_compat.h"
#include "iommufd_private.h"
#include "iommufd_trace.h"
#include "iova_span.h"
#include "selftest/iommufd_test.h"

/* The parts of a new page set that do not depend on where the memory is. */
static struct iopt_pages *iopt_alloc_pages_common(unsigned long start,
						  unsigned long length,
						  bool writable,
						  u8 account_mode)
{
	struct iopt_pages *pages;
	unsigned long last;

	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(start, length - 1, &last))
		return ERR_PTR(-EOVERFLOW);

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->domains_itree = RB_ROOT_CACHED;
	pages->access_itree = RB_ROOT_CACHED;
	xa_init_flags(&pages->pinned_pfns, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&pages->change_node);
	pages->start = ALIGN_DOWN(start, PAGE_SIZE);
	/* Counted by page number, so that no sum can wrap. */
	pages->npages = last / PAGE_SIZE - start / PAGE_SIZE + 1;
	pages->writable = writable;
	pages->account_mode = account_mode;

	/* The group leader outlives any thread that may have mapped this. */
	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_user = get_uid(current_user());
	return pages;
}

/**
 * iopt_alloc_pages() - describe user memory of the calling process
 * @uptr: first byte
 * @length: bytes
 * @writable: later pins may be for writing
 * @account_mode: &enum iopt_account_mode for the pins
 *
 * Return: the page set with one reference, ERR_PTR(-EINVAL) for an empty
 * or absurdly long range, ERR_PTR(-EOVERFLOW) if the range wraps, or
 * ERR_PTR(-ENOMEM).
 */
struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable, u8 account_mode)
{
	return iopt_alloc_pages_common((unsigned long)uptr, length, writable,
				       account_mode);
}

/*
 * The granule a file can be mapped at: its huge page size on hugetlbfs
 * (whose block size is the huge page size), else the base page size.
 */
static unsigned long iopt_file_map_align(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (inode->i_sb->s_magic == HUGETLBFS_MAGIC)
		return max_t(unsigned long, PAGE_SIZE, i_blocksize(inode));
	return PAGE_SIZE;
}

/* A regular file of shmem or hugetlbfs, the only files pages come from. */
static bool iopt_file_is_memfd(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISREG(inode->i_mode) &&
	       (inode->i_sb->s_magic == TMPFS_MAGIC ||
		inode->i_sb->s_magic == HUGETLBFS_MAGIC);
}

/**
 * iopt_alloc_file_pages() - describe a range of a memfd (shmem or hugetlbfs)
 * @file: the file; the page set takes its own reference
 * @start: byte offset of the first byte in the file
 * @length: bytes
 * @writable: later pins may be for writing
 * @account_mode: &enum iopt_account_mode for the pins
 *
 * The calling process becomes the owner that the pins are charged to, as
 * for user memory; unlike user memory, ownership can later move to another
 * process (IOMMU_IOAS_CHANGE_PROCESS), because the pages are named by the
 * file and not by an address in the owner's mm.
 *
 * As upstream, which filesystem the file is on and how long it is are not
 * checked here but when pages are first needed: a regular file that is
 * not on shmem or hugetlbfs fails every pin with EINVAL, a range past the
 * end of the file fails the pins of the missing pages with EFAULT. So a
 * mapping into an IOAS with nothing attached succeeds, and attaching a
 * domain (or a MAP while one is attached) fails. Only a file that is not a
 * regular file at all is refused here: the page set holds a reference on
 * its file, and one on a device, socket or anonymous-inode file could
 * keep anything alive, the very context that maps it included (mapping
 * its own /dev/iommu fd would make a cycle that nothing ever frees).
 *
 * A writable page set counts as a writable shared mapping of the file for
 * as long as it exists, so the file cannot be sealed against writes
 * (F_SEAL_WRITE) under a device that may write to it.
 *
 * Return: the page set with one reference, or ERR_PTR: EINVAL for an empty
 * range or a file that is not a regular file; EOVERFLOW if the range
 * wraps; EPERM for @writable on a file not open for writing or sealed
 * against writes; ENOMEM.
 */
struct iopt_pages *iopt_alloc_file_pages(struct file *file, unsigned long start,
					 unsigned long length, bool writable,
					 u8 account_mode)
{
	struct iopt_pages *pages;
	unsigned long last;

	if (!S_ISREG(file_inode(file)->i_mode))
		return ERR_PTR(-EINVAL);
	if (!length)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(start, length - 1, &last))
		return ERR_PTR(-EOVERFLOW);
	if (writable && !(file->f_mode & FMODE_WRITE))
		return ERR_PTR(-EPERM);

	pages = iopt_alloc_pages_common(start, length, writable, account_mode);
	if (IS_ERR(pages))
		return pages;
	if (writable && mapping_map_writable(file->f_mapping)) {
		iopt_put_pages(pages);
		return ERR_PTR(-EPERM);
	}
	pages->file = get_file(file);
	return pages;
}

static void iopt_pages_forget_leaks(struct iopt_pages *pages);

void iopt_release_pages(struct kref *kref)
{
	struct iopt_pages *pages = container_of(kref, struct iopt_pages, kref);

	iopt_pages_forget_leaks(pages);
	WARN_ON(pages->npinned);
	WARN_ON(!RB_EMPTY_ROOT(&pages->domains_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&pages->access_itree.rb_root));
	WARN_ON(!xa_empty(&pages->pinned_pfns));
	WARN_ON(!list_empty(&pages->change_node));
	xa_destroy(&pages->pinned_pfns);
	if (pages->file) {
		if (pages->writable)
			mapping_unmap_writable(pages->file->f_mapping);
		fput(pages->file);
	}
	if (pages->file_clone)
		fput(pages->file_clone);
	put_task_struct(pages->source_task);
	mmdrop(pages->source_mm);
	free_uid(pages->source_user);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}

/*
 * ----------------------------------------------------------------------
 * Pinning and filling IOMMU domains
 *
 * Where the PFNs of pinned pages live
 *
 * Keeping a PFN per pinned page would cost 8 bytes per 4 KiB of guest
 * memory for nothing: every attached IOMMU domain already records where
 * each IOVA goes. So a page set keeps no PFN array of its own. It knows
 * which of its pages are pinned from the areas in @domains_itree (each area
 * there is mapped, in full, in its @storage_domain), and it reads PFNs back
 * from a storage domain with iommu_iova_to_phys() when another domain, or
 * another area sharing the pages, needs them.
 *
 * A page is pinned exactly once: when the first area covering it is filled
 * into its first domain, or an in-kernel access first pins it, and only
 * for the pages neither an area in @domains_itree nor an access pin in
 * @access_itree covers yet ("holes"). It is unpinned when the last of
 * those users lets go. Pins and the memlock charge therefore follow the
 * union of what is in use, not how many domains, copies or accesses there
 * are.
 *
 * Access pins are the one case that keeps PFNs of its own: a driver may
 * hold pages after every domain is gone, so the PFN of every page an
 * access pin covers is kept in @pinned_pfns while it does. With no access
 * pins that store is empty.
 *
 * Runs: how maps and unmaps are cut
 *
 * Filling calls iommu_map() once per run: the longest stretch of the area
 * whose PFNs follow on from each other (or one page per call when large
 * IOPTEs are disabled). A fill works in steps of at most IOPT_FILL_STEP_MAX
 * pages, sized by the temporary-memory limit, but a run is carried from
 * one step into the next and is not cut there, so the IOMMU core sees all
 * of a physically contiguous range at once and can choose any page size
 * the domain offers, 1 GiB included.
 *
 * An IOMMU driver may refuse, or widen, an unmap that ends inside an
 * IOPTE, so every unmap must cover whole map calls. Unfilling therefore
 * reads the PFNs back from the domain and unmaps whole runs: as no run of
 * the fill can straddle the end of a longest stretch, each unmap is a
 * superset of the maps it undoes, whatever the temporary-memory limit was
 * when the pages went in. Unfilling a domain that the area stays in needs
 * no PFNs and unmaps the whole area at once.
 *
 * Reading every PFN back costs a call into the IOMMU driver per page,
 * which for huge pages is far more than unmapping and unpinning them.
 * So the fill into an area's first domain notes where the PFNs break
 * (&struct iopt_pfn_breaks: a short list of the breaks, or, if there are
 * too many, only the alignment they all share), and unfilling reads PFNs
 * only there: once per run of memory mapped in a few long runs, once per
 * huge page of memory in many huge pages. The note costs at most 4 bytes
 * per 64 pages, and goes when the area leaves its last domain.
 *
 * A fill charges all the pages it is going to pin at once, before it
 * starts, and an unfill unpins and uncharges a batch of runs at a time.
 *
 * A short unmap
 *
 * If an IOMMU driver unmaps less than asked, the pages it may still reach
 * are never unpinned: they are held like an access pin (iopt_pages_leak())
 * and leaked, pinned and charged, when the page set is released.
 *
 * Why tearing down never fails
 *
 * Unfilling needs a buffer of run descriptors (two pages). It is allocated
 * with __GFP_NOFAIL: destroying an IOAS or detaching a device has no way
 * to report failure, and leaving pages pinned would be worse.
 * ----------------------------------------------------------------------
 */

/*
 * ----------------------------------------------------------------------
 * Where the time goes (test builds)
 *
 * A test build counts the calls of each phase of filling and unfilling
 * and the time spent in them (&enum iommu_test_map_stat_id), for make bench
 * to compare with the floor (IOMMU_TEST_OP_MAP_FLOOR, which counts its
 * own iommu_map() calls here too). Reading the clock around every call
 * costs time itself, so nothing is counted until a test switches
 * counting on (IOMMU_TEST_OP_MAP_STATS). The counters are module wide
 * atomics. A production build compiles all of it away.
 * ----------------------------------------------------------------------
 */

struct iopt_stat {
	atomic64_t calls;
	atomic64_t ns;
};

static struct iopt_stat iopt_stats[MOCK_STAT_NR];
static bool iopt_stats_on;

/* The start of a counted phase, or 0 when nothing is counted. */
static u64 iopt_stat_begin(void)
{
	if (!IS_ENABLED(CONFIG_IOMMUFD_TEST) || !READ_ONCE(iopt_stats_on))
		return 0;
	return ktime_get_ns();
}

/* Count @calls of phase @stat, begun at @begin (from iopt_stat_begin()). */
static void iopt_stat_end(unsigned int stat, u64 begin, unsigned long calls)
{
	if (!IS_ENABLED(CONFIG_IOMMUFD_TEST) || !begin)
		return;
	atomic64_add(calls, &iopt_stats[stat].calls);
	atomic64_add(ktime_get_ns() - begin, &iopt_stats[stat].ns);
}

/**
 * iommufd_test_stat_begin() - start timing a phase, for the floor
 *
 * Return: the value to pass to iommufd_test_stat_end(); 0 if counting is
 * off.
 */
u64 iommufd_test_stat_begin(void)
{
	return iopt_stat_begin();
}

/**
 * iommufd_test_stat_end() - count a phase, for the floor
 * @stat: &enum iommu_test_map_stat_id
 * @begin: from iommufd_test_stat_begin()
 * @calls: how many calls the phase made
 */
void iommufd_test_stat_end(unsigned int stat, u64 begin, unsigned long calls)
{
	if (stat < MOCK_STAT_NR)
		iopt_stat_end(stat, begin, calls);
}

/**
 * iommufd_test_map_stats_read() - read the counters
 * @out: receives all MOCK_STAT_NR counters
 */
void iommufd_test_map_stats_read(struct iommu_test_map_stat *out)
{
	unsigned int i;

	for (i = 0; i != MOCK_STAT_NR; i++) {
		out[i].calls = atomic64_read(&iopt_stats[i].calls);
		out[i].ns = atomic64_read(&iopt_stats[i].ns);
	}
}

/**
 * iommufd_test_map_stats_consume() - reset what was read, switch counting
 * @read: what iommufd_test_map_stats_read() gave; what was counted since
 *	stays
 * @on: count from now on (else stop counting)
 * @change: apply @on (else leave counting as it is)
 */
void iommufd_test_map_stats_consume(const struct iommu_test_map_stat *read,
				    bool on, bool change)
{
	unsigned int i;

	for (i = 0; i != MOCK_STAT_NR; i++) {
		atomic64_sub(read[i].calls, &iopt_stats[i].calls);
		atomic64_sub(read[i].ns, &iopt_stats[i].ns);
	}
	if (change)
		WRITE_ONCE(iopt_stats_on, on);
}

/* The most pages one fill step handles, whatever the memory limit. */
#define IOPT_FILL_STEP_MAX 512UL

/* The temporary memory, in bytes, one fill step may use. */
static unsigned long iommufd_temp_mem_limit = 65536;

unsigned long iopt_temp_mem_limit(void)
{
	return READ_ONCE(iommufd_temp_mem_limit);
}

/**
 * struct iopt_pfn_run - pages of an area with consecutive PFNs
 * @index: page set index of the first page
 * @pfn: its PFN
 * @npages: how many pages; 0 for none yet
 *
 * Owned by one fill or unfill, on its stack or in its buffer.
 */
struct iopt_pfn_run {
	unsigned long index;
	unsigned long pfn;
	unsigned long npages;
};

/*
 * What unfilling remembers of a run: it reads runs back in order, so the
 * first index of each follows from the one before. Two pages of them give
 * as many runs per unmap as a fill step has pages, so even memory with no
 * two pages contiguous is unmapped IOPT_FILL_STEP_MAX pages per call.
 */
struct iopt_unfill_run {
	unsigned long pfn;
	unsigned long npages;
};

#define IOPT_UNFILL_RUNS_SIZE (2 * PAGE_SIZE)
#define IOPT_UNFILL_RUNS \
	(IOPT_UNFILL_RUNS_SIZE / sizeof(struct iopt_unfill_run))
/*
 * Runs kept on the stack: an unfill of at most this many pages has at most
 * this many runs, so it needs no allocation and works in one batch, as it
 * would with the allocated buffer.
 */
#define IOPT_UNFILL_RUNS_STACK 8

/* Does page @index, at @pfn, continue @run? */
static bool iopt_pfn_run_continues(const struct iopt_pfn_run *run,
				   unsigned long index, unsigned long pfn)
{
	return run->npages && index - run->index == run->npages &&
	       pfn - run->pfn == run->npages;
}

/* How many of @pfns[0 .. n - 1], from the first, are consecutive PFNs. */
static unsigned long iopt_pfn_run(const unsigned long *pfns, unsigned long n)
{
	unsigned long run;

	for (run = 1; run < n; run++)
		if (pfns[run] != pfns[0] + run)
			break;
	return run;
}

/*
 * The area's IOVA range for pages [index, last] of its page set, which lie
 * within the area's. The first and last pages may be cut by the area's
 * ends. Computed as offsets from the area's ends so that nothing can wrap,
 * whatever the area's place in the IOVA space: the IOVA page offset of an
 * area need not be its memory's (2 KiB IOMMU pages, or no domain at all),
 * so the page around the first or the last IOVA may reach below 0 or past
 * ULONG_MAX.
 */
static void iopt_area_index_range(struct iopt_area *area, unsigned long index,
				  unsigned long last, unsigned long *iova,
				  unsigned long *iova_last)
{
	unsigned long first = area->pages_node.start;

	*iova = iopt_area_iova(area);
	if (index != first)
		*iova += (index - first) * PAGE_SIZE - area->page_offset;
	*iova_last = iopt_area_last_iova(area);
	if (last != area->pages_node.last)
		*iova_last = iopt_area_iova(area) +
			     ((last - first + 1) * PAGE_SIZE -
			      area->page_offset - 1);
}

/* Byte offset within page @index of its first IOVA in @area. */
static unsigned long iopt_area_index_offset(struct iopt_area *area,
					    unsigned long index)
{
	return index == area->pages_node.start ? area->page_offset : 0;
}

/* The page set index of the page that @iova of @area is in. */
static unsigned long iopt_area_iova_to_index(struct iopt_area *area,
					     unsigned long iova)
{
	return area->pages_node.start +
	       (iova - iopt_area_iova(area) + area->page_offset) / PAGE_SIZE;
}

/* Where page @index of @area's page set is, read from @domain. */
static unsigned long iopt_area_read_pfn(struct iopt_area *area,
					struct iommu_domain *domain,
					unsigned long index)
{
	unsigned long iova, iova_last;

	iopt_area_index_range(area, index, index, &iova, &iova_last);
	return PHYS_PFN(iommu_iova_to_phys(domain, iova));
}

/* Add @npages to @user's locked_vm unless that passes @task's limit. */
static int iopt_charge_user(struct user_struct *user, struct task_struct *task,
			    unsigned long npages)
{
	unsigned long limit, cur, new;

	limit = task_rlimit(task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (check_add_overflow(cur, npages, &new) || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, (long *)&cur,
					  new));
	return 0;
}

/*
 * Charge @npages to the owner before pinning them: to the user's or the
 * process's locked_vm, checked against RLIMIT_MEMLOCK, and in every mode
 * to the process's pinned_vm (VmPin in /proc/<pid>/status).
 */
static int iopt_pages_charge(struct iopt_pages *pages, unsigned long npages)
{
	struct mm_struct *mm = pages->source_mm;
	u64 stat = iopt_stat_begin();
	int rc = 0;

	if (iommufd_should_fail())
		return -ENOMEM;

	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		break;
	case IOPT_PAGES_ACCOUNT_USER:
		rc = iopt_charge_user(pages->source_user,
				      pages->source_task, npages);
		if (!rc)
			atomic_long_add(npages,
					&iommufd_stats.charged_user_pages);
		break;
	case IOPT_PAGES_ACCOUNT_MM:
	case IOPT_PAGES_ACCOUNT_MM_NOLIMIT:
		mmap_write_lock(mm);
		rc = __account_locked_vm(mm, npages, true, pages->source_task,
					 pages->account_mode ==
						IOPT_PAGES_ACCOUNT_MM_NOLIMIT);
		mmap_write_unlock(mm);
		if (!rc)
			atomic_long_add(npages,
					&iommufd_stats.charged_mm_pages);
		break;
	}
	if (rc)
		return rc;
	atomic64_add(npages, &mm->pinned_vm);
	iopt_stat_end(MOCK_STAT_CHARGE, stat, 1);
	return 0;
}

static void iopt_pages_uncharge(struct iopt_pages *pages, unsigned long npages)
{
	struct mm_struct *mm = pages->source_mm;
	u64 stat = iopt_stat_begin();

	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		break;
	case IOPT_PAGES_ACCOUNT_USER:
		atomic_long_sub(npages, &pages->source_user->locked_vm);
		atomic_long_sub(npages, &iommufd_stats.charged_user_pages);
		break;
	case IOPT_PAGES_ACCOUNT_MM:
	case IOPT_PAGES_ACCOUNT_MM_NOLIMIT:
		mmap_write_lock(mm);
		__account_locked_vm(mm, npages, false, pages->source_task,
				    false);
		mmap_write_unlock(mm);
		atomic_long_sub(npages, &iommufd_stats.charged_mm_pages);
		break;
	}
	atomic64_sub(npages, &mm->pinned_vm);
	iopt_stat_end(MOCK_STAT_CHARGE, stat, 1);
}

/*
 * ----------------------------------------------------------------------
 * Moving page sets to another process (IOMMU_IOAS_CHANGE_PROCESS)
 *
 * The caller excludes everything that pins, unpins or builds areas in the
 * context (see iommufd_ioas_change_process()), so each set's @npinned is
 * stable throughout. The move is two-phase so that it is all or nothing:
 * first everything is charged to the new owner at once, which is the only
 * step that can fail; then each set is uncharged from its old owner and
 * pointed at the new one, which cannot fail. Pins are never touched.
 *
 * Only what really changes hands is moved: locked_vm of a set charged per
 * user stays put if the user is the same, and pinned_vm and per-process
 * locked_vm stay put if the mm is the same. Moving to the current owner is
 * thus a no-op that cannot fail.
 * ----------------------------------------------------------------------
 */

/* Add what moving @pages to the calling process must charge it to @chg. */
void iopt_pages_owner_change_count(struct iopt_pages *pages,
				   struct iopt_owner_change *chg)
{
	mutex_lock(&pages->mutex);
	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		break;
	case IOPT_PAGES_ACCOUNT_USER:
		if (pages->source_user != current_user())
			chg->user_pages += pages->npinned;
		break;
	case IOPT_PAGES_ACCOUNT_MM:
	case IOPT_PAGES_ACCOUNT_MM_NOLIMIT:
		if (pages->source_mm != current->mm)
			chg->mm_pages += pages->npinned;
		break;
	}
	mutex_unlock(&pages->mutex);
}

/**
 * iopt_owner_change_charge() - charge the calling process for a move
 * @chg: the totals of iopt_pages_owner_change_count()
 *
 * Checked against the caller's RLIMIT_MEMLOCK, unless it has CAP_IPC_LOCK.
 *
 * Return: 0, or -ENOMEM with nothing charged.
 */
int iopt_owner_change_charge(struct iopt_owner_change *chg)
{
	bool unlimited = capable(CAP_IPC_LOCK);
	struct mm_struct *mm = current->mm;
	int rc;

	if ((chg->user_pages || chg->mm_pages) && iommufd_should_fail())
		return -ENOMEM;

	if (chg->user_pages) {
		if (unlimited)
			atomic_long_add(chg->user_pages,
					&current_user()->locked_vm);
		else if (iopt_charge_user(current_user(), current,
					  chg->user_pages))
			return -ENOMEM;
	}
	if (chg->mm_pages) {
		mmap_write_lock(mm);
		rc = __account_locked_vm(mm, chg->mm_pages, true, current,
					 unlimited);
		mmap_write_unlock(mm);
		if (rc) {
			atomic_long_sub(chg->user_pages,
					&current_user()->locked_vm);
			return rc;
		}
	}
	return 0;
}

/**
 * iopt_pages_owner_change_commit() - move a page set to the calling process
 * @pages: the set, already counted in a charged &struct iopt_owner_change
 * @mm_mode: %IOPT_PAGES_ACCOUNT_MM or %IOPT_PAGES_ACCOUNT_MM_NOLIMIT for
 *	what the new owner's pins of a set charged to locked_vm are, or
 *	%IOPT_PAGES_ACCOUNT_NONE to leave the set's mode as it is
 *
 * Uncharges the old owner, moves pinned_vm, and makes the calling process
 * (its group leader, mm and user) the owner. Cannot fail.
 */
void iopt_pages_owner_change_commit(struct iopt_pages *pages, u8 mm_mode)
{
	struct task_struct *old_task = pages->source_task;
	struct user_struct *old_user = pages->source_user;
	struct mm_struct *old_mm = pages->source_mm;
	unsigned long n;

	mutex_lock(&pages->mutex);
	n = pages->npinned;
	if (pages->account_mode == IOPT_PAGES_ACCOUNT_USER &&
	    old_user != current_user())
		atomic_long_sub(n, &old_user->locked_vm);
	if (old_mm != current->mm) {
		if (pages->account_mode == IOPT_PAGES_ACCOUNT_MM ||
		    pages->account_mode == IOPT_PAGES_ACCOUNT_MM_NOLIMIT) {
			mmap_write_lock(old_mm);
			__account_locked_vm(old_mm, n, false, old_task, false);
			mmap_write_unlock(old_mm);
		}
		atomic64_sub(n, &old_mm->pinned_vm);
		atomic64_add(n, &current->mm->pinned_vm);
	}

	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_user = get_uid(current_user());
	if (mm_mode != IOPT_PAGES_ACCOUNT_NONE &&
	    (pages->account_mode == IOPT_PAGES_ACCOUNT_MM ||
	     pages->account_mode == IOPT_PAGES_ACCOUNT_MM_NOLIMIT))
		pages->account_mode = mm_mode;
	mutex_unlock(&pages->mutex);

	put_task_struct(old_task);
	mmdrop(old_mm);
	free_uid(old_user);
}

/*
 * ----------------------------------------------------------------------
 * Pages of a memfd
 *
 * Long-term pins
 *
 * Upstream pins file pages with memfd_pin_folios() (6.11); 6.1 has no way
 * for a module to take FOLL_PIN references on page-cache pages without a
 * mapping. So a fill step maps its range of the file, shared, into the
 * calling process for a moment, pins through that mapping with
 * pin_user_pages(FOLL_LONGTERM), and unmaps it again. The pins are then
 * ordinary long-term pins: GUP faults in holes and moves pages out of
 * movable zones as long-term pins need.
 *
 * Only the caller's own address space is used. A kthread, or any task
 * without an mm of its own, cannot pin a page no one has pinned yet: that
 * fails with EFAULT. Pages a domain or an access already holds are found
 * without pinning and work from any context.
 *
 * What is mapped is not the user's file but a clone of it, opened once per
 * page set (@file_clone) and never handed out, so that every VMA whose
 * vm_file is the clone is one this code made, wherever another thread may
 * have moved or split it. After pinning, all of them are unmapped; one that
 * cannot be (vm_munmap() failing IOPT_FILE_UNMAP_TRIES times) is reported
 * and stays in the process, which then keeps a mapping of the file until
 * it unmaps it or exits; the pins are not affected.
 *
 * What cannot be closed from a module on 6.1 (do_munmap() is not
 * exported): the VMAs are looked up under the mmap lock, and vm_munmap()
 * takes it again. If, in between, another thread of the same process
 * unmaps one of those ranges, which it did not map itself, and maps
 * something new there, vm_munmap() removes the new mapping.
 *
 * CPU access
 *
 * A copy to or from a page no one has pinned takes a plain reference on it
 * from the page cache: shmem_read_mapping_page_gfp() for shmem (which
 * allocates a hole, as a fault would), a page cache lookup for hugetlbfs
 * (whose page cache is indexed in huge pages on 6.1). That needs no
 * mapping and works from a kthread. Only a hugetlbfs hole goes through a
 * mapping as above (not long-term), so it fails with EFAULT for a caller
 * without an mm of its own.
 * ----------------------------------------------------------------------
 */

/* How often unmapping the pinning window is tried before giving up. */
#define IOPT_FILE_UNMAP_TRIES 3

/*
 * The page set's private clone of its file, opened on first use. It is
 * open for reading whatever the user's file is (as upstream pins file
 * pages without looking at how the file is open), and for writing when
 * the page set is writable, which needed the user's file open for writing.
 */
static struct file *iopt_pages_file_clone(struct iopt_pages *pages)
{
	struct file *clone;

	lockdep_assert_held(&pages->mutex);

	if (pages->file_clone)
		return pages->file_clone;
	clone = dentry_open(&pages->file->f_path,
			    (pages->writable ? O_RDWR : O_RDONLY) | O_LARGEFILE,
			    pages->file->f_cred);
	if (!IS_ERR(clone))
		pages->file_clone = clone;
	return clone;
}

/*
 * Unmap every VMA of @mm (the caller's) that maps @clone, in rounds: each
 * round collects up to a few ranges under the mmap lock and unmaps them.
 */
static void iopt_file_unmap_clone(struct mm_struct *mm, struct file *clone)
{
	struct {
		unsigned long start;
		unsigned long end;
	} found[4];
	struct vm_area_struct *vma;
	unsigned int tries = 0, n, i;

	for (;;) {
		VMA_ITERATOR(vmi, mm, 0);

		n = 0;
		mmap_read_lock(mm);
		for_each_vma(vmi, vma) {
			if (vma->vm_file != clone)
				continue;
			found[n].start = vma->vm_start;
			found[n].end = vma->vm_end;
			if (++n == ARRAY_SIZE(found))
				break;
		}
		mmap_read_unlock(mm);
		if (!n)
			return;
		if (tries++ == IOPT_FILE_UNMAP_TRIES)
			break;
		for (i = 0; i != n; i++)
			vm_munmap(found[i].start, found[i].end - found[i].start);
		cond_resched();
	}
	pr_warn_ratelimited("iommufd: process %d keeps a mapping of a memfd at %#lx that pinning made and could not unmap\n",
			    task_tgid_nr(current), found[0].start);
}

/*
 * Pin pages of the page set's file through a short-lived mapping in the
 * caller's mm (see "Pages of a memfd"); may pin fewer pages than asked.
 */
static long iopt_pages_gup_file(struct iopt_pages *pages, unsigned long index,
				unsigned long npages, unsigned int gup_flags,
				struct page **page_buf)
{
	unsigned long map_align, off, map_off, len, addr;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *clone;
	long rc;

	lockdep_assert_held(&pages->mutex);

	/* Checked before opening anything: no clone of a device file. */
	if (!iopt_file_is_memfd(pages->file))
		return -EINVAL;
	if (!mm || (current->flags & PF_KTHREAD))
		return -EFAULT;
	off = pages->start + index * PAGE_SIZE;
	/* Past the end of the file there is nothing to pin. */
	if (off >= i_size_read(file_inode(pages->file)))
		return -EFAULT;
	clone = iopt_pages_file_clone(pages);
	if (IS_ERR(clone))
		return PTR_ERR(clone);

	npages = min_t(unsigned long, npages, IOPT_FILL_STEP_MAX);
	map_align = iopt_file_map_align(pages->file);
	map_off = ALIGN_DOWN(off, map_align);
	len = ALIGN(off + npages * PAGE_SIZE, map_align) - map_off;

	addr = vm_mmap(clone, 0, len,
		       PROT_READ | (pages->writable ? PROT_WRITE : 0),
		       MAP_SHARED, map_off);
	if (IS_ERR_VALUE(addr))
		return (long)addr;

	/*
	 * Another thread may have moved or replaced the mapping already: pin
	 * only through a shared mapping of the clone, of the right part of
	 * the file (VM_MAYSHARE: a read-only open clears VM_SHARED).
	 */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file == clone && (vma->vm_flags & VM_MAYSHARE) &&
	    vma->vm_end - addr >= len &&
	    vma->vm_pgoff + PHYS_PFN(addr - vma->vm_start) == PHYS_PFN(map_off))
		rc = pin_user_pages(addr + (off - map_off), npages, gup_flags,
				    page_buf, NULL);
	else
		rc = -EFAULT;
	mmap_read_unlock(mm);

	iopt_file_unmap_clone(mm, clone);
	return rc;
}

/*
 * Extra GUP flags a read-only long-term pin in @vma needs, or 0.
 *
 * In a private (COW) mapping the process sees pages it does not own until
 * it writes them: page-cache pages of a file, or the shared zero page where
 * anonymous memory was never touched. The write then gives the process a
 * copy of its own. 6.1's GUP breaks COW before a read-only long-term pin
 * only for anonymous pages, so a device would keep reading the old page
 * while the process works on its copy. Pinning as for a write breaks COW
 * first, so that the pinned page is the one the process keeps: FOLL_WRITE
 * where the process may write, and FOLL_FORCE too where it may only after
 * an mprotect() (VM_MAYWRITE without VM_WRITE; the copy is mapped read-only
 * then). 6.1 refuses FOLL_FORCE writes to hugetlb mappings, so a private
 * hugetlb mapping that is not writable keeps the plain read-only pin.
 *
 * A mapping the process can neither read nor write (PROT_NONE) gets no
 * extra flags: FOLL_FORCE would let GUP pin it (as it lets a debugger
 * write there), where the pin must fail with EFAULT, as upstream's does.
 */
static unsigned int iopt_vma_unshare_flags(struct vm_area_struct *vma)
{
	if (!is_cow_mapping(vma->vm_flags) ||
	    !(vma->vm_flags & (VM_READ | VM_WRITE)))
		return 0;
	if (vma->vm_flags & VM_WRITE)
		return FOLL_WRITE;
	if (is_vm_hugetlb_page(vma))
		return 0;
	return FOLL_WRITE | FOLL_FORCE;
}

/*
 * The first pages of [uptr, +npages) that one GUP call pins with the same
 * @extra flags (see iopt_vma_unshare_flags()): those of the VMA at @uptr
 * if it needs extra flags, else those of the VMAs from @uptr on that need
 * none, up to the first hole or VMA that does. A hole at @uptr is left to
 * GUP to report.
 */
static unsigned long iopt_gup_span(struct mm_struct *mm, unsigned long uptr,
				   unsigned long npages, unsigned int *extra)
{
	unsigned long addr, done;
	struct vm_area_struct *vma;

	/* mmap_assert_locked() needs dump_mm(), which 6.1 does not export */
	lockdep_assert_held(&mm->mmap_lock);

	*extra = 0;
	vma = vma_lookup(mm, uptr);
	if (!vma)
		return npages;
	*extra = iopt_vma_unshare_flags(vma);
	if (*extra)
		return min(npages, (vma->vm_end - uptr) / PAGE_SIZE);

	for (;;) {
		addr = vma->vm_end;
		done = (addr - uptr) / PAGE_SIZE;
		if (done >= npages)
			return npages;
		vma = vma_lookup(mm, addr);
		if (!vma || iopt_vma_unshare_flags(vma))
			return done;
	}
}

/*
 * A read-only long-term pin of user memory, in at most one span of
 * iopt_gup_span(); may pin fewer pages.
 */
static long iopt_pages_gup_ro_longterm(struct mm_struct *mm,
				       unsigned long uptr, unsigned long npages,
				       unsigned int gup_flags,
				       struct page **page_buf)
{
	unsigned int extra;
	long rc;

	if (current->mm != mm && !mmget_not_zero(mm))
		return -EFAULT;
	mmap_read_lock(mm);
	npages = iopt_gup_span(mm, uptr, npages, &extra);
	if (current->mm != mm) {
		rc = pin_user_pages_remote(mm, uptr, npages, gup_flags | extra,
					   page_buf, NULL, NULL);
		mmap_read_unlock(mm);
		mmput(mm);
		return rc;
	}
	if (extra) {
		rc = pin_user_pages(uptr, npages, gup_flags | extra, page_buf,
				    NULL);
		mmap_read_unlock(mm);
		return rc;
	}
	mmap_read_unlock(mm);
	/*
	 * Nothing to unshare: the fast path, as for any other pin. Should the
	 * process replace the mapping meanwhile, the pages pinned are no
	 * more out of step with it than after a replacement done just after
	 * pinning.
	 */
	return pin_user_pages_fast(uptr, min_t(unsigned long, npages, INT_MAX),
				   gup_flags, page_buf);
}

/*
 * One GUP call for pages from @index on; may pin fewer pages. A fill with
 * a pin pool calls it for what the workers left (pin_workers.c).
 */
long iopt_pages_gup(struct iopt_pages *pages, unsigned long index,
		    unsigned long npages, unsigned int gup_flags,
		    struct page **page_buf)
{
	struct mm_struct *mm = pages->source_mm;
	unsigned long uptr = pages->start + index * PAGE_SIZE;
	long rc;

	lockdep_assert_held(&pages->mutex);

	if (pages->file)
		return iopt_pages_gup_file(pages, index, npages, gup_flags,
					   page_buf);

	/* Only a read-only long-term pin may have to break COW first. */
	if ((gup_flags & (FOLL_LONGTERM | FOLL_WRITE)) == FOLL_LONGTERM)
		return iopt_pages_gup_ro_longterm(mm, uptr, npages, gup_flags,
						  page_buf);

	if (current->mm == mm)
		return pin_user_pages_fast(uptr, min_t(unsigned long, npages,
						       INT_MAX),
					   gup_flags, page_buf);

	/* Another process's memory, e.g. after the owner handed the fd on. */
	if (!mmget_not_zero(mm))
		return -EFAULT;
	mmap_read_lock(mm);
	rc = pin_user_pages_remote(mm, uptr, npages, gup_flags, page_buf, NULL,
				   NULL);
	mmap_read_unlock(mm);
	mmput(mm);
	return rc;
}

/*
 * Take page @index of a file page set for a CPU copy: from the page cache
 * with a plain reference (*@pinned false), or, for a hugetlbfs hole,
 * pinned through a mapping (*@pinned true). See "Pages of a memfd".
 */
static int iopt_pages_get_file_page(struct iopt_pages *pages,
				    unsigned long index, bool write,
				    struct page **page, bool *pinned)
{
	struct address_space *mapping = pages->file->f_mapping;
	unsigned long off = pages->start + index * PAGE_SIZE;
	unsigned long map_align;
	struct folio *folio;
	struct page *p;
	long rc;

	lockdep_assert_held(&pages->mutex);

	if (!iopt_file_is_memfd(pages->file))
		return -EINVAL;
	*pinned = false;
	if (file_inode(pages->file)->i_sb->s_magic == TMPFS_MAGIC) {
		p = shmem_read_mapping_page_gfp(mapping, off >> PAGE_SHIFT,
						mapping_gfp_mask(mapping));
		/* Past the end of the file is EINVAL there. */
		if (IS_ERR(p))
			return PTR_ERR(p) == -ENOMEM ? -ENOMEM : -EFAULT;
		*page = p;
		return 0;
	}

	map_align = iopt_file_map_align(pages->file);
	folio = filemap_get_folio(mapping, off / map_align);
	if (folio && folio_test_uptodate(folio)) {
		*page = folio_page(folio, (off % map_align) / PAGE_SIZE);
		return 0;
	}
	if (folio)
		folio_put(folio);
	rc = iopt_pages_gup_file(pages, index, 1, write ? FOLL_WRITE : 0, page);
	if (rc == 1) {
		*pinned = true;
		return 0;
	}
	return rc < 0 ? rc : -EFAULT;
}

/*
 * Take page @index briefly, for a CPU access: not long-term and not
 * charged. *@pinned says how: a FOLL_PIN pin, or a plain reference;
 * iopt_pages_put_one() lets go accordingly. Holding @pages->mutex keeps
 * its owner stable (see &struct iopt_pages).
 */
static int iopt_pages_get_one(struct iopt_pages *pages, unsigned long index,
			      bool write, struct page **page, bool *pinned)
{
	long rc;

	lockdep_assert_held(&pages->mutex);

	if (pages->file)
		return iopt_pages_get_file_page(pages, index, write, page,
						pinned);
	*pinned = true;
	rc = iopt_pages_gup(pages, index, 1, write ? FOLL_WRITE : 0, page);
	if (rc == 1)
		return 0;
	return rc < 0 ? rc : -EFAULT;
}

/* Forget @npfns pins of this page set that were just dropped. */
static void iopt_pages_unpinned(struct iopt_pages *pages, unsigned long npfns)
{
	lockdep_assert_held(&pages->mutex);

	if (WARN_ON(pages->npinned < npfns))
		pages->npinned = npfns;
	pages->npinned -= npfns;
	atomic_long_sub(npfns, &iommufd_stats.pinned_pages);
	iopt_pages_uncharge(pages, npfns);
	trace_iommufd_pages_unpin(pages, npfns, pages->npinned);
}

/* Undo iopt_pages_get_one(); @dirty if the CPU wrote to the page. */
static void iopt_pages_put_one(struct page *page, bool pinned, bool dirty)
{
	if (pinned) {
		unpin_user_pages_dirty_lock(&page, 1, dirty);
		return;
	}
	if (dirty)
		set_page_dirty_lock(page);
	put_page(page);
}

/* Unpin PFNs pinned by this page set, in runs, and uncharge them. */
static void iopt_pages_unpin_pfns(struct iopt_pages *pages,
				  const unsigned long *pfns, unsigned long npfns)
{
	unsigned long i = 0, run, calls = 0;
	u64 stat = iopt_stat_begin();

	lockdep_assert_held(&pages->mutex);

	while (i != npfns) {
		run = iopt_pfn_run(pfns + i, npfns - i);
		/* A device may have written through a writable pin. */
		unpin_user_page_range_dirty_lock(pfn_to_page(pfns[i]), run,
						 pages->writable);
		i += run;
		calls++;
	}
	iopt_stat_end(MOCK_STAT_UNPIN, stat, calls);
	iopt_pages_unpinned(pages, npfns);
}

/* Unpin @npfns consecutive PFNs from @pfn, as iopt_pages_unpin_pfns(). */
static void iopt_pages_unpin_range(struct iopt_pages *pages, unsigned long pfn,
				   unsigned long npfns)
{
	u64 stat = iopt_stat_begin();

	lockdep_assert_held(&pages->mutex);

	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npfns,
					 pages->writable);
	iopt_stat_end(MOCK_STAT_UNPIN, stat, 1);
	iopt_pages_unpinned(pages, npfns);
}

/*
 * Store the PFNs of @pages[0 .. n - 1] into @pfns for as long as they
 * follow on from @pfn, the first one's, and return how many did. Where
 * the memory map is linear, consecutive PFNs are consecutive struct
 * pages, so one comparison of pointers does per page; this is the one
 * loop over every page a fill of huge pages has.
 */
static unsigned long iopt_pages_consec(struct page *const *pages,
				       unsigned long n, unsigned long pfn,
				       unsigned long *pfns)
{
	struct page *first = pages[0];
	unsigned long i;

	if (IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) || IS_ENABLED(CONFIG_FLATMEM)) {
		for (i = 0; i != n && pages[i] == first + i; i++)
			pfns[i] = pfn + i;
		return i;
	}
	for (i = 0; i != n && page_to_pfn(pages[i]) == pfn + i; i++)
		pfns[i] = pfn + i;
	return i;
}

/* How the pages of @pages are pinned. */
static unsigned int iopt_pages_gup_flags(struct iopt_pages *pages)
{
	return FOLL_LONGTERM | (pages->writable ? FOLL_WRITE : 0);
}

/*
 * Pin pages [index, index + npages) into @pfns; all or nothing. The pins
 * are charged here, or, with @precharged, taken out of what the caller
 * charged beforehand (and given back there if pinning fails). *@consec
 * receives how many of the PFNs, from the first, follow on from each
 * other, which costs nothing extra while the PFNs are gathered. With
 * @pool the pages come from its workers instead of GUP here.
 */
static int iopt_pages_pin(struct iopt_pages *pages, unsigned long index,
			  unsigned long npages, unsigned long *pfns,
			  struct page **page_buf, unsigned long *precharged,
			  unsigned long *consec, struct iopt_pin_pool *pool)
{
	unsigned int gup_flags = iopt_pages_gup_flags(pages);
	unsigned long done = 0, i, pfn;
	u64 stat;
	long rc;

	lockdep_assert_held(&pages->mutex);

	*consec = 0;
	if (precharged && !WARN_ON(*precharged < npages)) {
		*precharged -= npages;
	} else {
		precharged = NULL;
		rc = iopt_pages_charge(pages, npages);
		if (rc)
			return rc;
	}

	while (done != npages) {
		stat = iopt_stat_begin();
		if (iommufd_should_fail())
			rc = -EFAULT;
		else if (pool)
			rc = iopt_pin_pool_take(pool, index + done,
						npages - done, page_buf);
		else
			rc = iopt_pages_gup(pages, index + done, npages - done,
					    gup_flags, page_buf);
		iopt_stat_end(MOCK_STAT_PIN, stat, 1);
		if (rc <= 0) {
			rc = rc ? rc : -EFAULT;
			goto err_unpin;
		}
		i = 0;
		pfn = page_to_pfn(page_buf[0]);
		if (*consec == done && (!done || pfn == pfns[0] + done)) {
			i = iopt_pages_consec(page_buf, rc, pfn, pfns + done);
			*consec = done + i;
		}
		for (; i != rc; i++)
			pfns[done + i] = page_to_pfn(page_buf[i]);
		done += rc;
	}
	pages->npinned += npages;
	if (WARN_ON(pages->npinned > pages->npages)) {
		rc = -EOVERFLOW;
		pages->npinned -= npages;
		goto err_unpin;
	}
	atomic_long_add(npages, &iommufd_stats.pinned_pages);
	trace_iommufd_pages_pin(pages, index, npages, pages->npinned);
	return 0;

err_unpin:
	for (i = 0; i != done; i++)
		unpin_user_page(pfn_to_page(pfns[i]));
	if (precharged)
		*precharged += npages;
	else
		iopt_pages_uncharge(pages, npages);
	return rc;
}

/* How many pages of [start, last] neither a domain nor an access holds. */
static unsigned long iopt_pages_count_holes(struct iopt_pages *pages,
					    unsigned long start,
					    unsigned long last)
{
	struct rb_root_cached *const trees[] = { &pages->domains_itree,
						 &pages->access_itree };
	struct iova_span_iter span;
	unsigned long n = 0;

	lockdep_assert_held(&pages->mutex);

	for_each_iova_span(&span, trees, ARRAY_SIZE(trees), start, last)
		if (span.is_hole)
			n += span.last - span.start + 1;
	return n;
}

/**
 * struct iopt_pages_access - a range of a page set that accesses pinned
 * @node: page index range, in &iopt_pages.access_itree
 * @users: how many pins of exactly this range exist
 * @leaked: not an access's pin but pages a domain may still reach after
 *	an unmap that stopped short (see iopt_pages_leak()); never removed
 *	before the page set is released, and never found by an access
 */
struct iopt_pages_access {
	struct interval_tree_node node;
	unsigned int users;
	bool leaked;
};

/*
 * Pages [start, last], pinned and with their PFNs in @pfns (or, if @pfns
 * is NULL, at consecutive PFNs from @pfn), may still be reachable through
 * a domain whose unmap stopped short: keep them pinned
 * and charged for as long as the page set lives, and then leak them, as
 * nothing tells when the IOMMU driver lets go. They are held like an
 * access pin, which keeps their PFNs known and stops every other path
 * from unpinning them, and counted in @npinned until the release.
 */
static void iopt_pages_leak(struct iopt_pages *pages, unsigned long start,
			    unsigned long last, const unsigned long *pfns,
			    unsigned long pfn)
{
	struct iopt_pages_access *leak;
	unsigned long i;

	lockdep_assert_held(&pages->mutex);

	/* Teardown cannot fail: see "Why tearing down never fails". */
	leak = kzalloc(sizeof(*leak), GFP_KERNEL | __GFP_NOFAIL);
	for (i = start; i <= last; i++) {
		if (xa_load(&pages->pinned_pfns, i))
			continue;
		xa_store(&pages->pinned_pfns, i,
			 xa_mk_value(pfns ? pfns[i - start] : pfn + (i - start)),
			 GFP_KERNEL | __GFP_NOFAIL);
	}
	leak->node.start = start;
	leak->node.last = last;
	leak->users = 1;
	leak->leaked = true;
	interval_tree_insert(&leak->node, &pages->access_itree);
}

/*
 * At release, only leaked ranges are left in @access_itree: drop their
 * records and stop counting their pages in @npinned. The pins and the
 * charge stay, leaked for good.
 */
static void iopt_pages_forget_leaks(struct iopt_pages *pages)
{
	struct rb_root_cached *const trees[] = { &pages->access_itree };
	struct interval_tree_node *node;
	struct iopt_pages_access *leak;
	struct iova_span_iter span;
	unsigned long nleaked = 0, i;

	if (RB_EMPTY_ROOT(&pages->access_itree.rb_root))
		return;
	for_each_iova_span(&span, trees, 1, 0, pages->npages - 1) {
		if (span.is_hole)
			continue;
		nleaked += span.last - span.start + 1;
		for (i = span.start; i <= span.last; i++)
			xa_erase(&pages->pinned_pfns, i);
	}
	while ((node = interval_tree_iter_first(&pages->access_itree, 0,
						ULONG_MAX))) {
		leak = container_of(node, struct iopt_pages_access, node);
		WARN_ON(!leak->leaked);
		interval_tree_remove(node, &pages->access_itree);
		kfree(leak);
	}
	if (WARN_ON(pages->npinned < nleaked))
		nleaked = pages->npinned;
	pages->npinned -= nleaked;
	atomic_long_sub(nleaked, &iommufd_stats.pinned_pages);
}

/*
 * The one place a short unmap is reported. In production it is a bug of
 * the IOMMU driver, worth a warning; a test that made the mock stop short
 * on purpose gets a line in the log instead, and a count it can check.
 */
static void iopt_report_short_unmap(struct iommu_domain *domain,
				    unsigned long iova, size_t size,
				    size_t unmapped)
{
	if (iommufd_test_short_unmap_expected(domain)) {
		pr_info("iommufd: injected short unmap: %zu of %zu bytes at IOVA %#lx\n",
			unmapped, size, iova);
		return;
	}
	WARN_ONCE(1,
		  "iommufd: IOMMU driver unmapped %zu of %zu bytes at IOVA %#lx; the pages it still maps stay pinned\n",
		  unmapped, size, iova);
}

/*
 * Unmap pages [start, last] of @area, all mapped in @domain. Return the
 * index of the first page the domain may still reach: @last + 1 when the
 * unmap was complete. The IOMMU core unmaps from the start and stops at
 * the first piece the driver refuses, so what went is a prefix of the
 * range, and a page is unreachable if all its IOVA lies in that prefix.
 */
static unsigned long iopt_area_unmap_pages(struct iopt_area *area,
					   struct iommu_domain *domain,
					   unsigned long start,
					   unsigned long last)
{
	unsigned long iova, iova_last;
	u64 stat = iopt_stat_begin();
	size_t size, unmapped;

	iopt_area_index_range(area, start, last, &iova, &iova_last);
	size = iova_last - iova + 1;
	unmapped = iommu_unmap(domain, iova, size);
	iopt_stat_end(MOCK_STAT_UNMAP, stat, 1);
	if (unmapped >= size)
		return last + 1;
	iopt_report_short_unmap(domain, iova, size, unmapped);
	return iopt_area_iova_to_index(area, iova + unmapped);
}

/*
 * Unpin the pages in [start, last] that neither an area in domains_itree
 * nor an access pin covers. The PFN of page i is @pfns[i - start], or,
 * with @pfns NULL, @pfn + (i - start).
 */
static void __iopt_pages_unpin_holes(struct iopt_pages *pages,
				     unsigned long start, unsigned long last,
				     const unsigned long *pfns,
				     unsigned long pfn)
{
	struct rb_root_cached *const trees[] = { &pages->domains_itree,
						 &pages->access_itree };
	struct iova_span_iter span;
	unsigned long n;

	lockdep_assert_held(&pages->mutex);

	for_each_iova_span(&span, trees, ARRAY_SIZE(trees), start, last) {
		if (!span.is_hole)
			continue;
		n = span.last - span.start + 1;
		if (pfns)
			iopt_pages_unpin_pfns(pages, pfns + (span.start - start),
					      n);
		else
			iopt_pages_unpin_range(pages, pfn + (span.start - start),
					       n);
	}
}

static void iopt_pages_unpin_holes(struct iopt_pages *pages,
				   unsigned long start, unsigned long last,
				   const unsigned long *pfns)
{
	__iopt_pages_unpin_holes(pages, start, last, pfns, 0);
}

/* As iopt_pages_unpin_holes(), for pages at consecutive PFNs from @pfn. */
static void iopt_pages_unpin_run_holes(struct iopt_pages *pages,
				       unsigned long start, unsigned long last,
				       unsigned long pfn)
{
	__iopt_pages_unpin_holes(pages, start, last, NULL, pfn);
}

/*
 * The PFN of page @index, which is pinned: from the access pins' PFN store
 * if an access holds it, else from the storage domain of an area that
 * covers it. *@hint is the area used last, to save a lookup per page.
 */
static unsigned long iopt_pages_pinned_pfn(struct iopt_pages *pages,
					   unsigned long index,
					   struct iopt_area **hint)
{
	struct interval_tree_node *node;
	void *entry;

	lockdep_assert_held(&pages->mutex);

	entry = xa_load(&pages->pinned_pfns, index);
	if (entry)
		return xa_to_value(entry);
	if (!*hint || index < (*hint)->pages_node.start ||
	    index > (*hint)->pages_node.last) {
		node = interval_tree_iter_first(&pages->domains_itree, index,
						index);
		if (WARN_ON(!node))
			return 0;
		*hint = container_of(node, struct iopt_area, pages_node);
	}
	return iopt_area_read_pfn(*hint, (*hint)->storage_domain, index);
}

/**
 * iopt_pages_rw() - copy to or from a page set with the CPU
 * @pages: the page set
 * @byte: offset of the first byte from the start of the set's first page
 * @data: kernel buffer
 * @len: bytes
 * @write: copy @data into the pages
 *
 * A page that is pinned is copied through the pinned page, which is what
 * devices see, even if the memory behind it has changed since (a file
 * truncated or hole-punched, an address remapped). Other pages are pinned
 * one at a time for the copy. The caller holds the IOVA lock, for reading,
 * of an IOAS that maps [@byte, @byte + @len) and has checked permissions.
 *
 * Return: 0, or an errno from pinning (EFAULT if the memory is gone);
 * bytes before the failing page have been copied.
 */
int iopt_pages_rw(struct iopt_pages *pages, unsigned long byte, void *data,
		  size_t len, bool write)
{
	unsigned long done = 0, index, offset, n;
	struct iopt_area *hint = NULL;
	bool pinned, took_pin = false;
	struct page *page;
	void *va;
	int rc = 0;

	mutex_lock(&pages->mutex);
	while (done != len) {
		index = (byte + done) / PAGE_SIZE;
		offset = (byte + done) % PAGE_SIZE;
		n = min_t(size_t, len - done, PAGE_SIZE - offset);
		pinned = xa_load(&pages->pinned_pfns, index) ||
			 interval_tree_iter_first(&pages->domains_itree, index,
						  index);
		if (pinned) {
			page = pfn_to_page(iopt_pages_pinned_pfn(pages, index,
								 &hint));
		} else {
			rc = iopt_pages_get_one(pages, index, write, &page,
						&took_pin);
			if (rc)
				break;
		}
		va = kmap_local_page(page);
		if (write)
			memcpy(va + offset, data + done, n);
		else
			memcpy(data + done, va + offset, n);
		kunmap_local(va);
		/* A long-term pin is dirtied when it is released. */
		if (!pinned)
			iopt_pages_put_one(page, took_pin, write);
		done += n;
	}
	mutex_unlock(&pages->mutex);
	return rc;
}

/*
 * Fill @pfns with pages [start, last]: pages already pinned are read from
 * where their PFNs are kept, the rest are pinned now, out of @precharged
 * (see iopt_pages_pin()). *@consec receives how many of the PFNs, from the
 * first, are known to follow on from each other (maybe fewer than do).
 */
static int iopt_pages_collect(struct iopt_pages *pages, unsigned long start,
			      unsigned long last, unsigned long *pfns,
			      struct page **page_buf,
			      unsigned long *precharged, unsigned long *consec,
			      struct iopt_pin_pool *pool)
{
	struct rb_root_cached *const trees[] = { &pages->domains_itree,
						 &pages->access_itree };
	struct iova_span_iter span;
	struct iopt_area *other;
	unsigned long i, n;
	int rc;

	lockdep_assert_held(&pages->mutex);

	*consec = 0;
	for_each_iova_span(&span, trees, ARRAY_SIZE(trees), start, last) {
		if (span.is_hole) {
			rc = iopt_pages_pin(pages, span.start,
					    span.last - span.start + 1,
					    pfns + (span.start - start),
					    page_buf, precharged, &n, pool);
			if (rc)
				goto err_unpin;
			if (span.start == start)
				*consec = n;
			continue;
		}
		other = NULL;
		for (i = span.start; i <= span.last; i++)
			pfns[i - start] = iopt_pages_pinned_pfn(pages, i, &other);
	}
	return 0;

err_unpin:
	/* The holes before the failing one were pinned by this call. */
	if (span.start != start)
		iopt_pages_unpin_holes(pages, start, span.start - 1, pfns);
	return rc;
}

/* One iommu_map() for all of @run, which is in @area. */
static int iopt_area_map_run(struct iopt_area *area,
			     struct iommu_domain *domain,
			     const struct iopt_pfn_run *run)
{
	unsigned long iova, iova_last;
	u64 stat = iopt_stat_begin();
	int rc;

	iopt_area_index_range(area, run->index, run->index + run->npages - 1,
			      &iova, &iova_last);
	rc = iommu_map(domain, iova,
		       PFN_PHYS(run->pfn) +
			       iopt_area_index_offset(area, run->index),
		       iova_last - iova + 1, area->iommu_prot);
	iopt_stat_end(MOCK_STAT_MAP, stat, 1);
	return rc;
}

/* Forget the breaks of an area, as when it leaves its last domain. */
static void iopt_pfn_breaks_clear(struct iopt_pfn_breaks *breaks)
{
	kfree(breaks->list);
	*breaks = (struct iopt_pfn_breaks){};
}

/*
 * Record a break at page @index of @area. The list grows to at most one
 * entry per IOPT_PFN_BREAKS_PER pages of the area (4 bytes per 64 pages
 * of 4 KiB, 0.06 bytes per pinned page) or IOPT_PFN_BREAKS_MIN entries;
 * past that, or if it cannot grow, only the mask is kept.
 */
#define IOPT_PFN_BREAKS_PER 64
#define IOPT_PFN_BREAKS_MIN 32
static void iopt_pfn_breaks_add(struct iopt_pfn_breaks *breaks,
				struct iopt_area *area, unsigned long index)
{
	unsigned long off = index - area->pages_node.start;
	unsigned long max = max_t(unsigned long, IOPT_PFN_BREAKS_MIN,
				  (area->pages_node.last -
				   area->pages_node.start + 1) /
					  IOPT_PFN_BREAKS_PER);
	u32 *list;
	u32 room;

	breaks->mask |= off;
	if (breaks->overflow)
		return;
	if (off > U32_MAX)
		goto overflow;
	if (breaks->nr == breaks->room) {
		room = min_t(unsigned long, max,
			     breaks->room ? 2UL * breaks->room :
					    IOPT_PFN_BREAKS_MIN);
		if (room <= breaks->nr)
			goto overflow;
		list = krealloc_array(breaks->list, room, sizeof(*list),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!list)
			goto overflow;
		breaks->list = list;
		breaks->room = room;
	}
	breaks->list[breaks->nr++] = off;
	return;

overflow:
	kfree(breaks->list);
	breaks->list = NULL;
	breaks->nr = 0;
	breaks->room = 0;
	breaks->overflow = true;
}

/*
 * Feed pages [start, last] of @area, whose PFNs are in @pfns, the first
 * @consec of them known to follow on from each other, to the fill of
 * @domain. A page that continues @run joins it; otherwise @run is
 * mapped and the page starts a new one (with @page_by_page, every page
 * does). The last run stays in @run: the next step may continue it. Each
 * page whose PFN does not follow on goes into @breaks, unless NULL.
 *
 * Throughout, the pages of the area before @run->index are mapped and
 * those of @run are not. On failure, pages [*@next, last] are not mapped
 * either.
 */
static int iopt_area_map_step(struct iopt_area *area,
			      struct iommu_domain *domain,
			      struct iopt_pfn_run *run, unsigned long start,
			      unsigned long last, const unsigned long *pfns,
			      unsigned long consec, bool page_by_page,
			      struct iopt_pfn_breaks *breaks,
			      unsigned long *next)
{
	unsigned long i, pfn, n;
	int rc;

	for (i = start; i <= last; i += n) {
		pfn = pfns[i - start];
		/* The pages from here on that follow on, taken at once */
		n = 1;
		if (!page_by_page)
			n = i == start && consec ?
				    consec :
				    iopt_pfn_run(pfns + (i - start),
						 last - i + 1);
		if (iopt_pfn_run_continues(run, i, pfn)) {
			if (!page_by_page) {
				run->npages += n;
				continue;
			}
		} else if (run->npages && breaks) {
			iopt_pfn_breaks_add(breaks, area, i);
		}
		if (run->npages) {
			rc = iopt_area_map_run(area, domain, run);
			if (rc) {
				*next = i;
				return rc;
			}
		}
		run->index = i;
		run->pfn = pfn;
		run->npages = n;
	}
	return 0;
}

/*
 * Leak pages [start, last] of @area, as iopt_pages_leak(), reading their
 * PFNs from @from, a domain that maps all of the area.
 */
static void iopt_area_leak_from(struct iopt_area *area,
				struct iopt_pages *pages,
				struct iommu_domain *from, unsigned long start,
				unsigned long last)
{
	unsigned long pfns[32], i, n;

	for (; start <= last; start += n) {
		n = min_t(unsigned long, ARRAY_SIZE(pfns), last - start + 1);
		for (i = 0; i != n; i++)
			pfns[i] = iopt_area_read_pfn(area, from, start + i);
		iopt_pages_leak(pages, start, start + n - 1, pfns, 0);
	}
}

/*
 * The first page after @index at which the PFNs of @area may stop being
 * consecutive (see &struct iopt_pfn_breaks), or @last + 1 if none is up
 * to @last: there is no need to read the PFNs of the pages in between.
 * *@cursor is where in the list of breaks to look from; 0 at first, and
 * @index only grows from one call to the next.
 */
static unsigned long iopt_area_next_break(struct iopt_area *area,
					  unsigned long index,
					  unsigned long last, u32 *cursor)
{
	struct iopt_pfn_breaks *breaks = &area->pfn_breaks;
	unsigned long base = area->pages_node.start, block, off;

	if (breaks->list) {
		while (*cursor < breaks->nr &&
		       breaks->list[*cursor] <= index - base)
			(*cursor)++;
		if (*cursor == breaks->nr ||
		    breaks->list[*cursor] > last - base)
			return last + 1;
		return base + breaks->list[*cursor];
	}
	if (!breaks->mask)
		return last + 1;
	block = 1UL << __ffs(breaks->mask);
	off = ((index - base) | (block - 1)) + 1;
	return off > last - base ? last + 1 : base + off;
}

/*
 * Unpin the pages of [start, last], which @runs (@n of them, from @start
 * on) describe, that neither an area in a domain nor an access holds: one
 * walk of the holes for the whole batch of runs, and one uncharge.
 */
static void iopt_unfill_unpin_holes(struct iopt_pages *pages,
				    unsigned long start, unsigned long last,
				    const struct iopt_unfill_run *runs,
				    unsigned int n)
{
	struct rb_root_cached *const trees[] = { &pages->domains_itree,
						 &pages->access_itree };
	unsigned long run_first = start, lo, hi, total = 0, calls = 0;
	struct iova_span_iter span;
	u64 stat = iopt_stat_begin();
	unsigned int k = 0;

	lockdep_assert_held(&pages->mutex);

	for_each_iova_span(&span, trees, ARRAY_SIZE(trees), start, last) {
		if (!span.is_hole)
			continue;
		/* The runs before the hole are done with */
		while (k != n && run_first + runs[k].npages <= span.start)
			run_first += runs[k++].npages;
		for (; k != n && run_first <= span.last;
		     run_first += runs[k++].npages) {
			lo = max(run_first, span.start);
			hi = min(run_first + runs[k].npages - 1, span.last);
			unpin_user_page_range_dirty_lock(pfn_to_page(runs[k].pfn +
								     (lo - run_first)),
							 hi - lo + 1,
							 pages->writable);
			total += hi - lo + 1;
			calls++;
			/* A run the hole ends inside is the next hole's too */
			if (hi != run_first + runs[k].npages - 1)
				break;
		}
	}
	iopt_stat_end(MOCK_STAT_UNPIN, stat, calls);
	if (total)
		iopt_pages_unpinned(pages, total);
}

/*
 * Take pages [start, last] of an area that is in no domain any more out of
 * @domain, its last one, and unpin what no other area holds. [start, last]
 * must begin and end on ends of the fill's runs (see "Runs"). Works a
 * batch of runs at a time: read the PFNs back into whole runs, unmap the
 * batch, then unpin, so that nothing is unpinned while the device can
 * still reach it. Pages that an unmap stopping short leaves reachable are
 * leaked instead.
 */
static void iopt_area_unfill_last(struct iopt_area *area,
				  struct iopt_pages *pages,
				  struct iommu_domain *domain,
				  unsigned long start, unsigned long last)
{
	unsigned long index, next, stuck, from, run_first, run_last, pfn;
	struct iopt_unfill_run stack_runs[IOPT_UNFILL_RUNS_STACK];
	struct iopt_unfill_run *runs = stack_runs, *run;
	unsigned long reads;
	unsigned int n, k;
	u32 cursor = 0;
	u64 stat;

	lockdep_assert_held(&pages->mutex);

	if (last - start >= IOPT_UNFILL_RUNS_STACK)
		runs = kmalloc(IOPT_UNFILL_RUNS_SIZE,
			       GFP_KERNEL | __GFP_NOFAIL);
	stat = iopt_stat_begin();
	pfn = iopt_area_read_pfn(area, domain, start);
	iopt_stat_end(MOCK_STAT_READ_PFN, stat, 1);
	for (index = start; index <= last; index = next) {
		stat = iopt_stat_begin();
		reads = 0;
		/*
		 * Whole runs only, so that no unmap ends inside an IOPTE; a
		 * run can only end where the fill saw a break.
		 */
		for (n = 0, next = index; next <= last && n != IOPT_UNFILL_RUNS;
		     n++) {
			run = &runs[n];
			run_first = next;
			run->pfn = pfn;
			for (next = iopt_area_next_break(area, next, last,
							 &cursor);
			     next <= last;
			     next = iopt_area_next_break(area, next, last,
							 &cursor)) {
				pfn = iopt_area_read_pfn(area, domain, next);
				reads++;
				if (pfn - run->pfn != next - run_first)
					break;
			}
			run->npages = next - run_first;
		}
		iopt_stat_end(MOCK_STAT_READ_PFN, stat, reads);
		stuck = iopt_area_unmap_pages(area, domain, index, next - 1);
		for (k = 0, run_first = index; stuck < next && k != n;
		     run_first += runs[k].npages, k++) {
			run = &runs[k];
			run_last = run_first + run->npages - 1;
			if (stuck <= run_last) {
				from = max(stuck, run_first);
				iopt_pages_leak(pages, from, run_last, NULL,
						run->pfn + (from - run_first));
			}
		}
		iopt_unfill_unpin_holes(pages, index, next - 1, runs, n);
	}
	if (runs != stack_runs)
		kfree(runs);
}

struct iopt_fill_buf {
	unsigned long *pfns;
	struct page **pages;
	unsigned long npages;
};

/* Temporary arrays for one fill step, sized by the temp memory limit. */
static int iopt_fill_buf_init(struct iopt_fill_buf *buf, bool pinning)
{
	size_t per_page = sizeof(*buf->pfns) +
			  (pinning ? sizeof(*buf->pages) : 0);

	buf->npages = clamp_t(unsigned long,
			      READ_ONCE(iommufd_temp_mem_limit) / per_page, 1,
			      IOPT_FILL_STEP_MAX);
	buf->pages = NULL;
	buf->pfns = kmalloc_array(buf->npages, sizeof(*buf->pfns),
				  GFP_KERNEL_ACCOUNT);
	if (!buf->pfns)
		return -ENOMEM;
	if (pinning) {
		buf->pages = kmalloc_array(buf->npages, sizeof(*buf->pages),
					   GFP_KERNEL_ACCOUNT);
		if (!buf->pages) {
			kfree(buf->pfns);
			return -ENOMEM;
		}
	}
	return 0;
}

static void iopt_fill_buf_destroy(struct iopt_fill_buf *buf)
{
	kfree(buf->pages);
	kfree(buf->pfns);
}

/*
 * The last page of the fill step that starts at @index: no further than
 * @last or what @step_pages allows.
 */
static unsigned long iopt_fill_step_last(unsigned long step_pages,
					 unsigned long index,
					 unsigned long last)
{
	return min(last, index + step_pages - 1);
}

/* Fill @area into @domain, the first domain it goes into: this pins. */
static int iopt_area_fill_first(struct iopt_area *area,
				struct iopt_pages *pages,
				struct iommu_domain *domain, bool page_by_page)
{
	unsigned long start = area->pages_node.start;
	unsigned long last = area->pages_node.last;
	struct iopt_pfn_run run = { .index = start };
	unsigned long index, step_last, next, precharged, consec;
	struct iopt_pin_pool *pool = NULL;
	struct iopt_fill_buf buf;
	int rc;

	lockdep_assert_held(&pages->mutex);

	rc = iopt_fill_buf_init(&buf, true);
	if (rc)
		return rc;
	/*
	 * One charge for all the pages this fill pins, rather than one per
	 * step; what is not pinned in the end is given back below. The
	 * holes cannot change while the mutex is held.
	 */
	precharged = iopt_pages_count_holes(pages, start, last);
	if (precharged) {
		rc = iopt_pages_charge(pages, precharged);
		if (rc) {
			iopt_fill_buf_destroy(&buf);
			return rc;
		}
	}
	/* Nothing of a large area pinned yet: workers can pin it all. */
	if (precharged == last - start + 1)
		pool = iopt_pin_pool_start(pages, start, last,
					   iopt_pages_gup_flags(pages));
	iopt_pfn_breaks_clear(&area->pfn_breaks);
	for (index = start; index <= last; index = step_last + 1) {
		step_last = iopt_fill_step_last(buf.npages, index, last);
		rc = iopt_pages_collect(pages, index, step_last, buf.pfns,
					buf.pages, &precharged, &consec, pool);
		if (rc)
			goto err_unfill;
		rc = iopt_area_map_step(area, domain, &run, index, step_last,
					buf.pfns, consec, page_by_page,
					&area->pfn_breaks, &next);
		if (rc) {
			iopt_pages_unpin_holes(pages, next, step_last,
					       buf.pfns + (next - index));
			goto err_unfill;
		}
	}
	rc = iopt_area_map_run(area, domain, &run);
	if (rc)
		goto err_unfill;
	if (pool)
		iopt_pin_pool_stop(pool);
	iopt_fill_buf_destroy(&buf);
	if (WARN_ON(precharged))
		iopt_pages_uncharge(pages, precharged);
	area->storage_domain = domain;
	interval_tree_insert(&area->pages_node, &pages->domains_itree);
	return 0;

err_unfill:
	/* First, so that no worker pins any more; it unpins what it has */
	if (pool)
		iopt_pin_pool_stop(pool);
	/* Pinned for the run, not mapped yet */
	if (run.npages)
		iopt_pages_unpin_run_holes(pages, run.index,
					   run.index + run.npages - 1,
					   run.pfn);
	if (run.index != start)
		iopt_area_unfill_last(area, pages, domain, start,
				      run.index - 1);
	iopt_pfn_breaks_clear(&area->pfn_breaks);
	iopt_fill_buf_destroy(&buf);
	/* What was pinned is uncharged as it is unpinned; the rest here */
	if (precharged)
		iopt_pages_uncharge(pages, precharged);
	return rc;
}

/* Fill @area into one more domain, copying from its storage domain. */
static int iopt_area_fill_more(struct iopt_area *area,
			       struct iopt_pages *pages,
			       struct iommu_domain *domain, bool page_by_page)
{
	unsigned long start = area->pages_node.start;
	unsigned long last = area->pages_node.last;
	struct iopt_pfn_run run = { .index = start };
	unsigned long index, step_last, i, stuck, next;
	struct iopt_fill_buf buf;
	int rc;

	lockdep_assert_held(&pages->mutex);

	rc = iopt_fill_buf_init(&buf, false);
	if (rc)
		return rc;
	for (index = start; index <= last; index = step_last + 1) {
		step_last = iopt_fill_step_last(buf.npages, index, last);
		for (i = index; i <= step_last; i++)
			buf.pfns[i - index] =
				iopt_area_read_pfn(area, area->storage_domain,
						   i);
		rc = iopt_area_map_step(area, domain, &run, index, step_last,
					buf.pfns, 0, page_by_page, NULL, &next);
		if (rc)
			goto err_unmap;
	}
	rc = iopt_area_map_run(area, domain, &run);
	if (rc)
		goto err_unmap;
	iopt_fill_buf_destroy(&buf);
	return 0;

err_unmap:
	/* Only the pages before the run are mapped */
	if (run.index != start) {
		stuck = iopt_area_unmap_pages(area, domain, start,
					      run.index - 1);
		if (stuck < run.index)
			iopt_area_leak_from(area, pages, area->storage_domain,
					    stuck, run.index - 1);
	}
	iopt_fill_buf_destroy(&buf);
	return rc;
}

/**
 * iopt_area_fill_domain() - map an area into one more domain
 * @area: the area, with its page set
 * @pages: the area's page set
 * @domain: the domain
 * @page_by_page: map only PAGE_SIZE IOPTEs
 *
 * The first domain an area goes into pins what no other area of the page
 * set holds yet; later domains copy the PFNs from it.
 *
 * Return: 0, or an errno with nothing changed.
 */
int iopt_area_fill_domain(struct iopt_area *area, struct iopt_pages *pages,
			  struct iommu_domain *domain, bool page_by_page)
{
	u64 stat = iopt_stat_begin();
	int rc;

	lockdep_assert_held(&area->iopt->domains_rwsem);

	mutex_lock(&pages->mutex);
	if (area->storage_domain)
		rc = iopt_area_fill_more(area, pages, domain, page_by_page);
	else
		rc = iopt_area_fill_first(area, pages, domain, page_by_page);
	mutex_unlock(&pages->mutex);
	iopt_stat_end(MOCK_STAT_FILL, stat, 1);
	return rc;
}

/**
 * iopt_area_unfill_domain() - unmap an area from one of its domains
 * @area: the area
 * @pages: the area's page set
 * @domain: a domain the area is mapped in
 * @other: another domain the area stays mapped in, or NULL if @domain is
 *	its last, in which case pages only this area held are unpinned
 */
void iopt_area_unfill_domain(struct iopt_area *area, struct iopt_pages *pages,
			     struct iommu_domain *domain,
			     struct iommu_domain *other)
{
	u64 stat = iopt_stat_begin();
	unsigned long stuck;

	lockdep_assert_held(&area->iopt->domains_rwsem);

	mutex_lock(&pages->mutex);
	if (other) {
		/* The pages stay pinned for @other; stuck ones for good. */
		stuck = iopt_area_unmap_pages(area, domain,
					      area->pages_node.start,
					      area->pages_node.last);
		if (stuck <= area->pages_node.last)
			iopt_area_leak_from(area, pages, other, stuck,
					    area->pages_node.last);
		if (area->storage_domain == domain)
			area->storage_domain = other;
	} else {
		WARN_ON(area->storage_domain != domain);
		interval_tree_remove(&area->pages_node, &pages->domains_itree);
		area->storage_domain = NULL;
		iopt_area_unfill_last(area, pages, domain,
				      area->pages_node.start,
				      area->pages_node.last);
		iopt_pfn_breaks_clear(&area->pfn_breaks);
	}
	mutex_unlock(&pages->mutex);
	iopt_stat_end(MOCK_STAT_UNFILL, stat, 1);
}

static struct iopt_pages_access *
iopt_pages_find_access(struct iopt_pages *pages, unsigned long start,
		       unsigned long last)
{
	struct iopt_pages_access *access;
	struct interval_tree_node *node;

	lockdep_assert_held(&pages->mutex);

	for (node = interval_tree_iter_first(&pages->access_itree, start, last);
	     node; node = interval_tree_iter_next(node, start, last)) {
		access = container_of(node, struct iopt_pages_access, node);
		if (node->start == start && node->last == last &&
		    !access->leaked)
			return access;
	}
	return NULL;
}

/*
 * Forget the stored PFNs in [start, last] that no access pin covers any
 * more, and unpin those pages that no area in a domain uses either.
 */
static void iopt_pages_drop_pfns(struct iopt_pages *pages,
				 unsigned long start, unsigned long last)
{
	struct rb_root_cached *const trees[] = { &pages->access_itree };
	unsigned long unpin[32], nunpin = 0, i;
	struct iova_span_iter span;
	void *entry;

	lockdep_assert_held(&pages->mutex);

	for_each_iova_span(&span, trees, 1, start, last) {
		if (!span.is_hole)
			continue;
		for (i = span.start; i <= span.last; i++) {
			entry = xa_erase(&pages->pinned_pfns, i);
			/* Still mapped in a domain: stays pinned for it. */
			if (!entry ||
			    interval_tree_iter_first(&pages->domains_itree, i, i))
				continue;
			unpin[nunpin++] = xa_to_value(entry);
			if (nunpin == ARRAY_SIZE(unpin)) {
				iopt_pages_unpin_pfns(pages, unpin, nunpin);
				nunpin = 0;
			}
		}
	}
	if (nunpin)
		iopt_pages_unpin_pfns(pages, unpin, nunpin);
}

/*
 * Store @n freshly pinned PFNs from @index on. On failure nothing of them
 * stays stored and all of them are unpinned.
 */
static int iopt_pages_store_pinned(struct iopt_pages *pages,
				   unsigned long index, unsigned long n,
				   const unsigned long *pfns)
{
	unsigned long k;
	int rc;

	lockdep_assert_held(&pages->mutex);

	for (k = 0; k != n; k++) {
		rc = xa_err(xa_store(&pages->pinned_pfns, index + k,
				     xa_mk_value(pfns[k]), GFP_KERNEL_ACCOUNT));
		if (rc) {
			while (k--)
				xa_erase(&pages->pinned_pfns, index + k);
			iopt_pages_unpin_pfns(pages, pfns, n);
			return rc;
		}
	}
	return 0;
}

/*
 * Make sure the PFN store has every page of [start, last], pinning the
 * pages nobody holds yet. On failure what this added is undone.
 */
static int iopt_pages_fill_pfns(struct iopt_pages *pages, unsigned long start,
				unsigned long last)
{
	struct rb_root_cached *const trees[] = { &pages->domains_itree,
						 &pages->access_itree };
	struct iopt_area *hint = NULL;
	unsigned long i, n, consec, done = start;
	struct iova_span_iter span;
	struct iopt_fill_buf buf;
	int rc;

	lockdep_assert_held(&pages->mutex);

	rc = iopt_fill_buf_init(&buf, true);
	if (rc)
		return rc;
	for_each_iova_span(&span, trees, ARRAY_SIZE(trees), start, last) {
		if (span.is_hole) {
			for (i = span.start; i <= span.last; i += n) {
				n = min(buf.npages, span.last - i + 1);
				rc = iopt_pages_pin(pages, i, n, buf.pfns,
						    buf.pages, NULL, &consec,
						    NULL);
				if (!rc)
					rc = iopt_pages_store_pinned(pages, i,
								     n,
								     buf.pfns);
				if (rc)
					goto err_drop;
				done = i + n;
			}
			continue;
		}
		for (i = span.start; i <= span.last; i++) {
			unsigned long pfn;

			if (!xa_load(&pages->pinned_pfns, i)) {
				pfn = iopt_pages_pinned_pfn(pages, i, &hint);
				rc = xa_err(xa_store(&pages->pinned_pfns, i,
						     xa_mk_value(pfn),
						     GFP_KERNEL_ACCOUNT));
				if (rc)
					goto err_drop;
			}
			done = i + 1;
		}
	}
	iopt_fill_buf_destroy(&buf);
	return 0;

err_drop:
	if (done != start)
		iopt_pages_drop_pfns(pages, start, done - 1);
	iopt_fill_buf_destroy(&buf);
	return rc;
}

/**
 * iopt_area_add_access() - pin pages of an area for an in-kernel access
 * @area: the area, published
 * @start: first page index (in the page set) to pin
 * @last: last page index
 * @out_pages: receives one page pointer per index
 * @write: the access wants to write
 *
 * Pages already pinned by a domain or another access are not pinned
 * again. Must be balanced by iopt_area_remove_access() with the same
 * range. The caller holds the IOVA lock for reading.
 *
 * Return: 0; EINVAL while the area is being unmapped; EPERM if the area's
 * permissions forbid the access; pinning errors (EFAULT, ENOMEM).
 */
int iopt_area_add_access(struct iopt_area *area, unsigned long start,
			 unsigned long last, struct page **out_pages,
			 bool write)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;
	unsigned long i;
	int rc = 0;

	lockdep_assert_held(&area->iopt->iova_rwsem);

	if (area->prevent_access)
		return -EINVAL;
	if (write ? !(area->iommu_prot & IOMMU_WRITE) :
		    !(area->iommu_prot & IOMMU_READ))
		return -EPERM;

	mutex_lock(&pages->mutex);
	access = iopt_pages_find_access(pages, start, last);
	if (access) {
		access->users++;
		goto out_fill;
	}
	access = kzalloc(sizeof(*access), GFP_KERNEL_ACCOUNT);
	if (!access) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	rc = iopt_pages_fill_pfns(pages, start, last);
	if (rc) {
		kfree(access);
		goto out_unlock;
	}
	access->node.start = start;
	access->node.last = last;
	access->users = 1;
	interval_tree_insert(&access->node, &pages->access_itree);
out_fill:
	area->num_accesses++;
	for (i = start; i <= last; i++) {
		void *entry = xa_load(&pages->pinned_pfns, i);

		out_pages[i - start] = pfn_to_page(xa_to_value(entry));
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_area_remove_access() - undo iopt_area_add_access()
 * @area: the area
 * @start: as given to iopt_area_add_access()
 * @last: as given to iopt_area_add_access()
 *
 * Pages no domain and no other access uses are unpinned.
 */
void iopt_area_remove_access(struct iopt_area *area, unsigned long start,
			     unsigned long last)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;

	lockdep_assert_held(&area->iopt->iova_rwsem);

	mutex_lock(&pages->mutex);
	access = iopt_pages_find_access(pages, start, last);
	if (WARN_ON(!access) || WARN_ON(!area->num_accesses))
		goto out_unlock;
	area->num_accesses--;
	if (--access->users)
		goto out_unlock;
	interval_tree_remove(&access->node, &pages->access_itree);
	kfree(access);
	iopt_pages_drop_pfns(pages, start, last);
out_unlock:
	mutex_unlock(&pages->mutex);
}

#if IS_ENABLED(CONFIG_IOMMUFD_TEST) || IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
/**
 * iommufd_test_set_temp_mem_limit() - bound the memory of one fill step
 * @limit: bytes; at least one page's worth of entries
 *
 * Small limits force fills into many small steps, which the selftests use
 * to exercise step boundaries.
 */
void iommufd_test_set_temp_mem_limit(unsigned long limit)
{
	WRITE_ONCE(iommufd_temp_mem_limit, limit);
}
#endif

#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
#include "selftest/pages_kunit.c"
#endif
