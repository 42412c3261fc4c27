/*
 * libFuzzer target for the metrics endpoint's request parser
 * (common/metrics_http.c): the bytes a scraper, or anything else that
 * reaches the metrics socket, sends to frontd or keyd.
 *
 * Oracles besides the sanitizers:
 *  - "incomplete" is only said of a prefix: if the whole input gets an
 *    answer, every longer input that starts with it gets the same answer
 *    (the parser stops at the empty line and never reads past it);
 *  - an input longer than MOAT_HTTP_MAX_REQUEST is always a 400;
 *  - every answer other than "incomplete" makes a response the writer
 *    can build, which starts with "HTTP/1.1 ".
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * requests and their prefixes, so `make check` runs the harness.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum moat_http_request r = moat_http_parse_request(data, size);
	if (size > MOAT_HTTP_MAX_REQUEST)
		require(r == MOAT_HTTP_BAD);
	if (r == MOAT_HTTP_INCOMPLETE)
		return 0;
	/* The same answer with bytes after it. */
	if (size < MOAT_HTTP_MAX_REQUEST) {
		uint8_t *more = malloc(size + 1);
		require(more != NULL);
		if (size > 0)
			memcpy(more, data, size);
		more[size] = 'x';
		require(moat_http_parse_request(more, size + 1) == r);
		free(more);
	}
	struct moat_buf out;
	moat_buf_init(&out, 4096);
	if (r == MOAT_HTTP_GET_METRICS || r == MOAT_HTTP_HEAD_METRICS)
		require(moat_http_response(&out, 200, (const uint8_t *)"x 1\n", 4, r == MOAT_HTTP_HEAD_METRICS) ==
			MOAT_SUCCESS);
	else
		require(moat_http_error_response(&out, r) == MOAT_SUCCESS);
	require(out.len > 9 && memcmp(out.data, "HTTP/1.1 ", 9) == 0);
	moat_buf_free(&out);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static const char *const req[] = {
		"GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n",
		"GET /metrics?name[]=x HTTP/1.0\r\n\r\n",
		"HEAD /metrics HTTP/1.1\n\n",
		"GET /other HTTP/1.1\r\n\r\n",
		"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
		"GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n",
		"GET /metrics HTTP/1.1\r\n: empty\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/2\r\n\r\n",
		"GET /metr\x01ics HTTP/1.1\r\n\r\n",
		"\x16\x03\x01\x02\x05hello\r\n\r\n",
		"\r\n\r\n",
	};
	static const enum moat_http_request want[] = {
		MOAT_HTTP_GET_METRICS, MOAT_HTTP_GET_METRICS, MOAT_HTTP_HEAD_METRICS, MOAT_HTTP_NOT_FOUND,
		MOAT_HTTP_BAD_METHOD,  MOAT_HTTP_BAD,         MOAT_HTTP_BAD,          MOAT_HTTP_BAD,
		MOAT_HTTP_BAD,         MOAT_HTTP_BAD,         MOAT_HTTP_BAD,          MOAT_HTTP_BAD,
	};
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		size_t len = strlen(req[i]);
		require(moat_http_parse_request((const uint8_t *)req[i], len) == want[i]);
		for (size_t n = 0; n <= len; n++)
			LLVMFuzzerTestOneInput((const uint8_t *)req[i], n);
	}
	/* Too long to be a scrape, whatever it is. */
	static uint8_t big[MOAT_HTTP_MAX_REQUEST + 1];
	memset(big, 'a', sizeof(big));
	require(moat_http_parse_request(big, sizeof(big)) == MOAT_HTTP_BAD);
	LLVMFuzzerTestOneInput(big, sizeof(big));
	return 0;
}
#endif
