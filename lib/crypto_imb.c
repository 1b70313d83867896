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

int
ov2_crypto_open(const struct ov2_crypto *c, const uint8_t *iv,
		const uint8_t *aad, uint32_t aad_len,
		uint8_t *data, uint32_t len, const uint8_t *icv)
{
	uint8_t tag[OV2_ICV_MAX];

	gcm_run(c, 0, iv, aad, aad_len, data, len, tag);
	if (icv_equal(tag, icv, c->icv_len))
		return 0;
	/* CTR mode is its own inverse: put the ciphertext back. */
	gcm_run(c, 1, iv, aad, aad_len, data, len, tag);
	return -EBADMSG;
}

void
ov2_crypto_seal(const struct ov2_crypto *c, const uint8_t *iv,
		const uint8_t *aad, uint32_t aad_len,
		uint8_t *data, uint32_t len, uint8_t *icv)
{
	gcm_run(c, 1, iv, aad, aad_len, data, len, icv);
}
