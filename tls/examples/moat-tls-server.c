/*
 * moat-tls-server: a small TLS 1.3 server on moat's library, in the spirit
 * of s2nd. It serves one connection at a time over a non-blocking socket,
 * driven by poll() on whatever moat_blocked_status asks for, so every
 * return path of the API (blocked on read, on write, on application input)
 * is exercised the way an event-driven daemon meets it.
 *
 * Besides being an example, it is the peer the interop tests point OpenSSL
 * and GnuTLS clients at, so it prints one "key: value" line per negotiated
 * parameter and lets each optional path of the library be switched on:
 * async private-key operations in four styles (--async), the client hello
 * callback in both modes, ALPN, client authentication, KeyUpdate and
 * session tickets (--tickets: sealed by an in-process AES-256-GCM sealer,
 * ticket_sealer.h, standing in for moat-keyd) and TLS 1.2 session IDs
 * (--session-cache: a small in-memory cache, id_cache.h).
 *
 * The async styles:
 *   sync            the callback performs and applies inside the callback;
 *   thread          the callback hands the operation to a signing thread,
 *                   which wakes the event loop through a pipe; the loop
 *                   applies it and negotiates on (the non-blocking path);
 *   offload-sync,   as above, but the config's chains are loaded WITHOUT
 *   offload-thread  their private keys (as moat-frontd does): only the
 *                   signer's own cert-and-key objects hold keys.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <moat.h>

#include "example_common.h"
#include "id_cache.h"
#include "ticket_sealer.h"

const char *ex_progname = "moat-tls-server";

#define MAX_CERTS 8

typedef enum { ASYNC_NONE, ASYNC_SYNC, ASYNC_THREAD, ASYNC_OFFLOAD_SYNC, ASYNC_OFFLOAD_THREAD } async_mode;

struct cert_files {
	const char *cert;
	const char *key; /* NULL: chain only (offload modes) */
	const char *ocsp; /* DER OCSP response stapled for it, or NULL */
	const char *sct;  /* its SignedCertificateTimestampList (RFC 6962 §3.3), or NULL */
};

struct options {
	const char *listen;
	struct cert_files certs[MAX_CERTS];
	int cert_count;
	const char *policy;
	const char *alpn;
	const char *ca;
	moat_cert_auth_type client_auth;
	bool echo;
	const char *send_file;
	long count;
	async_mode async;
	bool async_strict;
	bool key_update;
	bool low_latency;
	bool accept_mfl;
	bool hello_cb;
	bool hello_cb_nonblocking;
	bool tickets;
	long ticket_count;                   /* -1: the library's default */
	bool ticket_decrypt_only;
	bool session_cache;
	const char *psk;                     /* external PSK, hex (--psk) */
	const char *psk_identity;
	const char *psk_hash;
	long early_data;                     /* --early-data SIZE: max_early_data_size; 0: none taken */
	int timeout_ms;
};

/*
 * The signing side of the thread modes. It owns its own cert-and-key
 * objects (with keys) and sees an operation only between the callback's
 * hand-over and its wake-up byte, so the connection is never touched from
 * two threads at once.
 */
struct signer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wake[2]; /* signer -> event loop */
	struct moat_async_pkey_op *op;
	struct moat_cert_chain_and_key *key;
	bool busy, done, ok, quit;
};

/* Per-connection state, reached from callbacks through moat_connection_get_ctx. */
struct conn_state {
	const struct options *opts;
	struct signer *signer;
	struct moat_async_pkey_op *op; /* handed to the signer, not yet applied */
	bool op_failed;
	bool hello_pending;  /* non-blocking hello callback to finish */
	bool hello_seen;
};

static struct options opts = {
	.policy = "default_tls13",
	.client_auth = MOAT_CERT_AUTH_NONE,
	.count = 1,
	.ticket_count = -1,
	.timeout_ms = 30000,
};

/* ---- async private-key operations ---------------------------------------- */

/* The keyed object the signer uses for the chain the library selected. */
static struct moat_cert_chain_and_key *signing_key_for(struct moat_connection *conn)
{
	struct moat_cert_chain_and_key *selected = moat_connection_get_selected_cert(conn);
	return selected ? moat_cert_chain_and_key_get_ctx(selected) : NULL;
}

