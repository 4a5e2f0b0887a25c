package codebuild

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

// awsCLI runs the AWS CLI against srv.
func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, bool) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	for _, kv := range srv.Env() {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var m map[string]any
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &m); jerr != nil {
			t.Fatalf("aws %v: output is not JSON: %s", args, out.String())
		}
	}
	return m, errb.String(), err == nil
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, ok := awsCLI(t, srv, args...)
	if !ok {
		t.Fatalf("aws %v failed: %s", args, stderr)
	}
	return m
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	h := newHarness(t)
	srv := skifftest.Start(t, h.e.Service())
	buildspec := `version: 0.2
phases:
  install:
    commands:
      - echo install
  pre_build:
    commands:
      - echo pre_build
  build:
    commands:
      - echo build $MODE
  post_build:
    commands:
      - echo post_build
`
	p := mustCLI(t, srv, "codebuild", "create-project", "--name", "cli-project",
		"--source", `{"type":"NO_SOURCE","buildspec":`+strings.TrimSpace(jsonString(buildspec))+`}`,
		"--artifacts", "type=NO_ARTIFACTS",
		"--environment", "type=LINUX_CONTAINER,image=aws/codebuild/standard:7.0,computeType=BUILD_GENERAL1_SMALL,environmentVariables=[{name=MODE,value=release}]",
		"--service-role", "arn:aws:iam::123456789012:role/cb")
	if dig(p, "project", "name") != "cli-project" || dig(p, "project", "arn") != "arn:aws:codebuild:us-east-1:123456789012:project/cli-project" {
		t.Fatalf("create-project: %v", p)
	}
	_, stderr, ok := awsCLI(t, srv, "codebuild", "create-project", "--name", "cli-project", "--source", "type=NO_SOURCE,buildspec=x",
		"--artifacts", "type=NO_ARTIFACTS", "--environment", "type=LINUX_CONTAINER,image=i,computeType=BUILD_GENERAL1_SMALL", "--service-role", "r")
	if ok || !strings.Contains(stderr, "ResourceAlreadyExistsException") {
		t.Fatalf("duplicate create-project: %s", stderr)
	}

	sb := mustCLI(t, srv, "codebuild", "start-build", "--project-name", "cli-project", "--environment-variables-override", "name=MODE,value=debug")
	id, _ := dig(sb, "build", "id").(string)
	if !strings.HasPrefix(id, "cli-project:") || dig(sb, "build", "buildStatus") != "IN_PROGRESS" {
		t.Fatalf("start-build: %v", sb)
	}
	var b map[string]any
	for i := 0; i < 100; i++ {
		out := mustCLI(t, srv, "codebuild", "batch-get-builds", "--ids", id)
		b, _ = dig(out, "builds", 0).(map[string]any)
		if b["buildComplete"] == true {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b["buildStatus"] != "SUCCEEDED" || b["currentPhase"] != "COMPLETED" {
		t.Fatalf("build: %v", b)
	}
	var got []string
	for _, ph := range b["phases"].([]any) {
		m := ph.(map[string]any)
		s, _ := m["phaseType"].(string)
		if st, ok := m["phaseStatus"].(string); ok {
			s += ":" + st
		}
		got = append(got, s)
	}
	want := "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED FINALIZING:SUCCEEDED COMPLETED"
	if strings.Join(got, " ") != want {
		t.Fatalf("phases\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	build := dig(b, "phases", 6).(map[string]any)
	if _, ok := build["durationInSeconds"]; !ok || build["startTime"] == nil || build["endTime"] == nil || dig(build, "contexts", 0, "statusCode") != "" {
		t.Fatalf("BUILD phase: %v", build)
	}
	log := h.logs.text(&Build{Logs: &LogsLocation{GroupName: dig(b, "logs", "groupName").(string), StreamName: dig(b, "logs", "streamName").(string)}})
	for _, want := range []string{"\ninstall\n", "\npre_build\n", "\nbuild debug\n", "\npost_build\n"} {
		if !strings.Contains(log, want) {
			t.Fatalf("log lacks %q:\n%s", want, log)
		}
	}

	list := mustCLI(t, srv, "codebuild", "list-builds-for-project", "--project-name", "cli-project")
	if ids, _ := list["ids"].([]any); len(ids) != 1 || ids[0] != id {
		t.Fatalf("list-builds-for-project: %v", list)
	}
	_, stderr, ok = awsCLI(t, srv, "codebuild", "list-builds-for-project", "--project-name", "nope")
	if ok || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Fatalf("unknown project: %s", stderr)
	}
	projects := mustCLI(t, srv, "codebuild", "list-projects")
	if ps, _ := projects["projects"].([]any); len(ps) != 1 {
		t.Fatalf("list-projects: %v", projects)
	}
	stopped := mustCLI(t, srv, "codebuild", "stop-build", "--id", id)
	if dig(stopped, "build", "buildStatus") != "SUCCEEDED" {
		t.Fatalf("stop-build of a finished build: %v", stopped)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
