package codepipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// appPipeline is push → Source (CodeCommit) → Build (CodeBuild) →
// Approval → Deploy (CloudFormation from the build's output artifact).
const appPipeline = `{
  "name": "app",
  "roleArn": "arn:aws:iam::123456789012:role/pipeline",
  "artifactStore": {"type": "S3", "location": "artifacts-bucket"},
  "pipelineType": "V2",
  "executionMode": "%s",
  "variables": [{"name": "Env", "defaultValue": "staging"}],
  "stages": [
    {"name": "Source", "actions": [{
      "name": "Source", "namespace": "SourceVariables",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
      "configuration": {"RepositoryName": "app", "BranchName": "main", "PollForSourceChanges": "false"},
      "outputArtifacts": [{"name": "SourceOutput"}]}]},
    {"name": "Build", "actions": [{
      "name": "Build", "namespace": "BuildVariables",
      "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
      "configuration": {"ProjectName": "app-build",
        "EnvironmentVariables": "[{\"name\":\"COMMIT\",\"value\":\"#{SourceVariables.CommitId}\",\"type\":\"PLAINTEXT\"},{\"name\":\"ENV\",\"value\":\"#{variables.Env}\"}]"},
      "inputArtifacts": [{"name": "SourceOutput"}],
      "outputArtifacts": [{"name": "BuildOutput"}]}]},
    {"name": "Approve", "actions": [{
      "name": "Approval",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"},
      "configuration": {"CustomData": "ship #{SourceVariables.CommitId}?"}}]},
    {"name": "Deploy", "actions": [{
      "name": "Deploy", "namespace": "DeployVariables",
      "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
      "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "app-stack",
        "TemplatePath": "BuildOutput::template.yaml",
        "TemplateConfiguration": "BuildOutput::config.json",
        "Capabilities": "CAPABILITY_IAM,CAPABILITY_NAMED_IAM",
        "OutputFileName": "outputs.json",
        "ParameterOverrides": "{\"Version\": \"#{BuildVariables.VERSION}\", \"Bucket\": {\"Fn::GetArtifactAtt\": [\"BuildOutput\", \"BucketName\"]}, \"Commit\": {\"Fn::GetParam\": [\"BuildOutput\", \"build.json\", \"commit\"]}, \"Exec\": \"#{codepipeline.PipelineExecutionId}\"}"},
      "inputArtifacts": [{"name": "BuildOutput"}],
      "outputArtifacts": [{"name": "DeployOutput"}]}]}
  ]
}`

// appBuild is the fake CodeBuild project: it "tests" main.go and writes a
// template, its configuration and a build.json, exporting VERSION.
func appBuild(src, env map[string]string) (map[string]string, map[string]string, string) {
	if !strings.Contains(src["main.go"], "package main") || strings.Contains(src["main.go"], "FAIL") {
		return nil, nil, "FAILED"
	}
	out := map[string]string{
		"template.yaml": "Resources: {}\n# " + src["main.go"],
		"config.json":   `{"Parameters": {"Stage": "` + env["ENV"] + `", "Version": "from-config"}, "Tags": {"team": "web"}}`,
		"build.json":    `{"commit": "` + env["COMMIT"] + `"}`,
	}
	return out, map[string]string{"VERSION": "1." + env["COMMIT"][:7]}, "SUCCEEDED"
}

