# KEY_ADD / KEY_REMOVE fuzz target (libFuzzer; needs --enable-fuzzing with
# clang): the codec and keyd's loading of the key bytes. `make
# fuzz-key-admin-check` runs it briefly with no corpus. The source also builds
# with -DMOAT_FUZZ_STANDALONE into a plain program that runs built-in inputs.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_key_admin
tests_fuzz_fuzz_key_admin_SOURCES = tests/fuzz/fuzz_key_admin.c
tests_fuzz_fuzz_key_admin_LDADD = $(MOAT_KEYD_LIBS)
tests_fuzz_fuzz_key_admin_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-key-admin-check: tests/fuzz/fuzz_key_admin
	./tests/fuzz/fuzz_key_admin -runs=100000 -max_len=8300
.PHONY: fuzz-key-admin-check
endif
if !FUZZING
check_PROGRAMS += tests/fuzz/fuzz_key_admin_build_check
tests_fuzz_fuzz_key_admin_build_check_SOURCES = tests/fuzz/fuzz_key_admin.c
tests_fuzz_fuzz_key_admin_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_key_admin_build_check_LDADD = $(MOAT_KEYD_LIBS)
endif
