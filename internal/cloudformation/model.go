package cloudformation

import (
	"time"
)

// Stack statuses (StackStatus).
const (
	CreateInProgress                        = "CREATE_IN_PROGRESS"
	CreateFailed                            = "CREATE_FAILED"
	CreateComplete                          = "CREATE_COMPLETE"
	RollbackInProgress                      = "ROLLBACK_IN_PROGRESS"
	RollbackFailed                          = "ROLLBACK_FAILED"
	RollbackComplete                        = "ROLLBACK_COMPLETE"
	DeleteInProgress                        = "DELETE_IN_PROGRESS"
	DeleteFailed                            = "DELETE_FAILED"
	DeleteComplete                          = "DELETE_COMPLETE"
	UpdateInProgress                        = "UPDATE_IN_PROGRESS"
	UpdateCompleteCleanupInProgress         = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
	UpdateComplete                          = "UPDATE_COMPLETE"
	UpdateFailed                            = "UPDATE_FAILED"
	UpdateRollbackInProgress                = "UPDATE_ROLLBACK_IN_PROGRESS"
	UpdateRollbackFailed                    = "UPDATE_ROLLBACK_FAILED"
	UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
	UpdateRollbackComplete                  = "UPDATE_ROLLBACK_COMPLETE"
	ReviewInProgress                        = "REVIEW_IN_PROGRESS"
)

// Resource statuses (ResourceStatus) beyond the stack ones.
const (
	UpdateFailedRes = "UPDATE_FAILED"
	DeleteSkipped   = "DELETE_SKIPPED"
)

// Stack is a stack's persisted record.
type Stack struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Region      string `json:"region"`
	AccountID   string `json:"account"`
	Description string `json:"description,omitempty"`

	Status       string     `json:"status"`
	StatusReason string     `json:"statusReason,omitempty"`
	Created      time.Time  `json:"created"`
	Updated      *time.Time `json:"updated,omitempty"`
	Deleted      *time.Time `json:"deleted,omitempty"`

	TemplateBody     string      `json:"template"`
	Parameters       []Parameter `json:"parameters,omitempty"`
	Capabilities     []string    `json:"capabilities,omitempty"`
	Tags             []Tag       `json:"tags,omitempty"`
	Outputs          []Output    `json:"outputs,omitempty"`
	NotificationARNs []string    `json:"notificationARNs,omitempty"`
	RoleARN          string      `json:"roleARN,omitempty"`
	TimeoutInMinutes int         `json:"timeout,omitempty"`
	DisableRollback  bool        `json:"disableRollback,omitempty"`
	OnFailure        string      `json:"onFailure,omitempty"`
	Protected        bool        `json:"terminationProtection,omitempty"`
	Policy           string      `json:"policy,omitempty"`
	ParentID         string      `json:"parent,omitempty"`
	RootID           string      `json:"root,omitempty"`
	ChangeSetID      string      `json:"changeSet,omitempty"`
	// Imports are the export names this stack's template imports.
	Imports []string `json:"imports,omitempty"`

	DriftStatus    string     `json:"driftStatus,omitempty"`
	DriftCheckedAt *time.Time `json:"driftChecked,omitempty"`

	// Prev is the stack before the update in flight; an update rollback
	// restores it.
	Prev *Snapshot `json:"prev,omitempty"`
	// DuringUpdatePolicy overrides Policy for the update in flight.
	DuringUpdatePolicy string `json:"duringUpdatePolicy,omitempty"`
	// Token is the ClientRequestToken of the operation in flight.
	Token string `json:"token,omitempty"`
	// RetainOnDelete are logical ids DeleteStack was told to keep.
	RetainOnDelete []string `json:"retainOnDelete,omitempty"`
	// SkipOnRollback are logical ids ContinueUpdateRollback was told to
	// skip.
	SkipOnRollback []string `json:"skipOnRollback,omitempty"`
}

// Snapshot is the part of a stack an update changes.
type Snapshot struct {
	TemplateBody     string      `json:"template"`
	Description      string      `json:"description,omitempty"`
	Parameters       []Parameter `json:"parameters,omitempty"`
	Capabilities     []string    `json:"capabilities,omitempty"`
	Tags             []Tag       `json:"tags,omitempty"`
	Outputs          []Output    `json:"outputs,omitempty"`
	NotificationARNs []string    `json:"notificationARNs,omitempty"`
	RoleARN          string      `json:"roleARN,omitempty"`
	Imports          []string    `json:"imports,omitempty"`
}

// Parameter is a stack parameter as given and resolved.
type Parameter struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Resolved string `json:"resolved,omitempty"` // SSM parameter types
	NoEcho   bool   `json:"noEcho,omitempty"`
}

// Tag is a stack tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Output is an evaluated stack output.
type Output struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	ExportName  string `json:"exportName,omitempty"`
}

