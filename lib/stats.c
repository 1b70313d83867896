/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include "stats.h"

static const char *const status_names[] = {
#define X(id, val, name) [val] = name,
	OV2_CRYPTO_STATUS_LIST(X)
#undef X
};

static const char *const drop_names[] = {
#define X(id, name, desc) [OV2_DROP_##id] = name,
	OV2_DROP_REASON_LIST(X)
#undef X
};

static const char *const drop_descs[] = {
#define X(id, name, desc) [OV2_DROP_##id] = desc,
	OV2_DROP_REASON_LIST(X)
#undef X
};

const char *
ov2_crypto_status_name(unsigned int status)
{
	return status < OV2_CRYPTO_STATUS_COUNT ? status_names[status] : "CRYPTO_UNKNOWN";
}

const char *
ov2_drop_name(unsigned int reason)
{
	return reason < OV2_DROP_COUNT ? drop_names[reason] : "unknown";
}

const char *
ov2_drop_desc(unsigned int reason)
{
	return reason < OV2_DROP_COUNT ? drop_descs[reason] : "unknown";
}

void
ov2_stats_add(struct ov2_stats *sum, const struct ov2_stats *s)
{
	unsigned int i;

	sum->rx_packets += s->rx_packets;
	sum->rx_bytes += s->rx_bytes;
	sum->delivered += s->delivered;
	sum->delivered_bytes += s->delivered_bytes;
	sum->not_offloaded += s->not_offloaded;
	sum->next_crypto_done += s->next_crypto_done;
	sum->sw_processed += s->sw_processed;
	sum->handed_off += s->handed_off;
	sum->fragments += s->fragments;
	sum->reassembled += s->reassembled;
	sum->frag_merged += s->frag_merged;
	sum->frag_held += s->frag_held;
	sum->sa_deleted += s->sa_deleted;
	sum->pair_deleted += s->pair_deleted;
	sum->soft_expired += s->soft_expired;
	for (i = 0; i < OV2_CRYPTO_STATUS_COUNT; i++)
		sum->crypto_status[i] += s->crypto_status[i];
	for (i = 0; i < OV2_DROP_COUNT; i++)
		sum->drops[i] += s->drops[i];
}

static uint64_t
sum(const uint64_t *v, unsigned int n)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += v[i];
	return t;
}

uint64_t
ov2_stats_drops_total(const struct ov2_stats *s)
{
	return sum(s->drops, OV2_DROP_COUNT);
}

static uint64_t
crypto_done(const struct ov2_stats *s)
{
	return sum(s->crypto_status, OV2_CRYPTO_STATUS_COUNT);
}

void
ov2_stats_print(FILE *f, const struct ov2_stats *s, double elapsed_s, double active_s)
{
	double mpps = active_s > 0 ? (double)s->rx_packets / active_s / 1e6 : 0;
	double gbps = active_s > 0 ? (double)s->rx_bytes * 8 / active_s / 1e9 : 0;
	unsigned int i;

	fprintf(f, "received       %12" PRIu64 " packets in %.3f s; traffic for %.3f s: "
		"%.3f Mpps, %.3f Gbit/s\n", s->rx_packets, elapsed_s, active_s, mpps, gbps);
	fprintf(f, "crypto done    %12" PRIu64 "   by CryptoStatus:\n", crypto_done(s));
	for (i = 0; i < OV2_CRYPTO_STATUS_COUNT; i++)
		fprintf(f, "  %-34s %12" PRIu64 "\n", status_names[i], s->crypto_status[i]);
	fprintf(f, "  NextCryptoDone %10" PRIu64 "   (a transport SA nested in a tunnel SA, "
		"both checked)\n", s->next_crypto_done);
	fprintf(f, "not offloaded  %12" PRIu64 "   (no OOB: cleartext, no SA, not processable)\n",
		s->not_offloaded);
	fprintf(f, "  software     %12" PRIu64 "   (processed by the consumer: IPv4 options, "
		"reassembled, offload off)\n", s->sw_processed);
	if (s->fragments != 0)
		fprintf(f, "fragments      %12" PRIu64 "   reassembled into %" PRIu64 " packets; "
			"merged %" PRIu64 ", waiting %" PRIu64 "\n", s->fragments,
			s->reassembled, s->frag_merged, s->frag_held);
	fprintf(f, "SA events      %12" PRIu64 " deleted after SaDeleteReq (%" PRIu64
		" paired outbound), %" PRIu64 " soft lifetime\n", s->sa_deleted,
		s->pair_deleted, s->soft_expired);
	if (s->handed_off != 0)
		fprintf(f, "handed off     %12" PRIu64 "   (to the lcore that owns their SA)\n",
			s->handed_off);
	fprintf(f, "delivered      %12" PRIu64 "\n", s->delivered);
	fprintf(f, "dropped        %12" PRIu64 "\n", ov2_stats_drops_total(s));
	for (i = 0; i < OV2_DROP_COUNT; i++)
		if (s->drops[i] != 0)
			fprintf(f, "  %-26s %10" PRIu64 "   %s\n", drop_names[i],
				s->drops[i], drop_descs[i]);
}

