package iam_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/awswire"
	iamengine "github.com/skiff-dev/skiff/internal/iam"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	trust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	s3Allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
)

func client(t *testing.T) (*iam.Client, *iamengine.Engine) {
	t.Helper()
	e := iamengine.New(store.NewMemory())
	srv := skifftest.Start(t, e.Service())
	return iam.NewFromConfig(srv.Config()), e
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

func decodeJSON(t *testing.T, encoded string) map[string]any {
	t.Helper()
	s, err := url.QueryUnescape(encoded)
	if err != nil {
		t.Fatalf("not URL-encoded: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("document %q: %v", s, err)
	}
	return m
}

func sameDoc(t *testing.T, encoded, want string) {
	t.Helper()
	var w map[string]any
	json.Unmarshal([]byte(want), &w)
	if got := decodeJSON(t, encoded); !reflect.DeepEqual(got, w) {
		t.Fatalf("document %v, want %v", got, w)
	}
}

func TestSDKRoles(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("app"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust),
		Description: aws.String("the app"), MaxSessionDuration: aws.Int32(7200),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("empty"), Value: aws.String("")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if *r.Arn != "arn:aws:iam::123456789012:role/svc/app" || !strings.HasPrefix(*r.RoleId, "AROA") || *r.MaxSessionDuration != 7200 || len(r.Tags) != 2 || r.CreateDate == nil {
		t.Fatalf("role %+v", r)
	}
	sameDoc(t, *r.AssumeRolePolicyDocument, trust)

	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("APP"), AssumeRolePolicyDocument: aws.String(trust)})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) || *exists.Message != "Role with name APP already exists." {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(s3Allow)})
	var malformed *types.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) || *malformed.Message != "Has prohibited field Resource" {
		t.Fatalf("trust with Resource: %v", err)
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String("")})
	if errCode(err) != "ValidationError" || !strings.Contains(err.Error(), "'assumeRolePolicyDocument'") {
		t.Fatalf("missing document: %v", err)
	}

	g, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if *g.Role.Description != "the app" || g.Role.RoleLastUsed == nil || len(g.Role.Tags) != 2 {
		t.Fatalf("GetRole %+v", g.Role)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ghost")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || *nse.Message != "The role with name ghost cannot be found." {
		t.Fatalf("missing role: %v", err)
	}

	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app"), MaxSessionDuration: aws.Int32(3600)}); err != nil {
		t.Fatal(err)
	}
	ud, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("app"), Description: aws.String("new")})
	if err != nil || *ud.Role.Description != "new" || *ud.Role.MaxSessionDuration != 3600 {
		t.Fatalf("UpdateRoleDescription %+v %v", ud, err)
	}
	newTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app"), PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatal(err)
	}
	g, _ = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	sameDoc(t, *g.Role.AssumeRolePolicyDocument, newTrust)

	// Tags.
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("app"), Tags: []types.Tag{{Key: aws.String("ENV"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("app"), TagKeys: []string{"empty"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("app")})
	if err != nil || len(tags.Tags) != 2 || *tags.Tags[0].Key != "ENV" || *tags.Tags[0].Value != "prod" || tags.IsTruncated {
		t.Fatalf("tags %+v %v", tags, err)
	}

	// Permissions boundary.
	if _, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}); err != nil {
		t.Fatal(err)
	}
	g, _ = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	if g.Role.PermissionsBoundary == nil || *g.Role.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/PowerUserAccess" || g.Role.PermissionsBoundary.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Fatalf("boundary %+v", g.Role.PermissionsBoundary)
	}
	if _, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}

	// Inline policy: the document round-trips URL-encoded.
	doc := `{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::my-bucket/a+b & c/*",
    "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}}]
}`
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	gp, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("APP"), PolicyName: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(*gp.PolicyDocument, "{\" ") {
		t.Fatalf("document not URL-encoded: %s", *gp.PolicyDocument)
	}
	if dec, _ := url.QueryUnescape(*gp.PolicyDocument); dec != doc || *gp.RoleName != "app" || *gp.PolicyName != "read" {
		t.Fatalf("GetRolePolicy round trip: %q", dec)
	}
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("nope")})
	if !errors.As(err, &nse) || *nse.Message != "The role policy with name nope cannot be found." {
		t.Fatalf("missing inline: %v", err)
	}
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"), PolicyDocument: aws.String(trust)})
	if !errors.As(err, &malformed) || *malformed.Message != "Policy document should not specify a principal." {
		t.Fatalf("principal in identity policy: %v", err)
	}
	lp, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("app")})
	if err != nil || len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "read" {
		t.Fatalf("ListRolePolicies %+v %v", lp, err)
	}

	// Managed attachments and DeleteRole's conflicts.
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})
	if !errors.As(err, &nse) || *nse.Message != "Policy arn:aws:iam::aws:policy/NoSuchThing does not exist or is not attachable." {
		t.Fatalf("unknown AWS policy: %v", err)
	}
	ap, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")})
	if err != nil || len(ap.AttachedPolicies) != 1 || *ap.AttachedPolicies[0].PolicyName != "AWSLambdaBasicExecutionRole" {
		t.Fatalf("attached %+v %v", ap, err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete entity, must detach all policies first." {
		t.Fatalf("DeleteRole with attachments: %v", err)
	}
	c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")})
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")})
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete entity, must delete policies first." {
		t.Fatalf("DeleteRole with inline policies: %v", err)
	}
	c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("read")})
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKPagination(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), Path: aws.String("/p/"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(trust)})
	first, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/p/"), MaxItems: aws.Int32(2)})
	if err != nil || len(first.Roles) != 2 || !first.IsTruncated || first.Marker == nil {
		t.Fatalf("first page %+v %v", first, err)
	}
	var names []string
	pages := 0
	for p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: aws.String("/p/"), MaxItems: aws.Int32(2)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names = append(names, *r.RoleName)
		}
	}
	if pages != 3 || strings.Join(names, ",") != "r0,r1,r2,r3,r4" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	// The AWS managed catalogue pages too.
	total := 0
	for p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(20)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range out.Policies {
			if !strings.HasPrefix(*pol.Arn, "arn:aws:iam::aws:policy/") || pol.DefaultVersionId == nil || !pol.IsAttachable {
				t.Fatalf("AWS policy %+v", pol)
			}
		}
		total += len(out.Policies)
	}
	if total != len(iamengine.AWSManagedPolicyARNs()) {
		t.Fatalf("listed %d AWS policies", total)
	}
	local, _ := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if len(local.Policies) != 0 {
		t.Fatalf("local policies %+v", local.Policies)
	}
	_, err = c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1001)})
	if errCode(err) != "ValidationError" {
		t.Fatalf("MaxItems 1001: %v", err)
	}
}

