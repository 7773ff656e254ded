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

echo "setup: ok"
