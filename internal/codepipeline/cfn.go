package codepipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::CodePipeline::Pipeline.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&pipelineProvider{e: e}}
}

const pipelineType = "AWS::CodePipeline::Pipeline"

// The registry schema of AWS::CodePipeline::Pipeline: Name is create-only
// (generated when absent); Ref is the name; Version is the attribute.
// RestartExecutionOnUpdate is not returned by the read handler.
var pipelineSchema = &provider.Schema{
	Properties: []string{"ArtifactStore", "ArtifactStores", "DisableInboundStageTransitions", "ExecutionMode", "Name",
		"PipelineType", "RestartExecutionOnUpdate", "RoleArn", "Stages", "Tags", "Triggers", "Variables"},
	Required:   []string{"RoleArn", "Stages"},
	CreateOnly: []string{"Name"},
	Attributes: []string{"Version"},
	WriteOnly:  []string{"RestartExecutionOnUpdate"},
	Unordered:  []string{"Tags", "DisableInboundStageTransitions"},
}

type pipelineProvider struct{ e *Engine }

var _ provider.Provider = (*pipelineProvider)(nil)

func (p *pipelineProvider) Type() string             { return pipelineType }
func (p *pipelineProvider) Schema() *provider.Schema { return pipelineSchema }

// cfnPipeline is a template's pipeline.
type cfnPipeline struct {
	decl        PipelineDeclaration
	tags        []Tag
	disabled    map[string]string // stage → reason
	restart     bool
	hasDisabled bool
}

// Members whose CloudFormation form is not the API's with the first
// letter upper-cased.
var numberMembers = map[string]bool{"runOrder": true, "timeoutInMinutes": true}

// toAPI turns template properties (PascalCase) into the API's camelCase
// shape: keys lower-cased at the first letter, configuration maps kept as
// given with their values as strings, and numbers written as strings
// turned into numbers.
func toAPI(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ak := lowerFirst(k)
			if ak == "configuration" {
				out[ak] = configMap(e)
				continue
			}
			out[ak] = toAPI(e, ak)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toAPI(e, key)
		}
		return out
	case string:
		if numberMembers[key] {
			if n, err := strconv.Atoi(x); err == nil {
				return n
			}
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
	}
	return v
}

// configMap renders a configuration object's values as strings, as
// CloudFormation does for non-string values.
func configMap(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		switch x := e.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case json.Number:
			out[k] = x.String()
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			b, _ := json.Marshal(e)
			out[k] = string(b)
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fromAPI is toAPI's inverse, for Read.
func fromAPI(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "configuration" {
				out["Configuration"] = e
				continue
			}
			out[upperFirst(k)] = fromAPI(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromAPI(e)
		}
		return out
	}
	return v
}

func readPipelineProps(req *provider.Request) (*cfnPipeline, error) {
	props := provider.Read(req.Properties, pipelineSchema)
	c := &cfnPipeline{disabled: map[string]string{}}
	tags := props.Tags("Tags")
	for _, k := range sortedKeys(tags) {
		c.tags = append(c.tags, Tag{Key: k, Value: tags[k]})
	}
	c.restart = props.Bool("RestartExecutionOnUpdate", false)
	for i, t := range props.List("DisableInboundStageTransitions") {
		m, ok := t.(map[string]any)
		if !ok {
			props.Fail(fmt.Sprintf("DisableInboundStageTransitions/%d", i), "expected type: JSONObject")
			continue
		}
		stage, _ := provider.Scalar(m["StageName"])
		reason, _ := provider.Scalar(m["Reason"])
		c.disabled[stage] = reason
		c.hasDisabled = true
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	api := map[string]any{}
	for k, v := range req.Properties {
		switch k {
		case "Tags", "RestartExecutionOnUpdate", "DisableInboundStageTransitions":
			continue
		case "ArtifactStores":
			stores := map[string]any{}
			list, _ := v.([]any)
			for _, e := range list {
				m, _ := e.(map[string]any)
				region, _ := provider.Scalar(m["Region"])
				stores[region] = toAPI(m["ArtifactStore"], "artifactStore")
			}
			api["artifactStores"] = stores
		default:
			api[lowerFirst(k)] = toAPI(v, lowerFirst(k))
		}
	}
	b, err := json.Marshal(api)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.decl); err != nil {
		return nil, fmt.Errorf("Properties validation failed for resource with message: %v", err)
	}
	if c.decl.Name == "" {
		c.decl.Name = provider.Name(req, 100, false)
	}
	return c, nil
}

func (p *pipelineProvider) PhysicalID(req *provider.Request) (string, error) {
	c, err := readPipelineProps(req)
	if err != nil {
		return "", err
	}
	if !reName.MatchString(c.decl.Name) || len(c.decl.Name) > 100 {
		return "", constraintErr(c.decl.Name, "pipeline.name", "Member must satisfy regular expression pattern: "+patName)
	}
	return c.decl.Name, nil
}

func (p *pipelineProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readPipelineProps(req)
	if err != nil {
		return nil, err
	}
	tags := mergeStackTags(req.Stack.Tags, c.tags)
	d, err := p.e.CreatePipeline(ctx, c.decl, tags)
	if err != nil {
		return nil, err
	}
	for stage, reason := range c.disabled {
		if err := p.e.DisableStageTransition(ctx, d.Name, stage, "Inbound", orDefault(reason, "Disabled by CloudFormation")); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, d.Name, req.Properties)
}

