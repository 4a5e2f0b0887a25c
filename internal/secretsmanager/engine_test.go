package secretsmanager

import (
	"bytes"
	"context"
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

var ctx = awsctx.With(context.Background(), awsctx.Scope{AccountID: acct, Region: region, Principal: "arn:aws:iam::" + acct + ":root"})

func testSealer(t testing.TB) *seal.Sealer {
	s, err := seal.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestEngine(t testing.TB) *Engine { return New(store.NewMemory(), testSealer(t)) }

func str(s string) *string { return &s }

func token(n int) string { return fmt.Sprintf("%032d", n) }

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

func mustCreate(t *testing.T, e *Engine, name, value string) *SecretRef {
	t.Helper()
	r, err := e.CreateSecret(ctx, CreateSecretInput{Name: name, SecretString: str(value), ClientRequestToken: newVersionID()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func stagesOf(t *testing.T, e *Engine, id string) string {
	t.Helper()
	s, err := e.DescribeSecret(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	_, versions, _, err := e.ListSecretVersionIDs(ctx, id, 0, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, v := range versions {
		parts = append(parts, fmt.Sprintf("%s=%s", v.VersionID[:4], strings.Join(v.VersionStages, "+")))
		if got, want := strings.Join(s.VersionIDsToStages[v.VersionID], "+"), strings.Join(v.VersionStages, "+"); got != want {
			t.Fatalf("describe and list disagree on %s: %s vs %s", v.VersionID, got, want)
		}
	}
	return strings.Join(parts, " ")
}

func TestCreateAndGet(t *testing.T) {
	e := newTestEngine(t)
	ref, err := e.CreateSecret(ctx, CreateSecretInput{Name: "app/db", SecretString: str(`{"password":"x"}`), ClientRequestToken: token(1),
		Description: "db creds", Tags: []Tag{{"team", "web"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref.ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-") || len(ref.ARN) != len("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-")+6 ||
		ref.Name != "app/db" || ref.VersionID != token(1) {
		t.Fatalf("create: %+v", ref)
	}
	for _, id := range []string{"app/db", ref.ARN, ref.ARN[:len(ref.ARN)-7]} {
		v, err := e.GetSecretValue(ctx, id, "", "")
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if v.SecretString != `{"password":"x"}` || v.VersionID != token(1) || fmt.Sprint(v.VersionStages) != "[AWSCURRENT]" || v.ARN != ref.ARN || v.CreatedDate.IsZero() {
			t.Fatalf("%s: %+v", id, v)
		}
	}
	for _, id := range []string{"nope", ref.ARN + "x", "arn:aws:secretsmanager:us-east-1:999999999999:secret:app/db", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db"} {
		_, err := e.GetSecretValue(ctx, id, "", "")
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	// Binary secrets.
	bin := []byte{0, 1, 2, 0xff}
	if _, err := e.CreateSecret(ctx, CreateSecretInput{Name: "bin", SecretBinary: bin, ClientRequestToken: token(2)}); err != nil {
		t.Fatal(err)
	}
	v, err := e.GetSecretValue(ctx, "bin", "", "")
	if err != nil || !bytes.Equal(v.SecretBinary, bin) || v.SecretString != "" {
		t.Fatalf("binary: %+v %v", v, err)
	}
	// Describe records access with day precision.
	d, _ := e.DescribeSecret(ctx, "app/db")
	if d.LastAccessedDate.IsZero() || !d.LastAccessedDate.Equal(d.LastAccessedDate.Truncate(24*time.Hour)) || d.Description != "db creds" ||
		fmt.Sprint(d.Tags) != "[{team web}]" || d.KmsKeyID != "" {
		t.Fatalf("describe: %+v", d)
	}
}

func TestCreateValidationAndIdempotency(t *testing.T) {
	e := newTestEngine(t)
	ref := mustCreate(t, e, "exists", "v1")
	_ = ref
	cases := []struct {
		name      string
		in        CreateSecretInput
		code, msg string
	}{
		{"bad name", CreateSecretInput{Name: "Inv Name"}, "ValidationException", msgInvalidName},
		{"bad name chars", CreateSecretInput{Name: "a*b?"}, "ValidationException", msgInvalidName},
		{"empty name", CreateSecretInput{Name: ""}, "ValidationException", "*"},
		{"long name", CreateSecretInput{Name: strings.Repeat("n", 513)}, "ValidationException", "*"},
		{"no token", CreateSecretInput{Name: "x", SecretString: str("v")}, "InvalidRequestException", msgTokenRequired},
		{"short token", CreateSecretInput{Name: "x", SecretString: str("v"), ClientRequestToken: "short"}, "ValidationException",
			"1 validation error detected: Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{"both values", CreateSecretInput{Name: "x", SecretString: str("v"), SecretBinary: []byte("b"), ClientRequestToken: token(1)}, "InvalidParameterException", msgBothValues},
		{"empty string", CreateSecretInput{Name: "x", SecretString: str(""), ClientRequestToken: token(1)}, "ValidationException", "*"},
		{"too big", CreateSecretInput{Name: "x", SecretString: str(strings.Repeat("x", 65537)), ClientRequestToken: token(1)}, "ValidationException", "*"},
		{"replicas", CreateSecretInput{Name: "x", AddReplicaRegions: 1}, "InvalidParameterException", msgReplicasUnsupported},
		{"exists", CreateSecretInput{Name: "exists", SecretString: str("v"), ClientRequestToken: token(9)}, "ResourceExistsException",
			"The operation failed because the secret exists already exists."},
		{"description", CreateSecretInput{Name: "x", Description: strings.Repeat("d", 2049)}, "ValidationException", "*"},
		{"tag key", CreateSecretInput{Name: "x", Tags: []Tag{{"", "v"}}}, "ValidationException", "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.CreateSecret(ctx, c.in)
			wantErr(t, err, c.code, c.msg)
		})
	}
	// Same token, same value: a no-op returning the secret.
	in := CreateSecretInput{Name: "idem", SecretString: str("v"), ClientRequestToken: token(5)}
	a, err := e.CreateSecret(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.CreateSecret(ctx, in)
	if err != nil || a.ARN != b.ARN || a.VersionID != b.VersionID {
		t.Fatalf("retry: %+v %+v %v", a, b, err)
	}
	// Same token, other value.
	in.SecretString = str("other")
	_, err = e.CreateSecret(ctx, in)
	wantErr(t, err, "ResourceExistsException", fmt.Sprintf("You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", token(5), a.ARN))
	// A secret without a value has no version.
	empty, err := e.CreateSecret(ctx, CreateSecretInput{Name: "empty"})
	if err != nil || empty.VersionID != "" {
		t.Fatalf("empty: %+v %v", empty, err)
	}
	_, err = e.GetSecretValue(ctx, "empty", "", "")
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
	d, _ := e.DescribeSecret(ctx, "empty")
	if d.VersionIDsToStages != nil || d.Tags != nil {
		t.Fatalf("empty describe: %+v", d)
	}
	// Its first PutSecretValue becomes AWSCURRENT even with other labels.
	p, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "empty", SecretString: str("first"), ClientRequestToken: token(6), VersionStages: []string{"custom"}})
	if err != nil || fmt.Sprint(p.VersionStages) != "[AWSCURRENT custom]" {
		t.Fatalf("first put: %+v %v", p, err)
	}
}

func TestPutSecretValueStages(t *testing.T) {
	e := newTestEngine(t)
	c := mustCreate(t, e, "s", "v0")
	v0 := c.VersionID
	p1, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("v1"), ClientRequestToken: token(1)})
	if err != nil || fmt.Sprint(p1.VersionStages) != "[AWSCURRENT]" {
		t.Fatalf("put: %+v %v", p1, err)
	}
	if got := stagesOf(t, e, "s"); got != v0[:4]+"=AWSPREVIOUS 0000=AWSCURRENT" {
		t.Fatalf("after put 1: %s", got)
	}
	p2, _ := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("v2"), ClientRequestToken: token(2)})
	// v0 is now deprecated (no labels): listed only with IncludeDeprecated.
	_, vs, _, _ := e.ListSecretVersionIDs(ctx, "s", 0, "", false)
	if len(vs) != 2 {
		t.Fatalf("non-deprecated versions: %+v", vs)
	}
	prev, err := e.GetSecretValue(ctx, "s", "", StagePrevious)
	if err != nil || prev.SecretString != "v1" {
		t.Fatalf("previous: %+v %v", prev, err)
	}
	old, err := e.GetSecretValue(ctx, "s", v0, "")
	if err != nil || old.SecretString != "v0" || len(old.VersionStages) != 0 {
		t.Fatalf("deprecated by id: %+v %v", old, err)
	}
	// Custom labels move between versions; AWSCURRENT stays.
	p3, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("v3"), ClientRequestToken: token(3), VersionStages: []string{"two", "one"}})
	if err != nil || fmt.Sprint(p3.VersionStages) != "[one two]" {
		t.Fatalf("custom: %+v %v", p3, err)
	}
	p4, _ := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("v4"), ClientRequestToken: token(4), VersionStages: []string{"one", "AWSPENDING"}})
	if got := stagesOf(t, e, "s"); got != v0[:4]+"= 0000=AWSPREVIOUS 0000=AWSCURRENT 0000=two 0000=AWSPENDING+one" {
		t.Fatalf("after custom: %s", got)
	}
	cur, _ := e.GetSecretValue(ctx, "s", "", "")
	if cur.VersionID != p2.VersionID {
		t.Fatalf("current moved to %s", cur.VersionID)
	}
	pend, _ := e.GetSecretValue(ctx, "s", "", StagePending)
	if pend.VersionID != p4.VersionID || pend.SecretString != "v4" {
		t.Fatalf("pending: %+v", pend)
	}
	// Idempotent retry, and a conflicting reuse of the token.
	again, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("v4"), ClientRequestToken: token(4)})
	if err != nil || again.VersionID != token(4) || fmt.Sprint(again.VersionStages) != "[AWSPENDING one]" {
		t.Fatalf("retry: %+v %v", again, err)
	}
	_, err = e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("different"), ClientRequestToken: token(4)})
	wantErr(t, err, "ResourceExistsException", "*")
	// Errors.
	_, err = e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", ClientRequestToken: token(8)})
	wantErr(t, err, "InvalidRequestException", msgNeedValue)
	_, err = e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "s", SecretString: str("x")})
	wantErr(t, err, "InvalidRequestException", msgTokenRequired)
	_, err = e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "nope", SecretString: str("x"), ClientRequestToken: token(9)})
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
	// GetSecretValue selection errors.
	_, err = e.GetSecretValue(ctx, "s", token(1), StageCurrent)
	wantErr(t, err, "InvalidRequestException", msgStageMismatch)
	_, err = e.GetSecretValue(ctx, "s", "00000000-0000-0000-0000-000000000000", "")
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: 00000000-0000-0000-0000-000000000000")
	_, err = e.GetSecretValue(ctx, "s", "", "nolabel")
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: nolabel")
}

