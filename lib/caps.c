/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "sa.h"

void
ov2_caps_software(struct ov2_caps *c, uint32_t sa_capacity)
{
	/* Everything the engine implements (LSO is a send-side feature). */
	c->flags = OV2_CAPF_IPV6 | OV2_CAPF_IPV4_OPTIONS | OV2_CAPF_IPV6_EXT |
		   OV2_CAPF_AH | OV2_CAPF_ESP | OV2_CAPF_AH_ESP | OV2_CAPF_TRANSPORT |
		   OV2_CAPF_TUNNEL | OV2_CAPF_TRANSPORT_TUNNEL | OV2_CAPF_ESN;
	c->udp_esp = OV2_UDPESP_TRANSPORT | OV2_UDPESP_TUNNEL |
		     OV2_UDPESP_TRANSPORT_OVER_TUNNEL | OV2_UDPESP_OVER_TUNNEL;
	c->auth = OV2_CAP_AUTH_MD5 | OV2_CAP_AUTH_SHA1 | OV2_CAP_AUTH_SHA256 |
		  OV2_CAP_AUTH_GMAC128 | OV2_CAP_AUTH_GMAC192 | OV2_CAP_AUTH_GMAC256 |
		  OV2_CAP_AUTH_SHA384 | OV2_CAP_AUTH_SHA512;
	c->enc = OV2_CAP_ENC_NONE | OV2_CAP_ENC_DES | OV2_CAP_ENC_3DES |
		 OV2_CAP_ENC_GCM128 | OV2_CAP_ENC_GCM192 | OV2_CAP_ENC_GCM256 |
		 OV2_CAP_ENC_CBC128 | OV2_CAP_ENC_CBC192 | OV2_CAP_ENC_CBC256 |
		 OV2_CAP_ENC_CHACHA20;
	c->sa_capacity = sa_capacity;
}

void
ov2_caps_port_default(struct ov2_caps *c, uint32_t sa_capacity)
{
	ov2_caps_software(c, sa_capacity);
	c->flags &= ~(OV2_CAPF_IPV4_OPTIONS | OV2_CAPF_IPV6_EXT);
}

static uint32_t
auth_bit(uint8_t auth)
{
	switch (auth) {
	case OV2_AUTH_MD5_96: return OV2_CAP_AUTH_MD5;
	case OV2_AUTH_SHA1_96: return OV2_CAP_AUTH_SHA1;
	case OV2_AUTH_SHA256_128: return OV2_CAP_AUTH_SHA256;
	case OV2_AUTH_SHA384_192: return OV2_CAP_AUTH_SHA384;
	case OV2_AUTH_SHA512_256: return OV2_CAP_AUTH_SHA512;
	case OV2_AUTH_AES_128_GMAC: return OV2_CAP_AUTH_GMAC128;
	case OV2_AUTH_AES_192_GMAC: return OV2_CAP_AUTH_GMAC192;
	case OV2_AUTH_AES_256_GMAC: return OV2_CAP_AUTH_GMAC256;
	default: return 0;
	}
}

static uint32_t
enc_bit(const struct ov2_sa_conf *sa)
{
	switch (sa->aead) {
	case OV2_AEAD_AES_128_GCM: return OV2_CAP_ENC_GCM128;
	case OV2_AEAD_AES_192_GCM: return OV2_CAP_ENC_GCM192;
	case OV2_AEAD_AES_256_GCM: return OV2_CAP_ENC_GCM256;
	case OV2_AEAD_CHACHA20_POLY1305: return OV2_CAP_ENC_CHACHA20;
	default: break;
	}
	switch (sa->cipher) {
	case OV2_CIPHER_NULL: return OV2_CAP_ENC_NONE;
	case OV2_CIPHER_AES_128_CBC: return OV2_CAP_ENC_CBC128;
	case OV2_CIPHER_AES_192_CBC: return OV2_CAP_ENC_CBC192;
	case OV2_CIPHER_AES_256_CBC: return OV2_CAP_ENC_CBC256;
	case OV2_CIPHER_DES_CBC: return OV2_CAP_ENC_DES;
	case OV2_CIPHER_3DES_CBC: return OV2_CAP_ENC_3DES;
	default: return 0;
	}
}

void
ov2_caps_required(const struct ov2_sa_conf *sa, struct ov2_caps *req)
{
	int tunnel = sa->mode != OV2_MODE_TRANSPORT;

	memset(req, 0, sizeof(*req));
	req->flags = (sa->proto == OV2_IPPROTO_AH ? OV2_CAPF_AH : OV2_CAPF_ESP) |
		     (tunnel ? OV2_CAPF_TUNNEL : OV2_CAPF_TRANSPORT);
	if (sa->mode == OV2_MODE_TUNNEL6 || sa->dst.family == 6)
		req->flags |= OV2_CAPF_IPV6;
	if (sa->flags & OV2_SA_F_ESN)
		req->flags |= OV2_CAPF_ESN;
	if (sa->bundle_spi != 0 || (sa->flags & OV2_SA_F_BUNDLED))
		req->flags |= OV2_CAPF_AH_ESP;
	if (sa->flags & OV2_SA_F_UDP_ENCAP)
		req->udp_esp = tunnel ? OV2_UDPESP_TUNNEL : OV2_UDPESP_TRANSPORT;
	req->auth = auth_bit(sa->auth);
	if (sa->proto == OV2_IPPROTO_ESP)
		req->enc = enc_bit(sa);
}

