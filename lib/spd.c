/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound security policy: the "sp" rule parser and an rte_acl classifier
 * over the "in" rules.
 *
 * The parser follows ipsec-secgw's sp syntax with stricter checks: an
 * address needs its /LEN (ipsec-secgw silently takes a bare address as /0,
 * i.e. "any"), host bits beyond the prefix are refused, ranges need lo <= hi
 * and a keyword may be given once. Fields not given match anything
 * (ipsec-secgw leaves unset port ranges at 0:0, which only matches port 0).
 * "proto P:Q" is a range of protocol numbers, as ipsec-secgw documents it
 * (its code uses P as a value and Q as a bit mask).
 *
 * The classifier never hands packet memory to rte_acl: every packet is
 * turned into a small fixed-layout key (protocol, addresses, ports), read
 * with explicit bounds, so IPv4 options and IPv6 extension headers cannot
 * shift the fields rte_acl looks at. The keys of one burst are classified
 * with one rte_acl_classify() call per address family.
 *
 * Tokens are never read past their end and are escaped before they appear
 * in a message (the helpers below are the same as lib/conf.c's, which keeps
 * them private).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_acl.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "sa.h"
#include "spd.h"
#include "tok.h"


/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Decimal digits only, at most max (ranges and prefix lengths). */
static int
parse_dec(const char *p, size_t n, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(p[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One rule: "ipv4|ipv6 in|out esp protect SPI|bypass|discard ..."     */
/* ------------------------------------------------------------------ */

struct sp_parse {
	struct ov2_sp_rule *r;
	unsigned int seen;	/* bit per entry of keywords[] */
	int action_kw;		/* the keyword that set the action, or -1 */
	char *err;
	size_t errlen;
};

typedef int (*kw_fn)(struct sp_parse *ps, const struct ov2_tok *val);

static int kw_protect(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_pri(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_src(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_dst(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_proto(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_sport(struct sp_parse *ps, const struct ov2_tok *v);
static int kw_dport(struct sp_parse *ps, const struct ov2_tok *v);

enum {
	KW_ESP, KW_PROTECT, KW_BYPASS, KW_DISCARD, KW_PRI, KW_SRC, KW_DST,
	KW_PROTO, KW_SPORT, KW_DPORT
};

/* fn NULL: the keyword takes no value. */
static const struct {
	const char *name;
	kw_fn fn;
} keywords[] = {
	[KW_ESP] = { "esp", NULL },
	[KW_PROTECT] = { "protect", kw_protect },
	[KW_BYPASS] = { "bypass", NULL },
	[KW_DISCARD] = { "discard", NULL },
	[KW_PRI] = { "pri", kw_pri },
	[KW_SRC] = { "src", kw_src },
	[KW_DST] = { "dst", kw_dst },
	[KW_PROTO] = { "proto", kw_proto },
	[KW_SPORT] = { "sport", kw_sport },
	[KW_DPORT] = { "dport", kw_dport },
};

static int
kw_protect(struct sp_parse *ps, const struct ov2_tok *v)
{
	return ov2_tok_spi(v, &ps->r->spi, ps->err, ps->errlen) == 0 ? 0 : -EINVAL;
}

static int
kw_pri(struct sp_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (ov2_tok_u32(v, &ps->r->pri) < 0)
		return ov2_tok_fail(ps->err, ps->errlen, "invalid pri '%s' (decimal or 0x-hex, "
			    "0..4294967295)", ov2_tok_show(v, sb, sizeof(sb)));
	return 0;
}

/* "ADDR/LEN" of the rule's family, with no bit set beyond the prefix. */
static int
kw_prefix(struct sp_parse *ps, const struct ov2_tok *v, const char *what,
	  uint8_t addr[16], uint8_t *plen)
{
	unsigned int fam = ps->r->family, max = fam == 4 ? 32 : 128;
	int af = fam == 4 ? AF_INET : AF_INET6;
	char sb[OV2_TOK_SHOW_BUF], buf[INET6_ADDRSTRLEN + 1], nb[INET6_ADDRSTRLEN];
	const char *slash = memchr(v->p, '/', v->n);
	uint8_t other[16], net[16];
	size_t an, i;
	uint32_t len;
	int bad = 0;

	if (slash == NULL)
		return ov2_tok_fail(ps->err, ps->errlen, "%s '%s' needs a prefix length "
			    "(ADDR/LEN; one host is /%u)", what, ov2_tok_show(v, sb, sizeof(sb)), max);
	an = (size_t)(slash - v->p);
	if (an == 0 || an >= sizeof(buf))
		return ov2_tok_fail(ps->err, ps->errlen, "invalid %s address in '%s'", what,
			    ov2_tok_show(v, sb, sizeof(sb)));
	memcpy(buf, v->p, an);
	buf[an] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(af, buf, addr) != 1) {
		memset(addr, 0, 16);
		if (inet_pton(fam == 4 ? AF_INET6 : AF_INET, buf, other) == 1)
			return ov2_tok_fail(ps->err, ps->errlen, "%s '%s' is not an IPv%u "
				    "address (the rule is ipv%u)", what,
				    ov2_tok_show(v, sb, sizeof(sb)), fam, fam);
		return ov2_tok_fail(ps->err, ps->errlen, "invalid %s address in '%s'", what,
			    ov2_tok_show(v, sb, sizeof(sb)));
	}
	if (parse_dec(slash + 1, v->n - an - 1, max, &len) < 0)
		return ov2_tok_fail(ps->err, ps->errlen, "invalid %s prefix length in '%s' "
			    "(0..%u)", what, ov2_tok_show(v, sb, sizeof(sb)), max);
	for (i = 0; i < max / 8; i++) {
		uint32_t keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;
		uint8_t mask = (uint8_t)(0xff00u >> keep);

		net[i] = addr[i] & mask;
		bad |= net[i] != addr[i];
	}
	/*
	 * Refused rather than masked: "10.0.0.1/24" is more likely a typo for
	 * /32 than a way to write 10.0.0.0/24, and a policy must mean what it
	 * says.
	 */
	if (bad) {
		if (inet_ntop(af, net, nb, sizeof(nb)) == NULL)
			nb[0] = '\0';
		return ov2_tok_fail(ps->err, ps->errlen, "%s '%s' has address bits set beyond "
			    "the /%u prefix (the network is %s/%u)", what,
			    ov2_tok_show(v, sb, sizeof(sb)), len, nb, len);
	}
	*plen = (uint8_t)len;
	return 0;
}

static int
kw_src(struct sp_parse *ps, const struct ov2_tok *v)
{
	return kw_prefix(ps, v, "src", ps->r->src, &ps->r->src_len);
}

static int
kw_dst(struct sp_parse *ps, const struct ov2_tok *v)
{
	return kw_prefix(ps, v, "dst", ps->r->dst, &ps->r->dst_len);
}

/*
 * "A:B" (or "A" when single_ok), decimal, each at most max. Returns 0,
 * -1 (syntax) or -2 (A > B).
 */
static int
parse_range(const struct ov2_tok *v, uint32_t max, int single_ok, uint32_t *lo,
	    uint32_t *hi)
{
	const char *c = memchr(v->p, ':', v->n);
	size_t ln;

	if (c == NULL) {
		if (!single_ok || parse_dec(v->p, v->n, max, lo) < 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	ln = (size_t)(c - v->p);
	if (parse_dec(v->p, ln, max, lo) < 0 ||
	    parse_dec(c + 1, v->n - ln - 1, max, hi) < 0)
		return -1;
	return *lo <= *hi ? 0 : -2;
}

static int
kw_proto(struct sp_parse *ps, const struct ov2_tok *v)
{
	char sb[OV2_TOK_SHOW_BUF];
	uint32_t lo, hi;
	int rc = parse_range(v, 255, 1, &lo, &hi);

	if (rc == -1)
		return ov2_tok_fail(ps->err, ps->errlen, "invalid proto '%s' (expected P or "
			    "P:Q, decimal 0..255)", ov2_tok_show(v, sb, sizeof(sb)));
	if (rc == -2)
		return ov2_tok_fail(ps->err, ps->errlen, "proto range '%s' is empty (%u > %u)",
			    ov2_tok_show(v, sb, sizeof(sb)), lo, hi);
	ps->r->proto_lo = (uint8_t)lo;
	ps->r->proto_hi = (uint8_t)hi;
	return 0;
}

/*
 * Ports are A:B only, as in ipsec-secgw: there a lone "80" silently becomes
 * the range 65535:80, so refusing it is safer than guessing.
 */
static int
kw_port(struct sp_parse *ps, const struct ov2_tok *v, const char *what,
	uint16_t *plo, uint16_t *phi)
{
	char sb[OV2_TOK_SHOW_BUF];
	uint32_t lo, hi;
	int rc = parse_range(v, 65535, 0, &lo, &hi);

	if (rc == -1)
		return ov2_tok_fail(ps->err, ps->errlen, "invalid %s '%s' (expected A:B, "
			    "decimal 0..65535; one port P is P:P)", what,
			    ov2_tok_show(v, sb, sizeof(sb)));
	if (rc == -2)
		return ov2_tok_fail(ps->err, ps->errlen, "%s range '%s' is empty (%u > %u)",
			    what, ov2_tok_show(v, sb, sizeof(sb)), lo, hi);
	*plo = (uint16_t)lo;
	*phi = (uint16_t)hi;
	return 0;
}

static int
kw_sport(struct sp_parse *ps, const struct ov2_tok *v)
{
	return kw_port(ps, v, "sport", &ps->r->sport_lo, &ps->r->sport_hi);
}

static int
kw_dport(struct sp_parse *ps, const struct ov2_tok *v)
{
	return kw_port(ps, v, "dport", &ps->r->dport_lo, &ps->r->dport_hi);
}

static int
find_keyword(const struct ov2_tok *t)
{
	size_t i;

	for (i = 0; i < RTE_DIM(keywords); i++)
		if (ov2_tok_is(t, keywords[i].name))
			return (int)i;
	return -1;
}

static int
bad_keyword(struct sp_parse *ps, const struct ov2_tok *t)
{
	char sb[OV2_TOK_SHOW_BUF];

	if (ov2_tok_is(t, "ah"))
		return ov2_tok_fail(ps->err, ps->errlen, "AH policies are not supported "
			    "(sp rules are 'esp')");
	if (ov2_tok_is(t, "in") || ov2_tok_is(t, "out") || ov2_tok_is(t, "ipv4") ||
	    ov2_tok_is(t, "ipv6"))
		return ov2_tok_fail(ps->err, ps->errlen, "'%s' must come right after 'sp' "
			    "(sp ipv4|ipv6 in|out esp ...)", ov2_tok_show(t, sb, sizeof(sb)));
	return ov2_tok_fail(ps->err, ps->errlen, "unknown keyword '%s'", ov2_tok_show(t, sb, sizeof(sb)));
}

static int
set_action(struct sp_parse *ps, int kw)
{
	static const uint8_t action[] = {
		[KW_PROTECT] = OV2_SP_PROTECT,
		[KW_BYPASS] = OV2_SP_BYPASS,
		[KW_DISCARD] = OV2_SP_DISCARD,
	};

	if (ps->action_kw >= 0)
		return ov2_tok_fail(ps->err, ps->errlen, "'%s' conflicts with '%s' (a rule has "
			    "one action)", keywords[kw].name, keywords[ps->action_kw].name);
	ps->action_kw = kw;
	ps->r->action = action[kw];
	return 0;
}

static int
parse_keywords(struct sp_parse *ps, const char *s)
{
	struct ov2_tok t, v;
	int i, rc;

	while (ov2_tok_next(&s, &t)) {
		i = find_keyword(&t);
		if (i < 0)
			return bad_keyword(ps, &t);
		if (ps->seen & (1u << i))
			return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' is given twice",
				    keywords[i].name);
		ps->seen |= 1u << i;
		if (i == KW_PROTECT || i == KW_BYPASS || i == KW_DISCARD) {
			rc = set_action(ps, i);
			if (rc != 0)
				return rc;
		}
		if (keywords[i].fn == NULL)
			continue;
		if (!ov2_tok_next(&s, &v))
			return ov2_tok_fail(ps->err, ps->errlen, "keyword '%s' needs a value",
				    keywords[i].name);
		rc = keywords[i].fn(ps, &v);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* "ipv4|ipv6 in|out"; *s is left after it. */
static int
parse_head(struct sp_parse *ps, const char **s)
{
	char sb[OV2_TOK_SHOW_BUF];
	struct ov2_tok t;

	if (!ov2_tok_next(s, &t))
		return ov2_tok_fail(ps->err, ps->errlen, "sp needs an address family "
			    "('ipv4' or 'ipv6')");
	if (!ov2_tok_is(&t, "ipv4") && !ov2_tok_is(&t, "ipv6"))
		return ov2_tok_fail(ps->err, ps->errlen, "unknown sp address family '%s' "
			    "(expected 'ipv4' or 'ipv6')", ov2_tok_show(&t, sb, sizeof(sb)));
	ps->r->family = ov2_tok_is(&t, "ipv4") ? 4 : 6;
	if (!ov2_tok_next(s, &t))
		return ov2_tok_fail(ps->err, ps->errlen, "sp needs a direction ('in' or 'out')");
	if (!ov2_tok_is(&t, "in") && !ov2_tok_is(&t, "out"))
		return ov2_tok_fail(ps->err, ps->errlen, "unknown sp direction '%s' "
			    "(expected 'in' or 'out')", ov2_tok_show(&t, sb, sizeof(sb)));
	ps->r->dir = ov2_tok_is(&t, "in") ? OV2_SA_IN : OV2_SA_OUT;
	return 0;
}

int
ov2_sp_parse(const char *words, struct ov2_sp_rule *r, char *err, size_t errlen)
{
	struct sp_parse ps = { .r = r, .action_kw = -1, .err = err, .errlen = errlen };
	int rc;

	if (words == NULL || r == NULL)
		return ov2_tok_fail(err, errlen, "no sp rule given");
	memset(r, 0, sizeof(*r));
	r->proto_hi = 255;
	r->sport_hi = 65535;
	r->dport_hi = 65535;
	rc = parse_head(&ps, &words);
	if (rc == 0)
		rc = parse_keywords(&ps, words);
	if (rc == 0 && !(ps.seen & (1u << KW_ESP)))
		rc = ov2_tok_fail(err, errlen, "missing 'esp' (sp ipv4|ipv6 in|out esp "
			  "protect SPI|bypass|discard ...)");
	if (rc == 0 && ps.action_kw < 0)
		rc = ov2_tok_fail(err, errlen, "missing action ('protect SPI', 'bypass' or "
			  "'discard')");
	if (rc != 0) {
		memset(r, 0, sizeof(*r));
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Classifier                                                          */
/* ------------------------------------------------------------------ */

/*
 * The keys rte_acl reads. Multi-byte fields are in network order (rte_acl
 * takes its input in network order and the rule values in host order).
 * The first field must be one byte; the others are grouped by 4 bytes.
 */
struct key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[4];
	uint8_t dst[4];
	uint16_t sport;
	uint16_t dport;
};

struct key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_NUM };
enum {
	F6_PROTO, F6_SRC0, F6_SRC1, F6_SRC2, F6_SRC3,
	F6_DST0, F6_DST1, F6_DST2, F6_DST3, F6_SPORT, F6_DPORT, F6_NUM
};

#define FDEF(t, sz, fi, ii, off) \
	{ .type = (t), .size = (sz), .field_index = (fi), .input_index = (ii), \
	  .offset = (off) }

static const struct rte_acl_field_def defs4[F4_NUM] = {
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 1, F4_PROTO, 0, offsetof(struct key4, proto)),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 1, offsetof(struct key4, src)),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 2, offsetof(struct key4, dst)),
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 3, offsetof(struct key4, sport)),
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 3, offsetof(struct key4, dport)),
};

static const struct rte_acl_field_def defs6[F6_NUM] = {
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 1, F6_PROTO, 0, offsetof(struct key6, proto)),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0, 1, offsetof(struct key6, src) + 0),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC1, 2, offsetof(struct key6, src) + 4),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC2, 3, offsetof(struct key6, src) + 8),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC3, 4, offsetof(struct key6, src) + 12),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0, 5, offsetof(struct key6, dst) + 0),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST1, 6, offsetof(struct key6, dst) + 4),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST2, 7, offsetof(struct key6, dst) + 8),
	FDEF(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST3, 8, offsetof(struct key6, dst) + 12),
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 9, offsetof(struct key6, sport)),
	FDEF(RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 9, offsetof(struct key6, dport)),
};

