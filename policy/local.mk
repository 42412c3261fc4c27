# policy/: the cipher-suite registry and the named security policies.
tls_libmoat_a_SOURCES += policy/cipher_suites.c policy/cipher_suites.h
tls_libmoat_a_SOURCES += policy/security_policy.c policy/security_policy.h
# The config file parser shared by moat-frontd and moat-keyd.
tls_libmoat_a_SOURCES += policy/conf.c policy/conf.h policy/conf_internal.h policy/conf_lex.c \
	policy/conf_parse.c policy/conf_include.c policy/conf_args.c
