// Package seed fills an organisation with plausible demo data — people
// with names and emails on a reserved example domain, teams, job labels
// (a responder label among them), requirements over the organisation's
// courses and a year of history: attempts, completions with their
// summaries and certificates, confidence answers before and after, and
// scenario play with its endings. It is for trials, the demo organisation
// and the benchmarks at 50,000 learners (docs/benchmarks.md, "Coverage").
//
// The plan (names, teams, labels, requirements, the ways through each
// scenario) is made here; store.Org.Seed writes it in bulk. The same seed
// gives the same people and history, relative to the day it runs.
package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/scenario"
	"github.com/upstand/upstand/app/store"
)

// Options size the seed.
type Options struct {
	Learners int
	Teams    int
	Seed     int64
	// Courses is how many courses are required of someone: the library's,
	// then the organisation's own copies of them, published through the
	// studio until there are enough (0: the library's).
	Courses int
	// Completions caps the completions written (0: 20 per learner).
	Completions int
	// Now ends the year of history (zero: the start of today, UTC, so a
	// seed run twice on one day writes the same).
	Now time.Time
	// Report hears each step as it ends.
	Report func(store.SeedStep)
}

// Services are what the seed works through.
type Services struct {
	Store     *store.Store
	Org       *org.Service
	Authoring *authoring.Service
	Cats      *catalogue.Catalogues
}

// Result says what was written.
type Result struct {
	Org store.Organisation
	// Created: the organisation was made by this run.
	Created bool
	// Courses are the required courses' ids; Copies those of them the run
	// published as the organisation's own.
	Courses, Copies []string
	Took            time.Duration
}

