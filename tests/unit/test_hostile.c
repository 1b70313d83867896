/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input through the NIC side and the consumer together: valid ESP
 * frames of every SA kind (GCM, CBC + HMAC, ChaCha20, NULL + GMAC, ESN,
 * UDP-ESP; tunnel and transport; IPv4 and IPv6) truncated at every
 * offset, with every bit flipped once, and random bytes behind valid
 * outer headers. Whatever the
 * input: no crash, every packet accounted for (delivered + drops = rx),
 * nothing whose protected bytes were altered is ever delivered, and the
 * mbuf pool is back to its starting count.
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

#define NSA 8

static struct rte_mempool *mp;
static struct ov2_sad *sad;
static struct ov2_sa *sas[NSA];
static struct ov2_stats st;
static uint64_t delivered_bad;	/* altered protected bytes, yet delivered */
static uint64_t delivered_short;	/* a truncated frame, yet delivered */
static uint64_t n_run;

static const char *const lines[NSA] = {
	"in 1000 aead_algo aes-128-gcm aead_key 2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:de:ad:be:ef "
	"mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5",
	"in 1001 aead_algo aes-256-gcm aead_key 60:3d:eb:10:15:ca:71:be:2b:73:ae:f0:85:7d:77:81:1f:35:2c:07:"
	"3b:61:08:d7:2d:98:10:a3:09:14:df:f4:ca:fe:ba:be mode ipv6-tunnel src 2001:db8:1::5 dst 2001:db8:2::5",
	"in 1002 aead_algo aes-192-gcm aead_key 8e:73:b0:f7:da:0e:64:52:c8:10:f3:2b:80:90:79:e5:62:f8:ea:d2:"
	"52:2c:6b:7b:01:02:03:04 mode transport dst 172.16.2.5",
	"in 1003 aead_algo aes-128-gcm aead_key fe:ff:e9:92:86:65:73:1c:6d:6a:8f:94:67:30:83:08:ca:fe:ba:be "
	"mode transport dst 2001:db8:2::5",
	"in 1004 cipher_algo aes-128-cbc cipher_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f "
	"auth_algo sha256-hmac auth_key 10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:"
	"20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f mode ipv4-tunnel dst 172.16.2.6",
	"in 1005 aead_algo chacha20-poly1305 aead_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:"
	"10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:a0:a1:a2:a3 mode transport dst 2001:db8:2::6 "
	"esn 0xfffffff0",
	"in 1006 cipher_algo null auth_algo aes-gmac auth_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:"
	"0e:0f:b0:b1:b2:b3 mode ipv6-tunnel dst 2001:db8:2::7",
	"in 1007 aead_algo aes-128-gcm aead_key 2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:de:ad:be:ef "
	"mode ipv4-tunnel dst 172.16.2.8 udp-encap",
};

/* Run frame through engine + consumer. protected_from: first byte offset
 * covered by the ICV (the ESP header); an alteration at or after it must
 * never be delivered. */
static int
run_one(const uint8_t *frame, size_t len, size_t altered_at, size_t protected_from)
{
	struct ov2_offload_ctx ctx = { .sad = sad, .enable = OV2_OFFLOAD_AH_ESP };
	struct ov2_consumer c = { .sad = sad, .stats = &st };
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t reason[1];
	int delivered;
	uint8_t *p;

	ov2_caps_port_default(&ctx.caps, 0);
	if (m == NULL) {
		CHECK(m != NULL);
		return 0;
	}
	n_run++;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (len > 0)
		memcpy(p, frame, len);
	ov2_offload_rx(&ctx, &m, 1);
	delivered = ov2_consumer_rx(&c, &m, 1, reason, NULL) == 1;
	if (delivered && altered_at >= protected_from && altered_at != SIZE_MAX)
		delivered_bad++;
	rte_pktmbuf_free(m);
	return delivered;
}

/* The first byte the ICV covers: the ESP header (after UDP for UDP-ESP:
 * a changed UDP header may turn the packet into plain UDP, which is then
 * delivered as what it says it is). */
static size_t
esp_offset(const uint8_t *f, const struct ov2_sa *sa)
{
	return 14 + (f[12] == 0x86 ? 40 : 20) +
	       ((sa->conf.flags & OV2_SA_F_UDP_ENCAP) ? 8 : 0);
}

