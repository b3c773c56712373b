#!/usr/bin/env bash
# bench-peers.sh — measure the alarm clocks a Debian user would pick instead of alarmd (kalarm,
# alarm-clock-applet) the way the alarmd bench measures alarmd, in the same run and in the same
# kind of private headless session (scripts/headless-session.sh with a real tray host,
# xfce4-panel), and print the rows for docs/PERFORMANCE.md.
#
#   scripts/bench-peers.sh            # installs the peers with apt when missing (root), ~15 min
#   IDLE_SECONDS=30 FIRES=1 scripts/bench-peers.sh   # a quicker look
#   BENCH_PEERS_DOC=docs/PERFORMANCE.md scripts/bench-peers.sh   # also write the rows there
#
# Figures, per program, summed over every process started with the program's own HOME (so
# helpers it spawns are counted too, even when they detach):
#   idle     IDLE_SECONDS (120) after a 10 s settle, with 10 alarms where the program can be given
#            alarms from the command line: context switches (voluntary + nonvoluntary over
#            /proc/PID/task/*/status) per second, CPU ms per minute (/proc/PID/task/*/schedstat,
#            first field, ns), VmRSS (sum over the processes) in MB;
#   firing   due -> Notify seen on the session bus, by dbus-monitor's own receive timestamp
#            (time=...), for FIRES (3) alarms set on whole minutes (kalarm's CLI takes hh:mm),
#            where the program can be told to notify through org.freedesktop.Notifications.
# A program that cannot be installed or driven headless gets a row saying why.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
IDLE_SECONDS=${IDLE_SECONDS:-120}
FIRES=${FIRES:-3}
SETTLE=${SETTLE:-10}
WORK=$(mktemp -d /tmp/bench-peers.XXXXXX)
ROWS=$WORK/rows.md
: >"$ROWS"

log() { echo "bench-peers: $*" >&2; }

cleanup() {
  [[ -n ${SESSION_DIR:-} ]] && bash "$HERE/headless-session.sh" stop "$SESSION_DIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# install PKG: apt-get install when missing; returns 1 with a reason on stdout when it cannot.
install_pkg() {
  local p=$1
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then return 0; fi
  if [[ $(id -u) -ne 0 ]]; then echo "not installed and not root"; return 1; fi
  local cand
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z $cand || $cand == "(none)" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  fi
  if [[ -z $cand || $cand == "(none)" ]]; then echo "no Debian package $p"; return 1; fi
  log "installing $p $cand (large: pulls in its desktop libraries)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >"$WORK/apt-$p.log" 2>&1; then
    echo "apt-get install $p failed: $(tail -n1 "$WORK/apt-$p.log")"; return 1
  fi
}

# peer_pids HOME: every live process started with HOME=$1 in its environment. Each program runs
# with a HOME of its own, so this finds the helpers it spawns even in other sessions (kalarm starts
# akonadi_control, akonadiserver and mysqld, which detach with setsid) and nothing of the session.
peer_pids() {
  local e pid
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}; pid=${pid%/environ}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "HOME=$1"; then
      [[ $(awk '{ s=$0; sub(/^.*\) /, "", s); print substr(s, 1, 1) }' "/proc/$pid/stat" 2>/dev/null) == [^Z] ]] && echo "$pid"
    fi
  done
}

