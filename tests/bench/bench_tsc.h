/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the micro-benchmarks share: fenced TSC reads around a timed region
 * and the median of a set of samples (a preempted sample on a shared
 * machine does not move it).
 */
#ifndef OV2_BENCH_TSC_H
#define OV2_BENCH_TSC_H

#include <stdint.h>
#include <stdlib.h>
#include <x86intrin.h>

static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v. */
static inline uint64_t
median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

/* rdtsc after every earlier instruction completed */
static inline uint64_t
tsc_begin(void)
{
	_mm_lfence();
	return __rdtsc();
}

/* rdtscp (waits for the timed code), fenced against what follows */
static inline uint64_t
tsc_end(void)
{
	unsigned int aux;
	uint64_t t = __rdtscp(&aux);

	_mm_lfence();
	return t;
}

#endif
