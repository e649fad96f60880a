/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests that drive the sample mdev-style VFIO device
 * (iommufd_vfio_sample.ko, see iommufd_vfio_sample.h) through a VFIO
 * container on either backend (vfio_utils.h). Like vfio_utils.h, the
 * wrappers return 0 (or a file descriptor) or -errno.
 */
#ifndef _VFIO_SAMPLE_UTILS_H
#define _VFIO_SAMPLE_UTILS_H

#include <stdint.h>
#include <sys/mman.h>

#include "vfio_utils.h"
#include "iommufd_vfio_sample.h"

#define VFIO_SAMPLE_SYSFS "/sys/module/" IOMMUFD_VFIO_SAMPLE_NAME

static inline bool vfio_sample_loaded(void)
{
	return !access(VFIO_SAMPLE_SYSFS, F_OK);
}

static inline void vfio_sample_dev_name(int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%d", IOMMUFD_VFIO_SAMPLE_NAME, n);
}

/* The fake IOMMU group of sample device @n, or -errno. */
static inline int vfio_sample_group_id(int n)
{
	char name[64], path[128];

	vfio_sample_dev_name(n, name, sizeof(name));
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", name);
	return vfio_group_id_of(path);
}

/* Open group @group_id and put it in @container, which has a backend. */
static inline int vfio_sample_add_group(int container, int group_id)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	rc = vfio_ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* A device fd of sample device @n through its group fd, or -errno. */
static inline int vfio_sample_open_dev(int group, int n)
{
	char name[64];
	int fd;

	vfio_sample_dev_name(n, name, sizeof(name));
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	return fd < 0 ? -errno : fd;
}

static inline int vfio_sample_pin(int dev, __u64 iova, __u32 npage,
				  __u32 prot, __u64 *pfns)
{
	struct iommufd_vfio_sample_pin cmd = {
		.iova = iova,
		.npage = npage,
		.prot = prot,
		.pfns = (uintptr_t)pfns,
	};

	return vfio_ioctl(dev, IOMMUFD_VFIO_SAMPLE_PIN, &cmd);
}

static inline int vfio_sample_unpin(int dev, __u64 iova, __u32 npage)
{
	struct iommufd_vfio_sample_pin cmd = { .iova = iova, .npage = npage };

	return vfio_ioctl(dev, IOMMUFD_VFIO_SAMPLE_UNPIN, &cmd);
}

static inline int vfio_sample_rw(int dev, __u64 iova, void *buf, __u32 len,
				 __u32 flags)
{
	struct iommufd_vfio_sample_rw cmd = {
		.iova = iova,
		.uptr = (uintptr_t)buf,
		.length = len,
		.flags = flags,
	};

	return vfio_ioctl(dev, IOMMUFD_VFIO_SAMPLE_RW, &cmd);
}

static inline int vfio_sample_info(int dev,
				   struct iommufd_vfio_sample_info *info)
{
	memset(info, 0xff, sizeof(*info));
	return vfio_ioctl(dev, IOMMUFD_VFIO_SAMPLE_INFO, info);
}

/* Pages all sample devices hold pinned, or -errno. */
static inline long vfio_sample_pinned(void)
{
	return vfio_sysfs_read_long(IOMMUFD_VFIO_SAMPLE_PINNED);
}

/* A "Key:   123 kB" line of /proc/self/status, in kB; -1 if absent. */
static inline long mdev_status_kb(const char *key)
{
	long bytes = vfio_proc_status(key);

	return bytes < 0 ? -1 : bytes / 1024;
}

static inline int mdev_dma_map(int container, void *vaddr, __u64 iova,
			       __u64 size, __u32 flags)
{
	return vfio_map(container, iova, vaddr, size, flags);
}

/* UNMAP_DMA; on success *@out_size (if given) is the size unmapped. */
static inline int mdev_dma_unmap(int container, __u64 iova, __u64 size,
				 __u32 flags, __u64 *out_size)
{
	__u64 done;
	int rc;

	rc = vfio_unmap(container, iova, size, flags, &done);
	if (!rc && out_size)
		*out_size = done;
	return rc;
}

/* The PFN behind @va (needs root), 0 if none, -errno on failure. */
static inline long long mdev_pagemap_pfn(const void *va)
{
	long psize = sysconf(_SC_PAGESIZE);
	__u64 ent;
	ssize_t n;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, &ent, sizeof(ent),
		  (off_t)((uintptr_t)va / psize) * sizeof(ent));
	close(fd);
	if (n != sizeof(ent))
		return -EIO;
	if (!(ent >> 63))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

#endif
