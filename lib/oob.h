/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet OV2 out-of-band data, kept in an mbuf dynamic field.
 *
 * rx mirrors NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO (Receive):
 *   bit 0 SaDeleteReq, bit 1 CryptoDone, bit 2 NextCryptoDone,
 *   bits 3-15 reserved (zero), bits 16-31 CryptoStatus (enum ov2_crypto_status).
 * next_header / pad_length / HeaderInfoSet mirror
 * NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO (Receive).
 * sa references the SA the packet matched (NULL when the NIC side set no OOB).
 * seq_hi is the ESN high half the NIC side inferred and verified the ICV
 * with (0 without ESN); the transport's replay check must use the same
 * value (Linux's struct xfrm_offload carries seq.hi for the same reason).
 *
 * The NIC side (software engine or inline-crypto translation) writes it for
 * every received packet; the consumer only reads it.
 */
#ifndef OV2_OOB_H
#define OV2_OOB_H

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "status.h"

#define OV2_OOB_DYNFIELD_NAME "ov2_dynfield_oob"

#define OV2_RX_SA_DELETE_REQ    (UINT32_C(1) << 0)
#define OV2_RX_CRYPTO_DONE      (UINT32_C(1) << 1)
#define OV2_RX_NEXT_CRYPTO_DONE (UINT32_C(1) << 2)
#define OV2_RX_STATUS_SHIFT     16
#define OV2_RX_STATUS_MASK      (UINT32_C(0xffff) << OV2_RX_STATUS_SHIFT)

#define OV2_HDR_INFO_SET        (UINT8_C(1) << 0)

struct ov2_sa;

struct ov2_oob {
	uint32_t rx;          /* the OV2 Receive word */
	uint8_t next_header;  /* ESP trailer next header (valid with HeaderInfoSet) */
	uint8_t pad_length;   /* ESP trailer pad length (valid with HeaderInfoSet) */
	uint8_t hdr_info;     /* OV2_HDR_INFO_SET */
	uint8_t reserved;
	struct ov2_sa *sa;    /* matched SA (the tunnel SA when nested), or NULL */
	uint32_t seq_hi;      /* ESN high half used for the ICV */
	uint32_t seq_hi2;     /* with NextCryptoDone: the same for the transport
			       * SA nested inside sa's tunnel (the transport
			       * finds that SA from the inner packet: the mbuf
			       * has no room for a second pointer) */
};

extern int ov2_oob_offset;

/* Register the dynfield (idempotent). Returns 0 or a negative errno. */
int ov2_oob_register(void);

static inline struct ov2_oob *
ov2_oob(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, ov2_oob_offset, struct ov2_oob *);
}


static inline void
ov2_oob_clear(struct ov2_oob *o)
{
	o->rx = 0;
	o->next_header = 0;
	o->pad_length = 0;
	o->hdr_info = 0;
	o->reserved = 0;
	o->sa = NULL;
	o->seq_hi = 0;
	o->seq_hi2 = 0;
}

/* NextCryptoDone: the nested transport SA was checked too. */
static inline void
ov2_oob_set_next_done(struct ov2_oob *o)
{
	o->rx |= OV2_RX_NEXT_CRYPTO_DONE;
}

static inline void
ov2_oob_set_sa_delete_req(struct ov2_oob *o)
{
	o->rx |= OV2_RX_SA_DELETE_REQ;
}

static inline int
ov2_oob_crypto_done(const struct ov2_oob *o)
{
	return (o->rx & OV2_RX_CRYPTO_DONE) != 0;
}

static inline int
ov2_oob_next_crypto_done(const struct ov2_oob *o)
{
	return (o->rx & OV2_RX_NEXT_CRYPTO_DONE) != 0;
}

static inline int
ov2_oob_sa_delete_req(const struct ov2_oob *o)
{
	return (o->rx & OV2_RX_SA_DELETE_REQ) != 0;
}

static inline enum ov2_crypto_status
ov2_oob_status(const struct ov2_oob *o)
{
	return (enum ov2_crypto_status)(o->rx >> OV2_RX_STATUS_SHIFT);
}

/* Record a checked packet: CryptoDone plus a status (keeps SaDeleteReq
 * and NextCryptoDone). */
static inline void
ov2_oob_set_done(struct ov2_oob *o, struct ov2_sa *sa, enum ov2_crypto_status s)
{
	o->rx = (o->rx & (OV2_RX_SA_DELETE_REQ | OV2_RX_NEXT_CRYPTO_DONE)) |
		OV2_RX_CRYPTO_DONE | ((uint32_t)s << OV2_RX_STATUS_SHIFT);
	o->sa = sa;
}

/* Change the status only (a nested SA failed after the tunnel verified). */
static inline void
ov2_oob_set_status(struct ov2_oob *o, enum ov2_crypto_status s)
{
	o->rx = (o->rx & ~OV2_RX_STATUS_MASK) | ((uint32_t)s << OV2_RX_STATUS_SHIFT);
}

static inline void
ov2_oob_set_header_info(struct ov2_oob *o, uint8_t next_header, uint8_t pad_length)
{
	o->next_header = next_header;
	o->pad_length = pad_length;
	o->hdr_info = OV2_HDR_INFO_SET;
}

static inline int
ov2_oob_header_info_set(const struct ov2_oob *o)
{
	return (o->hdr_info & OV2_HDR_INFO_SET) != 0;
}

#endif
