package runner

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Docker runs each build in a container of the project's environment image
// on a Docker Engine, through the Engine API (see doc.go, "Docker runner").
// The build's directory lives on skiff's host, as with the host runner, and
// is bind-mounted into the container; commands run as execs in the
// container.
type Docker struct {
	// Dir holds one directory per running build ("src<digits>") and bin/
	// with the helper commands, mounted read-only into every container.
	Dir string

	opts DockerOptions
	cli  *client.Client

	ws workspace
}

// DockerOptions configure a Docker runner.
type DockerOptions struct {
	// Host is the engine's address ("unix:///var/run/docker.sock",
	// "tcp://host:2375"); "" means DOCKER_HOST (and DOCKER_TLS_VERIFY,
	// DOCKER_CERT_PATH, DOCKER_API_VERSION) or the platform's default
	// socket.
	Host string
	// Network is the containers' network mode; "" means "host", so that
	// the AWS_ENDPOINT_URL the engine injects (http://127.0.0.1:PORT)
	// reaches skiff unchanged from inside the container.
	Network string
	// MountSocket gives privileged builds the engine's own socket at
	// /var/run/docker.sock (sibling containers) in addition to the
	// privileged flag. Without it a privileged build starts its own
	// dockerd inside the container (docker-in-docker), as on CodeBuild.
	MountSocket bool
}

// Where the container sees what skiff provides.
const (
	dockerOutput = "/codebuild/output"
	dockerBin    = "/codebuild/skiff/bin"
)

// Container labels: every container skiff creates carries labelManaged and
// labelDir; a build's container also its build and host directory.
const (
	labelManaged = "skiff.managed"
	labelBuild   = "skiff.build"
	labelRoot    = "skiff.root"
	labelDir     = "skiff.dir"
	labelRootFS  = "skiff.rootfs" // ImportBusybox's content digest
)

// dockerKeep is the container's main process: it waits forever without
// needing anything but /bin/sh (stdin is kept open and never written; sleep
// is a fallback should it ever close). Everything else runs as execs.
const dockerKeep = `while :; do read -r _ || sleep 3600 || exit 1; done`

// dockerSessionWrapper starts a persistent shell (driverScript) with the
// exec's stdin as the driver's command stream (fd 3), stderr merged into
// stdout so the stream keeps the shell's order, and reports the shell's own
// end as "<token> x <status>": the exec's stream itself may stay open long
// after (background processes hold it; the engine also waits up to two
// seconds for streams after an exec ends). The wrapper's own stderr is
// /dev/null: shells report a child killed by a signal there ("Killed"),
// which the host runner's builds do not print. (The subshell applies the
// shell's own redirection: ash applies a simple command's redirections in
// the parent, where it would catch that report.)
const dockerSessionWrapper = `__skiff_t=$1; shift; exec 3<&0 0</dev/null 2>/dev/null; (exec 2>&1; exec "$@"); printf '\n%s x %s\n' "$__skiff_t" "$?"`

// dockerOneShotWrapper runs one command in a new shell and reports its
// status as "<token> N <status>" as soon as the shell ends.
const dockerOneShotWrapper = `__skiff_t=$1 __skiff_n=$2; shift 2; exec 0</dev/null 2>/dev/null; (exec 2>&1; exec "$@"); printf '\n%s %s %s\n' "$__skiff_t" "$__skiff_n" "$?"`

// NewDocker returns a Docker runner keeping build directories under dir.
// It does not contact the engine: Ping reports whether it is reachable,
// and every Setup checks again, so an engine started after skiff is used.
func NewDocker(dir string, opts DockerOptions) (*Docker, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	copts := []client.Opt{client.FromEnv}
	if opts.Host != "" {
		copts = append(copts, client.WithHost(opts.Host))
	}
	cli, err := client.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker runner: %w", err)
	}
	if opts.Network == "" {
		opts.Network = "host"
	}
	return &Docker{Dir: abs, opts: opts, cli: cli}, nil
}

