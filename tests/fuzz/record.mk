# Record layer fuzz target. With --enable-fuzzing (clang) it is a libFuzzer
# program, and `make fuzz-record-check` runs it briefly with no corpus.
# Otherwise the same source is built by `make check` with a small main() that
# feeds it built-in inputs, so the target always compiles (no corpus needed).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_record
tests_fuzz_fuzz_record_SOURCES = tests/fuzz/fuzz_record.c
tests_fuzz_fuzz_record_LDADD = $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_record_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-record-check: tests/fuzz/fuzz_record
	./tests/fuzz/fuzz_record -runs=20000 -max_len=17000
.PHONY: fuzz-record-check
else
check_PROGRAMS += tests/fuzz/fuzz_record_build_check
tests_fuzz_fuzz_record_build_check_SOURCES = tests/fuzz/fuzz_record.c
tests_fuzz_fuzz_record_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_record_build_check_LDADD = $(MOAT_TLS_LIBS)
endif
