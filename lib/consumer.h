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
struct ov2_spd;
struct ov2_handoff;
struct rte_mempool;
struct rte_ip_frag_tbl;

/* ov2_consumer_init() parameters. */
struct ov2_consumer_conf {
	struct ov2_sad *sad;		/* SA lookups, DELETE_SA after SaDeleteReq */
	const struct ov2_spd *spd;	/* NULL or no rules: no policy check */
	struct ov2_stats *stats;	/* this lcore's counters */
	struct rte_mempool *big_pool;	/* one-segment buffers for reassembled
					 * packets; NULL: no reassembly */
	uint32_t frag_max;		/* packets reassembled at once (0: 1024) */
	uint32_t frag_timeout_ms;	/* reassembly timeout (0: 2000) */
	int socket;
	struct ov2_handoff *handoff;	/* NULL: this consumer writes every SA
					 * itself (one lcore) */
	unsigned int slot;		/* this consumer's index in handoff */
};

/*
 * One per polling lcore (the reassembly table is not shared). A zeroed
 * struct with sad and stats set also works: no policy, no reassembly, no
 * handoff.
 *
 * With a handoff group (several lcores), the consumer claims the SAs it
 * sees first and hands packets of SAs other lcores own to them (see
 * handoff.h); ov2_consumer_drain() runs the per-SA stage on the packets
 * handed to this one. Each lcore must drain within every iteration of its
 * poll loop: SA pointers travel with the packets, and SA reclamation waits
 * for the lcores that may still hold one.
 */
struct ov2_consumer {
	struct ov2_sad *sad;
	const struct ov2_spd *spd;
	struct ov2_stats *stats;
	struct rte_mempool *big_pool;
	struct rte_ip_frag_tbl *frag;
	void *death_row;		/* struct rte_ip_frag_death_row */
	struct ov2_handoff *ho;		/* NULL: no handoff */
	unsigned int slot;		/* index in ho */
	unsigned int next_src;		/* drain: the ring to start from */
};

int ov2_consumer_init(struct ov2_consumer *c, const struct ov2_consumer_conf *conf,
		      char *err, size_t errlen);

/* Drop the fragments still waiting (counted as reassembly_failed) and free
 * the table. */
void ov2_consumer_fini(struct ov2_consumer *c);

/*
 * Process a burst that carries OOB data, in RFC 4303 / 4301 inbound order:
 * the NIC side's verdict, SaDeleteReq (DELETE_SA of the SA and its pair,
 * once), the anti-replay check and window update (after the ICV verified;
 * UPDATE_SA keeps the NIC side's ESN state current), trailer checks and
 * decapsulation, then the inbound policy. Packets without OOB: cleartext
 * goes to policy; ESP/AH of a known SA is processed here in software (IPv4
 * options, reassembled fragments, offload off); ESP/AH without an SA is
 * dropped.
 *
 * Packets to deliver are moved to pkts[0..k); packets to drop follow in
 * pkts[k..k + *nb_drop) with their reasons in reason[]. Returns k.
 * Fragments kept for reassembly leave the array (a reassembled packet
 * takes the place of the fragment that completed it). nb_drop may be NULL
 * only for a consumer without reassembly (then k + drops == n). Nothing in
 * the array is freed here; fragments the reassembly table gives up are
 * freed by the consumer and counted as reassembly_failed. Counts
 * everything in c->stats and per SA.
 *
 * With a handoff group, packets of SAs another lcore owns also leave the
 * array: they are enqueued to the owner's ring (counted there), or, when
 * that ring is full, dropped here as handoff_full (never waits).
 */
uint16_t ov2_consumer_rx(struct ov2_consumer *c, struct rte_mbuf *pkts[],
			 uint16_t n, uint8_t reason[], uint16_t *nb_drop);

/*
 * Take up to max packets other lcores handed to this consumer (round robin
 * over their rings) and run the rest of the consumer on them, as
 * ov2_consumer_rx() does: delivered in pkts[0..k), drops after them,
 * returns k. rx_packets was counted by the lcore that received them.
 * *nb_taken: packets taken from the rings (0: they were empty).
 */
uint16_t ov2_consumer_drain(struct ov2_consumer *c, struct rte_mbuf *pkts[], uint16_t max,
			    uint8_t reason[], uint16_t *nb_drop, uint16_t *nb_taken);

/* Packets waiting in the rings to this consumer (a snapshot). */
unsigned int ov2_consumer_waiting(const struct ov2_consumer *c);

#endif
