# The single entry point. `make demo` deploys the counter to the local Cloudflare; `make test` runs
# every test, end to end included. Tools (the pinned Pulumi CLI and YAML host, workerd) are built
# or installed by scripts/tools.sh into ~/.cache/lumier, keyed by their pins.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
E2E_TIMEOUT ?= 30m
# Sets $$tools to the tools' bin directory (the last line scripts/tools.sh prints), building them
# first if their pins changed; a failure stops the recipe.
TOOLS = tools=$$(bash scripts/tools.sh | tail -n1)

# Targets run one after another, in the order given (make test's steps in particular).
.NOTPARALLEL:

.PHONY: all tools build schema sdk gen gen-check vet lint typecheck tstest unit test e2e demo bench release clean

all: build

## tools: build the pinned Pulumi CLI and YAML host (cached) and install workerd (npm ci)
tools:
	bash scripts/tools.sh

## build: the provider plugin and the lumier CLI, into bin/
build:
	$(GO) build -o bin/pulumi-resource-lumier ./cmd/pulumi-resource-lumier
	$(GO) build -o bin/lumier ./cmd/lumier

## schema, sdk, gen: regenerate schema.json and the Go, Node.js and Python SDKs from the provider
schema sdk gen:
	$(GO) run ./cmd/lumier-bindings
	$(GO) run ./cmd/lumier-gen

## gen-check: fail if schema.json or any generated SDK is stale
gen-check:
	$(GO) run ./cmd/lumier-gen -check

## lint: golangci-lint (.golangci.yml) on both Go modules, the e2e tests included
lint: tools
	$(TOOLS); $$tools/golangci-lint run ./... && cd sdk && $$tools/golangci-lint run -c ../.golangci.yml ./...

## vet: gofmt and go vet; for Windows too on the packages with OS-specific files (local/storage,
## local/workerd, internal/killtest) and those above them (lumier and the local Cloudflare run there)
vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "not gofmt-ed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/
	cd sdk && $(GO) vet ./...
	GOOS=windows $(GO) vet ./local/... ./internal/killtest/

## typecheck: compile every generated Python file; tsc --noEmit on the Node.js SDK, the TypeScript
## helper and the TypeScript examples (their programs and, with `lumier types` output, their Worker code)
typecheck: tools build
	PYTHONPYCACHEPREFIX=$$(mktemp -d) python3 -m py_compile $$(find sdk/python -name '*.py')
	for d in examples/*-ts; do bin/lumier types -check -dir $$d; done
	for p in sdk/nodejs sdk/typescript $$(ls -d examples/*-ts examples/*-ts/src); do \
	  echo "tsc --noEmit -p $$p"; node_modules/.bin/tsc --noEmit -p $$p; \
	done

## tstest: the TypeScript helper's tests (node --test, on its build from scripts/tools.sh)
tstest: tools
	node --test sdk/typescript/bin/

## unit: every test but the end-to-end ones (the Go SDK is its own module, sdk/)
unit:
	$(GO) test ./...
	cd sdk && $(GO) test ./...

## e2e: deploy the examples with the real Pulumi engine to an in-process local Cloudflare
e2e:
	$(TOOLS); LUMIER_TOOLS_BIN=$$tools $(GO) test -tags e2e -v -count=1 -timeout $(E2E_TIMEOUT) ./e2e/

## test: everything CI runs
test: tools gen-check vet lint typecheck tstest unit e2e

## demo: deploy the counter to the local Cloudflare, call it twice, tear it down
demo: tools build
	$(TOOLS); PATH=$$tools:$$PATH bash scripts/demo.sh

## bench: the machine's load (uptime, before and after: every figure depends on it); a KV put and
## get with 10, 10k, 100k keys in the namespace (table); the local Cloudflare's upload to first
## answer (Durable Object counter, plain Worker); a new script's upload on an account of 10, 100,
## 1,000 scripts (reload, wall time, the server's CPU per upload; LUMIER_BENCH_UPLOADS=10,100 for
## other sizes); static assets of 1k, 5k, 20k files; the engine's floor (an empty YAML stack's `up --skip-preview`) and the YAML and TypeScript counters' first and
## no-op `up` above it, alternating, with API calls per `up` (TypeScript on the machine's Node.js,
## then on Node.js 22, the oldest @pulumi/pulumi supports, without and with NODE_COMPILE_CACHE:
## the one scripts/tools.sh links in as node22); `lumier dev`'s save to first answer; then stacks
## of N = 10, 100, 300, 1,000 Workers each hosting a Durable Object (first up, no-op up, destroy, the
## local Cloudflare's peak memory, API calls, the median of 3 rounds, every size in each; LUMIER_BENCH_SCALE=10,100 for
## other sizes, LUMIER_BENCH_SCALE_RUNS=1 for one run)
FLOOR_BENCH = LUMIER_TOOLS_BIN=$$tools $(GO) test -tags e2e -run '^$$' -bench 'BenchmarkCounterAboveFloor' -benchtime 5x -count=1 -timeout $(E2E_TIMEOUT) ./e2e/
bench:
	uptime
	$(GO) test -run '^$$' -bench 'BenchmarkKV$$' -benchtime 1000x -count=1 ./local/storage/
	$(TOOLS); $(GO) test -run '^$$' -bench 'BenchmarkUploadToFirstAnswer' -benchtime 10x -count=1 ./local/
	$(TOOLS); $(GO) test -run '^$$' -bench 'BenchmarkUploadAtScale' -benchtime 1x -count=1 -timeout 1h ./local/
	$(GO) test -run '^$$' -bench 'BenchmarkAssetsManifest' -benchtime 1x -count=1 -timeout $(E2E_TIMEOUT) ./internal/cfapi/
	$(TOOLS); $(FLOOR_BENCH)
	$(TOOLS); node22=$$tools/node22; if [ ! -x "$$node22/node" ]; then echo "no Node.js 22 for this platform: the TypeScript rows ran on the machine's Node.js only"; else \
	  PATH=$$node22:$$PATH $(FLOOR_BENCH) && \
	  cache=$$(mktemp -d) && PATH=$$node22:$$PATH NODE_COMPILE_CACHE=$$cache $(FLOOR_BENCH); \
	  status=$$?; rm -rf "$$cache"; exit $$status; fi
	$(TOOLS); LUMIER_TOOLS_BIN=$$tools $(GO) test -tags e2e -run '^$$' -bench 'BenchmarkDevSaveToAnswer' -benchtime 5x -count=1 -timeout $(E2E_TIMEOUT) ./e2e/
	$(TOOLS); LUMIER_TOOLS_BIN=$$tools $(GO) test -tags e2e -run '^$$' -bench 'BenchmarkWorkersScale' -benchtime 1x -count=1 -timeout 3h ./e2e/
	uptime

## release: the release's artifacts in dist/ (make release VERSION=x.y.z): the provider plugin for
## linux, darwin and windows on amd64 and arm64, schema.json, the npm tarballs, the Go SDK module in
## GOPROXY layout (dist/goproxy), the Python sdist and checksums.txt
release: tools
	@[ -n "$(VERSION)" ] || { echo "make release: VERSION=x.y.z is required" >&2; exit 1; }
	$(GO) run ./cmd/release -version $(VERSION) -out dist
	ls -l dist dist/goproxy/github.com/lumier-dev/lumier/sdk/@v

clean:
	rm -rf bin .lumier dist
