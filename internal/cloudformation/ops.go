package cloudformation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/dag"
	"github.com/skiff-dev/skiff/internal/store"
)

// The operation drivers. Each runs in the stack's background goroutine and
// moves the stack through AWS's statuses; every step is recorded before
// the next, so resume (below) can pick up after a crash.

func (e *Engine) shuttingDown() bool { return e.life.Err() != nil }

func timeoutOf(st *Stack) time.Duration {
	if st.TimeoutInMinutes > 0 {
		return time.Duration(st.TimeoutInMinutes) * time.Minute
	}
	return 0
}

// opCreate creates every resource, then publishes outputs and exports.
func (e *Engine) opCreate(ctx context.Context, st *Stack, p *prepared) {
	r := e.newRun(st, nil, p)
	ok := r.apply(ctx, timeoutOf(st))
	if e.shuttingDown() {
		return // resumed at next start
	}
	var reason string
	if ok {
		outs, err := r.outputs()
		if err == nil {
			err = r.publish(ctx, outs, CreateComplete, "")
		}
		if err == nil {
			return
		}
		reason = err.Error()
	} else {
		reason = r.failureReason()
		if reason == "" {
			reason = "Create stack was cancelled"
		}
	}
	r.afterCreateFailure(ctx, reason)
}

func (r *run) afterCreateFailure(ctx context.Context, reason string) {
	r.setStatus(ctx, CreateFailed, reason)
	switch {
	case r.stack.OnFailure == "DO_NOTHING" || (r.stack.OnFailure == "" && r.stack.DisableRollback):
		return
	case r.stack.OnFailure == "DELETE":
		r.setStatus(ctx, DeleteInProgress, "")
		r.finishDelete(ctx)
	default:
		r.setStatus(ctx, RollbackInProgress, reason+"Rollback requested by user.")
		r.rollbackCreate(ctx)
	}
}

func (r *run) rollbackCreate(ctx context.Context) {
	ok := r.teardown(ctx, r.stack.TemplateBody, true)
	if r.e.shuttingDown() {
		return
	}
	if ok {
		r.setStatus(ctx, RollbackComplete, "")
	} else {
		r.setStatus(ctx, RollbackFailed, r.failureReason())
	}
}

// opDelete deletes the stack's resources and then the stack.
func (e *Engine) opDelete(ctx context.Context, st *Stack) {
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		e.log.Error("load resources", "stack", st.ID, "err", err)
		return
	}
	r := e.newRun(st, res, nil)
	var inUse []string
	e.st.View(ctx, func(tx store.Tx) error {
		for _, o := range st.Outputs {
			if o.ExportName == "" {
				continue
			}
			if users := e.importers(tx, st, o.ExportName); len(users) > 0 {
				inUse = append(inUse, fmt.Sprintf("Cannot delete export %s as it is in use by %s.", o.ExportName, strings.Join(users, ", ")))
			}
		}
		return nil
	})
	if len(inUse) > 0 {
		r.setStatus(ctx, DeleteFailed, "Delete canceled. "+strings.Join(inUse, " "))
		return
	}
	r.finishDelete(ctx)
}

func (r *run) finishDelete(ctx context.Context) {
	ok := r.teardown(ctx, r.stack.TemplateBody, false)
	if r.e.shuttingDown() {
		return
	}
	if !ok {
		r.setStatus(ctx, DeleteFailed, r.failureReason())
		return
	}
	st := r.stack
	t := now()
	ev := &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name, PhysicalID: st.ID,
		ResourceType: "AWS::CloudFormation::Stack", Status: DeleteComplete, Timestamp: t, Token: st.Token}
	err := r.e.st.Update(ctx, func(tx store.Tx) error {
		if err := r.e.dropExports(tx, st); err != nil {
			return err
		}
		var cur string
		if tx.Get(bNames, nameKey(st.AccountID, st.Region, st.Name), &cur) == nil && cur == st.ID {
			if err := tx.Delete(bNames, nameKey(st.AccountID, st.Region, st.Name)); err != nil {
				return err
			}
		}
		// Open change sets die with the stack.
		tx.Scan(bCSNames, store.ScanOptions{Prefix: st.ID + "|"}, func(k string, v []byte) error {
			var id string
			if jsonUnmarshal(v, &id) == nil {
				tx.Delete(bChangeSets, id)
			}
			return tx.Delete(bCSNames, k)
		})
		st.Status, st.StatusReason, st.Deleted = DeleteComplete, "", &t
		if err := tx.Put(bStacks, st.ID, st); err != nil {
			return err
		}
		return r.e.putEvent(tx, ev)
	})
	if err != nil {
		r.e.log.Error("finish delete", "stack", st.ID, "err", err)
	}
}

