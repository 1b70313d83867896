/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of the configuration parser (lib/conf.c): a numbered table of
 * rules (text -> SA fields, or an error substring), then over-long lines,
 * binary junk, many SAs, real files and the smaller entry points.
 * No EAL is needed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "testlib.h"

#define K16  "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f"
#define K24  K16 ":10:11:12:13:14:15:16:17"
#define K8   "00:01:02:03:04:05:06:07"
#define K32  K24 ":18:19:1a:1b:1c:1d:1e:1f"
#define SALT ":a0:a1:a2:a3"
#define G128 "aead_algo aes-128-gcm aead_key " K16 SALT
#define G192 "aead_algo aes-192-gcm aead_key " K24 SALT
#define G256 "aead_algo aes-256-gcm aead_key " K32 SALT
#define T4   "mode ipv4-tunnel src 10.0.0.1 dst 10.0.0.2"
#define T6   "mode ipv6-tunnel src 2001:db8::1 dst 2001:db8::2"
#define TR   "mode transport"
#define SA(spi, rest) "sa in " #spi " " G128 " " rest

enum { IN = OV2_SA_IN, OUT = OV2_SA_OUT };
enum { TRA = OV2_MODE_TRANSPORT, TUN4 = OV2_MODE_TUNNEL4, TUN6 = OV2_MODE_TUNNEL6 };
enum { A128 = OV2_AEAD_AES_128_GCM, A192 = OV2_AEAD_AES_192_GCM, A256 = OV2_AEAD_AES_256_GCM };

/*
 * One case, loaded with ov2_conf_load_buf(name "t"). err NULL: must load,
 * with n SAs; the last one has the fields given (key bytes 0,1,2,... and
 * salt a0 a1 a2 a3). Otherwise the error must contain err. len 0: strlen.
 */
struct tcase {
	const char *text;
	const char *err;
	uint32_t n;
	uint32_t spi;
	uint8_t dir, mode, aead, klen;
	const char *src, *dst;
	uint32_t line;
	size_t len;
};

#define OK(t, n, spi, dir, mode, aead, klen, src, dst, line) \
	{ t, NULL, n, spi, dir, mode, aead, klen, src, dst, line, 0 }
#define ERR(t, e) { t, e, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0 }
#define ERRN(t, e) { t, e, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, sizeof(t) - 1 }
#define UNSUP(kw) ERR(SA(1000, TR " " kw " 1"), "t:1: keyword '" kw "' is not supported")

