/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <netinet/in.h>
#include "sad.h"

/* An outbound SA: a record only (this dataplane never sends), kept so
 * that deleting an inbound SA deletes its pair. No key material. */
struct out_rec {
	uint32_t spi;
	uint32_t line;
	uint8_t deleted;
	struct ov2_addr dst;
};

/*
 * Something removed from the table that readers may still hold: an SA (fn
 * NULL) with the hash key slot it occupied (pos, or -1), or any object
 * handed to ov2_sad_defer(). It is freed once OV2_SAD_GRACE_PERIODS grace
 * periods completed one after the other, each started when the previous
 * one ended.
 */
struct retired {
	void *p;
	void (*fn)(void *p);
	int32_t pos;
	uint32_t grace;		/* grace periods completed */
	uint64_t token;		/* of the one in progress */
};

struct ov2_sad {
	struct rte_hash *h;
	uint32_t capacity;	/* live SAs at most */
	uint32_t slots;		/* hash key slots: capacity + room for the
				 * slots of SAs awaiting reclamation */
	uint32_t n_live;	/* SAs in the table */
	uint32_t n_wild;	/* SAs bound to any destination */
	int socket;
	/* Writers: hash updates, the retired list, outbound records. Readers
	 * (lookups) take no lock. */
	rte_spinlock_t lock;
	struct rte_rcu_qsbr *rcu;	/* NULL: nothing is reclaimed before
					 * ov2_sad_free() */
	/* A queue in retirement order: entries [head, n_retired). */
	struct retired *retired;
	uint32_t head, n_retired, cap_retired;
	uint32_t n_retired_slots;	/* retired entries holding a key slot */
	struct ov2_sa_record *gone;	/* counters of freed SAs */
	uint32_t n_gone, cap_gone;
	uint64_t gone_dropped;		/* freed past OV2_SAD_RECORDS_MAX */
	void (*release)(void *p);	/* rte_free, or a test's hook */
	struct out_rec *out;
	uint32_t n_out, cap_out;
	/* UDP ports UDP-ESP SAs receive on (never shrinks) */
	uint16_t udp_ports[OV2_SAD_UDP_PORTS_MAX];
	uint32_t n_udp_ports;
	/* 1 once an inbound transport ESP SA entered the table (never
	 * cleared): only then can a tunnel's inner packet hold a nested SA */
	uint32_t any_transport_esp;
};

/*
 * rte_hash_crc() of the key, computed the same way (8 bytes at a time, then
 * the rest) but reading through memcpy: rte_hash_crc() loads uint64_t
 * through a cast pointer, undefined behaviour for a key aligned to 4 only
 * (struct ov2_sa_key), which UBSan reports.
 */
static uint32_t
key_hash(const void *key, uint32_t len, uint32_t init)
{
	const uint8_t *p = key;
	uint64_t q;
	uint32_t w, i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&q, p + i, sizeof(q));
		init = rte_hash_crc_8byte(q, init);
	}
	for (; i + 4 <= len; i += 4) {
		memcpy(&w, p + i, sizeof(w));
		init = rte_hash_crc_4byte(w, init);
	}
	for (; i < len; i++)
		init = rte_hash_crc_1byte(p[i], init);
	return init;
}

static void
release_rte(void *p)
{
	rte_free(p);
}

struct ov2_sad *
ov2_sad_create(const char *name, uint32_t capacity, int socket,
	       char *err, size_t errlen)
{
	static uint32_t seq;
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = hname,
		.key_len = sizeof(struct ov2_sa_key),
		.hash_func = key_hash,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct ov2_sad *sad;
	uint32_t slots;

	if (capacity == 0 || capacity > OV2_SAD_CAPACITY_MAX) {
		snprintf(err, errlen, "SA capacity must be 1..%u", OV2_SAD_CAPACITY_MAX);
		return NULL;
	}
	/* A deleted SA keeps its key slot until reclaimed (a reader may still
	 * compare the key): room for those beyond the capacity. rte_hash needs
	 * at least 8 entries (one bucket). */
	slots = capacity + RTE_MAX(capacity / 8, 64u);
	p.entries = slots;
	snprintf(hname, sizeof(hname), "ov2sad_%.12s_%u", name, seq++);
	sad = rte_zmalloc_socket("ov2_sad", sizeof(*sad), 0, socket);
	if (sad == NULL) {
		snprintf(err, errlen, "out of memory for the SA table");
		return NULL;
	}
	sad->h = rte_hash_create(&p);
	if (sad->h == NULL) {
		snprintf(err, errlen, "cannot create an SA table of %u entries: %s",
			 capacity, rte_strerror(rte_errno));
		rte_free(sad);
		return NULL;
	}
	sad->capacity = capacity;
	sad->slots = slots;
	sad->socket = socket;
	sad->release = release_rte;
	rte_spinlock_init(&sad->lock);
	return sad;
}

