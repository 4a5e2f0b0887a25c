package codebuild

import (
	"encoding/json"
	"time"
)

// The types below are both what the store holds and what the wire layer
// encodes: their json names are CodeBuild's member names (awsJson 1.1;
// timestamps go out as epoch seconds). Structures skiff only records (VPC
// configuration, file system locations, fleets) are kept as raw JSON and
// returned as given.

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ProjectSource is a build input source.
type ProjectSource struct {
	Type                string               `json:"type" aws:"required"`
	Location            string               `json:"location,omitempty"`
	GitCloneDepth       *int32               `json:"gitCloneDepth,omitempty"`
	GitSubmodulesConfig *GitSubmodulesConfig `json:"gitSubmodulesConfig,omitempty"`
	Buildspec           string               `json:"buildspec,omitempty"`
	Auth                *SourceAuth          `json:"auth,omitempty"`
	ReportBuildStatus   *bool                `json:"reportBuildStatus,omitempty"`
	BuildStatusConfig   *BuildStatusConfig   `json:"buildStatusConfig,omitempty"`
	InsecureSsl         *bool                `json:"insecureSsl,omitempty"`
	SourceIdentifier    string               `json:"sourceIdentifier,omitempty"`
}

// GitSubmodulesConfig says whether submodules are fetched.
type GitSubmodulesConfig struct {
	FetchSubmodules bool `json:"fetchSubmodules"`
}

// SourceAuth is recorded; skiff's git sources need no OAuth.
type SourceAuth struct {
	Type     string `json:"type"`
	Resource string `json:"resource,omitempty"`
}

// BuildStatusConfig is recorded.
type BuildStatusConfig struct {
	Context   string `json:"context,omitempty"`
	TargetURL string `json:"targetUrl,omitempty"`
}

// ProjectSourceVersion is a secondary source's version.
type ProjectSourceVersion struct {
	SourceIdentifier string `json:"sourceIdentifier" aws:"required"`
	SourceVersion    string `json:"sourceVersion" aws:"required"`
}

// ProjectArtifacts is where a build's output goes.
type ProjectArtifacts struct {
	Type                 string `json:"type" aws:"required"`
	Location             string `json:"location,omitempty"`
	Path                 string `json:"path,omitempty"`
	NamespaceType        string `json:"namespaceType,omitempty"`
	Name                 string `json:"name,omitempty"`
	Packaging            string `json:"packaging,omitempty"`
	OverrideArtifactName *bool  `json:"overrideArtifactName,omitempty"`
	EncryptionDisabled   *bool  `json:"encryptionDisabled,omitempty"`
	ArtifactIdentifier   string `json:"artifactIdentifier,omitempty"`
	BucketOwnerAccess    string `json:"bucketOwnerAccess,omitempty"`
}

