package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The org admin's requirements pages: which courses are required of
// which teams and job labels, on what terms, and the coverage settings.
// A form is saved whole or not at all: every problem found is shown at
// once, at the top and next to its field, with a 422 and what was typed.

// requirementForm is the add or change form, as stored or as typed.
type requirementForm struct {
	Module, Team, Label, DueDays, Refresher, Months, FirstDeadline string
	Strict                                                         bool
}

// requirementView is what the requirement form's partial needs.
type requirementView struct {
	Prefix  string // "req" (add) or "edit"
	Action  string
	Button  string
	Form    requirementForm
	Courses []org.CourseChoice
	Teams   []store.Group
	Labels  []store.Group
	Errors  *formErrors
	CSRF    string
}

// requirementFields maps the service's field names to the form's ids
// (after the prefix).
var requirementFields = map[string]string{
	"module": "module", "team": "team", "label": "label", "due_days": "due-days",
	"refresher": "refresher-module", "months": "months", "first_deadline": "first-deadline",
}

// formOf is a stored requirement as the form shows it.
func formOf(r store.Requirement) requirementForm {
	f := requirementForm{Module: r.ModuleID, DueDays: strconv.Itoa(r.DueDays), Refresher: r.Refresher, Strict: r.Strict}
	if r.TeamID != nil {
		f.Team = r.TeamID.String()
	}
	if r.LabelID != nil {
		f.Label = r.LabelID.String()
	}
	if r.RefresherMonths != nil {
		f.Months = strconv.Itoa(*r.RefresherMonths)
	}
	if r.FirstDeadline != nil {
		f.FirstDeadline = r.FirstDeadline.UTC().Format(time.DateOnly)
	}
	return f
}

// readRequirementForm reads the posted form: what was typed, the input
// for the service, and the problems found in reading it (each against its
// field's id).
func readRequirementForm(c *fiber.Ctx, prefix string) (requirementForm, org.RequirementInput, []formError) {
	f := requirementForm{
		Module:        utils.CopyString(strings.TrimSpace(c.FormValue("module"))),
		Team:          utils.CopyString(c.FormValue("team")),
		Label:         utils.CopyString(c.FormValue("label")),
		DueDays:       utils.CopyString(strings.TrimSpace(c.FormValue("due_days"))),
		Refresher:     utils.CopyString(c.FormValue("refresher")),
		Months:        utils.CopyString(strings.TrimSpace(c.FormValue("months"))),
		FirstDeadline: utils.CopyString(strings.TrimSpace(c.FormValue("first_deadline"))),
		Strict:        c.FormValue("strict") != "",
	}
	in := org.RequirementInput{ModuleID: f.Module, Refresher: f.Refresher, Strict: f.Strict}
	var problems []formError
	bad := func(field, msg string) { problems = append(problems, formError{Field: prefix + "-" + field, Msg: msg}) }
	for _, g := range []struct {
		raw, field, noun string
		into             **uuid.UUID
	}{{f.Team, "team", "team", &in.TeamID}, {f.Label, "label", "job label", &in.LabelID}} {
		if g.raw == "" {
			continue
		}
		id, err := uuid.Parse(g.raw)
		if err != nil {
			bad(g.field, "Choose one of your organisation’s "+g.noun+"s.")
			continue
		}
		*g.into = &id
	}
	if f.DueDays == "" {
		in.DueDays = 30
	} else if n, err := strconv.Atoi(f.DueDays); err != nil || n < 1 {
		bad("due-days", org.DueDaysProblem)
	} else {
		in.DueDays = n
	}
	if f.Refresher == store.RefresherMonths {
		n, err := strconv.Atoi(f.Months)
		if err != nil {
			bad("months", org.MonthsProblem)
		}
		in.Months = n
	}
	if f.FirstDeadline != "" {
		d, err := time.Parse(time.DateOnly, f.FirstDeadline)
		if err != nil {
			bad("first-deadline", "Enter the first deadline as a date, for example 2027-03-31.")
		} else {
			in.FirstDeadline = &d
		}
	}
	return f, in, problems
}

// serviceProblems are the service's input errors against the form's ids;
// ok is false when err is not about input.
func serviceProblems(err error, prefix string, fields map[string]string) ([]formError, bool) {
	ins := org.InputErrors(err)
	if len(ins) == 0 {
		return nil, false
	}
	out := make([]formError, 0, len(ins))
	for _, in := range ins {
		id := ""
		if f, ok := fields[in.Field]; ok {
			id = prefix + "-" + f
		}
		out = append(out, formError{Field: id, Msg: in.Msg})
	}
	return out, true
}

