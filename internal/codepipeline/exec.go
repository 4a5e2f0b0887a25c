package codepipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// The orchestrator. Each execution in progress has a run: a driver
// goroutine that moves it through its stages, writing every transition to
// the store before taking the next step:
//
//	waiting ──grant──▶ entry (beforeEntry) ──▶ running (actions by runOrder)
//	   ▲                                         │
//	   └────────── next stage ◀── exit (onSuccess)
//
// A stage holds at most one execution in SUPERSEDED and QUEUED mode (the
// per-pipeline scheduler, sched.go); PARALLEL executions never wait for
// each other. Actions run on goroutines of their own and report results
// to the driver over a channel; the driver is the only writer of
// structure (stages, action attempts), providers only record progress on
// their own action through Job.

const (
	phaseEntry = "entry"
	phaseExit  = "exit"
)

// run is one execution in progress.
type run struct {
	e    *Engine
	pkey string
	key  string
	decl *PipelineDeclaration

	mu sync.Mutex
	x  *execution

	// stopCtx ends on any stop request (it cancels condition evaluation
	// and waits); actCtx ends on stop-and-abandon (it cancels actions).
	// Both end when the engine closes.
	stopCtx    context.Context
	stopCancel context.CancelFunc
	actCtx     context.Context
	actCancel  context.CancelFunc
	wake       chan struct{}
	results    chan actionResult
	done       chan struct{}

	// pending is the waiter recovery queued for the driver.
	pending *waiter

	sigMu   sync.Mutex
	signals map[string]chan Signal // by action execution id

	// inflight is driver-local: action execution ids with a goroutine.
	inflight map[string]bool

	// dead marks a run whose pipeline was deleted: nothing more is
	// recorded (guarded by mu).
	dead bool
}

type actionResult struct {
	id  string
	out *Outcome
	err error
}

func terminalStatus(s string) bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusStopped, StatusSuperseded, StatusCancelled:
		return true
	}
	return false
}

func (e *Engine) newRun(pkey string, decl *PipelineDeclaration, x *execution) *run {
	r := &run{e: e, pkey: pkey, key: pkey + "/" + x.ID, decl: decl, x: x,
		wake: make(chan struct{}, 1), results: make(chan actionResult, 8), done: make(chan struct{}),
		signals: map[string]chan Signal{}, inflight: map[string]bool{}}
	r.stopCtx, r.stopCancel = context.WithCancel(e.life)
	r.actCtx, r.actCancel = context.WithCancel(e.life)
	if x.Stopping {
		r.stopCancel()
		if x.StopAbandon {
			r.actCancel()
		}
	}
	return r
}

// launch registers and starts a run's driver.
func (e *Engine) launch(r *run) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.runs[r.key] = r
	e.wg.Add(1)
	e.mu.Unlock()
	go r.drive()
}

// view reads the execution under the run's lock.
func (r *run) view(fn func(x *execution)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.x)
}

// snapshot is a deep copy of the execution.
func (r *run) snapshot() *execution {
	r.mu.Lock()
	b, _ := json.Marshal(r.x)
	r.mu.Unlock()
	var x execution
	json.Unmarshal(b, &x)
	return &x
}

// mark names what became the latest of its stage or action.
type mark struct{ stage, action string }

// update applies fn and writes the execution (and the latest marks) in
// one transaction before returning.
func (r *run) update(fn func(x *execution), marks ...mark) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return nil
	}
	fn(r.x)
	r.x.Updated = r.e.clk.Now()
	if err := r.e.persist(r.pkey, r.x, marks); err != nil {
		r.e.log.Error("codepipeline: record execution", "execution", r.x.ID, "err", err)
		return err
	}
	r.e.notify(r.pkey)
	return nil
}

func (e *Engine) persist(pkey string, x *execution, marks []mark) error {
	// Engine methods run on contexts that may be cancelled; a transition
	// must be recorded regardless, so it uses a background context.
	return e.st.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put(bExecs, pkey+"/"+x.ID, x); err != nil {
			return err
		}
		if terminalStatus(x.Status) {
			if err := tx.Delete(bActive, pkey+"/"+x.ID); err != nil {
				return err
			}
		} else if err := tx.Put(bActive, pkey+"/"+x.ID, ""); err != nil {
			return err
		}
		if len(marks) == 0 {
			return nil
		}
		var doc latestDoc
		if err := tx.Get(bLatest, pkey, &doc); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if doc.Stages == nil {
			doc.Stages = map[string]string{}
		}
		if doc.Actions == nil {
			doc.Actions = map[string]string{}
		}
		for _, m := range marks {
			if m.action == "" {
				doc.Stages[m.stage] = x.ID
			} else {
				doc.Actions[m.stage+"/"+m.action] = x.ID
			}
		}
		return tx.Put(bLatest, pkey, &doc)
	})
}

