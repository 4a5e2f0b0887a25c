package codedeploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codedeploy/appspec"
	"github.com/skiff-dev/skiff/internal/codedeploy/bundle"
	"github.com/skiff-dev/skiff/internal/store"
)

// How a deployment runs
//
// Each deployment being executed has one goroutine (execute) that owns its
// record: it moves through the phases of its kind (inplace.go,
// bluegreen.go), writing every step to the store before acting on it, so
// that after a restart Start can resume from the last phase, and the
// traffic weights it recorded are what the load balancer serves.
// Instances of a batch run in goroutines of their own that write only
// their own target records.
//
// StopDeployment and alarms stop a deployment by recording the cause and
// cancelling the run's context with it: scripts are killed, waits end, and
// the goroutine finishes the deployment on a context that outlives the
// cancellation. A blue/green deployment's traffic is moved back to the
// original fleet at once, by the abort itself, before anything else.
// Closing the engine cancels runs without a cause: their records stay as
// they are, to be resumed.

// run is one deployment being executed.
type run struct {
	e                   *Engine
	id, account, region string
	ctx                 context.Context
	cancel              context.CancelCauseFunc
	wake                chan struct{}
	done                chan struct{}

	mu      sync.Mutex
	alarms  []string
	stopped *stopCause
	// traffic serializes weight changes: the runner sets steps, an abort
	// freezes them and restores the original weights.
	traffic sync.Mutex
	frozen  bool
	// dmu guards d, the latest record (for the abort's restore).
	dmu sync.Mutex
	d   *deploymentRecord
}

// stopCause is why a run was interrupted.
type stopCause struct {
	code, msg string
	status    string // Stopped (default) or Failed
	rollback  *bool
	event     string
}

func (c *stopCause) Error() string { return c.code + ": " + c.msg }

func (c *stopCause) record() *stopRecord {
	return &stopRecord{Code: c.code, Message: c.msg, Status: c.status, Rollback: c.rollback, Event: c.event}
}

func causeFrom(s *stopRecord) *stopCause {
	return &stopCause{code: s.Code, msg: s.Message, status: s.Status, rollback: s.Rollback, event: s.Event}
}

// abort interrupts the run. The first cause wins. A blue/green
// deployment's weights go back to the original fleet right away.
func (r *run) abort(c *stopCause) {
	r.mu.Lock()
	if r.stopped != nil {
		r.mu.Unlock()
		return
	}
	r.stopped = c
	r.mu.Unlock()
	r.cancel(c)
	go r.restoreNow()
}

