/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto module on its own (no EAL, no mbufs).
 *
 * Without arguments: for every algorithm (ESP: each AEAD, each cipher x
 * each integrity algorithm incl. the null cipher, AES-GMAC, the deprecated
 * ones with the flag; AH: each integrity algorithm) x ESN off/on:
 *  - seal then open round trips for several payload sizes; ciphers really
 *    change the payload, the ICV depends on the keys;
 *  - every single-bit flip in header, IV, ciphertext and ICV (AH: in the
 *    authenticated bytes, IV and ICV) fails with -EBADMSG, bytes unchanged;
 *  - with ESN a wrong seq_hi, and ESN off, fail; without ESN, ESN on fails;
 *  - lengths that do not fit give -EINVAL, bytes unchanged;
 *  - libipsec-mb's manager holds no job after any call;
 * and ov2_crypto_init's refusals, iv_len / icv_len / block, the size of
 * struct ov2_crypto and ov2_crypto_wipe.
 *
 * With a file argument: the cross-implementation vectors written by
 * gen_scapy_vectors.py (scapy / python3-cryptography): each ESP packet must
 * open to the generator's plaintext, each AH packet, prepared per RFC 4302
 * here, must verify; then one flipped bit must fail.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto_imb.h"
#include "sa.h"
#include "testlib.h"

#define BUF_MAX 10000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint8_t
rnd8(void)
{
	/* xorshift64*: reproducible test data */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
}

static void
rnd(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = rnd8();
}

