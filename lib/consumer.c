/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport side of OV2 (RFC 4303 section 3.4 / RFC 4301 section 5.2
 * inbound processing, minus what the NIC side already did). Per packet:
 *   1. no CryptoDone: IP fragments are reassembled first; cleartext goes
 *      to the policy check; ESP/AH of a known SA is processed here in
 *      software by the same engine (as a stack does for packets its NIC
 *      did not offload); ESP/AH without an SA is dropped (no SA);
 *   2. SaDeleteReq: DELETE_SA for the SA and its paired outbound SA, once
 *      (packets of a deleted SA still in flight are dropped);
 *   3. CryptoStatus other than SUCCESS: dropped with the status as reason;
 *   4. anti-replay check on the full sequence number (the ESN high half
 *      the NIC side verified with), window update, UPDATE_SA;
 *   5. ESP trailer checks and decapsulation (tunnel: the inner packet;
 *      transport: the IP header restored);
 *   6. inbound policy on the decapsulated packet: a protect rule naming
 *      the SA must match. Cleartext needs a bypass rule.
 * Steps 1-5 run packet by packet; step 6 classifies the whole burst at
 * once; the counters (global and per SA) are added at the end.
 *
 * Steps 2-5 write the SA (replay window, UPDATE_SA, counters): only the
 * SA's owner lcore runs them. A packet of an SA another lcore owns stops
 * before step 2 and is handed to the owner (handoff.h), which runs steps
 * 2-6 on it; a nested SA owned by yet another lcore is handed on the same
 * way after the outer SA's steps.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include "ah.h"
#include "consumer.h"
#include "handoff.h"
#include "offload.h"
#include "oob.h"
#include "pkt.h"
#include "sad.h"
#include "spd.h"

#define DELIVER OV2_DROP_COUNT	/* "no drop reason": deliver */
#define HELD (OV2_DROP_COUNT + 1)	/* kept by reassembly */
#define NO_REASSEMBLY (OV2_DROP_COUNT + 2)	/* this consumer has no table */
#define HANDOFF (OV2_DROP_COUNT + 3)	/* to the lcore that owns the SA */

#define IPPROTO_NONE_NH 59	/* RFC 4303 2.6 dummy packet */

#define PREFETCH_AHEAD 4	/* packets whose SA lines are prefetched ahead */

RTE_LOG_REGISTER(ov2_consumer_logtype, ov2.consumer, NOTICE);
#define LOG(level, ...) rte_log(RTE_LOG_##level, ov2_consumer_logtype, "ov2: " __VA_ARGS__)

/* What the policy stage must check for a packet to deliver. */
enum pol {
	POL_NONE = 0,
	POL_PROTECTED,	/* decrypted: a protect rule for its SA */
	POL_CLEAR,	/* cleartext: a bypass rule */
};

/*
 * The one's complement sum of a 20-byte IPv4 header (no options) is 0xffff
 * when its checksum is right. Five 32-bit words, folded: the sum does not
 * depend on byte order (RFC 1071 2(B)), and it is the value rte_raw_cksum()
 * computes 16 bits at a time in a loop meant for any length.
 */
static inline int
ipv4_hdr20_cksum_ok(const uint8_t *h)
{
	uint32_t w[5];
	uint64_t s;

	memcpy(w, h, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* The outer IPv4 header checksum, unless the port already verified it. */
static int
ip_checksum_ok(const struct rte_mbuf *m, const struct ov2_pkt_info *pi)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	const uint8_t *h;
	uint16_t hl;

	if (pi->family != 4 || f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 1;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	h = rte_pktmbuf_mtod_offset(m, const uint8_t *, pi->l2_len);
	hl = ov2_pkt_ip_hdr_len(pi);
	if (hl == sizeof(struct rte_ipv4_hdr))
		return ipv4_hdr20_cksum_ok(h);
	return rte_raw_cksum(h, hl) == 0xffff;
}

/* Length of the inner packet of type nh at p (payload bytes), or 0. */
static uint32_t
inner_len(uint8_t nh, const uint8_t *p, uint32_t payload)
{
	uint32_t hl, tot;

	if (nh == IPPROTO_IPIP) {
		if (payload < sizeof(struct rte_ipv4_hdr) || (p[0] >> 4) != 4)
			return 0;
		hl = (uint32_t)(p[0] & 0xf) * 4;
		tot = (uint32_t)p[2] << 8 | p[3];
		if (hl < sizeof(struct rte_ipv4_hdr) || tot < hl || tot > payload)
			return 0;
		return tot;
	}
	if (nh == IPPROTO_IPV6) {
		if (payload < sizeof(struct rte_ipv6_hdr) || (p[0] >> 4) != 6)
			return 0;
		tot = sizeof(struct rte_ipv6_hdr) + ((uint32_t)p[4] << 8 | p[5]);
		return tot <= payload ? tot : 0;
	}
	return 0;
}

/*
 * The packet becomes len bytes from offset cut, both inside it: what
 * rte_pktmbuf_adj() and rte_pktmbuf_trim() do, without their checks and
 * the walk to the last segment. Decapsulation only sees one-segment
 * packets (chained ones are refused before: OV2_PKT_F_MULTISEG).
 */
static inline void
keep(struct rte_mbuf *m, uint32_t cut, uint32_t len)
{
	RTE_ASSERT(m->nb_segs == 1 && cut + len <= m->data_len);
	m->data_off = (uint16_t)(m->data_off + cut);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

/* Tunnel mode: keep the Ethernet header, then the inner packet only. */
static unsigned int
decap_tunnel(struct rte_mbuf *m, const struct ov2_pkt_info *pi,
	     uint32_t pl_off, uint32_t pl_len, uint8_t nh)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = inner_len(nh, p + pl_off, pl_len);
	uint32_t cut = pl_off - pi->l2_len;
	uint16_t type;

	if (len == 0)
		return OV2_DROP_BAD_INNER;
	/* a constant length (untagged Ethernet) compiles to a few moves; a
	 * variable one is a call */
	if (pi->l2_len == RTE_ETHER_HDR_LEN)
		memmove(p + cut, p, RTE_ETHER_HDR_LEN);
	else
		memmove(p + cut, p, pi->l2_len);
	type = nh == IPPROTO_IPIP ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	p += cut;
	p[pi->l2_type_off] = (uint8_t)(type >> 8);
	p[pi->l2_type_off + 1] = (uint8_t)type;
	keep(m, cut, (uint32_t)pi->l2_len + len);
	return DELIVER;
}

/* Transport mode: the original packet, its IP header restored. */
static unsigned int
decap_transport(struct rte_mbuf *m, const struct ov2_pkt_info *pi,
		uint32_t pl_off, uint32_t pl_len, uint8_t nh)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t ip_hl = ov2_pkt_ip_hdr_len(pi);	/* a UDP-ESP header goes too */
	uint32_t hdr = (uint32_t)pi->l2_len + ip_hl;
	uint32_t cut = pl_off - hdr;
	uint32_t ip_len = ip_hl + pl_len;

	memmove(p + cut, p, hdr);
	p += cut;
	p[pi->l3_nh_off] = nh;
	if (pi->family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + pi->l2_len);

		ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
		ov2_ipv4_cksum_set(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + pi->l2_len);

		ip->payload_len = rte_cpu_to_be_16((uint16_t)(ip_len - sizeof(*ip)));
	}
	keep(m, cut, (uint32_t)pi->l2_len + ip_len);
	return DELIVER;
}