/* What a remote signer would be sent: the scheme and the content to sign. */
static int describe_op(struct moat_async_pkey_op *op, const char *where)
{
	moat_async_pkey_op_type type;
	uint16_t scheme;
	uint32_t len;
	if (moat_async_pkey_op_get_op_type(op, &type) < 0 || type != MOAT_ASYNC_SIGN ||
	    moat_async_pkey_op_get_signature_scheme(op, &scheme) < 0 || moat_async_pkey_op_get_input_size(op, &len) < 0)
		return -1;
	uint8_t *input = malloc(len ? len : 1);
	if (input == NULL)
		return -1;
	int rc = moat_async_pkey_op_get_input(op, input, len);
	/* TLS 1.3 content to sign starts with 64 spaces (RFC 8446 §4.4.3): show the signer sees that shape. */
	bool shaped = rc == 0 && len > 64 && input[0] == 0x20 && input[63] == 0x20;
	free(input);
	if (rc < 0)
		return -1;
	printf("async: sign scheme 0x%04x, %u bytes%s, %s\n", scheme, len, shaped ? " (tls13 content)" : "", where);
	fflush(stdout);
	return 0;
}

static void *signer_main(void *arg)
{
	struct signer *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->quit && !(s->busy && !s->done))
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->quit) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		struct moat_async_pkey_op *op = s->op;
		struct moat_cert_chain_and_key *key = s->key;
		pthread_mutex_unlock(&s->lock);

		bool ok = key != NULL && describe_op(op, "in signing thread") == 0 &&
			  moat_async_pkey_op_perform(op, key) == MOAT_SUCCESS;
		if (!ok)
			ex_warn("signing thread: %s", key ? moat_strerror_name(moat_errno) : "no key for this chain");

		pthread_mutex_lock(&s->lock);
		s->ok = ok;
		s->done = true;
		pthread_mutex_unlock(&s->lock);
		ssize_t w;
		do
			w = write(s->wake[1], "x", 1);
		while (w < 0 && errno == EINTR);
	}
}

static int signer_start(struct signer *s)
{
	memset(s, 0, sizeof(*s));
	if (pipe(s->wake) < 0) {
		ex_warn("pipe: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, signer_main, s) != 0) {
		ex_warn("cannot start the signing thread");
		return -1;
	}
	return 0;
}

static void signer_stop(struct signer *s)
{
	pthread_mutex_lock(&s->lock);
	s->quit = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	close(s->wake[0]);
	close(s->wake[1]);
}

static int async_pkey_cb(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	struct conn_state *st = moat_connection_get_ctx(conn);
	struct moat_cert_chain_and_key *key = signing_key_for(conn);

	if (st->opts->async == ASYNC_SYNC || st->opts->async == ASYNC_OFFLOAD_SYNC) {
		/* Synchronous: perform and apply here; the handshake goes on without returning to the loop. */
		const char *where = st->opts->async == ASYNC_SYNC ? "in callback" : "in callback, offloaded";
		int rc = key == NULL ? -1 : describe_op(op, where);
		if (rc == 0)
			rc = moat_async_pkey_op_perform(op, key);
		if (rc == 0)
			rc = moat_async_pkey_op_apply(op, conn);
		if (rc < 0)
			ex_warn("async sign failed: %s", key ? moat_strerror_name(moat_errno) : "no key for this chain");
		if (moat_async_pkey_op_free(op) < 0)
			rc = -1;
		return rc;
	}

	/* Thread modes: hand over and return; negotiate reports BLOCKED_ON_APPLICATION_INPUT. */
	struct signer *s = st->signer;
	pthread_mutex_lock(&s->lock);
	s->op = op;
	s->key = key;
	s->busy = true;
	s->done = false;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	st->op = op;
	return 0;
}

/* The signer woke us: take its result and give it to the connection. */
static int finish_async_op(struct moat_connection *conn, struct conn_state *st)
{
	struct signer *s = st->signer;
	struct pollfd p = { .fd = s->wake[0], .events = POLLIN };
	int n;
	do
		n = poll(&p, 1, st->opts->timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		ex_warn("timed out waiting for the signing thread");
		return -1;
	}
	char byte;
	if (read(s->wake[0], &byte, 1) != 1)
		return -1;
	pthread_mutex_lock(&s->lock);
	bool ok = s->ok;
	s->busy = false;
	s->done = false;
	s->op = NULL;
	pthread_mutex_unlock(&s->lock);

	struct moat_async_pkey_op *op = st->op;
	st->op = NULL;
	int rc = ok ? moat_async_pkey_op_apply(op, conn) : -1;
	if (ok && rc < 0)
		ex_report_error(conn, "moat_async_pkey_op_apply");
	if (moat_async_pkey_op_free(op) < 0)
		rc = -1;
	return rc;
}

/* ---- client hello callback -------------------------------------------- */

static int client_hello_cb(struct moat_connection *conn, void *ctx)
{
	(void)ctx;
	struct conn_state *st = moat_connection_get_ctx(conn);
	struct moat_client_hello *ch = moat_connection_get_client_hello(conn);
	if (ch == NULL)
		return -1;
	st->hello_seen = true;

	const char *sni = moat_client_hello_get_server_name(ch);
	printf("hello: server_name %s\n", sni ? sni : "none");
	uint8_t suites[512];
	ssize_t n = moat_client_hello_get_cipher_suites(ch, suites, sizeof(suites));
	printf("hello: cipher_suites");
	for (ssize_t i = 0; i + 1 < n; i += 2)
		printf(" 0x%02x%02x", suites[i], suites[i + 1]);
	printf("\n");
	fflush(stdout);

	/* Non-blocking mode: finish on the next loop iteration, as if work had gone elsewhere. */
	if (st->opts->hello_cb_nonblocking)
		st->hello_pending = true;
	return 0;
}

/* ---- the connection --------------------------------------------------- */

static int negotiate(struct moat_connection *conn, int fd, struct conn_state *st)
{
	moat_blocked_status blocked;
	while (moat_negotiate(conn, &blocked) < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
			ex_report_error(conn, "moat_negotiate");
			return -1;
		}
		if (blocked == MOAT_BLOCKED_ON_APPLICATION_INPUT) {
			if (st->hello_pending) {
				st->hello_pending = false;
				if (moat_client_hello_cb_done(conn) < 0) {
					ex_report_error(conn, "moat_client_hello_cb_done");
					return -1;
				}
				printf("hello: callback done\n");
				continue;
			}
			if (st->op != NULL) {
				if (finish_async_op(conn, st) < 0) {
					ex_warn("async private-key operation failed");
					return -1;
				}
				continue;
			}
			ex_warn("blocked on application input with nothing pending");
			return -1;
		}
		if (ex_wait(fd, blocked, st->opts->timeout_ms) < 0)
			return -1;
	}
	return 0;
}

