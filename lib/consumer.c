/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport side of OV2 (RFC 4303 section 3.4 inbound processing,
 * minus what the NIC side already did). Per packet, in order:
 *   1. no CryptoDone: cleartext is delivered; ESP/AH is dropped as "no SA"
 *      or "not processed" (software fallback arrives in step 2);
 *   2. CryptoStatus other than SUCCESS: dropped with the status as reason;
 *   3. [step 2] sequence-number check (anti-replay) on the ESP header;
 *   4. ESP trailer checks and decapsulation (tunnel: the inner packet;
 *      transport: the IP header restored);
 *   5. [step 2] inbound policy check on the decapsulated packet.
 * The consumer reads the OOB data and the SA it references; it never
 * repeats the NIC side's crypto.
 */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include "consumer.h"
#include "oob.h"
#include "pkt.h"
#include "sad.h"

#define DELIVER OV2_DROP_COUNT	/* "no drop reason": deliver */

#define IPPROTO_NONE_NH 59	/* RFC 4303 2.6 dummy packet */

/* The outer IPv4 header checksum, unless the port already verified it. */
static int
ip_checksum_ok(const struct rte_mbuf *m, const struct ov2_pkt_info *pi)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (pi->family != 4 || f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 1;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	return rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, pi->l2_len),
			     pi->l3_len) == 0xffff;
}

/* ESP or AH that the NIC side did not check. */
static unsigned int
ipsec_unprocessed(const struct ov2_consumer *c, const struct rte_mbuf *m,
		  const struct ov2_pkt_info *pi)
{
	struct ov2_sa_key k;

	if (pi->flags & OV2_PKT_F_FRAG)
		return OV2_DROP_NOT_PROCESSED;
	if (ov2_sa_key_of_pkt(&k, m, pi, pi->proto) != 0)
		return OV2_DROP_MALFORMED;
	if (ov2_sad_lookup(c->sad, &k) != NULL)
		return OV2_DROP_NOT_PROCESSED;
	k.proto = ov2_ipsec_proto_other(pi->proto);
	if (ov2_sad_lookup(c->sad, &k) != NULL)
		return OV2_DROP_NOT_PROCESSED;
	return OV2_DROP_NO_SA;
}

/* Packets indicated without OOB data. */
static unsigned int
not_offloaded(const struct ov2_consumer *c, const struct rte_mbuf *m)
{
	struct ov2_pkt_info pi;

	switch (ov2_pkt_parse(m, &pi)) {
	case OV2_PKT_NOT_IP:
		return DELIVER;
	case OV2_PKT_BAD:
		return OV2_DROP_MALFORMED;
	default:
		break;
	}
	if (!ip_checksum_ok(m, &pi))
		return OV2_DROP_BAD_IP_CHECKSUM;
	if (pi.proto == OV2_IPPROTO_ESP || pi.proto == OV2_IPPROTO_AH)
		return ipsec_unprocessed(c, m, &pi);
	if (pi.flags & OV2_PKT_F_TRUNCATED)
		return OV2_DROP_MALFORMED;
	/* [step 2] inbound policy: bypass / discard / protect for cleartext. */
	return DELIVER;
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
	memmove(p + cut, p, pi->l2_len);
	type = nh == IPPROTO_IPIP ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	p += cut;
	p[pi->l2_type_off] = (uint8_t)(type >> 8);
	p[pi->l2_type_off + 1] = (uint8_t)type;
	rte_pktmbuf_adj(m, (uint16_t)cut);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - pi->l2_len - len));
	return DELIVER;
}

/* Transport mode: the original packet, its IP header restored. */
static unsigned int
decap_transport(struct rte_mbuf *m, const struct ov2_pkt_info *pi,
		uint32_t pl_off, uint32_t pl_len, uint8_t nh)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t hdr = (uint32_t)pi->l2_len + pi->l3_len;
	uint32_t cut = pl_off - hdr;
	uint32_t ip_len = pi->l3_len + pl_len;

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
	rte_pktmbuf_adj(m, (uint16_t)cut);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - pi->l2_len - ip_len));
	return DELIVER;
}

/* RFC 4303 2.4: padding bytes are 1, 2, 3, ... */
static int
padding_ok(const uint8_t *pad, uint8_t n)
{
	uint8_t bad = 0, i;

	for (i = 0; i < n; i++)
		bad |= (uint8_t)(pad[i] ^ (uint8_t)(i + 1));
	return bad == 0;
}

/* A packet the NIC side decrypted and verified: check the trailer, strip. */
static unsigned int
esp_decap(struct rte_mbuf *m, const struct ov2_oob *o)
{
	const struct ov2_sa *sa = o->sa;
	struct ov2_pkt_info pi;
	uint32_t esp_off, ct_off, ct_len, ovh;
	uint8_t *p, nh, padlen;

	if (sa == NULL || ov2_pkt_parse(m, &pi) != OV2_PKT_OK ||
	    (pi.flags & (OV2_PKT_F_TRUNCATED | OV2_PKT_F_MULTISEG)))
		return OV2_DROP_GENERIC_ERROR;
	if (!ip_checksum_ok(m, &pi))
		return OV2_DROP_BAD_IP_CHECKSUM;
	ovh = OV2_ESP_HDR_LEN + sa->crypto.iv_len + sa->crypto.icv_len;
	if ((uint32_t)pi.ip_len < pi.l3_len + ovh + 2u)
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	esp_off = (uint32_t)pi.l2_len + pi.l3_len;
	ct_off = esp_off + OV2_ESP_HDR_LEN + sa->crypto.iv_len;
	ct_len = pi.ip_len - pi.l3_len - ovh;
	if (ov2_oob_header_info_set(o)) {
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
		return decap_transport(m, &pi, ct_off, ct_len, nh);
	return decap_tunnel(m, &pi, ct_off, ct_len, nh);
}

static unsigned int
consume_one(struct ov2_consumer *c, struct rte_mbuf *m)
{
	const struct ov2_oob *o = ov2_oob(m);
	unsigned int s;

	if (!ov2_oob_crypto_done(o)) {
		c->stats->not_offloaded++;
		return not_offloaded(c, m);
	}
	s = ov2_oob_status(o);
	if (s >= OV2_CRYPTO_STATUS_COUNT)
		s = OV2_CRYPTO_GENERIC_ERROR;	/* a value OV2 does not define */
	c->stats->crypto_status[s]++;
	if (s != OV2_CRYPTO_SUCCESS)
		return ov2_drop_of_status((enum ov2_crypto_status)s);
	/* [step 2] sequence check and window update go here (ICV verified). */
	s = esp_decap(m, o);
	/* [step 2] the inbound policy check on the decapsulated packet. */
	return s;
}

uint16_t
ov2_consumer_rx(struct ov2_consumer *c, struct rte_mbuf *pkts[], uint16_t n,
		uint8_t reason[])
{
	struct rte_mbuf *drop[n + 1];
	uint8_t why[n + 1];
	uint16_t i, k = 0, nd = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		unsigned int r;

		c->stats->rx_packets++;
		c->stats->rx_bytes += m->pkt_len;
		r = consume_one(c, m);
		if (r == DELIVER) {
			c->stats->delivered++;
			c->stats->delivered_bytes += m->pkt_len;
			pkts[k++] = m;
			continue;
		}
		c->stats->drops[r]++;
		drop[nd] = m;
		why[nd++] = (uint8_t)r;
	}
	memcpy(pkts + k, drop, nd * sizeof(drop[0]));
	memcpy(reason + k, why, nd);
	return k;
}
