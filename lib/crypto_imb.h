/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP cryptography through libipsec-mb's direct API. One IMB_MGR per thread
 * (per lcore), created on first use; keys are expanded once per SA.
 */
#ifndef OV2_CRYPTO_IMB_H
#define OV2_CRYPTO_IMB_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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
#define OV2_AH_HDR_LEN    12	/* next header .. sequence number */
/*
 * Longest buffer ov2_crypto_ah_* take: libipsec-mb's HMAC job hashes at most
 * 65534 bytes, 4 of which the ESN high half may need. Longer buffers get
 * -EINVAL (such an AH packet can only come out of reassembly).
 */
#define OV2_AH_LEN_MAX    65530

struct ov2_sa_conf;
struct ov2_crypto;

/*
 * Per-SA handlers, chosen once by ov2_crypto_init(): the data path makes
 * one indirect call, never a per-packet switch on the algorithm.
 */
struct ov2_crypto_ops {
	int (*open)(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi);
	int (*seal)(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi);
	int (*ah_icv)(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
		      const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv);
};

/*
 * Encrypt-then-MAC key state (CBC or NULL cipher + HMAC): the cipher's
 * expanded keys, the HMAC inner/outer hash states, and the job API
 * parameters derived once at init.
 */
struct ov2_etm_key {
	union {
		struct {
			uint8_t enc[16 * 15] __attribute__((aligned(16)));
			uint8_t dec[16 * 15] __attribute__((aligned(16)));
		} aes;
		uint64_t des[3][16];	/* DES: [0]; 3DES: [0..2] */
	} ck;
	uint8_t ipad[64] __attribute__((aligned(16)));	/* H state of key ^ 0x36.. */
	uint8_t opad[64] __attribute__((aligned(16)));	/* H state of key ^ 0x5c.. */
	uint8_t imb_cipher;		/* IMB_CIPHER_MODE */
	uint8_t imb_hash;		/* IMB_HASH_ALG */
	uint8_t key_bytes;		/* cipher key length for the job */
	uint8_t shani;			/* jobs go to the SHA-NI manager */
};

/*
 * Per-SA crypto state. Its size must not grow (it heads struct ov2_sa):
 * the per-algorithm key states share one union, of which gcm_key_data is
 * the largest, and everything else fits in the 16 bytes after it.
 */
struct ov2_crypto {
	union {
		struct gcm_key_data gcm;	/* AES-GCM, AES-GMAC (ESP, AH) */
		struct ov2_etm_key etm;		/* CBC / NULL cipher + HMAC; AH HMAC */
		uint8_t chacha[32];		/* ChaCha20-Poly1305 key */
	} k;
	const struct ov2_crypto_ops *ops;	/* NULL until init succeeds */
	uint8_t aead;			/* enum ov2_aead */
	uint8_t iv_len;			/* explicit IV bytes in the packet */
	uint8_t icv_len;
	uint8_t block;			/* ciphertext alignment: the cipher block
					 * for CBC, otherwise 4 (RFC 4303) */
	uint8_t salt[OV2_GCM_SALT_LEN];	/* GCM, GMAC, ChaCha20-Poly1305 */
} __attribute__((aligned(64)));

/* The calling thread's IMB_MGR (allocated on first call); NULL on failure. */
IMB_MGR *ov2_crypto_mgr(void);

/* Free what this module allocated for the calling thread (its managers,
 * scratch buffer): for threads that end before the process does, such as
 * the control thread, which sets SAs up. They are allocated again if the
 * thread calls on. */
void ov2_crypto_thread_release(void);

/*
 * Jobs queued in the calling thread's libipsec-mb managers (the one above,
 * and the SSE one HMAC-SHA1/SHA-256 jobs use on CPUs with the SHA
 * extensions). Every call of this module drains what it submits, so this
 * is 0 between calls; for tests.
 */
unsigned int ov2_crypto_jobs_pending(void);

