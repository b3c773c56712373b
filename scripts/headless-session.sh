#!/usr/bin/env bash
# headless-session.sh - a throw-away desktop session for alarmd's end-to-end tests (Debian 12,
# root or user). Started from the project's Makefile and Go tests; see HEADLESS in README.md.
#
#   out=$(headless-session.sh start [DIR]) || exit 1; eval "$out"
#                                              install what is missing (root), start the session,
#                                              print `export VAR=...` lines (nothing else on stdout)
#   headless-session.sh stop [DIR]              stop everything `start` started
#   headless-session.sh deps                    only install the Debian packages (root)
#   headless-session.sh shot FILE.png           screenshot of the whole screen (needs DISPLAY)
#
# Session: Xvfb (free display via -displayfd) + private session dbus-daemon (no service
# activation) + a notification server (org.freedesktop.Notifications) + a tray host + ALSA
# default PCM written to a raw file at real-time speed (file plugin -> FIFO -> perl pacer ->
# DIR/audio.raw).
#
# Settings (environment):
#   HEADLESS_TRAY=xfce4-panel|trayer|none  tray host (default xfce4-panel: StatusNotifierItem
#                     + XEmbed; trayer: XEmbed only; none: leaves org.kde.StatusNotifierWatcher free)
#   HEADLESS_NOTIFY=dunst|xfce4-notifyd    notification server (default dunst). dunst: nothing
#                     expires; a left click on a notification runs its default action and closes
#                     it; actions are chosen through DIR/action-choice (see step 4). xfce4-notifyd
#                     (with xfconfd, settings in DIR/config): draws real buttons; critical
#                     notifications never expire (its rule), others only when the client asks for
#                     a timeout; no fade-out; shown at the bottom right, clear of the panel.
#   HEADLESS_SCREEN=1024x768x24   HEADLESS_AUDIO_RATE=44100   HEADLESS_TIMEOUT=15 (s per wait)
#   HEADLESS_NO_DEPS=1            skip the apt step (packages already present)
#   HEADLESS_NO_BUILD_DEPS=1      do not install gcc, pkg-config, libasound2-dev
# DIR defaults to a new /tmp/headless-desktop.XXXXXX; it is kept after stop (logs, audio.raw).
set -euo pipefail

PKGS_RUN=(xvfb x11-utils x11-apps xdotool imagemagick dbus dbus-x11 dunst libnotify-bin
          fonts-dejavu-core alsa-utils sox perl trayer xfce4-panel xfconf xfce4-notifyd)
PKGS_BUILD=(gcc pkg-config libasound2-dev)   # cgo for the beep speaker (oto/ALSA)
TIMEOUT=${HEADLESS_TIMEOUT:-15}
LAST=/tmp/headless-desktop.last-$(id -u)

