/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mock IOMMU of test builds: devices on a private bus whose IOMMU is
 * a software page table. Used only by selftest.c.
 */
#ifndef __IOMMUFD_SELFTEST_MOCK_H
#define __IOMMUFD_SELFTEST_MOCK_H

#include <linux/types.h>

struct device;
struct iommu_domain;
struct mock_dev;

extern const struct iommufd_dev_ops mock_dev_ops;

int mock_bus_init(void);
void mock_bus_exit(void);
struct mock_dev *mock_dev_create(u32 dev_flags);
void mock_dev_destroy(struct mock_dev *mdev);
struct device *mock_dev_device(struct mock_dev *mdev);
struct mock_dev *to_mock_dev(struct device *dev);

struct iommu_test_cmd;
struct iommufd_ucmd;
int iommufd_test_sva(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd);
int mock_sva_init(void);
void mock_sva_exit(void);
u32 mock_dev_cache(struct mock_dev *mdev, unsigned int slot);
bool mock_domain_check_map(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t *paddr);
bool is_mock_domain(struct iommu_domain *domain);
void mock_domain_short_unmap(struct iommu_domain *domain, bool arm,
			     u64 length, u32 *reported);
void mock_domain_hold(struct iommu_domain *domain, u32 flags, u32 *waiting);
struct iommu_domain *mock_domain_alloc_like(struct iommu_domain *model);

#endif