func TestSDKManagedPolicies(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	cp, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("mp"), PolicyDocument: aws.String(s3Allow), Description: aws.String("desc"),
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *cp.Policy.Arn
	if arn != "arn:aws:iam::123456789012:policy/mp" || *cp.Policy.DefaultVersionId != "v1" || *cp.Policy.AttachmentCount != 0 || !cp.Policy.IsAttachable {
		t.Fatalf("policy %+v", cp.Policy)
	}
	gp, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || *gp.Policy.Description != "desc" || len(gp.Policy.Tags) != 1 {
		t.Fatalf("GetPolicy %+v %v", gp, err)
	}
	v2doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	v, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(v2doc), SetAsDefault: true})
	if err != nil || *v.PolicyVersion.VersionId != "v2" || !v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion %+v %v", v, err)
	}
	gv, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	sameDoc(t, *gv.PolicyVersion.Document, v2doc)
	lv, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(lv.Versions) != 2 || *lv.Versions[0].VersionId != "v2" || lv.Versions[0].Document != nil {
		t.Fatalf("ListPolicyVersions %+v %v", lv, err)
	}
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("delete default version: %v", err)
	}
	for i := 0; i < 3; i++ {
		c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3Allow)})
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3Allow)})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("sixth version: %v", err)
	}

	c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)})
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(ents.PolicyRoles) != 1 || len(ents.PolicyUsers) != 1 || *ents.PolicyRoles[0].RoleName != "r" || *ents.PolicyUsers[0].UserId == "" {
		t.Fatalf("entities %+v %v", ents, err)
	}
	au, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("u")})
	if err != nil || len(au.AttachedPolicies) != 1 {
		t.Fatalf("user attachments %+v %v", au, err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete a policy attached to entities." {
		t.Fatalf("DeletePolicy attached: %v", err)
	}
	if _, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	pt, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(pt.Tags) != 1 || *pt.Tags[0].Key != "b" {
		t.Fatalf("policy tags %+v %v", pt, err)
	}
	// AWS managed policies read like customer ones.
	aws1, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if err != nil || len(*aws1.Policy.PolicyId) != 21 || !strings.HasPrefix(*aws1.Policy.PolicyId, "ANPA") {
		t.Fatalf("AdministratorAccess %+v %v", aws1, err)
	}
	av, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"), VersionId: aws1.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	if d := decodeJSON(t, *av.PolicyVersion.Document); d["Version"] != "2012-10-17" {
		t.Fatalf("AdministratorAccess document %v", d)
	}
}

