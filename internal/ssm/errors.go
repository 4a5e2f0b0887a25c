package ssm

import (
	"fmt"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Parameter Store's error table. Codes other services may test for with
// Code.Is are exported.
var (
	ErrParameterNotFound        = apierr.Code{Name: "ParameterNotFound", Status: 400}
	ErrParameterVersionNotFound = apierr.Code{Name: "ParameterVersionNotFound", Status: 400}
	ErrParameterAlreadyExists   = apierr.Code{Name: "ParameterAlreadyExists", Status: 400}

	errLabelLimitExceeded      = apierr.Code{Name: "ParameterVersionLabelLimitExceeded", Status: 400}
	errMaxVersionLimitExceeded = apierr.Code{Name: "ParameterMaxVersionLimitExceeded", Status: 400}
	errHierarchyLevelLimit     = apierr.Code{Name: "HierarchyLevelLimitExceededException", Status: 400}
	errInvalidAllowedPattern   = apierr.Code{Name: "InvalidAllowedPatternException", Status: 400}
	errPatternMismatch         = apierr.Code{Name: "ParameterPatternMismatchException", Status: 400}
	errUnsupportedType         = apierr.Code{Name: "UnsupportedParameterType", Status: 400}
	errInvalidKeyID            = apierr.Code{Name: "InvalidKeyId", Status: 400}
	errInvalidFilterKey        = apierr.Code{Name: "InvalidFilterKey", Status: 400}
	errInvalidFilterValue      = apierr.Code{Name: "InvalidFilterValue", Status: 400}
	errInvalidFilterOption     = apierr.Code{Name: "InvalidFilterOption", Status: 400}
	errInvalidNextToken        = apierr.Code{Name: "InvalidNextToken", Status: 400}
	errInvalidResourceID       = apierr.Code{Name: "InvalidResourceId", Status: 400}
	errInvalidResourceType     = apierr.Code{Name: "InvalidResourceType", Status: 400}
	errTooManyTags             = apierr.Code{Name: "TooManyTagsError", Status: 400}
	errInvalidPolicyType       = apierr.Code{Name: "InvalidPolicyTypeException", Status: 400}
	errInvalidPolicyAttribute  = apierr.Code{Name: "InvalidPolicyAttributeException", Status: 400}
	errPoliciesLimitExceeded   = apierr.Code{Name: "PoliciesLimitExceededException", Status: 400}
	errIncompatiblePolicy      = apierr.Code{Name: "IncompatiblePolicyException", Status: 400}
	errAccessDenied            = apierr.Code{Name: "AccessDeniedException", Status: 400}
	errValidation              = apierr.ValidationException
)

// Messages AWS sends, kept in one place.
const (
	msgAlreadyExists = "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."
	msgTypeRequired  = "A parameter type is required when you create a parameter."
	msgTagsOverwrite = "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. " +
		"To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource."
	msgPrefixed     = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`
	msgPathNameRule = `Parameter name: can't be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; ` +
		"each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_"
	msgNameRule = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; ` +
		"each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_"
	msgFullyQualified = "Parameter name must be a fully qualified name."
	msgHierarchy      = "A hierarchy can have a maximum of 15 levels."
	msgPathRule       = `The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". ` +
		`It can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). ` +
		`Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`
	msgStandardTooLarge = "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. " +
		"For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html"
	msgNoDowngrade = "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. " +
		"If necessary, you can delete the advanced parameter and recreate it as a standard parameter."
	msgPoliciesNeedAdvanced = "Parameter policies are supported only for parameters in the advanced-parameter tier. Use the Advanced or Intelligent-Tiering tier to assign policies."
	msgLabelLimit           = "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again."
	msgInvalidNextToken     = "The specified token isn't valid."
	msgEitherFilters        = "You can use either Filters or ParameterFilters in a single request."
	msgTooManyTags          = "The Targets parameter includes too many tags. Remove one or more tags and try the command again."
	msgPolicyType           = "The policy type isn't supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification."
	msgPolicyAttribute      = "A policy attribute or its value is invalid."
	msgPoliciesLimit        = "You specified more than the maximum number of allowed policies for the parameter. The maximum is 10."
	msgIncompatiblePolicy   = "There is a conflict in the policies specified for this parameter. You can't, for example, specify two Expiration policies for a parameter. Review your policies, and try again."
)

// constraintErr is AWS's single-member validation failure.
func constraintErr(value, member, constraint string) *apierr.Error {
	return errValidation.New("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func versionNotFound(version int64, name string) *apierr.Error {
	return ErrParameterVersionNotFound.New("Systems Manager could not find version %d of %s. Verify the version and try again.", version, name)
}

// notFound is ParameterNotFound. AWS answers GetParameter, DeleteParameter
// and the other single-parameter calls with an empty message.
func notFound() *apierr.Error { return ErrParameterNotFound.New("") }

func maxResultsErr(n int32, max int) *apierr.Error {
	if n < 1 {
		return constraintErr(fmt.Sprint(n), "maxResults", "Member must have value greater than or equal to 1")
	}
	return constraintErr(fmt.Sprint(n), "maxResults", fmt.Sprintf("Member must have value less than or equal to %d", max))
}
