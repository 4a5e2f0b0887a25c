package codepipeline

import (
	"encoding/json"
	"time"
)

// The pipeline declaration, exactly as the CodePipeline API reads and
// writes it (awsJson 1.1 member names). The same structs are the stored
// form, so what GetPipeline returns is byte-for-byte what was validated and
// kept. See the tag conventions in internal/awswire/codec.go.

// PipelineDeclaration is a pipeline's structure.
type PipelineDeclaration struct {
	Name           string                        `json:"name" aws:"required"`
	RoleArn        string                        `json:"roleArn" aws:"required"`
	ArtifactStore  *ArtifactStore                `json:"artifactStore,omitempty"`
	ArtifactStores map[string]ArtifactStore      `json:"artifactStores,omitempty"`
	Stages         []StageDeclaration            `json:"stages" aws:"required"`
	Version        *int                          `json:"version,omitempty"`
	ExecutionMode  string                        `json:"executionMode,omitempty"`
	PipelineType   string                        `json:"pipelineType,omitempty"`
	Variables      []PipelineVariableDeclaration `json:"variables,omitempty"`
	Triggers       []PipelineTriggerDeclaration  `json:"triggers,omitempty"`
}

// ArtifactStore is the S3 bucket artifacts pass through.
type ArtifactStore struct {
	Type          string         `json:"type" aws:"required"`
	Location      string         `json:"location" aws:"required"`
	EncryptionKey *EncryptionKey `json:"encryptionKey,omitempty"`
}

// EncryptionKey names the KMS key of an artifact store (recorded; skiff's
// S3 encrypts at rest on its own terms).
type EncryptionKey struct {
	ID   string `json:"id" aws:"required"`
	Type string `json:"type" aws:"required"`
}

// StageDeclaration is one stage.
type StageDeclaration struct {
	Name        string                 `json:"name" aws:"required"`
	Blockers    []BlockerDeclaration   `json:"blockers,omitempty"`
	Actions     []ActionDeclaration    `json:"actions" aws:"required"`
	OnFailure   *FailureConditions     `json:"onFailure,omitempty"`
	OnSuccess   *SuccessConditions     `json:"onSuccess,omitempty"`
	BeforeEntry *BeforeEntryConditions `json:"beforeEntry,omitempty"`
}

// BlockerDeclaration is reserved by AWS for future use.
type BlockerDeclaration struct {
	Name string `json:"name" aws:"required"`
	Type string `json:"type" aws:"required"`
}

// ActionDeclaration is one action of a stage.
type ActionDeclaration struct {
	Name                 string                `json:"name" aws:"required"`
	ActionTypeID         *ActionTypeID         `json:"actionTypeId" aws:"required"`
	RunOrder             *int                  `json:"runOrder,omitempty"`
	Configuration        map[string]string     `json:"configuration,omitempty"`
	Commands             []string              `json:"commands,omitempty"`
	OutputArtifacts      []OutputArtifact      `json:"outputArtifacts"`
	InputArtifacts       []InputArtifact       `json:"inputArtifacts"`
	OutputVariables      []string              `json:"outputVariables,omitempty"`
	RoleArn              string                `json:"roleArn,omitempty"`
	Region               string                `json:"region,omitempty"`
	Namespace            string                `json:"namespace,omitempty"`
	TimeoutInMinutes     *int                  `json:"timeoutInMinutes,omitempty"`
	EnvironmentVariables []EnvironmentVariable `json:"environmentVariables,omitempty"`
}

// runOrder is the action's run order (1 when absent).
func (a *ActionDeclaration) runOrder() int {
	if a.RunOrder == nil {
		return 1
	}
	return *a.RunOrder
}

// ActionTypeID identifies an action type.
type ActionTypeID struct {
	Category string `json:"category" aws:"required"`
	Owner    string `json:"owner" aws:"required"`
	Provider string `json:"provider" aws:"required"`
	Version  string `json:"version" aws:"required"`
}

func (t ActionTypeID) key() string {
	return t.Category + "/" + t.Owner + "/" + t.Provider + "/" + t.Version
}

// InputArtifact names an artifact an action consumes.
type InputArtifact struct {
	Name string `json:"name" aws:"required"`
}

// OutputArtifact names an artifact an action produces.
type OutputArtifact struct {
	Name  string   `json:"name" aws:"required"`
	Files []string `json:"files,omitempty"`
}

// EnvironmentVariable is a Compute action's variable.
type EnvironmentVariable struct {
	Name  string `json:"name" aws:"required"`
	Value string `json:"value" aws:"required"`
	Type  string `json:"type,omitempty"`
}