var _ Runner = (*Docker)(nil)

// Name implements Runner.
func (*Docker) Name() string { return "docker" }

// Host returns the engine's address.
func (d *Docker) Host() string { return d.cli.DaemonHost() }

// Client returns the Engine API client.
func (d *Docker) Client() *client.Client { return d.cli }

// Close releases the client's connections.
func (d *Docker) Close() error { return d.cli.Close() }

// Ping reports whether the engine answers, with the error Setup would
// give otherwise.
func (d *Docker) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := d.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("no Docker engine reachable at %s: %v", d.cli.DaemonHost(), err)
	}
	return nil
}

// Setup implements Runner: it checks the engine and the image, creates the
// build's directory and starts the build's container.
func (d *Docker) Setup(ctx context.Context, spec Spec) (Env, error) {
	if spec.Image == "" {
		return nil, errors.New("the Docker runner needs an environment image")
	}
	if err := d.Ping(ctx); err != nil {
		return nil, err
	}
	img, err := d.cli.ImageInspect(ctx, spec.Image)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, fmt.Errorf("CodeBuild image %q is not present in the local Docker engine; build or load it first (docker build/load/import)", spec.Image)
		}
		return nil, fmt.Errorf("inspect CodeBuild image %q: %v", spec.Image, err)
	}
	if img.Os != "" && img.Os != "linux" {
		return nil, fmt.Errorf("CodeBuild image %q is a %s image; the Docker runner runs Linux images: %w", spec.Image, img.Os, ErrUnsupported)
	}
	imagePath := ""
	if img.Config != nil {
		imagePath = getEnv(img.Config.Env, "PATH")
	}
	if imagePath == "" {
		imagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}

	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := d.ws.bin(d.Dir)
	if err != nil {
		return nil, err
	}
	root, state, err := newBuildRoot(d.Dir)
	if err != nil {
		return nil, err
	}
	buildRoot := dockerOutput + "/" + filepath.Base(root)
	e := &dockerEnv{
		d: d, spec: spec, image: spec.Image, imagePath: imagePath, token: newToken(),
		root: root, buildRoot: buildRoot, state: state, buildState: buildRoot + "/tmp",
		name:    containerName(spec.BuildID, root),
		pending: map[int]chan Result{}, sessions: map[string]*dockerSession{}, shells: map[string]shellProbe{},
		conns: map[*client.HijackedResponse]bool{},
	}
	e.out = spec.Output
	if e.out == nil {
		e.out = func([]byte) {}
	}
	fail := func(err error) (Env, error) {
		os.RemoveAll(root)
		return nil, err
	}

	binds := []string{root + ":" + buildRoot, bin + ":" + dockerBin + ":ro"}
	if spec.Privileged && d.opts.MountSocket {
		if u, err := url.Parse(d.cli.DaemonHost()); err == nil && u.Scheme == "unix" {
			binds = append(binds, u.Path+":/var/run/docker.sock")
		}
	}
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: e.name,
		Config: &container.Config{
			Image:      spec.Image,
			Entrypoint: []string{"/bin/sh", "-c", dockerKeep},
			Cmd:        []string{},
			OpenStdin:  true,
			WorkingDir: buildRoot + "/src",
			Labels: map[string]string{
				labelManaged: "true", labelBuild: spec.BuildID, labelRoot: root, labelDir: d.Dir,
			},
		},
		HostConfig: &container.HostConfig{
			Binds:       binds,
			NetworkMode: container.NetworkMode(d.opts.Network),
			Privileged:  spec.Privileged,
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			d.removeContainer(e.name) // created after all?
		}
		return fail(fmt.Errorf("create a container from CodeBuild image %q: %v", spec.Image, err))
	}
	e.id = created.ID
	if _, err := d.cli.ContainerStart(ctx, e.id, client.ContainerStartOptions{}); err != nil {
		d.removeContainer(e.id)
		return fail(fmt.Errorf("start a container from CodeBuild image %q (the Docker runner needs a POSIX /bin/sh in the image): %v", spec.Image, err))
	}
	if ctx.Err() != nil {
		d.removeContainer(e.id)
		return fail(ctx.Err())
	}
	return e, nil
}

