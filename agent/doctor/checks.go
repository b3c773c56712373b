package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/api"
	"alarmd/agent/autostart"
	"alarmd/agent/notifier"
	"alarmd/agent/sessionbus"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	errNoOwner   = "org.freedesktop.DBus.Error.NameHasNoOwner"
	notifierName = "org.freedesktop.Notifications"
)

// sessionBusCheck connects privately to the session bus. The connection (nil on failure) is
// for the tray check; the caller closes it.
func sessionBusCheck(ctx context.Context, lookupEnv func(string) (string, bool), timeout time.Duration) (*dbus.Conn, Result) {
	if !sessionbus.Used {
		return nil, Result{OK, checkBus, "not used on this platform"}
	}
	// The agent's own rules: doctor never autolaunches a bus either, which would start a stray
	// dbus-daemon and report a bus the session does not have.
	bus, err := sessionbus.Resolve(lookupEnv)
	if err != nil {
		return nil, Result{Fail, checkBus, "none: " + err.Error() + "; notifications and the tray icon need one"}
	}
	conn, err := dialBus(ctx, bus.Addr, timeout)
	if err != nil {
		return nil, Result{Fail, checkBus, fmt.Sprintf("cannot connect to %s (from %s): %v", bus.Addr, bus.Source, err)}
	}
	return conn, Result{OK, checkBus, fmt.Sprintf("%s (from %s)", bus.Addr, bus.Source)}
}

// dialBus opens a private, authenticated connection with the handshake bounded by timeout:
// a socket whose peer never answers would otherwise block doctor for good.
func dialBus(ctx context.Context, addr string, timeout time.Duration) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	timer := time.AfterFunc(timeout, func() { _ = conn.Close() })
	err = conn.Auth(nil)
	if err == nil {
		err = conn.Hello()
	}
	if !timer.Stop() {
		err = fmt.Errorf("no answer within %v", timeout)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}

// notificationsCheck asks the notification server for its name, version and capabilities
// through the agent's own notifier code, and says whether it shows the Stop/Snooze buttons.
func notificationsCheck(haveBus bool, newNotifier func() NotificationServer) []Result {
	if sessionbus.Used && !haveBus {
		return []Result{{Fail, checkNotify, "no session bus, so no notification server: alarms will ring without a notification"}}
	}
	n := newNotifier()
	defer n.Close()
	if err := n.Connect(); err != nil {
		if errors.Is(err, notifier.ErrNoServer) {
			return []Result{{Fail, checkNotify, "nobody owns " + notifierName + " on the session bus (no notification daemon): alarms will ring without a notification"}}
		}
		return []Result{{Fail, checkNotify, err.Error()}}
	}
	name, vendor, version, spec, err := n.ServerInfo()
	if err != nil {
		return []Result{{Fail, checkNotify, err.Error()}}
	}
	caps := n.Capabilities()
	server := strings.TrimSpace(name + " " + version)
	if server == "" {
		server = "unnamed server"
	}
	if vendor != "" {
		server += " by " + vendor
	}
	if spec != "" {
		server += " (spec " + spec + ")"
	}
	out := []Result{{OK, checkNotify, fmt.Sprintf("%s; capabilities: %s", server, strings.Join(caps, ", "))}}
	if slices.Contains(caps, "actions") {
		out = append(out, Result{OK, "notification buttons", "the server shows Stop and Snooze buttons (actions)"})
	} else {
		out = append(out, Result{Warn, "notification buttons", "the server has no actions capability: no Stop/Snooze buttons; use the tray menu or alarmd dismiss / alarmd snooze"})
	}
	if slices.Contains(caps, "sound") {
		out = append(out, Result{OK, "notification sound", "the server can play sounds; alarmd plays its own alarm sound regardless"})
	} else {
		out = append(out, Result{OK, "notification sound", "not offered by the server; alarmd plays its own alarm sound"})
	}
	return out
}

// trayCheck looks for a StatusNotifierWatcher and whether a host (a panel that draws the
// icons) registered with it.
func trayCheck(ctx context.Context, conn *dbus.Conn, timeout time.Duration) Result {
	if !sessionbus.Used {
		return Result{OK, checkTray, "the system tray is built in on this platform"}
	}
	if conn == nil {
		return Result{Warn, checkTray, "no session bus, so no tray icon (alarms still ring)"}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var owner string
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, watcherName).Store(&owner)
	var de dbus.Error
	if errors.As(err, &de) && de.Name == errNoOwner {
		return Result{Warn, checkTray, "no " + watcherName + " on the session bus: the tray icon will not show until a tray host starts (alarms still ring); " + trayHostFix(currentDesktop())}
	}
	if err != nil {
		return Result{Warn, checkTray, fmt.Sprintf("cannot ask for %s: %v", watcherName, err)}
	}
	who := owner
	if comm := busPeerName(ctx, conn, owner); comm != "" {
		who += " (" + comm + ")"
	}
	v, err := conn.Object(watcherName, watcherPath).GetProperty(watcherName + ".IsStatusNotifierHostRegistered")
	if err != nil {
		return Result{Warn, checkTray, fmt.Sprintf("%s is owned by %s but does not answer: %v", watcherName, who, err)}
	}
	if registered, _ := v.Value().(bool); !registered {
		return Result{Warn, checkTray, fmt.Sprintf("%s is owned by %s, but no host is registered: nothing draws the icon", watcherName, who)}
	}
	return Result{OK, checkTray, fmt.Sprintf("%s owned by %s, host registered", watcherName, who)}
}

