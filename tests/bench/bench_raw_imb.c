/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto limit of the receive benchmark (tests/bench/run.sh): TSC ticks
 * libipsec-mb alone needs to decrypt and verify one ESP packet whose inner
 * packet (the ESP payload before padding) has a given size, with no packet
 * parsing, no SA lookup and no mbufs around it. Two algorithms, the ones
 * the benchmark matrix uses:
 *
 *   gcm128     AES-GCM-128, RFC 4106: 8-byte IV, AAD = SPI || seq, 16-byte ICV
 *   cbc128-sha256  AES-CBC-128 + HMAC-SHA-256-128, RFC 3602 / 4868: 16-byte IV,
 *              the HMAC over ESP header || IV || ciphertext, 16-byte ICV
 *
 * Two ways of driving the library, both printed:
 *
 *   single  one packet at a time: GCM through the direct API
 *           (IMB_AES128_GCM_DEC), CBC + HMAC as one chained job submitted
 *           and flushed (the cheapest a per-packet receive path can do)
 *   burst   32 jobs submitted back to back, then flushed, the time divided
 *           by 32 (what a burst-oriented path could get from the
 *           multi-buffer manager)
 *   single-shani  CBC + HMAC only, on CPUs with SHA extensions: one job at
 *           a time on a manager set up for SSE, whose HMAC-SHA-256 is the
 *           single-buffer SHA-NI code (the AVX2 manager's is 8-lane
 *           multi-buffer code, slow for one packet)
 *
 * The benchmark's limit is the smallest of them. Ciphertext is decrypted
 * in place, so the sealed copy is put back before each timed region (the
 * copy is outside it). A run's figure is the median over its samples (the
 * machine is shared: a preempted sample does not move it); the printed
 * figure is the median of 5 runs. Each result is checked: the computed ICV
 * must equal the one sealed, or the line says ERR. No EAL.
 *
 * Output, one line per figure, for scripts:
 *   tsc_hz HZ
 *   imb_version VERSION
 *   raw ALGO MODE INNER_BYTES TICKS
 *
 * usage: bench_raw_imb [--sizes A,B,...] [--iters N]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include <intel-ipsec-mb.h>
#include "bench_tsc.h"

#define RUNS 5
#define BURST 32
#define PKT_MAX 2048
#define SIZES_MAX 16
#define ITERS_MAX 100000
#define ICV_LEN 16

enum algo { GCM128, CBC128_SHA256 };

static const char *const algo_name[] = { "gcm128", "cbc128-sha256" };

struct key {
	struct gcm_key_data gcm __attribute__((aligned(64)));
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[32] __attribute__((aligned(16)));
	uint8_t opad[32] __attribute__((aligned(16)));
	uint8_t salt[4];
};

/* One ESP packet as it sits after the outer IP header. */
struct pkt {
	uint32_t esp_len;	/* header + IV + ciphertext + ICV */
	uint32_t ct_len;
	uint32_t iv_len;
	uint8_t sealed[PKT_MAX] __attribute__((aligned(64)));
	uint8_t work[PKT_MAX] __attribute__((aligned(64)));
	uint8_t tag[ICV_LEN];
};

static unsigned int iters = 2000;
static uint64_t overhead;
static uint64_t samples[ITERS_MAX];
static struct pkt burst_pkts[BURST];

static void
measure_overhead(void)
{
	unsigned int i;

	for (i = 0; i < 10000; i++) {
		uint64_t t = tsc_begin();

		samples[i] = tsc_end() - t;
	}
	overhead = median(samples, 10000);
}

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static void
key_setup(IMB_MGR *m, struct key *k)
{
	uint8_t aes[16], hkey[32], b[64];
	unsigned int i;

	fill(aes, sizeof(aes), 3);
	fill(hkey, sizeof(hkey), 4);
	fill(k->salt, sizeof(k->salt), 5);
	IMB_AES128_GCM_PRE(m, aes, &k->gcm);
	IMB_AES_KEYEXP_128(m, aes, k->enc, k->dec);
	/* HMAC: the SHA-256 state after one block of key ^ ipad / opad */
	for (i = 0; i < 64; i++)
		b[i] = (uint8_t)((i < sizeof(hkey) ? hkey[i] : 0) ^ 0x36);
	IMB_SHA256_ONE_BLOCK(m, b, k->ipad);
	for (i = 0; i < 64; i++)
		b[i] = (uint8_t)((i < sizeof(hkey) ? hkey[i] : 0) ^ 0x5c);
	IMB_SHA256_ONE_BLOCK(m, b, k->opad);
}

