# Handshake codec fuzz target (tests/fuzz/fuzz_handshake.c). With
# --enable-fuzzing (clang) it is a libFuzzer program, and
# `make fuzz-handshake-check` runs it briefly with no corpus. Otherwise the
# same source is built by `make check` with a small main() that feeds it
# built-in inputs, so the target always compiles (no corpus needed).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_handshake
tests_fuzz_fuzz_handshake_SOURCES = tests/fuzz/fuzz_handshake.c
tests_fuzz_fuzz_handshake_LDADD = $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_handshake_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-handshake-check: tests/fuzz/fuzz_handshake
	./tests/fuzz/fuzz_handshake -runs=200000 -max_len=4096
.PHONY: fuzz-handshake-check
else
check_PROGRAMS += tests/fuzz/fuzz_handshake_build_check
tests_fuzz_fuzz_handshake_build_check_SOURCES = tests/fuzz/fuzz_handshake.c tests/messages/tls12_vectors.h
tests_fuzz_fuzz_handshake_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_handshake_build_check_LDADD = $(MOAT_TLS_LIBS)
endif
