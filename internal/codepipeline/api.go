package codepipeline

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// CreatePipeline validates and stores a pipeline, then starts its first
// execution (trigger CreatePipeline), as AWS does.
func (e *Engine) CreatePipeline(ctx context.Context, decl PipelineDeclaration, tags []Tag) (*PipelineDeclaration, error) {
	sc := awsctx.From(ctx)
	if err := checkTags(tags, "tags"); err != nil {
		return nil, err
	}
	if err := validateDeclaration(&decl, e.reg, sc.Region); err != nil {
		return nil, err
	}
	normalize(&decl)
	one := 1
	decl.Version = &one
	key := pipelineKey(sc.AccountID, sc.Region, decl.Name)
	now := e.clk.Now()
	rec := &pipelineRecord{Account: sc.AccountID, Region: sc.Region, Name: decl.Name, ARN: pipelineARN(sc, decl.Name),
		Decl: decl, Created: now, Updated: now, Tags: tags}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var other pipelineRecord
		if err := tx.Get(bPipelines, key, &other); err == nil {
			return errNameInUse.New("A pipeline with the name '%s' already exists in account '%s'", decl.Name, sc.AccountID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n := 0
		tx.Scan(bPipelines, store.ScanOptions{Prefix: sc.AccountID + "/" + sc.Region + "/"}, func(string, []byte) error {
			n++
			return nil
		})
		if n >= maxPipelines {
			return errLimitExceeded.New("The maximum number of pipelines (%d) in the account has been reached", maxPipelines)
		}
		if err := tx.Put(bPipelines, key, rec); err != nil {
			return err
		}
		return tx.Put(bVersions, versionKey(key, 1), &decl)
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.pipes[key] = rec
	e.mu.Unlock()
	if _, err := e.startExecution(ctx, key, startOpts{trigger: trigger{Type: TriggerCreatePipeline, Detail: principal(ctx)}}); err != nil {
		e.log.Info("codepipeline: first execution not started", "pipeline", decl.Name, "err", err)
	}
	out := decl
	return &out, nil
}

// GetPipeline returns a pipeline's declaration (version 0: the current
// one) and metadata.
func (e *Engine) GetPipeline(ctx context.Context, name string, version int) (*PipelineDeclaration, *PipelineMetadata, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	meta := &PipelineMetadata{PipelineArn: rec.ARN, Created: rec.Created, Updated: rec.Updated}
	if version == 0 || version == rec.version() {
		d := rec.Decl
		return &d, meta, nil
	}
	_, key := scopeKey(ctx, name)
	d, err := e.getVersion(ctx, key, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errVersionNotFound.New("Pipeline version %d of pipeline '%s' does not exist", version, name)
	}
	if err != nil {
		return nil, nil, err
	}
	return d, meta, nil
}

// UpdatePipeline replaces a pipeline's declaration; the version increases
// by one. Executions in progress continue on the version they started
// with. restart starts a new execution afterwards (CloudFormation's
// RestartExecutionOnUpdate).
func (e *Engine) UpdatePipeline(ctx context.Context, decl PipelineDeclaration) (*PipelineDeclaration, error) {
	return e.updatePipeline(ctx, decl, nil, false)
}

func (e *Engine) updatePipeline(ctx context.Context, decl PipelineDeclaration, tags *[]Tag, restart bool) (*PipelineDeclaration, error) {
	sc := awsctx.From(ctx)
	if err := validateDeclaration(&decl, e.reg, sc.Region); err != nil {
		return nil, err
	}
	normalize(&decl)
	key := pipelineKey(sc.AccountID, sc.Region, decl.Name)
	var rec pipelineRecord
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Get(bPipelines, key, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return pipelineNotFound(sc.AccountID, decl.Name)
			}
			return err
		}
		v := rec.version() + 1
		decl.Version = &v
		rec.Decl = decl
		rec.Updated = e.clk.Now()
		if tags != nil {
			rec.Tags = *tags
		}
		// Transition states of stages that no longer exist go.
		for st := range rec.Transitions {
			found := false
			for _, s := range decl.Stages {
				found = found || s.Name == st
			}
			if !found {
				delete(rec.Transitions, st)
			}
		}
		if err := tx.Put(bPipelines, key, &rec); err != nil {
			return err
		}
		return tx.Put(bVersions, versionKey(key, v), &decl)
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.pipes[key] = &rec
	e.mu.Unlock()
	for _, s := range decl.Stages {
		e.dispatch(key, s.Name)
	}
	if restart {
		if _, err := e.startExecution(ctx, key, startOpts{trigger: trigger{Type: TriggerStart, Detail: principal(ctx)}}); err != nil {
			e.log.Info("codepipeline: restart after update failed", "pipeline", decl.Name, "err", err)
		}
	}
	out := decl
	return &out, nil
}

// DeletePipeline deletes a pipeline, its versions and its executions;
// executions in progress end without further transitions. Deleting a
// pipeline that does not exist succeeds, as in AWS.
func (e *Engine) DeletePipeline(ctx context.Context, name string) error {
	_, key := scopeKey(ctx, name)
	e.mu.Lock()
	var runs []*run
	for k, r := range e.runs {
		if strings.HasPrefix(k, key+"/") {
			runs = append(runs, r)
		}
	}
	delete(e.pipes, key)
	delete(e.sched, key)
	e.mu.Unlock()
	for _, r := range runs {
		r.kill()
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(bPipelines, key); err != nil {
			return err
		}
		tx.Delete(bLatest, key)
		for _, b := range []string{bVersions, bExecs, bOrder, bTokens, bActive} {
			if _, err := tx.DeletePrefix(b, key+"/"); err != nil {
				return err
			}
		}
		return nil
	})
}

