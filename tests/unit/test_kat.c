/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer tests from tests/vectors/esp-kat.txt (sources cited in
 * tests/vectors/README.md):
 *  - [gcm] cases with a 32-bit seq and an `esp` field: ov2_crypto_open on the
 *    ESP bytes gives exactly `plaintext`; one flipped ICV bit and one flipped
 *    ciphertext bit both fail and leave the bytes as they were.
 *  - [gcm] cases with `pkt` and `inner` (DPDK tunnel-mode packets): the whole
 *    receive path, offload engine then consumer, delivers exactly `inner`
 *    behind the Ethernet header; a corrupted copy is reported
 *    CRYPTO_TUNNEL_ESP_AUTH_FAILED and not delivered.
 *  - ESN cases and other algorithms are skipped with a reason (not passed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "consumer.h"
#include "crypto_imb.h"
#include "offload.h"
#include "oob.h"
#include "sa.h"
#include "sad.h"
#include "stats.h"
#include "testlib.h"

#ifndef OV2_VECTORS
#error "OV2_VECTORS (path of esp-kat.txt) must be defined"
#endif

#define FIELD_MAX 12
#define FIELD_BYTES 512
#define CASE_MAX 64

struct field {
	char name[24];
	uint16_t len;
	uint8_t b[FIELD_BYTES];
};

struct kat {
	char id[16];
	char alg[32];
	unsigned int line;
	unsigned int n_field;
	struct field f[FIELD_MAX];
};

static struct kat cases[CASE_MAX];
static unsigned int n_cases;
static struct rte_mempool *pool;
static unsigned int n_pass, n_fail, n_skip;

/* ---- vector file parsing ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse hex into f; returns 0 or -1 (odd length, bad digit, too long). */
static int
hex_parse(const char *s, struct field *f)
{
	size_t n = strcspn(s, " \t\r\n");
	size_t i;

	if (n % 2 != 0 || n / 2 > FIELD_BYTES)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		f->b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	f->len = (uint16_t)(n / 2);
	return 0;
}

/* "### ID [alg] description" */
static int
parse_header(const char *line, struct kat *k)
{
	return sscanf(line, "### %15s [%31[^]]]", k->id, k->alg) == 2 ? 0 : -1;
}

/* "name: hex" */
static int
parse_field(const char *line, struct kat *k)
{
	struct field *f;
	const char *colon = strchr(line, ':');
	size_t nl;

	if (colon == NULL || k->n_field == FIELD_MAX)
		return -1;
	nl = (size_t)(colon - line);
	f = &k->f[k->n_field];
	if (nl == 0 || nl >= sizeof(f->name))
		return -1;
	memcpy(f->name, line, nl);
	f->name[nl] = '\0';
	colon++;
	while (*colon == ' ')
		colon++;
	if (hex_parse(colon, f) != 0)
		return -1;
	k->n_field++;
	return 0;
}

/* Returns the number of cases read, or -1 (file unreadable or malformed). */
static int
load_vectors(const char *path)
{
	char line[4096];
	unsigned int lineno = 0;
	struct kat *cur = NULL;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strncmp(line, "###", 3) == 0) {
			if (n_cases == CASE_MAX)
				goto bad;
			cur = &cases[n_cases++];
			cur->line = lineno;
			if (parse_header(line, cur) != 0)
				goto bad;
			continue;
		}
		if (line[strspn(line, " \t\r\n")] == '\0' || cur == NULL)
			continue;
		if (parse_field(line, cur) != 0)
			goto bad;
	}
	fclose(fp);
	return (int)n_cases;
bad:
	fprintf(stderr, "%s:%u: cannot parse\n", path, lineno);
	fclose(fp);
	return -1;
}

static const struct field *
field(const struct kat *k, const char *name)
{
	unsigned int i;

	for (i = 0; i < k->n_field; i++)
		if (strcmp(k->f[i].name, name) == 0)
			return &k->f[i];
	return NULL;
}

/* ---- shared helpers ---- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
aead_of_key(unsigned int len)
{
	switch (len) {
	case 16: return OV2_AEAD_AES_128_GCM;
	case 24: return OV2_AEAD_AES_192_GCM;
	case 32: return OV2_AEAD_AES_256_GCM;
	default: return OV2_AEAD_NONE;
	}
}

static void
conf_gcm(struct ov2_sa_conf *conf, const struct field *key, const uint8_t salt[4],
	 uint32_t spi)
{
	memset(conf, 0, sizeof(*conf));
	conf->spi = spi;
	conf->dir = OV2_SA_IN;
	conf->proto = OV2_IPPROTO_ESP;
	conf->aead = (uint8_t)aead_of_key(key->len);
	conf->key_len = (uint8_t)key->len;
	memcpy(conf->key, key->b, key->len);
	memcpy(conf->salt, salt, 4);
}

static void
result(const struct kat *k, int ok, const char *what)
{
	printf("%s %s: %s\n", ok ? "pass" : "FAIL", k->id, what);
	if (ok)
		n_pass++;
	else
		n_fail++;
}

static void
skip(const struct kat *k, const char *why)
{
	printf("skip %s: %s\n", k->id, why);
	n_skip++;
}

/* ---- crypto-level GCM vectors ---- */

