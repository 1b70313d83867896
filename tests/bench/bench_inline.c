/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the NIC side costs the CPU per packet, bursts of 64 ESP packets of
 * one AES-128-GCM tunnel SA:
 *   software: ov2_offload_rx() on the packets as they arrive (decrypts);
 *   inline:   ov2_inline_rx() on the packets as an inline-crypto NIC hands
 *             them up (plaintext in place, RTE_MBUF_F_RX_SEC_OFFLOAD): the
 *             translation only;
 *   scan:     ov2_inline_rx() on unflagged packets, less ov2_offload_rx()
 *             on the same: what a port with SAs on its NIC pays for the
 *             traffic it leaves to software.
 * Inner packet sizes 64, 512 and 1400 bytes. The packets' bytes are put
 * back before every burst, outside the timed call. A run's figure is the
 * median burst over its bursts, per packet; the median of 5 runs is
 * printed, in TSC cycles and ns.
 *
 * Usage: bench_inline [bursts per run]   (default 20000)
 * EAL runs with --no-pci -l 0 -m 64 --file-prefix bench_inline_<pid>
 * (hugepages; --no-huge when none can be had).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include "build.h"
#include "conf.h"
#include "inline.h"
#include "offload.h"
#include "oob.h"
#include "sad.h"
#include "bench_tsc.h"

#define RUNS 5
#define BURST 64

static const char *const sa_line =
	"in 1001 aead_algo aes-128-gcm aead_key 00:01:02:03:04:05:06:07:08:09:0a:0b:"
	"0c:0d:0e:0f:a0:a1:a2:a3 mode ipv4-tunnel dst 192.0.2.2";

static uint8_t enc[BURST][OV2_BUILD_MAX_FRAME], dec[BURST][OV2_BUILD_MAX_FRAME];
static size_t flen[BURST];

enum mode { SOFTWARE, INLINE, SCAN_INLINE, SCAN_SOFTWARE };

/* One run: the median burst, in cycles. */
static uint64_t
run(enum mode md, struct ov2_offload_ctx *ctx, const struct ov2_inline_set *set,
    struct rte_mbuf *m[], unsigned int bursts, uint64_t *samples, int *bad)
{
	struct ov2_inline_stats st = { 0 };
	unsigned int b, i;

	for (b = 0; b < bursts; b++) {
		uint64_t t0;

		for (i = 0; i < BURST; i++) {
			memcpy(rte_pktmbuf_mtod(m[i], uint8_t *), md == INLINE ? dec[i] : enc[i],
			       flen[i]);
			m[i]->ol_flags = md == INLINE ? RTE_MBUF_F_RX_SEC_OFFLOAD : 0;
		}
		t0 = rte_rdtsc_precise();
		if (md == SOFTWARE || md == SCAN_SOFTWARE)
			ov2_offload_rx(ctx, m, BURST);
		else
			ov2_inline_rx(ctx, set, &st, m, BURST);
		samples[b] = rte_rdtsc_precise() - t0;
		if (b == 0)
			for (i = 0; i < BURST; i++)
				if (!ov2_oob_crypto_done(ov2_oob(m[i])) ||
				    ov2_oob_status(ov2_oob(m[i])) != OV2_CRYPTO_SUCCESS)
					*bad = 1;
	}
	return median(samples, bursts);
}