static void
mutate_all(const struct ov2_sa *sa, uint16_t size)
{
	static uint8_t f0[OV2_BUILD_MAX_FRAME], f1[OV2_BUILD_MAX_FRAME], work[OV2_BUILD_MAX_FRAME];
	uint8_t *out[2] = { f0, f1 };
	size_t len[2], i, prot;
	/* an ESN SA starts near 2^32: its packets carry the high half 0 */
	struct ov2_build_opts o = { .size = size, .flow = 3,
				    .seq = (sa->conf.flags & OV2_SA_F_ESN) ? 0xfffffff5u : 7 };
	char err[128];
	unsigned int bit;

	if (ov2_build_esp(&sa->conf, &sa->crypto, &o, out, len, NULL, NULL, err, sizeof(err)) != 1) {
		fprintf(stderr, "build: %s\n", err);
		CHECK(0);
		return;
	}
	prot = esp_offset(f0, sa);
	run_one(f0, len[0], SIZE_MAX, prot);		/* the original: delivered */
	for (i = 0; i < len[0]; i++)			/* truncated at every offset */
		/* none of them, runts included (i < 14), is a whole packet */
		delivered_short += run_one(f0, i, i >= prot ? i : SIZE_MAX, prot);
	for (i = 0; i < len[0]; i++)			/* every bit flipped once */
		for (bit = 0; bit < 8; bit++) {
			memcpy(work, f0, len[0]);
			work[i] ^= (uint8_t)(1u << bit);
			run_one(work, len[0], i, prot);
		}
}

/* Valid Ethernet + IP headers naming an SA's SPI, then random bytes. */
static void
random_payloads(unsigned int rounds)
{
	static uint8_t f0[OV2_BUILD_MAX_FRAME], f1[OV2_BUILD_MAX_FRAME];
	uint8_t *out[2] = { f0, f1 };
	struct ov2_build_opts o = { .size = 200, .seq = 9 };
	size_t len[2], prot, i;
	unsigned int r;
	char err[128];

	srand(42);
	for (r = 0; r < rounds; r++) {
		const struct ov2_sa *sa = sas[r % NSA];

		if (ov2_build_esp(&sa->conf, &sa->crypto, &o, out, len, NULL, NULL,
				  err, sizeof(err)) != 1)
			continue;
		prot = esp_offset(f0, sa);
		for (i = prot + 8; i < len[0]; i++)
			f0[i] = (uint8_t)rand();
		run_one(f0, prot + 8 + (size_t)rand() % (len[0] - prot - 7), prot + 8, prot);
	}
}

int
main(void)
{
	static const uint16_t sizes[] = { 48, 61, 200 };
	char err[256];
	unsigned int i, s, avail;

	test_eal_init("test_hostile");
	CHECK_EQ(ov2_oob_register(), 0);
	mp = rte_pktmbuf_pool_create("hostile", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("hostile", 16, SOCKET_ID_ANY, err, sizeof(err));
	if (mp == NULL || sad == NULL)
		return 1;
	avail = rte_mempool_avail_count(mp);
	for (i = 0; i < NSA; i++) {
		struct ov2_sa_conf c;

		CHECK_EQ(ov2_conf_parse_sa(lines[i], &c, err, sizeof(err)), 0);
		CHECK_EQ(ov2_sad_add(sad, &c, &sas[i], err, sizeof(err)), 0);
	}
	for (i = 0; i < NSA; i++)
		for (s = 0; s < RTE_DIM(sizes); s++)
			mutate_all(sas[i], sizes[s]);
	random_payloads(20000);
	printf("hostile: %lu packets, %lu delivered, %lu dropped\n",
	       (unsigned long)st.rx_packets, (unsigned long)st.delivered,
	       (unsigned long)ov2_stats_drops_total(&st));
	CHECK_EQ(st.rx_packets, n_run);
	CHECK_EQ(st.delivered + ov2_stats_drops_total(&st), st.rx_packets);
	CHECK_EQ(delivered_bad, 0);
	CHECK_EQ(delivered_short, 0);
	/* the untouched originals (24) are delivered; so are frames whose only
	 * change was in unprotected outer fields, never more than that */
	CHECK(st.delivered >= NSA * RTE_DIM(sizes));
	CHECK_EQ(rte_mempool_avail_count(mp), avail);
	ov2_sad_free(sad);
	return test_done("test_hostile");
}
