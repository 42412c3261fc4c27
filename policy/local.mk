# policy/: the cipher-suite registry and the named security policies, part
# of the TLS library's archive (tls/local.mk adds POLICY_SOURCES to it).
POLICY_SOURCES = policy/cipher_suites.c policy/cipher_suites.h \
	policy/security_policy.c policy/security_policy.h

# The config file parser shared by moat-frontd and moat-keyd: an archive of
# its own on common/ alone, so keyd links it without the TLS library. The one
# exception, policy_block.c (policy "name" { ... } blocks), builds security
# policies and needs the TLS library: only frontd calls it, and a program
# that does not is never given that object by the archive.
noinst_LIBRARIES += policy/libmoat_conf.a
policy_libmoat_conf_a_SOURCES = policy/conf.c policy/conf.h policy/conf_internal.h policy/conf_lex.c \
	policy/conf_parse.c policy/conf_include.c policy/conf_args.c \
	policy/policy_block.c policy/policy_block.h
MOAT_CONF_LIBS = policy/libmoat_conf.a

# The built-in policies as moat-frontd.conf(5)'s table (see policy_table.c).
noinst_PROGRAMS += policy/policy_table
policy_policy_table_SOURCES = policy/policy_table.c
policy_policy_table_LDADD = $(MOAT_CONF_LIBS) $(MOAT_TLS_LIBS)

# Rewrite the generated part of the page in the source tree from the code.
update-policy-table: policy/policy_table
	$(AM_V_GEN)page=$(srcdir)/man/moat-frontd.conf.5; \
	policy/policy_table >$$page.table && \
	awk -v table=$$page.table '/^\.\\" BEGIN GENERATED/ { print; while ((getline l < table) > 0) print l; skip = 1; next } \
		/^\.\\" END GENERATED/ { skip = 0 } !skip { print }' $$page >$$page.new && \
	rm -f $$page.table && mv $$page.new $$page
