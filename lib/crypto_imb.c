/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP and AH cryptography through libipsec-mb.
 *
 * AES-GCM, AES-GMAC and ChaCha20-Poly1305 use the direct API. CBC and HMAC
 * have no direct API in libipsec-mb 1.3, so they go through the job API,
 * used synchronously: each packet submits one job and flushes until that
 * very job comes back, so the manager never holds a job between calls and
 * every result belongs to the packet at hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto_imb.h"
#include "sa.h"

/* struct ov2_sa is laid out around this: keep it at one size. */
_Static_assert(sizeof(struct ov2_crypto) == 1024, "struct ov2_crypto grew");
_Static_assert(_Alignof(struct ov2_crypto) == 64, "struct ov2_crypto alignment");
_Static_assert(IMB_CIPHER_NUM <= 256 && IMB_AUTH_NUM <= 256,
	       "libipsec-mb enums no longer fit ov2_etm_key");

#define ESN_LEN 4	/* seq_hi bytes appended to the ICV input */

static __thread IMB_MGR *thread_mgr;
static __thread IMB_MGR *thread_mgr_shani;
static __thread uint8_t *thread_scratch;	/* AH with ESN: buf || seq_hi */

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

/*
 * HMAC-SHA1 and HMAC-SHA-256 jobs, where the CPU has the SHA extensions:
 * libipsec-mb's SSE manager hashes with them, while its AVX2/AVX512
 * managers hash with multi-lane SIMD code, whose flush of a single job
 * costs a full set of lanes (on this project's EPYC: about 5x slower for
 * one 1400-byte packet). Both managers expand keys and hash states the
 * same way, so the choice is only where the job runs. Falls back to the
 * main manager if this one cannot be set up.
 */
static IMB_MGR *
shani_mgr(void)
{
	IMB_MGR *m = thread_mgr_shani;

	if (m != NULL)
		return m;
	m = alloc_mb_mgr(0);
	if (m == NULL)
		return ov2_crypto_mgr();
	init_mb_mgr_sse(m);
	if (imb_get_errno(m) != 0 || !(m->features & IMB_FEATURE_SHANI)) {
		free_mb_mgr(m);
		return ov2_crypto_mgr();
	}
	thread_mgr_shani = m;
	return m;
}

unsigned int
ov2_crypto_jobs_pending(void)
{
	unsigned int n = 0;

	if (thread_mgr != NULL)
		n += (unsigned int)IMB_QUEUE_SIZE(thread_mgr);
	if (thread_mgr_shani != NULL)
		n += (unsigned int)IMB_QUEUE_SIZE(thread_mgr_shani);
	return n;
}

/* The manager an encrypt-then-MAC (or AH HMAC) SA's jobs run on. */
static inline IMB_MGR *
etm_mgr(const struct ov2_crypto *c)
{
	return c->k.etm.shani ? shani_mgr() : ov2_crypto_mgr();
}

const char *
ov2_aead_name(unsigned int aead)
{
	switch (aead) {
	case OV2_AEAD_AES_128_GCM: return "aes-128-gcm";
	case OV2_AEAD_AES_192_GCM: return "aes-192-gcm";
	case OV2_AEAD_AES_256_GCM: return "aes-256-gcm";
	case OV2_AEAD_CHACHA20_POLY1305: return "chacha20-poly1305";
	default: return NULL;
	}
}

/* ---- helpers ---- */

/* Zero memory in a way the compiler may not drop (key material). */
static void
wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The AAD of RFC 4106 / 7634: SPI || seq (8 bytes), or SPI || seq_hi || seq (12). */
static uint32_t
esp_aad(uint8_t aad[12], const uint8_t *esp, int esn, uint32_t seq_hi)
{
	if (!esn) {
		memcpy(aad, esp, 8);
		return 8;
	}
	memcpy(aad, esp, 4);
	put_be32(aad + 4, seq_hi);
	memcpy(aad + 8, esp + 4, 4);
	return 12;
}

/* Payload bytes between IV and ICV, or -1 when esp_len does not fit. */
static inline int64_t
esp_payload_len(const struct ov2_crypto *c, uint32_t esp_len)
{
	int64_t len = (int64_t)esp_len - OV2_ESP_HDR_LEN - c->iv_len - c->icv_len;

	if (len < 2 || (c->block > 1 && len % c->block != 0))
		return -1;
	return len;
}

/*
 * Run one job to completion. The manager is empty on entry (every caller
 * drains it), so the first job to come back is this one; flushing until it
 * does leaves the manager empty again.
 */
static int
job_run(IMB_MGR *m, IMB_JOB *job)
{
	IMB_JOB *done = IMB_SUBMIT_JOB(m);

	while (done != job) {
		done = IMB_FLUSH_JOB(m);
		if (done == NULL)
			return -EIO;
	}
	return job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

/* HMAC (truncated to icv_len) of src[0..len) into tag. */
static int
hmac_run(IMB_MGR *m, const struct ov2_crypto *c, const uint8_t *src, uint32_t len,
	 uint8_t *tag)
{
	const struct ov2_etm_key *k = &c->k.etm;
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);

	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->src = src;
	job->dst = NULL;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_alg = (IMB_HASH_ALG)k->imb_hash;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = c->icv_len;
	return job_run(m, job);
}

