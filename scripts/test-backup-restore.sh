#!/usr/bin/env bash
# End-to-end test of scripts/pg-backup.sh and scripts/pg-restore.sh with the real storage
# service: stores a report, dumps the database, restores it into a fresh database, serves
# the restored copy and checks that the history and status read back are the same.
#
# Usage: NIANBAO_BIN=target/debug/nianbao REPORT_JSON=demo/shangdang-sifaju-2023.json \
#          scripts/test-backup-restore.sh
# Needs PostgreSQL on 127.0.0.1:5432 where the role `postgres` connects without a password
# (override with PG_BASE_URL=postgres://user@host:port). Creates the databases
# nianbao_bk_<random> and nianbao_bk_<random>_restored and drops both at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${NIANBAO_BIN:?set NIANBAO_BIN to the nianbao binary}"
: "${REPORT_JSON:?set REPORT_JSON to an interchange JSON report}"
NIANBAO_BIN="$(cd "$(dirname "$NIANBAO_BIN")" && pwd)/$(basename "$NIANBAO_BIN")"
REPORT_JSON="$(cd "$(dirname "$REPORT_JSON")" && pwd)/$(basename "$REPORT_JSON")"
PG_BASE_URL="${PG_BASE_URL:-postgres://postgres@127.0.0.1:5432}"
# `nianbao serve` stops at start on any NIANBAO_* variable that is not one of its settings
# (NIANBAO_BIN above, NIANBAO_SERVER/NIANBAO_TOKEN of a client shell): none of the caller's
# NIANBAO_* variables is passed on, so the servers below run on their flags alone.
while read -r var; do
  # shellcheck disable=SC2163 # un-exports the variable named by $var
  export -n "$var"
done < <(compgen -e | grep '^NIANBAO_' || true)

SUFFIX="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
DB1="nianbao_bk_${SUFFIX}"
DB2="nianbao_bk_${SUFFIX}_restored"
URL1="$PG_BASE_URL/$DB1"
URL2="$PG_BASE_URL/$DB2"
WORK="$(mktemp -d)"
SERVER_PID=""
PASSED=0
FAILED=0

log() { echo "test-backup-restore: $*" >&2; }

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

cleanup() {
  stop_server
  for db in "$DB1" "$DB2"; do
    psql --no-psqlrc -q "$PG_BASE_URL/postgres" -v ON_ERROR_STOP=1 -v db="$db" \
      <<<'DROP DATABASE IF EXISTS :"db" WITH (FORCE);' >/dev/null 2>&1 ||
      log "could not drop database $db"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server URL LOGFILE: serves storage on a free port; sets SERVER_PID and SERVER.
start_server() {
  local url="$1" logfile="$2" port
  port="$(free_port)"
  SERVER="http://127.0.0.1:$port"
  "$NIANBAO_BIN" serve storage --listen "127.0.0.1:$port" --database "$url" >"$logfile" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if "$NIANBAO_BIN" health --server "$SERVER" >/dev/null 2>&1; then
      log "storage serving $url at $SERVER"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "storage exited; its log:"
      cat "$logfile" >&2
      return 1
    fi
    sleep 0.5
  done
  log "storage did not become SERVING in 60 s; its log:"
  cat "$logfile" >&2
  return 1
}

check() { # check NAME COMMAND...: records one passed or failed check
  local name="$1"
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
    log "ok: $name"
  else
    FAILED=$((FAILED + 1))
    log "FAILED: $name"
  fi
}

read -r OFFICE_CODE OFFICE_NAME YEAR < <(python3 - "$REPORT_JSON" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
office = report["office"]
name = (office.get("name") or office["code"]).replace(" ", "_")
print(office["code"], name, report["year"])
PY
) || true
[ -n "${YEAR:-}" ] || { log "cannot read office and year from $REPORT_JSON"; exit 2; }
log "report of office $OFFICE_CODE ($OFFICE_NAME), year $YEAR"

# 1. A fresh database, migrated, with an admin token made directly in it.
psql --no-psqlrc -q "$PG_BASE_URL/postgres" -v ON_ERROR_STOP=1 -v db="$DB1" \
  <<<'CREATE DATABASE :"db";' >/dev/null
"$NIANBAO_BIN" migrate --database "$URL1" >/dev/null
ADMIN_TOKEN="$("$NIANBAO_BIN" token create --role admin --database "$URL1" | tail -n 1)"
[ -n "$ADMIN_TOKEN" ] || { log "token create printed no token"; exit 1; }

# 2. Store the report (a draft, then the submission: two revisions) through the service.
start_server "$URL1" "$WORK/storage1.log"
"$NIANBAO_BIN" orgs add "$OFFICE_CODE" "$OFFICE_NAME" --server "$SERVER" --token "$ADMIN_TOKEN" >/dev/null
OFFICE_TOKEN="$("$NIANBAO_BIN" token create --office "$OFFICE_CODE" --role office \
  --server "$SERVER" --token "$ADMIN_TOKEN" | tail -n 1)"
"$NIANBAO_BIN" submit "$REPORT_JSON" --draft --server "$SERVER" --token "$OFFICE_TOKEN" >/dev/null
"$NIANBAO_BIN" submit "$REPORT_JSON" --server "$SERVER" --token "$OFFICE_TOKEN" >/dev/null

read_back() { # read_back PREFIX: history and status as JSON into $WORK/PREFIX.*.json
  "$NIANBAO_BIN" history --office "$OFFICE_CODE" --year "$YEAR" --json \
    --server "$SERVER" --token "$ADMIN_TOKEN" >"$WORK/$1.history.json"
  "$NIANBAO_BIN" status --office "$OFFICE_CODE" --year "$YEAR" --json \
    --server "$SERVER" --token "$ADMIN_TOKEN" >"$WORK/$1.status.json"
}
read_back before

# 3. Dump while the service runs, restore into a fresh database, serve the copy.
DUMP="$("$ROOT/scripts/pg-backup.sh" "$URL1" "$WORK/backup.dump")"
stop_server
"$ROOT/scripts/pg-restore.sh" --create "$DUMP" "$URL2"
start_server "$URL2" "$WORK/storage2.log"
read_back after
stop_server

# 4. The copy holds every revision, unchanged.
revisions() {
  python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
if isinstance(doc, dict):
    doc = next((v for k, v in doc.items() if k in ("revisions", "history") and isinstance(v, list)), [])
print(len(doc) if isinstance(doc, list) else 0)
PY
}
check "history lists at least one revision before the backup" \
  test "$(revisions "$WORK/before.history.json")" -ge 1
check "restored history equals the original (every revision)" \
  cmp -s "$WORK/before.history.json" "$WORK/after.history.json"
check "restored status equals the original" \
  cmp -s "$WORK/before.status.json" "$WORK/after.status.json"
if [ "$FAILED" -ne 0 ]; then
  diff -u "$WORK/before.history.json" "$WORK/after.history.json" >&2 || true
fi

echo "backup-restore: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
