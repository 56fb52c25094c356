package xapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// The page sizes of GET /xapi/statements: DefaultLimit statements when
// the request names no limit, at most MaxLimit (limit=0 asks for that
// many, as xAPI says).
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// maxIRI and maxMore bound what a request may send.
const (
	maxIRI  = 2048
	maxMore = 4096
)

// Query is what a GET /xapi/statements asks for.
type Query struct {
	// Since (exclusive) and Until (inclusive) bound the statements'
	// stored times.
	Since, Until *time.Time
	// Verb and Activity are IRIs: only statements with this verb, or
	// with this activity as object.
	Verb, Activity string
	// Limit is the page size, 1 to MaxLimit.
	Limit int
	// Ascending lists the oldest first (xAPI's default is newest first).
	Ascending bool
	// Format is "exact" (the default), "ids" or "canonical" (the same as
	// exact here: every text has one language).
	Format string
}

// Page is a query and where its page starts: after After, when the
// request came from a "more" link.
type Page struct {
	Query
	After *store.ActivityCursor
}

// params are the query parameters the endpoint takes; more stands alone.
var params = []string{"since", "until", "limit", "verb", "activity", "ascending", "format", "attachments", "more"}

// unsupported are xAPI's other statement filters, which the endpoint
// refuses by name rather than ignoring.
var unsupported = []string{"agent", "registration", "related_activities", "related_agents", "statementId", "voidedStatementId"}

// invalid is a request mistake about one parameter: a 400 naming it.
func invalid(param, msg string) error { return fault.Input(param, msg) }

// ParseRequest reads a request's query parameters. A "more" link is
// opened with the key it was made for (key, keyID): one made for another
// key, or changed in any way, is refused. Every mistake is a fault.Invalid
// naming the parameter.
func ParseRequest(v url.Values, key []byte, keyID uuid.UUID) (Page, error) {
	for name, vals := range v {
		switch {
		case slices.Contains(unsupported, name):
			return Page{}, invalid(name, fmt.Sprintf("The %s filter is not supported here: filter by since, until, verb, activity, ascending and limit.", name))
		case !slices.Contains(params, name):
			return Page{}, invalid(name, fmt.Sprintf("Unknown parameter %q: the statements endpoint takes since, until, limit, verb, activity, ascending, format and more.", clipped(name)))
		case len(vals) != 1:
			return Page{}, invalid(name, fmt.Sprintf("Give %s once.", name))
		}
	}
	if more, ok := v["more"]; ok {
		if len(v) != 1 {
			return Page{}, invalid("more", "A more link stands alone: send it as it came, with no other parameters.")
		}
		return openMore(more[0], key, keyID)
	}
	q := Query{Limit: DefaultLimit, Format: "exact"}
	var err error
	if q.Since, err = timeParam(v, "since"); err != nil {
		return Page{}, err
	}
	if q.Until, err = timeParam(v, "until"); err != nil {
		return Page{}, err
	}
	if s, ok := one(v, "limit"); ok {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil && isDigits(s):
			return Page{}, invalid("limit", fmt.Sprintf("The limit is at most %d.", MaxLimit))
		case err != nil || n < 0:
			return Page{}, invalid("limit", fmt.Sprintf("The limit must be a whole number from 0 to %d (0: the most, %d).", MaxLimit, MaxLimit))
		case n > MaxLimit:
			return Page{}, invalid("limit", fmt.Sprintf("The limit is at most %d.", MaxLimit))
		case n == 0:
			q.Limit = MaxLimit
		default:
			q.Limit = n
		}
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"verb", &q.Verb}, {"activity", &q.Activity}} {
		if s, ok := one(v, p.name); ok {
			if !ValidIRI(s) {
				return Page{}, invalid(p.name, fmt.Sprintf("The %s must be an absolute IRI, such as %s.", p.name, VerbCompleted))
			}
			*p.dst = s
		}
	}
	if s, ok := one(v, "ascending"); ok {
		if s != "true" && s != "false" {
			return Page{}, invalid("ascending", "ascending is true or false.")
		}
		q.Ascending = s == "true"
	}
	if s, ok := one(v, "format"); ok {
		if s != "exact" && s != "ids" && s != "canonical" {
			return Page{}, invalid("format", "format is exact, ids or canonical.")
		}
		q.Format = s
	}
	if s, ok := one(v, "attachments"); ok && s != "true" && s != "false" {
		return Page{}, invalid("attachments", "attachments is true or false (statements here have none).")
	}
	return Page{Query: q}, nil
}

