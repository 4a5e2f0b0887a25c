package codepipeline

import (
	"fmt"
	"testing"
	"time"
)

// holdPipeline is Source (CodeCommit) → Hold (a no-op that blocks until
// released) → End.
const holdPipeline = `{
  "name": "hold", "roleArn": "arn:aws:iam::123456789012:role/p",
  "artifactStore": {"type": "S3", "location": "bucket"},
  "pipelineType": "V2", "executionMode": "%s",
  "stages": [
    {"name": "Source", "actions": [{"name": "Source",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
      "configuration": {"RepositoryName": "repo", "BranchName": "main"},
      "outputArtifacts": [{"name": "Src"}]}]},
    {"name": "Hold", "actions": [{"name": "Hold",
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "inputArtifacts": [{"name": "Src"}]}]},
    {"name": "End", "actions": [{"name": "End",
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "inputArtifacts": [{"name": "Src"}]}]}
  ]
}`

// TestExecutionModes pushes three commits in quick succession while the
// first execution is held in a stage, and checks what AWS documents for
// each mode.
func TestExecutionModes(t *testing.T) {
	for _, mode := range []string{ModeSuperseded, ModeQueued, ModeParallel} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t)
			block := make(chan struct{})
			h.noop.block = block
			h.create(fmt.Sprintf(holdPipeline, mode))
			// The create-started execution fails at Source: no repository.
			waitFor(t, "the first execution to fail", func() bool {
				xs := h.executions("hold")
				return len(xs) == 1 && xs[0].Status == StatusFailed
			})
			id := func(n int) string {
				var out string
				waitFor(t, fmt.Sprintf("execution %d", n), func() bool {
					xs := h.executions("hold")
					if len(xs) > n {
						out = xs[len(xs)-1-n].PipelineExecutionID
						return true
					}
					return false
				})
				return out
			}
			h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
			a := id(1)
			waitFor(t, "A in Hold", func() bool {
				st, _ := h.stageOf("hold", a, "Hold")
				return st == StatusInProgress
			})
			h.repos.push("repo", "main", map[string]string{"a": "2"}, "B")
			b := id(2)
			inHoldOrWaiting := func(x string) bool {
				st, _ := h.stageOf("hold", x, "Hold")
				if st == StatusInProgress {
					return true
				}
				for _, w := range h.e.inbound(pipelineKey(testScope.AccountID, testScope.Region, "hold"), "Hold") {
					if w == x {
						return true
					}
				}
				return false
			}
			waitFor(t, "B at Hold", func() bool { return inHoldOrWaiting(b) })
			h.repos.push("repo", "main", map[string]string{"a": "3"}, "C")
			c := id(3)
			waitFor(t, "C at Hold", func() bool { return inHoldOrWaiting(c) })
			state, _ := h.e.GetPipelineState(testCtx(), "hold")
			hold := state.StageStates[1]
			switch mode {
			case ModeSuperseded:
				// B waited at Hold's boundary; C arrived and took its place.
				h.waitStatus("hold", b, StatusSuperseded)
				if hold.InboundExecution == nil || hold.InboundExecution.PipelineExecutionID != c {
					t.Fatalf("inbound execution %+v, want C", hold.InboundExecution)
				}
				if x := h.exec("hold", b); x.StatusSummary != "Superseded by pipeline execution "+c {
					t.Errorf("summary %q", x.StatusSummary)
				}
			case ModeQueued:
				if len(hold.InboundExecutions) != 2 || hold.InboundExecutions[0].PipelineExecutionID != b || hold.InboundExecutions[1].PipelineExecutionID != c {
					t.Fatalf("queued at Hold: %+v", hold.InboundExecutions)
				}
			case ModeParallel:
				waitFor(t, "all three in Hold", func() bool {
					h.noop.mu.Lock()
					defer h.noop.mu.Unlock()
					return h.noop.runs == 3
				})
			}
			close(block)
			h.waitStatus("hold", a, StatusSucceeded)
			h.waitStatus("hold", c, StatusSucceeded)
			if mode != ModeSuperseded {
				h.waitStatus("hold", b, StatusSucceeded)
			}
			if mode == ModeQueued {
				// One at a time, in order: each entered Hold after the
				// previous one left it.
				_, key := scopeKey(testCtx(), "hold")
				var prevEnd time.Time
				for _, x := range []string{a, b, c} {
					ex, _ := h.e.execution(testCtx(), key, x)
					sr := stageRunOf(ex, "Hold")
					if sr.Start.Before(prevEnd) {
						t.Errorf("execution %s entered Hold at %v before the previous left at %v", x, sr.Start, prevEnd)
					}
					prevEnd = sr.End
				}
			}
		})
	}
}

