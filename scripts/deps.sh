#!/usr/bin/env bash
# deps.sh run|test - install the Debian/Ubuntu packages alarmd needs that are missing.
#   run:  what building and running the agent needs (cgo for ALSA audio).
#   test: that plus the headless desktop sessions (X11 and Wayland) the end-to-end tests run in.
# Packages already installed are left alone; nothing is upgraded. Needs root (or sudo) only when
# something is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-run}

PKGS=(gcc pkg-config libasound2-dev ca-certificates git make)
case $mode in
  run) ;;
  test) PKGS+=(util-linux procps psmisc lame sox zenity desktop-file-utils systemd libcap2-bin strace
              pulseaudio pulseaudio-utils libasound2-plugins xfce4-notifyd dbus-daemon
              python3-icalendar) ;;
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
  ok=0
  for i in 1 2 3 4 5 6; do
    # stale package lists (update once) or another apt holding the dpkg lock (wait and retry)
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         -o DPkg::Lock::Timeout=120 "${missing[@]}" >/tmp/alarmd-deps.log 2>&1; then ok=1; break; fi
    $sudo apt-get update -qq -o DPkg::Lock::Timeout=120 >>/tmp/alarmd-deps.log 2>&1 || true
    sleep $((i * 2))
  done
  if [[ $ok != 1 ]]; then tail -n 20 /tmp/alarmd-deps.log >&2; echo "deps: apt-get install failed" >&2; exit 1; fi
fi
if [[ $mode == test ]]; then
  # the X11 desktops and the Wayland one (sway, waybar, mako)
  for session in headless-session.sh headless-wayland.sh; do
    if [[ $(id -u) -eq 0 ]]; then "$here/$session" deps
    else $sudo "$here/$session" deps; fi
  done
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
