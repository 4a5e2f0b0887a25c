package iam_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
	iamengine "github.com/skiff-dev/skiff/internal/iam"
	"github.com/skiff-dev/skiff/internal/store"
)

func providerFor(t *testing.T, e *iamengine.Engine, typ string) provider.Provider {
	t.Helper()
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	t.Fatalf("no provider for %s", typ)
	return nil
}

func obj(s string) map[string]any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

func scopeCtx() context.Context { return awsctx.With(context.Background(), providertest.Scope) }

// sameDocObj compares a stored document with a template value (object or
// JSON string).
func sameDocObj(t *testing.T, stored string, tmpl any) {
	t.Helper()
	if s, ok := tmpl.(string); ok {
		tmpl = obj(s)
	}
	a, _ := json.Marshal(obj(stored))
	b, _ := json.Marshal(tmpl)
	if string(a) != string(b) {
		t.Fatalf("document %s, template %s", a, b)
	}
}

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func readDoc(resource string) map[string]any {
	return obj(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"` + resource + `"}]}`)
}

func TestRoleProvider(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	check := func(t *testing.T, ctx context.Context, id string, props map[string]any) {
		r, err := e.GetRole(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sameDocObj(t, r.AssumeRolePolicyDocument, props["AssumeRolePolicyDocument"])
		if d, _ := props["Description"].(string); r.Description != d {
			t.Fatalf("description %q", r.Description)
		}
		var want []string
		for _, p := range props["Policies"].([]any) {
			want = append(want, p.(map[string]any)["PolicyName"].(string))
		}
		var got []string
		for _, p := range r.InlinePolicies {
			got = append(got, p.Name)
		}
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("inline policies %v, want %v", got, want)
		}
		var arns []string
		for _, a := range props["ManagedPolicyArns"].([]any) {
			arns = append(arns, a.(string))
		}
		if !reflect.DeepEqual(r.AttachedPolicies, arns) {
			t.Fatalf("attached %v, want %v", r.AttachedPolicies, arns)
		}
	}
	providertest.Run(t, providerFor(t, e, "AWS::IAM::Role"), providertest.Case{
		Create: map[string]any{
			"AssumeRolePolicyDocument": obj(lambdaTrust),
			"Description":              "first",
			"ManagedPolicyArns":        []any{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			"MaxSessionDuration":       json.Number("3600"),
			"Policies":                 []any{map[string]any{"PolicyName": "p1", "PolicyDocument": readDoc("arn:aws:s3:::a/*")}},
			"Tags":                     []any{map[string]any{"Key": "team", "Value": "a"}},
		},
		Update: map[string]any{
			"AssumeRolePolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`,
			"Description":              "second",
			"ManagedPolicyArns":        []any{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
			"MaxSessionDuration":       "7200",
			"PermissionsBoundary":      "arn:aws:iam::aws:policy/PowerUserAccess",
			"Policies": []any{
				map[string]any{"PolicyName": "p2", "PolicyDocument": readDoc("arn:aws:s3:::b/*")},
				map[string]any{"PolicyName": "p3", "PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`},
			},
			"Tags": []any{map[string]any{"Key": "team", "Value": "b"}, map[string]any{"Key": "env", "Value": "dev"}},
		},
		Replace: map[string]any{
			"RoleName":                 "explicit-role",
			"Path":                     "/app/",
			"AssumeRolePolicyDocument": obj(lambdaTrust),
			"ManagedPolicyArns":        []any{},
			"Policies":                 []any{},
		},
		Check: check,
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := e.GetRole(ctx, id); !iamengine.ErrNoSuchEntity.Is(err) {
				t.Fatalf("role %s still there: %v", id, err)
			}
		},
	})
	// The generated name is "<stack>-<logical>-<suffix>".
	id, err := providerFor(t, e, "AWS::IAM::Role").PhysicalID(&provider.Request{LogicalID: "Fn", Stack: provider.StackInfo{Name: "web"}, Suffix: "ABC123",
		Properties: map[string]any{"AssumeRolePolicyDocument": obj(lambdaTrust)}})
	if err != nil || id != "web-Fn-ABC123" {
		t.Fatalf("generated name %q %v", id, err)
	}
	// A bad trust policy fails the create with IAM's error.
	_, err = providerFor(t, e, "AWS::IAM::Role").Create(scopeCtx(), &provider.Request{LogicalID: "Bad", Stack: provider.StackInfo{Name: "s"}, Suffix: "X",
		Properties: map[string]any{"AssumeRolePolicyDocument": readDoc("*")}})
	if !iamengine.ErrMalformedPolicyDocument.Is(err) {
		t.Fatalf("bad trust: %v", err)
	}
}

