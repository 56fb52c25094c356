package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// Ceremony is the start of a passkey ceremony: an id the browser sends back
// with its answer, and the options to pass to navigator.credentials.
type Ceremony struct {
	ID      string `json:"ceremony"`
	Options any    `json:"options"`
}

// user adapts a person and their passkeys to go-webauthn.
type user struct {
	p     store.Person
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.p.UserHandle }
func (u *user) WebAuthnName() string                       { return u.p.Email }
func (u *user) WebAuthnDisplayName() string                { return u.p.Name }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) loadUser(ctx context.Context, p store.Person) (*user, error) {
	rows, err := s.st.Org(p.OrgID).Member(p.ID).Credentials(ctx)
	if err != nil {
		return nil, err
	}
	u := &user{p: p}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Record, &c); err != nil {
			return nil, fmt.Errorf("auth: passkey record %x: %w", r.ID, err)
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

func (s *Service) saveCeremony(ctx context.Context, kind string, personID *uuid.UUID, sd *webauthn.SessionData, options any) (Ceremony, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return Ceremony{}, fmt.Errorf("auth: encode ceremony: %w", err)
	}
	token, hash := secret.New()
	if err := s.st.Global().SaveCeremony(ctx, hash, kind, personID, data, s.now().Add(s.cfg.CeremonyTTL)); err != nil {
		return Ceremony{}, err
	}
	return Ceremony{ID: token, Options: options}, nil
}

// takeCeremony consumes a ceremony: a second finish with the same id, a
// stale one, or one of another kind all fail.
func (s *Service) takeCeremony(ctx context.Context, id, kind string) (webauthn.SessionData, *uuid.UUID, error) {
	var sd webauthn.SessionData
	data, personID, err := s.st.Global().TakeCeremony(ctx, secret.Hash(id), kind, s.now())
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrCeremonyExpired) {
		return sd, nil, fmt.Errorf("%w (%v)", ErrCeremony, err)
	}
	if err != nil {
		return sd, nil, err // the database, not the person: unavailable, say
	}
	if err := json.Unmarshal(data, &sd); err != nil {
		return sd, nil, fmt.Errorf("%w (decode: %v)", ErrCeremony, err)
	}
	return sd, personID, nil
}

func (s *Service) beginRegistration(ctx context.Context, p store.Person) (Ceremony, error) {
	u, err := s.loadUser(ctx, p)
	if err != nil {
		return Ceremony{}, err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.creds))
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	options, sd, err := s.wa.BeginRegistration(u,
		webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		}))
	if err != nil {
		return Ceremony{}, fmt.Errorf("auth: begin registration: %w", err)
	}
	return s.saveCeremony(ctx, "register", &p.ID, sd, options)
}

// finishRegistration verifies the browser's answer and returns the new
// passkey's record, ready to store. A refused answer (a stale or replayed
// ceremony, someone else's, a malformed answer, one made for another
// origin or without user verification) is logged with its reason and
// audited as refused, an enrolment from a link or a passkey added from
// the account page, like a refused sign-in; the caller learns ErrCeremony.
func (s *Service) finishRegistration(ctx context.Context, p store.Person, ceremonyID string, body []byte, name, ip string, refused org.Action) (store.Credential, error) {
	fail := func(reason string, err error) (store.Credential, error) {
		s.log.WarnContext(ctx, refusedLog[refused], "reason", reason, "err", err, "person", p.ID, "ip", ip)
		if err := s.st.Org(p.OrgID).Audit(ctx, store.AuditEntry{At: s.now(), ActorID: &p.ID, SubjectID: &p.ID,
			Action: string(refused), Detail: map[string]any{"reason": reason}, IP: ip}); err != nil {
			return store.Credential{}, err
		}
		return store.Credential{}, fmt.Errorf("%w (%s: %v)", ErrCeremony, reason, err)
	}
	sd, personID, err := s.takeCeremony(ctx, ceremonyID, "register")
	if errors.Is(err, ErrCeremony) {
		return fail("ceremony", err)
	}
	if err != nil {
		return store.Credential{}, err
	}
	if personID == nil || *personID != p.ID {
		return fail("ceremony", errors.New("the ceremony was begun for someone else"))
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(body))
	if err != nil {
		return fail("malformed", errors.New(describe(err)))
	}
	u, err := s.loadUser(ctx, p)
	if err != nil {
		return store.Credential{}, err
	}
	cred, err := s.wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return fail(s.refusal(parsed.Response.CollectedClientData.Origin, parsed.Response.AttestationObject.AuthData.Flags), errors.New(describe(err)))
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return store.Credential{}, fmt.Errorf("auth: encode passkey: %w", err)
	}
	return store.Credential{ID: cred.ID, OrgID: p.OrgID, PersonID: p.ID, Name: passkeyName(name, len(u.creds)),
		Record: record, SignCount: int64(cred.Authenticator.SignCount), CreatedAt: s.now()}, nil
}

// refusedLog is the log message of a refused registration, by its audit
// action.
var refusedLog = map[org.Action]string{org.EnrolFailed: "enrolment refused", org.PasskeyAddFailed: "passkey add refused"}

// refusal names why go-webauthn refused an answer it could parse, for the
// log and the audit log: an answer made for another origin (a look-alike
// site relaying the ceremony) or by an authenticator that did not verify
// the person (no PIN, no biometric) is named; anything else is "verify",
// with go-webauthn's words in the log line.
func (s *Service) refusal(origin string, flags protocol.AuthenticatorFlags) string {
	switch {
	case origin != s.cfg.origin():
		return "foreign origin"
	case !flags.HasUserVerified():
		return "user not verified"
	}
	return "verify"
}

