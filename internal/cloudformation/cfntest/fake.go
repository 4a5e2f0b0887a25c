// Package cfntest has a fake resource provider for engine tests: an
// in-memory resource with injectable failures and delays.
package cfntest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Type is the fake resource type.
const Type = "Test::Fake::Thing"

// Fake is an in-memory provider. Properties: Name (CreateOnly; generated
// when absent), Value, Tags. Value "fail-create" / "fail-update" /
// "fail-delete" makes that step fail; "slow" makes Create take Delay.
type Fake struct {
	mu    sync.Mutex
	Items map[string]map[string]any
	Delay time.Duration
	// Calls counts provider calls by method.
	Calls map[string]int
	// Started is sent each time a slow create begins (if not nil).
	Started chan string
}

var _ provider.Provider = (*Fake)(nil)

// New returns an empty fake.
func New() *Fake { return &Fake{Items: map[string]map[string]any{}, Calls: map[string]int{}} }

func (f *Fake) Type() string { return Type }

func (f *Fake) Schema() *provider.Schema {
	return &provider.Schema{Properties: []string{"Name", "Value", "Tags", "Other"}, CreateOnly: []string{"Name"},
		Attributes: []string{"Arn", "Echo"}, Unordered: []string{"Tags"}}
}

func (f *Fake) count(m string) {
	f.mu.Lock()
	f.Calls[m]++
	f.mu.Unlock()
}

func (f *Fake) PhysicalID(req *provider.Request) (string, error) {
	p := provider.Read(req.Properties, f.Schema())
	name := p.String("Name")
	p.String("Value")
	if err := p.Err(); err != nil {
		return "", err
	}
	if name == "" {
		name = provider.Name(req, 128, false)
	}
	return name, nil
}

func attrs(id string, props map[string]any) map[string]any {
	v, _ := provider.Scalar(props["Value"])
	return map[string]any{"Arn": "arn:fake:::" + id, "Echo": v}
}

func (f *Fake) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	f.count("Create")
	id, err := f.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	v, _ := provider.Scalar(req.Properties["Value"])
	if v == "slow" || strings.HasPrefix(v, "slow") {
		if f.Started != nil {
			f.Started <- req.LogicalID
		}
		select {
		case <-time.After(f.Delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if v == "fail-create" {
		return nil, fmt.Errorf("fake create of %s failed as asked", id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, dup := f.Items[id]; dup {
		return nil, fmt.Errorf("%s already exists", id)
	}
	f.Items[id] = copyMap(req.Properties)
	return &provider.Result{PhysicalID: id, Attributes: attrs(id, req.Properties)}, nil
}

func (f *Fake) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	f.count("Read")
	f.mu.Lock()
	defer f.mu.Unlock()
	it, ok := f.Items[req.PhysicalID]
	if !ok {
		return nil, provider.NotFound(Type, req.PhysicalID)
	}
	props := copyMap(it)
	if _, ok := props["Name"]; !ok {
		props["Name"] = req.PhysicalID
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Properties: props, Attributes: attrs(req.PhysicalID, it)}, nil
}

func (f *Fake) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	f.count("Update")
	v, _ := provider.Scalar(req.Properties["Value"])
	if v == "fail-update" {
		return nil, fmt.Errorf("fake update of %s failed as asked", req.PhysicalID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.Items[req.PhysicalID]; !ok {
		return nil, provider.NotFound(Type, req.PhysicalID)
	}
	f.Items[req.PhysicalID] = copyMap(req.Properties)
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: attrs(req.PhysicalID, req.Properties)}, nil
}

func (f *Fake) Delete(ctx context.Context, req *provider.Request) error {
	f.count("Delete")
	f.mu.Lock()
	defer f.mu.Unlock()
	if it, ok := f.Items[req.PhysicalID]; ok {
		if v, _ := provider.Scalar(it["Value"]); v == "fail-delete" {
			return fmt.Errorf("fake delete of %s failed as asked", req.PhysicalID)
		}
	}
	delete(f.Items, req.PhysicalID)
	return nil
}

// IDs lists the existing physical ids.
func (f *Fake) IDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.Items))
	for k := range f.Items {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Set changes an item behind the engine's back (drift).
func (f *Fake) Set(id, prop string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if it, ok := f.Items[id]; ok {
		it[prop] = v
	}
}

// Remove deletes an item behind the engine's back.
func (f *Fake) Remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.Items, id)
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
