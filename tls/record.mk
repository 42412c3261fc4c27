# The record layer and its protections (RFC 8446 §5, RFC 5246 §6.2), buffered transport I/O.
tls_libmoat_a_SOURCES += \
	tls/record.c tls/record.h \
	tls/record_null.c tls/record_aead13.c \
	tls/record_aead12.c tls/record_cbc.c tls/record_cbc.h \
	tls/record_tls12.c tls/record_tls12.h \
	tls/record_io.c tls/record_io.h
