/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of the iommufd sample driver (selftest/iommufd_sample.c), a small
 * mediated-device style driver that uses only the exported access kAPI.
 * Each open of /dev/iommufd_sample is one such "device". Test builds only.
 */
#ifndef _IOMMUFD_SAMPLE_H
#define _IOMMUFD_SAMPLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_SAMPLE_TYPE 'S'

/**
 * struct iommufd_sample_bind - IOMMUFD_SAMPLE_BIND
 * @iommufd: an open /dev/iommu of the caller
 * @ioas_id: the IOAS the device's access attaches to
 * @out_access_id: the ACCESS object's ID in that context
 * @__reserved: must be 0
 *
 * Errors: EBUSY if already bound; EBADF for a bad fd; EBADFD for an fd that
 * is not /dev/iommu; ENOENT for a bad IOAS; EADDRINUSE; ENOMEM.
 */
struct iommufd_sample_bind {
	__s32 iommufd;
	__u32 ioas_id;
	__u32 out_access_id;
	__u32 __reserved;
};

/**
 * struct iommufd_sample_range - IOMMUFD_SAMPLE_PIN and _RW
 * @iova: first IOVA
 * @length: bytes
 * @uptr: RW only: the user buffer
 * @write: RW: copy @uptr to the IOVA (else from); PIN: a writable pin
 * @__reserved: must be 0
 *
 * PIN keeps the pages pinned until the IOAS unmaps them (the driver
 * honours its unmap callback) or the device is unbound.
 */
struct iommufd_sample_range {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 uptr;
	__u32 write;
	__u32 __reserved;
};

#define IOMMUFD_SAMPLE_BIND _IOWR(IOMMUFD_SAMPLE_TYPE, 1, struct iommufd_sample_bind)
#define IOMMUFD_SAMPLE_UNBIND _IO(IOMMUFD_SAMPLE_TYPE, 2)
#define IOMMUFD_SAMPLE_PIN _IOW(IOMMUFD_SAMPLE_TYPE, 3, struct iommufd_sample_range)
#define IOMMUFD_SAMPLE_RW _IOW(IOMMUFD_SAMPLE_TYPE, 4, struct iommufd_sample_range)
/* Number of pins the device still holds, as the ioctl's return value. */
#define IOMMUFD_SAMPLE_NR_PINS _IO(IOMMUFD_SAMPLE_TYPE, 5)
/*
 * Misbehave (argument 1) or not (0): a misbehaving device ignores unmap
 * callbacks, to test what UNMAP does about a driver that never lets go.
 */
#define IOMMUFD_SAMPLE_IGNORE_UNMAP _IO(IOMMUFD_SAMPLE_TYPE, 6)

#endif
