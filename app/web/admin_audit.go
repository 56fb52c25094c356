package web

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// auditLimit is how many entries the audit page shows at once.
const auditLimit = 200

// auditActions names the actions the identity service records, in the
// order the filter offers them. An action missing here still shows, under
// its code.
var auditActions = []struct{ Code, Label string }{
	{"signin", "Signed in"},
	{"signin.failed", "Sign-in refused"},
	{"signout", "Signed out"},
	{"signout.everywhere", "Signed out everywhere"},
	{"enrol", "Set up a passkey from a link"},
	{"passkey.add", "Added a passkey"},
	{"passkey.rename", "Renamed a passkey"},
	{"passkey.remove", "Removed a passkey"},
	{"invite.create", "Invited someone"},
	{"invite.reenrol", "Issued a new enrolment link"},
	{"invite.revoke", "Withdrew an enrolment link"},
	{"person.create", "Added someone without a link (demo)"},
	{"demo.link", "Issued a demo sign-in link"},
	{"person.details", "Changed name or email"},
	{"person.roles", "Changed roles"},
	{"person.teams", "Changed teams"},
	{"person.labels", "Changed labels"},
	{"person.deactivate", "Deactivated"},
	{"person.reactivate", "Reactivated"},
	{"team.create", "Created a team"},
	{"team.rename", "Renamed a team"},
	{"team.delete", "Deleted a team"},
	{"label.create", "Created a label"},
	{"label.rename", "Renamed a label"},
	{"label.delete", "Deleted a label"},
	{"org.create", "Created the organisation"},
	{"support.added", "Added a support resource"},
	{"support.changed", "Changed a support resource"},
	{"support.removed", "Removed a support resource"},
}

func auditLabel(code string) string {
	for _, a := range auditActions {
		if a.Code == code {
			return a.Label
		}
	}
	return code
}

// auditRow is an audit entry as the page shows it.
type auditRow struct {
	store.AuditEntry
	Label  string
	Who    string
	Detail string
}

func auditRows(es []store.AuditEntry) []auditRow {
	rows := make([]auditRow, len(es))
	for i, e := range es {
		who := e.ActorName
		switch {
		case e.ActorID == nil && (e.IP == "operator" || e.IP == "demo"):
			who = "Operator (command line)"
		case e.ActorID == nil:
			who = "Not signed in"
		case who == "":
			who = "Unknown person"
		}
		rows[i] = auditRow{AuditEntry: e, Label: auditLabel(e.Action), Who: who, Detail: auditDetail(e.Action, e.Detail)}
	}
	return rows
}

// roleKeys are the detail keys that hold role codes, by action: the page
// shows those roles in people's words.
var roleKeys = map[string][]string{"invite.create": {"roles"}, "person.roles": {"from", "to"}}

// auditDetail flattens an entry's detail into "key: value; ..." in key
// order. Ids of teams, labels and support resources are left out: their
// names are there.
func auditDetail(action string, d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		if k != "id" && k != "resource" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := d[k]
		if list, ok := v.([]any); ok {
			s := make([]string, len(list))
			for j, x := range list {
				s[j] = fmt.Sprint(x)
				if slices.Contains(roleKeys[action], k) {
					s[j] = store.Role(s[j]).Label()
				}
			}
			v = strings.Join(s, ", ")
		}
		parts[i] = fmt.Sprintf("%s: %v", k, v)
	}
	return strings.Join(parts, "; ")
}

// auditForm is the filter as typed.
type auditForm struct {
	Action, Person, From, To string
}

// adminAudit shows the organisation's audit log, newest first, filtered by
// action, person (as actor or subject) and a range of days (UTC).
func (s *Server) adminAudit(c *fiber.Ctx) error {
	ctx, org := c.UserContext(), me(c).OrgID
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
	people, err := s.st.People(ctx, org)
	if err != nil {
		return err
	}
	var entries []store.AuditEntry
	var errs *formErrors
	if len(problems) > 0 {
		errs = newFormErrors(problems...)
		c.Status(fiber.StatusUnprocessableEntity)
	} else if entries, err = s.st.AuditLog(ctx, org, f); err != nil {
		return err
	}
	return s.render(c, "pages/admin_audit", fiber.Map{
		"Title":   "Audit log",
		"Nav":     "audit",
		"Form":    form,
		"Actions": auditActions,
		"People":  people,
		"Entries": auditRows(entries),
		"Errors":  errs,
		"Limit":   auditLimit,
		"Full":    len(entries) == auditLimit,
	})
}
