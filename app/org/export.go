package org

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Exports (docs/coverage.md, "Exports"): the coverage of each person in
// each required course and every completion as CSV, and every xAPI
// statement as JSON (statements.go). Each export is checked and audited
// when asked for, and then written row by row as the database returns the
// rows (store.Org.StreamDuties and friends): however large, an export
// holds one row at a time.

// Stream writes an export to w. It is returned once the request has been
// checked, so the web layer can answer a refusal with a status before the
// first byte, and then stream the rest.
type Stream func(ctx context.Context, w io.Writer) error

// SafeCSV stops a spreadsheet from running a cell as a formula: a cell
// that starts with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before reading one) gets a leading apostrophe.
func SafeCSV(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// csvTime is a time as the exports write it: RFC 3339 in UTC, or empty.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvStream writes the header and then each row rows gives, through
// SafeCSV, flushing as the underlying writer fills.
func csvStream(w io.Writer, header []string, rows func(write func([]string) error) error) error {
	cw := csv.NewWriter(w)
	write := func(r []string) error {
		for i := range r {
			r[i] = SafeCSV(r[i])
		}
		return cw.Write(r)
	}
	if err := write(header); err != nil {
		return err
	}
	if err := rows(write); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// audited records that a downloaded what.
func (c *Coverage) audited(ctx context.Context, a Actor, what string) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		return Record(ctx, tx, a, ExportDownload, nil, map[string]any{"export": what}, c.now())
	})
}

// DutiesHeader is the header row of the coverage CSV.
var DutiesHeader = []string{"person id", "name", "team", "course id", "course", "status", "due",
	"started", "completed", "expires", "refresher months", "every scenario at least mixed"}

// DutiesCSV is the coverage of every person in every course required of
// them, with status and dates: for an org admin the whole organisation,
// for a team manager their teams. A person in two teams has a row under
// each. Everyone else gets ErrNoCoverage.
func (c *Coverage) DutiesCSV(ctx context.Context, a Actor) (Stream, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return nil, err
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return nil, err
	}
	teams, err := a.Org.GroupNames(ctx, store.Teams)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return nil, err
	}
	what := "coverage CSV"
	if !sc.Admin {
		what = "coverage CSV of managed teams"
	}
	if err := c.audited(ctx, a, what); err != nil {
		return nil, err
	}
	return func(ctx context.Context, w io.Writer) error {
		return csvStream(w, DutiesHeader, func(write func([]string) error) error {
			return a.Org.StreamDuties(ctx, q, func(d store.Duty) error {
				return write(DutyRow(d, names, course(cat, d.ModuleID)))
			})
		})
	}, nil
}

// DutyRow is a duty as the coverage CSV has it (before SafeCSV), with
// team names by id and the course's title.
func DutyRow(d store.Duty, teams map[uuid.UUID]string, title string) []string {
	team, months, strict := "", "never", "no"
	if d.TeamID != nil {
		team = teams[*d.TeamID]
	}
	if d.Months != nil {
		months = strconv.Itoa(*d.Months)
	}
	if d.Strict {
		strict = "yes"
	}
	return []string{d.PersonID.String(), d.Name, team, d.ModuleID, title, StatusWords[d.Status], csvTime(&d.DueAt),
		csvTime(d.StartedAt), csvTime(d.DoneAt), csvTime(d.ExpiresAt), months, strict}
}

// CompletionsHeader is the header row of the completions CSV.
var CompletionsHeader = []string{"completion id", "person id", "name", "active", "course id", "course",
	"course version", "course attempt id", "completed", "expires"}

// CompletionsCSV is every completion in the organisation, oldest first,
// for org admins; everyone else gets ErrNoCoverage.
func (c *Coverage) CompletionsCSV(ctx context.Context, a Actor) (Stream, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	if err := c.audited(ctx, a, "completions CSV"); err != nil {
		return nil, err
	}
	return func(ctx context.Context, w io.Writer) error {
		return csvStream(w, CompletionsHeader, func(write func([]string) error) error {
			return a.Org.StreamCompletions(ctx, func(r store.CompletionRow) error {
				return write(CompletionRow(r))
			})
		})
	}, nil
}

// CompletionRow is a completion as the completions CSV has it (before
// SafeCSV).
func CompletionRow(r store.CompletionRow) []string {
	active := "yes"
	if !r.PersonActive {
		active = "no"
	}
	return []string{r.ID.String(), r.PersonID.String(), r.PersonName, active, r.ModuleID, r.ModuleTitle,
		r.ModuleVersion, r.CourseAttemptID.String(), csvTime(&r.CompletedAt), csvTime(r.ExpiresAt)}
}
