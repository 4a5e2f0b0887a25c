package iam

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	testAccount = "123456789012"
	trustEC2    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	allowS3     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
)

func testCtx() context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: testAccount, Region: "us-east-1", Principal: "arn:aws:iam::" + testAccount + ":root"})
}

func newTestEngine(t *testing.T) (*Engine, context.Context) {
	t.Helper()
	return New(store.NewMemory()), testCtx()
}

// wantErr checks an error's code and that its message contains msg.
func wantErr(t *testing.T, err error, code apierr.Code, msg string) {
	t.Helper()
	ae, ok := apierr.As(err)
	if !ok || ae.Code.Name != code.Name || !strings.Contains(ae.Message, msg) {
		t.Fatalf("got %v, want %s containing %q", err, code.Name, msg)
	}
}

func mustRole(t *testing.T, e *Engine, ctx context.Context, name string) *Role {
	t.Helper()
	r, err := e.CreateRole(ctx, CreateRoleInput{Name: name, AssumeRolePolicyDocument: trustEC2})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoleNameAndPathRules(t *testing.T) {
	e, ctx := newTestEngine(t)
	cases := []struct {
		in   CreateRoleInput
		code apierr.Code
		msg  string
	}{
		{CreateRoleInput{Name: "ok_Name+=,.@-1", Path: "/a/b/"}, apierr.Code{}, ""},
		{CreateRoleInput{Name: "bad name"}, ErrValidation, `Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{CreateRoleInput{Name: strings.Repeat("r", 65)}, ErrValidation, "Member must have length less than or equal to 64"},
		{CreateRoleInput{Name: "p1", Path: "noslash"}, ErrValidation, "at 'path' failed to satisfy constraint"},
		{CreateRoleInput{Name: "p2", Path: "/a b/"}, ErrValidation, "at 'path'"},
		{CreateRoleInput{Name: "m1", MaxSessionDuration: ptr(int32(3599))}, ErrValidation, "Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{CreateRoleInput{Name: "m2", MaxSessionDuration: ptr(int32(43201))}, ErrValidation, "less than or equal to 43200"},
		{CreateRoleInput{Name: "m3", MaxSessionDuration: ptr(int32(43200))}, apierr.Code{}, ""},
		{CreateRoleInput{Name: "t1", Tags: []Tag{{"a", "1"}, {"A", "2"}}}, ErrInvalidInput, "Duplicate tag keys found"},
		{CreateRoleInput{Name: "b1", PermissionsBoundary: "arn:aws:iam::aws:policy/NoSuchPolicy"}, ErrNoSuchEntity, "Scope ARN: arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."},
		{CreateRoleInput{Name: "b2", PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess"}, apierr.Code{}, ""},
		{CreateRoleInput{Name: "ok_name+=,.@-1"}, ErrEntityAlreadyExists, "Role with name ok_name+=,.@-1 already exists."},
	}
	for _, c := range cases {
		c.in.AssumeRolePolicyDocument = trustEC2
		_, err := e.CreateRole(ctx, c.in)
		if c.code.Name == "" {
			if err != nil {
				t.Errorf("%s: %v", c.in.Name, err)
			}
			continue
		}
		ae, ok := apierr.As(err)
		if !ok || ae.Code.Name != c.code.Name || !strings.Contains(ae.Message, c.msg) {
			t.Errorf("%s: got %v, want %s %q", c.in.Name, err, c.code.Name, c.msg)
		}
	}
	// Names are case-insensitive for lookups too.
	r, err := e.GetRole(ctx, "OK_NAME+=,.@-1")
	if err != nil || r.Name != "ok_Name+=,.@-1" || r.Path != "/a/b/" || r.ARN() != "arn:aws:iam::123456789012:role/a/b/ok_Name+=,.@-1" {
		t.Fatalf("GetRole: %+v %v", r, err)
	}
	if len(r.ID) != 21 || !strings.HasPrefix(r.ID, "AROA") || r.MaxSessionDuration != 3600 {
		t.Fatalf("role %+v", r)
	}
	_, err = e.GetRole(ctx, "missing")
	wantErr(t, err, ErrNoSuchEntity, "The role with name missing cannot be found.")
}

func TestTrustPolicyChecks(t *testing.T) {
	e, ctx := newTestEngine(t)
	_, err := e.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicyDocument: allowS3})
	wantErr(t, err, ErrMalformedPolicyDocument, "Has prohibited field Resource")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[` + strings.Repeat(`"ec2.amazonaws.com",`, 110) + `"x.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	_, err = e.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicyDocument: big})
	wantErr(t, err, ErrLimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048")
	// Same-account role principals must exist.
	byRole := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/other"},"Action":"sts:AssumeRole"}]}`
	_, err = e.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicyDocument: byRole})
	wantErr(t, err, ErrMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/other"`)
	mustRole(t, e, ctx, "other")
	if _, err := e.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicyDocument: byRole}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.UpdateAssumeRolePolicy(ctx, "r", `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`), ErrMalformedPolicyDocument, "Missing required field Principal")
	if err := e.UpdateAssumeRolePolicy(ctx, "r", trustEC2); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.GetRole(ctx, "r"); r.AssumeRolePolicyDocument != trustEC2 {
		t.Fatalf("trust not updated: %s", r.AssumeRolePolicyDocument)
	}
}

