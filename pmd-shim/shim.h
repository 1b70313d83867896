/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NIC side per port. ov2_shim_attach() installs the OV2 receive path on
 * every rx queue of a port, so that rte_eth_rx_burst() returns mbufs that
 * all carry OV2 OOB data. In this step the path is the software offload
 * engine (libov2 + libipsec-mb) on any port; inline-crypto NICs
 * (rte_security) arrive in step 4 behind the same attach call.
 */
#ifndef OV2_SHIM_H
#define OV2_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "offload.h"

struct ov2_sad;

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

/* The capabilities of port's receive path (after attach). */
int ov2_shim_caps(uint16_t port, struct ov2_caps *caps);

/* Remove the receive path of port (call after the port is stopped). */
void ov2_shim_detach(uint16_t port);

/* Sum of the engine counters over the rx queues of port. */
void ov2_shim_stats(uint16_t port, struct ov2_offload_stats *sum);

/* One line describing the port's receive path (engine, setting, queues). */
void ov2_shim_describe(uint16_t port, char *buf, size_t len);

#endif
