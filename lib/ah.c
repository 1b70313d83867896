/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AH (RFC 4302): ICV input preparation, verification, sealing and
 * decapsulation. See ah.h for which fields count as mutable.
 */
#include <errno.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "ah.h"
#include "pkt.h"
#include "sa.h"
#include "status.h"

#define DELIVER OV2_DROP_COUNT	/* ov2_ah_decap: no drop reason */

#define IPV4_HDR_MIN	20
#define IPV6_HDR_LEN	40
#define IPV4_OFF_TOS	1
#define IPV4_OFF_LEN	2
#define IPV4_OFF_FRAG	6
#define IPV4_OFF_TTL	8
#define IPV4_OFF_PROTO	9
#define IPV4_OFF_CKSUM	10
#define IPV4_OFF_DST	16
#define IPV6_OFF_PLEN	4
#define IPV6_OFF_NH	6
#define IPV6_OFF_HLIM	7
#define IPV6_OFF_DST	24
#define IPV6_ADDR_LEN	16

/* IPv4 option types (copy, class and number together), RFC 4302 A.1 */
#define OPT_EOL		0
#define OPT_NOP		1
#define OPT_SEC		130
#define OPT_ESEC	133
#define OPT_CIPSO	134	/* Commercial Security */
#define OPT_LSRR	131
#define OPT_SSRR	137
#define OPT_RA		148	/* Router Alert */
#define OPT_SDMDD	149
#define SR_PTR_MIN	4	/* smallest source route pointer (RFC 791) */

#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_DSTOPTS	60
#define IP6_OPT_PAD1	0
#define IP6_OPT_MUTABLE	0x20	/* option type bit: data may change en route */

#define ESN_LEN		4

/*
 * The ICV input: the packet, then (ESN) room for the high half of the
 * sequence number. Per thread, so lcores never share it; TLS rather than
 * a lazy malloc so that there is no allocation failure on the data path.
 */
static __thread uint8_t scratch[UINT16_MAX + 1 + ESN_LEN] __attribute__((aligned(64)));

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * IPv4 header of b (a copy of the packet): zero the mutable fields and
 * options, put the final destination in place of a source route's next
 * hop. b[0..hl) is in the copy: the caller checked ah_off <= len.
 */
static int
prep_ipv4(uint8_t *b, uint32_t len, uint32_t ah_off)
{
	uint32_t hl = (uint32_t)(b[0] & 0x0f) * 4, i, n;
	uint8_t final_dst[4];
	int sr = 0, sr_pending = 0;

	if (hl < IPV4_HDR_MIN || hl != ah_off || get16(b + IPV4_OFF_LEN) != len ||
	    b[IPV4_OFF_PROTO] != OV2_IPPROTO_AH)
		return -EINVAL;
	/* RFC 4302 3.4.1: an IP fragment is not offered to AH */
	if (get16(b + IPV4_OFF_FRAG) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return -EINVAL;
	for (i = IPV4_HDR_MIN; i < hl; i += n) {
		uint8_t t = b[i];

		if (t == OPT_EOL)
			break;		/* what follows is padding: covered */
		if (t == OPT_NOP) {
			n = 1;
			continue;
		}
		if (hl - i < 2 || b[i + 1] < 2 || b[i + 1] > hl - i)
			return -EINVAL;
		n = b[i + 1];
		switch (t) {
		case OPT_SEC:
		case OPT_ESEC:
		case OPT_CIPSO:
		case OPT_RA:
		case OPT_SDMDD:
			continue;	/* immutable: covered as is */
		case OPT_LSRR:
		case OPT_SSRR: {
			uint8_t ptr;

			/* type, length, pointer, then whole addresses */
			if (sr++ || n < 3 || (n - 3) % 4 != 0)
				return -EINVAL;
			ptr = b[i + 2];
			if (ptr < SR_PTR_MIN)
				return -EINVAL;
			if (ptr <= n) {
				/* route not exhausted: the header holds the
				 * next hop, the last address is where the
				 * packet ends up (RFC 791 3.1) */
				if ((ptr & 3) != 0)
					return -EINVAL;
				memcpy(final_dst, b + i + n - 4, 4);
				sr_pending = 1;
			}
			break;
		}
		default:
			break;		/* mutable, or unknown: zeroed */
		}
		memset(b + i, 0, n);	/* the option as a unit (3.3.3.1.1.1) */
	}
	if (sr_pending)
		memcpy(b + IPV4_OFF_DST, final_dst, 4);
	b[IPV4_OFF_TOS] = 0;
	b[IPV4_OFF_FRAG] = b[IPV4_OFF_FRAG + 1] = 0;
	b[IPV4_OFF_TTL] = 0;
	b[IPV4_OFF_CKSUM] = b[IPV4_OFF_CKSUM + 1] = 0;
	return 0;
}

/* Hop-by-hop / destination options p[0..n): zero the data of options
 * that may change en route (RFC 4302 3.3.3.1.2.1). */
static int
zero_ipv6_options(uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint32_t dl;

		if (p[i] == IP6_OPT_PAD1) {
			i++;
			continue;
		}
		if (n - i < 2 || p[i + 1] > n - i - 2)
			return -EINVAL;
		dl = p[i + 1];
		if (p[i] & IP6_OPT_MUTABLE)
			memset(p + i + 2, 0, dl);
		i += 2 + dl;
	}
	return 0;
}

