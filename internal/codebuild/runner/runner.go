package runner

import (
	"bytes"
	"context"
	"errors"
)

// Runner creates the environments builds run in. Implementations: Host (this
// package); a Docker runner and a Kubernetes Job runner implement the same
// interface without changes to the build engine (see doc.go).
type Runner interface {
	// Name identifies the runner in logs and recovery records ("host").
	Name() string
	// Setup creates a fresh environment for one build. Nothing runs yet.
	Setup(ctx context.Context, spec Spec) (Env, error)
	// Reap ends whatever a build left behind when skiff stopped while it
	// ran (processes, containers, pods) and removes its files. It is given
	// what Env.Leftover returned and must tolerate things already gone.
	Reap(ctx context.Context, l Leftover) error
}

// Spec describes the environment of one build.
type Spec struct {
	// BuildID is "<project>:<uuid>"; runners name directories, containers
	// and pods after it.
	BuildID string
	// Marker is one "NAME=value" entry of Env that is unique to this build
	// (CODEBUILD_BUILD_ARN=...). Every process of the build inherits it, so
	// a runner can find processes that left the build's process group.
	Marker string
	// Image and Privileged are the project's environment; the host runner
	// records them only.
	Image      string
	Privileged bool
	// Output receives every line the build prints (stdout and stderr
	// merged, as CodeBuild logs them), without the newline. Lines longer
	// than MaxLine are split. The runner calls it from one goroutine at a
	// time; the slice is only valid during the call.
	Output func(line []byte)
	// MaxLine bounds one line; 0 means DefaultMaxLine.
	MaxLine int
}

// DefaultMaxLine is the longest line delivered to Spec.Output in one piece:
// CloudWatch Logs' event size limit (256 KiB) minus its 26-byte overhead.
const DefaultMaxLine = 256*1024 - 26

// Env is one build's environment, from Setup to Destroy. Run, Eval and
// Vars are called by one goroutine at a time; Kill may be called
// concurrently with them.
type Env interface {
	// Dirs says where the build's files are.
	Dirs() Dirs
	// Run runs one command and waits for it to end. A command that exits
	// non-zero is a Result, not an error; the error is for failures of
	// the environment itself (the shell could not start). If ctx ends,
	// Run kills the build's processes and returns ctx's error.
	Run(ctx context.Context, c Command) (Result, error)
	// Eval expands s the way the build's shell expands a double-quoted
	// word (variables, $(...) substitutions), in the shell c describes (the
	// persistent one when c.Persistent is set); c.Script is ignored.
	Eval(ctx context.Context, s string, c Command) (string, error)
	// Vars returns the values of the named shell variables (exported or
	// not) in the shell c describes; unset names are absent.
	Vars(ctx context.Context, names []string, c Command) (map[string]string, error)
	// Kill ends every process of the build at once (stop, timeout). The
	// command being run returns with Result.Killed.
	Kill() error
	// Leftover describes the environment for Reap after a restart.
	Leftover() Leftover
	// Destroy kills what is left and removes the environment. Call it on
	// a context that outlives the build's cancellation.
	Destroy(ctx context.Context) error
}

// Dirs maps the build's root directory between skiff's host, where the
// engine downloads sources and collects artifacts, and the build's view.
type Dirs struct {
	HostRoot  string
	BuildRoot string
}

// Command is one buildspec command.
type Command struct {
	Script string
	// Persistent runs the command in the build's one shell instance
	// (buildspec 0.2), so cd, exported and plain variables carry over to
	// later commands. Otherwise the command gets a new shell (0.1) that
	// starts in Dir.
	Persistent bool
	// Dir is where a new shell starts (the build's view): every
	// non-persistent command, and the persistent shell when it starts.
	Dir string
	// Env is the environment a new shell starts with, as "NAME=value". It
	// must hold Spec.Marker. A persistent shell keeps its own environment
	// once started (a restarted one restores the variables it exported).
	Env []string
	// SetEnv are "NAME=value" assignments exported before the command
	// (CODEBUILD_BUILD_SUCCEEDING changes during a build).
	SetEnv []string
	// Shell is the buildspec's env.shell: "" or "sh" or "/bin/sh" for the
	// POSIX shell (CodeBuild's default on Linux), "bash" or "/bin/bash".
	// A shell the runner cannot provide makes Run fail with
	// ErrUnsupported.
	Shell string
	// User runs the command as another user (buildspec run-as); "" is
	// the runner's default. Each user has its own persistent shell.
	User string
}

