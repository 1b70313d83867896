/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SA life cycle through both sides, with real ESP packets sealed by
 * the crypto module: the NIC side (ov2_offload_rx) then the consumer.
 *   1. anti-replay: duplicates and packets left of the window dropped,
 *      the window updated only for packets whose ICV verified;
 *   2. ESN: the high half inferred across 2^32 in both directions, the
 *      consumer's UPDATE_SA keeping the NIC side current; a wrong high
 *      half fails authentication;
 *   3. hard lifetime: SaDeleteReq from the packet that reaches it, the SA
 *      and its outbound pair deleted exactly once, later packets not
 *      offloaded (no SA);
 *   4. sequence exhaustion without ESN (2^32-1) deletes the SA;
 *   5. soft lifetime: one event;
 *   6. inbound policy on decrypted and cleartext packets.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "conf.h"
#include "consumer.h"
#include "offload.h"
#include "oob.h"
#include "sad.h"
#include "spd.h"
#include "testlib.h"

#define DELIVER 255

static struct rte_mempool *mp;

static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
static const uint8_t outer_src[4] = { 192, 0, 2, 1 }, outer_dst[4] = { 192, 0, 2, 2 };

static void
ip4(uint8_t *p, uint16_t len, uint8_t proto, const uint8_t *src, const uint8_t *dst,
    uint16_t id)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	ov2_ipv4_cksum_set(p);
}

/* An inner IPv4/UDP packet to dst:dport (48 bytes). */
static size_t
inner(uint8_t *p, const uint8_t dst[4], uint16_t dport, uint16_t id)
{
	static const uint8_t src[4] = { 10, 1, 0, 1 };
	unsigned int i;

	ip4(p, 48, 17, src, dst, id);
	p[20] = 0x30;
	p[21] = 0x39;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	p[24] = 0;
	p[25] = 28;
	for (i = 28; i < 48; i++)
		p[i] = (uint8_t)(i ^ id);
	return 48;
}

/* Eth + IPv4 + ESP (tunnel, AES-GCM) carrying an inner packet to
 * idst:dport, sequence number seq (its high half used for the ICV when
 * esn). */
static struct rte_mbuf *
esp(const struct ov2_sa *sa, uint64_t seq, int esn, const uint8_t idst[4], uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p, *e;
	uint32_t spi = sa->conf.spi, lo = (uint32_t)seq;
	uint16_t esp_len = 8 + 8 + 48 + 2 + 2 + 16;	/* 48 + pad 2 + 2: 4-aligned */

	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 20 + esp_len));
	memcpy(p, eth, 14);
	ip4(p + 14, (uint16_t)(20 + esp_len), 50, outer_src, outer_dst, (uint16_t)seq);
	e = p + 34;
	e[0] = (uint8_t)(spi >> 24), e[1] = (uint8_t)(spi >> 16);
	e[2] = (uint8_t)(spi >> 8), e[3] = (uint8_t)spi;
	e[4] = (uint8_t)(lo >> 24), e[5] = (uint8_t)(lo >> 16);
	e[6] = (uint8_t)(lo >> 8), e[7] = (uint8_t)lo;
	memcpy(e + 8, &seq, 8);				/* IV: unique per packet */
	inner(e + 16, idst, dport, (uint16_t)seq);
	e[16 + 48] = 1;					/* padding 1, 2 */
	e[16 + 49] = 2;
	e[16 + 50] = 2;					/* pad length */
	e[16 + 51] = IPPROTO_IPIP;
	CHECK_EQ(ov2_crypto_esp_seal(&sa->crypto, e, esp_len, esn, (uint32_t)(seq >> 32)), 0);
	return m;
}

static struct rte_mbuf *
clear(const uint8_t dst[4], uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 48);

	memcpy(p, eth, 14);
	inner(p + 14, dst, dport, 7);
	return m;
}

struct rig {
	struct ov2_sad *sad;
	struct ov2_spd *spd;
	struct ov2_offload_ctx nic;
	struct ov2_consumer cons;
	struct ov2_stats st;
};

