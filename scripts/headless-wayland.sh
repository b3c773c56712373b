#!/usr/bin/env bash
# headless-wayland.sh - a throw-away Wayland session for alarmd's end-to-end tests (Debian 12,
# root or user): the wayland-mako desktop (DESIGN §17). The X11 twin is headless-session.sh.
#
#   out=$(headless-wayland.sh start [DIR]) || exit 1; eval "$out"
#                                      install what is missing (root), start the session, print
#                                      `unset DISPLAY` and `export VAR=...` lines (nothing else)
#   headless-wayland.sh stop [DIR]     stop everything `start` started
#   headless-wayland.sh deps           only install the Debian packages (root)
#   headless-wayland.sh shot FILE.png ['X,Y WxH']   screenshot (grim) of the screen or a region
#   headless-wayland.sh input CMD...   pointer and keyboard, one command per argument:
#       "move X Y" "click [left|right|middle]" "down BTN" "up BTN" "type TEXT" "key Return"
#       "key ctrl+a" "sleep 0.3"; returns once the compositor has them all (exit 1 on a bad one)
#
# Session: private session dbus-daemon (no service activation) + sway headless (pixman, one
# HEADLESS-1 output, no Xwayland, no key bindings) + DIR/wlinput.py (a virtual pointer and
# keyboard: headless sway has no input devices) + mako (org.freedesktop.Notifications; draws
# no buttons, so actions go through makoctl) + waybar with only its tray module
# (org.kde.StatusNotifierWatcher, dbusmenu popups). No audio (the tests bring PulseAudio).
# sway refuses to run as root: as root it runs as HEADLESS_SWAY_USER and owns DIR/runtime, so
# DIR and its parents must be reachable by that user. Everything else runs as the caller.
#
# Settings (environment):
#   HEADLESS_TRAY=waybar|none   (none leaves org.kde.StatusNotifierWatcher free)
#   HEADLESS_SCREEN=1024x768    HEADLESS_TIMEOUT=15 (s per wait)    HEADLESS_SWAY_USER=nobody
#   HEADLESS_NO_DEPS=1          skip the apt step (packages already present)
# DIR defaults to a new /tmp/headless-wayland.XXXXXX; it is kept after stop (logs, configs).
set -euo pipefail

# systemd: busctl, which makoctl runs; jq: makoctl and the start checks
PKGS=(sway swaybg waybar mako-notifier grim libnotify-bin jq python3 systemd zenity
      fonts-dejavu-core dbus)
TIMEOUT=${HEADLESS_TIMEOUT:-15}
LAST=/tmp/headless-wayland.last-$(id -u)
PY=/usr/bin/python3   # Debian's, with ctypes; not whatever python comes first on PATH

log() { echo "headless-wayland: $*" >&2; }
STARTED=()
die() {
  log "error: $*"
  [[ ${#STARTED[@]} -gt 0 ]] && kill_pids "${STARTED[*]}"
  exit 1
}

alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n $st && $st != Z ]]; }

# wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds
wait_for() {
  local n=$(( $1 * 10 )); shift
  while (( n-- > 0 )); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# wait_pid PID CMD... : wait_for TIMEOUT, but give up as soon as PID has died
wait_pid() {
  local pid=$1 n=$(( TIMEOUT * 10 )); shift
  while (( n-- > 0 )); do "$@" >/dev/null 2>&1 && return 0; alive "$pid" || return 1; sleep 0.1; done
  return 1
}

deps() {
  local missing=() p i aptlog
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages (${missing[*]}); run '$0 deps' as root"
  log "installing: ${missing[*]}"
  aptlog=$(mktemp /tmp/headless-wayland-apt.XXXXXX)
  for i in 1 2 3 4 5; do
    # stale package lists (update once) or another apt holding the dpkg lock (wait and retry)
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         -o DPkg::Lock::Timeout=120 "${missing[@]}" >>"$aptlog" 2>&1; then rm -f "$aptlog"; return 0; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=120 >>"$aptlog" 2>&1 || true
    sleep $(( i * 3 ))
  done
  tail -n 20 "$aptlog" >&2
  die "could not install ${missing[*]} with apt-get (log: $aptlog)"
}

# spawn NAME CMD... : start CMD in its own session (so stop can kill its whole process
# group), stdio to DIR/NAME.log; records the pid in DIR/pids and in PID_NAME.
spawn() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$DIR/$name.log" 2>&1 &
  STARTED+=("$!"); echo "${STARTED[*]}" >"$DIR/pids"
  printf -v "PID_$name" %s "$!"
}