// Run seeds the organisation called name, making it first when there is
// none, with an org admin on its domain.
func Run(ctx context.Context, sv Services, name string, opt Options) (Result, error) {
	start := time.Now()
	if opt.Learners < 1 || opt.Teams < 1 {
		return Result{}, errors.New("seed: give at least one learner and one team")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if opt.Completions == 0 {
		opt.Completions = 20 * opt.Learners
	}
	res := Result{}
	domain := Domain(name)
	orgs, err := sv.Store.Global().Organisations(ctx)
	if err != nil {
		return res, err
	}
	for _, o := range orgs {
		if o.Name == name {
			res.Org = o
		}
	}
	if res.Org.ID == uuid.Nil {
		o, _, _, err := sv.Org.CreateOrganisation(ctx, name, "Org Admin", "admin@"+domain)
		if err != nil {
			return res, err
		}
		res.Org, res.Created = o, true
	}
	// The organisation's own courses are published by a trainer on its
	// domain, made when first needed.
	trainer := func() (org.Actor, error) {
		p, err := findOrAdd(ctx, sv, org.Operator(sv.Store, res.Org.ID, "seed"), "Course Trainer", "trainer@"+domain)
		return org.ActorFor(sv.Store, p, "seed"), err
	}
	courses, copies, err := ensureCourses(ctx, sv, trainer, opt.Courses)
	if err != nil {
		return res, err
	}
	res.Courses, res.Copies = courses, copies
	cat, err := sv.Cats.Of(ctx, sv.Store.Org(res.Org.ID))
	if err != nil {
		return res, err
	}
	plan, err := makePlan(cat, courses, domain, opt)
	if err != nil {
		return res, err
	}
	if err := sv.Store.Org(res.Org.ID).Seed(ctx, plan, opt.Report); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// Domain is the reserved example domain of an organisation's seeded
// people: its name as a slug under .example (RFC 2606).
func Domain(name string) string {
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
	if slug == "" {
		slug = "organisation"
	}
	return slug + ".example"
}

func findOrAdd(ctx context.Context, sv Services, a org.Actor, name, email string) (store.Person, error) {
	people, err := sv.Store.Org(a.Org.ID()).People(ctx)
	if err != nil {
		return store.Person{}, err
	}
	for _, p := range people {
		if strings.EqualFold(p.Email, email) {
			return p, nil
		}
	}
	return sv.Org.AddPerson(ctx, a, store.PersonDetails{Name: name, Email: email, IsTrainer: true})
}

// The organisation's own versions of library courses, as a trainer would
// make them: a copy under a new id and title, published.
var variants = []struct{ id, title string }{
	{"refresher", "%s: refresher"},
	{"for-managers", "%s for managers"},
	{"in-clinical-teams", "%s in clinical teams"},
	{"for-volunteers", "%s for volunteers"},
}

var titleLine = regexp.MustCompile(`(?m)^title:.*$`)

// ensureCourses returns the ids of n courses: the library's (the first n
// of them when it has more), then copies published through the studio;
// the whole library when n is 0.
func ensureCourses(ctx context.Context, sv Services, who func() (org.Actor, error), n int) (courses, copies []string, err error) {
	lib := sv.Cats.Library()
	for _, m := range lib.Modules {
		courses = append(courses, m.ID)
	}
	if n <= 0 {
		return courses, nil, nil
	}
	if len(courses) >= n {
		return courses[:n], nil, nil
	}
	trainer, err := who()
	if err != nil {
		return nil, nil, err
	}
	for _, v := range variants {
		for _, m := range lib.Modules {
			if len(courses) >= n {
				return courses, copies, nil
			}
			id := m.ID + "-" + v.id
			item, err := sv.Authoring.Get(ctx, trainer, authoring.Module, id)
			if errors.Is(err, authoring.ErrNotFound) {
				if _, err := sv.Authoring.Copy(ctx, trainer, authoring.Module, m.ID, id); err != nil {
					return nil, nil, fmt.Errorf("copy %s: %w", m.ID, err)
				}
				item, err = sv.Authoring.Get(ctx, trainer, authoring.Module, id)
				if err != nil {
					return nil, nil, err
				}
				files := item.Files
				files["module.yaml"] = titleLine.ReplaceAllString(files["module.yaml"], fmt.Sprintf("title: %q", fmt.Sprintf(v.title, m.Title)))
				saved, err := sv.Authoring.Save(ctx, trainer, authoring.Module, id, item.Revision, files)
				if err != nil {
					return nil, nil, fmt.Errorf("retitle %s: %w", id, err)
				}
				if _, _, err := sv.Authoring.Publish(ctx, trainer, authoring.Module, id, saved.Revision, "Our own version of the library course"); err != nil {
					return nil, nil, fmt.Errorf("publish %s: %w", id, err)
				}
			} else if err != nil {
				return nil, nil, err
			} else if !item.Published() {
				if _, _, err := sv.Authoring.Publish(ctx, trainer, authoring.Module, id, item.Revision, "Our own version of the library course"); err != nil {
					return nil, nil, fmt.Errorf("publish %s: %w", id, err)
				}
			}
			courses = append(courses, id)
			copies = append(copies, id)
		}
	}
	return courses, copies, nil
}

// makePlan is the data to write: the people's names, teams and labels,
// the courses as their records are written, ways through the scenarios
// and who is required to do what.
func makePlan(cat *content.Catalogue, courses []string, domain string, opt Options) (store.SeedPlan, error) {
	p := store.SeedPlan{
		Seed: opt.Seed, Now: opt.Now, Learners: opt.Learners, Domain: domain,
		FirstNames: firstNames, LastNames: lastNames, Teams: TeamNames(opt.Teams),
		RoleLabels: roleLabels, ExtraLabels: extraLabels, ResponderLabel: "responder", DueSoonDays: 30,
		Completions: opt.Completions, ConfidenceShare: 0.1, ScenarioShare: 0.005,
	}
	scenarios := map[string]*content.Scenario{}
	for _, id := range courses {
		m, ok := cat.Module(id)
		if !ok {
			return p, fmt.Errorf("seed: the organisation's catalogue has no course %q", id)
		}
		c := store.SeedCourse{ModuleID: m.ID, Version: m.Version, Months: m.RefresherMonths, Steps: len(m.Steps), Statements: m.Confidence}
		for _, st := range m.Steps {
			switch {
			case st.Quiz != nil && c.QuizStep == "":
				c.QuizStep, c.QuizTotal, c.PassPercent = st.ID, len(st.Quiz.Questions), st.Quiz.PassPercent
			case st.Scenario != nil:
				c.Scenarios = append(c.Scenarios, st.Scenario.ID)
				scenarios[st.Scenario.ID] = st.Scenario
			}
		}
		p.Courses = append(p.Courses, c)
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range scenarios {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		sc, err := paths(scenarios[id], opt.Seed)
		if err != nil {
			return p, err
		}
		p.Scenarios = append(p.Scenarios, sc)
	}
	p.Requirements = requirements(courses, p.Teams, opt.Seed)
	return p, nil
}

// paths walks a scenario at random, as learners choose, and keeps the
// different ways through it that reach an ending.
func paths(sc *content.Scenario, seed int64) (store.SeedScenario, error) {
	h := fnv.New64a()
	h.Write([]byte(sc.ID))
	rnd := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	out := store.SeedScenario{ID: sc.ID, Version: sc.Version}
	seen := map[string]bool{}
	for range 200 {
		if len(out.Paths) >= 24 {
			break
		}
		st := scenario.Start(sc)
		var path store.SeedPath
		first, _ := json.Marshal(st)
		path.States = append(path.States, first)
		for range 60 {
			if st.Finished() {
				break
			}
			options := scenario.Options(sc, st)
			if len(options) == 0 {
				break
			}
			node, choice := st.Node, options[rnd.IntN(len(options))].ID
			next, _, err := scenario.Choose(sc, st, choice)
			if err != nil {
				return out, fmt.Errorf("seed: %s: %w", sc.ID, err)
			}
			st = next
			state, _ := json.Marshal(st)
			path.States = append(path.States, state)
			path.Nodes = append(path.Nodes, node)
			path.Choices = append(path.Choices, choice)
		}
		if !st.Finished() || len(path.Nodes) == 0 {
			continue
		}
		key := fmt.Sprint(path.Nodes, path.Choices)
		if seen[key] {
			continue
		}
		seen[key] = true
		path.Outcome = string(st.Outcome)
		out.Paths = append(out.Paths, path)
	}
	if len(out.Paths) == 0 {
		return out, fmt.Errorf("seed: no way through scenario %s", sc.ID)
	}
	return out, nil
}

// Job labels: everyone has one role; some are also line managers,
// responders or HR partners.
var roleLabels = []store.SeedLabel{
	{Name: "nurse", Share: 0.28}, {Name: "healthcare assistant", Share: 0.17}, {Name: "doctor", Share: 0.10},
	{Name: "administrator", Share: 0.16}, {Name: "allied health professional", Share: 0.11},
	{Name: "porter", Share: 0.06}, {Name: "support worker", Share: 0.12},
}

var extraLabels = []store.SeedLabel{
	{Name: "line manager", Share: 0.10}, {Name: "responder", Share: 0.06}, {Name: "HR partner", Share: 0.01},
}

// requirements states who must do which course: a core for everyone (by
// role), more by role, the manager's, the responder's and HR's courses,
// a course some teams add, and a stricter rule for some teams' responders.
func requirements(courses []string, teams []string, seed int64) []store.SeedRequirement {
	has := func(id string) bool { return slices.Contains(courses, id) }
	pick := func(ids ...string) []string {
		var out []string
		for _, id := range ids {
			if has(id) {
				out = append(out, id)
			}
		}
		return out
	}
	managers := pick("handling-disclosures", "trauma-informed-conversations", "suicide-risk-conversations", "domestic-abuse-disclosures")
	responders := pick("responding-to-reports", "trauma-informed-conversations", "fair-process", "anti-oppressive-practice")
	hr := pick("responding-to-reports", "handling-disclosures")
	var rest []string
	for _, id := range courses {
		if !slices.Contains(managers, id) && !slices.Contains(responders, id) {
			rest = append(rest, id)
		}
	}
	core, more := rest[:min(6, len(rest))], rest[min(6, len(rest)):]
	var out []store.SeedRequirement
	turn := int(uint64(seed) % 97)
	for r, role := range roleLabels {
		for _, id := range core {
			out = append(out, store.SeedRequirement{ModuleID: id, Label: role.Name, DueDays: 30, Refresher: store.RefresherModule})
		}
		for j := range min(5, len(more)) {
			id := more[(turn+5*r+j)%len(more)]
			rq := store.SeedRequirement{ModuleID: id, Label: role.Name, DueDays: 60, Refresher: store.RefresherMonths, Months: 12}
			switch j {
			case 3:
				rq.Refresher, rq.Months = store.RefresherNever, 0
			case 4:
				rq.Months = 6
			}
			out = append(out, rq)
		}
	}
	for _, id := range managers {
		out = append(out, store.SeedRequirement{ModuleID: id, Label: "line manager", DueDays: 45, Refresher: store.RefresherModule})
	}
	for _, id := range responders {
		out = append(out, store.SeedRequirement{ModuleID: id, Label: "responder", DueDays: 30, Refresher: store.RefresherMonths, Months: 12})
	}
	for _, id := range hr {
		out = append(out, store.SeedRequirement{ModuleID: id, Label: "HR partner", DueDays: 30, Refresher: store.RefresherModule})
	}
	if len(more) > 0 {
		for i := 0; i < len(teams); i += 40 {
			out = append(out, store.SeedRequirement{ModuleID: more[len(more)-1], Team: teams[i], DueDays: 90, Refresher: store.RefresherNever})
		}
	}
	if len(responders) > 0 {
		for _, t := range teams[:min(5, len(teams))] {
			out = append(out, store.SeedRequirement{ModuleID: responders[len(responders)-1], Team: t, Label: "responder",
				DueDays: 30, Refresher: store.RefresherMonths, Months: 6, Strict: true})
		}
	}
	return out
}

// TeamNames are n team names: wards and departments, numbered when there
// are more teams than names.
func TeamNames(n int) []string {
	out := make([]string, 0, n)
	for i := range n {
		name := departments[i%len(departments)]
		if round := i / len(departments); round > 0 {
			name = fmt.Sprintf("%s %d", name, round+1)
		}
		out = append(out, name)
	}
	return out
}

var departments = []string{
	"Ward 7", "Finance", "People team", "Acute medicine", "Cardiology", "Children's ward", "Critical care",
	"Day surgery", "Dermatology", "Diabetes clinic", "Emergency department", "Endoscopy", "Estates",
	"Facilities", "Gastroenterology", "General surgery", "Haematology", "Information governance",
	"IT service desk", "Maternity", "Medical records", "Mental health liaison", "Neonatal unit",
	"Neurology", "Occupational therapy", "Oncology", "Ophthalmology", "Orthopaedics", "Outpatients",
	"Patient experience", "Pharmacy", "Physiotherapy", "Procurement", "Radiology", "Renal unit",
	"Respiratory", "Safeguarding", "Sexual health", "Stroke unit", "Theatres", "Urology", "Volunteering",
	"Catering", "Communications", "Learning and development", "Payroll", "Portering", "Pathology",
	"Speech and language therapy", "Community nursing",
}

var firstNames = []string{
	"Aaliyah", "Abdul", "Ada", "Adebayo", "Aisha", "Alan", "Alejandro", "Amara", "Amir", "Ana", "Anjali",
	"Ben", "Bethany", "Bilal", "Bronwen", "Callum", "Carmen", "Chen", "Chidi", "Chloe", "Ciara", "Daniel",
	"Deepa", "Dmitri", "Eilidh", "Elena", "Emeka", "Emma", "Farah", "Fatima", "Finn", "Gareth", "Grace",
	"Hannah", "Hamza", "Hiroshi", "Imran", "Isla", "Ivan", "Jack", "Jamal", "Jasmine", "Joanna", "Kai",
	"Kamala", "Karim", "Kwame", "Laila", "Leon", "Lucy", "Mai", "Marek", "Maria", "Mohammed", "Nadia",
	"Naveen", "Niamh", "Nkechi", "Oliver", "Omar", "Pawel", "Priya", "Rachel", "Rahul", "Rhys", "Rosa",
	"Ruth", "Samir", "Sara", "Siobhan", "Sofia", "Sunita", "Tariq", "Thandiwe", "Tom", "Usman", "Wei",
	"Yasmin", "Yusuf", "Zainab", "Zofia",
}

var lastNames = []string{
	"Abbott", "Adeyemi", "Ahmed", "Ali", "Anderson", "Baker", "Banerjee", "Begum", "Bennett", "Campbell",
	"Chowdhury", "Clarke", "Cohen", "Davies", "Edwards", "Evans", "Fernandes", "Gallagher", "Garcia",
	"Ghosh", "Green", "Hall", "Hughes", "Hussain", "Ibrahim", "Iqbal", "Jackson", "Jones", "Kaur", "Kelly",
	"Khan", "Kowalski", "Lee", "Lewis", "Li", "MacDonald", "Malik", "Martin", "Mensah", "Morgan", "Murphy",
	"Nguyen", "Novak", "Obi", "Okafor", "Owusu", "Patel", "Phillips", "Price", "Rahman", "Reid", "Roberts",
	"Robinson", "Santos", "Shah", "Silva", "Singh", "Smith", "Sokolova", "Taylor", "Thomas", "Wang",
	"Watson", "Williams", "Wilson", "Wright", "Yilmaz", "Young", "Zhang",
}