/*
 * CBC over data[0..len) in place with the IV at iv; with hash_len != 0 the
 * same job also computes the HMAC of esp[0..hash_len) after encrypting
 * (ESP outbound: encrypt, then MAC).
 */
static int
cbc_run(IMB_MGR *m, const struct ov2_crypto *c, IMB_CIPHER_DIRECTION dir,
	const uint8_t *iv, uint8_t *data, uint32_t len,
	const uint8_t *esp, uint32_t hash_len, uint8_t *tag)
{
	const struct ov2_etm_key *k = &c->k.etm;
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);
	const void *ks3[3] = { k->ck.des[0], k->ck.des[1], k->ck.des[2] };

	job->cipher_mode = (IMB_CIPHER_MODE)k->imb_cipher;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH :
			   IMB_ORDER_HASH_CIPHER;
	job->key_len_in_bytes = k->key_bytes;
	switch (job->cipher_mode) {
	case IMB_CIPHER_DES3:
		/* the job wants an array of the three key schedules */
		job->enc_keys = ks3;
		job->dec_keys = ks3;
		break;
	case IMB_CIPHER_DES:
		job->enc_keys = k->ck.des[0];
		job->dec_keys = k->ck.des[0];
		break;
	default:
		job->enc_keys = k->ck.aes.enc;
		job->dec_keys = k->ck.aes.dec;
		break;
	}
	job->iv = iv;
	job->iv_len_in_bytes = c->iv_len;
	job->src = data;
	job->dst = data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	if (hash_len == 0) {
		job->hash_alg = IMB_AUTH_NULL;
	} else {
		/* the hash runs over src too: make src the ESP header */
		job->src = esp;
		job->cipher_start_src_offset_in_bytes = (uint64_t)(data - esp);
		job->hash_alg = (IMB_HASH_ALG)k->imb_hash;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = hash_len;
		job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
		job->auth_tag_output = tag;
		job->auth_tag_output_len_in_bytes = c->icv_len;
	}
	return job_run(m, job);
}

/*
 * What the AEADs (RFC 4106 GCM, RFC 7634 ChaCha20-Poly1305) share: the
 * payload after the 8-byte IV, nonce = salt || IV, AAD = SPI || [seq_hi ||]
 * seq. Returns the payload length, or -1 when esp_len does not fit.
 */
struct aead_in {
	uint8_t *data;
	uint8_t nonce[12];
	uint8_t aad[12];
	uint32_t aad_len;
};

static inline int64_t
aead_prep(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	  uint32_t seq_hi, struct aead_in *in)
{
	/* esp_payload_len() with what every AEAD SA has (setup_aead): IV 8,
	 * ICV 16, block 4, so no division per packet */
	int64_t len = (int64_t)esp_len - OV2_ESP_HDR_LEN - OV2_GCM_IV_LEN - OV2_GCM_ICV_LEN;
	const uint8_t *iv = esp + OV2_ESP_HDR_LEN;

	if (len < 2 || (len & 3) != 0)
		return -1;
	in->data = esp + OV2_ESP_HDR_LEN + OV2_GCM_IV_LEN;
	in->aad_len = esp_aad(in->aad, esp, esn, seq_hi);
	memcpy(in->nonce, c->salt, 4);
	memcpy(in->nonce + 4, iv, 8);
	return len;
}

/* ---- AES-GCM (RFC 4106): direct API ---- */

/*
 * The GCM functions of libipsec-mb's direct API need no manager, only the
 * key and a context. init_mb_mgr_auto() picks them by CPU features, so
 * every manager of the process has the same ones: they are read once,
 * when an SA is set up (set_gcm_fns), and the data path calls them without
 * fetching its thread's manager for each packet. Index: 0, 1, 2 for AES
 * key sizes 128, 192, 256.
 */
static aes_gcm_enc_dec_t gcm_dec_fn[3], gcm_enc_fn[3];

static void
set_gcm_fns(const IMB_MGR *m)
{
	/* the same values whichever thread stores them */
	__atomic_store_n(&gcm_dec_fn[0], m->gcm128_dec, __ATOMIC_RELAXED);
	__atomic_store_n(&gcm_dec_fn[1], m->gcm192_dec, __ATOMIC_RELAXED);
	__atomic_store_n(&gcm_dec_fn[2], m->gcm256_dec, __ATOMIC_RELAXED);
	__atomic_store_n(&gcm_enc_fn[0], m->gcm128_enc, __ATOMIC_RELAXED);
	__atomic_store_n(&gcm_enc_fn[1], m->gcm192_enc, __ATOMIC_RELAXED);
	__atomic_store_n(&gcm_enc_fn[2], m->gcm256_enc, __ATOMIC_RELAXED);
}

static inline int
gcm_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	 uint32_t seq_hi, aes_gcm_enc_dec_t dec, aes_gcm_enc_dec_t enc)
{
	uint8_t tag[OV2_GCM_ICV_LEN];
	struct gcm_context_data ctx;
	struct aead_in in;
	int64_t len = aead_prep(c, esp, esp_len, esn, seq_hi, &in);

	if (len < 0)
		return -EINVAL;
	dec(&c->k.gcm, &ctx, in.data, in.data, (uint64_t)len, in.nonce, in.aad, in.aad_len,
	    tag, OV2_GCM_ICV_LEN);
	if (ov2_crypto_icv_equal(tag, in.data + len, OV2_GCM_ICV_LEN))
		return 0;
	/* CTR mode is its own inverse: put the ciphertext back. */
	enc(&c->k.gcm, &ctx, in.data, in.data, (uint64_t)len, in.nonce, in.aad, in.aad_len,
	    tag, OV2_GCM_ICV_LEN);
	return -EBADMSG;
}

