package server

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation"
	"github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/codebuild"
	"github.com/skiff-dev/skiff/internal/codecommit"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codepipeline"
	"github.com/skiff-dev/skiff/internal/s3"
)

// Adapters from skiff's engines to CodePipeline's dependency interfaces.

type cpRepos struct{ cc *codecommit.Engine }

func (a cpRepos) OnPush(fn func(ctx context.Context, ev codepipeline.PushEvent)) {
	a.cc.OnPush(func(ctx context.Context, ev codecommit.PushEvent) {
		fn(ctx, codepipeline.PushEvent{
			Repository: ev.RepositoryName, Ref: ev.Ref, OldCommit: ev.OldCommit, NewCommit: ev.NewCommit,
			Message: ev.Message, AuthorName: ev.AuthorName, AuthorEmail: ev.AuthorEmail,
			AuthorDate: ev.AuthorTime, CommitterDate: ev.CommitterTime,
			ChangedFiles: ev.ChangedFiles, Pusher: ev.Pusher, Time: ev.Time,
		})
	})
}

func (a cpRepos) Archive(ctx context.Context, repo, commitish string, w io.Writer) (codepipeline.CommitInfo, error) {
	id, err := a.cc.Archive(ctx, repo, commitish, w)
	if err != nil {
		return codepipeline.CommitInfo{}, ccNotFound(err)
	}
	c, err := a.cc.GetCommit(ctx, repo, id)
	if err != nil {
		return codepipeline.CommitInfo{}, ccNotFound(err)
	}
	info := codepipeline.CommitInfo{CommitID: id, Message: c.Message}
	if c.Author != nil {
		info.AuthorName, info.AuthorEmail, info.AuthorDate = c.Author.Name, c.Author.Email, gitDate(c.Author.Date)
	}
	if c.Committer != nil {
		info.CommitterDate = gitDate(c.Committer.Date)
	}
	return info, nil
}

func ccNotFound(err error) error {
	if codecommit.ErrRepositoryDoesNotExist.Is(err) || codecommit.ErrBranchDoesNotExist.Is(err) || codecommit.ErrCommitDoesNotExist.Is(err) ||
		strings.Contains(err.Error(), "DoesNotExist") {
		return fmt.Errorf("%w: %v", codepipeline.ErrNotFound, err)
	}
	return err
}

// gitDate parses CodeCommit's "<unix seconds> <zone>" dates.
func gitDate(s string) time.Time {
	sec, zone, _ := strings.Cut(s, " ")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	t := time.Unix(n, 0)
	if z, err := time.Parse("-0700", zone); err == nil {
		t = t.In(z.Location())
	}
	return t
}

type cpObjects struct{ e *s3.Engine }

func (a cpObjects) PutObject(ctx context.Context, bucket, key string, r io.Reader) error {
	_, err := a.e.PutObject(ctx, bucket, key, r, s3.PutOptions{})
	return err
}

func (a cpObjects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	r, _, err := a.e.GetObject(ctx, bucket, key, version)
	if err != nil {
		return nil, s3NotFound(err, bucket, key)
	}
	return r, nil
}

func (a cpObjects) StatObject(ctx context.Context, bucket, key, version string) (codepipeline.ObjectMeta, error) {
	r, info, err := a.e.GetObject(ctx, bucket, key, version)
	if err != nil {
		return codepipeline.ObjectMeta{}, s3NotFound(err, bucket, key)
	}
	r.Close()
	return codepipeline.ObjectMeta{ETag: strings.Trim(info.ETag, `"`), VersionID: info.VersionID, LastModified: info.LastModified}, nil
}

func s3NotFound(err error, bucket, key string) error {
	if m := err.Error(); strings.Contains(m, "NoSuchKey") || strings.Contains(m, "NoSuchBucket") || strings.Contains(m, "NoSuchVersion") {
		return fmt.Errorf("%w: s3://%s/%s: %v", codepipeline.ErrNotFound, bucket, key, err)
	}
	return err
}

// cpBuilds runs pipeline build actions as CodeBuild builds (or build
// batches, whose ids the adapter prefixes with "batch/").
type cpBuilds struct{ e *codebuild.Engine }

const batchPrefix = "batch/"

