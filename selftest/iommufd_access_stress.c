// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded-time race test of in-kernel accesses. Several threads share
 * one /dev/iommu context with two IOASes and hammer it at once:
 *
 *   mapper    maps and unmaps fixed areas in both IOASes, sometimes all
 *             of an IOAS at once
 *   pinner    pins and unpins ranges through two pinning accesses
 *   copier    reads and writes through three accesses, checking every
 *             byte against the user memory behind the IOVA
 *   replacer  moves two of the accesses between the IOASes
 *   churner   creates accesses, pins, reads, moves and closes them
 *   domain    attaches a mock domain to the first IOAS and destroys it
 *
 * Both IOASes map the same user buffer at the same IOVAs, so whatever IOAS
 * an access is on at the moment, IOVA x is always buffer byte x - IOVA_BASE:
 * pins are checked page by page (ACCESS_PAGES uptr), and only the copier
 * writes the buffer, so it can compare every copy with the buffer.
 *
 * Errors that races make legitimate (a range unmapped under a pin or a
 * copy, an area in the middle of an unmap, an item dropped by an unmap
 * callback, a busy replace) are counted; anything else fails the test.
 * EDEADLOCK from UNMAP in particular is a failure: every access here
 * honours its unmap callback. At the end every area must unmap with the
 * accesses still open, nothing of the buffer may stay pinned, and VmPin
 * must be back where it started.
 *
 * Work, not time, bounds the run, so that its verdict does not depend on
 * the machine's speed: the threads run STRESS_ROUNDS rounds of their loops
 * in all (IOMMUFD_STRESS_ROUNDS from the environment, at most
 * STRESS_MAX_ROUNDS), and each thread at least STRESS_MIN_ROUNDS of its
 * own. The default is about the work of the 30 s this test used to run
 * on a loaded 2-core TCG guest.
 */
#include "iommufd_utils.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef STRESS_ROUNDS
#define STRESS_ROUNDS 1600UL
#endif
#define STRESS_MAX_ROUNDS (4 * STRESS_ROUNDS)
#define STRESS_MIN_ROUNDS 50UL
/*
 * Harness timeout: at least 3x the time of STRESS_MAX_ROUNDS on a loaded
 * 2-core TCG guest with the debug kernel.
 */
#define STRESS_TIMEOUT 400

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))
#define PIN_ACCESS MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

/*
 * Slot k is the area at IOVA_BASE + k * SLOT_PAGES pages. Every third slot
 * is shorter than the stride, so some neighbours touch and some leave a
 * gap.
 */
#define IOVA_BASE MOCK_APERTURE_START
#define NSLOTS 12
#define SLOT_PAGES 4
#define TOTAL_PAGES (NSLOTS * SLOT_PAGES)
#define NIOAS 2

/* Items the pinner keeps per access before it unpins the oldest */
#define MAX_ITEMS 16
/* Long-lived accesses: two that pin, one that only copies */
#define NACCESS 3

/* Failures printed in full; the rest are only counted */
#define MAX_FAIL_MSGS 20

static size_t slot_pages(unsigned int k)
{
	return k % 3 == 2 ? 2 : SLOT_PAGES;
}

static __u64 slot_iova(unsigned int k)
{
	return IOVA_BASE + (__u64)k * SLOT_PAGES * PAGE_SZ;
}

/* === Operation accounting === */

enum stress_op {
	OP_MAP,
	OP_UNMAP,
	OP_UNMAP_ALL,
	OP_PIN,
	OP_UNPIN,
	OP_RW_READ,
	OP_RW_WRITE,
	OP_REPLACE,
	OP_CREATE,
	OP_CHURN_PIN,
	OP_CHURN_RW,
	OP_CHURN_REPLACE,
	OP_DOMAIN_ATTACH,
	OP_DOMAIN_DESTROY,
	NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	[OP_MAP] = "map",
	[OP_UNMAP] = "unmap",
	[OP_UNMAP_ALL] = "unmap_all",
	[OP_PIN] = "pin",
	[OP_UNPIN] = "unpin",
	[OP_RW_READ] = "rw_read",
	[OP_RW_WRITE] = "rw_write",
	[OP_REPLACE] = "replace",
	[OP_CREATE] = "create",
	[OP_CHURN_PIN] = "churn_pin",
	[OP_CHURN_RW] = "churn_rw",
	[OP_CHURN_REPLACE] = "churn_replace",
	[OP_DOMAIN_ATTACH] = "domain_attach",
	[OP_DOMAIN_DESTROY] = "domain_destroy",
};