/*
 * RFC 4303 2.4: padding bytes are 1, 2, 3, ... Up to 8 of them (the usual
 * 0-3 of a 4-byte aligned AEAD, up to 7 of a 64-bit block cipher): one
 * 8-byte load that ends with the padding, shifted down to its last n
 * bytes, must equal the low n bytes of 01 02 .. 08 (little-endian). The
 * load starts at most 8 bytes before the padding, inside the ESP header
 * and IV the caller has checked are there.
 */
static int
padding_ok(const uint8_t *pad, uint8_t n)
{
	uint8_t bad = 0, i;
	uint64_t w;

	if (n == 0)
		return 1;
	if (n <= 8) {
		memcpy(&w, pad + n - 8, sizeof(w));
		w = rte_le_to_cpu_64(w) >> (8 * (8 - n));
		return w == (UINT64_C(0x0807060504030201) & (UINT64_MAX >> (8 * (8 - n))));
	}
	for (i = 0; i < n; i++)
		bad |= (uint8_t)(pad[i] ^ (uint8_t)(i + 1));
	return bad == 0;
}

/* A packet the NIC side decrypted and verified: check the trailer, strip. */
static unsigned int
esp_decap(struct rte_mbuf *m, const struct ov2_sa *sa, const struct ov2_oob *o,
	  const struct ov2_pkt_info *pi)
{
	uint32_t esp_off, ct_off, ct_len, ovh;
	uint8_t *p, nh, padlen;

	if (!ip_checksum_ok(m, pi))
		return OV2_DROP_BAD_IP_CHECKSUM;
	ovh = OV2_ESP_HDR_LEN + sa->crypto.iv_len + sa->crypto.icv_len;
	if ((uint32_t)pi->ip_len < pi->l3_len + ovh + 2u)
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	esp_off = (uint32_t)pi->l2_len + pi->l3_len;
	ct_off = esp_off + OV2_ESP_HDR_LEN + sa->crypto.iv_len;
	ct_len = pi->ip_len - pi->l3_len - ovh;
	if (o != NULL && ov2_oob_header_info_set(o)) {
		nh = o->next_header;
		padlen = o->pad_length;
	} else {
		nh = p[ct_off + ct_len - 1];
		padlen = p[ct_off + ct_len - 2];
	}
	if ((uint32_t)padlen + 2 > ct_len)
		return OV2_DROP_BAD_TRAILER;
	ct_len -= (uint32_t)padlen + 2;	/* now the payload length */
	if (!padding_ok(p + ct_off + ct_len, padlen))
		return OV2_DROP_BAD_PADDING;
	if (nh == IPPROTO_NONE_NH)
		return OV2_DROP_DUMMY;
	if (sa->conf.mode == OV2_MODE_TRANSPORT)
		return decap_transport(m, pi, ct_off, ct_len, nh);
	return decap_tunnel(m, pi, ct_off, ct_len, nh);
}


/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

int
ov2_consumer_init(struct ov2_consumer *c, const struct ov2_consumer_conf *conf,
		  char *err, size_t errlen)
{
	uint32_t max = conf->frag_max != 0 ? conf->frag_max : 1024;
	uint32_t ms = conf->frag_timeout_ms != 0 ? conf->frag_timeout_ms : 2000;
	uint64_t cycles = (rte_get_tsc_hz() + 999) / 1000 * ms;

	memset(c, 0, sizeof(*c));
	c->sad = conf->sad;
	c->spd = conf->spd;
	c->stats = conf->stats;
	c->big_pool = conf->big_pool;
	c->ho = conf->handoff;
	c->slot = conf->slot;
	if (c->ho != NULL && c->slot >= c->ho->n) {
		snprintf(err, errlen, "consumer slot %u outside a handoff group of %u",
			 c->slot, c->ho->n);
		return -EINVAL;
	}
	if (c->big_pool == NULL)
		return 0;
	c->death_row = rte_zmalloc_socket("ov2_frag_dr", sizeof(struct rte_ip_frag_death_row),
					  RTE_CACHE_LINE_SIZE, conf->socket);
	/* RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments per packet; buckets of 16 */
	c->frag = rte_ip_frag_table_create(max / 16 + 1, 16, max, cycles, conf->socket);
	if (c->frag == NULL || c->death_row == NULL) {
		snprintf(err, errlen, "cannot create a reassembly table of %u packets", max);
		ov2_consumer_fini(c);
		return -ENOMEM;
	}
	return 0;
}

