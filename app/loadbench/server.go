package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/upstand/upstand/app/db"
)

// build compiles the upstand binary into dir.
func build(ctx context.Context, dir string) (string, error) {
	repo, err := findRepo()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "upstand")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./app")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build upstand: %v\n%s", err, out)
	}
	return bin, nil
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
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// cluster is the private PostgreSQL the server and pgbench share, with an
// administrative pool on the server's database for its statistics.
type cluster struct {
	*db.Cluster
	parent string
	admin  *sql.DB // as the superuser, on the application's database
	url    string  // the application's database
	bin    string  // PostgreSQL's binaries (pgbench)
}

const appDatabase = "upstand_bench"

// startCluster starts a throw-away cluster (fsync off: the same for the
// server and for pgbench, so the ratios stand) with pg_stat_statements
// loaded when statements is set.
func startCluster(ctx context.Context, statements bool) (*cluster, error) {
	bin, err := db.FindBinaries()
	if err != nil {
		return nil, err
	}
	base := "/dev/shm"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	parent, err := os.MkdirTemp(base, "upstand-loadbench-")
	if err != nil {
		return nil, err
	}
	_ = os.Chmod(parent, 0o755) // the postgres OS user must reach the cluster folder
	opts := db.ClusterOptions{Dir: filepath.Join(parent, "pg"), Database: appDatabase, Throwaway: true}
	c, err := db.StartCluster(ctx, opts)
	if err != nil {
		os.RemoveAll(parent)
		return nil, err
	}
	if statements {
		// Loaded at start only: set it, then start the cluster again.
		if err := execAdmin(ctx, c.AdminURL(), "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"); err != nil {
			c.Stop()
			return nil, err
		}
		c.Stop()
		if c, err = db.StartCluster(ctx, opts); err != nil {
			os.RemoveAll(parent)
			return nil, err
		}
	}
	cl := &cluster{Cluster: c, parent: parent, url: c.URL(), bin: bin}
	if cl.admin, err = sql.Open("pgx", c.URL()); err != nil {
		cl.stop()
		return nil, err
	}
	cl.admin.SetMaxOpenConns(2)
	return cl, nil
}