bus_has() { dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
              org.freedesktop.DBus.GetNameOwner "string:$1"; }

# wlinput.py: one process that keeps a zwlr_virtual_pointer_v1 and a zwp_virtual_keyboard_v1
# for the whole session. It speaks the Wayland wire protocol itself (no client library needed)
# and hands the keyboard the real default xkb keymap from libxkbcommon, so GTK sees the keys a
# person's keyboard sends (wtype's per-call keymaps lose keys and never submit a GTK entry).
write_wlinput() {
  cat >"$DIR/wlinput.py" <<'EOF'
# wlinput.py --fifo PATH | CMD... : virtual pointer and keyboard for headless sway.
# Commands: move X Y | click [BTN] | down BTN | up BTN | type TEXT | key NAME[+NAME...]... |
# sleep S; with --fifo, lines are read from PATH for good and "ack FILE" writes "ok" (or the
# errors since the previous ack) to FILE.
import ctypes, os, socket, struct, sys, time

def die(msg):
    sys.stderr.write("wlinput: %s\n" % msg)
    sys.exit(1)

# Keymap: keysym -> (evdev keycode, shift level) from the default rules (us unless XKB_DEFAULT_*).
x = ctypes.CDLL("libxkbcommon.so.0")
vp, u32 = ctypes.c_void_p, ctypes.c_uint32
x.xkb_context_new.restype = vp
x.xkb_keymap_new_from_names.restype, x.xkb_keymap_new_from_names.argtypes = vp, [vp, vp, ctypes.c_int]
x.xkb_keymap_get_as_string.restype, x.xkb_keymap_get_as_string.argtypes = vp, [vp, ctypes.c_int]
x.xkb_keymap_key_get_syms_by_level.argtypes = [vp, u32, u32, u32, ctypes.POINTER(ctypes.POINTER(u32))]
x.xkb_keymap_mod_get_index.argtypes = [vp, ctypes.c_char_p]
x.xkb_keysym_from_name.restype, x.xkb_keysym_from_name.argtypes = u32, [ctypes.c_char_p, ctypes.c_int]
x.xkb_keysym_to_utf32.restype, x.xkb_keysym_to_utf32.argtypes = u32, [u32]
km = x.xkb_keymap_new_from_names(x.xkb_context_new(0), None, 0)
if not km:
    die("libxkbcommon has no default keymap (is xkb-data installed?)")
KEYMAP = ctypes.string_at(x.xkb_keymap_get_as_string(km, 1)) + b"\0"
by_sym = {}
for kc in range(255, 7, -1):            # downwards: the lowest keycode (main block) wins
    for level in (1, 0):                # and the unshifted level
        syms = ctypes.POINTER(u32)()
        for i in range(x.xkb_keymap_key_get_syms_by_level(km, kc, 0, level, ctypes.byref(syms))):
            by_sym[syms[i]] = (kc - 8, level)
by_char = {}
for sym, (code, level) in by_sym.items():
    c = x.xkb_keysym_to_utf32(sym)
    if c and (chr(c) not in by_char or level < by_char[chr(c)][1]):
        by_char[chr(c)] = (code, level)
def keysym(name):
    sym = x.xkb_keysym_from_name(name.encode(), 0) or x.xkb_keysym_from_name(name.encode(), 1)
    if sym not in by_sym:
        raise ValueError("unknown key %r" % name)
    return by_sym[sym]
MODS = {"shift": ("Shift", "Shift_L"), "ctrl": ("Control", "Control_L"), "control": ("Control", "Control_L"),
        "alt": ("Mod1", "Alt_L"), "super": ("Mod4", "Super_L")}

# Wayland wire protocol: header = object id, (size << 16 | opcode); wl_display is object 1.
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(os.path.join(os.environ["XDG_RUNTIME_DIR"], os.environ["WAYLAND_DISPLAY"]))
last_id = [1]
def new_id():
    last_id[0] += 1
    return last_id[0]
def string(s):
    b = s.encode() + b"\0"
    return struct.pack("<I", len(b)) + b + b"\0" * (-len(b) % 4)
def request(obj, op, args=b"", fd=None):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))] if fd is not None else []
    conn.sendmsg([struct.pack("<II", obj, (8 + len(args)) << 16 | op) + args], anc)
