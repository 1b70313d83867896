/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software offload engine: the NIC side of OV2 in software. For every
 * packet of a burst it writes the OV2 OOB data, following the receive rules
 * of OV2.md in order, and decrypts ESP in place. It never drops or frees a
 * packet: every packet it is given is indicated.
 */
#ifndef OV2_OFFLOAD_H
#define OV2_OFFLOAD_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "caps.h"

struct ov2_sad;

/* Port enable setting (OV2: disabled, AH, ESP, AH and ESP). */
#define OV2_OFFLOAD_OFF 0u
#define OV2_OFFLOAD_AH  (1u << 0)
#define OV2_OFFLOAD_ESP (1u << 1)
#define OV2_OFFLOAD_AH_ESP (OV2_OFFLOAD_AH | OV2_OFFLOAD_ESP)

/* Engine-side counters (per queue / lcore; the caller sums them). */
struct ov2_offload_stats {
	uint64_t packets;	/* packets seen */
	uint64_t crypto_done;	/* packets indicated with CryptoDone */
	uint64_t no_sa;		/* ESP/AH, SA lookup missed: no OOB */
	uint64_t unsupported;	/* cannot process (options, fragment, ...) */
	uint64_t disabled;	/* port offload disabled / protocol not enabled */
	uint64_t sa_delete_req;	/* packets indicated with SaDeleteReq */
	uint64_t ike;		/* IKE / NAT keep-alives on UDP-ESP ports */
	uint64_t next_crypto_done; /* nested transport SAs checked too */
};

struct ov2_offload_ctx {
	const struct ov2_sad *sad;
	unsigned int enable;		/* OV2_OFFLOAD_* */
	struct ov2_caps caps;		/* what this port's NIC side can do */
	struct ov2_offload_stats stats;
	/* lifetime use of an SA without limits, added up over a burst */
	struct ov2_sa *life_sa;
	uint64_t life_packets, life_bytes;
};

/*
 * Process a burst: set the OOB data of pkts[0..n) (ov2_oob_register() must
 * have been called) and decrypt successful ESP packets in place. The ESP
 * header, IV, trailer and ICV stay in the packet; on CRYPTO_SUCCESS the OOB
 * header info (next header, pad length, HeaderInfoSet) is set. With ESN
 * the high half is inferred from the SA's esn_top (kept current by the
 * transport through ov2_sa_update_esn()) and reported in the OOB seq_hi.
 * SaDeleteReq is set on verified packets once the SA reaches a hard
 * lifetime, and on sequence number 2^32-1 of an SA without ESN (the
 * sender cannot go on).
 * Must run on a thread that may use ov2_crypto_mgr().
 */
void ov2_offload_rx(struct ov2_offload_ctx *ctx, struct rte_mbuf *pkts[], uint16_t n);

struct ov2_pkt_info;
struct ov2_sa;

/*
 * For an inline-crypto NIC's verdict on one ESP packet (pmd-shim/inline.c):
 * pi as ov2_pkt_parse() (and ov2_pkt_udp_esp()) left it, sa the ESP SA of
 * its SPI and destination, verified 1 when the NIC verified the ICV and
 * decrypted in place (ESP header, IV, trailer and ICV left in the packet),
 * 0 when it reported a failure. Sets the OOB data (cleared beforehand) as
 * ov2_offload_rx() would for the same packet after its own decryption:
 * status, header info, seq_hi, lifetime use and SaDeleteReq, a nested
 * transport SA (NextCryptoDone). Counts in ctx->stats like the engine.
 * Call ov2_offload_flush() once the burst is done.
 */
void ov2_offload_esp_from_nic(struct ov2_offload_ctx *ctx, struct rte_mbuf *m,
			      const struct ov2_pkt_info *pi, struct ov2_sa *sa, int verified);

/* Add up the lifetime use ov2_offload_esp_from_nic() gathered. */
void ov2_offload_flush(struct ov2_offload_ctx *ctx);

#endif
