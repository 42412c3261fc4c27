# The benchmark harness (issue 5): not part of 'make check'. 'make bench'
# builds the load generator and the crypto floor with everything else and runs
# tests/bench/run, which compares moat-frontd+moat-keyd with nginx and haproxy
# and writes tests/bench/results.md in the build directory.
noinst_PROGRAMS += tests/bench/loadgen tests/bench/floor tests/bench/backend
tests_bench_loadgen_SOURCES = tests/bench/loadgen.c
tests_bench_loadgen_LDADD = $(MOAT_TLS_LIBS)
tests_bench_floor_SOURCES = tests/bench/floor.c
tests_bench_floor_LDADD = $(LIBCRYPTO_LIBS)
tests_bench_backend_SOURCES = tests/bench/backend.c
EXTRA_DIST += tests/bench/run

# BENCH_ARGS=--quick for a short smoke run.
bench: all
	$(SHELL) $(srcdir)/tests/bench/run --build . $(BENCH_ARGS)