func TestDeprecatedVersionLimit(t *testing.T) {
	e := newTestEngine(t)
	mustCreate(t, e, "many", "v")
	for i := 0; i < 110; i++ {
		if _, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "many", SecretString: str(fmt.Sprint(i)), ClientRequestToken: token(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// 111 versions: the 2 labeled ones and the newest 100 deprecated ones
	// are kept.
	s, _ := e.DescribeSecret(ctx, "many")
	_, vs, _, _ := e.ListSecretVersionIDs(ctx, "many", 0, "", true)
	if len(s.VersionIDsToStages) != 2 || vs[0].VersionID != token(8) {
		t.Fatalf("oldest kept %s; labeled %v", vs[0].VersionID, s.VersionIDsToStages)
	}
	// Pagination.
	_, page, next, err := e.ListSecretVersionIDs(ctx, "many", 100, "", true)
	if err != nil || len(page) != 100 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	_, page, next, err = e.ListSecretVersionIDs(ctx, "many", 100, next, true)
	if err != nil || len(page) != 2 || next != "" {
		t.Fatalf("page 2: %d %q %v", len(page), next, err)
	}
}

func TestUpdateSecret(t *testing.T) {
	e := newTestEngine(t)
	c := mustCreate(t, e, "u", "v0")
	r, err := e.UpdateSecret(ctx, UpdateSecretInput{SecretID: "u", Description: str("new desc"), KmsKeyID: str("alias/custom")})
	if err != nil || r.VersionID != "" {
		t.Fatalf("metadata: %+v %v", r, err)
	}
	r, err = e.UpdateSecret(ctx, UpdateSecretInput{SecretID: c.ARN, SecretString: str("v1"), ClientRequestToken: token(1)})
	if err != nil || r.VersionID != token(1) {
		t.Fatalf("value: %+v %v", r, err)
	}
	d, _ := e.DescribeSecret(ctx, "u")
	if d.Description != "new desc" || d.KmsKeyID != "alias/custom" || fmt.Sprint(d.VersionIDsToStages[c.VersionID]) != "[AWSPREVIOUS]" {
		t.Fatalf("describe: %+v", d)
	}
	_, vs, _, _ := e.ListSecretVersionIDs(ctx, "u", 0, "", false)
	if fmt.Sprint(vs[1].KmsKeyIDs) != "[alias/custom]" || fmt.Sprint(vs[0].KmsKeyIDs) != "[DefaultEncryptionKey]" {
		t.Fatalf("kms ids: %+v", vs)
	}
	_, err = e.UpdateSecret(ctx, UpdateSecretInput{SecretID: "u", SecretString: str("x")})
	wantErr(t, err, "InvalidRequestException", msgTokenRequired)
	_, err = e.UpdateSecret(ctx, UpdateSecretInput{SecretID: "u", SecretString: str("x"), SecretBinary: []byte("y"), ClientRequestToken: token(3)})
	wantErr(t, err, "InvalidParameterException", msgBothValues)
}

func TestUpdateSecretVersionStage(t *testing.T) {
	e := newTestEngine(t)
	c := mustCreate(t, e, "st", "v0")
	v0 := c.VersionID
	p, _ := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "st", SecretString: str("v1"), ClientRequestToken: token(1), VersionStages: []string{StagePending}})
	_, err := e.UpdateSecretVersionStage(ctx, "st", StageCurrent, "", p.VersionID)
	wantErr(t, err, "InvalidParameterException", fmt.Sprintf("The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version %s, "+
		"so you must explicitly reference that version in RemoveFromVersionId.", v0))
	if _, err := e.UpdateSecretVersionStage(ctx, "st", StageCurrent, v0, p.VersionID); err != nil {
		t.Fatal(err)
	}
	if got := stagesOf(t, e, "st"); got != v0[:4]+"=AWSPREVIOUS 0000=AWSCURRENT+AWSPENDING" {
		t.Fatalf("after move: %s", got)
	}
	v, _ := e.GetSecretValue(ctx, "st", "", "")
	if v.SecretString != "v1" {
		t.Fatalf("current value %q", v.SecretString)
	}
	// Remove a label only.
	if _, err := e.UpdateSecretVersionStage(ctx, "st", StagePending, p.VersionID, ""); err != nil {
		t.Fatal(err)
	}
	// Attach a custom label to a version that has none elsewhere.
	if _, err := e.UpdateSecretVersionStage(ctx, "st", "blue", "", v0); err != nil {
		t.Fatal(err)
	}
	if got := stagesOf(t, e, "st"); got != v0[:4]+"=AWSPREVIOUS+blue 0000=AWSCURRENT" {
		t.Fatalf("after labels: %s", got)
	}
	_, err = e.UpdateSecretVersionStage(ctx, "st", "blue", p.VersionID, "")
	wantErr(t, err, "InvalidParameterException", "*")
	_, err = e.UpdateSecretVersionStage(ctx, "st", "blue", "", "nope-version-id-0000000000000000000")
	wantErr(t, err, "InvalidParameterException", "*")
	_, err = e.UpdateSecretVersionStage(ctx, "st", StageCurrent, p.VersionID, "")
	wantErr(t, err, "InvalidParameterException", "*")
}