/* Load a config text into a fresh SA table (and SPD). */
static int
rig_up(struct rig *r, const char *text)
{
	struct ov2_conf conf;
	char err[512];
	uint32_t i;

	memset(r, 0, sizeof(*r));
	if (ov2_conf_load_buf(text, strlen(text), "t", &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		CHECK(0);
		return -1;
	}
	r->sad = ov2_sad_create("life", 64, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(r->sad != NULL);
	for (i = 0; r->sad != NULL && i < conf.n_sa; i++) {
		int rc = conf.sa[i].dir == OV2_SA_IN ?
			ov2_sad_add(r->sad, &conf.sa[i], NULL, err, sizeof(err)) :
			ov2_sad_add_out(r->sad, &conf.sa[i], err, sizeof(err));

		if (rc != 0)
			fprintf(stderr, "add: %s\n", err);
		CHECK_EQ(rc, 0);
	}
	r->spd = ov2_spd_create("life", conf.sp, conf.n_sp, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(r->spd != NULL);
	ov2_conf_free(&conf);
	r->nic.sad = r->sad;
	r->nic.enable = OV2_OFFLOAD_AH_ESP;
	ov2_caps_port_default(&r->nic.caps, 0);
	r->cons.sad = r->sad;
	r->cons.spd = r->spd;
	r->cons.stats = &r->st;
	return 0;
}

static void
rig_down(struct rig *r)
{
	ov2_spd_free(r->spd);
	ov2_sad_free(r->sad);
}

static struct ov2_sa *
sa_of(const struct rig *r, uint32_t spi)
{
	struct ov2_sa_key k;

	ov2_sa_key_make(&k, rte_cpu_to_be_32(spi), OV2_IPPROTO_ESP, 4, outer_dst);
	return ov2_sad_lookup(r->sad, &k);
}

/* NIC side then consumer on one packet; frees it; DELIVER or the reason. */
static unsigned int
rx(struct rig *r, struct rte_mbuf *m, uint32_t *rx_word)
{
	uint8_t reason[1];
	uint16_t k, nd;

	ov2_offload_rx(&r->nic, &m, 1);
	if (rx_word != NULL)
		*rx_word = ov2_oob(m)->rx;
	k = ov2_consumer_rx(&r->cons, &m, 1, reason, &nd);
	rte_pktmbuf_free(m);
	return k == 1 ? DELIVER : reason[0];
}

#define SA_LINE(spi, extra) "sa in " #spi " aead_algo aes-128-gcm aead_key " \
	"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3 " \
	"mode ipv4-tunnel dst 192.0.2.2 " extra "\n"

static const uint8_t net_a[4] = { 10, 2, 0, 1 }, net_b[4] = { 10, 3, 0, 1 };

/* 1. Anti-replay, 32-bit, window 64. */
static void
test_replay(void)
{
	static const struct {
		uint64_t seq;
		int corrupt;		/* flip an ICV bit */
		unsigned int want;
	} steps[] = {
		{ 1, 0, DELIVER }, { 3, 0, DELIVER }, { 2, 0, DELIVER },
		{ 3, 0, OV2_DROP_REPLAY_DUP }, { 100, 0, DELIVER },
		{ 37, 0, DELIVER },			/* 100 - 63: left edge */
		{ 36, 0, OV2_DROP_REPLAY_OLD },		/* just outside */
		{ 0, 0, OV2_DROP_REPLAY_OLD },		/* never valid */
		{ 200, 1, OV2_DROP_TUNNEL_ESP_AUTH_FAILED }, /* forged: no update */
		{ 99, 0, DELIVER },			/* still inside */
		{ 200, 0, DELIVER }, { 200, 0, OV2_DROP_REPLAY_DUP },
	};
	struct rig r;
	struct ov2_sa *sa;
	unsigned int i;

	if (rig_up(&r, SA_LINE(1000, "")) != 0)
		return;
	sa = sa_of(&r, 1000);
	CHECK(sa != NULL);
	for (i = 0; sa != NULL && i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct rte_mbuf *m = esp(sa, steps[i].seq, 0, net_a, 53);
		unsigned int got;

		if (steps[i].corrupt)
			rte_pktmbuf_mtod(m, uint8_t *)[m->data_len - 1] ^= 1;
		got = rx(&r, m, NULL);
		if (got != steps[i].want)
			fprintf(stderr, "replay step %u (seq %" PRIu64 "): got %u want %u\n",
				i + 1, steps[i].seq, got, steps[i].want);
		CHECK_EQ(got, steps[i].want);
	}
	if (sa != NULL) {
		CHECK_EQ(sa->replay.top, 200);
		CHECK_EQ(sa->nic.esn_top, 200);		/* UPDATE_SA */
		CHECK_EQ(sa->host.stats.delivered, 7);
		CHECK_EQ(sa->host.stats.drops[OV2_DROP_REPLAY_DUP], 2);
		CHECK_EQ(sa->host.stats.drops[OV2_DROP_REPLAY_OLD], 2);
		CHECK_EQ(sa->host.stats.drops[OV2_DROP_TUNNEL_ESP_AUTH_FAILED], 1);
	}
	CHECK_EQ(r.st.delivered, 7);
	CHECK_EQ(r.st.drops[OV2_DROP_REPLAY_DUP], 2);
	rig_down(&r);
}

/* 2. ESN across 2^32, forwards and backwards. */
static void
test_esn(void)
{
	const uint64_t b = UINT64_C(1) << 32;
	static const struct {
		int64_t off;		/* seq = 2^32 + off */
		int wrong_hi;		/* sealed with the other high half */
		unsigned int want;
	} steps[] = {
		{ -5, 0, DELIVER },		/* 2^32 - 5: hi 0 */
		{ -2, 0, DELIVER },
		{ 3, 0, DELIVER },		/* wraps: hi 1 inferred */
		{ -1, 0, DELIVER },		/* late, from before the wrap: hi 0 */
		{ -1, 0, OV2_DROP_REPLAY_DUP },
		{ 1, 1, OV2_DROP_TUNNEL_ESP_AUTH_FAILED },	/* sealed with hi 0 */
		{ 1, 0, DELIVER },
		{ -70, 0, OV2_DROP_TUNNEL_ESP_AUTH_FAILED },	/* left of W: taken as hi 1 */
		{ 64, 0, DELIVER },
	};
	struct rig r;
	struct ov2_sa *sa;
	unsigned int i;

	if (rig_up(&r, SA_LINE(1001, "esn 0xfffffff0")) != 0)
		return;
	sa = sa_of(&r, 1001);
	CHECK(sa != NULL);
	for (i = 0; sa != NULL && i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint64_t seq = b + (uint64_t)steps[i].off;
		struct rte_mbuf *m;
		unsigned int got;

		if (steps[i].wrong_hi) {
			/* right low half, ICV over the wrong high half */
			m = esp(sa, seq - b, 1, net_a, 53);
		} else {
			m = esp(sa, seq, 1, net_a, 53);
		}
		got = rx(&r, m, NULL);
		if (got != steps[i].want)
			fprintf(stderr, "esn step %u (seq 2^32%+" PRId64 "): got %u want %u\n",
				i + 1, steps[i].off, got, steps[i].want);
		CHECK_EQ(got, steps[i].want);
	}
	if (sa != NULL) {
		CHECK_EQ(sa->replay.top, b + 64);
		CHECK_EQ(sa->nic.esn_top, b + 64);
	}
	rig_down(&r);
}

/* 3. Hard packet lifetime: SaDeleteReq, DELETE_SA of the SA and its pair,
 * once. */
static void
test_hard_lifetime(void)
{
	struct rig r;
	struct ov2_sa *sa;
	uint32_t word;
	unsigned int i, delivered = 0, req = 0;

	if (rig_up(&r, SA_LINE(1002, "hard-packet-limit 5 soft-packet-limit 3 pair 2002")
		       "sa out 2002 aead_algo aes-128-gcm aead_key "
		       "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3 "
		       "mode ipv4-tunnel dst 192.0.2.1\n") != 0)
		return;
	sa = sa_of(&r, 1002);
	CHECK(sa != NULL);
	CHECK_EQ(ov2_sad_out_count(r.sad), 1);
	for (i = 1; sa != NULL && i <= 4; i++) {
		CHECK_EQ(rx(&r, esp(sa, i, 0, net_a, 53), &word), DELIVER);
		CHECK(!(word & OV2_RX_SA_DELETE_REQ));
	}
	CHECK_EQ(r.st.soft_expired, 1);		/* at 3 packets, once */
	/* the 5th reaches the limit: SaDeleteReq on it, still delivered */
	if (sa != NULL) {
		struct rte_mbuf *m[3] = { esp(sa, 5, 0, net_a, 53), esp(sa, 6, 0, net_a, 53),
					  esp(sa, 7, 0, net_a, 53) };
		uint8_t reason[3];
		uint16_t k, nd;

		ov2_offload_rx(&r.nic, m, 3);
		for (i = 0; i < 3; i++)
			req += (ov2_oob(m[i])->rx & OV2_RX_SA_DELETE_REQ) != 0;
		CHECK_EQ(req, 3);	/* 5 reaches the limit, 6 and 7 exceed it */
		k = ov2_consumer_rx(&r.cons, m, 3, reason, &nd);
		delivered = k;
		CHECK_EQ(k, 1);		/* the 5th; 6 and 7 belong to a deleted SA */
		CHECK_EQ(nd, 2);
		CHECK_EQ(reason[1], OV2_DROP_SA_DELETED);
		CHECK_EQ(reason[2], OV2_DROP_SA_DELETED);
		rte_pktmbuf_free_bulk(m, 3);
		CHECK(sa->host.flags & OV2_SA_HOST_DELETED);
	}
	CHECK_EQ(delivered, 1);
	CHECK_EQ(r.st.sa_deleted, 1);
	CHECK_EQ(r.st.pair_deleted, 1);
	CHECK_EQ(r.st.soft_expired, 1);
	CHECK(sa_of(&r, 1002) == NULL);
	CHECK_EQ(ov2_sad_count(r.sad), 0);
	CHECK_EQ(ov2_sad_out_count(r.sad), 0);
	/* later packets are not offloaded: no SA, whatever their ICV */
	if (sa != NULL)
		CHECK_EQ(rx(&r, esp(sa, 8, 0, net_a, 53), NULL), OV2_DROP_NO_SA);
	CHECK_EQ(r.st.sa_deleted, 1);
	rig_down(&r);
}

/* 4. Sequence exhaustion without ESN. */
static void
test_seq_exhaustion(void)
{
	struct rig r;
	struct ov2_sa *sa;
	uint32_t word = 0;

	if (rig_up(&r, SA_LINE(1003, "")) != 0)
		return;
	sa = sa_of(&r, 1003);
	CHECK(sa != NULL);
	if (sa != NULL) {
		CHECK_EQ(rx(&r, esp(sa, 0xfffffffeu, 0, net_a, 53), &word), DELIVER);
		CHECK(!(word & OV2_RX_SA_DELETE_REQ));
		CHECK_EQ(rx(&r, esp(sa, 0xffffffffu, 0, net_a, 53), &word), DELIVER);
		CHECK(word & OV2_RX_SA_DELETE_REQ);
		CHECK_EQ(r.st.sa_deleted, 1);
		CHECK_EQ(r.st.pair_deleted, 0);
		CHECK_EQ(rx(&r, esp(sa, 1, 0, net_a, 53), NULL), OV2_DROP_NO_SA);
	}
	rig_down(&r);
}

/* 6. Inbound policy: decrypted packets need a protect rule for their SA,
 * cleartext a bypass rule. */
static void
test_policy(void)
{
	struct rig r;
	struct ov2_sa *a, *b;
	static const uint8_t other[4] = { 10, 9, 0, 1 };

	if (rig_up(&r, SA_LINE(1004, "") SA_LINE(1005, "")
		   "sp ipv4 in esp protect 1004 dst 10.2.0.0/16 sport 0:65535 dport 0:65535\n"
		   "sp ipv4 in esp protect 1005 dst 10.3.0.0/16 dport 53:53\n"
		   "sp ipv4 in esp bypass dst 10.9.0.0/16 dport 80:80\n"
		   "sp ipv4 in esp discard dst 10.9.0.0/16\n"
		   "sp ipv4 in esp bypass pri 5 dst 10.9.0.0/16 dport 443:443\n") != 0)
		return;
	a = sa_of(&r, 1004);
	b = sa_of(&r, 1005);
	CHECK(a != NULL && b != NULL);
	if (a != NULL && b != NULL) {
		CHECK_EQ(rx(&r, esp(a, 1, 0, net_a, 53), NULL), DELIVER);
		CHECK_EQ(rx(&r, esp(b, 1, 0, net_b, 53), NULL), DELIVER);
		/* the inner packet belongs to the other SA's policy */
		CHECK_EQ(rx(&r, esp(a, 2, 0, net_b, 53), NULL), OV2_DROP_POLICY_MISMATCH);
		/* no rule at all for it */
		CHECK_EQ(rx(&r, esp(b, 2, 0, other, 53), NULL), OV2_DROP_POLICY_MISMATCH);
		/* port outside 1005's rule */
		CHECK_EQ(rx(&r, esp(b, 3, 0, net_b, 54), NULL), OV2_DROP_POLICY_MISMATCH);
	}
	CHECK_EQ(rx(&r, clear(other, 80), NULL), DELIVER);
	CHECK_EQ(rx(&r, clear(other, 81), NULL), OV2_DROP_POLICY_DISCARD);
	CHECK_EQ(rx(&r, clear(other, 443), NULL), DELIVER);	/* pri 5 wins */
	CHECK_EQ(rx(&r, clear(net_a, 53), NULL), OV2_DROP_IPSEC_REQUIRED);
	CHECK_EQ(rx(&r, clear((const uint8_t[]){ 172, 16, 0, 1 }, 53), NULL),
		 OV2_DROP_POLICY_NO_MATCH);
	CHECK_EQ(r.st.delivered, 4);
	if (a != NULL && b != NULL) {
		CHECK_EQ(a->host.stats.drops[OV2_DROP_POLICY_MISMATCH], 1);
		CHECK_EQ(b->host.stats.drops[OV2_DROP_POLICY_MISMATCH], 2);
	}
	rig_down(&r);
}

/* 7. The published ESN vectors through the NIC side: an SA whose start
 * (esn N = seq - 1) makes the Appendix A inference give the published high
 * half; the engine must verify and decrypt with it and report it. */
struct vec {
	char id[16];
	uint8_t key[32], spi[4], seq[8], nonce[12], pt[256], esp[512];
	size_t key_n, seq_n, nonce_n, pt_n, esp_n;
	int gcm;
};

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int b;

	while (h[0] != '\0' && h[0] != '\n' && h[1] != '\0' && n < cap &&
	       sscanf(h, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		h += 2;
	}
	return n;
}

static void
run_esn_vector(const struct vec *v)
{
	uint64_t seq = 0;
	struct ov2_sa_conf conf;
	struct ov2_sa *sa = NULL;
	struct ov2_sad *sad;
	struct ov2_offload_ctx nic = { 0 };
	struct rte_mbuf *m;
	char err[256];
	uint8_t *p;
	unsigned int i;
	int ok;

	for (i = 0; i < 8; i++)
		seq = seq << 8 | v->seq[i];
	memset(&conf, 0, sizeof(conf));
	conf.spi = (uint32_t)v->spi[0] << 24 | v->spi[1] << 16 | v->spi[2] << 8 | v->spi[3];
	conf.dir = OV2_SA_IN;
	conf.proto = OV2_IPPROTO_ESP;
	conf.mode = OV2_MODE_TUNNEL4;
	conf.aead = v->key_n == 16 ? OV2_AEAD_AES_128_GCM :
		    v->key_n == 24 ? OV2_AEAD_AES_192_GCM : OV2_AEAD_AES_256_GCM;
	conf.key_len = (uint8_t)v->key_n;
	memcpy(conf.key, v->key, v->key_n);
	memcpy(conf.salt, v->nonce, 4);
	conf.flags = OV2_SA_F_ESN;
	conf.esn_start = seq - 1;	/* the receiver has seen up to seq - 1 */
	conf.dst.family = 4;
	memcpy(conf.dst.a, outer_dst, 4);
	sad = ov2_sad_create("vec", 8, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(sad != NULL);
	if (sad == NULL)
		return;
	CHECK_EQ(ov2_sad_add(sad, &conf, &sa, err, sizeof(err)), 0);
	m = rte_pktmbuf_alloc(mp);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(34 + v->esp_n));
	memcpy(p, eth, 14);
	ip4(p + 14, (uint16_t)(20 + v->esp_n), 50, outer_src, outer_dst, 1);
	memcpy(p + 34, v->esp, v->esp_n);
	nic.sad = sad;
	nic.enable = OV2_OFFLOAD_AH_ESP;
	ov2_caps_port_default(&nic.caps, 0);
	ov2_offload_rx(&nic, &m, 1);
	ok = ov2_oob_crypto_done(ov2_oob(m)) &&
	     ov2_oob_status(ov2_oob(m)) == OV2_CRYPTO_SUCCESS &&
	     ov2_oob(m)->seq_hi == (uint32_t)(seq >> 32) &&
	     memcmp(p + 34 + 16, v->pt, v->pt_n) == 0;
	printf("%s %s: esn start 0x%" PRIx64 " -> inferred high half 0x%x, decrypts to "
	       "the published plaintext\n", ok ? "pass" : "FAIL", v->id, seq - 1,
	       ov2_oob(m)->seq_hi);
	CHECK(ok);
	rte_pktmbuf_free(m);
	ov2_sad_free(sad);
}

static void
test_esn_vectors(void)
{
	FILE *f = fopen(OV2_VECTORS, "r");
	char line[2048];
	struct vec v;
	unsigned int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	memset(&v, 0, sizeof(v));
	for (;;) {
		char *got = fgets(line, sizeof(line), f);

		if (got == NULL || strncmp(line, "### ", 4) == 0) {
			if (v.gcm && v.seq_n == 8 && v.esp_n > 32 && v.nonce_n == 12) {
				run_esn_vector(&v);
				n++;
			}
			if (got == NULL)
				break;
			memset(&v, 0, sizeof(v));
			sscanf(line + 4, "%15s", v.id);
			v.gcm = strstr(line, "[gcm]") != NULL;
			continue;
		}
		if (strncmp(line, "key: ", 5) == 0)
			v.key_n = unhex(line + 5, v.key, sizeof(v.key));
		else if (strncmp(line, "spi: ", 5) == 0)
			unhex(line + 5, v.spi, sizeof(v.spi));
		else if (strncmp(line, "seq: ", 5) == 0)
			v.seq_n = unhex(line + 5, v.seq, sizeof(v.seq));
		else if (strncmp(line, "nonce: ", 7) == 0)
			v.nonce_n = unhex(line + 7, v.nonce, sizeof(v.nonce));
		else if (strncmp(line, "plaintext: ", 11) == 0)
			v.pt_n = unhex(line + 11, v.pt, sizeof(v.pt));
		else if (strncmp(line, "esp: ", 5) == 0)
			v.esp_n = unhex(line + 5, v.esp, sizeof(v.esp));
	}
	fclose(f);
	printf("test_lifecycle: %u published ESN vectors through the NIC side\n", n);
	CHECK(n >= 6);
}

int
main(void)
{
	test_eal_init("test_lifecycle");
	CHECK_EQ(ov2_oob_register(), 0);
	mp = rte_pktmbuf_pool_create("life", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (mp == NULL)
		return 1;
	test_replay();
	test_esn();
	test_hard_lifetime();
	test_seq_exhaustion();
	test_policy();
	test_esn_vectors();
	return test_done("test_lifecycle");
}
