/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ov2_pkt_parse: the plain untagged IPv4 frame takes a short path of its
 * own; everything else the general parser. On random IPv4 headers (some
 * valid, most not: version, IHL, total length, fragment field, frame
 * length, one or two segments) the short path must give what the general
 * path gives, checked two ways:
 *  - against a naive model written from RFC 791 in this file;
 *  - against the same frame with an 802.1Q tag inserted, which always
 *    takes the general path (every offset 4 bytes further, nothing else
 *    different).
 */
#include <stdint.h>
#include <string.h>
#include <rte_mbuf.h>
#include "pkt.h"
#include "testlib.h"

#define ROUNDS 200000
#define FRAME_MAX 256

static struct rte_mempool *pool;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* frame[0..len) into an mbuf, split into two segments at split (0: one). */
static struct rte_mbuf *
mbuf_of(const uint8_t *frame, uint32_t len, uint32_t split)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;

	if (m == NULL)
		return NULL;
	if (split == 0 || split >= len) {
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
		return m;
	}
	m2 = rte_pktmbuf_alloc(pool);
	if (m2 == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)split), frame, split);
	memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - split)), frame + split, len - split);
	if (rte_pktmbuf_chain(m, m2) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m2);
		return NULL;
	}
	return m;
}

/* What RFC 791 says of an untagged IPv4 frame whose first segment holds
 * seg bytes of the frame's len: the expected result and fields. */
static enum ov2_pkt_result
model(const uint8_t *f, uint32_t len, uint32_t seg, struct ov2_pkt_info *e)
{
	uint32_t ihl = (uint32_t)(f[14] & 0xf) * 4, tot = (uint32_t)f[16] << 8 | f[17];
	uint32_t frag_off = ((uint32_t)f[20] << 8 | f[21]) & 0x1fff;
	int mf = (f[20] & 0x20) != 0;

	memset(e, 0, sizeof(*e));
	e->l2_len = 14;
	e->l2_type_off = 12;
	if (seg < 14)
		return OV2_PKT_BAD;	/* a runt: not even the Ethernet header */
	if (seg < 14 + 20 || (f[14] >> 4) != 4 || ihl < 20 || ihl > seg - 14 || tot < ihl)
		return OV2_PKT_BAD;
	e->family = 4;
	e->l3_len = (uint16_t)ihl;
	e->ip_len = (uint16_t)tot;
	e->proto = f[23];
	e->l3_nh_off = 14 + 9;
	e->flags = (seg < len ? OV2_PKT_F_MULTISEG : 0) |
		   (ihl > 20 ? OV2_PKT_F_IPV4_OPTS : 0) |
		   (mf || frag_off ? OV2_PKT_F_FRAG : 0) |
		   (frag_off ? OV2_PKT_F_LAST_FRAG_ONLY : 0) |
		   (tot > len - 14 ? OV2_PKT_F_TRUNCATED : 0);
	return OV2_PKT_OK;
}

static int
same_info(const struct ov2_pkt_info *a, const struct ov2_pkt_info *b, uint16_t shift)
{
	return a->l2_len + shift == b->l2_len && a->l3_len == b->l3_len &&
	       a->ip_len == b->ip_len && a->family == b->family && a->proto == b->proto &&
	       a->l2_type_off + shift == b->l2_type_off &&
	       a->l3_nh_off + (a->l3_nh_off ? shift : 0) == b->l3_nh_off && a->flags == b->flags;
}

static void
one_round(unsigned int *ok, unsigned int *plain)
{
	static const uint8_t vihl[] = { 0x45, 0x45, 0x45, 0x45, 0x46, 0x4f, 0x44, 0x40,
					0x55, 0x65, 0x05 };
	uint8_t f[FRAME_MAX], t[FRAME_MAX + 4];
	uint32_t len = 14 + 10 + rnd() % 120, split = 0, i;
	struct ov2_pkt_info got, tag, want;
	enum ov2_pkt_result r, rt, rw;
	struct rte_mbuf *m, *mt;

	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)rnd();
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = rnd() % 4 ? vihl[rnd() % 3] : vihl[rnd() % sizeof(vihl)];
	/* total length: mostly near the frame's IP bytes, sometimes anything */
	i = rnd() % 4 ? (len - 14) - 8 + rnd() % 16 : rnd() % 0x10000;
	f[16] = (uint8_t)(i >> 8);
	f[17] = (uint8_t)i;
	if (rnd() % 2)		/* most packets are not fragments */
		f[20] = (uint8_t)(f[20] & 0x40), f[21] = 0;
	if (rnd() % 4 == 0)
		split = 1 + rnd() % (len - 1);
	/* the same frame with a VLAN tag after the MAC addresses */
	memcpy(t, f, 12);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x00, t[15] = 0x05;
	memcpy(t + 16, f + 12, len - 12);

	m = mbuf_of(f, len, split);
	mt = mbuf_of(t, len + 4, split ? split + 4 : 0);
	CHECK(m != NULL && mt != NULL);
	if (m == NULL || mt == NULL) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(mt);
		return;
	}
	r = ov2_pkt_parse(m, &got);
	rt = ov2_pkt_parse(mt, &tag);
	rw = model(f, len, split ? split : len, &want);
	CHECK_EQ(r, rw);
	CHECK_EQ(rt, rw);
	if (r == OV2_PKT_OK && rw == OV2_PKT_OK) {
		CHECK(same_info(&want, &got, 0));
		CHECK(same_info(&got, &tag, 4));
		*ok += same_info(&want, &got, 0) && same_info(&got, &tag, 4);
		*plain += f[14] == 0x45;
	}
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(mt);
}

int
main(void)
{
	unsigned int i, ok = 0, plain = 0;

	test_eal_init("test_pkt");
	pool = rte_pktmbuf_pool_create("pkt_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	CHECK(pool != NULL);
	if (pool == NULL)
		return test_done("test_pkt");
	for (i = 0; i < ROUNDS; i++)
		one_round(&ok, &plain);
	printf("   %u random IPv4 frames: %u parsed as the model says (%u without options)\n",
	       ROUNDS, ok, plain);
	/* the random frames must have exercised the short path a lot */
	CHECK(plain > ROUNDS / 4);
	rte_mempool_free(pool);
	return test_done("test_pkt");
}
