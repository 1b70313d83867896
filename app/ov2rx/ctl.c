/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread. It always runs: every CTL_TICK_MS it frees what the
 * SA table retired (deleted SAs, replaced policies) once their grace
 * periods are over, so reclamation never runs on a polling lcore. With
 * --ctl PATH it also serves the control socket (mode 0600): one request
 * per line, several per connection, answered in order (lib/ctl.h).
 *
 * Everything the control plane does (requests, reclamation, reports,
 * telemetry) runs under one mutex: an SA pointer it holds cannot be freed
 * under it. The polling lcores never take it.
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include "conf.h"
#include "crypto_imb.h"
#include "ctl.h"
#include "ov2rx.h"
#include "sad.h"

#define CTL_TICK_MS 1		/* reclamation period */
#define CTL_CLIENTS 16		/* connections served at once */
#define CTL_SEND_TIMEOUT_MS 5000	/* a client that reads nothing is dropped */
#define CTL_RECLAIM_WAIT_MS 5000	/* for key slots held by deleted SAs */

struct client {
	int fd;			/* -1: free */
	size_t len;		/* bytes of the current request */
	int discarding;		/* over-long request: skip to its newline */
	char buf[OV2_CTL_REQ_MAX + 1];
	/* replies not sent yet: those of the requests of one read go out
	 * together (pipelined clients) */
	char *out;
	size_t n_out, cap_out;
};

#define CTL_FLUSH_BYTES 65536	/* send the replies held once this big */

static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t ctl_thread;
static volatile int ctl_stop;
static int ctl_running;
static int listen_fd = -1;
static struct client clients[CTL_CLIENTS];

void
ov2rx_ctl_lock(void)
{
	pthread_mutex_lock(&ctl_mu);
}

void
ov2rx_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl_mu);
}

/* ------------------------------------------------------------------ */
/* Requests (the control lock is held)                                 */
/* ------------------------------------------------------------------ */

struct spi_find {
	uint32_t spi;
	uint8_t proto;
	struct ov2_sa *sa;
	unsigned int n;
};

static int
spi_match(struct ov2_sa *sa, void *arg)
{
	struct spi_find *f = arg;

	if (sa->conf.spi == f->spi && sa->conf.proto == f->proto) {
		f->sa = sa;
		f->n++;
	}
	return 0;
}

/*
 * The SA a del/update request names: with dst, that key; without, the SA
 * bound to any destination, else the only SA with that SPI (a scan).
 */
static struct ov2_sa *
find_sa(const struct ov2_ctl_req *r, char *err, size_t errlen)
{
	static const uint8_t any[16];
	struct spi_find f = { .spi = r->spi, .proto = r->proto };
	const char *pname = r->proto == OV2_IPPROTO_AH ? "AH" : "ESP";
	struct ov2_sa_key k;
	struct ov2_sa *sa;
	char dst[64];

	if (r->has_dst) {
		ov2_sa_key_make(&k, rte_cpu_to_be_32(r->spi), r->proto, r->dst.family, r->dst.a);
		sa = ov2_sad_lookup(ov2rx.sad, &k);
		if (sa == NULL || sa->conf.dst.family != r->dst.family)
			snprintf(err, errlen, "no inbound %s SA %u with dst %s", pname, r->spi,
				 ov2_addr_str(&r->dst, dst, sizeof(dst)));
		return sa != NULL && sa->conf.dst.family == r->dst.family ? sa : NULL;
	}
	ov2_sa_key_make(&k, rte_cpu_to_be_32(r->spi), r->proto, 0, any);
	sa = ov2_sad_lookup(ov2rx.sad, &k);
	if (sa != NULL)
		return sa;
	ov2_sad_foreach(ov2rx.sad, spi_match, &f);
	if (f.n == 1)
		return f.sa;
	if (f.n == 0)
		snprintf(err, errlen, "no inbound %s SA %u", pname, r->spi);
	else
		snprintf(err, errlen, "%u inbound %s SAs have SPI %u: give dst ADDR", f.n, pname,
			 r->spi);
	return NULL;
}

