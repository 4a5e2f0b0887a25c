package codebuild

import (
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// CodeBuild's error table (every code is a client fault with HTTP 400, as
// the model declares). Constraint violations of the model (lengths,
// patterns, enums) are InvalidInputException, which CodeBuild uses for
// everything it rejects.
var (
	ErrInvalidInput          = apierr.Code{Name: "InvalidInputException", Status: 400}
	ErrResourceNotFound      = apierr.Code{Name: "ResourceNotFoundException", Status: 400}
	ErrResourceAlreadyExists = apierr.Code{Name: "ResourceAlreadyExistsException", Status: 400}
	ErrAccountLimitExceeded  = apierr.Code{Name: "AccountLimitExceededException", Status: 400}
)

func invalid(format string, args ...any) error { return ErrInvalidInput.New(format, args...) }

func projectNotFound(arn string) error {
	return ErrResourceNotFound.New("Project cannot be found: %s", arn)
}

// validation collects constraint violations in AWS's "N validation errors
// detected: ..." wording.
type validation struct{ msgs []string }

func (v *validation) add(format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

func (v *validation) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return ErrInvalidInput.New("1 validation error detected: %s", v.msgs[0])
	}
	return ErrInvalidInput.New("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}

func (v *validation) length(member, value string, minLen, maxLen int) {
	n := len([]rune(value))
	if n < minLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, member, minLen)
	} else if maxLen > 0 && n > maxLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, maxLen)
	}
}

func (v *validation) rangeInt(member string, value *int32, lo, hi int32) {
	if value == nil {
		return
	}
	if *value < lo {
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *value, member, lo)
	} else if *value > hi {
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *value, member, hi)
	}
}

func (v *validation) enum(member, value string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if a == value {
			return
		}
	}
	v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, member, strings.Join(allowed, ", "))
}