func mergeStackTags(stack map[string]string, own []Tag) []Tag {
	seen := map[string]bool{}
	var out []Tag
	for _, t := range own {
		seen[t.Key] = true
		out = append(out, t)
	}
	for _, k := range sortedKeys(stack) {
		if !seen[k] && !strings.HasPrefix(k, "aws:") {
			out = append(out, Tag{Key: k, Value: stack[k]})
		}
	}
	return out
}

func (p *pipelineProvider) result(ctx context.Context, name string, template map[string]any) (*provider.Result, error) {
	rec, err := p.e.getPipeline(ctx, name)
	if ErrPipelineNotFound.Is(err) {
		return nil, provider.NotFound(pipelineType, name)
	}
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(rec.Decl)
	var api map[string]any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	d.Decode(&api)
	delete(api, "version")
	props := map[string]any{}
	for k, v := range api {
		if k == "artifactStores" {
			m, _ := v.(map[string]any)
			var list []any
			for _, r := range sortedKeys(m) {
				list = append(list, map[string]any{"Region": r, "ArtifactStore": fromAPI(m[r])})
			}
			props["ArtifactStores"] = list
			continue
		}
		props[upperFirst(k)] = fromAPI(v)
	}
	props["Name"] = rec.Name
	if len(rec.Tags) > 0 {
		var tags []any
		for _, t := range rec.Tags {
			tags = append(tags, map[string]any{"Key": t.Key, "Value": t.Value})
		}
		props["Tags"] = tags
	}
	var disabled []any
	for _, st := range sortedKeys(rec.Transitions) {
		if t := rec.Transitions[st]; !t.Enabled {
			disabled = append(disabled, map[string]any{"StageName": st, "Reason": t.Reason})
		}
	}
	if disabled != nil {
		props["DisableInboundStageTransitions"] = disabled
	}
	return &provider.Result{PhysicalID: rec.Name, Attributes: map[string]any{"Version": strconv.Itoa(rec.version())},
		Properties: shapeLike(props, template).(map[string]any)}, nil
}

// shapeLike drops what the service adds on its own (defaults such as
// runOrder 1 and empty artifact lists, the pipeline type and mode) where
// the template did not say it, so drift detection compares what the
// template declared. Values the template set are kept as they are.
func shapeLike(actual, template any) any {
	switch a := actual.(type) {
	case map[string]any:
		t, _ := template.(map[string]any)
		out := make(map[string]any, len(a))
		for k, v := range a {
			tv, inTemplate := t[k]
			if !inTemplate && t != nil && isDefault(k, v) {
				continue
			}
			out[k] = shapeLike(v, tv)
		}
		return out
	case []any:
		t, _ := template.([]any)
		out := make([]any, len(a))
		for i, v := range a {
			var tv any
			if i < len(t) {
				tv = t[i]
			}
			out[i] = shapeLike(v, tv)
		}
		return out
	case json.Number:
		if _, ok := template.(string); ok {
			return a.String()
		}
	}
	return actual
}

func isDefault(k string, v any) bool {
	switch k {
	case "RunOrder":
		return fmt.Sprint(v) == "1"
	case "InputArtifacts", "OutputArtifacts":
		l, _ := v.([]any)
		return len(l) == 0
	case "PipelineType":
		return v == PipelineV1
	case "ExecutionMode":
		return v == ModeSuperseded
	}
	return false
}

func (p *pipelineProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(ctx, req.PhysicalID, req.Properties)
}

func (p *pipelineProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readPipelineProps(req)
	if err != nil {
		return nil, err
	}
	c.decl.Name = req.PhysicalID
	tags := mergeStackTags(req.Stack.Tags, c.tags)
	if tags == nil {
		tags = []Tag{}
	}
	if err := checkTags(tags, "tags"); err != nil {
		return nil, err
	}
	if _, err := p.e.updatePipeline(ctx, c.decl, &tags, c.restart); err != nil {
		if ErrPipelineNotFound.Is(err) {
			return nil, provider.NotFound(pipelineType, req.PhysicalID)
		}
		return nil, err
	}
	rec, err := p.e.getPipeline(ctx, req.PhysicalID)
	if err != nil {
		return nil, err
	}
	// Transitions: disable the listed stages, enable the others.
	for _, s := range rec.Decl.Stages {
		reason, off := c.disabled[s.Name]
		t := rec.Transitions[s.Name]
		switch {
		case off:
			if t == nil || t.Enabled || t.Reason != reason {
				if err := p.e.DisableStageTransition(ctx, rec.Name, s.Name, "Inbound", orDefault(reason, "Disabled by CloudFormation")); err != nil {
					return nil, err
				}
			}
		case t != nil && !t.Enabled:
			if err := p.e.EnableStageTransition(ctx, rec.Name, s.Name, "Inbound"); err != nil {
				return nil, err
			}
		}
	}
	return p.result(ctx, req.PhysicalID, req.Properties)
}

func (p *pipelineProvider) Delete(ctx context.Context, req *provider.Request) error {
	return p.e.DeletePipeline(ctx, req.PhysicalID)
}
