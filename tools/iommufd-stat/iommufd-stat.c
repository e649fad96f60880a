// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-stat: who has what mapped and pinned through iommufd.
 *
 *	iommufd-stat [--json] [--debugfs DIR]
 *	iommufd-stat --areas PID [--json] [--debugfs DIR]
 *
 * It reads the module's debugfs view (debugfs.c documents the format):
 * DIR/iommufd/totals and one file per context, DIR/iommufd/ctx/<n>.
 * Without --areas it prints the totals and one row per context; with
 * --areas every area, domain, device and access of the contexts of one
 * process. --json prints the same data as one JSON object, numbers as
 * numbers.
 *
 * DIR is /sys/kernel/debug unless --debugfs says otherwise; debugfs is
 * mounted there if it is not yet (only for the default). Exit status: 0,
 * 1 on an error (no debugfs, iommufd not loaded, no context of PID, a
 * file that does not parse), 2 on a usage error; messages go to stderr.
 *
 * Contexts come and go while the tool reads: a context file that has
 * gone by the time it is opened is left out, so each context is shown as
 * of one read of its file, and the totals as of another.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#define DEFAULT_DEBUGFS "/sys/kernel/debug"
#define DEBUGFS_MAGIC 0x64626720

/* Words of a line of a debugfs file; no known line has more */
#define MAX_WORDS 16

static const char *prog = "iommufd-stat";

/* One "<key> <number>" line of the totals file */
struct stat_total {
	char key[64];
	unsigned long long val;
};

struct stat_object {
	unsigned int id;
	char type[16];
	unsigned long long users;
};

struct stat_device {
	unsigned int id;
	unsigned int hwpt;		/* 0 when not attached */
	char dev[64];			/* "" from a module that does not say */
};

struct stat_hwpt {
	unsigned int id;
	unsigned int ioas;
	bool autodomain;
};

struct stat_access {
	unsigned int id;
	unsigned int ioas;		/* 0 when not attached */
	unsigned long long pinned;
};

struct stat_ioas {
	unsigned int id;
	unsigned int domains;
};

struct stat_area {
	unsigned int ioas;
	unsigned long long first, last;
	bool busy;			/* the rest is unset when busy */
	char prot[4];
	unsigned long long set;
	unsigned long long npages, npinned;
	long owner;
	char account[16];
	char source[8];			/* "" from a module that does not say */
};

/* What one read of DIR/iommufd/ctx/<n> said */
struct stat_ctx {
	unsigned long n;
	long pid;
	char comm[64];
	char kind[16];
	char account[16];
	unsigned long long nsets;

	struct stat_object *objects;
	size_t nobjects;
	struct stat_device *devices;
	size_t ndevices;
	struct stat_hwpt *hwpts;
	size_t nhwpts;
	struct stat_access *accesses;
	size_t naccesses;
	struct stat_ioas *ioases;
	size_t nioases;
	struct stat_area *areas;
	size_t nareas;
};

struct stat_all {
	struct stat_total *totals;
	size_t ntotals;
	struct stat_ctx *ctxs;
	size_t nctxs;
};

/* The context of @pid after @c (NULL: the first one), or NULL */
static const struct stat_ctx *next_pid_ctx(const struct stat_all *all,
					   const struct stat_ctx *c, long pid)
{
	for (c = c ? c + 1 : all->ctxs; c != all->ctxs + all->nctxs; c++)
		if (c->pid == pid)
			return c;
	return NULL;
}

/* Say what went wrong and exit 1; fprintf() checks the format */
#define fail(...)							\
	do {								\
		fprintf(stderr, "%s: ", prog);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	} while (0)

/* Room for one more element of *@arr, which holds *@n; returns it zeroed */
static void *push(void *arr, size_t *n, size_t size)
{
	void **p = arr;
	char *grown;

	/* Room for 4 at first, then twice as much at every power of two */
	if (!*n || (*n >= 4 && !(*n & (*n - 1)))) {
		grown = realloc(*p, (*n ? 2 * *n : 4) * size);
		if (!grown)
			fail("out of memory");
		*p = grown;
	}
	grown = (char *)*p + (*n)++ * size;
	memset(grown, 0, size);
	return grown;
}