func one(v url.Values, name string) (string, bool) {
	vals, ok := v[name]
	if !ok {
		return "", false
	}
	return vals[0], true
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// clipped shortens what a request sent for quoting it back.
func clipped(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// timeParam parses an ISO 8601 timestamp with its time zone
// (2026-12-03T09:00:00Z, 2026-12-03T10:00:00.5+01:00).
func timeParam(v url.Values, name string) (*time.Time, error) {
	s, ok := one(v, name)
	if !ok {
		return nil, nil
	}
	// A "+" of a time zone that was not percent-encoded arrives as a
	// space, which a timestamp never holds.
	t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(s, " ", "+"))
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return nil, invalid(name, fmt.Sprintf("%s must be a timestamp with its time zone, such as 2026-12-03T09:00:00Z.", name))
	}
	t = t.UTC()
	return &t, nil
}

// ValidIRI reports whether s is an absolute IRI as a filter may name
// one: a scheme and something after it, no spaces or control characters,
// valid UTF-8, at most 2,048 bytes.
func ValidIRI(s string) bool {
	if s == "" || len(s) > maxIRI || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

// token is what a more link carries: the query and the position of the
// last statement given. It is sent as base64url(JSON).base64url(HMAC).
type token struct {
	Key      string `json:"k"`
	Since    string `json:"s,omitempty"`
	Until    string `json:"u,omitempty"`
	Verb     string `json:"v,omitempty"`
	Activity string `json:"a,omitempty"`
	Limit    int    `json:"l"`
	Asc      bool   `json:"o,omitempty"`
	Format   string `json:"f"`
	At       string `json:"t"`
	Kind     int    `json:"n"`
	Record   string `json:"r"`
	Seq      int    `json:"q"`
}

func sign(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)
}

// More is the relative URL of the page after the one that ended with
// last, for the key (key, keyID) the request came with.
func (p Page) More(last store.Activity, key []byte, keyID uuid.UUID) string {
	t := token{Key: keyID.String(), Verb: p.Verb, Activity: p.Activity, Limit: p.Limit, Asc: p.Ascending, Format: p.Format,
		At: last.At.UTC().Format(time.RFC3339Nano), Kind: int(last.Kind), Record: last.RecordID.String(), Seq: last.Seq}
	if p.Since != nil {
		t.Since = p.Since.Format(time.RFC3339Nano)
	}
	if p.Until != nil {
		t.Until = p.Until.Format(time.RFC3339Nano)
	}
	payload, _ := json.Marshal(t) // strings, ints and a bool always marshal
	enc := base64.RawURLEncoding
	return "/xapi/statements?more=" + enc.EncodeToString(payload) + "." + enc.EncodeToString(sign(key, payload))
}

// errMore is the one answer to a more link that is not one of ours.
func errMore() error {
	return invalid("more", "The more link is not valid for this key: it was changed, or made for another key. Start again without it.")
}