// opUpdate applies a new template to an existing stack.
func (e *Engine) opUpdate(ctx context.Context, st *Stack, p *prepared) {
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		e.log.Error("load resources", "stack", st.ID, "err", err)
		return
	}
	r := e.newRun(st, res, p)
	// Resources the new template drops are deleted in cleanup, after
	// everything else succeeded.
	var removed []*Resource
	var denied error
	for id, x := range res {
		if _, keep := p.included[id]; keep || !exists(x) {
			continue
		}
		if err := e.checkPolicy(st, x, "Update:Delete"); err != nil && denied == nil {
			denied = err
			r.markFailed(id, "update")
			ev := r.resourceEvent(x, x.PhysicalID, UpdateFailedRes, err.Error(), nil)
			r.save(ctx, x, ev)
		}
		x.Removed = true
		removed = append(removed, x)
	}
	if len(removed) > 0 {
		r.commit(ctx, false, removed)
	}
	ok := denied == nil && r.apply(ctx, timeoutOf(st))
	if e.shuttingDown() {
		return
	}
	var reason string
	if ok {
		outs, err := r.outputs()
		if err == nil {
			err = r.publish(ctx, outs, UpdateCompleteCleanupInProgress, "")
		}
		if err == nil {
			r.cleanupUpdate(ctx)
			return
		}
		reason = err.Error()
	} else {
		reason = r.failureReason()
		if reason == "" {
			reason = "Stack update cancelled"
		}
	}
	if st.DisableRollback {
		r.setStatus(ctx, UpdateFailed, reason)
		return
	}
	r.setStatus(ctx, UpdateRollbackInProgress, reason)
	r.rollbackUpdate(ctx)
}

// cleanupUpdate deletes what a successful update left behind: resources
// the template dropped and the physical resources replacements superseded.
func (r *run) cleanupUpdate(ctx context.Context) {
	oldBody := r.stack.TemplateBody
	if r.stack.Prev != nil {
		oldBody = r.stack.Prev.TemplateBody
	}
	r.mu.Lock()
	targets := map[string]*Resource{}
	for id, x := range r.res {
		if x.Removed || len(x.Old) > 0 {
			targets[id] = x
		}
	}
	r.mu.Unlock()
	g := deletionGraph(oldBody, targets)
	g.Walk(ctx, dag.WalkOptions{Parallelism: r.e.d.Parallelism}, func(ctx context.Context, id string) error {
		x := targets[id]
		if x.Removed {
			r.deleteResource(ctx, x, false)
			return nil // cleanup failures leave the resource behind but do not fail the update
		}
		r.deleteOld(ctx, x)
		return nil
	})
	if r.e.shuttingDown() {
		return
	}
	r.finishUpdate(ctx, UpdateComplete)
}

// deleteOld deletes the physical resources a replacement superseded.
func (r *run) deleteOld(ctx context.Context, x *Resource) {
	r.mu.Lock()
	olds := x.Old
	r.mu.Unlock()
	var left []ResourceState
	for _, o := range olds {
		if retained(o.UpdateReplacePolicy) {
			r.mu.Lock()
			ev := r.resourceEvent(x, o.PhysicalID, DeleteSkipped, "", nil)
			r.mu.Unlock()
			r.save(ctx, x, ev)
			continue
		}
		r.mu.Lock()
		ev := r.resourceEvent(x, o.PhysicalID, DeleteInProgress, "", nil)
		r.mu.Unlock()
		r.save(ctx, x, ev)
		err := r.deletePhysical(ctx, o.Type, x.LogicalID, o.PhysicalID, o.Properties, o.Attributes)
		r.mu.Lock()
		if err != nil {
			ev = r.resourceEvent(x, o.PhysicalID, DeleteFailed, err.Error(), nil)
			left = append(left, o)
		} else {
			ev = r.resourceEvent(x, o.PhysicalID, DeleteComplete, "", nil)
		}
		r.mu.Unlock()
		r.save(ctx, x, ev)
	}
	r.mu.Lock()
	x.Old = nil
	r.mu.Unlock()
	if len(left) > 0 {
		r.e.log.Warn("old physical resources could not be deleted; they are no longer managed by the stack", "stack", r.stack.ID, "resource", x.LogicalID)
	}
}

