// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of tools/iommufd-stat, the reader of iommufd's debugfs view.
 *
 * The tool is run as a program, as a user would run it: $IOMMUFD_STAT if
 * set, else "iommufd-stat" from PATH (the rig puts it in the guest's
 * /usr/bin). Its JSON output is parsed by the small parser below, so the
 * checks are on values, not on text.
 *
 * fake_tree: trees written here, handed over with --debugfs: the sums
 * the tool makes (pinned pages once per page set, objects by type), the
 * areas, domains and accesses of one pid, the tables, and every error.
 *
 * live: a context made here through /dev/iommu with the mock IOMMU (two
 * IOASes, a mock device on the first, a mapping copied from the first to
 * the second, a mapping in the second alone, a test access pinning in
 * both of the latter), accounted to the user, to the process, or (with
 * CAP_IPC_LOCK, which exempts from accounting) to nobody. The tool must
 * show exactly that, and the module's totals must move by exactly that
 * and come back when it is all closed. The test drops CAP_IPC_LOCK but
 * stays root, as the tool it runs must be. The totals are the module's,
 * so nothing else may map or pin through iommufd while this suite runs
 * (the rig runs one suite at a time).
 *
 * vfio: the same for a VFIO container on iommufd_vfio with QEMU's edu
 * device, skipped where there is none.
 */
#include "iommufd_utils.h"
#include "vfio_utils.h"

#include <ctype.h>
#include <limits.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))
#define DEBUGFS_DIR "/sys/kernel/debug"

/* === A JSON parser, enough for the tool's output === */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

/* A value; numbers are the integers the tool prints, never negative */
struct jv {
	enum jtype t;
	bool b;
	unsigned long long u;
	char *s;
	size_t n;		/* items of an array or object */
	struct jv *items;
	char **keys;		/* of an object's items */
};

struct jparse {
	const char *p;
	int depth;
};

static void jskip(struct jparse *jp)
{
	while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\t' ||
	       *jp->p == '\r')
		jp->p++;
}

static bool jparse_value(struct jparse *jp, struct jv *v);

/* A string after its opening quote, into a fresh buffer */
static char *jparse_str(struct jparse *jp)
{
	size_t len = 0;
	char *s, *end;

	/* The text is never shorter than what it stands for */
	s = malloc(strlen(jp->p) + 1);
	if (!s)
		return NULL;
	while (*jp->p != '"') {
		unsigned char ch = *jp->p++;
		unsigned long code;
		char hex[5];

		if (!ch || ch < 0x20)
			goto err;
		if (ch != '\\') {
			s[len++] = ch;
			continue;
		}
		ch = *jp->p++;
		switch (ch) {
		case '"': case '\\': case '/':
			s[len++] = ch;
			break;
		case 'n':
			s[len++] = '\n';
			break;
		case 't':
			s[len++] = '\t';
			break;
		case 'r':
			s[len++] = '\r';
			break;
		case 'b':
			s[len++] = '\b';
			break;
		case 'f':
			s[len++] = '\f';
			break;
		case 'u':
			if (strlen(jp->p) < 4)
				goto err;
			memcpy(hex, jp->p, 4);
			hex[4] = 0;
			code = strtoul(hex, &end, 16);
			if (*end || !code)
				goto err;
			/* The tool escapes single bytes only */
			s[len++] = code < 0x100 ? code : '?';
			jp->p += 4;
			break;
		default:
			goto err;
		}
	}
	jp->p++;
	s[len] = 0;
	return s;
err:
	free(s);
	return NULL;
}

/* The items of an array or object after its opening bracket */
static bool jparse_items(struct jparse *jp, struct jv *v, bool obj)
{
	char close = obj ? '}' : ']';

	jskip(jp);
	if (*jp->p == close) {
		jp->p++;
		return true;
	}
	for (;;) {
		struct jv *items;
		char **keys;

		items = realloc(v->items, (v->n + 1) * sizeof(*items));
		if (!items)
			return false;
		v->items = items;
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return false;
		v->keys = keys;
		memset(&v->items[v->n], 0, sizeof(*items));
		v->keys[v->n] = NULL;
		v->n++;
		jskip(jp);
		if (obj) {
			if (*jp->p++ != '"')
				return false;
			v->keys[v->n - 1] = jparse_str(jp);
			if (!v->keys[v->n - 1])
				return false;
			jskip(jp);
			if (*jp->p++ != ':')
				return false;
		}
		if (!jparse_value(jp, &v->items[v->n - 1]))
			return false;
		jskip(jp);
		if (*jp->p == close) {
			jp->p++;
			return true;
		}
		if (*jp->p++ != ',')
			return false;
	}
}

