# alarmd — build, run, test. `make run` and `make test` work from a clean clone on Debian/Ubuntu:
# they install what is missing first (scripts/deps.sh).
SHELL   := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO      ?= go
PREFIX  ?= $(HOME)/.local
BIN     := bin/alarmd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X alarmd/agent/cli.Version=$(VERSION)

.PHONY: all build run test deps-run deps-test check unit e2e fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/alarmd

## run: install what is missing, build, and run the agent in the foreground (Ctrl-C stops it)
run: deps-run build
	./$(BIN) run

## test: install what is missing, then gofmt, go vet, unit tests with -race, end-to-end tests
test: deps-test check unit e2e

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

## e2e: the real binary in a private headless session (bus, notification daemon, ALSA file sink)
e2e:
	$(GO) test -tags e2e -count=1 -timeout 10m ./cmd/alarmd/ $(if $(V),-v)

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./agent/when/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./agent/when/ -run '^$$' -fuzz '^FuzzParseRepeat$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