static int wait_or_fail(struct moat_connection *conn, int fd, moat_blocked_status blocked, const char *what)
{
	if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
		ex_report_error(conn, what);
		return -1;
	}
	return ex_wait(fd, blocked, opts.timeout_ms);
}

static int flush_all(struct moat_connection *conn, int fd)
{
	moat_blocked_status blocked;
	while (moat_flush(conn, &blocked) < 0)
		if (wait_or_fail(conn, fd, blocked, "moat_flush") < 0)
			return -1;
	return 0;
}

static int send_all(struct moat_connection *conn, int fd, const uint8_t *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		moat_blocked_status blocked;
		ssize_t n = moat_send(conn, data + off, (ssize_t)(len - off), &blocked);
		if (n < 0) {
			if (wait_or_fail(conn, fd, blocked, "moat_send") < 0)
				return -1;
			continue;
		}
		off += (size_t)n;
		/* Taken but not yet on the wire: the next send pushes it out first. */
		if (blocked != MOAT_NOT_BLOCKED && ex_wait(fd, blocked, opts.timeout_ms) < 0)
			return -1;
	}
	return flush_all(conn, fd);
}

/* Read until close_notify; with echo, send every chunk back before reading on. */
static int receive_loop(struct moat_connection *conn, int fd, bool echo)
{
	uint8_t buf[16384];
	uint64_t total = 0;
	for (;;) {
		moat_blocked_status blocked;
		ssize_t n = moat_recv(conn, buf, sizeof(buf), &blocked);
		if (n < 0) {
			if (wait_or_fail(conn, fd, blocked, "moat_recv") < 0)
				return -1;
			continue;
		}
		if (n == 0)
			break; /* close_notify, or the transport closed */
		total += (uint64_t)n;
		if (echo && send_all(conn, fd, buf, (size_t)n) < 0)
			return -1;
	}
	printf("received: %llu bytes%s\n", (unsigned long long)total, echo ? " (echoed)" : "");
	fflush(stdout);
	return 0;
}

/*
 * Our close_notify, then the peer's. When the peer already sent its own and
 * closed the socket, the transport may be gone before ours is written: the
 * session ended cleanly all the same (RFC 8446 §6.1 asks nothing more).
 */
static int shutdown_conn(struct moat_connection *conn, int fd, bool peer_closed)
{
	moat_blocked_status blocked;
	while (moat_shutdown(conn, &blocked) < 0) {
		if (peer_closed && moat_error_get_type(moat_errno) == MOAT_ERR_T_IO)
			return 0;
		if (wait_or_fail(conn, fd, blocked, "moat_shutdown") < 0)
			return -1;
	}
	return 0;
}

/*
 * 0-RTT (--early-data): read the client's early data before the handshake
 * ends, into early (EARLY_MAX bytes; the rest of it is refused by the
 * library as too much). The single-use check is the ticket sealer's.
 */