static bool jparse_value(struct jparse *jp, struct jv *v)
{
	char *end;

	if (++jp->depth > 16)
		return false;
	jskip(jp);
	if (*jp->p == '{' || *jp->p == '[') {
		v->t = *jp->p == '{' ? J_OBJ : J_ARR;
		jp->p++;
		if (!jparse_items(jp, v, v->t == J_OBJ))
			return false;
	} else if (*jp->p == '"') {
		jp->p++;
		v->t = J_STR;
		v->s = jparse_str(jp);
		if (!v->s)
			return false;
	} else if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->t = J_BOOL;
		v->b = *jp->p == 't';
		jp->p += v->b ? 4 : 5;
	} else if (!strncmp(jp->p, "null", 4)) {
		v->t = J_NULL;
		jp->p += 4;
	} else if (isdigit((unsigned char)*jp->p)) {
		/* No leading zeros, fractions or exponents from the tool */
		if (*jp->p == '0' && isdigit((unsigned char)jp->p[1]))
			return false;
		errno = 0;
		v->t = J_NUM;
		v->u = strtoull(jp->p, &end, 10);
		if (errno || *end == '.' || *end == 'e' || *end == 'E')
			return false;
		jp->p = end;
	} else {
		return false;
	}
	jp->depth--;
	return true;
}

static void jfree(struct jv *v)
{
	size_t i;

	for (i = 0; i != v->n; i++) {
		jfree(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

/* The whole of @text as one value; false if it is not JSON */
static bool jparse(const char *text, struct jv *v)
{
	struct jparse jp = { .p = text };

	memset(v, 0, sizeof(*v));
	if (!jparse_value(&jp, v)) {
		jfree(v);
		return false;
	}
	jskip(&jp);
	if (*jp.p) {
		jfree(v);
		return false;
	}
	return true;
}

/* Member @key of object @o, or NULL */
static const struct jv *jget(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->t != J_OBJ)
		return NULL;
	for (i = 0; i != o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->items[i];
	return NULL;
}

/* Item @i of array @a, or NULL */
static const struct jv *jat(const struct jv *a, size_t i)
{
	return a && a->t == J_ARR && i < a->n ? &a->items[i] : NULL;
}

/* The number @key of @o, or ~0ULL if it is missing or not a number */
static unsigned long long jnum(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_NUM ? v->u : ~0ULL;
}

/* The string @key of @o, or "(none)" */
static const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->s : "(none)";
}

/* 1 or 0 for the boolean @key of @o, -1 if it is not one */
static int jbool(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_BOOL ? v->b : -1;
}

/* Items of the array @key of @o; 0 if there is no such array */
static int jlen(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_ARR ? (int)v->n : 0;
}

/* The first object of array @key of @o whose @field is @val, or NULL */
static const struct jv *jfind(const struct jv *o, const char *key,
			      const char *field, unsigned long long val)
{
	const struct jv *a = jget(o, key), *item;
	size_t i;

	for (i = 0; (item = jat(a, i)); i++)
		if (jnum(item, field) == val)
			return item;
	return NULL;
}

/* The same value as the test's own number, in the harness's terms */
#define EXPECT_JNUM(expected, obj, key)					\
	EXPECT_EQ((unsigned long long)(expected), jnum(obj, key))

/* === Running the tool === */

struct run {
	int status;		/* exit code, or 128 + signal */
	char *out;
	char *err;
};

static char *read_all(int fd)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size);
	ssize_t n;

	if (!buf || lseek(fd, 0, SEEK_SET))
		goto err;
	while ((n = read(fd, buf + len, size - len - 1)) > 0) {
		len += n;
		if (size - len == 1) {
			char *grown = realloc(buf, size * 2);

			if (!grown)
				goto err;
			buf = grown;
			size *= 2;
		}
	}
	if (n < 0)
		goto err;
	buf[len] = 0;
	return buf;
err:
	free(buf);
	return NULL;
}

/*
 * Run the tool with @args (NULL-terminated) to its end; stdout and
 * stderr go to memfds, so neither can fill up. False if it could not be
 * run at all.
 */
