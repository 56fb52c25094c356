package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"":                       true,
		"Ada Lovelace":           true,
		"Zoë Ødegård, 東京":        true,
		"line\r\nline\ttabbed\n": true,
		"nul\x00":                false,
		"bell\a":                 false,
		"lone\rreturn":           false,
		"ends with return\r":     false,
		"del\x7f":                false,
		"c1\u0085":               false,
		"bad \xff utf-8":         false,
		"escape\x1b[31m":         false,
	} {
		if got := plain([]byte(in)); got != want {
			t.Errorf("plain(%q) = %v, want %v", in, got, want)
		}
	}
	for body, field := range map[string]string{
		`{"name":"a\u0000b"}`: "name",
		`{"id":"x","response":{"transports":["usb","\u0007"]}}`: "transports",
		`{"a":{"b":1},"c":"\u0000"}`:                            "c",
		`{"a\u0000":"x"}`:                                       "",
		`["\u0000"]`:                                            "",
	} {
		f, ok := fault.As(checkJSON([]byte(body)))
		if !ok || f.Kind != fault.Invalid || f.Field != field {
			t.Errorf("checkJSON(%s) = %v, want invalid %q", body, f, field)
		}
	}
	for _, body := range []string{`{}`, `{"name":"Laptop","n":1,"t":true,"x":null,"l":["a","b"]}`, `not json`, ``} {
		if err := checkJSON([]byte(body)); err != nil {
			t.Errorf("checkJSON(%s) = %v, want nil", body, err)
		}
	}
}

// textRow is one route's entry in TestControlCharactersAreRefused.
type textRow struct {
	// path is filled in with the tenant's values (see tenant.fill, plus
	// {demo}); fields in its query are tested in the query.
	path string
	as   string // "anon", "member", "admin" or "trainer"
	// form is a valid body; each of its fields is tested. A route with no
	// field at all is sent an extra one.
	form url.Values
	// json marks routes whose handler reads a JSON body (passkey
	// ceremonies): a control character in a JSON string is tested too.
	json bool
}

