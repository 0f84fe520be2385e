#!/usr/bin/env bash
# Puts the Pulumi CLI and YAML language host in a bin directory in a cache outside the clone: the
# ones on PATH when that CLI is at least the pinned version, otherwise the pinned ones built from
# source (rebuilt only when their pin, the tools module's go.sum, changes); golangci-lint always
# the pinned one, built the same way. Installs the npm
# packages (workerd, @pulumi/pulumi, typescript, ts-node) with `npm ci`, then builds the generated
# Node.js SDK and the TypeScript helper and links them into node_modules as @lumier-dev/lumier and
# lumier, and links Node.js 22 in as bin/node22 (scripts/node22.sh). Prints the bin directory on
# the last line of stdout; everything else goes to stderr.
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

# on_path <binary>: its path on PATH, skipping our own bin directory (make puts it first).
on_path() {
  local dir
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ "$(cd "$dir" 2>/dev/null && pwd -P)" != "$(cd "$cache/bin" 2>/dev/null && pwd -P)" ] || continue
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  return 1
}
# at_least <have> <want>: semantic versions, a leading v allowed.
at_least() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]; }

mkdir -p "$cache/bin"
system_pulumi=$(on_path pulumi || true)
system_yaml=$(on_path pulumi-language-yaml || true)
system_version=
[ -n "$system_pulumi" ] && system_version=$("$system_pulumi" version 2>/dev/null || true)
if [ -n "$system_pulumi" ] && [ -n "$system_yaml" ] && at_least "$system_version" "$pulumi_version"; then
  # The Pulumi release ships the YAML host beside the CLI; it has no version flag of its own, so
  # the CLI's version stands for both.
  echo "tools.sh: using the Pulumi CLI on PATH: $system_pulumi ($system_version, pinned $pulumi_version), YAML host $system_yaml" >&2
  ln -sf "$system_pulumi" "$cache/bin/pulumi"
  ln -sf "$system_yaml" "$cache/bin/pulumi-language-yaml"
else
  if [ -z "$system_pulumi" ]; then
    echo "tools.sh: no Pulumi CLI on PATH: using the pinned $pulumi_version, built from source" >&2
  elif [ -z "$system_yaml" ]; then
    echo "tools.sh: the Pulumi CLI on PATH ($system_pulumi) has no pulumi-language-yaml beside it on PATH: using the pinned $pulumi_version, built from source" >&2
  else
    echo "tools.sh: the Pulumi CLI on PATH is ${system_version:-of unknown version}, older than the pinned $pulumi_version: using the pinned one, built from source" >&2
  fi
  build "$root/tools/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version"
  # An unstamped CLI reports 0.0.0 and the Automation API refuses it: check the stamp.
  stamped=$("$cache/bin/pulumi" version 2>/dev/null || true)
  if [ "$stamped" != "$pulumi_version" ]; then
    echo "tools.sh: $cache/bin/pulumi reports version '$stamped', want $pulumi_version; delete $cache and re-run" >&2
    exit 1
  fi
  build "$root/tools/pulumi-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml pulumi-language-yaml
fi

build "$root/tools/golangci-lint" github.com/golangci/golangci-lint/v2/cmd/golangci-lint golangci-lint

if [ ! -x "$root/node_modules/.bin/workerd" ] || ! cmp -s "$root/package-lock.json" "$root/node_modules/.package-lock.json.copy" 2>/dev/null; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$root/package-lock.json" "$root/node_modules/.package-lock.json.copy"
fi

# The generated Node.js SDK installs from its bin/ (package.json copied in, as Pulumi's SDKs are
# published); the helper's package.json points into its own bin/. Both are rebuilt when their
# sources change and linked in by hand, so that they share the one @pulumi/pulumi at the root.
tsbuild() { # tsbuild <package dir> <copy package.json into bin: yes|no>
  local dir=$root/$1
  local key; key=$(cat "$dir"/package.json "$dir"/tsconfig.json $(find "$dir" -name '*.ts' -not -path '*/bin/*' -not -path '*/node_modules/*' | sort) | sha256sum | cut -c1-16)
  if [ "$(cat "$dir/bin/.built" 2>/dev/null)" != "$key" ]; then
    echo "tools.sh: building $1 (tsc)" >&2
    rm -rf "$dir/bin"
    "$root/node_modules/.bin/tsc" -p "$dir" >&2
    if [ "$2" = yes ]; then cp "$dir/package.json" "$dir/README.md" "$dir/bin/"; fi
    echo "$key" >"$dir/bin/.built"
  fi
}
mkdir -p "$root/node_modules/@lumier-dev"
ln -sfn ../../sdk/nodejs/bin "$root/node_modules/@lumier-dev/lumier"
ln -sfn ../sdk/typescript "$root/node_modules/lumier"
tsbuild sdk/nodejs yes
tsbuild sdk/typescript no

# Node.js 22 (scripts/node22.sh), linked as bin/node22, for the TypeScript test that has Node.js
# strip the types itself (22.18 and later) when the machine's Node.js is older.
node22=$(bash "$root/scripts/node22.sh")
if [ -n "$node22" ]; then ln -sfn "$node22" "$cache/bin/node22"; fi
echo "$cache/bin"