func (r *run) cause() *stopCause {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// launch starts executing a deployment unless it already runs.
func (e *Engine) launch(id, account, region string, resumed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.runs[id] != nil {
		return
	}
	ctx, cancel := context.WithCancelCause(withScope(e.ctx, account, region))
	r := &run{e: e, id: id, account: account, region: region, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
	e.runs[id] = r
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.execute(r, resumed)
	}()
}

func (e *Engine) wakeRun(id string) {
	e.mu.Lock()
	r := e.runs[id]
	e.mu.Unlock()
	if r != nil {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// pctx is the context records are written with: the run's scope, not
// cancelled by an abort (teardown must complete).
func (r *run) pctx() context.Context { return context.WithoutCancel(r.ctx) }

// closing reports whether the engine is shutting down (not an abort).
func (e *Engine) closing() bool { return e.ctx.Err() != nil }

func (e *Engine) execute(r *run, resumed bool) {
	defer func() {
		e.mu.Lock()
		delete(e.runs, r.id)
		e.mu.Unlock()
		close(r.done)
		r.cancel(nil)
	}()
	pctx := r.pctx()
	sc := awsctx.Scope{AccountID: r.account, Region: r.region}
	var d *deploymentRecord
	err := e.st.View(pctx, func(tx store.Tx) error {
		var err error
		d, err = e.loadDeployment(tx, sc, r.id)
		return err
	})
	if err != nil {
		e.log.Error("load deployment", "deployment", r.id, "err", err)
		return
	}
	if terminal(d.Info.Status) {
		return
	}
	r.setRecord(d)
	var result error
	func() {
		// A bug must fail the deployment, never take skiff down.
		defer func() {
			if p := recover(); p != nil {
				e.log.Error("deployment panicked", "deployment", r.id, "panic", p, "stack", string(debug.Stack()))
				result = fail("INTERNAL_ERROR", "An internal error occurred in skiff while running the deployment: %v", p)
			}
		}()
		if resumed {
			e.failInterrupted(pctx, d)
		}
		if d.Stop != nil {
			r.abort(causeFrom(d.Stop))
		}
		if d.Info.Status == StatusCreated || d.Info.Status == StatusQueued {
			d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
				x.Info.Status = StatusInProgress
				x.Info.StartTime = e.now()
				return nil
			})
			if err != nil {
				result = err
				return
			}
			e.setGroupAttempt(pctx, d)
		}
		if d.Alarms != nil && d.Alarms.Enabled && len(d.Alarms.Alarms) > 0 && d.Info.Creator != "codeDeployRollback" {
			if e.deps.Alarms != nil {
				e.wg.Add(1)
				go func() {
					defer e.wg.Done()
					e.watchAlarms(r, d)
				}()
			} else if !d.Alarms.IgnorePollAlarmFailure {
				r.abort(&stopCause{code: "ALARM_ACTIVE", msg: "The deployment was stopped because the alarm states could not be read: no CloudWatch is available to this CodeDeploy engine.", event: RollbackOnAlarm})
			}
		}
		switch d.Kind {
		case kindInPlace:
			result = e.runInPlace(r, d)
		case kindBlueGreen:
			result = e.runBlueGreen(r, d)
		case kindBGRollback:
			result = e.runBGRollback(r, d)
		default:
			result = fail("INTERNAL_ERROR", "unknown deployment kind %q", d.Kind)
		}
	}()
	if e.closing() {
		// Interrupted by shutdown: the next Start resumes it.
		return
	}
	e.finish(r, result)
}

func (r *run) setRecord(d *deploymentRecord) {
	r.dmu.Lock()
	r.d = d
	r.dmu.Unlock()
}

func (r *run) record() *deploymentRecord {
	r.dmu.Lock()
	defer r.dmu.Unlock()
	return r.d
}

// mutate applies fn to the stored record (which API calls may have
// changed meanwhile) and returns the new record.
func (e *Engine) mutate(ctx context.Context, d *deploymentRecord, fn func(x *deploymentRecord) error) (*deploymentRecord, error) {
	var out *deploymentRecord
	err := e.st.Update(ctx, func(tx store.Tx) error {
		x, err := e.loadDeployment(tx, d.scope(), d.Info.DeploymentID)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
		out = x
		return tx.Put(bucketDeployments, x.key(), x)
	})
	if err != nil {
		return d, err
	}
	e.mu.Lock()
	r := e.runs[d.Info.DeploymentID]
	e.mu.Unlock()
	if r != nil {
		r.setRecord(out)
	}
	return out, nil
}

func (e *Engine) setGroupAttempt(ctx context.Context, d *deploymentRecord) {
	e.st.Update(ctx, func(tx store.Tx) error {
		g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName))
		if err != nil {
			return nil
		}
		if g.Info.LastAttemptedDeployment != nil && g.Info.LastAttemptedDeployment.DeploymentID == d.Info.DeploymentID {
			g.Info.LastAttemptedDeployment.Status = d.Info.Status
		}
		return tx.Put(bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName), g)
	})
}

// --- targets ---

func targetKey(d *deploymentRecord, name string) string { return d.key() + "/" + name }

