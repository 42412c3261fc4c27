# IPC codec tests (ipc/ipc.h): framing, every message, limits, sign-input shapes.
IPC_TESTS = \
	tests/ipc/ipc_frame_test \
	tests/ipc/ipc_msg_test \
	tests/ipc/ipc_sign_input_test \
	tests/ipc/ipc_ticket_test \
	tests/ipc/ipc_key_admin_test
check_PROGRAMS += $(IPC_TESTS)
IPC_TEST_UTIL = $(TEST_UTIL_SOURCES) tests/ipc/ipc_test_util.h

tests_ipc_ipc_frame_test_SOURCES = tests/ipc/ipc_frame_test.c $(IPC_TEST_UTIL)
tests_ipc_ipc_frame_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ipc_ipc_frame_test_LDADD = $(MOAT_IPC_LIBS) $(ATF_C_LIBS)
tests_ipc_ipc_msg_test_SOURCES = tests/ipc/ipc_msg_test.c $(IPC_TEST_UTIL)
tests_ipc_ipc_msg_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ipc_ipc_msg_test_LDADD = $(MOAT_IPC_LIBS) $(ATF_C_LIBS)
tests_ipc_ipc_sign_input_test_SOURCES = tests/ipc/ipc_sign_input_test.c $(IPC_TEST_UTIL)
tests_ipc_ipc_sign_input_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ipc_ipc_sign_input_test_LDADD = $(MOAT_IPC_LIBS) $(ATF_C_LIBS)
tests_ipc_ipc_key_admin_test_SOURCES = tests/ipc/ipc_key_admin_test.c $(IPC_TEST_UTIL)
tests_ipc_ipc_key_admin_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ipc_ipc_key_admin_test_LDADD = $(MOAT_IPC_LIBS) $(ATF_C_LIBS)

tests_ipc_ipc_ticket_test_SOURCES = tests/ipc/ipc_ticket_test.c $(IPC_TEST_UTIL)
tests_ipc_ipc_ticket_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ipc_ipc_ticket_test_LDADD = $(MOAT_IPC_LIBS) $(ATF_C_LIBS)

EXTRA_DIST += tests/ipc/Kyuafile
