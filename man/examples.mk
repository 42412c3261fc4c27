# Example configurations, installed beside where the daemons look for their
# own (configure's --sysconfdir, then "moat"), as *.example: make install
# never overwrites an administrator's file. Their paths are this build's
# (@CONFDIR@, @RUNDIR@: common/paths.h), so each works as it stands once the
# certificate and key it names are in place (tests/deploy/install_test checks that).
moatconfdir = $(sysconfdir)/moat
moatconf_DATA += man/examples/moat-frontd.conf.example man/examples/moat-keyd.conf.example
EXTRA_DIST += man/examples/moat-frontd.conf.in man/examples/moat-keyd.conf.in
CLEANFILES += $(moatconf_DATA)

$(moatconf_DATA): man/examples/%.example: man/examples/%.in Makefile
	$(AM_V_GEN)mkdir -p $(@D) && sed -e 's|@CONFDIR@|$(sysconfdir)/moat|g' \
		-e 's|@RUNDIR@|$(runstatedir)/moat|g' $< > $@.tmp && mv $@.tmp $@
