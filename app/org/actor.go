package org

import (
	"context"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Actor is who performs an action — the signed-in person, or the operator
// at the command line — with the store bound to their organisation. It is
// the one "who is acting" type of every service. The web layer builds it
// once per request from the session (never from a request parameter):
// services reach organisation data only through Org, so none can act in
// another organisation than the actor's.
type Actor struct {
	Org      *store.Org
	PersonID uuid.UUID // uuid.Nil for the operator
	IP       string
}

// ActorFor is p acting, from ip.
func ActorFor(st *store.Store, p store.Person, ip string) Actor {
	return Actor{Org: st.Org(p.OrgID), PersonID: p.ID, IP: ip}
}

// Operator is the operator at the command line acting in an organisation;
// how names the channel in the audit log ("operator", "demo").
func Operator(st *store.Store, orgID uuid.UUID, how string) Actor {
	return Actor{Org: st.Org(orgID), IP: how}
}

// Member is the store bound to the acting person: their own records.
func (a Actor) Member() *store.Member { return a.Org.Member(a.PersonID) }

// Ref is the acting person for an audit entry: nil for the operator.
func (a Actor) Ref() *uuid.UUID {
	if a.PersonID == uuid.Nil {
		return nil
	}
	id := a.PersonID
	return &id
}

// Together runs fn with the actor's store bound to one transaction, so the
// calls of several services for one page (each of which joins a
// transaction it finds) cost one BEGIN and COMMIT between them. fn may
// only reach the store through the actor it is given.
func (a Actor) Together(ctx context.Context, fn func(a Actor) error) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		a.Org = tx
		return fn(a)
	})
}
