/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "crypto_imb.h"
#include "sa.h"

static __thread IMB_MGR *thread_mgr;

IMB_MGR *
ov2_crypto_mgr(void)
{
	IMB_MGR *m = thread_mgr;

	if (m != NULL)
		return m;
	m = alloc_mb_mgr(0);
	if (m == NULL)
		return NULL;
	init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	thread_mgr = m;
	return m;
}

const char *
ov2_aead_name(unsigned int aead)
{
	switch (aead) {
	case OV2_AEAD_AES_128_GCM: return "aes-128-gcm";
	case OV2_AEAD_AES_192_GCM: return "aes-192-gcm";
	case OV2_AEAD_AES_256_GCM: return "aes-256-gcm";
	default: return NULL;
	}
}

int
ov2_crypto_init(struct ov2_crypto *c, const struct ov2_sa_conf *conf,
		char *err, size_t errlen)
{
	IMB_MGR *m = ov2_crypto_mgr();
	unsigned int want;

	memset(c, 0, sizeof(*c));
	if (m == NULL) {
		snprintf(err, errlen, "cannot set up libipsec-mb");
		return -ENOMEM;
	}
	switch (conf->aead) {
	case OV2_AEAD_AES_128_GCM: want = 16; break;
	case OV2_AEAD_AES_192_GCM: want = 24; break;
	case OV2_AEAD_AES_256_GCM: want = 32; break;
	default:
		snprintf(err, errlen, "SA has no supported AEAD algorithm");
		return -EINVAL;
	}
	if (conf->key_len != want) {
		snprintf(err, errlen, "%s needs a %u-byte key plus a 4-byte salt, got %u",
			 ov2_aead_name(conf->aead), want, conf->key_len);
		return -EINVAL;
	}
	switch (conf->aead) {
	case OV2_AEAD_AES_128_GCM: IMB_AES128_GCM_PRE(m, conf->key, &c->gcm); break;
	case OV2_AEAD_AES_192_GCM: IMB_AES192_GCM_PRE(m, conf->key, &c->gcm); break;
	default:                   IMB_AES256_GCM_PRE(m, conf->key, &c->gcm); break;
	}
	c->aead = conf->aead;
	c->iv_len = OV2_GCM_IV_LEN;
	c->icv_len = OV2_GCM_ICV_LEN;
	c->block = 4;
	memcpy(c->salt, conf->salt, sizeof(c->salt));
	return 0;
}

void
ov2_crypto_wipe(struct ov2_crypto *c)
{
	volatile uint8_t *p = (volatile uint8_t *)c;
	size_t i;

	for (i = 0; i < sizeof(*c); i++)
		p[i] = 0;
}