// Result is how a command ended.
type Result struct {
	// ExitCode is the command's status; 128+n when a signal n ended it.
	ExitCode int
	// Killed is set when Kill (stop, timeout) ended the command.
	Killed bool
}

// Leftover is what Reap needs to find a build's remains after a restart;
// the engine stores it with the build.
type Leftover struct {
	Runner string `json:"runner"`
	// Root is the build's directory on the host.
	Root string `json:"root,omitempty"`
	// Marker is Spec.Marker.
	Marker string `json:"marker,omitempty"`
	// PIDs are process group leaders that may still run.
	PIDs []int `json:"pids,omitempty"`
	// ID is a container or pod name for isolated runners.
	ID string `json:"id,omitempty"`
}

// ErrUnsupported is returned for what a runner cannot provide (a Windows
// shell on the host runner).
var ErrUnsupported = errors.New("unsupported by this runner")

// LineSplitter turns a byte stream into lines for Spec.Output and finds the
// end-of-command markers a runner's driver writes into the same stream, so
// a command's output is always delivered before its end is reported.
//
// A marker is "\n" + token + " " + fields + "\n". Its leading newline ends
// whatever partial line the command left; when the command's output already
// ended with a newline, that produces an empty line, which is dropped.
// Lines longer than max are delivered in pieces. Memory use is bounded by
// max whatever the stream holds.
type LineSplitter struct {
	emit   func([]byte)
	marker func(fields []string)
	token  []byte
	max    int
	buf    []byte
	held   bool // an empty line waits to see whether a marker follows
}

// NewLineSplitter returns a splitter that calls emit for each line and
// marker for each marker line found (with its space-separated fields after
// the token).
func NewLineSplitter(token string, max int, emit func([]byte), marker func(fields []string)) *LineSplitter {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &LineSplitter{emit: emit, marker: marker, token: []byte(token), max: max}
}

// Write consumes a chunk of the stream.
func (l *LineSplitter) Write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		for len(l.buf)+len(seg) > l.max {
			n := l.max - len(l.buf)
			l.buf = append(l.buf, seg[:n]...)
			l.line(l.buf)
			l.buf = l.buf[:0]
			seg = seg[n:]
		}
		l.buf = append(l.buf, seg...)
		if i < 0 {
			return
		}
		l.line(l.buf)
		l.buf = l.buf[:0]
		p = p[i+1:]
	}
}

// Flush delivers a partial last line (end of stream).
func (l *LineSplitter) Flush() {
	if l.held {
		l.held = false
		l.emit(nil)
	}
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = l.buf[:0]
	}
}

func (l *LineSplitter) line(b []byte) {
	if len(l.token) > 0 && len(b) > len(l.token) && bytes.HasPrefix(b, l.token) && b[len(l.token)] == ' ' {
		l.held = false // the empty line was the marker's leading newline
		l.marker(splitFields(string(b[len(l.token)+1:])))
		return
	}
	if l.held {
		l.held = false
		l.emit(nil)
	}
	if len(b) == 0 {
		l.held = true
		return
	}
	l.emit(b)
}

func splitFields(s string) []string {
	var out []string
	for _, f := range bytes.Fields([]byte(s)) {
		out = append(out, string(f))
	}
	return out
}

// MarkerLine formats a marker for a LineSplitter with this token.
func MarkerLine(token string, fields ...string) []byte {
	b := []byte("\n" + token)
	for _, f := range fields {
		b = append(b, ' ')
		b = append(b, f...)
	}
	return append(b, '\n')
}
