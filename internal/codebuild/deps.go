package codebuild

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/skiff-dev/skiff/internal/codebuild/runner"
)

// The engine reaches the rest of skiff only through the small interfaces
// below, defined here where they are used. The server adapts its engines to
// them; tests use fakes. Every method receives a context carrying the
// build's account and region (awsctx), so adapters call the real engines as
// that account.

// Sources fetches CodeCommit repositories.
type Sources interface {
	// FetchCodeCommit checks repository repo out into dir (which exists and
	// is empty) as a git working tree with its .git directory, at version: a
	// branch, a tag, a full or abbreviated commit id, or "" for the default
	// branch. depth limits history (0 = full). It returns the full commit
	// id checked out. A missing repository or version should be an error
	// wrapping ErrSourceNotFound.
	FetchCodeCommit(ctx context.Context, repo, version, dir string, depth int) (commit string, err error)
}

// ErrSourceNotFound is wrapped by Sources and Objects for a missing
// repository, revision, bucket or object.
var ErrSourceNotFound = errors.New("not found")

// Objects reads and writes S3 objects: S3 sources, pipeline input and
// output artifacts, build artifacts, caches and S3 logs.
type Objects interface {
	// GetObject opens an object; version "" is the current one. A missing
	// bucket or key should wrap ErrSourceNotFound.
	GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error)
	// PutObject stores r as the object's content.
	PutObject(ctx context.Context, bucket, key string, r io.Reader) error
}

// Params reads Systems Manager parameters.
type Params interface {
	// GetParameter returns a parameter's value, decrypted. name is a name,
	// an ARN, or a name with a ":version" or ":label" selector.
	GetParameter(ctx context.Context, name string) (string, error)
}

// Secrets reads Secrets Manager secrets.
type Secrets interface {
	// GetSecretValue returns the SecretString of a secret (name or ARN) at
	// versionID or versionStage; both empty means AWSCURRENT.
	GetSecretValue(ctx context.Context, secretID, versionID, versionStage string) (string, error)
}

// LogEvent is one log line.
type LogEvent struct {
	Timestamp time.Time
	Message   string
}

// Logs is CloudWatch Logs as the build log's destination.
type Logs interface {
	// EnsureGroup creates the log group unless it exists.
	EnsureGroup(ctx context.Context, group string) error
	// EnsureStream creates the log stream unless it exists.
	EnsureStream(ctx context.Context, group, stream string) error
	// Append adds events (in order, timestamps non-decreasing) to a stream.
	Append(ctx context.Context, group, stream string, events []LogEvent) error
	// Subscribe follows a stream: it delivers the events appended from
	// now on until cancel is called. (The engine itself does not call it;
	// it is part of the contract `skiff build logs -f` relies on.)
	Subscribe(ctx context.Context, group, stream string) (<-chan LogEvent, func())
}

// Credentials issues credentials for a build's service role, so the
// build's own AWS calls reach skiff as that role.
type Credentials interface {
	ForRole(ctx context.Context, roleARN string) (accessKeyID, secretAccessKey, sessionToken string, err error)
}

// Deps are the engine's collaborators. Nil interfaces disable what they
// serve: without Sources, CODECOMMIT sources fail in DOWNLOAD_SOURCE;
// without Objects, S3 sources, artifacts and caches fail; without Logs the
// build log is kept nowhere; without Credentials no credentials are
// injected.
type Deps struct {
	Sources     Sources
	Objects     Objects
	Params      Params
	Secrets     Secrets
	Logs        Logs
	Credentials Credentials
	// Runner runs builds; nil means the host runner with build directories
	// under WorkDir/builds.
	Runner runner.Runner
	// WorkDir holds build directories (host runner), LOCAL caches and
	// temporary files. Required.
	WorkDir string
	// Endpoint returns skiff's URL, injected as AWS_ENDPOINT_URL; nil
	// injects nothing.
	Endpoint func() string
	// BaseEnv is the environment every build starts from before CodeBuild's
	// variables are added; nil means PATH and HOME of skiff's own
	// environment (and LANG when set).
	BaseEnv []string
	// MaxConcurrentBuilds bounds running builds across all projects (the
	// account's concurrency quota); 0 means 20.
	MaxConcurrentBuilds int
}

// InputArtifact is a pipeline input artifact: a zip in S3.
type InputArtifact struct {
	Name, Bucket, Key string
}

// OutputArtifact is where a pipeline wants an output artifact (zip).
type OutputArtifact struct {
	Name, Bucket, Key string
}
