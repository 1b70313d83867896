/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ov2gen: writes a pcap of ESP traffic for the inbound SAs of an ov2rx
 * configuration (every ESP algorithm, ESN, UDP encapsulation; good packets,
 * chosen faults, cleartext, IKE and NAT keep-alives of UDP-encapsulated
 * SAs), the pcap of the frames ov2rx must deliver for it, and a JSON
 * manifest of the counters ov2rx should report.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "build.h"
#include "conf.h"
#include "status.h"

#define MAX_SPIS   1024
#define MAX_SIZES  64
#define MAX_FAULTS 64
#define MAX_COUNT  10000000u
#define CLEAR_KIND OV2_FAULT_COUNT	/* kind index of cleartext frames */
#define IKE_KIND   (OV2_FAULT_COUNT + 1)	/* IKE with the non-ESP marker */
#define NATKA_KIND (OV2_FAULT_COUNT + 2)	/* NAT keep-alive */
#define N_KINDS    (OV2_FAULT_COUNT + 3)

struct fault_req {
	enum ov2_build_fault kind;
	uint32_t n;
};

struct gen_opts {
	const char *conf_path;
	const char *out_path;
	const char *exp_path;
	const char *manifest_path;
	uint32_t spis[MAX_SPIS];
	unsigned int n_spis;
	uint32_t count;
	uint16_t sizes[MAX_SIZES];
	unsigned int n_sizes;
	uint8_t inner_family;
	uint64_t seq_start;
	int seq_start_set;	/* --seq-start given (else per SA: 1, or esn N + 1) */
	struct fault_req faults[MAX_FAULTS];
	unsigned int n_faults;
	uint32_t cleartext;
	uint32_t ike;		/* --ike: IKE packets and NAT keep-alives, each */
	int random_order;
	uint64_t seed;
};

struct gen_sa {
	const struct ov2_sa_conf *conf;
	struct ov2_crypto *crypto;
	uint64_t next_seq;
	uint32_t n_sent;	/* packets built for it (cycles the sizes) */
};

/* Packets, frames and deliveries of one kind (good, a fault, cleartext). */
struct kind_tally {
	uint64_t packets;
	uint64_t frames;
	uint64_t delivered;
};

/* What ov2rx should report: the manifest. */
struct tally {
	uint64_t frames;
	uint64_t delivered;
	uint64_t not_offloaded;
	uint64_t sw_processed;	/* ESP the consumer processes in software */
	uint64_t fragments;
	uint64_t reassembled;
	uint64_t frag_merged;
	uint64_t status[OV2_CRYPTO_STATUS_COUNT];
	uint64_t drops[OV2_DROP_COUNT];
	struct kind_tally kind[N_KINDS];
};

struct gen {
	struct gen_opts opt;
	struct ov2_conf conf;
	struct gen_sa *sa;
	unsigned int n_sa;
	struct ov2_crypto *crypto;
	pcap_t *dead;
	pcap_dumper_t *out;
	pcap_dumper_t *exp;
	uint8_t made_out;	/* output files this run created */
	uint8_t made_exp;
	uint8_t made_manifest;
	uint64_t n_written;
	uint32_t flow;
	struct tally t;
	uint8_t *frame[2];
	uint8_t *expf;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ov2gen -f CONFIG -o OUT.pcap [options]\n"
		"  -f, --config FILE       ov2rx configuration (its 'sa in' ESP SAs are used)\n"
		"  -o, --out FILE          pcap of the generated frames\n"
		"      --spi SPI           use only this inbound SA (repeatable)\n"
		"      --count N           good packets per SA (default 10)\n"
		"      --size N            IP size of the delivered packet (default 128)\n"
		"      --sizes A,B,...     cycle through these sizes\n"
		"      --inner-family 4|6  inner IP family of tunnel SAs (default: outer)\n"
		"      --seq-start N       first sequence number of every SA (default: 1, or\n"
		"                          N+1 for an SA with 'esn N', which the receiver\n"
		"                          counts as received); 64-bit for ESN SAs\n"
		"                          (the high half goes into the ICV, the low half on\n"
		"                          the wire), at most 2^32-1 for the others\n"
		"      --fault KIND[:N]    N (default 1) faulty packets, spread over the SAs\n"
		"                          (repeatable); KIND: bad-icv unknown-spi wrong-dst\n"
		"                          truncated ipv4-options fragment wrong-proto bad-pad\n"
		"                          bad-inner\n"
		"      --cleartext N       N cleartext UDP frames at the end\n"
		"      --ike N             N IKE packets (non-ESP marker, RFC 3948 2.2) and N\n"
		"                          NAT keep-alives (0xff, RFC 3948 2.3), spread over\n"
		"                          the selected udp-encap SAs, after the faults; the\n"
		"                          receiver delivers them unchanged\n"
		"      --random-order      shuffle the SAs' good packets (sequence numbers\n"
		"                          stay increasing per SA)\n"
		"      --seed S            seed of --random-order (default 1)\n"
		"      --expect FILE       pcap of the frames ov2rx must deliver, in order\n"
		"      --manifest FILE     JSON of the counters ov2rx should report\n"
		"  -h, --help              this text\n"
		"ESP for every algorithm of the config (AES-GCM, ChaCha20-Poly1305, AES-CBC,\n"
		"NULL cipher or (allow-deprecated) DES/3DES with an HMAC, AES-GMAC), with\n"
		"ESN for 'esn' SAs and UDP encapsulation (RFC 3948) for 'udp-encap' SAs.\n");
}

