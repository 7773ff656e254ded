#!/usr/bin/env bash
# The web console with 1,000 offices in the subtree, as BENCHMARKS.md reports it: `serve all`
# (no console) on a fresh SQLite database, 1,000 offices that each submitted through the CLI,
# `nianbao serve web` apart so that its own memory shows; every other report accepted and
# published (half of those late); then N requests each of the board and of a report page, timed by curl over loopback (time to the first byte ~ server time), the page
# sizes, and the console's VmRSS/VmHWM. It measures and prints; it asserts nothing.
#
# Usage: scripts/bench-console.sh [N]   (default 30)
# Environment: NIANBAO_BENCH_NO_BUILD=1 (use the binaries as they are), NIANBAO_BENCH_PROFILE=debug
# (target/debug instead of target/release), NIANBAO_BENCH_DATABASE=URL (an empty database; default
# a fresh SQLite file), NIANBAO_BENCH_REMINDERS=1 (every office has a reminder in the log: each
# gets an e-mail contact, the city a reminder plan for the year with the defaults, and the reminder
# scheduler, `serve aggregate` with `[notify]` on and a local SMTP sink, runs until it has mailed
# each office that still owes its report, i.e. before any submits), NIANBAO_BENCH_LAST_YEAR=1
# (a city in its second year: each office also submits its 2022 report, the same seed with `year`
# 2022, before its 2023 one).
set -euo pipefail

cd "$(dirname "$0")/.."
n="${1:-30}"
profile="${NIANBAO_BENCH_PROFILE:-release}"
if [ -z "${NIANBAO_BENCH_NO_BUILD:-}" ]; then
    if [ "$profile" = release ]; then
        cargo build -q --release -p nianbao-cli
    else
        cargo build -q -p nianbao-cli
    fi
fi
bin="target/$profile/nianbao"
work="$(mktemp -d /tmp/nianbao-console-bench.XXXXXX)"
db="${NIANBAO_BENCH_DATABASE:-sqlite://$work/bench.db?mode=rwc}"
"$bin" serve all --listen 127.0.0.1:50821 --database "$db" --web-listen off >"$work/all.log" 2>&1 &
all=$!
trap 'kill $all ${web:-} ${notify:-} ${smtp:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    "$bin" health --server http://127.0.0.1:50821 >/dev/null 2>&1 && break
    sleep 0.1
done
# The console starts now, before the thousands of CLI connections below: one of their ephemeral
# ports could otherwise be its port when it binds.
"$bin" serve web --listen 127.0.0.1:50822 --storage-url http://127.0.0.1:50821 \
    --render-url http://127.0.0.1:50821 --aggregate-url http://127.0.0.1:50821 >"$work/web.log" 2>&1 &
web=$!
# 1,000 offices under one city, each with its 2023 report (the demo seed as that office's),
# submitted through the server with the admin token.
admin="$("$bin" token create --role admin --database "$db" | tail -1)"
export NIANBAO_SERVER=http://127.0.0.1:50821 NIANBAO_TOKEN="$admin"
"$bin" orgs add bench-city 基准测试市人民政府 --kind city --exempt >/dev/null
city="$("$bin" token create --office bench-city --role city | tail -1)"
python3 - "$work" "${NIANBAO_BENCH_LAST_YEAR:-}" <<'PY'
import json, sys
seed = json.load(open("demo/shangdang-sifaju-2023.json", encoding="utf-8"))
years = [("p", 2022), ("r", 2023)] if sys.argv[2] else [("r", 2023)]
for i in range(1000):
    seed["office"] = {"code": f"bench-{i:04}", "name": f"基准测试市第{i}局"}
    seed["signature"] = seed["office"]["name"]
    for prefix, year in years:
        seed["year"] = year
        seed["published_date"] = f"{year + 1}-01-02"
        with open(f"{sys.argv[1]}/{prefix}{i:04}.json", "w", encoding="utf-8") as f:
            json.dump(seed, f, ensure_ascii=False)
PY
for i in $(seq -w 0 999); do
    "$bin" orgs add "bench-0$i" "基准测试市第$((10#$i))局" --parent bench-city --kind department >/dev/null
