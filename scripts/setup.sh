#!/usr/bin/env bash
# Installs what the build, the demo and the tests need on a fresh Debian machine.
# Idempotent: every step checks before it installs.
set -euo pipefail

need_apt=()
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Serif CJK" || need_apt+=(fonts-noto-cjk)
command -v fc-list >/dev/null 2>&1 || need_apt+=(fontconfig)
if [ "${NIANBAO_SETUP_LIBREOFFICE:-0}" = "1" ]; then
  command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
fi
# Headless Chromium, for the tests only (with LibreOffice): they print our HTML page to PDF with it.
if [ "${NIANBAO_SETUP_LIBREOFFICE:-0}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need_apt+=(chromium)
fi
# Web console browser tests: headless Chromium over WebDriver, and npm for axe-core (below).
if [ "${NIANBAO_SETUP_BROWSER:-1}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need_apt+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
  command -v npm >/dev/null 2>&1 || need_apt+=(npm)
fi

# PDF variants and scans (import tests): Chromium prints HTML to PDF; Tesseract with the
# Simplified Chinese model reads scans; ImageMagick and img2pdf make the test scans.
if [ "${NIANBAO_SETUP_SCANS:-1}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
  tesseract --list-langs 2>/dev/null | grep -qx chi_sim || need_apt+=(tesseract-ocr-chi-sim)
  tesseract --list-langs 2>/dev/null | grep -qx eng || need_apt+=(tesseract-ocr-eng)
  # `convert -version` names ImageMagick only when the real one is installed (not a stand-in).
  convert -version 2>/dev/null | grep -q ImageMagick || need_apt+=(imagemagick)
  command -v img2pdf >/dev/null 2>&1 || need_apt+=(img2pdf)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]} (needs root)" >&2
  fi
fi

if [ "${NIANBAO_SETUP_PYTHON:-1}" = "1" ]; then
  python3 - <<'PY' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check python-docx openpyxl pdfplumber grpcio grpcio-tools grpcio-reflection grpcio-health-checking
import docx, openpyxl, pdfplumber, grpc, grpc_tools, grpc_reflection, grpc_health
PY
fi
# Deadline reminders: the tests receive mail on a real SMTP server (aiosmtpd) on 127.0.0.1.
if [ "${NIANBAO_SETUP_PYTHON:-1}" = "1" ]; then
  python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check aiosmtpd
fi

# Web console browser tests: axe-core, pinned in tests/browser/package-lock.json, into tests/browser/node_modules (git-ignored).
if [ "${NIANBAO_SETUP_BROWSER:-1}" = "1" ] && [ ! -f "$(dirname "$0")/../tests/browser/node_modules/axe-core/axe.min.js" ]; then
  (cd "$(dirname "$0")/../tests/browser" && npm ci --silent --no-audit --no-fund)
fi
echo "setup: ok"
