# moat-frontd: the TLS terminator. Everything but main.c is an archive of
# its own, so the unit tests (tests/frontd) link the same code.
noinst_LIBRARIES += frontd/libfrontd.a
frontd_libfrontd_a_SOURCES = \
	frontd/accesslog.c frontd/accesslog.h \
	frontd/backends.c frontd/backends.h \
	frontd/client_cert.c frontd/client_cert.h \
	frontd/config.c frontd/config.h frontd/config_files.h frontd/config_backends.c \
	frontd/conn.c frontd/conn.h \
	frontd/conn_proxy_protocol.c \
	frontd/conn_tickets.c \
	frontd/drain.c frontd/drain.h \
	frontd/evmem.c frontd/evmem.h \
	frontd/keyd_client.c frontd/keyd_client.h \
	frontd/keyd_keys.c frontd/keyd_keys.h \
	frontd/limits.c frontd/limits.h \
	frontd/listen.c frontd/listen.h frontd/listen_passed.c \
	frontd/logopen.c \
	frontd/master.c frontd/master.h \
	frontd/notify.c frontd/notify.h \
	frontd/ocsp.c frontd/ocsp.h \
	frontd/proxy.c \
	frontd/proxy_protocol.h frontd/proxy_protocol_read.c frontd/proxy_protocol_write.c \
	frontd/ratelimit.c frontd/ratelimit.h \
	frontd/sandbox.c frontd/sandbox.h \
	frontd/server.h \
	frontd/sites.c frontd/sites.h \
	frontd/stats.c
frontd_libfrontd_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(LIBSECCOMP_CFLAGS)

FRONTD_LIBS = frontd/libfrontd.a $(MOAT_CONF_LIBS) $(MOAT_IPC_TLS_LIBS) $(LIBEVENT_LIBS) $(LIBSECCOMP_LIBS)

sbin_PROGRAMS += frontd/moat-frontd
frontd_moat_frontd_SOURCES = frontd/main.c
frontd_moat_frontd_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS)
frontd_moat_frontd_LDADD = $(FRONTD_LIBS)
