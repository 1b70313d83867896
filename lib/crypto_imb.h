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

/* Combined-mode (AEAD) algorithms: aead_algo. */
enum ov2_aead {
	OV2_AEAD_NONE = 0,
	OV2_AEAD_AES_128_GCM,
	OV2_AEAD_AES_192_GCM,
	OV2_AEAD_AES_256_GCM,
	OV2_AEAD_CHACHA20_POLY1305,	/* RFC 7634 */
};

/* Ciphers used with a separate integrity algorithm: cipher_algo. */
enum ov2_cipher {
	OV2_CIPHER_UNSET = 0,		/* the SA uses an AEAD (or is AH) */
	OV2_CIPHER_NULL,		/* RFC 2410 */
	OV2_CIPHER_AES_128_CBC,		/* RFC 3602 */
	OV2_CIPHER_AES_192_CBC,
	OV2_CIPHER_AES_256_CBC,
	OV2_CIPHER_DES_CBC,		/* deprecated (RFC 8221) */
	OV2_CIPHER_3DES_CBC,		/* deprecated (RFC 8221) */
};

/* Integrity algorithms: auth_algo (ESP with a cipher, or AH). */
enum ov2_auth {
	OV2_AUTH_UNSET = 0,
	OV2_AUTH_SHA1_96,		/* HMAC-SHA1-96, RFC 2404 */
	OV2_AUTH_SHA256_128,		/* HMAC-SHA-256-128, RFC 4868 */
	OV2_AUTH_SHA384_192,
	OV2_AUTH_SHA512_256,
	OV2_AUTH_MD5_96,		/* deprecated (RFC 8221) */
	OV2_AUTH_AES_128_GMAC,		/* RFC 4543 (key + 4-byte salt) */
	OV2_AUTH_AES_192_GMAC,
	OV2_AUTH_AES_256_GMAC,
};

#define OV2_ESP_HDR_LEN   8	/* SPI + sequence number */
#define OV2_GCM_IV_LEN    8	/* explicit IV on the wire (RFC 4106) */
#define OV2_GCM_ICV_LEN   16
#define OV2_GCM_SALT_LEN  4
#define OV2_ICV_MAX       32	/* HMAC-SHA-512-256 */
#define OV2_AUTH_KEY_MAX  64	/* HMAC-SHA-512 key */

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
 * ESP inbound, whatever the SA's algorithms. esp points at the ESP header;
 * esp_len counts the bytes from the ESP header to the end of the ICV
 * (header, IV, ciphertext, ICV). With esn, seq_hi is the inferred high half
 * of the sequence number and takes part in the ICV (RFC 4303 2.2.1, and
 * the AAD of RFC 4106 / 4543 / 7634). Verifies the ICV (constant time),
 * then decrypts the payload in place.
 * Returns 0 when the ICV verified; -EINVAL when esp_len does not fit the
 * algorithm (too short, ciphertext not a whole number of blocks); -EBADMSG
 * when the ICV did not verify; on any failure the packet bytes are
 * unchanged, so a packet indicated with an error status still carries the
 * bytes it arrived with.
 */
int ov2_crypto_esp_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
			int esn, uint32_t seq_hi);

/*
 * ESP outbound (for ov2gen and tests): the caller wrote the ESP header, the
 * IV and the plaintext with its trailer; this encrypts in place and writes
 * the ICV at esp + esp_len - icv_len. Returns 0 or -EINVAL (lengths).
 */
int ov2_crypto_esp_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
			int esn, uint32_t seq_hi);

/* "aes-128-gcm" etc.; NULL for an unknown value. */
const char *ov2_aead_name(unsigned int aead);
const char *ov2_cipher_name(unsigned int cipher);
const char *ov2_auth_name(unsigned int auth);

#endif
