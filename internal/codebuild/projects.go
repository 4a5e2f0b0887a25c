package codebuild

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Enumerations from the model.
var (
	sourceTypes      = []string{"CODECOMMIT", "CODEPIPELINE", "GITHUB", "GITLAB", "GITLAB_SELF_MANAGED", "S3", "BITBUCKET", "GITHUB_ENTERPRISE", "NO_SOURCE"}
	artifactTypes    = []string{"CODEPIPELINE", "S3", "NO_ARTIFACTS"}
	environmentTypes = []string{"WINDOWS_CONTAINER", "LINUX_CONTAINER", "LINUX_GPU_CONTAINER", "ARM_CONTAINER", "WINDOWS_SERVER_2019_CONTAINER", "WINDOWS_SERVER_2022_CONTAINER", "LINUX_LAMBDA_CONTAINER", "ARM_LAMBDA_CONTAINER", "LINUX_EC2", "ARM_EC2", "WINDOWS_EC2", "MAC_ARM"}
	computeTypes     = []string{"BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE", "BUILD_LAMBDA_1GB", "BUILD_LAMBDA_2GB", "BUILD_LAMBDA_4GB", "BUILD_LAMBDA_8GB", "BUILD_LAMBDA_10GB", "ATTRIBUTE_BASED_COMPUTE", "CUSTOM_INSTANCE_TYPE"}
	cacheTypes       = []string{"NO_CACHE", "S3", "LOCAL"}
	cacheModes       = []string{"LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"}
	envVarTypes      = []string{"PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"}
)

var (
	projectNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9\-_]{1,149}$`)
	identifierRe  = regexp.MustCompile(`^[A-Za-z0-9_]{1,127}$`)
	tagRe         = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=@+\-]*)$`)
)

// Limits of an account.
const (
	maxProjects          = 5000
	accountBuildLimit    = 60
	defaultTimeout       = 60
	defaultQueuedTimeout = 480
)

// ProjectInput is CreateProject's and UpdateProject's input. For
// UpdateProject, members left nil/empty keep their current value.
type ProjectInput struct {
	Name                    string                 `json:"name" aws:"required"`
	Description             *string                `json:"description,omitempty"`
	Source                  *ProjectSource         `json:"source,omitempty"`
	SecondarySources        []ProjectSource        `json:"secondarySources,omitempty"`
	SourceVersion           *string                `json:"sourceVersion,omitempty"`
	SecondarySourceVersions []ProjectSourceVersion `json:"secondarySourceVersions,omitempty"`
	Artifacts               *ProjectArtifacts      `json:"artifacts,omitempty"`
	SecondaryArtifacts      []ProjectArtifacts     `json:"secondaryArtifacts,omitempty"`
	Cache                   *ProjectCache          `json:"cache,omitempty"`
	Environment             *ProjectEnvironment    `json:"environment,omitempty"`
	ServiceRole             string                 `json:"serviceRole,omitempty"`
	TimeoutInMinutes        *int32                 `json:"timeoutInMinutes,omitempty"`
	QueuedTimeoutInMinutes  *int32                 `json:"queuedTimeoutInMinutes,omitempty"`
	EncryptionKey           string                 `json:"encryptionKey,omitempty"`
	Tags                    []Tag                  `json:"tags,omitempty"`
	VpcConfig               json.RawMessage        `json:"vpcConfig,omitempty"`
	BadgeEnabled            *bool                  `json:"badgeEnabled,omitempty"`
	LogsConfig              *LogsConfig            `json:"logsConfig,omitempty"`
	FileSystemLocations     json.RawMessage        `json:"fileSystemLocations,omitempty"`
	BuildBatchConfig        json.RawMessage        `json:"buildBatchConfig,omitempty"`
	ConcurrentBuildLimit    *int32                 `json:"concurrentBuildLimit,omitempty"`
	AutoRetryLimit          *int32                 `json:"autoRetryLimit,omitempty"`
}