pending = b""
def sync(on_event=None):
    """wl_display.sync, handing every event before its done to on_event."""
    global pending
    cb = new_id()
    request(1, 0, struct.pack("<I", cb))
    while True:
        while len(pending) >= 8 and len(pending) >= struct.unpack_from("<I", pending, 4)[0] >> 16:
            obj, word = struct.unpack_from("<II", pending)
            args, pending = pending[8:word >> 16], pending[word >> 16:]
            if obj == 1 and word & 0xffff == 0:           # wl_display.error(object, code, message)
                die("protocol error: %s" % args[12:-1].rstrip(b"\0").decode())
            if obj == cb:
                return
            if on_event:
                on_event(obj, word & 0xffff, args)
        data = conn.recv(65536)
        if not data:
            die("the compositor closed the connection")
        pending += data

registry, names = new_id(), {}
request(1, 1, struct.pack("<I", registry))                # wl_display.get_registry
def on_global(obj, op, args):
    if obj == registry and op == 0:                       # wl_registry.global(name, interface, version)
        n, size = struct.unpack_from("<II", args)
        names.setdefault(args[8:8 + size - 1].decode(), n)
sync(on_global)
def bind(iface):
    if iface not in names:
        die("the compositor does not offer " + iface)
    obj = new_id()
    request(registry, 0, struct.pack("<I", names[iface]) + string(iface) + struct.pack("<II", 1, obj))
    return obj
def create(manager, seat):
    """manager.create_virtual_*(seat, new id); ids must be used in the order they are made."""
    obj = new_id()
    request(manager, 0, struct.pack("<II", seat, obj))
    return obj
seat = bind("wl_seat")
pointer = create(bind("zwlr_virtual_pointer_manager_v1"), seat)
keyboard = create(bind("zwp_virtual_keyboard_manager_v1"), seat)
fd = os.memfd_create("wlinput-keymap")
os.write(fd, KEYMAP)
request(keyboard, 0, struct.pack("<II", 1, len(KEYMAP)), fd)   # keymap(xkb_v1, fd, size)
os.close(fd)
sync()
time.sleep(0.3)                   # clients bind wl_pointer / wl_keyboard on the new capabilities

W, H = map(int, os.environ.get("HEADLESS_SCREEN", "1024x768").split("x"))
BUTTONS = {"left": 0x110, "right": 0x111, "middle": 0x112}    # BTN_LEFT...
t0 = time.monotonic()
def now():
    return int((time.monotonic() - t0) * 1000) & 0xffffffff
def button(name, pressed):
    request(pointer, 2, struct.pack("<III", now(), BUTTONS[name], pressed))
    request(pointer, 4)                                   # frame
    sync()
held_mods = 0
def key(code, pressed):
    request(keyboard, 1, struct.pack("<III", now(), code, pressed))
    sync()
def modifiers(mask):
    global held_mods
    held_mods = mask
    request(keyboard, 2, struct.pack("<IIII", mask, 0, 0, 0))
def tap(code, level, mods=()):
    held = [MODS[m] for m in mods] + ([MODS["shift"]] if level else [])
    for mod, sym in held:
        key(keysym(sym)[0], 1)
        modifiers(held_mods | 1 << x.xkb_keymap_mod_get_index(km, mod.encode()))
    key(code, 1); time.sleep(0.005); key(code, 0); time.sleep(0.005)
    for mod, sym in reversed(held):
        key(keysym(sym)[0], 0)
        modifiers(held_mods & ~(1 << x.xkb_keymap_mod_get_index(km, mod.encode())))

