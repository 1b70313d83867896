/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry commands (dpdk-telemetry.py, or the socket
 * dpdk/rte/dpdk_telemetry.v2 under the EAL runtime directory):
 *   /ov2/stats             counters summed over the lcores (as --stats-json,
 *                          without the per-SA and per-port lists)
 *   /ov2/sa/list[,SPI]     SPIs of the inbound SAs, ascending, from SPI on,
 *                          at most TEL_LIST_MAX (telemetry's array limit)
 *   /ov2/sa/info,SPI[,DST] one SA: addresses, algorithms, state, counters
 *   /ov2/caps              every input port's OV2 enable setting and
 *                          capabilities (NDIS_IPSEC_OFFLOAD_V2 values)
 * Handlers run on the telemetry thread under the control lock. Never key
 * material.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include "caps.h"
#include "conf.h"
#include "ctl.h"
#include "ov2rx.h"
#include "sad.h"
#include "shim.h"
#include "spd.h"

#define TEL_LIST_MAX 500

static struct rte_tel_data *
u64_dict(const uint64_t *v, unsigned int n, const char *(*name)(unsigned int), int nonzero)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	unsigned int i;

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	for (i = 0; i < n; i++)
		if (!nonzero || v[i] != 0)
			rte_tel_data_add_dict_u64(d, name(i), v[i]);
	return d;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *cs, *dr;
	struct ov2_stats s;
	double elapsed, active;

	(void)cmd;
	(void)params;
	ov2rx_ctl_lock();
	if (ov2rx.sad == NULL) {
		ov2rx_ctl_unlock();
		return -EAGAIN;		/* ov2rx is exiting */
	}
	ov2rx_report_sum(&s, &elapsed, &active);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", s.rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "delivered", s.delivered);
	rte_tel_data_add_dict_u64(d, "delivered_bytes", s.delivered_bytes);
	rte_tel_data_add_dict_u64(d, "elapsed_ms", (uint64_t)(elapsed * 1000));
	rte_tel_data_add_dict_u64(d, "not_offloaded", s.not_offloaded);
	rte_tel_data_add_dict_u64(d, "next_crypto_done", s.next_crypto_done);
	rte_tel_data_add_dict_u64(d, "sw_processed", s.sw_processed);
	rte_tel_data_add_dict_u64(d, "fragments", s.fragments);
	rte_tel_data_add_dict_u64(d, "reassembled", s.reassembled);
	rte_tel_data_add_dict_u64(d, "sa_deleted", s.sa_deleted);
	rte_tel_data_add_dict_u64(d, "pair_deleted", s.pair_deleted);
	rte_tel_data_add_dict_u64(d, "soft_expired", s.soft_expired);
	rte_tel_data_add_dict_u64(d, "drops_total", ov2_stats_drops_total(&s));
	rte_tel_data_add_dict_u64(d, "sa_count", ov2_sad_count(ov2rx.sad));
	rte_tel_data_add_dict_u64(d, "out_sa_count", ov2_sad_out_count(ov2rx.sad));
	rte_tel_data_add_dict_u64(d, "sa_capacity", ov2_sad_capacity(ov2rx.sad));
	rte_tel_data_add_dict_u64(d, "sa_pending_reclaim", ov2_sad_pending(ov2rx.sad));
	rte_tel_data_add_dict_u64(d, "policy_rules", ov2_spd_count(ov2rx.spd));
	rte_tel_data_add_dict_u64(d, "lcores", ov2rx.n_active);
	cs = u64_dict(s.crypto_status, OV2_CRYPTO_STATUS_COUNT, ov2_crypto_status_name, 0);
	dr = u64_dict(s.drops, OV2_DROP_COUNT, ov2_drop_name, 0);
	ov2rx_ctl_unlock();
	if (cs == NULL || dr == NULL) {
		rte_tel_data_free(cs);
		rte_tel_data_free(dr);
		return -ENOMEM;
	}
	rte_tel_data_add_dict_container(d, "crypto_status", cs, 0);
	rte_tel_data_add_dict_container(d, "drops", dr, 0);
	return 0;
}

struct spi_walk {
	uint32_t from;
	uint32_t *v;
	size_t n, cap;
};