RTE_ACL_RULE_DEF(acl4_rule, F4_NUM);
RTE_ACL_RULE_DEF(acl6_rule, F6_NUM);

struct ov2_spd {
	struct rte_acl_ctx *acl4;	/* NULL: no IPv4 rule */
	struct rte_acl_ctx *acl6;
	struct ov2_sp_rule *rules;	/* the "in" rules, in the order given;
					 * rte_acl userdata is index + 1 */
	uint32_t n;
};

/* The bits of a prefix of length len that fall in 32-bit word k. */
static unsigned int
word_len(unsigned int len, unsigned int k)
{
	return len > 32 * k ? RTE_MIN(len - 32 * k, 32u) : 0;
}

/* Bytes a[4k..4k+3] as a host-order number, prefix length len applied. */
static uint32_t
word_of(const uint8_t *a, unsigned int k, unsigned int len)
{
	uint32_t w = (uint32_t)a[4 * k] << 24 | (uint32_t)a[4 * k + 1] << 16 |
		     (uint32_t)a[4 * k + 2] << 8 | a[4 * k + 3];
	unsigned int bits = word_len(len, k);

	return bits == 0 ? 0 : w & (uint32_t)(UINT64_C(0xffffffff) << (32 - bits));
}

/*
 * The same checks the parser makes, for rules that did not come from it
 * (the classifier must not be built from something it cannot honour).
 */
