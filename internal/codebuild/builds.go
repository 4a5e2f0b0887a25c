package codebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codebuild/runner"
	"github.com/skiff-dev/skiff/internal/store"
)

// StartBuildInput is StartBuild's input: the API's members (json names as
// on the wire) plus what other skiff services hand over (pipelines).
type StartBuildInput struct {
	ProjectName                     string                 `json:"projectName" aws:"required"`
	SecondarySourcesOverride        []ProjectSource        `json:"secondarySourcesOverride,omitempty"`
	SecondarySourcesVersionOverride []ProjectSourceVersion `json:"secondarySourcesVersionOverride,omitempty"`
	SourceVersion                   string                 `json:"sourceVersion,omitempty"`
	ArtifactsOverride               *ProjectArtifacts      `json:"artifactsOverride,omitempty"`
	SecondaryArtifactsOverride      []ProjectArtifacts     `json:"secondaryArtifactsOverride,omitempty"`
	EnvironmentVariablesOverride    []EnvironmentVariable  `json:"environmentVariablesOverride,omitempty"`
	SourceTypeOverride              string                 `json:"sourceTypeOverride,omitempty"`
	SourceLocationOverride          string                 `json:"sourceLocationOverride,omitempty"`
	SourceAuthOverride              *SourceAuth            `json:"sourceAuthOverride,omitempty"`
	GitCloneDepthOverride           *int32                 `json:"gitCloneDepthOverride,omitempty"`
	GitSubmodulesConfigOverride     *GitSubmodulesConfig   `json:"gitSubmodulesConfigOverride,omitempty"`
	BuildspecOverride               string                 `json:"buildspecOverride,omitempty"`
	InsecureSslOverride             *bool                  `json:"insecureSslOverride,omitempty"`
	ReportBuildStatusOverride       *bool                  `json:"reportBuildStatusOverride,omitempty"`
	BuildStatusConfigOverride       *BuildStatusConfig     `json:"buildStatusConfigOverride,omitempty"`
	EnvironmentTypeOverride         string                 `json:"environmentTypeOverride,omitempty"`
	ImageOverride                   string                 `json:"imageOverride,omitempty"`
	ComputeTypeOverride             string                 `json:"computeTypeOverride,omitempty"`
	CertificateOverride             string                 `json:"certificateOverride,omitempty"`
	CacheOverride                   *ProjectCache          `json:"cacheOverride,omitempty"`
	ServiceRoleOverride             string                 `json:"serviceRoleOverride,omitempty"`
	PrivilegedModeOverride          *bool                  `json:"privilegedModeOverride,omitempty"`
	TimeoutInMinutesOverride        *int32                 `json:"timeoutInMinutesOverride,omitempty"`
	QueuedTimeoutInMinutesOverride  *int32                 `json:"queuedTimeoutInMinutesOverride,omitempty"`
	EncryptionKeyOverride           string                 `json:"encryptionKeyOverride,omitempty"`
	IdempotencyToken                string                 `json:"idempotencyToken,omitempty"`
	LogsConfigOverride              *LogsConfig            `json:"logsConfigOverride,omitempty"`
	RegistryCredentialOverride      *RegistryCredential    `json:"registryCredentialOverride,omitempty"`
	ImagePullCredentialsTypeOver    string                 `json:"imagePullCredentialsTypeOverride,omitempty"`
	DebugSessionEnabled             *bool                  `json:"debugSessionEnabled,omitempty"`
	// StartBuildBatch only.
	BuildTimeoutInMinutesOverride  *int32          `json:"buildTimeoutInMinutesOverride,omitempty"`
	BuildBatchConfigOverride       json.RawMessage `json:"buildBatchConfigOverride,omitempty"`
	ReportBuildBatchStatusOverride *bool           `json:"reportBuildBatchStatusOverride,omitempty"`

	// Initiator overrides the caller-derived initiator
	// ("codepipeline/<pipeline>").
	Initiator string `json:"-"`
	// InputArtifacts are a pipeline's input artifacts (zips in S3), used
	// by CODEPIPELINE sources: PrimarySource (or the first) becomes
	// CODEBUILD_SRC_DIR, the others secondary sources named after the
	// artifacts.
	InputArtifacts []InputArtifact `json:"-"`
	PrimarySource  string          `json:"-"`
	// OutputArtifacts are where a pipeline wants CODEPIPELINE artifacts:
	// the one whose name matches a secondary artifact identifier gets that
	// artifact, the first other one the primary artifact.
	OutputArtifacts []OutputArtifact `json:"-"`

	batch *batchLink
}

