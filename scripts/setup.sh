#!/usr/bin/env bash
# Prepares a Debian machine for the portal: system packages, virtual environment,
# Python dependencies and compiled translations. Safe to run again; does only what is missing.
#   scripts/setup.sh            what running the portal needs
#   scripts/setup.sh --tests    plus what the test suite needs (Chromium, pdftotext, zbarimg)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

packages=()
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
fc-list :lang=zh family 2>/dev/null | grep -q "Noto" || packages+=(fonts-noto-cjk)
# Body text of issued documents: FangSong where installed, else the closest packaged face
# (see docs/documents.md).
fc-list 2>/dev/null | grep -q "AR PL UKai" || packages+=(fonts-arphic-ukai)
command -v fc-list >/dev/null || packages+=(fontconfig)
if [ "$want_tests" = 1 ]; then
  command -v chromium >/dev/null || packages+=(chromium)
  command -v pdftotext >/dev/null || packages+=(poppler-utils)
  command -v zbarimg >/dev/null || packages+=(zbar-tools)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${packages[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "Run as root (or install these packages yourself): ${packages[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$want_tests
if [ ! -f "$stamp" ]; then
  echo "==> Installing Python dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "$want_tests" = 1 ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

.venv/bin/python scripts/i18n.py compile
