/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore poll loop: receive a burst (the pmd-shim has tagged every
 * packet with OV2 OOB data), run the consumer, transmit what it delivers,
 * hand the drops to the error port or free them. Then the packets other
 * lcores handed over (SAs this lcore owns, see lib/handoff.h), the same
 * way.
 */
#include <stdio.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include "consumer.h"
#include "handoff.h"
#include "ov2rx.h"

volatile int ov2rx_quit;

#define TX_TRIES 64	/* a full tx ring gets this many retries, then drops */

/* Transmit n packets; returns how many the port did not take (freed). */
static uint16_t
tx_all(const struct ov2rx_txq *t, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;
	int tries = 0;

	if (t->shared)
		rte_spinlock_lock(t->lock);
	while (sent < n && tries++ < TX_TRIES)
		sent += rte_eth_tx_burst(t->port, t->queue, pkts + sent, n - sent);
	if (t->shared)
		rte_spinlock_unlock(t->lock);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return n - sent;
}

static void
deliver(struct ov2rx_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t lost;

	if (n == 0)
		return;
	if (lc->out.port == OV2RX_NO_PORT) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	lost = tx_all(&lc->out, pkts, n);
	/* Counted as delivered by the consumer: move them to a drop reason so
	 * delivered + drops still adds up to what was received. */
	lc->stats.delivered -= lost;
	lc->stats.drops[OV2_DROP_TX_FAILED] += lost;
}

static void
drop(struct ov2rx_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	if (n == 0)
		return;
	if (lc->err.port == OV2RX_NO_PORT) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	/* Already counted under their reasons; a full error port only loses
	 * the copy for inspection. */
	tx_all(&lc->err, pkts, n);
}

static int
poll_queue(struct ov2rx_lcore *lc, struct ov2_consumer *c, const struct ov2rx_rxq *q)
{
	struct rte_mbuf *pkts[OV2RX_BURST];
	uint8_t reason[OV2RX_BURST];
	uint16_t n, k, nd;

	n = rte_eth_rx_burst(q->port, q->queue, pkts, OV2RX_BURST);
	if (n == 0)
		return 0;
	k = ov2_consumer_rx(c, pkts, n, reason, &nd);
	deliver(lc, pkts, k);
	drop(lc, pkts + k, nd);
	return n;
}

/*
 * The packets other lcores handed to this one: as many as were waiting
 * when it started (what arrives meanwhile waits for the next iteration, so
 * two busy lcores cannot keep each other here). Returns how many.
 */
static unsigned int
drain_handoff(struct ov2rx_lcore *lc)
{
	struct rte_mbuf *pkts[OV2RX_BURST];
	uint8_t reason[OV2RX_BURST];
	unsigned int left = ov2_consumer_waiting(&lc->cons), done = 0;
	uint16_t k, nd, taken, want;

	while (left > 0) {
		want = (uint16_t)RTE_MIN(left, (unsigned int)OV2RX_BURST);
		k = ov2_consumer_drain(&lc->cons, pkts, want, reason, &nd, &taken);
		deliver(lc, pkts, k);
		drop(lc, pkts + k, nd);
		if (taken == 0)
			break;
		done += taken;
		left -= RTE_MIN(left, (unsigned int)taken);
	}
	return done;
}

int
ov2rx_lcore_init(struct ov2rx_lcore *lc, struct ov2_handoff *ho, unsigned int slot, int socket)
{
	struct ov2_consumer_conf cc = {
		.sad = lc->sad, .spd = lc->spd, .stats = &lc->stats,
		.big_pool = lc->big_pool, .socket = socket,
		.handoff = ho, .slot = slot,
	};
	char err[128];

	if (ov2_consumer_init(&lc->cons, &cc, err, sizeof(err)) != 0) {
		fprintf(stderr, "ov2rx: lcore slot %u: %s\n", slot, err);
		return -1;
	}
	lc->cons_ready = 1;
	return 0;
}

int
ov2rx_lcore_main(void *arg)
{
	struct ov2rx_lcore *lc = arg;
	unsigned int iter = 0;
	uint16_t i;

	/* QSBR: this lcore looks SAs up (in the rx callback and the
	 * consumer) only inside the loop body; reporting at its top says it
	 * holds no SA or policy pointer it found in earlier iterations. A
	 * pointer that travels on in a packet's OOB (a handoff to another
	 * lcore) is covered by the SA table's three grace periods (sad.h).
	 * The lcore stays online when it stops: ov2rx_lcores_finish() still
	 * runs what waits in its handoff rings, with their SA pointers, and
	 * takes it offline afterwards. */
	lc->lcore_id = rte_lcore_id();
	rte_rcu_qsbr_thread_register(ov2rx.rcu, lc->lcore_id);
	rte_rcu_qsbr_thread_online(ov2rx.rcu, lc->lcore_id);
	lc->rcu_online = 1;
	lc->last_rx_tsc = rte_rdtsc();
	while (!ov2rx_quit) {
		int got = 0;

		/*
		 * RCU quiescent state: the report goes here, at the top of
		 * the loop body, where this lcore holds no SA pointer. An SA
		 * pointer read below (OOB sa, lookups) may travel in a handoff
		 * ring to the owner lcore, which drains its rings further down
		 * in this same iteration of its own loop; so a deleted SA can
		 * be freed only after three grace periods (the receiver's,
		 * the ring's owner's, and a second handoff for a nested SA).
		 */
		rte_rcu_qsbr_quiescent(ov2rx.rcu, lc->lcore_id);
		/* the policy a reload may have replaced */
		lc->cons.spd = __atomic_load_n(&ov2rx.spd, __ATOMIC_ACQUIRE);
		for (i = 0; i < lc->n_rxq; i++)
			got += poll_queue(lc, &lc->cons, &lc->rxq[i]);
		/* every iteration, whatever the ports did (see above) */
		drain_handoff(lc);
		if (got) {
			lc->last_rx_tsc = rte_rdtsc();
			if (lc->first_rx_tsc == 0)
				lc->first_rx_tsc = lc->last_rx_tsc;
		}
		if (lc->tick != NULL && (++iter & 255) == 0)
			lc->tick();
	}
	return 0;
}

void
ov2rx_lcores_finish(struct ov2rx_lcore *const lcs[], unsigned int n)
{
	struct ov2_handoff *ho = NULL;
	unsigned int i, moved;

	/* a nested packet may be handed on once more: repeat until quiet */
	do {
		moved = 0;
		for (i = 0; i < n; i++)
			if (lcs[i]->cons_ready)
				moved += drain_handoff(lcs[i]);
	} while (moved != 0);
	for (i = 0; i < n; i++) {
		if (lcs[i]->rcu_online) {
			rte_rcu_qsbr_thread_offline(ov2rx.rcu, lcs[i]->lcore_id);
			rte_rcu_qsbr_thread_unregister(ov2rx.rcu, lcs[i]->lcore_id);
			lcs[i]->rcu_online = 0;
		}
		if (!lcs[i]->cons_ready)
			continue;
		if (lcs[i]->cons.ho != NULL)
			ho = lcs[i]->cons.ho;
		ov2_consumer_fini(&lcs[i]->cons);
		lcs[i]->cons_ready = 0;
	}
	if (ho != NULL && ov2_handoff_pending(ho) != 0)
		fprintf(stderr, "ov2rx: %u handed-off packets left with no consumer\n",
			ov2_handoff_pending(ho));
}
