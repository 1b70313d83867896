/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handoff rings between the polling lcores (see handoff.h).
 */
#include <stdio.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include "handoff.h"

struct ov2_handoff *
ov2_handoff_create(const char *name, unsigned int n, unsigned int size, int socket,
		   char *err, size_t errlen)
{
	struct ov2_handoff *h;
	char rn[RTE_RING_NAMESIZE];
	unsigned int s, d;

	if (size == 0)
		size = OV2_HANDOFF_RING_SIZE;
	if (n == 0 || n > OV2_HANDOFF_MAX_LCORES) {
		snprintf(err, errlen, "handoff: %u lcores (1..%u)", n, OV2_HANDOFF_MAX_LCORES);
		return NULL;
	}
	if (!rte_is_power_of_2(size) || size < 2) {
		snprintf(err, errlen, "handoff: ring size %u is not a power of two", size);
		return NULL;
	}
	h = rte_zmalloc_socket("ov2_handoff", sizeof(*h) + sizeof(h->ring[0]) * n * n,
			       RTE_CACHE_LINE_SIZE, socket);
	if (h == NULL) {
		snprintf(err, errlen, "handoff: out of memory");
		return NULL;
	}
	h->n = n;
	for (s = 0; s < n; s++) {
		for (d = 0; d < n; d++) {
			if (s == d)
				continue;
			snprintf(rn, sizeof(rn), "%.16s_ho%u_%u", name, s, d);
			/* one producer (lcore s), one consumer (lcore d); the
			 * usable size is size - 1 */
			h->ring[s * n + d] = rte_ring_create_elem(rn,
				sizeof(struct ov2_handoff_item), size, socket,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (h->ring[s * n + d] == NULL) {
				snprintf(err, errlen, "handoff: cannot create ring %s: %s", rn,
					 rte_strerror(rte_errno));
				ov2_handoff_free(h);
				return NULL;
			}
		}
	}
	return h;
}

unsigned int
ov2_handoff_pending(const struct ov2_handoff *h)
{
	unsigned int i, t = 0;

	if (h == NULL)
		return 0;
	for (i = 0; i < h->n * h->n; i++)
		if (h->ring[i] != NULL)
			t += rte_ring_count(h->ring[i]);
	return t;
}

void
ov2_handoff_free(struct ov2_handoff *h)
{
	unsigned int i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n * h->n; i++)
		rte_ring_free(h->ring[i]);
	rte_free(h);
}
