/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokens of the text formats (configuration files, control requests):
 * whitespace-separated words of a NUL-terminated string, numbers, and
 * quoting for messages. Input may be arbitrary bytes: tokens carry their
 * length and are escaped before they appear in a message.
 */
#ifndef OV2_TOK_H
#define OV2_TOK_H

#include <stddef.h>
#include <stdint.h>

#define OV2_TOK_SHOW_MAX 40			/* token bytes quoted */
#define OV2_TOK_SHOW_BUF (OV2_TOK_SHOW_MAX * 4 + 8)

struct ov2_tok {
	const char *p;
	size_t n;
};

/* Next token of *s (advanced past it); 0 at the end. */
int ov2_tok_next(const char **s, struct ov2_tok *t);

/* The token is exactly word / one of the NULL-terminated list. */
int ov2_tok_is(const struct ov2_tok *t, const char *word);
int ov2_tok_in(const struct ov2_tok *t, const char *const *list);

/* The token for a message: printable ASCII as is, other bytes as \xNN,
 * at most OV2_TOK_SHOW_MAX bytes then "..."; a token that looks like key
 * material (8+ bytes of xx:xx:..., 16+ hex digits with letters and
 * decimal digits) is not shown. Returns buf. */
const char *ov2_tok_show(const struct ov2_tok *t, char *buf, size_t len);

/* 0-15 for a hex digit, else -1. */
int ov2_hex_val(char c);

/* Decimal or 0x-hex numbers; -1 when not one or out of range. */
int ov2_tok_u32(const struct ov2_tok *t, uint32_t *out);
int ov2_tok_u64(const struct ov2_tok *t, uint64_t *out);

/* Fill err (when given) with the message and return -EINVAL. */
int ov2_tok_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An SPI as the text formats take it: decimal or 0x-hex, 256..2^32-1
 * (RFC 4303: 0 is never used, 1-255 are reserved). Returns 0, or -1 with
 * err saying why. */
int ov2_tok_spi(const struct ov2_tok *t, uint32_t *spi, char *err, size_t errlen);

#endif
