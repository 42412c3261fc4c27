#!/bin/sh
# Print the suite's totals as one plain line, "N passed, N failed, N skipped",
# from a Kyua results file, after the details of anything broken or failed.
# Exits 1 if any test failed or was broken, or if no test ran at all.
# Expected failures (atf_tc_expect_*) behaved as their test said: they count as passed.
results=$1
details=$2
line=$(kyua --config=none report --results-file="$results" \
	--results-filter= 2>/dev/null | grep '^Test cases:')
if [ -z "$line" ]; then
	echo "kyua produced no results" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
set -- $(echo "$line" | sed 's/[^0-9][^0-9]*/ /g')
total=$1 skipped=$2 xfail=$3 broken=$4 failed=$5
bad=$((broken + failed))
passed=$((total - skipped - bad))
if [ "$bad" -gt 0 ] && [ -s "$details" ]; then
	cat "$details"
fi
echo "$passed passed, $bad failed, $skipped skipped"
[ "$bad" -eq 0 ] && [ "$total" -gt 0 ]
