package codepipeline

import (
	"strings"
	"testing"
)

const buildStage = `{"name": "Build", "actions": [{"name": "Build", "namespace": "BuildVariables",
      "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
      "configuration": {"ProjectName": "slow"},
      "inputArtifacts": [{"name": "Src"}], "outputArtifacts": [{"name": "Built"}]}]}`

func slowBuild(src, env map[string]string) (map[string]string, map[string]string, string) {
	return map[string]string{"app": "built from " + src["a"]}, map[string]string{"BUILT": src["a"]}, "SUCCEEDED"
}

// TestRestartReattachesBuildAndApproval kills the engine (no further
// writes, like kill -9) while a build runs and again while an approval
// waits: the build is followed again, not re-run; the approval keeps its
// token; the execution completes; no artifact is lost.
func TestRestartReattachesBuildAndApproval(t *testing.T) {
	h := newHarness(t)
	h.builds.projects["slow"] = slowBuild
	gate := make(chan struct{})
	h.builds.gate = gate
	h.repos.push("repo", "main", map[string]string{"a": "v1"}, "A")
	h.create(pipelineJSON("durable", ModeQueued, buildStage, `{"name": "Approve", "actions": [{"name": "Approval",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]}`,
		`{"name": "Ship", "actions": [{"name": "Ship", "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "inputArtifacts": [{"name": "Built"}], "configuration": {"Message": "#{BuildVariables.BUILT}"}}]}`))
	id := h.nthExecution("durable", 1)
	waitFor(t, "the build to start", func() bool {
		st, _ := h.e.GetPipelineState(testCtx(), "durable")
		a := st.StageStates[1].ActionStates[0].LatestExecution
		return a != nil && a.ExternalExecutionID != ""
	})
	// A second push queues behind it.
	h.repos.push("repo", "main", map[string]string{"a": "v2"}, "B")
	b := h.nthExecution("durable", 2)
	waitFor(t, "B at Build's boundary", func() bool {
		in := h.e.inbound(pipelineKey(testScope.AccountID, testScope.Region, "durable"), "Build")
		return len(in) == 1 && in[0] == b
	})

	h.restart()
	st, _ := h.e.GetPipelineState(testCtx(), "durable")
	if in := st.StageStates[1].InboundExecutions; len(in) != 1 || in[0].PipelineExecutionID != b {
		t.Fatalf("after restart, waiting at Build: %+v", in)
	}
	close(gate)
	var token string
	waitFor(t, "the approval", func() bool {
		st, _ := h.e.GetPipelineState(testCtx(), "durable")
		if a := st.StageStates[2].ActionStates[0].LatestExecution; a != nil && st.StageStates[2].LatestExecution.PipelineExecutionID == id {
			token = a.Token
		}
		return token != ""
	})
	h.restart()
	if _, err := h.e.PutApprovalResult(testCtx(), "durable", "Approve", "Approval", token, "Approved", "after restart"); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("durable", id, StatusSucceeded)
	if a := h.attempts("durable", id); a["Build"] != 1 {
		t.Errorf("build attempts %v", a)
	}
	h.builds.mu.Lock()
	started := h.builds.n
	h.builds.mu.Unlock()
	if started > 2 {
		t.Errorf("%d builds started; a restart must follow the running build, not start another", started)
	}
	ds, _, _ := h.e.ListActionExecutions(testCtx(), "durable", id, 0, "")
	for _, d := range ds {
		if d.ActionName == "Ship" && d.Input.ResolvedConfiguration["Message"] != "v1" {
			t.Errorf("Ship saw %q", d.Input.ResolvedConfiguration["Message"])
		}
		if d.ActionName == "Build" {
			out := d.Output.OutputArtifacts[0].S3Location
			if files := unzip(t, h.objects.get(out.Bucket, out.Key)); files["app"] != "built from v1" {
				t.Errorf("build artifact %v", files)
			}
		}
	}
	// The queued execution goes on.
	waitFor(t, "B's approval", func() bool {
		_, err := h.e.Approve(testCtx(), "durable", "Approve", "Approval", false, "")
		return err == nil
	})
	h.waitStatus("durable", b, StatusSucceeded)
}

// TestRestartFailsUnresumableAction: an action whose provider cannot
// resume is failed with a clear reason, and the execution fails by the
// usual rules (here: it can be retried).
func TestRestartFailsUnresumableAction(t *testing.T) {
	h := newHarness(t)
	h.noop.block = make(chan struct{})
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	h.create(pipelineJSON("fragile", ModeSuperseded, `{"name": "Work", "actions": [`+noop("Work", 1, "")+`]}`))
	id := h.nthExecution("fragile", 1)
	waitFor(t, "Work running", func() bool {
		_, acts := h.stageOf("fragile", id, "Work")
		return acts["Work"] == StatusInProgress
	})
	h.noop.mu.Lock()
	h.noop.block = nil
	h.noop.mu.Unlock()
	h.restart()
	h.waitStatus("fragile", id, StatusFailed)
	ds, _, _ := h.e.ListActionExecutions(testCtx(), "fragile", id, 0, "")
	var msg string
	for _, d := range ds {
		if d.ActionName == "Work" {
			msg = d.Output.ExecutionResult.ErrorDetails.Message
		}
	}
	if !strings.Contains(msg, "skiff restarted while the action was in progress") {
		t.Fatalf("failure reason %q", msg)
	}
	if _, err := h.e.RetryStageExecution(testCtx(), "fragile", "Work", id, "FAILED_ACTIONS"); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("fragile", id, StatusSucceeded)
}

// TestRestartResumesWaitingAndStopping: a stop requested before the
// restart completes after it.
func TestRestartResumesStopping(t *testing.T) {
	h := newHarness(t)
	h.builds.projects["slow"] = slowBuild
	gate := make(chan struct{})
	h.builds.gate = gate
	h.repos.push("repo", "main", map[string]string{"a": "v1"}, "A")
	h.create(pipelineJSON("stopme", ModeQueued, buildStage, `{"name": "After", "actions": [`+noop("After", 1, "")+`]}`))
	id := h.nthExecution("stopme", 1)
	waitFor(t, "build", func() bool {
		st, _ := h.e.GetPipelineState(testCtx(), "stopme")
		a := st.StageStates[1].ActionStates[0].LatestExecution
		return a != nil && a.ExternalExecutionID != ""
	})
	if _, err := h.e.StopPipelineExecution(testCtx(), "stopme", id, false, "wait for it"); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if x := h.exec("stopme", id); x.Status != StatusStopping {
		t.Fatalf("after restart %s", x.Status)
	}
	close(gate)
	h.waitStatus("stopme", id, StatusStopped)
	if st, acts := h.stageOf("stopme", id, "Build"); st != StatusSucceeded && st != StatusStopped || acts["Build"] != StatusSucceeded {
		t.Errorf("Build %s %v", st, acts)
	}
	if st, _ := h.stageOf("stopme", id, "After"); st != "" {
		t.Errorf("After ran: %s", st)
	}
}
