// Package authoring is the trainer's studio: an organisation's own
// scenarios and modules, written in the file format of docs/content.md and
// checked by the same loader, kept as drafts, published as immutable
// versions (optionally after a second trainer's review), with their history,
// and the anonymised analytics of how learners chose. It knows nothing of
// HTTP. The decisions are written down in docs/authoring.md.
//
// Every method acts for an org.Actor — a trainer of the organisation, as the
// web layer checks — through the organisation-bound store, so no call can
// reach another organisation's content.
package authoring

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The kinds of content a trainer makes.
const (
	Scenario = store.KindScenario
	Module   = store.KindModule
)

// The service's errors are faults: the web layer answers each by its kind.
var (
	ErrNotFound = fault.New(fault.NotFound, "There is no such scenario or course in your organisation.")
	// ErrStale: someone saved the draft since this person opened it.
	ErrStale = fault.New(fault.Conflict, "Someone else saved this draft after you opened it, so your changes were not saved. Compare the two below and merge them by hand.")
	// ErrProblems: a draft with problems cannot be published.
	ErrProblems = fault.New(fault.Conflict, "This draft has problems. Fix every one before publishing.")
	// ErrNeedsReview: the organisation asks for a second trainer's approval.
	ErrNeedsReview = fault.New(fault.Conflict, "Your organisation asks for a second trainer to approve a draft before it is published, and this revision is not approved yet.")
	// ErrOwnApproval: the last editor cannot approve their own revision.
	ErrOwnApproval = fault.New(fault.Conflict, "A second trainer must approve this: you made the latest changes.")
	// ErrInUse: a published course uses the scenario.
	ErrInUse = fault.New(fault.Conflict, "A published course uses this scenario. Unpublish the course, or remove the scenario from it, first.")
)

// Limits of a draft, beyond the format's own (docs/authoring.md).
const (
	// MaxFiles is how many files (module.yaml and lessons) a module may have.
	MaxFiles = 60
	// MaxNote is the longest change note, in runes.
	MaxNote = 1000
)