log() { echo "headless-desktop: $*" >&2; }
STARTED=()
die() {
  log "error: $*"
  [[ ${#STARTED[@]} -gt 0 ]] && kill_pids "${STARTED[*]}"
  exit 1
}

# wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds
wait_for() {
  local n=$(( $1 * 10 )); shift
  while (( n-- > 0 )); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

deps() {
  local want=("${PKGS_RUN[@]}") missing=() p
  [[ ${HEADLESS_NO_BUILD_DEPS:-0} == 1 ]] || want+=("${PKGS_BUILD[@]}")
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages (${missing[*]}); run '$0 deps' as root"
  log "installing: ${missing[*]}"
  local aptlog; aptlog=$(mktemp /tmp/headless-desktop-apt.XXXXXX)
  local i
  for i in 1 2 3 4 5; do
    # an install can fail on stale package lists (update once) or a held dpkg lock (retry)
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
         >>"$aptlog" 2>&1; then rm -f "$aptlog"; return 0; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$aptlog" 2>&1 || true
    sleep $(( i * 3 ))
  done
  tail -n 20 "$aptlog" >&2
  die "apt-get install failed (log: $aptlog)"
}

# spawn NAME CMD... : start CMD in its own session (so stop can kill its whole process
# group), stdio to DIR/NAME.log; records the pid.
spawn() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$DIR/$name.log" 2>&1 &
  local pid=$!
  STARTED+=("$pid"); echo "${STARTED[*]}" >"$DIR/pids"
  eval "PID_${name//[^a-zA-Z0-9]/_}=$pid"
}

bus_has() { dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
              org.freedesktop.DBus.GetNameOwner "string:$1"; }

start() {
  DIR=${1:-}
  [[ -n $DIR ]] || DIR=$(mktemp -d /tmp/headless-desktop.XXXXXX)
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  [[ ${HEADLESS_NO_DEPS:-0} == 1 ]] || deps
  : >"$DIR/pids"
  local tray=${HEADLESS_TRAY:-xfce4-panel} rate=${HEADLESS_AUDIO_RATE:-44100}
  local notify=${HEADLESS_NOTIFY:-dunst}
  case $tray in xfce4-panel|trayer|none) ;; *) die "HEADLESS_TRAY must be xfce4-panel, trayer or none";; esac
  case $notify in dunst|xfce4-notifyd) ;; *) die "HEADLESS_NOTIFY must be dunst or xfce4-notifyd";; esac
  mkdir -p -m 700 "$DIR/runtime"
  export XDG_RUNTIME_DIR=$DIR/runtime NO_AT_BRIDGE=1
  unset DBUS_SESSION_BUS_ADDRESS SESSION_MANAGER

  # 1. Xvfb picks a free display itself and writes its number when it accepts connections
  rm -f "$DIR/display"
  spawn xvfb bash -c 'exec Xvfb -displayfd 3 -screen 0 "$1" -nolisten tcp -noreset 3>"$2"' \
        _ "${HEADLESS_SCREEN:-1024x768x24}" "$DIR/display"
  wait_for "$TIMEOUT" test -s "$DIR/display" || die "Xvfb did not start (see $DIR/xvfb.log)"
  export DISPLAY=:$(head -n1 "$DIR/display")
  wait_for "$TIMEOUT" xdpyinfo || die "X display $DISPLAY not answering"

  # 2. private session bus; own config: no service activation, so nothing starts behind our back
  cat >"$DIR/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  rm -f "$DIR/bus"
  # --fork: the daemon is its own session leader; it prints the address once it listens
  dbus-daemon --config-file="$DIR/dbus.conf" --fork --nosyslog --print-address=3 --print-pid=4 \
    3>"$DIR/dbus.addr" 4>"$DIR/dbus.pid" </dev/null >>"$DIR/dbus.log" 2>&1 \
    || die "dbus-daemon failed (see $DIR/dbus.log)"
  STARTED+=("$(head -n1 "$DIR/dbus.pid")"); echo "${STARTED[*]}" >"$DIR/pids"
  export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$DIR/dbus.addr")
  wait_for "$TIMEOUT" bus_has org.freedesktop.DBus || die "session bus not answering"

  # 3. ALSA: default -> plug (fixed S16_LE/rate/stereo) -> file plugin -> FIFO -> pacer -> audio.raw
  #    The null slave never blocks; the pacer drains the FIFO at the real byte rate, so a
  #    player blocks as on a sound card instead of spinning at CPU speed.
  rm -f "$DIR/audio.fifo"; mkfifo "$DIR/audio.fifo"; : >"$DIR/audio.raw"
  cat >"$DIR/asound.conf" <<EOF
</usr/share/alsa/alsa.conf>
pcm.!default {
  type plug
  slave { pcm "headless_file"; format S16_LE; rate $rate; channels 2 }
}
pcm.headless_file {
  type file
  slave.pcm { type null }
  file "$DIR/audio.fifo"
  format "raw"
}
EOF
  cat >"$DIR/pacer.pl" <<'EOF'