// BeforeEntryConditions gate entry to a stage.
type BeforeEntryConditions struct {
	Conditions []Condition `json:"conditions" aws:"required"`
}

// SuccessConditions are checked when a stage succeeds.
type SuccessConditions struct {
	Conditions []Condition `json:"conditions" aws:"required"`
}

// FailureConditions say what happens when a stage fails.
type FailureConditions struct {
	Result             string              `json:"result,omitempty"`
	RetryConfiguration *RetryConfiguration `json:"retryConfiguration,omitempty"`
	Conditions         []Condition         `json:"conditions,omitempty"`
}

// RetryConfiguration is an automatic stage retry's mode.
type RetryConfiguration struct {
	RetryMode string `json:"retryMode,omitempty"`
}

// Condition is a result and the rules that engage it.
type Condition struct {
	Result string            `json:"result,omitempty"`
	Rules  []RuleDeclaration `json:"rules,omitempty"`
}

// RuleDeclaration is one rule of a condition.
type RuleDeclaration struct {
	Name             string            `json:"name" aws:"required"`
	RuleTypeID       *RuleTypeID       `json:"ruleTypeId" aws:"required"`
	Configuration    map[string]string `json:"configuration,omitempty"`
	Commands         []string          `json:"commands,omitempty"`
	InputArtifacts   []InputArtifact   `json:"inputArtifacts,omitempty"`
	RoleArn          string            `json:"roleArn,omitempty"`
	Region           string            `json:"region,omitempty"`
	TimeoutInMinutes *int              `json:"timeoutInMinutes,omitempty"`
}

// RuleTypeID identifies a rule type.
type RuleTypeID struct {
	Category string `json:"category" aws:"required"`
	Owner    string `json:"owner,omitempty"`
	Provider string `json:"provider" aws:"required"`
	Version  string `json:"version,omitempty"`
}

// PipelineVariableDeclaration is a pipeline-level variable (V2).
type PipelineVariableDeclaration struct {
	Name         string `json:"name" aws:"required"`
	DefaultValue string `json:"defaultValue,omitempty"`
	Description  string `json:"description,omitempty"`
}

// PipelineTriggerDeclaration is a V2 trigger.
type PipelineTriggerDeclaration struct {
	ProviderType     string            `json:"providerType" aws:"required"`
	GitConfiguration *GitConfiguration `json:"gitConfiguration" aws:"required"`
}

// GitConfiguration holds a trigger's filters for one source action.
type GitConfiguration struct {
	SourceActionName string                 `json:"sourceActionName" aws:"required"`
	Push             []GitPushFilter        `json:"push,omitempty"`
	PullRequest      []GitPullRequestFilter `json:"pullRequest,omitempty"`
}

// GitPushFilter matches pushes.
type GitPushFilter struct {
	Tags      *FilterCriteria `json:"tags,omitempty"`
	Branches  *FilterCriteria `json:"branches,omitempty"`
	FilePaths *FilterCriteria `json:"filePaths,omitempty"`
}

// GitPullRequestFilter matches pull request events.
type GitPullRequestFilter struct {
	Events    []string        `json:"events,omitempty"`
	Branches  *FilterCriteria `json:"branches,omitempty"`
	FilePaths *FilterCriteria `json:"filePaths,omitempty"`
}

// FilterCriteria are include and exclude glob lists (excludes win).
type FilterCriteria struct {
	Includes []string `json:"includes,omitempty"`
	Excludes []string `json:"excludes,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key" aws:"required"`
	Value string `json:"value"`
}

// PipelineMetadata is GetPipeline's metadata.
type PipelineMetadata struct {
	PipelineArn       string    `json:"pipelineArn,omitempty"`
	Created           time.Time `json:"created,omitempty"`
	Updated           time.Time `json:"updated,omitempty"`
	PollingDisabledAt time.Time `json:"pollingDisabledAt,omitempty"`
}

// Statuses.
const (
	StatusInProgress = "InProgress"
	StatusStopping   = "Stopping"
	StatusStopped    = "Stopped"
	StatusSucceeded  = "Succeeded"
	StatusSuperseded = "Superseded"
	StatusFailed     = "Failed"
	StatusCancelled  = "Cancelled"
	StatusSkipped    = "Skipped"
	StatusAbandoned  = "Abandoned"
	StatusErrored    = "Errored"
	StatusOverridden = "Overridden"
)

