/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software offload engine against the OV2 receive rules: a numbered
 * table with one case per engine outcome, each asserting the exact OOB
 * word, header info, SA and counters, the decrypted bytes on success and
 * untouched bytes otherwise; then mixed bursts (64 packets, and 150 to
 * cross the bulk-lookup chunk size) checking every packet's result stays
 * with its packet.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <rte_mbuf.h>
#include "build.h"
#include "crypto_imb.h"
#include "offload.h"
#include "oob.h"
#include "pkt.h"
#include "sa.h"
#include "sad.h"
#include "testlib.h"

#define ETH_LEN 14

static struct rte_mempool *pool;
static struct ov2_sad *sad;

/* ---- the SAs ---- */

enum { T4_128, T4_192, T4_256, T6_128, T6_192, T6_256,
       TR4_128, TR4_192, TR4_256, TR6_128, TR6_192, TR6_256, WILD, N_SA };

static const uint8_t a4_tun[4] = { 10, 0, 0, 2 };
static const uint8_t a4_tr[4] = { 10, 0, 1, 2 };
static const uint8_t a6_tun[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t a6_tr[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
static const uint8_t a4_any[4] = { 10, 55, 0, 9 };	/* for the wildcard SA */
static const uint8_t a6_any[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x55, [15] = 9 };

static struct ov2_sa_conf sa_conf[N_SA];
static struct ov2_sa *sa_of[N_SA];

static void
set_addr(struct ov2_addr *a, uint8_t family, const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->a, bytes, family == 4 ? 4 : 16);
}

static void
make_sa(int i)
{
	static const uint8_t modes[4] = { OV2_MODE_TUNNEL4, OV2_MODE_TUNNEL6,
					  OV2_MODE_TRANSPORT, OV2_MODE_TRANSPORT };
	struct ov2_sa_conf *c = &sa_conf[i];
	int kind = i / 3, alg = i % 3;
	char err[128];
	unsigned int j;

	memset(c, 0, sizeof(*c));
	c->spi = 0x1000 + (uint32_t)i;
	c->dir = OV2_SA_IN;
	c->proto = OV2_IPPROTO_ESP;
	c->aead = (uint8_t)(OV2_AEAD_AES_128_GCM + alg);
	c->key_len = (uint8_t)(16 + 8 * alg);
	for (j = 0; j < c->key_len; j++)
		c->key[j] = (uint8_t)(i * 17 + j);
	for (j = 0; j < 4; j++)
		c->salt[j] = (uint8_t)(0xa0 + i + j);
	if (i == WILD) {
		c->mode = OV2_MODE_TRANSPORT;	/* no dst: any destination */
		c->spi = 0x2000;
	} else {
		c->mode = modes[kind];
		if (kind == 0)
			set_addr(&c->dst, 4, a4_tun);
		else if (kind == 1)
			set_addr(&c->dst, 6, a6_tun);
		else if (kind == 2)
			set_addr(&c->dst, 4, a4_tr);
		else
			set_addr(&c->dst, 6, a6_tr);
	}
	CHECK_EQ(ov2_sad_add(sad, c, &sa_of[i], err, sizeof(err)), 0);
	if (sa_of[i] == NULL)
		fprintf(stderr, "SA %d: %s\n", i, err);
}

static int
sa_is_v4(int sa)
{
	return sa < T6_128 || (sa >= TR4_128 && sa < TR6_128) || sa == WILD;
}

/* ---- building test frames ---- */

/* Changes made to a built frame to reach cases the builder has no fault for. */
enum mut {
	MUT_NONE,
	MUT_NON_IP,	/* ARP frame */
	MUT_CLEAR4,	/* cleartext IPv4 UDP */
	MUT_CLEAR6,	/* cleartext IPv6 UDP */
	MUT_FRAG2,	/* with OV2_FAULT_FRAGMENT: the second (non-first) fragment */
	MUT_SPI_FLIP,	/* SPI changed in place (no SA) */
	MUT_IPV6_EXT,	/* destination options header before ESP */
	MUT_MULTISEG,	/* frame split over two mbufs */
	MUT_SPI_CUT,	/* frame ends 2 bytes into the SPI */
	MUT_SHORT,	/* IP length holds ESP header, IV and ICV, no ciphertext */
	MUT_MISALIGN,	/* 2 bytes appended inside the IP length: ciphertext % 4 != 0 */
	MUT_VLAN,	/* one 802.1Q tag */
	MUT_ETH_PAD,	/* 8 bytes after the IP packet (Ethernet padding) */
	MUT_ANY_DST4,	/* wildcard SA: destination a4_any */
	MUT_ANY_DST6,	/* wildcard SA: IPv6, destination a6_any */
};

struct frame {
	uint8_t b[OV2_BUILD_MAX_FRAME];
	size_t len;
	uint8_t exp[OV2_BUILD_MAX_FRAME];	/* delivered frame (good packets) */
	size_t exp_len;
	uint16_t l2;		/* bytes before the outer IP header */
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
frame_is_v4(const struct frame *f)
{
	return (f->b[f->l2] >> 4) == 4;
}

/* The IP packet length the outer header states (IPv6: 40 + payload length). */
static size_t
ip_len_get(const struct frame *f)
{
	const uint8_t *ip = f->b + f->l2;

	return frame_is_v4(f) ? get16(ip + 2) : 40u + get16(ip + 4);
}

static void
ip_len_set(struct frame *f, size_t len)
{
	uint8_t *ip = f->b + f->l2;

	if (frame_is_v4(f)) {
		put16(ip + 2, (uint16_t)len);
		ov2_ipv4_cksum_set(ip);
		return;
	}
	put16(ip + 4, (uint16_t)(len - 40));
}

static size_t
ip_hl(const struct frame *f)
{
	return frame_is_v4(f) ? (size_t)(f->b[f->l2] & 0xf) * 4 : 40;
}

static void
insert(struct frame *f, size_t off, const uint8_t *bytes, size_t n)
{
	memmove(f->b + off + n, f->b + off, f->len - off);
	memcpy(f->b + off, bytes, n);
	f->len += n;
}

static void
mut_ipv6_ext(struct frame *f)
{
	/* Destination options: next header ESP, length 0, PadN of 4 bytes. */
	uint8_t dopt[8] = { OV2_IPPROTO_ESP, 0, 1, 4, 0, 0, 0, 0 };

	CHECK(!frame_is_v4(f));
	insert(f, f->l2 + 40, dopt, sizeof(dopt));
	f->b[f->l2 + 6] = 60;
	ip_len_set(f, ip_len_get(f) + 8);
}

static void
mutate(struct frame *f, enum mut mut)
{
	static const uint8_t vlan[4] = { 0x81, 0x00, 0x00, 0x07 };
	static const uint8_t zeros[8];

	switch (mut) {
	case MUT_NON_IP:
		put16(f->b + 12, 0x0806);
		break;
	case MUT_SPI_FLIP:
		f->b[f->l2 + ip_hl(f)] ^= 0x77;
		break;
	case MUT_IPV6_EXT:
		mut_ipv6_ext(f);
		break;
	case MUT_SPI_CUT:
		f->len = f->l2 + ip_hl(f) + 2;
		break;
	case MUT_SHORT:
		f->len = f->l2 + ip_hl(f) + OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN + OV2_GCM_ICV_LEN;
		ip_len_set(f, f->len - f->l2);
		break;
	case MUT_MISALIGN:
		insert(f, f->len, zeros, 2);
		ip_len_set(f, ip_len_get(f) + 2);
		break;
	case MUT_VLAN:
		insert(f, 12, vlan, sizeof(vlan));
		f->l2 += 4;
		break;
	case MUT_ETH_PAD:
		insert(f, f->len, zeros, sizeof(zeros));
		break;
	default:
		break;
	}
}

/* Build the frame for SA sa with fault and mutation. Returns 0 or -1. */
static int
build(struct frame *f, int sa, enum ov2_build_fault fault, enum mut mut,
      uint16_t size, uint8_t inner_family, uint8_t pad_extra, uint32_t seq)
{
	struct ov2_build_opts o = {
		.size = size, .inner_family = inner_family, .seq = seq,
		.flow = seq * 3 + (uint32_t)sa, .fault = fault, .pad_extra = pad_extra,
	};
	struct ov2_sa_conf conf = sa_conf[sa];
	uint8_t frag2[OV2_BUILD_MAX_FRAME];
	uint8_t *out[2] = { f->b, frag2 };
	size_t out_len[2];
	char err[128];
	int n;

	f->l2 = ETH_LEN;
	f->exp_len = 0;
	if (mut == MUT_CLEAR4 || mut == MUT_CLEAR6) {
		f->len = ov2_build_clear(mut == MUT_CLEAR4 ? 4 : 6, size, seq, f->b);
		return f->len > 0 ? 0 : -1;
	}
	if (mut == MUT_ANY_DST4)
		set_addr(&conf.dst, 4, a4_any);
	if (mut == MUT_ANY_DST6)
		set_addr(&conf.dst, 6, a6_any);
	n = ov2_build_esp(&conf, &sa_of[sa]->crypto, &o, out, out_len, f->exp,
			  &f->exp_len, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "ov2_build_esp: %s\n", err);
		return -1;
	}
	f->len = out_len[0];
	if (mut == MUT_FRAG2) {
		memcpy(f->b, frag2, out_len[1]);
		f->len = out_len[1];
	}
	mutate(f, mut);
	return 0;
}

static struct rte_mbuf *
mbuf_of(const struct frame *f, int multiseg)
{
	size_t first = multiseg ? f->len / 2 : f->len;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;

	if (m == NULL)
		return NULL;
	memcpy(rte_pktmbuf_append(m, (uint16_t)first), f->b, first);
	if (!multiseg)
		return m;
	m2 = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m2, (uint16_t)(f->len - first)), f->b + first,
	       f->len - first);
	rte_pktmbuf_chain(m, m2);
	return m;
}

