/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of the inbound SPD (lib/spd.c): a numbered table of "sp" rule
 * texts (fields, or an error substring), sp lines in configuration files,
 * the allow/deny matrix for IPv4 and IPv6 over hand-built packets (IPv4
 * options, IPv6 extension header chains, fragments, truncations), the
 * classifier's edge cases and 10,000 rules of each family.
 * rte_acl allocates with rte_malloc, so EAL is started (no PCI, no huge pages).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "conf.h"
#include "spd.h"
#include "testlib.h"

enum { IN = OV2_SA_IN, OUT = OV2_SA_OUT };
enum { PROT = OV2_SP_PROTECT, BYP = OV2_SP_BYPASS, DISC = OV2_SP_DISCARD };

/* ------------------------------------------------------------------ */
/* Parser table                                                        */
/* ------------------------------------------------------------------ */

/*
 * One case for ov2_sp_parse(). err NULL: must parse, with these fields
 * (src/dst as text, NULL for "not given"). Otherwise the message must
 * contain err.
 */
struct pcase {
	const char *words;
	const char *err;
	uint8_t fam, dir, action;
	uint32_t spi, pri;
	const char *src;
	uint8_t src_len;
	const char *dst;
	uint8_t dst_len;
	uint8_t plo, phi;
	uint16_t splo, sphi, dplo, dphi;
};

#define OK(w, fam, dir, act, spi, pri, src, sl, dst, dl, plo, phi, splo, sphi, dplo, dphi) \
	{ w, NULL, fam, dir, act, spi, pri, src, sl, dst, dl, plo, phi, splo, sphi, dplo, dphi }
/* Defaults for everything after the action. */
#define OKD(w, fam, dir, act, spi) \
	OK(w, fam, dir, act, spi, 0, NULL, 0, NULL, 0, 0, 255, 0, 65535, 0, 65535)
