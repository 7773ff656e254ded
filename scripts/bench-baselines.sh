#!/usr/bin/env bash
# Rendering and aggregation benchmarks with their comparison baselines, in one run:
#   - our PDF rendering against LibreOffice headless converting the same DOCX to PDF;
#   - our Aggregate RPC against pandas loading our CSV export of the same reports and summing
#     every numeric column.
#   - our import against python-docx reading the tables of the same DOCX files and pdfplumber
#     extracting the text of the same PDF files.
# It measures and prints; it asserts nothing. Needs: soffice, python3 (pandas, python-docx and
# pdfplumber go into the virtual environment target/bench-venv, created and completed on first
# use) and, for the aggregation, target/release/nianbao (cargo build --release -p nianbao-cli).
# The import baseline adds the corpus PDFs when the corpus is there (NIANBAO_CORPUS, default
# ../shared/corpus).
#
# Usage: scripts/bench-baselines.sh [render|aggregate|import|all]   (default all)
# Environment: NIANBAO_BENCH_PROVINCE (default 10000,30000,100000), NIANBAO_BENCH_RUNS (default 5),
#              SOFFICE_RUNS (default 10), NIANBAO_BENCH_OUT (default a new temporary directory),
#              NIANBAO_BENCH_NO_BUILD=1 (run the built bench executables without cargo).
set -euo pipefail

cd "$(dirname "$0")/.."
what="${1:-all}"
out="${NIANBAO_BENCH_OUT:-$(mktemp -d /tmp/nianbao-bench.XXXXXX)}"
mkdir -p "$out"
export NIANBAO_BENCH_OUT="$out"
soffice_runs="${SOFFICE_RUNS:-10}"

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; $(uname -sr)"
echo "load at start: $(uptime)"
echo "output directory: $out"

# Runs a bench target: through cargo, or (NIANBAO_BENCH_NO_BUILD=1) the newest already built
# executable in target/release/deps, when another build holds the cargo lock.
bench() {
    if [ -n "${NIANBAO_BENCH_NO_BUILD:-}" ]; then
        "$(ls -t target/release/deps/"$2"-* | grep -v '\.d$' | head -1)"
    else
        cargo bench -q -p "nianbao-$1" --bench "$2"
    fi
}

# The Python of the baselines: target/bench-venv, created on first use and completed when a
# package is missing (Debian's python3 needs python3-venv for it).
venv=target/bench-venv
baseline_python() {
    if "$venv/bin/python" -c 'import pandas, docx, pdfplumber' 2>/dev/null; then
        return
    fi
    if [ ! -x "$venv/bin/python" ]; then
        if ! python3 -c 'import ensurepip' 2>/dev/null; then
            if [ "$(id -u)" = "0" ]; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            else
                echo "bench-baselines: please install python3-venv (needs root)" >&2
                exit 2
            fi
        fi
        python3 -m venv "$venv"
    fi
    echo "== installing the baselines' Python packages into $venv"
    "$venv/bin/pip" install -q --disable-pip-version-check pandas python-docx pdfplumber
}

# The value of `RESULT name value` in a bench output file.
result() { awk -v k="$2" '$1 == "RESULT" && $2 == k {print $3}' "$1"; }

render_bench() {
    echo "== rendering (cargo bench -p nianbao-render --bench render)"
    bench render render | tee "$out/render.txt"

    echo "== LibreOffice headless, DOCX -> PDF (same DOCX files)"
    lo_home="$(mktemp -d /tmp/nianbao-lo-home.XXXXXX)"
    for name in seed corpus13; do
        docx="$out/$name.docx"
        conv="$out/lo-$name"
        mkdir -p "$conv"
        t0=$(date +%s.%N)
        HOME="$lo_home" soffice --headless --convert-to pdf --outdir "$conv" "$docx" >/dev/null 2>&1
        t1=$(date +%s.%N)
        for _ in $(seq "$soffice_runs"); do
            HOME="$lo_home" soffice --headless --convert-to pdf --outdir "$conv" "$docx" >/dev/null 2>&1
        done
        t2=$(date +%s.%N)
        ours=$(result "$out/render.txt" "${name}_pdf_per_s")
        python3 - "$name" "$t0" "$t1" "$t2" "$soffice_runs" "$ours" "$conv/$name.pdf" <<'EOF'
import os, sys
name, t0, t1, t2, runs, ours, pdf = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
first, per = t1 - t0, (t2 - t1) / runs
ok = os.path.exists(pdf)
print(f"{name}: soffice first conversion {first:.2f} s, then {per:.2f} s per conversion "
      f"({runs} runs; PDF written: {ok}); ours {1 / ours * 1e3:.1f} ms per PDF = "
      f"{per * ours:.0f}x LibreOffice's steady-state speed")
EOF
    done
    rm -rf "$lo_home"
}

