/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window (RFC 4303 3.4.3, RFC 6479 ring) and ESN high-half
 * inference (RFC 4303 Appendix A), lib/replay.[ch]. No EAL: the module is
 * plain C, and test_done() only tears EAL down when it was brought up.
 *
 *  1. A numbered table of window cases: each a window size, a start top
 *     and a list of (seq or run of seqs, expected verdict, recorded?).
 *  2. Randomized comparison against a naive model (every accepted number
 *     in a hash set, plus the highest), 32-bit and ESN traffic.
 *  3. ESN inference: boundary cases, a randomized check of the exact range
 *     Appendix A guarantees, and the ESN vectors of esp-kat.txt.
 *  4. A walk of infer + check + update across several 2^32 boundaries
 *     with reordering inside the window.
 *
 * Usage: test_replay [seed]   (default seed printed; any failure prints it)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"
#include "testlib.h"

#ifndef OV2_VECTORS
#error "OV2_VECTORS (path of esp-kat.txt) must be defined"
#endif

#define OK	OV2_REPLAY_OK
#define DUP	OV2_REPLAY_DUP
#define OLD	OV2_REPLAY_OLD

#define P32	(UINT64_C(1) << 32)
#define MAX64	UINT64_MAX

static const char *const vname[] = { "OK", "DUP", "OLD" };

static uint64_t seed = UINT64_C(0x6f76327278726570);	/* "ov2rxrep" */

/* ---- helpers ---- */

/* splitmix64: small, fast, and every run with the same seed is the same */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* uniform in [0, n) for n > 0; the modulo bias is irrelevant here */
static uint64_t
rnd_below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

static struct ov2_replay *
replay_new(uint32_t window, uint64_t start)
{
	struct ov2_replay *r = malloc(ov2_replay_size(window));

	if (r == NULL) {
		perror("malloc");
		exit(1);
	}
	if (ov2_replay_init(r, window, start) != 0) {
		fprintf(stderr, "ov2_replay_init(%u) failed\n", window);
		exit(1);
	}
	return r;
}

/* Bits in the ring for window w, from the size the module asks for. */
static uint64_t
ring_bits(uint32_t window)
{
	return (ov2_replay_size(window) - sizeof(struct ov2_replay)) / 8 * 64;
}

/* ======================================================================
 * 1. Window case table
 * ====================================================================== */

struct step {
	uint64_t lo, hi;	/* seqs lo..hi, ascending (lo > hi: none) */
	uint8_t v;		/* verdict expected for each */
	uint8_t rec;		/* then recorded (its ICV verified) */
	uint8_t on;		/* 0: end of the list */
};

#define STEPS_MAX 14

struct wcase {
	unsigned int id;
	uint32_t window;
	uint64_t start;
	uint64_t top;		/* expected top after the last step */
	const char *what;
	struct step s[STEPS_MAX];
};

#define E(x, v, rec)	{ (x), (x), (v), (rec), 1 }
#define OKR(x)		E(x, OK, 1)	/* new, then recorded */
#define OKN(x)		E(x, OK, 0)	/* new, not recorded (say ICV failed) */
#define DUPS(x)		E(x, DUP, 0)
#define OLDS(x)		E(x, OLD, 0)
#define RUN(a, b, v, rec) { (a), (b), (v), (rec), 1 }

#define MAXU(a, b)	((a) > (b) ? (a) : (b))

/*
 * A jump case for window W >= 1: from start T0-2W-100, accept T0 and the
 * left edge T0-W+1, then jump by J to T1 = T0+J and look at both windows.
 * The expected verdicts are written from the RFC picture, not from the
 * ring: the window after the jump is (T1-W, T1].
 */
#define JUMP(id_, W, T0, J, what_) { (id_), (W), (T0) - 2 * (uint64_t)(W) - 100, \
	(T0) + (J), what_, { \
	OKR(T0), \
	/* left edge: new, except with W 1 where it is T0 itself */ \
	E((T0) - (W) + 1, (W) > 1 ? OK : DUP, (W) > 1), \
	OLDS((T0) - (W)), \
	OKR((T0) + (J)), \
	DUPS((T0) + (J)), \
	/* all of the window that is new since T0: nothing stale from the ring */ \
	RUN(MAXU((T0), (T0) + (J) - (W)) + 1, (T0) + (J) - 1, OK, 0), \
	/* the new left edge: T0 when J = W-1, T1 when W = 1 */ \
	E((T0) + (J) - (W) + 1, ((W) == 1 || (J) == (W) - 1) ? DUP : OK, \
	  !((W) == 1 || (J) == (W) - 1)), \
	DUPS((T0) + (J) - (W) + 1), \
	OLDS((T0) + (J) - (W)), \
	RUN((T0) + (J) - (W) - 64, (T0) + (J) - (W), OLD, 0), \
	E((T0), (J) < (W) ? DUP : OLD, 0), \
	OLDS((T0) - (W) + 1), \
	OLDS(0), \
} }

/* The usual set of jumps for window W (>= 2) from T0. */
#define JUMPS(id_, W, T0, tag) \
	JUMP(id_ + 0, W, T0, (W), tag " jump +W"), \
	JUMP(id_ + 1, W, T0, (W) - 1, tag " jump +W-1"), \
	JUMP(id_ + 2, W, T0, (W) + 1, tag " jump +W+1"), \
	JUMP(id_ + 3, W, T0, 64, tag " jump +64"), \
	JUMP(id_ + 4, W, T0, 63, tag " jump +63"), \
	JUMP(id_ + 5, W, T0, 65, tag " jump +65"), \
	/* 2W+300 exceeds the ring (< 2W+254 bits): checked in main */ \
	JUMP(id_ + 6, W, T0, 2 * (uint64_t)(W) + 300, tag " jump > ring"), \
	JUMP(id_ + 7, W, T0, P32, tag " jump +2^32")