/* Fill a job that decrypts and verifies p->work (ICV into p->tag). */
static void
job_fill(IMB_JOB *job, enum algo a, const struct key *k, struct pkt *p, uint8_t *nonce)
{
	uint8_t *esp = p->work;

	job->key_len_in_bytes = 16;
	job->cipher_direction = IMB_DIR_DECRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->src = esp;
	job->dst = esp + 8 + p->iv_len;
	job->cipher_start_src_offset_in_bytes = 8 + p->iv_len;
	job->msg_len_to_cipher_in_bytes = p->ct_len;
	job->auth_tag_output = p->tag;
	job->auth_tag_output_len_in_bytes = ICV_LEN;
	if (a == GCM128) {
		memcpy(nonce, k->salt, 4);
		memcpy(nonce + 4, esp + 8, 8);
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = &k->gcm;
		job->dec_keys = &k->gcm;
		job->iv = nonce;
		job->iv_len_in_bytes = 12;
		job->u.GCM.aad = esp;
		job->u.GCM.aad_len_in_bytes = 8;
		job->hash_start_src_offset_in_bytes = 8 + p->iv_len;
		job->msg_len_to_hash_in_bytes = p->ct_len;
	} else {
		job->cipher_mode = IMB_CIPHER_CBC;
		job->hash_alg = IMB_AUTH_HMAC_SHA_256;
		job->enc_keys = k->enc;
		job->dec_keys = k->dec;
		job->iv = esp + 8;
		job->iv_len_in_bytes = 16;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = 8 + p->iv_len + p->ct_len;
		job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
	}
}

/* Seal p for an inner packet of inner bytes (encrypt, then ICV). */
static int
pkt_make(IMB_MGR *m, enum algo a, const struct key *k, struct pkt *p, uint32_t inner,
	 unsigned int seed)
{
	uint32_t block = a == GCM128 ? 4 : 16;
	uint32_t pad = (block - (inner + 2) % block) % block, i;
	uint8_t nonce[12];
	uint8_t *ct;
	IMB_JOB *job;

	p->iv_len = a == GCM128 ? 8 : 16;
	p->ct_len = inner + pad + 2;
	p->esp_len = 8 + p->iv_len + p->ct_len + ICV_LEN;
	if (p->esp_len > PKT_MAX)
		return -1;
	fill(p->sealed, p->esp_len, seed);
	ct = p->sealed + 8 + p->iv_len;
	for (i = 0; i < pad; i++)
		ct[inner + i] = (uint8_t)(i + 1);
	ct[inner + pad] = (uint8_t)pad;
	ct[inner + pad + 1] = 4;
	job = IMB_GET_NEXT_JOB(m);
	memcpy(p->work, p->sealed, p->esp_len);
	job_fill(job, a, k, p, nonce);
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->auth_tag_output = p->work + p->esp_len - ICV_LEN;
	job = IMB_SUBMIT_JOB(m);
	while (job == NULL || job->status != IMB_STATUS_COMPLETED) {
		if (job != NULL)
			return -1;
		job = IMB_FLUSH_JOB(m);
		if (job == NULL)
			return -1;
	}
	memcpy(p->sealed, p->work, p->esp_len);
	return 0;
}

static int
icv_ok(const struct pkt *p)
{
	return memcmp(p->tag, p->sealed + p->esp_len - ICV_LEN, ICV_LEN) == 0;
}

