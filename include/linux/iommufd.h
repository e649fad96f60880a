/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel interface to iommufd, for drivers that hand /dev/iommu
 * contexts around (VFIO and mediated-device drivers). Symbols are exported
 * in the IOMMUFD namespace: use MODULE_IMPORT_NS(IOMMUFD).
 */
#ifndef __LINUX_IOMMUFD_H
#define __LINUX_IOMMUFD_H

#include <linux/err.h>
#include <linux/types.h>
#include <uapi/linux/iommufd.h>

struct file;
struct iommufd_ctx;

void iommufd_ctx_get(struct iommufd_ctx *ictx);
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file);
struct iommufd_ctx *iommufd_ctx_from_fd(int fd);
void iommufd_ctx_put(struct iommufd_ctx *ictx);

#endif
