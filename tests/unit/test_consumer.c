/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The consumer reads the OOB data only. These cases feed it packets whose
 * OOB was set by hand, as an inline-crypto NIC would set it (plaintext in
 * place, ESP header/IV/trailer/ICV still there), and check every outcome:
 * each CryptoStatus, trailer and padding checks, tunnel and transport
 * decapsulation byte for byte, and packets indicated without OOB.
 */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "consumer.h"
#include "oob.h"
#include "pkt.h"
#include "sad.h"
#include "testlib.h"

#define DELIVER 255

static struct rte_mempool *mp;
static struct ov2_sad *sad;
static struct ov2_sa *sa_tun4, *sa_tun6, *sa_tr4, *sa_tr6;

static const uint8_t eth_v4[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
static const uint8_t eth_v6[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd };
static const uint8_t dst4[4] = { 10, 0, 0, 2 };
static const uint8_t dst6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static size_t
ip4_hdr(uint8_t *p, uint16_t total, uint8_t proto)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	memcpy(&ip->src_addr, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(&ip->dst_addr, dst4, 4);
	ov2_ipv4_cksum_set(ip);
	return sizeof(*ip);
}

static size_t
ip6_hdr(uint8_t *p, uint16_t payload, uint8_t nh)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(payload >> 8);
	p[5] = (uint8_t)payload;
	p[6] = nh;
	p[7] = 64;
	p[23] = 1;
	memcpy(p + 24, dst6, 16);
	return 40;
}

/* An inner IPv4/UDP packet of len bytes. */
static size_t
inner_v4(uint8_t *p, uint16_t len)
{
	size_t i, h = ip4_hdr(p, len, 17);

	for (i = h; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	return len;
}

/* An inner IPv6/UDP packet of len bytes. */
static size_t
inner_v6(uint8_t *p, uint16_t len)
{
	size_t i, h = ip6_hdr(p, (uint16_t)(len - 40), 17);

	for (i = h; i < len; i++)
		p[i] = (uint8_t)(i * 5);
	return len;
}

struct esp_case {
	uint8_t outer;		/* 4 or 6 */
	const uint8_t *payload;	/* what ESP carries (inner packet or l4) */
	uint16_t plen;
	uint8_t nh;
	uint8_t padlen;
	int bad_pad;		/* corrupt one padding byte */
	uint8_t claim;		/* non-zero: the pad length the trailer states */
};

/* Eth + outer IP + ESP(spi, seq) + IV + payload + pad + padlen + nh + ICV,
 * the payload in clear as the NIC leaves it after decryption. */
static struct rte_mbuf *
esp_frame(const struct esp_case *c)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t esp_len = (uint16_t)(8 + 8 + c->plen + c->padlen + 2 + 16);
	uint8_t *p;
	size_t off = 14;
	int i;

	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + (c->outer == 4 ? 20 : 40) + esp_len));
	memcpy(p, c->outer == 4 ? eth_v4 : eth_v6, 14);
	off += c->outer == 4 ? ip4_hdr(p + off, (uint16_t)(20 + esp_len), 50) :
			       ip6_hdr(p + off, esp_len, 50);
	memcpy(p + off, (const uint8_t[]){ 0, 0, 0x10, 0, 0, 0, 0, 1 }, 8);
	memset(p + off + 8, 0xa5, 8);			/* IV */
	off += 16;
	memcpy(p + off, c->payload, c->plen);
	off += c->plen;
	for (i = 0; i < c->padlen; i++)
		p[off++] = (uint8_t)(i + 1);
	if (c->bad_pad)
		p[off - 1] ^= 0x40;
	p[off++] = c->claim ? c->claim : c->padlen;
	p[off++] = c->nh;
	memset(p + off, 0xcc, 16);			/* ICV */
	return m;
}

static void
set_oob(struct rte_mbuf *m, struct ov2_sa *sa, unsigned int status,
	const struct esp_case *c, int hdr_info)
{
	struct ov2_oob *o = ov2_oob(m);

	ov2_oob_clear(o);
	o->rx = OV2_RX_CRYPTO_DONE | (uint32_t)status << OV2_RX_STATUS_SHIFT;
	o->sa = sa;
	if (hdr_info)
		ov2_oob_set_header_info(o, c->nh, c->claim ? c->claim : c->padlen);
}