#define EARLY_MAX 1048576

static int read_early_data(struct moat_connection *conn, int fd, uint8_t *early, size_t *len)
{
	*len = 0;
	for (;;) {
		moat_blocked_status blocked;
		ssize_t got = 0;
		int rc = moat_recv_early_data(conn, early + *len, (ssize_t)(EARLY_MAX - *len), &got, &blocked);
		*len += (size_t)got;
		if (rc == 0)
			return 0;
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
			ex_report_error(conn, "moat_recv_early_data");
			return -1;
		}
		if (blocked == MOAT_BLOCKED_ON_EARLY_DATA)
			continue;
		if (ex_wait(fd, blocked, opts.timeout_ms) < 0)
			return -1;
	}
}

static const char *early_status_name(struct moat_connection *conn)
{
	moat_early_data_status_t st;
	if (moat_connection_get_early_data_status(conn, &st) < 0)
		return "unknown";
	switch (st) {
	case MOAT_EARLY_DATA_STATUS_OK:
	case MOAT_EARLY_DATA_STATUS_END:
		return "accepted";
	case MOAT_EARLY_DATA_STATUS_REJECTED:
		return "rejected";
	case MOAT_EARLY_DATA_STATUS_NOT_REQUESTED:
		break;
	}
	return "none";
}

static int serve(struct moat_connection *conn, int fd, struct conn_state *st, const uint8_t *file, size_t file_len)
{
	const struct options *o = st->opts;
	static uint8_t early[EARLY_MAX];
	size_t early_len = 0;
	if (o->early_data > 0 && read_early_data(conn, fd, early, &early_len) < 0)
		return -1;
	if (negotiate(conn, fd, st) < 0)
		return -1;
	if (o->early_data > 0) {
		printf("early_data: %s, %zu bytes\n", early_status_name(conn), early_len);
		fflush(stdout);
		/* Echoed like the rest, once the handshake is done (the client reads nothing before). */
		if (o->echo && early_len > 0 && send_all(conn, fd, early, early_len) < 0)
			return -1;
	}
	printf("handshake: ok\n");
	ex_print_params(conn, stdout);
	printf("client_cert: %s\n", moat_connection_get_client_sig_scheme(conn) != 0 ? "yes" : "no");
	if (st->hello_seen)
		printf("hrr: %s\n", moat_connection_is_hello_retried(conn) ? "yes" : "no");
	fflush(stdout);

	if (o->key_update) {
		/* Ask the client to update too (RFC 8446 §4.6.3 update_requested). */
		if (moat_connection_request_key_update(conn, true) < 0) {
			ex_report_error(conn, "moat_connection_request_key_update");
			return -1;
		}
		if (flush_all(conn, fd) < 0)
			return -1;
		printf("key_update: sent\n");
		fflush(stdout);
	}
	if (file != NULL) {
		if (send_all(conn, fd, file, file_len) < 0)
			return -1;
		printf("sent: %zu bytes\n", file_len);
		fflush(stdout);
	} else if (receive_loop(conn, fd, o->echo) < 0) {
		return -1;
	}
	/* Without --send-file we read until the peer closed. */
	if (shutdown_conn(conn, fd, file == NULL) < 0)
		return -1;
	printf("closed: ok\n");
	fflush(stdout);
	return 0;
}

static int accept_one(int lfd)
{
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0 && errno != EINTR) {
			ex_warn("poll: %s", strerror(errno));
			return -1;
		}
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
			ex_warn("accept: %s", strerror(errno));
			return -1;
		}
	}
}

/* ---- setup ------------------------------------------------------------ */