void
ov2_stats_json(FILE *f, const struct ov2_stats *s, double elapsed_s, double active_s,
	       const char *ind)
{
	unsigned int i;

	fprintf(f, "%s\"rx_packets\": %" PRIu64 ",\n", ind, s->rx_packets);
	fprintf(f, "%s\"rx_bytes\": %" PRIu64 ",\n", ind, s->rx_bytes);
	fprintf(f, "%s\"delivered\": %" PRIu64 ",\n", ind, s->delivered);
	fprintf(f, "%s\"delivered_bytes\": %" PRIu64 ",\n", ind, s->delivered_bytes);
	fprintf(f, "%s\"elapsed_s\": %.6f,\n", ind, elapsed_s);
	fprintf(f, "%s\"active_s\": %.6f,\n", ind, active_s);
	fprintf(f, "%s\"crypto_done\": %" PRIu64 ",\n", ind, crypto_done(s));
	fprintf(f, "%s\"crypto_status\": {", ind);
	for (i = 0; i < OV2_CRYPTO_STATUS_COUNT; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", status_names[i],
			s->crypto_status[i]);
	fprintf(f, "},\n%s\"not_offloaded\": %" PRIu64 ",\n", ind, s->not_offloaded);
	fprintf(f, "%s\"next_crypto_done\": %" PRIu64 ",\n", ind, s->next_crypto_done);
	fprintf(f, "%s\"sw_processed\": %" PRIu64 ",\n", ind, s->sw_processed);
	fprintf(f, "%s\"handed_off\": %" PRIu64 ",\n", ind, s->handed_off);
	fprintf(f, "%s\"fragments\": %" PRIu64 ",\n", ind, s->fragments);
	fprintf(f, "%s\"reassembled\": %" PRIu64 ",\n", ind, s->reassembled);
	fprintf(f, "%s\"frag_merged\": %" PRIu64 ",\n", ind, s->frag_merged);
	fprintf(f, "%s\"frag_held\": %" PRIu64 ",\n", ind, s->frag_held);
	fprintf(f, "%s\"sa_deleted\": %" PRIu64 ",\n", ind, s->sa_deleted);
	fprintf(f, "%s\"pair_deleted\": %" PRIu64 ",\n", ind, s->pair_deleted);
	fprintf(f, "%s\"soft_expired\": %" PRIu64 ",\n", ind, s->soft_expired);
	fprintf(f, "%s\"drops_total\": %" PRIu64 ",\n", ind, ov2_stats_drops_total(s));
	fprintf(f, "%s\"drops\": {", ind);
	for (i = 0; i < OV2_DROP_COUNT; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", drop_names[i], s->drops[i]);
	fprintf(f, "}");
}