/* Count and free what the death row holds: fragments reassembly gave up. */
static void
flush_death_row(struct ov2_consumer *c)
{
	struct rte_ip_frag_death_row *dr = c->death_row;

	if (dr == NULL || dr->cnt == 0)
		return;
	c->stats->drops[OV2_DROP_REASSEMBLY_FAILED] += dr->cnt;
	c->stats->frag_held -= RTE_MIN((uint64_t)dr->cnt, c->stats->frag_held);
	rte_ip_frag_free_death_row(dr, 0);
}

void
ov2_consumer_fini(struct ov2_consumer *c)
{
	flush_death_row(c);
	if (c->frag != NULL) {
		/* the fragments still waiting are freed with the table */
		c->stats->drops[OV2_DROP_REASSEMBLY_FAILED] += c->stats->frag_held;
		c->stats->frag_held = 0;
		rte_ip_frag_table_destroy(c->frag);
	}
	rte_free(c->death_row);
	c->frag = NULL;
	c->death_row = NULL;
}

/* ------------------------------------------------------------------ */
/* Reassembly and the software path                                    */
/* ------------------------------------------------------------------ */

/* Copy a chained packet into one segment of the big pool (the engine and
 * the decapsulation work on one segment). NULL when it does not fit. */
static struct rte_mbuf *
linearize(struct ov2_consumer *c, struct rte_mbuf *m)
{
	uint32_t room = (uint32_t)rte_pktmbuf_data_room_size(c->big_pool) -
			RTE_PKTMBUF_HEADROOM;
	struct rte_mbuf *n;
	const void *src;
	char *dst;

	if (m->pkt_len > room || m->pkt_len > UINT16_MAX)
		return NULL;
	n = rte_pktmbuf_alloc(c->big_pool);
	if (n == NULL)
		return NULL;
	dst = rte_pktmbuf_append(n, (uint16_t)m->pkt_len);
	src = dst != NULL ? rte_pktmbuf_read(m, 0, m->pkt_len, dst) : NULL;
	if (src == NULL) {
		rte_pktmbuf_free(n);
		return NULL;
	}
	if (src != dst)
		memcpy(dst, src, m->pkt_len);
	n->port = m->port;
	n->ol_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	return n;
}

/*
 * A fragment may arrive as a chain of segments (a frame larger than an
 * mbuf), and the table chains the fragments' segments together: mark the
 * first segment of each fragment, so that the fragments of a reassembled
 * packet can be counted (not its segments). The consumer owns the mbuf;
 * the RSS hash is of no use once the packet is a fragment.
 */
#define FRAG_MARK 0x0f2a6f2au

static void
frag_mark(struct rte_mbuf *m)
{
	struct rte_mbuf *s;

	m->hash.usr = FRAG_MARK;
	for (s = m->next; s != NULL; s = s->next)
		s->hash.usr = 0;
}

static uint16_t
frag_count(const struct rte_mbuf *r)
{
	uint16_t n = 0;

	for (; r != NULL; r = r->next)
		n += r->hash.usr == FRAG_MARK;
	return n;
}

/*
 * An IP fragment: give it to the reassembly table. Returns HELD when the
 * table keeps it, DELIVER with *mp the reassembled one-segment packet, or
 * a drop reason (*mp unchanged: the caller drops the fragment).
 */
static unsigned int
reassemble(struct ov2_consumer *c, struct rte_mbuf **mp, const struct ov2_pkt_info *pi)
{
	struct rte_mbuf *m = *mp, *r, *lin;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len);
	uint64_t now = rte_rdtsc();
	uint16_t frags;

	if (c->frag == NULL)
		return NO_REASSEMBLY;	/* the caller decides */
	/* A held fragment pins its mbuf until its set completes, times out
	 * (noticed only when another fragment arrives) or ov2rx exits: a
	 * flood of fragments that never complete must not take the whole
	 * pool, or the port can receive nothing else, ever. Keep a quarter
	 * of the pool for the rest of the traffic. */
	if (rte_mempool_avail_count(m->pool) < m->pool->size / 4)
		return OV2_DROP_REASSEMBLY_FAILED;
	frag_mark(m);
	m->l2_len = pi->l2_len;
	if (pi->family == 4) {
		m->l3_len = pi->l3_len;
		r = rte_ipv4_frag_reassemble_packet(c->frag, c->death_row, m, now,
						    (struct rte_ipv4_hdr *)ip);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		/* the fragment header right after the fixed header */
		if (h->proto != IPPROTO_FRAGMENT)
			return OV2_DROP_NOT_PROCESSED;
		m->l3_len = sizeof(*h) + sizeof(struct rte_ipv6_fragment_ext);
		r = rte_ipv6_frag_reassemble_packet(c->frag, c->death_row, m, now, h,
						    (struct rte_ipv6_fragment_ext *)(h + 1));
	}
	c->stats->fragments++;
	if (r == NULL) {
		c->stats->frag_held++;
		return HELD;
	}
	/* r chains the fragments (each one or more segments): all but the
	 * one that completed it were held. */
	frags = RTE_MAX(frag_count(r), (uint16_t)1);	/* m itself at least */
	c->stats->frag_held -= RTE_MIN((uint64_t)frags - 1, c->stats->frag_held);
	c->stats->frag_merged += frags - 1u;
	c->stats->reassembled++;
	lin = linearize(c, r);
	if (lin == NULL) {
		*mp = r;	/* dropped whole */
		return OV2_DROP_TOO_BIG;
	}
	rte_pktmbuf_free(r);
	if (pi->family == 4)	/* reassembly leaves the header checksum 0 */
		ov2_ipv4_cksum_set(rte_pktmbuf_mtod_offset(lin, uint8_t *, pi->l2_len));
	*mp = lin;
	return DELIVER;
}

/* ESP/AH of a known SA that the NIC side did not process: the same engine,
 * in software, with IPv4 options allowed. Returns 1 when it set CryptoDone. */
