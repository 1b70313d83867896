/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol: a table of requests, good and bad, with what each
 * must parse to or the error it must give; "sa add" against the
 * configuration parser; the reply framing; "sa list" lines without key
 * material; and random bytes and mutated requests (no crash, a refused
 * request leaves nothing behind).
 */
#include <errno.h>
#include <string.h>
#include <rte_common.h>
#include "conf.h"
#include "ctl.h"
#include "testlib.h"

#define KEY20 "a5:5a:c3:3c:96:69:0f:f0:a5:5a:c3:3c:96:69:0f:f0:01:02:03:04"
#define ADD_OK "sa add 4096 aead_algo aes-128-gcm aead_key " KEY20 \
	" mode ipv4-tunnel dst 10.0.0.1"

struct pcase {
	const char *req;
	int rc;			/* 0 or the negative errno */
	int verb;
	const char *err;	/* substring of the message */
};

static const struct pcase cases[] = {
	{ "stats", 0, OV2_CTL_STATS, NULL },
	{ "  stats \t", 0, OV2_CTL_STATS, NULL },
	{ "reload", 0, OV2_CTL_RELOAD, NULL },
	{ "sa list", 0, OV2_CTL_SA_LIST, NULL },
	{ ADD_OK, 0, OV2_CTL_SA_ADD, NULL },
	{ "sa del 4096", 0, OV2_CTL_SA_DEL, NULL },
	{ "sa del 0x1000 dst 10.0.0.1 ah", 0, OV2_CTL_SA_DEL, NULL },
	{ "sa update 4096 dst 2001:db8::1 esn-high 7", 0, OV2_CTL_SA_UPDATE, NULL },
	{ "sa update 4096 esn-high 4294967295", 0, OV2_CTL_SA_UPDATE, NULL },
	{ "", -EINVAL, 0, "empty request" },
	{ "   ", -EINVAL, 0, "empty request" },
	{ "foo", -EINVAL, 0, "unknown request 'foo'" },
	{ "SA list", -EINVAL, 0, "unknown request 'SA'" },
	{ "\xff\xfe\x01garbage", -EINVAL, 0, "unknown request '\\xff\\xfe\\x01garbage'" },
	{ "sa", -EINVAL, 0, "expected add, del, update or list" },
	{ "sa remove 4096", -EINVAL, 0, "unknown request" },
	{ "stats now", -EINVAL, 0, "unexpected word 'now'" },
	{ "sa list all", -EINVAL, 0, "unexpected word 'all'" },
	{ "reload x", -EINVAL, 0, "unexpected word" },
	{ "sa del", -EINVAL, 0, "missing SPI" },
	{ "sa del 255", -EINVAL, 0, "SPI" },
	{ "sa del abc", -EINVAL, 0, "SPI" },
	{ "sa del 4294967296", -EINVAL, 0, "SPI" },
	{ "sa del 4096 dst", -EINVAL, 0, "dst needs an address" },
	{ "sa del 4096 dst 1.2.3", -EINVAL, 0, "bad address '1.2.3'" },
	{ "sa del 4096 dst 10.0.0.1 dst 10.0.0.2", -EINVAL, 0, "dst given twice" },
	{ "sa del 4096 esp ah", -EINVAL, 0, "protocol given twice" },
	{ "sa del 4096 esn-high 3", -EINVAL, 0, "unexpected word 'esn-high'" },
	{ "sa update 4096", -EINVAL, 0, "nothing to update" },
	{ "sa update 4096 esn-high", -EINVAL, 0, "esn-high needs a number" },
	{ "sa update 4096 esn-high 4294967296", -EINVAL, 0, "esn-high needs a number" },
	{ "sa update 4096 esn-high -1", -EINVAL, 0, "esn-high needs a number" },
	{ "sa add", -EINVAL, 0, "" },
	{ "sa add 4096 aead_algo aes-128-gcm mode ipv4-tunnel dst 10.0.0.1", -EINVAL, 0,
	  "key" },
	{ "sa add 4096 aead_algo aes-128-gcm aead_key 01:02 mode ipv4-tunnel dst 10.0.0.1",
	  -EINVAL, 0, "aead_key" },
	{ ADD_OK " pair 5000", -EINVAL, 0, "'pair' is only supported in the configuration" },
	{ "sa add 6000 ah auth_algo sha1-hmac auth_key " KEY20 " mode ipv4-tunnel "
	  "dst 10.0.0.1 bundle 5000", -EINVAL, 0, "'bundle' is only supported" },
	{ ADD_OK " colour blue", -EINVAL, 0, "colour" },
	{ "sa add in 4096 aead_algo aes-128-gcm aead_key " KEY20 " mode transport", -EINVAL,
	  0, "" },
};

static int
zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++ != 0)
			return 0;
	return 1;
}

