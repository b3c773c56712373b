// Package oneline flattens a message, usually an error's, into one line for a place that holds
// only one: a log attribute, a status field, the CLI's `alarmd: …` line, the daemon's readiness
// pipe.
package oneline

import "strings"

// Of returns s with every run of white space, line breaks included, replaced by one space and
// none at either end. Nothing is dropped: the lines after the first of a multi-line error often
// say why. Callers with an error pass err.Error().
func Of(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
