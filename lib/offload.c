/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software offload engine: the NIC side of OV2 (OV2.md, "What the NIC
 * side does before it indicates a packet"). The receive rules, in order:
 *   1. port offload off: no OOB (disabled)
 *   2. not IP, not ESP/AH (ESP in UDP to a UDP-ESP port counts as ESP; IKE
 *      and NAT keep-alives there do not), protocol not enabled on the port
 *      (disabled), SPI not in the frame, non-first fragment: no OOB
 *   3. SA lookup on (SPI, protocol, outer destination): a miss with an SA
 *      of the other protocol is CRYPTO_INVALID_PROTOCOL, else no OOB (no_sa)
 *   4. capabilities: fragments, chained mbufs, and whatever the port's
 *      capability set (caps.h) does not cover for the packet and its SA
 *      (IPv4 options, IPv6 extension headers, algorithms, ...): no OOB
 *      (unsupported); an encapsulation or bundle that does not match the
 *      SA: CRYPTO_INVALID_PROTOCOL
 *   5. lengths: CRYPTO_INVALID_PACKET_SYNTAX
 *   6. verify (and decrypt ESP) in place, with the ESN high half inferred
 *      from the SA's state: SUCCESS with the trailer's next header and pad
 *      length, or TUNNEL/TRANSPORT_ESP/AH_AUTH_FAILED (bytes restored);
 *      then a bundle's ESP, or a transport SA nested in a tunnel SA
 *      (NextCryptoDone); SaDeleteReq at a hard lifetime or at sequence
 *      number 2^32-1 without ESN
 *
 * A burst runs through three named steps, OV2_SAD_BURST_MAX packets at a
 * time: stage_parse (clear the OOB, rules 1-2, build the SA keys),
 * stage_lookup (rule 3, one bulk lookup of the first key of each run of
 * equal keys) and stage_process (rule 3 misses,
 * rule 4, then the protocol's handler: rx_esp or rx_ah for rules 5-6).
 *
 * Every packet is indicated: nothing is freed, dropped, trimmed or
 * reordered. ESP header, IV, trailer and ICV stay in the packet.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <netinet/in.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include "ah.h"
#include "crypto_imb.h"
#include "offload.h"
#include "oob.h"
#include "pkt.h"
#include "sa.h"
#include "sad.h"

#define PREFETCH_AHEAD 4	/* packets whose data is prefetched ahead */

#define ESP_TRAILER_MIN 4	/* pad length + next header, 4-byte aligned */

/* Rule 4: packets this engine cannot process are indicated without further
 * IPsec processing, unless its capabilities (ctx->caps) cover them.
 * Non-first fragments never reach the lookup (rule 2). */
static inline uint16_t
unsupported_flags(const struct ov2_offload_ctx *ctx)
{
	uint16_t f = OV2_PKT_F_FRAG | OV2_PKT_F_MULTISEG;

	if (!(ctx->caps.flags & OV2_CAPF_IPV4_OPTIONS))
		f |= OV2_PKT_F_IPV4_OPTS;
	if (!(ctx->caps.flags & OV2_CAPF_IPV6_EXT))
		f |= OV2_PKT_F_IPV6_EXT;
	return f;
}

/*
 * The working state of one chunk of a burst: the packets that reach the SA
 * lookup ("candidates"), in burst order. Traffic arrives in runs of one SA
 * (a flow's packets come back to back), so a candidate whose key equals
 * the previous one's shares its lookup: only the first key of each run
 * goes to the bulk lookup (keyp[0..nu)), and run[c] says which of those
 * answers is candidate c's.
 */
struct burst {
	uint16_t n;
	uint16_t nu;				/* distinct runs looked up */
	uint16_t idx[OV2_SAD_BURST_MAX];	/* index in pkts[] */
	uint16_t run[OV2_SAD_BURST_MAX];	/* index in keyp[] / usa[] */
	struct ov2_pkt_info pi[OV2_SAD_BURST_MAX];
	struct ov2_sa_key key[OV2_SAD_BURST_MAX];
	const struct ov2_sa_key *keyp[OV2_SAD_BURST_MAX];
	struct ov2_sa *usa[OV2_SAD_BURST_MAX];	/* the answer of each run */
	struct ov2_sa *sa[OV2_SAD_BURST_MAX];
};

/* The key is 24 bytes with no padding: three 8-byte words. */
_Static_assert(sizeof(struct ov2_sa_key) == 24, "struct ov2_sa_key layout");

static inline int
key_equal(const struct ov2_sa_key *a, const struct ov2_sa_key *b)
{
	uint64_t x[3], y[3];

	memcpy(x, a, sizeof(x));	/* compiled to three loads each */
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static void
indicate_done(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
	      struct ov2_sa *sa, enum ov2_crypto_status s)
{
	ov2_oob_set_done(ov2_oob(m), sa, s);
	ctx->stats.crypto_done++;
}

static unsigned int
proto_enable_bit(uint8_t proto)
{
	return proto == OV2_IPPROTO_ESP ? OV2_OFFLOAD_ESP : OV2_OFFLOAD_AH;
}

/* Rules 1-2. Returns 1 when the packet goes on to the SA lookup. */
static int
classify(struct ov2_offload_ctx *ctx, const struct rte_mbuf *m,
	 struct ov2_pkt_info *pi)
{
	if (ctx->enable == OV2_OFFLOAD_OFF)
		goto disabled;
	if (ov2_pkt_parse(m, pi) != OV2_PKT_OK)
		return 0;
	if (pi->proto == IPPROTO_UDP) {
		/* RFC 3948: ESP in UDP to a UDP-ESP port; IKE and NAT
		 * keep-alives on that port are indicated untouched */
		enum ov2_udp_kind k = ov2_sad_udp_classify(ctx->sad, m, pi);

		if (k == OV2_UDP_IKE)
			ctx->stats.ike++;
		if (k != OV2_UDP_ESP)
			return 0;
	}
	if (pi->proto != OV2_IPPROTO_ESP && pi->proto != OV2_IPPROTO_AH)
		return 0;
	if (!(ctx->enable & proto_enable_bit(pi->proto)))
		goto disabled;
	if (pi->flags & OV2_PKT_F_LAST_FRAG_ONLY)
		return 0;
	return 1;

disabled:
	ctx->stats.disabled++;
	return 0;
}

static void
stage_parse(struct ov2_offload_ctx *ctx, struct rte_mbuf *pkts[],
	    uint16_t n, struct burst *b)
{
	uint16_t i, c = 0, u = 0;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		ov2_oob_clear(ov2_oob(m));
		ctx->stats.packets++;
		/* rule 2 ends with "the SPI is in the frame" */
		if (!classify(ctx, m, &b->pi[c]) ||
		    ov2_sa_key_of_pkt(&b->key[c], m, &b->pi[c], b->pi[c].proto) != 0)
			continue;
		if (u == 0 || !key_equal(&b->key[c], b->keyp[u - 1]))
			b->keyp[u++] = &b->key[c];
		b->run[c] = (uint16_t)(u - 1);
		b->idx[c] = i;
		c++;
	}
	b->n = c;
	b->nu = u;
}

static void
stage_lookup(const struct ov2_offload_ctx *ctx, struct burst *b)
{
	uint16_t c;

	if (b->n == 0)
		return;
	ov2_sad_lookup_bulk(ctx->sad, b->keyp, b->nu, b->usa);
	for (c = 0; c < b->n; c++)
		b->sa[c] = b->usa[b->run[c]];
}

/* Rule 3, miss: an SA for this SPI and destination but the other protocol
 * is a protocol mismatch; no SA at all is indicated without OOB. */
static void
on_miss(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
	const struct ov2_pkt_info *pi)
{
	struct ov2_sa_key k;
	struct ov2_sa *sa;

	/* cannot fail: stage_parse found the SPI in the frame */
	ov2_sa_key_of_pkt(&k, m, pi, ov2_ipsec_proto_other(pi->proto));
	sa = ov2_sad_lookup(ctx->sad, &k);
	if (sa == NULL) {
		ctx->stats.no_sa++;
		return;
	}
	indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PROTOCOL);
}

static enum ov2_crypto_status
esp_auth_failed(const struct ov2_sa *sa)
{
	return sa->conf.mode == OV2_MODE_TRANSPORT ?
		OV2_CRYPTO_TRANSPORT_ESP_AUTH_FAILED : OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED;
}

/* Rule 5: do the IP and ESP lengths add up? Returns the ciphertext length,
 * or -1. */
static int32_t
esp_cipher_len(const struct ov2_crypto *cr, const struct ov2_pkt_info *pi)
{
	int32_t esp_len = (int32_t)pi->ip_len - pi->l3_len;
	int32_t len = esp_len - OV2_ESP_HDR_LEN - cr->iv_len - cr->icv_len;

	if (pi->flags & OV2_PKT_F_TRUNCATED)
		return -1;
	if (len < ESP_TRAILER_MIN)
		return -1;
	/* every block size is a power of two (4, 8, 16): a mask, not a
	 * division per packet */
	if ((len & (cr->block - 1)) != 0)
		return -1;
	return len;
}

/*
 * Lifetime use of a verified packet; SaDeleteReq once a hard limit is
 * reached (this packet included) or, without ESN, at sequence number
 * 2^32-1: the sender cannot send another (RFC 4303 3.3.3).
 */
static void
life_flush(struct ov2_offload_ctx *ctx)
{
	if (ctx->life_sa == NULL)
		return;
	__atomic_fetch_add(&ctx->life_sa->nic.packets, ctx->life_packets, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctx->life_sa->nic.bytes, ctx->life_bytes, __ATOMIC_RELAXED);
	ctx->life_sa = NULL;
	ctx->life_packets = 0;
	ctx->life_bytes = 0;
}

static inline void
account_life(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, struct ov2_sa *sa,
	     uint32_t seq_lo, uint32_t bytes)
{
	const struct ov2_sa_conf *c = &sa->conf;
	uint64_t p, b;
	int expire = 0;

	if ((c->hard_packets | c->hard_bytes | c->soft_packets | c->soft_bytes) == 0) {
		/* no limit to watch: one atomic add per SA and burst, not per
		 * packet (sequence exhaustion needs no count) */
		if (sa != ctx->life_sa) {
			life_flush(ctx);
			ctx->life_sa = sa;
		}
		ctx->life_packets++;
		ctx->life_bytes += bytes;
		if (!(c->flags & OV2_SA_F_ESN) && seq_lo == UINT32_MAX)
			goto expire;
		return;
	}
	p = __atomic_add_fetch(&sa->nic.packets, 1, __ATOMIC_RELAXED);
	b = __atomic_add_fetch(&sa->nic.bytes, bytes, __ATOMIC_RELAXED);
	if ((c->hard_packets != 0 && p >= c->hard_packets) ||
	    (c->hard_bytes != 0 && b >= c->hard_bytes))
		expire = 1;
	if (!(c->flags & OV2_SA_F_ESN) && seq_lo == UINT32_MAX)
		expire = 1;
	if (!expire)
		return;
expire:
	__atomic_fetch_or(&sa->nic.flags, OV2_SA_NIC_EXPIRED, __ATOMIC_RELAXED);
	ov2_oob_set_sa_delete_req(ov2_oob(m));
	ctx->stats.sa_delete_req++;
}

static uint32_t
esn_hi(const struct ov2_sa *sa, uint32_t seq_lo)
{
	if (!(sa->conf.flags & OV2_SA_F_ESN))
		return 0;
	return ov2_esn_infer_hi(__atomic_load_n(&sa->nic.esn_top, __ATOMIC_RELAXED),
				sa->nic.window, seq_lo);
}


/*
 * The second ESP SA of a packet (a transport SA nested in a tunnel, or the
 * ESP of an AH + ESP bundle): verify and decrypt esp[0..esp_len) in place,
 * its ESN high half in the OOB's seq_hi2. Returns 0, or -1 with the
 * packet's status set to the failure (esp_len >= the ESP header).
 */
static int
rx_second_esp(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, struct ov2_sa *sa2,
	      uint8_t *esp, uint32_t esp_len)
{
	uint32_t seq_lo = ov2_pkt_be32(esp + 4);
	uint32_t hi = esn_hi(sa2, seq_lo);
	int rc;

	ov2_oob(m)->seq_hi2 = hi;
	rc = ov2_crypto_esp_open(&sa2->crypto, esp, esp_len,
				 (sa2->conf.flags & OV2_SA_F_ESN) != 0, hi);
	if (rc != 0) {
		ov2_oob_set_status(ov2_oob(m), rc == -EBADMSG ? esp_auth_failed(sa2) :
				   OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return -1;
	}
	account_life(ctx, m, sa2, seq_lo, esp_len - OV2_ESP_HDR_LEN - sa2->crypto.iv_len -
		     sa2->crypto.icv_len);
	return 0;
}

/*
 * A transport SA nested inside a tunnel SA (OV2 TransportTunnelCombined):
 * the tunnel's decrypted payload inner[0..len) is an IP packet whose ESP
 * (or ESP in UDP) belongs to a transport SA for the inner destination.
 * Verify and decrypt it in place too and set NextCryptoDone; a failure of
 * that part gets a TRANSPORT_* status. Anything else is left to the host
 * as the tunnel's inner packet.
 */
static int
rx_nested(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, uint8_t nh,
	  uint8_t *inner, uint32_t len)
{
	struct ov2_pkt_info pi = { 0 };
	struct ov2_sa_key k;
	struct ov2_sa *sa2;
	uint32_t hl, ip_len, esp_len, dport = 0;
	uint8_t *esp, fam, proto, *dst;

	/* no transport ESP SA: nothing to find (most tables) */
	if (!ov2_sad_any_transport_esp(ctx->sad))
		return 0;
	/* most inner packets are neither ESP nor UDP: done before parsing */
	if (nh == IPPROTO_IPIP && len >= 20)
		proto = inner[9];
	else if (nh == IPPROTO_IPV6 && len >= 40)
		proto = inner[6];
	else
		return 0;
	if (proto != OV2_IPPROTO_ESP && proto != IPPROTO_UDP)
		return 0;
	if (nh == IPPROTO_IPIP && (inner[0] >> 4) == 4) {
		hl = (uint32_t)(inner[0] & 0xf) * 4;
		ip_len = (uint32_t)inner[2] << 8 | inner[3];
		if (hl < 20 || ip_len < hl || ip_len > len ||
		    (inner[6] & 0x3f) != 0 || inner[7] != 0)	/* MF or offset */
			return 0;
		fam = 4, dst = inner + 16;
	} else if (nh == IPPROTO_IPV6 && (inner[0] >> 4) == 6) {
		hl = 40;
		ip_len = 40 + ((uint32_t)inner[4] << 8 | inner[5]);
		if (ip_len > len)
			return 0;
		fam = 6, dst = inner + 24;
	} else {
		return 0;
	}
	esp = inner + hl;
	esp_len = ip_len - hl;
	if (proto == IPPROTO_UDP && ctx->caps.udp_esp & OV2_UDPESP_OVER_TUNNEL) {
		/* UDP-ESP transport over the tunnel: the inner UDP port must
		 * be one a UDP-ESP SA receives on (checked by the SA below) */
		if (esp_len < OV2_UDP_HDR_LEN + OV2_ESP_HDR_LEN ||
		    (esp[8] | esp[9] | esp[10] | esp[11]) == 0)
			return 0;
		dport = (uint32_t)esp[2] << 8 | esp[3];
		/* ordinary UDP inside the tunnel: no lookup */
		if (!ov2_sad_udp_port(ctx->sad, (uint16_t)dport))
			return 0;
		pi.flags |= OV2_PKT_F_UDP_ENCAP;
		esp += OV2_UDP_HDR_LEN;
		esp_len -= OV2_UDP_HDR_LEN;
	} else if (proto != OV2_IPPROTO_ESP || esp_len < OV2_ESP_HDR_LEN) {
		return 0;
	}
	ov2_sa_key_make(&k, ov2_pkt_raw32(esp), OV2_IPPROTO_ESP, fam, dst);
	sa2 = ov2_sad_lookup(ctx->sad, &k);
	if (sa2 == NULL || sa2->conf.mode != OV2_MODE_TRANSPORT ||
	    !ov2_caps_cover(&ctx->caps, &sa2->req) ||
	    !(sa2->conf.flags & OV2_SA_F_UDP_ENCAP) != !(pi.flags & OV2_PKT_F_UDP_ENCAP) ||
	    ((pi.flags & OV2_PKT_F_UDP_ENCAP) && dport != sa2->conf.udp_dport))
		return 0;
	/* the ESP SA of an AH + ESP bundle never arrives without its AH */
	if (sa2->conf.flags & OV2_SA_F_BUNDLED) {
		ov2_oob_set_status(ov2_oob(m), OV2_CRYPTO_INVALID_PROTOCOL);
		return -1;
	}
	ov2_oob_set_next_done(ov2_oob(m));
	ctx->stats.next_crypto_done++;
	return rx_second_esp(ctx, m, sa2, esp, esp_len);
}

/*
 * What follows a verified ESP payload, decrypted in place at data[0..len)
 * (trailer included, len >= 2), on either path (this engine's or an
 * inline NIC's, ov2_offload_esp_from_nic()): the OOB data of success, the
 * lifetime use, and the check of a transport SA nested in a tunnel (its
 * own capability bit; inside a UDP-ESP tunnel: OV2's "transport over
 * UDP-ESP tunnel"). Returns non-zero when the nested part failed: the
 * caller then gives the packet back the bytes it arrived with.
 */
static inline int
esp_verified(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, struct ov2_sa *sa,
	     const struct ov2_pkt_info *pi, uint8_t *data, uint32_t len,
	     uint32_t seq_lo, uint32_t seq_hi)
{
	indicate_done(ctx, m, sa, OV2_CRYPTO_SUCCESS);
	ov2_oob(m)->seq_hi = seq_hi;
	ov2_oob_set_header_info(ov2_oob(m), data[len - 1], data[len - 2]);
	account_life(ctx, m, sa, seq_lo, len);
	return sa->conf.mode != OV2_MODE_TRANSPORT &&
	       (ctx->caps.flags & OV2_CAPF_TRANSPORT_TUNNEL) &&
	       (!(pi->flags & OV2_PKT_F_UDP_ENCAP) ||
		(ctx->caps.udp_esp & OV2_UDPESP_TRANSPORT_OVER_TUNNEL)) &&
	       data[len - 2] + 2u <= len &&
	       rx_nested(ctx, m, data[len - 1], data, len - data[len - 2] - 2u) != 0;
}

/* Rules 5-6 for ESP: check lengths, infer the ESN high half, verify and
 * decrypt in place. */
static void
rx_esp(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
       const struct ov2_pkt_info *pi, struct ov2_sa *sa)
{
	const struct ov2_crypto *cr = &sa->crypto;
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len + pi->l3_len);
	uint8_t *data = esp + OV2_ESP_HDR_LEN + cr->iv_len;
	int32_t len = esp_cipher_len(cr, pi);
	int esn = (sa->conf.flags & OV2_SA_F_ESN) != 0;
	uint32_t seq_lo, seq_hi = 0;
	int rc;

	if (len < 0) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return;
	}
	seq_lo = ov2_pkt_be32(esp + 4);
	seq_hi = esn_hi(sa, seq_lo);
	rc = ov2_crypto_esp_open(cr, esp, pi->ip_len - pi->l3_len, esn, seq_hi);
	if (rc != 0) {
		indicate_done(ctx, m, sa, rc == -EBADMSG ? esp_auth_failed(sa) :
			      OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return;
	}
	if (esp_verified(ctx, m, sa, pi, data, (uint32_t)len, seq_lo, seq_hi))
		/* the nested part failed: the packet is indicated with an error,
		 * so give it back the bytes it arrived with. Sealing the same
		 * plaintext again with the same IV and key reproduces them
		 * exactly (every cipher here is deterministic given the IV). */
		ov2_crypto_esp_seal(cr, esp, pi->ip_len - pi->l3_len, esn, seq_hi);
}

static enum ov2_crypto_status
ah_auth_failed(const struct ov2_sa *sa)
{
	return sa->conf.mode == OV2_MODE_TRANSPORT ?
		OV2_CRYPTO_TRANSPORT_AH_AUTH_FAILED : OV2_CRYPTO_TUNNEL_AH_AUTH_FAILED;
}

/*
 * The ESP SA of an AH + ESP bundle, right after the verified AH: its SPI
 * must be the bundle's, and it is verified and decrypted in place; the
 * OOB's seq_hi2 carries its ESN high half. A different protocol or SPI
 * after AH is a protocol mismatch for the bundle.
 */
static void
rx_bundle_esp(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, const struct ov2_pkt_info *pi,
	      struct ov2_sa *ah_sa, uint8_t nh, uint32_t ah_len)
{
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len + pi->l3_len + ah_len);
	uint32_t esp_len = pi->ip_len - pi->l3_len - ah_len;
	struct ov2_sa_key k;
	struct ov2_sa *esa;

	if (nh != OV2_IPPROTO_ESP || esp_len < OV2_ESP_HDR_LEN ||
	    ov2_pkt_be32(esp) != ah_sa->conf.bundle_spi) {
		ov2_oob_set_status(ov2_oob(m), OV2_CRYPTO_INVALID_PROTOCOL);
		return;
	}
	ov2_sa_key_make(&k, ov2_pkt_raw32(esp), OV2_IPPROTO_ESP, pi->family,
			rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len +
						(pi->family == 4 ? 16 : 24)));
	esa = ov2_sad_lookup(ctx->sad, &k);
	if (esa == NULL) {
		/* the bundle's ESP SA is gone (deleted): nothing to check it with */
		ov2_oob_set_status(ov2_oob(m), OV2_CRYPTO_INVALID_PROTOCOL);
		return;
	}
	rx_second_esp(ctx, m, esa, esp, esp_len);
}

