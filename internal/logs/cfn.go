package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::Logs::LogGroup.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&logGroupProvider{e}}
}

type logGroupProvider struct{ e *Engine }

var logGroupSchema = &provider.Schema{
	Properties: []string{"LogGroupName", "RetentionInDays", "KmsKeyId", "LogGroupClass", "Tags", "DataProtectionPolicy"},
	CreateOnly: []string{"LogGroupName", "LogGroupClass"},
	Attributes: []string{"Arn"},
	Unordered:  []string{"Tags"},
}

func (*logGroupProvider) Type() string             { return "AWS::Logs::LogGroup" }
func (*logGroupProvider) Schema() *provider.Schema { return logGroupSchema }

type groupSpec struct {
	name, kms, class, dataProtection string
	retention                        int32
	tags                             map[string]string
}

func (lp *logGroupProvider) spec(req *provider.Request) (*groupSpec, error) {
	p := provider.Read(req.Properties, logGroupSchema)
	s := &groupSpec{
		name: p.String("LogGroupName"), kms: p.String("KmsKeyId"), class: p.String("LogGroupClass"),
		retention: int32(p.Int("RetentionInDays", 0)), tags: p.Tags("Tags"),
	}
	if m := p.JSONDoc("DataProtectionPolicy"); m != nil {
		b, err := marshal(m)
		if err != nil {
			p.Fail("DataProtectionPolicy", "invalid JSON document: %v", err)
		}
		s.dataProtection = b
	}
	if p.Has("RetentionInDays") && !validRetention(s.retention) {
		p.Fail("RetentionInDays", "%d is not a valid enum value", s.retention)
	}
	if s.name == "" {
		s.name = provider.Name(req, 512, false)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var v validation
	v.groupName("LogGroupName", s.name)
	v.class(s.class)
	return s, v.err()
}

func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// withStackTags merges the stack's tags (propagated as CloudFormation
// does) under the template's.
func withStackTags(req *provider.Request, tmpl map[string]string) map[string]string {
	if len(req.Stack.Tags) == 0 && len(tmpl) == 0 {
		return nil
	}
	m := map[string]string{}
	for k, v := range req.Stack.Tags {
		m[k] = v
	}
	for k, v := range tmpl {
		m[k] = v
	}
	return m
}

func (lp *logGroupProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := lp.spec(req)
	if err != nil {
		return "", err
	}
	return s.name, nil
}

func attrs(g *LogGroup) map[string]any { return map[string]any{"Arn": g.WildcardARN()} }

func (lp *logGroupProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := lp.spec(req)
	if err != nil {
		return nil, err
	}
	g, err := lp.e.CreateLogGroup(ctx, CreateLogGroupInput{Name: s.name, KmsKeyID: s.kms, Tags: withStackTags(req, s.tags), Class: s.class})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*provider.Result, error) {
		lp.e.DeleteLogGroup(ctx, s.name)
		return nil, err
	}
	if s.retention != 0 {
		if err := lp.e.PutRetentionPolicy(ctx, s.name, s.retention); err != nil {
			return fail(err)
		}
	}
	if s.dataProtection != "" {
		if _, err := lp.e.PutDataProtectionPolicy(ctx, s.name, s.dataProtection); err != nil {
			return fail(err)
		}
	}
	return &provider.Result{PhysicalID: g.Name, Attributes: attrs(g)}, nil
}

func (lp *logGroupProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	g, err := lp.e.GetLogGroup(ctx, req.PhysicalID)
	if ErrResourceNotFound.Is(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	tmpl := provider.Read(req.Properties, nil).Tags("Tags")
	tags := map[string]string{}
	for k, v := range g.Tags {
		if sv, fromStack := req.Stack.Tags[k]; fromStack && sv == v {
			if _, inTemplate := tmpl[k]; !inTemplate {
				continue
			}
		}
		tags[k] = v
	}
	tagList := provider.TagList(tags)
	if tagList == nil {
		tagList = []any{}
	}
	props := map[string]any{
		"LogGroupName":  g.Name,
		"LogGroupClass": g.Class,
		"Tags":          tagList,
	}
	if g.RetentionInDays != 0 {
		props["RetentionInDays"] = int64(g.RetentionInDays)
	}
	if g.KmsKeyID != "" {
		props["KmsKeyId"] = g.KmsKeyID
	}
	if g.DataProtectionPolicy != "" {
		var doc any
		d := json.NewDecoder(strings.NewReader(g.DataProtectionPolicy))
		d.UseNumber()
		if err := d.Decode(&doc); err == nil {
			props["DataProtectionPolicy"] = doc
		}
	}
	return &provider.Result{PhysicalID: g.Name, Attributes: attrs(g), Properties: props}, nil
}

func (lp *logGroupProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := lp.spec(req)
	if err != nil {
		return nil, err
	}
	e, name := lp.e, req.PhysicalID
	cur, err := e.GetLogGroup(ctx, name)
	if err != nil {
		return nil, err
	}
	switch {
	case s.retention != 0 && s.retention != cur.RetentionInDays:
		err = e.PutRetentionPolicy(ctx, name, s.retention)
	case s.retention == 0 && cur.RetentionInDays != 0:
		err = e.DeleteRetentionPolicy(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case s.kms != "" && s.kms != cur.KmsKeyID:
		err = e.AssociateKmsKey(ctx, name, s.kms)
	case s.kms == "" && cur.KmsKeyID != "":
		err = e.DisassociateKmsKey(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case s.dataProtection != "":
		_, err = e.PutDataProtectionPolicy(ctx, name, s.dataProtection)
	case cur.DataProtectionPolicy != "":
		err = e.DeleteDataProtectionPolicy(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	want := withStackTags(req, s.tags)
	var gone []string
	for k := range withStackTags(req, provider.Read(req.OldProperties, nil).Tags("Tags")) {
		if _, ok := want[k]; !ok {
			gone = append(gone, k)
		}
	}
	if len(gone) > 0 {
		if err := e.UntagLogGroup(ctx, name, gone); err != nil {
			return nil, err
		}
	}
	if len(want) > 0 {
		if err := e.TagLogGroup(ctx, name, want); err != nil {
			return nil, err
		}
	}
	return &provider.Result{PhysicalID: cur.Name, Attributes: attrs(cur)}, nil
}

func (lp *logGroupProvider) Delete(ctx context.Context, req *provider.Request) error {
	if err := lp.e.DeleteLogGroup(ctx, req.PhysicalID); err != nil && !ErrResourceNotFound.Is(err) {
		return err
	}
	return nil
}