/* Start = 2^64 - W (W >= 2): the top end of the ESN space. */
#define END64(id_, W) { (id_), (W), MAX64 - (W) + 1, MAX64, "start 2^64-W, up to 2^64-1", { \
	E(MAX64 - (W) + 1, DUP, 0),		/* start counts as received */ \
	E(MAX64 - 2 * (uint64_t)(W) + 2, DUP, 0),	/* left of start: received */ \
	OLDS(MAX64 - 2 * (uint64_t)(W) + 1), \
	RUN(MAX64 - (W) + 2, MAX64 - 1, OK, 0), \
	OKR(MAX64), \
	DUPS(MAX64), \
	E(MAX64 - (W) + 1, DUP, 0), \
	OLDS(MAX64 - (W)), \
	RUN(MAX64 - (W) + 2, MAX64 - 1, OK, 1), \
	RUN(MAX64 - (W) + 1, MAX64, DUP, 0), \
} }

static const struct wcase wcases[] = {
	/* -- hand-written cases: the numbers are the point -- */
	{ 1, 64, 0, 2, "fresh SA: first packet 1", {
		OLDS(0), OKR(1), DUPS(1), OLDS(0), OKR(2), DUPS(2), DUPS(1) } },
	{ 2, 64, 0, 0, "seq 0 refused, check alone changes nothing", {
		OLDS(0), OKN(1), OKN(1), OKN(5), OKN(64), OKN(1000), OKN(1), OLDS(0) } },
	{ 3, 64, 0, 11, "duplicates in order and out of order", {
		RUN(1, 10, OK, 1), DUPS(5), DUPS(10), DUPS(1), RUN(1, 10, DUP, 0),
		OKR(11), DUPS(11), DUPS(10) } },
	{ 4, 64, 0, 100, "left edge W 64: 37 new, 36 OLD", {
		OKR(100), OKR(37), DUPS(37), OLDS(36), OKR(38), OLDS(1),
		RUN(39, 99, OK, 0), OLDS(36) } },
	{ 5, 1, 0, 6, "W 1: only above top", {
		OKR(5), DUPS(5), OLDS(4), OLDS(1), OKR(6), OLDS(5), DUPS(6) } },
	{ 6, 32, 0, 72, "W 32: edge, then jump by exactly W", {
		OKR(40), OKR(9), OLDS(8), OKR(72), OLDS(40), OKR(41), DUPS(41),
		OLDS(9), RUN(42, 71, OK, 0) } },
	{ 7, 64, 0, 65, "W 64: 1 then 65 (jump W)", {
		OKR(1), OKR(65), OLDS(1), OKR(2), DUPS(65), DUPS(2) } },
	{ 8, 64, 0, 64, "W 64: 1 then 64 (jump W-1)", {
		OKR(1), OKR(64), DUPS(1), OKR(2), RUN(3, 63, OK, 0) } },
	{ 9, 64, 0, 66, "W 64: 1 then 66 (jump W+1)", {
		OKR(1), OKR(66), OLDS(1), OLDS(2), OKR(3), DUPS(3) } },
	{ 10, 64, 0, 200, "stale ring bits cleared: 1..127 then 200", {
		RUN(1, 127, OK, 1), RUN(64, 127, DUP, 0), OKR(200),
		/* 137..199 share ring slots with 9..71: none may look seen */
		RUN(137, 199, OK, 0), OLDS(136), OLDS(127), DUPS(200) } },
	{ 11, 64, 0, 1000, "ring index wraps many times: 1..1000, then old", {
		RUN(1, 1000, OK, 1), RUN(937, 1000, DUP, 0), OLDS(936), OLDS(500),
		OLDS(1), OLDS(0), OKN(1001) } },
	{ 12, 64, 0, 1050, "jump far beyond the ring (128 bits)", {
		RUN(1, 50, OK, 1), OKR(1050), RUN(987, 1049, OK, 0), OLDS(986),
		OLDS(50), OLDS(1), DUPS(1050) } },
	{ 13, 64, 0, P32 + 5, "10 to 2^32+5 (ESN): window left behind", {
		RUN(1, 10, OK, 1), OKR(P32 + 5), RUN(P32 - 58, P32 + 4, OK, 0),
		OLDS(P32 - 59), OLDS(5), OLDS(10), DUPS(P32 + 5), OKR(P32 - 58),
		DUPS(P32 - 58) } },
	{ 14, 0, 0, 10, "W 0: duplicates accepted, top tracked", {
		OLDS(0), OKR(5), OKR(5), OKR(3), OKN(1), OLDS(0), OKR(10), OKN(10),
		OKR(2) } },
	{ 15, 0, 100, 200, "W 0 from start 100: old ones OK, top kept", {
		OKN(100), OKN(1), OLDS(0), OKR(50), OKR(200), OKR(150), OKN(200) } },
	{ 16, 65, 0, 265, "W 65: edge 136 / 135, jump W", {
		OKR(200), OKR(136), OLDS(135), OKR(265), OLDS(200), OKR(201),
		DUPS(201), RUN(202, 264, OK, 0) } },
	{ 17, 63, 0, 263, "W 63: edge 138 / 137, jump W", {
		OKR(200), OKR(138), OLDS(137), OKR(263), OLDS(200), OKR(201),
		DUPS(201), RUN(202, 262, OK, 0) } },
	{ 18, 128, 0, 450, "W 128: jumps 64, 63, 65", {
		OKR(192), OKR(65), OLDS(64), OKR(256), OKR(319), OKR(384),
		OLDS(256), OKR(257), DUPS(319), OKR(450), OLDS(319), DUPS(384),
		OKR(323), RUN(324, 383, OK, 0) } },
	{ 19, 1000, 0, 6000, "W 1000: edge, then jump 5000", {
		RUN(1, 1000, OK, 1), OKR(1001), OLDS(1), DUPS(2), OKR(6000),
		RUN(5001, 5999, OK, 0), OLDS(5000), OLDS(1001), DUPS(6000) } },
	{ 20, 4096, 0, 20000, "W 4096: 1..20000 in order, then old", {
		RUN(1, 20000, OK, 1), RUN(15905, 20000, DUP, 0), OLDS(15904),
		OLDS(1), OLDS(0) } },
	{ 21, 65536, 0, 135536, "W 65536: edge 4465 / 4464, jump W", {
		OKR(70000), OKR(4465), OLDS(4464), DUPS(4465), OKR(135536),
		OLDS(70000), OKR(70001), RUN(70002, 135535, OK, 0), OLDS(4465) } },
	{ 22, 65536, 0, 300000, "W 65536: 1..300000 in order, then old", {
		RUN(1, 300000, OK, 1), RUN(234465, 300000, DUP, 0),
		OLDS(234464), OLDS(1) } },
	{ 23, 64, 1000, 1001, "start 1000 and what is left of it count as received", {
		DUPS(1000), DUPS(937), OLDS(936), OKR(1001), DUPS(1000), OLDS(937) } },
	{ 24, 64, P32 - 10, P32 + 1, "start 2^32-10, across 2^32", {
		DUPS(P32 - 10), DUPS(P32 - 73), OLDS(P32 - 74), OKR(P32 - 1),
		OKR(P32), OKR(P32 + 1), DUPS(P32), DUPS(P32 - 1), DUPS(P32 - 10),
		OLDS(P32 - 63), DUPS(P32 - 62), RUN(P32 - 61, P32 - 11, DUP, 0),
		RUN(P32 - 9, P32 - 2, OK, 1) } },
	{ 25, 4096, P32 - 1, P32 + 4096, "start 2^32-1, W 4096, jump W+1", {
		DUPS(P32 - 1), DUPS(P32 - 4096), OLDS(P32 - 4097), OKR(P32 + 4096),
		OLDS(P32), OKR(P32 + 1), RUN(P32 + 2, P32 + 4095, OK, 0) } },
	{ 26, 64, 0, 64, "block boundary: 63, 64, 0", {
		OKR(63), OKR(64), DUPS(63), OKR(1), DUPS(1), OLDS(0) } },
	{ 27, 1, MAX64 - 1, MAX64, "W 1, start 2^64-2, up to 2^64-1", {
		DUPS(MAX64 - 1), OLDS(MAX64 - 2), OKR(MAX64), DUPS(MAX64),
		OLDS(MAX64 - 1), OLDS(1) } },
	END64(28, 2),
	END64(29, 64),
	END64(30, 65),
	END64(31, 4096),
	END64(32, 65536),

	/* -- generated: the same jump set for each window -- */
	JUMPS(100, 32, UINT64_C(1000037) + 3 * 32, "W 32"),
	JUMPS(110, 63, UINT64_C(1000037) + 3 * 63, "W 63"),
	JUMPS(120, 64, UINT64_C(1000037) + 3 * 64, "W 64"),
	JUMPS(130, 65, UINT64_C(1000037) + 3 * 65, "W 65"),
	JUMPS(140, 128, UINT64_C(1000037) + 3 * 128, "W 128"),
	JUMPS(150, 1000, UINT64_C(1000037) + 3 * 1000, "W 1000"),
	JUMPS(160, 4096, UINT64_C(1000037) + 3 * 4096, "W 4096"),
	JUMPS(170, 65536, UINT64_C(1000037) + 3 * 65536, "W 65536"),
	/* W 1: W-1 would be no jump at all */
	JUMP(180, 1, UINT64_C(1000037), 1, "W 1 jump +W"),
	JUMP(181, 1, UINT64_C(1000037), 2, "W 1 jump +W+1"),
	JUMP(182, 1, UINT64_C(1000037), 64, "W 1 jump +64"),
	JUMP(183, 1, UINT64_C(1000037), 63, "W 1 jump +63"),
	JUMP(184, 1, UINT64_C(1000037), 65, "W 1 jump +65"),
	JUMP(185, 1, UINT64_C(1000037), 302, "W 1 jump > ring"),
	JUMP(186, 1, UINT64_C(1000037), P32, "W 1 jump +2^32"),
	/* just below 2^32: the jumps cross into the next subspace */
	JUMPS(200, 64, P32 - 3, "near 2^32, W 64"),
	JUMPS(210, 4096, P32 - 3, "near 2^32, W 4096"),
	JUMPS(220, 65536, P32 - 3, "near 2^32, W 65536"),
	/* landing on 2^64-1 */
	JUMP(230, 64, MAX64 - 64, 64, "W 64 to 2^64-1 jump +W"),
	JUMP(231, 64, MAX64 - 428, 428, "W 64 to 2^64-1 jump > ring"),
	JUMP(232, 4096, MAX64 - P32, P32, "W 4096 to 2^64-1 jump +2^32"),
	JUMP(233, 65536, MAX64 - 65535, 65535, "W 65536 to 2^64-1 jump +W-1"),
};

