/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ov2rx: the dataplane. Loads the SAs, sets up the ports, installs the OV2
 * receive path (pmd-shim) on every rx queue of the input ports, spreads the
 * queues over the lcores, runs until told to stop, and reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include "conf.h"
#include "handoff.h"
#include "oob.h"
#include "ov2rx.h"
#include "sad.h"
#include "shim.h"
#include "spd.h"

#define ROLE_IN  1u
#define ROLE_OUT 2u

static struct ov2rx_opts opts;
static struct ov2rx_lcore *lcores[RTE_MAX_LCORE];
static unsigned int n_active;
static uint64_t start_tsc, stop_tsc;
static rte_spinlock_t tx_locks[RTE_MAX_ETHPORTS][OV2RX_MAX_QUEUES];
static uint16_t port_nrxq[RTE_MAX_ETHPORTS], port_ntxq[RTE_MAX_ETHPORTS];
static struct rte_mempool *pool;
static struct rte_mempool *big_pool;	/* reassembled packets */
static struct ov2_spd *spd;
static struct ov2_handoff *handoff;	/* rings between the polling lcores */
static unsigned int mbufs_leaked;	/* in use after every port closed */
static unsigned int port_role[RTE_MAX_ETHPORTS];

/* What the control thread, the reports and telemetry read (ov2rx.h):
 * published once the ports are up, then only the run's times change. */
struct ov2rx_run ov2rx;

static void
on_signal(int sig)
{
	(void)sig;
	ov2rx_quit = 1;
}

static void
tick(void)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz(), last = 0;
	unsigned int i;

	if (opts.duration_s > 0 && (double)(now - start_tsc) >= opts.duration_s * (double)hz)
		ov2rx_quit = 1;
	if (opts.idle_ms == 0)
		return;
	for (i = 0; i < n_active; i++)
		last = RTE_MAX(last, lcores[i]->last_rx_tsc);
	if (now > last && now - last >= opts.idle_ms * hz / 1000)
		ov2rx_quit = 1;
}

void
ov2rx_sa_defaults(struct ov2_sa_conf *sa)
{
	if (sa->dir == OV2_SA_IN && !(sa->flags & OV2_SA_F_REPLAY_SET)) {
		sa->replay_window = opts.replay_window;
		sa->flags |= OV2_SA_F_REPLAY_SET;
	}
}

static void
warn_deprecated(const struct ov2_sa_conf *sa)
{
	const char *c = ov2_cipher_name(sa->cipher), *a = ov2_auth_name(sa->auth);

	if (sa->cipher != OV2_CIPHER_DES_CBC && sa->cipher != OV2_CIPHER_3DES_CBC &&
	    sa->auth != OV2_AUTH_MD5_96)
		return;
	fprintf(stderr, "ov2rx: warning: %s:%u: SA %u uses %s%s%s, deprecated by RFC 8221 "
		"(allowed by allow-deprecated)\n", opts.conf_path, sa->line, sa->spi,
		c != NULL ? c : "", c != NULL && a != NULL ? " with " : "", a != NULL ? a : "");
}

