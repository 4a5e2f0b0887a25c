package ssm

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/seal"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

func testSealer(t testing.TB) *seal.Sealer {
	s, err := seal.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestEngine(t testing.TB) (*Engine, store.Store) {
	st := store.NewMemory()
	return New(st, testSealer(t)), st
}

func scopeCtx(account, reg string) context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: account, Region: reg, Principal: "arn:aws:iam::" + account + ":root"})
}

var ctx = scopeCtx(acct, region)

// wantErr checks an error's code and, unless msg is "*", its exact message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	ae, ok := apierr.As(err)
	if !ok {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.Code.Name != code || (msg != "*" && ae.Message != msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.Code.Name, ae.Message)
	}
}

func mustPut(t *testing.T, e *Engine, in PutParameterInput) int64 {
	t.Helper()
	v, err := e.PutParameter(ctx, in)
	if err != nil {
		t.Fatalf("put %s: %v", in.Name, err)
	}
	return v
}

func TestPutGetOverwrite(t *testing.T) {
	e, _ := newTestEngine(t)
	if v := mustPut(t, e, PutParameterInput{Name: "/app/db/host", Value: "db1", Type: TypeString, Description: "host"}); v != 1 {
		t.Fatalf("version %d", v)
	}
	_, err := e.PutParameter(ctx, PutParameterInput{Name: "/app/db/host", Value: "db2", Type: TypeString})
	wantErr(t, err, "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	if v := mustPut(t, e, PutParameterInput{Name: "/app/db/host", Value: "db2", Overwrite: true}); v != 2 {
		t.Fatalf("version %d", v)
	}
	p, err := e.GetParameter(ctx, "/app/db/host", false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Value != "db2" || p.Version != 2 || p.Type != TypeString || p.DataType != "text" ||
		p.ARN != "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host" || p.Description != "host" || p.Tier != TierStandard {
		t.Fatalf("got %+v", p)
	}
	// The old version is still there, by selector.
	p, err = e.GetParameter(ctx, "/app/db/host:1", false)
	if err != nil || p.Value != "db1" || p.Selector != ":1" || p.Name != "/app/db/host" {
		t.Fatalf("got %+v, %v", p, err)
	}
	_, err = e.GetParameter(ctx, "/app/db/host:9", false)
	wantErr(t, err, "ParameterVersionNotFound", "Systems Manager could not find version 9 of /app/db/host. Verify the version and try again.")
	_, err = e.GetParameter(ctx, "/app/db/nope", false)
	wantErr(t, err, "ParameterNotFound", "")
}

func TestPutValidation(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "exists", Value: "v", Type: TypeString})
	deep := "/" + strings.Repeat("a/", 15) + "x"
	cases := []struct {
		name      string
		in        PutParameterInput
		code, msg string
	}{
		{"empty name", PutParameterInput{Name: "", Value: "v", Type: "String"}, "ValidationException",
			"1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"empty value", PutParameterInput{Name: "x", Value: "", Type: "String"}, "ValidationException",
			"1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"bad type", PutParameterInput{Name: "x", Value: "v", Type: "Str"}, "ValidationException",
			"1 validation error detected: Value 'Str' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]"},
		{"type required", PutParameterInput{Name: "new", Value: "v"}, "ValidationException", msgTypeRequired},
		{"aws prefix", PutParameterInput{Name: "awsThing", Value: "v", Type: "String"}, "ValidationException", msgPrefixed},
		{"ssm prefix any case", PutParameterInput{Name: "/SSMthing", Value: "v", Type: "String"}, "ValidationException", msgPrefixed},
		{"aws path", PutParameterInput{Name: "/aws/service/x", Value: "v", Type: "String"}, "AccessDeniedException", "No access to reserved parameter name: /aws/service/x."},
		{"ssm path", PutParameterInput{Name: "/ssm/x", Value: "v", Type: "String"}, "ValidationException", msgPathNameRule},
		{"space", PutParameterInput{Name: "my param", Value: "v", Type: "String"}, "ValidationException", msgNameRule},
		{"bad char in path", PutParameterInput{Name: "/a/b*c", Value: "v", Type: "String"}, "ValidationException", msgPathNameRule},
		{"path not qualified", PutParameterInput{Name: "a/b", Value: "v", Type: "String"}, "ValidationException", msgFullyQualified},
		{"empty segment", PutParameterInput{Name: "/a//b", Value: "v", Type: "String"}, "ValidationException", msgPathNameRule},
		{"trailing slash", PutParameterInput{Name: "/a/b/", Value: "v", Type: "String"}, "ValidationException", msgPathNameRule},
		{"16 levels", PutParameterInput{Name: deep, Value: "v", Type: "String"}, "HierarchyLevelLimitExceededException", msgHierarchy},
		{"too long", PutParameterInput{Name: strings.Repeat("a", 2049), Value: "v", Type: "String"}, "ValidationException", "*"},
		{"arn budget", PutParameterInput{Name: strings.Repeat("a", 1000), Value: "v", Type: "String"}, "ValidationException", "*"},
		{"exists", PutParameterInput{Name: "exists", Value: "v", Type: "String"}, "ParameterAlreadyExists", msgAlreadyExists},
		{"exists with slash", PutParameterInput{Name: "/exists", Value: "v", Type: "String"}, "ParameterAlreadyExists", msgAlreadyExists},
		{"tags and overwrite", PutParameterInput{Name: "exists", Value: "v", Overwrite: true, Tags: []Tag{{"a", "b"}}}, "ValidationException", msgTagsOverwrite},
		{"pattern mismatch", PutParameterInput{Name: "p", Value: "abc", Type: "String", AllowedPattern: `^\d+$`}, "ParameterPatternMismatchException",
			`Parameter value, cannot be validated against allowedPattern: ^\d+$`},
		{"pattern is whole-value", PutParameterInput{Name: "p", Value: "12a", Type: "String", AllowedPattern: `\d+`}, "ParameterPatternMismatchException", "*"},
		{"bad pattern", PutParameterInput{Name: "p", Value: "abc", Type: "String", AllowedPattern: `(`}, "InvalidAllowedPatternException", "*"},
		{"standard too large", PutParameterInput{Name: "big", Value: strings.Repeat("x", 4097), Type: "String"}, "ValidationException", msgStandardTooLarge},
		{"explicit standard too large", PutParameterInput{Name: "big", Value: strings.Repeat("x", 4097), Type: "String", Tier: TierStandard}, "ValidationException", msgStandardTooLarge},
		{"advanced too large", PutParameterInput{Name: "big", Value: strings.Repeat("x", 8193), Type: "String", Tier: TierAdvanced}, "ValidationException", "*"},
		{"bad tier", PutParameterInput{Name: "t", Value: "v", Type: "String", Tier: "Gold"}, "ValidationException",
			"1 validation error detected: Value 'Gold' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]"},
		{"bad data type", PutParameterInput{Name: "d", Value: "v", Type: "String", DataType: "Text"}, "ValidationException",
			"The following data type is not supported: Text (Data type names are all lowercase.)"},
		{"ami format", PutParameterInput{Name: "d", Value: "ami-xyz", Type: "String", DataType: DataTypeEC2Image}, "ValidationException", "*"},
		{"ami on securestring", PutParameterInput{Name: "d", Value: "ami-12345678", Type: "SecureString", DataType: DataTypeEC2Image}, "UnsupportedParameterType", "*"},
		{"key id pattern", PutParameterInput{Name: "k", Value: "v", Type: "SecureString", KeyID: "bad key"}, "ValidationException",
			"1 validation error detected: Value 'bad key' at 'keyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$"},
		{"key id unknown form", PutParameterInput{Name: "k", Value: "v", Type: "SecureString", KeyID: "notakey"}, "InvalidKeyId", "*"},
		{"other aws alias", PutParameterInput{Name: "k", Value: "v", Type: "SecureString", KeyID: "alias/aws/s3"}, "InvalidKeyId", "*"},
		{"policies on standard", PutParameterInput{Name: "pol", Value: "v", Type: "String", Policies: `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}]`}, "ValidationException", msgPoliciesNeedAdvanced},
		{"policy type", PutParameterInput{Name: "pol", Value: "v", Type: "String", Tier: TierAdvanced, Policies: `[{"Type":"Explode","Version":"1.0","Attributes":{}}]`}, "InvalidPolicyTypeException", msgPolicyType},
		{"policy json", PutParameterInput{Name: "pol", Value: "v", Type: "String", Tier: TierAdvanced, Policies: `{`}, "InvalidPolicyAttributeException", msgPolicyAttribute},
		{"two expirations", PutParameterInput{Name: "pol", Value: "v", Type: "String", Tier: TierAdvanced, Policies: `[{"Type":"Expiration","Version":"1.0","Attributes":{}},{"Type":"Expiration","Version":"1.0","Attributes":{}}]`}, "IncompatiblePolicyException", msgIncompatiblePolicy},
		{"tag key pattern", PutParameterInput{Name: "tg", Value: "v", Type: "String", Tags: []Tag{{"bad*key", "v"}}}, "ValidationException", "*"},
		{"too many tags", PutParameterInput{Name: "tg", Value: "v", Type: "String", Tags: manyTags(51)}, "TooManyTagsError", msgTooManyTags},
		{"description too long", PutParameterInput{Name: "x", Value: "v", Type: "String", Description: strings.Repeat("d", 1025)}, "ValidationException", "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.PutParameter(ctx, c.in)
			wantErr(t, err, c.code, c.msg)
		})
	}
	// Fifteen levels is fine.
	mustPut(t, e, PutParameterInput{Name: "/" + strings.Repeat("a/", 14) + "x", Value: "v", Type: "String"})
}