/* Run one table case; prints its line and returns 1 if it passed. */
static int
run_wcase(const struct wcase *c)
{
	struct ov2_replay *r = replay_new(c->window, c->start);
	const struct step *s;
	unsigned int i, n_bad = 0;
	uint64_t x, n_seq = 0;

	for (i = 0; i < STEPS_MAX && c->s[i].on; i++) {
		s = &c->s[i];
		if (s->lo > s->hi)
			continue;
		for (x = s->lo;; x++) {
			enum ov2_replay_verdict v = ov2_replay_check(r, x);

			n_seq++;
			if (v != s->v && n_bad++ < 3)
				fprintf(stderr, "  case %u step %u: seq %#" PRIx64 " (top %#"
					PRIx64 "): %s, expected %s\n", c->id, i + 1, x,
					r->top, vname[v], vname[s->v]);
			if (s->rec && v == OV2_REPLAY_OK)
				ov2_replay_update(r, x);
			if (x == s->hi)
				break;
		}
	}
	if (r->top != c->top) {
		n_bad++;
		fprintf(stderr, "  case %u: top %#" PRIx64 ", expected %#" PRIx64 "\n",
			c->id, r->top, c->top);
	}
	printf("case %3u  W %-5u start %#-18" PRIx64 " %-48s %6" PRIu64 " seqs  %s\n",
	       c->id, c->window, c->start, c->what, n_seq, n_bad ? "FAIL" : "pass");
	free(r);
	return n_bad == 0;
}