static struct ov2_sad *
load_sas(struct ov2_conf *conf, uint32_t *n_out)
{
	char err[512];
	struct ov2_sad *sad;
	uint32_t i;

	if (ov2_conf_load(opts.conf_path, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ov2rx: %s\n", err);
		return NULL;
	}
	sad = ov2_sad_create("ov2rx", opts.sa_capacity, (int)rte_socket_id(), err, sizeof(err));
	if (sad == NULL) {
		fprintf(stderr, "ov2rx: %s\n", err);
		return NULL;
	}
	*n_out = 0;
	for (i = 0; i < conf->n_sa; i++) {
		struct ov2_sa_conf *sa = &conf->sa[i];
		int rc;

		warn_deprecated(sa);
		if (sa->dir == OV2_SA_OUT) {
			/* a record for pairing; this dataplane only receives */
			rc = ov2_sad_add_out(sad, sa, err, sizeof(err));
			(*n_out) += rc == 0;
		} else {
			ov2rx_sa_defaults(sa);
			rc = ov2_sad_add(sad, sa, NULL, err, sizeof(err));
		}
		if (rc != 0) {
			fprintf(stderr, "ov2rx: %s:%u: %s\n", opts.conf_path, sa->line, err);
			ov2_sad_free(sad);
			return NULL;
		}
	}
	spd = ov2_spd_create("ov2rx", conf->sp, conf->n_sp, (int)rte_socket_id(),
			     err, sizeof(err));
	if (spd == NULL) {
		fprintf(stderr, "ov2rx: %s: inbound policy: %s\n", opts.conf_path, err);
		ov2_sad_free(sad);
		return NULL;
	}
	return sad;
}

/* Decide each port's queue counts from its role and the lcore count. */
static int
plan_ports(unsigned int nl)
{
	struct rte_eth_dev_info di;
	uint16_t i, p;

	for (i = 0; i < opts.n_in; i++)
		port_role[opts.in[i]] |= ROLE_IN;
	if (opts.out != OV2RX_NO_PORT)
		port_role[opts.out] |= ROLE_OUT;
	if (opts.errors != OV2RX_NO_PORT)
		port_role[opts.errors] |= ROLE_OUT;
	RTE_ETH_FOREACH_DEV(p) {
		if (port_role[p] == 0)
			continue;
		if (rte_eth_dev_info_get(p, &di) != 0)
			return -1;
		if ((port_role[p] & ROLE_IN) && di.max_rx_queues == 0) {
			fprintf(stderr, "ov2rx: port %u cannot receive (no rx queue)\n", p);
			return -1;
		}
		if ((port_role[p] & ROLE_OUT) && di.max_tx_queues == 0) {
			fprintf(stderr, "ov2rx: port %u cannot transmit (no tx queue)\n", p);
			return -1;
		}
		port_nrxq[p] = (port_role[p] & ROLE_IN) ?
			RTE_MIN(RTE_MIN(di.max_rx_queues, (uint16_t)nl), (uint16_t)OV2RX_MAX_QUEUES) : 0;
		port_ntxq[p] = (port_role[p] & ROLE_OUT) ?
			RTE_MIN(RTE_MIN(di.max_tx_queues, (uint16_t)nl), (uint16_t)OV2RX_MAX_QUEUES) : 0;
	}
	return 0;
}

static int
port_setup(uint16_t p, struct rte_mempool *pool)
{
	struct rte_eth_conf pc = { 0 };
	struct rte_eth_dev_info di;
	uint16_t rxd = opts.rxd, txd = opts.txd, q;
	int sock = rte_eth_dev_socket_id(p), rc;

	if (rte_eth_dev_info_get(p, &di) != 0)
		return -1;
	ov2rx_rss_conf(port_nrxq[p], &di, &pc);
	/* inline crypto must be enabled when the port is configured */
	if (port_nrxq[p] > 0)
		pc.rxmode.offloads |= ov2_shim_rx_offloads(p);
	rc = rte_eth_dev_configure(p, port_nrxq[p], port_ntxq[p], &pc);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p, &rxd, &txd);
	for (q = 0; rc == 0 && q < port_nrxq[p]; q++)
		rc = rte_eth_rx_queue_setup(p, q, rxd, sock < 0 ? SOCKET_ID_ANY : sock, NULL, pool);
	for (q = 0; rc == 0 && q < port_ntxq[p]; q++) {
		rc = rte_eth_tx_queue_setup(p, q, txd, sock < 0 ? SOCKET_ID_ANY : sock, NULL);
		rte_spinlock_init(&tx_locks[p][q]);
	}
	if (rc != 0)
		fprintf(stderr, "ov2rx: port %u: setup failed: %s\n", p, rte_strerror(-rc));
	return rc;
}

static void
txq_assign(struct ov2rx_txq *t, uint16_t port, unsigned int idx)
{
	t->port = port;
	if (port == OV2RX_NO_PORT)
		return;
	t->queue = (uint16_t)(idx % port_ntxq[port]);
	t->shared = port_ntxq[port] < n_active;
	t->lock = &tx_locks[port][t->queue];
}