static uint32_t
rnd32(void)
{
	uint8_t b[4];

	rnd(b, 4);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* No job left behind in any of this thread's libipsec-mb managers. */
static int
queue_empty(void)
{
	return ov2_crypto_jobs_pending() == 0;
}

/* ---- the algorithms ---- */

struct prof {
	uint8_t proto, aead, cipher, auth;
	uint8_t key_len, auth_key_len;
	uint8_t iv_len, icv_len, block;	/* what init must set */
	uint8_t deprecated;
	char name[48];
};

static struct prof profs[64];
static unsigned int n_profs;

static const struct {
	uint8_t cipher, key_len, iv_len, block, deprecated;
} ciphers[] = {
	{ OV2_CIPHER_NULL, 0, 0, 4, 0 },
	{ OV2_CIPHER_AES_128_CBC, 16, 16, 16, 0 },
	{ OV2_CIPHER_AES_192_CBC, 24, 16, 16, 0 },
	{ OV2_CIPHER_AES_256_CBC, 32, 16, 16, 0 },
	{ OV2_CIPHER_DES_CBC, 8, 8, 8, 1 },
	{ OV2_CIPHER_3DES_CBC, 24, 8, 8, 1 },
};

static const struct {
	uint8_t auth, key_len, icv_len, deprecated;
} hmacs[] = {
	{ OV2_AUTH_SHA1_96, 20, 12, 0 },
	{ OV2_AUTH_SHA256_128, 32, 16, 0 },
	{ OV2_AUTH_SHA384_192, 48, 24, 0 },
	{ OV2_AUTH_SHA512_256, 64, 32, 0 },
	{ OV2_AUTH_MD5_96, 16, 12, 1 },
};

static const struct {
	uint8_t auth, key_len;
} gmacs[] = {
	{ OV2_AUTH_AES_128_GMAC, 16 },
	{ OV2_AUTH_AES_192_GMAC, 24 },
	{ OV2_AUTH_AES_256_GMAC, 32 },
};

static const struct {
	uint8_t aead, key_len;
} aeads[] = {
	{ OV2_AEAD_AES_128_GCM, 16 },
	{ OV2_AEAD_AES_192_GCM, 24 },
	{ OV2_AEAD_AES_256_GCM, 32 },
	{ OV2_AEAD_CHACHA20_POLY1305, 32 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct prof *
add_prof(uint8_t proto)
{
	struct prof *p = &profs[n_profs++];

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->block = 4;
	return p;
}

static void
make_profiles(void)
{
	struct prof *p;
	unsigned int i, j;

	for (i = 0; i < NELEM(aeads); i++) {
		p = add_prof(OV2_IPPROTO_ESP);
		p->aead = aeads[i].aead;
		p->key_len = aeads[i].key_len;
		p->iv_len = 8;
		p->icv_len = 16;
		snprintf(p->name, sizeof(p->name), "esp %s", ov2_aead_name(p->aead));
	}
	for (i = 0; i < NELEM(ciphers); i++) {
		for (j = 0; j < NELEM(hmacs); j++) {
			p = add_prof(OV2_IPPROTO_ESP);
			p->cipher = ciphers[i].cipher;
			p->key_len = ciphers[i].key_len;
			p->iv_len = ciphers[i].iv_len;
			p->block = ciphers[i].block;
			p->auth = hmacs[j].auth;
			p->auth_key_len = hmacs[j].key_len;
			p->icv_len = hmacs[j].icv_len;
			p->deprecated = ciphers[i].deprecated | hmacs[j].deprecated;
			snprintf(p->name, sizeof(p->name), "esp %s+%s",
				 ov2_cipher_name(p->cipher), ov2_auth_name(p->auth));
		}
	}
	for (i = 0; i < NELEM(gmacs); i++) {
		p = add_prof(OV2_IPPROTO_ESP);
		p->cipher = OV2_CIPHER_NULL;
		p->auth = gmacs[i].auth;
		p->auth_key_len = gmacs[i].key_len;
		p->iv_len = 8;
		p->icv_len = 16;
		snprintf(p->name, sizeof(p->name), "esp null+%s", ov2_auth_name(p->auth));
	}
	for (i = 0; i < NELEM(hmacs); i++) {
		p = add_prof(OV2_IPPROTO_AH);
		p->auth = hmacs[i].auth;
		p->auth_key_len = hmacs[i].key_len;
		p->icv_len = hmacs[i].icv_len;
		p->deprecated = hmacs[i].deprecated;
		snprintf(p->name, sizeof(p->name), "ah %s", ov2_auth_name(p->auth));
	}
	for (i = 0; i < NELEM(gmacs); i++) {
		p = add_prof(OV2_IPPROTO_AH);
		p->auth = gmacs[i].auth;
		p->auth_key_len = gmacs[i].key_len;
		p->iv_len = 8;
		p->icv_len = 16;
		snprintf(p->name, sizeof(p->name), "ah %s", ov2_auth_name(p->auth));
	}
}

/* conf for p with fresh random keys. */
static void
conf_of(const struct prof *p, struct ov2_sa_conf *conf, int esn)
{
	memset(conf, 0, sizeof(*conf));
	conf->spi = rnd32() | 1;
	conf->dir = OV2_SA_IN;
	conf->proto = p->proto;
	conf->aead = p->aead;
	conf->cipher = p->cipher;
	conf->auth = p->auth;
	conf->key_len = p->key_len;
	conf->auth_key_len = p->auth_key_len;
	rnd(conf->key, p->key_len);
	rnd(conf->auth_key, p->auth_key_len);
	rnd(conf->salt, sizeof(conf->salt));
	if (esn)
		conf->flags |= OV2_SA_F_ESN;
	if (p->deprecated)
		conf->flags |= OV2_SA_F_DEPRECATED_OK;
}

/* ---- ESP ---- */

/*
 * An ESP packet in buf for payload bytes of data: header, random IV,
 * payload, RFC 4303 padding to the block, pad length, next header, room for
 * the ICV (random bytes). Returns esp_len; the plaintext (payload +
 * trailer) is copied to pt, its length to *pt_len.
 */
static uint32_t
make_esp(const struct ov2_crypto *c, uint8_t *buf, uint32_t payload, uint32_t spi,
	 uint32_t seq, uint8_t *pt, uint32_t *pt_len)
{
	uint32_t pad = (c->block - (payload + 2) % c->block) % c->block;
	uint32_t off = OV2_ESP_HDR_LEN + c->iv_len, i, len;

	buf[0] = (uint8_t)(spi >> 24); buf[1] = (uint8_t)(spi >> 16);
	buf[2] = (uint8_t)(spi >> 8); buf[3] = (uint8_t)spi;
	buf[4] = (uint8_t)(seq >> 24); buf[5] = (uint8_t)(seq >> 16);
	buf[6] = (uint8_t)(seq >> 8); buf[7] = (uint8_t)seq;
	rnd(buf + OV2_ESP_HDR_LEN, c->iv_len);
	rnd(buf + off, payload);
	for (i = 0; i < pad; i++)
		buf[off + payload + i] = (uint8_t)(i + 1);
	len = payload + pad + 2;
	buf[off + len - 2] = (uint8_t)pad;
	buf[off + len - 1] = 4;
	rnd(buf + off + len, c->icv_len);
	memcpy(pt, buf + off, len);
	*pt_len = len;
	return off + len + c->icv_len;
}

static int
is_gmac_auth(unsigned int auth)
{
	return auth == OV2_AUTH_AES_128_GMAC || auth == OV2_AUTH_AES_192_GMAC ||
	       auth == OV2_AUTH_AES_256_GMAC;
}

static const uint32_t esp_sizes[] = { 0, 1, 2, 13, 16, 61, 64, 255, 256, 1000, 1400 };

/* Seal then open for each size; the cipher must really change the bytes. */
static int
esp_round_trips(const struct prof *p, const struct ov2_crypto *c,
		const struct ov2_sa_conf *conf, int esn, uint32_t seq_hi)
{
	static uint8_t buf[BUF_MAX], pt[BUF_MAX], hdr[32];
	int encrypts = p->aead != 0 || (p->cipher != OV2_CIPHER_NULL && !is_gmac_auth(p->auth));
	unsigned int i;
	int ok = 1;

	for (i = 0; i < NELEM(esp_sizes); i++) {
		uint32_t pt_len, off = OV2_ESP_HDR_LEN + c->iv_len;
		uint32_t len = make_esp(c, buf, esp_sizes[i], conf->spi, rnd32(), pt, &pt_len);
		int rc;

		memcpy(hdr, buf, off);
		rc = ov2_crypto_esp_seal(c, buf, len, esn, seq_hi);
		CHECK_EQ(rc, 0);
		CHECK(queue_empty());
		ok &= rc == 0 && queue_empty();
		/* header and IV as written; the payload encrypted or not */
		ok &= memcmp(buf, hdr, off) == 0;
		if (encrypts)
			ok &= memcmp(buf + off, pt, pt_len) != 0;
		else
			ok &= memcmp(buf + off, pt, pt_len) == 0;
		rc = ov2_crypto_esp_open(c, buf, len, esn, seq_hi);
		CHECK_EQ(rc, 0);
		ok &= rc == 0 && queue_empty() && memcmp(buf + off, pt, pt_len) == 0 &&
		      memcmp(buf, hdr, off) == 0;
		if (!ok)
			fprintf(stderr, "%s esn=%d: round trip of %u bytes failed\n", p->name,
				esn, esp_sizes[i]);
	}
	return ok;
}

/* open(pkt) must give rc and leave the bytes exactly as they were. */
static int
open_refused(const struct ov2_crypto *c, const uint8_t *pkt, uint32_t len, int esn,
	     uint32_t seq_hi, int want)
{
	static uint8_t buf[BUF_MAX];
	int rc;

	memcpy(buf, pkt, len);
	rc = ov2_crypto_esp_open(c, buf, len, esn, seq_hi);
	return rc == want && memcmp(buf, pkt, len) == 0 && queue_empty();
}

/* Every single-bit flip of a sealed packet fails, bytes unchanged. */
static int
esp_bit_flips(const struct prof *p, const struct ov2_crypto *c,
	      const struct ov2_sa_conf *conf, int esn, uint32_t seq_hi)
{
	static uint8_t pkt[BUF_MAX], pt[BUF_MAX];
	uint32_t pt_len, len, bit, bad = 0;

	len = make_esp(c, pkt, 21, conf->spi, rnd32(), pt, &pt_len);
	CHECK_EQ(ov2_crypto_esp_seal(c, pkt, len, esn, seq_hi), 0);
	for (bit = 0; bit < len * 8; bit++) {
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (!open_refused(c, pkt, len, esn, seq_hi, -EBADMSG)) {
			if (bad++ == 0)
				fprintf(stderr, "%s esn=%d: flipped bit %u of %u accepted or "
					"bytes changed\n", p->name, esn, bit, len * 8);
		}
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_EQ(bad, 0);
	/* ESN: the high half takes part; the wrong mode fails both ways */
	if (esn) {
		CHECK(open_refused(c, pkt, len, 1, seq_hi ^ 1, -EBADMSG));
		CHECK(open_refused(c, pkt, len, 1, seq_hi ^ 0x80000000u, -EBADMSG));
		CHECK(open_refused(c, pkt, len, 1, seq_hi + 1, -EBADMSG));
		CHECK(open_refused(c, pkt, len, 0, 0, -EBADMSG));
		CHECK(open_refused(c, pkt, len, 0, seq_hi, -EBADMSG));
	} else {
		CHECK(open_refused(c, pkt, len, 1, 0, -EBADMSG));
	}
	/* and the unflipped packet still opens */
	CHECK_EQ(ov2_crypto_esp_open(c, pkt, len, esn, seq_hi), 0);
	CHECK(memcmp(pkt + OV2_ESP_HDR_LEN + c->iv_len, pt, pt_len) == 0);
	return bad == 0;
}

/* Every length that does not fit the algorithm: -EINVAL, bytes unchanged. */
static int
esp_bad_lengths(const struct prof *p, const struct ov2_crypto *c)
{
	static uint8_t pkt[BUF_MAX], copy[BUF_MAX];
	uint32_t over = OV2_ESP_HDR_LEN + c->iv_len + c->icv_len, len;
	int ok = 1;

	rnd(pkt, sizeof(pkt));
	for (len = 0; len <= over + 3 * c->block + 3; len++) {
		int64_t payload = (int64_t)len - over;
		int fits = payload >= 2 && payload % c->block == 0;
		int rc;

		if (fits) {
			/* random bytes that fit: refused as forged, not as malformed */
			ok &= open_refused(c, pkt, len, 0, 0, -EBADMSG);
			continue;
		}
		ok &= open_refused(c, pkt, len, 0, 0, -EINVAL);
		ok &= open_refused(c, pkt, len, 1, 7, -EINVAL);
		memcpy(copy, pkt, len);
		rc = ov2_crypto_esp_seal(c, copy, len, 0, 0);
		ok &= rc == -EINVAL && memcmp(copy, pkt, len) == 0;
	}
	if (!ok)
		fprintf(stderr, "%s: a length that does not fit was not refused cleanly\n",
			p->name);
	return ok;
}

/* Other keys: the ICV and the plaintext depend on them. */
static int
esp_other_keys(const struct prof *p, const struct ov2_crypto *c,
	       const struct ov2_sa_conf *conf, int esn, uint32_t seq_hi)
{
	static uint8_t pkt[BUF_MAX], pt[BUF_MAX], buf[BUF_MAX];
	struct ov2_sa_conf other;
	struct ov2_crypto c2;
	uint32_t pt_len, len, off = OV2_ESP_HDR_LEN + c->iv_len;
	char err[160];
	int ok = 1;

	len = make_esp(c, pkt, 40, conf->spi, rnd32(), pt, &pt_len);
	CHECK_EQ(ov2_crypto_esp_seal(c, pkt, len, esn, seq_hi), 0);
	if (p->auth_key_len != 0) {
		other = *conf;
		other.auth_key[p->auth_key_len - 1] ^= 0x40;
		CHECK_EQ(ov2_crypto_init(&c2, &other, err, sizeof(err)), 0);
		ok &= open_refused(&c2, pkt, len, esn, seq_hi, -EBADMSG);
		ov2_crypto_wipe(&c2);
	}
	if (p->key_len != 0) {
		other = *conf;
		other.key[0] ^= 0x02;	/* not a DES parity bit */
		CHECK_EQ(ov2_crypto_init(&c2, &other, err, sizeof(err)), 0);
		memcpy(buf, pkt, len);
		if (p->aead) {
			ok &= open_refused(&c2, pkt, len, esn, seq_hi, -EBADMSG);
		} else {
			/* same HMAC key: verifies, but decrypts to something else */
			ok &= ov2_crypto_esp_open(&c2, buf, len, esn, seq_hi) == 0 &&
			      memcmp(buf + off, pt, pt_len) != 0;
		}
		ov2_crypto_wipe(&c2);
	}
	if (p->aead || is_gmac_auth(p->auth)) {
		other = *conf;
		other.salt[3] ^= 0x01;
		CHECK_EQ(ov2_crypto_init(&c2, &other, err, sizeof(err)), 0);
		ok &= open_refused(&c2, pkt, len, esn, seq_hi, -EBADMSG);
		ov2_crypto_wipe(&c2);
	}
	if (!ok)
		fprintf(stderr, "%s esn=%d: other keys/salt accepted\n", p->name, esn);
	return ok;
}

static void
test_esp(const struct prof *p, int esn)
{
	struct ov2_sa_conf conf;
	struct ov2_crypto c;
	uint8_t icv[OV2_ICV_MAX], buf[64] = { 0 };
	uint32_t seq_hi = esn ? rnd32() | 0x10 : 0;
	char err[160] = "";
	int rc, ok = 1;

	conf_of(p, &conf, esn);
	rc = ov2_crypto_init(&c, &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", p->name, err);
		printf("FAIL %s esn=%d: init\n", p->name, esn);
		return;
	}
	CHECK_EQ(c.iv_len, p->iv_len);
	CHECK_EQ(c.icv_len, p->icv_len);
	CHECK_EQ(c.block, p->block);
	CHECK_EQ(c.aead, p->aead);
	ok &= c.iv_len == p->iv_len && c.icv_len == p->icv_len && c.block == p->block;
	ok &= esp_round_trips(p, &c, &conf, esn, seq_hi);
	ok &= esp_bit_flips(p, &c, &conf, esn, seq_hi);
	ok &= esp_bad_lengths(p, &c);
	ok &= esp_other_keys(p, &c, &conf, esn, seq_hi);
	/* an ESP SA is not an AH SA */
	CHECK_EQ(ov2_crypto_ah_icv(&c, buf, sizeof(buf), buf, esn, seq_hi, icv), -EINVAL);
	CHECK_EQ(ov2_crypto_ah_verify(&c, buf, sizeof(buf), buf, icv, esn, seq_hi), -EINVAL);
	ov2_crypto_wipe(&c);
	CHECK(ok);
	printf("%s %s esn=%d: round trips, bit flips, seq_hi, lengths, keys\n",
	       ok ? "pass" : "FAIL", p->name, esn);
}

/* ---- AH ---- */

static const uint32_t ah_sizes[] = { 1, 20, 63, 64, 65, 111, 112, 127, 128, 129, 1500, 9000,
				     OV2_AH_LEN_MAX };

static int
ah_refused(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len, const uint8_t *iv,
	   const uint8_t *icv, int esn, uint32_t seq_hi)
{
	return ov2_crypto_ah_verify(c, buf, len, iv, icv, esn, seq_hi) == -EBADMSG &&
	       queue_empty();
}

static void
test_ah(const struct prof *p, int esn)
{
	static uint8_t buf[OV2_AH_LEN_MAX + 1], copy[OV2_AH_LEN_MAX + 1];
	uint8_t icv[OV2_ICV_MAX], icv2[OV2_ICV_MAX], iv[8], esp[64] = { 0 };
	uint32_t seq_hi = esn ? rnd32() | 0x10 : 0, bit, bad = 0, len;
	const uint8_t *ivp = p->iv_len ? iv : NULL;
	struct ov2_sa_conf conf;
	struct ov2_crypto c, c2;
	char err[160] = "";
	unsigned int i;
	int rc, ok = 1;

	conf_of(p, &conf, esn);
	rc = ov2_crypto_init(&c, &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", p->name, err);
		printf("FAIL %s esn=%d: init\n", p->name, esn);
		return;
	}
	CHECK_EQ(c.iv_len, p->iv_len);
	CHECK_EQ(c.icv_len, p->icv_len);
	ok &= c.iv_len == p->iv_len && c.icv_len == p->icv_len;
	rnd(iv, sizeof(iv));
	for (i = 0; i < NELEM(ah_sizes); i++) {
		len = ah_sizes[i];
		rnd(buf, len);
		memcpy(copy, buf, len);
		rc = ov2_crypto_ah_icv(&c, buf, len, ivp, esn, seq_hi, icv);
		CHECK_EQ(rc, 0);
		ok &= rc == 0 && queue_empty() &&
		      ov2_crypto_ah_verify(&c, buf, len, ivp, icv, esn, seq_hi) == 0 &&
		      memcmp(buf, copy, len) == 0;
		/* deterministic */
		ok &= ov2_crypto_ah_icv(&c, buf, len, ivp, esn, seq_hi, icv2) == 0 &&
		      memcmp(icv, icv2, c.icv_len) == 0;
		/* the last byte counts (the ESN bytes come right after it) */
		buf[len - 1] ^= 0x80;
		ok &= ah_refused(&c, buf, len, ivp, icv, esn, seq_hi);
		buf[len - 1] ^= 0x80;
	}
	/* every bit of a 120-byte packet, of the ICV, of the IV */
	len = 120;
	rnd(buf, len);
	CHECK_EQ(ov2_crypto_ah_icv(&c, buf, len, ivp, esn, seq_hi, icv), 0);
	for (bit = 0; bit < len * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		bad += !ah_refused(&c, buf, len, ivp, icv, esn, seq_hi);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < c.icv_len * 8u; bit++) {
		icv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		bad += !ah_refused(&c, buf, len, ivp, icv, esn, seq_hi);
		icv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; p->iv_len && bit < 64; bit++) {
		iv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		bad += !ah_refused(&c, buf, len, ivp, icv, esn, seq_hi);
		iv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_EQ(bad, 0);
	ok &= bad == 0;
	/* ESN */
	if (esn) {
		ok &= ah_refused(&c, buf, len, ivp, icv, 1, seq_hi ^ 1);
		ok &= ah_refused(&c, buf, len, ivp, icv, 1, seq_hi ^ 0x80000000u);
		ok &= ah_refused(&c, buf, len, ivp, icv, 0, 0);
	} else {
		ok &= ah_refused(&c, buf, len, ivp, icv, 1, 0);
	}
	ok &= ov2_crypto_ah_verify(&c, buf, len, ivp, icv, esn, seq_hi) == 0;
	/* another key */
	conf.auth_key[0] ^= 1;
	CHECK_EQ(ov2_crypto_init(&c2, &conf, err, sizeof(err)), 0);
	ok &= ah_refused(&c2, buf, len, ivp, icv, esn, seq_hi);
	ov2_crypto_wipe(&c2);
	/* lengths, GMAC without IV, ESP calls */
	CHECK_EQ(ov2_crypto_ah_icv(&c, buf, 0, ivp, esn, seq_hi, icv2), -EINVAL);
	CHECK_EQ(ov2_crypto_ah_verify(&c, buf, 0, ivp, icv, esn, seq_hi), -EINVAL);
	CHECK_EQ(ov2_crypto_ah_verify(&c, buf, OV2_AH_LEN_MAX + 1, ivp, icv, esn, seq_hi),
		 -EINVAL);
	if (p->iv_len)
		CHECK_EQ(ov2_crypto_ah_icv(&c, buf, len, NULL, esn, seq_hi, icv2), -EINVAL);
	CHECK_EQ(ov2_crypto_esp_open(&c, esp, sizeof(esp), esn, seq_hi), -EINVAL);
	CHECK_EQ(ov2_crypto_esp_seal(&c, esp, sizeof(esp), esn, seq_hi), -EINVAL);
	ov2_crypto_wipe(&c);
	CHECK(ok);
	printf("%s %s esn=%d: ICV round trips, bit flips (data, ICV, IV), seq_hi, key, "
	       "lengths\n", ok ? "pass" : "FAIL", p->name, esn);
}

/* ---- init refusals ---- */

/* init(conf) must fail with -EINVAL, an error naming what, and ops NULL. */
static int
refused(const struct ov2_sa_conf *conf, const char *what, const char *why)
{
	struct ov2_crypto c;
	uint8_t esp[64] = { 0 };
	char err[200] = "";
	int rc = ov2_crypto_init(&c, conf, err, sizeof(err));
	int ok = rc == -EINVAL && strstr(err, what) != NULL && c.ops == NULL &&
		 ov2_crypto_esp_open(&c, esp, sizeof(esp), 0, 0) == -EINVAL;

	CHECK(ok);
	printf("%s refuse %s: \"%s\"\n", ok ? "pass" : "FAIL", why, err);
	return ok;
}

static struct ov2_sa_conf
base_conf(uint8_t proto, uint8_t cipher, uint8_t key_len, uint8_t auth, uint8_t akey_len)
{
	struct ov2_sa_conf c;

	memset(&c, 0, sizeof(c));
	c.spi = 77;
	c.proto = proto;
	c.cipher = cipher;
	c.key_len = key_len;
	c.auth = auth;
	c.auth_key_len = akey_len;
	rnd(c.key, sizeof(c.key));
	rnd(c.auth_key, sizeof(c.auth_key));
	return c;
}

static void
test_refusals(void)
{
	const uint8_t E = OV2_IPPROTO_ESP, A = OV2_IPPROTO_AH;
	struct ov2_sa_conf c;
	struct ov2_crypto cr;
	char err[200];
	unsigned int i;

	/* ESP without integrity */
	c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_UNSET, 0);
	refused(&c, "requires authentication", "ESP aes-128-cbc without integrity");
	c = base_conf(E, OV2_CIPHER_NULL, 0, OV2_AUTH_UNSET, 0);
	refused(&c, "requires authentication", "ESP null without integrity");
	c = base_conf(E, OV2_CIPHER_UNSET, 0, OV2_AUTH_UNSET, 0);
	refused(&c, "no algorithm", "ESP without any algorithm");
	c = base_conf(E, OV2_CIPHER_UNSET, 0, OV2_AUTH_SHA256_128, 32);
	refused(&c, "no cipher", "ESP HMAC without a cipher");
	/* deprecated without the flag (and accepted with it) */
	c = base_conf(E, OV2_CIPHER_DES_CBC, 8, OV2_AUTH_SHA1_96, 20);
	refused(&c, "RFC 8221", "des-cbc without allow-deprecated");
	c.flags = OV2_SA_F_DEPRECATED_OK;
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	c = base_conf(E, OV2_CIPHER_3DES_CBC, 24, OV2_AUTH_SHA1_96, 20);
	refused(&c, "RFC 8221", "3des-cbc without allow-deprecated");
	c.flags = OV2_SA_F_DEPRECATED_OK;
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_MD5_96, 16);
	refused(&c, "RFC 8221", "ESP md5-hmac without allow-deprecated");
	c.flags = OV2_SA_F_DEPRECATED_OK;
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	c = base_conf(A, OV2_CIPHER_UNSET, 0, OV2_AUTH_MD5_96, 16);
	refused(&c, "RFC 8221", "AH md5-hmac without allow-deprecated");
	c.flags = OV2_SA_F_DEPRECATED_OK;
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	/* the flag does not make other errors pass */
	c = base_conf(E, OV2_CIPHER_DES_CBC, 7, OV2_AUTH_SHA1_96, 20);
	c.flags = OV2_SA_F_DEPRECATED_OK;
	refused(&c, "8-byte key", "des-cbc with a 7-byte key");
	/* wrong key lengths: each cipher, each auth, each AEAD */
	for (i = 0; i < NELEM(ciphers); i++) {
		unsigned int bad[2] = { ciphers[i].key_len + 1u,
					ciphers[i].key_len ? ciphers[i].key_len - 1u : 16u };
		unsigned int j;

		for (j = 0; j < 2; j++) {
			char why[64];

			c = base_conf(E, ciphers[i].cipher, (uint8_t)bad[j], OV2_AUTH_SHA256_128, 32);
			c.flags = OV2_SA_F_DEPRECATED_OK;
			snprintf(why, sizeof(why), "%s with a %u-byte key",
				 ov2_cipher_name(ciphers[i].cipher), bad[j]);
			refused(&c, ciphers[i].key_len ? "-byte key" : "takes no key", why);
		}
	}
	for (i = 0; i < NELEM(hmacs); i++) {
		char why[64];

		c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, hmacs[i].auth, hmacs[i].key_len - 1);
		c.flags = OV2_SA_F_DEPRECATED_OK;
		snprintf(why, sizeof(why), "%s with a %u-byte key", ov2_auth_name(hmacs[i].auth),
			 hmacs[i].key_len - 1u);
		refused(&c, "-byte key", why);
		c = base_conf(A, OV2_CIPHER_UNSET, 0, hmacs[i].auth, hmacs[i].key_len + 1);
		c.flags = OV2_SA_F_DEPRECATED_OK;
		snprintf(why, sizeof(why), "AH %s with a %u-byte key",
			 ov2_auth_name(hmacs[i].auth), hmacs[i].key_len + 1u);
		refused(&c, "-byte key", why);
	}
	for (i = 0; i < NELEM(gmacs); i++) {
		char why[64];

		c = base_conf(E, OV2_CIPHER_NULL, 0, gmacs[i].auth, gmacs[i].key_len + 8);
		snprintf(why, sizeof(why), "%s with a %u-byte key", ov2_auth_name(gmacs[i].auth),
			 gmacs[i].key_len + 8u);
		refused(&c, "salt", why);
		c = base_conf(A, OV2_CIPHER_UNSET, 0, gmacs[i].auth, gmacs[i].key_len - 8);
		refused(&c, "-byte key", "AH GMAC with a short key");
	}
	for (i = 0; i < NELEM(aeads); i++) {
		char why[64];

		c = base_conf(E, OV2_CIPHER_UNSET, (uint8_t)(aeads[i].key_len + 4),
			      OV2_AUTH_UNSET, 0);
		c.aead = aeads[i].aead;
		snprintf(why, sizeof(why), "%s with the salt in the key",
			 ov2_aead_name(aeads[i].aead));
		refused(&c, "-byte key", why);
	}
	/* combinations */
	c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_UNSET, 0);
	c.aead = OV2_AEAD_AES_128_GCM;
	refused(&c, "AEAD", "AEAD with a cipher");
	c = base_conf(E, OV2_CIPHER_UNSET, 16, OV2_AUTH_SHA1_96, 20);
	c.aead = OV2_AEAD_AES_128_GCM;
	refused(&c, "AEAD", "AEAD with auth");
	c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_AES_128_GMAC, 16);
	refused(&c, "null", "GMAC with aes-cbc");
	c = base_conf(E, OV2_CIPHER_NULL, 16, OV2_AUTH_AES_128_GMAC, 16);
	refused(&c, "no cipher key", "GMAC with a cipher key");
	c = base_conf(E, OV2_CIPHER_NULL, 0, OV2_AUTH_AES_128_GMAC, 16);
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	c.cipher = OV2_CIPHER_UNSET;	/* GMAC: cipher null or not given */
	CHECK_EQ(ov2_crypto_init(&cr, &c, err, sizeof(err)), 0);
	/* AH */
	c = base_conf(A, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_SHA1_96, 20);
	refused(&c, "no cipher", "AH with a cipher");
	c = base_conf(A, OV2_CIPHER_NULL, 0, OV2_AUTH_SHA1_96, 20);
	refused(&c, "no cipher", "AH with the null cipher");
	c = base_conf(A, OV2_CIPHER_UNSET, 16, OV2_AUTH_UNSET, 0);
	c.aead = OV2_AEAD_AES_128_GCM;
	refused(&c, "no AEAD", "AH with an AEAD");
	c = base_conf(A, OV2_CIPHER_UNSET, 0, OV2_AUTH_UNSET, 0);
	refused(&c, "no integrity", "AH without an algorithm");
	/* unknown values */
	c = base_conf(0, OV2_CIPHER_AES_128_CBC, 16, OV2_AUTH_SHA1_96, 20);
	refused(&c, "neither ESP", "protocol 0");
	c = base_conf(E, 99, 16, OV2_AUTH_SHA1_96, 20);
	refused(&c, "unknown cipher", "cipher 99");
	c = base_conf(E, OV2_CIPHER_AES_128_CBC, 16, 99, 20);
	refused(&c, "unknown integrity", "auth 99");
	c = base_conf(E, OV2_CIPHER_UNSET, 16, OV2_AUTH_UNSET, 0);
	c.aead = 99;
	refused(&c, "unknown AEAD", "aead 99");
	ov2_crypto_wipe(&cr);
}