static void
test_table(void)
{
	static const uint32_t ws[] = { 1, 32, 63, 64, 65, 128, 1000, 4096, 65536 };
	unsigned int i, n_pass = 0, n = sizeof(wcases) / sizeof(wcases[0]);
	struct ov2_replay *r;

	/* the "> ring" jumps of the table really exceed the ring */
	for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		CHECK(2 * (uint64_t)ws[i] + 300 > ring_bits(ws[i]));
	/* and the ring holds the window plus a spare block (RFC 6479) */
	for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		CHECK(ring_bits(ws[i]) >= (uint64_t)ws[i] + 64);

	/* the limits of init */
	r = replay_new(OV2_REPLAY_WINDOW_MAX, 0);
	CHECK_EQ(ov2_replay_init(r, OV2_REPLAY_WINDOW_MAX + 1, 0), -EINVAL);
	CHECK_EQ(ov2_replay_init(r, OV2_REPLAY_WINDOW_MAX, 0), 0);
	CHECK_EQ(ov2_replay_init(r, 0, 0), 0);
	free(r);

	printf("-- window case table --\n");
	for (i = 0; i < n; i++) {
		int ok = run_wcase(&wcases[i]);

		n_pass += ok;
		CHECK(ok);
	}
	printf("window cases: %u/%u passed\n", n_pass, n);
}

/* ======================================================================
 * 2. Randomized comparison against a naive model
 * ====================================================================== */

/* Every number ever recorded (0 never is: it is always OLD). */
struct seen {
	uint64_t *slot;
	uint64_t mask;
};

static uint64_t *
seen_find(const struct seen *h, uint64_t x)
{
	uint64_t i = (x * UINT64_C(0x9e3779b97f4a7c15)) >> 40;

	for (;; i++) {
		uint64_t *p = &h->slot[i & h->mask];

		if (*p == x || *p == 0)
			return p;
	}
}

struct model {
	struct seen seen;
	uint64_t top;
	uint32_t window;
	uint64_t start;		/* it and everything left of it: received */
};

/* The RFC 4303 3.4.3 rule written the obvious way. */
static enum ov2_replay_verdict
model_check(const struct model *m, uint64_t seq)
{
	if (seq == 0)
		return OLD;
	if (m->window == 0)	/* check off (the header's contract) */
		return OK;
	if (m->top >= m->window && seq <= m->top - m->window)
		return OLD;
	if (seq <= m->start)
		return DUP;
	return *seen_find(&m->seen, seq) == seq ? DUP : OK;
}

static void
model_record(struct model *m, uint64_t seq)
{
	*seen_find(&m->seen, seq) = seq;
	if (seq > m->top)
		m->top = seq;
}

/* Traffic: mostly increasing, with losses, reordering inside and beyond
 * the window, bursts of duplicates, jumps of the interesting sizes, and
 * rare big jumps (across 2^32 with ESN). */
struct gen {
	uint64_t rng;
	uint64_t next;		/* highest number sent so far */
	uint64_t limit;		/* sequence space end */
	uint64_t big;		/* big jumps: up to this */
	uint32_t w;		/* window the pattern is shaped by */
	unsigned int burst;	/* duplicates still to send */
	uint64_t burst_seq;
};

static uint64_t
gen_back(struct gen *g, uint64_t back)
{
	return back < g->next ? g->next - back : rnd_below(&g->rng, g->next + 1);
}

static uint64_t
gen_seq(struct gen *g)
{
	uint64_t r, inc = 0, w = g->w;

	if (g->burst) {
		g->burst--;
		return g->burst_seq;
	}
	r = rnd_below(&g->rng, 100000);
	if (r < 70000) {			/* in order, some losses */
		inc = 1 + (rnd_below(&g->rng, 16) == 0 ? rnd_below(&g->rng, 4) : 0);
	} else if (r < 85000) {			/* reordered inside the window */
		return gen_back(g, rnd_below(&g->rng, w));
	} else if (r < 89000) {			/* around the left edge */
		r = w + rnd_below(&g->rng, 7);
		return gen_back(g, r >= 3 ? r - 3 : 0);
	} else if (r < 92000) {			/* beyond the window */
		return gen_back(g, w + rnd_below(&g->rng, w + 64));
	} else if (r < 96000) {			/* a burst of duplicates */
		g->burst = 1 + (unsigned int)rnd_below(&g->rng, 8);
		g->burst_seq = gen_back(g, rnd_below(&g->rng, 2) ? 0 : rnd_below(&g->rng, w));
		return g->burst_seq;
	} else if (r < 99980) {			/* jumps of the edge sizes */
		static const int64_t d[] = { 0, -1, 1 };

		switch (rnd_below(&g->rng, 4)) {
		case 0:
			inc = w + d[rnd_below(&g->rng, 3)];
			break;
		case 1:
			inc = 64 + d[rnd_below(&g->rng, 3)];
			break;
		case 2:
			inc = 1 + rnd_below(&g->rng, 3 * w);
			break;
		default:
			inc = 2 * w + 128 + rnd_below(&g->rng, 256);	/* > ring */
			break;
		}
	} else if (r < 99998) {			/* a big jump */
		inc = 1 + rnd_below(&g->rng, g->big);
	} else {
		return 0;
	}
	if (inc == 0 || inc > g->limit - g->next)
		return gen_back(g, rnd_below(&g->rng, w));
	g->next += inc;
	return g->next;
}

