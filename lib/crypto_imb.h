/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP cryptography through libipsec-mb's direct API. One IMB_MGR per thread
 * (per lcore), created on first use; keys are expanded once per SA.
 */
#ifndef OV2_CRYPTO_IMB_H
#define OV2_CRYPTO_IMB_H

#include <stddef.h>
#include <stdint.h>
#include <intel-ipsec-mb.h>

enum ov2_aead {
	OV2_AEAD_NONE = 0,
	OV2_AEAD_AES_128_GCM,
	OV2_AEAD_AES_192_GCM,
	OV2_AEAD_AES_256_GCM,
};

#define OV2_ESP_HDR_LEN   8	/* SPI + sequence number */
#define OV2_GCM_IV_LEN    8	/* explicit IV on the wire (RFC 4106) */
#define OV2_GCM_ICV_LEN   16
#define OV2_GCM_SALT_LEN  4
#define OV2_ICV_MAX       16

struct ov2_sa_conf;

struct ov2_crypto {
	struct gcm_key_data gcm;	/* expanded AES key + GHASH keys */
	uint8_t aead;			/* enum ov2_aead */
	uint8_t iv_len;			/* explicit IV bytes in the packet */
	uint8_t icv_len;
	uint8_t block;			/* ciphertext alignment (RFC 4303: 4) */
	uint8_t salt[OV2_GCM_SALT_LEN];
} __attribute__((aligned(64)));

/* The calling thread's IMB_MGR (allocated on first call); NULL on failure. */
IMB_MGR *ov2_crypto_mgr(void);

/* Expand the keys of conf into c. Returns 0, or -EINVAL with err filled. */
int ov2_crypto_init(struct ov2_crypto *c, const struct ov2_sa_conf *conf,
		    char *err, size_t errlen);

/* Wipe every byte of c (key material included). */
void ov2_crypto_wipe(struct ov2_crypto *c);

/*
 * Decrypt data[0..len) in place and verify icv (icv_len bytes) over
 * aad (SPI || seq, 8 bytes; 12 with ESN). iv is the packet's explicit IV.
 * Returns 0 when the ICV verified. On failure returns -EBADMSG and restores
 * the original ciphertext, so a packet indicated with an error status still
 * carries the bytes it arrived with. The ICV is compared in constant time.
 */
int ov2_crypto_open(const struct ov2_crypto *c, const uint8_t *iv,
		    const uint8_t *aad, uint32_t aad_len,
		    uint8_t *data, uint32_t len, const uint8_t *icv);

/* Encrypt data[0..len) in place and write the ICV (for ov2gen and tests). */
void ov2_crypto_seal(const struct ov2_crypto *c, const uint8_t *iv,
		     const uint8_t *aad, uint32_t aad_len,
		     uint8_t *data, uint32_t len, uint8_t *icv);

/* "aes-128-gcm" etc.; NULL for an unknown value. */
const char *ov2_aead_name(unsigned int aead);

#endif