// removeContainer removes a container and everything running in it; a
// container already gone is no error.
func (d *Docker) removeContainer(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := d.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err == nil || cerrdefs.IsNotFound(err) {
		return nil
	}
	if cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress") {
		return nil
	}
	return err
}

// containerName names a build's container after the build and its
// directory (unique per runner directory).
func containerName(buildID, root string) string {
	var b strings.Builder
	b.WriteString("skiff-")
	for _, r := range buildID {
		if r == '_' || r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
		if b.Len() > 160 {
			break
		}
	}
	if buildID != "" {
		b.WriteByte('-')
	}
	b.WriteString(filepath.Base(root))
	return b.String()
}

// dockerEnv is one build in a container.
type dockerEnv struct {
	d          *Docker
	spec       Spec
	image      string
	imagePath  string
	root       string // host
	buildRoot  string // container
	state      string // host
	buildState string // container
	name, id   string
	token      string

	outMu sync.Mutex // Spec.Output is called by one stream at a time
	out   func([]byte)

	killed  atomic.Bool
	seq     atomic.Int64
	streams sync.WaitGroup

	rmMu    sync.Mutex
	removed bool

	mu       sync.Mutex
	next     int
	pending  map[int]chan Result
	sessions map[string]*dockerSession // persistent shells by user and shell
	shells   map[string]shellProbe     // user|shell → checked shell
	conns    map[*client.HijackedResponse]bool
	done     bool
}

type shellProbe struct {
	path string
	err  error
}

// dockerSession is one persistent shell: an exec whose stdin carries
// commands.
type dockerSession struct {
	conn     *client.HijackedResponse
	dead     chan struct{}
	once     sync.Once
	lastSent int
}

func (s *dockerSession) end() { s.once.Do(func() { close(s.dead) }) }

func (s *dockerSession) isDead() bool {
	select {
	case <-s.dead:
		return true
	default:
		return false
	}
}

func (e *dockerEnv) Dirs() Dirs { return Dirs{HostRoot: e.root, BuildRoot: e.buildRoot} }

func (e *dockerEnv) emit(b []byte) {
	e.outMu.Lock()
	e.out(b)
	e.outMu.Unlock()
}

// complete delivers command n's result unless it was delivered already.
func (e *dockerEnv) complete(n, rc int) {
	e.mu.Lock()
	ch := e.pending[n]
	delete(e.pending, n)
	e.mu.Unlock()
	if ch != nil {
		ch <- Result{ExitCode: rc, Killed: e.killed.Load()}
	}
}

// hostDefaults are variables the engine copies from skiff's own
// environment into every build (Deps.BaseEnv unset): inside a container
// the image's values apply instead.
var hostDefaults = []string{"PATH", "HOME", "LANG"}

// execEnv is the environment of a new shell: c.Env (with the marker) on top
// of the container's own environment, except skiff's host defaults, and the
// helper directory at the end of PATH. withSet adds c.SetEnv.
func (e *dockerEnv) execEnv(c Command, withSet bool) []string {
	env := make([]string, 0, len(c.Env)+2)
	path := ""
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" {
			if own, ok := os.LookupEnv(k); !ok || v != own {
				path = v
			}
			continue
		}
		if contains(hostDefaults, k) {
			if own, ok := os.LookupEnv(k); ok && v == own {
				continue
			}
		}
		env = append(env, kv)
	}
	if e.spec.Marker != "" && !contains(env, e.spec.Marker) {
		env = append(env, e.spec.Marker)
	}
	if path == "" {
		path = e.imagePath
	}
	env = setEnv(env, "PATH", path+":"+dockerBin)
	if withSet {
		for _, kv := range c.SetEnv {
			k, v, _ := strings.Cut(kv, "=")
			env = setEnv(env, k, v)
		}
	}
	return env
}