/*
 * Routing header at b + off (hlen bytes): as it will be at the final
 * destination. Each hop swaps the destination address with the next
 * listed address and decrements Segments Left, so at the end the
 * destination is the last listed address and the slots from the first one
 * not yet visited on hold the destination address and the not yet
 * visited addresses but the last, in order.
 */
static int
route_final(uint8_t *b, uint32_t off, uint32_t hlen)
{
	uint8_t type = b[off + 2], left = b[off + 3], last[IPV6_ADDR_LEN];
	uint8_t *a = b + off + 8;
	uint32_t n = (hlen - 8) / IPV6_ADDR_LEN, first;

	if (left == 0)
		return 0;	/* already as the final destination sees it */
	/* types 0 and 2: Hdr Ext Len is twice the number of addresses */
	if ((type != 0 && type != 2) || (b[off + 1] & 1) != 0 || left > n ||
	    (type == 2 && n != 1))
		return -EINVAL;
	first = n - left;
	memcpy(last, a + (n - 1) * IPV6_ADDR_LEN, IPV6_ADDR_LEN);
	memmove(a + (first + 1) * IPV6_ADDR_LEN, a + first * IPV6_ADDR_LEN,
		(left - 1u) * IPV6_ADDR_LEN);
	memcpy(a + first * IPV6_ADDR_LEN, b + IPV6_OFF_DST, IPV6_ADDR_LEN);
	memcpy(b + IPV6_OFF_DST, last, IPV6_ADDR_LEN);
	b[off + 3] = 0;
	return 0;
}

/*
 * IPv6 header and the extension headers before AH in b (a copy of the
 * packet): zero the mutable fields, predict the routing header. The chain
 * must end exactly at ah_off with a header naming AH.
 */
static int
prep_ipv6(uint8_t *b, uint32_t len, uint32_t ah_off)
{
	uint32_t off = IPV6_HDR_LEN, hlen;
	uint8_t nh = b[IPV6_OFF_NH];
	int routing = 0, rc;

	if (ah_off < IPV6_HDR_LEN || IPV6_HDR_LEN + (uint32_t)get16(b + IPV6_OFF_PLEN) != len)
		return -EINVAL;
	while (off < ah_off) {
		if (ah_off - off < 8)
			return -EINVAL;
		hlen = ((uint32_t)b[off + 1] + 1) * 8;
		if (hlen > ah_off - off)
			return -EINVAL;
		switch (nh) {
		case IP6_HOPOPTS:
			if (off != IPV6_HDR_LEN)
				return -EINVAL;	/* only right after the header */
			/* fall through */
		case IP6_DSTOPTS:
			rc = zero_ipv6_options(b + off + 2, hlen - 2);
			break;
		case IP6_ROUTING:
			rc = routing++ ? -EINVAL : route_final(b, off, hlen);
			break;
		default:
			/* a fragment header (reassemble first, RFC 4302
			 * 3.4.1), AH / ESP, or not an extension header */
			rc = -EINVAL;
			break;
		}
		if (rc != 0)
			return rc;
		nh = b[off];
		off += hlen;
	}
	if (off != ah_off || nh != OV2_IPPROTO_AH)
		return -EINVAL;
	b[0] &= 0xf0;			/* version stays; traffic class ... */
	b[1] = b[2] = b[3] = 0;		/* ... and flow label go */
	b[IPV6_OFF_HLIM] = 0;
	return 0;
}