func (r *run) stage(x *execution, i int) *stageRun { return x.Stages[i] }

// --- the driver ---

func (r *run) drive() {
	defer r.e.wg.Done()
	defer r.exit()
	for !r.e.shuttingDown() {
		var status, phase string
		var cur int
		var stopping bool
		r.view(func(x *execution) { status, phase, cur, stopping = x.Status, x.Phase, x.Cur, x.Stopping })
		if terminalStatus(status) {
			return
		}
		if cur >= len(r.decl.Stages) {
			r.end(StatusSucceeded, "")
			return
		}
		switch phase {
		case phaseWaiting, "":
			if stopping {
				r.end(StatusStopped, "")
				return
			}
			r.await(cur)
		case phaseEntry:
			r.entry(cur)
		case phaseRunning:
			r.runStage(cur)
		case phaseExit:
			r.leave(cur)
		default:
			r.end(StatusFailed, "unknown execution phase "+phase)
			return
		}
	}
}

// exit unregisters the run when its driver ends.
func (r *run) exit() {
	defer close(r.done)
	r.stopCancel()
	r.actCancel()
	e := r.e
	var status string
	var id string
	r.view(func(x *execution) { status, id = x.Status, x.ID })
	e.mu.Lock()
	delete(e.runs, r.key)
	var freed []string
	if terminalStatus(status) {
		freed = e.forget(r.pkey, id)
	}
	e.mu.Unlock()
	for _, st := range freed {
		e.dispatch(r.pkey, st)
	}
}

// end finishes the execution with a status.
func (r *run) end(status, summary string) {
	now := r.e.clk.Now()
	r.update(func(x *execution) {
		x.Status = status
		if summary != "" {
			x.Summary = summary
		}
		x.End = now
		if status != StatusSucceeded {
			x.Phase = ""
		}
	})
}

// await waits at the inbound transition of stage cur.
func (r *run) await(cur int) {
	name := r.decl.Stages[cur].Name
	w := r.pending
	r.pending = nil
	if w == nil {
		w = r.e.enqueue(r, name, false)
	}
	select {
	case g := <-w.ch:
		if g.supersededBy != "" {
			r.end(StatusSuperseded, "Superseded by pipeline execution "+g.supersededBy)
			return
		}
		now := r.e.clk.Now()
		r.update(func(x *execution) {
			sr := x.Stages[cur]
			if sr.Start.IsZero() {
				sr.Epoch = 1
				sr.Type = x.Type
				x.Phase = phaseEntry
			} else {
				// A retried stage goes straight back to its actions.
				x.Phase = phaseRunning
			}
			sr.Status = StatusInProgress
			sr.Start, sr.End = now, time.Time{}
			sr.Summary = ""
			x.WaitSince = time.Time{}
		}, mark{stage: name})
	case <-r.stopCtx.Done():
		r.e.dequeue(r.pkey, w)
		if !r.e.shuttingDown() {
			r.end(StatusStopped, "")
		}
	}
}

// entry evaluates the stage's beforeEntry conditions.
func (r *run) entry(cur int) {
	s := &r.decl.Stages[cur]
	if s.BeforeEntry == nil {
		r.update(func(x *execution) { x.Phase = phaseRunning })
		return
	}
	res := r.evalConditions(cur, condBeforeEntry, s.BeforeEntry.Conditions)
	switch {
	case res.interrupted:
		r.stopStage(cur)
	case res.passed:
		r.update(func(x *execution) { x.Phase = phaseRunning })
	case res.cond.Result == "SKIP":
		now := r.e.clk.Now()
		r.update(func(x *execution) {
			sr := x.Stages[cur]
			sr.Status, sr.End, sr.Summary = StatusSkipped, now, res.summary
			r.advance(x, cur)
		})
		r.e.release(r.pkey, s.Name, r.id())
	default: // FAIL
		r.failStage(cur, "The entry condition of stage "+s.Name+" failed: "+res.summary, false)
	}
}

func (r *run) id() string {
	var id string
	r.view(func(x *execution) { id = x.ID })
	return id
}

// advance moves x past stage cur (under update).
func (r *run) advance(x *execution, cur int) {
	next := cur + 1
	if x.Only != "" {
		next = len(r.decl.Stages)
	}
	x.Cur = next
	if next >= len(r.decl.Stages) {
		x.Status, x.End, x.Phase = StatusSucceeded, r.e.clk.Now(), ""
		return
	}
	if x.Stopping {
		x.Status, x.End, x.Phase = StatusStopped, r.e.clk.Now(), ""
		return
	}
	x.Phase, x.WaitSince = phaseWaiting, r.e.clk.Now()
}

