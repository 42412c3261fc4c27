# The demo backend: the plaintext HTTP/echo server that demo.sh and the
# end-to-end tests (tests/e2e) put behind moat-frontd. Built by 'make', not
# installed. It links the crypto layer only, for SHA-256 (tls/crypto/hash.h),
# which keeps libcrypto's headers out of it.
noinst_PROGRAMS += frontd/moat-demo-backend
frontd_moat_demo_backend_SOURCES = frontd/demo_backend.c
frontd_moat_demo_backend_LDADD = $(MOAT_CRYPTO_LIBS)
