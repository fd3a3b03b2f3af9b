/*
 * pcap: a software port backed by capture files (libpcap). rx replays
 * pcap_in, tx appends to pcap_out; either may be absent, not both.
 *
 * rx copies each record into the port's staging memory (libpcap's buffer
 * is only valid until its next read) and replays as fast as it is polled,
 * or at gen.rate_pps; the file's own timestamps are not honoured. With
 * pcap_loop the file is re-opened at its end until gen.count packets or
 * gen.duration seconds; without, its end finishes the source (-ENODATA).
 * Only Ethernet (DLT_EN10MB) files are accepted. A record cut short by the
 * capture's snaplen is passed on as captured and counted as 'truncated'
 * (the file holds no more of it); a record above PCAP_FRAME_MAX is skipped
 * and counted as 'oversize', which the NIC stage counts in packets_in and
 * as an oversize drop (rx_oversize).
 *
 * Files are opened by this driver, not by libpcap (whose opens are not
 * close-on-exec): the input through lib/file.h (a regular file, opened
 * without blocking), the output O_CLOEXEC and never a FIFO or a device
 * other than /dev/null (the transmit path must not block on a reader),
 * each handed to libpcap as a FILE.
 *
 * tx writes Ethernet records with CLOCK_REALTIME microsecond stamps,
 * flushed at least once a second and at close.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/file.h"
#include "ports/pace.h"
#include "ports/port.h"
#include "ports/stamp.h"
#include "tenet/log.h"

#define PCAP_STAGING   256  /* frames per rx call at most */
#define PCAP_FRAME_MAX 9216 /* jumbo; the NIC stage checks against the pool's buffers */

struct pcap_port {
	const char *in_path;
	pcap_t *in;
	bool loop;
	uint64_t pass_packets; /* records handed out in the current pass over the file */
	pcap_t *dead;
	pcap_dumper_t *dump;
	time_t last_flush;
	uint8_t *staging;
	struct pace pace;
	uint64_t rx_packets, rx_bytes, truncated, oversize, loops, read_errors;
	uint64_t tx_packets, tx_bytes, tx_discarded;
};

static inline void ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Open path for reading; on error a message in err and -errno. */
static int open_input(const char *path, pcap_t **out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "", ferr[512];
	pcap_t *pc;
	FILE *f;
	int dlt, fd;

	fd = tenet_file_open(path, 0, ferr, sizeof(ferr));
	if (fd < 0) {
		tenet_err(err, errlen, "pcap: input file %s", ferr);
		return fd;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		int e = errno;

		close(fd);
		tenet_err(err, errlen, "pcap: input file '%s': %s", path, strerror(e));
		return -e;
	}
	pc = pcap_fopen_offline(f, ebuf); /* owns f once it succeeds */
	if (!pc) {
		fclose(f); /* libpcap leaves the FILE to the caller when it fails */
		tenet_err(err, errlen, "pcap: input file '%s': %s", path, ebuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		tenet_err(
		        err, errlen,
		        "pcap: input file '%s': link type %s, only Ethernet (EN10MB) is supported",
		        path, name ? name : "unknown");
		pcap_close(pc);
		return -EINVAL;
	}
	*out = pc;
	return 0;
}

/*
 * Create (or truncate) the output file: close-on-exec, and a regular file
 * only (O_NONBLOCK: the open of a FIFO nobody reads fails instead of
 * waiting; one somebody reads is refused as well).
 */
static int open_output(struct pcap_port *pp, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		e = errno;
		tenet_err(err, errlen, "pcap: output file '%s': %s; expected a writable file path",
		          path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))) {
		tenet_err(err, errlen,
		          "pcap: output file '%s': is %s; expected a regular file (or /dev/null)",
		          path, tenet_file_type(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "wb");
	if (!f) {
		e = errno;
		close(fd);
		tenet_err(err, errlen, "pcap: output file '%s': %s", path, strerror(e));
		return -e;
	}
	pp->dump = pcap_dump_fopen(pp->dead, f);
	if (!pp->dump) {
		tenet_err(err, errlen, "pcap: output file '%s': %s", path, pcap_geterr(pp->dead));
		fclose(f);
		return -EIO;
	}
	return 0;
}

static void pcap_port_close(struct port *p)
{
	struct pcap_port *pp = p->priv;

	if (!pp)
		return;
	if (pp->in)
		pcap_close(pp->in);
	if (pp->dump) {
		pcap_dump_flush(pp->dump);
		pcap_dump_close(pp->dump);
	}
	if (pp->dead)
		pcap_close(pp->dead);
	free(pp->staging);
	free(pp);
	p->priv = NULL;
}

static int pcap_port_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct pcap_port *pp;
	int ret;

	if (!cfg->pcap_in[0] && !cfg->pcap_out[0]) {
		tenet_err(err, errlen, "pcap: port '%s' needs pcap_in, pcap_out or both",
		          cfg->name);
		return -EINVAL;
	}
	pp = calloc(1, sizeof(*pp));
	if (!pp) {
		tenet_err(err, errlen, "pcap: out of memory");
		return -ENOMEM;
	}
	p->priv = pp;
	pp->loop = cfg->pcap_loop;
	pace_init(&pp->pace, cfg->gen.rate_pps, cfg->gen.count, cfg->gen.duration);
	p->on_demand = pp->pace.rate == 0;
	if (cfg->pcap_in[0]) {
		pp->in_path = cfg->pcap_in;
		pp->staging = malloc((size_t)PCAP_STAGING * PCAP_FRAME_MAX);
		if (!pp->staging) {
			tenet_err(err, errlen, "pcap: out of memory");
			ret = -ENOMEM;
			goto err_close;
		}
		ret = open_input(cfg->pcap_in, &pp->in, err, errlen);
		if (ret < 0)
			goto err_close;
	}
	if (cfg->pcap_out[0]) {
		pp->dead = pcap_open_dead(DLT_EN10MB, 65535);
		if (!pp->dead) {
			tenet_err(err, errlen, "pcap: out of memory");
			ret = -ENOMEM;
			goto err_close;
		}
		ret = open_output(pp, cfg->pcap_out, err, errlen);
		if (ret < 0)
			goto err_close;
		pp->last_flush = time(NULL);
	}
	return 0;

err_close:
	pcap_port_close(p);
	return ret;
}