static int
software_path(struct ov2_consumer *c, struct rte_mbuf *m)
{
	struct ov2_offload_ctx sw = {
		.sad = c->sad,
		.enable = OV2_OFFLOAD_AH_ESP,
	};

	ov2_caps_software(&sw.caps, 0);
	ov2_offload_rx(&sw, &m, 1);
	if (!ov2_oob_crypto_done(ov2_oob(m)))
		return 0;
	c->stats->sw_processed++;
	return 1;
}

/* ESP or AH without OOB: is there an SA for it? */
static int
has_sa(const struct ov2_consumer *c, const struct rte_mbuf *m, const struct ov2_pkt_info *pi)
{
	struct ov2_sa_key k;

	if (ov2_sa_key_of_pkt(&k, m, pi, pi->proto) != 0)
		return 0;
	if (ov2_sad_lookup(c->sad, &k) != NULL)
		return 1;
	k.proto = ov2_ipsec_proto_other(pi->proto);
	return ov2_sad_lookup(c->sad, &k) != NULL;
}

/* ------------------------------------------------------------------ */
/* Per packet                                                          */
/* ------------------------------------------------------------------ */

struct verdict {
	unsigned int reason;	/* drop reason, DELIVER, HELD or HANDOFF */
	uint8_t pol;		/* enum pol */
	uint8_t stage;		/* HANDOFF: enum ov2_handoff_stage */
	uint8_t dst;		/* HANDOFF: the owner's slot */
	struct ov2_sa *sa;	/* for per-SA counters and the policy */
	struct ov2_sa *sa2;	/* the nested transport SA (NextCryptoDone) */
};

/*
 * Does this consumer write sa's sequence state and counters? Yes when it
 * owns sa, or claims it now: the first consumer to see an SA takes it with
 * one compare-and-swap, and the owner never changes. Otherwise *owner is
 * the owner's slot. Without a handoff group every SA is this consumer's.
 */
static inline int
owns(const struct ov2_consumer *c, struct ov2_sa *sa, uint8_t *owner)
{
	uint32_t me = c->slot + 1, o;

	if (c->ho == NULL)
		return 1;
	o = __atomic_load_n(&sa->owner, __ATOMIC_RELAXED);
	/* relaxed is enough: the owner writes only state nobody else wrote
	 * before it, and packets reach it through the rings (release /
	 * acquire) */
	if (o == 0 && __atomic_compare_exchange_n(&sa->owner, &o, me, 0, __ATOMIC_RELAXED,
						  __ATOMIC_RELAXED))
		return 1;
	*owner = (uint8_t)(o - 1);
	return o == me;
}

/* Counted by this consumer: an SA it owns (claimed by owns() already). */
static inline int
mine(const struct ov2_consumer *c, const struct ov2_sa *sa)
{
	return c->ho == NULL || __atomic_load_n(&sa->owner, __ATOMIC_RELAXED) == c->slot + 1;
}

/* SaDeleteReq: DELETE_SA for the SA and then its outbound pair, once. */
static void
delete_requested(struct ov2_consumer *c, struct ov2_sa *sa)
{
	uint32_t pair;

	if (c->sad == NULL || !ov2_sad_delete_sa(c->sad, sa, &pair))
		return;
	c->stats->sa_deleted++;
	if (pair != 0)
		c->stats->pair_deleted++;
	LOG(NOTICE, "SaDeleteReq: deleted inbound SA %u (%" PRIu64 " packets, %" PRIu64
	    " bytes)%s%.0u\n", sa->conf.spi, sa->nic.packets, sa->nic.bytes,
	    pair != 0 ? " and its paired outbound SA " : "", pair);
}

/* Soft lifetime: one event per SA. */
static void
check_soft(struct ov2_consumer *c, struct ov2_sa *sa)
{
	const struct ov2_sa_conf *cf = &sa->conf;

	if ((cf->soft_packets == 0 || sa->nic.packets < cf->soft_packets) &&
	    (cf->soft_bytes == 0 || sa->nic.bytes < cf->soft_bytes))
		return;
	/* host.flags is also or'ed by a deletion (possibly from elsewhere):
	 * an atomic or, once per SA; the counter is the owner's alone */
	if ((__atomic_load_n(&sa->host.flags, __ATOMIC_RELAXED) & OV2_SA_HOST_SOFT) ||
	    (__atomic_fetch_or(&sa->host.flags, OV2_SA_HOST_SOFT, __ATOMIC_RELAXED) &
	     OV2_SA_HOST_SOFT))
		return;
	c->stats->soft_expired++;
	sa->host.stats.soft_expired++;
	LOG(NOTICE, "soft lifetime reached: inbound SA %u (%" PRIu64 " packets, %" PRIu64
	    " bytes); re-key it\n", cf->spi, sa->nic.packets, sa->nic.bytes);
}

/*
 * SaDeleteReq for sa (NULL: none): the NIC side marked the SA that reached
 * its limit (nested packets carry two SAs). Returns 1 when the packet
 * belongs to an SA already deleted, after deleting the one it asks for.
 */
static int
sa_gone(struct ov2_consumer *c, struct ov2_sa *sa, const struct ov2_oob *o)
{
	if (sa == NULL)
		return 0;
	if (sa->host.flags & OV2_SA_HOST_DELETED)
		return 1;
	if (ov2_oob_sa_delete_req(o) &&
	    (__atomic_load_n(&sa->nic.flags, __ATOMIC_RELAXED) & OV2_SA_NIC_EXPIRED))
		delete_requested(c, sa);
	return 0;
}

/* Anti-replay (RFC 4303 3.4.3) on the verified packet, then the window
 * update and UPDATE_SA. Only the SA's owner lcore gets here: no lock. */
