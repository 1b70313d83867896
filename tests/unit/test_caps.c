/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of the OV2 capabilities (lib/caps.c): what an SA requires
 * (ov2_caps_required on SAs parsed by ov2_conf_load_buf: each algorithm's
 * OV2 bit, mode, IPv6, ESN, udp-encap with its ports), the software and
 * port-default sets, ov2_caps_cover, ov2_caps_edit (adding, removing,
 * unknown words: error message and the capabilities unchanged) and
 * ov2_caps_format. No EAL is needed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "conf.h"
#include "testlib.h"

#define K16  "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f"
#define K20  K16 ":10:11:12:13"
#define K24  K16 ":10:11:12:13:14:15:16:17"
#define K28  K24 ":18:19:1a:1b"
#define K32  K24 ":18:19:1a:1b:1c:1d:1e:1f"
#define K36  K32 ":20:21:22:23"
#define K48  K32 ":" K16
#define K64  K32 ":" K32
#define K8   "00:01:02:03:04:05:06:07"
#define SALT ":a0:a1:a2:a3"
#define T4   "mode ipv4-tunnel src 10.0.0.1 dst 10.0.0.2"
#define T6   "mode ipv6-tunnel src 2001:db8::1 dst 2001:db8::2"
#define TR4  "mode transport dst 10.0.0.9"
#define TR6  "mode transport src 2001:db8::8 dst 2001:db8::9"
#define TRANY "mode transport"
#define GCM128 "aead_algo aes-128-gcm aead_key " K16 SALT
#define GCM192 "aead_algo aes-192-gcm aead_key " K24 SALT
#define GCM256 "aead_algo aes-256-gcm aead_key " K32 SALT
#define CHACHA "aead_algo chacha20-poly1305 aead_key " K32 SALT

#define F_ESP   OV2_CAPF_ESP
#define F_TUN   OV2_CAPF_TUNNEL
#define F_TRA   OV2_CAPF_TRANSPORT
#define F_V6    OV2_CAPF_IPV6
#define F_ESN   OV2_CAPF_ESN

/* One SA line and what it requires; sport/dport: the UDP-ESP ports. */
struct req_case {
	const char *line;
	uint32_t flags, udp_esp, auth, enc;
	uint16_t sport, dport;
};

