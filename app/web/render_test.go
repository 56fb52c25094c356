package web

import (
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestRenderErrorIsAnError: a template that fails half-way must not send a
// cut-off page with status 200.
func TestRenderErrorIsAnError(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	app := fiber.New(fiber.Config{Views: s.views})
	var renderErr error
	app.Get("/", func(c *fiber.Ctx) error {
		// .Passkeys items must have a Name: ints make the page fail midway.
		renderErr = s.render(c, "pages/account", fiber.Map{"Passkeys": []int{1}})
		return renderErr
	})
	resp, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if renderErr == nil || !strings.Contains(renderErr.Error(), "pages/account") {
		t.Errorf("render error = %v, want one naming the page", renderErr)
	}
	if resp.StatusCode != 500 {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
}

// TestTablesKeepTheirRolesWhenStacked: on a narrow screen the stylesheet
// lays each table row out as a card, and some browsers drop table
// semantics from elements whose display changes, so every table says its
// roles itself and every data cell carries the column name the card shows
// (empty when the cell's content names itself).
func TestTablesKeepTheirRolesWhenStacked(t *testing.T) {
	t.Parallel()
	tag := regexp.MustCompile(`<(table|thead|tbody|tr|th|td)\b[^>]*>`)
	need := map[string][]string{
		"table": {`class="stack"`, `role="table"`},
		"thead": {`role="rowgroup"`},
		"tbody": {`role="rowgroup"`},
		"tr":    {`role="row"`},
		"td":    {`role="cell"`, `data-label="`},
	}
	var tables int
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(templateFiles, path)
		if err != nil {
			return err
		}
		for _, m := range tag.FindAllStringSubmatch(string(src), -1) {
			el, want := m[1], need[m[1]]
			switch {
			case el == "table":
				tables++
			case el == "th" && strings.Contains(m[0], `scope="col"`):
				want = []string{`role="columnheader"`}
			case el == "th" && strings.Contains(m[0], `scope="row"`):
				want = []string{`role="rowheader"`}
			case el == "th":
				t.Errorf("%s: %s has no scope", path, m[0])
			}
			for _, w := range want {
				if !strings.Contains(m[0], w) {
					t.Errorf("%s: %s lacks %s", path, m[0], w)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tables < 8 {
		t.Errorf("found %d tables in the templates, want at least 8", tables)
	}
}
