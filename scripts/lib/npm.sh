# shellcheck shell=bash
# npm dependencies of the checkout in the current directory, installed only when needed. Sourced by
# scripts/test and scripts/demo.

# Installs node_modules when it is missing or package-lock.json changed since the last install (a stamp in
# node_modules records the lock's hash). Returns non-zero when the install failed.
ensure_node_modules() {
  local stamp=node_modules/.smelter-lock-stamp want
  want="$(sha256sum package-lock.json | cut -c1-12)"
  [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]] && return 0
  # npm records what it installed in node_modules/.package-lock.json; when that is as new as the lock file,
  # node_modules is already in sync and a reinstall would only disturb others using this checkout.
  if [[ -d node_modules && -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    printf '%s\n' "$want" >"$stamp"
    return 0
  fi
  echo "[npm] npm ci (node_modules missing or package-lock.json changed)" >&2
  # Only `npm ci`: it installs exactly the lock and never rewrites it. The lock lists every platform's
  # optional packages (DuckDB's bindings), so it installs on linux-x64/arm64 and macOS alike.
  if ! flock /tmp/smelter-npm.lock npm ci --no-audit --no-fund; then
    echo "[npm] npm ci failed; package-lock.json must match package.json (run npm install and commit the lock)" >&2
    return 1
  fi
  printf '%s\n' "$want" >"$stamp"
}
