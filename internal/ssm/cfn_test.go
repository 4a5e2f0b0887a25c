package ssm

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func parameterProviderOf(e *Engine) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == "AWS::SSM::Parameter" {
			return p
		}
	}
	panic("no AWS::SSM::Parameter provider")
}

func tagMap(t *testing.T, e *Engine, c context.Context, name string) map[string]string {
	t.Helper()
	tags, err := e.ListTagsForResource(c, "Parameter", name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range tags {
		m[tg.Key] = tg.Value
	}
	return m
}

func TestParameterProviderConformance(t *testing.T) {
	e, _ := newTestEngine(t)
	check := func(t *testing.T, c context.Context, id string, props map[string]any) {
		t.Helper()
		p, err := e.GetParameter(c, id, false)
		if err != nil {
			t.Fatalf("engine: %v", err)
		}
		if p.Value != props["Value"] || p.Type != props["Type"] {
			t.Fatalf("engine has %s=%q, template %v", p.Type, p.Value, props)
		}
		if d, ok := props["Description"]; ok && p.Description != d {
			t.Fatalf("description %q, want %v", p.Description, d)
		}
		if tags, ok := props["Tags"].(map[string]any); ok {
			got := tagMap(t, e, c, id)
			if len(got) != len(tags) {
				t.Fatalf("tags %v, want %v", got, tags)
			}
			for k, v := range tags {
				if got[k] != v {
					t.Fatalf("tags %v, want %v", got, tags)
				}
			}
		}
	}
	providertest.Run(t, parameterProviderOf(e), providertest.Case{
		Create: map[string]any{"Type": "String", "Value": "v1", "Description": "first", "Tags": map[string]any{"team": "web", "env": "dev"}},
		Update: map[string]any{"Type": "StringList", "Value": "a,b", "Description": "second", "Tier": "Advanced", "Tags": map[string]any{"team": "api"}},
		Replace: map[string]any{"Name": "/conformance/explicit", "Type": "String", "Value": "v3", "AllowedPattern": "^v\\d$",
			"DataType": "text", "Tags": map[string]any{"x": "y"}},
		Check: check,
		Gone: func(t *testing.T, c context.Context, id string) {
			if _, err := e.GetParameter(c, id, false); !ErrParameterNotFound.Is(err) {
				t.Fatalf("parameter %s still exists: %v", id, err)
			}
		},
	})
}

func TestParameterProviderNamesAndRules(t *testing.T) {
	e, _ := newTestEngine(t)
	p := parameterProviderOf(e)
	stack := provider.StackInfo{Name: "web", AccountID: acct, Region: region, Tags: map[string]string{"stack-tag": "s", "team": "stack"}}
	req := &provider.Request{LogicalID: "MyParam", Type: p.Type(), Stack: stack, Suffix: "AbCdEf123456",
		Properties: map[string]any{"Type": "String", "Value": "hello", "Tags": map[string]any{"team": "own"}}}
	id, err := p.PhysicalID(req)
	if err != nil || id != "CFN-MyParam-AbCdEf123456" {
		t.Fatalf("generated name %q %v", id, err)
	}
	res, err := p.Create(ctx, req)
	if err != nil || res.PhysicalID != id || res.Attributes["Value"] != "hello" || res.Attributes["Type"] != "String" {
		t.Fatalf("create: %+v %v", res, err)
	}
	// Stack tags propagate; the resource's own tags win.
	if got := fmt.Sprint(tagMap(t, e, ctx, id)); got != "map[stack-tag:s team:own]" {
		t.Fatalf("tags %s", got)
	}
	// Creating over an existing parameter fails as CloudFormation does.
	if _, err := p.Create(ctx, req); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("create twice: %v", err)
	}
	// A change made with put-parameter --overwrite is drift on Value.
	if _, err := e.PutParameter(ctx, PutParameterInput{Name: id, Value: "changed", Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	read, err := p.Read(ctx, &provider.Request{PhysicalID: id, Type: p.Type(), Stack: stack})
	if err != nil {
		t.Fatal(err)
	}
	d := provider.Diff(req.Properties, read.Properties, p.Schema())
	if len(d) != 1 || d[0].PropertyPath != "/Value" || d[0].ExpectedValue != "hello" || d[0].ActualValue != "changed" {
		t.Fatalf("drift %+v", d)
	}
	// SecureString is refused, with AWS's message.
	sec := &provider.Request{LogicalID: "Sec", Stack: stack, Suffix: "X", Properties: map[string]any{"Type": "SecureString", "Value": "x"}}
	if _, err := p.PhysicalID(sec); err == nil || err.Error() != "SSM Parameters of type SecureString cannot be created using CloudFormation" {
		t.Fatalf("SecureString: %v", err)
	}
	upd := &provider.Request{PhysicalID: id, Stack: stack, OldProperties: req.Properties, Properties: map[string]any{"Type": "SecureString", "Value": "x"}}
	if _, err := p.Update(ctx, upd); err == nil || err.Error() != "SSM Parameters of type SecureString cannot be updated using CloudFormation" {
		t.Fatalf("SecureString update: %v", err)
	}
	// Schema problems are all reported.
	bad := &provider.Request{LogicalID: "Bad", Stack: stack, Suffix: "X", Properties: map[string]any{"Type": "Number", "Bogus": 1}}
	_, err = p.PhysicalID(bad)
	for _, want := range []string{"required key [Value] not found", "extraneous key [Bogus]", "#/Type: failed validation constraint for keyword [enum]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad props: %v lacks %q", err, want)
		}
	}
	// Service rules apply to explicit names.
	if _, err := p.PhysicalID(&provider.Request{Stack: stack, Properties: map[string]any{"Name": "awsnope", "Type": "String", "Value": "v"}}); err == nil {
		t.Fatal("reserved name accepted")
	}
	// Tags-only updates do not add a version.
	upd = &provider.Request{PhysicalID: id, Stack: stack, OldProperties: req.Properties,
		Properties: map[string]any{"Type": "String", "Value": "hello", "Tags": map[string]any{"new": "tag"}}}
	if _, err := p.Update(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, _ := e.GetParameter(ctx, id, false)
	if got.Version != 2 {
		t.Fatalf("tags-only update made version %d", got.Version)
	}
	if tags := fmt.Sprint(tagMap(t, e, ctx, id)); tags != "map[new:tag stack-tag:s team:stack]" {
		t.Fatalf("tags after update %s", tags)
	}
	// Delete is idempotent.
	for i := 0; i < 2; i++ {
		if err := p.Delete(ctx, &provider.Request{PhysicalID: id, Stack: stack}); err != nil {
			t.Fatal(err)
		}
	}
}
