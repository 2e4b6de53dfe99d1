// Command racehistory runs the history stage by hand, on any objects (the
// mage target `history` calls history.Run the same way on dist/ and the base
// build, with the list RACESYSO_HISTORY names):
//
//	go run ./internal/history/cmd/racehistory -list ci -perp dist -base <base dist> -out dist/history.json
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/racesyso/racesyso/internal/racetest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/history"
)

func main() {
	list := flag.String("list", "ci", `releases: "ci", "full", "all" or a comma list of versions`)
	perp := flag.String("perp", "dist", "directory of the per-P objects (dist/)")
	base := flag.String("base", "", "directory of the base object (a base build's dist/)")
	cacheDir, _ := os.UserCacheDir()
	work := flag.String("work", filepath.Join(os.TempDir(), "racesyso-history"), "scratch directory")
	cache := flag.String("cache", filepath.Join(cacheDir, "racesyso", "history"), "kept between runs (GOCACHEs)")
	modCache := flag.String("modcache", "", "module cache for the toolchains (default: go env GOMODCACHE)")
	leak := flag.Bool("leak", true, "measure BenchmarkSyncLeak's body in the leak releases")
	keep := flag.Bool("keep", false, "keep the GOROOT copies")
	wine := flag.Bool("wine", true, "run the windows race tests under wine64 where the data says so")
	out := flag.String("out", "dist/history.json", "report")
	timeout := flag.Duration("timeout", 3*time.Hour, "overall time limit")
	flag.Parse()

	rs, err := history.Releases()
	if err == nil {
		rs, err = history.Select(rs, *list)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	o := history.Options{
		Releases: rs, PerP: *perp, Base: *base, Work: *work, Cache: *cache, ModCache: *modCache,
		Leak: *leak, KeepGOROOT: *keep, Log: os.Stdout,
	}
	if *wine {
		o.Wine = &racetest.Wine{Prefix: filepath.Join(*cache, "wineprefix")}
	}
	rep, err := history.Run(ctx, o)
	if rep != nil {
		rep.Command = strings.Join(os.Args, " ")
		if werr := rep.WriteJSON(*out); werr != nil {
			fmt.Fprintln(os.Stderr, werr)
		}
		fmt.Println()
		fmt.Print(rep.Table())
		fmt.Println()
		fmt.Print(rep.LeakTable())
		fmt.Printf("\nwrote %s in %.0fs; ok=%v\n", *out, rep.Seconds, rep.OK)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !rep.OK {
		os.Exit(1)
	}
}
