package web

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/xapi"
)

// The xAPI statements endpoint (docs/coverage.md, "Exports") is for
// programs, not browsers: a learning record store or a reporting tool
// sends one of the organisation's API keys as HTTP Basic credentials, as
// LRS clients do. It has no session, no cookies and no forms, so it is
// routed before the session and CSRF middleware (routes.go); the key
// alone decides the organisation. Every answer, errors included, is JSON
// and carries X-Experience-API-Version. The credentials are never logged:
// the access log has the path only, and no error repeats them.

const (
	xapiVersionHeader = "X-Experience-API-Version"
	apiClientKey      = "api_client"
)

// xapiFrame marks every answer under /xapi as xAPI's: its version header,
// JSON (the one error handler answers by Accept), never cached.
func (s *Server) xapiFrame(c *fiber.Ctx) error {
	c.Set(xapiVersionHeader, xapi.Version)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Request().Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON)
	return c.Next()
}

// xapiAbout is xAPI's GET /about: the versions served.
func (s *Server) xapiAbout(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"version": []string{xapi.Version}})
}

// requireAPIKey opens the request's API key (HTTP Basic: the key's id as
// user, its secret as password) and checks the xAPI version it asks for.
// A missing, malformed, unknown, wrong or revoked key is a 401 that says
// which scheme to use and nothing about the key.
func (s *Server) requireAPIKey(c *fiber.Ctx) error {
	id, secret, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Upstand xAPI", charset="UTF-8"`)
		return fault.New(fault.Unauthenticated, "Send one of your organisation's API keys as HTTP Basic credentials: its id as the user and its secret as the password.")
	}
	cl, err := s.org.AuthenticateAPIKey(c.UserContext(), id, secret)
	if err != nil {
		if fault.KindOf(err) == fault.Unauthenticated {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Upstand xAPI", charset="UTF-8"`)
		}
		return err
	}
	// xAPI clients name the version they speak; 1.0.x is this one.
	switch v := c.Get(xapiVersionHeader); {
	case v == "":
		return fault.Input(xapiVersionHeader, "Send the X-Experience-API-Version header, for example X-Experience-API-Version: 1.0.3.")
	case v != "1.0" && !strings.HasPrefix(v, "1.0."):
		return fault.Input(xapiVersionHeader, "This endpoint speaks xAPI 1.0.3: send X-Experience-API-Version: 1.0.3.")
	}
	c.Locals(apiClientKey, cl)
	return c.Next()
}

// basicAuth reads HTTP Basic credentials.
func basicAuth(h string) (user, password string, ok bool) {
	scheme, cred, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// xapiNotFound answers what no /xapi route does, in JSON: another method
// than GET on the statements (the endpoint only reads), or another path.
func (s *Server) xapiNotFound(c *fiber.Ctx) error {
	if strings.TrimSuffix(c.Path(), "/") == "/xapi/statements" {
		c.Set(fiber.HeaderAllow, "GET, HEAD")
		return fiber.NewError(fiber.StatusMethodNotAllowed, "This endpoint only gives statements: use GET.")
	}
	return s.notFound(c)
}

// xapiStatements is GET /xapi/statements: one page of the organisation's
// statements, a StatementResult.
func (s *Server) xapiStatements(c *fiber.Ctx) error {
	cl, _ := c.Locals(apiClientKey).(org.APIClient)
	v, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return fault.Input("", "The query string could not be read: check its percent-encoding.")
	}
	// The records a statement is made from are written with the time
	// they happen, so the result is complete up to now.
	consistent := s.now().UTC().Format(time.RFC3339Nano)
	res, err := s.org.Statements(c.UserContext(), cl, v)
	if err != nil {
		return err
	}
	c.Set("X-Experience-API-Consistent-Through", consistent)
	return c.JSON(res)
}
