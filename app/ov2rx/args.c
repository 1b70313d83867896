/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include "ov2rx.h"
#include "caps.h"
#include "replay.h"
#include "shim.h"

enum {
	OPT_IN = 256, OPT_OUT, OPT_ERRORS, OPT_IDLE, OPT_DURATION, OPT_STATS,
	OPT_OFFLOAD, OPT_SA_CAP, OPT_RXD, OPT_TXD, OPT_HELP, OPT_REPLAY, OPT_CAPS,
	OPT_MBUFS, OPT_CTL,
};

static const struct option longopts[] = {
	{ "in", required_argument, NULL, OPT_IN },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "errors", required_argument, NULL, OPT_ERRORS },
	{ "exit-when-idle", required_argument, NULL, OPT_IDLE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats-json", required_argument, NULL, OPT_STATS },
	{ "offload", required_argument, NULL, OPT_OFFLOAD },
	{ "sa-capacity", required_argument, NULL, OPT_SA_CAP },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "replay-window", required_argument, NULL, OPT_REPLAY },
	{ "caps", required_argument, NULL, OPT_CAPS },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void
ov2rx_usage(const char *prog)
{
	printf("usage: %s [EAL options] -- -f CONFIG [--in PORT]... [--out PORT]\n"
	       "         [--errors PORT] [--exit-when-idle MS] [--duration S]\n"
	       "         [--stats-json FILE] [--offload PORT:off|esp|ah|ah-esp]...\n"
	       "         [--caps PORT:[+|-]CAP,...]... [--sa-capacity N] [--replay-window N]\n"
	       "         [--rxd N] [--txd N] [--mbufs N] [--ctl PATH]\n"
	       "  -f CONFIG            SA configuration (ipsec-secgw syntax)\n"
	       "  --in PORT            poll every rx queue of PORT (id or device name);\n"
	       "                       repeatable; default: every port not used as output\n"
	       "  --out PORT           transmit delivered packets on PORT (default: free them)\n"
	       "  --errors PORT        transmit dropped packets on PORT (default: free them)\n"
	       "  --exit-when-idle MS  stop once no packet arrived for MS milliseconds\n"
	       "  --duration S         stop after S seconds\n"
	       "  --stats-json FILE    write the counters as JSON at exit\n"
	       "  --offload PORT:MODE  the port's OV2 offload setting (default ah-esp)\n"
	       "  --caps PORT:[+|-]CAP,...  add (+) or remove (-, the default) OV2\n"
	       "                       capabilities of the port's NIC side (default: all\n"
	       "                       but ipv4-options and ipv6-ext); CAP is one of\n"
	       "                       ipv6 ipv4-options ipv6-ext ah esp ah-esp transport\n"
	       "                       tunnel transport-tunnel esn udp-esp md5 sha1 sha256\n"
	       "                       sha384 sha512 gmac null des 3des gcm cbc chacha20\n"
	       "  --sa-capacity N      most SAs the table holds (default 65536)\n"
	       "  --replay-window N    anti-replay window of SAs whose line has no\n"
	       "                       replay-window (default 64; 0: no replay check;\n"
	       "                       at most 65536)\n"
	       "  --rxd N, --txd N     descriptors per rx / tx queue (default 1024)\n"
	       "  --mbufs N            packet buffers in the pool (256..16777216; default:\n"
	       "                       enough for every descriptor and lcore, at least 8191)\n"
	       "  --ctl PATH           serve run-time SA management (ov2ctl) on the unix\n"
	       "                       socket PATH (created with mode 0600)\n",
	       prog);
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int
parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return (errno != 0 || end == s || *end != '\0' || !(*v > 0) || *v > 1e9) ? -1 : 0;
}

/* A port id or an ethdev name. */
static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (parse_u64(s, RTE_MAX_ETHPORTS - 1, &v) == 0) {
		if (!rte_eth_dev_is_valid_port((uint16_t)v))
			return -1;
		*port = (uint16_t)v;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(s, port) == 0 ? 0 : -1;
}

static int
bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "ov2rx: %s '%s': %s\n", opt, val, why);
	return -1;
}

static int
parse_offload(const char *arg, struct ov2rx_opts *o)
{
	char buf[128];
	char *colon;
	uint16_t port;
	int mode;

	if (strlen(arg) >= sizeof(buf))
		return bad("--offload", arg, "too long");
	strcpy(buf, arg);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return bad("--offload", arg, "expected PORT:off|esp|ah|ah-esp");
	*colon = '\0';
	if (parse_port(buf, &port) != 0)
		return bad("--offload", arg, "no such port");
	mode = ov2_shim_enable_parse(colon + 1);
	if (mode < 0)
		return bad("--offload", arg, "mode must be off, esp, ah or ah-esp");
	o->offload[port] = (uint8_t)mode;
	o->offload_arg[port] = arg;
	return 0;
}

