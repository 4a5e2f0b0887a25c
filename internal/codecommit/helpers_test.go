package codecommit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	acct   = skifftest.AccountID
	region = skifftest.Region
	root   = "arn:aws:iam::" + acct + ":root"
)

func testCtx() context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: acct, Region: region, Principal: root, AccessKeyID: skifftest.AccessKeyID})
}

func newTestEngine(t testing.TB, opts ...Option) *Engine {
	t.Helper()
	return newEngineAt(t, store.NewMemory(), t.TempDir(), opts...)
}

func newEngineAt(t testing.TB, st store.Store, dir string, opts ...Option) *Engine {
	t.Helper()
	e, err := New(st, dir, skifftest.Credentials(), nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// testServer is the gateway and the git handler on one port, as skiff
// serves them.
type testServer struct {
	*skifftest.Server
	E *Engine
}

func startServer(t testing.TB, opts ...Option) *testServer {
	t.Helper()
	var url string
	var mu sync.Mutex
	opts = append(opts, WithEndpoint(func() string { mu.Lock(); defer mu.Unlock(); return url }))
	e := newTestEngine(t, opts...)
	g := awswire.NewGateway(skifftest.Credentials(), nil, e.Service())
	mux := http.NewServeMux()
	mux.Handle(GitPathPrefix, e.GitHandler())
	mux.Handle("/", g)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	mu.Lock()
	url = ts.URL
	mu.Unlock()
	return &testServer{Server: &skifftest.Server{URL: ts.URL, Gateway: g}, E: e}
}

// gitClient runs a plain git as a developer would, with its own HOME and
// global configuration.
type gitClient struct {
	t    testing.TB
	home string
	env  []string
}

func newGitClient(t testing.TB, env []string, config ...string) *gitClient {
	t.Helper()
	home := t.TempDir()
	cfg := "[user]\n\tname = Dev Eloper\n\temail = dev@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n" + strings.Join(config, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	base := env
	if base == nil {
		base = os.Environ()
	}
	var clean []string
	for _, kv := range base {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			continue
		}
		clean = append(clean, kv)
	}
	clean = append(clean, "HOME="+home, "GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GCM_INTERACTIVE=never", "LC_ALL=C")
	return &gitClient{t: t, home: home, env: clean}
}

// run runs git in dir and fails the test on error.
func (g *gitClient) run(dir string, args ...string) string {
	g.t.Helper()
	out, err := g.try(dir, args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (g *gitClient) try(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = g.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// commitFile writes a file in a work tree and commits it.
func (g *gitClient) commitFile(dir, path, content, msg string) string {
	g.t.Helper()
	full := filepath.Join(dir, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
	g.run(dir, "add", "-A")
	g.run(dir, "commit", "-q", "-m", msg)
	return strings.TrimSpace(g.run(dir, "rev-parse", "HEAD"))
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func signingKeyForTest(secret, date, region string) []byte {
	k := hmacRaw([]byte("AWS4"+secret), date)
	k = hmacRaw(k, region)
	k = hmacRaw(k, "codecommit")
	return hmacRaw(k, "aws4_request")
}

func hmacRaw(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hmacHex(key []byte, data string) string { return hex.EncodeToString(hmacRaw(key, data)) }

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
