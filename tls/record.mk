# TLS 1.3 record protection (RFC 8446 §5) and buffered transport I/O.
tls_libmoat_a_SOURCES += \
	tls/record.c tls/record.h \
	tls/record_io.c tls/record_io.h
