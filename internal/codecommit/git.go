package codecommit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Every git subprocess runs through here: isolated from the user's and the
// system's git configuration, bounded in time, and killed with its whole
// process group (receive-pack starts index-pack, upload-pack starts
// pack-objects) when its context ends.

const (
	// plumbingTimeout bounds one plumbing command (rev-parse, cat-file, …)
	// whose context carries no deadline.
	plumbingTimeout = 2 * time.Minute
	// transferTimeout bounds one upload-pack or receive-pack run.
	transferTimeout = 30 * time.Minute
	// waitDelay is how long Wait waits for pipes after the process is gone.
	waitDelay = 5 * time.Second
	// zeroID is git's null object id (SHA-1 repositories).
	zeroID = "0000000000000000000000000000000000000000"
	// emptyTree is the id of the empty tree (SHA-1).
	emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
)

// gitEnv is the environment of every git subprocess.
func gitEnv(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_LITERAL_PATHSPECS=1",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_ATTR_NOSYSTEM=1",
		"LC_ALL=C",
		"TZ=UTC",
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return append(env, extra...)
}

// gitCmd prepares a git command in its own process group whose
// cancellation kills the group.
func gitCmd(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		// Negative pid: the whole group.
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = waitDelay
	return cmd
}

// gitError is a failed git command with its stderr.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.args, " "), e.err, strings.TrimSpace(e.stderr))
}

func (e *gitError) Unwrap() error { return e.err }

// exitCode returns the exit status of a failed git command, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// runGit runs git in the bare repository dir and returns its stdout.
func runGit(ctx context.Context, dir string, stdin io.Reader, extraEnv []string, args ...string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, plumbingTimeout)
		defer cancel()
	}
	env := gitEnv(append([]string{"GIT_DIR=" + dir}, extraEnv...)...)
	cmd := gitCmd(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = stdin
	cmd.Stdout = &stdout
	cmd.Stderr = &limitedBuffer{max: 64 << 10, buf: &stderr}
	if err := runCmd(cmd); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return stdout.Bytes(), &gitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.Bytes(), nil
}

// limitedBuffer keeps the first max bytes written and discards the rest.
type limitedBuffer struct {
	max int
	buf *bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

// gitVersion returns the installed git's version string ("2.39.5").
func gitVersion(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := gitCmd(ctx, gitEnv(), "--version")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := runCmd(cmd); err != nil {
		return "", fmt.Errorf("codecommit needs the git binary on PATH: %w", err)
	}
	v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stdout.String()), "git version "))
	return v, nil
}

// initBare creates a bare repository at dir with the settings every skiff
// repository has (see doc.go). modernFsync selects core.fsync (git ≥
// 2.36) over the older core.fsyncObjectFiles.
func initBare(ctx context.Context, dir string, modernFsync bool) error {
	if _, err := runGit(ctx, dir, nil, nil, "init", "--quiet", "--bare", "--template=", dir); err != nil {
		return err
	}
	cfg := [][2]string{{"core.fsyncObjectFiles", "true"}}
	if modernFsync {
		// Objects, packs and refs are fsynced before git reports them
		// written.
		cfg = [][2]string{{"core.fsync", "all"}, {"core.fsyncMethod", "fsync"}}
	}
	for _, kv := range append(cfg, repoConfig...) {
		if _, err := runGit(ctx, dir, nil, nil, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// repoConfig is written into every repository.
var repoConfig = [][2]string{
	{"core.logAllRefUpdates", "false"},
	// Pushes may create, delete and force-update refs, as CodeCommit
	// allows; clients may ask for atomic multi-ref updates.
	{"receive.advertiseAtomic", "true"},
	{"receive.advertisePushOptions", "true"},
	{"receive.denyDeletes", "false"},
	{"receive.denyNonFastForwards", "false"},
	// Housekeeping runs outside the push, after it is acknowledged.
	{"receive.autogc", "false"},
	{"gc.autoDetach", "false"},
	{"uploadpack.allowFilter", "true"},
	// An empty repository has no default branch: clones of it start on
	// the client's own init.defaultBranch, not on HEAD's placeholder.
	{"lsrefs.unborn", "ignore"},
	{"uploadpack.allowReachableSHA1InWant", "true"},
	{"core.hooksPath", os.DevNull},
}