#define BAD(w, e) { w, e, 0, 0, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, 0 }
#define B4 "ipv4 in esp bypass "
#define B6 "ipv6 in esp bypass "
#define LONG40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct pcase pcases[] = {
	/* 1-6: ipsec-secgw's ep0.cfg forms (SPIs moved out of 1-255) */
	OK("ipv4 in esp protect 305 pri 1 dst 192.168.115.0/24 sport 0:65535 dport 0:65535",
	   4, IN, PROT, 305, 1, NULL, 0, "192.168.115.0", 24, 0, 255, 0, 65535, 0, 65535),
	OK("ipv4 out esp bypass pri 1 dst 192.168.240.0/24 sport 0:65535 dport 0:65535",
	   4, OUT, BYP, 0, 1, NULL, 0, "192.168.240.0", 24, 0, 255, 0, 65535, 0, 65535),
	OK("ipv6 in esp protect 310 pri 1 dst ffff:0000:1111:1111:0000:0000:0000:0000/96 "
	   "sport 0:65535 dport 0:65535",
	   6, IN, PROT, 310, 1, NULL, 0, "ffff:0:1111:1111::", 96, 0, 255, 0, 65535, 0, 65535),
	OK("ipv6 in esp bypass pri 1 dst 0000:0000:0000:0000:5555:5555:0000:0000/96 "
	   "sport 0:65535 dport 0:65535",
	   6, IN, BYP, 0, 1, NULL, 0, "::5555:5555:0:0", 96, 0, 255, 0, 65535, 0, 65535),
	OKD("ipv4 in esp discard", 4, IN, DISC, 0),
	OKD("ipv6 out esp discard", 6, OUT, DISC, 0),
	/* 7-12: every field */
	OK("ipv4 in esp protect 4096 pri 7 src 10.0.0.0/8 dst 192.0.2.1/32 proto 17 "
	   "sport 1024:65535 dport 53:53",
	   4, IN, PROT, 4096, 7, "10.0.0.0", 8, "192.0.2.1", 32, 17, 17, 1024, 65535, 53, 53),
	OK("ipv6 in esp discard pri 9 src 2001:db8::/32 dst ::1/128 proto 6:17 sport 7:7 dport 0:0",
	   6, IN, DISC, 0, 9, "2001:db8::", 32, "::1", 128, 6, 17, 7, 7, 0, 0),
	OK("ipv6 in esp bypass src ::/0 dst 2001:db8:0:0:8000::/65",
	   6, IN, BYP, 0, 0, "::", 0, "2001:db8:0:0:8000::", 65, 0, 255, 0, 65535, 0, 65535),
	OK("ipv4 in esp bypass src 0.0.0.0/0 proto 0:255",
	   4, IN, BYP, 0, 0, "0.0.0.0", 0, NULL, 0, 0, 255, 0, 65535, 0, 65535),
	OK("ipv4 in esp bypass proto 0", 4, IN, BYP, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 65535, 0, 65535),
	OK("ipv4 in esp bypass proto 255:255 dport 65535:65535",
	   4, IN, BYP, 0, 0, NULL, 0, NULL, 0, 255, 255, 0, 65535, 65535, 65535),
	/* 13-19: SPI and pri forms, keyword order, 'esp' anywhere, white space */
	OKD("ipv4 in esp protect 256", 4, IN, PROT, 256),
	OKD("ipv4 in esp protect 4294967295", 4, IN, PROT, 4294967295u),
	OKD("ipv4 in esp protect 0x100", 4, IN, PROT, 256),
	OK("ipv4 in esp bypass pri 4294967295", 4, IN, BYP, 0, 4294967295u, NULL, 0, NULL, 0,
	   0, 255, 0, 65535, 0, 65535),
	OK("ipv4 in esp bypass pri 0x10", 4, IN, BYP, 0, 16, NULL, 0, NULL, 0, 0, 255, 0, 65535, 0, 65535),
	OK("ipv4 in dport 10:20 src 10.1.0.0/16 protect 1000 pri 3 esp",
	   4, IN, PROT, 1000, 3, "10.1.0.0", 16, NULL, 0, 0, 255, 0, 65535, 10, 20),
	OK("\t ipv6\tin  esp\t\tprotect  0X3e8 \r\n", 6, IN, PROT, 1000, 0, NULL, 0, NULL, 0,
	   0, 255, 0, 65535, 0, 65535),
	/* 20-27: head of the rule */
	BAD("", "sp needs an address family ('ipv4' or 'ipv6')"),
	BAD("   ", "sp needs an address family"),
	BAD("ipv5 in esp bypass", "unknown sp address family 'ipv5' (expected 'ipv4' or 'ipv6')"),
	BAD("IPV4 in esp bypass", "unknown sp address family 'IPV4'"),
	BAD("in ipv4 esp bypass", "unknown sp address family 'in'"),
	BAD("ipv4", "sp needs a direction ('in' or 'out')"),
	BAD("ipv4 fwd esp bypass", "unknown sp direction 'fwd' (expected 'in' or 'out')"),
	BAD("ipv4 esp in bypass", "unknown sp direction 'esp'"),
	/* 28-35: esp and the action */
	BAD("ipv4 in bypass", "missing 'esp'"),
	BAD("ipv4 in esp", "missing action ('protect SPI', 'bypass' or 'discard')"),
	BAD("ipv4 in esp pri 3 dst 10.0.0.0/8", "missing action"),
	BAD("ipv4 in esp esp bypass", "keyword 'esp' is given twice"),
	BAD("ipv4 in esp protect 300 bypass", "'bypass' conflicts with 'protect' (a rule has one action)"),
	BAD("ipv4 in esp discard protect 300", "'protect' conflicts with 'discard'"),
	BAD("ipv4 in esp bypass bypass", "keyword 'bypass' is given twice"),
	BAD("ipv4 in esp protect 300 protect 301", "keyword 'protect' is given twice"),
	/* 36-44: SPIs */
	BAD("ipv4 in esp protect", "keyword 'protect' needs a value"),
	BAD("ipv4 in esp protect 105 pri 1", "SPI 105 is reserved (RFC 4303"),
	BAD("ipv4 in esp protect 0", "SPI 0 is reserved"),
	BAD("ipv4 in esp protect 255", "SPI 255 is reserved"),
	BAD("ipv4 in esp protect 0xff", "SPI 255 is reserved"),
	BAD("ipv4 in esp protect 4294967296", "invalid SPI '4294967296' (decimal or 0x-hex, 256..4294967295)"),
	BAD("ipv4 in esp protect -300", "invalid SPI '-300'"),
	BAD("ipv4 in esp protect 0x", "invalid SPI '0x'"),
	BAD("ipv4 in esp protect bypass", "invalid SPI 'bypass'"),
	/* 45-48: pri */
	BAD(B4 "pri", "keyword 'pri' needs a value"),
	BAD(B4 "pri -1", "invalid pri '-1' (decimal or 0x-hex, 0..4294967295)"),
	BAD(B4 "pri 4294967296", "invalid pri '4294967296'"),
	BAD(B4 "pri 1 pri 2", "keyword 'pri' is given twice"),
	/* 49-66: addresses */
	BAD(B4 "src 10.0.0.1", "src '10.0.0.1' needs a prefix length (ADDR/LEN; one host is /32)"),
	BAD(B6 "dst 2001:db8::1", "dst '2001:db8::1' needs a prefix length (ADDR/LEN; one host is /128)"),
	BAD(B4 "src 10.0.0.1/24",
	    "src '10.0.0.1/24' has address bits set beyond the /24 prefix (the network is 10.0.0.0/24)"),
	BAD(B4 "dst 10.0.0.128/24", "the network is 10.0.0.0/24"),
	BAD(B4 "dst 0.0.0.1/0", "dst '0.0.0.1/0' has address bits set beyond the /0 prefix (the network is 0.0.0.0/0)"),
	BAD(B6 "dst 2001:db8::1/64",
	    "dst '2001:db8::1/64' has address bits set beyond the /64 prefix (the network is 2001:db8::/64)"),
	BAD(B6 "src 2001:db8:0:0:c000::/65", "the network is 2001:db8:0:0:8000::/65"),
	BAD(B4 "dst 10.0.0.0/33", "invalid dst prefix length in '10.0.0.0/33' (0..32)"),
	BAD(B6 "dst ::/129", "invalid dst prefix length in '::/129' (0..128)"),
	BAD(B4 "dst 10.0.0.0/", "invalid dst prefix length in '10.0.0.0/'"),
	BAD(B4 "dst 10.0.0.0/+8", "invalid dst prefix length"),
	BAD(B4 "dst 10.0.0.0/8x", "invalid dst prefix length"),
	BAD(B4 "dst 10.0.0.0/8/8", "invalid dst prefix length"),
	BAD(B4 "src /8", "invalid src address in '/8'"),
	BAD(B4 "src 10.0.0/8", "invalid src address in '10.0.0/8'"),
	BAD(B4 "src 10.0.0.256/32", "invalid src address"),
	BAD(B4 "dst 2001:db8::/32", "dst '2001:db8::/32' is not an IPv4 address (the rule is ipv4)"),
	BAD(B6 "src 10.0.0.0/8", "src '10.0.0.0/8' is not an IPv6 address (the rule is ipv6)"),
	/* 67-70 */
	BAD(B4 "dst 10.0.0.0/8 dst 10.0.0.0/8", "keyword 'dst' is given twice"),
	BAD(B4 "src", "keyword 'src' needs a value"),
	BAD(B4 "src " LONG40 LONG40 "/8", "invalid src address in '" LONG40 "...'"),
	BAD(B4 "src host.example/32", "invalid src address in 'host.example/32'"),
	/* 71-76: proto */
	BAD(B4 "proto 256", "invalid proto '256' (expected P or P:Q, decimal 0..255)"),
	BAD(B4 "proto 17:6", "proto range '17:6' is empty (17 > 6)"),
	BAD(B4 "proto tcp", "invalid proto 'tcp'"),
	BAD(B4 "proto 6:", "invalid proto '6:'"),
	BAD(B4 "proto :6", "invalid proto ':6'"),
	BAD(B4 "proto 0x11", "invalid proto '0x11'"),
	/* 77-85: ports */
	BAD(B4 "sport 80", "invalid sport '80' (expected A:B, decimal 0..65535; one port P is P:P)"),
	BAD(B4 "dport 100:99", "dport range '100:99' is empty (100 > 99)"),
	BAD(B4 "dport 0:65536", "invalid dport '0:65536'"),
	BAD(B4 "dport 1:2:3", "invalid dport '1:2:3'"),
	BAD(B4 "dport -1:2", "invalid dport '-1:2'"),
	BAD(B4 "sport 1: 2", "invalid sport '1:'"),
	BAD(B4 "sport 0:65535 sport 1:2", "keyword 'sport' is given twice"),
	BAD(B4 "dport", "keyword 'dport' needs a value"),
	BAD(B4 "sport 99999999999:1", "invalid sport '99999999999:1'"),
	/* 86-92: other words, escaping */
	BAD(B4 "foo 1", "unknown keyword 'foo'"),
	BAD(B4 "Pri 1", "unknown keyword 'Pri'"),
	BAD(B4 "ah", "AH policies are not supported"),
	BAD(B4 "in", "'in' must come right after 'sp'"),
	BAD(B4 "ipv6", "'ipv6' must come right after 'sp'"),
	BAD(B4 "\x01\xff\x7f", "unknown keyword '\\x01\\xff\\x7f'"),
	BAD(B4 LONG40 "bbb", "unknown keyword '" LONG40 "...'"),
};

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

static void
check_addr(unsigned int fam, const uint8_t a[16], const char *want)
{
	uint8_t w[16] = { 0 };

	if (want != NULL)
		CHECK_EQ(inet_pton(fam == 4 ? AF_INET : AF_INET6, want, w), 1);
	CHECK(memcmp(a, w, 16) == 0);
}

