# TLS 1.0 - 1.2 record protections fuzz target (CBC padding and MAC check,
# 1.2 AEADs) under fixed keys. With --enable-fuzzing (clang) it is a libFuzzer
# program, and `make fuzz-record-cbc-check` runs it briefly with no corpus.
# Otherwise `make check` builds it with a small main() over built-in inputs.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_record_cbc
tests_fuzz_fuzz_record_cbc_SOURCES = tests/fuzz/fuzz_record_cbc.c
tests_fuzz_fuzz_record_cbc_LDADD = $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_record_cbc_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-record-cbc-check: tests/fuzz/fuzz_record_cbc
	./tests/fuzz/fuzz_record_cbc -runs=20000 -max_len=17000
.PHONY: fuzz-record-cbc-check
else
check_PROGRAMS += tests/fuzz/fuzz_record_cbc_build_check
tests_fuzz_fuzz_record_cbc_build_check_SOURCES = tests/fuzz/fuzz_record_cbc.c
tests_fuzz_fuzz_record_cbc_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_record_cbc_build_check_LDADD = $(MOAT_TLS_LIBS)
endif