static int
do_add(struct ov2_ctl_req *r, FILE *out, char *err, size_t errlen)
{
	char dst[64];
	int rc;

	ov2rx_sa_defaults(&r->sa);
	rc = ov2_sad_add(ov2rx.sad, &r->sa, NULL, err, errlen);
	if (rc == -EAGAIN) {
		/* every free key slot is held by deleted SAs: wait for them */
		if (ov2_sad_reclaim_wait(ov2rx.sad, CTL_RECLAIM_WAIT_MS) == 0)
			rc = ov2_sad_add(ov2rx.sad, &r->sa, NULL, err, errlen);
	}
	if (rc != 0)
		return -1;
	fprintf(out, "added inbound SA %u dst %s\n", r->sa.spi,
		r->sa.dst.family ? ov2_addr_str(&r->sa.dst, dst, sizeof(dst)) : "any");
	return 0;
}

static int
do_del(const struct ov2_ctl_req *r, FILE *out, char *err, size_t errlen)
{
	struct ov2_sa *sa = find_sa(r, err, errlen);
	uint32_t spi, pair = 0;

	if (sa == NULL)
		return -1;
	spi = sa->conf.spi;
	/* OV2 DELETE_SA, as after SaDeleteReq: the SA and its paired
	 * outbound SA; the memory waits for the grace periods */
	if (!ov2_sad_delete_sa(ov2rx.sad, sa, &pair)) {
		snprintf(err, errlen, "inbound SA %u is being deleted already", spi);
		return -1;
	}
	fprintf(out, "deleted inbound SA %u", spi);
	if (pair != 0)
		fprintf(out, " and its paired outbound SA %u", pair);
	fprintf(out, "\n");
	return 0;
}

static int
do_update(const struct ov2_ctl_req *r, FILE *out, char *err, size_t errlen)
{
	struct ov2_sa *sa = find_sa(r, err, errlen);
	uint64_t old;

	if (sa == NULL)
		return -1;
	if (!(sa->conf.flags & OV2_SA_F_ESN)) {
		snprintf(err, errlen, "inbound SA %u does not use extended sequence numbers "
			 "(no esn): nothing to update", sa->conf.spi);
		return -1;
	}
	/* OV2 UPDATE_SA: the high half of the sequence state the NIC side
	 * infers ESN high bits from; the low half stays. The owner lcore may
	 * raise the same word meanwhile: both sides compare-and-swap (sa.h). */
	old = ov2_sa_set_esn_high(sa, r->esn_high);
	fprintf(out, "inbound SA %u: ESN high half %u (was %u)\n", sa->conf.spi, r->esn_high,
		(uint32_t)(old >> 32));
	return 0;
}

struct list_walk {
	const struct ov2_sa **v;
	size_t n, cap;
	int failed;
};

static int
list_one(struct ov2_sa *sa, void *arg)
{
	struct list_walk *w = arg;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		const struct ov2_sa **v = realloc(w->v, cap * sizeof(*v));

		if (v == NULL) {
			w->failed = 1;
			return -1;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = sa;
	return 0;
}

static int
by_spi(const void *a, const void *b)
{
	const struct ov2_sa *x = *(const struct ov2_sa *const *)a;
	const struct ov2_sa *y = *(const struct ov2_sa *const *)b;

	if (x->conf.spi != y->conf.spi)
		return x->conf.spi < y->conf.spi ? -1 : 1;
	return memcmp(&x->conf.dst, &y->conf.dst, sizeof(x->conf.dst));
}

static int
do_list(FILE *out, char *err, size_t errlen)
{
	struct list_walk w = { 0 };
	char line[256];
	size_t i;

	ov2_sad_foreach(ov2rx.sad, list_one, &w);
	if (w.failed) {
		free(w.v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	qsort(w.v, w.n, sizeof(*w.v), by_spi);
	for (i = 0; i < w.n; i++) {
		ov2_ctl_sa_line(&w.v[i]->conf, line, sizeof(line));
		fputs(line, out);
	}
	free(w.v);
	return 0;
}

/* Run one request line; the reply body goes to out, an error to err. */
static int
run_request(const char *req, size_t len, FILE *out, char *err, size_t errlen)
{
	struct ov2_ctl_req r;
	int rc;

	if (ov2_ctl_parse(req, len, &r, err, errlen) != 0)
		return -1;
	ov2rx_ctl_lock();
	switch (r.verb) {
	case OV2_CTL_SA_ADD: rc = do_add(&r, out, err, errlen); break;
	case OV2_CTL_SA_DEL: rc = do_del(&r, out, err, errlen); break;
	case OV2_CTL_SA_UPDATE: rc = do_update(&r, out, err, errlen); break;
	case OV2_CTL_SA_LIST: rc = do_list(out, err, errlen); break;
	case OV2_CTL_STATS: rc = ov2rx_report_json(out); break;
	case OV2_CTL_RELOAD:
		rc = ov2rx_reload(err, errlen);
		if (rc == 0) {
			fprintf(out, "%s\n", err);
			err[0] = '\0';
		}
		break;
	default:
		snprintf(err, errlen, "request not implemented");
		rc = -1;
	}
	ov2rx_ctl_unlock();
	ov2_ctl_req_wipe(&r);
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "request failed");
	return rc;
}

/* ------------------------------------------------------------------ */
/* The socket                                                          */
/* ------------------------------------------------------------------ */

static void
client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->discarding = 0;
	explicit_bzero(c->buf, sizeof(c->buf));	/* may hold a key */
	free(c->out);
	c->out = NULL;
	c->n_out = 0;
	c->cap_out = 0;
}

/* Write everything, waiting for a slow reader up to CTL_SEND_TIMEOUT_MS. */
static int
send_all(int fd, const char *p, size_t n)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * CTL_SEND_TIMEOUT_MS / 1000;

	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (rte_get_timer_cycles() > end)
			return -1;
		struct pollfd pf = { .fd = fd, .events = POLLOUT };

		poll(&pf, 1, 100);
	}
	return 0;
}

