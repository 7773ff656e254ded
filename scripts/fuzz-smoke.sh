#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ briefly and prints executions per second of each.
# Needs the nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz --locked`).
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 30; FUZZ_RUNS caps executions, default 100000)
# Seeds come from fuzz/seed.sh (the shared corpus). Crashes are written to fuzz/artifacts/<target>/.
# Exit status: 0 when no target crashed, 1 otherwise, 2 when the tools are missing.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-${FUZZ_SECONDS:-30}}"
RUNS="${FUZZ_RUNS:-100000}"
cd "$ROOT/fuzz" || exit 2
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz on the nightly toolchain is needed: rustup toolchain install nightly && cargo +nightly install cargo-fuzz --locked" >&2
    exit 2
fi
./seed.sh >/dev/null
start=$(date +%s)
cargo +nightly fuzz build || exit 1
echo "build: $(( $(date +%s) - start )) s"
failed=0
printf '%-18s %10s %10s %8s %s\n' target execs "execs/s" seconds result
for target in $(cargo +nightly fuzz list); do
    log="$(mktemp)"
    t0=$(date +%s)
    cargo +nightly fuzz run "$target" -- -max_total_time="$SECS" -runs="$RUNS" -timeout=20 -rss_limit_mb=2560 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="CRASH (see $log and fuzz/artifacts/$target/)"
        failed=1
    else
        rm -f "$log"
    fi
    printf '%-18s %10s %10s %8s %s\n' "$target" "${execs:-?}" "${rate:-?}" "$(( $(date +%s) - t0 ))" "$result"
done
echo "total: $(( $(date +%s) - start )) s"
exit "$failed"
