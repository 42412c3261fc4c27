# Session state (ticket plaintext) decoder fuzz target. With --enable-fuzzing
# (clang) it is a libFuzzer program, and `make fuzz-session-state-check` runs
# it briefly. Otherwise `make check` builds it with a main() that runs a valid
# state, its prefixes and every one-bit change of each byte.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_session_state
tests_fuzz_fuzz_session_state_SOURCES = tests/fuzz/fuzz_session_state.c
tests_fuzz_fuzz_session_state_LDADD = $(MOAT_TLS_LIBS)
tests_fuzz_fuzz_session_state_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-session-state-check: tests/fuzz/fuzz_session_state
	./tests/fuzz/fuzz_session_state -runs=200000 -max_len=700
.PHONY: fuzz-session-state-check
else
check_PROGRAMS += tests/fuzz/fuzz_session_state_build_check
tests_fuzz_fuzz_session_state_build_check_SOURCES = tests/fuzz/fuzz_session_state.c
tests_fuzz_fuzz_session_state_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_session_state_build_check_LDADD = $(MOAT_TLS_LIBS)
endif