/* Queue reply bytes; -1 (the client is dropped) when memory runs out. */
static int
queue(struct client *c, const char *p, size_t n)
{
	if (c->n_out + n > c->cap_out) {
		size_t cap = c->cap_out ? c->cap_out : 4096;
		char *b;

		while (cap < c->n_out + n)
			cap *= 2;
		b = realloc(c->out, cap);
		if (b == NULL)
			return -1;
		c->out = b;
		c->cap_out = cap;
	}
	memcpy(c->out + c->n_out, p, n);
	c->n_out += n;
	return 0;
}

static int
flush(struct client *c)
{
	int rc = send_all(c->fd, c->out, c->n_out);

	c->n_out = 0;
	return rc;
}

static int
reply_error(struct client *c, const char *msg)
{
	char hdr[OV2_CTL_HDR_MAX + 8];
	int n = ov2_ctl_reply_error(hdr, sizeof(hdr), msg);

	return queue(c, hdr, (size_t)n);
}

/* One complete request line: run it, queue the reply. */
static int
serve_line(struct client *c, const char *req, size_t len)
{
	char err[OV2_CTL_MSG_MAX + 32], hdr[OV2_CTL_HDR_MAX + 8];
	char *body = NULL;
	size_t blen = 0;
	FILE *out;
	int rc, n;

	err[0] = '\0';
	out = open_memstream(&body, &blen);
	if (out == NULL)
		return reply_error(c, "out of memory");
	rc = run_request(req, len, out, err, sizeof(err));
	if (fclose(out) != 0 && rc == 0) {
		rc = -1;
		snprintf(err, sizeof(err), "out of memory for the reply");
	}
	if (rc != 0) {
		free(body);
		return reply_error(c, err);
	}
	n = ov2_ctl_reply_ok(hdr, sizeof(hdr), blen);
	if (blen >= CTL_FLUSH_BYTES) {
		/* a big body (stats, list) goes out as it is, not copied */
		rc = queue(c, hdr, (size_t)n);
		if (rc == 0)
			rc = flush(c);
		if (rc == 0)
			rc = send_all(c->fd, body, blen);
	} else {
		rc = queue(c, hdr, (size_t)n);
		if (rc == 0)
			rc = queue(c, body, blen);
	}
	free(body);
	return rc;
}

/* New bytes from a client: complete lines are served in order; a request
 * that grows past OV2_CTL_REQ_MAX gets its error at once and the rest of
 * its line is skipped. */
static int
client_input(struct client *c, const char *p, size_t n)
{
	char msg[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->n_out >= CTL_FLUSH_BYTES && flush(c) != 0)
			return -1;
		if (p[i] == '\n') {
			if (!c->discarding && serve_line(c, c->buf, c->len) != 0)
				return -1;
			c->discarding = 0;
			c->len = 0;
			continue;
		}
		if (c->discarding)
			continue;
		if (c->len == OV2_CTL_REQ_MAX) {
			snprintf(msg, sizeof(msg), "request longer than %u bytes", OV2_CTL_REQ_MAX);
			if (reply_error(c, msg) != 0)
				return -1;
			c->discarding = 1;
			c->len = 0;
			continue;
		}
		c->buf[c->len++] = p[i];
	}
	return c->n_out > 0 ? flush(c) : 0;
}