// initTargets creates the target records of instances with their
// lifecycle events pending (existing ones are kept: resume).
func (e *Engine) initTargets(ctx context.Context, d *deploymentRecord, names []string, role string, withLB bool) error {
	label := ""
	switch role {
	case roleGreen, roleRollbackNew:
		label = "Green"
	case roleBlue, roleRollbackOld:
		label = "Blue"
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		for _, n := range names {
			if _, err := tx.GetRaw(bucketTargets, targetKey(d, n)); err == nil {
				continue
			}
			t := targetRecord{Target: InstanceTarget{DeploymentID: d.Info.DeploymentID, TargetID: n, TargetArn: instanceARN(d.scope(), n),
				Status: TargetPending, LastUpdatedAt: e.now(), InstanceLabel: label}}
			for _, ev := range lifecycleFor(role, withLB) {
				t.Target.LifecycleEvents = append(t.Target.LifecycleEvents, LifecycleEvent{LifecycleEventName: ev, Status: TargetPending})
			}
			if err := tx.Put(bucketTargets, targetKey(d, n), &t); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) updateTarget(ctx context.Context, d *deploymentRecord, name string, fn func(t *InstanceTarget)) {
	err := e.st.Update(ctx, func(tx store.Tx) error {
		t, err := getJSON[targetRecord](tx, bucketTargets, targetKey(d, name))
		if err != nil {
			return err
		}
		fn(&t.Target)
		t.Target.LastUpdatedAt = e.now()
		return tx.Put(bucketTargets, targetKey(d, name), t)
	})
	if err != nil {
		e.log.Warn("update deployment target", "deployment", d.Info.DeploymentID, "target", name, "err", err)
	}
}

func (e *Engine) loadTargets(ctx context.Context, d *deploymentRecord) map[string]*InstanceTarget {
	out := map[string]*InstanceTarget{}
	e.st.View(ctx, func(tx store.Tx) error {
		for _, t := range e.targets(tx, d) {
			out[t.Target.TargetID] = &t.Target
		}
		return nil
	})
	return out
}

func setEvent(t *InstanceTarget, name string, fn func(ev *LifecycleEvent)) {
	for i := range t.LifecycleEvents {
		if t.LifecycleEvents[i].LifecycleEventName == name {
			fn(&t.LifecycleEvents[i])
			return
		}
	}
}

func eventStatus(t *InstanceTarget, name string) string {
	for _, ev := range t.LifecycleEvents {
		if ev.LifecycleEventName == name {
			return ev.Status
		}
	}
	return ""
}

// failInterrupted fails the lifecycle events that were running when skiff
// stopped (the agent would have lost them too), skipping the rest of those
// targets' events.
func (e *Engine) failInterrupted(ctx context.Context, d *deploymentRecord) {
	for name, t := range e.loadTargets(ctx, d) {
		if t.Status != TargetInProgress && t.Status != TargetReady {
			continue
		}
		interrupted := false
		for _, ev := range t.LifecycleEvents {
			if ev.Status != TargetInProgress {
				continue
			}
			// A replacement instance's AllowTraffic stays in progress
			// while traffic shifts: that is resumable.
			if d.Kind == kindBlueGreen && ev.LifecycleEventName == "AllowTraffic" && (d.Phase == "shift" || d.Phase == "allowed") {
				continue
			}
			interrupted = true
		}
		if !interrupted {
			continue
		}
		e.updateTarget(ctx, d, name, func(t *InstanceTarget) {
			after := false
			for i := range t.LifecycleEvents {
				ev := &t.LifecycleEvents[i]
				switch {
				case ev.Status == TargetInProgress:
					ev.Status = TargetFailed
					ev.EndTime = e.now()
					ev.Diagnostics = &Diagnostics{ErrorCode: "UnknownError", Message: "skiff stopped while this lifecycle event was running, so it did not complete."}
					after = true
				case after && ev.Status == TargetPending:
					ev.Status = TargetSkipped
				}
			}
			t.Status = TargetFailed
		})
	}
}

// stepper runs lifecycle events on one target.
type stepper struct {
	e    *Engine
	r    *run
	d    *deploymentRecord
	name string
	inst *instanceRecord
	// spec and stageDir are the deployment's revision (nil before
	// staging, and in deployments that install nothing).
	spec     *appspec.AppSpec
	stageDir string
	tgs      []string // target groups for Block/AllowTraffic
	// allowHold leaves AllowTraffic in progress after registering (the
	// traffic shift completes it).
	allowHold bool
}

// runEvents runs events in order. It returns false when one failed; the
// remaining events of the list, and of the target, are then skipped and
// the target failed. On an abort the running event fails and the rest are
// skipped. On shutdown nothing is recorded.
func (s *stepper) runEvents(events []string) bool {
	e, d := s.e, s.d
	ctx := s.r.ctx
	pctx := s.r.pctx()
	if s.inst == nil {
		inst, err := e.getInstance(d.scopeCtx(pctx), s.name)
		if err != nil || !inst.Info.DeregisterTime.IsZero() {
			s.failAll(events[0], &Diagnostics{ErrorCode: "UnknownError", Message: fmt.Sprintf("The instance %s is no longer registered.", s.name)})
			return false
		}
		s.inst = inst
	}
	e.updateTarget(pctx, d, s.name, func(t *InstanceTarget) { t.Status = TargetInProgress })
	for _, ev := range events {
		if ctx.Err() != nil {
			if e.closing() {
				return false
			}
			s.failAll(ev, &Diagnostics{ErrorCode: "UnknownError", Message: "The deployment was stopped before this lifecycle event completed."})
			return false
		}
		e.updateTarget(pctx, d, s.name, func(t *InstanceTarget) {
			setEvent(t, ev, func(le *LifecycleEvent) {
				le.Status, le.StartTime, le.EndTime, le.Diagnostics = TargetInProgress, e.now(), time.Time{}, nil
			})
		})
		diag, ok, err := s.event(ctx, ev)
		if e.closing() {
			return false
		}
		if err != nil {
			if ctx.Err() != nil {
				diag = &Diagnostics{ErrorCode: "UnknownError", Message: "The deployment was stopped before this lifecycle event completed."}
			} else {
				diag = &Diagnostics{ErrorCode: "UnknownError", Message: err.Error()}
			}
			ok = false
		}
		if !ok && ignorableEvents[ev] && d.Info.IgnoreApplicationStopFailures && ctx.Err() == nil {
			diag.Message += " (ignored: ignoreApplicationStopFailures is set)"
			ok = true
		}
		if !ok {
			s.failAll(ev, diag)
			return false
		}
		if ev == "AllowTraffic" && s.allowHold {
			continue
		}
		e.updateTarget(pctx, d, s.name, func(t *InstanceTarget) {
			setEvent(t, ev, func(le *LifecycleEvent) { le.Status, le.EndTime, le.Diagnostics = TargetSucceeded, e.now(), diag })
		})
	}
	return true
}

// failAll fails event ev (with diag) and skips the target's later pending
// events.
func (s *stepper) failAll(ev string, diag *Diagnostics) {
	e := s.e
	e.updateTarget(s.r.pctx(), s.d, s.name, func(t *InstanceTarget) {
		after := false
		for i := range t.LifecycleEvents {
			le := &t.LifecycleEvents[i]
			switch {
			case le.LifecycleEventName == ev:
				if le.StartTime.IsZero() {
					le.StartTime = e.now()
				}
				le.Status, le.EndTime, le.Diagnostics = TargetFailed, e.now(), diag
				after = true
			case after && (le.Status == TargetPending || le.Status == TargetInProgress):
				le.Status = TargetSkipped
			}
		}
		t.Status = TargetFailed
	})
}

// complete marks the target succeeded.
func (s *stepper) complete() {
	s.e.updateTarget(s.r.pctx(), s.d, s.name, func(t *InstanceTarget) { t.Status = TargetSucceeded })
}

// event runs one lifecycle event.
func (s *stepper) event(ctx context.Context, ev string) (*Diagnostics, bool, error) {
	e, d, inst := s.e, s.d, s.inst
	gid := d.GroupID
	current := archiveDir(inst, gid, d.Info.DeploymentID)
	switch ev {
	case "DownloadBundle":
		if err := download(s.stageDir, inst, gid, d.Info.DeploymentID); err != nil {
			return nil, false, fmt.Errorf("the revision could not be copied to the instance: %v", err)
		}
		return &Diagnostics{ErrorCode: "Success", Message: "Succeeded"}, true, nil
	case "Install":
		behavior := s.spec.FileExistsBehavior
		if behavior == "" {
			behavior = d.Info.FileExistsBehavior
		}
		if err := bundle.Install(current, inst.Root, s.spec, behavior, cleanupFile(inst, gid)); err != nil {
			var ie *bundle.InstallError
			if errors.As(err, &ie) {
				return &Diagnostics{ErrorCode: "UnknownError", Message: ie.Msg}, false, nil
			}
			return nil, false, fmt.Errorf("install failed: %v", err)
		}
		return &Diagnostics{ErrorCode: "Success", Message: "Succeeded"}, true, nil
	case "BlockTraffic":
		if len(s.tgs) == 0 {
			return nil, true, nil
		}
		if err := e.block(ctx, inst, s.tgs); err != nil {
			return &Diagnostics{ErrorCode: "UnknownError", Message: "The instance could not be taken out of the load balancer: " + err.Error()}, false, nil
		}
		return nil, true, nil
	case "AllowTraffic":
		if len(s.tgs) == 0 {
			return nil, true, nil
		}
		if err := e.allow(ctx, inst, s.tgs); err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return &Diagnostics{ErrorCode: "UnknownError", Message: "The instance could not be put into the load balancer: " + err.Error()}, false, nil
		}
		return nil, true, nil
	}
	// Hook scripts: from the current revision, or from the last
	// successful one for the events that run before the download.
	archive, spec := current, s.spec
	if lastSuccessfulEvents[ev] || spec == nil {
		if _, err := loadAppSpec(current); err != nil {
			dep := inst.Deployed[gid]
			if dep == nil {
				return &Diagnostics{ErrorCode: "Success", Message: "Succeeded"}, true, nil
			}
			archive = dep.ArchiveDir
		}
		sp, err := loadAppSpec(archive)
		if err != nil {
			// The last revision's files are gone: nothing to run, as the
			// agent does when it finds no previous deployment.
			return &Diagnostics{ErrorCode: "Success", Message: "Succeeded"}, true, nil
		}
		spec = sp
	}
	env := hookEnv(d.Info.ApplicationName, d.Info.DeploymentGroupName, gid, d.Info.DeploymentID, ev, d.Info.Revision)
	return e.runHooks(ctx, inst, archive, ev, spec, env)
}

// --- finishing ---

func (e *Engine) finish(r *run, result error) {
	pctx := r.pctx()
	d := r.record()
	sc := d.scope()
	status, code, msg, event := StatusSucceeded, "", "", ""
	var explicit *bool
	var ff *failure
	c := r.cause()
	if c == nil {
		// A stop recorded just before the work ended still counts.
		var fresh *deploymentRecord
		e.st.View(pctx, func(tx store.Tx) error {
			fresh, _ = e.loadDeployment(tx, sc, d.Info.DeploymentID)
			return nil
		})
		if fresh != nil && fresh.Stop != nil && result != nil {
			c = causeFrom(fresh.Stop)
		}
	}
	var sc2 *stopCause
	if c == nil && errors.As(result, &sc2) {
		c = sc2
	}
	switch {
	case c != nil:
		status, code, msg, event, explicit = StatusStopped, c.code, c.msg, c.event, c.rollback
		if c.status != "" {
			status = c.status
		}
	case result == nil:
	case errors.As(result, &ff):
		status, code, msg, event = StatusFailed, ff.code, ff.msg, RollbackOnFailure
	default:
		status, code, msg, event = StatusFailed, "INTERNAL_ERROR", "An internal error occurred in skiff: "+result.Error(), RollbackOnFailure
		e.log.Error("deployment failed with an internal error", "deployment", d.Info.DeploymentID, "err", result)
	}
	if status != StatusSucceeded && d.blueGreen() {
		// Traffic first.
		r.restoreNow()
	}
	d = r.record()
	// Decide on a rollback.
	rollback := false
	if status != StatusSucceeded && d.Info.Creator != "codeDeployRollback" {
		if explicit != nil {
			rollback = *explicit
		} else if ar := d.Info.AutoRollbackConfiguration; ar != nil && ar.Enabled && contains(ar.Events, event) {
			rollback = true
		}
	}
	targets := e.loadTargets(pctx, d)
	// Close the targets.
	for name, t := range targets {
		if t.Status == TargetSucceeded || t.Status == TargetFailed || t.Status == TargetSkipped {
			continue
		}
		if status == StatusSucceeded {
			continue
		}
		e.updateTarget(pctx, d, name, func(t *InstanceTarget) {
			started := false
			for i := range t.LifecycleEvents {
				le := &t.LifecycleEvents[i]
				switch le.Status {
				case TargetInProgress:
					le.Status, le.EndTime = TargetFailed, e.now()
					if le.Diagnostics == nil {
						le.Diagnostics = &Diagnostics{ErrorCode: "UnknownError", Message: "The deployment was stopped before this lifecycle event completed."}
					}
					started = true
				case TargetPending:
					le.Status = TargetSkipped
				default:
					started = true
				}
			}
			if started {
				t.Status = TargetFailed
			} else {
				t.Status = TargetSkipped
			}
		})
	}
	// A failed blue/green deployment that no rollback deployment will put
	// right is put right here, before its final status is written: whoever
	// sees it Stopped or Failed sees the replacements gone, and a crash
	// part-way leaves it unfinished, so recovery reverts it again.
	reverted := false
	if status != StatusSucceeded && d.Kind == kindBlueGreen && !(rollback && bgTrafficMoved(d)) {
		e.revertInline(pctx, d)
		reverted = true
	}
	var rb *deploymentRecord
	rollbackMsg := ""
	err := e.st.Update(pctx, func(tx store.Tx) error {
		x, err := e.loadDeployment(tx, sc, d.Info.DeploymentID)
		if err != nil {
			return err
		}
		now := e.now()
		x.Info.Status = status
		x.Info.CompleteTime = now
		if status != StatusSucceeded {
			x.Info.ErrorInformation = &ErrorInformation{Code: code, Message: msg}
		}
		g, gerr := getJSON[groupRecord](tx, bucketGroups, groupKey(sc, x.Info.ApplicationName, x.Info.DeploymentGroupName))
		if gerr == nil && g.Info.DeploymentGroupID == x.GroupID {
			if g.Active == x.Info.DeploymentID {
				g.Active = ""
			}
			g.Info.LastAttemptedDeployment = &LastDeploymentInfo{DeploymentID: x.Info.DeploymentID, Status: status, EndTime: now, CreateTime: x.Info.CreateTime}
			if status == StatusSucceeded {
				g.Info.LastSuccessfulDeployment = &LastDeploymentInfo{DeploymentID: x.Info.DeploymentID, Status: status, EndTime: now, CreateTime: x.Info.CreateTime}
				g.LastSuccessfulRevision = x.Info.Revision
			}
			if rollback {
				rb, rollbackMsg = e.rollbackFor(x, g, targets)
				if rb != nil {
					g.Active = rb.Info.DeploymentID
					g.Info.LastAttemptedDeployment = &LastDeploymentInfo{DeploymentID: rb.Info.DeploymentID, Status: StatusCreated, CreateTime: now}
					if err := tx.Put(bucketDeployments, rb.key(), rb); err != nil {
						return err
					}
					x.Info.RollbackInfo = &RollbackInfo{RollbackDeploymentID: rb.Info.DeploymentID, RollbackMessage: rollbackMsg}
				} else {
					x.Info.RollbackInfo = &RollbackInfo{RollbackMessage: rollbackMsg}
				}
			}
			if err := tx.Put(bucketGroups, groupKey(sc, x.Info.ApplicationName, x.Info.DeploymentGroupName), g); err != nil {
				return err
			}
		}
		d = x
		return tx.Put(bucketDeployments, x.key(), x)
	})
	if err != nil {
		e.log.Error("finish deployment", "deployment", d.Info.DeploymentID, "err", err)
	}
	e.log.Info("deployment finished", "deployment", d.Info.DeploymentID, "status", status, "code", code, "rollback", rb != nil)
	if status != StatusSucceeded && d.Kind == kindBlueGreen && rb == nil && !reverted {
		// The rollback deployment could not be created after all (its
		// group is gone): put things back here.
		e.revertInline(pctx, d)
	}
	if d.Kind == kindBGRollback && status == StatusSucceeded {
		for _, n := range d.Terminate {
			if err := e.terminateInstance(pctx, d, n); err != nil {
				e.log.Warn("terminate replacement instance", "instance", n, "err", err)
			}
		}
	}
	e.unstage(d.Info.DeploymentID)
	e.notify(d.Info.DeploymentID)
	if rb != nil {
		e.launch(rb.Info.DeploymentID, rb.Account, rb.Region, false)
	}
}

// rollbackFor builds the rollback deployment of a failed or stopped one:
// a new deployment of the last successful revision, as AWS does. An
// in-place rollback redeploys it to the instances the failed deployment
// touched; a blue/green rollback gives traffic back to the original
// instances (allow-traffic events) and takes the replacements out
// (block-traffic events), terminating those skiff created.
func (e *Engine) rollbackFor(d *deploymentRecord, g *groupRecord, targets map[string]*InstanceTarget) (*deploymentRecord, string) {
	now := e.now()
	rb := &deploymentRecord{Account: d.Account, Region: d.Region, GroupID: d.GroupID, Config: d.Config, RollbackOf: d.Info.DeploymentID,
		Info: DeploymentInfo{ApplicationName: d.Info.ApplicationName, DeploymentGroupName: d.Info.DeploymentGroupName,
			DeploymentConfigName: d.Info.DeploymentConfigName, DeploymentID: newDeploymentID(), Status: StatusCreated, CreateTime: now,
			Creator: "codeDeployRollback", IgnoreApplicationStopFailures: d.Info.IgnoreApplicationStopFailures,
			AutoRollbackConfiguration: d.Info.AutoRollbackConfiguration, DeploymentStyle: d.Info.DeploymentStyle,
			BlueGreenDeploymentConfiguration: d.Info.BlueGreenDeploymentConfiguration, LoadBalancerInfo: d.Info.LoadBalancerInfo,
			FileExistsBehavior: "OVERWRITE", DeploymentStatusMessages: []string{}, ComputePlatform: PlatformServer,
			PreviousRevision: d.Info.Revision,
			RollbackInfo: &RollbackInfo{RollbackTriggeringDeploymentID: d.Info.DeploymentID,
				RollbackMessage: fmt.Sprintf("This deployment was created by CodeDeploy as part of an automatic rollback of deployment %s.", d.Info.DeploymentID)}}}
	switch d.Kind {
	case kindInPlace:
		if g.LastSuccessfulRevision == nil {
			return nil, "Automatic rollback was not performed: the deployment group has no previous successful deployment to roll back to."
		}
		var touched []string
		for _, n := range d.Instances {
			t := targets[n]
			if t == nil {
				continue
			}
			for _, ev := range t.LifecycleEvents {
				if ev.Status != TargetPending && ev.Status != TargetSkipped {
					touched = append(touched, n)
					break
				}
			}
		}
		if len(touched) == 0 {
			return nil, "Automatic rollback was not needed: no instance received the revision."
		}
		rb.Kind = kindInPlace
		rb.Instances = touched
		rb.Info.Revision = g.LastSuccessfulRevision
		rb.Info.Description = "Rollback of " + d.Info.DeploymentID
	case kindBlueGreen:
		if !bgTrafficMoved(d) {
			return nil, "Automatic rollback was not needed: traffic was never moved."
		}
		rb.Kind = kindBGRollback
		rb.Blue, rb.Green = d.Blue, d.Green
		rb.Routes, rb.TGs, rb.Original = d.Routes, d.TGs, d.Original
		rb.Weights = d.Original
		rb.BlueBlocked = d.BlueBlocked
		rb.Terminate = d.GreenCreated
		rb.Info.Revision = g.LastSuccessfulRevision
		if rb.Info.Revision == nil {
			rb.Info.Revision = d.Info.PreviousRevision
		}
		rb.Info.Description = "Rollback of " + d.Info.DeploymentID
	default:
		return nil, "Automatic rollback was not performed for a rollback deployment."
	}
	return rb, fmt.Sprintf("Automatic rollback to the last successful revision is deployment %s.", rb.Info.DeploymentID)
}

// bgTrafficMoved says whether a blue/green deployment got far enough for
// a rollback deployment to have something to undo.
func bgTrafficMoved(d *deploymentRecord) bool {
	return d.Phase != "" && !(d.Phase == "terminate" && len(d.Blue) == 0)
}

// revertInline puts a failed blue/green deployment's traffic back on the
// original fleet when no rollback deployment will: original weights (done
// by the abort), the original instances registered again if they had been
// taken out, the replacements taken out, and the replacements skiff
// created terminated.
func (e *Engine) revertInline(ctx context.Context, d *deploymentRecord) {
	sctx := d.scopeCtx(ctx)
	blueTGs, greenTGs := d.TGs, d.TGs
	if len(d.Routes) > 0 {
		blueTGs, greenTGs = nil, nil
		for _, rt := range d.Routes {
			blueTGs = append(blueTGs, rt.BlueTG)
			greenTGs = append(greenTGs, rt.GreenTG)
		}
	}
	if d.BlueBlocked {
		for _, n := range d.Blue {
			if inst, err := e.getInstance(sctx, n); err == nil {
				if err := e.allow(sctx, inst, blueTGs); err != nil {
					e.log.Warn("put original instance back", "instance", n, "err", err)
				}
			}
		}
	}
	if e.deps.LoadBalancer != nil {
		for _, n := range d.Green {
			if inst, err := e.getInstance(sctx, n); err == nil {
				if err := e.block(sctx, inst, greenTGs); err != nil {
					e.log.Warn("take replacement instance out of the load balancer", "instance", n, "err", err)
				}
			}
		}
	}
	for _, n := range d.GreenCreated {
		if err := e.terminateInstance(ctx, d, n); err != nil {
			e.log.Warn("terminate replacement instance", "instance", n, "err", err)
		}
	}
}

// --- traffic weights ---

// setWeights records, then applies, the weights of every route with the
// replacement fleet at pct percent. It fails when the run was aborted
// (the abort owns the weights from then on).
func (r *run) setWeights(d *deploymentRecord, pct int) (*deploymentRecord, error) {
	e := r.e
	r.traffic.Lock()
	defer r.traffic.Unlock()
	if r.frozen || r.ctx.Err() != nil {
		return d, context.Cause(r.ctx)
	}
	want := map[string]map[string]int{}
	for _, rt := range d.Routes {
		w := maps.Clone(d.Original[rt.Listener])
		if w == nil {
			w = map[string]int{}
		}
		w[rt.GreenTG] = pct
		w[rt.BlueTG] = 100 - pct
		want[rt.Listener] = w
		if rt.Test != "" {
			// The test listener sends everything to the replacements
			// once traffic starts to move.
			tw := maps.Clone(d.Original[rt.Test])
			if tw == nil {
				tw = map[string]int{}
			}
			tw[rt.GreenTG], tw[rt.BlueTG] = 100, 0
			want[rt.Test] = tw
		}
	}
	d, err := e.mutate(r.pctx(), d, func(x *deploymentRecord) error {
		x.Weights = want
		return nil
	})
	if err != nil {
		return d, err
	}
	for _, l := range sortedListeners(want) {
		if err := e.deps.LoadBalancer.SetForwardWeights(r.pctx(), l, want[l]); err != nil {
			return d, fail("ELASTIC_LOAD_BALANCING_INVALID", "The weights of listener %s could not be set: %v", l, err)
		}
	}
	return d, nil
}

func sortedListeners(m map[string]map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// restoreNow freezes the run's weights and puts the original ones back,
// recording them first.
func (r *run) restoreNow() {
	r.traffic.Lock()
	defer r.traffic.Unlock()
	r.frozen = true
	d := r.record()
	if d == nil || !d.blueGreen() || len(d.Original) == 0 || equalWeights(d.Weights, d.Original) {
		return
	}
	e := r.e
	pctx := r.pctx()
	nd, err := e.mutate(pctx, d, func(x *deploymentRecord) error {
		x.Weights = x.Original
		return nil
	})
	if err != nil {
		e.log.Error("record original weights", "deployment", d.Info.DeploymentID, "err", err)
	}
	_ = nd
	for _, l := range sortedListeners(d.Original) {
		if err := e.deps.LoadBalancer.SetForwardWeights(pctx, l, d.Original[l]); err != nil {
			e.log.Error("restore original weights", "deployment", d.Info.DeploymentID, "listener", l, "err", err)
		}
	}
	e.log.Info("traffic returned to the original instances", "deployment", d.Info.DeploymentID)
}

func equalWeights(a, b map[string]map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !maps.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// restoreTraffic re-applies the weights an interrupted deployment
// recorded, so after a restart the load balancer serves from the last
// consistent traffic state.
func (e *Engine) restoreTraffic(ctx context.Context, d *deploymentRecord) error {
	if e.deps.LoadBalancer == nil || len(d.Weights) == 0 {
		return nil
	}
	for _, l := range sortedListeners(d.Weights) {
		if err := e.deps.LoadBalancer.SetForwardWeights(ctx, l, d.Weights[l]); err != nil {
			return err
		}
	}
	return nil
}

// --- waiting ---

// sleep waits for d or until the run is interrupted or woken; it returns
// the run's cause when interrupted.
func (r *run) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.wake:
		return nil
	case <-r.ctx.Done():
		return context.Cause(r.ctx)
	}
}

// interrupted returns the error a phase should return when the run's
// context ended.
func (r *run) interrupted() error {
	if r.ctx.Err() == nil {
		return nil
	}
	return context.Cause(r.ctx)
}

// --- alarms ---

func (e *Engine) alarmPoll() time.Duration {
	if e.deps.AlarmPollInterval > 0 {
		return e.deps.AlarmPollInterval
	}
	return max(e.clk.Scale(10*time.Second), 100*time.Millisecond)
}

// watchAlarms polls the deployment's alarms until it ends (state changes
// also arrive through onAlarmChange). An alarm in ALARM stops the
// deployment; an alarm whose state cannot be read stops it too unless
// ignorePollAlarmFailure is set.
func (e *Engine) watchAlarms(r *run, d *deploymentRecord) {
	var names []string
	for _, a := range d.Alarms.Alarms {
		names = append(names, a.Name)
	}
	r.mu.Lock()
	r.alarms = names
	r.mu.Unlock()
	ctx := r.ctx
	check := func() bool {
		var firing []string
		for _, n := range names {
			st, err := e.deps.Alarms.AlarmState(ctx, n)
			if ctx.Err() != nil {
				return false
			}
			if err != nil {
				if d.Alarms.IgnorePollAlarmFailure {
					continue
				}
				e.stopRun(r, &stopCause{code: "ALARM_ACTIVE", msg: fmt.Sprintf("The deployment was stopped because the state of alarm %s could not be retrieved: %v", n, err), event: RollbackOnAlarm})
				return false
			}
			if st == AlarmAlarm {
				firing = append(firing, n)
			}
		}
		if len(firing) > 0 {
			e.stopRun(r, &stopCause{code: "ALARM_ACTIVE", msg: msgAlarmActive + strings.Join(firing, ", "), event: RollbackOnAlarm})
			return false
		}
		return true
	}
	if !check() {
		return
	}
	t := time.NewTicker(e.alarmPoll())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !check() {
				return
			}
		}
	}
}

