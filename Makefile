# alarmd — build, run, test. `make run` and `make test` work from a clean clone on Debian/Ubuntu:
# they install what is missing first (scripts/deps.sh).
SHELL   := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO      ?= go
PREFIX  ?= $(HOME)/.local
BIN     := bin/alarmd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X alarmd/agent/cli.Version=$(VERSION)

.PHONY: all build run test test-install deps-run deps-test check unit e2e fuzz bench soak bench-peers clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/alarmd

## run: install what is missing, build, and run the agent in the foreground (Ctrl-C stops it)
run: deps-run build
	./$(BIN) run

## test: install what is missing, then gofmt, go vet, unit tests with -race, the macOS/Windows
## cross-builds, make install/uninstall into a temp PREFIX, end-to-end tests
test: deps-test check unit cross test-install e2e

test-install:
	@scripts/test-install.sh

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
	$(GO) test -count=1 -run '^TestTrayOverDBus$$' ./agent/tray

## e2e: the real binary in private headless sessions: the whole suite on X11 + dunst without a
## tray host, then the core set (TestDesktop*) on each other desktop of E2E_DESKTOPS (DESIGN §17).
## A desktop that cannot start fails with its reason; screenshots go to $TMPDIR/alarmd-artifacts.
E2E_DESKTOPS ?= x11-dunst x11-xfce4-notifyd wayland-mako
e2e:
	@set -uo pipefail; failed=""; \
	$(GO) test -tags e2e -count=1 -timeout 10m ./cmd/alarmd/ $(if $(V),-v) || failed="no-tray"; \
	for d in $(E2E_DESKTOPS); do \
	  echo "e2e: desktop $$d: the core set"; start=$$(date +%s); \
	  ALARMD_E2E_DESKTOP=$$d $(GO) test -tags e2e -count=1 -timeout 5m -run '^TestDesktop' ./cmd/alarmd/ $(if $(V),-v) \
	    || failed="$$failed $$d"; \
	  echo "e2e: desktop $$d took $$(( $$(date +%s) - start )) s"; \
	done; \
	if [ -n "$$failed" ]; then echo "e2e: FAILED on: $$failed" >&2; exit 1; fi

