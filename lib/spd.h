/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound security policy (SPD, RFC 4301 4.4.1) in DPDK ipsec-secgw's "sp"
 * syntax, classified with rte_acl:
 *
 *   sp ipv4|ipv6 in|out esp protect <spi> | bypass | discard
 *      [pri N] [src ADDR/LEN] [dst ADDR/LEN] [proto P[:P]]
 *      [sport A:B] [dport A:B]
 *
 * Fields not given match anything. When several rules match, the one with
 * the highest pri wins (ties: the earlier line). Only "in" rules are
 * classified; "out" rules are parsed and kept (this dataplane only
 * receives).
 *
 * "esp" and one action are required; the other words may come in any
 * order, each at most once. pri defaults to 0 (as in ipsec-secgw). SPIs
 * are 256..4294967295. ADDR/LEN must have no bit set beyond LEN, and LEN
 * is required (ipsec-secgw reads a bare address as /0). proto is a range
 * P or P:Q (0..255), sport and dport are ranges A:B (0..65535), lo <= hi.
 */
#ifndef OV2_SPD_H
#define OV2_SPD_H

#include <stddef.h>
#include <stdint.h>

enum ov2_sp_action {
	OV2_SP_PROTECT = 1,
	OV2_SP_BYPASS,
	OV2_SP_DISCARD,
};

struct ov2_sp_rule {
	uint8_t family;		/* 4 or 6 */
	uint8_t dir;		/* OV2_SA_IN or OV2_SA_OUT */
	uint8_t action;		/* enum ov2_sp_action */
	uint8_t src_len;	/* prefix lengths (0: any) */
	uint8_t dst_len;
	uint8_t proto_lo;	/* 0..255: any */
	uint8_t proto_hi;
	uint8_t reserved;
	uint32_t spi;		/* protect: the SA (host order) */
	uint32_t pri;
	uint8_t src[16];	/* network order; IPv4 in [0..3] */
	uint8_t dst[16];
	uint16_t sport_lo, sport_hi;	/* 0..65535: any */
	uint16_t dport_lo, dport_hi;
	uint32_t line;		/* line in the config file, 0 if none */
};

/*
 * Parse the words of one rule after "sp". Returns 0, or -EINVAL with err
 * saying what is wrong (no file:line prefix).
 */
int ov2_sp_parse(const char *words, struct ov2_sp_rule *r, char *err, size_t errlen);

struct ov2_spd;

/*
 * Build the classifier over the "in" rules of rules[0..n) (copied).
 * n may be 0 (every lookup then misses). Ties between matching rules of
 * equal pri go to the one earlier in rules[]. NULL on failure (a rule the
 * parser would refuse, out of memory), err filled.
 */
struct ov2_spd *ov2_spd_create(const char *name, const struct ov2_sp_rule *rules,
			       uint32_t n, int socket, char *err, size_t errlen);
void ov2_spd_free(struct ov2_spd *spd);

/* Inbound rules held. */
uint32_t ov2_spd_count(const struct ov2_spd *spd);

/* Most packets one ov2_spd_classify() call takes. */
#define OV2_SPD_BURST_MAX 64

/*
 * Classify n (<= OV2_SPD_BURST_MAX) IP packets: ip[i] points at the IP
 * header (IPv4 or IPv6, told by the version nibble), len[i] bytes of it
 * readable. Ports are read for TCP, UDP and SCTP first fragments (IPv6:
 * after the extension headers); otherwise they are 0. A packet too short
 * for its header gets NULL. out[i] is the winning rule, or NULL.
 *
 * Nothing is read past len[i], nor past the IP total (IPv6: payload)
 * length. Also NULL: a TCP/UDP/SCTP first fragment too short to hold the
 * ports (no port selector can be checked on it), and an IPv6 packet with
 * more than 8 extension headers. out[i] points into the SPD's copy of the
 * rules (valid until ov2_spd_free()). Safe to call from several lcores at
 * once; a larger n is taken OV2_SPD_BURST_MAX packets at a time.
 */
void ov2_spd_classify(const struct ov2_spd *spd, const uint8_t *const ip[],
		      const uint32_t len[], uint32_t n,
		      const struct ov2_sp_rule *out[]);

#endif
