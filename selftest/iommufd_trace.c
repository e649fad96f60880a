// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd's tracepoints (iommufd_trace.h), read back through tracefs.
 *
 * Each test records into a trace instance of its own, with only the
 * iommufd events enabled, does some requests and then checks that each
 * produced the events it should, with the right fields: the IOAS
 * commands, the pins and unpins they cause (their page counts must add
 * up), device attach and detach, an access's unmap callback with its
 * duration, CHANGE_PROCESS, and VFIO's MAP_DMA and UNMAP_DMA on both
 * doors. The mock IOMMU of the test build supplies the domains.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/stat.h>

#include "iommufd_utils.h"
#include "vfio_sample_utils.h"

#define TRACEFS "/sys/kernel/tracing"
#define INSTANCE TRACEFS "/instances/iommufd_selftest"
#define TRACE_MAX (4UL << 20)

#define PG 4096UL
#define IOVA (MOCK_APERTURE_START + 0x100000ULL)
#define NPAGES 16UL

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Mount tracefs if need be; 0 or -errno. */
static int tracefs_ready(void)
{
	if (!access(TRACEFS "/instances", F_OK))
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return access(TRACEFS "/instances", F_OK) ? -errno : 0;
}

/* The trace of the instance so far, NUL-terminated; NULL on failure. */
static char *trace_read(void)
{
	char *buf = malloc(TRACE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(INSTANCE "/trace", O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < TRACE_MAX &&
	       (n = read(fd, buf + len, TRACE_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return buf;
}

/*
 * The fields of the @nth (from 0) event @name in @trace, or NULL. The
 * fields are what TP_printk made, after "<name>: ".
 */
static const char *trace_event(const char *trace, const char *name,
			       unsigned int nth)
{
	char key[96];
	const char *p = trace;

	snprintf(key, sizeof(key), " %s: ", name);
	while ((p = strstr(p, key))) {
		p += strlen(key);
		if (!nth--)
			return p;
	}
	return NULL;
}

static unsigned int trace_count(const char *trace, const char *name)
{
	unsigned int n = 0;

	while (trace_event(trace, name, n))
		n++;
	return n;
}

/* Sum of the npages= fields of every event @name */
static unsigned long trace_sum_npages(const char *trace, const char *name)
{
	unsigned long sum = 0, v;
	const char *e, *f;
	unsigned int i;

	for (i = 0; (e = trace_event(trace, name, i)); i++) {
		f = strstr(e, "npages=");
		if (f && sscanf(f, "npages=%lu", &v) == 1)
			sum += v;
	}
	return sum;
}

FIXTURE(trace) {
	int fd;
	__u32 ioas;
	void *buf;
	char *trace;
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	self->fd = -1;
	self->buf = NULL;
	self->trace = NULL;
	if (geteuid())
		SETUP_SKIP("tracefs needs root");
	if (tracefs_ready())
		SETUP_SKIP("no tracefs");
	if (stat(TRACEFS "/events/iommufd", &st))
		SETUP_SKIP("no iommufd events (a kernel without tracepoints)");
	if (!access(INSTANCE, F_OK))
		ASSERT_EQ(0, rmdir(INSTANCE));
	ASSERT_EQ(0, mkdir(INSTANCE, 0700));
	ASSERT_EQ(0, write_str(INSTANCE "/events/iommufd/enable", "1"));

	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (md_check_refs(self->fd, NULL, 0, 0) == -ENOTTY)
		SETUP_SKIP("no IOMMU_TEST_CMD in the module");
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	self->buf = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, NPAGES * PG);
	free(self->trace);
	if (!access(INSTANCE, F_OK)) {
		write_str(INSTANCE "/events/iommufd/enable", "0");
		rmdir(INSTANCE);
	}
}

/* Stop recording and read what was recorded into self->trace */
#define TRACE_STOP()                                                        \
	do {                                                                \
		ASSERT_EQ(0, write_str(INSTANCE "/events/iommufd/enable",   \
				       "0"));                               \
		self->trace = trace_read();                                 \
		ASSERT_NE(NULL, self->trace);                               \
	} while (0)

/*
 * MAP and UNMAP with a mock domain attached: one event each, with the
 * request's fields and result; the pins add up to the mapping's pages,
 * the unpins too; attach and detach of the mock device; a failed UNMAP
 * is traced with its errno.
 */
TEST_F(trace, map_unmap)
{
	__u32 stdev, hwpt, idev, ioas, hwpt2, old, dev2, hwpt3;
	unsigned long long iova, length, unmapped;
	__u64 unmapped_out = 0;
	unsigned int flags;
	char source[16];
	const char *e;
	int rc;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, &stdev, &hwpt, &idev));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf,
				    NPAGES * PG, IOVA));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, NPAGES * PG,
				&unmapped_out));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas, IOVA, PG, NULL));
	ASSERT_EQ(0, obj_destroy(self->fd, stdev));
	TRACE_STOP();

	ASSERT_EQ(1U, trace_count(self->trace, "iommufd_ioas_map"));
	e = trace_event(self->trace, "iommufd_ioas_map", 0);
	ASSERT_EQ(6, sscanf(e, "ioas=%u iova=%llx length=%llx flags=%x source=%15s rc=%d",
			    &ioas, &iova, &length, &flags, source, &rc));
	EXPECT_EQ(self->ioas, ioas);
	EXPECT_EQ(IOVA, iova);
	EXPECT_EQ(NPAGES * PG, length);
	EXPECT_EQ((unsigned int)MAP_FIXED_RW, flags);
	EXPECT_STREQ("user", source);
	EXPECT_EQ(0, rc);

	EXPECT_EQ(NPAGES, trace_sum_npages(self->trace, "iommufd_pages_pin"));
	EXPECT_EQ(NPAGES,
		  trace_sum_npages(self->trace, "iommufd_pages_unpin"));

	ASSERT_EQ(2U, trace_count(self->trace, "iommufd_ioas_unmap"));
	e = trace_event(self->trace, "iommufd_ioas_unmap", 0);
	ASSERT_EQ(5, sscanf(e, "ioas=%u iova=%llx length=%llx unmapped=%llx rc=%d",
			    &ioas, &iova, &length, &unmapped, &rc));
	EXPECT_EQ(self->ioas, ioas);
	EXPECT_EQ(IOVA, iova);
	EXPECT_EQ(NPAGES * PG, length);
	EXPECT_EQ(NPAGES * PG, unmapped);
	EXPECT_EQ(0, rc);
	e = trace_event(self->trace, "iommufd_ioas_unmap", 1);
	ASSERT_EQ(5, sscanf(e, "ioas=%u iova=%llx length=%llx unmapped=%llx rc=%d",
			    &ioas, &iova, &length, &unmapped, &rc));
	EXPECT_EQ(0ULL, unmapped);
	EXPECT_EQ(-ENOENT, rc);

	ASSERT_EQ(1U, trace_count(self->trace, "iommufd_device_attach"));
	e = trace_event(self->trace, "iommufd_device_attach", 0);
	ASSERT_EQ(5, sscanf(e, "dev=%u hwpt=%u old_hwpt=%u ioas=%u rc=%d",
			    &dev2, &hwpt2, &old, &ioas, &rc));
	EXPECT_EQ(idev, dev2);
	EXPECT_EQ(hwpt, hwpt2);
	EXPECT_EQ(0U, old);
	EXPECT_EQ(self->ioas, ioas);
	EXPECT_EQ(0, rc);
	ASSERT_EQ(1U, trace_count(self->trace, "iommufd_device_detach"));
	e = trace_event(self->trace, "iommufd_device_detach", 0);
	ASSERT_EQ(5, sscanf(e, "dev=%u hwpt=%u old_hwpt=%u ioas=%u rc=%d",
			    &dev2, &hwpt3, &old, &ioas, &rc));
	EXPECT_EQ(idev, dev2);
	EXPECT_EQ(hwpt, hwpt3);
}