/* ---- checking one packet's result ---- */

enum counter { CNT_NONE, CNT_DISABLED, CNT_NO_SA, CNT_UNSUPPORTED };

struct expect {
	int done;			/* CryptoDone */
	enum ov2_crypto_status status;
	int sa;				/* SA index in the OOB, -1 for none */
	enum counter cnt;		/* counter bumped besides packets / crypto_done */
};

static int
packet_equals(struct rte_mbuf *m, const uint8_t *b, size_t len)
{
	uint8_t tmp[OV2_BUILD_MAX_FRAME];
	const void *p;

	if (m->pkt_len != len)
		return 0;
	p = rte_pktmbuf_read(m, 0, (uint32_t)len, tmp);
	return p != NULL && memcmp(p, b, len) == 0;
}

static uint8_t
next_header_of(int sa, const struct frame *f)
{
	const uint8_t *d = f->exp + ETH_LEN;

	if (sa_conf[sa].mode == OV2_MODE_TRANSPORT)
		return 17;
	return (d[0] >> 4) == 4 ? 4 : 41;
}

/*
 * A successful packet: the payload (from the builder's expected frame),
 * padding 1, 2, 3, ..., pad length and next header are in the clear where
 * the ciphertext was; every other byte (headers, ESP header, IV, ICV, any
 * Ethernet padding) is unchanged.
 */
