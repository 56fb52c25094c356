package web

import (
	"time"

	"github.com/upstand/upstand/app/store"
)

// routes lists every route of the application, in one place.
func (s *Server) routes() {
	// The request id, the security headers and the access log are put on
	// every response outside Fiber's middleware, where even a request
	// Fiber never sees gets them (serveAll).
	s.app.Use(s.requestContext, s.recover())

	// Before sessions and CSRF: probes and static files need neither.
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/assets/*", s.serveAsset)

	// The xAPI statements endpoint is for programs holding an organisation
	// API key, not a browser form: no session, no cookies, no CSRF token
	// (the key in every request is the credential), so it comes before
	// that middleware.
	xapiRoutes := s.app.Group("/xapi", s.xapiFrame)
	xapiRoutes.Get("/about", s.xapiAbout)
	xapiRoutes.Get("/statements", s.requireAPIKey, s.xapiStatements)
	xapiRoutes.Use(s.xapiNotFound)

	s.app.Use(s.loadSession(), s.sameOrigin, s.csrfProtection(), s.csrfStored, s.plainText)

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

	// Demo links sign in without a passkey: they exist only in demo mode.
	if s.demoMode() {
		demo := s.rateLimit("demo", 30, time.Minute)
		s.app.Get("/demo/:token", demo, s.demoPage)
		s.app.Post("/demo/:token", demo, s.demoSignIn)
	}

	account := s.app.Group("/account", s.requireSignedIn)
	account.Get("/", s.accountPage)
	account.Post("/passkeys/begin", s.passkeyAddBegin)
	account.Post("/passkeys/finish", s.passkeyAddFinish)
	account.Post("/passkeys/:id/rename", s.passkeyRename)
	account.Post("/passkeys/:id/remove", s.passkeyRemove)
	account.Post("/signout-everywhere", s.signoutEverywhere)
	account.Post("/digest", s.accountDigest)

	// Learning. Every learner route acts for the signed-in person only;
	// records are looked up by their id and that person, so another
	// person's record (an org admin's session included) is a 404.
	s.app.Get("/verify", s.verifyForm)
	s.app.Get("/verify/:code", s.rateLimit("verify", 60, time.Minute), s.verifyPage)
	courses := s.app.Group("/courses", s.requireSignedIn)
	courses.Get("/", s.cataloguePage)
	courses.Get("/:module", s.coursePage)
	courses.Get("/:module/begin", s.courseBegin)
	courses.Post("/:module/start", s.courseStart)
	courses.Get("/:module/confidence/:phase", s.confidencePage)
	courses.Post("/:module/confidence/:phase", s.confidenceSave)
	courses.Get("/:module/steps/:n", s.stepPage)
	courses.Post("/:module/steps/:n/scenario", s.scenarioStart)
	courses.Post("/:module/steps/:n/choose", s.scenarioChoose)
	courses.Get("/:module/steps/:n/feedback", s.scenarioFeedback)
	courses.Get("/:module/steps/:n/attempts/:id", s.scenarioReview)
	courses.Post("/:module/steps/:n/quiz", s.quizSubmit)
	courses.Get("/:module/steps/:n/quiz/:id", s.quizResult)
	courses.Post("/:module/steps/:n/reflection", s.reflectionSave)
	courses.Get("/:module/finish", s.finishPage)
	courses.Post("/:module/finish", s.finishSave)
	courses.Get("/:module/complete", s.completePage)
	s.app.Post("/reflections/:id/delete", s.requireSignedIn, s.reflectionDelete)
	s.app.Get("/certificates/:id", s.requireSignedIn, s.certificatePage)
	s.app.Get("/record", s.requireSignedIn, s.recordPage)
	s.app.Get("/record.csv", s.requireSignedIn, s.recordCSV)

	support := s.app.Group("/admin/support", s.requireSignedIn, s.requireOrgAdmin)
	support.Get("/", s.supportEditPage)
	support.Post("/", s.supportAdd)
	support.Post("/:id", s.supportUpdate)
	support.Post("/:id/delete", s.supportDelete)

	// Organisation admin. Everyone else gets a 404 anywhere under /admin.
	admin := s.app.Group("/admin", s.requireSignedIn, s.requireOrgAdmin)
	invite := s.rateLimit("invite", 30, time.Minute)
	admin.Get("/", s.adminHome)
	admin.Get("/people", s.adminPeople)
	admin.Post("/people", invite, s.adminInvite)
	admin.Get("/people/:id", s.adminPerson)
	admin.Post("/people/:id", s.adminPersonSave)
	admin.Post("/people/:id/deactivate", s.adminSetActive(false))
	admin.Post("/people/:id/reactivate", s.adminSetActive(true))
	admin.Post("/people/:id/reenrol", invite, s.adminReenrol)
	admin.Post("/people/:id/invites/:invite/revoke", s.adminRevokeInvite)
	admin.Get("/teams", s.adminGroups(store.Teams))
	admin.Post("/teams", s.adminGroupCreate(store.Teams))
	admin.Get("/teams/:id", s.adminTeam)
	admin.Post("/teams/:id/managers", s.adminTeamManager)
	admin.Post("/teams/:id/rename", s.adminGroupRename(store.Teams))
	admin.Get("/teams/:id/delete", s.adminGroupConfirmDelete(store.Teams))
	admin.Post("/teams/:id/delete", s.adminGroupDelete(store.Teams))
	admin.Get("/labels", s.adminGroups(store.Labels))
	admin.Post("/labels", s.adminGroupCreate(store.Labels))
	admin.Post("/labels/:id/rename", s.adminGroupRename(store.Labels))
	admin.Get("/labels/:id/delete", s.adminGroupConfirmDelete(store.Labels))
	admin.Post("/labels/:id/delete", s.adminGroupDelete(store.Labels))
	admin.Get("/audit", s.adminAudit)
	admin.Get("/api-keys", s.adminAPIKeys)
	admin.Post("/api-keys", s.adminAPIKeyCreate)
	admin.Post("/api-keys/:id/revoke", s.adminAPIKeyRevoke)
	admin.Get("/reminders", s.adminReminders)
	admin.Get("/requirements", s.adminRequirements)
	admin.Post("/requirements", s.adminRequirementAdd)
	admin.Get("/requirements/:id", s.adminRequirement)
	admin.Post("/requirements/:id", s.adminRequirementChange)
	admin.Post("/requirements/:id/delete", s.adminRequirementRemove)
	admin.Post("/coverage-settings", s.adminCoverageSettings)

	// Coverage (the dashboard and drill-down, the responder roster, the
	// trend and the evaluation): org admins see the whole organisation,
	// team managers their own teams (org.Coverage decides); everyone else
	// gets a 404.
	coverage := s.app.Group("/coverage", s.requireSignedIn)
	coverage.Get("/", s.coveragePage)
	coverage.Get("/courses/:module", s.coverageCell)
	coverage.Get("/roster", s.coverageRoster)
	coverage.Get("/trend", s.coverageTrend)
	coverage.Get("/evaluation", s.coverageEvaluation)
	// Exports: the coverage CSV for org admins and team managers (their
	// teams), the completions CSV and the xAPI statements for org admins
	// (org.Coverage and org.Service decide; everyone else gets a 404).
	coverage.Get("/exports", s.exportsPage)
	coverage.Get("/exports/coverage.csv", s.exportCoverageCSV)
	coverage.Get("/exports/completions.csv", s.exportCompletionsCSV)
	coverage.Get("/exports/statements.json", s.exportStatements)
	coverage.Post("/people/:id/remind", s.rateLimit("remind", 60, time.Minute), s.remindSend)

	// Courses as packages for another learning management system
	// (docs/lms.md): trainers and org admins download their
	// organisation's published courses and the library's; :format is a
	// known format (lms.Formats). Everyone else gets a 404 (lms.Downloads
	// decides).
	packages := s.app.Group("/packages", s.requireSignedIn)
	packages.Get("/", s.packagesPage)
	packages.Get("/:module/:format", s.rateLimit("package", 30, time.Minute), s.packageDownload)

	// The trainers' studio. Everyone else gets a 404 anywhere under
	// /studio. The draft's :kind is "scenarios" or "modules".
	studio := s.app.Group("/studio", s.requireSignedIn, s.requireTrainer)
	studio.Get("/", s.studioHome)
	studio.Post("/new", s.studioCreate)
	studio.Post("/copy", s.studioCopy)
	studio.Post("/import", s.rateLimit("import", 30, time.Minute), s.studioImport)
	studio.Post("/review", s.requireOrgAdmin, s.studioReview)
	studio.Get("/library/scenarios/:id/export", s.studioLibraryExport)
	studio.Get("/analytics/:id", s.studioAnalytics)
	studio.Get("/:kind/:id", s.studioEditor)
	studio.Post("/:kind/:id", s.studioSave)
	studio.Post("/:kind/:id/check", s.studioCheck)
	studio.Post("/:kind/:id/files", s.studioAddFile)
	studio.Post("/:kind/:id/approve", s.studioApprove)
	studio.Post("/:kind/:id/publish", s.studioPublish)
	studio.Post("/:kind/:id/unpublish", s.studioUnpublish)
	studio.Get("/:kind/:id/history", s.studioHistory)
	studio.Get("/:kind/:id/export", s.studioExport)
	studio.Get("/:kind/:id/graph", s.rateLimit("graph", 60, time.Minute), s.studioGraph)
	studio.Get("/:kind/:id/form", s.studioForm)
	studio.Post("/:kind/:id/form", s.studioFormEdit)
	studio.Get("/:kind/:id/playtest", s.studioPlaytest)
	studio.Post("/:kind/:id/playtest", s.studioPlaytest)

	s.app.Use(s.notFound)
}
