/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AH module (lib/ah.c): ICV input with the mutable fields zeroed,
 * verification, sealing, decapsulation.
 *
 * Without arguments, on packets built here:
 *  - syntax: every malformed case (AH too short, Payload Len not the
 *    algorithm's, IPv6 misalignment, AH past the packet, wrong ah_off,
 *    lengths, IPv4 fragments, bad IPv4 options, bad IPv6 extension
 *    headers, unpredictable routing headers, oversize) gives -EINVAL from
 *    verify and seal, with the packet on a read-only page right before (and
 *    in a second run right after) an inaccessible one: no read out of
 *    bounds, no write;
 *  - RFC 4302 rules scapy cannot check: option types by their whole value
 *    (type 20 is not Router Alert), padding after EOL, source routes and
 *    routing headers partly travelled, routing types other than 0 / 2,
 *    options after AH, the ESN high half near the crypto module's length
 *    limit (both ways of adding it give the same ICV);
 *  - random corruption: verify gives 0, -EBADMSG or -EINVAL, seal refuses
 *    exactly what verify refuses, and whatever seal accepts verifies;
 *  - decapsulation refusals, the mbuf unchanged.
 *
 * With a file argument, the packets of gen_scapy_ah.py (scapy's AH): each
 * good one verifies, gives its sequence number / next header / AH length,
 * fails with a wrong ESN half, is resealed to scapy's ICV, decapsulates to
 * scapy's sa.decrypt() byte for byte; each bad one is refused as the file
 * says; where the file has scapy's mutability mask, every header byte
 * flipped in turn verifies exactly when scapy's own verification ignores
 * it. The file must cover every algorithm x IPv4/IPv6 x transport/tunnel x
 * ESN.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "ah.h"
#include "crypto_imb.h"
#include "pkt.h"
#include "sa.h"
#include "status.h"
#include "testlib.h"

#define DELIVER		OV2_DROP_COUNT
#define PKT_MAX		65536
#define N_AUTH		16

static struct rte_mempool *mp;

/* ---- helpers ---- */

static uint64_t rng_state = 0x4302a4302a4302a5ull;

static uint32_t
rnd32(void)
{
	/* xorshift64*: reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
rnd(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd32();
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
sa_init(struct ov2_crypto *c, unsigned int auth, const uint8_t *key, uint32_t klen,
	const uint8_t *salt)
{
	struct ov2_sa_conf conf;
	char err[160];
	int rc;

	memset(&conf, 0, sizeof(conf));
	conf.proto = OV2_IPPROTO_AH;
	conf.auth = (uint8_t)auth;
	conf.auth_key_len = (uint8_t)klen;
	memcpy(conf.auth_key, key, klen);
	if (salt != NULL)
		memcpy(conf.salt, salt, 4);
	conf.flags = OV2_SA_F_DEPRECATED_OK;
	rc = ov2_crypto_init(c, &conf, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "ov2_crypto_init: %s\n", err);
	return rc;
}

/* An AH SA of the given algorithm with a random key. */
static void
sa_random(struct ov2_crypto *c, unsigned int auth)
{
	static const uint8_t klen[] = {
		[OV2_AUTH_SHA1_96] = 20, [OV2_AUTH_SHA256_128] = 32,
		[OV2_AUTH_SHA384_192] = 48, [OV2_AUTH_SHA512_256] = 64,
		[OV2_AUTH_MD5_96] = 16, [OV2_AUTH_AES_128_GMAC] = 16,
		[OV2_AUTH_AES_192_GMAC] = 24, [OV2_AUTH_AES_256_GMAC] = 32,
	};
	uint8_t key[64], salt[4];

	rnd(key, sizeof(key));
	rnd(salt, sizeof(salt));
	if (sa_init(c, auth, key, klen[auth], salt) != 0)
		abort();
}

/*
 * Guarded memory: [no access][area][no access]. A packet copied to the
 * end of the area faults on any read past its end, one at its start on
 * any read before it; the area is read-only while ov2_ah_verify runs.
 */
static uint8_t *area;
static size_t area_len;

enum { AT_END, AT_START };

static void
guard_init(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *base;

	area_len = (PKT_MAX + pg - 1) / pg * pg;
	base = mmap(NULL, area_len + 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		abort();
	area = base + pg;
}

static uint8_t *
guarded(const uint8_t *src, uint32_t len, int where, int prot)
{
	uint8_t *p = where == AT_END ? area + area_len - len : area;

	if (mprotect(area, area_len, PROT_READ | PROT_WRITE) != 0)
		abort();
	memcpy(p, src, len);
	if (mprotect(area, area_len, prot) != 0)
		abort();
	return p;
}

/* ov2_ah_verify on read-only guarded copies at both ends of the area. */
static int
verify_g(const struct ov2_crypto *c, const uint8_t *pkt, uint32_t len, uint32_t ah_off,
	 int esn, uint32_t hi)
{
	int r1, r2;

	r1 = ov2_ah_verify(c, guarded(pkt, len, AT_END, PROT_READ), len, ah_off, esn, hi,
			   NULL, NULL, NULL);
	r2 = ov2_ah_verify(c, guarded(pkt, len, AT_START, PROT_READ), len, ah_off, esn, hi,
			   NULL, NULL, NULL);
	if (r1 != r2) {
		fprintf(stderr, "verify differs with the packet at the start / end: %d %d\n",
			r1, r2);
		return 1;	/* neither 0 nor an error code: fails any check */
	}
	return r1;
}

/* ov2_ah_seal on a writable guarded copy (end of the area); *out gets it. */
static int
seal_g(const struct ov2_crypto *c, const uint8_t *pkt, uint32_t len, uint32_t ah_off,
       int esn, uint32_t hi, uint8_t *out)
{
	uint8_t *p = guarded(pkt, len, AT_END, PROT_READ | PROT_WRITE);
	int rc = ov2_ah_seal(c, p, len, ah_off, esn, hi);

	if (out != NULL)
		memcpy(out, p, len);
	return rc;
}

/* Where AH starts (IPv4 header, IPv6 + hop-by-hop / routing / destination
 * options); 0 when there is no AH there. Independent of lib/pkt.c. */
static uint32_t
find_ah(const uint8_t *p, uint32_t len)
{
	uint32_t off;
	uint8_t nh;

	if (len >= 20 && (p[0] >> 4) == 4) {
		off = (uint32_t)(p[0] & 0xf) * 4;
		return p[9] == OV2_IPPROTO_AH && off <= len ? off : 0;
	}
	if (len < 40 || (p[0] >> 4) != 6)
		return 0;
	nh = p[6];
	off = 40;
	while ((nh == 0 || nh == 43 || nh == 60) && off + 8 <= len) {
		nh = p[off];
		off += ((uint32_t)p[off + 1] + 1) * 8;
	}
	return nh == OV2_IPPROTO_AH && off <= len ? off : 0;
}

/* AH length on the wire for c (RFC 4302 2.2). */
static uint32_t
ah_len_of(const struct ov2_crypto *c, int v6)
{
	uint32_t a = v6 ? 8 : 4;

	return (12u + c->iv_len + c->icv_len + a - 1) & ~(a - 1);
}

/* ---- packets built here ---- */

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
	uint32_t ah_off;
};

static uint32_t
put_ah(uint8_t *a, const struct ov2_crypto *c, int v6, uint8_t nh)
{
	uint32_t n = ah_len_of(c, v6);

	memset(a, 0, n);
	a[0] = nh;
	a[1] = (uint8_t)(n / 4 - 2);
	a[4] = 0x0a;			/* SPI */
	a[7] = 0x51;
	rnd(a + 8, 4);			/* sequence number */
	rnd(a + 12, c->iv_len);		/* GMAC IV */
	memset(a + 12 + c->iv_len, 0xee, c->icv_len);	/* sealed later */
	return n;
}

/* IPv4 + options (olen, a multiple of 4) + AH + plen payload bytes. */
static void
build_v4(struct pkt *p, const struct ov2_crypto *c, const uint8_t *opts, uint32_t olen,
	 uint8_t nh, uint32_t plen)
{
	uint8_t *b = p->b;

	memset(b, 0, 20);
	b[0] = (uint8_t)(0x40 | (20 + olen) / 4);
	b[1] = 0x28;
	b[4] = 0x12;
	b[6] = 0x40;			/* DF */
	b[8] = 64;
	b[9] = OV2_IPPROTO_AH;
	memcpy(b + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x02", 8);
	if (olen != 0)
		memcpy(b + 20, opts, olen);
	p->ah_off = 20 + olen;
	p->len = p->ah_off + put_ah(b + p->ah_off, c, 0, nh);
	rnd(b + p->len, plen);
	p->len += plen;
	put16(b + 2, p->len);
	ov2_ipv4_cksum_set(b);
}

/* IPv6 + extension headers (elen bytes; first_nh names the first, the
 * caller chained them, the last naming AH) + AH + plen payload bytes. */
static void
build_v6(struct pkt *p, const struct ov2_crypto *c, uint8_t first_nh, const uint8_t *ext,
	 uint32_t elen, uint8_t nh, uint32_t plen)
{
	uint8_t *b = p->b;

	memset(b, 0, 40);
	b[0] = 0x6a;			/* traffic class, flow label set */
	b[1] = 0xbc;
	b[2] = 0xde;
	b[3] = 0xf0;
	b[6] = elen != 0 ? first_nh : OV2_IPPROTO_AH;
	b[7] = 64;
	memcpy(b + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(b + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	if (elen != 0)
		memcpy(b + 40, ext, elen);
	p->ah_off = 40 + elen;
	p->len = p->ah_off + put_ah(b + p->ah_off, c, 1, nh);
	rnd(b + p->len, plen);
	p->len += plen;
	put16(b + 4, p->len - 40);
}

static int
seal_pkt(const struct ov2_crypto *c, struct pkt *p, int esn, uint32_t hi)
{
	return ov2_ah_seal(c, p->b, p->len, p->ah_off, esn, hi);
}

/* ---- mbufs ---- */

static const uint8_t eth_hdr[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

/* Ethernet (+ an 802.1Q tag) + pkt + pad trailing bytes; NULL if too big. */
static struct rte_mbuf *
mk_frame(const uint8_t *pkt, uint32_t len, int vlan, uint32_t pad)
{
	uint16_t type = (pkt[0] >> 4) == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	uint32_t l2 = vlan ? 18 : 14;
	struct rte_mbuf *m;
	uint8_t *f;

	if (l2 + len + pad > (uint32_t)rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM)
		return NULL;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		abort();
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + len + pad));
	memcpy(f, eth_hdr, 12);
	if (vlan) {
		put16(f + 12, RTE_ETHER_TYPE_VLAN);
		put16(f + 14, 0x0123);
	}
	put16(f + l2 - 2, type);
	memcpy(f + l2, pkt, len);
	memset(f + l2 + len, 0xcc, pad);
	return m;
}

/*
 * Frame pkt, parse it, decapsulate; the result must be the link header
 * (ethertype of the inner packet in tunnel mode) then exactly plain.
 * Returns 1 when it is, -1 when the frame does not fit an mbuf.
 */
static int
decap_matches(const uint8_t *pkt, uint32_t len, int tunnel, const uint8_t *plain,
	      uint32_t plain_len, int vlan, uint32_t pad)
{
	struct rte_mbuf *m = mk_frame(pkt, len, vlan, pad);
	struct ov2_pkt_info pi, pi2;
	uint8_t hdr[18];
	unsigned int r;
	int ok;

	if (m == NULL)
		return -1;
	ok = ov2_pkt_parse(m, &pi) == OV2_PKT_OK && pi.proto == OV2_IPPROTO_AH &&
	     pi.l3_len == find_ah(pkt, len) && pi.ip_len == len;
	if (!ok) {
		fprintf(stderr, "  ov2_pkt_parse does not see an AH packet\n");
		rte_pktmbuf_free(m);
		return 0;
	}
	memcpy(hdr, rte_pktmbuf_mtod(m, uint8_t *), pi.l2_len);
	if (tunnel)
		put16(hdr + pi.l2_type_off,
		      (plain[0] >> 4) == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	r = ov2_ah_decap(m, pi.l2_len, pi.l2_type_off, pi.l3_len, pi.l3_nh_off, tunnel);
	ok = r == DELIVER && m->data_len == pi.l2_len + plain_len && m->pkt_len == m->data_len &&
	     memcmp(rte_pktmbuf_mtod(m, uint8_t *), hdr, pi.l2_len) == 0 &&
	     memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, pi.l2_len), plain, plain_len) == 0;
	if (!ok)
		fprintf(stderr, "  decap: reason %u, %u bytes, want %u\n", r, m->data_len,
			pi.l2_len + plain_len);
	/* and the result parses as the IP packet it is */
	ok &= ov2_pkt_parse(m, &pi2) == OV2_PKT_OK && pi2.ip_len == plain_len;
	rte_pktmbuf_free(m);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The scapy vectors                                                   */
/* ------------------------------------------------------------------ */

#define VFIELDS 8

struct vfield {
	char name[16];
	uint8_t *b;
	uint32_t len;
};

struct vec {
	char id[16];
	char attrs[512];
	unsigned int n;
	struct vfield f[VFIELDS];
};

static const struct vfield *
vfield(const struct vec *v, const char *name)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->f[i].name, name) == 0)
			return &v->f[i];
	return NULL;
}

/* " k=v" in the attributes: v into out ("" when absent). */
static const char *
vattr(const struct vec *v, const char *k, char *out, size_t outlen)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", k);
	out[0] = '\0';
	p = strstr(v->attrs, pat);
	if (p == NULL)
		return out;
	p += strlen(pat);
	n = strcspn(p, " \n");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_vfield(const char *line, struct vec *v)
{
	const char *colon = strchr(line, ':');
	struct vfield *f;
	size_t nl, i, n;

	if (colon == NULL || v->n == VFIELDS)
		return -1;
	f = &v->f[v->n];
	nl = (size_t)(colon - line);
	if (nl == 0 || nl >= sizeof(f->name))
		return -1;
	memcpy(f->name, line, nl);
	f->name[nl] = '\0';
	colon += 2;
	n = strcspn(colon, "\r\n");
	if (n % 2 != 0 || n / 2 > PKT_MAX)
		return -1;
	f->b = malloc(n / 2 + 1);
	if (f->b == NULL)
		abort();
	for (i = 0; i < n; i += 2) {
		int hi = hexval(colon[i]), lo = hexval(colon[i + 1]);

		if (hi < 0 || lo < 0) {
			free(f->b);
			return -1;
		}
		f->b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	f->len = (uint32_t)(n / 2);
	v->n++;
	return 0;
}

static void
vec_clear(struct vec *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		free(v->f[i].b);
	memset(v, 0, sizeof(*v));
}

static unsigned int
auth_of(const char *name)
{
	unsigned int i;

	for (i = 1; i < N_AUTH; i++)
		if (ov2_auth_name(i) != NULL && strcmp(ov2_auth_name(i), name) == 0)
			return i;
	return 0;
}

/* what the file covered: [auth][v6][tunnel][esn] verified and decapsulated */
static uint8_t cov[N_AUTH][2][2][2];
static unsigned int n_ok, n_fail, n_inval, n_mask, n_differs, n_decap, n_sealed;
static unsigned int n_byte[3];	/* mask bytes checked: covered, mutable, malformed */

/* Every header byte flipped in turn: mask 1 (scapy ignores it) must
 * verify, 0 must not, 2 (breaks an option's TLV syntax) must be refused. */
static int
mask_matches(const struct vec *v, const struct ov2_crypto *c, const struct vfield *pkt,
	     const struct vfield *mask, uint32_t ah_off, int esn, uint32_t hi)
{
	static uint8_t b[PKT_MAX];
	uint32_t i;
	int ok = 1, r;

	memcpy(b, pkt->b, pkt->len);
	for (i = 0; i < mask->len && i < pkt->len; i++) {
		b[i] ^= 0xff;
		r = verify_g(c, b, pkt->len, ah_off, esn, hi);
		b[i] ^= 0xff;
		n_byte[mask->b[i] < 3 ? mask->b[i] : 0]++;
		if (mask->b[i] == 2 ? r != -EINVAL : (r == 0) != (mask->b[i] == 1)) {
			fprintf(stderr, "%s: byte %u flipped: ov2 says %d, mask %u\n",
				v->id, i, r, mask->b[i]);
			ok = 0;
		}
	}
	return ok;
}

static int
check_vector(const struct vec *v)
{
	const struct vfield *pkt = vfield(v, "pkt"), *key = vfield(v, "authkey"),
		*salt = vfield(v, "salt"), *hi_f = vfield(v, "seqhi"),
		*plain = vfield(v, "plain"), *mask = vfield(v, "mask");
	char a[64], expect[16], desc[160];
	static uint8_t buf[PKT_MAX];
	struct ov2_crypto c;
	uint32_t ah_off, hi, seq = 0, ah_len = 0;
	unsigned int auth;
	int esn, tunnel, v6, ok = 1, r;
	uint8_t nh = 0;

	auth = auth_of(vattr(v, "auth", a, sizeof(a)));
	esn = atoi(vattr(v, "esn", a, sizeof(a)));
	tunnel = strcmp(vattr(v, "mode", a, sizeof(a)), "tunnel") == 0;
	vattr(v, "expect", expect, sizeof(expect));
	vattr(v, "desc", desc, sizeof(desc));
	if (pkt == NULL || key == NULL || auth == 0 || (esn && hi_f == NULL) ||
	    sa_init(&c, auth, key->b, key->len, salt != NULL ? salt->b : NULL) != 0) {
		fprintf(stderr, "%s: incomplete vector\n", v->id);
		return 0;
	}
	hi = esn ? be32(hi_f->b) : 0;
	v6 = (pkt->b[0] >> 4) == 6;
	ah_off = find_ah(pkt->b, pkt->len);
	if (ah_off == 0) {
		fprintf(stderr, "%s: no AH found\n", v->id);
		return 0;
	}
	r = verify_g(&c, pkt->b, pkt->len, ah_off, esn, hi);
	if (strcmp(expect, "fail") == 0) {
		int want = strcmp(vattr(v, "why", a, sizeof(a)), "syntax") == 0 ? -EINVAL : -EBADMSG;

		n_fail++;
		ok = r == want;
		if (!ok)
			fprintf(stderr, "%s (%s): verify %d, want %d\n", v->id, desc, r, want);
		goto out;
	}
	if (strcmp(expect, "inval") == 0) {
		n_inval++;
		ok = r == -EINVAL && seal_g(&c, pkt->b, pkt->len, ah_off, esn, hi, NULL) == -EINVAL;
		if (!ok)
			fprintf(stderr, "%s (%s): not refused (%d)\n", v->id, desc, r);
		goto out;
	}
	n_ok++;
	if (strcmp(vattr(v, "scapy", a, sizeof(a)), "differs") == 0)
		n_differs++;
	if (r != 0) {
		fprintf(stderr, "%s (%s): verify %d\n", v->id, desc, r);
		ok = 0;
		goto out;
	}
	/* what the caller gets back */
	r = ov2_ah_verify(&c, pkt->b, pkt->len, ah_off, esn, hi, &seq, &nh, &ah_len);
	ok &= r == 0 && seq == be32(pkt->b + ah_off + 8) && nh == pkt->b[ah_off] &&
	      ah_len == ah_len_of(&c, v6) && ah_len == (pkt->b[ah_off + 1] + 2u) * 4;
	/* the ESN half is part of the ICV */
	if (esn) {
		ok &= verify_g(&c, pkt->b, pkt->len, ah_off, 1, hi ^ 1) == -EBADMSG;
		ok &= verify_g(&c, pkt->b, pkt->len, ah_off, 0, 0) == -EBADMSG;
	} else {
		ok &= verify_g(&c, pkt->b, pkt->len, ah_off, 1, rnd32()) == -EBADMSG;
	}
	if (!ok)
		fprintf(stderr, "%s (%s): outputs or ESN checks wrong\n", v->id, desc);
	/* sealing reproduces scapy's ICV, and writes nothing else */
	if (atoi(vattr(v, "seal", a, sizeof(a)))) {
		memcpy(buf, pkt->b, pkt->len);
		memset(buf + ah_off + 12 + c.iv_len, 0x5a, c.icv_len);
		r = seal_g(&c, buf, pkt->len, ah_off, esn, hi, buf);
		if (r != 0 || memcmp(buf, pkt->b, pkt->len) != 0) {
			fprintf(stderr, "%s (%s): seal %d, not scapy's ICV\n", v->id, desc, r);
			ok = 0;
		}
		n_sealed++;
	}
	if (plain != NULL) {
		r = decap_matches(pkt->b, pkt->len, tunnel, plain->b, plain->len,
				  n_ok % 3 == 0, (n_ok % 2) * (n_ok % 7));
		if (r == 0) {
			fprintf(stderr, "%s (%s): decapsulation is not scapy's\n", v->id, desc);
			ok = 0;
		}
		n_decap += r == 1;
	}
	if (mask != NULL) {
		ok &= mask_matches(v, &c, pkt, mask, ah_off, esn, hi);
		n_mask++;
	}
	if (ok)
		cov[auth][v6][tunnel][esn] = 1;
out:
	ov2_crypto_wipe(&c);
	return ok;
}

static void
run_vectors(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	struct vec v;
	unsigned int a, i, t, e, bad_lines = 0, n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	memset(&v, 0, sizeof(v));
	for (;;) {
		ssize_t got = getline(&line, &cap, f);

		if (got < 0 || strncmp(line, "### ", 4) == 0) {
			if (v.id[0] != '\0') {
				CHECK(check_vector(&v));
				n++;
			}
			vec_clear(&v);
			if (got < 0)
				break;
			if (sscanf(line + 4, "%15s", v.id) != 1)
				bad_lines++;
			snprintf(v.attrs, sizeof(v.attrs), " %s", line + 4 + strlen(v.id));
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (v.id[0] == '\0' || parse_vfield(line, &v) != 0)
			bad_lines++;
	}
	free(line);
	fclose(f);
	CHECK_EQ(bad_lines, 0);
	printf("scapy vectors: %u (%u good: %u resealed, %u decapsulated, %u masks, %u where "
	       "scapy differs; %u bad; %u too long)\n", n, n_ok, n_sealed, n_decap, n_mask,
	       n_differs, n_fail, n_inval);
	/* the file must not have shrunk to nothing */
	CHECK(n_ok >= 150);
	CHECK(n_fail >= 200);
	CHECK(n_mask >= 30);
	printf("mask bytes flipped: %u covered, %u mutable, %u malformed\n", n_byte[0], n_byte[1],
	       n_byte[2]);
	CHECK(n_byte[1] >= 300 && n_byte[2] >= 10);
	CHECK(n_differs >= 10);
	CHECK(n_decap + 3 >= n_ok);
	for (a = 1; a < N_AUTH; a++) {
		if (ov2_auth_name(a) == NULL)
			continue;
		for (i = 0; i < 2; i++)
			for (t = 0; t < 2; t++)
				for (e = 0; e < 2; e++) {
					if (!cov[a][i][t][e])
						fprintf(stderr, "not covered: %s IPv%d %s esn %u\n",
							ov2_auth_name(a), i ? 6 : 4,
							t ? "tunnel" : "transport", e);
					CHECK(cov[a][i][t][e]);
				}
	}
}

/* ------------------------------------------------------------------ */
/* Syntax                                                              */
/* ------------------------------------------------------------------ */

/*
 * p (valid, sealed) with edit applied must be refused with -EINVAL by
 * verify and seal, with the outputs left alone, at len / ah_off.
 */
static int
refused_at(const struct ov2_crypto *c, const uint8_t *b, uint32_t len, uint32_t ah_off,
	   const char *what)
{
	uint32_t seq = 0xdead, ah_len = 0xbeef;
	uint8_t nh = 0x77;
	int r1, r2, r3;

	r1 = verify_g(c, b, len, ah_off, 0, 0);
	r2 = ov2_ah_verify(c, guarded(b, len, AT_END, PROT_READ), len, ah_off, 1, 5, &seq, &nh,
			   &ah_len);
	r3 = seal_g(c, b, len, ah_off, 0, 0, NULL);
	if (r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && seq == 0xdead &&
	    ah_len == 0xbeef && nh == 0x77)
		return 1;
	fprintf(stderr, "not refused: %s (ICV %u): verify %d / %d, seal %d\n", what,
		c->icv_len, r1, r2, r3);
	return 0;
}

#define REFUSED(c, p, what) CHECK(refused_at(c, (p)->b, (p)->len, (p)->ah_off, what))

/* p, sealed, must verify; q is the copy the cases edit. */
static void
fresh(struct pkt *q, const struct pkt *p)
{
	memcpy(q->b, p->b, p->len);
	q->len = p->len;
	q->ah_off = p->ah_off;
}

static void
syntax_ipv4(unsigned int auth)
{
	/* router alert, NOP, security (11), NOP: 20 bytes */
	static const uint8_t opts[] = {
		0x94, 4, 0, 0, 1, 0x82, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 0,
	};
	static struct pkt p, q;
	struct ov2_crypto c;
	uint32_t al;

	sa_random(&c, auth);
	al = ah_len_of(&c, 0);
	build_v4(&p, &c, opts, sizeof(opts), IPPROTO_UDP, 40);
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 0, 0), 0);

	/* AH too short: the packet ends inside the 12-byte header */
	build_v4(&q, &c, opts, sizeof(opts), IPPROTO_UDP, 0);
	q.len = q.ah_off + 11;
	put16(q.b + 2, q.len);
	REFUSED(&c, &q, "v4 AH header cut");
	/* Payload Len one word short, one long, 0, 255 */
	fresh(&q, &p);
	q.b[q.ah_off + 1]--;
	REFUSED(&c, &q, "v4 payload len -1");
	fresh(&q, &p);
	q.b[q.ah_off + 1]++;
	REFUSED(&c, &q, "v4 payload len +1");
	fresh(&q, &p);
	q.b[q.ah_off + 1] = 0;
	REFUSED(&c, &q, "v4 payload len 0");
	fresh(&q, &p);
	q.b[q.ah_off + 1] = 255;
	REFUSED(&c, &q, "v4 payload len 255");
	/* the IPv6 padding on IPv4 (differs for SHA-256, SHA-512, GMAC) */
	if (ah_len_of(&c, 1) != al) {
		build_v4(&q, &c, opts, sizeof(opts), IPPROTO_UDP, 8);
		q.b[q.ah_off + 1] = (uint8_t)(ah_len_of(&c, 1) / 4 - 2);
		REFUSED(&c, &q, "v4 with IPv6 alignment");
	}
	/* AH running past the packet */
	fresh(&q, &p);
	q.len = q.ah_off + al - 1;
	put16(q.b + 2, q.len);
	REFUSED(&c, &q, "v4 AH past the end");
	/* ip_len and the header's total length disagree */
	CHECK(refused_at(&c, p.b, p.len - 1, p.ah_off, "v4 ip_len short"));
	fresh(&q, &p);
	put16(q.b + 2, q.len + 1);
	REFUSED(&c, &q, "v4 total length long");
	/* ah_off elsewhere */
	CHECK(refused_at(&c, p.b, p.len, p.ah_off - 4, "v4 ah_off -4"));
	CHECK(refused_at(&c, p.b, p.len, p.ah_off + 4, "v4 ah_off +4"));
	CHECK(refused_at(&c, p.b, p.len, 0, "v4 ah_off 0"));
	CHECK(refused_at(&c, p.b, p.len, p.len, "v4 ah_off len"));
	CHECK(refused_at(&c, p.b, p.len, p.len - 11, "v4 ah_off len-11"));
	CHECK(refused_at(&c, p.b, p.len, UINT32_MAX, "v4 ah_off max"));
	CHECK(refused_at(&c, p.b, p.len, UINT32_MAX - 8, "v4 ah_off max-8"));
	CHECK(refused_at(&c, p.b, 12, 0, "12 bytes"));
	CHECK(refused_at(&c, p.b, 1, 0, "1 byte"));
	/* IPv4 header */
	fresh(&q, &p);
	q.b[0] = 0x44;
	REFUSED(&c, &q, "v4 IHL 4");
	fresh(&q, &p);
	q.b[0] = (uint8_t)(0x50 | (q.b[0] & 0xf));
	REFUSED(&c, &q, "version 5");
	fresh(&q, &p);
	q.b[9] = OV2_IPPROTO_ESP;
	REFUSED(&c, &q, "v4 protocol ESP");
	fresh(&q, &p);
	q.b[6] |= 0x20;
	REFUSED(&c, &q, "v4 MF");
	fresh(&q, &p);
	q.b[7] = 1;
	REFUSED(&c, &q, "v4 fragment offset");
	/* options */
	fresh(&q, &p);
	q.b[21] = 0;
	REFUSED(&c, &q, "option length 0");
	fresh(&q, &p);
	q.b[21] = 1;
	REFUSED(&c, &q, "option length 1");
	fresh(&q, &p);
	q.b[26] = 16;		/* security option past the header */
	REFUSED(&c, &q, "option past IHL");
	fresh(&q, &p);
	q.b[39] = 0x07;		/* record route in the last byte: no length */
	REFUSED(&c, &q, "option type in the last byte");
	{
		/* source routes: type 131 len 11 pointer 4 .. */
		static const uint8_t good_sr[] = { 1, 0x83, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0 };
		static const struct {
			uint8_t off, val;
			const char *what;
		} bad[] = {
			{ 2, 10, "LSRR length not 3 + 4n" },
			{ 2, 2, "LSRR length 2" },
			{ 3, 3, "LSRR pointer 3" },
			{ 3, 0, "LSRR pointer 0" },
			{ 3, 5, "LSRR pointer unaligned" },
			{ 12, 0x89, "LSRR and SSRR" },
		};
		uint8_t o[16];
		unsigned int i;

		memcpy(o, good_sr, sizeof(o));
		build_v4(&q, &c, o, sizeof(o), IPPROTO_TCP, 10);
		CHECK_EQ(seal_pkt(&c, &q, 0, 0), 0);
		CHECK_EQ(verify_g(&c, q.b, q.len, q.ah_off, 0, 0), 0);
		for (i = 0; i < RTE_DIM(bad); i++) {
			memcpy(o, good_sr, sizeof(o));
			o[bad[i].off] = bad[i].val;
			if (bad[i].off == 12) {		/* a second route, len 3 */
				o[13] = 3;
				o[14] = 4;
			}
			build_v4(&q, &c, o, sizeof(o), IPPROTO_TCP, 10);
			REFUSED(&c, &q, bad[i].what);
		}
		memcpy(o + 12, "\x83\x03\x04\x00", 4);	/* two LSRR */
		build_v4(&q, &c, o, sizeof(o), IPPROTO_TCP, 10);
		REFUSED(&c, &q, "two LSRR");
	}
	/* too long for the crypto module, whatever the header says */
	build_v4(&q, &c, NULL, 0, IPPROTO_UDP, 0);
	q.len = OV2_AH_LEN_MAX + 1;
	put16(q.b + 2, q.len);
	REFUSED(&c, &q, "v4 65531 bytes");
	ov2_crypto_wipe(&c);
}

static void
syntax_ipv6(unsigned int auth)
{
	/* HBH (mutable option 0x3e + PadN), DestOpt (PadN), RH0 (1 address,
	 * segments left 0): 8 + 8 + 24 bytes */
	static const uint8_t ext[] = {
		60, 0, 0x3e, 2, 0xaa, 0xbb, 1, 0,
		43, 0, 1, 4, 0, 0, 0, 0,
		OV2_IPPROTO_AH, 2, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99,
	};
	static struct pkt p, q;
	struct ov2_crypto c;
	uint8_t e[sizeof(ext) + 8];
	uint32_t al;

	sa_random(&c, auth);
	al = ah_len_of(&c, 1);
	build_v6(&p, &c, 0, ext, sizeof(ext), IPPROTO_TCP, 33);
	CHECK_EQ(seal_pkt(&c, &p, 1, 77), 0);
	CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 1, 77), 0);

	/* AH: too short, Payload Len, IPv4 alignment on IPv6, past the end */
	build_v6(&q, &c, 0, ext, sizeof(ext), IPPROTO_TCP, 0);
	q.len = q.ah_off + 8;
	put16(q.b + 4, q.len - 40);
	REFUSED(&c, &q, "v6 AH header cut");
	fresh(&q, &p);
	q.b[q.ah_off + 1] -= 2;
	REFUSED(&c, &q, "v6 payload len -2");
	fresh(&q, &p);
	q.b[q.ah_off + 1] += 2;
	REFUSED(&c, &q, "v6 payload len +2");
	if (ah_len_of(&c, 0) != al) {
		fresh(&q, &p);
		q.b[q.ah_off + 1] = (uint8_t)(ah_len_of(&c, 0) / 4 - 2);
		REFUSED(&c, &q, "v6 misaligned (IPv4 padding)");
	}
	fresh(&q, &p);
	q.len = q.ah_off + al - 4;
	put16(q.b + 4, q.len - 40);
	REFUSED(&c, &q, "v6 AH past the end");
	/* lengths and offsets */
	CHECK(refused_at(&c, p.b, p.len - 1, p.ah_off, "v6 ip_len short"));
	fresh(&q, &p);
	put16(q.b + 4, 0);
	REFUSED(&c, &q, "v6 payload length 0 (jumbogram)");
	CHECK(refused_at(&c, p.b, p.len, p.ah_off - 8, "v6 ah_off at the routing header"));
	CHECK(refused_at(&c, p.b, p.len, p.ah_off + 8, "v6 ah_off past AH"));
	CHECK(refused_at(&c, p.b, p.len, 40, "v6 ah_off 40"));
	CHECK(refused_at(&c, p.b, p.len, 32, "v6 ah_off 32"));
	CHECK(refused_at(&c, p.b, p.len, p.ah_off - 4, "v6 ah_off inside"));
	fresh(&q, &p);
	q.b[6] = 60;		/* chain: DestOpt names DestOpt ... */
	q.b[40] = 0;		/* ... then hop-by-hop, not first */
	REFUSED(&c, &q, "v6 hop-by-hop not first");
	/* options */
	fresh(&q, &p);
	q.b[43] = 5;		/* 0x3e option data runs past the header */
	REFUSED(&c, &q, "v6 option past its header");
	fresh(&q, &p);
	q.b[46] = 0;		/* PadN turned into Pad1 and a type in the ... */
	q.b[47] = 0x3e;		/* ... last byte, with no room for its length */
	REFUSED(&c, &q, "v6 option without length");
	fresh(&q, &p);
	q.b[41] = 5;		/* HBH longer than the room before AH */
	REFUSED(&c, &q, "v6 extension header past AH");
	/* a fragment header (naming AH) before AH */
	memcpy(e, ext, 16);
	e[8] = 44;		/* DestOpt names a fragment header */
	/* laid out so that it would also pass as an options header */
	memcpy(e + 16, "\x33\x00\x00\x00\x01\x02\x00\x00", 8);
	build_v6(&q, &c, 0, e, 24, IPPROTO_TCP, 8);
	REFUSED(&c, &q, "v6 fragment header before AH");
	/* a non-extension header (TCP) before ah_off */
	fresh(&q, &p);
	q.b[48] = IPPROTO_TCP;
	REFUSED(&c, &q, "v6 TCP before AH");
	/* AH named before ah_off */
	fresh(&q, &p);
	q.b[48] = OV2_IPPROTO_AH;
	REFUSED(&c, &q, "v6 AH earlier than ah_off");
	/* routing headers: HBH -> RH (8 bytes) -> RH (24) -> AH */
	{
		uint8_t two[8 + 8 + 24];

		memcpy(two, ext, 8);
		two[0] = 43;
		memcpy(two + 8, "\x2b\x00\x00\x00\x00\x00\x00\x00", 8);
		memcpy(two + 16, ext + 16, 24);
		build_v6(&q, &c, 0, two, sizeof(two), IPPROTO_TCP, 8);
		REFUSED(&c, &q, "v6 two routing headers");
	}
	fresh(&q, &p);
	q.b[56 + 2] = 3;	/* type 3, segments left 1 */
	q.b[56 + 3] = 1;
	REFUSED(&c, &q, "v6 routing type 3 with segments left");
	fresh(&q, &p);
	q.b[56 + 3] = 2;	/* type 0, 1 address, segments left 2 */
	REFUSED(&c, &q, "v6 RH0 segments left > addresses");
	fresh(&q, &p);
	q.b[56 + 2] = 2;	/* type 2 with 1 address, segments left 1: fine ... */
	q.b[56 + 3] = 1;
	CHECK_EQ(seal_pkt(&c, &q, 0, 0), 0);
	CHECK_EQ(verify_g(&c, q.b, q.len, q.ah_off, 0, 0), 0);
	q.b[56 + 3] = 2;	/* ... but not 2 */
	REFUSED(&c, &q, "v6 RH2 segments left 2");
	{
		/* RH0 with an odd Hdr Ext Len (3: 1.5 addresses), segments left 1 */
		uint8_t odd[8 + 32];

		memset(odd, 0, sizeof(odd));
		odd[0] = OV2_IPPROTO_AH;
		odd[1] = 4;
		odd[3] = 1;
		build_v6(&q, &c, 43, odd, sizeof(odd), IPPROTO_TCP, 8);
		CHECK_EQ(seal_pkt(&c, &q, 0, 0), 0);	/* 2 addresses */
		q.b[41] = 3;	/* then 32 bytes: an 8-byte header past AH */
		REFUSED(&c, &q, "v6 RH0 odd length");
		/* RH2 with 2 addresses */
		q.b[41] = 4;
		q.b[42] = 2;
		REFUSED(&c, &q, "v6 RH2 with 2 addresses");
	}
	build_v6(&q, &c, 0, NULL, 0, IPPROTO_UDP, 0);
	q.len = UINT16_MAX;
	put16(q.b + 4, q.len - 40);
	REFUSED(&c, &q, "v6 65535 bytes");
	ov2_crypto_wipe(&c);
}