static bool run_tool(struct run *r, const char *const *args)
{
	const char *tool = getenv("IOMMUFD_STAT") ?: "iommufd-stat";
	const char *argv[16] = { tool };
	int out, err, st, i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	for (i = 0; args[i]; i++) {
		if (i + 2 >= (int)ARRAY_SIZE(argv))
			return false;
		argv[i + 1] = args[i];
	}
	out = memfd_create("stat_out", MFD_CLOEXEC);
	err = memfd_create("stat_err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execvp(tool, (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return false;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = read_all(out);
	r->err = read_all(err);
	close(out);
	close(err);
	return r->out && r->err && r->status != 127 && r->status != 126;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = NULL;
	r->err = NULL;
}

/* Run the tool, which must succeed and print JSON, into @v */
#define RUN_JSON(v, ...)						\
	do {								\
		const char *const __args[] = { __VA_ARGS__, NULL };	\
		struct run __r;						\
									\
		ASSERT_TRUE(run_tool(&__r, __args)) {			\
			TH_LOG("cannot run iommufd-stat (IOMMUFD_STAT or PATH)"); \
		}							\
		ASSERT_EQ(0, __r.status) {				\
			TH_LOG("stderr: %s", __r.err);			\
		}							\
		EXPECT_STREQ("", __r.err);				\
		ASSERT_TRUE(jparse(__r.out, v)) {			\
			TH_LOG("not JSON: %s", __r.out);		\
		}							\
		run_free(&__r);						\
	} while (0)

/* Run the tool, which must fail with @code and say @msg on stderr */
#define RUN_FAILS(code, msg, ...)					\
	do {								\
		const char *const __args[] = { __VA_ARGS__, NULL };	\
		struct run __r;						\
									\
		ASSERT_TRUE(run_tool(&__r, __args));			\
		EXPECT_EQ(code, __r.status);				\
		EXPECT_STREQ("", __r.out);				\
		EXPECT_NE(NULL, strstr(__r.err, msg)) {			\
			TH_LOG("stderr: %s", __r.err);			\
		}							\
		run_free(&__r);						\
	} while (0)

/*
 * Whether a line of @out is the words @row, however wide the columns:
 * runs of blanks count as one, and blanks at either end not at all.
 */
static bool row_in(const char *out, const char *row)
{
	const char *p = out;

	while (*p) {
		const char *end = strchr(p, '\n') ?: p + strlen(p);
		const char *r = row;

		while (p != end && *p == ' ')
			p++;
		while (p != end && *r) {
			if (*p == ' ') {
				while (p != end && *p == ' ')
					p++;
				if (*r++ != ' ')
					break;
				continue;
			}
			if (*p++ != *r++)
				break;
		}
		while (p != end && *p == ' ')
			p++;
		if (p == end && !*r)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* === Fake trees === */

FIXTURE(fake_tree) {
	char dir[64];		/* the fake debugfs */
	char pidarg[16];	/* a pid of the fake tree's first context */
};

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	rc = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

static void rm_tree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", dir);
}

/*
 * Context 3, pid 4242: two IOASes, a mock device on an automatic HWPT of
 * the first, a set shared by two areas (a COPY), a set of its own half
 * pinned, a busy area, an access; a name with a blank and a quote.
 * Context 9, pid 77: a VFIO container with one fully pinned area.
 * Context 11 of pid 4242 again: an empty second open. Lines of unknown
 * kinds are there too.
 */
static const char fake_ctx3[] =
	"pid 4242 comm my \"vm\" 1\n"
	"kind file\n"
	"account user\n"
	"object 1 ioas users 3\n"
	"object 2 ioas users 2\n"
	"object 3 selftest users 1\n"
	"object 4 device users 1\n"
	"object 5 hwpt users 2\n"
	"object 6 access users 1\n"
	"device 4 hwpt 5 dev iommufd_mock7\n"
	"hwpt 5 ioas 1 auto 1\n"
	"access 6 ioas 2 pinned 5\n"
	"future 1 2 3\n"
	"ioas 1 domains 1\n"
	"area 1 1000000 100ffff rw set 0 16 16 owner 4242 account user\n"
	"ioas 2 domains 0\n"
	"area 2 2000000 200ffff rw set 0 16 16 owner 4242 account user\n"
	"area 2 3000000 3007fff r set 1 8 4 owner 4243 account user source file\n"
	"area 2 4000000 4001fff busy\n"
	"sets 2\n";

static const char fake_ctx9[] =
	"pid 77 comm qemu\n"
	"kind vfio\n"
	"account mm\n"
	"object 1 ioas users 2\n"
	"ioas 1 domains 1\n"
	"area 1 0 9ffff rw set 0 160 160 owner 77 account mm\n"
	"sets 1\n";

static const char fake_ctx11[] =
	"pid 4242 comm my \"vm\" 1\n"
	"kind file\n"
	"account mm_nolimit\n"
	"sets 0\n";

static const char fake_totals[] =
	"contexts 3\n"
	"pinned_pages 180\n"
	"charged_user_pages 20\n"
	"charged_mm_pages 160\n";

FIXTURE_SETUP(fake_tree)
{
	char sub[96];

	snprintf(self->dir, sizeof(self->dir), "/tmp/stat_tool.%d",
		 (int)getpid());
	snprintf(self->pidarg, sizeof(self->pidarg), "4242");
	rm_tree(self->dir);
	snprintf(sub, sizeof(sub), "%s/iommufd/ctx", self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0700));
	snprintf(sub, sizeof(sub), "%s/iommufd", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0700));
	ASSERT_EQ(0, write_file(sub, "totals", fake_totals));
	snprintf(sub, sizeof(sub), "%s/iommufd/ctx", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0700));
	ASSERT_EQ(0, write_file(sub, "3", fake_ctx3));
	ASSERT_EQ(0, write_file(sub, "9", fake_ctx9));
	ASSERT_EQ(0, write_file(sub, "11", fake_ctx11));
	/* Not a context: names that are not numbers are no files of ours */
	ASSERT_EQ(0, write_file(sub, "README", "x y\n"));
}

FIXTURE_TEARDOWN(fake_tree)
{
	rm_tree(self->dir);
}

