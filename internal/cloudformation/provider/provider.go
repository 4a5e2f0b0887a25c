// Package provider is the boundary between the CloudFormation engine and
// the services: one Provider per resource type, each a thin adapter that
// calls its service's engine (never the wire layer).
//
// Properties arrive fully resolved (intrinsics evaluated, dynamic references
// replaced) as JSON-shaped values: map[string]any, []any, string, bool,
// json.Number. Providers read them through Props, which collects validation
// problems in CloudFormation's wording.
package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Provider manages one resource type.
type Provider interface {
	// Type is the CloudFormation type name, e.g. "AWS::SSM::Parameter".
	Type() string
	// Schema describes the type's properties and attributes.
	Schema() *Schema
	// PhysicalID returns the id Create will give the resource for req. The
	// engine records it before calling Create, so a create interrupted by a
	// crash can be rolled back by deleting exactly that id. It also
	// validates the properties.
	PhysicalID(req *Request) (string, error)
	// Create makes the resource and returns its physical id and attributes.
	Create(ctx context.Context, req *Request) (*Result, error)
	// Read returns the resource's current properties (in template shape)
	// and attributes, or an error wrapping ErrNotFound if it is gone.
	Read(ctx context.Context, req *Request) (*Result, error)
	// Update changes the resource in place from req.OldProperties to
	// req.Properties. It is only called when no CreateOnly property changed.
	Update(ctx context.Context, req *Request) (*Result, error)
	// Delete removes the resource. Deleting one that is already gone is not
	// an error.
	Delete(ctx context.Context, req *Request) error
}

// Request is the input to every Provider method.
type Request struct {
	LogicalID  string
	Type       string
	PhysicalID string // empty for PhysicalID and Create
	Properties map[string]any
	// OldProperties are the properties before an Update.
	OldProperties map[string]any
	// Attributes known from the last Create/Update/Read (for Read/Delete).
	Attributes map[string]any
	Stack      StackInfo
	// Suffix is a random string the engine chose (and recorded) for this
	// resource's generated name; see Name.
	Suffix string
}

// StackInfo identifies the stack a resource belongs to.
type StackInfo struct {
	Name, ID, Region, AccountID string
	// Tags are the stack's tags, which AWS propagates to taggable resources.
	Tags map[string]string
}

// Result is what a provider reports about a resource.
type Result struct {
	PhysicalID string
	// Attributes are the Fn::GetAtt values.
	Attributes map[string]any
	// Properties are the current values, for drift detection (Read only).
	Properties map[string]any
}

// Schema describes a resource type.
type Schema struct {
	// Properties lists every property the type accepts; any other name is
	// rejected. Nil accepts anything.
	Properties []string
	Required   []string
	// CreateOnly properties force replacement when changed
	// (RequiresRecreation: Always).
	CreateOnly []string
	// Conditional properties may force replacement depending on the new
	// value (RequiresRecreation: Conditionally).
	Conditional []string
	// Attributes are the names Fn::GetAtt accepts.
	Attributes []string
	// WriteOnly properties are never returned by Read (secret values,
	// generation options), so drift detection skips them.
	WriteOnly []string
	// Unordered lists are compared as sets by drift detection (Tags).
	Unordered []string
	// NoDrift marks types that cannot be checked for drift: NOT_CHECKED.
	NoDrift bool
}

// Has reports whether list holds name.
func has(list []string, name string) bool {
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

// IsCreateOnly reports whether a change to the top-level property forces
// replacement.
func (s *Schema) IsCreateOnly(prop string) bool { return has(s.CreateOnly, prop) }

// IsConditional reports whether a change may force replacement.
func (s *Schema) IsConditional(prop string) bool { return has(s.Conditional, prop) }

// HasAttribute reports whether Fn::GetAtt may name attr.
func (s *Schema) HasAttribute(attr string) bool { return has(s.Attributes, attr) }

// IsWriteOnly reports whether Read never returns the property.
func (s *Schema) IsWriteOnly(prop string) bool { return has(s.WriteOnly, prop) }

// ErrNotFound is wrapped by Read when the resource no longer exists.
var ErrNotFound = errors.New("resource not found")

// NotFound returns an error wrapping ErrNotFound.
func NotFound(typ, id string) error {
	return fmt.Errorf("%s %s: %w", typ, id, ErrNotFound)
}

// Registry maps resource types to providers.
type Registry struct{ m map[string]Provider }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]Provider{}} }

// Register adds providers; a duplicate type panics (programming error).
func (r *Registry) Register(ps ...Provider) {
	for _, p := range ps {
		if _, dup := r.m[p.Type()]; dup {
			panic("provider registered twice: " + p.Type())
		}
		r.m[p.Type()] = p
	}
}

// Get returns the provider for a type.
func (r *Registry) Get(typ string) (Provider, bool) {
	p, ok := r.m[typ]
	return p, ok
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.m))
	for t := range r.m {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Name builds an AWS-style generated physical name
// "<stack>-<logicalId>-<SUFFIX>", truncating the stack and logical id parts
// (never the suffix) to fit maxLen. lower gives the lowercase form S3
// bucket names need.
func Name(req *Request, maxLen int, lower bool) string {
	stack, logical, suffix := req.Stack.Name, req.LogicalID, req.Suffix
	if suffix == "" {
		suffix = "SUFFIX"
	}
	if lower {
		stack, logical, suffix = strings.ToLower(stack), strings.ToLower(logical), strings.ToLower(suffix)
	}
	budget := maxLen - len(suffix) - 2
	if budget < 2 {
		return suffix[:min(len(suffix), maxLen)]
	}
	// Give each part up to half the budget, and unused room to the other.
	half := budget / 2
	if len(stack) > half && len(logical) > budget-half {
		stack, logical = stack[:half], logical[:budget-half]
	} else if len(stack)+len(logical) > budget {
		if len(stack) > len(logical) {
			stack = stack[:budget-len(logical)]
		} else {
			logical = logical[:budget-len(stack)]
		}
	}
	return stack + "-" + logical + "-" + suffix
}