/* Counted per errno; the last slot takes anything larger */
#define ERRNO_SLOTS 160

struct stress {
	int fd;
	__u32 ioas[NIOAS];
	int afd[NACCESS];
	char *buf;
	size_t buf_size;
	unsigned long rounds;	/* rounds to run, over all threads */
	unsigned long rounds_done;	/* read and written atomically */
	unsigned long count[NR_OPS][ERRNO_SLOTS];
	unsigned long failures;
	unsigned long mismatches;
};

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EDEADLOCK: return "EDEADLOCK";
	case EOVERFLOW: return "EOVERFLOW";
	case EBADFD: return "EBADFD";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case EBADE: return "EBADE";
	default: return NULL;
	}
}

/* Whether a failure of @op with @err can come from a race alone */
static bool tolerated(enum stress_op op, int err)
{
	switch (op) {
	case OP_MAP:
		/* Only if the mapper lost track after a failed unmap */
		return err == EEXIST;
	case OP_UNMAP:
		return err == ENOENT;
	case OP_PIN:
	case OP_CHURN_PIN:
	case OP_RW_READ:
	case OP_RW_WRITE:
	case OP_CHURN_RW:
		/* Not (completely) mapped, or in the middle of an unmap */
		return err == ENOENT || err == EINVAL;
	case OP_UNPIN:
		/* An unmap or a replace dropped the item first */
		return err == ENOENT;
	case OP_REPLACE:
	case OP_CHURN_REPLACE:
		return err == EBUSY;
	default:
		return false;
	}
}

/* Count the result (0 or -errno) of @op; false if it is a failure */
static bool account(struct stress *s, enum stress_op op, int ret,
		    const char *what, __u64 a, __u64 b)
{
	int err = -ret;
	unsigned long n;

	__atomic_fetch_add(&s->count[op][err < ERRNO_SLOTS ? err :
					 ERRNO_SLOTS - 1], 1,
			   __ATOMIC_RELAXED);
	if (!err || tolerated(op, err))
		return true;
	n = __atomic_fetch_add(&s->failures, 1, __ATOMIC_RELAXED);
	if (n < MAX_FAIL_MSGS)
		ksft_print_msg("FAIL %s (%s): %s (%d), 0x%llx 0x%llx\n",
			       op_names[op], what,
			       errno_name(err) ?: "?", err,
			       (unsigned long long)a, (unsigned long long)b);
	return false;
}

/*
 * Called once per round of a thread's loop: whether to stop. Each thread
 * runs at least STRESS_MIN_ROUNDS rounds; after that it stops once the
 * threads have run s->rounds in all, or once failures pile up (the counts
 * say enough then).
 */
static bool stopping(struct stress *s)
{
	static __thread unsigned long mine;
	unsigned long done;

	if (__atomic_load_n(&s->failures, __ATOMIC_RELAXED) +
		    __atomic_load_n(&s->mismatches, __ATOMIC_RELAXED) >=
	    MAX_FAIL_MSGS)
		return true;
	done = __atomic_add_fetch(&s->rounds_done, 1, __ATOMIC_RELAXED);
	return ++mine > STRESS_MIN_ROUNDS && done > s->rounds;
}

