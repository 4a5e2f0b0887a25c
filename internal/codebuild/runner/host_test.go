package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLineSplitter(t *testing.T) {
	const tok = "TOK"
	for _, c := range []struct {
		name   string
		chunks []string
		want   []string // lines, and "<m fields>" for markers
	}{
		{"plain", []string{"a\nb\n"}, []string{"a", "b"}},
		{"marker after newline", []string{"a\n", "\nTOK 1 0\n"}, []string{"a", "<1 0>"}},
		{"marker after partial line", []string{"abc", "\nTOK 1 0\n"}, []string{"abc", "<1 0>"}},
		{"no output", []string{"\nTOK 1 0\n"}, []string{"<1 0>"}},
		{"intentional empty line kept", []string{"\n\nTOK 1 0\n"}, []string{"", "<1 0>"}},
		{"empty lines between", []string{"a\n\n\nb\n"}, []string{"a", "", "", "b"}},
		{"split chunks", []string{"he", "llo\nwor", "ld\n\nT", "OK 2 1\n"}, []string{"hello", "world", "<2 1>"}},
		{"death marker", []string{"x\n\nTOK x 3 13\n"}, []string{"x", "<x 3 13>"}},
		{"token prefix is not a marker", []string{"TOKEN\nTOK\n"}, []string{"TOKEN", "TOK"}},
		{"overlong line split", []string{strings.Repeat("z", 25) + "\n"}, []string{"zzzzzzzzzz", "zzzzzzzzzz", "zzzzz"}},
		{"overlong across chunks", []string{"zzzzzz", "zzzzzz", "zz\n"}, []string{"zzzzzzzzzz", "zzzz"}},
		{"exact max", []string{"0123456789\n"}, []string{"0123456789"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			s := NewLineSplitter(tok, 10, func(b []byte) { got = append(got, string(b)) },
				func(f []string) { got = append(got, "<"+strings.Join(f, " ")+">") })
			for _, ch := range c.chunks {
				s.Write([]byte(ch))
			}
			s.Flush()
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

type output struct {
	mu    sync.Mutex
	lines []string
}

func (o *output) add(b []byte) {
	o.mu.Lock()
	o.lines = append(o.lines, string(b))
	o.mu.Unlock()
}

func (o *output) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.lines
	o.lines = nil
	return l
}

// testEnv is one build environment under test with the command template
// its steps use.
type testEnv struct {
	Env
	cmd Command
}

func (te testEnv) with(script string, persistent bool) Command {
	c := te.cmd
	c.Script, c.Persistent = script, persistent
	return c
}

func setup(t *testing.T, shell string) (testEnv, *output, string) {
	t.Helper()
	out := &output{}
	marker := "CODEBUILD_BUILD_ARN=arn:aws:codebuild:us-east-1:123456789012:build/p:" + t.Name()
	h := NewHost(t.TempDir())
	env, err := h.Setup(context.Background(), Spec{BuildID: "p:1", Marker: marker, Output: out.add, MaxLine: 1000})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(env.Dirs().HostRoot, "src", "sub"), 0o755)
	t.Cleanup(func() { env.Destroy(context.Background()) })
	return testEnv{env, Command{Shell: shell, Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), marker, "GREETING=hello"}}}, out, marker
}

func run(t *testing.T, env testEnv, script string, persistent bool) Result {
	t.Helper()
	r, err := env.Run(context.Background(), env.with(script, persistent))
	if err != nil {
		t.Fatalf("run %q: %v", script, err)
	}
	return r
}

func TestHostPersistentShell(t *testing.T) {
	for _, shell := range []string{"sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			env, out, _ := setup(t, shell)
			steps := []struct {
				script string
				rc     int
				lines  []string
			}{
				{"echo $GREETING", 0, []string{"hello"}},
				{"cd sub && export FOO=bar && PLAIN=p", 0, nil},
				{"pwd; echo $FOO $PLAIN", 0, []string{filepath.Join(env.Dirs().HostRoot, "src", "sub"), "bar p"}},
				{"f() { echo in-function; }", 0, nil},
				{"f", 0, []string{"in-function"}},
				{"false", 1, nil},
				{"printf 'no newline'", 0, []string{"no newline"}},
				{"echo; echo", 0, []string{"", ""}},
				{"cat; echo stdin-closed", 0, []string{"stdin-closed"}},
				{"exec >/dev/null; echo swallowed", 0, nil},
				{"echo not-swallowed", 0, []string{"not-swallowed"}},
				{"echo before-exit; exit 3", 3, []string{"before-exit"}},
				{"pwd; echo $FOO", 0, []string{filepath.Join(env.Dirs().HostRoot, "src", "sub"), "bar"}},
				{"if then", 2, nil},
				{"echo $FOO after syntax error", 0, []string{"bar after syntax error"}},
				{"echo multi\necho line", 0, []string{"multi", "line"}},
				{"echo err >&2", 0, []string{"err"}},
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
				// PLAIN was lost when "exit 3" ended the shell: only exported
				// variables survive a restart.
				t.Fatalf("vars %v %v", vars, err)
			}
			v, err := env.Eval(context.Background(), "out-$FOO-$(echo x)", env.with("", true))
			if err != nil || v != "out-bar-x" {
				t.Fatalf("eval %q %v", v, err)
			}
		})
	}
}

