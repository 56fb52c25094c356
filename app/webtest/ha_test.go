//go:build ha

package webtest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/passkeytest"
	"github.com/upstand/upstand/app/webtest"
)

// The high-availability test (go tool task test:ha; not part of test):
// PostgreSQL made highly available by pg_auto_failover — a monitor, a
// primary and a secondary, all on this machine — and two `upstand serve`
// processes behind one address, connected with a multi-host URL that
// accepts only the read-write node. Learners make scenario choices through
// the balancer while the primary is killed: the servers reconnect to the
// promoted secondary on their own, /readyz recovers, and every choice
// acknowledged before, during and after the failover is in the database.

// haNode is one pg_autoctl process (monitor or data node) this test runs.
type haNode struct {
	name, pgdata string
	port         int
	cmd          *exec.Cmd
	done         chan struct{}
}

// haCluster is the monitor and the two data nodes.
type haCluster struct {
	t        *testing.T
	autoctl  string
	bin      string
	dir      string
	cred     *syscall.Credential
	env      []string
	monitor  *haNode
	nodes    []*haNode
	monitorD *sql.DB
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newHACluster(t *testing.T) *haCluster {
	t.Helper()
	autoctl, err := exec.LookPath("pg_autoctl")
	if err != nil {
		t.Fatal("no pg_autoctl on PATH: install pg_auto_failover (Debian: apt-get install -y postgresql-15-auto-failover)")
	}
	// The PostgreSQL it manages: the newest installed server.
	ctls, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(ctls) == 0 {
		t.Fatal("no PostgreSQL server under /usr/lib/postgresql/*/bin")
	}
	bin := filepath.Dir(ctls[len(ctls)-1])
	base := "/dev/shm"
	if _, err := os.Stat(base); err != nil {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "upstand-ha-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &haCluster{t: t, autoctl: autoctl, bin: bin, dir: dir}
	// pg_autoctl keeps its configuration and state under XDG folders: here,
	// so nothing is left in the postgres user's home.
	c.env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "share"), "XDG_RUNTIME_DIR=" + filepath.Join(dir, "run")}
	if os.Getuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(c.stop)
	return c
}

// start runs `pg_autoctl create ... --run` for a node in its own process
// group (so killing the group kills its PostgreSQL too).
func (c *haCluster) start(name string, port int, args ...string) *haNode {
	c.t.Helper()
	n := &haNode{name: name, pgdata: filepath.Join(c.dir, name), port: port, done: make(chan struct{})}
	log, err := os.Create(filepath.Join(c.dir, name+".log"))
	if err != nil {
		c.t.Fatal(err)
	}
	all := append(args, "--pgdata", n.pgdata, "--pgport", strconv.Itoa(port), "--hostname", "localhost",
		"--listen", "localhost", "--auth", "trust", "--no-ssl", "--pgctl", filepath.Join(c.bin, "pg_ctl"), "--run")
	n.cmd = exec.Command(c.autoctl, all...)
	n.cmd.Dir = c.dir
	n.cmd.Env = c.env
	n.cmd.Stdout, n.cmd.Stderr = log, log
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = n.cmd.Wait(); log.Close(); close(n.done) }()
	return n
}

// kill ends a node at once, PostgreSQL and all, as a crash would.
func (n *haNode) kill() {
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	<-n.done
}

// stop shuts every node down (fast), then kills what is left, and removes
// the folder.
func (c *haCluster) stop() {
	if c.monitorD != nil {
		c.monitorD.Close()
	}
	all := append(append([]*haNode{}, c.nodes...), c.monitor)
	for _, n := range all {
		if n != nil {
			_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGINT)
		}
	}
	for _, n := range all {
		if n == nil {
			continue
		}
		select {
		case <-n.done:
		case <-time.After(30 * time.Second):
			n.kill()
		}
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL) // a PostgreSQL left in the group
	}
	if c.t.Failed() {
		for _, n := range all {
			if n != nil {
				if b, err := os.ReadFile(filepath.Join(c.dir, n.name+".log")); err == nil {
					c.t.Logf("%s log (last 3000 bytes):\n%s", n.name, tail(string(b), 3000))
				}
			}
		}
	}
	os.RemoveAll(c.dir)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// until polls cond every 200 ms for at most limit.
