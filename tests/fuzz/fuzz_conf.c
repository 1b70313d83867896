/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness of the configuration parser (lib/conf.c) and, through it,
 * the policy rule parser (lib/spd.c ov2_sp_parse): arbitrary bytes as a
 * whole file (ov2_conf_load_buf), and as the words of one SA rule and of
 * one SP rule (ov2_conf_parse_sa, ov2_sp_parse: what the control socket
 * will use). A configuration that loads then goes where ov2rx takes it:
 * into an SA table and a policy classifier.
 *
 * Invariants (abort when violated):
 *   - a refusal returns a negative errno with a message that names the
 *     input and the line ("fuzz.conf:N: ..."), and leaves conf empty;
 *   - every inbound SA that loads has integrity (OV2 requires it);
 *   - what loads is within the bounds the data path relies on (SPI
 *     256..2^32-1, key lengths within their arrays, mode, direction,
 *     protocol, policy family and action in range, prefix lengths and
 *     ranges well formed);
 *   - the policy classifier accepts every rule the parser accepted;
 *     an SA the table refuses comes with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <rte_memory.h>
#include "conf.h"
#include "sad.h"
#include "spd.h"
#include "fuzz_common.h"

#define NAME "fuzz.conf"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_conf", "128");
	return 0;
}

static void
check_sa(const struct ov2_sa_conf *sa)
{
	FUZZ_ASSERT(sa->spi >= 256);
	FUZZ_ASSERT(sa->dir == OV2_SA_IN || sa->dir == OV2_SA_OUT);
	FUZZ_ASSERT(sa->proto == OV2_IPPROTO_ESP || sa->proto == OV2_IPPROTO_AH);
	FUZZ_ASSERT(sa->mode <= OV2_MODE_TUNNEL6);
	FUZZ_ASSERT(sa->key_len <= sizeof(sa->key));
	FUZZ_ASSERT(sa->auth_key_len <= sizeof(sa->auth_key));
	FUZZ_ASSERT(sa->dst.family == 0 || sa->dst.family == 4 || sa->dst.family == 6);
	FUZZ_ASSERT(sa->src.family == 0 || sa->src.family == 4 || sa->src.family == 6);
	/* a tunnel needs its endpoint, of the tunnel's family */
	if (sa->mode == OV2_MODE_TUNNEL4 && sa->dir == OV2_SA_IN)
		FUZZ_ASSERT(sa->dst.family == 4);
	if (sa->mode == OV2_MODE_TUNNEL6 && sa->dir == OV2_SA_IN)
		FUZZ_ASSERT(sa->dst.family == 6);
	FUZZ_ASSERT(sa->replay_window <= 65536);
	/* OV2 requires authentication: an AEAD, or an integrity algorithm */
	if (sa->dir == OV2_SA_IN)
		FUZZ_ASSERT(sa->aead != OV2_AEAD_NONE || sa->auth != OV2_AUTH_UNSET);
	if (sa->soft_packets != 0 && sa->hard_packets != 0)
		FUZZ_ASSERT(sa->soft_packets < sa->hard_packets);
	if (sa->soft_bytes != 0 && sa->hard_bytes != 0)
		FUZZ_ASSERT(sa->soft_bytes < sa->hard_bytes);
}

static void
check_sp(const struct ov2_sp_rule *r)
{
	unsigned int max = r->family == 4 ? 32 : 128;

	FUZZ_ASSERT(r->family == 4 || r->family == 6);
	FUZZ_ASSERT(r->dir == OV2_SA_IN || r->dir == OV2_SA_OUT);
	FUZZ_ASSERT(r->action >= OV2_SP_PROTECT && r->action <= OV2_SP_DISCARD);
	if (r->action == OV2_SP_PROTECT)
		FUZZ_ASSERT(r->spi >= 256);
	FUZZ_ASSERT(r->src_len <= max && r->dst_len <= max);
	FUZZ_ASSERT(r->proto_lo <= r->proto_hi);
	FUZZ_ASSERT(r->sport_lo <= r->sport_hi && r->dport_lo <= r->dport_hi);
}

/* A refusal: a negative errno and a message; prefix names the input. */
static void
check_refusal(int rc, const char *err, const char *prefix)
{
	FUZZ_ASSERT(rc < 0);
	FUZZ_ASSERT(memchr(err, '\0', 512) != NULL && err[0] != '\0');
	if (prefix != NULL && rc != -ENOMEM)
		FUZZ_ASSERT(strncmp(err, prefix, strlen(prefix)) == 0);
}

/* Where ov2rx takes a configuration that loaded: the SA table and the
 * policy classifier. */
static void
install(const struct ov2_conf *conf)
{
	char err[512];
	struct ov2_sad *sad;
	struct ov2_spd *spd;
	uint32_t i;

	sad = ov2_sad_create("fzc", 256, SOCKET_ID_ANY, err, sizeof(err));
	FUZZ_ASSERT(sad != NULL);
	for (i = 0; i < conf->n_sa; i++) {
		int rc;

		err[0] = '\0';
		if (conf->sa[i].dir == OV2_SA_OUT)
			rc = ov2_sad_add_out(sad, &conf->sa[i], err, sizeof(err));
		else
			rc = ov2_sad_add(sad, &conf->sa[i], NULL, err, sizeof(err));
		if (rc != 0)
			check_refusal(rc, err, NULL);
	}
	ov2_sad_free(sad);
	spd = ov2_spd_create("fzc", conf->sp, conf->n_sp, SOCKET_ID_ANY, err, sizeof(err));
	if (spd == NULL)
		fprintf(stderr, "fuzz_conf: policy refused: %s\n", err);
	FUZZ_ASSERT(spd != NULL);
	ov2_spd_free(spd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ov2_conf conf;
	struct ov2_sa_conf sa;
	struct ov2_sp_rule sp;
	char err[512];
	char *words;
	uint32_t i;
	int rc;

	/* the whole input as a file */
	memset(err, 0, sizeof(err));
	rc = ov2_conf_load_buf((const char *)data, size, NAME, &conf, err, sizeof(err));
	if (rc != 0) {
		check_refusal(rc, err, NAME ":");
		FUZZ_ASSERT(conf.n_sa == 0 && conf.n_sp == 0 && conf.sa == NULL && conf.sp == NULL);
	} else {
		for (i = 0; i < conf.n_sa; i++)
			check_sa(&conf.sa[i]);
		for (i = 0; i < conf.n_sp; i++)
			check_sp(&conf.sp[i]);
		install(&conf);
		ov2_conf_free(&conf);
	}

	/* the input as the words of one rule (NUL-terminated there) */
	words = malloc(size + 1);
	FUZZ_ASSERT(words != NULL);
	memcpy(words, data, size);
	words[size] = '\0';
	memset(err, 0, sizeof(err));
	rc = ov2_conf_parse_sa(words, &sa, err, sizeof(err));
	if (rc != 0)
		check_refusal(rc, err, NULL);
	else
		check_sa(&sa);
	memset(err, 0, sizeof(err));
	rc = ov2_sp_parse(words, &sp, err, sizeof(err));
	if (rc != 0)
		check_refusal(rc, err, NULL);
	else
		check_sp(&sp);
	free(words);
	return 0;
}