static void
check_plaintext(struct rte_mbuf *m, const struct frame *f, int sa, size_t ip_total)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ov2_oob *o = ov2_oob(m);
	size_t hl = ip_hl(f), ct = f->l2 + hl + 16;
	size_t ct_len = f->l2 + ip_total - 16 - ct;
	size_t skip = sa_conf[sa].mode == OV2_MODE_TRANSPORT ? hl : 0;
	size_t plen = f->exp_len - ETH_LEN - skip, i;
	size_t pad = ct_len - 2 - plen;

	CHECK(f->exp_len > 0);
	CHECK_EQ(m->data_len, f->len);
	CHECK(memcmp(p, f->b, ct) == 0);
	CHECK(memcmp(p + ct, f->exp + ETH_LEN + skip, plen) == 0);
	for (i = 0; i < pad; i++)
		CHECK_EQ(p[ct + plen + i], i + 1);
	CHECK_EQ(p[ct + ct_len - 2], pad);
	CHECK_EQ(p[ct + ct_len - 1], next_header_of(sa, f));
	CHECK(memcmp(p + ct + ct_len, f->b + ct + ct_len, f->len - ct - ct_len) == 0);
	CHECK_EQ(o->pad_length, pad);
	CHECK_EQ(o->next_header, next_header_of(sa, f));
}

