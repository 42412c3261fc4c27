# The TLS library (tls/ and policy/) as one archive. Each area adds its files
# to tls_libmoat_a_SOURCES from its own fragment.
noinst_LIBRARIES += tls/libmoat.a
tls_libmoat_a_SOURCES = tls/iana.h
include tls/crypto.mk
include tls/record.mk
include tls/messages.mk
include tls/conn.mk
include policy/local.mk

# What a program using the TLS library links.
MOAT_TLS_LIBS = tls/libmoat.a common/libmoat_common.a $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)

include tls/examples/local.mk
