package logs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/logs"
)

// awsCLI runs the AWS CLI against srv and decodes its JSON output.
type awsCLI struct {
	t   *testing.T
	env []string
}

func (a awsCLI) run(args ...string) (map[string]any, string, bool) {
	a.t.Helper()
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var m map[string]any
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &m); jerr != nil {
			a.t.Errorf("aws %v: not JSON: %s", args, out.String())
			return nil, errb.String(), false
		}
	}
	return m, errb.String(), err == nil
}

func (a awsCLI) must(args ...string) map[string]any {
	a.t.Helper()
	m, stderr, ok := a.run(args...)
	if !ok {
		a.t.Fatalf("aws %v: %s", args, stderr)
	}
	return m
}

// get is must for other goroutines: it reports a failure with Errorf and
// returns an empty result.
func (a awsCLI) get(args ...string) map[string]any {
	a.t.Helper()
	m, stderr, ok := a.run(args...)
	if !ok {
		a.t.Errorf("aws %v: %s", args, stderr)
		return map[string]any{}
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func messagesOf(m map[string]any) []string {
	var out []string
	evs, _ := m["events"].([]any)
	for _, ev := range evs {
		out = append(out, ev.(map[string]any)["message"].(string))
	}
	return out
}

func TestCLILogEvents(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	t.Parallel()
	srv, _, _ := startEngine(t)
	cli := awsCLI{t, cliEnv(srv)}
	cli.must("logs", "create-log-group", "--log-group-name", "/cli/app")
	cli.must("logs", "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "web-1")
	cli.must("logs", "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "web-2")
	now := time.Now().UnixMilli()
	evs := fmt.Sprintf(`[{"timestamp":%d,"message":"GET /a 200"},{"timestamp":%d,"message":"GET /b 500 ERROR"},{"timestamp":%d,"message":"{\"level\":\"error\",\"ms\":300}"}]`, now-3000, now-2000, now-1000)
	put := cli.must("logs", "put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-1", "--log-events", evs)
	if tok, _ := put["nextSequenceToken"].(string); len(tok) != 56 {
		t.Fatalf("put-log-events: %v", put)
	}
	cli.must("logs", "put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-2",
		"--log-events", fmt.Sprintf("timestamp=%d,message=worker started", now-2500), "--sequence-token", "ignored")

	// The rest only reads: run the CLI processes side by side.
	var wg sync.WaitGroup
	check := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	check(func() {
		_, stderr, ok := cli.run("logs", "put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-1",
			"--log-events", fmt.Sprintf(`[{"timestamp":%d,"message":"b"},{"timestamp":%d,"message":"a"}]`, now, now-1))
		if ok || !strings.Contains(stderr, "InvalidParameterException") || !strings.Contains(stderr, "chronological order") {
			t.Errorf("out of order: %s", stderr)
		}
	})
	check(func() {
		got := cli.get("logs", "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-1", "--start-from-head")
		bwd, _ := got["nextBackwardToken"].(string)
		fwd, _ := got["nextForwardToken"].(string)
		if m := messagesOf(got); len(m) != 3 || m[0] != "GET /a 200" || !strings.HasPrefix(bwd, "b/") || !strings.HasPrefix(fwd, "f/") {
			t.Errorf("get-log-events: %v", got)
			return
		}
		again := cli.get("logs", "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-1", "--next-token", fwd, "--start-from-head")
		if len(messagesOf(again)) != 0 || again["nextForwardToken"] != fwd {
			t.Errorf("end of stream: %v", again)
		}
	})
	for pattern, want := range map[string]string{
		"ERROR":                               "GET /b 500 ERROR",
		`{ $.level = "error" && $.ms > 100 }`: `{"level":"error","ms":300}`,
		`[method, path, status = 5*, ...]`:    "GET /b 500 ERROR",
	} {
		check(func() {
			out := cli.get("logs", "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", pattern)
			if m := messagesOf(out); len(m) != 1 || m[0] != want {
				t.Errorf("filter-log-events --filter-pattern %s: %q", pattern, m)
			}
		})
	}
	check(func() {
		// The CLI pages through everything (--page-size sets limit).
		out := cli.get("logs", "filter-log-events", "--log-group-name", "/cli/app", "--page-size", "1", "--interleaved")
		if m := messagesOf(out); strings.Join(m, "|") != `GET /a 200|worker started|GET /b 500 ERROR|{"level":"error","ms":300}` {
			t.Errorf("paged filter: %q", m)
			return
		}
		ev0 := out["events"].([]any)[0].(map[string]any)
		if id, _ := ev0["eventId"].(string); ev0["logStreamName"] != "web-1" || len(id) != 56 {
			t.Errorf("event %v", ev0)
		}
	})
	check(func() {
		_, stderr, ok := cli.run("logs", "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "{ $.x = ")
		if ok || !strings.Contains(stderr, "InvalidParameterException") {
			t.Errorf("bad pattern: %s", stderr)
		}
	})
	check(func() {
		streams := cli.get("logs", "describe-log-streams", "--log-group-name", "/cli/app", "--order-by", "LastEventTime", "--descending")
		ss, _ := streams["logStreams"].([]any)
		if len(ss) != 2 || ss[0].(map[string]any)["logStreamName"] != "web-1" || ss[0].(map[string]any)["lastEventTimestamp"] != float64(now-1000) {
			t.Errorf("describe-log-streams: %v", streams)
		}
	})
	wg.Wait()
}

// cliHasTail reports whether the AWS CLI on PATH has `aws logs tail` (a
// v2 command; v1 does not have it).
// tailCLI finds an AWS CLI with `aws logs tail` (v2 only): the one on PATH
// or Debian's v2 at /usr/bin/aws.
func tailCLI(env []string) string {
	for _, bin := range []string{"aws", "/usr/bin/aws"} {
		if _, err := exec.LookPath(bin); err != nil {
			continue
		}
		cmd := exec.Command(bin, "logs", "tail", "help")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil && !strings.Contains(string(out), "Invalid choice") {
			return bin
		}
	}
	return ""
}

func TestCLITail(t *testing.T) {
	srv, _, e := startEngine(t)
	env := cliEnv(srv)
	aws := tailCLI(env)
	if aws == "" {
		if os.Getenv("SKIFF_REQUIRE_CLIENTS") != "" {
			t.Fatal("no AWS CLI v2 with `aws logs tail` (scripts/deps installs Debian's awscli)")
		}
		t.Skip("no AWS CLI with `aws logs tail` (AWS CLI v2 only); TestSDKFollowLikeTail covers its calls")
	}
	ctx := engineCtx()
	e.Append(ctx, "/cli/tail", "s1", []logs.Event{{Timestamp: time.Now().Add(-time.Minute), Message: "before follow"}})
	// CLI v2.9 ignores AWS_ENDPOINT_URL, so the endpoint goes on the command line.
	cmd := exec.Command(aws, "--endpoint-url", srv.URL, "logs", "tail", "/cli/tail", "--format", "short")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "before follow") {
		t.Fatalf("aws logs tail: %v\n%s", err, out)
	}

	// Follow: tail polls FilterLogEvents every 5 s. Lines are read as they
	// come; if the CLI buffers its output (stdout is a pipe), the deadline
	// interrupts it (Ctrl-C ends --follow cleanly) and the rest is read.
	tctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd = exec.CommandContext(tctx, aws, "--endpoint-url", srv.URL, "logs", "tail", "/cli/tail", "--follow", "--format", "short")
	cmd.Env = append(env, "PYTHONUNBUFFERED=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	want := []string{"before follow", "followed one", "followed two"}
	go func() {
		time.Sleep(time.Second)
		e.Append(ctx, "/cli/tail", "s1", []logs.Event{{Message: "followed one"}})
		e.Append(ctx, "/cli/tail", "s2", []logs.Event{{Message: "followed two"}})
	}()
	seen := map[string]bool{}
	interrupt := time.After(20 * time.Second)
	for len(seen) < len(want) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("tail --follow printed only %v", seen)
			}
			for _, w := range want {
				if strings.HasSuffix(l, " "+w) {
					seen[w] = true
				}
			}
		case <-interrupt:
			cmd.Process.Signal(os.Interrupt)
		case <-tctx.Done():
			t.Fatalf("tail --follow printed only %v", seen)
		}
	}
}
