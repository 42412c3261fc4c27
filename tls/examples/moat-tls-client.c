/*
 * moat-tls-client: a small TLS 1.3 client on moat's library, in the spirit
 * of s2nc. It connects, negotiates over a non-blocking socket driven by
 * poll() on the blocked status, optionally checks that an echo server sends
 * back exactly what it was sent, and shuts down with close_notify.
 *
 * Sending and receiving run in one loop that does whichever side can make
 * progress: against an echo server, a client that sent everything before
 * reading would deadlock once both sides' socket buffers are full.
 *
 * Exit status: 0 on success, 1 with the error's name, where it was raised
 * and any alert (received or sent) printed on stderr, 2 for bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat.h>

#include "example_common.h"

const char *ex_progname = "moat-tls-client";

struct options {
	const char *connect;
	const char *server_name;
	const char *ca;
	bool insecure;
	const char *policy;
	const char *alpn;
	const char *cert;
	const char *key;
	bool echo_check;
	long long send_bytes; /* -1: not given */
	long long recv_bytes; /* -1: not given */
	const char *send_file;
	bool key_update;
	bool print;
	bool low_latency;
	const char *sess_in;                 /* a session to offer (--sess-in) */
	const char *sess_out;                /* where the last ticket's session goes (--sess-out) */
	const char *psk;                     /* external PSK, hex (--psk) */
	const char *psk_identity;
	const char *psk_hash;
	int timeout_ms;
};

static struct options opts = {
	.policy = "default_tls13",
	.send_bytes = -1,
	.recv_bytes = -1,
	.timeout_ms = 30000,
};

/* What to send, and what to do with what comes back. */
struct transfer {
	const uint8_t *out;
	size_t out_len;
	size_t sent;
	bool write_pending; /* taken by the library, not yet on the wire */
	size_t recv_want;
	size_t received;
	const uint8_t *expect; /* compare received bytes with this, or write them to stdout */
};

static int fail(struct moat_connection *conn, const char *what)
{
	ex_report_error(conn, what);
	return -1;
}

static int negotiate(struct moat_connection *conn, int fd)
{
	moat_blocked_status blocked;
	while (moat_negotiate(conn, &blocked) < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail(conn, "moat_negotiate");
		if (ex_wait(fd, blocked, opts.timeout_ms) < 0)
			return -1;
	}
	return 0;
}

static int flush_all(struct moat_connection *conn, int fd)
{
	moat_blocked_status blocked;
	while (moat_flush(conn, &blocked) < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail(conn, "moat_flush");
		if (ex_wait(fd, blocked, opts.timeout_ms) < 0)
			return -1;
	}
	return 0;
}

static int take_received(struct transfer *t, const uint8_t *buf, size_t n)
{
	if (t->expect != NULL) {
		if (memcmp(buf, t->expect + t->received, n) != 0) {
			size_t at = 0;
			while (buf[at] == t->expect[t->received + at])
				at++;
			ex_warn("echo mismatch at byte %zu", t->received + at);
			return -1;
		}
	} else if (fwrite(buf, 1, n, stdout) != n) {
		ex_warn("stdout: %s", strerror(errno));
		return -1;
	}
	t->received += n;
	return 0;
}

/* One step of the sending side. *progress is set when something moved. */
static int send_step(struct moat_connection *conn, struct transfer *t, bool *progress)
{
	moat_blocked_status blocked = MOAT_NOT_BLOCKED;
	if (t->sent < t->out_len) {
		size_t chunk = t->out_len - t->sent;
		if (chunk > 65536)
			chunk = 65536;
		ssize_t n = moat_send(conn, t->out + t->sent, (ssize_t)chunk, &blocked);
		if (n < 0 && moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail(conn, "moat_send");
		if (n > 0) {
			t->sent += (size_t)n;
			*progress = true;
		}
		t->write_pending = blocked == MOAT_BLOCKED_ON_WRITE;
	} else if (t->write_pending) {
		if (moat_flush(conn, &blocked) < 0) {
			if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				return fail(conn, "moat_flush");
		} else {
			t->write_pending = false;
			*progress = true;
		}
	}
	return 0;
}

/* One step of the receiving side. *want_read is set when it waits for the socket. */
static int recv_step(struct moat_connection *conn, struct transfer *t, bool *progress, bool *want_read)
{
	uint8_t buf[16384];
	size_t ask = t->recv_want - t->received;
	if (ask > sizeof(buf))
		ask = sizeof(buf);
	moat_blocked_status blocked;
	ssize_t n = moat_recv(conn, buf, (ssize_t)ask, &blocked);
	if (n < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail(conn, "moat_recv");
		*want_read = true;
		return 0;
	}
	if (n == 0) {
		ex_warn("peer closed after %zu of %zu bytes", t->received, t->recv_want);
		return -1;
	}
	*progress = true;
	return take_received(t, buf, (size_t)n);
}

static int run_transfer(struct moat_connection *conn, int fd, struct transfer *t)
{
	while (t->sent < t->out_len || t->write_pending || t->received < t->recv_want) {
		bool progress = false, want_read = false;
		if ((t->sent < t->out_len || t->write_pending) && send_step(conn, t, &progress) < 0)
			return -1;
		if (t->received < t->recv_want && recv_step(conn, t, &progress, &want_read) < 0)
			return -1;
		if (progress)
			continue;
		struct pollfd p = { .fd = fd, .events = 0 };
		if (want_read)
			p.events |= POLLIN;
		if (t->write_pending || t->sent < t->out_len)
			p.events |= POLLOUT;
		int n;
		do
			n = poll(&p, 1, opts.timeout_ms);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			ex_warn("timed out: sent %zu of %zu, received %zu of %zu bytes", t->sent, t->out_len, t->received,
				t->recv_want);
			return -1;
		}
	}
	return 0;
}

