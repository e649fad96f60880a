/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both benchmark programs need: a monotonic clock in nanoseconds, a
 * qsort() comparison for medians, and how much of a buffer is backed by
 * transparent huge pages.
 */
#ifndef _BENCH_UTIL_H
#define _BENCH_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Bytes of [@buf, @buf + @len) backed by transparent huge pages: the
 * AnonHugePages of the VMAs of /proc/self/smaps that lie in the range (a
 * madvise() of exactly the range gives it VMAs of its own); -1 if smaps
 * cannot be read.
 */
static inline long long thp_bytes(const char *buf, size_t len)
{
	uintptr_t lo = (uintptr_t)buf, hi = lo + len, start, end;
	bool inside = false;
	long long total = 0, kb;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A VMA's header line: "start-end perms ..." */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = start >= lo && end <= hi;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

#endif
