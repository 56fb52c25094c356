package content

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"slices"
	"strings"
)

// An organisation's own content (docs/authoring.md) is a content tree like
// the bundled library's, checked by the same rules, loaded over the library:
// its modules may use the library's scenarios, and its ids must differ from
// the library's. Its versions are sealed with the owner (the organisation's
// id) as well as the canonical content, so that two organisations
// publishing the same text get different versions, and a stored version
// always names whose it is.

// LoadOver checks the tree under own — scenarios/ and modules/, as for
// Load — over the base catalogue, sealing its versions with owner. The
// catalogue it returns holds the base's content and own's together (the
// base is not changed); on any problem in own it is nil and Summary lists
// every problem.
func LoadOver(base *Catalogue, own fs.FS, owner string) (*Catalogue, Summary) {
	cat, sum := load(own, base)
	if len(sum.Errors) > 0 {
		return nil, sum
	}
	for _, s := range cat.Scenarios {
		Own(s, owner)
	}
	// A module's canonical form names its scenarios' versions, which have
	// just changed for the owned ones.
	for _, m := range cat.Modules {
		m.Owner = owner
		m.Canonical, m.Version = canonicalModule(m)
		m.Version = ownedVersion(m.Canonical, owner)
	}
	out := &Catalogue{
		Vocabulary: base.Vocabulary,
		Scenarios:  slices.Concat(base.Scenarios, cat.Scenarios),
		Modules:    slices.Concat(base.Modules, cat.Modules),
		scenarios:  make(map[string]*Scenario, len(base.scenarios)+len(cat.scenarios)),
		modules:    make(map[string]*Module, len(base.modules)+len(cat.modules)),
	}
	for _, c := range []*Catalogue{base, cat} {
		for id, s := range c.scenarios {
			out.scenarios[id] = s
		}
		for id, m := range c.modules {
			out.modules[id] = m
		}
	}
	slices.SortFunc(out.Scenarios, func(a, b *Scenario) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Modules, func(a, b *Module) int { return strings.Compare(a.ID, b.ID) })
	return out, sum
}

// Own marks a scenario just parsed (by ParseScenario, not yet shared) as
// the owner's and seals its version with the owner. The canonical content
// is unchanged: it stays a valid scenario file.
func Own(s *Scenario, owner string) {
	s.Owner = owner
	s.Version = ownedVersion(s.Canonical, owner)
}

// ownedVersion is the version of owned canonical content: the hash of the
// content and the owner, in the form of every version.
func ownedVersion(canonical []byte, owner string) string {
	h := sha256.New()
	h.Write(canonical)
	h.Write([]byte{0})
	h.Write([]byte(owner))
	return hex.EncodeToString(h.Sum(nil))[:16]
}