func manyTags(n int) []Tag {
	out := make([]Tag, n)
	for i := range out {
		out[i] = Tag{fmt.Sprintf("k%d", i), "v"}
	}
	return out
}

func TestNamesWithAndWithoutLeadingSlash(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/single", Value: "v1", Type: TypeString})
	for _, n := range []string{"single", "/single", "arn:aws:ssm:us-east-1:123456789012:parameter/single"} {
		p, err := e.GetParameter(ctx, n, false)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		want := n
		if strings.HasPrefix(n, "arn:") {
			want = "single"
		}
		if p.Name != want || p.ARN != "arn:aws:ssm:us-east-1:123456789012:parameter/single" {
			t.Fatalf("%s: got name %q arn %q", n, p.Name, p.ARN)
		}
	}
	// Hierarchical names must be fully qualified; their ARN drops the slash.
	mustPut(t, e, PutParameterInput{Name: "/a/b", Value: "v", Type: TypeString})
	p, err := e.GetParameter(ctx, "arn:aws:ssm:us-east-1:123456789012:parameter/a/b:1", false)
	if err != nil || p.Name != "/a/b" || p.Selector != ":1" {
		t.Fatalf("by arn: %+v %v", p, err)
	}
	_, err = e.GetParameter(ctx, "a/b", false)
	wantErr(t, err, "ValidationException", msgPathNameRule)
	// Another account's ARN is not found here.
	_, err = e.GetParameter(ctx, "arn:aws:ssm:us-east-1:999999999999:parameter/a/b", false)
	wantErr(t, err, "ParameterNotFound", "")
}

