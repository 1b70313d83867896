/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration parser: DPDK ipsec-secgw's file syntax: "sa" rules (every
 * algorithm of lib/crypto_imb.h, plus the SA life-cycle keywords) and "sp"
 * rules (lib/spd.h). Everything else is refused with file:line and the
 * reason. Loading is all or nothing, and every byte of
 * key material (parsed keys, the rule text, the file contents) is wiped
 * before its memory is released.
 *
 * The input may be arbitrary binary: lines are handled with explicit
 * lengths, NUL bytes are refused, tokens are never read past their end and
 * are escaped before they appear in a message.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "conf.h"
#include "tok.h"

#define LINE_MAX_BYTES	4096	/* one physical line, newline excluded */
#define RULE_MAX_BYTES	16384	/* one rule after joining '\' lines */
#define MSG_BUF		512
#define SPI_MIN		256	/* RFC 4303: 0 never used, 1-255 reserved */

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

/*
 * Reallocate a buffer that may hold secrets: copy into a new block and
 * wipe the old one (realloc could leave a copy in freed memory).
 */
static int
grow_secret(void **p, size_t used, size_t newsize)
{
	void *n = malloc(newsize);

	if (n == NULL)
		return -ENOMEM;
	if (used > 0)
		memcpy(n, *p, used);
	wipe(*p, used);
	free(*p);
	*p = n;
	return 0;
}

/* An IPv4 or IPv6 address (the family is chosen by the presence of ':'). */
static int
parse_addr(const struct ov2_tok *t, struct ov2_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];
	int v6;

	if (t->n >= sizeof(buf))
		return -1;
	memcpy(buf, t->p, t->n);
	buf[t->n] = '\0';
	v6 = memchr(buf, ':', t->n) != NULL;
	memset(a, 0, sizeof(*a));
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a->a) != 1) {
		memset(a, 0, sizeof(*a));
		return -1;
	}
	a->family = v6 ? 6 : 4;
	return 0;
}

const char *
ov2_addr_str(const struct ov2_addr *a, char *buf, size_t len)
{
	socklen_t n = len > INET6_ADDRSTRLEN ? INET6_ADDRSTRLEN : (socklen_t)len;

	if (buf == NULL || len == 0)
		return buf;
	if (a == NULL || (a->family != 0 && a->family != 4 && a->family != 6)) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (a->family == 0) {
		snprintf(buf, len, "any");
		return buf;
	}
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf, n) == NULL)
		buf[0] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* One SA: "in|out SPI [esp|ah] keyword [value] ..."                  */
/* ------------------------------------------------------------------ */

#define AUTH_KEY_MAX_BYTES (OV2_AUTH_KEY_MAX + OV2_GCM_SALT_LEN)

/* A colon-separated hex key as given (never quoted in a message). */
struct key_buf {
	uint8_t b[AUTH_KEY_MAX_BYTES];
	size_t n;		/* bytes given (may exceed b[]) */
};

struct sa_parse {
	struct ov2_sa_conf *sa;
	struct key_buf aead_key, cipher_key, auth_key;
	unsigned int seen;	/* bit per entry of keywords[] */
	const char *algo;	/* aead_algo / cipher_algo as given */
	const char *auth;	/* auth_algo as given */
	int gmac;		/* auth_algo aes-gmac (size from the key) */
	char *err;
	size_t errlen;
};

typedef int (*kw_fn)(struct sa_parse *ps, const struct ov2_tok *val);

/* How a keyword takes its value. */
enum kw_val {
	VAL_REQUIRED,
	VAL_NONE,	/* a flag */
	VAL_OPTIONAL,	/* a value follows when the next token is a number */
};

