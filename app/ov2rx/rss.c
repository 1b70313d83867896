/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive spreading: how packets of one input port reach its rx queues.
 *
 * Every SA has one owner lcore (lib/handoff.h); a packet that lands on
 * another lcore's queue costs a handoff. Hashing ESP and AH on the SPI
 * puts all packets of an SA on one queue, so with one queue per lcore the
 * first lcore that sees an SA is the only one that ever does. In order of
 * preference:
 *   1. rte_flow rules ETH / IPV4|IPV6 / ESP|AH and ETH / IPV4|IPV6 / UDP /
 *      ESP with an RSS action over the SPI (RTE_ETH_RSS_ESP / _AH), each
 *      validated first; a device takes those it can;
 *   2. the port's own RSS: RTE_ETH_RSS_ESP / _AH where the device offers
 *      them, RTE_ETH_RSS_IP otherwise (ESP then spreads by addresses:
 *      the SAs between two hosts share a queue);
 *   3. no RSS (virtual devices such as net_pcap): each queue is a source
 *      of its own and packets of one SA may arrive on several; the
 *      handoff keeps one writer per SA.
 */
#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include "ov2rx.h"

void
ov2rx_rss_conf(uint16_t nrxq, const struct rte_eth_dev_info *di, struct rte_eth_conf *pc)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_ESP | RTE_ETH_RSS_AH;

	if (nrxq < 2 || (di->flow_type_rss_offloads & want) == 0)
		return;
	pc->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	pc->rx_adv_conf.rss_conf.rss_hf = want & di->flow_type_rss_offloads;
}

/* One rte_flow pattern that carries an SPI. */
struct spi_flow {
	const char *name;
	enum rte_flow_item_type l3, l4, ipsec;	/* l4: UDP or END (none) */
	uint64_t types;
};

static const struct spi_flow spi_flows[] = {
	{ "ipv4/esp", RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_END,
	  RTE_FLOW_ITEM_TYPE_ESP, RTE_ETH_RSS_ESP },
	{ "ipv6/esp", RTE_FLOW_ITEM_TYPE_IPV6, RTE_FLOW_ITEM_TYPE_END,
	  RTE_FLOW_ITEM_TYPE_ESP, RTE_ETH_RSS_ESP },
	{ "ipv4/ah", RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_END,
	  RTE_FLOW_ITEM_TYPE_AH, RTE_ETH_RSS_AH },
	{ "ipv6/ah", RTE_FLOW_ITEM_TYPE_IPV6, RTE_FLOW_ITEM_TYPE_END,
	  RTE_FLOW_ITEM_TYPE_AH, RTE_ETH_RSS_AH },
	/* UDP-ESP (RFC 3948): the device decides which UDP port is NAT-T */
	{ "ipv4/udp/esp", RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_UDP,
	  RTE_FLOW_ITEM_TYPE_ESP, RTE_ETH_RSS_ESP },
	{ "ipv6/udp/esp", RTE_FLOW_ITEM_TYPE_IPV6, RTE_FLOW_ITEM_TYPE_UDP,
	  RTE_FLOW_ITEM_TYPE_ESP, RTE_ETH_RSS_ESP },
};

/* Validate, then create, one rule; 0 when the port took it. */
static int
add_flow(uint16_t port, const struct spi_flow *f, const uint16_t *queues, uint16_t nrxq,
	 struct rte_flow_error *fe)
{
	const struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item pat[5];
	struct rte_flow_action_rss rss = {
		.func = RTE_ETH_HASH_FUNCTION_DEFAULT,
		.level = 0,	/* the outer headers: the SPI of the packet */
		.types = f->types,
		.queue_num = nrxq,
		.queue = queues,
	};
	const struct rte_flow_action act[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_RSS, .conf = &rss },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	unsigned int n = 0;

	memset(pat, 0, sizeof(pat));
	pat[n++].type = RTE_FLOW_ITEM_TYPE_ETH;
	pat[n++].type = f->l3;
	if (f->l4 != RTE_FLOW_ITEM_TYPE_END)
		pat[n++].type = f->l4;
	pat[n++].type = f->ipsec;
	pat[n].type = RTE_FLOW_ITEM_TYPE_END;
	memset(fe, 0, sizeof(*fe));
	if (rte_flow_validate(port, &attr, pat, act, fe) != 0)
		return -1;
	return rte_flow_create(port, &attr, pat, act, fe) != NULL ? 0 : -1;
}

void
ov2rx_rss_flows(uint16_t port, uint16_t nrxq, char *desc, size_t len)
{
	uint16_t queues[OV2RX_MAX_QUEUES], q;
	struct rte_eth_rss_conf rc = { 0 };
	struct rte_flow_error fe;
	char took[128] = "", why[96] = "";
	size_t used = 0;
	unsigned int i;
	int has_rss;

	if (nrxq < 2) {
		snprintf(desc, len, "1 rx queue");
		return;
	}
	has_rss = rte_eth_dev_rss_hash_conf_get(port, &rc) == 0 && rc.rss_hf != 0;
	for (q = 0; q < nrxq; q++)
		queues[q] = q;
	for (i = 0; i < RTE_DIM(spi_flows); i++) {
		if (add_flow(port, &spi_flows[i], queues, nrxq, &fe) == 0) {
			used += (size_t)snprintf(took + used, sizeof(took) - used, "%s%s",
						 used ? " " : "", spi_flows[i].name);
			if (used >= sizeof(took))
				used = sizeof(took) - 1;
		} else if (why[0] == '\0') {
			/* the first refusal says why (often: no rte_flow at all) */
			snprintf(why, sizeof(why), "%s", fe.message != NULL ? fe.message :
				 "refused");
		}
	}
	if (took[0] != '\0')
		snprintf(desc, len, "%u rx queues; ESP/AH hashed on the SPI by rte_flow RSS (%s)"
			 "%s%s%s", nrxq, took, why[0] ? "; refused the rest: " : "", why,
			 has_rss ? "; other traffic: port RSS" : "");
	else if (has_rss && (rc.rss_hf & RTE_ETH_RSS_ESP))
		snprintf(desc, len, "%u rx queues; port RSS hashes ESP on the SPI "
			 "(rte_flow refused: %s)", nrxq, why);
	else if (has_rss)
		snprintf(desc, len, "%u rx queues; port RSS on IP addresses only, ESP of one SA "
			 "stays on one queue but SAs between two hosts share it "
			 "(rte_flow refused: %s)", nrxq, why);
	else
		snprintf(desc, len, "%u rx queues, no RSS (rte_flow: %s): each queue is a source "
			 "of its own; packets of an SA owned by another lcore are handed to it",
			 nrxq, why);
}
