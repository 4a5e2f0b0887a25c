package codebuild

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// Fakes for the engine's dependencies.

type fakeLogs struct {
	mu     sync.Mutex
	groups map[string]bool
	events map[string][]LogEvent // group|stream
	subs   map[string][]chan LogEvent
}

func newFakeLogs() *fakeLogs {
	return &fakeLogs{groups: map[string]bool{}, events: map[string][]LogEvent{}, subs: map[string][]chan LogEvent{}}
}

func (l *fakeLogs) EnsureGroup(_ context.Context, g string) error {
	l.mu.Lock()
	l.groups[g] = true
	l.mu.Unlock()
	return nil
}

func (l *fakeLogs) EnsureStream(_ context.Context, g, s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.groups[g] {
		return errors.New("no such group")
	}
	if _, ok := l.events[g+"|"+s]; !ok {
		l.events[g+"|"+s] = nil
	}
	return nil
}

func (l *fakeLogs) Append(_ context.Context, g, s string, evs []LogEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := g + "|" + s
	l.events[k] = append(l.events[k], evs...)
	for _, ch := range l.subs[k] {
		for _, ev := range evs {
			select {
			case ch <- ev:
			default:
			}
		}
	}
	return nil
}

func (l *fakeLogs) Subscribe(_ context.Context, g, s string) (<-chan LogEvent, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan LogEvent, 100000)
	k := g + "|" + s
	l.subs[k] = append(l.subs[k], ch)
	return ch, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		list := l.subs[k]
		for i, c := range list {
			if c == ch {
				l.subs[k] = append(list[:i], list[i+1:]...)
			}
		}
	}
}

func (l *fakeLogs) lines(b *Build) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, ev := range l.events[b.Logs.GroupName+"|"+b.Logs.StreamName] {
		out = append(out, ev.Message)
	}
	return out
}

