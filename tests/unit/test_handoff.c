/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One writer per SA (lib/handoff.h): two consumers of one handoff group,
 * driven from one thread as two lcores would be. Packets carry OOB data set
 * by hand, as an inline NIC would set it (plaintext in place). Checked: the
 * first consumer to see an SA owns it; a packet of an SA the other owns is
 * handed over and counted by the owner only; replays across the two are
 * caught once; packets of one SA keep their order; a full ring drops with
 * handoff_full and never waits, also with both rings full; and a random
 * run against a naive model (a set of the sequence numbers seen per SA):
 * every packet counted exactly once; the same with two real lcores at
 * once.
 */
#include <inttypes.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include "consumer.h"
#include "handoff.h"
#include "oob.h"
#include "pkt.h"
#include "sad.h"
#include "testlib.h"

static struct rte_mempool *mp;
static struct ov2_sad *sad;

static const uint8_t eth_v4[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
static const uint8_t dst4[4] = { 10, 0, 0, 2 };

#define INNER_LEN 40	/* inner IPv4 header + 20 bytes: the marker at 20 */

static void
ip4_hdr(uint8_t *p, uint16_t total, uint8_t proto, const uint8_t *dst)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	memcpy(&ip->src_addr, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(&ip->dst_addr, dst, 4);
	ov2_ipv4_cksum_set(ip);
}

/*
 * Eth + IPv4 + ESP(spi, seq) + IV + inner IPv4 packet (marker: the SPI and
 * sequence number) + pad 2 + padlen + nh + ICV, in clear as the NIC side
 * leaves it, OOB CryptoDone / SUCCESS for sa.
 */
static struct rte_mbuf *
esp_pkt(struct ov2_sa *sa, uint32_t seq)
{
	const uint16_t esp_len = 8 + 8 + INNER_LEN + 2 + 2 + 16;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct ov2_oob *o;
	uint8_t *p, *in;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + esp_len);
	memcpy(p, eth_v4, 14);
	ip4_hdr(p + 14, 20 + esp_len, 50, dst4);
	be32_store(p + 34, sa->conf.spi);
	be32_store(p + 38, seq);
	memset(p + 42, 0xa5, 8);				/* IV */
	in = p + 50;
	ip4_hdr(in, INNER_LEN, 17, (const uint8_t[]){ 192, 168, 0, 2 });
	memset(in + 20, 0, INNER_LEN - 20);
	memcpy(in + 20, &sa->conf.spi, 4);
	memcpy(in + 24, &seq, 4);
	in[INNER_LEN] = 1;					/* pad */
	in[INNER_LEN + 1] = 2;
	in[INNER_LEN + 2] = 2;					/* pad length */
	in[INNER_LEN + 3] = 4;					/* next header */
	memset(in + INNER_LEN + 4, 0xcc, 16);			/* ICV */
	o = ov2_oob(m);
	ov2_oob_clear(o);
	o->rx = OV2_RX_CRYPTO_DONE | (uint32_t)OV2_CRYPTO_SUCCESS << OV2_RX_STATUS_SHIFT;
	o->sa = sa;
	ov2_oob_set_header_info(o, 4, 2);
	return m;
}

/* The marker of a delivered (decapsulated) packet. */
static void
marker(const struct rte_mbuf *m, uint32_t *spi, uint32_t *seq)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *) + 14 + 20;

	*spi = raw32_load(p);
	*seq = raw32_load(p + 4);
}

static struct ov2_sa *
add_sa(uint32_t spi, uint32_t window)
{
	struct ov2_sa_conf c = { .spi = spi, .dir = OV2_SA_IN, .proto = OV2_IPPROTO_ESP,
				 .mode = OV2_MODE_TUNNEL4, .aead = OV2_AEAD_AES_128_GCM,
				 .key_len = 16, .flags = OV2_SA_F_REPLAY_SET,
				 .replay_window = window };
	struct ov2_sa *sa = NULL;
	char err[256];

	c.dst.family = 4;
	memcpy(c.dst.a, dst4, 4);
	if (ov2_sad_add(sad, &c, &sa, err, sizeof(err)) != 0)
		fprintf(stderr, "add_sa: %s\n", err);
	CHECK(sa != NULL);
	return sa;
}

