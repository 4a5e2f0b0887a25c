// Package providertest is the conformance suite every resource provider
// passes: create → read equals template → update in place → update with
// replacement → delete → read says gone.
package providertest

import (
	"context"
	"errors"
	"testing"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Case is one provider's test data.
type Case struct {
	// Ctx carries the account and region; nil means a test scope.
	Ctx context.Context
	// Create are the properties of the first create.
	Create map[string]any
	// Update changes at least one property that is not CreateOnly. Nil
	// skips the in-place step (types where every property forces
	// replacement).
	Update map[string]any
	// Replace changes at least one CreateOnly property. Nil skips the
	// replacement step (types with no CreateOnly property).
	Replace map[string]any
	// Check, if set, verifies through the service itself (not the
	// provider) that the resource exists with these properties.
	Check func(t *testing.T, ctx context.Context, physicalID string, props map[string]any)
	// Gone, if set, verifies through the service that the resource is gone.
	Gone func(t *testing.T, ctx context.Context, physicalID string)
}

// Scope is the account and region the suite runs in by default.
var Scope = awsctx.Scope{AccountID: "123456789012", Region: "us-east-1", RequestID: "providertest"}

// Run runs the suite.
func Run(t *testing.T, p provider.Provider, c Case) {
	t.Helper()
	ctx := c.Ctx
	if ctx == nil {
		ctx = awsctx.With(context.Background(), Scope)
	}
	sc := awsctx.From(ctx)
	stack := provider.StackInfo{Name: "conformance", ID: "arn:aws:cloudformation:" + sc.Region + ":" + sc.AccountID + ":stack/conformance/1", Region: sc.Region, AccountID: sc.AccountID}
	schema := p.Schema()
	req := &provider.Request{LogicalID: "Subject", Type: p.Type(), Properties: c.Create, Stack: stack, Suffix: "ABCDEF123456"}

	// Create.
	want, err := p.PhysicalID(req)
	if err != nil {
		t.Fatalf("PhysicalID: %v", err)
	}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if res.PhysicalID != want {
		t.Fatalf("Create gave physical id %q, PhysicalID promised %q", res.PhysicalID, want)
	}
	for _, a := range schema.Attributes {
		if _, ok := res.Attributes[a]; !ok {
			t.Errorf("Create result lacks attribute %s declared in the schema", a)
		}
	}
	id := res.PhysicalID
	readEquals(t, ctx, p, req, id, res.Attributes, c.Create, "after create")
	if c.Check != nil {
		c.Check(t, ctx, id, c.Create)
	}

	cur := c.Create
	attrs := res.Attributes
	// Update in place.
	if c.Update != nil {
		for k := range changed(cur, c.Update) {
			if schema.IsCreateOnly(k) {
				t.Fatalf("Case.Update changes CreateOnly property %s", k)
			}
		}
		ureq := &provider.Request{LogicalID: "Subject", Type: p.Type(), PhysicalID: id, Properties: c.Update, OldProperties: cur, Attributes: attrs, Stack: stack}
		ures, err := p.Update(ctx, ureq)
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if ures.PhysicalID != id {
			t.Fatalf("in-place Update changed physical id %q → %q", id, ures.PhysicalID)
		}
		attrs = ures.Attributes
		readEquals(t, ctx, p, ureq, id, attrs, c.Update, "after update")
		if c.Check != nil {
			c.Check(t, ctx, id, c.Update)
		}
		cur = c.Update
	}

	// Update with replacement: the engine creates the new resource, then
	// deletes the old one during cleanup.
	if c.Replace != nil {
		forces := false
		for k := range changed(cur, c.Replace) {
			if schema.IsCreateOnly(k) {
				forces = true
			}
		}
		if !forces {
			t.Fatalf("Case.Replace changes no CreateOnly property")
		}
		nreq := &provider.Request{LogicalID: "Subject", Type: p.Type(), Properties: c.Replace, Stack: stack, Suffix: "ZYXWVU987654"}
		nid, err := p.PhysicalID(nreq)
		if err != nil {
			t.Fatalf("PhysicalID (replacement): %v", err)
		}
		if nid == id {
			t.Fatalf("replacement would reuse physical id %q", id)
		}
		nres, err := p.Create(ctx, nreq)
		if err != nil {
			t.Fatalf("Create (replacement): %v", err)
		}
		readEquals(t, ctx, p, nreq, nres.PhysicalID, nres.Attributes, c.Replace, "replacement")
		old := &provider.Request{LogicalID: "Subject", Type: p.Type(), PhysicalID: id, Properties: cur, Attributes: attrs, Stack: stack}
		if err := p.Delete(ctx, old); err != nil {
			t.Fatalf("Delete (old after replacement): %v", err)
		}
		mustBeGone(t, ctx, p, old, "old resource after replacement")
		if c.Gone != nil {
			c.Gone(t, ctx, id)
		}
		id, cur, attrs = nres.PhysicalID, c.Replace, nres.Attributes
	}

	// Delete, then read says gone, and a second delete is a no-op.
	dreq := &provider.Request{LogicalID: "Subject", Type: p.Type(), PhysicalID: id, Properties: cur, Attributes: attrs, Stack: stack}
	if err := p.Delete(ctx, dreq); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeGone(t, ctx, p, dreq, "after delete")
	if c.Gone != nil {
		c.Gone(t, ctx, id)
	}
	if err := p.Delete(ctx, dreq); err != nil {
		t.Fatalf("second Delete of a deleted resource: %v", err)
	}
}

func readEquals(t *testing.T, ctx context.Context, p provider.Provider, req *provider.Request, id string, attrs map[string]any, want map[string]any, when string) {
	t.Helper()
	r := *req
	r.PhysicalID = id
	r.Attributes = attrs
	got, err := p.Read(ctx, &r)
	if err != nil {
		t.Fatalf("Read %s: %v", when, err)
	}
	if p.Schema().NoDrift {
		return
	}
	if d := provider.Diff(want, got.Properties, p.Schema()); len(d) > 0 {
		t.Fatalf("Read %s differs from the template: %+v", when, d)
	}
}

func mustBeGone(t *testing.T, ctx context.Context, p provider.Provider, req *provider.Request, when string) {
	t.Helper()
	_, err := p.Read(ctx, req)
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("Read %s: got %v, want ErrNotFound", when, err)
	}
}

func changed(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k, v := range b {
		if provider.Render(a[k]) != provider.Render(v) {
			out[k] = true
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out[k] = true
		}
	}
	return out
}
