/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deferred reclamation of deleted SAs (RCU QSBR): an SA removed by
 * ov2_sad_del(), by SaDeleteReq (ov2_sad_delete_sa()) or replaced keeps
 * its memory and key material through OV2_SAD_GRACE_PERIODS grace periods
 * and no longer; its key is wiped when it is freed; its key slot is reused
 * only then; its counters survive as a record. A reader thread checks that
 * no SA it can still find was wiped under it.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include "conf.h"
#include "sad.h"
#include "testlib.h"

#define READER 1	/* the QSBR thread id this test reports for */
/* Three grace periods, not one: an SA pointer can travel through a handoff
 * ring past the sender's quiescent report (see sad.h). Spelled out here so
 * that a change of OV2_SAD_GRACE_PERIODS fails this test. */
#define GRACE 3

static const uint8_t key_pattern[16] = {
	0xa5, 0x5a, 0xc3, 0x3c, 0x96, 0x69, 0x0f, 0xf0,
	0xa5, 0x5a, 0xc3, 0x3c, 0x96, 0x69, 0x0f, 0xf0,
};

/* What the release hook saw when an SA's memory was given back. */
static struct {
	unsigned int calls;
	unsigned int key_wiped;		/* conf key, salt and expanded keys zero */
	const void *last;
} rel;

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
release_hook(void *p)
{
	const struct ov2_sa *sa = p;

	rel.calls++;
	rel.last = p;
	if (all_zero(sa->conf.key, sizeof(sa->conf.key)) &&
	    all_zero(sa->conf.salt, sizeof(sa->conf.salt)) &&
	    all_zero(&sa->crypto, sizeof(sa->crypto)))
		rel.key_wiped++;
	rte_free(p);
}

static void
conf_for(uint32_t spi, struct ov2_sa_conf *c)
{
	char line[256], err[256];
	int rc;

	snprintf(line, sizeof(line), "in %u aead_algo aes-128-gcm aead_key "
		 "a5:5a:c3:3c:96:69:0f:f0:a5:5a:c3:3c:96:69:0f:f0:01:02:03:04 "
		 "mode ipv4-tunnel dst 10.0.%u.%u", spi, (spi >> 8) & 255, spi & 255);
	rc = ov2_conf_parse_sa(line, c, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "conf: %s\n", err);
	CHECK_EQ(rc, 0);
}

static struct ov2_sa *
find(const struct ov2_sad *sad, const struct ov2_sa_conf *c)
{
	struct ov2_sa_key k;

	ov2_sa_key_make(&k, rte_cpu_to_be_32(c->spi), c->proto, c->dst.family, c->dst.a);
	return ov2_sad_lookup(sad, &k);
}

static struct rte_rcu_qsbr *
make_rcu(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(4);
	struct rte_rcu_qsbr *v = rte_zmalloc("test_rcu", sz, RTE_CACHE_LINE_SIZE);

	if (v == NULL || rte_rcu_qsbr_init(v, 4) != 0) {
		fprintf(stderr, "cannot make the QSBR variable\n");
		exit(1);
	}
	rte_rcu_qsbr_thread_register(v, READER);
	rte_rcu_qsbr_thread_online(v, READER);
	return v;
}

/*
 * An SA is freed after exactly OV2_SAD_GRACE_PERIODS grace periods: the key
 * is intact before (reclaim calls without a quiescent report change
 * nothing), wiped when freed.
 */
static void
check_grace(struct ov2_sad *sad, struct rte_rcu_qsbr *v, struct ov2_sa *sa,
	    const char *what)
{
	unsigned int g, k;

	rel.calls = 0;
	rel.key_wiped = 0;
	CHECK_EQ(ov2_sad_pending(sad), 1);
	CHECK_EQ(OV2_SAD_GRACE_PERIODS, GRACE);
	for (g = 1; g <= GRACE; g++) {
		/* no report from the reader: no progress, however often */
		for (k = 0; k < 3; k++)
			CHECK_EQ(ov2_sad_reclaim(sad), 0);
		CHECK_EQ(rel.calls, 0);
		/* the memory still holds the key the reader may use */
		if (memcmp(sa->conf.key, key_pattern, sizeof(key_pattern)) != 0)
			fprintf(stderr, "%s: key changed before grace period %u\n", what, g);
		CHECK(memcmp(sa->conf.key, key_pattern, sizeof(key_pattern)) == 0);
		CHECK(!all_zero(&sa->crypto, sizeof(sa->crypto)));
		rte_rcu_qsbr_quiescent(v, READER);
		CHECK_EQ(ov2_sad_reclaim(sad), g == GRACE ? 1 : 0);
	}
	CHECK_EQ(rel.calls, 1);
	CHECK(rel.last == sa);
	CHECK_EQ(rel.key_wiped, 1);
	CHECK_EQ(ov2_sad_pending(sad), 0);
}