// kill ends a run without recording anything more (its pipeline is gone).
func (r *run) kill() {
	r.mu.Lock()
	r.x.Status = StatusCancelled
	r.dead = true
	r.mu.Unlock()
	r.stopCancel()
	r.actCancel()
}

// ListPipelines lists the pipelines of the caller's account and region by
// name.
func (e *Engine) ListPipelines(ctx context.Context, maxResults int, nextToken string) ([]PipelineSummary, string, error) {
	sc := awsctx.From(ctx)
	if maxResults == 0 {
		maxResults = 1000
	}
	after := ""
	if nextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", errInvalidNextToken.New("The next token is not valid")
		}
		after = string(b)
	}
	prefix := sc.AccountID + "/" + sc.Region + "/"
	var out []PipelineSummary
	next := ""
	err := e.st.View(ctx, func(tx store.Tx) error {
		opt := store.ScanOptions{Prefix: prefix, Limit: maxResults + 1}
		if after != "" {
			opt.After = prefix + after
		}
		return tx.Scan(bPipelines, opt, func(_ string, v []byte) error {
			var rec pipelineRecord
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			if len(out) == maxResults {
				next = base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1].Name))
				return store.ErrStop
			}
			out = append(out, PipelineSummary{Name: rec.Name, Version: rec.version(), PipelineType: rec.Decl.PipelineType,
				ExecutionMode: rec.Decl.ExecutionMode, Created: rec.Created, Updated: rec.Updated})
			return nil
		})
	})
	if out == nil {
		out = []PipelineSummary{}
	}
	return out, next, err
}

// StartInput is StartPipelineExecution's request.
type StartInput struct {
	Name               string
	Variables          map[string]string
	ClientRequestToken string
	SourceRevisions    []SourceRevisionOverride
}

// StartPipelineExecution starts an execution (trigger
// StartPipelineExecution) and returns its id.
func (e *Engine) StartPipelineExecution(ctx context.Context, in StartInput) (string, error) {
	rec, err := e.getPipeline(ctx, in.Name)
	if err != nil {
		return "", err
	}
	if len(in.Variables) > 0 && rec.Decl.PipelineType != PipelineV2 {
		return "", errValidation.New("Pipeline variables can only be used with V2 pipelines")
	}
	_, key := scopeKey(ctx, in.Name)
	x, err := e.startExecution(ctx, key, startOpts{trigger: trigger{Type: TriggerStart, Detail: principal(ctx)},
		variables: in.Variables, overrides: in.SourceRevisions, token: in.ClientRequestToken})
	if err != nil {
		return "", err
	}
	return x.ID, nil
}

