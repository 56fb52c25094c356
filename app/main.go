// Command upstand is the Upstand server and its operator tools: serve,
// migrate, content check and import, admin and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// command is one subcommand: it gets its arguments and the environment and
// returns the exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the web server", runServe},
		"migrate": {"apply (up), roll back (down) or list (status) database migrations", runMigrate},
		"content": {"check content, import a Twine story or draw a scenario: content check [DIR], content import FILE, content graph FILE", runContent},
		"admin":   {"operator tools: create-org, invite, api-key, orgs", runAdmin},
		"export":  {"a module as a package for another learning system: export scorm12|cmi5 MODULE [--out FILE.zip]", runExport},
		"demo":    {"demo data: demo seed --org NAME --learners N --teams T [--seed S]", runDemo},
		"version": {"print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "upstand: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return cmd.run(ctx, args[1:], env, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: upstand <command> [flags]\n\ncommands:")
	for _, name := range []string{"serve", "migrate", "content", "export", "admin", "demo", "version"} {
		if c, ok := cmds[name]; ok {
			fmt.Fprintf(w, "  %-8s %s\n", name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun 'upstand <command> -h' for a command's flags.")
}

func runVersion(_ context.Context, _ []string, _ config.Env, stdout, _ io.Writer) int {
	v := version
	if v == "" {
		v = "dev"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
	}
	fmt.Fprintln(stdout, "upstand", v)
	return 0
}

// parseConfig parses a subcommand's flags into the Config. Extra flags the
// subcommand registered on fs are parsed too.
func parseConfig(name string, fs *flag.FlagSet, args []string, env config.Env, stderr io.Writer) (config.Config, []string, bool) {
	fs.SetOutput(stderr)
	build := config.FlagSet(fs, env)
	if err := fs.Parse(args); err != nil {
		return config.Config{}, nil, false
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(stderr, "upstand %s: %v\n", name, err)
		return config.Config{}, nil, false
	}
	return cfg, fs.Args(), true
}

// newLogger is the process's one logger. Every line goes through
// web.LogHandler, which keeps secret paths (enrolment and demo links,
// certificate codes) out of the log and adds the request id to lines
// logged with a request's context.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(web.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(web.LogHandler(slog.NewTextHandler(w, opts)))
}

// database is an open database and, when no DATABASE_URL was given, the
// private cluster it lives in. The embedded *bun.DB connects as the URL's
// user, for migrations and readiness; the store gets a pool of its own that
// runs as the application role, which row-level security binds.
type database struct {
	*bun.DB
	url      string
	app      *bun.DB
	listener *pgxpool.Pool
	cluster  *db.Cluster
	log      *slog.Logger
}

// Store opens the application's pool (once) and returns the store over it.
// Call it after migrating: the application role is made by a migration.
func (d *database) Store(ctx context.Context) (*store.Store, error) {
	if d.app == nil {
		app, err := db.Open(ctx, d.url, db.AsApp())
		if err != nil {
			return nil, err
		}
		d.app = app
	}
	return store.New(d.app), nil
}

// Listener opens (once) the small pool the job queue LISTENs on.
func (d *database) Listener(ctx context.Context) (*pgxpool.Pool, error) {
	if d.listener == nil {
		p, err := db.Listener(ctx, d.url)
		if err != nil {
			return nil, err
		}
		d.listener = p
	}
	return d.listener, nil
}

// openDatabase connects to DATABASE_URL, or starts the private cluster under
// the data directory and connects to it.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*database, error) {
	d := &database{log: log}
	url := cfg.DatabaseURL
	if url == "" {
		dir := filepath.Join(cfg.DataDir, "postgres")
		log.Info("no DATABASE_URL: starting a private PostgreSQL", "dir", dir)
		cluster, err := db.StartCluster(ctx, db.ClusterOptions{Dir: dir, Database: "upstand", Log: log})
		if err != nil {
			return nil, err
		}
		d.cluster = cluster
		url = cluster.URL()
	}
	bdb, err := db.Open(ctx, url)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.DB, d.url = bdb, url
	return d, nil
}

// Close closes the connections, then stops the private cluster if we own
// one, logging each step that succeeds (failures are returned).
func (d *database) Close() error {
	var errs []error
	if d.listener != nil {
		d.listener.Close()
	}
	if d.app != nil {
		errs = append(errs, d.app.Close())
	}
	if d.DB != nil {
		if err := d.DB.Close(); err != nil {
			errs = append(errs, err)
		} else {
			d.log.Info("database connections closed")
		}
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(); err != nil {
			errs = append(errs, err)
		} else {
			d.log.Info("private PostgreSQL stopped", "dir", d.cluster.Dir())
		}
	}
	return errors.Join(errs...)
}

func migrator(d *database) (*db.Migrator, error) {
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		return nil, err
	}
	return db.NewMigrator(d.DB, dir)
}