static void
syntax_misc(void)
{
	static struct pkt p;
	struct ov2_crypto c, esp;
	struct ov2_sa_conf conf;
	char err[128];

	sa_random(&c, OV2_AUTH_SHA1_96);
	build_v4(&p, &c, NULL, 0, IPPROTO_UDP, 20);
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 0, 0), 0);
	/* not an AH SA */
	memset(&conf, 0, sizeof(conf));
	conf.proto = OV2_IPPROTO_ESP;
	conf.cipher = OV2_CIPHER_NULL;
	conf.auth = OV2_AUTH_SHA1_96;
	conf.auth_key_len = 20;
	CHECK_EQ(ov2_crypto_init(&esp, &conf, err, sizeof(err)), 0);
	CHECK_EQ(verify_g(&esp, p.b, p.len, p.ah_off, 0, 0), -EINVAL);
	ov2_crypto_wipe(&esp);		/* ops NULL: not initialised */
	CHECK_EQ(verify_g(&esp, p.b, p.len, p.ah_off, 0, 0), -EINVAL);
	CHECK_EQ(seal_g(&esp, p.b, p.len, p.ah_off, 0, 0, NULL), -EINVAL);
	ov2_crypto_wipe(&c);
}

/* ------------------------------------------------------------------ */
/* RFC 4302 rules on packets built here                                */
/* ------------------------------------------------------------------ */

