#!/usr/bin/env bash
# Installs the Debian packages some tests need (a real redis-server and haproxy; Chromium and its driver
# for the dashboard's browser test; openssl for a test upstream's certificate), unless already there.
# Run by `make test` (target `system-packages`); as root it installs with apt-get, otherwise it says
# what is missing, and the tests that need it skip (CI sets APIMART_REQUIRE_SERVICES=1 and
# APIMART_REQUIRE_BROWSER=1: they fail instead).
set -euo pipefail

# binary:package
needed=(redis-server:redis-server haproxy:haproxy chromium:chromium chromedriver:chromium-driver openssl:openssl)

missing=()
for pair in "${needed[@]}"; do
  binary=${pair%%:*}
  command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ] || missing+=("${pair##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or their tests skip" >&2
  exit 0
fi
echo "system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6; do  # another apt run may hold the lock for a while
  if { [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ] || apt-get update -qq; } &&
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  apt-get update -qq || true
  sleep $((attempt * 5))
done
echo "system-packages: could not install ${missing[*]}" >&2
exit 1
