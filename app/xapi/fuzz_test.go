package xapi_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/xapi"
)

// FuzzParseRequest: whatever query string a client sends, ParseRequest
// answers a page within the limits or a 400 naming a parameter — never a
// panic or another kind of error — and a page's more link gives the same
// page back, from after its last statement. Run it with
// go test ./app/xapi -run '^$' -fuzz FuzzParseRequest -fuzztime 60s.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		"", "limit=10", "limit=0", "limit=10^9", "limit=1000000000", "limit=-1", "limit=1&limit=2",
		"since=2026-12-03T09:00:00Z&until=2026-12-04T09:00:00.123456789%2B02:00",
		"since=2026-12-03T09:00:00+01:00", "since=garbage", "until=0000-01-01T00:00:00Z",
		"verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fanswered", "verb=x", "activity=urn:a:b",
		"activity=https://learn.example.org/xapi/activities/courses/care-first/quizzes/2",
		"ascending=true&format=ids&attachments=false", "more=eyJrIjoiIn0.AAAA", "more=a.b.c", "agent={}",
		"%zz=1", "since=2026-13-40T25:61:61Z", "limit=%00", "verb=%F0%9F%98%80:x",
	} {
		f.Add(seed)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	id := uuid.MustParse("9a0f3f2e-5b1c-4e7a-8d3b-1c2e3f4a5b6c")
	b := xapi.NewBuilder(&url.URL{Scheme: "https", Host: "learn.example.org"})
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // the web layer refuses it before parsing (a 400)
		}
		p, err := xapi.ParseRequest(v, key, id)
		if err != nil {
			if f, ok := fault.As(err); !ok || f.Kind != fault.Invalid || f.Msg == "" {
				t.Fatalf("%q: %v: want a 400 with a message", raw, err)
			}
			return
		}
		if p.Limit < 1 || p.Limit > xapi.MaxLimit {
			t.Fatalf("%q: limit %d", raw, p.Limit)
		}
		if p.Verb != "" && !xapi.ValidIRI(p.Verb) || p.Activity != "" && !xapi.ValidIRI(p.Activity) {
			t.Fatalf("%q: verb %q activity %q", raw, p.Verb, p.Activity)
		}
		q, ok := p.Filter(b)
		if ok && q.Limit != p.Limit+1 {
			t.Fatalf("%q: the store is asked for %d", raw, q.Limit)
		}
		last := store.Activity{Kind: store.ActivityQuiz, At: time.Date(2026, 12, 3, 9, 0, 0, 1000, time.UTC), RecordID: id, Seq: 3}
		link, err := url.Parse(p.More(last, key, id))
		if err != nil {
			t.Fatalf("%q: more link: %v", raw, err)
		}
		next, err := xapi.ParseRequest(link.Query(), key, id)
		if err != nil {
			t.Fatalf("%q: its more link is refused: %v", raw, err)
		}
		want := p
		want.After = &store.ActivityCursor{At: last.At, Kind: last.Kind, RecordID: last.RecordID, Seq: last.Seq}
		if !reflect.DeepEqual(next.Query, want.Query) || !reflect.DeepEqual(next.After, want.After) {
			t.Fatalf("%q: the next page is %+v after %+v, want %+v after %+v", raw, next.Query, next.After, want.Query, want.After)
		}
	})
}
