package iam_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	iamengine "github.com/skiff-dev/skiff/internal/iam"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

// awsCLI runs the AWS CLI against srv and returns stdout, stderr and
// whether it succeeded.
func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, bool) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	cmd.Env = cliEnv(srv)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var m map[string]any
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &m); jerr != nil {
			t.Fatalf("aws %v: output is not JSON: %s", args, out.String())
		}
	}
	return m, errb.String(), err == nil
}

// cliEnv is srv.Env() without the empty AWS_PROFILE, which AWS CLI v1
// reads as a profile named "" ("The config profile () could not be found").
func cliEnv(srv *skifftest.Server) []string {
	var env []string
	for _, kv := range srv.Env() {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") {
			env = append(env, kv)
		}
	}
	return env
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, ok := awsCLI(t, srv, args...)
	if !ok {
		t.Fatalf("aws %v failed: %s", args, stderr)
	}
	return m
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	srv := skifftest.Start(t, iamengine.New(store.NewMemory()).Service())
	dir := t.TempDir()
	trustFile := filepath.Join(dir, "trust.json")
	os.WriteFile(trustFile, []byte(`{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}`), 0o600)
	policyFile := filepath.Join(dir, "policy.json")
	os.WriteFile(policyFile, []byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}]}`), 0o600)

	out := mustCLI(t, srv, "iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", "file://"+trustFile, "--description", "from the CLI")
	if dig(out, "Role", "Arn") != "arn:aws:iam::123456789012:role/cli-role" {
		t.Fatalf("create-role: %v", out)
	}
	// botocore URL-decodes and parses policy documents: it must get an object.
	if dig(out, "Role", "AssumeRolePolicyDocument", "Version") != "2012-10-17" {
		t.Fatalf("AssumeRolePolicyDocument not decoded by the CLI: %v", dig(out, "Role", "AssumeRolePolicyDocument"))
	}
	out = mustCLI(t, srv, "iam", "get-role", "--role-name", "cli-role")
	if dig(out, "Role", "Description") != "from the CLI" || dig(out, "Role", "MaxSessionDuration") != 3600.0 {
		t.Fatalf("get-role: %v", out)
	}
	mustCLI(t, srv, "iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "read-b", "--policy-document", "file://"+policyFile)
	out = mustCLI(t, srv, "iam", "get-role-policy", "--role-name", "cli-role", "--policy-name", "read-b")
	if acts, _ := dig(out, "PolicyDocument", "Statement").([]any); len(acts) != 1 {
		t.Fatalf("get-role-policy: %v", out)
	}
	mustCLI(t, srv, "iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	out = mustCLI(t, srv, "iam", "list-attached-role-policies", "--role-name", "cli-role")
	if ap, _ := out["AttachedPolicies"].([]any); len(ap) != 1 || dig(ap[0], "PolicyArn") != "arn:aws:iam::aws:policy/ReadOnlyAccess" || dig(ap[0], "PolicyName") != "ReadOnlyAccess" {
		t.Fatalf("list-attached-role-policies: %v", out)
	}
	_, stderr, ok := awsCLI(t, srv, "iam", "delete-role", "--role-name", "cli-role")
	if ok || !strings.Contains(stderr, "(DeleteConflict)") || !strings.Contains(stderr, "Cannot delete entity, must detach all policies first.") {
		t.Fatalf("delete-role with policies: ok=%v %s", ok, stderr)
	}
	_, stderr, ok = awsCLI(t, srv, "iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", "arn:aws:iam::aws:policy/NotReal")
	if ok || !strings.Contains(stderr, "(NoSuchEntity)") {
		t.Fatalf("attach unknown AWS policy: %s", stderr)
	}
	mustCLI(t, srv, "iam", "detach-role-policy", "--role-name", "cli-role", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	mustCLI(t, srv, "iam", "delete-role-policy", "--role-name", "cli-role", "--policy-name", "read-b")
	mustCLI(t, srv, "iam", "delete-role", "--role-name", "cli-role")
	_, stderr, ok = awsCLI(t, srv, "iam", "get-role", "--role-name", "cli-role")
	if ok || !strings.Contains(stderr, "(NoSuchEntity)") || !strings.Contains(stderr, "The role with name cli-role cannot be found.") {
		t.Fatalf("get-role after delete: %s", stderr)
	}

	// Managed policies (documents come back as objects), users and keys.
	out = mustCLI(t, srv, "iam", "create-policy", "--policy-name", "cli-mp", "--policy-document", "file://"+policyFile)
	arn, _ := dig(out, "Policy", "Arn").(string)
	out = mustCLI(t, srv, "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1")
	if dig(out, "PolicyVersion", "Document", "Version") != "2012-10-17" {
		t.Fatalf("get-policy-version: %v", out)
	}
	mustCLI(t, srv, "iam", "create-user", "--user-name", "cli-user")
	out = mustCLI(t, srv, "iam", "create-access-key", "--user-name", "cli-user")
	id, _ := dig(out, "AccessKey", "AccessKeyId").(string)
	secret, _ := dig(out, "AccessKey", "SecretAccessKey").(string)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(secret) != 40 || dig(out, "AccessKey", "Status") != "Active" {
		t.Fatalf("create-access-key: %v", out)
	}
	out = mustCLI(t, srv, "iam", "create-access-key") // the caller (root)
	if id, _ := dig(out, "AccessKey", "AccessKeyId").(string); !strings.HasPrefix(id, "AKIA") {
		t.Fatalf("create-access-key (root): %v", out)
	}
	out = mustCLI(t, srv, "iam", "list-access-keys", "--user-name", "cli-user")
	if md, _ := out["AccessKeyMetadata"].([]any); len(md) != 1 || dig(md[0], "AccessKeyId") != id {
		t.Fatalf("list-access-keys: %v", out)
	}
	out = mustCLI(t, srv, "iam", "list-roles")
	if roles, ok := out["Roles"].([]any); !ok || len(roles) != 0 {
		t.Fatalf("list-roles: %v", out)
	}
}