# pacer.pl FIFO OUT BYTES_PER_SECOND: copy FIFO to OUT no faster than real time
use strict; use warnings; use Time::HiRes qw(time sleep);
my ($fifo, $out, $bps) = @ARGV;
open(my $in, "+<", $fifo) or die "open $fifo: $!";   # read-write: no EOF between players
open(my $o, ">>", $out) or die "open $out: $!";
binmode $in; binmode $o;
fcntl($in, 1031, 8192);                              # F_SETPIPE_SZ: ~46 ms of slack, not 64 KiB
my $chunk = int($bps / 50) & ~3;                     # 20 ms
my $next = time;
while (1) {
  my $n = sysread($in, my $buf, $chunk);
  die "read: $!" unless defined $n;
  next unless $n;
  syswrite($o, $buf, $n);
  my $now = time;
  $next = $now if $now - $next > 0.2;                 # was idle: restart the clock, no burst credit
  $next += $n / $bps;
  sleep($next - $now) if $next > $now;
}
EOF
  spawn pacer perl "$DIR/pacer.pl" "$DIR/audio.fifo" "$DIR/audio.raw" $(( rate * 4 ))
  pacer_ready() { ls -l "/proc/$PID_pacer/fd" 2>/dev/null | grep -q "$DIR/audio.fifo"; }
  wait_for "$TIMEOUT" pacer_ready || die "audio pacer failed (see $DIR/pacer.log)"

  # 4. notification daemon; notifications stay until closed (deterministic screenshots).
  #    xfce4-notifyd and xfce4-panel keep their settings in xfconfd: it is normally D-Bus
  #    activated, there is no activation on this bus, so it is started by hand (once).
  #    Their XDG_CONFIG_HOME/XDG_CACHE_HOME are under DIR (dunst keeps the caller's).
  local channels=$DIR/config/xfce4/xfconf/xfce-perchannel-xml
  xfce_dirs() {
    export XDG_CONFIG_HOME=$DIR/config XDG_CACHE_HOME=$DIR/cache
    mkdir -p "$channels" "$XDG_CACHE_HOME"
  }
  start_xfconfd() {
    [[ -n ${PID_xfconfd:-} ]] && return 0
    local xfconfd; xfconfd=$(ls /usr/lib/*/xfce4/xfconf/xfconfd 2>/dev/null | head -n1)
    [[ -x $xfconfd ]] || die "xfconfd not found (package xfconf)"
    spawn xfconfd "$xfconfd"
    wait_for "$TIMEOUT" bus_has org.xfce.Xfconf || die "xfconfd not on the bus (see $DIR/xfconfd.log)"
  }
  if [[ $notify == xfce4-notifyd ]]; then
    # xfce4-notifyd 0.7 never expires critical notifications and uses /expire-timeout (s; 0 =
    # never) only when the client leaves the timeout to the server (-1): an explicit timeout
    # from the client still wins (there is no override setting before 0.8). Without a window
    # manager nothing sets _NET_WORKAREA, so at the top right it would cover the panel's tray:
    # notify-location 3 is GTK_CORNER_BOTTOM_RIGHT.
    xfce_dirs
    cat >"$channels/xfce4-notifyd.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-notifyd" version="1.0">
  <property name="expire-timeout" type="int" value="0"/>
  <property name="do-fadeout" type="bool" value="false"/>
  <property name="do-slideout" type="bool" value="false"/>
  <property name="initial-opacity" type="double" value="1.000000"/>
  <property name="notify-location" type="uint" value="3"/>
  <property name="do-not-disturb" type="bool" value="false"/>
</channel>
EOF
    start_xfconfd
    local notifyd; notifyd=$(ls /usr/lib/*/xfce4/notifyd/xfce4-notifyd 2>/dev/null | head -n1)
    [[ -x $notifyd ]] || die "xfce4-notifyd not found (package xfce4-notifyd)"
    spawn notifyd "$notifyd"
    wait_for "$TIMEOUT" bus_has org.freedesktop.Notifications \
      || die "xfce4-notifyd did not own org.freedesktop.Notifications (see $DIR/notifyd.log)"
  else
  #    dunst. Pressing an action button: write its label to DIR/action-choice, then `dunstctl
  #    context` (dunst asks its "dmenu" which action of the shown notifications; our dmenu
  #    answers from that file). A left click runs the notification's default action (the one
  #    named "default", or its only action; else dunst asks dmenu) and closes it, as on many
  #    distributions' dunstrc; dunst's own default would only close it.
  cat >"$DIR/dmenu-pick" <<EOF
#!/bin/sh
# stands in for dmenu: dunst lists the actions on stdin; print the one named in action-choice
want=\$(cat "$DIR/action-choice" 2>/dev/null)
grep -F -- "\$want" | head -n 1
EOF
  chmod +x "$DIR/dmenu-pick"
  cat >"$DIR/dunstrc" <<EOF
[global]
    dmenu = $DIR/dmenu-pick
    monitor = 0
    follow = none
    width = 360
    height = 150
    origin = top-right
    offset = 10x44
    font = DejaVu Sans 10
    format = "<b>%s</b>\n%b"
    idle_threshold = 0
    history_length = 100
    mouse_left_click = do_action, close_current
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
EOF
  spawn dunst dunst -config "$DIR/dunstrc"
  wait_for "$TIMEOUT" bus_has org.freedesktop.Notifications \
    || die "dunst did not own org.freedesktop.Notifications (see $DIR/dunst.log)"
  fi

  # 5. tray host
  case $tray in
    xfce4-panel)
      xfce_dirs
      cat >"$channels/xfce4-panel.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="2"/>
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
      <property name="icon-size" type="int" value="24"/>
    </property>
    <property name="plugin-2" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
  </property>
