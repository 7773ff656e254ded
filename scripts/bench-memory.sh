#!/usr/bin/env bash
# Resident memory of the storage service with a province of stored reports, as BENCHMARKS.md
# reports it: `nianbao serve storage` and `serve aggregate` on a database kept by the aggregation
# bench, two roll-ups and two CSV exports of the whole province, VmRSS/VmHWM after each step.
# It measures and prints; it asserts nothing.
#
# Usage: scripts/bench-memory.sh DBFILE [ORG] [YEAR]   (defaults: bp, 2023)
# Make DBFILE (100,000 offices, about 6 minutes):
#   NIANBAO_BENCH_KEEP=1 NIANBAO_BENCH_PROVINCE=100000 NIANBAO_BENCH_RUNS=1 \
#       cargo bench -p nianbao-aggregate --bench aggregate      # prints "keeping DIR"; DIR/bench.db
# Environment: NIANBAO_BENCH_NO_BUILD=1 (use target/release as it is).
set -euo pipefail

cd "$(dirname "$0")/.."
file="${1:?usage: scripts/bench-memory.sh DBFILE [ORG] [YEAR]}"
org="${2:-bp}"
year="${3:-2023}"
if [ -z "${NIANBAO_BENCH_NO_BUILD:-}" ]; then
    cargo build -q --release -p nianbao-cli
fi
bin=target/release/nianbao
db="sqlite://$file"
logs="$(mktemp -d /tmp/nianbao-memory-bench.XXXXXX)"
token="$("$bin" token create --role admin --database "$db" | tail -1)"

"$bin" serve storage --listen 127.0.0.1:50811 --database "$db" >"$logs/storage.log" 2>&1 &
storage=$!
"$bin" serve aggregate --listen 127.0.0.1:50812 --storage-url http://127.0.0.1:50811 \
    >"$logs/aggregate.log" 2>&1 &
aggregate=$!
trap 'kill $storage $aggregate 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    "$bin" health --server http://127.0.0.1:50812 >/dev/null 2>&1 && break
    sleep 0.1
done

echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); logs in $logs"
step() {
    printf '%-12s storage VmRSS %4d MB (VmHWM %4d MB), aggregation VmRSS %4d MB\n' "$1" \
        $(($(awk '/VmRSS/ {print $2}' /proc/$storage/status) / 1024)) \
        $(($(awk '/VmHWM/ {print $2}' /proc/$storage/status) / 1024)) \
        $(($(awk '/VmRSS/ {print $2}' /proc/$aggregate/status) / 1024))
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
client=(--server http://127.0.0.1:50812 --token "$token" --org "$org" --year "$year")
step idle
for i in 1 2; do
    start=$(date +%s.%N)
    "$bin" aggregate "${client[@]}" --format json >/dev/null
    step "aggregate $i"
    echo "             $(elapsed "$start") s"
done
for i in 1 2; do
    start=$(date +%s.%N)
    "$bin" export "${client[@]}" --format csv -o "$logs/export.csv" >/dev/null 2>&1
    step "export $i"
    echo "             $(elapsed "$start") s, $(($(wc -l <"$logs/export.csv") - 1)) rows"
done
