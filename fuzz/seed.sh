#!/usr/bin/env bash
# Copies seed inputs from the published-report corpus into fuzz/corpus/<target>/ (gitignored):
#   interchange_json  the truth/*.json files, demo/*.json and tests/fixtures/reports/*.json
#   proto_report      the same reports encoded as nianbao.report.v1.Report (needs python3 with grpcio-tools;
#                     skipped with a note otherwise)
#   import_text       *.txt     import_markdown  *.md     import_html  *.html
#   import_pdf        *.pdf     import_docx      a DOCX rendered by `nianbao render` when the binary is built
# Usage: fuzz/seed.sh [CORPUS_DIR]   (default $NIANBAO_CORPUS, else ../shared/corpus beside the
# workspace; without a corpus only the project's own reports are seeds)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SRC="${1:-${NIANBAO_CORPUS:-../shared/corpus}}"
case "$SRC" in /*) ;; *) SRC="$ROOT/$SRC" ;; esac
[ -d "$SRC" ] || echo "note: corpus not found at $SRC (set NIANBAO_CORPUS): the project's own reports only" >&2
OUT="$HERE/corpus"

copy() { # copy TARGET GLOB...
    local target="$1"
    shift
    mkdir -p "$OUT/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$OUT/$target/"
    done
    return 0
}

shopt -s nullglob
copy interchange_json "$SRC"/truth/*.json "$ROOT"/demo/*.json "$ROOT"/tests/fixtures/reports/*.json
copy import_text "$SRC"/*.txt
copy import_markdown "$SRC"/*.md
copy import_html "$SRC"/*.html
copy import_pdf "$SRC"/*.pdf
mkdir -p "$OUT/import_docx" "$OUT/proto_report"

# DOCX: render the demo report with the built binary, when there is one.
BIN="$ROOT/target/debug/nianbao"
if [ -x "$BIN" ]; then
    for f in "$ROOT"/demo/*.json; do
        "$BIN" render "$f" --format docx -o "$OUT/import_docx/$(basename "$f" .json).docx" >/dev/null 2>&1 || true
    done
fi
[ -n "$(ls -A "$OUT/import_docx")" ] || echo "note: no DOCX seed (build nianbao first: cargo build -p nianbao-cli)" >&2

# Protobuf: encode the interchange reports with the contract's own definitions.
if python3 -c 'import grpc_tools' 2>/dev/null; then
    python3 - "$ROOT/proto" "$OUT/proto_report" "$OUT"/interchange_json/*.json <<'PY'
import json, os, sys, tempfile
from grpc_tools import protoc
proto_root, out_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
gen = tempfile.mkdtemp()
include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
if protoc.main(["protoc", f"-I{proto_root}", f"-I{include}", f"--python_out={gen}", "nianbao/report/v1/report.proto"]) != 0:
    raise SystemExit("protoc failed")
sys.path.insert(0, gen)
from nianbao.report.v1 import report_pb2 as pb
for path in files:
    with open(path, encoding="utf-8") as fh:
        j = json.load(fh)
    r = pb.Report()
    r.office.code = j.get("office", {}).get("code", "")
    r.office.name = j.get("office", {}).get("name", "")
    r.year = int(j.get("year", 0))
    r.edition = {"2019": pb.EDITION_2019, "2021": pb.EDITION_2021}.get(str(j.get("edition")), 0)
    if j.get("published_date"):
        r.published_date = j["published_date"]
    if j.get("signature"):
        r.signature = j["signature"]
    for k, v in (j.get("sections") or {}).items():
        r.sections[k] = v
    notes = j.get("cell_notes") or {}
    for k, v in (j.get("cells") or {}).items():
        if v is None:
            continue
        c = r.cells.add(key=k)
        if isinstance(v, int):
            c.count = v
        else:
            c.money = str(v)
        if k in notes:
            c.note = notes[k]
    with open(os.path.join(out_dir, os.path.basename(path) + ".pb"), "wb") as fh:
        fh.write(r.SerializeToString())
PY
else
    echo "note: python3 grpcio-tools missing; proto_report starts from an empty corpus" >&2
fi

for d in "$OUT"/*/; do
    printf '%-18s %3d seeds\n' "$(basename "$d")" "$(ls -A "$d" | wc -l)"
done
