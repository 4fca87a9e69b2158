#!/bin/sh
# run_fuzz.sh HARNESS SEED_DIR SECONDS [FLOOR]: a short libFuzzer run. New inputs
# go to a scratch directory so the seed corpus in the tree is never written to.
# An input that crashes (or leaks, or times out) is kept in crashes/ next to
# the harness, and its path printed, so the failure can be reproduced with
# "HARNESS FILE" and the input added to the seed corpus once fixed.
#
# Then it prints the harness's rate, "fuzz-rate NAME: N inputs/s (floor F)",
# and fails if a run of 10 s or more made fewer than FLOOR inputs/s: a
# harness that became slow finds nothing, and a warning in a test log is
# never read (docs/fuzzing.md has the floors and why they are where they are).
set -eu
exe=$1 seeds=$2 secs=$3 floor=${4:-0}
name=$(basename "$exe")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
crashes=$(cd "$(dirname "$exe")" && pwd)/crashes
mkdir -p "$crashes"
: >"$work/start"
# libFuzzer's own error exit code is 77, which meson reads as "skipped":
# a crash must fail the test.
rc=0
"$exe" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$crashes/$name-" "$work/corpus" "$seeds" 2>"$work/log" || rc=$?
cat "$work/log" >&2
if [ $rc -ne 0 ]; then
	for f in $(find "$crashes" -name "$name-*" -newer "$work/start"); do
		echo "fuzz-crash $name: input kept in $f (reproduce: $exe $f)"
	done
	exit $rc
fi
rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$work/log")
if [ -z "$rate" ]; then
	echo "fuzz-rate $name: no rate in libFuzzer's output" >&2
	exit 1
fi
if [ "$secs" -lt 10 ]; then
	echo "fuzz-rate $name: $rate inputs/s (floor $floor not checked: runs under 10 s are mostly start-up)"
elif [ "$rate" -lt "$floor" ]; then
	echo "fuzz-rate $name: $rate inputs/s, below its floor of $floor: the harness got slow (docs/fuzzing.md)"
	exit 1
else
	echo "fuzz-rate $name: $rate inputs/s (floor $floor)"
fi