/* A whole word as a number in @base; false if it is anything else */
static bool parse_ull(const char *word, int base, unsigned long long *val)
{
	char *end;

	if (!word || !*word || *word == '-' || *word == '+')
		return false;
	errno = 0;
	*val = strtoull(word, &end, base);
	return !errno && !*end;
}

static bool parse_uint(const char *word, unsigned int *val)
{
	unsigned long long v;

	if (!parse_ull(word, 10, &v) || v > UINT_MAX)
		return false;
	*val = v;
	return true;
}

static bool parse_long(const char *word, long *val)
{
	unsigned long long v;

	if (!parse_ull(word, 10, &v) || v > LONG_MAX)
		return false;
	*val = v;
	return true;
}

/* Copy a word into a fixed field; false if it does not fit */
static bool copy_word(char *dst, size_t len, const char *word)
{
	return word && snprintf(dst, len, "%s", word) < (int)len;
}

/* Split @line at blanks into at most MAX_WORDS words; how many */
static int split(char *line, char **words)
{
	char *save, *w;
	int n = 0;

	for (w = strtok_r(line, " \t", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	/* A line with more words than any known one does not parse */
	return w ? MAX_WORDS + 1 : n;
}

/* "... <word> <n>" at words[i], words[i + 1] */
static bool keyed(char **words, int i, const char *key)
{
	return !strcmp(words[i], key);
}

static bool parse_area(struct stat_ctx *c, char **w, int n)
{
	struct stat_area *a;

	if (n != 5 && n != 13 && n != 15)
		return false;
	a = push(&c->areas, &c->nareas, sizeof(*a));
	if (!parse_uint(w[1], &a->ioas) || !parse_ull(w[2], 16, &a->first) ||
	    !parse_ull(w[3], 16, &a->last) || a->last < a->first)
		return false;
	if (n == 5) {
		a->busy = true;
		return !strcmp(w[4], "busy");
	}
	return (!strcmp(w[4], "r") || !strcmp(w[4], "w") ||
		!strcmp(w[4], "rw")) &&
	       copy_word(a->prot, sizeof(a->prot), w[4]) &&
	       keyed(w, 5, "set") && parse_ull(w[6], 10, &a->set) &&
	       parse_ull(w[7], 10, &a->npages) &&
	       parse_ull(w[8], 10, &a->npinned) && a->npinned <= a->npages &&
	       keyed(w, 9, "owner") && parse_long(w[10], &a->owner) &&
	       keyed(w, 11, "account") &&
	       copy_word(a->account, sizeof(a->account), w[12]) &&
	       (n == 13 || (keyed(w, 13, "source") &&
			    copy_word(a->source, sizeof(a->source), w[14])));
}

/*
 * One line of a context file (without its newline) into @c; false if a
 * line of a known kind does not parse. Lines of other kinds are left
 * out, so that the tool keeps working when the module says more.
 */
static bool parse_ctx_line(struct stat_ctx *c, char *line)
{
	char *words[MAX_WORDS];
	int n, off = -1;

	/* The command name is the rest of the line and may have blanks */
	if (!strncmp(line, "pid ", 4)) {
		char pid[32];

		if (sscanf(line, "pid %31s comm %n", pid, &off) != 1 ||
		    off < 0 || !parse_long(pid, &c->pid))
			return false;
		return copy_word(c->comm, sizeof(c->comm), line + off);
	}

	n = split(line, words);
	if (!n)
		return true;
	if (n > MAX_WORDS)
		return false;
	if (!strcmp(words[0], "kind"))
		return n == 2 && copy_word(c->kind, sizeof(c->kind), words[1]);
	if (!strcmp(words[0], "account"))
		return n == 2 &&
		       copy_word(c->account, sizeof(c->account), words[1]);
	if (!strcmp(words[0], "sets"))
		return n == 2 && parse_ull(words[1], 10, &c->nsets);
	if (!strcmp(words[0], "object")) {
		struct stat_object *o = push(&c->objects, &c->nobjects,
					     sizeof(*o));

		return n == 5 && parse_uint(words[1], &o->id) &&
		       copy_word(o->type, sizeof(o->type), words[2]) &&
		       keyed(words, 3, "users") &&
		       parse_ull(words[4], 10, &o->users);
	}
	if (!strcmp(words[0], "device")) {
		struct stat_device *d = push(&c->devices, &c->ndevices,
					     sizeof(*d));

		return (n == 4 || n == 6) && parse_uint(words[1], &d->id) &&
		       keyed(words, 2, "hwpt") &&
		       parse_uint(words[3], &d->hwpt) &&
		       (n == 4 || (keyed(words, 4, "dev") &&
				   copy_word(d->dev, sizeof(d->dev),
					     words[5])));
	}
	if (!strcmp(words[0], "hwpt")) {
		struct stat_hwpt *h = push(&c->hwpts, &c->nhwpts, sizeof(*h));

		h->autodomain = n == 6 && !strcmp(words[5], "1");
		return n == 6 && parse_uint(words[1], &h->id) &&
		       keyed(words, 2, "ioas") &&
		       parse_uint(words[3], &h->ioas) &&
		       keyed(words, 4, "auto") &&
		       (!strcmp(words[5], "0") || !strcmp(words[5], "1"));
	}
	if (!strcmp(words[0], "access")) {
		struct stat_access *a = push(&c->accesses, &c->naccesses,
					     sizeof(*a));

		return n == 6 && parse_uint(words[1], &a->id) &&
		       keyed(words, 2, "ioas") &&
		       parse_uint(words[3], &a->ioas) &&
		       keyed(words, 4, "pinned") &&
		       parse_ull(words[5], 10, &a->pinned);
	}
	if (!strcmp(words[0], "ioas")) {
		struct stat_ioas *i = push(&c->ioases, &c->nioases,
					   sizeof(*i));

		return n == 4 && parse_uint(words[1], &i->id) &&
		       keyed(words, 2, "domains") &&
		       parse_uint(words[3], &i->domains);
	}
	if (!strcmp(words[0], "area"))
		return parse_area(c, words, n);
	return true;
}

/*
 * Open a file of the tree; NULL with errno ENOENT if it is not there,
 * and a message and exit for any other problem.
 */
static FILE *open_tree_file(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f && errno == EACCES)
		fail("%s: permission denied (debugfs is for root only)", path);
	if (!f && errno != ENOENT)
		fail("%s: %s", path, strerror(errno));
	return f;
}

static void ctx_free(struct stat_ctx *c)
{
	free(c->objects);
	free(c->devices);
	free(c->hwpts);
	free(c->accesses);
	free(c->ioases);
	free(c->areas);
	memset(c, 0, sizeof(*c));
}

/*
 * Read @path into @c; false if it has gone: not there any more, or
 * removed while open, which debugfs answers with EIO. A context that
 * closes while the tool reads it is thus left out, not half shown.
 */
static bool read_ctx(const char *path, struct stat_ctx *c)
{
	size_t len = 0;
	char *line = NULL;
	unsigned int lineno = 0;
	ssize_t got;
	FILE *f;

	f = open_tree_file(path);
	if (!f)
		return false;
	errno = 0;
	while ((got = getline(&line, &len, f)) > 0) {
		lineno++;
		if (line[got - 1] == '\n')
			line[got - 1] = 0;
		if (!parse_ctx_line(c, line))
			fail("%s:%u: does not parse: '%s'", path, lineno, line);
	}
	free(line);
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		if (err == EIO) {
			ctx_free(c);
			return false;
		}
		fail("%s: %s", path, strerror(err));
	}
	fclose(f);
	if (!lineno)
		fail("%s: empty", path);
	if (!c->kind[0] || !c->account[0])
		fail("%s: no kind or account line", path);
	return true;
}