// leave evaluates onSuccess conditions and moves on.
func (r *run) leave(cur int) {
	s := &r.decl.Stages[cur]
	if s.OnSuccess != nil {
		res := r.evalConditions(cur, condOnSuccess, s.OnSuccess.Conditions)
		switch {
		case res.interrupted:
			r.stopStage(cur)
			return
		case !res.passed && res.cond.Result == "FAIL":
			r.failStage(cur, "The on-success condition of stage "+s.Name+" failed: "+res.summary, false)
			return
		case !res.passed && res.cond.Result == "ROLLBACK":
			r.failStage(cur, "The on-success condition of stage "+s.Name+" failed: "+res.summary, true)
			return
		}
	}
	now := r.e.clk.Now()
	r.update(func(x *execution) {
		sr := x.Stages[cur]
		sr.Status, sr.End = StatusSucceeded, now
		r.advance(x, cur)
	})
	r.e.release(r.pkey, s.Name, r.id())
}

// stopStage ends the stage and the execution as Stopped.
func (r *run) stopStage(cur int) {
	if r.e.shuttingDown() {
		return
	}
	now := r.e.clk.Now()
	r.update(func(x *execution) {
		sr := x.Stages[cur]
		sr.Status, sr.End = StatusStopped, now
		for _, c := range sr.Conditions {
			if c.Status == StatusInProgress {
				c.Status = StatusCancelled
				for _, rr := range c.Rules {
					if rr.Status == StatusInProgress {
						rr.Status, rr.Updated = StatusAbandoned, now
					}
				}
			}
		}
		x.Status, x.End, x.Phase = StatusStopped, now, ""
	})
	r.e.release(r.pkey, r.decl.Stages[cur].Name, r.id())
}

// failStage handles a failed stage: automatic retry, rollback, or the
// execution fails. forceRollback is an on-success condition's ROLLBACK.
func (r *run) failStage(cur int, summary string, forceRollback bool) {
	if r.e.shuttingDown() {
		return
	}
	s := &r.decl.Stages[cur]
	f := s.OnFailure
	var autoRetries int
	var failedID string
	r.view(func(x *execution) { autoRetries = x.Stages[cur].AutoRetries; failedID = x.ID })
	if f != nil && f.Result == "RETRY" && !forceRollback && autoRetries < 1 && summary == "" {
		mode := "FAILED_ACTIONS"
		if f.RetryConfiguration != nil && f.RetryConfiguration.RetryMode != "" {
			mode = f.RetryConfiguration.RetryMode
		}
		r.update(func(x *execution) {
			sr := x.Stages[cur]
			sr.AutoRetries++
			sr.LastRetry = "AutomatedStageRetry"
			sr.Epoch++
			sr.RetryMode = mode
		})
		return
	}
	rollback := forceRollback || (f != nil && f.Result == "ROLLBACK")
	if f != nil && len(f.Conditions) > 0 && !forceRollback {
		res := r.evalConditions(cur, condOnFailure, f.Conditions)
		if res.interrupted {
			r.stopStage(cur)
			return
		}
		// The condition's result engages when its rules fail.
		rollback = !res.passed && res.cond.Result == "ROLLBACK"
	}
	now := r.e.clk.Now()
	r.update(func(x *execution) {
		sr := x.Stages[cur]
		sr.Status, sr.End = StatusFailed, now
		if summary != "" {
			sr.Summary = summary
		}
		x.Status, x.End, x.Phase = StatusFailed, now, ""
		if summary != "" {
			x.Summary = summary
		} else {
			x.Summary = r.failureSummary(x, cur)
		}
	})
	r.e.release(r.pkey, s.Name, failedID)
	var typ string
	r.view(func(x *execution) { typ = x.Type })
	// A failed rollback is not rolled back again (it would be the target
	// selection's only candidate, again and again).
	if rollback && typ == TypeRollback {
		rollback = false
	}
	if rollback {
		var account, region string
		r.view(func(x *execution) { account, region = x.Account, x.Region })
		ctx := scopeCtx(context.Background(), account, region)
		if _, err := r.e.startRollback(ctx, r.pkey, s.Name, "", TriggerAutomatedRollback, failedID); err != nil {
			r.e.log.Warn("codepipeline: automated rollback not started", "pipeline", r.x.Pipeline, "stage", s.Name, "err", err)
		}
	}
}

func (r *run) failureSummary(x *execution, cur int) string {
	sr := x.Stages[cur]
	for i := len(sr.Actions) - 1; i >= 0; i-- {
		a := sr.Actions[i]
		if a.Epoch == sr.Epoch && a.Status == StatusFailed && a.Error != nil {
			return fmt.Sprintf("Action %s in stage %s failed: %s", a.Name, sr.Name, a.Error.Message)
		}
	}
	return "Stage " + sr.Name + " failed"
}

// actionState is one action's state in the stage's current attempt.
type actionState struct {
	decl    *ActionDeclaration
	latest  *actionRun
	state   string // run, running, done, failed
	inGroup int
}

