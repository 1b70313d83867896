/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline crypto without the hardware: the same traffic through the
 * software engine and through a model of an inline-crypto NIC followed by
 * the shim's translation must give the same OOB data and the same consumer
 * outcome, packet by packet.
 *
 * The NIC model does what DPDK 22.11's ixgbe does with the sessions the
 * shim would make: for ESP without IPv4 options or IPv6 extension headers
 * whose SPI and destination match a session, it decrypts AES-GCM in place
 * with OpenSSL (independent of libipsec-mb, which the software engine
 * uses), leaves ESP header, IV, trailer and ICV where they were, and sets
 * RTE_MBUF_F_RX_SEC_OFFLOAD, with RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED when the
 * ICV is wrong (the bytes then hold what the decryption produced: the
 * worst case for the error port). Some packets get their flags forced, as
 * other NICs set them (iavf: FAILED for a packet with no SA, "SAD miss",
 * or bad lengths; a session outliving its SA).
 *
 * Also: which SAs go on the NIC under ixgbe's capability list, the SA set
 * of the receive path, and a vdev port (no inline crypto: software engine,
 * reason printed).
 */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <rte_dev.h>
#include <rte_cryptodev.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_security.h>
#include "build.h"
#include "conf.h"
#include "consumer.h"
#include "inline.h"
#include "offload.h"
#include "oob.h"
#include "sad.h"
#include "shim.h"
#include "testlib.h"

#define DELIVER 255
#define ETH_LEN 14
#define MAX_CASES 64

static struct rte_mempool *pool;

#define KEY16 "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f"
#define KEY32 KEY16 ":10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f"
#define SALT ":a0:a1:a2:a3"

static const char *const conf_text =
	"sa in 1001 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode ipv4-tunnel dst 192.0.2.2\n"
	"sa in 1002 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode transport dst 192.0.2.2\n"
	"sa in 1003 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode ipv6-tunnel dst fd00::2\n"
	"sa in 1004 aead_algo aes-256-gcm aead_key " KEY32 SALT
	" mode ipv4-tunnel dst 192.0.2.2\n"
	"sa in 1005 cipher_algo aes-128-cbc cipher_key " KEY16
	" auth_algo sha256-hmac auth_key " KEY32 " mode ipv4-tunnel dst 192.0.2.2\n"
	"sa in 1006 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode ipv4-tunnel dst 192.0.2.2 hard-packet-limit 3\n"
	"sa in 1007 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode ipv4-tunnel dst 192.0.2.2 esn\n"
	"sa in 1008 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode transport\n"
	"sa in 1010 aead_algo aes-128-gcm aead_key " KEY16 SALT
	" mode transport dst 10.9.0.2\n";

/* What ixgbe's rte_security_capabilities_get() returns in DPDK 22.11
 * (drivers/net/ixgbe/ixgbe_ipsec.c): ESP, transport and tunnel, AES-GCM
 * with a 16-byte key, ICV 16, any AAD length, IV 12, no option. */
static const struct rte_cryptodev_capabilities ixgbe_crypto[] = {
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC,
	  .sym = { .xform_type = RTE_CRYPTO_SYM_XFORM_AEAD,
		   .aead = { .algo = RTE_CRYPTO_AEAD_AES_GCM, .block_size = 16,
			     .key_size = { 16, 16, 0 }, .digest_size = { 16, 16, 0 },
			     .aad_size = { 0, 65535, 1 }, .iv_size = { 12, 12, 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_UNDEFINED },
};

#define IXGBE_CAP(m, d) { .action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO, \
	.protocol = RTE_SECURITY_PROTOCOL_IPSEC, \
	.ipsec = { .proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP, .mode = (m), .direction = (d) }, \
	.crypto_capabilities = ixgbe_crypto }

static const struct rte_security_capability ixgbe_caps[] = {
	IXGBE_CAP(RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT, RTE_SECURITY_IPSEC_SA_DIR_EGRESS),
	IXGBE_CAP(RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT, RTE_SECURITY_IPSEC_SA_DIR_INGRESS),
	IXGBE_CAP(RTE_SECURITY_IPSEC_SA_MODE_TUNNEL, RTE_SECURITY_IPSEC_SA_DIR_EGRESS),
	IXGBE_CAP(RTE_SECURITY_IPSEC_SA_MODE_TUNNEL, RTE_SECURITY_IPSEC_SA_DIR_INGRESS),
	{ .action = RTE_SECURITY_ACTION_TYPE_NONE },
};

/* One side: an SA table of its own (replay windows, lifetimes), the
 * engine's context, a consumer. */
struct side {
	struct ov2_sad *sad;
	struct ov2_offload_ctx ctx;
	struct ov2_consumer cons;
	struct ov2_stats st;
};

static int
side_up(struct side *s, const char *name)
{
	struct ov2_conf conf;
	char err[512];
	uint32_t i;

	memset(s, 0, sizeof(*s));
	if (ov2_conf_load_buf(conf_text, strlen(conf_text), "t", &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	s->sad = ov2_sad_create(name, 64, SOCKET_ID_ANY, err, sizeof(err));
	for (i = 0; s->sad != NULL && i < conf.n_sa; i++)
		if (ov2_sad_add(s->sad, &conf.sa[i], NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "add: %s\n", err);
			ov2_conf_free(&conf);
			return -1;
		}
	ov2_conf_free(&conf);
	if (s->sad == NULL)
		return -1;
	s->ctx.sad = s->sad;
	s->ctx.enable = OV2_OFFLOAD_AH_ESP;
	ov2_caps_port_default(&s->ctx.caps, 0);
	s->cons.sad = s->sad;
	s->cons.stats = &s->st;
	return 0;
}

struct find_arg {
	uint32_t spi;
	struct ov2_sa *sa;
};

static int
find_spi(struct ov2_sa *sa, void *arg)
{
	struct find_arg *f = arg;

	if (sa->conf.spi != f->spi)
		return 0;
	f->sa = sa;
	return 1;
}

/* A walk, not a lookup: SA 1008 has no address to look it up with. */
static struct ov2_sa *
sa_by_spi(const struct ov2_sad *sad, uint32_t spi)
{
	struct find_arg f = { spi, NULL };

	ov2_sad_foreach(sad, find_spi, &f);
	return f.sa;
}

/* ---- the NIC model ---- */

enum nic_mode {
	NIC_MODEL,	/* decide as ixgbe does */
	NIC_FAIL,	/* flag processed + failed, bytes untouched (iavf: SAD
			 * miss, length error) */
	NIC_OK,		/* flag processed, bytes untouched (a session of an SA
			 * no longer in the table) */
};

struct nic_session {
	uint32_t spi;
	uint8_t family;
	uint8_t dst[16];
	uint8_t key[16];
	uint8_t salt[4];
};

static struct nic_session nic_sess[16];
static unsigned int nic_n;

static void
nic_add(const struct ov2_sa *sa)
{
	struct nic_session *n = &nic_sess[nic_n++];

	n->spi = sa->conf.spi;
	n->family = sa->conf.dst.family;
	memcpy(n->dst, sa->conf.dst.a, 16);
	memcpy(n->key, sa->conf.key, 16);
	memcpy(n->salt, sa->conf.salt, 4);
}

/* AES-128-GCM open in place with OpenSSL; 1 when the tag verified. */
static int
gcm_open(const struct nic_session *s, uint8_t *esp, uint32_t esp_len)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	uint32_t ct_len = esp_len - 8 - 8 - 16;
	int outl, ok;

	memcpy(nonce, s->salt, 4);
	memcpy(nonce + 4, esp + 8, 8);
	ok = EVP_DecryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
		EVP_DecryptInit_ex(x, NULL, NULL, s->key, nonce) == 1 &&
		EVP_DecryptUpdate(x, NULL, &outl, esp, 8) == 1 &&
		EVP_DecryptUpdate(x, esp + 16, &outl, esp + 16, (int)ct_len) == 1 &&
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, esp + 16 + ct_len) == 1 &&
		EVP_DecryptFinal_ex(x, esp + 16 + ct_len, &outl) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok;
}

static void
nic_rx(struct rte_mbuf *m, enum nic_mode mode)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), ip_len, hl, i;
	uint16_t et = (uint16_t)(p[12] << 8 | p[13]);
	uint8_t family, proto, *dst, *esp;
	uint32_t spi;

	m->ol_flags &= ~(RTE_MBUF_F_RX_SEC_OFFLOAD | RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	if (mode == NIC_FAIL) {
		m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD | RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
		return;
	}
	if (mode == NIC_OK) {
		m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD;
		return;
	}
	if (et == 0x0800 && (p[ETH_LEN] == 0x45)) {
		if ((p[ETH_LEN + 6] & 0x3f) != 0 || p[ETH_LEN + 7] != 0)
			return;			/* fragment */
		family = 4, hl = 20, proto = p[ETH_LEN + 9], dst = p + ETH_LEN + 16;
		ip_len = (uint32_t)p[ETH_LEN + 2] << 8 | p[ETH_LEN + 3];
	} else if (et == 0x86dd) {
		family = 6, hl = 40, proto = p[ETH_LEN + 6], dst = p + ETH_LEN + 24;
		ip_len = 40 + ((uint32_t)p[ETH_LEN + 4] << 8 | p[ETH_LEN + 5]);
	} else {
		return;				/* not IP, or IPv4 options */
	}
	if (proto != 50 || ETH_LEN + ip_len > len || ip_len < hl + 8 + 8 + 16 + 4)
		return;
	esp = p + ETH_LEN + hl;
	spi = rte_be_to_cpu_32(raw32_load(esp));
	for (i = 0; i < nic_n; i++)
		if (nic_sess[i].spi == spi && nic_sess[i].family == family &&
		    memcmp(nic_sess[i].dst, dst, family == 4 ? 4 : 16) == 0)
			break;
	if (i == nic_n)
		return;				/* no session: not processed */
	m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD;
	if (!gcm_open(&nic_sess[i], esp, ip_len - hl))
		m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
}