/* Run one packet through the consumer; returns DELIVER or the reason. */
static unsigned int
consume(struct rte_mbuf **m, struct ov2_stats *st)
{
	struct ov2_consumer c = { .sad = sad, .stats = st };
	uint8_t reason[1];
	uint16_t k = ov2_consumer_rx(&c, m, 1, reason, NULL);

	return k == 1 ? DELIVER : reason[0];
}

static int
frame_is(struct rte_mbuf *m, const uint8_t *eth, const uint8_t *want, size_t len)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return m->pkt_len == 14 + len && m->data_len == m->pkt_len &&
	       memcmp(p, eth, 14) == 0 && memcmp(p + 14, want, len) == 0;
}

/* 1. Every CryptoStatus error becomes its own drop reason. */
static void
test_statuses(void)
{
	uint8_t in[100];
	struct esp_case c = { 4, in, (uint16_t)inner_v4(in, 100), 4, 2, 0 };
	struct ov2_stats st = { 0 };
	unsigned int s;

	for (s = 1; s < 8; s++) {
		struct rte_mbuf *m = esp_frame(&c);

		set_oob(m, sa_tun4, s, &c, 1);
		CHECK_EQ(consume(&m, &st), ov2_drop_of_status((enum ov2_crypto_status)s));
		rte_pktmbuf_free(m);
	}
	for (s = 1; s < 8; s++)
		CHECK_EQ(st.crypto_status[s], 1);
	CHECK_EQ(st.rx_packets, 7);
	CHECK_EQ(st.delivered, 0);
	CHECK_EQ(ov2_stats_drops_total(&st), 7);
}

/* 2. Tunnel mode, both outer and inner families, header info or not. */
static void
test_tunnel(void)
{
	static const uint16_t sizes[] = { 28, 64, 1400 };
	struct ov2_stats st = { 0 };
	uint8_t in[1500];
	unsigned int i, v, hi;

	for (i = 0; i < RTE_DIM(sizes); i++)
		for (v = 0; v < 4; v++)
			for (hi = 0; hi < 2; hi++) {
				int inner6 = v & 1, outer6 = v >> 1;
				uint16_t len = (uint16_t)RTE_MAX(sizes[i], inner6 ? 48 : 28);
				struct esp_case c = { outer6 ? 6 : 4, in,
					(uint16_t)(inner6 ? inner_v6(in, len) : inner_v4(in, len)),
					inner6 ? 41 : 4, (uint8_t)((4 - (len + 2) % 4) % 4), 0 };
				struct rte_mbuf *m = esp_frame(&c);

				set_oob(m, outer6 ? sa_tun6 : sa_tun4, 0, &c, (int)hi);
				CHECK_EQ(consume(&m, &st), DELIVER);
				CHECK(frame_is(m, inner6 ? eth_v6 : eth_v4, in, len));
				rte_pktmbuf_free(m);
			}
	CHECK_EQ(st.delivered, RTE_DIM(sizes) * 8);
	CHECK_EQ(st.crypto_status[0], RTE_DIM(sizes) * 8);
}

/* 3. Transport mode: the IP header restored (protocol, length, checksum). */
static void
test_transport(void)
{
	struct ov2_stats st = { 0 };
	uint8_t l4[300], want[400];
	unsigned int v;
	size_t i, h;

	for (i = 0; i < sizeof(l4); i++)
		l4[i] = (uint8_t)(i ^ 0x3c);
	for (v = 0; v < 2; v++) {
		struct esp_case c = { v ? 6 : 4, l4, 300, 17, 10, 0 };
		struct rte_mbuf *m = esp_frame(&c);

		h = v ? ip6_hdr(want, 300, 17) : ip4_hdr(want, 320, 17);
		memcpy(want + h, l4, 300);
		set_oob(m, v ? sa_tr6 : sa_tr4, 0, &c, 0);
		CHECK_EQ(consume(&m, &st), DELIVER);
		CHECK(frame_is(m, v ? eth_v6 : eth_v4, want, h + 300));
		if (!v)
			CHECK_EQ(rte_ipv4_cksum(rte_pktmbuf_mtod_offset(m,
				struct rte_ipv4_hdr *, 14)), 0xffff ^ 0xffff);
		rte_pktmbuf_free(m);
	}
}