/*
 * Check conf's algorithms and keys and expand the keys into c. Returns 0,
 * or -EINVAL with err filled, or -ENOMEM (libipsec-mb unavailable).
 *
 * ESP (conf->proto 50), one of:
 *  - aead set (cipher and auth unset): AES-GCM-128/192/256 (key 16/24/32,
 *    RFC 4106), ChaCha20-Poly1305 (key 32, RFC 7634); salt[4]. IV 8,
 *    ICV 16, block 4.
 *  - cipher + auth: cipher AES-CBC-128/192/256 (key 16/24/32, IV 16,
 *    block 16, RFC 3602) or null (no key, IV 0, block 4, RFC 2410); auth
 *    HMAC-SHA1-96 (auth key 20, ICV 12), HMAC-SHA-256-128 (32, 16),
 *    HMAC-SHA-384-192 (48, 24), HMAC-SHA-512-256 (64, 32) (RFC 2404 /
 *    RFC 4868).
 *  - auth AES-GMAC-128/192/256 with cipher null or unset (RFC 4543): AES
 *    key in auth_key (16/24/32), salt in salt[4]; IV 8, ICV 16, block 4.
 *  - deprecated by RFC 8221, only with OV2_SA_F_DEPRECATED_OK: cipher
 *    DES-CBC (key 8) and 3DES-CBC (key 24) (IV 8, block 8), auth
 *    HMAC-MD5-96 (auth key 16, ICV 12).
 *  An ESP SA without integrity (a cipher and no auth) is refused.
 * AH (conf->proto 51): auth only (aead and cipher unset), any of the auth
 *  algorithms above; see ov2_crypto_ah_verify() for iv_len and icv_len.
 */
int ov2_crypto_init(struct ov2_crypto *c, const struct ov2_sa_conf *conf,
		    char *err, size_t errlen);

/* Wipe every byte of c (key material included). */
void ov2_crypto_wipe(struct ov2_crypto *c);

/*
 * ESP inbound, whatever the SA's algorithms. esp points at the ESP header;
 * esp_len counts the bytes from the ESP header to the end of the ICV
 * (header, IV, ciphertext, ICV). With esn, seq_hi is the inferred high half
 * of the sequence number and takes part in the ICV (RFC 4303 2.2.1: appended
 * to the HMAC input; the AAD of RFC 4106 / 4543 / 7634).
 * Encrypt-then-MAC SAs (CBC or NULL + HMAC) and GMAC verify the ICV
 * (constant time) before touching the payload; AEADs decrypt in place and
 * put the ciphertext back if the tag does not verify.
 * Returns 0 when the ICV verified (payload now plaintext); -EINVAL when
 * esp_len does not fit the algorithm (too short, ciphertext not a whole
 * number of blocks) or c is not an initialised ESP SA; -EBADMSG when the
 * ICV did not verify; -EIO if libipsec-mb refused the job (a bug). On any
 * failure the packet bytes are unchanged, so a packet indicated with an
 * error status still carries the bytes it arrived with. (HMAC with ESN
 * writes seq_hi over the first 4 ICV bytes while hashing and puts them
 * back before returning: nobody else may read the packet meanwhile.)
 */
static inline int
ov2_crypto_esp_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi)
{
	/* inline: the data path goes straight to the SA's handler */
	if (__builtin_expect(c->ops == NULL, 0))
		return -EINVAL;
	return c->ops->open(c, esp, esp_len, esn != 0, seq_hi);
}

/*
 * ESP outbound (for ov2gen and tests): the caller wrote the ESP header, the
 * IV and the plaintext with its trailer; this encrypts in place and writes
 * the ICV at esp + esp_len - icv_len. Returns 0 or -EINVAL (lengths).
 */
int ov2_crypto_esp_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
			int esn, uint32_t seq_hi);

