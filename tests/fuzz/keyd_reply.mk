# frontd's keyd client against a scripted, hostile keyd (libFuzzer; needs
# --enable-fuzzing with clang). `make fuzz-keyd-reply-check` runs it briefly.
# Without fuzzing the same source is built by `make check` with a main() that
# runs its built-in scripts and checks each reaches the state it is written for.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_keyd_reply
tests_fuzz_fuzz_keyd_reply_SOURCES = tests/fuzz/fuzz_keyd_reply.c
tests_fuzz_fuzz_keyd_reply_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_keyd_reply_LDADD = $(FRONTD_LIBS)
tests_fuzz_fuzz_keyd_reply_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-keyd-reply-check: tests/fuzz/fuzz_keyd_reply
	./tests/fuzz/fuzz_keyd_reply -runs=20000 -max_len=256
.PHONY: fuzz-keyd-reply-check
else
check_PROGRAMS += tests/fuzz/fuzz_keyd_reply_build_check
tests_fuzz_fuzz_keyd_reply_build_check_SOURCES = tests/fuzz/fuzz_keyd_reply.c
tests_fuzz_fuzz_keyd_reply_build_check_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_keyd_reply_build_check_LDADD = $(FRONTD_LIBS)
endif