TEST_F(fake_tree, summary_json)
{
	const struct jv *totals, *c;
	struct jv v;

	RUN_JSON(&v, "--json", "--debugfs", self->dir);
	totals = jget(&v, "totals");
	EXPECT_JNUM(3, totals, "contexts");
	EXPECT_JNUM(180, totals, "pinned_pages");
	EXPECT_JNUM(20, totals, "charged_user_pages");
	EXPECT_JNUM(160, totals, "charged_mm_pages");

	/* In the order of <n>, numerically: 3, 9, 11 */
	ASSERT_EQ(3, jlen(&v, "contexts"));
	c = jat(jget(&v, "contexts"), 0);
	EXPECT_JNUM(3, c, "n");
	EXPECT_JNUM(4242, c, "pid");
	EXPECT_STREQ("my \"vm\" 1", jstr(c, "comm"));
	EXPECT_STREQ("file", jstr(c, "kind"));
	EXPECT_STREQ("user", jstr(c, "account"));
	EXPECT_JNUM(6, c, "objects");
	EXPECT_JNUM(2, c, "ioases");
	EXPECT_JNUM(4, c, "areas");
	EXPECT_JNUM(2, c, "sets");
	/* set 0 once (16) and set 1 (4); the busy area has none */
	EXPECT_JNUM(20, c, "pinned_pages");
	EXPECT_JNUM(1, c, "devices");
	EXPECT_JNUM(1, c, "accesses");

	c = jat(jget(&v, "contexts"), 1);
	EXPECT_JNUM(9, c, "n");
	EXPECT_JNUM(77, c, "pid");
	EXPECT_STREQ("vfio", jstr(c, "kind"));
	EXPECT_STREQ("mm", jstr(c, "account"));
	EXPECT_JNUM(1, c, "objects");
	EXPECT_JNUM(160, c, "pinned_pages");
	EXPECT_JNUM(0, c, "devices");

	c = jat(jget(&v, "contexts"), 2);
	EXPECT_JNUM(11, c, "n");
	EXPECT_STREQ("mm_nolimit", jstr(c, "account"));
	EXPECT_JNUM(0, c, "objects");
	EXPECT_JNUM(0, c, "areas");
	EXPECT_JNUM(0, c, "pinned_pages");
	jfree(&v);
}

TEST_F(fake_tree, areas_json)
{
	const struct jv *a, *d;
	struct jv v;

	RUN_JSON(&v, "--areas", self->pidarg, "--json", "--debugfs",
		 self->dir);
	EXPECT_JNUM(4242, &v, "pid");
	ASSERT_EQ(2, jlen(&v, "contexts"));
	EXPECT_JNUM(3, jat(jget(&v, "contexts"), 0), "n");
	EXPECT_JNUM(11, jat(jget(&v, "contexts"), 1), "n");

	/* Context 9 is another pid's */
	ASSERT_EQ(4, jlen(&v, "areas"));
	a = jat(jget(&v, "areas"), 0);
	EXPECT_JNUM(3, a, "ctx");
	EXPECT_JNUM(1, a, "ioas");
	EXPECT_JNUM(0x1000000, a, "first");
	EXPECT_JNUM(0x100ffff, a, "last");
	EXPECT_JNUM(0x10000, a, "size");
	EXPECT_EQ(0, jbool(a, "busy"));
	EXPECT_STREQ("rw", jstr(a, "prot"));
	EXPECT_JNUM(0, a, "set");
	EXPECT_JNUM(16, a, "npages");
	EXPECT_JNUM(16, a, "pinned");
	EXPECT_JNUM(4242, a, "owner");
	EXPECT_STREQ("user", jstr(a, "account"));
	/* An older line without a source has none in the JSON */
	EXPECT_EQ(NULL, jget(a, "source"));

	a = jat(jget(&v, "areas"), 1);
	EXPECT_JNUM(2, a, "ioas");
	EXPECT_JNUM(0, a, "set");

	a = jat(jget(&v, "areas"), 2);
	EXPECT_STREQ("r", jstr(a, "prot"));
	EXPECT_JNUM(1, a, "set");
	EXPECT_JNUM(8, a, "npages");
	EXPECT_JNUM(4, a, "pinned");
	EXPECT_JNUM(4243, a, "owner");
	EXPECT_STREQ("file", jstr(a, "source"));

	a = jat(jget(&v, "areas"), 3);
	EXPECT_EQ(1, jbool(a, "busy"));
	EXPECT_JNUM(0x2000, a, "size");
	EXPECT_EQ(NULL, jget(a, "set"));

	ASSERT_EQ(1, jlen(&v, "domains"));
	d = jat(jget(&v, "domains"), 0);
	EXPECT_JNUM(5, d, "hwpt");
	EXPECT_JNUM(1, d, "ioas");
	EXPECT_EQ(1, jbool(d, "auto"));
	ASSERT_EQ(1, jlen(d, "devices"));
	EXPECT_EQ(4ULL, jat(jget(d, "devices"), 0)->u);

	ASSERT_EQ(1, jlen(&v, "devices"));
	EXPECT_JNUM(5, jat(jget(&v, "devices"), 0), "hwpt");
	EXPECT_STREQ("iommufd_mock7", jstr(jat(jget(&v, "devices"), 0), "dev"));

	ASSERT_EQ(1, jlen(&v, "accesses"));
	a = jat(jget(&v, "accesses"), 0);
	EXPECT_JNUM(6, a, "id");
	EXPECT_JNUM(2, a, "ioas");
	EXPECT_JNUM(5, a, "pinned");
	jfree(&v);
}