static int
check_rule(const struct ov2_sp_rule *r, uint32_t i, char *err, size_t errlen)
{
	unsigned int max = r->family == 4 ? 32 : 128;

	if (r->family != 4 && r->family != 6)
		return ov2_tok_fail(err, errlen, "rule %u: family %u is not 4 or 6", i, r->family);
	if (r->action < OV2_SP_PROTECT || r->action > OV2_SP_DISCARD)
		return ov2_tok_fail(err, errlen, "rule %u: unknown action %u", i, r->action);
	if (r->src_len > max || r->dst_len > max)
		return ov2_tok_fail(err, errlen, "rule %u: prefix length over %u", i, max);
	if (r->proto_lo > r->proto_hi || r->sport_lo > r->sport_hi ||
	    r->dport_lo > r->dport_hi)
		return ov2_tok_fail(err, errlen, "rule %u: empty proto or port range", i);
	return 0;
}

struct rank {
	uint32_t pri;
	uint32_t idx;
};

/* Ascending pri; among equal pri, the later rule first (it ranks lower). */
static int
rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->pri != y->pri)
		return x->pri < y->pri ? -1 : 1;
	return x->idx > y->idx ? -1 : x->idx < y->idx;
}

/*
 * rte_acl priorities, one distinct value per rule: its place in the order
 * (pri, then earlier line) plus 1. rte_acl does not say which of several
 * matching rules of equal priority it returns, so ties must not exist.
 */
