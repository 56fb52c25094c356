package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/descope/virtualwebauthn"

	"github.com/upstand/upstand/app/passkeytest"
)

const (
	sessionCookie = "upstand_session"
	csrfCookie    = "upstand_csrf"
)

// browser is one browser of one person: its cookies, its address (sent as
// X-Forwarded-For, so each has its own rate limits) and, once enrolled,
// its passkey.
type browser struct {
	base    string
	ip      string
	client  *http.Client
	mu      sync.Mutex
	cookies map[string]string
	pk      *passkey
}

type passkey struct {
	mu   sync.Mutex // one ceremony at a time (the signature counter)
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func newBrowser(base string, n int) *browser {
	return &browser{base: base, ip: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255), client: noRedirects,
		cookies: map[string]string{}}
}

// cookieHeader is the browser's Cookie header.
func (b *browser) cookieHeader() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

func (b *browser) cookie(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cookies[name]
}

// do sends a request as the browser; a form gets the CSRF token in _csrf,
// JSON in X-CSRF-Token (as passkey.js sends it).
func (b *browser) do(method, path string, form url.Values, jsonBody string) (int, string, http.Header, error) {
	var body io.Reader
	ctype := ""
	switch {
	case form != nil:
		form.Set("_csrf", b.cookie(csrfCookie))
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	case jsonBody != "":
		body, ctype = strings.NewReader(jsonBody), "application/json"
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Accept", "text/html")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Origin", b.base)
	}
	if jsonBody != "" {
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", b.cookie(csrfCookie))
	}
	req.Header.Set("X-Forwarded-For", b.ip)
	if c := b.cookieHeader(); c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	b.mu.Lock()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	b.mu.Unlock()
	return resp.StatusCode, string(out), resp.Header, err
}

// expect is do that wants a status.
func (b *browser) expect(want int, method, path string, form url.Values, jsonBody string) (string, http.Header, error) {
	code, body, hdr, err := b.do(method, path, form, jsonBody)
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if code != want {
		return "", nil, fmt.Errorf("%s %s: status %d, want %d: %.500s", method, path, code, want, body)
	}
	return body, hdr, nil
}

type ceremony struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

func (b *browser) begin(path string) (ceremony, error) {
	body, _, err := b.expect(http.StatusOK, http.MethodPost, path, nil, "{}")
	if err != nil {
		return ceremony{}, err
	}
	var c ceremony
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return c, fmt.Errorf("POST %s: %w", path, err)
	}
	return c, nil
}

var enrolTokenRE = regexp.MustCompile(`/enrol/([A-Za-z0-9_-]+)`)

// enrol opens an enrolment link and registers a new software passkey from
// it, which signs the browser in (the registration ceremony).
func (b *browser) enrol(link string) error {
	m := enrolTokenRE.FindStringSubmatch(link)
	if m == nil {
		return fmt.Errorf("not an enrolment link: %q", link)
	}
	path := "/enrol/" + m[1]
	if _, _, err := b.expect(http.StatusOK, http.MethodGet, path, nil, ""); err != nil {
		return err
	}
	c, err := b.begin(path + "/begin")
	if err != nil {
		return err
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		return err
	}
	cred, err := passkeytest.NewKey()
	if err != nil {
		return err
	}
	u, _ := url.Parse(b.base)
	pk := &passkey{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)}),
		cred: cred,
		rp:   virtualwebauthn.RelyingParty{ID: u.Hostname(), Name: "Upstand", Origin: b.base},
	}
	resp := virtualwebauthn.CreateAttestationResponse(pk.rp, pk.auth, pk.cred, *ao)
	if _, _, err := b.expect(http.StatusOK, http.MethodPost, path+"/finish?ceremony="+url.QueryEscape(c.Ceremony)+"&name=Laptop", nil, resp); err != nil {
		return err
	}
	pk.auth.AddCredential(pk.cred)
	b.pk = pk
	return nil
}

// signIn signs a new browser in with pk (the authentication ceremony).
func (b *browser) signIn(pk *passkey) error {
	// One ceremony at a time per passkey: the server refuses a signature
	// counter lower than one it has seen (a cloned authenticator).
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if _, _, err := b.expect(http.StatusOK, http.MethodGet, "/signin", nil, ""); err != nil {
		return err
	}
	c, err := b.begin("/signin/begin")
	if err != nil {
		return err
	}
	ao, err := virtualwebauthn.ParseAssertionOptions(string(c.Options))
	if err != nil {
		return err
	}
	pk.cred.Counter++
	resp := virtualwebauthn.CreateAssertionResponse(pk.rp, pk.auth, pk.cred, *ao)
	if _, _, err := b.expect(http.StatusOK, http.MethodPost, "/signin/finish?ceremony="+url.QueryEscape(c.Ceremony), nil, resp); err != nil {
		return err
	}
	if b.cookie(sessionCookie) == "" {
		return fmt.Errorf("signed in without a session cookie")
	}
	b.pk = pk
	return nil
}

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// linkRE finds an enrolment link in a page or a command's output.
var linkRE = regexp.MustCompile(`https?://[^\s"<]+/enrol/[A-Za-z0-9_-]+`)
