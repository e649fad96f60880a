// SPDX-License-Identifier: GPL-2.0-only
/*
 * Deliberate kernel splats, one per build (RIG_FAULT=warn|lockdep|kasan|
 * leak). make check-rig loads each broken module and passes only if the
 * test rig calls every one of those runs a failure. Never in a real build.
 */
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "iommufd_private.h"

static DEFINE_MUTEX(rig_lock_a);
static DEFINE_MUTEX(rig_lock_b);

static void rig_lock_inversion(void)
{
	/* A then B, later B then A: lockdep sees a possible ABBA deadlock. */
	mutex_lock(&rig_lock_a);
	mutex_lock(&rig_lock_b);
	mutex_unlock(&rig_lock_b);
	mutex_unlock(&rig_lock_a);

	mutex_lock(&rig_lock_b);
	mutex_lock(&rig_lock_a);
	mutex_unlock(&rig_lock_a);
	mutex_unlock(&rig_lock_b);
}

static void rig_out_of_bounds(void)
{
	size_t idx = 16;
	char *buf;

	buf = kmalloc(16, GFP_KERNEL);
	if (!buf)
		return;
	OPTIMIZER_HIDE_VAR(idx);
	pr_info("iommufd: rig byte %d\n", READ_ONCE(buf[idx]));
	kfree(buf);
}

static void rig_leak(void)
{
	void *p = kmalloc(256, GFP_KERNEL);

	/* Forget the only pointer: kmemleak must report it. */
	OPTIMIZER_HIDE_VAR(p);
}

void iommufd_rig_fault(void)
{
	switch (IOMMUFD_RIG_FAULT) {
	case 1:
		WARN(1, "iommufd: deliberate warning for the test rig\n");
		break;
	case 2:
		rig_lock_inversion();
		break;
	case 3:
		rig_out_of_bounds();
		break;
	case 4:
		rig_leak();
		break;
	}
}