func TestSDKInstanceProfiles(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)})
	c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(trust)})
	ip, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	if err != nil || !strings.HasPrefix(*ip.InstanceProfile.InstanceProfileId, "AIPA") || ip.InstanceProfile.Roles == nil {
		t.Fatalf("%+v %v", ip, err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r2")})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("second role: %v", err)
	}
	g, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	if err != nil || len(g.InstanceProfile.Roles) != 1 || *g.InstanceProfile.Roles[0].RoleName != "r" {
		t.Fatalf("GetInstanceProfile %+v %v", g, err)
	}
	sameDoc(t, *g.InstanceProfile.Roles[0].AssumeRolePolicyDocument, trust)
	fr, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("r")})
	if err != nil || len(fr.InstanceProfiles) != 1 {
		t.Fatalf("for role %+v %v", fr, err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete entity, must remove roles from instance profile first." {
		t.Fatalf("DeleteRole in profile: %v", err)
	}
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteInstanceProfile with role: %v", err)
	}
	c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r")})
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("ip")}); err != nil {
		t.Fatal(err)
	}
	l, _ := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
	if len(l.InstanceProfiles) != 0 {
		t.Fatalf("profiles left %+v", l.InstanceProfiles)
	}
}

// chainCreds accepts skiff's test key and keys IAM issued, as the server's
// credential store will once the lead wires LookupAccessKey in.
type chainCreds struct{ e *iamengine.Engine }

func (c chainCreds) Lookup(ctx context.Context, akid string) (awswire.Credential, bool) {
	if cr, ok := skifftest.Credentials().Lookup(ctx, akid); ok {
		return cr, true
	}
	secret, acct, arn, ok := c.e.LookupAccessKey(ctx, akid)
	return awswire.Credential{AccessKeyID: akid, SecretAccessKey: secret, AccountID: acct, Principal: arn}, ok
}

func TestSDKUsersAndKeys(t *testing.T) {
	e := iamengine.New(store.NewMemory())
	ts := httptest.NewServer(awswire.NewGateway(chainCreds{e}, nil, e.Service()))
	t.Cleanup(ts.Close)
	cfg := aws.Config{Region: skifftest.Region, BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(skifftest.AccessKeyID, skifftest.SecretAccessKey, "")}
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()

	root, err := c.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || *root.User.Arn != "arn:aws:iam::123456789012:root" || *root.User.UserId != "123456789012" || root.User.UserName != nil {
		t.Fatalf("root GetUser %+v %v", root, err)
	}
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil || !strings.HasPrefix(*u.User.UserId, "AIDA") || *u.User.Arn != "arn:aws:iam::123456789012:user/alice" {
		t.Fatalf("CreateUser %+v %v", u, err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	ak := k.AccessKey
	if len(*ak.AccessKeyId) != 20 || !strings.HasPrefix(*ak.AccessKeyId, "AKIA") || len(*ak.SecretAccessKey) != 40 || ak.Status != types.StatusTypeActive || *ak.UserName != "alice" {
		t.Fatalf("access key %+v", ak)
	}
	// Sign requests with the new key: the gateway finds it through
	// LookupAccessKey and the caller is alice.
	as := cfg.Copy()
	as.Credentials = credentials.NewStaticCredentialsProvider(*ak.AccessKeyId, *ak.SecretAccessKey, "")
	alice := iam.NewFromConfig(as)
	me, err := alice.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || *me.User.UserName != "alice" {
		t.Fatalf("GetUser as alice %+v %v", me, err)
	}
	keys, err := alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != *ak.AccessKeyId {
		t.Fatalf("ListAccessKeys %+v %v", keys, err)
	}
	lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: ak.AccessKeyId})
	if err != nil || *lu.UserName != "alice" || *lu.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("GetAccessKeyLastUsed %+v %v", lu, err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: ak.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.GetUser(ctx, &iam.GetUserInput{})
	if errCode(err) != "InvalidClientTokenId" {
		t.Fatalf("inactive key: %v", err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete entity, must delete access keys first." {
		t.Fatalf("DeleteUser with keys: %v", err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: ak.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	// Inline user policies.
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(s3Allow)}); err != nil {
		t.Fatal(err)
	}
	gup, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	sameDoc(t, *gup.PolicyDocument, s3Allow)
	lup, _ := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("alice")})
	if len(lup.PolicyNames) != 1 {
		t.Fatalf("ListUserPolicies %+v", lup)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	if !errors.As(err, &conflict) || *conflict.Message != "Cannot delete entity, must delete policies first." {
		t.Fatalf("DeleteUser with policies: %v", err)
	}
	c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p")})
	lu2, _ := c.ListUsers(ctx, &iam.ListUsersInput{})
	if len(lu2.Users) != 1 || lu2.Users[0].Tags != nil {
		t.Fatalf("ListUsers %+v", lu2.Users)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || *nse.Message != "The user with name alice cannot be found." {
		t.Fatalf("deleted user: %v", err)
	}
	sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["Users"] != 0 || sum.SummaryMap["AccessKeysPerUserQuota"] != 2 {
		t.Fatalf("GetAccountSummary %+v %v", sum, err)
	}
}
