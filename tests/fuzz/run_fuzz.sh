#!/bin/sh
# run_fuzz.sh HARNESS SEED_DIR SECONDS: a short libFuzzer run. New inputs go to a
# scratch directory so the seed corpus in the tree is never written to.
set -eu
exe=$1 seeds=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$exe" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work" "$seeds"