/* open(copy with bit flipped at off) must fail and restore the bytes. */
static int
open_corrupted(const struct ov2_crypto *c, const struct field *esp, uint32_t off)
{
	uint8_t buf[FIELD_BYTES], want[FIELD_BYTES];
	uint32_t len = esp->len - OV2_ESP_HDR_LEN - OV2_GCM_IV_LEN - OV2_GCM_ICV_LEN;
	int rc;

	memcpy(buf, esp->b, esp->len);
	buf[off] ^= 0x01;
	memcpy(want, buf, esp->len);
	(void)len;
	rc = ov2_crypto_esp_open(c, buf, esp->len, 0, 0);
	CHECK_EQ(rc, -EBADMSG);
	CHECK(memcmp(buf, want, esp->len) == 0);
	return rc == -EBADMSG && memcmp(buf, want, esp->len) == 0;
}

static void
run_gcm_crypto(const struct kat *k)
{
	const struct field *key = field(k, "key"), *spi = field(k, "spi"),
		*seq = field(k, "seq"), *nonce = field(k, "nonce"),
		*pt = field(k, "plaintext"), *esp = field(k, "esp");
	struct ov2_sa_conf conf;
	struct ov2_crypto c;
	uint8_t buf[FIELD_BYTES];
	char err[128];
	uint32_t len;
	int ok;

	CHECK(key && spi && seq && nonce && pt && esp);
	if (!(key && spi && seq && nonce && pt && esp) || nonce->len != 12 ||
	    esp->len < 16 + 16 + 4) {
		result(k, 0, "incomplete vector");
		return;
	}
	/* the vector agrees with itself: SPI, seq and IV are in esp */
	CHECK(memcmp(esp->b, spi->b, 4) == 0 && memcmp(esp->b + 4, seq->b, 4) == 0);
	CHECK(memcmp(esp->b + 8, nonce->b + 4, 8) == 0);
	conf_gcm(&conf, key, nonce->b, be32(spi->b));
	CHECK_EQ(ov2_crypto_init(&c, &conf, err, sizeof(err)), 0);
	len = esp->len - OV2_ESP_HDR_LEN - OV2_GCM_IV_LEN - OV2_GCM_ICV_LEN;
	memcpy(buf, esp->b, esp->len);
	ok = ov2_crypto_esp_open(&c, buf, esp->len, 0, 0) == 0;
	ok = ok && len == pt->len && memcmp(buf + 16, pt->b, len) == 0;
	CHECK(ok);
	ok &= open_corrupted(&c, esp, esp->len - 1);	/* ICV bit */
	ok &= open_corrupted(&c, esp, 16);		/* ciphertext bit */
	ov2_crypto_wipe(&c);
	result(k, ok, "decrypts to plaintext; ICV and ciphertext bit flips refused, bytes restored");
}

/* ---- full tunnel-mode packets through offload + consumer ---- */

static const uint8_t eth_hdr[RTE_ETHER_HDR_LEN] = {
	0x02, 0, 0, 0, 0, 0x01,  0x02, 0, 0, 0, 0, 0x02,  0x08, 0x00,
};

static struct rte_mbuf *
frame_of(const struct field *pkt, int corrupt)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(eth_hdr) + pkt->len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, eth_hdr, sizeof(eth_hdr));
	memcpy(p + sizeof(eth_hdr), pkt->b, pkt->len);
	if (corrupt)
		p[m->data_len - 20] ^= 0x80;	/* a ciphertext byte */
	return m;
}

/* Offload then consumer on one frame. Returns the delivered count. */
static uint16_t
rx_one(struct ov2_sad *sad, struct rte_mbuf **m, uint8_t *reason,
       enum ov2_crypto_status *st)
{
	struct ov2_offload_ctx ctx = { .sad = sad, .enable = OV2_OFFLOAD_ESP };
	struct ov2_stats stats;
	struct ov2_consumer cons = { .sad = sad, .stats = &stats };
	const struct ov2_oob *o;

	memset(&stats, 0, sizeof(stats));
	ov2_offload_rx(&ctx, m, 1);
	o = ov2_oob(*m);
	CHECK(ov2_oob_crypto_done(o));
	CHECK(!ov2_oob_next_crypto_done(o) && !ov2_oob_sa_delete_req(o));
	*st = ov2_oob_status(o);
	return ov2_consumer_rx(&cons, m, 1, reason, NULL);
}