/* AH (RFC 4302): verify the ICV over the packet with its mutable fields
 * zeroed (lib/ah.c); nothing to decrypt. */
static void
rx_ah(struct ov2_offload_ctx *ctx, struct rte_mbuf *m, const struct ov2_pkt_info *pi,
      struct ov2_sa *sa)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len);
	uint32_t seq_lo, ah_len, hi;
	uint8_t nh;
	int rc;

	if ((pi->flags & OV2_PKT_F_TRUNCATED) ||
	    (uint32_t)pi->l2_len + pi->l3_len + OV2_AH_HDR_LEN > m->data_len) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return;
	}
	seq_lo = ov2_pkt_be32(ip + pi->l3_len + 8);
	hi = esn_hi(sa, seq_lo);
	rc = ov2_ah_verify(&sa->crypto, ip, pi->ip_len, pi->l3_len,
			   (sa->conf.flags & OV2_SA_F_ESN) != 0, hi, &seq_lo, &nh, &ah_len);
	if (rc != 0) {
		indicate_done(ctx, m, sa, rc == -EBADMSG ? ah_auth_failed(sa) :
			      OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return;
	}
	indicate_done(ctx, m, sa, OV2_CRYPTO_SUCCESS);
	ov2_oob(m)->seq_hi = hi;
	account_life(ctx, m, sa, seq_lo, pi->ip_len - pi->l3_len - ah_len);
	if (sa->conf.bundle_spi != 0)
		rx_bundle_esp(ctx, m, pi, sa, nh, ah_len);
}