static void
check_oob(struct rte_mbuf *m, const struct expect *e)
{
	const struct ov2_oob *o = ov2_oob(m);
	uint32_t want = e->done ? OV2_RX_CRYPTO_DONE |
		((uint32_t)e->status << OV2_RX_STATUS_SHIFT) : 0;
	int ok_hdr = e->done && e->status == OV2_CRYPTO_SUCCESS;

	CHECK_EQ(o->rx, want);
	CHECK(!ov2_oob_next_crypto_done(o) && !ov2_oob_sa_delete_req(o));
	CHECK(o->sa == (e->sa < 0 ? NULL : sa_of[e->sa]));
	CHECK_EQ(ov2_oob_header_info_set(o), ok_hdr);
	if (!ok_hdr)
		CHECK(o->next_header == 0 && o->pad_length == 0 && o->hdr_info == 0);
	CHECK_EQ(o->reserved, 0);
}

static void
check_packet(struct rte_mbuf *m, const struct frame *f, const struct expect *e, int sa)
{
	check_oob(m, e);
	if (e->done && e->status == OV2_CRYPTO_SUCCESS) {
		check_plaintext(m, f, sa, ip_len_get(f));
		return;
	}
	CHECK(packet_equals(m, f->b, f->len));	/* not one byte changed */
}

static void
check_stats(const struct ov2_offload_stats *d, unsigned int n, unsigned int done,
	    unsigned int disabled, unsigned int no_sa, unsigned int unsupported)
{
	CHECK_EQ(d->packets, n);
	CHECK_EQ(d->crypto_done, done);
	CHECK_EQ(d->disabled, disabled);
	CHECK_EQ(d->no_sa, no_sa);
	CHECK_EQ(d->unsupported, unsupported);
}

/* ---- the table ---- */

#define DONE(st, sa) { 1, OV2_CRYPTO_##st, sa, CNT_NONE }
#define NONE(cnt)    { 0, OV2_CRYPTO_SUCCESS, -1, CNT_##cnt }
#define OFF OV2_OFFLOAD_OFF
#define AH OV2_OFFLOAD_AH
#define ESP OV2_OFFLOAD_ESP
#define BOTH OV2_OFFLOAD_AH_ESP

struct tcase {
	const char *name;
	unsigned int enable;
	int sa;
	enum ov2_build_fault fault;
	enum mut mut;
	uint8_t inner_family;	/* tunnel inner packet (0: as outer) */
	uint8_t pad_extra;
	struct expect e;
};

