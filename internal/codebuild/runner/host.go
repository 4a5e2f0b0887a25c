package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Host runs builds directly on skiff's machine, the way Woodpecker's local
// backend and Drone's exec runner do: no isolation beyond a fresh work
// directory per build, a scrubbed environment, and process groups that are
// killed as a whole.
type Host struct {
	// Dir holds one directory per running build ("src<digits>", like
	// CodeBuild's /codebuild/output/src<digits>), and bin/ with the helper
	// commands CodeBuild images provide. It is created if missing.
	Dir string

	ws workspace
}

// NewHost returns a host runner keeping build directories under dir.
func NewHost(dir string) *Host { return &Host{Dir: dir} }

var _ Runner = (*Host)(nil)

// Name implements Runner.
func (*Host) Name() string { return "host" }

// driverScript is the persistent shell of a 0.2 build. It is plain POSIX sh
// so it runs under dash (CodeBuild's default /bin/sh on Ubuntu images) and
// bash alike.
//
// skiff writes each command to fd 3 as a number line, then two blocks of
// lines each ended by a line holding the token: exports skiff sets first
// (CODEBUILD_BUILD_SUCCEEDING), and the command itself. The command is
// eval'ed in this shell, so cd, exported and plain variables and functions
// carry over to later commands and phases. It gets /dev/null as stdin and
// neither fd 3 nor fd 4, so nothing it starts can read the command stream
// or hold the marker channel, and its redirections are undone when it ends,
// so an "exec >file" in one command does not swallow the next one's output.
// Commands travel through the pipe rather than files because creating a
// file costs about a millisecond on the ext4 disks we measured.
//
// Before each command an EXIT trap is (re)installed that saves the exported
// environment and the directory: when a command ends the shell itself
// ("exit 1", a syntax error under dash, "set -e"), skiff starts a new
// shell, which restores both and carries on. After the command,
// "<token> N <status>" is written to fd 4, a copy of the output pipe, so it
// arrives after everything the command printed.
const driverScript = `# skiff buildspec driver (see internal/codebuild/runner/host.go)
__skiff_d=$1
__skiff_t=$2
set --
__skiff_save() {
  export -p >"$__skiff_d/state.env"
  printf '%s\n' "$PWD" >"$__skiff_d/state.pwd"
}
__skiff_block() {
  __skiff_s=
  while IFS= read -r __skiff_l <&3; do
    if [ "$__skiff_l" = "$__skiff_t" ]; then return 0; fi
    __skiff_s="$__skiff_s$__skiff_l
"
  done
  return 1
}
exec 4>&1
if [ -f "$__skiff_d/state.env" ]; then
  . "$__skiff_d/state.env"
  IFS= read -r __skiff_pwd <"$__skiff_d/state.pwd" && cd "$__skiff_pwd"
fi
while IFS= read -r __skiff_n <&3; do
  __skiff_block || break
  eval "$__skiff_s"
  __skiff_block || break
  trap __skiff_save EXIT
  eval "$__skiff_s" </dev/null >&4 2>&4 3<&- 4>&-
  __skiff_rc=$?
  printf '\n%s %s %s\n' "$__skiff_t" "$__skiff_n" "$__skiff_rc" >&4
done
trap - EXIT
`

// hashFilesScript is CodeBuild's codebuild-hash-files helper for cache
// keys: a SHA-256 over the named files (globs allowed), in name order.
const hashFilesScript = `#!/bin/sh
# codebuild-hash-files: SHA-256 of the given files, for cache keys.
for f in "$@"; do [ -f "$f" ] && printf '%s\n' "$f"; done | LC_ALL=C sort | while IFS= read -r f; do cat "$f"; done | sha256sum | cut -d' ' -f1
`