// onAlarmChange receives alarm state changes from CloudWatch: a
// deployment watching an alarm that went into ALARM stops at once.
func (e *Engine) onAlarmChange(ctx context.Context, name, oldState, newState string) {
	if newState != AlarmAlarm {
		return
	}
	sc := awsctx.From(ctx)
	e.mu.Lock()
	var hit []*run
	for _, r := range e.runs {
		if sc.AccountID != "" && (r.account != sc.AccountID || r.region != sc.Region) {
			continue
		}
		r.mu.Lock()
		if contains(r.alarms, name) {
			hit = append(hit, r)
		}
		r.mu.Unlock()
	}
	e.mu.Unlock()
	for _, r := range hit {
		e.stopRun(r, &stopCause{code: "ALARM_ACTIVE", msg: msgAlarmActive + name, event: RollbackOnAlarm})
	}
}

// stopRun records a stop cause and aborts the run.
func (e *Engine) stopRun(r *run, c *stopCause) {
	if err := e.stop(withScope(context.WithoutCancel(r.ctx), r.account, r.region), r.id, c); err != nil && !errDeploymentAlreadyCompleted.Is(err) {
		e.log.Warn("stop deployment", "deployment", r.id, "err", err)
		r.abort(c)
	}
}

// --- waiting for a deployment (pipelines, CloudFormation) ---