/* Spread the (port, queue) pairs of the input ports over the lcores. */
static int
assign_lcores(struct ov2_sad *sad)
{
	unsigned int lcore, nl = rte_lcore_count(), k = 0, i;
	uint16_t p, q;

	i = 0;
	RTE_LCORE_FOREACH(lcore) {
		lcores[i] = rte_zmalloc("ov2rx_lcore", sizeof(struct ov2rx_lcore), RTE_CACHE_LINE_SIZE);
		if (lcores[i] == NULL) {
			fprintf(stderr, "ov2rx: out of memory for the lcores\n");
			return -1;
		}
		lcores[i]->sad = sad;
		lcores[i]->spd = spd;
		lcores[i]->big_pool = big_pool;
		i++;
	}
	for (i = 0; i < opts.n_in; i++) {
		p = opts.in[i];
		for (q = 0; q < port_nrxq[p]; q++, k++) {
			struct ov2rx_lcore *lc = lcores[k % nl];

			if (lc->n_rxq == OV2RX_MAX_QUEUES) {
				fprintf(stderr, "ov2rx: too many rx queues for the lcores\n");
				return -1;
			}
			lc->rxq[lc->n_rxq].port = p;
			lc->rxq[lc->n_rxq++].queue = q;
		}
	}
	n_active = RTE_MIN(k, nl);
	/* one writer per SA: packets of an SA another lcore owns go to it
	 * through these rings (lib/handoff.h) */
	if (n_active > 1) {
		char err[160];

		handoff = ov2_handoff_create("ov2rx", n_active, 0, (int)rte_socket_id(),
					     err, sizeof(err));
		if (handoff == NULL) {
			fprintf(stderr, "ov2rx: %s\n", err);
			return -1;
		}
	}
	i = 0;
	RTE_LCORE_FOREACH(lcore) {
		if (i >= n_active)
			break;
		txq_assign(&lcores[i]->out, opts.out, i);
		txq_assign(&lcores[i]->err, opts.errors, i);
		if (ov2rx_lcore_init(lcores[i], handoff, i,
				     (int)rte_lcore_to_socket_id(lcore)) != 0)
			return -1;
		i++;
	}
	lcores[0]->tick = tick;
	return 0;
}

static struct rte_mempool *
make_pool(void)
{
	uint32_t n = 0;
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p)
		n += port_nrxq[p] * (opts.rxd + 2u * OV2RX_BURST) + port_ntxq[p] * opts.txd;
	n += rte_lcore_count() * (512u + OV2RX_BURST);
	/* packets waiting in the handoff rings to their SA's owner lcore, and
	 * mbufs freed into another lcore's cache than the one that took them */
	if (rte_lcore_count() > 1)
		n += rte_lcore_count() * OV2_HANDOFF_RING_SIZE;
	n = RTE_MAX(n, 8191u);
	if (opts.mbufs != 0)
		n = opts.mbufs;	/* as asked, even if too few: exhaustion is survived */
	/* the per-lcore caches may hold at most n / 1.5 (mempool rule) */
	return rte_pktmbuf_pool_create("ov2rx_mbufs", n, RTE_MIN(256u, n / 4), 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}

