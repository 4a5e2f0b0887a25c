package logs

import (
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// CloudWatch Logs' error table: every code is a client fault with HTTP 400.
var (
	ErrResourceNotFound      = apierr.Code{Name: "ResourceNotFoundException", Status: 400}
	ErrResourceAlreadyExists = apierr.Code{Name: "ResourceAlreadyExistsException", Status: 400}
	ErrInvalidParameter      = apierr.Code{Name: "InvalidParameterException", Status: 400}
	ErrLimitExceeded         = apierr.Code{Name: "LimitExceededException", Status: 400}
	ErrTooManyTags           = apierr.Code{Name: "TooManyTagsException", Status: 400}
	ErrOperationAborted      = apierr.Code{Name: "OperationAbortedException", Status: 400}
	ErrValidation            = apierr.ValidationException
)

func groupNotFound() error {
	return ErrResourceNotFound.New("The specified log group does not exist.")
}

// validation collects constraint violations in AWS's "N validation errors
// detected: ..." wording; CloudWatch Logs reports them as
// InvalidParameterException.
type validation struct{ msgs []string }

func (v *validation) add(format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

func (v *validation) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return ErrInvalidParameter.New("1 validation error detected: %s", v.msgs[0])
	}
	return ErrInvalidParameter.New("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}
