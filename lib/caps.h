/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OV2 capabilities (NDIS_IPSEC_OFFLOAD_V2): what the NIC side of a port can
 * process. The engine indicates packets outside its port's capabilities
 * without OOB data; the transport then handles them (software path).
 *
 * The bit values of udp_esp, auth and enc are those of OV2 (ndis.h). OV2
 * names no bit for SHA-384, SHA-512 or ChaCha20-Poly1305; ov2rx reports
 * them above OV2's bits (OV2_CAP_AUTH_SHA384 ...), marked as extensions.
 */
#ifndef OV2_CAPS_H
#define OV2_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* Booleans (flags) */
#define OV2_CAPF_IPV6		(1u << 0)	/* IPv6Supported */
#define OV2_CAPF_IPV4_OPTIONS	(1u << 1)	/* IPv4Options */
#define OV2_CAPF_IPV6_EXT	(1u << 2)	/* IPv6NonIPsecExtensionHeaders */
#define OV2_CAPF_AH		(1u << 3)	/* Ah */
#define OV2_CAPF_ESP		(1u << 4)	/* Esp */
#define OV2_CAPF_AH_ESP		(1u << 5)	/* AhEspCombined */
#define OV2_CAPF_TRANSPORT	(1u << 6)	/* Transport */
#define OV2_CAPF_TUNNEL		(1u << 7)	/* Tunnel */
#define OV2_CAPF_TRANSPORT_TUNNEL (1u << 8)	/* TransportTunnelCombined */
#define OV2_CAPF_LSO		(1u << 9)	/* LsoSupported (send side: never) */
#define OV2_CAPF_ESN		(1u << 10)	/* ExtendedSequenceNumbers */

/* UdpEsp */
#define OV2_UDPESP_TRANSPORT		0x1u
#define OV2_UDPESP_TUNNEL		0x2u
#define OV2_UDPESP_TRANSPORT_OVER_TUNNEL 0x4u	/* transport over UDP-ESP tunnel */
#define OV2_UDPESP_OVER_TUNNEL		0x8u	/* UDP-ESP transport over tunnel */

/* Authentication algorithms */
#define OV2_CAP_AUTH_MD5	0x1u
#define OV2_CAP_AUTH_SHA1	0x2u
#define OV2_CAP_AUTH_SHA256	0x4u
#define OV2_CAP_AUTH_GMAC128	0x8u
#define OV2_CAP_AUTH_GMAC192	0x10u
#define OV2_CAP_AUTH_GMAC256	0x20u
#define OV2_CAP_AUTH_SHA384	0x10000u	/* extension */
#define OV2_CAP_AUTH_SHA512	0x20000u	/* extension */

/* Encryption algorithms */
#define OV2_CAP_ENC_NONE	0x1u
#define OV2_CAP_ENC_DES		0x2u
#define OV2_CAP_ENC_3DES	0x4u
#define OV2_CAP_ENC_GCM128	0x8u
#define OV2_CAP_ENC_GCM192	0x10u
#define OV2_CAP_ENC_GCM256	0x20u
#define OV2_CAP_ENC_CBC128	0x40u
#define OV2_CAP_ENC_CBC192	0x80u
#define OV2_CAP_ENC_CBC256	0x100u
#define OV2_CAP_ENC_CHACHA20	0x10000u	/* extension */

struct ov2_caps {
	uint32_t flags;		/* OV2_CAPF_* */
	uint32_t udp_esp;	/* OV2_UDPESP_* */
	uint32_t auth;		/* OV2_CAP_AUTH_* */
	uint32_t enc;		/* OV2_CAP_ENC_* */
	uint32_t sa_capacity;	/* SaOffloadCapacity */
};

struct ov2_sa_conf;

/* Everything the software engine can do. */
void ov2_caps_software(struct ov2_caps *c, uint32_t sa_capacity);

/*
 * A port's default: the software set without IPv4Options and
 * IPv6NonIPsecExtensionHeaders, as most inline-crypto NICs: such packets
 * reach the transport without OOB and its software path processes them.
 */
void ov2_caps_port_default(struct ov2_caps *c, uint32_t sa_capacity);

/* What an SA needs from a port (flags, udp_esp, auth, enc; capacity 0). */
void ov2_caps_required(const struct ov2_sa_conf *sa, struct ov2_caps *req);

/* 1 when have covers every bit of need. */
static inline int
ov2_caps_cover(const struct ov2_caps *have, const struct ov2_caps *need)
{
	return ((need->flags & ~have->flags) | (need->udp_esp & ~have->udp_esp) |
		(need->auth & ~have->auth) | (need->enc & ~have->enc)) == 0;
}

/*
 * Edit capabilities with a comma-separated list of words, each "+word"
 * (add; only what the software engine can do) or "-word" / "word"
 * (remove): "+ipv4-options,-esn,-cbc". See ov2_caps_names(). Returns 0,
 * or -1 with err naming the bad word (c unchanged then).
 */
int ov2_caps_edit(struct ov2_caps *c, const char *list, char *err, size_t errlen);

/* The words ov2_caps_edit() knows, for messages and --help. */
const char *ov2_caps_names(void);

/* One line per field, "  Name: value", as OV2 names them. */
void ov2_caps_format(const struct ov2_caps *c, char *buf, size_t len);

#endif