func (a cpBuilds) StartPipelineBuild(ctx context.Context, req codepipeline.BuildRequest) (string, error) {
	in := codebuild.StartBuildInput{ProjectName: req.Project, SourceVersion: req.SourceVersion, Initiator: req.Initiator,
		PrimarySource: req.PrimarySource}
	for _, v := range req.Env {
		in.EnvironmentVariablesOverride = append(in.EnvironmentVariablesOverride, codebuild.EnvironmentVariable{Name: v.Name, Value: v.Value, Type: v.Type})
	}
	for _, l := range req.Inputs {
		in.InputArtifacts = append(in.InputArtifacts, codebuild.InputArtifact{Name: l.Name, Bucket: l.Bucket, Key: l.Key})
	}
	for _, l := range req.Outputs {
		in.OutputArtifacts = append(in.OutputArtifacts, codebuild.OutputArtifact{Name: l.Name, Bucket: l.Bucket, Key: l.Key})
	}
	if req.Batch {
		b, err := a.e.StartBuildBatch(ctx, in)
		if err != nil {
			return "", cbNotFound(err)
		}
		return batchPrefix + b.ID, nil
	}
	b, err := a.e.StartBuild(ctx, in)
	if err != nil {
		return "", cbNotFound(err)
	}
	return b.ID, nil
}

func cbNotFound(err error) error {
	if strings.Contains(err.Error(), "ResourceNotFound") {
		return fmt.Errorf("%w: %v", codepipeline.ErrNotFound, err)
	}
	return err
}

func (a cpBuilds) WaitBuild(ctx context.Context, id string) (codepipeline.BuildOutcome, error) {
	if bid, ok := strings.CutPrefix(id, batchPrefix); ok {
		b, err := a.e.WaitBuildBatch(ctx, bid)
		if err != nil {
			return codepipeline.BuildOutcome{}, err
		}
		out := codepipeline.BuildOutcome{Status: b.BuildBatchStatus}
		for _, p := range b.Phases {
			if p.PhaseStatus != "" && p.PhaseStatus != "SUCCEEDED" {
				for _, c := range p.Contexts {
					if c.Message != "" {
						out.Message = c.Message
					}
				}
			}
		}
		return out, nil
	}
	b, err := a.e.WaitBuild(ctx, id)
	if err != nil {
		return codepipeline.BuildOutcome{}, err
	}
	out := codepipeline.BuildOutcome{Status: b.BuildStatus, ExportedVariables: a.e.ExportedVariables(b)}
	for _, p := range b.Phases {
		if p.PhaseStatus != "" && p.PhaseStatus != "SUCCEEDED" && out.Message == "" {
			for _, c := range p.Contexts {
				if c.Message != "" {
					out.Message = fmt.Sprintf("%s: %s", p.PhaseType, c.Message)
					break
				}
			}
		}
	}
	return out, nil
}

func (a cpBuilds) StopBuild(ctx context.Context, id string) error {
	if bid, ok := strings.CutPrefix(id, batchPrefix); ok {
		_, err := a.e.StopBuildBatch(ctx, bid)
		return err
	}
	_, err := a.e.StopBuild(ctx, id)
	return err
}

// cpStacks is the CloudFormation deploy action's view of the engine
// (which is built after CodePipeline: pipelines are its resources).
type cpStacks struct{ s *Server }

func cfnNotFound(err error) error {
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return fmt.Errorf("%w: %v", codepipeline.ErrNotFound, err)
	}
	return err
}

func (a cpStacks) DescribeStack(ctx context.Context, name string) (*codepipeline.Stack, error) {
	cfn := a.s.cfn
	ss, err := cfn.DescribeStacks(ctx, name)
	if err != nil {
		return nil, cfnNotFound(err)
	}
	if len(ss) == 0 || ss[0].Status == "DELETE_COMPLETE" {
		return nil, fmt.Errorf("%w: stack %s does not exist", codepipeline.ErrNotFound, name)
	}
	s := ss[0]
	out := &codepipeline.Stack{ID: s.ID, Name: s.Name, Status: s.Status, StatusReason: s.StatusReason, Outputs: map[string]string{}}
	for _, o := range s.Outputs {
		out.Outputs[o.Key] = o.Value
	}
	return out, nil
}

func cfnParamsOf(m map[string]string) []cloudformation.ParamInput {
	out := make([]cloudformation.ParamInput, 0, len(m))
	for k, v := range m {
		out = append(out, cloudformation.ParamInput{Key: k, Value: v})
	}
	return out
}

func cfnTagsOf(m map[string]string) []cloudformation.Tag {
	out := make([]cloudformation.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, cloudformation.Tag{Key: k, Value: v})
	}
	return out
}

