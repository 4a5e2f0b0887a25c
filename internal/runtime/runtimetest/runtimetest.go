// Package runtimetest is the conformance suite every instance runtime
// (internal/runtime) passes: create, run hooks with the instance's
// environment, report exit codes and timeouts as results, track daemons a
// hook leaves running, and end every process on Stop and Terminate.
package runtimetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/runtime"
)

// Run runs the suite against runtimes made by newRuntime (one per subtest).
func Run(t *testing.T, newRuntime func(t *testing.T) runtime.Runtime) {
	ctx := context.Background()
	script := func(t *testing.T, inst *runtime.Instance, name, body string) string {
		t.Helper()
		p := filepath.Join(inst.Root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	create := func(t *testing.T, rt runtime.Runtime, id string) *runtime.Instance {
		t.Helper()
		inst, err := rt.Create(ctx, runtime.Spec{ID: id, Account: "123456789012", Region: "us-east-1"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		t.Cleanup(func() { rt.Terminate(context.Background(), id) })
		return inst
	}

	t.Run("create", func(t *testing.T) {
		rt := newRuntime(t)
		a := create(t, rt, "i-a")
		b := create(t, rt, "i-b")
		if st, err := os.Stat(a.Root); err != nil || !st.IsDir() {
			t.Fatalf("root %s: %v", a.Root, err)
		}
		if a.Port <= 0 || b.Port <= 0 || a.Port == b.Port {
			t.Fatalf("ports %d and %d", a.Port, b.Port)
		}
		if _, err := rt.Create(ctx, runtime.Spec{ID: "i-a"}); err == nil {
			t.Fatal("duplicate Create succeeded")
		}
		if got, ok := rt.Get("i-a"); !ok || got.Root != a.Root || got.Port != a.Port {
			t.Fatalf("Get: %+v %v", got, ok)
		}
		if l := rt.List(); len(l) != 2 || l[0].ID != "i-a" || l[1].ID != "i-b" {
			t.Fatalf("List: %+v", l)
		}
	})

	t.Run("run environment and results", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-env")
		p := script(t, inst, "hooks/env.sh", "#!/bin/sh\necho \"port=$PORT root=$INSTANCE_ROOT pwd=$(pwd) x=$X\"\necho oops >&2\nexit 3\n")
		res, err := rt.Run(ctx, "i-env", runtime.Command{Path: p, Env: []string{"X=y"}})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		want := "port=" + strconv.Itoa(inst.Port) + " root=" + inst.Root + " pwd=" + inst.Root + " x=y"
		if res.ExitCode != 3 || res.TimedOut || !strings.Contains(string(res.Stdout), want) || strings.TrimSpace(string(res.Stderr)) != "oops" {
			t.Fatalf("result %+v stdout %q stderr %q, want exit 3 and %q", res, res.Stdout, res.Stderr, want)
		}
		if res.Ended.Before(res.Started) {
			t.Fatalf("times %v %v", res.Started, res.Ended)
		}
		// No "#!" line: run by /bin/sh.
		p = script(t, inst, "plain.sh", "echo plain $1\n")
		res, err = rt.Run(ctx, "i-env", runtime.Command{Path: p, Args: []string{"arg"}, Banner: "LifecycleEvent - Test"})
		if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "plain arg") || !strings.HasPrefix(string(res.Stdout), "LifecycleEvent - Test\n") {
			t.Fatalf("plain script: %+v %q %v", res, res.Stdout, err)
		}
	})

	t.Run("missing and not executable", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-bad")
		if _, err := rt.Run(ctx, "i-bad", runtime.Command{Path: filepath.Join(inst.Root, "nope.sh")}); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		p := filepath.Join(inst.Root, "noexec.sh")
		os.WriteFile(p, []byte("#!/bin/sh\ntrue\n"), 0o644)
		if _, err := rt.Run(ctx, "i-bad", runtime.Command{Path: p}); !errors.Is(err, runtime.ErrNotExecutable) {
			t.Fatalf("not executable: %v", err)
		}
		if _, err := rt.Run(ctx, "i-none", runtime.Command{Path: p}); !errors.Is(err, runtime.ErrNoInstance) {
			t.Fatalf("unknown instance: %v", err)
		}
	})

	t.Run("timeout kills the process group", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-slow")
		p := script(t, inst, "slow.sh", "#!/bin/sh\nsleep 1000 &\necho started\nwait\n")
		start := time.Now()
		res, err := rt.Run(ctx, "i-slow", runtime.Command{Path: p, Timeout: 300 * time.Millisecond})
		if err != nil || !res.TimedOut {
			t.Fatalf("timeout: %+v %v", res, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("timeout took %v", d)
		}
		waitNoProcesses(t, rt, "i-slow")
	})

	t.Run("cancel kills the command", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-cancel")
		p := script(t, inst, "slow.sh", "#!/bin/sh\nexec sleep 1000\n")
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		res, err := rt.Run(cctx, "i-cancel", runtime.Command{Path: p})
		if err == nil || res == nil || res.ExitCode == 0 {
			t.Fatalf("cancel: %+v %v", res, err)
		}
		waitNoProcesses(t, rt, "i-cancel")
	})

	t.Run("daemons are tracked and killed on terminate", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-daemon")
		// A plain background job, one that leaves the session, one that
		// scrubs its environment, and a double fork: all must be found.
		p := script(t, inst, "start.sh", `#!/bin/sh
nohup sleep 1001 >/dev/null 2>&1 &
setsid sleep 1002 >/dev/null 2>&1 &
env -i /bin/sleep 1003 >/dev/null 2>&1 &
( ( sleep 1004 & ) & )
echo started
`)
		res, err := rt.Run(ctx, "i-daemon", runtime.Command{Path: p})
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("start: %+v %v", res, err)
		}
		var pids []int
		deadline := time.Now().Add(20 * time.Second)
		for {
			ps, err := rt.Processes("i-daemon")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			pids = pids[:0]
			for _, pr := range ps {
				for _, n := range []string{"1001", "1002", "1003", "1004"} {
					if strings.Contains(pr.Command, "sleep "+n) {
						seen[n] = true
						pids = append(pids, pr.PID)
					}
				}
			}
			if len(seen) == 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("daemons found: %v (processes %+v)", seen, ps)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := rt.Terminate(ctx, "i-daemon"); err != nil {
			t.Fatalf("Terminate: %v", err)
		}
		for _, pid := range pids {
			if Alive(pid) {
				t.Errorf("process %d survived Terminate", pid)
			}
		}
		if _, ok := rt.Get("i-daemon"); ok {
			t.Fatal("instance still known after Terminate")
		}
		if _, err := os.Stat(inst.Root); !os.IsNotExist(err) {
			t.Fatalf("root still there: %v", err)
		}
		if err := rt.Terminate(ctx, "i-daemon"); err != nil {
			t.Fatalf("second Terminate: %v", err)
		}
	})

	t.Run("stop keeps files", func(t *testing.T) {
		rt := newRuntime(t)
		inst := create(t, rt, "i-stop")
		p := script(t, inst, "start.sh", "#!/bin/sh\nnohup sleep 1000 >/dev/null 2>&1 &\n")
		if res, err := rt.Run(ctx, "i-stop", runtime.Command{Path: p}); err != nil || res.ExitCode != 0 {
			t.Fatalf("start: %+v %v", res, err)
		}
		if err := rt.Stop(ctx, "i-stop"); err != nil {
			t.Fatal(err)
		}
		waitNoProcesses(t, rt, "i-stop")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("files gone after Stop: %v", err)
		}
		if res, err := rt.Run(ctx, "i-stop", runtime.Command{Path: p}); err != nil || res.ExitCode != 0 {
			t.Fatalf("run after Stop: %+v %v", res, err)
		}
	})
}

func waitNoProcesses(t *testing.T, rt runtime.Runtime, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err := rt.Processes(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left in %s: %+v", id, ps)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Alive reports whether pid is a live (non-zombie) process.
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
