# fifteen: thin, named targets. h3-go needs cgo.
export CGO_ENABLED := 1
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/fifteen
ADDR    ?= 127.0.0.1:8080

.PHONY: build run test race bench bench-big tilecity fuzz check inspect loadtest overload fault screenshot vendor-maplibre clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/fifteen

run: build
	./$(BIN) serve --addr $(ADDR)

inspect: build
	./$(BIN) inspect --json

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# race runs the tests of the packages with shared state under the data
# race detector (-short skips the browser and GDAL round trips).
race:
	$(GO) test -race -short -count=1 ./geo/ ./server/ ./publish/postgis/

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

# bench-big measures the default city tiled 32 times (330,784 vertices; the
# files are generated once into $$FIFTEEN_BENCH_CACHE or the temporary
# directory), three runs each. About 3 GB of memory.
bench-big:
	$(GO) test -run '^$$' -bench 'Big32' -benchmem -count 3 -timeout 90m ./geo/

# tilecity writes the default city tiled TILES times into TILEDIR.
TILES   ?= 32
TILEDIR ?= /tmp/fifteen-tiled
tilecity:
	$(GO) run ./scripts/tilecity -k $(TILES) -out $(TILEDIR)

# fuzz runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	for t in FuzzReadOSM FuzzLoadFacilities FuzzLoadPopulationCSV FuzzLoadScenario \
		FuzzLoadCommunities FuzzLoadTaxonomy FuzzLoadCandidates; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./data/ || exit 1; done
	$(GO) test -run '^$$' -fuzz '^FuzzAppendString$$' -fuzztime $(FUZZTIME) ./publish/
	for t in FuzzParseTokens FuzzHTTPQuery FuzzHTTPBody; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./server/ || exit 1; done

# loadtest serves the default city on loopback and measures it (bounded in
# time: six phases of LOADTEST_DURATION).
LOADTEST_ADDR     ?= 127.0.0.1:18181
LOADTEST_DURATION ?= 5s
loadtest: build
	@./$(BIN) serve --addr $(LOADTEST_ADDR) --store memory --rate -1 --heavy-rate -1 --heavy-concurrent 2 >/dev/null 2>&1 & pid=$$!; \
	trap "kill $$pid 2>/dev/null" EXIT; \
	for i in $$(seq 1 100); do curl -sf http://$(LOADTEST_ADDR)/readyz >/dev/null && break; sleep 0.1; done; \
	$(GO) run ./scripts/loadtest -base http://$(LOADTEST_ADDR) -duration $(LOADTEST_DURATION)

# overload serves the default city on loopback with its default limits and
# checks that a normal client's isochrone p99 stays under 20 ms while
# hostile clients send heavy requests (bounded: OVERLOAD_DURATION).
OVERLOAD_ADDR     ?= 127.0.0.1:18182
OVERLOAD_DURATION ?= 10s
overload: build
	@./$(BIN) serve --addr $(OVERLOAD_ADDR) --store memory >/dev/null 2>&1 & pid=$$!; \
	trap "kill $$pid 2>/dev/null" EXIT; \
	for i in $$(seq 1 100); do curl -sf http://$(OVERLOAD_ADDR)/readyz >/dev/null && break; sleep 0.1; done; \
	$(GO) run ./scripts/overload -base http://$(OVERLOAD_ADDR) -duration $(OVERLOAD_DURATION)

# fault serves, runs mixed load with slow clients, kills the server with
# SIGKILL mid-load, restarts it and checks every acknowledged scenario
# (loopback only, bounded: FAULT_DURATION before the kill).
FAULT_DURATION ?= 8s
FAULT_STORE    ?=
fault: build
	$(GO) run ./scripts/fault -bin $(BIN) -duration $(FAULT_DURATION) $(if $(FAULT_STORE),-store $(FAULT_STORE))

# screenshot regenerates docs/map.png: the default city's map in headless
# Chromium (apt-get install chromium).
screenshot: build
	$(GO) run ./scripts/screenshot -bin $(BIN) -out docs/map.png

# vendor-maplibre refreshes the pinned MapLibre GL JS from the npm registry.
vendor-maplibre:
	scripts/vendor-maplibre.sh

check:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

clean:
	rm -rf bin
