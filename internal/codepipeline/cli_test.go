package codepipeline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	return srv.AWSCLI(t, args...)
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, err := awsCLI(t, srv, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	return m
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCLIRoundTrip: create-pipeline from a JSON file; get-pipeline's output
// fed back to update-pipeline --cli-input-json (as AWS documents, the
// metadata must go first: the CLI itself refuses it); then an execution
// driven and inspected with the CLI.
func TestCLIRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	h := newHarness(t)
	srv := skifftest.Start(t, h.e.Service())
	dir := t.TempDir()
	h.builds.projects["app-build"] = appBuild
	h.repos.push("app", "main", map[string]string{"main.go": "package main\n"}, "initial")

	var d map[string]any
	json.Unmarshal([]byte(strings.Replace(appPipeline, "%s", "QUEUED", 1)), &d)
	writeJSON(t, filepath.Join(dir, "create.json"), map[string]any{"pipeline": d, "tags": []any{map[string]any{"key": "team", "value": "web"}}})
	out := mustCLI(t, srv, "codepipeline", "create-pipeline", "--cli-input-json", "file://"+filepath.Join(dir, "create.json"))
	if p := out["pipeline"].(map[string]any); p["version"] != float64(1) || p["name"] != "app" {
		t.Fatalf("create-pipeline: %v", out)
	}

	// The create-started execution is approved here so the queue moves.
	first := h.nthExecution("app", 1)
	waitFor(t, "first approval", func() bool {
		_, err := h.e.Approve(testCtx(), "app", "Approve", "Approval", false, "")
		return err == nil
	})
	h.waitStatus("app", first, StatusSucceeded)

	got := mustCLI(t, srv, "codepipeline", "get-pipeline", "--name", "app")
	meta, ok := got["metadata"].(map[string]any)
	if !ok || meta["pipelineArn"] != "arn:aws:codepipeline:us-east-1:123456789012:app" {
		t.Fatalf("get-pipeline metadata: %v", got["metadata"])
	}
	pjson := filepath.Join(dir, "p.json")
	writeJSON(t, pjson, got)
	// With metadata, the CLI refuses the file before any request is sent,
	// exactly as against AWS.
	_, stderr, err := awsCLI(t, srv, "codepipeline", "update-pipeline", "--cli-input-json", "file://"+pjson)
	if err == nil || !strings.Contains(stderr, `Unknown parameter in input: "metadata"`) {
		t.Fatalf("update with metadata: %v\n%s", err, stderr)
	}
	delete(got, "metadata")
	writeJSON(t, pjson, got)
	upd := mustCLI(t, srv, "codepipeline", "update-pipeline", "--cli-input-json", "file://"+pjson)
	up := upd["pipeline"].(map[string]any)
	if up["version"] != float64(2) {
		t.Fatalf("update-pipeline version: %v", up["version"])
	}
	// The round trip changes nothing but the version.
	before, _ := json.Marshal(got["pipeline"])
	up["version"] = float64(1)
	after, _ := json.Marshal(up)
	if string(before) != string(after) {
		t.Fatalf("round trip changed the pipeline:\n%s\n%s", before, after)
	}

	start := mustCLI(t, srv, "codepipeline", "start-pipeline-execution", "--name", "app", "--variables", "name=Env,value=prod")
	id := start["pipelineExecutionId"].(string)
	var token string
	waitFor(t, "the approval", func() bool {
		st, err := h.e.GetPipelineState(testCtx(), "app")
		if err != nil {
			t.Fatal(err)
		}
		if le := st.StageStates[2].LatestExecution; le != nil && le.PipelineExecutionID == id {
			if a := st.StageStates[2].ActionStates[0].LatestExecution; a != nil {
				token = a.Token
			}
		}
		return token != ""
	})
	state := mustCLI(t, srv, "codepipeline", "get-pipeline-state", "--name", "app")
	stages := state["stageStates"].([]any)
	appr := stages[2].(map[string]any)["actionStates"].([]any)[0].(map[string]any)["latestExecution"].(map[string]any)
	if appr["token"] != token || appr["status"] != "InProgress" {
		t.Fatalf("get-pipeline-state approval: %v", appr)
	}
	mustCLI(t, srv, "codepipeline", "put-approval-result", "--pipeline-name", "app", "--stage-name", "Approve", "--action-name", "Approval",
		"--result", "summary=ship it,status=Approved", "--token", token)
	h.waitStatus("app", id, StatusSucceeded)

	ae := mustCLI(t, srv, "codepipeline", "list-action-executions", "--pipeline-name", "app", "--filter", "pipelineExecutionId="+id)
	details := ae["actionExecutionDetails"].([]any)
	if len(details) != 4 {
		t.Fatalf("list-action-executions: %d details", len(details))
	}
	for _, x := range details {
		d := x.(map[string]any)
		if d["status"] != "Succeeded" || d["pipelineExecutionId"] != id {
			t.Errorf("detail %v", d)
		}
		if d["actionName"] == "Build" {
			in := d["input"].(map[string]any)
			if !strings.Contains(in["resolvedConfiguration"].(map[string]any)["EnvironmentVariables"].(string), `"value":"prod"`) {
				t.Errorf("resolved configuration %v", in["resolvedConfiguration"])
			}
			loc := in["inputArtifacts"].([]any)[0].(map[string]any)["s3location"].(map[string]any)
			if loc["bucket"] != "artifacts-bucket" || !strings.HasPrefix(loc["key"].(string), "app/SourceOutp/") {
				t.Errorf("input artifact location %v", loc)
			}
		}
	}
	ex := mustCLI(t, srv, "codepipeline", "get-pipeline-execution", "--pipeline-name", "app", "--pipeline-execution-id", id)
	pe := ex["pipelineExecution"].(map[string]any)
	if pe["status"] != "Succeeded" || pe["pipelineVersion"] != float64(2) || pe["trigger"].(map[string]any)["triggerType"] != "StartPipelineExecution" {
		t.Fatalf("get-pipeline-execution %v", pe)
	}
	_, stderr, err = awsCLI(t, srv, "codepipeline", "get-pipeline", "--name", "missing")
	if err == nil || !strings.Contains(stderr, "PipelineNotFoundException") {
		t.Fatalf("missing pipeline: %v %s", err, stderr)
	}
}
