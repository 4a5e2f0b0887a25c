// Package skifftest starts a gateway with chosen services on a loopback
// port for tests, and gives the AWS SDK for Go v2 configuration and the CLI
// environment that point at it. Only tests import it.
package skifftest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/skiff-dev/skiff/internal/awswire"
)

// Fixed test identity.
const (
	AccessKeyID     = "AKIASKIFFTEST0000001"
	SecretAccessKey = "skiffTestSecretKey0000000000000000000000"
	AccountID       = "123456789012"
	Region          = "us-east-1"
)

type creds struct{}

func (creds) Lookup(_ context.Context, akid string) (awswire.Credential, bool) {
	if akid != AccessKeyID {
		return awswire.Credential{}, false
	}
	return awswire.Credential{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, AccountID: AccountID,
		Principal: "arn:aws:iam::" + AccountID + ":root"}, true
}

// Credentials returns the test credential store.
func Credentials() awswire.Credentials { return creds{} }

// Server is a running test gateway.
type Server struct {
	URL     string
	Gateway *awswire.Gateway
}

// Start serves the services until the test ends.
func Start(t testing.TB, services ...*awswire.Service) *Server {
	t.Helper()
	g := awswire.NewGateway(creds{}, nil, services...)
	ts := httptest.NewServer(g)
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL, Gateway: g}
}

// Config is an AWS SDK configuration for the server.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL),
		// Each server gets its own connections, so one test closing its
		// server cannot break another test's requests.
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		// The SDK's default retryer stays on: it retries net.ErrClosed,
		// which a known net/http race produces now and then on fast
		// loopback connections (aws-sdk-go-v2 #2737); API errors are not
		// retried, so tests still see them at once.
	}
}

// Env is the environment for the AWS CLI (v1 with current botocore).
func (s *Server) Env() []string {
	return append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+SecretAccessKey,
		"AWS_DEFAULT_REGION="+Region,
		"AWS_REGION="+Region,
		"AWS_ENDPOINT_URL="+s.URL,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=",
	)
}

// AWSCLI runs the AWS CLI (`aws`, v1 with a current botocore) against the
// server with --output json and decodes its output (nil when empty). A
// command that fails returns its stderr and error. Without the CLI the test
// is skipped, or fails when SKIFF_REQUIRE_CLIENTS is set (as in CI).
func (s *Server) AWSCLI(t testing.TB, args ...string) (map[string]any, string, error) {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("SKIFF_REQUIRE_CLIENTS") != "" {
			t.Fatal("the aws CLI is required (SKIFF_REQUIRE_CLIENTS is set); run scripts/deps")
		}
		t.Skip("aws CLI not on PATH")
	}
	cmd := exec.Command(path, append(args, "--output", "json")...)
	for _, kv := range s.Env() {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") && !strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, stderr.String(), err
	}
	var m map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %v: output is not JSON: %s", args, out)
		}
	}
	return m, stderr.String(), nil
}
