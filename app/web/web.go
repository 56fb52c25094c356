// Package web is Upstand's HTTP face: the Fiber app, its middleware, the
// routes (routes.go lists every one), one handler file per page or action,
// the embedded templates and the one error handler. It knows nothing of SQL:
// everything stored is reached through the services passed to New.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/graphview"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/metrics"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/remind"
	"github.com/upstand/upstand/app/store"
)

//go:embed templates
var templateFiles embed.FS

// Deps is everything the web layer needs, built by main.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	// Assets is the assets/ folder (embedded in production).
	Assets fs.FS
	// Ready reports whether the database is reachable and its schema current.
	Ready func(ctx context.Context) error
	// Now is the clock; tests inject their own.
	Now func() time.Time
	// Store is the database; Auth the identity service built on it.
	Store *store.Store
	Auth  *auth.Service
	// Learning is the learner's side: courses, scenarios, records.
	Learning *learning.Service
	// Org is organisation administration: people, teams, support, audit.
	Org *org.Service
	// Studio is the trainers' authoring studio; Graph draws its scenario
	// graphs.
	Studio *authoring.Service
	Graph  graphview.Drawer
	// Coverage is what organisations see of their people's training:
	// requirements, statuses, dashboards (docs/coverage.md).
	Coverage *org.Coverage
	// Mail emails enrolment links; nil when no SMTP server is configured.
	Mail *mail.Sender
	// Metrics counts requests by route pattern; nil records nothing.
	Metrics *metrics.Metrics
	// Remind queues reminders from the coverage pages and lists them for
	// admins (docs/coverage.md, "Reminders").
	Remind *remind.Service
	// Packages are the courses trainers and org admins download for
	// another learning management system (docs/lms.md).
	Packages *lms.Downloads
}

// Server holds the Fiber app and what its handlers share.
type Server struct {
	app    *fiber.App
	cfg    config.Config
	log    *slog.Logger
	assets *assetSet
	ready  func(ctx context.Context) error
	now    func() time.Time
	views  *html.Engine
	st     *store.Store
	auth   *auth.Service
	learn  *learning.Service
	org    *org.Service
	studio *authoring.Service
	graph  graphview.Drawer
	cover  *org.Coverage
	mail   *mail.Sender
	// metrics counts every request frame answers (nil: none).
	metrics *metrics.Metrics
	remind  *remind.Service
	// packages: courses as packages for another LMS.
	packages *lms.Downloads
	// cookie names: __Host- prefixed (and Secure) when served over https.
	sessionCookie, csrfCookie string
	// headers are the security headers every response carries.
	headers [][2]string
}

// New builds the Fiber app with every route and middleware. Templates and
// assets are parsed here, once, so a broken one stops start-up.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	assets, err := loadAssets(d.Assets)
	if err != nil {
		return nil, err
	}
	// Every line the web layer logs goes through LogHandler, even when the
	// caller's logger does not already.
	log := slog.New(LogHandler(d.Log.Handler()))
	s := &Server{cfg: d.Config, log: log, headers: securityHeaders(d.Config.Secure()), assets: assets, ready: d.Ready, now: d.Now, st: d.Store, auth: d.Auth, learn: d.Learning,
		org: d.Org, studio: d.Studio, graph: d.Graph, cover: d.Coverage,
		mail: d.Mail, metrics: d.Metrics, remind: d.Remind, packages: d.Packages, sessionCookie: "upstand_session", csrfCookie: "upstand_csrf"}
	if d.Config.Secure() {
		s.sessionCookie, s.csrfCookie = "__Host-upstand_session", "__Host-upstand_csrf"
	}

	sub, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	views := html.NewFileSystem(http.FS(sub), ".html")
	views.AddFuncMap(template.FuncMap{"asset": assets.url})
	views.AddFuncMap(learningFuncs())
	views.AddFuncMap(coverageFuncs())
	views.AddFuncMap(template.FuncMap{"remindButton": remindButton})
	if err := views.Load(); err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	s.views = views

	s.app = fiber.New(fiber.Config{
		AppName:                 "upstand",
		Views:                   views,
		ErrorHandler:            s.handleError,
		BodyLimit:               d.Config.BodyLimit,
		ReadTimeout:             d.Config.ReadTimeout,
		WriteTimeout:            d.Config.WriteTimeout,
		IdleTimeout:             d.Config.IdleTimeout,
		DisableStartupMessage:   true,
		ProxyHeader:             d.Config.ProxyHeader,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.TrustedProxies,
		ReadBufferSize:          16 << 10,
	})
	s.routes()
	s.serveAll()
	return s, nil
}

// App is the Fiber app, for Listen and for app.Test in tests.
func (s *Server) App() *fiber.App { return s.app }

// idParam parses a uuid route parameter; a malformed one is a 404, like an
// id that does not exist.
func idParam(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, fiber.ErrNotFound
	}
	return id, nil
}

// Shutdown stops accepting connections and waits up to the configured
// timeout for in-flight requests to finish.
func (s *Server) Shutdown() error {
	return s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout)
}

// render shows a page inside the main layout with the fields every page needs.
func (s *Server) render(c *fiber.Ctx, page string, data fiber.Map) error {
	if data == nil {
		data = fiber.Map{}
	}
	data["QuickExitURL"] = s.cfg.QuickExitURL
	data["RequestID"] = requestID(c)
	data["CSRF"] = csrfToken(c)
	if p, ok := signedIn(c); ok {
		data["Me"] = p
	}
	if demo, _ := c.Locals(demoKey).(bool); demo {
		data["DemoSession"] = true
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The page is rendered on its own and then placed in the layout:
	// html/template would print an error from a nested template into the
	// page and carry on with a 200, where this returns it to the error
	// handler. The layout is rendered first, around a mark, and the page
	// is rendered straight into its place in the response: passed to the
	// layout as a value, a page (a large dashboard's is over a megabyte)
	// would be copied through fmt and grown buffers, garbage the collector
	// then works on.
	data["Body"] = template.HTML(bodyMark)
	frame := frameBuffers.Get().(*bytes.Buffer)
	defer frameBuffers.Put(frame)
	frame.Reset()
	if err := s.views.Render(frame, "layouts/main", data); err != nil {
		return fmt.Errorf("web: render the layout of %s: %w", page, err)
	}
	head, tail, ok := bytes.Cut(frame.Bytes(), []byte(bodyMark))
	if !ok {
		return fmt.Errorf("web: the layout of %s has no place for the page", page)
	}
	// The response's own body buffer, which fasthttp keeps for later
	// responses, takes the page: head, page, tail.
	c.Response().ResetBody()
	w := c.Response().BodyWriter()
	_, _ = w.Write(head)
	if err := s.views.Render(w, page, data); err != nil {
		c.Response().ResetBody()
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	_, _ = w.Write(tail)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return nil
}

// bodyMark stands in the layout for the page (layouts/main's .Body). The
// layout's other values are escaped, so none of them can print it.
const bodyMark = "<!--upstand:page-->"

// frameBuffers are the buffers the layout is rendered into.
var frameBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
