#!/usr/bin/env bash
# Installs what chitra needs on a fresh Debian/Ubuntu machine with Python 3.11.
#   scripts/bootstrap.sh         runtime only
#   scripts/bootstrap.sh test    plus test tools and a real Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "==> apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

apt_install python3-venv
[ "$want" = test ] && apt_install chromium chromium-driver openssl poppler-utils

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$want-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> pip install"
  extra=""; [ "$want" = test ] && extra="[test]"
  .venv/bin/pip install -q --disable-pip-version-check -e ".$extra"
  touch "$stamp"
fi
mkdir -p var
