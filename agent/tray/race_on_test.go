//go:build race

package tray

// raceEnabled is true when the tests run with -race.
const raceEnabled = true
