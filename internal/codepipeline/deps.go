package codepipeline

import (
	"context"
	"errors"
	"io"
	"time"
)

// The engine reaches the rest of skiff only through the small interfaces
// below, defined here where they are used. The server adapts its engines to
// them; tests use fakes. Every method receives a context carrying the
// pipeline's account and region (awsctx), so adapters call the real
// engines as that account.

// PushEvent is one ref update in a CodeCommit repository (or, from the
// webhook endpoint, in a repository behind a connection).
type PushEvent struct {
	Repository string `json:"repository"`
	// Ref is the full ref name: refs/heads/<branch> or refs/tags/<tag>.
	Ref string `json:"ref"`
	// OldCommit is "" for a created ref; NewCommit "" for a deleted one.
	OldCommit     string    `json:"oldCommit,omitempty"`
	NewCommit     string    `json:"newCommit,omitempty"`
	Message       string    `json:"message,omitempty"`
	AuthorName    string    `json:"authorName,omitempty"`
	AuthorEmail   string    `json:"authorEmail,omitempty"`
	AuthorDate    time.Time `json:"authorDate,omitzero"`
	CommitterDate time.Time `json:"committerDate,omitzero"`
	// ChangedFiles are the paths the push changed (file path filters).
	ChangedFiles []string `json:"changedFiles,omitempty"`
	// Pusher is the caller's ARN, when known.
	Pusher string `json:"pusher,omitempty"`
	// Time is when the push was recorded (the DORA clock starts here).
	Time time.Time `json:"time,omitzero"`
}

// Branch returns the branch of a refs/heads/ ref, else "".
func (ev *PushEvent) Branch() string {
	const p = "refs/heads/"
	if len(ev.Ref) > len(p) && ev.Ref[:len(p)] == p {
		return ev.Ref[len(p):]
	}
	return ""
}

// Tag returns the tag of a refs/tags/ ref, else "".
func (ev *PushEvent) Tag() string {
	const p = "refs/tags/"
	if len(ev.Ref) > len(p) && ev.Ref[:len(p)] == p {
		return ev.Ref[len(p):]
	}
	return ""
}

// CommitInfo describes a commit a source action checked out.
type CommitInfo struct {
	CommitID      string
	Message       string
	AuthorName    string
	AuthorEmail   string
	AuthorDate    time.Time
	CommitterDate time.Time
}

// Repos is skiff's CodeCommit.
type Repos interface {
	// OnPush subscribes fn to every ref update of every repository, after
	// it is durable. ctx carries the repository's account and region.
	OnPush(fn func(ctx context.Context, ev PushEvent))
	// Archive writes the tree of commitish (a branch, tag or commit id) as
	// a zip — what CodePipeline's CodeCommit source hands on as CODE_ZIP —
	// and describes the commit. A missing repository or revision should
	// wrap ErrNotFound.
	Archive(ctx context.Context, repo, commitish string, w io.Writer) (CommitInfo, error)
}

// ErrNotFound is wrapped by adapters for a missing repository, revision,
// bucket, object, project, application or stack.
var ErrNotFound = errors.New("not found")

// Objects is the artifact store (skiff's S3).
type Objects interface {
	// PutObject stores r as the object's content.
	PutObject(ctx context.Context, bucket, key string, r io.Reader) error
	// GetObject opens an object; version "" is the current one.
	GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error)
}

// ObjectMeta is what the S3 source reports about its object.
type ObjectMeta struct {
	ETag         string
	VersionID    string
	LastModified time.Time
}

// ObjectStater is implemented by Objects that can describe an object (the
// S3 source action's ETag and VersionId variables). Optional.
type ObjectStater interface {
	StatObject(ctx context.Context, bucket, key, version string) (ObjectMeta, error)
}

// ArtifactLocation is an artifact in the artifact store: a zip at
// s3://Bucket/Key.
type ArtifactLocation struct {
	Name, Bucket, Key string
}

// EnvVar is a CodeBuild environment variable override.
type EnvVar struct {
	Name, Value string
	// Type is PLAINTEXT, PARAMETER_STORE or SECRETS_MANAGER.
	Type string
}

// BuildRequest starts a CodeBuild build for a pipeline action.
type BuildRequest struct {
	Project string
	// Inputs are the input artifacts; the primary source is the one named
	// PrimarySource, or the first. Secondary sources use their artifact
	// names as source identifiers.
	Inputs        []ArtifactLocation
	PrimarySource string
	// Outputs are where the build's primary (first) and secondary
	// artifacts (by artifact identifier = name) go, zipped.
	Outputs []ArtifactLocation
	Env     []EnvVar
	// SourceVersion is the pipeline revision of the primary source (the
	// commit id), CODEBUILD_RESOLVED_SOURCE_VERSION.
	SourceVersion string
	// Initiator is "codepipeline/<pipeline>" (CODEBUILD_INITIATOR).
	Initiator string
	Batch     bool
}

