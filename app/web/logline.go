package web

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// What may reach the log. Some paths carry a secret that still works:
// an enrolment link's token, a demo sign-in link's token, a certificate's
// verification code. Every log line of the process goes through
// LogHandler, which rewrites such a path wherever it appears in the line
// (the message, any attribute, an error's text) to its route pattern,
// "/enrol/:token". Doing it there, rather than where each line is written,
// is what makes it hold whatever stopped the request: middleware that
// refused it before a route matched, the error handler, fasthttp refusing
// a request it could not read, or a line added later by someone who did not
// think of it.

// secretPath finds a path segment that follows /enrol/, /demo/ or
// /verify/, in any letter case (routing ignores case) and after any run of
// slashes, where a request path or URL can begin: at the start of the
// text, after a space, quote, "=", dot segment or the like, or after
// "scheme://host". The segment ends where a path, query or fragment
// would. A folder such as /home/me/demo/data is left alone.
var secretPath = regexp.MustCompile(`(?i)(^|[\s"'=(\[{<,;:.]|://[^/\s"'<>]*)/+(enrol|demo|verify)/+[^/?#\s"'<>\\]+`)

// secretPlaceholder is what a secret segment is logged as, by route.
var secretPlaceholder = map[string]string{"enrol": ":token", "demo": ":token", "verify": ":code"}

// redactSecrets rewrites every secret-carrying path in s to its route
// pattern. A percent-encoded path is decoded first (a browser or a crafted
// request may encode any byte of it), and then logged decoded.
func redactSecrets(s string) string {
	if !strings.ContainsAny(s, "/%") {
		return s
	}
	decoded := s
	for range 3 { // %2565 is "%65" once decoded, "e" twice
		d := percentDecode(decoded)
		if d == decoded {
			break
		}
		decoded = d
	}
	found := secretPath.FindAllStringSubmatchIndex(decoded, -1)
	if found == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range found {
		// m: whole match, then the prefix and the route name.
		name := strings.ToLower(decoded[m[4]:m[5]])
		b.WriteString(decoded[last:m[3]])
		b.WriteString("/" + name + "/" + secretPlaceholder[name])
		last = m[1]
	}
	b.WriteString(decoded[last:])
	return b.String()
}

// percentDecode decodes every well-formed %XX and leaves anything else as
// it is, so one malformed escape cannot hide the rest of a path.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// requestIDContext is the context key under which a request's id travels
// into the services, so their log lines carry it too.
type requestIDContext struct{}

// LogHandler wraps h so that no log line shows a secret path (see
// redactSecrets), and so that a line logged with a request's context
// carries that request's id. main wraps the process's one logger with it;
// New wraps whatever logger it is given, so the web layer's lines are
// redacted even when a caller forgot.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*logHandler); ok {
		return h
	}
	return &logHandler{next: h}
}

type logHandler struct{ next slog.Handler }

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redactSecrets(r.Message), r.PC)
	hasID := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "request_id" {
			hasID = true
		}
		out.AddAttrs(redactAttr(a))
		return true
	})
	if id, ok := ctx.Value(requestIDContext{}).(string); ok && !hasID {
		out.AddAttrs(slog.String("request_id", id))
	}
	return h.next.Handle(ctx, out)
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return &logHandler{next: h.next.WithAttrs(red)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name)}
}

// redactAttr redacts a string, an error's or a Stringer's text, and groups
// attribute by attribute. Other values (numbers, times, structs) are
// logged as they are.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redactSecrets(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redactSecrets(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, redactSecrets(x.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// serverLog takes fasthttp's own messages into the log, through the same
// handler. A connection it could not accept or serve (its concurrency
// limit reached) is a warning. A request it could not read already has its
// access-log line (see frame), so its "error when serving connection" is
// only for debugging.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	level := slog.LevelWarn
	if strings.HasPrefix(msg, "error when serving connection") {
		level = slog.LevelDebug
	}
	l.log.Log(context.Background(), level, "http server", "detail", msg)
}
