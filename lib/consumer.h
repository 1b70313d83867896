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
};

/*
 * One per polling lcore (the reassembly table is not shared). A zeroed
 * struct with sad and stats set also works: no policy, no reassembly.
 */
struct ov2_consumer {
	struct ov2_sad *sad;
	const struct ov2_spd *spd;
	struct ov2_stats *stats;
	struct rte_mempool *big_pool;
	struct rte_ip_frag_tbl *frag;
	void *death_row;		/* struct rte_ip_frag_death_row */
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
 */
uint16_t ov2_consumer_rx(struct ov2_consumer *c, struct rte_mbuf *pkts[],
			 uint16_t n, uint8_t reason[], uint16_t *nb_drop);

#endif