/* xorshift64*, one state per thread */
static __u64 rnd(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(__u64 *state, unsigned int n)
{
	return (unsigned int)(rnd(state) % n);
}

static unsigned long stress_rounds(void)
{
	const char *env = getenv("IOMMUFD_STRESS_ROUNDS");
	unsigned long val = STRESS_ROUNDS;
	char *end;

	if (env && *env) {
		val = strtoul(env, &end, 10);
		if (*end || !val) {
			ksft_print_msg("ignoring IOMMUFD_STRESS_ROUNDS=%s\n",
				       env);
			val = STRESS_ROUNDS;
		}
	}
	if (val > STRESS_MAX_ROUNDS) {
		ksft_print_msg("running %lu rounds, not %lu\n",
			       STRESS_MAX_ROUNDS, val);
		val = STRESS_MAX_ROUNDS;
	}
	return val;
}

static void short_pause(__u64 *state)
{
	struct timespec ts = {
		.tv_nsec = 1000 * (long)rnd_below(state, 200),
	};

	nanosleep(&ts, NULL);
}

/* === The threads === */

/* Buffer address behind @iova in either IOAS */
static char *va_of(struct stress *s, __u64 iova)
{
	return s->buf + (iova - IOVA_BASE);
}

static void *mapper_thread(void *arg)
{
	struct stress *s = arg;
	bool mapped[NIOAS][NSLOTS];
	__u64 st = 0x9e3779b97f4a7c15ULL;
	unsigned int j, k;
	int ret;

	/* The setup mapped every slot */
	memset(mapped, 1, sizeof(mapped));
	while (!stopping(s)) {
		j = rnd_below(&st, NIOAS);
		k = rnd_below(&st, NSLOTS);
		if (!rnd_below(&st, 64)) {
			ret = ioas_unmap(s->fd, s->ioas[j], 0, UINT64_MAX,
					 NULL);
			if (account(s, OP_UNMAP_ALL, ret, "all", j, 0))
				for (k = 0; k != NSLOTS; k++)
					mapped[j][k] = false;
			continue;
		}
		if (!mapped[j][k]) {
			ret = ioas_map_fixed(s->fd, s->ioas[j],
					     va_of(s, slot_iova(k)),
					     slot_pages(k) * PAGE_SZ,
					     slot_iova(k));
			account(s, OP_MAP, ret, "slot", j, slot_iova(k));
			if (!ret || ret == -EEXIST)
				mapped[j][k] = true;
		} else {
			ret = ioas_unmap(s->fd, s->ioas[j], slot_iova(k),
					 slot_pages(k) * PAGE_SZ, NULL);
			account(s, OP_UNMAP, ret, "slot", j, slot_iova(k));
			if (!ret || ret == -ENOENT)
				mapped[j][k] = false;
		}
		if (!rnd_below(&st, 4))
			short_pause(&st);
	}
	return NULL;
}

/* A random page-aligned range of up to @max_pages inside the slots */
static void pick_pin_range(__u64 *st, unsigned int max_pages, __u64 *iova,
			   __u64 *length)
{
	unsigned int page = rnd_below(st, TOTAL_PAGES);
	unsigned int npages = 1 + rnd_below(st, max_pages);

	if (npages > TOTAL_PAGES - page)
		npages = TOTAL_PAGES - page;
	*iova = IOVA_BASE + (__u64)page * PAGE_SZ;
	*length = (__u64)npages * PAGE_SZ;
	/* Sometimes end inside the last page */
	if (!rnd_below(st, 4))
		*length -= rnd_below(st, PAGE_SZ);
}

static void *pinner_thread(void *arg)
{
	struct stress *s = arg;
	__u32 items[2][MAX_ITEMS];
	unsigned int nitems[2] = {};
	__u64 st = 0xc2b2ae3d27d4eb4fULL;
	__u64 iova, length;
	unsigned int a, i;
	__u32 flags, id;
	int ret;

	while (!stopping(s)) {
		a = rnd_below(&st, 2);
		if (nitems[a] == MAX_ITEMS ||
		    (nitems[a] && !rnd_below(&st, 3))) {
			i = rnd_below(&st, nitems[a]);
			ret = access_unpin(s->fd, s->afd[a], items[a][i]);
			account(s, OP_UNPIN, ret, "item", a, items[a][i]);
			items[a][i] = items[a][--nitems[a]];
			continue;
		}
		pick_pin_range(&st, 6, &iova, &length);
		flags = rnd_below(&st, 2) ? MOCK_FLAGS_ACCESS_WRITE : 0;
		ret = access_pin(s->fd, s->afd[a], flags, iova, length,
				 va_of(s, iova), &id);
		if (account(s, OP_PIN, ret, "range", iova, length) && !ret)
			items[a][nitems[a]++] = id;
	}
	return NULL;
}

static void *copier_thread(void *arg)
{
	size_t total = TOTAL_PAGES * PAGE_SZ, off, len, i;
	struct stress *s = arg;
	__u64 st = 0x165667b19e3779f9ULL;
	unsigned char *tmp;
	unsigned long n;
	__u32 flags;
	int ret, a;

	tmp = malloc(2 * PAGE_SZ);
	if (!tmp) {
		__atomic_fetch_add(&s->failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!stopping(s)) {
		a = rnd_below(&st, NACCESS);
		off = rnd_below(&st, total);
		len = 1 + rnd_below(&st, 2 * PAGE_SZ);
		if (len > total - off)
			len = total - off;
		flags = rnd_below(&st, 2) ? MOCK_ACCESS_RW_SLOW_PATH : 0;

		if (rnd_below(&st, 2)) {
			for (i = 0; i != len; i++)
				tmp[i] = (unsigned char)rnd(&st);
			ret = access_rw(s->fd, s->afd[a], IOVA_BASE + off, tmp,
					len, flags | MOCK_ACCESS_RW_WRITE);
			if (!account(s, OP_RW_WRITE, ret, "range", off, len) ||
			    ret || !memcmp(s->buf + off, tmp, len))
				continue;
		} else {
			ret = access_rw(s->fd, s->afd[a], IOVA_BASE + off, tmp,
					len, flags);
			if (!account(s, OP_RW_READ, ret, "range", off, len) ||
			    ret || !memcmp(s->buf + off, tmp, len))
				continue;
		}
		n = __atomic_fetch_add(&s->mismatches, 1, __ATOMIC_RELAXED);
		if (n < MAX_FAIL_MSGS)
			ksft_print_msg("FAIL rw data mismatch: access %d offset 0x%zx length 0x%zx flags 0x%x\n",
				       a, off, len, flags);
	}
	free(tmp);
	return NULL;
}

static void *replacer_thread(void *arg)
{
	static const int moving[] = { 0, 2 };
	struct stress *s = arg;
	__u64 st = 0x27d4eb2f165667c5ULL;
	unsigned int i, j;
	int ret;

	while (!stopping(s)) {
		for (i = 0; i != ARRAY_SIZE(moving); i++) {
			j = rnd_below(&st, NIOAS);
			ret = access_replace(s->fd, s->afd[moving[i]],
					     s->ioas[j]);
			account(s, OP_REPLACE, ret, "to", moving[i], j);
		}
		if (rnd_below(&st, 4))
			short_pause(&st);
	}
	return NULL;
}

/* Accesses that live a moment, racing their destruction with the rest */
static void *churner_thread(void *arg)
{
	struct stress *s = arg;
	__u64 st = 0x85ebca77c2b2ae63ULL;
	__u64 iova, length;
	unsigned int j, n;
	unsigned char tmp[64];
	__u32 flags, id;
	int afd, ret;

	while (!stopping(s)) {
		j = rnd_below(&st, NIOAS);
		flags = rnd_below(&st, 4) ? PIN_ACCESS : 0;
		ret = access_create(s->fd, s->ioas[j], flags, &afd);
		if (!account(s, OP_CREATE, ret, "on", j, flags) || ret)
			continue;

		for (n = rnd_below(&st, 4); flags && n; n--) {
			pick_pin_range(&st, 4, &iova, &length);
			ret = access_pin(s->fd, afd, 0, iova, length,
					 va_of(s, iova), &id);
			account(s, OP_CHURN_PIN, ret, "range", iova, length);
		}
		iova = IOVA_BASE + rnd_below(&st, TOTAL_PAGES * PAGE_SZ -
						       sizeof(tmp));
		ret = access_rw(s->fd, afd, iova, tmp, sizeof(tmp),
				rnd_below(&st, 2) ? MOCK_ACCESS_RW_SLOW_PATH :
						    0);
		account(s, OP_CHURN_RW, ret, "at", iova, sizeof(tmp));

		if (rnd_below(&st, 2)) {
			ret = access_replace(s->fd, afd, s->ioas[!j]);
			account(s, OP_CHURN_REPLACE, ret, "to", !j, 0);
			if (flags) {
				pick_pin_range(&st, 4, &iova, &length);
				ret = access_pin(s->fd, afd,
						 MOCK_FLAGS_ACCESS_WRITE, iova,
						 length, va_of(s, iova), &id);
				account(s, OP_CHURN_PIN, ret, "range", iova,
					length);
			}
		}
		/* Destroys the access, with whatever it still has pinned */
		close(afd);
	}
	return NULL;
}

static void *domain_thread(void *arg)
{
	struct stress *s = arg;
	__u64 st = 0xd6e8feb86659fd93ULL;
	__u32 stdev_id;
	int ret;

	while (!stopping(s)) {
		ret = mock_domain(s->fd, s->ioas[0], &stdev_id, NULL, NULL);
		if (!account(s, OP_DOMAIN_ATTACH, ret, "ioas", s->ioas[0], 0) ||
		    ret) {
			short_pause(&st);
			continue;
		}
		short_pause(&st);
		ret = obj_destroy(s->fd, stdev_id);
		account(s, OP_DOMAIN_DESTROY, ret, "stdev", stdev_id, 0);
	}
	return NULL;
}

static const struct {
	const char *name;
	void *(*fn)(void *arg);
} stress_threads[] = {
	{ "mapper", mapper_thread },
	{ "pinner", pinner_thread },
	{ "copier", copier_thread },
	{ "replacer", replacer_thread },
	{ "churner", churner_thread },
	{ "domain", domain_thread },
};

#define NTHREADS ARRAY_SIZE(stress_threads)

static void print_counts(struct stress *s)
{
	char line[512];
	unsigned int op, e;
	size_t len;

	for (op = 0; op != NR_OPS; op++) {
		len = snprintf(line, sizeof(line), "%-15s", op_names[op]);
		for (e = 0; e != ERRNO_SLOTS && len < sizeof(line); e++) {
			const char *name = errno_name(e);

			if (!s->count[op][e])
				continue;
			if (name)
				len += snprintf(line + len, sizeof(line) - len,
						" %s %lu", name,
						s->count[op][e]);
			else
				len += snprintf(line + len, sizeof(line) - len,
						" errno%u %lu", e,
						s->count[op][e]);
		}
		ksft_print_msg("%s\n", line);
	}
}

/* === The test === */

FIXTURE(stress) {
	struct stress *s;
	void *raw;
	size_t raw_size;
	long vmpin0;
	int warned0;
};

FIXTURE_SETUP(stress)
{
	struct stress *s;
	unsigned int i, j, k;

	self->vmpin0 = proc_status_kb("VmPin");
	self->warned0 = taint_warn();
	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	self->s = s;
	for (i = 0; i != NACCESS; i++)
		s->afd[i] = -1;

	s->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, s->fd);

	/* Small pages, written: see MD_CHECK_REFS */
	s->buf_size = TOTAL_PAGES * PAGE_SZ;
	s->buf = alloc_touched(s->buf_size, SZ_2M, false, &self->raw,
			       &self->raw_size);
	ASSERT_NE(MAP_FAILED, self->raw);

	for (j = 0; j != NIOAS; j++) {
		ASSERT_EQ(0, ioas_alloc(s->fd, &s->ioas[j]));
		for (k = 0; k != NSLOTS; k++)
			ASSERT_EQ(0, ioas_map_fixed(s->fd, s->ioas[j],
						    va_of(s, slot_iova(k)),
						    slot_pages(k) * PAGE_SZ,
						    slot_iova(k)));
	}
	ASSERT_EQ(0, access_create(s->fd, s->ioas[0], PIN_ACCESS, &s->afd[0]));
	ASSERT_EQ(0, access_create(s->fd, s->ioas[1], PIN_ACCESS, &s->afd[1]));
	ASSERT_EQ(0, access_create(s->fd, s->ioas[0], 0, &s->afd[2]));
}

FIXTURE_TEARDOWN(stress)
{
	struct stress *s = self->s;
	unsigned int i;
	int fd;

	if (!s)
		return;
	for (i = 0; i != NACCESS; i++)
		if (s->afd[i] >= 0)
			close(s->afd[i]);
	if (s->fd >= 0)
		close(s->fd);

	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd >= 0 && s->buf) {
		EXPECT_EQ(0, md_check_refs(fd, s->buf, s->buf_size, 0));
		close(fd);
	}
	EXPECT_EQ(self->vmpin0, proc_status_kb("VmPin"));
	/* EDEADLOCK and refcount slips WARN */
	if (!self->warned0)
		EXPECT_EQ(0, taint_warn());
	if (self->raw && self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_size);
	free(s);
}

