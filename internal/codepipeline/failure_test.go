package codepipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
)

const sourceStage = `{"name": "Source", "actions": [{"name": "Source", "namespace": "SourceVariables",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
      "configuration": {"RepositoryName": "repo", "BranchName": "main"},
      "outputArtifacts": [{"name": "Src"}]}]}`

func noop(name string, runOrder int, extra string) string {
	return fmt.Sprintf(`{"name": %q, "runOrder": %d,
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "inputArtifacts": [{"name": "Src"}]%s}`, name, runOrder, extra)
}

func pipelineJSON(name, mode string, stages ...string) string {
	return fmt.Sprintf(`{"name": %q, "roleArn": "arn:aws:iam::123456789012:role/p",
  "artifactStore": {"type": "S3", "location": "bucket"}, "pipelineType": "V2", "executionMode": %q,
  "stages": [%s]}`, name, mode, strings.Join(append([]string{sourceStage}, stages...), ","))
}

// nthExecution waits for a pipeline's n-th execution and returns its id.
func (h *harness) nthExecution(name string, n int) string {
	h.t.Helper()
	var id string
	waitFor(h.t, fmt.Sprintf("%d executions of %s", n, name), func() bool {
		xs := h.executions(name)
		if len(xs) >= n {
			// The n-th execution, not the newest: a later one (a
			// rollback) may already have started.
			id = xs[len(xs)-n].PipelineExecutionID
			return true
		}
		return false
	})
	return id
}

func (h *harness) attempts(name, id string) map[string]int {
	h.t.Helper()
	ds, _, err := h.e.ListActionExecutions(testCtx(), name, id, 100, "")
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range ds {
		out[d.ActionName]++
	}
	return out
}

func TestAutomaticStageRetry(t *testing.T) {
	for _, mode := range []string{"FAILED_ACTIONS", "ALL_ACTIONS"} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t)
			h.noop.fail["Flaky"] = 1
			h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
			h.create(pipelineJSON("retry", ModeSuperseded, `{"name": "Work", "actions": [`+noop("Flaky", 1, "")+`,`+noop("Stable", 1, "")+`,`+noop("Final", 2, "")+`],
      "onFailure": {"result": "RETRY", "retryConfiguration": {"retryMode": "`+mode+`"}}}`))
			id := h.nthExecution("retry", 1)
			h.waitStatus("retry", id, StatusSucceeded)
			got := h.attempts("retry", id)
			want := map[string]int{"Source": 1, "Flaky": 2, "Stable": 1, "Final": 1}
			if mode == "ALL_ACTIONS" {
				want["Stable"] = 2
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("attempts %v, want %v", got, want)
			}
			st, _ := h.e.GetPipelineState(testCtx(), "retry")
			md := st.StageStates[1].RetryStageMetadata
			if md == nil || md.AutoStageRetryAttempt == nil || *md.AutoStageRetryAttempt != 1 || md.LatestRetryTrigger != "AutomatedStageRetry" {
				t.Errorf("retry metadata %+v", md)
			}
		})
	}
	t.Run("retried once only", func(t *testing.T) {
		h := newHarness(t)
		h.noop.fail["Flaky"] = 2
		h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
		h.create(pipelineJSON("retry", ModeSuperseded, `{"name": "Work", "actions": [`+noop("Flaky", 1, "")+`], "onFailure": {"result": "RETRY"}}`))
		id := h.nthExecution("retry", 1)
		h.waitStatus("retry", id, StatusFailed)
		if n := h.attempts("retry", id)["Flaky"]; n != 2 {
			t.Errorf("%d attempts, want 2", n)
		}
	})
}

