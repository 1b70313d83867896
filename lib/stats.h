/* SPDX-License-Identifier: BSD-3-Clause */
/* Receive-path counters: per lcore in the data path, summed for reports. */
#ifndef OV2_STATS_H
#define OV2_STATS_H

#include <stdint.h>
#include <stdio.h>
#include "status.h"

/*
 * Every received packet is accounted once:
 *   rx_packets = delivered + drops + frag_merged + frag_held
 * (a reassembled packet carries the outcome of the fragment that
 * completed it; the others are frag_merged).
 */
struct ov2_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t delivered;
	uint64_t delivered_bytes;
	uint64_t not_offloaded;		/* indicated without CryptoDone */
	uint64_t next_crypto_done;	/* indicated with NextCryptoDone */
	uint64_t sw_processed;		/* ESP the consumer processed itself */
	uint64_t fragments;		/* IP fragments received */
	uint64_t reassembled;		/* packets reassembled from them */
	uint64_t frag_merged;		/* fragments merged into another's packet */
	uint64_t frag_held;		/* fragments waiting in the table */
	uint64_t sa_deleted;		/* inbound SAs deleted after SaDeleteReq */
	uint64_t pair_deleted;		/* their paired outbound SAs */
	uint64_t soft_expired;		/* soft lifetime events */
	uint64_t handed_off;		/* to the lcore owning their SA */
	uint64_t crypto_status[OV2_CRYPTO_STATUS_COUNT]; /* with CryptoDone */
	uint64_t drops[OV2_DROP_COUNT];
} __attribute__((aligned(64)));

void ov2_stats_add(struct ov2_stats *sum, const struct ov2_stats *s);
uint64_t ov2_stats_drops_total(const struct ov2_stats *s);

/* Human-readable summary. elapsed_s: the whole run; active_s: from the
 * first packet received to the last (the rate is taken over it). */
void ov2_stats_print(FILE *f, const struct ov2_stats *s, double elapsed_s, double active_s);

/* The JSON members (no enclosing braces), each line indented by indent. */
void ov2_stats_json(FILE *f, const struct ov2_stats *s, double elapsed_s, double active_s,
		    const char *indent);

#endif
