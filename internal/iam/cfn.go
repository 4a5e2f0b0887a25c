package iam

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::IAM::Role, AWS::IAM::Policy, AWS::IAM::ManagedPolicy and
// AWS::IAM::InstanceProfile.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&roleProvider{e}, &policyProvider{e}, &managedPolicyProvider{e}, &instanceProfileProvider{e}}
}

// Shared helpers.

// docString reads a policy document property (object or JSON string) and
// returns it as compact JSON.
func docString(p *provider.Props, k string) string {
	m := p.JSONDoc(k)
	if m == nil {
		return ""
	}
	s, err := compactJSON(m)
	if err != nil {
		p.Fail(k, "invalid JSON document: %v", err)
	}
	return s
}

// docProp returns a stored document in template shape: an object, or the
// template's own string when the template gave one with the same meaning.
func docProp(stored string, tmpl any) any {
	obj, err := DocumentObject(stored)
	if err != nil {
		return stored
	}
	if s, ok := tmpl.(string); ok {
		if t, err := DocumentObject(s); err == nil && sameJSON(t, obj) {
			return s
		}
	}
	return obj
}

func sameJSON(a, b any) bool {
	x, err1 := compactJSON(a)
	y, err2 := compactJSON(b)
	return err1 == nil && err2 == nil && x == y
}

func isNotFound(err error) bool { return ErrNoSuchEntity.Is(err) }

// resourceTags merges the stack's tags (propagated as CloudFormation does)
// under the template's.
func resourceTags(req *provider.Request, tmpl map[string]string) []Tag {
	m := map[string]string{}
	for k, v := range req.Stack.Tags {
		m[k] = v
	}
	for k, v := range tmpl {
		m[k] = v
	}
	keys := sortedKeys(m)
	out := make([]Tag, len(keys))
	for i, k := range keys {
		out[i] = Tag{Key: k, Value: m[k]}
	}
	return out
}

// templateTags returns the resource's tags as Read reports them: without
// the stack's propagated tags unless the template names them too.
func templateTags(req *provider.Request, tags []Tag) []any {
	tmpl := provider.Read(req.Properties, nil).Tags("Tags")
	m := map[string]string{}
	for _, t := range tags {
		if v, ok := req.Stack.Tags[t.Key]; ok && v == t.Value {
			if _, inTemplate := tmpl[t.Key]; !inTemplate {
				continue
			}
		}
		m[t.Key] = t.Value
	}
	if l := provider.TagList(m); l != nil {
		return l
	}
	return []any{}
}