/* "--caps PORT:LIST": checked here, applied when the port is set up. */
static int
parse_caps(const char *arg, struct ov2rx_opts *o)
{
	char buf[512], err[512];
	struct ov2_caps c;
	char *colon;
	uint16_t port;

	if (strlen(arg) >= sizeof(buf))
		return bad("--caps", arg, "too long");
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (colon == NULL || colon[1] == '\0')
		return bad("--caps", arg, "expected PORT:CAP[,CAP...]");
	*colon = '\0';
	if (parse_port(buf, &port) != 0)
		return bad("--caps", arg, "no such port");
	ov2_caps_port_default(&c, 0);
	if (ov2_caps_edit(&c, colon + 1, err, sizeof(err)) != 0)
		return bad("--caps", arg, err);
	if (o->caps_off[port] == NULL) {
		o->caps_off[port] = arg + (colon + 1 - buf);
		return 0;
	}
	/* repeated for a port: the edits add up, in order */
	if (snprintf(err, sizeof(err), "%s,%s", o->caps_off[port], colon + 1) >=
	    (int)sizeof(err))
		return bad("--caps", arg, "too long with the earlier --caps of this port");
	if (ov2_caps_edit(&c, err, buf, sizeof(buf)) != 0)	/* checked above */
		return bad("--caps", arg, buf);
	o->caps_off[port] = strdup(err);
	return o->caps_off[port] != NULL ? 0 : bad("--caps", arg, "out of memory");
}

static int
add_in(const char *arg, struct ov2rx_opts *o)
{
	uint16_t port, i;

	if (parse_port(arg, &port) != 0)
		return bad("--in", arg, "no such port");
	for (i = 0; i < o->n_in; i++)
		if (o->in[i] == port)
			return bad("--in", arg, "port given twice");
	o->in[o->n_in++] = port;
	return 0;
}

static int
parse_one(int c, const char *arg, struct ov2rx_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'f': o->conf_path = arg; return 0;
	case OPT_IN: return add_in(arg, o);
	case OPT_OUT:
		return parse_port(arg, &o->out) ? bad("--out", arg, "no such port") : 0;
	case OPT_ERRORS:
		return parse_port(arg, &o->errors) ? bad("--errors", arg, "no such port") : 0;
	case OPT_IDLE:
		if (parse_u64(arg, 86400000, &o->idle_ms) || o->idle_ms == 0)
			return bad("--exit-when-idle", arg, "expected 1..86400000 ms");
		return 0;
	case OPT_DURATION:
		return parse_double(arg, &o->duration_s) ?
			bad("--duration", arg, "expected a positive number of seconds") : 0;
	case OPT_STATS: o->stats_json = arg; return 0;
	case OPT_CTL:
		if (arg[0] == '\0')
			return bad("--ctl", arg, "expected a socket path");
		o->ctl_path = arg;
		return 0;
	case OPT_OFFLOAD: return parse_offload(arg, o);
	case OPT_CAPS: return parse_caps(arg, o);
	case OPT_SA_CAP:
		if (parse_u64(arg, 1u << 26, &v) || v == 0)
			return bad("--sa-capacity", arg, "expected 1..67108864");
		o->sa_capacity = (uint32_t)v;
		return 0;
	case OPT_REPLAY:
		if (parse_u64(arg, OV2_REPLAY_WINDOW_MAX, &v))
			return bad("--replay-window", arg, "expected 0..65536");
		o->replay_window = (uint32_t)v;
		return 0;
	case OPT_RXD:
	case OPT_TXD:
		if (parse_u64(arg, 16384, &v) || v < 64)
			return bad(c == OPT_RXD ? "--rxd" : "--txd", arg, "expected 64..16384");
		*(c == OPT_RXD ? &o->rxd : &o->txd) = (uint16_t)v;
		return 0;
	case OPT_MBUFS:
		if (parse_u64(arg, OV2RX_MBUFS_MAX, &v) || v < OV2RX_MBUFS_MIN)
			return bad("--mbufs", arg, "expected 256..16777216");
		o->mbufs = (uint32_t)v;
		return 0;
	default:
		return -1;
	}
}

static void
defaults(struct ov2rx_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->out = OV2RX_NO_PORT;
	o->errors = OV2RX_NO_PORT;
	o->sa_capacity = 65536;
	o->replay_window = OV2_REPLAY_WINDOW_DEFAULT;
	o->rxd = 1024;
	o->txd = 1024;
	memset(o->offload, OV2_OFFLOAD_AH_ESP, sizeof(o->offload));
}

/* Without --in: every port that is not an output. */
static int
default_in(struct ov2rx_opts *o)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p)
		if (p != o->out && p != o->errors)
			o->in[o->n_in++] = p;
	if (o->n_in == 0) {
		fprintf(stderr, "ov2rx: no input port (give --in, or create a port with --vdev)\n");
		return -1;
	}
	return 0;
}

int
ov2rx_parse_args(int argc, char **argv, struct ov2rx_opts *o)
{
	int c;

	defaults(o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			ov2rx_usage(argv[0]);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "ov2rx: unknown option or missing value: %s "
				"(see --help)\n", argv[optind - 1]);
			return -1;
		}
		if (parse_one(c, optarg, o) != 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "ov2rx: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->conf_path == NULL) {
		fprintf(stderr, "ov2rx: -f CONFIG is required (see --help)\n");
		return -1;
	}
	if (o->out != OV2RX_NO_PORT && o->out == o->errors) {
		fprintf(stderr, "ov2rx: --out and --errors must be different ports\n");
		return -1;
	}
	return o->n_in == 0 ? default_in(o) : 0;
}