static const struct req_case req_cases[] = {
	/* every AEAD and key size */
	{ "sa in 1000 " GCM128 " " T4, F_ESP | F_TUN, 0, 0, OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1001 " GCM192 " " T4, F_ESP | F_TUN, 0, 0, OV2_CAP_ENC_GCM192, 0, 0 },
	{ "sa in 1002 " GCM256 " " T4, F_ESP | F_TUN, 0, 0, OV2_CAP_ENC_GCM256, 0, 0 },
	{ "sa in 1003 " CHACHA " " T4, F_ESP | F_TUN, 0, 0, OV2_CAP_ENC_CHACHA20, 0, 0 },
	/* every cipher and every HMAC */
	{ "sa in 1010 cipher_algo aes-128-cbc cipher_key " K16 " auth_algo sha1-hmac "
	  "auth_key " K20 " " T4, F_ESP | F_TUN, 0, OV2_CAP_AUTH_SHA1, OV2_CAP_ENC_CBC128, 0, 0 },
	{ "sa in 1011 cipher_algo aes-192-cbc cipher_key " K24 " auth_algo sha256-hmac "
	  "auth_key " K32 " " T4, F_ESP | F_TUN, 0, OV2_CAP_AUTH_SHA256, OV2_CAP_ENC_CBC192,
	  0, 0 },
	{ "sa in 1012 cipher_algo aes-256-cbc cipher_key " K32 " auth_algo sha384-hmac "
	  "auth_key " K48 " " T4, F_ESP | F_TUN, 0, OV2_CAP_AUTH_SHA384, OV2_CAP_ENC_CBC256,
	  0, 0 },
	{ "sa in 1013 cipher_algo null auth_algo sha512-hmac auth_key " K64 " " T4,
	  F_ESP | F_TUN, 0, OV2_CAP_AUTH_SHA512, OV2_CAP_ENC_NONE, 0, 0 },
	{ "sa in 1014 cipher_algo des-cbc cipher_key " K8 " auth_algo md5-hmac auth_key "
	  K16 " " T4 " allow-deprecated", F_ESP | F_TUN, 0, OV2_CAP_AUTH_MD5,
	  OV2_CAP_ENC_DES, 0, 0 },
	{ "sa in 1015 cipher_algo 3des-cbc cipher_key " K24 " auth_algo sha1-hmac auth_key "
	  K20 " " T4 " allow-deprecated", F_ESP | F_TUN, 0, OV2_CAP_AUTH_SHA1,
	  OV2_CAP_ENC_3DES, 0, 0 },
	/* AES-GMAC (RFC 4543): cipher null, the GMAC size from the key */
	{ "sa in 1020 cipher_algo null auth_algo aes-gmac auth_key " K20 " " T4,
	  F_ESP | F_TUN, 0, OV2_CAP_AUTH_GMAC128, OV2_CAP_ENC_NONE, 0, 0 },
	{ "sa in 1021 cipher_algo null auth_algo aes-gmac auth_key " K28 " " T4,
	  F_ESP | F_TUN, 0, OV2_CAP_AUTH_GMAC192, OV2_CAP_ENC_NONE, 0, 0 },
	{ "sa in 1022 cipher_algo null auth_algo aes-gmac auth_key " K36 " " T4,
	  F_ESP | F_TUN, 0, OV2_CAP_AUTH_GMAC256, OV2_CAP_ENC_NONE, 0, 0 },
	/* modes and IPv6 */
	{ "sa in 1030 " GCM128 " " T6, F_ESP | F_TUN | F_V6, 0, 0, OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1031 " GCM128 " " TR4, F_ESP | F_TRA, 0, 0, OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1032 " GCM128 " " TR6, F_ESP | F_TRA | F_V6, 0, 0, OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1033 " GCM128 " " TRANY, F_ESP | F_TRA, 0, 0, OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1034 " GCM128 " mode ipv6-tunnel dst 2001:db8::2", F_ESP | F_TUN | F_V6, 0,
	  0, OV2_CAP_ENC_GCM128, 0, 0 },
	/* ESN */
	{ "sa in 1040 " GCM128 " " T4 " esn", F_ESP | F_TUN | F_ESN, 0, 0,
	  OV2_CAP_ENC_GCM128, 0, 0 },
	{ "sa in 1041 cipher_algo aes-128-cbc cipher_key " K16 " auth_algo sha256-hmac "
	  "auth_key " K32 " " TR6 " esn 0xfffffff0", F_ESP | F_TRA | F_V6 | F_ESN, 0,
	  OV2_CAP_AUTH_SHA256, OV2_CAP_ENC_CBC128, 0, 0 },
	/* UDP-ESP: the mode's bit; the ports (default 4500:4500) */
	{ "sa in 1050 " GCM128 " " T4 " udp-encap", F_ESP | F_TUN, OV2_UDPESP_TUNNEL, 0,
	  OV2_CAP_ENC_GCM128, 4500, 4500 },
	{ "sa in 1051 " GCM128 " " TR4 " udp-encap", F_ESP | F_TRA, OV2_UDPESP_TRANSPORT, 0,
	  OV2_CAP_ENC_GCM128, 4500, 4500 },
	{ "sa in 1052 " GCM128 " " T4 " udp-encap 4501", F_ESP | F_TUN, OV2_UDPESP_TUNNEL, 0,
	  OV2_CAP_ENC_GCM128, 4501, 4501 },
	{ "sa in 1053 " GCM128 " " TR4 " udp-encap 4501:4600", F_ESP | F_TRA,
	  OV2_UDPESP_TRANSPORT, 0, OV2_CAP_ENC_GCM128, 4501, 4600 },
	{ "sa in 1054 " GCM128 " " T6 " udp-encap 1:65535", F_ESP | F_TUN | F_V6,
	  OV2_UDPESP_TUNNEL, 0, OV2_CAP_ENC_GCM128, 1, 65535 },
	/* udp-encap followed by a keyword: no port value taken from it */
	{ "sa in 1055 " GCM128 " " T4 " udp-encap esn", F_ESP | F_TUN | F_ESN,
	  OV2_UDPESP_TUNNEL, 0, OV2_CAP_ENC_GCM128, 4500, 4500 },
	{ "sa in 1056 cipher_algo aes-256-cbc cipher_key " K32 " auth_algo sha256-hmac "
	  "auth_key " K32 " udp-encap 4600 esn " TR6, F_ESP | F_TRA | F_V6 | F_ESN,
	  OV2_UDPESP_TRANSPORT, OV2_CAP_AUTH_SHA256, OV2_CAP_ENC_CBC256, 4600, 4600 },
};

/* udp-encap values the parser must refuse, with what the message says. */
static const struct {
	const char *line;
	const char *err;
} bad_udp[] = {
	{ "sa in 1100 " GCM128 " " T4 " udp-encap 0", "udp-encap: '0' is not PORT" },
	{ "sa in 1101 " GCM128 " " T4 " udp-encap 65536", "udp-encap: '65536' is not PORT" },
	{ "sa in 1102 " GCM128 " " T4 " udp-encap 4500:0", "is not PORT or SPORT:DPORT" },
	{ "sa in 1103 " GCM128 " " T4 " udp-encap 4500:", "is not PORT or SPORT:DPORT" },
	{ "sa in 1104 " GCM128 " " T4 " udp-encap 4500:70000", "is not PORT or SPORT:DPORT" },
	{ "sa in 1105 " GCM128 " " T4 " udp-encap 45x0", "is not PORT or SPORT:DPORT" },
	{ "sa in 1106 " GCM128 " " T4 " udp-encap 1:2:3", "is not PORT or SPORT:DPORT" },
	{ "sa in 1107 " GCM128 " " T4 " udp-encap udp-encap", "given twice" },
	{ "sa in 1108 ah auth_algo sha256-hmac auth_key " K32 " " T4 " udp-encap",
	  "'udp-encap' does not apply to an AH SA" },
};

static int
load_one(const char *line, struct ov2_conf *conf, char *err, size_t errlen)
{
	return ov2_conf_load_buf(line, strlen(line), "t", conf, err, errlen);
}

static void
caps_eq(const struct ov2_caps *a, const struct ov2_caps *b, const char *what)
{
	int same = a->flags == b->flags && a->udp_esp == b->udp_esp && a->auth == b->auth &&
		   a->enc == b->enc && a->sa_capacity == b->sa_capacity;

	CHECK(same);
	if (!same)
		fprintf(stderr, "  %s: flags 0x%x/0x%x udp_esp 0x%x/0x%x auth 0x%x/0x%x "
			"enc 0x%x/0x%x cap %u/%u\n", what, a->flags, b->flags, a->udp_esp,
			b->udp_esp, a->auth, b->auth, a->enc, b->enc, a->sa_capacity,
			b->sa_capacity);
}

/* c is within what the software engine can do. */
static int
within_software(const struct ov2_caps *c)
{
	struct ov2_caps sw;

	ov2_caps_software(&sw, c->sa_capacity);
	return ov2_caps_cover(&sw, c);
}

static void
test_required(void)
{
	struct ov2_caps sw, port, req;
	struct ov2_conf conf;
	char err[512];
	size_t i;

	ov2_caps_software(&sw, 0);
	ov2_caps_port_default(&port, 0);
	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *t = &req_cases[i];
		struct ov2_caps want = { t->flags, t->udp_esp, t->auth, t->enc, 0 };
		int rc;

		memset(&conf, 0, sizeof(conf));
		rc = load_one(t->line, &conf, err, sizeof(err));
		CHECK_EQ(rc, 0);
		if (rc != 0 || conf.n_sa != 1) {
			fprintf(stderr, "  case %zu: %s\n", i, rc != 0 ? err : "not one SA");
			ov2_conf_free(&conf);
			continue;
		}
		memset(&req, 0xa5, sizeof(req));	/* every field must be written */
		ov2_caps_required(&conf.sa[0], &req);
		caps_eq(&req, &want, t->line);
		CHECK_EQ(!!(conf.sa[0].flags & OV2_SA_F_UDP_ENCAP), t->udp_esp != 0);
		if (t->udp_esp != 0) {
			CHECK_EQ(conf.sa[0].udp_sport, t->sport);
			CHECK_EQ(conf.sa[0].udp_dport, t->dport);
		}
		/* the software engine and a default port can do all of these */
		CHECK(ov2_caps_cover(&sw, &req));
		CHECK(ov2_caps_cover(&port, &req));
		ov2_conf_free(&conf);
	}

	/* AH: the AH flag, no encryption bit; not covered (no AH engine) */
	memset(&conf, 0, sizeof(conf));
	CHECK_EQ(load_one("sa in 1200 ah auth_algo sha256-hmac auth_key " K32 " " TR4,
			  &conf, err, sizeof(err)), 0);
	if (conf.n_sa == 1) {
		struct ov2_caps want = { OV2_CAPF_AH | F_TRA, 0, OV2_CAP_AUTH_SHA256, 0, 0 };

		ov2_caps_required(&conf.sa[0], &req);
		caps_eq(&req, &want, "AH transport");
		CHECK(ov2_caps_cover(&sw, &req));
		sw.flags &= ~OV2_CAPF_AH;
		CHECK(!ov2_caps_cover(&sw, &req));
		sw.flags |= OV2_CAPF_AH;
	}
	ov2_conf_free(&conf);

	for (i = 0; i < sizeof(bad_udp) / sizeof(bad_udp[0]); i++) {
		int rc;

		memset(&conf, 0, sizeof(conf));
		err[0] = '\0';
		rc = load_one(bad_udp[i].line, &conf, err, sizeof(err));
		CHECK(rc != 0);
		CHECK(strncmp(err, "t:1: ", 5) == 0 && strstr(err, bad_udp[i].err) != NULL);
		if (rc == 0 || strstr(err, bad_udp[i].err) == NULL)
			fprintf(stderr, "  '%s': rc %d, '%s', expected '%s'\n", bad_udp[i].line,
				rc, err, bad_udp[i].err);
		CHECK_EQ(conf.n_sa, 0);
		ov2_conf_free(&conf);
	}
}