// StopPipelineExecution stops an execution: abandon ends in-progress
// actions at once (Abandoned); otherwise they finish first (Stopping).
func (e *Engine) StopPipelineExecution(ctx context.Context, name, id string, abandon bool, reason string) (string, error) {
	if _, err := e.getPipeline(ctx, name); err != nil {
		return "", err
	}
	_, key := scopeKey(ctx, name)
	e.mu.Lock()
	r := e.runs[key+"/"+id]
	e.mu.Unlock()
	if r == nil {
		x, err := e.getExecution(ctx, key, id)
		if errors.Is(err, store.ErrNotFound) {
			return "", executionNotFound(id, name)
		}
		if err != nil {
			return "", err
		}
		if x.Status == StatusStopping {
			return "", errDuplicatedStop.New("Execution %s is already being stopped", id)
		}
		return "", errNotStoppable.New("Unable to stop pipeline execution %s. Only InProgress executions can be stopped", id)
	}
	var dup, notStoppable bool
	r.update(func(x *execution) {
		switch {
		case terminalStatus(x.Status):
			notStoppable = true
		case x.Stopping && (x.StopAbandon || !abandon):
			dup = true
		default:
			x.Stopping, x.Status = true, StatusStopping
			x.StopAbandon = x.StopAbandon || abandon
			if reason != "" {
				x.StopReason = reason
			}
		}
	})
	if notStoppable {
		return "", errNotStoppable.New("Unable to stop pipeline execution %s. Only InProgress executions can be stopped", id)
	}
	if dup {
		return "", errDuplicatedStop.New("Execution %s is already being stopped", id)
	}
	r.stopCancel()
	if abandon {
		r.actCancel()
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return id, nil
}

// PutApprovalResult answers a manual approval waiting for token.
func (e *Engine) PutApprovalResult(ctx context.Context, name, stage, action, token, status, summary string) (time.Time, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return time.Time{}, err
	}
	if status != "Approved" && status != "Rejected" {
		return time.Time{}, constraintErr(status, "result.status", "Member must satisfy enum value set: [Approved, Rejected]")
	}
	var decl *ActionDeclaration
	found := false
	for i := range rec.Decl.Stages {
		s := &rec.Decl.Stages[i]
		if s.Name != stage {
			continue
		}
		found = true
		for j := range s.Actions {
			if s.Actions[j].Name == action {
				decl = &s.Actions[j]
			}
		}
	}
	if !found {
		return time.Time{}, errStageNotFound.New("Stage %s not found in pipeline %s", stage, name)
	}
	if decl == nil {
		return time.Time{}, errActionNotFound.New("Action %s not found in stage %s of pipeline %s", action, stage, name)
	}
	if decl.ActionTypeID.Category != "Approval" {
		return time.Time{}, ErrInvalidApprovalToken.New("Action %s in stage %s is not an approval action", action, stage)
	}
	_, key := scopeKey(ctx, name)
	var doc latestDoc
	e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bLatest, key, &doc) })
	execID := doc.Actions[stage+"/"+action]
	if execID == "" {
		return time.Time{}, ErrInvalidApprovalToken.New("The approval token %s is not valid", token)
	}
	now := e.clk.Now()
	ans := &approvalAnswer{Status: status, Summary: summary, By: principal(ctx), At: now}
	check := func(x *execution) error {
		var ar *actionRun
		for _, sr := range x.Stages {
			if sr.Name == stage {
				ar = sr.latest(action)
			}
		}
		switch {
		case ar == nil || ar.Token != token:
			return ErrInvalidApprovalToken.New("The approval token %s is not valid", token)
		case ar.Status != StatusInProgress || ar.Answer != nil:
			return ErrApprovalAlreadyCompleted.New("The approval action %s in stage %s has already been completed or has expired", action, stage)
		}
		ar.Answer = ans
		return nil
	}
	e.mu.Lock()
	r := e.runs[key+"/"+execID]
	e.mu.Unlock()
	if r == nil {
		err := e.st.Update(ctx, func(tx store.Tx) error {
			var x execution
			if err := tx.Get(bExecs, key+"/"+execID, &x); err != nil {
				return ErrInvalidApprovalToken.New("The approval token %s is not valid", token)
			}
			if err := check(&x); err != nil {
				return err
			}
			return tx.Put(bExecs, key+"/"+execID, &x)
		})
		return now, err
	}
	var cerr error
	var arID string
	r.update(func(x *execution) {
		cerr = check(x)
		if cerr == nil {
			for _, sr := range x.Stages {
				if sr.Name == stage {
					arID = sr.latest(action).ID
				}
			}
		}
	})
	if cerr != nil {
		return time.Time{}, cerr
	}
	r.sigMu.Lock()
	ch := r.signals[arID]
	r.sigMu.Unlock()
	if ch != nil {
		select {
		case ch <- Signal{Status: status, Summary: summary, By: ans.By, At: now}:
		default:
		}
	}
	return now, nil
}

