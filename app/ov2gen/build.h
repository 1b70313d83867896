/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builder for ov2gen and the tests: Ethernet frames carrying ESP
 * (RFC 4303, any algorithm of lib/crypto_imb.h, ESN, UDP encapsulation of
 * RFC 3948) for one inbound SA, good or with one chosen fault, the frame
 * ov2rx must deliver for a good one, and the non-ESP UDP packets of a
 * UDP-encapsulated SA (IKE with the non-ESP marker, NAT keep-alives).
 */
#ifndef OV2_BUILD_H
#define OV2_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "sa.h"

#define OV2_BUILD_MAX_FRAME 16384

enum ov2_build_fault {
	OV2_FAULT_NONE = 0,
	OV2_FAULT_BAD_ICV,      /* last ICV byte flipped (whatever the ICV length) */
	OV2_FAULT_UNKNOWN_SPI,  /* SPI replaced by one no SA uses: spi ^ 0x5a5a0000 */
	OV2_FAULT_WRONG_DST,    /* outer destination changed (last address byte + 1) */
	OV2_FAULT_TRUNCATED,    /* frame cut: drop the last 20 bytes; IP (and UDP) length
				 * fields untouched */
	OV2_FAULT_IPV4_OPTIONS, /* outer IPv4 header with 4 bytes of options (NOP,NOP,NOP,EOL),
				 * IHL 6; IPv4 outer only */
	OV2_FAULT_FRAGMENT,     /* outer packet split in 2 IP fragments (first fragment
				 * 8-byte aligned, ~half; UDP-ESP: the UDP datagram is
				 * fragmented); returns 2 frames */
	OV2_FAULT_WRONG_PROTO,  /* IP protocol 51 (AH) with the SA's SPI: a 12-byte AH header
				 * (next header 50, len, reserved, SPI, seq) + 16-byte ICV
				 * placed before the unchanged ESP bytes; for a UDP-ESP SA
				 * too (AH is never UDP-encapsulated): no UDP header then */
	OV2_FAULT_BAD_PAD,      /* padding bytes not 1,2,3..: first pad byte corrupted before
				 * encryption, valid ICV; when the padding would be empty,
				 * one alignment unit (max(block, 4) bytes) is added */
	OV2_FAULT_BAD_INNER,    /* tunnel only: next header 4 but the inner bytes are not a
				 * valid IPv4 packet (version nibble 0); valid ICV */
	OV2_FAULT_COUNT
};

struct ov2_build_opts {
	uint16_t size;          /* length of the delivered IP packet: the inner packet (tunnel)
				 * or the restored packet (transport); >= 28 for IPv4/UDP,
				 * >= 48 for IPv6/UDP */
	uint8_t inner_family;   /* tunnel: 4 or 6 (0 = same as outer); transport: ignored */
	uint8_t l4_proto;       /* 17 UDP (default when 0); other values: pattern payload */
	uint64_t seq;           /* sequence number: low 32 bits on the wire; above
				 * 2^32 - 1 only for an ESN SA (OV2_SA_F_ESN), whose high
				 * half goes into the ICV (RFC 4303 2.2.1) */
	uint32_t flow;          /* varies inner ports/addresses and payload */
	enum ov2_build_fault fault;
	uint8_t pad_extra;      /* extra padding bytes beyond the alignment, a multiple
				 * of it: max(c->block, 4) */
	uint32_t wire_spi;      /* UNKNOWN_SPI: the SPI put on the wire
				 * (0: spi ^ 0x5a5a0000) */
};

