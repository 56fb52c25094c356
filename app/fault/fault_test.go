package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/upstand/upstand/app/fault"
)

func TestKindOfWalksTheChain(t *testing.T) {
	t.Parallel()
	sentinel := fault.Wrap(fault.NotFound, errors.New("store: not found"))
	cause := errors.New("dial tcp: connection refused")
	for _, tc := range []struct {
		name string
		err  error
		want fault.Kind
		msg  string
	}{
		{"plain error", errors.New("boom"), fault.Internal, ""},
		{"nil", nil, fault.Internal, ""},
		{"sentinel", sentinel, fault.NotFound, ""},
		{"wrapped sentinel", fmt.Errorf("store: load course: %w", sentinel), fault.NotFound, ""},
		{"input", fault.Input("email", "Enter an email address."), fault.Invalid, "Enter an email address."},
		{"outermost wins", &fault.Error{Kind: fault.Conflict, Msg: "Taken.", Err: sentinel}, fault.Conflict, "Taken."},
		{"joined", errors.Join(errors.New("first"), fault.New(fault.Forbidden, "No.")), fault.Forbidden, "No."},
		{"unavailable", fmt.Errorf("store: kv get: %w", fault.Wrap(fault.Unavailable, cause)), fault.Unavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fault.KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf = %v, want %v", got, tc.want)
			}
			f, ok := fault.As(tc.err)
			if ok != (tc.want != fault.Internal) {
				t.Fatalf("As found %v, %v", f, ok)
			}
			if ok && f.Msg != tc.msg {
				t.Errorf("Msg = %q, want %q", f.Msg, tc.msg)
			}
		})
	}
}

// A sentinel made with Wrap stays comparable with errors.Is through any
// wrapping, and still reaches its cause.
func TestSentinelsAndCauses(t *testing.T) {
	t.Parallel()
	base := errors.New("store: already exists")
	conflict := fault.Wrap(fault.Conflict, base)
	stale := fault.Wrap(fault.Conflict, fmt.Errorf("store: the attempt has moved on: %w", conflict))
	err := fmt.Errorf("learning: choose: %w", stale)
	if !errors.Is(err, stale) || !errors.Is(err, conflict) || !errors.Is(err, base) {
		t.Error("errors.Is lost a link of the chain")
	}
	if errors.Is(conflict, stale) {
		t.Error("a cause matched the error it causes")
	}
	if got := err.Error(); got != "learning: choose: store: the attempt has moved on: store: already exists" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *fault.Error
		want string
	}{
		{&fault.Error{Kind: fault.Unavailable}, "unavailable"},
		{fault.New(fault.NotFound, "Nothing here."), "Nothing here."},
		{fault.Wrap(fault.Unavailable, errors.New("conn closed")), "conn closed"},
		{&fault.Error{Kind: fault.Conflict, Msg: "Taken.", Err: errors.New("23505")}, "Taken.: 23505"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