/* p sealed; p with b[pos] ^= x verifies (want 0) or not (-EBADMSG). */
static int
flip_gives(const struct ov2_crypto *c, const struct pkt *p, uint32_t pos, uint8_t x, int want,
	   const char *what)
{
	static uint8_t b[PKT_MAX];
	int r;

	memcpy(b, p->b, p->len);
	b[pos] ^= x;
	r = verify_g(c, b, p->len, p->ah_off, 0, 0);
	if (r != want)
		fprintf(stderr, "%s: byte %u ^ 0x%02x: verify %d, want %d\n", what, pos, x, r, want);
	return r == want;
}

static void
rfc_ipv4_options(void)
{
	/*
	 * 20: type 20 (copy 0: not Router Alert 148) len 4; 24: unknown
	 * 0x9e len 4; 28: Router Alert; 32: Security len 8; 40: Record
	 * Route len 7, NOP; 48: EOL then non-zero padding (to 52).
	 */
	static const uint8_t opts[] = {
		20, 4, 0x11, 0x22, 0x9e, 4, 0x33, 0x44, 0x94, 4, 0, 0,
		0x82, 8, 1, 2, 3, 4, 5, 6, 7, 7, 4, 0, 0, 0, 0, 1,
		0, 0xab, 0xcd, 0xef,
	};
	static struct pkt p;
	struct ov2_crypto c;

	sa_random(&c, OV2_AUTH_SHA256_128);
	build_v4(&p, &c, opts, sizeof(opts), IPPROTO_UDP, 64);
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK(flip_gives(&c, &p, 22, 0xff, 0, "type-20 option data (zeroed)"));
	CHECK(flip_gives(&c, &p, 20, 0x80, -EBADMSG, "type 20 made Router Alert (148)"));
	CHECK(flip_gives(&c, &p, 26, 0x5a, 0, "unknown option data (zeroed)"));
	CHECK(flip_gives(&c, &p, 30, 0x01, -EBADMSG, "router alert value"));
	CHECK(flip_gives(&c, &p, 36, 0x01, -EBADMSG, "security data"));
	CHECK(flip_gives(&c, &p, 44, 0xff, 0, "record route data"));
	CHECK(flip_gives(&c, &p, 42, 0x0c, 0, "record route pointer"));
	CHECK(flip_gives(&c, &p, 47, 0x01, -EBADMSG, "NOP (into EOL)"));
	CHECK(flip_gives(&c, &p, 50, 0x01, -EBADMSG, "padding after EOL"));
	CHECK(flip_gives(&c, &p, 1, 0xff, 0, "TOS"));
	CHECK(flip_gives(&c, &p, 6, 0x40, 0, "DF"));
	CHECK(flip_gives(&c, &p, 6, 0x80, 0, "reserved flag"));
	CHECK(flip_gives(&c, &p, 8, 0x3f, 0, "TTL"));
	CHECK(flip_gives(&c, &p, 10, 0x12, 0, "checksum"));
	CHECK(flip_gives(&c, &p, 4, 0x01, -EBADMSG, "identification"));
	CHECK(flip_gives(&c, &p, 16, 0x01, -EBADMSG, "destination"));
	ov2_crypto_wipe(&c);
}