static int32_t *
priorities(const struct ov2_sp_rule *rules, uint32_t n)
{
	struct rank *rk = malloc(sizeof(*rk) * (n != 0 ? n : 1));
	int32_t *prio = malloc(sizeof(*prio) * (n != 0 ? n : 1));
	uint32_t i;

	if (rk == NULL || prio == NULL) {
		free(rk);
		free(prio);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		rk[i].pri = rules[i].pri;
		rk[i].idx = i;
	}
	qsort(rk, n, sizeof(*rk), rank_cmp);
	for (i = 0; i < n; i++)
		prio[rk[i].idx] = (int32_t)(RTE_ACL_MIN_PRIORITY + i);
	free(rk);
	return prio;
}

static void
fill4(struct acl4_rule *a, const struct ov2_sp_rule *r)
{
	a->field[F4_PROTO].value.u8 = r->proto_lo;
	a->field[F4_PROTO].mask_range.u8 = r->proto_hi;
	a->field[F4_SRC].value.u32 = word_of(r->src, 0, r->src_len);
	a->field[F4_SRC].mask_range.u32 = r->src_len;
	a->field[F4_DST].value.u32 = word_of(r->dst, 0, r->dst_len);
	a->field[F4_DST].mask_range.u32 = r->dst_len;
	a->field[F4_SPORT].value.u16 = r->sport_lo;
	a->field[F4_SPORT].mask_range.u16 = r->sport_hi;
	a->field[F4_DPORT].value.u16 = r->dport_lo;
	a->field[F4_DPORT].mask_range.u16 = r->dport_hi;
}

