/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOVA space of an IOAS and the page sets behind its mappings.
 *
 * An IOAS maps IOVA ranges ("areas") onto byte ranges of page sets
 * (&struct iopt_pages). A page set describes user memory (or, later, a
 * file range) and owns the long-term pins and the memlock charge for it.
 * MAP makes a page set and one area on it; COPY adds areas on the page
 * sets of existing areas, so one pin serves every IOVA that maps a page.
 */
#ifndef __IOMMUFD_IO_PAGETABLE_H
#define __IOMMUFD_IO_PAGETABLE_H

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

struct iommu_domain;
struct iommufd_access;
struct iommufd_ctx;
struct iopt_pages;
struct page;

/**
 * struct io_pagetable - the IOVA space of one IOAS
 * @domains_rwsem: guards @domains and @num_domains; held for read while an
 *	area is filled into or unfilled from the domains, which MAP, COPY
 *	and UNMAP do without @iova_rwsem, so for writing it excludes every
 *	area without a page set
 * @domains: the IOMMU domains every area is mapped into, at indices
 *	0 .. @num_domains - 1
 * @num_domains: how many
 * @iova_rwsem: guards the three interval trees, @iova_alignment and
 *	@disable_large_pages
 * @area_itree: &struct iopt_area by IOVA
 * @allowed_itree: &struct iopt_allowed; empty means the whole space is
 *	allowed for automatic IOVA allocation
 * @reserved_itree: &struct iopt_reserved: IOVA that must never be mapped
 * @access_list: the in-kernel accesses attached to the IOAS, to notify
 *	on unmap; changed under @iova_rwsem held for writing, walked under
 *	its own lock
 * @iova_alignment: the granule of IOVA and length that MAP and COPY accept
 * @pgsize_bitmap: the IOMMU page sizes every domain in @domains has,
 *	ULONG_MAX with none; changed with @domains, under both locks held
 *	for writing, so either one held for reading keeps it stable; the
 *	VFIO door reads it with READ_ONCE() and no lock
 * @disable_large_pages: map only PAGE_SIZE IOPTEs (IOMMU_OPTION_HUGE_PAGES)
 */
struct io_pagetable {
	struct rw_semaphore domains_rwsem;
	struct xarray domains;
	unsigned int num_domains;
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;
	struct xarray access_list;
	unsigned long iova_alignment;
	unsigned long pgsize_bitmap;
	bool disable_large_pages;
};

/**
 * struct iopt_pfn_breaks - where an area's PFNs are not consecutive
 * @mask: the OR of the offsets, from the area's first page, of every page
 *	whose PFN does not follow on from the page before it (a break)
 * @list: the offsets of all breaks, in increasing order; NULL if there
 *	are none, or too many to be worth listing (@overflow)
 * @nr: entries in @list
 * @room: entries @list has room for
 * @overflow: only @mask is known
 *
 * As the fill of the area into its first domain found them. Unfilling
 * must find where the runs of consecutive PFNs end, and reads PFNs back
 * from the domain for that: with @list only at each break, else once per
 * aligned block of 2^__ffs(@mask) pages (within which there is no break),
 * instead of at every page.
 */
struct iopt_pfn_breaks {
	unsigned long mask;
	u32 *list;
	u32 nr;
	u32 room;
	bool overflow;
};

/**
 * struct iopt_area - one mapping of an IOVA range onto part of a page set
 * @node: IOVA range, in &io_pagetable.area_itree
 * @pages_node: page index range within @pages that this area uses
 * @iopt: the table the area belongs to
 * @pages: the page set; NULL while the area is being built and while it
 *	is being unmapped (from the moment UNMAP takes it until the area
 *	leaves @iopt's tree). Such an area still holds its IOVA, but only
 *	the MAP or UNMAP at work on it may touch anything else: accesses,
 *	COPY and CHANGE_PROCESS treat it as absent or busy, and another
 *	UNMAP fails with EBUSY. Set and cleared under
 *	&io_pagetable.iova_rwsem held for writing.
 * @page_offset: byte offset of the area's first IOVA within its first page
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @num_accesses: pins in-kernel accesses hold on this area; guarded by
 *	&iopt_pages.mutex, stable under the IOVA lock held for writing
 * @prevent_access: the area is being unmapped: new access pins and rw
 *	fail with EINVAL
 * @storage_domain: a domain the area is fully mapped in, from which the
 *	PFNs of its pages can be read back; NULL while it is in none. Guarded
 *	by &iopt_pages.mutex, as is @pages_node's place in
 *	&iopt_pages.domains_itree (the area is there exactly while
 *	@storage_domain is set).
 * @pfn_breaks: where the PFNs of the area's pages stop following on from
 *	each other; valid while @storage_domain is set, guarded by
 *	&iopt_pages.mutex
 *
 * The other fields are guarded by &io_pagetable.iova_rwsem.
 */