static void read_totals(const char *path, struct stat_all *all)
{
	char key[64], rest[2], buf[256];
	struct stat_total *t;
	unsigned int lineno = 0;
	FILE *f;

	f = open_tree_file(path);
	if (!f)
		fail("%s: %s", path, strerror(ENOENT));
	while (fgets(buf, sizeof(buf), f)) {
		char num[32];

		lineno++;
		if (sscanf(buf, "%63s %31s %1s", key, num, rest) != 2)
			fail("%s:%u: does not parse", path, lineno);
		t = push(&all->totals, &all->ntotals, sizeof(*t));
		snprintf(t->key, sizeof(t->key), "%s", key);
		if (!parse_ull(num, 10, &t->val))
			fail("%s:%u: does not parse", path, lineno);
	}
	if (ferror(f))
		fail("%s: %s", path, strerror(errno));
	fclose(f);
}

static int cmp_ctx(const void *a, const void *b)
{
	const struct stat_ctx *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/* Every context file of @root (DIR/iommufd), in the order of <n> */
static void read_ctxs(const char *root, struct stat_all *all)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/ctx", root) >= (int)sizeof(path))
		fail("%s: name too long", root);
	d = opendir(path);
	if (!d && errno == EACCES)
		fail("%s: permission denied (debugfs is for root only)", path);
	if (!d)
		fail("%s: %s", path, strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		unsigned long long n;
		struct stat_ctx *c;

		if (!parse_ull(de->d_name, 10, &n))
			continue;
		if (snprintf(path, sizeof(path), "%s/ctx/%s", root,
			     de->d_name) >= (int)sizeof(path))
			fail("%s/ctx/%s: name too long", root, de->d_name);
		c = push(&all->ctxs, &all->nctxs, sizeof(*c));
		c->n = n;
		if (!read_ctx(path, c))
			all->nctxs--;
	}
	if (errno)
		fail("%s/ctx: %s", root, strerror(errno));
	closedir(d);
	if (all->nctxs)
		qsort(all->ctxs, all->nctxs, sizeof(*all->ctxs), cmp_ctx);
}

