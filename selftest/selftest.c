// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-build support: the IOMMU_TEST_CMD ioctl and the fault-injection
 * attribute that lets the fail-nth selftests reach iommufd's own failure
 * points. None of this exists unless CONFIG_IOMMUFD_TEST is set.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/iommufd.h>
#include <linux/overflow.h>
#include <linux/string.h>

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

/*
 * The "syzkaller" IOVA encoding: with MOCK_FLAGS_ACCESS_SYZ an IOVA field
 * holds {u32 nth_area, u32 offset} (in memory order) and means that offset
 * into the nth area of the IOAS in IOVA order, or 0 if there is no such
 * area. It lets a fuzzer name mapped IOVA without knowing where MAP put
 * things.
 */
static unsigned long iommufd_test_syz_conv_iova(struct io_pagetable *iopt,
						u64 *iova)
{
	struct syz_iova {
		u32 nth_area;
		u32 offset;
	} syz;
	unsigned long ret = 0;
	struct iopt_area *area;
	unsigned int n = 0;

	memcpy(&syz, iova, sizeof(syz));
	down_read(&iopt->iova_rwsem);
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		if (n++ == syz.nth_area) {
			ret = iopt_area_iova(area) + syz.offset;
			break;
		}
	}
	up_read(&iopt->iova_rwsem);
	return ret;
}

void iommufd_test_syz_conv_copy(struct iommufd_ucmd *ucmd,
				struct iommu_ioas_copy *cmd)
{
	struct iommufd_ioas *ioas;

	if (!(cmd->flags & MOCK_FLAGS_ACCESS_SYZ))
		return;
	cmd->flags &= ~MOCK_FLAGS_ACCESS_SYZ;

	/* A bad ID is left for COPY itself to report. */
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(ioas))
		return;
	cmd->src_iova = iommufd_test_syz_conv_iova(&ioas->iopt,
						   &cmd->src_iova);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
}

static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd, u32 ioas_id,
				     u64 start, u64 length)
{
	struct iommufd_ioas *ioas;
	unsigned long last;
	int rc;

	if (!length || start >= ULONG_MAX ||
	    check_add_overflow((unsigned long)start,
			       (unsigned long)length - 1, &last))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_reserve_iova(&ioas->iopt, start, last, NULL);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd->id,
						 cmd->add_reserved.start,
						 cmd->add_reserved.length);
	default:
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
