// Package secret makes the random secrets Upstand hands out — enrolment,
// session, ceremony and demo tokens — and the hashes it keeps of them, so
// every secret is made and hashed the same way. Only hashes are stored.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// New returns a random 256-bit token (URL-safe) and its SHA-256.
func New() (string, []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	t := base64.RawURLEncoding.EncodeToString(b[:])
	return t, Hash(t)
}

// Hash is the SHA-256 of a token, as stored.
func Hash(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// UserHandle is a random 64-byte WebAuthn user handle: never the email,
// never reused.
func UserHandle() []byte {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return b
}