static int
spi_collect(struct ov2_sa *sa, void *arg)
{
	struct spi_walk *w = arg;

	if (sa->conf.spi < w->from)
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		uint32_t *v = realloc(w->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = sa->conf.spi;
	return 0;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Parse "SPI" or "SPI,DST" of a command's parameters. */
static int
parse_params(const char *params, uint32_t *spi, struct ov2_addr *dst)
{
	char buf[96], *comma, *end;
	unsigned long v;

	if (params == NULL || params[0] == '\0' || strlen(params) >= sizeof(buf))
		return -1;
	strcpy(buf, params);
	comma = strchr(buf, ',');
	if (comma != NULL)
		*comma++ = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno != 0 || end == buf || *end != '\0' || v > UINT32_MAX || buf[0] == '-')
		return -1;
	*spi = (uint32_t)v;
	memset(dst, 0, sizeof(*dst));
	if (comma == NULL)
		return 0;
	if (inet_pton(AF_INET, comma, dst->a) == 1)
		dst->family = 4;
	else if (inet_pton(AF_INET6, comma, dst->a) == 1)
		dst->family = 6;
	else
		return -1;
	return 0;
}

static int
tel_sa_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct spi_walk w = { 0 };
	struct ov2_addr unused;
	size_t i;

	(void)cmd;
	if (params != NULL && params[0] != '\0' &&
	    (parse_params(params, &w.from, &unused) != 0 || unused.family != 0))
		return -EINVAL;
	ov2rx_ctl_lock();
	if (ov2rx.sad != NULL)
		ov2_sad_foreach(ov2rx.sad, spi_collect, &w);
	ov2rx_ctl_unlock();
	qsort(w.v, w.n, sizeof(*w.v), u32_cmp);
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (i = 0; i < w.n && i < TEL_LIST_MAX; i++)
		rte_tel_data_add_array_u64(d, w.v[i]);
	free(w.v);
	return 0;
}

struct info_find {
	uint32_t spi;
	const struct ov2_addr *dst;
	struct ov2_sa *sa;
	unsigned int n;
};

static int
info_match(struct ov2_sa *sa, void *arg)
{
	struct info_find *f = arg;

	if (sa->conf.spi != f->spi ||
	    (f->dst->family != 0 && memcmp(&sa->conf.dst, f->dst, sizeof(*f->dst)) != 0))
		return 0;
	f->sa = sa;
	f->n++;
	return 0;
}

static void
sa_info(struct rte_tel_data *d, const struct ov2_sa *sa)
{
	char line[256], dst[64], src[64], *algos;
	struct ov2_sa_record r;
	struct rte_tel_data *dr;

	ov2_sa_record_of(sa, 0, &r);
	/* "sa list" names the algorithms; keep the words after the mode */
	ov2_ctl_sa_line(&sa->conf, line, sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	algos = strstr(line, sa->conf.aead ? "aead_algo" :
		       sa->conf.proto == OV2_IPPROTO_AH ? "auth_algo" : "cipher_algo");
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "spi", sa->conf.spi);
	rte_tel_data_add_dict_string(d, "dst", sa->conf.dst.family ?
				     ov2_addr_str(&sa->conf.dst, dst, sizeof(dst)) : "any");
	if (sa->conf.src.family)
		rte_tel_data_add_dict_string(d, "src",
					     ov2_addr_str(&sa->conf.src, src, sizeof(src)));
	rte_tel_data_add_dict_string(d, "proto", sa->conf.proto == OV2_IPPROTO_AH ? "ah" : "esp");
	rte_tel_data_add_dict_string(d, "mode", sa->conf.mode == OV2_MODE_TRANSPORT ?
				     "transport" : sa->conf.mode == OV2_MODE_TUNNEL4 ?
				     "ipv4-tunnel" : "ipv6-tunnel");
	rte_tel_data_add_dict_string(d, "algorithms", algos != NULL ? algos : "");
	rte_tel_data_add_dict_int(d, "esn", (sa->conf.flags & OV2_SA_F_ESN) != 0);
	rte_tel_data_add_dict_u64(d, "esn_top", __atomic_load_n(&sa->nic.esn_top,
								__ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "replay_window", r.replay_window);
	rte_tel_data_add_dict_u64(d, "replay_top", r.replay_top);
	rte_tel_data_add_dict_u64(d, "lifetime_packets", r.lifetime_packets);
	rte_tel_data_add_dict_u64(d, "lifetime_bytes", r.lifetime_bytes);
	rte_tel_data_add_dict_u64(d, "hard_packet_limit", sa->conf.hard_packets);
	rte_tel_data_add_dict_u64(d, "hard_byte_limit", sa->conf.hard_bytes);
	rte_tel_data_add_dict_u64(d, "delivered", r.stats.delivered);
	rte_tel_data_add_dict_u64(d, "delivered_bytes", r.stats.delivered_bytes);
	rte_tel_data_add_dict_u64(d, "soft_expired", r.stats.soft_expired);
	dr = u64_dict(r.stats.drops, OV2_DROP_COUNT, ov2_drop_name, 1);
	if (dr != NULL)
		rte_tel_data_add_dict_container(d, "drops", dr, 0);
}

static int
tel_sa_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ov2_addr dst;
	struct info_find f = { .dst = &dst };

	(void)cmd;
	if (parse_params(params, &f.spi, &dst) != 0)
		return -EINVAL;
	ov2rx_ctl_lock();
	if (ov2rx.sad != NULL)
		ov2_sad_foreach(ov2rx.sad, info_match, &f);
	if (f.n == 1) {
		sa_info(d, f.sa);
	} else {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "error", f.n == 0 ? "no such inbound SA" :
			"several SAs have this SPI: give /ov2/sa/info,SPI,DST");
	}
	ov2rx_ctl_unlock();
	return 0;
}

