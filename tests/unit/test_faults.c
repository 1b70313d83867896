/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An SA deleted while its packets are in flight: the NIC side has verified
 * and decrypted them (OOB CryptoDone, CRYPTO_SUCCESS, the SA pointer set),
 * then the SA is deleted by the control plane (ov2_sad_delete_sa) before
 * the consumer sees them. test_lifecycle covers the consumer deleting an
 * SA itself after SaDeleteReq in the middle of a burst; here the delete
 * comes from outside, between the two sides:
 *   1. a burst of three SAs (GCM tunnel, CBC + HMAC transport, UDP-ESP)
 *      interleaved: the deleted SA's packets are dropped as sa_deleted,
 *      never delivered, counted for it; the other SAs' are delivered; the
 *      deleted SA's replay window does not move;
 *   2. a burst split in two: the first half consumed before the delete is
 *      delivered, the second half after it is dropped;
 *   3. packets of the SA that arrive after the delete: no SA on the NIC
 *      side, no OOB, dropped as no_sa by the consumer;
 *   4. deleting twice: the second call reports it already was;
 *   5. the mbuf pool is back to its starting count.
 */
#include <string.h>
#include <rte_mbuf.h>
#include "build.h"
#include "conf.h"
#include "consumer.h"
#include "offload.h"
#include "oob.h"
#include "sad.h"
#include "testlib.h"

#define NSA 3
#define PER_SA 8
#define BURST (NSA * PER_SA)

static struct rte_mempool *mp;
static struct ov2_sad *sad;
static struct ov2_sa *sas[NSA];
static struct ov2_stats st;
static uint64_t next_seq[NSA];

static const char *const lines[NSA] = {
	"in 2000 aead_algo aes-128-gcm aead_key 2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:"
	"de:ad:be:ef mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5",
	"in 2001 cipher_algo aes-128-cbc cipher_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f "
	"auth_algo sha256-hmac auth_key 10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:"
	"20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f mode transport dst 172.16.2.6",
	"in 2002 aead_algo aes-256-gcm aead_key 60:3d:eb:10:15:ca:71:be:2b:73:ae:f0:85:7d:77:81:"
	"1f:35:2c:07:3b:61:08:d7:2d:98:10:a3:09:14:df:f4:ca:fe:ba:be mode ipv4-tunnel "
	"dst 172.16.2.8 udp-encap",
};

/* A valid ESP frame of SA i (its next sequence number) in a new mbuf. */
static struct rte_mbuf *
packet(unsigned int i)
{
	static uint8_t f0[OV2_BUILD_MAX_FRAME], f1[OV2_BUILD_MAX_FRAME];
	uint8_t *out[2] = { f0, f1 };
	struct ov2_build_opts o = { .size = 100, .flow = i, .seq = ++next_seq[i] };
	struct rte_mbuf *m;
	size_t len[2];
	char err[128];

	if (ov2_build_esp(&sas[i]->conf, &sas[i]->crypto, &o, out, len, NULL, NULL,
			  err, sizeof(err)) != 1) {
		fprintf(stderr, "build: %s\n", err);
		CHECK(0);
		return NULL;
	}
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL) {
		CHECK(m != NULL);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len[0]), f0, len[0]);
	return m;
}

static void
nic_side(struct rte_mbuf **pkts, uint16_t n)
{
	struct ov2_offload_ctx ctx = { .sad = sad, .enable = OV2_OFFLOAD_AH_ESP };

	ov2_caps_port_default(&ctx.caps, 0);
	ov2_offload_rx(&ctx, pkts, n);
}

/* The consumer on pkts; returns how many it delivered; frees them all.
 * owner[j]: the SA index of pkts[j]; delivered_of / dropped_of count per
 * SA, reason_of records the last drop reason per SA. */
static uint16_t
consume(struct rte_mbuf **pkts, uint16_t n, const unsigned int *owner,
	unsigned int *delivered_of, unsigned int *dropped_of, uint8_t *reason_of)
{
	struct ov2_consumer c = { .sad = sad, .stats = &st };
	struct rte_mbuf *copy[BURST];
	uint8_t reason[BURST];
	uint16_t k, nd, j, d;

	memcpy(copy, pkts, n * sizeof(pkts[0]));
	k = ov2_consumer_rx(&c, pkts, n, reason, &nd);
	CHECK_EQ(k + nd, n);
	/* the consumer keeps each packet's order within delivered / dropped:
	 * map them back to their SAs through the original array */
	for (j = 0, d = 0; j < n; j++) {
		uint16_t x;

		for (x = 0; x < k; x++)
			if (pkts[x] == copy[j])
				break;
		if (x < k) {
			delivered_of[owner[j]]++;
			continue;
		}
		for (x = 0; x < nd; x++)
			if (pkts[k + x] == copy[j])
				break;
		CHECK(x < nd);
		if (x < nd) {
			dropped_of[owner[j]]++;
			reason_of[owner[j]] = reason[k + x];
			d++;
		}
	}
	CHECK_EQ(d, nd);
	rte_pktmbuf_free_bulk(pkts, n);
	return k;
}

