package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/upstand/upstand/app/config"
)

func runMigrate(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upstand migrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: upstand migrate [flags] up|down|status")
		fs.PrintDefaults()
	}
	cfg, rest, ok := parseConfig("migrate", fs, args, env, stderr)
	if !ok {
		return 2
	}
	if len(rest) != 1 || (rest[0] != "up" && rest[0] != "down" && rest[0] != "status") {
		fs.Usage()
		return 2
	}
	log := newLogger(cfg, stderr)
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "upstand migrate:", err)
		return 1
	}
	defer d.Close()
	m, err := migrator(d)
	if err != nil {
		fmt.Fprintln(stderr, "upstand migrate:", err)
		return 1
	}
	switch rest[0] {
	case "up", "down":
		run, none, done := m.Up, "database is up to date", "applied"
		if rest[0] == "down" {
			run, none, done = m.Down, "nothing to roll back", "rolled back"
		}
		names, err := run(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "upstand migrate:", err)
			return 1
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, none)
		}
		for _, n := range names {
			fmt.Fprintln(stdout, done, n)
		}
	case "status":
		applied, pending, err := m.Status(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "upstand migrate:", err)
			return 1
		}
		for _, n := range applied {
			fmt.Fprintln(stdout, "applied ", n)
		}
		for _, n := range pending {
			fmt.Fprintln(stdout, "pending ", n)
		}
		fmt.Fprintf(stdout, "%d applied, %d pending\n", len(applied), len(pending))
	}
	return 0
}