/*
 * The parts of an SA the ESP path reads, fetched ahead: the crypto state's
 * key schedule and GHASH keys (its first 512 bytes: AES-GCM's round keys and
 * hash key powers; the first half of the CBC/HMAC key state), its handler
 * and lengths (the last line of struct ov2_crypto), the configuration and
 * the NIC-side state. With many SAs these are cache misses on nearly every
 * packet; fetched two packets ahead, they arrive while the packets before
 * are decrypted.
 */
#define SA_PREFETCH_AHEAD 2

static inline void
prefetch_sa(const struct ov2_sa *sa)
{
	const uint8_t *cr = (const uint8_t *)&sa->crypto;
	const uint8_t *conf = (const uint8_t *)&sa->conf;
	unsigned int i;

	for (i = 0; i < 512; i += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(cr + i);
	rte_prefetch0(cr + sizeof(sa->crypto) - 1);
	for (i = 0; i < sizeof(sa->conf); i += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(conf + i);
	rte_prefetch0(&sa->req);
	rte_prefetch0(&sa->nic);
}

/* Rule 4 (what stage_process left of it), then the protocol's handler. */
static void
process_sa(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
	   const struct ov2_pkt_info *pi, struct ov2_sa *sa)
{
	if (pi->family == 6 && !(ctx->caps.flags & OV2_CAPF_IPV6))
		goto unsupported;
	/* the encapsulation is part of the SA (OV2 ADD_SA: UDP-ESP type) */
	if (!(sa->conf.flags & OV2_SA_F_UDP_ENCAP) != !(pi->flags & OV2_PKT_F_UDP_ENCAP)) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PROTOCOL);
		return;
	}
	if (pi->proto == OV2_IPPROTO_AH) {
		rx_ah(ctx, m, pi, sa);
		return;
	}
	/* an ESP SA of an AH + ESP bundle never arrives without its AH */
	if (sa->conf.flags & OV2_SA_F_BUNDLED) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PROTOCOL);
		return;
	}
	rx_esp(ctx, m, pi, sa);
	return;