static struct moat_cert_chain_and_key *load_chain(const char *cert_path, const char *key_path)
{
	uint8_t *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	struct moat_cert_chain_and_key *ck = NULL;
	if (ex_read_file(cert_path, &cert, &cert_len) < 0 || (key_path && ex_read_file(key_path, &key, &key_len) < 0))
		goto out;
	ck = moat_cert_chain_and_key_new();
	if (ck == NULL)
		goto out;
	int rc = key_path ? moat_cert_chain_and_key_load_pem_bytes(ck, cert, (uint32_t)cert_len, key, (uint32_t)key_len)
			  : moat_cert_chain_and_key_load_public_pem_bytes(ck, cert, (uint32_t)cert_len);
	if (rc < 0) {
		ex_report_error(NULL, key_path ? "loading certificate and key" : "loading certificate");
		if (moat_cert_chain_and_key_free(ck) < 0)
			moat_error_clear();
		ck = NULL;
	}
out:
	free(cert);
	if (key != NULL) {
		explicit_bzero(key, key_len);
		free(key);
	}
	return ck;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: moat-tls-server --listen HOST:PORT --cert FILE [--key FILE] [--ocsp FILE] [--sct FILE]\n"
		"       [--cert FILE --key FILE [--ocsp FILE] [--sct FILE] ...]\n"
		"       [--psk HEX --psk-identity ID [--psk-hash sha256|sha384]] (--cert optional with --psk)\n"
		"       [--policy NAME] [--alpn a,b] [--mutual | --mutual-optional] [--ca FILE]\n"
		"       [--echo | --send-file FILE] [--count N] [--key-update] [--low-latency] [--accept-mfl]\n"
		"       [--async sync|thread|offload-sync|offload-thread] [--async-strict]\n"
		"       [--hello-cb] [--hello-cb-nonblocking] [--timeout SECONDS]\n"
		"       [--tickets [--ticket-count N] [--ticket-decrypt-only] [--early-data SIZE]]\n"
		"       [--session-cache]\n"
		"       moat-tls-server -h | --help | -V | --version\n"
		"A port of 0 picks a free port and prints \"listening on PORT\".\n");
}

