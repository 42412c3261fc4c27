# The TLS library: the protocol (tls/ and policy/'s suites and policies) as
# one archive over the crypto layer (tls/crypto/, its own archive). Each area
# adds its files to tls_libmoat_a_SOURCES from its own fragment.
include tls/crypto/local.mk
include policy/local.mk

noinst_LIBRARIES += tls/libmoat.a
tls_libmoat_a_SOURCES = tls/iana.h
# The TLS 1.3 key schedule (RFC 8446 §7.1) is protocol: it is built on hkdf.
tls_libmoat_a_SOURCES += tls/tls13_key_schedule.c tls/tls13_key_schedule.h tls/secrets.h
include tls/record.mk
include tls/messages.mk
include tls/conn.mk
tls_libmoat_a_SOURCES += $(POLICY_SOURCES)

# What a program using the TLS library links.
MOAT_TLS_LIBS = tls/libmoat.a $(MOAT_CRYPTO_LIBS)

include tls/examples/local.mk
include tls/shared.mk
