package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// requireTool skips (or, in CI, fails) when a client the test needs is
// missing.
func requireTool(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("SKIFF_REQUIRE_CLIENTS") != "" {
		t.Fatalf("%s is required (SKIFF_REQUIRE_CLIENTS is set); run scripts/deps", what)
	}
	t.Skipf("%s not available", what)
}

// TestCDKAppDeploys synthesizes a real CDK app (aws-cdk-lib from npm) and
// deploys its template: the BootstrapVersion SSM parameter type, the
// CheckBootstrapVersion rule and the CDKMetadata resource must all work.
func TestCDKAppDeploys(t *testing.T) {
	_, err := exec.LookPath("node")
	_, modErr := os.Stat("cdkapp/node_modules/aws-cdk-lib")
	requireTool(t, err == nil && modErr == nil, "node with e2e/cdkapp/node_modules")
	out := t.TempDir()
	cmd := exec.Command("node", "app.js")
	cmd.Dir = "cdkapp"
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_DISABLE_VERSION_CHECK=1", "CDK_CLI_TELEMETRY_DISABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, b)
	}
	body, err := os.ReadFile(filepath.Join(out, "SkiffCdkDemo.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	json.Unmarshal(body, &tmpl)
	if _, ok := tmpl["Rules"].(map[string]any)["CheckBootstrapVersion"]; !ok {
		t.Fatal("synthesized template lacks the CheckBootstrapVersion rule")
	}

	p := start(t, t.TempDir())
	cfg := p.config()
	c := cfn.NewFromConfig(cfg)
	st, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("SkiffCdkDemo"), TemplateBody: aws.String(string(body)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	if err != nil {
		t.Fatal(err)
	}
	var stack cfntypes.Stack
	waitFor(t, "the CDK stack", time.Minute, func() (bool, error) {
		d, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: st.StackId})
		if err != nil {
			return false, err
		}
		stack = d.Stacks[0]
		return !strings.HasSuffix(string(stack.StackStatus), "_IN_PROGRESS"), nil
	})
	if stack.StackStatus != cfntypes.StackStatusCreateComplete {
		evs, _ := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: st.StackId})
		var lines []string
		for _, e := range evs.StackEvents {
			lines = append(lines, aws.ToString(e.LogicalResourceId)+" "+string(e.ResourceStatus)+" "+aws.ToString(e.ResourceStatusReason))
		}
		t.Fatalf("stack %s: %s\n%s", stack.StackStatus, aws.ToString(stack.StackStatusReason), strings.Join(lines, "\n"))
	}
	outputs := map[string]string{}
	for _, o := range stack.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	// Each resource really exists in its service.
	prm, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/skiff-cdk/greeting")})
	if err != nil || *prm.Parameter.Value != "hello from the CDK" {
		t.Fatalf("parameter: %v %v", prm, err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(outputs["BucketName"])}); err != nil {
		t.Fatalf("bucket %s: %v", outputs["BucketName"], err)
	}
	ver, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(outputs["BucketName"])})
	if err != nil || ver.Status != "Enabled" {
		t.Fatalf("bucket versioning: %v %v", ver, err)
	}
	sec, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(outputs["SecretArn"])})
	if err != nil {
		t.Fatal(err)
	}
	var secret map[string]string
	if json.Unmarshal([]byte(*sec.SecretString), &secret); secret["username"] != "app" || len(secret["password"]) != 24 {
		t.Fatalf("secret %q", *sec.SecretString)
	}
	roleName := outputs["RoleArn"][strings.LastIndex(outputs["RoleArn"], "/")+1:]
	role, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
	if err != nil || !strings.Contains(*role.Role.AssumeRolePolicyDocument, "codebuild.amazonaws.com") {
		t.Fatalf("role: %v", err)
	}
	pols, err := iam.NewFromConfig(cfg).ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil || len(pols.PolicyNames) != 1 {
		t.Fatalf("the grants' inline policy: %v %v", pols, err)
	}
	// Clean delete.
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: st.StackId}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delete", time.Minute, func() (bool, error) {
		d, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: st.StackId})
		return err == nil && d.Stacks[0].StackStatus == cfntypes.StackStatusDeleteComplete, err
	})
}
