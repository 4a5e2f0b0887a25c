package secretsmanager_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

// cliEnv is srv.Env() without AWS_PROFILE and AWS_SESSION_TOKEN: AWS CLI v1
// reads an empty AWS_PROFILE as a profile named "" and fails.
func cliEnv(srv *skifftest.Server) []string {
	var env []string
	for _, kv := range srv.Env() {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	return srv.AWSCLI(t, args...)
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, err := awsCLI(t, srv, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	return m
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	_, srv := startSM(t)
	out := mustCLI(t, srv, "secretsmanager", "create-secret", "--name", "cli/app", "--secret-string", `{"password":"p1"}`,
		"--description", "from the CLI", "--tags", "Key=team,Value=ops")
	arn, _ := out["ARN"].(string)
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:cli/app-") || out["Name"] != "cli/app" || out["VersionId"] == nil {
		t.Fatalf("create-secret: %v", out)
	}
	v1 := out["VersionId"].(string)
	out = mustCLI(t, srv, "secretsmanager", "get-secret-value", "--secret-id", "cli/app")
	if out["SecretString"] != `{"password":"p1"}` || out["VersionId"] != v1 || out["ARN"] != arn {
		t.Fatalf("get-secret-value: %v", out)
	}
	if st, _ := out["VersionStages"].([]any); len(st) != 1 || st[0] != "AWSCURRENT" {
		t.Fatalf("stages: %v", out["VersionStages"])
	}
	out = mustCLI(t, srv, "secretsmanager", "put-secret-value", "--secret-id", arn, "--secret-string", `{"password":"p2"}`)
	v2, _ := out["VersionId"].(string)
	if v2 == "" || v2 == v1 || out["Name"] != "cli/app" {
		t.Fatalf("put-secret-value: %v", out)
	}
	out = mustCLI(t, srv, "secretsmanager", "get-secret-value", "--secret-id", "cli/app", "--version-stage", "AWSPREVIOUS")
	if out["SecretString"] != `{"password":"p1"}` {
		t.Fatalf("previous: %v", out)
	}
	out = mustCLI(t, srv, "secretsmanager", "describe-secret", "--secret-id", "cli/app")
	stages := out["VersionIdsToStages"].(map[string]any)
	if out["Description"] != "from the CLI" || len(stages) != 2 || stages[v2].([]any)[0] != "AWSCURRENT" || stages[v1].([]any)[0] != "AWSPREVIOUS" {
		t.Fatalf("describe-secret: %v", out)
	}
	if tags := out["Tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["Key"] != "team" {
		t.Fatalf("tags: %v", out["Tags"])
	}
	out = mustCLI(t, srv, "secretsmanager", "delete-secret", "--secret-id", "cli/app", "--recovery-window-in-days", "7")
	if out["ARN"] != arn || out["DeletionDate"] == nil {
		t.Fatalf("delete-secret: %v", out)
	}
	_, stderr, err := awsCLI(t, srv, "secretsmanager", "get-secret-value", "--secret-id", "cli/app")
	if err == nil || !strings.Contains(stderr, "(InvalidRequestException) when calling the GetSecretValue operation: You can't perform this operation on the secret because it was marked for deletion.") {
		t.Fatalf("get after delete: %v %s", err, stderr)
	}
	mustCLI(t, srv, "secretsmanager", "delete-secret", "--secret-id", "cli/app", "--force-delete-without-recovery")
	_, stderr, err = awsCLI(t, srv, "secretsmanager", "describe-secret", "--secret-id", "cli/app")
	if err == nil || !strings.Contains(stderr, "(ResourceNotFoundException) when calling the DescribeSecret operation: Secrets Manager can't find the specified secret.") {
		t.Fatalf("describe after force delete: %v %s", err, stderr)
	}
}
