package codebuild

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// indexToken is an opaque pagination token for position i of a sorted
// listing.
func indexToken(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("skiff:" + strconv.Itoa(i)))
}

func parseIndexToken(t string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), "skiff:")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, strconv.ErrSyntax
	}
	return i, nil
}
