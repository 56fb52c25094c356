package lms_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
)

const cmi5NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"

// node is an XML element as the course structure rules below read it.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name && (a.Name.Space == "" || a.Name.Space == n.XMLName.Space) {
			return a.Value, true
		}
	}
	return "", false
}

// names are the local names of n's children in the cmi5 namespace, in
// order, and how many children of other namespaces follow them.
func (n node) names() (cmi5 []string, others int, otherFirst bool) {
	for _, k := range n.Kids {
		if k.XMLName.Space == cmi5NS {
			if others > 0 {
				otherFirst = true
			}
			cmi5 = append(cmi5, k.XMLName.Local)
		} else {
			others++
		}
	}
	return
}

func (n node) kid(local string) (node, bool) {
	for _, k := range n.Kids {
		if k.XMLName.Space == cmi5NS && k.XMLName.Local == local {
			return k, true
		}
	}
	return node{}, false
}

// absoluteIRI is what the course structure's id attributes must be: an
// IRI with a scheme (RFC 3987), no spaces.
func absoluteIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && !strings.ContainsAny(s, " \t\n<>\"{}|\\^`")
}

// masteryRE is xs:decimal with at most four decimal places (cmi5 13.1.4).
var masteryRE = regexp.MustCompile(`^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$`)

// TestCMI5CourseStructure checks every bundled module's cmi5 package
// against the course structure rules of cmi5 (section 13 and
// CourseStructure.xsd, written out: the schema cannot be had here) and
// this package's own: one course, one AU launched by index.html in the
// package, moveOn and masteryScore from the module's completion rule and
// quiz, the module version recorded.
func TestCMI5CourseStructure(t *testing.T) {
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cat.Modules {
		inZip := packaged(t, lms.CMI5, m)
		check := func(ok bool, rule string) {
			t.Helper()
			if !ok {
				t.Errorf("%s: %s", m.ID, rule)
			}
		}
		raw, ok := inZip["cmi5.xml"]
		if !ok {
			t.Fatalf("%s: no cmi5.xml at the package root (cmi5 14.1)", m.ID)
		}
		_, scorm := inZip["imsmanifest.xml"]
		check(!scorm, "a cmi5 package has no imsmanifest.xml")
		check(bytes.HasPrefix(raw, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)), "cmi5.xml starts with an XML declaration")
		var root node
		if err := xml.Unmarshal(raw, &root); err != nil {
			t.Fatalf("%s: cmi5.xml: %v", m.ID, err)
		}
		check(root.XMLName.Space == cmi5NS && root.XMLName.Local == "courseStructure", "the root is courseStructure in the cmi5 namespace")
		kids, others, _ := root.names()
		// courseStructure: course, then objectives (optional), then one or
		// more au or block.
		check(others == 0 && len(kids) == 2 && kids[0] == "course" && kids[1] == "au", "courseStructure holds the course, then one AU: got "+strings.Join(kids, ", "))
		if t.Failed() {
			continue
		}
		course, _ := root.kid("course")
		au, _ := root.kid("au")
		langstrings := func(n node, what string) string {
			t.Helper()
			for _, el := range []string{"title", "description"} {
				e, ok := n.kid(el)
				check(ok, what+" has a "+el)
				ls := 0
				for _, k := range e.Kids {
					lang, _ := k.attr("lang")
					check(k.XMLName.Space == cmi5NS && k.XMLName.Local == "langstring" && lang != "" && strings.TrimSpace(k.Text) != "",
						what+" "+el+": every child is a langstring with a lang and text")
					ls++
				}
				check(ls > 0, what+" "+el+" has a langstring")
			}
			title, _ := n.kid("title")
			if len(title.Kids) > 0 {
				return title.Kids[0].Text
			}
			return ""
		}
		courseID, _ := course.attr("id")
		check(absoluteIRI(courseID), "the course id is an IRI: "+courseID)
		check(courseID == lms.CourseIRI(m) && strings.Contains(courseID, m.ID), "the course id is derived from the module id")
		check(langstrings(course, "the course") == m.Title, "the course title is the module's")

		auID, _ := au.attr("id")
		check(absoluteIRI(auID) && auID != courseID, "the AU id is an IRI other than the course's: "+auID)
		check(auID == lms.AUIRI(m), "the AU id is the package's publisher id")
		check(langstrings(au, "the AU") == m.Title, "the AU title is the module's")
		// AU children in the schema's order: title, description,
		// objectives?, url, launchParameters?, entitlementKey?, then
		// elements of other namespaces.
		names, others, otherFirst := au.names()
		check(!otherFirst && slices.Equal(names, []string{"title", "description", "url"}), "the AU's elements are title, description, url, in order: got "+strings.Join(names, ", "))
		u, _ := au.kid("url")
		launch := strings.TrimSpace(u.Text)
		_, inPkg := inZip[launch]
		check(launch == "index.html" && inPkg, "the AU's url is index.html, relative, in the package")
		for _, a := range au.Attrs {
			if a.Name.Space == "" {
				check(slices.Contains([]string{"id", "moveOn", "masteryScore", "launchMethod", "activityType"}, a.Name.Local), "the AU has no attribute "+a.Name.Local)
			}
		}
		moveOn, _ := au.attr("moveOn")
		check(slices.Contains([]string{"Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable"}, moveOn), "moveOn is in its value space: "+moveOn)
		method, ok := au.attr("launchMethod")
		check(!ok || method == "AnyWindow" || method == "OwnWindow", "launchMethod is AnyWindow or OwnWindow")
		var quizzes []*content.Quiz
		for _, st := range m.Steps {
			if st.Kind == content.QuizStep {
				quizzes = append(quizzes, st.Quiz)
			}
		}
		mastery, hasMastery := au.attr("masteryScore")
		switch {
		case len(quizzes) == 0:
			check(moveOn == "Completed" && !hasMastery, "a module without a quiz moves on when completed, with no masteryScore")
		default:
			check(moveOn == "CompletedAndPassed", "a module with a quiz moves on when completed and passed")
			if len(quizzes) == 1 {
				v, err := strconv.ParseFloat(mastery, 64)
				check(hasMastery && masteryRE.MatchString(mastery) && err == nil && int(v*100+0.5) == quizzes[0].PassPercent,
					"masteryScore is the quiz's pass mark, a decimal from 0 to 1 with at most 4 places: "+mastery)
			} else {
				check(!hasMastery, "a module with several quizzes has no masteryScore")
			}
		}
		// The version, in the AU's element of another namespace.
		check(others == 1, "the AU has one element of another namespace")
		for _, k := range au.Kids {
			if k.XMLName.Space != cmi5NS {
				id, _ := k.attr("id")
				v, _ := k.attr("version")
				check(k.XMLName.Space != "" && id == m.ID && v == m.Version, "the AU's extension records the module id and version")
			}
		}
		// The page speaks cmi5 and names the AU.
		page := string(inZip["index.html"])
		var c struct {
			LMS, Version, IRI, VersionExtension string
		}
		start := strings.Index(page, `id="upstand-course">`) + len(`id="upstand-course">`)
		end := strings.Index(page[start:], "</script>")
		if err := json.Unmarshal([]byte(page[start:start+end]), &c); err != nil {
			t.Fatalf("%s: the page's course data: %v", m.ID, err)
		}
		check(c.LMS == "cmi5" && c.Version == m.Version && c.IRI == auID && c.VersionExtension == lms.VersionExtension, "the page's course data says cmi5, the version and the AU id")
		check(strings.Contains(page, `target="_top"`) && strings.Contains(page, `href="https://example.org/"`), "Leave this site opens the neutral page in the top window")
		for _, s := range m.Scenarios() {
			check(bytes.Equal(inZip["scenarios/"+s.ID+".json"], s.Canonical), "scenario "+s.ID+" is its canonical JSON")
		}
		// The same page as the SCORM 1.2 package's but for the standard
		// its runtime speaks.
		scormPage := string(packaged(t, lms.SCORM12, m)["index.html"])
		body := func(p string) string { return p[strings.Index(p, "</script>"):] }
		check(body(scormPage) == body(page), "the page is the SCORM 1.2 package's after the course data")
	}
}