static int __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ov2gen: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* Whole-string unsigned number (decimal or 0x hex) in [min, max]. */
static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || *v < min || *v > max)
		return -1;
	return 0;
}

static int
parse_num(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	if (parse_u64(s, min, max, v) == 0)
		return 0;
	fprintf(stderr, "ov2gen: %s: bad number '%s' (expected %" PRIu64 "..%" PRIu64 ")\n",
		opt, s, min, max);
	return -1;
}

static int
parse_size(const char *s, uint16_t *size)
{
	uint64_t v;

	if (parse_u64(s, 0, UINT64_MAX, &v) < 0)
		return fail("bad size '%s'", s);
	if (v < 28)
		return fail("size '%s' too small (IPv4/UDP needs 28, IPv6/UDP 48)", s);
	if (v > OV2_BUILD_MAX_FRAME)
		return fail("size '%s' too large", s);
	*size = (uint16_t)v;
	return 0;
}

static int
parse_sizes(struct gen_opts *o, const char *list)
{
	char buf[1024], *tok, *save;

	if (strlen(list) >= sizeof(buf) || *list == '\0')
		return fail("--sizes: bad list '%s'", list);
	strcpy(buf, list);
	o->n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_sizes == MAX_SIZES)
			return fail("--sizes: more than 64 sizes in '%s'", list);
		if (parse_size(tok, &o->sizes[o->n_sizes++]) < 0)
			return -1;
	}
	if (o->n_sizes == 0)
		return fail("--sizes: bad list '%s'", list);
	return 0;
}

static int
parse_fault(struct gen_opts *o, const char *arg)
{
	char kind[64];
	const char *colon = strchr(arg, ':');
	size_t klen = colon ? (size_t)(colon - arg) : strlen(arg);
	enum ov2_build_fault f;
	uint64_t n = 1;

	if (klen >= sizeof(kind))
		return fail("unknown fault kind '%s'", arg);
	memcpy(kind, arg, klen);
	kind[klen] = '\0';
	f = ov2_build_fault_parse(kind);
	if (f == OV2_FAULT_COUNT || f == OV2_FAULT_NONE)
		return fail("unknown fault kind '%s' (see --help)", kind);
	if (colon && parse_num("--fault", colon + 1, 1, MAX_COUNT, &n) < 0)
		return -1;
	if (o->n_faults == MAX_FAULTS)
		return fail("too many --fault options");
	o->faults[o->n_faults].kind = f;
	o->faults[o->n_faults].n = (uint32_t)n;
	o->n_faults++;
	return 0;
}

enum {
	OPT_SPI = 256, OPT_COUNT, OPT_SIZE, OPT_SIZES, OPT_INNER, OPT_SEQ, OPT_FAULT,
	OPT_CLEAR, OPT_RANDOM, OPT_SEED, OPT_EXPECT, OPT_MANIFEST, OPT_IKE,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "out", required_argument, NULL, 'o' },
	{ "spi", required_argument, NULL, OPT_SPI },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sizes", required_argument, NULL, OPT_SIZES },
	{ "inner-family", required_argument, NULL, OPT_INNER },
	{ "seq-start", required_argument, NULL, OPT_SEQ },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "cleartext", required_argument, NULL, OPT_CLEAR },
	{ "ike", required_argument, NULL, OPT_IKE },
	{ "random-order", no_argument, NULL, OPT_RANDOM },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option; returns 0, 1 for --help, or -1. */
