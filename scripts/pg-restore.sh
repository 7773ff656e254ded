#!/usr/bin/env bash
# Restore a backup made by scripts/pg-backup.sh (pg_dump -Fc) into a fresh database.
#
# Usage: scripts/pg-restore.sh [--create] DUMP_FILE TARGET_DATABASE_URL
#   --create             create the target database first (through the `postgres`
#                        database of the same server); fails if it already exists
#   DUMP_FILE            a file written by scripts/pg-backup.sh
#   TARGET_DATABASE_URL  postgres://user[:password]@host[:port]/dbname
# Refuses a target database that already holds tables: restore into a fresh one, then
# point the storage service at it (deploy/README.md, "Backup and restore").
# Objects are restored without their original owner and grants, owned by the connecting
# role, in one transaction: either everything is restored or nothing.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
create=0
if [ "${1:-}" = "--create" ]; then
  create=1
  shift
fi
[ $# -eq 2 ] || usage
case "$1" in -h | --help) usage ;; esac
dump="$1"
url="$2"
[ -r "$dump" ] || { echo "pg-restore: cannot read $dump" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null || { echo "pg-restore: $dump is not a pg_dump -Fc file" >&2; exit 2; }

base="${url%%\?*}"
query=""
[ "$base" != "$url" ] && query="?${url#*\?}"
dbname="${base##*/}"
if [ -z "$dbname" ] || [ "$dbname" = "$base" ]; then
  echo "pg-restore: no database name in URL" >&2
  exit 2
fi

if [ "$create" -eq 1 ]; then
  maintenance="${base%/*}/postgres${query}"
  echo 'CREATE DATABASE :"db";' | psql --no-psqlrc --quiet --no-password -v ON_ERROR_STOP=1 \
    -v db="$dbname" --dbname="$maintenance" >/dev/null
  echo "pg-restore: created database $dbname" >&2
fi

tables=$(psql --no-psqlrc --no-password -At -v ON_ERROR_STOP=1 --dbname="$url" -c \
  "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "pg-restore: database $dbname already has $tables tables; restore into a fresh database" >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --no-password \
  --dbname="$url" "$dump"
echo "pg-restore: restored $dump into database $dbname" >&2