## fuzz: run each fuzz target for FUZZTIME (default 30s); their seed corpora run in `make unit`
FUZZTIME ?= 30s
FUZZ_TARGETS := FuzzParse:./agent/when/ FuzzParseRepeat:./agent/when/ FuzzDecode:./agent/store/ \
                FuzzAddBody:./agent/server/ FuzzPatchBody:./agent/server/
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t%%:*} ($${t#*:}) for $(FUZZTIME)"; \
	  $(GO) test $${t#*:} -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME); \
	done

## bench: measure idle cost, firing latency, control and scale in the headless session; prints one
## table and writes docs/PERFORMANCE.md (~10 min)
bench:
	ALARMD_BENCH=1 $(GO) test -tags e2e -count=1 -run 'TestBenchmark|TestFaults' -v -timeout 30m ./cmd/alarmd

## soak: 200 kill -9 cycles under load and 100 clients x 100 operations (the short version runs
## in `make e2e`); ALARMD_SOAK_SEED replays a run
soak:
	ALARMD_SOAK=long $(GO) test -tags e2e -count=1 -run 'TestSoak' -v -timeout 30m ./cmd/alarmd

## bench-peers: install kalarm and alarm-clock-applet (large) and measure them beside alarmd;
## writes the peers section of docs/PERFORMANCE.md
bench-peers:
	BENCH_PEERS_DOC=docs/PERFORMANCE.md scripts/bench-peers.sh

clean:
	rm -rf bin

## install: the binary, the launcher .desktop, the hicolor icons and the systemd user unit under
## PREFIX (default ~/.local), below DESTDIR when set. Every file and every directory it creates is
## listed in PREFIX/share/alarmd/install-manifest, which is what uninstall removes.
.PHONY: install uninstall cross
INSTALL_MANIFEST = share/alarmd/install-manifest

install: build
	@set -euo pipefail; \
	prefix='$(PREFIX)'; root='$(DESTDIR)'; \
	case $$prefix in /*) ;; *) echo "install: PREFIX must be an absolute path, not '$$prefix'" >&2; exit 2;; esac; \
	prefix=$${prefix%/}; man="$$root$$prefix/$(INSTALL_MANIFEST)"; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; new="$$tmp/manifest"; : >"$$new"; \
	[ -f "$$man" ] && cat "$$man" >>"$$new"; \
	if [ ! -d "$$root$$prefix" ]; then mkdir -p "$$root$$prefix"; echo "d $$prefix" >>"$$new"; fi; \
	mkd() { [ "$$1" = . ] || [ -d "$$root$$prefix/$$1" ] && return 0; mkd "$$(dirname "$$1")"; \
	        mkdir -m 755 "$$root$$prefix/$$1"; echo "d $$prefix/$$1" >>"$$new"; }; \
	put() { mkd "$$(dirname "$$2")"; install -m "$$3" "$$1" "$$root$$prefix/$$2"; echo "f $$prefix/$$2" >>"$$new"; \
	        echo "installed $$root$$prefix/$$2"; }; \
	put $(BIN) bin/alarmd 755; \
	$(GO) run ./assets/templates/render launcher.desktop.tmpl "$$prefix/bin/alarmd" >"$$tmp/alarmd.desktop"; \
	put "$$tmp/alarmd.desktop" share/applications/alarmd.desktop 644; \
	$(GO) run ./assets/templates/render alarmd.service.tmpl "$$prefix/bin/alarmd" >"$$tmp/alarmd.service"; \
	put "$$tmp/alarmd.service" share/systemd/user/alarmd.service 644; \
	while IFS= read -r icon; do put "assets/icons/$$icon" "share/icons/$$icon" 644; \
	done < <(cd assets/icons && find hicolor -type f \( -name '*.png' -o -name '*.svg' \) | sort); \
	mkd "$$(dirname $(INSTALL_MANIFEST))"; echo "f $$prefix/$(INSTALL_MANIFEST)" >>"$$new"; \
	awk '!seen[$$0]++' "$$new" >"$$tmp/manifest.sorted"; install -m 644 "$$tmp/manifest.sorted" "$$man"; \
	echo "manifest: $$man"

## install-wake: let the installed binary wake the computer from suspend for alarms: runs its
## `wake setup` (setcap cap_wake_alarm+ep on PREFIX/bin/alarmd), through sudo unless run as root
.PHONY: install-wake
install-wake:
	@set -euo pipefail; bin='$(DESTDIR)$(PREFIX)/bin/alarmd'; \
	[ -x "$$bin" ] || { echo "install-wake: $$bin is not installed; run: make install" >&2; exit 1; }; \
	sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	$$sudo "$$bin" wake setup

## uninstall: remove exactly what install listed in its manifest (files, then the directories it
## created, when they are empty)
uninstall:
	@set -euo pipefail; \
	prefix='$(PREFIX)'; prefix=$${prefix%/}; root='$(DESTDIR)'; man="$$root$$prefix/$(INSTALL_MANIFEST)"; \
	if [ ! -f "$$man" ]; then echo "uninstall: no manifest at $$man; nothing to remove"; exit 0; fi; \
	while read -r kind path; do \
	  if [ "$$kind" = f ] && [ "$$path" != "$$prefix/$(INSTALL_MANIFEST)" ]; then rm -f -- "$$root$$path" && echo "removed $$root$$path"; fi; \
	done <"$$man"; \
	dirs=$$(awk '$$1 == "d" { sub(/^d /, ""); print }' "$$man"); \
	rm -f -- "$$man"; \
	if [ -n "$$dirs" ]; then printf '%s\n' "$$dirs" | tac | while IFS= read -r d; do \
	  rmdir -- "$$root$$d" 2>/dev/null && echo "removed $$root$$d/" || true; done; fi

## cross: build every package for Windows and macOS without a C toolchain (CGO_ENABLED=0); a
## package that cannot link that way is type-checked with go vet instead
CROSS_TARGETS ?= windows/amd64 darwin/arm64 darwin/amd64
cross:
	@set -uo pipefail; status=0; \
	for t in $(CROSS_TARGETS); do os=$${t%/*}; arch=$${t#*/}; \
	  if CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build ./... 2>/dev/null; then echo "cross $$t: every package builds"; continue; fi; \
	  for pkg in $$(GOOS=$$os GOARCH=$$arch $(GO) list ./...); do \
	    CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -o /dev/null "$$pkg" 2>/dev/null && continue; \
	    if CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) vet "$$pkg"; then echo "cross $$t: $$pkg does not build without cgo; go vet ok"; \
	    else echo "cross $$t: $$pkg FAILS to build and to vet" >&2; status=1; fi; \
	  done; \
	done; exit $$status
