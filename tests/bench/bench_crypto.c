/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSC ticks per packet of ov2_crypto_esp_open (and ov2_crypto_ah_verify)
 * for every algorithm at payloads of 64, 512 and 1400 bytes, next to the
 * raw libipsec-mb AES-GCM-128 direct decrypt the GCM path is built on.
 *
 * open decrypts in place (and a second open of the plaintext would time
 * the failure path), so before each packet the sealed copy is put back in
 * the work buffer, outside the timed region. Each packet is timed on its
 * own (rdtsc fenced, the cost of an empty measurement subtracted) and a
 * run's figure is the median over its packets: a packet the scheduler
 * preempts (the test machine is shared) does not move it. The result is
 * the median of 5 runs. A run is the iteration count given (default 5000)
 * or fewer for slow algorithms, so that it takes about BUDGET ticks. No EAL.
 * AES-GCM-128 is also timed side by side with the raw call, in batches
 * (side_by_side()): the figure for what the wrapper costs.
 *
 * usage: bench_crypto [iterations]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include "crypto_imb.h"
#include "sa.h"
#include "bench_tsc.h"

#define RUNS 5
#define BUDGET 50000000ull	/* ticks one run may take, about 20 ms */
#define PKT_MAX 2048
#define ITERS_MAX 100000

static const uint32_t sizes[] = { 64, 512, 1400 };
static unsigned int iters = 5000;
static uint64_t overhead;	/* ticks of an empty timed region */
static uint64_t samples[ITERS_MAX];

static uint8_t sealed[PKT_MAX] __attribute__((aligned(64)));
static uint8_t work[PKT_MAX] __attribute__((aligned(64)));

/* The median of n per-packet samples, less the measurement's own cost. */
static uint64_t
run_figure(unsigned int n)
{
	uint64_t m = median(samples, n);

	return m > overhead ? m - overhead : 0;
}

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
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

/* Seal an ESP packet carrying payload bytes; returns esp_len or 0. */
static uint32_t
make_sealed(const struct ov2_crypto *c, uint32_t payload)
{
	uint32_t pad = (c->block - (payload + 2) % c->block) % c->block;
	uint32_t off = OV2_ESP_HDR_LEN + c->iv_len, len = payload + pad + 2, i;

	fill(sealed, off + payload, payload);
	for (i = 0; i < pad; i++)
		sealed[off + payload + i] = (uint8_t)(i + 1);
	sealed[off + len - 2] = (uint8_t)pad;
	sealed[off + len - 1] = 4;
	if (ov2_crypto_esp_seal(c, sealed, off + len + c->icv_len, 0, 0) != 0)
		return 0;
	return off + len + c->icv_len;
}

/* Iterations for one run, given the ticks one warm-up packet took. */
static unsigned int
runs_of(uint64_t one)
{
	uint64_t n = BUDGET / (one ? one : 1);

	return n < 16 ? 16 : n > iters ? iters : (unsigned int)n;
}

static int64_t
bench_esp(const struct ov2_crypto *c, uint32_t payload)
{
	uint32_t len = make_sealed(c, payload);
	uint64_t r[RUNS], t;
	unsigned int i, k, n;
	int bad = 0;

	if (len == 0)
		return -1;
	memcpy(work, sealed, len);
	t = __rdtsc();
	bad |= ov2_crypto_esp_open(c, work, len, 0, 0);
	n = runs_of(__rdtsc() - t);
	for (k = 0; k < RUNS; k++) {
		for (i = 0; i < n; i++) {
			memcpy(work, sealed, len);
			t = tsc_begin();
			bad |= ov2_crypto_esp_open(c, work, len, 0, 0);
			samples[i] = tsc_end() - t;
		}
		r[k] = run_figure(n);
	}
	return bad ? -1 : (int64_t)median(r, RUNS);
}

