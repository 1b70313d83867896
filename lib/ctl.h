/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol of ov2rx (OV2's ADD_SA, DELETE_SA, UPDATE_SA at
 * run time): the request parser and the reply framing, as pure functions
 * of their input (no I/O, no global state), so that any byte string can be
 * fed to them.
 *
 * A request is one line of text, at most OV2_CTL_REQ_MAX bytes before its
 * newline:
 *   sa add <the words of a configuration "sa in" line after "sa in">
 *   sa del <spi> [dst ADDR] [esp|ah]
 *   sa update <spi> [dst ADDR] [esp|ah] esn-high N
 *   sa list
 *   stats
 *   reload
 * A reply is "ok <n>\n" followed by n bytes of body, or "error <message>\n"
 * (the message one line of printable ASCII).
 */
#ifndef OV2_CTL_H
#define OV2_CTL_H

#include <stddef.h>
#include <stdint.h>
#include "sa.h"

#define OV2_CTL_REQ_MAX 4096	/* request bytes, newline excluded */
#define OV2_CTL_MSG_MAX 480	/* error message bytes in a reply */
#define OV2_CTL_HDR_MAX (OV2_CTL_MSG_MAX + 16)	/* a reply's first line */

enum ov2_ctl_verb {
	OV2_CTL_SA_ADD = 1,
	OV2_CTL_SA_DEL,
	OV2_CTL_SA_UPDATE,
	OV2_CTL_SA_LIST,
	OV2_CTL_STATS,
	OV2_CTL_RELOAD,
};

/* A parsed request. For OV2_CTL_SA_ADD, sa holds key material: wipe it
 * with ov2_ctl_req_wipe() when done. */
struct ov2_ctl_req {
	enum ov2_ctl_verb verb;
	uint32_t spi;		/* del, update */
	uint8_t proto;		/* del, update: OV2_IPPROTO_ESP unless "ah" */
	uint8_t has_dst;	/* del, update: dst given */
	struct ov2_addr dst;
	uint32_t esn_high;	/* update */
	struct ov2_sa_conf sa;	/* add */
};

/*
 * Parse the request req[0..len) (no newline; any bytes). Returns 0 with
 * *out filled, or -EINVAL (-E2BIG when longer than OV2_CTL_REQ_MAX) with
 * err saying what is wrong; *out is then zeroed.
 */
int ov2_ctl_parse(const char *req, size_t len, struct ov2_ctl_req *out,
		  char *err, size_t errlen);

void ov2_ctl_req_wipe(struct ov2_ctl_req *r);

/* Reply headers into buf: "ok <body_len>\n", or "error <msg>\n" with msg
 * cut to OV2_CTL_MSG_MAX bytes and bytes other than printable ASCII
 * replaced by '?'. Return the header length (< len), or -1 when buf is too
 * small. */
int ov2_ctl_reply_ok(char *buf, size_t len, size_t body_len);
int ov2_ctl_reply_error(char *buf, size_t len, const char *msg);

/*
 * A reply's first line (without its newline): 0 for "ok N" with
 * *body_len = N; 1 for "error MSG" with *msg pointing at MSG (in line);
 * -1 when it is neither.
 */
int ov2_ctl_reply_parse(const char *line, size_t len, size_t *body_len, const char **msg);

/* One line of "sa list" (with its newline): SPI in decimal, destination,
 * protocol, mode, algorithms and options; never key material. Returns the
 * length written, as snprintf. */
int ov2_ctl_sa_line(const struct ov2_sa_conf *c, char *buf, size_t len);

#endif
