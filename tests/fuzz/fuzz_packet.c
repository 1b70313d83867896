/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness of the receive path: arbitrary frames through the NIC side
 * (ov2_offload_rx) and then the consumer (ov2_consumer_rx), with the SA
 * table of tests/fuzz/packet.conf (every kind of SA) made afresh for each
 * input, so that an input's outcome does not depend on the ones before.
 *
 * Input: a 2-byte header, then records.
 *   byte 0: bits 0-1 the port's enable setting (off, AH, ESP, AH + ESP);
 *           bit 2 inbound policy on (the "sp" lines of packet.conf);
 *           bit 3 reassembly on (a consumer with a reassembly table of 16);
 *           bit 4 +ipv4-options, bit 5 +ipv6-ext (capabilities added);
 *           bit 6 differential run (see LLVMFuzzerTestOneInput); bit 7
 *           seal mode (see seal_frame()).
 *   byte 1: capabilities removed, one bit each: transport-tunnel, esn,
 *           udp-esp, ah-esp, tunnel, cbc, gcm, chacha20.
 *   record: flags, length (2 bytes, big endian), that many bytes (the last
 *           record takes what is left if the input is shorter).
 *     flags bits 0-1: the port's IP checksum flag (unknown, good, bad,
 *           none); bit 2: the burst ends after this frame; bits 3-7: s,
 *           the frame arrives as a chain whose first segment holds
 *           len * s / 32 bytes (s = 0: chained only beyond 2048 bytes).
 * At most 64 frames, bursts of at most 32.
 *
 * Invariants (abort when violated):
 *   - every frame is accounted for: the consumer returns no more than it
 *     was given, rx_packets counts each frame once, and after the
 *     reassembly table is finished, delivered + drops + merged fragments
 *     = frames; it returned every delivered frame, and every dropped one
 *     except fragments reassembly gave up (counted reassembly_failed);
 *   - no frame the NIC side indicated with CryptoDone and an
 *     authentication or syntax failure is delivered; a frame it indicated
 *     with CRYPTO_SUCCESS is delivered, if at all, as one IP packet whose
 *     length fields cover exactly the rest of the frame;
 *   - every mbuf the consumer returns is well formed (rte_mbuf_check) and
 *     appears once;
 *   - both mbuf pools are back to their starting counts once everything
 *     returned is freed;
 *   - differential runs: the NIC side plus the consumer deliver the same
 *     frames as the consumer's software path alone.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include "caps.h"
#include "conf.h"
#include "consumer.h"
#include "offload.h"
#include "oob.h"
#include "pkt.h"
#include "replay.h"
#include "sad.h"
#include "spd.h"
#include "fuzz_common.h"

#ifndef OV2_FUZZ_PACKET_CONF
#define OV2_FUZZ_PACKET_CONF "tests/fuzz/packet.conf"
#endif

#define MAX_FRAMES 64
#define MAX_BURST 32
#define MAX_FRAME_LEN 16384
#define SEG_ROOM 2048		/* data room of one pool mbuf */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;	/* frames as a port receives them */
static struct rte_mempool *big_pool;	/* the consumer's reassembly buffers */
static struct ov2_conf conf;
static struct ov2_spd *spd;
static unsigned int pool_start, big_start;
static int verbose;	/* OV2_FUZZ_VERBOSE set: one line per input */
static const char *seal_dir;	/* OV2_FUZZ_SEAL_SEEDS: write seal-mode seeds there */

