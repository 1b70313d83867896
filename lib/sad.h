/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound SA table: an rte_hash keyed on (SPI, destination address,
 * protocol), looked up in bulk for a burst. Readers are lock-free.
 */
#ifndef OV2_SAD_H
#define OV2_SAD_H

#include <stdint.h>
#include <string.h>
#include <rte_mbuf.h>
#include "pkt.h"
#include "sa.h"

#define OV2_SAD_BURST_MAX 64	/* most keys one bulk lookup takes */
#define OV2_SAD_UDP_PORTS_MAX 8	/* distinct UDP-ESP ports */
#define OV2_SAD_CAPACITY_MAX (1u << 26)
#define OV2_SAD_RECORDS_MAX 65536	/* counters of freed SAs kept */

/*
 * Grace periods (RCU QSBR) a removed SA waits before it is freed. Every
 * polling lcore reports quiescent at the top of its loop, so one period
 * covers the lookups of the lcore that found the SA. But that lcore may
 * have put the SA's pointer (in a packet's OOB) into a handoff ring to
 * another lcore after its report; the receiver drains its rings within
 * its next loop iteration, which the second period covers; the third
 * covers a receiver whose report came just before the packet arrived.
 */
#define OV2_SAD_GRACE_PERIODS 3

struct ov2_sad;
struct rte_rcu_qsbr;

/* Hash key. family is 4 or 6 with dst the address (IPv4 in dst[0..3]), or
 * 0 with dst all zero for a transport SA bound to any local address. */
struct ov2_sa_key {
	uint32_t spi;		/* network order, as on the wire */
	uint8_t proto;		/* OV2_IPPROTO_ESP or OV2_IPPROTO_AH */
	uint8_t family;
	uint16_t reserved;	/* zero */
	uint8_t dst[16];
};

static inline void
ov2_sa_key_make(struct ov2_sa_key *k, uint32_t spi_be, uint8_t proto,
		uint8_t family, const void *dst)
{
	k->spi = spi_be;
	k->proto = proto;
	k->family = family;
	k->reserved = 0;
	/* fixed-size copies: a few moves, not a loop per byte */
	if (family == 4) {
		memcpy(k->dst, dst, 4);
		memset(k->dst + 4, 0, 12);
	} else {
		memcpy(k->dst, dst, 16);
	}
}

static inline uint8_t
ov2_ipsec_proto_other(uint8_t proto)
{
	return proto == OV2_IPPROTO_ESP ? OV2_IPPROTO_AH : OV2_IPPROTO_ESP;
}

/* Offset of the SPI from the start of the ESP or AH header: it starts ESP;
 * in AH it follows next header, payload length and reserved (RFC 4302 2). */
static inline uint32_t
ov2_spi_offset(uint8_t proto)
{
	return proto == OV2_IPPROTO_AH ? 4 : 0;
}

/*
 * The key an ESP/AH packet parsed into pi names: its SPI as on the wire,
 * looked up as proto, and its outer destination address. Returns 0, or -1
 * when the first segment ends before the SPI.
 */
static inline int
ov2_sa_key_of_pkt(struct ov2_sa_key *k, const struct rte_mbuf *m,
		  const struct ov2_pkt_info *pi, uint8_t proto)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off = (uint32_t)pi->l2_len + pi->l3_len + ov2_spi_offset(pi->proto);
	uint32_t spi;

	if (off + sizeof(spi) > m->data_len)
		return -1;
	memcpy(&spi, p + off, sizeof(spi));
	/* destination: IPv4 header offset 16, fixed IPv6 header offset 24 */
	ov2_sa_key_make(k, spi, proto, pi->family, p + pi->l2_len + (pi->family == 4 ? 16 : 24));
	return 0;
}

/* Bytes an SA with replay window w occupies (its bitmap included). */
size_t ov2_sa_size(uint32_t window);

/* capacity: the most SAs the table will hold (>= 1). socket: NUMA node or
 * SOCKET_ID_ANY. NULL on failure with err filled. */
struct ov2_sad *ov2_sad_create(const char *name, uint32_t capacity, int socket,
			       char *err, size_t errlen);
