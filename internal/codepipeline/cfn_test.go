package codepipeline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func cfnProps(t *testing.T, js string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

const cfnPipelineProps = `{
  "RoleArn": "arn:aws:iam::123456789012:role/p",
  "PipelineType": "V2",
  "ExecutionMode": "QUEUED",
  "ArtifactStore": {"Type": "S3", "Location": "bucket"},
  "Variables": [{"Name": "Env", "DefaultValue": "dev"}],
  "Triggers": [{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {"SourceActionName": "Source",
     "Push": [{"Branches": {"Includes": ["main", "release/*"]}}]}}],
  "Stages": [
    {"Name": "Source", "Actions": [{"Name": "Source",
      "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection", "Version": "1"},
      "Configuration": {"ConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/c", "FullRepositoryId": "o/r", "BranchName": "main", "DetectChanges": false},
      "OutputArtifacts": [{"Name": "Src"}], "RunOrder": "1"}]},
    {"Name": "Build", "Actions": [{"Name": "Build",
      "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
      "Configuration": {"ProjectName": "p"}, "InputArtifacts": [{"Name": "Src"}]}],
     "OnFailure": {"Result": "RETRY"}}
  ],
  "Tags": [{"Key": "team", "Value": "web"}]
}`

func TestPipelineProviderConformance(t *testing.T) {
	h := newHarness(t)
	create := cfnProps(t, cfnPipelineProps)
	update := cfnProps(t, cfnPipelineProps)
	update["ExecutionMode"] = "PARALLEL"
	update["Stages"].([]any)[1].(map[string]any)["OnFailure"] = map[string]any{"Result": "RETRY", "RetryConfiguration": map[string]any{"RetryMode": "ALL_ACTIONS"}}
	update["DisableInboundStageTransitions"] = []any{map[string]any{"StageName": "Build", "Reason": "freeze"}}
	update["RestartExecutionOnUpdate"] = true
	replace := cfnProps(t, cfnPipelineProps)
	replace["Name"] = "explicit-name"
	providertest.Run(t, h.e.Providers()[0], providertest.Case{
		Create: create, Update: update, Replace: replace,
		Check: func(t *testing.T, _ context.Context, id string, props map[string]any) {
			d, _, err := h.e.GetPipeline(testCtx(), id, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d.ExecutionMode != props["ExecutionMode"] || d.Stages[0].Actions[0].Configuration["DetectChanges"] != "false" {
				t.Errorf("pipeline %s: mode %s config %v", id, d.ExecutionMode, d.Stages[0].Actions[0].Configuration)
			}
			tags, _ := h.e.ListTagsForResource(testCtx(), "arn:aws:codepipeline:us-east-1:123456789012:"+id)
			if len(tags) != 1 || tags[0].Key != "team" {
				t.Errorf("tags %v", tags)
			}
		},
		Gone: func(t *testing.T, _ context.Context, id string) {
			if _, _, err := h.e.GetPipeline(testCtx(), id, 0); !ErrPipelineNotFound.Is(err) {
				t.Errorf("pipeline %s still exists: %v", id, err)
			}
		},
	})
}