/* The file ended: start it over (loop) or finish. Returns true to go on reading. */
static bool input_ended(struct pcap_port *pp)
{
	char err[256];

	pcap_close(pp->in);
	pp->in = NULL;
	if (!pp->loop || !pp->pass_packets)
		return false; /* an empty file (or one of oversize records only) would loop forever
		               */
	if (open_input(pp->in_path, &pp->in, err, sizeof(err)) < 0) {
		tenet_log(TENET_LOG_ERR, "%s", err);
		return false;
	}
	pp->pass_packets = 0;
	ctr_add(&pp->loops, 1);
	return true;
}

static int pcap_port_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	struct pcap_port *pp = p->priv;
	uint64_t bytes = 0;
	unsigned int got = 0;
	int k;

	if (!pp->in)
		return -ENODATA;
	if (n > PCAP_STAGING)
		n = PCAP_STAGING;
	k = pace_take(&pp->pace, stamp_now_ns(), n);
	if (k <= 0)
		return k;
	while (got < (unsigned int)k) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int rc = pcap_next_ex(pp->in, &h, &d);

		if (rc == 1) {
			uint8_t *buf = pp->staging + (size_t)got * PCAP_FRAME_MAX;

			if (h->caplen > PCAP_FRAME_MAX) {
				ctr_add(&pp->oversize, 1);
				continue;
			}
			pp->pass_packets++;
			if (h->caplen < h->len)
				ctr_add(&pp->truncated, 1);
			memcpy(buf, d, h->caplen);
			f[got].data = buf;
			f[got].len = (uint16_t)h->caplen;
			f[got].tenant = 0;
			bytes += h->caplen;
			got++;
			continue;
		}
		if (rc == PCAP_ERROR) {
			tenet_log(TENET_LOG_ERR, "pcap: reading '%s': %s", pp->in_path,
			          pcap_geterr(pp->in));
			ctr_add(&pp->read_errors, 1);
		}
		if (rc == 0 || !input_ended(pp))
			break;
	}
	pace_commit(&pp->pace, (unsigned int)k, got);
	ctr_add(&pp->rx_packets, got);
	ctr_add(&pp->rx_bytes, bytes);
	if (!got && !pp->in)
		return -ENODATA;
	return (int)got;
}

/* Frames lost with the receive ring full (ports/pace.h); the file's records
 * are not skipped for them: replay goes on with the next record. */