void ov2_sad_free(struct ov2_sad *sad);

/*
 * Add an inbound SA: allocates it, expands its keys, inserts it.
 * Returns 0 (and *out if out != NULL), -EEXIST for a duplicate key,
 * -ENOSPC when full, -EAGAIN when the free key slots are all held by
 * deleted SAs awaiting reclamation, -EINVAL for a conf the engine cannot
 * use. err names the problem; the table is unchanged on failure.
 * Writers (add, del, replace, delete_sa) may run on several threads.
 */
int ov2_sad_add(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		struct ov2_sa **out, char *err, size_t errlen);

/* ov2_sad_add() in two steps, so that a caller can build every SA (the
 * slow part, and the one that can fail) before it changes the table:
 * prepare allocates and expands the keys; insert publishes (same errors as
 * add; the SA is the caller's again on failure); discard frees a prepared
 * SA that was never inserted (keys wiped). */
int ov2_sad_prepare(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		    struct ov2_sa **out, char *err, size_t errlen);
int ov2_sad_insert(struct ov2_sad *sad, struct ov2_sa *sa, char *err, size_t errlen);
void ov2_sad_discard(struct ov2_sad *sad, struct ov2_sa *sa);

/* Put prepared sa in place of old (same key) in one atomic step: a lookup
 * finds one or the other. old is retired like a deleted SA. -ENOENT when
 * old is no longer in the table. */
int ov2_sad_replace(struct ov2_sad *sad, struct ov2_sa *old, struct ov2_sa *sa);

/* 1 when the UDP-ESP ports of these confs fit beside those in use. */
int ov2_sad_udp_ports_fit(const struct ov2_sad *sad, const struct ov2_sa_conf *c,
			  uint32_t n);

/* Make room for n more retirements, so that removals that follow cannot
 * fail for memory. */
int ov2_sad_reserve(struct ov2_sad *sad, uint32_t n);

/*
 * Remove an inbound SA (OV2 DELETE_SA without the pair). -ENOENT if
 * absent. The SA leaves the table at once; with RCU attached its memory
 * and key slot are freed (keys wiped) by ov2_sad_reclaim() after
 * OV2_SAD_GRACE_PERIODS grace periods, without it by ov2_sad_free().
 */
int ov2_sad_del(struct ov2_sad *sad, uint32_t spi, uint8_t proto,
		const struct ov2_addr *dst);

/*
 * Deferred reclamation. attach_rcu: the QSBR variable every thread that
 * looks SAs up reports to (before any removal). reclaim: free what has
 * waited its grace periods; returns how many; never blocks. Call it from
 * one control thread, never from a polling lcore, and not while
 * ov2_sad_foreach_record() runs. reclaim_wait: until nothing is pending
 * (-ETIMEDOUT after timeout_ms). defer: free p with fn(p) after the same
 * grace periods (e.g. a replaced policy). set_release: the function that
 * gives a wiped SA's memory back (default rte_free; tests check the wipe).
 */
void ov2_sad_attach_rcu(struct ov2_sad *sad, struct rte_rcu_qsbr *v);
unsigned int ov2_sad_reclaim(struct ov2_sad *sad);
int ov2_sad_reclaim_wait(struct ov2_sad *sad, unsigned int timeout_ms);
int ov2_sad_defer(struct ov2_sad *sad, void *p, void (*fn)(void *p));
uint32_t ov2_sad_pending(const struct ov2_sad *sad);
void ov2_sad_set_release(struct ov2_sad *sad, void (*fn)(void *p));

/* Key slots free now (capacity aside): deleted SAs hold theirs until
 * reclaimed. */
uint32_t ov2_sad_free_slots(const struct ov2_sad *sad);

struct ov2_sa *ov2_sad_lookup(const struct ov2_sad *sad,
			      const struct ov2_sa_key *key);

/* Look up n (<= OV2_SAD_BURST_MAX) keys; sas[i] is NULL on a miss.
 * Returns the number of hits. */
unsigned int ov2_sad_lookup_bulk(const struct ov2_sad *sad,
				 const struct ov2_sa_key *keys[], unsigned int n,
				 struct ov2_sa *sas[]);

