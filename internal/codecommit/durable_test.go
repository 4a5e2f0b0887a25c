package codecommit

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

const serveEnv = "SKIFF_CODECOMMIT_TEST_SERVE"

type serveInfo struct {
	URL, User, Pass string
	PID             int
}

// TestHelperServerProcess is not a test: TestPushSurvivesKill9 runs the
// test binary with it as a stand-in skiff (SQLite state, repositories on
// disk, gateway and git on one port) that it then kills with SIGKILL.
func TestHelperServerProcess(t *testing.T) {
	dir := os.Getenv(serveEnv)
	if dir == "" {
		t.Skip("helper process for TestPushSurvivesKill9")
	}
	st, err := store.OpenSQLite(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	e, err := New(st, filepath.Join(dir, "repos"), skifftest.Credentials(), nil, WithEndpoint(func() string { return url }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx()
	if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "durable"}); err != nil {
		t.Fatal(err)
	}
	user, pass, err := e.CreateGitCredentials(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(serveInfo{URL: url, User: user, Pass: pass, PID: os.Getpid()})
	os.WriteFile(filepath.Join(dir, "info.tmp"), b, 0o600)
	os.Rename(filepath.Join(dir, "info.tmp"), filepath.Join(dir, "info.json"))
	mux := http.NewServeMux()
	mux.Handle(GitPathPrefix, e.GitHandler())
	mux.Handle("/", awswire.NewGateway(skifftest.Credentials(), nil, e.Service()))
	http.Serve(ln, mux) // until killed
}

// TestPushSurvivesKill9: what git reported as pushed is in the repository
// and in the push events after skiff is killed with SIGKILL and restarted.
func TestPushSurvivesKill9(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	var info serveInfo
	waitFor(t, "the server process", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "info.json"))
		return err == nil && json.Unmarshal(b, &info) == nil
	})
	g := newGitClient(t, nil)
	work := t.TempDir()
	a := filepath.Join(work, "a")
	g.run(work, "clone", "-q", staticURL(info.URL, info.User, info.Pass, "durable"), a)
	c1 := g.commitFile(a, "a.txt", "a\n", "one")
	g.run(a, "push", "-q", "origin", "main")
	g.run(a, "checkout", "-q", "-b", "topic")
	c2 := g.commitFile(a, "b/b.txt", strings.Repeat("b", 100000), "two")
	g.run(a, "push", "-q", "origin", "topic")
	g.run(a, "tag", "v1")
	g.run(a, "push", "-q", "origin", "v1")

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("server process did not die")
	}

	st, err := store.OpenSQLite(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEngineAt(t, st, filepath.Join(dir, "repos"))
	ctx := testCtx()
	for branch, want := range map[string]string{"main": c1, "topic": c2} {
		if b, err := e.GetBranch(ctx, "durable", branch); err != nil || b.CommitID != want {
			t.Fatalf("after kill -9: %s at %+v %v, want %s", branch, b, err, want)
		}
	}
	evs := eventsOf(t, e, "durable")
	if len(evs) != 3 || evs[0].NewCommit != c1 || evs[1].NewCommit != c2 || evs[2].Ref != "refs/tags/v1" ||
		evs[1].Pusher != "arn:aws:iam::"+acct+":user/dave" || strings.Join(evs[1].ChangedFiles, ",") != "b/b.txt" {
		t.Fatalf("events after kill -9: %+v", evs)
	}
	for _, ev := range evs {
		if ev.Source != SourceGit {
			t.Fatalf("event recorded at restart instead of at push: %+v", ev)
		}
	}
	if _, err := runGit(ctx, e.repoPath(mustRec(t, e, "durable").ID), nil, nil, "fsck", "--strict", "--no-progress"); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverAfterCrash simulates the windows a crash can hit: a ref
// updated but not recorded, stale lock files, an orphaned repository
// directory. A restart repairs all three.
func TestRecoverAfterCrash(t *testing.T) {
	st := store.NewMemory()
	dir := t.TempDir()
	e := newEngineAt(t, st, dir)
	ctx, c1 := setupRepo(t, e, "r")
	rec := mustRec(t, e, "r")
	repo := e.repoPath(rec.ID)
	// A ref changed behind the store's back (receive-pack finished, skiff
	// died before recording).
	if _, err := runGit(ctx, repo, nil, nil, "update-ref", "refs/heads/lost", c1); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "refs", "heads", "main.lock"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(repo, "packed-refs.lock"), nil, 0o644)
	orphan := filepath.Join(dir, "0123abcd-0000-4000-8000-000000000000.git")
	os.MkdirAll(orphan, 0o755)
	e.Close()

	e2 := newEngineAt(t, st, dir)
	got := make(chan PushEvent, 10)
	e2.OnPush(func(_ context.Context, ev PushEvent) { got <- ev })
	select {
	case ev := <-got:
		if ev.Ref != "refs/heads/lost" {
			t.Fatalf("subscriber got %+v", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("recovered event not delivered to a subscriber")
	}
	evs := eventsOf(t, e2, "r")
	if last := evs[len(evs)-1]; last.Ref != "refs/heads/lost" || last.Source != SourceRecovered || last.NewCommit != c1 {
		t.Fatalf("recovered event %+v", last)
	}
	for _, p := range []string{filepath.Join(repo, "refs", "heads", "main.lock"), filepath.Join(repo, "packed-refs.lock"), orphan} {
		if _, err := os.Stat(p); err == nil {
			t.Fatalf("%s survived recovery", p)
		}
	}
	// The repository works: a commit on main goes through.
	if _, err := e2.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", ParentCommitID: c1, FilePath: "n", FileContent: []byte("n")}); err != nil {
		t.Fatal(err)
	}
}