func (a cpStacks) CreateStack(ctx context.Context, in codepipeline.StackInput) (string, error) {
	cfn := a.s.cfn
	return cfn.CreateStack(ctx, cloudformation.CreateStackInput{StackName: in.StackName, TemplateBody: in.TemplateBody,
		Parameters: cfnParamsOf(in.Parameters), Capabilities: in.Capabilities, RoleARN: in.RoleARN, Tags: cfnTagsOf(in.Tags),
		StackPolicyBody: in.StackPolicyBody})
}

func (a cpStacks) UpdateStack(ctx context.Context, in codepipeline.StackInput) (string, error) {
	cfn := a.s.cfn
	id, err := cfn.UpdateStack(ctx, cloudformation.UpdateStackInput{StackName: in.StackName, TemplateBody: in.TemplateBody,
		Parameters: cfnParamsOf(in.Parameters), Capabilities: in.Capabilities, RoleARN: in.RoleARN,
		Tags: cfnTagsOf(in.Tags), TagsSet: in.Tags != nil, StackPolicyBody: in.StackPolicyBody})
	if err != nil && strings.Contains(err.Error(), "No updates are to be performed") {
		return "", codepipeline.ErrNoUpdates
	}
	return id, cfnNotFound(err)
}

func (a cpStacks) DeleteStack(ctx context.Context, name string) error {
	cfn := a.s.cfn
	return cfnNotFound(cfn.DeleteStack(ctx, name, nil, ""))
}

func (a cpStacks) CreateChangeSet(ctx context.Context, in codepipeline.ChangeSetInput) (string, string, error) {
	cfn := a.s.cfn
	return cfn.CreateChangeSet(ctx, cloudformation.CreateChangeSetInput{StackName: in.StackName, ChangeSetName: in.ChangeSetName,
		ChangeSetType: in.ChangeSetType, TemplateBody: in.TemplateBody, Parameters: cfnParamsOf(in.Parameters),
		Capabilities: in.Capabilities, RoleARN: in.RoleARN, Tags: cfnTagsOf(in.Tags), TagsSet: in.Tags != nil})
}

func (a cpStacks) DescribeChangeSet(ctx context.Context, stack, name string) (*codepipeline.ChangeSet, error) {
	cfn := a.s.cfn
	cs, err := cfn.DescribeChangeSet(ctx, stack, name)
	if err != nil {
		return nil, cfnNotFound(err)
	}
	return &codepipeline.ChangeSet{ID: cs.ID, Status: cs.Status, StatusReason: cs.StatusReason, ExecutionStatus: cs.ExecutionStatus}, nil
}

func (a cpStacks) DeleteChangeSet(ctx context.Context, stack, name string) error {
	cfn := a.s.cfn
	return cfnNotFound(cfn.DeleteChangeSet(ctx, stack, name))
}

func (a cpStacks) ExecuteChangeSet(ctx context.Context, stack, name string) error {
	cfn := a.s.cfn
	return cfnNotFound(cfn.ExecuteChangeSet(ctx, stack, name, false, ""))
}

func (a cpStacks) Wait(ctx context.Context, stackID string) error { return a.s.cfn.Wait(ctx, stackID) }

type cpDeployments struct{ e *codedeploy.Engine }

func (a cpDeployments) Deploy(ctx context.Context, app, group string, bundle codepipeline.ArtifactLocation) (string, error) {
	id, err := a.e.DeployFromPipeline(ctx, app, group, codedeploy.S3Location{Bucket: bundle.Bucket, Key: bundle.Key, BundleType: "zip"})
	if err != nil && strings.Contains(err.Error(), "DoesNotExist") {
		return "", fmt.Errorf("%w: %v", codepipeline.ErrNotFound, err)
	}
	return id, err
}

func (a cpDeployments) WaitDeployment(ctx context.Context, id string) (string, error) {
	d, err := a.e.WaitDeployment(ctx, id)
	if err != nil {
		return "", err
	}
	return d.Status, nil
}

func (a cpDeployments) StopDeployment(ctx context.Context, id string) error {
	_, _, err := a.e.StopDeployment(ctx, id, nil)
	return err
}

type cpAlarms struct{ cw *cloudwatch.Engine }

func (a cpAlarms) AlarmState(ctx context.Context, name string) (string, error) {
	st, err := a.cw.AlarmState(ctx, name)
	if err != nil && cloudwatch.ErrResourceNotFound.Is(err) {
		return "", fmt.Errorf("%w: %v", codepipeline.ErrNotFound, err)
	}
	return st, err
}