/*
 * MAP_FILE (source=file), COPY into a second IOAS, and CHANGE_PROCESS
 * from the owner itself, which moves nothing.
 */
TEST_F(trace, file_copy_change_process)
{
	unsigned long long dst_iova, src_iova, length;
	unsigned long user_pages, mm_pages;
	__u32 other, dst, src, nioas, nsets;
	__u64 iova = IOVA;
	char source[16];
	const char *e;
	int mfd, rc;

	mfd = memfd_create("trace", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, NPAGES * PG));
	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ioas_map_file(self->fd, self->ioas, MAP_FIXED_RW, mfd, 0,
				   NPAGES * PG, &iova));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, other, IOVA + PG, self->ioas,
				     IOVA, 2 * PG));
	ASSERT_EQ(0, ioas_change_process(self->fd));
	close(mfd);
	TRACE_STOP();

	e = trace_event(self->trace, "iommufd_ioas_map", 0);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(1, sscanf(strstr(e, "source="), "source=%15s", source));
	EXPECT_STREQ("file", source);
	/* No domain: nothing was pinned */
	EXPECT_EQ(0U, trace_count(self->trace, "iommufd_pages_pin"));

	ASSERT_EQ(1U, trace_count(self->trace, "iommufd_ioas_copy"));
	e = trace_event(self->trace, "iommufd_ioas_copy", 0);
	ASSERT_EQ(6, sscanf(e, "dst_ioas=%u dst_iova=%llx src_ioas=%u src_iova=%llx length=%llx rc=%d",
			    &dst, &dst_iova, &src, &src_iova, &length, &rc));
	EXPECT_EQ(other, dst);
	EXPECT_EQ(IOVA + PG, dst_iova);
	EXPECT_EQ(self->ioas, src);
	EXPECT_EQ(IOVA, src_iova);
	EXPECT_EQ(2 * PG, length);
	EXPECT_EQ(0, rc);

	ASSERT_EQ(1U, trace_count(self->trace, "iommufd_change_process"));
	e = trace_event(self->trace, "iommufd_change_process", 0);
	ASSERT_EQ(5, sscanf(e, "ioases=%u sets=%u user_pages=%lu mm_pages=%lu rc=%d",
			    &nioas, &nsets, &user_pages, &mm_pages, &rc));
	EXPECT_EQ(2U, nioas);
	EXPECT_EQ(1U, nsets);
	EXPECT_EQ(0UL, user_pages);
	EXPECT_EQ(0UL, mm_pages);
	EXPECT_EQ(0, rc);
}

