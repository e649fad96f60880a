// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs view (debugfs.c): each context's file and the module's
 * totals say what the tests made, pinned and charged, and reading them
 * changes nothing, not even while objects come and go.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "iommufd_utils.h"
#include "vfio_sample_utils.h"

#define DEBUGFS "/sys/kernel/debug"
#define IOMMUFD_DEBUGFS DEBUGFS "/iommufd"
#define CTX_DIR IOMMUFD_DEBUGFS "/ctx"
#define FILE_MAX (1UL << 20)

#define PG 4096UL
#define NPAGES 16UL
#define IOVA (MOCK_APERTURE_START + 0x100000ULL)
#define NOBODY 65534

/* A whole debugfs file, NUL-terminated, with a '\n' in front; or NULL */
static char *read_file(const char *path)
{
	char *buf = malloc(FILE_MAX + 2);
	size_t len = 1;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	buf[0] = '\n';
	while (len < FILE_MAX && (n = read(fd, buf + len, FILE_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return buf;
}

/* Whether @buf has the whole line @fmt... */
static bool __attribute__((format(printf, 2, 3)))
has_line(const char *buf, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	line[0] = '\n';
	va_start(ap, fmt);
	vsnprintf(line + 1, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	return strstr(buf, line);
}

/* How many lines of @buf start with @prefix */
static unsigned int count_lines(const char *buf, const char *prefix)
{
	char key[64];
	unsigned int n = 0;
	const char *p = buf;

	snprintf(key, sizeof(key), "\n%s", prefix);
	while ((p = strstr(p, key))) {
		n++;
		p++;
	}
	return n;
}

/* A value of the totals file, or -1 */
static long total(const char *key)
{
	char *buf = read_file(IOMMUFD_DEBUGFS "/totals"), *p;
	char k[64];
	long v = -1;

	if (!buf)
		return -1;
	snprintf(k, sizeof(k), "\n%s ", key);
	p = strstr(buf, k);
	if (p)
		v = strtol(p + strlen(k), NULL, 10);
	free(buf);
	return v;
}

/*
 * The highest-numbered context file whose pid line is @pid, into @path;
 * contexts are numbered as they are made, so that is the newest one.
 */
static bool find_ctx(pid_t pid, char *path, size_t len)
{
	char want[64], file[PATH_MAX];
	struct dirent *de;
	long best = -1;
	char *buf;
	DIR *d;

	snprintf(want, sizeof(want), "\npid %d comm ", pid);
	d = opendir(CTX_DIR);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		long n;

		if (de->d_name[0] == '.')
			continue;
		n = strtol(de->d_name, NULL, 10);
		if (n <= best)
			continue;
		snprintf(file, sizeof(file), CTX_DIR "/%s", de->d_name);
		buf = read_file(file);
		if (buf && strstr(buf, want))
			best = n;
		free(buf);
	}
	closedir(d);
	if (best < 0)
		return false;
	snprintf(path, len, CTX_DIR "/%ld", best);
	return true;
}

static bool debugfs_ready(void)
{
	if (access(DEBUGFS "/iommufd", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	return !access(CTX_DIR, F_OK);
}

FIXTURE(dbg) {
	int fd;
	__u32 ioas;
	char path[PATH_MAX];
	void *buf;
};

FIXTURE_SETUP(dbg)
{
	self->fd = -1;
	self->buf = NULL;
	if (geteuid())
		SETUP_SKIP("debugfs needs root");
	if (!debugfs_ready())
		SETUP_SKIP("no iommufd debugfs");
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (md_check_refs(self->fd, NULL, 0, 0) == -ENOTTY)
		SETUP_SKIP("no IOMMU_TEST_CMD in the module");
	ASSERT_TRUE(find_ctx(getpid(), self->path, sizeof(self->path)));
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	self->buf = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, NPAGES * PG);
}

/*
 * Everything the file shows: objects with their references, the device
 * on its automatic HWPT, the access and what it pinned, the areas of two
 * IOASes sharing one page set through COPY, pinned once.
 */
TEST_F(dbg, context_file)
{
	__u32 stdev, hwpt, idev, other;
	long pinned0 = total("pinned_pages");
	char want[64], *buf;
	__u64 iova;
	int access_fd, mfd;

	ASSERT_LE(0, pinned0);
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, &stdev, &hwpt, &idev));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf,
				    NPAGES * PG, IOVA));
	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, other, IOVA, self->ioas, IOVA,
				     NPAGES * PG));
	ASSERT_EQ(0, access_create(self->fd, other,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &access_fd));
	ASSERT_EQ(0, access_pin(self->fd, access_fd, 0, IOVA + PG, 2 * PG,
				NULL, NULL));

	buf = read_file(self->path);
	ASSERT_NE(NULL, buf);
	EXPECT_TRUE(has_line(buf, "pid %d comm iommufd_debugfs", getpid()));
	EXPECT_TRUE(has_line(buf, "kind file"));
	/*
	 * The context charges per user, but root has CAP_IPC_LOCK, whose
	 * pins /dev/iommu charges to nobody: the page set says "none".
	 */
	EXPECT_TRUE(has_line(buf, "account user"));
	/* The table's reference, and the HWPT's or the access's */
	EXPECT_TRUE(has_line(buf, "object %u ioas users 2", self->ioas));
	EXPECT_TRUE(has_line(buf, "object %u ioas users 2", other));
	EXPECT_TRUE(has_line(buf, "object %u hwpt users 2", hwpt));
	EXPECT_TRUE(has_line(buf, "object %u device users 2", idev));
	EXPECT_TRUE(has_line(buf, "object %u selftest users 1", stdev));
	/* A mock device's name is the mock bus's, which the test need not know */
	snprintf(want, sizeof(want), "\ndevice %u hwpt %u dev ", idev, hwpt);
	EXPECT_NE(NULL, strstr(buf, want));
	EXPECT_TRUE(has_line(buf, "hwpt %u ioas %u auto 1", hwpt,
			     self->ioas));
	EXPECT_EQ(1U, count_lines(buf, "access "));
	snprintf(want, sizeof(want), " ioas %u pinned 2\n", other);
	EXPECT_NE(NULL, strstr(buf, want));
	EXPECT_TRUE(has_line(buf, "ioas %u domains 1", self->ioas));
	EXPECT_TRUE(has_line(buf, "ioas %u domains 0", other));
	EXPECT_TRUE(has_line(buf, "area %u %llx %llx rw set 0 %lu %lu owner %d account none source user",
			     self->ioas, IOVA, IOVA + NPAGES * PG - 1, NPAGES,
			     NPAGES, getpid()));
	EXPECT_TRUE(has_line(buf, "area %u %llx %llx rw set 0 %lu %lu owner %d account none source user",
			     other, IOVA, IOVA + NPAGES * PG - 1, NPAGES,
			     NPAGES, getpid()));
	EXPECT_TRUE(has_line(buf, "sets 1"));
	free(buf);
	/* Pinned once, for the domain; the access's pins are the same pages */
	EXPECT_EQ(pinned0 + (long)NPAGES, total("pinned_pages"));

	close(access_fd);
	ASSERT_EQ(0, obj_destroy(self->fd, stdev));
	EXPECT_EQ(pinned0, total("pinned_pages"));
	buf = read_file(self->path);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0U, count_lines(buf, "device "));
	EXPECT_EQ(0U, count_lines(buf, "hwpt "));
	EXPECT_EQ(0U, count_lines(buf, "access "));
	EXPECT_TRUE(has_line(buf, "area %u %llx %llx rw set 0 %lu 0 owner %d account none source user",
			     self->ioas, IOVA, IOVA + NPAGES * PG - 1, NPAGES,
			     getpid()));
	free(buf);

	/* A file mapping says so */
	mfd = memfd_create("dbg", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, PG));
	iova = IOVA + 0x100000;
	ASSERT_EQ(0, ioas_map_file(self->fd, other, MAP_FIXED_RW, mfd, 0, PG,
				   &iova));
	close(mfd);
	buf = read_file(self->path);
	ASSERT_NE(NULL, buf);
	EXPECT_TRUE(has_line(buf, "area %u %llx %llx rw set 1 1 0 owner %d account none source file",
			     other, IOVA + 0x100000, IOVA + 0x100000 + PG - 1,
			     getpid()));
	free(buf);

	/* The file goes with the context */
	close(self->fd);
	self->fd = -1;
	EXPECT_NE(0, access(self->path, F_OK));
}