// finishUpdate clears the update's bookkeeping and records the final status.
func (r *run) finishUpdate(ctx context.Context, status string) {
	st := r.stack
	t := now()
	ev := &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name, PhysicalID: st.ID,
		ResourceType: "AWS::CloudFormation::Stack", Status: status, Timestamp: t, Token: st.Token}
	err := r.e.st.Update(ctx, func(tx store.Tx) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		for id, x := range r.res {
			if (x.Removed && (x.Status == DeleteComplete || x.Status == DeleteSkipped)) || (x.Added && status == UpdateRollbackComplete) {
				delete(r.res, id)
				if err := tx.Delete(bResources, resKey(st.ID, id)); err != nil {
					return err
				}
				continue
			}
			x.Prev, x.Old, x.Discard, x.Added, x.Removed, x.Pending, x.PendingSuffix = nil, nil, nil, false, false, "", ""
			if err := tx.Put(bResources, resKey(st.ID, id), x); err != nil {
				return err
			}
		}
		st.Prev, st.DuringUpdatePolicy, st.SkipOnRollback = nil, "", nil
		st.Status, st.StatusReason = status, ""
		if err := tx.Put(bStacks, st.ID, st); err != nil {
			return err
		}
		return r.e.putEvent(tx, ev)
	})
	if err != nil {
		r.e.log.Error("finish update", "stack", st.ID, "err", err)
	}
}

// rollbackUpdate returns every resource the update touched to its state
// before, in the old template's dependency order, then restores the stack.
func (r *run) rollbackUpdate(ctx context.Context) {
	prev := r.stack.Prev
	if prev == nil {
		prev = &Snapshot{TemplateBody: r.stack.TemplateBody, Parameters: r.stack.Parameters, Outputs: r.stack.Outputs}
	}
	r.mu.Lock()
	targets := map[string]*Resource{}
	for id, x := range r.res {
		if x.Prev != nil || x.Added || x.Removed || x.Pending != "" {
			targets[id] = x
		}
	}
	r.mu.Unlock()
	for k := range r.failed {
		delete(r.failed, k)
	}
	g := deletionGraph(prev.TemplateBody, targets).Reverse()
	res := g.Walk(ctx, dag.WalkOptions{Parallelism: r.e.d.Parallelism}, func(ctx context.Context, id string) error {
		return r.revert(ctx, targets[id])
	})
	if r.e.shuttingDown() {
		return
	}
	if len(res.Errors) > 0 || len(res.Skipped) > 0 {
		r.setStatus(ctx, UpdateRollbackFailed, r.failureReason())
		return
	}
	// Restore the stack as it was.
	st := r.stack
	st.TemplateBody, st.Description, st.Parameters = prev.TemplateBody, prev.Description, prev.Parameters
	st.Capabilities, st.Tags, st.NotificationARNs, st.RoleARN = prev.Capabilities, prev.Tags, prev.NotificationARNs, prev.RoleARN
	err := r.e.st.Update(ctx, func(tx store.Tx) error {
		if err := r.e.syncExports(tx, st, prev.Outputs); err != nil {
			return err
		}
		if err := r.e.syncImports(tx, st, prev.Imports); err != nil {
			return err
		}
		st.Outputs, st.Imports = prev.Outputs, prev.Imports
		return nil
	})
	if err != nil {
		r.e.log.Error("restore exports", "stack", st.ID, "err", err)
	}
	r.setStatus(ctx, UpdateRollbackCompleteCleanupInProgress, "")
	r.rollbackCleanup(ctx)
}

