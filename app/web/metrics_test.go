package web

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// scrape is the server's metrics as Prometheus reads them.
func (s *testServer) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return string(body)
}

// TestMetricsNameRoutesNotPaths: requests are counted by the pattern of
// the route that answered them, so no id, token or other part of a path
// reaches the metrics; a path no route has, and a request refused before
// routing, count as "unmatched"; learning records are counted as written;
// the public server has no /metrics.
func TestMetricsNameRoutesNotPaths(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	x := s.newTenant(t, "Metric")
	x.memberV.get("/courses/" + x.Course.Module.ID)
	x.memberV.get(fmt.Sprintf("/courses/%s/steps/%d/attempts/%s", x.Course.Module.ID, x.Course.Scenarios[0].Step.Index, x.Course.Scenarios[0].Attempt.ID))
	anon := s.browser(t)
	anon.get("/enrol/" + x.InviteToken)
	anon.get("/no/such/page")
	if resp, _ := anon.get("/metrics"); resp.StatusCode != 404 {
		t.Errorf("the public server answers /metrics with %d", resp.StatusCode)
	}
	got := s.scrape(t)
	for _, want := range []string{
		`upstand_http_requests_total{code="200",method="GET",route="/courses/:module"}`,
		`route="/enrol/:token"`,
		`upstand_http_requests_total{code="200",method="GET",route="/courses/:module/steps/:n/attempts/:id"}`,
		`upstand_http_requests_total{code="404",method="GET",route="unmatched"}`,
		`upstand_attempts_started_total{kind="course"}`,
		`upstand_attempts_started_total{kind="scenario"}`,
		`upstand_scenario_attempts_finished_total{outcome="positive"}`,
		`upstand_completions_total 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
	for _, secret := range []string{x.InviteToken, x.Course.Module.ID + `"`, x.Course.Scenarios[0].Attempt.ID.String(), "/no/such/page"} {
		if strings.Contains(got, secret) {
			t.Errorf("the metrics hold %q", secret)
		}
	}
}
