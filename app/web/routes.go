package web

// routes lists every route of the application, in one place.
func (s *Server) routes() {
	s.app.Use(s.requestID(), s.accessLog(), s.recover(), s.securityHeaders())

	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/assets/*", s.serveAsset)

	s.app.Get("/", s.home)

	s.app.Use(s.notFound)
}
