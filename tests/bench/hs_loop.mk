# moat-bench-hs-loop: the library's own CPU per full TLS 1.3 server handshake,
# client and server threads in one process over socketpairs (see its file
# comment). Built with the other benchmark tools, not run by 'make check'.
noinst_PROGRAMS += tests/bench/hs_loop
tests_bench_hs_loop_SOURCES = tests/bench/hs_loop.c
tests_bench_hs_loop_LDADD = $(MOAT_TLS_LIBS)

# moat-bench-record-loop: CPU per sealed and opened 16 KiB record (see its
# file comment). Built with the benchmark tools, not run by 'make check'.
noinst_PROGRAMS += tests/bench/record_loop
tests_bench_record_loop_SOURCES = tests/bench/record_loop.c
tests_bench_record_loop_LDADD = $(MOAT_TLS_LIBS)
