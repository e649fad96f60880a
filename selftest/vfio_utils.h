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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "setup_skip.h"

#define VFIO_CONTAINER_DEV "/dev/vfio/vfio"
#define IOMMUFD_VFIO_SYSFS "/sys/module/iommufd_vfio"
#define VFIO_TYPE1_SYSFS "/sys/module/vfio_iommu_type1"

enum vfio_backend {
	VFIO_BACKEND_TYPE1,
	VFIO_BACKEND_IOMMUFD,
};

static inline const char *vfio_backend_name(enum vfio_backend b)
{
	return b == VFIO_BACKEND_IOMMUFD ? "iommufd_vfio" : "vfio_iommu_type1";
}

/*
 * Every request this is used for returns 0 on success; a positive value
 * comes back as itself, so that it fails the test rather than read as a
 * stale errno.
 */
static inline int vfio_ioctl(int fd, unsigned long request, void *arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
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
 * References held on vfio_iommu_type1.ko; -ENOENT where type1 is built
 * in (the debug kernel), as built-in modules have no refcnt.
 */
static inline long vfio_type1_refcnt(void)
{
	return vfio_sysfs_read_long(VFIO_TYPE1_SYSFS "/refcnt");
}

/*
 * The backend's module parameters. dma_entry_limit has the same meaning
 * on both (read when a container is set up); allow_unsafe_interrupts of
 * the iommufd backend belongs to iommufd.ko, whose real-device provider
 * attaches the groups.
 */
static inline const char *vfio_limit_param(enum vfio_backend b)
{
	return b == VFIO_BACKEND_IOMMUFD ?
		IOMMUFD_VFIO_SYSFS "/parameters/dma_entry_limit" :
		VFIO_TYPE1_SYSFS "/parameters/dma_entry_limit";
}

static inline const char *vfio_msi_param(enum vfio_backend b)
{
	return b == VFIO_BACKEND_IOMMUFD ?
		"/sys/module/iommufd/parameters/allow_unsafe_interrupts" :
		VFIO_TYPE1_SYSFS "/parameters/allow_unsafe_interrupts";
}

/* Write a number to a sysfs file; 0 or -errno. */
static inline int vfio_sysfs_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return vfio_sysfs_write(path, buf);
}

/* A "Vm...:" line of /proc/self/status in bytes; -1 if it is missing. */
static inline long vfio_proc_status(const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static inline long vfio_vmlck(void)
{
	return vfio_proc_status("VmLck");
}

static inline long vfio_vmpin(void)
{
	return vfio_proc_status("VmPin");
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

	if (snprintf(link, sizeof(link), "%s/iommu_group", sysfs_dev) >=
	    (int)sizeof(link))
		return -ENAMETOOLONG;
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
	int n;

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
		n = snprintf(bdf, len, "%s", de->d_name);
		closedir(d);
		return n < (int)len ? 0 : -ENAMETOOLONG;
	}
	closedir(d);
	return -ENODEV;
}

/*
 * Like vfio_find_pci(), for the @nth (from 0) such device in the order
 * of their addresses.
 */