/* The tables say what the JSON says */
TEST_F(fake_tree, tables)
{
	const char *const sum[] = { "--debugfs", self->dir, NULL };
	const char *const areas[] = { "--debugfs", self->dir, "--areas",
				      "77", NULL };
	struct run r;

	ASSERT_TRUE(run_tool(&r, sum));
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	EXPECT_NE(NULL, strstr(r.out, "pinned_pages         180\n"));
	EXPECT_NE(NULL, strstr(r.out, "contexts: 3\n"));
	/* The blanks of the name are shown as '?' */
	EXPECT_TRUE(row_in(r.out,
			   "3 4242 my?\"vm\"?1 file user 6 2 4 20 1 1"))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(row_in(r.out, "9 77 qemu vfio mm 1 1 1 160 0 0"))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(row_in(r.out,
			   "CTX PID COMM KIND ACCOUNT OBJECTS IOAS AREAS PINNED DEVICES ACCESSES"));
	run_free(&r);

	ASSERT_TRUE(run_tool(&r, areas));
	ASSERT_EQ(0, r.status);
	EXPECT_TRUE(row_in(r.out,
			   "9 1 0x0000000000000000 0x000000000009ffff 640K rw 0 160 160 77 mm -"))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(row_in(r.out, "pid 77: 1 context(s): 9 (qemu, vfio, account mm)"));
	EXPECT_FALSE(row_in(r.out, "3 1 0x0000000001000000"));
	run_free(&r);
}

TEST_F(fake_tree, errors)
{
	char path[128];

	RUN_FAILS(1, "no iommufd context belongs to pid 5", "--debugfs",
		  self->dir, "--areas", "5");
	RUN_FAILS(1, "no iommufd context belongs to pid 5", "--debugfs",
		  self->dir, "--areas", "5", "--json");
	RUN_FAILS(1, "no debugfs at /tmp/stat_tool.none", "--debugfs",
		  "/tmp/stat_tool.none");
	/* A debugfs without the module's directory */
	RUN_FAILS(1, "iommufd is not loaded", "--debugfs", "/tmp");
	RUN_FAILS(2, "not a pid", "--areas", "x");
	RUN_FAILS(2, "not a pid", "--areas", "0");
	RUN_FAILS(2, "not a pid", "--areas", "-1");
	RUN_FAILS(2, "unexpected argument", "--debugfs", self->dir, "extra");
	RUN_FAILS(2, "usage:", "--bogus");

	/* A known line that does not parse is an error, never a guess */
	snprintf(path, sizeof(path), "%s/iommufd/ctx", self->dir);
	ASSERT_EQ(0, write_file(path, "12",
				"pid 1 comm x\nkind file\naccount user\n"
				"area 1 zz 10 rw set 0 1 1 owner 1 account user\n"));
	RUN_FAILS(1, "ctx/12:4: does not parse", "--debugfs", self->dir);
	ASSERT_EQ(0, write_file(path, "12",
				"pid 1 comm x\nkind file\naccount user\n"
				"area 1 10 1f rw set 0 1 2 owner 1 account user\n"));
	RUN_FAILS(1, "ctx/12:4: does not parse", "--debugfs", self->dir);
	ASSERT_EQ(0, write_file(path, "12", "pid 1 comm x\n"));
	RUN_FAILS(1, "no kind or account line", "--debugfs", self->dir);
	snprintf(path, sizeof(path), "%s/iommufd", self->dir);
	ASSERT_EQ(0, write_file(path, "totals", "contexts many\n"));
	RUN_FAILS(1, "totals:1: does not parse", "--debugfs", self->dir);
}

TEST(help)
{
	const char *const args[] = { "--help", NULL };
	struct run r;

	ASSERT_TRUE(run_tool(&r, args));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: "));
	EXPECT_NE(NULL, strstr(r.out, "--areas PID"));
	EXPECT_STREQ("", r.err);
	run_free(&r);
}

/* === The real thing === */

/* Pages of each buffer; pins of the access in each */
#define A_PAGES 16
#define B_PAGES 8
#define B_PINS 3
#define COPY_PINS 2

#define IOVA_A MOCK_APERTURE_START
#define IOVA_COPY (MOCK_APERTURE_START + 0x1000000ULL)
#define IOVA_B (MOCK_APERTURE_START + 0x2000000ULL)

struct totals {
	unsigned long long contexts, pinned, user, mm;
};

static void get_totals(const struct jv *v, struct totals *t)
{
	const struct jv *o = jget(v, "totals");

	t->contexts = jnum(o, "contexts");
	t->pinned = jnum(o, "pinned_pages");
	t->user = jnum(o, "charged_user_pages");
	t->mm = jnum(o, "charged_mm_pages");
}