// EnvironmentVariable is a project or override variable.
type EnvironmentVariable struct {
	Name string `json:"name" aws:"required"`
	// Value may be empty (the model requires the member, not content).
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// RegistryCredential is recorded.
type RegistryCredential struct {
	Credential         string `json:"credential"`
	CredentialProvider string `json:"credentialProvider"`
}

// ProjectEnvironment is the build environment.
type ProjectEnvironment struct {
	Type                     string                `json:"type" aws:"required"`
	Image                    string                `json:"image" aws:"required"`
	ComputeType              string                `json:"computeType" aws:"required"`
	ComputeConfiguration     json.RawMessage       `json:"computeConfiguration,omitempty"`
	Fleet                    json.RawMessage       `json:"fleet,omitempty"`
	EnvironmentVariables     []EnvironmentVariable `json:"environmentVariables"`
	PrivilegedMode           bool                  `json:"privilegedMode"`
	Certificate              string                `json:"certificate,omitempty"`
	RegistryCredential       *RegistryCredential   `json:"registryCredential,omitempty"`
	ImagePullCredentialsType string                `json:"imagePullCredentialsType,omitempty"`
	DockerServer             json.RawMessage       `json:"dockerServer,omitempty"`
}

// ProjectCache is the build cache.
type ProjectCache struct {
	Type           string   `json:"type" aws:"required"`
	Location       string   `json:"location,omitempty"`
	Modes          []string `json:"modes,omitempty"`
	CacheNamespace string   `json:"cacheNamespace,omitempty"`
}

// CloudWatchLogsConfig is where build logs stream.
type CloudWatchLogsConfig struct {
	Status     string `json:"status" aws:"required"`
	GroupName  string `json:"groupName,omitempty"`
	StreamName string `json:"streamName,omitempty"`
}

// S3LogsConfig uploads the build log to S3 at the end.
type S3LogsConfig struct {
	Status             string `json:"status" aws:"required"`
	Location           string `json:"location,omitempty"`
	EncryptionDisabled *bool  `json:"encryptionDisabled,omitempty"`
	BucketOwnerAccess  string `json:"bucketOwnerAccess,omitempty"`
}

// LogsConfig is a project's logging.
type LogsConfig struct {
	CloudWatchLogs *CloudWatchLogsConfig `json:"cloudWatchLogs,omitempty"`
	S3Logs         *S3LogsConfig         `json:"s3Logs,omitempty"`
}

// ProjectBadge is the build badge (recorded; skiff serves no badge images).
type ProjectBadge struct {
	BadgeEnabled    bool   `json:"badgeEnabled"`
	BadgeRequestURL string `json:"badgeRequestUrl,omitempty"`
}

// Project is a build project.
type Project struct {
	Name                    string                 `json:"name"`
	ARN                     string                 `json:"arn"`
	Description             string                 `json:"description,omitempty"`
	Source                  ProjectSource          `json:"source"`
	SecondarySources        []ProjectSource        `json:"secondarySources"`
	SourceVersion           string                 `json:"sourceVersion,omitempty"`
	SecondarySourceVersions []ProjectSourceVersion `json:"secondarySourceVersions"`
	Artifacts               ProjectArtifacts       `json:"artifacts"`
	SecondaryArtifacts      []ProjectArtifacts     `json:"secondaryArtifacts"`
	Cache                   ProjectCache           `json:"cache"`
	Environment             ProjectEnvironment     `json:"environment"`
	ServiceRole             string                 `json:"serviceRole"`
	TimeoutInMinutes        int32                  `json:"timeoutInMinutes"`
	QueuedTimeoutInMinutes  int32                  `json:"queuedTimeoutInMinutes"`
	EncryptionKey           string                 `json:"encryptionKey,omitempty"`
	Tags                    []Tag                  `json:"tags"`
	Created                 time.Time              `json:"created"`
	LastModified            time.Time              `json:"lastModified"`
	VpcConfig               json.RawMessage        `json:"vpcConfig,omitempty"`
	Badge                   ProjectBadge           `json:"badge"`
	LogsConfig              LogsConfig             `json:"logsConfig"`
	FileSystemLocations     json.RawMessage        `json:"fileSystemLocations,omitempty"`
	BuildBatchConfig        json.RawMessage        `json:"buildBatchConfig,omitempty"`
	ConcurrentBuildLimit    *int32                 `json:"concurrentBuildLimit,omitempty"`
	ProjectVisibility       string                 `json:"projectVisibility,omitempty"`
	AutoRetryLimit          *int32                 `json:"autoRetryLimit,omitempty"`
}

// Build statuses (buildStatus and phaseStatus).
const (
	StatusSucceeded  = "SUCCEEDED"
	StatusFailed     = "FAILED"
	StatusFault      = "FAULT"
	StatusTimedOut   = "TIMED_OUT"
	StatusInProgress = "IN_PROGRESS"
	StatusStopped    = "STOPPED"
)

// Build phases in order.
const (
	PhaseSubmitted       = "SUBMITTED"
	PhaseQueued          = "QUEUED"
	PhaseProvisioning    = "PROVISIONING"
	PhaseDownloadSource  = "DOWNLOAD_SOURCE"
	PhaseInstall         = "INSTALL"
	PhasePreBuild        = "PRE_BUILD"
	PhaseBuild           = "BUILD"
	PhasePostBuild       = "POST_BUILD"
	PhaseUploadArtifacts = "UPLOAD_ARTIFACTS"
	PhaseFinalizing      = "FINALIZING"
	PhaseCompleted       = "COMPLETED"
)

// PhaseContext explains a phase's outcome.
type PhaseContext struct {
	StatusCode string `json:"statusCode"`
	Message    string `json:"message"`
}

// BuildPhase is one entry of Build.phases. A phase in progress has no
// status, end or duration yet; COMPLETED only ever has a start.
type BuildPhase struct {
	PhaseType         string         `json:"phaseType"`
	PhaseStatus       string         `json:"phaseStatus,omitempty"`
	StartTime         time.Time      `json:"startTime,omitempty"`
	EndTime           time.Time      `json:"endTime,omitempty"`
	DurationInSeconds *int64         `json:"durationInSeconds,omitempty"`
	Contexts          []PhaseContext `json:"contexts,omitempty"`
}

// BuildArtifacts is where a build's artifact went.
type BuildArtifacts struct {
	Location             string `json:"location"`
	Sha256Sum            string `json:"sha256sum,omitempty"`
	Md5Sum               string `json:"md5sum,omitempty"`
	OverrideArtifactName *bool  `json:"overrideArtifactName,omitempty"`
	EncryptionDisabled   *bool  `json:"encryptionDisabled,omitempty"`
	ArtifactIdentifier   string `json:"artifactIdentifier,omitempty"`
	BucketOwnerAccess    string `json:"bucketOwnerAccess,omitempty"`
}

// LogsLocation is where a build's log is.
type LogsLocation struct {
	GroupName         string                `json:"groupName,omitempty"`
	StreamName        string                `json:"streamName,omitempty"`
	DeepLink          string                `json:"deepLink,omitempty"`
	S3DeepLink        string                `json:"s3DeepLink,omitempty"`
	CloudWatchLogsArn string                `json:"cloudWatchLogsArn,omitempty"`
	S3LogsArn         string                `json:"s3LogsArn,omitempty"`
	CloudWatchLogs    *CloudWatchLogsConfig `json:"cloudWatchLogs,omitempty"`
	S3Logs            *S3LogsConfig         `json:"s3Logs,omitempty"`
}

// ExportedEnvironmentVariable is one buildspec exported variable.
type ExportedEnvironmentVariable struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// DebugSession is recorded (Session Manager is not available).
type DebugSession struct {
	SessionEnabled *bool  `json:"sessionEnabled,omitempty"`
	SessionTarget  string `json:"sessionTarget,omitempty"`
}

// Build is one build, as BatchGetBuilds returns it.
type Build struct {
	ID                           string                        `json:"id"`
	ARN                          string                        `json:"arn"`
	BuildNumber                  int64                         `json:"buildNumber"`
	StartTime                    time.Time                     `json:"startTime,omitempty"`
	EndTime                      time.Time                     `json:"endTime,omitempty"`
	CurrentPhase                 string                        `json:"currentPhase"`
	BuildStatus                  string                        `json:"buildStatus"`
	SourceVersion                string                        `json:"sourceVersion,omitempty"`
	ResolvedSourceVersion        string                        `json:"resolvedSourceVersion,omitempty"`
	ProjectName                  string                        `json:"projectName"`
	Phases                       []BuildPhase                  `json:"phases"`
	Source                       ProjectSource                 `json:"source"`
	SecondarySources             []ProjectSource               `json:"secondarySources"`
	SecondarySourceVersions      []ProjectSourceVersion        `json:"secondarySourceVersions"`
	Artifacts                    *BuildArtifacts               `json:"artifacts,omitempty"`
	SecondaryArtifacts           []BuildArtifacts              `json:"secondaryArtifacts"`
	Cache                        ProjectCache                  `json:"cache"`
	Environment                  ProjectEnvironment            `json:"environment"`
	ServiceRole                  string                        `json:"serviceRole"`
	Logs                         *LogsLocation                 `json:"logs,omitempty"`
	TimeoutInMinutes             int32                         `json:"timeoutInMinutes"`
	QueuedTimeoutInMinutes       int32                         `json:"queuedTimeoutInMinutes"`
	BuildComplete                bool                          `json:"buildComplete"`
	Initiator                    string                        `json:"initiator,omitempty"`
	VpcConfig                    json.RawMessage               `json:"vpcConfig,omitempty"`
	EncryptionKey                string                        `json:"encryptionKey,omitempty"`
	ExportedEnvironmentVariables []ExportedEnvironmentVariable `json:"exportedEnvironmentVariables,omitempty"`
	ReportArns                   []string                      `json:"reportArns,omitempty"`
	FileSystemLocations          json.RawMessage               `json:"fileSystemLocations,omitempty"`
	DebugSession                 *DebugSession                 `json:"debugSession,omitempty"`
	BuildBatchArn                string                        `json:"buildBatchArn,omitempty"`
}

// Done reports whether the build has finished.
func (b *Build) Done() bool { return b.BuildComplete }

// FailureContext returns the first phase that did not succeed and its
// context (for a pipeline action's failure message); ok is false for a
// build that succeeded or is still running.
func (b *Build) FailureContext() (phase string, pc PhaseContext, ok bool) {
	for _, p := range b.Phases {
		switch p.PhaseStatus {
		case "", StatusSucceeded:
			continue
		}
		if len(p.Contexts) > 0 {
			pc = p.Contexts[0]
		}
		return p.PhaseType, pc, true
	}
	return "", PhaseContext{}, false
}

// phase returns the last entry of the given type.
func (b *Build) phase(t string) *BuildPhase {
	for i := len(b.Phases) - 1; i >= 0; i-- {
		if b.Phases[i].PhaseType == t {
			return &b.Phases[i]
		}
	}
	return nil
}

// Report group types and statuses.
const (
	ReportTypeTest         = "TEST"
	ReportTypeCodeCoverage = "CODE_COVERAGE"
)

// ReportExportConfig says where raw report files are exported.
type ReportExportConfig struct {
	ExportConfigType string                `json:"exportConfigType,omitempty"`
	S3Destination    *S3ReportExportConfig `json:"s3Destination,omitempty"`
}

// S3ReportExportConfig is an S3 export destination.
type S3ReportExportConfig struct {
	Bucket             string `json:"bucket,omitempty"`
	BucketOwner        string `json:"bucketOwner,omitempty"`
	Path               string `json:"path,omitempty"`
	Packaging          string `json:"packaging,omitempty"`
	EncryptionKey      string `json:"encryptionKey,omitempty"`
	EncryptionDisabled *bool  `json:"encryptionDisabled,omitempty"`
}

// ReportGroup is a report group.
type ReportGroup struct {
	ARN          string             `json:"arn"`
	Name         string             `json:"name"`
	Type         string             `json:"type"`
	ExportConfig ReportExportConfig `json:"exportConfig"`
	Created      time.Time          `json:"created"`
	LastModified time.Time          `json:"lastModified"`
	Tags         []Tag              `json:"tags"`
	Status       string             `json:"status"`
}

// TestReportSummary is a test report's summary.
type TestReportSummary struct {
	Total                 int32            `json:"total"`
	StatusCounts          map[string]int32 `json:"statusCounts"`
	DurationInNanoSeconds int64            `json:"durationInNanoSeconds"`
}

// CodeCoverageReportSummary is a coverage report's summary.
type CodeCoverageReportSummary struct {
	LineCoveragePercentage   float64 `json:"lineCoveragePercentage"`
	LinesCovered             int32   `json:"linesCovered"`
	LinesMissed              int32   `json:"linesMissed"`
	BranchCoveragePercentage float64 `json:"branchCoveragePercentage"`
	BranchesCovered          int32   `json:"branchesCovered"`
	BranchesMissed           int32   `json:"branchesMissed"`
}

// Report is one build's report for one report group.
type Report struct {
	ARN                 string                     `json:"arn"`
	Type                string                     `json:"type"`
	Name                string                     `json:"name"`
	ReportGroupArn      string                     `json:"reportGroupArn"`
	ExecutionID         string                     `json:"executionId"`
	Status              string                     `json:"status"`
	Created             time.Time                  `json:"created"`
	Expired             time.Time                  `json:"expired,omitempty"`
	ExportConfig        ReportExportConfig         `json:"exportConfig"`
	Truncated           bool                       `json:"truncated"`
	TestSummary         *TestReportSummary         `json:"testSummary,omitempty"`
	CodeCoverageSummary *CodeCoverageReportSummary `json:"codeCoverageSummary,omitempty"`
}

// TestCase is one test of a report.
type TestCase struct {
	ReportArn             string    `json:"reportArn"`
	TestRawDataPath       string    `json:"testRawDataPath,omitempty"`
	Prefix                string    `json:"prefix,omitempty"`
	Name                  string    `json:"name"`
	Status                string    `json:"status"`
	DurationInNanoSeconds int64     `json:"durationInNanoSeconds"`
	Message               string    `json:"message,omitempty"`
	Expired               time.Time `json:"expired,omitempty"`
	TestSuiteName         string    `json:"testSuiteName,omitempty"`
}

// CodeCoverage is one file of a coverage report.
type CodeCoverage struct {
	ID                       string    `json:"id"`
	ReportARN                string    `json:"reportARN"`
	FilePath                 string    `json:"filePath"`
	LineCoveragePercentage   float64   `json:"lineCoveragePercentage"`
	LinesCovered             int32     `json:"linesCovered"`
	LinesMissed              int32     `json:"linesMissed"`
	BranchCoveragePercentage float64   `json:"branchCoveragePercentage"`
	BranchesCovered          int32     `json:"branchesCovered"`
	BranchesMissed           int32     `json:"branchesMissed"`
	Expired                  time.Time `json:"expired,omitempty"`
}

// Build batches.

// BuildBatchPhase is one phase of a batch.
type BuildBatchPhase struct {
	PhaseType         string         `json:"phaseType"`
	PhaseStatus       string         `json:"phaseStatus,omitempty"`
	StartTime         time.Time      `json:"startTime,omitempty"`
	EndTime           time.Time      `json:"endTime,omitempty"`
	DurationInSeconds *int64         `json:"durationInSeconds,omitempty"`
	Contexts          []PhaseContext `json:"contexts,omitempty"`
}

// ResolvedArtifact is a batch build's artifact.
type ResolvedArtifact struct {
	Type       string `json:"type,omitempty"`
	Location   string `json:"location,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

// BuildSummary summarizes one build of a batch.
type BuildSummary struct {
	ARN                string             `json:"arn,omitempty"`
	RequestedOn        time.Time          `json:"requestedOn,omitempty"`
	BuildStatus        string             `json:"buildStatus,omitempty"`
	PrimaryArtifact    *ResolvedArtifact  `json:"primaryArtifact,omitempty"`
	SecondaryArtifacts []ResolvedArtifact `json:"secondaryArtifacts,omitempty"`
}

// BuildGroup is one build of a batch.
type BuildGroup struct {
	Identifier            string         `json:"identifier"`
	DependsOn             []string       `json:"dependsOn"`
	IgnoreFailure         bool           `json:"ignoreFailure"`
	CurrentBuildSummary   *BuildSummary  `json:"currentBuildSummary,omitempty"`
	PriorBuildSummaryList []BuildSummary `json:"priorBuildSummaryList,omitempty"`
}

// BuildBatch is a batch build.
type BuildBatch struct {
	ID                      string                 `json:"id"`
	ARN                     string                 `json:"arn"`
	StartTime               time.Time              `json:"startTime,omitempty"`
	EndTime                 time.Time              `json:"endTime,omitempty"`
	CurrentPhase            string                 `json:"currentPhase"`
	BuildBatchStatus        string                 `json:"buildBatchStatus"`
	SourceVersion           string                 `json:"sourceVersion,omitempty"`
	ResolvedSourceVersion   string                 `json:"resolvedSourceVersion,omitempty"`
	ProjectName             string                 `json:"projectName"`
	Phases                  []BuildBatchPhase      `json:"phases"`
	Source                  ProjectSource          `json:"source"`
	SecondarySources        []ProjectSource        `json:"secondarySources"`
	SecondarySourceVersions []ProjectSourceVersion `json:"secondarySourceVersions"`
	Artifacts               *BuildArtifacts        `json:"artifacts,omitempty"`
	SecondaryArtifacts      []BuildArtifacts       `json:"secondaryArtifacts"`
	Cache                   ProjectCache           `json:"cache"`
	Environment             ProjectEnvironment     `json:"environment"`
	ServiceRole             string                 `json:"serviceRole"`
	LogConfig               LogsConfig             `json:"logConfig"`
	BuildTimeoutInMinutes   int32                  `json:"buildTimeoutInMinutes"`
	QueuedTimeoutInMinutes  int32                  `json:"queuedTimeoutInMinutes"`
	Complete                bool                   `json:"complete"`
	Initiator               string                 `json:"initiator,omitempty"`
	EncryptionKey           string                 `json:"encryptionKey,omitempty"`
	BuildBatchNumber        int64                  `json:"buildBatchNumber"`
	BuildBatchConfig        json.RawMessage        `json:"buildBatchConfig,omitempty"`
	BuildGroups             []BuildGroup           `json:"buildGroups"`
	DebugSessionEnabled     *bool                  `json:"debugSessionEnabled,omitempty"`
	ReportArns              []string               `json:"reportArns,omitempty"`
}