static int
check_delivered(const struct kat *k, struct ov2_sad *sad)
{
	const struct field *pkt = field(k, "pkt"), *inner = field(k, "inner");
	struct rte_mbuf *m = frame_of(pkt, 0);
	enum ov2_crypto_status st;
	uint8_t reason[1];
	uint16_t got;
	int ok;

	CHECK(m != NULL);
	if (m == NULL)
		return 0;
	got = rx_one(sad, &m, reason, &st);
	CHECK_EQ(st, OV2_CRYPTO_SUCCESS);
	CHECK_EQ(got, 1);
	ok = st == OV2_CRYPTO_SUCCESS && got == 1 && rte_pktmbuf_is_contiguous(m) &&
	     m->pkt_len == sizeof(eth_hdr) + inner->len &&
	     memcmp(rte_pktmbuf_mtod(m, uint8_t *), eth_hdr, sizeof(eth_hdr)) == 0 &&
	     memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(eth_hdr)),
		    inner->b, inner->len) == 0;
	CHECK(ok);
	rte_pktmbuf_free(m);
	return ok;
}

static int
check_corrupted(struct ov2_sad *sad, const struct field *pkt)
{
	struct rte_mbuf *m = frame_of(pkt, 1);
	enum ov2_crypto_status st;
	uint8_t reason[1] = { 0xff };
	uint16_t got;
	int ok;

	CHECK(m != NULL);
	if (m == NULL)
		return 0;
	got = rx_one(sad, &m, reason, &st);
	CHECK_EQ(st, OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED);
	CHECK_EQ(got, 0);
	CHECK_EQ(reason[0], OV2_DROP_TUNNEL_ESP_AUTH_FAILED);
	ok = st == OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED && got == 0 &&
	     reason[0] == OV2_DROP_TUNNEL_ESP_AUTH_FAILED;
	rte_pktmbuf_free(m);
	return ok;
}

static void
run_gcm_tunnel(const struct kat *k)
{
	const struct field *key = field(k, "key"), *salt = field(k, "salt"),
		*spi = field(k, "spi"), *pkt = field(k, "pkt"), *inner = field(k, "inner");
	struct ov2_sa_conf conf;
	struct ov2_sad *sad;
	char err[128];
	int ok;

	CHECK(key && salt && spi && pkt && inner);
	if (!(key && salt && spi && pkt && inner) || salt->len != 4 || pkt->len < 20 ||
	    (pkt->b[0] >> 4) != 4) {
		result(k, 0, "incomplete vector (needs key salt spi pkt inner, IPv4)");
		return;
	}
	conf_gcm(&conf, key, salt->b, be32(spi->b));
	conf.mode = OV2_MODE_TUNNEL4;
	conf.dst.family = 4;
	memcpy(conf.dst.a, pkt->b + 16, 4);
	conf.src.family = 4;
	memcpy(conf.src.a, pkt->b + 12, 4);
	sad = ov2_sad_create(k->id, 4, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(sad != NULL);
	if (sad == NULL) {
		result(k, 0, err);
		return;
	}
	CHECK_EQ(ov2_sad_add(sad, &conf, NULL, err, sizeof(err)), 0);
	ok = check_delivered(k, sad);
	ok &= check_corrupted(sad, pkt);
	ov2_sad_free(sad);
	result(k, ok, "tunnel packet delivered as eth + inner; corrupted copy "
		   "TUNNEL_ESP_AUTH_FAILED, not delivered");
}

static void
run_case(const struct kat *k)
{
	const struct field *seq = field(k, "seq");
	char why[96];

	if (strcmp(k->alg, "gcm") != 0) {
		snprintf(why, sizeof(why), "[%s] algorithm not supported yet", k->alg);
		skip(k, why);
		return;
	}
	if (seq != NULL && seq->len == 8) {
		skip(k, "ESN arrives with anti-replay (step 2)");
		return;
	}
	if (field(k, "pkt") != NULL)
		run_gcm_tunnel(k);
	else
		run_gcm_crypto(k);
}

int
main(void)
{
	unsigned int i, n_gcm = 0;

	test_eal_init("test_kat");
	CHECK_EQ(ov2_oob_register(), 0);
	pool = rte_pktmbuf_pool_create("kat_pool", 63, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(pool != NULL);
	CHECK(ov2_crypto_mgr() != NULL);
	if (load_vectors(OV2_VECTORS) < 0 || pool == NULL) {
		CHECK(!"vector file read");
		return test_done("test_kat");
	}
	for (i = 0; i < n_cases; i++)
		n_gcm += strcmp(cases[i].alg, "gcm") == 0;
	CHECK(n_gcm > 0);
	for (i = 0; i < n_cases; i++)
		run_case(&cases[i]);
	printf("test_kat: %u vectors: %u passed, %u failed, %u skipped\n",
	       n_cases, n_pass, n_fail, n_skip);
	CHECK(n_pass > 0);
	CHECK_EQ(n_fail, 0);
	rte_mempool_free(pool);
	return test_done("test_kat");
}
