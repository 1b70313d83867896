/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builder: ESP (RFC 4303, every algorithm of lib/crypto_imb.h,
 * ESN, UDP encapsulation of RFC 3948) in Ethernet frames, tunnel or
 * transport, good or with one fault, plus the frame ov2rx must deliver for
 * a good one; IKE and NAT keep-alive packets of UDP-encapsulated SAs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "build.h"

#define ETH_LEN       14
#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_IP6 0x86dd
#define IP4_LEN       20
#define IP6_LEN       40
#define UDP_LEN       8
#define AH_FAULT_LEN  (12 + 16)
#define IP6_FRAG_LEN  8
#define NH_IPV4       4
#define NH_IPV6       41
#define NH_FRAG6      44
#define IP4_MF        0x2000
#define IPPROTO_UDP4  17
#define IKE_HDR_LEN   28	/* RFC 7296 3.1 */
#define IKE_NONCE_LEN 16
#define NON_ESP_MARKER_LEN 4	/* RFC 3948 2.2 */

static const char *const fault_names[OV2_FAULT_COUNT] = {
	[OV2_FAULT_NONE] = "none",
	[OV2_FAULT_BAD_ICV] = "bad-icv",
	[OV2_FAULT_UNKNOWN_SPI] = "unknown-spi",
	[OV2_FAULT_WRONG_DST] = "wrong-dst",
	[OV2_FAULT_TRUNCATED] = "truncated",
	[OV2_FAULT_IPV4_OPTIONS] = "ipv4-options",
	[OV2_FAULT_FRAGMENT] = "fragment",
	[OV2_FAULT_WRONG_PROTO] = "wrong-proto",
	[OV2_FAULT_BAD_PAD] = "bad-pad",
	[OV2_FAULT_BAD_INNER] = "bad-inner",
};

/* Everything about one packet that follows from the SA and the options. */
struct layout {
	uint8_t tunnel;
	uint8_t family;		/* outer: 4 or 6 */
	uint8_t dfamily;	/* delivered packet: inner (tunnel) or outer */
	uint8_t l4;
	uint8_t nh;		/* ESP next header */
	uint8_t pad;		/* ESP pad length */
	uint8_t hl;		/* outer IP header length */
	uint8_t ah;		/* AH bytes before ESP (WRONG_PROTO) */
	uint8_t udp;		/* UDP header bytes before ESP (UDP-ESP): 0 or 8 */
	uint8_t proto;		/* outer IP protocol: 50, 17 (UDP-ESP) or 51 */
	uint8_t esn;		/* the SA has extended sequence numbers */
	uint8_t iv_len;		/* the SA's explicit IV, ICV, alignment */
	uint8_t icv_len;
	uint8_t align;		/* max(block, 4): RFC 4303 2.4 */
	uint8_t cbc;		/* CBC cipher: unpredictable IVs */
	uint32_t spi;		/* SPI on the wire */
	uint16_t plen;		/* ESP payload: inner packet or L4 packet */
	uint32_t ip_len;	/* outer IP packet length */
	uint8_t src[16];
	uint8_t dst[16];
};

const char *
ov2_build_fault_name(enum ov2_build_fault f)
{
	if ((unsigned int)f >= OV2_FAULT_COUNT)
		return NULL;
	return fault_names[f];
}

enum ov2_build_fault
ov2_build_fault_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < OV2_FAULT_COUNT; i++)
		if (strcmp(name, fault_names[i]) == 0)
			return (enum ov2_build_fault)i;
	return OV2_FAULT_COUNT;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t
addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* UDP checksum of the len-byte datagram p (its checksum field zero) over
 * the IPv4 or IPv6 pseudo header (RFC 768, RFC 8200 8.1); 0 becomes
 * 0xffff (0 means "no checksum"). */
