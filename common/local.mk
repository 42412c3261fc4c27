noinst_LIBRARIES += common/libmoat_common.a
common_libmoat_common_a_SOURCES = \
	common/buf.c common/buf.h \
	common/clock.c common/clock.h \
	common/cursor.c common/cursor.h \
	common/error.c common/error.h common/error_public.h common/error_codes.h \
	common/log.c common/log.h \
	common/metrics_http.c common/metrics_http.h \
	common/paths.h \
	common/sd_notify.c common/sd_notify.h \
	common/seccomp.c common/seccomp.h \
	common/secmem.c common/secmem.h \
	common/session_cache.c common/session_cache.h
common_libmoat_common_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSECCOMP_CFLAGS)
