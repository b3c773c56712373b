package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/api"
	"alarmd/agent/client"
)

// watchLine is what `alarmd watch` prints for a status bar. With --json it is waybar's custom
// module shape (return-type json); --format's template sees every field.
type watchLine struct {
	Text    string     `json:"text"`
	Tooltip string     `json:"tooltip"`
	Class   string     `json:"class"` // ringing, snoozed, paused, idle; stopped while no agent runs
	Next    *api.Alarm `json:"-"`
	Ringing []string   `json:"-"` // labels of the alarms ringing now
}

// watchTooltipAlarms is how many coming alarms the tooltip lists.
const watchTooltipAlarms = 5

func (e *env) watchCommand() *cobra.Command {
	var asJSON bool
	var format string
	c := &cobra.Command{
		Use:   "watch",
		Short: "Print a line whenever the next alarm or the ringing changes (for status bars)",
		Long: "Print one line now and one whenever something changes, until interrupted: the next alarm,\n" +
			"or what rings. --json prints waybar's custom-module JSON (text, tooltip, class: ringing,\n" +
			"snoozed, paused, idle); --format takes a Go template over .Text .Tooltip .Class .Next\n" +
			".Ringing. It waits for the agent when none runs and follows it across restarts.",
		Example: "  alarmd watch\n  alarmd watch --json\n  alarmd watch --format '{{.Class}}: {{.Text}}'",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && format != "" {
				return usagef("usage: "+cmd.UseLine(), "--json and --format contradict each other; give one of them")
			}
			var tmpl *template.Template
			if format != "" {
				t, err := template.New("watch").Parse(format)
				if err != nil {
					return usagef("accepted: a Go template such as '{{.Class}}: {{.Text}}'", "--format: %v", err)
				}
				tmpl = t
			}
			c, p, err := e.client()
			if err != nil {
				return err
			}
			print := func(l watchLine) error {
				var b strings.Builder
				switch {
				case asJSON:
					if err := json.NewEncoder(&b).Encode(l); err != nil {
						return err
					}
				case tmpl != nil:
					if err := tmpl.Execute(&b, l); err != nil {
						return fmt.Errorf("--format: %w", err)
					}
				default:
					b.WriteString(l.Text)
				}
				out := strings.TrimRight(b.String(), "\n")
				_, err := fmt.Fprintln(e.stdout, out)
				return err
			}
			e.ctx = whenReaderGone(e.ctx, e.stdout) // the status bar went away: so does the watch
			return e.watch(c, p.SocketFile, print)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print waybar's custom-module JSON")
	c.Flags().StringVar(&format, "format", "", "a Go template for each line")
	return c
}

// watch follows the agent's events, printing a line whenever it would read differently, and
// waits for the agent to come back when it goes away.
func (e *env) watch(c *client.Client, socket string, print func(watchLine) error) error {
	last := ""
	emit := func(l watchLine) error {
		key := l.Class + "\x00" + l.Text + "\x00" + l.Tooltip
		if key == last {
			return nil
		}
		last = key
		return print(l)
	}
	for {
		err := c.Events(e.ctx, func(api.Event) error {
			l, err := currentLine(e.ctx, c, e.now())
			if err != nil {
				return err
			}
			return emit(l)
		})
		if e.ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, client.ErrNotRunning) {
			var ae *client.APIError
			if errors.As(err, &ae) {
				return err
			}
		}
		if err := emit(watchLine{Text: "alarmd is not running", Tooltip: "start it with: alarmd start", Class: "stopped"}); err != nil {
			return err
		}
		alive := func() bool {
			_, err := c.Status(e.ctx)
			c.CloseIdleConnections()
			return err == nil
		}
		if err := waitForAgent(e.ctx, socket, alive); err != nil {
			return nil // interrupted
		}
	}
}

// currentLine reads the agent's state and renders the status-bar line.
func currentLine(ctx context.Context, c *client.Client, now time.Time) (watchLine, error) {
	alarms, err := c.List(ctx)
	if err != nil {
		return watchLine{}, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return watchLine{}, err
	}
	c.CloseIdleConnections()
	return renderLine(alarms, st, now), nil
}

// renderLine is the status-bar line for the alarms and status.
func renderLine(alarms []api.Alarm, st api.Status, now time.Time) watchLine {
	api.SortByNextRing(alarms)
	l := watchLine{Class: "idle", Next: st.Next}
	var snoozed []api.Alarm
	for _, a := range alarms {
		switch a.State {
		case api.StateRinging:
			l.Ringing = append(l.Ringing, a.Title())
		case api.StateSnoozed:
			snoozed = append(snoozed, a)
		}
	}
	var tips []string
	for _, a := range alarms {
		if a.Next.IsZero() || len(tips) == watchTooltipAlarms {
			continue
		}
		tips = append(tips, fmt.Sprintf("%s %s", whenShort(now, a.Next), a.Title()))
	}
	l.Tooltip = strings.Join(tips, "\n")
	switch {
	case len(l.Ringing) > 0:
		l.Class, l.Text = "ringing", "Ringing: "+strings.Join(l.Ringing, ", ")
	case len(snoozed) > 0:
		l.Class, l.Text = "snoozed", fmt.Sprintf("Snoozed: %s until %s", snoozed[0].Title(), snoozed[0].Next.Format("15:04"))
	case st.Paused:
		l.Class, l.Text = "paused", "Alarms paused"
	case st.Next != nil:
		l.Text = whenShort(now, st.Next.Next) + " " + st.Next.Title()
	default:
		l.Text = "No alarms"
	}
	if l.Tooltip == "" {
		l.Tooltip = "No alarm set"
	}
	return l
}

// whenShort is a ring instant as a bar shows it: "07:30" today, "Tue 07:30" within a week, the
// date beyond.
func whenShort(now, t time.Time) string {
	t = t.In(now.Location())
	y, m, d := now.Date()
	ty, tm, td := t.Date()
	switch {
	case y == ty && m == tm && d == td:
		return t.Format("15:04")
	case t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	default:
		return t.Format("Mon 2 Jan 15:04")
	}
}