/* 4. Trailer, padding, dummy and inner-packet checks (numbered table). */
static void
test_trailer_table(void)
{
	uint8_t in4[60], bad_inner[60], l4[40];
	struct {
		int n;
		struct ov2_sa **sa;
		struct esp_case c;
		unsigned int want;
	} t[] = {
		{ 1, &sa_tun4, { 4, in4, 60, 4, 2, 1 }, OV2_DROP_BAD_PADDING },
		{ 2, &sa_tun4, { 4, in4, 60, 4, 2, 0, 250 }, OV2_DROP_BAD_TRAILER },
		{ 3, &sa_tun4, { 4, in4, 60, 59, 2, 0 }, OV2_DROP_DUMMY },
		{ 4, &sa_tun4, { 4, bad_inner, 60, 4, 2, 0 }, OV2_DROP_BAD_INNER },
		{ 5, &sa_tun4, { 4, in4, 60, 41, 2, 0 }, OV2_DROP_BAD_INNER },
		{ 6, &sa_tun4, { 4, in4, 60, 17, 2, 0 }, OV2_DROP_BAD_INNER },
		{ 7, &sa_tr4, { 4, l4, 40, 17, 2, 1 }, OV2_DROP_BAD_PADDING },
		{ 8, &sa_tr4, { 4, l4, 40, 59, 2, 0 }, OV2_DROP_DUMMY },
		{ 9, &sa_tun4, { 4, in4, 60, 4, 2, 0 }, DELIVER },
		{ 10, &sa_tr4, { 4, l4, 40, 6, 2, 0 }, DELIVER },
		{ 11, &sa_tun4, { 4, in4, 60, 4, 0, 0 }, DELIVER },
		{ 12, &sa_tr4, { 4, l4, 40, 17, 2, 0, 95 }, OV2_DROP_BAD_TRAILER },
		{ 13, &sa_tr4, { 4, l4, 40, 17, 2, 0, 30 }, OV2_DROP_BAD_PADDING },
	};
	unsigned int i;

	inner_v4(in4, 60);
	memcpy(bad_inner, in4, 60);
	bad_inner[0] = 0x05;		/* version 0 */
	memset(l4, 7, sizeof(l4));
	for (i = 0; i < RTE_DIM(t); i++) {
		struct ov2_stats st = { 0 };
		struct rte_mbuf *m = esp_frame(&t[i].c);
		unsigned int got;

		set_oob(m, *t[i].sa, 0, &t[i].c, i & 1);
		got = consume(&m, &st);
		if (got != t[i].want)
			fprintf(stderr, "trailer case %d: got %u want %u\n", t[i].n, got, t[i].want);
		CHECK_EQ(got, t[i].want);
		rte_pktmbuf_free(m);
	}
}

/* 5. Defensive: a status OV2 does not define, SUCCESS without an SA, a
 * decrypted packet whose outer header checksum is wrong. */
static void
test_bad_oob(void)
{
	uint8_t in[60];
	struct esp_case c = { 4, in, (uint16_t)inner_v4(in, 60), 4, 2, 0 };
	struct ov2_stats st = { 0 };
	struct rte_mbuf *m = esp_frame(&c);

	set_oob(m, sa_tun4, 0, &c, 1);
	rte_pktmbuf_mtod(m, uint8_t *)[24] ^= 0x10;	/* checksum */
	CHECK_EQ(consume(&m, &st), OV2_DROP_BAD_IP_CHECKSUM);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;	/* the port says good */
	CHECK_EQ(consume(&m, &st), DELIVER);
	rte_pktmbuf_free(m);
	m = esp_frame(&c);

	set_oob(m, sa_tun4, 9, &c, 1);
	CHECK_EQ(consume(&m, &st), OV2_DROP_GENERIC_ERROR);
	CHECK_EQ(st.crypto_status[OV2_CRYPTO_GENERIC_ERROR], 1);
	set_oob(m, NULL, 0, &c, 1);
	CHECK_EQ(consume(&m, &st), OV2_DROP_GENERIC_ERROR);
	rte_pktmbuf_free(m);
}