static void
fill6(struct acl6_rule *a, const struct ov2_sp_rule *r)
{
	unsigned int k;

	a->field[F6_PROTO].value.u8 = r->proto_lo;
	a->field[F6_PROTO].mask_range.u8 = r->proto_hi;
	for (k = 0; k < 4; k++) {
		a->field[F6_SRC0 + k].value.u32 = word_of(r->src, k, r->src_len);
		a->field[F6_SRC0 + k].mask_range.u32 = word_len(r->src_len, k);
		a->field[F6_DST0 + k].value.u32 = word_of(r->dst, k, r->dst_len);
		a->field[F6_DST0 + k].mask_range.u32 = word_len(r->dst_len, k);
	}
	a->field[F6_SPORT].value.u16 = r->sport_lo;
	a->field[F6_SPORT].mask_range.u16 = r->sport_hi;
	a->field[F6_DPORT].value.u16 = r->dport_lo;
	a->field[F6_DPORT].mask_range.u16 = r->dport_hi;
}

/*
 * rte_acl_create() hands back an existing context of the same name, so
 * every context gets a name of its own.
 */
static struct rte_acl_ctx *
acl_create(const char *name, unsigned int fam, int socket, size_t rule_size,
	   uint32_t n)
{
	static uint32_t seq;
	char cname[RTE_ACL_NAMESIZE];
	struct rte_acl_param p = {
		.name = cname,
		.socket_id = socket,
		.rule_size = (uint32_t)rule_size,
		.max_rule_num = n,
	};
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		snprintf(cname, sizeof(cname), "ov2spd%u_%.12s_%u", fam, name,
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
		if (rte_acl_find_existing(cname) == NULL)
			return rte_acl_create(&p);
	}
	rte_errno = EEXIST;
	return NULL;
}