func TestEndToEndPushBuildApproveDeploy(t *testing.T) {
	h := newHarness(t)
	h.builds.projects["app-build"] = appBuild
	first := h.repos.push("app", "main", map[string]string{"main.go": "package main\n"}, "initial")
	h.create(fmt.Sprintf(appPipeline, "QUEUED"))

	// CreatePipeline starts the first execution; it waits at the approval.
	xs := h.executions("app")
	if len(xs) != 1 || xs[0].Trigger.TriggerType != TriggerCreatePipeline {
		t.Fatalf("executions after create: %+v", xs)
	}
	id := xs[0].PipelineExecutionID
	var token string
	waitFor(t, "the approval token", func() bool {
		st, err := h.e.GetPipelineState(testCtx(), "app")
		if err != nil {
			t.Fatal(err)
		}
		if a := st.StageStates[2].ActionStates[0].LatestExecution; a != nil {
			token = a.Token
		}
		return token != ""
	})
	st, _ := h.e.GetPipelineState(testCtx(), "app")
	if s := st.StageStates[0]; s.LatestExecution.Status != StatusSucceeded || s.ActionStates[0].CurrentRevision.RevisionID != first.NewCommit {
		t.Fatalf("source stage: %+v %+v", s.LatestExecution, s.ActionStates[0].CurrentRevision)
	}
	if s := st.StageStates[2]; s.LatestExecution.Status != StatusInProgress || !strings.Contains(s.ActionStates[0].LatestExecution.Summary, first.NewCommit) {
		t.Fatalf("approval stage: %+v %+v", s.LatestExecution, s.ActionStates[0].LatestExecution)
	}
	// A wrong token is refused; the right one approves.
	if _, err := h.e.PutApprovalResult(testCtx(), "app", "Approve", "Approval", newUUID(), "Approved", "ok"); !ErrInvalidApprovalToken.Is(err) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := h.e.PutApprovalResult(testCtx(), "app", "Approve", "Approval", token, "Approved", "looks good"); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("app", id, StatusSucceeded)
	if _, err := h.e.PutApprovalResult(testCtx(), "app", "Approve", "Approval", token, "Approved", "again"); !ErrApprovalAlreadyCompleted.Is(err) {
		t.Fatalf("second answer: %v", err)
	}

	// The stack was deployed from the build's artifact with resolved
	// parameters (overrides win over the template configuration).
	stk := h.stacks.stack("app-stack")
	if stk == nil {
		t.Fatal("stack not created")
	}
	short := first.NewCommit[:7]
	want := map[string]string{"Stage": "staging", "Version": "1." + short, "Bucket": "artifacts-bucket", "Commit": first.NewCommit, "Exec": id}
	for k, v := range want {
		if stk.params[k] != v {
			t.Errorf("stack parameter %s = %q, want %q (all: %v)", k, stk.params[k], v, stk.params)
		}
	}
	if !strings.Contains(stk.template, "package main") || len(stk.caps) != 2 {
		t.Errorf("template %q caps %v", stk.template, stk.caps)
	}

	// ListActionExecutions tells the same story, with S3 locations,
	// resolved configuration and output variables.
	ds, _, err := h.e.ListActionExecutions(testCtx(), "app", id, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 {
		t.Fatalf("%d action executions", len(ds))
	}
	by := map[string]ActionExecutionDetail{}
	for _, d := range ds {
		by[d.ActionName] = d
	}
	b := by["Build"]
	if b.Output.OutputVariables["VERSION"] != "1."+short || !strings.Contains(b.Input.ResolvedConfiguration["EnvironmentVariables"], first.NewCommit) {
		t.Errorf("build detail: %+v %+v", b.Input, b.Output)
	}
	src := by["Source"]
	if src.Output.OutputVariables["CommitId"] != first.NewCommit || src.Output.OutputArtifacts[0].S3Location.Bucket != "artifacts-bucket" {
		t.Errorf("source detail: %+v", src.Output)
	}
	key := src.Output.OutputArtifacts[0].S3Location.Key
	if !strings.HasPrefix(key, "app/SourceOutp/") || len(key) != len("app/SourceOutp/")+7 {
		t.Errorf("artifact key %q does not follow <pipeline>/<artifact>/<random>", key)
	}
	if files := unzip(t, h.objects.get("artifacts-bucket", key)); files["main.go"] != "package main\n" {
		t.Errorf("source artifact: %v", files)
	}
	dep := by["Deploy"]
	if dep.Output.OutputVariables["Version"] != "1."+short {
		t.Errorf("deploy output variables: %v", dep.Output.OutputVariables)
	}
	out := dep.Output.OutputArtifacts[0].S3Location
	if files := unzip(t, h.objects.get(out.Bucket, out.Key)); !strings.Contains(files["outputs.json"], `"Commit": "`+first.NewCommit) {
		t.Errorf("outputs.json: %v", files)
	}
	if ap := by["Approval"]; ap.UpdatedBy != testScope.Principal || ap.Output.ExecutionResult.ExternalExecutionSummary != "looks good" {
		t.Errorf("approval detail: %+v %+v", ap, ap.Output.ExecutionResult)
	}

	// A push starts the next execution at once (CloudWatchEvent, as the
	// EventBridge rule would), which deploys the new commit.
	second := h.repos.push("app", "main", map[string]string{"main.go": "package main // v2\n"}, "second")
	var id2 string
	waitFor(t, "the push-started execution", func() bool {
		xs := h.executions("app")
		if len(xs) == 2 {
			id2 = xs[0].PipelineExecutionID
			return true
		}
		return false
	})
	x2 := h.exec("app", id2)
	if x2.Trigger.TriggerType != TriggerCloudWatchEvent || !strings.Contains(x2.Trigger.TriggerDetail, "arn:aws:events:us-east-1:123456789012:rule/") {
		t.Errorf("trigger: %+v", x2.Trigger)
	}
	if _, err := h.e.Approve(testCtx(), "app", "Approve", "Approval", false, ""); err != nil {
		// The approval may not be waiting yet.
		waitFor(t, "second approval", func() bool {
			_, err := h.e.Approve(testCtx(), "app", "Approve", "Approval", false, "")
			return err == nil
		})
	}
	h.waitStatus("app", id2, StatusSucceeded)
	x2 = h.exec("app", id2)
	if len(x2.ArtifactRevisions) != 1 || x2.ArtifactRevisions[0].RevisionID != second.NewCommit || x2.ArtifactRevisions[0].RevisionSummary != "second" {
		t.Errorf("revisions: %+v", x2.ArtifactRevisions)
	}
	if h.stacks.stack("app-stack").params["Commit"] != second.NewCommit {
		t.Errorf("stack not updated to the second commit")
	}
	// A failing build fails the execution at Build.
	h.repos.push("app", "main", map[string]string{"main.go": "package main // FAIL\n"}, "broken")
	var id3 string
	waitFor(t, "third execution", func() bool {
		xs := h.executions("app")
		if len(xs) == 3 {
			id3 = xs[0].PipelineExecutionID
			return true
		}
		return false
	})
	h.waitStatus("app", id3, StatusFailed)
	if x := h.exec("app", id3); !strings.Contains(x.StatusSummary, "Build terminated with state: FAILED") {
		t.Errorf("summary: %q", x.StatusSummary)
	}
	recs, err := h.e.Executions(testCtx(), "app", time.Time{})
	if err != nil || len(recs) != 3 {
		t.Fatalf("Executions: %v %d", err, len(recs))
	}
	if r := recs[1]; r.Status != StatusSucceeded || r.PushedAt.IsZero() || len(r.Revisions) != 1 || r.Revisions[0].Author != "Dev <dev@example.com>" || len(r.Stages) != 4 {
		t.Errorf("DORA record: %+v", r)
	}
	t.Log("\n" + h.dump("app"))
}
