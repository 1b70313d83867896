/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AH (RFC 4302) around the crypto module's ICV primitives: the ICV input
 * with the mutable fields zeroed (RFC 4302 3.3.3.1 and Appendix A), ICV
 * verification, ICV sealing for the generator, and AH removal.
 *
 * What counts as mutable:
 *  IPv4 header: TOS (DSCP + ECN), flags + fragment offset, TTL and header
 *   checksum are zeroed. Options EOL (0), NOP (1), Security (130),
 *   Extended Security (133), Commercial Security (134), Router Alert (148)
 *   and Sender Directed Multi-Destination Delivery (149) are immutable;
 *   every other option (Record Route, Timestamp, LSRR, SSRR, unknown ones)
 *   is zeroed whole, type and length included (RFC 4302 3.3.3.1.1.1). The
 *   bytes after an EOL are header padding and stay. With LSRR / SSRR the
 *   destination address is taken as it will be at the final destination:
 *   while the route is not exhausted (pointer <= length) that is the last
 *   address of the route data, otherwise the address in the header.
 *  IPv6 header: traffic class, flow label and hop limit are zeroed.
 *   Hop-by-hop and destination options: the Option Data of every option
 *   whose type has the 0x20 bit ("may change en route") is zeroed, type
 *   and length stay. Routing header: with Segments Left 0 it is covered
 *   as it is (whatever its type); with Segments Left > 0, types 0 (RFC
 *   2460) and 2 (RFC 6275) are covered as they will be at the final
 *   destination (the destination address is the last listed address, the
 *   list shifted to hold the addresses visited, Segments Left 0); other
 *   types with Segments Left > 0 cannot be predicted and are refused.
 *   A fragment header before AH is refused: AH is applied before
 *   fragmentation, the packet must be reassembled first (RFC 4302 3.4.1);
 *   likewise an IPv4 packet with MF or a fragment offset. Extension
 *   headers after AH are payload.
 *  AH: the ICV (c->icv_len bytes after the IV) is zeroed; the rest of AH,
 *   ICV padding included, is covered as it is.
 */
#ifndef OV2_AH_H
#define OV2_AH_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "crypto_imb.h"

/*
 * Verify the AH of the IP packet ip[0..ip_len). ip points at the IP
 * header; the AH header starts ah_off bytes from ip, right after the IPv4
 * header with its options, or after the IPv6 header and any extension
 * headers before AH (ov2_pkt_info.l3_len for a packet whose proto is AH).
 * c is the SA's crypto state (an AH SA); with esn, seq_hi is the inferred
 * high half of the sequence number, which takes part in the ICV.
 *
 * The ICV input is built in a per-thread scratch buffer (64 KiB of TLS:
 * nothing is allocated per packet). ip is never written.
 *
 * Returns
 *   0        the ICV verified;
 *   -EBADMSG the ICV did not verify;
 *   -EINVAL  syntax: not IPv4 / IPv6; the IPv4 total length or the IPv6
 *            payload length does not give ip_len; ah_off is not where the
 *            header chain puts AH, or the header before it does not name
 *            AH (51); AH header shorter than 12 bytes + IV + ICV, or its
 *            Payload Len does not give exactly the algorithm's AH length
 *            padded to 4 bytes (IPv4) / 8 bytes (IPv6) (see the table at
 *            ov2_crypto_ah_verify()); AH running past ip_len; malformed
 *            IPv4 options or IPv6 extension headers (lengths running past
 *            their header, a hop-by-hop header not first, two routing
 *            headers or two source route options, a fragment header or an
 *            unknown header before AH, a routing header that cannot be
 *            predicted); an IPv4 fragment; ip_len > OV2_AH_LEN_MAX; c not
 *            an initialised AH SA;
 *   -ENOMEM, -EIO as ov2_crypto_ah_verify() (the first only for an ESN
 *            packet within 4 bytes of OV2_AH_LEN_MAX, see ah.c).
 * Only when the return is 0 or -EBADMSG: *seq_lo receives the sequence
 * number field (host order), *nh AH's next header and *ah_len the AH
 * header length in bytes (any of them may be NULL).
 */
int ov2_ah_verify(const struct ov2_crypto *c, const uint8_t *ip, uint32_t ip_len,
		  uint32_t ah_off, int esn, uint32_t seq_hi, uint32_t *seq_lo,
		  uint8_t *nh, uint32_t *ah_len);

/*
 * The sending side (generator, tests): ip[0..ip_len) carries a complete
 * AH header at ah_off (next header, Payload Len, reserved, SPI, sequence
 * number, for GMAC the IV; the ICV field any value, ICV padding as it is
 * to be sent) and its final payload. Computes the ICV over the packet as
 * the final destination will see it (mutable fields zeroed, source routes
 * predicted, as above) and writes it into the ICV field; nothing else is
 * written (the IPv4 header checksum is the caller's). Same checks and
 * returns as ov2_ah_verify, except -EBADMSG.
 */
int ov2_ah_seal(const struct ov2_crypto *c, uint8_t *ip, uint32_t ip_len,
		uint32_t ah_off, int esn, uint32_t seq_hi);

/*
 * Remove AH from the packet in m (one segment) whose ICV verified:
 *  l2_len       bytes of link header before the IP header;
 *  l2_type_off  offset of the ethertype naming the IP header
 *               (ov2_pkt_info.l2_type_off);
 *  ah_off       as for ov2_ah_verify (from the IP header);
 *  l3_nh_off    offset from the start of the frame of the byte naming AH
 *               (IPv4 protocol, or the next header field of the last
 *               header before AH: ov2_pkt_info.l3_nh_off);
 *  tunnel       nonzero for a tunnel mode SA.
 * The IP length is the one the IP header states; frame bytes after it
 * (Ethernet padding) are dropped.
 *
 * Tunnel mode: AH's next header must be IPv4 (4) or IPv6 (41) and the
 * payload after AH exactly one packet of that version (version nibble,
 * header length, its total / payload length equal to what is left):
 * otherwise OV2_DROP_BAD_INNER. Leaves the link header, its ethertype set
 * to the inner packet's, followed by exactly the inner packet.
 * Transport mode: leaves the link header and the IP header with its
 * options / extension headers, the byte at l3_nh_off set to AH's next
 * header, IPv4 total length and header checksum or IPv6 payload length
 * fixed, then the payload; AH is gone. The mutable fields stay as
 * received.
 *
 * Returns OV2_DROP_COUNT ("deliver", m changed) or a drop reason with m
 * unchanged: OV2_DROP_GENERIC_ERROR (chained mbuf, l3_nh_off not inside
 * the headers before AH), OV2_DROP_INVALID_PACKET_SYNTAX (IP or AH lengths
 * do not fit the frame), OV2_DROP_BAD_INNER.
 */
unsigned int ov2_ah_decap(struct rte_mbuf *m, uint16_t l2_len, uint16_t l2_type_off,
			  uint32_t ah_off, uint16_t l3_nh_off, int tunnel);

#endif