func (e *dockerEnv) dir(c Command) string {
	if c.Dir != "" {
		return c.Dir
	}
	return e.buildRoot + "/src"
}

// shell returns the path of c's shell in the image for c's user, checking
// once that the user exists and the shell is there.
func (e *dockerEnv) shell(ctx context.Context, c Command) (string, error) {
	var check string
	switch c.Shell {
	case "", "sh", "/bin/sh":
		if c.User == "" {
			return "/bin/sh", nil
		}
		check = "exit 0"
	case "bash", "/bin/bash":
		check = "command -v bash || exit 3"
	default:
		return "", fmt.Errorf("shell %s: %w", c.Shell, ErrUnsupported)
	}
	key := c.User + "|" + c.Shell
	e.mu.Lock()
	p, ok := e.shells[key]
	e.mu.Unlock()
	if ok {
		return p.path, p.err
	}
	out, rc, err := e.execOutput(ctx, c.User, e.execEnv(c, false), []string{"/bin/sh", "-c", check})
	if err != nil {
		return "", err
	}
	out = strings.TrimSpace(out)
	switch {
	case rc == 0 && check == "exit 0":
		p.path = "/bin/sh"
	case rc == 0:
		p.path = out
		if i := strings.LastIndexByte(p.path, '\n'); i >= 0 {
			p.path = p.path[i+1:]
		}
	case rc == 3 && check != "exit 0":
		p.err = fmt.Errorf("shell bash: image %s has no bash: %w", e.image, ErrUnsupported)
	case c.User != "":
		p.err = fmt.Errorf("run-as %s: %s: %w", c.User, out, ErrUnsupported)
	default:
		return "", fmt.Errorf("start a shell in the build container: %s (exit status %d)", out, rc)
	}
	e.mu.Lock()
	e.shells[key] = p
	e.mu.Unlock()
	return p.path, p.err
}

// execOutput runs a short command in the container and returns its
// output (at most 64 KiB) and status.
func (e *dockerEnv) execOutput(ctx context.Context, user string, env, cmd []string) (string, int, error) {
	ex, err := e.d.cli.ExecCreate(ctx, e.id, client.ExecCreateOptions{
		User: user, Env: env, Cmd: cmd, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return "", 0, e.containerErr(err)
	}
	hr, err := e.d.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return "", 0, e.containerErr(err)
	}
	defer hr.Close()
	var out limitedBuffer
	out.max = 64 << 10
	if err := demux(hr.Reader, &out); err != nil {
		return "", 0, err
	}
	st, err := e.d.cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return "", 0, e.containerErr(err)
	}
	return out.String(), st.ExitCode, nil
}

// containerErr explains an exec failing because the container is gone.
func (e *dockerEnv) containerErr(err error) error {
	if cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		return fmt.Errorf("the build container %s is gone: %v", e.name, err)
	}
	return err
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// demux copies an exec's multiplexed stream (8-byte frame headers) to w,
// stdout and stderr alike, with a fixed buffer whatever the frame sizes.
func demux(r io.Reader, w io.Writer) error {
	var hdr [8]byte
	buf := make([]byte, 32*1024)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF || errors.Is(err, os.ErrClosed) || isClosedConn(err) {
				return nil
			}
			return err
		}
		n := int64(binary.BigEndian.Uint32(hdr[4:]))
		switch hdr[0] {
		case 0, 1, 2:
			if _, err := io.CopyBuffer(w, io.LimitReader(r, n), buf); err != nil {
				return err
			}
		case 3: // an error from the engine
			msg, _ := io.ReadAll(io.LimitReader(r, min(n, 4096)))
			return fmt.Errorf("docker: %s", msg)
		default:
			return fmt.Errorf("docker: unexpected stream type %d", hdr[0])
		}
	}
}

func isClosedConn(err error) bool {
	return err != nil && strings.Contains(err.Error(), "use of closed network connection")
}

type splitWriter struct{ s *LineSplitter }

func (w splitWriter) Write(p []byte) (int, error) {
	w.s.Write(p)
	return len(p), nil
}