static const struct tcase cases[] = {
	/* 1-8: each algorithm, key length and mode */
	OK("sa in 1000 " G128 " " T4, 1, 1000, IN, TUN4, A128, 16, "10.0.0.1", "10.0.0.2", 1),
	OK("sa in 1001 " G192 " " T6, 1, 1001, IN, TUN6, A192, 24, "2001:db8::1", "2001:db8::2", 1),
	OK("sa in 1002 " G256 " " TR " dst 192.0.2.1", 1, 1002, IN, TRA, A256, 32, "any", "192.0.2.1", 1),
	OK("sa in 1003 " G128 " " TR, 1, 1003, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 1004 " G256 " " TR " src 2001:db8::9 dst 2001:db8::a", 1, 1004, IN, TRA, A256, 32,
	   "2001:db8::9", "2001:db8::a", 1),
	OK("sa in 1005 " G128 " mode ipv4-tunnel dst 10.0.0.2", 1, 1005, IN, TUN4, A128, 16, "any", "10.0.0.2", 1),
	OK("sa in 1006 " G256 " mode ipv6-tunnel dst ::1", 1, 1006, IN, TUN6, A256, 32, "any", "::1", 1),
	OK("sa out 1007 " G192 " " T4, 1, 1007, OUT, TUN4, A192, 24, "10.0.0.1", "10.0.0.2", 1),
	/* 9-14: SPIs: bounds, hex, optional esp, any keyword order */
	OK("sa in 256 " G128 " " TR, 1, 256, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 4294967295 " G128 " " TR, 1, 4294967295u, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 0x100 " G128 " " TR, 1, 256, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 0XfFfFfFfF " G128 " " TR, 1, 4294967295u, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 300 esp " G128 " " TR, 1, 300, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 301 dst 10.0.0.2 mode ipv4-tunnel aead_key " K16 SALT " src 10.0.0.1 aead_algo aes-128-gcm",
	   1, 301, IN, TUN4, A128, 16, "10.0.0.1", "10.0.0.2", 1),
	/* 15-16: key bytes of one digit, upper case */
	OK("sa in 302 aead_algo aes-128-gcm aead_key 0:1:2:3:4:5:6:7:8:9:a:b:c:d:e:F:A0:a1:a2:A3 " TR,
	   1, 302, IN, TRA, A128, 16, "any", "any", 1),
	OK("sa in 303 aead_algo aes-128-gcm aead_key 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F"
	   ":A0:A1:A2:A3 " TR, 1, 303, IN, TRA, A128, 16, "any", "any", 1),
	/* 17-22: continuation lines (ep0.cfg style), comments, blank lines, CRLF, tabs */
	OK("sa in 400 aead_algo aes-128-gcm aead_key 00:01:02:03:04:05:06:07:\\\n"
	   "08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3 mode \\\nipv4-tunnel dst 10.0.0.2\n",
	   1, 400, IN, TUN4, A128, 16, "any", "10.0.0.2", 1),
	OK("# header\n\n   \n\t# indented comment\n" SA(500, TR) " # trailing comment\n# end",
	   1, 500, IN, TRA, A128, 16, "any", "any", 5),
	OK(SA(501, TR) "\r\n" SA(502, T4) "\r\n", 2, 502, IN, TUN4, A128, 16, "10.0.0.1", "10.0.0.2", 2),
	OK("sa\tin\t503\t" G128 "\t\tmode\ttransport\t\v\f", 1, 503, IN, TRA, A128, 16, "any", "any", 1),
	OK(SA(600, TR) " # a comment hides the backslash \\\n" SA(601, TR), 2, 601, IN, TRA, A128, 16,
	   "any", "any", 2),
	OK("\n\nsa in 602 \\\n" G128 " \\\n\\\n" TR "\n" SA(603, TR), 2, 603, IN, TRA, A128, 16, "any", "any", 7),
	/* 23-27: no SA, and keys that are not duplicates */
	OK("", 0, 0, 0, 0, 0, 0, NULL, NULL, 0),
	OK("# only\n\n#comments\n", 0, 0, 0, 0, 0, 0, NULL, NULL, 0),
	OK(SA(700, T4) "\n" SA(700, "mode ipv4-tunnel dst 10.0.0.3"), 2, 700, IN, TUN4, A128, 16, "any", "10.0.0.3", 2),
	OK(SA(701, T4) "\nsa out 701 " G128 " " T4, 2, 701, OUT, TUN4, A128, 16, "10.0.0.1", "10.0.0.2", 2),
	OK(SA(702, TR) "\n" SA(702, TR " dst 10.0.0.2") "\n" SA(702, TR " dst ::ffff:10.0.0.2"),
	   3, 702, IN, TRA, A128, 16, "any", "::ffff:10.0.0.2", 3),
	/* 28-32: wrong key lengths (the key itself is never quoted) */
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key " K16 " " TR,
	    "t:1: aead_key has 16 bytes, aes-128-gcm needs 20 (16 key + 4 salt)"),
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key " K24 SALT " " TR, "aead_key has 28 bytes, aes-128-gcm needs 20"),
	ERR("sa in 1000 aead_algo aes-192-gcm aead_key " K32 SALT " " TR, "aead_key has 36 bytes, aes-192-gcm needs 28"),
	ERR("sa in 1000 aead_algo aes-256-gcm aead_key " K16 SALT " " TR, "aead_key has 20 bytes, aes-256-gcm needs 36"),
	ERR("sa in 1000 aead_algo aes-256-gcm aead_key " K32 ":" K32 SALT " " TR, "aead_key has 68 bytes"),
	/* 33-37: malformed keys */
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key 0g:" K16 " " TR, "aead_key: byte 1 is not 1 or 2 hex digits"),
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key 000:" K16 " " TR, "aead_key: byte 1 is not"),
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key 00::" K16 " " TR, "aead_key: byte 2 is not"),
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key " K16 ":a0:a1:a2: " TR, "aead_key: byte 20 is not"),
	ERR("sa in 1000 aead_algo aes-128-gcm aead_key 0x00:" K16 " " TR, "aead_key: byte 1 is not"),
	/* 38-41: algorithms and modes */
	ERR("sa in 1000 aead_algo aes-128-cbc aead_key " K16 SALT " " TR, "t:1: unknown aead_algo 'aes-128-cbc'"),
	ERR("sa in 1000 aead_algo aes-128-ccm aead_key " K16 SALT " " TR,
	    "aead_algo 'aes-128-ccm' is not supported"),
	ERR(SA(1000, "mode tunnel dst 10.0.0.2"), "unknown mode 'tunnel'"),
	ERR(SA(1000, "mode IPV4-TUNNEL dst 10.0.0.2"), "unknown mode 'IPV4-TUNNEL'"),
	/* 42-44: required keywords */
	ERR("sa in 1000 " G128, "t:1: missing keyword 'mode'"),
	ERR("sa in 1000 aead_key " K16 SALT " " TR, "missing keyword 'aead_algo'"),
	ERR("sa in 1000 aead_algo aes-128-gcm " TR, "missing keyword 'aead_key'"),
	/* 45-57: addresses and families */
	ERR(SA(1000, "mode ipv4-tunnel src 10.0.0.1"), "mode ipv4-tunnel needs dst"),
	ERR(SA(1000, "mode ipv6-tunnel"), "mode ipv6-tunnel needs dst"),
	ERR(SA(1000, "mode ipv4-tunnel dst 2001:db8::1"), "dst 2001:db8::1 is not an IPv4 address (mode ipv4-tunnel)"),
	ERR(SA(1000, "mode ipv4-tunnel src 2001:db8::1 dst 10.0.0.2"), "src 2001:db8::1 is not an IPv4 address"),
	ERR(SA(1000, "mode ipv6-tunnel dst 10.0.0.2"), "dst 10.0.0.2 is not an IPv6 address (mode ipv6-tunnel)"),
	ERR(SA(1000, "mode ipv6-tunnel src 10.0.0.1 dst ::2"), "src 10.0.0.1 is not an IPv6 address"),
	ERR(SA(1000, TR " src 10.0.0.1 dst ::2"), "src and dst of a transport SA must be of the same address family"),
	ERR(SA(1000, TR " dst 10.0.0.256"), "invalid dst address '10.0.0.256'"),
	ERR(SA(1000, TR " src 10.0.0.1/32"), "invalid src address '10.0.0.1/32'"),
	ERR(SA(1000, TR " dst 2001:db8::g"), "invalid dst address '2001:db8::g'"),
	ERR(SA(1000, TR " dst 1111:2222:3333:4444:5555:6666:7777:8888:9999"), "invalid dst address"),
	ERR(SA(1000, TR " dst 10.1"), "invalid dst address '10.1'"),
	ERR(SA(1000, TR " dst host.example"), "invalid dst address 'host.example'"),
	/* 58-70: SPIs, directions */
	ERR(SA(0, TR), "t:1: SPI 0 is reserved (RFC 4303"),
	ERR(SA(1, TR), "SPI 1 is reserved"),
	ERR(SA(255, TR), "SPI 255 is reserved"),
	ERR(SA(0xff, TR), "SPI 255 is reserved"),
	ERR(SA(4294967296, TR), "invalid SPI '4294967296'"),
	ERR(SA(0x100000000, TR), "invalid SPI '0x100000000'"),
	ERR(SA(-1, TR), "invalid SPI '-1'"),
	ERR(SA(12a, TR), "invalid SPI '12a'"),
	ERR(SA(0x, TR), "invalid SPI '0x'"),
	ERR("sa in", "t:1: sa needs an SPI"),
	ERR("sa", "t:1: sa needs a direction"),
	ERR("sa fwd 1000 " G128 " " TR, "unknown sa direction 'fwd'"),
	ERR("sa IN 1000 " G128 " " TR, "unknown sa direction 'IN'"),
	/* 71-79: repeated keywords, missing values, esp/ah */
	ERR(SA(1000, TR " mode transport"), "t:1: keyword 'mode' is given twice"),
	ERR(SA(1000, T4 " dst 10.0.0.3"), "keyword 'dst' is given twice"),
	ERR("sa in 1000 " G128 " aead_algo aes-256-gcm " TR, "keyword 'aead_algo' is given twice"),
	ERR(SA(1000, TR " dst"), "t:1: keyword 'dst' needs a value"),
	ERR("sa in 1000 " TR " aead_algo", "keyword 'aead_algo' needs a value"),
	ERR("sa in 1000 ah " G128 " " TR, "t:1: keyword 'aead_algo' does not apply to an AH SA"),
	ERR(SA(1000, TR " esp"), "'esp' must come right after the SPI"),
	ERR(SA(1000, TR " ah"), "'ah' must come right after the SPI"),
	ERR("sa in 1000 esp esp " G128 " " TR, "'esp' must come right after the SPI"),
	/* 80-93: ipsec-secgw keywords ov2rx does not support; mixed algorithms */
	ERR(SA(1000, TR " cipher_algo aes-128-cbc"), "keyword 'cipher_algo' cannot be combined with aead_algo"),
	ERR(SA(1000, TR " cipher_key 01"), "keyword 'cipher_key' cannot be combined with aead_algo"),
	ERR(SA(1000, TR " auth_algo sha1-hmac"), "keyword 'auth_algo' cannot be combined with aead_algo"),
	ERR(SA(1000, TR " auth_key 01"), "keyword 'auth_key' cannot be combined with aead_algo"),
	UNSUP("type"), UNSUP("port_id"), UNSUP("fallback"), UNSUP("flow-direction"),
	ERR(SA(1000, TR " esn 1x"), "esn: '1x' is not a number"),
	ERR(SA(1000, TR " udp-encap 0"), "udp-encap: '0' is not PORT or SPORT:DPORT"),
	UNSUP("reassembly_en"), UNSUP("telemetry"),
	UNSUP("mss"), UNSUP("sess_type"),
	/* 94-96: unknown keywords */
	ERR(SA(1000, TR " foo 1"), "t:1: unknown keyword 'foo'"),
	ERR(SA(1000, TR " Mode transport"), "unknown keyword 'Mode'"),
	ERR(SA(1000, TR) " \\ # backslash not at the end", "unknown keyword '\\'"),
	/* 97-104: other rules */
	ERR("sp ipv4 in esp protect 105 pri 1 dst 192.168.115.0/24 sport 0:65535 dport 0:65535",
	    "t:1: SPI 105 is reserved"),
	ERR("rt ipv4 dst 172.16.1.5/32 port 0", "t:1: 'rt' rules are not used by ov2rx (delivered packets go to --out)"),
	ERR("neigh port 0 d0:d1:d2:d3:d4:d5", "t:1: 'neigh' rules are not used by ov2rx (delivered packets go to --out)"),
	ERR("flow ipv4 dst 192.168.0.0/16 port 0 queue 0", "t:1: 'flow' rules are not supported yet"),
	ERR("  SA in 1000", "t:1: unknown rule 'SA'"),
	ERR("sa-in 1000", "unknown rule 'sa-in'"),
	ERR("\\\nsa in 1000", "t:1: missing keyword 'mode'"),
	ERR("in 1000 " G128 " " TR, "unknown rule 'in'"),
	/* 105-110: line numbers, duplicates naming the first line */
	ERR("# c\n\n" SA(1000, TR) "\n\nfoo\n", "t:5: unknown rule 'foo'"),
	ERR("# c\n" SA(1000, T4) "\n# c\n" SA(1000, T4),
	    "t:4: duplicate inbound SA: spi 1000 (0x3e8) dst 10.0.0.2 is already defined at line 2"),
	ERR("sa out 1000 " G128 " " T4 "\nsa out 1000 " G256 " mode ipv4-tunnel dst 10.0.0.2",
	    "t:2: duplicate outbound SA: spi 1000 (0x3e8) dst 10.0.0.2 is already defined at line 1"),
	ERR(SA(0x3e8, TR) "\n" SA(1000, TR), "t:2: duplicate inbound SA: spi 1000 (0x3e8) dst any is already defined at line 1"),
	ERR(SA(1000, TR " dst 2001:db8::1") "\n" SA(1000, T4) "\n" SA(1000, "mode ipv6-tunnel dst 2001:DB8:0::1"),
	    "t:3: duplicate inbound SA: spi 1000 (0x3e8) dst 2001:db8::1 is already defined at line 1"),
	ERR("sa in 1000 \\\n" G128 " \\\n" TR " dst 10.0.0.1\n\n"
	    "sa in 1000 \\\n" G128 " \\\n" TR " dst 10.0.0.1\n",
	    "t:5: duplicate inbound SA: spi 1000 (0x3e8) dst 10.0.0.1 is already defined at line 1"),
	/* 111-114: continuation errors carry the line where the rule starts */
	ERR("\n\nsa in 1000 \\\n" G128 " \\\nmode bogus\n", "t:3: unknown mode 'bogus'"),
	ERR(SA(1000, TR) " \\", "t:1: the last line ends with '\\'"),
	ERR(SA(1000, TR) "\nsa in 1001 \\\n" G128 "\\\n", "t:2: the last line ends with '\\'"),
	ERR(SA(1000, TR) "\nsa in 1001 \\\n" G128 "\\\n" TR, "t:2: aead_key: byte 20 is not"),
	/* 115-116: all or nothing: good lines, then a bad one */
	ERR(SA(1000, TR) "\n" SA(1001, T4) "\n" SA(1002, T6) "\n" SA(1003, "mode ipv6-tunnel"),
	    "t:4: mode ipv6-tunnel needs dst"),
	ERR(SA(1000, TR) "\n" SA(1001, T4) "\nrt ipv4 dst 172.16.1.5/32 port 0", "t:3: 'rt' rules"),
	/* 117-122: binary junk and NUL bytes (explicit lengths) */
	ERRN("\x01\x02\xff junk", "t:1: unknown rule '\\x01\\x02\\xff'"),
	ERRN(SA(1000, TR) "\n\0", "t:2: line contains a NUL byte"),
	ERRN(SA(1000, TR) "\0" " dst 10.0.0.1", "t:1: line contains a NUL byte"),
	ERRN("sa in 1000 \\\n\0\n", "t:1: line 2 (continued): line contains a NUL byte"),
	ERRN(SA(1000, TR " dst \x80\x81"), "t:1: invalid dst address '\\x80\\x81'"),
	ERRN(SA(1000, TR " \x7f\x1b[2J"), "t:1: unknown keyword '\\x7f\\x1b[2J'"),
};

