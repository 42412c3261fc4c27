# policy/: the cipher-suite registry and the named security policies.
tls_libmoat_a_SOURCES += policy/cipher_suites.c policy/cipher_suites.h
tls_libmoat_a_SOURCES += policy/security_policy.c policy/security_policy.h