// Setup implements Runner.
func (h *Host) Setup(ctx context.Context, spec Spec) (Env, error) {
	if err := os.MkdirAll(h.Dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := h.ws.bin(h.Dir)
	if err != nil {
		return nil, err
	}
	root, state, err := newBuildRoot(h.Dir)
	if err != nil {
		return nil, err
	}
	e := &hostEnv{
		spec: spec, root: root, state: state, bin: bin, token: newToken(),
		procs: map[int]*os.Process{}, pending: map[int]chan Result{}, sessions: map[string]*session{},
	}
	fail := func(err error) (Env, error) {
		os.RemoveAll(root)
		return nil, err
	}
	e.outR, e.outW, err = os.Pipe()
	if err != nil {
		return fail(err)
	}
	out := spec.Output
	if out == nil {
		out = func([]byte) {}
	}
	e.split = NewLineSplitter(e.token, spec.MaxLine, out, e.onMarker)
	e.readerDone = make(chan struct{})
	go e.read()
	return e, nil
}

func hostShell(s string) (string, error) {
	switch s {
	case "", "sh", "/bin/sh":
		return "/bin/sh", nil
	case "bash", "/bin/bash":
		p, err := exec.LookPath("bash")
		if err != nil {
			return "", fmt.Errorf("shell bash: %w", err)
		}
		return p, nil
	}
	return "", fmt.Errorf("shell %s: %w", s, ErrUnsupported)
}

// hostEnv is one build on the host.
type hostEnv struct {
	spec  Spec
	root  string
	state string
	bin   string
	token string

	outR, outW *os.File
	split      *LineSplitter
	readerDone chan struct{}

	killed atomic.Bool
	seq    atomic.Int64

	mu       sync.Mutex
	next     int
	procs    map[int]*os.Process // live process group leaders
	pending  map[int]chan Result
	sessions map[string]*session // persistent shells by run-as user
	done     bool
}

// session is one persistent shell.
type session struct {
	cmd      *exec.Cmd
	in       *os.File // command numbers
	dead     chan struct{}
	lastSent int
}

func (e *hostEnv) Dirs() Dirs { return Dirs{HostRoot: e.root, BuildRoot: e.root} }

// read pumps the output pipe through the splitter until every writer is
// gone (Destroy closes skiff's own write end).
func (e *hostEnv) read() {
	defer close(e.readerDone)
	buf := make([]byte, 32*1024)
	for {
		n, err := e.outR.Read(buf)
		if n > 0 {
			e.split.Write(buf[:n])
		}
		if err != nil {
			e.split.Flush()
			return
		}
	}
}

// onMarker completes a command: "N status" from the driver or a one-shot
// waiter, "x N status" when a persistent shell ended during command N.
func (e *hostEnv) onMarker(f []string) {
	if len(f) == 3 && f[0] == "x" {
		f = f[1:]
	}
	if len(f) != 2 {
		return
	}
	n, err1 := strconv.Atoi(f[0])
	rc, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return
	}
	e.mu.Lock()
	ch := e.pending[n]
	delete(e.pending, n)
	e.mu.Unlock()
	if ch != nil {
		ch <- Result{ExitCode: rc, Killed: e.killed.Load()}
	}
}

func (e *hostEnv) baseEnv(c Command) []string {
	env := append([]string{}, c.Env...)
	if e.spec.Marker != "" && !contains(env, e.spec.Marker) {
		env = append(env, e.spec.Marker)
	}
	env = setEnv(env, "PATH", getEnv(env, "PATH")+":"+e.bin)
	extra := c.SetEnv
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		env = setEnv(env, k, v)
	}
	return env
}

func getEnv(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if name, v, ok := strings.Cut(env[i], "="); ok && name == k {
			return v
		}
	}
	return ""
}