static const char *
str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Every byte of a message is printable and it ends in bounds. */
static int
printable(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i < cap;
}

static int
key_ok(const struct ov2_sa_conf *sa)
{
	static const uint8_t salt[4] = { 0xa0, 0xa1, 0xa2, 0xa3 };
	unsigned int i;

	for (i = 0; i < sa->key_len; i++)
		if (sa->key[i] != i)
			return 0;
	for (; i < sizeof(sa->key); i++)
		if (sa->key[i] != 0)
			return 0;
	return memcmp(sa->salt, salt, 4) == 0;
}

static void
check_sa(unsigned int no, const struct tcase *c, const struct ov2_sa_conf *sa)
{
	char sb[64], db[64];

	CHECK_EQ(sa->spi, c->spi);
	CHECK_EQ(sa->dir, c->dir);
	CHECK_EQ(sa->proto, OV2_IPPROTO_ESP);
	CHECK_EQ(sa->mode, c->mode);
	CHECK_EQ(sa->aead, c->aead);
	CHECK_EQ(sa->key_len, c->klen);
	CHECK_EQ(sa->line, c->line);
	CHECK(key_ok(sa));
	ov2_addr_str(&sa->src, sb, sizeof(sb));
	ov2_addr_str(&sa->dst, db, sizeof(db));
	CHECK(strcmp(sb, c->src) == 0);
	CHECK(strcmp(db, c->dst) == 0);
	if (strcmp(sb, c->src) != 0 || strcmp(db, c->dst) != 0)
		fprintf(stderr, "case %u: got src %s dst %s\n", no, sb, db);
}