static int
parse_one(struct gen_opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'f': o->conf_path = arg; return 0;
	case 'o': o->out_path = arg; return 0;
	case 'h': return 1;
	case OPT_EXPECT: o->exp_path = arg; return 0;
	case OPT_MANIFEST: o->manifest_path = arg; return 0;
	case OPT_RANDOM: o->random_order = 1; return 0;
	case OPT_SIZE:
		o->n_sizes = 1;
		return parse_size(arg, &o->sizes[0]);
	case OPT_SIZES: return parse_sizes(o, arg);
	case OPT_FAULT: return parse_fault(o, arg);
	case OPT_SPI:
		if (o->n_spis == MAX_SPIS)
			return fail("too many --spi options");
		if (parse_num("--spi", arg, 0, UINT32_MAX, &v) < 0)
			return -1;
		o->spis[o->n_spis++] = (uint32_t)v;
		return 0;
	case OPT_COUNT:
		if (parse_num("--count", arg, 0, MAX_COUNT, &v) < 0)
			return -1;
		o->count = (uint32_t)v;
		return 0;
	case OPT_INNER:
		if (strcmp(arg, "4") && strcmp(arg, "6"))
			return fail("--inner-family: '%s' is not 4 or 6", arg);
		o->inner_family = (uint8_t)(arg[0] - '0');
		return 0;
	case OPT_SEQ:
		if (parse_num("--seq-start", arg, 0, UINT64_MAX - 2 * (uint64_t)MAX_COUNT, &v) < 0)
			return -1;
		o->seq_start = v;
		o->seq_start_set = 1;
		return 0;
	case OPT_CLEAR:
		if (parse_num("--cleartext", arg, 0, MAX_COUNT, &v) < 0)
			return -1;
		o->cleartext = (uint32_t)v;
		return 0;
	case OPT_IKE:
		if (parse_num("--ike", arg, 0, MAX_COUNT, &v) < 0)
			return -1;
		o->ike = (uint32_t)v;
		return 0;
	case OPT_SEED:
		return parse_num("--seed", arg, 0, UINT64_MAX, &o->seed);
	default:
		return -1;	/* getopt already said what is wrong */
	}
}

/* Returns 0 to go on, 1 to exit 0 (--help), -1 on error. */
static int
parse_args(struct gen_opts *o, int argc, char **argv)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->count = 10;
	o->sizes[0] = 128;
	o->n_sizes = 1;
	o->seq_start = 1;
	o->seed = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", long_opts, NULL)) != -1) {
		rc = parse_one(o, c, optarg);
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
		return fail("unexpected argument '%s'", argv[optind]);
	if (o->conf_path == NULL)
		return fail("missing -f CONFIG");
	if (o->out_path == NULL)
		return fail("missing -o OUT.pcap");
	return 0;
}

static int
spi_wanted(const struct gen_opts *o, uint32_t spi)
{
	unsigned int i;

	if (o->n_spis == 0)
		return 1;
	for (i = 0; i < o->n_spis; i++)
		if (o->spis[i] == spi)
			return 1;
	return 0;
}

static int
is_inbound_esp(const struct ov2_sa_conf *s)
{
	return s->dir == OV2_SA_IN && s->proto == OV2_IPPROTO_ESP;
}

static const struct ov2_sa_conf *
find_inbound(const struct ov2_conf *conf, uint32_t spi)
{
	uint32_t i;

	for (i = 0; i < conf->n_sa; i++)
		if (is_inbound_esp(&conf->sa[i]) && conf->sa[i].spi == spi)
			return &conf->sa[i];
	return NULL;
}

static int
check_spis(const struct gen *g)
{
	unsigned int i;

	for (i = 0; i < g->opt.n_spis; i++)
		if (find_inbound(&g->conf, g->opt.spis[i]) == NULL)
			return fail("--spi %" PRIu32 ": no inbound ESP SA has this SPI",
				    g->opt.spis[i]);
	return 0;
}

/* Index of the first selected UDP-encapsulated SA at or after si (cyclic),
 * -1 if there is none. */
