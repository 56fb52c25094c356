package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/graphview"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/metrics"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/remind"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/web"
)

func runServe(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upstand serve", flag.ContinueOnError)
	cfg, _, ok := parseConfig("serve", fs, args, env, stderr)
	if !ok {
		return 2
	}
	config.TuneCollector(env)
	if err := serve(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "upstand serve:", err)
		return 1
	}
	return 0
}

// serve runs the server until ctx is cancelled (SIGINT/SIGTERM), then stops
// accepting, drains in-flight requests, closes the database and finally stops
// the private cluster, in that order.
func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// Content is checked before anything starts, so broken content stops
	// start-up at once with the lines `upstand content check` prints.
	cat, library, err := loadCatalogue(cfg)
	if err != nil {
		return err
	}
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
	}()

	m, err := migrator(d)
	if err != nil {
		return err
	}
	if cfg.NoMigrate {
		if err := m.Check(ctx); err != nil {
			if errors.Is(err, db.ErrStale) {
				return fmt.Errorf("%w; run 'upstand migrate up' (or start without --no-migrate)", err)
			}
			return err
		}
	} else {
		applied, err := m.Up(ctx)
		if err != nil {
			return err
		}
		for _, name := range applied {
			log.Info("applied migration", "name", name)
		}
	}

	st, err := d.Store(ctx)
	if err != nil {
		return err
	}
	added, err := recordCatalogue(ctx, st, time.Now(), cat)
	if err != nil {
		return err
	}
	log.Info("content loaded", "modules", len(cat.Modules), "scenarios", len(cat.Scenarios), "new_versions", added)

	identity, err := auth.New(st, auth.DefaultConfig(cfg.BaseURL), time.Now, log)
	admins := org.New(st, org.Config{BaseURL: cfg.BaseURL}, time.Now)
	if err != nil {
		return err
	}
	cats := catalogue.New(cat, time.Now)
	studio := authoring.New(st, cats, library, time.Now)
	if cfg.Demo {
		if err := ensureDemo(ctx, st, identity, admins, &seed.Services{Store: st, Org: admins, Authoring: studio, Cats: cats}, stdout); err != nil {
			return err
		}
	}
	go sweep(ctx, st, log)

	// Mail is optional: with no SMTP server, enrolment links are only shown
	// to the admin who made them.
	sender, err := mail.New(mail.Config{Addr: cfg.SMTPAddr, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.SMTPFrom})
	if err != nil {
		return err
	}
	if sender.Enabled() {
		log.Info("email on: enrolment links are emailed", "smtp", cfg.SMTPAddr)
	}

	assets, err := fs.Sub(upstand.Files, "assets")
	if err != nil {
		return err
	}
	// The studio's graphs are drawn by this binary in a child process
	// (graphview.Command says why).
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	graphs := graphview.NewCommand(2, exe, "content", "graph", "--json")
	meters := metrics.New(d.DB.DB)
	cover := org.NewCoverage(st, cats, time.Now, org.WithLog(log))

	// Reminders are River jobs on the application's pool; one connection
	// of a small pool of its own LISTENs, so a new job or a change of
	// leader among the app servers is noticed at once.
	listener, err := d.Listener(ctx)
	if err != nil {
		return err
	}
	reminders, err := remind.New(remind.Config{Store: st, Coverage: cover, Catalogues: cats, DB: d.app.DB, Listener: listener,
		Mail: sender, BaseURL: cfg.BaseURL, Now: time.Now, Log: log, Events: meters})
	if err != nil {
		return err
	}
	if !sender.Enabled() {
		log.Info("email off: reminders are listed on /admin/reminders instead of sent")
	}
	srv, err := web.New(web.Deps{
		Config:   cfg,
		Log:      log,
		Assets:   assets,
		Store:    st,
		Auth:     identity,
		Learning: learning.New(st, cats, time.Now, learning.WithEvents(meters)),
		Metrics:  meters,
		Org:      admins,
		Studio:   studio,
		Coverage: cover,
		Graph:    graphs,
		Mail:     sender,
		Remind:   reminders,
		Packages: lms.NewDownloads(cats, cfg.QuickExitURL, time.Now),
		Now:      time.Now,
		Ready: func(ctx context.Context) error {
			if err := d.PingContext(ctx); err != nil {
				return err
			}
			return m.Check(ctx)
		},
	})
	if err != nil {
		return err
	}

	// What start-up left behind (the content's parsing, mostly) is
	// collected and its memory returned before the first request: the
	// collector would otherwise leave it until the heap had grown to
	// five times what is live (config.TuneCollector).
	debug.FreeOSMemory()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := reminders.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	// After the HTTP server (below) and before the database (above):
	// reminders being sent may finish; any still running after the
	// shutdown timeout are cancelled and retried later, here or by
	// another server.
	defer func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		if err := reminders.Stop(stop); err != nil {
			log.Error("the job queue did not stop cleanly", "err", err)
		} else {
			log.Info("job queue stopped")
		}
	}()
	errc := make(chan error, 2)
	go func() { errc <- srv.App().Listener(ln) }()
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, meters, log, errc)
		if err != nil {
			return err
		}
		defer stop()
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.BaseURL.String())
	fmt.Fprintf(stdout, "Upstand is running at %s\n", cfg.BaseURL)

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "timeout", cfg.ShutdownTimeout)
	if err := srv.Shutdown(); err != nil {
		log.Error("shutdown did not finish cleanly", "err", err)
	} else {
		log.Info("HTTP server stopped")
	}
	return nil
}

// sweep deletes expired ceremonies, sessions and key/value entries every
// ten minutes until ctx ends. Expired rows are already ignored on read; this
// only keeps the tables small.
func sweep(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := st.Global().SweepExpired(ctx, now); err != nil && ctx.Err() == nil {
				log.Warn("sweeping expired rows", "err", err)
			}
		}
	}
}

// serveMetrics serves /metrics on its own address (never the public one),
// reporting a failure of the server on errc; stop shuts it down. The same
// address serves Go's profiles under /debug/pprof/ (CPU, heap,
// allocations, goroutines) for the operator and the load harness
// (app/loadbench); the public address never does.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger, errc chan<- error) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics server: %w", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}