/* RFC 791 3.1 source route at the router in the destination field. */
static void
v4_sr_hop(struct pkt *p, uint32_t opt_off, const uint8_t *me)
{
	uint8_t *o = p->b + opt_off, ptr = o[2];

	memcpy(p->b + 16, o + ptr - 1, 4);
	memcpy(o + ptr - 1, me, 4);
	o[2] = (uint8_t)(ptr + 4);
	p->b[8]--;
	ov2_ipv4_cksum_set(p->b);
}

static void
rfc_ipv4_source_route(void)
{
	/* NOP, SSRR len 15: 3 addresses; the first one already visited
	 * (pointer 8): the packet goes to .2, then .3 is final */
	static const uint8_t opts[] = {
		1, 0x89, 15, 8, 10, 9, 9, 1, 10, 0, 0, 2, 10, 0, 0, 3,
	};
	static struct pkt p;
	struct ov2_crypto c;
	int hop;

	sa_random(&c, OV2_AUTH_AES_128_GMAC);
	build_v4(&p, &c, opts, sizeof(opts), IPPROTO_UDP, 30);
	memcpy(p.b + 16, "\x0a\x00\x00\x01", 4);
	ov2_ipv4_cksum_set(p.b);
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK(flip_gives(&c, &p, 20 + 15, 0x01, -EBADMSG, "final address"));
	CHECK(flip_gives(&c, &p, 20 + 10, 0x01, 0, "next hop address (zeroed)"));
	CHECK(flip_gives(&c, &p, 19, 0x01, 0, "destination before the end"));
	for (hop = 0; hop < 2; hop++) {
		v4_sr_hop(&p, 21, hop ? (const uint8_t *)"\xc0\0\0\x02" :
					(const uint8_t *)"\xc0\0\0\x01");
		CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 0, 0), 0);
	}
	/* arrived: pointer 16 > 15, destination final and covered */
	CHECK(memcmp(p.b + 16, "\x0a\x00\x00\x03", 4) == 0);
	CHECK(flip_gives(&c, &p, 19, 0x01, -EBADMSG, "final destination"));
	CHECK(flip_gives(&c, &p, 20 + 15, 0x01, 0, "recorded address"));
	ov2_crypto_wipe(&c);
}

