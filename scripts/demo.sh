#!/usr/bin/env bash
# `make demo`: starts the local Cloudflare (bin/lumier local) on a free port with a throwaway state
# directory, deploys the counter with the Automation API embedding (examples/embed), calls the
# counter twice at the URL it prints, then destroys the stack and stops the local Cloudflare.
# Needs `make build` and the pulumi CLI on PATH (make demo does both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for f in bin/lumier bin/pulumi-resource-lumier; do
  [ -x "$f" ] || { echo "demo: $f is missing: run \`make build\` (or \`make demo\`)" >&2; exit 1; }
done
command -v pulumi >/dev/null || { echo "demo: no pulumi CLI on PATH: run \`make demo\`" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lumier-demo.XXXXXX")
local_pid=
cleanup() {
  if [ -n "$local_pid" ] && kill -0 "$local_pid" 2>/dev/null; then
    kill -TERM "$local_pid" 2>/dev/null || true
    wait "$local_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "starting the local Cloudflare (bin/lumier local)"
bin/lumier local -addr 127.0.0.1:0 -state "$work/local" >"$work/local.out" 2>"$work/local.log" &
local_pid=$!
for _ in $(seq 1 300); do
  grep -q '^  export CLOUDFLARE_ACCOUNT_ID=' "$work/local.out" 2>/dev/null && break
  kill -0 "$local_pid" 2>/dev/null || { cat "$work/local.log" >&2; echo "demo: lumier local exited" >&2; exit 1; }
  sleep 0.2
done
grep -q '^  export CLOUDFLARE_ACCOUNT_ID=' "$work/local.out" || { cat "$work/local.log" >&2; echo "demo: lumier local did not start" >&2; exit 1; }
# The banner prints the three variables that point a Cloudflare client at it.
eval "$(grep '^  export CLOUDFLARE_' "$work/local.out")"
echo "API at $CLOUDFLARE_BASE_URL"

export PULUMI_CONFIG_PASSPHRASE=demo PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME="$work/pulumi-home"
go build -o "$work/embed" ./examples/embed
embed() { "$work/embed" -dir examples/counter -state "$work/state" -plugins bin "$@"; }

step "deploying the counter (examples/embed up: Automation API, inline Go program)"
url=$(embed up | tail -n1)
echo "counter deployed at $url"

step "calling it"
for _ in 1 2; do
  printf 'POST %s -> ' "$url"
  curl -fsS -X POST "$url"
  echo
done
printf 'GET  %s -> ' "$url"
curl -fsS "$url"
echo

step "destroying the stack (examples/embed destroy)"
embed destroy
echo "done"