func TestManualStageRetry(t *testing.T) {
	h := newHarness(t)
	h.noop.fail["Flaky"] = 1
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	h.create(pipelineJSON("manual", ModeSuperseded, `{"name": "Work", "actions": [`+noop("Flaky", 1, "")+`,`+noop("Stable", 1, "")+`]}`, `{"name": "After", "actions": [`+noop("After", 1, "")+`]}`))
	id := h.nthExecution("manual", 1)
	h.waitStatus("manual", id, StatusFailed)
	if _, err := h.e.RetryStageExecution(testCtx(), "manual", "After", id, "FAILED_ACTIONS"); !errStageNotRetryable.Is(err) {
		t.Fatalf("retrying a stage that never ran: %v", err)
	}
	if _, err := h.e.RetryStageExecution(testCtx(), "manual", "Work", newUUID(), "FAILED_ACTIONS"); !ErrPipelineExecutionNotFound.Is(err) && !errNotLatestExecution.Is(err) {
		t.Fatalf("unknown execution: %v", err)
	}
	got, err := h.e.RetryStageExecution(testCtx(), "manual", "Work", id, "FAILED_ACTIONS")
	if err != nil || got != id {
		t.Fatalf("retry: %v %v", got, err)
	}
	h.waitStatus("manual", id, StatusSucceeded)
	if a := h.attempts("manual", id); a["Flaky"] != 2 || a["Stable"] != 1 || a["After"] != 1 {
		t.Errorf("attempts %v", a)
	}
	st, _ := h.e.GetPipelineState(testCtx(), "manual")
	if md := st.StageStates[1].RetryStageMetadata; md == nil || *md.ManualStageRetryAttempt != 1 || md.LatestRetryTrigger != "ManualStageRetry" {
		t.Errorf("metadata %+v", md)
	}
	// Only the latest execution of a stage can be retried.
	h.noop.mu.Lock()
	h.noop.fail["Flaky"] = 2
	h.noop.mu.Unlock()
	h.repos.push("repo", "main", map[string]string{"a": "2"}, "B")
	b := h.nthExecution("manual", 2)
	h.waitStatus("manual", b, StatusFailed)
	h.repos.push("repo", "main", map[string]string{"a": "3"}, "C")
	c := h.nthExecution("manual", 3)
	h.waitStatus("manual", c, StatusFailed)
	if _, err := h.e.RetryStageExecution(testCtx(), "manual", "Work", b, "ALL_ACTIONS"); !errNotLatestExecution.Is(err) {
		t.Fatalf("retrying an older execution: %v", err)
	}
	if _, err := h.e.RetryStageExecution(testCtx(), "manual", "Work", c, "ALL_ACTIONS"); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("manual", c, StatusSucceeded)
}

const deployStage = `{"name": "Deploy", "actions": [{"name": "Deployer", "namespace": "DeployVars",
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "configuration": {"Message": "deploy #{SourceVariables.CommitId}", "Var": "#{SourceVariables.CommitId}"},
      "inputArtifacts": [{"name": "Src"}], "outputArtifacts": [{"name": "Deployed"}]}]%s}`

func TestRollback(t *testing.T) {
	h := newHarness(t)
	c1 := h.repos.push("repo", "main", map[string]string{"a": "1"}, "good")
	h.create(pipelineJSON("rb", ModeQueued, fmt.Sprintf(deployStage, `, "onFailure": {"result": "ROLLBACK"}`)))
	x1 := h.nthExecution("rb", 1)
	h.waitStatus("rb", x1, StatusSucceeded)

	h.noop.mu.Lock()
	h.noop.fail["Deployer"] = 1
	h.noop.mu.Unlock()
	c2 := h.repos.push("repo", "main", map[string]string{"a": "2"}, "bad")
	x2 := h.nthExecution("rb", 2)
	h.waitStatus("rb", x2, StatusFailed)
	x3 := h.nthExecution("rb", 3)
	h.waitStatus("rb", x3, StatusSucceeded)
	rb := h.exec("rb", x3)
	if rb.ExecutionType != TypeRollback || rb.Trigger.TriggerType != TriggerAutomatedRollback || rb.RollbackMetadata == nil || rb.RollbackMetadata.RollbackTargetPipelineExecutionID != x1 {
		t.Fatalf("rollback execution %+v %+v %+v", rb, rb.Trigger, rb.RollbackMetadata)
	}
	if len(rb.ArtifactRevisions) != 1 || rb.ArtifactRevisions[0].RevisionID != c1.NewCommit {
		t.Errorf("rollback revisions %+v, want %s (not %s)", rb.ArtifactRevisions, c1.NewCommit, c2.NewCommit)
	}
	if a := h.attempts("rb", x3); fmt.Sprint(a) != "map[Deployer:1]" {
		t.Errorf("rollback ran %v", a)
	}
	ds, _, _ := h.e.ListActionExecutions(testCtx(), "rb", x3, 0, "")
	if got := ds[0].Input.ResolvedConfiguration["Message"]; got != "deploy "+c1.NewCommit {
		t.Errorf("rollback deployed %q", got)
	}
	st, _ := h.e.GetPipelineState(testCtx(), "rb")
	if le := st.StageStates[1].LatestExecution; le.PipelineExecutionID != x3 || le.Type != TypeRollback || le.Status != StatusSucceeded {
		t.Errorf("Deploy latest execution %+v", le)
	}
	// Manual rollback, and what cannot be a target.
	if _, err := h.e.RollbackStage(testCtx(), "rb", "Deploy", x3); !errUnableToRollback.Is(err) {
		t.Errorf("rollback to a rollback: %v", err)
	}
	if _, err := h.e.RollbackStage(testCtx(), "rb", "Deploy", x2); !errUnableToRollback.Is(err) {
		t.Errorf("rollback to a failed execution: %v", err)
	}
	if _, err := h.e.RollbackStage(testCtx(), "rb", "Source", x1); !errUnableToRollback.Is(err) {
		t.Errorf("rollback of the source stage: %v", err)
	}
	x4, err := h.e.RollbackStage(testCtx(), "rb", "Deploy", x1)
	if err != nil {
		t.Fatal(err)
	}
	h.waitStatus("rb", x4, StatusSucceeded)
	if x := h.exec("rb", x4); x.Trigger.TriggerType != TriggerManualRollback {
		t.Errorf("trigger %+v", x.Trigger)
	}
	recs, _ := h.e.Executions(testCtx(), "rb", time.Time{})
	if recs[0].Type != TypeRollback || recs[0].RollbackTarget != x1 {
		t.Errorf("DORA record %+v", recs[0])
	}
}

