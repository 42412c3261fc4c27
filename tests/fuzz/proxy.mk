# PROXY protocol header parser fuzz target (frontd/proxy_protocol_read.c),
# libFuzzer with --enable-fuzzing (clang); `make fuzz-proxy-check` runs it
# briefly with no corpus. Without fuzzing, `make check` builds the same
# source with a main() that runs its built-in headers and their prefixes.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_proxy
tests_fuzz_fuzz_proxy_SOURCES = tests/fuzz/fuzz_proxy.c
tests_fuzz_fuzz_proxy_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_proxy_LDADD = $(FRONTD_LIBS)
tests_fuzz_fuzz_proxy_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-proxy-check: tests/fuzz/fuzz_proxy
	./tests/fuzz/fuzz_proxy -runs=200000 -max_len=2100
.PHONY: fuzz-proxy-check
else
check_PROGRAMS += tests/fuzz/fuzz_proxy_build_check
tests_fuzz_fuzz_proxy_build_check_SOURCES = tests/fuzz/fuzz_proxy.c
tests_fuzz_fuzz_proxy_build_check_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_proxy_build_check_LDADD = $(FRONTD_LIBS)
endif