aggregate_bench() {
    if [ ! -x target/release/nianbao ]; then
        echo "target/release/nianbao is missing: run cargo build --release -p nianbao-cli" >&2
        exit 2
    fi
    echo "== aggregation (cargo bench -p nianbao-aggregate --bench aggregate)"
    bench aggregate aggregate | tee "$out/aggregate.txt" ||
        echo "the aggregation bench failed; comparing the exports it wrote"
    echo "load after the aggregation bench: $(uptime)"

    echo "== pandas on our CSV export of the same reports (read_csv + sum of every numeric column)"
    baseline_python
    for csv in "$out"/*.csv; do
        label="$(basename "$csv" .csv)"
        ours=$(result "$out/aggregate.txt" "${label}_aggregate_min_ms")
        [ -n "$ours" ] || continue
        "$venv/bin/python" - "$csv" "$ours" <<'EOF'
import sys, time
import pandas as pd
path, ours = sys.argv[1], float(sys.argv[2])
with_read, sum_only = [], []
for _ in range(5):
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    totals = df.select_dtypes("number").sum()
    t2 = time.perf_counter()
    with_read.append(t2 - t0)
    sum_only.append(t2 - t1)
wr, so = min(with_read) * 1e3, min(sum_only) * 1e3
print(f"{path.rsplit('/', 1)[-1]}: {len(df)} rows x {len(df.columns)} columns; pandas {pd.__version__} "
      f"read_csv + sum {wr:.1f} ms (sum alone {so:.2f} ms), min of 5; ours (Aggregate RPC, min) {ours:.1f} ms "
      f"= {ours / wr:.1f}x pandas' time with the CSV read, {ours / so:.0f}x pandas' sum alone")
EOF
    done
}

import_bench() {
    # Our DOCX and PDF of two reports (the render bench writes them), plus the corpus PDFs.
    if [ ! -f "$out/seed.docx" ]; then
        echo "== rendering the documents to import (cargo bench -p nianbao-render --bench render)"
        bench render render > "$out/render.txt"
    fi
    mkdir -p "$out/import"
    cp "$out"/*.docx "$out"/*.pdf "$out/import/"
    echo "== import (cargo bench -p nianbao-import, NIANBAO_BENCH_DIR=$out/import)"
    NIANBAO_BENCH_DIR="$out/import" bench import throughput | tee "$out/import.txt"

    baseline_python
    echo "== Python baseline: python-docx (every table cell's text), pdfplumber (every page's text)"
    files=("$out"/import/*.docx "$out"/import/*.pdf)
    corpus="${NIANBAO_CORPUS:-../shared/corpus}"
    if [ -d "$corpus" ]; then
        shopt -s nullglob
        files+=("$corpus"/[0-9]*.pdf)
        shopt -u nullglob
    else
        echo "corpus not found at $corpus (set NIANBAO_CORPUS): our documents only"
    fi
    "$venv/bin/python" - "$out/import.txt" "${files[@]}" <<'EOF'
import os, sys, time
import docx, pdfplumber

def read_docx(path):
    d = docx.Document(path)
    return sum(len(c.text) for t in d.tables for r in t.rows for c in r.cells)

def read_pdf(path):
    with pdfplumber.open(path) as pdf:
        return sum(len(p.extract_text() or "") for p in pdf.pages)

ours = {}
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.split()
    if len(f) == 3 and f[0] == "RESULT":
        ours[f[1]] = float(f[2])
for path in sys.argv[2:]:
    read = read_docx if path.endswith(".docx") else read_pdf
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.7 or n < 3:
        read(path)
        n += 1
    rate = n / (time.perf_counter() - start)
    name = os.path.basename(path)
    mine = ours.get(name)
    ratio = f"ours {mine:.1f}/s = {mine / rate:.1f}x" if mine else "ours: not measured"
    print(f"{name:<48} python {rate:8.1f}/s   {ratio}")
    print(f"RESULT python_{name} {rate:.1f}")
EOF
}

case "$what" in
    render) render_bench ;;
    aggregate) aggregate_bench ;;
    import) import_bench ;;
    all) render_bench; aggregate_bench; import_bench ;;
    *) echo "usage: $0 [render|aggregate|import|all]" >&2; exit 2 ;;
esac
echo "load at end: $(uptime)"
