#!/usr/bin/env bash
# One idempotent set-up for Boligarkiv on Debian/Ubuntu (or any machine with Python >= 3.11).
# Installs what is missing — the system packages the pipeline uses (Tesseract OCR with Norwegian, antiword for
# Word 97–2003 files, Chromium for the browser tests, python3-venv) when apt-get is available and we may use
# it — then creates the virtual environment .venv (PEP 668: a stock Debian Python refuses system-wide pip) and
# installs the project into it with its dev and es extras. Running it again only fills what is missing.
# `--test` installs the project as a wheel (not editable) and also prepares what the tests run against for real: a JDK and Maven (the OpenSearch node in
# tools/search-node is built from Maven Central, artifacts cached in ~/.m2) and PostgreSQL's server binaries.
set -euo pipefail
cd "$(dirname "$0")"

FOR_TESTS=0
[ "${1:-}" = "--test" ] && FOR_TESTS=1

APT_PACKAGES=(tesseract-ocr tesseract-ocr-nor chromium antiword)
if [ "$FOR_TESTS" = 1 ]; then
  command -v java >/dev/null 2>&1 || APT_PACKAGES+=(default-jdk-headless)
  command -v mvn >/dev/null 2>&1 || APT_PACKAGES+=(maven)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || APT_PACKAGES+=(postgresql)
fi
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: Boligarkiv trenger Python 3.11 eller nyere ($PYTHON er $("$PYTHON" -V 2>&1))" >&2
  exit 3
fi

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="skip"; fi
  fi
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # A stock Debian Python has no venv module until python3-venv is installed.
  if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    missing+=("python${ver}-venv")
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$SUDO" = "skip" ]; then
      echo "setup: kan ikke installere ${missing[*]} (ikke root, ingen sudo); OCR, .doc og nettlesertester hoppes over" >&2
    else
      echo "setup: installerer ${missing[*]}" >&2
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
  fi
else
  echo "setup: ingen apt-get; installer Tesseract (med norsk), antiword og Chromium selv" >&2
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
# The build backend's warnings would bury the one line that matters; they go to a log, shown on failure.
pip_install() {
  local log=.venv/setup-pip.log
  if ! .venv/bin/python -m pip install --quiet "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: pip install $* feilet (se over)" >&2
    exit 1
  fi
}
if [ "$FOR_TESTS" = 1 ]; then
  # The tests run against the package as a user gets it from `pip install .` (a local path is always rebuilt
  # and reinstalled), not against the source tree: nothing in the checkout is named `boligarkiv`, so nothing
  # there can shadow the install. For working on the code, `.venv/bin/pip install -e .` (what plain
  # ./setup.sh does) maps the same folders in place.
  pip_install ".[dev,es]"
else
  pip_install -e ".[dev,es]"
fi
if [ "$FOR_TESTS" = 1 ]; then
  if command -v mvn >/dev/null 2>&1; then
    .venv/bin/python -c 'from tools.search_node import build; build()' \
      || echo "setup: søkenoden (OpenSearch) kunne ikke bygges (se over); søketestene mot den vil feile" >&2
  else
    echo "setup: ingen Maven; Elasticsearch-testene hoppes over" >&2
  fi
fi
echo "setup: ferdig. Prøv: .venv/bin/boligarkiv demo  (eller .venv/bin/boligarkiv run)" >&2
