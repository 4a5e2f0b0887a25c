package cloudwatch

import (
	"fmt"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// CloudWatch's error table. Names are the awsQuery codes (what the CLI,
// botocore and the Go SDK's ErrorCode() report for every protocol, the
// JSON and CBOR answers carrying them in x-amzn-query-error); Shape is the
// model's error shape, which JSON and CBOR carry in __type so the SDKs'
// typed errors match.
var (
	ErrResourceNotFound        = apierr.Code{Name: "ResourceNotFound", Status: 404}
	ErrResourceNotFoundExc     = apierr.Code{Name: "ResourceNotFoundException", Status: 404}
	ErrInvalidParameterValue   = apierr.Code{Name: "InvalidParameterValue", Status: 400, Shape: "InvalidParameterValueException"}
	ErrInvalidParameterCombo   = apierr.Code{Name: "InvalidParameterCombination", Status: 400, Shape: "InvalidParameterCombinationException"}
	ErrMissingParameter        = apierr.Code{Name: "MissingParameter", Status: 400, Shape: "MissingRequiredParameterException"}
	ErrInvalidNextToken        = apierr.Code{Name: "InvalidNextToken", Status: 400}
	ErrInvalidFormat           = apierr.Code{Name: "InvalidFormat", Status: 400, Shape: "InvalidFormatFault"}
	ErrLimitExceeded           = apierr.Code{Name: "LimitExceeded", Status: 400, Shape: "LimitExceededFault"}
	ErrValidation              = apierr.Code{Name: "ValidationError", Status: 400}
	errRequestEntityTooLarge   = apierr.Code{Name: "RequestEntityTooLarge", Status: 413}
	errUnsupportedAnomalyModel = ErrValidation
)

func invalidValue(format string, args ...any) *apierr.Error {
	return ErrInvalidParameterValue.New(format, args...)
}

func validation(format string, args ...any) *apierr.Error {
	return ErrValidation.New(format, args...)
}

// enumErr is the model validation failure for an enum member.
func enumErr(value, member, set string) *apierr.Error {
	return ErrValidation.New("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, member, set)
}

// lengthErr is the model validation failure for a string length.
func lengthErr(value, member string, min, max int) *apierr.Error {
	if len(value) < min {
		return ErrValidation.New("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, member, min)
	}
	return ErrValidation.New("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, max)
}

func rangeErr(value int64, member string, min int64) *apierr.Error {
	return ErrValidation.New("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", value, member, min)
}

func missing(name string) *apierr.Error {
	return ErrMissingParameter.New("The parameter %s is required.", name)
}

func fmtFloat(f float64) string { return fmt.Sprint(f) }
