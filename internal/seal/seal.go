// Package seal encrypts small values at rest (SSM SecureString parameters,
// Secrets Manager secret values) with AES-256-GCM under a key derived from
// the data directory's master key.
//
// A sealed value is
//
//	version (1 byte) || nonce (12 bytes) || ciphertext || GCM tag (16 bytes)
//
// The version byte names the key and algorithm, so the master key can be
// rotated later: a new version seals with the new key while Open still
// accepts the old one. The version byte is authenticated (it is part of the
// additional data), so it cannot be rewritten to steer Open to another key.
//
// Callers bind every ciphertext to the record it belongs to through the
// additional data (for example a parameter ARN and version): a value copied
// from one record to another fails to open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the master key length New accepts.
const KeySize = 32

// version1 is AES-256-GCM with a 96-bit random nonce under the key derived
// from the master key with the label "skiff/seal/v1".
const version1 byte = 1

const (
	nonceSize = 12
	tagSize   = 16
	// Overhead is how many bytes Seal adds to the plaintext.
	Overhead = 1 + nonceSize + tagSize
)

// ErrOpen is returned by Open when a sealed value is malformed, was sealed
// under another key or additional data, or was tampered with.
var ErrOpen = errors.New("seal: cannot open sealed value (wrong key or additional data, or corrupted)")

// Sealer seals and opens values. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte master key. The master key itself is
// never used as a cipher key: a sub-key is derived for sealing, so the same
// master key can safely serve other purposes.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(derive(key, "skiff/seal/v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// derive is HKDF-Expand (RFC 5869) for one 32-byte block with the master
// key as the pseudorandom key.
func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	m.Write([]byte{1})
	return m.Sum(nil)
}

// Seal encrypts plaintext bound to additionalData with a fresh random nonce.
func (s *Sealer) Seal(plaintext, additionalData []byte) []byte {
	out := make([]byte, 1+nonceSize, Overhead+len(plaintext))
	out[0] = version1
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		// crypto/rand never fails on supported platforms; a nonce we
		// cannot trust must not be used.
		panic("seal: reading random nonce: " + err.Error())
	}
	return s.aead.Seal(out, out[1:1+nonceSize], plaintext, s.aad(version1, additionalData))
}

// Open decrypts a value produced by Seal with the same additional data.
func (s *Sealer) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < Overhead || sealed[0] != version1 {
		return nil, ErrOpen
	}
	out, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], s.aad(version1, additionalData))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// aad prefixes the caller's additional data with the format version so the
// version byte is authenticated too.
func (s *Sealer) aad(version byte, additionalData []byte) []byte {
	b := make([]byte, 0, 1+len(additionalData))
	b = append(b, version)
	return append(b, additionalData...)
}
