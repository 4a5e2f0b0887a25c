package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// testImage is a FROM-scratch busybox image the tests import themselves
// (no registry): see Docker.ImportBusybox.
const testImage = "skiff-test/busybox:latest"

var (
	importOnce sync.Once
	importErr  error
)

// requireDocker skips t when no engine (or no static busybox for the test
// image) is available, unless SKIFF_REQUIRE_DOCKER=1 makes that a failure.
func requireDocker(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("SKIFF_REQUIRE_DOCKER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (set SKIFF_REQUIRE_DOCKER=1 to make this a failure)")
}

// newTestDocker returns a Docker runner with the test image imported.
func newTestDocker(t testing.TB) *Docker {
	t.Helper()
	d, err := NewDocker(t.TempDir(), DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Ping(context.Background()); err != nil {
		requireDocker(t, err.Error())
	}
	importOnce.Do(func() { importErr = d.ImportBusybox(context.Background(), testImage, "") })
	if importErr != nil {
		requireDocker(t, "cannot build the test image: "+importErr.Error())
	}
	return d
}

func dockerSetup(t *testing.T, d *Docker, spec Spec) Env {
	t.Helper()
	env, err := d.Setup(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Destroy(context.Background()) })
	return env
}

// setupDocker is setup (host_test.go) for the Docker runner: an
// environment of the test image, with sub/ in the source directory.
func setupDocker(t *testing.T, shell string) (testEnv, *output, string, *Docker) {
	t.Helper()
	d := newTestDocker(t)
	out := &output{}
	marker := "CODEBUILD_BUILD_ARN=arn:aws:codebuild:us-east-1:123456789012:build/p:" + strings.ReplaceAll(t.Name(), "/", "-")
	env := dockerSetup(t, d, Spec{BuildID: "p:" + strings.ReplaceAll(t.Name(), "/", "-"), Marker: marker, Image: testImage, Output: out.add, MaxLine: 1000})
	if err := os.MkdirAll(filepath.Join(env.Dirs().HostRoot, "src", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return testEnv{env, Command{Shell: shell, Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), marker, "GREETING=hello"}}}, out, marker, d
}

func TestDockerPersistentShell(t *testing.T) {
	env, out, _, _ := setupDocker(t, "sh")
	src := env.Dirs().BuildRoot + "/src"
	if !strings.HasPrefix(src, "/codebuild/output/src") {
		t.Fatalf("build root %s", env.Dirs().BuildRoot)
	}
	steps := []struct {
		script string
		rc     int
		lines  []string
	}{
		{"echo $GREETING", 0, []string{"hello"}},
		{"cd sub && export FOO=bar && PLAIN=p", 0, nil},
		{"pwd; echo $FOO $PLAIN", 0, []string{src + "/sub", "bar p"}},
		{"f() { echo in-function; }", 0, nil},
		{"f", 0, []string{"in-function"}},
		{"false", 1, nil},
		{"printf 'no newline'", 0, []string{"no newline"}},
		{"echo; echo", 0, []string{"", ""}},
		{"cat; echo stdin-closed", 0, []string{"stdin-closed"}},
		{"exec >/dev/null; echo swallowed", 0, nil},
		{"echo not-swallowed", 0, []string{"not-swallowed"}},
		{"echo before-exit; exit 3", 3, []string{"before-exit"}},
		{"pwd; echo $FOO", 0, []string{src + "/sub", "bar"}},
		{"if then", 2, nil},
		{"echo $FOO after syntax error", 0, []string{"bar after syntax error"}},
		{"echo multi\necho line", 0, []string{"multi", "line"}},
		{"echo err >&2", 0, []string{"err"}},
		{"kill -9 $$", 137, nil},
		{"echo $FOO after kill", 0, []string{"bar after kill"}},
		{"echo $HOME; id -u", 0, []string{"/root", "0"}},
		{"echo data >../../tmp/file; codebuild-hash-files ../../tmp/file", 0, []string{"6667b2d1aab6a00caa5aee5af8ad9f1465e567abf1c209d15727d57b3e8f6e5f"}},
	}
	for _, s := range steps {
		r := run(t, env, s.script, true)
		got := out.take()
		if s.script == "if then" {
			got = nil // the shell's own syntax error text varies
		}
		if r.ExitCode != s.rc || r.Killed || fmt.Sprint(got) != fmt.Sprint(s.lines) {
			t.Fatalf("%q: rc %d killed %v lines %q; want rc %d lines %q", s.script, r.ExitCode, r.Killed, got, s.rc, s.lines)
		}
	}
	c := env.with("echo $CODEBUILD_BUILD_SUCCEEDING", true)
	c.SetEnv = []string{"CODEBUILD_BUILD_SUCCEEDING=0"}
	r, err := env.Run(context.Background(), c)
	if err != nil || r.ExitCode != 0 || fmt.Sprint(out.take()) != "[0]" {
		t.Fatalf("SetEnv: %v %v", r, err)
	}
	vars, err := env.Vars(context.Background(), []string{"FOO", "PLAIN", "MISSING", "GREETING"}, env.with("", true))
	if err != nil || vars["FOO"] != "bar" || vars["GREETING"] != "hello" || len(vars) != 2 {
		t.Fatalf("vars %v %v", vars, err)
	}
	v, err := env.Eval(context.Background(), "out-$FOO-$(echo x)", env.with("", true))
	if err != nil || v != "out-bar-x" {
		t.Fatalf("eval %q %v", v, err)
	}
	if got := out.take(); len(got) != 0 {
		t.Fatalf("Eval and Vars printed %q", got)
	}
}

