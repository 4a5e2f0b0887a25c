package logs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

func start(t *testing.T) (*skifftest.Server, *cwl.Client) {
	t.Helper()
	srv := skifftest.Start(t, logs.New(store.NewMemory()).Service())
	return srv, cwl.NewFromConfig(srv.Config())
}

func TestSDKLogGroups(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Second).UnixMilli()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn"), Tags: map[string]string{"team": "a"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn")})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("bad name")})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) || !strings.Contains(*invalid.Message, "Member must satisfy regular expression pattern") {
		t.Fatalf("bad name: %v", err)
	}
	out, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/")})
	if err != nil {
		t.Fatal(err)
	}
	g := out.LogGroups[0]
	if *g.LogGroupName != "/aws/lambda/fn" || *g.Arn != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*" ||
		*g.LogGroupArn != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn" || g.LogGroupClass != types.LogGroupClassStandard ||
		*g.CreationTime < before || *g.CreationTime > time.Now().UnixMilli() || *g.StoredBytes != 0 || g.RetentionInDays != nil {
		t.Fatalf("log group %+v", g)
	}

	if _, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("/aws/lambda/fn"), RetentionInDays: aws.Int32(14)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("/aws/lambda/fn"), RetentionInDays: aws.Int32(15)})
	if !errors.As(err, &invalid) || !strings.Contains(*invalid.Message, "Value '15' at 'retentionInDays'") {
		t.Fatalf("retention 15: %v", err)
	}
	out, _ = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("LAMBDA")})
	if len(out.LogGroups) != 1 || *out.LogGroups[0].RetentionInDays != 14 {
		t.Fatalf("after retention %+v", out.LogGroups)
	}
	if _, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("/aws/lambda/fn")}); err != nil {
		t.Fatal(err)
	}

	arn := "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn"
	if _, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["env"] != "dev" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	if _, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn"), Tags: map[string]string{"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn"), Tags: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn")})
	if err != nil || len(lt.Tags) != 1 || lt.Tags["x"] != "y" {
		t.Fatalf("legacy tags %+v %v", lt, err)
	}

	if _, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || *nf.Message != "The specified log group does not exist." {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if !errors.As(err, &nf) {
		t.Fatalf("tags of deleted group: %v", err)
	}
}

func TestSDKPaginator(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("g-%02d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	for p := cwl.NewDescribeLogGroupsPaginator(c, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(5)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.LogGroups {
			names = append(names, *g.LogGroupName)
		}
	}
	if pages != 3 || len(names) != 12 || names[11] != "g-11" {
		t.Fatalf("%d pages %v", pages, names)
	}
	_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("limit 51: %v", err)
	}
}

func TestSDKDataProtectionAndKMS(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), LogGroupClass: types.LogGroupClassInfrequentAccess})
	key := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("g"), KmsKeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Name":"p","Version":"2021-06-01","Statement":[]}`
	put, err := c.PutDataProtectionPolicy(ctx, &cwl.PutDataProtectionPolicyInput{LogGroupIdentifier: aws.String("g"), PolicyDocument: aws.String(doc)})
	if err != nil || *put.PolicyDocument != doc || put.LastUpdatedTime == nil {
		t.Fatalf("put %+v %v", put, err)
	}
	out, _ := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	g := out.LogGroups[0]
	if *g.KmsKeyId != key || g.DataProtectionStatus != types.DataProtectionStatusActivated || g.LogGroupClass != types.LogGroupClassInfrequentAccess {
		t.Fatalf("group %+v", g)
	}
	got, err := c.GetDataProtectionPolicy(ctx, &cwl.GetDataProtectionPolicyInput{LogGroupIdentifier: aws.String("g")})
	if err != nil || *got.PolicyDocument != doc {
		t.Fatalf("get %+v %v", got, err)
	}
	c.DeleteDataProtectionPolicy(ctx, &cwl.DeleteDataProtectionPolicyInput{LogGroupIdentifier: aws.String("g")})
	c.DisassociateKmsKey(ctx, &cwl.DisassociateKmsKeyInput{LogGroupName: aws.String("g")})
	out, _ = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if out.LogGroups[0].KmsKeyId != nil || out.LogGroups[0].DataProtectionStatus != "" {
		t.Fatalf("after removal %+v", out.LogGroups[0])
	}
}

func cliEnv(srv *skifftest.Server) []string {
	var env []string
	for _, kv := range srv.Env() {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") {
			env = append(env, kv)
		}
	}
	return env
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	srv, _ := start(t)
	run := func(args ...string) (map[string]any, string, bool) {
		cmd := exec.Command("aws", append(args, "--output", "json")...)
		cmd.Env = cliEnv(srv)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var m map[string]any
		if out.Len() > 0 {
			if jerr := json.Unmarshal(out.Bytes(), &m); jerr != nil {
				t.Fatalf("aws %v: not JSON: %s", args, out.String())
			}
		}
		return m, errb.String(), err == nil
	}
	must := func(args ...string) map[string]any {
		m, stderr, ok := run(args...)
		if !ok {
			t.Fatalf("aws %v: %s", args, stderr)
		}
		return m
	}
	must("logs", "create-log-group", "--log-group-name", "/cli/group", "--tags", "team=a")
	must("logs", "create-log-group", "--log-group-name", "/cli/other")
	_, stderr, ok := run("logs", "create-log-group", "--log-group-name", "/cli/group")
	if ok || !strings.Contains(stderr, "ResourceAlreadyExistsException") {
		t.Fatalf("duplicate: %s", stderr)
	}
	must("logs", "put-retention-policy", "--log-group-name", "/cli/group", "--retention-in-days", "30")
	_, stderr, ok = run("logs", "put-retention-policy", "--log-group-name", "/cli/group", "--retention-in-days", "31")
	if ok || !strings.Contains(stderr, "InvalidParameterException") {
		t.Fatalf("retention 31: %s", stderr)
	}
	out := must("logs", "describe-log-groups", "--log-group-name-prefix", "/cli/")
	groups, _ := out["logGroups"].([]any)
	if len(groups) != 2 {
		t.Fatalf("describe-log-groups: %v", out)
	}
	g := groups[0].(map[string]any)
	if g["logGroupName"] != "/cli/group" || g["retentionInDays"] != 30.0 || g["arn"] != "arn:aws:logs:us-east-1:123456789012:log-group:/cli/group:*" {
		t.Fatalf("group %v", g)
	}
	if ct, _ := g["creationTime"].(float64); ct < 1e12 {
		t.Fatalf("creationTime %v is not epoch milliseconds", g["creationTime"])
	}
	// The CLI pages through everything with --page-size.
	out = must("logs", "describe-log-groups", "--page-size", "1")
	if groups, _ := out["logGroups"].([]any); len(groups) != 2 {
		t.Fatalf("paged: %v", out)
	}
	must("logs", "delete-log-group", "--log-group-name", "/cli/group")
	_, stderr, ok = run("logs", "delete-log-group", "--log-group-name", "/cli/group")
	if ok || !strings.Contains(stderr, "ResourceNotFoundException") || !strings.Contains(stderr, "The specified log group does not exist.") {
		t.Fatalf("delete missing: %s", stderr)
	}
}
