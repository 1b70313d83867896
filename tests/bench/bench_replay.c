/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet cost of the receive-side sequence number work: ESN high-half
 * inference, anti-replay check and update (lib/replay.[ch]), in TSC cycles
 * and ns. Windows 64, 1024 and 4096; in-order traffic, and traffic
 * shuffled within blocks of W/2 (every packet still inside the window, so
 * every one is accepted and recorded: the full path each time). The
 * sequence numbers start just below 2^32 so the runs cross a subspace.
 * Only the 32-bit low halves, made beforehand, are read in the timed loop.
 *
 * TSC and ns are wall time; "cpu ns" is the thread's CPU time, which
 * leaves out time spent descheduled when other work shares the cores.
 *
 * Usage: bench_replay [packets per run]   (default 4000000; 5 runs,
 * the median is printed)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
#include "replay.h"

#define RUNS 5

struct result {
	double cyc, ns, cpu_ns;
};

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* seq_lo of packets start+1 .. start+n; shuffled within blocks of `block`
 * when block > 1 (Fisher-Yates per block: nothing leaves its block). */
static void
make_traffic(uint32_t *lo, unsigned int n, uint64_t start, unsigned int block)
{
	uint64_t s = UINT64_C(0x62656e6368);	/* fixed: same traffic each run */
	unsigned int i, j, b;

	for (i = 0; i < n; i++)
		lo[i] = (uint32_t)(start + 1 + i);
	if (block <= 1)
		return;
	for (b = 0; b < n; b += block) {
		unsigned int len = n - b < block ? n - b : block;

		for (i = len - 1; i > 0; i--) {
			uint32_t t;

			j = (unsigned int)(rnd(&s) % (i + 1));
			t = lo[b + i];
			lo[b + i] = lo[b + j];
			lo[b + j] = t;
		}
	}
}

/* One timed pass; returns the packets accepted (must be all of them). */
static unsigned int
run_once(struct ov2_replay *r, uint32_t window, uint64_t start, const uint32_t *lo,
	 unsigned int n, struct result *res)
{
	unsigned int i, ok = 0;
	uint64_t c0, c1;
	double t0, t1, u0, u1;

	ov2_replay_init(r, window, start);
	u0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = __rdtsc();
	for (i = 0; i < n; i++) {
		uint32_t l = lo[i];
		uint64_t seq = (uint64_t)ov2_esn_infer_hi(r->top, r->window, l) << 32 | l;

		if (ov2_replay_check(r, seq) == OV2_REPLAY_OK) {
			ov2_replay_update(r, seq);
			ok++;
		}
	}
	c1 = __rdtsc();
	t1 = now_ns(CLOCK_MONOTONIC);
	u1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	res->cyc = (double)(c1 - c0) / n;
	res->ns = (t1 - t0) / n;
	res->cpu_ns = (u1 - u0) / n;
	return ok;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const uint32_t windows[] = { 64, 1024, 4096 };
	unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 4000000u;
	uint64_t start = (UINT64_C(1) << 32) - n / 2;	/* the runs cross 2^32 */
	uint32_t *lo = malloc((size_t)n * sizeof(*lo));
	struct ov2_replay *r = malloc(ov2_replay_size(OV2_REPLAY_WINDOW_MAX));
	unsigned int wi, pat, k;
	int rc = 0;

	if (lo == NULL || r == NULL || n == 0) {
		fprintf(stderr, "usage: bench_replay [packets per run > 0]\n");
		return 1;
	}
	printf("infer + check + update per packet; %u packets per run, median of %d "
	       "runs, seqs %#" PRIx64 "..%#" PRIx64 "\n", n, RUNS, start + 1, start + n);
	printf("%-7s %-22s %10s %8s %8s %14s %10s\n", "window", "traffic", "cycles/pkt",
	       "ns/pkt", "Mpkt/s", "ns min..max", "cpu ns/pkt");
	for (wi = 0; wi < sizeof(windows) / sizeof(windows[0]); wi++) {
		uint32_t w = windows[wi];

		for (pat = 0; pat < 2; pat++) {
			unsigned int block = pat ? w / 2 : 1;
			double cyc[RUNS], ns[RUNS], cpu[RUNS];
			char name[32];

			make_traffic(lo, n, start, block);
			/* one untimed pass: pages and caches warm */
			{
				struct result warm;

				run_once(r, w, start, lo, n, &warm);
			}
			for (k = 0; k < RUNS; k++) {
				struct result res;
				unsigned int ok = run_once(r, w, start, lo, n, &res);

				if (ok != n || r->top != start + n) {
					fprintf(stderr, "W %u: %u of %u accepted, top %#" PRIx64
						": the bench traffic is wrong\n", w, ok, n, r->top);
					rc = 1;
				}
				cyc[k] = res.cyc;
				ns[k] = res.ns;
				cpu[k] = res.cpu_ns;
			}
			qsort(cyc, RUNS, sizeof(cyc[0]), cmp_double);
			qsort(ns, RUNS, sizeof(ns[0]), cmp_double);
			qsort(cpu, RUNS, sizeof(cpu[0]), cmp_double);
			if (pat)
				snprintf(name, sizeof(name), "reordered (blocks %u)", block);
			else
				snprintf(name, sizeof(name), "in order");
			printf("%-7u %-22s %10.2f %8.2f %8.1f %6.2f..%-6.2f %10.2f\n", w,
			       name, cyc[RUNS / 2], ns[RUNS / 2], 1e3 / ns[RUNS / 2], ns[0],
			       ns[RUNS - 1], cpu[RUNS / 2]);
		}
	}
	free(lo);
	free(r);
	return rc;
}
