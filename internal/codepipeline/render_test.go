package codepipeline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRenderPipelineGolden(t *testing.T) {
	t0 := time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	v := &PipelineView{Name: "app", Version: 3, Type: "V2", Mode: "QUEUED", Now: at(95),
		Stages: []StageView{
			{Name: "Source", Status: StatusSucceeded, ExecutionID: "5b1f0c2e-0000-4000-8000-000000000001", Start: at(0), End: at(1),
				Actions: []ActionView{{Name: "Source", Provider: "CodeCommit", Status: StatusSucceeded, Start: at(0), End: at(1), Revision: "a1b2c3d", Summary: "Fix login redirect"}}},
			{Name: "Build", Status: StatusSucceeded, ExecutionID: "5b1f0c2e-0000-4000-8000-000000000001", Start: at(1), End: at(63), Retries: 1,
				Actions: []ActionView{
					{Name: "Build", Provider: "CodeBuild", Status: StatusSucceeded, Start: at(1), End: at(50), ExternalID: "app-build:7c9e"},
					{Name: "Lint", Provider: "CodeBuild", Status: StatusFailed, Start: at(1), End: at(20), ExternalID: "app-lint:1d2e", Error: "Build terminated with state: FAILED"}}},
			{Name: "Approve", Status: StatusInProgress, ExecutionID: "5b1f0c2e-0000-4000-8000-000000000001", Start: at(63), Disabled: true, DisabledReason: "release freeze",
				Waiting:    []string{"9f8e7d6c-0000-4000-8000-000000000002"},
				Conditions: []string{"beforeEntry Succeeded: All rules passed"},
				Actions:    []ActionView{{Name: "Approval", Provider: "Manual", Status: StatusInProgress, Start: at(63), AwaitingApproval: true}}},
			{Name: "Deploy", Actions: []ActionView{{Name: "Deploy", Provider: "CloudFormation"}}},
		},
		Executions: []ExecutionView{
			{ID: "9f8e7d6c-0000-4000-8000-000000000002", Status: StatusInProgress, TriggerType: TriggerWebhookV2, Start: at(90), Revision: "e4f5a6b Add metrics"},
			{ID: "5b1f0c2e-0000-4000-8000-000000000001", Status: StatusInProgress, TriggerType: TriggerCloudWatchEvent, Start: at(0), Revision: "a1b2c3d Fix login redirect", Author: "Dev <dev@example.com>"},
			{ID: "11112222-0000-4000-8000-000000000000", Status: StatusSucceeded, Type: TypeRollback, TriggerType: TriggerAutomatedRollback, Start: at(-600), End: at(-540)},
		}}
	var b bytes.Buffer
	RenderPipeline(&b, v, false)
	golden(t, "show.golden", b.Bytes())
	var live bytes.Buffer
	RenderPipeline(&live, v, true)
	if !strings.HasPrefix(live.String(), ansiClear) || !strings.Contains(live.String(), "\x1b[32m") {
		t.Error("the live view neither clears the screen nor colors statuses")
	}
	var ls bytes.Buffer
	RenderPipelineList(&ls, []PipelineListEntry{{Name: "app", Type: "V2", Mode: "QUEUED", Version: 3, LatestID: v.Executions[0].ID,
		LatestStatus: StatusInProgress, LatestTrigger: TriggerWebhookV2, LatestStart: at(90), LatestRevision: "e4f5a6b Add metrics"},
		{Name: "empty", Type: "V1", Mode: "SUPERSEDED", Version: 1}}, at(95))
	golden(t, "ls.golden", ls.Bytes())
}
