package cli

import (
	"fmt"

	"alarmd/agent/api"
	"alarmd/agent/client"
)

// warnIfSilent prints add's one warning line when the agent reports that its sound output is
// muted or below 10 % (DESIGN §16). A status that cannot be read prints nothing: the alarm is
// added either way.
func (e *env) warnIfSilent(c *client.Client) {
	st, err := c.Status(e.ctx)
	if err != nil || st.Output == nil || !st.Output.Silent {
		return
	}
	fmt.Fprintf(e.stderr, "warning: sound output is %s — this alarm will only be shown\n", silentWords(*st.Output))
}

// silentWords is "muted" or "at 4 %".
func silentWords(o api.Output) string {
	if o.Muted {
		return "muted"
	}
	return fmt.Sprintf("at %d %%", o.Volume)
}
