/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "conf.h"
#include "ctl.h"
#include "tok.h"

/* Refuse: err says why (quoting t when given); *out is wiped. */
static int
fail(struct ov2_ctl_req *out, char *err, size_t errlen, int rc, const char *msg,
     const struct ov2_tok *t)
{
	char show[OV2_TOK_SHOW_BUF];

	ov2_ctl_req_wipe(out);
	if (t != NULL)
		snprintf(err, errlen, "%s '%s'", msg, ov2_tok_show(t, show, sizeof(show)));
	else
		snprintf(err, errlen, "%s", msg);
	return rc;
}

static int
parse_addr(const struct ov2_tok *t, struct ov2_addr *a)
{
	char buf[64];

	if (t->n == 0 || t->n >= sizeof(buf))
		return -1;
	memcpy(buf, t->p, t->n);
	buf[t->n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->a) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->a) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

/* "<spi> [dst ADDR] [esp|ah] [esn-high N]" of sa del / sa update. */
static int
parse_target(const char *s, struct ov2_ctl_req *out, char *err, size_t errlen)
{
	struct ov2_tok t, v;
	char why[128];
	int seen_proto = 0, seen_esn = 0;

	if (!ov2_tok_next(&s, &t))
		return fail(out, err, errlen, -EINVAL, "missing SPI", NULL);
	if (ov2_tok_spi(&t, &out->spi, why, sizeof(why)) != 0)
		return fail(out, err, errlen, -EINVAL, why, NULL);
	out->proto = OV2_IPPROTO_ESP;
	while (ov2_tok_next(&s, &t)) {
		if (ov2_tok_is(&t, "dst")) {
			if (out->has_dst)
				return fail(out, err, errlen, -EINVAL, "dst given twice", NULL);
			if (!ov2_tok_next(&s, &v))
				return fail(out, err, errlen, -EINVAL,
					    "dst needs an address", NULL);
			if (parse_addr(&v, &out->dst) != 0)
				return fail(out, err, errlen, -EINVAL, "bad address", &v);
			out->has_dst = 1;
		} else if (ov2_tok_is(&t, "esp") || ov2_tok_is(&t, "ah")) {
			if (seen_proto++)
				return fail(out, err, errlen, -EINVAL,
					    "protocol given twice", NULL);
			out->proto = ov2_tok_is(&t, "ah") ? OV2_IPPROTO_AH : OV2_IPPROTO_ESP;
		} else if (ov2_tok_is(&t, "esn-high") && out->verb == OV2_CTL_SA_UPDATE) {
			if (seen_esn++)
				return fail(out, err, errlen, -EINVAL,
					    "esn-high given twice", NULL);
			if (!ov2_tok_next(&s, &v) || ov2_tok_u32(&v, &out->esn_high) != 0)
				return fail(out, err, errlen, -EINVAL,
					    "esn-high needs a number 0..4294967295", NULL);
		} else {
			return fail(out, err, errlen, -EINVAL, "unexpected word", &t);
		}
	}
	if (out->verb == OV2_CTL_SA_UPDATE && !seen_esn)
		return fail(out, err, errlen, -EINVAL,
			    "sa update: nothing to update (expected esn-high N)", NULL);
	return 0;
}

/* "sa add": the words of an "sa in" line, through the configuration
 * parser (one parser for both). */
static int
parse_add(const char *s, size_t n, struct ov2_ctl_req *out, char *err, size_t errlen)
{
	char line[OV2_CTL_REQ_MAX + 4], why[512];
	int rc;

	memcpy(line, "in ", 3);
	memcpy(line + 3, s, n);
	line[3 + n] = '\0';
	rc = ov2_conf_parse_sa(line, &out->sa, why, sizeof(why));
	explicit_bzero(line, sizeof(line));
	if (rc != 0)
		return fail(out, err, errlen, -EINVAL, why, NULL);
	/* Both name other lines of a configuration file, checked together
	 * when the file is loaded: not at run time. */
	if (out->sa.pair_spi != 0)
		return fail(out, err, errlen, -EINVAL, "sa add: 'pair' is only supported in "
			    "the configuration file (edit it and reload)", NULL);
	if (out->sa.bundle_spi != 0)
		return fail(out, err, errlen, -EINVAL, "sa add: 'bundle' is only supported in "
			    "the configuration file (edit it and reload)", NULL);
	return 0;
}

static int
no_more(const char *s, struct ov2_ctl_req *out, char *err, size_t errlen)
{
	struct ov2_tok t;

	if (ov2_tok_next(&s, &t))
		return fail(out, err, errlen, -EINVAL, "unexpected word", &t);
	return 0;
}