func (e *Engine) notify(id string) {
	e.mu.Lock()
	ws := e.waiters[id]
	delete(e.waiters, id)
	e.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

// WaitDeployment blocks until a deployment completes (Succeeded, Failed
// or Stopped) or ctx ends, and returns it. ctx carries the account and
// region.
func (e *Engine) WaitDeployment(ctx context.Context, id string) (*DeploymentInfo, error) {
	ch := make(chan struct{})
	e.mu.Lock()
	e.waiters[id] = append(e.waiters[id], ch)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		ws := e.waiters[id]
		for i, w := range ws {
			if w == ch {
				e.waiters[id] = append(ws[:i:i], ws[i+1:]...)
				break
			}
		}
		if len(e.waiters[id]) == 0 {
			delete(e.waiters, id)
		}
		e.mu.Unlock()
	}()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		d, err := e.GetDeployment(ctx, id)
		if err != nil {
			return nil, err
		}
		if terminal(d.Status) {
			return d, nil
		}
		select {
		case <-ch:
			// Notified: the next read sees the final status.
			ch = make(chan struct{})
			e.mu.Lock()
			e.waiters[id] = append(e.waiters[id], ch)
			e.mu.Unlock()
		case <-t.C:
		case <-ctx.Done():
			return d, ctx.Err()
		}
	}
}