// attach starts exec id and pumps its output through a LineSplitter until
// the stream ends; marker handles the stream's markers and eof runs last.
func (e *dockerEnv) attach(ctx context.Context, id string, marker func([]string), eof func()) (*client.HijackedResponse, error) {
	res, err := e.d.cli.ExecAttach(ctx, id, client.ExecAttachOptions{})
	if err != nil {
		return nil, e.containerErr(err)
	}
	hr := &res.HijackedResponse
	e.mu.Lock()
	e.conns[hr] = true
	e.mu.Unlock()
	e.streams.Add(1)
	go func() {
		defer e.streams.Done()
		split := NewLineSplitter(e.token, e.spec.MaxLine, e.emit, marker)
		demux(hr.Reader, splitWriter{split})
		split.Flush()
		hr.Close()
		e.mu.Lock()
		delete(e.conns, hr)
		e.mu.Unlock()
		eof()
	}()
	return hr, nil
}

// exitStatus is how an exec that reported nothing ended.
func (e *dockerEnv) exitStatus(id string) int {
	if e.killed.Load() {
		return 137
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.d.cli.ExecInspect(ctx, id, client.ExecInspectOptions{})
	if err != nil {
		return 137
	}
	return st.ExitCode
}

// Run implements Env.
func (e *dockerEnv) Run(ctx context.Context, c Command) (Result, error) {
	e.mu.Lock()
	if e.done {
		e.mu.Unlock()
		return Result{}, errors.New("environment destroyed")
	}
	e.mu.Unlock()
	if e.killed.Load() {
		return Result{ExitCode: 137, Killed: true}, nil
	}
	shell, err := e.shell(ctx, c)
	if err != nil {
		if e.killed.Load() {
			return Result{ExitCode: 137, Killed: true}, nil
		}
		return Result{}, err
	}
	e.mu.Lock()
	e.next++
	n := e.next
	ch := make(chan Result, 1)
	e.pending[n] = ch
	e.mu.Unlock()
	if err := e.launch(ctx, n, c, shell); err != nil {
		e.mu.Lock()
		delete(e.pending, n)
		e.mu.Unlock()
		if e.killed.Load() {
			return Result{ExitCode: 137, Killed: true}, nil
		}
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

// onMarker completes the command a one-shot exec reports.
func (e *dockerEnv) onMarker(f []string) {
	if len(f) != 2 {
		return
	}
	n, err1 := strconv.Atoi(f[0])
	rc, err2 := strconv.Atoi(f[1])
	if err1 == nil && err2 == nil {
		e.complete(n, rc)
	}
}

// launch starts command n with the given shell.
func (e *dockerEnv) launch(ctx context.Context, n int, c Command, shell string) error {
	if !c.Persistent {
		ex, err := e.d.cli.ExecCreate(ctx, e.id, client.ExecCreateOptions{
			User: c.User, Env: e.execEnv(c, true), WorkingDir: e.dir(c),
			Cmd:          []string{"/bin/sh", "-c", dockerOneShotWrapper, "sh", e.token, strconv.Itoa(n), shell, "-c", c.Script},
			AttachStdout: true, AttachStderr: true,
		})
		if err != nil {
			return e.containerErr(err)
		}
		_, err = e.attach(ctx, ex.ID, e.onMarker, func() { e.complete(n, e.exitStatus(ex.ID)) })
		return err
	}
	var msg bytes.Buffer
	msg.WriteString(strconv.Itoa(n) + "\n")
	msg.Write(exportLines(c.SetEnv))
	msg.WriteString(e.token + "\n")
	msg.WriteString(strings.TrimRight(c.Script, "\n") + "\n")
	msg.WriteString(e.token + "\n")
	s, err := e.session(ctx, n, c, shell)
	if err != nil {
		return err
	}
	if _, err := s.conn.Conn.Write(msg.Bytes()); err != nil {
		e.mu.Lock()
		_, pending := e.pending[n]
		e.mu.Unlock()
		if !pending {
			return nil // the shell ended and its end completed command n
		}
		return fmt.Errorf("send command to the build shell: %w", err)
	}
	return nil
}

// session returns the persistent shell for c's user and shell, starting
// one (again) if needed, with command n as the one it runs: should the
// shell end, n ends with it.
func (e *dockerEnv) session(ctx context.Context, n int, c Command, shell string) (*dockerSession, error) {
	key := c.User + "|" + shell
	e.mu.Lock()
	s := e.sessions[key]
	if s != nil && !s.isDead() {
		s.lastSent = n
		e.mu.Unlock()
		return s, nil
	}
	e.mu.Unlock()
	ex, err := e.d.cli.ExecCreate(ctx, e.id, client.ExecCreateOptions{
		User: c.User, Env: e.execEnv(Command{Env: c.Env}, false), WorkingDir: e.dir(c),
		// $0 names the script in error messages the way CodeBuild's
		// /codebuild/output/tmp/script.sh does.
		Cmd:         []string{"/bin/sh", "-c", dockerSessionWrapper, "sh", e.token, shell, "-c", driverScript, e.buildState + "/script.sh", e.buildState, e.token},
		AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return nil, e.containerErr(err)
	}
	s = &dockerSession{dead: make(chan struct{}), lastSent: n}
	marker := func(f []string) {
		if len(f) == 2 && f[0] == "x" {
			// The shell ended: during command lastSent, or between
			// commands (then nothing is pending).
			rc, err := strconv.Atoi(f[1])
			if err != nil {
				return
			}
			e.mu.Lock()
			last := s.lastSent
			e.mu.Unlock()
			s.end()
			e.complete(last, rc)
			return
		}
		e.onMarker(f)
	}
	hr, err := e.attach(ctx, ex.ID, marker, func() {
		s.end()
		e.mu.Lock()
		last := s.lastSent
		e.mu.Unlock()
		e.complete(last, e.exitStatus(ex.ID))
	})
	if err != nil {
		return nil, err
	}
	s.conn = hr
	e.mu.Lock()
	e.sessions[key] = s
	e.mu.Unlock()
	return s, nil
}

// Eval implements Env.
func (e *dockerEnv) Eval(ctx context.Context, s string, c Command) (string, error) {
	name := "eval-" + strconv.FormatInt(e.seq.Add(1), 10) + ".out"
	return evalVia(ctx, e.Run, c, s, filepath.Join(e.state, name), e.buildState+"/"+name)
}

// Vars implements Env.
func (e *dockerEnv) Vars(ctx context.Context, names []string, c Command) (map[string]string, error) {
	name := "vars-" + strconv.FormatInt(e.seq.Add(1), 10) + ".out"
	return varsVia(ctx, e.Run, c, names, filepath.Join(e.state, name), e.buildState+"/"+name)
}

// Kill implements Env: removing the container ends every process in it.
func (e *dockerEnv) Kill() error {
	e.killed.Store(true)
	return e.remove()
}

func (e *dockerEnv) remove() error {
	e.rmMu.Lock()
	defer e.rmMu.Unlock()
	if e.removed {
		return nil
	}
	err := e.d.removeContainer(e.id)
	if err == nil {
		e.removed = true
	}
	return err
}

// Leftover implements Env.
func (e *dockerEnv) Leftover() Leftover {
	return Leftover{Runner: "docker", Root: e.root, Marker: e.spec.Marker, ID: e.name}
}

// Destroy implements Env.
func (e *dockerEnv) Destroy(ctx context.Context) error {
	e.mu.Lock()
	if e.done {
		e.mu.Unlock()
		return nil
	}
	e.done = true
	var sessions []*dockerSession
	for _, s := range e.sessions {
		sessions = append(sessions, s)
		s.conn.CloseWrite() // a driver waiting for a command ends
	}
	e.mu.Unlock()
	grace := time.NewTimer(50 * time.Millisecond)
	for _, s := range sessions {
		select {
		case <-s.dead:
		case <-grace.C:
		}
	}
	grace.Stop()
	e.killed.Store(true)
	rmErr := e.remove()
	// Output still in the streams is delivered; the streams end with the
	// container.
	done := make(chan struct{})
	go func() {
		e.streams.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
	e.mu.Lock()
	for hr := range e.conns {
		hr.Close()
	}
	e.mu.Unlock()
	<-done
	if err := e.d.removeDir(ctx, e.root, e.image); err != nil {
		return err
	}
	return rmErr
}

// removeDir removes a build directory. Files the build created as root in
// the container belong to root on the host: when skiff is not root and
// cannot remove them, a short-lived container of the build's image hands
// them over to skiff's user first.
func (d *Docker) removeDir(ctx context.Context, root, image string) error {
	err := removeAll(root)
	if err == nil || os.Getuid() == 0 || image == "" {
		return err
	}
	if cerr := d.chownTree(ctx, image, root, os.Getuid(), os.Getgid()); cerr != nil {
		return fmt.Errorf("%v (and handing the files back to uid %d failed: %v)", err, os.Getuid(), cerr)
	}
	return removeAll(root)
}

// chownTree runs "chown -R uid:gid" over dir in a container of image.
func (d *Docker) chownTree(ctx context.Context, image, dir string, uid, gid int) error {
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: image, User: "0", Entrypoint: []string{"/bin/sh", "-c", `chown -R "$1" /skiff-dir`, "sh", fmt.Sprintf("%d:%d", uid, gid)},
			Cmd: []string{}, Labels: map[string]string{labelManaged: "true", labelDir: d.Dir},
		},
		HostConfig: &container.HostConfig{Binds: []string{dir + ":/skiff-dir"}, NetworkMode: "none"},
	})
	if err != nil {
		return err
	}
	defer d.removeContainer(created.ID)
	if _, err := d.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return err
	}
	w := d.cli.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-w.Result:
		if r.StatusCode != 0 {
			return fmt.Errorf("chown exited with status %d", r.StatusCode)
		}
		return nil
	case err := <-w.Error:
		return err
	}
}

