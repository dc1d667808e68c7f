#!/usr/bin/env bash
# Regenerate the client from openapi.yaml into DEST (default: generated/).
# Deterministic: the generator and ruff are pinned in pyproject.toml, and the venv's bin/ is put first
# on PATH so that the generator's post-hooks use the pinned ruff (a missing ruff only warns).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/generated}"
venv_bin="${VENV_BIN:-$root/.venv/bin}"
export PATH="$venv_bin:$PATH"
command -v ruff >/dev/null || { echo "ruff not found in $venv_bin" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openapi-python-client generate --path "$root/openapi.yaml" --config "$root/openapi-python-client.yaml" \
  --meta none --output-path "$work/apimart_mj_client" --fail-on-warning >"$work/log" 2>&1 \
  || { cat "$work/log" >&2; exit 1; }
rm -rf "$work/apimart_mj_client/.ruff_cache"
touch "$work/apimart_mj_client/py.typed"   # --meta none writes no py.typed; the package is typed
mkdir -p "$dest"
rm -rf "$dest/apimart_mj_client"
mv "$work/apimart_mj_client" "$dest/apimart_mj_client"
