package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// API keys (docs/coverage.md, "Exports"): an org admin makes one for a
// program that reads the organisation's xAPI statements, sees its secret
// once, and can revoke it. Both are audited.

// adminAPIKeys lists the organisation's keys with the form for a new one.
func (s *Server) adminAPIKeys(c *fiber.Ctx) error {
	return s.renderAPIKeys(c, "", nil)
}

func (s *Server) renderAPIKeys(c *fiber.Ctx, name string, errs *formErrors) error {
	keys, err := s.org.APIKeys(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "pages/admin_api_keys", fiber.Map{
		"Title":    "API keys",
		"Nav":      "api-keys",
		"Keys":     keys,
		"Name":     name,
		"Errors":   errs,
		"Notice":   c.Query("notice"),
		"Endpoint": s.cfg.BaseURL.JoinPath("xapi", "statements").String(),
	})
}

// adminAPIKeyCreate makes a key and shows it, this once: only its hash is
// kept.
func (s *Server) adminAPIKeyCreate(c *fiber.Ctx) error {
	name := utils.CopyString(c.FormValue("name"))
	k, err := s.org.CreateAPIKey(c.UserContext(), actor(c), name)
	if in, ok := asInputError(err); ok {
		return s.renderAPIKeys(c, name, newFormErrors(formError{Field: "key-name", Msg: in.Msg}))
	}
	if err != nil {
		return err
	}
	return s.render(c, "pages/admin_api_key_new", fiber.Map{
		"Title":    "API key " + k.Name,
		"Nav":      "api-keys",
		"Key":      k,
		"Endpoint": s.cfg.BaseURL.JoinPath("xapi", "statements").String(),
	})
}

// adminAPIKeyRevoke revokes one of the organisation's keys: it stops
// working at once. Another organisation's key is a 404.
func (s *Server) adminAPIKeyRevoke(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.org.RevokeAPIKey(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.Redirect("/admin/api-keys?notice=revoked", fiber.StatusSeeOther)
}