/* -1: go on and run; else the status to exit with: 0 after --help or --version, 2 for bad usage. */
static int parse_args(int argc, char **argv)
{
	enum {
		O_LISTEN = 256, O_CERT, O_KEY, O_OCSP, O_SCT, O_POLICY, O_ALPN, O_MUTUAL, O_MUTUAL_OPT, O_CA, O_ECHO, O_SEND_FILE,
		O_COUNT, O_ASYNC, O_ASYNC_STRICT, O_KEY_UPDATE, O_LOW_LATENCY, O_ACCEPT_MFL, O_HELLO_CB, O_HELLO_CB_NB, O_TIMEOUT,
		O_TICKETS, O_TICKET_COUNT, O_TICKET_DECRYPT_ONLY, O_SESSION_CACHE, O_PSK, O_PSK_IDENTITY, O_PSK_HASH, O_EARLY_DATA, O_HELP, O_VERSION
	};
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "ocsp", required_argument, NULL, O_OCSP },
		{ "sct", required_argument, NULL, O_SCT },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "alpn", required_argument, NULL, O_ALPN },
		{ "mutual", no_argument, NULL, O_MUTUAL },
		{ "mutual-optional", no_argument, NULL, O_MUTUAL_OPT },
		{ "ca", required_argument, NULL, O_CA },
		{ "echo", no_argument, NULL, O_ECHO },
		{ "send-file", required_argument, NULL, O_SEND_FILE },
		{ "count", required_argument, NULL, O_COUNT },
		{ "async", required_argument, NULL, O_ASYNC },
		{ "async-strict", no_argument, NULL, O_ASYNC_STRICT },
		{ "key-update", no_argument, NULL, O_KEY_UPDATE },
		{ "low-latency", no_argument, NULL, O_LOW_LATENCY },
		{ "accept-mfl", no_argument, NULL, O_ACCEPT_MFL },
		{ "hello-cb", no_argument, NULL, O_HELLO_CB },
		{ "hello-cb-nonblocking", no_argument, NULL, O_HELLO_CB_NB },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "tickets", no_argument, NULL, O_TICKETS },
		{ "ticket-count", required_argument, NULL, O_TICKET_COUNT },
		{ "ticket-decrypt-only", no_argument, NULL, O_TICKET_DECRYPT_ONLY },
		{ "session-cache", no_argument, NULL, O_SESSION_CACHE },
		{ "psk", required_argument, NULL, O_PSK },
		{ "psk-identity", required_argument, NULL, O_PSK_IDENTITY },
		{ "psk-hash", required_argument, NULL, O_PSK_HASH },
		{ "early-data", required_argument, NULL, O_EARLY_DATA },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			opts.listen = optarg;
			break;
		case O_CERT:
			if (opts.cert_count == MAX_CERTS) {
				ex_warn("at most %d certificates", MAX_CERTS);
				return 2;
			}
			opts.certs[opts.cert_count++].cert = optarg;
			break;
		case O_KEY:
			if (opts.cert_count == 0 || opts.certs[opts.cert_count - 1].key != NULL) {
				ex_warn("--key must follow its --cert");
				return 2;
			}
			opts.certs[opts.cert_count - 1].key = optarg;
			break;
		case O_OCSP:
			if (opts.cert_count == 0 || opts.certs[opts.cert_count - 1].ocsp != NULL) {
				ex_warn("--ocsp must follow its --cert");
				return 2;
			}
			opts.certs[opts.cert_count - 1].ocsp = optarg;
			break;
		case O_SCT:
			if (opts.cert_count == 0 || opts.certs[opts.cert_count - 1].sct != NULL) {
				ex_warn("--sct must follow its --cert");
				return 2;
			}
			opts.certs[opts.cert_count - 1].sct = optarg;
			break;
		case O_POLICY:
			opts.policy = optarg;
			break;
		case O_ALPN:
			opts.alpn = optarg;
			break;
		case O_MUTUAL:
			opts.client_auth = MOAT_CERT_AUTH_REQUIRED;
			break;
		case O_MUTUAL_OPT:
			opts.client_auth = MOAT_CERT_AUTH_OPTIONAL;
			break;
		case O_CA:
			opts.ca = optarg;
			break;
		case O_ECHO:
			opts.echo = true;
			break;
		case O_SEND_FILE:
			opts.send_file = optarg;
			break;
		case O_COUNT:
			errno = 0;
			opts.count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || opts.count < 0) {
				ex_warn("bad --count '%s'", optarg);
				return 2;
			}
			break;
		case O_ASYNC:
			if (strcmp(optarg, "sync") == 0)
				opts.async = ASYNC_SYNC;
			else if (strcmp(optarg, "thread") == 0)
				opts.async = ASYNC_THREAD;
			else if (strcmp(optarg, "offload-sync") == 0)
				opts.async = ASYNC_OFFLOAD_SYNC;
			else if (strcmp(optarg, "offload-thread") == 0)
				opts.async = ASYNC_OFFLOAD_THREAD;
			else {
				ex_warn("bad --async '%s'", optarg);
				return 2;
			}
			break;
		case O_ASYNC_STRICT:
			opts.async_strict = true;
			break;
		case O_KEY_UPDATE:
			opts.key_update = true;
			break;
		case O_LOW_LATENCY:
			opts.low_latency = true;
			break;
		case O_ACCEPT_MFL:
			opts.accept_mfl = true;
			break;
		case O_HELLO_CB:
			opts.hello_cb = true;
			break;
		case O_HELLO_CB_NB:
			opts.hello_cb = true;
			opts.hello_cb_nonblocking = true;
			break;
		case O_TIMEOUT: {
			errno = 0;
			long t = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || t <= 0 || t > 86400) {
				ex_warn("bad --timeout '%s'", optarg);
				return 2;
			}
			opts.timeout_ms = (int)(t * 1000);
			break;
		}
		case O_TICKETS:
			opts.tickets = true;
			break;
		case O_TICKET_COUNT:
			errno = 0;
			opts.ticket_count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || opts.ticket_count < 0 || opts.ticket_count > 255) {
				ex_warn("bad --ticket-count '%s'", optarg);
				return 2;
			}
			break;
		case O_TICKET_DECRYPT_ONLY:
			opts.ticket_decrypt_only = true;
			break;
		case O_SESSION_CACHE:
			opts.session_cache = true;
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
		case O_EARLY_DATA:
			errno = 0;
			opts.early_data = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || opts.early_data < 0 || opts.early_data > 1048576) {
				ex_warn("bad --early-data '%s'", optarg);
				return 2;
			}
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case O_VERSION:
			ex_print_version("moat-tls-server");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || opts.listen == NULL || (opts.cert_count == 0 && opts.psk == NULL)) {
		usage(stderr);
		return 2;
	}
	if ((opts.psk == NULL) != (opts.psk_identity == NULL) || (opts.psk_hash != NULL && opts.psk == NULL)) {
		ex_warn("--psk and --psk-identity go together (--psk-hash with them)");
		return 2;
	}
	bool offload = opts.async == ASYNC_OFFLOAD_SYNC || opts.async == ASYNC_OFFLOAD_THREAD;
	for (int i = 0; i < opts.cert_count; i++) {
		/* Only an offloading server may serve a chain whose key it does not have. */
		if (opts.certs[i].key == NULL && !offload) {
			ex_warn("--cert %s has no --key (allowed only with --async offload-*)", opts.certs[i].cert);
			return 2;
		}
	}
	if (opts.echo && opts.send_file) {
		ex_warn("--echo and --send-file exclude each other");
		return 2;
	}
	return -1;
}

struct server {
	struct moat_config *config;
	struct moat_cert_chain_and_key *serve[MAX_CERTS]; /* what the config holds */
	struct moat_cert_chain_and_key *sign[MAX_CERTS];  /* the signer's keyed copies (thread/offload modes) */
	char **alpn;
	struct signer signer;
	bool signer_running;
	struct ex_ticket_sealer sealer;
	bool sealer_ready;
	struct ex_id_cache id_cache;
	uint8_t *file;
	size_t file_len;
};

