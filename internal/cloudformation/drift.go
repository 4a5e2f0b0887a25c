package cloudformation

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
	"github.com/skiff-dev/skiff/internal/store"
)

// Drift statuses.
const (
	driftInSync     = "IN_SYNC"
	driftModified   = "MODIFIED"
	driftDeleted    = "DELETED"
	driftNotChecked = "NOT_CHECKED"
	stackDrifted    = "DRIFTED"
)

// DriftDetection is one DetectStackDrift run.
type DriftDetection struct {
	ID           string    `json:"id"`
	StackID      string    `json:"stackId"`
	Status       string    `json:"status"` // DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED
	Reason       string    `json:"reason,omitempty"`
	StackDrift   string    `json:"stackDrift,omitempty"`
	DriftedCount int       `json:"drifted"`
	Timestamp    time.Time `json:"ts"`
}

func driftable(status string) bool {
	switch status {
	case CreateComplete, UpdateComplete, UpdateRollbackComplete, UpdateRollbackFailed, UpdateFailed, DeleteFailed, RollbackFailed:
		return true
	}
	return false
}

// DetectStackDrift compares every resource of the stack (or those named)
// with its template properties. It completes before returning (detection
// is local and fast); the record answers DescribeStackDriftDetectionStatus.
func (e *Engine) DetectStackDrift(ctx context.Context, name string, only []string) (string, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return "", err
	}
	if !driftable(st.Status) || e.busy(st.ID) {
		return "", errValidation.New("Drift detection is not supported for stack %s in status %s", st.Name, st.Status)
	}
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		return "", err
	}
	d := &DriftDetection{ID: newUUID(), StackID: st.ID, Status: "DETECTION_IN_PROGRESS", Timestamp: now()}
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bDrift, d.ID, d) }); err != nil {
		return "", err
	}
	var targets []*Resource
	for _, x := range sortedResources(res) {
		if !exists(x) || (len(only) > 0 && !containsString(only, x.LogicalID)) {
			continue
		}
		targets = append(targets, x)
	}
	r := e.newRun(st, res, nil)
	checked := now()
	// Reads are independent: run them in parallel, bounded.
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, x := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func(x *Resource) {
			defer wg.Done()
			x.Drift = r.checkDrift(ctx, x, checked)
			<-sem
		}(x)
	}
	wg.Wait()
	drifted := 0
	for _, x := range targets {
		if x.Drift.Status == driftModified || x.Drift.Status == driftDeleted {
			drifted++
		}
	}
	stackStatus := driftInSync
	if drifted > 0 {
		stackStatus = stackDrifted
	}
	d.Status, d.StackDrift, d.DriftedCount, d.Timestamp = "DETECTION_COMPLETE", stackStatus, drifted, now()
	err = e.st.Update(ctx, func(tx store.Tx) error {
		for _, x := range targets {
			if err := tx.Put(bResources, resKey(st.ID, x.LogicalID), x); err != nil {
				return err
			}
		}
		var cur Stack
		if err := tx.Get(bStacks, st.ID, &cur); err != nil {
			return err
		}
		if len(only) == 0 {
			cur.DriftStatus, cur.DriftCheckedAt = stackStatus, &checked
		}
		if err := tx.Put(bStacks, st.ID, &cur); err != nil {
			return err
		}
		return tx.Put(bDrift, d.ID, d)
	})
	return d.ID, err
}

// checkDrift reads one resource and compares it with what the template set.
func (r *run) checkDrift(ctx context.Context, x *Resource, at time.Time) *ResourceDrift {
	p, ok := r.e.reg.Get(x.Type)
	if !ok || p.Schema().NoDrift {
		return &ResourceDrift{Status: driftNotChecked, CheckedAt: at}
	}
	expected := r.expectedForDrift(ctx, x.Properties)
	out, err := p.Read(ctx, &provider.Request{LogicalID: x.LogicalID, Type: x.Type, PhysicalID: x.PhysicalID,
		Properties: expected, Attributes: x.Attributes, Stack: r.stackInfo()})
	if errors.Is(err, provider.ErrNotFound) {
		return &ResourceDrift{Status: driftDeleted, CheckedAt: at, Expected: compactJSON(expected)}
	}
	if err != nil {
		return &ResourceDrift{Status: driftNotChecked, CheckedAt: at}
	}
	schema := p.Schema()
	diffs := provider.Diff(expected, out.Properties, schema)
	actual := map[string]any{}
	for k := range expected {
		if v, ok := out.Properties[k]; ok && !schema.IsWriteOnly(k) {
			actual[k] = v
		} else if schema.IsWriteOnly(k) {
			actual[k] = expected[k]
		}
	}
	rd := &ResourceDrift{Status: driftInSync, CheckedAt: at, Expected: compactJSON(expected), Actual: compactJSON(actual)}
	for _, d := range diffs {
		rd.Differences = append(rd.Differences, PropertyDifference{Path: d.PropertyPath, Expected: d.ExpectedValue, Actual: d.ActualValue, Type: d.DifferenceType})
	}
	if len(rd.Differences) > 0 {
		rd.Status = driftModified
	}
	return rd
}

// expectedForDrift resolves plain SSM references and drops properties whose
// value comes from a secret: their actual values are never compared.
func (r *run) expectedForDrift(ctx context.Context, props map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range props {
		if template.HasDynamicRefs(v) {
			s := compactJSON(v)
			if strings.Contains(s, "{{resolve:ssm-secure:") || strings.Contains(s, "{{resolve:secretsmanager:") {
				continue
			}
			rv, err := template.ResolveDynamicRefsIn(v, func(service, ref string) (string, error) {
				return r.e.lookupDynamic(ctx, service, ref)
			})
			if err != nil {
				continue
			}
			v = rv
		}
		out[k] = v
	}
	return out
}

// DriftDetectionStatus returns a DetectStackDrift run.
func (e *Engine) DriftDetectionStatus(ctx context.Context, id string) (*DriftDetection, error) {
	var d DriftDetection
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bDrift, id, &d) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, errValidation.New("Drift detection with id %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	// The stack must be in the caller's scope.
	var st Stack
	if err := e.st.View(ctx, func(tx store.Tx) error { return e.findStackTx(ctx, tx, d.StackID, &st) }); err != nil {
		return nil, errValidation.New("Drift detection with id %s does not exist", id)
	}
	return &d, nil
}

// ResourceDrifts returns the last drift results of a stack's resources,
// filtered by status.
func (e *Engine) ResourceDrifts(ctx context.Context, name string, filter []string) (*Stack, []*Resource, error) {
	st, res, err := e.StackResources(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	var out []*Resource
	for _, x := range res {
		if x.Drift == nil || !exists(x) {
			continue
		}
		if len(filter) > 0 && !containsString(filter, x.Drift.Status) {
			continue
		}
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return st, out, nil
}

// DetectResourceDrift checks one resource now.
func (e *Engine) DetectResourceDrift(ctx context.Context, name, logicalID string) (*Stack, *Resource, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	x := res[logicalID]
	if x == nil || !exists(x) {
		return nil, nil, errValidation.New("Resource %s does not exist for stack %s", logicalID, st.Name)
	}
	r := e.newRun(st, res, nil)
	x.Drift = r.checkDrift(ctx, x, now())
	err = e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bResources, resKey(st.ID, x.LogicalID), x) })
	return st, x, err
}
