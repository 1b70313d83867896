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

struct ov2_sad;

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
 * -ENOSPC when full, -EINVAL for a conf the engine cannot use. err names
 * the problem; the table is unchanged on failure.
 */
int ov2_sad_add(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		struct ov2_sa **out, char *err, size_t errlen);

/* Remove and free an SA (key material wiped). -ENOENT if absent. Not safe
 * while data-path lcores may hold the SA (deferred reclamation: step 4). */
int ov2_sad_del(struct ov2_sad *sad, uint32_t spi, uint8_t proto,
		const struct ov2_addr *dst);

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

/* Keep an outbound SA as a record (pairing only; no keys kept).
 * -EEXIST for a live duplicate. */
int ov2_sad_add_out(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		    char *err, size_t errlen);

/* Live outbound records. */
uint32_t ov2_sad_out_count(const struct ov2_sad *sad);

/*
 * OV2 DELETE_SA for an inbound SA and then its paired outbound SA, as the
 * transport does after SaDeleteReq. Safe against concurrent lookups: the
 * SA leaves the table at once (its packets are then indicated without
 * OOB), but its memory stays valid for packets in flight until
 * ov2_sad_free() (run-time reclamation with RCU comes with the control
 * socket). Returns 1 when this call deleted it, 0 when it already was
 * (exactly one caller gets 1). *pair_deleted: the outbound SPI deleted,
 * or 0.
 */
int ov2_sad_delete_sa(struct ov2_sad *sad, struct ov2_sa *sa, uint32_t *pair_deleted);

/* Visit every SA; stops early when fn returns non-zero. */
void ov2_sad_foreach(const struct ov2_sad *sad,
		     int (*fn)(struct ov2_sa *sa, void *arg), void *arg);

/* Visit the live SAs, then the deleted ones (their counters). */
void ov2_sad_foreach_all(const struct ov2_sad *sad,
			 int (*fn)(struct ov2_sa *sa, void *arg), void *arg);

#endif
