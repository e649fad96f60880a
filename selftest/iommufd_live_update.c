// SPDX-License-Identifier: GPL-2.0
/*
 * Live update of a VMM, the way QEMU's cpr-transfer does it: the running
 * VMM ("old", O) starts its successor ("new", N) by executing itself
 * again, hands it the /dev/iommu file descriptor and the memfd that holds
 * guest memory over a UNIX socket, and N takes over the DMA mappings with
 * IOMMU_IOAS_CHANGE_PROCESS while the device keeps running. Then O exits
 * and N carries on alone.
 *
 * Here the test process forks O; O sets up an iommufd context with two
 * IOASes, a mock domain on each, and memfd mappings (IOMMU_IOAS_MAP_FILE
 * at a fixed and at an automatic IOVA, and an IOMMU_IOAS_COPY of one into
 * the second IOAS); O then forks and executes this program again with
 * NEW_ARG, which main() recognises before the harness sees it. Everything
 * else O has is close-on-exec, so N only gets what is passed with
 * SCM_RIGHTS. O and N report through their exit statuses, which the test
 * process collects: it is made a child subreaper so that N, orphaned when
 * O exits, becomes its child.
 *
 * What is checked on the way:
 *   - the device side never changes: MD_CHECK_MAP of every mapping in both
 *     domains against the process's own mmap of the memfd, one pin per page
 *     (MD_CHECK_REFS), and the memory contents through an in-kernel access
 *     (ACCESS_RW) once O is gone, writes included;
 *   - the accounting moves: VmPin (the mm's pinned_vm) leaves O and
 *     arrives at N, and with per-process accounting (RLIMIT_MODE 1) so does
 *     VmLck; after N's teardown nothing is left pinned or charged.
 *
 * For the accounting to show, O and N run as user "nobody" without
 * CAP_IPC_LOCK, whose holders are not charged at all; so every test needs
 * root to start with. With per-user accounting O and N are the same user,
 * so the user's locked_vm stays where it is, and CHANGE_PROCESS cannot
 * fail for lack of RLIMIT_MEMLOCK.
 */
#include "iommufd_utils.h"
#include "live_update_utils.h"

#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define NEW_ARG "--live-update-new"

#define NOBODY 65534

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))

/* Guest memory: a memfd of MEM_LEN, mapped in two halves */
#define MEM_LEN SZ_4M
#define HALF_LEN SZ_2M
/* Pinned by the memfd mappings, in kB as in /proc/self/status */
#define MEM_KB ((long)(MEM_LEN / 1024))

/* Some user memory mapped with IOMMU_IOAS_MAP, for USER_VA */
#define USER_LEN (64UL * 1024)
#define USER_KB ((long)(USER_LEN / 1024))

/* RLIMIT_MEMLOCK of O, and so of N: room for all of it */
#define MEMLOCK_LIMIT (16 * SZ_1M)

/*
 * IOVAs, inside the mock aperture. IOAS A maps the first half of the
 * memfd at IOVA_A and the second half at an IOVA of the kernel's choice;
 * IOAS B has a COPY of the first at IOVA_B. USER_VA puts user memory at
 * IOVA_C of A, and a COPY of it at IOVA_C of B; N maps more at IOVA_C
 * of B later.
 */
#define IOVA_A MOCK_APERTURE_START
#define IOVA_B (MOCK_APERTURE_START + 0x10000000ULL)
#define IOVA_C (MOCK_APERTURE_START + 0x20000000ULL)

/* What each test does besides the handover itself */
enum lu_scenario {
	/* N takes over, O exits, N carries on and tears down */
	LU_HANDOVER,
	/*
	 * O has a user memory mapping (IOMMU_IOAS_MAP) and a COPY of it
	 * too: N's CHANGE_PROCESS fails with EINVAL until O has unmapped
	 * both, then it is a handover
	 */
	LU_USER_VA,
	/*
	 * Per-process accounting: N's RLIMIT_MEMLOCK is one page short, so
	 * its CHANGE_PROCESS fails with ENOMEM; O keeps everything and
	 * tears down
	 */
	LU_RLIMIT,
};