// BuildOutcome is a finished build.
type BuildOutcome struct {
	// Status is CodeBuild's buildStatus: SUCCEEDED, FAILED, FAULT,
	// TIMED_OUT or STOPPED.
	Status string
	// ExportedVariables are the buildspec's exported-variables.
	ExportedVariables map[string]string
	// Message explains a failure (the failing phase's context).
	Message string
}

// Builds is skiff's CodeBuild.
type Builds interface {
	StartPipelineBuild(ctx context.Context, req BuildRequest) (buildID string, err error)
	// WaitBuild blocks until the build completes or ctx ends. After a
	// restart it must still find a build started before it.
	WaitBuild(ctx context.Context, buildID string) (BuildOutcome, error)
	StopBuild(ctx context.Context, buildID string) error
}

// Stack is what the CloudFormation deploy action needs to know about a
// stack.
type Stack struct {
	ID, Name, Status, StatusReason string
	Outputs                        map[string]string
}

// StackInput creates or updates a stack.
type StackInput struct {
	StackName       string
	TemplateBody    string
	Parameters      map[string]string
	Capabilities    []string
	RoleARN         string
	Tags            map[string]string
	StackPolicyBody string
}

// ChangeSetInput creates a change set.
type ChangeSetInput struct {
	StackInput
	ChangeSetName string
	// ChangeSetType is CREATE or UPDATE.
	ChangeSetType string
}

// ChangeSet is a change set's state.
type ChangeSet struct {
	ID, Status, StatusReason, ExecutionStatus string
}

// ErrNoUpdates is what UpdateStack returns for "No updates are to be
// performed." (and CreateChangeSet for a change set without changes).
var ErrNoUpdates = errors.New("no updates are to be performed")

// Stacks is skiff's CloudFormation engine, modelled on its exported API
// (internal/cloudformation api.go and changeset.go).
type Stacks interface {
	// DescribeStack returns a live stack; a missing (or deleted) one
	// wraps ErrNotFound.
	DescribeStack(ctx context.Context, name string) (*Stack, error)
	CreateStack(ctx context.Context, in StackInput) (stackID string, err error)
	UpdateStack(ctx context.Context, in StackInput) (stackID string, err error)
	DeleteStack(ctx context.Context, name string) error
	// CreateChangeSet returns once the change set is computed (or FAILED).
	CreateChangeSet(ctx context.Context, in ChangeSetInput) (changeSetID, stackID string, err error)
	DescribeChangeSet(ctx context.Context, stack, name string) (*ChangeSet, error)
	DeleteChangeSet(ctx context.Context, stack, name string) error
	ExecuteChangeSet(ctx context.Context, stack, name string) error
	// Wait blocks until the stack has no operation in flight.
	Wait(ctx context.Context, stackID string) error
}

// Deployments is CodeDeploy.
type Deployments interface {
	Deploy(ctx context.Context, app, group string, bundle ArtifactLocation) (id string, err error)
	// WaitDeployment blocks until the deployment ends and returns its
	// status (Succeeded, Failed, Stopped).
	WaitDeployment(ctx context.Context, id string) (status string, err error)
	StopDeployment(ctx context.Context, id string) error
}

// Alarms reads CloudWatch alarm states for the CloudWatchAlarm rule.
type Alarms interface {
	// AlarmState returns OK, ALARM or INSUFFICIENT_DATA; a missing alarm
	// wraps ErrNotFound.
	AlarmState(ctx context.Context, name string) (string, error)
}

// Connection maps a CodeStar connection to where its repositories live.
type Connection struct {
	ARN string `json:"arn"`
	// URL is the base URL of the repositories: FullRepositoryId is
	// appended ("https://github.com" + "/" + "owner/repo"). The scheme
	// "codecommit:" serves skiff's own CodeCommit repositories through
	// Repos (the last segment of FullRepositoryId is the repository name).
	URL string `json:"url"`
	// WebhookSecret verifies GitHub's X-Hub-Signature-256 HMAC and
	// GitLab's X-Gitlab-Token on the webhook endpoint.
	WebhookSecret string `json:"secret,omitempty"`
}

// Deps are the engine's collaborators. A nil interface makes the actions
// that need it fail at run time with a clear reason ("skiff has no
// CodeBuild"); declarations are validated all the same.
type Deps struct {
	Repos       Repos
	Objects     Objects
	Builds      Builds
	Stacks      Stacks
	Deployments Deployments
	Alarms      Alarms
	// Connections resolves a connection ARN not registered with
	// PutConnection; nil resolves none.
	Connections func(ctx context.Context, arn string) (Connection, bool)
	// Providers add action providers (or replace built-in ones of the
	// same type): adding one never touches the orchestrator.
	Providers []ActionProvider
	// GitDir holds scratch clones for generic git sources; "" uses the
	// system temporary directory.
	GitDir string
}
