package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// auditLimit is how many entries the audit page shows at once.
const auditLimit = 200

// auditChoice is an action in the audit log's filter.
type auditChoice struct{ Code, Label string }

// auditChoices is the audit vocabulary as the filter offers it.
func auditChoices() []auditChoice {
	out := make([]auditChoice, len(org.Actions))
	for i, a := range org.Actions {
		out[i] = auditChoice{Code: string(a), Label: a.Label()}
	}
	return out
}

// auditForm is the filter as typed.
type auditForm struct {
	Action, Person, From, To string
}

// adminAudit shows the organisation's audit log, newest first, filtered by
// action, person (as actor or subject) and a range of days (UTC).
func (s *Server) adminAudit(c *fiber.Ctx) error {
	ctx, a := c.UserContext(), actor(c)
	form := auditForm{
		Action: utils.CopyString(c.Query("action")),
		Person: utils.CopyString(c.Query("person")),
		From:   utils.CopyString(c.Query("from")),
		To:     utils.CopyString(c.Query("to")),
	}
	f := store.AuditFilter{Action: form.Action, Limit: auditLimit}
	var problems []formError
	if form.Person != "" {
		id, err := uuid.Parse(form.Person)
		if err != nil {
			problems = append(problems, formError{Field: "audit-person", Msg: "Choose a person from the list."})
		} else {
			f.PersonID = &id
		}
	}
	day := func(raw, field, what string) time.Time {
		if raw == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			problems = append(problems, formError{Field: field, Msg: "Enter the " + what + " date as a date, for example 2026-03-31."})
		}
		return t
	}
	f.Since = day(form.From, "audit-from", "from")
	if until := day(form.To, "audit-to", "to"); !until.IsZero() {
		f.Until = until.AddDate(0, 0, 1) // the whole of the "to" day
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		problems = append(problems, formError{Field: "audit-to", Msg: "The to date must be on or after the from date."})
	}
	people, err := s.org.People(ctx, a)
	if err != nil {
		return err
	}
	var entries []org.AuditRow
	var errs *formErrors
	if len(problems) > 0 {
		errs = newFormErrors(problems...)
		c.Status(fiber.StatusUnprocessableEntity)
	} else if entries, err = s.org.AuditLog(ctx, a, f); err != nil {
		return err
	}
	return s.render(c, "pages/admin_audit", fiber.Map{
		"Title":   "Audit log",
		"Nav":     "audit",
		"Form":    form,
		"Actions": auditChoices(),
		"People":  people,
		"Entries": entries,
		"Errors":  errs,
		"Limit":   auditLimit,
		"Full":    len(entries) == auditLimit,
	})
}
