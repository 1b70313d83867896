/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "reload": make the SA table and the inbound policy what the
 * configuration file now says, all or nothing. Everything that can fail
 * happens first: parse the whole file, build the new policy, build every
 * new or changed SA (keys expanded), check the table's capacity, the
 * UDP-ESP ports and room for the retirements. Only then is anything
 * changed: outbound records, SAs deleted, changed ones replaced in one
 * atomic step each (a packet finds the old SA or the new one), new ones
 * added, and the policy pointer swapped. SAs whose line did not change
 * are left alone (their replay window and counters go on). Old SAs and
 * the old policy are freed after the grace periods.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_lcore.h>
#include "conf.h"
#include "ov2rx.h"
#include "sad.h"
#include "spd.h"

struct plan {
	struct ov2_conf conf;
	struct ov2_spd *spd;
	struct ov2_sa **fresh;		/* per conf.sa[i]: SA to publish, or NULL */
	struct ov2_sa **old;		/* per conf.sa[i]: live SA it replaces */
	struct ov2_sa_key *keys;	/* the file's inbound keys, sorted */
	uint32_t n_keys;
	struct ov2_sa **del;		/* live SAs the file no longer has */
	uint32_t n_del, cap_del;
	uint32_t n_add, n_rep, n_keep;
};

static void
key_of(const struct ov2_sa_conf *c, struct ov2_sa_key *k)
{
	ov2_sa_key_make(k, rte_cpu_to_be_32(c->spi), c->proto, c->dst.family, c->dst.a);
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ov2_sa_key));
}

/* The live SA with exactly this key (lookups also fall back to an SA
 * bound to any destination: not the same key). */
static struct ov2_sa *
live_sa(const struct ov2_sa_conf *c)
{
	struct ov2_sa_key k;
	struct ov2_sa *sa;

	key_of(c, &k);
	sa = ov2_sad_lookup(ov2rx.sad, &k);
	if (sa == NULL || sa->conf.proto != c->proto ||
	    memcmp(&sa->conf.dst, &c->dst, sizeof(c->dst)) != 0)
		return NULL;
	return sa;
}

/* The same SA line, line number aside? */
static int
same_conf(const struct ov2_sa_conf *a, const struct ov2_sa_conf *b)
{
	struct ov2_sa_conf x = *a, y = *b;
	int same;

	x.line = 0;
	y.line = 0;
	same = memcmp(&x, &y, sizeof(x)) == 0;
	explicit_bzero(&x, sizeof(x));
	explicit_bzero(&y, sizeof(y));
	return same;
}