func until(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// states is each data node's reported state, from the monitor.
func (c *haCluster) states() map[string]string {
	out := map[string]string{}
	rows, err := c.monitorD.Query("SELECT nodename, reportedstate FROM pgautofailover.node")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var name, state string
		if rows.Scan(&name, &state) == nil {
			out[name] = state
		}
	}
	return out
}

func (c *haCluster) up() {
	t := c.t
	t.Helper()
	mport := freeTCPPort(t)
	c.monitor = c.start("monitor", mport, "create", "monitor")
	monitorURL := fmt.Sprintf("postgres://autoctl_node@localhost:%d/pg_auto_failover?sslmode=disable", mport)
	var err error
	c.monitorD, err = sql.Open("pgx", fmt.Sprintf("postgres://postgres@localhost:%d/pg_auto_failover?sslmode=disable&connect_timeout=2", mport))
	if err != nil {
		t.Fatal(err)
	}
	until(t, "the monitor up", 2*time.Minute, func() bool {
		var n int
		return c.monitorD.QueryRow("SELECT count(*) FROM pgautofailover.node").Scan(&n) == nil
	})
	// Notice a dead primary in seconds rather than pg_auto_failover's
	// production defaults (20 s to call a node unhealthy, 30 s to wait
	// for its demotion): the test is about the app, not the timeouts.
	// UPSTAND_HA_DEFAULT_TIMINGS=1 keeps the defaults, to measure the
	// outage a default formation gives.
	tuned := []string{
		"pgautofailover.health_check_period = 1000",
		"pgautofailover.health_check_timeout = 1000",
		"pgautofailover.health_check_max_retries = 1",
		"pgautofailover.health_check_retry_delay = 500",
		"pgautofailover.node_considered_unhealthy_timeout = 3000",
		"pgautofailover.primary_demote_timeout = 3000",
	}
	if os.Getenv("UPSTAND_HA_DEFAULT_TIMINGS") != "" {
		tuned = nil
		t.Log("monitor timings: pg_auto_failover's defaults")
	}
	for _, set := range tuned {
		if _, err := c.monitorD.Exec("ALTER SYSTEM SET " + set); err != nil {
			t.Fatalf("monitor: %s: %v", set, err)
		}
	}
	if _, err := c.monitorD.Exec("SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"node1", "node2"} {
		port := freeTCPPort(t)
		c.nodes = append(c.nodes, c.start(name, port, "create", "postgres", "--name", name, "--dbname", "upstand", "--monitor", monitorURL))
		if i == 0 {
			until(t, "node1 primary", 2*time.Minute, func() bool {
				s := c.states()["node1"]
				return s == "single" || s == "wait_primary" || s == "primary"
			})
		}
	}
	// The secondary's base backup waits for a checkpoint, which PostgreSQL
	// spreads over minutes unless asked for one.
	primary, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@localhost:%d/postgres?sslmode=disable&connect_timeout=2", c.nodes[0].port))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	until(t, "node2 secondary", 3*time.Minute, func() bool {
		_, _ = primary.Exec("CHECKPOINT")
		s := c.states()
		return s["node1"] == "primary" && s["node2"] == "secondary"
	})
}

// url is the formation's multi-host URL: the app connects to whichever
// node is read-write.
func (c *haCluster) url() string {
	return fmt.Sprintf("postgres://postgres@localhost:%d,localhost:%d/upstand?target_session_attrs=read-write&sslmode=disable&connect_timeout=2",
		c.nodes[0].port, c.nodes[1].port)
}

// haLearner is a learner's browser over plain HTTP: a cookie jar and the
// page's CSRF token.
type haLearner struct {
	client *http.Client
	public string
	token  string
}