static inline int
gcm_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	 uint32_t seq_hi, aes_gcm_enc_dec_t enc)
{
	struct gcm_context_data ctx;
	struct aead_in in;
	int64_t len = aead_prep(c, esp, esp_len, esn, seq_hi, &in);

	if (len < 0)
		return -EINVAL;
	enc(&c->k.gcm, &ctx, in.data, in.data, (uint64_t)len, in.nonce, in.aad, in.aad_len,
	    in.data + len, OV2_GCM_ICV_LEN);
	return 0;
}

/* One open/seal pair per key size, so the key size is not a per-packet test. */
#define GCM_HANDLERS(bits, i)							\
static int									\
gcm##bits##_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,	\
		 int esn, uint32_t seq_hi)					\
{										\
	return gcm_open(c, esp, esp_len, esn, seq_hi,				\
			__atomic_load_n(&gcm_dec_fn[i], __ATOMIC_RELAXED),	\
			__atomic_load_n(&gcm_enc_fn[i], __ATOMIC_RELAXED));	\
}										\
static int									\
gcm##bits##_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,	\
		 int esn, uint32_t seq_hi)					\
{										\
	return gcm_seal(c, esp, esp_len, esn, seq_hi,				\
			__atomic_load_n(&gcm_enc_fn[i], __ATOMIC_RELAXED));	\
}

GCM_HANDLERS(128, 0)
GCM_HANDLERS(192, 1)
GCM_HANDLERS(256, 2)

/* ---- AES-GMAC (RFC 4543): nothing encrypted, all of it authenticated ---- */

struct gmac_fns {
	aes_gmac_init_t init;
	aes_gmac_update_t update;
	aes_gmac_finalize_t finalize;
};

/*
 * ESP: AAD = SPI || [seq_hi ||] seq || IV || payload, padding, pad length,
 * next header (RFC 4543 section 3.3). With ESN the first 16 bytes are
 * assembled apart; the rest is contiguous in the packet.
 */
static void
gmac_esp_tag(const struct ov2_crypto *c, const struct gmac_fns *f, const uint8_t *esp,
	     uint32_t len, int esn, uint32_t seq_hi, uint8_t tag[OV2_GCM_ICV_LEN])
{
	const uint8_t *iv = esp + OV2_ESP_HDR_LEN;
	struct gcm_context_data ctx;
	uint8_t nonce[12], head[16];

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	f->init(&c->k.gcm, &ctx, nonce, sizeof(nonce));
	if (!esn) {
		f->update(&c->k.gcm, &ctx, esp, OV2_ESP_HDR_LEN + 8 + (uint64_t)len);
	} else {
		memcpy(head, esp, 4);
		put_be32(head + 4, seq_hi);
		memcpy(head + 8, esp + 4, 8);	/* seq, IV[0..3] */
		f->update(&c->k.gcm, &ctx, head, sizeof(head));
		f->update(&c->k.gcm, &ctx, iv + 4, 4 + (uint64_t)len);
	}
	f->finalize(&c->k.gcm, &ctx, tag, OV2_GCM_ICV_LEN);
}

/* AH: AAD = the prepared packet || [seq_hi]; nonce = salt || IV. */
static void
gmac_ah_tag(const struct ov2_crypto *c, const struct gmac_fns *f, const uint8_t *buf,
	    uint32_t len, const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *tag)
{
	struct gcm_context_data ctx;
	uint8_t nonce[12], hi[ESN_LEN];

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	f->init(&c->k.gcm, &ctx, nonce, sizeof(nonce));
	f->update(&c->k.gcm, &ctx, buf, len);
	if (esn) {
		put_be32(hi, seq_hi);
		f->update(&c->k.gcm, &ctx, hi, sizeof(hi));
	}
	f->finalize(&c->k.gcm, &ctx, tag, OV2_GCM_ICV_LEN);
}