// revert returns one resource to its state before the update.
func (r *run) revert(ctx context.Context, x *Resource) error {
	r.mu.Lock()
	skip := containsString(r.stack.SkipOnRollback, x.LogicalID)
	added, prev := x.Added, x.Prev
	x.Removed = false
	r.mu.Unlock()
	if added {
		return nil // deleted during rollback cleanup
	}
	if prev == nil {
		r.save(ctx, x)
		return nil
	}
	if skip {
		r.mu.Lock()
		x.Status, x.StatusReason = UpdateComplete, "Resource skipped during UpdateRollback"
		ev := r.resourceEvent(x, x.PhysicalID, UpdateComplete, x.StatusReason, nil)
		r.mu.Unlock()
		r.save(ctx, x, ev)
		return nil
	}
	r.mu.Lock()
	replaced := x.PhysicalID != prev.PhysicalID || x.Pending != "" || len(x.Old) > 0
	r.mu.Unlock()
	if replaced {
		// The old physical resource was never touched: make it current
		// again and give up the replacement.
		r.mu.Lock()
		if x.PhysicalID != prev.PhysicalID && x.PhysicalID != "" {
			x.Discard = append(x.Discard, *stateOf(x))
		}
		if x.Pending != "" && x.Pending != prev.PhysicalID {
			x.Discard = append(x.Discard, ResourceState{PhysicalID: x.Pending, Type: x.Type, Properties: x.Properties})
		}
		x.PhysicalID, x.Type, x.Properties, x.Attributes = prev.PhysicalID, prev.Type, prev.Properties, prev.Attributes
		x.DeletionPolicy, x.UpdateReplacePolicy = prev.DeletionPolicy, prev.UpdateReplacePolicy
		x.Old, x.Pending, x.PendingSuffix = nil, "", ""
		x.Status, x.StatusReason, x.Updated = UpdateComplete, "", now()
		ev := r.resourceEvent(x, x.PhysicalID, UpdateComplete, "", nil)
		r.mu.Unlock()
		r.save(ctx, x, ev)
		return nil
	}
	p, ok := r.e.reg.Get(x.Type)
	if !ok {
		return fmt.Errorf("resource type %s is not supported", x.Type)
	}
	r.mu.Lock()
	cur := x.Properties
	x.Status, x.StatusReason, x.Updated = UpdateInProgress, "", now()
	ev := r.resourceEvent(x, x.PhysicalID, UpdateInProgress, "", prev.Properties)
	r.mu.Unlock()
	r.save(ctx, x, ev)
	newRes, err := r.resolveDynamic(ctx, prev.Properties)
	if err == nil {
		var oldRes map[string]any
		oldRes, err = r.resolveDynamic(ctx, cur)
		if err != nil {
			oldRes = cur
		}
		var out *providerResult
		out, err = updateVia(ctx, p, x, newRes, oldRes, r)
		if err == nil {
			r.mu.Lock()
			x.Properties, x.Attributes = prev.Properties, prev.Attributes
			if out != nil && out.Attributes != nil {
				x.Attributes = out.Attributes
			}
			x.DeletionPolicy, x.UpdateReplacePolicy = prev.DeletionPolicy, prev.UpdateReplacePolicy
			x.Status, x.StatusReason, x.Updated = UpdateComplete, "", now()
			ev = r.resourceEvent(x, x.PhysicalID, UpdateComplete, "", nil)
			r.mu.Unlock()
			r.save(ctx, x, ev)
			return nil
		}
	}
	return r.fail(ctx, x, false, x.PhysicalID, propertyError(x.LogicalID, err))
}