// RetryStageExecution retries a failed (or stopped) stage of the latest
// execution in it: FAILED_ACTIONS reruns the actions that did not
// succeed, ALL_ACTIONS all of them. The execution continues from there.
func (e *Engine) RetryStageExecution(ctx context.Context, name, stage, id, mode string) (string, error) {
	if mode != "FAILED_ACTIONS" && mode != "ALL_ACTIONS" {
		return "", constraintErr(mode, "retryMode", "Member must satisfy enum value set: [FAILED_ACTIONS, ALL_ACTIONS]")
	}
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return "", err
	}
	if stageIndex(&rec.Decl, stage) < 0 {
		return "", errStageNotFound.New("Stage %s not found in pipeline %s", stage, name)
	}
	_, key := scopeKey(ctx, name)
	e.mu.Lock()
	live := e.runs[key+"/"+id]
	e.mu.Unlock()
	if live != nil {
		// A driver that just recorded the end of its execution is about
		// to let go of it.
		var status string
		live.view(func(x *execution) { status = x.Status })
		if terminalStatus(status) {
			select {
			case <-live.done:
			case <-time.After(5 * time.Second):
			}
		}
		e.mu.Lock()
		live = e.runs[key+"/"+id]
		e.mu.Unlock()
	}
	if live != nil {
		return "", errConflict.New("Pipeline execution %s is still in progress and its stage %s cannot be retried", id, stage)
	}
	x, err := e.getExecution(ctx, key, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", executionNotFound(id, name)
	}
	if err != nil {
		return "", err
	}
	decl, err := e.getVersion(ctx, key, x.Version)
	if err != nil {
		return "", err
	}
	idx := stageIndex(decl, stage)
	if idx < 0 || idx >= len(x.Stages) {
		return "", errStageNotRetryable.New("Stage %s of pipeline execution %s cannot be retried: the pipeline structure changed", stage, id)
	}
	sr := x.Stages[idx]
	if (x.Status != StatusFailed && x.Status != StatusStopped) || (sr.Status != StatusFailed && sr.Status != StatusStopped) {
		return "", errStageNotRetryable.New("Stage %s of pipeline execution %s is %s and cannot be retried; only failed or stopped stages can be", stage, id, orDefault(sr.Status, "not started"))
	}
	var doc latestDoc
	e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bLatest, key, &doc) })
	if doc.Stages[stage] != id {
		return "", errNotLatestExecution.New("Stage %s was run by a later pipeline execution; execution %s is not the latest execution of the stage", stage, id)
	}
	now := e.clk.Now()
	x.Status, x.Summary, x.End = StatusInProgress, "", time.Time{}
	x.Stopping, x.StopAbandon, x.StopReason = false, false, ""
	x.Cur, x.Phase, x.WaitSince = idx, phaseWaiting, now
	sr.Epoch++
	sr.RetryMode, sr.Manual, sr.LastRetry = mode, sr.Manual+1, "ManualStageRetry"
	sr.Status = StatusInProgress
	x.Updated = now
	if err := e.persist(key, x, nil); err != nil {
		return "", err
	}
	r := e.newRun(key, decl, x)
	r.pending = e.enqueue(r, stage, true)
	e.launch(r)
	e.notify(key)
	return id, nil
}

