/*
 * moat-bench-loadgen: the load generator of the benchmark harness
 * (tests/bench/run). It speaks TLS 1.3 through moat's own client, so the
 * same client drives moat-frontd, nginx and haproxy and no peer gets a
 * friendlier client than another.
 *
 * One thread, one epoll set, many connections in flight. Each connection is
 * a small state machine (connect, handshake, request, body, close) that is
 * stepped whenever its socket is ready; what the TLS library says it is
 * blocked on (read or write) becomes the socket's epoll interest.
 *
 * Modes:
 *   handshake  full handshakes back to back, each on a new TCP connection:
 *              handshake, close_notify, wait for the server to close. In
 *              flight ones are finished when the time is up, so the server
 *              CPU the harness measures belongs to exactly the handshakes
 *              counted here. With --rate, at most that many start per
 *              second (still at most --conns at once): a steady load for
 *              tests that count outcomes (every handshake started is
 *              counted as completed or failed) while something happens to
 *              the server.
 *   download   GET /bytes/N through the terminator from the backend: the
 *              terminator reads plaintext from a TCP socket and seals it,
 *              the same bulk path for every server under test.
 *   idle       establish C connections, drop their handshake state and
 *              buffers, print "ready" and hold them until SIGTERM/SIGINT
 *              (the harness reads the servers' RSS meanwhile).
 *   requests   kept-alive small requests: --conns connections, each sends
 *              GET /bytes/N with "Connection: keep-alive" and waits for
 *              the whole answer before the next, for --duration seconds;
 *              then each closes. Counted: requests answered.
 *   raw        the kernel floor's client: no TLS. Each connection writes
 *              --hello-bytes of filler (a ClientHello's size) and reads
 *              until the server closes, as handshake mode does, against
 *              tests/bench/kfloor, which answers with a fixed flight.
 *
 * Handshake mode with --load-sessions resumes: each slot takes a session
 * from the file (written by an earlier run with --save-sessions, which
 * keeps the newest ticket of each slot), offers it, and after each
 * handshake keeps the newest ticket the server sent for its next one.
 * "resumed=" counts the handshakes the server resumed.
 *
 * --version 1.2 negotiates TLS 1.2: --suite aes128 then offers
 * ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM (aes128cbc: AES-128-CBC-SHA256),
 * so the server's certificate picks the one it can do.
 *
 * The client can be narrowed to one cipher suite, one group (x25519, P-256
 * or, TLS 1.3 only, the hybrid X25519MLKEM768) and one signature scheme.
 * No named policy offers ChaCha20 alone, so the load generator builds its
 * own policy from "default_tls13" and puts it on the config (tls/conn.h:
 * this is a test tool and may look inside). A client that offers a single
 * suite forces it on every server alike.
 *
 * Results go to stdout as one line of key=value pairs for the harness.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
/* linux/tcp.h, not netinet/tcp.h: its tcp_info has the byte counts (the two clash). */
#include <linux/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls/conn.h"
#include "tls/moat.h"

typedef enum { MODE_HANDSHAKE, MODE_DOWNLOAD, MODE_IDLE, MODE_REQUESTS, MODE_RAW } bench_mode;

typedef enum {
	ST_FREE,      /* slot unused */
	ST_HANDSHAKE, /* TCP connect and TLS negotiation */
	ST_REQUEST,   /* download: sending the GET */
	ST_BODY,      /* download: reading the response */
	ST_CLOSE_SEND, /* our close_notify */
	ST_CLOSE_WAIT, /* reading until the server closes */
	ST_IDLE,      /* idle: established and parked */
	ST_RAW_SEND,  /* raw: writing the filler ClientHello */
	ST_RAW_READ,  /* raw: reading the flight until the server closes */
} slot_state;

struct slot {
	int fd;
	struct moat_connection *conn;
	slot_state state;
	uint32_t interest; /* current epoll events, 0 when not registered */
	/* download */
	size_t req_sent;
	uint64_t header_seen; /* bytes of the header scanned so far */
	bool header_done;
	uint32_t crlf_state;  /* progress through "\r\n\r\n" */
	uint64_t body;
	double t_first;       /* request fully sent */
	size_t raw_sent;      /* raw: filler bytes written */
	uint8_t *session;     /* resumption: the newest session of this slot */
	size_t session_len;
	size_t session_cap;   /* bytes allocated at session */
};

struct options {
	bench_mode mode;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *server_name;
	int conns;          /* in flight */
	double duration;    /* handshake mode: seconds (0: use count) */
	long count;         /* handshake mode: handshakes; idle mode: connections */
	uint64_t bytes;     /* download: body size per connection */
	int downloads;      /* download: how many connections download in total */
	const char *suite;
	const char *group;
	const char *sig;
	int timeout_s;
	double rate;        /* handshake mode: starts per second (0: as fast as --conns allows) */
	bool tls12;         /* --version 1.2 */
	const char *load_sessions; /* handshake mode: resume the sessions in this file */
	const char *save_sessions; /* handshake mode: write each slot's newest session here */
	size_t hello_bytes; /* raw mode */
};

static struct options opts = {
	.mode = MODE_HANDSHAKE,
	.server_name = "localhost",
	.conns = 16,
	.duration = 0,
	.count = 0,
	.bytes = 64u << 20,
	.downloads = 1,
	.timeout_s = 30,
	.hello_bytes = 256,
};

