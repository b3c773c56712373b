// Command gen writes alarmd's icon files (tray states, Windows ICOs, the hicolor application
// icon) into the assets directory. Run it with `go generate ./assets`; the output is
// deterministic.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"alarmd/assets/internal/icongen"
)

func main() {
	out := flag.String("out", ".", "assets directory to write into")
	flag.Parse()
	if err := write(*out); err != nil {
		slog.Error("generate icons", "err", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	files, err := icongen.Files()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		// Source-tree files, committed to git: ordinary modes, plain write (no secrets here).
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