/* ---- layout and wipe ---- */

static void
test_layout(void)
{
	struct ov2_sa_conf conf = base_conf(OV2_IPPROTO_ESP, OV2_CIPHER_AES_256_CBC, 32,
					    OV2_AUTH_SHA512_256, 64);
	struct ov2_crypto *c = aligned_alloc(64, sizeof(*c));
	uint8_t esp[128] = { 0 };
	char err[128];
	size_t i, nz = 0;

	CHECK_EQ(sizeof(struct ov2_crypto), 1024);	/* as before this work */
	CHECK_EQ(_Alignof(struct ov2_crypto), 64);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(ov2_crypto_init(c, &conf, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(*c); i++)
		nz += ((uint8_t *)c)[i] != 0;
	CHECK(nz > 500);	/* key material is there ... */
	ov2_crypto_wipe(c);
	for (i = 0, nz = 0; i < sizeof(*c); i++)
		nz += ((uint8_t *)c)[i] != 0;
	CHECK_EQ(nz, 0);	/* ... and gone */
	CHECK_EQ(ov2_crypto_esp_open(c, esp, sizeof(esp), 0, 0), -EINVAL);
	free(c);
	CHECK(strcmp(ov2_aead_name(OV2_AEAD_CHACHA20_POLY1305), "chacha20-poly1305") == 0);
	printf("pass layout: sizeof(struct ov2_crypto) %zu, aligned %zu; wipe clears all\n",
	       sizeof(struct ov2_crypto), _Alignof(struct ov2_crypto));
}

/* ---- cross-implementation vectors (gen_scapy_vectors.py) ---- */

#define XFIELDS 8
#define XBYTES 4096

struct xfield {
	char name[16];
	uint32_t len;
	uint8_t b[XBYTES];
};

struct xvec {
	char id[16], kind[8], attrs[160];
	unsigned int n;
	struct xfield f[XFIELDS];
};

static const struct xfield *
xfield(const struct xvec *v, const char *name)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->f[i].name, name) == 0)
			return &v->f[i];
	return NULL;
}

