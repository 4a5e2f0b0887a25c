package secretsmanager

import (
	"github.com/skiff-dev/skiff/internal/apierr"
)

// Secrets Manager's error table. AWS answers every one of them with HTTP
// 400. Codes other services may test for with Code.Is are exported.
var (
	ErrResourceNotFound  = apierr.Code{Name: "ResourceNotFoundException", Status: 400}
	ErrInvalidRequest    = apierr.Code{Name: "InvalidRequestException", Status: 400}
	ErrDecryptionFailure = apierr.Code{Name: "DecryptionFailure", Status: 400}

	errResourceExists   = apierr.Code{Name: "ResourceExistsException", Status: 400}
	errInvalidParameter = apierr.Code{Name: "InvalidParameterException", Status: 400}
	errInvalidNextToken = apierr.Code{Name: "InvalidNextTokenException", Status: 400}
	errLimitExceeded    = apierr.Code{Name: "LimitExceededException", Status: 400}
	errValidation       = apierr.ValidationException
)

const (
	msgNotFound            = "Secrets Manager can't find the specified secret."
	msgMarkedForDeletion   = "You can't perform this operation on the secret because it was marked for deletion."
	msgAlreadyDeleted      = "You tried to perform the operation on a secret that's currently marked deleted."
	msgScheduledForDelete  = "You can't create this secret because a secret with this name is already scheduled for deletion."
	msgInvalidName         = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
	msgTokenRequired       = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
	msgBothValues          = "You can't specify both a binary secret value and a string secret value in the same secret."
	msgNeedValue           = "You must provide either SecretString or SecretBinary."
	msgStageMismatch       = "You provided a VersionStage that is not associated to the provided VersionId."
	msgWindowAndForce      = "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
	msgWindowRange         = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
	msgInvalidNextToken    = "The nextToken is not valid."
	msgPasswordTooShort    = "Password length is too short based on the required types."
	msgAllExcluded         = "All characters have been excluded from selection."
	msgTypeExcluded        = "All characters of the desired type have been excluded."
	msgReplicasUnsupported = "skiff serves a single Region per secret: replicating secrets to other Regions (AddReplicaRegions) is not supported."
)

func notFound() *apierr.Error { return ErrResourceNotFound.New(msgNotFound) }

func constraintErr(value, member, constraint string) *apierr.Error {
	return errValidation.New("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}
