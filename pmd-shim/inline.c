/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline-crypto NICs as the NIC side of OV2 (see inline.h).
 *
 * What DPDK 22.11's inline-crypto PMDs (ixgbe, txgbe, iavf) do on receive:
 * the packet's flow rule names a session; the NIC decrypts ESP in place
 * and sets RTE_MBUF_F_RX_SEC_OFFLOAD, plus RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED
 * when it failed (ixgbe: a bad ICV; iavf also for a packet it had no SA
 * for, "SAD miss", or a length error, told apart only in its counters).
 * The ESP header, IV, trailer and ICV stay in the packet and no session
 * metadata goes into the mbuf (the rte_security dynfield is written on
 * receive only by inline-protocol PMDs), so the SA is found from the SPI
 * and destination still in the packet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_cryptodev.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_security.h>
#include "inline.h"
#include "oob.h"
#include "pkt.h"
#include "sa.h"
#include "sad.h"

RTE_LOG_REGISTER(ov2_inline_logtype, ov2.inline, NOTICE);
#define LOG(level, ...) rte_log(RTE_LOG_##level, ov2_inline_logtype, "ov2: " __VA_ARGS__)

#define LOG_REFUSED_MAX 16	/* SAs whose refusal is logged one by one */
/* Most sessions a port's pool is made for. The NICs of DPDK 22.11 hold
 * far fewer (ixgbe: 1024 receive SAs); the pool must not grow with a
 * table of a million SAs. SAs beyond it stay on the software engine. */
#define SESSIONS_MAX 16384

#define GCM_IV_LEN	12	/* salt + the packet's 8-byte IV (RFC 4106) */
#define GCM_ICV_LEN	16
#define ESP_AAD_LEN	8	/* SPI + 32-bit sequence number */

/* --- the set of SAs on the NIC ------------------------------------------ */

int
ov2_inline_set_init(struct ov2_inline_set *s, uint32_t cap)
{
	memset(s, 0, sizeof(*s));
	if (cap == 0)
		return 0;
	s->sorted = rte_zmalloc("ov2_inline_set", cap * sizeof(*s->sorted), RTE_CACHE_LINE_SIZE);
	if (s->sorted == NULL)
		return -ENOMEM;
	s->cap = cap;
	return 0;
}

void
ov2_inline_set_fini(struct ov2_inline_set *s)
{
	rte_free(s->sorted);
	memset(s, 0, sizeof(*s));
}

/* Insertion keeps the array sorted: SAs are added at start only. */
int
ov2_inline_set_add(struct ov2_inline_set *s, struct ov2_sa *sa)
{
	uint32_t i;

	if (ov2_inline_set_has(s, sa))
		return -EEXIST;
	if (s->n == s->cap)
		return -ENOSPC;
	for (i = s->n; i > 0 && (uintptr_t)s->sorted[i - 1] > (uintptr_t)sa; i--)
		s->sorted[i] = s->sorted[i - 1];
	s->sorted[i] = sa;
	s->n++;
	return 0;
}