#define F(x) OV2_FAULT_##x
static const struct tcase cases[] = {
	/* rule 1: port setting */
	{ "offload off", OFF, T4_128, F(NONE), MUT_NONE, 0, 0, NONE(DISABLED) },
	/* rule 2: what reaches the lookup */
	{ "ESP on an AH-only port", AH, T4_128, F(NONE), MUT_NONE, 0, 0, NONE(DISABLED) },
	{ "AH on an ESP-only port", ESP, T4_128, F(WRONG_PROTO), MUT_NONE, 0, 0, NONE(DISABLED) },
	{ "cleartext IPv4 UDP", BOTH, T4_128, F(NONE), MUT_CLEAR4, 0, 0, NONE(NONE) },
	{ "cleartext IPv6 UDP", BOTH, T4_128, F(NONE), MUT_CLEAR6, 0, 0, NONE(NONE) },
	{ "non-IP (ARP)", BOTH, T4_128, F(NONE), MUT_NON_IP, 0, 0, NONE(NONE) },
	{ "frame ends inside the SPI", BOTH, T4_128, F(NONE), MUT_SPI_CUT, 0, 0, NONE(NONE) },
	{ "IPv4 non-first fragment", BOTH, T4_128, F(FRAGMENT), MUT_FRAG2, 0, 0, NONE(NONE) },
	{ "IPv6 non-first fragment", BOTH, T6_128, F(FRAGMENT), MUT_FRAG2, 0, 0, NONE(NONE) },
	/* rule 3: SA lookup */
	{ "no SA (unknown SPI)", BOTH, T4_128, F(UNKNOWN_SPI), MUT_NONE, 0, 0, NONE(NO_SA) },
	{ "no SA (IPv6, unknown SPI)", BOTH, T6_256, F(UNKNOWN_SPI), MUT_NONE, 0, 0, NONE(NO_SA) },
	{ "wrong destination", BOTH, T4_128, F(WRONG_DST), MUT_NONE, 0, 0, NONE(NO_SA) },
	{ "wrong destination (transport v6)", BOTH, TR6_128, F(WRONG_DST), MUT_NONE, 0, 0, NONE(NO_SA) },
	{ "AH packet, SPI+dst of an ESP SA", BOTH, T4_128, F(WRONG_PROTO), MUT_NONE, 0, 0,
	  DONE(INVALID_PROTOCOL, T4_128) },
	{ "AH packet, SPI of a wildcard ESP SA", BOTH, WILD, F(WRONG_PROTO), MUT_NONE, 0, 0,
	  DONE(INVALID_PROTOCOL, WILD) },
	{ "IPv4 options, unknown SPI (lookup first)", BOTH, T4_128, F(IPV4_OPTIONS),
	  MUT_SPI_FLIP, 0, 0, NONE(NO_SA) },
	/* rule 4: capabilities */
	{ "IPv4 options", BOTH, T4_128, F(IPV4_OPTIONS), MUT_NONE, 0, 0, NONE(UNSUPPORTED) },
	{ "IPv4 first fragment", BOTH, T4_128, F(FRAGMENT), MUT_NONE, 0, 0, NONE(UNSUPPORTED) },
	{ "IPv6 first fragment", BOTH, T6_128, F(FRAGMENT), MUT_NONE, 0, 0, NONE(UNSUPPORTED) },
	{ "IPv6 destination options before ESP", BOTH, TR6_128, F(NONE), MUT_IPV6_EXT, 0, 0,
	  NONE(UNSUPPORTED) },
	{ "multi-segment mbuf", BOTH, T4_128, F(NONE), MUT_MULTISEG, 0, 0, NONE(UNSUPPORTED) },
	/* rule 5: ESP lengths */
	{ "truncated frame (IPv4)", BOTH, T4_128, F(TRUNCATED), MUT_NONE, 0, 0,
	  DONE(INVALID_PACKET_SYNTAX, T4_128) },
	{ "truncated frame (IPv6)", BOTH, TR6_192, F(TRUNCATED), MUT_NONE, 0, 0,
	  DONE(INVALID_PACKET_SYNTAX, TR6_192) },
	{ "ESP too short for a trailer", BOTH, T4_128, F(NONE), MUT_SHORT, 0, 0,
	  DONE(INVALID_PACKET_SYNTAX, T4_128) },
	{ "ciphertext not 4-byte aligned", BOTH, TR4_256, F(NONE), MUT_MISALIGN, 0, 0,
	  DONE(INVALID_PACKET_SYNTAX, TR4_256) },
	/* rule 6: decrypt */
	{ "bad ICV, tunnel v4", BOTH, T4_128, F(BAD_ICV), MUT_NONE, 0, 0,
	  DONE(TUNNEL_ESP_AUTH_FAILED, T4_128) },
	{ "bad ICV, tunnel v6", BOTH, T6_256, F(BAD_ICV), MUT_NONE, 0, 0,
	  DONE(TUNNEL_ESP_AUTH_FAILED, T6_256) },
	{ "bad ICV, transport v4", BOTH, TR4_128, F(BAD_ICV), MUT_NONE, 0, 0,
	  DONE(TRANSPORT_ESP_AUTH_FAILED, TR4_128) },
	{ "bad ICV, transport v6", BOTH, TR6_192, F(BAD_ICV), MUT_NONE, 0, 0,
	  DONE(TRANSPORT_ESP_AUTH_FAILED, TR6_192) },
	{ "AES-128-GCM tunnel v4", ESP, T4_128, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, T4_128) },
	{ "AES-192-GCM tunnel v4", ESP, T4_192, F(NONE), MUT_NONE, 6, 4, DONE(SUCCESS, T4_192) },
	{ "AES-256-GCM tunnel v4", ESP, T4_256, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, T4_256) },
	{ "AES-128-GCM tunnel v6", ESP, T6_128, F(NONE), MUT_NONE, 0, 8, DONE(SUCCESS, T6_128) },
	{ "AES-192-GCM tunnel v6", ESP, T6_192, F(NONE), MUT_NONE, 4, 0, DONE(SUCCESS, T6_192) },
	{ "AES-256-GCM tunnel v6", ESP, T6_256, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, T6_256) },
	{ "AES-128-GCM transport v4", ESP, TR4_128, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, TR4_128) },
	{ "AES-192-GCM transport v4", ESP, TR4_192, F(NONE), MUT_NONE, 0, 12, DONE(SUCCESS, TR4_192) },
	{ "AES-256-GCM transport v4", ESP, TR4_256, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, TR4_256) },
	{ "AES-128-GCM transport v6", ESP, TR6_128, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, TR6_128) },
	{ "AES-192-GCM transport v6", ESP, TR6_192, F(NONE), MUT_NONE, 0, 0, DONE(SUCCESS, TR6_192) },
	{ "AES-256-GCM transport v6", BOTH, TR6_256, F(NONE), MUT_NONE, 0, 4, DONE(SUCCESS, TR6_256) },
	{ "wildcard transport SA, IPv4 destination", ESP, WILD, F(NONE), MUT_ANY_DST4, 0, 0,
	  DONE(SUCCESS, WILD) },
	{ "wildcard transport SA, IPv6 destination", ESP, WILD, F(NONE), MUT_ANY_DST6, 0, 0,
	  DONE(SUCCESS, WILD) },
	{ "VLAN-tagged frame", ESP, T4_256, F(NONE), MUT_VLAN, 0, 0, DONE(SUCCESS, T4_256) },
	{ "Ethernet padding after the IP packet", ESP, TR4_128, F(NONE), MUT_ETH_PAD, 0, 0,
	  DONE(SUCCESS, TR4_128) },
};