// rollbackCleanup deletes what the failed update created, then records
// UPDATE_ROLLBACK_COMPLETE.
func (r *run) rollbackCleanup(ctx context.Context) {
	r.mu.Lock()
	targets := map[string]*Resource{}
	for id, x := range r.res {
		if x.Added || len(x.Discard) > 0 {
			targets[id] = x
		}
	}
	r.mu.Unlock()
	body := r.stack.TemplateBody
	g := deletionGraph(body, targets)
	// Added resources are not in the old template; their order among
	// themselves came from the failed new template, which we no longer
	// have here, so delete them one dependency level at a time is not
	// possible: delete them after discards, in parallel.
	g.Walk(ctx, dag.WalkOptions{Parallelism: r.e.d.Parallelism}, func(ctx context.Context, id string) error {
		x := targets[id]
		if x.Added {
			r.deleteResource(ctx, x, true)
			return nil
		}
		r.mu.Lock()
		discard := x.Discard
		r.mu.Unlock()
		for _, d := range discard {
			r.mu.Lock()
			ev := r.resourceEvent(x, d.PhysicalID, DeleteInProgress, "", nil)
			r.mu.Unlock()
			r.save(ctx, x, ev)
			err := r.deletePhysical(ctx, d.Type, x.LogicalID, d.PhysicalID, d.Properties, d.Attributes)
			r.mu.Lock()
			if err != nil {
				ev = r.resourceEvent(x, d.PhysicalID, DeleteFailed, err.Error(), nil)
			} else {
				ev = r.resourceEvent(x, d.PhysicalID, DeleteComplete, "", nil)
			}
			r.mu.Unlock()
			r.save(ctx, x, ev)
		}
		return nil
	})
	if r.e.shuttingDown() {
		return
	}
	r.finishUpdate(ctx, UpdateRollbackComplete)
}

// --- recovery ---

// Start resumes every operation a previous process left in flight: creates
// and updates roll back, rollbacks, deletes and cleanups run to their end.
func (e *Engine) Start(ctx context.Context) error {
	var stacks []*Stack
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bStacks, store.ScanOptions{}, func(_ string, v []byte) error {
			var st Stack
			if err := jsonUnmarshal(v, &st); err != nil {
				return err
			}
			if !terminal(st.Status) {
				stacks = append(stacks, &st)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, st := range stacks {
		st := st
		e.log.Info("resuming interrupted stack operation", "stack", st.Name, "status", st.Status)
		if err := e.launch(st, func(ctx context.Context) { e.resume(ctx, st) }); err != nil {
			return err
		}
	}
	return nil
}

const restartReason = "skiff restarted while this operation was in progress"

func (e *Engine) resume(ctx context.Context, st *Stack) {
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		e.log.Error("load resources", "stack", st.ID, "err", err)
		return
	}
	r := e.newRun(st, res, nil)
	// Resources caught mid-step failed.
	for id, x := range res {
		switch x.Status {
		case CreateInProgress:
			r.markFailed(id, "create")
			x.Status, x.StatusReason = CreateFailed, restartReason
			r.save(ctx, x, r.resourceEvent(x, x.PhysicalID, CreateFailed, restartReason, nil))
		case UpdateInProgress:
			r.markFailed(id, "update")
			x.Status, x.StatusReason = UpdateFailedRes, restartReason
			r.save(ctx, x, r.resourceEvent(x, x.PhysicalID, UpdateFailedRes, restartReason, nil))
		}
	}
	switch st.Status {
	case CreateInProgress:
		reason := r.failureReason()
		if reason == "" {
			reason = restartReason + ". "
		}
		r.afterCreateFailure(ctx, reason)
	case RollbackInProgress:
		r.rollbackCreate(ctx)
	case DeleteInProgress:
		for _, x := range res {
			if x.Status == DeleteInProgress {
				x.Status = DeleteFailed
			}
		}
		r.finishDelete(ctx)
	case UpdateInProgress:
		reason := r.failureReason()
		if reason == "" {
			reason = restartReason + ". "
		}
		if st.DisableRollback {
			r.setStatus(ctx, UpdateFailed, reason)
			return
		}
		r.setStatus(ctx, UpdateRollbackInProgress, reason)
		r.rollbackUpdate(ctx)
	case UpdateCompleteCleanupInProgress:
		r.cleanupUpdate(ctx)
	case UpdateRollbackInProgress:
		r.rollbackUpdate(ctx)
	case UpdateRollbackCompleteCleanupInProgress:
		r.rollbackCleanup(ctx)
	}
}