/* AH: the prepared packet is an IPv4 header, AH header (+IV), ICV, payload. */
static int64_t
bench_ah(const struct ov2_crypto *c, uint32_t payload)
{
	uint32_t len = 20 + OV2_AH_HDR_LEN + c->iv_len + c->icv_len + payload;
	const uint8_t *iv = c->iv_len ? sealed + 20 + OV2_AH_HDR_LEN : NULL;
	uint8_t icv[OV2_ICV_MAX];
	uint64_t r[RUNS], t;
	unsigned int i, k, n;
	int bad = 0;

	fill(sealed, len, payload);
	if (ov2_crypto_ah_icv(c, sealed, len, iv, 0, 0, icv) != 0)
		return -1;
	t = __rdtsc();
	bad |= ov2_crypto_ah_verify(c, sealed, len, iv, icv, 0, 0);
	n = runs_of(__rdtsc() - t);
	for (k = 0; k < RUNS; k++) {
		for (i = 0; i < n; i++) {
			t = tsc_begin();
			bad |= ov2_crypto_ah_verify(c, sealed, len, iv, icv, 0, 0);
			samples[i] = tsc_end() - t;
		}
		r[k] = run_figure(n);
	}
	return bad ? -1 : (int64_t)median(r, RUNS);
}

/* libipsec-mb's AES-GCM-128 decrypt alone, same packet layout and copy. */
static int64_t
bench_raw_gcm128(uint32_t payload)
{
	IMB_MGR *m = ov2_crypto_mgr();
	static struct gcm_key_data key __attribute__((aligned(64)));
	struct gcm_context_data ctx;
	uint8_t k16[16], nonce[12], tag[16];
	uint32_t pad = (4 - (payload + 2) % 4) % 4, ct = payload + pad + 2;
	uint32_t len = 16 + ct + 16;
	uint64_t r[RUNS], t;
	unsigned int i, k;

	fill(k16, sizeof(k16), 1);
	fill(nonce, sizeof(nonce), 2);
	IMB_AES128_GCM_PRE(m, k16, &key);
	fill(sealed, len, payload);
	IMB_AES128_GCM_ENC(m, &key, &ctx, sealed + 16, sealed + 16, ct, nonce, sealed, 8,
			   sealed + 16 + ct, 16);
	for (k = 0; k < RUNS; k++) {
		for (i = 0; i < iters; i++) {
			memcpy(work, sealed, len);
			t = tsc_begin();
			IMB_AES128_GCM_DEC(m, &key, &ctx, work + 16, work + 16, ct, nonce, work,
					   8, tag, 16);
			samples[i] = tsc_end() - t;
		}
		r[k] = run_figure(iters);
	}
	return memcmp(tag, sealed + 16 + ct, 16) == 0 ? (int64_t)median(r, RUNS) : -1;
}

/*
 * AES-GCM-128 side by side: ov2_crypto_esp_open and the raw direct call on
 * the same packet bytes, a batch of BATCH packets timed at once (the TSC
 * of a virtual machine may tick in steps of tens: one packet at a time
 * rounds), the two alternating batch by batch so that frequency changes
 * and other jobs on a shared machine hit both alike. Each batch decrypts
 * its own copies (made outside the timed region). Prints the median
 * ticks per packet of RUNS x BATCHES batches for each, and the difference:
 * what ov2rx's wrapper (length checks, nonce and AAD, tag compare, the
 * per-SA handler call) costs over libipsec-mb itself.
 */
#define BATCH 64
#define BATCHES 200

static uint8_t copies[BATCH][1536] __attribute__((aligned(64)));

