package alarm

import "alarmd/agent/when"

// WakesMachine reports whether the computer is to be woken from suspend for this alarm (DESIGN
// §15): as the alarm says, or by default for clock-time, dated and recurring alarms, and not for
// relative timers (`in 25m`, a quick timer), which are set while someone is at the machine.
func (a *Alarm) WakesMachine() bool {
	if a.Wake != nil {
		return *a.Wake
	}
	return a.Kind != when.Relative || a.Recurring()
}
