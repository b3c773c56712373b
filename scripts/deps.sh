#!/usr/bin/env bash
# deps.sh run|test - install the Debian/Ubuntu packages alarmd needs that are missing.
#   run:  what building and running the agent needs (cgo for ALSA audio).
#   test: that plus the headless desktop session the end-to-end tests run in.
# Packages already installed are left alone; nothing is upgraded. Needs root (or sudo) only when
# something is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-run}

PKGS=(gcc pkg-config libasound2-dev ca-certificates git make)
case $mode in
  run) ;;
  test) PKGS+=(util-linux procps psmisc) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "deps: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  }
fi
if [[ $mode == test ]]; then
  if [[ $(id -u) -eq 0 ]]; then "$here/headless-session.sh" deps
  else $sudo "$here/headless-session.sh" deps; fi
fi

# Go: go.mod asks for Go 1.26; any Go >= 1.21 fetches that toolchain itself (GOTOOLCHAIN=auto)
# through the module proxy.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  echo "deps: Go is in /usr/local/go/bin but not on PATH; the Makefile adds it" >&2
elif ! command -v go >/dev/null 2>&1; then
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go >/dev/null 2>&1 || true
  v=$(go env GOVERSION 2>/dev/null || echo none)
  case $v in
    go1.2[1-9]*|go1.[3-9]*) ;;
    *) echo "deps: Go >= 1.21 is needed (found: $v); install it from https://go.dev/dl and re-run" >&2; exit 1 ;;
  esac
fi
