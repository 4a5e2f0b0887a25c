package codepipeline

import "time"

// Output shapes of the API, with the awsJson member names: the engine's
// read methods return them and the wire layer encodes them as they are.

// PipelineSummary is one ListPipelines entry.
type PipelineSummary struct {
	Name          string    `json:"name"`
	Version       int       `json:"version"`
	PipelineType  string    `json:"pipelineType,omitempty"`
	ExecutionMode string    `json:"executionMode,omitempty"`
	Created       time.Time `json:"created,omitempty"`
	Updated       time.Time `json:"updated,omitempty"`
}

// PipelineState is GetPipelineState's answer.
type PipelineState struct {
	PipelineName    string       `json:"pipelineName"`
	PipelineVersion int          `json:"pipelineVersion"`
	StageStates     []StageState `json:"stageStates"`
	Created         time.Time    `json:"created,omitempty"`
	Updated         time.Time    `json:"updated,omitempty"`
}

// StageState is one stage's state.
type StageState struct {
	StageName                 string               `json:"stageName"`
	InboundExecution          *StageExecution      `json:"inboundExecution,omitempty"`
	InboundExecutions         []StageExecution     `json:"inboundExecutions,omitempty"`
	InboundTransitionState    *TransitionState     `json:"inboundTransitionState,omitempty"`
	ActionStates              []ActionState        `json:"actionStates"`
	LatestExecution           *StageExecution      `json:"latestExecution,omitempty"`
	BeforeEntryConditionState *StageConditionState `json:"beforeEntryConditionState,omitempty"`
	OnSuccessConditionState   *StageConditionState `json:"onSuccessConditionState,omitempty"`
	OnFailureConditionState   *StageConditionState `json:"onFailureConditionState,omitempty"`
	RetryStageMetadata        *RetryStageMetadata  `json:"retryStageMetadata,omitempty"`
}

// StageExecution is an execution's status in a stage.
type StageExecution struct {
	PipelineExecutionID string `json:"pipelineExecutionId"`
	Status              string `json:"status"`
	Type                string `json:"type,omitempty"`
}

// TransitionState is a stage's inbound transition.
type TransitionState struct {
	Enabled        bool      `json:"enabled"`
	LastChangedBy  string    `json:"lastChangedBy,omitempty"`
	LastChangedAt  time.Time `json:"lastChangedAt,omitempty"`
	DisabledReason string    `json:"disabledReason,omitempty"`
}

// ActionState is one action's state.
type ActionState struct {
	ActionName      string           `json:"actionName"`
	CurrentRevision *ActionRevision  `json:"currentRevision,omitempty"`
	LatestExecution *ActionExecution `json:"latestExecution,omitempty"`
	EntityURL       string           `json:"entityUrl,omitempty"`
	RevisionURL     string           `json:"revisionUrl,omitempty"`
}

// ActionRevision is a source action's current revision.
type ActionRevision struct {
	RevisionID       string    `json:"revisionId"`
	RevisionChangeID string    `json:"revisionChangeId"`
	Created          time.Time `json:"created"`
}

// ActionExecution is an action's latest execution.
type ActionExecution struct {
	ActionExecutionID    string        `json:"actionExecutionId,omitempty"`
	Status               string        `json:"status,omitempty"`
	Summary              string        `json:"summary,omitempty"`
	LastStatusChange     time.Time     `json:"lastStatusChange,omitempty"`
	Token                string        `json:"token,omitempty"`
	LastUpdatedBy        string        `json:"lastUpdatedBy,omitempty"`
	ExternalExecutionID  string        `json:"externalExecutionId,omitempty"`
	ExternalExecutionURL string        `json:"externalExecutionUrl,omitempty"`
	PercentComplete      *int          `json:"percentComplete,omitempty"`
	ErrorDetails         *ErrorDetails `json:"errorDetails,omitempty"`
}

// StageConditionState is a stage's condition state of one kind.
type StageConditionState struct {
	LatestExecution *StageConditionsExecution `json:"latestExecution,omitempty"`
	ConditionStates []ConditionState          `json:"conditionStates,omitempty"`
}

