# Metrics endpoint request parser fuzz target (common/metrics_http.c),
# libFuzzer with --enable-fuzzing (clang); `make fuzz-metrics-http-check`
# runs it briefly with no corpus. Without fuzzing, `make check` builds the
# same source with a main() that runs its built-in requests and prefixes.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_metrics_http
tests_fuzz_fuzz_metrics_http_SOURCES = tests/fuzz/fuzz_metrics_http.c
tests_fuzz_fuzz_metrics_http_LDADD = common/libmoat_common.a $(LIBCRYPTO_LIBS)
tests_fuzz_fuzz_metrics_http_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-metrics-http-check: tests/fuzz/fuzz_metrics_http
	./tests/fuzz/fuzz_metrics_http -runs=200000 -max_len=4200
.PHONY: fuzz-metrics-http-check
else
check_PROGRAMS += tests/fuzz/fuzz_metrics_http_build_check
tests_fuzz_fuzz_metrics_http_build_check_SOURCES = tests/fuzz/fuzz_metrics_http.c
tests_fuzz_fuzz_metrics_http_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_metrics_http_build_check_LDADD = common/libmoat_common.a $(LIBCRYPTO_LIBS)
endif
