package cloudformation

import "github.com/skiff-dev/skiff/internal/apierr"

// The CloudFormation error table. Codes and statuses as AWS returns them.
var (
	errValidation            = apierr.ValidationError
	errAlreadyExists         = apierr.Code{Name: "AlreadyExistsException", Status: 400}
	errInsufficientCaps      = apierr.Code{Name: "InsufficientCapabilitiesException", Status: 400}
	errChangeSetNotFound     = apierr.Code{Name: "ChangeSetNotFound", Status: 404}
	errInvalidChangeSet      = apierr.Code{Name: "InvalidChangeSetStatus", Status: 400}
	errTokenExists           = apierr.Code{Name: "TokenAlreadyExistsException", Status: 400}
	errOperationInProgress   = apierr.Code{Name: "OperationInProgressException", Status: 400}
	errStackNotFound         = apierr.Code{Name: "StackNotFoundException", Status: 404}
	errLimitExceeded         = apierr.Code{Name: "LimitExceededException", Status: 400}
	errOperationNotFound     = apierr.Code{Name: "OperationNotFoundException", Status: 404}
	errStackInstanceNotFound = apierr.Code{Name: "StackInstanceNotFoundException", Status: 404}
)

// stackNotFound is the ValidationError AWS returns for a missing stack.
func stackNotFound(nameOrID string) error {
	return errValidation.New("Stack with id %s does not exist", nameOrID)
}
