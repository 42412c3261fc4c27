# The IPC wire codec (frontd <-> keyd, keyctl <-> keyd), an archive of its own.
# It uses the crypto layer (the signed-content checks, the scheme table), so
# link it before tls/crypto/libmoat_crypto.a.
noinst_LIBRARIES += ipc/libmoat_ipc.a
ipc_libmoat_ipc_a_SOURCES = \
	ipc/ipc.h ipc/ipc_internal.h \
	ipc/ipc_frame.c \
	ipc/ipc_names.c \
	ipc/ipc_session.c \
	ipc/ipc_keyop.c \
	ipc/ipc_sign_input.c \
	ipc/ipc_control.c \
	ipc/ipc_key_admin.c \
	ipc/ipc_ticket.c

# What a program speaking the protocol links: keyd, keyctl and the ipc tests
# with the crypto layer alone; frontd, which also runs TLS, with the TLS library.
MOAT_IPC_LIBS = ipc/libmoat_ipc.a $(MOAT_CRYPTO_LIBS)
MOAT_IPC_TLS_LIBS = ipc/libmoat_ipc.a $(MOAT_TLS_LIBS)