// plan lists the stage's actions by run order with their states.
func (r *run) plan(cur int) [][]actionState {
	s := &r.decl.Stages[cur]
	byOrder := map[int][]actionState{}
	r.view(func(x *execution) {
		sr := x.Stages[cur]
		for i := range s.Actions {
			a := &s.Actions[i]
			st := actionState{decl: a, latest: sr.latest(a.Name), state: "run"}
			if l := st.latest; l != nil {
				switch {
				case l.Epoch == sr.Epoch && l.Status == StatusInProgress:
					st.state = "running"
				case l.Epoch == sr.Epoch && l.Status == StatusSucceeded:
					st.state = "done"
				case l.Epoch == sr.Epoch:
					st.state = "failed"
				case l.Status == StatusSucceeded && sr.RetryMode == "FAILED_ACTIONS":
					st.state = "done"
				}
			}
			byOrder[a.runOrder()] = append(byOrder[a.runOrder()], st)
		}
	})
	orders := make([]int, 0, len(byOrder))
	for o := range byOrder {
		orders = append(orders, o)
	}
	sort.Ints(orders)
	out := make([][]actionState, len(orders))
	for i, o := range orders {
		out[i] = byOrder[o]
	}
	return out
}

// runStage runs the stage's actions, one run-order group at a time, until
// the stage succeeds (→ exit), fails or stops.
func (r *run) runStage(cur int) {
	for !r.e.shuttingDown() {
		var status string
		r.view(func(x *execution) { status = x.Status })
		if terminalStatus(status) {
			return // the pipeline was deleted
		}
		groups := r.plan(cur)
		var group []actionState
		for _, g := range groups {
			for _, a := range g {
				if a.state != "done" {
					group = g
					break
				}
			}
			if group != nil {
				break
			}
		}
		if group == nil {
			r.update(func(x *execution) { x.Phase = phaseExit })
			return
		}
		var stopping bool
		r.view(func(x *execution) { stopping = x.Stopping })
		running, failed := 0, 0
		replan := false
		for _, a := range group {
			switch a.state {
			case "running":
				running++
				if !r.inflight[a.latest.ID] {
					// In flight before a restart: follow it again, or
					// fail it (then the plan changes).
					r.resumeAction(cur, a)
					replan = replan || !r.inflight[a.latest.ID]
				}
			case "failed":
				failed++
			}
		}
		if replan {
			continue
		}
		if running == 0 && stopping {
			r.stopStage(cur)
			return
		}
		if running == 0 && failed > 0 {
			r.failStage(cur, "", false)
			return
		}
		if failed == 0 && !stopping {
			for _, a := range group {
				if a.state == "run" {
					running++
					r.startAction(cur, a.decl)
				}
			}
		}
		if running == 0 {
			continue
		}
		select {
		case res := <-r.results:
			r.record(res)
		case <-r.wake:
		case <-r.e.life.Done():
			return
		}
	}
}

// startAction records a new attempt of an action and runs it.
func (r *run) startAction(cur int, a *ActionDeclaration) {
	prov, ok := r.e.reg.action(a.ActionTypeID)
	now := r.e.clk.Now()
	ar := &actionRun{ID: newUUID(), Name: a.Name, Stage: r.decl.Stages[cur].Name, RunOrder: a.runOrder(),
		Status: StatusInProgress, Start: now, Updated: now, TypeID: *a.ActionTypeID, Config: a.Configuration,
		RoleArn: a.RoleArn, Region: a.Region, Namespace: a.Namespace}
	var job *Job
	r.update(func(x *execution) {
		sr := x.Stages[cur]
		ar.Epoch = sr.Epoch
		sr.Actions = append(sr.Actions, ar)
		fail := func(msg string) {
			ar.Status, ar.Error, ar.Summary = StatusFailed, &ErrorDetails{Code: "JobFailed", Message: msg}, msg
		}
		if !ok {
			fail(fmt.Sprintf("ActionType %s is not available", typeString(a.ActionTypeID)))
			return
		}
		sc := x.scope()
		resolved, err := sc.resolveMap(a.Configuration)
		if err != nil {
			fail(err.Error())
			return
		}
		ar.Resolved = resolved
		region := x.Region
		if a.Region != "" {
			region = a.Region
		}
		store, _ := storeFor(r.decl, region)
		for _, in := range a.InputArtifacts {
			ref := x.Artifacts[in.Name]
			if ref == nil {
				fail(fmt.Sprintf("Input artifact %s was not produced by this pipeline execution", in.Name))
				return
			}
			ar.Inputs = append(ar.Inputs, ref)
		}
		for _, out := range a.OutputArtifacts {
			ar.Outputs = append(ar.Outputs, &artifactRef{Name: out.Name, Bucket: store.Location, Key: artifactKey(x.Pipeline, out.Name)})
		}
		job = r.newJob(x, ar, a)
	}, mark{stage: ar.Stage, action: a.Name})
	if job == nil {
		return
	}
	r.spawn(job, ar, a, func(ctx context.Context) (*Outcome, error) { return prov.Run(ctx, job) })
}

