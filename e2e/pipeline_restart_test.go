package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/skiff-dev/skiff/internal/datadir"
)

// slowBuild is the build the kill lands in; the odd duration lets the test
// find its process.
const slowBuild = "sleep 7.319"

// TestKill9DuringPipelineBuild kills skiff while a pipeline's CodeBuild
// action runs, restarts it on the same data directory, and checks that the
// execution does not stay InProgress: the interrupted build ends FAULT,
// the action and the execution fail with a reason that says why, the AWS
// CLI's get-pipeline-execution agrees, no build process is left, and the
// next push runs the pipeline normally.
func TestKill9DuringPipelineBuild(t *testing.T) {
	data := t.TempDir()
	p := start(t, data)
	env := newPipelineEnv(t, p)
	env.buildProject("slow", slowBuild)
	cp := env.buildPipeline("app", "slow", cptypes.ExecutionModeQueued)
	g := newGitRepo(t, p, "app")

	id := executionOf(t, cp, "app", g.push("f", "1", "first"))
	var buildID string
	waitFor(t, "the build to run its command", 20*time.Second, func() (bool, error) {
		// The running action's build id is in the pipeline state, as the
		// console's "Details" link shows it.
		st, err := stageState(cp, "app", "Build")
		if err != nil || len(st.ActionStates) == 0 || st.ActionStates[0].LatestExecution == nil {
			return false, err
		}
		buildID = aws.ToString(st.ActionStates[0].LatestExecution.ExternalExecutionId)
		if buildID == "" {
			return false, nil
		}
		b, err := codebuild.NewFromConfig(p.config()).BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{buildID}})
		if err != nil || len(b.Builds) != 1 {
			return false, err
		}
		return aws.ToString(b.Builds[0].CurrentPhase) == "BUILD" && len(processes(slowBuild)) > 0, nil
	})
	p.kill9()

	t0 := time.Now()
	p = start(t, data)
	cp = pipelineClient(p)
	x := waitEnded(t, cp, "app", id, 60*time.Second)
	t.Logf("execution %s %s %s after the restart: %s", id, x.Status, time.Since(t0).Round(time.Millisecond), aws.ToString(x.StatusSummary))

	// The build itself ended FAULT, as CodeBuild ends builds the service
	// lost, with the reason in its phase context.
	b, err := codebuild.NewFromConfig(p.config()).BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{buildID}})
	if err != nil || len(b.Builds) != 1 {
		t.Fatalf("build %s: %v", buildID, err)
	}
	build := b.Builds[0]
	if build.BuildStatus != cbtypes.StatusTypeFault || !build.BuildComplete {
		t.Errorf("build %s is %s (complete %v), want FAULT", buildID, build.BuildStatus, build.BuildComplete)
	}
	var contexts []string
	for _, ph := range build.Phases {
		for _, c := range ph.Contexts {
			contexts = append(contexts, string(ph.PhaseType)+": "+aws.ToString(c.Message))
		}
	}
	if !strings.Contains(strings.Join(contexts, "\n"), "skiff stopped while the build was running") {
		t.Errorf("the build's phase contexts do not say why it ended:\n%s", strings.Join(contexts, "\n"))
	}

	// The action and the execution failed, saying why.
	if x.Status != cptypes.PipelineExecutionStatusFailed {
		t.Fatalf("execution %s, want Failed (the build cannot be re-attached: it was killed with skiff)", x.Status)
	}
	if s := aws.ToString(x.StatusSummary); !strings.Contains(s, "Build") || !strings.Contains(s, "FAULT") {
		t.Errorf("execution summary %q does not name the failed action and the build's state", s)
	}
	runs, err := actionRuns(cp, "app", id)
	if err != nil {
		t.Fatal(err)
	}
	ba := runs["Build"]
	if ba.Status != cptypes.ActionExecutionStatusFailed || ba.Output == nil || ba.Output.ExecutionResult == nil ||
		aws.ToString(ba.Output.ExecutionResult.ExternalExecutionId) != buildID {
		t.Fatalf("Build action %s %+v", ba.Status, ba.Output)
	}
	st, err := stageState(cp, "app", "Build")
	if err != nil {
		t.Fatal(err)
	}
	if le := st.LatestExecution; le == nil || le.Status != cptypes.StageExecutionStatusFailed || aws.ToString(le.PipelineExecutionId) != id {
		t.Errorf("Build stage latest execution %+v, want %s Failed", le, id)
	}
	if ae := st.ActionStates[0].LatestExecution; ae == nil || ae.ErrorDetails == nil || aws.ToString(ae.ErrorDetails.Message) == "" {
		t.Errorf("Build action state has no error details: %+v", ae)
	} else {
		t.Logf("Build action error: %s: %s", aws.ToString(ae.ErrorDetails.Code), aws.ToString(ae.ErrorDetails.Message))
	}

	// The AWS CLI reads the same.
	if haveTool("aws") {
		out := awsCLI(t, p, "codepipeline", "get-pipeline-execution", "--pipeline-name", "app", "--pipeline-execution-id", id)
		var got struct {
			PipelineExecution struct{ Status, StatusSummary string }
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.PipelineExecution.Status != string(x.Status) || got.PipelineExecution.StatusSummary != aws.ToString(x.StatusSummary) {
			t.Errorf("aws codepipeline get-pipeline-execution: %+v, the SDK: %s %q", got.PipelineExecution, x.Status, aws.ToString(x.StatusSummary))
		}
	} else {
		requireTool(t, os.Getenv("SKIFF_REQUIRE_CLIENTS") == "", "the AWS CLI")
		t.Log("AWS CLI not installed: the CLI's view is not checked")
	}

	// Nothing of the build is left running.
	waitFor(t, "the interrupted build's process to be gone", 10*time.Second, func() (bool, error) {
		return len(processes(slowBuild)) == 0, nil
	})

	// The pipeline is not stuck: the next push builds and succeeds.
	g.moveTo(p)
	next := executionOf(t, cp, "app", g.push("f", "2", "second"))
	if x := waitEnded(t, cp, "app", next, 40*time.Second); x.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("the execution after the restart: %s (%s)", x.Status, aws.ToString(x.StatusSummary))
	}
}

func pipelineClient(p *proc) *codepipeline.Client { return codepipeline.NewFromConfig(p.config()) }

// processes lists the pids whose command line is cmdline (arguments
// separated by spaces).
func processes(cmdline string) []string {
	want := []byte(strings.ReplaceAll(cmdline, " ", "\x00"))
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && bytes.Equal(bytes.TrimRight(b, "\x00"), want) {
			out = append(out, filepath.Base(d))
		}
	}
	return out
}

// awsCLI runs the AWS CLI against p and returns its standard output.
func awsCLI(t *testing.T, p *proc, args ...string) []byte {
	t.Helper()
	id, err := datadir.ReadIdentity(p.data)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			base = append(base, kv)
		}
	}
	cmd.Env = append(base, "AWS_ACCESS_KEY_ID="+id.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+id.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_ENDPOINT_URL="+p.url,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}
