/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal test support: CHECK() counts failures, test_eal_init() starts
 * EAL without hugepages or PCI under a file prefix of the test's own. */
#ifndef OV2_TESTLIB_H
#define OV2_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <rte_byteorder.h>
#include <rte_eal.h>

static int test_failures;
static int test_checks;
static int test_eal_up;

#define CHECK(cond) do { \
	test_checks++; \
	if (!(cond)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long va_ = (long long)(a), vb_ = (long long)(b); \
	test_checks++; \
	if (va_ != vb_) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
			__FILE__, __LINE__, #a, va_, #b, vb_); \
	} \
} while (0)

/* Unaligned 32-bit accesses to packet bytes (memcpy: no misaligned load
 * or store for UBSan to flag). */
static inline void
be32_store(void *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t
raw32_load(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
test_eal_init_mem(const char *prefix, const char *mb)
{
	char fp[128];
	char *argv[] = { (char *)"test", (char *)"--no-huge", (char *)"-m", (char *)mb,
			 (char *)"--no-pci", (char *)"--no-telemetry", (char *)"-l", (char *)"0",
			 (char *)"--log-level", (char *)"lib.*:error", fp, NULL };

	/* the pid too: two checkouts may run the same test at once */
	snprintf(fp, sizeof(fp), "--file-prefix=%s_%d", prefix, (int)getpid());
	if (rte_eal_init(11, argv) < 0) {
		fprintf(stderr, "cannot init EAL\n");
		exit(1);
	}
	test_eal_up = 1;
}

static inline void
test_eal_init(const char *prefix)
{
	test_eal_init_mem(prefix, "512");
}

/* Print the result line and return the exit status for main(). */
/* Remove a flat directory (EAL's runtime directory holds files only). */
static inline void
test_rm_dir(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		remove(path);
	}
	closedir(d);
	rmdir(dir);
}

static inline int
test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	if (test_eal_up) {
		char dir[PATH_MAX];

		/* EAL leaves its runtime directory behind: remove ours */
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (dir[0] != '\0')
			test_rm_dir(dir);
	}
	return test_failures == 0 && test_checks > 0 ? 0 : 1;
}

#endif
