# Example programs on the public API (tls/moat.h), like s2nc/s2nd: built by
# 'make', not installed. The interop tests (tests/interop) drive them against
# OpenSSL and GnuTLS. Include this fragment from tls/local.mk.
noinst_PROGRAMS += tls/examples/moat-tls-client tls/examples/moat-tls-server
EXAMPLE_COMMON_SOURCES = tls/examples/example_common.c tls/examples/example_common.h
tls_examples_moat_tls_client_SOURCES = tls/examples/moat-tls-client.c $(EXAMPLE_COMMON_SOURCES)
tls_examples_moat_tls_client_LDADD = $(MOAT_TLS_LIBS)
tls_examples_moat_tls_server_SOURCES = tls/examples/moat-tls-server.c $(EXAMPLE_COMMON_SOURCES)
tls_examples_moat_tls_server_LDADD = $(MOAT_TLS_LIBS)
