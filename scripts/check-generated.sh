#!/usr/bin/env bash
# Regenerate into a temporary folder and fail, showing the diff, when generated/ differs from it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/generate.sh" "$tmp"
if ! diff -ruN --exclude=__pycache__ --exclude=.ruff_cache "$tmp/apimart_mj_client" "$root/generated/apimart_mj_client"; then
  echo >&2
  echo "generated/ differs from what openapi.yaml produces (diff above: - expected, + found)." >&2
  echo "Run 'make generate' and commit the result; never edit generated/ by hand." >&2
  exit 1
fi
echo "generated/ matches openapi.yaml"
