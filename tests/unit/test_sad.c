/* SPDX-License-Identifier: BSD-3-Clause */
/* The SA table: add / lookup / duplicate / full / delete, wildcard
 * destinations, bulk lookups kept aligned with their keys, and a table of
 * 1,000,000 SAs. */
#include <errno.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include "sad.h"
#include "testlib.h"

static struct ov2_sa_conf
mk(uint32_t spi, uint8_t fam, uint32_t host)
{
	struct ov2_sa_conf c = { .spi = spi, .dir = OV2_SA_IN, .proto = OV2_IPPROTO_ESP,
				 .mode = OV2_MODE_TUNNEL4, .aead = OV2_AEAD_AES_128_GCM,
				 .key_len = 16 };

	c.key[0] = (uint8_t)spi;
	c.dst.family = fam;
	if (fam == 4) {
		c.dst.a[0] = 10;
		c.dst.a[1] = (uint8_t)(host >> 16);
		c.dst.a[2] = (uint8_t)(host >> 8);
		c.dst.a[3] = (uint8_t)host;
	} else if (fam == 6) {
		c.mode = OV2_MODE_TUNNEL6;
		c.dst.a[0] = 0x20;
		c.dst.a[1] = 0x01;
		c.dst.a[13] = (uint8_t)(host >> 16);
		c.dst.a[14] = (uint8_t)(host >> 8);
		c.dst.a[15] = (uint8_t)host;
	} else {
		c.mode = OV2_MODE_TRANSPORT;
	}
	return c;
}

static struct ov2_sa *
find(const struct ov2_sad *sad, uint32_t spi, uint8_t proto, const struct ov2_addr *d)
{
	struct ov2_sa_key k;

	ov2_sa_key_make(&k, rte_cpu_to_be_32(spi), proto, d->family, d->a);
	return ov2_sad_lookup(sad, &k);
}