/* 6. Packets without OOB data. */
static void
test_not_offloaded(void)
{
	uint8_t in[60];
	struct esp_case c = { 4, in, (uint16_t)inner_v4(in, 60), 4, 2, 0 };
	struct ov2_stats st = { 0 };
	struct rte_mbuf *m;
	uint8_t *p;

	/* cleartext UDP: delivered unchanged */
	m = rte_pktmbuf_alloc(mp);
	p = (uint8_t *)rte_pktmbuf_append(m, 74);
	memcpy(p, eth_v4, 14);
	inner_v4(p + 14, 60);
	ov2_oob_clear(ov2_oob(m));
	CHECK_EQ(consume(&m, &st), DELIVER);
	CHECK(frame_is(m, eth_v4, p + 14, 60));
	/* a wrong header checksum */
	p[22] ^= 1;
	CHECK_EQ(consume(&m, &st), OV2_DROP_BAD_IP_CHECKSUM);
	p[22] ^= 1;
	/* the same with a lying total length: malformed */
	p[16] = 0x05;
	ov2_ipv4_cksum_set(p + 14);
	CHECK_EQ(consume(&m, &st), OV2_DROP_MALFORMED);
	/* non-IP (ARP): delivered */
	p[12] = 0x08;
	p[13] = 0x06;
	CHECK_EQ(consume(&m, &st), DELIVER);
	rte_pktmbuf_free(m);
	/* ESP for an SPI that has an SA, not processed by the NIC side: the
	 * consumer checks it in software (this frame's ICV is filler) */
	m = esp_frame(&c);
	ov2_oob_clear(ov2_oob(m));
	CHECK_EQ(consume(&m, &st), OV2_DROP_TUNNEL_ESP_AUTH_FAILED);
	CHECK_EQ(st.sw_processed, 1);
	CHECK_EQ(st.crypto_status[OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED], 1);
	/* ESP for an SPI without SA */
	rte_pktmbuf_mtod(m, uint8_t *)[34] = 0x77;
	ov2_oob_clear(ov2_oob(m));
	CHECK_EQ(consume(&m, &st), OV2_DROP_NO_SA);
	/* a fragment of an ESP packet, and no reassembly configured */
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[34] = 0;
	p[20] = 0x20;		/* MF */
	ov2_ipv4_cksum_set(p + 14);
	ov2_oob_clear(ov2_oob(m));
	CHECK_EQ(consume(&m, &st), OV2_DROP_NOT_PROCESSED);
	rte_pktmbuf_free(m);
	CHECK_EQ(st.not_offloaded, 7);
	CHECK_EQ(st.crypto_status[0], 0);
}

/* 7. A mixed burst: delivered first in order, drops at the tail with
 * their reasons, counters adding up. */
static void
test_burst(void)
{
	struct ov2_consumer cons = { 0 };
	struct ov2_stats st = { 0 };
	struct rte_mbuf *pk[32], *orig[32];
	uint8_t reason[32], in[32][80];
	unsigned int i, nd = 0, ndrop = 0;
	uint16_t k;

	cons.sad = sad;
	cons.stats = &st;
	for (i = 0; i < 32; i++) {
		struct esp_case c = { 4, in[i], (uint16_t)inner_v4(in[i], 80), 4, 2, 0 };

		in[i][79] = (uint8_t)i;
		pk[i] = orig[i] = esp_frame(&c);
		set_oob(pk[i], sa_tun4, i % 3 == 0 ? OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED : 0, &c, 1);
	}
	k = ov2_consumer_rx(&cons, pk, 32, reason, NULL);
	CHECK_EQ(k, 21);
	for (i = 0; i < 32; i++) {
		if (i % 3 == 0) {
			CHECK(pk[21 + ndrop] == orig[i]);
			CHECK_EQ(reason[21 + ndrop], OV2_DROP_TUNNEL_ESP_AUTH_FAILED);
			ndrop++;
		} else {
			CHECK(pk[nd] == orig[i]);
			CHECK(frame_is(pk[nd], eth_v4, in[i], 80));
			nd++;
		}
	}
	CHECK_EQ(st.rx_packets, 32);
	CHECK_EQ(st.delivered + ov2_stats_drops_total(&st), st.rx_packets);
	rte_pktmbuf_free_bulk(pk, 32);
}