/* One packet at a time; returns ticks (median of medians) or -1. */
static int64_t
bench_single(IMB_MGR *m, enum algo a, const struct key *k, uint32_t inner)
{
	struct pkt *p = &burst_pkts[0];
	uint64_t r[RUNS], t;
	uint8_t nonce[12];
	unsigned int i, run;
	int bad = 0;

	if (pkt_make(m, a, k, p, inner, inner) != 0)
		return -1;
	for (run = 0; run < RUNS; run++) {
		for (i = 0; i < iters; i++) {
			memcpy(p->work, p->sealed, p->esp_len);
			memset(p->tag, 0, ICV_LEN);
			t = tsc_begin();
			if (a == GCM128) {
				memcpy(nonce, k->salt, 4);
				memcpy(nonce + 4, p->work + 8, 8);
				IMB_AES128_GCM_DEC(m, &k->gcm, &(struct gcm_context_data){ 0 },
						   p->work + 16, p->work + 16, p->ct_len, nonce,
						   p->work, 8, p->tag, ICV_LEN);
			} else {
				IMB_JOB *job = IMB_GET_NEXT_JOB(m);

				job_fill(job, a, k, p, nonce);
				job = IMB_SUBMIT_JOB(m);
				if (job == NULL)
					job = IMB_FLUSH_JOB(m);
				bad |= job == NULL || job->status != IMB_STATUS_COMPLETED;
			}
			samples[i] = tsc_end() - t;
			bad |= !icv_ok(p);
		}
		t = median(samples, iters);
		r[run] = t > overhead ? t - overhead : 0;
	}
	return bad ? -1 : (int64_t)median(r, RUNS);
}

/* CBC + HMAC one job at a time on manager m (the SHA-NI one). */
static int64_t
bench_single_job(IMB_MGR *m, enum algo a, const struct key *k, uint32_t inner)
{
	struct pkt *p = &burst_pkts[0];
	uint64_t r[RUNS], t;
	uint8_t nonce[12];
	unsigned int i, run;
	int bad = 0;

	if (pkt_make(m, a, k, p, inner, inner) != 0)
		return -1;
	for (run = 0; run < RUNS; run++) {
		for (i = 0; i < iters; i++) {
			IMB_JOB *job;

			memcpy(p->work, p->sealed, p->esp_len);
			memset(p->tag, 0, ICV_LEN);
			t = tsc_begin();
			job = IMB_GET_NEXT_JOB(m);
			job_fill(job, a, k, p, nonce);
			job = IMB_SUBMIT_JOB(m);
			if (job == NULL)
				job = IMB_FLUSH_JOB(m);
			samples[i] = tsc_end() - t;
			bad |= job == NULL || job->status != IMB_STATUS_COMPLETED || !icv_ok(p);
		}
		t = median(samples, iters);
		r[run] = t > overhead ? t - overhead : 0;
	}
	return bad ? -1 : (int64_t)median(r, RUNS);
}

/* BURST jobs submitted, then flushed; returns ticks per packet or -1. */
static int64_t
bench_burst(IMB_MGR *m, enum algo a, const struct key *k, uint32_t inner)
{
	static uint8_t nonces[BURST][12];
	unsigned int i, j, run, n = iters / BURST < 16 ? 16 : iters / BURST;
	uint64_t r[RUNS], t;
	int bad = 0;

	for (j = 0; j < BURST; j++)
		if (pkt_make(m, a, k, &burst_pkts[j], inner, inner + j) != 0)
			return -1;
	for (run = 0; run < RUNS; run++) {
		for (i = 0; i < n; i++) {
			unsigned int done = 0;
			IMB_JOB *job;

			for (j = 0; j < BURST; j++) {
				memcpy(burst_pkts[j].work, burst_pkts[j].sealed,
				       burst_pkts[j].esp_len);
				memset(burst_pkts[j].tag, 0, ICV_LEN);
			}
			t = tsc_begin();
			for (j = 0; j < BURST; j++) {
				job = IMB_GET_NEXT_JOB(m);
				job_fill(job, a, k, &burst_pkts[j], nonces[j]);
				job = IMB_SUBMIT_JOB(m);
				while (job != NULL) {
					bad |= job->status != IMB_STATUS_COMPLETED;
					done++;
					job = IMB_GET_COMPLETED_JOB(m);
				}
			}
			while ((job = IMB_FLUSH_JOB(m)) != NULL) {
				bad |= job->status != IMB_STATUS_COMPLETED;
				done++;
			}
			samples[i] = tsc_end() - t;
			bad |= done != BURST;
			for (j = 0; j < BURST; j++)
				bad |= !icv_ok(&burst_pkts[j]);
		}
		t = median(samples, n);
		r[run] = (t > overhead ? t - overhead : 0) / BURST;
	}
	return bad ? -1 : (int64_t)median(r, RUNS);
}