unsupported:
	ctx->stats.unsupported++;
}

static void
stage_process(struct ov2_offload_ctx *ctx, struct rte_mbuf *pkts[],
	      const struct burst *b)
{
	/* rule 4: what the port cannot process at all, worked out once per
	 * burst; whether its capabilities cover an SA, once per run of it */
	const uint32_t unsup = unsupported_flags(ctx);
	const struct ov2_sa *checked = NULL;
	int covered = 0;
	uint16_t c;

	/* each SA once per run (a run's SA is fetched with its first packet) */
	for (c = 0; c < b->n && c < SA_PREFETCH_AHEAD; c++)
		if (b->sa[c] != NULL && (c == 0 || b->sa[c] != b->sa[c - 1]))
			prefetch_sa(b->sa[c]);
	for (c = 0; c < b->n; c++) {
		struct rte_mbuf *m = pkts[b->idx[c]];
		struct ov2_sa *sa = b->sa[c];
		uint16_t a = c + SA_PREFETCH_AHEAD;

		if (a < b->n && b->sa[a] != NULL && b->sa[a] != b->sa[a - 1])
			prefetch_sa(b->sa[a]);
		if (sa == NULL) {
			on_miss(ctx, m, &b->pi[c]);
			continue;
		}
		if (sa != checked) {
			checked = sa;
			covered = ov2_caps_cover(&ctx->caps, &sa->req);
		}
		if (!covered || (b->pi[c].flags & unsup)) {
			ctx->stats.unsupported++;
			continue;
		}
		process_sa(ctx, m, &b->pi[c], sa);
	}
}