/* Two lcores: their consumers and counters. */
struct pair {
	struct ov2_handoff *ho;
	struct ov2_consumer c[2];
	struct ov2_stats st[2];
	uint64_t delivered[2];	/* what each returned as delivered */
	uint64_t dropped[2][OV2_DROP_COUNT];
	uint32_t order_spi;	/* record the delivery order of this SA */
	uint32_t order[256];
	unsigned int n_order;
};

static int
pair_init(struct pair *p, const char *name, unsigned int ring)
{
	char err[128];
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->ho = ov2_handoff_create(name, 2, ring, SOCKET_ID_ANY, err, sizeof(err));
	if (p->ho == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		struct ov2_consumer_conf cc = { .sad = sad, .stats = &p->st[i],
						.socket = SOCKET_ID_ANY, .handoff = p->ho,
						.slot = i };

		if (ov2_consumer_init(&p->c[i], &cc, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
	}
	return 0;
}

static void
pair_fini(struct pair *p)
{
	ov2_consumer_fini(&p->c[0]);
	ov2_consumer_fini(&p->c[1]);
	CHECK_EQ(ov2_handoff_pending(p->ho), 0);
	ov2_handoff_free(p->ho);
}

/* What a worker does with the consumer's result: note it, free it. */
static void
settle(struct pair *p, unsigned int i, struct rte_mbuf **pkts, uint16_t k, uint16_t nd,
       const uint8_t *reason)
{
	uint16_t j;

	for (j = 0; j < k; j++) {
		uint32_t spi, seq;

		marker(pkts[j], &spi, &seq);
		if (spi == p->order_spi && p->n_order < RTE_DIM(p->order))
			p->order[p->n_order++] = seq;
	}
	p->delivered[i] += k;
	for (j = 0; j < nd; j++)
		p->dropped[i][reason[k + j]]++;
	rte_pktmbuf_free_bulk(pkts, k + nd);
}

/* Lcore i receives n packets. */
static void
rx(struct pair *p, unsigned int i, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t reason[64];
	uint16_t k, nd;

	k = ov2_consumer_rx(&p->c[i], pkts, n, reason, &nd);
	settle(p, i, pkts, k, nd, reason);
}

/* Lcore i drains what was handed to it; returns how many it took. */
static unsigned int
drain(struct pair *p, unsigned int i)
{
	struct rte_mbuf *pkts[32];
	uint8_t reason[32];
	uint16_t k, nd, taken;
	unsigned int t = 0;

	do {
		k = ov2_consumer_drain(&p->c[i], pkts, 32, reason, &nd, &taken);
		settle(p, i, pkts, k, nd, reason);
		t += taken;
	} while (taken != 0);
	return t;
}

static void
rx_one(struct pair *p, unsigned int i, struct ov2_sa *sa, uint32_t seq)
{
	struct rte_mbuf *m = esp_pkt(sa, seq);

	rx(p, i, &m, 1);
}

/* Every packet received is counted once, by the lcore that finished it. */
static void
check_accounting(const struct pair *p)
{
	uint64_t rxp = p->st[0].rx_packets + p->st[1].rx_packets;
	uint64_t del = p->st[0].delivered + p->st[1].delivered;
	uint64_t drops = ov2_stats_drops_total(&p->st[0]) + ov2_stats_drops_total(&p->st[1]);
	unsigned int r;

	CHECK_EQ(rxp, del + drops);
	CHECK_EQ(del, p->delivered[0] + p->delivered[1]);
	for (r = 0; r < OV2_DROP_COUNT; r++)
		CHECK_EQ(p->st[0].drops[r] + p->st[1].drops[r],
			 p->dropped[0][r] + p->dropped[1][r]);
}

static uint64_t
sa_total(const struct ov2_sa *sa)
{
	uint64_t t = sa->host.stats.delivered;
	unsigned int r;

	for (r = 0; r < OV2_DROP_COUNT; r++)
		t += sa->host.stats.drops[r];
	return t;
}

/* 1. First sight claims; the other lcore hands over; duplicates once. */
static void
test_owner(void)
{
	struct pair p;
	struct ov2_sa *x = add_sa(0x2001, 64), *y = add_sa(0x2002, 64);

	if (pair_init(&p, "own", 8) != 0 || x == NULL || y == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(x->owner, 0);
	rx_one(&p, 0, x, 1);			/* lcore 0 sees x first */
	CHECK_EQ(x->owner, 1);
	CHECK_EQ(p.delivered[0], 1);
	rx_one(&p, 1, y, 1);			/* lcore 1 sees y first */
	CHECK_EQ(y->owner, 2);
	rx_one(&p, 1, x, 2);			/* x on lcore 1: handed over */
	CHECK_EQ(p.delivered[1], 1);		/* y's only */
	CHECK_EQ(p.st[1].rx_packets, 2);
	CHECK_EQ(p.st[1].delivered, 1);
	CHECK_EQ(ov2_stats_drops_total(&p.st[1]), 0);
	CHECK_EQ(ov2_consumer_waiting(&p.c[0]), 1);
	CHECK_EQ(ov2_consumer_waiting(&p.c[1]), 0);
	CHECK_EQ(drain(&p, 1), 0);		/* nothing for lcore 1 */
	CHECK_EQ(drain(&p, 0), 1);
	CHECK_EQ(p.delivered[0], 2);
	CHECK_EQ(x->host.stats.delivered, 2);
	CHECK_EQ(x->replay.top, 2);
	/* the same sequence number on both lcores: one delivery, one
	 * replay_duplicate, counted by the owner */
	rx_one(&p, 0, x, 3);
	rx_one(&p, 1, x, 3);
	CHECK_EQ(drain(&p, 0), 1);
	CHECK_EQ(x->host.stats.delivered, 3);
	CHECK_EQ(x->host.stats.drops[OV2_DROP_REPLAY_DUP], 1);
	CHECK_EQ(p.st[0].drops[OV2_DROP_REPLAY_DUP], 1);
	CHECK_EQ(p.st[1].drops[OV2_DROP_REPLAY_DUP], 0);
	/* the status counters follow the packet to the owner too */
	CHECK_EQ(p.st[0].crypto_status[OV2_CRYPTO_SUCCESS], 4);
	CHECK_EQ(p.st[1].crypto_status[OV2_CRYPTO_SUCCESS], 1);
	CHECK_EQ(sa_total(x) + sa_total(y), 5);
	check_accounting(&p);
	pair_fini(&p);
}

/* 2. A burst mixing SAs: x's packets reach its owner in order. */
static void
test_order(void)
{
	struct pair p;
	struct ov2_sa *x = add_sa(0x2011, 64), *y = add_sa(0x2012, 64);
	struct rte_mbuf *b[20];
	unsigned int i, n = 0;

	if (pair_init(&p, "ord", 64) != 0 || x == NULL || y == NULL) {
		CHECK(0);
		return;
	}
	rx_one(&p, 0, x, 1);
	rx_one(&p, 1, y, 1);
	p.order_spi = x->conf.spi;
	p.n_order = 0;
	for (i = 0; i < 10; i++) {
		b[n++] = esp_pkt(x, 2 + i);
		b[n++] = esp_pkt(y, 2 + i);
	}
	rx(&p, 1, b, (uint16_t)n);
	CHECK_EQ(p.delivered[1], 1 + 10);
	CHECK_EQ(drain(&p, 0), 10);
	CHECK_EQ(p.n_order, 10);
	for (i = 0; i < p.n_order; i++)
		CHECK_EQ(p.order[i], 2 + i);
	CHECK_EQ(x->host.stats.delivered, 11);
	CHECK_EQ(y->host.stats.delivered, 11);
	check_accounting(&p);
	pair_fini(&p);
}

/* 3. Full rings drop (handoff_full) and never wait, both ways at once. */
static void
test_full(void)
{
	struct pair p;
	struct ov2_sa *x = add_sa(0x2021, 64), *y = add_sa(0x2022, 64);
	struct rte_mbuf *b[10];
	unsigned int i;

	/* 8 slots, 7 usable */
	if (pair_init(&p, "full", 8) != 0 || x == NULL || y == NULL) {
		CHECK(0);
		return;
	}
	rx_one(&p, 0, x, 1);
	rx_one(&p, 1, y, 1);
	for (i = 0; i < 10; i++)
		b[i] = esp_pkt(x, 2 + i);
	rx(&p, 1, b, 10);		/* x to lcore 0: 7 fit */
	for (i = 0; i < 10; i++)
		b[i] = esp_pkt(y, 2 + i);
	rx(&p, 0, b, 10);		/* y to lcore 1: 7 fit */
	CHECK_EQ(p.st[1].drops[OV2_DROP_HANDOFF_FULL], 3);
	CHECK_EQ(p.st[0].drops[OV2_DROP_HANDOFF_FULL], 3);
	CHECK_EQ(p.dropped[1][OV2_DROP_HANDOFF_FULL], 3);
	CHECK_EQ(ov2_consumer_waiting(&p.c[0]), 7);
	CHECK_EQ(ov2_consumer_waiting(&p.c[1]), 7);
	/* the one that dropped does not own the SA: no per-SA count there */
	CHECK_EQ(x->host.stats.drops[OV2_DROP_HANDOFF_FULL], 0);
	CHECK_EQ(drain(&p, 0), 7);
	CHECK_EQ(drain(&p, 1), 7);
	CHECK_EQ(x->host.stats.delivered, 8);
	CHECK_EQ(y->host.stats.delivered, 8);
	/* the first seven went through, in order: the top is seq 8 */
	CHECK_EQ(x->replay.top, 8);
	check_accounting(&p);
	pair_fini(&p);
}

/* 4. Random traffic on both lcores against a naive model. */
#define R_SAS 4
#define R_SEQ 300

static void
test_random(void)
{
	struct pair p;
	struct ov2_sa *sa[R_SAS];
	static uint8_t seen[R_SAS][R_SEQ + 1];
	uint64_t sent = 0, distinct[R_SAS] = { 0 }, total[R_SAS] = { 0 };
	unsigned int round, i, s;

	memset(seen, 0, sizeof(seen));
	for (s = 0; s < R_SAS; s++)
		sa[s] = add_sa(0x2100 + s, 1024);	/* wider than R_SEQ: order-free */
	if (pair_init(&p, "rnd", 1024) != 0) {
		CHECK(0);
		return;
	}
	rte_srand(7);
	for (round = 0; round < 400; round++) {
		unsigned int lc = (unsigned int)(rte_rand() & 1);
		uint16_t n = (uint16_t)(1 + rte_rand() % 32);
		struct rte_mbuf *b[32];

		for (i = 0; i < n; i++) {
			uint32_t seq = (uint32_t)(1 + rte_rand() % R_SEQ);

			s = (unsigned int)(rte_rand() % R_SAS);
			b[i] = esp_pkt(sa[s], seq);
			total[s]++;
			distinct[s] += !seen[s][seq];
			seen[s][seq] = 1;
		}
		sent += n;
		rx(&p, lc, b, n);
		/* the lcores drain at their own pace */
		if (rte_rand() % 3 == 0)
			drain(&p, (unsigned int)(rte_rand() & 1));
	}
	drain(&p, 0);
	drain(&p, 1);
	CHECK_EQ(p.st[0].rx_packets + p.st[1].rx_packets, sent);
	CHECK_EQ(p.st[0].drops[OV2_DROP_HANDOFF_FULL] + p.st[1].drops[OV2_DROP_HANDOFF_FULL], 0);
	for (s = 0; s < R_SAS; s++) {
		CHECK(sa[s]->owner == 1 || sa[s]->owner == 2);
		CHECK_EQ(sa[s]->host.stats.delivered, distinct[s]);
		CHECK_EQ(sa[s]->host.stats.drops[OV2_DROP_REPLAY_DUP], total[s] - distinct[s]);
		CHECK_EQ(sa_total(sa[s]), total[s]);
	}
	check_accounting(&p);
	pair_fini(&p);
}

/* 5. Two real lcores at once: lcore 0 (this thread) and lcore 1, each
 * receiving its own list of packets of the same SAs, with duplicates
 * within and across the lists, and draining; against the naive model. */
#define T_SAS 4
#define T_SEQ 2000
#define T_PKTS 8000

struct t_input {
	struct pair *p;
	unsigned int lc;
	struct ov2_sa **sa;
	uint32_t *seq;		/* per packet: sa index << 16 | seq */
	unsigned int n;
};

static volatile int t_done[2];
static unsigned int t_started;

static int
t_lcore(void *arg)
{
	struct t_input *in = arg;
	struct rte_mbuf *b[32];
	unsigned int i = 0, k;

	/* start together, so that both claim SAs and hand off at once */
	__atomic_add_fetch(&t_started, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&t_started, __ATOMIC_ACQUIRE) < 2)
		;
	while (i < in->n) {
		for (k = 0; k < 32 && i < in->n; k++, i++)
			b[k] = esp_pkt(in->sa[in->seq[i] >> 16], in->seq[i] & 0xffff);
		rx(in->p, in->lc, b, (uint16_t)k);
		drain(in->p, in->lc);
	}
	__atomic_store_n(&t_done[in->lc], 1, __ATOMIC_RELEASE);
	/* the other may still hand packets over until it is done too */
	while (!__atomic_load_n(&t_done[1 - in->lc], __ATOMIC_ACQUIRE))
		drain(in->p, in->lc);
	drain(in->p, in->lc);
	return 0;
}

static void
test_threads(void)
{
	static uint32_t list[2][T_PKTS];
	static uint8_t seen[T_SAS][T_SEQ + 1];
	struct ov2_sa *sa[T_SAS];
	struct t_input in[2];
	uint64_t distinct[T_SAS] = { 0 }, total[T_SAS] = { 0 };
	unsigned int lc1 = rte_get_next_lcore(rte_lcore_id(), 1, 0), s, l, i;
	struct rte_mempool *pool_save;
	uint64_t foreign[2] = { 0, 0 };
	struct pair p;

	if (lc1 >= RTE_MAX_LCORE) {
		fprintf(stderr, "test_threads: no second lcore\n");
		CHECK(0);
		return;
	}
	memset(seen, 0, sizeof(seen));
	for (s = 0; s < T_SAS; s++)
		sa[s] = add_sa(0x2200 + s, 4096);	/* wider than T_SEQ */
	/* rings and pool that hold every packet: a slow lcore (the machine
	 * may be busy) makes no handoff_full, and the model stays exact */
	pool_save = mp;
	mp = rte_pktmbuf_pool_create("thr", 4 * T_PKTS, 256, 0, 256 + RTE_PKTMBUF_HEADROOM,
				     SOCKET_ID_ANY);
	if (mp == NULL || pair_init(&p, "thr", 16384) != 0) {
		CHECK(0);
		mp = pool_save;
		return;
	}
	rte_srand(11);
	for (l = 0; l < 2; l++) {
		for (i = 0; i < T_PKTS; i++) {
			uint32_t seq = (uint32_t)(1 + rte_rand() % T_SEQ);

			/* each list starts with "its" two SAs */
			s = i < 2 ? 2 * l + i : (unsigned int)(rte_rand() % T_SAS);
			list[l][i] = s << 16 | seq;
			total[s]++;
			distinct[s] += !seen[s][seq];
			seen[s][seq] = 1;
		}
		in[l] = (struct t_input){ &p, l, sa, list[l], T_PKTS };
	}
	t_done[0] = t_done[1] = 0;
	t_started = 0;
	if (rte_eal_remote_launch(t_lcore, &in[1], lc1) != 0) {
		CHECK(0);
		return;
	}
	t_lcore(&in[0]);
	rte_eal_wait_lcore(lc1);
	CHECK_EQ(drain(&p, 0) + drain(&p, 1), 0);
	CHECK_EQ(p.st[0].rx_packets + p.st[1].rx_packets, 2 * T_PKTS);
	/* each lcore handed over exactly its packets of the SAs the other
	 * owns (which one claimed an SA depends on the timing) */
	for (l = 0; l < 2; l++)
		for (i = 0; i < T_PKTS; i++)
			foreign[l] += sa[list[l][i] >> 16]->owner != l + 1;
	CHECK_EQ(p.st[0].handed_off, foreign[0]);
	CHECK_EQ(p.st[1].handed_off, foreign[1]);
	CHECK(foreign[0] + foreign[1] > 0);
	/* the rings hold every packet: none can be lost to a full one */
	CHECK_EQ(p.st[0].drops[OV2_DROP_HANDOFF_FULL] + p.st[1].drops[OV2_DROP_HANDOFF_FULL], 0);
	for (s = 0; s < T_SAS; s++) {
		CHECK(sa[s]->owner == 1 || sa[s]->owner == 2);
		CHECK_EQ(sa[s]->host.stats.delivered, distinct[s]);
		CHECK_EQ(sa[s]->host.stats.drops[OV2_DROP_REPLAY_DUP], total[s] - distinct[s]);
		CHECK_EQ(sa_total(sa[s]), total[s]);
	}
	printf("test_threads: %u packets, handed off %" PRIu64 " + %" PRIu64 ", handoff_full %"
	       PRIu64 "\n", 2 * T_PKTS, p.st[0].handed_off, p.st[1].handed_off,
	       p.st[0].drops[OV2_DROP_HANDOFF_FULL] + p.st[1].drops[OV2_DROP_HANDOFF_FULL]);
	check_accounting(&p);
	pair_fini(&p);
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
	mp = pool_save;
}

/* 6. Bad group parameters are refused with a message. */
static void
test_bad_group(void)
{
	struct ov2_consumer c;
	struct ov2_stats st = { 0 };
	struct ov2_handoff *h;
	char err[128] = "";

	CHECK(ov2_handoff_create("bad", 0, 8, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	err[0] = '\0';
	CHECK(ov2_handoff_create("bad", 2, 12, SOCKET_ID_ANY, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "power of two") != NULL);
	h = ov2_handoff_create("bad", 2, 8, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	{
		struct ov2_consumer_conf cc = { .sad = sad, .stats = &st, .handoff = h,
						.slot = 2, .socket = SOCKET_ID_ANY };

		err[0] = '\0';
		CHECK(ov2_consumer_init(&c, &cc, err, sizeof(err)) != 0);
		CHECK(err[0] != '\0');
	}
	ov2_handoff_free(h);
}

/* EAL on two lcores (test_threads), without hugepages or PCI. */
static void
eal_init_two(void)
{
	char fp[128];
	char *argv[] = { (char *)"test", (char *)"--no-huge", (char *)"-m", (char *)"256",
			 (char *)"--no-pci", (char *)"--no-telemetry", (char *)"-l", (char *)"0,1",
			 (char *)"--log-level", (char *)"lib.*:error", fp, NULL };

	snprintf(fp, sizeof(fp), "--file-prefix=test_handoff_%d", (int)getpid());
	if (rte_eal_init(11, argv) < 0) {
		fprintf(stderr, "cannot init EAL\n");
		exit(1);
	}
	test_eal_up = 1;
}

int
main(void)
{
	char err[256];

	eal_init_two();
	CHECK_EQ(ov2_oob_register(), 0);
	mp = rte_pktmbuf_pool_create("ho", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	sad = ov2_sad_create("ho", 64, SOCKET_ID_ANY, err, sizeof(err));
	if (mp == NULL || sad == NULL)
		return 1;
	test_owner();
	test_order();
	test_full();
	test_random();
	test_threads();
	test_bad_group();
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	ov2_sad_free(sad);
	return test_done("test_handoff");
}
