package s3

import (
	"net"
	"strings"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// MaxKeyLength is S3's limit on an object key, in UTF-8 bytes.
const MaxKeyLength = 1024

// ValidBucketName reports whether name follows the naming rules for new
// general purpose buckets: 3–63 characters of lower-case letters, digits,
// dots and hyphens, starting and ending with a letter or digit, no two
// adjacent dots, not an IP address, and none of the reserved prefixes and
// suffixes.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
			if c == '.' && (name[i-1] == '.' || name[i-1] == '-' || name[i+1] == '-') {
				return false
			}
		default:
			return false
		}
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func invalidBucketName(name string) *apierr.Error {
	return errInvalidBucketName.New("The specified bucket is not valid.").With("BucketName", name)
}

// checkKey validates an object key for a write or a read.
func checkKey(key string) error {
	if key == "" {
		return errInvalidArgument.New("Object key must not be empty").With("ArgumentName", "key")
	}
	if len(key) > MaxKeyLength {
		return keyTooLong(key)
	}
	if !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0 {
		return errInvalidArgument.New("Object key is not valid UTF-8 or contains a NUL character").With("ArgumentName", "key")
	}
	return nil
}