static void
test_sets(void)
{
	struct ov2_caps sw, port;

	ov2_caps_software(&sw, 77);
	CHECK_EQ(sw.flags, F_V6 | OV2_CAPF_IPV4_OPTIONS | OV2_CAPF_IPV6_EXT | OV2_CAPF_AH |
		 F_ESP | OV2_CAPF_AH_ESP | F_TRA | F_TUN | OV2_CAPF_TRANSPORT_TUNNEL | F_ESN);
	CHECK_EQ(sw.udp_esp, 0xfu);
	CHECK_EQ(sw.auth, 0x3fu | OV2_CAP_AUTH_SHA384 | OV2_CAP_AUTH_SHA512);
	CHECK_EQ(sw.enc, 0x1ffu | OV2_CAP_ENC_CHACHA20);
	CHECK_EQ(sw.sa_capacity, 77);
	/* LSO is a send-side feature */
	CHECK_EQ(sw.flags & OV2_CAPF_LSO, 0);

	ov2_caps_port_default(&port, 1024);
	CHECK_EQ(port.flags, sw.flags & ~(OV2_CAPF_IPV4_OPTIONS | OV2_CAPF_IPV6_EXT));
	CHECK_EQ(port.udp_esp, sw.udp_esp);
	CHECK_EQ(port.auth, sw.auth);
	CHECK_EQ(port.enc, sw.enc);
	CHECK_EQ(port.sa_capacity, 1024);
	CHECK(ov2_caps_cover(&sw, &port));
	CHECK(!ov2_caps_cover(&port, &sw));
}