uint32_t ov2_sad_count(const struct ov2_sad *sad);
uint32_t ov2_sad_capacity(const struct ov2_sad *sad);

enum ov2_udp_kind {
	OV2_UDP_NOT_ESP = 0,	/* not to a UDP-ESP port: plain UDP */
	OV2_UDP_ESP,		/* ESP in UDP: pi now names the ESP header */
	OV2_UDP_IKE,		/* IKE (non-ESP marker) or NAT keep-alive */
};

/*
 * RFC 3948 on a UDP packet parsed into pi: to a port a UDP-ESP SA of the
 * table receives on? Then IKE and NAT keep-alives are told from ESP; for
 * ESP, pi is adjusted (ov2_pkt_udp_esp()). Lock-free.
 */
enum ov2_udp_kind ov2_sad_udp_classify(const struct ov2_sad *sad, const struct rte_mbuf *m,
				       struct ov2_pkt_info *pi);

/* 1 when a UDP-ESP SA receives on UDP port (host order). Lock-free. */
int ov2_sad_udp_port(const struct ov2_sad *sad, uint16_t port);

/* 1 when an inbound transport ESP SA has been in the table (the answer
 * never goes back to 0): without one, no tunnel's inner packet can be
 * nested ESP, and the data path skips looking. Lock-free. */
int ov2_sad_any_transport_esp(const struct ov2_sad *sad);

/* Keep an outbound SA as a record (pairing only; no keys kept).
 * -EEXIST for a live duplicate. */
int ov2_sad_add_out(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		    char *err, size_t errlen);

/* Live outbound records. */
uint32_t ov2_sad_out_count(const struct ov2_sad *sad);

/* Replace every outbound record by the outbound SAs among c[0..n). */
int ov2_sad_set_out(struct ov2_sad *sad, const struct ov2_sa_conf *c, uint32_t n);

/*
 * OV2 DELETE_SA for an inbound SA and then its paired outbound SA, as the
 * transport does after SaDeleteReq. Safe against concurrent lookups: the
 * SA leaves the table at once (its packets are then indicated without
 * OOB), but its memory stays valid for packets in flight until
 * reclaimed (see ov2_sad_del()). Only queues the SA for reclamation: safe
 * on a polling lcore. Returns 1 when this call deleted it, 0 when it already was
 * (exactly one caller gets 1). *pair_deleted: the outbound SPI deleted,
 * or 0.
 */
int ov2_sad_delete_sa(struct ov2_sad *sad, struct ov2_sa *sa, uint32_t *pair_deleted);

/* Visit every SA; stops early when fn returns non-zero. */
void ov2_sad_foreach(const struct ov2_sad *sad,
		     int (*fn)(struct ov2_sa *sa, void *arg), void *arg);

/* Visit the live SAs, then the deleted ones not yet freed. */
void ov2_sad_foreach_all(const struct ov2_sad *sad,
			 int (*fn)(struct ov2_sa *sa, void *arg), void *arg);

/* What the reports show of an SA: never key material. */
struct ov2_sa_record {
	uint32_t spi;
	uint8_t proto;
	uint8_t deleted;
	struct ov2_addr dst;
	uint32_t replay_window;
	uint64_t replay_top;
	uint64_t lifetime_packets;
	uint64_t lifetime_bytes;
	uint32_t owner;		/* polling lcore slot + 1 that writes its state; 0: none yet */
	struct ov2_sa_stats stats;
};

void ov2_sa_record_of(const struct ov2_sa *sa, int deleted, struct ov2_sa_record *r);

/* Visit the live SAs, the deleted ones awaiting reclamation and the
 * counters of the freed ones (the first OV2_SAD_RECORDS_MAX; the others
 * are counted by ov2_sad_records_dropped()). Not concurrently with
 * ov2_sad_reclaim(). */
void ov2_sad_foreach_record(const struct ov2_sad *sad,
			    int (*fn)(const struct ov2_sa_record *r, void *arg), void *arg);
uint64_t ov2_sad_records_dropped(const struct ov2_sad *sad);

#endif