/* RFC 8200 4.4 type 0 / 2 at the node in the destination field. */
static void
v6_rh_hop(struct pkt *p, uint32_t rh_off)
{
	uint8_t *rh = p->b + rh_off, t[16];
	uint32_t n = rh[1] / 2, i = n - rh[3];

	memcpy(t, p->b + 24, 16);
	memcpy(p->b + 24, rh + 8 + 16 * i, 16);
	memcpy(rh + 8 + 16 * i, t, 16);
	rh[3]--;
	p->b[7]--;
}

static void
rfc_ipv6_ext(void)
{
	/* HBH: mutable option 0x3e with 4 data bytes (8 bytes) | RH0, 3
	 * addresses, 2 left: the first one visited (56) | AH | DestOpt with
	 * a 0x20 option (covered: it is after AH) */
	static uint8_t ext[8 + 56];
	static const uint8_t after[] = { IPPROTO_UDP, 0, 0x3e, 4, 9, 9, 9, 9 };
	static struct pkt p;
	struct ov2_crypto c;
	uint32_t i, rh = 48;

	memset(ext, 0, sizeof(ext));
	memcpy(ext, "\x2b\x00\x3e\x04\x01\x02\x03\x04", 8);
	ext[8] = OV2_IPPROTO_AH;
	ext[9] = 6;
	ext[11] = 2;
	for (i = 0; i < 3; i++) {
		memcpy(ext + 16 + 16 * i, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0", 15);
		ext[16 + 16 * i + 15] = (uint8_t)(0x10 + i);
	}
	sa_random(&c, OV2_AUTH_SHA512_256);
	build_v6(&p, &c, 0, ext, sizeof(ext), 60, 0);
	memcpy(p.b + p.len, after, sizeof(after));
	p.len += sizeof(after);
	rnd(p.b + p.len, 50);
	p.len += 50;
	put16(p.b + 4, p.len - 40);
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK(flip_gives(&c, &p, 44, 0xff, 0, "0x3e option data"));
	CHECK(flip_gives(&c, &p, 43, 0x01, -EINVAL, "0x3e option length"));
	CHECK(flip_gives(&c, &p, 42, 0x20, -EBADMSG, "0x3e option type (into 0x1e)"));
	CHECK(flip_gives(&c, &p, 42, 0x01, -EBADMSG, "0x3e option type (into 0x3f)"));
	CHECK(flip_gives(&c, &p, 1, 0xff, 0, "traffic class, flow label"));
	CHECK(flip_gives(&c, &p, 3, 0xff, 0, "flow label"));
	CHECK(flip_gives(&c, &p, 7, 0xff, 0, "hop limit"));
	CHECK(flip_gives(&c, &p, rh + 8 + 5, 0x01, -EBADMSG, "visited address"));
	CHECK(flip_gives(&c, &p, rh + 8 + 16 * 2 + 5, 0x01, -EBADMSG, "final address"));
	CHECK(flip_gives(&c, &p, p.ah_off + ah_len_of(&c, 1) + 4, 0x01, -EBADMSG,
			 "0x20 option after AH"));
	/* SHA-512-256 on IPv6: 12 + 32 bytes, then 4 bytes of ICV padding */
	CHECK_EQ(ah_len_of(&c, 1), 48);
	CHECK(flip_gives(&c, &p, p.ah_off + 45, 0x01, -EBADMSG, "ICV padding"));
	for (i = 0; i < 2; i++) {
		v6_rh_hop(&p, rh);
		p.b[44 + i] ^= 0x55;	/* routers rewrite the 0x3e option */
		p.b[1] ^= 0x0f;
		CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 0, 0), 0);
	}
	CHECK_EQ(p.b[rh + 3], 0);
	CHECK(flip_gives(&c, &p, 24 + 15, 0x01, -EBADMSG, "final destination"));

	/* a routing type nobody can predict is covered as it is at 0 left */
	p.b[rh + 2] = 4;
	CHECK_EQ(seal_pkt(&c, &p, 0, 0), 0);
	CHECK(flip_gives(&c, &p, rh + 8 + 3, 0x01, -EBADMSG, "type 4 address"));
	CHECK(flip_gives(&c, &p, 24 + 1, 0x01, -EBADMSG, "type 4 destination"));
	p.b[rh + 3] = 1;
	CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 0, 0), -EINVAL);
	ov2_crypto_wipe(&c);
}

