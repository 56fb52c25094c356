// Package metrics is what the server tells Prometheus: requests by route
// pattern (never by raw path, which would hold ids and secrets), their
// latency, the database pool, the learning records written and the
// reminder jobs worked. It is
// served on its own listen address (UPSTAND_METRICS_ADDR, off by default),
// never on the public one (docs/operations.md).
//
// Everything is registered on the Metrics value's own registry: no global
// state, so tests and several servers in one process don't mix.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's collectors. A nil *Metrics is valid and
// records nothing.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	started   *prometheus.CounterVec
	finished  *prometheus.CounterVec
	completed prometheus.Counter
	jobs      *prometheus.CounterVec
	retries   *prometheus.CounterVec
}

// New makes the collectors, with the pool statistics of db (nil: none)
// and the Go runtime's and the process's.
func New(db *sql.DB) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstand_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "upstand_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstand_attempts_started_total", Help: "Course and scenario attempts started.",
		}, []string{"kind"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstand_scenario_attempts_finished_total", Help: "Scenario attempts finished, by outcome.",
		}, []string{"outcome"}),
		completed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "upstand_completions_total", Help: "Course completions written.",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstand_reminder_jobs_total",
			Help: "Reminder jobs worked, by kind (reminder, digest, scan) and outcome (sent, listed, skipped, done, failed, cancelled).",
		}, []string{"kind", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstand_reminder_job_retries_total", Help: "Reminder jobs worked again after an earlier attempt failed, by kind.",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.started, m.finished, m.completed, m.jobs, m.retries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, "upstand"))
	}
	return m
}

// Register adds more collectors (another part of the server's) to the
// registry.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	if m == nil {
		return nil
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one answered request. route is the matched route's
// pattern ("/courses/:module"), or "unmatched".
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// AttemptStarted counts a course or scenario attempt started (learning.Events).
func (m *Metrics) AttemptStarted(kind string) {
	if m != nil {
		m.started.WithLabelValues(kind).Inc()
	}
}

// AttemptFinished counts a scenario attempt finished with an outcome.
func (m *Metrics) AttemptFinished(outcome string) {
	if m != nil {
		m.finished.WithLabelValues(outcome).Inc()
	}
}

// CompletionWritten counts a course completion.
func (m *Metrics) CompletionWritten() {
	if m != nil {
		m.completed.Inc()
	}
}

// JobWorked counts one working of a reminder job (remind.Events): its
// outcome, and a retry when it is not the job's first attempt.
func (m *Metrics) JobWorked(kind, outcome string, attempt int) {
	if m == nil {
		return
	}
	m.jobs.WithLabelValues(kind, outcome).Inc()
	if attempt > 1 {
		m.retries.WithLabelValues(kind).Inc()
	}
}