static void
test_basic(void)
{
	char err[256];
	struct ov2_sad *sad = ov2_sad_create("basic", 4, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_conf a = mk(1000, 4, 1), b = mk(1000, 4, 2), c6 = mk(1000, 6, 1);
	struct ov2_sa_conf out = a, ah = a, bad = mk(1001, 4, 9), e = mk(1002, 4, 3);
	struct ov2_sa *sa = NULL;

	CHECK(sad != NULL);
	if (sad == NULL)
		return;
	CHECK_EQ(ov2_sad_add(sad, &a, &sa, err, sizeof(err)), 0);
	CHECK(sa != NULL && sa->conf.spi == 1000);
	CHECK(find(sad, 1000, OV2_IPPROTO_ESP, &a.dst) == sa);
	/* same SPI, other destination / family: different SAs */
	CHECK_EQ(ov2_sad_add(sad, &b, NULL, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_add(sad, &c6, NULL, err, sizeof(err)), 0);
	CHECK(find(sad, 1000, OV2_IPPROTO_ESP, &b.dst) != sa);
	CHECK(find(sad, 1000, OV2_IPPROTO_ESP, &c6.dst)->conf.dst.family == 6);
	/* other protocol and unknown SPI miss */
	CHECK(find(sad, 1000, OV2_IPPROTO_AH, &a.dst) == NULL);
	CHECK(find(sad, 1001, OV2_IPPROTO_ESP, &a.dst) == NULL);
	/* duplicates, outbound, AH and broken keys are refused, table unchanged */
	CHECK_EQ(ov2_sad_add(sad, &a, NULL, err, sizeof(err)), -EEXIST);
	CHECK(strstr(err, "exists") != NULL);
	out.dir = OV2_SA_OUT;
	CHECK_EQ(ov2_sad_add(sad, &out, NULL, err, sizeof(err)), -EINVAL);
	ah.proto = OV2_IPPROTO_AH;
	CHECK_EQ(ov2_sad_add(sad, &ah, NULL, err, sizeof(err)), -EINVAL);
	bad.key_len = 15;
	CHECK_EQ(ov2_sad_add(sad, &bad, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(ov2_sad_count(sad), 3);
	/* capacity 4: the fifth is refused */
	CHECK_EQ(ov2_sad_add(sad, &e, NULL, err, sizeof(err)), 0);
	e.spi = 1003;
	CHECK_EQ(ov2_sad_add(sad, &e, NULL, err, sizeof(err)), -ENOSPC);
	CHECK(strstr(err, "full") != NULL);
	/* delete: gone, slot reusable */
	CHECK_EQ(ov2_sad_del(sad, 1000, OV2_IPPROTO_ESP, &a.dst), 0);
	CHECK(find(sad, 1000, OV2_IPPROTO_ESP, &a.dst) == NULL);
	CHECK_EQ(ov2_sad_del(sad, 1000, OV2_IPPROTO_ESP, &a.dst), -ENOENT);
	CHECK_EQ(ov2_sad_add(sad, &e, NULL, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_count(sad), 4);
	ov2_sad_free(sad);
}

static void
test_wildcard(void)
{
	char err[256];
	struct ov2_sad *sad = ov2_sad_create("wild", 16, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_conf any = mk(2000, 0, 0), exact = mk(2000, 4, 5);
	struct ov2_addr d4 = mk(0, 4, 77).dst, d6 = mk(0, 6, 77).dst;
	struct ov2_sa *sa_any = NULL, *sa_exact = NULL;

	CHECK_EQ(ov2_sad_add(sad, &any, &sa_any, err, sizeof(err)), 0);
	CHECK(find(sad, 2000, OV2_IPPROTO_ESP, &d4) == sa_any);
	CHECK(find(sad, 2000, OV2_IPPROTO_ESP, &d6) == sa_any);
	CHECK(find(sad, 2001, OV2_IPPROTO_ESP, &d4) == NULL);
	/* an exact destination wins over the wildcard */
	CHECK_EQ(ov2_sad_add(sad, &exact, &sa_exact, err, sizeof(err)), 0);
	CHECK(find(sad, 2000, OV2_IPPROTO_ESP, &exact.dst) == sa_exact);
	CHECK(find(sad, 2000, OV2_IPPROTO_ESP, &d4) == sa_any);
	CHECK_EQ(ov2_sad_del(sad, 2000, OV2_IPPROTO_ESP, &any.dst), 0);
	CHECK(find(sad, 2000, OV2_IPPROTO_ESP, &d4) == NULL);
	ov2_sad_free(sad);
}

/* Random keys, half of them present: each result matches its own key. */
static void
test_bulk(void)
{
	char err[256];
	struct ov2_sad *sad = ov2_sad_create("bulk", 1024, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_key keys[OV2_SAD_BURST_MAX];
	const struct ov2_sa_key *kp[OV2_SAD_BURST_MAX];
	struct ov2_sa *res[OV2_SAD_BURST_MAX];
	unsigned int i, round, hits, want;

	for (i = 0; i < 512; i++) {
		struct ov2_sa_conf c = mk(10000 + 2 * i, 4, i);

		CHECK_EQ(ov2_sad_add(sad, &c, NULL, err, sizeof(err)), 0);
	}
	srand(1);
	for (round = 0; round < 200; round++) {
		unsigned int n = 1 + (unsigned int)rand() % OV2_SAD_BURST_MAX;

		want = 0;
		for (i = 0; i < n; i++) {
			unsigned int j = (unsigned int)rand() % 1024;
			struct ov2_sa_conf c = mk(10000 + j, 4, j / 2);

			ov2_sa_key_make(&keys[i], rte_cpu_to_be_32(c.spi), OV2_IPPROTO_ESP, 4, c.dst.a);
			kp[i] = &keys[i];
			want += (j % 2 == 0);
		}
		hits = ov2_sad_lookup_bulk(sad, kp, n, res);
		CHECK_EQ(hits, want);
		for (i = 0; i < n; i++) {
			uint32_t spi = rte_be_to_cpu_32(keys[i].spi);

			if ((spi - 10000) % 2 == 0)
				CHECK(res[i] != NULL && res[i]->conf.spi == spi &&
				      memcmp(res[i]->conf.dst.a, keys[i].dst, 4) == 0);
			else
				CHECK(res[i] == NULL);
		}
	}
	ov2_sad_free(sad);
}

/* The issue asks for at least 1,000,000 SAs on this machine. */
static void
test_million(void)
{
	const uint32_t n = 1000000;
	char err[256];
	struct rte_malloc_socket_stats before, after;
	struct ov2_sad *sad;
	uint64_t t0, t1;
	uint32_t i, found = 0;

	rte_malloc_get_socket_stats(0, &before);
	sad = ov2_sad_create("million", n, SOCKET_ID_ANY, err, sizeof(err));
	CHECK(sad != NULL);
	if (sad == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct ov2_sa_conf c = mk(256 + i, 4, i);

		if (ov2_sad_add(sad, &c, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "add %u: %s\n", i, err);
			break;
		}
	}
	t1 = rte_rdtsc();
	CHECK_EQ(ov2_sad_count(sad), n);
	for (i = 0; i < n; i += 997) {
		struct ov2_sa_conf c = mk(256 + i, 4, i);

		found += find(sad, c.spi, OV2_IPPROTO_ESP, &c.dst) != NULL;
	}
	CHECK_EQ(found, (n + 996) / 997);
	rte_malloc_get_socket_stats(0, &after);
	printf("1,000,000 SAs: %.2f s to add (%.0f adds/s), %.0f bytes per SA "
	       "(table and SA state)\n",
	       (double)(t1 - t0) / (double)rte_get_tsc_hz(),
	       n / ((double)(t1 - t0) / (double)rte_get_tsc_hz()),
	       (double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes) / n);
	ov2_sad_free(sad);
}

/* The table says whether a transport ESP SA has entered it: not for tunnel
 * SAs, not for a refused add, and still after the SA is deleted. */
static void
test_any_transport(void)
{
	char err[256];
	struct ov2_sad *sad = ov2_sad_create("anytr", 8, SOCKET_ID_ANY, err, sizeof(err));
	struct ov2_sa_conf t = mk(3000, 4, 7), t6 = mk(3001, 6, 7), tr = mk(3000, 4, 7);

	CHECK(sad != NULL);
	if (sad == NULL)
		return;
	CHECK_EQ(ov2_sad_any_transport_esp(sad), 0);
	CHECK_EQ(ov2_sad_add(sad, &t, NULL, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_add(sad, &t6, NULL, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_any_transport_esp(sad), 0);
	/* a transport SA with the tunnel SA's key: refused, flag unchanged */
	tr.mode = OV2_MODE_TRANSPORT;
	CHECK_EQ(ov2_sad_add(sad, &tr, NULL, err, sizeof(err)), -EEXIST);
	CHECK_EQ(ov2_sad_any_transport_esp(sad), 0);
	tr.spi = 3002;
	CHECK_EQ(ov2_sad_add(sad, &tr, NULL, err, sizeof(err)), 0);
	CHECK_EQ(ov2_sad_any_transport_esp(sad), 1);
	CHECK_EQ(ov2_sad_del(sad, 3002, OV2_IPPROTO_ESP, &tr.dst), 0);
	CHECK_EQ(ov2_sad_any_transport_esp(sad), 1);
	ov2_sad_free(sad);
}

int
main(void)
{
	test_eal_init_mem("test_sad", "3072");
	test_basic();
	test_wildcard();
	test_any_transport();
	test_bulk();
	test_million();
	return test_done("test_sad");
}
