package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects a command's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeWithNoConfiguration runs `upstand serve` as a newcomer does:
// no DATABASE_URL, so it starts its own PostgreSQL. It becomes ready.
// SIGTERM (here its context's end) with several requests in flight: new
// connections are refused, every request in flight is answered 200, serve
// exits within 10 s, afterwards no PostgreSQL process is left, and every
// shutdown step is logged. It waits for conditions, never for a time.
func TestServeWithNoConfiguration(t *testing.T) {
	base := "/dev/shm"
	if _, err := os.Stat(base); err != nil {
		base = os.TempDir()
	}
	parent, err := os.MkdirTemp(base, "upstand-serve-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil { // the postgres OS user must reach it
		t.Fatal(err)
	}
	dataDir := filepath.Join(parent, "var")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dataDir, "--log-level", "info", "--metrics-addr", metricsAddr},
			env(map[string]string{}), &stdout, &stderr)
	}()

	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before it was ready:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 90s:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), "Upstand is running at http://localhost:") {
		t.Errorf("stdout does not show the URL: %q", stdout.String())
	}
	if !postgresRunning(t, dataDir) {
		t.Fatal("no private PostgreSQL process found while serving")
	}

	// Metrics: on their own address only, with requests by route pattern
	// and the database pool.
	if resp, err := http.Get("http://" + addr + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the public address answers /metrics: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`upstand_http_requests_total{code="200",method="GET",route="/readyz"}`,
		`upstand_http_requests_total{code="404",method="GET",route="unmatched"}`, `go_sql_max_open_connections{db_name="upstand"}`, "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics lack %s:\n%s", want, body)
		}
	}

	// Requests in flight when the signal arrives: each has sent its
	// headers and been told to go on (100 Continue, so the server is
	// reading it), and sends its body only after the signal.
	cookies, token := signinPair(t, "http://"+addr)
	const inFlight = 8
	conns := make([]net.Conn, inFlight)
	readers := make([]*bufio.Reader, inFlight)
	for i := range conns {
		conns[i], readers[i] = beginInFlight(t, addr, cookies, token)
		defer conns[i].Close()
	}
	cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	signalled := time.Now()

	// New connections are refused once the server has stopped listening.
	if !waitFor(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Error("new connections were still accepted 10 s after the shutdown signal")
	}
	for i, conn := range conns {
		if _, err := conn.Write([]byte("{}")); err != nil {
			t.Fatalf("finish in-flight request %d: %v", i, err)
		}
	}
	for i, conn := range conns {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(readers[i], nil)
		if err != nil {
			t.Errorf("in-flight request %d got no answer: %v", i, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "challenge") {
			t.Errorf("in-flight request %d: %d %s", i, resp.StatusCode, body)
		}
	}

	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d:\n%s", code, stderr.String())
		}
		if took := time.Since(signalled); took > 10*time.Second {
			t.Errorf("serve took %s to exit after the signal, want at most 10 s", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of the signal")
	}
	if postgresRunning(t, dataDir) {
		t.Error("a PostgreSQL process outlived serve")
	}
	// Each step of the shutdown is logged, in order, so a hang shows where.
	logs := stderr.String()
	at := 0
	for _, msg := range []string{"shutting down: draining requests", "HTTP server stopped", "job queue stopped", "database connections closed", "private PostgreSQL stopped"} {
		i := strings.Index(logs[at:], `msg="`+msg+`"`)
		if i < 0 {
			t.Errorf("log lacks %q after the previous shutdown step:\n%s", msg, logs)
			break
		}
		at += i
	}
}

// signinPair opens the sign-in page as a browser does and returns its
// cookies (as a Cookie header) and the form's CSRF token.
func signinPair(t *testing.T, base string) (cookies, token string) {
	t.Helper()
	resp, err := http.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET /signin: %d, no CSRF token in the form", resp.StatusCode)
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	return strings.Join(pairs, "; "), string(m[1])
}

// beginInFlight sends the headers of a passkey sign-in's first step
// (answered 200 with a challenge) and waits until the server says to send
// the body: from then on the request is in flight.
func beginInFlight(t *testing.T, addr, cookies, token string) (net.Conn, *bufio.Reader) {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /signin/begin HTTP/1.1\r\nHost: %s\r\nOrigin: http://localhost:%s\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"+
		"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
		addr, port, cookies, token)
	r := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("the server did not ask for the body: %q %v", line, err)
	}
	if blank, err := r.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q %v", blank, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn, r
}

// waitFor polls cond until it holds or limit passes, and says which.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// postgresRunning looks for a process whose command line names dir.
func postgresRunning(t *testing.T, dir string) bool {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, "postgres") && strings.Contains(cmd, dir) {
			return true
		}
	}
	return false
}