static void
stats_delta(struct ov2_offload_stats *d, const struct ov2_offload_stats *a,
	    const struct ov2_offload_stats *b)
{
	d->packets = b->packets - a->packets;
	d->crypto_done = b->crypto_done - a->crypto_done;
	d->disabled = b->disabled - a->disabled;
	d->no_sa = b->no_sa - a->no_sa;
	d->unsupported = b->unsupported - a->unsupported;
}

static void
run_case(unsigned int i, const struct tcase *t)
{
	static struct frame f;
	struct ov2_offload_ctx ctx = { .sad = sad, .enable = t->enable };
	struct ov2_offload_stats before = ctx.stats, d;
	struct rte_mbuf *m;
	int fails = test_failures;

	ov2_caps_port_default(&ctx.caps, 0);	/* an inline NIC's set */
	if (build(&f, t->sa, t->fault, t->mut, (uint16_t)(100 + 7 * i),
		  t->inner_family, t->pad_extra, 1000 + i) < 0) {
		CHECK(!"build");
		return;
	}
	m = mbuf_of(&f, t->mut == MUT_MULTISEG);
	CHECK(m != NULL);
	if (m == NULL)
		return;
	ov2_oob(m)->rx = 0xdeadbeef;	/* the engine clears stale OOB */
	ov2_oob(m)->hdr_info = 1;
	ov2_offload_rx(&ctx, &m, 1);
	check_packet(m, &f, &t->e, t->sa);
	stats_delta(&d, &before, &ctx.stats);
	check_stats(&d, 1, t->e.done, t->e.cnt == CNT_DISABLED, t->e.cnt == CNT_NO_SA,
		    t->e.cnt == CNT_UNSUPPORTED);
	printf("%2u %-45s %s\n", i + 1, t->name, test_failures == fails ? "ok" : "FAILED");
	rte_pktmbuf_free(m);
}

/* ---- mixed bursts ---- */

enum kind { K_GOOD, K_BAD_ICV, K_UNKNOWN_SPI, K_WRONG_DST, K_TRUNCATED, K_OPTIONS,
	    K_WRONG_PROTO, K_CLEAR, K_NON_IP, K_FRAG, K_SHORT, N_KIND };

/* What packet i of a mixed burst is, and what the engine must say. With
 * run > 1 the SA changes every run packets and the kind every run - 1, so
 * runs of one SA key (which share one lookup) start and end everywhere,
 * also inside runs of unknown SPIs and wrong destinations. */
