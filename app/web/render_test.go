package web

import (
	"net/http/httptest"
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