static void
test_table(void)
{
	struct ov2_ctl_req r;
	char err[512];
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct pcase *c = &cases[i];
		int rc;

		err[0] = '\0';
		rc = ov2_ctl_parse(c->req, strlen(c->req), &r, err, sizeof(err));
		if (rc != c->rc || (rc == 0 && (int)r.verb != c->verb) ||
		    (c->err != NULL && strstr(err, c->err) == NULL))
			fprintf(stderr, "case %u '%s': rc %d verb %d err '%s'\n", i, c->req, rc,
				(int)r.verb, err);
		CHECK_EQ(rc, c->rc);
		if (rc == 0)
			CHECK_EQ(r.verb, c->verb);
		else
			CHECK(zeroed(&r, sizeof(r)));	/* nothing left behind */
		if (c->err != NULL)
			CHECK(strstr(err, c->err) != NULL);
		ov2_ctl_req_wipe(&r);
	}
}

static void
test_fields(void)
{
	struct ov2_ctl_req r;
	char err[512];
	const char *q;

	q = "sa del 0x1000 dst 10.0.0.1 ah";
	CHECK_EQ(ov2_ctl_parse(q, strlen(q), &r, err, sizeof(err)), 0);
	CHECK_EQ(r.spi, 4096);
	CHECK_EQ(r.proto, OV2_IPPROTO_AH);
	CHECK_EQ(r.has_dst, 1);
	CHECK_EQ(r.dst.family, 4);
	CHECK(r.dst.a[0] == 10 && r.dst.a[3] == 1 && zeroed(r.dst.a + 4, 12));
	q = "sa update 70000 dst 2001:db8::1 esn-high 7";
	CHECK_EQ(ov2_ctl_parse(q, strlen(q), &r, err, sizeof(err)), 0);
	CHECK_EQ(r.spi, 70000);
	CHECK_EQ(r.proto, OV2_IPPROTO_ESP);
	CHECK_EQ(r.dst.family, 6);
	CHECK(r.dst.a[0] == 0x20 && r.dst.a[1] == 0x01 && r.dst.a[15] == 1);
	CHECK_EQ(r.esn_high, 7);
	q = "sa del 4096";
	CHECK_EQ(ov2_ctl_parse(q, strlen(q), &r, err, sizeof(err)), 0);
	CHECK_EQ(r.has_dst, 0);
	CHECK_EQ(r.proto, OV2_IPPROTO_ESP);
}

/* "sa add W" gives what the configuration parser gives for "in W". */
static void
test_add_same_as_conf(void)
{
	static const char *const words[] = {
		"4096 aead_algo aes-128-gcm aead_key " KEY20 " mode ipv4-tunnel dst 10.0.0.1",
		"5000 cipher_algo aes-256-cbc cipher_key "
		"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:00:01:02:03:04:05:06:07:"
		"08:09:0a:0b:0c:0d:0e:0f auth_algo sha256-hmac auth_key "
		"10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:10:11:12:13:14:15:16:17:"
		"18:19:1a:1b:1c:1d:1e:1f mode transport esn 77 replay-window 1024 udp-encap",
		"6000 ah auth_algo sha1-hmac auth_key "
		"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13 mode ipv6-tunnel "
		"dst 2001:db8::5 hard-packet-limit 100",
	};
	struct ov2_ctl_req r;
	struct ov2_sa_conf c;
	char req[OV2_CTL_REQ_MAX], line[OV2_CTL_REQ_MAX], err[512];
	unsigned int i;

	for (i = 0; i < RTE_DIM(words); i++) {
		snprintf(req, sizeof(req), "sa add %s", words[i]);
		snprintf(line, sizeof(line), "in %s", words[i]);
		CHECK_EQ(ov2_conf_parse_sa(line, &c, err, sizeof(err)), 0);
		CHECK_EQ(ov2_ctl_parse(req, strlen(req), &r, err, sizeof(err)), 0);
		CHECK_EQ(r.verb, OV2_CTL_SA_ADD);
		CHECK(memcmp(&r.sa, &c, sizeof(c)) == 0);
		ov2_ctl_req_wipe(&r);
	}
}

static void
test_limits(void)
{
	static char big[OV2_CTL_REQ_MAX + 2];
	struct ov2_ctl_req r;
	char err[512];
	char nul[] = "sa list\0 extra";

	/* exactly the limit: parsed (and refused for what it says) */
	memset(big, ' ', sizeof(big));
	memcpy(big, "stats", 5);
	CHECK_EQ(ov2_ctl_parse(big, OV2_CTL_REQ_MAX, &r, err, sizeof(err)), 0);
	/* one more: refused for its length */
	CHECK_EQ(ov2_ctl_parse(big, OV2_CTL_REQ_MAX + 1, &r, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "longer than 4096") != NULL);
	CHECK_EQ(ov2_ctl_parse(nul, sizeof(nul) - 1, &r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "NUL") != NULL);
}

