// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-build support: the IOMMU_TEST_CMD ioctl and the fault-injection
 * attribute that lets the fail-nth selftests reach iommufd's own failure
 * points. None of this exists unless CONFIG_IOMMUFD_TEST is set.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/iommufd.h>

#include "iommufd_private.h"
#include "selftest/iommufd_test.h"

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(fail_iommufd);
static struct dentry *fail_iommufd_dir;

/*
 * A failure point of our own. Writing N to /proc/self/task/<tid>/fail-nth
 * makes the Nth fault check of that task fail, whichever attribute it is
 * made on, so the fail-nth sweeps reach these points as well as the slab
 * and page allocators'.
 */
bool iommufd_should_fail(void)
{
	return should_fail(&fail_iommufd, 1);
}

static void iommufd_fault_init(void)
{
	fail_iommufd_dir = fault_create_debugfs_attr("fail_iommufd", NULL,
						     &fail_iommufd);
	if (IS_ERR(fail_iommufd_dir))
		fail_iommufd_dir = NULL;
}

static void iommufd_fault_exit(void)
{
	debugfs_remove_recursive(fail_iommufd_dir);
}
#else
bool iommufd_should_fail(void)
{
	return false;
}

static void iommufd_fault_init(void)
{
}

static void iommufd_fault_exit(void)
{
}
#endif

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	default:
		/* No test op is implemented yet; unknown ops are EOPNOTSUPP. */
		return -EOPNOTSUPP;
	}
}

void iommufd_test_init(void)
{
	iommufd_fault_init();
}

void iommufd_test_exit(void)
{
	iommufd_fault_exit();
}
