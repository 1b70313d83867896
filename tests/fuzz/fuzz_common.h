/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the fuzz harnesses: EAL started once per process (no PCI, no
 * hugepages, a file prefix of its own), the invariant check that aborts
 * (libFuzzer and the replay driver both report an abort as a finding), and
 * ASan poisoning of the unused room of an mbuf, so that a read past the
 * end of a packet is caught even though DPDK's memory is not ASan's.
 */
#ifndef OV2_FUZZ_COMMON_H
#define OV2_FUZZ_COMMON_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OV2_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define OV2_FUZZ_ASAN 1
#endif
#ifdef OV2_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* An invariant of the receive path does not hold: report and abort. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static char fuzz_runtime_dir[PATH_MAX];

/* EAL leaves its runtime directory (files only) behind: remove ours. */
static void
fuzz_eal_cleanup(void)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	rte_eal_cleanup();
	if (fuzz_runtime_dir[0] == '\0' || (d = opendir(fuzz_runtime_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fuzz_runtime_dir, e->d_name);
		remove(path);
	}
	closedir(d);
	rmdir(fuzz_runtime_dir);
}

/* Start EAL with mb MiB of ordinary memory; exits on failure (nothing can
 * be fuzzed without it). */
static inline void
fuzz_eal_init(const char *name, const char *mb)
{
	char fp[128];
	char *argv[] = { (char *)name, (char *)"--no-huge", (char *)"-m", (char *)mb,
			 (char *)"--no-pci", (char *)"--no-telemetry", (char *)"-l", (char *)"0",
			 (char *)"--log-level=*:error", fp, NULL };

	/* the pid too: fuzzers, replays and tests of several checkouts run at once */
	snprintf(fp, sizeof(fp), "--file-prefix=%s_%d", name, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "%s: cannot init EAL\n", name);
		exit(1);
	}
	snprintf(fuzz_runtime_dir, sizeof(fuzz_runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(fuzz_eal_cleanup);
}

/* Poison what lies around a one-segment packet's data: the headroom in front
 * of it and the tailroom behind it. */
static inline void
fuzz_mbuf_poison(struct rte_mbuf *m)
{
#ifdef OV2_FUZZ_ASAN
	uint8_t *buf = (uint8_t *)m->buf_addr;

	ASAN_POISON_MEMORY_REGION(buf, m->data_off);
	ASAN_POISON_MEMORY_REGION(buf + m->data_off + m->data_len,
				  m->buf_len - m->data_off - m->data_len);
#else
	(void)m;
#endif
}

/* Before an mbuf goes back to its pool: every segment's buffer addressable. */
static inline void
fuzz_mbuf_unpoison(struct rte_mbuf *m)
{
#ifdef OV2_FUZZ_ASAN
	for (; m != NULL; m = m->next)
		ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
#else
	(void)m;
#endif
}

#endif
