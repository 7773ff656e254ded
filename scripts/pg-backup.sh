#!/usr/bin/env bash
# Back up a nianbao PostgreSQL database to one file in pg_dump's custom format (-Fc):
# compressed, restorable with scripts/pg-restore.sh (pg_restore) into a fresh database.
#
# Usage: scripts/pg-backup.sh DATABASE_URL [OUT_FILE]
#   DATABASE_URL  postgres://user[:password]@host[:port]/dbname (or PG* env and a bare dbname)
#   OUT_FILE      default: ./nianbao-<dbname>-<UTC timestamp>.dump
# The file is written beside OUT_FILE first and moved into place only when pg_dump succeeded
# and pg_restore can read its table of contents. Prints the path of the backup.
# A consistent snapshot is taken while the services keep running.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
case "$1" in -h | --help) usage ;; esac

url="$1"
dbname="${url%%\?*}"
dbname="${dbname##*/}"
out="${2:-./nianbao-${dbname}-$(date -u +%Y%m%dT%H%M%SZ).dump}"
partial="${out}.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-password --dbname="$url" --file="$partial"
# The backup must be readable before it replaces anything.
entries=$(pg_restore --list "$partial" | grep -vc '^;' || true)
mv -f "$partial" "$out"
echo "pg-backup: $entries entries from database $dbname -> $out" >&2
echo "$out"