static unsigned int
replay(struct ov2_sa *sa, const struct rte_mbuf *m, uint32_t seq_hi,
       const struct ov2_pkt_info *pi)
{
	uint32_t lo;
	uint64_t seq;
	enum ov2_replay_verdict v;

	/* the sequence number: ESP header offset 4, AH offset 8 */
	lo = ov2_pkt_be32(rte_pktmbuf_mtod_offset(m, const uint8_t *, pi->l2_len + pi->l3_len +
						  (sa->conf.proto == OV2_IPPROTO_AH ? 8 : 4)));
	seq = (sa->conf.flags & OV2_SA_F_ESN) ? (uint64_t)seq_hi << 32 | lo : lo;
	v = ov2_replay_check(&sa->replay, seq);
	if (v == OV2_REPLAY_OK) {
		ov2_replay_update(&sa->replay, seq);
		if (sa->replay.top == seq)	/* a new top: UPDATE_SA */
			ov2_sa_update_esn(sa, seq);
	}
	return v == OV2_REPLAY_OK ? DELIVER :
	       v == OV2_REPLAY_DUP ? OV2_DROP_REPLAY_DUP : OV2_DROP_REPLAY_OLD;
}

/*
 * NextCryptoDone: the tunnel's inner packet, now at the front of m, holds
 * the nested transport SA's ESP (or ESP in UDP), decrypted by the NIC side:
 * its replay check, trailer and decapsulation.
 */
static unsigned int
nested_decap(struct ov2_consumer *c, struct rte_mbuf *m, const struct ov2_oob *o,
	     struct verdict *v)
{
	struct ov2_pkt_info pi;
	struct ov2_sa_key k;
	struct ov2_sa *sa2;
	unsigned int r;

	if (ov2_pkt_parse(m, &pi) != OV2_PKT_OK ||
	    (pi.flags & (OV2_PKT_F_TRUNCATED | OV2_PKT_F_MULTISEG)))
		return OV2_DROP_BAD_INNER;
	if (pi.proto == IPPROTO_UDP && c->sad != NULL)
		ov2_sad_udp_classify(c->sad, m, &pi);
	if (pi.proto != OV2_IPPROTO_ESP || c->sad == NULL ||
	    (uint32_t)pi.l2_len + pi.l3_len + OV2_ESP_HDR_LEN > m->data_len ||
	    ov2_sa_key_of_pkt(&k, m, &pi, OV2_IPPROTO_ESP) != 0)
		return OV2_DROP_BAD_INNER;
	/* the SA the NIC side found; gone since: deleted in flight */
	sa2 = ov2_sad_lookup(c->sad, &k);
	if (sa2 == NULL)
		return OV2_DROP_SA_DELETED;
	if (!owns(c, sa2, &v->dst)) {
		/* its owner redoes this function from the start */
		v->stage = OV2_HANDOFF_NESTED;
		return HANDOFF;
	}
	v->sa2 = sa2;
	if (sa_gone(c, sa2, o))
		return OV2_DROP_SA_DELETED;
	if (!ip_checksum_ok(m, &pi))	/* before the window, as for the outer SA */
		return OV2_DROP_BAD_IP_CHECKSUM;
	r = replay(sa2, m, o->seq_hi2, &pi);
	if (r != DELIVER)
		return r;
	if (sa2->conf.soft_packets != 0 || sa2->conf.soft_bytes != 0)
		check_soft(c, sa2);
	return esp_decap(m, sa2, NULL, &pi);
}

/* A packet the NIC side (or the software path) checked. */
static void inner_ipsec(struct ov2_consumer *c, struct rte_mbuf *m, struct verdict *v,
			uint16_t l2_len);

static void
crypto_done_depth(struct ov2_consumer *c, struct rte_mbuf *m, struct verdict *v, int depth)
{
	const struct ov2_oob *o = ov2_oob(m);
	struct ov2_sa *sa = o->sa;
	unsigned int s = ov2_oob_status(o);
	struct ov2_pkt_info pi;

	v->sa = sa;
	if (sa != NULL && !owns(c, sa, &v->dst)) {
		v->reason = HANDOFF;
		v->stage = OV2_HANDOFF_SA;
		return;	/* the owner counts it and does the rest */
	}
	if (s >= OV2_CRYPTO_STATUS_COUNT)
		s = OV2_CRYPTO_GENERIC_ERROR;	/* a value OV2 does not define */
	c->stats->crypto_status[s]++;
	if (ov2_oob_next_crypto_done(o))
		c->stats->next_crypto_done++;
	/* SaDeleteReq: the packet that asked for it is still processed;
	 * later ones of a deleted SA are dropped */
	if (sa_gone(c, sa, o)) {
		v->reason = OV2_DROP_SA_DELETED;
		return;
	}
	if (s != OV2_CRYPTO_SUCCESS) {
		v->reason = ov2_drop_of_status((enum ov2_crypto_status)s);
		return;
	}
	/* the headers once, for the replay check and the decapsulation */
	if (sa == NULL || ov2_pkt_parse(m, &pi) != OV2_PKT_OK ||
	    (pi.flags & (OV2_PKT_F_TRUNCATED | OV2_PKT_F_MULTISEG)) ||
	    ((sa->conf.flags & OV2_SA_F_UDP_ENCAP) && ov2_pkt_udp_esp(m, &pi) != 0) ||
	    (uint32_t)pi.l2_len + pi.l3_len + OV2_AH_HDR_LEN > m->data_len) {
		v->reason = OV2_DROP_GENERIC_ERROR;
		return;
	}
	/* a header the IP layer discards must not move the replay window:
	 * a corrupted copy would make the genuine packet a duplicate */
	if (!ip_checksum_ok(m, &pi)) {
		v->reason = OV2_DROP_BAD_IP_CHECKSUM;
		return;
	}
	v->reason = replay(sa, m, o->seq_hi, &pi);
	if (v->reason != DELIVER)
		return;
	if (sa->conf.soft_packets != 0 || sa->conf.soft_bytes != 0)
		check_soft(c, sa);
	v->pol = POL_PROTECTED;
	if (sa->conf.proto == OV2_IPPROTO_AH) {
		/* AH of a bundle comes off like transport mode; its ESP SA
		 * then decapsulates in its own mode */
		v->reason = ov2_ah_decap(m, pi.l2_len, pi.l2_type_off, pi.l3_len, pi.l3_nh_off,
					 sa->conf.mode != OV2_MODE_TRANSPORT &&
					 sa->conf.bundle_spi == 0);
		if (v->reason == DELIVER && sa->conf.bundle_spi != 0)
			v->reason = nested_decap(c, m, o, v);
		return;
	}
	v->reason = esp_decap(m, sa, o, &pi);
	if (v->reason == DELIVER && ov2_oob_next_crypto_done(o))
		v->reason = nested_decap(c, m, o, v);
	else if (v->reason == DELIVER && sa->conf.mode != OV2_MODE_TRANSPORT && depth == 0)
		inner_ipsec(c, m, v, pi.l2_len);
}