TEST_F_TIMEOUT(stress, access_races, STRESS_TIMEOUT)
{
	struct stress *s = self->s;
	bool started[NTHREADS] = {};
	pthread_t th[NTHREADS];
	struct timespec t0, t1;
	unsigned int i;
	__u32 item;

	s->rounds = stress_rounds();
	ksft_print_msg("%zu threads for %lu rounds\n", NTHREADS, s->rounds);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (i = 0; i != NTHREADS; i++) {
		started[i] = !pthread_create(&th[i], NULL, stress_threads[i].fn,
					     s);
		EXPECT_TRUE(started[i])
			TH_LOG("cannot start the %s thread",
			       stress_threads[i].name);
	}
	/* Each thread stops on its own, see stopping() */
	for (i = 0; i != NTHREADS; i++)
		if (started[i])
			pthread_join(th[i], NULL);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("%lu rounds in %ld s (timeout %d s)\n",
		       s->rounds_done, (long)(t1.tv_sec - t0.tv_sec),
		       STRESS_TIMEOUT);
	print_counts(s);
	EXPECT_EQ(0UL, s->failures);
	EXPECT_EQ(0UL, s->mismatches);
	/* Every kind of operation got through at least once */
	EXPECT_NE(0UL, s->count[OP_MAP][0]);
	EXPECT_NE(0UL, s->count[OP_UNMAP][0]);
	EXPECT_NE(0UL, s->count[OP_PIN][0]);
	EXPECT_NE(0UL, s->count[OP_RW_READ][0]);
	EXPECT_NE(0UL, s->count[OP_RW_WRITE][0]);
	EXPECT_NE(0UL, s->count[OP_REPLACE][0]);
	EXPECT_NE(0UL, s->count[OP_CREATE][0]);
	EXPECT_NE(0UL, s->count[OP_DOMAIN_ATTACH][0]);

	/*
	 * With the long-lived accesses still open and holding whatever they
	 * pinned last, everything must unmap: their callbacks drop the pins.
	 * A pin the kernel lost track of would show up here as EDEADLOCK.
	 */
	for (i = 0; i != NIOAS; i++)
		EXPECT_EQ(0, ioas_unmap(s->fd, s->ioas[i], 0, UINT64_MAX,
					NULL));
	EXPECT_EQ(0, md_check_refs(s->fd, s->buf, s->buf_size, 0));
	EXPECT_EQ(-ENOENT, access_pin(s->fd, s->afd[0], 0, IOVA_BASE,
				      PAGE_SZ, NULL, &item));

	for (i = 0; i != NACCESS; i++) {
		close(s->afd[i]);
		s->afd[i] = -1;
	}
	for (i = 0; i != NIOAS; i++)
		EXPECT_EQ(0, obj_destroy(s->fd, s->ioas[i]));
	close(s->fd);
	s->fd = -1;
}

TEST_HARNESS_MAIN