static int
udp_sa(const struct gen *g, unsigned int si)
{
	unsigned int k;

	for (k = 0; k < g->n_sa; k++) {
		unsigned int i = (si + k) % g->n_sa;

		if (g->sa[i].conf->flags & OV2_SA_F_UDP_ENCAP)
			return (int)i;
	}
	return -1;
}

/* Load the config, select the SAs, expand their keys. */
static int
setup_sas(struct gen *g)
{
	char err[256];
	uint32_t i;

	if (ov2_conf_load(g->opt.conf_path, &g->conf, err, sizeof(err)) < 0)
		return fail("%s", err);
	if (check_spis(g) < 0)
		return -1;
	g->sa = calloc(g->conf.n_sa + 1, sizeof(*g->sa));
	g->crypto = aligned_alloc(64, (g->conf.n_sa + 1) * sizeof(*g->crypto));
	if (g->sa == NULL || g->crypto == NULL)
		return fail("out of memory");
	for (i = 0; i < g->conf.n_sa; i++) {
		const struct ov2_sa_conf *s = &g->conf.sa[i];
		struct gen_sa *gs = &g->sa[g->n_sa];

		if (!is_inbound_esp(s) || !spi_wanted(&g->opt, s->spi))
			continue;
		gs->conf = s;
		gs->crypto = &g->crypto[g->n_sa];
		gs->next_seq = g->opt.seq_start;
		/* the receiver counts 'esn N' as received: start after it */
		if (!g->opt.seq_start_set && (s->flags & OV2_SA_F_ESN)) {
			if (s->esn_start > UINT64_MAX - 2 * (uint64_t)MAX_COUNT - 1)
				return fail("SA %" PRIu32 " (line %" PRIu32 "): esn %" PRIu64
					    " leaves no room for packets after it (give "
					    "--seq-start)", s->spi, s->line, s->esn_start);
			gs->next_seq = s->esn_start + 1;
		}
		g->n_sa++;
		if (ov2_crypto_init(gs->crypto, s, err, sizeof(err)) < 0)
			return fail("%s", err);
	}
	if (g->n_sa == 0)
		return fail("%s: no inbound ESP SA ('sa in ...')", g->opt.conf_path);
	if (g->opt.ike && udp_sa(g, 0) < 0)
		return fail("--ike: none of the selected SAs has udp-encap");
	return 0;
}

static uint8_t
outer_family(const struct ov2_sa_conf *s)
{
	if (s->mode == OV2_MODE_TUNNEL4)
		return 4;
	if (s->mode == OV2_MODE_TUNNEL6)
		return 6;
	return s->dst.family ? s->dst.family : s->src.family ? s->src.family : 4;
}

static int
fault_applies(const struct ov2_sa_conf *s, enum ov2_build_fault f)
{
	switch (f) {
	case OV2_FAULT_IPV4_OPTIONS: return outer_family(s) == 4;
	case OV2_FAULT_BAD_INNER: return s->mode != OV2_MODE_TRANSPORT;
	case OV2_FAULT_WRONG_DST:
		return s->mode != OV2_MODE_TRANSPORT || s->dst.family != 0;
	default: return 1;
	}
}