// text is the log with the "[Container] <time> " prefixes shortened to
// "[C] ", for readable assertions.
func (l *fakeLogs) text(b *Build) string {
	var sb strings.Builder
	for _, line := range l.lines(b) {
		if rest, ok := strings.CutPrefix(line, "[Container] "); ok && len(rest) > len(containerTime) {
			line = "[C] " + rest[len(containerTime)+1:]
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return sb.String()
}

type fakeObjects struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func newFakeObjects() *fakeObjects { return &fakeObjects{objects: map[string][]byte{}} }

func (o *fakeObjects) GetObject(_ context.Context, bucket, key, version string) (io.ReadCloser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: s3://%s/%s: %w", bucket, key, ErrSourceNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (o *fakeObjects) PutObject(_ context.Context, bucket, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.objects[bucket+"/"+key] = b
	o.mu.Unlock()
	return nil
}

func (o *fakeObjects) get(k string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.objects[k]
	return b, ok
}

func (o *fakeObjects) keys() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for k := range o.objects {
		out = append(out, k)
	}
	return out
}

// zipEntries lists a stored zip's file names and contents.
func (o *fakeObjects) zipEntries(t *testing.T, k string) map[string]string {
	t.Helper()
	b, ok := o.get(k)
	if !ok {
		t.Fatalf("no object %s (have %v)", k, o.keys())
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

func makeZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

type fakeParams map[string]string

func (p fakeParams) GetParameter(_ context.Context, name string) (string, error) {
	v, ok := p[name]
	if !ok {
		return "", fmt.Errorf("ParameterNotFound: parameter does not exist: %s", name)
	}
	return v, nil
}

type fakeSecrets map[string]string

func (s fakeSecrets) GetSecretValue(_ context.Context, id, versionID, stage string) (string, error) {
	v, ok := s[id]
	if !ok {
		return "", fmt.Errorf("ResourceNotFoundException: Secrets Manager can't find the specified secret.")
	}
	return v, nil
}

// fakeSources serves CodeCommit repositories from local git repositories.
type fakeSources struct{ repos map[string]string }

func (s *fakeSources) FetchCodeCommit(ctx context.Context, repo, version, dir string, depth int) (string, error) {
	path, ok := s.repos[repo]
	if !ok {
		return "", fmt.Errorf("repository %s: %w", repo, ErrSourceNotFound)
	}
	return gitFetch(ctx, path, version, dir, depth, false, false)
}

type fakeCreds struct{}

func (fakeCreds) ForRole(_ context.Context, role string) (string, string, string, error) {
	if strings.Contains(role, "denied") {
		return "", "", "", errors.New("AccessDenied")
	}
	return "ASIAFAKEBUILDKEY", "fake-secret-key", "fake-session-token", nil
}

// harness is an engine with fakes.
type harness struct {
	t       *testing.T
	e       *Engine
	st      store.Store
	logs    *fakeLogs
	objects *fakeObjects
	params  fakeParams
	secrets fakeSecrets
	sources *fakeSources
	ctx     context.Context
	dir     string
	scale   float64
}

var testScope = awsctx.Scope{AccountID: "123456789012", Region: "us-east-1", Principal: "arn:aws:iam::123456789012:user/alice", RequestID: "test"}

type harnessOpt func(*Deps)

// timeScale is the clock factor of test engines: a minute lasts a second,
// so default timeouts never fire and a 5-minute one lasts 5 s.
var timeScale = 1.0 / 60

func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	return newHarnessScaled(t, timeScale, opts...)
}

func newHarnessScaled(t testing.TB, scale float64, opts ...harnessOpt) *harness {
	tt, _ := t.(*testing.T)
	// The SQLite driver is what skiff runs on; its constraints (no NULL
	// values) are stricter than the memory driver's.
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: tt, st: st, logs: newFakeLogs(), objects: newFakeObjects(),
		params: fakeParams{}, secrets: fakeSecrets{}, sources: &fakeSources{repos: map[string]string{}},
		ctx: awsctx.With(context.Background(), testScope), dir: t.TempDir(), scale: scale}
	deps := Deps{Sources: h.sources, Objects: h.objects, Params: h.params, Secrets: h.secrets, Logs: h.logs,
		Credentials: fakeCreds{}, WorkDir: h.dir, Endpoint: func() string { return "http://127.0.0.1:4566" }}
	for _, o := range opts {
		o(&deps)
	}
	h.startEngine(t, deps)
	return h
}

func (h *harness) startEngine(t testing.TB, deps Deps) {
	e, err := New(h.st, clock.Scaled(h.scale), deps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	h.e = e
}

// project creates a NO_SOURCE project with an inline buildspec.
func (h *harness) project(name, spec string, mod ...func(*ProjectInput)) *Project {
	h.t.Helper()
	in := ProjectInput{
		Name:        name,
		Source:      &ProjectSource{Type: "NO_SOURCE", Buildspec: spec},
		Artifacts:   &ProjectArtifacts{Type: "NO_ARTIFACTS"},
		Environment: &ProjectEnvironment{Type: "LINUX_CONTAINER", Image: "aws/codebuild/standard:7.0", ComputeType: "BUILD_GENERAL1_SMALL"},
		ServiceRole: "arn:aws:iam::123456789012:role/service-role/codebuild",
	}
	for _, m := range mod {
		m(&in)
	}
	p, err := h.e.CreateProject(h.ctx, in)
	if err != nil {
		h.t.Fatalf("CreateProject: %v", err)
	}
	return p
}

// run starts a build and waits for it.
func (h *harness) run(in StartBuildInput) *Build {
	h.t.Helper()
	b, err := h.e.StartBuild(h.ctx, in)
	if err != nil {
		h.t.Fatalf("StartBuild: %v", err)
	}
	return h.wait(b.ID)
}

func (h *harness) wait(id string) *Build {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 60*time.Second)
	defer cancel()
	b, err := h.e.WaitBuild(ctx, id)
	if err != nil {
		h.t.Fatalf("WaitBuild %s: %v", id, err)
	}
	return b
}

// phases renders the phase list as "TYPE:STATUS" entries.
func phases(b *Build) string {
	var out []string
	for _, p := range b.Phases {
		s := p.PhaseType
		if p.PhaseStatus != "" {
			s += ":" + p.PhaseStatus
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func phaseContext(b *Build, t string) PhaseContext {
	if p := b.phase(t); p != nil && len(p.Contexts) > 0 {
		return p.Contexts[0]
	}
	return PhaseContext{}
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gitRepo makes a local git repository with files and returns its path and
// head commit.
func gitRepo(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	run("add", "-A")
	run("commit", "-q", "-m", "initial")
	return dir, run("rev-parse", "HEAD")
}

func sleep10ms() { time.Sleep(10 * time.Millisecond) }
