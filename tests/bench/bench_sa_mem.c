/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA memory of the receive benchmark (tests/bench/run.sh): DPDK heap bytes
 * per inbound SA when the SA table holds N SAs (default 1,000,000), the
 * table itself (rte_hash, capacity N) included. The SAs are what ov2rx's
 * configuration makes of an `sa in` tunnel line: keys expanded, the replay
 * window of ov2rx's default (64) unless --window says otherwise. The heap's
 * allocated bytes are read before the table is created and after the last
 * SA is in; their difference over N is the figure (allocator overhead
 * included, as the process pays it). Each SA is looked up again afterwards
 * (every 97th) to show the table holds what was put in.
 *
 * Output, for scripts:
 *   sa_mem ALGO N WINDOW BYTES_PER_SA
 *
 * usage: bench_sa_mem [--count N] [--window W] [--algo gcm128|cbc128-sha256]
 *        (runs EAL with --no-huge; memory comes from anonymous pages)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_cycles.h>
#include "sad.h"

static struct ov2_sa_conf
sa_conf(uint32_t spi, uint32_t i, int cbc, uint32_t window)
{
	struct ov2_sa_conf c = { .spi = spi, .dir = OV2_SA_IN, .proto = OV2_IPPROTO_ESP,
				 .mode = OV2_MODE_TUNNEL4 };
	unsigned int k;

	if (cbc) {
		c.cipher = OV2_CIPHER_AES_128_CBC;
		c.key_len = 16;
		c.auth = OV2_AUTH_SHA256_128;
		c.auth_key_len = 32;
	} else {
		c.aead = OV2_AEAD_AES_128_GCM;
		c.key_len = 16;
	}
	for (k = 0; k < sizeof(c.key); k++)
		c.key[k] = (uint8_t)(spi * 13 + k);
	for (k = 0; k < sizeof(c.auth_key); k++)
		c.auth_key[k] = (uint8_t)(spi * 7 + k);
	c.flags = OV2_SA_F_REPLAY_SET;
	c.replay_window = window;
	c.src.family = 4;
	c.src.a[0] = 172;
	c.src.a[1] = 16;
	c.src.a[3] = 1;
	/* one tunnel endpoint per SA, as many peers would use */
	c.dst.family = 4;
	c.dst.a[0] = 10;
	c.dst.a[1] = (uint8_t)(i >> 16);
	c.dst.a[2] = (uint8_t)(i >> 8);
	c.dst.a[3] = (uint8_t)i;
	return c;
}

static int
usage(void)
{
	fprintf(stderr, "usage: bench_sa_mem [--count 1..16777216] [--window 0..65536] "
		"[--algo gcm128|cbc128-sha256]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct rte_malloc_socket_stats before, after;
	uint32_t n = 1000000, window = 64, i, found = 0;
	char fp[64], err[256];
	char *eal[] = { (char *)"bench_sa_mem", (char *)"--no-huge", (char *)"-m",
			(char *)"4096", (char *)"--no-pci", (char *)"--no-telemetry",
			(char *)"-l", (char *)"0", (char *)"--log-level",
			(char *)"lib.*:error", fp, NULL };
	struct ov2_sad *sad;
	uint64_t t0, t1;
	int cbc = 0, a;

	for (a = 1; a < argc; a++) {
		char *end;
		unsigned long v;

		if (a + 1 >= argc)
			return usage();
		if (strcmp(argv[a], "--algo") == 0) {
			a++;
			if (strcmp(argv[a], "gcm128") == 0)
				cbc = 0;
			else if (strcmp(argv[a], "cbc128-sha256") == 0)
				cbc = 1;
			else
				return usage();
			continue;
		}
		errno = 0;
		v = strtoul(argv[a + 1], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[a + 1])
			return usage();
		if (strcmp(argv[a], "--count") == 0 && v >= 1 && v <= 16777216)
			n = (uint32_t)v;
		else if (strcmp(argv[a], "--window") == 0 && v <= 65536)
			window = (uint32_t)v;
		else
			return usage();
		a++;
	}
	snprintf(fp, sizeof(fp), "--file-prefix=bench_sa_mem_%d", (int)getpid());
	if (rte_eal_init(11, eal) < 0) {
		fprintf(stderr, "bench_sa_mem: cannot init EAL\n");
		return 1;
	}
	rte_malloc_get_socket_stats(0, &before);
	sad = ov2_sad_create("bench_sa_mem", n, SOCKET_ID_ANY, err, sizeof(err));
	if (sad == NULL) {
		fprintf(stderr, "bench_sa_mem: %s\n", err);
		return 1;
	}
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct ov2_sa_conf c = sa_conf(256 + i, i, cbc, window);

		if (ov2_sad_add(sad, &c, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_sa_mem: SA %u: %s\n", i, err);
			return 1;
		}
	}
	t1 = rte_rdtsc();
	rte_malloc_get_socket_stats(0, &after);
	for (i = 0; i < n; i += 97) {
		struct ov2_sa_conf c = sa_conf(256 + i, i, cbc, window);
		struct ov2_sa_key k;
		struct ov2_sa *sa;

		ov2_sa_key_make(&k, rte_cpu_to_be_32(c.spi), OV2_IPPROTO_ESP, 4, c.dst.a);
		sa = ov2_sad_lookup(sad, &k);
		found += sa != NULL && sa->conf.spi == c.spi;
	}
	if (ov2_sad_count(sad) != n || found != (n + 96) / 97) {
		fprintf(stderr, "bench_sa_mem: table holds %u SAs, %u of %u looked up\n",
			ov2_sad_count(sad), found, (n + 96) / 97);
		return 1;
	}
	printf("# %u SAs added in %.2f s; ov2_sa_size(%u) = %zu bytes\n", n,
	       (double)(t1 - t0) / (double)rte_get_tsc_hz(), window, ov2_sa_size(window));
	printf("sa_mem %s %u %u %.0f\n", cbc ? "cbc128-sha256" : "gcm128", n, window,
	       (double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes) / n);
	ov2_sad_free(sad);
	rte_eal_cleanup();
	return 0;
}
