# The connection layer: public API, handshake driver and tables, TLS 1.3 and 1.2 handlers, I/O.
tls_libmoat_a_SOURCES += tls/moat.h tls/conn.h \
	tls/config.c tls/connection.c tls/io.c tls/alert.c tls/alert.h tls/early_data_skip.c \
	tls/handshake.c tls/handshake_tables.c tls/handshake_tables.h tls/hello.c \
	tls/tls13_tables.c tls/tls13_server.c tls/tls13_client.c tls/tls13_auth.c tls/tls13_ccs.c \
	tls/tls12_tables.c tls/tls12_server.c tls/tls12_kx_server.c tls/tls12_kx_server.h tls/tls12_ext_server.c \
	tls/tls12_client.c tls/tls12_client.h tls/tls12_keys.c tls/tls12_keys.h tls/tls12_kx_client.c tls/tls12_ext_client.c \
	tls/ext_rows.c tls/ext_rows.h tls/ext_handlers.h tls/tls13_ext_server.c tls/tls13_ext_client.c \
	tls/async_pkey.c tls/client_hello_api.c tls/session_state.c tls/session_state.h \
	tls/tickets.c tls/tickets.h tls/tls13_psk.c tls/early_data.c tls/early_data.h \
	tls/psk_external.c tls/psk_external.h tls/tls13_psk_external.c tls/tickets_client_auth.c tls/tls12_premaster.c tls/tls12_premaster.h \
	tls/library_version.c tls/config_policy.c tls/config_policy.h tls/key_caps.h tls/config_trust.c \
	tls/ocsp_staple.c tls/ocsp_staple.h tls/tls12_resume.c tls/sct_list.c tls/sct_list.h

# The library manual, man/moat.3, is listed in man/local.mk.