/*
 * A process without CAP_IPC_LOCK is charged: the area says to whom and
 * how, and the totals count it until the process is gone.
 */
TEST_F(dbg, charged)
{
	long user0 = total("charged_user_pages"), pinned0;
	int go[2], done[2], status;
	char path[PATH_MAX], want[64], *buf;
	pid_t pid;
	char c;

	pinned0 = total("pinned_pages");
	ASSERT_LE(0, user0);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 ioas;
		int fd = open(IOMMUFD_DEV, O_RDWR);

		if (fd < 0 || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY) ||
		    ioas_alloc(fd, &ioas) ||
		    mock_domain(fd, ioas, NULL, NULL, NULL) ||
		    ioas_map_fixed(fd, ioas, self->buf, NPAGES * PG, IOVA))
			_exit(1);
		if (write(done[1], "m", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_TRUE(find_ctx(pid, path, sizeof(path)));
	buf = read_file(path);
	ASSERT_NE(NULL, buf);
	EXPECT_TRUE(has_line(buf, "account user"));
	EXPECT_EQ(1U, count_lines(buf, "area "));
	snprintf(want, sizeof(want),
		 " %lu %lu owner %d account user source user\n",
		 NPAGES, NPAGES, pid);
	EXPECT_NE(NULL, strstr(buf, want));
	free(buf);
	EXPECT_EQ(user0 + (long)NPAGES, total("charged_user_pages"));
	EXPECT_EQ(pinned0 + (long)NPAGES, total("pinned_pages"));

	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(user0, total("charged_user_pages"));
	EXPECT_EQ(pinned0, total("pinned_pages"));
	EXPECT_NE(0, access(path, F_OK));
	close(go[1]);
	close(done[0]);
}

/* A VFIO container's context has a file too, of kind vfio */
TEST_F(dbg, vfio_container)
{
	char path[PATH_MAX], *buf;
	struct vfio_ctr c;
	int group_id;

	if (!vfio_sample_loaded() || access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "no sample VFIO device or no iommufd_vfio");
	group_id = vfio_sample_group_id(0);
	ASSERT_LE(0, group_id);
	ASSERT_EQ(0, vfio_ctr_open(&c, group_id, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	ASSERT_EQ(0, vfio_map(c.container, IOVA, self->buf, NPAGES * PG,
			      VFIO_DMA_MAP_FLAG_READ));
	ASSERT_TRUE(find_ctx(getpid(), path, sizeof(path)));
	EXPECT_STRNE(self->path, path);
	buf = read_file(path);
	ASSERT_NE(NULL, buf);
	EXPECT_TRUE(has_line(buf, "kind vfio"));
	EXPECT_TRUE(has_line(buf, "account mm"));
	/* The emulated group's access; no domain, so nothing pinned yet */
	EXPECT_EQ(1U, count_lines(buf, "access "));
	EXPECT_NE(NULL, strstr(buf, " r set 0 16 0 owner "));
	free(buf);
	vfio_ctr_close(&c);
	EXPECT_NE(0, access(path, F_OK));
}

struct reader {
	const char *path;
	bool stop;		/* read and written with __atomic builtins */
	unsigned long reads;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	char *buf;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		buf = read_file(r->path);
		free(buf);
		r->reads++;
	}
	return NULL;
}

/*
 * Reading while objects come and go changes nothing: every DESTROY
 * succeeds, automatic HWPTs go with their device, and the context ends
 * as it started.
 */
TEST_F(dbg, read_while_destroying)
{
	struct reader r = { .path = self->path };
	__u32 stdev, hwpt, ioas;
	unsigned int i;
	pthread_t t;
	char *buf;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf,
				    NPAGES * PG, IOVA));
	ASSERT_EQ(0, pthread_create(&t, NULL, reader_fn, &r));
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas, &stdev, &hwpt,
					 NULL));
		ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
		ASSERT_EQ(0, obj_destroy(self->fd, ioas));
		ASSERT_EQ(0, obj_destroy(self->fd, stdev));
		/* Its automatic HWPT went with it, and so did its ID */
		ASSERT_EQ(-ENOENT, obj_destroy(self->fd, hwpt));
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_LT(0UL, r.reads);
	buf = read_file(self->path);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(1U, count_lines(buf, "object "));
	EXPECT_EQ(1U, count_lines(buf, "area "));
	free(buf);
}

TEST_HARNESS_MAIN