def run(line):
    words = line.split()
    if not words:
        return
    cmd = words[0]
    if cmd == "move":
        px, py = int(words[1]), int(words[2])
        if not (0 <= px < W and 0 <= py < H):
            raise ValueError("outside the %dx%d screen" % (W, H))
        request(pointer, 1, struct.pack("<IIIII", now(), px, py, W, H))   # motion_absolute
        request(pointer, 4)
        sync()
        time.sleep(0.05)
    elif cmd == "click":
        b = words[1] if len(words) > 1 else "left"
        button(b, 1); time.sleep(0.05); button(b, 0)
    elif cmd in ("down", "up"):
        button(words[1], cmd == "down")
    elif cmd == "sleep":
        time.sleep(float(words[1]))
    elif cmd == "type":
        text = line.split(" ", 1)[1] if " " in line else ""
        bad = "".join(c for c in text if c not in by_char)
        if bad:
            raise ValueError("the keymap has no key for %r" % bad)
        for c in text:
            tap(*by_char[c])
    elif cmd == "key":
        for combo in words[1:]:
            *mods, name = combo.split("+")
            mods = [m.lower() for m in mods]
            for m in mods:
                if m not in MODS:
                    raise ValueError("unknown modifier %r" % m)
            tap(*keysym(name), mods)
    else:
        raise ValueError("unknown command")

if sys.argv[1:2] == ["--fifo"]:
    errors = []
    print("ready", flush=True)
    while True:
        with open(sys.argv[2]) as f:          # blocks until a writer comes
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("ack "):
                    with open(line[4:], "w") as a:
                        a.write("".join(errors) or "ok\n")
                    errors = []
                    continue
                try:
                    run(line)
                except (KeyError, IndexError, ValueError) as e:
                    errors.append("%r: %s\n" % (line, e))
                    sys.stderr.write("wlinput: " + errors[-1])
else:
    for line in sys.argv[1:]:
        try:
            run(line)
        except (KeyError, IndexError, ValueError) as e:
            die("%r: %s" % (line, e))
    time.sleep(0.2)
EOF
}

start() {
  DIR=${1:-}
  [[ -n $DIR ]] || DIR=$(mktemp -d /tmp/headless-wayland.XXXXXX)
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  [[ ${HEADLESS_NO_DEPS:-0} == 1 ]] || deps
  : >"$DIR/pids"
  local tray=${HEADLESS_TRAY:-waybar} screen=${HEADLESS_SCREEN:-1024x768}
  case $tray in waybar|none) ;; *) die "HEADLESS_TRAY must be waybar or none";; esac
  case ${HEADLESS_NOTIFY:-mako} in mako) ;; *) die "HEADLESS_NOTIFY: this session has mako only";; esac
  [[ $screen =~ ^([0-9]+)x([0-9]+)$ ]] || die "HEADLESS_SCREEN must be WIDTHxHEIGHT"
  local W=${BASH_REMATCH[1]} H=${BASH_REMATCH[2]} asuser=()

  rm -rf "$DIR/runtime"; mkdir -m 700 "$DIR/runtime"
  if [[ $(id -u) -eq 0 ]]; then
    # sway will not run as root ("Unable to drop root"); clients that stay root still reach
    # its sockets, since root passes file permission checks
    local su=${HEADLESS_SWAY_USER:-nobody}
    id -u "$su" >/dev/null 2>&1 || die "HEADLESS_SWAY_USER $su does not exist"
    chown "$su:$(id -gn "$su")" "$DIR/runtime"
    chmod 755 "$DIR"
    asuser=(setpriv --reuid="$su" --regid="$(id -g "$su")" --clear-groups)
  fi
  # wlroots allocates its buffers with shm_open(); without this sway logs "Failed to allocate buffer"
  "${asuser[@]}" test -w /dev/shm || die "/dev/shm is not writable by ${su:-$(id -un)} (in a chroot: mount --rbind /dev)"
  export XDG_RUNTIME_DIR=$DIR/runtime SWAYSOCK=$DIR/runtime/sway-ipc.sock NO_AT_BRIDGE=1 \
         GDK_BACKEND=wayland XDG_SESSION_TYPE=wayland XDG_CURRENT_DESKTOP=sway HEADLESS_SCREEN=$screen
  unset DBUS_SESSION_BUS_ADDRESS SESSION_MANAGER DISPLAY WAYLAND_DISPLAY WAYLAND_SOCKET

  # 1. private session bus; no service activation, so nothing starts behind our back; any uid
  #    may connect
  cat >"$DIR/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
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

  # 2. sway. No key bindings (no key is swallowed), the focus moves only when told; zenity's
  #    dialogs float centred instead of filling the screen.
  cat >"$DIR/sway.conf" <<EOF