func TestDockerOneShellPerCommand(t *testing.T) {
	env, out, _, _ := setupDocker(t, "")
	src := env.Dirs().BuildRoot + "/src"
	for _, s := range []struct {
		script string
		rc     int
		lines  []string
	}{
		{"cd sub; export FOO=bar; pwd", 0, []string{src + "/sub"}},
		{"pwd; echo \"[$FOO]\" $GREETING", 0, []string{src, "[] hello"}},
		{"echo out; echo err >&2; exit 4", 4, []string{"out", "err"}},
		{"kill -9 $$", 137, nil},
	} {
		c := env.with(s.script, false)
		c.Dir = src
		r, err := env.Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.take(); r.ExitCode != s.rc || fmt.Sprint(got) != fmt.Sprint(s.lines) {
			t.Fatalf("%q: %q (rc %d)", s.script, got, r.ExitCode)
		}
	}
	c := env.with("echo $CODEBUILD_BUILD_SUCCEEDING", false)
	c.SetEnv = []string{"CODEBUILD_BUILD_SUCCEEDING=0"}
	if r, err := env.Run(context.Background(), c); err != nil || r.ExitCode != 0 || fmt.Sprint(out.take()) != "[0]" {
		t.Fatalf("SetEnv: %v %v", r, err)
	}
	v, err := env.Eval(context.Background(), "$GREETING-$(echo x)", env.with("", false))
	if err != nil || v != "hello-x" {
		t.Fatalf("eval %q %v", v, err)
	}
	// A background process keeping the output open does not delay the
	// command's end.
	start := time.Now()
	if r := run(t, env, "sleep 60 & echo started", false); r.ExitCode != 0 || time.Since(start) > 30*time.Second {
		t.Fatalf("background process: %+v after %v", r, time.Since(start))
	}
}

func TestDockerBashUnsupported(t *testing.T) {
	env, _, _, _ := setupDocker(t, "bash")
	for _, persistent := range []bool{true, false} {
		_, err := env.Run(context.Background(), env.with("echo", persistent))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "no bash") {
			t.Fatalf("persistent %v: got %v", persistent, err)
		}
	}
	env.cmd.Shell = "powershell.exe"
	if _, err := env.Run(context.Background(), env.with("echo", true)); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("powershell: %v", err)
	}
}