static void
run_case(unsigned int no, const struct tcase *c)
{
	struct ov2_conf conf;
	char err[512] = "";
	size_t len = c->len != 0 ? c->len : strlen(c->text);
	int rc, before = test_failures;

	rc = ov2_conf_load_buf(c->text, len, "t", &conf, err, sizeof(err));
	if (c->err == NULL) {
		CHECK_EQ(rc, 0);
		CHECK_EQ(conf.n_sa, c->n);
		if (rc == 0 && c->n > 0 && conf.n_sa == c->n)
			check_sa(no, c, &conf.sa[c->n - 1]);
	} else {
		CHECK_EQ(rc, -EINVAL);
		CHECK(strstr(err, c->err) != NULL);
		CHECK(printable(err, sizeof(err)));
		CHECK(strstr(err, "0c:0d") == NULL);	/* keys never quoted */
		CHECK_EQ(conf.n_sa, 0);
		CHECK(conf.sa == NULL);
	}
	if (test_failures != before)
		fprintf(stderr, "case %u failed: rc %d err \"%s\" (want \"%s\")\n",
			no, rc, err, str_or_empty(c->err));
	ov2_conf_free(&conf);
}

static void
test_table(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i + 1, &cases[i]);
	printf("test_conf: %zu table cases\n", sizeof(cases) / sizeof(cases[0]));
}

