/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include "pkt.h"

#define VLAN_MAX 2

/* Ethernet and up to two VLAN tags. Returns the IP version, 0 for another
 * protocol, or -1 for a runt: a frame that ends inside its Ethernet header
 * or a VLAN tag is no frame of any protocol, so it must not pass as "not
 * IP" (which is delivered outside IPsec policy). */
static int
parse_l2(const uint8_t *p, uint32_t len, struct ov2_pkt_info *pi)
{
	uint32_t off = RTE_ETHER_TYPE_LEN + 2 * RTE_ETHER_ADDR_LEN;
	uint16_t type;
	int vlans = 0;

	if (len < off)
		return -1;
	pi->l2_type_off = off - 2;
	type = (uint16_t)(p[off - 2] << 8 | p[off - 1]);
	while ((type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) &&
	       vlans++ < VLAN_MAX) {
		if (len < off + 4)
			return -1;
		pi->l2_type_off = off + 2;
		type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	pi->l2_len = off;
	if (type == RTE_ETHER_TYPE_IPV4)
		return 4;
	if (type == RTE_ETHER_TYPE_IPV6)
		return 6;
	return 0;
}

/* avail: bytes of the first segment from the IP header on (headers must
 * lie there); total: bytes of the whole packet from the IP header on. */
static enum ov2_pkt_result
parse_ipv4(const uint8_t *p, uint32_t avail, uint32_t total, struct ov2_pkt_info *pi)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t hl, tot;
	uint16_t frag;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return OV2_PKT_BAD;
	hl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (hl < sizeof(*ip) || hl > avail || tot < hl)
		return OV2_PKT_BAD;
	pi->family = 4;
	pi->l3_len = (uint16_t)hl;
	pi->ip_len = (uint16_t)tot;
	pi->proto = ip->next_proto_id;
	pi->l3_nh_off = (uint16_t)(pi->l2_len +
		offsetof(struct rte_ipv4_hdr, next_proto_id));
	if (hl > sizeof(*ip))
		pi->flags |= OV2_PKT_F_IPV4_OPTS;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		pi->flags |= OV2_PKT_F_FRAG;
	if (frag & RTE_IPV4_HDR_OFFSET_MASK)
		pi->flags |= OV2_PKT_F_LAST_FRAG_ONLY;
	if (tot > total)
		pi->flags |= OV2_PKT_F_TRUNCATED;
	return OV2_PKT_OK;
}

static int
ipv6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS;
}

#define IPV6_EXT_MAX 8	/* more extension headers than this: refuse */

/* Walk extension headers up to the first non-extension header. */
static enum ov2_pkt_result
walk_ipv6_ext(const uint8_t *p, uint32_t limit, struct ov2_pkt_info *pi)
{
	uint32_t off = sizeof(struct rte_ipv6_hdr);
	uint32_t nh_off = offsetof(struct rte_ipv6_hdr, proto);
	uint8_t nh = p[nh_off];
	int n;

	for (n = 0; ipv6_is_ext(nh); n++) {
		uint32_t len;

		if (n == IPV6_EXT_MAX || off + 8 > limit)
			return OV2_PKT_BAD;
		pi->flags |= OV2_PKT_F_IPV6_EXT;
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = (uint16_t)(p[off + 2] << 8 | p[off + 3]);

			pi->flags |= OV2_PKT_F_FRAG;
			if (fo & 0xfff8)
				pi->flags |= OV2_PKT_F_LAST_FRAG_ONLY;
			len = 8;
		} else {
			len = ((uint32_t)p[off + 1] + 1) * 8;
		}
		nh_off = off;
		nh = p[off];
		off += len;
	}
	if (off > limit)
		return OV2_PKT_BAD;
	pi->l3_len = (uint16_t)off;
	pi->proto = nh;
	pi->l3_nh_off = (uint16_t)(pi->l2_len + nh_off);
	return OV2_PKT_OK;
}

static enum ov2_pkt_result
parse_ipv6(const uint8_t *p, uint32_t avail, uint32_t total, struct ov2_pkt_info *pi)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p;
	uint32_t tot;

	if (avail < sizeof(*ip) || (p[0] >> 4) != 6)
		return OV2_PKT_BAD;
	tot = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	pi->family = 6;
	pi->ip_len = (uint16_t)RTE_MIN(tot, (uint32_t)UINT16_MAX);
	if (tot > UINT16_MAX)
		return OV2_PKT_BAD;	/* jumbograms are not supported */
	if (tot > total)
		pi->flags |= OV2_PKT_F_TRUNCATED;
	return walk_ipv6_ext(p, RTE_MIN(tot, avail), pi);
}

enum ov2_pkt_result
ov2_pkt_parse_general(const struct rte_mbuf *m, struct ov2_pkt_info *pi)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len;
	int ver;

	pi->l2_len = 0;
	pi->l3_len = 0;
	pi->ip_len = 0;
	pi->family = 0;
	pi->proto = 0;
	pi->l2_type_off = 0;
	pi->l3_nh_off = 0;
	pi->flags = m->nb_segs > 1 ? OV2_PKT_F_MULTISEG : 0;
	ver = parse_l2(p, len, pi);
	if (ver < 0)
		return OV2_PKT_BAD;
	if (ver == 0)
		return OV2_PKT_NOT_IP;
	if (ver == 4)
		return parse_ipv4(p + pi->l2_len, len - pi->l2_len, m->pkt_len - pi->l2_len, pi);
	return parse_ipv6(p + pi->l2_len, len - pi->l2_len, m->pkt_len - pi->l2_len, pi);
}

void
ov2_ipv4_cksum_set(void *ip)
{
	struct rte_ipv4_hdr *h = ip;

	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

int
ov2_pkt_udp_esp(const struct rte_mbuf *m, struct ov2_pkt_info *pi)
{
	if (pi->proto != IPPROTO_UDP || (pi->flags & OV2_PKT_F_UDP_ENCAP) ||
	    (uint32_t)pi->l2_len + pi->l3_len + OV2_UDP_HDR_LEN > m->data_len ||
	    (uint32_t)pi->l3_len + OV2_UDP_HDR_LEN > pi->ip_len)
		return -1;
	pi->l3_len = (uint16_t)(pi->l3_len + OV2_UDP_HDR_LEN);
	pi->proto = 50;		/* ESP */
	pi->flags |= OV2_PKT_F_UDP_ENCAP;
	return 0;
}