static int
start_ports(const struct ov2_sad *sad)
{
	char err[256], desc[256], name[RTE_ETH_NAME_MAX_LEN];
	uint16_t p;
	int rc;

	RTE_ETH_FOREACH_DEV(p) {
		if (port_role[p] == 0)
			continue;
		if (port_nrxq[p] > 0) {
			struct ov2_caps caps;

			ov2_caps_port_default(&caps, opts.sa_capacity);
			if (opts.caps_off[p] != NULL)
				ov2_caps_edit(&caps, opts.caps_off[p], err, sizeof(err));
			rc = ov2_shim_attach(p, port_nrxq[p], sad, opts.offload[p], &caps,
					     err, sizeof(err));
			if (rc != 0) {
				fprintf(stderr, "ov2rx: %s\n", err);
				return rc;
			}
		}
		rc = rte_eth_dev_start(p);
		if (rc != 0) {
			fprintf(stderr, "ov2rx: port %u: cannot start: %s\n", p, rte_strerror(-rc));
			return rc;
		}
		rte_eth_promiscuous_enable(p);
		if (port_nrxq[p] > 0)
			ov2_shim_start(p);	/* inline-crypto sessions need a started port */
		rte_eth_dev_get_name_by_port(p, name);
		if (port_nrxq[p] > 0)
			ov2_shim_describe(p, desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "output, %u tx queue%s", port_ntxq[p],
				 port_ntxq[p] == 1 ? "" : "s");
		printf("port %u (%s): %s%s%s\n", p, name, desc,
		       p == opts.out ? "; delivered packets out" : "",
		       p == opts.errors ? "; dropped packets out" : "");
		if (port_nrxq[p] > 0) {
			struct ov2_caps caps;
			char cb[512];

			ov2_shim_caps(p, &caps);
			ov2_caps_format(&caps, cb, sizeof(cb));
			printf("  OV2 enable setting: %s; capabilities:\n%s",
			       ov2_shim_enable_name(opts.offload[p]), cb);
			ov2rx_rss_flows(p, port_nrxq[p], cb, sizeof(cb));
			printf("  receive spread: %s\n", cb);
		}
	}
	return 0;
}

static void
stop_ports(void)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		if (port_role[p] == 0)
			continue;
		rte_eth_dev_stop(p);
		ov2_shim_detach(p);
		rte_eth_dev_close(p);	/* flushes pcap output files */
	}
}

static void
run(void)
{
	unsigned int lcore, i = 0;

	start_tsc = rte_rdtsc();
	ov2rx.start_tsc = start_tsc;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (++i < n_active)
			rte_eal_remote_launch(ov2rx_lcore_main, lcores[i], lcore);
	}
	if (n_active > 0)
		ov2rx_lcore_main(lcores[0]);
	rte_eal_mp_wait_lcore();
	/* what is still in the handoff rings, counted by its owner */
	ov2rx_lcores_finish(lcores, n_active);
	stop_tsc = rte_rdtsc();
	ov2rx.stop_tsc = stop_tsc;
}

/* Share the run's set-up with the control thread, reports and telemetry. */
static void
publish(struct ov2_sad *sad)
{
	ov2rx.opts = opts;
	memcpy(ov2rx.lcores, lcores, sizeof(lcores));
	ov2rx.n_active = n_active;
	memcpy(ov2rx.port_role, port_role, sizeof(port_role));
	memcpy(ov2rx.port_nrxq, port_nrxq, sizeof(port_nrxq));
	memcpy(ov2rx.port_ntxq, port_ntxq, sizeof(port_ntxq));
	ov2rx.sad = sad;
	ov2rx.spd = spd;
}

/* The QSBR variable of the polling lcores, then the control thread
 * (reclamation, --ctl socket) and the telemetry commands. */
static int
start_control(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	ov2rx.rcu = rte_zmalloc("ov2rx_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (ov2rx.rcu == NULL || rte_rcu_qsbr_init(ov2rx.rcu, RTE_MAX_LCORE) != 0) {
		fprintf(stderr, "ov2rx: cannot create the RCU variable\n");
		return -1;
	}
	ov2_sad_attach_rcu(ov2rx.sad, ov2rx.rcu);
	if (ov2rx_ctl_start() != 0)
		return -1;
	if (ov2rx_telemetry_register() != 0)
		fprintf(stderr, "ov2rx: warning: telemetry commands not registered\n");
	return 0;
}

