package s3

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/store"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Continuation tokens are opaque to clients: a format tag and the key (or
// common prefix) to continue after, base64url-encoded.
func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1\x00" + after))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 2 || b[0] != '1' || b[1] != 0 || !utf8.Valid(b[2:]) {
		return "", false
	}
	return string(b[2:]), true
}

func errIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
