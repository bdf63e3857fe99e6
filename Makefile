# fifteen: thin, named targets. h3-go needs cgo.
export CGO_ENABLED := 1
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/fifteen
ADDR    ?= :8080

.PHONY: build run test bench fuzz check inspect clean

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

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReadOSM -fuzztime 60s ./data/

check:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...

clean:
	rm -rf bin