struct rrun {
	uint32_t window;
	uint64_t start;
	uint64_t limit;
	uint64_t big;
	unsigned int n;
	const char *what;
};

#define RUN_N 1000000u

static const struct rrun rruns[] = {
	{ 64, 0, P32 - 1, 1u << 20, RUN_N, "32-bit" },
	{ 4096, 0, P32 - 1, 1u << 20, RUN_N, "32-bit" },
	{ 1, 0, P32 - 1, 1u << 20, RUN_N, "32-bit" },
	{ 1000, P32 - 45000000, P32 - 1, 1u << 16, RUN_N, "32-bit, up to 2^32-1" },
	{ 0, 0, P32 - 1, 1u << 20, RUN_N, "32-bit, check off" },
	{ 65, 0, P32 - 1, 1u << 20, RUN_N, "32-bit" },
	{ 64, P32 - 100000, MAX64, UINT64_C(1) << 33, RUN_N, "ESN" },
	{ 4096, 3 * P32 - 5000, MAX64, UINT64_C(1) << 33, RUN_N, "ESN" },
	{ 65536, 7 * P32 - 70000, MAX64, UINT64_C(1) << 33, RUN_N, "ESN" },
	{ 128, P32 - 1, MAX64, UINT64_C(1) << 33, RUN_N, "ESN" },
	{ 63, MAX64 - (UINT64_C(1) << 39), MAX64, UINT64_C(1) << 33, RUN_N,
	  "ESN, up to 2^64-1" },
};

static void
test_random(void)
{
	unsigned int i, k;
	uint64_t total = 0;
	struct seen h;

	/* 2^22 slots: a quarter full with a run's million numbers */
	h.mask = (UINT64_C(1) << 22) - 1;
	h.slot = malloc((h.mask + 1) * sizeof(*h.slot));
	if (h.slot == NULL) {
		perror("malloc");
		exit(1);
	}
	printf("-- randomized vs naive model, seed %#" PRIx64 " --\n", seed);
	for (i = 0; i < sizeof(rruns) / sizeof(rruns[0]); i++) {
		const struct rrun *rr = &rruns[i];
		struct ov2_replay *r = replay_new(rr->window, rr->start);
		struct model m = { .seen = h, .top = rr->start, .window = rr->window,
				   .start = rr->start };
		struct gen g = {
			.rng = seed ^ (i * UINT64_C(0x1000193)), .next = rr->start,
			.limit = rr->limit, .big = rr->big,
			.w = rr->window ? rr->window : 64,
		};
		uint64_t cnt[3] = { 0 }, hi0 = rr->start >> 32, bad = 0;

		memset(h.slot, 0, (h.mask + 1) * sizeof(*h.slot));
		model_record(&m, rr->start);	/* start counts as received */
		for (k = 0; k < rr->n; k++) {
			uint64_t seq = gen_seq(&g);
			enum ov2_replay_verdict v = ov2_replay_check(r, seq);
			enum ov2_replay_verdict mv = model_check(&m, seq);

			cnt[v]++;
			if (v != mv) {
				if (bad++ < 5)
					fprintf(stderr, "  MISMATCH seed %#" PRIx64 " run %u step %u: "
						"seq %#" PRIx64 " top %#" PRIx64 " W %u: window %s, "
						"model %s\n", seed, i, k, seq, m.top, rr->window,
						vname[v], vname[mv]);
				continue;
			}
			/* only OK ones get recorded, and 1 in 32 of those fails
			 * its ICV and is not */
			if (v == OK && rnd_below(&g.rng, 32) != 0) {
				ov2_replay_update(r, seq);
				model_record(&m, seq);
			}
			if (r->top != m.top && bad++ < 5)
				fprintf(stderr, "  TOP MISMATCH seed %#" PRIx64 " run %u step %u: "
					"%#" PRIx64 " vs model %#" PRIx64 "\n", seed, i, k,
					r->top, m.top);
		}
		printf("run %2u  W %-5u %-22s %u seqs: OK %" PRIu64 " DUP %" PRIu64
		       " OLD %" PRIu64 ", top %#" PRIx64 " (%" PRIu64 " 2^32 boundaries "
		       "crossed)  %s\n", i, rr->window, rr->what, rr->n, cnt[OK], cnt[DUP],
		       cnt[OLD], m.top, (m.top >> 32) - hi0, bad ? "FAIL" : "pass");
		CHECK_EQ(bad, 0);
		/* the traffic did exercise every verdict (not with W 0) */
		CHECK(cnt[OK] > rr->n / 10 && cnt[OLD] > 0);
		CHECK(rr->window == 0 || cnt[DUP] > rr->n / 50);
		if (rr->limit == MAX64 && rr->start < MAX64 / 2)
			CHECK((m.top >> 32) - hi0 >= 3);
		total += rr->n;
		free(r);
	}
	printf("randomized: %" PRIu64 " sequence numbers\n", total);
	free(h.slot);
}