func rule(provider, cfg string) string {
	return fmt.Sprintf(`{"name": "R%s", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": %q, "version": "1"}, "configuration": %s}`, provider, provider, cfg)
}

func TestStageConditions(t *testing.T) {
	now := time.Now().UTC()
	soon := now.Add(2 * time.Minute)
	cases := []struct {
		name, cond  string
		alarm       string
		wantExec    string
		wantStage   string
		wantSummary string
	}{
		{"entry variable check passes", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("VariableCheck", `{"Variable": "#{SourceVariables.BranchName}", "Operator": "EQ", "Value": "main"}`) + `]}]}`,
			"", StatusSucceeded, StatusSucceeded, ""},
		{"entry variable check fails the stage", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("VariableCheck", `{"Variable": "#{SourceVariables.CommitMessage}", "Operator": "CONTAINS", "Value": "release"}`) + `]}]}`,
			"", StatusFailed, StatusFailed, "The entry condition of stage Deploy failed"},
		{"entry variable check skips the stage", `"beforeEntry": {"conditions": [{"result": "SKIP", "rules": [` + rule("VariableCheck", `{"Variable": "#{SourceVariables.CommitMessage}", "Operator": "MATCHES", "Value": "^release"}`) + `]}]}`,
			"", StatusSucceeded, StatusSkipped, ""},
		{"deployment window open", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("DeploymentWindow", `{"Cron": "* * * ? * * *"}`) + `]}]}`,
			"", StatusSucceeded, StatusSucceeded, ""},
		{"deployment window opens soon (scaled wait)", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("DeploymentWindow", fmt.Sprintf(`{"Cron": "* %d %d ? * * *", "TimeZone": "UTC"}`, soon.Minute(), soon.Hour())) + `]}]}`,
			"", StatusSucceeded, StatusSucceeded, ""},
		{"deployment window closed", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("DeploymentWindow", `{"Cron": "* 0 0 1 1 ? 2099"}`) + `]}]}`,
			"", StatusFailed, StatusFailed, "does not open"},
		{"alarm OK before entry", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("CloudWatchAlarm", `{"AlarmName": "errors"}`) + `]}]}`,
			"OK", StatusSucceeded, StatusSucceeded, ""},
		{"alarm firing blocks entry", `"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [` + rule("CloudWatchAlarm", `{"AlarmName": "errors", "WaitTime": "1"}`) + `]}]}`,
			"ALARM", StatusFailed, StatusFailed, "CloudWatch alarm errors is in state ALARM"},
		{"alarm quiet on success", `"onSuccess": {"conditions": [{"result": "FAIL", "rules": [` + rule("CloudWatchAlarm", `{"AlarmName": "errors", "WaitTime": "1"}`) + `]}]}`,
			"OK", StatusSucceeded, StatusSucceeded, ""},
		{"alarm firing on success fails", `"onSuccess": {"conditions": [{"result": "FAIL", "rules": [` + rule("CloudWatchAlarm", `{"AlarmName": "errors"}`) + `]}]}`,
			"ALARM", StatusFailed, StatusFailed, "on-success condition"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if c.alarm != "" {
				h.alarms.set("errors", c.alarm)
			}
			h.repos.push("repo", "main", map[string]string{"a": "1"}, "fix: A")
			h.create(pipelineJSON("cond", ModeSuperseded, fmt.Sprintf(deployStage, ", "+c.cond), `{"name": "Last", "actions": [`+noop("Last", 1, "")+`]}`))
			id := h.nthExecution("cond", 1)
			h.waitStatus("cond", id, c.wantExec)
			st, _ := h.stageOf("cond", id, "Deploy")
			if st != c.wantStage {
				t.Errorf("Deploy stage %s, want %s", st, c.wantStage)
			}
			x := h.exec("cond", id)
			if !strings.Contains(x.StatusSummary, c.wantSummary) {
				t.Errorf("summary %q, want %q", x.StatusSummary, c.wantSummary)
			}
			state, _ := h.e.GetPipelineState(testCtx(), "cond")
			d := state.StageStates[1]
			cs := d.BeforeEntryConditionState
			if cs == nil {
				cs = d.OnSuccessConditionState
			}
			if cs == nil || cs.LatestExecution == nil || len(cs.ConditionStates) != 1 || len(cs.ConditionStates[0].RuleStates) != 1 {
				t.Fatalf("condition state %+v", cs)
			}
			if c.wantStage == StatusSkipped {
				if last, _ := h.stageOf("cond", id, "Last"); last != StatusSucceeded {
					t.Errorf("the stage after a skipped one: %s", last)
				}
			}
		})
	}
}

