/*
 * The two halves of a metrics endpoint that both daemons share: reading a
 * scraper's HTTP request, and writing the Prometheus text exposition format
 * (version 0.0.4) into a moat_buf.
 *
 * The endpoint is for a local scraper, not for the Internet: it understands
 * one request per connection, GET (or HEAD) of /metrics, and answers with
 * HTTP/1.0 semantics and "Connection: close". Everything a client sends is
 * read through the cursor (common/cursor.h); a request longer than
 * MOAT_HTTP_MAX_REQUEST, or one that is not HTTP/1.0 or HTTP/1.1, is a 400.
 *
 * Exposition: every family is written as "# HELP", "# TYPE", then its
 * samples; counters end in _total; a histogram is its cumulative _bucket
 * samples with an le label (the last one le="+Inf"), then _sum and _count.
 * Label values are escaped (backslash, double quote, newline) and HELP text
 * too (backslash, newline), as the format requires.
 */
#ifndef MOAT_COMMON_METRICS_HTTP_H
#define MOAT_COMMON_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

#define MOAT_HTTP_MAX_REQUEST 4096u
#define MOAT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum moat_http_request {
	MOAT_HTTP_INCOMPLETE,  /* no empty line yet: read more (unless the buffer is full: then it is a 400) */
	MOAT_HTTP_GET_METRICS, /* GET /metrics (a query string is ignored) */
	MOAT_HTTP_HEAD_METRICS,
	MOAT_HTTP_NOT_FOUND,   /* a well-formed GET or HEAD of another path: 404 */
	MOAT_HTTP_BAD_METHOD,  /* a well-formed request with another method: 405 */
	MOAT_HTTP_BAD,         /* anything else: 400 */
};

/* What the first len bytes a client sent ask for. */
enum moat_http_request moat_http_parse_request(const uint8_t *data, size_t len);

/*
 * The whole response: status line, headers (Content-Type when body is not
 * NULL, Content-Length, Connection: close) and, unless head_only, the body.
 */
MOAT_MUST_USE int moat_http_response(struct moat_buf *out, unsigned status, const uint8_t *body, size_t body_len,
				     int head_only);
/* The response for a request that is not a metrics GET/HEAD (404, 405, 400), with a one-line text body. */
MOAT_MUST_USE int moat_http_error_response(struct moat_buf *out, enum moat_http_request req);
/*
 * Send out from *sent on, on non-blocking fd, advancing *sent; true once
 * all of it is sent or the client is gone (an error), false when the
 * socket is full (wait until it is writable).
 */
bool moat_http_send_pending(int fd, const struct moat_buf *out, size_t *sent);

/* "# HELP name help\n# TYPE name type\n" */
MOAT_MUST_USE int moat_prom_family(struct moat_buf *b, const char *name, const char *type, const char *help);
/*
 * One sample line. labels: NULL, or pairs {name, value, name, value, ...}
 * of n_labels pairs; values are escaped here.
 */
MOAT_MUST_USE int moat_prom_sample(struct moat_buf *b, const char *name, const char *const *labels, size_t n_labels,
				   uint64_t value);
/* A family of one unlabelled sample: its HELP and TYPE lines, then the sample. */
MOAT_MUST_USE int moat_prom_counter(struct moat_buf *b, const char *name, const char *help, uint64_t value);
MOAT_MUST_USE int moat_prom_gauge(struct moat_buf *b, const char *name, const char *help, uint64_t value);
/* A sample with a non-integer value (seconds). */
MOAT_MUST_USE int moat_prom_sample_f(struct moat_buf *b, const char *name, const char *const *labels,
				     size_t n_labels, double value);
/*
 * A histogram's samples (the family line is the caller's): bucket[i] counts
 * observations in (bounds[i-1], bounds[i]] for i < n_bounds and bucket[n_bounds]
 * those above the last bound; written cumulative, then name_sum and
 * name_count.
 */
MOAT_MUST_USE int moat_prom_histogram(struct moat_buf *b, const char *name, const char *const *labels,
				      size_t n_labels, const double *bounds, size_t n_bounds, const uint64_t *bucket,
				      double sum);

#endif