struct iopt_area {
	struct interval_tree_node node;
	struct interval_tree_node pages_node;
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	unsigned int page_offset;
	int iommu_prot;
	unsigned int num_accesses;
	bool prevent_access;
	struct iommu_domain *storage_domain;
	struct iopt_pfn_breaks pfn_breaks;
};

static inline unsigned long iopt_area_iova(struct iopt_area *area)
{
	return area->node.start;
}

static inline unsigned long iopt_area_last_iova(struct iopt_area *area)
{
	return area->node.last;
}

static inline size_t iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

/* Byte offset within the page set of the area's first IOVA. */
static inline unsigned long iopt_area_start_byte(struct iopt_area *area,
						 unsigned long iova)
{
	return (iova - iopt_area_iova(area)) + area->page_offset +
	       area->pages_node.start * PAGE_SIZE;
}

/**
 * struct iopt_allowed - a range ALLOW_IOVAS permits for automatic IOVA
 * @node: the range
 */
struct iopt_allowed {
	struct interval_tree_node node;
};

/**
 * struct iopt_reserved - IOVA that must never be mapped
 * @node: the range
 * @owner: who reserved it (a device, a domain); NULL for reservations that
 *	last as long as the IOAS (IOMMU_TEST_OP_ADD_RESERVED)
 */
struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

#define __make_iopt_iter(name, type)                                        \
	static inline struct type *iopt_##name##_first(                      \
		struct rb_root_cached *root, unsigned long start,           \
		unsigned long last)                                          \
	{                                                                    \
		struct interval_tree_node *node;                             \
									     \
		node = interval_tree_iter_first(root, start, last);          \
		return node ? container_of(node, struct type, node) : NULL;  \
	}                                                                    \
	static inline struct type *iopt_##name##_next(struct type *cur,      \
						       unsigned long start,  \
						       unsigned long last)   \
	{                                                                    \
		struct interval_tree_node *node;                             \
									     \
		node = interval_tree_iter_next(&cur->node, start, last);     \
		return node ? container_of(node, struct type, node) : NULL;  \
	}

__make_iopt_iter(area, iopt_area)
__make_iopt_iter(allowed, iopt_allowed)
__make_iopt_iter(reserved, iopt_reserved)

/* Visit every area that intersects [start, last], in IOVA order. */
#define for_each_iopt_area(area, root, start, last)                    \
	for (area = iopt_area_first(root, start, last); area;          \
	     area = iopt_area_next(area, start, last))

/**
 * struct iopt_area_contig_iter - walk the areas that cover a range
 * @cur_iova: first IOVA of the current area's piece of the range
 * @last_iova: last IOVA of the range
 * @area: the current area
 * @done: the walk covered the whole range with no gap
 *
 * Each step presents an area, complete (with its page set), that starts
 * at or before @cur_iova; the walk stops at the first gap, at an area
 * being built or unmapped (no page set), or when the range is covered,
 * which @done then says.
 */
struct iopt_area_contig_iter {
	unsigned long cur_iova;
	unsigned long last_iova;
	struct iopt_area *area;
	bool done;
};

struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					unsigned long iova,
					unsigned long last_iova);
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter);

/* The last IOVA of the range within the current area. */
static inline unsigned long
iopt_area_contig_last(struct iopt_area_contig_iter *iter)
{
	return min(iter->last_iova, iopt_area_last_iova(iter->area));
}

/* The caller holds the table's iova_rwsem across the loop. */
#define iopt_for_each_contig_area(iter, area, iopt, iova, last_iova)      \
	for (area = iopt_area_contig_init(iter, iopt, iova, last_iova); area; \
	     area = iopt_area_contig_next(iter))