/*
 * Where the tree is: @dir/iommufd. For the default @dir, mount debugfs
 * there first if nothing is mounted on it.
 */
static void find_tree(const char *dir, bool is_default, char *root,
		      size_t len)
{
	struct statfs sfs;
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		if (is_default)
			fail("no debugfs: %s does not exist (a kernel without CONFIG_DEBUG_FS?)",
			     dir);
		fail("no debugfs at %s: not a directory", dir);
	}
	if (is_default && !statfs(dir, &sfs) && sfs.f_type != DEBUGFS_MAGIC &&
	    mount("debugfs", dir, "debugfs", 0, NULL))
		fail("debugfs is not mounted on %s and mounting it failed: %s",
		     dir, strerror(errno));
	if (snprintf(root, len, "%s/iommufd", dir) >= (int)len)
		fail("%s: name too long", dir);
	if (stat(root, &st) && errno == EACCES)
		fail("%s: permission denied (debugfs is for root only)", root);
	if (stat(root, &st) || !S_ISDIR(st.st_mode))
		fail("iommufd is not loaded: there is no %s", root);
}

/* --- What the tables show ---------------------------------------------- */

static size_t count_objects(const struct stat_ctx *c, const char *type)
{
	size_t i, n = 0;

	for (i = 0; i != c->nobjects; i++)
		n += !strcmp(c->objects[i].type, type);
	return n;
}

/* npinned of each page set once: sets of one read are numbered 0.. */
static unsigned long long ctx_pinned(const struct stat_ctx *c)
{
	unsigned long long sum = 0, max = 0;
	bool *seen;
	size_t i;

	for (i = 0; i != c->nareas; i++)
		if (!c->areas[i].busy && c->areas[i].set >= max)
			max = c->areas[i].set + 1;
	seen = calloc(max ?: 1, sizeof(*seen));
	if (!seen)
		fail("out of memory");
	for (i = 0; i != c->nareas; i++) {
		const struct stat_area *a = &c->areas[i];

		if (a->busy || seen[a->set])
			continue;
		seen[a->set] = true;
		sum += a->npinned;
	}
	free(seen);
	return sum;
}

/*
 * JSON output, written by hand: j_open() and j_close() nest objects and
 * arrays, j_key() names the next value; commas come by themselves.
 */
#define J_MAX_DEPTH 8

static struct {
	int depth;
	bool first[J_MAX_DEPTH];	/* nothing in the container yet */
	bool after_key;			/* the next value is a key's */
} j = { .first = { true } };

static void j_sep(void)
{
	if (j.after_key) {
		j.after_key = false;
		return;
	}
	if (!j.first[j.depth])
		putchar(',');
	j.first[j.depth] = false;
}

