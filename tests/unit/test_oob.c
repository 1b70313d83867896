/* SPDX-License-Identifier: BSD-3-Clause */
/* Pins the OV2 OOB layout, every bit and value of the Receive word, the
 * status names of OV2.md, and the status -> drop reason mapping. */
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "oob.h"
#include "testlib.h"

static const char *const ov2_md_names[8] = {
	"CRYPTO_SUCCESS", "CRYPTO_GENERIC_ERROR", "CRYPTO_TRANSPORT_AH_AUTH_FAILED",
	"CRYPTO_TRANSPORT_ESP_AUTH_FAILED", "CRYPTO_TUNNEL_AH_AUTH_FAILED",
	"CRYPTO_TUNNEL_ESP_AUTH_FAILED", "CRYPTO_INVALID_PACKET_SYNTAX",
	"CRYPTO_INVALID_PROTOCOL",
};

static void
test_layout(void)
{
	CHECK_EQ(sizeof(struct ov2_oob), 24);
	CHECK_EQ(offsetof(struct ov2_oob, rx), 0);
	CHECK_EQ(offsetof(struct ov2_oob, next_header), 4);
	CHECK_EQ(offsetof(struct ov2_oob, pad_length), 5);
	CHECK_EQ(offsetof(struct ov2_oob, hdr_info), 6);
	CHECK_EQ(offsetof(struct ov2_oob, sa), 8);
	/* The Receive word: bit 0, 1, 2, then CryptoStatus in 16-31. */
	CHECK_EQ(OV2_RX_SA_DELETE_REQ, 0x1);
	CHECK_EQ(OV2_RX_CRYPTO_DONE, 0x2);
	CHECK_EQ(OV2_RX_NEXT_CRYPTO_DONE, 0x4);
	CHECK_EQ(OV2_RX_STATUS_SHIFT, 16);
	CHECK_EQ(OV2_RX_STATUS_MASK, 0xffff0000u);
	CHECK_EQ(OV2_HDR_INFO_SET, 0x1);
}

static void
test_values(void)
{
	unsigned int s;

	CHECK_EQ(OV2_CRYPTO_STATUS_COUNT, 8);
	CHECK_EQ(OV2_CRYPTO_SUCCESS, 0);
	CHECK_EQ(OV2_CRYPTO_GENERIC_ERROR, 1);
	CHECK_EQ(OV2_CRYPTO_TRANSPORT_AH_AUTH_FAILED, 2);
	CHECK_EQ(OV2_CRYPTO_TRANSPORT_ESP_AUTH_FAILED, 3);
	CHECK_EQ(OV2_CRYPTO_TUNNEL_AH_AUTH_FAILED, 4);
	CHECK_EQ(OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED, 5);
	CHECK_EQ(OV2_CRYPTO_INVALID_PACKET_SYNTAX, 6);
	CHECK_EQ(OV2_CRYPTO_INVALID_PROTOCOL, 7);
	for (s = 0; s < 8; s++) {
		char want[64];
		const char *drop;

		CHECK(strcmp(ov2_crypto_status_name(s), ov2_md_names[s]) == 0);
		if (s == 0)
			continue;
		/* drop reason = status name without "CRYPTO_", lower case */
		drop = ov2_drop_name(ov2_drop_of_status((enum ov2_crypto_status)s));
		snprintf(want, sizeof(want), "%s", ov2_md_names[s] + 7);
		CHECK(strcasecmp(drop, want) == 0);
	}
	CHECK(strcmp(ov2_crypto_status_name(8), "CRYPTO_UNKNOWN") == 0);
}

static void
test_accessors(struct rte_mempool *mp)
{
	struct ov2_sa *fake = (struct ov2_sa *)(uintptr_t)0x1000;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct ov2_oob *o;
	unsigned int s;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	o = ov2_oob(m);
	CHECK((uint8_t *)o == (uint8_t *)m + ov2_oob_offset);
	for (s = 0; s < 8; s++) {
		ov2_oob_clear(o);
		CHECK_EQ(o->rx, 0);
		CHECK(!ov2_oob_crypto_done(o));
		ov2_oob_set_done(o, fake, (enum ov2_crypto_status)s);
		CHECK_EQ(o->rx, 0x2u | (s << 16));
		CHECK(ov2_oob_crypto_done(o));
		CHECK(!ov2_oob_next_crypto_done(o));
		CHECK(!ov2_oob_sa_delete_req(o));
		CHECK_EQ(ov2_oob_status(o), s);
		CHECK(o->sa == fake);
		CHECK_EQ(o->rx & 0xfff8u, 0);	/* reserved bits 3-15 */
	}
	/* SaDeleteReq survives a later status */
	o->rx = OV2_RX_SA_DELETE_REQ;
	ov2_oob_set_done(o, fake, OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED);
	CHECK_EQ(o->rx, 0x1u | 0x2u | (5u << 16));
	CHECK(ov2_oob_sa_delete_req(o));
	CHECK(!ov2_oob_header_info_set(o));
	ov2_oob_set_header_info(o, 4, 2);
	CHECK(ov2_oob_header_info_set(o));
	CHECK_EQ(o->next_header, 4);
	CHECK_EQ(o->pad_length, 2);
	ov2_oob_clear(o);
	CHECK(!ov2_oob_header_info_set(o));
	CHECK(o->sa == NULL);
	rte_pktmbuf_free(m);
}

int
main(void)
{
	struct rte_mempool *mp;
	int off;

	test_eal_init("test_oob");
	test_layout();
	test_values();
	CHECK_EQ(ov2_oob_register(), 0);
	CHECK_EQ(ov2_oob_register(), 0);	/* idempotent */
	off = rte_mbuf_dynfield_lookup(OV2_OOB_DYNFIELD_NAME, NULL);
	CHECK(off >= 0);
	CHECK_EQ(off, ov2_oob_offset);
	CHECK_EQ(off % 8, 0);
	mp = rte_pktmbuf_pool_create("oob", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(mp != NULL);
	if (mp != NULL)
		test_accessors(mp);
	return test_done("test_oob");
}
