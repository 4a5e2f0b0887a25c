package codepipeline

import (
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// CodePipeline's error table. Engines return these; internal/awswire
// encodes them. Codes other packages may test for with Code.Is are
// exported.
var (
	ErrPipelineNotFound          = apierr.Code{Name: "PipelineNotFoundException", Status: 400}
	ErrPipelineExecutionNotFound = apierr.Code{Name: "PipelineExecutionNotFoundException", Status: 400}
	ErrInvalidApprovalToken      = apierr.Code{Name: "InvalidApprovalTokenException", Status: 400}
	ErrApprovalAlreadyCompleted  = apierr.Code{Name: "ApprovalAlreadyCompletedException", Status: 400}

	errValidation                = apierr.ValidationException
	errNameInUse                 = apierr.Code{Name: "PipelineNameInUseException", Status: 400}
	errInvalidStructure          = apierr.Code{Name: "InvalidStructureException", Status: 400}
	errInvalidStage              = apierr.Code{Name: "InvalidStageDeclarationException", Status: 400}
	errInvalidAction             = apierr.Code{Name: "InvalidActionDeclarationException", Status: 400}
	errInvalidBlocker            = apierr.Code{Name: "InvalidBlockerDeclarationException", Status: 400}
	errLimitExceeded             = apierr.Code{Name: "LimitExceededException", Status: 400}
	errVersionNotFound           = apierr.Code{Name: "PipelineVersionNotFoundException", Status: 400}
	errStageNotFound             = apierr.Code{Name: "StageNotFoundException", Status: 400}
	errActionNotFound            = apierr.Code{Name: "ActionNotFoundException", Status: 400}
	errActionTypeNotFound        = apierr.Code{Name: "ActionTypeNotFoundException", Status: 400}
	errInvalidNextToken          = apierr.Code{Name: "InvalidNextTokenException", Status: 400}
	errNotStoppable              = apierr.Code{Name: "PipelineExecutionNotStoppableException", Status: 400}
	errDuplicatedStop            = apierr.Code{Name: "DuplicatedStopRequestException", Status: 400}
	errConflict                  = apierr.Code{Name: "ConflictException", Status: 400}
	errStageNotRetryable         = apierr.Code{Name: "StageNotRetryableException", Status: 400}
	errNotLatestExecution        = apierr.Code{Name: "NotLatestPipelineExecutionException", Status: 400}
	errUnableToRollback          = apierr.Code{Name: "UnableToRollbackStageException", Status: 400}
	errExecutionOutdated         = apierr.Code{Name: "PipelineExecutionOutdatedException", Status: 400}
	errResourceNotFound          = apierr.Code{Name: "ResourceNotFoundException", Status: 400}
	errInvalidArn                = apierr.Code{Name: "InvalidArnException", Status: 400}
	errInvalidTags               = apierr.Code{Name: "InvalidTagsException", Status: 400}
	errTooManyTags               = apierr.Code{Name: "TooManyTagsException", Status: 400}
	errConcurrentExecutionsLimit = apierr.Code{Name: "ConcurrentPipelineExecutionsLimitExceededException", Status: 400}
)

// Messages AWS sends, kept in one place.
const (
	msgPipelineNotFound = "Account '%s' does not have a pipeline with name '%s'"
	msgExecNotFound     = "Pipeline execution '%s' not found in pipeline '%s'"
)

func pipelineNotFound(account, name string) *apierr.Error {
	return ErrPipelineNotFound.New(msgPipelineNotFound, account, name)
}

func executionNotFound(id, pipeline string) *apierr.Error {
	return ErrPipelineExecutionNotFound.New(msgExecNotFound, id, pipeline)
}

// constraint is one model-constraint violation in AWS's validation wording.
type constraint struct {
	value, path, rule string
}

func (c constraint) String() string {
	if c.value == "null" {
		return fmt.Sprintf("Value null at '%s' failed to satisfy constraint: %s", c.path, c.rule)
	}
	return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", c.value, c.path, c.rule)
}

// validationError joins constraint violations the way AWS does: "2
// validation errors detected: Value … ; Value …".
func validationError(cs []constraint) *apierr.Error {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	noun := "error"
	if len(cs) > 1 {
		noun = "errors"
	}
	return errValidation.New("%d validation %s detected: %s", len(cs), noun, strings.Join(parts, "; "))
}

func constraintErr(value, path, rule string) *apierr.Error {
	return validationError([]constraint{{value, path, rule}})
}