size_t
ov2_sa_size(uint32_t window)
{
	return offsetof(struct ov2_sa, replay) + ov2_replay_size(window);
}

/* Wipe the key material (expanded and raw) in a way the compiler cannot
 * drop as a dead store, then give the memory back. */
static void
sa_free(struct ov2_sad *sad, struct ov2_sa *sa)
{
	ov2_crypto_wipe(&sa->crypto);
	explicit_bzero(sa->conf.key, sizeof(sa->conf.key));
	explicit_bzero(sa->conf.salt, sizeof(sa->conf.salt));
	explicit_bzero(sa->conf.auth_key, sizeof(sa->conf.auth_key));
	if (sad != NULL)
		sad->release(sa);
	else
		rte_free(sa);
}

static int
free_one(struct ov2_sa *sa, void *arg)
{
	sa_free(arg, sa);
	return 0;
}

static void
retired_free(struct ov2_sad *sad, const struct retired *r)
{
	if (r->fn != NULL)
		r->fn(r->p);
	else
		sa_free(sad, r->p);
}

void
ov2_sad_free(struct ov2_sad *sad)
{
	if (sad == NULL)
		return;
	ov2_sad_foreach(sad, free_one, sad);
	while (sad->n_retired > sad->head)
		retired_free(sad, &sad->retired[--sad->n_retired]);
	free(sad->retired);
	free(sad->gone);
	free(sad->out);
	rte_hash_free(sad->h);
	rte_free(sad);
}

void
ov2_sad_set_release(struct ov2_sad *sad, void (*fn)(void *p))
{
	sad->release = fn != NULL ? fn : release_rte;
}

static void
conf_key(struct ov2_sa_key *k, uint32_t spi, uint8_t proto, const struct ov2_addr *dst)
{
	ov2_sa_key_make(k, rte_cpu_to_be_32(spi), proto, dst->family, dst->a);
}

