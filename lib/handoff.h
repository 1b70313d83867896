/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handoff between polling lcores: one writer per SA.
 *
 * Every inbound SA gets an owner: the first consumer (polling lcore) that
 * processes one of its packets claims it with one compare-and-swap, as VPP
 * does. Only the owner writes the SA's sequence state (replay window, ESN
 * top through UPDATE_SA) and its per-SA counters, with plain stores. A
 * packet of an SA another lcore owns is handed to that owner through a
 * single-producer / single-consumer ring for the (source, destination)
 * pair; the owner runs the consumer's per-SA stage on it. With RSS on the
 * SPI every packet of an SA reaches its owner's queue and nothing is handed
 * off.
 *
 * The rings never block: a full ring drops the packet, counted as
 * handoff_full by the lcore that tried.
 */
#ifndef OV2_HANDOFF_H
#define OV2_HANDOFF_H

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

struct ov2_sa;

#define OV2_HANDOFF_MAX_LCORES	64	/* polling lcores in one group */
#define OV2_HANDOFF_RING_SIZE	1024	/* default ring size (packets) */

/* Where the receiving consumer stopped: what the owner runs. */
enum ov2_handoff_stage {
	OV2_HANDOFF_SA = 0,	/* the packet's own SA (OOB sa): all of it */
	OV2_HANDOFF_NESTED,	/* outer SA done; nested / bundled SA next */
	OV2_HANDOFF_INNER,	/* outer SA done; the inner packet's SA, which
				 * the software path checked (OOB rewritten) */
};

/* One ring element: the packet and where it stands. */
struct ov2_handoff_item {
	struct rte_mbuf *m;
	struct ov2_sa *outer;	/* NESTED / INNER: the outer SA (policy) */
	uint32_t stage;		/* enum ov2_handoff_stage */
	uint32_t reserved;
};

/* The rings of a group of n consumers: ring[src * n + dst], NULL on the
 * diagonal. */
struct ov2_handoff {
	unsigned int n;
	struct rte_ring *ring[];
};

/*
 * n: consumers in the group (1..OV2_HANDOFF_MAX_LCORES); size: packets per
 * ring (a power of two; 0: OV2_HANDOFF_RING_SIZE). NULL on failure, err
 * filled.
 */
struct ov2_handoff *ov2_handoff_create(const char *name, unsigned int n, unsigned int size,
				       int socket, char *err, size_t errlen);

/* The rings must be empty (ov2_handoff_pending() == 0). */
void ov2_handoff_free(struct ov2_handoff *h);

/* Packets waiting in every ring of the group. Exact only when no consumer
 * runs. */
unsigned int ov2_handoff_pending(const struct ov2_handoff *h);

static inline struct rte_ring *
ov2_handoff_ring(const struct ov2_handoff *h, unsigned int src, unsigned int dst)
{
	return h->ring[src * h->n + dst];
}

#endif