/* Record the outcome ov2rx should give a packet of kind k on SA s. */
static void
tally_outcome(struct tally *t, const struct ov2_sa_conf *s, unsigned int k)
{
	int tunnel = s != NULL && s->mode != OV2_MODE_TRANSPORT;

	switch (k) {
	case OV2_FAULT_NONE:
		t->frames++, t->status[OV2_CRYPTO_SUCCESS]++, t->delivered++;
		return;
	case OV2_FAULT_BAD_ICV:
		t->frames++;
		t->status[tunnel ? OV2_CRYPTO_TUNNEL_ESP_AUTH_FAILED :
			  OV2_CRYPTO_TRANSPORT_ESP_AUTH_FAILED]++;
		t->drops[tunnel ? OV2_DROP_TUNNEL_ESP_AUTH_FAILED :
			 OV2_DROP_TRANSPORT_ESP_AUTH_FAILED]++;
		return;
	case OV2_FAULT_UNKNOWN_SPI:
	case OV2_FAULT_WRONG_DST:
		t->frames++, t->not_offloaded++, t->drops[OV2_DROP_NO_SA]++;
		return;
	case OV2_FAULT_TRUNCATED:
		t->frames++, t->status[OV2_CRYPTO_INVALID_PACKET_SYNTAX]++;
		t->drops[OV2_DROP_INVALID_PACKET_SYNTAX]++;
		return;
	case OV2_FAULT_IPV4_OPTIONS:
		/* the NIC side does not take options: the consumer's software
		 * path decrypts it (CryptoDone and a status like any other) */
		t->frames++, t->not_offloaded++, t->sw_processed++;
		t->status[OV2_CRYPTO_SUCCESS]++, t->delivered++;
		return;
	case OV2_FAULT_FRAGMENT:
		/* both fragments come without OOB; the second completes the
		 * packet, which the software path decrypts; the first is
		 * merged into it */
		t->frames += 2, t->not_offloaded += 2, t->fragments += 2;
		t->reassembled++, t->frag_merged++, t->sw_processed++;
		t->status[OV2_CRYPTO_SUCCESS]++, t->delivered++;
		return;
	case OV2_FAULT_WRONG_PROTO:
		t->frames++, t->status[OV2_CRYPTO_INVALID_PROTOCOL]++;
		t->drops[OV2_DROP_INVALID_PROTOCOL]++;
		return;
	case OV2_FAULT_BAD_PAD:
		t->frames++, t->status[OV2_CRYPTO_SUCCESS]++, t->drops[OV2_DROP_BAD_PADDING]++;
		return;
	case OV2_FAULT_BAD_INNER:
		t->frames++, t->status[OV2_CRYPTO_SUCCESS]++, t->drops[OV2_DROP_BAD_INNER]++;
		return;
	default:	/* cleartext, IKE, NAT keep-alive: delivered unchanged */
		t->frames++, t->not_offloaded++, t->delivered++;
		return;
	}
}

static void
tally_add(struct tally *t, const struct ov2_sa_conf *s, unsigned int k)
{
	uint64_t frames = t->frames, delivered = t->delivered;

	tally_outcome(t, s, k);
	t->kind[k].packets++;
	t->kind[k].frames += t->frames - frames;
	t->kind[k].delivered += t->delivered - delivered;
}

static void
dump(pcap_dumper_t *d, uint64_t i, const uint8_t *data, size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = 1700000000 + (long)(i / 1000000);
	h.ts.tv_usec = (long)(i % 1000000);
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, data);
}

/* An SPI that no inbound SA of the whole configuration uses. */
static uint32_t
unused_spi(const struct ov2_conf *conf, uint32_t spi)
{
	uint32_t cand = spi ^ 0x5a5a0000, k = 0;

	while (find_inbound(conf, cand) != NULL || cand == 0)
		cand = spi ^ 0x5a5a0000 ^ ++k;
	return cand;
}

static uint16_t
size_for(const struct gen *g, uint32_t i)
{
	return g->opt.sizes[i % g->opt.n_sizes];
}

/* Build one ESP packet of kind f on SA index si and write it (and its
 * expected frame). dry: only check that it can be built. */
static int
emit_esp(struct gen *g, unsigned int si, enum ov2_build_fault f, int dry)
{
	struct gen_sa *gs = &g->sa[si];
	struct ov2_build_opts bo = {
		.size = size_for(g, gs->n_sent),
		.inner_family = g->opt.inner_family,
		.seq = gs->next_seq,
		.flow = ++g->flow,
		.fault = f,
	};
	size_t len[2], exp_len = 0;
	char err[256];
	int n, i;

	/* UNKNOWN_SPI: an SPI on the wire that belongs to no SA */
	if (f == OV2_FAULT_UNKNOWN_SPI)
		bo.wire_spi = unused_spi(&g->conf, gs->conf->spi);
	n = ov2_build_esp(gs->conf, gs->crypto, &bo, g->frame, len, g->expf, &exp_len,
			  err, sizeof(err));
	if (n < 0)
		return fail("SA %" PRIu32 " (line %" PRIu32 "), %s: %s", gs->conf->spi,
			    gs->conf->line,
			    f == OV2_FAULT_NONE ? "good packet" : ov2_build_fault_name(f), err);
	if (dry)
		return 0;
	gs->next_seq++;
	gs->n_sent++;
	for (i = 0; i < n; i++)
		dump(g->out, g->n_written++, g->frame[i], len[i]);
	if (g->exp != NULL && exp_len > 0)
		dump(g->exp, g->t.delivered, g->expf, exp_len);
	tally_add(&g->t, gs->conf, f);
	return 0;
}