// Reap implements Runner: it removes the build's container (by name, and
// any container labelled with the build or its directory) and the build's
// directory.
func (d *Docker) Reap(ctx context.Context, l Leftover) error {
	var root string
	if l.Root != "" {
		r, err := filepath.Abs(l.Root)
		if err != nil || filepath.Dir(r) != d.Dir {
			return fmt.Errorf("reap: %s is not a build directory under %s", l.Root, d.Dir)
		}
		root = r
	}
	ids := map[string]bool{}
	if l.ID != "" {
		ids[l.ID] = true
	}
	image := ""
	var errs []error
	if err := d.Ping(ctx); err != nil {
		errs = append(errs, err)
	} else {
		var filters []client.Filters
		if root != "" {
			filters = append(filters, client.Filters{}.Add("label", labelRoot+"="+root))
		}
		if id := buildIDFromMarker(l.Marker); id != "" {
			filters = append(filters, client.Filters{}.Add("label", labelBuild+"="+id))
		}
		for _, f := range filters {
			list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, c := range list.Items {
				ids[c.ID] = true
			}
		}
		for id := range ids {
			if image == "" {
				if c, err := d.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); err == nil && c.Container.Config != nil {
					image = c.Container.Config.Image
				}
			}
			if err := d.removeContainer(id); err != nil {
				errs = append(errs, fmt.Errorf("reap: remove container %s: %w", id, err))
			}
		}
	}
	if root != "" {
		if err := d.removeDir(ctx, root, image); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// buildIDFromMarker returns the build ID of a CODEBUILD_BUILD_ARN marker.
func buildIDFromMarker(marker string) string {
	_, arn, ok := strings.Cut(marker, "=")
	if !ok {
		return ""
	}
	if i := strings.Index(arn, ":build/"); i >= 0 {
		return arn[i+len(":build/"):]
	}
	return ""
}

// Prune removes every container of this runner's directory that is still
// around, whatever its build, and its build directory. Call it at startup
// before the engine starts (no build of this directory runs then): it also
// cleans up after a crash during Setup, before the build's leftover was
// recorded; the engine's recovery then finds its leftovers gone.
func (d *Docker) Prune(ctx context.Context) error {
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", labelManaged+"=true").Add("label", labelDir+"="+d.Dir)})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range list.Items {
		if err := d.removeContainer(c.ID); err != nil {
			errs = append(errs, err)
		}
		if r := c.Labels[labelRoot]; r != "" && filepath.Dir(r) == d.Dir {
			if err := d.removeDir(ctx, r, c.Image); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ImportBusybox imports a minimal Linux image as ref ("name:tag") from a
// statically linked busybox binary on this machine (Debian's
// busybox-static: /bin/busybox): /bin with every applet, /etc/passwd with
// root and a "builder" user (uid 1000), /tmp. No registry is involved. It
// serves tests and trying the Docker runner offline.
func (d *Docker) ImportBusybox(ctx context.Context, ref, busybox string) error {
	if busybox == "" {
		p, err := exec.LookPath("busybox")
		if err != nil {
			return fmt.Errorf("busybox not found (install Debian's busybox-static): %w", err)
		}
		busybox = p
	}
	f, err := elf.Open(busybox)
	if err != nil {
		return fmt.Errorf("%s: %w", busybox, err)
	}
	static := true
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			static = false
		}
	}
	f.Close()
	if !static {
		return fmt.Errorf("%s is dynamically linked; a FROM-scratch image needs a static busybox (Debian's busybox-static)", busybox)
	}
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	list, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", busybox, err)
	}
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\nbuilder:x:1000:1000:builder:/home/builder:/bin/sh\n")
	group := []byte("root:x:0:\nbuilder:x:1000:\n")
	// The image is imported again only when its content changes, so test
	// runs leave no untagged images behind.
	sum := sha256.New()
	for _, b := range [][]byte{[]byte(busyboxLayout), bin, list, passwd, group} {
		sum.Write(b)
		sum.Write([]byte{0})
	}
	digest := hex.EncodeToString(sum.Sum(nil))
	old, oldErr := d.cli.ImageInspect(ctx, ref)
	if oldErr == nil && old.Config != nil && old.Config.Labels[labelRootFS] == digest {
		return nil
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	dir := func(name string, mode int64) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: now})
	}
	file := func(name string, mode int64, body []byte, uid int) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)), ModTime: now, Uid: uid, Gid: uid})
		tw.Write(body)
	}
	for _, d := range []string{"bin", "etc", "root", "home", "usr", "usr/bin", "var", "dev", "proc", "sys"} {
		dir(d, 0o755)
	}
	dir("tmp", 0o1777)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "home/builder/", Mode: 0o755, ModTime: now, Uid: 1000, Gid: 1000})
	file("bin/busybox", 0o755, bin, 0)
	for _, a := range strings.Fields(string(list)) {
		if a != "busybox" {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: now})
		}
	}
	file("etc/passwd", 0o644, passwd, 0)
	file("etc/group", 0o644, group, 0)
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := d.cli.ImageImport(ctx, client.ImageImportSource{Source: &buf, SourceName: "-"}, ref,
		client.ImageImportOptions{Changes: []string{`CMD ["/bin/sh"]`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LABEL " + labelRootFS + "=" + digest}})
	if err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	defer res.Close()
	msg, err := io.ReadAll(res)
	if err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	if bytes.Contains(msg, []byte(`"error"`)) {
		return fmt.Errorf("import %s: %s", ref, msg)
	}
	if oldErr == nil && old.ID != "" {
		// The replaced image, unless a container still uses it.
		d.cli.ImageRemove(ctx, old.ID, client.ImageRemoveOptions{})
	}
	return nil
}

// busyboxLayout versions ImportBusybox's file layout (part of the image's
// content label).
const busyboxLayout = "skiff busybox image 1"
