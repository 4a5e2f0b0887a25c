package secretsmanager_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/seal"
	skiffsm "github.com/skiff-dev/skiff/internal/secretsmanager"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

var bg = context.Background()

func startSM(t testing.TB) (*secretsmanager.Client, *skifftest.Server) {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{4}, 32))
	if err != nil {
		t.Fatal(err)
	}
	srv := skifftest.Start(t, skiffsm.New(store.NewMemory(), s).Service())
	return secretsmanager.NewFromConfig(srv.Config()), srv
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestSDKLifecycle(t *testing.T) {
	c, _ := startSM(t)
	before := time.Now().Add(-time.Minute)
	cr, err := c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String(`{"user":"admin"}`),
		Description: aws.String("database"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK fills ClientRequestToken, which becomes the version id.
	if !strings.HasPrefix(*cr.ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-") || *cr.Name != "prod/db" || len(*cr.VersionId) != 36 {
		t.Fatalf("create: %+v", cr)
	}
	g, err := c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil || *g.SecretString != `{"user":"admin"}` || *g.VersionId != *cr.VersionId || fmt.Sprint(g.VersionStages) != "[AWSCURRENT]" ||
		g.CreatedDate.Before(before) || *g.ARN != *cr.ARN || g.SecretBinary != nil {
		t.Fatalf("get: %+v %v", g, err)
	}
	g, err = c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String((*cr.ARN)[:len(*cr.ARN)-7])})
	if err != nil || *g.Name != "prod/db" {
		t.Fatalf("partial ARN: %v", err)
	}
	pv, err := c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: cr.ARN, SecretString: aws.String("v2")})
	if err != nil || fmt.Sprint(pv.VersionStages) != "[AWSCURRENT]" {
		t.Fatalf("put: %+v %v", pv, err)
	}
	g, _ = c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db"), VersionStage: aws.String("AWSPREVIOUS")})
	if *g.SecretString != `{"user":"admin"}` {
		t.Fatalf("previous: %q", *g.SecretString)
	}
	us, err := c.UpdateSecret(bg, &secretsmanager.UpdateSecretInput{SecretId: aws.String("prod/db"), Description: aws.String("db v2"), SecretBinary: []byte{1, 2, 3}})
	if err != nil || us.VersionId == nil {
		t.Fatalf("update: %+v %v", us, err)
	}
	g, _ = c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if !bytes.Equal(g.SecretBinary, []byte{1, 2, 3}) || g.SecretString != nil {
		t.Fatalf("binary: %+v", g)
	}
	pend, err := c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String("next"), VersionStages: []string{"AWSPENDING"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecretVersionStage(bg, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("prod/db"), VersionStage: aws.String("AWSCURRENT"),
		RemoveFromVersionId: us.VersionId, MoveToVersionId: pend.VersionId}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(bg, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Description != "db v2" || fmt.Sprint(d.VersionIdsToStages[*pend.VersionId]) != "[AWSCURRENT AWSPENDING]" ||
		fmt.Sprint(d.VersionIdsToStages[*us.VersionId]) != "[AWSPREVIOUS]" || len(d.VersionIdsToStages) != 2 || d.CreatedDate == nil || d.LastChangedDate == nil ||
		d.LastAccessedDate == nil || len(d.Tags) != 1 || d.DeletedDate != nil || d.KmsKeyId != nil {
		t.Fatalf("describe: %+v", d)
	}
	lv, err := c.ListSecretVersionIds(bg, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("prod/db"), IncludeDeprecated: aws.Bool(true)})
	if err != nil || len(lv.Versions) != 4 || lv.Versions[0].VersionStages != nil || fmt.Sprint(lv.Versions[0].KmsKeyIds) != "[DefaultEncryptionKey]" || *lv.Name != "prod/db" {
		t.Fatalf("versions: %+v %v", lv, err)
	}
	if _, err := c.TagResource(bg, &secretsmanager.TagResourceInput{SecretId: aws.String("prod/db"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(bg, &secretsmanager.UntagResourceInput{SecretId: aws.String("prod/db"), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	ls, err := c.ListSecrets(bg, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeTagKey, Values: []string{"env"}}}})
	if err != nil || len(ls.SecretList) != 1 || *ls.SecretList[0].Tags[0].Value != "prod" || len(ls.SecretList[0].SecretVersionsToStages) != 2 {
		t.Fatalf("list: %+v %v", ls, err)
	}
	del, err := c.DeleteSecret(bg, &secretsmanager.DeleteSecretInput{SecretId: aws.String("prod/db"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil || del.DeletionDate.Sub(time.Now()) < 6*24*time.Hour {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || ire.ErrorMessage() != "You can't perform this operation on the secret because it was marked for deletion." {
		t.Fatalf("get deleted: %v", err)
	}
	d, _ = c.DescribeSecret(bg, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if d.DeletedDate == nil {
		t.Fatal("no DeletedDate")
	}
	if _, err := c.RestoreSecret(bg, &secretsmanager.RestoreSecretInput{SecretId: aws.String("prod/db")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSecret(bg, &secretsmanager.DeleteSecretInput{SecretId: aws.String("prod/db"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeSecret(bg, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "Secrets Manager can't find the specified secret." {
		t.Fatalf("after force delete: %v", err)
	}
}

func TestSDKTypedErrors(t *testing.T) {
	c, _ := startSM(t)
	if _, err := c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("e"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("e"), SecretString: aws.String("v")})
	var ree *types.ResourceExistsException
	if !errors.As(err, &ree) || ree.ErrorMessage() != "The operation failed because the secret e already exists." {
		t.Errorf("exists: %v", err)
	}
	tok := aws.String("11111111-2222-3333-4444-555555555555")
	if _, err := c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: aws.String("e"), SecretString: aws.String("a"), ClientRequestToken: tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: aws.String("e"), SecretString: aws.String("a"), ClientRequestToken: tok}); err != nil {
		t.Errorf("idempotent retry: %v", err)
	}
	_, err = c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: aws.String("e"), SecretString: aws.String("b"), ClientRequestToken: tok})
	if !errors.As(err, &ree) {
		t.Errorf("token reuse: %v", err)
	}
	_, err = c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("bad name")})
	if code(err) != "ValidationException" || !strings.Contains(err.Error(), "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!") {
		t.Errorf("name: %v", err)
	}
	_, err = c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("s"), SecretBinary: []byte("b")})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("both values: %v", err)
	}
	_, err = c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("rep"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}})
	if !errors.As(err, &ipe) {
		t.Errorf("replicas: %v", err)
	}
	_, err = c.DeleteSecret(bg, &secretsmanager.DeleteSecretInput{SecretId: aws.String("e"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)})
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays." {
		t.Errorf("window+force: %v", err)
	}
	_, err = c.DeleteSecret(bg, &secretsmanager.DeleteSecretInput{SecretId: aws.String("e"), RecoveryWindowInDays: aws.Int64(3)})
	if !errors.As(err, &ipe) {
		t.Errorf("window: %v", err)
	}
	_, err = c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("e"), VersionStage: aws.String("NOPE")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "Secrets Manager can't find the specified secret value for staging label: NOPE" {
		t.Errorf("stage: %v", err)
	}
	_, err = c.ListSecrets(bg, &secretsmanager.ListSecretsInput{NextToken: aws.String("bogus")})
	var inte *types.InvalidNextTokenException
	if !errors.As(err, &inte) {
		t.Errorf("token: %v", err)
	}
	_, err = c.GetRandomPassword(bg, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(2)})
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != "Password length is too short based on the required types." {
		t.Errorf("password: %v", err)
	}
}