// Execution modes and types.
const (
	ModeSuperseded = "SUPERSEDED"
	ModeQueued     = "QUEUED"
	ModeParallel   = "PARALLEL"

	TypeStandard = "STANDARD"
	TypeRollback = "ROLLBACK"

	PipelineV1 = "V1"
	PipelineV2 = "V2"
)

// Trigger types.
const (
	TriggerCreatePipeline    = "CreatePipeline"
	TriggerStart             = "StartPipelineExecution"
	TriggerPoll              = "PollForSourceChanges"
	TriggerWebhook           = "Webhook"
	TriggerCloudWatchEvent   = "CloudWatchEvent"
	TriggerWebhookV2         = "WebhookV2"
	TriggerManualRollback    = "ManualRollback"
	TriggerAutomatedRollback = "AutomatedRollback"
)

// --- stored state ---

// pipelineRecord is a pipeline as the store keeps it.
type pipelineRecord struct {
	Account string              `json:"account"`
	Region  string              `json:"region"`
	Name    string              `json:"name"`
	ARN     string              `json:"arn"`
	Decl    PipelineDeclaration `json:"decl"`
	Created time.Time           `json:"created"`
	Updated time.Time           `json:"updated"`
	Tags    []Tag               `json:"tags,omitempty"`
	// Transitions are the inbound transition states of stages that have
	// been disabled or re-enabled, by stage name.
	Transitions map[string]*transition `json:"transitions,omitempty"`
	// Latest is the execution that last entered each stage; LatestAction
	// the execution that last ran each "stage/action".
	Latest       map[string]string `json:"latest,omitempty"`
	LatestAction map[string]string `json:"latestAction,omitempty"`
}

func (p *pipelineRecord) version() int {
	if p.Decl.Version == nil {
		return 1
	}
	return *p.Decl.Version
}

type transition struct {
	Enabled       bool      `json:"enabled"`
	LastChangedBy string    `json:"by,omitempty"`
	LastChangedAt time.Time `json:"at"`
	Reason        string    `json:"reason,omitempty"`
}

// execution is one pipeline execution: everything GetPipelineState,
// GetPipelineExecution, ListActionExecutions and the recovery after a
// restart need. It is rewritten in the store on every transition.
type execution struct {
	ID       string    `json:"id"`
	Account  string    `json:"account"`
	Region   string    `json:"region"`
	Pipeline string    `json:"pipeline"`
	Seq      int64     `json:"seq"`
	Version  int       `json:"version"`
	Mode     string    `json:"mode"`
	Type     string    `json:"type"`
	Status   string    `json:"status"`
	Summary  string    `json:"summary,omitempty"`
	Trigger  trigger   `json:"trigger"`
	Start    time.Time `json:"start"`
	Updated  time.Time `json:"updated"`
	End      time.Time `json:"end,omitzero"`
	// RollbackTarget is the execution whose artifacts a rollback
	// execution redeploys; Only is the one stage it runs.
	RollbackTarget string `json:"rollbackTarget,omitempty"`
	Only           string `json:"only,omitempty"`
	// Stop request.
	StopReason  string `json:"stopReason,omitempty"`
	StopAbandon bool   `json:"stopAbandon,omitempty"`
	Stopping    bool   `json:"stopping,omitempty"`
	// Variables are the pipeline-level variables, resolved.
	Variables []ResolvedVariable `json:"variables,omitempty"`
	// Overrides are StartPipelineExecution's sourceRevisions.
	Overrides []SourceRevisionOverride `json:"overrides,omitempty"`
	// Push is the commit that started the execution, for its source
	// action.
	Push *pushRef `json:"push,omitempty"`
	// Cur is the stage the execution is at (index into Stages); Phase
	// says where: waiting at its inbound transition, or in it.
	Cur       int         `json:"cur"`
	Phase     string      `json:"phase,omitempty"`
	WaitSince time.Time   `json:"waitSince,omitzero"`
	Stages    []*stageRun `json:"stages"`
	// Artifacts produced so far, by name; Vars the output variables by
	// action namespace.
	Artifacts map[string]*artifactRef      `json:"artifacts,omitempty"`
	Vars      map[string]map[string]string `json:"vars,omitempty"`
	Revisions []artifactRevision           `json:"revisions,omitempty"`
}

// Phases of an execution at its current stage.
const (
	phaseWaiting = "waiting" // at the stage's inbound transition
	phaseRunning = "running" // in the stage
)

type trigger struct {
	Type   string `json:"type"`
	Detail string `json:"detail,omitempty"`
}