#define GMAC_HANDLERS(bits)							\
static int									\
gmac##bits##_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,	\
		  int esn, uint32_t seq_hi)					\
{										\
	IMB_MGR *m = ov2_crypto_mgr();						\
	const struct gmac_fns f = { m->gmac##bits##_init,			\
		m->gmac##bits##_update, m->gmac##bits##_finalize };		\
	int64_t len = esp_payload_len(c, esp_len);				\
	uint8_t tag[OV2_GCM_ICV_LEN];						\
										\
	if (len < 0)								\
		return -EINVAL;							\
	gmac_esp_tag(c, &f, esp, (uint32_t)len, esn, seq_hi, tag);		\
	return ov2_crypto_icv_equal(tag, esp + OV2_ESP_HDR_LEN + 8 + len,	\
				    OV2_GCM_ICV_LEN) ? 0 : -EBADMSG;		\
}										\
static int									\
gmac##bits##_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,	\
		  int esn, uint32_t seq_hi)					\
{										\
	IMB_MGR *m = ov2_crypto_mgr();						\
	const struct gmac_fns f = { m->gmac##bits##_init,			\
		m->gmac##bits##_update, m->gmac##bits##_finalize };		\
	int64_t len = esp_payload_len(c, esp_len);				\
										\
	if (len < 0)								\
		return -EINVAL;							\
	gmac_esp_tag(c, &f, esp, (uint32_t)len, esn, seq_hi,			\
		     esp + OV2_ESP_HDR_LEN + 8 + len);				\
	return 0;								\
}										\
static int									\
gmac##bits##_ah(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,	\
		const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv)	\
{										\
	IMB_MGR *m = ov2_crypto_mgr();						\
	const struct gmac_fns f = { m->gmac##bits##_init,			\
		m->gmac##bits##_update, m->gmac##bits##_finalize };		\
										\
	if (iv == NULL)								\
		return -EINVAL;							\
	gmac_ah_tag(c, &f, buf, len, iv, esn, seq_hi, icv);			\
	return 0;								\
}

GMAC_HANDLERS(128)
GMAC_HANDLERS(192)
GMAC_HANDLERS(256)

/* ---- ChaCha20-Poly1305 (RFC 7634): direct API ---- */

/* Encrypt in.data[0..len) in place and write the tag. */
static void
chacha_enc(IMB_MGR *m, const struct ov2_crypto *c, const struct aead_in *in, uint64_t len,
	   uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	IMB_CHACHA20_POLY1305_INIT(m, c->k.chacha, &ctx, in->nonce, in->aad, in->aad_len);
	IMB_CHACHA20_POLY1305_ENC_UPDATE(m, c->k.chacha, &ctx, in->data, in->data, len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(m, &ctx, tag, OV2_GCM_ICV_LEN);
}

static int
chacha_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	    uint32_t seq_hi)
{
	IMB_MGR *m = ov2_crypto_mgr();
	struct chacha20_poly1305_context_data ctx;
	uint8_t tag[OV2_GCM_ICV_LEN];
	struct aead_in in;
	int64_t len = aead_prep(c, esp, esp_len, esn, seq_hi, &in);

	if (len < 0)
		return -EINVAL;
	IMB_CHACHA20_POLY1305_INIT(m, c->k.chacha, &ctx, in.nonce, in.aad, in.aad_len);
	IMB_CHACHA20_POLY1305_DEC_UPDATE(m, c->k.chacha, &ctx, in.data, in.data, (uint64_t)len);
	IMB_CHACHA20_POLY1305_DEC_FINALIZE(m, &ctx, tag, sizeof(tag));
	if (ov2_crypto_icv_equal(tag, in.data + len, OV2_GCM_ICV_LEN))
		return 0;
	/* a stream cipher: encrypting the plaintext again restores the bytes */
	chacha_enc(m, c, &in, (uint64_t)len, tag);
	return -EBADMSG;
}

static int
chacha_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	    uint32_t seq_hi)
{
	struct aead_in in;
	int64_t len = aead_prep(c, esp, esp_len, esn, seq_hi, &in);

	if (len < 0)
		return -EINVAL;
	chacha_enc(ov2_crypto_mgr(), c, &in, (uint64_t)len, in.data + len);
	return 0;
}

/* ---- encrypt-then-MAC: CBC or NULL cipher + HMAC (job API) ---- */

/*
 * Verify the ICV of esp[0..hlen) (header, IV, ciphertext): the HMAC input
 * is that, then seq_hi with ESN (RFC 4303 2.2.1). The ESN bytes are put
 * for the hash where the ICV starts, and the ICV put back afterwards: the
 * packet is unchanged when this returns.
 */
static int
etm_verify(IMB_MGR *m, const struct ov2_crypto *c, uint8_t *esp, uint32_t hlen,
	   int esn, uint32_t seq_hi)
{
	uint8_t *icv = esp + hlen;
	uint8_t want[OV2_ICV_MAX], tag[OV2_ICV_MAX];
	int rc;

	memcpy(want, icv, c->icv_len);
	if (esn) {
		put_be32(icv, seq_hi);
		rc = hmac_run(m, c, esp, hlen + ESN_LEN, tag);
		memcpy(icv, want, ESN_LEN);
	} else {
		rc = hmac_run(m, c, esp, hlen, tag);
	}
	if (rc != 0)
		return rc;
	return ov2_crypto_icv_equal(tag, want, c->icv_len) ? 0 : -EBADMSG;
}

static int
null_hmac_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	       uint32_t seq_hi)
{
	int64_t len = esp_payload_len(c, esp_len);

	if (len < 0)
		return -EINVAL;
	return etm_verify(etm_mgr(c), c, esp, OV2_ESP_HDR_LEN + (uint32_t)len,
			  esn, seq_hi);
}

static int
null_hmac_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	       uint32_t seq_hi)
{
	int64_t len = esp_payload_len(c, esp_len);
	uint32_t hlen = OV2_ESP_HDR_LEN + (uint32_t)len;
	uint8_t tag[OV2_ICV_MAX];
	int rc;

	if (len < 0)
		return -EINVAL;
	if (esn)
		put_be32(esp + hlen, seq_hi);
	rc = hmac_run(etm_mgr(c), c, esp, hlen + (esn ? ESN_LEN : 0), tag);
	memcpy(esp + hlen, tag, c->icv_len);
	return rc;
}