/* One family's context over its "in" rules (spd->rules). */
static int
build_family(struct ov2_spd *spd, unsigned int fam, const int32_t *prio,
	     const char *name, int socket, char *err, size_t errlen)
{
	size_t rsz = fam == 4 ? sizeof(struct acl4_rule) : sizeof(struct acl6_rule);
	struct rte_acl_config cfg = {
		.num_categories = 1,
		.num_fields = fam == 4 ? F4_NUM : F6_NUM,
	};
	struct rte_acl_ctx *ctx;
	uint32_t i, k = 0, cnt = 0;
	uint8_t *buf;
	int rc;

	for (i = 0; i < spd->n; i++)
		cnt += spd->rules[i].family == fam;
	if (cnt == 0)
		return 0;
	buf = calloc(cnt, rsz);
	if (buf == NULL)
		return ov2_tok_fail(err, errlen, "out of memory for %u IPv%u rules", cnt, fam);
	for (i = 0; i < spd->n; i++) {
		const struct ov2_sp_rule *r = &spd->rules[i];
		struct rte_acl_rule *a = (struct rte_acl_rule *)(buf + rsz * k);

		if (r->family != fam)
			continue;
		a->data.category_mask = 1;
		a->data.priority = prio[i];
		a->data.userdata = i + 1;
		if (fam == 4)
			fill4((struct acl4_rule *)a, r);
		else
			fill6((struct acl6_rule *)a, r);
		k++;
	}
	if (fam == 4)
		memcpy(cfg.defs, defs4, sizeof(defs4));
	else
		memcpy(cfg.defs, defs6, sizeof(defs6));
	ctx = acl_create(name, fam, socket, rsz, cnt);
	if (ctx == NULL) {
		free(buf);
		return ov2_tok_fail(err, errlen, "cannot create the IPv%u policy classifier: %s",
			    fam, rte_strerror(rte_errno));
	}
	rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)buf, cnt);
	if (rc == 0)
		rc = rte_acl_build(ctx, &cfg);
	free(buf);
	if (rc != 0) {
		rte_acl_free(ctx);
		return ov2_tok_fail(err, errlen, "cannot build the IPv%u policy classifier "
			    "(%u rules): %s", fam, cnt, strerror(-rc));
	}
	if (fam == 4)
		spd->acl4 = ctx;
	else
		spd->acl6 = ctx;
	return 0;
}