/*
 * ah.c appends the ESN half to its own copy and asks the crypto module for
 * an ICV without ESN, except within 4 bytes of OV2_AH_LEN_MAX where it
 * passes esn on. Both must be the ICV the crypto module's contract gives.
 */
static void
rfc_esn_paths(unsigned int auth)
{
	static const uint32_t lens[] = { 100, 4096, OV2_AH_LEN_MAX - 4, OV2_AH_LEN_MAX - 3,
					 OV2_AH_LEN_MAX };
	static struct pkt p;
	static uint8_t ref[PKT_MAX];
	uint8_t icv[OV2_ICV_MAX];
	struct ov2_crypto c;
	uint32_t hi = 0x01020304, i, icv_off;

	sa_random(&c, auth);
	for (i = 0; i < RTE_DIM(lens); i++) {
		build_v6(&p, &c, 0, NULL, 0, IPPROTO_UDP, lens[i] - 40 - ah_len_of(&c, 1));
		CHECK_EQ(p.len, lens[i]);
		CHECK_EQ(seal_pkt(&c, &p, 1, hi), 0);
		icv_off = p.ah_off + 12 + c.iv_len;
		/* the contract of ov2_crypto_ah_icv, by hand */
		memcpy(ref, p.b, p.len);
		ref[0] &= 0xf0;
		ref[1] = ref[2] = ref[3] = 0;
		ref[7] = 0;
		memset(ref + icv_off, 0, c.icv_len);
		CHECK_EQ(ov2_crypto_ah_icv(&c, ref, p.len, c.iv_len ? ref + p.ah_off + 12 : NULL,
					   1, hi, icv), 0);
		CHECK(memcmp(icv, p.b + icv_off, c.icv_len) == 0);
		CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 1, hi), 0);
		CHECK_EQ(verify_g(&c, p.b, p.len, p.ah_off, 1, hi + 1), -EBADMSG);
	}
	ov2_crypto_wipe(&c);
}

