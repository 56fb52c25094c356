package auth

import (
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Actor is who performs an action — the signed-in person, or the operator
// at the command line — with the store bound to their organisation. The
// web layer builds it once per request from the session (never from a
// request parameter) and every service takes it: the services reach
// organisation data only through Org, so a service cannot act in another
// organisation than the actor's.
type Actor struct {
	Org      *store.Org
	PersonID uuid.UUID // uuid.Nil for the operator
	IP       string
}

// Member is the store bound to the acting person: their own records.
func (a Actor) Member() *store.Member { return a.Org.Member(a.PersonID) }

// ref is the acting person for an audit entry: nil for the operator.
func (a Actor) ref() *uuid.UUID {
	if a.PersonID == uuid.Nil {
		return nil
	}
	id := a.PersonID
	return &id
}
