# The smoke program runs and reports the versions it linked against.

atf_test_case smoke_runs
smoke_runs_head()
{
	atf_set "descr" "the smoke program links every dependency and exercises common/"
}
smoke_runs_body()
{
	atf_check -s exit:0 -o match:"^moat smoke: ok" -o match:"libcrypto 3\." \
		-o match:"libevent 2\." -o match:"libseccomp 2\." "$(atf_get_srcdir)/smoke"
}

atf_init_test_cases()
{
	atf_add_test_case smoke_runs
}
