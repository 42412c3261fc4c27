/*
 * moat-bench-record-loop: CPU per protected record, the record layer's hot
 * path measured alone.
 *
 * One write direction and one read direction are keyed from the same TLS 1.3
 * traffic secret; each iteration seals a full-size application_data record
 * (2^14 bytes of content) into a buffer with moat_record_write and opens it
 * again in place with moat_record_open. No I/O, no allocation per record:
 * what is left is the AEAD, the header, the nonce and the constant-time
 * inner-type scan, which is what a bulk transfer spends in the record layer.
 *
 * The figure is this process's CPU time (CLOCK_PROCESS_CPUTIME_ID) over the
 * loop, per record and as throughput. Not part of 'make check': a machine
 * shared with other work gives noisy figures, so compare runs interleaved.
 * Output: one key=value line per figure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls/record.h"

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "record_loop: %s failed: %s\n", what, moat_strerror_debug(moat_errno, NULL));
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "chacha", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	long count = 200000;
	moat_aead_alg aead = MOAT_AEAD_AES_128_GCM;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n')
			count = strtol(optarg, NULL, 10);
		else if (opt == 'c')
			aead = MOAT_AEAD_CHACHA20_POLY1305;
		else {
			fprintf(stderr, "usage: record_loop [--count N] [--chacha]\n");
			return 2;
		}
	}
	if (count <= 0) {
		fprintf(stderr, "record_loop: --count must be positive\n");
		return 2;
	}

	uint8_t secret[32];
	memset(secret, 0x5a, sizeof(secret));
	struct moat_record_layer tx, rx;
	moat_record_layer_init(&tx);
	moat_record_layer_init(&rx);
	if (moat_record_set_traffic_secret(&tx, true, MOAT_HASH_SHA256, aead, secret) < 0 ||
	    moat_record_set_traffic_secret(&rx, false, MOAT_HASH_SHA256, aead, secret) < 0)
		die("set_traffic_secret");

	static uint8_t data[MOAT_MAX_PLAINTEXT];
	memset(data, 0xa5, sizeof(data));
	struct moat_buf out;
	moat_buf_init(&out, MOAT_RECORD_MAX_WIRE_LEN);

	double t0 = cpu_seconds();
	for (long i = 0; i < count; i++) {
		uint8_t type, *plain;
		size_t plain_len;
		moat_buf_reset(&out);
		if (moat_record_write(&tx, MOAT_CT_APPLICATION_DATA, data, sizeof(data), 0, &out) < 0)
			die("record_write");
		if (moat_record_open(&rx, out.data, out.len, &type, &plain, &plain_len) < 0)
			die("record_open");
		if (type != MOAT_CT_APPLICATION_DATA || plain_len != sizeof(data))
			die("round trip");
	}
	double cpu = cpu_seconds() - t0;

	printf("records=%ld\n", count);
	printf("aead=%s\n", aead == MOAT_AEAD_AES_128_GCM ? "aes-128-gcm" : "chacha20-poly1305");
	printf("cpu_us_per_record=%.3f\n", cpu * 1e6 / (double)count);
	printf("mb_per_s=%.1f\n", (double)count * (double)sizeof(data) / cpu / 1e6);
	moat_buf_free(&out);
	moat_record_layer_free(&tx);
	moat_record_layer_free(&rx);
	return 0;
}
