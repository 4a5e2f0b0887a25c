package s3

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

// testScope is the caller every engine unit test acts as.
var testScope = awsctx.Scope{AccountID: skifftest.AccountID, Region: "us-east-1", RequestID: "test"}

func testCtx() context.Context { return awsctx.With(context.Background(), testScope) }

func newTestEngine(t testing.TB) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := New(store.NewMemory(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return e, dir
}

type testServer struct {
	*skifftest.Server
	e   *Engine
	dir string
}

func startServer(t testing.TB) *testServer {
	t.Helper()
	e, dir := newTestEngine(t)
	srv := skifftest.Start(t, e.Service())
	return &testServer{Server: srv, e: e, dir: dir}
}

// client returns an S3 client with default settings (path style is
// chosen by the SDK for an IP endpoint).
func (s *testServer) client(opts ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config(), opts...)
}

// virtualClient addresses buckets as <bucket>.localhost:<port>; its
// transport dials the test server whatever the host.
func (s *testServer) virtualClient(t testing.TB) *s3.Client {
	u, _ := url.Parse(s.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	cfg := s.Config()
	cfg.BaseEndpoint = aws.String("http://localhost:" + port)
	addr := u.Host
	dialer := &net.Dialer{}
	cfg.HTTPClient = &http.Client{Transport: hostCheck{t: t, next: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
	}}}
	return s3.NewFromConfig(cfg)
}

// hostCheck fails the test if a bucket request is not virtual-hosted.
type hostCheck struct {
	t    testing.TB
	next http.RoundTripper
}

func (h hostCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/" || r.URL.RawQuery != "x-id=ListBuckets" {
		if !strings.HasSuffix(strings.Split(r.URL.Host, ":")[0], ".localhost") {
			h.t.Errorf("request to %s is not virtual-hosted", r.URL)
		}
	}
	return h.next.RoundTrip(r)
}

// tlsClient serves the engine over HTTPS, where the SDK streams uploads
// as aws-chunked bodies with trailing checksums.
func (s *testServer) tlsClient(t testing.TB, opts ...func(*s3.Options)) *s3.Client {
	t.Helper()
	ts := httptest.NewTLSServer(awswire.NewGateway(skifftest.Credentials(), nil, s.e.Service()))
	t.Cleanup(ts.Close)
	cfg := s.Config()
	cfg.BaseEndpoint = aws.String(ts.URL)
	cfg.HTTPClient = ts.Client()
	return s3.NewFromConfig(cfg, opts...)
}

type storeTx = store.Tx

// blobFiles lists the blob files (and temporary files) under a blob dir.
func blobFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func awsctxWithAccount(acct string) context.Context {
	sc := testScope
	sc.AccountID = acct
	return awsctx.With(context.Background(), sc)
}

func newFuzzStore() store.Store { return store.NewMemory() }

func asAPIError(err error) (*apierr.Error, bool) { return apierr.As(err) }
