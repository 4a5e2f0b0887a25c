// Package skifftest starts a gateway with chosen services on a loopback
// port for tests, and gives the AWS SDK for Go v2 configuration and the CLI
// environment that point at it. Only tests import it.
package skifftest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
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