/* ======================================================================
 * 3. ESN inference
 * ====================================================================== */

/*
 * What Appendix A computes, said differently: with B = T - W + 1 (W 0:
 * 2^31) the bottom of the window, the packet is the one number congruent
 * to seq_lo in [B, B + 2^32 - 1]; with B below 0 (T < W - 1 in subspace 0)
 * there is no subspace below 0 and the high half is 0.
 */
static uint32_t
ref_hi(uint64_t top, uint32_t window, uint32_t lo)
{
	uint64_t w = window ? window : UINT64_C(1) << 31;
	uint64_t b;

	if (top < w - 1)
		return 0;
	b = top - w + 1;
	return (uint32_t)((b + (uint32_t)(lo - (uint32_t)b)) >> 32);
}

static unsigned int infer_bad;

static void
infer_is(uint64_t top, uint32_t window, uint32_t lo, uint32_t want, int line)
{
	uint32_t got = ov2_esn_infer_hi(top, window, lo);

	test_checks++;
	if (got == want)
		return;
	test_failures++;
	if (infer_bad++ < 10)
		fprintf(stderr, "test_replay.c:%d: infer(top %#" PRIx64 ", W %u, lo %#x) = "
			"%#x, expected %#x (seed %#" PRIx64 ")\n", line, top, window, lo,
			got, want, seed);
}

#define INFER(t, w, lo, want) infer_is((t), (w), (lo), (want), __LINE__)

static void
test_infer_cases(void)
{
	/* top just below 2^32; packets just after the wrap: high half + 1 */
	INFER(P32 - 1, 64, 0, 1);
	INFER(P32 - 1, 64, 5, 1);
	INFER(P32 - 1, 64, 0xffffffc0, 0);	/* left edge */
	INFER(P32 - 1, 64, 0xffffffbf, 1);	/* 2^32 - W ahead: the last one */
	INFER(P32 - 1, 64, 0xffffffff, 0);	/* the top itself */
	INFER(5 * P32 - 3, 64, 2, 5);
	INFER(5 * P32 - 3, 64, 0xfffffffd, 4);
	INFER(5 * P32 - 3, 64, 0xfffffffe, 4);
	/* top just after the wrap; late packets from before it: th - 1 */
	INFER(P32 + 5, 64, 0xffffffff, 0);
	INFER(P32 + 5, 64, 0xffffffc6, 0);	/* left edge: 5 - 63 */
	INFER(P32 + 5, 64, 0xffffffc5, 1);	/* left of it: far ahead instead */
	INFER(P32 + 5, 64, 3, 1);
	INFER(P32 + 5, 64, 6, 1);
	INFER(P32 + 5, 64, 5, 1);
	INFER(3 * P32 + 1, 4096, 0xfffff002, 2);
	INFER(3 * P32 + 1, 4096, 0xfffff001, 3);
	INFER(3 * P32, 4096, 0xffffffff, 2);
	/* window inside one subspace */
	INFER(7 * P32 + 1000, 64, 937, 7);
	INFER(7 * P32 + 1000, 64, 936, 8);
	INFER(7 * P32 + 1000, 64, 1001, 7);
	INFER(7 * P32 + 1000, 64, 0xffffffff, 7);
	INFER(7 * P32 + 1000, 64, 0, 8);
	/* the case A / case B boundary: Tl = W - 1 and W - 2 */
	INFER(P32 + 63, 64, 0, 1);
	INFER(P32 + 63, 64, 0xffffffff, 1);
	INFER(P32 + 62, 64, 0xffffffff, 0);
	INFER(P32 + 62, 64, 0xfffffffe, 1);
	INFER(P32 + 62, 64, 0, 1);
	/* W 1: only the top itself is behind */
	INFER(2 * P32 + 10, 1, 10, 2);
	INFER(2 * P32 + 10, 1, 9, 3);
	INFER(2 * P32, 1, 0, 2);
	INFER(2 * P32, 1, 0xffffffff, 2);
	INFER(2 * P32 - 1, 1, 0xffffffff, 1);
	INFER(2 * P32 - 1, 1, 0, 2);
	/* W 65536 */
	INFER(9 * P32 + 100, 65536, 0xffff0065, 8);
	INFER(9 * P32 + 100, 65536, 0xffff0064, 9);
	INFER(9 * P32 + 65535, 65536, 0xffffffff, 9);
	INFER(9 * P32 + 65534, 65536, 0xffffffff, 8);
	/* W 0: the check is off and the inference uses 2^31 */
	INFER(P32 + (P32 >> 1) + 10, 0, 11, 1);
	INFER(P32 + (P32 >> 1) + 10, 0, 10, 2);
	INFER(P32 + (P32 >> 1) - 1, 0, 0, 1);		/* Tl = 2^31 - 1: case A */
	INFER(P32 + (P32 >> 1) - 1, 0, 0xffffffff, 1);
	INFER(P32 + (P32 >> 1) - 2, 0, 0xffffffff, 0);	/* Tl = 2^31 - 2: case B */
	INFER(P32 + (P32 >> 1) - 2, 0, 0x7fffffff, 1);
	INFER(P32 + 10, 0, 0x8000000b, 0);
	INFER(P32 + 10, 0, 0x8000000a, 1);
	INFER(P32 + 10, 0, 0, 1);
	/* top < W: subspace 0, nothing below it */
	INFER(5, 64, 1, 0);
	INFER(5, 64, 5, 0);
	INFER(5, 64, 0xffffffff, 0);
	INFER(5, 64, 0xffffffc6, 0);
	INFER(0, 64, 1, 0);
	INFER(0, 0, 0xffffffff, 0);
	INFER(0, 0, 1, 0);
	INFER(62, 64, 0xffffffff, 0);
	INFER(63, 64, 0xffffffff, 0);			/* Tl = W - 1: case A */
	INFER(63, 64, 0, 0);				/* B = 0: lo 0 is seq 0 */
	INFER((P32 >> 1) - 2, 0, 0xffffffff, 0);
	/* the top of the space: the high half is all ones */
	INFER(MAX64 - 1, 64, 0xffffffff, 0xffffffff);
	INFER(MAX64, 64, 0xffffffc0, 0xffffffff);
	INFER(MAX64 - P32 + 3, 64, 0xfffffffe, 0xfffffffe);
	INFER(MAX64 - P32 + 3, 64, 1, 0xffffffff);
}

