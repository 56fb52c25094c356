package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLogHidesEnrolmentTokens(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t, nil)
	const token = "c2VjcmV0LWVucm9sbWVudC10b2tlbi1kby1ub3QtbG9n"
	resp, _ := do(t, s, httptest.NewRequest("GET", "/enrol/"+token, nil))
	if resp.StatusCode != 404 {
		t.Errorf("unknown enrolment token: status %d, want 404", resp.StatusCode)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the access log holds the token:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "path=/enrol/:token") {
		t.Errorf("the access log does not show the route:\n%s", logs)
	}
}
