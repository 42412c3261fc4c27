# libmoat.so: the TLS library for applications (moat(3)), with its header
# and moat.pc. The daemons, tests and examples link the archives statically,
# as before; the shared object is made from the same objects, so nothing is
# compiled twice: the archives that go into it are built position-independent
# and with -fvisibility=hidden, and the public headers (tls/moat.h,
# common/error_public.h) mark what they declare as exported. The result
# exports the moat_ API and nothing else (tests/deploy/install_test checks it).
#
# Built with a plain link rule rather than libtool: moat is Linux-only
# (seccomp, SO_PEERCRED), one ELF rule covers it, and libtool would turn every
# archive and program of the tree into .la targets for one library.
MOAT_LIB_CFLAGS = -fPIC -fvisibility=hidden
tls_libmoat_a_CFLAGS = $(AM_CFLAGS) $(MOAT_LIB_CFLAGS)
tls_crypto_libmoat_crypto_a_CFLAGS = $(AM_CFLAGS) $(MOAT_LIB_CFLAGS)
common_libmoat_common_a_CFLAGS = $(AM_CFLAGS) $(MOAT_LIB_CFLAGS)

# Shared-object version: the soname changes when the ABI breaks.
MOAT_SO_MAJOR = 0
MOAT_SO_NAME = libmoat.so.$(MOAT_SO_MAJOR)
MOAT_SO_FILE = libmoat.so.$(PACKAGE_VERSION)
MOAT_SO = tls/$(MOAT_SO_FILE)
noinst_DATA += $(MOAT_SO)
CLEANFILES += $(MOAT_SO)

# The archive of the protocol is taken whole (its API functions are what the
# object is for); the crypto layer and common/ only for what they are asked.
# -z defs: an undefined symbol is a link error here, not at an application's
# run time (left out under the sanitizers, whose runtime the program brings).
$(MOAT_SO): tls/libmoat.a tls/crypto/libmoat_crypto.a common/libmoat_common.a
	$(AM_V_CCLD)$(CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -shared \
		-Wl,-soname,$(MOAT_SO_NAME) $(MOAT_SO_ZDEFS) -Wl,-z,relro -Wl,-z,now -o $@ \
		-Wl,--whole-archive tls/libmoat.a -Wl,--no-whole-archive \
		tls/crypto/libmoat_crypto.a common/libmoat_common.a $(LIBCRYPTO_LIBS)

# Installed as FILE with the soname and the development link pointing at it.
install-exec-local: install-libmoat
install-libmoat: $(MOAT_SO)
	$(MKDIR_P) '$(DESTDIR)$(libdir)'
	$(INSTALL_PROGRAM) $(MOAT_SO) '$(DESTDIR)$(libdir)/$(MOAT_SO_FILE)'
	cd '$(DESTDIR)$(libdir)' && rm -f $(MOAT_SO_NAME) libmoat.so && \
		$(LN_S) $(MOAT_SO_FILE) $(MOAT_SO_NAME) && $(LN_S) $(MOAT_SO_NAME) libmoat.so
uninstall-local: uninstall-libmoat
uninstall-libmoat:
	rm -f '$(DESTDIR)$(libdir)/$(MOAT_SO_FILE)' '$(DESTDIR)$(libdir)/$(MOAT_SO_NAME)' \
		'$(DESTDIR)$(libdir)/libmoat.so'

# <moat.h> and the two error headers it includes, under includedir/moat
# (moat.pc adds -I for it), keeping their relative paths.
moatincludedir = $(includedir)/moat
moatinclude_HEADERS = tls/moat.h
moatcommonincludedir = $(includedir)/moat/common
moatcommoninclude_HEADERS = common/error_public.h common/error_codes.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = tls/moat.pc