func TestScopeIsolation(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/iso", Value: "east", Type: TypeString})
	for _, c := range []context.Context{scopeCtx(acct, "eu-west-1"), scopeCtx("210987654321", region)} {
		if _, err := e.GetParameter(c, "/iso", false); !ErrParameterNotFound.Is(err) {
			t.Fatalf("visible from another scope: %v", err)
		}
		if _, err := e.PutParameter(c, PutParameterInput{Name: "/iso", Value: "other", Type: TypeString}); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := e.GetParameter(ctx, "/iso", false)
	if p.Value != "east" {
		t.Fatalf("got %q", p.Value)
	}
	p, _ = e.GetParameter(scopeCtx(acct, "eu-west-1"), "/iso", false)
	if p.Value != "other" || !strings.Contains(p.ARN, ":eu-west-1:") {
		t.Fatalf("got %+v", p)
	}
}

func TestSecureString(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/db/password", Value: "hunter2", Type: TypeSecureString})
	p, err := e.GetParameter(ctx, "/db/password", false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Value == "hunter2" || p.KeyID != DefaultKeyID {
		t.Fatalf("without decryption got %+v", p)
	}
	blob, err := base64.StdEncoding.DecodeString(p.Value)
	if err != nil || bytes.Contains(blob, []byte("hunter2")) || len(blob) < seal.Overhead {
		t.Fatalf("blob %q: %v", p.Value, err)
	}
	p, err = e.GetParameter(ctx, "/db/password", true)
	if err != nil || p.Value != "hunter2" {
		t.Fatalf("with decryption: %+v %v", p, err)
	}
	// Overwrite keeps the key; a custom key is recorded.
	mustPut(t, e, PutParameterInput{Name: "/db/password", Value: "hunter3", Overwrite: true, KeyID: "alias/my-key"})
	p, _ = e.GetParameter(ctx, "/db/password", true)
	if p.Value != "hunter3" || p.KeyID != "alias/my-key" || p.Version != 2 {
		t.Fatalf("got %+v", p)
	}
	p, _ = e.GetParameter(ctx, "/db/password:1", true)
	if p.Value != "hunter2" || p.KeyID != DefaultKeyID {
		t.Fatalf("version 1: %+v", p)
	}
	for _, k := range []string{"1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:us-east-1:123456789012:alias/x", "mrk-1234abcd12ab34cd56ef1234567890ab"} {
		if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/k", Value: "v", Type: TypeSecureString, KeyID: k, Overwrite: true}); err != nil {
			t.Errorf("key %s: %v", k, err)
		}
	}
}

func TestTiers(t *testing.T) {
	e, _ := newTestEngine(t)
	big := strings.Repeat("x", 5000)
	_, tier, err := e.put(ctx, &PutParameterInput{Name: "/it/small", Value: "v", Type: "String", Tier: TierIntelligentTiering})
	if err != nil || tier != TierStandard {
		t.Fatalf("small intelligent: %s %v", tier, err)
	}
	_, tier, err = e.put(ctx, &PutParameterInput{Name: "/it/big", Value: big, Type: "String", Tier: TierIntelligentTiering})
	if err != nil || tier != TierAdvanced {
		t.Fatalf("big intelligent: %s %v", tier, err)
	}
	// Overwrite without a tier keeps Advanced, which allows a large value.
	_, tier, err = e.put(ctx, &PutParameterInput{Name: "/it/big", Value: big + "y", Overwrite: true})
	if err != nil || tier != TierAdvanced {
		t.Fatalf("keep advanced: %s %v", tier, err)
	}
	_, _, err = e.put(ctx, &PutParameterInput{Name: "/it/big", Value: "small", Overwrite: true, Tier: TierStandard})
	wantErr(t, err, "ValidationException", msgNoDowngrade)
	_, tier, err = e.put(ctx, &PutParameterInput{Name: "/it/big", Value: "small", Overwrite: true, Tier: TierIntelligentTiering})
	if err != nil || tier != TierAdvanced {
		t.Fatalf("intelligent never downgrades: %s %v", tier, err)
	}
	_, tier, err = e.put(ctx, &PutParameterInput{Name: "/pol", Value: "v", Type: "String", Tier: TierIntelligentTiering,
		Policies: `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}]`})
	if err != nil || tier != TierAdvanced {
		t.Fatalf("policies pick advanced: %s %v", tier, err)
	}
	ps, _, err := e.DescribeParameters(ctx, DescribeInput{ParameterFilters: []StringFilter{{Key: "Name", Values: []string{"/pol"}}}})
	if err != nil || len(ps) != 1 || len(ps[0].Policies) != 1 || ps[0].Policies[0].Type != "Expiration" || ps[0].Policies[0].Status != "Pending" {
		t.Fatalf("policies: %+v %v", ps, err)
	}
	// Advanced holds up to 8 KB.
	if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/adv", Value: strings.Repeat("x", 8192), Type: "String", Tier: TierAdvanced}); err != nil {
		t.Fatal(err)
	}
}