func TestOnSuccessAlarmRollsBack(t *testing.T) {
	h := newHarness(t)
	h.alarms.set("errors", "OK")
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "good")
	h.create(pipelineJSON("guard", ModeQueued, fmt.Sprintf(deployStage, `, "onSuccess": {"conditions": [{"result": "ROLLBACK", "rules": [`+rule("CloudWatchAlarm", `{"AlarmName": "errors"}`)+`]}]}`)))
	x1 := h.nthExecution("guard", 1)
	h.waitStatus("guard", x1, StatusSucceeded)
	// The alarm fires once, right after the second deployment.
	h.alarms.mu.Lock()
	h.alarms.next = map[string][]string{"errors": {"ALARM"}}
	h.alarms.mu.Unlock()
	h.repos.push("repo", "main", map[string]string{"a": "2"}, "bad")
	x2 := h.nthExecution("guard", 2)
	h.waitStatus("guard", x2, StatusFailed)
	x3 := h.nthExecution("guard", 3)
	h.waitStatus("guard", x3, StatusSucceeded)
	if x := h.exec("guard", x3); x.ExecutionType != TypeRollback || x.RollbackMetadata.RollbackTargetPipelineExecutionID != x1 {
		t.Fatalf("rollback %+v", x)
	}
}

func TestApprovalTimeout(t *testing.T) {
	h := newHarness(t)
	h.e.Close()
	h.clk = clock.Scaled(1e-6) // 7 days → 0.6 s
	h.start()
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	h.create(pipelineJSON("appr", ModeSuperseded, `{"name": "Approve", "actions": [{"name": "Approval",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]}`))
	id := h.nthExecution("appr", 1)
	start := time.Now()
	h.waitStatus("appr", id, StatusFailed)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("timeout took %v", el)
	}
	_, acts := h.stageOf("appr", id, "Approve")
	ds, _, _ := h.e.ListActionExecutions(testCtx(), "appr", id, 0, "")
	if acts["Approval"] != StatusFailed || !strings.Contains(ds[0].Output.ExecutionResult.ErrorDetails.Message, "expired") {
		t.Errorf("approval %v %+v", acts, ds[0].Output.ExecutionResult)
	}
}

func TestApprovalRejected(t *testing.T) {
	h := newHarness(t)
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	h.create(pipelineJSON("appr", ModeSuperseded, `{"name": "Approve", "actions": [{"name": "Approval",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]}`))
	id := h.nthExecution("appr", 1)
	waitFor(t, "approval", func() bool {
		_, err := h.e.Approve(testCtx(), "appr", "Approve", "Approval", true, "not today")
		return err == nil
	})
	h.waitStatus("appr", id, StatusFailed)
	ds, _, _ := h.e.ListActionExecutions(testCtx(), "appr", id, 0, "")
	if r := ds[0].Output.ExecutionResult; r.ExternalExecutionSummary != "not today" || !strings.Contains(r.ErrorDetails.Message, "Rejected by "+testScope.Principal) {
		t.Errorf("rejection %+v %+v", r, r.ErrorDetails)
	}
}
