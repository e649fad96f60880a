/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two processes of a live-update test. The test's old process (O)
 * starts the new one (N) by executing this program again, as a VMM's
 * live update does, with an argument that tells main() to run N instead
 * of the harness, and the number of the one descriptor N keeps: its end
 * of a UNIX socket, over which it gets everything else.
 *
 * N is no harness test, but runs its checks with the harness macros all
 * the same, on a metadata record of its own: a failed ASSERT comes back
 * to lu_new_main(). N's exit status is 0 if every check passed, else the
 * number of the failed ASSERT (1 if only EXPECTs failed); 2 for a bad
 * argument.
 */
#ifndef _LIVE_UPDATE_UTILS_H
#define _LIVE_UPDATE_UTILS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

/*
 * Fork and execute this program again as N, with @new_arg and @sock,
 * which is all N keeps of this process's descriptors if they are
 * close-on-exec. The pid of N, or -errno.
 */
static inline pid_t lu_exec_new(const char *new_arg, int sock)
{
	char arg[16], *argv[4];
	pid_t pid;

	snprintf(arg, sizeof(arg), "%d", sock);
	argv[0] = program_invocation_name;
	argv[1] = (char *)new_arg;
	argv[2] = arg;
	argv[3] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (fcntl(sock, F_SETFD, 0))
			_exit(126);
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	return pid;
}

/* Run @fn as N, on the socket named by @sock_arg; N's exit status */
static inline int lu_new_main(const char *name, const char *sock_arg,
			      void (*fn)(struct __test_metadata *, int))
{
	struct __test_metadata meta = {
		.name = name,
		.passed = 1,
		.step = 1,
	};
	char *end;
	long sock;

	sock = strtol(sock_arg, &end, 10);
	if (*end || sock < 0 || sock > INT_MAX)
		return 2;
	if (setjmp(meta.env) == 0)
		fn(&meta, sock);
	fflush(NULL);
	return meta.passed ? 0 : meta.step;
}

/*
 * The child @pid, called @who in messages, exits with 0 or, for a
 * nonzero @sig, is killed by @sig.
 */
static inline void lu_expect_exit(struct __test_metadata *_metadata,
				  pid_t pid, const char *who, int sig)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (sig) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig);
		return;
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		if (WIFEXITED(status))
			TH_LOG("%s exited with %d", who, WEXITSTATUS(status));
		else
			TH_LOG("%s was killed by signal %d", who,
			       WTERMSIG(status));
	}
}

/*
 * As TEST_HARNESS_MAIN, but a process started with @new_arg is N and
 * runs @fn (named @name) instead of the tests.
 */
#define LU_HARNESS_MAIN(new_arg, name, fn)                                  \
	static void __attribute__((constructor))                           \
	__constructor_order_last(void)                                      \
	{                                                                   \
		if (!__constructor_order)                                   \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;  \
	}                                                                   \
	int main(int argc, char **argv)                                     \
	{                                                                   \
		if (argc == 3 && !strcmp(argv[1], new_arg))                 \
			return lu_new_main(name, argv[2], fn);              \
		return test_harness_run(argc, argv);                        \
	}

#endif
