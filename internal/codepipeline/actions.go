package codepipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Build, Test, Deploy (CodeDeploy) and Approval providers. CloudFormation
// is in cloudformation_action.go.

// --- CodeBuild (Build and Test) ---

type codeBuildAction struct{ category string }

var _ Resumer = (*codeBuildAction)(nil)

func (p *codeBuildAction) Type() ActionTypeID {
	return ActionTypeID{Category: p.category, Owner: "AWS", Provider: "CodeBuild", Version: "1"}
}

func (p *codeBuildAction) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "ProjectName", Required: true, Key: true, Queryable: true, Description: "The CodeBuild project", Type: "String"},
			{Name: "PrimarySource", Description: "The input artifact that is the primary source", Type: "String"},
			{Name: "EnvironmentVariables", Description: "JSON list of {name, value, type} overrides", Type: "String"},
			{Name: "BatchEnabled", Description: "Run a batch build", Type: "Boolean"},
			{Name: "CombineArtifacts", Description: "Combine batch build artifacts", Type: "Boolean"},
		},
		MinInputs: 1, MaxInputs: 5, MinOutputs: 0, MaxOutputs: 5,
		EntityURLTemplate:    "https://{Region}.console.aws.amazon.com/codesuite/codebuild/projects/{Config:ProjectName}",
		ExecutionURLTemplate: "https://{Region}.console.aws.amazon.com/codesuite/codebuild/projects/{Config:ProjectName}/build/{ExternalExecutionId}",
		Description:          "AWS CodeBuild " + strings.ToLower(p.category),
	}
}

type buildEnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

func parseBuildEnv(s string) ([]EnvVar, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var vars []buildEnvVar
	if err := json.Unmarshal([]byte(s), &vars); err != nil {
		return nil, fmt.Errorf("EnvironmentVariables must be a JSON list of {\"name\", \"value\", \"type\"} objects: %v", err)
	}
	out := make([]EnvVar, 0, len(vars))
	for _, v := range vars {
		if v.Name == "" {
			return nil, fmt.Errorf("every EnvironmentVariables entry needs a name")
		}
		t := v.Type
		if t == "" {
			t = "PLAINTEXT"
		}
		switch t {
		case "PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER":
		default:
			return nil, fmt.Errorf("environment variable %s has type %s; valid types are PLAINTEXT, PARAMETER_STORE and SECRETS_MANAGER", v.Name, v.Type)
		}
		out = append(out, EnvVar{Name: v.Name, Value: v.Value, Type: t})
	}
	return out, nil
}

func (p *codeBuildAction) CheckConfig(a *ActionDeclaration) error {
	cfg := a.Configuration
	// A value with variables is checked at run time, once resolved.
	if v := cfg["EnvironmentVariables"]; v != "" && len(varRefs(v)) == 0 {
		if _, err := parseBuildEnv(v); err != nil {
			return fmt.Errorf("Action configuration for action '%s' is invalid: %v", a.Name, err)
		}
	}
	if ps := cfg["PrimarySource"]; ps != "" {
		ok := false
		for _, in := range a.InputArtifacts {
			ok = ok || in.Name == ps
		}
		if !ok {
			return fmt.Errorf("Action configuration for action '%s' names PrimarySource '%s', which is not one of its input artifacts", a.Name, ps)
		}
	}
	if len(a.InputArtifacts) > 1 && cfg["PrimarySource"] == "" {
		return fmt.Errorf("Action '%s' has more than one input artifact and must set PrimarySource", a.Name)
	}
	for _, k := range []string{"BatchEnabled", "CombineArtifacts"} {
		switch strings.ToLower(cfg[k]) {
		case "", "true", "false":
		default:
			return fmt.Errorf("Action configuration for action '%s' has an invalid value '%s' for %s. Valid values: true, false", a.Name, cfg[k], k)
		}
	}
	return nil
}

type buildState struct {
	BuildID string `json:"buildId"`
}