done
if [ -n "${NIANBAO_BENCH_REMINDERS:-}" ]; then
    # What a city's scheduler leaves in the log: while no office has submitted, the reminder
    # scheduler (its own process, with the city's token) mails each office the step due today
    # through the tests' SMTP server (`smtp_sink.py`, aiosmtpd from scripts/setup.sh; it stops
    # when its input closes).
    mkfifo "$work/smtp.in"
    python3 crates/nianbao-notify/tests/smtp_sink.py 50825 "$work/mail.jsonl" \
        <"$work/smtp.in" >"$work/smtp.log" 2>&1 &
    smtp=$!
    exec 3>"$work/smtp.in"
    for _ in $(seq 1 100); do
        grep -q ready "$work/smtp.log" 2>/dev/null && break
        sleep 0.1
    done
    for i in $(seq -w 0 999); do
        "$bin" orgs set-contact "bench-0$i" --email "gongkai@bench-0$i.example.org" >/dev/null
    done
    "$bin" reminders set --org bench-city --year 2023 --digest false >/dev/null
    NIANBAO_NOTIFY__ENABLED=true NIANBAO_NOTIFY__TOKEN="$city" NIANBAO_NOTIFY__INTERVAL_SECONDS=5 \
        NIANBAO_NOTIFY__SMTP_HOST=127.0.0.1 NIANBAO_NOTIFY__SMTP_PORT=50825 \
        NIANBAO_NOTIFY__SMTP_SECURITY=none NIANBAO_NOTIFY__SMTP_FROM="年报系统 <nianbao@bench.example.org>" \
        "$bin" serve aggregate --listen 127.0.0.1:50823 --storage-url http://127.0.0.1:50821 \
        --render-url http://127.0.0.1:50821 >"$work/notify.log" 2>&1 &
    notify=$!
    sent=0
    for _ in $(seq 1 600); do
        sent="$("$bin" reminders log --org bench-city --year 2023 --json | python3 -c \
            'import json, sys; print(sum(1 for d in json.load(sys.stdin) if d["state"] == "sent"))')"
        [ "$sent" -ge 1000 ] && break
        sleep 1
    done
    kill "$notify"
    exec 3>&-
    wait "$notify" "$smtp" 2>/dev/null || true
    notify= smtp=
    echo "reminders sent by the scheduler: $sent"
fi
for i in $(seq -w 0 999); do
    if [ -n "${NIANBAO_BENCH_LAST_YEAR:-}" ]; then
        "$bin" submit "$work/p0$i.json" >/dev/null || true
    fi
    "$bin" submit "$work/r0$i.json" >/dev/null || true
done
# Every other office's report accepted and published (half of them after the deadline), so the
# board's publication columns carry data as a city's would.
export NIANBAO_TOKEN="$city"
for i in $(seq -w 0 2 999); do
    "$bin" accept --office "bench-0$i" --year 2023 >/dev/null
    day=$(( (10#$i % 4 < 2) ? 20 : 10 ))
    month=$(( (10#$i % 4 < 2) ? 1 : 3 ))
    "$bin" publish --office "bench-0$i" --year 2023 --url "https://gk.example.org/bench-0$i/2023.html" \
        --date "$(printf '2024-%02d-%02d' "$month" "$day")" >/dev/null
done
unset NIANBAO_SERVER NIANBAO_TOKEN
year=2023

for _ in $(seq 1 100); do
    curl -s -o /dev/null http://127.0.0.1:50822/login && break
    sleep 0.1
done
curl -s -c "$work/jar" -d "token=$city" -o /dev/null http://127.0.0.1:50822/login
echo "profile: $profile; machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); work dir $work"
echo "console VmRSS after start and sign-in: $(($(awk '/VmRSS/ {print $2}' /proc/$web/status) / 1024)) MB"
measure() {
    local name="$1" url="$2"
    curl -s -b "$work/jar" -o "$work/$name.html" "$url"
    for _ in $(seq 1 "$n"); do
        curl -s -b "$work/jar" -o /dev/null -w '%{time_starttransfer}\n' "$url"
    done | sort -n >"$work/$name.times"
    printf '%-7s %s: %d bytes, rows %d; p50 %.1f ms, p90 %.1f ms, max %.1f ms (%d requests)\n' "$name" "$url" \
        "$(wc -c <"$work/$name.html")" "$(grep -o '<tr>' "$work/$name.html" | wc -l)" \
        "$(awk -v n="$n" 'NR==int((n+1)/2) {print $1*1000}' "$work/$name.times")" \
        "$(awk -v n="$n" 'NR==int(n*0.9) {print $1*1000}' "$work/$name.times")" \
        "$(tail -1 "$work/$name.times" | awk '{print $1*1000}')" "$n"
}
measure board "http://127.0.0.1:50822/board?org=bench-city&year=$year"
measure report "http://127.0.0.1:50822/report/bench-0500/$year"
# The console's own share: the time between the services' answers and the page (its log).
for what in board report; do
    grep "$what served" "$work/web.log" | grep -o 'render_ms=[0-9.]*' | cut -d= -f2 | sort -n |
        awk -v w="$what" '{v[NR]=$1} END {if (NR) printf "%-7s console time after the answers (rendering): p50 %.1f ms, max %.1f ms\n", w, v[int((NR+1)/2)], v[NR]}'
    grep "$what served" "$work/web.log" | grep -o 'fetch_ms=[0-9.]*' | cut -d= -f2 | sort -n |
        awk -v w="$what" '{v[NR]=$1} END {if (NR) printf "%-7s waiting for the services: p50 %.1f ms\n", w, v[int((NR+1)/2)]}'
done
printf 'console VmRSS %d MB, VmHWM %d MB\n' \
    $(($(awk '/VmRSS/ {print $2}' /proc/$web/status) / 1024)) \
    $(($(awk '/VmHWM/ {print $2}' /proc/$web/status) / 1024))