func TestDockerRunAs(t *testing.T) {
	env, out, _, _ := setupDocker(t, "")
	as := func(user, script string, persistent bool) (Result, error) {
		c := env.with(script, persistent)
		c.User = user
		return env.Run(context.Background(), c)
	}
	for _, s := range []struct {
		user, script string
		lines        []string
	}{
		{"builder", "id -un; echo $HOME; cd /tmp; export AS=builder", []string{"builder", "/home/builder"}},
		{"", "id -un; pwd; echo \"[$AS]\"", []string{"root", env.Dirs().BuildRoot + "/src", "[]"}},
		{"builder", "pwd; echo $AS", []string{"/tmp", "builder"}},
		{"root", "id -un", []string{"root"}},
	} {
		if r, err := as(s.user, s.script, true); err != nil || r.ExitCode != 0 {
			t.Fatalf("%s %q: %+v %v", s.user, s.script, r, err)
		}
		if got := out.take(); fmt.Sprint(got) != fmt.Sprint(s.lines) {
			t.Fatalf("%s %q: %q", s.user, s.script, got)
		}
	}
	c := env.with("", true)
	c.User = "builder"
	if v, err := env.Eval(context.Background(), "$AS-$(id -u)", c); err != nil || v != "builder-1000" {
		t.Fatalf("eval as builder: %q %v", v, err)
	}
	if r, err := as("builder", "id -un", false); err != nil || r.ExitCode != 0 || fmt.Sprint(out.take()) != "[builder]" {
		t.Fatalf("one-shot as builder: %+v %v", r, err)
	}
	for _, persistent := range []bool{true, false} {
		_, err := as("no-such-user", "true", persistent)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "no-such-user") {
			t.Fatalf("missing user: %v", err)
		}
	}
}