// openMore checks a more link's signature and reads its page.
func openMore(s string, key []byte, keyID uuid.UUID) (Page, error) {
	if len(s) > maxMore {
		return Page{}, errMore()
	}
	// Strict: a changed last character whose dropped bits differ would
	// otherwise decode to the same bytes.
	enc := base64.RawURLEncoding.Strict()
	body, mac, ok := strings.Cut(s, ".")
	if !ok {
		return Page{}, errMore()
	}
	payload, err1 := enc.DecodeString(body)
	sum, err2 := enc.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, sign(key, payload)) {
		return Page{}, errMore()
	}
	var t token
	if err := json.Unmarshal(payload, &t); err != nil || t.Key != keyID.String() {
		return Page{}, errMore()
	}
	// Signed by this server for this key: still read it as strictly as
	// a request, so no change of the format can slip a bad value past.
	v := url.Values{"limit": {strconv.Itoa(t.Limit)}, "ascending": {strconv.FormatBool(t.Asc)}, "format": {t.Format}}
	for name, val := range map[string]string{"since": t.Since, "until": t.Until, "verb": t.Verb, "activity": t.Activity} {
		if val != "" {
			v.Set(name, val)
		}
	}
	p, err := ParseRequest(v, key, keyID)
	if err != nil || t.Limit < 1 {
		return Page{}, errMore()
	}
	at, err := time.Parse(time.RFC3339Nano, t.At)
	rec, err2 := uuid.Parse(t.Record)
	kind := store.ActivityKind(t.Kind)
	if err != nil || err2 != nil || !slices.Contains(store.ActivityKinds, kind) || t.Seq < 0 {
		return Page{}, errMore()
	}
	p.After = &store.ActivityCursor{At: at.UTC(), Kind: kind, RecordID: rec, Seq: t.Seq}
	return p, nil
}

// slug is the form of course, scenario and node ids.
var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Filter is the store's query for the page, to list one more than the
// page holds (to know whether there is a next page). ok is false when
// the page can hold nothing: a verb or activity no statement here has.
func (p Page) Filter(b Builder) (q store.ActivityQuery, ok bool) {
	q = store.ActivityQuery{Since: p.Since, Until: p.Until, After: p.After, Descending: !p.Ascending, Limit: p.Limit + 1}
	kinds := store.ActivityKinds
	if p.Verb != "" {
		switch p.Verb {
		case VerbInitialized:
			kinds = []store.ActivityKind{store.ActivityStarted}
		case VerbAnswered:
			kinds = []store.ActivityKind{store.ActivityChoice}
		case VerbCompleted:
			kinds = []store.ActivityKind{store.ActivityScenarioEnd, store.ActivityCompletion}
		case VerbPassed, VerbFailed:
			kinds = []store.ActivityKind{store.ActivityQuiz}
			passed := p.Verb == VerbPassed
			q.Passed = &passed
		default:
			return q, false
		}
	}
	if p.Activity != "" {
		rest, found := strings.CutPrefix(p.Activity, b.activities())
		if !found {
			return q, false
		}
		parts := strings.Split(rest, "/")
		for _, part := range parts {
			if part == "" {
				return q, false
			}
		}
		var of []store.ActivityKind
		switch {
		case len(parts) == 2 && parts[0] == "courses" && slug.MatchString(parts[1]):
			of, q.Module = []store.ActivityKind{store.ActivityStarted, store.ActivityCompletion}, parts[1]
		case len(parts) == 4 && parts[0] == "courses" && slug.MatchString(parts[1]) && parts[2] == "quizzes" && isDigits(parts[3]) && parts[3][0] != '0':
			of, q.Module, q.Step = []store.ActivityKind{store.ActivityQuiz}, parts[1], "quiz:"+parts[3]
		case len(parts) == 2 && parts[0] == "scenarios" && slug.MatchString(parts[1]):
			of, q.Scenario = []store.ActivityKind{store.ActivityScenarioEnd}, parts[1]
		case len(parts) == 4 && parts[0] == "scenarios" && slug.MatchString(parts[1]) && parts[2] == "nodes" && slug.MatchString(parts[3]):
			of, q.Scenario, q.Node = []store.ActivityKind{store.ActivityChoice}, parts[1], parts[3]
		default:
			return q, false
		}
		var both []store.ActivityKind
		for _, k := range kinds {
			if slices.Contains(of, k) {
				both = append(both, k)
			}
		}
		kinds = both
	}
	if len(kinds) == 0 {
		return q, false
	}
	if len(kinds) < len(store.ActivityKinds) {
		q.Kinds = kinds
	}
	return q, true
}