/* 1. Interleaved burst, SA 0 deleted between the two sides. */
static void
test_interleaved(void)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int owner[BURST], del[NSA] = { 0 }, drop[NSA] = { 0 };
	uint8_t why[NSA] = { 0 };
	uint64_t top_before = sas[0]->replay.top;
	uint64_t sa_drops_before = sas[0]->host.stats.drops[OV2_DROP_SA_DELETED];
	uint64_t st_before = st.drops[OV2_DROP_SA_DELETED];
	uint32_t pair = 99;
	unsigned int j;

	for (j = 0; j < BURST; j++) {
		owner[j] = j % NSA;
		pkts[j] = packet(owner[j]);
		if (pkts[j] == NULL)
			return;
	}
	nic_side(pkts, BURST);
	for (j = 0; j < BURST; j++) {
		const struct ov2_oob *o = ov2_oob(pkts[j]);

		/* the NIC side finished with them: verified, SA attached */
		CHECK(ov2_oob_crypto_done(o));
		CHECK_EQ(ov2_oob_status(o), OV2_CRYPTO_SUCCESS);
		CHECK(o->sa == sas[owner[j]]);
	}
	CHECK_EQ(ov2_sad_delete_sa(sad, sas[0], &pair), 1);
	CHECK_EQ(pair, 0);
	CHECK_EQ(consume(pkts, BURST, owner, del, drop, why), (NSA - 1) * PER_SA);
	CHECK_EQ(del[0], 0);
	CHECK_EQ(drop[0], PER_SA);
	CHECK_EQ(why[0], OV2_DROP_SA_DELETED);
	for (j = 1; j < NSA; j++) {
		CHECK_EQ(del[j], PER_SA);
		CHECK_EQ(drop[j], 0);
	}
	CHECK_EQ(st.drops[OV2_DROP_SA_DELETED] - st_before, PER_SA);
	CHECK_EQ(sas[0]->host.stats.drops[OV2_DROP_SA_DELETED] - sa_drops_before, PER_SA);
	CHECK_EQ(sas[0]->host.stats.delivered, 0);
	/* nothing of a deleted SA moves its window */
	CHECK_EQ(sas[0]->replay.top, top_before);
	/* 4. a second delete is a no-op that says so */
	CHECK_EQ(ov2_sad_delete_sa(sad, sas[0], NULL), 0);
}

/* 2. A burst of SA 1 split in two around the delete; 3. then a new packet. */
static void
test_split(void)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int owner[BURST], del[NSA] = { 0 }, drop[NSA] = { 0 };
	uint8_t why[NSA] = { 0 };
	unsigned int j, half = PER_SA / 2;
	struct rte_mbuf *late;

	for (j = 0; j < PER_SA; j++) {
		owner[j] = 1;
		pkts[j] = packet(1);
		if (pkts[j] == NULL)
			return;
	}
	nic_side(pkts, PER_SA);
	CHECK_EQ(consume(pkts, (uint16_t)half, owner, del, drop, why), half);
	CHECK_EQ(ov2_sad_delete_sa(sad, sas[1], NULL), 1);
	CHECK_EQ(consume(pkts + half, (uint16_t)(PER_SA - half), owner, del, drop, why), 0);
	CHECK_EQ(del[1], half);
	CHECK_EQ(drop[1], PER_SA - half);
	CHECK_EQ(why[1], OV2_DROP_SA_DELETED);
	CHECK_EQ(sas[1]->replay.top, next_seq[1] - (PER_SA - half));

	/* after the delete the NIC side no longer finds the SA */
	late = packet(1);
	if (late == NULL)
		return;
	nic_side(&late, 1);
	CHECK(!ov2_oob_crypto_done(ov2_oob(late)));
	memset(del, 0, sizeof(del));
	memset(drop, 0, sizeof(drop));
	CHECK_EQ(consume(&late, 1, owner, del, drop, why), 0);
	CHECK_EQ(why[1], OV2_DROP_NO_SA);
}

int
main(void)
{
	char err[256];
	unsigned int i, avail;

	test_eal_init("test_faults");
	CHECK_EQ(ov2_oob_register(), 0);
	mp = rte_pktmbuf_pool_create("faults", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("faults", 16, SOCKET_ID_ANY, err, sizeof(err));
	if (mp == NULL || sad == NULL)
		return 1;
	avail = rte_mempool_avail_count(mp);
	for (i = 0; i < NSA; i++) {
		struct ov2_sa_conf c;

		CHECK_EQ(ov2_conf_parse_sa(lines[i], &c, err, sizeof(err)), 0);
		CHECK_EQ(ov2_sad_add(sad, &c, &sas[i], err, sizeof(err)), 0);
	}
	test_interleaved();
	test_split();
	CHECK_EQ(ov2_sad_count(sad), NSA - 2);
	CHECK_EQ(st.delivered + ov2_stats_drops_total(&st), st.rx_packets);
	CHECK_EQ(rte_mempool_avail_count(mp), avail);
	ov2_sad_free(sad);
	return test_done("test_faults");
}