/* What O tells N along with the two file descriptors */
struct lu_setup {
	__u32 scenario;
	__u32 mm_mode;		/* RLIMIT_MODE of the context */
	__u32 ioas[2];		/* A and B */
	__u32 hwpt[2];		/* their mock domains */
	__u64 iova_auto;	/* where A maps the second half */
};

/*
 * The steps O and N tell each other about, after the setup message: N
 * sends LU_STEP_TRIED with the result of each CHANGE_PROCESS it tries, and
 * O answers LU_STEP_NEXT when N should go on. Neither waits for anything
 * else but the other's exit, which closes its end of the socket.
 */
enum lu_step {
	LU_STEP_TRIED = 1,
	LU_STEP_NEXT,
};

struct lu_msg {
	__u32 step;
	__s32 ret;
};

/* === Process state === */

/*
 * Become user and group "nobody" with no capabilities, CAP_IPC_LOCK in
 * particular. File descriptors and mappings made before stay usable.
 */
static bool become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return false;
	/*
	 * Changing the credentials made the process undumpable, which gives
	 * /proc/self to root; make it ours again.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return false;
	return proc_status_cap_eff() == 0;
}

static bool set_memlock(rlim_t cur, rlim_t max)
{
	struct rlimit rl = { .rlim_cur = cur, .rlim_max = max };

	return !setrlimit(RLIMIT_MEMLOCK, &rl);
}

/* Whether any fd of this process is /dev/iommu or a memfd */
static bool have_iommufd_or_memfd(void)
{
	char path[PATH_MAX], target[PATH_MAX];
	bool found = false;
	struct dirent *ent;
	DIR *dir;
	ssize_t n;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return true;	/* cannot tell: fail the check */
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", ent->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, IOMMUFD_DEV) ||
		    !strncmp(target, "/memfd:", 7))
			found = true;
	}
	closedir(dir);
	return found;
}

/* === Memory === */

/* The word at byte @off of guest memory */
static __u32 mem_word(size_t off)
{
	return (__u32)off ^ 0x5aa5c33cU;
}

static void mem_fill(char *mem)
{
	size_t off;

	for (off = 0; off < MEM_LEN; off += sizeof(__u32))
		*(__u32 *)(mem + off) = mem_word(off);
}

/* The first byte of @len at @p that is not guest memory from @off, or @len */
static size_t mem_mismatch(const char *p, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i != len; i++) {
		__u32 word = mem_word((off + i) & ~(size_t)3);

		if ((unsigned char)p[i] !=
		    ((const unsigned char *)&word)[(off + i) & 3])
			return i;
	}
	return len;
}

/* === Messages between O and N === */

static int lu_send(int sock, __u32 step, int ret)
{
	struct lu_msg msg = { .step = step, .ret = ret };

	if (send(sock, &msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg))
		return -1;
	return 0;
}

/* The next message, which must be @step; its ret in *ret */
static void lu_recv(struct __test_metadata *_metadata, int sock, __u32 step,
		    int *ret)
{
	struct lu_msg msg;

	ASSERT_EQ((ssize_t)sizeof(msg), recv(sock, &msg, sizeof(msg), 0)) {
		TH_LOG("the other process went away before step %u", step);
	}
	ASSERT_EQ(step, msg.step);
	*ret = msg.ret;
}

/* The other process has closed its end: it has exited */
static void lu_recv_eof(struct __test_metadata *_metadata, int sock)
{
	struct lu_msg msg;

	ASSERT_EQ(0, recv(sock, &msg, sizeof(msg), 0));
}

static int lu_send_setup(int sock, const struct lu_setup *setup, int fd,
			 int mfd)
{
	int fds[2] = { fd, mfd };

	return fds_send(sock, setup, sizeof(*setup), fds, 2);
}

static void lu_recv_setup(struct __test_metadata *_metadata, int sock,
			  struct lu_setup *setup, int *fd, int *mfd)
{
	int fds[2];

	ASSERT_EQ(0, fds_recv(sock, setup, sizeof(*setup), fds, 2));
	*fd = fds[0];
	*mfd = fds[1];
}

/* === Checks both processes make === */

/* What O and N each have of the shared state */
struct lu_proc {
	int fd;			/* the iommufd context */
	int mfd;		/* the memfd */
	char *mem;		/* this process's own mmap of the memfd */
	struct lu_setup setup;
	long pin0, lck0;	/* VmPin and VmLck (kB) with nothing pinned */
};

