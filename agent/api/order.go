package api

import (
	"cmp"
	"slices"
)

// SortByNextRing orders alarms as `alarmd list` shows them (DESIGN §12): ringing first, then by
// next ring, alarms that will not ring last, ties by id. The CLI and the Alarms window share it.
func SortByNextRing(alarms []Alarm) {
	rank := func(a Alarm) int {
		switch {
		case a.State == StateRinging:
			return 0
		case !a.Next.IsZero():
			return 1
		}
		return 2
	}
	slices.SortStableFunc(alarms, func(a, b Alarm) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if c := a.Next.Compare(b.Next); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