static int must(int rc, const char *what)
{
	if (rc < 0)
		ex_report_error(NULL, what);
	return rc;
}

/*
 * An OCSP staple or SCT list as the file has it: the library sends it to
 * clients that ask and does not judge it (moat-frontd checks its staples
 * before use).
 */
static int set_from_file(struct moat_cert_chain_and_key *ck, const char *path,
			 int (*set)(struct moat_cert_chain_and_key *, const uint8_t *, uint32_t))
{
	uint8_t *der;
	size_t len;
	if (ex_read_file(path, &der, &len) < 0) {
		return -1;
	}
	int rc = len > UINT32_MAX ? -1 : must(set(ck, der, (uint32_t)len), path);
	free(der);
	return rc;
}

static int setup(struct server *srv)
{
	bool offload = opts.async == ASYNC_OFFLOAD_SYNC || opts.async == ASYNC_OFFLOAD_THREAD;
	bool separate_signer = offload || opts.async == ASYNC_THREAD;

	srv->config = moat_config_new();
	if (srv->config == NULL || must(moat_config_set_cipher_preferences(srv->config, opts.policy), "policy") < 0)
		return -1;
	for (int i = 0; i < opts.cert_count; i++) {
		const struct cert_files *f = &opts.certs[i];
		srv->serve[i] = load_chain(f->cert, offload ? NULL : f->key);
		if (srv->serve[i] == NULL)
			return -1;
		/* The chain's ctx names the keyed object that signs for it. */
		struct moat_cert_chain_and_key *signer_ck = srv->serve[i];
		if (separate_signer) {
			srv->sign[i] = f->key ? load_chain(f->cert, f->key) : NULL;
			if (f->key && srv->sign[i] == NULL)
				return -1;
			signer_ck = srv->sign[i];
		}
		if ((f->ocsp != NULL && set_from_file(srv->serve[i], f->ocsp, moat_cert_chain_and_key_set_ocsp_data) < 0) ||
		    (f->sct != NULL && set_from_file(srv->serve[i], f->sct, moat_cert_chain_and_key_set_sct_list) < 0))
			return -1;
		if (must(moat_cert_chain_and_key_set_ctx(srv->serve[i], signer_ck), "set_ctx") < 0 ||
		    must(moat_config_add_cert_chain_and_key_to_store(srv->config, srv->serve[i]), "add cert") < 0)
			return -1;
	}
	if (opts.accept_mfl && must(moat_config_accept_max_fragment_length(srv->config), "max_fragment_length") < 0)
		return -1;
	if (opts.alpn) {
		int n;
		srv->alpn = ex_split_list(opts.alpn, &n);
		if (srv->alpn == NULL) {
			ex_warn("bad --alpn '%s'", opts.alpn);
			return -1;
		}
		if (must(moat_config_set_protocol_preferences(srv->config, (const char *const *)srv->alpn, n), "alpn") < 0)
			return -1;
	}
	if (opts.client_auth != MOAT_CERT_AUTH_NONE) {
		if (must(moat_config_set_client_auth_type(srv->config, opts.client_auth), "client auth") < 0)
			return -1;
		if (opts.ca && (must(moat_config_wipe_trust_store(srv->config), "wipe trust store") < 0 ||
				must(moat_config_set_verification_ca_location(srv->config, opts.ca, NULL), opts.ca) < 0))
			return -1;
	}
	if (opts.async != ASYNC_NONE) {
		if (must(moat_config_set_async_pkey_callback(srv->config, async_pkey_cb), "async callback") < 0)
			return -1;
		if (opts.async_strict &&
		    must(moat_config_set_async_pkey_validation_mode(srv->config, MOAT_ASYNC_PKEY_VALIDATION_STRICT),
			 "async validation") < 0)
			return -1;
	}
	if (opts.async == ASYNC_THREAD || opts.async == ASYNC_OFFLOAD_THREAD) {
		if (signer_start(&srv->signer) < 0)
			return -1;
		srv->signer_running = true;
	}
	if (opts.hello_cb) {
		if (must(moat_config_set_client_hello_cb(srv->config, client_hello_cb, NULL), "hello callback") < 0)
			return -1;
		if (opts.hello_cb_nonblocking &&
		    must(moat_config_set_client_hello_cb_mode(srv->config, MOAT_CLIENT_HELLO_CB_NONBLOCKING),
			 "hello callback mode") < 0)
			return -1;
	}
	if (opts.tickets) {
		if (ex_ticket_sealer_init(&srv->sealer) < 0) {
			ex_report_error(NULL, "ticket sealer");
			return -1;
		}
		srv->sealer_ready = true;
		srv->sealer.decrypt_only = opts.ticket_decrypt_only;
		if (must(moat_config_set_ticket_crypto_cb(srv->config, ex_ticket_crypto_cb, &srv->sealer), "tickets") < 0)
			return -1;
		if (opts.ticket_count >= 0 &&
		    must(moat_config_set_initial_ticket_count(srv->config, (uint8_t)opts.ticket_count), "ticket count") < 0)
			return -1;
		if (must(moat_config_set_server_max_early_data_size(srv->config, (uint32_t)opts.early_data),
			 "early data") < 0)
			return -1;
	}
	if (opts.session_cache && must(ex_id_cache_attach(&srv->id_cache, srv->config), "session cache") < 0)
		return -1;
	if (opts.send_file && ex_read_file(opts.send_file, &srv->file, &srv->file_len) < 0)
		return -1;
	return 0;
}

