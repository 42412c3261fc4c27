# moat-keyd, the key daemon, and moat-keyctl, its control tool.
#
# Everything but main.c is in an archive, so the test build of the daemon
# (tests/keyd/moat-keyd-test, the same main.c with -DMOAT_KEYD_TESTING) and
# the unit tests link exactly the objects the real daemon runs.
noinst_LIBRARIES += keyd/libkeyd.a
keyd_libkeyd_a_SOURCES = \
	keyd/keyd_config.c keyd/keyd_config.h \
	keyd/keys.c keyd/keys.h \
	keyd/key_exposure.c keyd/key_exposure.h \
	keyd/names.c keyd/names.h \
	keyd/ops.c keyd/ops.h \
	keyd/crypto_rsa_decrypt.c keyd/crypto_rsa_decrypt.h \
	keyd/crypto_secure_heap.c keyd/crypto_secure_heap.h \
	keyd/control.c keyd/control.h \
	keyd/ticket_keys.c keyd/ticket_keys.h keyd/early_record.c keyd/early_record.h \
	keyd/ticket_keyfile.c keyd/ticket_keyfile.h \
	keyd/stats.h \
	keyd/workers.c keyd/workers.h \
	keyd/metrics.c \
	keyd/server.c keyd/server.h keyd/server_internal.h \
	keyd/signals.c \
	keyd/admission.c \
	keyd/peer.c \
	keyd/requests.c \
	keyd/key_admin.c \
	keyd/schedule.c \
	keyd/replies.c \
	keyd/ticket_requests.c \
	keyd/sockets.c keyd/sockets.h \
	keyd/sandbox.c keyd/sandbox.h \
	keyd/privdrop.c keyd/privdrop.h \
	keyd/daemon.c keyd/daemon.h
keyd_libkeyd_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSECCOMP_CFLAGS)

# What a keyd program links (the archive first: it uses the config parser, the
# ipc codec and the crypto layer). No TLS protocol code: tests/keyd/keyd_link_test.
MOAT_KEYD_LIBS = keyd/libkeyd.a $(MOAT_CONF_LIBS) $(MOAT_IPC_LIBS) $(LIBSECCOMP_LIBS)

sbin_PROGRAMS += keyd/moat-keyd
keyd_moat_keyd_SOURCES = keyd/main.c
keyd_moat_keyd_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSECCOMP_CFLAGS)
keyd_moat_keyd_LDADD = $(MOAT_KEYD_LIBS)

# An administrator's tool (section 8): it needs root or keyd's user.
sbin_PROGRAMS += keyd/moat-keyctl
keyd_moat_keyctl_SOURCES = keyd/keyctl.c keyd/keyctl.h keyd/keyctl_key.c keyd/keyctl_tickets.c
keyd_moat_keyctl_LDADD = keyd/libkeyd.a $(MOAT_IPC_LIBS)
