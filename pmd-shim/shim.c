/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include "inline.h"
#include "oob.h"
#include "shim.h"

struct shim_queue {
	struct ov2_offload_ctx ctx;	/* written only by the polling lcore */
	/* the SAs on the NIC: NULL until ov2_shim_start() published them */
	const struct ov2_inline_set *inl;
	struct ov2_inline_stats inl_stats;
	const struct rte_eth_rxtx_callback *cb;
} __rte_cache_aligned;

struct shim_port {
	uint16_t nb_rxq;
	unsigned int enable;
	const struct ov2_sad *sad;
	struct ov2_caps caps;
	struct ov2_inline_port inl;
	struct shim_queue *q;
};

static struct shim_port ports[RTE_MAX_ETHPORTS];

static const char *const enable_names[] = {
	[OV2_OFFLOAD_OFF] = "off",
	[OV2_OFFLOAD_AH] = "ah",
	[OV2_OFFLOAD_ESP] = "esp",
	[OV2_OFFLOAD_AH_ESP] = "ah-esp",
};

int
ov2_shim_enable_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(enable_names); i++)
		if (strcmp(s, enable_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ov2_shim_enable_name(unsigned int enable)
{
	return enable < RTE_DIM(enable_names) ? enable_names[enable] : "?";
}

/* The rx callback: every packet of the burst is tagged, none dropped. A
 * port with SAs on its NIC translates what the NIC processed. */
static uint16_t
rx_offload_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[],
	      uint16_t n, uint16_t max, void *arg)
{
	struct shim_queue *sq = arg;
	const struct ov2_inline_set *inl = __atomic_load_n(&sq->inl, __ATOMIC_ACQUIRE);

	(void)port;
	(void)queue;
	(void)max;
	if (n == 0)
		return n;
	if (inl != NULL)
		ov2_inline_rx(&sq->ctx, inl, &sq->inl_stats, pkts, n);
	else
		ov2_offload_rx(&sq->ctx, pkts, n);
	return n;
}

uint64_t
ov2_shim_rx_offloads(uint16_t port)
{
	return ov2_inline_rx_offloads(port);
}

int
ov2_shim_attach(uint16_t port, uint16_t nb_rxq, const struct ov2_sad *sad,
		unsigned int enable, const struct ov2_caps *caps,
		char *err, size_t errlen)
{
	struct shim_port *sp;
	uint16_t q;
	int rc;

	if (!rte_eth_dev_is_valid_port(port) || nb_rxq == 0 || enable > OV2_OFFLOAD_AH_ESP) {
		snprintf(err, errlen, "port %u: invalid receive path settings", port);
		return -EINVAL;
	}
	rc = ov2_oob_register();
	if (rc != 0) {
		snprintf(err, errlen, "cannot register the OV2 mbuf field: %s", strerror(-rc));
		return rc;
	}
	sp = &ports[port];
	if (sp->q != NULL) {
		snprintf(err, errlen, "port %u: receive path already installed", port);
		return -EEXIST;
	}
	sp->q = rte_zmalloc("ov2_shim", nb_rxq * sizeof(*sp->q), RTE_CACHE_LINE_SIZE);
	if (sp->q == NULL) {
		snprintf(err, errlen, "port %u: out of memory", port);
		return -ENOMEM;
	}
	sp->nb_rxq = nb_rxq;
	sp->enable = enable;
	sp->sad = sad;
	sp->caps = *caps;
	/* sessions and flows need a started port: ov2_shim_start() */
	ov2_inline_probe(port, enable, &sp->inl);
	for (q = 0; q < nb_rxq; q++) {
		sp->q[q].ctx.sad = sad;
		sp->q[q].ctx.enable = enable;
		sp->q[q].ctx.caps = *caps;
		sp->q[q].cb = rte_eth_add_rx_callback(port, q, rx_offload_cb, &sp->q[q]);
		if (sp->q[q].cb == NULL) {
			snprintf(err, errlen, "port %u queue %u: cannot install the rx callback: %s",
				 port, q, rte_strerror(rte_errno));
			ov2_shim_detach(port);
			return -rte_errno;
		}
	}
	return 0;
}

void
ov2_shim_detach(uint16_t port)
{
	struct shim_port *sp = &ports[port];
	uint16_t q;

	if (sp->q == NULL)
		return;
	for (q = 0; q < sp->nb_rxq; q++)
		if (sp->q[q].cb != NULL)
			rte_eth_remove_rx_callback(port, q, sp->q[q].cb);
	/* rte_eth_remove_rx_callback does not free the callback: the port is
	 * stopped, so no lcore can be inside it any more. */
	ov2_inline_port_stop(port, &sp->inl);
	rte_free(sp->q);
	memset(sp, 0, sizeof(*sp));
}

void
ov2_shim_stats(uint16_t port, struct ov2_offload_stats *sum)
{
	const struct shim_port *sp = &ports[port];
	uint16_t q;

	memset(sum, 0, sizeof(*sum));
	for (q = 0; sp->q != NULL && q < sp->nb_rxq; q++) {
		const struct ov2_offload_stats *s = &sp->q[q].ctx.stats;

		sum->packets += s->packets;
		sum->crypto_done += s->crypto_done;
		sum->no_sa += s->no_sa;
		sum->unsupported += s->unsupported;
		sum->disabled += s->disabled;
		sum->sa_delete_req += s->sa_delete_req;
		sum->ike += s->ike;
		sum->next_crypto_done += s->next_crypto_done;
	}
}

int
ov2_shim_start(uint16_t port)
{
	struct shim_port *sp;
	uint16_t q;

	if (port >= RTE_MAX_ETHPORTS || ports[port].q == NULL)
		return -ENOENT;
	sp = &ports[port];
	if (ov2_inline_port_start(port, &sp->inl, sp->sad, &sp->caps) == 0)
		return 0;
	/* the set is complete before a queue sees it */
	for (q = 0; q < sp->nb_rxq; q++)
		__atomic_store_n(&sp->q[q].inl, &sp->inl.set, __ATOMIC_RELEASE);
	return (int)sp->inl.n_ent;
}

void
ov2_shim_inline_stats(uint16_t port, struct ov2_inline_stats *sum)
{
	const struct shim_port *sp = &ports[port];
	uint16_t q;

	memset(sum, 0, sizeof(*sum));
	for (q = 0; sp->q != NULL && q < sp->nb_rxq; q++) {
		const struct ov2_inline_stats *s = &sp->q[q].inl_stats;

		sum->nic_ok += s->nic_ok;
		sum->nic_failed += s->nic_failed;
		sum->nic_unknown += s->nic_unknown;
		sum->to_software += s->to_software;
	}
}

void
ov2_shim_describe(uint16_t port, char *buf, size_t len)
{
	const struct shim_port *sp = &ports[port];
	const char *s = sp->nb_rxq == 1 ? "" : "s";

	if (sp->inl.n_ent > 0)
		snprintf(buf, len, "inline crypto (rte_security): %u of %u SAs on the NIC, "
			 "the others on the software offload engine (libipsec-mb), "
			 "offload %s, %u rx queue%s", sp->inl.n_ent, sp->inl.n_sa,
			 ov2_shim_enable_name(sp->enable), sp->nb_rxq, s);
	else
		snprintf(buf, len, "software offload engine (libipsec-mb), offload %s, "
			 "%u rx queue%s; no inline crypto: %s", ov2_shim_enable_name(sp->enable),
			 sp->nb_rxq, s, sp->inl.why[0] != '\0' ? sp->inl.why :
			 "no SA the NIC can take");
}

int
ov2_shim_caps(uint16_t port, struct ov2_caps *caps)
{
	if (port >= RTE_MAX_ETHPORTS || ports[port].q == NULL)
		return -ENOENT;
	*caps = ports[port].caps;
	return 0;
}