func stageIndex(d *PipelineDeclaration, stage string) int {
	for i, s := range d.Stages {
		if s.Name == stage {
			return i
		}
	}
	return -1
}

// RollbackStage starts a ROLLBACK execution that redeploys stage with the
// artifacts of target, an earlier execution that succeeded in it.
func (e *Engine) RollbackStage(ctx context.Context, name, stage, target string) (string, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return "", err
	}
	idx := stageIndex(&rec.Decl, stage)
	if idx < 0 {
		return "", errStageNotFound.New("Stage %s not found in pipeline %s", stage, name)
	}
	if idx == 0 {
		return "", errUnableToRollback.New("The source stage %s cannot be rolled back", stage)
	}
	_, key := scopeKey(ctx, name)
	tx, err := e.execution(ctx, key, target)
	if errors.Is(err, store.ErrNotFound) {
		return "", executionNotFound(target, name)
	}
	if err != nil {
		return "", err
	}
	if tx.Type == TypeRollback {
		return "", errUnableToRollback.New("Pipeline execution %s is a rollback execution and cannot be the target of a rollback", target)
	}
	if tx.Version != rec.version() {
		return "", errExecutionOutdated.New("The specified pipeline execution is outdated and cannot be used as a target pipeline execution for rollback.")
	}
	ok := false
	for _, sr := range tx.Stages {
		ok = ok || (sr.Name == stage && sr.Status == StatusSucceeded)
	}
	if !ok {
		return "", errUnableToRollback.New("Pipeline execution %s did not succeed in stage %s", target, stage)
	}
	e.mu.Lock()
	busy := e.schedFor(key).occupant[stage] != ""
	e.mu.Unlock()
	if busy {
		return "", errConflict.New("Stage %s has a pipeline execution in progress; wait for it to finish or stop it before rolling back", stage)
	}
	x, err := e.startRollback(ctx, key, stage, target, TriggerManualRollback, "")
	if err != nil {
		return "", err
	}
	return x.ID, nil
}

var reDisabledReason = regexp.MustCompile(`^[a-zA-Z0-9!@ \(\)\.\*\?\-]+$`)

// EnableStageTransition and DisableStageTransition switch a stage's
// inbound transition (Outbound is the next stage's inbound one).
func (e *Engine) EnableStageTransition(ctx context.Context, name, stage, typ string) error {
	return e.setTransition(ctx, name, stage, typ, true, "")
}

// DisableStageTransition: see EnableStageTransition.
func (e *Engine) DisableStageTransition(ctx context.Context, name, stage, typ, reason string) error {
	if len(reason) > 300 || !reDisabledReason.MatchString(reason) {
		return constraintErr(reason, "reason", `Member must satisfy regular expression pattern: [a-zA-Z0-9!@ \(\)\.\*\?\-]+`)
	}
	return e.setTransition(ctx, name, stage, typ, false, reason)
}