/* Load buf and expect an error containing want (NULL: expect n SAs). */
static void
expect(const char *buf, size_t len, const char *want, uint32_t n)
{
	struct ov2_conf conf;
	char err[512] = "";
	int rc = ov2_conf_load_buf(buf, len, "t", &conf, err, sizeof(err));

	if (want == NULL) {
		CHECK_EQ(rc, 0);
		CHECK_EQ(conf.n_sa, n);
	} else {
		CHECK_EQ(rc, -EINVAL);
		CHECK(strstr(err, want) != NULL);
		CHECK(conf.n_sa == 0 && conf.sa == NULL);
	}
	if (want != NULL && strstr(err, want) == NULL)
		fprintf(stderr, "got \"%s\", want \"%s\"\n", err, want);
	ov2_conf_free(&conf);
}

static void
test_long_lines(void)
{
	const char *sa = SA(1000, TR);
	char *b = malloc(40000);
	size_t i, n;

	/* a physical line of 4096 bytes is fine, 4097 is not */
	memset(b, ' ', 4096);
	b[0] = '#';
	expect(b, 4096, NULL, 0);
	memcpy(b + 4096, "\n", 1);
	expect(b, 4097, NULL, 0);
	b[4096] = ' ';
	expect(b, 4097, "t:1: line is longer than 4096 bytes", 0);
	/* an SA after 4000 spaces on each of 4 continued lines: 16000 + rule */
	for (i = 0, n = 0; i < 4; i++) {
		memset(b + n, ' ', 3999);
		memcpy(b + n + 3999, "\\\n", 2);
		n += 4001;
	}
	memcpy(b + n, sa, strlen(sa));
	expect(b, n + strlen(sa), NULL, 1);
	/* 5 such lines join to more than 16384 bytes */
	memmove(b + 4001, b, n + strlen(sa));
	memcpy(b, "\n", 1);
	memset(b + 1, ' ', 3998);
	memcpy(b + 3999, "\\\n", 2);
	expect(b, n + 4001 + strlen(sa), "t:2: rule is longer than 16384 bytes", 0);
	/* a too long continuation line names itself and the rule's start */
	memcpy(b, "sa in 1000 \\\n", 13);
	memset(b + 13, 'x', 5000);
	expect(b, 5013, "t:1: line 2 (continued): line is longer than 4096 bytes", 0);
	free(b);
}

/* Random bytes, random words and mutated good rules: no crash, sane errors. */
static void
fuzz_one(const char *buf, size_t len)
{
	struct ov2_conf conf;
	char err[256];
	int rc;

	memset(err, 'Z', sizeof(err));
	err[0] = '\0';
	rc = ov2_conf_load_buf(buf, len, "f", &conf, err, sizeof(err));
	if (rc == 0 && conf.n_sa > 0 && conf.sa == NULL)
		CHECK(0);
	if (rc != 0 && !(conf.n_sa == 0 && conf.sa == NULL && printable(err, sizeof(err)) &&
			 strncmp(err, "f:", 2) == 0)) {
		CHECK(0);
		fprintf(stderr, "fuzz: rc %d err \"%.200s\"\n", rc, err);
	}
	ov2_conf_free(&conf);
}

static void
test_fuzz(void)
{
	static const char *const words[] = {
		"sa", "in", "out", "1000", "0x100", "esp", "ah", "aead_algo", "aes-128-gcm",
		"aes-256-gcm", "aead_key", K16 SALT, K32 SALT, "mode", "transport",
		"ipv4-tunnel", "ipv6-tunnel", "src", "dst", "10.0.0.1", "::1", "#", "\\",
		"\n", "\\\n", "\r\n", " ", "\t", "sp", "rt", ":", "0x", "\xff", "",
	};
	const char *good = SA(1000, T4) "\n" SA(1001, TR " dst ::1") "\n";
	size_t nw = sizeof(words) / sizeof(words[0]), glen = strlen(good);
	char buf[1024];
	unsigned int i, j, before = (unsigned int)test_failures;
	size_t n;

	srand(12345);
	for (i = 0; i < 3000; i++) {
		n = (size_t)rand() % sizeof(buf);
		for (j = 0; j < n; j++)
			buf[j] = (char)(rand() & 0xff);
		fuzz_one(buf, n);
		for (n = 0; n < sizeof(buf) - 80;) {
			const char *w = words[(size_t)rand() % nw];

			memcpy(buf + n, w, strlen(w));
			n += strlen(w);
			buf[n++] = rand() % 4 ? ' ' : '\n';
			if (rand() % 16 == 0)
				break;
		}
		fuzz_one(buf, n);
		memcpy(buf, good, glen);
		for (j = 0; j < 1 + (unsigned int)rand() % 4; j++)
			buf[(size_t)rand() % glen] = (char)(rand() & 0xff);
		fuzz_one(buf, (size_t)rand() % (glen + 1));
	}
	CHECK_EQ(test_failures, before);
}

/* Many SAs: storage and the duplicate table grow; a late duplicate is found. */
static void
test_many(void)
{
	const uint32_t n = 20000;
	size_t cap = (size_t)n * 140 + 200, len = 0;
	struct ov2_conf conf;
	char *b = malloc(cap), err[256] = "";
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len, "sa %s %u " G128 " mode transport dst 10.%u.%u.1\n",
					i % 2 ? "out" : "in", 256 + i / 4, (i / 256) % 256, i % 256);
	rc = ov2_conf_load_buf(b, len, "t", &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(conf.n_sa, n);
	CHECK(rc == 0 && conf.sa[n - 1].line == n && conf.sa[n - 1].dir == OV2_SA_OUT);
	CHECK(rc == 0 && conf.sa[12345].spi == 256 + 12345 / 4 && key_ok(&conf.sa[12345]));
	ov2_conf_free(&conf);
	len += (size_t)snprintf(b + len, cap - len, "sa in 256 " G128 " mode transport dst 10.0.0.1\n");
	rc = ov2_conf_load_buf(b, len, "t", &conf, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "t:20001: duplicate inbound SA: spi 256 (0x100) dst 10.0.0.1 is already "
			  "defined at line 1") != NULL);
	CHECK(conf.n_sa == 0 && conf.sa == NULL);
	free(b);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
}

