package codebuild

import (
	"context"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// recoverMessage explains a build that a restart interrupted.
const recoverMessage = "skiff stopped while the build was running (restart recovery): the build was ended and its processes and files removed"

// recover finishes what a previous run of skiff left: builds that were
// running end as FAULT (CodeBuild's status for failures of the service
// rather than the build) with the reason in the interrupted phase's
// context, after the runner has ended whatever processes of theirs are
// left; builds that were still queued are queued again; unfinished batches
// resume.
func (e *Engine) recover(ctx context.Context) error {
	var keys, batchKeys []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketActive, store.ScanOptions{}, func(k string, _ []byte) error {
			if b, ok := strings.CutPrefix(k, "batch|"); ok {
				batchKeys = append(batchKeys, b)
			} else {
				keys = append(keys, k)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	var queued []*buildRecord
	for _, k := range keys {
		rec, err := e.getBuild(ctx, k)
		if err != nil {
			continue
		}
		if rec.Build.BuildComplete {
			e.putBuild(rec) // drops the stale index entry
			continue
		}
		if isQueued(&rec.Build) {
			queued = append(queued, rec)
			continue
		}
		e.faultInterrupted(ctx, rec)
	}
	// Queue again in submission order.
	for i := 1; i < len(queued); i++ {
		for j := i; j > 0 && queued[j].Seq < queued[j-1].Seq; j-- {
			queued[j], queued[j-1] = queued[j-1], queued[j]
		}
	}
	for _, rec := range queued {
		if rec.Build.CurrentPhase == PhaseSubmitted {
			now := e.clk.Now()
			endPhase(&rec.Build, now, StatusSucceeded, nil)
			rec.Build.Phases = append(rec.Build.Phases, BuildPhase{PhaseType: PhaseQueued, StartTime: now})
			rec.Build.CurrentPhase = PhaseQueued
			e.putBuild(rec)
		}
		e.enqueue(rec)
	}
	for _, k := range batchKeys {
		e.startBatchDriver(k)
	}
	return nil
}

// faultInterrupted ends a build whose run was cut short by a restart.
func (e *Engine) faultInterrupted(ctx context.Context, rec *buildRecord) {
	if rec.Leftover != nil {
		if err := e.runner.Reap(ctx, *rec.Leftover); err != nil {
			e.log.Warn("codebuild: reap interrupted build", "build", rec.Build.ID, "err", err)
		}
	}
	b := &rec.Build
	now := e.clk.Now()
	pc := PhaseContext{StatusCode: "BUILD_INTERRUPTED", Message: recoverMessage}
	if len(b.Phases) > 0 && b.Phases[len(b.Phases)-1].PhaseStatus == "" {
		endPhase(b, now, StatusFault, []PhaseContext{pc})
	}
	if b.CurrentPhase != PhaseFinalizing {
		b.Phases = append(b.Phases, BuildPhase{PhaseType: PhaseFinalizing, StartTime: now})
		endPhase(b, now, StatusSucceeded, []PhaseContext{{}})
	}
	b.Phases = append(b.Phases, BuildPhase{PhaseType: PhaseCompleted, StartTime: now})
	b.CurrentPhase = PhaseCompleted
	b.BuildStatus = StatusFault
	b.EndTime = now
	b.BuildComplete = true
	rec.Leftover = nil
	if err := e.putBuild(rec); err != nil {
		e.log.Error("codebuild: record interrupted build", "build", b.ID, "err", err)
		return
	}
	if b.Logs != nil && b.Logs.GroupName != "" && e.deps.Logs != nil {
		sctx := awsctx.With(ctx, awsctx.Scope{AccountID: rec.Account, Region: rec.Region})
		e.deps.Logs.Append(sctx, b.Logs.GroupName, b.Logs.StreamName, []LogEvent{{
			Timestamp: time.Now(), Message: "[Container] " + time.Now().UTC().Format(containerTime) + " Phase context status code: BUILD_INTERRUPTED Message: " + recoverMessage,
		}})
	}
	e.notifyComplete(rec.key(), b)
	if rec.Batch != nil {
		e.batchBuildDone(rec.Batch.BatchKey)
	}
}