// Resource is a stack resource's persisted record.
type Resource struct {
	LogicalID           string         `json:"logicalId"`
	Type                string         `json:"type"`
	PhysicalID          string         `json:"physicalId,omitempty"`
	Status              string         `json:"status"`
	StatusReason        string         `json:"statusReason,omitempty"`
	Updated             time.Time      `json:"updated"`
	Properties          map[string]any `json:"properties,omitempty"`
	Attributes          map[string]any `json:"attributes,omitempty"`
	Metadata            any            `json:"metadata,omitempty"`
	DeletionPolicy      string         `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"updateReplacePolicy,omitempty"`
	Order               int            `json:"order"`

	// Pending is the physical id promised by the provider before a Create
	// (first create or replacement) ran; recovery deletes it.
	Pending       string `json:"pending,omitempty"`
	PendingSuffix string `json:"pendingSuffix,omitempty"`
	// Prev is the resource before the operation in flight changed it.
	Prev *ResourceState `json:"prev,omitempty"`
	// Old holds physical resources replaced by the operation in flight,
	// deleted during cleanup (or restored by a rollback).
	Old []ResourceState `json:"old,omitempty"`
	// Discard holds physical resources a rollback gave up (the replacements
	// created by the failed update), deleted during rollback cleanup.
	Discard []ResourceState `json:"discard,omitempty"`
	// Added marks a resource the operation in flight created.
	Added bool `json:"added,omitempty"`
	// Removed marks a resource the new template no longer has; cleanup
	// deletes it.
	Removed bool `json:"removed,omitempty"`

	Drift *ResourceDrift `json:"drift,omitempty"`
}

// ResourceState is one physical incarnation of a resource.
type ResourceState struct {
	PhysicalID          string         `json:"physicalId"`
	Type                string         `json:"type"`
	Properties          map[string]any `json:"properties,omitempty"`
	Attributes          map[string]any `json:"attributes,omitempty"`
	DeletionPolicy      string         `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"updateReplacePolicy,omitempty"`
}

// ResourceDrift is the last drift check of a resource.
type ResourceDrift struct {
	Status      string               `json:"status"`
	CheckedAt   time.Time            `json:"checkedAt"`
	Expected    string               `json:"expected,omitempty"`
	Actual      string               `json:"actual,omitempty"`
	Differences []PropertyDifference `json:"differences,omitempty"`
}

// PropertyDifference is a drifted property.
type PropertyDifference struct {
	Path     string `json:"path"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Type     string `json:"type"`
}

// Event is one stack event.
type Event struct {
	EventID        string    `json:"id"`
	StackID        string    `json:"stackId"`
	StackName      string    `json:"stackName"`
	LogicalID      string    `json:"logicalId"`
	PhysicalID     string    `json:"physicalId,omitempty"`
	ResourceType   string    `json:"type"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason,omitempty"`
	Properties     string    `json:"properties,omitempty"`
	Timestamp      time.Time `json:"ts"`
	Token          string    `json:"token,omitempty"`
	DetailedStatus string    `json:"detailedStatus,omitempty"`
}

// ChangeSet is a stored change set.
type ChangeSet struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	StackID         string      `json:"stackId"`
	StackName       string      `json:"stackName"`
	Type            string      `json:"type"` // CREATE, UPDATE
	Status          string      `json:"status"`
	StatusReason    string      `json:"statusReason,omitempty"`
	ExecutionStatus string      `json:"executionStatus"`
	Created         time.Time   `json:"created"`
	Description     string      `json:"description,omitempty"`
	TemplateBody    string      `json:"template"`
	Parameters      []Parameter `json:"parameters,omitempty"`
	// UsePrevious lists parameters that keep their previous value.
	UsePrevious      []string `json:"usePrevious,omitempty"`
	Capabilities     []string `json:"capabilities,omitempty"`
	Tags             []Tag    `json:"tags,omitempty"`
	NotificationARNs []string `json:"notificationARNs,omitempty"`
	RoleARN          string   `json:"roleARN,omitempty"`
	Changes          []Change `json:"changes,omitempty"`
	// IncludePropertyValues asks for Before/AfterContext.
	IncludePropertyValues bool   `json:"includeValues,omitempty"`
	OnStackFailure        string `json:"onStackFailure,omitempty"`
}

// Change is one resource change of a change set.
type Change struct {
	Action        string         `json:"action"` // Add, Modify, Remove, Dynamic
	LogicalID     string         `json:"logicalId"`
	PhysicalID    string         `json:"physicalId,omitempty"`
	ResourceType  string         `json:"type"`
	Replacement   string         `json:"replacement,omitempty"` // True, False, Conditional
	Scope         []string       `json:"scope,omitempty"`
	Details       []ChangeDetail `json:"details,omitempty"`
	PolicyAction  string         `json:"policyAction,omitempty"`
	BeforeContext string         `json:"before,omitempty"`
	AfterContext  string         `json:"after,omitempty"`
}

// ChangeDetail explains one part of a change.
type ChangeDetail struct {
	Attribute          string `json:"attribute"` // Properties, Metadata, Tags, …
	Name               string `json:"name,omitempty"`
	RequiresRecreation string `json:"requiresRecreation,omitempty"` // Never, Conditionally, Always
	Path               string `json:"path,omitempty"`
	BeforeValue        string `json:"before,omitempty"`
	AfterValue         string `json:"after,omitempty"`
	AttributeChange    string `json:"attributeChange,omitempty"`
	Evaluation         string `json:"evaluation"`   // Static, Dynamic
	ChangeSource       string `json:"changeSource"` // ResourceReference, ParameterReference, ResourceAttribute, DirectModification, Automatic
	CausingEntity      string `json:"causingEntity,omitempty"`
}

// Export is a stack output exported by name.
type Export struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	StackID string `json:"stackId"`
}

// terminal reports whether a stack status ends an operation.
func terminal(status string) bool {
	switch status {
	case CreateComplete, CreateFailed, RollbackComplete, RollbackFailed, DeleteComplete, DeleteFailed,
		UpdateComplete, UpdateFailed, UpdateRollbackComplete, UpdateRollbackFailed, ReviewInProgress:
		return true
	}
	return false
}

// updatable reports whether a stack in this status accepts UpdateStack.
func updatable(status string) bool {
	switch status {
	case CreateComplete, UpdateComplete, UpdateRollbackComplete, UpdateFailed:
		return true
	}
	return false
}