static void
side_by_side(uint32_t payload)
{
	static uint64_t t_ov2[RUNS * BATCHES], t_raw[RUNS * BATCHES];
	struct ov2_sa_conf conf;
	struct ov2_crypto *c = aligned_alloc(64, sizeof(*c));
	struct gcm_context_data ctx;
	uint8_t tag[16], nonce[12], aad[8];
	IMB_MGR *m = ov2_crypto_mgr();
	uint32_t len, ct, i, k;
	char err[160];
	int bad = 0;

	memset(&conf, 0, sizeof(conf));
	conf.proto = OV2_IPPROTO_ESP;
	conf.aead = OV2_AEAD_AES_128_GCM;
	conf.key_len = 16;
	fill(conf.key, sizeof(conf.key), 3);
	fill(conf.salt, sizeof(conf.salt), 5);
	if (c == NULL || m == NULL || ov2_crypto_init(c, &conf, err, sizeof(err)) != 0 ||
	    (len = make_sealed(c, payload)) == 0 || len > sizeof(copies[0])) {
		printf("side by side %u: cannot set up\n", payload);
		free(c);
		return;
	}
	ct = len - OV2_ESP_HDR_LEN - OV2_GCM_IV_LEN - OV2_GCM_ICV_LEN;
	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, sealed + OV2_ESP_HDR_LEN, 8);
	memcpy(aad, sealed, 8);
	for (k = 0; k < RUNS * BATCHES; k++) {
		uint64_t t;

		for (i = 0; i < BATCH; i++)
			memcpy(copies[i], sealed, len);
		t = tsc_begin();
		for (i = 0; i < BATCH; i++)
			bad |= ov2_crypto_esp_open(c, copies[i], len, 0, 0);
		t_ov2[k] = tsc_end() - t;
		for (i = 0; i < BATCH; i++)
			memcpy(copies[i], sealed, len);
		t = tsc_begin();
		for (i = 0; i < BATCH; i++)
			IMB_AES128_GCM_DEC(m, &c->k.gcm, &ctx, copies[i] + 16, copies[i] + 16, ct,
					   nonce, aad, 8, tag, 16);
		t_raw[k] = tsc_end() - t;
		bad |= memcmp(tag, sealed + len - 16, 16) != 0;
	}
	if (bad) {
		printf("side by side %u: ERR (a packet did not verify)\n", payload);
	} else {
		uint64_t o = median(t_ov2, RUNS * BATCHES), r = median(t_raw, RUNS * BATCHES);

		printf("%-32s %8u %8.1f %8.1f %8.1f\n", "gcm-128 side by side", payload,
		       (double)o / BATCH, (double)r / BATCH, ((double)o - (double)r) / BATCH);
	}
	ov2_crypto_wipe(c);
	free(c);
}

/* TSC ticks per nanosecond, for the reader. */
static double
tsc_ghz(void)
{
	struct timespec a, b, d = { 0, 100 * 1000 * 1000 };
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	nanosleep(&d, NULL);
	t1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(t1 - t0) / ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec));
}

static void
row(const char *name, int64_t v[3])
{
	unsigned int i;

	printf("%-32s", name);
	for (i = 0; i < 3; i++) {
		if (v[i] < 0)
			printf(" %8s", "ERR");
		else
			printf(" %8lld", (long long)v[i]);
	}
	printf("\n");
}

static void
one(uint8_t proto, uint8_t aead, uint8_t cipher, uint8_t key_len, uint8_t auth,
    uint8_t akey_len)
{
	struct ov2_sa_conf conf;
	struct ov2_crypto *c = aligned_alloc(64, sizeof(*c));
	char name[64], err[160];
	int64_t v[3];
	unsigned int i;

	memset(&conf, 0, sizeof(conf));
	conf.proto = proto;
	conf.aead = aead;
	conf.cipher = cipher;
	conf.auth = auth;
	conf.key_len = key_len;
	conf.auth_key_len = akey_len;
	conf.flags = OV2_SA_F_DEPRECATED_OK;
	fill(conf.key, sizeof(conf.key), 3);
	fill(conf.auth_key, sizeof(conf.auth_key), 4);
	fill(conf.salt, sizeof(conf.salt), 5);
	if (c == NULL || ov2_crypto_init(c, &conf, err, sizeof(err)) != 0) {
		printf("%s\n", c ? err : "out of memory");
		free(c);
		return;
	}
	if (proto == OV2_IPPROTO_AH)
		snprintf(name, sizeof(name), "ah %s", ov2_auth_name(auth));
	else if (aead)
		snprintf(name, sizeof(name), "esp %s", ov2_aead_name(aead));
	else
		snprintf(name, sizeof(name), "esp %s+%s", ov2_cipher_name(cipher),
			 ov2_auth_name(auth));
	for (i = 0; i < 3; i++)
		v[i] = proto == OV2_IPPROTO_AH ? bench_ah(c, sizes[i]) : bench_esp(c, sizes[i]);
	row(name, v);
	ov2_crypto_wipe(c);
	free(c);
}