static void
crypto_done(struct ov2_consumer *c, struct rte_mbuf *m, struct verdict *v)
{
	crypto_done_depth(c, m, v, 0);
}

/*
 * A tunnel's inner packet that is itself ESP/AH of a known SA, which the
 * NIC side did not check (no TransportTunnelCombined, or an SA outside its
 * capabilities): the host would receive it as a new packet and process it
 * in software; do that here, one level deep, so ESP of a known SA never
 * leaves unchecked. The outcome is the inner SA's; both SAs count it.
 */
static void
inner_ipsec(struct ov2_consumer *c, struct rte_mbuf *m, struct verdict *v, uint16_t l2_len)
{
	struct verdict v2 = { 0 };
	struct ov2_pkt_info pi;
	const uint8_t *ip;
	uint8_t proto;

	/* most inner packets are plain: look at the protocol byte first (an
	 * IPv6 extension header before ESP is left for the full parse) */
	if (c->sad == NULL || m->data_len < l2_len + 20u)
		return;
	ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l2_len);
	proto = (ip[0] >> 4) == 4 ? ip[9] : ip[6];
	if (proto != OV2_IPPROTO_ESP && proto != OV2_IPPROTO_AH && proto != IPPROTO_UDP &&
	    proto != IPPROTO_HOPOPTS && proto != IPPROTO_ROUTING && proto != IPPROTO_DSTOPTS)
		return;
	/* inner UDP is ESP only to a port a UDP-ESP SA receives on: for
	 * IPv4 without options (where the parse would find the UDP header)
	 * look at the destination port before parsing; other UDP is plain */
	if (proto == IPPROTO_UDP && ip[0] == 0x45 &&
	    m->data_len >= l2_len + 20u + OV2_UDP_HDR_LEN &&
	    !ov2_sad_udp_port(c->sad, (uint16_t)(ip[22] << 8 | ip[23])))
		return;
	if (ov2_pkt_parse(m, &pi) != OV2_PKT_OK)
		return;
	if (pi.proto == IPPROTO_UDP)
		ov2_sad_udp_classify(c->sad, m, &pi);
	if ((pi.proto != OV2_IPPROTO_ESP && pi.proto != OV2_IPPROTO_AH) || !has_sa(c, m, &pi))
		return;
	if (!software_path(c, m)) {
		v->reason = OV2_DROP_NOT_PROCESSED;
		return;
	}
	crypto_done_depth(c, m, &v2, 1);
	v->reason = v2.reason;
	if (v2.reason == HANDOFF) {
		/* the inner SA's owner goes on from crypto_done_depth() */
		v->stage = OV2_HANDOFF_INNER;
		v->dst = v2.dst;
		return;
	}
	v->sa2 = v2.sa;
}

/* A packet indicated without OOB data. May replace *mp (reassembly). */
static void
not_offloaded(struct ov2_consumer *c, struct rte_mbuf **mp, struct verdict *v)
{
	struct ov2_pkt_info pi;
	unsigned int r;

	c->stats->not_offloaded++;
	switch (ov2_pkt_parse(*mp, &pi)) {
	case OV2_PKT_NOT_IP:
		v->reason = DELIVER;	/* not IP: outside IPsec policy */
		return;
	case OV2_PKT_BAD:
		v->reason = OV2_DROP_MALFORMED;
		return;
	default:
		break;
	}
	if (!ip_checksum_ok(*mp, &pi)) {
		v->reason = OV2_DROP_BAD_IP_CHECKSUM;
		return;
	}
	if (pi.flags & OV2_PKT_F_TRUNCATED) {
		v->reason = OV2_DROP_MALFORMED;
		return;
	}
	if (pi.flags & OV2_PKT_F_FRAG) {
		r = reassemble(c, mp, &pi);
		if (r == NO_REASSEMBLY) {
			/* no reassembly here: fragments of IPsec packets
			 * cannot be checked; cleartext ones go to policy */
			if (pi.proto == OV2_IPPROTO_ESP || pi.proto == OV2_IPPROTO_AH) {
				v->reason = OV2_DROP_NOT_PROCESSED;
				return;
			}
			v->reason = DELIVER;
			v->pol = POL_CLEAR;
			return;
		}
		if (r != DELIVER) {
			v->reason = r;
			return;
		}
		if (ov2_pkt_parse(*mp, &pi) != OV2_PKT_OK) {
			v->reason = OV2_DROP_MALFORMED;
			return;
		}
	}
	if (pi.proto == IPPROTO_UDP && c->sad != NULL)
		ov2_sad_udp_classify(c->sad, *mp, &pi);	/* ESP in UDP? */
	if (pi.proto == OV2_IPPROTO_ESP || pi.proto == OV2_IPPROTO_AH) {
		if (!has_sa(c, *mp, &pi)) {
			v->reason = OV2_DROP_NO_SA;
			return;
		}
		if ((pi.flags & OV2_PKT_F_MULTISEG) && c->big_pool != NULL) {
			/* a chained (jumbo) packet: one segment for the engine;
			 * the chain is freed, the copy takes its place */
			struct rte_mbuf *lin = linearize(c, *mp);

			if (lin == NULL) {
				v->reason = OV2_DROP_TOO_BIG;
				return;
			}
			rte_pktmbuf_free(*mp);
			*mp = lin;
		}
		if (!software_path(c, *mp)) {
			v->reason = OV2_DROP_NOT_PROCESSED;
			return;
		}
		crypto_done(c, *mp, v);
		return;
	}
	v->reason = DELIVER;
	v->pol = POL_CLEAR;
}

