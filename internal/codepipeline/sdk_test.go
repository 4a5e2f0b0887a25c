package codepipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

var bg = context.Background()

func startSDK(t *testing.T) (*codepipeline.Client, *skifftest.Server, *harness) {
	t.Helper()
	h := newHarness(t)
	srv := skifftest.Start(t, h.e.Service())
	return codepipeline.NewFromConfig(srv.Config()), srv, h
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func sdkDecl(name string) *types.PipelineDeclaration {
	src := types.ActionTypeId{Category: types.ActionCategorySource, Owner: types.ActionOwnerAws, Provider: aws.String("CodeCommit"), Version: aws.String("1")}
	appr := types.ActionTypeId{Category: types.ActionCategoryApproval, Owner: types.ActionOwnerAws, Provider: aws.String("Manual"), Version: aws.String("1")}
	return &types.PipelineDeclaration{
		Name:          aws.String(name),
		RoleArn:       aws.String("arn:aws:iam::123456789012:role/pipeline"),
		ArtifactStore: &types.ArtifactStore{Type: types.ArtifactStoreTypeS3, Location: aws.String("artifacts")},
		PipelineType:  types.PipelineTypeV2,
		ExecutionMode: types.ExecutionModeQueued,
		Variables:     []types.PipelineVariableDeclaration{{Name: aws.String("Env"), DefaultValue: aws.String("dev")}},
		Stages: []types.StageDeclaration{
			{Name: aws.String("Source"), Actions: []types.ActionDeclaration{{Name: aws.String("Source"), ActionTypeId: &src,
				Namespace:       aws.String("SourceVariables"),
				Configuration:   map[string]string{"RepositoryName": "repo", "BranchName": "main"},
				OutputArtifacts: []types.OutputArtifact{{Name: aws.String("Src")}}}}},
			{Name: aws.String("Approve"), Actions: []types.ActionDeclaration{{Name: aws.String("Approval"), ActionTypeId: &appr,
				Configuration: map[string]string{"CustomData": "env #{variables.Env}"}}}},
		},
	}
}

func TestSDKPipelineLifecycle(t *testing.T) {
	c, _, h := startSDK(t)
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "first")
	out, err := c.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: sdkDecl("sdk"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Pipeline.Version != 1 || *out.Pipeline.Stages[0].Actions[0].RunOrder != 1 || len(out.Tags) != 1 {
		t.Fatalf("create: %+v", out.Pipeline)
	}
	_, err = c.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: sdkDecl("sdk")})
	var inUse *types.PipelineNameInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("duplicate create: %v", err)
	}
	bad := sdkDecl("bad")
	bad.Stages = bad.Stages[:1]
	_, err = c.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: bad})
	var structure *types.InvalidStructureException
	if !errors.As(err, &structure) || !strings.Contains(*structure.Message, "There should be a minimum of 2 stages") {
		t.Fatalf("one-stage pipeline: %v", err)
	}
	bad = sdkDecl("bad")
	bad.Stages[1].Actions[0].InputArtifacts = []types.InputArtifact{{Name: aws.String("Ghost")}}
	_, err = c.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: bad})
	var action *types.InvalidActionDeclarationException
	if !errors.As(err, &action) {
		t.Fatalf("dangling input: %v", err)
	}
	bad = sdkDecl("has space")
	if _, err := c.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: bad}); apiCode(err) != "ValidationException" {
		t.Fatalf("bad name: %v", err)
	}

	got, err := c.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("sdk")})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Metadata.PipelineArn != "arn:aws:codepipeline:us-east-1:123456789012:sdk" || got.Metadata.Created == nil || got.Pipeline.ExecutionMode != types.ExecutionModeQueued {
		t.Fatalf("get: %+v %+v", got.Metadata, got.Pipeline)
	}
	upd := got.Pipeline
	upd.Stages[1].Actions[0].Configuration["CustomData"] = "changed #{variables.Env}"
	uo, err := c.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: upd})
	if err != nil || *uo.Pipeline.Version != 2 {
		t.Fatalf("update: %v %v", uo, err)
	}
	v1, err := c.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("sdk"), Version: aws.Int32(1)})
	if err != nil || v1.Pipeline.Stages[1].Actions[0].Configuration["CustomData"] != "env #{variables.Env}" {
		t.Fatalf("version 1: %v %v", v1, err)
	}
	if _, err := c.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("sdk"), Version: aws.Int32(9)}); apiCode(err) != "PipelineVersionNotFoundException" {
		t.Fatalf("version 9: %v", err)
	}
	var notFound *types.PipelineNotFoundException
	if _, err := c.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("nope")}); !errors.As(err, &notFound) {
		t.Fatalf("missing: %v", err)
	}
	list, err := c.ListPipelines(bg, &codepipeline.ListPipelinesInput{})
	if err != nil || len(list.Pipelines) != 1 || *list.Pipelines[0].Version != 2 || list.Pipelines[0].PipelineType != types.PipelineTypeV2 {
		t.Fatalf("list: %+v %v", list, err)
	}

	// Executions: the create-started one waits at the approval.
	var first string
	waitFor(t, "approval", func() bool {
		st, err := c.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("sdk")})
		if err != nil {
			t.Fatal(err)
		}
		a := st.StageStates[1].ActionStates[0].LatestExecution
		if a != nil && a.Token != nil {
			first = *st.StageStates[1].LatestExecution.PipelineExecutionId
			return true
		}
		return false
	})
	st, _ := c.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("sdk")})
	token := st.StageStates[1].ActionStates[0].LatestExecution.Token
	if st.StageStates[0].ActionStates[0].CurrentRevision == nil || st.StageStates[1].InboundTransitionState == nil || !st.StageStates[1].InboundTransitionState.Enabled {
		t.Fatalf("state: %+v", st.StageStates)
	}
	if _, err := c.PutApprovalResult(bg, &codepipeline.PutApprovalResultInput{PipelineName: aws.String("sdk"), StageName: aws.String("Approve"),
		ActionName: aws.String("Approval"), Token: aws.String("00000000-0000-4000-8000-000000000000"),
		Result: &types.ApprovalResult{Status: types.ApprovalStatusApproved, Summary: aws.String("x")}}); apiCode(err) != "InvalidApprovalTokenException" {
		t.Fatalf("bad token: %v", err)
	}
	ar, err := c.PutApprovalResult(bg, &codepipeline.PutApprovalResultInput{PipelineName: aws.String("sdk"), StageName: aws.String("Approve"),
		ActionName: aws.String("Approval"), Token: token, Result: &types.ApprovalResult{Status: types.ApprovalStatusApproved, Summary: aws.String("ship it")}})
	if err != nil || ar.ApprovedAt == nil {
		t.Fatalf("approve: %v %v", ar, err)
	}
	h.waitStatus("sdk", first, StatusSucceeded)

	// Start with variables and a client request token (idempotent).
	s1, err := c.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("sdk"), ClientRequestToken: aws.String("tok-1"),
		Variables: []types.PipelineVariable{{Name: aws.String("Env"), Value: aws.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("sdk"), ClientRequestToken: aws.String("tok-1")})
	if err != nil || *s2.PipelineExecutionId != *s1.PipelineExecutionId {
		t.Fatalf("idempotent start: %v %v", s2, err)
	}
	if _, err := c.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("sdk"),
		Variables: []types.PipelineVariable{{Name: aws.String("Nope"), Value: aws.String("x")}}}); apiCode(err) != "ValidationException" {
		t.Fatalf("undeclared variable: %v", err)
	}
	ge, err := c.GetPipelineExecution(bg, &codepipeline.GetPipelineExecutionInput{PipelineName: aws.String("sdk"), PipelineExecutionId: s1.PipelineExecutionId})
	if err != nil {
		t.Fatal(err)
	}
	pe := ge.PipelineExecution
	if pe.Trigger.TriggerType != types.TriggerTypeStartPipelineExecution || *pe.Variables[0].ResolvedValue != "prod" || *pe.PipelineVersion != 2 || pe.ExecutionMode != types.ExecutionModeQueued {
		t.Fatalf("execution: %+v %+v", pe, pe.Trigger)
	}
	var ctoken *string
	waitFor(t, "second approval", func() bool {
		st, _ := c.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("sdk")})
		if a := st.StageStates[1].ActionStates[0].LatestExecution; a != nil && a.Token != nil && *st.StageStates[1].LatestExecution.PipelineExecutionId == *s1.PipelineExecutionId {
			ctoken = a.Token
			return true
		}
		return false
	})
	_ = ctoken
	if _, err := c.StopPipelineExecution(bg, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("sdk"), PipelineExecutionId: s1.PipelineExecutionId,
		Abandon: true, Reason: aws.String("changed my mind")}); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("sdk", *s1.PipelineExecutionId, StatusStopped)
	if ls, _ := c.ListPipelineExecutions(bg, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("sdk")}); ls.PipelineExecutionSummaries[0].StopTrigger == nil ||
		*ls.PipelineExecutionSummaries[0].StopTrigger.Reason != "changed my mind" {
		t.Fatalf("stop trigger %+v", ls.PipelineExecutionSummaries[0])
	}
	if _, err := c.StopPipelineExecution(bg, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("sdk"), PipelineExecutionId: s1.PipelineExecutionId}); apiCode(err) != "PipelineExecutionNotStoppableException" {
		t.Fatalf("stop a stopped execution: %v", err)
	}
	// The stopped approval stage can be retried.
	if _, err := c.RetryStageExecution(bg, &codepipeline.RetryStageExecutionInput{PipelineName: aws.String("sdk"), StageName: aws.String("Approve"),
		PipelineExecutionId: s1.PipelineExecutionId, RetryMode: types.StageRetryModeFailedActions}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retried approval", func() bool {
		_, err := h.e.Approve(testCtx(), "sdk", "Approve", "Approval", false, "")
		return err == nil
	})
	h.waitStatus("sdk", *s1.PipelineExecutionId, StatusSucceeded)

	le, err := c.ListPipelineExecutions(bg, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("sdk"), MaxResults: aws.Int32(1)})
	if err != nil || len(le.PipelineExecutionSummaries) != 1 || le.NextToken == nil {
		t.Fatalf("list executions page 1: %+v %v", le, err)
	}
	le2, err := c.ListPipelineExecutions(bg, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("sdk"), NextToken: le.NextToken})
	if err != nil || len(le2.PipelineExecutionSummaries) != 1 || *le2.PipelineExecutionSummaries[0].PipelineExecutionId != first {
		t.Fatalf("list executions page 2: %+v %v", le2, err)
	}
	if s := le.PipelineExecutionSummaries[0]; len(s.SourceRevisions) != 1 || *s.SourceRevisions[0].RevisionSummary != "first" {
		t.Fatalf("summary: %+v", s)
	}
	lf, err := c.ListPipelineExecutions(bg, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("sdk"),
		Filter: &types.PipelineExecutionFilter{SucceededInStage: &types.SucceededInStageFilter{StageName: aws.String("Approve")}}})
	if err != nil || len(lf.PipelineExecutionSummaries) != 2 {
		t.Fatalf("filtered: %d %v", len(lf.PipelineExecutionSummaries), err)
	}
	ae, err := c.ListActionExecutions(bg, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("sdk"),
		Filter: &types.ActionExecutionFilter{PipelineExecutionId: s1.PipelineExecutionId}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ae.ActionExecutionDetails); n != 3 {
		t.Fatalf("%d action executions (source, abandoned approval, retried approval)", n)
	}
	statuses := map[types.ActionExecutionStatus]int{}
	for _, d := range ae.ActionExecutionDetails {
		statuses[d.Status]++
		if *d.ActionName == "Source" && (d.Output.OutputArtifacts[0].S3location == nil || *d.Output.OutputArtifacts[0].S3location.Bucket != "artifacts") {
			t.Errorf("source output %+v", d.Output)
		}
		if *d.ActionName == "Approval" && d.Input.ResolvedConfiguration["CustomData"] != "changed prod" {
			t.Errorf("resolved configuration %v", d.Input.ResolvedConfiguration)
		}
	}
	if statuses[types.ActionExecutionStatusAbandoned] != 1 || statuses[types.ActionExecutionStatusSucceeded] != 2 {
		t.Errorf("statuses %v", statuses)
	}

	// Transitions.
	if _, err := c.DisableStageTransition(bg, &codepipeline.DisableStageTransitionInput{PipelineName: aws.String("sdk"), StageName: aws.String("Approve"),
		TransitionType: types.StageTransitionTypeInbound, Reason: aws.String("freeze")}); err != nil {
		t.Fatal(err)
	}
	st, _ = c.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("sdk")})
	if ts := st.StageStates[1].InboundTransitionState; ts.Enabled || *ts.DisabledReason != "freeze" {
		t.Fatalf("transition %+v", ts)
	}
	if _, err := c.EnableStageTransition(bg, &codepipeline.EnableStageTransitionInput{PipelineName: aws.String("sdk"), StageName: aws.String("Nope"),
		TransitionType: types.StageTransitionTypeInbound}); apiCode(err) != "StageNotFoundException" {
		t.Fatalf("unknown stage: %v", err)
	}

	// Tags.
	arn := aws.String("arn:aws:codepipeline:us-east-1:123456789012:sdk")
	if _, err := c.TagResource(bg, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("cost"), Value: aws.String("42")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(bg, &codepipeline.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(bg, &codepipeline.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "cost" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	if _, err := c.ListTagsForResource(bg, &codepipeline.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:codepipeline:us-east-1:123456789012:nope")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("tags of a missing pipeline: %v", err)
	}

	// Types.
	at, err := c.ListActionTypes(bg, &codepipeline.ListActionTypesInput{ActionOwnerFilter: types.ActionOwnerAws})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range at.ActionTypes {
		names = append(names, fmt.Sprintf("%s/%s", a.Id.Category, *a.Id.Provider))
	}
	want := "Approval/Manual Build/CodeBuild Deploy/CloudFormation Deploy/CodeDeploy Source/CodeCommit Source/CodeStarSourceConnection Source/S3 Test/CodeBuild"
	if strings.Join(names, " ") != want {
		t.Fatalf("action types %v", names)
	}
	gt, err := c.GetActionType(bg, &codepipeline.GetActionTypeInput{Category: types.ActionCategoryDeploy, Owner: aws.String("AWS"), Provider: aws.String("CloudFormation"), Version: aws.String("1")})
	if err != nil || gt.ActionType.OutputArtifactDetails.MaximumCount != 1 {
		t.Fatalf("get action type %+v %v", gt, err)
	}
	if _, err := c.GetActionType(bg, &codepipeline.GetActionTypeInput{Category: types.ActionCategoryDeploy, Owner: aws.String("AWS"), Provider: aws.String("Nope"), Version: aws.String("1")}); apiCode(err) != "ActionTypeNotFoundException" {
		t.Fatalf("missing type: %v", err)
	}
	rt, err := c.ListRuleTypes(bg, &codepipeline.ListRuleTypesInput{})
	if err != nil || len(rt.RuleTypes) != 3 {
		t.Fatalf("rule types %+v %v", rt, err)
	}

	if _, err := c.DeletePipeline(bg, &codepipeline.DeletePipelineInput{Name: aws.String("sdk")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePipeline(bg, &codepipeline.DeletePipelineInput{Name: aws.String("sdk")}); err != nil {
		t.Fatalf("deleting a deleted pipeline: %v", err)
	}
	if _, err := c.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("sdk")}); !errors.As(err, &notFound) {
		t.Fatalf("state of a deleted pipeline: %v", err)
	}
}

func TestSDKRollbackStage(t *testing.T) {
	c, _, h := startSDK(t)
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "good")
	h.create(pipelineJSON("rbs", ModeQueued, fmt.Sprintf(deployStage, "")))
	x1 := h.nthExecution("rbs", 1)
	h.waitStatus("rbs", x1, StatusSucceeded)
	h.repos.push("repo", "main", map[string]string{"a": "2"}, "next")
	x2 := h.nthExecution("rbs", 2)
	h.waitStatus("rbs", x2, StatusSucceeded)
	out, err := c.RollbackStage(bg, &codepipeline.RollbackStageInput{PipelineName: aws.String("rbs"), StageName: aws.String("Deploy"), TargetPipelineExecutionId: aws.String(x1)})
	if err != nil {
		t.Fatal(err)
	}
	h.waitStatus("rbs", *out.PipelineExecutionId, StatusSucceeded)
	ge, _ := c.GetPipelineExecution(bg, &codepipeline.GetPipelineExecutionInput{PipelineName: aws.String("rbs"), PipelineExecutionId: out.PipelineExecutionId})
	if ge.PipelineExecution.ExecutionType != types.ExecutionTypeRollback || *ge.PipelineExecution.RollbackMetadata.RollbackTargetPipelineExecutionId != x1 ||
		ge.PipelineExecution.Trigger.TriggerType != types.TriggerTypeManualRollback {
		t.Fatalf("rollback %+v", ge.PipelineExecution)
	}
	if _, err := c.RollbackStage(bg, &codepipeline.RollbackStageInput{PipelineName: aws.String("rbs"), StageName: aws.String("Deploy"),
		TargetPipelineExecutionId: aws.String("00000000-0000-4000-8000-000000000000")}); apiCode(err) != "PipelineExecutionNotFoundException" {
		t.Fatalf("missing target: %v", err)
	}
}
