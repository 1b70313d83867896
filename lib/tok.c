/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tok.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\f' || c == '\v';
}

int
ov2_tok_next(const char **s, struct ov2_tok *t)
{
	const char *p = *s;

	while (*p != '\0' && is_space(*p))
		p++;
	t->p = p;
	while (*p != '\0' && !is_space(*p))
		p++;
	t->n = (size_t)(p - t->p);
	*s = p;
	return t->n != 0;
}

int
ov2_tok_is(const struct ov2_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && memcmp(t->p, word, n) == 0;
}

int
ov2_tok_in(const struct ov2_tok *t, const char *const *list)
{
	for (; *list != NULL; list++)
		if (ov2_tok_is(t, *list))
			return 1;
	return 0;
}

/*
 * Key material as the formats write it: 8 or more bytes of "xx:xx:..."
 * (groups of 1-2 hex digits), or a run of 16 or more hex digits mixing
 * decimal digits and letters. A key given in the wrong place (a keyword
 * left out) reaches an error message as an unknown word: it must not be
 * echoed. IPv6 addresses (groups of up to 4 digits, "::"), MAC addresses
 * (6 groups) and long decimal numbers do not look like this.
 */
static int
looks_like_key(const struct ov2_tok *t)
{
	size_t i, digits = 0, groups = 0, run = 0, dec = 0;

	for (i = 0; i < t->n; i++) {
		if (t->p[i] == ':') {
			if (run == 0 || run > 2)
				return 0;
			groups++;
			run = 0;
		} else if (ov2_hex_val(t->p[i]) >= 0) {
			run++;
			digits++;
			dec += t->p[i] >= '0' && t->p[i] <= '9';
		} else {
			return 0;
		}
	}
	/* a plain run: both decimal digits and letters (a long decimal
	 * number, or a word of a-f, is shown) */
	if (groups == 0)
		return digits >= 16 && dec > 0 && dec < digits;
	return run >= 1 && run <= 2 && groups + 1 >= 8;
}

const char *
ov2_tok_show(const struct ov2_tok *t, char *buf, size_t len)
{
	size_t i, o = 0, n = t->n < OV2_TOK_SHOW_MAX ? t->n : OV2_TOK_SHOW_MAX;

	if (len == 0)
		return buf;
	if (looks_like_key(t)) {
		snprintf(buf, len, "<%zu characters of hex, not shown>", t->n);
		return buf;
	}
	for (i = 0; i < n && o + 5 < len; i++) {
		unsigned char c = (unsigned char)t->p[i];

		if (c > 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (t->n > n && o + 4 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int
ov2_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ov2_tok_u64(const struct ov2_tok *t, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int base = 10;
	size_t i = 0;

	if (t->n > 2 && t->p[0] == '0' && (t->p[1] == 'x' || t->p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == t->n)
		return -1;
	for (; i < t->n; i++) {
		int d = ov2_hex_val(t->p[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -1;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return -1;
		v = v * base + (unsigned int)d;
	}
	*out = v;
	return 0;
}

int
ov2_tok_u32(const struct ov2_tok *t, uint32_t *out)
{
	uint64_t v;

	if (ov2_tok_u64(t, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
ov2_tok_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int
ov2_tok_spi(const struct ov2_tok *t, uint32_t *spi, char *err, size_t errlen)
{
	char sb[OV2_TOK_SHOW_BUF];
	uint32_t v;

	if (ov2_tok_u32(t, &v) < 0) {
		ov2_tok_fail(err, errlen, "invalid SPI '%s' (decimal or 0x-hex, "
			     "256..4294967295)", ov2_tok_show(t, sb, sizeof(sb)));
		return -1;
	}
	if (v < 256) {
		ov2_tok_fail(err, errlen, "SPI %u is reserved (RFC 4303: 0 is never used, "
			     "1-255 are reserved by IANA); use 256..4294967295", v);
		return -1;
	}
	*spi = v;
	return 0;
}
