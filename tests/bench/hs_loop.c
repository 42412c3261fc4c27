/*
 * moat-bench-hs-loop: CPU per full TLS 1.3 handshake spent by moat's server,
 * with no daemon, network or other process in the way.
 *
 * A client thread and a server thread run --count full handshakes against
 * each other in one process, each over a fresh blocking socketpair, the
 * server signing in-process with the certificate's key. What it measures is
 * the library's own cost per handshake (crypto, key schedule, records,
 * allocations and the two reads and one write the server needs), which the
 * end-to-end benchmark mixes with event loops, proxying and keyd's IPC.
 * Compare it with the crypto floor (moat-bench-floor) to see the library's
 * overhead above the unavoidable primitives.
 *
 * The server's figure is its thread's CPU time (CLOCK_THREAD_CPUTIME_ID,
 * kernel time included) from connection_new to connection_free, summed over
 * the handshakes: time spent blocked waiting for the client costs nothing,
 * so the client's own work never inflates it. Under
 * valgrind --tool=callgrind --separate-threads=yes the thread named
 * "hs-server" gets a profile of its own, which gives instruction and call
 * counts per handshake that a noisy machine cannot disturb.
 * Output: one key=value line per figure.
 */
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls/moat.h"

struct bench {
	struct moat_config *server_cfg, *client_cfg;
	long count;
	int server_fd;            /* handed to the server thread before each handshake */
	pthread_barrier_t start, end;
	double server_cpu;        /* seconds, written by the server thread only */
};

static double cpu_seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die_moat(const char *what)
{
	fprintf(stderr, "hs-loop: %s: %s (%s)\n", what, moat_strerror_name(moat_errno),
		moat_strerror_debug(moat_errno, NULL));
	exit(1);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	for (;;) {
		if (s == NULL) {
			fprintf(stderr, "hs-loop: out of memory\n");
			exit(1);
		}
		len += fread(s + len, 1, cap - 1 - len, f);
		if (len < cap - 1)
			break;
		cap *= 2;
		s = realloc(s, cap);
	}
	fclose(f);
	s[len] = '\0';
	return s;
}

/* Negotiate to the end on a blocking fd, polling only if the library says it would block. */
static void negotiate(struct moat_connection *conn, int fd, const char *side)
{
	moat_blocked_status blocked;
	while (moat_negotiate(conn, &blocked) != MOAT_SUCCESS) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			die_moat(side);
		struct pollfd p = { .fd = fd, .events = blocked == MOAT_BLOCKED_ON_WRITE ? POLLOUT : POLLIN };
		(void)poll(&p, 1, -1);
	}
}

static void *server_main(void *arg)
{
	struct bench *b = arg;

	(void)pthread_setname_np(pthread_self(), "hs-server");
	for (long i = 0; i < b->count; i++) {
		(void)pthread_barrier_wait(&b->start);
		double t0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
		struct moat_connection *conn = moat_connection_new(MOAT_SERVER);
		if (conn == NULL || moat_connection_set_config(conn, b->server_cfg) < 0 ||
		    moat_connection_set_fd(conn, b->server_fd) < 0)
			die_moat("server setup");
		negotiate(conn, b->server_fd, "server handshake");
		if (moat_connection_free_handshake(conn) < 0 || moat_connection_free(conn) < 0)
			die_moat("server free");
		b->server_cpu += cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
		(void)pthread_barrier_wait(&b->end);
	}
	return NULL;
}

static void client_loop(struct bench *b)
{
	for (long i = 0; i < b->count; i++) {
		int fds[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
			perror("socketpair");
			exit(1);
		}
		b->server_fd = fds[0];
		struct moat_connection *conn = moat_connection_new(MOAT_CLIENT);
		if (conn == NULL || moat_connection_set_config(conn, b->client_cfg) < 0 ||
		    moat_connection_set_fd(conn, fds[1]) < 0 || moat_set_server_name(conn, "localhost") < 0)
			die_moat("client setup");
		(void)pthread_barrier_wait(&b->start);
		negotiate(conn, fds[1], "client handshake");
		(void)pthread_barrier_wait(&b->end);
		if (moat_connection_free(conn) < 0)
			die_moat("client free");
		close(fds[0]);
		close(fds[1]);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: hs_loop --cert CHAIN.pem --key KEY.pem [--count N] [--verify]\n"
			"Runs N full TLS 1.3 handshakes in process and prints the server's CPU per handshake.\n"
			"--verify makes the client check the chain, with its last certificate as trust anchor.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },  { "key", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' }, { "verify", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert_path = NULL, *key_path = NULL;
	struct bench b = { .count = 1000 };
	bool verify = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cert_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'n':
			b.count = strtol(optarg, NULL, 10);
			break;
		case 'v':
			verify = true;
			break;
		default:
			usage();
		}
	}
	if (cert_path == NULL || key_path == NULL || b.count <= 0)
		usage();

	char *chain = read_file(cert_path), *key = read_file(key_path);
	struct moat_cert_chain_and_key *ck = moat_cert_chain_and_key_new();
	b.server_cfg = moat_config_new();
	b.client_cfg = moat_config_new();
	if (ck == NULL || b.server_cfg == NULL || b.client_cfg == NULL)
		die_moat("setup");
	if (moat_cert_chain_and_key_load_pem_bytes(ck, (const uint8_t *)chain, (uint32_t)strlen(chain),
						   (const uint8_t *)key, (uint32_t)strlen(key)) < 0 ||
	    moat_config_add_cert_chain_and_key_to_store(b.server_cfg, ck) < 0)
		die_moat("loading the certificate and key");
	if (verify) {
		const char *last = strstr(chain, "-----BEGIN CERTIFICATE-----"), *next;
		while (last != NULL && (next = strstr(last + 1, "-----BEGIN CERTIFICATE-----")) != NULL)
			last = next;
		if (last == NULL || moat_config_wipe_trust_store(b.client_cfg) < 0 ||
		    moat_config_add_pem_to_trust_store(b.client_cfg, last) < 0)
			die_moat("trust store");
	} else if (moat_config_disable_x509_verification(b.client_cfg) < 0) {
		die_moat("disable verification");
	}

	if (pthread_barrier_init(&b.start, NULL, 2) != 0 || pthread_barrier_init(&b.end, NULL, 2) != 0) {
		fprintf(stderr, "hs-loop: barrier init failed\n");
		return 1;
	}
	pthread_t server;
	double p0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
	if (pthread_create(&server, NULL, server_main, &b) != 0) {
		fprintf(stderr, "hs-loop: pthread_create failed\n");
		return 1;
	}
	client_loop(&b);
	(void)pthread_join(server, NULL);
	double process = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - p0;

	printf("handshakes=%ld\n", b.count);
	printf("server_cpu_us_per_handshake=%.1f\n", b.server_cpu / (double)b.count * 1e6);
	printf("process_cpu_us_per_handshake=%.1f\n", process / (double)b.count * 1e6);

	(void)pthread_barrier_destroy(&b.start);
	(void)pthread_barrier_destroy(&b.end);
	if (moat_config_free(b.server_cfg) < 0 || moat_config_free(b.client_cfg) < 0 ||
	    moat_cert_chain_and_key_free(ck) < 0)
		die_moat("free");
	free(chain);
	free(key);
	return 0;
}
