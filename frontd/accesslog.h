/*
 * The access log: one line per client connection, written when it closes
 * (format: moat-frontd.conf(5), "ACCESS LOG").
 *
 * Two formats of the same fields in the same order: "plain", space
 * separated like a web server's access log, and "json", one object per
 * line. SNI and ALPN are bytes the client chose; in both formats every
 * byte that is not printable ASCII, and the quote and the backslash, is
 * escaped, so a line is always one line of ASCII whatever the client sent
 * (and JSON stays valid even when those bytes are not UTF-8).
 *
 * Destinations: syslog (frontd's own log: facility daemon, ident
 * moat-frontd, level info; stderr under -d) or a file, opened before the
 * sandbox and reopened on SIGUSR1 through a helper process (logopen.c),
 * since the sandboxed frontd may not open files.
 */
#ifndef MOAT_FRONTD_ACCESSLOG_H
#define MOAT_FRONTD_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum frontd_accesslog_dest { FRONTD_ACCESSLOG_OFF, FRONTD_ACCESSLOG_SYSLOG, FRONTD_ACCESSLOG_FILE };
enum frontd_accesslog_format { FRONTD_ACCESSLOG_PLAIN, FRONTD_ACCESSLOG_JSON };

/* Longest line: two escaped 255-byte client strings (6 bytes each in JSON) and the rest. */
#define FRONTD_ACCESSLOG_LINE_MAX 4096u

/* The fields of one line; NULL (or a negative time) is a value the connection never had: "-" / null. */
struct frontd_accesslog_entry {
	uint64_t time_ms;          /* wall clock at close, ms since the epoch */
	const char *client;        /* address:port */
	const char *listener;      /* the listen directive's address */
	const uint8_t *sni;        /* server_name as sent (up to 255 bytes) */
	size_t sni_len;
	const char *site;          /* NULL before the ClientHello chose one */
	const char *version;       /* "TLSv1.3" */
	const char *suite;
	const char *group;
	const uint8_t *alpn;
	size_t alpn_len;
	bool resumed;
	const char *early_data;    /* "accepted", "rejected", or NULL: no 0-RTT offered */
	const char *client_cert;   /* subject of a verified client certificate */
	int64_t handshake_us;      /* first byte to handshake done; < 0: not done */
	uint64_t keyd_us;          /* waiting for keyd (signatures, RSA decryption) */
	uint64_t bytes_in, bytes_out; /* application data from and to the client */
	uint64_t duration_ms;      /* accept to close */
	const char *end;           /* how it ended (moat-frontd.conf(5)) */
	const char *end_detail;    /* appended after a space (an alert name), or NULL */
};

/* The line (no newline), NUL-terminated; returns its length. out_size >= FRONTD_ACCESSLOG_LINE_MAX never truncates. */
size_t frontd_accesslog_format(enum frontd_accesslog_format format, const struct frontd_accesslog_entry *e,
			       char *out, size_t out_size);

struct frontd_accesslog {
	enum frontd_accesslog_dest dest;
	enum frontd_accesslog_format format;
	int fd;          /* the file, -1 if none */
	int opener;      /* socket to the reopening helper (logopen.c), -1 if none */
	pid_t opener_pid;
	struct event *ev_opener;
	uint64_t write_failures;
};

struct frontd_server;

/* Open the file (if any) and start its reopening helper; before the sandbox. */
MOAT_MUST_USE int frontd_accesslog_start(struct frontd_server *srv);
void frontd_accesslog_stop(struct frontd_server *srv);
/* Ask for the file to be opened again by name (SIGUSR1, after logrotate moved it). */
void frontd_accesslog_reopen(struct frontd_server *srv);
void frontd_accesslog_write(struct frontd_server *srv, const struct frontd_accesslog_entry *e);

/* logopen.c: fork the helper that opens path for appending whenever asked; *sock is frontd's end. */
MOAT_MUST_USE int frontd_logopen_start(const char *path, int *sock, pid_t *pid);
/* Open path for appending as the helper does (also the first open). Returns the fd or -1 (errno). */
int frontd_logopen_file(const char *path);

#endif