static uint64_t pcap_port_rx_missed(struct port *p)
{
	return ((struct pcap_port *)p->priv)->pace.missed;
}

static uint64_t pcap_port_rx_oversize(struct port *p)
{
	struct pcap_port *pp = p->priv;

	return ctr_get(&pp->oversize);
}

static void pcap_port_tx(struct port *p, const struct tenet_frame *f, unsigned int n)
{
	struct pcap_port *pp = p->priv;
	struct pcap_pkthdr h;
	struct timespec ts;
	uint64_t bytes = 0;

	if (!pp->dump) {
		ctr_add(&pp->tx_discarded, n);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	h.ts.tv_usec = ts.tv_nsec / 1000;
	for (unsigned int i = 0; i < n; i++) {
		h.caplen = f[i].len;
		h.len = f[i].len;
		pcap_dump((u_char *)pp->dump, &h, f[i].data);
		bytes += f[i].len;
	}
	if (ts.tv_sec != pp->last_flush) {
		pcap_dump_flush(pp->dump);
		pp->last_flush = ts.tv_sec;
	}
	ctr_add(&pp->tx_packets, n);
	ctr_add(&pp->tx_bytes, bytes);
}

static void pcap_port_report_json(struct port *p, FILE *out)
{
	struct pcap_port *pp = p->priv;

	fprintf(out,
	        "\"rx_packets\": %llu, \"rx_bytes\": %llu, \"truncated\": %llu, "
	        "\"oversize\": %llu, \"loops\": %llu, \"read_errors\": %llu, "
	        "\"tx_packets\": %llu, \"tx_bytes\": %llu, \"tx_discarded\": %llu",
	        (unsigned long long)ctr_get(&pp->rx_packets),
	        (unsigned long long)ctr_get(&pp->rx_bytes),
	        (unsigned long long)ctr_get(&pp->truncated),
	        (unsigned long long)ctr_get(&pp->oversize), (unsigned long long)ctr_get(&pp->loops),
	        (unsigned long long)ctr_get(&pp->read_errors),
	        (unsigned long long)ctr_get(&pp->tx_packets),
	        (unsigned long long)ctr_get(&pp->tx_bytes),
	        (unsigned long long)ctr_get(&pp->tx_discarded));
}

/* ---------------------------------------------------------------- config */

static const char *const pcap_keys[] = {"in", "out", "loop", "rate", "count", "duration", NULL};

static int pcap_parse(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p)
{
	yaml_node_t *v;

	if ((v = cfg_get(r, n, "in"))) {
		if (cfg_get_str(r, v, "in", p->pcap_in, CFG_PATH_MAX) < 0)
			return -1;
		p->pcap_in_at = cfg_pos_of(v);
	}
	if ((v = cfg_get(r, n, "out")) && cfg_get_str(r, v, "out", p->pcap_out, CFG_PATH_MAX) < 0)
		return -1;
	if (!p->pcap_in[0] && !p->pcap_out[0])
		return cfg_fail(r, n,
		                "pcap port '%s' has neither 'in' nor 'out'; expected in: FILE, "
		                "out: FILE or both",
		                p->name);
	if ((v = cfg_get(r, n, "loop"))) {
		if (cfg_get_bool(r, v, "loop", &p->pcap_loop) < 0)
			return -1;
		if (p->pcap_loop && !p->pcap_in[0])
			return cfg_fail(r, v, "loop without 'in'; expected in: FILE to replay");
	}
	p->can_rx = p->pcap_in[0] != '\0';
	p->can_tx = p->pcap_out[0] != '\0';
	return port_parse_limits(r, n, &p->gen);
}

/* The input must be a regular file (a FIFO would block the open). */
static int pcap_check_host(struct cfg_reader *r, const struct cfg_port *p)
{
	return p->pcap_in[0] ? cfg_check_file(r, p->pcap_in_at, "in", p->pcap_in, 0) : 0;
}

const struct port_driver port_pcap = {
        .name = "pcap",
        .keys = pcap_keys,
        .parse = pcap_parse,
        .check_host = pcap_check_host,
        .open = pcap_port_open,
        .close = pcap_port_close,
        .rx = pcap_port_rx,
        .rx_oversize = pcap_port_rx_oversize,
        .rx_missed = pcap_port_rx_missed,
        .tx = pcap_port_tx,
        .report_json = pcap_port_report_json,
};