struct ah_fields {
	uint32_t ah_len;	/* AH header bytes */
	uint32_t icv_off;	/* from the IP header */
};

/*
 * Copy ip into the scratch buffer as the ICV input: syntax checks, mutable
 * fields zeroed, the ICV zeroed. Returns 0 or -EINVAL.
 */
static int
ah_prepare(const struct ov2_crypto *c, const uint8_t *ip, uint32_t len, uint32_t ah_off,
	   struct ah_fields *f)
{
	uint32_t align, want;
	uint8_t *b = scratch;
	int rc;

	if (len > OV2_AH_LEN_MAX || ah_off > len || len - ah_off < OV2_AH_HDR_LEN)
		return -EINVAL;
	switch (ip[0] >> 4) {
	case 4:
		align = 4;
		break;
	case 6:
		align = 8;
		break;
	default:
		return -EINVAL;
	}
	/* the AH length the algorithm gives, padded (RFC 4302 2.2, 3.3.3.2.1) */
	want = (OV2_AH_HDR_LEN + c->iv_len + c->icv_len + align - 1) & ~(align - 1);
	f->ah_len = ((uint32_t)ip[ah_off + 1] + 2) * 4;
	if (f->ah_len != want || f->ah_len > len - ah_off)
		return -EINVAL;
	f->icv_off = ah_off + OV2_AH_HDR_LEN + c->iv_len;
	memcpy(b, ip, len);
	rc = align == 4 ? prep_ipv4(b, len, ah_off) : prep_ipv6(b, len, ah_off);
	if (rc != 0)
		return rc;
	memset(b + f->icv_off, 0, c->icv_len);
	return 0;
}

/*
 * The ESN high half goes after the packet (RFC 4302 2.5.1). The scratch
 * buffer has room for it, so it is appended here and the crypto call sees
 * one buffer without ESN: the same ICV (HMAC and GMAC both take their
 * input as one stream), without the copy the crypto module would make.
 * Only a packet within 4 bytes of the crypto limit leaves it to the
 * crypto module.
 */
static uint32_t
ah_append_esn(uint32_t len, int *esn, uint32_t seq_hi)
{
	if (!*esn || len + ESN_LEN > OV2_AH_LEN_MAX)
		return len;
	put32(scratch + len, seq_hi);
	*esn = 0;
	return len + ESN_LEN;
}

int
ov2_ah_verify(const struct ov2_crypto *c, const uint8_t *ip, uint32_t ip_len,
	      uint32_t ah_off, int esn, uint32_t seq_hi, uint32_t *seq_lo,
	      uint8_t *nh, uint32_t *ah_len)
{
	struct ah_fields f;
	const uint8_t *iv;
	uint32_t len;
	int rc;

	rc = ah_prepare(c, ip, ip_len, ah_off, &f);
	if (rc != 0)
		return rc;
	iv = c->iv_len != 0 ? scratch + ah_off + OV2_AH_HDR_LEN : NULL;
	len = ah_append_esn(ip_len, &esn, seq_hi);
	/* the received ICV is read from ip: the scratch copy is zeroed */
	rc = ov2_crypto_ah_verify(c, scratch, len, iv, ip + f.icv_off, esn, seq_hi);
	if (rc != 0 && rc != -EBADMSG)
		return rc;
	if (seq_lo != NULL)
		*seq_lo = get32(ip + ah_off + 8);
	if (nh != NULL)
		*nh = ip[ah_off];
	if (ah_len != NULL)
		*ah_len = f.ah_len;
	return rc;
}

int
ov2_ah_seal(const struct ov2_crypto *c, uint8_t *ip, uint32_t ip_len, uint32_t ah_off,
	    int esn, uint32_t seq_hi)
{
	struct ah_fields f;
	const uint8_t *iv;
	uint32_t len;
	int rc;

	rc = ah_prepare(c, ip, ip_len, ah_off, &f);
	if (rc != 0)
		return rc;
	iv = c->iv_len != 0 ? scratch + ah_off + OV2_AH_HDR_LEN : NULL;
	len = ah_append_esn(ip_len, &esn, seq_hi);
	return ov2_crypto_ah_icv(c, scratch, len, iv, esn, seq_hi, ip + f.icv_off);
}

/* ------------------------------------------------------------------ */
/* Decapsulation                                                       */
/* ------------------------------------------------------------------ */