// requirementRow is a requirement as the list shows it.
type requirementRow struct {
	store.Requirement
	Course, Who, Refresher, Deadline string
}

// settingsForm is the coverage settings form, as stored or as typed.
type settingsForm struct {
	DueSoonDays, ResponderLabel string
}

// requirementsState is what the requirements page shows again after a
// refused form.
type requirementsState struct {
	Add      *requirementForm
	AddErrs  *formErrors
	Settings *settingsForm
	SetErrs  *formErrors
}

// choices are the courses, teams and labels the forms offer.
func (s *Server) requirementChoices(c *fiber.Ctx) ([]org.CourseChoice, []store.Group, []store.Group, error) {
	courses, err := s.cover.Courses(c.UserContext(), actor(c))
	if err != nil {
		return nil, nil, nil, err
	}
	teams, labels, err := s.orgGroups(c)
	return courses, teams, labels, err
}

func (s *Server) adminRequirements(c *fiber.Ctx) error {
	return s.renderRequirements(c, requirementsState{})
}

func (s *Server) renderRequirements(c *fiber.Ctx, state requirementsState) error {
	ctx, a := c.UserContext(), actor(c)
	courses, teams, labels, err := s.requirementChoices(c)
	if err != nil {
		return err
	}
	reqs, err := s.cover.Requirements(ctx, a)
	if err != nil {
		return err
	}
	o, err := s.org.Organisation(ctx, a)
	if err != nil {
		return err
	}
	rows := describeRequirements(reqs, courses, teams, labels)
	add := requirementForm{DueDays: "30", Refresher: store.RefresherModule}
	if state.Add != nil {
		add = *state.Add
	}
	settings := settingsForm{DueSoonDays: strconv.Itoa(o.DueSoonDays)}
	if o.ResponderLabelID != nil {
		settings.ResponderLabel = o.ResponderLabelID.String()
	}
	if state.Settings != nil {
		settings = *state.Settings
	}
	if state.AddErrs != nil || state.SetErrs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	var all []formError
	for _, e := range []*formErrors{state.AddErrs, state.SetErrs} {
		if e != nil {
			all = append(all, e.List...)
		}
	}
	var errs *formErrors
	if len(all) > 0 {
		errs = newFormErrors(all...)
	}
	return s.render(c, "pages/admin_requirements", fiber.Map{
		"Title":        "Required courses",
		"Nav":          "requirements",
		"Requirements": rows,
		"Errors":       errs,
		"AddForm": requirementView{Prefix: "req", Action: "/admin/requirements", Button: "Require this course", Form: add,
			Courses: courses, Teams: teams, Labels: labels, Errors: state.AddErrs, CSRF: csrfToken(c)},
		"Settings": settings,
		"SetErrs":  state.SetErrs,
		"Labels":   labels,
		"Notice":   c.Query("notice"),
	})
}

// describeRequirements puts requirements in people's words.
func describeRequirements(reqs []store.Requirement, courses []org.CourseChoice, teams, labels []store.Group) []requirementRow {
	title := map[string]org.CourseChoice{}
	for _, co := range courses {
		title[co.ID] = co
	}
	name := map[uuid.UUID]string{}
	for _, g := range append(append([]store.Group{}, teams...), labels...) {
		name[g.ID] = g.Name
	}
	rows := make([]requirementRow, len(reqs))
	for i, r := range reqs {
		row := requirementRow{Requirement: r, Course: r.ModuleID}
		co, served := title[r.ModuleID]
		if served {
			row.Course = co.Title
		}
		switch {
		case r.TeamID != nil && r.LabelID != nil:
			row.Who = "People in " + name[*r.TeamID] + " labelled " + name[*r.LabelID]
		case r.TeamID != nil:
			row.Who = "Everyone in " + name[*r.TeamID]
		default:
			row.Who = "Everyone labelled " + name[*r.LabelID]
		}
		switch r.Refresher {
		case store.RefresherMonths:
			row.Refresher = "Every " + months(*r.RefresherMonths)
		case store.RefresherNever:
			row.Refresher = "Never"
		default:
			if co.RefresherMonths > 0 {
				row.Refresher = "As the course says (every " + months(co.RefresherMonths) + ")"
			} else {
				row.Refresher = "As the course says (never)"
			}
		}
		if r.FirstDeadline != nil {
			row.Deadline = day(r.FirstDeadline.UTC())
		} else {
			row.Deadline = "None"
		}
		rows[i] = row
	}
	return rows
}