int
main(int argc, char **argv)
{
	static const struct { uint8_t cipher, key_len; } ciphers[] = {
		{ OV2_CIPHER_NULL, 0 }, { OV2_CIPHER_AES_128_CBC, 16 },
		{ OV2_CIPHER_AES_256_CBC, 32 }, { OV2_CIPHER_AES_192_CBC, 24 },
		{ OV2_CIPHER_DES_CBC, 8 }, { OV2_CIPHER_3DES_CBC, 24 },
	};
	static const struct { uint8_t auth, key_len; } auths[] = {
		{ OV2_AUTH_SHA1_96, 20 }, { OV2_AUTH_SHA256_128, 32 },
		{ OV2_AUTH_SHA384_192, 48 }, { OV2_AUTH_SHA512_256, 64 },
		{ OV2_AUTH_MD5_96, 16 },
	};
	const uint8_t E = OV2_IPPROTO_ESP, A = OV2_IPPROTO_AH;
	IMB_MGR *m;
	int64_t v[3];
	unsigned int i, j;

	if (argc > 1)
		iters = (unsigned int)strtoul(argv[1], NULL, 0);
	if (iters == 0 || iters > ITERS_MAX || (m = ov2_crypto_mgr()) == NULL) {
		fprintf(stderr, "usage: bench_crypto [iterations, 1..%u]; libipsec-mb %s\n",
			ITERS_MAX,
			imb_get_version_str());
		return 1;
	}
	measure_overhead();
	printf("libipsec-mb %s, arch %s; TSC %.2f GHz; median of %d runs, each the median\n"
	       "of <= %u packets timed one by one; TSC ticks per packet, ESN off\n",
	       imb_get_version_str(), m->used_arch == IMB_ARCH_AVX2 ? "avx2" :
	       m->used_arch == IMB_ARCH_AVX512 ? "avx512" : m->used_arch == IMB_ARCH_AVX ?
	       "avx" : "sse", tsc_ghz(), RUNS, iters);
	printf("%-32s %8u %8u %8u\n", "payload bytes", sizes[0], sizes[1], sizes[2]);
	for (i = 0; i < 3; i++)
		v[i] = bench_raw_gcm128(sizes[i]);
	row("raw IMB_AES128_GCM_DEC", v);
	printf("%-32s %8s %8s %8s %8s\n", "(batches of 64, alternating)", "payload", "ov2",
	       "raw", "ov2-raw");
	for (i = 0; i < 3; i++)
		side_by_side(sizes[i]);
	one(E, OV2_AEAD_AES_128_GCM, 0, 16, 0, 0);
	one(E, OV2_AEAD_AES_192_GCM, 0, 24, 0, 0);
	one(E, OV2_AEAD_AES_256_GCM, 0, 32, 0, 0);
	one(E, OV2_AEAD_CHACHA20_POLY1305, 0, 32, 0, 0);
	one(E, 0, OV2_CIPHER_NULL, 0, OV2_AUTH_AES_128_GMAC, 16);
	one(E, 0, OV2_CIPHER_NULL, 0, OV2_AUTH_AES_192_GMAC, 24);
	one(E, 0, OV2_CIPHER_NULL, 0, OV2_AUTH_AES_256_GMAC, 32);
	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		for (j = 0; j < sizeof(auths) / sizeof(auths[0]); j++)
			one(E, 0, ciphers[i].cipher, ciphers[i].key_len, auths[j].auth,
			    auths[j].key_len);
	for (j = 0; j < sizeof(auths) / sizeof(auths[0]); j++)
		one(A, 0, 0, 0, auths[j].auth, auths[j].key_len);
	one(A, 0, 0, 0, OV2_AUTH_AES_128_GMAC, 16);
	one(A, 0, 0, 0, OV2_AUTH_AES_256_GMAC, 32);
	return 0;
}