struct stats {
	long started;
	long handshakes;   /* negotiations completed */
	long completed;    /* connections finished (handshake mode: closed; download: body received) */
	long failed;
	long close_errors; /* handshake done but the close path failed (counted, not fatal) */
	long resumed;      /* handshakes the server resumed */
	long requests;     /* requests mode: answers received whole */
	bool bytes_seen;   /* handshake mode: bytes_in/bytes_out taken from the first connection */
	unsigned long long bytes_in, bytes_out; /* TCP payload bytes that connection received and sent */
	uint64_t body_bytes;
	double body_seconds; /* sum over downloads of first-request to last-byte */
	double t_body_start, t_body_end;
	bool params_seen;
	char cipher[64];
	char curve[32];
	uint16_t sig;
	char first_error[160];
};

static struct stats st;
static struct moat_config *config;
static struct slot *slots;
static int epfd = -1;
static volatile sig_atomic_t stop_flag;
static int active;      /* slots not FREE */
static bool starting = true; /* new connections may still be started */

/* ---- helpers --------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void note_error(const char *what)
{
	if (st.first_error[0] == '\0')
		snprintf(st.first_error, sizeof(st.first_error), "%s: %s", what, moat_strerror_name(moat_errno));
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int set_interest(struct slot *s, uint32_t events)
{
	if (events == s->interest)
		return 0;
	struct epoll_event ev = { .events = events, .data.ptr = s };
	int op = s->interest == 0 ? EPOLL_CTL_ADD : (events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
	if (epoll_ctl(epfd, op, s->fd, &ev) < 0) {
		perror("loadgen: epoll_ctl");
		return -1;
	}
	s->interest = events;
	return 0;
}

static uint32_t events_for(moat_blocked_status blocked)
{
	return blocked == MOAT_BLOCKED_ON_WRITE ? EPOLLOUT : EPOLLIN;
}

/* ---- the client policy --------------------------------------------------- */

static const struct moat_cipher_suite *policy_suites[2];
static uint16_t policy_groups[2];
static uint16_t policy_sigs[1];
static struct moat_security_policy bench_policy;

static int build_policy(void)
{
	const struct moat_security_policy *base = moat_security_policy_find("default_tls13");
	if (base == NULL)
		return -1;
	bench_policy = *base;
	bench_policy.name = "bench";
	bench_policy.min_version = opts.tls12 ? MOAT_TLS12 : MOAT_TLS13;
	bench_policy.max_version = opts.tls12 ? MOAT_TLS12 : MOAT_TLS13;
	if (opts.tls12) {
		/* Both ECDHE suites of one cipher: the server's certificate picks. */
		if (opts.suite == NULL || strcmp(opts.suite, "aes128") == 0) {
			policy_suites[0] = &moat_suite_ecdhe_ecdsa_aes_128_gcm_sha256;
			policy_suites[1] = &moat_suite_ecdhe_rsa_aes_128_gcm_sha256;
		} else if (strcmp(opts.suite, "aes128cbc") == 0) {
			policy_suites[0] = &moat_suite_ecdhe_ecdsa_aes_128_cbc_sha256;
			policy_suites[1] = &moat_suite_ecdhe_rsa_aes_128_cbc_sha256;
		} else {
			die("unknown TLS 1.2 --suite '%s' (aes128, aes128cbc)", opts.suite);
		}
		bench_policy.cipher_suites = policy_suites;
		bench_policy.cipher_suites_count = 2;
	} else if (opts.suite != NULL) {
		const struct moat_cipher_suite *s = NULL;
		if (strcmp(opts.suite, "aes128") == 0)
			s = &moat_suite_tls13_aes_128_gcm_sha256;
		else if (strcmp(opts.suite, "aes256") == 0)
			s = &moat_suite_tls13_aes_256_gcm_sha384;
		else if (strcmp(opts.suite, "chacha20") == 0)
			s = &moat_suite_tls13_chacha20_poly1305_sha256;
		else
			die("unknown --suite '%s' (aes128, aes256, chacha20)", opts.suite);
		policy_suites[0] = s;
		bench_policy.cipher_suites = policy_suites;
		bench_policy.cipher_suites_count = 1;
	} else {
		/* Only the TLS 1.3 suites of the base policy: TLS 1.2 is not offered. */
		bench_policy.cipher_suites_count = 0;
		static const struct moat_cipher_suite *tls13[8];
		for (size_t i = 0; i < base->cipher_suites_count && bench_policy.cipher_suites_count < 8; i++)
			if (base->cipher_suites[i]->min_version == MOAT_TLS13)
				tls13[bench_policy.cipher_suites_count++] = base->cipher_suites[i];
		bench_policy.cipher_suites = tls13;
	}
	if (opts.group != NULL) {
		if (strcmp(opts.group, "x25519") == 0)
			policy_groups[0] = MOAT_GROUP_X25519;
		else if (strcmp(opts.group, "p256") == 0 || strcmp(opts.group, "secp256r1") == 0)
			policy_groups[0] = MOAT_GROUP_SECP256R1;
		else if (strcmp(opts.group, "x25519mlkem768") == 0)
			policy_groups[0] = MOAT_GROUP_X25519MLKEM768;
		else
			die("unknown --group '%s' (x25519, p256, x25519mlkem768)", opts.group);
		/* The hybrid is TLS 1.3 only (draft-ietf-tls-ecdhe-mlkem): a 1.2 run with it would measure nothing. */
		if (opts.tls12 && policy_groups[0] == MOAT_GROUP_X25519MLKEM768)
			die("--group x25519mlkem768 is TLS 1.3 only");
		bench_policy.groups = policy_groups;
		bench_policy.groups_count = 1;
		/* TLS 1.2: the groups also name the curves an ECDSA certificate may be on (RFC 8422 §5.1.1),
		 * so P-256 follows x25519; the server still takes x25519 for the key exchange. */
		if (opts.tls12 && policy_groups[0] != MOAT_GROUP_SECP256R1) {
			policy_groups[1] = MOAT_GROUP_SECP256R1;
			bench_policy.groups_count = 2;
		}
	}
	if (opts.sig != NULL) {
		if (strcmp(opts.sig, "rsa") == 0 || strcmp(opts.sig, "rsa_pss_rsae_sha256") == 0)
			policy_sigs[0] = MOAT_SIG_RSA_PSS_RSAE_SHA256;
		else if (strcmp(opts.sig, "ecdsa") == 0 || strcmp(opts.sig, "ecdsa_secp256r1_sha256") == 0)
			policy_sigs[0] = MOAT_SIG_ECDSA_SECP256R1_SHA256;
		else
			die("unknown --sig '%s' (rsa, ecdsa)", opts.sig);
		bench_policy.sig_schemes = policy_sigs;
		bench_policy.sig_schemes_count = 1;
	}
	return 0;
}