/* A string: quotes, backslashes and bytes outside ASCII escaped */
static void j_str(const char *s)
{
	j_sep();
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void j_key(const char *key)
{
	j_str(key);
	putchar(':');
	j.after_key = true;
}

/* '{' or '['; the objects in the top object's arrays each on a line */
static void j_open(char ch)
{
	j_sep();
	if (ch == '{' && j.depth == 2)
		putchar('\n');
	putchar(ch);
	if (j.depth + 1 == J_MAX_DEPTH)
		fail("JSON nested too deep");
	j.first[++j.depth] = true;
}

static void j_close(char ch)
{
	j.depth--;
	putchar(ch);
}

static void j_uint(const char *key, unsigned long long val)
{
	j_key(key);
	j_sep();
	printf("%llu", val);
}

static void j_int(const char *key, long long val)
{
	j_key(key);
	j_sep();
	printf("%lld", val);
}

static void j_bool(const char *key, bool val)
{
	j_key(key);
	j_sep();
	printf("%s", val ? "true" : "false");
}

static void j_string(const char *key, const char *val)
{
	j_key(key);
	j_str(val);
}

/* A command name for a table: blanks and odd bytes as '?' */
static const char *text_comm(const char *comm, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", *comm ? comm : "-");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] <= 0x20 ||
		    (unsigned char)buf[i] >= 0x7f)
			buf[i] = '?';
	return buf;
}

/* A size exactly, in the largest binary unit that divides it */
static const char *text_size(unsigned long long size, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (size && !(size & 1023) && u < 5) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", size);
	else
		snprintf(buf, len, "%llu%c", size, units[u]);
	return buf;
}

static void print_summary_text(const struct stat_all *all)
{
	char comm[64];
	size_t i;

	printf("totals:\n");
	for (i = 0; i != all->ntotals; i++)
		printf("  %-20s %llu\n", all->totals[i].key,
		       all->totals[i].val);
	printf("\ncontexts: %zu\n", all->nctxs);
	if (!all->nctxs)
		return;
	printf("%5s %7s %-16s %-4s %-10s %7s %4s %6s %10s %7s %8s\n", "CTX",
	       "PID", "COMM", "KIND", "ACCOUNT", "OBJECTS", "IOAS", "AREAS",
	       "PINNED", "DEVICES", "ACCESSES");
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		printf("%5lu %7ld %-16s %-4s %-10s %7zu %4zu %6zu %10llu %7zu %8zu\n",
		       c->n, c->pid, text_comm(c->comm, comm, sizeof(comm)),
		       c->kind, c->account, c->nobjects,
		       count_objects(c, "ioas"), c->nareas, ctx_pinned(c),
		       count_objects(c, "device"), count_objects(c, "access"));
	}
}

static void print_totals_json(const struct stat_all *all)
{
	size_t i;

	j_key("totals");
	j_open('{');
	for (i = 0; i != all->ntotals; i++)
		j_uint(all->totals[i].key, all->totals[i].val);
	j_close('}');
}

static void print_summary_json(const struct stat_all *all)
{
	size_t i;

	j_open('{');
	print_totals_json(all);
	j_key("contexts");
	j_open('[');
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		j_open('{');
		j_uint("n", c->n);
		j_int("pid", c->pid);
		j_string("comm", c->comm);
		j_string("kind", c->kind);
		j_string("account", c->account);
		j_uint("objects", c->nobjects);
		j_uint("ioases", count_objects(c, "ioas"));
		j_uint("areas", c->nareas);
		j_uint("sets", c->nsets);
		j_uint("pinned_pages", ctx_pinned(c));
		j_uint("devices", count_objects(c, "device"));
		j_uint("accesses", count_objects(c, "access"));
		j_close('}');
	}
	j_close(']');
	j_close('}');
	putchar('\n');
}

/* The contexts of @pid; exits if there are none */
static size_t pid_ctxs(const struct stat_all *all, long pid)
{
	size_t i, n = 0;

	for (i = 0; i != all->nctxs; i++)
		n += all->ctxs[i].pid == pid;
	if (!n)
		fail("no iommufd context belongs to pid %ld%s", pid,
		     kill(pid, 0) && errno == ESRCH ? " (no such process)" :
						      "");
	return n;
}