/* Random tops near the interesting places, in every window size. */
static uint64_t
random_top(uint64_t *s)
{
	uint64_t hi = rnd(s) >> 32, x;

	switch (rnd_below(s, 6)) {
	case 0:
		return rnd(s);					/* anywhere */
	case 1:
		return hi << 32 | rnd_below(s, 70000);		/* Tl small */
	case 2:
		return (hi << 32) - 1 - rnd_below(s, 70000);	/* Tl near 2^32 */
	case 3:
		return rnd_below(s, 1u << 17);			/* th 0, T small */
	case 4:
		x = (hi << 32) + (UINT64_C(1) << 31);		/* Tl near 2^31 */
		return x - 70000 + rnd_below(s, 140000);
	default:
		return MAX64 - rnd_below(s, UINT64_C(1) << 33);	/* end of space */
	}
}

static uint32_t
random_window(uint64_t *s)
{
	static const uint32_t ws[] = { 0, 1, 2, 32, 63, 64, 65, 128, 1000, 1024,
				       4096, 65535, 65536 };

	if (rnd_below(s, 4) == 0)
		return 1 + (uint32_t)rnd_below(s, OV2_REPLAY_WINDOW_MAX);
	return ws[rnd_below(s, sizeof(ws) / sizeof(ws[0]))];
}

#define INFER_N 1000000u

static void
test_infer_random(void)
{
	uint64_t s = seed ^ UINT64_C(0x45534e), n_range = 0, n_sharp = 0;
	unsigned int i;

	for (i = 0; i < INFER_N; i++) {
		uint64_t t = random_top(&s), w_eff, b, e, e2, sq;
		uint32_t w = random_window(&s), lo = (uint32_t)rnd(&s);

		/* 1. against the reference formulation, for any seq_lo */
		INFER(t, w, lo, ref_hi(t, w, lo));

		/*
		 * 2. a true seq S anywhere in the range Appendix A covers,
		 * T - W < S <= T - W + 2^32 (its first half is the brief's
		 * T - W < S <= T + 2^31 - W), inside [0, 2^64 - 1]: the
		 * inferred high half is S's.
		 */
		w_eff = w ? w : UINT64_C(1) << 31;
		b = t >= w_eff - 1 ? t - (w_eff - 1) : 0;
		e = MAX64 - b >= P32 - 1 ? b + P32 - 1 : MAX64;
		e2 = MAX64 - b >= (P32 >> 1) - 1 ? b + (P32 >> 1) - 1 : MAX64;
		if (t < w_eff - 1)
			e = e2 = P32 - 1;	/* subspace 0: no -1 below */
		switch (rnd_below(&s, 4)) {
		case 0:
			sq = b + rnd_below(&s, e - b + 1);
			break;
		case 1:
			sq = b + rnd_below(&s, e2 - b + 1);
			break;
		case 2:
			sq = rnd_below(&s, 2) ? b : e;		/* the two ends */
			break;
		default:
			sq = t - rnd_below(&s, 2) * (t - b);	/* top / edge */
			break;
		}
		INFER(t, w, (uint32_t)sq, (uint32_t)(sq >> 32));
		n_range++;

		/*
		 * 3. the range is exact: just outside it the answer is the
		 * other subspace (where that number exists in 64 bits).
		 */
		if (t >= w_eff - 1 && b >= 1 && b + P32 > b) {
			INFER(t, w, (uint32_t)(b - 1), (uint32_t)((b - 1) >> 32) + 1);
			INFER(t, w, (uint32_t)(b + P32), (uint32_t)((b + P32) >> 32) - 1);
			n_sharp++;
		}
	}
	printf("inference random: %u (top, W, lo) vs reference, %" PRIu64
	       " true seqs in range, %" PRIu64 " range ends shown exact\n",
	       INFER_N, n_range, n_sharp);
}

/* The ESN cases of esp-kat.txt: seq is 8 bytes, high half then low half. */
static void
test_infer_vectors(void)
{
	static const uint32_t ws[] = { 64, 0, 4096 };
	char line[4096], id[16] = "";
	FILE *fp = fopen(OV2_VECTORS, "r");
	unsigned int n_vec = 0, i;

	if (fp == NULL) {
		perror(OV2_VECTORS);
		CHECK(!"vector file read");
		return;
	}
	printf("-- ESN vectors (%s) --\n", OV2_VECTORS);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char hex[32];
		uint64_t sq, t;
		int before = test_failures;
		unsigned int n_top = 0;

		if (sscanf(line, "### %15s", id) == 1)
			continue;
		if (sscanf(line, "seq: %31s", hex) != 1 || strlen(hex) != 16)
			continue;
		sq = strtoull(hex, NULL, 16);
		n_vec++;
		for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
			uint64_t w_eff = ws[i] ? ws[i] : UINT64_C(1) << 31;
			/* a fresh window just below it, the packet as top, the
			 * packet at the left edge, the packet as far ahead as
			 * the inference reaches */
			uint64_t tops[4] = { sq - 1, sq, sq + w_eff - 1, sq + w_eff - P32 };
			int valid[4] = { sq >= 1, 1, sq <= MAX64 - w_eff + 1,
					 sq + w_eff >= P32 };
			unsigned int j;

			for (j = 0; j < 4; j++) {
				if (!valid[j])
					continue;
				t = tops[j];
				INFER(t, ws[i], (uint32_t)sq, (uint32_t)(sq >> 32));
				n_top++;
			}
		}
		printf("vector %-4s seq %016" PRIx64 ": high half %08" PRIx32 " inferred "
		       "from %u tops  %s\n", id, sq, (uint32_t)(sq >> 32), n_top,
		       test_failures == before ? "pass" : "FAIL");
	}
	fclose(fp);
	/* G05 G08 G10 G14 G16 G17 */
	CHECK(n_vec >= 6);
}