static int shutdown_conn(struct moat_connection *conn, int fd)
{
	moat_blocked_status blocked;
	while (moat_shutdown(conn, &blocked) < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail(conn, "moat_shutdown");
		if (ex_wait(fd, blocked, opts.timeout_ms) < 0)
			return -1;
	}
	return 0;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: moat-tls-client --connect HOST:PORT [--server-name NAME] [--ca FILE | --insecure]\n"
		"       [--policy NAME] [--alpn a,b] [--cert FILE --key FILE] [--key-update] [--low-latency]\n"
		"       [--echo-check [--send-bytes N]] [--send-file FILE] [--recv-bytes N] [--print]\n"
		"       [--timeout SECONDS] [--sess-in FILE] [--sess-out FILE]\n"
		"       [--psk HEX --psk-identity ID [--psk-hash sha256|sha384]]\n"
		"       moat-tls-client -h | --help | -V | --version\n"
		"--echo-check sends stdin (or N pattern bytes) and expects it back unchanged;\n"
		"--recv-bytes writes the received bytes to stdout. Parameters go to stderr.\n"
		"--sess-out keeps the session of the last ticket received; --sess-in offers one (TLS 1.3 resumption).\n"
		"--policy also sets the highest version offered: default_tls13 (the default) offers TLS 1.3 to 1.0,\n"
		"default or 20190214 stop at TLS 1.2.\n"
		"--psk offers an external PSK (TLS 1.3) instead of a ticket.\n");
}

static int parse_count(const char *arg, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0) {
		ex_warn("bad count '%s'", arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* -1: go on and run; else the status to exit with: 0 after --help or --version, 2 for bad usage. */
static int parse_args(int argc, char **argv)
{
	enum {
		O_CONNECT = 256, O_SERVER_NAME, O_CA, O_INSECURE, O_POLICY, O_ALPN, O_CERT, O_KEY, O_ECHO_CHECK,
		O_SEND_BYTES, O_RECV_BYTES, O_SEND_FILE, O_KEY_UPDATE, O_PRINT, O_LOW_LATENCY, O_TIMEOUT, O_SESS_IN, O_SESS_OUT, O_PSK,
		O_PSK_IDENTITY, O_PSK_HASH, O_HELP,
		O_VERSION
	};
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "server-name", required_argument, NULL, O_SERVER_NAME },
		{ "ca", required_argument, NULL, O_CA },
		{ "insecure", no_argument, NULL, O_INSECURE },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "alpn", required_argument, NULL, O_ALPN },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "echo-check", no_argument, NULL, O_ECHO_CHECK },
		{ "send-bytes", required_argument, NULL, O_SEND_BYTES },
		{ "recv-bytes", required_argument, NULL, O_RECV_BYTES },
		{ "send-file", required_argument, NULL, O_SEND_FILE },
		{ "key-update", no_argument, NULL, O_KEY_UPDATE },
		{ "print", no_argument, NULL, O_PRINT },
		{ "low-latency", no_argument, NULL, O_LOW_LATENCY },
		{ "sess-in", required_argument, NULL, O_SESS_IN },
		{ "sess-out", required_argument, NULL, O_SESS_OUT },
		{ "psk", required_argument, NULL, O_PSK },
		{ "psk-identity", required_argument, NULL, O_PSK_IDENTITY },
		{ "psk-hash", required_argument, NULL, O_PSK_HASH },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONNECT:
			opts.connect = optarg;
			break;
		case O_SERVER_NAME:
			opts.server_name = optarg;
			break;
		case O_CA:
			opts.ca = optarg;
			break;
		case O_INSECURE:
			opts.insecure = true;
			break;
		case O_POLICY:
			opts.policy = optarg;
			break;
		case O_ALPN:
			opts.alpn = optarg;
			break;
		case O_CERT:
			opts.cert = optarg;
			break;
		case O_KEY:
			opts.key = optarg;
			break;
		case O_ECHO_CHECK:
			opts.echo_check = true;
			break;
		case O_SEND_BYTES:
			if (parse_count(optarg, &opts.send_bytes) < 0)
				return 2;
			break;
		case O_RECV_BYTES:
			if (parse_count(optarg, &opts.recv_bytes) < 0)
				return 2;
			break;
		case O_SEND_FILE:
			opts.send_file = optarg;
			break;
		case O_KEY_UPDATE:
			opts.key_update = true;
			break;
		case O_PRINT:
			opts.print = true;
			break;
		case O_SESS_IN:
			opts.sess_in = optarg;
			break;
		case O_SESS_OUT:
			opts.sess_out = optarg;
			break;
		case O_LOW_LATENCY:
			opts.low_latency = true;
			break;
		case O_PSK:
			opts.psk = optarg;
			break;
		case O_PSK_IDENTITY:
			opts.psk_identity = optarg;
			break;
		case O_PSK_HASH:
			opts.psk_hash = optarg;
			break;
		case O_TIMEOUT: {
			long long t;
			if (parse_count(optarg, &t) < 0 || t == 0 || t > 86400)
				return 2;
			opts.timeout_ms = (int)(t * 1000);
			break;
		}
		case 'h':
		case O_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case O_VERSION:
			ex_print_version("moat-tls-client");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || opts.connect == NULL) {
		usage(stderr);
		return 2;
	}
	if ((opts.cert == NULL) != (opts.key == NULL)) {
		ex_warn("--cert and --key go together");
		return 2;
	}
	if ((opts.psk == NULL) != (opts.psk_identity == NULL) || (opts.psk_hash != NULL && opts.psk == NULL)) {
		ex_warn("--psk and --psk-identity go together (--psk-hash with them)");
		return 2;
	}
	if (opts.echo_check && opts.send_file) {
		ex_warn("--echo-check sends stdin or --send-bytes, not --send-file");
		return 2;
	}
	if (opts.send_bytes >= 0 && !opts.echo_check) {
		ex_warn("--send-bytes needs --echo-check");
		return 2;
	}
	return -1;
}