func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// credential returns the process credential for a run-as user.
func credential(name string) (*syscall.Credential, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("run-as %s: %v: %w", name, err, ErrUnsupported)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == os.Getuid() {
		return nil, nil
	}
	if os.Getuid() != 0 {
		return nil, fmt.Errorf("run-as %s: the host runner can switch users only when skiff runs as root: %w", name, ErrUnsupported)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (e *hostEnv) startProc(cmd *exec.Cmd, user string) error {
	cred, err := credential(user)
	if err != nil {
		return err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	cmd.Stdout, cmd.Stderr = e.outW, e.outW
	if err := cmd.Start(); err != nil {
		if cred != nil {
			return fmt.Errorf("run-as %s: start a shell in %s: %v (the build directory must be accessible to the run-as user): %w", user, cmd.Dir, err, ErrUnsupported)
		}
		return err
	}
	e.procs[cmd.Process.Pid] = cmd.Process
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (e *hostEnv) dir(c Command) string {
	if c.Dir != "" {
		return c.Dir
	}
	return filepath.Join(e.root, "src")
}

// session returns the persistent shell for c's user and shell, starting
// one (again) if needed. Callers hold e.mu.
func (e *hostEnv) session(c Command) (*session, error) {
	shell, err := hostShell(c.Shell)
	if err != nil {
		return nil, err
	}
	key := c.User + "|" + shell
	if s := e.sessions[key]; s != nil {
		select {
		case <-s.dead:
		default:
			return s, nil
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// $0 names the script in error messages the way CodeBuild's
	// /codebuild/output/tmp/script.sh does.
	cmd := exec.Command(shell, "-c", driverScript, filepath.Join(e.state, "script.sh"), e.state, e.token)
	cmd.Dir = e.dir(c)
	cmd.Env = e.baseEnv(Command{Env: c.Env})
	cmd.ExtraFiles = []*os.File{r} // fd 3
	if err := e.startProc(cmd, c.User); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	r.Close()
	s := &session{cmd: cmd, in: w, dead: make(chan struct{})}
	e.sessions[key] = s
	go func() {
		rc := exitCode(cmd.Wait())
		w.Close()
		e.mu.Lock()
		delete(e.procs, cmd.Process.Pid)
		last := s.lastSent
		close(s.dead)
		e.mu.Unlock()
		// Written into the output stream after everything the shell
		// printed, so the command's output comes first.
		e.outW.Write(MarkerLine(e.token, "x", strconv.Itoa(last), strconv.Itoa(rc)))
	}()
	return s, nil
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func exportLines(kvs []string) []byte {
	var b bytes.Buffer
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	return b.Bytes()
}

// Run implements Env.
func (e *hostEnv) Run(ctx context.Context, c Command) (Result, error) {
	e.mu.Lock()
	if e.done {
		e.mu.Unlock()
		return Result{}, errors.New("environment destroyed")
	}
	if e.killed.Load() {
		e.mu.Unlock()
		return Result{ExitCode: 137, Killed: true}, nil
	}
	e.next++
	n := e.next
	ch := make(chan Result, 1)
	e.pending[n] = ch
	err := e.launch(n, c)
	if err != nil {
		delete(e.pending, n)
	}
	e.mu.Unlock()
	if err != nil {
		return Result{}, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		e.Kill()
		select {
		case r := <-ch:
			return r, ctx.Err()
		case <-time.After(5 * time.Second):
			return Result{ExitCode: 137, Killed: true}, ctx.Err()
		}
	}
}

// launch starts command n. Callers hold e.mu.
func (e *hostEnv) launch(n int, c Command) error {
	if !c.Persistent {
		shell, err := hostShell(c.Shell)
		if err != nil {
			return err
		}
		cmd := exec.Command(shell, "-c", c.Script)
		cmd.Dir = e.dir(c)
		cmd.Env = e.baseEnv(c)
		if err := e.startProc(cmd, c.User); err != nil {
			return err
		}
		go func() {
			rc := exitCode(cmd.Wait())
			e.mu.Lock()
			delete(e.procs, cmd.Process.Pid)
			e.mu.Unlock()
			e.outW.Write(MarkerLine(e.token, strconv.Itoa(n), strconv.Itoa(rc)))
		}()
		return nil
	}
	var msg bytes.Buffer
	msg.WriteString(strconv.Itoa(n) + "\n")
	msg.Write(exportLines(c.SetEnv))
	msg.WriteString(e.token + "\n")
	msg.WriteString(strings.TrimRight(c.Script, "\n") + "\n")
	msg.WriteString(e.token + "\n")
	for attempt := 0; ; attempt++ {
		s, err := e.session(c)
		if err != nil {
			return err
		}
		s.lastSent = n
		if _, err := s.in.Write(msg.Bytes()); err == nil {
			return nil
		} else if attempt > 0 {
			return fmt.Errorf("send command to the build shell: %w", err)
		}
		// The shell ended between commands; wait for its end to be
		// recorded and start another.
		e.mu.Unlock()
		<-s.dead
		e.mu.Lock()
	}
}

// Eval implements Env.
func (e *hostEnv) Eval(ctx context.Context, s string, c Command) (string, error) {
	out := filepath.Join(e.state, "eval-"+strconv.FormatInt(e.seq.Add(1), 10)+".out")
	return evalVia(ctx, e.Run, c, s, out, out)
}

// Vars implements Env.
func (e *hostEnv) Vars(ctx context.Context, names []string, c Command) (map[string]string, error) {
	out := filepath.Join(e.state, "vars-"+strconv.FormatInt(e.seq.Add(1), 10)+".out")
	return varsVia(ctx, e.Run, c, names, out, out)
}

// evalVia evaluates s in the shell c describes by running a script that
// writes the expansion to a file: hostOut is the file on skiff's host,
// buildOut the same file as the build sees it.
func evalVia(ctx context.Context, run func(context.Context, Command) (Result, error), c Command, s, hostOut, buildOut string) (string, error) {
	defer os.Remove(hostOut)
	c.Script, c.SetEnv = `printf '%s' "`+strings.ReplaceAll(s, `"`, `\"`)+`" >`+shellQuote(buildOut), nil
	r, err := run(ctx, c)
	if err != nil {
		return "", err
	}
	if r.ExitCode != 0 {
		return "", fmt.Errorf("evaluate %q: exit status %d", s, r.ExitCode)
	}
	b, err := os.ReadFile(hostOut)
	return string(b), err
}

// varsVia reads the named shell variables the same way (NUL-separated
// NAME=value pairs, so values may hold newlines).
func varsVia(ctx context.Context, run func(context.Context, Command) (Result, error), c Command, names []string, hostOut, buildOut string) (map[string]string, error) {
	defer os.Remove(hostOut)
	var b strings.Builder
	b.WriteString("{\n")
	for _, n := range names {
		if !validName(n) {
			continue
		}
		fmt.Fprintf(&b, "if [ -n \"${%s+x}\" ]; then printf '%%s=%%s\\0' %s \"$%s\"; fi\n", n, n, n)
	}
	b.WriteString("} >" + shellQuote(buildOut))
	c.Script, c.SetEnv = b.String(), nil
	r, err := run(ctx, c)
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, fmt.Errorf("read variables: exit status %d", r.ExitCode)
	}
	data, err := os.ReadFile(hostOut)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Kill implements Env: every process group the build started, then any
// process that still carries the build's marker (daemons that left the
// group with setsid).
func (e *hostEnv) Kill() error {
	e.killed.Store(true)
	e.mu.Lock()
	for pid := range e.procs {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	e.mu.Unlock()
	killMarked(e.spec.Marker)
	return nil
}

// Leftover implements Env.
func (e *hostEnv) Leftover() Leftover {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := Leftover{Runner: "host", Root: e.root, Marker: e.spec.Marker}
	for pid := range e.procs {
		l.PIDs = append(l.PIDs, pid)
	}
	return l
}

// Destroy implements Env.
func (e *hostEnv) Destroy(ctx context.Context) error {
	e.mu.Lock()
	if e.done {
		e.mu.Unlock()
		return nil
	}
	e.done = true
	sessions := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		sessions = append(sessions, s)
		s.in.Close() // a driver waiting for a command ends
	}
	e.mu.Unlock()
	// Give drivers a moment to end on their own, then kill everything.
	grace := time.NewTimer(50 * time.Millisecond)
	for _, s := range sessions {
		select {
		case <-s.dead:
		case <-grace.C:
		}
	}
	grace.Stop()
	e.killed.Store(true)
	e.mu.Lock()
	for pid := range e.procs {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	e.mu.Unlock()
	killMarked(e.spec.Marker)
	for _, s := range sessions {
		select {
		case <-s.dead:
		case <-ctx.Done():
		}
	}
	e.outW.Close()
	// Output still in the pipe is delivered; a process that escaped both
	// the group and the marker could hold the pipe open forever, so the
	// wait is bounded.
	select {
	case <-e.readerDone:
	case <-time.After(2 * time.Second):
		// Something still holds the pipe: one more sweep for the marker.
		killMarked(e.spec.Marker)
		e.outR.Close()
		<-e.readerDone
	case <-ctx.Done():
		e.outR.Close()
		<-e.readerDone
	}
	e.outR.Close()
	return removeAll(e.root)
}

// removeAll removes a build directory even where the build left
// directories without write permission (Go's module cache does).
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// Reap implements Runner.
func (h *Host) Reap(ctx context.Context, l Leftover) error {
	if l.Marker != "" {
		killMarked(l.Marker)
	}
	for _, pid := range l.PIDs {
		// Only a group whose leader still carries the marker is ours; the
		// pid may have been reused since.
		if l.Marker != "" && hasMarker(pid, l.Marker) {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	if l.Root == "" {
		return nil
	}
	base, err1 := filepath.Abs(h.Dir)
	root, err2 := filepath.Abs(l.Root)
	if err1 != nil || err2 != nil || filepath.Dir(root) != base {
		return fmt.Errorf("reap: %s is not a build directory under %s", l.Root, h.Dir)
	}
	return removeAll(root)
}
