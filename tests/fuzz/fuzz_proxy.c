/*
 * libFuzzer target for the PROXY protocol header parser
 * (frontd/proxy_protocol_read.c): the first bytes a trusted load balancer
 * sends on a listener with `proxy-protocol`, parsed before any TLS.
 *
 * Oracles besides the sanitizers:
 *  - an accepted header takes between 8 and FRONTD_PP_MAX bytes and no
 *    more than were given; the parser's answer depends on those bytes
 *    only (parsing exactly hdr.len bytes gives the same header);
 *  - "need more" is only ever said of a prefix: shorter inputs never get
 *    a header the longer one refuses, i.e. if the whole input is accepted
 *    every prefix shorter than hdr.len asks for more;
 *  - an accepted header that names addresses, written back by frontd's
 *    own writer in the same version, parses to the same addresses.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * inputs and their prefixes, so `make check` runs the harness.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "frontd/proxy_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
	if (!cond)
		abort();
}

static bool same_addrs(const struct frontd_pp_addrs *a, const struct frontd_pp_addrs *b)
{
	return a->src_len == b->src_len && a->dst_len == b->dst_len && memcmp(&a->src, &b->src, a->src_len) == 0 &&
	       memcmp(&a->dst, &b->dst, a->dst_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frontd_pp_header h, again;
	/* A copy of exactly size bytes, so that the sanitizers see a read past the input. */
	uint8_t *copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	int rc = frontd_pp_parse(copy, size, &h);
	if (rc != MOAT_SUCCESS) {
		require(moat_errno != 0);
		moat_error_clear();
		free(copy);
		return 0;
	}
	require(h.version == FRONTD_PP_V1 || h.version == FRONTD_PP_V2);
	require(h.len >= 8 && h.len <= size && h.len <= FRONTD_PP_MAX);
	require(frontd_pp_parse(copy, h.len, &again) == MOAT_SUCCESS);
	require(again.len == h.len && again.local == h.local && again.version == h.version);
	require(h.local || same_addrs(&h.addrs, &again.addrs));
	for (size_t n = 0; n < h.len; n++) {
		require(frontd_pp_parse(copy, n, &again) == MOAT_FAILURE && moat_errno == MOAT_ERR_IO_BLOCKED);
		moat_error_clear();
	}
	if (!h.local) {
		uint8_t mem[FRONTD_PP_MAX];
		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		require(frontd_pp_write(&b, h.version, &h.addrs, NULL) == MOAT_SUCCESS);
		require(frontd_pp_parse(b.data, b.len, &again) == MOAT_SUCCESS);
		require(again.len == b.len && !again.local && same_addrs(&h.addrs, &again.addrs));
	}
	free(copy);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static const char *const text[] = {
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /",
		"PROXY TCP6 2001:db8::1 ::ffff:1.2.3.4 1 65535\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
		"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
	};
	static const uint8_t bin[][40] = {
		{ 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x11,
		  192, 168, 0, 1, 192, 168, 0, 11, 0xdc, 0x04, 0x01, 0xbb, 0x02, 0x00, 0x02, 'a', 'b', 0x16 },
		{ 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00 },
		{ 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0xff, 0xff },
		{ 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x22, 0x11, 0x00, 0x00 },
		{ 0x16, 0x03, 0x01, 0x00, 0xc8, 0x01 },
	};
	int accepted = 0;
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		size_t len = strlen(text[i]);
		struct frontd_pp_header h;
		accepted += frontd_pp_parse((const uint8_t *)text[i], len, &h) == MOAT_SUCCESS;
		moat_error_clear();
		for (size_t n = 0; n <= len; n++)
			LLVMFuzzerTestOneInput((const uint8_t *)text[i], n);
	}
	for (size_t i = 0; i < sizeof(bin) / sizeof(bin[0]); i++) {
		struct frontd_pp_header h;
		accepted += frontd_pp_parse(bin[i], sizeof(bin[i]), &h) == MOAT_SUCCESS;
		moat_error_clear();
		for (size_t n = 0; n <= sizeof(bin[i]); n++)
			LLVMFuzzerTestOneInput(bin[i], n);
	}
	/* The four valid text headers and the two valid binary ones, and no more. */
	require(accepted == 6);
	return 0;
}
#endif