/* ------------------------------------------------------------------ */
/* Policy, for the burst at once                                       */
/* ------------------------------------------------------------------ */

static unsigned int
policy_reason(const struct ov2_sp_rule *r, const struct verdict *v)
{
	/* a nested packet may match a protect rule of either of its SAs */
	if (v->pol == POL_PROTECTED)
		return r != NULL && r->action == OV2_SP_PROTECT &&
		       (r->spi == v->sa->conf.spi ||
			(v->sa2 != NULL && r->spi == v->sa2->conf.spi)) ?
		       DELIVER : OV2_DROP_POLICY_MISMATCH;
	if (r == NULL)
		return OV2_DROP_POLICY_NO_MATCH;
	switch (r->action) {
	case OV2_SP_BYPASS:
		return DELIVER;
	case OV2_SP_PROTECT:
		return OV2_DROP_IPSEC_REQUIRED;
	default:
		return OV2_DROP_POLICY_DISCARD;
	}
}

static void
policy(const struct ov2_consumer *c, struct rte_mbuf *pkts[], struct verdict v[],
       uint16_t n)
{
	const struct ov2_sp_rule *res[OV2_SPD_BURST_MAX];
	const uint8_t *ip[OV2_SPD_BURST_MAX];
	uint32_t len[OV2_SPD_BURST_MAX];
	uint16_t idx[OV2_SPD_BURST_MAX];
	uint16_t i, k = 0, j;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i].reason == DELIVER && v[i].pol != POL_NONE) {
			struct ov2_pkt_info pi;
			const struct rte_mbuf *m = pkts[i];

			if (ov2_pkt_parse(m, &pi) == OV2_PKT_NOT_IP) {
				continue;
			}
			ip[k] = rte_pktmbuf_mtod_offset(m, const uint8_t *, pi.l2_len);
			len[k] = m->data_len - pi.l2_len;
			idx[k++] = i;
		}
		if (k == OV2_SPD_BURST_MAX || (i == n && k > 0)) {
			ov2_spd_classify(c->spd, ip, len, k, res);
			for (j = 0; j < k; j++)
				v[idx[j]].reason = policy_reason(res[j], &v[idx[j]]);
			k = 0;
		}
	}
}

/* ------------------------------------------------------------------ */
/* The burst                                                           */
/* ------------------------------------------------------------------ */

/* Per-SA delivered counts, added up over a run of packets of one SA (a
 * burst is mostly one or few SAs): one write to the SA per run. The
 * counters are the owner's alone: plain adds. */
struct sa_acc {
	struct ov2_sa *sa;
	uint64_t packets, bytes;
};

static void
acc_flush(struct sa_acc *a)
{
	if (a->sa == NULL)
		return;
	a->sa->host.stats.delivered += a->packets;
	a->sa->host.stats.delivered_bytes += a->bytes;
	a->sa = NULL;
	a->packets = 0;
	a->bytes = 0;
}

static void
count_sa(struct sa_acc *a, struct ov2_sa *sa, unsigned int reason, uint32_t bytes)
{
	if (reason != DELIVER) {
		sa->host.stats.drops[reason]++;
		return;
	}
	if (sa != a->sa) {
		acc_flush(a);
		a->sa = sa;
	}
	a->packets++;
	a->bytes += bytes;
}

/*
 * Enqueue the packets marked HANDOFF to their owners' rings, in burst
 * order per owner (packets of one SA stay in order). What a full ring does
 * not take becomes a handoff_full drop here: never wait, so two lcores
 * handing off to each other cannot deadlock.
 */
static void
hand_off(struct ov2_consumer *c, struct rte_mbuf *pkts[], struct verdict v[], uint16_t n)
{
	struct ov2_handoff_item it[n];
	uint16_t idx[n];
	uint64_t todo = 0;
	uint16_t i, k, sent;
	unsigned int d;

	for (i = 0; i < n; i++)
		if (v[i].reason == HANDOFF)
			todo |= UINT64_C(1) << v[i].dst;
	while (todo != 0) {
		d = (unsigned int)__builtin_ctzll(todo);
		todo &= todo - 1;
		for (i = 0, k = 0; i < n; i++) {
			if (v[i].reason != HANDOFF || v[i].dst != d)
				continue;
			it[k].m = pkts[i];
			it[k].outer = v[i].stage == OV2_HANDOFF_SA ? NULL : v[i].sa;
			it[k].stage = v[i].stage;
			it[k].reserved = 0;
			idx[k++] = i;
		}
		sent = (uint16_t)rte_ring_enqueue_burst_elem(ov2_handoff_ring(c->ho, c->slot, d),
				it, sizeof(it[0]), k, NULL);
		c->stats->handed_off += sent;
		for (i = sent; i < k; i++)
			v[idx[i]].reason = OV2_DROP_HANDOFF_FULL;
	}
}

/*
 * The end of a burst, received or drained: the policy, the handoffs, the
 * counters (global, and per SA for the SAs this consumer owns), and the
 * array sorted into delivered then dropped.
 */