/* An UNMAP of pages an access pinned calls it back, timed. */
TEST_F(trace, access_unmap)
{
	unsigned long long iova, length, ns;
	unsigned int id;
	int access_fd;
	const char *e;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas, self->buf,
				    NPAGES * PG, IOVA));
	ASSERT_EQ(0, access_create(self->fd, self->ioas,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &access_fd));
	ASSERT_EQ(0, access_pin(self->fd, access_fd, 0, IOVA + PG, 2 * PG,
				NULL, NULL));
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, NPAGES * PG,
				NULL));
	close(access_fd);
	TRACE_STOP();

	ASSERT_LE(1U, trace_count(self->trace, "iommufd_access_unmap"));
	e = trace_event(self->trace, "iommufd_access_unmap", 0);
	ASSERT_EQ(4, sscanf(e, "access=%u iova=%llx length=%llx duration_ns=%llu",
			    &id, &iova, &length, &ns));
	EXPECT_NE(0U, id);
	EXPECT_EQ(IOVA, iova);
	EXPECT_EQ(NPAGES * PG, length);
	EXPECT_LT(0ULL, ns);
	/* The access's 2 pages were pinned and unpinned */
	EXPECT_EQ(2UL, trace_sum_npages(self->trace, "iommufd_pages_pin"));
	EXPECT_EQ(2UL, trace_sum_npages(self->trace, "iommufd_pages_unpin"));
}

/* Fields of the @nth VFIO event @name */
static int vfio_event(const char *trace, const char *name, unsigned int nth,
		      char *door, unsigned long long *iova,
		      unsigned long long *size, int *rc)
{
	const char *e = trace_event(trace, name, nth), *f;

	if (!e || sscanf(e, "door=%15s", door) != 1)
		return -ENOENT;
	f = strstr(e, "iova=");
	if (!f || sscanf(f, "iova=%llx size=%llx", iova, size) != 2)
		return -EINVAL;
	f = strstr(e, "rc=");
	if (!f || sscanf(f, "rc=%d", rc) != 1)
		return -EINVAL;
	return 0;
}

/*
 * VFIO's MAP_DMA and UNMAP_DMA: on /dev/iommu's compat IOAS, and, with
 * the sample VFIO device, on a VFIO container.
 */
TEST_F(trace, vfio_map_unmap)
{
	unsigned long long iova, size;
	struct vfio_ctr c;
	char door[16];
	int rc, group_id;
	bool ctr = false;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas));
	ASSERT_EQ(0, vfio_map(self->fd, IOVA, self->buf, NPAGES * PG,
			      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	ASSERT_EQ(0, vfio_unmap(self->fd, IOVA, NPAGES * PG, 0, NULL));
	if (vfio_sample_loaded() && !access(IOMMUFD_VFIO_SYSFS, F_OK)) {
		group_id = vfio_sample_group_id(0);
		ASSERT_LE(0, group_id);
		ASSERT_EQ(0, vfio_ctr_open(&c, group_id, VFIO_TYPE1v2_IOMMU,
					   VFIO_BACKEND_IOMMUFD));
		ASSERT_EQ(0, vfio_map(c.container, 2 * IOVA, self->buf, PG,
				      VFIO_DMA_MAP_FLAG_READ));
		ASSERT_EQ(0, vfio_unmap(c.container, 2 * IOVA, PG, 0, NULL));
		vfio_ctr_close(&c);
		ctr = true;
	}
	TRACE_STOP();

	ASSERT_EQ(0, vfio_event(self->trace, "iommufd_vfio_map_dma", 0, door,
				&iova, &size, &rc));
	EXPECT_STREQ("iommufd", door);
	EXPECT_EQ(IOVA, iova);
	EXPECT_EQ(NPAGES * PG, size);
	EXPECT_EQ(0, rc);
	ASSERT_EQ(0, vfio_event(self->trace, "iommufd_vfio_unmap_dma", 0,
				door, &iova, &size, &rc));
	EXPECT_STREQ("iommufd", door);
	EXPECT_EQ(IOVA, iova);
	EXPECT_EQ(0, rc);
	EXPECT_NE(NULL, strstr(trace_event(self->trace,
					   "iommufd_vfio_unmap_dma", 0),
			       "unmapped=0x10000 "));
	if (!ctr)
		return;
	ASSERT_EQ(0, vfio_event(self->trace, "iommufd_vfio_map_dma", 1, door,
				&iova, &size, &rc));
	EXPECT_STREQ("container", door);
	EXPECT_EQ(2 * IOVA, iova);
	EXPECT_EQ(PG, size);
	ASSERT_EQ(0, vfio_event(self->trace, "iommufd_vfio_unmap_dma", 1,
				door, &iova, &size, &rc));
	EXPECT_STREQ("container", door);
	EXPECT_EQ(0, rc);
}

TEST_HARNESS_MAIN