static int
tel_caps(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t p;

	(void)cmd;
	(void)params;
	if (ov2rx.ports_saved)
		return -EAGAIN;		/* the ports are closing */
	rte_tel_data_start_dict(d);
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_tel_data *c;
		struct ov2_caps caps;

		if (ov2rx.port_nrxq[p] == 0 || ov2_shim_caps(p, &caps) != 0)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_int(c, "port", p);
		rte_tel_data_add_dict_string(c, "enable",
					     ov2_shim_enable_name(ov2rx.opts.offload[p]));
		rte_tel_data_add_dict_int(c, "IPv6Supported", !!(caps.flags & OV2_CAPF_IPV6));
		rte_tel_data_add_dict_int(c, "IPv4Options", !!(caps.flags & OV2_CAPF_IPV4_OPTIONS));
		rte_tel_data_add_dict_int(c, "IPv6NonIPsecExtensionHeaders",
					  !!(caps.flags & OV2_CAPF_IPV6_EXT));
		rte_tel_data_add_dict_int(c, "Ah", !!(caps.flags & OV2_CAPF_AH));
		rte_tel_data_add_dict_int(c, "Esp", !!(caps.flags & OV2_CAPF_ESP));
		rte_tel_data_add_dict_int(c, "AhEspCombined", !!(caps.flags & OV2_CAPF_AH_ESP));
		rte_tel_data_add_dict_int(c, "Transport", !!(caps.flags & OV2_CAPF_TRANSPORT));
		rte_tel_data_add_dict_int(c, "Tunnel", !!(caps.flags & OV2_CAPF_TUNNEL));
		rte_tel_data_add_dict_int(c, "TransportTunnelCombined",
					  !!(caps.flags & OV2_CAPF_TRANSPORT_TUNNEL));
		rte_tel_data_add_dict_int(c, "LsoSupported", !!(caps.flags & OV2_CAPF_LSO));
		rte_tel_data_add_dict_int(c, "ExtendedSequenceNumbers",
					  !!(caps.flags & OV2_CAPF_ESN));
		rte_tel_data_add_dict_u64(c, "UdpEsp", caps.udp_esp);
		rte_tel_data_add_dict_u64(c, "AuthenticationAlgorithms", caps.auth);
		rte_tel_data_add_dict_u64(c, "EncryptionAlgorithms", caps.enc);
		rte_tel_data_add_dict_u64(c, "SaOffloadCapacity", caps.sa_capacity);
		if (rte_eth_dev_get_name_by_port(p, name) != 0)
			snprintf(name, sizeof(name), "port%u", p);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

int
ov2rx_telemetry_register(void)
{
	int rc = 0;

	rc |= rte_telemetry_register_cmd("/ov2/stats", tel_stats,
		"ov2rx counters summed over the lcores. No parameters");
	rc |= rte_telemetry_register_cmd("/ov2/sa/list", tel_sa_list,
		"SPIs of the inbound SAs, ascending (at most 500). Parameter: first SPI");
	rc |= rte_telemetry_register_cmd("/ov2/sa/info", tel_sa_info,
		"One inbound SA. Parameters: SPI[,DST]");
	rc |= rte_telemetry_register_cmd("/ov2/caps", tel_caps,
		"OV2 enable setting and capabilities of each input port. No parameters");
	return rc != 0 ? -1 : 0;
}
