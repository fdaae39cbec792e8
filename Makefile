# chargebooth — the front door. `make run` serves a booth; `make test` runs every test.
GO       ?= go
BIN      ?= bin
PKGS     := ./...
FUZZTIME ?= 5s

.PHONY: run build test vet lint fmt fuzz bench bench-scaling bench-restart test-cluster deps-browser deps-interop clean

run: build
	$(BIN)/chargebooth serve --data-dir ./data

build:
	$(GO) build -o $(BIN)/chargebooth ./cmd/chargebooth
	$(GO) build -o $(BIN)/loadgen ./cmd/loadgen

## test: vet, formatting, every Go test with the race detector (including the
## browser and OCPP interop tests, whose tools it installs), the tests that
## measure stacks once more without it (its instrumentation deepens every
## stack, so they skip under it), and short fuzz runs.
test: vet deps-browser deps-interop
	$(GO) test -race -count=1 -timeout 15m $(PKGS)
	$(GO) test -count=1 -run 'Stacks' ./adapters/charger/
	$(MAKE) fuzz FUZZTIME=3s

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

lint: vet

fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: every fuzz target, briefly (FUZZTIME each).
fuzz:
	@./scripts/fuzz.sh $(FUZZTIME)

## deps-browser: Chromium for the dashboard test (apt-get as root, else the exact command).
deps-browser:
	@./scripts/deps-browser.sh

## deps-interop: the Node OCPP client for the interop test.
deps-interop:
	@./scripts/deps-interop.sh

## bench: each profile (PROFILES, default "rate closed idle scaling") against
## chargebooth and then the in-memory Node ws relay peer (scripts/bench/relay,
## installed with npm ci), back to back, with the ratios, and the scaling chart
## docs/bench/scaling.png; about 9 minutes (PROFILES="rate closed idle": about
## 4). DURATION etc. as in scripts/bench/run.sh.
bench: build
	PROFILES="$${PROFILES:-rate closed idle scaling}" ./scripts/bench/run.sh

## bench-scaling: 1,000 → 9,000 pairs at 1/s on both systems (SCALE_* knobs),
## p99 and RSS per step into docs/bench/scaling.csv and the chart
## docs/bench/scaling.png; about 5 minutes.
bench-scaling: build
	PROFILES=scaling ./scripts/bench/run.sh

bench-restart: build
	./scripts/bench/restart.sh

test-cluster: build
	./scripts/cluster/chaos.sh

clean:
	rm -rf $(BIN)