// resumeAction follows an action that was in flight when skiff stopped.
func (r *run) resumeAction(cur int, st actionState) {
	prov, ok := r.e.reg.action(st.decl.ActionTypeID)
	res, canResume := prov.(Resumer)
	if !ok || !canResume {
		name := "this action type"
		if ok {
			name = prov.Type().Provider
		}
		r.record(actionResult{id: st.latest.ID, out: &Outcome{Failed: true, ErrorCode: "JobFailed",
			ErrorMessage: fmt.Sprintf("skiff restarted while the action was in progress, and %s actions cannot be resumed; retry the stage to run it again", name)}})
		return
	}
	var job *Job
	var ar *actionRun
	r.view(func(x *execution) {
		ar = x.Stages[cur].latest(st.decl.Name)
		job = r.newJob(x, ar, st.decl)
	})
	r.e.log.Info("codepipeline: resuming action", "pipeline", job.Pipeline, "execution", job.ExecutionID, "stage", job.Stage, "action", job.Action)
	r.spawn(job, ar, st.decl, func(ctx context.Context) (*Outcome, error) { return res.Resume(ctx, job) })
}

// newJob builds a provider's view of an action attempt (under the lock).
func (r *run) newJob(x *execution, ar *actionRun, a *ActionDeclaration) *Job {
	j := &Job{Account: x.Account, Region: x.Region, Pipeline: x.Pipeline,
		PipelineARN: awsctx.ARN("codepipeline", x.Region, x.Account, x.Pipeline), ExecutionID: x.ID,
		Stage: ar.Stage, Action: ar.Name, ActionExecutionID: ar.ID, Declaration: a, Config: ar.Resolved,
		Start: ar.Start, Deps: &r.e.deps, Clock: r.e.clk, Log: r.e.log, e: r.e, run: r, ar: ar,
		sig: make(chan Signal, 1), state: ar.State, token: ar.Token}
	if j.Config == nil {
		j.Config = map[string]string{}
	}
	for _, in := range ar.Inputs {
		j.Inputs = append(j.Inputs, ArtifactLocation{Name: in.Name, Bucket: in.Bucket, Key: in.Key})
	}
	for _, out := range ar.Outputs {
		j.Outputs = append(j.Outputs, ArtifactLocation{Name: out.Name, Bucket: out.Bucket, Key: out.Key})
	}
	if x.Push != nil && x.Push.Action == ar.Name && ar.Stage == r.decl.Stages[0].Name {
		ev := *x.Push.Event
		j.Push = &ev
	}
	for i := range x.Overrides {
		if o := x.Overrides[i]; o.ActionName == ar.Name {
			j.Override = &o
		}
	}
	if len(ar.Inputs) > 0 {
		primary := ar.Inputs[0].Name
		if ps := ar.Resolved["PrimarySource"]; ps != "" {
			primary = ps
		}
		for _, rv := range x.Revisions {
			if rv.Name == primary {
				j.InputRevision = rv.ID
			}
		}
	}
	return j
}

// spawn runs an action on its own goroutine.
func (r *run) spawn(job *Job, ar *actionRun, a *ActionDeclaration, fn func(ctx context.Context) (*Outcome, error)) {
	r.inflight[ar.ID] = true
	r.sigMu.Lock()
	r.signals[ar.ID] = job.sig
	r.sigMu.Unlock()
	ctx := scopeCtx(r.actCtx, job.Account, job.Region)
	var cancel context.CancelFunc = func() {}
	if a.TimeoutInMinutes != nil {
		ctx, cancel = context.WithTimeout(ctx, r.e.clk.Scale(time.Duration(*a.TimeoutInMinutes)*time.Minute))
	}
	r.e.wg.Add(1)
	go func() {
		defer r.e.wg.Done()
		defer cancel()
		out, err := safeRun(ctx, fn)
		if err == nil && out == nil {
			out = &Outcome{}
		}
		if ctx.Err() == context.DeadlineExceeded && r.actCtx.Err() == nil {
			out, err = &Outcome{Failed: true, ErrorCode: "JobFailed", ErrorMessage: fmt.Sprintf("The action did not complete within its timeout of %d minutes", *a.TimeoutInMinutes)}, nil
		}
		select {
		case r.results <- actionResult{id: ar.ID, out: out, err: err}:
		case <-r.done:
		}
	}()
}

// safeRun turns a provider panic into an action failure.
func safeRun(ctx context.Context, fn func(ctx context.Context) (*Outcome, error)) (out *Outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("internal error in the action provider: %v", p)
		}
	}()
	return fn(ctx)
}