func execAdmin(ctx context.Context, url string, stmts ...string) error {
	d, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer d.Close()
	for _, s := range stmts {
		if _, err := d.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// pgbenchPath is pgbench beside the cluster's binaries (the folder a
// link on PATH points to, too), else on PATH.
func pgbenchPath(bin string) string {
	for _, dir := range []string{bin, resolved(filepath.Join(bin, "initdb"))} {
		if p := filepath.Join(dir, "pgbench"); dir != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	return "pgbench"
}

func resolved(path string) string {
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	return filepath.Dir(p)
}

func (c *cluster) stop() {
	if c.admin != nil {
		c.admin.Close()
	}
	c.Stop()
	os.RemoveAll(c.parent)
	if filepath.Dir(c.Dir()) != c.parent { // the cluster lived in a fallback folder
		os.RemoveAll(filepath.Dir(c.Dir()))
	}
}

// transactions is PostgreSQL's count of committed and rolled-back
// transactions in the application's database so far.
func (c *cluster) transactions(ctx context.Context) (int64, error) {
	var n int64
	err := c.admin.QueryRowContext(ctx,
		"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()").Scan(&n)
	return n, err
}

// server is one running `upstand serve`.
type server struct {
	cmd     *exec.Cmd
	url     string // http://localhost:PORT
	metrics string // http://127.0.0.1:PORT, with /debug/pprof/
	out     *syncBuffer
	done    chan struct{}
}

// startServer runs the binary on the database and waits for /readyz; it
// returns how long that took from exec.
func startServer(ctx context.Context, binary, databaseURL string) (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	mport, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	s := &server{url: fmt.Sprintf("http://localhost:%d", port), metrics: fmt.Sprintf("http://127.0.0.1:%d", mport),
		out: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+databaseURL,
		fmt.Sprintf("UPSTAND_ADDR=127.0.0.1:%d", port),
		"UPSTAND_BASE_URL="+s.url,
		fmt.Sprintf("UPSTAND_METRICS_ADDR=127.0.0.1:%d", mport),
		// Setting up the learners signs many in from one address: each
		// gets its own (X-Forwarded-For), as behind a proxy, so the rate
		// limits per address hold as they are.
		"UPSTAND_PROXY_HEADER=X-Forwarded-For",
		"UPSTAND_TRUSTED_PROXIES=127.0.0.1",
		"UPSTAND_LOG_LEVEL=warn",
	)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start upstand: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := start.Add(2 * time.Minute)
	for {
		select {
		case <-s.done:
			return nil, 0, fmt.Errorf("upstand exited during start-up:\n%s", s.out.String())
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		default:
		}
		resp, err := client.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(start), nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, 0, fmt.Errorf("upstand not ready within 2 minutes:\n%s", s.out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// rss is the server's resident size now and its peak so far, in MB, from
// /proc (VmRSS, VmHWM).
func (s *server) rss() (now, peak float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		if name == "VmRSS" {
			now = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return now, peak, sc.Err()
}

// command runs an upstand subcommand against the database.
func command(ctx context.Context, binary, databaseURL, baseURL string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "UPSTAND_BASE_URL="+baseURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("upstand %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// profile saves the server's CPU profile over d to path.
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	return s.save(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))), path)
}

func (s *server) save(ctx context.Context, query, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics+query, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", query, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
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

// pgbench runs PostgreSQL's pgbench with a one-upsert transaction on a
// database of its own in the same cluster, with the same connections and
// duration, and reads each transaction's latency from its log.
func (c *cluster) pgbench(ctx context.Context, connections int, d time.Duration) (Figure, error) {
	f := Figure{Name: "pgbench one-upsert transaction"}
	u := strings.Replace(c.url, "/"+appDatabase+"?", "/pgbench?", 1)
	if err := execAdmin(ctx, c.AdminURL(), "DROP DATABASE IF EXISTS pgbench", "CREATE DATABASE pgbench"); err != nil {
		return f, err
	}
	if err := execAdmin(ctx, u, "CREATE TABLE upserts (id int PRIMARY KEY, n bigint NOT NULL)"); err != nil {
		return f, err
	}
	dir, err := os.MkdirTemp("", "upstand-pgbench-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "upsert.sql")
	if err := os.WriteFile(script, []byte("\\set id random(1, 100000)\n"+
		"INSERT INTO upserts VALUES (:id, 1) ON CONFLICT (id) DO UPDATE SET n = upserts.n + 1;\n"), 0o644); err != nil {
		return f, err
	}
	secs := max(1, int(d.Round(time.Second).Seconds()))
	cmd := exec.CommandContext(ctx, pgbenchPath(c.bin), "-n", "-c", strconv.Itoa(connections),
		"-j", "2", "-T", strconv.Itoa(secs), "-l", "--log-prefix="+filepath.Join(dir, "log"), "-f", script, u)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return f, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out); m != nil {
		f.RPS, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindSubmatch(out); m != nil {
		f.Errors, _ = strconv.ParseUint(string(m[1]), 10, 64)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "log.*"))
	var lat []float64
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			return f, err
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) >= 3 {
				us, _ := strconv.ParseFloat(fields[2], 64)
				lat = append(lat, us/1000)
			}
		}
	}
	if f.RPS == 0 || len(lat) == 0 {
		return f, fmt.Errorf("pgbench: no transactions measured:\n%s", out)
	}
	sort.Float64s(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	f.P50, f.P95, f.P99 = q(0.50), q(0.95), q(0.99)
	f.Requests = uint64(len(lat))
	f.TxPerReq = 1
	return f, nil
}