struct ov2_spd *
ov2_spd_create(const char *name, const struct ov2_sp_rule *rules, uint32_t n,
	       int socket, char *err, size_t errlen)
{
	struct ov2_spd *spd;
	int32_t *prio = NULL;
	uint32_t i, n_in = 0;

	if (n > 0 && rules == NULL) {
		ov2_tok_fail(err, errlen, "no rules given");
		return NULL;
	}
	name = name != NULL ? name : "spd";
	for (i = 0; i < n; i++) {
		if (rules[i].dir != OV2_SA_IN)
			continue;
		if (check_rule(&rules[i], i, err, errlen) != 0)
			return NULL;
		n_in++;
	}
	if (n_in > RTE_ACL_MAX_PRIORITY) {
		ov2_tok_fail(err, errlen, "too many inbound rules (%u, at most %u)", n_in,
		     (unsigned int)RTE_ACL_MAX_PRIORITY);
		return NULL;
	}
	spd = rte_zmalloc_socket("ov2_spd", sizeof(*spd), 0, socket);
	if (spd == NULL) {
		ov2_tok_fail(err, errlen, "out of memory for the policy");
		return NULL;
	}
	if (n_in > 0) {
		spd->rules = rte_malloc_socket("ov2_spd_rules", sizeof(*rules) * n_in,
					       0, socket);
		if (spd->rules == NULL) {
			ov2_tok_fail(err, errlen, "out of memory for %u policy rules", n_in);
			ov2_spd_free(spd);
			return NULL;
		}
		for (i = 0; i < n; i++)
			if (rules[i].dir == OV2_SA_IN)
				spd->rules[spd->n++] = rules[i];
		prio = priorities(spd->rules, spd->n);
		if (prio == NULL) {
			ov2_tok_fail(err, errlen, "out of memory for %u policy rules", n_in);
			ov2_spd_free(spd);
			return NULL;
		}
	}
	if (build_family(spd, 4, prio, name, socket, err, errlen) != 0 ||
	    build_family(spd, 6, prio, name, socket, err, errlen) != 0) {
		free(prio);
		ov2_spd_free(spd);
		return NULL;
	}
	free(prio);
	return spd;
}

void
ov2_spd_free(struct ov2_spd *spd)
{
	if (spd == NULL)
		return;
	rte_acl_free(spd->acl4);
	rte_acl_free(spd->acl6);
	rte_free(spd->rules);
	rte_free(spd);
}

uint32_t
ov2_spd_count(const struct ov2_spd *spd)
{
	return spd != NULL ? spd->n : 0;
}

/* Protocols whose first 4 bytes are the source and destination ports. */
static int
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/*
 * IPv4: the header must fit in len and in its own total length; ports are
 * read after IHL*4 bytes, within min(len, total length) so link padding is
 * never taken for ports.
 */
static int
key4_of(const uint8_t *p, uint32_t len, struct key4 *k)
{
	uint32_t hl, tot, lim;

	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	hl = (uint32_t)(p[0] & 0x0f) * 4;
	tot = (uint32_t)p[2] << 8 | p[3];
	if (hl < 20 || hl > len || tot < hl)
		return -1;
	lim = RTE_MIN(len, tot);
	k->proto = p[9];
	memset(k->pad, 0, sizeof(k->pad));
	memcpy(k->src, p + 12, 4);
	memcpy(k->dst, p + 16, 4);
	k->sport = 0;
	k->dport = 0;
	/* Fragment offset 0: the first fragment or a whole datagram. */
	if (((p[6] & 0x1f) | p[7]) != 0 || !has_ports(k->proto))
		return 0;
	/*
	 * A first fragment too short to hold the ports cannot be checked
	 * against port selectors (the tiny fragment attack, RFC 1858): no
	 * rule matches it.
	 */
	if (hl + 4 > lim)
		return -1;
	memcpy(&k->sport, p + hl, 2);
	memcpy(&k->dport, p + hl + 2, 2);
	return 0;
}

/* Most IPv6 extension headers walked before giving up on a packet. */
#define EXT_MAX 8

/*
 * IPv6: walk hop-by-hop, routing, fragment, destination options and AH
 * headers to the upper-layer protocol. Each header must fit in
 * min(len, 40 + payload length) (payload length 0, a jumbogram, means len).
 * A non-first fragment stops the walk: its protocol is the fragment
 * header's next header, its ports 0.
 */