static void teardown(struct server *srv)
{
	if (srv->signer_running)
		signer_stop(&srv->signer);
	if (srv->sealer_ready)
		ex_ticket_sealer_free(&srv->sealer);
	ex_id_cache_wipe(&srv->id_cache);
	if (srv->config != NULL && moat_config_free(srv->config) < 0)
		ex_report_error(NULL, "moat_config_free");
	for (int i = 0; i < MAX_CERTS; i++) {
		if (srv->serve[i] != NULL && moat_cert_chain_and_key_free(srv->serve[i]) < 0)
			ex_report_error(NULL, "moat_cert_chain_and_key_free");
		if (srv->sign[i] != NULL && moat_cert_chain_and_key_free(srv->sign[i]) < 0)
			ex_report_error(NULL, "moat_cert_chain_and_key_free");
	}
	ex_free_list(srv->alpn);
	free(srv->file);
}

/* One accepted socket, start to finish. Returns 0 when the connection ended cleanly. */
static int handle_connection(struct server *srv, int fd)
{
	struct conn_state st = { .opts = &opts, .signer = &srv->signer };
	struct moat_connection *conn = moat_connection_new(MOAT_SERVER);
	int rc = -1;
	if (conn == NULL) {
		ex_report_error(NULL, "moat_connection_new");
		return -1;
	}
	if (must(moat_connection_set_config(conn, srv->config), "set_config") < 0 ||
	    must(moat_connection_set_fd(conn, fd), "set_fd") < 0 || must(moat_connection_set_ctx(conn, &st), "set_ctx") < 0)
		goto out;
	if (opts.low_latency && must(moat_connection_prefer_low_latency(conn), "prefer_low_latency") < 0)
		goto out;
	if (opts.psk && ex_append_psk(conn, opts.psk_identity, opts.psk, opts.psk_hash) < 0)
		goto out;
	rc = serve(conn, fd, &st, srv->file, srv->file_len);
out:
	if (rc < 0) {
		printf("connection: failed\n");
		fflush(stdout);
	}
	/* An operation still with the signer is waited for, so the thread never holds a freed op. */
	if (st.op != NULL) {
		char byte;
		struct pollfd p = { .fd = srv->signer.wake[0], .events = POLLIN };
		if (poll(&p, 1, opts.timeout_ms) > 0 && read(srv->signer.wake[0], &byte, 1) == 1) {
			pthread_mutex_lock(&srv->signer.lock);
			srv->signer.busy = false;
			srv->signer.done = false;
			pthread_mutex_unlock(&srv->signer.lock);
		}
		if (moat_async_pkey_op_free(st.op) < 0)
			ex_report_error(NULL, "moat_async_pkey_op_free");
	}
	if (moat_connection_free(conn) < 0)
		ex_report_error(NULL, "moat_connection_free");
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	int done = parse_args(argc, argv);
	if (done >= 0)
		return done;
	if (moat_init() < 0) {
		ex_report_error(NULL, "moat_init");
		return 1;
	}
	struct server srv = { 0 };
	int status = 1;
	int lfd = -1;
	if (setup(&srv) < 0)
		goto out;
	uint16_t port;
	lfd = ex_listen(opts.listen, &port);
	if (lfd < 0)
		goto out;
	printf("listening on %u\n", port);
	fflush(stdout);

	status = 0;
	for (long served = 0; opts.count == 0 || served < opts.count; served++) {
		int fd = accept_one(lfd);
		if (fd < 0) {
			status = 1;
			break;
		}
		if (handle_connection(&srv, fd) < 0)
			status = 1;
	}
out:
	if (lfd >= 0)
		close(lfd);
	teardown(&srv);
	if (moat_cleanup() < 0)
		ex_report_error(NULL, "moat_cleanup");
	return status;
}