static void
run_pcase(unsigned int no, const struct pcase *c)
{
	static const struct ov2_sp_rule zero;
	struct ov2_sp_rule r;
	char err[512] = "";
	int rc, before = test_failures;

	memset(&r, 0xa5, sizeof(r));
	rc = ov2_sp_parse(c->words, &r, err, sizeof(err));
	if (c->err == NULL) {
		CHECK_EQ(rc, 0);
		CHECK_EQ(r.family, c->fam);
		CHECK_EQ(r.dir, c->dir);
		CHECK_EQ(r.action, c->action);
		CHECK_EQ(r.spi, c->spi);
		CHECK_EQ(r.pri, c->pri);
		check_addr(c->fam, r.src, c->src);
		CHECK_EQ(r.src_len, c->src_len);
		check_addr(c->fam, r.dst, c->dst);
		CHECK_EQ(r.dst_len, c->dst_len);
		CHECK_EQ(r.proto_lo, c->plo);
		CHECK_EQ(r.proto_hi, c->phi);
		CHECK_EQ(r.sport_lo, c->splo);
		CHECK_EQ(r.sport_hi, c->sphi);
		CHECK_EQ(r.dport_lo, c->dplo);
		CHECK_EQ(r.dport_hi, c->dphi);
		CHECK_EQ(r.line, 0);
		CHECK_EQ(r.reserved, 0);
	} else {
		CHECK_EQ(rc, -EINVAL);
		CHECK(strstr(err, c->err) != NULL);
		CHECK(printable(err, sizeof(err)));
		CHECK(memcmp(&r, &zero, sizeof(r)) == 0);	/* nothing half-parsed */
	}
	if (test_failures != before)
		fprintf(stderr, "parse case %u failed: rc %d err \"%s\" (want \"%s\")\n",
			no, rc, err, c->err != NULL ? c->err : "");
}