static int
emit_clear(struct gen *g, uint32_t i, int dry)
{
	uint16_t size = size_for(g, i);
	uint8_t family = (i % 2 == 1 && size >= 48) ? 6 : 4;
	size_t len = ov2_build_clear(family, size, ++g->flow, g->frame[0]);

	if (len == 0)
		return fail("cleartext size %u not possible", size);
	if (dry)
		return 0;
	dump(g->out, g->n_written++, g->frame[0], len);
	if (g->exp != NULL)
		dump(g->exp, g->t.delivered, g->frame[0], len);
	tally_add(&g->t, NULL, CLEAR_KIND);
	return 0;
}

/* The i-th --ike packet: IKE (kind IKE_KIND) or NAT keep-alive (NATKA_KIND)
 * on UDP-encapsulated SA si. */
static int
emit_nonesp(struct gen *g, unsigned int si, unsigned int kind, int dry)
{
	const struct ov2_sa_conf *s = g->sa[si].conf;
	char err[256];
	size_t len = ov2_build_nonesp(s, kind == NATKA_KIND, ++g->flow, g->frame[0], err,
				      sizeof(err));

	if (len == 0)
		return fail("SA %" PRIu32 " (line %" PRIu32 "), %s: %s", s->spi, s->line,
			    kind == IKE_KIND ? "IKE" : "NAT keep-alive", err);
	if (dry)
		return 0;
	dump(g->out, g->n_written++, g->frame[0], len);
	if (g->exp != NULL)
		dump(g->exp, g->t.delivered, g->frame[0], len);
	tally_add(&g->t, NULL, kind);
	return 0;
}

/* --ike N: IKE, keep-alive, IKE, ... (N of each), round-robin over the
 * selected UDP-encapsulated SAs. */
static int
emit_ike(struct gen *g, int dry)
{
	unsigned int si = 0;
	uint32_t k;
	int i;

	for (k = 0; k < g->opt.ike; k++) {
		i = udp_sa(g, si);
		if (i < 0)
			return fail("--ike: none of the selected SAs has udp-encap");
		if (emit_nonesp(g, (unsigned int)i, IKE_KIND, dry) < 0 ||
		    emit_nonesp(g, (unsigned int)i, NATKA_KIND, dry) < 0)
			return -1;
		if (dry)
			return 0;
		si = (unsigned int)i + 1;
	}
	return 0;
}

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The SA index of every good packet, round-robin or shuffled. */
static uint32_t *
good_order(const struct gen *g, uint64_t *n)
{
	uint64_t i, j, s = g->opt.seed;
	uint32_t *ord, tmp;

	*n = (uint64_t)g->opt.count * g->n_sa;
	ord = malloc((*n + 1) * sizeof(*ord));
	if (ord == NULL)
		return NULL;
	for (i = 0; i < *n; i++)
		ord[i] = (uint32_t)(i % g->n_sa);
	if (!g->opt.random_order)
		return ord;
	for (i = *n; i > 1; i--) {
		j = splitmix64(&s) % i;
		tmp = ord[i - 1];
		ord[i - 1] = ord[j];
		ord[j] = tmp;
	}
	return ord;
}

static int
emit_good(struct gen *g)
{
	uint32_t *ord;
	uint64_t i, n;
	int rc = 0;

	ord = good_order(g, &n);
	if (ord == NULL)
		return fail("out of memory");
	for (i = 0; i < n && rc == 0; i++)
		rc = emit_esp(g, ord[i], OV2_FAULT_NONE, 0);
	free(ord);
	return rc;
}

/* N packets of fault f, round-robin over the SAs it applies to. */
static int
emit_fault(struct gen *g, const struct fault_req *fr)
{
	unsigned int si = 0;
	uint32_t k;

	for (k = 0; k < fr->n; k++) {
		while (!fault_applies(g->sa[si].conf, fr->kind))
			si = (si + 1) % g->n_sa;
		if (emit_esp(g, si, fr->kind, 0) < 0)
			return -1;
		si = (si + 1) % g->n_sa;
	}
	return 0;
}

