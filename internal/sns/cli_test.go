package sns_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

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

func runCLI(t *testing.T, path string, srv *skifftest.Server, flag bool, args ...string) map[string]any {
	t.Helper()
	if flag {
		args = append([]string{"--endpoint-url", srv.URL}, args...)
	}
	cmd := exec.Command(path, append(args, "--output", "json")...)
	cmd.Env = cliEnv(srv)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", path, args, err, stderr.String())
	}
	var m map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("not JSON: %s", out)
		}
	}
	return m
}

func exerciseSNSCLI(t *testing.T, path string, flag bool) {
	_, srv, _ := startSNS(t)
	out := runCLI(t, path, srv, flag, "sns", "create-topic", "--name", "cli-topic", "--attributes", "DisplayName=CLI", "--tags", "Key=team,Value=web")
	arn, _ := out["TopicArn"].(string)
	if arn != "arn:aws:sns:us-east-1:123456789012:cli-topic" {
		t.Fatalf("create-topic %v", out)
	}
	out = runCLI(t, path, srv, flag, "sns", "subscribe", "--topic-arn", arn, "--protocol", "email", "--notification-endpoint", "dev@example.com")
	if out["SubscriptionArn"] != "pending confirmation" {
		t.Fatalf("subscribe %v", out)
	}
	out = runCLI(t, path, srv, flag, "sns", "publish", "--topic-arn", arn, "--message", "hello", "--subject", "Hi",
		"--message-attributes", `{"k":{"DataType":"String","StringValue":"v"}}`)
	if id, _ := out["MessageId"].(string); len(id) != 36 {
		t.Fatalf("publish %v", out)
	}
	out = runCLI(t, path, srv, flag, "sns", "list-subscriptions-by-topic", "--topic-arn", arn)
	if subs := out["Subscriptions"].([]any); len(subs) != 1 || subs[0].(map[string]any)["Endpoint"] != "dev@example.com" {
		t.Fatalf("list-subscriptions-by-topic %v", out)
	}
	runCLI(t, path, srv, flag, "sns", "delete-topic", "--topic-arn", arn)
}

func TestCLIv1(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH")
	}
	t.Parallel()
	exerciseSNSCLI(t, path, false)
}

func TestCLIv2(t *testing.T) {
	const path = "/usr/bin/aws"
	if _, err := os.Stat(path); err != nil {
		t.Skip("/usr/bin/aws (AWS CLI v2.9) not installed")
	}
	t.Parallel()
	exerciseSNSCLI(t, path, true)
}