func setupPrincipals(t *testing.T, e *iamengine.Engine) {
	t.Helper()
	ctx := scopeCtx()
	for _, r := range []string{"r1", "r2"} {
		if _, err := e.CreateRole(ctx, iamengine.CreateRoleInput{Name: r, AssumeRolePolicyDocument: lambdaTrust}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.CreateUser(ctx, iamengine.CreateUserInput{Name: "u1"}); err != nil {
		t.Fatal(err)
	}
}

func inlineNames(t *testing.T, e *iamengine.Engine, kind, name string) []string {
	t.Helper()
	names, _, err := e.ListInlinePolicies(scopeCtx(), kind, name, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPolicyProvider(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	setupPrincipals(t, e)
	p := providerFor(t, e, "AWS::IAM::Policy")
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"PolicyName": "inline", "PolicyDocument": readDoc("*"), "Roles": []any{"r1"}},
		Update: map[string]any{"PolicyName": "inline2", "PolicyDocument": readDoc("arn:aws:s3:::x/*"), "Roles": []any{"r1", "r2"}, "Users": []any{"u1"}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			name := props["PolicyName"].(string)
			for _, r := range props["Roles"].([]any) {
				if got := inlineNames(t, e, "role", r.(string)); !reflect.DeepEqual(got, []string{name}) {
					t.Fatalf("role %s has %v, want [%s]", r, got, name)
				}
				doc, _, err := e.GetInlinePolicy(ctx, "role", r.(string), name)
				if err != nil {
					t.Fatal(err)
				}
				sameDocObj(t, doc, props["PolicyDocument"])
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			for _, r := range []string{"r1", "r2"} {
				if got := inlineNames(t, e, "role", r); len(got) != 0 {
					t.Fatalf("role %s still has %v", r, got)
				}
			}
			if got := inlineNames(t, e, "user", "u1"); len(got) != 0 {
				t.Fatalf("user still has %v", got)
			}
		},
	})
	id, _ := p.PhysicalID(&provider.Request{LogicalID: "ReadPolicy", Stack: provider.StackInfo{Name: "conformance"}, Suffix: "1ABCDEFGHIJK",
		Properties: map[string]any{"PolicyName": "x", "PolicyDocument": readDoc("*"), "Roles": []any{"r1"}}})
	if id != "confo-ReadP-1ABCDEFGHIJK" {
		t.Fatalf("physical id %q", id)
	}
	_, err := p.PhysicalID(&provider.Request{Properties: map[string]any{"PolicyName": "x", "PolicyDocument": readDoc("*")}})
	if err == nil {
		t.Fatal("no Roles/Users/Groups accepted")
	}
}

func TestManagedPolicyProvider(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	setupPrincipals(t, e)
	p := providerFor(t, e, "AWS::IAM::ManagedPolicy")
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"PolicyDocument": readDoc("*"), "Description": "d", "Roles": []any{"r1"}},
		Update: map[string]any{"PolicyDocument": readDoc("arn:aws:s3:::y/*"), "Description": "d", "Roles": []any{"r2"}, "Users": []any{"u1"}},
		Replace: map[string]any{"ManagedPolicyName": "named", "Path": "/team/", "PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`,
			"Roles": []any{}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			mp, err := e.GetPolicy(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sameDocObj(t, mp.DefaultVersion().Document, props["PolicyDocument"])
			roles, _ := props["Roles"].([]any)
			users, _ := props["Users"].([]any)
			if int(mp.AttachmentCount) != len(roles)+len(users) {
				t.Fatalf("AttachmentCount %d", mp.AttachmentCount)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := e.GetPolicy(ctx, id); !iamengine.ErrNoSuchEntity.Is(err) {
				t.Fatalf("policy %s still there: %v", id, err)
			}
		},
	})
	// Updates keep at most five versions, pruning the oldest non-default.
	ctx := scopeCtx()
	req := &provider.Request{LogicalID: "MP", Type: p.Type(), Stack: provider.StackInfo{Name: "s", AccountID: providertest.Scope.AccountID}, Suffix: "S1",
		Properties: map[string]any{"PolicyDocument": readDoc("arn:aws:s3:::v0/*")}}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.PhysicalID != "arn:aws:iam::123456789012:policy/s-MP-S1" {
		t.Fatalf("physical id %s", res.PhysicalID)
	}
	old := req.Properties
	for i := 1; i <= 7; i++ {
		props := map[string]any{"PolicyDocument": readDoc("arn:aws:s3:::v" + string(rune('0'+i)) + "/*")}
		if _, err := p.Update(ctx, &provider.Request{LogicalID: "MP", Type: p.Type(), PhysicalID: res.PhysicalID, Properties: props, OldProperties: old, Stack: req.Stack}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		old = props
	}
	mp, _ := e.GetPolicy(ctx, res.PhysicalID)
	if len(mp.Versions) != 5 || mp.DefaultVersionID != "v8" || mp.Versions[0].VersionID != "v4" {
		t.Fatalf("versions %+v default %s", mp.Versions, mp.DefaultVersionID)
	}
	rr, _ := p.Read(ctx, &provider.Request{PhysicalID: res.PhysicalID, Properties: old})
	if rr.Attributes["DefaultVersionId"] != "v8" || rr.Attributes["IsAttachable"] != true {
		t.Fatalf("attributes %v", rr.Attributes)
	}
	if err := p.Delete(ctx, &provider.Request{PhysicalID: res.PhysicalID}); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceProfileProvider(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	setupPrincipals(t, e)
	providertest.Run(t, providerFor(t, e, "AWS::IAM::InstanceProfile"), providertest.Case{
		Create:  map[string]any{"Roles": []any{"r1"}},
		Update:  map[string]any{"Roles": []any{"r2"}},
		Replace: map[string]any{"InstanceProfileName": "named-ip", "Path": "/p/", "Roles": []any{"r2"}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			ip, err := e.GetInstanceProfile(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ip.Roles) != 1 || ip.Roles[0].Name != props["Roles"].([]any)[0] {
				t.Fatalf("roles %+v", ip.RoleNames)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := e.GetInstanceProfile(ctx, id); !iamengine.ErrNoSuchEntity.Is(err) {
				t.Fatalf("profile %s still there: %v", id, err)
			}
		},
	})
	// The roles are free again.
	if err := e.DeleteRole(scopeCtx(), "r1"); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteRole(scopeCtx(), "r2"); err != nil {
		t.Fatal(err)
	}
}

// Stack tags propagate to the role but Read reports the template's tags,
// so drift detection does not see them.
func TestRoleProviderStackTags(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	p := providerFor(t, e, "AWS::IAM::Role")
	ctx := scopeCtx()
	req := &provider.Request{LogicalID: "R", Type: p.Type(), Stack: provider.StackInfo{Name: "s", Tags: map[string]string{"cost": "42"}}, Suffix: "T",
		Properties: map[string]any{"AssumeRolePolicyDocument": obj(lambdaTrust), "Tags": []any{map[string]any{"Key": "k", "Value": "v"}}}}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := e.GetRole(ctx, res.PhysicalID)
	if len(r.Tags) != 2 {
		t.Fatalf("tags %+v", r.Tags)
	}
	req.PhysicalID = res.PhysicalID
	got, err := p.Read(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := provider.Diff(req.Properties, got.Properties, p.Schema()); len(d) != 0 {
		t.Fatalf("drift %+v", d)
	}
}
