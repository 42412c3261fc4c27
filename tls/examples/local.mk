# Example programs on the public API (tls/moat.h) alone, like s2nc/s2nd:
# built by 'make', not installed. The interop tests (tests/interop) drive them against
# OpenSSL and GnuTLS. Include this fragment from tls/local.mk.
noinst_PROGRAMS += tls/examples/moat-tls-client tls/examples/moat-tls-server
EXAMPLE_COMMON_SOURCES = tls/examples/example_common.c tls/examples/example_common.h
# They include <moat.h> as an application does: here from the tree, and in
# tests/deploy/install_test from an installed copy (pkg-config moat).
EXAMPLE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tls
tls_examples_moat_tls_client_CPPFLAGS = $(EXAMPLE_CPPFLAGS)
tls_examples_moat_tls_server_CPPFLAGS = $(EXAMPLE_CPPFLAGS)
tls_examples_moat_tls_client_SOURCES = tls/examples/moat-tls-client.c $(EXAMPLE_COMMON_SOURCES)
tls_examples_moat_tls_client_LDADD = $(MOAT_TLS_LIBS)
tls_examples_moat_tls_server_SOURCES = tls/examples/moat-tls-server.c $(EXAMPLE_COMMON_SOURCES) \
	tls/examples/ticket_sealer.c tls/examples/ticket_sealer.h tls/examples/id_cache.c tls/examples/id_cache.h
tls_examples_moat_tls_server_LDADD = $(MOAT_TLS_LIBS)

# The demo backend: the plaintext HTTP/echo server that demo.sh and the
# end-to-end tests (tests/e2e) put behind moat-frontd. Not part of any daemon,
# so it lives with the other example programs. It links the crypto layer only,
# for SHA-256 (tls/crypto/hash.h), which keeps libcrypto's headers out of it.
noinst_PROGRAMS += tls/examples/moat-demo-backend
tls_examples_moat_demo_backend_SOURCES = tls/examples/demo_backend.c
tls_examples_moat_demo_backend_LDADD = $(MOAT_CRYPTO_LIBS)
