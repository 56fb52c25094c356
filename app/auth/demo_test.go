package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// TestDemoLinkIsUsedOnce: of several sign-ins racing with one demo link,
// exactly one gets the person; an expired link is refused unused; a
// deactivated person's link signs nobody in.
func TestDemoLinkIsUsedOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	a := org.Actor{Org: f.st.Org(f.org.ID), IP: "demo"}
	p, err := f.admins.AddPerson(ctx, a, store.PersonDetails{Name: "Lee Learner", Email: "lee@riverside.example"})
	if err != nil {
		t.Fatal(err)
	}
	tokenOfDemo := func(url string) string {
		t.Helper()
		_, token, ok := strings.Cut(url, "/demo/")
		if !ok || token == "" {
			t.Fatalf("demo link %q", url)
		}
		return token
	}

	link, err := f.svc.IssueDemoLink(ctx, a, p)
	if err != nil {
		t.Fatal(err)
	}
	token := tokenOfDemo(link)
	if got, err := f.svc.OpenDemoLink(ctx, token); err != nil || got.ID != p.ID {
		t.Fatalf("open: %v %v", got.ID, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := f.svc.UseDemoLink(ctx, token, "192.0.2.1")
			switch {
			case err == nil && got.ID == p.ID:
				wins.Add(1)
			case !errors.Is(err, auth.ErrDemoLinkInvalid):
				t.Errorf("use: %v", err)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d sign-ins with one demo link, want 1", n)
	}
	if _, err := f.svc.OpenDemoLink(ctx, token); !errors.Is(err, auth.ErrDemoLinkInvalid) {
		t.Errorf("open a used link: %v", err)
	}

	link, err = f.svc.IssueDemoLink(ctx, a, p)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(auth.DemoLinkTTL)
	if _, err := f.svc.UseDemoLink(ctx, tokenOfDemo(link), "192.0.2.1"); !errors.Is(err, auth.ErrDemoLinkInvalid) {
		t.Errorf("use an expired link: %v", err)
	}

	link, err = f.svc.IssueDemoLink(ctx, a, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.admins.SetActive(ctx, org.Actor{Org: f.st.Org(f.org.ID), PersonID: f.admin.ID}, p.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UseDemoLink(ctx, tokenOfDemo(link), "192.0.2.1"); !errors.Is(err, auth.ErrDemoLinkInvalid) {
		t.Errorf("use a deactivated person's link: %v", err)
	}
}
