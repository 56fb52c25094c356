// Package dbtest gives each test its own freshly migrated PostgreSQL
// database, cloned from a template by pgtestdb. With TEST_DATABASE_URL set it
// uses that server; otherwise Main starts one private throw-away cluster for
// the whole test binary and always stops it.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/common"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/db"
)

// server is the pgtestdb configuration of the server tests use; set by Main.
var server *pgtestdb.Config

// Main runs the package's tests against a real PostgreSQL. Call it from
// TestMain: func TestMain(m *testing.M) { dbtest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for harnesses that wrap it (webtest).
func Run(m *testing.M) int {
	if raw := os.Getenv("TEST_DATABASE_URL"); raw != "" {
		conf, err := configFromURL(raw)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: TEST_DATABASE_URL:", err)
			return 2
		}
		server = conf
		return m.Run()
	}
	base := "/dev/shm"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	sweep(base)
	parent, err := os.MkdirTemp(base, "upstand-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 2
	}
	defer os.RemoveAll(parent)
	if err := os.WriteFile(filepath.Join(parent, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 2
	}
	_ = os.Chmod(parent, 0o755) // the postgres OS user must reach the cluster folder
	dir := filepath.Join(parent, "pg")
	cluster, err := db.StartCluster(context.Background(), db.ClusterOptions{Dir: dir, Throwaway: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: cannot start a private PostgreSQL for the tests: %v\n"+
			"dbtest: install PostgreSQL server binaries, or set TEST_DATABASE_URL=postgres://user:pass@host:port/db to use a server you run\n", err)
		return 2
	}
	defer func() {
		cluster.Stop()
		// If the postgres user could not reach parent, the cluster lived in
		// a fallback folder of its own, which is throw-away too.
		if cluster.Dir() != dir {
			os.RemoveAll(filepath.Dir(cluster.Dir()))
		}
	}()
	conf, err := configFromURL(cluster.AdminURL())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 2
	}
	server = conf
	return m.Run()
}

func configFromURL(raw string) (*pgtestdb.Config, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("want postgres://user:pass@host:port/db, got %q", raw)
	}
	pass, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	db := u.Path
	if len(db) > 0 {
		db = db[1:]
	}
	if db == "" {
		db = "postgres"
	}
	return &pgtestdb.Config{
		// The tests migrate and own their databases as an ordinary role, as
		// a real deployment's user may be: no superuser, no BYPASSRLS. It
		// may create roles, for the migration that makes the application
		// role.
		TestRole: &pgtestdb.Role{Username: pgtestdb.DefaultRoleUsername, Password: pgtestdb.DefaultRolePassword,
			Capabilities: "NOSUPERUSER NOCREATEDB CREATEROLE"},
		DriverName:                "pgx",
		User:                      u.User.Username(),
		Password:                  pass,
		Host:                      u.Hostname(),
		Port:                      port,
		Database:                  db,
		Options:                   u.RawQuery,
		ForceTerminateConnections: true,
	}, nil
}

// New returns a fresh database with every migration applied, dropped when
// the test ends (kept for inspection if the test fails). Its connections run
// as the application role, as the server's do, so row-level security binds
// the test's queries too.
func New(t testing.TB) *bun.DB {
	t.Helper()
	app, _ := NewWithAdmin(t)
	return app
}

// NewWithAdmin is New plus a second pool on the same database connected as
// the server's administrative user, which row-level security does not
// bind: for tests that look beneath the application (counting every
// organisation's rows, adding a failing trigger).
func NewWithAdmin(t testing.TB) (app, admin *bun.DB) {
	t.Helper()
	return NewWithAdminOptions(t)
}

// NewWithAdminOptions is NewWithAdmin with more options for the
// application's pool (db.Trace, say).
func NewWithAdminOptions(t testing.TB, options ...db.Option) (app, admin *bun.DB) {
	t.Helper()
	if server == nil {
		t.Fatal("dbtest: no database server: call dbtest.Main(m) from TestMain in this package")
	}
	conf := pgtestdb.Custom(t, *server, migrator{})
	ctx := context.Background()
	app, err := db.Open(ctx, conf.URL(), append([]db.Option{db.AsApp()}, options...)...)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { app.Close() })
	adminConf := *server
	adminConf.Database = conf.Database
	admin, err = db.Open(ctx, adminConf.URL())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	return app, admin
}

// URL is like New but returns the connection URL of the fresh database, for
// tests that open their own connections (a whole server, say).
func URL(t testing.TB) string {
	t.Helper()
	if server == nil {
		t.Fatal("dbtest: no database server: call dbtest.Main(m) from TestMain in this package")
	}
	return pgtestdb.Custom(t, *server, migrator{}).URL()
}

// AdminURL is the URL of the database at databaseURL (one of this
// package's) as the server's administrative user, whom row-level security
// does not bind: for tools such as pg_dump.
func AdminURL(t testing.TB, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil || server == nil {
		t.Fatalf("dbtest: admin URL of %q: %v", databaseURL, err)
	}
	conf := *server
	conf.Database = strings.TrimPrefix(u.Path, "/")
	return conf.URL()
}

// EmptyURL is a fresh database with nothing in it, not even the schema,
// for tests of migrating at start-up.
func EmptyURL(t testing.TB) string {
	t.Helper()
	if server == nil {
		t.Fatal("dbtest: no database server: call dbtest.Main(m) from TestMain in this package")
	}
	return pgtestdb.Custom(t, *server, pgtestdb.NoopMigrator{}).URL()
}

// migrator applies the embedded migrations with bun/migrate, as serve does.
type migrator struct{}

func (migrator) Hash() (string, error) {
	h, err := common.HashDirs(upstand.Files, "*.sql", "migrations")
	// River's schema versions come from code, not files: a new step makes
	// a new template too.
	return fmt.Sprintf("%s-river%v", h, db.RiverSteps), err
}

func (migrator) Migrate(ctx context.Context, sqldb *sql.DB, _ pgtestdb.Config) error {
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		return err
	}
	m, err := db.NewMigrator(db.FromSQL(sqldb), dir)
	if err != nil {
		return err
	}
	_, err = m.Up(ctx)
	return err
}

// Cut makes the test's database unreachable for real, as a PostgreSQL
// restart or fail-over does: it lowers the database's connection limit to
// zero, so every new connection but a superuser's is refused, and
// terminates every connection to it but one of admin's, which it keeps to
// undo the cut. restore lets connections in again (the pools reconnect on
// their own); it also runs when the test ends, so a failed test leaves a
// database that can be inspected. admin is NewWithAdmin's second pool,
// which must be a superuser's (the private cluster's is).
func Cut(t testing.TB, admin *bun.DB) (restore func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatalf("dbtest: cut: %v", err)
	}
	var name string
	var limit int
	if err := conn.QueryRowContext(ctx, "SELECT datname, datconnlimit FROM pg_database WHERE datname = current_database()").
		Scan(&name, &limit); err != nil {
		t.Fatalf("dbtest: cut: %v", err)
	}
	quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+quoted+" CONNECTION LIMIT 0"); err != nil {
		t.Fatalf("dbtest: cut: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatalf("dbtest: cut (the administrative user must be a superuser): %v", err)
	}
	var once sync.Once
	restore = func() {
		once.Do(func() {
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+quoted+" CONNECTION LIMIT "+strconv.Itoa(limit)); err != nil {
				t.Errorf("dbtest: restore after cut: %v", err)
			}
		})
	}
	t.Cleanup(restore)
	return restore
}