func (e *Engine) setTransition(ctx context.Context, name, stage, typ string, enabled bool, reason string) error {
	if typ != "Inbound" && typ != "Outbound" {
		return constraintErr(typ, "transitionType", "Member must satisfy enum value set: [Inbound, Outbound]")
	}
	sc, key := scopeKey(ctx, name)
	var rec pipelineRecord
	var target string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Get(bPipelines, key, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return pipelineNotFound(sc.AccountID, name)
			}
			return err
		}
		i := stageIndex(&rec.Decl, stage)
		if i < 0 {
			return errStageNotFound.New("Stage %s not found in pipeline %s", stage, name)
		}
		if typ == "Outbound" {
			if i+1 >= len(rec.Decl.Stages) {
				return nil // nothing follows the last stage
			}
			i++
		}
		target = rec.Decl.Stages[i].Name
		if rec.Transitions == nil {
			rec.Transitions = map[string]*transition{}
		}
		rec.Transitions[target] = &transition{Enabled: enabled, LastChangedBy: principal(ctx), LastChangedAt: e.clk.Now(), Reason: reason}
		return tx.Put(bPipelines, key, &rec)
	})
	if err != nil || target == "" {
		return err
	}
	e.mu.Lock()
	e.pipes[key] = &rec
	e.mu.Unlock()
	if enabled {
		e.dispatch(key, target)
	}
	e.notify(key)
	return nil
}

// --- tags ---

var reResourceArn = regexp.MustCompile(`^arn:aws(-[\w]+)*:codepipeline:.+:[0-9]{12}:.+$`)

func checkTags(tags []Tag, path string) error {
	if len(tags) > maxTagsPerRes {
		return errTooManyTags.New("Tag limit exceeded: a resource can have at most %d tags", maxTagsPerRes)
	}
	var cs constraints
	for i, t := range tags {
		tp := m(path, i)
		cs.required(t.Key == "", tp+".key")
		cs.str(t.Key, tp+".key", 1, 128, nil, "")
		cs.str(t.Value, tp+".value", 0, 256, nil, "")
	}
	if len(cs) > 0 {
		return validationError(cs)
	}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTags.New("Tag keys starting with 'aws:' are reserved for system use")
		}
	}
	return nil
}

func (e *Engine) pipelineByARN(ctx context.Context, arn string) (string, error) {
	if !reResourceArn.MatchString(arn) {
		return "", constraintErr(arn, "resourceArn", `Member must satisfy regular expression pattern: arn:aws(-[\w]+)*:codepipeline:.+:[0-9]{12}:.+`)
	}
	p, ok := awsctx.ParseARN(arn)
	sc := awsctx.From(ctx)
	if !ok || p.Account != sc.AccountID || p.Region != sc.Region || strings.Contains(p.Resource, "/") {
		return "", errResourceNotFound.New("The resource with the ARN %s does not exist", arn)
	}
	key := pipelineKey(p.Account, p.Region, p.Resource)
	if e.cached(key) == nil {
		return "", errResourceNotFound.New("The resource with the ARN %s does not exist", arn)
	}
	return key, nil
}

func (e *Engine) mutateTags(ctx context.Context, arn string, fn func(tags []Tag) ([]Tag, error)) error {
	key, err := e.pipelineByARN(ctx, arn)
	if err != nil {
		return err
	}
	var rec pipelineRecord
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Get(bPipelines, key, &rec); err != nil {
			return errResourceNotFound.New("The resource with the ARN %s does not exist", arn)
		}
		tags, err := fn(rec.Tags)
		if err != nil {
			return err
		}
		rec.Tags = tags
		return tx.Put(bPipelines, key, &rec)
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.pipes[key] = &rec
	e.mu.Unlock()
	return nil
}

// TagResource adds or replaces tags of a pipeline.
func (e *Engine) TagResource(ctx context.Context, arn string, tags []Tag) error {
	if err := checkTags(tags, "tags"); err != nil {
		return err
	}
	return e.mutateTags(ctx, arn, func(cur []Tag) ([]Tag, error) {
		m := map[string]string{}
		var order []string
		for _, t := range cur {
			m[t.Key] = t.Value
			order = append(order, t.Key)
		}
		for _, t := range tags {
			if _, ok := m[t.Key]; !ok {
				order = append(order, t.Key)
			}
			m[t.Key] = t.Value
		}
		if len(order) > maxTagsPerRes {
			return nil, errTooManyTags.New("Tag limit exceeded: a resource can have at most %d tags", maxTagsPerRes)
		}
		out := make([]Tag, 0, len(order))
		for _, k := range order {
			out = append(out, Tag{Key: k, Value: m[k]})
		}
		return out, nil
	})
}