/* ---- traffic ---- */

struct tcase {
	const char *name;
	uint8_t b[OV2_BUILD_MAX_FRAME];
	size_t len;
	uint8_t exp[OV2_BUILD_MAX_FRAME];
	size_t exp_len;
	enum nic_mode nic;
	unsigned int want;		/* DELIVER or a drop reason */
	int restore;			/* failed packet: bytes as they arrived */
};

static struct tcase cases[MAX_CASES];
static unsigned int n_cases;
static uint64_t next_seq[2000];

static struct tcase *
add_built(const char *name, const struct ov2_sa *sa, enum ov2_build_fault fault,
	  enum nic_mode nic, unsigned int want, uint8_t inner_family)
{
	struct tcase *t = &cases[n_cases];
	struct ov2_build_opts o = { .size = 120, .fault = fault, .inner_family = inner_family };
	uint8_t frag2[OV2_BUILD_MAX_FRAME];
	uint8_t *out[2] = { t->b, frag2 };
	size_t out_len[2];
	char err[128];

	o.seq = ++next_seq[sa->conf.spi];
	o.flow = n_cases;
	if (ov2_build_esp(&sa->conf, &sa->crypto, &o, out, out_len, t->exp, &t->exp_len,
			  err, sizeof(err)) != 1) {
		fprintf(stderr, "%s: ov2_build_esp: %s\n", name, err);
		CHECK(0);
		return t;
	}
	t->name = name;
	t->len = out_len[0];
	t->nic = nic;
	t->want = want;
	n_cases++;
	return t;
}

static size_t
ip4_hdr(uint8_t *p, uint16_t total, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	ov2_ipv4_cksum_set(p);
	return 20;
}

/* ESP of sa around payload (next header nh) at esp; returns its length. */
static uint32_t
esp_seal(const struct ov2_sa *sa, uint32_t seq, const uint8_t *payload, uint32_t len,
	 uint8_t nh, uint8_t *esp, int bad_icv)
{
	const struct ov2_crypto *c = &sa->crypto;
	uint32_t blk = RTE_MAX(c->block, 4u), pad = (blk - (len + 2) % blk) % blk, i, n;

	be32_store(esp, sa->conf.spi);
	be32_store(esp + 4, seq);
	for (i = 0; i < c->iv_len; i++)
		esp[8 + i] = (uint8_t)(seq * 13 + i);
	memcpy(esp + 8 + c->iv_len, payload, len);
	n = 8 + c->iv_len + len;
	for (i = 1; i <= pad; i++)
		esp[n++] = (uint8_t)i;
	esp[n++] = (uint8_t)pad;
	esp[n++] = nh;
	n += c->icv_len;
	if (ov2_crypto_esp_seal(c, esp, n, 0, 0) != 0)
		CHECK(0);
	if (bad_icv)
		esp[n - 1] ^= 0x01;
	return n;
}

/*
 * A transport SA (1010, inner destination 10.9.0.2) nested in tunnel SA
 * 1001: outer IPv4 | ESP(1001) [ inner IPv4 | ESP(1010) [ UDP ] ].
 */
