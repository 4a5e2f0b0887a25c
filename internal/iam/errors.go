package iam

import (
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// IAM's error table (awsQuery codes and HTTP statuses as AWS sends them).
var (
	ErrNoSuchEntity            = apierr.Code{Name: "NoSuchEntity", Status: 404}
	ErrEntityAlreadyExists     = apierr.Code{Name: "EntityAlreadyExists", Status: 409}
	ErrDeleteConflict          = apierr.Code{Name: "DeleteConflict", Status: 409}
	ErrLimitExceeded           = apierr.Code{Name: "LimitExceeded", Status: 409}
	ErrMalformedPolicyDocument = apierr.Code{Name: "MalformedPolicyDocument", Status: 400}
	ErrInvalidInput            = apierr.Code{Name: "InvalidInput", Status: 400}
	ErrValidation              = apierr.ValidationError
	ErrPolicyNotAttachable     = apierr.Code{Name: "PolicyNotAttachable", Status: 400}
	ErrUnmodifiableEntity      = apierr.Code{Name: "UnmodifiableEntity", Status: 400}
	ErrAccessDenied            = apierr.Code{Name: "AccessDenied", Status: 403}
)

func roleNotFound(name string) error {
	return ErrNoSuchEntity.New("The role with name %s cannot be found.", name)
}

func userNotFound(name string) error {
	return ErrNoSuchEntity.New("The user with name %s cannot be found.", name)
}

func profileNotFound(name string) error {
	return ErrNoSuchEntity.New("Instance Profile %s cannot be found.", name)
}

func policyNotFound(arn string) error {
	return ErrNoSuchEntity.New("Policy %s was not found.", arn)
}

func policyNotAttachable(arn string) error {
	return ErrNoSuchEntity.New("Policy %s does not exist or is not attachable.", arn)
}

func invalidARN(arn string) error {
	return ErrInvalidInput.New("ARN %s is not valid.", arn)
}

func malformed(format string, args ...any) error {
	return ErrMalformedPolicyDocument.New(format, args...)
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
		return ErrValidation.New("1 validation error detected: %s", v.msgs[0])
	}
	return ErrValidation.New("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}