// busPeerName returns the process name of a bus peer, or "" when it cannot be told.
func busPeerName(ctx context.Context, conn *dbus.Conn, name string) string {
	var pid uint32
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		return ""
	}
	return processName(int(pid))
}

// audioProbeTimeout bounds the audio probe. The probe plays the bundled default clip (at most
// 2 s) at volume 0; the player declares the device unavailable within about 4.5 s (open
// timeout plus the wait for consumed samples), so a clip that neither finished nor failed by
// this deadline did reach a device that consumes samples.
const audioProbeTimeout = 6 * time.Second

// audioCheck reports whether sound can be played. Once a running agent has opened the device
// it owns it, so its own report is used instead of opening the device a second time; an agent
// that has not played anything yet ("idle") holds nothing, and the device is probed.
func audioCheck(ctx context.Context, agentPID int, agent *api.Status, probe func(context.Context) error) Result {
	switch {
	case agent != nil && strings.HasPrefix(agent.Audio, "unavailable"):
		return Result{Fail, checkAudio, "the agent reports " + agent.Audio + ": alarms will only show a notification"}
	case agent != nil && !strings.HasPrefix(agent.Audio, "idle"):
		return Result{OK, checkAudio, "the agent reports " + agent.Audio}
	case agentPID > 0 && agent == nil:
		return Result{Warn, checkAudio, "not probed: the agent runs and may hold the device, but did not answer"}
	}
	ctx, cancel := context.WithTimeout(ctx, audioProbeTimeout)
	defer cancel()
	err := probe(ctx)
	switch {
	case err == nil:
		return Result{OK, checkAudio, "the default output device plays (probed with silence)"}
	case errors.Is(err, context.DeadlineExceeded):
		return Result{OK, checkAudio, "the default output device consumes samples (probed with silence)"}
	default:
		return Result{Fail, checkAudio, fmt.Sprintf("no usable output device: %v; alarms will only show a notification", err)}
	}
}

// dialogCheck looks for the program ncruces/zenity runs for `New alarm…`, in its order, and
// for a display to show it on.
func dialogCheck(lookPath func(string) (string, error), lookupEnv func(string) (string, bool)) Result {
	if len(dialogPrograms) == 0 {
		return Result{OK, checkDialog, "native dialogs on this platform"}
	}
	for _, name := range dialogPrograms {
		path, err := lookPath(name)
		if err != nil {
			continue
		}
		x, _ := lookupEnv("DISPLAY")
		w, _ := lookupEnv("WAYLAND_DISPLAY")
		if x == "" && w == "" {
			return Result{Warn, checkDialog, fmt.Sprintf("%s (%s), but neither DISPLAY nor WAYLAND_DISPLAY is set: it has nowhere to show", name, path)}
		}
		return Result{OK, checkDialog, fmt.Sprintf("%s (%s)", name, path)}
	}
	return Result{Warn, checkDialog, fmt.Sprintf("none of %s is installed: the tray's New alarm… cannot ask for a time (install zenity)", strings.Join(dialogPrograms, ", "))}
}

// autostartCheck reports the login entry and whether it starts this binary.
func autostartCheck(ctx context.Context, status func(context.Context) (autostart.Status, error)) []Result {
	st, err := status(ctx)
	if err != nil {
		return []Result{{Fail, checkAutostart, err.Error()}}
	}
	if len(st.Entries) == 0 {
		return []Result{{Warn, checkAutostart, "not enabled: alarmd will not start at login (enable it with: alarmd autostart enable)"}}
	}
	var out []Result
	if len(st.Entries) > 1 {
		out = append(out, Result{Warn, checkAutostart, fmt.Sprintf("%d entries start alarmd at login; alarmd autostart enable keeps one", len(st.Entries))})
	}
	for _, e := range st.Entries {
		detail := fmt.Sprintf("%s entry %s", e.Kind, e.Location)
		level := OK
		switch {
		case e.Target == "":
			level, detail = Fail, detail+": cannot tell which program it starts"
		case e.Current:
			detail += " starts this binary (" + st.Exe + ")"
		case !e.TargetExists:
			level, detail = Fail, detail+fmt.Sprintf(" starts %s, which does not exist (this binary is %s); fix it with: alarmd autostart enable", e.Target, st.Exe)
		default:
			level, detail = Warn, detail+fmt.Sprintf(" starts %s, not this binary (%s); alarmd autostart enable points it here", e.Target, st.Exe)
		}
		for _, n := range e.Notes {
			detail += "; " + n
			if level == OK && (strings.Contains(n, "will not start") || strings.Contains(n, "turned off") ||
				strings.HasSuffix(n, ": disabled") || strings.HasSuffix(n, ": masked")) {
				level = Warn
			}
		}
		out = append(out, Result{level, checkAutostart, detail})
	}
	return out
}