func roleARN(acct, role string) string {
	if strings.HasPrefix(role, "arn:") {
		return role
	}
	return awsctx.ARN("iam", "", acct, "role/"+role)
}

func checkEnvVars(vars []EnvironmentVariable) error {
	var v validation
	for _, ev := range vars {
		v.enum("environmentVariables.member.type", ev.Type, envVarTypes...)
		v.length("environmentVariables.member.name", ev.Name, 1, 0)
	}
	if err := v.err(); err != nil {
		return err
	}
	for _, ev := range vars {
		if strings.HasPrefix(ev.Name, "CODEBUILD_") {
			return invalid("Invalid environment variable: %s. Environment variable names starting with CODEBUILD_ are reserved", ev.Name)
		}
	}
	return nil
}

func checkSource(src ProjectSource, member string, secondary bool) error {
	var v validation
	v.enum(member+".type", src.Type, sourceTypes...)
	if src.GitCloneDepth != nil && *src.GitCloneDepth < 0 {
		v.add("Value '%d' at '%s.gitCloneDepth' failed to satisfy constraint: Member must have value greater than or equal to 0", *src.GitCloneDepth, member)
	}
	if err := v.err(); err != nil {
		return err
	}
	switch src.Type {
	case "NO_SOURCE":
		if src.Location != "" {
			return invalid("Invalid source location: source location must not be specified for source type NO_SOURCE")
		}
		if src.Buildspec == "" && !secondary {
			return invalid("Invalid buildspec: buildspec must be specified for source type NO_SOURCE")
		}
	case "CODEPIPELINE":
	default:
		if src.Location == "" {
			return invalid("Project source location is required")
		}
	}
	if src.Type == "CODECOMMIT" {
		if codecommitRepo(src.Location) == "" {
			return invalid("Invalid source location: %s", src.Location)
		}
	}
	if src.Type == "S3" {
		if b, k, ok := strings.Cut(src.Location, "/"); !ok || b == "" || k == "" {
			return invalid("Invalid source location: %s. S3 source location must be <bucket>/<key>", src.Location)
		}
	}
	if secondary && !identifierRe.MatchString(src.SourceIdentifier) {
		return invalid("Invalid input: identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length")
	}
	return nil
}

func checkArtifacts(a ProjectArtifacts, member string, secondary bool) error {
	var v validation
	v.enum(member+".type", a.Type, artifactTypes...)
	v.enum(member+".namespaceType", a.NamespaceType, "NONE", "BUILD_ID")
	v.enum(member+".packaging", a.Packaging, "NONE", "ZIP")
	v.enum(member+".bucketOwnerAccess", a.BucketOwnerAccess, "NONE", "READ_ONLY", "FULL")
	if err := v.err(); err != nil {
		return err
	}
	switch a.Type {
	case "NO_ARTIFACTS":
		if a.Location != "" {
			return invalid("Invalid artifacts: artifact type NO_ARTIFACTS should have null location")
		}
	case "S3":
		if a.Location == "" {
			return invalid("Invalid artifacts: artifact location is required for artifact type S3")
		}
	}
	if secondary && !identifierRe.MatchString(a.ArtifactIdentifier) {
		return invalid("Invalid input: identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length")
	}
	return nil
}

func checkCache(c ProjectCache) error {
	var v validation
	v.enum("cache.type", c.Type, cacheTypes...)
	for _, m := range c.Modes {
		v.enum("cache.modes.member", m, cacheModes...)
	}
	if err := v.err(); err != nil {
		return err
	}
	switch c.Type {
	case "S3":
		if c.Location == "" {
			return invalid("Invalid cache: location is required for cache type S3")
		}
	case "LOCAL":
		if len(c.Modes) == 0 {
			return invalid("Invalid cache: modes are required for cache type LOCAL")
		}
	case "NO_CACHE":
		if c.Location != "" || len(c.Modes) > 0 {
			return invalid("Invalid cache: cache type NO_CACHE must not have a location or modes")
		}
	}
	return nil
}