static inline int vfio_find_pci_nth(unsigned int vendor, unsigned int device,
				    unsigned int nth, char *bdf, size_t len)
{
	const char *dir = "/sys/bus/pci/drivers/vfio-pci";
	char path[PATH_MAX], best[256] = "", floor[256] = "";
	unsigned int i;
	struct dirent *de;
	DIR *d;

	/* nth + 1 passes, each taking the lowest address above the last */
	for (i = 0; i <= nth; i++) {
		d = opendir(dir);
		if (!d)
			return -ENODEV;
		best[0] = 0;
		while ((de = readdir(d))) {
			if (!strchr(de->d_name, ':'))
				continue;
			if (floor[0] && strcmp(de->d_name, floor) <= 0)
				continue;
			if (best[0] && strcmp(de->d_name, best) >= 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/vendor", dir,
				 de->d_name);
			if (vfio_sysfs_read_hex(path) != vendor)
				continue;
			snprintf(path, sizeof(path), "%s/%s/device", dir,
				 de->d_name);
			if (vfio_sysfs_read_hex(path) != device)
				continue;
			snprintf(best, sizeof(best), "%s", de->d_name);
		}
		closedir(d);
		if (!best[0])
			return -ENODEV;
		memcpy(floor, best, sizeof(floor));
	}
	if (snprintf(bdf, len, "%s", best) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
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
	c->group = -1;
	c->container = -1;
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
	bool want_iommufd = b == VFIO_BACKEND_IOMMUFD, took;
	long before, after, t1_before, t1_after;
	char path[64];
	int rc;

	c->group = -1;
	c->container = -1;
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
	t1_before = vfio_type1_refcnt();
	if (ioctl(c->container, VFIO_SET_IOMMU, type)) {
		rc = -errno;
		goto err;
	}
	after = vfio_iommufd_refcnt();
	t1_after = vfio_type1_refcnt();
	/* Where a module's count can be read, it must say who took it */
	took = after > before;
	if (before >= 0 && took != want_iommufd) {
		rc = -EXDEV;
		goto err;
	}
	took = t1_after > t1_before;
	if (t1_before >= 0 && took == want_iommufd) {
		rc = -EXDEV;
		goto err;
	}
	return 0;
err:
	vfio_ctr_close(c);
	return rc;
}

/* VFIO_IOMMU_MAP_DMA of [@iova, @iova + @size) to @vaddr; 0 or -errno. */
static inline int vfio_map(int container, __u64 iova, const void *vaddr,
			   __u64 size, __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return vfio_ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

#define VFIO_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/*
 * VFIO_IOMMU_UNMAP_DMA; 0 or -errno. @unmapped (if not NULL) gets the
 * size field as the kernel left it, which it sets only on success.
 */
static inline int vfio_unmap(int container, __u64 iova, __u64 size,
			     __u32 flags, __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int rc;

	rc = vfio_ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (unmapped)
		*unmapped = unmap.size;
	return rc;
}

/*
 * The type1 GET_INFO reply, read the way QEMU 7.2 does: argsz 24 first,
 * then as much as the kernel asked for. @buf gets the whole reply.
 */
static inline int vfio_get_info(int container, void *buf, size_t len)
{
	struct vfio_iommu_type1_info *info = buf;
	__u32 argsz = sizeof(*info);
	int rc;

	for (;;) {
		if (argsz > len)
			return -E2BIG;
		memset(buf, 0, len);
		info->argsz = argsz;
		rc = vfio_ioctl(container, VFIO_IOMMU_GET_INFO, info);
		if (rc)
			return rc;
		if (info->argsz <= argsz)
			return 0;
		argsz = info->argsz;
	}
}

/*
 * The capability with @id in a GET_INFO reply of @len bytes, or NULL.
 * Capabilities need not be aligned (type1's DMA_AVAIL is 12 bytes long),
 * so read them with memcpy.
 */
static inline void *vfio_info_cap(void *buf, size_t len, __u16 id)
{
	struct vfio_iommu_type1_info *info = buf;
	struct vfio_info_cap_header hdr;
	__u32 off = info->cap_offset;
	unsigned int hops = 0;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	while (off && off + sizeof(hdr) <= len && hops++ < 64) {
		memcpy(&hdr, (char *)buf + off, sizeof(hdr));
		if (hdr.id == id)
			return (char *)buf + off;
		off = hdr.next;
	}
	return NULL;
}

/* DMA_AVAIL of the container, or -errno. */
static inline long vfio_dma_avail(int container)
{
	struct vfio_iommu_type1_info_dma_avail cap;
	char buf[1024];
	void *p;
	int rc;

	rc = vfio_get_info(container, buf, sizeof(buf));
	if (rc)
		return rc;
	p = vfio_info_cap(buf, sizeof(buf), VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	if (!p)
		return -ENOENT;
	memcpy(&cap, p, sizeof(cap));
	return cap.avail;
}

/*
 * QEMU's "edu" device (hw/misc/edu.c) behind vfio-pci: BAR0 registers
 * and its DMA engine. The engine copies between guest "RAM" (an IOVA,
 * through the IOMMU) and a 4 KiB buffer inside the device at device
 * address 0x40000. A transfer starts 100 ms of virtual time after the
 * command is written and runs in one go. The device addresses must stay
 * inside the buffer (QEMU aborts otherwise) and the RAM address inside
 * edu's 28-bit DMA mask (higher bits are cut off).
 */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_ID 0x010000ed
#define EDU_BUF 0x40000
#define EDU_BUF_SIZE 4096
#define EDU_DMA_MASK ((1ULL << 28) - 1)
/*
 * QEMU 7.2's edu takes only transfers that end before the last byte of
 * its buffer (and aborts QEMU on any other): at most 4095 bytes at once.
 * vfio_edu_copy() moves data in halves of the buffer.
 */
#define EDU_XFER_MAX 2048
/* Polls of the command register before a transfer counts as lost. */
#define EDU_POLLS 20000

struct vfio_edu {
	int fd;
	__u64 bar0;	/* offsets of the regions in the device fd */
	__u64 config;
};

static inline int vfio_edu_region(struct vfio_edu *e, __u32 index,
				  __u64 *offset, __u64 *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	int rc;

	rc = vfio_ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	if (rc)
		return rc;
	*offset = ri.offset;
	if (size)
		*size = ri.size;
	return 0;
}

static inline int vfio_edu_read32(struct vfio_edu *e, __u32 reg, __u32 *val)
{
	if (pread(e->fd, val, 4, e->bar0 + reg) != 4)
		return -errno ?: -EIO;
	return 0;
}

static inline int vfio_edu_write32(struct vfio_edu *e, __u32 reg, __u32 val)
{
	if (pwrite(e->fd, &val, 4, e->bar0 + reg) != 4)
		return -errno ?: -EIO;
	return 0;
}

/* Turn on memory decoding and bus mastering in the command register. */
static inline int vfio_edu_enable(struct vfio_edu *e)
{
	__u16 cmd;

	if (pread(e->fd, &cmd, 2, e->config + 4) != 2)
		return -errno ?: -EIO;
	cmd |= 0x2 | 0x4;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	if (pwrite(e->fd, &cmd, 2, e->config + 4) != 2)
		return -errno ?: -EIO;
	return 0;
}

/*
 * Open the device @bdf of the group, check it is edu and alive, and let
 * it master the bus. 0 or -errno; e->fd is -1 on failure.
 */
static inline int vfio_edu_open(struct vfio_edu *e, int group,
				const char *bdf)
{
	__u32 id, live;
	int rc;

	e->fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (e->fd < 0)
		return -errno;
	rc = vfio_edu_region(e, VFIO_PCI_BAR0_REGION_INDEX, &e->bar0, NULL);
	if (!rc)
		rc = vfio_edu_region(e, VFIO_PCI_CONFIG_REGION_INDEX,
				     &e->config, NULL);
	if (!rc)
		rc = vfio_edu_enable(e);
	if (!rc)
		rc = vfio_edu_read32(e, EDU_REG_ID, &id);
	if (!rc && id != EDU_ID)
		rc = -ENODEV;
	/* The liveness register answers with the complement */
	if (!rc)
		rc = vfio_edu_write32(e, EDU_REG_LIVENESS, 0x12345678);
	if (!rc)
		rc = vfio_edu_read32(e, EDU_REG_LIVENESS, &live);
	if (!rc && live != ~0x12345678u)
		rc = -EIO;
	if (rc) {
		close(e->fd);
		e->fd = -1;
	}
	return rc;
}

/* Wait for the DMA engine to go idle: 0, or -ETIMEDOUT after EDU_POLLS. */
static inline int vfio_edu_wait(struct vfio_edu *e)
{
	__u32 cmd;
	int i, rc;

	for (i = 0; i < EDU_POLLS; i++) {
		rc = vfio_edu_read32(e, EDU_REG_DMA_CMD, &cmd);
		if (rc)
			return rc;
		if (!(cmd & EDU_DMA_RUN))
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/*
 * One transfer of @len bytes between IOVA @iova and the device buffer
 * at offset @off: into the device, or (@to_ram) out to RAM. Returns
 * once the device is done. A transfer the IOMMU refuses completes as
 * well: the device does not see the fault.
 */
static inline int vfio_edu_dma(struct vfio_edu *e, __u64 iova, __u32 off,
			       __u32 len, bool to_ram)
{
	__u32 dev = EDU_BUF + off;
	int rc;

	if (!len || off >= EDU_BUF_SIZE || len >= EDU_BUF_SIZE - off ||
	    iova > EDU_DMA_MASK || len > EDU_DMA_MASK + 1 - iova)
		return -EINVAL;
	rc = vfio_edu_wait(e);
	if (!rc)
		rc = vfio_edu_write32(e, EDU_REG_DMA_SRC, to_ram ? dev : iova);
	if (!rc)
		rc = vfio_edu_write32(e, EDU_REG_DMA_DST, to_ram ? iova : dev);
	if (!rc)
		rc = vfio_edu_write32(e, EDU_REG_DMA_CNT, len);
	if (!rc)
		rc = vfio_edu_write32(e, EDU_REG_DMA_CMD,
				      EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	if (!rc)
		rc = vfio_edu_wait(e);
	return rc;
}

/* Copy @len bytes from IOVA @src to IOVA @dst through the device */
static inline int vfio_edu_copy(struct vfio_edu *e, __u64 src, __u64 dst,
				__u64 len)
{
	__u32 n;
	int rc;

	while (len) {
		n = len < EDU_XFER_MAX ? len : EDU_XFER_MAX;
		rc = vfio_edu_dma(e, src, 0, n, false);
		if (!rc)
			rc = vfio_edu_dma(e, dst, 0, n, true);
		if (rc)
			return rc;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/*
 * The @nth (from 0) edu bound to vfio-pci: its address into @bdf and its
 * IOMMU group into *@group, unless *@group is already set (>= 0). 0 or
 * -errno.
 */
static inline int vfio_edu_find(unsigned int nth, char *bdf, size_t len,
				int *group)
{
	char path[PATH_MAX];

	if (*group >= 0)
		return 0;
	if (vfio_find_pci_nth(EDU_VENDOR, EDU_DEVICE, nth, bdf, len))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	*group = vfio_group_id_of(path);
	return *group < 0 ? *group : 0;
}

static inline void vfio_edu_close(struct vfio_edu *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

#endif