output HEADLESS-1 mode $screen position 0 0 bg #336699 solid_color
xwayland disable
font pango:DejaVu Sans 10
default_border normal 2
default_floating_border normal 2
focus_follows_mouse no
mouse_warping none
for_window [app_id="zenity"] floating enable
EOF
  rm -f "$SWAYSOCK" "$DIR"/runtime/wayland-*
  # headless backend: no DRM, no seat (else wlroots waits 10 s for a session); pixman: no GPU
  spawn sway env WLR_BACKENDS=headless WLR_HEADLESS_OUTPUTS=1 WLR_LIBINPUT_NO_DEVICES=1 \
        WLR_RENDERER=pixman HOME="$DIR/runtime" "${asuser[@]}" sway -c "$DIR/sway.conf"
  wait_pid "$PID_sway" timeout 2 swaymsg -t get_version || die "sway did not start (see $DIR/sway.log)"
  local s; WAYLAND_DISPLAY=
  for s in "$DIR"/runtime/wayland-*; do [[ -S $s ]] && WAYLAND_DISPLAY=${s##*/}; done
  [[ -n $WAYLAND_DISPLAY ]] || die "sway made no Wayland socket in $DIR/runtime (see $DIR/sway.log)"
  export WAYLAND_DISPLAY
  swaymsg -t get_outputs -r | jq -e --argjson w "$W" --argjson h "$H" \
    '[.[] | select(.active and .current_mode.width == $w and .current_mode.height == $h)] | length == 1' \
    >/dev/null || die "sway's output is not $screen (see $DIR/sway.log)"

  # 3. virtual pointer and keyboard, commands through DIR/input.fifo
  write_wlinput
  rm -f "$DIR/input.fifo"; mkfifo "$DIR/input.fifo"
  spawn input "$PY" "$DIR/wlinput.py" --fifo "$DIR/input.fifo"
  seat_ready() { swaymsg -t get_seats -r | jq -e '.[0].capabilities == 3' && grep -qx ready "$DIR/input.log"; }
  wait_pid "$PID_input" seat_ready || die "no virtual pointer and keyboard (see $DIR/input.log)"

  # 4. mako: notifications stay until closed unless the client sets a timeout; the
  #    do-not-disturb mode keeps them (makoctl list) but draws none
  cat >"$DIR/mako.conf" <<'EOF'
font=DejaVu Sans 10
width=360
height=150
margin=10
anchor=top-right
layer=overlay
default-timeout=0
max-history=100
[urgency=high]
border-color=#d04040
[mode=do-not-disturb]
invisible=1
EOF
  mkdir -p "$DIR/config" "$DIR/cache"
  spawn mako env XDG_CONFIG_HOME="$DIR/config" XDG_CACHE_HOME="$DIR/cache" mako -c "$DIR/mako.conf"
  wait_pid "$PID_mako" bus_has org.freedesktop.Notifications \
    || die "mako did not own org.freedesktop.Notifications (see $DIR/mako.log)"

  # 5. tray host: a 32 px bar along the top with the tray module only
  if [[ $tray == waybar ]]; then
    cat >"$DIR/waybar.json" <<'EOF'
{
  "layer": "top", "position": "top", "height": 32,
  "modules-left": [], "modules-center": [], "modules-right": ["tray"],
  "tray": { "icon-size": 24, "spacing": 6 }
}
EOF
    cat >"$DIR/waybar.css" <<'EOF'
* { font-family: "DejaVu Sans"; font-size: 12px; }
window#waybar { background: #202020; color: #ffffff; }
#tray { padding: 0 6px; }
EOF
    spawn waybar env XDG_CONFIG_HOME="$DIR/config" XDG_CACHE_HOME="$DIR/cache" \
          waybar -c "$DIR/waybar.json" -s "$DIR/waybar.css"
    waybar_ready() { bus_has org.kde.StatusNotifierWatcher && grep -q 'Bar configured' "$DIR/waybar.log"; }
    wait_pid "$PID_waybar" waybar_ready || die "waybar did not own org.kde.StatusNotifierWatcher (see $DIR/waybar.log)"
  fi

  echo "$DIR" >"$LAST"
  log "started in $DIR: WAYLAND_DISPLAY=$WAYLAND_DISPLAY tray=$tray pids=${STARTED[*]}"
  cat <<EOF
unset DISPLAY
export WAYLAND_DISPLAY=$WAYLAND_DISPLAY
export XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR
export SWAYSOCK=$SWAYSOCK
export DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
export GDK_BACKEND=wayland
export NO_AT_BRIDGE=1
export XDG_SESSION_TYPE=wayland
export XDG_CURRENT_DESKTOP=sway
export HEADLESS_SCREEN=$screen
export HEADLESS_TRAY=$tray
export HEADLESS_PIDS='${STARTED[*]}'
export HEADLESS_DIR=$DIR
EOF
}