func checkLogsConfig(l LogsConfig) error {
	var v validation
	if l.CloudWatchLogs != nil {
		v.enum("logsConfig.cloudWatchLogs.status", l.CloudWatchLogs.Status, "ENABLED", "DISABLED")
		if l.CloudWatchLogs.Status == "" {
			v.add("Value null at 'logsConfig.cloudWatchLogs.status' failed to satisfy constraint: Member must not be null")
		}
	}
	if l.S3Logs != nil {
		v.enum("logsConfig.s3Logs.status", l.S3Logs.Status, "ENABLED", "DISABLED")
		if l.S3Logs.Status == "" {
			v.add("Value null at 'logsConfig.s3Logs.status' failed to satisfy constraint: Member must not be null")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if l.S3Logs != nil && l.S3Logs.Status == "ENABLED" && l.S3Logs.Location == "" {
		return invalid("Invalid logs config: S3 logs location is required when S3 logs are enabled")
	}
	return nil
}

func checkTags(tags []Tag) error {
	var v validation
	if len(tags) > 50 {
		v.add("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		v.length("tags.member.key", t.Key, 1, 127)
		v.length("tags.member.value", t.Value, 0, 255)
		if !tagRe.MatchString(t.Key) {
			v.add("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=@+\\-]*)$", t.Key)
		}
	}
	return v.err()
}

// withSourceDefaults fills what AWS reports for an unset source member.
func withSourceDefaults(s ProjectSource) ProjectSource {
	if s.InsecureSsl == nil && s.Type != "NO_SOURCE" && s.Type != "CODEPIPELINE" {
		f := false
		s.InsecureSsl = &f
	}
	return s
}

// withArtifactDefaults fills what AWS reports for an unset artifacts
// member; an S3 artifact without a name is named after the project.
func withArtifactDefaults(a ProjectArtifacts, project string) ProjectArtifacts {
	if a.Type == "S3" {
		if a.NamespaceType == "" {
			a.NamespaceType = "NONE"
		}
		if a.Packaging == "" {
			a.Packaging = "NONE"
		}
		if a.Name == "" {
			a.Name = project
		}
		if a.OverrideArtifactName == nil {
			f := false
			a.OverrideArtifactName = &f
		}
		if a.EncryptionDisabled == nil {
			f := false
			a.EncryptionDisabled = &f
		}
	}
	return a
}

func defaultLogsConfig() LogsConfig {
	f := false
	return LogsConfig{
		CloudWatchLogs: &CloudWatchLogsConfig{Status: "ENABLED"},
		S3Logs:         &S3LogsConfig{Status: "DISABLED", EncryptionDisabled: &f},
	}
}

// validateProject checks a complete project.
func validateProject(p *Project) error {
	var v validation
	v.length("name", p.Name, 2, 150)
	if len(p.Name) >= 2 && len(p.Name) <= 150 && !projectNameRe.MatchString(p.Name) {
		v.add("Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,149}", p.Name)
	}
	v.length("description", p.Description, 0, 255)
	timeout, queued := p.TimeoutInMinutes, p.QueuedTimeoutInMinutes
	v.rangeInt("timeoutInMinutes", &timeout, 5, 2160)
	v.rangeInt("queuedTimeoutInMinutes", &queued, 5, 480)
	v.length("serviceRole", p.ServiceRole, 1, 0)
	v.enum("environment.type", p.Environment.Type, environmentTypes...)
	v.enum("environment.computeType", p.Environment.ComputeType, computeTypes...)
	v.enum("environment.imagePullCredentialsType", p.Environment.ImagePullCredentialsType, "CODEBUILD", "SERVICE_ROLE")
	v.length("environment.image", p.Environment.Image, 1, 0)
	if err := v.err(); err != nil {
		return err
	}
	if err := checkSource(p.Source, "source", false); err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, s := range p.SecondarySources {
		if err := checkSource(s, "secondarySources.member", true); err != nil {
			return err
		}
		if ids[s.SourceIdentifier] {
			return invalid("Invalid input: duplicate secondary source identifier %s", s.SourceIdentifier)
		}
		ids[s.SourceIdentifier] = true
	}
	if err := checkArtifacts(p.Artifacts, "artifacts", false); err != nil {
		return err
	}
	ids = map[string]bool{}
	for _, a := range p.SecondaryArtifacts {
		if err := checkArtifacts(a, "secondaryArtifacts.member", true); err != nil {
			return err
		}
		if ids[a.ArtifactIdentifier] {
			return invalid("Invalid input: duplicate secondary artifact identifier %s", a.ArtifactIdentifier)
		}
		ids[a.ArtifactIdentifier] = true
	}
	if (p.Source.Type == "CODEPIPELINE") != (p.Artifacts.Type == "CODEPIPELINE") {
		return invalid("Invalid input: when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE")
	}
	if err := checkEnvVars(p.Environment.EnvironmentVariables); err != nil {
		return err
	}
	if err := checkCache(p.Cache); err != nil {
		return err
	}
	if err := checkLogsConfig(p.LogsConfig); err != nil {
		return err
	}
	if p.ConcurrentBuildLimit != nil && (*p.ConcurrentBuildLimit < 1 || *p.ConcurrentBuildLimit > accountBuildLimit) {
		return invalid("Invalid concurrent build limit: %d. The concurrent build limit must be between 1 and the account's limit of %d", *p.ConcurrentBuildLimit, accountBuildLimit)
	}
	return checkTags(p.Tags)
}

// applyInput copies the members set in in onto p.
func applyInput(p *Project, in *ProjectInput) {
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Source != nil {
		p.Source = withSourceDefaults(*in.Source)
	}
	if in.SecondarySources != nil {
		p.SecondarySources = nil
		for _, s := range in.SecondarySources {
			p.SecondarySources = append(p.SecondarySources, withSourceDefaults(s))
		}
	}
	if in.SourceVersion != nil {
		p.SourceVersion = *in.SourceVersion
	}
	if in.SecondarySourceVersions != nil {
		p.SecondarySourceVersions = in.SecondarySourceVersions
	}
	if in.Artifacts != nil {
		p.Artifacts = withArtifactDefaults(*in.Artifacts, p.Name)
	}
	if in.SecondaryArtifacts != nil {
		p.SecondaryArtifacts = nil
		for _, a := range in.SecondaryArtifacts {
			p.SecondaryArtifacts = append(p.SecondaryArtifacts, withArtifactDefaults(a, p.Name))
		}
	}
	if in.Cache != nil {
		p.Cache = *in.Cache
	}
	if in.Environment != nil {
		env := *in.Environment
		for i := range env.EnvironmentVariables {
			if env.EnvironmentVariables[i].Type == "" {
				env.EnvironmentVariables[i].Type = "PLAINTEXT"
			}
		}
		if env.EnvironmentVariables == nil {
			env.EnvironmentVariables = []EnvironmentVariable{}
		}
		if env.ImagePullCredentialsType == "" {
			env.ImagePullCredentialsType = "CODEBUILD"
		}
		p.Environment = env
	}
	if in.ServiceRole != "" {
		acct := ""
		if a, ok := awsctx.ParseARN(p.ARN); ok {
			acct = a.Account
		}
		p.ServiceRole = roleARN(acct, in.ServiceRole)
	}
	if in.TimeoutInMinutes != nil {
		p.TimeoutInMinutes = *in.TimeoutInMinutes
	}
	if in.QueuedTimeoutInMinutes != nil {
		p.QueuedTimeoutInMinutes = *in.QueuedTimeoutInMinutes
	}
	if in.EncryptionKey != "" {
		p.EncryptionKey = in.EncryptionKey
	}
	if in.Tags != nil {
		p.Tags = in.Tags
	}
	if in.VpcConfig != nil {
		p.VpcConfig = in.VpcConfig
	}
	if in.BadgeEnabled != nil {
		p.Badge.BadgeEnabled = *in.BadgeEnabled
	}
	if in.LogsConfig != nil {
		lc := *in.LogsConfig
		def := defaultLogsConfig()
		if lc.CloudWatchLogs == nil {
			lc.CloudWatchLogs = def.CloudWatchLogs
		}
		if lc.S3Logs == nil {
			lc.S3Logs = def.S3Logs
		}
		p.LogsConfig = lc
	}
	if in.FileSystemLocations != nil {
		p.FileSystemLocations = in.FileSystemLocations
	}
	if in.BuildBatchConfig != nil {
		p.BuildBatchConfig = in.BuildBatchConfig
	}
	if in.ConcurrentBuildLimit != nil {
		p.ConcurrentBuildLimit = in.ConcurrentBuildLimit
		if *in.ConcurrentBuildLimit == -1 {
			// UpdateProject removes the limit with -1.
			p.ConcurrentBuildLimit = nil
		}
	}
	if in.AutoRetryLimit != nil {
		p.AutoRetryLimit = in.AutoRetryLimit
	}
}

func (p *Project) badgeURL(region string) {
	if p.Badge.BadgeEnabled {
		p.Badge.BadgeRequestURL = "https://codebuild." + region + ".amazonaws.com/badges?uuid=" + newUUID() + "&branch=main"
	} else {
		p.Badge.BadgeRequestURL = ""
	}
}

// CreateProject creates a build project.
func (e *Engine) CreateProject(ctx context.Context, in ProjectInput) (*Project, error) {
	s := awsctx.From(ctx)
	if in.Source == nil || in.Artifacts == nil || in.Environment == nil || in.ServiceRole == "" {
		var v validation
		for _, m := range []struct {
			name string
			set  bool
		}{{"source", in.Source != nil}, {"artifacts", in.Artifacts != nil}, {"environment", in.Environment != nil}, {"serviceRole", in.ServiceRole != ""}} {
			if !m.set {
				v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", m.name)
			}
		}
		return nil, v.err()
	}
	now := e.clk.Now()
	p := &Project{
		Name: in.Name, ARN: projectARN(s.Region, s.AccountID, in.Name), Created: now, LastModified: now,
		TimeoutInMinutes: defaultTimeout, QueuedTimeoutInMinutes: defaultQueuedTimeout,
		EncryptionKey: awsctx.ARN("kms", s.Region, s.AccountID, "alias/aws/s3"),
		Cache:         ProjectCache{Type: "NO_CACHE"}, LogsConfig: defaultLogsConfig(), ProjectVisibility: "PRIVATE",
		SecondarySources: []ProjectSource{}, SecondarySourceVersions: []ProjectSourceVersion{},
		SecondaryArtifacts: []ProjectArtifacts{}, Tags: []Tag{},
	}
	applyInput(p, &in)
	if err := validateProject(p); err != nil {
		return nil, err
	}
	p.badgeURL(s.Region)
	key := projectKey(s.AccountID, s.Region, p.Name)
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketProjects, key); err == nil {
			return ErrResourceAlreadyExists.New("Project already exists: %s", p.ARN)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n := 0
		err := tx.Scan(bucketProjects, store.ScanOptions{Prefix: s.AccountID + "/" + s.Region + "/"}, func(string, []byte) error {
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if n >= maxProjects {
			return ErrAccountLimitExceeded.New("Cannot have more than %d projects per account", maxProjects)
		}
		return tx.Put(bucketProjects, key, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdateProject changes the members set in in.
func (e *Engine) UpdateProject(ctx context.Context, in ProjectInput) (*Project, error) {
	s := awsctx.From(ctx)
	key := projectKey(s.AccountID, s.Region, in.Name)
	var out *Project
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var p Project
		if err := tx.Get(bucketProjects, key, &p); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return projectNotFound(projectARN(s.Region, s.AccountID, in.Name))
			}
			return err
		}
		badge := p.Badge.BadgeEnabled
		applyInput(&p, &in)
		if err := validateProject(&p); err != nil {
			return err
		}
		if badge != p.Badge.BadgeEnabled {
			p.badgeURL(s.Region)
		}
		p.LastModified = e.clk.Now()
		out = &p
		return tx.Put(bucketProjects, key, &p)
	})
	return out, err
}

// GetProject returns a project of ctx's account and region.
func (e *Engine) GetProject(ctx context.Context, name string) (*Project, error) {
	s := awsctx.From(ctx)
	name = projectNameOf(name)
	var p Project
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Get(bucketProjects, projectKey(s.AccountID, s.Region, name), &p)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, projectNotFound(projectARN(s.Region, s.AccountID, name))
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// projectNameOf accepts a project name or ARN.
func projectNameOf(s string) string {
	if a, ok := awsctx.ParseARN(s); ok && strings.HasPrefix(a.Resource, "project/") {
		return strings.TrimPrefix(a.Resource, "project/")
	}
	return s
}

// BatchGetProjects returns projects by name or ARN.
func (e *Engine) BatchGetProjects(ctx context.Context, names []string) ([]*Project, []string, error) {
	if len(names) == 0 || len(names) > 100 {
		return nil, nil, invalid("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	found, missing := []*Project{}, []string{}
	for _, n := range names {
		p, err := e.GetProject(ctx, n)
		if err != nil {
			if ErrResourceNotFound.Is(err) {
				missing = append(missing, n)
				continue
			}
			return nil, nil, err
		}
		found = append(found, p)
	}
	return found, missing, nil
}

// ListProjects lists project names, sorted by sortBy (NAME, CREATED_TIME
// or LAST_MODIFIED_TIME; NAME by default) in sortOrder (ASCENDING by
// default), 100 per page.
func (e *Engine) ListProjects(ctx context.Context, sortBy, sortOrder, nextToken string) ([]string, string, error) {
	var v validation
	v.enum("sortBy", sortBy, "NAME", "CREATED_TIME", "LAST_MODIFIED_TIME")
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	if err := v.err(); err != nil {
		return nil, "", err
	}
	s := awsctx.From(ctx)
	var ps []Project
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketProjects, store.ScanOptions{Prefix: s.AccountID + "/" + s.Region + "/"}, func(_ string, b []byte) error {
			var p Project
			if err := json.Unmarshal(b, &p); err != nil {
				return err
			}
			ps = append(ps, p)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	less := func(a, b *Project) bool { return a.Name < b.Name }
	switch sortBy {
	case "CREATED_TIME":
		less = func(a, b *Project) bool {
			return a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.Name < b.Name
		}
	case "LAST_MODIFIED_TIME":
		less = func(a, b *Project) bool {
			return a.LastModified.Before(b.LastModified) || a.LastModified.Equal(b.LastModified) && a.Name < b.Name
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if sortOrder == "DESCENDING" {
			return less(&ps[j], &ps[i])
		}
		return less(&ps[i], &ps[j])
	})
	return page(len(ps), nextToken, listPage, func(i int) string { return ps[i].Name })
}

// page cuts one page out of n sorted items; the token is the index of the
// next item.
func page(n int, nextToken string, size int, item func(int) string) ([]string, string, error) {
	start := 0
	if nextToken != "" {
		i, err := parseIndexToken(nextToken)
		if err != nil || i > n {
			return nil, "", invalid("Invalid next token provided")
		}
		start = i
	}
	end := min(start+size, n)
	out := make([]string, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, item(i))
	}
	next := ""
	if end < n {
		next = indexToken(end)
	}
	return out, next, nil
}

// DeleteProject deletes a project; its builds stay. Deleting a project that
// does not exist succeeds, as in CodeBuild.
func (e *Engine) DeleteProject(ctx context.Context, name string) error {
	if name == "" {
		return invalid("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	s := awsctx.From(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		return tx.Delete(bucketProjects, projectKey(s.AccountID, s.Region, projectNameOf(name)))
	})
}
