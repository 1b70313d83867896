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
#include <rte_malloc.h>
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

struct ov2_sad {
	struct rte_hash *h;
	uint32_t capacity;
	uint32_t n_wild;	/* SAs bound to any destination */
	int socket;
	rte_spinlock_t lock;	/* retired list and outbound records */
	struct ov2_sa **retired;	/* deleted, memory kept (see delete_sa) */
	uint32_t n_retired, cap_retired;
	struct out_rec *out;
	uint32_t n_out, cap_out;
	/* UDP ports UDP-ESP SAs receive on (never shrinks) */
	uint16_t udp_ports[OV2_SAD_UDP_PORTS_MAX];
	uint32_t n_udp_ports;
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

struct ov2_sad *
ov2_sad_create(const char *name, uint32_t capacity, int socket,
	       char *err, size_t errlen)
{
	static uint32_t seq;
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = hname,
		.entries = capacity,
		.key_len = sizeof(struct ov2_sa_key),
		.hash_func = key_hash,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct ov2_sad *sad;

	if (capacity == 0 || capacity > (1u << 26)) {
		snprintf(err, errlen, "SA capacity must be 1..%u", 1u << 26);
		return NULL;
	}
	/* rte_hash needs at least 8 entries (one bucket). */
	p.entries = RTE_MAX(capacity, 8u);
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
	sad->socket = socket;
	rte_spinlock_init(&sad->lock);
	return sad;
}

size_t
ov2_sa_size(uint32_t window)
{
	return offsetof(struct ov2_sa, replay) + ov2_replay_size(window);
}

static void
sa_free(struct ov2_sa *sa)
{
	ov2_crypto_wipe(&sa->crypto);
	/* conf holds the raw key: wipe it too. */
	memset(&sa->conf, 0, sizeof(sa->conf));
	__asm__ __volatile__("" : : "r"(sa) : "memory");
	rte_free(sa);
}

static int
free_one(struct ov2_sa *sa, void *arg)
{
	(void)arg;
	sa_free(sa);
	return 0;
}

void
ov2_sad_free(struct ov2_sad *sad)
{
	if (sad == NULL)
		return;
	ov2_sad_foreach(sad, free_one, NULL);
	while (sad->n_retired > 0)
		sa_free(sad->retired[--sad->n_retired]);
	free(sad->retired);
	free(sad->out);
	rte_hash_free(sad->h);
	rte_free(sad);
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

int
ov2_sad_add(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
	    struct ov2_sa **out, char *err, size_t errlen)
{
	struct ov2_sa_key k;
	struct ov2_sa *sa;
	uint32_t window;
	int32_t pos;
	int rc;

	if (conf->dir != OV2_SA_IN ||
	    (conf->proto != OV2_IPPROTO_ESP && conf->proto != OV2_IPPROTO_AH)) {
		snprintf(err, errlen, "SA %u: only inbound ESP and AH SAs can be offloaded",
			 conf->spi);
		return -EINVAL;
	}
	conf_key(&k, conf->spi, conf->proto, &conf->dst);
	if (rte_hash_lookup(sad->h, &k) >= 0) {
		snprintf(err, errlen, "SA %u: an SA with this SPI and destination exists",
			 conf->spi);
		return -EEXIST;
	}
	if ((uint32_t)rte_hash_count(sad->h) >= sad->capacity) {
		snprintf(err, errlen, "SA %u: the SA table is full (%u SAs)",
			 conf->spi, sad->capacity);
		return -ENOSPC;
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
	if ((conf->flags & OV2_SA_F_UDP_ENCAP) && add_udp_port(sad, conf->udp_dport) != 0) {
		snprintf(err, errlen, "SA %u: more than %u UDP-ESP ports", conf->spi,
			 OV2_SAD_UDP_PORTS_MAX);
		sa_free(sa);
		return -ENOSPC;
	}
	rc = ov2_crypto_init(&sa->crypto, conf, err, errlen);
	if (rc == 0)
		rc = rte_hash_add_key_data(sad->h, &k, sa);
	if (rc != 0) {
		if (rc == -ENOSPC)
			snprintf(err, errlen, "SA %u: the SA table is full", conf->spi);
		sa_free(sa);
		return rc;
	}
	pos = rte_hash_lookup(sad->h, &k);
	sa->id = (uint32_t)pos;
	if (conf->dst.family == 0)
		sad->n_wild++;
	if (out != NULL)
		*out = sa;
	return 0;
}

int
ov2_sad_del(struct ov2_sad *sad, uint32_t spi, uint8_t proto,
	    const struct ov2_addr *dst)
{
	struct ov2_sa_key k;
	struct ov2_sa *sa;
	int32_t pos;

	conf_key(&k, spi, proto, dst);
	if (rte_hash_lookup_data(sad->h, &k, (void **)&sa) < 0)
		return -ENOENT;
	pos = rte_hash_del_key(sad->h, &k);
	if (pos < 0)
		return -ENOENT;
	/* Lock-free mode keeps the slot until told: no reader can hold it
	 * here (deferred reclamation with RCU arrives with run-time SA
	 * management). */
	rte_hash_free_key_with_position(sad->h, pos);
	if (dst->family == 0)
		sad->n_wild--;
	sa_free(sa);
	return 0;
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
	return (uint32_t)rte_hash_count(sad->h);
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

/* Grow an array of n elements of size sz to hold one more. */
static int
grow(void **p, uint32_t n, uint32_t *cap, size_t sz)
{
	uint32_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap < *cap)
		return -ENOMEM;
	np = realloc(*p, (size_t)ncap * sz);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int
ov2_sad_add_out(struct ov2_sad *sad, const struct ov2_sa_conf *conf,
		char *err, size_t errlen)
{
	struct out_rec *r;
	uint32_t i;
	int rc = 0;

	if (conf->dir != OV2_SA_OUT) {
		snprintf(err, errlen, "SA %u is not outbound", conf->spi);
		return -EINVAL;
	}
	rte_spinlock_lock(&sad->lock);
	for (i = 0; i < sad->n_out; i++) {
		if (!sad->out[i].deleted && sad->out[i].spi == conf->spi &&
		    memcmp(&sad->out[i].dst, &conf->dst, sizeof(conf->dst)) == 0) {
			snprintf(err, errlen, "outbound SA %u exists", conf->spi);
			rc = -EEXIST;
			goto out;
		}
	}
	if (grow((void **)&sad->out, sad->n_out, &sad->cap_out, sizeof(*sad->out)) != 0) {
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
	struct ov2_sa_key k;
	uint32_t old, i;
	int32_t pos;

	if (pair_deleted != NULL)
		*pair_deleted = 0;
	old = __atomic_fetch_or(&sa->host.flags, OV2_SA_HOST_DELETED, __ATOMIC_ACQ_REL);
	if (old & OV2_SA_HOST_DELETED)
		return 0;
	conf_key(&k, sa->conf.spi, sa->conf.proto, &sa->conf.dst);
	pos = rte_hash_del_key(sad->h, &k);
	if (pos >= 0) {
		/* Lock-free mode keeps the slot until told. Readers that
		 * found the SA before the delete still hold its pointer, so
		 * the SA itself is kept (retired) until the table is freed. */
		rte_hash_free_key_with_position(sad->h, pos);
		if (sa->conf.dst.family == 0)
			sad->n_wild--;
	}
	rte_spinlock_lock(&sad->lock);
	if (grow((void **)&sad->retired, sad->n_retired, &sad->cap_retired,
		 sizeof(*sad->retired)) == 0)
		sad->retired[sad->n_retired++] = sa;
	/* else: leak rather than free memory a reader may hold */
	if (sa->conf.pair_spi != 0) {
		for (i = 0; i < sad->n_out; i++) {
			if (sad->out[i].spi == sa->conf.pair_spi && !sad->out[i].deleted) {
				sad->out[i].deleted = 1;
				if (pair_deleted != NULL)
					*pair_deleted = sa->conf.pair_spi;
				break;
			}
		}
	}
	rte_spinlock_unlock(&sad->lock);
	return 1;
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
	for (i = 0; i < n; i++)
		if (fn(s->retired[i], arg) != 0)
			break;
	rte_spinlock_unlock(&s->lock);
}
