/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outer-header parsing shared by the NIC side and the consumer: finds the
 * IP header behind Ethernet (and one or two VLAN tags) and the protocol
 * header after it.
 */
#ifndef OV2_PKT_H
#define OV2_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define OV2_PKT_F_FRAG       (1u << 0)	/* IPv4 fragment / IPv6 fragment header */
#define OV2_PKT_F_IPV4_OPTS  (1u << 1)	/* IHL > 5 */
#define OV2_PKT_F_IPV6_EXT   (1u << 2)	/* extension headers before l4 */
#define OV2_PKT_F_MULTISEG   (1u << 3)	/* chained mbuf */
#define OV2_PKT_F_LAST_FRAG_ONLY (1u << 4) /* non-first fragment: no l4 header */
#define OV2_PKT_F_TRUNCATED  (1u << 5)	/* header complete, but the stated IP
					 * length runs past the frame */
#define OV2_PKT_F_UDP_ENCAP  (1u << 6)	/* ESP in UDP (RFC 3948): l3_len
					 * includes the 8-byte UDP header */

#define OV2_UDP_HDR_LEN 8

struct ov2_pkt_info {
	uint16_t l2_len;	/* bytes before the IP header */
	uint16_t l3_len;	/* IP header incl. options / extension headers */
	uint16_t ip_len;	/* IP packet length the header states */
	uint8_t family;		/* 4, 6, or 0 when not IP */
	uint8_t proto;		/* protocol of the header at l2_len + l3_len */
	uint16_t l2_type_off;	/* offset of the ethertype that names IP */
	uint16_t l3_nh_off;	/* offset of the byte holding proto (IPv4
				 * protocol, IPv6 next header of the last
				 * header before l4) */
	uint32_t flags;		/* OV2_PKT_F_* */
};

enum ov2_pkt_result {
	OV2_PKT_OK = 0,		/* IPv4 or IPv6 with consistent lengths */
	OV2_PKT_NOT_IP,		/* not an IP packet (ARP, ...) */
	OV2_PKT_BAD,		/* IP, but truncated or lengths do not add up; or a
				 * runt frame (shorter than its Ethernet header) */
};

/* ov2_pkt_parse() for any frame: Ethernet, VLAN tags, IPv4 options, IPv6
 * extension headers. */
enum ov2_pkt_result ov2_pkt_parse_general(const struct rte_mbuf *m, struct ov2_pkt_info *pi);

/*
 * The frame nearly every packet is: untagged Ethernet, IPv4 without
 * options, the header in the first segment. Sets exactly what the general
 * parse sets for it, in a few loads, no loop and no branch on the flags.
 * Returns 0 when the frame is something else. Inline: both sides parse
 * every packet, and the call cost a fifth of the parse.
 */
static inline int
ov2_pkt_parse_plain_ipv4(const struct rte_mbuf *m, struct ov2_pkt_info *pi)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t l2 = RTE_ETHER_HDR_LEN;
	const uint32_t nh = l2 + offsetof(struct rte_ipv4_hdr, next_proto_id);
	uint16_t type, tot, frag;

	if (m->data_len < l2 + sizeof(struct rte_ipv4_hdr))
		return 0;
	memcpy(&type, p + 12, sizeof(type));
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || p[l2] != 0x45)	/* IHL 5 */
		return 0;
	tot = (uint16_t)(p[l2 + 2] << 8 | p[l2 + 3]);
	if (tot < sizeof(struct rte_ipv4_hdr))
		return 0;
	frag = (uint16_t)(p[l2 + 6] << 8 | p[l2 + 7]);
	pi->flags =
		(m->nb_segs > 1 ? OV2_PKT_F_MULTISEG : 0) |
		((frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ? OV2_PKT_F_FRAG : 0) |
		((frag & RTE_IPV4_HDR_OFFSET_MASK) ? OV2_PKT_F_LAST_FRAG_ONLY : 0) |
		(tot > m->pkt_len - l2 ? OV2_PKT_F_TRUNCATED : 0);
	pi->l2_len = (uint16_t)l2;
	pi->l3_len = sizeof(struct rte_ipv4_hdr);
	pi->ip_len = tot;
	pi->family = 4;
	pi->proto = p[nh];
	pi->l2_type_off = 12;
	pi->l3_nh_off = (uint16_t)nh;
	return 1;
}

/*
 * Parse m's headers. On OV2_PKT_OK the IP header and the headers up to
 * l2_len + l3_len are in the first segment and l3_len <= ip_len; ip_len <=
 * the packet's bytes after l2_len (all segments) unless OV2_PKT_F_TRUNCATED
 * is set (frames longer than ip_len carry Ethernet padding).
 */
static inline enum ov2_pkt_result
ov2_pkt_parse(const struct rte_mbuf *m, struct ov2_pkt_info *pi)
{
	if (ov2_pkt_parse_plain_ipv4(m, pi))
		return OV2_PKT_OK;
	return ov2_pkt_parse_general(m, pi);
}

/*
 * RFC 3948: treat the UDP packet parsed into pi as ESP in UDP: the UDP
 * header joins l3_len, proto becomes ESP, OV2_PKT_F_UDP_ENCAP is set.
 * Returns 0, or -1 (pi unchanged) when pi is not UDP or the UDP header
 * is not in the first segment.
 */
int ov2_pkt_udp_esp(const struct rte_mbuf *m, struct ov2_pkt_info *pi);

/* The IP header's own length (l3_len without a UDP-ESP header). */
static inline uint16_t
ov2_pkt_ip_hdr_len(const struct ov2_pkt_info *pi)
{
	return (uint16_t)(pi->l3_len - ((pi->flags & OV2_PKT_F_UDP_ENCAP) ? OV2_UDP_HDR_LEN : 0));
}

/*
 * A 32-bit field of a packet header as it is on the wire (network order).
 * Headers sit at any offset (behind 14 bytes of Ethernet, most are 2 bytes
 * off a 4-byte boundary): read through memcpy, which compiles to one load
 * where the CPU allows it, never through a cast pointer (undefined).
 */
static inline uint32_t
ov2_pkt_raw32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The same field in host order (sequence numbers). */
static inline uint32_t
ov2_pkt_be32(const void *p)
{
	return rte_be_to_cpu_32(ov2_pkt_raw32(p));
}

/* Recompute the IPv4 header checksum of the header at ip (ihl words). */
void ov2_ipv4_cksum_set(void *ip);

#endif