static uint16_t
udp_csum(uint8_t family, const uint8_t *src, const uint8_t *dst, const uint8_t *p,
	 uint16_t len)
{
	uint8_t pseudo[4];
	uint32_t sum;
	uint16_t ck;

	sum = csum_add(0, src, addr_len(family));
	sum = csum_add(sum, dst, addr_len(family));
	put16(pseudo, IPPROTO_UDP4);
	put16(pseudo + 2, len);
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	ck = csum_fold(csum_add(sum, p, len));
	return ck == 0 ? 0xffff : ck;
}

/* SipHash-2-4 (Aumasson, Bernstein): the keyed PRF of the CBC IVs. */
static uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl64(v[1], 13); v[1] ^= v[0]; v[0] = rotl64(v[0], 32);
	v[2] += v[3]; v[3] = rotl64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl64(v[1], 17); v[1] ^= v[2]; v[2] = rotl64(v[2], 32);
}

static uint64_t
siphash24(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (; i < len; i++)
		b |= (uint64_t)in[i] << (8 * (i % 8));
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void
put64le(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = v & 0xff;
}

/*
 * CBC IV (RFC 3602 2.3: unpredictable; RFC 2451 3 likewise for 3DES):
 * SipHash-2-4 of (seq, block index) under a 128-bit key that is itself
 * SipHash of the SA's SPI and keys (a fixed public key: only the SA's
 * secret keys make it secret). Deterministic, so the same options give the
 * same bytes, but not predictable without the SA's keys.
 */
static void
cbc_iv(const struct ov2_sa_conf *conf, uint64_t seq, uint8_t *iv, unsigned int iv_len)
{
	static const uint8_t fixed[16] = { 'o', 'v', '2', 'g', 'e', 'n', ' ', 'C',
					   'B', 'C', ' ', 'I', 'V', ' ', 'k', 0 };
	uint8_t buf[4 + sizeof(conf->key) + sizeof(conf->auth_key) + 1], key[16], m[9];
	size_t n = 0;
	unsigned int j;

	put32(buf, conf->spi);
	n = 4;
	memcpy(buf + n, conf->key, conf->key_len);
	n += conf->key_len;
	memcpy(buf + n, conf->auth_key, conf->auth_key_len);
	n += conf->auth_key_len;
	buf[n++] = 0;
	put64le(key, siphash24(fixed, buf, n));
	buf[n - 1] = 1;
	put64le(key + 8, siphash24(fixed, buf, n));
	put32(m, (uint32_t)(seq >> 32));
	put32(m + 4, (uint32_t)seq);
	for (j = 0; j * 8 < iv_len; j++) {
		m[8] = (uint8_t)j;
		put64le(iv + 8 * j, siphash24(key, m, sizeof(m)));
	}
	memset(buf, 0, sizeof(buf));
	memset(key, 0, sizeof(key));
}

static size_t
write_eth(uint8_t *p, uint8_t family)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02,		/* destination */
		0x02, 0, 0, 0, 0, 0x01,		/* source */
	};

	memcpy(p, macs, sizeof(macs));
	put16(p + 12, family == 4 ? ETHERTYPE_IP4 : ETHERTYPE_IP6);
	return ETH_LEN;
}

/* IPv4 header of hl bytes (20, or 24 with NOP,NOP,NOP,EOL), checksummed. */
static void
write_ip4(uint8_t *p, uint8_t hl, uint16_t total, uint16_t id, uint16_t frag,
	  uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 };

	p[0] = 0x40 | (hl / 4);
	p[1] = 0;
	put16(p + 2, total);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	if (hl > IP4_LEN)
		memcpy(p + IP4_LEN, opts, sizeof(opts));
	put16(p + 10, csum_fold(csum_add(0, p, hl)));
}