static void
client_read(struct client *c)
{
	char buf[16384];
	ssize_t k = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* gone, maybe mid-request: that request is dropped unheard */
		client_close(c);
		return;
	}
	if (k > 0 && client_input(c, buf, (size_t)k) != 0)
		client_close(c);
	explicit_bzero(buf, sizeof(buf));
}

static void
accept_client(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned int i;

	if (fd < 0)
		return;
	for (i = 0; i < CTL_CLIENTS; i++) {
		if (clients[i].fd < 0) {
			clients[i].fd = fd;
			return;
		}
	}
	/* full: say so rather than leave the client hanging */
	send(fd, "error too many control connections\n", 35, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void *
ctl_main(void *arg)
{
	struct pollfd pf[CTL_CLIENTS + 1];
	int map[CTL_CLIENTS + 1];
	unsigned int i, n;

	(void)arg;
	while (!ctl_stop) {
		n = 0;
		if (listen_fd >= 0) {
			pf[n].fd = listen_fd;
			pf[n].events = POLLIN;
			map[n++] = -1;
		}
		for (i = 0; i < CTL_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			pf[n].fd = clients[i].fd;
			pf[n].events = POLLIN;
			map[n++] = (int)i;
		}
		if (poll(pf, n, CTL_TICK_MS) > 0) {
			for (i = 0; i < n; i++) {
				if (pf[i].revents == 0)
					continue;
				if (map[i] < 0)
					accept_client();
				else
					client_read(&clients[map[i]]);
			}
		}
		ov2rx_ctl_lock();
		ov2_sad_reclaim(ov2rx.sad);
		ov2rx_ctl_unlock();
	}
	/* the libipsec-mb managers SA set-up allocated for this thread */
	ov2_crypto_thread_release();
	return NULL;
}

/* A socket file left by an ov2rx that died is replaced; one that answers,
 * or a file that is not a socket, is an error. */
static int
clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "ov2rx: --ctl %s: exists and is not a socket\n", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "ov2rx: --ctl %s: another process serves this socket\n", path);
		return -1;
	}
	return unlink(path);
}

static int
open_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ov2rx: --ctl %s: path longer than %zu bytes\n", path,
			sizeof(sun.sun_path) - 1);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (clear_stale(path, &sun) != 0) {
		if (errno != 0)
			fprintf(stderr, "ov2rx: --ctl %s: %s\n", path, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* created 0600 from the start: no window in which others may connect */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "ov2rx: --ctl %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
ov2rx_ctl_start(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < CTL_CLIENTS; i++)
		clients[i].fd = -1;
	if (ov2rx.opts.ctl_path != NULL) {
		listen_fd = open_socket(ov2rx.opts.ctl_path);
		if (listen_fd < 0)
			return -1;
	}
	ctl_stop = 0;
	rc = rte_ctrl_thread_create(&ctl_thread, "ov2rx-ctl", NULL, ctl_main, NULL);
	if (rc != 0) {
		fprintf(stderr, "ov2rx: cannot start the control thread: %s\n", strerror(rc));
		if (listen_fd >= 0) {
			close(listen_fd);
			unlink(ov2rx.opts.ctl_path);
			listen_fd = -1;
		}
		return -1;
	}
	ctl_running = 1;
	if (ov2rx.opts.ctl_path != NULL)
		printf("control socket %s (mode 0600)\n", ov2rx.opts.ctl_path);
	return 0;
}

void
ov2rx_ctl_stop(void)
{
	unsigned int i;

	if (!ctl_running)
		return;
	ctl_stop = 1;
	pthread_join(ctl_thread, NULL);
	ctl_running = 0;
	for (i = 0; i < CTL_CLIENTS; i++)
		client_close(&clients[i]);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(ov2rx.opts.ctl_path);
		listen_fd = -1;
	}
	/* the lcores are offline now: everything retired can go */
	if (ov2_sad_reclaim_wait(ov2rx.sad, CTL_RECLAIM_WAIT_MS) != 0)
		fprintf(stderr, "ov2rx: %u retired objects not reclaimed at exit\n",
			ov2_sad_pending(ov2rx.sad));
}
