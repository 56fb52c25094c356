package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

const demoUsage = `usage:
  upstand demo seed --org NAME --learners N --teams T [--seed S] [--courses C] [--completions K]
      fill the organisation NAME (made if there is none) with N plausible people in T teams,
      job labels, requirements over C courses (default 20: the library's and the
      organisation's own copies of them, published) and a year of history with about
      K completions (default 20 per person); the same seed writes the same data
`

// runDemo is `upstand demo seed`: demo data for trials and benchmarks.
func runDemo(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "seed" {
		fmt.Fprint(stderr, demoUsage)
		return 2
	}
	fs := flag.NewFlagSet("upstand demo seed", flag.ContinueOnError)
	name := fs.String("org", "", "name of the organisation to fill (made if there is none)")
	learners := fs.Int("learners", 0, "how many people to add")
	teams := fs.Int("teams", 0, "how many teams they are in")
	seedN := fs.Int64("seed", 1, "the seed: the same seed writes the same people and history")
	courses := fs.Int("courses", 20, "how many courses are required of someone (the library's first, then the organisation's copies; 0: the whole library)")
	completions := fs.Int("completions", 0, "how many completions to write at most (0: 20 per person)")
	cfg, _, ok := parseConfig("demo seed", fs, args[1:], env, stderr)
	if !ok {
		return 2
	}
	switch {
	case *name == "":
		fmt.Fprintln(stderr, "upstand demo seed: --org NAME is required")
		return 2
	case *learners < 1 || *learners > 1_000_000:
		fmt.Fprintln(stderr, "upstand demo seed: --learners must be from 1 to 1,000,000")
		return 2
	case *teams < 1 || *teams > *learners:
		fmt.Fprintln(stderr, "upstand demo seed: --teams must be from 1 to the number of learners")
		return 2
	case *courses < 0 || *courses > 30:
		fmt.Fprintln(stderr, "upstand demo seed: --courses must be from 0 to 30")
		return 2
	case *completions < 0:
		fmt.Fprintln(stderr, "upstand demo seed: --completions cannot be negative")
		return 2
	}
	log := newLogger(cfg, stderr)
	cat, library, err := loadCatalogue(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "upstand demo seed:", err)
		return 1
	}
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "upstand demo seed:", err)
		return 1
	}
	defer d.Close()
	m, err := migrator(d)
	if err == nil {
		_, err = m.Up(ctx)
	}
	var st *store.Store
	if err == nil {
		st, err = d.Store(ctx)
	}
	if err == nil {
		_, err = recordCatalogue(ctx, st, time.Now(), cat)
	}
	if err != nil {
		fmt.Fprintln(stderr, "upstand demo seed:", err)
		return 1
	}
	cats := catalogue.New(cat, time.Now)
	sv := seed.Services{Store: st, Org: org.New(st, org.Config{BaseURL: cfg.BaseURL}, time.Now),
		Authoring: authoring.New(st, cats, library, time.Now), Cats: cats}
	fmt.Fprintf(stdout, "Seeding %q: %d people in %d teams, seed %d.\n", *name, *learners, *teams, *seedN)
	res, err := seed.Run(ctx, sv, *name, seed.Options{Learners: *learners, Teams: *teams, Seed: *seedN, Courses: *courses,
		Completions: *completions, Report: func(s store.SeedStep) {
			fmt.Fprintf(stdout, "  %-38s %10d rows %8.1f s\n", s.Name, s.Rows, s.Took.Seconds())
		}})
	if res.Org.ID.String() != "00000000-0000-0000-0000-000000000000" {
		verb := "filled"
		if res.Created {
			verb = "created and filled"
		}
		fmt.Fprintf(stdout, "Organisation %q (id %s) %s.\n", res.Org.Name, res.Org.ID, verb)
	}
	if err != nil {
		if f, ok := fault.As(err); ok && f.Kind == fault.Invalid {
			err = errors.New(f.Msg)
		}
		fmt.Fprintln(stderr, "upstand demo seed:", err)
		return 1
	}
	if len(res.Copies) > 0 {
		fmt.Fprintf(stdout, "Required courses: %d (the library's %d and the organisation's own %d, published from the studio).\n",
			len(res.Courses), len(res.Courses)-len(res.Copies), len(res.Copies))
	}
	// Vacuumed and analysed as the owner (the application's role may not):
	// the new rows would otherwise wait for autovacuum.
	start := time.Now()
	if err := store.New(d.DB).Analyze(ctx); err != nil {
		fmt.Fprintln(stderr, "upstand demo seed: vacuum and analyse:", err)
	}
	fmt.Fprintf(stdout, "Seeded in %.1f s (vacuumed and analysed in %.1f s more).\n", res.Took.Seconds(), time.Since(start).Seconds())
	return 0
}