static int
mixed_build(struct frame *f, unsigned int i, unsigned int run, int *sa, struct expect *e)
{
	static const enum ov2_build_fault fault[N_KIND] = {
		[K_BAD_ICV] = F(BAD_ICV), [K_UNKNOWN_SPI] = F(UNKNOWN_SPI),
		[K_WRONG_DST] = F(WRONG_DST), [K_TRUNCATED] = F(TRUNCATED),
		[K_OPTIONS] = F(IPV4_OPTIONS), [K_WRONG_PROTO] = F(WRONG_PROTO),
		[K_FRAG] = F(FRAGMENT),
	};
	static const enum mut mut[N_KIND] = {
		[K_CLEAR] = MUT_CLEAR4, [K_NON_IP] = MUT_NON_IP, [K_SHORT] = MUT_SHORT,
	};
	unsigned int ik = run > 1 ? i / (run - 1) : i, is = run > 1 ? i / run : i;
	enum kind k = (enum kind)((ik * 7 + ik / 11) % N_KIND);
	int s = (int)((is * 5) % N_SA);
	int tr = sa_conf[s].mode == OV2_MODE_TRANSPORT;

	if (k == K_OPTIONS && !sa_is_v4(s))
		k = K_GOOD;
	if (k == K_WRONG_DST && s == WILD)
		k = K_BAD_ICV;
	*sa = s;
	memset(e, 0, sizeof(*e));
	e->sa = s;
	e->done = 1;
	switch (k) {
	case K_GOOD: e->status = OV2_CRYPTO_SUCCESS; break;
	case K_BAD_ICV: e->status = tr ? OV2_CRYPTO_TRANSPORT_ESP_AUTH_FAILED :
			OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED; break;
	case K_TRUNCATED: case K_SHORT: e->status = OV2_CRYPTO_INVALID_PACKET_SYNTAX; break;
	case K_WRONG_PROTO: e->status = OV2_CRYPTO_INVALID_PROTOCOL; break;
	case K_UNKNOWN_SPI: case K_WRONG_DST: *e = (struct expect)NONE(NO_SA); break;
	case K_OPTIONS: case K_FRAG: *e = (struct expect)NONE(UNSUPPORTED); break;
	default: *e = (struct expect)NONE(NONE); break;
	}
	return build(f, s, fault[k], mut[k], (uint16_t)(64 + (i * 37) % 900), 0,
		     (uint8_t)(4 * (i % 3)), 5000 + i);
}

static void
run_mixed(const char *name, unsigned int n, unsigned int run)
{
	static struct frame f[160];
	struct ov2_offload_ctx ctx = { .sad = sad, .enable = OV2_OFFLOAD_AH_ESP };
	struct rte_mbuf *m[160], *orig[160];
	struct expect e[160];
	unsigned int i, done = 0, no_sa = 0, unsup = 0;
	int sa[160], fails = test_failures;

	ov2_caps_port_default(&ctx.caps, 0);
	for (i = 0; i < n; i++) {
		CHECK_EQ(mixed_build(&f[i], i, run, &sa[i], &e[i]), 0);
		orig[i] = m[i] = mbuf_of(&f[i], 0);
		CHECK(m[i] != NULL);
		done += e[i].done;
		no_sa += e[i].cnt == CNT_NO_SA;
		unsup += e[i].cnt == CNT_UNSUPPORTED;
	}
	ov2_offload_rx(&ctx, m, (uint16_t)n);
	for (i = 0; i < n; i++) {
		CHECK(m[i] == orig[i]);		/* nothing reordered or replaced */
		check_packet(m[i], &f[i], &e[i], sa[i]);
		rte_pktmbuf_free(m[i]);
	}
	check_stats(&ctx.stats, n, done, 0, no_sa, unsup);
	printf("   %-45s %s (%u packets, %u CryptoDone, %u no SA, %u unsupported)\n",
	       name, test_failures == fails ? "ok" : "FAILED", n, done, no_sa, unsup);
}

int
main(void)
{
	char err[128];
	unsigned int i;

	test_eal_init("test_offload");
	CHECK_EQ(ov2_oob_register(), 0);
	pool = rte_pktmbuf_pool_create("offload_pool", 1023, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("offload", 64, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(pool != NULL && sad != NULL);
	if (pool == NULL || sad == NULL)
		return test_done("test_offload");
	for (i = 0; i < N_SA; i++)
		make_sa((int)i);
	for (i = 0; i < N_SA; i++)
		if (sa_of[i] == NULL)
			return test_done("test_offload");
	for (i = 0; i < RTE_DIM(cases); i++)
		run_case(i, &cases[i]);
	run_mixed("mixed burst of 64", 64, 1);
	run_mixed("mixed burst of 150 (3 lookup chunks)", 150, 1);
	run_mixed("burst of 64 in runs of 4 per SA", 64, 4);
	run_mixed("burst of 150 in runs of 9 per SA", 150, 9);
	{	/* an empty burst touches nothing */
		struct ov2_offload_ctx ctx = { .sad = sad, .enable = OV2_OFFLOAD_ESP };

		ov2_offload_rx(&ctx, NULL, 0);
		check_stats(&ctx.stats, 0, 0, 0, 0, 0);
	}
	ov2_sad_free(sad);
	rte_mempool_free(pool);
	return test_done("test_offload");
}