static void print_areas_text(const struct stat_all *all, long pid)
{
	char comm[64], sz[32];
	size_t i, j, k;
	bool head;

	printf("pid %ld: %zu context(s):", pid, pid_ctxs(all, pid));
	for (i = 0; i != all->nctxs; i++)
		if (all->ctxs[i].pid == pid)
			printf(" %lu (%s, %s, account %s)", all->ctxs[i].n,
			       text_comm(all->ctxs[i].comm, comm,
					 sizeof(comm)),
			       all->ctxs[i].kind, all->ctxs[i].account);
	printf("\n\nareas:\n");
	printf("%5s %4s %-18s %-18s %6s %-4s %4s %8s %8s %7s %-10s %s\n",
	       "CTX", "IOAS", "FIRST", "LAST", "SIZE", "PROT", "SET", "PAGES",
	       "PINNED", "OWNER", "ACCOUNT", "SOURCE");
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		if (c->pid != pid)
			continue;
		for (j = 0; j != c->nareas; j++) {
			const struct stat_area *a = &c->areas[j];

			printf("%5lu %4u 0x%016llx 0x%016llx %6s ", c->n,
			       a->ioas, a->first, a->last,
			       text_size(a->last - a->first + 1, sz,
					 sizeof(sz)));
			if (a->busy)
				printf("(busy: being mapped or unmapped)\n");
			else
				printf("%-4s %4llu %8llu %8llu %7ld %-10s %s\n",
				       a->prot, a->set, a->npages, a->npinned,
				       a->owner, a->account,
				       a->source[0] ? a->source : "-");
		}
	}

	printf("\ndomains:\n%5s %4s %4s %-4s %s\n", "CTX", "HWPT", "IOAS",
	       "AUTO", "DEVICES");
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		if (c->pid != pid)
			continue;
		for (j = 0; j != c->nhwpts; j++) {
			head = true;
			printf("%5lu %4u %4u %-4s ", c->n, c->hwpts[j].id,
			       c->hwpts[j].ioas,
			       c->hwpts[j].autodomain ? "yes" : "no");
			for (k = 0; k != c->ndevices; k++) {
				if (c->devices[k].hwpt != c->hwpts[j].id)
					continue;
				printf("%s%u", head ? "" : ",",
				       c->devices[k].id);
				head = false;
			}
			printf("%s\n", head ? "-" : "");
		}
	}

	printf("\ndevices:\n%5s %4s %-14s %s\n", "CTX", "ID", "HWPT", "DEVICE");
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		if (c->pid != pid)
			continue;
		for (j = 0; j != c->ndevices; j++) {
			printf("%5lu %4u ", c->n, c->devices[j].id);
			if (c->devices[j].hwpt)
				printf("%-14u ", c->devices[j].hwpt);
			else
				printf("%-14s ", "(not attached)");
			printf("%s\n", c->devices[j].dev[0] ?
			       text_comm(c->devices[j].dev, comm,
					 sizeof(comm)) : "-");
		}
	}

	printf("\naccesses:\n%5s %4s %4s %8s\n", "CTX", "ID", "IOAS",
	       "PINNED");
	for (i = 0; i != all->nctxs; i++) {
		const struct stat_ctx *c = &all->ctxs[i];

		if (c->pid != pid)
			continue;
		for (j = 0; j != c->naccesses; j++)
			printf("%5lu %4u %4u %8llu\n", c->n,
			       c->accesses[j].id, c->accesses[j].ioas,
			       c->accesses[j].pinned);
	}
}