// batchLink ties a build to its batch.
type batchLink struct {
	BatchKey   string `json:"batchKey"`
	BatchARN   string `json:"batchArn"`
	Identifier string `json:"identifier"`
}

// pipelineIO is what a pipeline handed over.
type pipelineIO struct {
	Inputs        []InputArtifact  `json:"inputs,omitempty"`
	PrimarySource string           `json:"primarySource,omitempty"`
	Outputs       []OutputArtifact `json:"outputs,omitempty"`
}

// buildRecord is a build as stored: the API view plus what running it
// needs.
type buildRecord struct {
	Build    Build           `json:"build"`
	Account  string          `json:"account"`
	Region   string          `json:"region"`
	Seq      int64           `json:"seq"`
	Input    StartBuildInput `json:"input"`
	Pipeline *pipelineIO     `json:"pipeline,omitempty"`
	// Artifacts configuration (Build.Artifacts holds the results).
	ArtifactsConfig          ProjectArtifacts   `json:"artifactsConfig"`
	SecondaryArtifactsConfig []ProjectArtifacts `json:"secondaryArtifactsConfig,omitempty"`
	LogsConfig               LogsConfig         `json:"logsConfig"`
	ConcurrencyLimit         int                `json:"concurrencyLimit,omitempty"`
	Leftover                 *runner.Leftover   `json:"leftover,omitempty"`
	Batch                    *batchLink         `json:"batch,omitempty"`
	// ProjectSecretNames are project-level PARAMETER_STORE and
	// SECRETS_MANAGER variables, which cannot be exported.
	ProjectSecretNames []string `json:"projectSecretNames,omitempty"`
}

func (r *buildRecord) key() string { return buildKey(r.Account, r.Region, r.Build.ID) }

// queuedAt is when the build entered QUEUED (or SUBMITTED).
func (r *buildRecord) queuedAt() time.Time {
	if p := r.Build.phase(PhaseQueued); p != nil {
		return p.StartTime
	}
	return r.Build.StartTime
}

func (e *Engine) getBuild(ctx context.Context, key string) (*buildRecord, error) {
	var rec buildRecord
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketBuilds, key, &rec) })
	if errors.Is(err, store.ErrNotFound) {
		id := key
		if parts := strings.SplitN(key, "/", 3); len(parts) == 3 {
			id = parts[2]
		}
		return nil, ErrResourceNotFound.New("Build cannot be found: %s", id)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// putBuild commits a build record (every phase transition goes through
// here) and keeps the index of unfinished builds that recovery scans.
func (e *Engine) putBuild(rec *buildRecord) error {
	ctx := context.WithoutCancel(e.ctx)
	key := rec.key()
	return e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(bucketBuilds, key, rec); err != nil {
			return err
		}
		if rec.Build.BuildComplete {
			return tx.Delete(bucketActive, key)
		}
		return tx.PutRaw(bucketActive, key, []byte("1"))
	})
}

// initiator is CODEBUILD_INITIATOR for the caller: the IAM user name,
// "<role>/<session>" for an assumed role, "root" for the account.
func initiator(s awsctx.Scope) string {
	a, ok := awsctx.ParseARN(s.Principal)
	if !ok {
		return "root"
	}
	switch {
	case a.Resource == "root":
		return "root"
	case strings.HasPrefix(a.Resource, "user/"):
		p := strings.TrimPrefix(a.Resource, "user/")
		return p[strings.LastIndexByte(p, '/')+1:]
	case strings.HasPrefix(a.Resource, "assumed-role/"):
		return strings.TrimPrefix(a.Resource, "assumed-role/")
	}
	return a.Resource
}

// StartBuild starts a build of a project in ctx's account and region.
func (e *Engine) StartBuild(ctx context.Context, in StartBuildInput) (*Build, error) {
	rec, err := e.startBuild(ctx, in)
	if err != nil {
		return nil, err
	}
	return &rec.Build, nil
}

