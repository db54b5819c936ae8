#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (PostgreSQL server,
# headless Chromium) when they are missing. Needs root for apt-get; without root
# it says what is missing and stops, so no test is skipped silently.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Chinese ticket subjects in screenshots need a CJK font.
fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || missing+=(fonts-wqy-microhei)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