static void
test_parse_table(void)
{
	struct ov2_sp_rule r;
	char err[8];
	unsigned int i;

	for (i = 0; i < RTE_DIM(pcases); i++)
		run_pcase(i + 1, &pcases[i]);
	printf("test_spd: %zu parser cases\n", RTE_DIM(pcases));
	/* No rule, no room for a message: refused, nothing written out of bounds. */
	CHECK_EQ(ov2_sp_parse(NULL, &r, err, sizeof(err)), -EINVAL);
	CHECK_EQ(ov2_sp_parse("ipv4 in esp bypass", NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(ov2_sp_parse("ipv4 in esp", &r, NULL, 0), -EINVAL);
	CHECK_EQ(ov2_sp_parse("ipv4 in esp foo", &r, err, sizeof(err)), -EINVAL);
	CHECK_EQ(strlen(err), sizeof(err) - 1);
}

/* ------------------------------------------------------------------ */
/* sp lines in configuration files                                     */
/* ------------------------------------------------------------------ */

#define SALINE "sa in 1000 aead_algo aes-128-gcm aead_key " \
	"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3 mode transport"

static void
conf_bad(const char *text, const char *want)
{
	struct ov2_conf conf;
	char err[512] = "";
	int rc;

	rc = ov2_conf_load_buf(text, strlen(text), "t.cfg", &conf, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, want) != NULL);
	CHECK_EQ(conf.n_sp, 0);
	CHECK_EQ(conf.n_sa, 0);
	CHECK(conf.sp == NULL);
	if (rc != -EINVAL || strstr(err, want) == NULL)
		fprintf(stderr, "conf: got \"%s\", want \"%s\"\n", err, want);
	ov2_conf_free(&conf);
}

static void
test_conf_sp(void)
{
	static const char text[] =
		"# policy\n"
		SALINE "\n"
		"sp ipv4 in esp protect 1000 pri 1 dst 192.168.115.0/24 sport 0:65535 dport 0:65535\n"
		"\n"
		"sp ipv6 in esp bypass pri 2 \\\n"
		"   dst 2001:db8::/32 \\\n"
		"   proto 17 dport 500:500   # IKE\n"
		"sp ipv4 out esp discard\r\n";
	struct ov2_conf conf;
	char err[512] = "", *big;
	size_t o = 0;
	uint32_t i;
	int rc;

	rc = ov2_conf_load_buf(text, sizeof(text) - 1, "t.cfg", &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(conf.n_sa, 1);
	CHECK_EQ(conf.n_sp, 3);
	if (rc == 0 && conf.n_sp == 3) {
		CHECK_EQ(conf.sp[0].line, 3);
		CHECK_EQ(conf.sp[0].family, 4);
		CHECK_EQ(conf.sp[0].spi, 1000);
		CHECK_EQ(conf.sp[0].dst_len, 24);
		CHECK_EQ(conf.sp[1].line, 5);	/* where the continued rule starts */
		CHECK_EQ(conf.sp[1].family, 6);
		CHECK_EQ(conf.sp[1].action, BYP);
		CHECK_EQ(conf.sp[1].pri, 2);
		CHECK_EQ(conf.sp[1].proto_lo, 17);
		CHECK_EQ(conf.sp[1].dport_hi, 500);
		CHECK_EQ(conf.sp[2].line, 8);
		CHECK_EQ(conf.sp[2].dir, OUT);
		CHECK_EQ(conf.sp[2].action, DISC);
	}
	ov2_conf_free(&conf);
	CHECK(conf.sp == NULL);
	CHECK_EQ(conf.n_sp, 0);

	/* Many rules: the array grows, lines and order are kept. */
	big = malloc(2000 * 64);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	for (i = 0; i < 2000; i++)
		o += (size_t)snprintf(big + o, 64, "sp ipv4 in esp discard pri %u dst 10.%u.%u.0/24\n",
				      1000 + i, i / 256, i % 256);
	rc = ov2_conf_load_buf(big, o, "big", &conf, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(conf.n_sp, 2000);
	for (i = 0; rc == 0 && i < conf.n_sp; i++)
		if (conf.sp[i].line != i + 1 || conf.sp[i].pri != 1000 + i ||
		    conf.sp[i].dst[1] != i / 256 || conf.sp[i].dst[2] != i % 256)
			break;
	CHECK_EQ(i, 2000);
	ov2_conf_free(&conf);
	free(big);

	/* Errors: NAME:LINE: message, all or nothing. */
	conf_bad("sp", "t.cfg:1: sp needs an address family");
	/* a protect rule must name an inbound SA of the file */
	conf_bad(SALINE "\nsp ipv4 in esp protect 1001 dst 10.0.0.0/8",
		 "t.cfg:2: protect 1001: no 'sa in 1001' line");
	conf_bad(SALINE "\nsp ipv4 in esp protect 105 pri 1 dst 192.168.115.0/24\n",
		 "t.cfg:2: SPI 105 is reserved");
	conf_bad("# c\n" SALINE "\nsp ipv4 in esp bypass\nsp ipv4 in esp bypass src 10.0.0.1/24\n",
		 "t.cfg:4: src '10.0.0.1/24' has address bits set beyond the /24 prefix");
	conf_bad("sp ipv4 in esp bypass\n\nsp ipv6 in \\\n esp bypass \\\n sport 9\n",
		 "t.cfg:3: invalid sport '9'");
	conf_bad("sp ipv4 in esp bypass\nsp ipv4 in esp bypass \x01\n", "t.cfg:2: unknown keyword '\\x01'");
	/* The other ipsec-secgw rules are refused as before. */
	conf_bad("sp ipv4 in esp bypass\nflow ipv4 dst 192.168.0.0/16 port 0 queue 0",
		 "t.cfg:2: 'flow' rules are not supported yet");
	conf_bad("rt ipv4 dst 172.16.1.5/32 port 0", "t.cfg:1: 'rt' rules are not used by ov2rx");
	conf_bad("neigh port 0 d0:d1:d2:d3:d4:d5", "t.cfg:1: 'neigh' rules are not used by ov2rx");
	conf_bad("spd ipv4 in esp bypass", "t.cfg:1: unknown rule 'spd'");
}

/* ------------------------------------------------------------------ */
/* Packets                                                             */
/* ------------------------------------------------------------------ */

#define PKT_MAX 256

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* L4 header of proto at p: 8 bytes (UDP), 20 (TCP), 12 (SCTP), 8 (other). */
static uint32_t
put_l4(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint32_t n = proto == 6 ? 20 : proto == 132 ? 12 : 8;

	memset(p, 0, n);
	if (proto == 6 || proto == 17 || proto == 132) {
		put16(p, sport);
		put16(p + 2, dport);
	} else {
		/* ICMP and others: bytes that would read as ports 5000 */
		put16(p, 0x1388);
		put16(p + 2, 0x1388);
	}
	if (proto == 6)
		p[12] = 5 << 4;
	if (proto == 17)
		put16(p + 4, 8);
	return n;
}

/*
 * IPv4 with opt_len (multiple of 4) option bytes, the fragment field frag
 * (flags and offset) and a UDP/TCP/... header.
 */
static struct pkt
ip4(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport,
    const uint8_t *opt, uint32_t opt_len, uint16_t frag)
{
	struct pkt k;
	uint32_t hl = 20 + opt_len;

	memset(&k, 0, sizeof(k));
	k.b[0] = (uint8_t)(0x40 | hl / 4);
	put16(k.b + 6, frag);
	k.b[8] = 64;
	k.b[9] = proto;
	CHECK_EQ(inet_pton(AF_INET, src, k.b + 12), 1);
	CHECK_EQ(inet_pton(AF_INET, dst, k.b + 16), 1);
	if (opt_len > 0)
		memcpy(k.b + 20, opt, opt_len);
	k.len = hl + put_l4(k.b + hl, proto, sport, dport);
	put16(k.b + 2, (uint16_t)k.len);
	return k;
}

static struct pkt
udp4(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ip4(src, dst, 17, sport, dport, NULL, 0, 0);
}

static struct pkt
tcp4(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ip4(src, dst, 6, sport, dport, NULL, 0, 0);
}

/* IPv6 with the extension header bytes ext (first one: nh) before proto. */
static struct pkt
ip6(const char *src, const char *dst, uint8_t nh, const uint8_t *ext, uint32_t ext_len,
    uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt k;

	memset(&k, 0, sizeof(k));
	k.b[0] = 0x60;
	k.b[6] = ext_len > 0 ? nh : proto;
	k.b[7] = 64;
	CHECK_EQ(inet_pton(AF_INET6, src, k.b + 8), 1);
	CHECK_EQ(inet_pton(AF_INET6, dst, k.b + 24), 1);
	if (ext_len > 0)
		memcpy(k.b + 40, ext, ext_len);
	k.len = 40 + ext_len + put_l4(k.b + 40 + ext_len, proto, sport, dport);
	put16(k.b + 4, (uint16_t)(k.len - 40));
	return k;
}

static struct pkt
udp6(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ip6(src, dst, 0, NULL, 0, 17, sport, dport);
}

static struct pkt
tcp6(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ip6(src, dst, 0, NULL, 0, 6, sport, dport);
}

/* ------------------------------------------------------------------ */
/* Policy matrix                                                       */
/* ------------------------------------------------------------------ */

/* One packet and the line of the rule that must win (0: none). */
struct mcase {
	const char *what;
	struct pkt p;
	uint32_t want;
};

/* Parse rules[] (line = index + 1) and build an SPD from them. */
static struct ov2_spd *
spd_of(const char *name, const char *const *text, uint32_t n, struct ov2_sp_rule *rules)
{
	char err[256] = "";
	struct ov2_spd *spd;
	uint32_t i;

	for (i = 0; i < n; i++) {
		CHECK_EQ(ov2_sp_parse(text[i], &rules[i], err, sizeof(err)), 0);
		if (err[0] != '\0')
			fprintf(stderr, "rule %u: %s\n", i + 1, err);
		rules[i].line = i + 1;
	}
	spd = ov2_spd_create(name, rules, n, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(spd != NULL);
	if (spd == NULL)
		fprintf(stderr, "ov2_spd_create: %s\n", err);
	return spd;
}

static uint32_t
line_of(const struct ov2_sp_rule *r)
{
	return r != NULL ? r->line : 0;
}

/* Each case alone, then all of them in bursts, in order and reversed. */
static void
run_matrix(const char *fam, const struct ov2_spd *spd, const struct mcase *c, uint32_t n)
{
	const uint8_t *ip[OV2_SPD_BURST_MAX];
	const struct ov2_sp_rule *out[OV2_SPD_BURST_MAX];
	uint32_t len[OV2_SPD_BURST_MAX], i, got;
	int pass;

	for (i = 0; i < n; i++) {
		ip[0] = c[i].p.b;
		len[0] = c[i].p.len;
		out[0] = (const void *)&len;	/* must be overwritten */
		ov2_spd_classify(spd, ip, len, 1, out);
		got = line_of(out[0]);
		CHECK_EQ(got, c[i].want);
		if (got != c[i].want)
			fprintf(stderr, "%s case %u (%s): rule %u won, want %u\n",
				fam, i + 1, c[i].what, got, c[i].want);
	}
	for (pass = 0; pass < 2 && n <= OV2_SPD_BURST_MAX; pass++) {
		for (i = 0; i < n; i++) {
			uint32_t j = pass == 0 ? i : n - 1 - i;

			ip[i] = c[j].p.b;
			len[i] = c[j].p.len;
		}
		ov2_spd_classify(spd, ip, len, n, out);
		for (i = 0; i < n; i++)
			CHECK_EQ(line_of(out[i]), c[pass == 0 ? i : n - 1 - i].want);
	}
}

static const char *const rules4[] = {
	/* 1 */ "ipv4 in esp protect 1000 pri 10 dst 192.168.10.0/24 proto 17 dport 4000:4999",
	/* 2 */ "ipv4 in esp protect 2000 pri 10 dst 192.168.20.0/24 proto 6 dport 443:443",
	/* 3 */ "ipv4 in esp bypass pri 5 dport 5000:5099",
	/* 4 */ "ipv4 in esp discard pri 50 src 10.66.0.0/16",
	/* 5 */ "ipv4 in esp protect 3000 pri 10 dst 192.168.10.128/25 proto 17 dport 4000:4999",
	/* 6 */ "ipv4 in esp protect 4000 pri 30 dst 192.168.10.192/26 proto 17 dport 4500:4500",
	/* 7 */ "ipv4 in esp bypass pri 1 proto 1",
	/* 8 */ "ipv4 in esp discard dst 192.168.0.0/16",
	/* 9 */ "ipv4 out esp protect 5000 dst 0.0.0.0/0",
	/* 10 */ "ipv4 in esp protect 6000 pri 15 src 172.31.0.0/16 proto 6:17 sport 1024:65535 dport 22:22",
	/* 11 */ "ipv4 in esp protect 7000 pri 4294967295 src 10.66.99.0/24 dst 192.168.99.7/32",
	/* 12 */ "ipv6 in esp discard",	/* another family: never an IPv4 answer */
};

static void
test_matrix4(void)
{
	/* Options whose bytes 2-3 would read as port 5000 (rule 3) if not skipped. */
	static const uint8_t opt8[8] = { 0x01, 0x01, 0x13, 0x88, 0x01, 0x01, 0x01, 0x00 };
	static const uint8_t opt40[40] = { 0x01, 0x01, 0x13, 0x88 };
	struct ov2_sp_rule rules[RTE_DIM(rules4)];
	struct mcase c[32];
	struct ov2_spd *spd;
	uint32_t n = 0;

	spd = spd_of("m4", rules4, RTE_DIM(rules4), rules);
	if (spd == NULL)
		return;
	CHECK_EQ(ov2_spd_count(spd), RTE_DIM(rules4) - 1);	/* one "out" */

	c[n++] = (struct mcase){ "udp to SPI 1000's prefix and ports",
		udp4("10.1.1.1", "192.168.10.5", 1234, 4000), 1 };
	c[n++] = (struct mcase){ "equal pri with rule 5: the earlier line",
		udp4("10.1.1.1", "192.168.10.130", 1234, 4999), 1 };
	c[n++] = (struct mcase){ "higher pri, narrower prefix",
		udp4("10.1.1.1", "192.168.10.200", 1234, 4500), 6 };
	c[n++] = (struct mcase){ "rule 6's prefix, another port",
		udp4("10.1.1.1", "192.168.10.200", 1234, 4501), 1 };
	c[n++] = (struct mcase){ "bypass port range over the subnet discard",
		udp4("10.1.1.1", "192.168.10.5", 1234, 5000), 3 };
	c[n++] = (struct mcase){ "bypass range, upper end",
		tcp4("10.1.1.1", "172.16.0.1", 1234, 5099), 3 };
	c[n++] = (struct mcase){ "past the bypass range", tcp4("10.1.1.1", "172.16.0.1", 1234, 5100), 0 };
	c[n++] = (struct mcase){ "tcp 443 to SPI 2000", tcp4("10.1.1.1", "192.168.20.1", 1, 443), 2 };
	c[n++] = (struct mcase){ "udp 443: not rule 2's protocol",
		udp4("10.1.1.1", "192.168.20.1", 1, 443), 8 };
	c[n++] = (struct mcase){ "discarded subnet beats protect",
		udp4("10.66.3.4", "192.168.10.5", 1234, 4000), 4 };
	c[n++] = (struct mcase){ "discarded subnet beats bypass",
		udp4("10.66.255.255", "172.16.0.1", 1234, 5000), 4 };
	c[n++] = (struct mcase){ "next to the discarded subnet",
		udp4("10.67.0.0", "172.16.0.1", 1234, 80), 0 };
	c[n++] = (struct mcase){ "no rule", tcp4("10.1.1.1", "172.16.0.1", 1234, 80), 0 };
	c[n++] = (struct mcase){ "icmp bypass (no ports read)",
		ip4("10.1.1.1", "172.16.0.1", 1, 0, 0, NULL, 0, 0), 7 };
	c[n++] = (struct mcase){ "IHL 7: ports after the options",
		ip4("10.1.1.1", "192.168.10.200", 17, 1234, 4500, opt8, 8, 0), 6 };
	c[n++] = (struct mcase){ "IHL 15: ports after 40 option bytes",
		ip4("10.1.1.1", "192.168.10.5", 17, 1234, 4000, opt40, 40, 0), 1 };
	c[n++] = (struct mcase){ "first fragment (MF, offset 0): ports read",
		ip4("10.1.1.1", "192.168.10.200", 17, 1234, 4500, NULL, 0, 0x2000), 6 };
	c[n++] = (struct mcase){ "non-first fragment: ports 0",
		ip4("10.1.1.1", "192.168.10.200", 17, 1234, 4500, NULL, 0, 0x2000 | 185), 8 };
	c[n++] = (struct mcase){ "last fragment: ports 0",
		ip4("10.1.1.1", "172.16.0.1", 17, 1234, 5000, NULL, 0, 1), 0 };
	c[n++] = (struct mcase){ "tcp sport range and proto range",
		tcp4("172.31.5.5", "10.9.9.9", 40000, 22), 10 };
	c[n++] = (struct mcase){ "udp in the proto range",
		udp4("172.31.5.5", "10.9.9.9", 1024, 22), 10 };
	c[n++] = (struct mcase){ "sport under the range", tcp4("172.31.5.5", "10.9.9.9", 1023, 22), 0 };
	c[n++] = (struct mcase){ "protocol 132 (SCTP) outside 6:17",
		ip4("172.31.5.5", "10.9.9.9", 132, 40000, 22, NULL, 0, 0), 0 };
	c[n++] = (struct mcase){ "pri 4294967295 beats pri 50",
		udp4("10.66.99.1", "192.168.99.7", 1, 2), 11 };
	c[n++] = (struct mcase){ "and the /32 is exact",
		udp4("10.66.99.1", "192.168.99.6", 1, 2), 4 };
	/* NULL: too short, not IPv4/IPv6, malformed */
	c[n] = (struct mcase){ "udp header cut before the ports",
		udp4("10.1.1.1", "192.168.10.5", 1234, 4000), 0 };
	c[n++].p.len = 23;
	c[n] = (struct mcase){ "19 bytes", udp4("10.1.1.1", "192.168.10.5", 1234, 4000), 0 };
	c[n++].p.len = 19;
	c[n] = (struct mcase){ "options cut", ip4("10.1.1.1", "192.168.10.5", 17, 1, 4000, opt8, 8, 0), 0 };
	c[n++].p.len = 24;
	c[n] = (struct mcase){ "total length ends before the ports (link padding)",
		udp4("10.1.1.1", "192.168.10.5", 1234, 4000), 0 };
	c[n].p.b[3] = 20;
	n++;
	c[n] = (struct mcase){ "total length under IHL", udp4("10.1.1.1", "192.168.10.5", 1, 4000), 0 };
	c[n].p.b[3] = 19;
	n++;
	c[n] = (struct mcase){ "IHL 4", udp4("10.1.1.1", "192.168.10.5", 1, 4000), 0 };
	c[n++].p.b[0] = 0x44;
	c[n] = (struct mcase){ "version 5", udp4("10.1.1.1", "192.168.10.5", 1, 4000), 0 };
	c[n++].p.b[0] = 0x55;
	run_matrix("IPv4", spd, c, n);
	ov2_spd_free(spd);
}

static const char *const rules6[] = {
	/* 1 */ "ipv6 in esp protect 1000 pri 10 dst 2001:db8:10::/48 proto 17 dport 4000:4999",
	/* 2 */ "ipv6 in esp protect 2000 pri 10 dst 2001:db8:20::/48 proto 6 dport 443:443",
	/* 3 */ "ipv6 in esp bypass pri 5 dport 5000:5099",
	/* 4 */ "ipv6 in esp discard pri 50 src 2001:db8:66::/48",
	/* 5 */ "ipv6 in esp protect 3000 pri 10 dst 2001:db8:10:8000::/49 proto 17 dport 4000:4999",
	/* 6 */ "ipv6 in esp protect 4000 pri 30 dst 2001:db8:10:c000::/50 proto 17 dport 4500:4500",
	/* 7 */ "ipv6 in esp bypass pri 1 proto 58",
	/* 8 */ "ipv6 in esp discard dst 2001:db8::/32",
	/* 9 */ "ipv6 out esp protect 5000 dst ::/0",
	/* 10 */ "ipv6 in esp protect 6000 pri 15 src fd00:31::/32 proto 6:17 sport 1024:65535 dport 22:22",
	/* 11 */ "ipv6 in esp protect 7000 pri 40 dst 2001:db8:10:c000::abcd:0/112 proto 17 dport 4500:4500",
	/* 12 */ "ipv6 in esp protect 8000 pri 60 src fd00:99::7/128 dst 2001:db8:10:c000::abcd:1/128",
	/* 13 */ "ipv4 in esp discard",	/* another family */
};

static void
test_matrix6(void)
{
	/* Hop-by-hop (8 bytes, PadN) then destination options (16 bytes) then UDP. */
	static const uint8_t hbh_do[24] = {
		60, 0, 1, 4, 0x13, 0x88, 0x13, 0x88,
		17, 1, 1, 12, 0x13, 0x88, 0x13, 0x88, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* Routing (type 0 header shape, 24 bytes) then fragment (offset 0, M) then UDP. */
	static const uint8_t rt_frag[32] = {
		44, 2, 0, 0, 0, 0, 0, 0, 0x13, 0x88, 0x13, 0x88, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
	};
	/* Fragment, offset 185 (non-first): ports are not in this fragment. */
	static const uint8_t frag_nf[8] = { 17, 0, 0x05, 0xc9, 0xde, 0xad, 0xbe, 0xef };
	/* AH (payload length 4: 24 bytes) then UDP. */
	static const uint8_t ah[24] = { 17, 4, 0, 0, 0, 0, 0x13, 0x88, 0, 0, 0, 1 };
	/* Destination options that claim 2048 bytes. */
	static const uint8_t do_long[8] = { 17, 255, 1, 4, 0, 0, 0, 0 };
	/* Nine destination options headers in a row. */
	uint8_t nine[72];
	struct ov2_sp_rule rules[RTE_DIM(rules6)];
	struct mcase c[40];
	struct ov2_spd *spd;
	uint32_t n = 0, i;

	memset(nine, 0, sizeof(nine));
	for (i = 0; i < 9; i++)
		nine[8 * i] = i < 8 ? 60 : 17;
	spd = spd_of("m6", rules6, RTE_DIM(rules6), rules);
	if (spd == NULL)
		return;
	CHECK_EQ(ov2_spd_count(spd), RTE_DIM(rules6) - 1);

	c[n++] = (struct mcase){ "udp to SPI 1000's prefix and ports",
		udp6("2001:db8:1::1", "2001:db8:10::5", 1234, 4000), 1 };
	c[n++] = (struct mcase){ "equal pri with rule 5: the earlier line",
		udp6("2001:db8:1::1", "2001:db8:10:8000::1", 1234, 4999), 1 };
	c[n++] = (struct mcase){ "higher pri, narrower prefix",
		udp6("2001:db8:1::1", "2001:db8:10:c000::1", 1234, 4500), 6 };
	c[n++] = (struct mcase){ "prefix ending in the last word (/112)",
		udp6("2001:db8:1::1", "2001:db8:10:c000::abcd:77", 1234, 4500), 11 };
	c[n++] = (struct mcase){ "next to the /112",
		udp6("2001:db8:1::1", "2001:db8:10:c000::abce:77", 1234, 4500), 6 };
	c[n++] = (struct mcase){ "host /128 src and dst",
		udp6("fd00:99::7", "2001:db8:10:c000::abcd:1", 1, 4500), 12 };
	c[n++] = (struct mcase){ "host /128 src off by one",
		udp6("fd00:99::6", "2001:db8:10:c000::abcd:1", 1, 4500), 11 };
	c[n++] = (struct mcase){ "rule 6's prefix, another port",
		udp6("2001:db8:1::1", "2001:db8:10:c000::1", 1234, 4501), 1 };
	c[n++] = (struct mcase){ "bypass port range over the subnet discard",
		udp6("2001:db8:1::1", "2001:db8:10::5", 1234, 5000), 3 };
	c[n++] = (struct mcase){ "past the bypass range", tcp6("2001:db8:1::1", "fd00::1", 1, 5100), 0 };
	c[n++] = (struct mcase){ "tcp 443 to SPI 2000", tcp6("2001:db8:1::1", "2001:db8:20::1", 1, 443), 2 };
	c[n++] = (struct mcase){ "udp 443: not rule 2's protocol",
		udp6("2001:db8:1::1", "2001:db8:20::1", 1, 443), 8 };
	c[n++] = (struct mcase){ "discarded subnet beats protect",
		udp6("2001:db8:66::9", "2001:db8:10::5", 1234, 4000), 4 };
	c[n++] = (struct mcase){ "no rule", tcp6("2001:db8:1::1", "fd00::1", 1234, 80), 0 };
	c[n++] = (struct mcase){ "icmpv6 bypass", ip6("2001:db8:1::1", "fd00::1", 0, NULL, 0, 58, 0, 0), 7 };
	c[n++] = (struct mcase){ "hop-by-hop + destination options + udp",
		ip6("2001:db8:1::1", "2001:db8:10:c000::1", 0, hbh_do, sizeof(hbh_do), 17, 1, 4500), 6 };
	c[n++] = (struct mcase){ "routing + first fragment + udp",
		ip6("2001:db8:1::1", "2001:db8:10::5", 43, rt_frag, sizeof(rt_frag), 17, 1, 4000), 1 };
	c[n++] = (struct mcase){ "non-first fragment: ports 0, proto from the fragment header",
		ip6("2001:db8:1::1", "2001:db8:10::5", 44, frag_nf, sizeof(frag_nf), 17, 1, 4000), 8 };
	c[n++] = (struct mcase){ "AH + udp", ip6("2001:db8:1::1", "2001:db8:10::5", 51, ah, sizeof(ah),
						 17, 1, 4000), 1 };
	c[n++] = (struct mcase){ "tcp sport and proto ranges", tcp6("fd00:31::5", "fd00::1", 40000, 22), 10 };
	c[n++] = (struct mcase){ "udp in the proto range", udp6("fd00:31::5", "fd00::1", 1024, 22), 10 };
	c[n++] = (struct mcase){ "sport under the range", tcp6("fd00:31::5", "fd00::1", 1023, 22), 0 };
	/* NULL: too short, not IPv6, malformed chains */
	c[n] = (struct mcase){ "udp header cut before the ports",
		udp6("2001:db8:1::1", "2001:db8:10::5", 1234, 4000), 0 };
	c[n++].p.len = 43;
	c[n] = (struct mcase){ "39 bytes", udp6("2001:db8:1::1", "2001:db8:10::5", 1234, 4000), 0 };
	c[n++].p.len = 39;
	c[n] = (struct mcase){ "payload length ends before the ports",
		udp6("2001:db8:1::1", "2001:db8:10::5", 1234, 4000), 0 };
	c[n].p.b[5] = 2;
	n++;
	c[n] = (struct mcase){ "extension header past the end",
		ip6("2001:db8:1::1", "2001:db8:10::5", 60, do_long, sizeof(do_long), 17, 1, 4000), 0 };
	n++;
	c[n] = (struct mcase){ "chain cut inside the second header",
		ip6("2001:db8:1::1", "2001:db8:10:c000::1", 0, hbh_do, sizeof(hbh_do), 17, 1, 4500), 0 };
	c[n++].p.len = 40 + 12;
	c[n] = (struct mcase){ "nine extension headers",
		ip6("2001:db8:1::1", "2001:db8:10::5", 60, nine, sizeof(nine), 17, 1, 4000), 0 };
	n++;
	c[n] = (struct mcase){ "version 7", udp6("2001:db8:1::1", "2001:db8:10::5", 1, 4000), 0 };
	c[n++].p.b[0] = 0x70;
	run_matrix("IPv6", spd, c, n);

	/* Eight extension headers are walked. */
	nine[8 * 7] = 17;
	c[0] = (struct mcase){ "eight extension headers",
		ip6("2001:db8:1::1", "2001:db8:10::5", 60, nine, 64, 17, 1, 4000), 1 };
	run_matrix("IPv6", spd, c, 1);
	ov2_spd_free(spd);
}

/* IPv4 and IPv6 in one burst, the burst limit, and the simple cases. */
static void
test_classify_edges(void)
{
	static const char *const mixed[] = {
		"ipv4 in esp protect 1000 dst 10.0.0.0/8",
		"ipv6 in esp protect 2000 dst 2001:db8::/32",
		"ipv4 out esp protect 3000",
		"ipv6 in esp bypass pri 1 dst 2001:db8:1::/48",
	};
	struct ov2_sp_rule rules[RTE_DIM(mixed)], bad;
	const uint8_t *ip[2 * OV2_SPD_BURST_MAX + 3];
	const struct ov2_sp_rule *out[2 * OV2_SPD_BURST_MAX + 3];
	uint32_t len[2 * OV2_SPD_BURST_MAX + 3], i, want, n = RTE_DIM(ip);
	struct pkt p4, p4b, p6, p6b;
	struct ov2_spd *spd, *spd2;
	char err[256];

	spd = spd_of("mixed", mixed, RTE_DIM(mixed), rules);
	if (spd == NULL)
		return;
	CHECK_EQ(ov2_spd_count(spd), 3);
	/* rules[] is copied: changing it afterwards changes nothing. */
	memset(rules, 0, sizeof(rules));
	p4 = udp4("1.1.1.1", "10.1.2.3", 1, 2);
	p4b = udp4("1.1.1.1", "11.1.2.3", 1, 2);
	p6 = udp6("::1", "2001:db8:2::1", 1, 2);
	p6b = udp6("::1", "2001:db8:1::1", 1, 2);
	/* More than OV2_SPD_BURST_MAX is taken in bursts (not overrun). */
	for (i = 0; i < n; i++) {
		const struct pkt *p = i % 5 == 0 ? &p4 : i % 5 == 1 ? &p6 : i % 5 == 2 ? &p4b :
				      i % 5 == 3 ? &p6b : NULL;

		ip[i] = p != NULL ? p->b : NULL;
		len[i] = p != NULL ? p->len : 0;
	}
	ov2_spd_classify(spd, ip, len, n, out);
	for (i = 0; i < n; i++) {
		want = i % 5 == 0 ? 1 : i % 5 == 1 ? 2 : i % 5 == 3 ? 4 : 0;
		CHECK_EQ(line_of(out[i]), want);
	}
	CHECK(out[0] != NULL && out[0]->action == PROT && out[0]->spi == 1000);
	CHECK(out[3] != NULL && out[3]->action == BYP);

	/* Two SPDs of the same name are distinct classifiers. */
	spd2 = spd_of("mixed", mixed + 1, 1, rules);
	ip[0] = p4.b;
	len[0] = p4.len;
	ip[1] = p6b.b;
	len[1] = p6b.len;
	ov2_spd_classify(spd2, ip, len, 2, out);
	CHECK(out[0] == NULL);
	CHECK_EQ(line_of(out[1]), 1);
	CHECK(out[1] != NULL && out[1]->spi == 2000);
	ov2_spd_classify(spd, ip, len, 2, out);
	CHECK_EQ(line_of(out[0]), 1);
	CHECK_EQ(line_of(out[1]), 4);
	ov2_spd_free(spd2);
	ov2_spd_free(spd);

	/* No rules, only "out" rules, a NULL SPD: every lookup misses. */
	spd = ov2_spd_create("empty", NULL, 0, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(spd != NULL);
	CHECK_EQ(ov2_spd_count(spd), 0);
	out[0] = out[1] = (const void *)&len;
	ov2_spd_classify(spd, ip, len, 2, out);
	CHECK(out[0] == NULL && out[1] == NULL);
	ov2_spd_free(spd);
	CHECK_EQ(ov2_sp_parse("ipv4 out esp protect 300", &rules[0], err, sizeof(err)), 0);
	spd = ov2_spd_create("out", rules, 1, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(spd != NULL);
	CHECK_EQ(ov2_spd_count(spd), 0);
	out[0] = (const void *)&len;
	ov2_spd_classify(spd, ip, len, 1, out);
	CHECK(out[0] == NULL);
	ov2_spd_free(spd);
	out[0] = (const void *)&len;
	ov2_spd_classify(NULL, ip, len, 1, out);
	CHECK(out[0] == NULL);
	CHECK_EQ(ov2_spd_count(NULL), 0);
	ov2_spd_free(NULL);

	/* Rules the parser would refuse are refused by the classifier too. */
	CHECK_EQ(ov2_sp_parse("ipv4 in esp bypass", &bad, err, sizeof(err)), 0);
	bad.family = 5;
	err[0] = '\0';
	CHECK(ov2_spd_create("bad", &bad, 1, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "family 5") != NULL);
	bad.family = 4;
	bad.dst_len = 33;
	CHECK(ov2_spd_create("bad", &bad, 1, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "prefix length") != NULL);
	bad.dst_len = 0;
	bad.sport_lo = 2;
	bad.sport_hi = 1;
	CHECK(ov2_spd_create("bad", &bad, 1, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "range") != NULL);
	bad.sport_lo = 0;
	bad.action = 0;
	CHECK(ov2_spd_create("bad", &bad, 1, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(ov2_spd_create("bad", NULL, 1, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
}

/* ------------------------------------------------------------------ */
/* 10,000 rules of each family                                         */
/* ------------------------------------------------------------------ */

#define NBIG 10000

/*
 * IPv4 rule i: protect SPI 256+i, src 10.<i/256>.<i%256>.0/24,
 * dst 172.16.0.0/12, udp, dport 1000+(i%50)*10 .. +9.
 * IPv6 rule i: protect SPI 100000+i, dst 2001:db8:<i>::/48, sport 0:1023,
 * dport 2000+(i%97):2000+(i%97), proto 6.
 * Then one IPv4 catch-all rule and one IPv6 one at the lowest priority.
 */
static void
big_rule(uint32_t i, struct ov2_sp_rule *r)
{
	char text[160], err[256] = "";

	if (i < NBIG)
		snprintf(text, sizeof(text), "ipv4 in esp protect %u pri 10 src 10.%u.%u.0/24 "
			 "dst 172.16.0.0/12 proto 17 dport %u:%u", 256 + i, i / 256, i % 256,
			 1000 + (i % 50) * 10, 1000 + (i % 50) * 10 + 9);
	else if (i < 2 * NBIG)
		snprintf(text, sizeof(text), "ipv6 in esp protect %u pri 10 dst 2001:db8:%x::/48 "
			 "proto 6 sport 0:1023 dport %u:%u", 100000 + (i - NBIG), i - NBIG,
			 2000 + (i - NBIG) % 97, 2000 + (i - NBIG) % 97);
	else if (i == 2 * NBIG)
		snprintf(text, sizeof(text), "ipv4 in esp discard");
	else
		snprintf(text, sizeof(text), "ipv6 in esp discard");
	CHECK_EQ(ov2_sp_parse(text, r, err, sizeof(err)), 0);
	r->line = i + 1;
}

static void
test_big(void)
{
	struct ov2_sp_rule *rules = calloc(2 * NBIG + 2, sizeof(*rules));
	const uint8_t *ip[OV2_SPD_BURST_MAX];
	const struct ov2_sp_rule *out[OV2_SPD_BURST_MAX];
	static struct pkt p[OV2_SPD_BURST_MAX];
	uint32_t len[OV2_SPD_BURST_MAX], want[OV2_SPD_BURST_MAX], i, j, k, bad = 0;
	struct timespec t0, t1;
	struct ov2_spd *spd;
	char src[64], dst[64], err[256] = "";

	CHECK(rules != NULL);
	if (rules == NULL)
		return;
	for (i = 0; i < 2 * NBIG + 2; i++)
		big_rule(i, &rules[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	spd = ov2_spd_create("big", rules, 2 * NBIG + 2, SOCKET_ID_ANY, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(spd != NULL);
	if (spd == NULL) {
		fprintf(stderr, "ov2_spd_create(20,002 rules): %s\n", err);
		free(rules);
		return;
	}
	printf("test_spd: built %u IPv4 + %u IPv6 rules in %.2f s\n", NBIG + 1, NBIG + 1,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK_EQ(ov2_spd_count(spd), 2 * NBIG + 2);
	/*
	 * 20 bursts of 32 packets, alternating families: hits on chosen and
	 * pseudo-random rules, and near misses that fall to the catch-all.
	 */
	for (k = 0; k < 20; k++) {
		for (j = 0; j < 32; j++) {
			uint32_t r = (k * 32 + j) * 2654435761u % NBIG;
			uint32_t sel = j % 4;

			if (k == 0 && j < 8)
				r = j < 4 ? j : NBIG - 8 + j;	/* the ends */
			if (sel < 2) {
				uint32_t dp = 1000 + (r % 50) * 10 + (j % 10);

				snprintf(src, sizeof(src), "10.%u.%u.%u", r / 256, r % 256, 1 + j);
				snprintf(dst, sizeof(dst), "172.%u.3.4", 16 + j % 16);
				want[j] = r + 1;
				if (sel == 1 && j % 8 == 1) {
					dp += 10 * ((r % 50) == 49 ? -1 : 1);	/* another rule's ports */
					want[j] = 2 * NBIG + 1;
				} else if (sel == 1 && j % 8 == 5) {
					snprintf(dst, sizeof(dst), "172.32.3.4");	/* outside /12 */
					want[j] = 2 * NBIG + 1;
				}
				p[j] = udp4(src, dst, 7, (uint16_t)dp);
			} else {
				uint32_t dp = 2000 + r % 97, sp = 1023;

				snprintf(dst, sizeof(dst), "2001:db8:%x:%x::9", r, j);
				want[j] = NBIG + r + 1;
				if (sel == 3 && j % 8 == 3) {
					sp = 1024;			/* out of sport 0:1023 */
					want[j] = 2 * NBIG + 2;
				} else if (sel == 3 && j % 8 == 7) {
					snprintf(dst, sizeof(dst), "2001:db9:%x::9", r);
					want[j] = 2 * NBIG + 2;
				}
				p[j] = tcp6("2001:db8:ffff::1", dst, (uint16_t)sp, (uint16_t)dp);
			}
			ip[j] = p[j].b;
			len[j] = p[j].len;
		}
		ov2_spd_classify(spd, ip, len, 32, out);
		for (j = 0; j < 32; j++) {
			if (line_of(out[j]) == want[j])
				continue;
			if (bad++ < 10)
				fprintf(stderr, "big: burst %u packet %u: rule %u won, want %u\n",
					k, j, line_of(out[j]), want[j]);
		}
		test_checks += 32;
	}
	CHECK_EQ(bad, 0);
	test_failures += bad != 0 ? (int)bad - 1 : 0;
	/* The winners are the rules given, SPI included. */
	ip[0] = p[0].b;
	len[0] = p[0].len;
	ov2_spd_classify(spd, ip, len, 1, out);
	CHECK(out[0] != NULL && out[0]->spi == 256 + (want[0] - 1));
	ov2_spd_free(spd);
	free(rules);
}

int
main(void)
{
	test_parse_table();
	test_conf_sp();
	test_eal_init("test_spd");
	test_matrix4();
	test_matrix6();
	test_classify_edges();
	test_big();
	return test_done("test_spd");
}