// reconcileTags moves an entity's tags from the old template's to the new
// one's.
func reconcileTags(req *provider.Request, tag func([]Tag) error, untag func([]string) error) error {
	oldT := resourceTags(req, provider.Read(req.OldProperties, nil).Tags("Tags"))
	newT := resourceTags(req, provider.Read(req.Properties, nil).Tags("Tags"))
	var gone []string
	for _, o := range oldT {
		keep := false
		for _, n := range newT {
			if strings.EqualFold(n.Key, o.Key) {
				keep = true
			}
		}
		if !keep {
			gone = append(gone, o.Key)
		}
	}
	if len(gone) > 0 {
		if err := untag(gone); err != nil {
			return err
		}
	}
	if len(newT) > 0 {
		return tag(newT)
	}
	return nil
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// diffSets returns what is in b but not a, and in a but not b
// (case-insensitive, as IAM names compare).
func diffSets(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !containsFold(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !containsFold(b, x) {
			removed = append(removed, x)
		}
	}
	return
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// AWS::IAM::Role.

type roleProvider struct{ e *Engine }

var roleSchema = &provider.Schema{
	Properties: []string{"AssumeRolePolicyDocument", "Description", "ManagedPolicyArns", "MaxSessionDuration", "Path", "PermissionsBoundary", "Policies", "RoleName", "Tags"},
	Required:   []string{"AssumeRolePolicyDocument"},
	CreateOnly: []string{"RoleName", "Path"},
	Attributes: []string{"Arn", "RoleId"},
	Unordered:  []string{"ManagedPolicyArns", "Policies", "Tags"},
}

func (*roleProvider) Type() string             { return "AWS::IAM::Role" }
func (*roleProvider) Schema() *provider.Schema { return roleSchema }

type roleSpec struct {
	name, path, trust, description, boundary string
	maxSession                               *int32
	managed                                  []string
	policies                                 []InlinePolicy
	tags                                     map[string]string
}

func readInlineList(p *provider.Props, k string) []InlinePolicy {
	var out []InlinePolicy
	for i, raw := range p.List(k) {
		m, ok := raw.(map[string]any)
		if !ok {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "expected type: JSONObject, found: %T", raw)
			continue
		}
		sub := provider.Read(m, &provider.Schema{Properties: []string{"PolicyName", "PolicyDocument"}, Required: []string{"PolicyName", "PolicyDocument"}})
		name := sub.String("PolicyName")
		doc := docString(sub, "PolicyDocument")
		if err := sub.Err(); err != nil {
			var pe *provider.PropertyError
			if errors.As(err, &pe) {
				for _, msg := range pe.Problems {
					p.Fail(fmt.Sprintf("%s/%d", k, i), "%s", strings.TrimPrefix(msg, "#: "))
				}
			}
			continue
		}
		out = append(out, InlinePolicy{Name: name, Document: doc})
	}
	return out
}

func (rp *roleProvider) spec(req *provider.Request) (*roleSpec, error) {
	p := provider.Read(req.Properties, roleSchema)
	s := &roleSpec{
		name: p.String("RoleName"), path: p.String("Path"), trust: docString(p, "AssumeRolePolicyDocument"),
		description: p.String("Description"), boundary: p.String("PermissionsBoundary"),
		managed: p.StringList("ManagedPolicyArns"), policies: readInlineList(p, "Policies"), tags: p.Tags("Tags"),
	}
	if p.Has("MaxSessionDuration") {
		n := int32(p.Int("MaxSessionDuration", defaultMaxSession))
		s.maxSession = &n
	}
	if s.name == "" {
		s.name = provider.Name(req, 64, false)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var v validation
	v.name("RoleName", s.name, 64)
	v.path("Path", s.path)
	return s, v.err()
}

func (rp *roleProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := rp.spec(req)
	if err != nil {
		return "", err
	}
	return s.name, nil
}

func (rp *roleProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	e := rp.e
	r, err := e.CreateRole(ctx, CreateRoleInput{
		Name: s.name, Path: s.path, AssumeRolePolicyDocument: s.trust, Description: s.description,
		MaxSessionDuration: s.maxSession, PermissionsBoundary: s.boundary, Tags: resourceTags(req, s.tags),
	})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*provider.Result, error) {
		rp.deleteRole(ctx, s.name)
		return nil, err
	}
	for _, ip := range s.policies {
		if err := e.PutInlinePolicy(ctx, "role", s.name, ip.Name, ip.Document); err != nil {
			return fail(err)
		}
	}
	for _, arn := range s.managed {
		if err := e.AttachPolicy(ctx, "role", s.name, arn); err != nil {
			return fail(err)
		}
	}
	return &provider.Result{PhysicalID: r.Name, Attributes: roleAttrs(r)}, nil
}

func roleAttrs(r *Role) map[string]any {
	return map[string]any{"Arn": r.ARN(), "RoleId": r.ID}
}

func (rp *roleProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	r, err := rp.e.GetRole(ctx, req.PhysicalID)
	if isNotFound(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	tmplPolicies := map[string]any{}
	for _, raw := range provider.Read(req.Properties, nil).List("Policies") {
		if m, ok := raw.(map[string]any); ok {
			if n, ok := provider.Scalar(m["PolicyName"]); ok {
				tmplPolicies[n] = m["PolicyDocument"]
			}
		}
	}
	policies := []any{}
	for _, ip := range r.InlinePolicies {
		policies = append(policies, map[string]any{"PolicyName": ip.Name, "PolicyDocument": docProp(ip.Document, tmplPolicies[ip.Name])})
	}
	props := map[string]any{
		"RoleName":                 r.Name,
		"Path":                     r.Path,
		"AssumeRolePolicyDocument": docProp(r.AssumeRolePolicyDocument, req.Properties["AssumeRolePolicyDocument"]),
		"Description":              r.Description,
		"MaxSessionDuration":       int64(r.MaxSessionDuration),
		"ManagedPolicyArns":        stringsToAny(r.AttachedPolicies),
		"Policies":                 policies,
		"Tags":                     templateTags(req, r.Tags),
	}
	if r.PermissionsBoundary != "" {
		props["PermissionsBoundary"] = r.PermissionsBoundary
	}
	return &provider.Result{PhysicalID: r.Name, Attributes: roleAttrs(r), Properties: props}, nil
}

func (rp *roleProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	old, err := rp.spec(&provider.Request{Properties: req.OldProperties, LogicalID: req.LogicalID, Stack: req.Stack, Suffix: req.Suffix})
	if err != nil {
		old = &roleSpec{}
	}
	e, name := rp.e, req.PhysicalID
	cur, err := e.GetRole(ctx, name)
	if err != nil {
		return nil, err
	}
	if t, _ := DocumentObject(s.trust); !sameJSON(t, mustObject(cur.AssumeRolePolicyDocument)) {
		if err := e.UpdateAssumeRolePolicy(ctx, name, s.trust); err != nil {
			return nil, err
		}
	}
	maxSession := s.maxSession
	if maxSession == nil {
		n := int32(defaultMaxSession)
		maxSession = &n
	}
	if err := e.UpdateRole(ctx, name, &s.description, maxSession); err != nil {
		return nil, err
	}
	switch {
	case s.boundary != "" && s.boundary != cur.PermissionsBoundary:
		err = e.PutPermissionsBoundary(ctx, "role", name, s.boundary)
	case s.boundary == "" && old.boundary != "":
		err = e.DeletePermissionsBoundary(ctx, "role", name)
	}
	if err != nil {
		return nil, err
	}
	added, removed := diffSets(old.managed, s.managed)
	for _, arn := range removed {
		if err := e.DetachPolicy(ctx, "role", name, arn); err != nil && !isNotFound(err) {
			return nil, err
		}
	}
	for _, arn := range added {
		if err := e.AttachPolicy(ctx, "role", name, arn); err != nil {
			return nil, err
		}
	}
	for _, ip := range s.policies {
		if err := e.PutInlinePolicy(ctx, "role", name, ip.Name, ip.Document); err != nil {
			return nil, err
		}
	}
	for _, op := range old.policies {
		if _, still := findInline(s.policies, op.Name); !still {
			if err := e.DeleteInlinePolicy(ctx, "role", name, op.Name); err != nil && !isNotFound(err) {
				return nil, err
			}
		}
	}
	err = reconcileTags(req,
		func(t []Tag) error { return e.TagRole(ctx, name, t) },
		func(k []string) error { return e.UntagRole(ctx, name, k) })
	if err != nil {
		return nil, err
	}
	r, err := e.GetRole(ctx, name)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: r.Name, Attributes: roleAttrs(r)}, nil
}

func mustObject(doc string) map[string]any {
	m, _ := DocumentObject(doc)
	return m
}

// deleteRole removes a role with everything that would block its deletion.
func (rp *roleProvider) deleteRole(ctx context.Context, name string) error {
	e := rp.e
	r, err := e.GetRole(ctx, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, arn := range r.AttachedPolicies {
		if err := e.DetachPolicy(ctx, "role", name, arn); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, ip := range r.InlinePolicies {
		if err := e.DeleteInlinePolicy(ctx, "role", name, ip.Name); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, prof := range r.InstanceProfiles {
		if err := e.RemoveRoleFromInstanceProfile(ctx, prof, name); err != nil && !isNotFound(err) {
			return err
		}
	}
	if err := e.DeleteRole(ctx, name); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

func (rp *roleProvider) Delete(ctx context.Context, req *provider.Request) error {
	return rp.deleteRole(ctx, req.PhysicalID)
}

// AWS::IAM::Policy: an inline policy put on roles and users.

type policyProvider struct{ e *Engine }

var policySchema = &provider.Schema{
	Properties: []string{"PolicyName", "PolicyDocument", "Roles", "Users", "Groups"},
	Required:   []string{"PolicyName", "PolicyDocument"},
	Attributes: []string{"Id"},
	Unordered:  []string{"Roles", "Users", "Groups"},
}

func (*policyProvider) Type() string             { return "AWS::IAM::Policy" }
func (*policyProvider) Schema() *provider.Schema { return policySchema }

type inlineSpec struct {
	name, doc    string
	roles, users []string
}

func (pp *policyProvider) spec(props map[string]any) (*inlineSpec, error) {
	p := provider.Read(props, policySchema)
	s := &inlineSpec{name: p.String("PolicyName"), doc: docString(p, "PolicyDocument"), roles: p.StringList("Roles"), users: p.StringList("Users")}
	groups := p.StringList("Groups")
	if len(groups) > 0 {
		p.Fail("Groups", "skiff does not implement IAM groups; attach the policy to Roles or Users")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if len(s.roles)+len(s.users)+len(groups) == 0 {
		return nil, &provider.PropertyError{Problems: []string{"#: At least one of [Groups,Roles,Users] must be non-empty."}}
	}
	var v validation
	v.name("PolicyName", s.name, 128)
	return s, v.err()
}

// PhysicalID is generated as CloudFormation does for this type: the first
// five characters of the stack name and of the logical id, and the suffix.
func (pp *policyProvider) PhysicalID(req *provider.Request) (string, error) {
	if _, err := pp.spec(req.Properties); err != nil {
		return "", err
	}
	trunc := func(s string) string {
		if len(s) > 5 {
			return s[:5]
		}
		return s
	}
	suffix := req.Suffix
	if suffix == "" {
		suffix = "SUFFIX"
	}
	return trunc(req.Stack.Name) + "-" + trunc(req.LogicalID) + "-" + suffix, nil
}

func (pp *policyProvider) put(ctx context.Context, s *inlineSpec) error {
	for _, r := range s.roles {
		if err := pp.e.PutInlinePolicy(ctx, "role", r, s.name, s.doc); err != nil {
			return err
		}
	}
	for _, u := range s.users {
		if err := pp.e.PutInlinePolicy(ctx, "user", u, s.name, s.doc); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the policy from the entities; those already gone are
// skipped.
func (pp *policyProvider) remove(ctx context.Context, name string, roles, users []string) error {
	for _, r := range roles {
		if err := pp.e.DeleteInlinePolicy(ctx, "role", r, name); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, u := range users {
		if err := pp.e.DeleteInlinePolicy(ctx, "user", u, name); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

func (pp *policyProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	id, err := pp.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	s, _ := pp.spec(req.Properties)
	if err := pp.put(ctx, s); err != nil {
		pp.remove(ctx, s.name, s.roles, s.users)
		return nil, err
	}
	return &provider.Result{PhysicalID: id, Attributes: map[string]any{"Id": id}}, nil
}

func (pp *policyProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	p := provider.Read(req.Properties, nil)
	name := p.String("PolicyName")
	var doc string
	roles, users := []any{}, []any{}
	for _, set := range []struct {
		kind  string
		names []string
		out   *[]any
	}{{"role", p.StringList("Roles"), &roles}, {"user", p.StringList("Users"), &users}} {
		for _, n := range set.names {
			d, stored, err := pp.e.GetInlinePolicy(ctx, set.kind, n, name)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if doc == "" {
				doc = d
			}
			*set.out = append(*set.out, stored)
		}
	}
	if doc == "" {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	props := map[string]any{
		"PolicyName":     name,
		"PolicyDocument": docProp(doc, req.Properties["PolicyDocument"]),
		"Roles":          roles,
		"Users":          users,
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: map[string]any{"Id": req.PhysicalID}, Properties: props}, nil
}

func (pp *policyProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := pp.spec(req.Properties)
	if err != nil {
		return nil, err
	}
	if err := pp.put(ctx, s); err != nil {
		return nil, err
	}
	if old, err := pp.spec(req.OldProperties); err == nil {
		var roles, users []string
		for _, r := range old.roles {
			if old.name != s.name || !containsFold(s.roles, r) {
				roles = append(roles, r)
			}
		}
		for _, u := range old.users {
			if old.name != s.name || !containsFold(s.users, u) {
				users = append(users, u)
			}
		}
		if err := pp.remove(ctx, old.name, roles, users); err != nil {
			return nil, err
		}
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: map[string]any{"Id": req.PhysicalID}}, nil
}

func (pp *policyProvider) Delete(ctx context.Context, req *provider.Request) error {
	p := provider.Read(req.Properties, nil)
	return pp.remove(ctx, p.String("PolicyName"), p.StringList("Roles"), p.StringList("Users"))
}

// AWS::IAM::ManagedPolicy.

type managedPolicyProvider struct{ e *Engine }

var managedPolicySchema = &provider.Schema{
	Properties: []string{"ManagedPolicyName", "Path", "Description", "PolicyDocument", "Roles", "Users", "Groups"},
	Required:   []string{"PolicyDocument"},
	CreateOnly: []string{"ManagedPolicyName", "Path", "Description"},
	Attributes: []string{"PolicyArn", "PolicyId", "AttachmentCount", "DefaultVersionId", "IsAttachable", "CreateDate", "UpdateDate"},
	Unordered:  []string{"Roles", "Users", "Groups"},
}

func (*managedPolicyProvider) Type() string             { return "AWS::IAM::ManagedPolicy" }
func (*managedPolicyProvider) Schema() *provider.Schema { return managedPolicySchema }

type managedSpec struct {
	name, path, description, doc string
	roles, users                 []string
}

func (mp *managedPolicyProvider) spec(req *provider.Request) (*managedSpec, error) {
	p := provider.Read(req.Properties, managedPolicySchema)
	s := &managedSpec{
		name: p.String("ManagedPolicyName"), path: normPath(p.String("Path")), description: p.String("Description"),
		doc: docString(p, "PolicyDocument"), roles: p.StringList("Roles"), users: p.StringList("Users"),
	}
	if len(p.StringList("Groups")) > 0 {
		p.Fail("Groups", "skiff does not implement IAM groups; attach the policy to Roles or Users")
	}
	if s.name == "" {
		s.name = provider.Name(req, 128, false)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var v validation
	v.name("ManagedPolicyName", s.name, 128)
	v.policyPath("Path", s.path)
	return s, v.err()
}

func (mp *managedPolicyProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := mp.spec(req)
	if err != nil {
		return "", err
	}
	return iamARN(req.Stack.AccountID, "policy", s.path, s.name), nil
}

func policyAttrs(p *ManagedPolicy) map[string]any {
	return map[string]any{
		"PolicyArn": p.ARN(), "PolicyId": p.ID, "AttachmentCount": int64(p.AttachmentCount),
		"DefaultVersionId": p.DefaultVersionID, "IsAttachable": true,
		"CreateDate": iso(p.CreateDate), "UpdateDate": iso(p.UpdateDate),
	}
}

func (mp *managedPolicyProvider) attach(ctx context.Context, arn string, roles, users []string, detach bool) error {
	op := mp.e.AttachPolicy
	if detach {
		op = mp.e.DetachPolicy
	}
	for _, set := range []struct {
		kind  string
		names []string
	}{{"role", roles}, {"user", users}} {
		for _, n := range set.names {
			if err := op(ctx, set.kind, n, arn); err != nil && !(detach && isNotFound(err)) {
				return err
			}
		}
	}
	return nil
}

func (mp *managedPolicyProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := mp.spec(req)
	if err != nil {
		return nil, err
	}
	p, err := mp.e.CreatePolicy(ctx, CreatePolicyInput{Name: s.name, Path: s.path, Document: s.doc, Description: s.description})
	if err != nil {
		return nil, err
	}
	if err := mp.attach(ctx, p.ARN(), s.roles, s.users, false); err != nil {
		mp.deletePolicy(ctx, p.ARN())
		return nil, err
	}
	if p, err = mp.e.GetPolicy(ctx, p.ARN()); err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: p.ARN(), Attributes: policyAttrs(p)}, nil
}

func (mp *managedPolicyProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	p, err := mp.e.GetPolicy(ctx, req.PhysicalID)
	if isNotFound(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	ents, _, err := mp.e.ListEntitiesForPolicy(ctx, ListEntitiesForPolicyInput{PolicyARN: p.ARN(), UsageFilter: "PermissionsPolicy", MaxItems: ptr(int32(1000))})
	if err != nil {
		return nil, err
	}
	roles, users := []any{}, []any{}
	for _, en := range ents {
		switch en.Kind {
		case "role":
			roles = append(roles, en.Name)
		case "user":
			users = append(users, en.Name)
		}
	}
	props := map[string]any{
		"ManagedPolicyName": p.Name,
		"Path":              p.Path,
		"Description":       p.Description,
		"PolicyDocument":    docProp(p.DefaultVersion().Document, req.Properties["PolicyDocument"]),
		"Roles":             roles,
		"Users":             users,
	}
	return &provider.Result{PhysicalID: p.ARN(), Attributes: policyAttrs(p), Properties: props}, nil
}

func ptr[T any](v T) *T { return &v }

func (mp *managedPolicyProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := mp.spec(req)
	if err != nil {
		return nil, err
	}
	arn := req.PhysicalID
	cur, err := mp.e.GetPolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	if t, _ := DocumentObject(s.doc); !sameJSON(t, mustObject(cur.DefaultVersion().Document)) {
		// As CloudFormation does: make room by deleting the oldest
		// non-default version, then add the new default.
		if len(cur.Versions) >= maxPolicyVersions {
			for _, v := range cur.Versions {
				if v.VersionID != cur.DefaultVersionID {
					if err := mp.e.DeletePolicyVersion(ctx, arn, v.VersionID); err != nil {
						return nil, err
					}
					break
				}
			}
		}
		if _, err := mp.e.CreatePolicyVersion(ctx, arn, s.doc, true); err != nil {
			return nil, err
		}
	}
	oldP := provider.Read(req.OldProperties, nil)
	addR, remR := diffSets(oldP.StringList("Roles"), s.roles)
	addU, remU := diffSets(oldP.StringList("Users"), s.users)
	if err := mp.attach(ctx, arn, remR, remU, true); err != nil {
		return nil, err
	}
	if err := mp.attach(ctx, arn, addR, addU, false); err != nil {
		return nil, err
	}
	p, err := mp.e.GetPolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: arn, Attributes: policyAttrs(p)}, nil
}

// deletePolicy detaches a policy from everything, deletes its non-default
// versions and then the policy.
func (mp *managedPolicyProvider) deletePolicy(ctx context.Context, arn string) error {
	p, err := mp.e.GetPolicy(ctx, arn)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	ents, _, err := mp.e.ListEntitiesForPolicy(ctx, ListEntitiesForPolicyInput{PolicyARN: arn, UsageFilter: "PermissionsPolicy", MaxItems: ptr(int32(1000))})
	if err != nil {
		return err
	}
	for _, en := range ents {
		if en.Kind == "group" {
			continue
		}
		if err := mp.e.DetachPolicy(ctx, en.Kind, en.Name, arn); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, v := range p.Versions {
		if v.VersionID != p.DefaultVersionID {
			if err := mp.e.DeletePolicyVersion(ctx, arn, v.VersionID); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	if err := mp.e.DeletePolicy(ctx, arn); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

func (mp *managedPolicyProvider) Delete(ctx context.Context, req *provider.Request) error {
	if _, _, _, ok := parsePolicyARN(req.PhysicalID); !ok {
		return nil // never created
	}
	return mp.deletePolicy(ctx, req.PhysicalID)
}

// AWS::IAM::InstanceProfile.

type instanceProfileProvider struct{ e *Engine }

var instanceProfileSchema = &provider.Schema{
	Properties: []string{"InstanceProfileName", "Path", "Roles"},
	Required:   []string{"Roles"},
	CreateOnly: []string{"InstanceProfileName", "Path"},
	Attributes: []string{"Arn"},
	Unordered:  []string{"Roles"},
}

func (*instanceProfileProvider) Type() string             { return "AWS::IAM::InstanceProfile" }
func (*instanceProfileProvider) Schema() *provider.Schema { return instanceProfileSchema }

type profileSpec struct {
	name, path string
	roles      []string
}

func (ip *instanceProfileProvider) spec(req *provider.Request) (*profileSpec, error) {
	p := provider.Read(req.Properties, instanceProfileSchema)
	s := &profileSpec{name: p.String("InstanceProfileName"), path: p.String("Path"), roles: p.StringList("Roles")}
	if len(s.roles) > maxRolesPerProfile {
		p.Fail("Roles", "expected maximum item count: %d, found: %d", maxRolesPerProfile, len(s.roles))
	}
	if s.name == "" {
		s.name = provider.Name(req, 128, false)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var v validation
	v.name("InstanceProfileName", s.name, 128)
	v.path("Path", s.path)
	return s, v.err()
}

func (ip *instanceProfileProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := ip.spec(req)
	if err != nil {
		return "", err
	}
	return s.name, nil
}

func (ip *instanceProfileProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := ip.spec(req)
	if err != nil {
		return nil, err
	}
	p, err := ip.e.CreateInstanceProfile(ctx, s.name, s.path, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range s.roles {
		if err := ip.e.AddRoleToInstanceProfile(ctx, s.name, r); err != nil {
			ip.e.DeleteInstanceProfile(ctx, s.name)
			return nil, err
		}
	}
	return &provider.Result{PhysicalID: p.Name, Attributes: map[string]any{"Arn": p.ARN()}}, nil
}

func (ip *instanceProfileProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	p, err := ip.e.GetInstanceProfile(ctx, req.PhysicalID)
	if isNotFound(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	roles := stringsToAny(p.RoleNames)
	props := map[string]any{"InstanceProfileName": p.Name, "Path": p.Path, "Roles": roles}
	return &provider.Result{PhysicalID: p.Name, Attributes: map[string]any{"Arn": p.ARN()}, Properties: props}, nil
}

func (ip *instanceProfileProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := ip.spec(req)
	if err != nil {
		return nil, err
	}
	cur, err := ip.e.GetInstanceProfile(ctx, req.PhysicalID)
	if err != nil {
		return nil, err
	}
	added, removed := diffSets(cur.RoleNames, s.roles)
	sort.Strings(removed)
	for _, r := range removed {
		if err := ip.e.RemoveRoleFromInstanceProfile(ctx, cur.Name, r); err != nil && !isNotFound(err) {
			return nil, err
		}
	}
	for _, r := range added {
		if err := ip.e.AddRoleToInstanceProfile(ctx, cur.Name, r); err != nil {
			return nil, err
		}
	}
	return &provider.Result{PhysicalID: cur.Name, Attributes: map[string]any{"Arn": cur.ARN()}}, nil
}

func (ip *instanceProfileProvider) Delete(ctx context.Context, req *provider.Request) error {
	p, err := ip.e.GetInstanceProfile(ctx, req.PhysicalID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range p.RoleNames {
		if err := ip.e.RemoveRoleFromInstanceProfile(ctx, p.Name, r); err != nil && !isNotFound(err) {
			return err
		}
	}
	if err := ip.e.DeleteInstanceProfile(ctx, p.Name); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
