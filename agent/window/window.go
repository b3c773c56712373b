// Package window is the Alarms window and its dialogs (DESIGN §14): a list of every alarm with
// New…, Change… (Edit…, On/Off, Skip next, Delete) and History, and the New alarm form, all shown
// with the zenity program (zenity, qarma or matedialog), which is run directly: the forms, list
// columns and extra buttons it has are not reachable through a Go binding.
//
// Every dialog is a child process of the agent started with the agent's context, so stopping the
// agent closes whatever is open, and nothing the agent does waits for a dialog: the window's
// goroutine holds no lock while a dialog is up, and talks to the service only between dialogs.
// One window (or one New alarm form) is open at a time; asking again while it is open brings the
// one that is open to the front (where a window manager lets it) and opens nothing new.
package window

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// Controller is what the window drives; the agent's service implements it.
type Controller interface {
	Snapshot() api.Snapshot
	Add(req api.AddRequest) (api.Alarm, error)
	Edit(id int, req api.EditRequest, from string) (api.Alarm, error)
	Delete(id int, from string) error
	Skip(id, count int, from string) (api.Alarm, error)
	Unskip(id int, from string) (api.Alarm, error)
	Snooze(id int, d time.Duration, from string) ([]int, error)
	Dismiss(id int, from string) ([]int, error)
	History(q history.Query) ([]history.Entry, error)
}

// Runner runs the dialog program with args until it exits. out is what it printed, without the
// final newline; ok says it ended with OK (exit 0). An extra button's label comes back in out
// with ok false; Cancel, Escape and the window's close button give "" and false. err is for a
// program that could not run or failed.
type Runner func(ctx context.Context, args ...string) (out string, ok bool, err error)

// Options configure the window.
type Options struct {
	Controller Controller
	Log        *slog.Logger
	Now        func() time.Time // nil: time.Now
	// Program is the dialog program; "": the first of zenity, qarma, matedialog on PATH.
	Program string
	// Run runs one dialog (tests script it); nil runs Program.
	Run Runner
	// Sounds lists the sound names offered (bundled, then the user's own); nil offers none but
	// "Other file…".
	Sounds func() []string
	// CheckSound says why a sound (a name or a file) cannot be used; nil accepts any.
	CheckSound func(sound string) error
	// PlaySound plays a sound once and returns when it has played (Hear sounds…); nil hides it.
	PlaySound func(ctx context.Context, sound string) error
	// Notify shows a notification (the confirmation of a new alarm); nil shows none.
	Notify func(title, body string)
}

// Window shows the Alarms window and the New alarm form.
type Window struct {
	o   Options
	ctx context.Context
	log *slog.Logger

	busy  atomic.Bool // a window or form is open
	title atomic.Pointer[string]
	wg    sync.WaitGroup
}

// New returns a Window whose dialogs end when ctx does.
func New(ctx context.Context, o Options) *Window {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Notify == nil {
		o.Notify = func(string, string) {}
	}
	if o.Program == "" {
		o.Program = FindProgram()
	}
	if o.Run == nil {
		o.Run = execRunner(o.Program)
	}
	return &Window{o: o, ctx: ctx, log: o.Log.With("part", "window")}
}

// FindProgram is the first dialog program with forms on PATH, or "".
func FindProgram() string {
	for _, p := range []string{"zenity", "qarma", "matedialog"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// ErrNoProgram is returned when no dialog program is installed.
var ErrNoProgram = errors.New("no dialog program: install zenity (sudo apt install zenity)")

// Available reports whether dialogs can be shown.
func (w *Window) Available() bool { return w.o.Program != "" }

// Open shows the Alarms window, or brings the open one forward. shown is false when a window or
// form was open already.
func (w *Window) Open() (shown bool, err error) { return w.start("Alarms", w.listLoop) }

// NewAlarm shows the New alarm form on its own, or brings the open window forward.
func (w *Window) NewAlarm() (shown bool, err error) {
	return w.start("New alarm", func() { w.newAlarm() })
}

// Wait waits for the open window to close (tests and shutdown).
func (w *Window) Wait() { w.wg.Wait() }

// Busy reports whether a window or form is open.
func (w *Window) Busy() bool { return w.busy.Load() }

func (w *Window) start(what string, run func()) (bool, error) {
	if w.o.Program == "" {
		return false, ErrNoProgram
	}
	if err := w.ctx.Err(); err != nil {
		return false, errors.New("the agent is stopping")
	}
	if !w.busy.CompareAndSwap(false, true) {
		go w.raise() // the request (or the tray's menu) does not wait for xdotool
		return false, nil
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer w.busy.Store(false)
		w.log.Debug("dialog opened", "what", what)
		run()
	}()
	return true, nil
}

// raise brings the open dialog forward: xdotool activates it by its title where a window manager
// runs; without one (or without xdotool) the dialog simply stays where it is.
func (w *Window) raise() {
	t := w.title.Load()
	if t == nil {
		return
	}
	xdotool, err := exec.LookPath("xdotool")
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Second)
	defer cancel()
	// Best effort: windowactivate needs a window manager (_NET_ACTIVE_WINDOW).
	_ = exec.CommandContext(ctx, xdotool, "search", "--onlyvisible", "--name", "^"+regexpQuote(*t)+"$", "windowactivate").Run()
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dialog runs one dialog titled title; args come after --title.
func (w *Window) dialog(title string, args ...string) (string, bool, error) {
	w.title.Store(&title)
	all := append([]string{"--title", title}, args...)
	out, ok, err := w.o.Run(w.ctx, all...)
	if err != nil && w.ctx.Err() == nil {
		w.log.Warn("dialog failed", "title", title, "err", err)
	}
	return out, ok, err
}

// showError shows msg and returns when it is closed.
func (w *Window) showError(title, msg string) {
	_, _, _ = w.dialog(title, "--error", "--no-markup", "--text", msg)
}

// execRunner runs program as a child of the agent with the agent's context.
func execRunner(program string) Runner {
	return func(ctx context.Context, args ...string) (string, bool, error) {
		if program == "" {
			return "", false, ErrNoProgram
		}
		cmd := exec.CommandContext(ctx, program, args...)
		cmd.Env = append(os.Environ(), "NO_AT_BRIDGE=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		outb, err := cmd.Output()
		out := strings.TrimSuffix(string(outb), "\n")
		if err == nil {
			return out, true, nil
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return out, false, nil // Cancel, close, or an extra button (its label in out)
		}
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return "", false, fmt.Errorf("%s: %w: %s", program, err, msg)
	}
}
