package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// The organisation admin's pages live under /admin, behind requireSignedIn
// and requireOrgAdmin (routes.go). Every lookup goes through the store with
// the admin's own organisation id, so another organisation's id is a 404
// exactly like an id that does not exist. Forms post back to the page they
// came from; a mistake (a fault.Invalid from the service, naming its
// field) re-renders the page with status 422, the message in a summary and
// next to its field, and what was typed.

// formList returns every value of a repeated form field (checkboxes),
// copied out of the request buffer.
func formList(c *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}

// formError is one problem with a form: Field is the id of the control it
// concerns (empty when it concerns the whole form).
type formError struct {
	Field string
	Msg   string
}

// formErrors is what a template needs to show problems: the list for the
// summary at the top, and a message per field.
type formErrors struct {
	List    []formError
	ByField map[string]string
}

func newFormErrors(es ...formError) *formErrors {
	f := &formErrors{List: es, ByField: map[string]string{}}
	for _, e := range es {
		if e.Field != "" {
			f.ByField[e.Field] = e.Msg
		}
	}
	return f
}

// asInputError reports whether err is a mistake in what the admin typed
// (a fault.Invalid), to show again on the form.
func asInputError(err error) (*fault.Error, bool) {
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.Invalid {
		return nil, false
	}
	return f, true
}

// fieldID is the id of the form control a service's field name is about:
// the form's prefix ("invite-", "person-") and the field ("name", "email",
// "org-admin"). The summary shows every message whatever this returns.
func fieldID(prefix string, f *fault.Error) string {
	if f.Field == "" {
		return ""
	}
	return prefix + f.Field
}

// groupChoice is a team or label as a checkbox.
type groupChoice struct {
	store.Group
	Checked bool
}

// chooseGroups parses the ids ticked for a team or label field and checks
// each is one of the organisation's. An unknown id (deleted meanwhile, or
// never ours) is the admin's problem to look at again, not a server error.
func chooseGroups(all []store.Group, ticked []string, k store.GroupKind) ([]uuid.UUID, []groupChoice, *formError) {
	set := map[uuid.UUID]bool{}
	var bad bool
	for _, raw := range ticked {
		id, err := uuid.Parse(raw)
		if err != nil {
			bad = true
			continue
		}
		set[id] = true
	}
	choices := make([]groupChoice, len(all))
	var ids []uuid.UUID
	for i, g := range all {
		choices[i] = groupChoice{Group: g, Checked: set[g.ID]}
		if set[g.ID] {
			ids = append(ids, g.ID)
			delete(set, g.ID)
		}
	}
	if bad || len(set) > 0 {
		return nil, choices, &formError{Msg: "One of the " + k.Noun + "s you chose no longer exists. Check the " + k.Noun + "s and try again."}
	}
	return ids, choices, nil
}

// personForm is the invite form, or the edit form on a person's page, as
// stored or as typed. Prefix starts the ids of its controls: "invite" on
// the people page, "person" on a person's page (set when rendered).
type personForm struct {
	Prefix              string
	Name, Email         string
	IsTrainer, OrgAdmin bool
	Teams, Labels       []groupChoice
}

// readPersonForm reads a posted invite or edit form against the
// organisation's teams and labels: the form as typed (to show again), the
// details to save, and the problems with its teams and labels.
func (s *Server) readPersonForm(c *fiber.Ctx) (personForm, store.PersonDetails, []formError, error) {
	allTeams, allLabels, err := s.orgGroups(c)
	if err != nil {
		return personForm{}, store.PersonDetails{}, nil, err
	}
	form := personForm{
		Name:      utils.CopyString(c.FormValue("name")),
		Email:     utils.CopyString(c.FormValue("email")),
		IsTrainer: c.FormValue("trainer") != "",
		OrgAdmin:  c.FormValue("org_admin") != "",
	}
	teamIDs, teamChoices, terr := chooseGroups(allTeams, formList(c, "teams"), store.Teams)
	labelIDs, labelChoices, lerr := chooseGroups(allLabels, formList(c, "labels"), store.Labels)
	form.Teams, form.Labels = teamChoices, labelChoices
	var problems []formError
	for _, e := range []*formError{terr, lerr} {
		if e != nil {
			problems = append(problems, *e)
		}
	}
	return form, store.PersonDetails{Name: form.Name, Email: form.Email, IsTrainer: form.IsTrainer, IsOrgAdmin: form.OrgAdmin,
		Teams: teamIDs, Labels: labelIDs}, problems, nil
}

// choicesOf marks the groups a person belongs to.
func choicesOf(all, mine []store.Group) []groupChoice {
	in := map[uuid.UUID]bool{}
	for _, g := range mine {
		in[g.ID] = true
	}
	out := make([]groupChoice, len(all))
	for i, g := range all {
		out[i] = groupChoice{Group: g, Checked: in[g.ID]}
	}
	return out
}

func (s *Server) adminHome(c *fiber.Ctx) error {
	return c.Redirect("/admin/people", fiber.StatusSeeOther)
}