static int must(int rc, const char *what)
{
	if (rc < 0)
		ex_report_error(NULL, what);
	return rc;
}

/* Objects are handed out as soon as they exist, so main frees them on every path. */
static int make_config(struct moat_config **config_out, struct moat_cert_chain_and_key **ck_out, char ***alpn_out)
{
	struct moat_config *config = moat_config_new();
	*config_out = config;
	if (config == NULL)
		return must(-1, "moat_config_new");
	if (must(moat_config_set_cipher_preferences(config, opts.policy), "policy") < 0)
		return -1;
	if (opts.ca && (must(moat_config_wipe_trust_store(config), "wipe trust store") < 0 ||
			must(moat_config_set_verification_ca_location(config, opts.ca, NULL), opts.ca) < 0))
		return -1;
	if (opts.insecure && must(moat_config_disable_x509_verification(config), "disable verification") < 0)
		return -1;
	if (opts.alpn) {
		int n;
		*alpn_out = ex_split_list(opts.alpn, &n);
		if (*alpn_out == NULL) {
			ex_warn("bad --alpn '%s'", opts.alpn);
			return -1;
		}
		if (must(moat_config_set_protocol_preferences(config, (const char *const *)*alpn_out, n), "alpn") < 0)
			return -1;
	}
	if (opts.cert) {
		uint8_t *cert = NULL, *key = NULL;
		size_t cert_len = 0, key_len = 0;
		int rc = -1;
		if (ex_read_file(opts.cert, &cert, &cert_len) == 0 && ex_read_file(opts.key, &key, &key_len) == 0 &&
		    (*ck_out = moat_cert_chain_and_key_new()) != NULL)
			rc = must(moat_cert_chain_and_key_load_pem_bytes(*ck_out, cert, (uint32_t)cert_len, key,
									 (uint32_t)key_len),
				  "loading --cert/--key");
		free(cert);
		if (key != NULL) {
			explicit_bzero(key, key_len);
			free(key);
		}
		if (rc < 0 || must(moat_config_add_cert_chain_and_key_to_store(config, *ck_out), "add cert") < 0)
			return -1;
	}
	return 0;
}