/* ------------------------------------------------------------------ */
/* Random corruption                                                   */
/* ------------------------------------------------------------------ */

static void
fuzz(unsigned int rounds)
{
	static const uint8_t v4opts[] = {
		0x94, 4, 0, 0, 0x83, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2, 0x07, 7, 4, 0, 0, 0, 0, 0, 0,
	};
	static uint8_t v6ext[8 + 40];
	static struct pkt base[4], q;
	static uint8_t sealed[PKT_MAX];
	unsigned int auths[4] = { OV2_AUTH_SHA1_96, OV2_AUTH_AES_256_GMAC,
				  OV2_AUTH_SHA384_192, OV2_AUTH_MD5_96 };
	struct ov2_crypto c[4];
	unsigned int i, k, n_res[3] = { 0, 0, 0 }, odd = 0;

	memset(v6ext, 0, sizeof(v6ext));
	memcpy(v6ext, "\x2b\x00\x3e\x02\xaa\xbb\x00\x00", 8);
	v6ext[8] = OV2_IPPROTO_AH;
	v6ext[9] = 4;
	v6ext[11] = 2;
	for (i = 0; i < 4; i++) {
		sa_random(&c[i], auths[i]);
		if (i % 2 == 0)
			build_v4(&base[i], &c[i], v4opts, sizeof(v4opts), IPPROTO_UDP, 16 + i);
		else
			build_v6(&base[i], &c[i], 0, v6ext, sizeof(v6ext), IPPROTO_UDP, 16 + i);
		CHECK_EQ(seal_pkt(&c[i], &base[i], 0, 0), 0);
		CHECK_EQ(verify_g(&c[i], base[i].b, base[i].len, base[i].ah_off, 0, 0), 0);
	}
	for (k = 0; k < rounds; k++) {
		const struct pkt *p = &base[k % 4];
		const struct ov2_crypto *cc = &c[k % 4];
		uint32_t hdr = p->ah_off + ah_len_of(cc, (p->b[0] >> 4) == 6), n, j;
		int r, s;

		fresh(&q, p);
		n = 1 + rnd32() % 4;
		for (j = 0; j < n; j++)
			q.b[rnd32() % hdr] ^= (uint8_t)(1 + rnd32() % 255);
		switch (rnd32() % 8) {
		case 0:
			q.len = rnd32() % (q.len + 1);
			break;
		case 1:
			q.ah_off = rnd32() % (q.len + 16);
			break;
		default:
			break;
		}
		r = verify_g(cc, q.b, q.len, q.ah_off, 0, 0);
		s = seal_g(cc, q.b, q.len, q.ah_off, 0, 0, sealed);
		if (r == 0)
			n_res[0]++;
		else if (r == -EBADMSG)
			n_res[1]++;
		else if (r == -EINVAL)
			n_res[2]++;
		else
			odd++;
		/* seal refuses exactly what verify refuses; what it seals verifies */
		if ((s == -EINVAL) != (r == -EINVAL) || (s == 0 &&
		    verify_g(cc, sealed, q.len, q.ah_off, 0, 0) != 0))
			odd++;
	}
	printf("fuzz: %u rounds: %u verified, %u bad ICV, %u refused, %u wrong\n", rounds,
	       n_res[0], n_res[1], n_res[2], odd);
	CHECK_EQ(odd, 0);
	CHECK(n_res[0] > 0 && n_res[1] > 0 && n_res[2] > 0);
	for (i = 0; i < 4; i++)
		ov2_crypto_wipe(&c[i]);
}