static const char *const cap_words[8] = {
	"-transport-tunnel", "-esn", "-udp-esp", "-ah-esp", "-tunnel", "-cbc", "-gcm", "-chacha20",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("OV2_FUZZ_PACKET_CONF");
	char err[512];

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_packet", "256");
	if (ov2_oob_register() != 0) {
		fprintf(stderr, "fuzz_packet: cannot register the OOB dynfield\n");
		exit(1);
	}
	/* no per-lcore cache: the counts must be exact */
	pool = rte_pktmbuf_pool_create("fz_pkt", 1023, 0, 0, RTE_PKTMBUF_HEADROOM + SEG_ROOM,
				       SOCKET_ID_ANY);
	big_pool = rte_pktmbuf_pool_create("fz_big", 63, 0, 0, RTE_PKTMBUF_HEADROOM + 9216,
					   SOCKET_ID_ANY);
	if (pool == NULL || big_pool == NULL) {
		fprintf(stderr, "fuzz_packet: cannot create the mbuf pools\n");
		exit(1);
	}
	if (path == NULL)
		path = OV2_FUZZ_PACKET_CONF;
	if (ov2_conf_load(path, &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_packet: %s\n", err);
		exit(1);
	}
	spd = ov2_spd_create("fz", conf.sp, conf.n_sp, SOCKET_ID_ANY, err, sizeof(err));
	if (spd == NULL) {
		fprintf(stderr, "fuzz_packet: policy: %s\n", err);
		exit(1);
	}
	verbose = getenv("OV2_FUZZ_VERBOSE") != NULL;
	seal_dir = getenv("OV2_FUZZ_SEAL_SEEDS");
	pool_start = rte_mempool_avail_count(pool);
	big_start = rte_mempool_avail_count(big_pool);
	return 0;
}

/* The SA table of packet.conf, as ov2rx builds it (default window 64). */
static struct ov2_sad *
make_sad(void)
{
	struct ov2_sad *sad;
	char err[256];
	uint32_t i;

	sad = ov2_sad_create("fz", 64, SOCKET_ID_ANY, err, sizeof(err));
	FUZZ_ASSERT(sad != NULL);
	for (i = 0; i < conf.n_sa; i++) {
		struct ov2_sa_conf sa = conf.sa[i];
		int rc;

		if (sa.dir == OV2_SA_OUT) {
			rc = ov2_sad_add_out(sad, &sa, err, sizeof(err));
		} else {
			if (!(sa.flags & OV2_SA_F_REPLAY_SET)) {
				sa.replay_window = 64;
				sa.flags |= OV2_SA_F_REPLAY_SET;
			}
			rc = ov2_sad_add(sad, &sa, NULL, err, sizeof(err));
		}
		if (rc != 0)
			fprintf(stderr, "fuzz_packet: SA %u: %s\n", sa.spi, err);
		FUZZ_ASSERT(rc == 0);
	}
	return sad;
}

/* One frame as a port would hand it over: len bytes in a chain of pool
 * mbufs (first segment first_seg bytes, then full segments), the OOB
 * dynfield holding garbage (a NIC does not clear it: the engine must). */
static struct rte_mbuf *
make_frame(const uint8_t *p, uint32_t len, uint32_t first_seg, uint64_t ol_flags)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t off = 0;

	do {
		uint32_t n = off == 0 ? first_seg : RTE_MIN(len - off, (uint32_t)SEG_ROOM);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *d;

		FUZZ_ASSERT(m != NULL);
		fuzz_mbuf_unpoison(m);
		memset(ov2_oob(m), 0xa5, sizeof(struct ov2_oob));
		d = rte_pktmbuf_append(m, (uint16_t)n);
		FUZZ_ASSERT(d != NULL || n == 0);
		if (n > 0)
			memcpy(d, p + off, n);
		off += n;
		fuzz_mbuf_poison(m);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
	} while (off < len);
	head->ol_flags = ol_flags;
	head->port = 0;
	return head;
}

/*
 * Seal mode (byte 0 bit 7): the frame's ESP bytes are taken as plaintext
 * and sealed with its SA's key (the ICV written over the last bytes), as
 * the sender would, so that the fuzzer's own trailers, padding and inner
 * packets pass the ICV and reach the decapsulation. One-segment frames
 * with ESP (or ESP in UDP) of a known SA, outer layer only.
 */
