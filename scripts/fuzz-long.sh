#!/usr/bin/env bash
# Long fuzz runs: each target up to one million executions, with the limits the reliability
# goal names: no input over 1 s (-timeout=1), no process over 512 MB (-rss_limit_mb=512),
# inputs at most 64 KB (-max_len=65536; longer seeds are read truncated).
# One target at a time, at the lowest CPU priority (nice 19): the machine is shared.
# Needs the nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz --locked`).
# Built by default with `cargo fuzz build -s none --no-trace-compares` (release with debug
# assertions and overflow checks, coverage instrumentation): the code under test is safe Rust,
# where AddressSanitizer finds nothing the Rust checks do not, and it made each execution several
# times slower (its quarantine also counted in the 512 MB); the compare tracing took about 70 % of
# an import's time, while the seeds (complete reports) already hold every label the importer
# compares with. FUZZ_SANITIZER=address and FUZZ_TRACE_COMPARES=1 build with them again.
#
# Usage: scripts/fuzz-long.sh [TARGET...]        (default: every target, fastest first)
#   FUZZ_RUNS      executions per target (default 1000000)
#   FUZZ_SECONDS   time cap per target in seconds (default 0 = none)
#   FUZZ_MAX_LEN   longest input in bytes (default 65536)
#   FUZZ_NO_BUILD  1 to run the binaries built before (fuzz/target/…/release) without building
#   FUZZ_SANITIZER sanitizer of the build: none (default) or address
#   FUZZ_TRACE_COMPARES  1 to build with compare tracing (default 0: --no-trace-compares)
# Seeds: fuzz/seed.sh (the corpus, when there), plus a small DOCX (seed.docx, about 5 KB) written here
# with python3. The corpus grows in fuzz/corpus/<target>/; crashes, timeouts and
# out-of-memory inputs go to fuzz/artifacts/<target>/. Logs: fuzz/long-logs/<target>.log.
# Prints one line per target: executions, execs/s, seconds, peak RSS, result.
# Exit status: 0 when no target failed, 1 otherwise, 2 when the tools are missing.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${FUZZ_RUNS:-1000000}"
SECS="${FUZZ_SECONDS:-0}"
MAX_LEN="${FUZZ_MAX_LEN:-65536}"
SANITIZER="${FUZZ_SANITIZER:-none}"
BUILD_FLAGS=(-s "$SANITIZER")
[ "${FUZZ_TRACE_COMPARES:-0}" = 1 ] || BUILD_FLAGS+=(--no-trace-compares)
cd "$ROOT/fuzz" || exit 2
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz on the nightly toolchain is needed: rustup toolchain install nightly && cargo +nightly install cargo-fuzz --locked" >&2
    exit 2
fi
./seed.sh >/dev/null
seed_text="${NIANBAO_CORPUS:-../shared/corpus}/00_seed_changzhi-shangdang-sifaju-2023.txt"
case "$seed_text" in /*) ;; *) seed_text="$ROOT/$seed_text" ;; esac
if [ ! -f corpus/import_docx/seed.docx ] && [ -f "$seed_text" ] && command -v python3 >/dev/null; then
    # A small Word document: the seed report's lines as paragraphs and its number lines as a table.
    # Always written: a DOCX rendered by `nianbao render` (fuzz/seed.sh) is about 95 KB, over the
    # 64 KB limit, and is read cut, without the zip directory at its end (coverage 101 edges).
    python3 - "$seed_text" corpus/import_docx/seed.docx <<'PY'
import sys, zipfile
from xml.sax.saxutils import escape
src, out = sys.argv[1], sys.argv[2]
body = []
for line in open(src, encoding="utf-8").read().splitlines():
    cells = line.split()
    if len(cells) > 1 and any(c.isdigit() for c in cells[-1]):
        tcs = "".join(f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in cells)
        body.append(f"<w:tbl><w:tr>{tcs}</w:tr></w:tbl>")
    else:
        body.append(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>")
xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
       'wordprocessingml/2006/main"><w:body>' + "".join(body) + "</w:body></w:document>")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
    z.writestr("word/document.xml", xml)
PY
fi
mkdir -p long-logs
start=$(date +%s)
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    nice -n 19 cargo +nightly fuzz build "${BUILD_FLAGS[@]}" || exit 1
    echo "build: $(( $(date +%s) - start )) s"
fi
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(interchange_json proto_report import_docx import_text import_markdown import_html import_pdf)
fi
failed=0
printf '%-18s %10s %8s %8s %8s %s\n' target execs "execs/s" seconds "rss MB" result
for target in "${targets[@]}"; do
    log="long-logs/$target.log"
    t0=$(date +%s)
    # The built binary itself: `cargo fuzz run` would rebuild first whenever a source changed.
    mkdir -p "corpus/$target" "artifacts/$target"
    # (With FUZZ_SANITIZER=address) AddressSanitizer keeps freed memory in a 256 MB quarantine by
    # default, which counts in the process RSS that -rss_limit_mb checks; a small quarantine keeps
    # that limit about the target.
    ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16}" \
        nice -n 19 "target/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" \
        -artifact_prefix="artifacts/$target/" -runs="$RUNS" -max_total_time="$SECS" \
        -max_len="$MAX_LEN" -timeout=1 -rss_limit_mb=512 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    result="no crash"
    if [ "$rc" -ne 0 ]; then
        result="FAILED (exit $rc; see fuzz/$log and fuzz/artifacts/$target/)"
        failed=1
    elif [ "${execs:-0}" -lt "$RUNS" ]; then
        result="no crash; stopped by the time cap before $RUNS executions"
    fi
    printf '%-18s %10s %8s %8s %8s %s\n' "$target" "${execs:-?}" "${rate:-?}" "$(( $(date +%s) - t0 ))" \
        "${rss:-?}" "$result"
done
echo "total: $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%H:%MZ)"
exit "$failed"
