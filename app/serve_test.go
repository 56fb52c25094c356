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
// no DATABASE_URL, so it starts its own PostgreSQL. It becomes ready, a
// request that is still arriving when the shutdown signal comes is answered,
// new connections are refused, afterwards no PostgreSQL process is left, and
// every shutdown step is logged.
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

	// A request whose body is still on its way when the signal arrives.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nhalf-", addr)
	time.Sleep(200 * time.Millisecond)
	cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	time.Sleep(500 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted after the shutdown signal")
	}
	if _, err := conn.Write([]byte("done!")); err != nil {
		t.Fatalf("finish the in-flight request: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode == 0 {
		t.Error("no status for the in-flight request")
	}

	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d:\n%s", code, stderr.String())
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