func TestDataTypes(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, v := range []string{"ami-12345678", "ami-1234567890abcdef0"} {
		if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/ami", Value: v, Type: "String", DataType: DataTypeEC2Image, Overwrite: true}); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	p, _ := e.GetParameter(ctx, "/ami", false)
	if p.DataType != DataTypeEC2Image {
		t.Fatalf("data type %q", p.DataType)
	}
	// Overwrite keeps the data type, so the format still applies.
	_, err := e.PutParameter(ctx, PutParameterInput{Name: "/ami", Value: "not-an-ami", Overwrite: true})
	wantErr(t, err, "ValidationException", "*")
}

func TestVersionLimit(t *testing.T) {
	e, _ := newTestEngine(t)
	for i := 1; i <= maxVersions; i++ {
		mustPut(t, e, PutParameterInput{Name: "/many", Value: fmt.Sprint(i), Type: "String", Overwrite: true})
	}
	// Label the oldest: the 101st version cannot drop it.
	if _, _, err := e.LabelParameterVersion(ctx, "/many", ptr(int64(1)), []string{"keep"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.PutParameter(ctx, PutParameterInput{Name: "/many", Value: "101", Overwrite: true})
	wantErr(t, err, "ParameterMaxVersionLimitExceeded", "You attempted to create a new version of /many by calling the PutParameter API with the overwrite flag. "+
		"Version 1, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.")
	if _, _, err := e.UnlabelParameterVersion(ctx, "/many", 1, []string{"keep"}); err != nil {
		t.Fatal(err)
	}
	if v := mustPut(t, e, PutParameterInput{Name: "/many", Value: "101", Overwrite: true}); v != 101 {
		t.Fatalf("version %d", v)
	}
	_, err = e.GetParameter(ctx, "/many:1", false)
	wantErr(t, err, "ParameterVersionNotFound", "*")
	hist, _, err := e.GetParameterHistory(ctx, "/many", false, 50, "")
	if err != nil || len(hist) != 50 || hist[0].Version != 2 {
		t.Fatalf("history: %d %v", len(hist), err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestLabels(t *testing.T) {
	e, _ := newTestEngine(t)
	for i := 1; i <= 3; i++ {
		mustPut(t, e, PutParameterInput{Name: "/lbl", Value: fmt.Sprint("v", i), Type: "String", Overwrite: true})
	}
	invalid, v, err := e.LabelParameterVersion(ctx, "/lbl", ptr(int64(1)), []string{"prod", "1bad", "awsx", "SSMy", "bad label", "ok.v-1_x"})
	if err != nil || v != 1 || fmt.Sprint(invalid) != "[1bad awsx SSMy bad label]" {
		t.Fatalf("label: %v %d %v", invalid, v, err)
	}
	p, err := e.GetParameter(ctx, "/lbl:prod", false)
	if err != nil || p.Value != "v1" || p.Selector != ":prod" {
		t.Fatalf("by label: %+v %v", p, err)
	}
	// Labeling without a version labels the current one, moving the label.
	if _, v, err = e.LabelParameterVersion(ctx, "/lbl", nil, []string{"prod"}); err != nil || v != 3 {
		t.Fatalf("move: %d %v", v, err)
	}
	p, _ = e.GetParameter(ctx, "/lbl:prod", false)
	if p.Value != "v3" {
		t.Fatalf("moved label points at %q", p.Value)
	}
	hist, _, _ := e.GetParameterHistory(ctx, "/lbl", false, 0, "")
	if fmt.Sprint(hist[0].Labels) != "[ok.v-1_x]" || fmt.Sprint(hist[2].Labels) != "[prod]" || len(hist[1].Labels) != 0 {
		t.Fatalf("history labels: %v %v %v", hist[0].Labels, hist[1].Labels, hist[2].Labels)
	}
	_, err = e.GetParameter(ctx, "/lbl:nolabel", false)
	wantErr(t, err, "ParameterNotFound", "")
	_, _, err = e.LabelParameterVersion(ctx, "/lbl", ptr(int64(7)), []string{"x"})
	wantErr(t, err, "ParameterVersionNotFound", "Systems Manager could not find version 7 of /lbl. Verify the version and try again.")
	_, _, err = e.LabelParameterVersion(ctx, "/none", nil, []string{"x"})
	wantErr(t, err, "ParameterNotFound", "")
	// Ten labels per version.
	var ten []string
	for i := 0; i < 9; i++ {
		ten = append(ten, fmt.Sprint("l", i))
	}
	if _, _, err := e.LabelParameterVersion(ctx, "/lbl", ptr(int64(2)), ten); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.LabelParameterVersion(ctx, "/lbl", ptr(int64(2)), []string{"tenth"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.LabelParameterVersion(ctx, "/lbl", ptr(int64(2)), []string{"eleventh"})
	wantErr(t, err, "ParameterVersionLabelLimitExceeded", msgLabelLimit)
	_, _, err = e.LabelParameterVersion(ctx, "/lbl", nil, []string{strings.Repeat("l", 101)})
	wantErr(t, err, "ValidationException", "*")
	removed, invalid, err := e.UnlabelParameterVersion(ctx, "/lbl", 3, []string{"prod", "nothere"})
	if err != nil || fmt.Sprint(removed) != "[prod]" || fmt.Sprint(invalid) != "[nothere]" {
		t.Fatalf("unlabel: %v %v %v", removed, invalid, err)
	}
	_, err = e.GetParameter(ctx, "/lbl:prod", false)
	wantErr(t, err, "ParameterNotFound", "")
}

func TestGetParametersAndDeleteParameters(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/g/a", Value: "a", Type: "String"})
	mustPut(t, e, PutParameterInput{Name: "/g/b", Value: "b", Type: "SecureString"})
	ps, invalid, err := e.GetParameters(ctx, []string{"/g/a", "/g/b", "/g/missing", "/g/a:5", "bad name", "/g/a"}, true)
	if err != nil || len(ps) != 2 || ps[0].Value != "a" || ps[1].Value != "b" || fmt.Sprint(invalid) != "[/g/missing /g/a:5 bad name]" {
		t.Fatalf("got %v %v %v", ps, invalid, err)
	}
	_, _, err = e.GetParameters(ctx, strings.Split("a,b,c,d,e,f,g,h,i,j,k", ","), false)
	wantErr(t, err, "ValidationException", "*")
	deleted, invalid, err := e.DeleteParameters(ctx, []string{"/g/a", "/g/zzz", "/g/b"})
	if err != nil || fmt.Sprint(deleted) != "[/g/a /g/b]" || fmt.Sprint(invalid) != "[/g/zzz]" {
		t.Fatalf("delete: %v %v %v", deleted, invalid, err)
	}
	if _, err := e.GetParameter(ctx, "/g/a", false); !ErrParameterNotFound.Is(err) {
		t.Fatalf("still there: %v", err)
	}
	wantErr(t, e.DeleteParameter(ctx, "/g/a"), "ParameterNotFound", "")
	// Recreating starts again at version 1 with no history.
	if v := mustPut(t, e, PutParameterInput{Name: "/g/a", Value: "again", Type: "String"}); v != 1 {
		t.Fatalf("version %d", v)
	}
}

func seedTree(t *testing.T, e *Engine) {
	for _, p := range []PutParameterInput{
		{Name: "/app/a", Value: "1", Type: "String", Tags: []Tag{{"env", "prod"}}},
		{Name: "/app/b", Value: "2", Type: "SecureString", KeyID: "alias/custom"},
		{Name: "/app/sub/c", Value: "3", Type: "StringList", Tags: []Tag{{"env", "dev"}}},
		{Name: "/app/sub/deep/d", Value: "4", Type: "String", Tier: TierAdvanced},
		{Name: "/other/e", Value: "5", Type: "String"},
		{Name: "top", Value: "6", Type: "String", Tags: []Tag{{"team", "x"}}},
		{Name: "/app2/f", Value: "7", Type: "String", DataType: DataTypeEC2Image},
	} {
		if p.DataType == DataTypeEC2Image {
			p.Value = "ami-12345678"
		}
		mustPut(t, e, p)
	}
}

func names(ps []*Parameter) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

func TestGetParametersByPath(t *testing.T) {
	e, _ := newTestEngine(t)
	seedTree(t, e)
	cases := []struct {
		in   ByPathInput
		want string
	}{
		{ByPathInput{Path: "/app"}, "/app/a,/app/b"},
		{ByPathInput{Path: "/app/"}, "/app/a,/app/b"},
		{ByPathInput{Path: "/app", Recursive: true}, "/app/a,/app/b,/app/sub/c,/app/sub/deep/d"},
		{ByPathInput{Path: "/"}, "top"},
		{ByPathInput{Path: "/", Recursive: true}, "/app/a,/app/b,/app/sub/c,/app/sub/deep/d,/app2/f,/other/e,top"},
		{ByPathInput{Path: "/app", Recursive: true, Filters: []StringFilter{{Key: "Type", Values: []string{"String"}}}}, "/app/a,/app/sub/deep/d"},
		{ByPathInput{Path: "/app", Recursive: true, Filters: []StringFilter{{Key: "tag:env", Values: []string{"dev"}}}}, "/app/sub/c"},
		{ByPathInput{Path: "/app", Recursive: true, Filters: []StringFilter{{Key: "tag:env"}}}, "/app/a,/app/sub/c"},
		{ByPathInput{Path: "/app", Recursive: true, Filters: []StringFilter{{Key: "KeyId", Values: []string{"alias/custom"}}}}, "/app/b"},
		{ByPathInput{Path: "/nothing"}, ""},
	}
	for _, c := range cases {
		ps, _, err := e.GetParametersByPath(ctx, c.in)
		if err != nil {
			t.Fatalf("%+v: %v", c.in, err)
		}
		if got := names(ps); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.in, got, c.want)
		}
	}
	// SecureString values come back encrypted unless asked.
	ps, _, _ := e.GetParametersByPath(ctx, ByPathInput{Path: "/app"})
	if ps[1].Value == "2" {
		t.Fatal("SecureString decrypted without WithDecryption")
	}
	ps, _, _ = e.GetParametersByPath(ctx, ByPathInput{Path: "/app", WithDecryption: true})
	if ps[1].Value != "2" {
		t.Fatalf("decrypted value %q", ps[1].Value)
	}
	// Pagination.
	var all []string
	tok := ""
	for pages := 0; ; pages++ {
		ps, next, err := e.GetParametersByPath(ctx, ByPathInput{Path: "/", Recursive: true, MaxResults: 2, NextToken: tok})
		if err != nil || pages > 10 {
			t.Fatal(err)
		}
		all = append(all, names(ps))
		if next == "" {
			break
		}
		tok = next
	}
	if strings.Join(all, "|") != "/app/a,/app/b|/app/sub/c,/app/sub/deep/d|/app2/f,/other/e|top" {
		t.Fatalf("pages %v", all)
	}
	// Label filter: the labeled version is returned.
	mustPut(t, e, PutParameterInput{Name: "/app/a", Value: "1b", Overwrite: true})
	e.LabelParameterVersion(ctx, "/app/a", ptr(int64(1)), []string{"stable"})
	ps, _, err := e.GetParametersByPath(ctx, ByPathInput{Path: "/app", Filters: []StringFilter{{Key: "Label", Values: []string{"stable"}}}})
	if err != nil || len(ps) != 1 || ps[0].Value != "1" || ps[0].Version != 1 {
		t.Fatalf("label filter: %+v %v", ps, err)
	}
	errCases := []struct {
		in        ByPathInput
		code, msg string
	}{
		{ByPathInput{Path: "/app", MaxResults: 11}, "ValidationException",
			"1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10"},
		{ByPathInput{Path: "app"}, "ValidationException", msgPathRule},
		{ByPathInput{Path: "/a//b"}, "ValidationException", msgPathRule},
		{ByPathInput{Path: "/app", Filters: []StringFilter{{Key: "Name", Values: []string{"x"}}}}, "InvalidFilterKey",
			"The following filter key is not valid: Name. Valid filter keys include: [Type, KeyId]."},
		{ByPathInput{Path: "/app", Filters: []StringFilter{{Key: "Type", Values: []string{"Bogus"}}}}, "InvalidFilterValue", "*"},
		{ByPathInput{Path: "/app", Filters: []StringFilter{{Key: "Type", Option: "Contains", Values: []string{"String"}}}}, "InvalidFilterOption",
			"The following filter option is not valid: Contains. Valid options include: [BeginsWith, Equals]."},
		{ByPathInput{Path: "/app", NextToken: "garbage"}, "InvalidNextToken", msgInvalidNextToken},
	}
	for _, c := range errCases {
		_, _, err := e.GetParametersByPath(ctx, c.in)
		wantErr(t, err, c.code, c.msg)
	}
}

func TestDescribeParameters(t *testing.T) {
	e, _ := newTestEngine(t)
	seedTree(t, e)
	pf := func(fs ...StringFilter) DescribeInput { return DescribeInput{ParameterFilters: fs, MaxResults: 50} }
	cases := []struct {
		in   DescribeInput
		want string
	}{
		{DescribeInput{MaxResults: 50}, "/app/a,/app/b,/app/sub/c,/app/sub/deep/d,/app2/f,/other/e,top"},
		{pf(StringFilter{Key: "Name", Values: []string{"/app/a"}}), "/app/a"},
		{pf(StringFilter{Key: "Name", Values: []string{"top"}}), "top"},
		{pf(StringFilter{Key: "Name", Values: []string{"/top"}}), "top"},
		{pf(StringFilter{Key: "Name", Option: "BeginsWith", Values: []string{"/app/s"}}), "/app/sub/c,/app/sub/deep/d"},
		{pf(StringFilter{Key: "Name", Option: "Contains", Values: []string{"deep"}}), "/app/sub/deep/d"},
		{pf(StringFilter{Key: "Type", Values: []string{"SecureString", "StringList"}}), "/app/b,/app/sub/c"},
		{pf(StringFilter{Key: "KeyId", Values: []string{"alias/custom"}}), "/app/b"},
		{pf(StringFilter{Key: "Path", Values: []string{"/app"}}), "/app/a,/app/b"},
		{pf(StringFilter{Key: "Path", Option: "Recursive", Values: []string{"/app"}}), "/app/a,/app/b,/app/sub/c,/app/sub/deep/d"},
		{pf(StringFilter{Key: "Path", Values: []string{"/"}}), "top"},
		{pf(StringFilter{Key: "Tier", Values: []string{"Advanced"}}), "/app/sub/deep/d"},
		{pf(StringFilter{Key: "DataType", Values: []string{"aws:ec2:image"}}), "/app2/f"},
		{pf(StringFilter{Key: "tag:env", Values: []string{"prod"}}), "/app/a"},
		{pf(StringFilter{Key: "tag:team"}), "top"},
		{pf(StringFilter{Key: "tag:env", Option: "BeginsWith", Values: []string{"d"}}), "/app/sub/c"},
		{pf(StringFilter{Key: "Path", Option: "Recursive", Values: []string{"/app"}}, StringFilter{Key: "Type", Values: []string{"String"}}), "/app/a,/app/sub/deep/d"},
		{DescribeInput{Filters: []LegacyFilter{{Key: "Name", Values: []string{"/app/s"}}}}, "/app/sub/c,/app/sub/deep/d"},
		{DescribeInput{Filters: []LegacyFilter{{Key: "Type", Values: []string{"SecureString"}}}}, "/app/b"},
		{DescribeInput{Filters: []LegacyFilter{{Key: "KeyId", Values: []string{"alias/custom"}}}}, "/app/b"},
	}
	for _, c := range cases {
		ps, _, err := e.DescribeParameters(ctx, c.in)
		if err != nil {
			t.Fatalf("%+v: %v", c.in, err)
		}
		if got := names(ps); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.in, got, c.want)
		}
	}
	ps, _, _ := e.DescribeParameters(ctx, pf(StringFilter{Key: "Name", Values: []string{"/app/b"}}))
	if ps[0].Value != "" || ps[0].KeyID != "alias/custom" || ps[0].LastModifiedUser != "arn:aws:iam::123456789012:root" || ps[0].ARN == "" {
		t.Fatalf("metadata %+v", ps[0])
	}
	// Pagination with a filter.
	var pages []string
	tok := ""
	for {
		ps, next, err := e.DescribeParameters(ctx, DescribeInput{ParameterFilters: []StringFilter{{Key: "Type", Values: []string{"String"}}}, MaxResults: 2, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(ps))
		if next == "" {
			break
		}
		tok = next
	}
	if strings.Join(pages, "|") != "/app/a,/app/sub/deep/d|/app2/f,/other/e|top" {
		t.Fatalf("pages %v", pages)
	}
	errCases := []struct {
		in        DescribeInput
		code, msg string
	}{
		{DescribeInput{MaxResults: 51}, "ValidationException",
			"1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"},
		{DescribeInput{Filters: []LegacyFilter{{Key: "Name", Values: []string{"x"}}}, ParameterFilters: []StringFilter{{Key: "Name", Values: []string{"x"}}}}, "ValidationException", msgEitherFilters},
		{pf(StringFilter{Key: "Bogus", Values: []string{"x"}}), "ValidationException",
			"1 validation error detected: Value 'Bogus' at 'parameterFilters.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType"},
		{pf(StringFilter{Key: "Label", Values: []string{"x"}}), "InvalidFilterKey",
			"The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier]."},
		{pf(StringFilter{Key: "Name"}), "InvalidFilterValue", "The following filter values are missing : null for filter key Name."},
		{pf(StringFilter{Key: "Name", Values: []string{"a"}}, StringFilter{Key: "Name", Values: []string{"b"}}), "InvalidFilterKey",
			"The following filter is duplicated in the request: Name. A request can contain only one occurrence of a specific filter."},
		{pf(StringFilter{Key: "Path", Option: "Deep", Values: []string{"/a"}}), "InvalidFilterOption",
			"The following filter option is not valid: Deep. Valid options include: [Recursive, OneLevel]."},
		{pf(StringFilter{Key: "Path", Values: []string{"/aws/x"}}), "ValidationException", "*"},
		{pf(StringFilter{Key: "Path", Values: []string{"no-slash"}}), "ValidationException", msgPathRule},
		{pf(StringFilter{Key: "Tier", Values: []string{"Gold"}}), "InvalidFilterValue", "*"},
		{pf(StringFilter{Key: "Type", Option: "Contains", Values: []string{"String"}}), "InvalidFilterOption", "*"},
		{DescribeInput{NextToken: "bm9wZQ"}, "InvalidNextToken", msgInvalidNextToken},
	}
	for _, c := range errCases {
		_, _, err := e.DescribeParameters(ctx, c.in)
		wantErr(t, err, c.code, c.msg)
	}
}

func TestHistory(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/h", Value: "s1", Type: TypeSecureString, Description: "d1"})
	mustPut(t, e, PutParameterInput{Name: "/h", Value: "s2", Overwrite: true, Description: "d2"})
	mustPut(t, e, PutParameterInput{Name: "/h", Value: "s3", Overwrite: true})
	hist, next, err := e.GetParameterHistory(ctx, "/h", true, 2, "")
	if err != nil || len(hist) != 2 || next == "" || hist[0].Value != "s1" || hist[1].Description != "d2" || hist[0].KeyID != DefaultKeyID {
		t.Fatalf("page 1: %+v %q %v", hist, next, err)
	}
	hist, next, err = e.GetParameterHistory(ctx, "/h", false, 2, next)
	if err != nil || len(hist) != 1 || next != "" || hist[0].Version != 3 || hist[0].Value == "s3" || hist[0].Description != "d2" {
		t.Fatalf("page 2: %+v %q %v", hist, next, err)
	}
	_, _, err = e.GetParameterHistory(ctx, "/nope", false, 0, "")
	wantErr(t, err, "ParameterNotFound", "")
	_, _, err = e.GetParameterHistory(ctx, "/h", false, 51, "")
	wantErr(t, err, "ValidationException", "*")
}

func TestTags(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/t", Value: "v", Type: "String", Tags: []Tag{{"b", "2"}, {"a", "1"}}})
	if err := e.AddTagsToResource(ctx, "Parameter", "/t", []Tag{{"c", "3"}, {"a", "one"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveTagsFromResource(ctx, "Parameter", "/t", []string{"b", "zzz"}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.ListTagsForResource(ctx, "Parameter", "/t")
	if err != nil || fmt.Sprint(tags) != "[{a one} {c 3}]" {
		t.Fatalf("tags %v %v", tags, err)
	}
	wantErr(t, e.AddTagsToResource(ctx, "Parameter", "/missing", []Tag{{"a", "b"}}), "InvalidResourceId", "*")
	wantErr(t, e.AddTagsToResource(ctx, "Document", "/t", []Tag{{"a", "b"}}), "InvalidResourceId", "*")
	wantErr(t, e.AddTagsToResource(ctx, "Widget", "/t", []Tag{{"a", "b"}}), "ValidationException", "*")
	wantErr(t, e.AddTagsToResource(ctx, "Parameter", "/t", manyTags(49)), "TooManyTagsError", msgTooManyTags)
	if _, err := e.ListTagsForResource(ctx, "Parameter", "/missing"); !errInvalidResourceID.Is(err) {
		t.Fatalf("got %v", err)
	}
}

// TestConcurrentPutGet hammers one parameter with writers and readers (run
// with -race): every read must see a consistent version (value matches
// version) that never goes backwards for a reader, and after a write
// returns, reads see at least that version.
func TestConcurrentPutGet(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, PutParameterInput{Name: "/hot", Value: "1", Type: "String"})
	mustPut(t, e, PutParameterInput{Name: "/hot-secure", Value: "1", Type: "SecureString"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var written int64 = 1
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				mu.Lock()
				v, err := e.PutParameter(ctx, PutParameterInput{Name: "/hot", Value: fmt.Sprint(written + 1), Overwrite: true})
				if err == nil {
					written = v
				}
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				p, err := e.GetParameter(ctx, "/hot", false)
				if err != nil || p.Version < v {
					t.Errorf("read after write: %+v < %d (%v)", p, v, err)
					return
				}
				if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/hot-secure", Value: fmt.Sprint("s", i), Overwrite: true}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, err := e.GetParameter(ctx, "/hot", false)
				if err != nil {
					t.Error(err)
					return
				}
				if p.Value != fmt.Sprint(p.Version) || p.Version < last {
					t.Errorf("inconsistent read: value %s version %d (last %d)", p.Value, p.Version, last)
					return
				}
				last = p.Version
				if _, err := e.GetParameter(ctx, "/hot-secure", true); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// Let writers finish, then stop readers.
	doneWriters := make(chan struct{})
	go func() {
		for {
			mu.Lock()
			w := written
			mu.Unlock()
			if w >= 1+120 {
				close(doneWriters)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	select {
	case <-doneWriters:
	case <-time.After(30 * time.Second):
		t.Error("writers did not finish")
	}
	close(stop)
	wg.Wait()
	p, _ := e.GetParameter(ctx, "/hot", false)
	if p.Version != 121 || p.Value != "121" {
		t.Fatalf("final %+v", p)
	}
}