static int
cbc_hmac_open(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	      uint32_t seq_hi)
{
	IMB_MGR *m = etm_mgr(c);
	int64_t len = esp_payload_len(c, esp_len);
	uint8_t *iv = esp + OV2_ESP_HDR_LEN, *data = iv + c->iv_len;
	int rc;

	if (len < 0)
		return -EINVAL;
	/* MAC first: a packet that fails is never decrypted */
	rc = etm_verify(m, c, esp, (uint32_t)(data + len - esp), esn, seq_hi);
	if (rc != 0)
		return rc;
	return cbc_run(m, c, IMB_DIR_DECRYPT, iv, data, (uint32_t)len, NULL, 0, NULL);
}

static int
cbc_hmac_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	      uint32_t seq_hi)
{
	int64_t len = esp_payload_len(c, esp_len);
	uint8_t *iv = esp + OV2_ESP_HDR_LEN, *data = iv + c->iv_len;
	uint32_t hlen = (uint32_t)(data + len - esp);
	uint8_t tag[OV2_ICV_MAX];
	int rc;

	if (len < 0)
		return -EINVAL;
	if (esn)
		put_be32(esp + hlen, seq_hi);
	rc = cbc_run(etm_mgr(c), c, IMB_DIR_ENCRYPT, iv, data, (uint32_t)len,
		     esp, hlen + (esn ? ESN_LEN : 0), tag);
	memcpy(esp + hlen, tag, c->icv_len);
	return rc;
}

/*
 * AH HMAC over buf || [seq_hi]. The job API hashes one contiguous buffer
 * and buf is the caller's (const), so with ESN the input is assembled in
 * a per-thread scratch buffer.
 */
static int
hmac_ah(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
	const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv)
{
	IMB_MGR *m = etm_mgr(c);
	uint8_t tag[OV2_ICV_MAX];
	int rc;

	(void)iv;
	if (!esn) {
		rc = hmac_run(m, c, buf, len, tag);
	} else {
		if (thread_scratch == NULL) {
			thread_scratch = malloc(OV2_AH_LEN_MAX + ESN_LEN);
			if (thread_scratch == NULL)
				return -ENOMEM;
		}
		memcpy(thread_scratch, buf, len);
		put_be32(thread_scratch + len, seq_hi);
		rc = hmac_run(m, c, thread_scratch, len + ESN_LEN, tag);
	}
	if (rc == 0)
		memcpy(icv, tag, c->icv_len);
	return rc;
}

/* ---- handlers for the other protocol: refuse ---- */

static int
not_esp(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len, int esn,
	uint32_t seq_hi)
{
	(void)c; (void)esp; (void)esp_len; (void)esn; (void)seq_hi;
	return -EINVAL;
}

static int
not_ah(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
       const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv)
{
	(void)c; (void)buf; (void)len; (void)iv; (void)esn; (void)seq_hi; (void)icv;
	return -EINVAL;
}

static const struct ov2_crypto_ops ops_gcm128 = { gcm128_open, gcm128_seal, not_ah };
static const struct ov2_crypto_ops ops_gcm192 = { gcm192_open, gcm192_seal, not_ah };
static const struct ov2_crypto_ops ops_gcm256 = { gcm256_open, gcm256_seal, not_ah };
static const struct ov2_crypto_ops ops_chacha = { chacha_open, chacha_seal, not_ah };
static const struct ov2_crypto_ops ops_gmac128 = { gmac128_open, gmac128_seal, not_ah };
static const struct ov2_crypto_ops ops_gmac192 = { gmac192_open, gmac192_seal, not_ah };
static const struct ov2_crypto_ops ops_gmac256 = { gmac256_open, gmac256_seal, not_ah };
static const struct ov2_crypto_ops ops_null_hmac = { null_hmac_open, null_hmac_seal, not_ah };
static const struct ov2_crypto_ops ops_cbc_hmac = { cbc_hmac_open, cbc_hmac_seal, not_ah };
static const struct ov2_crypto_ops ops_ah_hmac = { not_esp, not_esp, hmac_ah };
static const struct ov2_crypto_ops ops_ah_gmac128 = { not_esp, not_esp, gmac128_ah };
static const struct ov2_crypto_ops ops_ah_gmac192 = { not_esp, not_esp, gmac192_ah };
static const struct ov2_crypto_ops ops_ah_gmac256 = { not_esp, not_esp, gmac256_ah };

/* ---- public entry points ---- */

int
ov2_crypto_esp_seal(const struct ov2_crypto *c, uint8_t *esp, uint32_t esp_len,
		    int esn, uint32_t seq_hi)
{
	if (c->ops == NULL)
		return -EINVAL;
	return c->ops->seal(c, esp, esp_len, esn != 0, seq_hi);
}

int
ov2_crypto_ah_icv(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
		  const uint8_t *iv, int esn, uint32_t seq_hi, uint8_t *icv_out)
{
	if (c->ops == NULL || len == 0 || len > OV2_AH_LEN_MAX)
		return -EINVAL;
	return c->ops->ah_icv(c, buf, len, iv, esn != 0, seq_hi, icv_out);
}

