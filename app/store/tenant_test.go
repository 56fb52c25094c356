package store_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/store"
)

// Tenant isolation in the data layer, by construction and tested from the
// surface itself: the organisation-bound handles (*store.Org, *store.Member)
// take no organisation id (TestOrgBoundSurfaceTakesNoOrganisation), and
// every one of their methods — found by reflection, not listed by hand —
// called through organisation A's handle with arguments built from
// organisation B's ids returns nothing of B's and changes nothing of B's
// (TestStoreTenantIsolation). Beneath that, PostgreSQL's row-level security
// refuses B's rows even to a query that forgets its where clause
// (TestRowLevelSecurity).

// orgData is a fixture.Tenant with what only the store makes: a passkey
// and a session of the member's.
type orgData struct {
	*fixture.Tenant
	credential  []byte
	sessionHash []byte
	apiKey      store.APIKey
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func newOrgData(t *testing.T, s fixture.Services, tag string, now time.Time) *orgData {
	t.Helper()
	ctx := context.Background()
	d := &orgData{Tenant: fixture.NewTenant(t, s, tag), credential: randomBytes(32)}
	member := s.Store.Org(d.Org.ID).Member(d.Member.ID)
	if err := member.AddCredential(ctx, store.Credential{ID: d.credential, Name: tag + " key", Record: []byte(`{}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sh := sha256.Sum256(randomBytes(32))
	d.sessionHash = sh[:]
	if err := member.CreateSession(ctx, store.Session{IDHash: d.sessionHash, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var err error
	if d.apiKey, err = s.Store.Org(d.Org.ID).CreateAPIKey(ctx, store.APIKey{Name: tag + " key", SecretHash: randomBytes(32),
		PagingKey: randomBytes(32), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return d
}

// orgHandles are the organisation-bound surfaces: the organisation, and a
// person in it.
var orgHandles = []reflect.Type{reflect.TypeFor[*store.Org](), reflect.TypeFor[*store.Member]()}

// TestOrgBoundSurfaceTakesNoOrganisation fails if any method of the
// organisation-bound handles takes an organisation id: by type (a
// parameter, or a field of a struct parameter, of organisation type) or by
// name (a parameter called org..., found in the source).
func TestOrgBoundSurfaceTakesNoOrganisation(t *testing.T) {
	t.Parallel()
	orgType := reflect.TypeFor[store.Organisation]()
	for _, h := range orgHandles {
		for i := range h.NumMethod() {
			m := h.Method(i)
			for j := 1; j < m.Type.NumIn(); j++ {
				in := m.Type.In(j)
				if in == orgType || in == reflect.PointerTo(orgType) {
					t.Errorf("%s.%s takes an organisation (parameter %d)", h, m.Name, j)
				}
			}
		}
	}
	fset := token.NewFileSet()
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range sources {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			recv := fmt.Sprint(star.X)
			if recv != "Org" && recv != "Member" {
				continue
			}
			checked++
			for _, field := range fn.Type.Params.List {
				for _, name := range field.Names {
					if strings.HasPrefix(strings.ToLower(name.Name), "org") {
						t.Errorf("(*%s).%s takes %q: the handle knows its organisation", recv, fn.Name.Name, name.Name)
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("found only %d methods on the handles: is the source check still reading the right files?", checked)
	}
}

// candidates are the values the generated calls draw their arguments from:
// everything identifying organisation B's rows.
type candidates struct {
	ids     []uuid.UUID
	secrets [][]byte
	strs    []string
	now     time.Time
}

func bCandidates(b *orgData, now time.Time) candidates {
	course := b.Course
	return candidates{
		ids: []uuid.UUID{b.Org.ID, b.Admin.ID, b.Member.ID, b.Invitee.ID, b.Invite.ID, b.MemberLink.InviteID, b.Team.ID, b.Label.ID, b.Support.ID,
			course.Attempt.ID, course.Attempt.RootID, course.Scenarios[0].Attempt.ID, course.Quizzes[0].Attempt.ID, course.Notes[0].ID,
			course.Completion.ID, *course.Completion.CertificateID, b.apiKey.ID},
		secrets: [][]byte{b.credential, b.sessionHash, b.Invite.TokenHash, b.apiKey.SecretHash},
		strs: []string{course.Module.ID, course.Scenarios[0].Step.ID, course.Quizzes[0].Step.ID, course.Notes[0].Step.ID,
			"lesson", "Renamed"},
		now: now,
	}
}

// build makes a value of type t for the k-th generated call: B's ids for
// ids, B's secrets for bytes, and so on, recursively through structs.
// Pointers stay nil, so audit entries A writes never name B's people.
func (c candidates) build(t reflect.Type, k int) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch {
	case t == reflect.TypeFor[uuid.UUID]():
		v.Set(reflect.ValueOf(c.ids[k%len(c.ids)]))
	case t == reflect.TypeFor[[]uuid.UUID]():
		v.Set(reflect.ValueOf(c.ids))
	case t == reflect.TypeFor[[]byte]() || t == reflect.TypeFor[json.RawMessage]():
		if t == reflect.TypeFor[json.RawMessage]() {
			v.SetBytes([]byte(`{}`))
		} else {
			v.SetBytes(c.secrets[k%len(c.secrets)])
		}
	case t == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(c.now))
	case t == reflect.TypeFor[time.Duration]():
		v.SetInt(int64(time.Hour))
	case t == reflect.TypeFor[store.GroupKind]():
		v.Set(reflect.ValueOf([]store.GroupKind{store.Teams, store.Labels}[k%2]))
	case t == reflect.TypeFor[context.Context]():
		v.Set(reflect.ValueOf(context.Background()))
	case t == reflect.TypeFor[bun.BaseModel]():
	case t.Kind() == reflect.String:
		v.SetString(c.strs[k%len(c.strs)])
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		v.SetInt(1)
	case t.Kind() == reflect.Bool:
		v.SetBool(k%2 == 1)
	case t.Kind() == reflect.Float64:
		v.SetFloat(0.5)
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Map:
	case t.Kind() == reflect.Func:
		out := make([]reflect.Value, t.NumOut())
		for i := range out {
			out[i] = reflect.Zero(t.Out(i))
		}
		v.Set(reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value { return out }))
	case t.Kind() == reflect.Slice:
		e, err := c.build(t.Elem(), k)
		if err != nil {
			return v, err
		}
		v.Set(reflect.Append(v, e))
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			f, err := c.build(t.Field(i).Type, k)
			if err != nil {
				return v, fmt.Errorf("%s.%s: %w", t, t.Field(i).Name, err)
			}
			v.Field(i).Set(f)
		}
	default:
		return v, fmt.Errorf("no generator for %s: teach candidates.build how to make one from organisation B's rows", t)
	}
	return v, nil
}

// TestStoreTenantIsolation calls every method of the organisation-bound
// handles — A's organisation, A's member, and A's organisation bound to
// B's member — with arguments drawn from B's ids and secrets. Nothing of
// B's may come back and B's rows must not change.
func TestStoreTenantIsolation(t *testing.T) {
	t.Parallel()
	app, owner := dbtest.NewWithAdmin(t)
	st := store.New(app)
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	clock := fixture.NewClock(time.Time{})
	now := clock.Now()
	svc := fixture.NewServices(st, cat, clock.Now)
	a := newOrgData(t, svc, "Aspen", now)
	b := newOrgData(t, svc, "Beech", now)
	c := bCandidates(b, now)
	before := orgSnapshot(t, owner, b.Org.ID)
	if !strings.Contains(before, "beech") {
		t.Fatal("the snapshot of B holds none of B's rows")
	}

	handles := []reflect.Value{
		reflect.ValueOf(st.Org(a.Org.ID)),
		reflect.ValueOf(st.Org(a.Org.ID).Member(a.Member.ID)),
		reflect.ValueOf(st.Org(a.Org.ID).Member(b.Member.ID)),
	}
	calls := 0
	for _, h := range handles {
		for i := range h.NumMethod() {
			m := h.Type().Method(i)
			for k := range len(c.ids) {
				args := []reflect.Value{}
				for j := range m.Type.NumIn() - 1 {
					v, err := c.build(m.Type.In(j+1), k)
					if err != nil {
						t.Fatalf("%s.%s: %v", h.Type(), m.Name, err)
					}
					args = append(args, v)
				}
				out := h.Method(i).Call(args)
				calls++
				// A call that fails returns its error, not data (what
				// else it returns echoes the arguments); a bare id is the
				// identifier the call was given.
				if last := out[len(out)-1]; last.Type() == reflect.TypeFor[error]() && !last.IsNil() {
					if leak := leaked(last.Interface(), b); leak != "" {
						t.Errorf("%s.%s (call %d) failed naming B's data: %s", h.Type(), m.Name, k, leak)
					}
					continue
				}
				for _, o := range out {
					if o.Type() == reflect.TypeFor[uuid.UUID]() {
						continue
					}
					if leak := leaked(o.Interface(), b); leak != "" {
						t.Errorf("%s.%s (call %d) returned B's data: %s", h.Type(), m.Name, k, leak)
					}
				}
			}
		}
	}
	if calls < 40*len(c.ids) {
		t.Errorf("only %d generated calls", calls)
	}
	if after := orgSnapshot(t, owner, b.Org.ID); after != before {
		t.Errorf("calls through A's handles changed B's rows:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// leaked reports B's ids or B's strings (every one carries the tag
// "beech") in a returned value.
func leaked(v any, b *orgData) string {
	if err, ok := v.(error); ok {
		v = err.Error()
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	s := string(raw)
	if strings.Contains(strings.ToLower(s), "beech") {
		return s
	}
	for _, id := range bCandidates(b, time.Time{}).ids {
		if strings.Contains(s, id.String()) {
			return s
		}
	}
	return ""
}

// orgTables are the tables with an org_id column, from the catalogue.
func orgTables(t *testing.T, db bun.IDB) []string {
	t.Helper()
	var tables []string
	if err := db.NewRaw(`SELECT c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'org_id' AND NOT a.attisdropped
		ORDER BY 1`).Scan(context.Background(), &tables); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d organisation-keyed tables: %v", len(tables), tables)
	}
	return tables
}

// orgSnapshot is every row of the organisation in every organisation-keyed
// table, read as the owner (beneath row-level security).
func orgSnapshot(t *testing.T, owner *bun.DB, orgID uuid.UUID) string {
	t.Helper()
	var b strings.Builder
	for _, table := range orgTables(t, owner) {
		var rows string
		if err := owner.NewRaw("SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), '[]')::text FROM ? x WHERE org_id = ?",
			bun.Ident(table), orgID).Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", table, rows)
	}
	return b.String()
}

// TestRowLevelSecurity: every organisation-keyed table has row-level
// security enabled and forced, and a query inside A's transaction that
// forgets its where clause sees and changes only A's rows.
func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app, owner := dbtest.NewWithAdmin(t)
	st := store.New(app)
	for _, table := range orgTables(t, owner) {
		var enabled, forced bool
		if err := owner.NewRaw("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = ?::regclass", table).
			Scan(ctx, &enabled, &forced); err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced {
			t.Errorf("table %s has org_id but row-level security enabled=%v forced=%v", table, enabled, forced)
		}
	}
	var role string
	var bypass bool
	if err := app.NewRaw("SELECT current_user, (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user)").Scan(ctx, &role, &bypass); err != nil {
		t.Fatal(err)
	}
	if role != "upstand_app" || bypass {
		t.Fatalf("the application's queries run as %q (bypasses row-level security: %v)", role, bypass)
	}

	orgA, err := st.Global().CreateOrganisation(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := st.Global().CreateOrganisation(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []store.Organisation{orgA, orgB} {
		if _, err := st.Org(o.ID).CreateGroup(ctx, store.Teams, o.Name+" team"); err != nil {
			t.Fatal(err)
		}
	}
	err = st.Org(orgA.ID).InTx(ctx, func(tx *store.Org) error {
		var names []string
		if err := store.UnscopedForTest(tx).NewRaw("SELECT name FROM teams ORDER BY name").Scan(ctx, &names); err != nil {
			return err
		}
		if !slices.Equal(names, []string{"A team"}) {
			t.Errorf("an unscoped select in A's transaction saw %v", names)
		}
		res, err := store.UnscopedForTest(tx).NewRaw("UPDATE teams SET name = name || ' changed'").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("an unscoped update in A's transaction changed %d rows, want A's one", n)
		}
		if _, err := store.UnscopedForTest(tx).NewRaw("INSERT INTO teams (org_id, name) VALUES (?, 'smuggled')", orgB.ID).Exec(ctx); err == nil {
			t.Error("an insert of B's row in A's transaction was allowed")
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatalf("transaction: %v", err)
	}
	// Outside any organisation's transaction the application sees nothing.
	var n int
	if err := app.NewRaw("SELECT count(*) FROM teams").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("with no organisation bound the application counted %d teams (%v)", n, err)
	}
	var names []string
	if err := owner.NewRaw("SELECT name FROM teams ORDER BY name").Scan(ctx, &names); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"A team", "B team"}) {
		t.Errorf("after the rolled-back transaction the teams are %v", names)
	}
}