static void
test_cover(void)
{
	struct ov2_caps have, need, zero = { 0, 0, 0, 0, 0 };

	ov2_caps_port_default(&have, 0);
	CHECK(ov2_caps_cover(&have, &have));
	CHECK(ov2_caps_cover(&have, &zero));
	CHECK(ov2_caps_cover(&zero, &zero));
	CHECK(!ov2_caps_cover(&zero, &have));

	/* one missing bit in any of the four fields is enough */
	need = zero;
	need.flags = OV2_CAPF_IPV4_OPTIONS;
	CHECK(!ov2_caps_cover(&have, &need));
	need = zero;
	need.udp_esp = OV2_UDPESP_OVER_TUNNEL;
	have.udp_esp &= ~OV2_UDPESP_OVER_TUNNEL;
	CHECK(!ov2_caps_cover(&have, &need));
	ov2_caps_port_default(&have, 0);
	need = zero;
	need.auth = 0x40u;
	CHECK(!ov2_caps_cover(&have, &need));
	need = zero;
	need.enc = 0x200u;
	CHECK(!ov2_caps_cover(&have, &need));

	need = zero;
	need.flags = F_ESP | F_TUN;
	need.udp_esp = OV2_UDPESP_TUNNEL;
	need.auth = OV2_CAP_AUTH_SHA256;
	need.enc = OV2_CAP_ENC_CBC128;
	CHECK(ov2_caps_cover(&have, &need));
	have.enc &= ~OV2_CAP_ENC_CBC128;
	CHECK(!ov2_caps_cover(&have, &need));
	have.enc |= OV2_CAP_ENC_CBC128;
	have.udp_esp = OV2_UDPESP_TRANSPORT;
	CHECK(!ov2_caps_cover(&have, &need));
	have.udp_esp = OV2_UDPESP_TUNNEL;
	/* the SA capacity is not a capability bit */
	have.sa_capacity = 0;
	need.sa_capacity = 5;
	CHECK(ov2_caps_cover(&have, &need));
}

