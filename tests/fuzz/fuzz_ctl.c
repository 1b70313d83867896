/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness of the control protocol (lib/ctl.c): arbitrary bytes as a
 * request line (ov2_ctl_parse), as a reply's first line
 * (ov2_ctl_reply_parse), and as the message of an error reply
 * (ov2_ctl_reply_error), the way ov2rx's control thread and ov2ctl use them.
 *
 * Invariants (abort when violated):
 *   - a request is accepted (0) or refused with -EINVAL, or -E2BIG exactly
 *     when it is longer than OV2_CTL_REQ_MAX; a refusal says why;
 *   - an accepted request has a known verb; "sa add" gives an inbound SA
 *     with an SPI of 256 or more, integrity and key lengths within their
 *     arrays, whose "sa list" line holds no byte of its keys (in hex);
 *   - an error reply is one line of printable ASCII that parses back as an
 *     error, and an "ok N" header parses back to N;
 *   - a reply line is "ok N", "error MSG", or neither (-1), never more.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;	/* the protocol is pure: no EAL */
}

/* 1 when the hex of n key bytes from k (8 at a time) appears in s. */
static int
key_in(const char *s, const uint8_t *k, unsigned int n)
{
	char hex[17];
	unsigned int i, j;

	for (i = 0; i + 8 <= n; i += 8) {
		for (j = 0; j < 8; j++)
			snprintf(hex + 2 * j, 3, "%02x", k[i + j]);
		if (strstr(s, hex) != NULL)
			return 1;
	}
	return 0;
}

static void
check_add(const struct ov2_sa_conf *sa)
{
	char line[1024];
	int n;

	FUZZ_ASSERT(sa->dir == OV2_SA_IN);
	FUZZ_ASSERT(sa->spi >= 256);
	FUZZ_ASSERT(sa->proto == OV2_IPPROTO_ESP || sa->proto == OV2_IPPROTO_AH);
	FUZZ_ASSERT(sa->key_len <= sizeof(sa->key));
	FUZZ_ASSERT(sa->auth_key_len <= sizeof(sa->auth_key));
	/* OV2 requires integrity: a combined mode or an authentication key */
	FUZZ_ASSERT(sa->aead != OV2_AEAD_NONE || sa->auth != OV2_AUTH_UNSET);
	n = ov2_ctl_sa_line(sa, line, sizeof(line));
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n');
	FUZZ_ASSERT(!key_in(line, sa->key, sa->key_len));
	FUZZ_ASSERT(!key_in(line, sa->auth_key, sa->auth_key_len));
}

static void
fuzz_request(const char *s, size_t len)
{
	struct ov2_ctl_req r;
	char err[512];
	int rc;

	err[0] = '\0';
	rc = ov2_ctl_parse(s, len, &r, err, sizeof(err));
	if (rc != 0) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -E2BIG);
		FUZZ_ASSERT((rc == -E2BIG) == (len > OV2_CTL_REQ_MAX));
		FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	FUZZ_ASSERT(r.verb >= OV2_CTL_SA_ADD && r.verb <= OV2_CTL_RELOAD);
	if (r.verb == OV2_CTL_SA_DEL || r.verb == OV2_CTL_SA_UPDATE)
		FUZZ_ASSERT(r.proto == OV2_IPPROTO_ESP || r.proto == OV2_IPPROTO_AH);
	if (r.verb == OV2_CTL_SA_ADD)
		check_add(&r.sa);
	ov2_ctl_req_wipe(&r);
}

static void
fuzz_reply(const char *s, size_t len)
{
	char buf[OV2_CTL_HDR_MAX + 1], msg[OV2_CTL_MSG_MAX * 2 + 1];
	const char *m = NULL;
	size_t body = 0, n = len < sizeof(msg) - 1 ? len : sizeof(msg) - 1, i;
	int h, rc;

	/* the line as ov2ctl reads it */
	rc = ov2_ctl_reply_parse(s, len, &body, &m);
	FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1);
	if (rc == 1)
		FUZZ_ASSERT(m >= s && m <= s + len);
	/* the bytes as the message of an error reply */
	memcpy(msg, s, n);
	msg[n] = '\0';
	h = ov2_ctl_reply_error(buf, sizeof(buf), msg);
	FUZZ_ASSERT(h > 0 && (size_t)h < sizeof(buf) && buf[h - 1] == '\n');
	for (i = 0; i + 1 < (size_t)h; i++)
		FUZZ_ASSERT(buf[i] >= 0x20 && buf[i] < 0x7f);
	FUZZ_ASSERT(ov2_ctl_reply_parse(buf, (size_t)h - 1, &body, &m) == 1);
	/* an ok header with a length taken from the input */
	body = 0;
	for (i = 0; i < len && i < sizeof(size_t); i++)
		body = body << 8 | (uint8_t)s[i];
	body &= (size_t)1 << 40 | (((size_t)1 << 40) - 1);
	h = ov2_ctl_reply_ok(buf, sizeof(buf), body);
	FUZZ_ASSERT(h > 0 && buf[h - 1] == '\n');
	{
		size_t got = ~body;

		FUZZ_ASSERT(ov2_ctl_reply_parse(buf, (size_t)h - 1, &got, &m) == 0);
		FUZZ_ASSERT(got == body);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	/* a copy of exactly the input's bytes, so ASan sees any overread */
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	if (data[0] & 1)
		fuzz_reply(s, size - 1);
	else
		fuzz_request(s, size - 1);
	free(s);
	return 0;
}