/* This process's command name, as the kernel keeps it */
static void own_comm(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "r");

	buf[0] = 0;
	if (f && fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

FIXTURE(live) {
	bool ready;		/* set up; a SKIP in the setup leaves it false */
	int fd;
	char pidarg[16];
	struct totals before;
	char *a, *b;
};

FIXTURE_VARIANT(live) {
	bool account_mm;	/* IOMMU_OPTION_RLIMIT_MODE set to 1 */
	bool ipc_lock;		/* keep CAP_IPC_LOCK: nothing is charged */
};

FIXTURE_VARIANT_ADD(live, account_user) {
	.account_mm = false,
};

FIXTURE_VARIANT_ADD(live, account_mm) {
	.account_mm = true,
};

FIXTURE_VARIANT_ADD(live, cap_ipc_lock) {
	.ipc_lock = true,
};

/* The context's accounting */
static const char *ctx_mode(bool account_mm)
{
	return account_mm ? "mm" : "user";
}

/* Each area's: CAP_IPC_LOCK exempts the process */
static const char *area_mode(bool account_mm, bool ipc_lock)
{
	return ipc_lock ? "none" : ctx_mode(account_mm);
}

/*
 * Drop CAP_IPC_LOCK from this process, which stays root otherwise: the
 * tool it runs needs to read debugfs, and gets its capabilities anew
 * when it is executed.
 */
static bool drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	__u32 bit = 1U << CAP_IPC_LOCK;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	data[0].effective &= ~bit;
	data[0].permitted &= ~bit;
	data[0].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return false;
	return !(proc_status_cap_eff() & (1ULL << CAP_IPC_LOCK));
}

FIXTURE_SETUP(live)
{
	struct iommu_test_cmd probe = { .op = IOMMU_TEST_OP_MD_CHECK_REFS };
	struct jv v;

	self->fd = -1;
	if (access(IOMMUFD_DEV, F_OK))
		SETUP_SKIP("no %s", IOMMUFD_DEV);
	if (access(DEBUGFS_DIR "/iommufd", F_OK))
		SETUP_SKIP("no debugfs view of iommufd");
	self->a = mmap(NULL, A_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	self->b = mmap(NULL, B_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->a);
	ASSERT_NE(MAP_FAILED, self->b);
	memset(self->a, 0x11, A_PAGES * PAGE_SZ);
	memset(self->b, 0x22, B_PAGES * PAGE_SZ);
	snprintf(self->pidarg, sizeof(self->pidarg), "%d", (int)getpid());

	/* Before this process has any context */
	RUN_JSON(&v, "--json");
	get_totals(&v, &self->before);
	jfree(&v);

	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (test_cmd(self->fd, &probe) == -ENOTTY)
		SETUP_SKIP("IOMMU_TEST_CMD is not built in");
	if (variant->account_mm)
		ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					1));
	if (variant->ipc_lock &&
	    !(proc_status_cap_eff() & (1ULL << CAP_IPC_LOCK)))
		SETUP_SKIP("needs CAP_IPC_LOCK");
	if (!variant->ipc_lock)
		ASSERT_TRUE(drop_ipc_lock());
	self->ready = true;
}

FIXTURE_TEARDOWN(live)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->a, A_PAGES * PAGE_SZ);
	munmap(self->b, B_PAGES * PAGE_SZ);
}