static void
add_nested(const char *name, struct ov2_sa *tun, struct ov2_sa *tr, int bad_inner_icv,
	   unsigned int want)
{
	static const uint8_t osrc[4] = { 192, 0, 2, 1 }, odst[4] = { 192, 0, 2, 2 };
	static const uint8_t isrc[4] = { 10, 9, 0, 1 }, idst[4] = { 10, 9, 0, 2 };
	struct tcase *t = &cases[n_cases];
	uint8_t udp[40], inner[256];
	uint32_t i, l, il;

	memset(udp, 0, sizeof(udp));
	udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x00, udp[3] = 0x35;
	udp[5] = sizeof(udp);
	for (i = 8; i < sizeof(udp); i++)
		udp[i] = (uint8_t)i;
	l = esp_seal(tr, (uint32_t)++next_seq[tr->conf.spi], udp, sizeof(udp), 17,
		     inner + 20, bad_inner_icv);
	il = 20 + l;
	ip4_hdr(inner, (uint16_t)il, 50, isrc, idst);
	memcpy(t->b, (const uint8_t[]){ 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0 }, ETH_LEN);
	l = esp_seal(tun, (uint32_t)++next_seq[tun->conf.spi], inner, il, 4,
		     t->b + ETH_LEN + 20, 0);
	ip4_hdr(t->b + ETH_LEN, (uint16_t)(20 + l), 50, osrc, odst);
	t->len = ETH_LEN + 20 + l;
	t->exp_len = 0;
	t->name = name;
	t->nic = NIC_MODEL;
	t->want = want;
	t->restore = bad_inner_icv;
	n_cases++;
}

static struct rte_mbuf *
mbuf_of(const struct tcase *t)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		return NULL;
	memcpy(rte_pktmbuf_append(m, (uint16_t)t->len), t->b, t->len);
	return m;
}

static int
pos_of(struct rte_mbuf *const arr[], unsigned int n, const struct rte_mbuf *m)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (arr[i] == m)
			return (int)i;
	return -1;
}

static uint32_t
spi_of(const struct ov2_oob *o)
{
	return o->sa != NULL ? o->sa->conf.spi : 0;
}

/* ---- 1. which SAs go on the NIC ---- */

static void
test_decision(struct side *s, struct ov2_inline_set *set)
{
	static const struct {
		uint32_t spi;
		int fits;
		const char *why;
	} t[] = {
		{ 1001, 1, NULL },
		{ 1002, 1, NULL },
		{ 1003, 1, NULL },
		{ 1004, 0, "algorithm or key size" },	/* ixgbe: 16-byte keys */
		{ 1005, 0, "not an AEAD" },
		{ 1006, 1, NULL },			/* lifetime counted by the shim */
		{ 1007, 0, "ESN" },
		{ 1008, 0, "no destination" },
		{ 1010, 1, NULL },
	};
	static const struct rte_security_capability trailer_caps[] = {
		{ .action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO,
		  .protocol = RTE_SECURITY_PROTOCOL_IPSEC,
		  .ipsec = { .proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP,
			     .mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL,
			     .direction = RTE_SECURITY_IPSEC_SA_DIR_INGRESS },
		  .crypto_capabilities = ixgbe_crypto,
		  .ol_flags = RTE_SECURITY_RX_HW_TRAILER_OFFLOAD },
		{ .action = RTE_SECURITY_ACTION_TYPE_NONE },
	};
	static const struct rte_security_capability egress_only[] = {
		IXGBE_CAP(RTE_SECURITY_IPSEC_SA_MODE_TUNNEL, RTE_SECURITY_IPSEC_SA_DIR_EGRESS),
		{ .action = RTE_SECURITY_ACTION_TYPE_NONE },
	};
	struct ov2_sa_conf c;
	char why[160];
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++) {
		struct ov2_sa *sa = sa_by_spi(s->sad, t[i].spi);
		const struct rte_security_capability *cap;

		CHECK(sa != NULL);
		if (sa == NULL)
			continue;
		why[0] = '\0';
		cap = ov2_inline_cap_for(ixgbe_caps, &sa->conf, why, sizeof(why));
		CHECK_EQ(cap != NULL, t[i].fits);
		if (t[i].why != NULL && strstr(why, t[i].why) == NULL) {
			fprintf(stderr, "SA %u: reason \"%s\", expected \"%s\"\n",
				t[i].spi, why, t[i].why);
			CHECK(0);
		}
		if (cap != NULL) {
			/* the capability of the SA's mode, ingress */
			CHECK_EQ(cap->ipsec.direction, RTE_SECURITY_IPSEC_SA_DIR_INGRESS);
			CHECK_EQ(cap->ipsec.mode, sa->conf.mode == OV2_MODE_TRANSPORT ?
				 RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT :
				 RTE_SECURITY_IPSEC_SA_MODE_TUNNEL);
			CHECK_EQ(ov2_inline_set_add(set, sa), 0);
		}
	}
	/* AH, UDP-ESP without the option, a NIC that strips the trailer, a
	 * NIC with egress only, no capability list at all */
	c = sa_by_spi(s->sad, 1001)->conf;
	c.proto = OV2_IPPROTO_AH;
	CHECK(ov2_inline_cap_for(ixgbe_caps, &c, why, sizeof(why)) == NULL);
	c = sa_by_spi(s->sad, 1001)->conf;
	c.flags |= OV2_SA_F_UDP_ENCAP;
	CHECK(ov2_inline_cap_for(ixgbe_caps, &c, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "UDP") != NULL);
	c.flags |= OV2_SA_F_BUNDLED;
	CHECK(ov2_inline_cap_for(ixgbe_caps, &c, why, sizeof(why)) == NULL);
	c = sa_by_spi(s->sad, 1001)->conf;
	CHECK(ov2_inline_cap_for(trailer_caps, &c, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "trailer") != NULL);
	CHECK(ov2_inline_cap_for(egress_only, &c, why, sizeof(why)) == NULL);
	CHECK(ov2_inline_cap_for(NULL, &c, why, sizeof(why)) == NULL);
	CHECK(ov2_inline_cap_for(ixgbe_caps, &c, why, sizeof(why)) != NULL);
}

/* ---- 2. the set ---- */

static void
test_set(void)
{
	struct ov2_sa a[5];
	struct ov2_inline_set s;
	unsigned int i;

	CHECK_EQ(ov2_inline_set_init(&s, 4), 0);
	/* out of address order on purpose */
	CHECK_EQ(ov2_inline_set_add(&s, &a[3]), 0);
	CHECK_EQ(ov2_inline_set_add(&s, &a[0]), 0);
	CHECK_EQ(ov2_inline_set_add(&s, &a[2]), 0);
	CHECK_EQ(ov2_inline_set_add(&s, &a[0]), -EEXIST);
	CHECK_EQ(ov2_inline_set_add(&s, &a[4]), 0);
	CHECK_EQ(ov2_inline_set_add(&s, &a[1]), -ENOSPC);
	for (i = 0; i < 5; i++)
		CHECK_EQ(ov2_inline_set_has(&s, &a[i]), i != 1);
	ov2_inline_set_fini(&s);
	CHECK_EQ(ov2_inline_set_has(&s, &a[0]), 0);
}

