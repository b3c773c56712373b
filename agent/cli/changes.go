package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/api"
	"alarmd/agent/client"
	"alarmd/agent/history"
	"alarmd/agent/when"
)

// editCommand is `alarmd edit ID [WHEN…] [options]` (DESIGN §12): it changes only what is
// given, checked exactly as add checks it.
func (e *env) editCommand() *cobra.Command {
	var opts api.AddRequest // the option flags, shared with add's checks
	var label string
	var once, noRemind bool
	var wakeOpt *wakeFlags
	c := &cobra.Command{
		Use:   "edit ID [WHEN…]",
		Short: "Change an alarm: its time, label, repeat or options",
		Long: "Change what is given of alarm ID and leave the rest. A ringing alarm is stopped first; a new\n" +
			"time or repeat rule plans the next ring from now.\n\n" + when.AcceptedForms,
		Example: `  alarmd edit 3 7:45
  alarmd edit 3 --label "Standup" --repeat weekdays
  alarmd edit 3 --once
  alarmd edit 3 --remind 1h,10m · alarmd edit 3 --no-remind`,
		Args: minArgs(1, "an alarm id (see: alarmd list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(cmd, args[:1])
			if err != nil {
				return err
			}
			req, err := editRequest(cmd, e.now(), args[1:], opts, label, once, noRemind)
			if err != nil && !errors.Is(err, errNothingToChange) {
				return err
			}
			if req.Wake, err = wakeOpt.value(cmd); err != nil {
				return err
			}
			if req.IsZero() {
				return usagef("usage: "+cmd.UseLine()+"  (see: alarmd edit --help)", "nothing to change; give a new time or an option")
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			a, err := c.Edit(e.ctx, ids[0], req)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "changed %d: %s\n", a.ID, describe(e.now(), a))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&label, "label", "", "new label (\"\" removes it)")
	f.StringVar(&opts.Repeat, "repeat", "", "repeat rule: daily, weekdays, weekends, mon,wed,fri or rrule:<RRULE>")
	f.BoolVar(&once, "once", false, "ring once, at the next occurrence, instead of repeating")
	f.StringVar(&opts.Sound, "sound", "", "bundled sound name or an audio file (wav, mp3, ogg, flac)")
	f.StringVar(&opts.Snooze, "snooze", "", "snooze time")
	f.StringVar(&opts.Ring, "ring", "", "how long it rings unanswered")
	f.StringVar(&opts.Late, "late", "", "how late a missed alarm may still ring")
	f.StringVar(&opts.Fade, "fade", "", "fade-in time")
	f.IntVar(&opts.Volume, "volume", 0, "volume in percent, 1-100")
	f.StringVar(&opts.Remind, "remind", "", "quiet reminders that long before each ring, e.g. 10m or 1h,10m")
	f.BoolVar(&noRemind, "no-remind", false, "remove every reminder")
	wakeOpt = addWakeFlags(c)
	return c
}

// errNothingToChange is editRequest's answer when no flag or time was given (the wake flags are
// read apart).
var errNothingToChange = errors.New("nothing to change")

// editRequest turns edit's arguments and the flags that were given into an EditRequest, with
// add's checks and messages.
func editRequest(cmd *cobra.Command, now time.Time, whenArgs []string, opts api.AddRequest, label string, once, noRemind bool) (api.EditRequest, error) {
	var req api.EditRequest
	if len(whenArgs) > 0 {
		_, n, err := when.ParseArgs(whenArgs, now)
		if err != nil {
			return req, whenError(err, when.AcceptedForms)
		}
		if n < len(whenArgs) {
			return req, usagef("usage: "+cmd.UseLine(), "%q is not part of a time; to change the label use --label", strings.Join(whenArgs[n:], " "))
		}
		w := strings.Join(whenArgs, " ")
		req.When = &w
	}
	if err := checkAddOptions(cmd, opts); err != nil {
		return req, err
	}
	flags := cmd.Flags()
	if once && flags.Changed("repeat") {
		return req, usagef("usage: "+cmd.UseLine(), "--once and --repeat contradict each other; give one of them")
	}
	if noRemind && flags.Changed("remind") {
		return req, usagef("usage: "+cmd.UseLine(), "--remind and --no-remind contradict each other; give one of them")
	}
	str := func(name, v string) *string {
		if !flags.Changed(name) {
			return nil
		}
		return &v
	}
	req.Label, req.Repeat, req.Sound = str("label", label), str("repeat", opts.Repeat), str("sound", soundArg(opts.Sound))
	req.Snooze, req.Ring, req.Late, req.Fade = str("snooze", opts.Snooze), str("ring", opts.Ring), str("late", opts.Late), str("fade", opts.Fade)
	req.Remind, req.Once = str("remind", opts.Remind), once
	if noRemind {
		none := ""
		req.Remind = &none
	}
	if flags.Changed("volume") {
		req.Volume = &opts.Volume
	}
	if req.IsZero() {
		return req, errNothingToChange
	}
	return req, nil
}

// describe is an alarm as add and edit print it: "Tue 07:30 Wake up (in 8h12m)".
func describe(now time.Time, a api.Alarm) string {
	if a.Next.IsZero() {
		return fmt.Sprintf("%s (%s, no ring planned)", a.Title(), a.State)
	}
	return fmt.Sprintf("%s %s (%s)", a.Next.Format("Mon 15:04"), a.Title(), until(now, a.Next))
}

func (e *env) skipCommand() *cobra.Command {
	var count int
	c := e.oneAlarmCommand("skip ID", "Skip the next occurrence(s) of a recurring alarm", "  alarmd skip 3\n  alarmd skip 3 --count 5", "skipping",
		func(cmd *cobra.Command, c *client.Client, id int) (api.Alarm, error) {
			if cmd.Flags().Changed("count") && (count < 1 || count > 1000) {
				return api.Alarm{}, usagef("usage: "+cmd.UseLine(), "--count %d is out of range; accepted: 1 to 1000", count)
			}
			return c.Skip(e.ctx, id, count)
		})
	c.Flags().IntVar(&count, "count", 1, "how many occurrences to skip")
	return c
}

func (e *env) unskipCommand() *cobra.Command {
	return e.oneAlarmCommand("unskip ID", "Take back the skips of an alarm", "  alarmd unskip 3", "unskipped",
		func(_ *cobra.Command, c *client.Client, id int) (api.Alarm, error) { return c.Unskip(e.ctx, id) })
}

// oneAlarmCommand builds a command that does op to one alarm and prints it: "done 3: …".
func (e *env) oneAlarmCommand(use, short, example, done string, op func(*cobra.Command, *client.Client, int) (api.Alarm, error)) *cobra.Command {
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    exactIDs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(cmd, args)
			if err != nil {
				return err
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			a, err := op(cmd, c, ids[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s %d: %s\n", done, a.ID, describe(e.now(), a))
			return nil
		},
	}
}

// exactIDs requires exactly n arguments (ids).
func exactIDs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("usage: "+cmd.UseLine(), "%s needs exactly %d alarm id (see: alarmd list), got %d arguments", cmd.Name(), n, len(args))
		}
		return nil
	}
}