var csrfMetaRE = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func (l *haLearner) do(method, path, contentType, body string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, l.public+path, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if contentType == "application/json" {
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", l.token)
		req.Header.Set("Origin", l.public)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfMetaRE.FindStringSubmatch(string(b)); m != nil {
		l.token = m[1]
	}
	return resp, string(b), nil
}

func (l *haLearner) form(path string, f url.Values) (*http.Response, string, error) {
	f.Set("_csrf", l.token)
	return l.do(http.MethodPost, path, "application/x-www-form-urlencoded", f.Encode())
}

// enrolOverHTTP registers a passkey from an enrolment link with a
// software authenticator, as passkey.js does, which signs the learner in.
func enrolOverHTTP(t *testing.T, public, link string) *haLearner {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	l := &haLearner{public: public, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	path := strings.TrimPrefix(link, public)
	if resp, body, err := l.do(http.MethodGet, path, "", ""); err != nil || resp.StatusCode != 200 {
		t.Fatalf("open the enrolment link: %v %v %s", resp, err, body)
	}
	resp, body, err := l.do(http.MethodPost, path+"/begin", "application/json", "{}")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("begin enrolment: %v %v %s", resp, err, body)
	}
	var c struct {
		Ceremony string          `json:"ceremony"`
		Options  json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		t.Fatal(err)
	}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Upstand", Origin: public}
	au := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)})
	att := virtualwebauthn.CreateAttestationResponse(rp, au, passkeytest.NewCredential(t), *ao)
	resp, body, err = l.do(http.MethodPost, path+"/finish?ceremony="+url.QueryEscape(c.Ceremony)+"&name=Laptop", "application/json", att)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("finish enrolment: %v %v %s", resp, err, body)
	}
	if resp, body, err := l.do(http.MethodGet, "/courses", "", ""); err != nil || resp.StatusCode != 200 {
		t.Fatalf("signed in: %v %v %s", resp, err, clipHA(body))
	}
	return l
}

