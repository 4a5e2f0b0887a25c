package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
	"github.com/skiff-dev/skiff/internal/dag"
	"github.com/skiff-dev/skiff/internal/store"
)

// run is one stack operation in flight. Visits of the dependency walk run
// in parallel: mu guards res (the records) and failed; each record is
// written to the store together with its event before the next step.
type run struct {
	e     *Engine
	stack *Stack
	p     *prepared // the template being applied (create, update)

	mu      sync.Mutex
	res     map[string]*Resource
	failed  map[string]string // logical id → "create" | "update" | "delete"
	imports map[string]bool
	// noEcho values are masked in event properties.
	noEcho []string
}

func (e *Engine) newRun(st *Stack, res map[string]*Resource, p *prepared) *run {
	r := &run{e: e, stack: st, p: p, res: res, failed: map[string]string{}, imports: map[string]bool{}}
	if r.res == nil {
		r.res = map[string]*Resource{}
	}
	for _, prm := range st.Parameters {
		if prm.NoEcho && prm.Value != "" {
			r.noEcho = append(r.noEcho, prm.Value)
		}
	}
	return r
}

// --- persistence ---

// commit writes the stack (if saveStack), the given resources and events in
// one transaction.
func (r *run) commit(ctx context.Context, saveStack bool, res []*Resource, evs ...*Event) error {
	return r.e.st.Update(ctx, func(tx store.Tx) error {
		if saveStack {
			if err := tx.Put(bStacks, r.stack.ID, r.stack); err != nil {
				return err
			}
		}
		for _, x := range res {
			if err := tx.Put(bResources, resKey(r.stack.ID, x.LogicalID), x); err != nil {
				return err
			}
		}
		for _, ev := range evs {
			if err := r.e.putEvent(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) putEvent(tx store.Tx, ev *Event) error {
	seq, err := tx.NextSeq("cfn/events")
	if err != nil {
		return err
	}
	return tx.Put(bEvents, eventKey(ev.StackID, seq), ev)
}

// resourceEvent builds an event for a resource transition; call with r.mu
// held or on a record no one else touches.
func (r *run) resourceEvent(x *Resource, physical, status, reason string, props map[string]any) *Event {
	t := now()
	ev := &Event{
		EventID: newUUID(),
		StackID: r.stack.ID, StackName: r.stack.Name, LogicalID: x.LogicalID, PhysicalID: physical,
		ResourceType: x.Type, Status: status, Reason: reason, Timestamp: t, Token: r.stack.Token,
	}
	if props != nil {
		ev.Properties = r.mask(compactJSON(props))
	}
	return ev
}

func (r *run) mask(s string) string {
	for _, v := range r.noEcho {
		s = strings.ReplaceAll(s, v, "****")
	}
	return s
}

// setStatus records a stack status transition and its event.
func (r *run) setStatus(ctx context.Context, status, reason string) {
	r.stack.Status, r.stack.StatusReason = status, reason
	t := now()
	if status == UpdateInProgress || status == UpdateRollbackInProgress || status == RollbackInProgress {
		r.stack.Updated = &t
	}
	ev := &Event{
		EventID: newUUID(), StackID: r.stack.ID, StackName: r.stack.Name, LogicalID: r.stack.Name,
		PhysicalID: r.stack.ID, ResourceType: "AWS::CloudFormation::Stack", Status: status, Reason: reason,
		Timestamp: t, Token: r.stack.Token,
	}
	if err := r.commit(ctx, true, nil, ev); err != nil {
		r.e.log.Error("record stack status", "stack", r.stack.ID, "status", status, "err", err)
	}
}

// save writes one resource record with events; errors are logged (the
// store is local; a failing write means a broken disk).
func (r *run) save(ctx context.Context, x *Resource, evs ...*Event) {
	r.mu.Lock()
	cp := *x
	r.mu.Unlock()
	if err := r.commit(ctx, false, []*Resource{&cp}, evs...); err != nil {
		r.e.log.Error("record resource", "stack", r.stack.ID, "resource", x.LogicalID, "err", err)
	}
}

// --- template evaluation ---

// Ref implements template.Resolver.
func (r *run) Ref(id string) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	x := r.res[id]
	if x == nil || !exists(x) {
		return nil, template.ErrUnknown
	}
	return x.PhysicalID, nil
}

// GetAtt implements template.Resolver.
func (r *run) GetAtt(id, attr string) (any, error) {
	r.mu.Lock()
	x := r.res[id]
	var v any
	var ok bool
	if x != nil {
		v, ok = x.Attributes[attr]
	}
	typ := ""
	if x != nil {
		typ = x.Type
	}
	live := x != nil && exists(x)
	r.mu.Unlock()
	if ok && live {
		return v, nil
	}
	if typ == "" && r.p != nil {
		if tr := r.p.tmpl.Resource(id); tr != nil {
			typ = tr.Type
		}
	}
	if p, found := r.e.reg.Get(typ); found && !attrSupported(p, attr) {
		return nil, fmt.Errorf("Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
	}
	if live {
		return nil, fmt.Errorf("Template error: resource %s does not have a value for attribute %s", id, attr)
	}
	return nil, template.ErrUnknown
}

func attrSupported(p provider.Provider, attr string) bool {
	s := p.Schema()
	if s.HasAttribute(attr) {
		return true
	}
	// Nested stacks expose every output as Outputs.<Name>.
	return p.Type() == "AWS::CloudFormation::Stack" && strings.HasPrefix(attr, "Outputs.")
}

// ImportValue implements template.Resolver.
func (r *run) ImportValue(name string) (string, error) {
	var ex Export
	err := r.e.st.View(context.Background(), func(tx store.Tx) error {
		return tx.Get(bExports, nameKey(r.stack.AccountID, r.stack.Region, name), &ex)
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("No export named %s found", name)
	}
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.imports[name] = true
	r.mu.Unlock()
	return ex.Value, nil
}

// StackOutput implements template.Resolver (Fn::GetStackOutput).
func (r *run) StackOutput(stackName, output string) (string, error) {
	ctx := awsctx.With(context.Background(), awsctx.Scope{AccountID: r.stack.AccountID, Region: r.stack.Region})
	st, err := r.e.findStack(ctx, stackName)
	if err != nil {
		return "", fmt.Errorf("Stack %s does not exist", stackName)
	}
	for _, o := range st.Outputs {
		if o.Key == output {
			return o.Value, nil
		}
	}
	return "", fmt.Errorf("Output %s does not exist in stack %s", output, stackName)
}

func (r *run) evaluator() *template.Evaluator {
	return &template.Evaluator{T: r.p.tmpl, Params: r.p.params, Pseudo: r.p.pseudo, Resolver: r, Conditions: r.p.conds}
}

// evalProps resolves a resource's properties now that its dependencies
// exist. Dynamic references stay unresolved: they are resolved only when
// calling the provider, so secrets never reach the store or the events.
func (r *run) evalProps(tr *template.Resource) (map[string]any, error) {
	v, err := r.evaluator().Eval(tr.Properties, "Resources/"+tr.LogicalID+"/Properties")
	if err != nil {
		return nil, err
	}
	if template.ContainsUnknown(v) {
		return nil, fmt.Errorf("properties of %s depend on values that are not available", tr.LogicalID)
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// resolveDynamic replaces {{resolve:…}} references for a provider call.
func (r *run) resolveDynamic(ctx context.Context, props map[string]any) (map[string]any, error) {
	if !template.HasDynamicRefs(props) {
		return props, nil
	}
	v, err := template.ResolveDynamicRefsIn(props, func(service, ref string) (string, error) {
		return r.e.lookupDynamic(ctx, service, ref)
	})
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func (e *Engine) lookupDynamic(ctx context.Context, service, ref string) (string, error) {
	switch service {
	case "ssm", "ssm-secure":
		if e.d.SSM == nil {
			return "", errors.New("dynamic references to SSM are not available")
		}
		v, err := e.d.SSM.ResolveParameter(ctx, ref, service == "ssm-secure")
		if err != nil {
			return "", fmt.Errorf("Could not resolve dynamic reference {{resolve:%s:%s}}: %v", service, ref, err)
		}
		return v, nil
	case "secretsmanager":
		if e.d.Secrets == nil {
			return "", errors.New("dynamic references to Secrets Manager are not available")
		}
		sr, err := template.ParseSecretsManagerRef(ref)
		if err != nil {
			return "", err
		}
		v, err := e.d.Secrets.ResolveSecret(ctx, sr.SecretID, sr.JSONKey, sr.VersionStage, sr.VersionID)
		if err != nil {
			return "", fmt.Errorf("Could not resolve dynamic reference {{resolve:secretsmanager:%s}}: %v", ref, err)
		}
		return v, nil
	}
	return "", fmt.Errorf("unsupported dynamic reference service %q", service)
}

func (r *run) stackInfo() provider.StackInfo {
	tags := map[string]string{}
	for _, t := range r.stack.Tags {
		tags[t.Key] = t.Value
	}
	return provider.StackInfo{Name: r.stack.Name, ID: r.stack.ID, Region: r.stack.Region, AccountID: r.stack.AccountID, Tags: tags}
}

// exists reports whether a record has a live physical resource.
func exists(x *Resource) bool {
	return x.PhysicalID != "" && x.Status != DeleteComplete && x.Status != DeleteSkipped
}

func (r *run) markFailed(id, kind string) {
	r.mu.Lock()
	r.failed[id] = kind
	r.mu.Unlock()
}

// failureReason is AWS's stack status reason after resources failed.
func (r *run) failureReason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	by := map[string][]string{}
	for id, kind := range r.failed {
		by[kind] = append(by[kind], id)
	}
	var b strings.Builder
	for _, kind := range []string{"create", "update", "delete"} {
		ids := by[kind]
		if len(ids) == 0 {
			continue
		}
		sort.Strings(ids)
		fmt.Fprintf(&b, "The following resource(s) failed to %s: [%s]. ", kind, strings.Join(ids, ", "))
	}
	return b.String()
}

func cancelled(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || err != nil)
}

// --- forward: create and update ---

// apply walks the template creating or updating each resource after its
// dependencies, stopping at the first failure. It reports success.
func (r *run) apply(ctx context.Context, timeout time.Duration) bool {
	wctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	r.e.mu.Lock()
	if h := r.e.running[r.stack.ID]; h != nil {
		fctx, cancel := context.WithCancel(wctx)
		wctx = fctx
		h.cancelForward = cancel
		defer cancel()
	}
	r.e.mu.Unlock()
	res := r.p.graph.Walk(wctx, dag.WalkOptions{Parallelism: r.e.d.Parallelism, StopOnError: true}, func(ctx context.Context, id string) error {
		return r.applyOne(ctx, id)
	})
	return len(res.Errors) == 0 && len(res.Skipped) == 0
}

func (r *run) applyOne(ctx context.Context, id string) error {
	tr := r.p.included[id]
	p, _ := r.e.reg.Get(tr.Type)
	r.mu.Lock()
	x := r.res[id]
	if x == nil {
		x = &Resource{LogicalID: id, Type: tr.Type}
		r.res[id] = x
	}
	x.Order = r.p.order[id]
	x.Metadata = tr.Metadata
	isNew := !exists(x)
	r.mu.Unlock()
	props, err := r.evalProps(tr)
	if err != nil {
		return r.fail(ctx, x, isNew, "", err)
	}
	if isNew {
		r.mu.Lock()
		x.Type = tr.Type
		x.DeletionPolicy, x.UpdateReplacePolicy = tr.DeletionPolicy, tr.UpdateReplacePolicy
		if r.stack.Status == UpdateInProgress {
			x.Added = true
		}
		r.mu.Unlock()
		return r.createResource(ctx, p, x, props, false, tr.CreationPolicy)
	}
	r.mu.Lock()
	old := x.Properties
	x.DeletionPolicy, x.UpdateReplacePolicy = tr.DeletionPolicy, tr.UpdateReplacePolicy
	x.Removed = false
	r.mu.Unlock()
	if sameProps(old, props) {
		r.save(ctx, x) // policies or metadata may have changed; no event
		return nil
	}
	replace := false
	for _, k := range changedKeys(old, props) {
		if p.Schema().IsCreateOnly(k) {
			replace = true
		}
	}
	action := "Update:Modify"
	if replace {
		action = "Update:Replace"
	}
	if err := r.e.checkPolicy(r.stack, x, action); err != nil {
		return r.fail(ctx, x, false, x.PhysicalID, err)
	}
	if replace {
		return r.createResource(ctx, p, x, props, true, nil)
	}
	return r.updateResource(ctx, p, x, props)
}

// sameProps compares property maps by value; no properties and an empty
// map are the same.
func sameProps(a, b map[string]any) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return provider.Render(a) == provider.Render(b)
}

func changedKeys(a, b map[string]any) []string {
	var out []string
	for k, v := range b {
		if provider.Render(a[k]) != provider.Render(v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// fail records a resource failure before or around a provider call.
func (r *run) fail(ctx context.Context, x *Resource, creating bool, physical string, err error) error {
	status, kind := UpdateFailedRes, "update"
	if creating {
		status, kind = CreateFailed, "create"
	}
	if r.e.shuttingDown() {
		// The process is stopping: leave the step recorded as in progress
		// so that the next start resumes it.
		return err
	}
	reason := err.Error()
	if ctx.Err() != nil {
		if creating {
			reason = "Resource creation cancelled"
		} else {
			reason = "Resource update cancelled"
		}
	}
	r.mu.Lock()
	x.Status, x.StatusReason, x.Updated = status, reason, now()
	ev := r.resourceEvent(x, physical, status, reason, nil)
	r.mu.Unlock()
	r.markFailed(x.LogicalID, kind)
	r.save(ctx, x, ev)
	return err
}

// createResource creates x (or, with replacing, a replacement for it).
func (r *run) createResource(ctx context.Context, p provider.Provider, x *Resource, props map[string]any, replacing bool, creationPolicy any) error {
	resolved, err := r.resolveDynamic(ctx, props)
	if err != nil {
		return r.fail(ctx, x, !replacing, x.PhysicalID, err)
	}
	suffix := randomSuffix()
	req := &provider.Request{LogicalID: x.LogicalID, Type: x.Type, Properties: resolved, Stack: r.stackInfo(), Suffix: suffix}
	pid, err := p.PhysicalID(req)
	if err != nil {
		return r.fail(ctx, x, !replacing, x.PhysicalID, propertyError(x.LogicalID, err))
	}
	r.mu.Lock()
	var ev *Event
	if replacing {
		if pid == x.PhysicalID {
			r.mu.Unlock()
			return r.fail(ctx, x, false, x.PhysicalID, fmt.Errorf("CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename %s and update the stack again.", x.PhysicalID))
		}
		if x.Prev == nil {
			x.Prev = stateOf(x)
		}
		x.Status = UpdateInProgress
		x.StatusReason = "Requested update requires the creation of a new physical resource; hence creating one."
		ev = r.resourceEvent(x, x.PhysicalID, UpdateInProgress, x.StatusReason, props)
	} else {
		x.Status, x.StatusReason = CreateInProgress, ""
		ev = r.resourceEvent(x, "", CreateInProgress, "", props)
	}
	x.Pending, x.PendingSuffix, x.Updated = pid, suffix, now()
	r.mu.Unlock()
	r.save(ctx, x, ev)

	out, err := p.Create(ctx, req)
	if err != nil {
		return r.fail(ctx, x, !replacing, x.PhysicalID, propertyError(x.LogicalID, err))
	}
	if out.PhysicalID == "" {
		out.PhysicalID = pid
	}
	if creationPolicy != nil {
		if err := r.e.creationPolicyWait(ctx, r.stack.ID, x.LogicalID, creationPolicy); err != nil {
			return r.fail(ctx, x, !replacing, out.PhysicalID, err)
		}
	}
	r.mu.Lock()
	if replacing {
		old := stateOf(x)
		x.Old = append(x.Old, *old)
	}
	x.PhysicalID, x.Properties, x.Attributes = out.PhysicalID, props, out.Attributes
	x.Pending, x.PendingSuffix, x.Updated = "", "", now()
	var evs []*Event
	if replacing {
		x.Status, x.StatusReason = UpdateComplete, ""
		evs = append(evs, r.resourceEvent(x, out.PhysicalID, UpdateInProgress, "Resource creation Initiated", nil),
			r.resourceEvent(x, out.PhysicalID, UpdateComplete, "", nil))
	} else {
		x.Status, x.StatusReason = CreateComplete, ""
		evs = append(evs, r.resourceEvent(x, out.PhysicalID, CreateInProgress, "Resource creation Initiated", nil),
			r.resourceEvent(x, out.PhysicalID, CreateComplete, "", nil))
	}
	r.mu.Unlock()
	r.save(ctx, x, evs...)
	return nil
}

// updateResource updates x in place.
func (r *run) updateResource(ctx context.Context, p provider.Provider, x *Resource, props map[string]any) error {
	resolved, err := r.resolveDynamic(ctx, props)
	if err != nil {
		return r.fail(ctx, x, false, x.PhysicalID, err)
	}
	r.mu.Lock()
	oldResolved := x.Properties
	if x.Prev == nil {
		x.Prev = stateOf(x)
	}
	x.Status, x.StatusReason, x.Updated = UpdateInProgress, "", now()
	ev := r.resourceEvent(x, x.PhysicalID, UpdateInProgress, "", props)
	attrs := x.Attributes
	r.mu.Unlock()
	r.save(ctx, x, ev)
	oldResolved, err = r.resolveDynamic(ctx, oldResolved)
	if err != nil {
		oldResolved = x.Prev.Properties
	}
	out, err := p.Update(ctx, &provider.Request{LogicalID: x.LogicalID, Type: x.Type, PhysicalID: x.PhysicalID,
		Properties: resolved, OldProperties: oldResolved, Attributes: attrs, Stack: r.stackInfo()})
	if err != nil {
		return r.fail(ctx, x, false, x.PhysicalID, propertyError(x.LogicalID, err))
	}
	r.mu.Lock()
	if out.PhysicalID != "" {
		x.PhysicalID = out.PhysicalID
	}
	x.Properties, x.Updated = props, now()
	if out.Attributes != nil {
		x.Attributes = out.Attributes
	}
	x.Status, x.StatusReason = UpdateComplete, ""
	ev = r.resourceEvent(x, x.PhysicalID, UpdateComplete, "", nil)
	r.mu.Unlock()
	r.save(ctx, x, ev)
	return nil
}

// propertyError words provider validation failures as CloudFormation does.
func propertyError(logicalID string, err error) error {
	var pe *provider.PropertyError
	if errors.As(err, &pe) {
		msg := pe.Problems[0]
		if len(pe.Problems) > 1 {
			msg = "[" + strings.Join(pe.Problems, ", ") + "]"
		}
		return fmt.Errorf("Properties validation failed for resource %s with message: %s", logicalID, msg)
	}
	return err
}

func stateOf(x *Resource) *ResourceState {
	return &ResourceState{PhysicalID: x.PhysicalID, Type: x.Type, Properties: x.Properties, Attributes: x.Attributes,
		DeletionPolicy: x.DeletionPolicy, UpdateReplacePolicy: x.UpdateReplacePolicy}
}

// --- teardown ---

// deleteOne deletes one physical resource; the provider treats a missing
// resource as deleted.
func (r *run) deletePhysical(ctx context.Context, typ, logicalID, physical string, props, attrs map[string]any) error {
	p, ok := r.e.reg.Get(typ)
	if !ok {
		return fmt.Errorf("resource type %s is not supported", typ)
	}
	resolved, err := r.resolveDynamic(ctx, props)
	if err != nil {
		resolved = props
	}
	return p.Delete(ctx, &provider.Request{LogicalID: logicalID, Type: typ, PhysicalID: physical, Properties: resolved, Attributes: attrs, Stack: r.stackInfo()})
}

// retained reports whether a deletion policy keeps the resource.
func retained(policy string) bool {
	return policy == "Retain" || policy == "RetainExceptOnCreate" || policy == "Snapshot"
}

// teardown deletes every live resource (and leftovers of replacements) in
// reverse dependency order. honorRetain applies DeletionPolicy; failures
// are recorded and the walk goes on with what does not depend on them.
func (r *run) teardown(ctx context.Context, body string, rollbackOfCreate bool) bool {
	r.mu.Lock()
	targets := map[string]*Resource{}
	for id, x := range r.res {
		if x.Status == DeleteComplete || x.Status == DeleteSkipped {
			continue
		}
		if x.Status == "" { // never started
			continue
		}
		targets[id] = x
	}
	r.mu.Unlock()
	g := deletionGraph(body, targets)
	res := g.Walk(ctx, dag.WalkOptions{Parallelism: r.e.d.Parallelism}, func(ctx context.Context, id string) error {
		return r.deleteResource(ctx, targets[id], rollbackOfCreate)
	})
	return len(res.Errors) == 0 && len(res.Skipped) == 0
}

func (r *run) deleteResource(ctx context.Context, x *Resource, rollbackOfCreate bool) error {
	r.mu.Lock()
	physical := x.PhysicalID
	if physical == "" {
		physical = x.Pending
	}
	keep := retained(x.DeletionPolicy) || containsString(r.stack.RetainOnDelete, x.LogicalID)
	if rollbackOfCreate && x.DeletionPolicy == "RetainExceptOnCreate" {
		keep = false
	}
	if x.Status == CreateFailed && x.PhysicalID == "" {
		keep = false // nothing was kept; only a pending create may exist
	}
	olds := append([]ResourceState(nil), x.Old...)
	r.mu.Unlock()
	if keep && physical != "" {
		r.mu.Lock()
		x.Status, x.StatusReason, x.Updated = DeleteSkipped, "", now()
		ev := r.resourceEvent(x, physical, DeleteSkipped, "", nil)
		r.mu.Unlock()
		r.save(ctx, x, ev)
		return nil
	}
	r.mu.Lock()
	x.Status, x.StatusReason, x.Updated = DeleteInProgress, "", now()
	ev := r.resourceEvent(x, physical, DeleteInProgress, "", nil)
	r.mu.Unlock()
	r.save(ctx, x, ev)
	var err error
	if physical != "" {
		err = r.deletePhysical(ctx, x.Type, x.LogicalID, physical, x.Properties, x.Attributes)
	}
	for _, o := range olds {
		if err == nil && !retained(o.UpdateReplacePolicy) {
			err = r.deletePhysical(ctx, o.Type, x.LogicalID, o.PhysicalID, o.Properties, o.Attributes)
		}
	}
	if err != nil && r.e.shuttingDown() {
		return err
	}
	r.mu.Lock()
	if err != nil {
		x.Status, x.StatusReason, x.Updated = DeleteFailed, err.Error(), now()
		ev = r.resourceEvent(x, physical, DeleteFailed, err.Error(), nil)
	} else {
		x.Status, x.StatusReason, x.Updated = DeleteComplete, "", now()
		x.Pending, x.Old = "", nil
		if x.PhysicalID == "" {
			x.PhysicalID = physical
		}
		ev = r.resourceEvent(x, physical, DeleteComplete, "", nil)
	}
	r.mu.Unlock()
	if err != nil {
		r.markFailed(x.LogicalID, "delete")
	}
	r.save(ctx, x, ev)
	return err
}

// --- outputs and exports ---

// outputs evaluates the template's outputs.
func (r *run) outputs() ([]Output, error) {
	ev := r.evaluator()
	var out []Output
	for _, o := range r.p.tmpl.Outputs {
		ok, err := ev.OutputIncluded(o)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		v, err := ev.Eval(o.Value, "Outputs/"+o.LogicalID+"/Value")
		if err != nil {
			return nil, err
		}
		val, err := outputString(v)
		if err != nil {
			return nil, fmt.Errorf("Template error: Output %s: %v", o.LogicalID, err)
		}
		oo := Output{Key: o.LogicalID, Value: val, Description: o.Description}
		if o.ExportName != nil {
			n, err := ev.Eval(o.ExportName, "Outputs/"+o.LogicalID+"/Export/Name")
			if err != nil {
				return nil, err
			}
			oo.ExportName, err = outputString(n)
			if err != nil || oo.ExportName == "" {
				return nil, fmt.Errorf("Template error: Output %s: export name must be a non-empty string", o.LogicalID)
			}
		}
		out = append(out, oo)
	}
	return out, nil
}

func outputString(v any) (string, error) {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			s, ok := provider.Scalar(e)
			if !ok {
				return "", fmt.Errorf("value must be a string or a list of strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	if s, ok := provider.Scalar(v); ok {
		return s, nil
	}
	if v == nil {
		return "", nil
	}
	return "", fmt.Errorf("value must be a string")
}

// publish records outputs, exports and imports with the final status in
// one transaction; an export conflict fails it.
func (r *run) publish(ctx context.Context, outs []Output, status, reason string) error {
	r.mu.Lock()
	imports := sortedKeys(r.imports)
	r.mu.Unlock()
	t := now()
	ev := &Event{EventID: newUUID(), StackID: r.stack.ID, StackName: r.stack.Name, LogicalID: r.stack.Name,
		PhysicalID: r.stack.ID, ResourceType: "AWS::CloudFormation::Stack", Status: status, Reason: reason, Timestamp: t, Token: r.stack.Token}
	err := r.e.st.Update(ctx, func(tx store.Tx) error {
		if err := r.e.syncExports(tx, r.stack, outs); err != nil {
			return err
		}
		if err := r.e.syncImports(tx, r.stack, imports); err != nil {
			return err
		}
		r.stack.Outputs, r.stack.Imports = outs, imports
		r.stack.Status, r.stack.StatusReason = status, reason
		if err := tx.Put(bStacks, r.stack.ID, r.stack); err != nil {
			return err
		}
		return r.e.putEvent(tx, ev)
	})
	return err
}

const bImports = "cfn/imports" // account/region/exportName|stackID → stack name

// syncExports makes the export table match the stack's outputs, refusing
// to take another stack's export name or to drop or change an export that
// another stack imports.
func (e *Engine) syncExports(tx store.Tx, st *Stack, outs []Output) error {
	want := map[string]string{}
	for _, o := range outs {
		if o.ExportName != "" {
			want[o.ExportName] = o.Value
		}
	}
	prefix := st.AccountID + "/" + st.Region + "/"
	// Exports this stack has now.
	have := map[string]Export{}
	err := tx.Scan(bExports, store.ScanOptions{Prefix: prefix}, func(k string, v []byte) error {
		var ex Export
		if err := jsonUnmarshal(v, &ex); err != nil {
			return err
		}
		if ex.StackID == st.ID {
			have[ex.Name] = ex
		}
		return nil
	})
	if err != nil {
		return err
	}
	for name, old := range have {
		nv, keep := want[name]
		if keep && nv == old.Value {
			continue
		}
		if users := e.importers(tx, st, name); len(users) > 0 {
			if keep {
				return fmt.Errorf("Cannot update export %s as it is in use by %s", name, strings.Join(users, ", "))
			}
			return fmt.Errorf("Cannot delete export %s as it is in use by %s", name, strings.Join(users, ", "))
		}
		if !keep {
			if err := tx.Delete(bExports, prefix+name); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(want) {
		var ex Export
		err := tx.Get(bExports, prefix+name, &ex)
		if err == nil && ex.StackID != st.ID {
			var other Stack
			tx.Get(bStacks, ex.StackID, &other)
			return fmt.Errorf("Export with name %s is already exported by stack %s", name, other.Name)
		}
		if err := tx.Put(bExports, prefix+name, Export{Name: name, Value: want[name], StackID: st.ID}); err != nil {
			return err
		}
	}
	return nil
}

// importers lists the other stacks importing an export.
func (e *Engine) importers(tx store.Tx, st *Stack, name string) []string {
	var out []string
	tx.Scan(bImports, store.ScanOptions{Prefix: st.AccountID + "/" + st.Region + "/" + name + "|"}, func(k string, v []byte) error {
		var who string
		if jsonUnmarshal(v, &who) == nil && !strings.HasSuffix(k, "|"+st.ID) {
			out = append(out, who)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (e *Engine) syncImports(tx store.Tx, st *Stack, imports []string) error {
	prefix := st.AccountID + "/" + st.Region + "/"
	for _, old := range st.Imports {
		if err := tx.Delete(bImports, prefix+old+"|"+st.ID); err != nil {
			return err
		}
	}
	for _, name := range imports {
		if err := tx.Put(bImports, prefix+name+"|"+st.ID, st.Name); err != nil {
			return err
		}
	}
	return nil
}

// dropExports removes a deleted stack's exports and imports.
func (e *Engine) dropExports(tx store.Tx, st *Stack) error {
	if err := e.syncImports(tx, st, nil); err != nil {
		return err
	}
	st.Imports = nil
	return e.syncExports(tx, st, nil)
}

type providerResult = struct{ Attributes map[string]any }

// updateVia calls a provider's Update for a rollback.
func updateVia(ctx context.Context, p provider.Provider, x *Resource, newProps, oldProps map[string]any, r *run) (*providerResult, error) {
	out, err := p.Update(ctx, &provider.Request{LogicalID: x.LogicalID, Type: x.Type, PhysicalID: x.PhysicalID,
		Properties: newProps, OldProperties: oldProps, Attributes: x.Attributes, Stack: r.stackInfo()})
	if err != nil {
		return nil, err
	}
	return &providerResult{Attributes: out.Attributes}, nil
}
