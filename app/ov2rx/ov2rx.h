/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OV2RX_H
#define OV2RX_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
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
} __rte_cache_aligned;

extern volatile int ov2rx_quit;

int ov2rx_lcore_main(void *arg);

#endif
