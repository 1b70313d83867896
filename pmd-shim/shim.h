/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NIC side per port. ov2_shim_attach() installs the OV2 receive path on
 * every rx queue of a port, so that rte_eth_rx_burst() returns mbufs that
 * all carry OV2 OOB data. The path is the software offload engine (libov2
 * + libipsec-mb) on any port; on a port whose NIC does inline crypto
 * (rte_security), the SAs it can take go on the NIC at ov2_shim_start()
 * and the packets it processed are translated into the same OOB data
 * (inline.h, docs/INLINE.md).
 *
 * Order: ov2_shim_rx_offloads() into rte_eth_dev_configure(), then
 * ov2_shim_attach(), rte_eth_dev_start(), ov2_shim_start(); at the end
 * rte_eth_dev_stop(), ov2_shim_detach().
 */
#ifndef OV2_SHIM_H
#define OV2_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "offload.h"

struct ov2_sad;
struct ov2_inline_stats;

/* Rx offloads to add to the port's configuration for inline crypto
 * (RTE_ETH_RX_OFFLOAD_SECURITY where the device has it; else 0). */
uint64_t ov2_shim_rx_offloads(uint16_t port);

/* Parse "off", "esp", "ah", "ah-esp" into OV2_OFFLOAD_*; -1 if unknown. */
int ov2_shim_enable_parse(const char *s);
const char *ov2_shim_enable_name(unsigned int enable);

/*
 * Install the receive path on rx queues 0..nb_rxq-1 of port (configured,
 * started or not). enable is the port's OV2 enable setting. Returns 0, or
 * a negative errno with err filled (nothing installed then).
 */
int ov2_shim_attach(uint16_t port, uint16_t nb_rxq, const struct ov2_sad *sad,
		    unsigned int enable, const struct ov2_caps *caps,
		    char *err, size_t errlen);

/*
 * After rte_eth_dev_start(): put the SAs the port's NIC can take on it
 * (inline crypto), the others stay on the software engine (each reason
 * logged). Returns the number of SAs on the NIC (0 on a port without
 * inline crypto), or -ENOENT when nothing is attached.
 */
int ov2_shim_start(uint16_t port);

/* Sum of the inline-crypto translation counters over the rx queues. */
void ov2_shim_inline_stats(uint16_t port, struct ov2_inline_stats *sum);

/* The capabilities of port's receive path (after attach). */
int ov2_shim_caps(uint16_t port, struct ov2_caps *caps);

/* Remove the receive path of port (call after the port is stopped). */
void ov2_shim_detach(uint16_t port);

/* Sum of the engine counters over the rx queues of port. */
void ov2_shim_stats(uint16_t port, struct ov2_offload_stats *sum);

/* One line describing the port's receive path (engine, setting, queues). */
void ov2_shim_describe(uint16_t port, char *buf, size_t len);

#endif