/* ---- 3. the same traffic both ways ---- */

static void
test_parity(struct side *sw, struct side *hw, const struct ov2_inline_set *set)
{
	struct ov2_sa *s1001 = sa_by_spi(hw->sad, 1001), *s1002 = sa_by_spi(hw->sad, 1002);
	struct ov2_sa *s1003 = sa_by_spi(hw->sad, 1003), *s1004 = sa_by_spi(hw->sad, 1004);
	struct ov2_sa *s1005 = sa_by_spi(hw->sad, 1005), *s1006 = sa_by_spi(hw->sad, 1006);
	struct ov2_sa *s1007 = sa_by_spi(hw->sad, 1007), *s1010 = sa_by_spi(hw->sad, 1010);
	struct rte_mbuf *msw[MAX_CASES], *mhw[MAX_CASES], *asw[MAX_CASES], *ahw[MAX_CASES];
	uint8_t rsw[MAX_CASES], rhw[MAX_CASES];
	struct ov2_inline_stats st = { 0 };
	uint16_t ksw, khw, ndsw, ndhw;
	unsigned int i, n, flagged_ok = 0, flagged_fail = 0;
	struct tcase *t;

	n_cases = 0;
	add_built("tunnel4 good", s1001, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("tunnel4 good, inner IPv6", s1001, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 6);
	add_built("transport4 good", s1002, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 0);
	add_built("tunnel6 good", s1003, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("tunnel4 bad ICV", s1001, OV2_FAULT_BAD_ICV, NIC_MODEL,
		  OV2_DROP_TUNNEL_ESP_AUTH_FAILED, 4);
	add_built("transport4 bad ICV", s1002, OV2_FAULT_BAD_ICV, NIC_MODEL,
		  OV2_DROP_TRANSPORT_ESP_AUTH_FAILED, 0);
	add_built("tunnel6 bad ICV", s1003, OV2_FAULT_BAD_ICV, NIC_MODEL,
		  OV2_DROP_TUNNEL_ESP_AUTH_FAILED, 4);
	add_built("bad padding", s1001, OV2_FAULT_BAD_PAD, NIC_MODEL, OV2_DROP_BAD_PADDING, 4);
	add_built("bad inner packet", s1001, OV2_FAULT_BAD_INNER, NIC_MODEL,
		  OV2_DROP_BAD_INNER, 4);
	/* the NIC does not take a frame shorter than its IP length ... */
	add_built("truncated, not processed", s1001, OV2_FAULT_TRUNCATED, NIC_MODEL,
		  OV2_DROP_INVALID_PACKET_SYNTAX, 4);
	/* ... iavf may flag it failed: the lengths decide, as in the engine */
	add_built("truncated, flagged failed", s1001, OV2_FAULT_TRUNCATED, NIC_FAIL,
		  OV2_DROP_INVALID_PACKET_SYNTAX, 4);
	/* IPv4 options: not processed by the NIC; the consumer's software path */
	add_built("IPv4 options", s1001, OV2_FAULT_IPV4_OPTIONS, NIC_MODEL, DELIVER, 4);
	/* SAs the NIC did not take: software engine */
	add_built("AES-256-GCM (software)", s1004, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("AES-CBC (software)", s1005, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("ESN (software)", s1007, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	/* flagged failed for an SA with no session (iavf's SAD miss): the
	 * bytes are untouched, the software engine takes it */
	add_built("SAD miss on a software SA", s1004, OV2_FAULT_NONE, NIC_FAIL, DELIVER, 4);
	/* unknown SPI: flagged failed (SAD miss), or flagged done for a
	 * session whose SA left the table: no OOB, no_sa either way */
	add_built("unknown SPI, SAD miss", s1001, OV2_FAULT_UNKNOWN_SPI, NIC_FAIL,
		  OV2_DROP_NO_SA, 4);
	add_built("unknown SPI, stale session", s1001, OV2_FAULT_UNKNOWN_SPI, NIC_OK,
		  OV2_DROP_NO_SA, 4);
	add_built("wrong destination", s1001, OV2_FAULT_WRONG_DST, NIC_MODEL, OV2_DROP_NO_SA, 4);
	/* hard lifetime 3: SaDeleteReq on the third and fourth; the consumer
	 * deletes the SA after the third */
	add_built("lifetime 1", s1006, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("lifetime 2", s1006, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("lifetime 3 (SaDeleteReq)", s1006, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	add_built("lifetime 4 (deleted)", s1006, OV2_FAULT_NONE, NIC_MODEL,
		  OV2_DROP_SA_DELETED, 4);
	/* a replayed packet: the consumer's window, same on both sides */
	t = add_built("replayed", s1002, OV2_FAULT_NONE, NIC_MODEL, OV2_DROP_REPLAY_DUP, 0);
	memcpy(t->b, cases[2].b, cases[2].len);
	t->len = cases[2].len;
	t->exp_len = 0;
	/* nested transport in tunnel: NextCryptoDone; a bad inner ICV gives
	 * TRANSPORT_ESP_AUTH_FAILED and the bytes the packet arrived with */
	add_nested("nested", s1001, s1010, 0, DELIVER);
	add_nested("nested, bad inner ICV", s1001, s1010, 1,
		   OV2_DROP_TRANSPORT_ESP_AUTH_FAILED);
	for (i = 0; i < n_cases; i++)
		if (cases[i].want == OV2_DROP_TUNNEL_ESP_AUTH_FAILED ||
		    cases[i].want == OV2_DROP_TRANSPORT_ESP_AUTH_FAILED)
			cases[i].restore = 1;
	n = n_cases;

	for (i = 0; i < n; i++) {
		msw[i] = mbuf_of(&cases[i]);
		mhw[i] = mbuf_of(&cases[i]);
		if (msw[i] == NULL || mhw[i] == NULL) {
			CHECK(0);
			return;
		}
		nic_rx(mhw[i], cases[i].nic);
		if (mhw[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD) {
			if (mhw[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)
				flagged_fail++;
			else
				flagged_ok++;
		}
	}
	/* the model really decrypted: a good tunnel packet's inner version */
	CHECK_EQ(rte_pktmbuf_mtod(mhw[0], uint8_t *)[ETH_LEN + 20 + 16] >> 4, 4);
	CHECK_EQ(rte_pktmbuf_mtod(msw[0], uint8_t *)[ETH_LEN + 20 + 16],
		 cases[0].b[ETH_LEN + 20 + 16]);

	ov2_offload_rx(&sw->ctx, msw, (uint16_t)n);
	ov2_inline_rx(&hw->ctx, set, &st, mhw, (uint16_t)n);

	for (i = 0; i < n; i++) {
		const struct ov2_oob *a = ov2_oob(msw[i]), *b = ov2_oob(mhw[i]);
		int same = a->rx == b->rx && a->next_header == b->next_header &&
			a->pad_length == b->pad_length && a->hdr_info == b->hdr_info &&
			spi_of(a) == spi_of(b) && a->seq_hi == b->seq_hi &&
			a->seq_hi2 == b->seq_hi2;

		if (!same)
			fprintf(stderr, "%s: OOB differs: software rx %#x nh %u pad %u sa %u, "
				"inline rx %#x nh %u pad %u sa %u\n", cases[i].name, a->rx,
				a->next_header, a->pad_length, spi_of(a), b->rx, b->next_header,
				b->pad_length, spi_of(b));
		CHECK(same);
		if (cases[i].restore &&
		    (memcmp(rte_pktmbuf_mtod(msw[i], uint8_t *), cases[i].b, cases[i].len) != 0 ||
		     (strncmp(cases[i].name, "nested", 6) == 0 &&
		      memcmp(rte_pktmbuf_mtod(mhw[i], uint8_t *), cases[i].b,
			     cases[i].len) != 0))) {
			fprintf(stderr, "%s: bytes not as they arrived\n", cases[i].name);
			CHECK(0);
		}
	}
	/* what the OOB says, beyond "the same": spot checks by case */
	CHECK_EQ(ov2_oob_status(ov2_oob(mhw[0])), OV2_CRYPTO_SUCCESS);
	CHECK(ov2_oob_header_info_set(ov2_oob(mhw[0])));
	CHECK_EQ(ov2_oob(mhw[0])->next_header, 4);
	CHECK_EQ(ov2_oob(mhw[1])->next_header, 41);
	CHECK_EQ(ov2_oob_status(ov2_oob(mhw[4])), OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED);
	CHECK_EQ(ov2_oob_status(ov2_oob(mhw[5])), OV2_CRYPTO_TRANSPORT_ESP_AUTH_FAILED);
	CHECK_EQ(ov2_oob_status(ov2_oob(mhw[10])), OV2_CRYPTO_INVALID_PACKET_SYNTAX);
	CHECK(!ov2_oob_crypto_done(ov2_oob(mhw[11])));		/* IPv4 options */
	CHECK(!ov2_oob_crypto_done(ov2_oob(mhw[17])));		/* stale session */
	CHECK(!ov2_oob_sa_delete_req(ov2_oob(mhw[20])));
	CHECK(ov2_oob_sa_delete_req(ov2_oob(mhw[21])));
	CHECK(ov2_oob_sa_delete_req(ov2_oob(mhw[22])));
	CHECK(ov2_oob_next_crypto_done(ov2_oob(mhw[24])));
	CHECK(ov2_oob_next_crypto_done(ov2_oob(mhw[25])));
	/* counters: every flagged packet of an SA on the NIC translated; the
	 * SAD misses and the stale session counted as unknown */
	CHECK_EQ(st.nic_ok + st.nic_failed + st.nic_unknown, flagged_ok + flagged_fail);
	CHECK_EQ(st.nic_failed, 4);	/* 3 bad ICV + truncated */
	CHECK_EQ(st.nic_unknown, 3);	/* SAD miss x2, stale session */
	CHECK_EQ(st.to_software, 2);	/* the two SAD misses */
	CHECK_EQ(sw->ctx.stats.packets, hw->ctx.stats.packets);
	CHECK_EQ(sw->ctx.stats.crypto_done, hw->ctx.stats.crypto_done);
	CHECK_EQ(sw->ctx.stats.no_sa, hw->ctx.stats.no_sa);
	CHECK_EQ(sw->ctx.stats.sa_delete_req, hw->ctx.stats.sa_delete_req);
	CHECK_EQ(sw->ctx.stats.next_crypto_done, hw->ctx.stats.next_crypto_done);
	CHECK_EQ(__atomic_load_n(&sa_by_spi(sw->sad, 1001)->nic.packets, __ATOMIC_RELAXED),
		 __atomic_load_n(&s1001->nic.packets, __ATOMIC_RELAXED));
	CHECK_EQ(__atomic_load_n(&sa_by_spi(sw->sad, 1001)->nic.bytes, __ATOMIC_RELAXED),
		 __atomic_load_n(&s1001->nic.bytes, __ATOMIC_RELAXED));

	/* the consumer on both */
	memcpy(asw, msw, n * sizeof(*asw));
	memcpy(ahw, mhw, n * sizeof(*ahw));
	ksw = ov2_consumer_rx(&sw->cons, asw, (uint16_t)n, rsw, &ndsw);
	khw = ov2_consumer_rx(&hw->cons, ahw, (uint16_t)n, rhw, &ndhw);
	CHECK_EQ(ksw, khw);
	CHECK_EQ(ksw + ndsw, n);
	CHECK_EQ(khw + ndhw, n);
	for (i = 0; i < n; i++) {
		int ps = pos_of(asw, n, msw[i]), ph = pos_of(ahw, n, mhw[i]);
		unsigned int vs, vh;

		if (ps < 0 || ph < 0) {
			CHECK(0);
			continue;
		}
		vs = ps < ksw ? DELIVER : rsw[ps];
		vh = ph < khw ? DELIVER : rhw[ph];
		if (vs != vh || vh != cases[i].want)
			fprintf(stderr, "%s: software %u, inline %u, expected %u\n",
				cases[i].name, vs, vh, cases[i].want);
		CHECK_EQ(vs, vh);
		CHECK_EQ(vh, cases[i].want);
		if (vs != DELIVER || vh != DELIVER)
			continue;
		CHECK_EQ(rte_pktmbuf_pkt_len(msw[i]), rte_pktmbuf_pkt_len(mhw[i]));
		CHECK(memcmp(rte_pktmbuf_mtod(msw[i], uint8_t *), rte_pktmbuf_mtod(mhw[i], uint8_t *),
			     rte_pktmbuf_data_len(mhw[i])) == 0);
		/* and what ov2gen says must be delivered */
		if (cases[i].exp_len != 0) {
			CHECK_EQ(rte_pktmbuf_pkt_len(mhw[i]), cases[i].exp_len);
			CHECK(memcmp(rte_pktmbuf_mtod(mhw[i], uint8_t *), cases[i].exp,
				     cases[i].exp_len) == 0);
		}
	}
	for (i = 0; i < n; i++) {
		rte_pktmbuf_free(msw[i]);
		rte_pktmbuf_free(mhw[i]);
	}

	/* a flagged success for an SA the port did not put on the NIC:
	 * decrypted with a key nothing names: CRYPTO_GENERIC_ERROR, dropped */
	n_cases = 0;
	add_built("done for a software SA", s1005, OV2_FAULT_NONE, NIC_OK, 0, 4);
	mhw[0] = mbuf_of(&cases[0]);
	nic_rx(mhw[0], NIC_OK);
	ov2_inline_rx(&hw->ctx, set, &st, mhw, 1);
	CHECK(ov2_oob_crypto_done(ov2_oob(mhw[0])));
	CHECK_EQ(ov2_oob_status(ov2_oob(mhw[0])), OV2_CRYPTO_GENERIC_ERROR);
	CHECK_EQ(spi_of(ov2_oob(mhw[0])), 1005);
	CHECK_EQ(ov2_consumer_rx(&hw->cons, mhw, 1, rhw, &ndhw), 0);
	CHECK_EQ(rhw[0], OV2_DROP_GENERIC_ERROR);
	rte_pktmbuf_free(mhw[0]);

	/* chained packets the NIC processed: decrypted, the trailer in the
	 * second segment: CRYPTO_GENERIC_ERROR (nothing read past the first
	 * segment); failed: the ICV failure, as for one segment */
	for (i = 0; i < 2; i++) {
		struct rte_mbuf *m2;
		size_t half;

		n_cases = 0;
		t = add_built("chained", s1001, i == 0 ? OV2_FAULT_NONE : OV2_FAULT_BAD_ICV,
			      NIC_MODEL, 0, 4);
		mhw[0] = mbuf_of(t);
		nic_rx(mhw[0], NIC_MODEL);
		CHECK_EQ(!!(mhw[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED), i);
		half = t->len / 2;
		m2 = rte_pktmbuf_alloc(pool);
		if (m2 == NULL) {
			CHECK(0);
			return;
		}
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(t->len - half)),
		       rte_pktmbuf_mtod_offset(mhw[0], uint8_t *, half), t->len - half);
		rte_pktmbuf_trim(mhw[0], (uint16_t)(t->len - half));
		CHECK_EQ(rte_pktmbuf_chain(mhw[0], m2), 0);
		ov2_inline_rx(&hw->ctx, set, &st, mhw, 1);
		CHECK(ov2_oob_crypto_done(ov2_oob(mhw[0])));
		CHECK_EQ(ov2_oob_status(ov2_oob(mhw[0])), i == 0 ? OV2_CRYPTO_GENERIC_ERROR :
			 OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED);
		CHECK(!ov2_oob_header_info_set(ov2_oob(mhw[0])));
		rte_pktmbuf_free(mhw[0]);
	}
}

/* ---- 4. a vdev port: no inline crypto, the software engine ---- */

static void
test_vdev(const struct ov2_sad *sad)
{
	struct rte_eth_conf pc = { 0 };
	struct ov2_caps caps;
	char err[256], desc[512];
	uint16_t port;

	CHECK_EQ(rte_eal_hotplug_add("vdev", "net_null0", ""), 0);
	CHECK_EQ(rte_eth_dev_get_port_by_name("net_null0", &port), 0);
	CHECK_EQ(ov2_shim_rx_offloads(port), 0);
	CHECK_EQ(rte_eth_dev_configure(port, 1, 1, &pc), 0);
	CHECK_EQ(rte_eth_rx_queue_setup(port, 0, 64, SOCKET_ID_ANY, NULL, pool), 0);
	CHECK_EQ(rte_eth_tx_queue_setup(port, 0, 64, SOCKET_ID_ANY, NULL), 0);
	ov2_caps_port_default(&caps, 0);
	CHECK_EQ(ov2_shim_attach(port, 1, sad, OV2_OFFLOAD_AH_ESP, &caps, err, sizeof(err)), 0);
	CHECK_EQ(rte_eth_dev_start(port), 0);
	CHECK_EQ(ov2_shim_start(port), 0);
	ov2_shim_describe(port, desc, sizeof(desc));
	printf("net_null0: %s\n", desc);
	CHECK(strstr(desc, "software offload engine") != NULL);
	CHECK(strstr(desc, "no inline crypto: device reports no RTE_ETH_RX_OFFLOAD_SECURITY") !=
	      NULL);
	CHECK_EQ(rte_eth_dev_stop(port), 0);
	ov2_shim_detach(port);
	CHECK_EQ(rte_eth_dev_close(port), 0);
	CHECK_EQ(ov2_shim_start(port), -ENOENT);
}

/* ---- 5. sessions and flows, through fakes of the DPDK calls ---- */

static struct {
	int secure;		/* device reports the offload, has a context */
	int configured;		/* port configured with the offload */
	uint32_t fail_session;	/* SPI whose session create fails */
	uint32_t fail_flow;	/* SPI whose flow create fails */
	uint32_t no_plain;	/* SPI whose SECURITY / END rule is refused */
	int sessions, flows;	/* live */
	int bad;		/* a session or flow not as it should be */
	int rss_used;		/* SPI no_plain got SECURITY / RSS */
	struct rte_security_ctx ctx;
} fk;

static int
fake_dev_info_get(uint16_t port, struct rte_eth_dev_info *di)
{
	int rc = rte_eth_dev_info_get(port, di);

	if (rc == 0 && fk.secure)
		di->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_SECURITY;
	return rc;
}

static int
fake_dev_conf_get(uint16_t port, struct rte_eth_conf *conf)
{
	int rc = rte_eth_dev_conf_get(port, conf);

	if (rc == 0 && fk.configured)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SECURITY;
	return rc;
}

static void *
fake_get_sec_ctx(uint16_t port)
{
	(void)port;
	return fk.secure ? &fk.ctx : NULL;
}

static const struct rte_security_capability *
fake_caps_get(struct rte_security_ctx *sec)
{
	return sec == &fk.ctx ? ixgbe_caps : NULL;
}

static unsigned int
fake_sess_size(struct rte_security_ctx *sec)
{
	(void)sec;
	return 128;
}

/* What the shim must ask for: an ingress inline-crypto ESP session with
 * the key and its salt behind it, as ixgbe reads them. */
static void *
fake_sess_create(struct rte_security_ctx *sec, struct rte_security_session_conf *c,
		 struct rte_mempool *mp)
{
	static const uint8_t salt[4] = { 0xa0, 0xa1, 0xa2, 0xa3 };
	const struct rte_crypto_sym_xform *x = c->crypto_xform;
	const struct ov2_sa *sa = c->userdata;
	void *obj;

	if (sec != &fk.ctx || x == NULL || sa == NULL ||
	    c->action_type != RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO ||
	    c->protocol != RTE_SECURITY_PROTOCOL_IPSEC ||
	    c->ipsec.direction != RTE_SECURITY_IPSEC_SA_DIR_INGRESS ||
	    c->ipsec.proto != RTE_SECURITY_IPSEC_SA_PROTO_ESP || c->ipsec.spi != sa->conf.spi ||
	    c->ipsec.options.esn || c->ipsec.replay_win_sz != 0 ||
	    memcmp(&c->ipsec.salt, salt, 4) != 0 || x->type != RTE_CRYPTO_SYM_XFORM_AEAD ||
	    x->aead.op != RTE_CRYPTO_AEAD_OP_DECRYPT || x->aead.algo != RTE_CRYPTO_AEAD_AES_GCM ||
	    x->aead.key.length != 16 || memcmp(x->aead.key.data, sa->conf.key, 16) != 0 ||
	    memcmp(x->aead.key.data + 16, salt, 4) != 0 || x->aead.digest_length != 16 ||
	    c->ipsec.mode != (sa->conf.mode == OV2_MODE_TRANSPORT ?
			      RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT :
			      RTE_SECURITY_IPSEC_SA_MODE_TUNNEL) ||
	    (sa->conf.mode == OV2_MODE_TUNNEL4 &&
	     (c->ipsec.tunnel.type != RTE_SECURITY_IPSEC_TUNNEL_IPV4 ||
	      memcmp(&c->ipsec.tunnel.ipv4.dst_ip, sa->conf.dst.a, 4) != 0)) ||
	    (sa->conf.mode == OV2_MODE_TUNNEL6 &&
	     (c->ipsec.tunnel.type != RTE_SECURITY_IPSEC_TUNNEL_IPV6 ||
	      memcmp(&c->ipsec.tunnel.ipv6.dst_addr, sa->conf.dst.a, 16) != 0))) {
		fk.bad++;
		return NULL;
	}
	if (c->ipsec.spi == fk.fail_session || rte_mempool_get(mp, &obj) != 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	/* the SA in the session's first word, for the flow check */
	memcpy(obj, &sa, sizeof(sa));
	fk.sessions++;
	return obj;
}

static int
fake_sess_destroy(struct rte_security_ctx *sec, void *sess)
{
	(void)sec;
	rte_mempool_put(rte_mempool_from_obj(sess), sess);
	fk.sessions--;
	return 0;
}

/* ETH / IPV4|IPV6 dst (full mask) / ESP spi (full mask) / END, action
 * SECURITY(the SA's session), then END or RSS. Returns the SA. */
static const struct ov2_sa *
check_rule(const struct rte_flow_item *p, const struct rte_flow_action *a)
{
	const struct ov2_sa *sa;
	const struct rte_flow_item_esp *esp;

	if (a[0].type != RTE_FLOW_ACTION_TYPE_SECURITY || a[0].conf == NULL)
		return NULL;
	memcpy(&sa, a[0].conf, sizeof(sa));
	if (p[0].type != RTE_FLOW_ITEM_TYPE_ETH)
		return NULL;
	if (sa->conf.dst.family == 4) {
		const struct rte_flow_item_ipv4 *s = p[1].spec, *m = p[1].mask;

		if (p[1].type != RTE_FLOW_ITEM_TYPE_IPV4 ||
		    memcmp(&s->hdr.dst_addr, sa->conf.dst.a, 4) != 0 ||
		    m->hdr.dst_addr != UINT32_MAX)
			return NULL;
	} else {
		const struct rte_flow_item_ipv6 *s = p[1].spec;

		if (p[1].type != RTE_FLOW_ITEM_TYPE_IPV6 ||
		    memcmp(s->hdr.dst_addr, sa->conf.dst.a, 16) != 0)
			return NULL;
	}
	esp = p[2].spec;
	if (p[2].type != RTE_FLOW_ITEM_TYPE_ESP || esp->hdr.spi != rte_cpu_to_be_32(sa->conf.spi) ||
	    p[3].type != RTE_FLOW_ITEM_TYPE_END)
		return NULL;
	return sa;
}

static int
fake_flow_validate(uint16_t port, const struct rte_flow_attr *attr,
		   const struct rte_flow_item *p, const struct rte_flow_action *a,
		   struct rte_flow_error *fe)
{
	const struct ov2_sa *sa = check_rule(p, a);

	(void)port;
	(void)fe;
	if (sa == NULL || !attr->ingress)
		fk.bad++;
	return sa != NULL && sa->conf.spi == fk.no_plain ? -ENOTSUP : 0;
}

static struct rte_flow *
fake_flow_create(uint16_t port, const struct rte_flow_attr *attr,
		 const struct rte_flow_item *p, const struct rte_flow_action *a,
		 struct rte_flow_error *fe)
{
	const struct ov2_sa *sa = check_rule(p, a);

	(void)port;
	if (sa == NULL || !attr->ingress) {
		fk.bad++;
		return NULL;
	}
	if (sa->conf.spi == fk.no_plain)
		fk.rss_used = a[1].type == RTE_FLOW_ACTION_TYPE_RSS &&
			a[2].type == RTE_FLOW_ACTION_TYPE_END;
	else if (a[1].type != RTE_FLOW_ACTION_TYPE_END)
		fk.bad++;
	if (sa->conf.spi == fk.fail_flow) {
		fe->message = "fake: no room for the rule";
		return NULL;
	}
	fk.flows++;
	return malloc(1);
}

static int
fake_flow_destroy(uint16_t port, struct rte_flow *f, struct rte_flow_error *fe)
{
	(void)port;
	(void)fe;
	free(f);
	fk.flows--;
	return 0;
}

static void
test_port_setup(struct side *s, struct ov2_sa *s1001, struct ov2_sa *s1004)
{
	struct ov2_inline_dpdk saved = ov2_inline_dpdk;
	struct rte_eth_conf pc = { 0 };
	struct ov2_inline_stats ist;
	struct rte_mbuf *m[2];
	struct ov2_caps caps;
	char err[256], desc[512], *logbuf = NULL;
	size_t loglen = 0;
	FILE *log;
	uint16_t port, k;
	struct tcase *t;

	ov2_inline_dpdk = (struct ov2_inline_dpdk){
		.dev_info_get = fake_dev_info_get, .dev_conf_get = fake_dev_conf_get,
		.get_sec_ctx = fake_get_sec_ctx, .capabilities_get = fake_caps_get,
		.session_get_size = fake_sess_size, .session_create = fake_sess_create,
		.session_destroy = fake_sess_destroy, .flow_validate = fake_flow_validate,
		.flow_create = fake_flow_create, .flow_destroy = fake_flow_destroy,
	};
	memset(&fk, 0, sizeof(fk));
	fk.secure = 1;
	fk.configured = 1;
	fk.fail_session = 1002;
	fk.fail_flow = 1003;
	fk.no_plain = 1006;
	CHECK_EQ(rte_eal_hotplug_add("vdev", "net_ring0", ""), 0);
	CHECK_EQ(rte_eth_dev_get_port_by_name("net_ring0", &port), 0);
	CHECK_EQ(ov2_shim_rx_offloads(port), RTE_ETH_RX_OFFLOAD_SECURITY);
	CHECK_EQ(rte_eth_dev_configure(port, 1, 1, &pc), 0);
	CHECK_EQ(rte_eth_rx_queue_setup(port, 0, 64, SOCKET_ID_ANY, NULL, pool), 0);
	CHECK_EQ(rte_eth_tx_queue_setup(port, 0, 64, SOCKET_ID_ANY, NULL), 0);
	ov2_caps_port_default(&caps, 0);
	CHECK_EQ(ov2_shim_attach(port, 1, s->sad, OV2_OFFLOAD_AH_ESP, &caps, err, sizeof(err)), 0);
	CHECK_EQ(rte_eth_dev_start(port), 0);

	/* the logged reasons */
	log = open_memstream(&logbuf, &loglen);
	rte_openlog_stream(log);
	/* 1001, 1006 (by RSS) and 1010 on the NIC; 1002: session refused,
	 * 1003: flow refused; the others do not fit ixgbe */
	CHECK_EQ(ov2_shim_start(port), 3);
	rte_openlog_stream(NULL);
	fclose(log);
	CHECK(strstr(logbuf, "SA 1002 stays on the software engine: session not created") != NULL);
	CHECK(strstr(logbuf, "SA 1003 stays on the software engine: flow rule refused: "
		      "fake: no room for the rule") != NULL);
	CHECK(strstr(logbuf, "SA 1004 stays on the software engine: algorithm or key size") !=
	      NULL);
	CHECK(strstr(logbuf, "SA 1007 stays on the software engine: ESN") != NULL);
	free(logbuf);
	CHECK_EQ(fk.bad, 0);
	CHECK_EQ(fk.rss_used, 1);
	CHECK_EQ(fk.sessions, 3);	/* 1003's session destroyed with its failed flow */
	CHECK_EQ(fk.flows, 3);
	CHECK_EQ(ov2_shim_start(port), 3);	/* a second start changes nothing */
	CHECK_EQ(fk.sessions, 3);
	ov2_shim_describe(port, desc, sizeof(desc));
	printf("net_ring0 (fake rte_security): %s\n", desc);
	CHECK(strstr(desc, "inline crypto (rte_security): 3 of 9 SAs on the NIC") != NULL);

	/* through rte_eth_rx_burst and the rx callback (the ring loops tx
	 * back to rx): a packet the NIC decrypted, one it left alone */
	n_cases = 0;
	t = add_built("port: inline", s1001, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	m[0] = mbuf_of(t);
	nic_rx(m[0], NIC_MODEL);
	t = add_built("port: software", s1004, OV2_FAULT_NONE, NIC_MODEL, DELIVER, 4);
	m[1] = mbuf_of(t);
	CHECK_EQ(m[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD, RTE_MBUF_F_RX_SEC_OFFLOAD);
	CHECK_EQ(rte_eth_tx_burst(port, 0, m, 2), 2);
	m[0] = m[1] = NULL;
	k = rte_eth_rx_burst(port, 0, m, 2);
	CHECK_EQ(k, 2);
	if (k == 2) {
		CHECK_EQ(spi_of(ov2_oob(m[0])), 1001);
		CHECK_EQ(spi_of(ov2_oob(m[1])), 1004);
		CHECK_EQ(ov2_oob_status(ov2_oob(m[0])), OV2_CRYPTO_SUCCESS);
		CHECK_EQ(ov2_oob_status(ov2_oob(m[1])), OV2_CRYPTO_SUCCESS);
		CHECK(ov2_oob_header_info_set(ov2_oob(m[0])));
		CHECK(ov2_oob_header_info_set(ov2_oob(m[1])));
		ov2_shim_inline_stats(port, &ist);
		CHECK_EQ(ist.nic_ok, 1);
		CHECK_EQ(ist.nic_failed + ist.nic_unknown + ist.to_software, 0);
	}
	rte_pktmbuf_free_bulk(m, k);

	CHECK_EQ(rte_eth_dev_stop(port), 0);
	ov2_shim_detach(port);
	CHECK_EQ(fk.sessions, 0);
	CHECK_EQ(fk.flows, 0);

	/* a port not configured with the offload: nothing on the NIC */
	fk.configured = 0;
	CHECK_EQ(ov2_shim_attach(port, 1, s->sad, OV2_OFFLOAD_AH_ESP, &caps, err, sizeof(err)), 0);
	CHECK_EQ(rte_eth_dev_start(port), 0);
	CHECK_EQ(ov2_shim_start(port), 0);
	ov2_shim_describe(port, desc, sizeof(desc));
	CHECK(strstr(desc, "no inline crypto: port not configured with "
		      "RTE_ETH_RX_OFFLOAD_SECURITY") != NULL);
	CHECK_EQ(fk.sessions, 0);
	CHECK_EQ(rte_eth_dev_stop(port), 0);
	ov2_shim_detach(port);

	/* --offload ah: ESP excluded, nothing on the NIC either */
	fk.configured = 1;
	CHECK_EQ(ov2_shim_attach(port, 1, s->sad, OV2_OFFLOAD_AH, &caps, err, sizeof(err)), 0);
	CHECK_EQ(rte_eth_dev_start(port), 0);
	CHECK_EQ(ov2_shim_start(port), 0);
	ov2_shim_describe(port, desc, sizeof(desc));
	CHECK(strstr(desc, "no inline crypto: the offload setting excludes ESP") != NULL);
	CHECK_EQ(rte_eth_dev_stop(port), 0);
	ov2_shim_detach(port);
	CHECK_EQ(rte_eth_dev_close(port), 0);
	ov2_inline_dpdk = saved;
}

int
main(void)
{
	struct side sw, hw;
	struct ov2_inline_set set;
	unsigned int i;

	test_eal_init("test_inline");
	pool = rte_pktmbuf_pool_create("inl", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	CHECK(pool != NULL);
	if (pool == NULL || ov2_oob_register() != 0 || side_up(&sw, "sw") != 0 ||
	    side_up(&hw, "hw") != 0) {
		CHECK(0);
		return test_done("test_inline");
	}
	CHECK_EQ(ov2_inline_set_init(&set, 16), 0);
	test_set();
	test_decision(&hw, &set);
	CHECK_EQ(set.n, 5);
	for (i = 0; i < set.n; i++)
		nic_add(set.sorted[i]);
	test_parity(&sw, &hw, &set);
	test_vdev(sw.sad);
	{
		struct side ps;

		CHECK_EQ(side_up(&ps, "ps"), 0);
		test_port_setup(&ps, sa_by_spi(ps.sad, 1001), sa_by_spi(ps.sad, 1004));
		ov2_sad_free(ps.sad);
	}
	ov2_inline_set_fini(&set);
	ov2_sad_free(sw.sad);
	ov2_sad_free(hw.sad);
	return test_done("test_inline");
}
