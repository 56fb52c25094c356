package web

import "time"

// routes lists every route of the application, in one place.
func (s *Server) routes() {
	s.app.Use(s.requestID(), s.accessLog(), s.recover(), s.securityHeaders())

	// Before sessions and CSRF: probes and static files need neither.
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/assets/*", s.serveAsset)

	s.app.Use(s.loadSession(), s.sameOrigin, s.csrfProtection())

	s.app.Get("/", s.home)

	signin := s.rateLimit("signin", 30, time.Minute)
	s.app.Get("/signin", s.signinPage)
	s.app.Post("/signin/begin", signin, s.signinBegin)
	s.app.Post("/signin/finish", signin, s.signinFinish)
	s.app.Post("/signout", s.requireSignedIn, s.signout)

	enrol := s.rateLimit("enrol", 30, time.Minute)
	s.app.Get("/enrol/:token", enrol, s.enrolPage)
	s.app.Post("/enrol/:token/begin", enrol, s.enrolBegin)
	s.app.Post("/enrol/:token/finish", enrol, s.enrolFinish)

	account := s.app.Group("/account", s.requireSignedIn)
	account.Get("/", s.accountPage)
	account.Post("/passkeys/begin", s.passkeyAddBegin)
	account.Post("/passkeys/finish", s.passkeyAddFinish)
	account.Post("/passkeys/:id/rename", s.passkeyRename)
	account.Post("/passkeys/:id/remove", s.passkeyRemove)
	account.Post("/signout-everywhere", s.signoutEverywhere)

	s.app.Use(s.notFound)
}
