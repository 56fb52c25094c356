package web

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/store"
)

// passkeyView is a passkey as the account page shows it.
type passkeyView struct {
	store.Credential
	Key string // base64url of the credential id, for URLs
}

func (s *Server) accountPage(c *fiber.Ctx) error {
	p := me(c)
	creds, err := s.auth.Passkeys(c.UserContext(), p)
	if err != nil {
		return err
	}
	views := make([]passkeyView, len(creds))
	for i, cr := range creds {
		views[i] = passkeyView{Credential: cr, Key: base64.RawURLEncoding.EncodeToString(cr.ID)}
	}
	teams, err := s.org.GroupsOf(c.UserContext(), actor(c), store.Teams, p.ID)
	if err != nil {
		return err
	}
	org, err := s.org.Organisation(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/account", fiber.Map{
		"Title":    "Your account",
		"Passkeys": views,
		"Teams":    teams,
		"Org":      org,
		"Welcome":  c.Query("welcome") == "1",
		"Notice":   c.Query("notice"),
	})
}

func (s *Server) passkeyAddBegin(c *fiber.Ctx) error {
	cer, err := s.auth.BeginAddPasskey(c.UserContext(), me(c))
	if err != nil {
		return err
	}
	return c.JSON(cer)
}

func (s *Server) passkeyAddFinish(c *fiber.Ctx) error {
	if err := s.auth.FinishAddPasskey(c.UserContext(), me(c), utils.CopyString(c.Query("ceremony")), c.Body(),
		utils.CopyString(c.Query("name")), c.IP()); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"redirect": "/account?notice=added"})
}

// passkeyID decodes the :id route parameter; a malformed one is a 404.
func passkeyID(c *fiber.Ctx) ([]byte, error) {
	id, err := base64.RawURLEncoding.DecodeString(c.Params("id"))
	if err != nil || len(id) == 0 || len(id) > 1023 {
		return nil, fiber.ErrNotFound
	}
	return id, nil
}

func (s *Server) passkeyRename(c *fiber.Ctx) error {
	id, err := passkeyID(c)
	if err != nil {
		return err
	}
	if err := s.auth.RenamePasskey(c.UserContext(), me(c), id, utils.CopyString(c.FormValue("name")), c.IP()); err != nil {
		return err
	}
	return c.Redirect("/account?notice=renamed", fiber.StatusSeeOther)
}

func (s *Server) passkeyRemove(c *fiber.Ctx) error {
	id, err := passkeyID(c)
	if err != nil {
		return err
	}
	if err := s.auth.RemovePasskey(c.UserContext(), me(c), id, c.IP()); err != nil {
		return err
	}
	return c.Redirect("/account?notice=removed", fiber.StatusSeeOther)
}

func (s *Server) signoutEverywhere(c *fiber.Ctx) error {
	if err := s.auth.EndAllSessions(c.UserContext(), me(c), c.IP()); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	if err := s.issueCSRF(c, ""); err != nil {
		return err
	}
	return c.Redirect("/signin?signed_out=all", fiber.StatusSeeOther)
}

// accountDigest turns the weekly digest of the person's teams' overdue
// people on (digest=on) or off.
func (s *Server) accountDigest(c *fiber.Ctx) error {
	off := c.FormValue("digest") != "on"
	if err := s.org.SetDigest(c.UserContext(), actor(c), off); err != nil {
		return err
	}
	notice := "digest-on"
	if off {
		notice = "digest-off"
	}
	return c.Redirect("/account?notice="+notice+"#reminders", fiber.StatusSeeOther)
}
