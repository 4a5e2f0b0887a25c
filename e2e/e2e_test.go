// Package e2e drives a real skiff binary (built once per test run) with
// the AWS SDK for Go v2: crash safety under kill -9, and other scenarios
// that need a process to kill or restart.
package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/skiff-dev/skiff/internal/datadir"
)

var skiffBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skiff-e2e-bin")
	if err != nil {
		panic(err)
	}
	skiffBin = filepath.Join(dir, "skiff")
	out, err := exec.Command("go", "build", "-o", skiffBin, "../cmd/skiff").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build skiff: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running skiff.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	data string
	url  string
	log  *os.File
}

// start runs `skiff up` on a free port with the data directory and waits
// until it is healthy.
func start(t *testing.T, data string, extra ...string) *proc {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "skiff-*.log")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"up", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(skiffBin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so the test can kill everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, data: data, log: logf}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ep, err := datadir.ReadEndpoint(data); err == nil {
			if resp, err := http.Get(ep + "/_skiff/health"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					p.url = ep
					return p
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("skiff did not become healthy:\n%s", b)
	return nil
}

// kill9 kills skiff at once, as a crash would.
func (p *proc) kill9() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd.Wait()
	}
}

func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.kill9()
		}
	}
}

// config is an SDK configuration for this skiff.
func (p *proc) config() aws.Config {
	id, err := datadir.ReadIdentity(p.data)
	if err != nil {
		p.t.Fatal(err)
	}
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id.AccessKeyID, id.SecretAccessKey, ""),
		BaseEndpoint: aws.String(p.url),
		HTTPClient:   &http.Client{Transport: &http.Transport{}, Timeout: time.Minute},
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error: %v)", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var ctx = context.Background()

func paramsTemplate(n int, value string, extra string) string {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := 0; i < n; i++ {
		// Short names keep 500 resources under the 51,200-byte body limit.
		fmt.Fprintf(&b, "  P%d: {Type: AWS::SSM::Parameter, Properties: {Name: /c/%d, Type: String, Value: %s-%d}%s}\n", i, i, value, i, dep(i, n))
	}
	b.WriteString(extra)
	return b.String()
}

// The second half of the parameters waits for the wait condition, so a
// kill lands in the middle of the create: half exist, half do not.
func dep(i, n int) string {
	if i >= n/2 {
		return ", DependsOn: G"
	}
	return ""
}