// StageConditionsExecution summarizes a condition set's evaluation.
type StageConditionsExecution struct {
	Status  string `json:"status,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// ConditionState is one condition's state.
type ConditionState struct {
	LatestExecution *ConditionExecution `json:"latestExecution,omitempty"`
	RuleStates      []RuleState         `json:"ruleStates,omitempty"`
}

// ConditionExecution is a condition's evaluation.
type ConditionExecution struct {
	Status           string    `json:"status,omitempty"`
	Summary          string    `json:"summary,omitempty"`
	LastStatusChange time.Time `json:"lastStatusChange,omitempty"`
}

// RuleState is one rule's state.
type RuleState struct {
	RuleName        string         `json:"ruleName"`
	LatestExecution *RuleExecution `json:"latestExecution,omitempty"`
}

// RuleExecution is a rule's evaluation.
type RuleExecution struct {
	RuleExecutionID  string    `json:"ruleExecutionId,omitempty"`
	Status           string    `json:"status,omitempty"`
	Summary          string    `json:"summary,omitempty"`
	LastStatusChange time.Time `json:"lastStatusChange,omitempty"`
}

// RetryStageMetadata counts a stage's retries.
type RetryStageMetadata struct {
	AutoStageRetryAttempt   *int   `json:"autoStageRetryAttempt,omitempty"`
	ManualStageRetryAttempt *int   `json:"manualStageRetryAttempt,omitempty"`
	LatestRetryTrigger      string `json:"latestRetryTrigger,omitempty"`
}

// PipelineExecution is GetPipelineExecution's answer.
type PipelineExecution struct {
	PipelineName        string             `json:"pipelineName"`
	PipelineVersion     int                `json:"pipelineVersion"`
	PipelineExecutionID string             `json:"pipelineExecutionId"`
	Status              string             `json:"status"`
	StatusSummary       string             `json:"statusSummary,omitempty"`
	ArtifactRevisions   []ArtifactRevision `json:"artifactRevisions"`
	Variables           []ResolvedVariable `json:"variables,omitempty"`
	Trigger             *ExecutionTrigger  `json:"trigger,omitempty"`
	ExecutionMode       string             `json:"executionMode,omitempty"`
	ExecutionType       string             `json:"executionType,omitempty"`
	RollbackMetadata    *RollbackMetadata  `json:"rollbackMetadata,omitempty"`
}

// ArtifactRevision is an artifact's source revision.
type ArtifactRevision struct {
	Name                     string    `json:"name,omitempty"`
	RevisionID               string    `json:"revisionId,omitempty"`
	RevisionChangeIdentifier string    `json:"revisionChangeIdentifier,omitempty"`
	RevisionSummary          string    `json:"revisionSummary,omitempty"`
	Created                  time.Time `json:"created,omitempty"`
	RevisionURL              string    `json:"revisionUrl,omitempty"`
}

// ExecutionTrigger is what started an execution.
type ExecutionTrigger struct {
	TriggerType   string `json:"triggerType,omitempty"`
	TriggerDetail string `json:"triggerDetail,omitempty"`
}

// RollbackMetadata names a rollback's target execution.
type RollbackMetadata struct {
	RollbackTargetPipelineExecutionID string `json:"rollbackTargetPipelineExecutionId,omitempty"`
}

// PipelineExecutionSummary is one ListPipelineExecutions entry.
type PipelineExecutionSummary struct {
	PipelineExecutionID string            `json:"pipelineExecutionId"`
	Status              string            `json:"status"`
	StatusSummary       string            `json:"statusSummary,omitempty"`
	StartTime           time.Time         `json:"startTime,omitempty"`
	LastUpdateTime      time.Time         `json:"lastUpdateTime,omitempty"`
	SourceRevisions     []SourceRevision  `json:"sourceRevisions"`
	Trigger             *ExecutionTrigger `json:"trigger,omitempty"`
	StopTrigger         *StopTrigger      `json:"stopTrigger,omitempty"`
	ExecutionMode       string            `json:"executionMode,omitempty"`
	ExecutionType       string            `json:"executionType,omitempty"`
	RollbackMetadata    *RollbackMetadata `json:"rollbackMetadata,omitempty"`
}

// SourceRevision is a source action's revision in an execution summary.
type SourceRevision struct {
	ActionName      string `json:"actionName"`
	RevisionID      string `json:"revisionId,omitempty"`
	RevisionSummary string `json:"revisionSummary,omitempty"`
	RevisionURL     string `json:"revisionUrl,omitempty"`
}

// StopTrigger is why an execution was stopped.
type StopTrigger struct {
	Reason string `json:"reason,omitempty"`
}

// ActionExecutionDetail is one ListActionExecutions entry.
type ActionExecutionDetail struct {
	PipelineExecutionID string                 `json:"pipelineExecutionId"`
	ActionExecutionID   string                 `json:"actionExecutionId"`
	PipelineVersion     int                    `json:"pipelineVersion"`
	StageName           string                 `json:"stageName"`
	ActionName          string                 `json:"actionName"`
	StartTime           time.Time              `json:"startTime,omitempty"`
	LastUpdateTime      time.Time              `json:"lastUpdateTime,omitempty"`
	UpdatedBy           string                 `json:"updatedBy,omitempty"`
	Status              string                 `json:"status"`
	Input               *ActionExecutionInput  `json:"input,omitempty"`
	Output              *ActionExecutionOutput `json:"output,omitempty"`
}

// ActionExecutionInput is what an action ran with.
type ActionExecutionInput struct {
	ActionTypeID          *ActionTypeID     `json:"actionTypeId,omitempty"`
	Configuration         map[string]string `json:"configuration,omitempty"`
	ResolvedConfiguration map[string]string `json:"resolvedConfiguration,omitempty"`
	RoleArn               string            `json:"roleArn,omitempty"`
	Region                string            `json:"region,omitempty"`
	InputArtifacts        []ArtifactDetail  `json:"inputArtifacts"`
	Namespace             string            `json:"namespace,omitempty"`
}

// ArtifactDetail is an artifact and where it is.
type ArtifactDetail struct {
	Name       string      `json:"name,omitempty"`
	S3Location *S3Location `json:"s3location,omitempty"`
}

// S3Location is an artifact's S3 object.
type S3Location struct {
	Bucket string `json:"bucket,omitempty"`
	Key    string `json:"key,omitempty"`
}

// ActionExecutionOutput is what an action produced.
type ActionExecutionOutput struct {
	OutputArtifacts []ArtifactDetail       `json:"outputArtifacts"`
	ExecutionResult *ActionExecutionResult `json:"executionResult,omitempty"`
	OutputVariables map[string]string      `json:"outputVariables,omitempty"`
}

// ActionExecutionResult is an action's external result.
type ActionExecutionResult struct {
	ExternalExecutionID      string        `json:"externalExecutionId,omitempty"`
	ExternalExecutionSummary string        `json:"externalExecutionSummary,omitempty"`
	ExternalExecutionURL     string        `json:"externalExecutionUrl,omitempty"`
	ErrorDetails             *ErrorDetails `json:"errorDetails,omitempty"`
}

// ActionType is one ListActionTypes entry.
type ActionType struct {
	ID                            ActionTypeID                  `json:"id"`
	Settings                      *ActionTypeSettings           `json:"settings,omitempty"`
	ActionConfigurationProperties []ActionConfigurationProperty `json:"actionConfigurationProperties"`
	InputArtifactDetails          ArtifactDetails               `json:"inputArtifactDetails"`
	OutputArtifactDetails         ArtifactDetails               `json:"outputArtifactDetails"`
}

// ActionTypeSettings are an action type's URL templates.
type ActionTypeSettings struct {
	ThirdPartyConfigurationURL string `json:"thirdPartyConfigurationUrl,omitempty"`
	EntityURLTemplate          string `json:"entityUrlTemplate,omitempty"`
	ExecutionURLTemplate       string `json:"executionUrlTemplate,omitempty"`
	RevisionURLTemplate        string `json:"revisionUrlTemplate,omitempty"`
}

// ActionConfigurationProperty is one configuration key of a type.
type ActionConfigurationProperty struct {
	Name        string `json:"name"`
	Required    bool   `json:"required"`
	Key         bool   `json:"key"`
	Secret      bool   `json:"secret"`
	Queryable   bool   `json:"queryable,omitempty"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ArtifactDetails are an action type's artifact counts.
type ArtifactDetails struct {
	MinimumCount int `json:"minimumCount"`
	MaximumCount int `json:"maximumCount"`
}

// ActionTypeDeclaration is GetActionType's answer.
type ActionTypeDeclaration struct {
	Description           string                 `json:"description,omitempty"`
	Executor              ActionTypeExecutor     `json:"executor"`
	ID                    ActionTypeID           `json:"id"`
	InputArtifactDetails  ArtifactDetails        `json:"inputArtifactDetails"`
	OutputArtifactDetails ArtifactDetails        `json:"outputArtifactDetails"`
	Permissions           *ActionTypePermissions `json:"permissions,omitempty"`
	Properties            []ActionTypeProperty   `json:"properties,omitempty"`
	URLs                  *ActionTypeSettings    `json:"urls,omitempty"`
}

// ActionTypeExecutor says how an action type runs.
type ActionTypeExecutor struct {
	Configuration map[string]any `json:"configuration"`
	Type          string         `json:"type"`
	JobTimeout    int            `json:"jobTimeout,omitempty"`
}

// ActionTypePermissions lists the accounts that may use a type.
type ActionTypePermissions struct {
	AllowedAccounts []string `json:"allowedAccounts"`
}

// ActionTypeProperty is one property of an action type declaration.
type ActionTypeProperty struct {
	Name        string `json:"name"`
	Optional    bool   `json:"optional"`
	Key         bool   `json:"key"`
	NoEcho      bool   `json:"noEcho"`
	Queryable   bool   `json:"queryable,omitempty"`
	Description string `json:"description,omitempty"`
}

// RuleType is one ListRuleTypes entry.
type RuleType struct {
	ID                          RuleTypeID                    `json:"id"`
	RuleConfigurationProperties []ActionConfigurationProperty `json:"ruleConfigurationProperties"`
	InputArtifactDetails        ArtifactDetails               `json:"inputArtifactDetails"`
}
