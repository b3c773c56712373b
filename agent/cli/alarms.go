package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/when"
)

// whenError turns a parse error into a usage error listing the accepted forms.
func whenError(err error, forms string) error {
	var we *when.Error
	if errors.As(err, &we) && we.Forms != "" {
		forms = we.Forms
	}
	return usagef(forms, "%v", err)
}

func (e *env) addCommand() *cobra.Command {
	var req api.AddRequest
	var asJSON bool
	var wakeOpt *wakeFlags // --wake, --no-wake (DESIGN §15)
	c := &cobra.Command{
		Use:   "add WHEN [LABEL…]",
		Short: "Add an alarm",
		Long:  "Add an alarm that rings at WHEN.\n\n" + when.AcceptedForms,
		Example: `  alarmd add 7:30 Wake up
  alarmd add tomorrow 6:45 "Catch the train"
  alarmd add in 25m Tea
  alarmd add mon 9:00 Standup --repeat weekdays
  alarmd add 7:00 --repeat "rrule:FREQ=WEEKLY;BYDAY=SA" --sound bell --volume 60`,
		Args: minArgs(1, "a time (WHEN); see: alarmd add --help"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, n, err := when.ParseArgs(args, e.now())
			if err != nil {
				return whenError(err, when.AcceptedForms)
			}
			// A blank argument is an (empty) label given on purpose, not part of the time.
			for n > 1 && strings.TrimSpace(args[n-1]) == "" {
				n--
			}
			req.When = strings.Join(args[:n], " ")
			if n < len(args) {
				label := strings.Join(args[n:], " ")
				req.Label = &label
			}
			if err := checkAddOptions(cmd, req); err != nil {
				return err
			}
			if req.Wake, err = wakeOpt.value(cmd); err != nil {
				return err
			}
			req.Sound = soundArg(req.Sound)
			c, _, err := e.client()
			if err != nil {
				return err
			}
			a, err := c.Add(e.ctx, req)
			if err != nil {
				return err
			}
			e.warnIfSilent(c)
			if asJSON {
				return e.printJSON(a)
			}
			fmt.Fprintf(e.stdout, "added %d: %s\n", a.ID, describe(e.now(), a))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&req.Repeat, "repeat", "", "repeat rule: daily, weekdays, weekends, mon,wed,fri or rrule:<RRULE>")
	f.StringVar(&req.Sound, "sound", "", "bundled sound name or an audio file (wav, mp3, ogg, flac)")
	f.StringVar(&req.Snooze, "snooze", "", "snooze time (default 10m)")
	f.StringVar(&req.Ring, "ring", "", "how long it rings unanswered (default 5m)")
	f.StringVar(&req.Late, "late", "", "how late a missed alarm may still ring (default 10m)")
	f.StringVar(&req.Fade, "fade", "", "fade-in time (default 10s)")
	f.IntVar(&req.Volume, "volume", 0, "volume in percent, 1-100 (default 100)")
	f.StringVar(&req.Remind, "remind", "", "quiet reminders that long before each ring, e.g. 10m or 1h,10m")
	f.BoolVar(&asJSON, "json", false, "print the new alarm as JSON")
	wakeOpt = addWakeFlags(c)
	return c
}

// checkAddOptions checks add's --repeat, --volume and duration options before the agent is
// asked, with the same limits (alarm.Limit) and words the agent uses.
func checkAddOptions(cmd *cobra.Command, req api.AddRequest) error {
	if req.Repeat != "" {
		if _, err := when.ParseRepeat(req.Repeat); err != nil {
			return whenError(err, when.AcceptedRepeats)
		}
	}
	if req.Remind != "" || cmd.Flags().Changed("remind") {
		if _, err := alarm.ParseReminders("--remind", req.Remind); err != nil {
			return usagef("", "%v", err) // the message names what is accepted
		}
	}
	if cmd.Flags().Changed("volume") {
		if err := alarm.CheckVolume("--volume", req.Volume); err != nil {
			return usagef("usage: "+cmd.UseLine(), "%v", err)
		}
	}
	for _, o := range []struct {
		limit alarm.Limit
		v     string
	}{{alarm.SnoozeLimit, req.Snooze}, {alarm.RingLimit, req.Ring}, {alarm.LateLimit, req.Late}, {alarm.FadeLimit, req.Fade}} {
		flag := "--" + o.limit.Name
		if o.v == "" && cmd.Flags().Changed(o.limit.Name) {
			return usagef("accepted: durations like 90s, 10m, 1h30m", "%s needs a duration", flag)
		}
		if o.v != "" {
			if _, err := o.limit.Parse(flag, o.v); err != nil {
				return usagef("", "%v", err) // the message names what is accepted
			}
		}
	}
	return nil
}

// soundArg makes a sound given as a file path absolute, since the agent runs in "/".
func soundArg(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune(s, os.PathSeparator) || filepath.Ext(s) != "" {
		if _, err := os.Stat(s); err == nil {
			if abs, err := filepath.Abs(s); err == nil {
				return abs
			}
		}
	}
	return s
}

func (e *env) listCommand() *cobra.Command {
	var asJSON bool
	var sortBy string
	c := &cobra.Command{
		Use:     "list",
		Example: "  alarmd list\n  alarmd list --json | jq '.alarms[] | select(.state == \"on\")'",
		Aliases: []string{"ls"},
		Short:   "List alarms",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := e.client()
			if err != nil {
				return err
			}
			if sortBy != "next" && sortBy != "id" {
				return usagef("accepted: --sort next (the default) or --sort id", "--sort %q is not a sort order", sortBy)
			}
			alarms, err := c.List(e.ctx)
			if err != nil {
				return err
			}
			if sortBy == "next" {
				api.SortByNextRing(alarms)
			}
			if asJSON {
				return e.printJSON(api.AlarmList{Alarms: alarms})
			}
			if len(alarms) == 0 {
				fmt.Fprintln(e.stdout, "no alarms (add one with: alarmd add 7:30 Wake up)")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNEXT\tREPEAT\tLABEL\tSTATE")
			for _, a := range alarms {
				next := "-"
				if !a.Next.IsZero() {
					next = a.Next.Format("Mon 2006-01-02 15:04")
				}
				rep := a.Repeat.String()
				if rep == "" {
					rep = "once"
				}
				state := a.State
				if a.Skip > 0 {
					state += fmt.Sprintf(", skips %d", a.Skip)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.ID, next, rep, a.Title(), state)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().StringVar(&sortBy, "sort", "next", "order: next (next ring first; alarms without one last, by id) or id")
	return c
}

// parseIDs reads alarm ids; anything but positive whole numbers is a usage error.
func parseIDs(cmd *cobra.Command, args []string) ([]int, error) {
	ids := make([]int, 0, len(args))
	for _, a := range args {
		id, err := strconv.Atoi(a)
		if err != nil || id < 1 {
			return nil, usagef("usage: "+cmd.UseLine()+"  (ids as shown by: alarmd list)", "%q is not an alarm id; ids are positive whole numbers", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// idsCommand builds rm, enable and disable.
func (e *env) idsCommand(name string) *cobra.Command {
	short := map[string]string{"rm": "Remove alarms", "enable": "Enable alarms", "disable": "Disable alarms"}[name]
	c := &cobra.Command{
		Use:     name + " ID…",
		Short:   short,
		Example: "  alarmd " + name + " 3\n  alarmd " + name + " 3 4 7",
		Args:    minArgs(1, "at least one alarm id (see: alarmd list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(cmd, args)
			if err != nil {
				return err
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			// Check every id first, so a typo in the third id does not leave the first two done.
			alarms, err := c.List(e.ctx)
			if err != nil {
				return err
			}
			known := map[int]bool{}
			for _, a := range alarms {
				known[a.ID] = true
			}
			for _, id := range ids {
				if !known[id] {
					return fmt.Errorf("no alarm with id %d (see: alarmd list); nothing changed", id)
				}
			}
			for _, id := range ids {
				switch name {
				case "rm":
					err = c.Delete(e.ctx, id)
				default:
					on := name == "enable"
					_, err = c.Edit(e.ctx, id, api.EditRequest{Enabled: &on})
				}
				if err != nil {
					return err
				}
			}
			past := map[string]string{"rm": "removed", "enable": "enabled", "disable": "disabled"}[name]
			fmt.Fprintf(e.stdout, "%s %s\n", past, joinIDs(ids))
			return nil
		},
	}
	if name == "rm" {
		c.Aliases = []string{"remove", "delete"}
	}
	return c
}

func joinIDs(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

func (e *env) snoozeCommand() *cobra.Command {
	var dur string
	c := &cobra.Command{
		Use:     "snooze [ID]",
		Short:   "Snooze the ringing alarm(s)",
		Example: "  alarmd snooze\n  alarmd snooze 3 --for 5m",
		Args:    maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := optionalID(cmd, args)
			if err != nil {
				return err
			}
			var d time.Duration
			if dur != "" {
				d, err = time.ParseDuration(dur)
				if err != nil || d <= 0 {
					return usagef("accepted: durations like 90s, 5m, 1h", "--for %q is not a positive duration", dur)
				}
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			done, err := c.Snooze(e.ctx, id, d) // no id: every ringing alarm, in one request
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "snoozed %s\n", joinIDs(done))
			return nil
		},
	}
	c.Flags().StringVar(&dur, "for", "", "snooze time (default: the alarm's own, 10m unless set)")
	return c
}

func (e *env) dismissCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "dismiss [ID]",
		Aliases: []string{"stop-alarm"},
		Short:   "Stop the ringing alarm(s)",
		Example: "  alarmd dismiss\n  alarmd dismiss 3",
		Args:    maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := optionalID(cmd, args)
			if err != nil {
				return err
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			ids, err := c.Dismiss(e.ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "stopped %s\n", joinIDs(ids))
			return nil
		},
	}
}

func optionalID(cmd *cobra.Command, args []string) (int, error) {
	if len(args) == 0 {
		return 0, nil
	}
	ids, err := parseIDs(cmd, args)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

func (e *env) nextCommand() *cobra.Command {
	var repeat, from string
	var count int
	c := &cobra.Command{
		Use:   "next WHEN",
		Short: "Print the next ring instants of a time expression (needs no agent)",
		Example: `  alarmd next 7:30
  alarmd next 7:30 --repeat weekdays --count 5
  alarmd next 02:30 --repeat daily --from 2026-03-28T12:00:00+01:00 --count 3`,
		Args: minArgs(1, "a time (WHEN)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if count < 1 || count > 10000 {
				return usagef("accepted: 1 to 10000", "--count %d is out of range", count)
			}
			now := e.now().Round(0)
			if from != "" {
				t, err := parseFrom(from, now.Location())
				if err != nil {
					return err
				}
				now = t
			}
			spec, n, err := when.ParseArgs(args, now)
			if err != nil {
				return whenError(err, when.AcceptedForms)
			}
			if n != len(args) {
				return usagef(when.AcceptedForms, "next takes only a time; %q is not part of one", strings.Join(args[n:], " "))
			}
			rule, err := when.ParseRepeat(repeat)
			if err != nil {
				return whenError(err, when.AcceptedRepeats)
			}
			loc := now.Location()
			first := spec.Wall
			if spec.Kind != when.Local {
				if rule.IsZero() {
					fmt.Fprintln(e.stdout, spec.At.In(loc).Format(time.RFC3339))
					return nil
				}
				first = when.WallOf(spec.At.In(loc))
			}
			var after when.Wall
			for i := 0; i < count; i++ {
				w, ok := rule.Next(first, after)
				if !ok {
					break
				}
				fmt.Fprintln(e.stdout, w.In(loc).Format(time.RFC3339))
				after = w
			}
			return nil
		},
	}
	c.Flags().StringVar(&repeat, "repeat", "", "repeat rule (see: alarmd add --help)")
	c.Flags().IntVar(&count, "count", 1, "how many instants to print")
	c.Flags().StringVar(&from, "from", "", "compute from this time instead of now (RFC 3339, or 2006-01-02 15:04 local)")
	return c
}

// parseFrom reads --from: RFC 3339, or a local date and time.
func parseFrom(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("accepted: RFC 3339 (2026-12-01T09:00:00+01:00) or a local 2026-12-01 09:00", "--from %q is not a time", s)
}
