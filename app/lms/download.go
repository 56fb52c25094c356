package lms

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Format is a kind of package a module can be downloaded as.
type Format struct {
	// Name is the format in URLs and file names ("scorm12").
	Name string
	// Label is the format in people's words ("SCORM 1.2").
	Label string
	write func(w io.Writer, m *content.Module, opt Options) error
}

// Formats are the packages a module can be downloaded as, in the order the
// downloads page offers them. A new format is one more entry.
var Formats = []Format{
	{Name: "scorm12", Label: "SCORM 1.2", write: SCORM12},
	{Name: "cmi5", Label: "cmi5", write: CMI5},
}

// FormatNamed is the format of that name.
func FormatNamed(name string) (Format, bool) {
	i := slices.IndexFunc(Formats, func(f Format) bool { return f.Name == name })
	if i < 0 {
		return Format{}, false
	}
	return Formats[i], true
}

// ErrNoPackage is the answer to a download of anything but a published
// module of the asker's organisation or the library, in a known format, by
// a trainer or org admin: the same not-found for each, so a refusal does
// not tell whether a module exists in another organisation. It has no
// message of its own: the web's not-found page says what every 404 says.
var ErrNoPackage = fault.Wrap(fault.NotFound, errors.New("lms: no such package to download"))

// Downloads gives trainers and org admins their organisation's modules as
// packages for another learning management system (docs/lms.md,
// "Downloads from the web"): its published modules and the bundled
// library, each with the organisation's support resources frozen in.
type Downloads struct {
	cats      *catalogue.Catalogues
	quickExit string
	now       func() time.Time
}

// NewDownloads serves the modules of each organisation's catalogue in
// cats; quickExit is the neutral page the packages' "Leave this site"
// opens; now is the clock.
func NewDownloads(cats *catalogue.Catalogues, quickExit string, now func() time.Time) *Downloads {
	if now == nil {
		now = time.Now
	}
	return &Downloads{cats: cats, quickExit: quickExit, now: now}
}

// Offer is what the downloads page lists: the organisation's own published
// modules and the library's.
type Offer struct {
	Own, Library []*content.Module
	Formats      []Format
}

// Offer lists the modules a may download, or ErrNoPackage when a is not a
// trainer or org admin.
func (d *Downloads) Offer(ctx context.Context, a org.Actor) (Offer, error) {
	var cat *content.Catalogue
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := mayDownload(ctx, tx, a); err != nil {
			return err
		}
		var err error
		cat, err = d.cats.Of(ctx, tx)
		return err
	})
	if err != nil {
		return Offer{}, err
	}
	o := Offer{Formats: Formats}
	for _, m := range cat.Modules {
		switch m.Owner {
		case "":
			o.Library = append(o.Library, m)
		case a.Org.ID().String():
			o.Own = append(o.Own, m)
		}
	}
	return o, nil
}

// Package is one download, checked and recorded, ready to be written.
type Package struct {
	// Filename is a safe name for the zip: MODULE-FORMAT.zip.
	Filename string
	Module   *content.Module
	Format   Format
	// Write writes the zip to w, streamed: nothing but the page and the
	// manifest is held whole.
	Write org.Stream
}

// Package checks that a may download the module of that id as format —
// a trainer or org admin, a known format, a module in the organisation's
// catalogue (its published version, or the library's) — and records the
// download in the audit log (org.ExportDownload) in the same transaction
// as it reads the organisation's support resources to freeze into it.
// Anything else is ErrNoPackage.
func (d *Downloads) Package(ctx context.Context, a org.Actor, format, moduleID string) (Package, error) {
	f, ok := FormatNamed(format)
	if !ok {
		return Package{}, ErrNoPackage
	}
	var (
		m       *content.Module
		support []Support
	)
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := mayDownload(ctx, tx, a); err != nil {
			return err
		}
		cat, err := d.cats.Of(ctx, tx)
		if err != nil {
			return err
		}
		var ok bool
		m, ok = cat.Module(moduleID)
		if !ok || (m.Owner != "" && m.Owner != a.Org.ID().String()) {
			return ErrNoPackage
		}
		own, err := tx.SupportResources(ctx)
		if err != nil {
			return err
		}
		for _, r := range slices.Concat(own, org.DefaultSupport) {
			support = append(support, Support{Name: r.Name, Description: r.Description, Link: r.Link, Phone: r.Phone})
		}
		return org.Record(ctx, tx, a, org.ExportDownload, nil, map[string]any{
			"export": f.Label + " package", "module": m.ID, "version": m.Version}, d.now())
	})
	if err != nil {
		return Package{}, err
	}
	opt := Options{QuickExitURL: d.quickExit, Support: support, Created: d.now()}
	return Package{
		Filename: safeName(m.ID) + "-" + f.Name + ".zip",
		Module:   m,
		Format:   f,
		Write: func(_ context.Context, w io.Writer) error {
			return f.write(w, m, opt)
		},
	}, nil
}

// mayDownload lets active trainers and org admins through (and the
// operator); anyone else gets ErrNoPackage.
func mayDownload(ctx context.Context, tx *store.Org, a org.Actor) error {
	if a.Ref() == nil {
		return nil
	}
	p, err := tx.Person(ctx, a.PersonID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!p.Active || !(p.IsTrainer || p.IsOrgAdmin))) {
		return ErrNoPackage
	}
	return err
}

// safeName keeps a file name to letters, digits, '-' and '_' (module ids
// already are; this holds whatever they become).
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, s)
	if s == "" {
		return "module"
	}
	return s
}