// textRoutes lists every route that takes a form, a query or a JSON body
// a person or script fills in: every POST route, and the GET forms.
var textRoutes = map[string]textRow{
	"POST /signin/begin":                            {path: "/signin/begin", as: "anon", json: true},
	"POST /signin/finish":                           {path: "/signin/finish?ceremony=abc", as: "anon", json: true},
	"POST /signout":                                 {path: "/signout", as: "member"},
	"POST /enrol/:token/begin":                      {path: "/enrol/{token}/begin", as: "anon", json: true},
	"POST /enrol/:token/finish":                     {path: "/enrol/{token}/finish?ceremony=abc&name=Laptop", as: "anon", json: true},
	"POST /demo/:token":                             {path: "/demo/{demo}", as: "anon"},
	"POST /account/passkeys/begin":                  {path: "/account/passkeys/begin", as: "member", json: true},
	"POST /account/passkeys/finish":                 {path: "/account/passkeys/finish?ceremony=abc&name=Phone", as: "member", json: true},
	"POST /account/passkeys/:id/rename":             {path: "/account/passkeys/{passkey}/rename", as: "member", form: url.Values{"name": {"Renamed"}}},
	"POST /account/passkeys/:id/remove":             {path: "/account/passkeys/{passkey}/remove", as: "member"},
	"POST /account/signout-everywhere":              {path: "/account/signout-everywhere", as: "member"},
	"POST /account/digest":                          {path: "/account/digest", as: "member", form: url.Values{"digest": {"on"}}},
	"POST /coverage/people/:id/remind":              {path: "/coverage/people/{member}/remind", as: "admin", form: url.Values{"module": {"{module}"}, "back": {"/coverage"}}},
	"POST /courses/:module/start":                   {path: "/courses/{module}/start", as: "member", form: url.Values{"retake": {"1"}}},
	"POST /courses/:module/confidence/:phase":       {path: "/courses/{module}/confidence/pre", as: "member", form: url.Values{"s1": {"3"}, "skip": {"1"}}},
	"POST /courses/:module/steps/:n/scenario":       {path: "/courses/{module}/steps/{scenarioStep}/scenario", as: "member"},
	"POST /courses/:module/steps/:n/choose":         {path: "/courses/{module}/steps/{scenarioStep}/choose", as: "member", form: url.Values{"attempt": {"{scenarioAttempt}"}, "at": {"0"}, "choice": {"1"}}},
	"POST /courses/:module/steps/:n/quiz":           {path: "/courses/{module}/steps/{quizStep}/quiz", as: "member", form: url.Values{"q1": {"1"}}},
	"POST /courses/:module/steps/:n/reflection":     {path: "/courses/{module}/steps/{reflectionStep}/reflection", as: "member", form: url.Values{"note": {"A note"}, "skip": {""}}},
	"POST /courses/:module/finish":                  {path: "/courses/{module}/finish", as: "member", form: url.Values{"confidence": {"1"}, "skip": {"1"}}},
	"POST /reflections/:id/delete":                  {path: "/reflections/{reflection}/delete", as: "member"},
	"POST /admin/support/":                          {path: "/admin/support", as: "admin", form: textSupportForm},
	"POST /admin/support/:id":                       {path: "/admin/support/{support}", as: "admin", form: textSupportForm},
	"POST /admin/support/:id/delete":                {path: "/admin/support/{support}/delete", as: "admin"},
	"POST /admin/people":                            {path: "/admin/people", as: "admin", form: textPersonForm},
	"POST /admin/people/:id":                        {path: "/admin/people/{member}", as: "admin", form: textPersonForm},
	"POST /admin/people/:id/deactivate":             {path: "/admin/people/{member}/deactivate", as: "admin"},
	"POST /admin/people/:id/reactivate":             {path: "/admin/people/{member}/reactivate", as: "admin"},
	"POST /admin/people/:id/reenrol":                {path: "/admin/people/{member}/reenrol", as: "admin"},
	"POST /admin/people/:id/invites/:invite/revoke": {path: "/admin/people/{invitee}/invites/{invite}/revoke", as: "admin"},
	"POST /admin/teams":                             {path: "/admin/teams", as: "admin", form: url.Values{"name": {"New team"}}},
	"POST /admin/teams/:id/rename":                  {path: "/admin/teams/{team}/rename", as: "admin", form: url.Values{"name": {"Renamed team"}}},
	"POST /admin/teams/:id/delete":                  {path: "/admin/teams/{team}/delete", as: "admin"},
	"POST /admin/labels":                            {path: "/admin/labels", as: "admin", form: url.Values{"name": {"New label"}}},
	"POST /admin/labels/:id/rename":                 {path: "/admin/labels/{label}/rename", as: "admin", form: url.Values{"name": {"Renamed label"}}},
	"POST /admin/labels/:id/delete":                 {path: "/admin/labels/{label}/delete", as: "admin"},
	"POST /admin/teams/:id/managers":                {path: "/admin/teams/{team}/managers", as: "admin", form: url.Values{"person": {"{member}"}, "manager": {"on"}}},
	"POST /admin/requirements":                      {path: "/admin/requirements", as: "admin", form: textRequirementForm},
	"POST /admin/requirements/:id":                  {path: "/admin/requirements/{requirement}", as: "admin", form: textRequirementForm},
	"POST /admin/requirements/:id/delete":           {path: "/admin/requirements/{requirement}/delete", as: "admin"},
	"POST /admin/coverage-settings":                 {path: "/admin/coverage-settings", as: "admin", form: url.Values{"due_soon_days": {"21"}, "responder_label": {"{label}"}}},
	"GET /coverage/":                                {path: "/coverage?team={team}&label={label}&course={module}", as: "admin"},
	"GET /coverage/courses/:module":                 {path: "/coverage/courses/{module}?team={team}&label={label}&status=complete", as: "admin"},
	"POST /admin/api-keys":                          {path: "/admin/api-keys", as: "admin", form: url.Values{"name": {"Text key"}}},
	"POST /admin/api-keys/:id/revoke":               {path: "/admin/api-keys/{apiKey}/revoke", as: "admin"},
	"GET /admin/audit":                              {path: "/admin/audit?action=signin&person={member}&from=2026-01-01&to=2026-12-31", as: "admin"},
	"GET /verify":                                   {path: "/verify?code={code}", as: "anon"},
	"GET /courses/":                                 {path: "/courses?audience=everyone", as: "member"},
	"POST /studio/new":                              {path: "/studio/new", as: "trainer", form: url.Values{"kind": {"scenario"}, "id": {"text-new"}, "title": {"New"}}},
	"POST /studio/copy":                             {path: "/studio/copy", as: "trainer", form: url.Values{"from": {"scenario:{libraryScenario}"}, "id": {"text-copy"}}},
	// Only an org admin who is a trainer reaches it; the text is refused
	// before any route.
	"POST /studio/import":              {path: "/studio/import", as: "trainer", form: url.Values{"id": {"text-import"}}},
	"POST /studio/review":              {path: "/studio/review", as: "trainer", form: url.Values{"required": {"on"}}},
	"POST /studio/:kind/:id":           {path: "/studio/scenarios/{scenario}", as: "trainer", form: textSourceForm},
	"POST /studio/:kind/:id/check":     {path: "/studio/scenarios/{scenario}/check", as: "trainer", form: textSourceForm},
	"POST /studio/:kind/:id/files":     {path: "/studio/modules/{studioModule}/files", as: "trainer", form: url.Values{"revision": {"1"}, "name": {"02-next"}}},
	"POST /studio/:kind/:id/approve":   {path: "/studio/scenarios/{scenario}/approve", as: "trainer", form: url.Values{"revision": {"1"}}},
	"POST /studio/:kind/:id/publish":   {path: "/studio/scenarios/{scenario}/publish", as: "trainer", form: url.Values{"revision": {"1"}, "note": {"A note"}}},
	"POST /studio/:kind/:id/unpublish": {path: "/studio/scenarios/{publishedScenario}/unpublish", as: "trainer"},
	"POST /studio/:kind/:id/playtest":  {path: "/studio/scenarios/{scenario}/playtest", as: "trainer", form: url.Values{"from": {"opening"}, "path": {"1"}, "choice": {"1"}}},
	"POST /studio/:kind/:id/form": {path: "/studio/scenarios/{scenario}/form", as: "trainer",
		form: url.Values{"revision": {"1"}, "op": {"add-node"}, "id": {"text-node"}, "speaker": {"A speaker"}, "text": {"Line one\r\n\r\nline\ttwo"}}},
}

