package lms_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
)

// The parts of imsmanifest.xml the SCORM 1.2 rules below look at.
type manifest struct {
	XMLName    xml.Name `xml:"http://www.imsproject.org/xsd/imscp_rootv1p1p2 manifest"`
	Identifier string   `xml:"identifier,attr"`
	Version    string   `xml:"version,attr"`
	Metadata   struct {
		Schema        string `xml:"schema"`
		SchemaVersion string `xml:"schemaversion"`
		LOMVersion    string `xml:"http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 lom>lifecycle>version>langstring"`
	} `xml:"metadata"`
	Organizations struct {
		Default string `xml:"default,attr"`
		List    []struct {
			Identifier string `xml:"identifier,attr"`
			Title      string `xml:"title"`
			Items      []struct {
				Identifier    string `xml:"identifier,attr"`
				IdentifierRef string `xml:"identifierref,attr"`
				Title         string `xml:"title"`
			} `xml:"item"`
		} `xml:"organization"`
	} `xml:"organizations"`
	Resources []struct {
		Identifier string `xml:"identifier,attr"`
		Type       string `xml:"type,attr"`
		ScormType  string `xml:"http://www.adlnet.org/xsd/adlcp_rootv1p2 scormtype,attr"`
		Href       string `xml:"href,attr"`
		Files      []struct {
			Href string `xml:"href,attr"`
		} `xml:"file"`
	} `xml:"resources>resource"`
}

// ncName is xs:ID's lexical space (NCName), restricted to ASCII.
var ncName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// TestSCORM12Manifest checks every bundled module's package against the
// rules of IMS Content Packaging 1.1.2 and SCORM 1.2 (CAM 1.2, section 2)
// written out, as the schemas cannot be had here.
func TestSCORM12Manifest(t *testing.T) {
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cat.Modules {
		inZip := packaged(t, lms.SCORM12, m)
		raw, ok := inZip["imsmanifest.xml"]
		if !ok {
			t.Fatalf("%s: no imsmanifest.xml at the package root", m.ID)
		}
		if !bytes.HasPrefix(raw, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
			t.Errorf("%s: manifest does not start with an XML declaration", m.ID)
		}
		var mf manifest
		if err := xml.Unmarshal(raw, &mf); err != nil {
			t.Fatalf("%s: manifest: %v", m.ID, err)
		}
		ids := []string{mf.Identifier}
		check := func(ok bool, rule string) {
			if !ok {
				t.Errorf("%s: %s", m.ID, rule)
			}
		}
		check(mf.Metadata.Schema == "ADL SCORM" && mf.Metadata.SchemaVersion == "1.2", "metadata must say schema ADL SCORM, schemaversion 1.2")
		check(mf.Version == m.Version && mf.Metadata.LOMVersion == m.Version, "the module version is the manifest's and the LOM lifecycle version")
		check(len(mf.Organizations.List) == 1 && mf.Organizations.Default == mf.Organizations.List[0].Identifier, "one organization, the default")
		check(len(mf.Resources) == 1, "one resource")
		if t.Failed() {
			continue
		}
		o := mf.Organizations.List[0]
		check(o.Title != "" && len(o.Items) == 1, "the organization has a title and one item")
		r := mf.Resources[0]
		if len(o.Items) == 1 {
			it := o.Items[0]
			check(it.IdentifierRef == r.Identifier && it.Title == m.Title, "the item launches the resource and has the module's title")
			ids = append(ids, o.Identifier, it.Identifier)
		}
		ids = append(ids, r.Identifier)
		for _, id := range ids {
			check(ncName.MatchString(id), "identifier "+id+" is not an xs:ID")
		}
		check(!slices.Contains(ids[1:], ids[0]) && len(slices.Compact(slices.Sorted(slices.Values(ids)))) == len(ids), "identifiers are unique")
		check(r.Type == "webcontent" && r.ScormType == "sco", "the resource is webcontent, adlcp:scormtype sco")
		_, hrefOK := inZip[r.Href]
		check(hrefOK && r.Href == "index.html", "the launch file is index.html in the package")
		var listed []string
		for _, f := range r.Files {
			listed = append(listed, f.Href)
			if _, ok := inZip[f.Href]; !ok {
				t.Errorf("%s: manifest lists %s, not in the package", m.ID, f.Href)
			}
		}
		for name := range inZip {
			if name != "imsmanifest.xml" && !slices.Contains(listed, name) {
				t.Errorf("%s: %s is in the package but not in the manifest", m.ID, name)
			}
		}
		for _, s := range m.Scenarios() {
			check(bytes.Equal(inZip["scenarios/"+s.ID+".json"], s.Canonical), "scenario "+s.ID+" is its canonical JSON")
		}
		page := string(inZip["index.html"])
		var course struct {
			Version string `json:"version"`
		}
		start := strings.Index(page, `id="upstand-course">`) + len(`id="upstand-course">`)
		end := strings.Index(page[start:], "</script>")
		if err := json.Unmarshal([]byte(page[start:start+end]), &course); err != nil || course.Version != m.Version {
			t.Errorf("%s: the page's course data %v (version %q)", m.ID, err, course.Version)
		}
		check(strings.Contains(page, `target="_top"`) && strings.Contains(page, `href="https://example.org/"`), "Leave this site opens the neutral page in the top window")
		for _, l := range m.Lessons() {
			check(strings.Contains(page, string(l.HTML)), "lesson "+l.File+" is the server's rendering")
		}
		if m.ContentWarning != "" {
			check(strings.Contains(page, "Content warning"), "the content warning is shown")
		}
	}
}

// packaged exports m with export (lms.SCORM12 or lms.CMI5), checks the
// package is within 4 MB zipped, and returns its files by name.
func packaged(t *testing.T, export func(io.Writer, *content.Module, lms.Options) error, m *content.Module) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := export(&buf, m, lms.Options{QuickExitURL: "https://example.org/", Created: time.Now()}); err != nil {
		t.Fatalf("%s: %v (go tool task wasm builds the engine)", m.ID, err)
	}
	if buf.Len() > 4<<20 {
		t.Errorf("%s: %d bytes zipped, over 4 MB", m.ID, buf.Len())
	}
	t.Logf("%s: %d bytes zipped", m.ID, buf.Len())
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	inZip := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %s: %v", m.ID, f.Name, err)
		}
		inZip[f.Name] = b.Bytes()
	}
	return inZip
}