int
ov2_inline_set_has(const struct ov2_inline_set *s, const struct ov2_sa *sa)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->sorted[mid] == sa)
			return 1;
		if ((uintptr_t)s->sorted[mid] < (uintptr_t)sa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* --- which SAs a NIC can take ------------------------------------------- */

static int
in_range(const struct rte_crypto_param_range *r, uint16_t v)
{
	if (v < r->min || v > r->max)
		return 0;
	return r->increment == 0 || (v - r->min) % r->increment == 0;
}

static enum rte_crypto_aead_algorithm
rte_aead_of(uint8_t aead)
{
	switch (aead) {
	case OV2_AEAD_AES_128_GCM:
	case OV2_AEAD_AES_192_GCM:
	case OV2_AEAD_AES_256_GCM:
		return RTE_CRYPTO_AEAD_AES_GCM;
	case OV2_AEAD_CHACHA20_POLY1305:
		return RTE_CRYPTO_AEAD_CHACHA20_POLY1305;
	default:
		return 0;
	}
}

/* Does the capability's crypto list hold this SA's AEAD with its sizes? */
static int
crypto_covers(const struct rte_cryptodev_capabilities *cc, const struct ov2_sa_conf *c)
{
	enum rte_crypto_aead_algorithm algo = rte_aead_of(c->aead);

	for (; cc != NULL && cc->op != RTE_CRYPTO_OP_TYPE_UNDEFINED; cc++) {
		if (cc->op != RTE_CRYPTO_OP_TYPE_SYMMETRIC ||
		    cc->sym.xform_type != RTE_CRYPTO_SYM_XFORM_AEAD ||
		    cc->sym.aead.algo != algo)
			continue;
		if (in_range(&cc->sym.aead.key_size, c->key_len) &&
		    in_range(&cc->sym.aead.digest_size, GCM_ICV_LEN) &&
		    in_range(&cc->sym.aead.aad_size, ESP_AAD_LEN) &&
		    in_range(&cc->sym.aead.iv_size, GCM_IV_LEN))
			return 1;
	}
	return 0;
}

const struct rte_security_capability *
ov2_inline_cap_for(const struct rte_security_capability *caps,
		   const struct ov2_sa_conf *c, char *why, size_t len)
{
	enum rte_security_ipsec_sa_mode mode = c->mode == OV2_MODE_TRANSPORT ?
		RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT : RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	const char *no = "no inline-crypto ingress ESP capability for its mode";

	/* what ov2rx keeps on the software engine whatever the NIC says */
	if (c->proto != OV2_IPPROTO_ESP) {
		snprintf(why, len, "AH: ov2rx puts ESP SAs only on the NIC");
		return NULL;
	}
	if (c->flags & OV2_SA_F_BUNDLED) {
		snprintf(why, len, "ESP of an AH + ESP bundle: checked with its AH");
		return NULL;
	}
	if (c->aead == OV2_AEAD_NONE) {
		snprintf(why, len, "not an AEAD algorithm: ov2rx puts AES-GCM and "
			 "ChaCha20-Poly1305 SAs only on the NIC");
		return NULL;
	}
	if (c->flags & OV2_SA_F_ESN) {
		/* the NIC would infer the high half itself and report none: the
		 * OOB's seq_hi would not be the one the ICV was checked with */
		snprintf(why, len, "ESN: the NIC reports no per-packet high half");
		return NULL;
	}
	if (c->dst.family == 0) {
		snprintf(why, len, "no destination address for the flow rule");
		return NULL;
	}
	for (; caps != NULL && caps->action != RTE_SECURITY_ACTION_TYPE_NONE; caps++) {
		if (caps->action != RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO ||
		    caps->protocol != RTE_SECURITY_PROTOCOL_IPSEC ||
		    caps->ipsec.proto != RTE_SECURITY_IPSEC_SA_PROTO_ESP ||
		    caps->ipsec.direction != RTE_SECURITY_IPSEC_SA_DIR_INGRESS ||
		    caps->ipsec.mode != mode)
			continue;
		if ((c->flags & OV2_SA_F_UDP_ENCAP) && !caps->ipsec.options.udp_encap) {
			no = "UDP encapsulation not offered";
			continue;
		}
		if (caps->ol_flags & RTE_SECURITY_RX_HW_TRAILER_OFFLOAD) {
			/* OV2 and the consumer expect the trailer in place */
			no = "the NIC removes the ESP trailer";
			continue;
		}
		if (!crypto_covers(caps->crypto_capabilities, c)) {
			no = "algorithm or key size not offered";
			continue;
		}
		return caps;
	}
	snprintf(why, len, "%s", no);
	return NULL;
}

/* --- receive -------------------------------------------------------------- */

/* The flagged packets of up to OV2_SAD_BURST_MAX packets, parsed and
 * looked up together (one bulk lookup, as the engine does). */
struct flagged {
	uint16_t n, nk;
	uint16_t idx[OV2_SAD_BURST_MAX];	/* in the chunk */
	int8_t key_of[OV2_SAD_BURST_MAX];	/* its key, or -1: not ESP */
	struct ov2_pkt_info pi[OV2_SAD_BURST_MAX];
	struct ov2_sa_key key[OV2_SAD_BURST_MAX];
	const struct ov2_sa_key *keyp[OV2_SAD_BURST_MAX];
	struct ov2_sa *sa[OV2_SAD_BURST_MAX];
};

/* An ESP packet of this port (rule 2 of the engine) and its key? */
static int
esp_key(const struct ov2_offload_ctx *ctx, const struct rte_mbuf *m,
	struct ov2_pkt_info *pi, struct ov2_sa_key *k)
{
	if (!(ctx->enable & OV2_OFFLOAD_ESP) || ov2_pkt_parse(m, pi) != OV2_PKT_OK)
		return 0;
	if (pi->proto == IPPROTO_UDP && ov2_sad_udp_classify(ctx->sad, m, pi) != OV2_UDP_ESP)
		return 0;
	return pi->proto == OV2_IPPROTO_ESP && !(pi->flags & OV2_PKT_F_LAST_FRAG_ONLY) &&
		ov2_sa_key_of_pkt(k, m, pi, OV2_IPPROTO_ESP) == 0;
}

static void
flagged_lookup(const struct ov2_offload_ctx *ctx, struct rte_mbuf *pkts[], uint16_t n,
	       struct flagged *f)
{
	uint16_t i;

	f->n = 0;
	f->nk = 0;
	for (i = 0; i < n; i++) {
		if (!(pkts[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD))
			continue;
		f->idx[f->n] = i;
		f->key_of[f->n] = -1;
		if (esp_key(ctx, pkts[i], &f->pi[f->n], &f->key[f->nk])) {
			f->keyp[f->nk] = &f->key[f->nk];
			f->key_of[f->n] = (int8_t)f->nk++;
		}
		f->n++;
	}
	if (f->nk > 0)
		ov2_sad_lookup_bulk(ctx->sad, f->keyp, f->nk, f->sa);
}

/*
 * Flagged packet j of f. Returns 1 when its OOB data is set, 0 when it
 * goes to the software engine (whose rules then decide, as for any
 * packet).
 */
static int
from_nic(struct ov2_offload_ctx *ctx, const struct ov2_inline_set *set,
	 struct ov2_inline_stats *st, struct rte_mbuf *m, const struct flagged *f,
	 uint16_t j)
{
	int failed = (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) != 0;
	const struct ov2_pkt_info *pi = &f->pi[j];
	struct ov2_sa *sa;

	if (f->key_of[j] < 0)
		goto software;
	sa = f->sa[f->key_of[j]];
	if (sa == NULL || !ov2_inline_set_has(set, sa)) {
		st->nic_unknown++;
		/* a failure for a packet this port made no session for is the
		 * NIC finding no SA: it did not touch the bytes */
		if (failed)
			goto software;
		ov2_oob_clear(ov2_oob(m));
		ctx->stats.packets++;
		if (sa == NULL) {
			/* decrypted under a session whose SA has left the table
			 * (SaDeleteReq): no SA, no OOB, as the engine */
			ctx->stats.no_sa++;
			return 1;
		}
		/* decrypted under a session this port did not make for this
		 * SA: nothing says with which key, and the bytes are changed */
		ov2_oob_set_done(ov2_oob(m), sa, OV2_CRYPTO_GENERIC_ERROR);
		ctx->stats.crypto_done++;
		return 1;
	}
	ov2_oob_clear(ov2_oob(m));
	ctx->stats.packets++;
	if (failed)
		st->nic_failed++;
	else
		st->nic_ok++;
	if ((pi->flags & OV2_PKT_F_MULTISEG) && !failed) {
		/* a chained packet the NIC decrypted: its trailer may lie in
		 * another segment, and the transport takes decrypted packets
		 * in one segment only; the software path cannot have it back
		 * either (its bytes are plaintext now) */
		ov2_oob_set_done(ov2_oob(m), sa, OV2_CRYPTO_GENERIC_ERROR);
		ctx->stats.crypto_done++;
		return 1;
	}
	ov2_offload_esp_from_nic(ctx, m, pi, sa, !failed);
	return 1;

software:
	st->to_software++;
	return 0;
}

/* A chunk: runs of packets the NIC left alone go to the engine in place,
 * so packets are processed (lifetime use, SaDeleteReq) in burst order. */
static void
rx_chunk(struct ov2_offload_ctx *ctx, const struct ov2_inline_set *set,
	 struct ov2_inline_stats *st, struct rte_mbuf *pkts[], uint16_t n)
{
	struct flagged f;
	uint16_t j, i, start = 0;

	flagged_lookup(ctx, pkts, n, &f);
	for (j = 0; j < f.n; j++) {
		i = f.idx[j];
		if (i > start)
			ov2_offload_rx(ctx, pkts + start, i - start);
		if (!from_nic(ctx, set, st, pkts[i], &f, j))
			ov2_offload_rx(ctx, pkts + i, 1);
		start = i + 1;
	}
	if (n > start)
		ov2_offload_rx(ctx, pkts + start, n - start);
}

void
ov2_inline_rx(struct ov2_offload_ctx *ctx, const struct ov2_inline_set *set,
	      struct ov2_inline_stats *st, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t off, k;

	for (off = 0; off < n; off += k) {
		k = (uint16_t)RTE_MIN(n - off, OV2_SAD_BURST_MAX);
		rx_chunk(ctx, set, st, pkts + off, k);
	}
	ov2_offload_flush(ctx);
}

/* --- port setup (runs on hardware only) --------------------------------- */

static void *
get_sec_ctx(uint16_t port)
{
	return rte_eth_dev_get_sec_ctx(port);
}

struct ov2_inline_dpdk ov2_inline_dpdk = {
	.dev_info_get = rte_eth_dev_info_get,
	.dev_conf_get = rte_eth_dev_conf_get,
	.get_sec_ctx = get_sec_ctx,
	.capabilities_get = rte_security_capabilities_get,
	.session_get_size = rte_security_session_get_size,
	.session_create = rte_security_session_create,
	.session_destroy = rte_security_session_destroy,
	.flow_validate = rte_flow_validate,
	.flow_create = rte_flow_create,
	.flow_destroy = rte_flow_destroy,
};

uint64_t
ov2_inline_rx_offloads(uint16_t port)
{
	struct rte_eth_dev_info di;

	if (ov2_inline_dpdk.dev_info_get(port, &di) != 0 ||
	    ov2_inline_dpdk.get_sec_ctx(port) == NULL)
		return 0;
	return di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY;
}

static int
has_inline_ingress(const struct rte_security_capability *c)
{
	for (; c != NULL && c->action != RTE_SECURITY_ACTION_TYPE_NONE; c++)
		if (c->action == RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO &&
		    c->protocol == RTE_SECURITY_PROTOCOL_IPSEC &&
		    c->ipsec.direction == RTE_SECURITY_IPSEC_SA_DIR_INGRESS)
			return 1;
	return 0;
}

int
ov2_inline_probe(uint16_t port, unsigned int enable, struct ov2_inline_port *ip)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;

	memset(ip, 0, sizeof(*ip));
	if (!(enable & OV2_OFFLOAD_ESP)) {
		snprintf(ip->why, sizeof(ip->why), "the offload setting excludes ESP");
		return -1;
	}
	if (ov2_inline_dpdk.dev_info_get(port, &di) != 0 ||
	    !(di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY)) {
		snprintf(ip->why, sizeof(ip->why),
			 "device reports no RTE_ETH_RX_OFFLOAD_SECURITY");
		return -1;
	}
	ip->sec = ov2_inline_dpdk.get_sec_ctx(port);
	if (ip->sec == NULL) {
		snprintf(ip->why, sizeof(ip->why), "device has no rte_security context");
		return -1;
	}
	if (!has_inline_ingress(ov2_inline_dpdk.capabilities_get(ip->sec))) {
		snprintf(ip->why, sizeof(ip->why),
			 "no inline-crypto ingress IPsec capability");
		return -1;
	}
	if (ov2_inline_dpdk.dev_conf_get(port, &conf) != 0 ||
	    !(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SECURITY)) {
		snprintf(ip->why, sizeof(ip->why),
			 "port not configured with RTE_ETH_RX_OFFLOAD_SECURITY");
		return -1;
	}
	return 0;
}

/*
 * The session of an SA: the key with the salt right behind it (ixgbe reads
 * the salt there, after key.length bytes, as ipsec-secgw lays its keys
 * out) and in ipsec.salt too (where other PMDs read it).
 */
static struct rte_security_session_conf *
session_conf(struct ov2_inline_sa *e, struct rte_security_session_conf *sc,
	     struct rte_crypto_sym_xform *xf)
{
	const struct ov2_sa *sa = e->sa;
	const struct ov2_sa_conf *c = &sa->conf;

	memset(sc, 0, sizeof(*sc));
	memset(xf, 0, sizeof(*xf));
	memcpy(e->key, c->key, c->key_len);
	memcpy(e->key + c->key_len, c->salt, sizeof(c->salt));
	xf->type = RTE_CRYPTO_SYM_XFORM_AEAD;
	xf->aead.op = RTE_CRYPTO_AEAD_OP_DECRYPT;
	xf->aead.algo = rte_aead_of(c->aead);
	xf->aead.key.data = e->key;
	xf->aead.key.length = c->key_len;
	xf->aead.iv.length = GCM_IV_LEN;
	xf->aead.digest_length = GCM_ICV_LEN;
	xf->aead.aad_length = ESP_AAD_LEN;
	sc->action_type = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO;
	sc->protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	sc->ipsec.spi = c->spi;
	memcpy(&sc->ipsec.salt, c->salt, sizeof(sc->ipsec.salt));	/* as on the wire */
	sc->ipsec.direction = RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	sc->ipsec.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	/* no replay window and no lifetime on the NIC: OV2 gives the replay
	 * check to the transport, and the NIC side counts lifetimes itself */
	sc->ipsec.replay_win_sz = 0;
	if (c->mode == OV2_MODE_TRANSPORT) {
		sc->ipsec.mode = RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT;
	} else {
		sc->ipsec.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
		if (c->dst.family == 4) {
			sc->ipsec.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
			memcpy(&sc->ipsec.tunnel.ipv4.src_ip, c->src.a, 4);
			memcpy(&sc->ipsec.tunnel.ipv4.dst_ip, c->dst.a, 4);
		} else {
			sc->ipsec.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV6;
			memcpy(&sc->ipsec.tunnel.ipv6.src_addr, c->src.a, 16);
			memcpy(&sc->ipsec.tunnel.ipv6.dst_addr, c->dst.a, 16);
		}
	}
	if (c->flags & OV2_SA_F_UDP_ENCAP) {
		sc->ipsec.options.udp_encap = 1;
		sc->ipsec.udp.sport = rte_cpu_to_be_16(c->udp_sport);
		sc->ipsec.udp.dport = rte_cpu_to_be_16(c->udp_dport);
	}
	sc->crypto_xform = xf;
	sc->userdata = (void *)(uintptr_t)sa;
	return sc;
}

/*
 * The rule that sends the SA's packets to its session: destination
 * address (the SA's; the source may vary behind NAT), UDP destination port
 * for UDP-ESP, SPI; action SECURITY, then END (ixgbe and txgbe accept
 * nothing else) or, failing that, RSS over the port's queues.
 */
static struct rte_flow *
flow_make(uint16_t port, const struct ov2_sa *sa, void *sess, char *why, size_t len)
{
	const struct ov2_sa_conf *c = &sa->conf;
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item pat[5];
	struct rte_flow_action act[3];
	struct rte_flow_item_ipv4 ip4 = { 0 }, ip4m = { 0 };
	struct rte_flow_item_ipv6 ip6 = { 0 }, ip6m = { 0 };
	struct rte_flow_item_udp udp = { 0 }, udpm = { 0 };
	struct rte_flow_item_esp esp = { 0 }, espm = { 0 };
	struct rte_flow_action_rss rss = { 0 };
	struct rte_eth_dev_info di;
	uint16_t queues[RTE_MAX_QUEUES_PER_PORT], q;
	struct rte_flow_error fe = { 0 };
	struct rte_flow *f;
	unsigned int i = 0;

	memset(pat, 0, sizeof(pat));
	memset(act, 0, sizeof(act));
	pat[i++].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (c->dst.family == 4) {
		memcpy(&ip4.hdr.dst_addr, c->dst.a, 4);
		ip4m.hdr.dst_addr = UINT32_MAX;
		pat[i].type = RTE_FLOW_ITEM_TYPE_IPV4;
		pat[i].spec = &ip4;
		pat[i++].mask = &ip4m;
	} else {
		memcpy(ip6.hdr.dst_addr, c->dst.a, 16);
		memset(ip6m.hdr.dst_addr, 0xff, 16);
		pat[i].type = RTE_FLOW_ITEM_TYPE_IPV6;
		pat[i].spec = &ip6;
		pat[i++].mask = &ip6m;
	}
	if (c->flags & OV2_SA_F_UDP_ENCAP) {
		udp.hdr.dst_port = rte_cpu_to_be_16(c->udp_dport);
		udpm.hdr.dst_port = UINT16_MAX;
		pat[i].type = RTE_FLOW_ITEM_TYPE_UDP;
		pat[i].spec = &udp;
		pat[i++].mask = &udpm;
	}
	esp.hdr.spi = rte_cpu_to_be_32(c->spi);
	espm.hdr.spi = UINT32_MAX;
	pat[i].type = RTE_FLOW_ITEM_TYPE_ESP;
	pat[i].spec = &esp;
	pat[i++].mask = &espm;
	pat[i].type = RTE_FLOW_ITEM_TYPE_END;

	act[0].type = RTE_FLOW_ACTION_TYPE_SECURITY;
	act[0].conf = sess;
	act[1].type = RTE_FLOW_ACTION_TYPE_END;
	if (ov2_inline_dpdk.flow_validate(port, &attr, pat, act, &fe) != 0 &&
	    ov2_inline_dpdk.dev_info_get(port, &di) == 0 && di.nb_rx_queues > 0) {
		for (q = 0; q < di.nb_rx_queues; q++)
			queues[q] = q;
		rss.types = RTE_ETH_RSS_ESP;
		rss.queue_num = di.nb_rx_queues;
		rss.queue = queues;
		act[1].type = RTE_FLOW_ACTION_TYPE_RSS;
		act[1].conf = &rss;
		act[2].type = RTE_FLOW_ACTION_TYPE_END;
	}
	memset(&fe, 0, sizeof(fe));
	rte_errno = 0;
	f = ov2_inline_dpdk.flow_create(port, &attr, pat, act, &fe);
	if (f == NULL)
		snprintf(why, len, "flow rule refused: %s",
			 fe.message != NULL ? fe.message : rte_strerror(rte_errno));
	return f;
}

struct start_arg {
	uint16_t port;
	struct ov2_inline_port *ip;
	const struct ov2_caps *caps;
	const struct rte_security_capability *sec_caps;
};

static void
refuse(struct start_arg *a, const struct ov2_sa *sa, const char *why)
{
	if (a->ip->n_refused++ < LOG_REFUSED_MAX)
		LOG(NOTICE, "port %u: SA %u stays on the software engine: %s\n",
		    a->port, sa->conf.spi, why);
}

static int
start_one(struct ov2_sa *sa, void *arg)
{
	struct start_arg *a = arg;
	struct ov2_inline_port *ip = a->ip;
	struct rte_security_session_conf sc;
	struct rte_crypto_sym_xform xf;
	struct ov2_inline_sa *e;
	char why[160];

	if (sa->conf.dir != OV2_SA_IN)
		return 0;
	ip->n_sa++;
	if (!ov2_caps_cover(a->caps, &sa->req) ||
	    (sa->conf.dst.family == 6 && !(a->caps->flags & OV2_CAPF_IPV6))) {
		refuse(a, sa, "outside the port's OV2 capabilities (--caps)");
		return 0;
	}
	if (ov2_inline_cap_for(a->sec_caps, &sa->conf, why, sizeof(why)) == NULL) {
		refuse(a, sa, why);
		return 0;
	}
	if (ip->n_ent == ip->set.cap) {
		refuse(a, sa, "no room left in the session pool");
		return 0;
	}
	e = &ip->ent[ip->n_ent];
	e->sa = sa;
	rte_errno = 0;	/* rte_security_session_create() does not set it */
	e->sess = ov2_inline_dpdk.session_create(ip->sec, session_conf(e, &sc, &xf),
						 ip->sess_pool);
	if (e->sess == NULL) {
		snprintf(why, sizeof(why), "session not created: %s", rte_errno != 0 ?
			 rte_strerror(rte_errno) : "refused by the PMD (see its log)");
		goto fail;
	}
	e->flow = flow_make(a->port, sa, e->sess, why, sizeof(why));
	if (e->flow == NULL) {
		ov2_inline_dpdk.session_destroy(ip->sec, e->sess);
		goto fail;
	}
	ip->n_ent++;
	ov2_inline_set_add(&ip->set, sa);	/* cannot fail: room checked */
	return 0;

fail:
	explicit_bzero(e, sizeof(*e));
	refuse(a, sa, why);
	return 0;
}

static int
count_in(struct ov2_sa *sa, void *arg)
{
	if (sa->conf.dir == OV2_SA_IN)
		(*(uint32_t *)arg)++;
	return 0;
}

uint32_t
ov2_inline_port_start(uint16_t port, struct ov2_inline_port *ip,
		      const struct ov2_sad *sad, const struct ov2_caps *caps)
{
	struct start_arg a = { .port = port, .ip = ip, .caps = caps };
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n = 0;

	if (ip->sec == NULL || ip->why[0] != '\0' || ip->sess_pool != NULL)
		return ip->n_ent;	/* no inline crypto, or started already */
	ov2_sad_foreach(sad, count_in, &n);
	n = RTE_MIN(n, (uint32_t)SESSIONS_MAX);
	if (caps->sa_capacity != 0)
		n = RTE_MIN(n, caps->sa_capacity);
	if (n == 0)
		return 0;
	snprintf(name, sizeof(name), "ov2_sess_%u", port);
	ip->sess_pool = rte_mempool_create(name, n, ov2_inline_dpdk.session_get_size(ip->sec),
					   0, 0, NULL, NULL, NULL, NULL,
					   rte_eth_dev_socket_id(port), 0);
	ip->ent = rte_zmalloc("ov2_inline_sa", n * sizeof(*ip->ent), 0);
	if (ip->sess_pool == NULL || ip->ent == NULL ||
	    ov2_inline_set_init(&ip->set, n) != 0) {
		snprintf(ip->why, sizeof(ip->why), "out of memory for %u sessions", n);
		LOG(WARNING, "port %u: no inline crypto: %s\n", port, ip->why);
		ov2_inline_port_stop(port, ip);
		snprintf(ip->why, sizeof(ip->why), "out of memory for %u sessions", n);
		return 0;
	}
	a.sec_caps = ov2_inline_dpdk.capabilities_get(ip->sec);
	ov2_sad_foreach(sad, start_one, &a);
	if (ip->n_refused > LOG_REFUSED_MAX)
		LOG(NOTICE, "port %u: %u more SAs stay on the software engine\n",
		    port, ip->n_refused - LOG_REFUSED_MAX);
	return ip->n_ent;
}

void
ov2_inline_port_stop(uint16_t port, struct ov2_inline_port *ip)
{
	struct rte_flow_error fe;
	uint32_t i;

	for (i = 0; i < ip->n_ent; i++) {
		if (ip->ent[i].flow != NULL &&
		    ov2_inline_dpdk.flow_destroy(port, ip->ent[i].flow, &fe) != 0)
			LOG(WARNING, "port %u: SA %u: flow rule not destroyed: %s\n", port,
			    ip->ent[i].sa->conf.spi, fe.message != NULL ? fe.message : "?");
		if (ip->ent[i].sess != NULL)
			ov2_inline_dpdk.session_destroy(ip->sec, ip->ent[i].sess);
	}
	if (ip->ent != NULL)
		explicit_bzero(ip->ent, ip->set.cap * sizeof(*ip->ent));
	rte_free(ip->ent);
	rte_mempool_free(ip->sess_pool);
	ov2_inline_set_fini(&ip->set);
	memset(ip, 0, sizeof(*ip));
}