TEST_F(live, mapped_and_released)
{
	unsigned long long charged = variant->ipc_lock ? 0 : A_PAGES + B_PINS;
	const char *mode = area_mode(variant->account_mm, variant->ipc_lock);
	__u32 ioas1, ioas2, stdev, hwpt, idev, item[2];
	const struct jv *c = NULL, *a, *d, *ctxs;
	unsigned long long n, set_a;
	int found = 0;
	struct totals now;
	char comm[32];
	struct jv v;
	size_t i;
	int afd;

	if (!self->ready)
		return;
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas1));
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, mock_domain(self->fd, ioas1, &stdev, &hwpt, &idev));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas1, self->a,
				    A_PAGES * PAGE_SZ, IOVA_A));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, ioas2, IOVA_COPY, ioas1,
				     IOVA_A, A_PAGES * PAGE_SZ));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, self->b,
				    B_PAGES * PAGE_SZ, IOVA_B));
	ASSERT_EQ(0, access_create(self->fd, ioas2,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &afd));
	ASSERT_EQ(0, access_pin(self->fd, afd, 0, IOVA_B, B_PINS * PAGE_SZ,
				self->b, &item[0]));
	ASSERT_EQ(0, access_pin(self->fd, afd, 0, IOVA_COPY,
				COPY_PINS * PAGE_SZ, self->a, &item[1]));

	/* The summary: this context's row and the totals */
	RUN_JSON(&v, "--json");
	get_totals(&v, &now);
	EXPECT_EQ(self->before.contexts + 1, now.contexts);
	/* The domain pins all of A, the access B_PINS of B; A's again no more */
	EXPECT_EQ(self->before.pinned + A_PAGES + B_PINS, now.pinned);
	EXPECT_EQ(self->before.user + (variant->account_mm ? 0 : charged),
		  now.user);
	EXPECT_EQ(self->before.mm + (variant->account_mm ? charged : 0),
		  now.mm);
	ctxs = jget(&v, "contexts");
	for (i = 0; (a = jat(ctxs, i)); i++) {
		if (jnum(a, "pid") != (unsigned long long)getpid())
			continue;
		c = a;
		found++;
	}
	ASSERT_EQ(1, found);
	own_comm(comm, sizeof(comm));
	EXPECT_STREQ(comm, jstr(c, "comm"));
	EXPECT_STREQ("file", jstr(c, "kind"));
	EXPECT_STREQ(ctx_mode(variant->account_mm), jstr(c, "account"));
	/* ioas x2, the mock's selftest object, device, hwpt, access */
	EXPECT_JNUM(6, c, "objects");
	EXPECT_JNUM(2, c, "ioases");
	EXPECT_JNUM(3, c, "areas");
	EXPECT_JNUM(2, c, "sets");
	EXPECT_JNUM(A_PAGES + B_PINS, c, "pinned_pages");
	EXPECT_JNUM(1, c, "devices");
	EXPECT_JNUM(1, c, "accesses");
	n = jnum(c, "n");
	jfree(&v);

	/* Every area, the domain and the access */
	RUN_JSON(&v, "--areas", self->pidarg, "--json");
	EXPECT_JNUM(getpid(), &v, "pid");
	ASSERT_EQ(1, jlen(&v, "contexts"));
	EXPECT_JNUM(n, jat(jget(&v, "contexts"), 0), "n");
	ASSERT_EQ(3, jlen(&v, "areas"));

	a = jfind(&v, "areas", "first", IOVA_A);
	ASSERT_NE(NULL, a);
	EXPECT_JNUM(n, a, "ctx");
	EXPECT_JNUM(ioas1, a, "ioas");
	EXPECT_JNUM(IOVA_A + A_PAGES * PAGE_SZ - 1, a, "last");
	EXPECT_JNUM(A_PAGES * PAGE_SZ, a, "size");
	EXPECT_EQ(0, jbool(a, "busy"));
	EXPECT_STREQ("rw", jstr(a, "prot"));
	EXPECT_JNUM(A_PAGES, a, "npages");
	EXPECT_JNUM(A_PAGES, a, "pinned");
	EXPECT_JNUM(getpid(), a, "owner");
	EXPECT_STREQ(mode, jstr(a, "account"));
	set_a = jnum(a, "set");

	/* The copy shares A's page set */
	a = jfind(&v, "areas", "first", IOVA_COPY);
	ASSERT_NE(NULL, a);
	EXPECT_JNUM(ioas2, a, "ioas");
	EXPECT_JNUM(A_PAGES * PAGE_SZ, a, "size");
	EXPECT_JNUM(set_a, a, "set");
	EXPECT_JNUM(A_PAGES, a, "npages");
	EXPECT_JNUM(A_PAGES, a, "pinned");

	/* B has no domain: only what the access pinned */
	a = jfind(&v, "areas", "first", IOVA_B);
	ASSERT_NE(NULL, a);
	EXPECT_JNUM(ioas2, a, "ioas");
	EXPECT_JNUM(B_PAGES * PAGE_SZ, a, "size");
	EXPECT_NE(set_a, jnum(a, "set"));
	EXPECT_JNUM(B_PAGES, a, "npages");
	EXPECT_JNUM(B_PINS, a, "pinned");
	EXPECT_JNUM(getpid(), a, "owner");

	ASSERT_EQ(1, jlen(&v, "domains"));
	d = jat(jget(&v, "domains"), 0);
	EXPECT_JNUM(hwpt, d, "hwpt");
	EXPECT_JNUM(ioas1, d, "ioas");
	EXPECT_EQ(1, jbool(d, "auto"));
	ASSERT_EQ(1, jlen(d, "devices"));
	EXPECT_EQ(idev, jat(jget(d, "devices"), 0)->u);
	ASSERT_EQ(1, jlen(&v, "devices"));
	EXPECT_JNUM(idev, jat(jget(&v, "devices"), 0), "id");
	EXPECT_JNUM(hwpt, jat(jget(&v, "devices"), 0), "hwpt");
	EXPECT_STRNE("(none)", jstr(jat(jget(&v, "devices"), 0), "dev"));

	ASSERT_EQ(1, jlen(&v, "accesses"));
	a = jat(jget(&v, "accesses"), 0);
	EXPECT_JNUM(ioas2, a, "ioas");
	EXPECT_JNUM(B_PINS + COPY_PINS, a, "pinned");
	jfree(&v);

	/* An unpin shows at once */
	ASSERT_EQ(0, access_unpin(self->fd, afd, item[0]));
	RUN_JSON(&v, "--areas", self->pidarg, "--json");
	EXPECT_JNUM(COPY_PINS, jat(jget(&v, "accesses"), 0), "pinned");
	EXPECT_JNUM(0, jfind(&v, "areas", "first", IOVA_B), "pinned");
	jfree(&v);

	/* Everything goes with the file; the totals are back */
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	RUN_JSON(&v, "--json");
	get_totals(&v, &now);
	EXPECT_EQ(self->before.contexts, now.contexts);
	EXPECT_EQ(self->before.pinned, now.pinned);
	EXPECT_EQ(self->before.user, now.user);
	EXPECT_EQ(self->before.mm, now.mm);
	EXPECT_EQ(NULL, jfind(&v, "contexts", "pid", getpid()));
	jfree(&v);
	RUN_FAILS(1, "no iommufd context belongs to pid", "--areas",
		  self->pidarg);
}