</channel>
EOF
      start_xfconfd   # reads a channel's file when it is first asked for it: after writing is fine
      spawn panel xfce4-panel --disable-wm-check
      wait_for "$TIMEOUT" bus_has org.kde.StatusNotifierWatcher \
        || die "xfce4-panel did not own org.kde.StatusNotifierWatcher (see $DIR/panel.log)"
      ;;
    trayer)
      spawn trayer trayer --edge top --align right --widthtype request --height 32 \
        --iconspacing 4 --SetDockType false --SetPartialStrut false
      wait_for "$TIMEOUT" xdotool search --class '^trayer$' || die "trayer did not start (see $DIR/trayer.log)"
      ;;
  esac

  echo "$DIR" >"$LAST"
  log "started in $DIR: DISPLAY=$DISPLAY tray=$tray notify=$notify pids=${STARTED[*]}"
  cat <<EOF
export DISPLAY=$DISPLAY
export DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
export XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR
export NO_AT_BRIDGE=1
export ALSA_CONFIG_PATH=$DIR/asound.conf
export HEADLESS_AUDIO_FILE=$DIR/audio.raw
export HEADLESS_AUDIO_SOX='-t raw -r $rate -e signed -b 16 -c 2'
export HEADLESS_TRAY=$tray
export HEADLESS_NOTIFY=$notify
export HEADLESS_PIDS='${STARTED[*]}'
export HEADLESS_DIR=$DIR
EOF
}

# kill_pids "PID..." : stop in reverse start order (clients before the bus and the X server):
# TERM the process group (or the process), wait up to 3 s, then KILL
kill_pids() {
  local p n rev=() st
  for p in $1; do rev=("$p" "${rev[@]}"); done
  alive() { [[ -d /proc/$1 ]] && st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ $st != Z && -n $st ]]; }
  for p in "${rev[@]}"; do
    alive "$p" || continue
    if [[ $(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ') == "$p" ]]; then kill -TERM -- "-$p" 2>/dev/null || true
    else kill -TERM "$p" 2>/dev/null || true; fi
    for n in $(seq 30); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then log "SIGKILL $p"; kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; fi
  done
}

stop() {
  local dir=${1:-${HEADLESS_DIR:-}} pids=""
  [[ -z $dir && -f $LAST ]] && dir=$(cat "$LAST")
  [[ -n $dir && -f $dir/pids ]] && pids=$(cat "$dir/pids")
  [[ -z $pids ]] && pids=${HEADLESS_PIDS:-}
  [[ -n $pids ]] || { log "stop: nothing to stop"; return 0; }
  kill_pids "$pids"
  [[ -n $dir ]] && rm -f "$dir/pids" "$dir/bus" "$dir/audio.fifo"
  [[ -f $LAST && $(cat "$LAST") == "$dir" ]] && rm -f "$LAST"
  log "stopped: $pids"
}

shot() {
  [[ -n ${1:-} ]] || { echo "usage: $0 shot FILE.png" >&2; exit 2; }
  xwd -root -silent | /usr/bin/convert xwd:- "png:$1"
}

case ${1:-} in
  deps) deps ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  shot) shift; shot "$@" ;;
  *) echo "usage: $0 start [DIR] | stop [DIR] | deps | shot FILE.png" >&2; exit 2 ;;
esac