/* attrs "k=v k=v": copy v of k into out; "" when absent. */
static void
xattr(const struct xvec *v, const char *k, char *out, size_t outlen)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", k);
	out[0] = '\0';
	p = strstr(v->attrs, pat);
	if (p == NULL)
		return;
	p += strlen(pat);
	n = strcspn(p, " \n");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int
enum_of(const char *name, const char *(*fn)(unsigned int))
{
	unsigned int i;

	for (i = 1; i < 32; i++)
		if (fn(i) != NULL && strcmp(fn(i), name) == 0)
			return (int)i;
	return 0;
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
parse_xfield(const char *line, struct xvec *v)
{
	const char *colon = strchr(line, ':');
	struct xfield *f;
	size_t nl, i, n;

	if (colon == NULL || v->n == XFIELDS)
		return -1;
	f = &v->f[v->n];
	nl = (size_t)(colon - line);
	if (nl == 0 || nl >= sizeof(f->name))
		return -1;
	memcpy(f->name, line, nl);
	f->name[nl] = '\0';
	colon += 2;
	n = strcspn(colon, "\r\n");
	if (n % 2 != 0 || n / 2 > XBYTES)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hexval(colon[i]), lo = hexval(colon[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		f->b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	f->len = (uint32_t)(n / 2);
	v->n++;
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* what the vectors covered: [cipher][auth][esn], [aead][esn], [auth][ip 4/6][esn] */
static uint8_t cov_esp[8][16][2], cov_aead[8][2], cov_ah[16][2][2];

static int
x_esp(const struct xvec *v, const struct ov2_sa_conf *conf, int esn, uint32_t seq_hi)
{
	const struct xfield *esp = xfield(v, "esp"), *pt = xfield(v, "plaintext");
	static uint8_t buf[XBYTES];
	struct ov2_crypto c;
	char err[160] = "";
	uint32_t off;
	int ok;

	if (esp == NULL || pt == NULL || ov2_crypto_init(&c, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", v->id, err[0] ? err : "no esp/plaintext");
		return 0;
	}
	off = OV2_ESP_HDR_LEN + c.iv_len;
	memcpy(buf, esp->b, esp->len);
	ok = ov2_crypto_esp_open(&c, buf, esp->len, esn, seq_hi) == 0 &&
	     esp->len == off + pt->len + c.icv_len && memcmp(buf + off, pt->b, pt->len) == 0;
	/* one flipped ciphertext bit, one ICV bit, and the ESN half */
	memcpy(buf, esp->b, esp->len);
	buf[off] ^= 0x01;
	ok &= open_refused(&c, buf, esp->len, esn, seq_hi, -EBADMSG);
	memcpy(buf, esp->b, esp->len);
	buf[esp->len - 1] ^= 0x20;
	ok &= open_refused(&c, buf, esp->len, esn, seq_hi, -EBADMSG);
	if (esn)
		ok &= open_refused(&c, esp->b, esp->len, esn, seq_hi ^ 1, -EBADMSG);
	ov2_crypto_wipe(&c);
	if (ok) {
		if (conf->aead)
			cov_aead[conf->aead][esn] = 1;
		else
			cov_esp[conf->cipher][conf->auth][esn] = 1;
	}
	return ok;
}

/*
 * RFC 4302 3.3.3.1 for a packet without IPv4 options / IPv6 extension
 * headers: zero the mutable fields and the ICV (keeping any ICV padding).
 * Returns the AH offset, or -1.
 */
static int
ah_prepare(uint8_t *p, uint32_t len, const struct ov2_crypto *c, uint8_t *icv)
{
	unsigned int ver = p[0] >> 4, l3, ah_len, icv_off;

	if (ver == 4) {
		if ((p[0] & 0x0f) != 5 || p[9] != OV2_IPPROTO_AH)
			return -1;
		l3 = 20;
		p[1] = 0;			/* DSCP + ECN */
		p[6] = p[7] = 0;		/* flags + fragment offset */
		p[8] = 0;			/* TTL */
		p[10] = p[11] = 0;		/* header checksum */
	} else if (ver == 6) {
		if (p[6] != OV2_IPPROTO_AH)
			return -1;
		l3 = 40;
		p[0] &= 0xf0;			/* traffic class ... */
		p[1] = p[2] = p[3] = 0;		/* ... and flow label */
		p[7] = 0;			/* hop limit */
	} else {
		return -1;
	}
	if (len < l3 + OV2_AH_HDR_LEN)
		return -1;
	ah_len = (p[l3 + 1] + 2u) * 4;
	/* the AH length the header documents for this algorithm */
	if (ah_len != ((OV2_AH_HDR_LEN + c->iv_len + c->icv_len + (ver == 4 ? 3u : 7u)) &
		       ~(ver == 4 ? 3u : 7u)) || l3 + ah_len > len)
		return -1;
	icv_off = l3 + OV2_AH_HDR_LEN + c->iv_len;
	memcpy(icv, p + icv_off, c->icv_len);
	memset(p + icv_off, 0, c->icv_len);
	return (int)l3;
}

static int
x_ah(const struct xvec *v, const struct ov2_sa_conf *conf, int esn, uint32_t seq_hi)
{
	const struct xfield *pkt = xfield(v, "pkt");
	static uint8_t buf[XBYTES];
	uint8_t icv[OV2_ICV_MAX];
	struct ov2_crypto c;
	char err[160] = "";
	const uint8_t *iv;
	int off, ok;

	if (pkt == NULL || ov2_crypto_init(&c, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", v->id, err[0] ? err : "no pkt");
		return 0;
	}
	memcpy(buf, pkt->b, pkt->len);
	off = ah_prepare(buf, pkt->len, &c, icv);
	if (off < 0) {
		fprintf(stderr, "%s: not a plain IPv4/IPv6 + AH packet of the documented "
			"layout\n", v->id);
		ov2_crypto_wipe(&c);
		return 0;
	}
	iv = c.iv_len ? buf + off + OV2_AH_HDR_LEN : NULL;
	ok = ov2_crypto_ah_verify(&c, buf, pkt->len, iv, icv, esn, seq_hi) == 0;
	if (!ok)
		fprintf(stderr, "%s: ICV does not verify\n", v->id);
	buf[pkt->len - 1] ^= 0x01;	/* the payload */
	ok &= ov2_crypto_ah_verify(&c, buf, pkt->len, iv, icv, esn, seq_hi) == -EBADMSG;
	buf[pkt->len - 1] ^= 0x01;
	buf[off + 8] ^= 0x04;		/* the sequence number */
	ok &= ov2_crypto_ah_verify(&c, buf, pkt->len, iv, icv, esn, seq_hi) == -EBADMSG;
	buf[off + 8] ^= 0x04;
	if (esn)
		ok &= ov2_crypto_ah_verify(&c, buf, pkt->len, iv, icv, esn, seq_hi ^ 1) ==
		      -EBADMSG;
	ov2_crypto_wipe(&c);
	if (ok)
		cov_ah[conf->auth][(buf[0] >> 4) == 6][esn] = 1;
	return ok;
}

static int
xcheck_one(const struct xvec *v)
{
	const struct xfield *key = xfield(v, "key"), *akey = xfield(v, "authkey"),
		*salt = xfield(v, "salt"), *hi = xfield(v, "seqhi");
	char a[32], src[40];
	struct ov2_sa_conf conf;
	int esn, ok;

	memset(&conf, 0, sizeof(conf));
	conf.proto = strcmp(v->kind, "ah") == 0 ? OV2_IPPROTO_AH : OV2_IPPROTO_ESP;
	conf.flags = OV2_SA_F_DEPRECATED_OK;
	xattr(v, "aead", a, sizeof(a));
	conf.aead = (uint8_t)enum_of(a, ov2_aead_name);
	xattr(v, "cipher", a, sizeof(a));
	conf.cipher = (uint8_t)enum_of(a, ov2_cipher_name);
	xattr(v, "auth", a, sizeof(a));
	conf.auth = (uint8_t)enum_of(a, ov2_auth_name);
	xattr(v, "esn", a, sizeof(a));
	esn = strcmp(a, "1") == 0;
	xattr(v, "src", src, sizeof(src));
	if (key && key->len <= sizeof(conf.key)) {
		conf.key_len = (uint8_t)key->len;
		memcpy(conf.key, key->b, key->len);
	}
	if (akey && akey->len <= sizeof(conf.auth_key)) {
		conf.auth_key_len = (uint8_t)akey->len;
		memcpy(conf.auth_key, akey->b, akey->len);
	}
	if (salt && salt->len == 4)
		memcpy(conf.salt, salt->b, 4);
	if (esn != (hi != NULL && hi->len == 4)) {
		printf("FAIL %s: esn=%d but seqhi %s\n", v->id, esn, hi ? "given" : "missing");
		return 0;
	}
	if (esn)
		conf.flags |= OV2_SA_F_ESN;
	if (conf.proto == OV2_IPPROTO_AH)
		ok = x_ah(v, &conf, esn, esn ? be32(hi->b) : 0);
	else
		ok = x_esp(v, &conf, esn, esn ? be32(hi->b) : 0);
	printf("%s %s %s%s %s%s%s esn=%d (%s)\n", ok ? "pass" : "FAIL", v->id, v->kind,
	       strstr(v->attrs, " ip=6") ? "/ipv6" : strstr(v->attrs, " ip=4") ? "/ipv4" : "",
	       conf.aead ? ov2_aead_name(conf.aead) : conf.cipher ?
	       ov2_cipher_name(conf.cipher) : "", conf.aead || !conf.cipher ? "" : "+",
	       conf.auth ? ov2_auth_name(conf.auth) : "", esn, src);
	return ok;
}

static int
xcheck(const char *path)
{
	static struct xvec v;
	static char line[2 * XBYTES + 64];
	unsigned int n = 0, n_ok = 0, i, j, e, missing = 0;
	int have = 0;
	FILE *fp = fopen(path, "r");

	CHECK(fp != NULL);
	if (fp == NULL) {
		perror(path);
		return test_done("test_crypto xcheck");
	}
	for (;;) {
		char *got = fgets(line, sizeof(line), fp);

		if (got == NULL || strncmp(line, "### ", 4) == 0) {
			if (have) {
				n++;
				n_ok += xcheck_one(&v) != 0;
			}
			if (got == NULL)
				break;
			memset(&v, 0, sizeof(v));
			have = sscanf(line, "### %15s %7s", v.id, v.kind) == 2;
			CHECK(have);
			{
				size_t n = strcspn(line + 4, "\r\n");

				if (n > sizeof(v.attrs) - 2)
					n = sizeof(v.attrs) - 2;
				v.attrs[0] = ' ';
				memcpy(v.attrs + 1, line + 4, n);
				v.attrs[n + 1] = '\0';
			}
			continue;
		}
		if (line[0] == '#' || line[strspn(line, " \r\n")] == '\0')
			continue;
		CHECK_EQ(parse_xfield(line, &v), 0);
	}
	fclose(fp);
	/* every algorithm of ours that the generator can make was made and passed */
	for (i = 0; i < NELEM(ciphers); i++)
		for (j = 0; j < NELEM(hmacs); j++)
			for (e = 0; e < 2; e++)
				missing += !cov_esp[ciphers[i].cipher][hmacs[j].auth][e];
	for (i = 0; i < NELEM(gmacs); i++)
		for (e = 0; e < 2; e++)
			missing += !cov_esp[OV2_CIPHER_NULL][gmacs[i].auth][e];
	for (i = 0; i < NELEM(aeads); i++)
		for (e = 0; e < 2; e++)
			missing += !cov_aead[aeads[i].aead][e];
	for (i = 0; i < NELEM(hmacs); i++)
		for (j = 0; j < 2; j++)
			for (e = 0; e < 2; e++)
				missing += !cov_ah[hmacs[i].auth][j][e];
	for (i = 0; i < NELEM(gmacs); i++)
		for (j = 0; j < 2; j++)
			for (e = 0; e < 2; e++)
				missing += !cov_ah[gmacs[i].auth][j][e];
	printf("test_crypto xcheck: %u vectors, %u passed; %u algorithm/ESN/IP "
	       "combinations without a passing vector\n", n, n_ok, missing);
	CHECK(n > 0);
	CHECK_EQ(n_ok, n);
	CHECK_EQ(missing, 0);
	return test_done("test_crypto xcheck");
}

int
main(int argc, char **argv)
{
	unsigned int i;
	int esn;

	if (argc == 2)
		return xcheck(argv[1]);
	CHECK(ov2_crypto_mgr() != NULL);
	make_profiles();
	test_layout();
	test_refusals();
	for (i = 0; i < n_profs; i++) {
		for (esn = 0; esn <= 1; esn++) {
			if (profs[i].proto == OV2_IPPROTO_AH)
				test_ah(&profs[i], esn);
			else
				test_esp(&profs[i], esn);
		}
	}
	CHECK(queue_empty());
	return test_done("test_crypto");
}