func TestHostOneShellPerCommand(t *testing.T) {
	env, out, _ := setup(t, "")
	src := filepath.Join(env.Dirs().HostRoot, "src")
	for _, s := range []struct {
		script string
		lines  []string
	}{
		{"cd sub; export FOO=bar; pwd", []string{filepath.Join(src, "sub")}},
		{"pwd; echo \"[$FOO]\"", []string{src, "[]"}},
		{"exit 4", nil},
	} {
		c := env.with(s.script, false)
		c.Dir = src
		r, err := env.Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.take(); fmt.Sprint(got) != fmt.Sprint(s.lines) {
			t.Fatalf("%q: %q (rc %d)", s.script, got, r.ExitCode)
		}
		if s.script == "exit 4" && r.ExitCode != 4 {
			t.Fatalf("exit 4 gave %d", r.ExitCode)
		}
	}
}

func TestHostKillEndsTheWholeTree(t *testing.T) {
	env, _, marker := setup(t, "bash")
	// A process tree: a background sleep, a sleep in its own session
	// (escaping the process group) and the foreground sleep.
	done := make(chan Result, 1)
	go func() {
		r, _ := env.Run(context.Background(), env.with("sleep 300 & setsid sleep 301 & sh -c 'sleep 302'", true))
		done <- r
	}()
	deadline := time.Now().Add(20 * time.Second)
	for len(MarkedPIDs(marker)) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(MarkedPIDs(marker)); n < 4 {
		t.Fatalf("only %d processes started", n)
	}
	env.Kill()
	select {
	case r := <-done:
		if !r.Killed {
			t.Fatalf("result %+v, want Killed", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Kill")
	}
	if pids := MarkedPIDs(marker); len(pids) > 0 {
		t.Fatalf("processes survived Kill: %v", pids)
	}
}

func TestHostDestroyEndsBackgroundProcesses(t *testing.T) {
	env, _, marker := setup(t, "")
	run(t, env, "nohup sleep 300 >/dev/null 2>&1 &", true)
	if len(MarkedPIDs(marker)) == 0 {
		t.Fatal("background sleep not found")
	}
	root := env.Dirs().HostRoot
	if err := env.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pids := MarkedPIDs(marker); len(pids) > 0 {
		t.Fatalf("processes survived Destroy: %v", pids)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("root not removed: %v", err)
	}
}

func TestHostReap(t *testing.T) {
	env, _, marker := setup(t, "")
	run(t, env, "setsid sleep 300 >/dev/null 2>&1 &", true)
	l := env.Leftover()
	h := &Host{Dir: filepath.Dir(l.Root)}
	if err := h.Reap(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if pids := MarkedPIDs(marker); len(pids) > 0 {
		t.Fatalf("processes survived Reap: %v", pids)
	}
	if err := h.Reap(context.Background(), Leftover{Root: "/etc"}); err == nil {
		t.Fatal("Reap accepted a directory outside its own")
	}
}

func TestHostBoundedOutput(t *testing.T) {
	var mu sync.Mutex
	var n, longest int
	h := NewHost(t.TempDir())
	env, err := h.Setup(context.Background(), Spec{MaxLine: 4096, Output: func(b []byte) {
		mu.Lock()
		n += len(b)
		longest = max(longest, len(b))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Destroy(context.Background())
	// 64 MiB without a single newline.
	r, err := env.Run(context.Background(), Command{Script: "head -c 67108864 /dev/zero | tr '\\0' a", Persistent: true, Env: []string{"PATH=" + os.Getenv("PATH")}})
	if err != nil || r.ExitCode != 0 {
		t.Fatal(r, err)
	}
	if n != 64<<20 || longest != 4096 {
		t.Fatalf("delivered %d bytes, longest line %d", n, longest)
	}
}

func TestHostUnsupportedShell(t *testing.T) {
	env, _, _ := setup(t, "powershell.exe")
	_, err := env.Run(context.Background(), env.with("echo", true))
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v", err)
	}
}