func buildURL(region, id string) string {
	project, _, _ := strings.Cut(id, ":")
	return fmt.Sprintf("https://%s.console.aws.amazon.com/codesuite/codebuild/projects/%s/build/%s/?region=%s", region, project, id, region)
}

func (p *codeBuildAction) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if job.Deps.Builds == nil {
		return nil, errNoService("CodeBuild")
	}
	env, err := parseBuildEnv(job.Config["EnvironmentVariables"])
	if err != nil {
		return &Outcome{Failed: true, ErrorCode: "ConfigurationError", ErrorMessage: err.Error()}, nil
	}
	req := BuildRequest{Project: job.Config["ProjectName"], Inputs: job.Inputs, PrimarySource: job.Config["PrimarySource"],
		Outputs: job.Outputs, Env: env, SourceVersion: job.InputRevision, Initiator: "codepipeline/" + job.Pipeline,
		Batch: strings.EqualFold(job.Config["BatchEnabled"], "true")}
	id, err := job.Deps.Builds.StartPipelineBuild(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return &Outcome{Failed: true, ErrorCode: "JobFailed", ErrorMessage: "Error calling startBuild: " + err.Error()}, nil
	}
	if err := job.Save(buildState{BuildID: id}); err != nil {
		return nil, err
	}
	job.Report(Progress{ExternalID: id, ExternalURL: buildURL(job.Region, id)})
	return p.wait(ctx, job, id)
}

func (p *codeBuildAction) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	var st buildState
	if !job.Load(&st) || st.BuildID == "" {
		return p.Run(ctx, job)
	}
	return p.wait(ctx, job, st.BuildID)
}

func (p *codeBuildAction) wait(ctx context.Context, job *Job, id string) (*Outcome, error) {
	out, err := job.Deps.Builds.WaitBuild(ctx, id)
	if ctx.Err() != nil {
		if job.ShuttingDown() {
			return nil, ctx.Err()
		}
		// Stopped with abandon (or timed out): stop the build too.
		stopCtx, cancel := context.WithTimeout(scopeCtx(context.Background(), job.Account, job.Region), 30*time.Second)
		defer cancel()
		job.Deps.Builds.StopBuild(stopCtx, id)
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("follow build %s: %w", id, err)
	}
	res := &Outcome{ExternalID: id, ExternalURL: buildURL(job.Region, id), Variables: out.ExportedVariables}
	if out.Status != "SUCCEEDED" {
		res.Failed = true
		res.ErrorCode = "JobFailed"
		res.ErrorMessage = "Build terminated with state: " + out.Status
		if out.Message != "" {
			res.ErrorMessage += ". " + out.Message
		}
	}
	return res, nil
}

// --- CodeDeploy ---

type codeDeployAction struct{}

var _ Resumer = (*codeDeployAction)(nil)

func (*codeDeployAction) Type() ActionTypeID {
	return ActionTypeID{Category: "Deploy", Owner: "AWS", Provider: "CodeDeploy", Version: "1"}
}

func (*codeDeployAction) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "ApplicationName", Required: true, Key: true, Queryable: true, Description: "The CodeDeploy application", Type: "String"},
			{Name: "DeploymentGroupName", Required: true, Key: true, Description: "The deployment group", Type: "String"},
		},
		MinInputs: 1, MaxInputs: 1,
		Description: "AWS CodeDeploy deployment",
	}
}

type deployState struct {
	DeploymentID string `json:"deploymentId"`
}

func (p *codeDeployAction) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if job.Deps.Deployments == nil {
		return nil, errNoService("CodeDeploy")
	}
	id, err := job.Deps.Deployments.Deploy(ctx, job.Config["ApplicationName"], job.Config["DeploymentGroupName"], job.Inputs[0])
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return &Outcome{Failed: true, ErrorCode: "JobFailed", ErrorMessage: "Error creating the deployment: " + err.Error()}, nil
	}
	if err := job.Save(deployState{DeploymentID: id}); err != nil {
		return nil, err
	}
	job.Report(Progress{ExternalID: id, ExternalURL: deployURL(job.Region, id)})
	return p.wait(ctx, job, id)
}

