/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of ov2_spd_classify(): for each rule count, build an SPD
 * of that many IPv4 (then IPv6) rules and time bursts of 32 packets drawn
 * from a pool of hits and misses. Prints TSC cycles and ns per packet, the
 * median of several runs (the median because a run can be hit by an
 * interrupt or a frequency change; the others are printed as min/max).
 * The cost includes reading each packet's key, not only rte_acl.
 *
 *   bench_spd [-n N[,N...]] [-b BURSTS] [-r RUNS] [-- EAL args...]
 *
 * EAL always gets --no-pci --no-huge -m 512 --file-prefix bench_spd; the
 * EAL args given after "--" are added after them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "spd.h"
#include "bench_tsc.h"

#define BURST		32
#define POOL		1024	/* packets per family, a multiple of BURST */
#define MAX_COUNTS	16
#define MAX_RUNS	101
#define PKT_LEN		64

struct opts {
	uint32_t counts[MAX_COUNTS];
	unsigned int n_counts;
	uint32_t bursts;	/* per run */
	unsigned int runs;
};

static uint8_t pool[POOL][PKT_LEN];
static uint32_t pool_len[POOL];

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n N[,N...]] [-b BURSTS] [-r RUNS] [-- EAL args...]\n"
		"  -n  rule counts per family (default 1,100,10000; 1..65536)\n"
		"  -b  bursts of %d packets per run (default 100000)\n"
		"  -r  runs, the median is reported (default 5, odd, at most %d)\n",
		prog, BURST, MAX_RUNS);
	exit(2);
}

static int
parse_num(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_counts(char *s, struct opts *o)
{
	char *tok, *save = NULL;

	o->n_counts = 0;
	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_counts == MAX_COUNTS ||
		    parse_num(tok, 1, 65536, &o->counts[o->n_counts]) < 0)
			return -1;
		o->n_counts++;
	}
	return o->n_counts > 0 ? 0 : -1;
}

/* The bench's own options; returns the index of "--" (or argc). */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	uint32_t v;
	int i;

	o->counts[0] = 1;
	o->counts[1] = 100;
	o->counts[2] = 10000;
	o->n_counts = 3;
	o->bursts = 100000;
	o->runs = 5;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i;
		if (i + 1 >= argc)
			usage(argv[0]);
		if (strcmp(argv[i], "-n") == 0) {
			if (parse_counts(argv[++i], o) < 0)
				usage(argv[0]);
		} else if (strcmp(argv[i], "-b") == 0) {
			if (parse_num(argv[++i], 1, 100000000, &o->bursts) < 0)
				usage(argv[0]);
		} else if (strcmp(argv[i], "-r") == 0) {
			if (parse_num(argv[++i], 1, MAX_RUNS, &v) < 0 || v % 2 == 0)
				usage(argv[0]);
			o->runs = v;
		} else {
			usage(argv[0]);
		}
	}
	return argc;
}

static void
eal_init(const char *prog, int argc, char **argv)
{
	static const char *const base[] = {
		"--no-pci", "--no-huge", "-m", "512", "--file-prefix", "bench_spd",
	};
	char **eargv = calloc(RTE_DIM(base) + (size_t)argc + 2, sizeof(*eargv));
	int n = 0, i;

	if (eargv == NULL)
		exit(1);
	eargv[n++] = (char *)(uintptr_t)prog;
	for (i = 0; i < (int)RTE_DIM(base); i++)
		eargv[n++] = (char *)(uintptr_t)base[i];
	for (i = 0; i < argc; i++)
		eargv[n++] = argv[i];
	if (rte_eal_init(n, eargv) < 0) {
		fprintf(stderr, "cannot init EAL\n");
		exit(1);
	}
	/* rte_eal_init() may keep pointers into eargv: never freed. */
}

/*
 * Rule i of a family: IPv4 protect, src 10.<i/256>.<i%256>.0/24, dst
 * 172.16.0.0/12, udp, dport 1000+(i%50)*10..+9. IPv6 protect, dst
 * 2001:db8:<i>::/48, tcp, sport 0:1023, dport 2000+(i%97). Distinct
 * prefixes and varied ports, so rte_acl sees a realistic spread.
 */