func TestSDKRandomPasswordAndBatch(t *testing.T) {
	c, _ := startSM(t)
	rp, err := c.GetRandomPassword(bg, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(20), ExcludePunctuation: aws.Bool(true), IncludeSpace: aws.Bool(false)})
	if err != nil || len(*rp.RandomPassword) != 20 || strings.ContainsAny(*rp.RandomPassword, "!#$%") {
		t.Fatalf("password: %+v %v", rp, err)
	}
	for i := 0; i < 5; i++ {
		if _, err := c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprint("batch/", i)), SecretString: aws.String(fmt.Sprint("v", i))}); err != nil {
			t.Fatal(err)
		}
	}
	bo, err := c.BatchGetSecretValue(bg, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"batch/1", "batch/9", "batch/3"}})
	if err != nil || len(bo.SecretValues) != 2 || *bo.SecretValues[1].SecretString != "v3" || len(bo.Errors) != 1 || *bo.Errors[0].ErrorCode != "ResourceNotFoundException" || *bo.Errors[0].SecretId != "batch/9" {
		t.Fatalf("batch ids: %+v %v", bo, err)
	}
	var got []string
	pager := secretsmanager.NewBatchGetSecretValuePaginator(c, &secretsmanager.BatchGetSecretValueInput{MaxResults: aws.Int32(2),
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"batch/"}}}})
	for pager.HasMorePages() {
		out, err := pager.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.SecretValues {
			got = append(got, *v.SecretString)
		}
	}
	if strings.Join(got, ",") != "v0,v1,v2,v3,v4" {
		t.Fatalf("batch filters: %v", got)
	}
	var names []string
	lp := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(2)})
	pages := 0
	for lp.HasMorePages() {
		out, err := lp.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.SecretList {
			names = append(names, *s.Name)
		}
	}
	if len(names) != 5 || pages != 3 {
		t.Fatalf("list pages %d: %v", pages, names)
	}
}

func TestSDKConcurrent(t *testing.T) {
	c, _ := startSM(t)
	if _, err := c.CreateSecret(bg, &secretsmanager.CreateSecretInput{Name: aws.String("conc"), SecretString: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				if _, err := c.PutSecretValue(bg, &secretsmanager.PutSecretValueInput{SecretId: aws.String("conc"), SecretString: aws.String(fmt.Sprint(w, i))}); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.GetSecretValue(bg, &secretsmanager.GetSecretValueInput{SecretId: aws.String("conc")}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	lv, err := c.ListSecretVersionIds(bg, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("conc")})
	if err != nil || len(lv.Versions) != 2 {
		t.Fatalf("labeled versions: %+v %v", lv, err)
	}
}
