#!/usr/bin/env bash
# headless-pulse.sh - a private PulseAudio for alarmd's end-to-end tests (Debian 12, root or
# user), so that ALSA's `default` takes the path it takes on a desktop: alarmd → libasound
# `default` → pulse plugin → PulseAudio → a null sink, whose monitor is recorded to a file (what
# a listener would hear, after the sink's mute and volume). Started by the Go tests; see
# DESIGN §16.
#
#   out=$(headless-pulse.sh start [DIR]) || exit 1; eval "$out"
#                                      start the server and the recorder, print `export` lines
#   headless-pulse.sh stop [DIR]       stop what `start` started
#   headless-pulse.sh deps             only install the Debian packages (root)
#
# Exports: PULSE_SERVER, PULSE_CLIENTCONFIG (no autospawn), PULSE_COOKIE, ALSA_CONFIG_PATH (pcm and
# ctl `default` = pulse on our socket), HEADLESS_PULSE_AUDIO (DIR/audio.raw: S16_LE stereo at
# HEADLESS_AUDIO_RATE, growing at real time, silence included), HEADLESS_PULSE_SINK (alarm_out),
# HEADLESS_PULSE_DIR. Settings: HEADLESS_AUDIO_RATE=44100, HEADLESS_PULSE_LATENCY_MS=20 (the
# recorder's fragment, the resolution of "when did sound start"), HEADLESS_TIMEOUT=15,
# HEADLESS_NO_DEPS=1. DIR defaults to a new /tmp/alarmd-pulse.XXXXXX and is kept after stop.
set -euo pipefail

PKGS=(pulseaudio pulseaudio-utils libasound2-plugins alsa-utils)
TIMEOUT=${HEADLESS_TIMEOUT:-15}

