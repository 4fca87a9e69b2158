#!/bin/sh
# run_fuzz.sh HARNESS SEED_DIR SECONDS: a short libFuzzer run. New inputs go to a
# scratch directory so the seed corpus in the tree is never written to.
set -eu
exe=$1 seeds=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# libFuzzer's own error exit code is 77, which meson reads as "skipped":
# a crash must fail the test.
"$exe" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$work/" "$work" "$seeds"
