# The benchmark harness (issue 5): not part of 'make check'. 'make bench'
# builds the load generator and the crypto floor with everything else and runs
# tests/bench/run, which compares moat-frontd+moat-keyd with nginx and haproxy
# and writes tests/bench/results.md in the build directory. moat-frontd-inproc
# is the in-process reference of the key-isolation table.
noinst_PROGRAMS += tests/bench/loadgen tests/bench/floor tests/bench/backend tests/bench/kfloor
tests_bench_loadgen_SOURCES = tests/bench/loadgen.c
tests_bench_loadgen_LDADD = $(MOAT_TLS_LIBS)
tests_bench_floor_SOURCES = tests/bench/floor.c
tests_bench_floor_LDADD = $(LIBCRYPTO_LIBS)
tests_bench_backend_SOURCES = tests/bench/backend.c tests/bench/bench_net.h
# The kernel floor (issue 16): accept, read, write a fixed flight, close; no TLS.
tests_bench_kfloor_SOURCES = tests/bench/kfloor.c tests/bench/bench_net.h

# The key-isolation reference: moat-frontd (its main.c and libfrontd.a) with
# the keyd client replaced by keyd's own signing code in process
# (tests/bench/inproc_signer.c). The signer defines every keyd_client_*
# function, so frontd/keyd_client.o is never taken from the archive. keyd's
# archive comes after frontd's and before the libraries both use.
noinst_PROGRAMS += tests/bench/moat-frontd-inproc
tests_bench_moat_frontd_inproc_SOURCES = frontd/main.c tests/bench/inproc_signer.c
tests_bench_moat_frontd_inproc_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS)
tests_bench_moat_frontd_inproc_LDADD = frontd/libfrontd.a keyd/libkeyd.a $(MOAT_CONF_LIBS) $(MOAT_IPC_TLS_LIBS) \
	$(LIBSECCOMP_LIBS) $(LIBEVENT_LIBS)
include tests/bench/hs_loop.mk
EXTRA_DIST += tests/bench/run

# BENCH_ARGS=--quick for a short smoke run.
bench: all
	$(SHELL) $(srcdir)/tests/bench/run --build . $(BENCH_ARGS)

# The io_uring prototype (issue 16): tests/bench/uring_relay.c relays kept-alive
# requests through an epoll loop shaped like frontd's and through io_uring, and
# tests/bench/uring_run compares their CPU per request. liburing is optional:
# 'make bench-uring' compiles the relay only where pkg-config finds it, and
# nothing else in the build uses it. URING_ARGS passes options to uring_run
# (e.g. URING_ARGS="--reps 3 --strace").
EXTRA_DIST += tests/bench/uring_relay.c tests/bench/uring_run
CLEANFILES += tests/bench/uring_relay
bench-uring: tests/bench/backend
	@if $(PKG_CONFIG) --exists liburing; then \
		echo "  CC       tests/bench/uring_relay"; \
		$(CC) $(AM_CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) -o tests/bench/uring_relay \
			$(srcdir)/tests/bench/uring_relay.c `$(PKG_CONFIG) --cflags --libs liburing` && \
		bash $(srcdir)/tests/bench/uring_run --build . $(URING_ARGS); \
	else \
		echo "bench-uring: liburing not found (Debian: apt-get install liburing-dev): skipped"; \
	fi
.PHONY: bench-uring