/**
 * enum iopt_account_mode - whose RLIMIT_MEMLOCK pays for pinned pages
 * @IOPT_PAGES_ACCOUNT_NONE: nobody (the owner has CAP_IPC_LOCK)
 * @IOPT_PAGES_ACCOUNT_USER: the owning user's locked_vm
 * @IOPT_PAGES_ACCOUNT_MM: the owning process's locked_vm
 * @IOPT_PAGES_ACCOUNT_MM_NOLIMIT: the owning process's locked_vm, not
 *	checked against RLIMIT_MEMLOCK: how type1 counts the pins of a
 *	CAP_IPC_LOCK holder, for VFIO containers (vfio_compat.c)
 */
enum iopt_account_mode {
	IOPT_PAGES_ACCOUNT_NONE,
	IOPT_PAGES_ACCOUNT_USER,
	IOPT_PAGES_ACCOUNT_MM,
	IOPT_PAGES_ACCOUNT_MM_NOLIMIT,
};

/**
 * struct iopt_pages - a set of pages that areas map
 * @kref: one reference per area using the set, plus transient ones
 * @mutex: guards @npinned, @domains_itree, @access_itree and @pinned_pfns
 * @npages: pages spanned, from the page at @start onwards
 * @npinned: pages currently pinned (and charged)
 * @domains_itree: the areas using this set that are mapped in a domain,
 *	by page index (&iopt_area.pages_node)
 * @access_itree: &struct iopt_pages_access: ranges in-kernel accesses
 *	have pinned, by page index. A page is pinned exactly when a node of
 *	@domains_itree or of @access_itree covers it.
 * @pinned_pfns: page index → PFN (as an xarray value) of every page a node
 *	of @access_itree covers
 * @start: where page 0 is, page aligned: the user address for user
 *	memory, the byte offset into @file for file memory
 * @file: the memfd the pages come from (referenced), or NULL for user
 *	memory of @source_mm
 * @file_clone: NULL, or a private open of @file's path, made under @mutex
 *	when pinning first needs to map the file, and set only once (see
 *	"Pages of a memfd" in pages.c)
 * @source_mm: the owner's mm (mmgrab'd): user memory comes from it, and
 *	pinned_vm (and per-process locked_vm) is charged to it
 * @source_task: the owner's group leader, whose RLIMIT_MEMLOCK applies
 * @source_user: the user charged in %IOPT_PAGES_ACCOUNT_USER mode
 * @change_node: entry on the list of an IOMMU_IOAS_CHANGE_PROCESS in
 *	progress; used only under its exclusion (see
 *	iommufd_ioas_change_process())
 * @account_mode: &enum iopt_account_mode
 * @writable: pins may be FOLL_WRITE; only WRITEABLE areas need it. A
 *	writable file page set holds the file's mapping writable.
 *
 * @start, @npages, @file and @writable never change, nor does
 * @account_mode, but for the choice between %IOPT_PAGES_ACCOUNT_MM and
 * %IOPT_PAGES_ACCOUNT_MM_NOLIMIT. The owner fields (@source_mm,
 * @source_task, @source_user) of a file page set, and that choice,
 * change only in IOMMU_IOAS_CHANGE_PROCESS, which holds @mutex and the
 * domains_rwsem and iova_rwsem, for writing, of every IOAS of the context:
 * holding any of those locks keeps them stable.
 */
struct iopt_pages {
	struct kref kref;
	struct mutex mutex;	/* guards npinned, the trees, pinned_pfns */
	unsigned long npages;
	unsigned long npinned;
	struct rb_root_cached domains_itree;
	struct rb_root_cached access_itree;
	struct xarray pinned_pfns;
	unsigned long start;
	struct file *file;
	struct file *file_clone;
	struct mm_struct *source_mm;
	struct task_struct *source_task;
	struct user_struct *source_user;
	struct list_head change_node;
	u8 account_mode;
	bool writable;
};

/**
 * struct iopt_owner_change - what moving page sets to a process charges it
 * @user_pages: pages to add to the new user's locked_vm
 * @mm_pages: pages to add to the new process's locked_vm
 */
struct iopt_owner_change {
	unsigned long user_pages;
	unsigned long mm_pages;
};

struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable, u8 account_mode);
struct iopt_pages *iopt_alloc_file_pages(struct file *file, unsigned long start,
					 unsigned long length, bool writable,
					 u8 account_mode);