func TestDisabledTransitionHoldsExecutions(t *testing.T) {
	h := newHarness(t)
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	if err := h.e.DisableStageTransition(testCtx(), "hold", "Hold", "Inbound", "freeze"); !ErrPipelineNotFound.Is(err) {
		t.Fatalf("unknown pipeline: %v", err)
	}
	h.create(fmt.Sprintf(holdPipeline, ModeSuperseded))
	// The create-started execution runs through; disable Hold's inbound
	// transition (as the Source stage's outbound one) and push twice.
	first := h.executions("hold")[0].PipelineExecutionID
	h.waitStatus("hold", first, StatusSucceeded)
	if err := h.e.DisableStageTransition(testCtx(), "hold", "Source", "Outbound", "code freeze (Q4)"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.DisableStageTransition(testCtx(), "hold", "Nope", "Inbound", "x"); !errStageNotFound.Is(err) {
		t.Fatalf("unknown stage: %v", err)
	}
	h.repos.push("repo", "main", map[string]string{"a": "2"}, "B")
	var b string
	waitFor(t, "B waiting", func() bool {
		st, _ := h.e.GetPipelineState(testCtx(), "hold")
		if in := st.StageStates[1].InboundExecution; in != nil {
			b = in.PipelineExecutionID
			return true
		}
		return false
	})
	st, _ := h.e.GetPipelineState(testCtx(), "hold")
	if ts := st.StageStates[1].InboundTransitionState; ts.Enabled || ts.DisabledReason != "code freeze (Q4)" || ts.LastChangedBy != testScope.Principal {
		t.Fatalf("transition state %+v", ts)
	}
	h.repos.push("repo", "main", map[string]string{"a": "3"}, "C")
	h.waitStatus("hold", b, StatusSuperseded)
	var c string
	waitFor(t, "C waiting", func() bool {
		st, _ := h.e.GetPipelineState(testCtx(), "hold")
		if in := st.StageStates[1].InboundExecution; in != nil && in.PipelineExecutionID != b {
			c = in.PipelineExecutionID
			return true
		}
		return false
	})
	if err := h.e.EnableStageTransition(testCtx(), "hold", "Hold", "Inbound"); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("hold", c, StatusSucceeded)
}

func TestStopExecution(t *testing.T) {
	for _, abandon := range []bool{false, true} {
		t.Run(fmt.Sprint("abandon=", abandon), func(t *testing.T) {
			h := newHarness(t)
			block := make(chan struct{})
			h.noop.block = block
			h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
			h.create(fmt.Sprintf(holdPipeline, ModeQueued))
			id := h.executions("hold")[0].PipelineExecutionID
			waitFor(t, "Hold running", func() bool {
				_, acts := h.stageOf("hold", id, "Hold")
				return acts["Hold"] == StatusInProgress
			})
			if _, err := h.e.StopPipelineExecution(testCtx(), "hold", id, abandon, "not now"); err != nil {
				t.Fatal(err)
			}
			if !abandon {
				if x := h.exec("hold", id); x.Status != StatusStopping {
					t.Fatalf("status %s, want Stopping", x.Status)
				}
				if _, err := h.e.StopPipelineExecution(testCtx(), "hold", id, false, ""); !errDuplicatedStop.Is(err) {
					t.Fatalf("second stop: %v", err)
				}
				close(block)
			}
			h.waitStatus("hold", id, StatusStopped)
			st, acts := h.stageOf("hold", id, "Hold")
			want := StatusSucceeded
			if abandon {
				want = StatusAbandoned
			}
			if acts["Hold"] != want {
				t.Errorf("Hold action %s, want %s", acts["Hold"], want)
			}
			if abandon && st != StatusStopped {
				t.Errorf("Hold stage %s", st)
			}
			if es, _ := h.stageOf("hold", id, "End"); es != "" {
				t.Errorf("End stage ran: %s", es)
			}
			xs := h.executions("hold")
			if xs[0].StopTrigger == nil || xs[0].StopTrigger.Reason != "not now" {
				t.Errorf("stop trigger %+v", xs[0].StopTrigger)
			}
			if _, err := h.e.StopPipelineExecution(testCtx(), "hold", id, true, ""); !errNotStoppable.Is(err) {
				t.Errorf("stopping a stopped execution: %v", err)
			}
		})
	}
}

func TestDeleteWhileRunning(t *testing.T) {
	h := newHarness(t)
	h.noop.block = make(chan struct{})
	h.repos.push("repo", "main", map[string]string{"a": "1"}, "A")
	h.create(fmt.Sprintf(holdPipeline, ModeQueued))
	id := h.executions("hold")[0].PipelineExecutionID
	waitFor(t, "Hold running", func() bool {
		_, acts := h.stageOf("hold", id, "Hold")
		return acts["Hold"] == StatusInProgress
	})
	if err := h.e.DeletePipeline(testCtx(), "hold"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.e.GetPipeline(testCtx(), "hold", 0); !ErrPipelineNotFound.Is(err) {
		t.Fatalf("deleted pipeline: %v", err)
	}
	waitFor(t, "the driver to end", func() bool {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		return len(h.e.runs) == 0
	})
	// Nothing of it is left, and the name can be used again.
	h.noop.mu.Lock()
	h.noop.block = nil
	h.noop.mu.Unlock()
	h.create(fmt.Sprintf(holdPipeline, ModeQueued))
	xs := h.executions("hold")
	if len(xs) != 1 || xs[0].PipelineExecutionID == id {
		t.Fatalf("executions after re-create: %+v", xs)
	}
	h.waitStatus("hold", xs[0].PipelineExecutionID, StatusSucceeded)
}
