/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The consumer: the transport side of OV2. It reads the OOB data only
 * (never re-checks the crypto), strips ESP from packets the NIC side
 * decrypted, and decides for every packet: deliver, or drop with a reason.
 */
#ifndef OV2_CONSUMER_H
#define OV2_CONSUMER_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "stats.h"

struct ov2_sad;

struct ov2_consumer {
	const struct ov2_sad *sad;	/* to tell "no SA" from "not processed" */
	struct ov2_stats *stats;	/* this lcore's counters */
};

/*
 * Process a burst that carries OOB data. Packets to deliver are decapsulated
 * in place and moved to pkts[0..k); packets to drop are moved to pkts[k..n)
 * with their reasons in reason[k..n). Returns k. Nothing is freed: the
 * caller transmits, frees or sends to an error port. Counts rx, delivered,
 * CryptoStatus and drop reasons in c->stats (the caller counts later
 * transmit failures with OV2_DROP_TX_FAILED).
 */
uint16_t ov2_consumer_rx(struct ov2_consumer *c, struct rte_mbuf *pkts[],
			 uint16_t n, uint8_t reason[]);

#endif
