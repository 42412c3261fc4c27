# End-to-end tests: moat-keyd, moat-frontd and the demo backend
# (tls/examples/moat-demo-backend) started for real and driven with curl and
# openssl s_client (atf-sh scripts; a missing client is a skip through
# require.progs). lib is sourced by the scripts, not run by Kyua; memscan
# is a tool the isolation test runs, not a test program, and so are flood
# (from flood.py: the attacker of the flood test) and sd_manager (from
# sd_manager.py: systemd's notify socket and socket activation).
#
# ATF_SH_TESTS is first set in tests/local.mk after this fragment is
# included, so the scripts get their own list and rule (the same as the
# generic one) and are hung on check-local.
E2E_SH_TESTS = tests/e2e/lib tests/e2e/traffic_test tests/e2e/isolation_test \
	tests/e2e/faults_test tests/e2e/config_test tests/e2e/sandbox_test tests/e2e/flood_test \
	tests/e2e/accesslog_test tests/e2e/systemd_test tests/e2e/rollover_test tests/e2e/tickets_test \
	tests/e2e/workers_test tests/e2e/traffic_workers_test tests/e2e/scaleout_test
EXTRA_DIST += tests/e2e/Kyuafile tests/e2e/lib.sh tests/e2e/traffic_test.sh tests/e2e/isolation_test.sh \
	tests/e2e/faults_test.sh tests/e2e/config_test.sh tests/e2e/sandbox_test.sh tests/e2e/flood_test.sh \
	tests/e2e/accesslog_test.sh tests/e2e/flood.py tests/e2e/systemd_test.sh tests/e2e/sd_manager.py \
	tests/e2e/rollover_test.sh tests/e2e/tickets_test.sh tests/e2e/workers_test.sh \
	tests/e2e/traffic_workers_test.sh tests/e2e/scaleout_test.sh
# The flood test's attacker, copied beside the scripts like lib.
E2E_TOOLS = tests/e2e/flood tests/e2e/sd_manager
CLEANFILES += $(E2E_SH_TESTS) $(E2E_TOOLS)

check_PROGRAMS += tests/e2e/memscan
tests_e2e_memscan_SOURCES = tests/e2e/memscan.c

$(E2E_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

$(E2E_TOOLS): %: %.py
	$(AM_V_GEN)mkdir -p $(@D) && cp $< $@ && chmod +x $@

check-local: $(E2E_SH_TESTS) $(E2E_TOOLS)
