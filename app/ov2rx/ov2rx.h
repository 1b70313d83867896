/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OV2RX_H
#define OV2RX_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include "sa.h"
#include "shim.h"
#include "stats.h"

#define OV2RX_MAX_IN    RTE_MAX_ETHPORTS
#define OV2RX_MAX_QUEUES 64	/* (port, queue) pairs one lcore polls */
#define OV2RX_BURST     32
#define OV2RX_NO_PORT   UINT16_MAX

struct ov2rx_opts {
	const char *conf_path;
	const char *stats_json;
	const char *ctl_path;		/* --ctl: control socket, or NULL */
	uint16_t in[OV2RX_MAX_IN];
	uint16_t n_in;
	uint16_t out;			/* OV2RX_NO_PORT: delivered packets are freed */
	uint16_t errors;		/* OV2RX_NO_PORT: drops are freed */
	uint64_t idle_ms;		/* 0: off */
	double duration_s;		/* 0: off */
	uint32_t sa_capacity;
	uint32_t replay_window;		/* for SAs whose line sets none */
	uint16_t rxd, txd;
	uint8_t offload[RTE_MAX_ETHPORTS];	/* OV2_OFFLOAD_* per port */
	const char *caps_off[RTE_MAX_ETHPORTS];	/* --caps: capabilities removed */
	const char *offload_arg[RTE_MAX_ETHPORTS]; /* as given, for messages */
};

/* Parse the application options (after EAL's). Prints a message and returns
 * -1 on bad input; 1 when --help was printed. */
int ov2rx_parse_args(int argc, char **argv, struct ov2rx_opts *o);
void ov2rx_usage(const char *prog);

/* A transmit queue, shared by lcores when a port has fewer queues than
 * lcores. */
struct ov2rx_txq {
	uint16_t port;
	uint16_t queue;
	int shared;
	rte_spinlock_t *lock;
};

struct ov2rx_rxq {
	uint16_t port;
	uint16_t queue;
};

/* Everything one polling lcore owns: no locks on the receive side. */
struct ov2rx_lcore {
	struct ov2rx_rxq rxq[OV2RX_MAX_QUEUES];
	uint16_t n_rxq;
	struct ov2rx_txq out;
	struct ov2rx_txq err;
	struct ov2_stats stats;
	volatile uint64_t last_rx_tsc;	/* start, then the latest burst */
	uint64_t first_rx_tsc;		/* the first burst, 0 before */
	struct ov2_sad *sad;
	const struct ov2_spd *spd;
	struct rte_mempool *big_pool;	/* reassembled packets */
	void (*tick)(void);		/* main lcore: checks the stop conditions */
} __rte_cache_aligned;

extern volatile int ov2rx_quit;

int ov2rx_lcore_main(void *arg);

struct ov2_sad;
struct ov2_spd;
struct rte_rcu_qsbr;

/*
 * What the run shares between main.c (set up, run, tear down), the control
 * thread (ctl.c, reload.c), the reports (report.c) and telemetry.
 */
struct ov2rx_port_report {
	struct ov2_offload_stats engine;
	struct rte_eth_stats eth;
	char name[RTE_ETH_NAME_MAX_LEN];
};

struct ov2rx_run {
	struct ov2rx_opts opts;
	struct ov2rx_lcore *lcores[RTE_MAX_LCORE];
	unsigned int n_active;		/* polling lcores */
	uint64_t start_tsc;
	uint64_t stop_tsc;		/* 0 while running */
	unsigned int port_role[RTE_MAX_ETHPORTS];
	uint16_t port_nrxq[RTE_MAX_ETHPORTS], port_ntxq[RTE_MAX_ETHPORTS];
	struct ov2_sad *sad;
	/* The inbound policy the lcores use: a reload publishes a new one
	 * (release) and the lcores pick it up at the top of their loop; the
	 * old one is freed after the SA grace periods. */
	const struct ov2_spd *spd;
	/* Every polling lcore reports quiescent to it once per loop. */
	struct rte_rcu_qsbr *rcu;
	int ports_saved;		/* ports closed: use port_reports */
	struct ov2rx_port_report port_reports[RTE_MAX_ETHPORTS];
	unsigned int mbufs_leaked;	/* in use after every port closed */
};

extern struct ov2rx_run ov2rx;

/* report.c: the statistics document (--stats-json, "ov2ctl stats") and the
 * summary, from live counters while the lcores run. The caller holds the
 * control lock (or the control thread has stopped). */
void ov2rx_report_save_ports(void);
int ov2rx_report_json(FILE *f);
void ov2rx_report_print(FILE *f);
void ov2rx_report_sum(struct ov2_stats *sum, double *elapsed, double *active);

/* ctl.c: the control thread (socket server and reclamation). */
int ov2rx_ctl_start(void);
void ov2rx_ctl_stop(void);
void ov2rx_ctl_lock(void);
void ov2rx_ctl_unlock(void);

/* reload.c: re-read the configuration, all or nothing. The control lock
 * is held. Returns 0 with a summary in msg, or -1 with the reason. */
int ov2rx_reload(char *msg, size_t len);

/* Defaults of the command line applied to an SA read from a file or a
 * request (the replay window). */
void ov2rx_sa_defaults(struct ov2_sa_conf *sa);

/* telemetry.c */
int ov2rx_telemetry_register(void);

#endif
