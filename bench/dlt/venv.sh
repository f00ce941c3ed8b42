#!/usr/bin/env bash
# Prints the python of the benchmark's dlt virtualenv, creating it first when missing. The venv lives under
# ~/.cache/smelter/venvs/dlt-<hash of requirements.lock.txt>, so a changed lock gets a fresh venv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/requirements.lock.txt"
hash="$(sha256sum "$lock" | cut -c1-12)"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/smelter/venvs/dlt-$hash"
if [[ ! -x "$venv/bin/python" || ! -f "$venv/.complete" ]]; then
  echo "bench: creating the dlt virtualenv $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$lock" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
