# Example configurations, installed beside where the daemons look for their
# own (configure's --sysconfdir, then "moat"), as *.example: make install
# never overwrites an administrator's file. Their paths are this build's
# (@CONFDIR@, @RUNDIR@: common/paths.h), so each works as it stands once the
# certificate and key it names are in place (tests/install checks that).
moatconfdir = $(sysconfdir)/moat
moatconf_DATA += etc/moat-frontd.conf.example etc/moat-keyd.conf.example
EXTRA_DIST += etc/moat-frontd.conf.in etc/moat-keyd.conf.in
CLEANFILES += $(moatconf_DATA)

$(moatconf_DATA): etc/%.example: etc/%.in Makefile
	$(AM_V_GEN)mkdir -p $(@D) && sed -e 's|@CONFDIR@|$(sysconfdir)/moat|g' \
		-e 's|@RUNDIR@|$(runstatedir)/moat|g' $< > $@.tmp && mv $@.tmp $@
