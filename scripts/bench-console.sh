#!/usr/bin/env bash
# The web console with 1,000 offices in the subtree, as BENCHMARKS.md reports it: `serve all`
# (no console) on a fresh SQLite database, 1,000 offices that each submitted (nianbao-loadgen),
# `nianbao serve web` apart so that its own memory shows; then N requests each of the board and of
# a report page, timed by curl over loopback (time to the first byte ~ server time), the page
# sizes, and the console's VmRSS/VmHWM. It measures and prints; it asserts nothing.
#
# Usage: scripts/bench-console.sh [N]   (default 30)
# Environment: NIANBAO_BENCH_NO_BUILD=1 (use target/release as it is).
set -euo pipefail

cd "$(dirname "$0")/.."
n="${1:-30}"
if [ -z "${NIANBAO_BENCH_NO_BUILD:-}" ]; then
    cargo build -q --release -p nianbao-cli -p nianbao-loadgen
fi
bin=target/release/nianbao
work="$(mktemp -d /tmp/nianbao-console-bench.XXXXXX)"
db="sqlite://$work/bench.db?mode=rwc"
"$bin" serve all --listen 127.0.0.1:50821 --database "$db" --web-listen off >"$work/all.log" 2>&1 &
all=$!
trap 'kill $all ${web:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    "$bin" health --server http://127.0.0.1:50821 >/dev/null 2>&1 && break
    sleep 0.1
done
# 1,000 offices under loadgen-root, one worker each submitting its reports of 2021-2024.
target/release/nianbao-loadgen --server http://127.0.0.1:50821 --bootstrap-database "$db" \
    --offices 1000 --concurrency 1000 --duration 8s --mix submit=100 --nianbao-bin "$bin" \
    >"$work/loadgen.log" 2>&1
admin="$("$bin" token create --role admin --database "$db" | tail -1)"
city="$(NIANBAO_SERVER=http://127.0.0.1:50821 NIANBAO_TOKEN=$admin "$bin" token create --office loadgen-root --role city | tail -1)"
year=2023

"$bin" serve web --listen 127.0.0.1:50822 --storage-url http://127.0.0.1:50821 \
    --render-url http://127.0.0.1:50821 --aggregate-url http://127.0.0.1:50821 >"$work/web.log" 2>&1 &
web=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null http://127.0.0.1:50822/login && break
    sleep 0.1
done
curl -s -c "$work/jar" -d "token=$city" -o /dev/null http://127.0.0.1:50822/login
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); work dir $work"
echo "console VmRSS after start and sign-in: $(($(awk '/VmRSS/ {print $2}' /proc/$web/status) / 1024)) MB"
measure() {
    local name="$1" url="$2"
    curl -s -b "$work/jar" -o "$work/$name.html" "$url"
    for _ in $(seq 1 "$n"); do
        curl -s -b "$work/jar" -o /dev/null -w '%{time_starttransfer}\n' "$url"
    done | sort -n >"$work/$name.times"
    printf '%-7s %s: %d bytes, rows %d; p50 %.1f ms, p90 %.1f ms, max %.1f ms (%d requests)\n' "$name" "$url" \
        "$(wc -c <"$work/$name.html")" "$(grep -c '<tr>' "$work/$name.html")" \
        "$(awk -v n="$n" 'NR==int((n+1)/2) {print $1*1000}' "$work/$name.times")" \
        "$(awk -v n="$n" 'NR==int(n*0.9) {print $1*1000}' "$work/$name.times")" \
        "$(tail -1 "$work/$name.times" | awk '{print $1*1000}')" "$n"
}
measure board "http://127.0.0.1:50822/board?org=loadgen-root&year=$year"
measure report "http://127.0.0.1:50822/report/loadgen-500/$year"
printf 'console VmRSS %d MB, VmHWM %d MB\n' \
    $(($(awk '/VmRSS/ {print $2}' /proc/$web/status) / 1024)) \
    $(($(awk '/VmHWM/ {print $2}' /proc/$web/status) / 1024))