// record writes an action's result.
func (r *run) record(res actionResult) {
	delete(r.inflight, res.id)
	r.sigMu.Lock()
	delete(r.signals, res.id)
	r.sigMu.Unlock()
	if r.e.shuttingDown() {
		return
	}
	abandoned := r.actCtx.Err() != nil
	now := r.e.clk.Now()
	r.update(func(x *execution) {
		var ar *actionRun
		for _, sr := range x.Stages {
			for _, a := range sr.Actions {
				if a.ID == res.id {
					ar = a
				}
			}
		}
		if ar == nil || ar.terminal() {
			return
		}
		ar.Updated = now
		out := res.out
		switch {
		case abandoned && (res.err != nil || out == nil || out.Failed):
			ar.Status = StatusAbandoned
			if ar.Summary == "" {
				ar.Summary = "The action was abandoned when the pipeline execution was stopped"
			}
		case res.err != nil:
			ar.Status = StatusFailed
			ar.Error = &ErrorDetails{Code: "JobFailed", Message: res.err.Error()}
		case out.Failed:
			ar.Status = StatusFailed
			code := out.ErrorCode
			if code == "" {
				code = "JobFailed"
			}
			msg := out.ErrorMessage
			if msg == "" {
				msg = out.Summary
			}
			ar.Error = &ErrorDetails{Code: code, Message: msg}
		default:
			ar.Status = StatusSucceeded
			if x.Artifacts == nil {
				x.Artifacts = map[string]*artifactRef{}
			}
			for _, o := range ar.Outputs {
				x.Artifacts[o.Name] = o
			}
			if len(out.Variables) > 0 || ar.Namespace != "" {
				ar.OutVars = out.Variables
				if ar.Namespace != "" {
					if x.Vars == nil {
						x.Vars = map[string]map[string]string{}
					}
					x.Vars[ar.Namespace] = out.Variables
					if x.Vars[ar.Namespace] == nil {
						x.Vars[ar.Namespace] = map[string]string{}
					}
				}
			}
			if rv := out.Revision; rv != nil {
				ar.Revision = rv
				for _, o := range ar.Outputs {
					x.setRevision(artifactRevision{Action: ar.Name, Name: o.Name, ID: rv.ID, ChangeID: rv.ChangeID,
						Summary: rv.Summary, Created: rv.Created, URL: rv.URL, Author: rv.Author})
				}
			}
		}
		if out != nil {
			if out.Summary != "" {
				ar.Summary = out.Summary
			}
			if out.ExternalID != "" {
				ar.ExtID = out.ExternalID
			}
			if out.ExternalURL != "" {
				ar.ExtURL = out.ExternalURL
			}
			if out.UpdatedBy != "" {
				ar.UpdatedBy = out.UpdatedBy
			}
		}
	})
}

func (x *execution) setRevision(rv artifactRevision) {
	for i := range x.Revisions {
		if x.Revisions[i].Name == rv.Name {
			x.Revisions[i] = rv
			return
		}
	}
	x.Revisions = append(x.Revisions, rv)
}

// --- conditions ---

type condResult struct {
	passed      bool
	interrupted bool
	cond        *Condition
	summary     string
}

// evalConditions evaluates a stage's condition set: a condition is met
// when all its rules pass; the first unmet one is returned with its
// result. States are recorded as they change.
func (r *run) evalConditions(cur int, kind string, conds []Condition) condResult {
	for ci := range conds {
		c := &conds[ci]
		now := r.e.clk.Now()
		var runs []*ruleRun
		r.update(func(x *execution) {
			sr := x.Stages[cur]
			if sr.Conditions == nil {
				sr.Conditions = map[string]*conditionRun{}
			}
			prev := sr.Conditions[kind]
			cr := &conditionRun{Status: StatusInProgress, At: now}
			for _, rd := range c.Rules {
				rr := &ruleRun{Name: rd.Name, ID: newUUID(), Status: StatusInProgress, Start: now, Updated: now, TypeID: *rd.RuleTypeID, Config: rd.Configuration}
				// A restart keeps a rule's original start (deadlines).
				if prev != nil && prev.Status == StatusInProgress {
					for _, p := range prev.Rules {
						if p.Name == rd.Name {
							rr.ID, rr.Start = p.ID, p.Start
						}
					}
				}
				cr.Rules = append(cr.Rules, rr)
			}
			sr.Conditions[kind] = cr
			runs = cr.Rules
		})
		passed, summary := true, ""
		for ri := range c.Rules {
			rd := &c.Rules[ri]
			ok, sum, err := r.evalRule(cur, kind, rd, runs[ri])
			if r.stopCtx.Err() != nil {
				return condResult{interrupted: true, cond: c}
			}
			status := StatusSucceeded
			if err != nil {
				status, sum = StatusFailed, err.Error()
			} else if !ok {
				status = StatusFailed
			}
			rr := runs[ri]
			t := r.e.clk.Now()
			r.update(func(x *execution) { rr.Status, rr.Summary, rr.Updated = status, sum, t })
			if status != StatusSucceeded {
				passed, summary = false, fmt.Sprintf("Rule %s: %s", rd.Name, sum)
				break
			}
		}
		r.update(func(x *execution) {
			cr := x.Stages[cur].Conditions[kind]
			cr.At = r.e.clk.Now()
			if passed {
				cr.Status, cr.Summary = StatusSucceeded, "All rules passed"
			} else {
				cr.Status, cr.Summary = StatusFailed, summary
				for _, rr := range cr.Rules {
					if rr.Status == StatusInProgress {
						rr.Status = StatusAbandoned
					}
				}
			}
		})
		if !passed {
			return condResult{cond: c, summary: summary}
		}
	}
	return condResult{passed: true}
}

