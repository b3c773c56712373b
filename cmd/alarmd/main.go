// Command alarmd is a desktop alarm clock that lives in the tray: the agent and the command line
// that controls it. All the work happens in the agent packages; this stays a thin entry point.
package main

import (
	"os"

	"alarmd/agent/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
