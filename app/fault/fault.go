// Package fault is the error vocabulary the services share: an error says
// what kind of failure it is and what a person may be told about it, and the
// web layer turns the kind into a status code and a page in one place
// (web.handleError). A service returns a *Error (or wraps one with %w); a
// handler only returns it.
package fault

import "errors"

// Kind is what went wrong, as the person asking should understand it.
type Kind int

const (
	// Internal is anything not marked otherwise: a bug or an unexpected
	// failure. Its details belong in the log, never on the page.
	Internal Kind = iota
	// NotFound: there is no such thing, or it is not the asker's to see
	// (the two are deliberately indistinguishable).
	NotFound
	// Forbidden: the asker may not do this.
	Forbidden
	// Conflict: the current state refuses the change (a duplicate, a page
	// that is out of date, the last admin or passkey).
	Conflict
	// Invalid: what was typed or sent is wrong; Error.Field says which input.
	Invalid
	// Unavailable: something the service depends on (the database) cannot
	// be reached just now; the same request may work a little later.
	Unavailable
	// Unauthenticated: the credentials a program sent (an API key) are
	// missing, unknown, revoked or wrong.
	Unauthenticated
)

var kindNames = [...]string{"internal", "not found", "forbidden", "conflict", "invalid", "unavailable", "unauthenticated"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Error is a failure of a known kind. Sentinel errors made with New or Wrap
// are shared: compare them with errors.Is and never modify one.
type Error struct {
	Kind Kind
	// Msg is safe to show to the person who asked, as a sentence; empty
	// means the web layer's general words for the kind.
	Msg string
	// Field names the input an Invalid error is about, in the service's
	// words ("email", "name", "note"); empty when it concerns the whole
	// request.
	Field string
	// Err is the cause, for the log and for errors.Is; never shown.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Err == nil && e.Msg == "":
		return e.Kind.String()
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// New is a failure of kind k with a message to show.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Wrap marks err as a failure of kind k, with nothing to show beyond the
// kind's general words: for causes whose text is for the log only.
func Wrap(k Kind, err error) *Error { return &Error{Kind: k, Err: err} }

// Input is an Invalid failure about one input (field, in the service's
// words; "" for the request as a whole) with a message to show.
func Input(field, msg string) *Error { return &Error{Kind: Invalid, Msg: msg, Field: field} }

// As finds the first *Error in err's chain: the outermost, which is the
// most specific decision about it.
func As(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}

// KindOf is the kind of the first *Error in err's chain; Internal when
// there is none (including nil, which callers should not ask about).
func KindOf(err error) Kind {
	if f, ok := As(err); ok {
		return f.Kind
	}
	return Internal
}
