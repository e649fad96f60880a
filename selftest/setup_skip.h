/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SETUP_SKIP(): skip a test from its FIXTURE_SETUP.
 *
 * In 6.1's kselftest_harness.h, SKIP() in a fixture's setup only marks
 * the test skipped: setup returns normally and the test body still runs
 * (the harness stops early only on a failed setup), so a body that needs
 * what setup skipped fails. Jumping back to the harness's setjmp() stops
 * the body as a failed ASSERT would, and leaves the result a skip; the
 * teardown does not run either, as setup never completed.
 */
#ifndef _SETUP_SKIP_H
#define _SETUP_SKIP_H

#include <setjmp.h>

#define SETUP_SKIP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

#endif
