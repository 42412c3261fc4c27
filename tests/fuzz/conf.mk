# Config parser fuzz target (policy/conf.h), built only with --enable-fuzzing
# (clang). `make fuzz-conf-check` runs it briefly with no corpus. The source
# also has a main() under -DMOAT_FUZZ_STANDALONE for builds without libFuzzer.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_LDADD = $(MOAT_CONF_LIBS) $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-conf-check: tests/fuzz/fuzz_conf
	./tests/fuzz/fuzz_conf -runs=50000 -max_len=4096
.PHONY: fuzz-conf-check
endif
if !FUZZING
check_PROGRAMS += tests/fuzz/fuzz_conf_build_check
tests_fuzz_fuzz_conf_build_check_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_conf_build_check_LDADD = $(MOAT_CONF_LIBS) $(MOAT_TLS_LIBS)
endif
