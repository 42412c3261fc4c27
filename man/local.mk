# The manual pages. The pages in man/ name the paths of a build configured
# with --sysconfdir=/etc --runstatedir=/run (/etc/moat, /run/moat); what is
# installed is a copy made here with this build's directories in their
# place, so an installed page names the paths its programs really use.
MOAT_MAN_PAGES = man/moat-frontd.8 man/moat-frontd.conf.5 man/moat-keyd.8 man/moat-keyd.conf.5 \
	man/moat-keyctl.8 man/moat-ipc.7 man/moat.3
man_MANS += man/installed/moat-frontd.8 man/installed/moat-frontd.conf.5 man/installed/moat-keyd.8 \
	man/installed/moat-keyd.conf.5 man/installed/moat-keyctl.8 man/installed/moat-ipc.7 man/installed/moat.3
EXTRA_DIST += $(MOAT_MAN_PAGES)
CLEANFILES += $(man_MANS)

# Makefile: a new configure run (other directories) remakes them.
$(man_MANS): man/installed/%: man/% Makefile
	$(AM_V_GEN)mkdir -p $(@D) && sed -e 's|/etc/moat|$(sysconfdir)/moat|g' \
		-e 's|/run/moat|$(runstatedir)/moat|g' $< > $@.tmp && mv $@.tmp $@
