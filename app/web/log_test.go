package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLogHidesEnrolmentTokens(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	const token = "c2VjcmV0LWVucm9sbWVudC10b2tlbi1kby1ub3QtbG9n"
	resp, _ := s.do(t, httptest.NewRequest("GET", "/enrol/"+token, nil))
	if resp.StatusCode != 404 {
		t.Errorf("unknown enrolment token: status %d, want 404", resp.StatusCode)
	}
	if strings.Contains(s.logs.String(), token) {
		t.Errorf("the access log holds the token:\n%s", s.logs)
	}
	if !strings.Contains(s.logs.String(), "path=/enrol/:token") {
		t.Errorf("the access log does not show the route:\n%s", s.logs)
	}
}