func TestDeleteRestore(t *testing.T) {
	e := newTestEngine(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return now }
	c := mustCreate(t, e, "d", "v")
	_, _, err := e.DeleteSecret(ctx, "d", ptr(int64(7)), true)
	wantErr(t, err, "InvalidParameterException", msgWindowAndForce)
	_, _, err = e.DeleteSecret(ctx, "d", ptr(int64(6)), false)
	wantErr(t, err, "InvalidParameterException", msgWindowRange)
	_, _, err = e.DeleteSecret(ctx, "d", ptr(int64(31)), false)
	wantErr(t, err, "InvalidParameterException", msgWindowRange)
	ref, when, err := e.DeleteSecret(ctx, "d", nil, false)
	if err != nil || ref.ARN != c.ARN || !when.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("delete: %+v %v %v", ref, when, err)
	}
	// Marked for deletion: unusable, but visible to Describe and to
	// ListSecrets with IncludePlannedDeletion.
	_, err = e.GetSecretValue(ctx, "d", "", "")
	wantErr(t, err, "InvalidRequestException", msgMarkedForDeletion)
	_, err = e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "d", SecretString: str("x"), ClientRequestToken: token(1)})
	wantErr(t, err, "InvalidRequestException", msgMarkedForDeletion)
	wantErr(t, e.TagResource(ctx, "d", []Tag{{"a", "b"}}), "InvalidRequestException", msgMarkedForDeletion)
	_, err = e.UpdateSecret(ctx, UpdateSecretInput{SecretID: "d", Description: str("x")})
	wantErr(t, err, "InvalidRequestException", msgMarkedForDeletion)
	_, _, err = e.DeleteSecret(ctx, "d", nil, false)
	wantErr(t, err, "InvalidRequestException", msgAlreadyDeleted)
	_, err = e.CreateSecret(ctx, CreateSecretInput{Name: "d"})
	wantErr(t, err, "InvalidRequestException", msgScheduledForDelete)
	d, err := e.DescribeSecret(ctx, "d")
	if err != nil || !d.DeletedDate.Equal(now) {
		t.Fatalf("describe deleted: %+v %v", d, err)
	}
	list, _, _ := e.ListSecrets(ctx, ListSecretsInput{})
	if len(list) != 0 {
		t.Fatalf("listed: %+v", list)
	}
	list, _, _ = e.ListSecrets(ctx, ListSecretsInput{IncludePlannedDeletion: true})
	if len(list) != 1 || list[0].DeletedDate.IsZero() {
		t.Fatalf("listed with planned deletion: %+v", list)
	}
	if _, err := e.RestoreSecret(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if v, err := e.GetSecretValue(ctx, "d", "", ""); err != nil || v.SecretString != "v" {
		t.Fatalf("restored: %+v %v", v, err)
	}
	// Once the window passes, the secret is gone and its name is free.
	e.DeleteSecret(ctx, "d", ptr(int64(7)), false)
	now = now.Add(7*24*time.Hour + time.Second)
	_, err = e.DescribeSecret(ctx, "d")
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
	if _, err := e.CreateSecret(ctx, CreateSecretInput{Name: "d"}); err != nil {
		t.Fatal(err)
	}
	// Force delete is immediate, also for a secret marked for deletion.
	e.DeleteSecret(ctx, "d", nil, false)
	if _, _, err := e.DeleteSecret(ctx, "d", nil, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribeSecret(ctx, "d")
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
	_, _, err = e.DeleteSecret(ctx, "d", nil, true)
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
}

func ptr[T any](v T) *T { return &v }

func TestTags(t *testing.T) {
	e := newTestEngine(t)
	mustCreate(t, e, "t", "v")
	d, _ := e.DescribeSecret(ctx, "t")
	if d.Tags != nil {
		t.Fatalf("untagged secret has Tags %v", d.Tags)
	}
	e.TagResource(ctx, "t", []Tag{{"tag1", "value1"}})
	e.TagResource(ctx, "t", []Tag{{"tag2", "value2"}, {"tag1", "one"}})
	d, _ = e.DescribeSecret(ctx, "t")
	if fmt.Sprint(d.Tags) != "[{tag1 one} {tag2 value2}]" {
		t.Fatalf("tags %v", d.Tags)
	}
	e.UntagResource(ctx, "t", []string{"tag1", "tag2"})
	d, _ = e.DescribeSecret(ctx, "t")
	if d.Tags == nil || len(d.Tags) != 0 {
		t.Fatalf("after untag all: %#v", d.Tags)
	}
	wantErr(t, e.TagResource(ctx, "none", []Tag{{"a", "b"}}), "ResourceNotFoundException", msgNotFound)
}

func TestListSecretsFilters(t *testing.T) {
	e := newTestEngine(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	e.now = func() time.Time { i++; return base.Add(time.Duration(i) * time.Minute) }
	for _, s := range []struct{ name, desc, tk, tv string }{
		{"testing1/one", "a secret", "env", "prod"},
		{"/testing2/two", "an secret", "env", "dev"},
		{"testing3/three", "asecret", "team", "web"},
		{"/testing4/four", "thesecret", "", ""},
	} {
		in := CreateSecretInput{Name: s.name, Description: s.desc}
		if s.tk != "" {
			in.Tags = []Tag{{s.tk, s.tv}}
		}
		if _, err := e.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	names := func(fs ...Filter) string {
		list, _, err := e.ListSecrets(ctx, ListSecretsInput{Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		filters []Filter
		want    string
	}{
		{nil, "testing1/one,/testing2/two,testing3/three,/testing4/four"},
		{[]Filter{{"name", []string{"/"}}}, "/testing2/two,/testing4/four"},
		{[]Filter{{"name", []string{"!/"}}}, "testing1/one,testing3/three"},
		{[]Filter{{"name", []string{"testing1 one"}}}, ""},
		{[]Filter{{"name", []string{"Testing1"}}}, ""},
		{[]Filter{{"description", []string{"a"}}}, "testing1/one,/testing2/two,testing3/three"},
		{[]Filter{{"description", []string{"!a"}}}, "/testing4/four"},
		{[]Filter{{"description", []string{"A SECRET"}}}, "testing1/one,/testing2/two"},
		{[]Filter{{"description", []string{"!c"}}}, "testing1/one,/testing2/two,testing3/three,/testing4/four"},
		{[]Filter{{"description", []string{"a"}}, {"name", []string{"secret"}}}, ""},
		{[]Filter{{"tag-key", []string{"env"}}}, "testing1/one,/testing2/two"},
		{[]Filter{{"tag-value", []string{"pro", "we"}}}, "testing1/one,testing3/three"},
		{[]Filter{{"all", []string{"prod"}}}, "testing1/one"},
		{[]Filter{{"all", []string{"four"}}}, "/testing4/four"},
		{[]Filter{{"primary-region", []string{"us-east-1"}}}, ""},
	}
	for _, c := range cases {
		if got := names(c.filters...); got != c.want {
			t.Errorf("%v: got %s, want %s", c.filters, got, c.want)
		}
	}
	list, _, _ := e.ListSecrets(ctx, ListSecretsInput{SortOrder: "desc"})
	if list[0].Name != "/testing4/four" {
		t.Fatalf("desc: %s", list[0].Name)
	}
	list, _, _ = e.ListSecrets(ctx, ListSecretsInput{SortBy: "name"})
	if list[0].Name != "/testing2/two" {
		t.Fatalf("by name: %s", list[0].Name)
	}
	var pages []string
	tok := ""
	for {
		list, next, err := e.ListSecrets(ctx, ListSecretsInput{MaxResults: 3, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, fmt.Sprint(len(list)))
		if next == "" {
			break
		}
		tok = next
	}
	if strings.Join(pages, ",") != "3,1" {
		t.Fatalf("pages %v", pages)
	}
	_, _, err := e.ListSecrets(ctx, ListSecretsInput{Filters: []Filter{{"bogus", []string{"x"}}}})
	wantErr(t, err, "ValidationException", "*")
	_, _, err = e.ListSecrets(ctx, ListSecretsInput{MaxResults: 101})
	wantErr(t, err, "ValidationException", "*")
	_, _, err = e.ListSecrets(ctx, ListSecretsInput{NextToken: "garbage"})
	wantErr(t, err, "InvalidNextTokenException", msgInvalidNextToken)
}

func TestBatchGetSecretValue(t *testing.T) {
	e := newTestEngine(t)
	mustCreate(t, e, "b1", "one")
	mustCreate(t, e, "b2", "two")
	mustCreate(t, e, "other", "three")
	e.DeleteSecret(ctx, "other", nil, false)
	vals, errs, _, err := e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{SecretIDList: []string{"b1", "missing", "b2", "other"}})
	if err != nil || len(vals) != 2 || vals[1].SecretString != "two" || len(errs) != 2 ||
		errs[0].ErrorCode != "ResourceNotFoundException" || errs[1].ErrorCode != "InvalidRequestException" || errs[1].Message != msgMarkedForDeletion {
		t.Fatalf("by ids: %+v %+v %v", vals, errs, err)
	}
	vals, _, next, err := e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{Filters: []Filter{{"name", []string{"b"}}}, MaxResults: 1})
	if err != nil || len(vals) != 1 || next == "" {
		t.Fatalf("filters page 1: %+v %q %v", vals, next, err)
	}
	vals, _, next, err = e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{Filters: []Filter{{"name", []string{"b"}}}, MaxResults: 1, NextToken: next})
	if err != nil || len(vals) != 1 || vals[0].Name != "b2" || next != "" {
		t.Fatalf("filters page 2: %+v %q %v", vals, next, err)
	}
	_, _, _, err = e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{SecretIDList: []string{"b1"}, Filters: []Filter{{"name", []string{"b"}}}})
	wantErr(t, err, "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	_, _, _, err = e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{SecretIDList: []string{"b1"}, MaxResults: 5})
	wantErr(t, err, "InvalidParameterException", "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
}

func TestGetRandomPassword(t *testing.T) {
	pw, err := GetRandomPassword(PasswordOptions{})
	if err != nil || len(pw) != 32 {
		t.Fatalf("default: %q %v", pw, err)
	}
	for i := 0; i < 50; i++ {
		pw, err := GetRandomPassword(PasswordOptions{PasswordLength: 4})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.ContainsAny(pw, lowerChars) || !strings.ContainsAny(pw, upperChars) || !strings.ContainsAny(pw, digitChars) || !strings.ContainsAny(pw, punctChars) {
			t.Fatalf("RequireEachIncludedType violated: %q", pw)
		}
	}
	pw, _ = GetRandomPassword(PasswordOptions{PasswordLength: 200, ExcludePunctuation: true, ExcludeUppercase: true, ExcludeCharacters: "abc0"})
	if strings.ContainsAny(pw, punctChars+upperChars+"abc0 ") || len(pw) != 200 {
		t.Fatalf("exclusions: %q", pw)
	}
	pw, _ = GetRandomPassword(PasswordOptions{PasswordLength: 300, ExcludeNumbers: true, ExcludeLowercase: true, ExcludePunctuation: true, ExcludeUppercase: true, IncludeSpace: true})
	if strings.Trim(pw, " ") != "" {
		t.Fatalf("only spaces expected: %q", pw)
	}
	f := false
	if _, err := GetRandomPassword(PasswordOptions{PasswordLength: 1, RequireEachIncludedType: &f}); err != nil {
		t.Fatal(err)
	}
	_, err = GetRandomPassword(PasswordOptions{PasswordLength: 3})
	wantErr(t, err, "InvalidParameterException", msgPasswordTooShort)
	_, err = GetRandomPassword(PasswordOptions{PasswordLength: 4097})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096")
	_, err = GetRandomPassword(PasswordOptions{ExcludeNumbers: true, ExcludeLowercase: true, ExcludePunctuation: true, ExcludeUppercase: true})
	wantErr(t, err, "InvalidParameterException", msgAllExcluded)
	_, err = GetRandomPassword(PasswordOptions{ExcludeCharacters: digitChars})
	wantErr(t, err, "InvalidParameterException", msgTypeExcluded)
}

func TestScopeIsolation(t *testing.T) {
	e := newTestEngine(t)
	c := mustCreate(t, e, "iso", "east")
	west := awsctx.With(context.Background(), awsctx.Scope{AccountID: acct, Region: "us-west-2"})
	if _, err := e.GetSecretValue(west, "iso", "", ""); !ErrResourceNotFound.Is(err) {
		t.Fatalf("visible in another region: %v", err)
	}
	if _, err := e.GetSecretValue(west, c.ARN, "", ""); !ErrResourceNotFound.Is(err) {
		t.Fatalf("ARN from another region resolved: %v", err)
	}
	if _, err := e.CreateSecret(west, CreateSecretInput{Name: "iso"}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentPutGet(t *testing.T) {
	e := newTestEngine(t)
	mustCreate(t, e, "c", "0")
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if _, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "c", SecretString: str(fmt.Sprint(w, "-", i)), ClientRequestToken: newVersionID()}); err != nil {
					t.Error(err)
					return
				}
				v, err := e.GetSecretValue(ctx, "c", "", "")
				if err != nil || fmt.Sprint(v.VersionStages) != "[AWSCURRENT]" {
					t.Errorf("get: %+v %v", v, err)
					return
				}
				if _, err := e.GetSecretValue(ctx, "c", "", StagePrevious); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	s, _ := e.DescribeSecret(ctx, "c")
	cur, prev := 0, 0
	for _, st := range s.VersionIDsToStages {
		for _, l := range st {
			switch l {
			case StageCurrent:
				cur++
			case StagePrevious:
				prev++
			}
		}
	}
	if cur != 1 || prev != 1 {
		t.Fatalf("labels after concurrent puts: %v", s.VersionIDsToStages)
	}
}

func scopeOf() awsctx.Scope { return awsctx.From(ctx) }
