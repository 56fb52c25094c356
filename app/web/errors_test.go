package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/store"
)

// TestErrorMapping: every kind of fault, a fiber.Error and a plain error
// become one status, heading and message, as a page and as JSON, with the
// request id; an internal error's text never reaches the client.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	secret := errors.New("dial tcp db.internal:5432: connection refused")
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		heading string
		message string
		field   string
	}{
		{"not found, the store's", fmt.Errorf("store: load course: %w", store.ErrNotFound), 404, "Page not found", notFoundMessage, ""},
		{"not found, with words", learning.ErrNotFound, 404, "Page not found", "There is nothing here: the course, step or record does not exist, or is not yours.", ""},
		{"not found, fiber's", fiber.ErrNotFound, 404, "Page not found", notFoundMessage, ""},
		{"forbidden", fault.Wrap(fault.Forbidden, secret), 403, "Forbidden", forbiddenMessage, ""},
		{"conflict, the store's", fmt.Errorf("store: add team: %w", store.ErrConflict), 409, "Conflict", conflictMessage, ""},
		{"conflict, with words", fmt.Errorf("learning: finish: %w", learning.ErrIncomplete), 409, "Conflict", "The course is not complete yet.", ""},
		{"invalid, a field", fault.Input("note", "Write something before saving."), 400, "Bad Request", "Write something before saving.", "note"},
		{"invalid, a ceremony", fmt.Errorf("%w (parse: bad json)", auth.ErrCeremony), 400, "Bad Request", "The passkey step did not complete. Please try again.", ""},
		{"unavailable", fmt.Errorf("store: kv get: %w", fault.Wrap(fault.Unavailable, secret)), 503, "Service Unavailable", unavailableMessage, ""},
		{"internal with a message", &fault.Error{Kind: fault.Internal, Msg: "db.internal said no", Err: secret}, 500, "Internal Server Error", internalMessage, ""},
		{"plain error", secret, 500, "Internal Server Error", internalMessage, ""},
		{"fiber error", fiber.NewError(fiber.StatusUnauthorized, "Please sign in first."), 401, "Unauthorized", "Please sign in first.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{Views: s.views, ErrorHandler: s.handleError})
			app.Use(withRequestID) // as frame gives every request one
			app.Get("/", func(*fiber.Ctx) error { return tc.err })
			for _, accept := range []string{"text/html", "application/json"} {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Accept", accept)
				resp, err := app.Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				_, _ = io.Copy(&b, resp.Body)
				body, id := b.String(), resp.Header.Get(fiber.HeaderXRequestID)
				if resp.StatusCode != tc.status {
					t.Errorf("%s: status %d, want %d", accept, resp.StatusCode, tc.status)
				}
				if strings.Contains(body, "db.internal") {
					t.Errorf("%s: the cause leaked: %s", accept, body)
				}
				if got := resp.Header.Get(fiber.HeaderRetryAfter); (got != "") != (tc.status == 503) {
					t.Errorf("%s: Retry-After %q with status %d", accept, got, tc.status)
				}
				if accept == "text/html" {
					for _, want := range []string{"<h1>" + tc.heading + "</h1>", template.HTMLEscapeString(tc.message),
						fmt.Sprintf("Error %d · reference %s", tc.status, id), "Leave this site"} {
						if !strings.Contains(body, want) {
							t.Errorf("page lacks %q:\n%s", want, clip(body))
						}
					}
					continue
				}
				var got map[string]any
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatalf("JSON: %v: %s", err, body)
				}
				want := map[string]any{"error": tc.message, "status": float64(tc.status), "request_id": id}
				if tc.field != "" {
					want["field"] = tc.field
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("JSON %v, want %v", got, want)
				}
			}
		})
	}
	if n := strings.Count(s.logs.String(), "request failed"); n != 2*3 {
		t.Errorf("%d server errors logged, want 6 (the 500s and the 503, once per request):\n%s", n, s.logs)
	}
}

// TestNotStartedGoesToTheCourse: a step of a course the learner has not
// started is the one error answered with a redirect.
func TestNotStartedGoesToTheCourse(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	b, _ := s.person(t, s.organisation(t, "Elm Trust"), "Nat Newcomer", false)
	resp, _ := b.get("/courses/microaggressions/steps/1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/courses/microaggressions" {
		t.Errorf("status %d to %q, want 303 to the course page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestByteSize: the body limit as the 413 page words it.
func TestByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{900: "900 bytes", 8192: "8 KiB", 1500: "1.5 KiB", 1 << 20: "1 MiB", 3 << 19: "1.5 MiB", 10 << 20: "10 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
