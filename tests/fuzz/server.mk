# Server state machine fuzz target (tests/fuzz/fuzz_server.c): a scripted
# client drives a moat server connection through ClientHello, the
# HelloRetryRequest round, Finished and past the handshake. With
# --enable-fuzzing (clang) it is a libFuzzer program, and
# `make fuzz-server-check` runs it briefly with no corpus. Otherwise the same
# source is built by `make check` with a main() that runs its built-in
# scripts and checks the states each reaches.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_server
tests_fuzz_fuzz_server_SOURCES = tests/fuzz/fuzz_server.c
tests_fuzz_fuzz_server_LDADD = $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_server_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-server-check: tests/fuzz/fuzz_server
	./tests/fuzz/fuzz_server -runs=20000 -max_len=4096
.PHONY: fuzz-server-check
else
check_PROGRAMS += tests/fuzz/fuzz_server_build_check
tests_fuzz_fuzz_server_build_check_SOURCES = tests/fuzz/fuzz_server.c
tests_fuzz_fuzz_server_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_server_build_check_LDADD = $(MOAT_TLS_LIBS)
endif
