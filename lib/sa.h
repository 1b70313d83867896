/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security associations: what the configuration says of one (struct
 * ov2_sa_conf) and the live inbound SA the data path uses (struct ov2_sa).
 */
#ifndef OV2_SA_H
#define OV2_SA_H

#include <stdint.h>
#include "caps.h"
#include "crypto_imb.h"
#include "replay.h"
#include "status.h"

#define OV2_IPPROTO_ESP 50
#define OV2_IPPROTO_AH  51

enum ov2_sa_dir { OV2_SA_IN = 0, OV2_SA_OUT = 1 };

enum ov2_sa_mode {
	OV2_MODE_TRANSPORT = 0,
	OV2_MODE_TUNNEL4,	/* ipv4-tunnel: outer header IPv4 */
	OV2_MODE_TUNNEL6,	/* ipv6-tunnel: outer header IPv6 */
};

/* An IPv4 or IPv6 address; family 0 means "not given". */
struct ov2_addr {
	uint8_t family;		/* 0, 4 or 6 */
	uint8_t reserved[3];
	uint8_t a[16];		/* network order; IPv4 in a[0..3], rest zero */
};

/* ov2_sa_conf.flags */
#define OV2_SA_F_ESN		(1u << 0)	/* extended sequence numbers */
#define OV2_SA_F_REPLAY_SET	(1u << 1)	/* replay_window was given */
#define OV2_SA_F_DEPRECATED_OK	(1u << 2)	/* allow-deprecated */
#define OV2_SA_F_UDP_ENCAP	(1u << 3)	/* UDP-ESP (RFC 3948) */
#define OV2_SA_F_BUNDLED	(1u << 4)	/* ESP SA carried inside an AH SA's
						 * bundle: never received alone */

struct ov2_sa_conf {
	uint32_t spi;		/* host order */
	uint8_t dir;		/* enum ov2_sa_dir */
	uint8_t proto;		/* OV2_IPPROTO_ESP or OV2_IPPROTO_AH */
	uint8_t mode;		/* enum ov2_sa_mode */
	uint8_t aead;		/* enum ov2_aead (ESP combined mode) */
	uint8_t cipher;		/* enum ov2_cipher (with auth) */
	uint8_t auth;		/* enum ov2_auth */
	uint8_t key_len;	/* aead/cipher key bytes, salt excluded */
	uint8_t auth_key_len;	/* auth key bytes (GMAC: salt excluded) */
	uint8_t key[32];
	uint8_t salt[4];	/* AEAD or GMAC salt (RFC 4106 / 4543 / 7634) */
	uint8_t auth_key[OV2_AUTH_KEY_MAX];
	uint32_t flags;		/* OV2_SA_F_* */
	uint16_t udp_sport;	/* UDP-ESP ports (host order) */
	uint16_t udp_dport;
	uint32_t replay_window;	/* with OV2_SA_F_REPLAY_SET; 0: check off */
	uint64_t esn_start;	/* sequence number the receiver starts from */
	uint64_t soft_packets;	/* lifetimes; 0: none */
	uint64_t hard_packets;
	uint64_t soft_bytes;
	uint64_t hard_bytes;
	uint32_t pair_spi;	/* inbound: the outbound SA deleted with it */
	uint32_t bundle_spi;	/* AH: the ESP SA inside it (OV2 AH+ESP bundle) */
	struct ov2_addr src;	/* tunnel source (optional) */
	struct ov2_addr dst;	/* tunnel destination (required), or the
				 * local address a transport SA is bound to
				 * (family 0: any local address) */
	uint32_t line;		/* line in the config file, 0 if none */
};

/* Per-SA counters kept by the transport side. */
struct ov2_sa_stats {
	uint64_t delivered;
	uint64_t delivered_bytes;
	uint64_t drops[OV2_DROP_COUNT];
	uint64_t soft_expired;		/* soft lifetime events (0 or 1) */
};

/* ov2_sa.nic.flags */
#define OV2_SA_NIC_EXPIRED	(1u << 0)	/* SaDeleteReq is being set */


/* ov2_sa.host.flags */
#define OV2_SA_HOST_DELETED	(1u << 0)	/* removed; packets in flight drop */
#define OV2_SA_HOST_SOFT	(1u << 1)	/* soft lifetime event raised */

/*
 * A live inbound SA. The crypto state comes first (64-byte aligned, read
 * on every packet); key material in it and in conf is wiped when freed.
 *
 * nic: what the NIC side keeps (lifetime use, the sequence top it infers
 * ESN high bits from, which the transport keeps current through
 * ov2_sa_update_esn(), OV2's UPDATE_SA).
 * host: what the transport side keeps (anti-replay window, counters),
 * written only by the SA's owner lcore (handoff.h), with plain stores.
 * Other threads (the report, a control socket) read the 64-bit counters
 * racily: aligned 64-bit loads are atomic on x86-64, so a reader sees an
 * old or a new value, never a torn one.
 */
struct ov2_sa {
	struct ov2_crypto crypto;
	struct ov2_sa_conf conf;
	uint32_t id;		/* slot in the SA table */
	uint32_t owner;		/* consumer slot + 1 of the lcore that writes
				 * host and replay; 0: not claimed yet
				 * (handoff.h). Set once, by CAS. */
	struct ov2_caps req;	/* what a port must be able to do for it */

	struct {
		uint64_t esn_top;	/* highest verified seq (UPDATE_SA) */
		uint32_t window;	/* for the ESN inference */
		uint64_t packets;	/* verified packets (lifetime) */
		uint64_t bytes;		/* their ESP payload bytes (lifetime) */
		uint32_t flags;		/* OV2_SA_NIC_* */
	} nic __attribute__((aligned(64)));

	struct {
		uint32_t flags;		/* OV2_SA_HOST_* */
		uint32_t window;	/* effective replay window (0: off) */
		struct ov2_sa_stats stats;
	} host __attribute__((aligned(64)));

	/* Anti-replay state, sized for the window: must stay last. */
	struct ov2_replay replay __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/*
 * OV2 UPDATE_SA: the transport tells the NIC side the highest sequence
 * number it accepted, whose high half the NIC side infers ESN high bits
 * from (RFC 4303 Appendix A). The SA's owner lcore calls it when its
 * replay top advances; an operator's "sa update" (ov2_sa_set_esn_high())
 * may write the same word from the control thread, so both use
 * compare-and-swap and neither loses the other's update: this one only
 * ever raises the value. Readers on other lcores see the old or the new
 * value, never a torn one.
 */
static inline void
ov2_sa_update_esn(struct ov2_sa *sa, uint64_t top)
{
	uint64_t cur = __atomic_load_n(&sa->nic.esn_top, __ATOMIC_RELAXED);

	while (top > cur &&
	       !__atomic_compare_exchange_n(&sa->nic.esn_top, &cur, top, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* The operator's UPDATE_SA: replace the high half, keep the low half.
 * Returns the previous value. */
static inline uint64_t
ov2_sa_set_esn_high(struct ov2_sa *sa, uint32_t hi)
{
	uint64_t cur = __atomic_load_n(&sa->nic.esn_top, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&sa->nic.esn_top, &cur,
					    (uint64_t)hi << 32 | (uint32_t)cur, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return cur;
}

#endif
