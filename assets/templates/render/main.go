// Command render fills one of alarmd's embedded templates and prints the result; `make install`
// uses it to write the launcher .desktop and the systemd unit for the installed binary's path.
//
//	go run ./assets/templates/render TEMPLATE EXE
//
// TEMPLATE is one of the names templates.Names lists (e.g. launcher.desktop.tmpl), EXE the
// absolute path the binary will have once installed.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"alarmd/assets/templates"
)

func main() {
	if len(os.Args) != 3 || !slices.Contains(templates.Names(), os.Args[1]) {
		fmt.Fprintf(os.Stderr, "usage: render TEMPLATE EXE\ntemplates: %s\n", strings.Join(templates.Names(), ", "))
		os.Exit(2)
	}
	out, err := templates.Render(os.Args[1], templates.Data{Exe: os.Args[2], Label: "local.alarmd"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		os.Exit(1)
	}
}