static const struct {
	const char *name;
	int field;		/* 0 flags, 1 udp_esp, 2 auth, 3 enc */
	uint32_t bits;
} words[] = {
	{ "ipv6", 0, OV2_CAPF_IPV6 },
	{ "ipv4-options", 0, OV2_CAPF_IPV4_OPTIONS },
	{ "ipv6-ext", 0, OV2_CAPF_IPV6_EXT },
	{ "ah", 0, OV2_CAPF_AH },
	{ "esp", 0, OV2_CAPF_ESP },
	{ "ah-esp", 0, OV2_CAPF_AH_ESP },
	{ "transport", 0, OV2_CAPF_TRANSPORT },
	{ "tunnel", 0, OV2_CAPF_TUNNEL },
	{ "transport-tunnel", 0, OV2_CAPF_TRANSPORT_TUNNEL },
	{ "esn", 0, OV2_CAPF_ESN },
	{ "udp-esp", 1, 0xfu },
	{ "md5", 2, OV2_CAP_AUTH_MD5 },
	{ "sha1", 2, OV2_CAP_AUTH_SHA1 },
	{ "sha256", 2, OV2_CAP_AUTH_SHA256 },
	{ "sha384", 2, OV2_CAP_AUTH_SHA384 },
	{ "sha512", 2, OV2_CAP_AUTH_SHA512 },
	{ "gmac", 2, OV2_CAP_AUTH_GMAC128 | OV2_CAP_AUTH_GMAC192 | OV2_CAP_AUTH_GMAC256 },
	{ "null", 3, OV2_CAP_ENC_NONE },
	{ "des", 3, OV2_CAP_ENC_DES },
	{ "3des", 3, OV2_CAP_ENC_3DES },
	{ "gcm", 3, OV2_CAP_ENC_GCM128 | OV2_CAP_ENC_GCM192 | OV2_CAP_ENC_GCM256 },
	{ "cbc", 3, OV2_CAP_ENC_CBC128 | OV2_CAP_ENC_CBC192 | OV2_CAP_ENC_CBC256 },
	{ "chacha20", 3, OV2_CAP_ENC_CHACHA20 },
};

const char *
ov2_caps_names(void)
{
	return "ipv6, ipv4-options, ipv6-ext, ah, esp, ah-esp, transport, tunnel, "
	       "transport-tunnel, esn, udp-esp, md5, sha1, sha256, sha384, sha512, gmac, "
	       "null, des, 3des, gcm, cbc, chacha20";
}

int
ov2_caps_edit(struct ov2_caps *c, const char *list, char *err, size_t errlen)
{
	struct ov2_caps n = *c, sw;
	const char *p = list;
	uint32_t *field, can;

	ov2_caps_software(&sw, 0);
	if (*p == '\0') {
		snprintf(err, errlen, "no capability given (known: %s)", ov2_caps_names());
		return -1;
	}
	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len, i;
		int add = *p == '+';

		if (*p == '+' || *p == '-')
			p++;
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].name) == len && memcmp(words[i].name, p, len) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0])) {
			snprintf(err, errlen, "unknown capability '%.*s' (known: %s)",
				 (int)(len > 32 ? 32 : len), p, ov2_caps_names());
			return -1;
		}
		switch (words[i].field) {
		case 0: field = &n.flags; can = sw.flags; break;
		case 1: field = &n.udp_esp; can = sw.udp_esp; break;
		case 2: field = &n.auth; can = sw.auth; break;
		default: field = &n.enc; can = sw.enc; break;
		}
		if (add && (words[i].bits & ~can) != 0) {
			snprintf(err, errlen, "capability '%s' cannot be added: the engine "
				 "does not implement it", words[i].name);
			return -1;
		}
		if (add)
			*field |= words[i].bits;
		else
			*field &= ~words[i].bits;
		if (e == NULL)
			break;
		p = e + 1;
	}
	*c = n;
	return 0;
}

static const char *
yes(uint32_t flags, uint32_t bit)
{
	return (flags & bit) ? "yes" : "no";
}

void
ov2_caps_format(const struct ov2_caps *c, char *buf, size_t len)
{
	snprintf(buf, len,
		 "  IPv6Supported %s, IPv4Options %s, IPv6NonIPsecExtensionHeaders %s,\n"
		 "  Ah %s, Esp %s, AhEspCombined %s, Transport %s, Tunnel %s,\n"
		 "  TransportTunnelCombined %s, LsoSupported %s, ExtendedSequenceNumbers %s,\n"
		 "  UdpEsp 0x%x, AuthenticationAlgorithms 0x%x, EncryptionAlgorithms 0x%x,\n"
		 "  SaOffloadCapacity %u\n",
		 yes(c->flags, OV2_CAPF_IPV6), yes(c->flags, OV2_CAPF_IPV4_OPTIONS),
		 yes(c->flags, OV2_CAPF_IPV6_EXT), yes(c->flags, OV2_CAPF_AH),
		 yes(c->flags, OV2_CAPF_ESP), yes(c->flags, OV2_CAPF_AH_ESP),
		 yes(c->flags, OV2_CAPF_TRANSPORT), yes(c->flags, OV2_CAPF_TUNNEL),
		 yes(c->flags, OV2_CAPF_TRANSPORT_TUNNEL), yes(c->flags, OV2_CAPF_LSO),
		 yes(c->flags, OV2_CAPF_ESN), c->udp_esp, c->auth, c->enc, c->sa_capacity);
}