static int
count_deleted(const struct ov2_sa_record *r, void *arg)
{
	unsigned int *n = arg;

	if (r->deleted && r->spi == 4096 && r->stats.delivered == 7)
		(*n)++;
	return 0;
}

static void
test_paths(void)
{
	char err[256];
	struct rte_rcu_qsbr *v = make_rcu();
	struct ov2_sad *sad = ov2_sad_create("recl", 16, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_conf c, c2;
	struct ov2_sa *sa, *sa2;
	unsigned int n = 0;
	uint32_t pair;

	ov2_sad_attach_rcu(sad, v);
	ov2_sad_set_release(sad, release_hook);

	/* ov2_sad_del */
	conf_for(4096, &c);
	CHECK_EQ(ov2_sad_add(sad, &c, &sa, err, sizeof(err)), 0);
	sa->host.stats.delivered = 7;
	CHECK_EQ(ov2_sad_del(sad, c.spi, c.proto, &c.dst), 0);
	CHECK(find(sad, &c) == NULL);
	CHECK_EQ(ov2_sad_count(sad), 0);
	CHECK_EQ(ov2_sad_del(sad, c.spi, c.proto, &c.dst), -ENOENT);
	check_grace(sad, v, sa, "del");
	/* its counters remain, marked deleted, without the SA */
	ov2_sad_foreach_record(sad, count_deleted, &n);
	CHECK_EQ(n, 1);

	/* SaDeleteReq: the consumer's path only queues; twice is once */
	CHECK_EQ(ov2_sad_add(sad, &c, &sa, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_delete_sa(sad, sa, &pair), 1);
	CHECK_EQ(ov2_sad_delete_sa(sad, sa, &pair), 0);
	CHECK(find(sad, &c) == NULL);
	check_grace(sad, v, sa, "delete_sa");

	/* replace: the key names the new SA at once, the old one waits */
	CHECK_EQ(ov2_sad_add(sad, &c, &sa, err, sizeof(err)), 0);
	c2 = c;
	c2.replay_window = 128;
	c2.flags |= OV2_SA_F_REPLAY_SET;
	CHECK_EQ(ov2_sad_prepare(sad, &c2, &sa2, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_replace(sad, sa, sa2), 0);
	CHECK(find(sad, &c) == sa2);
	CHECK_EQ(ov2_sad_count(sad), 1);
	/* SaDeleteReq of a packet of the old SA leaves the new one alone */
	CHECK_EQ(ov2_sad_delete_sa(sad, sa, &pair), 0);
	CHECK(find(sad, &c) == sa2);
	check_grace(sad, v, sa, "replace");
	CHECK_EQ(ov2_sad_replace(sad, sa, sa2), -ENOENT);

	/* with the reader offline, grace periods pass without it */
	CHECK_EQ(ov2_sad_del(sad, c.spi, c.proto, &c.dst), 0);
	rte_rcu_qsbr_thread_offline(v, READER);
	CHECK_EQ(ov2_sad_reclaim_wait(sad, 1000), 0);
	CHECK_EQ(ov2_sad_pending(sad), 0);
	rte_rcu_qsbr_thread_online(v, READER);

	ov2_sad_set_release(sad, NULL);
	ov2_sad_free(sad);
	rte_free(v);
}

/* A deleted SA's key slot is reused only after reclamation: with the
 * reader never reporting, add/delete cycles run out of slots (-EAGAIN),
 * and get them back once the grace periods pass. */
static void
test_slots(void)
{
	char err[256];
	struct rte_rcu_qsbr *v = make_rcu();
	struct ov2_sad *sad = ov2_sad_create("slots", 4, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_conf c;
	unsigned int i, g;
	int rc = 0;

	ov2_sad_attach_rcu(sad, v);
	for (i = 0; i < 1000 && rc == 0; i++) {
		conf_for(4096 + i, &c);
		rc = ov2_sad_add(sad, &c, NULL, err, sizeof(err));
		if (rc == 0)
			CHECK_EQ(ov2_sad_del(sad, c.spi, c.proto, &c.dst), 0);
	}
	CHECK_EQ(rc, -EAGAIN);
	CHECK(strstr(err, "reclaimed") != NULL);
	CHECK(i > 4 && i < 1000);
	CHECK_EQ(ov2_sad_free_slots(sad), 0);
	for (g = 0; g < GRACE; g++) {
		rte_rcu_qsbr_quiescent(v, READER);
		ov2_sad_reclaim(sad);
	}
	CHECK_EQ(ov2_sad_pending(sad), 0);
	CHECK(ov2_sad_free_slots(sad) > 4);
	CHECK_EQ(ov2_sad_add(sad, &c, NULL, err, sizeof(err)), 0);
	ov2_sad_free(sad);
	rte_free(v);
}

/* A reader thread looks an SA up and reads its key while the main thread
 * deletes, reclaims and re-adds it: the reader must never see a wiped key
 * in an SA it found since its last quiescent report. */
struct race {
	struct ov2_sad *sad;
	struct rte_rcu_qsbr *v;
	struct ov2_sa_conf c;
	volatile int stop;
	unsigned long seen, bad;
};

static void *
reader(void *arg)
{
	struct race *r = arg;
	struct ov2_sa *sa;

	rte_rcu_qsbr_thread_register(r->v, 2);
	rte_rcu_qsbr_thread_online(r->v, 2);
	while (!r->stop) {
		rte_rcu_qsbr_quiescent(r->v, 2);
		sa = find(r->sad, &r->c);
		if (sa == NULL)
			continue;
		r->seen++;
		for (int k = 0; k < 64; k++) {
			if (__atomic_load_n(&sa->conf.key[k & 15], __ATOMIC_RELAXED) !=
			    key_pattern[k & 15]) {
				r->bad++;
				break;
			}
		}
	}
	rte_rcu_qsbr_thread_offline(r->v, 2);
	rte_rcu_qsbr_thread_unregister(r->v, 2);
	return NULL;
}

static void
test_race(void)
{
	char err[256];
	struct race r = { 0 };
	pthread_t t;
	unsigned int i;

	r.v = make_rcu();
	rte_rcu_qsbr_thread_offline(r.v, READER);
	r.sad = ov2_sad_create("race", 64, SOCKET_ID_ANY, err, sizeof(err));
	ov2_sad_attach_rcu(r.sad, r.v);
	conf_for(5000, &r.c);
	CHECK_EQ(ov2_sad_add(r.sad, &r.c, NULL, err, sizeof(err)), 0);
	CHECK_EQ(pthread_create(&t, NULL, reader, &r), 0);
	for (i = 0; i < 2000; i++) {
		unsigned long seen = r.seen;
		uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() / 5000;
		int rc;

		/* let the reader find this SA (or 200 us pass) */
		while (__atomic_load_n(&r.seen, __ATOMIC_RELAXED) == seen &&
		       rte_get_timer_cycles() < end)
			rte_pause();

		CHECK_EQ(ov2_sad_del(r.sad, r.c.spi, r.c.proto, &r.c.dst), 0);
		ov2_sad_reclaim(r.sad);
		rc = ov2_sad_add(r.sad, &r.c, NULL, err, sizeof(err));
		if (rc == -EAGAIN) {
			/* slots all held by deleted SAs: wait for the reader */
			CHECK_EQ(ov2_sad_reclaim_wait(r.sad, 2000), 0);
			rc = ov2_sad_add(r.sad, &r.c, NULL, err, sizeof(err));
		}
		CHECK_EQ(rc, 0);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	CHECK_EQ(ov2_sad_reclaim_wait(r.sad, 2000), 0);
	printf("race: reader found the SA %lu times, saw a wiped key %lu times\n",
	       r.seen, r.bad);
	CHECK(r.seen > 0);
	CHECK_EQ(r.bad, 0);
	ov2_sad_free(r.sad);
	rte_free(r.v);
}

int
main(void)
{
	test_eal_init("test_reclaim");
	test_paths();
	test_slots();
	test_race();
	return test_done("test_reclaim");
}
