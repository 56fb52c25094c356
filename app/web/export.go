package web

import (
	"bufio"
	"context"
	"io"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/xapi"
)

// The exports page and its downloads (docs/coverage.md, "Exports"): the
// coverage CSV for org admins and team managers (their teams), the
// completions CSV and the xAPI statements for org admins. The services
// decide who may have what and answer everyone else with a 404.

// exportsPage lists the downloads the signed-in person may have.
func (s *Server) exportsPage(c *fiber.Ctx) error {
	sc, err := s.cover.ScopeOf(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/exports", fiber.Map{
		"Title":     "Exports",
		"Nav":       "exports",
		"Admin":     sc.Admin,
		"Endpoint":  s.cfg.BaseURL.JoinPath("xapi", "statements").String(),
		"PageLimit": xapi.DefaultLimit,
		"MaxLimit":  xapi.MaxLimit,
	})
}

// exportCoverageCSV downloads every person's status and dates in every
// course required of them (a manager: their teams').
func (s *Server) exportCoverageCSV(c *fiber.Ctx) error {
	stream, err := s.cover.DutiesCSV(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.sendStream(c, "text/csv; charset=utf-8", "upstand-coverage-"+s.now().UTC().Format("2006-01-02")+".csv", stream)
}

// exportCompletionsCSV downloads every completion (org admins).
func (s *Server) exportCompletionsCSV(c *fiber.Ctx) error {
	stream, err := s.cover.CompletionsCSV(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.sendStream(c, "text/csv; charset=utf-8", "upstand-completions-"+s.now().UTC().Format("2006-01-02")+".csv", stream)
}

// exportStatements downloads every xAPI statement as one JSON array (org
// admins).
func (s *Server) exportStatements(c *fiber.Ctx) error {
	stream, err := s.org.StatementsExport(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	c.Set("X-Experience-API-Version", xapi.Version)
	return s.sendStream(c, fiber.MIMEApplicationJSONCharsetUTF8, "upstand-statements-"+s.now().UTC().Format("2006-01-02")+".json", stream)
}

// sendStream answers with a download that stream writes while it is sent
// (chunked), never held whole in memory. The request has been checked by
// then; a failure half-way can no longer change the status, so it is
// logged and the download ends early (the statements' JSON then does not
// close, so it cannot be mistaken for a whole one).
func (s *Server) sendStream(c *fiber.Ctx, contentType, filename string, stream org.Stream) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The request's context ends with the handler; the stream runs after
	// it, while the response is written. Keep its values (the request id
	// for the log), not its end.
	ctx := context.WithoutCancel(c.UserContext())
	conn := c.Context().Conn()
	log, path, timeout := s.log, c.Path(), s.cfg.WriteTimeout
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		out := io.Writer(w)
		if timeout > 0 && conn != nil {
			out = &deadlineWriter{w: w, conn: conn, timeout: timeout}
		}
		if err := stream(ctx, out); err != nil {
			log.WarnContext(ctx, "export stopped", "path", path, "err", err)
			return
		}
		if err := w.Flush(); err != nil {
			log.WarnContext(ctx, "export not delivered", "path", path, "err", err)
		}
	})
	return nil
}

// deadlineWriter moves the connection's write deadline on while a
// download is written, so the server's write timeout bounds each stall,
// not the whole of a long download.
type deadlineWriter struct {
	w        io.Writer
	conn     net.Conn
	timeout  time.Duration
	extended time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.extended) > d.timeout/4 {
		if err := d.conn.SetWriteDeadline(now.Add(d.timeout)); err != nil {
			return 0, err
		}
		d.extended = now
	}
	return d.w.Write(p)
}