int
ov2_ctl_parse(const char *req, size_t len, struct ov2_ctl_req *out,
	      char *err, size_t errlen)
{
	char buf[OV2_CTL_REQ_MAX + 1];
	const char *s = buf;
	struct ov2_tok t;

	memset(out, 0, sizeof(*out));
	if (len > OV2_CTL_REQ_MAX) {
		snprintf(err, errlen, "request longer than %u bytes", OV2_CTL_REQ_MAX);
		return -E2BIG;
	}
	if (memchr(req, '\0', len) != NULL)
		return fail(out, err, errlen, -EINVAL, "request contains a NUL byte", NULL);
	memcpy(buf, req, len);
	buf[len] = '\0';
	if (!ov2_tok_next(&s, &t))
		return fail(out, err, errlen, -EINVAL, "empty request", NULL);
	if (ov2_tok_is(&t, "stats")) {
		out->verb = OV2_CTL_STATS;
		return no_more(s, out, err, errlen);
	}
	if (ov2_tok_is(&t, "reload")) {
		out->verb = OV2_CTL_RELOAD;
		return no_more(s, out, err, errlen);
	}
	if (!ov2_tok_is(&t, "sa"))
		return fail(out, err, errlen, -EINVAL, "unknown request", &t);
	if (!ov2_tok_next(&s, &t))
		return fail(out, err, errlen, -EINVAL, "sa: expected add, del, update or list",
			    NULL);
	if (ov2_tok_is(&t, "list")) {
		out->verb = OV2_CTL_SA_LIST;
		return no_more(s, out, err, errlen);
	}
	if (ov2_tok_is(&t, "add")) {
		int rc;

		out->verb = OV2_CTL_SA_ADD;
		rc = parse_add(s, len - (size_t)(s - buf), out, err, errlen);
		explicit_bzero(buf, sizeof(buf));	/* held the key */
		return rc;
	}
	if (ov2_tok_is(&t, "del")) {
		out->verb = OV2_CTL_SA_DEL;
		return parse_target(s, out, err, errlen);
	}
	if (ov2_tok_is(&t, "update")) {
		out->verb = OV2_CTL_SA_UPDATE;
		return parse_target(s, out, err, errlen);
	}
	return fail(out, err, errlen, -EINVAL, "sa: unknown request (expected add, del, "
		    "update or list)", &t);
}

void
ov2_ctl_req_wipe(struct ov2_ctl_req *r)
{
	explicit_bzero(r, sizeof(*r));
}

int
ov2_ctl_reply_ok(char *buf, size_t len, size_t body_len)
{
	int n = snprintf(buf, len, "ok %zu\n", body_len);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
ov2_ctl_reply_error(char *buf, size_t len, const char *msg)
{
	size_t i, o = 6, m = strlen(msg);

	if (len < 8)
		return -1;
	memcpy(buf, "error ", 6);
	if (m > OV2_CTL_MSG_MAX)
		m = OV2_CTL_MSG_MAX;
	for (i = 0; i < m && o + 2 < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[o++] = '\n';
	buf[o] = '\0';
	return (int)o;
}

int
ov2_ctl_reply_parse(const char *line, size_t len, size_t *body_len, const char **msg)
{
	unsigned long long n = 0;
	size_t i;

	if (len >= 6 && memcmp(line, "error ", 6) == 0) {
		*msg = line + 6;
		return 1;
	}
	if (len < 4 || memcmp(line, "ok ", 3) != 0 || len > 3 + 19)
		return -1;
	for (i = 3; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		n = n * 10 + (unsigned long long)(line[i] - '0');
	}
	*body_len = (size_t)n;
	return 0;
}

static const char *
mode_name(uint8_t mode)
{
	switch (mode) {
	case OV2_MODE_TRANSPORT: return "transport";
	case OV2_MODE_TUNNEL4: return "ipv4-tunnel";
	case OV2_MODE_TUNNEL6: return "ipv6-tunnel";
	default: return "unknown";
	}
}

static const char *
or_unknown(const char *s)
{
	return s != NULL ? s : "unknown";
}

int
ov2_ctl_sa_line(const struct ov2_sa_conf *c, char *buf, size_t len)
{
	char dst[64], algos[128], opts[96];
	int n = 0;

	if (c->dst.family == 0)
		snprintf(dst, sizeof(dst), "any");
	else
		ov2_addr_str(&c->dst, dst, sizeof(dst));
	if (c->aead != OV2_AEAD_NONE)
		snprintf(algos, sizeof(algos), "aead_algo %s", or_unknown(ov2_aead_name(c->aead)));
	else if (c->proto == OV2_IPPROTO_AH)
		snprintf(algos, sizeof(algos), "auth_algo %s", or_unknown(ov2_auth_name(c->auth)));
	else
		snprintf(algos, sizeof(algos), "cipher_algo %s auth_algo %s",
			 or_unknown(ov2_cipher_name(c->cipher)),
			 or_unknown(ov2_auth_name(c->auth)));
	opts[0] = '\0';
	if (c->flags & OV2_SA_F_ESN)
		n += snprintf(opts + n, sizeof(opts) - (size_t)n, " esn");
	if (c->flags & OV2_SA_F_UDP_ENCAP)
		n += snprintf(opts + n, sizeof(opts) - (size_t)n, " udp-encap %u:%u",
			      c->udp_sport, c->udp_dport);
	if (c->flags & OV2_SA_F_REPLAY_SET)
		snprintf(opts + n, sizeof(opts) - (size_t)n, " replay-window %u",
			 c->replay_window);
	return snprintf(buf, len, "%u dst %s %s %s %s%s\n", c->spi, dst,
			c->proto == OV2_IPPROTO_AH ? "ah" : "esp", mode_name(c->mode), algos, opts);
}