/* Can every selected SA build kind f in every size? */
static int
dry_run_kind(struct gen *g, enum ov2_build_fault f)
{
	unsigned int si, z, applies = 0;

	for (si = 0; si < g->n_sa; si++) {
		if (!fault_applies(g->sa[si].conf, f))
			continue;
		applies++;
		for (z = 0; z < g->opt.n_sizes; z++) {
			g->sa[si].n_sent = z;
			if (emit_esp(g, si, f, 1) < 0)
				return -1;
		}
		g->sa[si].n_sent = 0;
	}
	if (applies == 0)
		return fail("fault %s applies to none of the selected SAs",
			    ov2_build_fault_name(f));
	return 0;
}

/* Check every SA x size x kind combination before writing anything. */
static int
dry_run(struct gen *g)
{
	uint32_t flow = g->flow, i;

	if (g->opt.count && dry_run_kind(g, OV2_FAULT_NONE) < 0)
		return -1;
	for (i = 0; i < g->opt.n_faults; i++)
		if (dry_run_kind(g, g->opt.faults[i].kind) < 0)
			return -1;
	for (i = 0; i < g->opt.cleartext && i < 2 * g->opt.n_sizes; i++)
		if (emit_clear(g, i, 1) < 0)
			return -1;
	if (emit_ike(g, 1) < 0)
		return -1;
	g->flow = flow;
	return 0;
}

static int
open_outputs(struct gen *g)
{
	g->dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (g->dead == NULL)
		return fail("pcap_open_dead failed");
	g->out = pcap_dump_open(g->dead, g->opt.out_path);
	if (g->out == NULL)
		return fail("%s", pcap_geterr(g->dead));
	g->made_out = 1;
	if (g->opt.exp_path == NULL)
		return 0;
	g->exp = pcap_dump_open(g->dead, g->opt.exp_path);
	if (g->exp == NULL)
		return fail("%s", pcap_geterr(g->dead));
	g->made_exp = 1;
	return 0;
}

static int
close_outputs(struct gen *g)
{
	int rc = 0;

	if (g->out != NULL && (pcap_dump_flush(g->out) != 0))
		rc = fail("%s: write failed", g->opt.out_path);
	if (g->exp != NULL && (pcap_dump_flush(g->exp) != 0))
		rc = fail("%s: write failed", g->opt.exp_path);
	if (g->out != NULL)
		pcap_dump_close(g->out);
	if (g->exp != NULL)
		pcap_dump_close(g->exp);
	if (g->dead != NULL)
		pcap_close(g->dead);
	g->out = g->exp = NULL;
	g->dead = NULL;
	return rc;
}

static void
json_map(FILE *f, const char *key, const uint64_t *v,
	 const char *(*name)(unsigned int), unsigned int n)
{
	const char *sep = "";
	unsigned int i;

	fprintf(f, "  \"%s\": {", key);
	for (i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, sep, name(i), v[i]);
		sep = ", ";
	}
	fprintf(f, "}");
}

/* "good", a fault's name, "cleartext", "ike", "nat-keepalive" */
static const char *
kind_name(unsigned int k)
{
	return k == OV2_FAULT_NONE ? "good" : k == CLEAR_KIND ? "cleartext" :
	       k == IKE_KIND ? "ike" : k == NATKA_KIND ? "nat-keepalive" :
	       ov2_build_fault_name((enum ov2_build_fault)k);
}

/* Per kind generated: packets, frames (a fragmented packet is 2), delivered. */
static void
json_kinds(FILE *f, const struct tally *t)
{
	const char *sep = "";
	unsigned int k;

	fprintf(f, "  \"kinds\": {");
	for (k = 0; k < N_KINDS; k++) {
		if (t->kind[k].packets == 0)
			continue;
		fprintf(f, "%s\n    \"%s\": {\"packets\": %" PRIu64 ", \"frames\": %" PRIu64
			", \"delivered\": %" PRIu64 "}", sep, kind_name(k), t->kind[k].packets,
			t->kind[k].frames, t->kind[k].delivered);
		sep = ",";
	}
	fprintf(f, "%s}", *sep ? "\n  " : "");
}