/* Constant-time comparison: the time taken does not depend on the bytes. */
static int
icv_equal(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint8_t diff = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

static void
gcm_run(const struct ov2_crypto *c, int enc, const uint8_t *iv,
	const uint8_t *aad, uint32_t aad_len, uint8_t *data, uint32_t len,
	uint8_t *tag)
{
	IMB_MGR *m = ov2_crypto_mgr();
	struct gcm_context_data ctx;
	uint8_t nonce[12];

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (enc) {
		switch (c->aead) {
		case OV2_AEAD_AES_128_GCM:
			IMB_AES128_GCM_ENC(m, &c->gcm, &ctx, data, data, len, nonce,
					   aad, aad_len, tag, c->icv_len);
			break;
		case OV2_AEAD_AES_192_GCM:
			IMB_AES192_GCM_ENC(m, &c->gcm, &ctx, data, data, len, nonce,
					   aad, aad_len, tag, c->icv_len);
			break;
		default:
			IMB_AES256_GCM_ENC(m, &c->gcm, &ctx, data, data, len, nonce,
					   aad, aad_len, tag, c->icv_len);
			break;
		}
		return;
	}
	switch (c->aead) {
	case OV2_AEAD_AES_128_GCM:
		IMB_AES128_GCM_DEC(m, &c->gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, tag, c->icv_len);
		break;
	case OV2_AEAD_AES_192_GCM:
		IMB_AES192_GCM_DEC(m, &c->gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, tag, c->icv_len);
		break;
	default:
		IMB_AES256_GCM_DEC(m, &c->gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, tag, c->icv_len);
		break;
	}
}

/* The AAD of RFC 4106: SPI || seq (8 bytes), or SPI || seq_hi || seq (12). */
static uint32_t
esp_aad(uint8_t aad[12], const uint8_t *esp, int esn, uint32_t seq_hi)
{
	if (!esn) {
		memcpy(aad, esp, 8);
		return 8;
	}
	memcpy(aad, esp, 4);
	aad[4] = (uint8_t)(seq_hi >> 24);
	aad[5] = (uint8_t)(seq_hi >> 16);
	aad[6] = (uint8_t)(seq_hi >> 8);
	aad[7] = (uint8_t)seq_hi;
	memcpy(aad + 8, esp + 4, 4);
	return 12;
}

/* Payload bytes between IV and ICV, or -1 when esp_len does not fit. */
static int64_t
esp_payload_len(const struct ov2_crypto *c, uint32_t esp_len)
{
	int64_t len = (int64_t)esp_len - OV2_ESP_HDR_LEN - c->iv_len - c->icv_len;

	if (len < 2 || (c->block > 1 && len % c->block != 0))
		return -1;
	return len;
}

int
ov2_crypto_esp_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi)
{
	int64_t len = esp_payload_len(c, esp_len);
	uint8_t *iv = esp + OV2_ESP_HDR_LEN, *data = iv + c->iv_len;
	uint8_t tag[OV2_ICV_MAX], aad[12];
	uint32_t aad_len;

	if (len < 0)
		return -EINVAL;
	aad_len = esp_aad(aad, esp, esn, seq_hi);
	gcm_run(c, 0, iv, aad, aad_len, data, (uint32_t)len, tag);
	if (icv_equal(tag, data + len, c->icv_len))
		return 0;
	/* CTR mode is its own inverse: put the ciphertext back. */
	gcm_run(c, 1, iv, aad, aad_len, data, (uint32_t)len, tag);
	return -EBADMSG;
}

int
ov2_crypto_esp_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi)
{
	int64_t len = esp_payload_len(c, esp_len);
	uint8_t *iv = esp + OV2_ESP_HDR_LEN, *data = iv + c->iv_len;
	uint8_t aad[12];
	uint32_t aad_len;

	if (len < 0)
		return -EINVAL;
	aad_len = esp_aad(aad, esp, esn, seq_hi);
	gcm_run(c, 1, iv, aad, aad_len, data, (uint32_t)len, data + len);
	return 0;
}

const char *
ov2_cipher_name(unsigned int cipher)
{
	switch (cipher) {
	case OV2_CIPHER_NULL: return "null";
	case OV2_CIPHER_AES_128_CBC: return "aes-128-cbc";
	case OV2_CIPHER_AES_192_CBC: return "aes-192-cbc";
	case OV2_CIPHER_AES_256_CBC: return "aes-256-cbc";
	case OV2_CIPHER_DES_CBC: return "des-cbc";
	case OV2_CIPHER_3DES_CBC: return "3des-cbc";
	default: return NULL;
	}
}

const char *
ov2_auth_name(unsigned int auth)
{
	switch (auth) {
	case OV2_AUTH_SHA1_96: return "sha1-hmac";
	case OV2_AUTH_SHA256_128: return "sha256-hmac";
	case OV2_AUTH_SHA384_192: return "sha384-hmac";
	case OV2_AUTH_SHA512_256: return "sha512-hmac";
	case OV2_AUTH_MD5_96: return "md5-hmac";
	case OV2_AUTH_AES_128_GMAC: return "aes-128-gmac";
	case OV2_AUTH_AES_192_GMAC: return "aes-192-gmac";
	case OV2_AUTH_AES_256_GMAC: return "aes-256-gmac";
	default: return NULL;
	}
}