int
ov2_crypto_ah_verify(const struct ov2_crypto *c, const uint8_t *buf, uint32_t len,
		     const uint8_t *iv, const uint8_t *icv, int esn, uint32_t seq_hi)
{
	uint8_t tag[OV2_ICV_MAX];
	int rc = ov2_crypto_ah_icv(c, buf, len, iv, esn, seq_hi, tag);

	if (rc != 0)
		return rc;
	return ov2_crypto_icv_equal(tag, icv, c->icv_len) ? 0 : -EBADMSG;
}

/* ---- SA setup ---- */

struct auth_info {
	unsigned int key_len;		/* auth_key bytes (GMAC: salt excluded) */
	unsigned int icv_len;
	unsigned int hmac_block;	/* HMAC: hash block size; 0 for GMAC */
	IMB_HASH_ALG imb;
	int deprecated;
};

static int
auth_info(unsigned int auth, struct auth_info *a)
{
	static const struct auth_info tab[] = {
		[OV2_AUTH_SHA1_96] = { 20, 12, 64, IMB_AUTH_HMAC_SHA_1, 0 },
		[OV2_AUTH_SHA256_128] = { 32, 16, 64, IMB_AUTH_HMAC_SHA_256, 0 },
		[OV2_AUTH_SHA384_192] = { 48, 24, 128, IMB_AUTH_HMAC_SHA_384, 0 },
		[OV2_AUTH_SHA512_256] = { 64, 32, 128, IMB_AUTH_HMAC_SHA_512, 0 },
		[OV2_AUTH_MD5_96] = { 16, 12, 64, IMB_AUTH_MD5, 1 },
		[OV2_AUTH_AES_128_GMAC] = { 16, 16, 0, IMB_AUTH_AES_GMAC, 0 },
		[OV2_AUTH_AES_192_GMAC] = { 24, 16, 0, IMB_AUTH_AES_GMAC, 0 },
		[OV2_AUTH_AES_256_GMAC] = { 32, 16, 0, IMB_AUTH_AES_GMAC, 0 },
	};

	if (auth == OV2_AUTH_UNSET || auth >= sizeof(tab) / sizeof(tab[0]))
		return -1;
	*a = tab[auth];
	return 0;
}

static int
is_gmac(unsigned int auth)
{
	return auth == OV2_AUTH_AES_128_GMAC || auth == OV2_AUTH_AES_192_GMAC ||
	       auth == OV2_AUTH_AES_256_GMAC;
}

/* The hash state after one block of key ^ pad (the HMAC job's ipad/opad). */
static void
hmac_pad_state(IMB_MGR *m, unsigned int auth, const uint8_t *key, unsigned int key_len,
	       unsigned int block, uint8_t pad, uint8_t out[64])
{
	uint8_t b[128];
	unsigned int i;

	memset(b, pad, block);
	for (i = 0; i < key_len; i++)
		b[i] ^= key[i];
	switch (auth) {
	case OV2_AUTH_SHA1_96: IMB_SHA1_ONE_BLOCK(m, b, out); break;
	case OV2_AUTH_SHA256_128: IMB_SHA256_ONE_BLOCK(m, b, out); break;
	case OV2_AUTH_SHA384_192: IMB_SHA384_ONE_BLOCK(m, b, out); break;
	case OV2_AUTH_SHA512_256: IMB_SHA512_ONE_BLOCK(m, b, out); break;
	default: IMB_MD5_ONE_BLOCK(m, b, out); break;
	}
	wipe(b, sizeof(b));
}

static int
deprecated_ok(const struct ov2_sa_conf *conf, const char *what, char *err, size_t errlen)
{
	if (conf->flags & OV2_SA_F_DEPRECATED_OK)
		return 0;
	snprintf(err, errlen, "%s is deprecated (RFC 8221 says MUST NOT); "
		 "allow-deprecated is needed to use it", what);
	return -EINVAL;
}

/*
 * The integrity half: key checks, then the HMAC states or the GMAC key.
 * Sets c->icv_len and, for GMAC, iv_len, salt and ops.
 */
static int
setup_auth(IMB_MGR *m, struct ov2_crypto *c, const struct ov2_sa_conf *conf, int ah,
	   char *err, size_t errlen)
{
	const char *name = ov2_auth_name(conf->auth);
	struct auth_info a;

	if (auth_info(conf->auth, &a) != 0) {
		snprintf(err, errlen, "unknown integrity algorithm %u", conf->auth);
		return -EINVAL;
	}
	if (a.deprecated && deprecated_ok(conf, name, err, errlen) != 0)
		return -EINVAL;
	if (conf->auth_key_len != a.key_len) {
		snprintf(err, errlen, "%s needs a %u-byte key%s, got %u", name, a.key_len,
			 a.hmac_block ? "" : " plus a 4-byte salt", conf->auth_key_len);
		return -EINVAL;
	}
	c->icv_len = (uint8_t)a.icv_len;
	if (a.hmac_block == 0) {
		switch (conf->auth) {
		case OV2_AUTH_AES_128_GMAC:
			IMB_AES128_GCM_PRE(m, conf->auth_key, &c->k.gcm);
			c->ops = ah ? &ops_ah_gmac128 : &ops_gmac128;
			break;
		case OV2_AUTH_AES_192_GMAC:
			IMB_AES192_GCM_PRE(m, conf->auth_key, &c->k.gcm);
			c->ops = ah ? &ops_ah_gmac192 : &ops_gmac192;
			break;
		default:
			IMB_AES256_GCM_PRE(m, conf->auth_key, &c->k.gcm);
			c->ops = ah ? &ops_ah_gmac256 : &ops_gmac256;
			break;
		}
		c->iv_len = 8;
		memcpy(c->salt, conf->salt, sizeof(c->salt));
		return 0;
	}
	hmac_pad_state(m, conf->auth, conf->auth_key, a.key_len, a.hmac_block, 0x36,
		       c->k.etm.ipad);
	hmac_pad_state(m, conf->auth, conf->auth_key, a.key_len, a.hmac_block, 0x5c,
		       c->k.etm.opad);
	c->k.etm.imb_hash = (uint8_t)a.imb;
	c->k.etm.shani = (conf->auth == OV2_AUTH_SHA1_96 || conf->auth == OV2_AUTH_SHA256_128) &&
			 (m->features & IMB_FEATURE_SHANI) && m->used_arch != IMB_ARCH_SSE;
	return 0;
}

