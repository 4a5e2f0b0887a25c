package secretsmanager

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// PasswordOptions are GetRandomPassword's options. Nil booleans take AWS's
// defaults: RequireEachIncludedType true, the others false.
type PasswordOptions struct {
	PasswordLength          int64 // 0: 32
	ExcludeCharacters       string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
}

const (
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
	// punctChars is the punctuation Secrets Manager draws from.
	punctChars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// GetRandomPassword generates a password from a cryptographic random
// source, as Secrets Manager's GetRandomPassword does.
func GetRandomPassword(o PasswordOptions) (string, error) {
	n := o.PasswordLength
	if n == 0 {
		n = 32
	}
	if n < 1 {
		return "", constraintErr(itoa(n), "passwordLength", "Member must have value greater than or equal to 1")
	}
	if n > 4096 {
		return "", constraintErr(itoa(n), "passwordLength", "Member must have value less than or equal to 4096")
	}
	if len(o.ExcludeCharacters) > 4096 {
		return "", constraintErr(o.ExcludeCharacters, "excludeCharacters", "Member must have length less than or equal to 4096")
	}
	keep := func(set string) string {
		var b strings.Builder
		for _, c := range set {
			if !strings.ContainsRune(o.ExcludeCharacters, c) {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	var classes []string
	for _, c := range []struct {
		chars   string
		exclude bool
	}{{lowerChars, o.ExcludeLowercase}, {upperChars, o.ExcludeUppercase}, {digitChars, o.ExcludeNumbers}, {punctChars, o.ExcludePunctuation}} {
		if !c.exclude {
			classes = append(classes, keep(c.chars))
		}
	}
	pool := strings.Join(classes, "")
	if o.IncludeSpace && !strings.ContainsRune(o.ExcludeCharacters, ' ') {
		pool += " "
	}
	if pool == "" {
		return "", errInvalidParameter.New(msgAllExcluded)
	}
	requireEach := o.RequireEachIncludedType == nil || *o.RequireEachIncludedType
	out := make([]byte, 0, n)
	if requireEach {
		for _, c := range classes {
			if c == "" {
				return "", errInvalidParameter.New(msgTypeExcluded)
			}
		}
		if int64(len(classes)) > n {
			return "", errInvalidParameter.New(msgPasswordTooShort)
		}
		for _, c := range classes {
			out = append(out, c[randIndex(len(c))])
		}
	}
	for int64(len(out)) < n {
		out = append(out, pool[randIndex(len(pool))])
	}
	// Shuffle so the required characters are not always first.
	for i := len(out) - 1; i > 0; i-- {
		j := randIndex(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func randIndex(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("secretsmanager: random source failed: " + err.Error())
	}
	return int(v.Int64())
}

func itoa(n int64) string { return big.NewInt(n).String() }