func clipHA(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// TestFailover is the high-availability test described at the top.
func TestFailover(t *testing.T) {
	c := newHACluster(t)
	c.up()
	dbURL := c.url()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	servers := map[string]*webtest.Server{
		"A": webtest.LaunchServer(t, dbURL, public),
		"B": webtest.LaunchServer(t, dbURL, public),
	}
	servers["A"].WaitReady(t)
	servers["B"].WaitReady(t)
	lb := newBalancer(t, servers, []string{"A", "B"})
	proxy := &http.Server{Handler: lb}
	go func() { _ = proxy.Serve(ln) }()
	t.Cleanup(func() { _ = proxy.Close() })

	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := cat.Module("handling-disclosures")
	var step int
	for _, st := range mod.Steps {
		if st.Scenario != nil {
			step = st.Index
			break
		}
	}
	if step == 0 {
		t.Fatal("no scenario step in handling-disclosures")
	}
	out := servers["A"].Command(t, "admin", "create-org", "--name", "Failover Trust", "--admin-name", "Fay Admin", "--admin-email", "fay@failover.example")
	org := orgIDRE.FindStringSubmatch(out)
	if org == nil {
		t.Fatalf("no organisation id in:\n%s", out)
	}
	learners := make([]*haLearner, 3)
	for i := range learners {
		out := servers["B"].Command(t, "admin", "invite", "--org", org[1], "--name", fmt.Sprintf("Lee Learner %d", i), "--email", fmt.Sprintf("lee%d@failover.example", i))
		link := regexp.MustCompile(regexp.QuoteMeta(public) + `/enrol/[A-Za-z0-9_-]+`).FindString(out)
		if link == "" {
			t.Fatalf("no enrolment link on the public address in:\n%s", out)
		}
		learners[i] = enrolOverHTTP(t, public, link)
		if resp, body, err := learners[i].form("/courses/"+mod.ID+"/start", url.Values{}); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("start the course: %v %v %s", resp, err, clipHA(body))
		}
	}

	// The load: each learner plays the scenario over and over, one choice
	// at a time. A choice is acknowledged by the 303 to its feedback.
	type ack struct {
		attempt string
		at      int
		when    time.Time
	}
	var (
		mu       sync.Mutex
		acks     []ack
		problems []string
		outages  atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	// answered sorts a response: success, an outage (503 or a connection
	// the balancer could not make: counted, not a problem), or a problem.
	answered := func(what string, resp *http.Response, body string, err error, ok int) bool {
		switch {
		case err != nil:
			problem("%s: %v", what, err)
			return false
		case resp.StatusCode == ok:
			return true
		case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusBadGateway:
			outages.Add(1)
			return false
		default:
			problem("%s: status %d\n%s", what, resp.StatusCode, clipHA(body))
			return false
		}
	}
	attemptRE := regexp.MustCompile(`name="attempt" value="([^"]+)"`)
	atRE := regexp.MustCompile(`name="at" value="(\d+)"`)
	choiceRE := regexp.MustCompile(`name="choice" value="(\d+)"`)
	base := fmt.Sprintf("/courses/%s/steps/%d", mod.ID, step)
	for i, l := range learners {
		wg.Go(func() {
			for !stop.Load() {
				resp, body, err := l.do(http.MethodGet, base, "", "")
				if !answered(fmt.Sprintf("learner %d: the scenario page", i), resp, body, err, 200) {
					time.Sleep(100 * time.Millisecond) // a client's pause before trying again
					continue
				}
				attempt, at, choice := attemptRE.FindStringSubmatch(body), atRE.FindStringSubmatch(body), choiceRE.FindStringSubmatch(body)
				if attempt == nil || at == nil || choice == nil {
					resp, body, err = l.form(base+"/scenario", url.Values{})
					answered(fmt.Sprintf("learner %d: start", i), resp, body, err, http.StatusSeeOther)
					continue
				}
				resp, body, err = l.form(base+"/choose", url.Values{"attempt": {attempt[1]}, "at": {at[1]}, "choice": {choice[1]}})
				if answered(fmt.Sprintf("learner %d: choose", i), resp, body, err, http.StatusSeeOther) && strings.HasSuffix(resp.Header.Get("Location"), "/feedback") {
					n, _ := strconv.Atoi(at[1])
					mu.Lock()
					acks = append(acks, ack{attempt[1], n, time.Now()})
					mu.Unlock()
				}
			}
		})
	}
	acked := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acks)
	}
	finish := func() { stop.Store(true); wg.Wait() }
	defer finish()

	until(t, "load under way", time.Minute, func() bool { return acked() >= 20 })
	killed := time.Now()
	c.nodes[0].kill()
	t.Logf("killed the primary (node1) after %d acknowledged choices", acked())
	until(t, "node2 promoted", 2*time.Minute, func() bool {
		s := c.states()["node2"]
		return s == "wait_primary" || s == "primary"
	})
	before := acked()
	until(t, "writes acknowledged after the failover", 2*time.Minute, func() bool { return acked() >= before+20 })
	servers["A"].WaitReady(t)
	servers["B"].WaitReady(t)
	finish()

	for _, p := range problems {
		t.Error(p)
	}
	// The outage clients saw: the longest gap between acknowledged writes
	// after the kill (a write committed just before it may still be
	// answered just after).
	mu.Lock()
	want := map[string]int{}
	times := make([]time.Time, 0, len(acks))
	for _, a := range acks {
		want[a.attempt] = max(want[a.attempt], a.at+1)
		times = append(times, a.when)
	}
	slices.SortFunc(times, time.Time.Compare)
	var gapFrom, gapTo time.Time
	for i := 1; i < len(times); i++ {
		if times[i].After(killed) && times[i].Sub(times[i-1]) > gapTo.Sub(gapFrom) {
			gapFrom, gapTo = times[i-1], times[i]
		}
	}
	total := len(acks)
	mu.Unlock()

	check, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	found := 0
	ctx := context.Background()
	for attempt, n := range want {
		var stored int
		if err := check.QueryRowContext(ctx, "SELECT count(*) FROM scenario_choices WHERE attempt_id = $1", attempt).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored < n {
			t.Errorf("attempt %s: %d choices acknowledged, %d stored", attempt, n, stored)
		}
		found += min(stored, n)
	}
	acknowledged := 0
	for _, n := range want {
		acknowledged += n
	}
	t.Logf("failover: writes stopped for %.1f s as clients saw it (from %.1f s to %.1f s after the kill); %d requests answered 503 meanwhile",
		gapTo.Sub(gapFrom).Seconds(), gapFrom.Sub(killed).Seconds(), gapTo.Sub(killed).Seconds(), outages.Load())
	t.Logf("failover: %d choices acknowledged (%d distinct attempt positions), %d found in the database afterwards", total, acknowledged, found)
}