// ResolvedVariable is a pipeline-level variable's value in one execution.
type ResolvedVariable struct {
	Name  string `json:"name"`
	Value string `json:"resolvedValue"`
}

// SourceRevisionOverride is StartPipelineExecution's revision override.
type SourceRevisionOverride struct {
	ActionName    string `json:"actionName" aws:"required"`
	RevisionType  string `json:"revisionType" aws:"required"`
	RevisionValue string `json:"revisionValue" aws:"required"`
}

// pushRef pins a source action to the commit a push produced.
type pushRef struct {
	Action string     `json:"action"`
	Event  *PushEvent `json:"event"`
}

type stageRun struct {
	Name   string    `json:"name"`
	Status string    `json:"status,omitempty"`
	Type   string    `json:"type,omitempty"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	// Epoch counts the stage's attempts (retries start a new one).
	Epoch       int    `json:"epoch"`
	RetryMode   string `json:"retryMode,omitempty"`
	AutoRetries int    `json:"autoRetries,omitempty"`
	Manual      int    `json:"manualRetries,omitempty"`
	LastRetry   string `json:"lastRetry,omitempty"`
	// Actions are all attempts of the stage's actions, in start order.
	Actions []*actionRun `json:"actions,omitempty"`
	// Conditions by type (BEFORE_ENTRY, ON_SUCCESS, ON_FAILURE).
	Conditions map[string]*conditionRun `json:"conditions,omitempty"`
	// Summary explains a failure that no action caused (a condition).
	Summary string `json:"summary,omitempty"`
}

// latest returns the last attempt of the named action.
func (s *stageRun) latest(name string) *actionRun {
	for i := len(s.Actions) - 1; i >= 0; i-- {
		if s.Actions[i].Name == name {
			return s.Actions[i]
		}
	}
	return nil
}

type actionRun struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Stage     string            `json:"stage"`
	RunOrder  int               `json:"runOrder"`
	Epoch     int               `json:"epoch"`
	Status    string            `json:"status"`
	Summary   string            `json:"summary,omitempty"`
	Start     time.Time         `json:"start"`
	Updated   time.Time         `json:"updated"`
	Token     string            `json:"token,omitempty"`
	UpdatedBy string            `json:"updatedBy,omitempty"`
	ExtID     string            `json:"extId,omitempty"`
	ExtURL    string            `json:"extUrl,omitempty"`
	Percent   *int              `json:"percent,omitempty"`
	Error     *ErrorDetails     `json:"error,omitempty"`
	TypeID    ActionTypeID      `json:"typeId"`
	Config    map[string]string `json:"config,omitempty"`
	Resolved  map[string]string `json:"resolved,omitempty"`
	RoleArn   string            `json:"roleArn,omitempty"`
	Region    string            `json:"region,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Inputs    []*artifactRef    `json:"inputs,omitempty"`
	Outputs   []*artifactRef    `json:"outputs,omitempty"`
	OutVars   map[string]string `json:"outVars,omitempty"`
	// State is the provider's resume state (Job.Save).
	State json.RawMessage `json:"state,omitempty"`
	// Answer is a manual approval's recorded answer.
	Answer   *approvalAnswer `json:"answer,omitempty"`
	Revision *Revision       `json:"revision,omitempty"`
}

func (a *actionRun) terminal() bool {
	return a.Status == StatusSucceeded || a.Status == StatusFailed || a.Status == StatusAbandoned
}

type approvalAnswer struct {
	Status  string    `json:"status"`
	Summary string    `json:"summary,omitempty"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at"`
}

// ErrorDetails is an action's failure.
type ErrorDetails struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

type conditionRun struct {
	Status  string     `json:"status"`
	Summary string     `json:"summary,omitempty"`
	At      time.Time  `json:"at"`
	Rules   []*ruleRun `json:"rules,omitempty"`
}

type ruleRun struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	Summary  string            `json:"summary,omitempty"`
	Start    time.Time         `json:"start"`
	Updated  time.Time         `json:"updated"`
	TypeID   RuleTypeID        `json:"typeId"`
	Config   map[string]string `json:"config,omitempty"`
	Resolved map[string]string `json:"resolved,omitempty"`
}

// artifactRef is an artifact in the artifact store.
type artifactRef struct {
	Name   string `json:"name"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// artifactRevision is a source action's revision, per output artifact.
type artifactRevision struct {
	Action   string    `json:"action"`
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	ChangeID string    `json:"changeId,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	URL      string    `json:"url,omitempty"`
	Author   string    `json:"author,omitempty"`
}
