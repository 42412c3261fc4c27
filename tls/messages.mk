# Handshake message and extension codecs (RFC 8446 §4): one file per
# extension (ext_*.c) and per message (msg_*.c), no protocol logic.
tls_libmoat_a_SOURCES += \
	tls/extensions.h \
	tls/extensions.c \
	tls/ext_server_name.c \
	tls/ext_u16_list.c \
	tls/ext_supported_versions.c \
	tls/ext_key_share.c \
	tls/ext_alpn.c \
	tls/ext_cookie.c \
	tls/ext_record_size_limit.c \
	tls/ext_max_fragment_length.c \
	tls/ext_psk_modes.c \
	tls/ext_pre_shared_key.c \
	tls/ext_early_data.c \
	tls/ext_status_request.c \
	tls/ext_certificate_authorities.c \
	tls/messages.h \
	tls/msg_header.c \
	tls/msg_client_hello.c \
	tls/msg_client_hello_retry.c \
	tls/msg_server_hello.c \
	tls/msg_encrypted_extensions.c \
	tls/msg_certificate_request.c \
	tls/msg_certificate.c \
	tls/msg_certificate_verify.c \
	tls/msg_finished.c \
	tls/msg_new_session_ticket.c \
	tls/msg_end_of_early_data.c \
	tls/msg_key_update.c
# TLS 1.2, 1.1 and 1.0 messages and the extensions only they use.
tls_libmoat_a_SOURCES += \
	tls/messages12.h \
	tls/extensions12.h \
	tls/ext_renegotiation_info.c \
	tls/ext_ec_point_formats.c \
	tls/ext_session_ticket.c \
	tls/msg_digitally_signed.c \
	tls/msg_server_hello12.c \
	tls/msg_server_key_exchange.c \
	tls/msg_client_key_exchange.c \
	tls/msg_server_hello_done.c \
	tls/msg_hello_request.c \
	tls/msg_certificate_request12.c \
	tls/msg_certificate12.c \
	tls/msg_certificate_verify12.c \
	tls/msg_certificate_status.c \
	tls/msg_new_session_ticket12.c
