package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Completion records that a person finished a module, on the version they
// finished. Append-only; the course attempt is its idempotency key.
type Completion struct {
	bun.BaseModel `bun:"table:completions,alias:c"`

	ID              uuid.UUID      `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID           uuid.UUID      `bun:"org_id,type:uuid"`
	PersonID        uuid.UUID      `bun:"person_id,type:uuid"`
	CourseAttemptID uuid.UUID      `bun:"course_attempt_id,type:uuid"`
	ModuleID        string         `bun:"module_id"`
	ModuleVersion   string         `bun:"module_version"`
	CompletedAt     time.Time      `bun:"completed_at"`
	ExpiresAt       *time.Time     `bun:"expires_at"`
	Summary         map[string]any `bun:"summary,type:jsonb"`

	// Filled by the queries that join them.
	CertificateID   *uuid.UUID `bun:"certificate_id,scanonly"`
	CertificateCode *string    `bun:"certificate_code,scanonly"`
}

// Certificate is the proof of a completion that anyone holding its code can
// check.
type Certificate struct {
	bun.BaseModel `bun:"table:certificates,alias:ce"`

	ID           uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID        uuid.UUID `bun:"org_id,type:uuid"`
	PersonID     uuid.UUID `bun:"person_id,type:uuid"`
	CompletionID uuid.UUID `bun:"completion_id,type:uuid"`
	Code         string    `bun:"code"`
	IssuedAt     time.Time `bun:"issued_at"`
}

// AddCompletion records a completion of the person's and its certificate
// in one transaction, once per course attempt. When the attempt already has
// a completion (a double submit, a retry, fifty concurrent requests), it
// returns the stored one and created=false, and writes nothing.
func (m *Member) AddCompletion(ctx context.Context, c Completion, certCode string) (Completion, bool, error) {
	if c.Summary == nil {
		c.Summary = map[string]any{}
	}
	c.ID = uuid.New()
	c.OrgID, c.PersonID = m.o.id, m.id
	created := false
	var stored Completion
	err := m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewInsert().Model(&c).On("CONFLICT (course_attempt_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			created = true
			cert := Certificate{ID: uuid.New(), OrgID: c.OrgID, PersonID: c.PersonID, CompletionID: c.ID, Code: certCode, IssuedAt: c.CompletedAt}
			if _, err := db.NewInsert().Model(&cert).Exec(ctx); err != nil {
				return err
			}
		}
		return m.selectCompletions(db).Where("c.course_attempt_id = ?", c.CourseAttemptID).Scan(ctx, &stored)
	})
	if err != nil {
		return Completion{}, false, wrap("add completion", err)
	}
	return stored, created, nil
}

func (m *Member) selectCompletions(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("completions AS c").
		ColumnExpr("c.id, c.org_id, c.person_id, c.course_attempt_id, c.module_id, c.module_version, c.completed_at, c.expires_at, c.summary").
		ColumnExpr("ce.id AS certificate_id, ce.code AS certificate_code").
		Join("LEFT JOIN certificates AS ce ON ce.completion_id = c.id").
		Where("c.org_id = ?", m.o.id).Where("c.person_id = ?", m.id)
}

// CompletionOfAttempt loads the completion of one of the person's course
// attempts.
func (m *Member) CompletionOfAttempt(ctx context.Context, attemptID uuid.UUID) (Completion, error) {
	var c Completion
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectCompletions(db).Where("c.course_attempt_id = ?", attemptID).Scan(ctx, &c)
	})
	return c, wrap("load completion", err)
}

// Completions lists the person's completions, newest first.
func (m *Member) Completions(ctx context.Context) ([]Completion, error) {
	var cs []Completion
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectCompletions(db).OrderExpr("c.completed_at DESC, c.id").Scan(ctx, &cs)
	})
	return cs, wrap("list completions", err)
}

// CertificateView is what a certificate shows: the person, the module and
// version, and the dates.
type CertificateView struct {
	ID            uuid.UUID  `bun:"id"`
	OrgID         uuid.UUID  `bun:"org_id"`
	PersonID      uuid.UUID  `bun:"person_id"`
	Code          string     `bun:"code"`
	IssuedAt      time.Time  `bun:"issued_at"`
	PersonName    string     `bun:"person_name"`
	ModuleID      string     `bun:"module_id"`
	ModuleVersion string     `bun:"module_version"`
	VersionDate   time.Time  `bun:"version_date"`
	ModuleTitle   string     `bun:"module_title"` // as it was in that version
	CompletedAt   time.Time  `bun:"completed_at"`
	ExpiresAt     *time.Time `bun:"expires_at"`
}

func selectCertificates(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("certificates AS ce").
		ColumnExpr("ce.id, ce.org_id, ce.person_id, ce.code, ce.issued_at").
		ColumnExpr("p.name AS person_name, c.module_id, c.module_version, c.completed_at, c.expires_at").
		ColumnExpr("cv.first_seen_at AS version_date, cv.canonical->>'title' AS module_title").
		Join("JOIN completions AS c ON c.id = ce.completion_id").
		Join("JOIN people AS p ON p.org_id = ce.org_id AND p.id = ce.person_id").
		Join("JOIN content_versions AS cv ON cv.kind = 'module' AND cv.id = c.module_id AND cv.version = c.module_version")
}

// Certificate loads one of the person's certificates.
func (m *Member) Certificate(ctx context.Context, id uuid.UUID) (CertificateView, error) {
	var v CertificateView
	err := m.run(ctx, func(db bun.IDB) error {
		return selectCertificates(db).Where("ce.org_id = ?", m.o.id).Where("ce.person_id = ?", m.id).
			Where("ce.id = ?", id).Scan(ctx, &v)
	})
	return v, wrap("load certificate", err)
}

// CertificateByCode finds a certificate by its verification code. Not scoped
// by organisation: the code is a 128-bit secret printed on the certificate,
// and whoever holds it may confirm it.
func (g *Global) CertificateByCode(ctx context.Context, code string) (CertificateView, error) {
	var v CertificateView
	err := g.run(ctx, func(db bun.IDB) error {
		return selectCertificates(db).Where("ce.code = ?", code).Scan(ctx, &v)
	})
	return v, wrap("verify certificate", err)
}