/* This process's VmPin is @pin kB above its baseline, and VmLck @lck */
static void expect_charged(struct __test_metadata *_metadata,
			   const struct lu_proc *p, long pin, long lck)
{
	EXPECT_EQ(p->pin0 + pin, proc_status_kb("VmPin"));
	EXPECT_EQ(p->lck0 + lck, proc_status_kb("VmLck"));
}

/*
 * What the process must be charged when it owns @kb of pins: VmPin always
 * grows, VmLck with per-process accounting only
 */
static void expect_owner_of(struct __test_metadata *_metadata,
			    const struct lu_proc *p, long kb)
{
	expect_charged(_metadata, p, kb, p->setup.mm_mode ? kb : 0);
}

/*
 * The memfd mappings as O made them, checked against this process's own
 * mmap of the memfd: both halves in A's domain, the first in B's too, and
 * every page pinned exactly once. (Not twice either: that also shows the
 * pages are small, as MD_CHECK_REFS passes over huge ones.)
 */
static void expect_mem_mapped(struct __test_metadata *_metadata,
			      const struct lu_proc *p)
{
	const struct lu_setup *setup = &p->setup;

	EXPECT_EQ(0, md_check_map(p->fd, setup->hwpt[0], IOVA_A, HALF_LEN,
				  p->mem));
	EXPECT_EQ(0, md_check_map(p->fd, setup->hwpt[0], setup->iova_auto,
				  HALF_LEN, p->mem + HALF_LEN));
	EXPECT_EQ(0, md_check_map(p->fd, setup->hwpt[1], IOVA_B, HALF_LEN,
				  p->mem));
	EXPECT_EQ(0, md_check_refs(p->fd, p->mem, MEM_LEN, 1));
	EXPECT_EQ(-EIO, md_check_refs(p->fd, p->mem, MEM_LEN, 2));
}

/* No page of the memfd is pinned */
static void expect_mem_unpinned(struct __test_metadata *_metadata,
				const struct lu_proc *p)
{
	EXPECT_EQ(0, md_check_refs(p->fd, p->mem, MEM_LEN, 0));
	EXPECT_EQ(-EIO, md_check_refs(p->fd, p->mem, MEM_LEN, 1));
}

/* O's user memory @buf at IOVA_C of A (@in_a) and of B (@in_b) */
static void expect_user_mapped(struct __test_metadata *_metadata,
			       const struct lu_proc *p, const char *buf,
			       bool in_a, bool in_b)
{
	EXPECT_EQ(in_a ? 0 : -EINVAL, md_check_map(p->fd, p->setup.hwpt[0],
						   IOVA_C, USER_LEN, buf));
	EXPECT_EQ(in_b ? 0 : -EINVAL, md_check_map(p->fd, p->setup.hwpt[1],
						   IOVA_C, USER_LEN, buf));
	EXPECT_EQ(0, md_check_refs(p->fd, buf, USER_LEN, in_a || in_b));
}