/* Edit the port default with list; must succeed, then equal want. */
static void
edit_ok(const char *list, const struct ov2_caps *want)
{
	struct ov2_caps c;
	char err[512] = "";
	int rc;

	ov2_caps_port_default(&c, 64);
	rc = ov2_caps_edit(&c, list, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc != 0)
		fprintf(stderr, "  edit '%s': %s\n", list, err);
	caps_eq(&c, want, list);
}

/* Edit must fail naming bad; c unchanged. */
static void
edit_bad(const char *list, const char *msg)
{
	struct ov2_caps c, before;
	char err[512] = "";
	int rc;

	ov2_caps_port_default(&c, 64);
	c.flags |= OV2_CAPF_IPV4_OPTIONS;	/* something not default */
	before = c;
	rc = ov2_caps_edit(&c, list, err, sizeof(err));
	CHECK_EQ(rc, -1);
	CHECK(strstr(err, msg) != NULL);
	if (strstr(err, msg) == NULL)
		fprintf(stderr, "  edit '%s': '%s', expected '%s'\n", list, err, msg);
	caps_eq(&c, &before, list);
}

static void
test_edit(void)
{
	struct ov2_caps def, w, c;
	char names[512], err[512], *tok, *save;

	ov2_caps_port_default(&def, 64);

	w = def;
	w.enc &= ~(OV2_CAP_ENC_CBC128 | OV2_CAP_ENC_CBC192 | OV2_CAP_ENC_CBC256);
	CHECK_EQ(def.enc & ~w.enc, 0x1c0u);
	edit_ok("-cbc", &w);
	edit_ok("cbc", &w);			/* no sign: remove */
	edit_ok("-cbc,-cbc", &w);		/* idempotent */

	w = def;
	w.flags |= OV2_CAPF_IPV4_OPTIONS;
	edit_ok("+ipv4-options", &w);
	w.flags &= ~F_ESN;
	edit_ok("+ipv4-options,-esn", &w);
	w = def;
	w.flags |= OV2_CAPF_IPV6_EXT;
	edit_ok("+ipv6-ext", &w);
	edit_ok("-ipv4-options,+ipv6-ext", &w);	/* removing what is not there */
	edit_ok("+ipv4-options,-ipv4-options,+ipv6-ext", &w);	/* in order */

	w = def;
	w.udp_esp = 0;
	edit_ok("-udp-esp", &w);
	w = def;
	w.flags &= ~F_V6;
	edit_ok("-ipv6", &w);
	w = def;
	w.flags &= ~(F_TRA | F_TUN);
	edit_ok("-transport,tunnel", &w);
	w = def;
	w.auth &= ~(OV2_CAP_AUTH_GMAC128 | OV2_CAP_AUTH_GMAC192 | OV2_CAP_AUTH_GMAC256 |
		    OV2_CAP_AUTH_SHA1);
	edit_ok("-gmac,-sha1", &w);
	w = def;
	w.enc &= ~(OV2_CAP_ENC_GCM128 | OV2_CAP_ENC_GCM192 | OV2_CAP_ENC_GCM256 |
		   OV2_CAP_ENC_CHACHA20 | OV2_CAP_ENC_NONE);
	edit_ok("-gcm,-chacha20,-null", &w);
	w = def;
	w.enc &= ~(OV2_CAP_ENC_DES | OV2_CAP_ENC_3DES);
	w.auth &= ~(OV2_CAP_AUTH_MD5 | OV2_CAP_AUTH_SHA256 | OV2_CAP_AUTH_SHA384 |
		    OV2_CAP_AUTH_SHA512);
	edit_ok("-des,-3des,-md5,-sha256,-sha384,-sha512", &w);
	/* removing and adding back */
	edit_ok("-udp-esp,+udp-esp,-gcm,+gcm", &def);
	edit_ok("-esp,+esp,-ipv6,+ipv6", &def);

	/* unknown and empty words: -1, the word named, c unchanged */
	edit_bad("-foo", "unknown capability 'foo'");
	edit_bad("+foo", "unknown capability 'foo'");
	edit_bad("foo", "unknown capability 'foo'");
	edit_bad("-cbc,bogus,-esn", "unknown capability 'bogus'");	/* not half applied */
	edit_bad("-cbc,+esn,ipv4_options", "unknown capability 'ipv4_options'");
	edit_bad("CBC", "unknown capability 'CBC'");
	edit_bad("-", "unknown capability ''");
	edit_bad("-cbc,,-esn", "unknown capability ''");
	edit_bad("", "no capability given");
	edit_bad("-foo", "known: ipv6, ipv4-options");	/* lists the words */
	edit_bad("-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "unknown capability 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");

	/* a short error buffer is never overrun */
	{
		char small[12];

		memset(small, 'x', sizeof(small));
		c = def;
		CHECK_EQ(ov2_caps_edit(&c, "-nope", small, 8), -1);
		CHECK(memchr(small, '\0', 8) != NULL);
		CHECK(small[8] == 'x' && small[11] == 'x');
	}

	/* every word ov2_caps_names() lists is known, both ways */
	snprintf(names, sizeof(names), "%s", ov2_caps_names());
	for (tok = strtok_r(names, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		char list[64];

		c = def;
		snprintf(list, sizeof(list), "-%s", tok);
		CHECK_EQ(ov2_caps_edit(&c, list, err, sizeof(err)), 0);
		c = def;
		snprintf(list, sizeof(list), "+%s", tok);
		CHECK_EQ(ov2_caps_edit(&c, list, err, sizeof(err)), 0);
	}

	/*
	 * caps.h: "+word" adds "only what the software engine can do". So
	 * whatever an edit of the port default accepts stays within the
	 * software set (the ports are the software engine): +ah, +ah-esp,
	 * +transport-tunnel and the UDP-ESP nesting bits must not be
	 * advertised (refusing the word would do as well).
	 */
	{
		static const char *const adds[] = { "+ah", "+ah-esp", "+transport-tunnel",
						    "+udp-esp", "+ipv4-options,+ipv6-ext" };
		size_t i;

		for (i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
			int rc;

			c = def;
			rc = ov2_caps_edit(&c, adds[i], err, sizeof(err));
			CHECK(rc != 0 || within_software(&c));
			if (rc == 0 && !within_software(&c))
				fprintf(stderr, "  edit '%s' claims more than the software engine "
					"does: flags 0x%x udp_esp 0x%x\n", adds[i], c.flags,
					c.udp_esp);
		}
	}
}

static void
test_format(void)
{
	static const char *const fields[] = {
		"IPv6Supported", "IPv4Options", "IPv6NonIPsecExtensionHeaders", "Ah", "Esp",
		"AhEspCombined", "Transport", "Tunnel", "TransportTunnelCombined",
		"LsoSupported", "ExtendedSequenceNumbers", "UdpEsp", "AuthenticationAlgorithms",
		"EncryptionAlgorithms", "SaOffloadCapacity",
	};
	struct ov2_caps c;
	char buf[1024], small[32];
	size_t i;

	ov2_caps_port_default(&c, 1024);
	memset(buf, 0, sizeof(buf));
	ov2_caps_format(&c, buf, sizeof(buf));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s ", fields[i]);
		CHECK(strstr(buf, want) != NULL);
		if (strstr(buf, want) == NULL)
			fprintf(stderr, "  format lacks '%s':\n%s", fields[i], buf);
	}
	CHECK(strstr(buf, "IPv6Supported yes") != NULL);
	CHECK(strstr(buf, "IPv4Options no") != NULL);
	CHECK(strstr(buf, "IPv6NonIPsecExtensionHeaders no") != NULL);
	CHECK(strstr(buf, " Ah yes") != NULL);
	CHECK(strstr(buf, "Esp yes") != NULL);
	CHECK(strstr(buf, "LsoSupported no") != NULL);
	CHECK(strstr(buf, "ExtendedSequenceNumbers yes") != NULL);
	CHECK(strstr(buf, "UdpEsp 0xf") != NULL);
	CHECK(strstr(buf, "AuthenticationAlgorithms 0x3003f") != NULL);
	CHECK(strstr(buf, "EncryptionAlgorithms 0x101ff") != NULL);
	CHECK(strstr(buf, "SaOffloadCapacity 1024") != NULL);
	CHECK(buf[strlen(buf) - 1] == '\n');

	CHECK_EQ(ov2_caps_edit(&c, "+ipv4-options,-cbc,-esn,-udp-esp", buf, sizeof(buf)), 0);
	ov2_caps_format(&c, buf, sizeof(buf));
	CHECK(strstr(buf, "IPv4Options yes") != NULL);
	CHECK(strstr(buf, "ExtendedSequenceNumbers no") != NULL);
	CHECK(strstr(buf, "UdpEsp 0x0") != NULL);
	CHECK(strstr(buf, "EncryptionAlgorithms 0x1003f") != NULL);

	/* truncated, terminated, not overrun */
	memset(small, 'x', sizeof(small));
	ov2_caps_format(&c, small, 16);
	CHECK(memchr(small, '\0', 16) != NULL);
	CHECK(small[16] == 'x' && small[31] == 'x');
}

int
main(void)
{
	test_required();
	test_sets();
	test_cover();
	test_edit();
	test_format();
	return test_done("test_caps");
}