/* Tunnel mode: is p[0..n) exactly one packet of the version nh names? */
static int
inner_exact(uint8_t nh, const uint8_t *p, uint32_t n)
{
	uint32_t hl;

	if (nh == IPPROTO_IPIP) {
		if (n < IPV4_HDR_MIN || (p[0] >> 4) != 4)
			return 0;
		hl = (uint32_t)(p[0] & 0x0f) * 4;
		return hl >= IPV4_HDR_MIN && hl <= n && get16(p + IPV4_OFF_LEN) == n;
	}
	if (nh == IPPROTO_IPV6)
		return n >= IPV6_HDR_LEN && (p[0] >> 4) == 6 &&
		       IPV6_HDR_LEN + (uint32_t)get16(p + IPV6_OFF_PLEN) == n;
	return 0;
}

unsigned int
ov2_ah_decap(struct rte_mbuf *m, uint16_t l2_len, uint16_t l2_type_off,
	     uint32_t ah_off, uint16_t l3_nh_off, int tunnel)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *), *ip, nh;
	uint32_t avail, ip_len, ah_len, pl_len, cut;

	if (m->nb_segs != 1 || m->data_len < l2_len)
		return OV2_DROP_GENERIC_ERROR;
	avail = m->data_len - l2_len;
	ip = p + l2_len;
	if (avail < IPV4_HDR_MIN)
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	if ((ip[0] >> 4) == 4) {
		ip_len = get16(ip + IPV4_OFF_LEN);
		if (ah_off != (uint32_t)(ip[0] & 0x0f) * 4 || ah_off < IPV4_HDR_MIN)
			return OV2_DROP_INVALID_PACKET_SYNTAX;
	} else if ((ip[0] >> 4) == 6 && avail >= IPV6_HDR_LEN) {
		ip_len = IPV6_HDR_LEN + (uint32_t)get16(ip + IPV6_OFF_PLEN);
		if (ah_off < IPV6_HDR_LEN)
			return OV2_DROP_INVALID_PACKET_SYNTAX;
	} else {
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	}
	if (ip_len > avail || ah_off > ip_len || ip_len - ah_off < OV2_AH_HDR_LEN)
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	ah_len = ((uint32_t)ip[ah_off + 1] + 2) * 4;
	if (ah_len > ip_len - ah_off)
		return OV2_DROP_INVALID_PACKET_SYNTAX;
	nh = ip[ah_off];
	pl_len = ip_len - ah_off - ah_len;
	if (tunnel) {
		uint16_t type;

		if (!inner_exact(nh, ip + ah_off + ah_len, pl_len))
			return OV2_DROP_BAD_INNER;
		if (l2_type_off + 2u > l2_len)
			return OV2_DROP_GENERIC_ERROR;
		/* the link header moves up to sit right before the inner packet */
		cut = ah_off + ah_len;
		memmove(p + cut, p, l2_len);
		p += cut;
		type = nh == IPPROTO_IPIP ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
		p[l2_type_off] = (uint8_t)(type >> 8);
		p[l2_type_off + 1] = (uint8_t)type;
		rte_pktmbuf_adj(m, (uint16_t)cut);
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - l2_len - pl_len));
		return DELIVER;
	}
	/* transport: the byte naming AH lies in the headers before it */
	if (l3_nh_off < l2_len || l3_nh_off >= l2_len + ah_off || p[l3_nh_off] != OV2_IPPROTO_AH)
		return OV2_DROP_GENERIC_ERROR;
	cut = ah_len;
	memmove(p + cut, p, l2_len + ah_off);
	p += cut;
	ip = p + l2_len;
	p[l3_nh_off] = nh;
	ip_len -= ah_len;
	if ((ip[0] >> 4) == 4) {
		ip[IPV4_OFF_LEN] = (uint8_t)(ip_len >> 8);
		ip[IPV4_OFF_LEN + 1] = (uint8_t)ip_len;
		ov2_ipv4_cksum_set(ip);
	} else {
		ip[IPV6_OFF_PLEN] = (uint8_t)((ip_len - IPV6_HDR_LEN) >> 8);
		ip[IPV6_OFF_PLEN + 1] = (uint8_t)(ip_len - IPV6_HDR_LEN);
	}
	rte_pktmbuf_adj(m, (uint16_t)cut);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - l2_len - ip_len));
	return DELIVER;
}
