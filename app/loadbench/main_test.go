package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestSmoke runs the harness's smoke mode (a second a figure, a few
// learners), so the full run cannot rot: every figure must produce a
// number, with no errors. It asserts nothing about speed.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster and the server")
	}
	ctx := context.Background()
	bin, err := build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := smokeDefaults()
	o.Binary, o.Log = bin, testing.Verbose()
	res, err := Run(ctx, o, tlog{t})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{figHealthz, figAsset, figBare, figPgbench, figLesson, figCatalogue, figChoice, figQuiz}, coverageFigureNames...)
	if len(res.Figures) != len(want) {
		t.Fatalf("%d figures, want %d: %+v", len(res.Figures), len(want), res.Figures)
	}
	for i, f := range res.Figures {
		if f.Name != want[i] {
			t.Errorf("figure %d is %q, want %q", i, f.Name, want[i])
		}
		if f.Requests == 0 || f.RPS <= 0 || f.P50 <= 0 || f.P99 < f.P50 {
			t.Errorf("%s: no figures: %+v", f.Name, f)
		}
		if f.Errors != 0 {
			t.Errorf("%s: %d errors of %d requests", f.Name, f.Errors, f.Requests)
		}
		if f.Name != figBare && f.Name != figPgbench && !slices.Contains(coverageFigureNames, f.Name) && (f.RatioTo != figBare || f.Ratio <= 0) {
			t.Errorf("%s: no ratio to the bare page: %+v", f.Name, f)
		}
	}
	if res.CoverageLearners != o.CoverageLearners || res.CoverageSeedS <= 0 {
		t.Errorf("coverage organisation: %d learners seeded in %.1f s, want %d", res.CoverageLearners, res.CoverageSeedS, o.CoverageLearners)
	}
	if res.RSSIdleMB <= 0 || res.RSSSessionsMB <= 0 || res.RSSPeakMB < res.RSSSessionsMB || res.ColdStartMS <= 0 || res.Sessions != o.Sessions {
		t.Errorf("memory and start-up: %+v", res)
	}
	out := filepath.Join(t.TempDir(), "results.json")
	if err := res.Write(out); err != nil {
		t.Fatal(err)
	}
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