# sample HOME: "csw cpu_ns rss_kb nprocs" summed over the program's processes and their threads.
sample() {
  local csw=0 cpu=0 rss=0 n=0 pid t v
  for pid in $(peer_pids "$1"); do
    n=$((n + 1))
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null); rss=$((rss + ${v:-0}))
    for t in /proc/$pid/task/*; do
      v=$(awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ {s += $2} END {print s+0}' "$t/status" 2>/dev/null); csw=$((csw + ${v:-0}))
      v=$(awk '{print $1}' "$t/schedstat" 2>/dev/null); cpu=$((cpu + ${v:-0}))
    done
  done
  echo "$csw $cpu $rss $n"
}

# idle HOME: prints "wakeups/s|CPU ms/min|RSS MB|processes" over IDLE_SECONDS.
idle() {
  local a b
  sleep "$SETTLE"
  read -r c1 p1 _ _ < <(sample "$1")
  sleep "$IDLE_SECONDS"
  read -r c2 p2 r2 n2 < <(sample "$1")
  awk -v c="$((c2 - c1))" -v p="$((p2 - p1))" -v r="$r2" -v n="$n2" -v s="$IDLE_SECONDS" \
    'BEGIN { printf "%.3f|%.2f|%.1f|%d\n", c / s, p / 1e6 / s * 60, r / 1024, n }'
}

# start_session: a fresh headless session with a real tray host; exports its variables.
start_session() {
  SESSION_DIR=$WORK/session-$1
  local out
  out=$(HEADLESS_TRAY=xfce4-panel bash "$HERE/headless-session.sh" start "$SESSION_DIR") || return 1
  eval "$out"
  export HOME=$WORK/home-$1 XDG_CONFIG_HOME=$WORK/home-$1/.config XDG_DATA_HOME=$WORK/home-$1/.local/share \
         XDG_STATE_HOME=$WORK/home-$1/.local/state XDG_CACHE_HOME=$WORK/home-$1/.cache
  mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
  chmod 700 "$HOME"
}

stop_session() {
  bash "$HERE/headless-session.sh" stop "$SESSION_DIR" >/dev/null 2>&1
  SESSION_DIR=
}

# firing PREFIX N: reads the dbus-monitor log $WORK/mon.log and the due list $WORK/due.txt
# ("epoch label" lines), prints "p50|max|seen/N" in ms.
firing() {
  python3 - "$WORK/mon.log" "$WORK/due.txt" <<'EOF'
import re, sys
mon, due = sys.argv[1], sys.argv[2]
dues = {}
for line in open(due):
    t, label = line.rstrip("\n").split(" ", 1)
    dues[label] = float(t)
seen = {}
cur = None
for line in open(mon, errors="replace"):
    m = re.match(r"method call time=([0-9.]+) .*member=Notify", line)
    if m:
        cur = float(m.group(1)); continue
    if cur is not None:
        for label in dues:
            if label in line and label not in seen:
                seen[label] = cur
d = sorted((seen[l] - dues[l]) * 1000 for l in seen)
if not d:
    print("-|-|0/%d" % len(dues))
else:
    p50 = d[len(d) // 2]
    print("%.1f|%.1f|%d/%d" % (p50, d[-1], len(d), len(dues)))
EOF
}

row() { echo "| $* |" >>"$ROWS"; }

# --- alarmd, measured by this script the same way ------------------------------------------
bench_alarmd() {
  log "alarmd: building"
  (cd "$ROOT" && go build -o "$WORK/alarmd" ./cmd/alarmd) || { row "alarmd | build failed | | | | |"; return; }
  start_session alarmd || { row "alarmd | headless session failed | | | | |"; return; }
  export XDG_RUNTIME_DIR
  "$WORK/alarmd" start >/dev/null || { row "alarmd | start failed | | | | |"; stop_session; return; }
  local i pid
  for i in $(seq 0 9); do "$WORK/alarmd" add "$(printf '%02d:%02d' $((6 + i)) $((i * 5)))" "idle $i" --repeat daily >/dev/null; done
  pid=$(cat "$XDG_RUNTIME_DIR/alarmd/alarmd.pid")
  log "alarmd: idle ${IDLE_SECONDS}s (pid $pid)"
  local idl; idl=$(idle "$HOME")
  dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" >"$WORK/mon.log" 2>/dev/null &
  local mon=$!
  sleep 1
  : >"$WORK/due.txt"
  local now; now=$(date +%s)
  for i in $(seq 1 "$FIRES"); do
    local at=$((now + 3 + i * 2))
    "$WORK/alarmd" add "$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)" "peerfire$i" >/dev/null
    echo "$at peerfire$i" >>"$WORK/due.txt"
  done
  sleep $((5 + FIRES * 2))
  kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
  local fire; fire=$(firing)
  "$WORK/alarmd" stop >/dev/null
  stop_session
  row "alarmd (this run) | $(sed 's/|/ | /g' <<<"$idl") | $(sed 's/|/ | /g' <<<"$fire") | 10 daily alarms; fired with \`add <RFC3339>\`"
}

# --- kalarm (KDE) ----------------------------------------------------------------------------
bench_kalarm() {
  local why
  if ! why=$(install_pkg kalarm); then row "kalarm | - | - | - | - | - | - | - | $why"; return; fi
  start_session kalarm || { row "kalarm | - | - | - | - | - | - | - | headless session failed"; return; }
  setsid kalarm --tray </dev/null >"$WORK/kalarm.log" 2>&1 &
  local pid=$!
  local n=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
          org.freedesktop.DBus.GetNameOwner string:org.kde.kalarm >/dev/null 2>&1; do
    n=$((n + 1)); sleep 0.5
    if ((n > 60)); then row "kalarm | - | - | - | - | - | - | - | did not own org.kde.kalarm within 30 s: $(tail -n1 "$WORK/kalarm.log")"; stop_session; return; fi
  done
  local i
  for i in $(seq 0 9); do
    timeout 20 kalarm -t "$(date -d tomorrow +%Y-%m-%d)-$(printf '%02d:%02d' $((6 + i)) $((i * 5)))" -N "idle $i" >/dev/null 2>&1
  done
  log "kalarm: idle ${IDLE_SECONDS}s (pid $pid)"
  local idl; idl=$(idle "$HOME")
  dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" >"$WORK/mon.log" 2>/dev/null &
  local mon=$!
  : >"$WORK/due.txt"
  # kalarm's -t has minute resolution: alarms at the next FIRES whole minutes (at least 20 s away).
  local first=$(( ($(date +%s) + 20 + 59) / 60 * 60 ))
  for i in $(seq 0 $((FIRES - 1))); do
    local at=$((first + i * 60))
    timeout 20 kalarm -t "$(date -d "@$at" +%Y-%m-%d-%H:%M)" -N "peerfire$i" >/dev/null 2>&1
    echo "$at peerfire$i" >>"$WORK/due.txt"
  done
  local wait_for=$((first + (FIRES - 1) * 60 + 10 - $(date +%s)))
  log "kalarm: waiting ${wait_for}s for $FIRES alarms on whole minutes"
  sleep "$wait_for"
  kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
  local fire; fire=$(firing)
  local why_not=""
  [[ $fire == *"|0/"* ]] && why_not="; none of the CLI-set alarms fired: this Debian build keeps alarms in Akonadi, which it starts (akonadiserver + mysqld) but with no calendar resource in a fresh headless HOME; \`kalarm --list\` printed nothing"
  stop_session
  row "kalarm $(dpkg-query -W -f='${Version}' kalarm) | $(sed 's/|/ | /g' <<<"$idl") | $(sed 's/|/ | /g' <<<"$fire") | 10 alarms via \`kalarm -t … -N\`; fired with \`-N\` (notification) on whole minutes$why_not"
}

# --- alarm-clock-applet (GTK) ----------------------------------------------------------------
bench_alarm_clock_applet() {
  local why
  if ! why=$(install_pkg alarm-clock-applet); then row "alarm-clock-applet | - | - | - | - | - | - | - | $why"; return; fi
  start_session aca || { row "alarm-clock-applet | - | - | - | - | - | - | - | headless session failed"; return; }
  setsid alarm-clock-applet --hidden </dev/null >"$WORK/aca.log" 2>&1 &
  local pid=$!
  sleep 3
  if ! kill -0 "$pid" 2>/dev/null; then
    row "alarm-clock-applet | - | - | - | - | - | - | - | exited at start: $(tail -n1 "$WORK/aca.log")"; stop_session; return
  fi
  log "alarm-clock-applet: idle ${IDLE_SECONDS}s (pid $pid)"
  local idl; idl=$(idle "$HOME")
  stop_session
  row "alarm-clock-applet $(dpkg-query -W -f='${Version}' alarm-clock-applet) | $(sed 's/|/ | /g' <<<"$idl") | - | - | - | no alarms (it has no command line or D-Bus way to add one; its GUI dialog needs a person); firing not measurable headless"
}

bench_alarmd
bench_kalarm
bench_alarm_clock_applet

{
  echo "Peers, measured by \`make bench-peers\` (scripts/bench-peers.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r), in one run: idle ${IDLE_SECONDS} s after a ${SETTLE} s settle, summed over every process started with the program's own HOME (helpers included); firing = due → Notify seen by dbus-monitor (its receive timestamp)."
  echo
  echo "| program | wakeups/s | CPU ms/min | RSS MB | processes | due→Notify p50 ms | max ms | seen | notes |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cat "$ROWS"
} >"$WORK/table.md"
cat "$WORK/table.md"

# Replace the peers section of the performance document, when asked to.
if [[ -n ${BENCH_PEERS_DOC:-} ]]; then
  doc=$BENCH_PEERS_DOC
  [[ $doc = /* ]] || doc=$ROOT/$doc
  python3 - "$doc" "$WORK/table.md" <<'EOF'
import sys, os
doc, table = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
begin, end = "<!-- peers:begin -->", "<!-- peers:end -->"
text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
block = begin + "\n" + table + "\n" + end
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n## Peers\n\n" + block + "\n"
tmp = doc + ".tmp"
open(tmp, "w").write(text)
os.replace(tmp, doc)
EOF
  log "wrote the peers section of $doc"
fi