static int make_config(void)
{
	config = moat_config_new();
	if (config == NULL || moat_config_set_cipher_preferences(config, "default_tls13") < 0 ||
	    moat_config_disable_x509_verification(config) < 0) {
		fprintf(stderr, "loadgen: config: %s\n", moat_strerror_name(moat_errno));
		return -1;
	}
	if (build_policy() < 0)
		return -1;
	config->policy = &bench_policy;
	return 0;
}

/* ---- connection life cycle -------------------------------------------- */

/* A session holds the resumption PSK: wiped before its memory goes back. */
static void free_session(struct slot *s)
{
	if (s->session != NULL)
		explicit_bzero(s->session, s->session_cap);
	free(s->session);
	s->session = NULL;
	s->session_len = 0;
	s->session_cap = 0;
}

/* Resumption: keep the newest session the connection holds (a ticket received on it). */
static void keep_session(struct slot *s)
{
	int len = moat_connection_get_session_length(s->conn);
	if (len <= 0) {
		moat_error_clear();
		return;
	}
	if ((size_t)len > s->session_cap) {
		uint8_t *buf = malloc((size_t)len);
		if (buf == NULL)
			return;
		free_session(s);
		s->session = buf;
		s->session_cap = (size_t)len;
	}
	uint8_t *buf = s->session;
	int got = moat_connection_get_session(s->conn, buf, (size_t)len);
	if (got > 0)
		s->session_len = (size_t)got;
	else
		moat_error_clear();
}

static void slot_release(struct slot *s, bool ok)
{
	if (ok && s->conn != NULL && (opts.load_sessions != NULL || opts.save_sessions != NULL))
		keep_session(s);
	if (ok && !st.bytes_seen && opts.mode == MODE_HANDSHAKE && s->fd >= 0) {
		/* The whole exchange's size each way: the kernel floor replays it (tests/bench/kfloor). */
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    len >= offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received)) {
			st.bytes_in = (unsigned long long)ti.tcpi_bytes_received;
			st.bytes_out = (unsigned long long)ti.tcpi_bytes_acked;
			st.bytes_seen = true;
		}
	}
	if (s->interest != 0)
		(void)set_interest(s, 0);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->conn != NULL && moat_connection_wipe(s->conn) < 0) {
		/* A connection that cannot be wiped is not reused. */
		if (moat_connection_free(s->conn) < 0)
			moat_error_clear();
		s->conn = NULL;
	}
	s->state = ST_FREE;
	active--;
	if (!ok)
		st.failed++;
}

static int slot_start(struct slot *s)
{
	s->fd = socket(opts.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		perror("loadgen: socket");
		return -1;
	}
	int one = 1;
	(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, (struct sockaddr *)&opts.addr, opts.addr_len) < 0 && errno != EINPROGRESS) {
		if (st.first_error[0] == '\0')
			snprintf(st.first_error, sizeof(st.first_error), "connect: %s", strerror(errno));
		close(s->fd);
		s->fd = -1;
		st.failed++;
		return 0;
	}
	s->raw_sent = 0;
	if (opts.mode == MODE_RAW) {
		s->state = ST_RAW_SEND;
		s->interest = 0;
		active++;
		st.started++;
		return set_interest(s, EPOLLOUT);
	}
	if (s->conn == NULL) {
		s->conn = moat_connection_new(MOAT_CLIENT);
		if (s->conn == NULL) {
			fprintf(stderr, "loadgen: moat_connection_new: %s\n", moat_strerror_name(moat_errno));
			return -1;
		}
	}
	if (moat_connection_set_config(s->conn, config) < 0 || moat_connection_set_fd(s->conn, s->fd) < 0 ||
	    moat_set_server_name(s->conn, opts.server_name) < 0) {
		fprintf(stderr, "loadgen: connection setup: %s\n", moat_strerror_name(moat_errno));
		return -1;
	}
	if (s->session_len > 0 && moat_connection_set_session(s->conn, s->session, s->session_len) < 0) {
		/* A session the library refuses (expired, say): this handshake is a full one. */
		note_error("set_session");
		moat_error_clear();
	}
	s->state = ST_HANDSHAKE;
	s->interest = 0;
	s->req_sent = 0;
	s->header_seen = 0;
	s->header_done = false;
	s->crlf_state = 0;
	s->body = 0;
	active++;
	st.started++;
	/* The first negotiate step writes the ClientHello once the socket is writable. */
	return set_interest(s, EPOLLOUT);
}