func TestDeleteRoleConflicts(t *testing.T) {
	e, ctx := newTestEngine(t)
	mustRole(t, e, ctx, "r")
	if err := e.PutInlinePolicy(ctx, "role", "r", "inline", allowS3); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteRole(ctx, "r"), ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	if err := e.AttachPolicy(ctx, "role", "r", "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteRole(ctx, "r"), ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	if _, err := e.CreateInstanceProfile(ctx, "ip", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.AddRoleToInstanceProfile(ctx, "ip", "r"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteRole(ctx, "r"), ErrDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	wantErr(t, e.DeleteInstanceProfile(ctx, "ip"), ErrDeleteConflict, "must remove roles from instance profile first")
	if err := e.RemoveRoleFromInstanceProfile(ctx, "ip", "r"); err != nil {
		t.Fatal(err)
	}
	if err := e.DetachPolicy(ctx, "role", "r", "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DetachPolicy(ctx, "role", "r", "arn:aws:iam::aws:policy/ReadOnlyAccess"), ErrNoSuchEntity, "Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found.")
	if err := e.DeleteInlinePolicy(ctx, "role", "r", "inline"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteInlinePolicy(ctx, "role", "r", "inline"), ErrNoSuchEntity, "The role policy with name inline cannot be found.")
	if err := e.DeleteRole(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteRole(ctx, "r"), ErrNoSuchEntity, "The role with name r cannot be found.")
	if err := e.DeleteInstanceProfile(ctx, "ip"); err != nil {
		t.Fatal(err)
	}
}

func TestInlinePolicyLimits(t *testing.T) {
	e, ctx := newTestEngine(t)
	mustRole(t, e, ctx, "r")
	wantErr(t, e.PutInlinePolicy(ctx, "role", "r", "p", trustEC2), ErrMalformedPolicyDocument, "Policy document should not specify a principal.")
	wantErr(t, e.PutInlinePolicy(ctx, "role", "r", "bad name", allowS3), ErrValidation, "at 'policyName'")
	wantErr(t, e.PutInlinePolicy(ctx, "role", "nobody", "p", allowS3), ErrNoSuchEntity, "The role with name nobody cannot be found.")
	// 10,240 non-whitespace characters in all of a role's inline policies.
	mk := func(n int) string {
		res := strings.Repeat(`"arn:aws:s3:::bucket-name-0123456789/*",`, n)
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":[` + res + `"*"]}]}`
	}
	doc := mk(120) // ~4.9k
	for i := 0; i < 2; i++ {
		if err := e.PutInlinePolicy(ctx, "role", "r", fmt.Sprint("p", i), doc); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, e.PutInlinePolicy(ctx, "role", "r", "p2", doc), ErrLimitExceeded, "Maximum policy size of 10240 bytes exceeded for role r")
	// Replacing one counts the new size instead of the old.
	if err := e.PutInlinePolicy(ctx, "role", "r", "p1", mk(10)); err != nil {
		t.Fatal(err)
	}
	if err := e.PutInlinePolicy(ctx, "role", "r", "p2", mk(100)); err != nil {
		t.Fatal(err)
	}
	names, _, _ := e.ListInlinePolicies(ctx, "role", "r", "", nil)
	if strings.Join(names, ",") != "p0,p1,p2" {
		t.Fatalf("names %v", names)
	}
	// Users: 2,048.
	if _, err := e.CreateUser(ctx, CreateUserInput{Name: "u"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.PutInlinePolicy(ctx, "user", "u", "p", mk(60)), ErrLimitExceeded, "Maximum policy size of 2048 bytes exceeded for user u")
}

func TestManagedPolicyLifecycle(t *testing.T) {
	e, ctx := newTestEngine(t)
	p, err := e.CreatePolicy(ctx, CreatePolicyInput{Name: "mp", Path: "/team/", Document: allowS3, Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::123456789012:policy/team/mp"
	if p.ARN() != arn || p.DefaultVersionID != "v1" || !strings.HasPrefix(p.ID, "ANPA") || len(p.ID) != 21 {
		t.Fatalf("policy %+v", p)
	}
	_, err = e.CreatePolicy(ctx, CreatePolicyInput{Name: "MP", Document: allowS3})
	wantErr(t, err, ErrEntityAlreadyExists, "A policy called MP already exists. Duplicate names are not allowed.")
	_, err = e.CreatePolicy(ctx, CreatePolicyInput{Name: "big", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":[` + strings.Repeat(`"arn:aws:s3:::bucket-name-0123456789/*",`, 160) + `"*"]}]}`})
	wantErr(t, err, ErrLimitExceeded, "Cannot exceed quota for PolicySize: 6144")
	for i := 2; i <= 5; i++ {
		v, err := e.CreatePolicyVersion(ctx, arn, allowS3, i == 3)
		if err != nil || v.VersionID != fmt.Sprint("v", i) {
			t.Fatalf("version %d: %+v %v", i, v, err)
		}
	}
	_, err = e.CreatePolicyVersion(ctx, arn, allowS3, true)
	wantErr(t, err, ErrLimitExceeded, "A managed policy can have up to 5 versions.")
	wantErr(t, e.DeletePolicyVersion(ctx, arn, "v3"), ErrDeleteConflict, "Cannot delete the default version of a policy.")
	wantErr(t, e.DeletePolicyVersion(ctx, arn, "v9"), ErrNoSuchEntity, "version v9 does not exist")
	wantErr(t, e.DeletePolicyVersion(ctx, arn, "x1"), ErrValidation, "at 'versionId'")
	vs, _, _ := e.ListPolicyVersions(ctx, arn, "", nil)
	if len(vs) != 5 || vs[0].VersionID != "v5" || !vs[2].IsDefault {
		t.Fatalf("versions %+v", vs)
	}
	if err := e.AttachPolicy(ctx, "role", mustRole(t, e, ctx, "r").Name, arn); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeletePolicy(ctx, arn), ErrDeleteConflict, "Cannot delete a policy attached to entities.")
	if got, _ := e.GetPolicy(ctx, arn); got.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount %d", got.AttachmentCount)
	}
	if err := e.DetachPolicy(ctx, "role", "r", arn); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeletePolicy(ctx, arn), ErrDeleteConflict, "This policy has more than one version.")
	for _, v := range []string{"v1", "v2", "v4", "v5"} {
		if err := e.DeletePolicyVersion(ctx, arn, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.DeletePolicy(ctx, arn); err != nil {
		t.Fatal(err)
	}
	_, err = e.GetPolicy(ctx, arn)
	wantErr(t, err, ErrNoSuchEntity, "Policy arn:aws:iam::123456789012:policy/team/mp was not found.")
	_, err = e.GetPolicy(ctx, "arn:aws:iam::123456789012:notapolicy")
	wantErr(t, err, ErrInvalidInput, "ARN arn:aws:iam::123456789012:notapolicy is not valid.")
	// AWS managed policies are read-only.
	wantErr(t, e.DeletePolicy(ctx, "arn:aws:iam::aws:policy/ReadOnlyAccess"), ErrAccessDenied, "iam:DeletePolicy")
	wantErr(t, e.AttachPolicy(ctx, "role", "r", "arn:aws:iam::aws:policy/NotARealPolicy"), ErrNoSuchEntity, "Policy arn:aws:iam::aws:policy/NotARealPolicy does not exist or is not attachable.")
	wantErr(t, e.AttachPolicy(ctx, "role", "r", "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"), ErrNoSuchEntity, "does not exist or is not attachable") // wrong path
}

func TestAttachQuotaAndEntities(t *testing.T) {
	e, ctx := newTestEngine(t)
	mustRole(t, e, ctx, "r")
	arns := AWSManagedPolicyARNs()
	for _, a := range arns[:10] {
		if err := e.AttachPolicy(ctx, "role", "r", a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.AttachPolicy(ctx, "role", "r", arns[0]); err != nil {
		t.Fatalf("re-attach is a no-op: %v", err)
	}
	wantErr(t, e.AttachPolicy(ctx, "role", "r", arns[10]), ErrLimitExceeded, "Cannot exceed quota for PoliciesPerRole: 10")
	if _, err := e.CreateUser(ctx, CreateUserInput{Name: "u", PermissionsBoundary: arns[0]}); err != nil {
		t.Fatal(err)
	}
	if err := e.AttachPolicy(ctx, "user", "u", arns[0]); err != nil {
		t.Fatal(err)
	}
	ents, _, err := e.ListEntitiesForPolicy(ctx, ListEntitiesForPolicyInput{PolicyARN: arns[0]})
	if err != nil || len(ents) != 2 {
		t.Fatalf("entities %+v %v", ents, err)
	}
	ents, _, _ = e.ListEntitiesForPolicy(ctx, ListEntitiesForPolicyInput{PolicyARN: arns[0], UsageFilter: "PermissionsBoundary"})
	if len(ents) != 1 || ents[0].Kind != "user" {
		t.Fatalf("boundary entities %+v", ents)
	}
	p, _ := e.GetPolicy(ctx, arns[0])
	if p.AttachmentCount != 2 || p.PermissionsBoundaryUsageCount != 1 {
		t.Fatalf("counts %d %d", p.AttachmentCount, p.PermissionsBoundaryUsageCount)
	}
	ps, _, _ := e.ListPolicies(ctx, ListPoliciesInput{OnlyAttached: true})
	if len(ps) != 10 {
		t.Fatalf("attached policies %d", len(ps))
	}
	set, err := e.IdentityPolicies(ctx, "arn:aws:iam::123456789012:user/u")
	if err != nil || len(set.Policies) != 1 || set.Boundary == nil || set.Boundary.Source != arns[0] {
		t.Fatalf("IdentityPolicies %+v %v", set, err)
	}
	set, err = e.IdentityPolicies(ctx, "arn:aws:sts::123456789012:assumed-role/r/session")
	if err != nil || len(set.Policies) != 10 || set.Principal != "arn:aws:iam::123456789012:role/r" {
		t.Fatalf("IdentityPolicies(role) %+v %v", set, err)
	}
}

func TestUsersAndAccessKeys(t *testing.T) {
	e, ctx := newTestEngine(t)
	u, err := e.CreateUser(ctx, CreateUserInput{Name: "alice", Path: "/dev/"})
	if err != nil || !strings.HasPrefix(u.ID, "AIDA") || len(u.ID) != 21 || u.ARN() != "arn:aws:iam::123456789012:user/dev/alice" {
		t.Fatalf("user %+v %v", u, err)
	}
	k1, err := e.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(k1.ID) != 20 || !strings.HasPrefix(k1.ID, "AKIA") || len(k1.Secret) != 40 || k1.Status != "Active" {
		t.Fatalf("key %+v", k1)
	}
	if _, err := e.CreateAccessKey(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateAccessKey(ctx, "alice")
	wantErr(t, err, ErrLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")
	secret, acct, arn, ok := e.LookupAccessKey(ctx, k1.ID)
	if !ok || secret != k1.Secret || acct != testAccount || arn != u.ARN() {
		t.Fatalf("lookup %v %v %v %v", secret, acct, arn, ok)
	}
	if err := e.UpdateAccessKey(ctx, "alice", k1.ID, "Inactive"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := e.LookupAccessKey(ctx, k1.ID); ok {
		t.Fatal("inactive key accepted")
	}
	wantErr(t, e.UpdateAccessKey(ctx, "alice", k1.ID, "Sleeping"), ErrValidation, "enum value set: [Active, Inactive, Expired]")
	wantErr(t, e.DeleteUser(ctx, "alice"), ErrDeleteConflict, "Cannot delete entity, must delete access keys first.")
	keys, _, _ := e.ListAccessKeys(ctx, "alice", "", nil)
	for _, k := range keys {
		if k.Secret != "" {
			t.Fatal("ListAccessKeys leaked a secret")
		}
		if err := e.DeleteAccessKey(ctx, "alice", k.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, e.DeleteAccessKey(ctx, "alice", k1.ID), ErrNoSuchEntity, "The Access Key with id "+k1.ID+" cannot be found.")
	if err := e.AttachPolicy(ctx, "user", "alice", "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteUser(ctx, "alice"), ErrDeleteConflict, "must detach all policies first")
	e.DetachPolicy(ctx, "user", "alice", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	if err := e.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	// The caller: root gets the root shape, a user itself, a role an error.
	root, err := e.GetUser(ctx, "")
	if err != nil || !root.Root || root.ARN() != "arn:aws:iam::123456789012:root" || root.ID != testAccount {
		t.Fatalf("root %+v %v", root, err)
	}
	roleCtx := awsctx.With(ctx, awsctx.Scope{AccountID: testAccount, Principal: "arn:aws:sts::123456789012:assumed-role/r/s"})
	_, err = e.GetUser(roleCtx, "")
	wantErr(t, err, ErrValidation, "Must specify userName when calling with non-User credentials")
}

// LookupAccessKey runs on every request; it must stay right while keys
// change concurrently (run with -race).
func TestLookupAccessKeyConcurrent(t *testing.T) {
	st := store.NewMemory()
	e, ctx := New(st), testCtx()
	if _, err := e.CreateUser(ctx, CreateUserInput{Name: "u"}); err != nil {
		t.Fatal(err)
	}
	k, _ := e.CreateAccessKey(ctx, "u")
	// A second engine on the same store loads existing keys lazily.
	if _, _, _, ok := New(st).LookupAccessKey(ctx, k.ID); !ok {
		t.Fatal("fresh engine does not see the stored key")
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					e.LookupAccessKey(ctx, k.ID)
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		status := "Inactive"
		if i%2 == 1 {
			status = "Active"
		}
		if err := e.UpdateAccessKey(ctx, "u", k.ID, status); err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := e.LookupAccessKey(ctx, k.ID); ok != (status == "Active") {
			t.Fatalf("after %s lookup ok=%v", status, ok)
		}
	}
	close(stop)
	wg.Wait()
	if err := e.DeleteAccessKey(ctx, "u", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := e.LookupAccessKey(ctx, k.ID); ok {
		t.Fatal("deleted key still accepted")
	}
}

func TestInstanceProfiles(t *testing.T) {
	e, ctx := newTestEngine(t)
	mustRole(t, e, ctx, "r1")
	mustRole(t, e, ctx, "r2")
	p, err := e.CreateInstanceProfile(ctx, "ip", "/x/", []Tag{{"k", "v"}})
	if err != nil || !strings.HasPrefix(p.ID, "AIPA") || p.ARN() != "arn:aws:iam::123456789012:instance-profile/x/ip" {
		t.Fatalf("%+v %v", p, err)
	}
	_, err = e.CreateInstanceProfile(ctx, "IP", "", nil)
	wantErr(t, err, ErrEntityAlreadyExists, "Instance Profile IP already exists.")
	if err := e.AddRoleToInstanceProfile(ctx, "ip", "r1"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.AddRoleToInstanceProfile(ctx, "ip", "r2"), ErrLimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	wantErr(t, e.AddRoleToInstanceProfile(ctx, "nope", "r2"), ErrNoSuchEntity, "Instance Profile nope cannot be found.")
	got, _ := e.GetInstanceProfile(ctx, "ip")
	if len(got.Roles) != 1 || got.Roles[0].Name != "r1" {
		t.Fatalf("profile roles %+v", got.Roles)
	}
	ps, _, _ := e.ListInstanceProfilesForRole(ctx, "r1", "", nil)
	if len(ps) != 1 || ps[0].Name != "ip" {
		t.Fatalf("for role %+v", ps)
	}
	wantErr(t, e.RemoveRoleFromInstanceProfile(ctx, "ip", "r2"), ErrNoSuchEntity, "The role with name r2 cannot be found.")
}

func TestPaginate(t *testing.T) {
	e, ctx := newTestEngine(t)
	for i := 0; i < 7; i++ {
		mustRole(t, e, ctx, fmt.Sprintf("role-%d", i))
	}
	var seen []string
	marker := ""
	for pages := 0; ; pages++ {
		rs, next, err := e.ListRoles(ctx, "", marker, ptr(int32(3)))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			seen = append(seen, r.Name)
		}
		if next == "" {
			if pages != 2 {
				t.Fatalf("pages %d", pages)
			}
			break
		}
		marker = next
	}
	if strings.Join(seen, ",") != "role-0,role-1,role-2,role-3,role-4,role-5,role-6" {
		t.Fatalf("seen %v", seen)
	}
	_, _, err := e.ListRoles(ctx, "", "", ptr(int32(0)))
	wantErr(t, err, ErrValidation, "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

// Some clients send documents URL-encoded; IAM stores the JSON.
func TestURLEncodedDocumentsAccepted(t *testing.T) {
	e, ctx := newTestEngine(t)
	r, err := e.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicyDocument: EncodeDocument(trustEC2)})
	if err != nil || r.AssumeRolePolicyDocument != trustEC2 {
		t.Fatalf("%+v %v", r, err)
	}
	if err := e.PutInlinePolicy(ctx, "role", "r", "p", EncodeDocument(allowS3)); err != nil {
		t.Fatal(err)
	}
	if doc, _, _ := e.GetInlinePolicy(ctx, "role", "r", "p"); doc != allowS3 {
		t.Fatalf("stored %s", doc)
	}
	p, err := e.CreatePolicy(ctx, CreatePolicyInput{Name: "mp", Document: EncodeDocument(allowS3)})
	if err != nil || p.DefaultVersion().Document != allowS3 {
		t.Fatalf("%+v %v", p, err)
	}
}