/* Remember a UDP-ESP port; readers see the port before the count. */
static int
add_udp_port(struct ov2_sad *sad, uint16_t port)
{
	uint32_t i, n = sad->n_udp_ports;

	for (i = 0; i < n; i++)
		if (sad->udp_ports[i] == port)
			return 0;
	if (n == OV2_SAD_UDP_PORTS_MAX)
		return -1;
	sad->udp_ports[n] = port;
	__atomic_store_n(&sad->n_udp_ports, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Set before the SA's key is in the table: a reader that finds a
 * transport ESP SA in the table then also sees the flag set. */
static void
note_transport_esp(struct ov2_sad *sad, const struct ov2_sa_conf *conf)
{
	if (conf->proto == OV2_IPPROTO_ESP && conf->mode == OV2_MODE_TRANSPORT)
		__atomic_store_n(&sad->any_transport_esp, 1, __ATOMIC_RELEASE);
}

int
ov2_sad_any_transport_esp(const struct ov2_sad *sad)
{
	return __atomic_load_n(&sad->any_transport_esp, __ATOMIC_ACQUIRE) != 0;
}

int
ov2_sad_udp_port(const struct ov2_sad *sad, uint16_t port)
{
	uint32_t n = __atomic_load_n(&sad->n_udp_ports, __ATOMIC_ACQUIRE), i;

	for (i = 0; i < n; i++)
		if (sad->udp_ports[i] == port)
			return 1;
	return 0;
}

enum ov2_udp_kind
ov2_sad_udp_classify(const struct ov2_sad *sad, const struct rte_mbuf *m,
		     struct ov2_pkt_info *pi)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off, len;

	if (pi->proto != IPPROTO_UDP)
		return OV2_UDP_NOT_ESP;
	off = (uint32_t)pi->l2_len + pi->l3_len;
	if (off + OV2_UDP_HDR_LEN > m->data_len || pi->l3_len + OV2_UDP_HDR_LEN > pi->ip_len ||
	    !ov2_sad_udp_port(sad, (uint16_t)(p[off + 2] << 8 | p[off + 3])))
		return OV2_UDP_NOT_ESP;
	off += OV2_UDP_HDR_LEN;
	len = pi->ip_len - pi->l3_len - OV2_UDP_HDR_LEN;
	/* RFC 3948 2.3: a NAT keep-alive is one byte 0xff */
	if (len == 1 && off < m->data_len && p[off] == 0xff)
		return OV2_UDP_IKE;
	/* 2.2: IKE starts with the 4-byte non-ESP marker (zero); ESP cannot,
	 * SPI 0 being reserved. Shorter than an ESP header: not ESP either. */
	if (len < OV2_ESP_HDR_LEN || off + 4 > m->data_len)
		return OV2_UDP_NOT_ESP;
	if ((p[off] | p[off + 1] | p[off + 2] | p[off + 3]) == 0)
		return OV2_UDP_IKE;
	return ov2_pkt_udp_esp(m, pi) == 0 ? OV2_UDP_ESP : OV2_UDP_NOT_ESP;
}

/* Grow an array of n elements of size sz to hold at least want. */
static int
grow(void **p, uint32_t want, uint32_t *cap, size_t sz)
{
	uint32_t ncap = *cap;
	void *np;

	if (want <= *cap)
		return 0;
	while (ncap < want) {
		if (ncap > UINT32_MAX / 2)
			return -ENOMEM;
		ncap = ncap == 0 ? 16 : ncap * 2;
	}
	np = realloc(*p, (size_t)ncap * sz);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int
ov2_sad_prepare(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		struct ov2_sa **out, char *err, size_t errlen)
{
	struct ov2_sa *sa;
	uint32_t window;
	int rc;

	if (conf->dir != OV2_SA_IN ||
	    (conf->proto != OV2_IPPROTO_ESP && conf->proto != OV2_IPPROTO_AH)) {
		snprintf(err, errlen, "SA %u: only inbound ESP and AH SAs can be offloaded",
			 conf->spi);
		return -EINVAL;
	}
	window = (conf->flags & OV2_SA_F_REPLAY_SET) ? conf->replay_window :
		 OV2_REPLAY_WINDOW_DEFAULT;
	if (window > OV2_REPLAY_WINDOW_MAX) {
		snprintf(err, errlen, "SA %u: replay window %u exceeds %u", conf->spi,
			 window, OV2_REPLAY_WINDOW_MAX);
		return -EINVAL;
	}
	sa = rte_zmalloc_socket("ov2_sa", ov2_sa_size(window), 64, sad->socket);
	if (sa == NULL) {
		snprintf(err, errlen, "SA %u: out of memory", conf->spi);
		return -ENOMEM;
	}
	sa->conf = *conf;
	sa->host.window = window;
	ov2_replay_init(&sa->replay, window,
			(conf->flags & OV2_SA_F_ESN) ? conf->esn_start :
			(uint32_t)conf->esn_start);
	sa->nic.esn_top = sa->replay.top;
	sa->nic.window = window;
	ov2_caps_required(conf, &sa->req);
	rc = ov2_crypto_init(&sa->crypto, conf, err, errlen);
	if (rc != 0) {
		sa_free(sad, sa);
		return rc;
	}
	*out = sa;
	return 0;
}

void
ov2_sad_discard(struct ov2_sad *sad, struct ov2_sa *sa)
{
	if (sa != NULL)
		sa_free(sad, sa);
}

/* Would the UDP-ESP ports of these SAs fit beside the ones in use? */
int
ov2_sad_udp_ports_fit(const struct ov2_sad *sad, const struct ov2_sa_conf *c, uint32_t n)
{
	uint16_t ports[OV2_SAD_UDP_PORTS_MAX];
	uint32_t np = sad->n_udp_ports, i, j;

	memcpy(ports, sad->udp_ports, sizeof(ports));
	for (i = 0; i < n; i++) {
		if (c[i].dir != OV2_SA_IN || !(c[i].flags & OV2_SA_F_UDP_ENCAP))
			continue;
		for (j = 0; j < np && ports[j] != c[i].udp_dport; j++)
			;
		if (j < np)
			continue;
		if (np == OV2_SAD_UDP_PORTS_MAX)
			return 0;
		ports[np++] = c[i].udp_dport;
	}
	return 1;
}

/* Make room in the retired queue for n more under sad->lock (the freed
 * head is given back first). */
static int
reserve_locked(struct ov2_sad *sad, uint32_t n)
{
	if (sad->head > 0 && sad->n_retired + n > sad->cap_retired) {
		memmove(sad->retired, sad->retired + sad->head,
			(size_t)(sad->n_retired - sad->head) * sizeof(*sad->retired));
		sad->n_retired -= sad->head;
		sad->head = 0;
	}
	if (sad->n_retired > UINT32_MAX - n)
		return -ENOMEM;
	return grow((void **)&sad->retired, sad->n_retired + n, &sad->cap_retired,
		    sizeof(*sad->retired));
}

int
ov2_sad_reserve(struct ov2_sad *sad, uint32_t n)
{
	int rc;

	rte_spinlock_lock(&sad->lock);
	rc = reserve_locked(sad, n);
	rte_spinlock_unlock(&sad->lock);
	return rc;
}

/* Under sad->lock: queue p for reclamation. Without RCU it waits for
 * ov2_sad_free(). On allocation failure the object is leaked rather than
 * freed under a reader. */
static void
retire_locked(struct ov2_sad *sad, void *p, void (*fn)(void *), int32_t pos)
{
	struct retired *r;

	if (reserve_locked(sad, 1) != 0)
		return;
	r = &sad->retired[sad->n_retired++];
	r->p = p;
	r->fn = fn;
	r->pos = pos;
	r->grace = 0;
	r->token = sad->rcu != NULL ? rte_rcu_qsbr_start(sad->rcu) : 0;
	sad->n_retired_slots += pos >= 0;
}

int
ov2_sad_insert(struct ov2_sad *sad, struct ov2_sa *sa, char *err, size_t errlen)
{
	const struct ov2_sa_conf *conf = &sa->conf;
	struct ov2_sa_key k;
	int32_t pos;
	int rc = 0;

	conf_key(&k, conf->spi, conf->proto, &conf->dst);
	rte_spinlock_lock(&sad->lock);
	if (rte_hash_lookup(sad->h, &k) >= 0) {
		snprintf(err, errlen, "SA %u: an SA with this SPI and destination exists",
			 conf->spi);
		rc = -EEXIST;
	} else if (sad->n_live >= sad->capacity) {
		snprintf(err, errlen, "SA %u: the SA table is full (%u SAs)",
			 conf->spi, sad->capacity);
		rc = -ENOSPC;
	} else if ((conf->flags & OV2_SA_F_UDP_ENCAP) &&
		   add_udp_port(sad, conf->udp_dport) != 0) {
		snprintf(err, errlen, "SA %u: more than %u UDP-ESP ports", conf->spi,
			 OV2_SAD_UDP_PORTS_MAX);
		rc = -ENOSPC;
	}
	if (rc == 0) {
		note_transport_esp(sad, conf);
		pos = rte_hash_add_key_data(sad->h, &k, sa);
		if (pos < 0) {
			/* every free key slot still held by deleted SAs */
			snprintf(err, errlen, "SA %u: the SA table has no free slot until "
				 "%u deleted SAs are reclaimed", conf->spi,
				 sad->n_retired_slots);
			rc = -EAGAIN;
		}
	}
	if (rc == 0) {
		pos = rte_hash_lookup(sad->h, &k);
		sa->id = (uint32_t)pos;
		if (conf->dst.family == 0)
			sad->n_wild++;
		__atomic_store_n(&sad->n_live, sad->n_live + 1, __ATOMIC_RELAXED);
	}
	rte_spinlock_unlock(&sad->lock);
	return rc;
}

int
ov2_sad_add(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
	    struct ov2_sa **out, char *err, size_t errlen)
{
	struct ov2_sa_key k;
	struct ov2_sa *sa;
	int rc;

	/* the cheap refusals first, before any key is expanded */
	if (conf->dir != OV2_SA_IN)
		return ov2_sad_prepare(sad, conf, &sa, err, errlen);
	conf_key(&k, conf->spi, conf->proto, &conf->dst);
	if (rte_hash_lookup(sad->h, &k) >= 0) {
		snprintf(err, errlen, "SA %u: an SA with this SPI and destination exists",
			 conf->spi);
		return -EEXIST;
	}
	if (ov2_sad_count(sad) >= sad->capacity) {
		snprintf(err, errlen, "SA %u: the SA table is full (%u SAs)",
			 conf->spi, sad->capacity);
		return -ENOSPC;
	}
	rc = ov2_sad_prepare(sad, conf, &sa, err, errlen);
	if (rc != 0)
		return rc;
	rc = ov2_sad_insert(sad, sa, err, errlen);
	if (rc != 0) {
		sa_free(sad, sa);
		return rc;
	}
	if (out != NULL)
		*out = sa;
	return 0;
}

/*
 * Under sad->lock: take sa out of the table and retire it, once (the
 * caller that sets OV2_SA_HOST_DELETED). The key is removed only while it
 * still names sa (a replaced SA's key names its successor). Returns 1 when
 * this call removed it.
 */
static int
remove_locked(struct ov2_sad *sad, struct ov2_sa *sa)
{
	struct ov2_sa_key k;
	int32_t pos = -1;
	void *d;

	if (__atomic_fetch_or(&sa->host.flags, OV2_SA_HOST_DELETED, __ATOMIC_ACQ_REL) &
	    OV2_SA_HOST_DELETED)
		return 0;
	conf_key(&k, sa->conf.spi, sa->conf.proto, &sa->conf.dst);
	if (rte_hash_lookup_data(sad->h, &k, &d) >= 0 && d == sa) {
		pos = rte_hash_del_key(sad->h, &k);
		if (pos >= 0) {
			if (sa->conf.dst.family == 0)
				sad->n_wild--;
			__atomic_store_n(&sad->n_live, sad->n_live - 1, __ATOMIC_RELAXED);
			/* Lock-free mode keeps the key slot until told: a
			 * reader may be comparing its key. Without RCU there
			 * is no reader to wait for (single-threaded use). */
			if (sad->rcu == NULL) {
				rte_hash_free_key_with_position(sad->h, pos);
				pos = -1;
			}
		}
	}
	retire_locked(sad, sa, NULL, pos);
	return 1;
}

int
ov2_sad_del(struct ov2_sad *sad, uint32_t spi, uint8_t proto,
	    const struct ov2_addr *dst)
{
	struct ov2_sa_key k;
	void *sa;
	int rc = -ENOENT;

	conf_key(&k, spi, proto, dst);
	rte_spinlock_lock(&sad->lock);
	if (rte_hash_lookup_data(sad->h, &k, &sa) >= 0 && remove_locked(sad, sa))
		rc = 0;
	rte_spinlock_unlock(&sad->lock);
	return rc;
}

int
ov2_sad_replace(struct ov2_sad *sad, struct ov2_sa *old, struct ov2_sa *sa)
{
	struct ov2_sa_key k;
	void *d;
	int rc;

	conf_key(&k, sa->conf.spi, sa->conf.proto, &sa->conf.dst);
	rte_spinlock_lock(&sad->lock);
	/* Under the lock, a key that still names old means old was not
	 * removed (removal sets OV2_SA_HOST_DELETED and deletes the key
	 * together, under this lock). */
	if (rte_hash_lookup_data(sad->h, &k, &d) < 0 || d != old) {
		rc = -ENOENT;
		goto out;
	}
	if ((sa->conf.flags & OV2_SA_F_UDP_ENCAP) && add_udp_port(sad, sa->conf.udp_dport) != 0) {
		rc = -ENOSPC;
		goto out;
	}
	note_transport_esp(sad, &sa->conf);
	/* The key exists: rte_hash swaps the data pointer in one atomic
	 * store, so a lookup finds the old SA or the new one, never none. */
	rc = rte_hash_add_key_data(sad->h, &k, sa);
	if (rc < 0)
		goto out;
	sa->id = old->id;
	__atomic_fetch_or(&old->host.flags, OV2_SA_HOST_DELETED, __ATOMIC_ACQ_REL);
	retire_locked(sad, old, NULL, -1);
	rc = 0;
out:
	rte_spinlock_unlock(&sad->lock);
	return rc;
}

int
ov2_sad_defer(struct ov2_sad *sad, void *p, void (*fn)(void *p))
{
	uint32_t n;

	rte_spinlock_lock(&sad->lock);
	n = sad->n_retired;
	retire_locked(sad, p, fn, -1);
	n = sad->n_retired - n;
	rte_spinlock_unlock(&sad->lock);
	return n == 1 ? 0 : -ENOMEM;
}

void
ov2_sad_attach_rcu(struct ov2_sad *sad, struct rte_rcu_qsbr *v)
{
	sad->rcu = v;
}

/* Keep what a freed SA counted (its keys go with it). */
static void
record_gone(struct ov2_sad *sad, const struct ov2_sa *sa)
{
	if (sad->n_gone >= OV2_SAD_RECORDS_MAX ||
	    grow((void **)&sad->gone, sad->n_gone + 1, &sad->cap_gone, sizeof(*sad->gone)) != 0) {
		sad->gone_dropped++;
		return;
	}
	ov2_sa_record_of(sa, 1, &sad->gone[sad->n_gone++]);
}

#define RECLAIM_BATCH 256

#define RECLAIM_STEPS 4096	/* entries one pass moves on, at most */

/*
 * One pass over the retired queue from its head: entries whose grace
 * period is over start their next one (all on one new token) or, after
 * the last, leave the queue (at most RECLAIM_BATCH); their key slots are
 * freed under the lock, the objects wiped and freed outside it. Returns
 * how many were freed.
 *
 * The pass stops at the first entry whose period is not over. That only
 * ever delays an entry, and keeps the queue ordered: an entry has never
 * completed fewer periods than one retired after it, so the freed ones
 * are always at the head. A QSBR check is monotonic in the token (if t is
 * done, so is every older token), so few tokens are asked about.
 */
static unsigned int
reclaim_pass(struct ov2_sad *sad)
{
	struct retired batch[RECLAIM_BATCH];
	uint64_t done = 0, next = 0;
	unsigned int nb = 0, steps = 0;
	uint32_t i;

	rte_spinlock_lock(&sad->lock);
	for (i = sad->head; i < sad->n_retired && nb < RECLAIM_BATCH &&
	     steps < RECLAIM_STEPS; i++, steps++) {
		struct retired *r = &sad->retired[i];

		if (r->token > done) {
			if (r->token == next ||
			    rte_rcu_qsbr_check(sad->rcu, r->token, false) != 1)
				break;
			done = r->token;
		}
		if (++r->grace < OV2_SAD_GRACE_PERIODS) {
			/* the next period starts now that this one is over */
			if (next == 0)
				next = rte_rcu_qsbr_start(sad->rcu);
			r->token = next;
			continue;
		}
		/* the last period: i is the head (see above) */
		if (r->pos >= 0) {
			rte_hash_free_key_with_position(sad->h, r->pos);
			sad->n_retired_slots--;
		}
		batch[nb++] = *r;
		sad->head++;
	}
	if (sad->head == sad->n_retired)
		sad->head = sad->n_retired = 0;
	rte_spinlock_unlock(&sad->lock);
	for (i = 0; i < nb; i++) {
		if (batch[i].fn == NULL)
			record_gone(sad, batch[i].p);
		retired_free(sad, &batch[i]);
	}
	return nb;
}

unsigned int
ov2_sad_reclaim(struct ov2_sad *sad)
{
	unsigned int n = 0, k;

	if (sad->rcu == NULL || ov2_sad_pending(sad) == 0)
		return 0;
	do {
		k = reclaim_pass(sad);
		n += k;
	} while (k == RECLAIM_BATCH);
	return n;
}

int
ov2_sad_reclaim_wait(struct ov2_sad *sad, unsigned int timeout_ms)
{
	uint64_t end;

	if (sad->rcu == NULL)
		return ov2_sad_pending(sad) == 0 ? 0 : -ETIMEDOUT;
	end = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	for (;;) {
		ov2_sad_reclaim(sad);
		if (ov2_sad_pending(sad) == 0)
			return 0;
		if (rte_get_timer_cycles() > end)
			return -ETIMEDOUT;
		rte_delay_us_sleep(50);
	}
}

uint32_t
ov2_sad_pending(const struct ov2_sad *sad)
{
	struct ov2_sad *s = (struct ov2_sad *)(uintptr_t)sad;
	uint32_t n;

	rte_spinlock_lock(&s->lock);
	n = s->n_retired - s->head;
	rte_spinlock_unlock(&s->lock);
	return n;
}

uint32_t
ov2_sad_free_slots(const struct ov2_sad *sad)
{
	struct ov2_sad *s = (struct ov2_sad *)(uintptr_t)sad;
	uint32_t used;

	rte_spinlock_lock(&s->lock);
	used = s->n_live + s->n_retired_slots;
	rte_spinlock_unlock(&s->lock);
	return used >= s->slots ? 0 : s->slots - used;
}

struct ov2_sa *
ov2_sad_lookup(const struct ov2_sad *sad, const struct ov2_sa_key *key)
{
	const struct ov2_sa_key *keys[1] = { key };
	struct ov2_sa *sa[1];

	ov2_sad_lookup_bulk(sad, keys, 1, sa);
	return sa[0];
}

/* Second chance for misses: transport SAs bound to any destination. */
static unsigned int
lookup_wild(const struct ov2_sad *sad, const struct ov2_sa_key *keys[],
	    unsigned int n, struct ov2_sa *sas[])
{
	static const uint8_t any[16];
	unsigned int i, hits = 0;
	struct ov2_sa_key w;
	void *d;

	for (i = 0; i < n; i++) {
		if (sas[i] != NULL)
			continue;
		ov2_sa_key_make(&w, keys[i]->spi, keys[i]->proto, 0, any);
		if (rte_hash_lookup_data(sad->h, &w, &d) >= 0) {
			sas[i] = d;
			hits++;
		}
	}
	return hits;
}

unsigned int
ov2_sad_lookup_bulk(const struct ov2_sad *sad, const struct ov2_sa_key *keys[],
		    unsigned int n, struct ov2_sa *sas[])
{
	uint64_t hit_mask = 0;
	unsigned int i, hits;

	if (n == 0)
		return 0;
	if (n > OV2_SAD_BURST_MAX)
		n = OV2_SAD_BURST_MAX;
	hits = (unsigned int)rte_hash_lookup_bulk_data(sad->h, (const void **)keys,
						       n, &hit_mask, (void **)sas);
	for (i = 0; i < n; i++)
		if (!(hit_mask & (UINT64_C(1) << i)))
			sas[i] = NULL;
	if (hits < n && sad->n_wild > 0)
		hits += lookup_wild(sad, keys, n, sas);
	return hits;
}

uint32_t
ov2_sad_count(const struct ov2_sad *sad)
{
	return __atomic_load_n(&sad->n_live, __ATOMIC_RELAXED);
}

uint32_t
ov2_sad_capacity(const struct ov2_sad *sad)
{
	return sad->capacity;
}

void
ov2_sad_foreach(const struct ov2_sad *sad,
		int (*fn)(struct ov2_sa *sa, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	while (rte_hash_iterate(sad->h, &key, &data, &next) >= 0)
		if (fn(data, arg) != 0)
			return;
}

/* Under sad->lock: the live outbound record spi (dst NULL: any), or -1. */
static int
find_out(const struct ov2_sad *sad, uint32_t spi, const struct ov2_addr *dst)
{
	uint32_t i;

	for (i = 0; i < sad->n_out; i++)
		if (!sad->out[i].deleted && sad->out[i].spi == spi &&
		    (dst == NULL || memcmp(&sad->out[i].dst, dst, sizeof(*dst)) == 0))
			return (int)i;
	return -1;
}

int
ov2_sad_add_out(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		char *err, size_t errlen)
{
	struct out_rec *r;
	int rc = 0;

	if (conf->dir != OV2_SA_OUT) {
		snprintf(err, errlen, "SA %u is not outbound", conf->spi);
		return -EINVAL;
	}
	rte_spinlock_lock(&sad->lock);
	if (find_out(sad, conf->spi, &conf->dst) >= 0) {
		snprintf(err, errlen, "outbound SA %u exists", conf->spi);
		rc = -EEXIST;
		goto out;
	}
	if (grow((void **)&sad->out, sad->n_out + 1, &sad->cap_out, sizeof(*sad->out)) != 0) {
		snprintf(err, errlen, "outbound SA %u: out of memory", conf->spi);
		rc = -ENOMEM;
		goto out;
	}
	r = &sad->out[sad->n_out++];
	memset(r, 0, sizeof(*r));
	r->spi = conf->spi;
	r->line = conf->line;
	r->dst = conf->dst;
out:
	rte_spinlock_unlock(&sad->lock);
	return rc;
}

int
ov2_sad_set_out(struct ov2_sad *sad, const struct ov2_sa_conf *c, uint32_t n)
{
	struct out_rec *recs;
	uint32_t i, k = 0;

	recs = calloc(n == 0 ? 1 : n, sizeof(*recs));
	if (recs == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (c[i].dir != OV2_SA_OUT)
			continue;
		recs[k].spi = c[i].spi;
		recs[k].line = c[i].line;
		recs[k++].dst = c[i].dst;
	}
	rte_spinlock_lock(&sad->lock);
	free(sad->out);
	sad->out = recs;
	sad->n_out = k;
	sad->cap_out = n == 0 ? 1 : n;
	rte_spinlock_unlock(&sad->lock);
	return 0;
}

uint32_t
ov2_sad_out_count(const struct ov2_sad *sad)
{
	struct ov2_sad *s = (struct ov2_sad *)(uintptr_t)sad;
	uint32_t i, n = 0;

	rte_spinlock_lock(&s->lock);
	for (i = 0; i < s->n_out; i++)
		n += !s->out[i].deleted;
	rte_spinlock_unlock(&s->lock);
	return n;
}

int
ov2_sad_delete_sa(struct ov2_sad *sad, struct ov2_sa *sa, uint32_t *pair_deleted)
{
	int i;

	if (pair_deleted != NULL)
		*pair_deleted = 0;
	/* cheap early out for the packets in flight of a deleted SA */
	if (__atomic_load_n(&sa->host.flags, __ATOMIC_ACQUIRE) & OV2_SA_HOST_DELETED)
		return 0;
	rte_spinlock_lock(&sad->lock);
	if (!remove_locked(sad, sa)) {
		rte_spinlock_unlock(&sad->lock);
		return 0;
	}
	if (sa->conf.pair_spi != 0) {
		i = find_out(sad, sa->conf.pair_spi, NULL);
		if (i >= 0) {
			sad->out[i].deleted = 1;
			if (pair_deleted != NULL)
				*pair_deleted = sa->conf.pair_spi;
		}
	}
	rte_spinlock_unlock(&sad->lock);
	return 1;
}

void
ov2_sa_record_of(const struct ov2_sa *sa, int deleted, struct ov2_sa_record *r)
{
	const struct ov2_sa_stats *st = &sa->host.stats;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->spi = sa->conf.spi;
	r->proto = sa->conf.proto;
	r->deleted = deleted != 0 ||
		     (__atomic_load_n(&sa->host.flags, __ATOMIC_RELAXED) & OV2_SA_HOST_DELETED);
	r->dst = sa->conf.dst;
	r->replay_window = sa->host.window;
	r->replay_top = __atomic_load_n(&sa->replay.top, __ATOMIC_RELAXED);
	r->lifetime_packets = __atomic_load_n(&sa->nic.packets, __ATOMIC_RELAXED);
	r->lifetime_bytes = __atomic_load_n(&sa->nic.bytes, __ATOMIC_RELAXED);
	r->owner = __atomic_load_n(&sa->owner, __ATOMIC_RELAXED);
	r->stats.delivered = __atomic_load_n(&st->delivered, __ATOMIC_RELAXED);
	r->stats.delivered_bytes = __atomic_load_n(&st->delivered_bytes, __ATOMIC_RELAXED);
	r->stats.soft_expired = __atomic_load_n(&st->soft_expired, __ATOMIC_RELAXED);
	for (i = 0; i < OV2_DROP_COUNT; i++)
		r->stats.drops[i] = __atomic_load_n(&st->drops[i], __ATOMIC_RELAXED);
}

struct rec_walk {
	int (*fn)(const struct ov2_sa_record *r, void *arg);
	void *arg;
};

static int
rec_live(struct ov2_sa *sa, void *arg)
{
	struct rec_walk *w = arg;
	struct ov2_sa_record r;

	ov2_sa_record_of(sa, 0, &r);
	return w->fn(&r, w->arg);
}

void
ov2_sad_foreach_record(const struct ov2_sad *sad,
		       int (*fn)(const struct ov2_sa_record *r, void *arg), void *arg)
{
	struct ov2_sad *s = (struct ov2_sad *)(uintptr_t)sad;
	struct rec_walk w = { .fn = fn, .arg = arg };
	struct ov2_sa_record r;
	struct ov2_sa **sas;
	uint32_t i, n = 0;

	ov2_sad_foreach(sad, rec_live, &w);
	/* Retired SAs: copy the pointers (lcores may append and move the
	 * array); they are freed only by ov2_sad_reclaim(), which the caller
	 * does not run meanwhile. */
	rte_spinlock_lock(&s->lock);
	sas = malloc(((size_t)s->n_retired + 1) * sizeof(*sas));
	for (i = s->head; sas != NULL && i < s->n_retired; i++)
		if (s->retired[i].fn == NULL)
			sas[n++] = s->retired[i].p;
	rte_spinlock_unlock(&s->lock);
	for (i = 0; i < n; i++) {
		ov2_sa_record_of(sas[i], 1, &r);
		if (fn(&r, arg) != 0)
			break;
	}
	free(sas);
	for (i = 0; i < s->n_gone; i++)
		if (fn(&s->gone[i], arg) != 0)
			break;
}

void
ov2_sad_foreach_all(const struct ov2_sad *sad,
		    int (*fn)(struct ov2_sa *sa, void *arg), void *arg)
{
	struct ov2_sad *s = (struct ov2_sad *)(uintptr_t)sad;
	uint32_t i, n;

	ov2_sad_foreach(sad, fn, arg);
	rte_spinlock_lock(&s->lock);
	n = s->n_retired;
	for (i = s->head; i < n; i++)
		if (s->retired[i].fn == NULL && fn(s->retired[i].p, arg) != 0)
			break;
	rte_spinlock_unlock(&s->lock);
}

uint64_t
ov2_sad_records_dropped(const struct ov2_sad *sad)
{
	return sad->gone_dropped;
}
