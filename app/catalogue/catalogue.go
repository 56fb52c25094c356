// Package catalogue gives each organisation the content it sees: the
// bundled library and, over it, the scenarios and modules its trainers have
// published (docs/authoring.md). Learners play from it; trainers check
// their drafts against it.
package catalogue

import (
	"context"
	"path"
	"sync"
	"testing/fstest"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/store"
)

// Fresh is how long an organisation's catalogue is used before the
// database is asked again whether its published content changed. A
// publication in this process is seen at once (Forget); another server
// sees it within Fresh.
const Fresh = 2 * time.Second

// Catalogues builds and caches each organisation's catalogue.
type Catalogues struct {
	lib *content.Catalogue
	now func() time.Time

	mu   sync.Mutex
	orgs map[uuid.UUID]*entry
}

type entry struct {
	stamp   string
	checked time.Time
	cat     *content.Catalogue
}

// New serves lib, the bundled library, to every organisation, with its own
// published content over it. now is the clock (time.Now in production).
func New(lib *content.Catalogue, now func() time.Time) *Catalogues {
	if now == nil {
		now = time.Now
	}
	return &Catalogues{lib: lib, now: now, orgs: map[uuid.UUID]*entry{}}
}

// Library is the bundled library alone.
func (c *Catalogues) Library() *content.Catalogue { return c.lib }

// Of is the catalogue of the organisation o is bound to: the library, plus
// its published content when it has any. It may call the store through o,
// so inside a transaction pass the transaction's handle.
func (c *Catalogues) Of(ctx context.Context, o *store.Org) (*content.Catalogue, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.orgs[o.ID()]
	c.mu.Unlock()
	if ok && now.Sub(e.checked) < Fresh && now.Sub(e.checked) >= 0 {
		return e.cat, nil
	}
	stamp, err := o.PublishedStamp(ctx)
	if err != nil {
		return nil, err
	}
	if !ok || stamp != e.stamp {
		cat := c.lib
		if stamp != "" {
			published, err := o.PublishedContent(ctx)
			if err != nil {
				return nil, err
			}
			// Content is checked when it is published; if it fails now
			// (the library changed under it), the organisation keeps the
			// library and the trainers see the problem in the studio.
			if over, sum := Over(c.lib, published, o.ID()); len(sum.Errors) == 0 {
				cat = over
			}
		}
		e = &entry{stamp: stamp, cat: cat}
	}
	c.mu.Lock()
	c.orgs[o.ID()] = &entry{stamp: e.stamp, cat: e.cat, checked: now}
	c.mu.Unlock()
	return e.cat, nil
}

// Forget drops an organisation's cached catalogue, after a publication.
func (c *Catalogues) Forget(orgID uuid.UUID) {
	c.mu.Lock()
	delete(c.orgs, orgID)
	c.mu.Unlock()
}

// Over loads an organisation's content — each item's files, as a scenario
// or module of that id — over the library, sealed with the organisation as
// owner; see content.LoadOver.
func Over(lib *content.Catalogue, items []store.AuthoredVersion, owner uuid.UUID) (*content.Catalogue, content.Summary) {
	fsys := fstest.MapFS{}
	for _, it := range items {
		for name, text := range Paths(it.Kind, it.ID, it.Files) {
			fsys[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o644}
		}
	}
	return content.LoadOver(lib, fsys, owner.String())
}

// Paths places an item's files where a content tree has them:
// scenarios/<id>.yaml for a scenario, modules/<id>/<name> for a module's.
func Paths(kind, id string, files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for name, text := range files {
		switch kind {
		case store.KindScenario:
			out[path.Join("scenarios", name)] = text
		case store.KindModule:
			out[path.Join("modules", id, name)] = text
		}
	}
	return out
}

// ScenarioVersion is the content_versions row of a scenario version.
func ScenarioVersion(sc *content.Scenario) store.ContentVersion {
	return store.ContentVersion{Kind: store.KindScenario, ID: sc.ID, Version: sc.Version, Canonical: sc.Canonical, OrgID: owner(sc.Owner)}
}

// ModuleVersion is the content_versions row of a module version.
func ModuleVersion(m *content.Module) store.ContentVersion {
	return store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical, OrgID: owner(m.Owner)}
}

// owner is the organisation id content.Own sealed a version with.
func owner(s string) uuid.UUID {
	if s == "" {
		return uuid.Nil
	}
	return uuid.MustParse(s)
}
