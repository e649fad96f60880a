/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the VFIO container tests, which run every test on both
 * container backends: the kernel's vfio_iommu_type1 and our iommufd_vfio.
 *
 * Both backends are registered at once. VFIO tries the most recently
 * registered driver first, which is iommufd_vfio; its runtime parameter
 * "enable" makes it decline new containers, so that they fall back to
 * type1. Which backend really took a container is read from the module's
 * reference count: every container it serves holds one reference.
 *
 * Like iommufd_utils.h, wrappers return 0 or -errno.
 */
#ifndef _VFIO_UTILS_H
#define _VFIO_UTILS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#define VFIO_CONTAINER_DEV "/dev/vfio/vfio"
#define IOMMUFD_VFIO_SYSFS "/sys/module/iommufd_vfio"

enum vfio_backend {
	VFIO_BACKEND_TYPE1,
	VFIO_BACKEND_IOMMUFD,
};

static inline const char *vfio_backend_name(enum vfio_backend b)
{
	return b == VFIO_BACKEND_IOMMUFD ? "iommufd_vfio" : "vfio_iommu_type1";
}

static inline int vfio_ioctl(int fd, unsigned long request, void *arg)
{
	if (ioctl(fd, request, arg))
		return -errno;
	return 0;
}

/* Write a string to a sysfs file; 0 or -errno. */
static inline int vfio_sysfs_write(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd, rc = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		rc = -errno;
	close(fd);
	return rc;
}

/* Read a decimal number from a sysfs file; -errno on failure. */
static inline long vfio_sysfs_read_long(const char *path)
{
	char buf[64] = {};
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 10);
}

/* References held on iommufd_vfio.ko; -ENOENT if it is not loaded. */
static inline long vfio_iommufd_refcnt(void)
{
	return vfio_sysfs_read_long(IOMMUFD_VFIO_SYSFS "/refcnt");
}

/*
 * Make new containers go to @b. Choosing iommufd when its module is not
 * loaded is an error (-ENOENT), never a silent fallback.
 */
static inline int vfio_backend_select(enum vfio_backend b)
{
	const char *param = IOMMUFD_VFIO_SYSFS "/parameters/enable";

	if (access(IOMMUFD_VFIO_SYSFS, F_OK))
		return b == VFIO_BACKEND_IOMMUFD ? -ENOENT : 0;
	return vfio_sysfs_write(param, b == VFIO_BACKEND_IOMMUFD ? "Y" : "N");
}

/* The IOMMU group number of a device in sysfs (a directory path). */
static inline int vfio_group_id_of(const char *sysfs_dev)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/iommu_group", sysfs_dev);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	slash = strrchr(target, '/');
	return atoi(slash ? slash + 1 : target);
}

/* Read a hex number ("0x1234") from a sysfs file; -1 on failure. */
static inline long vfio_sysfs_read_hex(const char *path)
{
	unsigned int v;
	FILE *f;
	int n;

	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%x", &v);
	fclose(f);
	return n == 1 ? (long)v : -1;
}

/*
 * Find the PCI device @vendor:@device bound to vfio-pci; fills @bdf with
 * its address ("0000:00:04.0"). 0 or -ENODEV.
 */
static inline int vfio_find_pci(unsigned int vendor, unsigned int device,
				char *bdf, size_t len)
{
	const char *dir = "/sys/bus/pci/drivers/vfio-pci";
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -ENODEV;
	while ((de = readdir(d))) {
		if (!strchr(de->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "%s/%s/vendor", dir, de->d_name);
		if (vfio_sysfs_read_hex(path) != vendor)
			continue;
		snprintf(path, sizeof(path), "%s/%s/device", dir, de->d_name);
		if (vfio_sysfs_read_hex(path) != device)
			continue;
		snprintf(bdf, len, "%s", de->d_name);
		closedir(d);
		return 0;
	}
	closedir(d);
	return -ENODEV;
}

/*
 * One container with one group, set up the way QEMU 7.2 does it
 * (GET_API_VERSION, CHECK_EXTENSION, SET_CONTAINER, SET_IOMMU).
 */
struct vfio_ctr {
	int container;
	int group;
	int group_id;
};

static inline void vfio_ctr_close(struct vfio_ctr *c)
{
	if (c->group >= 0)
		close(c->group);
	if (c->container >= 0)
		close(c->container);
	c->group = c->container = -1;
}

/*
 * Open group @group_id and a new container, put the group in it and set
 * @type on backend @b. Fails with -EXDEV if the other backend took the
 * container. On failure everything is closed again.
 */
static inline int vfio_ctr_open(struct vfio_ctr *c, int group_id,
				unsigned long type, enum vfio_backend b)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	long before, after;
	int rc;

	c->group = c->container = -1;
	c->group_id = group_id;
	rc = vfio_backend_select(b);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	c->group = open(path, O_RDWR);
	if (c->group < 0) {
		rc = -errno;
		goto err;
	}
	rc = vfio_ioctl(c->group, VFIO_GROUP_GET_STATUS, &status);
	if (rc)
		goto err;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		rc = -EBUSY;
		goto err;
	}
	c->container = open(VFIO_CONTAINER_DEV, O_RDWR);
	if (c->container < 0) {
		rc = -errno;
		goto err;
	}
	if (ioctl(c->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		rc = -EPROTO;
		goto err;
	}
	rc = vfio_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container);
	if (rc)
		goto err;
	before = vfio_iommufd_refcnt();
	if (ioctl(c->container, VFIO_SET_IOMMU, type)) {
		rc = -errno;
		goto err;
	}
	after = vfio_iommufd_refcnt();
	if (before >= 0 &&
	    (after > before) != (b == VFIO_BACKEND_IOMMUFD)) {
		rc = -EXDEV;
		goto err;
	}
	return 0;
err:
	vfio_ctr_close(c);
	return rc;
}

#endif