int
main(int argc, char **argv)
{
	char prefix[64], err[256];
	char *def[] = { argv[0], (char *)"--no-pci", (char *)"-l", (char *)"0", (char *)"-m",
			(char *)"64", prefix, NULL };
	static const uint16_t sizes[] = { 64, 512, 1400 };
	struct rte_mbuf *m[BURST];
	struct ov2_offload_ctx ctx;
	struct ov2_inline_set set;
	struct ov2_sa_conf conf;
	struct rte_mempool *mp;
	struct ov2_sad *sad;
	struct ov2_sa *sa;
	unsigned int bursts = 20000, s, r, i;
	uint64_t *samples, res[4][RUNS];
	double hz;
	int rc, bad = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_inline_%d", (int)getpid());
	if (argc > 1)
		bursts = (unsigned int)strtoul(argv[1], NULL, 10);
	/* the options are fixed: never probe the machine's own NIC */
	rc = rte_eal_init(7, def);
	if (rc < 0) {
		char *nohuge[] = { argv[0], (char *)"--no-pci", (char *)"-l", (char *)"0",
				   (char *)"-m", (char *)"64", prefix, (char *)"--no-huge", NULL };

		rc = rte_eal_init(8, nohuge);
	}
	if (rc < 0) {
		fprintf(stderr, "cannot init EAL\n");
		return 1;
	}
	if (bursts == 0)
		bursts = 1;
	samples = malloc(bursts * sizeof(*samples));
	mp = rte_pktmbuf_pool_create("bench", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("bench", 8, SOCKET_ID_ANY, err, sizeof(err));
	if (samples == NULL || mp == NULL || sad == NULL || ov2_oob_register() != 0 ||
	    ov2_conf_parse_sa(sa_line, &conf, err, sizeof(err)) != 0 ||
	    ov2_sad_add(sad, &conf, &sa, err, sizeof(err)) != 0 ||
	    ov2_inline_set_init(&set, 1) != 0 || ov2_inline_set_add(&set, sa) != 0) {
		fprintf(stderr, "setup failed: %s\n", err);
		return 1;
	}
	for (i = 0; i < BURST; i++)
		m[i] = rte_pktmbuf_alloc(mp);
	memset(&ctx, 0, sizeof(ctx));
	ctx.sad = sad;
	ctx.enable = OV2_OFFLOAD_AH_ESP;
	ov2_caps_port_default(&ctx.caps, 0);
	hz = (double)rte_get_tsc_hz();
	printf("per packet, bursts of %u, median of %u runs of %u bursts (TSC %.2f GHz)\n",
	       BURST, RUNS, bursts, hz / 1e9);
	printf("%6s %18s %18s %18s\n", "size", "software engine", "inline translation",
	       "scan overhead");
	for (s = 0; s < RTE_DIM(sizes); s++) {
		for (i = 0; i < BURST; i++) {
			struct ov2_build_opts o = { .size = sizes[s], .seq = i + 1, .flow = i };
			uint8_t *out[2] = { enc[i], dec[i] };
			size_t out_len[2];
			uint32_t hl = 14 + 20;	/* Ethernet + outer IPv4 */

			if (ov2_build_esp(&sa->conf, &sa->crypto, &o, out, out_len, NULL, NULL,
					  err, sizeof(err)) != 1) {
				fprintf(stderr, "build: %s\n", err);
				return 1;
			}
			flen[i] = out_len[0];
			/* what the NIC hands up: the same bytes, decrypted in place */
			memcpy(dec[i], enc[i], flen[i]);
			if (ov2_crypto_esp_open(&sa->crypto, dec[i] + hl, (uint32_t)(flen[i] - hl),
						0, 0) != 0) {
				fprintf(stderr, "open failed\n");
				return 1;
			}
			rte_pktmbuf_reset(m[i]);
			rte_pktmbuf_append(m[i], (uint16_t)flen[i]);
		}
		for (r = 0; r < RUNS; r++) {
			res[SOFTWARE][r] = run(SOFTWARE, &ctx, &set, m, bursts, samples, &bad);
			res[INLINE][r] = run(INLINE, &ctx, &set, m, bursts, samples, &bad);
			/* unflagged: bytes as they arrive, so the engine decrypts
			 * them in both; the difference is the scan */
			res[SCAN_INLINE][r] = run(SCAN_INLINE, &ctx, &set, m, bursts, samples, &bad);
			res[SCAN_SOFTWARE][r] = run(SCAN_SOFTWARE, &ctx, &set, m, bursts, samples,
						    &bad);
		}
		{
			double sw = (double)median(res[SOFTWARE], RUNS) / BURST;
			double in = (double)median(res[INLINE], RUNS) / BURST;
			double sc = ((double)median(res[SCAN_INLINE], RUNS) -
				     (double)median(res[SCAN_SOFTWARE], RUNS)) / BURST;

			printf("%6u %8.0f cyc %5.0f ns %8.0f cyc %5.0f ns %8.1f cyc %5.1f ns\n",
			       sizes[s], sw, sw * 1e9 / hz, in, in * 1e9 / hz, sc, sc * 1e9 / hz);
		}
	}
	if (bad) {
		fprintf(stderr, "some packet was not indicated CRYPTO_SUCCESS\n");
		return 1;
	}
	for (i = 0; i < BURST; i++)
		rte_pktmbuf_free(m[i]);
	ov2_inline_set_fini(&set);
	ov2_sad_free(sad);
	rte_eal_cleanup();
	return 0;
}