func deployURL(region, id string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/codesuite/codedeploy/deployments/%s?region=%s", region, id, region)
}

func (p *codeDeployAction) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	var st deployState
	if !job.Load(&st) || st.DeploymentID == "" {
		return p.Run(ctx, job)
	}
	return p.wait(ctx, job, st.DeploymentID)
}

func (p *codeDeployAction) wait(ctx context.Context, job *Job, id string) (*Outcome, error) {
	status, err := job.Deps.Deployments.WaitDeployment(ctx, id)
	if ctx.Err() != nil {
		if job.ShuttingDown() {
			return nil, ctx.Err()
		}
		stopCtx, cancel := context.WithTimeout(scopeCtx(context.Background(), job.Account, job.Region), 30*time.Second)
		defer cancel()
		job.Deps.Deployments.StopDeployment(stopCtx, id)
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("follow deployment %s: %w", id, err)
	}
	res := &Outcome{ExternalID: id, ExternalURL: deployURL(job.Region, id)}
	if status != "Succeeded" {
		res.Failed, res.ErrorCode = true, "JobFailed"
		res.ErrorMessage = "Deployment " + id + " ended with status " + status
	}
	return res, nil
}

// --- Manual approval ---

// ApprovalTimeout is how long a manual approval waits (scaled by the
// clock) before it fails.
const ApprovalTimeout = 7 * 24 * time.Hour

type manualApproval struct{}

var _ Resumer = (*manualApproval)(nil)

func (*manualApproval) Type() ActionTypeID {
	return ActionTypeID{Category: "Approval", Owner: "AWS", Provider: "Manual", Version: "1"}
}

func (*manualApproval) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "NotificationArn", Description: "The SNS topic notified of the request", Type: "String"},
			{Name: "CustomData", Description: "Comments shown to the approver", Type: "String"},
			{Name: "ExternalEntityLink", Description: "A URL for the approver to review", Type: "String"},
		},
		Description: "Manual approval",
	}
}

func (p *manualApproval) Run(ctx context.Context, job *Job) (*Outcome, error) {
	sum := "Waiting for approval"
	if cd := job.Config["CustomData"]; cd != "" {
		sum += ": " + cd
	}
	if _, err := job.IssueToken(Progress{Summary: sum, ExternalURL: job.Config["ExternalEntityLink"]}); err != nil {
		return nil, err
	}
	if arn := job.Config["NotificationArn"]; arn != "" {
		job.Log.Info("codepipeline: approval requested", "pipeline", job.Pipeline, "stage", job.Stage, "action", job.Action, "topic", arn)
	}
	return p.wait(ctx, job)
}

func (p *manualApproval) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	if job.token == "" {
		return p.Run(ctx, job)
	}
	return p.wait(ctx, job)
}

func (p *manualApproval) wait(ctx context.Context, job *Job) (*Outcome, error) {
	if a := job.Answer(); a != nil {
		return approvalOutcome(a), nil
	}
	deadline := job.Start.Add(job.Clock.Scale(ApprovalTimeout))
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case s := <-job.Signals():
		return approvalOutcome(&s), nil
	case <-t.C:
		// An answer recorded as the timer fired still counts.
		if a := job.Answer(); a != nil {
			return approvalOutcome(a), nil
		}
		return &Outcome{Failed: true, ErrorCode: "JobFailed", Summary: "The approval request expired",
			ErrorMessage: "The approval request was not answered within 7 days and has expired"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func approvalOutcome(s *Signal) *Outcome {
	if s.Status == "Approved" {
		return &Outcome{Summary: orDefault(s.Summary, "Approved"), UpdatedBy: s.By}
	}
	msg := "Rejected by " + s.By
	if s.Summary != "" {
		msg += ": " + s.Summary
	}
	return &Outcome{Failed: true, ErrorCode: "JobFailed", Summary: orDefault(s.Summary, "Rejected"), ErrorMessage: msg, UpdatedBy: s.By}
}