/* ------------------------------------------------------------------ */
/* Decapsulation refusals                                              */
/* ------------------------------------------------------------------ */

/* Decapsulate a framed copy of p; on a drop the frame must be unchanged. */
static unsigned int
decap_reason(const struct pkt *p, int tunnel, int frame_cut, int nh_off_delta)
{
	struct rte_mbuf *m = mk_frame(p->b, p->len, 0, 0);
	static uint8_t before[PKT_MAX];
	uint16_t len;
	unsigned int r;

	if (m == NULL)
		abort();
	rte_pktmbuf_trim(m, (uint16_t)frame_cut);
	len = m->data_len;
	memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), len);
	r = ov2_ah_decap(m, 14, 12, p->ah_off,
			 (uint16_t)(14 + ((p->b[0] >> 4) == 4 ? 9 : 6) + nh_off_delta), tunnel);
	if (r != DELIVER)
		CHECK(m->data_len == len &&
		      memcmp(before, rte_pktmbuf_mtod(m, uint8_t *), len) == 0);
	rte_pktmbuf_free(m);
	return r;
}

static void
decap_refusals(void)
{
	static struct pkt p, in;
	struct ov2_crypto c;
	struct rte_mbuf *m, *m2;
	uint32_t al;

	sa_random(&c, OV2_AUTH_SHA256_128);
	/* a tunnel packet: IPv4 outer, IPv4 inner of 60 bytes */
	build_v4(&p, &c, NULL, 0, IPPROTO_IPIP, 60);
	al = ah_len_of(&c, 0);
	memset(p.b + p.ah_off + al, 0, 20);
	p.b[p.ah_off + al] = 0x45;
	put16(p.b + p.ah_off + al + 2, 60);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), DELIVER);
	CHECK_EQ(decap_reason(&p, 0, 0, 0), DELIVER);		/* as transport */
	/* inner one byte shorter / longer than what is left */
	put16(p.b + p.ah_off + al + 2, 59);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	put16(p.b + p.ah_off + al + 2, 61);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	put16(p.b + p.ah_off + al + 2, 60);
	p.b[p.ah_off + al] = 0x44;				/* IHL 4 */
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	p.b[p.ah_off + al] = 0x45;
	p.b[p.ah_off] = IPPROTO_IPV6;				/* IPv4 named IPv6 */
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	p.b[p.ah_off] = IPPROTO_TCP;
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	CHECK_EQ(decap_reason(&p, 0, 0, 0), DELIVER);
	p.b[p.ah_off] = IPPROTO_IPIP;
	/* IP length past the frame, AH past the IP length, ah_off wrong */
	CHECK_EQ(decap_reason(&p, 1, 1, 0), OV2_DROP_INVALID_PACKET_SYNTAX);
	CHECK_EQ(decap_reason(&p, 0, 1, 0), OV2_DROP_INVALID_PACKET_SYNTAX);
	p.b[p.ah_off + 1] = (uint8_t)((p.len - p.ah_off) / 4);
	CHECK_EQ(decap_reason(&p, 0, 0, 0), OV2_DROP_INVALID_PACKET_SYNTAX);
	p.b[p.ah_off + 1] = (uint8_t)(al / 4 - 2);
	p.ah_off += 4;
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_INVALID_PACKET_SYNTAX);
	p.ah_off -= 4;
	/* transport: the byte naming AH elsewhere */
	CHECK_EQ(decap_reason(&p, 0, 0, 3), OV2_DROP_GENERIC_ERROR);	/* source address */
	CHECK_EQ(decap_reason(&p, 0, 0, -20), OV2_DROP_GENERIC_ERROR);
	CHECK_EQ(decap_reason(&p, 0, 0, 20), OV2_DROP_GENERIC_ERROR);
	/* IPv6 tunnel, inner IPv6 whose payload length is off by 8 */
	build_v6(&p, &c, 0, NULL, 0, IPPROTO_IPV6, 48);
	al = ah_len_of(&c, 1);
	memset(p.b + p.ah_off + al, 0, 40);
	p.b[p.ah_off + al] = 0x60;
	put16(p.b + p.ah_off + al + 4, 8);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), DELIVER);
	put16(p.b + p.ah_off + al + 4, 16);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	put16(p.b + p.ah_off + al + 4, 0);
	CHECK_EQ(decap_reason(&p, 1, 0, 0), OV2_DROP_BAD_INNER);
	/* transport IPv4 result: header checksum right */
	build_v4(&in, &c, (const uint8_t *)"\x94\x04\x00\x00", 4, IPPROTO_UDP, 30);
	m = mk_frame(in.b, in.len, 0, 4);
	CHECK_EQ(ov2_ah_decap(m, 14, 12, in.ah_off, 14 + 9, 0), DELIVER);
	CHECK_EQ(m->data_len, 14 + 24 + 30);
	CHECK_EQ(rte_raw_cksum(rte_pktmbuf_mtod_offset(m, void *, 14), 24), 0xffff);
	CHECK_EQ(rte_pktmbuf_mtod_offset(m, uint8_t *, 14)[9], IPPROTO_UDP);
	rte_pktmbuf_free(m);
	/* a chained mbuf */
	m = mk_frame(in.b, in.len, 0, 0);
	m2 = rte_pktmbuf_alloc(mp);
	CHECK(m2 != NULL && rte_pktmbuf_append(m2, 4) != NULL && rte_pktmbuf_chain(m, m2) == 0);
	CHECK_EQ(ov2_ah_decap(m, 14, 12, in.ah_off, 14 + 9, 0), OV2_DROP_GENERIC_ERROR);
	rte_pktmbuf_free(m);
	ov2_crypto_wipe(&c);
}

int
main(int argc, char **argv)
{
	static const unsigned int auths[] = {
		OV2_AUTH_SHA1_96, OV2_AUTH_SHA256_128, OV2_AUTH_SHA384_192,
		OV2_AUTH_SHA512_256, OV2_AUTH_MD5_96, OV2_AUTH_AES_128_GMAC,
		OV2_AUTH_AES_192_GMAC, OV2_AUTH_AES_256_GMAC,
	};
	unsigned int i;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [VECTORS]\n", argv[0]);
		return 2;
	}
	/* a prefix of its own per mode: meson may run both at once */
	test_eal_init(argc == 2 ? "test_ah_scapy" : "test_ah");
	mp = rte_pktmbuf_pool_create("ah", 64, 0, 0, UINT16_MAX, SOCKET_ID_ANY);
	if (mp == NULL)
		return 1;
	guard_init();
	if (argc == 2) {
		run_vectors(argv[1]);
		CHECK_EQ(rte_mempool_avail_count(mp), 64);
		return test_done("test_ah (scapy vectors)");
	}
	for (i = 0; i < RTE_DIM(auths); i++) {
		syntax_ipv4(auths[i]);
		syntax_ipv6(auths[i]);
	}
	syntax_misc();
	rfc_ipv4_options();
	rfc_ipv4_source_route();
	rfc_ipv6_ext();
	rfc_esn_paths(OV2_AUTH_SHA256_128);
	rfc_esn_paths(OV2_AUTH_AES_192_GMAC);
	fuzz(20000);
	decap_refusals();
	CHECK_EQ(rte_mempool_avail_count(mp), 64);
	return test_done("test_ah");
}
