#!/usr/bin/env bash
# PostgreSQL's own insert ceiling for a revision-sized row, to compare with the storage service:
# creates a scratch database, a table shaped like `revisions` (text content, two unique indexes),
# loads the demo report (~9 KB JSON) as the payload, runs pgbench with insert_revision.sql, and
# drops the database. Usage: crates/nianbao-loadgen/pgbench/run.sh [ADMIN_URL] [CLIENTS] [SECONDS]
# (defaults: $NIANBAO_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres, 32, 20).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
ADMIN="${1:-${NIANBAO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
CLIENTS="${2:-32}"
SECONDS_="${3:-20}"
DB="nianbao_pgbench_$$"
BASE="${ADMIN%/*}"
trap 'psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null' EXIT
psql "$ADMIN" -qc "CREATE DATABASE $DB"
psql "$BASE/$DB" -q <<SQL
CREATE TABLE bench_revisions (
    id bigserial PRIMARY KEY,
    office_id bigint NOT NULL,
    year integer NOT NULL,
    number bigint NOT NULL,
    checksum varchar(64) NOT NULL,
    request_id varchar(128) NOT NULL,
    content text NOT NULL,
    findings text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (office_id, year, number),
    UNIQUE (office_id, request_id)
);
CREATE TABLE bench_payload (body text NOT NULL);
CREATE SEQUENCE bench_number;
SQL
echo "INSERT INTO bench_payload VALUES (:'body')" |
    psql "$BASE/$DB" -q -v body="$(cat "$ROOT/demo/shangdang-sifaju-2023.json")"
psql "$BASE/$DB" -Atc "SELECT 'payload bytes: ' || octet_length(body) FROM bench_payload"
pgbench -n -c "$CLIENTS" -j 2 -T "$SECONDS_" -f "$HERE/insert_revision.sql" "$BASE/$DB"