var (
	// textSourceForm is the editor's form: the textarea holds a scenario
	// file, whose tabs and (CRLF) line breaks are text.
	textSourceForm      = url.Values{"revision": {"1"}, "file": {"{scenario}.yaml"}, "source": {"id: {scenario}\r\ntitle: \"Tab\there\"\r\n"}}
	textRequirementForm = url.Values{"module": {"{module}"}, "team": {"{team}"}, "label": {"{label}"}, "due_days": {"45"},
		"refresher": {"months"}, "months": {"12"}, "first_deadline": {"2099-01-31"}, "strict": {"1"}}
	textSupportForm = url.Values{"name": {"Helpline"}, "description": {"Someone to talk to"}, "link": {"https://help.example"}, "phone": {"0800 000 0000"}}
	textPersonForm  = url.Values{"name": {"New Person"}, "email": {"new@example.org"}, "trainer": {"1"}, "org_admin": {""},
		"teams": {"{team}"}, "labels": {"{label}"}}
)

// TestEveryPostRouteIsInTheTextTable fails for a POST route that
// textRoutes does not cover.
func TestEveryPostRouteIsInTheTextTable(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	var missing []string
	for _, r := range s.App().GetRoutes(true) {
		if r.Method != http.MethodPost {
			continue
		}
		if _, ok := textRoutes[r.Method+" "+r.Path]; !ok && !slices.Contains(missing, r.Path) {
			missing = append(missing, r.Path)
		}
	}
	for _, p := range missing {
		t.Errorf("POST %s is not in textRoutes", p)
	}
}

