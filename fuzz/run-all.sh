#!/bin/sh
# Runs each fuzz target for $SECONDS_EACH seconds (default 600), one after the
# other, at low priority, logging to fuzz/logs/<target>.log. Allocation limits
# make a claimed-huge allocation a finding. Usage: fuzz/run-all.sh [target...]
set -u
cd "$(dirname "$0")"
mkdir -p logs
targets=${*:-"model_file idx_images idx_labels csv preprocess feed_chunk"}
for t in $targets; do
    mkdir -p "corpus/$t"
    nice -n 15 cargo +nightly fuzz run "$t" -- \
        -max_total_time="${SECONDS_EACH:-600}" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=8192 -print_final_stats=1 >"logs/$t.log" 2>&1
    echo "$t: exit $?" >>logs/summary.txt
done