# kill_pids "PID..." : stop in reverse start order (clients before the compositor and the bus):
# TERM the process group (or the process), wait up to 3 s, then KILL
kill_pids() {
  local p n rev=()
  for p in $1; do rev=("$p" "${rev[@]}"); done
  for p in "${rev[@]}"; do
    alive "$p" || continue
    if [[ $(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ') == "$p" ]]; then kill -TERM -- "-$p" 2>/dev/null || true
    else kill -TERM "$p" 2>/dev/null || true; fi
    for n in $(seq 30); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then log "SIGKILL $p"; kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; fi
  done
}

session_dir() {
  local dir=${1:-${HEADLESS_DIR:-}}
  [[ -z $dir && -f $LAST ]] && dir=$(cat "$LAST")
  echo "$dir"
}

stop() {
  local dir pids=""
  dir=$(session_dir "${1:-}")
  [[ -n $dir && -f $dir/pids ]] && pids=$(cat "$dir/pids")
  [[ -z $pids ]] && pids=${HEADLESS_PIDS:-}
  [[ -n $pids ]] || { log "stop: nothing to stop"; return 0; }
  kill_pids "$pids"
  [[ -n $dir ]] && rm -f "$dir/pids" "$dir/bus" "$dir/input.fifo" "$dir"/input.ack.*
  [[ -f $LAST && $(cat "$LAST") == "$dir" ]] && rm -f "$LAST"
  log "stopped: $pids"
}

shot() {
  [[ -n ${1:-} ]] || { echo "usage: $0 shot FILE.png ['X,Y WxH']" >&2; exit 2; }
  [[ -n ${WAYLAND_DISPLAY:-} ]] || { log "shot: WAYLAND_DISPLAY is not set (eval the start output)"; exit 1; }
  if [[ -n ${2:-} ]]; then grim -g "$2" "$1"; else grim "$1"; fi
}

# input CMD... : hand the commands to the session's wlinput.py and wait for its "ok"
input() {
  local dir pid ack
  dir=$(session_dir "")
  [[ -n $dir && -p $dir/input.fifo ]] || { log "input: no session (HEADLESS_DIR unset?)"; exit 1; }
  for pid in $(cat "$dir/pids" 2>/dev/null) none; do
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *wlinput.py* ]] && break
  done
  [[ $pid != none ]] && alive "$pid" || { log "input: wlinput.py is not running (see $dir/input.log)"; exit 1; }
  ack=$dir/input.ack.$$.$RANDOM; rm -f "$ack"
  # one writer at a time: two callers' lines must not interleave in the FIFO
  exec 9>>"$dir/input.lock"; flock -w "$TIMEOUT" 9 || { log "input: $dir/input.lock is held"; exit 1; }
  printf '%s\n' "$@" "ack $ack" | timeout "$TIMEOUT" tee "$dir/input.fifo" >/dev/null \
    || { log "input: could not write to $dir/input.fifo"; exit 1; }
  wait_for 60 test -s "$ack" || { log "input: no answer from wlinput.py"; exit 1; }
  if [[ $(cat "$ack") != ok ]]; then sed 's/^/headless-wayland: input: /' "$ack" >&2; rm -f "$ack"; exit 1; fi
  rm -f "$ack"
}

case ${1:-} in
  deps) deps ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  shot) shift; shot "$@" ;;
  input) shift; input "$@" ;;
  *) echo "usage: $0 start [DIR] | stop [DIR] | deps | shot FILE.png ['X,Y WxH'] | input CMD..." >&2; exit 2 ;;
esac
