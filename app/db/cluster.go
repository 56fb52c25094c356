package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) found on PATH or under /usr/lib/postgresql/*/bin: " +
	"install PostgreSQL 15 or newer (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL to a server you run")

// ClusterOptions says where a private cluster lives and how it runs.
type ClusterOptions struct {
	// Dir holds the data directory (Dir/data), the unix socket and the log
	// (see StartCluster for when it cannot).
	Dir string
	// Database is created on first start if missing; empty means "postgres".
	Database string
	// Throwaway trades durability for speed (fsync off): for test clusters
	// whose data is deleted afterwards, never for data anyone keeps.
	Throwaway bool
	// Log, when set, is told when the cluster cannot live in Dir and where
	// it lives instead.
	Log *slog.Logger
}

// FallbackRoot holds the private clusters of data directories the postgres
// OS user cannot reach (run as root from a mode-700 folder such as /root):
// one folder per data directory, named by a hash of its absolute path, so
// the data is found again on the next start.
const FallbackRoot = "/var/lib/upstand"

// Cluster is a PostgreSQL server this process started and must stop.
type Cluster struct {
	dir  string
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

const clusterPort = 5432

// FindBinaries returns the folder holding initdb and postgres: PATH first,
// then the newest /usr/lib/postgresql/<version>/bin.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// StartCluster initialises the cluster on first use and starts it, listening
// only on a unix socket in opts.Dir. Run as root, PostgreSQL runs as the
// "postgres" OS user (it refuses to run as root); if that user cannot reach
// opts.Dir (a clone under /root, say), the cluster lives under FallbackRoot
// instead and Cluster.Dir says where. The server is this process's child and
// is told to quit if this process dies.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("db: private cluster folder: %w", err)
	}
	cred, uid, gid, err := credential()
	if err != nil {
		return nil, err
	}
	// The parents stay traversable: as root, PostgreSQL runs as another user.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("db: private cluster folder: %w", err)
	}
	if cred != nil && !canEnter(cred, filepath.Dir(dir)) {
		fallback, err := fallbackDir(cred, dir)
		if err != nil {
			return nil, err
		}
		if opts.Log != nil {
			opts.Log.Warn("the postgres OS user cannot reach the data directory, so the private PostgreSQL lives elsewhere",
				"dir", fallback, "wanted", dir, "closed_folder", closedAncestor(filepath.Dir(dir), uid, gid),
				"why", "run as root, PostgreSQL runs as the postgres user, which needs search permission on every parent folder")
		}
		dir = fallback
	}
	if sock := filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(clusterPort)); len(sock) > 107 {
		return nil, fmt.Errorf("db: private cluster folder %s is too deep for a unix socket path (max 107 bytes); choose a shorter data directory", dir)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("db: private cluster folder: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("db: hand %s to the postgres user: %w", dir, err)
		}
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
			"-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("db: initdb in %s failed (can the %s user reach this folder?): %w\n%s", data, osUser(cred), err, lastLines(string(out), 5))
		}
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("db: open cluster log: %w", err)
	}
	defer logFile.Close()
	args := []string{"-D", data, "-k", dir, "-p", strconv.Itoa(clusterPort), "-c", "listen_addresses=", "-c", "max_connections=200"}
	if opts.Throwaway {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Its own process group, so a terminal's Ctrl-C reaches only us and
		// we stop PostgreSQL after draining requests, not before.
		Setpgid: true,
		// SIGQUIT is PostgreSQL's immediate shutdown: no server outlives us.
		Pdeathsig: syscall.SIGQUIT,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("db: start postgres: %w", err)
	}
	c := &Cluster{dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()

	database := opts.Database
	if database == "" {
		database = "postgres"
	}
	c.url = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + database,
		RawQuery: url.Values{"host": {dir}, "port": {strconv.Itoa(clusterPort)}, "sslmode": {"disable"}}.Encode()}).String()
	if err := c.waitReady(ctx, logPath); err != nil {
		c.Stop()
		return nil, err
	}
	if database != "postgres" {
		if err := c.createDatabase(ctx, database); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// URL is the connection URL of the cluster's database.
func (c *Cluster) URL() string { return c.url }

// AdminURL connects to the cluster's maintenance database "postgres".
func (c *Cluster) AdminURL() string {
	u, _ := url.Parse(c.url)
	u.Path = "/postgres"
	return u.String()
}

// Dir is the folder with the socket, data and log.
func (c *Cluster) Dir() string { return c.dir }

func (c *Cluster) waitReady(ctx context.Context, logPath string) error {
	sock := filepath.Join(c.dir, ".s.PGSQL."+strconv.Itoa(clusterPort))
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("db: postgres exited during start-up (log %s):\n%s", logPath, lastLines(string(log), 8))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if conn, err := net.Dial("unix", sock); err == nil {
			conn.Close()
			pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			d, err := Open(pingCtx, c.AdminURL())
			cancel()
			if err == nil {
				d.Close()
				return nil
			}
		}
	}
	return fmt.Errorf("db: postgres did not accept connections within 60s (log %s)", logPath)
}

func (c *Cluster) createDatabase(ctx context.Context, name string) error {
	d, err := Open(ctx, c.AdminURL())
	if err != nil {
		return err
	}
	defer d.Close()
	var exists bool
	if err := d.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(ctx, &exists); err != nil {
		return fmt.Errorf("db: look for database %q: %w", name, err)
	}
	if !exists {
		if _, err := d.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
			return fmt.Errorf("db: create database %q: %w", name, err)
		}
	}
	return nil
}

// Stop asks PostgreSQL for a fast shutdown and waits for it; after 30
// seconds it kills the server. Safe to call more than once.
func (c *Cluster) Stop() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		<-c.done
		return errors.New("db: postgres did not stop within 30s and was told to quit immediately")
	}
}

// credential returns who PostgreSQL runs as: the postgres OS user when we
// are root, ourselves otherwise (nil credential).
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, errors.New("db: PostgreSQL refuses to run as root and there is no \"postgres\" OS user to run it as: " +
			"install the postgresql package (it creates that user), run as an ordinary user, or set DATABASE_URL")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

// canEnter reports whether a process with cred can reach dir: it asks
// test(1) running as that user, so every parent's mode, owner, ACL and
// security label counts, as it will for PostgreSQL. If the probe cannot run
// at all, it answers true and the folder is used as configured.
func canEnter(cred *syscall.Credential, dir string) bool {
	probe, err := exec.LookPath("test")
	if err != nil {
		probe = "/usr/bin/test"
	}
	cmd := exec.Command(probe, "-x", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var exit *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		return false
	}
	return true
}

// fallbackDir makes FallbackRoot/<hash of dir>/postgres, a folder the
// postgres user can reach, stable across restarts and specific to dir, and
// records dir in FallbackRoot/<hash>/origin for whoever cleans up.
func fallbackDir(cred *syscall.Credential, dir string) (string, error) {
	sum := sha256.Sum256([]byte(dir))
	home := filepath.Join(FallbackRoot, hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", fmt.Errorf("db: the postgres user cannot reach %s, and its fallback folder failed: %w", dir, err)
	}
	// MkdirAll honours the umask; the postgres user must pass through.
	for _, p := range []string{FallbackRoot, home} {
		if err := os.Chmod(p, 0o755); err != nil {
			return "", fmt.Errorf("db: fallback folder for the private cluster: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, "origin"), []byte(dir+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("db: fallback folder for the private cluster: %w", err)
	}
	if !canEnter(cred, home) {
		return "", fmt.Errorf("db: the postgres user can reach neither %s nor the fallback %s: "+
			"make the data directory's parents searchable (chmod o+x), choose another --data-dir or set DATABASE_URL", filepath.Dir(dir), home)
	}
	return filepath.Join(home, "postgres"), nil
}

// closedAncestor names the first folder on the way to dir whose mode bits
// deny uid/gid search permission, for the log; "" if none does (an ACL or a
// security label is in the way).
func closedAncestor(dir string, uid, gid int) string {
	path := "/"
	for _, part := range append([]string{""}, strings.Split(strings.TrimPrefix(dir, "/"), "/")...) {
		path = filepath.Join(path, part)
		st, err := os.Stat(path)
		if err != nil {
			return path
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return ""
		}
		mode := st.Mode().Perm()
		var bit os.FileMode = 0o001
		switch {
		case int(sys.Uid) == uid:
			bit = 0o100
		case int(sys.Gid) == gid:
			bit = 0o010
		}
		if mode&bit == 0 {
			return path
		}
	}
	return ""
}

func osUser(cred *syscall.Credential) string {
	if cred != nil {
		return "postgres"
	}
	return "current"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
