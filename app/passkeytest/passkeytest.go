// Package passkeytest holds helpers for tests that play a passkey
// authenticator in software (descope/virtualwebauthn).
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// NewCredential makes a P-256 passkey. virtualwebauthn.NewCredential encodes
// a coordinate with a leading zero byte short (about one key in 64), which
// go-webauthn rightly rejects; such keys are skipped here.
func NewCredential(t testing.TB) virtualwebauthn.Credential {
	t.Helper()
	cred, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// NewKey is NewCredential for programs outside tests (the load harness).
func NewKey() (virtualwebauthn.Credential, error) {
	for {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return virtualwebauthn.Credential{}, err
		}
		if len(key.X.Bytes()) != 32 || len(key.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return virtualwebauthn.Credential{}, err
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der), nil
	}
}
