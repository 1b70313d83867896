/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OV2RX_H
#define OV2RX_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include "consumer.h"
#include "sa.h"
#include "shim.h"
#include "stats.h"

#define OV2RX_MAX_IN    RTE_MAX_ETHPORTS
#define OV2RX_MAX_QUEUES 64	/* (port, queue) pairs one lcore polls */
#define OV2RX_BURST     32
#define OV2RX_NO_PORT   UINT16_MAX
#define OV2RX_MBUFS_MIN 256u		/* --mbufs: a burst per queue and then some */
#define OV2RX_MBUFS_MAX (1u << 24)

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
	uint32_t mbufs;			/* --mbufs; 0: sized from the ports */
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
	struct ov2_consumer cons;	/* the transport side of this lcore */
	int cons_ready;
	unsigned int lcore_id;		/* the EAL lcore polling for it */
	int rcu_online;			/* registered with ov2rx.rcu, online */
} __rte_cache_aligned;

extern volatile int ov2rx_quit;

/*
 * Set up lc's consumer before the lcores start: slot is its index among
 * the n polling lcores, ho the handoff rings between them (NULL for one
 * lcore). Prints a message and returns -1 on failure.
 */
int ov2rx_lcore_init(struct ov2rx_lcore *lc, struct ov2_handoff *ho, unsigned int slot,
		     int socket);

int ov2rx_lcore_main(void *arg);

/*
 * After every lcore stopped: run what is still in the handoff rings through
 * its owner's consumer (on this thread, the owners being stopped), so every
 * packet received is counted once, then free the consumers.
 */
void ov2rx_lcores_finish(struct ov2rx_lcore *const lcs[], unsigned int n);

/* Receive spreading (rss.c). ov2rx_rss_conf() fills the port configuration
 * before rte_eth_dev_configure(); ov2rx_rss_flows() adds the rte_flow rules
 * that hash ESP and AH on their SPI after the port started, and describes
 * what the port got in desc. */
void ov2rx_rss_conf(uint16_t nrxq, const struct rte_eth_dev_info *di, struct rte_eth_conf *pc);
void ov2rx_rss_flows(uint16_t port, uint16_t nrxq, char *desc, size_t len);
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
