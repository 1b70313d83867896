/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The statistics of a run: one generator for the --stats-json file written
 * at exit, the "ov2ctl stats" reply and the /ov2/stats telemetry command.
 * While the lcores run, their counters are read as they are (each a plain
 * 64-bit word one lcore writes: a reader sees the old or the new value),
 * so a live document is a snapshot that may be a burst out of step.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include "conf.h"
#include "ov2rx.h"
#include "sad.h"
#include "shim.h"
#include "spd.h"

void
ov2rx_report_save_ports(void)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		struct ov2rx_port_report *r = &ov2rx.port_reports[p];

		if (ov2rx.port_role[p] == 0)
			continue;
		ov2_shim_stats(p, &r->engine);
		rte_eth_stats_get(p, &r->eth);
		rte_eth_dev_get_name_by_port(p, r->name);
	}
	ov2rx.ports_saved = 1;
}

/* A port's counters: saved at exit (the ports are closed by then), read
 * from the port while it runs. */
static void
port_counters(uint16_t p, struct ov2rx_port_report *r)
{
	if (ov2rx.ports_saved) {
		*r = ov2rx.port_reports[p];
		return;
	}
	memset(r, 0, sizeof(*r));
	ov2_shim_stats(p, &r->engine);
	rte_eth_stats_get(p, &r->eth);
	rte_eth_dev_get_name_by_port(p, r->name);
}

void
ov2rx_report_sum(struct ov2_stats *sum, double *elapsed, double *active)
{
	double hz = (double)rte_get_tsc_hz();
	uint64_t first = UINT64_MAX, last = 0, stop;
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ov2rx.n_active; i++) {
		const struct ov2rx_lcore *lc = ov2rx.lcores[i];

		ov2_stats_add(sum, &lc->stats);
		if (lc->first_rx_tsc != 0) {
			first = RTE_MIN(first, lc->first_rx_tsc);
			last = RTE_MAX(last, lc->last_rx_tsc);
		}
	}
	stop = ov2rx.stop_tsc != 0 ? ov2rx.stop_tsc : rte_rdtsc();
	*elapsed = ov2rx.start_tsc != 0 && stop > ov2rx.start_tsc ?
		   (double)(stop - ov2rx.start_tsc) / hz : 0;
	*active = last > first ? (double)(last - first) / hz : 0;
}

static void
json_ports(FILE *f)
{
	const char *sep = "";
	uint16_t p;

	fprintf(f, "  \"ports\": [");
	for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
		struct ov2rx_port_report r;

		if (ov2rx.port_role[p] == 0)
			continue;
		port_counters(p, &r);
		fprintf(f, "%s\n    {\"port\": %u, \"name\": \"%s\", \"in\": %s, "
			"\"offload\": \"%s\", \"ipackets\": %" PRIu64 ", \"opackets\": %"
			PRIu64 ", \"imissed\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
			", \"engine\": {\"packets\": %" PRIu64 ", \"crypto_done\": %" PRIu64
			", \"no_sa\": %" PRIu64 ", \"unsupported\": %" PRIu64
			", \"disabled\": %" PRIu64 ", \"sa_delete_req\": %" PRIu64
			", \"ike\": %" PRIu64 ", \"next_crypto_done\": %" PRIu64 "}}",
			sep, p, r.name, ov2rx.port_nrxq[p] ? "true" : "false",
			ov2rx.port_nrxq[p] ? ov2_shim_enable_name(ov2rx.opts.offload[p]) : "n/a",
			r.eth.ipackets, r.eth.opackets, r.eth.imissed, r.eth.rx_nombuf,
			r.engine.packets, r.engine.crypto_done, r.engine.no_sa,
			r.engine.unsupported, r.engine.disabled, r.engine.sa_delete_req,
			r.engine.ike, r.engine.next_crypto_done);
		sep = ",";
	}
	fprintf(f, "\n  ]");
}

/* Per-SA counters: JSON members, and the lines of the printed summary. */
struct sa_walk {
	FILE *f;
	const char *sep;
	unsigned int printed, more;
};

static uint64_t
sa_drops(const struct ov2_sa_record *r)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < OV2_DROP_COUNT; i++)
		t += r->stats.drops[i];
	return t;
}