// TestControlCharactersAreRefused: for every form (every POST route, and
// the GET forms), a NUL — or another control character — in any one of
// its fields, in the query or the body, is a 400 that names the field,
// and changes nothing. So is one in any string of a ceremony's JSON body,
// whatever Content-Type it is sent with.
// A textarea's CRLF line breaks and tabs are fine.
func TestControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	a := s.newTenant(t, "Alder")
	ctx := context.Background()
	demoLink, err := s.auth.IssueDemoLink(ctx, org.Operator(s.st, a.Org.ID, "demo"), a.Member)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(v string) string {
		return strings.ReplaceAll(a.fill(v), "{demo}", demoLink[strings.LastIndex(demoLink, "/")+1:])
	}
	anon := s.browser(t)
	anon.page("/signin")
	as := map[string]*browser{"anon": anon, "member": a.memberV, "admin": a.adminV, "trainer": a.trainerV}

	// expect400 checks a refusal that names field.
	expect400 := func(what string, resp *http.Response, body, field string) {
		t.Helper()
		var got struct {
			Status int    `json:"status"`
			Field  string `json:"field"`
			Error  string `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &got)
		if resp.StatusCode != http.StatusBadRequest || got.Field != field || !strings.Contains(got.Error, field) {
			t.Errorf("%s: status %d, field %q, want 400 naming %q\n%s", what, resp.StatusCode, got.Field, field, clip(body))
		}
	}

	before := a.snapshot(t, s)
	for name, row := range textRoutes {
		method, _, _ := strings.Cut(name, " ")
		b := as[row.as]
		base, rawQuery, _ := strings.Cut(fill(row.path), "?")
		query, _ := url.ParseQuery(rawQuery)
		form := url.Values{}
		for k, vs := range row.form {
			for _, v := range vs {
				form.Add(k, fill(v))
			}
		}
		type target struct {
			field   string
			inQuery bool
		}
		var targets []target
		for k := range query {
			targets = append(targets, target{k, true})
		}
		for k := range form {
			targets = append(targets, target{k, false})
		}
		if len(targets) == 0 {
			targets = append(targets, target{"comment", method == http.MethodGet})
		}
		for _, tg := range targets {
			for _, bad := range []string{"before\x00after", "bell\a", "lone\rreturn"} {
				q, f := cloneValues(query), cloneValues(form)
				if tg.inQuery {
					q.Set(tg.field, bad)
				} else {
					f.Set(tg.field, bad)
				}
				path := base
				if len(q) > 0 {
					path += "?" + q.Encode()
				}
				var resp *http.Response
				var body string
				if method == http.MethodGet {
					resp, body = b.get(path, "Accept", "application/json")
				} else {
					f.Set("_csrf", b.token())
					resp, body = b.postRaw(path, f, "Accept", "application/json")
				}
				expect400(name+" "+tg.field+" "+strings.ToValidUTF8(bad[:4], "?"), resp, body, tg.field)
			}
		}
		if row.json {
			q := ""
			if rawQuery != "" {
				q = "?" + rawQuery
			}
			// As JSON, and as a body that says it is something else:
			// the ceremonies read it as JSON all the same.
			for body, field := range map[string]string{
				`{"name":"Lap\u0000top"}`: "name",
				`{"id":"x","response":{"clientDataJSON":"e30","transports":["usb","\u0000"]}}`: "transports",
			} {
				for _, ct := range []string{"application/json", "text/plain;charset=UTF-8", ""} {
					resp, out := b.postBody(base+q, ct, body)
					expect400(name+" JSON as "+ct+" "+field, resp, out, field)
				}
			}
		}
		if after := a.snapshot(t, s); after != before {
			t.Fatalf("%s: a refused request changed the database:\nbefore %s\nafter  %s", name, before, after)
		}
	}

	// The User-Agent, which sessions store.
	req := httptest.NewRequest("GET", "/signin", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0\x01")
	req.Header.Set("Accept", "application/json")
	resp, body := s.do(t, req)
	expect400("User-Agent", resp, body, "User-Agent")

	// Line breaks from a textarea and tabs are text.
	note := "First line\r\nsecond line\twith a tab"
	b := a.memberV
	b.redirect(a.fill("/courses/{module}/steps/{reflectionStep}/reflection"), url.Values{"note": {note}}, "")
	notes, err := s.learn.Reflections(ctx, org.Actor{Org: s.st.Org(a.Org.ID), PersonID: a.Member.ID})
	if err != nil {
		t.Fatal(err)
	}
	kept := strings.ReplaceAll(note, "\r\n", "\n") // the learning service keeps line breaks as LF
	if !slices.ContainsFunc(notes, func(n store.Reflection) bool { return n.Body == kept }) {
		t.Errorf("a note with CRLF and a tab was not kept: %v", notes)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
