package web

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/upstand/upstand/app/content"
)

// recordPage is "My record": the learner's completions with expiry and
// certificates, and every attempt they made.
func (s *Server) recordPage(c *fiber.Ctx) error {
	rec, err := s.learn.Record(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	cat, err := s.learn.Served(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	stepIndex := func(module, stepID string) int { return stepIndexIn(cat, module, stepID) }
	return s.render(c, "pages/record", fiber.Map{"Title": "My record", "Record": rec, "StepIndex": stepIndex})
}

// stepIndexIn is the position of a step id in a served module, 0 if gone.
func stepIndexIn(cat *content.Catalogue, module, stepID string) int {
	if m, ok := cat.Module(module); ok {
		for _, st := range m.Steps {
			if st.ID == stepID {
				return st.Index
			}
		}
	}
	return 0
}

// recordCSV downloads the learner's record as CSV: one row per completion,
// course attempt, scenario attempt and quiz attempt.
func (s *Server) recordCSV(c *fiber.Ctx) error {
	rec, err := s.learn.Record(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	rows := [][]string{{"record", "course or scenario", "content version", "started", "completed", "expires", "result", "certificate code"}}
	for _, cm := range rec.Completions {
		code := ""
		if cm.CertificateCode != nil {
			code = *cm.CertificateCode
		}
		rows = append(rows, []string{"completion", cm.Title, cm.ModuleVersion, "", ts(&cm.CompletedAt), ts(cm.ExpiresAt), string(cm.Status), code})
	}
	for _, a := range rec.Attempts {
		result := "in progress"
		if a.Completed() {
			result = "complete"
		}
		rows = append(rows, []string{"course attempt", a.Title, a.ModuleVersion, ts(&a.StartedAt), ts(a.CompletedAt), "", result, ""})
	}
	for _, sa := range rec.Scenarios {
		result := "in progress"
		if sa.Outcome != nil {
			result = *sa.Outcome
		}
		rows = append(rows, []string{"scenario attempt", sa.Title, sa.ScenarioVersion, ts(&sa.StartedAt), ts(sa.FinishedAt), "", result, ""})
	}
	for _, q := range rec.Quizzes {
		result := fmt.Sprintf("%d of %d, not passed", q.Correct, q.Total)
		if q.Passed {
			result = fmt.Sprintf("%d of %d, passed", q.Correct, q.Total)
		}
		rows = append(rows, []string{"quiz attempt", q.Title, "", ts(&q.At), "", "", result, ""})
	}
	for _, r := range rows {
		for i := range r {
			r[i] = csvSafe(r[i])
		}
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="upstand-record-`+s.now().Format("2006-01-02")+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(b.String())
}

// csvSafe stops a spreadsheet from running a cell as a formula: a cell
// starting with = + - @ (or a tab or carriage return) gets a leading '.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}
