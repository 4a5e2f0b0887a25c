package codebuild

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildSimple(t *testing.T) {
	h := newHarness(t)
	h.project("hello", `version: 0.2
phases:
  build:
    commands:
      - echo hello from $CODEBUILD_BUILD_ID
`)
	b := h.run(StartBuildInput{ProjectName: "hello"})
	if b.BuildStatus != StatusSucceeded || !b.BuildComplete || b.CurrentPhase != PhaseCompleted {
		t.Fatalf("status %s complete %v phase %s", b.BuildStatus, b.BuildComplete, b.CurrentPhase)
	}
	want := "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED FINALIZING:SUCCEEDED COMPLETED"
	if got := phases(b); got != want {
		t.Fatalf("phases\n got %s\nwant %s", got, want)
	}
	for _, p := range b.Phases {
		if p.StartTime.IsZero() {
			t.Errorf("%s has no start time", p.PhaseType)
		}
		if p.PhaseType == PhaseCompleted {
			if !p.EndTime.IsZero() || p.DurationInSeconds != nil || p.Contexts != nil {
				t.Errorf("COMPLETED has more than a start: %+v", p)
			}
			continue
		}
		if p.EndTime.IsZero() || p.DurationInSeconds == nil {
			t.Errorf("%s has no end or duration", p.PhaseType)
		}
		if containerPhase(p.PhaseType) != (len(p.Contexts) == 1) {
			t.Errorf("%s contexts %+v", p.PhaseType, p.Contexts)
		}
	}
	log := h.logs.text(b)
	for _, want := range []string{
		"[C] Phase is DOWNLOAD_SOURCE\n",
		"[C] Entering phase BUILD\n[C] Running command echo hello from $CODEBUILD_BUILD_ID\nhello from " + b.ID + "\n[C] Phase complete: BUILD State: SUCCEEDED\n[C] Phase context status code:  Message: \n[C] Entering phase POST_BUILD\n",
	} {
		if !strings.Contains(log, want) {
			t.Fatalf("log lacks %q:\n%s", want, log)
		}
	}
	if b.Logs.GroupName != "/aws/codebuild/hello" || b.Logs.StreamName != buildUUID(b.ID) || b.Logs.CloudWatchLogs.Status != "ENABLED" {
		t.Fatalf("logs %+v", b.Logs)
	}
	if b.BuildNumber != 1 || b.Initiator != "alice" || b.ARN != "arn:aws:codebuild:us-east-1:123456789012:build/"+b.ID {
		t.Fatalf("build %d %q %q", b.BuildNumber, b.Initiator, b.ARN)
	}
	if b2 := h.run(StartBuildInput{ProjectName: "hello"}); b2.BuildNumber != 2 {
		t.Fatalf("second build number %d", b2.BuildNumber)
	}
}