/* TSC ticks per second over 200 ms of CLOCK_MONOTONIC. */
static double
tsc_hz(void)
{
	struct timespec a, b, d = { 0, 200 * 1000 * 1000 };
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	nanosleep(&d, NULL);
	t1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(t1 - t0) * 1e9 / ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec));
}

static int
parse_sizes(const char *s, uint32_t *sizes, unsigned int *n)
{
	char *end;

	*n = 0;
	while (*s != '\0') {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || end == s || v < 1 || v > 1800 || *n == SIZES_MAX ||
		    (*end != ',' && *end != '\0'))
			return -1;
		sizes[(*n)++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return *n ? 0 : -1;
}

static void
print(const char *mode, enum algo a, uint32_t inner, int64_t v)
{
	if (v < 0)
		printf("raw %s %s %u ERR\n", algo_name[a], mode, inner);
	else
		printf("raw %s %s %u %lld\n", algo_name[a], mode, inner, (long long)v);
}

int
main(int argc, char **argv)
{
	uint32_t sizes[SIZES_MAX] = { 64, 512, 1400 };
	unsigned int n_sizes = 3, i, a;
	static struct key k;
	IMB_MGR *m, *sse;
	int err = 0;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (strcmp(argv[i], "--sizes") == 0 && i + 1 < (unsigned int)argc) {
			if (parse_sizes(argv[++i], sizes, &n_sizes) != 0)
				err = 1;
		} else if (strcmp(argv[i], "--iters") == 0 && i + 1 < (unsigned int)argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end != '\0' || v < BURST || v > ITERS_MAX)
				err = 1;
			iters = (unsigned int)v;
		} else {
			err = 1;
		}
	}
	if (err) {
		fprintf(stderr, "usage: bench_raw_imb [--sizes A,B,... (1..1800)] "
			"[--iters %u..%u]\n", BURST, ITERS_MAX);
		return 2;
	}
	m = alloc_mb_mgr(0);
	if (m == NULL) {
		fprintf(stderr, "bench_raw_imb: cannot allocate an IMB_MGR\n");
		return 1;
	}
	init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		fprintf(stderr, "bench_raw_imb: libipsec-mb: %s\n",
			imb_get_strerror(imb_get_errno(m)));
		return 1;
	}
	key_setup(m, &k);
	/* key schedules and HMAC states do not depend on the manager */
	sse = alloc_mb_mgr(0);
	if (sse != NULL) {
		init_mb_mgr_sse(sse);
		if (imb_get_errno(sse) != 0 || !(sse->features & IMB_FEATURE_SHANI)) {
			free_mb_mgr(sse);
			sse = NULL;
		}
	}
	measure_overhead();
	printf("# libipsec-mb %s, arch %s; TSC ticks per packet, median of %d runs\n",
	       imb_get_version_str(), m->used_arch == IMB_ARCH_AVX2 ? "avx2" :
	       m->used_arch == IMB_ARCH_AVX512 ? "avx512" :
	       m->used_arch == IMB_ARCH_AVX ? "avx" : "sse", RUNS);
	printf("tsc_hz %.0f\n", tsc_hz());
	printf("imb_version %s\n", imb_get_version_str());
	for (a = GCM128; a <= CBC128_SHA256; a++)
		for (i = 0; i < n_sizes; i++) {
			int64_t s = bench_single(m, (enum algo)a, &k, sizes[i]);
			int64_t b = bench_burst(m, (enum algo)a, &k, sizes[i]);

			print("single", (enum algo)a, sizes[i], s);
			print("burst", (enum algo)a, sizes[i], b);
			err |= s < 0 || b < 0;
			if (a == CBC128_SHA256 && sse != NULL) {
				s = bench_single_job(sse, (enum algo)a, &k, sizes[i]);
				print("single-shani", (enum algo)a, sizes[i], s);
				err |= s < 0;
			}
		}
	if (sse != NULL)
		free_mb_mgr(sse);
	free_mb_mgr(m);
	return err;
}
