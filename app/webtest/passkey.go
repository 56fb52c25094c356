package webtest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
)

// Authenticator is a virtual passkey authenticator attached to one tab,
// standing in for a phone or laptop: it verifies the user automatically.
type Authenticator struct {
	ID webauthn.AuthenticatorID
}

// AddAuthenticator attaches a CTAP 2.1 platform authenticator with resident
// keys and user verification to the tab. Presence simulation must be set
// explicitly: its zero value makes navigator.credentials.create hang.
func AddAuthenticator(t testing.TB, ctx context.Context) Authenticator {
	t.Helper()
	return addAuthenticator(t, ctx, webauthn.AuthenticatorTransportInternal)
}

// AddSecurityKey attaches a second, roaming authenticator (a USB security
// key): Chrome allows one internal authenticator per tab.
func AddSecurityKey(t testing.TB, ctx context.Context) Authenticator {
	t.Helper()
	return addAuthenticator(t, ctx, webauthn.AuthenticatorTransportUsb)
}

func addAuthenticator(t testing.TB, ctx context.Context, transport webauthn.AuthenticatorTransport) Authenticator {
	t.Helper()
	Call(t, ctx, webauthn.Enable, webauthn.EnableParams{})
	res := Call(t, ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   transport,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	return Authenticator{ID: res.AuthenticatorID}
}

// Credentials counts the passkeys stored on the authenticator.
func (a Authenticator) Credentials(t testing.TB, ctx context.Context) int {
	t.Helper()
	res := Call(t, ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: a.ID})
	return len(res.Credentials)
}
