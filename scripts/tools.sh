#!/usr/bin/env bash
# Builds the pinned Pulumi CLI and YAML language host into a cache outside the clone and installs
# workerd from npm. Re-running is cheap: a tool is rebuilt only when its pin (the tools module's
# go.sum) changes. Prints the bin directory on the last line of stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${LUMIER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumier}

for tool in go npm; do
  command -v "$tool" >/dev/null || { echo "tools.sh: $tool is not installed (needed: Go, see go.mod; Node.js with npm)" >&2; exit 1; }
done

build() { # build <tools module dir> <package> <binary> [ldflags]
  local dir=$1 pkg=$2 bin=$3 ldflags=${4:-}
  local key; key=$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)
  local out="$cache/$bin-$key"
  if [ ! -x "$out/$bin" ]; then
    echo "building $bin (pin $key) into $out" >&2
    mkdir -p "$out.tmp"
    (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$bin" "$pkg")
    rm -rf "$out" && mv "$out.tmp" "$out"
  fi
  mkdir -p "$cache/bin"
  ln -sf "$out/$bin" "$cache/bin/$bin"
}

pulumi_version=$(cd "$root/tools/pulumi" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
build "$root/tools/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version"
# An unstamped CLI reports 0.0.0 and the Automation API refuses it: check the stamp.
stamped=$("$cache/bin/pulumi" version 2>/dev/null || true)
if [ "$stamped" != "$pulumi_version" ]; then
  echo "tools.sh: $cache/bin/pulumi reports version '$stamped', want $pulumi_version; delete $cache and re-run" >&2
  exit 1
fi
build "$root/tools/pulumi-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml pulumi-language-yaml

if [ ! -x "$root/node_modules/.bin/workerd" ] || ! cmp -s "$root/package-lock.json" "$root/node_modules/.package-lock.json.copy" 2>/dev/null; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$root/package-lock.json" "$root/node_modules/.package-lock.json.copy"
fi
echo "$cache/bin"
