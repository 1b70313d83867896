/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore poll loop: receive a burst (the pmd-shim has tagged every
 * packet with OV2 OOB data), run the consumer, transmit what it delivers,
 * hand the drops to the error port or free them.
 */
#include <stdio.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include "consumer.h"
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

int
ov2rx_lcore_main(void *arg)
{
	struct ov2rx_lcore *lc = arg;
	struct ov2_consumer_conf cc = {
		.sad = lc->sad, .spd = lc->spd, .stats = &lc->stats,
		.big_pool = lc->big_pool, .socket = (int)rte_socket_id(),
	};
	struct ov2_consumer c;
	unsigned int iter = 0;
	char err[128];
	uint16_t i;

	if (ov2_consumer_init(&c, &cc, err, sizeof(err)) != 0) {
		fprintf(stderr, "ov2rx: lcore %u: %s\n", rte_lcore_id(), err);
		ov2rx_quit = 1;
		return -1;
	}

	/* QSBR: this lcore looks SAs up (in the rx callback and the
	 * consumer) only inside the loop body; reporting at its top says it
	 * holds no SA or policy pointer it found in earlier iterations. A
	 * pointer that travels on in a packet's OOB (a handoff to another
	 * lcore) is covered by the SA table's three grace periods (sad.h). */
	rte_rcu_qsbr_thread_register(ov2rx.rcu, rte_lcore_id());
	rte_rcu_qsbr_thread_online(ov2rx.rcu, rte_lcore_id());
	lc->last_rx_tsc = rte_rdtsc();
	while (!ov2rx_quit) {
		int got = 0;

		rte_rcu_qsbr_quiescent(ov2rx.rcu, rte_lcore_id());
		/* the policy a reload may have replaced */
		c.spd = __atomic_load_n(&ov2rx.spd, __ATOMIC_ACQUIRE);
		for (i = 0; i < lc->n_rxq; i++)
			got += poll_queue(lc, &c, &lc->rxq[i]);
		if (got) {
			lc->last_rx_tsc = rte_rdtsc();
			if (lc->first_rx_tsc == 0)
				lc->first_rx_tsc = lc->last_rx_tsc;
		}
		if (lc->tick != NULL && (++iter & 255) == 0)
			lc->tick();
	}
	ov2_consumer_fini(&c);
	rte_rcu_qsbr_thread_offline(ov2rx.rcu, rte_lcore_id());
	rte_rcu_qsbr_thread_unregister(ov2rx.rcu, rte_lcore_id());
	return 0;
}