/* Map the memfd shared, as both processes do */
static char *mem_mmap(int mfd)
{
	void *mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 mfd, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

/* === The new process === */

/*
 * N alone, after O has exited: the device still reaches guest memory
 * through both IOASes, for reading and for writing, with nothing remapped
 * or re-pinned, and a new mapping is charged to N.
 */
static void new_use_alone(struct __test_metadata *_metadata,
			  struct lu_proc *p)
{
	size_t off_a = PAGE_SZ - 100, off_b = 5 * PAGE_SZ + 7;
	size_t off_auto = 0x1234, len = 3 * PAGE_SZ + 200;
	const struct lu_setup *setup = &p->setup;
	int access_a, access_b;
	__u64 iova = IOVA_C;
	char *buf;

	expect_mem_mapped(_metadata, p);
	expect_owner_of(_metadata, p, MEM_KB);
	EXPECT_EQ(MEM_LEN, mem_mismatch(p->mem, 0, MEM_LEN));

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, access_create(p->fd, setup->ioas[0], 0, &access_a));
	ASSERT_EQ(0, access_create(p->fd, setup->ioas[1], 0, &access_b));

	/* Device reads across page boundaries, both ways of ACCESS_RW */
	memset(buf, 0, len);
	ASSERT_EQ(0, access_rw(p->fd, access_a, IOVA_A + off_a, buf, len, 0));
	EXPECT_EQ(len, mem_mismatch(buf, off_a, len));
	memset(buf, 0, len);
	ASSERT_EQ(0, access_rw(p->fd, access_a, setup->iova_auto + off_auto,
			       buf, len, MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_EQ(len, mem_mismatch(buf, HALF_LEN + off_auto, len));
	memset(buf, 0, len);
	ASSERT_EQ(0, access_rw(p->fd, access_b, IOVA_B + off_b, buf, len, 0));
	EXPECT_EQ(len, mem_mismatch(buf, off_b, len));

	/* Device writes land in the memfd, exactly there */
	memset(buf, 0xe7, len);
	ASSERT_EQ(0, access_rw(p->fd, access_a, setup->iova_auto + off_auto,
			       buf, len, MOCK_ACCESS_RW_WRITE));
	EXPECT_EQ(0, memcmp(p->mem + HALF_LEN + off_auto, buf, len));
	EXPECT_EQ(off_auto, mem_mismatch(p->mem + HALF_LEN, HALF_LEN,
					 off_auto));
	EXPECT_EQ(HALF_LEN - off_auto - len,
		  mem_mismatch(p->mem + HALF_LEN + off_auto + len,
			       HALF_LEN + off_auto + len,
			       HALF_LEN - off_auto - len));
	memset(buf, 0x3c, len);
	ASSERT_EQ(0, access_rw(p->fd, access_b, IOVA_B + off_b, buf, len,
			       MOCK_ACCESS_RW_WRITE |
				       MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_EQ(0, memcmp(p->mem + off_b, buf, len));
	/* B's copy and A share the pages */
	memset(buf, 0, len);
	ASSERT_EQ(0, access_rw(p->fd, access_a, IOVA_A + off_b, buf, len, 0));
	EXPECT_EQ(0x3c, buf[0]);
	EXPECT_EQ(0x3c, buf[len - 1]);
	close(access_a);
	close(access_b);
	free(buf);
	expect_mem_mapped(_metadata, p);
	expect_owner_of(_metadata, p, MEM_KB);

	/* A new mapping is N's: another page set, pinned and charged */
	ASSERT_EQ(0, ioas_map_file(p->fd, setup->ioas[1], MAP_FIXED_RW,
				   p->mfd, 0, SZ_1M, &iova));
	EXPECT_EQ(IOVA_C, iova);
	EXPECT_EQ(0, md_check_map(p->fd, setup->hwpt[1], IOVA_C, SZ_1M,
				  p->mem));
	EXPECT_EQ(0, md_check_refs(p->fd, p->mem, SZ_1M, 2));
	EXPECT_EQ(0, md_check_refs(p->fd, p->mem + SZ_1M, MEM_LEN - SZ_1M, 1));
	expect_owner_of(_metadata, p, MEM_KB + 1024);
	EXPECT_UNMAP_EXACT(p->fd, setup->ioas[1], IOVA_C, SZ_1M);
	expect_mem_mapped(_metadata, p);
	expect_owner_of(_metadata, p, MEM_KB);
}

/* Not inlined: its locals are dead once an ASSERT jumps out of it */
static void __attribute__((noinline))
new_process(struct __test_metadata *_metadata, int sock)
{
	struct lu_proc p = { .fd = -1, .mfd = -1 };
	unsigned int i;
	int ret;

	/* Not exempt from accounting, or the test would show nothing */
	ASSERT_EQ((uid_t)NOBODY, geteuid());
	ASSERT_EQ(0ULL, proc_status_cap_eff());
	/* Only SCM_RIGHTS brings the context and the memory */
	EXPECT_FALSE(have_iommufd_or_memfd());
	p.pin0 = proc_status_kb("VmPin");
	p.lck0 = proc_status_kb("VmLck");
	/* A new process has nothing pinned */
	ASSERT_EQ(0, p.pin0);
	ASSERT_LE(0, p.lck0);

	lu_recv_setup(_metadata, sock, &p.setup, &p.fd, &p.mfd);
	p.mem = mem_mmap(p.mfd);
	ASSERT_NE(NULL, p.mem);
	EXPECT_EQ(MEM_LEN, mem_mismatch(p.mem, 0, MEM_LEN));
	/* N sees the device side as it is, and is charged nothing yet */
	expect_mem_mapped(_metadata, &p);
	expect_charged(_metadata, &p, 0, 0);

	if (p.setup.scenario == LU_USER_VA) {
		/* O unmaps the user memory from A, then the copy in B */
		for (i = 0; i != 2; i++) {
			ret = ioas_change_process(p.fd);
			EXPECT_EQ(-EINVAL, ret);
			expect_mem_mapped(_metadata, &p);
			expect_charged(_metadata, &p, 0, 0);
			ASSERT_EQ(0, lu_send(sock, LU_STEP_TRIED, ret));
			lu_recv(_metadata, sock, LU_STEP_NEXT, &ret);
		}
	}

	if (p.setup.scenario == LU_RLIMIT) {
		ASSERT_EQ(1U, p.setup.mm_mode);
		ASSERT_TRUE(set_memlock(MEM_LEN - PAGE_SZ, MEM_LEN - PAGE_SZ));
		ret = ioas_change_process(p.fd);
		EXPECT_EQ(-ENOMEM, ret);
		expect_mem_mapped(_metadata, &p);
		expect_charged(_metadata, &p, 0, 0);
		ASSERT_EQ(0, lu_send(sock, LU_STEP_TRIED, ret));

		/* O has checked, taken it back, and unmapped everything */
		lu_recv(_metadata, sock, LU_STEP_NEXT, &ret);
		expect_mem_unpinned(_metadata, &p);
		EXPECT_EQ(0, ioas_change_process(p.fd));
		expect_charged(_metadata, &p, 0, 0);
		lu_recv_eof(_metadata, sock);
		goto out;
	}

	/*
	 * Per user, O and N are the same user, which is charged already:
	 * even an RLIMIT_MEMLOCK of 0 must not stop the handover.
	 */
	if (!p.setup.mm_mode)
		ASSERT_TRUE(set_memlock(0, MEMLOCK_LIMIT));
	ret = ioas_change_process(p.fd);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(set_memlock(MEMLOCK_LIMIT, MEMLOCK_LIMIT));
	expect_mem_mapped(_metadata, &p);
	expect_owner_of(_metadata, &p, MEM_KB);
	/* Again: N is the owner already, nothing moves */
	EXPECT_EQ(0, ioas_change_process(p.fd));
	expect_owner_of(_metadata, &p, MEM_KB);
	ASSERT_EQ(0, lu_send(sock, LU_STEP_TRIED, ret));

	/* O checks that it was uncharged, and exits */
	lu_recv_eof(_metadata, sock);
	new_use_alone(_metadata, &p);

	EXPECT_UNMAP_ALL(p.fd, p.setup.ioas[0], MEM_LEN);
	EXPECT_UNMAP_ALL(p.fd, p.setup.ioas[1], HALF_LEN);
	expect_mem_unpinned(_metadata, &p);
	expect_charged(_metadata, &p, 0, 0);
out:
	munmap(p.mem, MEM_LEN);
	close(p.mfd);
	close(p.fd);
	close(sock);
}

/* === The old process === */

/*
 * O: set everything up, start N, hand it over and check the accounting
 * on O's side; the pid of N goes to @report_fd.
 */
static void old_process(struct __test_metadata *_metadata, bool mm_mode,
			enum lu_scenario scenario, int report_fd)
{
	struct lu_proc p = { .fd = -1, .mfd = -1 };
	struct lu_setup *setup = &p.setup;
	char *user = NULL;
	long user_kb = 0;
	size_t raw_size = 0;
	__u64 iova;
	pid_t npid;
	void *raw = NULL;
	int sv[2];
	int ret;

	p.fd = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, p.fd);
	if (mm_mode)
		ASSERT_EQ(0, option_set(p.fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_TRUE(set_memlock(MEMLOCK_LIMIT, MEMLOCK_LIMIT));
	ASSERT_TRUE(become_nobody());

	p.mfd = memfd_create("guest-ram", MFD_CLOEXEC);
	ASSERT_LE(0, p.mfd);
	ASSERT_EQ(0, ftruncate(p.mfd, MEM_LEN));
	p.mem = mem_mmap(p.mfd);
	ASSERT_NE(NULL, p.mem);
	mem_fill(p.mem);
	if (scenario == LU_USER_VA) {
		user = alloc_touched(USER_LEN, PAGE_SZ, false, &raw, &raw_size);
		ASSERT_NE(NULL, user);
	}
	p.pin0 = proc_status_kb("VmPin");
	p.lck0 = proc_status_kb("VmLck");
	ASSERT_LE(0, p.pin0);
	ASSERT_LE(0, p.lck0);
	expect_mem_unpinned(_metadata, &p);

	setup->scenario = scenario;
	setup->mm_mode = mm_mode;
	ASSERT_EQ(0, ioas_alloc(p.fd, &setup->ioas[0]));
	ASSERT_EQ(0, mock_domain(p.fd, setup->ioas[0], NULL, &setup->hwpt[0],
				 NULL));
	ASSERT_EQ(0, ioas_alloc(p.fd, &setup->ioas[1]));
	ASSERT_EQ(0, mock_domain(p.fd, setup->ioas[1], NULL, &setup->hwpt[1],
				 NULL));
	iova = IOVA_A;
	ASSERT_EQ(0, ioas_map_file(p.fd, setup->ioas[0], MAP_FIXED_RW, p.mfd,
				   0, HALF_LEN, &iova));
	ASSERT_EQ(0, ioas_map_file(p.fd, setup->ioas[0], MAP_RW, p.mfd,
				   HALF_LEN, HALF_LEN, &setup->iova_auto));
	/* Aligned as the offset in the file is */
	EXPECT_EQ(0ULL, setup->iova_auto % HALF_LEN);
	ASSERT_EQ(0, ioas_copy_fixed(p.fd, setup->ioas[1], IOVA_B,
				     setup->ioas[0], IOVA_A, HALF_LEN));
	expect_mem_mapped(_metadata, &p);
	if (user) {
		ASSERT_EQ(0, ioas_map_fixed(p.fd, setup->ioas[0], user,
					    USER_LEN, IOVA_C));
		ASSERT_EQ(0, ioas_copy_fixed(p.fd, setup->ioas[1], IOVA_C,
					     setup->ioas[0], IOVA_C,
					     USER_LEN));
		expect_user_mapped(_metadata, &p, user, true, true);
		user_kb = USER_KB;
	}
	expect_owner_of(_metadata, &p, MEM_KB + user_kb);

	/* N gets one end of the socket, and nothing else */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	npid = lu_exec_new(NEW_ARG, sv[1]);
	ASSERT_LE(0, npid);
	close(sv[1]);
	ASSERT_EQ((ssize_t)sizeof(npid),
		  write(report_fd, &npid, sizeof(npid)));
	ASSERT_EQ(0, lu_send_setup(sv[0], setup, p.fd, p.mfd));

	if (user) {
		/* Not while user memory is mapped, even only through a COPY */
		lu_recv(_metadata, sv[0], LU_STEP_TRIED, &ret);
		EXPECT_EQ(-EINVAL, ret);
		expect_mem_mapped(_metadata, &p);
		expect_user_mapped(_metadata, &p, user, true, true);
		expect_owner_of(_metadata, &p, MEM_KB + user_kb);
		EXPECT_UNMAP_EXACT(p.fd, setup->ioas[0], IOVA_C, USER_LEN);
		expect_user_mapped(_metadata, &p, user, false, true);
		expect_owner_of(_metadata, &p, MEM_KB + user_kb);
		ASSERT_EQ(0, lu_send(sv[0], LU_STEP_NEXT, 0));

		lu_recv(_metadata, sv[0], LU_STEP_TRIED, &ret);
		EXPECT_EQ(-EINVAL, ret);
		expect_mem_mapped(_metadata, &p);
		expect_user_mapped(_metadata, &p, user, false, true);
		expect_owner_of(_metadata, &p, MEM_KB + user_kb);
		EXPECT_UNMAP_EXACT(p.fd, setup->ioas[1], IOVA_C, USER_LEN);
		expect_user_mapped(_metadata, &p, user, false, false);
		expect_owner_of(_metadata, &p, MEM_KB);
		ASSERT_EQ(0, lu_send(sv[0], LU_STEP_NEXT, 0));
	}

	lu_recv(_metadata, sv[0], LU_STEP_TRIED, &ret);
	if (scenario == LU_RLIMIT) {
		/* N could not take it: O still has everything */
		EXPECT_EQ(-ENOMEM, ret);
		expect_mem_mapped(_metadata, &p);
		expect_owner_of(_metadata, &p, MEM_KB);
		/* O is the owner: a no-op */
		EXPECT_EQ(0, ioas_change_process(p.fd));
		expect_mem_mapped(_metadata, &p);
		expect_owner_of(_metadata, &p, MEM_KB);
		EXPECT_UNMAP_ALL(p.fd, setup->ioas[0], MEM_LEN);
		EXPECT_UNMAP_ALL(p.fd, setup->ioas[1], HALF_LEN);
		expect_mem_unpinned(_metadata, &p);
		expect_charged(_metadata, &p, 0, 0);
		ASSERT_EQ(0, lu_send(sv[0], LU_STEP_NEXT, 0));
	} else {
		/* N has it all; the device side did not change */
		EXPECT_EQ(0, ret);
		expect_mem_mapped(_metadata, &p);
		expect_charged(_metadata, &p, 0, 0);
	}

	if (user)
		munmap(raw, raw_size);
	munmap(p.mem, MEM_LEN);
	close(p.mfd);
	close(p.fd);
	close(sv[0]);
}

/* === The test process === */

/* Skip unless we can become someone without CAP_IPC_LOCK */
#define REQUIRE_ROOT()							\
	do {								\
		if (geteuid() != 0)					\
			SKIP(return, "needs root to drop privileges");	\
	} while (0)

static void live_update(struct __test_metadata *_metadata, bool mm_mode,
			enum lu_scenario scenario)
{
	pid_t opid, npid = 0;
	int report[2], fd;
	ssize_t n;

	REQUIRE_ROOT();
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	/* Checking no pages at all succeeds */
	if (md_check_refs(fd, NULL, 0, 0) == -ENOTTY) {
		close(fd);
		SKIP(return, "no IOMMU_TEST_CMD in the module");
	}
	close(fd);

	/* N, orphaned when O exits, becomes our child */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
	fflush(NULL);
	opid = fork();
	ASSERT_LE(0, opid);
	if (!opid) {
		close(report[0]);
		old_process(_metadata, mm_mode, scenario, report[1]);
		fflush(NULL);
		_exit(_metadata->passed ? 0 : 1);
	}
	close(report[1]);
	n = read(report[0], &npid, sizeof(npid));
	close(report[0]);

	lu_expect_exit(_metadata, opid, "the old process", 0);
	ASSERT_EQ((ssize_t)sizeof(npid), n) {
		TH_LOG("the old process did not start the new one");
	}
	lu_expect_exit(_metadata, npid, "the new process", 0);
}

FIXTURE(live_update) {};

FIXTURE_VARIANT(live_update) {
	bool mm_mode;	/* IOMMU_OPTION_RLIMIT_MODE 1 */
};

FIXTURE_VARIANT_ADD(live_update, per_user) {
	.mm_mode = false,
};

FIXTURE_VARIANT_ADD(live_update, per_process) {
	.mm_mode = true,
};

FIXTURE_SETUP(live_update)
{
}

FIXTURE_TEARDOWN(live_update)
{
}

/*
 * The handover: N takes over while O still runs, O finds itself
 * uncharged and exits, N keeps using and then tears down the mappings.
 */
TEST_F(live_update, handover)
{
	live_update(_metadata, variant->mm_mode, LU_HANDOVER);
}

/*
 * O also has user memory mapped with IOMMU_IOAS_MAP, which cannot change
 * hands: N's CHANGE_PROCESS fails with EINVAL and changes nothing, as long
 * as that mapping or a COPY of it is left; then the handover works.
 */
TEST_F(live_update, user_va_mapping)
{
	live_update(_metadata, variant->mm_mode, LU_USER_VA);
}

/*
 * Per-process accounting, N's RLIMIT_MEMLOCK a page short of what O has
 * pinned: CHANGE_PROCESS fails with ENOMEM and changes nothing; O keeps
 * the pins, and CHANGE_PROCESS from O is a no-op.
 */
TEST(per_process_rlimit_enomem)
{
	live_update(_metadata, true, LU_RLIMIT);
}

LU_HARNESS_MAIN(NEW_ARG, "live update: new process", new_process)