var (
	slug       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	lessonName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*\.md$`)
)

// Service is the studio.
type Service struct {
	st   *store.Store
	cats *catalogue.Catalogues
	lib  fs.FS
	now  func() time.Time
}

// New builds the studio over the catalogues learners are served from; lib
// is the library's content tree (its files are what a copy starts from).
func New(st *store.Store, cats *catalogue.Catalogues, lib fs.FS, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, cats: cats, lib: lib, now: now}
}

// Library is the bundled library, read-only, which trainers may copy from.
func (s *Service) Library() *content.Catalogue { return s.cats.Library() }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Item is a draft as the studio shows it: the stored row, the problems the
// rules find in it, and the scenario or module it loads as (partial for a
// scenario with problems; nil for a module with problems).
type Item struct {
	store.Authored
	Problems content.Errors
	Scenario *content.Scenario
	Module   *content.Module
	// Version is the version the draft would publish as ("" with problems).
	Version string
}

// Published reports whether learners are served a version of it.
func (it Item) Published() bool { return it.PublishedVersion != "" }

// Changed reports whether the draft differs from what learners get.
func (it Item) Changed() bool { return it.Version == "" || it.Version != it.PublishedVersion }

// MainFile is the file the editor opens first: the scenario file, or a
// module's module.yaml.
func (it Item) MainFile() string { return MainFile(it.Kind, it.ID) }

// MainFile is the main file's name for an item.
func MainFile(kind, id string) string {
	if kind == Scenario {
		return id + ".yaml"
	}
	return "module.yaml"
}

// FileNames lists the draft's files, the main one first.
func (it Item) FileNames() []string {
	names := slices.Sorted(maps.Keys(it.Files))
	main := it.MainFile()
	out := []string{main}
	for _, n := range names {
		if n != main {
			out = append(out, n)
		}
	}
	return out
}

// Path is where a file of the item sits in a content tree, as the rules'
// messages name it.
func (it Item) Path(name string) string { return FilePath(it.Kind, it.ID, name) }

// FilePath is where a file of an item sits in a content tree.
func FilePath(kind, id, name string) string {
	if kind == Scenario {
		return path.Join("scenarios", name)
	}
	return path.Join("modules", id, name)
}

// checkKind refuses a kind the studio does not know, as not found.
func checkKind(kind string) error {
	if kind != Scenario && kind != Module {
		return ErrNotFound
	}
	return nil
}

// notFound turns the store's not-found into the studio's.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// List is the organisation's scenarios or modules, each checked.
func (s *Service) List(ctx context.Context, a org.Actor, kind string) ([]Item, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	var items []Item
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		rows, err := tx.AuthoredList(ctx, kind)
		if err != nil {
			return err
		}
		published, err := tx.PublishedContent(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			items = append(items, s.examine(r, published))
		}
		return nil
	})
	return items, err
}

// Get loads one draft, checked.
func (s *Service) Get(ctx context.Context, a org.Actor, kind, id string) (Item, error) {
	if err := checkKind(kind); err != nil {
		return Item{}, err
	}
	var it Item
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Authored(ctx, kind, id)
		if err != nil {
			return notFound(err)
		}
		published, err := tx.PublishedContent(ctx)
		if err != nil {
			return err
		}
		it = s.examine(r, published)
		return nil
	})
	return it, err
}

// Check runs the rules over files as the draft of kind and id would have
// them, without saving anything: the editor's checks as you type.
func (s *Service) Check(ctx context.Context, a org.Actor, kind, id string, files map[string]string) (Item, error) {
	if err := checkKind(kind); err != nil {
		return Item{}, err
	}
	published, err := a.Org.PublishedContent(ctx)
	if err != nil {
		return Item{}, err
	}
	r := store.Authored{OrgID: a.Org.ID(), Kind: kind, ID: id, Files: files}
	return s.examine(r, published), nil
}

// examine checks a draft against the rules: a scenario on its own (its id
// must not be the library's), a module over the library and the
// organisation's published scenarios.
func (s *Service) examine(r store.Authored, published []store.AuthoredVersion) Item {
	it := Item{Authored: r}
	owner := r.OrgID.String()
	if r.Kind == Scenario {
		name := MainFile(Scenario, r.ID)
		p := it.Path(name)
		sc, errs := content.ParseDraft(p, []byte(r.Files[name]))
		if _, taken := s.cats.Library().Scenario(r.ID); taken {
			errs = append(errs, content.Error{Path: p, Line: 1, Col: 1, Rule: "S2",
				Msg: fmt.Sprintf("the library already has a scenario %q; choose another id", r.ID)})
		}
		for n := range r.Files {
			if n != name {
				errs = append(errs, content.Error{Path: it.Path(n), Line: 1, Col: 1, Rule: "S1", Msg: "a scenario is one file"})
			}
		}
		it.Problems, it.Scenario = errs, sc
		if len(errs) == 0 && sc != nil {
			content.Own(sc, owner)
			it.Version = sc.Version
		}
		return it
	}
	// A module is checked in a tree of the organisation's published
	// content with this draft in place of its published version.
	items := []store.AuthoredVersion{{Kind: Module, ID: r.ID, Files: r.Files}}
	for _, v := range published {
		if v.Kind != Module || v.ID != r.ID {
			items = append(items, v)
		}
	}
	cat, sum := catalogue.Over(s.cats.Library(), items, r.OrgID)
	prefix := it.Path("")
	for _, e := range sum.Errors {
		if strings.HasPrefix(e.Path, prefix) {
			it.Problems = append(it.Problems, e)
		}
	}
	if _, ok := r.Files["module.yaml"]; !ok {
		it.Problems = append(it.Problems, content.Error{Path: it.Path("module.yaml"), Line: 1, Col: 1, Rule: "M2", Msg: "the module has no module.yaml"})
	}
	if len(it.Problems) == 0 && cat != nil {
		if m, ok := cat.Module(r.ID); ok {
			it.Module, it.Version = m, m.Version
		}
	}
	return it
}

// checkID refuses an id that is not a slug or that the library uses.
func (s *Service) checkID(kind, id string) error {
	if !slug.MatchString(id) || len(id) > 80 {
		return fault.Input("id", "Use lower-case letters, digits and single hyphens, like “difficult-conversation” (at most 80 characters).")
	}
	lib := s.cats.Library()
	if _, ok := lib.Scenario(id); ok && kind == Scenario {
		return fault.Input("id", "The library already has a scenario with this id: choose another.")
	}
	if _, ok := lib.Module(id); ok && kind == Module {
		return fault.Input("id", "The library already has a course with this id: choose another.")
	}
	return nil
}

// Create starts a new scenario or module from a small template that passes
// every rule, titled title.
func (s *Service) Create(ctx context.Context, a org.Actor, kind, id, title string) (store.Authored, error) {
	if err := checkKind(kind); err != nil {
		return store.Authored{}, err
	}
	title = strings.TrimSpace(title)
	if title == "" {
		return store.Authored{}, fault.Input("title", "Give it a title.")
	}
	if kind == Scenario {
		return s.create(ctx, a, kind, id, map[string]string{id + ".yaml": scenarioTemplate(id, title)}, "new")
	}
	return s.create(ctx, a, kind, id, moduleTemplate(id, title), "new")
}

// Copy starts a draft from a library scenario or module, under a new id
// (the library keeps its ids). A module's copy uses the library's
// scenarios as they are.
func (s *Service) Copy(ctx context.Context, a org.Actor, kind, from, id string) (store.Authored, error) {
	if err := checkKind(kind); err != nil {
		return store.Authored{}, err
	}
	files, err := s.LibraryFiles(kind, from)
	if err != nil {
		return store.Authored{}, err
	}
	main := MainFile(kind, from)
	files[main] = renameID(files[main], from, id)
	if kind == Scenario {
		files = map[string]string{id + ".yaml": files[main]}
	}
	return s.create(ctx, a, kind, id, files, "copy of "+from)
}

// Import starts a scenario draft from a file made elsewhere (the Twine
// importer's output, whose id is from), as it is, under id: the rules
// report what needs fixing.
func (s *Service) Import(ctx context.Context, a org.Actor, from, id string, yaml []byte, source string) (store.Authored, error) {
	text := string(yaml)
	if from != id {
		text = renameID(text, from, id)
	}
	return s.create(ctx, a, Scenario, id, map[string]string{id + ".yaml": text}, "import of "+source)
}

func (s *Service) create(ctx context.Context, a org.Actor, kind, id string, files map[string]string, how string) (store.Authored, error) {
	if err := s.checkID(kind, id); err != nil {
		return store.Authored{}, err
	}
	if err := checkFiles(kind, id, files); err != nil {
		return store.Authored{}, err
	}
	var r store.Authored
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		now := s.stamp()
		r, err = tx.CreateAuthored(ctx, kind, id, files, a.PersonID, now)
		if errors.Is(err, store.ErrConflict) {
			return fault.Input("id", "Your organisation already has one with this id: choose another.")
		}
		if err != nil {
			return err
		}
		return org.Record(ctx, tx, a, org.ContentCreate, nil, map[string]any{"kind": kind, "id": id, "from": how}, now)
	})
	return r, err
}

// checkFiles refuses files the draft cannot hold: none at all, names other
// than its own (a module: module.yaml and lessons named like 01-intro.md),
// too many, or bigger than the format allows.
func checkFiles(kind, id string, files map[string]string) error {
	if len(files) == 0 {
		return fault.Input("source", "There is nothing to save: the draft needs its file.")
	}
	if len(files) > MaxFiles {
		return fault.Input("source", fmt.Sprintf("A course may have at most %d files.", MaxFiles))
	}
	for name, text := range files {
		if len(text) > content.MaxFileBytes {
			return fault.Input("source", fmt.Sprintf("%s is %d bytes; a file may be at most %d bytes (1 MiB).", name, len(text), content.MaxFileBytes))
		}
		switch {
		case kind == Scenario && name == id+".yaml":
			_, errs := content.ParseDraft(FilePath(kind, id, name), []byte(text))
			for _, e := range errs {
				if e.OverLimit() {
					return fault.Input("source", e.Error()+" (a draft over the format's limits is not saved)")
				}
			}
		case kind == Module && (name == "module.yaml" || lessonName.MatchString(name)):
		default:
			return fault.Input("name", fmt.Sprintf("%q is not a file name a %s can have.", name, kind))
		}
	}
	return nil
}

// Save stores files as the draft's next revision, if the draft is still at
// revision from; problems in it are fine (drafts are saved freely). A draft
// saved by someone else since is ErrStale, and nothing is written.
func (s *Service) Save(ctx context.Context, a org.Actor, kind, id string, from int, files map[string]string) (store.Authored, error) {
	if err := checkKind(kind); err != nil {
		return store.Authored{}, err
	}
	if err := checkFiles(kind, id, files); err != nil {
		return store.Authored{}, err
	}
	r, err := a.Org.SaveDraft(ctx, kind, id, from, files, a.PersonID, s.stamp())
	if errors.Is(err, store.ErrStale) {
		return store.Authored{}, ErrStale
	}
	return r, notFound(err)
}

// SetReview turns the review step before publishing on or off (an org
// admin's decision).
func (s *Service) SetReview(ctx context.Context, a org.Actor, on bool) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.SetReviewRequired(ctx, on); err != nil {
			return err
		}
		return org.Record(ctx, tx, a, org.ReviewSetting, nil, map[string]any{"required": on}, s.stamp())
	})
}

// Approve records a second trainer's approval of the draft's revision. The
// person who made the revision cannot approve it.
func (s *Service) Approve(ctx context.Context, a org.Actor, kind, id string, revision int) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Authored(ctx, kind, id)
		if err != nil {
			return notFound(err)
		}
		if r.Revision != revision {
			return ErrStale
		}
		if r.UpdatedBy == a.PersonID {
			return ErrOwnApproval
		}
		if err := tx.ApproveRevision(ctx, kind, id, revision, a.PersonID); err != nil {
			if errors.Is(err, store.ErrStale) {
				return ErrStale
			}
			return err
		}
		return org.Record(ctx, tx, a, org.ContentApprove, nil, map[string]any{"kind": kind, "id": id, "revision": revision}, s.stamp())
	})
}

// Publish makes revision of the draft what learners get, as an immutable
// version recorded with who published it (and approved it), when, and
// note. It reports the version and whether publishing changed anything:
// publishing what is already published does nothing. A draft with
// problems, a revision that is not the latest, or (with review on) one not
// approved by a second trainer is refused.
func (s *Service) Publish(ctx context.Context, a org.Actor, kind, id string, revision int, note string) (string, bool, error) {
	if err := checkKind(kind); err != nil {
		return "", false, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return "", false, fault.Input("note", "Say in a line what changed, for the history.")
	}
	if len([]rune(note)) > MaxNote {
		return "", false, fault.Input("note", fmt.Sprintf("Keep the note under %d characters.", MaxNote))
	}
	var version string
	var changed bool
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Authored(ctx, kind, id)
		if err != nil {
			return notFound(err)
		}
		if r.Revision != revision {
			return ErrStale
		}
		organisation, err := tx.Organisation(ctx)
		if err != nil {
			return err
		}
		if organisation.ReviewRequired && r.ApprovedRevision != r.Revision {
			return ErrNeedsReview
		}
		published, err := tx.PublishedContent(ctx)
		if err != nil {
			return err
		}
		it := s.examine(r, published)
		if len(it.Problems) > 0 || it.Version == "" {
			return ErrProblems
		}
		version = it.Version
		if r.PublishedVersion == version {
			return nil
		}
		var versions []store.ContentVersion
		if it.Scenario != nil {
			versions = append(versions, catalogue.ScenarioVersion(it.Scenario))
		}
		if it.Module != nil {
			versions = append(versions, catalogue.ModuleVersion(it.Module))
			for _, sc := range it.Module.Scenarios() {
				versions = append(versions, catalogue.ScenarioVersion(sc))
			}
		}
		now := s.stamp()
		v := store.AuthoredVersion{Kind: kind, ID: id, Version: version, Files: r.Files, Revision: r.Revision,
			PublishedBy: a.PersonID, PublishedAt: now, Note: note}
		if organisation.ReviewRequired {
			v.ApprovedBy = r.ApprovedBy
		}
		if _, err := tx.Publish(ctx, v, versions); err != nil {
			return err
		}
		changed = true
		return org.Record(ctx, tx, a, org.ContentPublish, nil,
			map[string]any{"kind": kind, "id": id, "version": version, "note": note}, now)
	})
	if changed {
		s.cats.Forget(a.Org.ID())
	}
	return version, changed, err
}

// Unpublish hides a scenario or module from new attempts. Learners' records
// stay. A scenario a published course uses is refused.
func (s *Service) Unpublish(ctx context.Context, a org.Actor, kind, id string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Authored(ctx, kind, id)
		if err != nil {
			return notFound(err)
		}
		if r.PublishedVersion == "" {
			return nil
		}
		if kind == Scenario {
			published, err := tx.PublishedContent(ctx)
			if err != nil {
				return err
			}
			for _, m := range publishedModules(s.cats.Library(), published, a.Org.ID().String()) {
				for _, sc := range m.Scenarios() {
					if sc.ID == id {
						return fault.New(fault.Conflict, fmt.Sprintf("The published course “%s” uses this scenario. Unpublish the course, or remove the scenario from it, first.", m.Title))
					}
				}
			}
		}
		if err := tx.Unpublish(ctx, kind, id); err != nil {
			return err
		}
		return org.Record(ctx, tx, a, org.ContentUnpublish, nil,
			map[string]any{"kind": kind, "id": id, "version": r.PublishedVersion}, s.stamp())
	})
	s.cats.Forget(a.Org.ID())
	return err
}

// publishedModules is the organisation's published modules, as loaded.
func publishedModules(lib *content.Catalogue, published []store.AuthoredVersion, owner string) []*content.Module {
	if len(published) == 0 {
		return nil
	}
	id, err := uuid.Parse(owner)
	if err != nil {
		return nil
	}
	cat, _ := catalogue.Over(lib, published, id)
	if cat == nil {
		return nil
	}
	var out []*content.Module
	for _, m := range cat.Modules {
		if m.Owner != "" {
			out = append(out, m)
		}
	}
	return out
}

// History is every published version of one item, newest first.
func (s *Service) History(ctx context.Context, a org.Actor, kind, id string) ([]store.AuthoredVersion, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	if _, err := a.Org.Authored(ctx, kind, id); err != nil {
		return nil, notFound(err)
	}
	return a.Org.AuthoredVersions(ctx, kind, id)
}

// Draft is the name History's diffs give the current draft.
const Draft = "draft"

// Diff is a line diff, in unified form, between two versions of one item
// (either may be Draft). Each file is compared under its path.
func (s *Service) Diff(ctx context.Context, a org.Actor, kind, id, from, to string) (string, error) {
	if err := checkKind(kind); err != nil {
		return "", err
	}
	var before, after map[string]string
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Authored(ctx, kind, id)
		if err != nil {
			return notFound(err)
		}
		versions, err := tx.AuthoredVersions(ctx, kind, id)
		if err != nil {
			return err
		}
		pick := func(v string) (map[string]string, error) {
			if v == Draft {
				return r.Files, nil
			}
			for _, av := range versions {
				if av.Version == v {
					return av.Files, nil
				}
			}
			return nil, ErrNotFound
		}
		if before, err = pick(from); err != nil {
			return err
		}
		after, err = pick(to)
		return err
	})
	if err != nil {
		return "", err
	}
	return DiffFiles(kind, id, from, to, before, after), nil
}

// DiffFiles is the unified line diff of two sets of an item's files.
func DiffFiles(kind, id, fromLabel, toLabel string, before, after map[string]string) string {
	names := slices.Sorted(maps.Keys(before))
	for n := range after {
		if _, ok := before[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		p := FilePath(kind, id, n)
		b.WriteString(udiff.Unified(p+" ("+fromLabel+")", p+" ("+toLabel+")", before[n], after[n]))
	}
	return b.String()
}

// LibraryFiles is a library scenario's or module's files as written: a
// scenario's file, a module's module.yaml and lessons.
func (s *Service) LibraryFiles(kind, id string) (map[string]string, error) {
	lib := s.cats.Library()
	switch kind {
	case Scenario:
		if _, ok := lib.Scenario(id); !ok {
			return nil, ErrNotFound
		}
		data, err := fs.ReadFile(s.lib, FilePath(kind, id, id+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("authoring: library scenario %s: %w", id, err)
		}
		return map[string]string{id + ".yaml": string(data)}, nil
	case Module:
		if _, ok := lib.Module(id); !ok {
			return nil, ErrNotFound
		}
		entries, err := fs.ReadDir(s.lib, path.Join("modules", id))
		if err != nil {
			return nil, fmt.Errorf("authoring: library module %s: %w", id, err)
		}
		files := map[string]string{}
		for _, e := range entries {
			if n := e.Name(); n == "module.yaml" || lessonName.MatchString(n) {
				data, err := fs.ReadFile(s.lib, FilePath(kind, id, n))
				if err != nil {
					return nil, fmt.Errorf("authoring: library module %s: %w", id, err)
				}
				files[n] = string(data)
			}
		}
		return files, nil
	}
	return nil, ErrNotFound
}

// idLine is a file's top-level id line.
var idLine = regexp.MustCompile(`(?m)^id:[ \t]*["']?([a-z0-9-]+)["']?[ \t]*(#.*)?$`)

// renameID changes a copied file's top-level id from old to id.
func renameID(text, old, id string) string {
	done := false
	return idLine.ReplaceAllStringFunc(text, func(line string) string {
		if done || idLine.FindStringSubmatch(line)[1] != old {
			return line
		}
		done = true
		return "id: " + id
	})
}

// ScenarioVersions are the versions of a scenario the organisation's
// learners can have played, newest first: each published version of its
// own scenario, or the library's scenario as served. Analytics are per
// version.
func (s *Service) ScenarioVersions(ctx context.Context, a org.Actor, id string) ([]*content.Scenario, error) {
	if sc, ok := s.cats.Library().Scenario(id); ok {
		return []*content.Scenario{sc}, nil
	}
	versions, err := s.History(ctx, a, Scenario, id)
	if err != nil {
		return nil, err
	}
	var out []*content.Scenario
	for _, v := range versions {
		name := MainFile(Scenario, id)
		sc, errs := content.ParseScenario(FilePath(Scenario, id, name), []byte(v.Files[name]))
		if len(errs) > 0 {
			// Published versions passed the rules; a rule added since
			// may refuse one, which then has no analytics to show.
			continue
		}
		content.Own(sc, a.Org.ID().String())
		if sc.Version == v.Version {
			out = append(out, sc)
		}
	}
	return out, nil
}