static void
seal_frame(const struct ov2_sad *sad, struct rte_mbuf *m)
{
	struct ov2_pkt_info pi;
	struct ov2_sa_key k;
	struct ov2_sa *sa;
	uint32_t lo;
	uint8_t *esp;

	if (m->nb_segs != 1 || ov2_pkt_parse(m, &pi) != OV2_PKT_OK ||
	    (pi.flags & (OV2_PKT_F_FRAG | OV2_PKT_F_TRUNCATED)))
		return;
	if (pi.proto == IPPROTO_UDP && ov2_sad_udp_classify(sad, m, &pi) != OV2_UDP_ESP)
		return;
	if (pi.proto != OV2_IPPROTO_ESP || ov2_sa_key_of_pkt(&k, m, &pi, OV2_IPPROTO_ESP) != 0 ||
	    (uint32_t)pi.l2_len + pi.ip_len > m->data_len || pi.ip_len < pi.l3_len + 8u)
		return;
	sa = ov2_sad_lookup(sad, &k);	/* any-address SAs too */
	if (sa == NULL)
		return;
	esp = rte_pktmbuf_mtod_offset(m, uint8_t *, pi.l2_len + pi.l3_len);
	lo = (uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | (uint32_t)esp[6] << 8 | esp[7];
	ov2_crypto_esp_seal(&sa->crypto, esp, pi.ip_len - pi.l3_len,
			    (sa->conf.flags & OV2_SA_F_ESN) != 0,
			    (sa->conf.flags & OV2_SA_F_ESN) ?
			    ov2_esn_infer_hi(sa->nic.esn_top, sa->nic.window, lo) : 0);
}

static void
free_frame(struct rte_mbuf *m)
{
	fuzz_mbuf_unpoison(m);
	rte_pktmbuf_free(m);
}

/*
 * A frame the NIC side decrypted holds its ESP in plaintext, trailer and
 * all: as a seal-mode input (a single frame) it passes the ICV again, and
 * the fuzzer mutates plaintext from there. Written by the replay driver
 * with OV2_FUZZ_SEAL_SEEDS=DIR (scripts/fuzz.sh does).
 */
static void
write_seal_seed(const struct rte_mbuf *m)
{
	static unsigned int seq;
	uint8_t hdr[5] = { 0x8b, 0x00, 0x00, (uint8_t)(m->data_len >> 8), (uint8_t)m->data_len };
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seal-%d-%u", seal_dir, (int)getpid(), seq++);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(rte_pktmbuf_mtod(m, const void *), 1, m->data_len, f);
	fclose(f);
}

/* A CryptoStatus that says the packet must not be delivered. */
static int
status_is_failure(uint32_t rx)
{
	return (rx & OV2_RX_CRYPTO_DONE) && (rx >> OV2_RX_STATUS_SHIFT) != OV2_CRYPTO_SUCCESS;
}

/* What became of an input's frames (to see what seeds reach). */
static void
print_outcome(const struct ov2_stats *st)
{
	static const char *const names[] = {
#define X(id, name, desc) name,
		OV2_DROP_REASON_LIST(X)
#undef X
	};
	unsigned int i;

	printf("frames %" PRIu64 " delivered %" PRIu64 " crypto_ok %" PRIu64 " sw %" PRIu64
	       " fragments %" PRIu64 " reassembled %" PRIu64 " merged %" PRIu64, st->rx_packets,
	       st->delivered, st->crypto_status[OV2_CRYPTO_SUCCESS], st->sw_processed,
	       st->fragments, st->reassembled, st->frag_merged);
	for (i = 0; i < OV2_DROP_COUNT; i++)
		if (st->drops[i] != 0)
			printf(" %s %" PRIu64, names[i], st->drops[i]);
	printf("\n");
	fflush(stdout);
}

/*
 * A decrypted packet is delivered as one well-formed IP packet: after the
 * Ethernet header (and VLAN tags), an IPv4 header whose total length, or an
 * IPv6 header whose payload length, covers exactly the rest of the frame.
 */
static int
decrypted_frame_ok(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = 12, ip_len;
	uint16_t type;

	if (m->nb_segs != 1 || len < 14)
		return 0;
	type = (uint16_t)(p[off] << 8 | p[off + 1]);
	while ((type == 0x8100 || type == 0x88a8) && off + 6 <= len) {
		off += 4;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if (type == 0x0800 && off + 20 <= len && (p[off] >> 4) == 4)
		ip_len = (uint32_t)p[off + 2] << 8 | p[off + 3];
	else if (type == 0x86dd && off + 40 <= len && (p[off] >> 4) == 6)
		ip_len = 40 + ((uint32_t)p[off + 4] << 8 | p[off + 5]);
	else
		return 0;
	return off + ip_len == len;
}

struct run {
	struct ov2_offload_ctx ctx;
	struct ov2_consumer c;
	struct ov2_stats st;
	uint64_t frames, delivered, dropped;
	uint64_t digest[MAX_FRAMES];	/* of each delivered frame, in order */
	int bad_cksum;			/* a frame with a wrong IPv4 header checksum */
};

/* The outer IPv4 header checksum is wrong, as the consumer will judge it. */
static int
bad_ipv4_cksum(const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	struct ov2_pkt_info pi;

	if (ov2_pkt_parse(m, &pi) != OV2_PKT_OK || pi.family != 4 ||
	    f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 0;
	return f == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	       rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, pi.l2_len),
			     ov2_pkt_ip_hdr_len(&pi)) != 0xffff;
}

/* FNV-1a over every byte of a (possibly chained) frame, its length too. */
static uint64_t
frame_digest(const struct rte_mbuf *m)
{
	uint64_t h = 0xcbf29ce484222325ull ^ m->pkt_len;
	uint16_t i;

	for (; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		for (i = 0; i < m->data_len; i++)
			h = (h ^ p[i]) * 0x100000001b3ull;
	}
	return h;
}

/* One burst through both sides, then the per-burst checks. */
static void
run_burst(struct run *r, struct rte_mbuf *pkts[], uint16_t n)
{
	struct rte_mbuf *orig[MAX_BURST];
	uint32_t rx_word[MAX_BURST];
	uint8_t reason[MAX_BURST];
	uint16_t i, j, k, nd = 0;

	ov2_offload_rx(&r->ctx, pkts, n);
	for (i = 0; i < n; i++) {
		orig[i] = pkts[i];
		rx_word[i] = ov2_oob(pkts[i])->rx;
		if (seal_dir != NULL && pkts[i]->nb_segs == 1 &&
		    rx_word[i] == (OV2_RX_CRYPTO_DONE | OV2_CRYPTO_SUCCESS << OV2_RX_STATUS_SHIFT))
			write_seal_seed(pkts[i]);
	}
	k = ov2_consumer_rx(&r->c, pkts, n, reason, &nd);
	FUZZ_ASSERT(k <= n && nd <= n - k);
	FUZZ_ASSERT(r->st.delivered == r->delivered + k);
	FUZZ_ASSERT(r->st.rx_packets == r->frames + n);
	for (i = 0; i < k + nd; i++) {
		const char *why = NULL;

		FUZZ_ASSERT(rte_mbuf_check(pkts[i], 1, &why) == 0);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(pkts[j] != pkts[i]);
		if (i >= k)
			FUZZ_ASSERT(reason[i] < OV2_DROP_COUNT);
	}
	/* nothing the NIC side failed is delivered; what it decrypted is
	 * delivered as a well-formed IP packet */
	for (i = 0; i < k; i++)
		for (j = 0; j < n; j++)
			if (pkts[i] == orig[j]) {
				FUZZ_ASSERT(!status_is_failure(rx_word[j]));
				if (rx_word[j] & OV2_RX_CRYPTO_DONE)
					FUZZ_ASSERT(decrypted_frame_ok(pkts[i]));
			}
	for (i = 0; i < k; i++)
		r->digest[r->delivered + i] = frame_digest(pkts[i]);
	r->frames += n;
	r->delivered += k;
	r->dropped += nd;
	for (i = 0; i < k + nd; i++)
		free_frame(pkts[i]);
}

/* How run_input() departs from what the input says. */
#define RUN_AS_GIVEN 0
#define RUN_SINGLE (1u << 0)	/* every frame a burst of its own */
#define RUN_OFFLOAD_OFF (1u << 1)	/* port offload disabled */

/* Run the frames of an input through a fresh SA table; r holds the outcome. */
static void
run_input(const uint8_t *data, size_t size, unsigned int how, struct run *r_out)
{
	static const uint64_t cksum[4] = {
		RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
	};
	struct rte_mbuf *burst[MAX_BURST];
	struct run *rp = r_out, r;
	struct ov2_consumer_conf cc;
	struct ov2_sad *sad;
	char err[256];
	uint16_t nb = 0;
	size_t off = 2;
	unsigned int i, frames = 0;
	uint64_t fini_drops;

	memset(&r, 0, sizeof(r));
	sad = make_sad();
	r.ctx.sad = sad;
	r.ctx.enable = (how & RUN_OFFLOAD_OFF) ? OV2_OFFLOAD_OFF : data[0] & 3u;
	ov2_caps_port_default(&r.ctx.caps, 64);
	if (data[0] & 0x10)
		FUZZ_ASSERT(ov2_caps_edit(&r.ctx.caps, "+ipv4-options", err, sizeof(err)) == 0);
	if (data[0] & 0x20)
		FUZZ_ASSERT(ov2_caps_edit(&r.ctx.caps, "+ipv6-ext", err, sizeof(err)) == 0);
	for (i = 0; i < 8; i++)
		if (data[1] & (1u << i))
			FUZZ_ASSERT(ov2_caps_edit(&r.ctx.caps, cap_words[i], err, sizeof(err)) == 0);
	memset(&cc, 0, sizeof(cc));
	cc.sad = sad;
	cc.spd = (data[0] & 4) ? spd : NULL;
	cc.stats = &r.st;
	cc.big_pool = (data[0] & 8) ? big_pool : NULL;
	cc.frag_max = 16;
	cc.socket = SOCKET_ID_ANY;
	FUZZ_ASSERT(ov2_consumer_init(&r.c, &cc, err, sizeof(err)) == 0);

	while (off + 3 <= size && frames < MAX_FRAMES) {
		uint8_t f = data[off];
		uint32_t len = (uint32_t)data[off + 1] << 8 | data[off + 2];
		uint32_t first, s = f >> 3;

		off += 3;
		len = RTE_MIN(len, (uint32_t)(size - off));
		len = RTE_MIN(len, (uint32_t)MAX_FRAME_LEN);
		first = s != 0 ? RTE_MAX(len * s / 32, RTE_MIN(len, 1u)) : len;
		first = RTE_MIN(first, (uint32_t)SEG_ROOM);
		burst[nb] = make_frame(data + off, len, first, cksum[f & 3]);
		fuzz_mbuf_unpoison(burst[nb]);
		if (data[0] & 0x80)
			seal_frame(sad, burst[nb]);
		r.bad_cksum |= bad_ipv4_cksum(burst[nb]);
		fuzz_mbuf_poison(burst[nb]);
		nb++;
		off += len;
		frames++;
		if ((f & 4) || nb == MAX_BURST || (how & RUN_SINGLE)) {
			run_burst(&r, burst, nb);
			nb = 0;
		}
	}
	if (nb > 0)
		run_burst(&r, burst, nb);

	/* the fragments still held are dropped by fini() */
	fini_drops = ov2_stats_drops_total(&r.st);
	ov2_consumer_fini(&r.c);
	fini_drops = ov2_stats_drops_total(&r.st) - fini_drops;
	if (verbose)
		print_outcome(&r.st);
	FUZZ_ASSERT(r.st.rx_packets == frames);
	FUZZ_ASSERT(r.st.frag_held == 0);
	FUZZ_ASSERT(r.st.delivered == r.delivered);
	/* drops not returned: fragments reassembly gave up, freed by the
	 * consumer during a burst (its death row) or by fini() */
	FUZZ_ASSERT(ov2_stats_drops_total(&r.st) >= r.dropped + fini_drops);
	FUZZ_ASSERT(r.st.drops[OV2_DROP_REASSEMBLY_FAILED] >=
		    ov2_stats_drops_total(&r.st) - r.dropped);
	FUZZ_ASSERT(r.st.delivered + ov2_stats_drops_total(&r.st) + r.st.frag_merged == frames);
	FUZZ_ASSERT(r.st.reassembled <= r.st.fragments);
	ov2_sad_free(sad);
	FUZZ_ASSERT(rte_mempool_avail_count(pool) == pool_start);
	FUZZ_ASSERT(rte_mempool_avail_count(big_pool) == big_start);
	*rp = r;
}

/*
 * Byte 0 bit 6 asks for a differential run: the frames one at a time with
 * the port's setting, then again with offload off, where the consumer
 * processes all of them in software with the same engine. Frame by frame,
 * the NIC side's state (ESN inference, lifetimes) is as current as the
 * software path's, so both must deliver the same frames, byte for byte
 * (one exception, below).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;
	uint64_t i;

	if (size < 2)
		return 0;
	if (!(data[0] & 0x40)) {
		run_input(data, size, RUN_AS_GIVEN, &a);
		return 0;
	}
	run_input(data, size, RUN_SINGLE, &a);
	run_input(data, size, RUN_SINGLE | RUN_OFFLOAD_OFF, &b);
	/* By design the NIC side counts a verified packet towards its SA's
	 * lifetime before the transport drops it for a wrong IPv4 header
	 * checksum, while the software path drops it first: SaDeleteReq may
	 * then come a packet earlier after the NIC side. */
	if (a.bad_cksum && (a.st.sa_deleted != 0 || b.st.sa_deleted != 0))
		return 0;
	if (a.delivered != b.delivered)
		fprintf(stderr, "fuzz_packet: offload delivered %" PRIu64 " frames, software %"
			PRIu64 "\n", a.delivered, b.delivered);
	FUZZ_ASSERT(a.delivered == b.delivered);
	for (i = 0; i < a.delivered; i++)
		FUZZ_ASSERT(a.digest[i] == b.digest[i]);
	return 0;
}
