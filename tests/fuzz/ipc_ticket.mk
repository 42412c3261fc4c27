# Ticket-key IPC messages fuzz target (libFuzzer; needs --enable-fuzzing with
# clang). `make fuzz-ipc-ticket-check` runs it briefly with no corpus. The
# source also builds with -DMOAT_FUZZ_STANDALONE into a plain program.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ipc_ticket
tests_fuzz_fuzz_ipc_ticket_SOURCES = tests/fuzz/fuzz_ipc_ticket.c
tests_fuzz_fuzz_ipc_ticket_LDADD = $(MOAT_IPC_LIBS)
tests_fuzz_fuzz_ipc_ticket_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-ipc-ticket-check: tests/fuzz/fuzz_ipc_ticket
	./tests/fuzz/fuzz_ipc_ticket -runs=200000 -max_len=2200
.PHONY: fuzz-ipc-ticket-check
endif
if !FUZZING
check_PROGRAMS += tests/fuzz/fuzz_ipc_ticket_build_check
tests_fuzz_fuzz_ipc_ticket_build_check_SOURCES = tests/fuzz/fuzz_ipc_ticket.c
tests_fuzz_fuzz_ipc_ticket_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_ipc_ticket_build_check_LDADD = $(MOAT_IPC_LIBS)
endif