void
ov2_offload_rx(struct ov2_offload_ctx *ctx, struct rte_mbuf *pkts[], uint16_t n)
{
	struct burst b;
	uint16_t off, k;

	for (off = 0; off < n; off += k) {
		k = (uint16_t)RTE_MIN(n - off, OV2_SAD_BURST_MAX);
		stage_parse(ctx, pkts + off, k, &b);
		stage_lookup(ctx, &b);
		stage_process(ctx, pkts + off, &b);
	}
	life_flush(ctx);
}

/*
 * An ESP packet that an inline-crypto NIC verified (and decrypted in place)
 * or failed: the rest of the receive rules as process_sa() and rx_esp()
 * apply them to the same packet, so that the OOB data, the lifetime use,
 * SaDeleteReq and a nested transport SA come out as the engine's own.
 */
void
ov2_offload_esp_from_nic(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
			 const struct ov2_pkt_info *pi, struct ov2_sa *sa, int verified)
{
	const struct ov2_crypto *cr = &sa->crypto;
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l2_len + pi->l3_len);
	uint8_t *data = esp + OV2_ESP_HDR_LEN + cr->iv_len;
	int32_t len = esp_cipher_len(cr, pi);
	uint32_t seq_lo, seq_hi;

	if (!(sa->conf.flags & OV2_SA_F_UDP_ENCAP) != !(pi->flags & OV2_PKT_F_UDP_ENCAP) ||
	    (sa->conf.flags & OV2_SA_F_BUNDLED)) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PROTOCOL);
		return;
	}
	if (len < 0) {
		indicate_done(ctx, m, sa, OV2_CRYPTO_INVALID_PACKET_SYNTAX);
		return;
	}
	if (!verified) {
		indicate_done(ctx, m, sa, esp_auth_failed(sa));
		return;
	}
	seq_lo = ov2_pkt_be32(esp + 4);
	seq_hi = esn_hi(sa, seq_lo);
	if (esp_verified(ctx, m, sa, pi, data, (uint32_t)len, seq_lo, seq_hi))
		/* as in rx_esp(): the packet leaves with the bytes it arrived
		 * with; the NIC left the tunnel's plaintext and ICV in place */
		ov2_crypto_esp_seal(cr, esp, pi->ip_len - pi->l3_len,
				    (sa->conf.flags & OV2_SA_F_ESN) != 0, seq_hi);
}

/* Lifetime use added up over a burst, flushed (see life_flush()). */
void
ov2_offload_flush(struct ov2_offload_ctx *ctx)
{
	life_flush(ctx);
}
