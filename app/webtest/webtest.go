// Package webtest runs the real upstand binary against a fresh database and
// drives it with headless Chromium, for end-to-end and accessibility tests.
// A missing browser or axe-core is a test failure that says how to get it.
package webtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upstand/upstand/app/dbtest"
)

var (
	binary  string // the upstand binary built by Main
	repoDir string // the repository root (where go.mod is)
)

// Main builds the upstand binary once, then runs the package's tests against
// real PostgreSQL (dbtest) and stops the shared browser afterwards.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := findRepo()
	if err != nil {
		fmt.Fprintln(os.Stderr, "webtest:", err)
		return 2
	}
	repoDir = dir
	tmp, err := os.MkdirTemp("", "upstand-webtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "webtest:", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	binary = filepath.Join(tmp, "upstand")
	build := exec.Command("go", "build", "-o", binary, "./app")
	build.Dir = repoDir
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "webtest: build upstand: %v\n%s", err, out)
		return 2
	}
	defer stopBrowser()
	return dbtest.Run(m)
}

func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// serverTimeout bounds the server's start-up and each upstand subcommand.
const serverTimeout = 2 * time.Minute

// Server is a running upstand process on its own port and database.
type Server struct {
	// URL is the server's own address, http://localhost:PORT (passkeys
	// refuse an IP); BaseURL the public one it was given (URL unless
	// several servers share an address).
	URL     string
	BaseURL string
	// DatabaseURL is the server's private test database.
	DatabaseURL string
	cmd         *exec.Cmd
	out         *syncBuffer
}

// StartServer runs `upstand serve` on a free port with a fresh database and
// waits until /readyz answers. extraEnv entries are KEY=VALUE. The server is
// stopped with SIGTERM when the test ends and its output is logged if the
// test failed.
func StartServer(t testing.TB, extraEnv ...string) *Server {
	t.Helper()
	return StartServerOn(t, dbtest.URL(t), "", extraEnv...)
}

// StartServerOn is StartServer on the database at databaseURL (which may
// be empty of tables: the server migrates it) with the base URL baseURL
// (empty: its own address), for several servers behind one address.
func StartServerOn(t testing.TB, databaseURL, baseURL string, extraEnv ...string) *Server {
	t.Helper()
	s := LaunchServer(t, databaseURL, baseURL, extraEnv...)
	s.WaitReady(t)
	return s
}

// LaunchServer starts `upstand serve` as StartServerOn does without waiting
// for it: several servers can start at the same moment. WaitReady waits.
func LaunchServer(t testing.TB, databaseURL, baseURL string, extraEnv ...string) *Server {
	t.Helper()
	if binary == "" {
		t.Fatal("webtest: no binary: call webtest.Main(m) from TestMain in this package")
	}
	port := freePort(t)
	s := &Server{
		URL:         fmt.Sprintf("http://localhost:%d", port),
		DatabaseURL: databaseURL,
		out:         &syncBuffer{},
	}
	s.BaseURL = baseURL
	if s.BaseURL == "" {
		s.BaseURL = s.URL
	}
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Dir = repoDir
	s.cmd.Env = append(os.Environ(),
		"UPSTAND_ADDR="+fmt.Sprintf("127.0.0.1:%d", port),
		"UPSTAND_BASE_URL="+s.BaseURL,
		"DATABASE_URL="+s.DatabaseURL,
		"UPSTAND_LOG_LEVEL=warn",
	)
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("webtest: start upstand: %v", err)
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("upstand output:\n%s", s.out.String())
		}
	})
	return s
}

// WaitReady waits until the server's /readyz answers 200.
func (s *Server) WaitReady(t testing.TB) {
	t.Helper()
	// Start-up includes migrating a fresh database: on a busy machine that
	// can take far longer than usual, so the wait is generous.
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(serverTimeout)
	for {
		var last string
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("webtest: upstand not ready within %s (/readyz: %s):\n%s", serverTimeout, last, s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Command runs another upstand subcommand (e.g. admin) against the server's
// database and returns its standard output; a non-zero exit fails the test.
func (s *Server) Command(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), serverTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.DatabaseURL, "UPSTAND_BASE_URL="+s.BaseURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: not done within %s", err, serverTimeout)
		}
		t.Fatalf("webtest: upstand %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// Output is what the server has printed so far.
func (s *Server) Output() string { return s.out.String() }

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("webtest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