func TestDockerKill(t *testing.T) {
	env, _, marker, d := setupDocker(t, "")
	done := make(chan Result, 1)
	go func() {
		r, _ := env.Run(context.Background(), env.with("sleep 300 & setsid sleep 301 & sh -c 'sleep 302'", true))
		done <- r
	}()
	// The container's processes are processes of this machine; a root
	// test can see them carry the build's marker.
	canSee := os.Getuid() == 0
	deadline := time.Now().Add(10 * time.Second)
	for canSee && len(MarkedPIDs(marker)) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !canSee {
		time.Sleep(500 * time.Millisecond)
	} else if n := len(MarkedPIDs(marker)); n < 4 {
		t.Fatalf("only %d processes started", n)
	}
	start := time.Now()
	env.Kill()
	select {
	case r := <-done:
		if !r.Killed {
			t.Fatalf("result %+v, want Killed", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Kill")
	}
	took := time.Since(start)
	t.Logf("Kill took %v", took)
	// Well under docker stop's 10-second grace period, with room for a
	// loaded machine.
	if took > 5*time.Second {
		t.Errorf("Kill took %v", took)
	}
	if pids := MarkedPIDs(marker); canSee && len(pids) > 0 {
		t.Fatalf("processes survived Kill: %v", pids)
	}
	if r, err := env.Run(context.Background(), env.with("true", true)); err != nil || !r.Killed {
		t.Fatalf("Run after Kill: %+v %v", r, err)
	}
	name := env.Leftover().ID
	if _, err := d.Client().ContainerInspect(context.Background(), name, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container %s after Kill: %v", name, err)
	}
}

func TestDockerRunContextCancel(t *testing.T) {
	env, _, _, _ := setupDocker(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := env.Run(ctx, env.with("sleep 300", true))
	if !errors.Is(err, context.DeadlineExceeded) || !r.Killed || time.Since(start) > 30*time.Second {
		t.Fatalf("%+v %v after %v", r, err, time.Since(start))
	}
}

func TestDockerDestroy(t *testing.T) {
	env, _, marker, d := setupDocker(t, "")
	run(t, env, "nohup sleep 300 >/dev/null 2>&1 &", true)
	run(t, env, "echo x >root-owned", true)
	root, name := env.Dirs().HostRoot, env.Leftover().ID
	if err := env.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pids := MarkedPIDs(marker); len(pids) > 0 {
		t.Fatalf("processes survived Destroy: %v", pids)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("root not removed: %v", err)
	}
	if _, err := d.Client().ContainerInspect(context.Background(), name, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container %s after Destroy: %v", name, err)
	}
	if err := env.Destroy(context.Background()); err != nil {
		t.Fatalf("second Destroy: %v", err)
	}
	if _, err := env.Run(context.Background(), env.with("true", true)); err == nil {
		t.Fatal("Run after Destroy succeeded")
	}
}

func TestDockerReap(t *testing.T) {
	env, _, marker, d := setupDocker(t, "")
	run(t, env, "setsid sleep 300 >/dev/null 2>&1 &", true)
	l := env.Leftover()
	if l.Runner != "docker" || l.ID == "" || l.Root != env.Dirs().HostRoot || l.Marker != marker {
		t.Fatalf("leftover %+v", l)
	}
	// skiff "crashed": a new runner on the same directory reaps the build.
	d2, err := NewDocker(d.Dir, DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.Reap(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client().ContainerInspect(context.Background(), l.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container %s after Reap: %v", l.ID, err)
	}
	if pids := MarkedPIDs(marker); len(pids) > 0 {
		t.Fatalf("processes survived Reap: %v", pids)
	}
	if _, err := os.Stat(l.Root); !os.IsNotExist(err) {
		t.Fatalf("root not removed: %v", err)
	}
	if err := d2.Reap(context.Background(), l); err != nil {
		t.Fatalf("second Reap: %v", err)
	}
	if err := d2.Reap(context.Background(), Leftover{Runner: "docker", Root: "/etc"}); err == nil {
		t.Fatal("Reap accepted a directory outside its own")
	}
	// A container whose leftover was never recorded (a crash during
	// Setup) is found by its labels.
	env2 := dockerSetup(t, d, Spec{BuildID: "p:reap2", Marker: "CODEBUILD_BUILD_ARN=arn:aws:codebuild:us-east-1:123456789012:build/p:reap2", Image: testImage})
	l2 := env2.Leftover()
	if err := d2.Reap(context.Background(), Leftover{Runner: "docker", Marker: l2.Marker}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client().ContainerInspect(context.Background(), l2.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container %s after Reap by label: %v", l2.ID, err)
	}
	env3 := dockerSetup(t, d, Spec{BuildID: "p:prune", Image: testImage})
	if err := d2.Prune(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client().ContainerInspect(context.Background(), env3.Leftover().ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container after Prune: %v", err)
	}
	if _, err := os.Stat(env3.Dirs().HostRoot); !os.IsNotExist(err) {
		t.Fatalf("root not removed by Prune: %v", err)
	}
}

func TestDockerBoundedOutput(t *testing.T) {
	d := newTestDocker(t)
	var mu sync.Mutex
	var n, longest int
	env := dockerSetup(t, d, Spec{Image: testImage, MaxLine: 4096, Output: func(b []byte) {
		mu.Lock()
		n += len(b)
		longest = max(longest, len(b))
		mu.Unlock()
	}})
	for _, persistent := range []bool{true, false} {
		n, longest = 0, 0
		// 64 MiB without a single newline.
		r, err := env.Run(context.Background(), Command{Script: "head -c 67108864 /dev/zero | tr '\\0' a", Persistent: persistent})
		if err != nil || r.ExitCode != 0 {
			t.Fatal(r, err)
		}
		mu.Lock()
		if n != 64<<20 || longest != 4096 {
			t.Fatalf("persistent %v: delivered %d bytes, longest line %d", persistent, n, longest)
		}
		mu.Unlock()
	}
}

func TestDockerHostNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "skiff here\n") }))
	defer srv.Close()
	env, out, _, _ := setupDocker(t, "")
	env.cmd.Env = append(env.cmd.Env, "AWS_ENDPOINT_URL="+srv.URL)
	if r := run(t, env, `wget -q -O - "$AWS_ENDPOINT_URL/"`, true); r.ExitCode != 0 {
		t.Fatalf("wget: %+v %q", r, out.take())
	}
	if got := out.take(); fmt.Sprint(got) != "[skiff here]" {
		t.Fatalf("got %q", got)
	}
}

func TestDockerContainer(t *testing.T) {
	d := newTestDocker(t)
	env := dockerSetup(t, d, Spec{BuildID: "proj:1234", Image: testImage})
	c, err := d.Client().ContainerInspect(context.Background(), env.Leftover().ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc, cfg := c.Container.HostConfig, c.Container.Config
	if hc.Privileged || hc.NetworkMode != "host" || cfg.Labels[labelBuild] != "proj:1234" || cfg.Labels[labelManaged] != "true" || cfg.Labels[labelRoot] != env.Dirs().HostRoot {
		t.Fatalf("privileged %v network %s labels %v", hc.Privileged, hc.NetworkMode, cfg.Labels)
	}
	if !strings.HasPrefix(env.Leftover().ID, "skiff-proj-1234-src") {
		t.Fatalf("container name %s", env.Leftover().ID)
	}
	penv, err := d.Setup(context.Background(), Spec{Image: testImage, Privileged: true})
	if err != nil {
		if strings.Contains(err.Error(), "operation not permitted") {
			// skiff's tests themselves may run in a container that cannot
			// grant every capability.
			t.Skipf("this engine cannot run privileged containers here: %v", err)
		}
		t.Fatal(err)
	}
	defer penv.Destroy(context.Background())
	c, err = d.Client().ContainerInspect(context.Background(), penv.Leftover().ID, client.ContainerInspectOptions{})
	if err != nil || !c.Container.HostConfig.Privileged {
		t.Fatalf("privileged build: %v", err)
	}
}

func TestDockerSetupErrors(t *testing.T) {
	d, err := NewDocker(t.TempDir(), DockerOptions{Host: "unix:///nonexistent/docker.sock"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Setup(context.Background(), Spec{Image: "golang:1.22"})
	if err == nil || !strings.HasPrefix(err.Error(), "no Docker engine reachable at unix:///nonexistent/docker.sock: ") {
		t.Fatalf("unreachable engine: %v", err)
	}
	if err := d.Reap(context.Background(), Leftover{Runner: "docker", ID: "x"}); err == nil {
		t.Fatal("Reap without an engine reported nothing")
	}

	d = newTestDocker(t)
	_, err = d.Setup(context.Background(), Spec{Image: "skiff-test/no-such-image:1"})
	want := `CodeBuild image "skiff-test/no-such-image:1" is not present in the local Docker engine; build or load it first (docker build/load/import)`
	if err == nil || err.Error() != want {
		t.Fatalf("missing image: %v", err)
	}
	if entries, _ := os.ReadDir(d.Dir); len(entries) > 1 {
		t.Fatalf("Setup left %d entries in %s", len(entries), d.Dir)
	}
}

func TestDockerChownTree(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("checks ownership as root")
	}
	d := newTestDocker(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600)
	if err := d.chownTree(context.Background(), testImage, dir, 4321, 4321); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; uid != 4321 {
		t.Fatalf("owner %d", uid)
	}
}

// Unit tests that need no engine.

func TestContainerName(t *testing.T) {
	for _, c := range []struct{ id, root, want string }{
		{"my-project:0b5c1c62-61d9-4fd5-9f6a-2c4f5e0f2d3e", "/x/src123", "skiff-my-project-0b5c1c62-61d9-4fd5-9f6a-2c4f5e0f2d3e-src123"},
		{"", "/x/src9", "skiff-src9"},
		{"a b/c", "/x/src1", "skiff-a-b-c-src1"},
	} {
		if got := containerName(c.id, c.root); got != c.want {
			t.Errorf("containerName(%q) = %q", c.id, got)
		}
	}
	if got := containerName(strings.Repeat("p", 300)+":u", "/x/src1"); len(got) > 200 {
		t.Errorf("long name %d", len(got))
	}
}

func TestBuildIDFromMarker(t *testing.T) {
	if got := buildIDFromMarker("CODEBUILD_BUILD_ARN=arn:aws:codebuild:us-east-1:123456789012:build/p:abc"); got != "p:abc" {
		t.Fatal(got)
	}
	if got := buildIDFromMarker("X=y"); got != "" {
		t.Fatal(got)
	}
}

func frame(stream byte, p []byte) []byte {
	h := make([]byte, 8, 8+len(p))
	h[0] = stream
	binary.BigEndian.PutUint32(h[4:], uint32(len(p)))
	return append(h, p...)
}

// chunkWriter records the largest write it got.
type chunkWriter struct {
	bytes.Buffer
	largest int
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.largest = max(w.largest, len(p))
	return w.Buffer.Write(p)
}

func TestDemux(t *testing.T) {
	big := bytes.Repeat([]byte("z"), 1<<20)
	var in bytes.Buffer
	in.Write(frame(1, []byte("out ")))
	in.Write(frame(2, []byte("err ")))
	in.Write(frame(1, big))
	var w chunkWriter
	if err := demux(&in, &w); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), append([]byte("out err "), big...)) || w.largest > 32*1024 {
		t.Fatalf("got %d bytes, largest write %d", w.Len(), w.largest)
	}
	in.Reset()
	in.Write(frame(3, []byte("boom")))
	if err := demux(&in, &w); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("system error frame: %v", err)
	}
	if err := demux(bytes.NewReader([]byte{1, 0, 0}), &w); err != nil {
		t.Fatalf("truncated stream: %v", err)
	}
}

func TestDockerExecEnv(t *testing.T) {
	t.Setenv("HOME", "/home/skiff")
	t.Setenv("PATH", "/skiff/bin:/usr/bin")
	t.Setenv("LANG", "C.UTF-8")
	e := &dockerEnv{spec: Spec{Marker: "M=1"}, imagePath: "/go/bin:/usr/bin"}
	got := e.execEnv(Command{Env: []string{"PATH=/skiff/bin:/usr/bin", "HOME=/home/skiff", "LANG=C.UTF-8", "A=1"}, SetEnv: []string{"A=2", "B=3"}}, true)
	if want := "[A=2 M=1 PATH=/go/bin:/usr/bin:/codebuild/skiff/bin B=3]"; fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	// Values the project set itself stay.
	got = e.execEnv(Command{Env: []string{"PATH=/opt/bin", "HOME=/work", "LANG=de_DE.UTF-8", "M=1"}, SetEnv: []string{"A=2"}}, false)
	if want := "[HOME=/work LANG=de_DE.UTF-8 M=1 PATH=/opt/bin:/codebuild/skiff/bin]"; fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

// BenchmarkDocker measures a trivial command in the persistent shell and
// in a new shell (an exec each), and a container's setup and teardown.
func BenchmarkDocker(b *testing.B) {
	d := newTestDocker(b)
	for _, persistent := range []bool{true, false} {
		name := "command/persistent"
		if !persistent {
			name = "command/one-shell-per-command"
		}
		b.Run(name, func(b *testing.B) {
			env, err := d.Setup(context.Background(), Spec{Image: testImage})
			if err != nil {
				b.Fatal(err)
			}
			defer env.Destroy(context.Background())
			for b.Loop() {
				r, err := env.Run(context.Background(), Command{Script: "true", Persistent: persistent})
				if err != nil || r.ExitCode != 0 {
					b.Fatal(r, err)
				}
			}
		})
	}
	b.Run("setup-destroy", func(b *testing.B) {
		for b.Loop() {
			env, err := d.Setup(context.Background(), Spec{Image: testImage})
			if err != nil {
				b.Fatal(err)
			}
			if err := env.Destroy(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