/*
 * AH ICV (RFC 4302) for an SA initialised with proto AH.
 *
 * Per algorithm (AH header = 12 bytes + IV + ICV, padded to a multiple of
 * 4 bytes for IPv4, 8 for IPv6; Payload Len = header length / 4 - 2):
 *
 *   auth            c->iv_len  c->icv_len  AH header IPv4 / IPv6
 *   hmac-sha1-96        0         12           24 / 24
 *   hmac-sha256-128     0         16           28 / 32
 *   hmac-sha384-192     0         24           36 / 40
 *   hmac-sha512-256     0         32           44 / 48
 *   hmac-md5-96         0         12           24 / 24  (deprecated flag)
 *   aes-gmac-*          8         16           36 / 40  (RFC 4543 sec. 3)
 *
 * What the caller provides:
 *  - buf, len: one contiguous copy of the packet as authenticated, from the
 *    first byte of the (outer) IP header to the end of the IP payload,
 *    1 <= len <= OV2_AH_LEN_MAX, with every mutable field zeroed per
 *    RFC 4302 3.3.3.1: IPv4 TOS (DSCP+ECN), flags + fragment offset, TTL,
 *    header checksum, mutable options zeroed whole; IPv6 traffic class,
 *    flow label, hop limit, the data of options whose type has the 0x20
 *    bit, routing header as the receiver sees it. The AH header stays as
 *    received (next header, payload len, reserved, SPI, sequence number
 *    low half; for GMAC the 8-byte IV right after the sequence number),
 *    except the ICV: its icv_len bytes zeroed. ICV padding after those
 *    bytes (IPv6 alignment) stays as received: it is covered by the ICV
 *    (RFC 4302 3.3.3.2.1).
 *  - iv: GMAC only, the 8 IV bytes (normally buf + AH offset + 12); the
 *    nonce is salt || IV. Ignored (may be NULL) for HMAC.
 *  - esn, seq_hi: with ESN the high half of the sequence number, which the
 *    function appends to the ICV input itself (RFC 4302 2.5.1, implicit,
 *    not on the wire); the caller does not append anything.
 *  - icv (verify): the received ICV, icv_len bytes, copied out before the
 *    field was zeroed. icv_out (compute): icv_len bytes are written.
 *
 * ov2_crypto_ah_verify returns 0 when the ICV verifies (compared in
 * constant time), -EBADMSG when it does not, -EINVAL when c is not an AH
 * SA or len is out of range, -ENOMEM when the per-thread scratch buffer an
 * ESN HMAC needs cannot be allocated. ov2_crypto_ah_icv returns 0 or the
 * same errors (except -EBADMSG). buf is never written.
 */
int ov2_crypto_ah_verify(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
			 const uint8_t *iv, const uint8_t *icv, int esn, uint32_t seq_hi);

/*
 * 1 when the n bytes at a and b are equal, 0 otherwise, in a time that
 * depends on n only. Every ICV / tag comparison goes through here (never
 * memcmp, which stops at the first difference and so tells a forger, by
 * its timing, how many leading bytes of a guessed ICV are right). All n
 * bytes are read whatever they hold; the differences are OR-ed, and the
 * empty asm keeps the compiler from turning the loop into an early exit.
 * 16-byte tags (AES-GCM, ChaCha20-Poly1305, per packet) go two words at a
 * time.
 */
static inline int
ov2_crypto_icv_equal(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint64_t x[2], y[2], d;
	uint8_t diff = 0;
	unsigned int i;

	if (n == 16) {
		memcpy(x, a, sizeof(x));
		memcpy(y, b, sizeof(y));
		d = (x[0] ^ y[0]) | (x[1] ^ y[1]);
		__asm__ volatile("" : "+r"(d));
		return d == 0;
	}
	for (i = 0; i < n; i++) {
		diff |= a[i] ^ b[i];
		__asm__ volatile("" : "+r"(diff));
	}
	return diff == 0;
}

int ov2_crypto_ah_icv(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
		      const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv_out);

/* "aes-128-gcm", "chacha20-poly1305" etc.; NULL for an unknown value. */
const char *ov2_aead_name(unsigned int aead);
const char *ov2_cipher_name(unsigned int cipher);
const char *ov2_auth_name(unsigned int auth);

#endif