/*
 * Build one Ethernet frame (dst MAC 02:00:00:00:00:02, src 02:00:00:00:00:01,
 * no VLAN) carrying an ESP packet for SA conf (expanded crypto c: any ESP
 * algorithm ov2_crypto_init accepts; its iv_len, icv_len and block give
 * the layout). Outer source conf->src if set, else 10.99.0.1 / fd99::1;
 * destination conf->dst, else 10.99.0.2 / fd99::2 (transport SAs with no
 * address: IPv4).
 * IPv4 outer: TTL 64, DF clear, id = low 16 bits of seq, correct checksum.
 * IPv6 outer: hop limit 64, flow label 0.
 * UDP encapsulation (conf OV2_SA_F_UDP_ENCAP, RFC 3948 2.1): outer IP
 * protocol 17, then UDP from udp_sport to udp_dport, length covering the
 * ESP packet, checksum 0 over IPv4 (RFC 3948 2.1 allows it) and the real
 * checksum over IPv6 (RFC 8200 8.1 requires one), then ESP.
 * ESP: SPI, seq (low 32 bits), IV (c->iv_len bytes: AES-GCM, ChaCha20-
 * Poly1305 and GMAC, a counter: big-endian seq ^ (spi << 32), never
 * repeated under the SA's key; CBC: unpredictable (RFC 3602 2.3, RFC 2451
 * 3): SipHash-2-4 of the sequence number under a key derived from the
 * SA's own keys, so it is deterministic for the tests yet cannot be
 * predicted without the SA's keys), payload, padding 1,2,3,... to
 * max(c->block, 4) alignment plus pad_extra, pad length, next header (4 /
 * 41 tunnel, l4 proto transport), then ov2_crypto_esp_seal() encrypts and
 * writes the ICV (with ESN, the high half of seq takes part in it).
 *
 * out[0] (and out[1] for FRAGMENT) must hold OV2_BUILD_MAX_FRAME bytes;
 * lengths go to out_len[]. Returns the number of frames (1 or 2), or -1
 * with err filled on bad options (nothing else is written then).
 *
 * If exp != NULL (OV2_BUILD_MAX_FRAME bytes): for a packet ov2rx delivers
 * (fault NONE, and IPV4_OPTIONS and FRAGMENT, which its consumer processes
 * in software) writes the frame ov2rx must deliver and its length to
 * *exp_len; for the other faults *exp_len = 0. The frame: same Ethernet
 * header, ethertype of the delivered packet; tunnel: the inner packet;
 * transport: the outer header with protocol / next header = l4 proto, the
 * restored length and checksum, then the L4 packet (UDP-ESP included:
 * RFC 3948 3.1.2, the UDP and ESP headers removed, the IP header
 * restored). IPV4_OPTIONS in
 * transport mode keeps the outer header's options (RFC 4303 3.4.4.1: only
 * ESP is removed), so its delivered IP packet is size + 4 bytes. FRAGMENT
 * delivers what the unfragmented packet would (RFC 791 / RFC 8200 4.5
 * reassembly gives back the original header: offset and MF clear, IPv6
 * fragment header removed).
 *
 * Inner packets: IPv4 (IHL 5, TTL 64, id = flow) or IPv6 (hop limit 64),
 * 192.168.F.1 -> 192.168.F.2 / fd00::F:1 -> fd00::F:2 (F from flow), UDP
 * ports from flow (never 500 or 4500), correct UDP checksums (IPv4 and IPv6),
 * deterministic payload pattern.
 */
int ov2_build_esp(const struct ov2_sa_conf *conf, const struct ov2_crypto *c,
		  const struct ov2_build_opts *o, uint8_t *out[2], size_t out_len[2],
		  uint8_t *exp, size_t *exp_len, char *err, size_t errlen);

/*
 * A non-ESP UDP frame of a UDP-encapsulated SA (RFC 3948), on the outer
 * addresses and ports an ESP packet of the SA would use (udp_sport ->
 * udp_dport), with a correct UDP checksum (IPv4 and IPv6):
 *  - keepalive 0: an IKE message, UDP payload = the 4-byte non-ESP marker
 *    (zero, RFC 3948 2.2) then an IKEv2 IKE_SA_INIT request header
 *    (RFC 7296 3.1: initiator SPI from flow, responder SPI 0, version 2.0,
 *    flag Initiator, message ID 0) with one Nonce payload (16 bytes);
 *  - keepalive 1: a NAT keep-alive, UDP payload the single byte 0xff
 *    (RFC 3948 2.3).
 * The receiver delivers both unchanged. Returns the frame length, or 0
 * with err filled (the SA has no UDP encapsulation, bad addresses).
 * out must hold OV2_BUILD_MAX_FRAME bytes.
 */
size_t ov2_build_nonesp(const struct ov2_sa_conf *conf, int keepalive, uint32_t flow,
			uint8_t *out, char *err, size_t errlen);

/*
 * A cleartext UDP frame (no IPsec) of the given IP family (4 or 6) and IP
 * packet size: delivered unchanged. Returns the frame length, 0 if family
 * or size is invalid. out must hold OV2_BUILD_MAX_FRAME bytes.
 */
size_t ov2_build_clear(uint8_t family, uint16_t size, uint32_t flow, uint8_t *out);

/* "bad-icv", ... (ov2gen's names); NULL for an unknown value. */
const char *ov2_build_fault_name(enum ov2_build_fault f);

/* The fault called name ("none" included); OV2_FAULT_COUNT if unknown. */
enum ov2_build_fault ov2_build_fault_parse(const char *name);

#endif