static int
sa_json(const struct ov2_sa_record *r, void *arg)
{
	struct sa_walk *w = arg;
	const struct ov2_sa_stats *st = &r->stats;
	const char *sep = "";
	char dst[64];
	unsigned int i;

	fprintf(w->f, "%s\n    {\"spi\": %u, \"dst\": \"%s\", \"proto\": \"%s\", "
		"\"deleted\": %s, \"delivered\": %" PRIu64 ", \"delivered_bytes\": %" PRIu64
		", \"drops\": {", w->sep, r->spi, ov2_addr_str(&r->dst, dst, sizeof(dst)),
		r->proto == OV2_IPPROTO_AH ? "ah" : "esp", r->deleted ? "true" : "false",
		st->delivered, st->delivered_bytes);
	for (i = 0; i < OV2_DROP_COUNT; i++) {
		if (st->drops[i] == 0)
			continue;
		fprintf(w->f, "%s\"%s\": %" PRIu64, sep, ov2_drop_name(i), st->drops[i]);
		sep = ", ";
	}
	/* the lcore (index among the polling ones) that writes its state */
	if (r->owner != 0)
		fprintf(w->f, "}, \"owner\": %u", r->owner - 1);
	else
		fprintf(w->f, "}, \"owner\": null");
	fprintf(w->f, ", \"drops_total\": %" PRIu64 ", \"replay_window\": %u, "
		"\"replay_top\": %" PRIu64 ", \"lifetime_packets\": %" PRIu64
		", \"lifetime_bytes\": %" PRIu64 ", \"soft_expired\": %" PRIu64 "}",
		sa_drops(r), r->replay_window, r->replay_top, r->lifetime_packets,
		r->lifetime_bytes, st->soft_expired);
	w->sep = ",";
	return 0;
}

#define SA_PRINT_MAX 32

static int
sa_print(const struct ov2_sa_record *r, void *arg)
{
	struct sa_walk *w = arg;
	const struct ov2_sa_stats *st = &r->stats;
	char dst[64];
	unsigned int i;

	if (st->delivered == 0 && sa_drops(r) == 0)
		return 0;
	if (w->printed == SA_PRINT_MAX) {
		w->more++;
		return 0;
	}
	w->printed++;
	fprintf(w->f, "  SA %-10u dst %-16s %s delivered %" PRIu64 ", dropped %" PRIu64,
		r->spi, ov2_addr_str(&r->dst, dst, sizeof(dst)), r->deleted ? "(deleted)" : "",
		st->delivered, sa_drops(r));
	for (i = 0; i < OV2_DROP_COUNT; i++)
		if (st->drops[i] != 0)
			fprintf(w->f, " %s %" PRIu64, ov2_drop_name(i), st->drops[i]);
	fprintf(w->f, "\n");
	return 0;
}

int
ov2rx_report_json(FILE *f)
{
	struct sa_walk w = { .f = f, .sep = "" };
	struct ov2_stats sum;
	double elapsed, active;

	ov2rx_report_sum(&sum, &elapsed, &active);
	fprintf(f, "{\n");
	ov2_stats_json(f, &sum, elapsed, active, "  ");
	fprintf(f, ",\n  \"running\": %s,\n  \"sa_count\": %u,\n  \"out_sa_count\": %u,\n"
		"  \"sa_capacity\": %u,\n  \"sa_pending_reclaim\": %u,\n"
		"  \"sa_records_dropped\": %" PRIu64 ",\n  \"policy_rules\": %u,\n"
		"  \"lcores\": %u,\n", ov2rx.stop_tsc == 0 ? "true" : "false",
		ov2_sad_count(ov2rx.sad), ov2_sad_out_count(ov2rx.sad),
		ov2_sad_capacity(ov2rx.sad), ov2_sad_pending(ov2rx.sad),
		ov2_sad_records_dropped(ov2rx.sad), ov2_spd_count(ov2rx.spd), ov2rx.n_active);
	fprintf(f, "  \"mbufs_in_use_at_exit\": %u,\n", ov2rx.mbufs_leaked);
	json_ports(f);
	fprintf(f, ",\n  \"sas\": [");
	ov2_sad_foreach_record(ov2rx.sad, sa_json, &w);
	fprintf(f, "\n  ]\n}\n");
	return ferror(f) ? -1 : 0;
}

void
ov2rx_report_print(FILE *f)
{
	struct sa_walk w = { .f = f };
	struct ov2_stats sum;
	double elapsed, active;

	ov2rx_report_sum(&sum, &elapsed, &active);
	ov2_stats_print(f, &sum, elapsed, active);
	fprintf(f, "per SA (with traffic):\n");
	ov2_sad_foreach_record(ov2rx.sad, sa_print, &w);
	if (w.more != 0)
		fprintf(f, "  ... and %u more SAs with traffic (see --stats-json)\n", w.more);
}