static uint16_t
finish(struct ov2_consumer *c, struct rte_mbuf *pkts[], struct verdict v[], uint16_t n,
       uint8_t reason[], uint16_t *nb_drop)
{
	struct rte_mbuf *drop[n + 1];
	struct sa_acc acc = { 0 }, acc2 = { 0 };
	uint64_t dbytes = 0;
	uint8_t why[n + 1];
	uint16_t i, k = 0, nd = 0, nh = 0;

	if (c->spd != NULL && ov2_spd_count(c->spd) > 0)
		policy(c, pkts, v, n);
	for (i = 0; i < n; i++)
		nh += v[i].reason == HANDOFF;
	if (nh != 0)
		hand_off(c, pkts, v, n);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		unsigned int r = v[i].reason;

		if (r == HELD)
			continue;
		if (r == HANDOFF) {
			/* the owner counts it; an outer SA of this lcore has
			 * passed it on, which is its delivery */
			if (v[i].stage != OV2_HANDOFF_SA && v[i].sa != NULL && mine(c, v[i].sa))
				count_sa(&acc, v[i].sa, DELIVER, m->pkt_len);
			continue;
		}
		if (v[i].sa != NULL && mine(c, v[i].sa))
			count_sa(&acc, v[i].sa, r, m->pkt_len);
		if (v[i].sa2 != NULL && mine(c, v[i].sa2))
			count_sa(&acc2, v[i].sa2, r, m->pkt_len);
		if (r == DELIVER) {
			dbytes += m->pkt_len;
			pkts[k++] = m;
			continue;
		}
		c->stats->drops[r]++;
		drop[nd] = m;
		why[nd++] = (uint8_t)r;
	}
	c->stats->delivered += k;
	c->stats->delivered_bytes += dbytes;
	acc_flush(&acc);
	acc_flush(&acc2);
	flush_death_row(c);
	memcpy(pkts + k, drop, nd * sizeof(drop[0]));
	memcpy(reason + k, why, nd);
	if (nb_drop != NULL)
		*nb_drop = nd;
	return k;
}

/*
 * Start loading the lines of m's SA that only this side uses: host (flags,
 * window, counters) and the replay window's first line (top, the first
 * bitmap words). The NIC side has just read the rest of the SA. With many
 * SAs these lines are cold; loaded a few packets ahead, their misses
 * overlap the work on the packets before. A run of one SA prefetches once.
 */
static inline void
prefetch_sa(struct rte_mbuf *m, const struct ov2_sa **last)
{
	const struct ov2_oob *o = ov2_oob(m);
	const struct ov2_sa *sa = o->sa;

	if (!ov2_oob_crypto_done(o) || sa == NULL || sa == *last)
		return;
	*last = sa;
	rte_prefetch0(&sa->host);
	rte_prefetch0(&sa->replay);
}

uint16_t
ov2_consumer_rx(struct ov2_consumer *c, struct rte_mbuf *pkts[], uint16_t n,
		uint8_t reason[], uint16_t *nb_drop)
{
	struct verdict v[n + 1];
	const struct ov2_sa *last = NULL;
	uint64_t bytes = 0;
	uint16_t i;

	if (nb_drop != NULL)
		*nb_drop = 0;
	if (n == 0)
		return 0;
	memset(v, 0, sizeof(v[0]) * n);
	for (i = 0; i < RTE_MIN(n, PREFETCH_AHEAD); i++)
		prefetch_sa(pkts[i], &last);
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			prefetch_sa(pkts[i + PREFETCH_AHEAD], &last);
		/* counted as received, before reassembly may replace it */
		bytes += pkts[i]->pkt_len;
		if (ov2_oob_crypto_done(ov2_oob(pkts[i])))
			crypto_done(c, pkts[i], &v[i]);
		else
			not_offloaded(c, &pkts[i], &v[i]);
	}
	/* once per burst: through c->stats, each per-packet add was a load
	 * and a store the compiler could not keep in a register */
	c->stats->rx_packets += n;
	c->stats->rx_bytes += bytes;
	return finish(c, pkts, v, n, reason, nb_drop);
}

/* A packet handed to this consumer: go on where the sender stopped. */
static void
resume(struct ov2_consumer *c, const struct ov2_handoff_item *it, struct verdict *v)
{
	struct verdict v2 = { 0 };

	switch (it->stage) {
	case OV2_HANDOFF_SA:
		crypto_done(c, it->m, v);
		return;
	case OV2_HANDOFF_NESTED:
		v->sa = it->outer;
		v->pol = POL_PROTECTED;
		v->reason = nested_decap(c, it->m, ov2_oob(it->m), v);
		return;
	default:	/* OV2_HANDOFF_INNER */
		v->sa = it->outer;
		v->pol = POL_PROTECTED;
		crypto_done_depth(c, it->m, &v2, 1);
		v->reason = v2.reason;
		v->sa2 = v2.sa;
		return;
	}
}

unsigned int
ov2_consumer_waiting(const struct ov2_consumer *c)
{
	unsigned int s, t = 0;

	if (c->ho == NULL)
		return 0;
	for (s = 0; s < c->ho->n; s++)
		if (s != c->slot)
			t += rte_ring_count(ov2_handoff_ring(c->ho, s, c->slot));
	return t;
}

uint16_t
ov2_consumer_drain(struct ov2_consumer *c, struct rte_mbuf *pkts[], uint16_t max,
		   uint8_t reason[], uint16_t *nb_drop, uint16_t *nb_taken)
{
	struct ov2_handoff_item it[max + 1];
	struct verdict v[max + 1];
	unsigned int s, tried;
	uint16_t n = 0, i;

	if (nb_drop != NULL)
		*nb_drop = 0;
	*nb_taken = 0;
	if (c->ho == NULL || max == 0)
		return 0;
	/* round robin over the sources, so a busy one cannot starve the rest */
	for (tried = 0; tried < c->ho->n && n < max; tried++) {
		s = c->next_src;
		c->next_src = (c->next_src + 1) % c->ho->n;
		if (s == c->slot)
			continue;
		n += (uint16_t)rte_ring_dequeue_burst_elem(ov2_handoff_ring(c->ho, s, c->slot),
				it + n, sizeof(it[0]), max - n, NULL);
	}
	*nb_taken = n;
	if (n == 0)
		return 0;
	memset(v, 0, sizeof(v[0]) * n);
	for (i = 0; i < n; i++) {
		pkts[i] = it[i].m;
		resume(c, &it[i], &v[i]);
	}
	return finish(c, pkts, v, n, reason, nb_drop);
}
