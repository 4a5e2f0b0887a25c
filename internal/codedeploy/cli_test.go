package codedeploy_test

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	return srv.AWSCLI(t, args...)
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, err := awsCLI(t, srv, args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return m
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	_, v, srv := startSDK(t)
	if _, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "cli"}, 2); err != nil {
		t.Fatal(err)
	}
	etag := v.objects.Put("artifacts", "cli.zip", codedeploytest.WebApp("cli v1\n", 200))

	out := mustCLI(t, srv, "deploy", "create-application", "--application-name", "cliapp", "--compute-platform", "Server")
	if out["applicationId"] == "" {
		t.Fatalf("%v", out)
	}
	_, stderr, err := awsCLI(t, srv, "deploy", "create-application", "--application-name", "cliapp")
	if err == nil || !strings.Contains(stderr, "ApplicationAlreadyExistsException") {
		t.Fatalf("duplicate: %v %s", err, stderr)
	}
	out = mustCLI(t, srv, "deploy", "create-deployment-group", "--application-name", "cliapp", "--deployment-group-name", "prod",
		"--service-role-arn", "arn:aws:iam::123456789012:role/CodeDeploy",
		"--deployment-config-name", "CodeDeployDefault.HalfAtATime",
		"--on-premises-instance-tag-filters", "Key=app,Value=cli,Type=KEY_AND_VALUE",
		"--auto-rollback-configuration", "enabled=true,events=DEPLOYMENT_FAILURE")
	if out["deploymentGroupId"] == "" {
		t.Fatalf("%v", out)
	}
	_, stderr, err = awsCLI(t, srv, "deploy", "create-deployment-config", "--deployment-config-name", "bad",
		"--minimum-healthy-hosts", "type=FLEET_PERCENT,value=120")
	if err == nil || !strings.Contains(stderr, "InvalidMinimumHealthyHostValueException") {
		t.Fatalf("bad config: %v %s", err, stderr)
	}
	out = mustCLI(t, srv, "deploy", "create-deployment", "--application-name", "cliapp", "--deployment-group-name", "prod",
		"--s3-location", "bucket=artifacts,key=cli.zip,bundleType=zip,eTag="+etag, "--description", "from the CLI")
	id, _ := out["deploymentId"].(string)
	if !strings.HasPrefix(id, "d-") {
		t.Fatalf("%v", out)
	}
	// The CLI's own waiter polls get-deployment.
	if _, stderr, err := awsCLI(t, srv, "deploy", "wait", "deployment-successful", "--deployment-id", id); err != nil {
		v.dump(t, id)
		t.Fatalf("wait: %v %s", err, stderr)
	}
	out = mustCLI(t, srv, "deploy", "get-deployment", "--deployment-id", id)
	info := out["deploymentInfo"].(map[string]any)
	ov := info["deploymentOverview"].(map[string]any)
	if info["status"] != "Succeeded" || info["description"] != "from the CLI" || ov["Succeeded"] != float64(2) ||
		info["deploymentConfigName"] != "CodeDeployDefault.HalfAtATime" || info["creator"] != "user" {
		t.Fatalf("%v", info)
	}
	if _, ok := info["createTime"].(float64); !ok {
		t.Fatalf("createTime %T", info["createTime"])
	}
	out = mustCLI(t, srv, "deploy", "list-deployment-targets", "--deployment-id", id)
	ids, _ := out["targetIds"].([]any)
	if len(ids) != 2 {
		t.Fatalf("%v", out)
	}
	args := []string{"deploy", "batch-get-deployment-targets", "--deployment-id", id, "--target-ids"}
	for _, x := range ids {
		args = append(args, x.(string))
	}
	out = mustCLI(t, srv, args...)
	targets, _ := out["deploymentTargets"].([]any)
	if len(targets) != 2 {
		t.Fatalf("%v", out)
	}
	it := targets[0].(map[string]any)["instanceTarget"].(map[string]any)
	events := it["lifecycleEvents"].([]any)
	if it["status"] != "Succeeded" || len(events) != 7 {
		t.Fatalf("%v", it)
	}
	last := events[6].(map[string]any)
	if last["lifecycleEventName"] != "ValidateService" || last["status"] != "Succeeded" || last["diagnostics"].(map[string]any)["errorCode"] != "Success" {
		t.Fatalf("%v", last)
	}
	out = mustCLI(t, srv, "deploy", "list-deployments", "--application-name", "cliapp", "--deployment-group-name", "prod",
		"--create-time-range", "start="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if ds, _ := out["deployments"].([]any); len(ds) != 1 || ds[0] != id {
		t.Fatalf("%v", out)
	}
	out = mustCLI(t, srv, "deploy", "list-on-premises-instances", "--registration-status", "Registered")
	if names, _ := out["instanceNames"].([]any); len(names) != 2 {
		t.Fatalf("%v", out)
	}
	_, stderr, err = awsCLI(t, srv, "deploy", "get-deployment", "--deployment-id", "d-ZZZZZZZZZ")
	if err == nil || !strings.Contains(stderr, "DeploymentDoesNotExistException") {
		t.Fatalf("missing deployment: %v %s", err, stderr)
	}
}