/* The cipher half of an encrypt-then-MAC ESP SA (after setup_auth). */
static int
setup_cipher(IMB_MGR *m, struct ov2_crypto *c, const struct ov2_sa_conf *conf,
	     char *err, size_t errlen)
{
	struct ov2_etm_key *k = &c->k.etm;
	const char *name = ov2_cipher_name(conf->cipher);
	unsigned int want;
	int i;

	switch (conf->cipher) {
	case OV2_CIPHER_NULL: want = 0; break;
	case OV2_CIPHER_AES_128_CBC: want = 16; break;
	case OV2_CIPHER_AES_192_CBC: want = 24; break;
	case OV2_CIPHER_AES_256_CBC: want = 32; break;
	case OV2_CIPHER_DES_CBC: want = 8; break;
	case OV2_CIPHER_3DES_CBC: want = 24; break;
	default:
		snprintf(err, errlen, "unknown cipher %u", conf->cipher);
		return -EINVAL;
	}
	if ((conf->cipher == OV2_CIPHER_DES_CBC || conf->cipher == OV2_CIPHER_3DES_CBC) &&
	    deprecated_ok(conf, name, err, errlen) != 0)
		return -EINVAL;
	if (conf->key_len != want) {
		if (want == 0)
			snprintf(err, errlen, "null encryption takes no key, got %u bytes",
				 conf->key_len);
		else
			snprintf(err, errlen, "%s needs a %u-byte key, got %u", name, want,
				 conf->key_len);
		return -EINVAL;
	}
	k->key_bytes = (uint8_t)want;
	c->ops = &ops_cbc_hmac;
	switch (conf->cipher) {
	case OV2_CIPHER_NULL:
		k->imb_cipher = IMB_CIPHER_NULL;
		c->ops = &ops_null_hmac;
		c->iv_len = 0;
		c->block = 4;
		return 0;
	case OV2_CIPHER_AES_128_CBC:
		IMB_AES_KEYEXP_128(m, conf->key, k->ck.aes.enc, k->ck.aes.dec);
		break;
	case OV2_CIPHER_AES_192_CBC:
		IMB_AES_KEYEXP_192(m, conf->key, k->ck.aes.enc, k->ck.aes.dec);
		break;
	case OV2_CIPHER_AES_256_CBC:
		IMB_AES_KEYEXP_256(m, conf->key, k->ck.aes.enc, k->ck.aes.dec);
		break;
	default:
		for (i = 0; i < (conf->cipher == OV2_CIPHER_DES_CBC ? 1 : 3); i++)
			IMB_DES_KEYSCHED(m, k->ck.des[i], conf->key + 8 * i);
		k->imb_cipher = conf->cipher == OV2_CIPHER_DES_CBC ? IMB_CIPHER_DES :
				IMB_CIPHER_DES3;
		c->iv_len = 8;
		c->block = 8;
		return 0;
	}
	k->imb_cipher = IMB_CIPHER_CBC;
	c->iv_len = 16;
	c->block = 16;
	return 0;
}

static int
setup_aead(IMB_MGR *m, struct ov2_crypto *c, const struct ov2_sa_conf *conf,
	   char *err, size_t errlen)
{
	unsigned int want;

	if (conf->cipher != OV2_CIPHER_UNSET || conf->auth != OV2_AUTH_UNSET) {
		snprintf(err, errlen, "%s is an AEAD (it carries its own integrity): "
			 "cipher and auth must not be given with it", ov2_aead_name(conf->aead));
		return -EINVAL;
	}
	switch (conf->aead) {
	case OV2_AEAD_AES_128_GCM: want = 16; break;
	case OV2_AEAD_AES_192_GCM: want = 24; break;
	default: want = 32; break;
	}
	if (conf->key_len != want) {
		snprintf(err, errlen, "%s needs a %u-byte key plus a 4-byte salt, got %u",
			 ov2_aead_name(conf->aead), want, conf->key_len);
		return -EINVAL;
	}
	set_gcm_fns(m);
	switch (conf->aead) {
	case OV2_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(m, conf->key, &c->k.gcm);
		c->ops = &ops_gcm128;
		break;
	case OV2_AEAD_AES_192_GCM:
		IMB_AES192_GCM_PRE(m, conf->key, &c->k.gcm);
		c->ops = &ops_gcm192;
		break;
	case OV2_AEAD_AES_256_GCM:
		IMB_AES256_GCM_PRE(m, conf->key, &c->k.gcm);
		c->ops = &ops_gcm256;
		break;
	default:
		memcpy(c->k.chacha, conf->key, 32);
		c->ops = &ops_chacha;
		break;
	}
	c->aead = conf->aead;
	c->iv_len = OV2_GCM_IV_LEN;
	c->icv_len = OV2_GCM_ICV_LEN;
	c->block = 4;
	memcpy(c->salt, conf->salt, sizeof(c->salt));
	return 0;
}