static void
test_replies(void)
{
	char buf[OV2_CTL_HDR_MAX + 8], big[1000];
	const char *msg = NULL;
	size_t body = 0;
	int n;

	n = ov2_ctl_reply_ok(buf, sizeof(buf), 12345);
	CHECK_EQ(n, 9);
	CHECK(strcmp(buf, "ok 12345\n") == 0);
	CHECK_EQ(ov2_ctl_reply_parse(buf, (size_t)n - 1, &body, &msg), 0);
	CHECK_EQ(body, 12345);
	n = ov2_ctl_reply_error(buf, sizeof(buf), "bad\nthing\x01\xff");
	CHECK(strcmp(buf, "error bad?thing??\n") == 0);
	CHECK_EQ(ov2_ctl_reply_parse(buf, (size_t)n - 1, &body, &msg), 1);
	CHECK(strncmp(msg, "bad?thing??", 11) == 0);
	/* long messages are cut: one line, bounded */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = ov2_ctl_reply_error(buf, sizeof(buf), big);
	CHECK_EQ(n, 6 + OV2_CTL_MSG_MAX + 1);
	CHECK(strchr(buf, '\n') == buf + n - 1);
	CHECK_EQ(ov2_ctl_reply_ok(buf, 4, 12345), -1);
	CHECK_EQ(ov2_ctl_reply_parse("ok", 2, &body, &msg), -1);
	CHECK_EQ(ov2_ctl_reply_parse("ok 12x", 6, &body, &msg), -1);
	CHECK_EQ(ov2_ctl_reply_parse("okay 1", 6, &body, &msg), -1);
	CHECK_EQ(ov2_ctl_reply_parse("ok 99999999999999999999999", 26, &body, &msg), -1);
}

static void
test_sa_line(void)
{
	struct ov2_sa_conf c;
	char line[256], err[256];
	const char *w = "in 4096 aead_algo aes-128-gcm aead_key " KEY20
			" mode ipv4-tunnel dst 10.0.0.1 esn replay-window 128";

	CHECK_EQ(ov2_conf_parse_sa(w, &c, err, sizeof(err)), 0);
	ov2_ctl_sa_line(&c, line, sizeof(line));
	CHECK(strcmp(line, "4096 dst 10.0.0.1 esp ipv4-tunnel aead_algo aes-128-gcm esn "
		      "replay-window 128\n") == 0);
	CHECK(strstr(line, "a5") == NULL && strstr(line, "key") == NULL);
	w = "in 300 cipher_algo null auth_algo sha1-hmac auth_key "
	    "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13 mode transport";
	CHECK_EQ(ov2_conf_parse_sa(w, &c, err, sizeof(err)), 0);
	ov2_ctl_sa_line(&c, line, sizeof(line));
	CHECK(strcmp(line, "300 dst any esp transport cipher_algo null auth_algo "
		      "sha1-hmac\n") == 0);
}

/* Random bytes, and valid requests with bytes changed: every result is 0
 * or an error with a message, and an error leaves the request zeroed. */
static void
test_fuzz(void)
{
	static const char *const seeds[] = {
		ADD_OK, "sa del 4096 dst 10.0.0.1 ah", "sa update 4096 esn-high 7",
		"sa list", "stats", "reload",
	};
	char buf[600], err[512];
	struct ov2_ctl_req r;
	unsigned int i, j, ok = 0, bad = 0, unclean = 0, nomsg = 0;
	uint32_t x = 12345;

	for (i = 0; i < 200000; i++) {
		size_t n;

		x = x * 1103515245 + 12345;
		if (i & 1) {
			n = (x >> 8) % sizeof(buf);
			for (j = 0; j < n; j++) {
				x = x * 1103515245 + 12345;
				buf[j] = (char)(x >> 16);
			}
		} else {
			const char *s = seeds[(x >> 8) % RTE_DIM(seeds)];

			n = strlen(s);
			memcpy(buf, s, n);
			for (j = 0; j < 1 + (x >> 20) % 3; j++) {
				x = x * 1103515245 + 12345;
				buf[(x >> 8) % n] = (char)(x >> 16);
			}
		}
		err[0] = '\0';
		if (ov2_ctl_parse(buf, n, &r, err, sizeof(err)) == 0) {
			ok++;
			ov2_ctl_req_wipe(&r);
			continue;
		}
		bad++;
		unclean += !zeroed(&r, sizeof(r));
		nomsg += err[0] == '\0';
	}
	printf("fuzz: %u parsed, %u refused\n", ok, bad);
	CHECK(ok > 0 && bad > 0);
	CHECK_EQ(unclean, 0);
	CHECK_EQ(nomsg, 0);
}

int
main(void)
{
	test_table();
	test_fields();
	test_add_same_as_conf();
	test_limits();
	test_replies();
	test_sa_line();
	test_fuzz();
	return test_done("test_ctl");
}