static int
write_manifest(struct gen *g)
{
	const struct tally *t = &g->t;
	FILE *f = fopen(g->opt.manifest_path, "w");

	if (f == NULL)
		return fail("%s: cannot create: %s", g->opt.manifest_path, strerror(errno));
	g->made_manifest = 1;
	fprintf(f, "{\n  \"frames\": %" PRIu64 ",\n  \"delivered\": %" PRIu64 ",\n",
		t->frames, t->delivered);
	json_map(f, "crypto_status", t->status, ov2_crypto_status_name, OV2_CRYPTO_STATUS_COUNT);
	fprintf(f, ",\n  \"not_offloaded\": %" PRIu64 ",\n", t->not_offloaded);
	fprintf(f, "  \"sw_processed\": %" PRIu64 ",\n", t->sw_processed);
	fprintf(f, "  \"fragments\": %" PRIu64 ",\n", t->fragments);
	fprintf(f, "  \"reassembled\": %" PRIu64 ",\n", t->reassembled);
	fprintf(f, "  \"frag_merged\": %" PRIu64 ",\n", t->frag_merged);
	fprintf(f, "  \"frag_held\": 0,\n");
	json_map(f, "drops", t->drops, ov2_drop_name, OV2_DROP_COUNT);
	fprintf(f, ",\n");
	json_kinds(f, t);
	fprintf(f, "\n}\n");
	if (fclose(f) != 0)
		return fail("%s: write failed", g->opt.manifest_path);
	return 0;
}

static void
print_summary(const struct gen *g)
{
	unsigned int k;

	printf("ov2gen: %" PRIu64 " frames to %s from %u SA(s): good %" PRIu64,
	       g->t.frames, g->opt.out_path, g->n_sa, g->t.kind[OV2_FAULT_NONE].packets);
	for (k = 1; k < OV2_FAULT_COUNT; k++)
		if (g->t.kind[k].packets)
			printf(", %s %" PRIu64, ov2_build_fault_name(k), g->t.kind[k].packets);
	printf(", cleartext %" PRIu64, g->t.kind[CLEAR_KIND].packets);
	if (g->opt.ike)
		printf(", ike %" PRIu64 ", nat-keepalive %" PRIu64,
		       g->t.kind[IKE_KIND].packets, g->t.kind[NATKA_KIND].packets);
	printf("; %" PRIu64 " to deliver\n", g->t.delivered);
}

static int
generate(struct gen *g)
{
	unsigned int i;
	uint32_t c;

	if (emit_good(g) < 0)
		return -1;
	for (i = 0; i < g->opt.n_faults; i++)
		if (emit_fault(g, &g->opt.faults[i]) < 0)
			return -1;
	if (emit_ike(g, 0) < 0)
		return -1;
	for (c = 0; c < g->opt.cleartext; c++)
		if (emit_clear(g, c, 0) < 0)
			return -1;
	return 0;
}

static int
run(struct gen *g)
{
	int rc;

	if (setup_sas(g) < 0 || dry_run(g) < 0 || open_outputs(g) < 0)
		return -1;
	rc = generate(g);
	if (close_outputs(g) < 0)
		rc = -1;
	if (rc == 0 && g->opt.manifest_path != NULL)
		rc = write_manifest(g);
	if (rc == 0)
		print_summary(g);
	return rc;
}

static void
cleanup(struct gen *g, int failed)
{
	unsigned int i;

	close_outputs(g);
	for (i = 0; i < g->n_sa; i++)
		ov2_crypto_wipe(g->sa[i].crypto);
	free(g->crypto);
	free(g->sa);
	free(g->frame[0]);
	free(g->frame[1]);
	free(g->expf);
	ov2_conf_free(&g->conf);
	if (!failed)
		return;
	if (g->made_out)
		unlink(g->opt.out_path);
	if (g->made_exp)
		unlink(g->opt.exp_path);
	if (g->made_manifest)
		unlink(g->opt.manifest_path);
}

int
main(int argc, char **argv)
{
	struct gen g;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = parse_args(&g.opt, argc, argv);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "ov2gen: try 'ov2gen --help'\n");
		return 2;
	}
	g.frame[0] = malloc(OV2_BUILD_MAX_FRAME);
	g.frame[1] = malloc(OV2_BUILD_MAX_FRAME);
	g.expf = malloc(OV2_BUILD_MAX_FRAME);
	if (g.frame[0] == NULL || g.frame[1] == NULL || g.expf == NULL) {
		fprintf(stderr, "ov2gen: out of memory\n");
		cleanup(&g, 0);
		return 1;
	}
	rc = run(&g);
	cleanup(&g, rc < 0);
	return rc < 0 ? 1 : 0;
}
