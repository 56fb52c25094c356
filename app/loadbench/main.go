// Command loadbench measures Upstand from outside, as learners meet it: the
// real upstand binary on a private PostgreSQL cluster, an organisation of
// learners signed in through the real passkey ceremonies (software
// passkeys), and every figure driven over loopback by vegeta with the same
// duration and number of connections, beside references measured in the
// same run (/healthz, a static asset, a bare Fiber page of the lesson's
// size, pgbench's one-upsert transaction on the same cluster). It prints a
// table and writes bench/results.json. docs/benchmarks.md explains the
// figures and keeps the results.
//
//	go tool task bench:load                  # 10 s a figure, 32 connections
//	go run ./app/loadbench -smoke            # a second a figure, no targets
//	go run ./app/loadbench -profile bench/   # plus pprof and pg_stat_statements
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	o := defaults()
	smoke := flag.Bool("smoke", false, "a short run that checks every figure works (1 s a figure, 4 connections, few learners)")
	flag.StringVar(&o.Binary, "binary", "", "the upstand binary to measure (empty: go build ./app into a temporary folder)")
	flag.DurationVar(&o.Duration, "duration", o.Duration, "how long each figure is measured")
	flag.DurationVar(&o.Warmup, "warmup", o.Warmup, "load on each path before any figure is measured")
	flag.IntVar(&o.Connections, "connections", o.Connections, "concurrent connections (and workers) for every figure")
	flag.IntVar(&o.Learners, "learners", o.Learners, "signed-in learners the load is spread over")
	flag.IntVar(&o.Sessions, "sessions", o.Sessions, "signed-in sessions when the resident size is read")
	flag.StringVar(&o.Out, "out", o.Out, "where to write the results as JSON (empty: nowhere)")
	flag.IntVar(&o.CoverageLearners, "coverage-learners", o.CoverageLearners, "learners of the organisation the coverage pages are measured on (0: no coverage figures)")
	flag.IntVar(&o.CoverageTeams, "coverage-teams", o.CoverageTeams, "teams of that organisation")
	flag.StringVar(&o.Profile, "profile", "", "folder for CPU and allocation profiles of the server during the lesson and the scenario choice, and the top statements of pg_stat_statements")
	flag.Parse()
	if *smoke {
		s := smokeDefaults()
		s.Binary, s.Out, s.Profile = o.Binary, o.Out, o.Profile
		o = s
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Binary == "" {
		dir, err := os.MkdirTemp("", "upstand-loadbench-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(dir)
		if o.Binary, err = build(ctx, dir); err != nil {
			fail(err)
		}
	}
	res, err := Run(ctx, o, os.Stderr)
	if err != nil {
		fail(err)
	}
	res.Print(os.Stdout)
	if o.Out != "" {
		if err := os.MkdirAll(filepath.Dir(o.Out), 0o755); err != nil {
			fail(err)
		}
		if err := res.Write(o.Out); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "loadbench: wrote", o.Out)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

// Options say what to measure and for how long.
type Options struct {
	Binary      string        // the upstand binary
	Repo        string        // the repository (content is read from it); empty: found from the working directory
	Duration    time.Duration // per figure
	Warmup      time.Duration // per path, before any figure
	Settle      time.Duration // after each figure that touches PostgreSQL, before its statistics are read
	Connections int
	Learners    int
	Sessions    int
	ColdStarts  int // cold starts timed; the median is reported
	Out         string
	Profile     string
	Log         bool // progress on the log writer
	// CoverageLearners and CoverageTeams size the organisation the
	// coverage pages are measured on (no learners: not measured).
	CoverageLearners, CoverageTeams int
}

func defaults() Options {
	return Options{Duration: 10 * time.Second, Warmup: 2 * time.Second, Settle: statsSettle,
		Connections: 32, Learners: 64, Sessions: 1000, ColdStarts: 5, Out: "bench/results.json", Log: true,
		CoverageLearners: 50000, CoverageTeams: 500}
}

// smokeDefaults is a run short enough for every test run: it proves each
// figure still produces a number, nothing about speed.
func smokeDefaults() Options {
	return Options{Duration: time.Second, Warmup: 200 * time.Millisecond, Settle: 0,
		Connections: 4, Learners: 6, Sessions: 12, ColdStarts: 1, Log: true,
		CoverageLearners: 300, CoverageTeams: 8}
}

// statsSettle is how long after a figure its PostgreSQL statistics are
// complete: a backend that has just been busy reports its counts when it
// has been idle for PostgreSQL's idle interval (10 s, PGSTAT_IDLE_INTERVAL),
// so transactions per request are read after that.
const statsSettle = 11 * time.Second