static void
write_ip6(uint8_t *p, uint16_t payload_len, uint8_t nh,
	  const uint8_t *src, const uint8_t *dst)
{
	put32(p, 0x60000000);
	put16(p + 4, payload_len);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* L4 packet of len bytes: UDP (with checksum) + pattern, or pattern only. */
static void
write_l4(uint8_t *p, uint16_t len, uint8_t l4, uint32_t flow, uint8_t family,
	 const uint8_t *src, const uint8_t *dst)
{
	uint16_t i, start = l4 == 17 ? UDP_LEN : 0;

	for (i = start; i < len; i++)
		p[i] = (uint8_t)(flow * 131u + i * 7u + 0x3b);
	if (l4 != 17)
		return;
	put16(p, 10000 + flow % 20000);
	put16(p + 2, 30000 + (flow / 7) % 20000);
	put16(p + 4, len);
	put16(p + 6, 0);
	put16(p + 6, udp_csum(family, src, dst, p, len));
}

/* A whole IP packet of size bytes: header, then the L4 packet. */
static void
write_plain(uint8_t *p, uint8_t family, const uint8_t *src, const uint8_t *dst,
	    uint16_t id, uint8_t l4, uint16_t size, uint32_t flow)
{
	if (family == 4) {
		write_ip4(p, IP4_LEN, size, id, 0, l4, src, dst);
		write_l4(p + IP4_LEN, size - IP4_LEN, l4, flow, 4, src, dst);
		return;
	}
	write_ip6(p, size - IP6_LEN, l4, src, dst);
	write_l4(p + IP6_LEN, size - IP6_LEN, l4, flow, 6, src, dst);
}

/* Addresses of inner / cleartext packets: 192.168.F.1 -> .2, fd00::.. */
static void
inner_addrs(uint8_t family, uint32_t flow, uint8_t *src, uint8_t *dst)
{
	memset(src, 0, 16);
	memset(dst, 0, 16);
	if (family == 4) {
		src[0] = dst[0] = 192;
		src[1] = dst[1] = 168;
		src[2] = dst[2] = flow & 0xff;
		src[3] = 1;
		dst[3] = 2;
		return;
	}
	src[0] = dst[0] = 0xfd;
	put32(src + 8, flow);
	put32(dst + 8, flow);
	src[15] = 1;
	dst[15] = 2;
}

static uint16_t
min_size(uint8_t family)
{
	return family == 4 ? IP4_LEN + UDP_LEN : IP6_LEN + UDP_LEN;
}

/* Outer family and addresses from the SA (defaults when not given). */
static int
resolve_addrs(const struct ov2_sa_conf *conf, struct layout *L,
	      char *err, size_t errlen)
{
	static const uint8_t def4_src[4] = { 10, 99, 0, 1 };
	static const uint8_t def4_dst[4] = { 10, 99, 0, 2 };
	static const uint8_t def6_src[16] = { 0xfd, 0x99, [15] = 1 };
	static const uint8_t def6_dst[16] = { 0xfd, 0x99, [15] = 2 };

	switch (conf->mode) {
	case OV2_MODE_TUNNEL4: L->family = 4; break;
	case OV2_MODE_TUNNEL6: L->family = 6; break;
	case OV2_MODE_TRANSPORT:
		L->family = conf->dst.family ? conf->dst.family :
			    conf->src.family ? conf->src.family : 4;
		break;
	default:
		snprintf(err, errlen, "SA 0x%x: unknown mode %u", conf->spi, conf->mode);
		return -1;
	}
	if ((conf->src.family && conf->src.family != L->family) ||
	    (conf->dst.family && conf->dst.family != L->family)) {
		snprintf(err, errlen, "SA 0x%x: address family does not match its mode",
			 conf->spi);
		return -1;
	}
	memset(L->src, 0, sizeof(L->src));
	memset(L->dst, 0, sizeof(L->dst));
	memcpy(L->src, conf->src.family ? conf->src.a :
	       L->family == 4 ? def4_src : def6_src, addr_len(L->family));
	memcpy(L->dst, conf->dst.family ? conf->dst.a :
	       L->family == 4 ? def4_dst : def6_dst, addr_len(L->family));
	return 0;
}

static int
check_fault(const struct ov2_sa_conf *conf, const struct ov2_build_opts *o,
	    const struct layout *L, char *err, size_t errlen)
{
	if ((unsigned int)o->fault >= OV2_FAULT_COUNT) {
		snprintf(err, errlen, "unknown fault %d", (int)o->fault);
		return -1;
	}
	if (o->fault == OV2_FAULT_IPV4_OPTIONS && L->family != 4) {
		snprintf(err, errlen, "SA 0x%x: ipv4-options needs an IPv4 outer header",
			 conf->spi);
		return -1;
	}
	if (o->fault == OV2_FAULT_BAD_INNER && !L->tunnel) {
		snprintf(err, errlen, "SA 0x%x: bad-inner needs a tunnel SA", conf->spi);
		return -1;
	}
	return 0;
}

static int
resolve_sizes(const struct ov2_build_opts *o, struct layout *L,
	      char *err, size_t errlen)
{
	unsigned int pad, frame;

	if (o->size < min_size(L->dfamily)) {
		snprintf(err, errlen, "size %u too small for IPv%u/UDP (minimum %u)",
			 o->size, L->dfamily, min_size(L->dfamily));
		return -1;
	}
	if (o->pad_extra % L->align) {
		snprintf(err, errlen, "pad_extra %u is not a multiple of %u (the SA's alignment)",
			 o->pad_extra, L->align);
		return -1;
	}
	/* RFC 4303 2.4: payload + padding + 2 a multiple of the block size
	 * and of 4 (block sizes are powers of 2: a multiple of the larger) */
	L->plen = L->tunnel ? o->size : o->size - (L->family == 4 ? IP4_LEN : IP6_LEN);
	pad = (L->align - (L->plen + 2u) % L->align) % L->align + o->pad_extra;
	if (o->fault == OV2_FAULT_BAD_PAD && pad == 0)
		pad = L->align;
	if (pad > 255) {
		snprintf(err, errlen, "padding of %u bytes exceeds 255", pad);
		return -1;
	}
	L->pad = (uint8_t)pad;
	L->hl = L->family == 6 ? IP6_LEN :
		o->fault == OV2_FAULT_IPV4_OPTIONS ? IP4_LEN + 4 : IP4_LEN;
	L->ah = o->fault == OV2_FAULT_WRONG_PROTO ? AH_FAULT_LEN : 0;
	L->ip_len = L->hl + L->ah + L->udp + OV2_ESP_HDR_LEN + L->iv_len + L->plen +
		    L->pad + 2 + L->icv_len;
	frame = ETH_LEN + L->ip_len + (o->fault == OV2_FAULT_FRAGMENT ? IP6_FRAG_LEN : 0);
	if (frame > OV2_BUILD_MAX_FRAME) {
		snprintf(err, errlen, "size %u gives a %u-byte frame (maximum %u)",
			 o->size, frame, OV2_BUILD_MAX_FRAME);
		return -1;
	}
	return 0;
}

static int
resolve(const struct ov2_sa_conf *conf, const struct ov2_crypto *c,
	const struct ov2_build_opts *o, struct layout *L, char *err, size_t errlen)
{
	uint8_t inner;

	memset(L, 0, sizeof(*L));
	if (conf->proto != OV2_IPPROTO_ESP || c->ops == NULL || c->icv_len == 0 ||
	    c->block == 0) {
		snprintf(err, errlen, "SA 0x%x: not an initialised ESP SA", conf->spi);
		return -1;
	}
	L->esn = (conf->flags & OV2_SA_F_ESN) != 0;
	if (!L->esn && o->seq > UINT32_MAX) {
		snprintf(err, errlen, "SA 0x%x: sequence number %" PRIu64 " exceeds 2^32-1 "
			 "and the SA has no esn", conf->spi, o->seq);
		return -1;
	}
	L->iv_len = c->iv_len;
	L->icv_len = c->icv_len;
	L->align = c->block > 4 ? c->block : 4;
	L->cbc = conf->cipher == OV2_CIPHER_AES_128_CBC || conf->cipher == OV2_CIPHER_AES_192_CBC ||
		 conf->cipher == OV2_CIPHER_AES_256_CBC || conf->cipher == OV2_CIPHER_DES_CBC ||
		 conf->cipher == OV2_CIPHER_3DES_CBC;
	if (resolve_addrs(conf, L, err, errlen) < 0)
		return -1;
	/* RFC 3948 encapsulates ESP only: the AH packet of WRONG_PROTO goes
	 * without UDP */
	L->udp = (conf->flags & OV2_SA_F_UDP_ENCAP) && o->fault != OV2_FAULT_WRONG_PROTO ?
		 UDP_LEN : 0;
	L->proto = o->fault == OV2_FAULT_WRONG_PROTO ? OV2_IPPROTO_AH :
		   L->udp ? IPPROTO_UDP4 : OV2_IPPROTO_ESP;
	L->tunnel = conf->mode != OV2_MODE_TRANSPORT;
	inner = o->inner_family ? o->inner_family : L->family;
	if (L->tunnel && inner != 4 && inner != 6) {
		snprintf(err, errlen, "inner family %u is not 4 or 6", o->inner_family);
		return -1;
	}
	L->dfamily = L->tunnel ? inner : L->family;
	L->l4 = o->l4_proto ? o->l4_proto : 17;
	L->nh = !L->tunnel ? L->l4 : inner == 4 ? NH_IPV4 : NH_IPV6;
	if (o->fault == OV2_FAULT_BAD_INNER)
		L->nh = NH_IPV4;
	L->spi = conf->spi;
	if (o->fault == OV2_FAULT_UNKNOWN_SPI)
		L->spi = o->wire_spi ? o->wire_spi : conf->spi ^ 0x5a5a0000;
	if (o->fault == OV2_FAULT_WRONG_DST)
		L->dst[addr_len(L->family) - 1]++;
	if (check_fault(conf, o, L, err, errlen) < 0)
		return -1;
	return resolve_sizes(o, L, err, errlen);
}

/* The delivered IP packet (plain[0..size)): inner packet or restored one. */
static void
build_plain(const struct ov2_build_opts *o, const struct layout *L, uint8_t *plain)
{
	uint8_t src[16], dst[16];

	if (L->tunnel) {
		inner_addrs(L->dfamily, o->flow, src, dst);
		write_plain(plain, L->dfamily, src, dst, (uint16_t)o->flow, L->l4,
			    o->size, o->flow);
		return;
	}
	/* Transport: the packet as sent, with the SA's real destination. */
	memcpy(src, L->src, sizeof(src));
	memcpy(dst, L->dst, sizeof(dst));
	if (o->fault == OV2_FAULT_WRONG_DST)
		dst[addr_len(L->family) - 1]--;
	write_plain(plain, L->family, src, dst, (uint16_t)o->seq, L->l4, o->size, o->flow);
}

static size_t
write_outer(uint8_t *p, const struct ov2_build_opts *o, const struct layout *L)
{
	if (L->family == 4)
		write_ip4(p, L->hl, (uint16_t)L->ip_len, (uint16_t)o->seq, 0, L->proto,
			  L->src, L->dst);
	else
		write_ip6(p, (uint16_t)(L->ip_len - IP6_LEN), L->proto, L->src, L->dst);
	return L->hl;
}

/* UDP-ESP (RFC 3948 2.1): the UDP header before the esp_len ESP bytes
 * that follow it. Checksum: 0 over IPv4 (RFC 3948 2.1: SHOULD be zero),
 * computed over IPv6 (RFC 8200 8.1; zero is not allowed there). */
static void
write_udp(uint8_t *p, const struct ov2_sa_conf *conf, const struct layout *L,
	  size_t esp_len)
{
	uint16_t len = (uint16_t)(UDP_LEN + esp_len);

	put16(p, conf->udp_sport);
	put16(p + 2, conf->udp_dport);
	put16(p + 4, len);
	put16(p + 6, 0);
	if (L->family == 6)
		put16(p + 6, udp_csum(6, L->src, L->dst, p, len));
}

/* WRONG_PROTO: AH header (RFC 4302) with the SA's SPI and a filler ICV. */
static size_t
write_ah(uint8_t *p, const struct ov2_build_opts *o, const struct layout *L)
{
	p[0] = OV2_IPPROTO_ESP;
	p[1] = AH_FAULT_LEN / 4 - 2;
	put16(p + 2, 0);
	put32(p + 4, L->spi);
	put32(p + 8, (uint32_t)o->seq);
	memset(p + 12, 0xa5, AH_FAULT_LEN - 12);
	return AH_FAULT_LEN;
}

/* The explicit IV (L->iv_len bytes): see ov2_build_esp() in build.h. */
static void
write_iv(uint8_t *iv, const struct ov2_sa_conf *conf, const struct ov2_build_opts *o,
	 const struct layout *L)
{
	uint64_t ctr;

	if (L->iv_len == 0)
		return;
	if (L->cbc) {
		cbc_iv(conf, o->seq, iv, L->iv_len);
		return;
	}
	/* counter IV (RFC 4106 3.1, RFC 4543 3.1, RFC 7634 2): seq is unique
	 * per packet of the SA, so is seq ^ (spi << 32) under its key */
	ctr = o->seq ^ ((uint64_t)conf->spi << 32);
	put32(iv, (uint32_t)(ctr >> 32));
	put32(iv + 4, (uint32_t)ctr);
}

/* ESP header, IV, encrypted payload + trailer, ICV; its length, or 0 if
 * ov2_crypto_esp_seal() refused it. */
static size_t
write_esp(uint8_t *p, const struct ov2_sa_conf *conf, const struct ov2_crypto *c,
	  const struct ov2_build_opts *o, const struct layout *L, const uint8_t *payload)
{
	uint8_t *ct = p + OV2_ESP_HDR_LEN + L->iv_len;
	uint32_t ct_len = L->plen + L->pad + 2u;
	uint32_t esp_len = OV2_ESP_HDR_LEN + L->iv_len + ct_len + L->icv_len;
	unsigned int i;

	put32(p, L->spi);
	put32(p + 4, (uint32_t)o->seq);		/* low half only (RFC 4303 2.2.1) */
	write_iv(p + OV2_ESP_HDR_LEN, conf, o, L);
	memcpy(ct, payload, L->plen);
	for (i = 0; i < L->pad; i++)
		ct[L->plen + i] = (uint8_t)(i + 1);
	ct[L->plen + L->pad] = L->pad;
	ct[L->plen + L->pad + 1] = L->nh;
	if (o->fault == OV2_FAULT_BAD_PAD)
		ct[L->plen] ^= 0xff;
	if (o->fault == OV2_FAULT_BAD_INNER)
		ct[0] &= 0x0f;
	/* with ESN the high half is in the ICV, never on the wire */
	if (ov2_crypto_esp_seal(c, p, esp_len, L->esn, (uint32_t)(o->seq >> 32)) != 0)
		return 0;
	if (o->fault == OV2_FAULT_BAD_ICV)
		p[esp_len - 1] ^= 0xff;
	return esp_len;
}

/* One fragment of the outer packet ip (header hl bytes) into out. */
static size_t
write_fragment(uint8_t *out, const uint8_t *ip, const struct layout *L,
	       const struct ov2_build_opts *o, uint32_t off, uint32_t len, int more)
{
	uint8_t *p = out + write_eth(out, L->family);
	const uint8_t *data = ip + L->hl + off;

	if (L->family == 4) {
		write_ip4(p, L->hl, (uint16_t)(L->hl + len), (uint16_t)o->seq,
			  (uint16_t)(off / 8 | (more ? IP4_MF : 0)), L->proto,
			  L->src, L->dst);
		memcpy(p + L->hl, data, len);
		return ETH_LEN + L->hl + len;
	}
	write_ip6(p, (uint16_t)(IP6_FRAG_LEN + len), NH_FRAG6, L->src, L->dst);
	p[IP6_LEN] = L->proto;
	p[IP6_LEN + 1] = 0;
	put16(p + IP6_LEN + 2, (uint16_t)(off | (more ? 1 : 0)));
	put32(p + IP6_LEN + 4, (uint32_t)o->seq ^ L->spi);
	memcpy(p + IP6_LEN + IP6_FRAG_LEN, data, len);
	return ETH_LEN + IP6_LEN + IP6_FRAG_LEN + len;
}

static int
split_fragments(const uint8_t *frame, const struct layout *L,
		const struct ov2_build_opts *o, uint8_t *out[2], size_t out_len[2])
{
	const uint8_t *ip = frame + ETH_LEN;
	uint32_t data = L->ip_len - L->hl;
	uint32_t first = (data / 2) & ~7u;

	out_len[0] = write_fragment(out[0], ip, L, o, 0, first, 1);
	out_len[1] = write_fragment(out[1], ip, L, o, first, data - first, 0);
	return 2;
}

/* Does ov2rx deliver a packet with this fault? (IPv4 options and fragments:
 * after its consumer processed them in software.) */
static int
delivered_fault(enum ov2_build_fault f)
{
	return f == OV2_FAULT_NONE || f == OV2_FAULT_IPV4_OPTIONS || f == OV2_FAULT_FRAGMENT;
}

/* The frame ov2rx delivers for the packet (plain: its delivered IP packet
 * built by build_plain), or 0 when it drops it. Transport mode keeps the
 * outer IPv4 options: RFC 4303 3.4.4.1 removes ESP only.
 * UDP-ESP in transport mode (RFC 3948 3.1.2): the UDP and ESP headers
 * removed, the IP header restored (protocol = ESP next header, length and
 * checksum fixed): plain again. RFC 3948 3.1.2 also lets the receiver fix
 * the inner TCP/UDP checksum a NAT on the path broke; ov2gen's traffic
 * crosses no NAT (outer addresses = the addresses of the inner checksum),
 * so the inner checksums are already right and stay as they are. */
static size_t
write_expected(const struct ov2_build_opts *o, const struct layout *L,
	       const uint8_t *plain, uint8_t *exp)
{
	size_t n = write_eth(exp, L->dfamily);

	if (!delivered_fault(o->fault))
		return 0;
	if (o->fault == OV2_FAULT_IPV4_OPTIONS && !L->tunnel) {
		write_ip4(exp + n, L->hl, (uint16_t)(o->size - IP4_LEN + L->hl),
			  (uint16_t)o->seq, 0, L->l4, plain + 12, plain + 16);
		memcpy(exp + n + L->hl, plain + IP4_LEN, o->size - IP4_LEN);
		return n + L->hl + o->size - IP4_LEN;
	}
	memcpy(exp + n, plain, o->size);
	return n + o->size;
}

int
ov2_build_esp(const struct ov2_sa_conf *conf, const struct ov2_crypto *c,
	      const struct ov2_build_opts *o, uint8_t *out[2], size_t out_len[2],
	      uint8_t *exp, size_t *exp_len, char *err, size_t errlen)
{
	uint8_t plain[OV2_BUILD_MAX_FRAME];
	uint8_t frame[OV2_BUILD_MAX_FRAME];
	struct layout L;
	uint8_t *p = frame, *udp;
	size_t esp_len;

	if (resolve(conf, c, o, &L, err, errlen) < 0)
		return -1;
	build_plain(o, &L, plain);
	p += write_eth(p, L.family);
	p += write_outer(p, o, &L);
	if (L.ah)
		p += write_ah(p, o, &L);
	udp = p;
	p += L.udp;
	esp_len = write_esp(p, conf, c, o, &L, L.tunnel ? plain : plain + (L.family == 4 ?
			    IP4_LEN : IP6_LEN));
	if (esp_len == 0) {
		snprintf(err, errlen, "SA 0x%x: ov2_crypto_esp_seal refused the packet",
			 conf->spi);
		return -1;
	}
	p += esp_len;
	if (L.udp)
		write_udp(udp, conf, &L, esp_len);
	if (exp_len != NULL)
		*exp_len = 0;
	if (exp != NULL && exp_len != NULL)
		*exp_len = write_expected(o, &L, plain, exp);
	if (o->fault == OV2_FAULT_FRAGMENT)
		return split_fragments(frame, &L, o, out, out_len);
	out_len[0] = (size_t)(p - frame);
	if (o->fault == OV2_FAULT_TRUNCATED)
		out_len[0] -= 20;
	memcpy(out[0], frame, out_len[0]);
	return 1;
}

/* IKE_SA_INIT request (RFC 7296 3.1, 3.9) after the non-ESP marker. */
static size_t
write_ike(uint8_t *p, uint32_t flow)
{
	size_t n = NON_ESP_MARKER_LEN, i;

	memset(p, 0, NON_ESP_MARKER_LEN);	/* non-ESP marker (RFC 3948 2.2) */
	put32(p + n, 0x80000000u | flow);	/* initiator SPI: never zero */
	put32(p + n + 4, flow * 2654435761u);
	memset(p + n + 8, 0, 8);		/* responder SPI: 0 in IKE_SA_INIT */
	p[n + 16] = 40;				/* next payload: Nonce */
	p[n + 17] = 0x20;			/* version 2.0 */
	p[n + 18] = 34;				/* IKE_SA_INIT */
	p[n + 19] = 0x08;			/* Initiator */
	put32(p + n + 20, 0);			/* message ID */
	put32(p + n + 24, IKE_HDR_LEN + 4 + IKE_NONCE_LEN);
	n += IKE_HDR_LEN;
	p[n] = 0;				/* no next payload */
	p[n + 1] = 0;
	put16(p + n + 2, 4 + IKE_NONCE_LEN);
	for (i = 0; i < IKE_NONCE_LEN; i++)
		p[n + 4 + i] = (uint8_t)(flow * 29u + i * 13u + 0x51);
	return n + 4 + IKE_NONCE_LEN;
}

size_t
ov2_build_nonesp(const struct ov2_sa_conf *conf, int keepalive, uint32_t flow,
		 uint8_t *out, char *err, size_t errlen)
{
	struct layout L;
	uint8_t *ip, *udp;
	size_t hl, plen;

	if (!(conf->flags & OV2_SA_F_UDP_ENCAP)) {
		snprintf(err, errlen, "SA 0x%x has no udp-encap", conf->spi);
		return 0;
	}
	memset(&L, 0, sizeof(L));
	if (resolve_addrs(conf, &L, err, errlen) < 0)
		return 0;
	hl = L.family == 4 ? IP4_LEN : IP6_LEN;
	ip = out + write_eth(out, L.family);
	udp = ip + hl;
	if (keepalive) {
		udp[UDP_LEN] = 0xff;		/* RFC 3948 2.3 */
		plen = 1;
	} else {
		plen = write_ike(udp + UDP_LEN, flow);
	}
	put16(udp, conf->udp_sport);
	put16(udp + 2, conf->udp_dport);
	put16(udp + 4, (uint16_t)(UDP_LEN + plen));
	put16(udp + 6, 0);
	put16(udp + 6, udp_csum(L.family, L.src, L.dst, udp, (uint16_t)(UDP_LEN + plen)));
	if (L.family == 4)
		write_ip4(ip, IP4_LEN, (uint16_t)(hl + UDP_LEN + plen), (uint16_t)flow, 0,
			  IPPROTO_UDP4, L.src, L.dst);
	else
		write_ip6(ip, (uint16_t)(UDP_LEN + plen), IPPROTO_UDP4, L.src, L.dst);
	return ETH_LEN + hl + UDP_LEN + plen;
}

size_t
ov2_build_clear(uint8_t family, uint16_t size, uint32_t flow, uint8_t *out)
{
	uint8_t src[16], dst[16];

	if (family != 4 && family != 6)
		return 0;
	if (size < min_size(family) || ETH_LEN + (size_t)size > OV2_BUILD_MAX_FRAME)
		return 0;
	inner_addrs(family, flow, src, dst);
	write_eth(out, family);
	write_plain(out + ETH_LEN, family, src, dst, (uint16_t)flow, 17, size, flow);
	return ETH_LEN + (size_t)size;
}
