#!/usr/bin/env bash
# The tests that skipped themselves in the last `make unit` (`make test`): each one wrote a line
# to target/nianbao-skipped.log (nianbao_testkit::corpus::skip_log). Prints those lines and a
# summary counting them by reason, so that nobody takes a skip for a pass.
#
# Usage: scripts/skipped.sh [reset]   (reset: empty the log before a run)
set -euo pipefail
cd "$(dirname "$0")/.."

log="${CARGO_TARGET_DIR:-target}/nianbao-skipped.log"
if [ "${1:-}" = "reset" ]; then
    rm -f "$log"
    exit 0
fi
if [ ! -s "$log" ]; then
    echo "skipped tests: none (the corpus at ${NIANBAO_CORPUS:-../shared/corpus} and every tool were there)"
    exit 0
fi
sort "$log"
total=$(wc -l < "$log")
reasons=$(sed 's/^[^—]*— //' "$log" | sort | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)/\1 × \2/' | paste -sd ';' - | sed 's/;/; /g')
echo "skipped tests: $total ($reasons) — README.md, \"Tests and the corpus\", says where the corpus comes from"
