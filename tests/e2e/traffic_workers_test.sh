# The traffic cases (traffic_test) again with moat-frontd running 2 worker
# processes (moat-frontd.conf(5), workers): whatever a client does must not
# depend on which worker accepted it.

E2E_WORKERS=2
. "$(atf_get_srcdir)/traffic_test"