static int
setup_esp(IMB_MGR *m, struct ov2_crypto *c, const struct ov2_sa_conf *conf,
	  char *err, size_t errlen)
{
	int rc;

	if (conf->aead != OV2_AEAD_NONE) {
		if (ov2_aead_name(conf->aead) == NULL) {
			snprintf(err, errlen, "unknown AEAD algorithm %u", conf->aead);
			return -EINVAL;
		}
		return setup_aead(m, c, conf, err, errlen);
	}
	if (conf->auth == OV2_AUTH_UNSET) {
		if (conf->cipher == OV2_CIPHER_UNSET)
			snprintf(err, errlen, "ESP SA has no algorithm");
		else
			snprintf(err, errlen, "ESP SA with %s has no integrity algorithm: "
				 "OV2 requires authentication (use an AEAD or give auth)",
				 ov2_cipher_name(conf->cipher) ? ov2_cipher_name(conf->cipher) :
				 "a cipher");
		return -EINVAL;
	}
	if (is_gmac(conf->auth)) {
		/* RFC 4543 ENCR_NULL_AUTH_AES_GMAC: no cipher of its own */
		if (conf->cipher != OV2_CIPHER_UNSET && conf->cipher != OV2_CIPHER_NULL) {
			snprintf(err, errlen, "%s authenticates only: the cipher must be "
				 "null or not given", ov2_auth_name(conf->auth));
			return -EINVAL;
		}
		if (conf->key_len != 0) {
			snprintf(err, errlen, "%s takes its key as the auth key; "
				 "no cipher key expected, got %u bytes",
				 ov2_auth_name(conf->auth), conf->key_len);
			return -EINVAL;
		}
		rc = setup_auth(m, c, conf, 0, err, errlen);
		c->block = 4;
		return rc;
	}
	if (conf->cipher == OV2_CIPHER_UNSET) {
		snprintf(err, errlen, "ESP SA with %s has no cipher (give null for "
			 "RFC 2410 NULL encryption)", ov2_auth_name(conf->auth) ?
			 ov2_auth_name(conf->auth) : "an integrity algorithm");
		return -EINVAL;
	}
	/* the cipher first: its errors (deprecated, key) name it */
	rc = setup_cipher(m, c, conf, err, errlen);
	if (rc == 0)
		rc = setup_auth(m, c, conf, 0, err, errlen);
	return rc;
}

static int
setup_ah(IMB_MGR *m, struct ov2_crypto *c, const struct ov2_sa_conf *conf,
	 char *err, size_t errlen)
{
	int rc;

	if (conf->aead != OV2_AEAD_NONE || conf->cipher != OV2_CIPHER_UNSET) {
		snprintf(err, errlen, "AH authenticates only: an AH SA takes no "
			 "AEAD and no cipher");
		return -EINVAL;
	}
	if (conf->auth == OV2_AUTH_UNSET) {
		snprintf(err, errlen, "AH SA has no integrity algorithm");
		return -EINVAL;
	}
	rc = setup_auth(m, c, conf, 1, err, errlen);
	if (rc != 0)
		return rc;
	if (!is_gmac(conf->auth))
		c->ops = &ops_ah_hmac;
	c->block = 4;
	return 0;
}

int
ov2_crypto_init(struct ov2_crypto *c, const struct ov2_sa_conf *conf,
		char *err, size_t errlen)
{
	IMB_MGR *m = ov2_crypto_mgr();
	int rc;

	memset(c, 0, sizeof(*c));
	if (m == NULL) {
		snprintf(err, errlen, "cannot set up libipsec-mb");
		return -ENOMEM;
	}
	switch (conf->proto) {
	case OV2_IPPROTO_ESP:
		rc = setup_esp(m, c, conf, err, errlen);
		break;
	case OV2_IPPROTO_AH:
		rc = setup_ah(m, c, conf, err, errlen);
		break;
	default:
		snprintf(err, errlen, "SA protocol %u is neither ESP (50) nor AH (51)",
			 conf->proto);
		rc = -EINVAL;
		break;
	}
	if (rc != 0)
		ov2_crypto_wipe(c);	/* no half-expanded keys, ops NULL */
	return rc;
}

void
ov2_crypto_wipe(struct ov2_crypto *c)
{
	wipe(c, sizeof(*c));
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

void
ov2_crypto_thread_release(void)
{
	if (thread_mgr_shani != NULL)
		free_mb_mgr(thread_mgr_shani);
	if (thread_mgr != NULL)
		free_mb_mgr(thread_mgr);
	free(thread_scratch);
	thread_mgr_shani = NULL;
	thread_mgr = NULL;
	thread_scratch = NULL;
}
