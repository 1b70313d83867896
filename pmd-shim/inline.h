/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline-crypto NICs (rte_security, RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO)
 * as the NIC side of OV2. Per SA, at start: when the port's rte_security
 * capabilities cover it, an ingress session and the rte_flow rule that
 * sends its SPI and destination to it; otherwise (or when either cannot be
 * made) the SA stays on the software engine, with the reason logged.
 *
 * On receive, a packet the NIC flagged (RTE_MBUF_F_RX_SEC_OFFLOAD, with
 * RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED on failure) is translated into the OV2
 * OOB data exactly as the software engine would set it for the same
 * packet; every other packet goes through the software engine, in burst
 * order. Inline-crypto NICs of DPDK 22.11 leave the ESP header, IV,
 * trailer and ICV in the packet and no session metadata in the mbuf: the
 * SA is found from the SPI and destination, as ipsec-secgw does.
 */
#ifndef OV2_INLINE_H
#define OV2_INLINE_H

#include <stddef.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "offload.h"

struct ov2_sa;
struct ov2_sa_conf;
struct ov2_sad;
struct rte_eth_conf;
struct rte_eth_dev_info;
struct rte_flow;
struct rte_flow_action;
struct rte_flow_attr;
struct rte_flow_error;
struct rte_flow_item;
struct rte_mempool;
struct rte_security_session_conf;
struct rte_security_capability;
struct rte_security_ctx;

/* The SAs a port's NIC processes; read lock-free by the receive path
 * once published. */
struct ov2_inline_set {
	uint32_t n, cap;
	struct ov2_sa **sorted;	/* by address: the receive path's lookup */
};

/* Counters of the translation, per queue. */
struct ov2_inline_stats {
	uint64_t nic_ok;	/* flagged: verified and decrypted */
	uint64_t nic_failed;	/* flagged: failed (ICV, lengths) */
	uint64_t nic_unknown;	/* flagged, for no SA this port put on the NIC */
	uint64_t to_software;	/* flagged, but left to the software engine */
};

/* One SA on the NIC: what detach undoes. */
struct ov2_inline_sa {
	struct ov2_sa *sa;
	void *sess;		/* rte_security session */
	struct rte_flow *flow;
	/* the AEAD key followed by its salt, as ixgbe reads it; kept for the
	 * session's life: ixgbe keeps the pointer and reads the key again
	 * when the flow rule is made. Wiped at stop. */
	uint8_t key[32 + 4];
};

/* A port's inline-crypto state. */
struct ov2_inline_port {
	struct rte_security_ctx *sec;
	struct rte_mempool *sess_pool;
	struct ov2_inline_sa *ent;
	uint32_t n_ent;
	uint32_t n_sa;		/* inbound SAs seen at start */
	uint32_t n_refused;	/* SAs left to the software engine */
	struct ov2_inline_set set;
	char why[160];		/* no inline crypto: why (empty when it has) */
};

/*
 * The DPDK calls the port setup makes, in one table: ov2_inline_dpdk holds
 * DPDK's own functions; tests put fakes in it to drive the session and
 * flow code (and its failures) without an inline-crypto NIC.
 */
struct ov2_inline_dpdk {
	int (*dev_info_get)(uint16_t port, struct rte_eth_dev_info *di);
	int (*dev_conf_get)(uint16_t port, struct rte_eth_conf *conf);
	void *(*get_sec_ctx)(uint16_t port);
	const struct rte_security_capability *(*capabilities_get)(struct rte_security_ctx *sec);
	unsigned int (*session_get_size)(struct rte_security_ctx *sec);
	void *(*session_create)(struct rte_security_ctx *sec,
				struct rte_security_session_conf *conf, struct rte_mempool *mp);
	int (*session_destroy)(struct rte_security_ctx *sec, void *sess);
	int (*flow_validate)(uint16_t port, const struct rte_flow_attr *attr,
			     const struct rte_flow_item *pattern,
			     const struct rte_flow_action *actions, struct rte_flow_error *fe);
	struct rte_flow *(*flow_create)(uint16_t port, const struct rte_flow_attr *attr,
					const struct rte_flow_item *pattern,
					const struct rte_flow_action *actions,
					struct rte_flow_error *fe);
	int (*flow_destroy)(uint16_t port, struct rte_flow *flow, struct rte_flow_error *fe);
};

extern struct ov2_inline_dpdk ov2_inline_dpdk;

/* Set management (used by the port setup and by the tests). */
int ov2_inline_set_init(struct ov2_inline_set *s, uint32_t cap);
void ov2_inline_set_fini(struct ov2_inline_set *s);
int ov2_inline_set_add(struct ov2_inline_set *s, struct ov2_sa *sa);
int ov2_inline_set_has(const struct ov2_inline_set *s, const struct ov2_sa *sa);

/*
 * The capability of caps (an array ended by RTE_SECURITY_ACTION_TYPE_NONE,
 * as rte_security_capabilities_get() returns it) under which an inline-
 * crypto ingress session can be made for SA c; NULL with why filled when
 * there is none, or when the SA must stay on the software engine anyway.
 */
const struct rte_security_capability *
ov2_inline_cap_for(const struct rte_security_capability *caps,
		   const struct ov2_sa_conf *c, char *why, size_t len);

/*
 * The receive path of a port with inline SAs: translate what the NIC
 * flagged, hand runs of other packets to ov2_offload_rx(). Every packet of
 * pkts[0..n) gets its OOB data; none is dropped or reordered.
 */
void ov2_inline_rx(struct ov2_offload_ctx *ctx, const struct ov2_inline_set *set,
		   struct ov2_inline_stats *st, struct rte_mbuf *pkts[], uint16_t n);

/* The rx offloads a port needs at rte_eth_dev_configure() time for inline
 * crypto: RTE_ETH_RX_OFFLOAD_SECURITY when it has an rte_security context
 * and reports that offload, else 0. */
uint64_t ov2_inline_rx_offloads(uint16_t port);

/*
 * Whether port can take inline SAs (configured with the offload, an
 * rte_security context, inline-crypto ingress capabilities, ESP enabled).
 * Returns 0, or -1 with ip->why saying why not.
 */
int ov2_inline_probe(uint16_t port, unsigned int enable, struct ov2_inline_port *ip);

/*
 * After rte_eth_dev_start() (sessions and flows are made on a started
 * port, as ipsec-secgw does): put every inbound SA of sad that the NIC can
 * take and caps covers on the NIC. Per SA, a refusal or a failed session
 * or flow is logged and leaves the SA on the software engine. Returns the
 * number of SAs on the NIC.
 */
uint32_t ov2_inline_port_start(uint16_t port, struct ov2_inline_port *ip,
			       const struct ov2_sad *sad, const struct ov2_caps *caps);

/* Destroy the flows and sessions, free everything (port stopped). */
void ov2_inline_port_stop(uint16_t port, struct ov2_inline_port *ip);

#endif
