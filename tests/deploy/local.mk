# What an administrator meets before any TLS: every program's command line
# (--version, --help, bad usage), the manual pages (mandoc -T lint, a skip
# without mandoc), and make install into a DESTDIR (files where configure
# was told, the installed example configurations accepted by -t), and the
# policy list of moat-frontd.conf(5) against the code it is generated from.
#
# build.env hands the scripts this build's configured values (version,
# directories); like the scripts, it is made in the build tree. As in
# tests/e2e, the scripts have their own list and rule, hung on check-local.
DEPLOY_SH_TESTS = tests/deploy/cli_test tests/deploy/man_lint_test tests/deploy/install_test \
	tests/deploy/policy_table_test
EXTRA_DIST += tests/deploy/Kyuafile tests/deploy/cli_test.sh tests/deploy/man_lint_test.sh \
	tests/deploy/install_test.sh tests/deploy/policy_table_test.sh
CLEANFILES += $(DEPLOY_SH_TESTS) tests/deploy/build.env

$(DEPLOY_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

tests/deploy/build.env: Makefile
	$(AM_V_GEN)mkdir -p $(@D) && { \
		echo "MOAT_VERSION='$(PACKAGE_VERSION)'"; \
		echo "MOAT_PREFIX='$(prefix)'"; \
		echo "MOAT_SBINDIR='$(sbindir)'"; \
		echo "MOAT_BINDIR='$(bindir)'"; \
		echo "MOAT_SYSCONFDIR='$(sysconfdir)'"; \
		echo "MOAT_RUNSTATEDIR='$(runstatedir)'"; \
		echo "MOAT_MANDIR='$(mandir)'"; \
		echo "MOAT_LIBDIR='$(libdir)'"; \
		echo "MOAT_INCLUDEDIR='$(includedir)'"; \
		echo "MOAT_TOP_SRCDIR='$(abs_top_srcdir)'"; \
		echo "MOAT_CC='$(CC)'"; \
		echo "MOAT_SANITIZER_CFLAGS='$(SANITIZER_CFLAGS)'"; \
	} > $@.tmp && mv $@.tmp $@

check-local: $(DEPLOY_SH_TESTS) tests/deploy/build.env