void iopt_pages_owner_change_count(struct iopt_pages *pages,
				   struct iopt_owner_change *chg);
int iopt_owner_change_charge(struct iopt_owner_change *chg);
void iopt_pages_owner_change_commit(struct iopt_pages *pages, u8 mm_mode);
long iopt_pages_gup(struct iopt_pages *pages, unsigned long index,
		    unsigned long npages, unsigned int gup_flags,
		    struct page **page_buf);
unsigned long iopt_temp_mem_limit(void);

struct iopt_pin_pool;
struct iopt_pin_pool *iopt_pin_pool_start(struct iopt_pages *pages,
					  unsigned long start,
					  unsigned long last,
					  unsigned int gup_flags);
long iopt_pin_pool_take(struct iopt_pin_pool *pool, unsigned long index,
			unsigned long npages, struct page **out);
void iopt_pin_pool_stop(struct iopt_pin_pool *pool);

int iopt_pages_rw(struct iopt_pages *pages, unsigned long byte, void *data,
		  size_t len, bool write);
void iopt_release_pages(struct kref *kref);
int iopt_area_fill_domain(struct iopt_area *area, struct iopt_pages *pages,
			  struct iommu_domain *domain, bool page_by_page);
void iopt_area_unfill_domain(struct iopt_area *area, struct iopt_pages *pages,
			     struct iommu_domain *domain,
			     struct iommu_domain *other);
void iommufd_test_set_temp_mem_limit(unsigned long limit);
struct iommu_test_map_stat;
u64 iommufd_test_stat_begin(void);
void iommufd_test_stat_end(unsigned int stat, u64 begin, unsigned long calls);
void iommufd_test_map_stats_read(struct iommu_test_map_stat *out);
void iommufd_test_map_stats_consume(const struct iommu_test_map_stat *read,
				    bool on, bool change);
int iopt_area_add_access(struct iopt_area *area, unsigned long start,
			 unsigned long last, struct page **out_pages,
			 bool write);
void iopt_area_remove_access(struct iopt_area *area, unsigned long start,
			     unsigned long last);

static inline void iopt_put_pages(struct iopt_pages *pages)
{
	kref_put(&pages->kref, iopt_release_pages);
}

void iopt_init_table(struct io_pagetable *iopt);
void iopt_destroy_table(struct io_pagetable *iopt);
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void __user *uptr,
			unsigned long length, int iommu_prot,
			unsigned int flags);
int iopt_map_file_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, struct file *file,
			unsigned long start, unsigned long length,
			int iommu_prot, unsigned int flags);
int iopt_collect_owner_change(struct io_pagetable *iopt,
			      struct list_head *pages_list);

/**
 * struct iopt_pages_list - one piece of memory to map
 * @pages: the page set, referenced by the entry
 * @area: the area made for it, while a map is in progress
 * @start_byte: offset of the first byte within @pages
 * @length: bytes
 * @next: list linkage
 */
struct iopt_pages_list {
	struct iopt_pages *pages;
	struct iopt_area *area;
	unsigned long start_byte;
	unsigned long length;
	struct list_head next;
};

int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
		    unsigned long addr, unsigned long length);
int iopt_get_pages(struct io_pagetable *iopt, unsigned long iova,
		   unsigned long length, struct list_head *pages_list);
void iopt_free_pages_list(struct list_head *pages_list);
int iopt_map_pages_list(struct io_pagetable *iopt,
			struct list_head *pages_list, unsigned long length,
			unsigned long *iova, int iommu_prot, unsigned int flags);
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped);
int iopt_cut_iova(struct io_pagetable *iopt, const unsigned long *iovas,
		  unsigned int num);
void iopt_free_allowed_tree(struct rb_root_cached *root);
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct rb_root_cached *allowed_iova);
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner);
int iopt_reserve_resv_regions(struct io_pagetable *iopt,
			      struct list_head *regions, void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain);
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access,
		    u32 *id);
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access, u32 id);
void iommufd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length);
int iopt_disable_large_pages(struct io_pagetable *iopt);
void iopt_enable_large_pages(struct io_pagetable *iopt);

/* MAP flag for the internal API: the caller chose the IOVA. */
#define IOPT_ALLOC_IOVA BIT(0)

#endif