func (r *run) evalRule(cur int, kind string, rd *RuleDeclaration, rr *ruleRun) (bool, string, error) {
	prov, ok := r.e.reg.rule(rd.RuleTypeID)
	if !ok {
		return false, "", fmt.Errorf("rule type %s is not available", rd.RuleTypeID.Provider)
	}
	var rc *RuleContext
	var rerr error
	r.update(func(x *execution) {
		resolved, err := x.scope().resolveMap(rd.Configuration)
		if err != nil {
			rerr = err
			return
		}
		rr.Resolved = resolved
		rc = &RuleContext{Account: x.Account, Region: x.Region, Pipeline: x.Pipeline, ExecutionID: x.ID,
			Stage: r.decl.Stages[cur].Name, Kind: kind, Config: resolved, Start: rr.Start, Deps: &r.e.deps, Clock: r.e.clk}
	})
	if rerr != nil {
		return false, "", rerr
	}
	if rd.TimeoutInMinutes != nil {
		rc.Timeout = time.Duration(*rd.TimeoutInMinutes) * time.Minute
	}
	ctx := scopeCtx(r.stopCtx, rc.Account, rc.Region)
	type result struct {
		ok  bool
		sum string
		err error
	}
	ch := make(chan result, 1)
	r.e.wg.Add(1)
	go func() {
		defer r.e.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: fmt.Errorf("internal error in the rule provider: %v", p)}
			}
		}()
		ok, sum, err := prov.Evaluate(ctx, rc)
		ch <- result{ok, sum, err}
	}()
	res := <-ch
	return res.ok, res.sum, res.err
}

// --- starting executions ---

type startOpts struct {
	trigger   trigger
	variables map[string]string
	overrides []SourceRevisionOverride
	push      *pushRef
	token     string
	// rollback: the stage to run and the execution to redeploy.
	only, target string
	typ          string
}

