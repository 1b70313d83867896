/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OV2RX_H
#define OV2RX_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include "consumer.h"
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

#endif