/* 8. A tunnel's inner UDP packet: ESP in UDP to a port a UDP-ESP SA
 * receives on is checked in software (filler ICV: auth fails); UDP to any
 * other port is plain and delivered as it is, with or without IPv4
 * options in the inner header. */
static void
test_inner_udp(void)
{
	static const uint16_t dports[] = { 4500, 4501 };
	struct ov2_stats st = { 0 };
	unsigned int i, opts;

	for (opts = 0; opts < 2; opts++) {
		for (i = 0; i < RTE_DIM(dports); i++) {
			uint8_t in[96];
			uint16_t hl = (uint16_t)(opts ? 24 : 20), len = (uint16_t)(hl + 8 + 8 + 8 + 16 + 16);
			struct esp_case c = { 4, in, len, 4, 2, 0 };
			uint64_t sw = st.sw_processed;
			struct rte_mbuf *m;
			uint8_t *u;

			ip4_hdr(in, len, 17);
			if (opts) {
				/* one 4-byte option (NOPs); the header checksum again */
				in[0] = 0x46;
				memset(in + 20, 1, 4);
				ov2_ipv4_cksum_set(in);
			}
			u = in + hl;
			u[0] = 0x11, u[1] = 0x94;		/* source port 4500 */
			u[2] = (uint8_t)(dports[i] >> 8), u[3] = (uint8_t)dports[i];
			u[4] = (uint8_t)((len - hl) >> 8), u[5] = (uint8_t)(len - hl);
			u[6] = u[7] = 0;
			/* ESP: SPI 0x2000, sequence 1, IV, payload, ICV filler */
			memcpy(u + 8, (const uint8_t[]){ 0, 0, 0x20, 0, 0, 0, 0, 1 }, 8);
			memset(u + 16, 0x5a, (size_t)(len - hl - 16));
			m = esp_frame(&c);
			set_oob(m, sa_tun4, 0, &c, 1);
			if (dports[i] == 4500) {
				CHECK_EQ(consume(&m, &st), OV2_DROP_TRANSPORT_ESP_AUTH_FAILED);
				CHECK_EQ(st.sw_processed, sw + 1);
			} else {
				CHECK_EQ(consume(&m, &st), DELIVER);
				CHECK(frame_is(m, eth_v4, in, len));
				CHECK_EQ(st.sw_processed, sw);
			}
			rte_pktmbuf_free(m);
		}
	}
}

static struct ov2_sa *
add_sa(uint32_t spi, uint8_t mode, uint8_t fam)
{
	struct ov2_sa_conf c = { .spi = spi, .dir = OV2_SA_IN, .proto = OV2_IPPROTO_ESP,
				 .mode = mode, .aead = OV2_AEAD_AES_128_GCM, .key_len = 16,
				 /* these tests reuse sequence numbers: no replay check */
				 .flags = OV2_SA_F_REPLAY_SET, .replay_window = 0 };
	struct ov2_sa *sa = NULL;
	char err[256];

	c.dst.family = fam;
	memcpy(c.dst.a, fam == 4 ? dst4 : dst6, fam == 4 ? 4 : 16);
	if (ov2_sad_add(sad, &c, &sa, err, sizeof(err)) != 0)
		fprintf(stderr, "add_sa: %s\n", err);
	CHECK(sa != NULL);
	return sa;
}

/* 9. The outer IPv4 header checksum of decrypted packets, against
 * rte_ipv4_cksum(): random headers with a right checksum are delivered,
 * the same with one bit flipped (in a field that changes nothing else)
 * are dropped; a port's RX_IP_CKSUM_GOOD is trusted. */
