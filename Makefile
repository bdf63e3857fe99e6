# fifteen: thin, named targets. h3-go needs cgo.
export CGO_ENABLED := 1
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/fifteen
ADDR    ?= :8080

.PHONY: build run test bench bench-big tilecity fuzz check inspect loadtest screenshot vendor-maplibre clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/fifteen

run: build
	./$(BIN) serve --addr $(ADDR)

inspect: build
	./$(BIN) inspect --json

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

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
	for t in FuzzReadOSM FuzzLoadFacilities FuzzLoadPopulationCSV FuzzLoadScenario; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./data/ || exit 1; done
	$(GO) test -run '^$$' -fuzz '^FuzzOGCAppendString$$' -fuzztime $(FUZZTIME) ./server/

# loadtest serves the default city on loopback and measures it (bounded in
# time: six phases of LOADTEST_DURATION).
LOADTEST_ADDR     ?= 127.0.0.1:18181
LOADTEST_DURATION ?= 5s
loadtest: build
	@./$(BIN) serve --addr $(LOADTEST_ADDR) >/dev/null 2>&1 & pid=$$!; \
	trap "kill $$pid 2>/dev/null" EXIT; \
	for i in $$(seq 1 100); do curl -sf http://$(LOADTEST_ADDR)/readyz >/dev/null && break; sleep 0.1; done; \
	$(GO) run ./scripts/loadtest -base http://$(LOADTEST_ADDR) -duration $(LOADTEST_DURATION)

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

clean:
	rm -rf bin