static int kw_aead_algo(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_aead_key(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_cipher_algo(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_cipher_key(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_auth_algo(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_auth_key(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_mode(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_src(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_dst(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_replay_window(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_esn(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_soft_packets(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_hard_packets(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_soft_bytes(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_hard_bytes(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_pair(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_allow_deprecated(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_udp_encap(struct sa_parse *ps, const struct ov2_tok *v);
static int kw_bundle(struct sa_parse *ps, const struct ov2_tok *v);

enum {
	KW_AEAD_ALGO, KW_AEAD_KEY, KW_CIPHER_ALGO, KW_CIPHER_KEY, KW_AUTH_ALGO,
	KW_AUTH_KEY, KW_MODE, KW_SRC, KW_DST, KW_REPLAY_WINDOW, KW_ESN,
	KW_SOFT_PACKETS, KW_HARD_PACKETS, KW_SOFT_BYTES, KW_HARD_BYTES, KW_PAIR,
	KW_ALLOW_DEPRECATED, KW_UDP_ENCAP, KW_BUNDLE,
};

static const struct {
	const char *name;
	kw_fn fn;
	enum kw_val val;
} keywords[] = {
	[KW_AEAD_ALGO] = { "aead_algo", kw_aead_algo, VAL_REQUIRED },
	[KW_AEAD_KEY] = { "aead_key", kw_aead_key, VAL_REQUIRED },
	[KW_CIPHER_ALGO] = { "cipher_algo", kw_cipher_algo, VAL_REQUIRED },
	[KW_CIPHER_KEY] = { "cipher_key", kw_cipher_key, VAL_REQUIRED },
	[KW_AUTH_ALGO] = { "auth_algo", kw_auth_algo, VAL_REQUIRED },
	[KW_AUTH_KEY] = { "auth_key", kw_auth_key, VAL_REQUIRED },
	[KW_MODE] = { "mode", kw_mode, VAL_REQUIRED },
	[KW_SRC] = { "src", kw_src, VAL_REQUIRED },
	[KW_DST] = { "dst", kw_dst, VAL_REQUIRED },
	[KW_REPLAY_WINDOW] = { "replay-window", kw_replay_window, VAL_REQUIRED },
	[KW_ESN] = { "esn", kw_esn, VAL_OPTIONAL },
	[KW_SOFT_PACKETS] = { "soft-packet-limit", kw_soft_packets, VAL_REQUIRED },
	[KW_HARD_PACKETS] = { "hard-packet-limit", kw_hard_packets, VAL_REQUIRED },
	[KW_SOFT_BYTES] = { "soft-byte-limit", kw_soft_bytes, VAL_REQUIRED },
	[KW_HARD_BYTES] = { "hard-byte-limit", kw_hard_bytes, VAL_REQUIRED },
	[KW_PAIR] = { "pair", kw_pair, VAL_REQUIRED },
	[KW_ALLOW_DEPRECATED] = { "allow-deprecated", kw_allow_deprecated, VAL_NONE },
	[KW_UDP_ENCAP] = { "udp-encap", kw_udp_encap, VAL_OPTIONAL },
	[KW_BUNDLE] = { "bundle", kw_bundle, VAL_REQUIRED },
};

/* ipsec-secgw's other "sa" keywords (examples/ipsec-secgw/sa.c). */
static const char *const unsupported_kw[] = {
	"type", "port_id", "fallback", "flow-direction",
	"reassembly_en", "telemetry", "mss", "sess_type", NULL
};

static const struct {
	const char *name;
	uint8_t aead;
	uint8_t key_len;
} aead_algos[] = {
	{ "aes-128-gcm", OV2_AEAD_AES_128_GCM, 16 },
	{ "aes-192-gcm", OV2_AEAD_AES_192_GCM, 24 },
	{ "aes-256-gcm", OV2_AEAD_AES_256_GCM, 32 },
	{ "chacha20-poly1305", OV2_AEAD_CHACHA20_POLY1305, 32 },
};

/* ipsec-secgw's other AEAD algorithms. */
static const char *const unsupported_aead[] = {
	"aes-128-ccm", "aes-192-ccm", "aes-256-ccm", NULL
};

static const struct {
	const char *name;
	uint8_t cipher;
	uint8_t key_len;
	uint8_t deprecated;
} cipher_algos[] = {
	{ "null", OV2_CIPHER_NULL, 0, 0 },
	{ "aes-128-cbc", OV2_CIPHER_AES_128_CBC, 16, 0 },
	{ "aes-192-cbc", OV2_CIPHER_AES_192_CBC, 24, 0 },
	{ "aes-256-cbc", OV2_CIPHER_AES_256_CBC, 32, 0 },
	{ "des-cbc", OV2_CIPHER_DES_CBC, 8, 1 },
	{ "3des-cbc", OV2_CIPHER_3DES_CBC, 24, 1 },
};

static const char *const unsupported_cipher[] = {
	"aes-128-ctr", "aes-192-ctr", "aes-256-ctr", NULL
};

/* HMAC keys as long as the hash output (RFC 2104 / 2404 / 4868). */
static const struct {
	const char *name;
	uint8_t auth;
	uint8_t key_len;
	uint8_t deprecated;
} auth_algos[] = {
	{ "sha1-hmac", OV2_AUTH_SHA1_96, 20, 0 },
	{ "sha256-hmac", OV2_AUTH_SHA256_128, 32, 0 },
	{ "sha384-hmac", OV2_AUTH_SHA384_192, 48, 0 },
	{ "sha512-hmac", OV2_AUTH_SHA512_256, 64, 0 },
	{ "md5-hmac", OV2_AUTH_MD5_96, 16, 1 },
};

static const char *const unsupported_auth[] = { "aes-xcbc-mac", NULL };

static const struct {
	const char *name;
	uint8_t mode;
} modes[] = {
	{ "transport", OV2_MODE_TRANSPORT },
	{ "ipv4-tunnel", OV2_MODE_TUNNEL4 },
	{ "ipv6-tunnel", OV2_MODE_TUNNEL6 },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int
kw_aead_algo(struct sa_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	size_t i;

	for (i = 0; i < N_OF(aead_algos); i++) {
		if (ov2_tok_is(v, aead_algos[i].name)) {
			ps->sa->aead = aead_algos[i].aead;
			ps->sa->key_len = aead_algos[i].key_len;
			ps->algo = aead_algos[i].name;
			return 0;
		}
	}
	if (ov2_tok_in(v, unsupported_aead))
		return ov2_tok_fail(ps->err, ps->errlen,
			    "aead_algo '%s' is not supported", ov2_tok_show(v, sb, sizeof(sb)));
	return ov2_tok_fail(ps->err, ps->errlen, "unknown aead_algo '%s' (expected aes-128-gcm, "
		    "aes-192-gcm, aes-256-gcm or chacha20-poly1305)",
		    ov2_tok_show(v, sb, sizeof(sb)));
}

static int
kw_cipher_algo(struct sa_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	size_t i;

	for (i = 0; i < N_OF(cipher_algos); i++) {
		if (ov2_tok_is(v, cipher_algos[i].name)) {
			ps->sa->cipher = cipher_algos[i].cipher;
			ps->sa->key_len = cipher_algos[i].key_len;
			ps->algo = cipher_algos[i].name;
			return 0;
		}
	}
	if (ov2_tok_in(v, unsupported_cipher))
		return ov2_tok_fail(ps->err, ps->errlen,
			    "cipher_algo '%s' is not supported", ov2_tok_show(v, sb, sizeof(sb)));
	return ov2_tok_fail(ps->err, ps->errlen, "unknown cipher_algo '%s' (expected null, "
		    "aes-128-cbc, aes-192-cbc, aes-256-cbc, des-cbc or 3des-cbc)",
		    ov2_tok_show(v, sb, sizeof(sb)));
}

static int
kw_auth_algo(struct sa_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	size_t i;

	if (ov2_tok_is(v, "aes-gmac")) {
		ps->gmac = 1;		/* AES key size from the key's length */
		ps->auth = "aes-gmac";
		return 0;
	}
	for (i = 0; i < N_OF(auth_algos); i++) {
		if (ov2_tok_is(v, auth_algos[i].name)) {
			ps->sa->auth = auth_algos[i].auth;
			ps->sa->auth_key_len = auth_algos[i].key_len;
			ps->auth = auth_algos[i].name;
			return 0;
		}
	}
	if (ov2_tok_is(v, "null"))
		return ov2_tok_fail(ps->err, ps->errlen, "auth_algo null: OV2 requires "
			    "authentication on every offloaded SA");
	if (ov2_tok_in(v, unsupported_auth))
		return ov2_tok_fail(ps->err, ps->errlen,
			    "auth_algo '%s' is not supported", ov2_tok_show(v, sb, sizeof(sb)));
	return ov2_tok_fail(ps->err, ps->errlen, "unknown auth_algo '%s' (expected sha1-hmac, "
		    "sha256-hmac, sha384-hmac, sha512-hmac, md5-hmac or aes-gmac)",
		    ov2_tok_show(v, sb, sizeof(sb)));
}

/* One key byte: 1 or 2 hex digits. */
static int
key_byte(const char *p, size_t n, uint8_t *out)
{
	int hi = n >= 1 ? ov2_hex_val(p[0]) : -1;
	int lo = n == 2 ? ov2_hex_val(p[1]) : 0;

	if (n < 1 || n > 2 || hi < 0 || lo < 0)
		return -1;
	*out = (uint8_t)(n == 2 ? hi * 16 + lo : hi);
	return 0;
}

/* "de:ad:be:ef": colon-separated hex bytes. The key is never quoted. */
static int
parse_key(struct sa_parse *ps, const struct ov2_tok *v, struct key_buf *k,
	  const char *what)
{
	const char *p = v->p, *end = v->p + v->n, *c;
	uint8_t b = 0;
	int rc = 0;

	for (k->n = 0; rc == 0 && p <= end; p = c + 1) {
		c = memchr(p, ':', (size_t)(end - p));
		if (c == NULL)
			c = end;
		rc = key_byte(p, (size_t)(c - p), &b);
		if (rc == 0 && k->n < sizeof(k->b))
			k->b[k->n] = b;
		k->n++;
	}
	wipe(&b, sizeof(b));
	if (rc != 0)
		return ov2_tok_fail(ps->err, ps->errlen, "%s: byte %zu is not "
			    "1 or 2 hex digits (expected xx:xx:...)", what, k->n);
	return 0;
}

static int
kw_aead_key(struct sa_parse *ps, const struct ov2_tok *v)
{
	return parse_key(ps, v, &ps->aead_key, "aead_key");
}

static int
kw_cipher_key(struct sa_parse *ps, const struct ov2_tok *v)
{
	return parse_key(ps, v, &ps->cipher_key, "cipher_key");
}

static int
kw_auth_key(struct sa_parse *ps, const struct ov2_tok *v)
{
	return parse_key(ps, v, &ps->auth_key, "auth_key");
}

static int
kw_mode(struct sa_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	size_t i;

	for (i = 0; i < N_OF(modes); i++) {
		if (ov2_tok_is(v, modes[i].name)) {
			ps->sa->mode = modes[i].mode;
			return 0;
		}
	}
	return ov2_tok_fail(ps->err, ps->errlen, "unknown mode '%s' "
		    "(expected ipv4-tunnel, ipv6-tunnel or transport)",
		    ov2_tok_show(v, sb, sizeof(sb)));
}

static int
kw_addr(struct sa_parse *ps, const struct ov2_tok *v, const char *what,
	struct ov2_addr *a)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (parse_addr(v, a) == 0)
		return 0;
	return ov2_tok_fail(ps->err, ps->errlen, "invalid %s address '%s'", what,
		    ov2_tok_show(v, sb, sizeof(sb)));
}

static int
kw_src(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_addr(ps, v, "src", &ps->sa->src);
}

static int
kw_dst(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_addr(ps, v, "dst", &ps->sa->dst);
}

static int
kw_u64(struct sa_parse *ps, const struct ov2_tok *v, const char *what, uint64_t min,
       uint64_t max, uint64_t *out)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (ov2_tok_u64(v, out) != 0 || *out < min || *out > max)
		return ov2_tok_fail(ps->err, ps->errlen, "%s: '%s' is not a number in "
			    "%" PRIu64 "..%" PRIu64, what, ov2_tok_show(v, sb, sizeof(sb)), min, max);
	return 0;
}

static int
kw_replay_window(struct sa_parse *ps, const struct ov2_tok *v)
{
	uint64_t w;

	if (kw_u64(ps, v, "replay-window", 0, OV2_REPLAY_WINDOW_MAX, &w) != 0)
		return -EINVAL;
	ps->sa->replay_window = (uint32_t)w;
	ps->sa->flags |= OV2_SA_F_REPLAY_SET;
	return 0;
}

/* "esn" alone, or "esn N": N is the sequence number the receiver starts
 * from (as received; ipsec-secgw's keyword). */
static int
kw_esn(struct sa_parse *ps, const struct ov2_tok *v)
{
	ps->sa->flags |= OV2_SA_F_ESN;
	if (v == NULL)
		return 0;
	return kw_u64(ps, v, "esn", 0, UINT64_MAX, &ps->sa->esn_start);
}

static int
kw_soft_packets(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_u64(ps, v, "soft-packet-limit", 1, UINT64_MAX, &ps->sa->soft_packets);
}

static int
kw_hard_packets(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_u64(ps, v, "hard-packet-limit", 1, UINT64_MAX, &ps->sa->hard_packets);
}

static int
kw_soft_bytes(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_u64(ps, v, "soft-byte-limit", 1, UINT64_MAX, &ps->sa->soft_bytes);
}

static int
kw_hard_bytes(struct sa_parse *ps, const struct ov2_tok *v)
{
	return kw_u64(ps, v, "hard-byte-limit", 1, UINT64_MAX, &ps->sa->hard_bytes);
}

static int
kw_pair(struct sa_parse *ps, const struct ov2_tok *v)
{
	uint64_t spi;

	if (kw_u64(ps, v, "pair", SPI_MIN, UINT32_MAX, &spi) != 0)
		return -EINVAL;
	ps->sa->pair_spi = (uint32_t)spi;
	return 0;
}

/* "sa in A ah ... bundle E": AH SA A carries ESP SA E (OV2's AH + ESP). */
static int
kw_bundle(struct sa_parse *ps, const struct ov2_tok *v)
{
	uint64_t spi;

	if (kw_u64(ps, v, "bundle", SPI_MIN, UINT32_MAX, &spi) != 0)
		return -EINVAL;
	ps->sa->bundle_spi = (uint32_t)spi;
	return 0;
}

static int
kw_allow_deprecated(struct sa_parse *ps, const struct ov2_tok *v)
{
	(void)v;
	ps->sa->flags |= OV2_SA_F_DEPRECATED_OK;
	return 0;
}

/* "udp-encap", "udp-encap PORT" (both ports) or "udp-encap SPORT:DPORT";
 * RFC 3948's 4500 when not given. */
static int
kw_udp_encap(struct sa_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	const char *colon;
	struct ov2_tok a, b;
	uint32_t sp, dp;

	ps->sa->flags |= OV2_SA_F_UDP_ENCAP;
	ps->sa->udp_sport = 4500;
	ps->sa->udp_dport = 4500;
	if (v == NULL)
		return 0;
	colon = memchr(v->p, ':', v->n);
	a.p = v->p;
	a.n = colon != NULL ? (size_t)(colon - v->p) : v->n;
	b.p = colon != NULL ? colon + 1 : v->p;
	b.n = colon != NULL ? v->n - a.n - 1 : v->n;
	if (ov2_tok_u32(&a, &sp) != 0 || ov2_tok_u32(&b, &dp) != 0 || a.n == 0 ||
	    b.n == 0 || sp == 0 || dp == 0 || sp > 65535 || dp > 65535)
		return ov2_tok_fail(ps->err, ps->errlen, "udp-encap: '%s' is not PORT or "
			    "SPORT:DPORT (1..65535)", ov2_tok_show(v, sb, sizeof(sb)));
	ps->sa->udp_sport = (uint16_t)sp;
	ps->sa->udp_dport = (uint16_t)dp;
	return 0;
}

static int
find_keyword(const struct ov2_tok *t)
{
	size_t i;

	for (i = 0; i < N_OF(keywords); i++)
		if (ov2_tok_is(t, keywords[i].name))
			return (int)i;
	return -1;
}

static int
bad_keyword(struct sa_parse *ps, const struct ov2_tok *t)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (ov2_tok_is(t, "esp") || ov2_tok_is(t, "ah"))
		return ov2_tok_fail(ps->err, ps->errlen, "'%s' must come right after the SPI",
			    ov2_tok_is(t, "ah") ? "ah" : "esp");
	if (ov2_tok_in(t, unsupported_kw))
		return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' is not supported",
			    ov2_tok_show(t, sb, sizeof(sb)));
	return ov2_tok_fail(ps->err, ps->errlen, "unknown keyword '%s'", ov2_tok_show(t, sb, sizeof(sb)));
}

/* An optional value is present when the next token starts with a digit. */
static int
optional_value(const char **s, struct ov2_tok *v)
{
	const char *save = *s;

	if (ov2_tok_next(s, v) && v->p[0] >= '0' && v->p[0] <= '9')
		return 1;
	*s = save;
	return 0;
}

static int
parse_keywords(struct sa_parse *ps, const char *s)
{
	struct ov2_tok t, v;
	int i, rc, have;

	while (ov2_tok_next(&s, &t)) {
		i = find_keyword(&t);
		if (i < 0)
			return bad_keyword(ps, &t);
		if (ps->seen & (1u << i))
			return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' is given twice",
				    keywords[i].name);
		ps->seen |= 1u << i;
		switch (keywords[i].val) {
		case VAL_NONE:
			have = 0;
			break;
		case VAL_OPTIONAL:
			have = optional_value(&s, &v);
			break;
		default:
			have = ov2_tok_next(&s, &v);
			if (!have)
				return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' needs a value",
					    keywords[i].name);
			break;
		}
		rc = keywords[i].fn(ps, have ? &v : NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
parse_spi(struct sa_parse *ps, const struct ov2_tok *t)
{
	return ov2_tok_spi(t, &ps->sa->spi, ps->err, ps->errlen) == 0 ? 0 : -EINVAL;
}

/* "in|out SPI [esp|ah]"; *s is left after what was consumed. */
static int
parse_head(struct sa_parse *ps, const char **s)
{
	char sb[OV2_TOK_SHOW_BUF];
	struct ov2_tok t;
	const char *save;

	if (!ov2_tok_next(s, &t))
		return ov2_tok_fail(ps->err, ps->errlen, "sa needs a direction ('in' or 'out')");
	if (!ov2_tok_is(&t, "in") && !ov2_tok_is(&t, "out"))
		return ov2_tok_fail(ps->err, ps->errlen, "unknown sa direction '%s' "
			    "(expected 'in' or 'out')", ov2_tok_show(&t, sb, sizeof(sb)));
	ps->sa->dir = ov2_tok_is(&t, "in") ? OV2_SA_IN : OV2_SA_OUT;
	if (!ov2_tok_next(s, &t))
		return ov2_tok_fail(ps->err, ps->errlen, "sa needs an SPI");
	if (parse_spi(ps, &t) != 0)
		return -EINVAL;
	ps->sa->proto = OV2_IPPROTO_ESP;
	save = *s;
	if (!ov2_tok_next(s, &t) || !(ov2_tok_is(&t, "esp") || ov2_tok_is(&t, "ah")))
		*s = save;
	else if (ov2_tok_is(&t, "ah"))
		ps->sa->proto = OV2_IPPROTO_AH;
	return 0;
}

static int
has(const struct sa_parse *ps, int kw)
{
	return (ps->seen & (1u << kw)) != 0;
}

static int
refuse_kw(struct sa_parse *ps, int kw, const char *why)
{
	if (has(ps, kw))
		return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' %s", keywords[kw].name, why);
	return 0;
}

/* Which algorithm keywords the SA's protocol needs and allows. */
static int
check_algos(struct sa_parse *ps)
{
	static const int ah_refused[] = { KW_AEAD_ALGO, KW_AEAD_KEY, KW_CIPHER_ALGO,
					  KW_CIPHER_KEY, KW_UDP_ENCAP };
	size_t i;

	if (ps->sa->proto == OV2_IPPROTO_AH) {
		for (i = 0; i < N_OF(ah_refused); i++)
			if (refuse_kw(ps, ah_refused[i], "does not apply to an AH SA") != 0)
				return -EINVAL;
		if (!has(ps, KW_AUTH_ALGO))
			return ov2_tok_fail(ps->err, ps->errlen, "missing keyword 'auth_algo' "
				    "(an AH SA needs an integrity algorithm)");
	} else if (has(ps, KW_AEAD_ALGO)) {
		if (refuse_kw(ps, KW_CIPHER_ALGO, "cannot be combined with aead_algo") ||
		    refuse_kw(ps, KW_CIPHER_KEY, "cannot be combined with aead_algo") ||
		    refuse_kw(ps, KW_AUTH_ALGO, "cannot be combined with aead_algo") ||
		    refuse_kw(ps, KW_AUTH_KEY, "cannot be combined with aead_algo"))
			return -EINVAL;
		if (!has(ps, KW_AEAD_KEY))
			return ov2_tok_fail(ps->err, ps->errlen, "missing keyword 'aead_key'");
		return 0;
	} else if (has(ps, KW_CIPHER_ALGO)) {
		if (refuse_kw(ps, KW_AEAD_KEY, "needs aead_algo"))
			return -EINVAL;
		if (!has(ps, KW_AUTH_ALGO))
			return ov2_tok_fail(ps->err, ps->errlen, "cipher_algo %s without auth_algo: "
				    "OV2 requires authentication on every offloaded SA",
				    ps->algo);
		if (ps->sa->cipher == OV2_CIPHER_NULL) {
			if (refuse_kw(ps, KW_CIPHER_KEY, "does not apply to cipher_algo null"))
				return -EINVAL;
		} else if (!has(ps, KW_CIPHER_KEY)) {
			return ov2_tok_fail(ps->err, ps->errlen, "missing keyword 'cipher_key'");
		}
	} else {
		return ov2_tok_fail(ps->err, ps->errlen, "missing keyword 'aead_algo' or "
			    "'cipher_algo' (an ESP SA needs its algorithms)");
	}
	if (!has(ps, KW_AUTH_KEY))
		return ov2_tok_fail(ps->err, ps->errlen, "missing keyword 'auth_key'");
	if (ps->gmac && ps->sa->proto == OV2_IPPROTO_ESP &&
	    ps->sa->cipher != OV2_CIPHER_NULL)
		return ov2_tok_fail(ps->err, ps->errlen, "auth_algo aes-gmac goes with "
			    "cipher_algo null (RFC 4543); use aead_algo aes-*-gcm "
			    "for encryption");
	return 0;
}

static int
key_len_fail(struct sa_parse *ps, const char *kw, const char *algo, size_t got,
	     size_t key, size_t salt)
{
	if (salt != 0)
		return ov2_tok_fail(ps->err, ps->errlen, "%s has %zu bytes, %s needs %zu "
			    "(%zu key + %zu salt)", kw, got, algo, key + salt, key, salt);
	return ov2_tok_fail(ps->err, ps->errlen, "%s has %zu bytes, %s needs %zu",
		    kw, got, algo, key);
}

static int
check_keys(struct sa_parse *ps)
{
	struct ov2_sa_conf *sa = ps->sa;
	size_t n;

	if (sa->aead != OV2_AEAD_NONE) {
		n = (size_t)sa->key_len + OV2_GCM_SALT_LEN;
		if (ps->aead_key.n != n)
			return key_len_fail(ps, "aead_key", ps->algo, ps->aead_key.n,
					    sa->key_len, OV2_GCM_SALT_LEN);
		memcpy(sa->key, ps->aead_key.b, sa->key_len);
		memcpy(sa->salt, ps->aead_key.b + sa->key_len, OV2_GCM_SALT_LEN);
		return 0;
	}
	if (sa->cipher != OV2_CIPHER_UNSET && sa->cipher != OV2_CIPHER_NULL) {
		if (ps->cipher_key.n != sa->key_len)
			return key_len_fail(ps, "cipher_key", ps->algo, ps->cipher_key.n,
					    sa->key_len, 0);
		memcpy(sa->key, ps->cipher_key.b, sa->key_len);
	}
	if (ps->gmac) {
		/* RFC 4543: an AES key of 16, 24 or 32 bytes and a 4-byte salt */
		n = ps->auth_key.n;
		if (n != 20 && n != 28 && n != 36)
			return ov2_tok_fail(ps->err, ps->errlen, "auth_key has %zu bytes, aes-gmac "
				    "needs 20, 28 or 36 (16, 24 or 32 key + 4 salt)", n);
		n -= OV2_GCM_SALT_LEN;
		sa->auth = n == 16 ? OV2_AUTH_AES_128_GMAC :
			   n == 24 ? OV2_AUTH_AES_192_GMAC : OV2_AUTH_AES_256_GMAC;
		sa->auth_key_len = (uint8_t)n;
		memcpy(sa->auth_key, ps->auth_key.b, n);
		memcpy(sa->salt, ps->auth_key.b + n, OV2_GCM_SALT_LEN);
		return 0;
	}
	if (ps->auth_key.n != sa->auth_key_len)
		return key_len_fail(ps, "auth_key", ps->auth, ps->auth_key.n,
				    sa->auth_key_len, 0);
	memcpy(sa->auth_key, ps->auth_key.b, sa->auth_key_len);
	return 0;
}

/* RFC 8221: DES, 3DES and HMAC-MD5 only when the line says so. */
static int
check_deprecated(struct sa_parse *ps)
{
	const struct ov2_sa_conf *sa = ps->sa;
	int dep_cipher = sa->cipher == OV2_CIPHER_DES_CBC || sa->cipher == OV2_CIPHER_3DES_CBC;
	int dep_auth = sa->auth == OV2_AUTH_MD5_96;

	if ((dep_cipher || dep_auth) && !(sa->flags & OV2_SA_F_DEPRECATED_OK))
		return ov2_tok_fail(ps->err, ps->errlen, "%s is deprecated (RFC 8221: MUST NOT "
			    "or SHOULD NOT be used); add 'allow-deprecated' to the SA "
			    "line to use it anyway",
			    dep_cipher ? ps->algo : ps->auth);
	return 0;
}

static int
check_family(struct sa_parse *ps, const char *what, const struct ov2_addr *a,
	     unsigned int family, const char *mode)
{
	char ab[INET6_ADDRSTRLEN];

	if (a->family == 0 || a->family == family)
		return 0;
	return ov2_tok_fail(ps->err, ps->errlen, "%s %s is not an IPv%u address (mode %s)",
		    what, ov2_addr_str(a, ab, sizeof(ab)), family, mode);
}

static int
check_addrs(struct sa_parse *ps)
{
	const struct ov2_sa_conf *sa = ps->sa;
	unsigned int fam = sa->mode == OV2_MODE_TUNNEL4 ? 4 : 6;
	const char *mode = fam == 4 ? "ipv4-tunnel" : "ipv6-tunnel";

	if (sa->mode == OV2_MODE_TRANSPORT) {
		if (sa->src.family != 0 && sa->dst.family != 0 &&
		    sa->src.family != sa->dst.family)
			return ov2_tok_fail(ps->err, ps->errlen, "src and dst of a transport "
				    "SA must be of the same address family");
		return 0;
	}
	if (sa->dst.family == 0)
		return ov2_tok_fail(ps->err, ps->errlen, "mode %s needs dst", mode);
	if (check_family(ps, "dst", &sa->dst, fam, mode) != 0)
		return -EINVAL;
	return check_family(ps, "src", &sa->src, fam, mode);
}

/* Lifetimes, pairing and the replay window make sense together. */
static int
check_life(struct sa_parse *ps)
{
	const struct ov2_sa_conf *sa = ps->sa;

	if (sa->soft_packets != 0 && sa->hard_packets != 0 &&
	    sa->soft_packets >= sa->hard_packets)
		return ov2_tok_fail(ps->err, ps->errlen, "soft-packet-limit %" PRIu64 " must be "
			    "below hard-packet-limit %" PRIu64, sa->soft_packets,
			    sa->hard_packets);
	if (sa->soft_bytes != 0 && sa->hard_bytes != 0 && sa->soft_bytes >= sa->hard_bytes)
		return ov2_tok_fail(ps->err, ps->errlen, "soft-byte-limit %" PRIu64 " must be "
			    "below hard-byte-limit %" PRIu64, sa->soft_bytes, sa->hard_bytes);
	if (has(ps, KW_BUNDLE) && (sa->proto != OV2_IPPROTO_AH || sa->dir != OV2_SA_IN))
		return ov2_tok_fail(ps->err, ps->errlen, "'bundle' goes on an inbound AH SA "
			    "(sa in <spi> ah ... bundle <esp spi>)");
	if (sa->dir == OV2_SA_OUT && has(ps, KW_PAIR))
		return ov2_tok_fail(ps->err, ps->errlen, "'pair' goes on the inbound SA "
			    "(sa in ... pair <outbound spi>)");
	if (!(sa->flags & OV2_SA_F_ESN) && sa->esn_start > UINT32_MAX)
		return ov2_tok_fail(ps->err, ps->errlen, "esn start needs ESN");
	return 0;
}

int
ov2_conf_parse_sa(const char *words, struct ov2_sa_conf *sa, char *err, size_t errlen)
{
	struct sa_parse ps = { .sa = sa, .err = err, .errlen = errlen };
	int rc;

	if (words == NULL || sa == NULL)
		return ov2_tok_fail(err, errlen, "no SA given");
	memset(sa, 0, sizeof(*sa));
	rc = parse_head(&ps, &words);
	if (rc == 0)
		rc = parse_keywords(&ps, words);
	if (rc == 0 && !has(&ps, KW_MODE))
		rc = ov2_tok_fail(err, errlen, "missing keyword 'mode'");
	if (rc == 0)
		rc = check_algos(&ps);
	if (rc == 0)
		rc = check_keys(&ps);
	if (rc == 0)
		rc = check_deprecated(&ps);
	if (rc == 0)
		rc = check_addrs(&ps);
	if (rc == 0)
		rc = check_life(&ps);
	wipe(&ps.aead_key, sizeof(ps.aead_key));
	wipe(&ps.cipher_key, sizeof(ps.cipher_key));
	wipe(&ps.auth_key, sizeof(ps.auth_key));
	if (rc != 0) {
		wipe(sa, sizeof(*sa));
		return rc;
	}
	sa->line = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Duplicate detection: open addressing over indices into conf->sa     */
/* ------------------------------------------------------------------ */

struct dup_tab {
	uint32_t *slot;		/* index + 1; 0 is empty */
	size_t cap;		/* power of two */
};

static uint32_t
sa_hash(const struct ov2_sa_conf *s)
{
	uint32_t h = 2166136261u ^ s->spi;
	size_t i;

	h = (h ^ s->dir) * 16777619u;
	h = (h ^ s->proto) * 16777619u;
	h = (h ^ s->dst.family) * 16777619u;
	for (i = 0; i < sizeof(s->dst.a); i++)
		h = (h ^ s->dst.a[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int
same_sa(const struct ov2_sa_conf *a, const struct ov2_sa_conf *b)
{
	return a->spi == b->spi && a->dir == b->dir && a->proto == b->proto &&
	       a->dst.family == b->dst.family &&
	       memcmp(a->dst.a, b->dst.a, sizeof(a->dst.a)) == 0;
}

/* The slot of s: the one holding an equal SA, or the empty one to use. */
static size_t
dup_slot(const struct dup_tab *d, const struct ov2_sa_conf *all,
	 const struct ov2_sa_conf *s)
{
	size_t i = sa_hash(s) & (d->cap - 1);

	while (d->slot[i] != 0 && !same_sa(&all[d->slot[i] - 1], s))
		i = (i + 1) & (d->cap - 1);
	return i;
}

/* Room for one more SA while staying at most half full (rebuilt from all[]). */
static int
dup_reserve(struct dup_tab *d, const struct ov2_sa_conf *all, uint32_t have)
{
	size_t cap = d->cap != 0 ? d->cap : 64;
	uint32_t i;

	while (((size_t)have + 1) * 2 > cap)
		cap *= 2;
	if (cap == d->cap)
		return 0;
	free(d->slot);
	d->slot = calloc(cap, sizeof(*d->slot));
	d->cap = d->slot != NULL ? cap : 0;
	if (d->slot == NULL)
		return -ENOMEM;
	for (i = 0; i < have; i++)
		d->slot[dup_slot(d, all, &all[i])] = i + 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The file: lines, continuations, rules                               */
/* ------------------------------------------------------------------ */

struct loader {
	const char *name;
	struct ov2_conf conf;	/* built here, handed over on success */
	struct dup_tab dups;
	uint32_t rule_line;	/* where the current rule starts */
	size_t rule_n;
	char *err;
	size_t errlen;
	char rule[RULE_MAX_BYTES + 1];
};

/* "NAME:LINE: message" for the current rule; returns rc. */
static int __attribute__((format(printf, 3, 4)))
lfail(struct loader *ld, int rc, const char *fmt, ...)
{
	char msg[MSG_BUF];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err != NULL && ld->errlen > 0)
		snprintf(ld->err, ld->errlen, "%s:%u: %s", ld->name, ld->rule_line, msg);
	return rc;
}

/* A problem of one physical line (named when the rule started earlier). */
static int
line_fail(struct loader *ld, uint32_t lineno, const char *what)
{
	if (lineno == ld->rule_line)
		return lfail(ld, -EINVAL, "%s", what);
	return lfail(ld, -EINVAL, "line %u (continued): %s", lineno, what);
}

static int
conf_push(struct ov2_conf *c, const struct ov2_sa_conf *sa)
{
	uint32_t cap;

	if (c->n_sa == UINT32_MAX)
		return -ENOMEM;
	if (c->n_sa == c->cap_sa) {
		cap = c->cap_sa == 0 ? 16 :
		      c->cap_sa > UINT32_MAX / 2 ? UINT32_MAX : c->cap_sa * 2;
		if ((uint64_t)cap * sizeof(*sa) > SIZE_MAX)
			return -ENOMEM;
		if (grow_secret((void **)&c->sa, (size_t)c->n_sa * sizeof(*sa),
				(size_t)cap * sizeof(*sa)) != 0)
			return -ENOMEM;
		c->cap_sa = cap;
	}
	c->sa[c->n_sa++] = *sa;
	return 0;
}

/* Refuse an SA whose (direction, SPI, dst) an earlier line already has. */
static int
check_dup(struct loader *ld, const struct ov2_sa_conf *sa)
{
	const struct ov2_sa_conf *first;
	char ab[INET6_ADDRSTRLEN];
	size_t i;

	if (dup_reserve(&ld->dups, ld->conf.sa, ld->conf.n_sa) != 0)
		return lfail(ld, -ENOMEM, "out of memory");
	i = dup_slot(&ld->dups, ld->conf.sa, sa);
	if (ld->dups.slot[i] == 0) {
		ld->dups.slot[i] = ld->conf.n_sa + 1;
		return 0;
	}
	first = &ld->conf.sa[ld->dups.slot[i] - 1];
	return lfail(ld, -EINVAL, "duplicate %s SA: spi %u (0x%x) dst %s is "
		     "already defined at line %u",
		     sa->dir == OV2_SA_IN ? "inbound" : "outbound", sa->spi, sa->spi,
		     ov2_addr_str(&sa->dst, ab, sizeof(ab)), first->line);
}

static int
rule_sa(struct loader *ld, const char *rest)
{
	struct ov2_sa_conf sa;
	char msg[MSG_BUF];
	int rc;

	rc = ov2_conf_parse_sa(rest, &sa, msg, sizeof(msg));
	if (rc != 0)
		return lfail(ld, rc, "%s", msg);
	sa.line = ld->rule_line;
	rc = check_dup(ld, &sa);
	if (rc == 0 && conf_push(&ld->conf, &sa) != 0)
		rc = lfail(ld, -ENOMEM, "out of memory");
	wipe(&sa, sizeof(sa));
	return rc;
}

/* Policy rules hold no secret: plain realloc. */
static int
conf_push_sp(struct ov2_conf *c, const struct ov2_sp_rule *r)
{
	struct ov2_sp_rule *n;
	uint32_t cap;

	if (c->n_sp == UINT32_MAX)
		return -ENOMEM;
	if (c->n_sp == c->cap_sp) {
		cap = c->cap_sp == 0 ? 16 :
		      c->cap_sp > UINT32_MAX / 2 ? UINT32_MAX : c->cap_sp * 2;
		if ((uint64_t)cap * sizeof(*r) > SIZE_MAX)
			return -ENOMEM;
		n = realloc(c->sp, (size_t)cap * sizeof(*r));
		if (n == NULL)
			return -ENOMEM;
		c->sp = n;
		c->cap_sp = cap;
	}
	c->sp[c->n_sp++] = *r;
	return 0;
}

static int
rule_sp(struct loader *ld, const char *rest)
{
	struct ov2_sp_rule r;
	char msg[MSG_BUF];
	int rc;

	rc = ov2_sp_parse(rest, &r, msg, sizeof(msg));
	if (rc != 0)
		return lfail(ld, rc, "%s", msg);
	r.line = ld->rule_line;
	if (conf_push_sp(&ld->conf, &r) != 0)
		return lfail(ld, -ENOMEM, "out of memory");
	return 0;
}

/* Rules ipsec-secgw has and this step refuses. */
static int
rule_other(struct loader *ld, const struct ov2_tok *t)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (ov2_tok_is(t, "rt") || ov2_tok_is(t, "neigh"))
		return lfail(ld, -EINVAL, "'%s' rules are not used by ov2rx "
			     "(delivered packets go to --out)", ov2_tok_is(t, "rt") ? "rt" : "neigh");
	if (ov2_tok_is(t, "flow"))
		return lfail(ld, -EINVAL, "'flow' rules are not supported yet");
	return lfail(ld, -EINVAL, "unknown rule '%s'", ov2_tok_show(t, sb, sizeof(sb)));
}

/* The joined text of one rule, in ld->rule[0..rule_n). */
static int
do_rule(struct loader *ld)
{
	const char *s = ld->rule;
	struct ov2_tok t;
	int rc;

	ld->rule[ld->rule_n] = '\0';
	if (!ov2_tok_next(&s, &t))
		rc = 0;
	else if (ov2_tok_is(&t, "sa"))
		rc = rule_sa(ld, s);
	else if (ov2_tok_is(&t, "sp"))
		rc = rule_sp(ld, s);
	else
		rc = rule_other(ld, &t);
	wipe(ld->rule, ld->rule_n);
	ld->rule_n = 0;
	return rc;
}

/*
 * Add one physical line (n bytes, newline excluded) to the rule: drop a
 * trailing CR and the comment; a final '\' continues the rule.
 */
static int
add_line(struct loader *ld, const char *p, size_t n, uint32_t lineno, int *cont)
{
	const char *hash;

	if (n > LINE_MAX_BYTES)
		return line_fail(ld, lineno, "line is longer than 4096 bytes");
	if (memchr(p, '\0', n) != NULL)
		return line_fail(ld, lineno, "line contains a NUL byte");
	if (n > 0 && p[n - 1] == '\r')
		n--;
	hash = memchr(p, '#', n);
	if (hash != NULL)
		n = (size_t)(hash - p);
	*cont = n > 0 && p[n - 1] == '\\';
	if (*cont)
		n--;
	if (ld->rule_n + n > RULE_MAX_BYTES)
		return lfail(ld, -EINVAL, "rule is longer than 16384 bytes "
			     "(lines joined by '\\')");
	memcpy(ld->rule + ld->rule_n, p, n);
	ld->rule_n += n;
	return 0;
}

static int
load_lines(struct loader *ld, const char *buf, size_t len)
{
	size_t pos = 0;
	uint32_t lineno = 0;
	int cont = 0, rc;

	while (pos < len) {
		const char *p = buf + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

		pos += n + (nl != NULL);
		if (lineno == UINT32_MAX)
			return lfail(ld, -EINVAL, "too many lines");
		if (!cont)
			ld->rule_line = lineno + 1;
		rc = add_line(ld, p, n, ++lineno, &cont);
		if (rc == 0 && !cont)
			rc = do_rule(ld);
		if (rc != 0)
			return rc;
	}
	if (cont)
		return lfail(ld, -EINVAL, "the last line ends with '\\' "
			     "(nothing follows to continue the rule)");
	return 0;
}

/*
 * What one line names on another, checked once the whole file is read:
 * "sa in ... pair P": an outbound SA with SPI P must exist, and no two
 * inbound SAs may name the same one (OV2 deletes the pair together);
 * "bundle E" and "protect S": see below.
 */
static int
check_references(struct loader *ld)
{
	struct ov2_conf *c = &ld->conf;
	uint32_t i, j, out, users;

	for (i = 0; i < c->n_sa; i++) {
		const struct ov2_sa_conf *in = &c->sa[i];

		if (in->dir != OV2_SA_IN || in->pair_spi == 0)
			continue;
		ld->rule_line = in->line;
		for (out = 0; out < c->n_sa; out++)
			if (c->sa[out].dir == OV2_SA_OUT && c->sa[out].spi == in->pair_spi)
				break;
		if (out == c->n_sa)
			return lfail(ld, -EINVAL, "pair %u: no 'sa out %u' line",
				     in->pair_spi, in->pair_spi);
		for (j = 0, users = 0; j < i; j++)
			if (c->sa[j].dir == OV2_SA_IN && c->sa[j].pair_spi == in->pair_spi)
				users++;
		if (users != 0)
			return lfail(ld, -EINVAL, "pair %u: outbound SA %u is already "
				     "paired with another inbound SA", in->pair_spi,
				     in->pair_spi);
	}
	/* "bundle E" on an AH SA: an inbound ESP SA E with the same mode and
	 * destination, in one bundle only; it is then never received alone */
	for (i = 0; i < c->n_sa; i++) {
		const struct ov2_sa_conf *ah = &c->sa[i];

		if (ah->bundle_spi == 0)
			continue;
		ld->rule_line = ah->line;
		for (j = 0; j < c->n_sa; j++)
			if (c->sa[j].dir == OV2_SA_IN && c->sa[j].proto == OV2_IPPROTO_ESP &&
			    c->sa[j].spi == ah->bundle_spi &&
			    memcmp(&c->sa[j].dst, &ah->dst, sizeof(ah->dst)) == 0)
				break;
		if (j == c->n_sa)
			return lfail(ld, -EINVAL, "bundle %u: no 'sa in %u' ESP line with the "
				     "same dst", ah->bundle_spi, ah->bundle_spi);
		if (c->sa[j].mode != ah->mode)
			return lfail(ld, -EINVAL, "bundle %u: the ESP SA's mode differs from "
				     "the AH SA's", ah->bundle_spi);
		if (c->sa[j].flags & OV2_SA_F_BUNDLED)
			return lfail(ld, -EINVAL, "bundle %u: ESP SA %u is already in another "
				     "bundle", ah->bundle_spi, ah->bundle_spi);
		c->sa[j].flags |= OV2_SA_F_BUNDLED;
	}
	/* an inbound protect rule must name an inbound SA */
	for (i = 0; i < c->n_sp; i++) {
		const struct ov2_sp_rule *r = &c->sp[i];

		if (r->dir != OV2_SA_IN || r->action != OV2_SP_PROTECT)
			continue;
		for (j = 0; j < c->n_sa; j++)
			if (c->sa[j].dir == OV2_SA_IN && c->sa[j].spi == r->spi)
				break;
		if (j == c->n_sa) {
			ld->rule_line = r->line;
			return lfail(ld, -EINVAL, "protect %u: no 'sa in %u' line", r->spi,
				     r->spi);
		}
	}
	return 0;
}

int
ov2_conf_load_buf(const char *buf, size_t len, const char *name,
		  struct ov2_conf *conf, char *err, size_t errlen)
{
	struct loader *ld;
	int rc;

	if (conf != NULL)
		memset(conf, 0, sizeof(*conf));
	if (conf == NULL || (buf == NULL && len > 0))
		return ov2_tok_fail(err, errlen, "no configuration given");
	name = name != NULL ? name : "(buffer)";
	ld = calloc(1, sizeof(*ld));
	if (ld == NULL) {
		ov2_tok_fail(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	ld->name = name;
	ld->err = err;
	ld->errlen = errlen;
	rc = load_lines(ld, buf, len);
	if (rc == 0)
		rc = check_references(ld);
	if (rc == 0)
		*conf = ld->conf;
	else
		ov2_conf_free(&ld->conf);
	free(ld->dups.slot);
	wipe(ld, sizeof(*ld));
	free(ld);
	return rc;
}

/* The whole of fd into a buffer grown with grow_secret(). */
static int
read_all(int fd, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			size_t ncap = cap == 0 ? 65536 : cap * 2;

			if (ncap < cap || grow_secret((void **)&buf, n, ncap) != 0)
				goto nomem;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			wipe(buf, n);
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*outlen = n;
	return 0;
nomem:
	wipe(buf, n);
	free(buf);
	return -ENOMEM;
}

int
ov2_conf_load(const char *path, struct ov2_conf *conf, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (conf != NULL)
		memset(conf, 0, sizeof(*conf));
	if (path == NULL || conf == NULL)
		return ov2_tok_fail(err, errlen, "no configuration file given");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		ov2_tok_fail(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	rc = read_all(fd, &buf, &len);
	close(fd);
	if (rc != 0) {
		ov2_tok_fail(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	rc = ov2_conf_load_buf(buf, len, path, conf, err, errlen);
	wipe(buf, len);
	free(buf);
	return rc;
}

void
ov2_conf_free(struct ov2_conf *conf)
{
	if (conf == NULL)
		return;
	wipe(conf->sa, (size_t)conf->n_sa * sizeof(*conf->sa));
	free(conf->sa);
	free(conf->sp);
	memset(conf, 0, sizeof(*conf));
}