// UntagResource removes tags of a pipeline.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	return e.mutateTags(ctx, arn, func(cur []Tag) ([]Tag, error) {
		drop := map[string]bool{}
		for _, k := range keys {
			drop[k] = true
		}
		out := []Tag{}
		for _, t := range cur {
			if !drop[t.Key] {
				out = append(out, t)
			}
		}
		return out, nil
	})
}

// ListTagsForResource lists a pipeline's tags.
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	key, err := e.pipelineByARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	rec := e.cached(key)
	out := append([]Tag{}, rec.Tags...)
	return out, nil
}

// --- action and rule types ---

func actionTypeOf(p ActionProvider) ActionType {
	spec := p.Spec()
	t := ActionType{ID: p.Type(), ActionConfigurationProperties: []ActionConfigurationProperty{},
		InputArtifactDetails:  ArtifactDetails{spec.MinInputs, spec.MaxInputs},
		OutputArtifactDetails: ArtifactDetails{spec.MinOutputs, spec.MaxOutputs}}
	if spec.EntityURLTemplate != "" || spec.ExecutionURLTemplate != "" || spec.RevisionURLTemplate != "" {
		t.Settings = &ActionTypeSettings{EntityURLTemplate: spec.EntityURLTemplate, ExecutionURLTemplate: spec.ExecutionURLTemplate, RevisionURLTemplate: spec.RevisionURLTemplate}
	}
	for _, c := range spec.Properties {
		t.ActionConfigurationProperties = append(t.ActionConfigurationProperties, ActionConfigurationProperty{
			Name: c.Name, Required: c.Required, Key: c.Key, Secret: c.Secret, Queryable: c.Queryable, Description: c.Description, Type: c.Type})
	}
	return t
}

// ListActionTypes lists the action types skiff runs.
func (e *Engine) ListActionTypes(ctx context.Context, owner string) []ActionType {
	out := []ActionType{}
	for _, p := range e.reg.sortedActions() {
		if owner != "" && p.Type().Owner != owner {
			continue
		}
		out = append(out, actionTypeOf(p))
	}
	return out
}

// GetActionType describes one action type.
func (e *Engine) GetActionType(ctx context.Context, id ActionTypeID) (*ActionTypeDeclaration, error) {
	p, ok := e.reg.action(&id)
	if !ok {
		return nil, errActionTypeNotFound.New("ActionType %s not found", typeString(&id))
	}
	t := actionTypeOf(p)
	spec := p.Spec()
	d := &ActionTypeDeclaration{Description: spec.Description, ID: t.ID, InputArtifactDetails: t.InputArtifactDetails,
		OutputArtifactDetails: t.OutputArtifactDetails, Executor: ActionTypeExecutor{Type: "JobWorker",
			Configuration: map[string]any{"jobWorkerExecutorConfiguration": map[string]any{"pollingServicePrincipals": []any{"codepipeline.amazonaws.com"}}}},
		URLs: t.Settings}
	for _, c := range spec.Properties {
		d.Properties = append(d.Properties, ActionTypeProperty{Name: c.Name, Optional: !c.Required, Key: c.Key, NoEcho: c.Secret, Queryable: c.Queryable, Description: c.Description})
	}
	return d, nil
}

// ListRuleTypes lists the rule types skiff evaluates.
func (e *Engine) ListRuleTypes(ctx context.Context) []RuleType {
	keys := make([]string, 0, len(e.reg.rules))
	for k := range e.reg.rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []RuleType{}
	for _, k := range keys {
		p := e.reg.rules[k]
		rt := RuleType{ID: p.Type(), RuleConfigurationProperties: []ActionConfigurationProperty{}}
		for _, c := range p.Properties() {
			rt.RuleConfigurationProperties = append(rt.RuleConfigurationProperties, ActionConfigurationProperty{
				Name: c.Name, Required: c.Required, Key: c.Key, Secret: c.Secret, Queryable: c.Queryable, Description: c.Description, Type: c.Type})
		}
		out = append(out, rt)
	}
	return out
}