/* --sess-out: the session of the last ticket the server sent, if any, for a later --sess-in. */
static int save_session(struct moat_connection *conn)
{
	int len = moat_connection_get_session_length(conn);
	if (len <= 0) {
		fprintf(stderr, "session: none\n");
		return 0;
	}
	uint8_t *buf = malloc((size_t)len);
	if (buf == NULL)
		return -1;
	int rc = -1;
	FILE *f = NULL;
	if (moat_connection_get_session(conn, buf, (size_t)len) != len) {
		ex_report_error(conn, "moat_connection_get_session");
	} else if ((f = fopen(opts.sess_out, "wb")) == NULL || fwrite(buf, 1, (size_t)len, f) != (size_t)len) {
		ex_warn("%s: %s", opts.sess_out, strerror(errno));
	} else {
		fprintf(stderr, "session: saved %d bytes\n", len);
		rc = 0;
	}
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	/* It holds the resumption PSK. */
	explicit_bzero(buf, (size_t)len);
	free(buf);
	return rc;
}

static int load_session(struct moat_connection *conn)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (ex_read_file(opts.sess_in, &buf, &len) < 0)
		return -1;
	int rc = must(moat_connection_set_session(conn, buf, len), opts.sess_in);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

/* Everything after the handshake. */
static int session(struct moat_connection *conn, int fd)
{
	if (opts.print) {
		ex_print_params(conn, stderr);
	}
	if (opts.key_update) {
		if (moat_connection_request_key_update(conn, true) < 0)
			return fail(conn, "moat_connection_request_key_update");
		if (flush_all(conn, fd) < 0)
			return -1;
		fprintf(stderr, "key_update: sent\n");
	}

	struct transfer t = { 0 };
	uint8_t *data = NULL;
	size_t data_len = 0;
	int rc = -1;
	if (opts.echo_check) {
		if (opts.send_bytes >= 0) {
			data_len = (size_t)opts.send_bytes;
			data = malloc(data_len ? data_len : 1);
			if (data == NULL)
				goto out;
			ex_pattern(data, data_len, 0);
		} else if (ex_read_stdin(&data, &data_len) < 0) {
			goto out;
		}
		t.out = data;
		t.out_len = data_len;
		t.recv_want = data_len;
		t.expect = data;
	} else {
		if (opts.send_file) {
			if (ex_read_file(opts.send_file, &data, &data_len) < 0)
				goto out;
			t.out = data;
			t.out_len = data_len;
		}
		if (opts.recv_bytes >= 0)
			t.recv_want = (size_t)opts.recv_bytes;
	}
	if (run_transfer(conn, fd, &t) < 0)
		goto out;
	if (fflush(stdout) != 0)
		goto out;
	if (opts.echo_check)
		fprintf(stderr, "echo: %zu bytes ok\n", t.received);
	else if (opts.send_file || opts.recv_bytes >= 0)
		fprintf(stderr, "sent: %zu bytes, received: %zu bytes\n", t.sent, t.received);
	if (shutdown_conn(conn, fd) < 0)
		goto out;
	fprintf(stderr, "closed: ok\n");
	if (opts.sess_out && save_session(conn) < 0)
		goto out;
	rc = 0;
out:
	free(data);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	int done = parse_args(argc, argv);
	if (done >= 0)
		return done;
	if (moat_init() < 0) {
		ex_report_error(NULL, "moat_init");
		return 1;
	}
	struct moat_cert_chain_and_key *ck = NULL;
	char **alpn = NULL;
	struct moat_connection *conn = NULL;
	int fd = -1, status = 1;
	struct moat_config *config = NULL;
	if (make_config(&config, &ck, &alpn) < 0)
		goto out;
	fd = ex_connect(opts.connect);
	if (fd < 0)
		goto out;
	conn = moat_connection_new(MOAT_CLIENT);
	if (conn == NULL || must(moat_connection_set_config(conn, config), "set_config") < 0 ||
	    must(moat_connection_set_fd(conn, fd), "set_fd") < 0)
		goto out;
	if (opts.server_name && must(moat_set_server_name(conn, opts.server_name), "server name") < 0)
		goto out;
	if (opts.low_latency && must(moat_connection_prefer_low_latency(conn), "prefer_low_latency") < 0)
		goto out;
	if (opts.sess_in && load_session(conn) < 0)
		goto out;
	if (opts.psk && ex_append_psk(conn, opts.psk_identity, opts.psk, opts.psk_hash) < 0)
		goto out;
	if (negotiate(conn, fd) < 0)
		goto out;
	fprintf(stderr, "handshake: ok\n");
	if (session(conn, fd) == 0)
		status = 0;
out:
	if (conn != NULL && moat_connection_free(conn) < 0)
		ex_report_error(NULL, "moat_connection_free");
	if (fd >= 0)
		close(fd);
	if (config != NULL && moat_config_free(config) < 0)
		ex_report_error(NULL, "moat_config_free");
	if (ck != NULL && moat_cert_chain_and_key_free(ck) < 0)
		ex_report_error(NULL, "moat_cert_chain_and_key_free");
	ex_free_list(alpn);
	if (moat_cleanup() < 0)
		ex_report_error(NULL, "moat_cleanup");
	return status;
}