log() { echo "headless-pulse: $*" >&2; }
STARTED=()
die() {
  log "error: $*"
  [[ ${#STARTED[@]} -gt 0 ]] && kill_pids "${STARTED[*]}"
  [[ -n ${DIR:-} && -f $DIR/pids ]] && : >"$DIR/pids"
  exit 1
}

wait_for() { # wait_for SECONDS CMD...: try CMD every 0.1 s
  local n=$(( $1 * 10 )); shift
  while (( n-- > 0 )); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

deps() {
  local missing=() p i
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages (${missing[*]}); run '$0 deps' as root"
  log "installing: ${missing[*]}"
  local aptlog; aptlog=$(mktemp /tmp/alarmd-pulse-apt.XXXXXX)
  for i in 1 2 3 4 5; do
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
         --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1; then rm -f "$aptlog"; return 0; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$aptlog" 2>&1 || true
    sleep $(( i * 3 ))
  done
  tail -n 20 "$aptlog" >&2
  die "apt-get install failed (log: $aptlog)"
}

# spawn NAME CMD...: CMD in a session of its own (stop kills its process group); stderr to
# DIR/NAME.log, stdout there too or to $SPAWN_OUT. Never our stdout: that is the caller's $(...).
spawn() {
  local name=$1; shift
  setsid "$@" </dev/null >>"${SPAWN_OUT:-$DIR/$name.log}" 2>>"$DIR/$name.log" &
  local pid=$!
  STARTED+=("$pid"); echo "${STARTED[*]}" >"$DIR/pids"
  eval "PID_${name}=$pid"
}

alive() { local st; [[ -d /proc/$1 ]] && st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n $st && $st != Z ]]; }

start() {
  DIR=${1:-}
  [[ -n $DIR ]] || DIR=$(mktemp -d /tmp/alarmd-pulse.XXXXXX)
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  [[ ${HEADLESS_NO_DEPS:-0} == 1 ]] || deps
  : >"$DIR/pids"
  local rate=${HEADLESS_AUDIO_RATE:-44100} lat=${HEADLESS_PULSE_LATENCY_MS:-20} sock=$DIR/pulse/native
  (( ${#sock} < 100 )) || die "socket path too long for a unix socket: $sock"
  [[ $DIR != *[[:space:]\"\']* ]] || die "DIR must not contain blanks or quotes: $DIR"
  rm -rf "$DIR/pulse"; mkdir -p -m 700 "$DIR/pulse" "$DIR/home" "$DIR/state"

  # The server loads only this file (-n). Clients are admitted without a cookie check (the
  # socket's 0700 directory is the access control), so tests that isolate HOME still connect.
  # norewinds=1: otherwise a new stream is mixed into blocks the sink already rendered, and its
  # first 10-20 ms never reach the monitor.
  cat >"$DIR/default.pa" <<EOF
.fail
load-module module-native-protocol-unix socket=$sock auth-anonymous=1 auth-cookie-enabled=0
load-module module-null-sink sink_name=alarm_out format=s16le rate=$rate channels=2 norewinds=1 sink_properties=device.description=Headless_alarm_output
set-default-sink alarm_out
set-default-source alarm_out.monitor
EOF
  head -c 256 /dev/urandom >"$DIR/cookie"; chmod 600 "$DIR/cookie"
  printf 'autospawn = no\ndefault-server = unix:%s\ncookie-file = %s\n' "$sock" "$DIR/cookie" >"$DIR/client.conf"
  # No D-Bus for the daemon: with DISPLAY set and no bus address libdbus would autolaunch one.
  spawn pulseaudio env -u DISPLAY -u WAYLAND_DISPLAY \
    HOME="$DIR/home" XDG_RUNTIME_DIR="$DIR/pulse" PULSE_RUNTIME_PATH="$DIR/pulse" \
    PULSE_STATE_PATH="$DIR/state" PULSE_CLIENTCONFIG="$DIR/client.conf" \
    DBUS_SESSION_BUS_ADDRESS="unix:path=$DIR/no-bus" DBUS_SYSTEM_BUS_ADDRESS="unix:path=$DIR/no-bus" \
    pulseaudio -n -F "$DIR/default.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no \
    --log-target=stderr --log-time=yes
  export PULSE_SERVER=unix:$sock PULSE_CLIENTCONFIG=$DIR/client.conf PULSE_COOKIE=$DIR/cookie
  server_up() { alive "$PID_pulseaudio" && pactl info | grep -q '^Default Sink: alarm_out$'; }
  wait_for "$TIMEOUT" server_up || die "pulseaudio did not come up (see $DIR/pulseaudio.log)"

  # ALSA_CONFIG_PATH replaces the system's config, hence the include first.
  cat >"$DIR/asound.conf" <<EOF
</usr/share/alsa/alsa.conf>
pcm.!default { type pulse; server "unix:$sock" }
ctl.!default { type pulse; server "unix:$sock" }
EOF

  : >"$DIR/audio.raw"
  SPAWN_OUT=$DIR/audio.raw spawn parec parec -d alarm_out.monitor --raw --format=s16le \
    --rate="$rate" --channels=2 --latency-msec="$lat" --client-name=headless-recorder
  rec_ready() { alive "$PID_parec" && [[ $(stat -c %s "$DIR/audio.raw") -gt 0 ]]; }
  wait_for "$TIMEOUT" rec_ready || die "recorder did not start (see $DIR/parec.log)"

  log "started in $DIR: pids ${STARTED[*]}"
  cat <<EOF
export PULSE_SERVER=$PULSE_SERVER
export PULSE_CLIENTCONFIG=$DIR/client.conf
export PULSE_COOKIE=$DIR/cookie
export ALSA_CONFIG_PATH=$DIR/asound.conf
export HEADLESS_PULSE_AUDIO=$DIR/audio.raw
export HEADLESS_PULSE_SINK=alarm_out
export HEADLESS_PULSE_DIR=$DIR
EOF
}

# kill_pids "PID...": last started first; TERM the process group, up to 3 s, then KILL
kill_pids() {
  local p n rev=()
  for p in $1; do rev=("$p" "${rev[@]}"); done
  for p in "${rev[@]}"; do
    alive "$p" || continue
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for n in $(seq 30); do alive "$p" || break; sleep 0.1; done
    alive "$p" && { log "SIGKILL $p"; kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; }
  done
  return 0
}

stop() {
  local dir=${1:-${HEADLESS_PULSE_DIR:-}} pids=""
  [[ -n $dir && -f $dir/pids ]] && pids=$(cat "$dir/pids")
  [[ -n $pids ]] || { log "stop: nothing to stop"; return 0; }
  kill_pids "$pids"
  rm -f "$dir/pids" "$dir/pulse/native"
  log "stopped: $pids"
}

case ${1:-} in
  deps) deps ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start [DIR] | stop [DIR] | deps" >&2; exit 2 ;;
esac