static void print_areas_json(const struct stat_all *all, long pid)
{
	const struct stat_ctx *c;
	size_t i, k;

	pid_ctxs(all, pid);
	j_open('{');
	j_int("pid", pid);
	j_key("contexts");
	j_open('[');
	for (c = next_pid_ctx(all, NULL, pid); c;
	     c = next_pid_ctx(all, c, pid)) {
		j_open('{');
		j_uint("n", c->n);
		j_string("comm", c->comm);
		j_string("kind", c->kind);
		j_string("account", c->account);
		j_close('}');
	}
	j_close(']');

	j_key("areas");
	j_open('[');
	for (c = next_pid_ctx(all, NULL, pid); c;
	     c = next_pid_ctx(all, c, pid)) {
		for (i = 0; i != c->nareas; i++) {
			const struct stat_area *a = &c->areas[i];

			j_open('{');
			j_uint("ctx", c->n);
			j_uint("ioas", a->ioas);
			j_uint("first", a->first);
			j_uint("last", a->last);
			j_uint("size", a->last - a->first + 1);
			j_bool("busy", a->busy);
			if (!a->busy) {
				j_string("prot", a->prot);
				j_uint("set", a->set);
				j_uint("npages", a->npages);
				j_uint("pinned", a->npinned);
				j_int("owner", a->owner);
				j_string("account", a->account);
				if (a->source[0])
					j_string("source", a->source);
			}
			j_close('}');
		}
	}
	j_close(']');

	j_key("domains");
	j_open('[');
	for (c = next_pid_ctx(all, NULL, pid); c;
	     c = next_pid_ctx(all, c, pid)) {
		for (i = 0; i != c->nhwpts; i++) {
			j_open('{');
			j_uint("ctx", c->n);
			j_uint("hwpt", c->hwpts[i].id);
			j_uint("ioas", c->hwpts[i].ioas);
			j_bool("auto", c->hwpts[i].autodomain);
			j_key("devices");
			j_open('[');
			for (k = 0; k != c->ndevices; k++) {
				if (c->devices[k].hwpt != c->hwpts[i].id)
					continue;
				j_sep();
				printf("%u", c->devices[k].id);
			}
			j_close(']');
			j_close('}');
		}
	}
	j_close(']');

	j_key("devices");
	j_open('[');
	for (c = next_pid_ctx(all, NULL, pid); c;
	     c = next_pid_ctx(all, c, pid)) {
		for (i = 0; i != c->ndevices; i++) {
			j_open('{');
			j_uint("ctx", c->n);
			j_uint("id", c->devices[i].id);
			j_uint("hwpt", c->devices[i].hwpt);
			if (c->devices[i].dev[0])
				j_string("dev", c->devices[i].dev);
			j_close('}');
		}
	}
	j_close(']');

	j_key("accesses");
	j_open('[');
	for (c = next_pid_ctx(all, NULL, pid); c;
	     c = next_pid_ctx(all, c, pid)) {
		for (i = 0; i != c->naccesses; i++) {
			j_open('{');
			j_uint("ctx", c->n);
			j_uint("id", c->accesses[i].id);
			j_uint("ioas", c->accesses[i].ioas);
			j_uint("pinned", c->accesses[i].pinned);
			j_close('}');
		}
	}
	j_close(']');
	j_close('}');
	putchar('\n');
}

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: %s [--json] [--debugfs DIR]\n"
		"       %s --areas PID [--json] [--debugfs DIR]\n"
		"\n"
		"Show what is mapped and pinned through iommufd, from its debugfs\n"
		"view (DIR/iommufd; root only).\n"
		"\n"
		"  (no option)    the module's totals, then one row per context\n"
		"                 (a /dev/iommu open or a VFIO container): its\n"
		"                 objects, IOASes, areas, pinned pages (each page\n"
		"                 set once), devices and accesses\n"
		"  -a, --areas PID  every area, domain, device and access of the\n"
		"                 contexts of process PID\n"
		"  -j, --json     the same as one JSON object\n"
		"  -d, --debugfs DIR  where debugfs is (default %s,\n"
		"                 mounted there if need be)\n"
		"  -h, --help     this text\n"
		"\n"
		"Exit status: 0; 1 on an error (no debugfs, iommufd not loaded,\n"
		"no context of PID); 2 on a usage error.\n",
		prog, prog, DEFAULT_DEBUGFS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "areas", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "debugfs", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = DEFAULT_DEBUGFS;
	struct stat_all all = {};
	char root[PATH_MAX], path[PATH_MAX + 16];
	bool json = false, is_default = true;
	long pid = -1;
	int opt;

	while ((opt = getopt_long(argc, argv, "a:jd:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (!parse_long(optarg, &pid) || !pid || pid > INT_MAX) {
				fprintf(stderr, "%s: --areas: not a pid: '%s'\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dir = optarg;
			is_default = false;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		print_help(stderr);
		return 2;
	}

	find_tree(dir, is_default, root, sizeof(root));
	snprintf(path, sizeof(path), "%s/totals", root);
	read_totals(path, &all);
	read_ctxs(root, &all);

	if (pid < 0 && json)
		print_summary_json(&all);
	else if (pid < 0)
		print_summary_text(&all);
	else if (json)
		print_areas_json(&all, pid);
	else
		print_areas_text(&all, pid);
	if (fflush(stdout) || ferror(stdout))
		fail("writing the output: %s", strerror(errno));
	return 0;
}
