# policy/: the cipher-suite registry and the named security policies, part
# of the TLS library's archive (tls/local.mk adds POLICY_SOURCES to it).
POLICY_SOURCES = policy/cipher_suites.c policy/cipher_suites.h \
	policy/security_policy.c policy/security_policy.h

# The config file parser shared by moat-frontd and moat-keyd: an archive of
# its own on common/ alone, so keyd links it without the TLS library.
noinst_LIBRARIES += policy/libmoat_conf.a
policy_libmoat_conf_a_SOURCES = policy/conf.c policy/conf.h policy/conf_internal.h policy/conf_lex.c \
	policy/conf_parse.c policy/conf_include.c policy/conf_args.c
MOAT_CONF_LIBS = policy/libmoat_conf.a
