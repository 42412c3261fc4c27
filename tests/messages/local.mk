# Handshake message and extension codec tests (tls/extensions.h, tls/messages.h).
MESSAGES_TESTS = \
	tests/messages/ext_block_test \
	tests/messages/ext_codec_test \
	tests/messages/msg_test \
	tests/messages/rfc8448_test \
	tests/messages/session_state_test
check_PROGRAMS += $(MESSAGES_TESTS)
MESSAGES_TEST_UTIL = $(TEST_UTIL_SOURCES) tests/messages/codec_check.h

tests_messages_ext_block_test_SOURCES = tests/messages/ext_block_test.c $(MESSAGES_TEST_UTIL)
tests_messages_ext_block_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_ext_block_test_LDADD = $(MOAT_TEST_TLS_LIBS)
tests_messages_ext_codec_test_SOURCES = tests/messages/ext_codec_test.c tests/rfc8448_vectors.h $(MESSAGES_TEST_UTIL)
tests_messages_ext_codec_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_ext_codec_test_LDADD = $(MOAT_TEST_TLS_LIBS)
tests_messages_msg_test_SOURCES = tests/messages/msg_test.c $(MESSAGES_TEST_UTIL)
tests_messages_msg_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_msg_test_LDADD = $(MOAT_TEST_TLS_LIBS)
tests_messages_rfc8448_test_SOURCES = tests/messages/rfc8448_test.c tests/rfc8448_vectors.h $(MESSAGES_TEST_UTIL)
tests_messages_rfc8448_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_rfc8448_test_LDADD = $(MOAT_TEST_TLS_LIBS)
tests_messages_session_state_test_SOURCES = tests/messages/session_state_test.c $(MESSAGES_TEST_UTIL)
tests_messages_session_state_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_session_state_test_LDADD = $(MOAT_TEST_TLS_LIBS)

# TLS 1.2, 1.1 and 1.0 codecs (tls/messages12.h, tls/extensions12.h).
MESSAGES12_TESTS = tests/messages/msg12_test tests/messages/ext12_test
check_PROGRAMS += $(MESSAGES12_TESTS)
tests_messages_msg12_test_SOURCES = tests/messages/msg12_test.c tests/messages/tls12_vectors.h $(MESSAGES_TEST_UTIL)
tests_messages_msg12_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_msg12_test_LDADD = $(MOAT_TEST_TLS_LIBS)
tests_messages_ext12_test_SOURCES = tests/messages/ext12_test.c $(MESSAGES_TEST_UTIL)
tests_messages_ext12_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_messages_ext12_test_LDADD = $(MOAT_TEST_TLS_LIBS)
