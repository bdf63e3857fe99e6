# fifteen: thin, named targets. h3-go needs cgo.
export CGO_ENABLED := 1
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/fifteen
ADDR    ?= 127.0.0.1:8080

.PHONY: build run test race bench fuzz check inspect loadtest screenshot vendor-maplibre clean

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
	$(GO) test -race -short -count=1 ./geo/ ./server/ ./store/

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

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