func months(n int) string {
	if n == 1 {
		return "month"
	}
	return strconv.Itoa(n) + " months"
}

func (s *Server) adminRequirementAdd(c *fiber.Ctx) error {
	form, in, problems := readRequirementForm(c, "req")
	if len(problems) > 0 {
		return s.renderRequirements(c, requirementsState{Add: &form, AddErrs: newFormErrors(problems...)})
	}
	_, err := s.cover.AddRequirement(c.UserContext(), actor(c), in)
	if ps, ok := serviceProblems(err, "req", requirementFields); ok {
		return s.renderRequirements(c, requirementsState{Add: &form, AddErrs: newFormErrors(ps...)})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/requirements?notice=added", fiber.StatusSeeOther)
}

// requirementOf loads the requirement named by :id: another
// organisation's, or none, is a 404.
func (s *Server) requirementOf(c *fiber.Ctx) (store.Requirement, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return store.Requirement{}, err
	}
	return s.cover.Requirement(c.UserContext(), actor(c), id)
}

func (s *Server) adminRequirement(c *fiber.Ctx) error {
	r, err := s.requirementOf(c)
	if err != nil {
		return err
	}
	return s.renderRequirement(c, r, formOf(r), nil)
}

func (s *Server) renderRequirement(c *fiber.Ctx, r store.Requirement, form requirementForm, errs *formErrors) error {
	courses, teams, labels, err := s.requirementChoices(c)
	if err != nil {
		return err
	}
	row := describeRequirements([]store.Requirement{r}, courses, teams, labels)[0]
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "pages/admin_requirement", fiber.Map{
		"Title":       "Change the requirement for " + row.Course,
		"Nav":         "requirements",
		"Requirement": row,
		"Errors":      errs,
		"EditForm": requirementView{Prefix: "edit", Action: "/admin/requirements/" + r.ID.String(), Button: "Save changes", Form: form,
			Courses: courses, Teams: teams, Labels: labels, Errors: errs, CSRF: csrfToken(c)},
	})
}

func (s *Server) adminRequirementChange(c *fiber.Ctx) error {
	r, err := s.requirementOf(c)
	if err != nil {
		return err
	}
	form, in, problems := readRequirementForm(c, "edit")
	if len(problems) > 0 {
		return s.renderRequirement(c, r, form, newFormErrors(problems...))
	}
	err = s.cover.ChangeRequirement(c.UserContext(), actor(c), r.ID, in)
	if ps, ok := serviceProblems(err, "edit", requirementFields); ok {
		return s.renderRequirement(c, r, form, newFormErrors(ps...))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/requirements?notice=changed", fiber.StatusSeeOther)
}

func (s *Server) adminRequirementRemove(c *fiber.Ctx) error {
	r, err := s.requirementOf(c)
	if err != nil {
		return err
	}
	if err := s.cover.RemoveRequirement(c.UserContext(), actor(c), r.ID); err != nil {
		return err
	}
	return c.Redirect("/admin/requirements?notice=removed", fiber.StatusSeeOther)
}

// adminCoverageSettings saves the due-soon window and the responder label.
func (s *Server) adminCoverageSettings(c *fiber.Ctx) error {
	form := settingsForm{
		DueSoonDays:    utils.CopyString(strings.TrimSpace(c.FormValue("due_soon_days"))),
		ResponderLabel: utils.CopyString(c.FormValue("responder_label")),
	}
	fields := map[string]string{"due_soon_days": "due-soon-days", "responder_label": "responder-label"}
	var in org.Settings
	var problems []formError
	n, err := strconv.Atoi(form.DueSoonDays)
	if err != nil {
		problems = append(problems, formError{Field: "settings-due-soon-days", Msg: "Give the due-soon window as a whole number of days from 1 to 365."})
	}
	in.DueSoonDays = n
	if form.ResponderLabel != "" {
		id, err := uuid.Parse(form.ResponderLabel)
		if err != nil {
			problems = append(problems, formError{Field: "settings-responder-label", Msg: "Choose one of your organisation’s job labels, or none."})
		}
		in.ResponderLabel = &id
	}
	if len(problems) > 0 {
		return s.renderRequirements(c, requirementsState{Settings: &form, SetErrs: newFormErrors(problems...)})
	}
	err = s.cover.SetSettings(c.UserContext(), actor(c), in)
	if ps, ok := serviceProblems(err, "settings", fields); ok {
		return s.renderRequirements(c, requirementsState{Settings: &form, SetErrs: newFormErrors(ps...)})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/requirements?notice=settings", fiber.StatusSeeOther)
}
