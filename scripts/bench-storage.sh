#!/usr/bin/env bash
# The storage service under load, as BENCHMARKS.md and RELIABILITY.md report it: every run on a
# fresh database with `nianbao serve storage` alone and `nianbao-loadgen` (32 offices, each primed
# with one revision per year), plus PostgreSQL's own insert ceiling (pgbench) in the same run.
# It measures and prints; it asserts nothing.
#
# Usage: scripts/bench-storage.sh [submit|get|mixed|pgbench|all]...   (default all)
#   submit   submissions only, 32 clients, SQLite then PostgreSQL  (NIANBAO_BENCH_SECONDS, 20)
#   get      get by office-year, 1 client, SQLite then PostgreSQL  (10 s)
#   mixed    submit=60,get=30,list=10, 32 clients, SQLite           (NIANBAO_BENCH_MIXED, 60)
#   pgbench  crates/nianbao-loadgen/pgbench/run.sh, 32 clients      (NIANBAO_BENCH_SECONDS, 20)
# Environment: NIANBAO_BENCH_OUT (default a new temporary directory; one JSON file per run),
#   NIANBAO_TEST_POSTGRES_URL (an admin URL; default postgres://postgres@127.0.0.1:5432/postgres),
#   NIANBAO_BENCH_NO_BUILD=1 (use target/release as it is).
set -euo pipefail

cd "$(dirname "$0")/.."
out="${NIANBAO_BENCH_OUT:-$(mktemp -d /tmp/nianbao-storage-bench.XXXXXX)}"
mkdir -p "$out"
admin="${NIANBAO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
seconds="${NIANBAO_BENCH_SECONDS:-20}"
mixed="${NIANBAO_BENCH_MIXED:-60}"
port=50591

if [ -z "${NIANBAO_BENCH_NO_BUILD:-}" ]; then
    cargo build -q --release -p nianbao-cli -p nianbao-loadgen
fi
bin=target/release

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; $(uname -sr)"
echo "output directory: $out"

# run NAME BACKEND LOADGEN-ARGS...: a fresh database, the service, the load, the service stopped.
run() {
    local name="$1" backend="$2"
    shift 2
    local db pgdb=""
    if [ "$backend" = sqlite ]; then
        rm -rf "${out:?}/$name"
        mkdir -p "$out/$name"
        db="sqlite://$out/$name/nianbao.db?mode=rwc"
    else
        pgdb="nianbao_bench_$$_${name//-/_}"
        psql "$admin" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null
        psql "$admin" -qc "CREATE DATABASE $pgdb" >/dev/null
        db="${admin%/*}/$pgdb"
    fi
    port=$((port + 1))
    "$bin/nianbao" serve storage --listen "127.0.0.1:$port" --database "$db" \
        >"$out/$name.server.log" 2>&1 &
    local spid=$!
    for _ in $(seq 1 300); do
        grep -q 'listening on' "$out/$name.server.log" 2>/dev/null && break
        sleep 0.1
    done
    echo "== $name ($backend) $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bin/nianbao-loadgen" --server "http://127.0.0.1:$port" --bootstrap-database "$db" \
        --server-pid "$spid" --json "$@" >"$out/$name.json"
    echo "   done $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 - "$out/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("   %.1f requests/s, errors %s" % (r["total_per_second"], r["errors"] or 0))
for o in r["operations"]:
    print("   %-9s %8.1f/s  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms" % (
        o["op"], o["per_second"], o["p50_ms"], o["p90_ms"], o["p99_ms"], o["max_ms"]))
m = r.get("memory_summary")
if m:
    print("   server memory: " + ", ".join("%s %s" % (k, v) for k, v in m.items()
                                          if not isinstance(v, (dict, list))))
PY
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    if [ -n "$pgdb" ]; then
        psql "$admin" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null
    fi
}

what=("$@")
[ ${#what[@]} -eq 0 ] && what=(all)
for w in "${what[@]}"; do
    case "$w" in
        submit | all)
            run submit-sqlite sqlite --concurrency 32 --duration "${seconds}s" --mix submit=100
            run submit-postgres postgres --concurrency 32 --duration "${seconds}s" --mix submit=100
            ;;&
        get | all)
            run get-sqlite sqlite --concurrency 1 --duration 10s --mix get=100
            run get-postgres postgres --concurrency 1 --duration 10s --mix get=100
            ;;&
        mixed | all)
            run mixed-sqlite sqlite --concurrency 32 --duration "${mixed}s" \
                --mix submit=60,get=30,list=10
            ;;&
        pgbench | all)
            echo "== pgbench $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
            crates/nianbao-loadgen/pgbench/run.sh "$admin" 32 "$seconds" 2>&1 |
                grep -E 'payload|tps|latency average'
            ;;
        submit | get | mixed | pgbench | all) ;;
        *)
            echo "unknown run $w (submit, get, mixed, pgbench, all)" >&2
            exit 2
            ;;
    esac
done
