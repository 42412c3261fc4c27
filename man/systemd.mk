# systemd: the units (keyd/, frontd/), the users (sysusers.d) and keyd's
# socket directory (tmpfiles.d), with this build's paths (@SBINDIR@,
# @RUNDIR@) filled in like the example configurations. Installed to the
# directories configure found (pkg-config systemd) or was given
# (--with-systemdsystemunitdir, --with-sysusersdir, --with-tmpfilesdir; "no"
# skips that kind). tests/deploy/systemd_units_test checks the generated
# files with systemd-analyze.
MOAT_SYSTEMD_UNITS = keyd/moat-keyd.service frontd/moat-frontd.service frontd/moat-frontd.socket
MOAT_SYSTEMD_GENERATED = $(MOAT_SYSTEMD_UNITS) keyd/moat.tmpfiles
EXTRA_DIST += keyd/moat-keyd.service.in frontd/moat-frontd.service.in frontd/moat-frontd.socket.in \
	keyd/moat.tmpfiles.in keyd/moat.sysusers
CLEANFILES += $(MOAT_SYSTEMD_GENERATED)
# Made with every build (tests read them), installed only where configure says.
noinst_DATA += $(MOAT_SYSTEMD_GENERATED)

if HAVE_SYSTEMDSYSTEMUNITDIR
systemdsystemunit_DATA = $(MOAT_SYSTEMD_UNITS)
endif

$(MOAT_SYSTEMD_GENERATED): %: %.in Makefile
	$(AM_V_GEN)mkdir -p $(@D) && sed -e 's|@SBINDIR@|$(sbindir)|g' -e 's|@RUNDIR@|$(runstatedir)/moat|g' \
		-e 's|@CONFDIR@|$(sysconfdir)/moat|g' $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@

# Both snippets are installed as moat.conf, the name systemd-sysusers and
# systemd-tmpfiles are given on the command line (README).
install-data-local: install-moat-systemd-snippets
uninstall-local: uninstall-moat-systemd-snippets
install-moat-systemd-snippets: keyd/moat.tmpfiles
if HAVE_SYSUSERSDIR
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/keyd/moat.sysusers '$(DESTDIR)$(sysusersdir)/moat.conf'
endif
if HAVE_TMPFILESDIR
	$(MKDIR_P) '$(DESTDIR)$(tmpfilesdir)'
	$(INSTALL_DATA) keyd/moat.tmpfiles '$(DESTDIR)$(tmpfilesdir)/moat.conf'
endif
uninstall-moat-systemd-snippets:
if HAVE_SYSUSERSDIR
	rm -f '$(DESTDIR)$(sysusersdir)/moat.conf'
endif
if HAVE_TMPFILESDIR
	rm -f '$(DESTDIR)$(tmpfilesdir)/moat.conf'
endif

# distcheck installs below its own prefix: the systemd directories too, not /lib/systemd.
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir='$$(prefix)/lib/systemd/system' \
	--with-sysusersdir='$$(prefix)/lib/sysusers.d' --with-tmpfilesdir='$$(prefix)/lib/tmpfiles.d'