func (e *Engine) startBuild(ctx context.Context, in StartBuildInput) (*buildRecord, error) {
	if err := validateStartBuild(&in); err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	p, err := e.GetProject(ctx, in.ProjectName)
	if err != nil {
		return nil, err
	}
	var token, hash string
	if in.IdempotencyToken != "" {
		token = projectKey(s.AccountID, s.Region, in.IdempotencyToken)
		b, _ := json.Marshal(in)
		sum := sha256.Sum256(b)
		hash = hex.EncodeToString(sum[:])
		var idem idempotency
		err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketIdempotency, token, &idem) })
		if err == nil && time.Since(idem.At) < 5*time.Minute {
			if idem.Hash != hash {
				return nil, invalid("Idempotency token %s has already been used with different parameters", in.IdempotencyToken)
			}
			return e.getBuild(ctx, idem.Key)
		}
	}
	rec, err := e.newBuild(ctx, p, &in)
	if err != nil {
		return nil, err
	}
	key := rec.key()
	pk := projectKey(s.AccountID, s.Region, p.Name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		n, err := tx.NextSeq("codebuild.buildnumber/" + pk)
		if err != nil {
			return err
		}
		seq, err := tx.NextSeq("codebuild.builds")
		if err != nil {
			return err
		}
		rec.Build.BuildNumber, rec.Seq = n, seq
		if err := tx.Put(bucketBuilds, key, rec); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketActive, key, []byte("1")); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketBuildSeq, projectKey(s.AccountID, s.Region, seqKey(seq)), []byte(rec.Build.ID)); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketProjectBuilds, pk+"/"+seqKey(seq), []byte(rec.Build.ID)); err != nil {
			return err
		}
		if token != "" {
			return tx.Put(bucketIdempotency, token, idempotency{Key: key, Hash: hash, At: time.Now()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	started := *rec
	started.Build.Phases = append([]BuildPhase(nil), rec.Build.Phases...)
	// SUBMITTED → QUEUED, then the scheduler takes over.
	now := e.clk.Now()
	endPhase(&rec.Build, now, StatusSucceeded, nil)
	rec.Build.Phases = append(rec.Build.Phases, BuildPhase{PhaseType: PhaseQueued, StartTime: now})
	rec.Build.CurrentPhase = PhaseQueued
	if err := e.putBuild(rec); err != nil {
		return nil, err
	}
	e.enqueue(rec)
	return &started, nil
}

type idempotency struct {
	Key  string    `json:"key"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

func validateStartBuild(in *StartBuildInput) error {
	var v validation
	v.length("projectName", in.ProjectName, 1, 0)
	v.rangeInt("timeoutInMinutesOverride", in.TimeoutInMinutesOverride, 5, 2160)
	v.rangeInt("queuedTimeoutInMinutesOverride", in.QueuedTimeoutInMinutesOverride, 5, 480)
	v.enum("sourceTypeOverride", in.SourceTypeOverride, sourceTypes...)
	v.enum("environmentTypeOverride", in.EnvironmentTypeOverride, environmentTypes...)
	v.enum("computeTypeOverride", in.ComputeTypeOverride, computeTypes...)
	if in.GitCloneDepthOverride != nil && *in.GitCloneDepthOverride < 0 {
		v.add("Value '%d' at 'gitCloneDepthOverride' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.GitCloneDepthOverride)
	}
	if err := v.err(); err != nil {
		return err
	}
	if err := checkEnvVars(in.EnvironmentVariablesOverride); err != nil {
		return err
	}
	if in.ArtifactsOverride != nil {
		if err := checkArtifacts(*in.ArtifactsOverride, "artifactsOverride", false); err != nil {
			return err
		}
	}
	for _, a := range in.SecondaryArtifactsOverride {
		if err := checkArtifacts(a, "secondaryArtifactsOverride", true); err != nil {
			return err
		}
	}
	if in.CacheOverride != nil {
		if err := checkCache(*in.CacheOverride); err != nil {
			return err
		}
	}
	return nil
}

// newBuild composes a build from its project and the overrides.
func (e *Engine) newBuild(ctx context.Context, p *Project, in *StartBuildInput) (*buildRecord, error) {
	s := awsctx.From(ctx)
	id := p.Name + ":" + newUUID()
	now := e.clk.Now()
	b := Build{
		ID: id, ARN: buildARN(s.Region, s.AccountID, id), StartTime: now,
		CurrentPhase: PhaseSubmitted, BuildStatus: StatusInProgress, ProjectName: p.Name,
		Phases:      []BuildPhase{{PhaseType: PhaseSubmitted, StartTime: now}},
		Source:      p.Source,
		ServiceRole: p.ServiceRole, TimeoutInMinutes: p.TimeoutInMinutes, QueuedTimeoutInMinutes: p.QueuedTimeoutInMinutes,
		EncryptionKey: p.EncryptionKey, VpcConfig: p.VpcConfig, FileSystemLocations: p.FileSystemLocations,
		Cache: p.Cache, Environment: p.Environment,
		SecondarySources: p.SecondarySources, SecondarySourceVersions: p.SecondarySourceVersions,
		SourceVersion: p.SourceVersion,
	}
	b.Environment.EnvironmentVariables = append([]EnvironmentVariable(nil), p.Environment.EnvironmentVariables...)
	// Overrides.
	if in.SourceVersion != "" {
		b.SourceVersion = in.SourceVersion
	}
	if in.SourceTypeOverride != "" {
		b.Source.Type = in.SourceTypeOverride
		if b.Source.Type == "NO_SOURCE" {
			b.Source.Location = ""
		}
	}
	if in.SourceLocationOverride != "" {
		b.Source.Location = in.SourceLocationOverride
	}
	if in.SourceAuthOverride != nil {
		b.Source.Auth = in.SourceAuthOverride
	}
	if in.GitCloneDepthOverride != nil {
		b.Source.GitCloneDepth = in.GitCloneDepthOverride
	}
	if in.GitSubmodulesConfigOverride != nil {
		b.Source.GitSubmodulesConfig = in.GitSubmodulesConfigOverride
	}
	if in.BuildspecOverride != "" {
		b.Source.Buildspec = in.BuildspecOverride
	}
	if in.InsecureSslOverride != nil {
		b.Source.InsecureSsl = in.InsecureSslOverride
	}
	if in.ReportBuildStatusOverride != nil {
		b.Source.ReportBuildStatus = in.ReportBuildStatusOverride
	}
	if in.BuildStatusConfigOverride != nil {
		b.Source.BuildStatusConfig = in.BuildStatusConfigOverride
	}
	if in.SecondarySourcesOverride != nil {
		b.SecondarySources = in.SecondarySourcesOverride
	}
	if in.SecondarySourcesVersionOverride != nil {
		b.SecondarySourceVersions = in.SecondarySourcesVersionOverride
	}
	if in.EnvironmentTypeOverride != "" {
		b.Environment.Type = in.EnvironmentTypeOverride
	}
	if in.ImageOverride != "" {
		b.Environment.Image = in.ImageOverride
	}
	if in.ComputeTypeOverride != "" {
		b.Environment.ComputeType = in.ComputeTypeOverride
	}
	if in.CertificateOverride != "" {
		b.Environment.Certificate = in.CertificateOverride
	}
	if in.PrivilegedModeOverride != nil {
		b.Environment.PrivilegedMode = *in.PrivilegedModeOverride
	}
	if in.RegistryCredentialOverride != nil {
		b.Environment.RegistryCredential = in.RegistryCredentialOverride
	}
	if in.ImagePullCredentialsTypeOver != "" {
		b.Environment.ImagePullCredentialsType = in.ImagePullCredentialsTypeOver
	}
	for _, ov := range in.EnvironmentVariablesOverride {
		if ov.Type == "" {
			ov.Type = "PLAINTEXT"
		}
		replaced := false
		for i, cur := range b.Environment.EnvironmentVariables {
			if cur.Name == ov.Name {
				b.Environment.EnvironmentVariables[i], replaced = ov, true
			}
		}
		if !replaced {
			b.Environment.EnvironmentVariables = append(b.Environment.EnvironmentVariables, ov)
		}
	}
	if in.CacheOverride != nil {
		b.Cache = *in.CacheOverride
	}
	if in.ServiceRoleOverride != "" {
		b.ServiceRole = roleARN(s.AccountID, in.ServiceRoleOverride)
	}
	if in.TimeoutInMinutesOverride != nil {
		b.TimeoutInMinutes = *in.TimeoutInMinutesOverride
	}
	if in.QueuedTimeoutInMinutesOverride != nil {
		b.QueuedTimeoutInMinutes = *in.QueuedTimeoutInMinutesOverride
	}
	if in.EncryptionKeyOverride != "" {
		b.EncryptionKey = in.EncryptionKeyOverride
	}
	if in.DebugSessionEnabled != nil {
		b.DebugSession = &DebugSession{SessionEnabled: in.DebugSessionEnabled}
	}
	b.Initiator = in.Initiator
	if b.Initiator == "" {
		b.Initiator = initiator(s)
	}
	if b.SecondarySources == nil {
		b.SecondarySources = []ProjectSource{}
	}
	if b.SecondarySourceVersions == nil {
		b.SecondarySourceVersions = []ProjectSourceVersion{}
	}
	rec := &buildRecord{
		Account: s.AccountID, Region: s.Region, Input: *in,
		ArtifactsConfig: p.Artifacts, SecondaryArtifactsConfig: p.SecondaryArtifacts, LogsConfig: p.LogsConfig,
		Batch: in.batch,
	}
	if in.ArtifactsOverride != nil {
		rec.ArtifactsConfig = withArtifactDefaults(*in.ArtifactsOverride, p.Name)
	}
	if in.SecondaryArtifactsOverride != nil {
		rec.SecondaryArtifactsConfig = nil
		for _, a := range in.SecondaryArtifactsOverride {
			rec.SecondaryArtifactsConfig = append(rec.SecondaryArtifactsConfig, withArtifactDefaults(a, p.Name))
		}
	}
	if in.LogsConfigOverride != nil {
		rec.LogsConfig = mergeLogsConfig(p.LogsConfig, *in.LogsConfigOverride)
	}
	if p.ConcurrentBuildLimit != nil {
		rec.ConcurrencyLimit = int(*p.ConcurrentBuildLimit)
	}
	if len(in.InputArtifacts) > 0 || len(in.OutputArtifacts) > 0 {
		rec.Pipeline = &pipelineIO{Inputs: in.InputArtifacts, PrimarySource: in.PrimarySource, Outputs: in.OutputArtifacts}
	}
	if in.batch != nil {
		b.BuildBatchArn = in.batch.BatchARN
	}
	for _, v := range p.Environment.EnvironmentVariables {
		if v.Type == "PARAMETER_STORE" || v.Type == "SECRETS_MANAGER" {
			rec.ProjectSecretNames = append(rec.ProjectSecretNames, v.Name)
		}
	}
	// Where the artifacts will go, as StartBuild already reports it.
	b.Artifacts = &BuildArtifacts{Location: e.artifactLocation(rec, rec.ArtifactsConfig, "", "")}
	b.SecondaryArtifacts = []BuildArtifacts{}
	for _, a := range rec.SecondaryArtifactsConfig {
		b.SecondaryArtifacts = append(b.SecondaryArtifacts, BuildArtifacts{Location: e.artifactLocation(rec, a, "", a.ArtifactIdentifier), ArtifactIdentifier: a.ArtifactIdentifier})
	}
	rec.Build = b
	return rec, nil
}

// mergeLogsConfig applies a logsConfigOverride.
func mergeLogsConfig(base, ov LogsConfig) LogsConfig {
	if ov.CloudWatchLogs != nil {
		base.CloudWatchLogs = ov.CloudWatchLogs
	}
	if ov.S3Logs != nil {
		base.S3Logs = ov.S3Logs
	}
	return base
}

// endPhase closes the build's last phase.
func endPhase(b *Build, now time.Time, status string, contexts []PhaseContext) {
	if len(b.Phases) == 0 {
		return
	}
	p := &b.Phases[len(b.Phases)-1]
	if p.PhaseStatus != "" {
		return
	}
	p.PhaseStatus, p.EndTime = status, now
	d := int64(now.Sub(p.StartTime) / time.Second)
	p.DurationInSeconds = &d
	if contexts != nil {
		p.Contexts = contexts
	}
}

// BatchGetBuilds returns builds by id or ARN; unknown ones are listed in
// notFound as given.
func (e *Engine) BatchGetBuilds(ctx context.Context, ids []string) (builds []*Build, notFound []string, err error) {
	if len(ids) == 0 || len(ids) > 100 {
		var v validation
		v.add("Value '%v' at 'ids' failed to satisfy constraint: Member must have length less than or equal to 100, Member must have length greater than or equal to 1", ids)
		return nil, nil, v.err()
	}
	s := awsctx.From(ctx)
	keys := make([]string, len(ids))
	for i, raw := range ids {
		id, err := parseBuildID(raw)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = buildKey(s.AccountID, s.Region, id)
	}
	builds = []*Build{}
	notFound = []string{}
	err = e.st.View(ctx, func(tx store.Tx) error {
		for i, k := range keys {
			var rec buildRecord
			if err := tx.Get(bucketBuilds, k, &rec); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					notFound = append(notFound, ids[i])
					continue
				}
				return err
			}
			b := rec.Build
			builds = append(builds, &b)
		}
		return nil
	})
	return builds, notFound, err
}

// GetBuild returns one build.
func (e *Engine) GetBuild(ctx context.Context, id string) (*Build, error) {
	bid, err := parseBuildID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	rec, err := e.getBuild(ctx, buildKey(s.AccountID, s.Region, bid))
	if err != nil {
		return nil, ErrResourceNotFound.New("Build cannot be found: %s", id)
	}
	return &rec.Build, nil
}

const listPage = 100

// listIDs pages through an index of build ids ("<prefix><seq>" → id).
func (e *Engine) listIDs(ctx context.Context, bucket, prefix, sortOrder, nextToken string) ([]string, string, error) {
	var v validation
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	if err := v.err(); err != nil {
		return nil, "", err
	}
	opt := store.ScanOptions{Prefix: prefix, Reverse: sortOrder != "ASCENDING", Limit: listPage + 1}
	if nextToken != "" {
		if len(nextToken) != 20 || strings.Trim(nextToken, "0123456789") != "" {
			return nil, "", invalid("Invalid next token provided")
		}
		opt.After = prefix + nextToken
	}
	ids := []string{}
	var last string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucket, opt, func(k string, v []byte) error {
			if len(ids) == listPage {
				return store.ErrStop
			}
			ids = append(ids, string(v))
			last = k
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) == listPage {
		// Only hand out a token when another page exists.
		more := false
		opt.After, opt.Limit = last, 1
		e.st.View(ctx, func(tx store.Tx) error {
			return tx.Scan(bucket, opt, func(string, []byte) error { more = true; return store.ErrStop })
		})
		if more {
			next = strings.TrimPrefix(last, prefix)
		}
	}
	return ids, next, nil
}

// ListBuilds lists build ids in the account and region, newest first
// unless sortOrder is ASCENDING.
func (e *Engine) ListBuilds(ctx context.Context, sortOrder, nextToken string) ([]string, string, error) {
	s := awsctx.From(ctx)
	return e.listIDs(ctx, bucketBuildSeq, s.AccountID+"/"+s.Region+"/", sortOrder, nextToken)
}

// ListBuildsForProject lists a project's build ids.
func (e *Engine) ListBuildsForProject(ctx context.Context, project, sortOrder, nextToken string) ([]string, string, error) {
	s := awsctx.From(ctx)
	if _, err := e.GetProject(ctx, project); err != nil {
		return nil, "", ErrResourceNotFound.New("The provided project %s does not exist", projectARN(s.Region, s.AccountID, project))
	}
	return e.listIDs(ctx, bucketProjectBuilds, projectKey(s.AccountID, s.Region, project)+"/", sortOrder, nextToken)
}

// StopBuild stops a build: a queued one at once, a running one by ending
// its process tree (the build records STOPPED in the phase it was in and
// goes through FINALIZING). It returns the build once it has stopped, or
// after a few seconds with what is known then.
func (e *Engine) StopBuild(ctx context.Context, id string) (*Build, error) {
	bid, err := parseBuildID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	key := buildKey(s.AccountID, s.Region, bid)
	rec, err := e.getBuild(ctx, key)
	if err != nil {
		return nil, ErrResourceNotFound.New("Build cannot be found: %s", id)
	}
	if rec.Build.BuildComplete {
		return &rec.Build, nil
	}
	// Under one lock: a build is either running (cancel it), queued
	// (take it out) or, before Start, only recorded as queued.
	e.mu.Lock()
	ab := e.running[key]
	queued := false
	if ab == nil {
		for i, q := range e.queue {
			if q.key == key {
				if q.timer != nil {
					q.timer.Stop()
				}
				e.queue = append(e.queue[:i], e.queue[i+1:]...)
				queued = true
				break
			}
		}
		queued = queued || (!e.started && isQueued(&rec.Build))
	}
	e.mu.Unlock()
	switch {
	case ab != nil:
		ab.cancel(errStopped)
		select {
		case <-ab.done:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
		}
	case queued:
		e.endQueued(key, StatusStopped, PhaseContext{StatusCode: "BUILD_STOPPED", Message: "Build was stopped while it was queued."})
	}
	rec, err = e.getBuild(ctx, key)
	if err != nil {
		return nil, err
	}
	return &rec.Build, nil
}

func isQueued(b *Build) bool {
	return b.CurrentPhase == PhaseSubmitted || b.CurrentPhase == PhaseQueued
}

// endQueued completes a build that never left the queue.
func (e *Engine) endQueued(key, status string, pc PhaseContext) {
	rec, err := e.getBuild(context.WithoutCancel(e.ctx), key)
	if err != nil || rec.Build.BuildComplete {
		return
	}
	now := e.clk.Now()
	endPhase(&rec.Build, now, status, []PhaseContext{pc})
	rec.Build.Phases = append(rec.Build.Phases, BuildPhase{PhaseType: PhaseCompleted, StartTime: now})
	rec.Build.CurrentPhase = PhaseCompleted
	rec.Build.BuildStatus = status
	rec.Build.EndTime = now
	rec.Build.BuildComplete = true
	if err := e.putBuild(rec); err != nil {
		e.log.Error("codebuild: record queued build end", "build", rec.Build.ID, "err", err)
		return
	}
	e.notifyComplete(key, &rec.Build)
}

// RetryBuild starts a new build with the settings of an earlier one.
func (e *Engine) RetryBuild(ctx context.Context, id, idempotencyToken string) (*Build, error) {
	if id == "" {
		return nil, invalid("Build ID is required")
	}
	bid, err := parseBuildID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	rec, err := e.getBuild(ctx, buildKey(s.AccountID, s.Region, bid))
	if err != nil {
		return nil, ErrResourceNotFound.New("Build cannot be found: %s", id)
	}
	in := rec.Input
	in.IdempotencyToken = idempotencyToken
	in.Initiator = rec.Build.Initiator
	if rec.Pipeline != nil {
		in.InputArtifacts, in.PrimarySource, in.OutputArtifacts = rec.Pipeline.Inputs, rec.Pipeline.PrimarySource, rec.Pipeline.Outputs
	}
	return e.StartBuild(ctx, in)
}

// BuildNotDeleted is one entry of BatchDeleteBuilds' buildsNotDeleted.
type BuildNotDeleted struct {
	ID         string `json:"id"`
	StatusCode string `json:"statusCode"`
}

// BatchDeleteBuilds deletes completed builds.
func (e *Engine) BatchDeleteBuilds(ctx context.Context, ids []string) (deleted []string, notDeleted []BuildNotDeleted, err error) {
	if len(ids) == 0 || len(ids) > 100 {
		return nil, nil, invalid("1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	s := awsctx.From(ctx)
	deleted, notDeleted = []string{}, []BuildNotDeleted{}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		for _, raw := range ids {
			id, err := parseBuildID(raw)
			if err != nil {
				notDeleted = append(notDeleted, BuildNotDeleted{ID: raw, StatusCode: "INVALID_BUILD_ID"})
				continue
			}
			key := buildKey(s.AccountID, s.Region, id)
			var rec buildRecord
			if err := tx.Get(bucketBuilds, key, &rec); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					notDeleted = append(notDeleted, BuildNotDeleted{ID: raw, StatusCode: "BUILD_NOT_FOUND"})
					continue
				}
				return err
			}
			if !rec.Build.BuildComplete {
				notDeleted = append(notDeleted, BuildNotDeleted{ID: raw, StatusCode: "BUILD_IN_PROGRESS"})
				continue
			}
			for _, op := range []struct{ bucket, key string }{
				{bucketBuilds, key},
				{bucketBuildSeq, projectKey(s.AccountID, s.Region, seqKey(rec.Seq))},
				{bucketProjectBuilds, projectKey(s.AccountID, s.Region, rec.Build.ProjectName) + "/" + seqKey(rec.Seq)},
			} {
				if err := tx.Delete(op.bucket, op.key); err != nil {
					return err
				}
			}
			deleted = append(deleted, raw)
		}
		return nil
	})
	return deleted, notDeleted, err
}

// ExportedVariables returns a completed build's exported variables (the
// buildspec's env.exported-variables, as they were at the end of the last
// command phase that ran; secret values masked).
func (e *Engine) ExportedVariables(b *Build) map[string]string {
	m := make(map[string]string, len(b.ExportedEnvironmentVariables))
	for _, v := range b.ExportedEnvironmentVariables {
		m[v.Name] = v.Value
	}
	return m
}