// startExecution records a new execution of the pipeline's current
// version and launches its driver.
func (e *Engine) startExecution(ctx context.Context, pkey string, o startOpts) (*execution, error) {
	rec := e.cached(pkey)
	if rec == nil {
		_, _, name := splitPipelineKey(pkey)
		sc := awsctx.From(ctx)
		return nil, pipelineNotFound(sc.AccountID, name)
	}
	decl := rec.Decl
	vars, err := pipelineVariables(&decl, o.variables)
	if err != nil {
		return nil, err
	}
	for _, ov := range o.overrides {
		if err := checkOverride(&decl, ov); err != nil {
			return nil, err
		}
	}
	now := e.clk.Now()
	typ := o.typ
	if typ == "" {
		typ = TypeStandard
	}
	x := &execution{ID: newUUID(), Account: rec.Account, Region: rec.Region, Pipeline: rec.Name, Version: rec.version(),
		Mode: decl.ExecutionMode, Type: typ, Status: StatusInProgress, Trigger: o.trigger, Start: now, Updated: now,
		Variables: vars, Overrides: o.overrides, Push: o.push, Phase: phaseWaiting, WaitSince: now, Only: o.only,
		RollbackTarget: o.target}
	for _, s := range decl.Stages {
		x.Stages = append(x.Stages, &stageRun{Name: s.Name})
		if s.Name == o.only {
			x.Cur = len(x.Stages) - 1
		}
	}
	if o.target != "" {
		tgt, err := e.getExecution(ctx, pkey, o.target)
		if err != nil {
			return nil, err
		}
		x.Artifacts, x.Vars, x.Revisions = tgt.Artifacts, tgt.Vars, tgt.Revisions
		x.Variables = tgt.Variables
	}
	var existing string
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if o.token != "" {
			if err := tx.Get(bTokens, pkey+"/"+o.token, &existing); err == nil {
				return nil
			}
		}
		var cur pipelineRecord
		if err := tx.Get(bPipelines, pkey, &cur); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return pipelineNotFound(rec.Account, rec.Name)
			}
			return err
		}
		seq, err := tx.NextSeq("codepipeline.exec/" + pkey)
		if err != nil {
			return err
		}
		x.Seq = seq
		if err := tx.Put(bExecs, pkey+"/"+x.ID, x); err != nil {
			return err
		}
		if err := tx.Put(bOrder, fmt.Sprintf("%s/%016d", pkey, seq), x.ID); err != nil {
			return err
		}
		if err := tx.Put(bActive, pkey+"/"+x.ID, ""); err != nil {
			return err
		}
		if o.token != "" {
			return tx.Put(bTokens, pkey+"/"+o.token, x.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if existing != "" {
		return e.execution(ctx, pkey, existing)
	}
	d := decl
	r := e.newRun(pkey, &d, x)
	if o.typ == TypeRollback {
		r.pending = e.enqueue(r, o.only, true)
	}
	e.launch(r)
	e.notify(pkey)
	return x, nil
}

func checkOverride(d *PipelineDeclaration, ov SourceRevisionOverride) error {
	for _, a := range d.Stages[0].Actions {
		if a.Name != ov.ActionName {
			continue
		}
		switch a.ActionTypeID.Provider {
		case "CodeCommit", "CodeStarSourceConnection":
			if ov.RevisionType == "COMMIT_ID" {
				return nil
			}
		case "S3":
			if ov.RevisionType == "S3_OBJECT_VERSION_ID" || ov.RevisionType == "S3_OBJECT_KEY" {
				return nil
			}
		default:
			return nil
		}
		return errValidation.New("Source revision type %s is not supported for action %s with provider %s", ov.RevisionType, a.Name, a.ActionTypeID.Provider)
	}
	return errValidation.New("Source action %s is not found in the pipeline", ov.ActionName)
}

// startRollback starts a ROLLBACK execution of one stage, redeploying the
// artifacts of target (or, when target is "", of the last execution that
// succeeded in the stage).
func (e *Engine) startRollback(ctx context.Context, pkey, stage, target, triggerType, failedID string) (*execution, error) {
	if target == "" {
		err := e.executions(ctx, pkey, func(x *execution) bool {
			if x.Type != TypeStandard || x.ID == failedID {
				return true
			}
			for _, sr := range x.Stages {
				if sr.Name == stage && sr.Status == StatusSucceeded {
					target = x.ID
					return false
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		if target == "" {
			return nil, errUnableToRollback.New("No previous successful pipeline execution was found for stage %s to roll back to", stage)
		}
	}
	detail := target
	if failedID != "" {
		detail = failedID
	}
	return e.startExecution(ctx, pkey, startOpts{trigger: trigger{Type: triggerType, Detail: detail}, only: stage, target: target, typ: TypeRollback})
}

// --- recovery ---

// recover relaunches every execution that was in progress.
func (e *Engine) recover(ctx context.Context) error {
	var keys []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bActive, store.ScanOptions{}, func(k string, _ []byte) error {
			keys = append(keys, k)
			return nil
		})
	})
	if err != nil {
		return err
	}
	var runs []*run
	for _, k := range keys {
		i := len(k) - 36
		if i < 1 {
			continue
		}
		pkey, id := k[:i-1], k[i:]
		x, err := e.getExecution(ctx, pkey, id)
		if err != nil {
			e.log.Warn("codepipeline: cannot recover execution", "key", k, "err", err)
			continue
		}
		decl, err := e.getVersion(ctx, pkey, x.Version)
		if err != nil || len(decl.Stages) != len(x.Stages) {
			// The pipeline (or its version) is gone: the execution
			// cannot continue.
			x.Status, x.Summary, x.End = StatusFailed, "The pipeline was deleted or changed while skiff was stopped", e.clk.Now()
			e.persist(pkey, x, nil)
			continue
		}
		runs = append(runs, e.newRun(pkey, decl, x))
	}
	// Occupants first, then waiters in the order they arrived.
	e.mu.Lock()
	for _, r := range runs {
		if r.x.Phase != phaseWaiting && r.x.Phase != "" && r.x.Mode != ModeParallel && r.x.Cur < len(r.decl.Stages) {
			e.schedFor(r.pkey).occupant[r.decl.Stages[r.x.Cur].Name] = r.x.ID
		}
	}
	e.mu.Unlock()
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].x.Type != runs[j].x.Type {
			return runs[i].x.Type == TypeRollback
		}
		return runs[i].x.WaitSince.Before(runs[j].x.WaitSince)
	})
	for _, r := range runs {
		if (r.x.Phase == phaseWaiting || r.x.Phase == "") && !r.x.Stopping && r.x.Cur < len(r.decl.Stages) {
			r.pending = e.enqueueRecovered(r, r.decl.Stages[r.x.Cur].Name, r.x.Type == TypeRollback)
		}
	}
	for _, r := range runs {
		e.log.Info("codepipeline: resuming execution", "pipeline", r.x.Pipeline, "execution", r.x.ID, "phase", r.x.Phase)
		e.launch(r)
	}
	return nil
}