static int
make_rule(unsigned int fam, uint32_t i, struct ov2_sp_rule *r)
{
	char text[192], err[256];

	if (fam == 4)
		snprintf(text, sizeof(text), "ipv4 in esp protect %u pri %u src 10.%u.%u.0/24 "
			 "dst 172.16.0.0/12 proto 17 dport %u:%u", 256 + i, i % 7,
			 (i / 256) % 256, i % 256, 1000 + (i % 50) * 10, 1000 + (i % 50) * 10 + 9);
	else
		snprintf(text, sizeof(text), "ipv6 in esp protect %u pri %u dst 2001:db8:%x::/48 "
			 "proto 6 sport 0:1023 dport %u:%u", 256 + i, i % 7, i % 65536,
			 2000 + i % 97, 2000 + i % 97);
	if (ov2_sp_parse(text, r, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench rule %u: %s\n", i, err);
		return -1;
	}
	r->line = i + 1;
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The packet pool: 3 of 4 packets hit a pseudo-random rule, the 4th
 * misses (a port outside every range). Returns the expected hits.
 */
static uint32_t
make_pool(unsigned int fam, uint32_t nrules)
{
	uint32_t i, hits = 0;

	memset(pool, 0, sizeof(pool));
	for (i = 0; i < POOL; i++) {
		uint32_t r = (uint32_t)(((uint64_t)i * 2654435761u) % nrules);
		int miss = i % 4 == 3;
		uint8_t *p = pool[i];

		hits += !miss;
		if (fam == 4) {
			p[0] = 0x45;
			p[8] = 64;
			p[9] = 17;
			p[12] = 10;
			p[13] = (uint8_t)(r / 256);
			p[14] = (uint8_t)r;
			p[15] = (uint8_t)(1 + i % 250);
			p[16] = 172;
			p[17] = (uint8_t)(16 + i % 16);
			p[18] = 3;
			p[19] = 4;
			put16(p + 20, 7);
			put16(p + 22, (uint16_t)(miss ? 999 : 1000 + (r % 50) * 10 + i % 10));
			put16(p + 24, 8);
			pool_len[i] = 28;
			put16(p + 2, 28);
		} else {
			p[0] = 0x60;
			p[6] = 6;
			p[7] = 64;
			put16(p + 8, 0x2001);
			put16(p + 10, 0x0db8);
			put16(p + 12, 0xffff);
			p[23] = 1;
			put16(p + 24, 0x2001);
			put16(p + 26, 0x0db8);
			put16(p + 28, (uint16_t)r);
			put16(p + 30, (uint16_t)i);
			p[39] = 9;
			put16(p + 40, 1023);
			put16(p + 42, (uint16_t)(miss ? 1999 : 2000 + r % 97));
			p[52] = 5 << 4;
			pool_len[i] = 60;
			put16(p + 4, 20);
		}
	}
	return hits;
}

/* One run: bursts of BURST through the pool; returns TSC cycles, counts hits. */
static uint64_t
run_once(const struct ov2_spd *spd, uint32_t bursts, uint64_t *hits)
{
	const uint8_t *ip[BURST];
	const struct ov2_sp_rule *out[BURST];
	uint32_t len[BURST], b, j, at = 0;
	uint64_t t0, t1, h = 0;

	t0 = rte_rdtsc_precise();
	for (b = 0; b < bursts; b++) {
		for (j = 0; j < BURST; j++) {
			ip[j] = pool[at + j];
			len[j] = pool_len[at + j];
		}
		ov2_spd_classify(spd, ip, len, BURST, out);
		for (j = 0; j < BURST; j++)
			h += out[j] != NULL;
		at = (at + BURST) % POOL;
	}
	t1 = rte_rdtsc_precise();
	*hits = h;
	return t1 - t0;
}

static int
bench(unsigned int fam, uint32_t nrules, const struct opts *o, double tsc_hz)
{
	struct ov2_sp_rule *rules = calloc(nrules, sizeof(*rules));
	uint64_t cyc[MAX_RUNS], hits = 0, tot = (uint64_t)o->bursts * BURST;
	uint32_t i, want;
	struct timespec t0, t1;
	struct ov2_spd *spd;
	double pkts = (double)o->bursts * BURST, med, build_ms;
	char err[256];

	if (rules == NULL)
		return -1;
	for (i = 0; i < nrules; i++)
		if (make_rule(fam, i, &rules[i]) != 0) {
			free(rules);
			return -1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	spd = ov2_spd_create("bench", rules, nrules, SOCKET_ID_ANY, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(rules);
	if (spd == NULL) {
		fprintf(stderr, "ov2_spd_create(%u IPv%u rules): %s\n", nrules, fam, err);
		return -1;
	}
	build_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	want = make_pool(fam, nrules);
	run_once(spd, o->bursts / 10 + 1, &hits);	/* warm caches and branch predictors */
	for (i = 0; i < o->runs; i++) {
		cyc[i] = run_once(spd, o->bursts, &hits);
		/* Each pool packet is classified tot / POOL times: hits are known. */
		if (tot % POOL == 0 && hits != (uint64_t)want * (tot / POOL)) {
			fprintf(stderr, "IPv%u %u rules: %llu hits, want %llu\n", fam, nrules,
				(unsigned long long)hits,
				(unsigned long long)want * (tot / POOL));
			ov2_spd_free(spd);
			return -1;
		}
	}
	qsort(cyc, o->runs, sizeof(cyc[0]), cmp_u64);
	med = (double)cyc[o->runs / 2] / pkts;
	printf("IPv%u  %6u  %9.1f  %10.1f  %7.1f  %10.1f  %10.1f  %5.1f%%\n", fam, nrules,
	       build_ms, med, med * 1e9 / tsc_hz, (double)cyc[0] / pkts,
	       (double)cyc[o->runs - 1] / pkts, 100.0 * (double)hits / pkts);
	ov2_spd_free(spd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	double hz;
	unsigned int k, fam;
	int dd, rc = 0;

	dd = parse_opts(argc, argv, &o);
	eal_init(argv[0], dd < argc ? argc - dd - 1 : 0, argv + dd + 1);
	hz = (double)rte_get_tsc_hz();
	printf("bench_spd: TSC %.3f GHz, bursts of %d packets, %u bursts per run, "
	       "median of %u runs (cycles and ns per packet, key extraction included)\n",
	       hz / 1e9, BURST, o.bursts, o.runs);
	printf("fam   rules  build_ms  cycles/pkt   ns/pkt  min cyc/pkt  max cyc/pkt   hits\n");
	for (fam = 4; fam <= 6; fam += 2)
		for (k = 0; k < o.n_counts; k++)
			if (bench(fam, o.counts[k], &o, hz) != 0)
				rc = 1;
	rte_eal_cleanup();
	return rc;
}
