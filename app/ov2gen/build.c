/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builder: ESP (AES-GCM, RFC 4106 / RFC 4303) in Ethernet frames,
 * tunnel or transport, good or with one fault, plus the frame ov2rx must
 * deliver for a good one.
 */
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
	size_t alen = addr_len(family);
	uint16_t i, start = l4 == 17 ? UDP_LEN : 0;
	uint8_t pseudo[4];
	uint32_t sum;
	uint16_t ck;

	for (i = start; i < len; i++)
		p[i] = (uint8_t)(flow * 131u + i * 7u + 0x3b);
	if (l4 != 17)
		return;
	put16(p, 10000 + flow % 20000);
	put16(p + 2, 30000 + (flow / 7) % 20000);
	put16(p + 4, len);
	put16(p + 6, 0);
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	put16(pseudo, 0);
	put16(pseudo + 2, len);
	pseudo[1] = 17;
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	ck = csum_fold(csum_add(sum, p, len));
	put16(p + 6, ck == 0 ? 0xffff : ck);
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
	if (o->pad_extra % 4) {
		snprintf(err, errlen, "pad_extra %u is not a multiple of 4", o->pad_extra);
		return -1;
	}
	L->plen = L->tunnel ? o->size : o->size - (L->family == 4 ? IP4_LEN : IP6_LEN);
	pad = (4 - (L->plen + 2u) % 4) % 4 + o->pad_extra;
	if (o->fault == OV2_FAULT_BAD_PAD && pad == 0)
		pad = 4;
	if (pad > 255) {
		snprintf(err, errlen, "padding of %u bytes exceeds 255", pad);
		return -1;
	}
	L->pad = (uint8_t)pad;
	L->hl = L->family == 6 ? IP6_LEN :
		o->fault == OV2_FAULT_IPV4_OPTIONS ? IP4_LEN + 4 : IP4_LEN;
	L->ah = o->fault == OV2_FAULT_WRONG_PROTO ? AH_FAULT_LEN : 0;
	L->ip_len = L->hl + L->ah + OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN + L->plen +
		    L->pad + 2 + OV2_GCM_ICV_LEN;
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
	if (c->aead == OV2_AEAD_NONE || c->iv_len != OV2_GCM_IV_LEN ||
	    c->icv_len != OV2_GCM_ICV_LEN) {
		snprintf(err, errlen, "SA 0x%x: crypto state not initialised", conf->spi);
		return -1;
	}
	if (resolve_addrs(conf, L, err, errlen) < 0)
		return -1;
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
		L->spi ^= 0x5a5a0000;
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
	uint8_t proto = L->ah ? OV2_IPPROTO_AH : OV2_IPPROTO_ESP;

	if (L->family == 4)
		write_ip4(p, L->hl, (uint16_t)L->ip_len, (uint16_t)o->seq, 0, proto,
			  L->src, L->dst);
	else
		write_ip6(p, (uint16_t)(L->ip_len - IP6_LEN), proto, L->src, L->dst);
	return L->hl;
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

/* ESP header, IV, encrypted payload + trailer, ICV. */
static size_t
write_esp(uint8_t *p, const struct ov2_crypto *c, const struct ov2_build_opts *o,
	  const struct layout *L, const uint8_t *payload)
{
	uint64_t iv = o->seq ^ ((uint64_t)L->spi << 32);
	uint8_t *ct = p + OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN;
	uint32_t ct_len = L->plen + L->pad + 2u;
	unsigned int i;

	put32(p, L->spi);
	put32(p + 4, (uint32_t)o->seq);
	put32(p + 8, (uint32_t)(iv >> 32));
	put32(p + 12, (uint32_t)iv);
	memcpy(ct, payload, L->plen);
	for (i = 0; i < L->pad; i++)
		ct[L->plen + i] = (uint8_t)(i + 1);
	ct[L->plen + L->pad] = L->pad;
	ct[L->plen + L->pad + 1] = L->nh;
	if (o->fault == OV2_FAULT_BAD_PAD)
		ct[L->plen] ^= 0xff;
	if (o->fault == OV2_FAULT_BAD_INNER)
		ct[0] &= 0x0f;
	ov2_crypto_esp_seal(c, p, OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN + ct_len + OV2_GCM_ICV_LEN,
			    0, 0);
	if (o->fault == OV2_FAULT_BAD_ICV)
		ct[ct_len + OV2_GCM_ICV_LEN - 1] ^= 0xff;
	return OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN + ct_len + OV2_GCM_ICV_LEN;
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
			  (uint16_t)(off / 8 | (more ? IP4_MF : 0)), OV2_IPPROTO_ESP,
			  L->src, L->dst);
		memcpy(p + L->hl, data, len);
		return ETH_LEN + L->hl + len;
	}
	write_ip6(p, (uint16_t)(IP6_FRAG_LEN + len), NH_FRAG6, L->src, L->dst);
	p[IP6_LEN] = OV2_IPPROTO_ESP;
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
 * outer IPv4 options: RFC 4303 3.4.4.1 removes ESP only. */
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
	uint8_t *p = frame;

	if (resolve(conf, c, o, &L, err, errlen) < 0)
		return -1;
	build_plain(o, &L, plain);
	p += write_eth(p, L.family);
	p += write_outer(p, o, &L);
	if (L.ah)
		p += write_ah(p, o, &L);
	p += write_esp(p, c, o, &L, L.tunnel ? plain : plain + (L.family == 4 ?
			IP4_LEN : IP6_LEN));
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