static void record_params(struct moat_connection *conn)
{
	if (st.params_seen)
		return;
	st.params_seen = true;
	snprintf(st.cipher, sizeof(st.cipher), "%s", moat_connection_get_cipher(conn));
	snprintf(st.curve, sizeof(st.curve), "%s", moat_connection_get_curve(conn));
	st.sig = moat_connection_get_server_sig_scheme(conn);
}

static char request[256];
static size_t request_len;
static uint8_t raw_hello[16384]; /* raw mode: the filler ClientHello */
static double t_run_start;       /* requests mode: when the run began */

/* Scan response bytes for the end of the header; returns how many bytes of buf are body. */
static size_t take_response(struct slot *s, const uint8_t *buf, size_t n)
{
	size_t i = 0;
	static const char crlf2[] = "\r\n\r\n";
	while (!s->header_done && i < n) {
		if (buf[i] == (uint8_t)crlf2[s->crlf_state])
			s->crlf_state++;
		else
			s->crlf_state = buf[i] == '\r' ? 1 : 0;
		i++;
		s->header_seen++;
		if (s->crlf_state == 4)
			s->header_done = true;
	}
	return n - i;
}

/* Step one connection as far as it goes. Returns -1 only on a harness-fatal error. */
static int slot_step(struct slot *s)
{
	moat_blocked_status blocked = MOAT_NOT_BLOCKED;
	for (;;) {
		switch (s->state) {
		case ST_HANDSHAKE:
			if (moat_negotiate(s->conn, &blocked) < 0) {
				if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
					return set_interest(s, events_for(blocked));
				note_error("negotiate");
				slot_release(s, false);
				return 0;
			}
			st.handshakes++;
			if (moat_connection_is_session_resumed(s->conn) == 1)
				st.resumed++;
			record_params(s->conn);
			if (opts.mode == MODE_HANDSHAKE) {
				s->state = ST_CLOSE_SEND;
			} else if (opts.mode == MODE_DOWNLOAD || opts.mode == MODE_REQUESTS) {
				s->state = ST_REQUEST;
			} else {
				/* Idle: keep only what an established connection needs. */
				if (moat_connection_free_handshake(s->conn) < 0 ||
				    moat_connection_release_buffers(s->conn) < 0)
					moat_error_clear();
				s->state = ST_IDLE;
				st.completed++;
				/* Still watched: a server that drops the connection is noticed. */
				return set_interest(s, EPOLLIN);
			}
			break;
		case ST_REQUEST: {
			ssize_t n = moat_send(s->conn, request + s->req_sent, (ssize_t)(request_len - s->req_sent), &blocked);
			if (n < 0) {
				if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
					return set_interest(s, events_for(blocked));
				note_error("send");
				slot_release(s, false);
				return 0;
			}
			s->req_sent += (size_t)n;
			if (s->req_sent < request_len || blocked == MOAT_BLOCKED_ON_WRITE) {
				if (blocked == MOAT_BLOCKED_ON_WRITE)
					return set_interest(s, EPOLLOUT);
				break;
			}
			s->t_first = now_s();
			if (st.t_body_start == 0)
				st.t_body_start = s->t_first;
			s->state = ST_BODY;
			break;
		}
		case ST_BODY: {
			static uint8_t buf[65536];
			ssize_t n = moat_recv(s->conn, buf, sizeof(buf), &blocked);
			if (n < 0 && moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
				return set_interest(s, events_for(blocked));
			if (n <= 0) {
				if (n < 0)
					note_error("recv");
				else if (st.first_error[0] == '\0')
					snprintf(st.first_error, sizeof(st.first_error),
						 "closed after %llu of %llu body bytes", (unsigned long long)s->body,
						 (unsigned long long)opts.bytes);
				st.body_bytes += s->body;
				slot_release(s, false);
				return 0;
			}
			s->body += take_response(s, buf, (size_t)n);
			if (opts.mode == MODE_REQUESTS && s->header_done && s->body >= opts.bytes) {
				/* One answer whole: the next request, or the end of this connection. */
				st.requests++;
				s->req_sent = 0;
				s->header_seen = 0;
				s->header_done = false;
				s->crlf_state = 0;
				s->body = 0;
				if (stop_flag || now_s() - t_run_start >= opts.duration) {
					st.completed++;
					s->state = ST_CLOSE_SEND;
				} else {
					s->state = ST_REQUEST;
				}
				break;
			}
			if (s->header_done && s->body >= opts.bytes) {
				double t = now_s();
				st.body_bytes += s->body;
				st.body_seconds += t - s->t_first;
				st.t_body_end = t;
				st.completed++;
				s->state = ST_CLOSE_SEND;
			}
			break;
		}
		case ST_CLOSE_SEND:
			if (moat_shutdown_send(s->conn, &blocked) < 0) {
				if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
					return set_interest(s, events_for(blocked));
				st.close_errors++;
				if (opts.mode == MODE_HANDSHAKE)
					st.completed++;
				slot_release(s, true);
				return 0;
			}
			s->state = ST_CLOSE_WAIT;
			break;
		case ST_CLOSE_WAIT: {
			/* Drain until the server's close_notify or EOF: the server has then done all its work. */
			uint8_t buf[4096];
			ssize_t n = moat_recv(s->conn, buf, sizeof(buf), &blocked);
			if (n > 0)
				break;
			if (n < 0 && moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
				return set_interest(s, events_for(blocked));
			if (n < 0 && moat_error_get_type(moat_errno) != MOAT_ERR_T_CLOSED &&
			    moat_error_get_type(moat_errno) != MOAT_ERR_T_IO)
				st.close_errors++;
			moat_error_clear();
			if (opts.mode == MODE_HANDSHAKE)
				st.completed++;
			slot_release(s, true);
			return 0;
		}
		case ST_IDLE: {
			uint8_t buf[4096];
			ssize_t n = moat_recv(s->conn, buf, sizeof(buf), &blocked);
			if (n < 0 && moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
				/* recv may have allocated a buffer to read into: give it back. */
				if (moat_connection_release_buffers(s->conn) < 0)
					moat_error_clear();
				return 0;
			}
			if (n > 0)
				break;
			/* The server closed an idle connection: that is a failure of the scenario. */
			note_error("idle connection closed by server");
			st.completed--;
			slot_release(s, false);
			return 0;
		}
		case ST_RAW_SEND: {
			while (s->raw_sent < opts.hello_bytes) {
				ssize_t n = send(s->fd, raw_hello + s->raw_sent, opts.hello_bytes - s->raw_sent, MSG_NOSIGNAL);
				if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
					return set_interest(s, EPOLLOUT);
				if (n < 0) {
					if (st.first_error[0] == '\0')
						snprintf(st.first_error, sizeof(st.first_error), "send: %s", strerror(errno));
					slot_release(s, false);
					return 0;
				}
				s->raw_sent += (size_t)n;
			}
			s->state = ST_RAW_READ;
			break;
		}
		case ST_RAW_READ: {
			uint8_t buf[16384];
			ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
			if (n > 0)
				break;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return set_interest(s, EPOLLIN);
			if (n < 0) {
				if (st.first_error[0] == '\0')
					snprintf(st.first_error, sizeof(st.first_error), "recv: %s", strerror(errno));
				slot_release(s, false);
				return 0;
			}
			/* The server's close: its whole part of the exchange is done. */
			st.handshakes++;
			st.completed++;
			slot_release(s, true);
			return 0;
		}
		case ST_FREE:
			return 0;
		}
	}
}

/* ---- session files (resumption) ------------------------------------------ */

/*
 * A session file is a run of sessions, each a 4-byte big-endian length and
 * the library's serialized session (a secret: it holds the resumption PSK;
 * the harness keeps it in its scratch directory, removed after the run).
 */
static int save_sessions(const char *path, int nslots)
{
	/* Readable by its owner only: the sessions are secrets. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int saved = 0;
	for (int i = 0; i < nslots; i++) {
		if (slots[i].session_len == 0)
			continue;
		uint32_t n = (uint32_t)slots[i].session_len;
		uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
		if (fwrite(len, 1, 4, f) != 4 || fwrite(slots[i].session, 1, n, f) != n) {
			fclose(f);
			return -1;
		}
		saved++;
	}
	if (fclose(f) != 0)
		return -1;
	return saved;
}

/* Hand the file's sessions out to the slots, round robin. Returns how many the file held. */
static int load_sessions(const char *path, int nslots)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	int count = 0;
	uint8_t len[4];
	while (fread(len, 1, 4, f) == 4) {
		size_t n = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
		if (n == 0 || n > 65536)
			break;
		uint8_t *buf = malloc(n);
		if (buf == NULL || fread(buf, 1, n, f) != n) {
			if (buf != NULL)
				explicit_bzero(buf, n);
			free(buf);
			break;
		}
		if (count < nslots) {
			slots[count].session = buf;
			slots[count].session_len = n;
			slots[count].session_cap = n;
		} else {
			explicit_bzero(buf, n);
			free(buf);
		}
		count++;
	}
	fclose(f);
	if (count == 0)
		return 0;
	if (count > nslots)
		count = nslots;
	for (int i = count; i < nslots; i++) {
		const struct slot *from = &slots[i % count];
		slots[i].session = malloc(from->session_len);
		if (slots[i].session == NULL)
			return -1;
		memcpy(slots[i].session, from->session, from->session_len);
		slots[i].session_len = from->session_len;
		slots[i].session_cap = from->session_len;
	}
	return count;
}

/* ---- the run ----------------------------------------------------------- */

static bool want_more(double t_start)
{
	if (stop_flag)
		return false;
	switch (opts.mode) {
	case MODE_HANDSHAKE:
		if (opts.count > 0 && st.started >= opts.count)
			return false;
		return opts.duration <= 0 || now_s() - t_start < opts.duration;
	case MODE_DOWNLOAD:
		return st.started < opts.downloads;
	case MODE_IDLE:
		return st.started < opts.count;
	case MODE_REQUESTS:
		/* One connection per slot, kept for the whole run; a failed one is replaced. */
		return now_s() - t_start < opts.duration;
	case MODE_RAW:
		if (opts.count > 0 && st.started >= opts.count)
			return false;
		return opts.duration <= 0 || now_s() - t_start < opts.duration;
	}
	return false;
}

/* --rate: whether the next handshake is due yet. */
static bool rate_allows(double t_start)
{
	return opts.rate <= 0 || (double)st.started < (now_s() - t_start) * opts.rate;
}

/* epoll_wait's timeout: a second at most, less when --rate has a start due sooner. */
static int wait_ms(double t_start)
{
	if (opts.rate <= 0 || !starting)
		return 1000;
	double due = (double)st.started / opts.rate - (now_s() - t_start);
	if (due <= 0)
		return 0;
	return due >= 1.0 ? 1000 : (int)(due * 1000.0) + 1;
}

static int fill_slots(double t_start, int limit)
{
	for (int i = 0; i < limit && starting; i++) {
		if (slots[i].state != ST_FREE)
			continue;
		if (!rate_allows(t_start))
			break;
		if (!want_more(t_start)) {
			starting = false;
			break;
		}
		if (slot_start(&slots[i]) < 0)
			return -1;
		if (slots[i].state != ST_FREE && slot_step(&slots[i]) < 0)
			return -1;
	}
	return 0;
}

static int run(void)
{
	int nslots = opts.mode == MODE_IDLE ? (int)opts.count : opts.conns;
	slots = calloc((size_t)nslots, sizeof(*slots));
	if (slots == NULL)
		return -1;
	for (int i = 0; i < nslots; i++)
		slots[i].fd = -1;
	if (opts.load_sessions != NULL && load_sessions(opts.load_sessions, nslots) <= 0) {
		fprintf(stderr, "loadgen: no session in %s\n", opts.load_sessions);
		return -1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;

	/* Idle mode opens at most conns handshakes at a time but keeps every slot. */
	int in_flight = opts.conns;
	double t_start = now_s();
	t_run_start = t_start;
	double deadline_grace = opts.timeout_s;
	int next = 0; /* idle mode: next slot to start */
	struct epoll_event evs[256];
	bool ready_printed = false;

	for (;;) {
		if (opts.mode == MODE_IDLE) {
			int handshaking = active - (int)st.completed;
			while (starting && handshaking < in_flight && next < nslots && !stop_flag) {
				if (slot_start(&slots[next]) < 0)
					return -1;
				if (slots[next].state != ST_FREE && slot_step(&slots[next]) < 0)
					return -1;
				next++;
				handshaking = active - (int)st.completed;
			}
			if (next >= nslots)
				starting = false;
			if (!starting && active == (int)st.completed && !ready_printed) {
				printf("mode=idle ready=1 established=%ld failed=%ld cipher=%s group=%s sig=0x%04x seconds=%.3f%s%s\n",
				       st.completed, st.failed, st.cipher, st.curve, st.sig, now_s() - t_start,
				       st.first_error[0] ? " error=" : "", st.first_error);
				fflush(stdout);
				ready_printed = true;
			}
			if (stop_flag)
				break;
		} else {
			if (fill_slots(t_start, nslots) < 0)
				return -1;
			if (!starting && active == 0)
				break;
			if (stop_flag && active == 0)
				break;
		}
		int n = epoll_wait(epfd, evs, 256, opts.mode == MODE_HANDSHAKE ? wait_ms(t_start) : (opts.mode == MODE_REQUESTS ? 100 : 1000));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("loadgen: epoll_wait");
			return -1;
		}
		/* Nothing more to start (in download mode the busy slots keep fill_slots from noticing). */
		if (n == 0 && opts.mode != MODE_IDLE && (!starting || !want_more(t_start)) &&
		    now_s() - t_start > (opts.duration > 0 ? opts.duration : 0) + deadline_grace) {
			fprintf(stderr, "loadgen: %d connections stuck, giving up\n", active);
			for (int i = 0; i < nslots; i++)
				if (slots[i].state != ST_FREE)
					slot_release(&slots[i], false);
			break;
		}
		for (int i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;
			if (slot_step(s) < 0)
				return -1;
		}
	}
	double t_end = now_s();
	double secs = t_end - t_start;
	/* The client's own CPU (user + system) over the whole run, set-up
	 * included: on a machine where it shares cores with the server, the
	 * saturation figures say what it cost. */
	struct rusage ru;
	double client_cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		client_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
			     (double)ru.ru_stime.tv_usec / 1e6;
	switch (opts.mode) {
	case MODE_HANDSHAKE:
	case MODE_RAW:
		printf("mode=%s started=%ld handshakes=%ld completed=%ld failed=%ld close_errors=%ld resumed=%ld "
		       "bytes_in=%llu bytes_out=%llu seconds=%.3f rate=%.1f client_cpu=%.3f cipher=%s group=%s sig=0x%04x%s%s\n",
		       opts.mode == MODE_RAW ? "raw" : "handshake", st.started, st.handshakes, st.completed, st.failed,
		       st.close_errors, st.resumed, st.bytes_in, st.bytes_out, secs, secs > 0 ? (double)st.handshakes / secs : 0.0,
		       client_cpu,
		       opts.mode == MODE_RAW ? "none" : st.cipher, opts.mode == MODE_RAW ? "none" : st.curve, st.sig,
		       st.first_error[0] ? " error=" : "", st.first_error);
		break;
	case MODE_REQUESTS:
		printf("mode=requests connections=%ld requests=%ld completed=%ld failed=%ld seconds=%.3f rate=%.1f "
		       "cipher=%s group=%s sig=0x%04x%s%s\n",
		       st.started, st.requests, st.completed, st.failed, secs,
		       secs > 0 ? (double)st.requests / secs : 0.0, st.cipher, st.curve, st.sig,
		       st.first_error[0] ? " error=" : "", st.first_error);
		break;
	case MODE_DOWNLOAD: {
		double span = st.t_body_end > st.t_body_start ? st.t_body_end - st.t_body_start : 0;
		printf("mode=download completed=%ld failed=%ld bytes=%llu seconds=%.3f mbps=%.1f cipher=%s group=%s "
		       "sig=0x%04x%s%s\n",
		       st.completed, st.failed, (unsigned long long)st.body_bytes, span,
		       span > 0 ? (double)st.body_bytes / span / 1e6 : 0.0, st.cipher, st.curve, st.sig,
		       st.first_error[0] ? " error=" : "", st.first_error);
		break;
	}
	case MODE_IDLE:
		if (!ready_printed)
			printf("mode=idle ready=0 established=%ld failed=%ld%s%s\n", st.completed, st.failed,
			       st.first_error[0] ? " error=" : "", st.first_error);
		break;
	}
	fflush(stdout);
	if (opts.save_sessions != NULL) {
		int saved = save_sessions(opts.save_sessions, nslots);
		if (saved <= 0) {
			fprintf(stderr, "loadgen: no session saved to %s (no ticket received?)\n", opts.save_sessions);
			return 1;
		}
	}
	return st.failed == 0 ? 0 : 1;
}

/* ---- command line --------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen --connect HOST:PORT [--mode handshake|download|idle] [--server-name NAME]\n"
		"       [--conns N] [--duration SECONDS] [--count N] [--bytes N] [--downloads N]\n"
		"       [--suite aes128|aes256|chacha20] [--group x25519|p256|x25519mlkem768] [--sig rsa|ecdsa]\n"
		"       [--timeout S]\n"
		"       [--rate PER_SECOND] [--version 1.2|1.3] [--load-sessions FILE] [--save-sessions FILE]\n"
		"       [--hello-bytes N]\n"
		"handshake: --duration or --count handshakes with --conns in flight (--rate: started per second);\n"
		"download:  --downloads connections (--conns at a time) each GET /bytes/--bytes;\n"
		"idle:      --count connections (handshakes --conns at a time), held until SIGTERM;\n"
		"requests:  --conns kept-alive connections, GET /bytes/--bytes one at a time, for --duration;\n"
		"raw:       no TLS: --hello-bytes written, read until close (the kernel floor's client).\n");
}

static void parse_hostport(const char *arg)
{
	char host[256];
	const char *colon = strrchr(arg, ':');
	if (colon == NULL || (size_t)(colon - arg) >= sizeof(host))
		die("bad --connect '%s' (HOST:PORT)", arg);
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	char *h = host;
	if (h[0] == '[') {
		h++;
		char *close = strchr(h, ']');
		if (close != NULL)
			*close = '\0';
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0 || res == NULL)
		die("cannot resolve '%s'", arg);
	memcpy(&opts.addr, res->ai_addr, res->ai_addrlen);
	opts.addr_len = res->ai_addrlen;
	freeaddrinfo(res);
}

static long parse_long(const char *arg, long min)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < min)
		die("bad number '%s'", arg);
	return v;
}

static void parse_args(int argc, char **argv)
{
	enum {
		O_CONNECT = 256, O_MODE, O_SNI, O_CONNS, O_DURATION, O_COUNT, O_BYTES, O_DOWNLOADS, O_SUITE, O_GROUP,
		O_SIG, O_TIMEOUT, O_RATE, O_VERSION, O_LOAD_SESSIONS, O_SAVE_SESSIONS, O_HELLO_BYTES
	};
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "mode", required_argument, NULL, O_MODE },
		{ "server-name", required_argument, NULL, O_SNI },
		{ "conns", required_argument, NULL, O_CONNS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "count", required_argument, NULL, O_COUNT },
		{ "bytes", required_argument, NULL, O_BYTES },
		{ "downloads", required_argument, NULL, O_DOWNLOADS },
		{ "suite", required_argument, NULL, O_SUITE },
		{ "group", required_argument, NULL, O_GROUP },
		{ "sig", required_argument, NULL, O_SIG },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "rate", required_argument, NULL, O_RATE },
		{ "version", required_argument, NULL, O_VERSION },
		{ "load-sessions", required_argument, NULL, O_LOAD_SESSIONS },
		{ "save-sessions", required_argument, NULL, O_SAVE_SESSIONS },
		{ "hello-bytes", required_argument, NULL, O_HELLO_BYTES },
		{ NULL, 0, NULL, 0 },
	};
	bool have_connect = false;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONNECT:
			parse_hostport(optarg);
			have_connect = true;
			break;
		case O_MODE:
			if (strcmp(optarg, "handshake") == 0)
				opts.mode = MODE_HANDSHAKE;
			else if (strcmp(optarg, "download") == 0)
				opts.mode = MODE_DOWNLOAD;
			else if (strcmp(optarg, "idle") == 0)
				opts.mode = MODE_IDLE;
			else if (strcmp(optarg, "requests") == 0)
				opts.mode = MODE_REQUESTS;
			else if (strcmp(optarg, "raw") == 0)
				opts.mode = MODE_RAW;
			else
				die("unknown --mode '%s'", optarg);
			break;
		case O_SNI:
			opts.server_name = optarg;
			break;
		case O_CONNS:
			opts.conns = (int)parse_long(optarg, 1);
			break;
		case O_DURATION: {
			char *end;
			opts.duration = strtod(optarg, &end);
			if (*end != '\0' || opts.duration <= 0)
				die("bad --duration '%s'", optarg);
			break;
		}
		case O_COUNT:
			opts.count = parse_long(optarg, 1);
			break;
		case O_BYTES:
			opts.bytes = (uint64_t)parse_long(optarg, 0);
			break;
		case O_DOWNLOADS:
			opts.downloads = (int)parse_long(optarg, 1);
			break;
		case O_SUITE:
			opts.suite = optarg;
			break;
		case O_GROUP:
			opts.group = optarg;
			break;
		case O_SIG:
			opts.sig = optarg;
			break;
		case O_TIMEOUT:
			opts.timeout_s = (int)parse_long(optarg, 1);
			break;
		case O_RATE: {
			char *end;
			opts.rate = strtod(optarg, &end);
			if (*end != '\0' || opts.rate <= 0)
				die("bad --rate '%s'", optarg);
			break;
		}
		case O_VERSION:
			if (strcmp(optarg, "1.2") == 0)
				opts.tls12 = true;
			else if (strcmp(optarg, "1.3") == 0)
				opts.tls12 = false;
			else
				die("unknown --version '%s' (1.2, 1.3)", optarg);
			break;
		case O_LOAD_SESSIONS:
			opts.load_sessions = optarg;
			break;
		case O_SAVE_SESSIONS:
			opts.save_sessions = optarg;
			break;
		case O_HELLO_BYTES:
			opts.hello_bytes = (size_t)parse_long(optarg, 1);
			if (opts.hello_bytes > sizeof(raw_hello))
				die("--hello-bytes: at most %zu", sizeof(raw_hello));
			break;
		default:
			usage();
			exit(2);
		}
	}
	if (!have_connect || optind != argc) {
		usage();
		exit(2);
	}
	if ((opts.mode == MODE_HANDSHAKE || opts.mode == MODE_RAW || opts.mode == MODE_REQUESTS) &&
	    opts.duration <= 0 && opts.count == 0)
		opts.duration = 3;
	if (opts.mode == MODE_REQUESTS && opts.duration <= 0)
		die("requests mode runs for --duration seconds");
	if ((opts.load_sessions != NULL || opts.save_sessions != NULL) && opts.mode != MODE_HANDSHAKE)
		die("--load-sessions and --save-sessions are for handshake mode");
	if (opts.mode == MODE_IDLE && opts.count == 0)
		opts.count = 1000;
}

/* Idle mode holds one socket per connection: ask for as many descriptors as the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	raise_nofile();
	if (make_config() < 0)
		return 2;
	int len = snprintf(request, sizeof(request), "GET /bytes/%llu HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n",
			   (unsigned long long)opts.bytes, opts.server_name,
			   opts.mode == MODE_REQUESTS ? "keep-alive" : "close");
	/* The filler ClientHello: a handshake record's first bytes, then a pattern. */
	for (size_t i = 0; i < sizeof(raw_hello); i++)
		raw_hello[i] = (uint8_t)(i * 7 + 3);
	raw_hello[0] = 0x16;
	if (len < 0 || (size_t)len >= sizeof(request))
		return 2;
	request_len = (size_t)len;
	int rc = run();
	if (slots != NULL) {
		int nslots = opts.mode == MODE_IDLE ? (int)opts.count : opts.conns;
		for (int i = 0; i < nslots; i++) {
			if (slots[i].fd >= 0)
				close(slots[i].fd);
			if (slots[i].conn != NULL && moat_connection_free(slots[i].conn) < 0)
				moat_error_clear();
			free_session(&slots[i]);
		}
		free(slots);
	}
	if (config != NULL && moat_config_free(config) < 0)
		moat_error_clear();
	if (rc < 0) {
		fprintf(stderr, "loadgen: aborted\n");
		return 2;
	}
	return rc;
}