static int
key6_of(const uint8_t *p, uint32_t len, struct key6 *k)
{
	uint32_t off = 40, lim, plen, hl;
	unsigned int hops;
	uint8_t nh;
	int first = 1;

	if (len < 40 || (p[0] >> 4) != 6)
		return -1;
	plen = (uint32_t)p[4] << 8 | p[5];
	lim = plen != 0 ? RTE_MIN(len, 40 + plen) : len;
	nh = p[6];
	for (hops = 0; first && (nh == 0 || nh == 43 || nh == 44 || nh == 51 ||
				 nh == 60); hops++) {
		if (hops == EXT_MAX || off + 8 > lim)
			return -1;
		if (nh == 44) {
			hl = 8;
			first = (((uint32_t)p[off + 2] << 8 | p[off + 3]) & 0xfff8) == 0;
		} else if (nh == 51) {
			hl = ((uint32_t)p[off + 1] + 2) * 4;
		} else {
			hl = ((uint32_t)p[off + 1] + 1) * 8;
		}
		if (off + hl > lim)
			return -1;
		nh = p[off];
		off += hl;
	}
	k->proto = nh;
	memset(k->pad, 0, sizeof(k->pad));
	memcpy(k->src, p + 8, 16);
	memcpy(k->dst, p + 24, 16);
	k->sport = 0;
	k->dport = 0;
	if (!first || !has_ports(nh))
		return 0;
	if (off + 4 > lim)	/* see key4_of() */
		return -1;
	memcpy(&k->sport, p + off, 2);
	memcpy(&k->dport, p + off + 2, 2);
	return 0;
}

static void
classify_burst(const struct ov2_spd *spd, const uint8_t *const ip[],
	       const uint32_t len[], uint32_t n, const struct ov2_sp_rule *out[])
{
	struct key4 k4[OV2_SPD_BURST_MAX];
	struct key6 k6[OV2_SPD_BURST_MAX];
	const uint8_t *d4[OV2_SPD_BURST_MAX], *d6[OV2_SPD_BURST_MAX];
	uint32_t r4[OV2_SPD_BURST_MAX], r6[OV2_SPD_BURST_MAX];
	uint8_t at4[OV2_SPD_BURST_MAX], at6[OV2_SPD_BURST_MAX];
	uint32_t i, n4 = 0, n6 = 0;

	for (i = 0; i < n; i++) {
		out[i] = NULL;
		if (ip[i] == NULL || len[i] == 0)
			continue;
		if ((ip[i][0] >> 4) == 4 && spd->acl4 != NULL &&
		    key4_of(ip[i], len[i], &k4[n4]) == 0) {
			d4[n4] = (const uint8_t *)&k4[n4];
			at4[n4++] = (uint8_t)i;
		} else if ((ip[i][0] >> 4) == 6 && spd->acl6 != NULL &&
			   key6_of(ip[i], len[i], &k6[n6]) == 0) {
			d6[n6] = (const uint8_t *)&k6[n6];
			at6[n6++] = (uint8_t)i;
		}
	}
	if (n4 > 0 && rte_acl_classify(spd->acl4, d4, r4, n4, 1) == 0)
		for (i = 0; i < n4; i++)
			out[at4[i]] = r4[i] != 0 ? &spd->rules[r4[i] - 1] : NULL;
	if (n6 > 0 && rte_acl_classify(spd->acl6, d6, r6, n6, 1) == 0)
		for (i = 0; i < n6; i++)
			out[at6[i]] = r6[i] != 0 ? &spd->rules[r6[i] - 1] : NULL;
}

void
ov2_spd_classify(const struct ov2_spd *spd, const uint8_t *const ip[],
		 const uint32_t len[], uint32_t n, const struct ov2_sp_rule *out[])
{
	uint32_t i, m;

	if (spd == NULL) {
		for (i = 0; i < n; i++)
			out[i] = NULL;
		return;
	}
	/* More than a burst is taken in bursts rather than overrunning keys. */
	for (i = 0; i < n; i += m) {
		m = RTE_MIN(n - i, (uint32_t)OV2_SPD_BURST_MAX);
		classify_burst(spd, ip + i, len + i, m, out + i);
	}
}