// sinceForms lists what history --since accepts.
const sinceForms = "accepted: a duration back from now (2h, 90m, 7d), today, yesterday, a date (2026-12-01), a date and time (2026-12-01 07:00) or RFC 3339"

// parseSince reads history's --since: how far back, a day, or a point in time.
func parseSince(text string, now time.Time) (time.Time, error) {
	t := strings.TrimSpace(strings.ToLower(text))
	day := func(d time.Time) time.Time {
		y, m, dd := d.Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, d.Location())
	}
	switch t {
	case "today":
		return day(now), nil
	case "yesterday":
		return day(now).AddDate(0, 0, -1), nil
	}
	if strings.HasSuffix(t, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(t, "d")); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(t); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if v, err := time.ParseInLocation(layout, strings.TrimSpace(text), now.Location()); err == nil {
			return v, nil
		}
	}
	return time.Time{}, usagef(sinceForms, "--since %q is not a time to look back to", text)
}

func (e *env) historyCommand() *cobra.Command {
	var since string
	var id int
	var asJSON bool
	c := &cobra.Command{
		Use:     "history",
		Short:   "Show how recent alarms ended",
		Example: "  alarmd history\n  alarmd history --since 7d --id 3\n  alarmd history --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseSince(since, e.now()); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("id") && id < 1 {
				return usagef("usage: "+cmd.UseLine()+"  (ids as shown by: alarmd list)", "--id %d is not an alarm id; ids are positive whole numbers", id)
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			entries, err := c.History(e.ctx, from, id)
			if err != nil {
				return err
			}
			if asJSON {
				if entries == nil {
					entries = []history.Entry{}
				}
				return e.printJSON(api.HistoryList{Entries: entries})
			}
			if len(entries) == 0 {
				fmt.Fprintln(e.stdout, "no history yet")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "DUE\tRANG\tENDED\tHOW\tFROM\tID\tLABEL")
			for _, en := range entries {
				rang := "-"
				if !en.Rang.IsZero() {
					rang = en.Rang.Local().Format("15:04:05")
				}
				label := en.Label
				if label == "" {
					label = "Alarm"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", en.Due.Local().Format("Mon 2006-01-02 15:04"), rang,
					en.Ended.Local().Format("15:04:05"), how(en), en.From, en.ID, label)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&since, "since", "", "only what ended since then: 2h, 7d, today, yesterday, 2026-12-01 …")
	c.Flags().IntVar(&id, "id", 0, "only this alarm's")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// how says how an occurrence ended: "stopped", "snoozed ×2, then stopped".
func how(e history.Entry) string {
	switch {
	case e.Snoozes == 1:
		return "snoozed, then " + e.End
	case e.Snoozes > 1:
		return fmt.Sprintf("snoozed ×%d, then %s", e.Snoozes, e.End)
	}
	return e.End
}