/* ======================================================================
 * 4. Walk: a sender across 2^32, a receiver doing infer + check + update
 * ====================================================================== */

#define HOLD_MAX 16

struct walk {
	struct ov2_replay *r;
	uint64_t rng;
	uint64_t bad, n_pkt, n_dup, n_held;
	uint32_t w_hold;	/* how far back a held packet may fall */
};

/* The receiver side of one packet: only seq_lo travels. */
static void
walk_deliver(struct walk *k, uint64_t seq, enum ov2_replay_verdict want)
{
	struct ov2_replay *r = k->r;
	uint32_t lo = (uint32_t)seq;
	uint64_t full = (uint64_t)ov2_esn_infer_hi(r->top, r->window, lo) << 32 | lo;
	enum ov2_replay_verdict v = ov2_replay_check(r, full);

	k->n_pkt++;
	if (full != seq || v != want) {
		if (k->bad++ < 5)
			fprintf(stderr, "  WALK seed %#" PRIx64 " W %u pkt %" PRIu64 ": true %#"
				PRIx64 " inferred %#" PRIx64 " (top %#" PRIx64 "): %s, "
				"expected %s\n", seed, r->window, k->n_pkt, seq, full,
				r->top, vname[v], vname[want]);
		return;
	}
	if (v == OK)
		ov2_replay_update(r, full);
}

static void
test_walk_one(uint32_t window, uint64_t start, unsigned int n, uint64_t salt)
{
	struct walk k = { .rng = seed ^ salt, .w_hold = window ? window : 1000 };
	uint64_t held[HOLD_MAX], next = start, last = start, hi0 = start >> 32;
	unsigned int n_held = 0, i, j;

	k.r = replay_new(window, start);
	for (i = 0; i < n; i++) {
		uint64_t r = rnd_below(&k.rng, 100000);

		if (r < 10) {
			/* a long loss: all held ones first, then on to just
			 * below the next 2^32 boundary, by at most 2^31 at a
			 * time (inside what every window size can infer) */
			uint64_t to = ((next >> 32) + 1) << 32, d;

			while (n_held > 0)
				walk_deliver(&k, held[--n_held], OK);
			to -= 1 + rnd_below(&k.rng, 2 * (uint64_t)k.w_hold + 500);
			d = to > next ? to - next : 1;
			next += d < (P32 >> 1) ? d : P32 >> 1;
			walk_deliver(&k, next, OK);
			last = next;
		} else if (r < 8010 && n_held > 0) {
			/* a held packet arrives late, still inside the window */
			j = (unsigned int)rnd_below(&k.rng, n_held);
			walk_deliver(&k, held[j], OK);
			held[j] = held[--n_held];
		} else if (r < 10010 && window != 0 && last != 0 &&
			   last + window > k.r->top) {
			/* a duplicate of one already delivered */
			k.n_dup++;
			walk_deliver(&k, last, DUP);
		} else {
			next++;
			/* anything held that this one would push out of the
			 * window goes first: reordering stays inside it */
			for (j = 0; j < n_held;) {
				if (next - held[j] >= k.w_hold) {
					walk_deliver(&k, held[j], OK);
					held[j] = held[--n_held];
				} else {
					j++;
				}
			}
			if (k.w_hold > 1 && n_held < HOLD_MAX && rnd_below(&k.rng, 8) == 0) {
				held[n_held++] = next;
				k.n_held++;
			} else {
				walk_deliver(&k, next, OK);
				last = next;
			}
		}
	}
	while (n_held > 0)
		walk_deliver(&k, held[--n_held], OK);
	printf("walk W %-5u from %#-18" PRIx64 ": %" PRIu64 " packets (%" PRIu64
	       " held back, %" PRIu64 " dups), top %#" PRIx64 ", %" PRIu64
	       " 2^32 boundaries crossed  %s\n", window, start, k.n_pkt, k.n_held,
	       k.n_dup, k.r->top, (k.r->top >> 32) - hi0, k.bad ? "FAIL" : "pass");
	CHECK_EQ(k.bad, 0);
	CHECK(k.r->top == next);
	CHECK((k.r->top >> 32) - hi0 >= 3);
	free(k.r);
}

static void
test_walk(void)
{
	printf("-- walk: infer + check + update --\n");
	test_walk_one(64, P32 - 2000, 400000, 1);
	test_walk_one(1024, 0, 400000, 2);
	test_walk_one(4096, 5 * P32 - 9000, 400000, 3);
	test_walk_one(0, P32 - 3000, 200000, 4);
	test_walk_one(32, 11 * P32 - 100, 200000, 5);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	printf("test_replay seed %#" PRIx64 " (rerun: test_replay %#" PRIx64 ")\n",
	       seed, seed);
	test_table();
	test_random();
	printf("-- ESN inference --\n");
	test_infer_cases();
	test_infer_random();
	test_infer_vectors();
	test_walk();
	return test_done("test_replay");
}
