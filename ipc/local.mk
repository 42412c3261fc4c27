# The IPC wire codec (frontd <-> keyd, keyctl <-> keyd), an archive of its own.
# It uses tls/messages.h's moat_cv_content_check, so link it before the TLS library.
noinst_LIBRARIES += ipc/libmoat_ipc.a
ipc_libmoat_ipc_a_SOURCES = \
	ipc/ipc.h ipc/ipc_internal.h \
	ipc/ipc_frame.c \
	ipc/ipc_names.c \
	ipc/ipc_session.c \
	ipc/ipc_keyop.c \
	ipc/ipc_sign_input.c \
	ipc/ipc_control.c

# What a program speaking the protocol links (keyd, frontd, keyctl, the ipc tests).
MOAT_IPC_LIBS = ipc/libmoat_ipc.a $(MOAT_TLS_LIBS)

dist_man_MANS += man/moat-ipc.7
