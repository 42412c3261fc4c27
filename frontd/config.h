/*
 * moat-frontd.conf: from the parsed tree (policy/conf.h) to what frontd runs
 * with. Every mistake is reported as exactly one "file:line: message" in
 * the conf (moat_conf_error), the line of the directive at fault; a
 * directive that is missing altogether is reported at line 1 of the main
 * file. The format is moat-frontd.conf(5).
 *
 * Loading reads the certificate files (public chains only) and checks the
 * policy names, so `moat-frontd -t` catches everything short of binding
 * the ports.
 */
#ifndef MOAT_FRONTD_CONFIG_H
#define MOAT_FRONTD_CONFIG_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/paths.h"
#include "frontd/accesslog.h"
#include "frontd/sites.h"
#include "policy/conf.h"
#include "policy/policy_block.h"

#define FRONTD_DEFAULT_CONFIG MOAT_CONFDIR "/moat-frontd.conf"
#define FRONTD_DEFAULT_KEYD_TIMEOUT_MS 2000u
#define FRONTD_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000u
#define FRONTD_DEFAULT_IDLE_TIMEOUT_MS 300000u
#define FRONTD_DEFAULT_DRAIN_TIMEOUT_MS 30000u
#define FRONTD_DEFAULT_DRAIN_QUIET_MS 1000u
#define FRONTD_DEFAULT_FIRST_BYTE_TIMEOUT_MS 3000u
#define FRONTD_DEFAULT_CLIENT_HELLO_TIMEOUT_MS 5000u
#define FRONTD_DEFAULT_MAX_CONNECTIONS 16384u
#define FRONTD_DEFAULT_MAX_HANDSHAKES 4096u
#define FRONTD_DEFAULT_MAX_HANDSHAKES_PER_SOURCE 256u
#define FRONTD_DEFAULT_HANDSHAKE_BUFFER_BUDGET (32u * 1024u * 1024u)
/* TLS 1.2 sessions each worker keeps by session ID: about 3 MiB of locked memory (common/session_cache.h). */
#define FRONTD_DEFAULT_SESSION_CACHE 10000u
#define FRONTD_MAX_LISTEN 64
/* "workers" at most: a worker per CPU on the largest machines, and a bound on what the master tracks. */
#define FRONTD_MAX_WORKERS 256u
#define FRONTD_MAX_TRUSTED (MOAT_CONF_MAX_ARGS - 2) /* sources after "proxy-protocol" on one listen line */

/* An address block: family AF_INET or AF_INET6, the address, and how many leading bits count. */
struct frontd_cidr {
	int family;
	uint8_t addr[16];
	unsigned prefix;
};

struct frontd_listen {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char desc[64]; /* "127.0.0.1:8443", "[::1]:8443" */
	/*
	 * `listen ADDR proxy-protocol SOURCE...`: every connection must come
	 * from one of these and start with a PROXY v1 or v2 header
	 * (proxy_protocol.h); others are closed at accept.
	 */
	bool accept_proxy;
	/*
	 * `metrics listen ADDR`: the metrics endpoint (metrics.h), bound and
	 * kept across reloads by the master like the TLS listeners, but its
	 * connections are scrapes. At most one, the last in listen[].
	 */
	bool metrics;
	struct frontd_cidr trusted[FRONTD_MAX_TRUSTED];
	size_t trusted_count;
};

struct frontd_config {
	char *user;           /* NULL: no privilege drop */
	char *group;          /* NULL: the user's primary group */
	uid_t uid;
	gid_t gid;
	char *keyd_path;
	char *keyd_origin;    /* "file:line" of the keyd directive, for -t (keyd_keys.h) */
	uint32_t keyd_timeout_ms;
	uint32_t handshake_timeout_ms;
	uint32_t first_byte_timeout_ms;   /* capped by client_hello_timeout_ms when used */
	uint32_t client_hello_timeout_ms; /* capped by handshake_timeout_ms when used */
	uint32_t idle_timeout_ms;
	uint32_t drain_timeout_ms;        /* stopping: how long busy connections may go on; 0: close at once */
	uint32_t drain_quiet_ms;          /* stopping: how long nothing must move before a connection is idle */
	size_t max_connections;
	size_t max_handshakes;
	size_t max_handshakes_per_source;
	size_t handshake_buffer_budget;   /* bytes read by connections whose ClientHello is not whole */
	bool tickets;                     /* top-level "tickets" (default on): for sites that do not say */
	unsigned workers;                 /* worker processes per generation; 0: auto (frontd_config_workers) */
	bool worker_cpu_affinity;         /* pin worker i to the i-th CPU frontd may run on */
	size_t session_cache;             /* "session-cache": TLS 1.2 sessions per worker by ID; 0: none */
	uint32_t ticket_lifetime_s;       /* top-level "ticket-lifetime"; 0: the TLS library's default */
	int tickets_per_handshake;        /* top-level "tickets-per-handshake"; -1: the TLS library's default */
	enum frontd_accesslog_dest access_log; /* off unless configured */
	enum frontd_accesslog_format access_log_format;
	char *access_log_path;            /* absolute, for FRONTD_ACCESSLOG_FILE */
	struct frontd_listen listen[FRONTD_MAX_LISTEN];
	size_t listen_count;
	struct frontd_sites sites;
	/* policy "name" { ... } blocks, in file order; the sites' TLS configs point into it. */
	struct moat_custom_policy *policies;
	size_t policy_count;
};

/*
 * Parse path and build cfg (which need not be initialised). On failure
 * moat_errno is set and moat_conf_error(conf) holds the one line to print;
 * cfg is then freed already. Free conf with moat_conf_free either way.
 */
MOAT_MUST_USE int frontd_config_load(struct frontd_config *cfg, struct moat_conf *conf, const char *path);
/* The same from text in memory (tests): name stands for the file. */
MOAT_MUST_USE int frontd_config_load_string(struct frontd_config *cfg, struct moat_conf *conf, const char *name,
					    const char *text);
void frontd_config_free(struct frontd_config *cfg);

/* "workers": the configured count, or for auto the CPUs this process may run on (sched_getaffinity), at most 256. */
unsigned frontd_config_workers(const struct frontd_config *cfg);
/*
 * In a worker of a generation of n: the limits that bound the whole daemon
 * (max-connections, max-handshakes, max-handshakes-per-source,
 * handshake-buffer-budget) become this worker's share, the value divided by
 * n rounded up (moat-frontd.conf(5), WORKERS).
 */
void frontd_config_share_limits(struct frontd_config *cfg, unsigned n);

/*
 * The policy a site directive may name: a policy block of cfg's, else a
 * built-in one; NULL if neither.
 */
const struct moat_security_policy *frontd_config_find_policy(const struct frontd_config *cfg, const char *name);

/* peer falls in one of the listener's trusted sources (IPv4-mapped IPv6 peers count as IPv4). */
bool frontd_listen_trusts(const struct frontd_listen *l, const struct sockaddr_storage *peer, socklen_t len);

/* "a.b.c.d:port" / "[v6]:port" / "unix:path" for logs. */
void frontd_sockaddr_format(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t out_size);

#endif