// passkeyName cleans the name a person gave their passkey.
func passkeyName(name string, existing int) string {
	name = strings.Join(strings.Fields(name), " ")
	for utf8.RuneCountInString(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		return fmt.Sprintf("Passkey %d", existing+1)
	}
	return name
}

// describe adds go-webauthn's detail to its terse error text.
func describe(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return pe.Details + ": " + pe.DevInfo
	}
	return err.Error()
}

// BeginSignIn starts a discoverable passkey sign-in: no username needed.
func (s *Service) BeginSignIn(ctx context.Context) (Ceremony, error) {
	options, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Ceremony{}, fmt.Errorf("auth: begin sign-in: %w", err)
	}
	return s.saveCeremony(ctx, "login", nil, sd, options)
}

// FinishSignIn verifies the browser's assertion and returns the person it
// proves. Replays, wrong origins, missing user verification, another
// person's handle, sign-count regressions and clone warnings are refused,
// logged and audited; the caller only learns ErrSignInFailed.
func (s *Service) FinishSignIn(ctx context.Context, ceremonyID string, body []byte, ip string) (store.Person, error) {
	var who *store.Person
	fail := func(reason string, err error) (store.Person, error) {
		s.log.WarnContext(ctx, "sign-in refused", "reason", reason, "err", err, "ip", ip)
		e := store.AuditEntry{At: s.now(), Action: string(org.SignInFailed), Detail: map[string]any{"reason": reason}, IP: ip}
		var auditErr error
		if who != nil {
			e.ActorID, e.SubjectID = &who.ID, &who.ID
			auditErr = s.st.Org(who.OrgID).Audit(ctx, e)
		} else {
			auditErr = s.st.Global().Audit(ctx, e)
		}
		if auditErr != nil {
			return store.Person{}, auditErr
		}
		return store.Person{}, ErrSignInFailed
	}
	sd, _, err := s.takeCeremony(ctx, ceremonyID, "login")
	if err != nil {
		return fail("ceremony", err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(body))
	if err != nil {
		return fail("malformed", errors.New(describe(err)))
	}
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, err := s.st.Global().PersonByHandle(ctx, userHandle)
		if err != nil {
			return nil, err
		}
		who = &p
		return s.loadUser(ctx, p)
	}
	_, cred, err := s.wa.ValidatePasskeyLogin(handler, sd, parsed)
	if err != nil && who == nil {
		return fail("unknown passkey", errors.New(describe(err)))
	}
	if err != nil {
		return fail(s.refusal(parsed.Response.CollectedClientData.Origin, parsed.Response.AuthenticatorData.Flags), errors.New(describe(err)))
	}
	if cred.Authenticator.CloneWarning {
		return fail("clone warning: sign count did not increase", fmt.Errorf("credential %s sign count %d", base64.RawURLEncoding.EncodeToString(cred.ID), cred.Authenticator.SignCount))
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return store.Person{}, fmt.Errorf("auth: encode passkey: %w", err)
	}
	a := s.actorFor(*who, ip)
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(who.ID).RecordCredentialUse(ctx, cred.ID, record, int64(cred.Authenticator.SignCount), s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.SignIn, &who.ID, map[string]any{"passkey": base64.RawURLEncoding.EncodeToString(cred.ID)})
	})
	if errors.Is(err, store.ErrNotFound) {
		return fail("sign count raced backwards", err)
	}
	if err != nil {
		return store.Person{}, err
	}
	return *who, nil
}

// BeginAddPasskey starts registering another passkey for a signed-in person.
func (s *Service) BeginAddPasskey(ctx context.Context, p store.Person) (Ceremony, error) {
	return s.beginRegistration(ctx, p)
}

// FinishAddPasskey stores the signed-in person's new passkey.
func (s *Service) FinishAddPasskey(ctx context.Context, p store.Person, ceremonyID string, body []byte, name, ip string) error {
	cred, err := s.finishRegistration(ctx, p, ceremonyID, body, name, ip, org.PasskeyAddFailed)
	if err != nil {
		return err
	}
	a := s.actorFor(p, ip)
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(p.ID).AddCredential(ctx, cred); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.PasskeyAdd, &p.ID, map[string]any{"name": cred.Name})
	})
}

// Passkeys lists a person's passkeys.
func (s *Service) Passkeys(ctx context.Context, p store.Person) ([]store.Credential, error) {
	return s.st.Org(p.OrgID).Member(p.ID).Credentials(ctx)
}

// RenamePasskey renames one of the person's own passkeys.
func (s *Service) RenamePasskey(ctx context.Context, p store.Person, id []byte, name, ip string) error {
	name = passkeyName(name, 0)
	a := s.actorFor(p, ip)
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(p.ID).RenameCredential(ctx, id, name); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.PasskeyRename, &p.ID, map[string]any{"name": name})
	})
}

// RemovePasskey removes one of the person's own passkeys, never the last
// (store.ErrLastPasskey, with words for the person).
func (s *Service) RemovePasskey(ctx context.Context, p store.Person, id []byte, ip string) error {
	a := s.actorFor(p, ip)
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(p.ID).DeleteCredential(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.PasskeyRemove, &p.ID, nil)
	})
	if errors.Is(err, store.ErrLastPasskey) {
		return &fault.Error{Kind: fault.Conflict, Err: err,
			Msg: "You cannot remove your only passkey: add another one first, or you would be locked out."}
	}
	return err
}
