# IPC codec fuzz target (libFuzzer; needs --enable-fuzzing with clang).
# `make fuzz-ipc-check` runs it briefly with no corpus. The source also builds
# with -DMOAT_FUZZ_STANDALONE into a plain program that runs built-in inputs.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ipc
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c
tests_fuzz_fuzz_ipc_LDADD = $(MOAT_IPC_LIBS)
tests_fuzz_fuzz_ipc_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-ipc-check: tests/fuzz/fuzz_ipc
	./tests/fuzz/fuzz_ipc -runs=200000 -max_len=8300
.PHONY: fuzz-ipc-check
endif
if !FUZZING
check_PROGRAMS += tests/fuzz/fuzz_ipc_build_check
tests_fuzz_fuzz_ipc_build_check_SOURCES = tests/fuzz/fuzz_ipc.c
tests_fuzz_fuzz_ipc_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_ipc_build_check_LDADD = $(MOAT_IPC_LIBS)
endif