// TestPhaseTransitions covers CodeBuild's failure transitions, on-failure
// and finally (reference §1.4).
func TestPhaseTransitions(t *testing.T) {
	h := newHarness(t)
	const tail = " FINALIZING:SUCCEEDED COMPLETED"
	for _, c := range []struct {
		name, spec, phases, status string
		ctx                        map[string]string // phase → status code
		log                        []string
	}{
		{
			name: "install failure goes to finalizing",
			spec: `
  install:
    commands: ["false", "echo never"]
  build:
    commands: ["echo build"]`,
			phases: "INSTALL:FAILED" + tail, status: StatusFailed,
			ctx: map[string]string{PhaseInstall: "COMMAND_EXECUTION_ERROR"},
		},
		{
			name: "pre_build failure goes to finalizing",
			spec: `
  pre_build:
    commands: ["exit 3"]
  build:
    commands: ["echo build"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:FAILED" + tail, status: StatusFailed,
		},
		{
			name: "build failure still runs post_build and upload",
			spec: `
  build:
    commands: ["echo building", "false", "echo never"]
  post_build:
    commands: ["echo succeeding=$CODEBUILD_BUILD_SUCCEEDING"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
			log: []string{"succeeding=0", "[C] Command did not exit successfully false exit status 1", "Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: false. Reason: exit status 1"},
		},
		{
			name: "post_build failure still uploads",
			spec: `
  post_build:
    commands: ["false"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:FAILED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
		},
		{
			name: "on-failure CONTINUE goes on after install",
			spec: `
  install:
    on-failure: CONTINUE
    commands: ["false"]
  build:
    commands: ["echo still built, succeeding=$CODEBUILD_BUILD_SUCCEEDING"]`,
			phases: "INSTALL:FAILED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
			log: []string{"still built, succeeding=0"},
		},
		{
			name: "on-failure ABORT skips post_build",
			spec: `
  build:
    on-failure: ABORT
    commands: ["false"]
  post_build:
    commands: ["echo never"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED" + tail, status: StatusFailed,
		},
		{
			name: "finally runs after a failure, remaining commands skipped",
			spec: `
  build:
    commands: ["echo one", "false", "echo skipped"]
    finally: ["echo cleanup"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
			log: []string{"one\n[C] Running command false", "[C] Running command echo cleanup\ncleanup"},
		},
		{
			name: "failing finally fails the phase",
			spec: `
  build:
    commands: ["echo ok"]
    finally: ["exit 7", "echo skipped"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
			log: []string{"Reason: exit status 7"},
		},
		{
			name: "retry until it works",
			spec: `
  build:
    on-failure: RETRY-3
    commands:
      - n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo attempt $n; [ $n -ge 3 ]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusSucceeded,
			log: []string{"attempt 1", "attempt 2", "attempt 3", "retrying (retry 2 of 3)"},
		},
		{
			name: "retry gives up",
			spec: `
  pre_build:
    on-failure: RETRY-2
    commands: ["echo try; false"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:FAILED" + tail, status: StatusFailed,
			log: []string{"try\n[C] Command did not exit", "retrying (retry 2 of 2)"},
		},
		{
			name: "retry when the output matches",
			spec: `
  build:
    on-failure: RETRY-1-connection reset
    commands: ["echo connection reset by peer; false"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
			log: []string{"retrying (retry 1 of 1)"},
		},
		{
			name: "retry only when the output matches",
			spec: `
  build:
    on-failure: RETRY-5-connection reset
    commands: ["echo fatal error; false"]`,
			phases: "INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED" + tail, status: StatusFailed,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(strings.ReplaceAll(c.name, " ", "-"), ",", "")
			h.project(name, "version: 0.2\nphases:"+c.spec+"\n")
			b := h.run(StartBuildInput{ProjectName: name})
			got := strings.TrimPrefix(phases(b), "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED ")
			log := h.logs.text(b)
			if got != c.phases || b.BuildStatus != c.status {
				t.Fatalf("phases %s status %s\nwant   %s status %s\n%s", got, b.BuildStatus, c.phases, c.status, log)
			}
			for ph, code := range c.ctx {
				if pc := phaseContext(b, ph); pc.StatusCode != code {
					t.Errorf("%s context %+v, want %s", ph, pc, code)
				}
			}
			for _, want := range c.log {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if strings.Contains(log, "never") && !strings.Contains(log, "echo never") {
				t.Errorf("a skipped command ran:\n%s", log)
			}
			if strings.Contains(log, "\nskipped\n") {
				t.Errorf("a skipped command ran:\n%s", log)
			}
		})
	}
}

// TestShellInstance: 0.2 runs all commands in one shell instance, so cd,
// export and plain variables carry over between commands and phases; 0.1
// gives every command its own shell.
func TestShellInstance(t *testing.T) {
	h := newHarness(t)
	body := `
phases:
  install:
    commands:
      - mkdir -p sub/dir && cd sub
      - export FROM_INSTALL=yes
      - PLAIN=kept
  build:
    commands:
      - echo "pwd=$(basename $(pwd)) export=$FROM_INSTALL plain=$PLAIN"
      - cd dir; echo "now=$(basename $(pwd))"
  post_build:
    commands:
      - echo "post=$(basename $(pwd))"
`
	h.project("v02", "version: 0.2"+body)
	h.project("v01", "version: 0.1"+body)
	b := h.run(StartBuildInput{ProjectName: "v02"})
	log := h.logs.text(b)
	for _, want := range []string{"pwd=sub export=yes plain=kept", "now=dir", "post=dir"} {
		if !strings.Contains(log, want+"\n") {
			t.Errorf("0.2 log lacks %q:\n%s", want, log)
		}
	}
	b = h.run(StartBuildInput{ProjectName: "v01"})
	log = h.logs.text(b)
	for _, want := range []string{"pwd=src export= plain=", "now=src", "post=src"} {
		if !strings.Contains(log, want+"\n") {
			t.Errorf("0.1 log lacks %q:\n%s", want, log)
		}
	}
	// bash is available as env.shell.
	h.project("bash", `version: 0.2
env:
  shell: bash
phases:
  build:
    commands:
      - arr=(a b c); echo "bash ${#arr[@]} $BASH_VERSION" | cut -c1-6
`)
	b = h.run(StartBuildInput{ProjectName: "bash"})
	if b.BuildStatus != StatusSucceeded || !strings.Contains(h.logs.text(b), "bash 3") {
		t.Fatalf("bash build %s:\n%s", b.BuildStatus, h.logs.text(b))
	}
}

// TestEnvironment checks CodeBuild's variables and the precedence
// StartBuild override > project > buildspec.
func TestEnvironment(t *testing.T) {
	h := newHarness(t)
	h.project("env", `version: 0.2
env:
  variables:
    FROM_SPEC: spec
    OVERRIDDEN_BY_PROJECT: spec
    OVERRIDDEN_BY_START: spec
    LITERAL: $PATH:/x
    CODEBUILD_BUILD_ID: hijack
phases:
  build:
    commands:
      - env | grep -E '^(FROM_|OVERRIDDEN_|LITERAL=|CODEBUILD_|AWS_|HOME=)' | sort
`, func(in *ProjectInput) {
		in.Environment.EnvironmentVariables = []EnvironmentVariable{
			{Name: "OVERRIDDEN_BY_PROJECT", Value: "project"},
			{Name: "OVERRIDDEN_BY_START", Value: "project"},
			{Name: "FROM_PROJECT", Value: "project"},
		}
	})
	b := h.run(StartBuildInput{ProjectName: "env", SourceVersion: "v1.2",
		EnvironmentVariablesOverride: []EnvironmentVariable{{Name: "OVERRIDDEN_BY_START", Value: "start"}}})
	log := h.logs.text(b)
	for _, want := range []string{
		"FROM_SPEC=spec", "FROM_PROJECT=project", "OVERRIDDEN_BY_PROJECT=project", "OVERRIDDEN_BY_START=start",
		"LITERAL=$PATH:/x",
		"CODEBUILD_BUILD_ID=" + b.ID, "CODEBUILD_BUILD_ARN=" + b.ARN, "CODEBUILD_BUILD_NUMBER=1",
		"CODEBUILD_BUILD_SUCCEEDING=1", "CODEBUILD_INITIATOR=alice", "CODEBUILD_BUILD_IMAGE=aws/codebuild/standard:7.0",
		"CODEBUILD_SRC_DIR=", "CODEBUILD_SOURCE_VERSION=v1.2", "CODEBUILD_START_TIME=", "CODEBUILD_LOG_PATH=" + buildUUID(b.ID),
		"CODEBUILD_PROJECT_ARN=arn:aws:codebuild:us-east-1:123456789012:project/env",
		"CODEBUILD_KMS_KEY_ID=arn:aws:kms:us-east-1:123456789012:alias/aws/s3",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ENDPOINT_URL=http://127.0.0.1:4566",
		"AWS_ACCESS_KEY_ID=ASIAFAKEBUILDKEY", "AWS_SECRET_ACCESS_KEY=fake-secret-key", "AWS_SESSION_TOKEN=fake-session-token",
	} {
		if !strings.Contains(log, "\n"+want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "hijack") && !strings.Contains(log, "Skipping environment variable CODEBUILD_BUILD_ID") {
		t.Errorf("reserved CODEBUILD_ variable was set:\n%s", log)
	}
	if t.Failed() {
		t.Log(log)
	}
	// Project variables cannot use the reserved prefix.
	_, err := h.e.CreateProject(h.ctx, ProjectInput{Name: "reserved", Source: &ProjectSource{Type: "NO_SOURCE", Buildspec: "version: 0.2"},
		Artifacts: &ProjectArtifacts{Type: "NO_ARTIFACTS"}, ServiceRole: "r",
		Environment: &ProjectEnvironment{Type: "LINUX_CONTAINER", Image: "i", ComputeType: "BUILD_GENERAL1_SMALL",
			EnvironmentVariables: []EnvironmentVariable{{Name: "CODEBUILD_X", Value: "1"}}}})
	if !ErrInvalidInput.Is(err) {
		t.Fatalf("reserved project variable: %v", err)
	}
}

// TestMasking: parameter-store and secrets-manager values never appear in
// logs, phase contexts or exported variables.
func TestMasking(t *testing.T) {
	h := newHarness(t)
	h.params["/ci/token"] = "tok-3141592653"
	h.params["/ci/project-param"] = "proj-2718281828"
	h.secrets["prod/db"] = `{"username":"admin","password":"hunter2-s3cr3t"}`
	h.project("mask", `version: 0.2
env:
  parameter-store:
    TOKEN: /ci/token
  secrets-manager:
    DB_PASS: prod/db:password
    DB_ALL: prod/db
  exported-variables:
    - LEAK
phases:
  build:
    commands:
      - echo "token is $TOKEN and password is $DB_PASS and project is $PROJ"
      - echo "$DB_ALL"
      - export LEAK="x-$TOKEN-y"
      - echo $DB_PASS; exit 9
`, func(in *ProjectInput) {
		in.Environment.EnvironmentVariables = []EnvironmentVariable{{Name: "PROJ", Value: "/ci/project-param", Type: "PARAMETER_STORE"}}
	})
	b := h.run(StartBuildInput{ProjectName: "mask"})
	log := h.logs.text(b)
	for _, secret := range []string{"tok-3141592653", "proj-2718281828", "hunter2-s3cr3t"} {
		if strings.Contains(log, secret) || strings.Contains(fmt.Sprint(b), secret) {
			t.Fatalf("secret %q leaked:\n%s\n%+v", secret, log, b)
		}
	}
	if !strings.Contains(log, "token is *** and password is *** and project is ***") {
		t.Fatalf("masked line missing:\n%s", log)
	}
	if v := h.e.ExportedVariables(b)["LEAK"]; v != "x-***-y" {
		t.Fatalf("exported LEAK = %q", v)
	}
	// The project variable shows the parameter name, not its value.
	if ev := b.Environment.EnvironmentVariables[0]; ev.Value != "/ci/project-param" || ev.Type != "PARAMETER_STORE" {
		t.Fatalf("environment variable %+v", ev)
	}

	// A missing parameter fails the build in DOWNLOAD_SOURCE.
	h.project("missing", "version: 0.2\nenv:\n  parameter-store:\n    X: /nope\nphases:\n  build:\n    commands: [echo]\n")
	b = h.run(StartBuildInput{ProjectName: "missing"})
	if pc := phaseContext(b, PhaseDownloadSource); b.BuildStatus != StatusFailed || pc.StatusCode != "Decrypted Variables Error" || !strings.Contains(pc.Message, "/nope") {
		t.Fatalf("missing parameter: %s %+v", b.BuildStatus, pc)
	}
	h.project("missing-secret", "version: 0.2\nenv:\n  secrets-manager:\n    X: nope:key\nphases:\n  build:\n    commands: [echo]\n")
	b = h.run(StartBuildInput{ProjectName: "missing-secret"})
	if pc := phaseContext(b, PhaseDownloadSource); pc.StatusCode != "Secrets Manager Error" {
		t.Fatalf("missing secret: %+v", pc)
	}
}

// TestInvalidBuildspec: YAML errors, unknown keys, a wrong version and bad
// phase names fail the build in DOWNLOAD_SOURCE with YAML_FILE_ERROR.
func TestInvalidBuildspec(t *testing.T) {
	h := newHarness(t)
	for i, c := range []struct{ spec, msg string }{
		{"version: 0.2\nphases:\n  build:\n    commands: [\"a\", \n", "at line"},
		{"version: 0.2\nphase:\n  build:\n    commands: [a]\n", "Unknown key 'phase' in buildspec at line 2"},
		{"version: 0.9\nphases:\n  build:\n    commands: [a]\n", "invalid buildspec version '0.9'"},
		{"version: 0.2\nphases:\n  compile:\n    commands: [a]\n", "Unknown phase name 'compile'"},
		{"version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n", "Expected Commands[0] to be of string type: found subkeys instead at line 5"},
	} {
		name := fmt.Sprintf("bad%d", i)
		h.project(name, c.spec)
		b := h.run(StartBuildInput{ProjectName: name})
		pc := phaseContext(b, PhaseDownloadSource)
		if b.BuildStatus != StatusFailed || pc.StatusCode != "YAML_FILE_ERROR" || !strings.Contains(pc.Message, c.msg) {
			t.Errorf("%q: %s %+v", c.spec, b.BuildStatus, pc)
		}
		want := "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:FAILED FINALIZING:SUCCEEDED COMPLETED"
		if phases(b) != want {
			t.Errorf("phases %s", phases(b))
		}
		if !strings.Contains(h.logs.text(b), "Phase context status code: YAML_FILE_ERROR Message: ") {
			t.Errorf("log lacks the context line:\n%s", h.logs.text(b))
		}
	}
	// A source without buildspec.yml.
	repo, _ := gitRepo(t, map[string]string{"README": "x"})
	h.sources.repos["nospec"] = repo
	h.project("nospec", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "CODECOMMIT", Location: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/nospec"}
	})
	b := h.run(StartBuildInput{ProjectName: "nospec"})
	if pc := phaseContext(b, PhaseDownloadSource); pc.StatusCode != "YAML_FILE_ERROR" || pc.Message != "YAML file does not exist" {
		t.Fatalf("missing buildspec: %+v", pc)
	}
}

func TestRunAs(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("switching users needs root")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	h := newHarness(t)
	// The build directory must be reachable by the run-as user; test
	// directories are private by default.
	for d := h.dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	h.project("runas", `version: 0.2
run-as: nobody
phases:
  install:
    run-as: root
    commands:
      - echo "install as $(id -un)"
  build:
    commands:
      - echo "build as $(id -un)"
`)
	b := h.run(StartBuildInput{ProjectName: "runas"})
	log := h.logs.text(b)
	if b.BuildStatus != StatusSucceeded || !strings.Contains(log, "\ninstall as root\n") || !strings.Contains(log, "\nbuild as nobody\n") {
		t.Fatalf("%s\n%s", b.BuildStatus, log)
	}
	h.project("runas-missing", "version: 0.2\nrun-as: no-such-user-here\nphases:\n  build:\n    commands: [echo]\n")
	b = h.run(StartBuildInput{ProjectName: "runas-missing"})
	if pc := phaseContext(b, PhaseBuild); b.BuildStatus != StatusFailed || pc.StatusCode != "CLIENT_ERROR" || !strings.Contains(pc.Message, "no-such-user-here") {
		t.Fatalf("missing user: %s %+v", b.BuildStatus, pc)
	}
}

func TestVersion01ExportedAndGitHelper(t *testing.T) {
	h := newHarness(t)
	h.project("v01x", `version: 0.1
env:
  variables:
    FIXED: from-env
  exported-variables: [FIXED]
  git-credential-helper: yes
phases:
  build:
    commands:
      - git config --get credential.helper
      - git config --get credential.UseHttpPath
`)
	b := h.run(StartBuildInput{ProjectName: "v01x"})
	log := h.logs.text(b)
	if b.BuildStatus != StatusSucceeded || !strings.Contains(log, "\n!aws codecommit credential-helper $@\n") || !strings.Contains(log, "\ntrue\n") {
		t.Fatalf("%s\n%s", b.BuildStatus, log)
	}
	if v := h.e.ExportedVariables(b)["FIXED"]; v != "from-env" {
		t.Fatalf("FIXED = %q", v)
	}
}