static void
test_outer_cksum(void)
{
	static const uint8_t flip_bytes[] = { 1, 4, 5, 8, 10, 11, 12, 13, 14, 15 };
	struct ov2_stats st = { 0 };
	uint32_t x = 12345;
	unsigned int i, j;

	for (i = 0; i < 2000; i++) {
		uint8_t in[60], *ip;
		struct esp_case c = { 4, in, (uint16_t)inner_v4(in, 60), 4, 2, 0 };
		struct rte_mbuf *m = esp_frame(&c);
		int flip = i % 2, good_flag = i % 7 == 0;

		ip = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
		for (j = 0; j < 20; j++) {
			x = x * 1103515245 + 12345;
			if (j == 1 || j == 4 || j == 5 || j == 8 || j >= 12)
				ip[j] = (uint8_t)(x >> 16);	/* tos, id, ttl, src */
		}
		ov2_ipv4_cksum_set(ip);
		if (flip) {
			x = x * 1103515245 + 12345;
			ip[flip_bytes[(x >> 16) % RTE_DIM(flip_bytes)]] ^= (uint8_t)(1u << ((x >> 8) % 8));
		}
		if (good_flag)
			m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		set_oob(m, sa_tun4, 0, &c, 1);
		CHECK_EQ(consume(&m, &st), flip && !good_flag ? OV2_DROP_BAD_IP_CHECKSUM : DELIVER);
		rte_pktmbuf_free(m);
	}
	CHECK(st.drops[OV2_DROP_BAD_IP_CHECKSUM] > 800);
}

/* 10. Padding of every length 0-12 (the word check up to 8, the loop
 * beyond), each byte of it wrong in turn: only the right one delivers. */
static void
test_padding_lengths(void)
{
	struct ov2_stats st = { 0 };
	uint8_t in[61];
	unsigned int n, j;
	uint16_t plen = (uint16_t)inner_v4(in, 61);

	for (n = 0; n <= 12; n++) {
		for (j = 0; j <= n; j++) {	/* j == n: nothing wrong */
			struct esp_case c = { 4, in, plen, 4, (uint8_t)n, 0 };
			struct rte_mbuf *m = esp_frame(&c);
			uint8_t *pad = rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20 + 16 + plen);

			if (j < n)
				pad[j] ^= (uint8_t)(0x80 >> (j % 8));
			set_oob(m, sa_tun4, 0, &c, j % 2);
			CHECK_EQ(consume(&m, &st), j < n ? OV2_DROP_BAD_PADDING : DELIVER);
			if (j == n)
				CHECK(frame_is(m, eth_v4, in, 61));
			rte_pktmbuf_free(m);
		}
	}
}

/* A UDP-ESP transport SA receiving on port dport. */
static void
add_udp_sa(uint32_t spi, uint16_t dport)
{
	struct ov2_sa_conf c = { .spi = spi, .dir = OV2_SA_IN, .proto = OV2_IPPROTO_ESP,
				 .mode = OV2_MODE_TRANSPORT, .aead = OV2_AEAD_AES_128_GCM,
				 .key_len = 16, .flags = OV2_SA_F_REPLAY_SET | OV2_SA_F_UDP_ENCAP,
				 .udp_sport = 4500, .udp_dport = dport };
	struct ov2_sa *sa = NULL;
	char err[256];

	c.dst.family = 4;
	memcpy(c.dst.a, dst4, 4);
	if (ov2_sad_add(sad, &c, &sa, err, sizeof(err)) != 0)
		fprintf(stderr, "add_udp_sa: %s\n", err);
	CHECK(sa != NULL);
}

int
main(void)
{
	char err[256];

	test_eal_init("test_consumer");
	CHECK_EQ(ov2_oob_register(), 0);
	mp = rte_pktmbuf_pool_create("cons", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("cons", 16, SOCKET_ID_ANY, err, sizeof(err));
	if (mp == NULL || sad == NULL)
		return 1;
	/* The tunnel SAs use SPI 0x1000 (as esp_frame writes it). */
	sa_tun4 = add_sa(0x1000, OV2_MODE_TUNNEL4, 4);
	sa_tun6 = add_sa(0x1000, OV2_MODE_TUNNEL6, 6);
	sa_tr4 = add_sa(0x1001, OV2_MODE_TRANSPORT, 4);
	sa_tr6 = add_sa(0x1001, OV2_MODE_TRANSPORT, 6);
	add_udp_sa(0x2000, 4500);
	test_statuses();
	test_tunnel();
	test_transport();
	test_trailer_table();
	test_bad_oob();
	test_not_offloaded();
	test_burst();
	test_inner_udp();
	test_outer_cksum();
	test_padding_lengths();
	ov2_sad_free(sad);
	return test_done("test_consumer");
}
