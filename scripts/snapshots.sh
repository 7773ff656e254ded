#!/usr/bin/env bash
# Refreshes the rendering snapshots in docs/ from the demo seed report:
#   docs/render-seed.html          the HTML page
#   docs/render-seed-html.png      the HTML page in headless Chromium (skipped when Chromium is missing)
#   docs/render-seed-pdf-N.png     the PDF pages (pdftoppm)
#   docs/render-seed-docx-N.png    the Word file through LibreOffice (skipped when soffice is missing)
#   docs/render-annex-pdf.png      the last annex page of an aggregate (offices table, SVG charts)
#   docs/render-annex-docx-N.png   the same annex in Word (charts as PNG) through LibreOffice
#   docs/console-{board,report,rollup}.png  the web console on the demo city (`nianbao demo --serve`,
#                                  headless Chromium, 1366 wide; skipped when Chromium is missing)
# Usage: scripts/snapshots.sh [REPORT.json]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-demo/shangdang-sifaju-2023.json}"
out=docs
mkdir -p "$out"
cargo build -q -p nianbao-cli
bin=target/debug/nianbao
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$bin" render "$seed" --format html -o "$out/render-seed.html"
"$bin" render "$seed" --format pdf -o "$tmp/seed.pdf"
"$bin" render "$seed" --format docx -o "$tmp/seed.docx"
"$bin" render "$seed" --format md -o "$out/render-seed.md"

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -n "$browser" ]; then
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$out/render-seed-html.png" --window-size=1000,3000 \
    "file://$PWD/$out/render-seed.html" >/dev/null 2>&1
  # A phone-sized view too.
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$out/render-seed-html-phone.png" --window-size=390,2400 \
    "file://$PWD/$out/render-seed.html" >/dev/null 2>&1
else
  echo "chromium not found: HTML screenshot skipped (apt-get install chromium)" >&2
fi

rm -f "$out"/render-seed-pdf-*.png "$out"/render-seed-docx-*.png
pdftoppm -r 70 -png "$tmp/seed.pdf" "$out/render-seed-pdf"
if command -v soffice >/dev/null; then
  HOME="$tmp" soffice --headless --convert-to pdf --outdir "$tmp/lo" "$tmp/seed.docx" >/dev/null 2>&1
  pdftoppm -r 70 -png "$tmp/lo/seed.pdf" "$out/render-seed-docx"
else
  echo "soffice not found: DOCX snapshot skipped" >&2
fi
# An aggregate's annex (offices, charts): the library test writes its PDF when asked to.
NIANBAO_RENDER_SNAPSHOT_DIR="$tmp" cargo test -q -p nianbao-render --test docx_pdf annex_in_pdf_and_docx >/dev/null
last="$(pdfinfo "$tmp/annex.pdf" | awk '/^Pages:/ {print $2}')"
pdftoppm -r 70 -png -f "$last" -l "$last" "$tmp/annex.pdf" "$tmp/annex"
mv "$tmp"/annex-*.png "$out/render-annex-pdf.png"
if command -v soffice >/dev/null; then
  HOME="$tmp" soffice --headless --convert-to pdf --outdir "$tmp/lo-annex" "$tmp/annex.docx" >/dev/null 2>&1
  last="$(pdfinfo "$tmp/lo-annex/annex.pdf" | awk '/^Pages:/ {print $2}')"
  rm -f "$out"/render-annex-docx-*.png
  pdftoppm -r 70 -png -f "$((last > 1 ? last - 1 : 1))" -l "$last" "$tmp/lo-annex/annex.pdf" "$out/render-annex-docx"
fi
# The web console on the demo city, as `nianbao demo --serve` leaves it.
if [ -n "$browser" ] && command -v chromedriver >/dev/null; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$bin" demo --serve --out "$tmp/demo" --listen "127.0.0.1:$port" >"$tmp/demo.log" 2>&1 &
  demo=$!
  for _ in $(seq 1 600); do
    grep -q '^gRPC server:' "$tmp/demo.log" && break
    kill -0 "$demo" 2>/dev/null || { cat "$tmp/demo.log" >&2; exit 1; }
    sleep 0.5
  done
  CONSOLE_URL="$(sed -n 's/^console: //p' "$tmp/demo.log")" \
  CITY_TOKEN="$(sed -n 's/^city token[^:]*: //p' "$tmp/demo.log")" \
  OFFICE_CODE=140403-sfj SNAPSHOT_DIR="$PWD/$out" \
    python3 tests/browser/snapshots.py || { kill "$demo"; exit 1; }
  kill "$demo"
  wait "$demo" 2>/dev/null || true
else
  echo "chromium or chromedriver not found: console screenshots skipped" >&2
fi
ls -l "$out"/render-* "$out"/console-*
