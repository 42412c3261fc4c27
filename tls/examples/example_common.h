/*
 * What moat-tls-client and moat-tls-server share: sockets, files, waiting
 * on a blocked status, and reporting a connection's parameters and errors
 * in one stable line-per-fact format that the interop tests grep.
 *
 * The programs are examples of the public API (tls/moat.h) only: nothing
 * here reaches into the library's internals or into libcrypto.
 */
#ifndef MOAT_TLS_EXAMPLES_EXAMPLE_COMMON_H
#define MOAT_TLS_EXAMPLES_EXAMPLE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <moat.h>

/* Print "prog: message" (printf-style) to stderr. */
void ex_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* -V/--version: "PROGRAM (moat) VERSION" and the libcrypto in use, on stdout. */
void ex_print_version(const char *program);

/* Whole file into memory, NUL-terminated (PEM loaders take a length; the NUL is for the trust store). */
int ex_read_file(const char *path, uint8_t **data, size_t *len);
/* All of stdin into memory. */
int ex_read_stdin(uint8_t **data, size_t *len);

/* "HOST:PORT" or "[V6ADDR]:PORT". Returns 0, or -1 with a message printed. */
int ex_listen(const char *hostport, uint16_t *bound_port);
int ex_connect(const char *hostport);
int ex_set_nonblocking(int fd);

/*
 * Wait until fd is ready for what *blocked asks (read or write), at most
 * timeout_ms (negative: forever). Returns 0 when ready, -1 on timeout or
 * when the status is not about the socket.
 */
int ex_wait(int fd, moat_blocked_status blocked, int timeout_ms);

/* Split "a,b,c" into a NULL-terminated array of strings (free with ex_free_list). */
char **ex_split_list(const char *csv, int *count);
void ex_free_list(char **list);

/* The deterministic test pattern: byte i of the stream is a function of i only. */
void ex_pattern(uint8_t *buf, size_t len, uint64_t offset);

/* "TLSv1.3" for 0x0304, and so on. */
const char *ex_protocol_name(int version);

/*
 * One line per negotiated parameter: protocol, cipher, curve, sig, client_sig,
 * alpn, server_name, client_cert. Both programs print the same keys.
 */
void ex_print_params(struct moat_connection *conn, FILE *out);

/*
 * Report moat_errno after a failed call named what: the error's symbolic
 * name, message and where it was raised, plus the alert received from the
 * peer or the one we sent, by name.
 */
void ex_report_error(struct moat_connection *conn, const char *what);

/*
 * --psk HEX --psk-identity ID [--psk-hash sha256|sha384], as openssl
 * s_client/s_server take them: switch conn to external PSKs and append the
 * one described. -1 (with a message) on a bad value or a failed call.
 */
int ex_append_psk(struct moat_connection *conn, const char *identity, const char *hex, const char *hash);

#endif