/* The summary on stdout, then --stats-json. */
static int
report(void)
{
	char tmp[4096];
	FILE *f;

	printf("\n");
	ov2rx_report_print(stdout);
	fflush(stdout);
	if (opts.stats_json == NULL)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", opts.stats_json) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "ov2rx: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	ov2rx_report_json(f);
	if (fclose(f) != 0 || rename(tmp, opts.stats_json) != 0) {
		fprintf(stderr, "ov2rx: %s: %s\n", opts.stats_json, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
setup(struct ov2_conf *conf, struct ov2_sad **sad)
{
	uint32_t n_out;
	int rc;

	rc = ov2_oob_register();
	if (rc != 0) {
		fprintf(stderr, "ov2rx: cannot register the OOB field: %s\n", strerror(-rc));
		return -1;
	}
	*sad = load_sas(conf, &n_out);
	if (*sad == NULL)
		return -1;
	printf("%s: %u inbound SAs offloaded, %u outbound SA records (capacity %u), "
	       "%u inbound policy rules%s\n", opts.conf_path, ov2_sad_count(*sad), n_out,
	       ov2_sad_capacity(*sad), ov2_spd_count(spd),
	       ov2_spd_count(spd) == 0 ? " (every decrypted and cleartext packet accepted)" : "");
	if (plan_ports(rte_lcore_count()) != 0)
		return -1;
	pool = make_pool();
	if (pool == NULL) {
		fprintf(stderr, "ov2rx: cannot create the mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	/* One-segment buffers for reassembled packets (up to 9 KiB). */
	big_pool = rte_pktmbuf_pool_create("ov2rx_big", 255 + 256 * rte_lcore_count(), 32, 0,
					   RTE_PKTMBUF_HEADROOM + 9216, (int)rte_socket_id());
	if (big_pool == NULL) {
		fprintf(stderr, "ov2rx: cannot create the reassembly pool: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (port_role[p] != 0 && port_setup(p, pool) != 0)
			return -1;
	if (assign_lcores(*sad) != 0)
		return -1;
	return start_ports(*sad);
}

int
main(int argc, char **argv)
{
	struct ov2_conf conf = { 0 };
	struct ov2_sad *sad = NULL;
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "ov2rx: cannot initialise EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	/* rte_ip_frag reports its table sizes at INFO under USER1 */
	if (rte_log_get_level(RTE_LOGTYPE_USER1) > (int)RTE_LOG_NOTICE)
		rte_log_set_level(RTE_LOGTYPE_USER1, RTE_LOG_NOTICE);
	rc = ov2rx_parse_args(argc, argv, &opts);
	if (rc != 0) {
		rte_eal_cleanup();
		return rc > 0 ? 0 : 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (setup(&conf, &sad) != 0) {
		ov2rx_lcores_finish(lcores, n_active);
		ov2_handoff_free(handoff);
		stop_ports();
		ov2_sad_free(sad);
		ov2_spd_free(spd);
		ov2_conf_free(&conf);
		rte_eal_cleanup();
		return 1;
	}
	ov2_conf_free(&conf);	/* the SA table has its own copies */
	publish(sad);
	if (start_control() != 0) {
		stop_ports();
		ov2_sad_free(sad);
		ov2_spd_free(spd);
		rte_eal_cleanup();
		return 1;
	}
	printf("ov2rx: %u lcore%s polling; stop with Ctrl-C%s\n", n_active,
	       n_active == 1 ? "" : "s", opts.idle_ms ? " or when idle" : "");
	fflush(stdout);
	run();
	/* the lcores are offline: the control thread's last reclamation
	 * frees every deleted SA and replaced policy */
	ov2rx_ctl_stop();
	ov2rx_report_save_ports();
	stop_ports();
	mbufs_leaked = rte_mempool_in_use_count(pool) + rte_mempool_in_use_count(big_pool);
	if (mbufs_leaked != 0)
		fprintf(stderr, "ov2rx: %u mbufs still in use after the ports closed\n",
			mbufs_leaked);
	ov2rx.mbufs_leaked = mbufs_leaked;
	rc = report();
	/* telemetry may still ask until EAL stops: it finds nothing now */
	ov2rx_ctl_lock();
	ov2rx.sad = NULL;
	ov2rx_ctl_unlock();
	ov2_handoff_free(handoff);
	ov2_sad_free(sad);
	/* the policy in use now: the one loaded at start, or a reload's
	 * (the replaced ones were freed by the reclamation above) */
	ov2_spd_free((struct ov2_spd *)(uintptr_t)ov2rx.spd);
	rte_free(ov2rx.rcu);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
