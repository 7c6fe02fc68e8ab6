#!/usr/bin/env bash
# One-command set-up for Boligarkiv on Debian/Ubuntu (or any machine with Python >= 3.11).
# Installs the system packages the pipeline uses (Tesseract OCR with Norwegian, Chromium for the browser
# tests) when apt-get is available and we may use it, then the Python package with its dev and es extras.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(tesseract-ocr tesseract-ocr-nor chromium antiword)

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="skip"; fi
  fi
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$SUDO" = "skip" ]; then
      echo "setup: cannot install ${missing[*]} (not root, no sudo); OCR/browser features will be skipped" >&2
    else
      echo "setup: installing ${missing[*]}" >&2
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
  fi
else
  echo "setup: no apt-get; install Tesseract (with the Norwegian model) yourself for OCR" >&2
fi

python3 -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
python3 -m pip install --quiet -e ".[dev,es]"
echo "setup: done. Try: boligarkiv init && boligarkiv kommuner --fylke Vestland" >&2