/* The text tables of a live context */
TEST_F(live, tables)
{
	const char *mode = area_mode(variant->account_mm, variant->ipc_lock);
	const char *const sum[] = { NULL };
	const char *const areas[] = { "--areas", self->pidarg, NULL };
	unsigned long long n;
	char comm[32], row[256];
	struct run r;
	struct jv v;
	__u32 ioas;

	if (!self->ready)
		return;
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas, self->a,
				    A_PAGES * PAGE_SZ, IOVA_A));
	RUN_JSON(&v, "--json");
	n = jnum(jfind(&v, "contexts", "pid", getpid()), "n");
	jfree(&v);
	ASSERT_NE(~0ULL, n);
	own_comm(comm, sizeof(comm));

	ASSERT_TRUE(run_tool(&r, sum));
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	snprintf(row, sizeof(row), "%llu %d %s file %s 1 1 1 0 0 0", n,
		 (int)getpid(), comm, ctx_mode(variant->account_mm));
	EXPECT_TRUE(row_in(r.out, row)) TH_LOG("%s: %s", row, r.out);
	EXPECT_TRUE(row_in(r.out, "totals:"));
	run_free(&r);

	/* No domain: nothing pinned, however much is mapped */
	ASSERT_TRUE(run_tool(&r, areas));
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	snprintf(row, sizeof(row),
		 "%llu %u 0x%016llx 0x%016llx %zuK rw 0 %d 0 %d %s user", n, ioas,
		 IOVA_A, IOVA_A + A_PAGES * PAGE_SZ - 1,
		 A_PAGES * PAGE_SZ / 1024, A_PAGES, (int)getpid(), mode);
	EXPECT_TRUE(row_in(r.out, row)) TH_LOG("%s: %s", row, r.out);
	run_free(&r);
}

/* === A VFIO container on iommufd_vfio === */

#define VFIO_PAGES 8
#define VFIO_IOVA 0x100000ULL

TEST(vfio_container)
{
	struct vfio_ctr ctr = { .container = -1, .group = -1 };
	const struct jv *c, *a;
	char bdf[64], pidarg[16];
	struct totals before, now;
	int group = -1, rc;
	struct jv v;
	char *buf;

	if (access(DEBUGFS_DIR "/iommufd", F_OK))
		SKIP(return, "no debugfs view of iommufd");
	if (vfio_edu_find(0, bdf, sizeof(bdf), &group))
		SKIP(return, "no edu device bound to vfio-pci");
	if (access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "iommufd_vfio is not loaded");
	snprintf(pidarg, sizeof(pidarg), "%d", (int)getpid());
	buf = mmap(NULL, VFIO_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0x33, VFIO_PAGES * PAGE_SZ);

	RUN_JSON(&v, "--json");
	get_totals(&v, &before);
	jfree(&v);

	rc = vfio_ctr_open(&ctr, group, VFIO_TYPE1v2_IOMMU,
			   VFIO_BACKEND_IOMMUFD);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, vfio_map(ctr.container, VFIO_IOVA, buf,
			      VFIO_PAGES * PAGE_SZ, VFIO_RW));

	RUN_JSON(&v, "--json");
	get_totals(&v, &now);
	EXPECT_EQ(before.contexts + 1, now.contexts);
	/* A real domain pins everything, charged to the process */
	EXPECT_EQ(before.pinned + VFIO_PAGES, now.pinned);
	EXPECT_EQ(before.mm + VFIO_PAGES, now.mm);
	EXPECT_EQ(before.user, now.user);
	c = jfind(&v, "contexts", "pid", getpid());
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("vfio", jstr(c, "kind"));
	EXPECT_STREQ("mm", jstr(c, "account"));
	EXPECT_JNUM(1, c, "areas");
	EXPECT_JNUM(VFIO_PAGES, c, "pinned_pages");
	jfree(&v);

	RUN_JSON(&v, "--areas", pidarg, "--json");
	ASSERT_EQ(1, jlen(&v, "areas"));
	a = jat(jget(&v, "areas"), 0);
	EXPECT_JNUM(VFIO_IOVA, a, "first");
	EXPECT_JNUM(VFIO_PAGES * PAGE_SZ, a, "size");
	EXPECT_STREQ("rw", jstr(a, "prot"));
	EXPECT_JNUM(VFIO_PAGES, a, "pinned");
	EXPECT_JNUM(getpid(), a, "owner");
	EXPECT_STREQ("user", jstr(a, "source"));
	/* type1's rule: charged, but root's CAP_IPC_LOCK lifts the limit */
	EXPECT_STREQ(proc_status_cap_eff() & (1ULL << CAP_IPC_LOCK) ?
		     "mm_nolimit" : "mm", jstr(a, "account"));
	/* The group's device, edu, by name */
	ASSERT_EQ(1, jlen(&v, "devices"));
	EXPECT_STREQ(bdf, jstr(jat(jget(&v, "devices"), 0), "dev"));
	jfree(&v);

	vfio_ctr_close(&ctr);
	RUN_JSON(&v, "--json");
	get_totals(&v, &now);
	EXPECT_EQ(before.contexts, now.contexts);
	EXPECT_EQ(before.pinned, now.pinned);
	EXPECT_EQ(before.mm, now.mm);
	EXPECT_EQ(NULL, jfind(&v, "contexts", "pid", getpid()));
	jfree(&v);
	munmap(buf, VFIO_PAGES * PAGE_SZ);
}

TEST_HARNESS_MAIN