static void
test_files(void)
{
	char path[] = "/tmp/test_conf.XXXXXX", want[128], err[512] = "";
	struct ov2_conf conf;
	int fd = mkstemp(path), rc;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	write_file(path, "#SA rules\n"
		   "sa in 1105 aead_algo aes-128-gcm \\\n"
		   "aead_key de:ad:be:ef:de:ad:be:ef:de:ad:be:ef:de:ad:be:ef:de:ad:be:ef \\\n"
		   "mode ipv4-tunnel src 172.16.2.5 dst 172.16.1.5\n\n"
		   "sa out 5 aead_algo aes-256-gcm aead_key a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:\\\n"
		   "a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0 "
		   "mode transport\n");
	rc = ov2_conf_load(path, &conf, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);	/* "sa out 5": reserved SPI, at line 6 */
	snprintf(want, sizeof(want), "%s:6: SPI 5 is reserved", path);
	CHECK(strstr(err, want) == err);
	CHECK(conf.n_sa == 0 && conf.sa == NULL);
	write_file(path, "#SA rules\n"
		   "sa in 1105 aead_algo aes-128-gcm \\\n"
		   "aead_key de:ad:be:ef:de:ad:be:ef:de:ad:be:ef:de:ad:be:ef:de:ad:be:ef \\\n"
		   "mode ipv4-tunnel src 172.16.2.5 dst 172.16.1.5\n"
		   "sa out 0x105 aead_algo aes-256-gcm aead_key a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:\\\n"
		   "a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0:a0 "
		   "mode transport\n");
	rc = ov2_conf_load(path, &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(conf.n_sa, 2);
	if (rc == 0 && conf.n_sa == 2) {
		CHECK(conf.sa[0].spi == 1105 && conf.sa[0].line == 2 && conf.sa[0].key[15] == 0xef);
		CHECK(conf.sa[0].salt[0] == 0xde && conf.sa[0].salt[3] == 0xef);
		CHECK(conf.sa[1].spi == 0x105 && conf.sa[1].line == 5 && conf.sa[1].key_len == 32);
		CHECK(conf.sa[1].dir == OV2_SA_OUT && conf.sa[1].key[31] == 0xa0);
	}
	ov2_conf_free(&conf);
	CHECK(conf.n_sa == 0 && conf.sa == NULL && conf.cap_sa == 0);
	ov2_conf_free(&conf);	/* twice is harmless */
	CHECK(unlink(path) == 0);
	rc = ov2_conf_load(path, &conf, err, sizeof(err));
	CHECK_EQ(rc, -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	CHECK(strcmp(err, want) == 0);
	CHECK(conf.n_sa == 0 && conf.sa == NULL);
	rc = ov2_conf_load("/tmp", &conf, err, sizeof(err));
	CHECK_EQ(rc, -EISDIR);
	CHECK(strstr(err, "/tmp: cannot read: Is a directory") != NULL);
}

static void
test_parse_sa(void)
{
	struct ov2_sa_conf sa;
	static const struct ov2_sa_conf zero;
	char err[256] = "", small[8];
	int rc;

	rc = ov2_conf_parse_sa("in 1000 " G128 " " T4, &sa, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK(sa.spi == 1000 && sa.dir == OV2_SA_IN && sa.line == 0 && key_ok(&sa));
	rc = ov2_conf_parse_sa("out 0x3e9 esp " G256 " " TR "\n", &sa, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK(sa.spi == 1001 && sa.dir == OV2_SA_OUT && sa.aead == OV2_AEAD_AES_256_GCM);
	/* no file:line prefix; the output is wiped on error (key parsed) */
	rc = ov2_conf_parse_sa("in 1000 " G128, &sa, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK(strcmp(err, "missing keyword 'mode'") == 0);
	CHECK(memcmp(&sa, &zero, sizeof(sa)) == 0);
	rc = ov2_conf_parse_sa("", &sa, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "direction") != NULL);
	rc = ov2_conf_parse_sa(NULL, &sa, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	/* small and absent error buffers */
	rc = ov2_conf_parse_sa("in 1000 bogus", &sa, small, sizeof(small));
	CHECK(rc == -EINVAL && strlen(small) == sizeof(small) - 1);
	rc = ov2_conf_parse_sa("in 1000 bogus", &sa, NULL, 0);
	CHECK_EQ(rc, -EINVAL);
	rc = ov2_conf_load_buf("foo", 3, "t", &(struct ov2_conf){ 0 }, NULL, 0);
	CHECK_EQ(rc, -EINVAL);
}

static void
test_addr_str(void)
{
	struct ov2_addr a = { 0 };
	char b[64], tiny[4];

	CHECK(strcmp(ov2_addr_str(&a, b, sizeof(b)), "any") == 0);
	a.family = 4;
	memcpy(a.a, "\xc0\x00\x02\x01", 4);
	CHECK(strcmp(ov2_addr_str(&a, b, sizeof(b)), "192.0.2.1") == 0);
	a.family = 6;
	memcpy(a.a, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	CHECK(strcmp(ov2_addr_str(&a, b, sizeof(b)), "2001:db8::1") == 0);
	CHECK(ov2_addr_str(&a, tiny, sizeof(tiny)) == tiny && strlen(tiny) < sizeof(tiny));
	a.family = 5;
	CHECK(strcmp(ov2_addr_str(&a, b, sizeof(b)), "?") == 0);
}

/*
 * Keywords of the SA life cycle (replay window, ESN, lifetimes, pairing)
 * and of every algorithm: one line each, the fields it must set, or the
 * error it must give.
 */
#define HS1 "auth_key " K16 ":10:11:12:13"			/* 20 bytes */
#define HS256 "auth_key " K32					/* 32 bytes */
#define HS384 "auth_key " K32 ":" K16				/* 48 bytes */
#define HS512 "auth_key " K32 ":" K32				/* 64 bytes */
#define HMD5 "auth_key " K16					/* 16 bytes */
#define CBC128 "cipher_algo aes-128-cbc cipher_key " K16

struct fcase {
	const char *text;
	const char *err;
	uint8_t proto, aead, cipher, auth, key_len, auth_key_len;
	uint32_t flags, window;
	uint64_t esn_start, soft_p, hard_p, soft_b, hard_b;
	uint32_t pair;
	uint16_t sport, dport;
};

#define ESP OV2_IPPROTO_ESP
#define AH OV2_IPPROTO_AH
#define FOK(t, ...) { t, NULL, __VA_ARGS__ }
#define FERR(t, e) { t, e, 0 }

static const struct fcase fcases[] = {
	/* 1-8: replay window and ESN */
	FOK(SA(1000, TR " replay-window 0"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_REPLAY_SET, 0),
	FOK(SA(1000, TR " replay-window 4096"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_REPLAY_SET, 4096),
	FOK(SA(1000, TR " replay-window 65536"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_REPLAY_SET, 65536),
	FERR(SA(1000, TR " replay-window 65537"), "replay-window: '65537' is not a number in 0..65536"),
	FOK(SA(1000, "esn " TR), ESP, A128, 0, 0, 16, 0, OV2_SA_F_ESN, 0, 0),
	FOK(SA(1000, TR " esn 0x100000005"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_ESN, 0, 0x100000005ull),
	FOK(SA(1000, TR " esn 18446744073709551615"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_ESN, 0,
	    UINT64_MAX),
	FERR(SA(1000, TR " esn 18446744073709551616"), "esn: '18446744073709551616' is not a number"),
	/* 9-14: lifetimes and pairing */
	FOK(SA(1000, TR " soft-packet-limit 10 hard-packet-limit 20 soft-byte-limit 1000 "
	       "hard-byte-limit 2000"), ESP, A128, 0, 0, 16, 0, 0, 0, 0, 10, 20, 1000, 2000),
	FERR(SA(1000, TR " soft-packet-limit 20 hard-packet-limit 20"),
	     "soft-packet-limit 20 must be below hard-packet-limit 20"),
	FERR(SA(1000, TR " soft-byte-limit 5 hard-byte-limit 4"), "soft-byte-limit 5 must be below"),
	FERR(SA(1000, TR " hard-packet-limit 0"), "hard-packet-limit: '0' is not a number in 1.."),
	FOK(SA(1000, TR " pair 2000") "\nsa out 2000 " G128 " " TR, ESP, A128, 0, 0, 16, 0, 0, 0,
	    0, 0, 0, 0, 0, 2000),
	FERR(SA(1000, TR " pair 2001") "\nsa out 2000 " G128 " " TR, "t:1: pair 2001: no 'sa out 2001' line"),
	/* 15-17 */
	FERR(SA(1000, TR " pair 2000") "\n" SA(1001, TR " pair 2000") "\nsa out 2000 " G128 " " TR,
	     "t:2: pair 2000: outbound SA 2000 is already paired"),
	FERR("sa out 2000 " G128 " " TR " pair 1000", "'pair' goes on the inbound SA"),
	FERR(SA(1000, TR " pair 255"), "pair: '255' is not a number in 256..4294967295"),
	/* 18-26: CBC, NULL, GMAC, ChaCha20 */
	FOK("sa in 1000 " CBC128 " auth_algo sha1-hmac " HS1 " " TR, ESP, 0, OV2_CIPHER_AES_128_CBC,
	    OV2_AUTH_SHA1_96, 16, 20, 0, 0),
	FOK("sa in 1000 cipher_algo aes-256-cbc cipher_key " K32 " auth_algo sha256-hmac " HS256 " " TR,
	    ESP, 0, OV2_CIPHER_AES_256_CBC, OV2_AUTH_SHA256_128, 32, 32, 0, 0),
	FOK("sa in 1000 cipher_algo aes-192-cbc cipher_key " K24 " auth_algo sha384-hmac " HS384 " " TR,
	    ESP, 0, OV2_CIPHER_AES_192_CBC, OV2_AUTH_SHA384_192, 24, 48, 0, 0),
	FOK("sa in 1000 cipher_algo null auth_algo sha512-hmac " HS512 " " TR, ESP, 0, OV2_CIPHER_NULL,
	    OV2_AUTH_SHA512_256, 0, 64, 0, 0),
	FOK("sa in 1000 cipher_algo null auth_algo aes-gmac auth_key " K16 SALT " " TR, ESP, 0,
	    OV2_CIPHER_NULL, OV2_AUTH_AES_128_GMAC, 0, 16, 0, 0),
	FOK("sa in 1000 cipher_algo null auth_algo aes-gmac auth_key " K32 SALT " " TR, ESP, 0,
	    OV2_CIPHER_NULL, OV2_AUTH_AES_256_GMAC, 0, 32, 0, 0),
	FOK("sa in 1000 aead_algo chacha20-poly1305 aead_key " K32 SALT " " TR, ESP,
	    OV2_AEAD_CHACHA20_POLY1305, 0, 0, 32, 0, 0, 0),
	FERR("sa in 1000 cipher_algo null auth_algo aes-gmac auth_key " K16 " " TR,
	     "auth_key has 16 bytes, aes-gmac needs 20, 28 or 36"),
	FERR("sa in 1000 " CBC128 " auth_algo aes-gmac auth_key " K16 SALT " " TR,
	     "auth_algo aes-gmac goes with cipher_algo null"),
	/* 27-34: what OV2 and RFC 8221 refuse */
	FERR("sa in 1000 " CBC128 " " TR, "cipher_algo aes-128-cbc without auth_algo: OV2 requires authentication"),
	FERR("sa in 1000 " CBC128 " auth_algo null " TR, "auth_algo null: OV2 requires authentication"),
	FERR("sa in 1000 cipher_algo des-cbc cipher_key " K8 " auth_algo sha1-hmac " HS1 " " TR,
	     "des-cbc is deprecated (RFC 8221"),
	FERR("sa in 1000 " CBC128 " auth_algo md5-hmac " HMD5 " " TR, "md5-hmac is deprecated"),
	FOK("sa in 1000 cipher_algo 3des-cbc cipher_key " K24 " auth_algo md5-hmac " HMD5
	    " allow-deprecated " TR, ESP, 0, OV2_CIPHER_3DES_CBC, OV2_AUTH_MD5_96, 24, 16,
	    OV2_SA_F_DEPRECATED_OK, 0),
	FERR("sa in 1000 " CBC128 " auth_algo sha1-hmac " HS256 " " TR, "auth_key has 32 bytes, sha1-hmac needs 20"),
	FERR("sa in 1000 cipher_algo aes-128-cbc cipher_key " K24 " auth_algo sha1-hmac " HS1 " " TR,
	     "cipher_key has 24 bytes, aes-128-cbc needs 16"),
	FERR("sa in 1000 cipher_algo null cipher_key " K16 " auth_algo sha1-hmac " HS1 " " TR,
	     "keyword 'cipher_key' does not apply to cipher_algo null"),
	/* 35-41: AH, UDP-ESP */
	FOK("sa in 1000 ah auth_algo sha256-hmac " HS256 " " TR, AH, 0, 0, OV2_AUTH_SHA256_128, 0, 32, 0, 0),
	FOK("sa in 1000 ah auth_algo aes-gmac auth_key " K24 SALT " " T4, AH, 0, 0,
	    OV2_AUTH_AES_192_GMAC, 0, 24, 0, 0),
	FERR("sa in 1000 ah " CBC128 " auth_algo sha1-hmac " HS1 " " TR,
	     "keyword 'cipher_algo' does not apply to an AH SA"),
	FERR("sa in 1000 ah " TR, "missing keyword 'auth_algo' (an AH SA needs"),
	FOK(SA(1000, T4 " udp-encap"), ESP, A128, 0, 0, 16, 0, OV2_SA_F_UDP_ENCAP, 0, 0, 0, 0, 0, 0,
	    0, 4500, 4500),
	FOK(SA(1000, "udp-encap 4501:4502 " T4), ESP, A128, 0, 0, 16, 0, OV2_SA_F_UDP_ENCAP, 0, 0, 0, 0,
	    0, 0, 0, 4501, 4502),
	FERR(SA(1000, T4 " udp-encap 4500:65536"), "udp-encap: '4500:65536' is not PORT or SPORT:DPORT"),
};

static void
test_fields(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		const struct fcase *c = &fcases[i];
		const struct ov2_sa_conf *sa;
		struct ov2_conf conf;
		char err[512] = "";
		int rc, ok;

		rc = ov2_conf_load_buf(c->text, strlen(c->text), "t", &conf, err, sizeof(err));
		if (c->err != NULL) {
			ok = rc != 0 && strstr(err, c->err) != NULL && conf.n_sa == 0;
			if (!ok)
				printf("field case %u failed: rc %d err \"%s\" (want \"%s\")\n",
				       i + 1, rc, err, c->err);
			CHECK(ok);
			continue;
		}
		CHECK_EQ(rc, 0);
		if (rc != 0) {
			printf("field case %u failed: %s\n", i + 1, err);
			continue;
		}
		sa = &conf.sa[0];
		ok = sa->proto == c->proto && sa->aead == c->aead && sa->cipher == c->cipher &&
		     sa->auth == c->auth && sa->key_len == c->key_len &&
		     sa->auth_key_len == c->auth_key_len && sa->flags == c->flags &&
		     sa->replay_window == c->window && sa->esn_start == c->esn_start &&
		     sa->soft_packets == c->soft_p && sa->hard_packets == c->hard_p &&
		     sa->soft_bytes == c->soft_b && sa->hard_bytes == c->hard_b &&
		     sa->pair_spi == c->pair && sa->udp_sport == c->sport &&
		     sa->udp_dport == c->dport;
		if (!ok)
			printf("field case %u failed: fields differ (flags %#x auth %u klen %u aklen %u)\n",
			       i + 1, sa->flags, sa->auth, sa->key_len, sa->auth_key_len);
		CHECK(ok);
		ov2_conf_free(&conf);
	}
	printf("test_conf: %zu field cases\n", sizeof(fcases) / sizeof(fcases[0]));
}

int
main(void)
{
	test_table();
	test_fields();
	test_long_lines();
	test_fuzz();
	test_many();
	test_files();
	test_parse_sa();
	test_addr_str();
	return test_done("test_conf");
}
