/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ov2ctl: run-time SA management of a running ov2rx through its control
 * socket (ov2rx --ctl PATH). One request from the command line, or many
 * from standard input ("-"), sent without waiting for each reply
 * (pipelined) and answered in order.
 *
 * Exit status: 0 every request done; 1 the server refused one (its message
 * is printed); 2 usage error, no connection, or a broken reply.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "ctl.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ov2ctl -s PATH [-q] COMMAND...\n"
		"       ov2ctl -s PATH [-q] -      (requests from stdin, one per line)\n"
		"commands:\n"
		"  sa add <the words of a configuration \"sa in\" line after \"sa in\">\n"
		"  sa del <spi> [dst ADDR] [esp|ah]\n"
		"  sa update <spi> [dst ADDR] [esp|ah] esn-high N\n"
		"  sa list\n"
		"  stats\n"
		"  reload\n"
		"  -s PATH   the control socket of ov2rx (--ctl PATH)\n"
		"  -q        do not print the replies of successful requests\n"
		"exit status: 0 done, 1 refused by ov2rx, 2 usage or connection error\n");
}

/* The command words name a known request? (The server checks the rest.) */
static int
known_command(int argc, char **argv)
{
	static const char *const sa_verbs[] = { "add", "del", "update", "list", NULL };
	int i;

	if (argc < 1)
		return 0;
	/* one command is one request line */
	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL) {
			fprintf(stderr, "ov2ctl: a word of the command holds a newline\n");
			return 0;
		}
	}
	if (strcmp(argv[0], "stats") == 0 || strcmp(argv[0], "reload") == 0)
		return argc == 1;
	if (strcmp(argv[0], "sa") != 0 || argc < 2)
		return 0;
	for (i = 0; sa_verbs[i] != NULL; i++)
		if (strcmp(argv[1], sa_verbs[i]) == 0)
			return 1;
	return 0;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ov2ctl: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "ov2ctl: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Replies as they arrive: a header line, then its body. */
struct replies {
	char *buf;
	size_t len, cap;
	size_t want;		/* body bytes still to come; 0: a header next */
	int in_body;
	unsigned long done, refused;
	int quiet;
	int broken;
};

static int
replies_push(struct replies *r, const char *p, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 65536;
		char *b;

		while (cap < r->len + n)
			cap *= 2;
		b = realloc(r->buf, cap);
		if (b == NULL)
			return -1;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

/* Consume the complete replies in the buffer. */
static void
replies_scan(struct replies *r)
{
	size_t off = 0;

	while (!r->broken) {
		if (r->in_body) {
			size_t k = r->len - off < r->want ? r->len - off : r->want;

			if (!r->quiet)
				fwrite(r->buf + off, 1, k, stdout);
			off += k;
			r->want -= k;
			if (r->want > 0)
				break;
			r->in_body = 0;
			r->done++;
			continue;
		}
		char *nl = memchr(r->buf + off, '\n', r->len - off);
		const char *msg;
		size_t body;
		int rc;

		if (nl == NULL) {
			if (r->len - off > OV2_CTL_HDR_MAX)
				r->broken = 1;
			break;
		}
		rc = ov2_ctl_reply_parse(r->buf + off, (size_t)(nl - (r->buf + off)), &body, &msg);
		if (rc < 0) {
			r->broken = 1;
			break;
		}
		if (rc == 1) {
			fprintf(stderr, "ov2ctl: request %lu: %.*s\n", r->done + 1,
				(int)(nl - msg), msg);
			r->refused++;
			r->done++;
		} else {
			r->in_body = 1;
			r->want = body;
		}
		off = (size_t)(nl - r->buf) + 1;
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
}

/*
 * Send req (n_req requests, newline-terminated) and read the n_req
 * replies at the same time, so that neither side's socket buffer fills
 * while the other waits.
 */
static int
exchange(int fd, const char *req, size_t len, unsigned long n_req, struct replies *r)
{
	size_t sent = 0;
	char buf[65536];

	while (r->done < n_req && !r->broken) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (sent < len)
			pf.events |= POLLOUT;
		if (poll(&pf, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((pf.revents & POLLOUT) && sent < len) {
			k = send(fd, req + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (k > 0)
				sent += (size_t)k;
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (k == 0)
				return -1;	/* closed before every reply came */
			if (k < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (k > 0) {
				if (replies_push(r, buf, (size_t)k) != 0)
					return -1;
				replies_scan(r);
			}
		}
	}
	return r->broken ? -1 : 0;
}

/* All of stdin; counts its non-empty lines and ends it with a newline. */
static char *
read_stdin(size_t *len, unsigned long *lines)
{
	size_t cap = 65536, n = 0, i;
	char *b = malloc(cap + 1), *nb;
	size_t k;

	if (b == NULL)
		return NULL;
	while ((k = fread(b + n, 1, cap - n, stdin)) > 0) {
		n += k;
		if (n == cap) {
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (nb == NULL) {
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	if (n > 0 && b[n - 1] != '\n')
		b[n++] = '\n';
	*lines = 0;
	for (i = 0; i < n; i++)
		if (b[i] == '\n')
			(*lines)++;
	*len = n;
	return b;
}

/* The command words joined by spaces, with a newline. */
static char *
join_words(int argc, char **argv, size_t *len)
{
	size_t n = 1;
	char *b;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	b = malloc(n + 1);
	if (b == NULL)
		return NULL;
	b[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(b, " ");
		strcat(b, argv[i]);
	}
	strcat(b, "\n");
	*len = strlen(b);
	return b;
}

int
main(int argc, char **argv)
{
	struct replies r = { 0 };
	const char *path = NULL;
	unsigned long n_req = 1;
	size_t len;
	char *req;
	int c, fd, rc;

	while ((c = getopt(argc, argv, "+s:qh")) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'q': r.quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL) {
		fprintf(stderr, "ov2ctl: -s PATH is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		req = read_stdin(&len, &n_req);
	} else if (known_command(argc, argv)) {
		req = join_words(argc, argv, &len);
	} else {
		fprintf(stderr, "ov2ctl: %s: unknown command\n", argc > 0 ? argv[0] : "(none)");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (req == NULL) {
		fprintf(stderr, "ov2ctl: out of memory\n");
		return EXIT_USAGE;
	}
	fd = connect_to(path);
	if (fd < 0) {
		free(req);
		return EXIT_USAGE;
	}
	rc = n_req == 0 ? 0 : exchange(fd, req, len, n_req, &r);
	close(fd);
	explicit_bzero(req, len);	/* sa add carries keys */
	free(req);
	free(r.buf);
	fflush(stdout);
	if (rc != 0) {
		fprintf(stderr, "ov2ctl: connection to %s lost or broken reply after %lu of %lu "
			"replies\n", path, r.done, n_req);
		return EXIT_USAGE;
	}
	return r.refused != 0 ? EXIT_REFUSED : 0;
}