static int
collect_del(struct ov2_sa *sa, void *arg)
{
	struct plan *p = arg;
	struct ov2_sa_key k;

	key_of(&sa->conf, &k);
	if (bsearch(&k, p->keys, p->n_keys, sizeof(k), key_cmp) != NULL)
		return 0;
	if (p->n_del == p->cap_del) {
		uint32_t cap = p->cap_del ? p->cap_del * 2 : 64;
		struct ov2_sa **v = realloc(p->del, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		p->del = v;
		p->cap_del = cap;
	}
	p->del[p->n_del++] = sa;
	return 0;
}

static void
plan_free(struct plan *p, int discard)
{
	uint32_t i;

	if (discard && p->fresh != NULL)
		for (i = 0; i < p->conf.n_sa; i++)
			ov2_sad_discard(ov2rx.sad, p->fresh[i]);
	if (discard)
		ov2_spd_free(p->spd);
	free(p->fresh);
	free(p->old);
	free(p->keys);
	free(p->del);
	ov2_conf_free(&p->conf);
}

/* Parse, build and check everything; change nothing. */
static int
plan_make(struct plan *p, char *msg, size_t len)
{
	char err[512];
	uint32_t i, n = 0, live;
	int rc;

	rc = ov2_conf_load(ov2rx.opts.conf_path, &p->conf, err, sizeof(err));
	if (rc != 0) {
		snprintf(msg, len, "reload: %s", err);
		return -1;
	}
	p->spd = ov2_spd_create("ov2rx", p->conf.sp, p->conf.n_sp, (int)rte_socket_id(),
				err, sizeof(err));
	if (p->spd == NULL) {
		snprintf(msg, len, "reload: %s: inbound policy: %s", ov2rx.opts.conf_path, err);
		return -1;
	}
	p->fresh = calloc(p->conf.n_sa + 1, sizeof(*p->fresh));
	p->old = calloc(p->conf.n_sa + 1, sizeof(*p->old));
	p->keys = calloc(p->conf.n_sa + 1, sizeof(*p->keys));
	if (p->fresh == NULL || p->old == NULL || p->keys == NULL)
		goto nomem;
	for (i = 0; i < p->conf.n_sa; i++) {
		struct ov2_sa_conf *c = &p->conf.sa[i];

		if (c->dir != OV2_SA_IN)
			continue;
		ov2rx_sa_defaults(c);
		key_of(c, &p->keys[n++]);
		p->old[i] = live_sa(c);
		if (p->old[i] != NULL && same_conf(&p->old[i]->conf, c)) {
			p->n_keep++;
			continue;
		}
		rc = ov2_sad_prepare(ov2rx.sad, c, &p->fresh[i], err, sizeof(err));
		if (rc != 0) {
			snprintf(msg, len, "reload: %s:%u: %s", ov2rx.opts.conf_path, c->line, err);
			return -1;
		}
		if (p->old[i] != NULL)
			p->n_rep++;
		else
			p->n_add++;
	}
	p->n_keys = n;
	qsort(p->keys, n, sizeof(*p->keys), key_cmp);
	ov2_sad_foreach(ov2rx.sad, collect_del, p);
	live = ov2_sad_count(ov2rx.sad);
	if ((uint64_t)live - p->n_del + p->n_add > ov2_sad_capacity(ov2rx.sad)) {
		snprintf(msg, len, "reload: %s has %u inbound SAs, more than the SA capacity "
			 "(%u, --sa-capacity)", ov2rx.opts.conf_path, n,
			 ov2_sad_capacity(ov2rx.sad));
		return -1;
	}
	if (!ov2_sad_udp_ports_fit(ov2rx.sad, p->conf.sa, p->conf.n_sa)) {
		snprintf(msg, len, "reload: %s: more than %u UDP-ESP ports in use",
			 ov2rx.opts.conf_path, OV2_SAD_UDP_PORTS_MAX);
		return -1;
	}
	/* room to retire every deleted and replaced SA and the old policy */
	if (ov2_sad_reserve(ov2rx.sad, p->n_del + p->n_rep + 1) != 0)
		goto nomem;
	/* key slots for the new SAs: those of SAs deleted earlier come back
	 * once reclaimed */
	if (p->n_add > ov2_sad_free_slots(ov2rx.sad) &&
	    ov2_sad_reclaim_wait(ov2rx.sad, 5000) != 0) {
		snprintf(msg, len, "reload: deleted SAs still hold the key slots the new ones "
			 "need (an lcore does not report quiescent)");
		return -1;
	}
	return 0;
nomem:
	snprintf(msg, len, "reload: out of memory");
	return -1;
}

static void
spd_free_cb(void *p)
{
	ov2_spd_free(p);
}

/* Publish the plan. Nothing here fails for a reason the plan did not
 * rule out, except an lcore that stops reporting quiescent. */
static int
plan_apply(struct plan *p, char *msg, size_t len)
{
	const struct ov2_spd *old_spd;
	char err[256];
	uint32_t i;
	int rc;

	if (ov2_sad_set_out(ov2rx.sad, p->conf.sa, p->conf.n_sa) != 0) {
		snprintf(msg, len, "reload: out of memory");
		return -1;
	}
	for (i = 0; i < p->n_del; i++)
		ov2_sad_delete_sa(ov2rx.sad, p->del[i], NULL);
	for (i = 0; i < p->conf.n_sa; i++) {
		struct ov2_sa *sa = p->fresh[i];

		if (sa == NULL)
			continue;
		rc = -ENOENT;
		if (p->old[i] != NULL)
			rc = ov2_sad_replace(ov2rx.sad, p->old[i], sa);
		/* new, or its predecessor was deleted by SaDeleteReq meanwhile */
		if (rc == -ENOENT) {
			rc = ov2_sad_insert(ov2rx.sad, sa, err, sizeof(err));
			if (rc == -EAGAIN && ov2_sad_reclaim_wait(ov2rx.sad, 5000) == 0)
				rc = ov2_sad_insert(ov2rx.sad, sa, err, sizeof(err));
		}
		if (rc != 0) {
			snprintf(msg, len, "reload: applied in part, SA %u failed: %s "
				 "(reload again)", sa->conf.spi, err);
			return -1;
		}
		p->fresh[i] = NULL;	/* the table's now */
	}
	old_spd = ov2rx.spd;
	__atomic_store_n(&ov2rx.spd, p->spd, __ATOMIC_RELEASE);
	p->spd = NULL;
	/* the lcores may still classify with the old one until they report */
	ov2_sad_defer(ov2rx.sad, (void *)(uintptr_t)old_spd, spd_free_cb);
	return 0;
}

int
ov2rx_reload(char *msg, size_t len)
{
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = plan_make(&p, msg, len);
	if (rc != 0) {
		plan_free(&p, 1);
		return -1;
	}
	rc = plan_apply(&p, msg, len);
	if (rc == 0)
		snprintf(msg, len, "reloaded %s: %u inbound SAs (%u added, %u replaced, "
			 "%u deleted, %u unchanged), %u outbound SA records, %u inbound "
			 "policy rules", ov2rx.opts.conf_path, ov2_sad_count(ov2rx.sad), p.n_add,
			 p.n_rep, p.n_del, p.n_keep, ov2_sad_out_count(ov2rx.sad),
			 ov2_spd_count(ov2rx.spd));
	plan_free(&p, 1);
	return rc;
}
