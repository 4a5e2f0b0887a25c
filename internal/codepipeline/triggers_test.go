package codepipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"main", "main", true},
		{"main", "mainline", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", false},
		{"release/**", "release/1.0/hotfix", true},
		{"feature-?", "feature-a", true},
		{"feature-?", "feature-ab", false},
		{"*.{java,class}", "A.class", true},
		{"*.{java,class}", "A.go", false},
		{"src/**", "src/app/main.go", true},
		{"src/**/*.go", "src/app/main.go", true},
		{"**/*.md", "docs/guide/a.md", true},
		{"**/*.md", "README.md", false}, // ** then / needs a directory, as in Java's glob
		{"*.md", "docs/a.md", false},
		{"v[0-9]*", "v1.2.0", true},
		{"v[!0-9]*", "v1.2.0", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{"{unclosed", "unclosed", false},
	}
	for _, c := range cases {
		if got := globMatch(c.pattern, c.name); got != c.want {
			t.Errorf("glob %q on %q = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
	if validGlob("{a,b") {
		t.Error("an unclosed group is valid")
	}
}

func TestPushFilters(t *testing.T) {
	gitflow := []GitPushFilter{
		{Branches: &FilterCriteria{Includes: []string{"develop", "release/*", "hotfix/*"}}},
		{Tags: &FilterCriteria{Includes: []string{"v*"}, Excludes: []string{"v*-rc*"}}},
	}
	trunk := []GitPushFilter{
		{Branches: &FilterCriteria{Includes: []string{"main"}}, FilePaths: &FilterCriteria{Includes: []string{"src/**", "go.mod"}, Excludes: []string{"**/*.md", "docs/**"}}},
	}
	excludesWin := []GitPushFilter{{Branches: &FilterCriteria{Includes: []string{"**"}, Excludes: []string{"feature/**"}}}}
	push := func(ref string, files ...string) *PushEvent {
		return &PushEvent{Ref: ref, NewCommit: "abc", ChangedFiles: files}
	}
	cases := []struct {
		name    string
		filters []GitPushFilter
		ev      *PushEvent
		want    bool
	}{
		{"gitflow develop", gitflow, push("refs/heads/develop"), true},
		{"gitflow release", gitflow, push("refs/heads/release/2.1"), true},
		{"gitflow hotfix", gitflow, push("refs/heads/hotfix/login"), true},
		{"gitflow feature ignored", gitflow, push("refs/heads/feature/x"), false},
		{"gitflow main ignored", gitflow, push("refs/heads/main"), false},
		{"gitflow version tag", gitflow, push("refs/tags/v1.4.0"), true},
		{"gitflow rc tag excluded", gitflow, push("refs/tags/v1.4.0-rc1"), false},
		{"gitflow other tag", gitflow, push("refs/tags/nightly"), false},
		{"trunk source change", trunk, push("refs/heads/main", "src/app/main.go"), true},
		{"trunk go.mod", trunk, push("refs/heads/main", "go.mod"), true},
		{"trunk docs only", trunk, push("refs/heads/main", "docs/guide.md", "src/README.md"), false},
		{"trunk mixed", trunk, push("refs/heads/main", "docs/guide.md", "src/x.go"), true},
		{"trunk other branch", trunk, push("refs/heads/dev", "src/x.go"), false},
		{"trunk tag", trunk, push("refs/tags/v1"), false},
		{"excludes win", excludesWin, push("refs/heads/feature/a/b"), false},
		{"excludes win others pass", excludesWin, push("refs/heads/fix/a"), true},
		{"deleted branch", gitflow, &PushEvent{Ref: "refs/heads/develop"}, false},
	}
	for _, c := range cases {
		if got := matchPush(c.filters, c.ev); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	prs := []GitPullRequestFilter{{Events: []string{"OPEN", "UPDATED"}, Branches: &FilterCriteria{Includes: []string{"main"}}}}
	if !matchPullRequest(prs, &PullRequestEvent{Event: "OPEN", DestinationBranch: "main"}) ||
		matchPullRequest(prs, &PullRequestEvent{Event: "CLOSED", DestinationBranch: "main"}) ||
		matchPullRequest(prs, &PullRequestEvent{Event: "OPEN", DestinationBranch: "dev"}) {
		t.Error("pull request filters")
	}
}

const connArn = "arn:aws:codestar-connections:us-east-1:123456789012:connection/skiff-local"

// triggerPipeline follows a repository behind a connection, with a V2
// GitFlow trigger.
const triggerPipeline = `{
  "name": "flow", "roleArn": "arn:aws:iam::123456789012:role/p",
  "artifactStore": {"type": "S3", "location": "bucket"}, "pipelineType": "V2", "executionMode": "PARALLEL",
  "triggers": [{"providerType": "CodeStarSourceConnection", "gitConfiguration": {"sourceActionName": "Source",
    "push": [{"branches": {"includes": ["develop", "release/*", "hotfix/*"]}, "filePaths": {"excludes": ["docs/**"]}},
             {"tags": {"includes": ["v*"]}}]}}],
  "stages": [
    {"name": "Source", "actions": [{"name": "Source", "namespace": "SourceVariables",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"},
      "configuration": {"ConnectionArn": "` + connArn + `", "FullRepositoryId": "team/repo", "BranchName": "develop"},
      "outputArtifacts": [{"name": "Src"}]}]},
    {"name": "Check", "actions": [{"name": "Check",
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Noop", "version": "1"},
      "configuration": {"Message": "#{SourceVariables.BranchName} #{SourceVariables.CommitId}"},
      "inputArtifacts": [{"name": "Src"}]}]}
  ]
}`

func TestBranchFilterOnPush(t *testing.T) {
	h := newHarness(t)
	if err := h.e.PutConnection(testCtx(), Connection{ARN: connArn, URL: "codecommit:"}); err != nil {
		t.Fatal(err)
	}
	h.repos.push("repo", "develop", map[string]string{"a": "0"}, "base")
	h.create(triggerPipeline)
	base := h.nthExecution("flow", 1)
	h.waitStatus("flow", base, StatusSucceeded)

	h.repos.push("repo", "feature/login", map[string]string{"a": "1"}, "feature work")
	h.repos.push("repo", "develop", map[string]string{"docs/readme.md": "x"}, "docs only")
	if n := len(h.executions("flow")); n != 1 {
		t.Fatalf("a push to another branch (or of excluded paths only) started an execution: %d executions", n)
	}
	rel := h.repos.push("repo", "release/1.0", map[string]string{"a": "2"}, "release 1.0")
	id := h.nthExecution("flow", 2)
	h.waitStatus("flow", id, StatusSucceeded)
	x := h.exec("flow", id)
	if x.Trigger.TriggerType != TriggerWebhookV2 || x.ArtifactRevisions[0].RevisionID != rel.NewCommit {
		t.Errorf("release execution %+v %+v", x.Trigger, x.ArtifactRevisions)
	}
	if !strings.Contains(x.ArtifactRevisions[0].RevisionSummary, `"CommitMessage":"release 1.0"`) {
		t.Errorf("revision summary %q", x.ArtifactRevisions[0].RevisionSummary)
	}
	h.repos.pushTag("repo", "v1.0.0", rel.NewCommit)
	h.nthExecution("flow", 3)
	h.repos.pushTag("repo", "nightly", rel.NewCommit)
	if n := len(h.executions("flow")); n != 3 {
		t.Fatalf("%d executions after tag pushes, want 3", n)
	}
}

func TestCodeCommitBranchOnly(t *testing.T) {
	h := newHarness(t)
	first := h.repos.push("repo", "main", map[string]string{"a": "0"}, "base")
	h.create(pipelineJSON("cc", ModeSuperseded, `{"name": "Work", "actions": [`+noop("Work", 1, "")+`]}`))
	h.nthExecution("cc", 1)
	h.repos.push("repo", "dev", map[string]string{"a": "1"}, "dev work")
	h.repos.push("other", "main", map[string]string{"a": "1"}, "other repo")
	if n := len(h.executions("cc")); n != 1 {
		t.Fatalf("%d executions; pushes to another branch or repository must not start the pipeline", n)
	}
	h.repos.push("repo", "main", map[string]string{"a": "2"}, "main work")
	id := h.nthExecution("cc", 2)
	if x := h.exec("cc", id); x.Trigger.TriggerType != TriggerPoll {
		t.Errorf("trigger %+v (PollForSourceChanges defaults to true)", x.Trigger)
	}
	// A source revision override builds an older commit.
	base := first.NewCommit
	old, err := h.e.StartPipelineExecution(testCtx(), StartInput{Name: "cc",
		SourceRevisions: []SourceRevisionOverride{{ActionName: "Source", RevisionType: "COMMIT_ID", RevisionValue: base}}})
	if err != nil {
		t.Fatal(err)
	}
	h.waitStatus("cc", old, StatusSucceeded)
	if x := h.exec("cc", old); x.ArtifactRevisions[0].RevisionID != base {
		t.Errorf("override built %s, want %s", x.ArtifactRevisions[0].RevisionID, base)
	}
	if _, err := h.e.StartPipelineExecution(testCtx(), StartInput{Name: "cc",
		SourceRevisions: []SourceRevisionOverride{{ActionName: "Source", RevisionType: "S3_OBJECT_KEY", RevisionValue: "x"}}}); err == nil {
		t.Error("an S3 override of a CodeCommit source was accepted")
	}
}

func sign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestWebhookSignatures(t *testing.T) {
	h := newHarness(t)
	const ghArn = "arn:aws:codestar-connections:us-east-1:123456789012:connection/gh1"
	if err := h.e.PutConnection(testCtx(), Connection{ARN: ghArn, URL: "https://github.com", WebhookSecret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	p := strings.ReplaceAll(strings.ReplaceAll(triggerPipeline, connArn, ghArn), `"team/repo"`, `"octo/app"`)
	p = strings.Replace(p, `"name": "flow"`, `"name": "gh"`, 1)
	// The create-started execution fails (no network); that is fine.
	h.create(p)
	h.nthExecution("gh", 1)
	srv := httptest.NewServer(h.e.WebhookHandler())
	defer srv.Close()
	body := `{"ref": "refs/heads/release/2.0", "before": "0000000000000000000000000000000000000000", "after": "1111111111111111111111111111111111111111",
	  "repository": {"full_name": "octo/app"}, "head_commit": {"id": "1111111111111111111111111111111111111111", "message": "rel", "timestamp": "2024-01-02T03:04:05Z", "author": {"name": "Octo", "email": "o@x"}},
	  "commits": [{"id": "1111111111111111111111111111111111111111", "added": ["src/a.go"]}]}`
	post := func(headers map[string]string, b string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/_skiff/codepipeline/webhooks/gh1", strings.NewReader(b))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	cases := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no signature", map[string]string{"X-GitHub-Event": "push"}, 401},
		{"bad HMAC", map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign("wrong", body)}, 403},
		{"bad GitLab token", map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "nope"}, 403},
	}
	for _, c := range cases {
		if got := post(c.headers, body); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	if n := len(h.executions("gh")); n != 1 {
		t.Fatalf("refused deliveries started executions: %d", n)
	}
	if got := post(map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign("s3cret", body)}, body); got != 200 {
		t.Fatalf("signed delivery: %d", got)
	}
	id := h.nthExecution("gh", 2)
	x := h.exec("gh", id)
	if x.Trigger.TriggerType != TriggerWebhookV2 || x.Trigger.TriggerDetail != ghArn {
		t.Errorf("trigger %+v", x.Trigger)
	}
	gl := strings.Replace(strings.Replace(body, `"repository": {"full_name": "octo/app"}`, `"object_kind": "push", "project": {"path_with_namespace": "octo/app"}`, 1), "release/2.0", "feature/x", 1)
	if got := post(map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "s3cret"}, gl); got != 200 {
		t.Fatalf("gitlab delivery: %d", got)
	}
	if n := len(h.executions("gh")); n != 2 {
		t.Fatalf("a filtered-out GitLab push started an execution: %d", n)
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Octo", "GIT_AUTHOR_EMAIL=o@example.com", "GIT_COMMITTER_NAME=Octo", "GIT_COMMITTER_EMAIL=o@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestGitConnectionSource fetches with the git binary from a local
// repository a connection maps to (CODE_ZIP and CODEBUILD_CLONE_REF).
func TestGitConnectionSource(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	os.MkdirAll(work, 0o755)
	gitRun(t, work, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(work, "main.go"), []byte("package main\n"), 0o644)
	gitRun(t, work, "add", ".")
	gitRun(t, work, "commit", "-q", "-m", "first commit")
	commit := gitRun(t, work, "rev-parse", "HEAD")
	os.MkdirAll(filepath.Join(root, "srv", "team"), 0o755)
	gitRun(t, root, "clone", "-q", "--bare", work, filepath.Join(root, "srv", "team", "app"))

	h := newHarness(t)
	const arn = "arn:aws:codestar-connections:us-east-1:123456789012:connection/local"
	if err := h.e.PutConnection(testCtx(), Connection{ARN: arn, URL: "file://" + filepath.Join(root, "srv")}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"CODE_ZIP", "CODEBUILD_CLONE_REF"} {
		name := "git-" + strings.ToLower(strings.ReplaceAll(format, "_", "-"))
		h.create(`{"name": "` + name + `", "roleArn": "arn:aws:iam::123456789012:role/p", "artifactStore": {"type": "S3", "location": "bucket"}, "pipelineType": "V2",
  "stages": [{"name": "Source", "actions": [{"name": "Source", "namespace": "SourceVariables",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"},
      "configuration": {"ConnectionArn": "` + arn + `", "FullRepositoryId": "team/app", "BranchName": "main", "OutputArtifactFormat": "` + format + `"},
      "outputArtifacts": [{"name": "Src"}]}]},
    {"name": "Work", "actions": [` + noop("Work", 1, `, "configuration": {"Message": "#{SourceVariables.CommitMessage} #{SourceVariables.FullRepositoryName}"}`) + `]}]}`)
		id := h.nthExecution(name, 1)
		h.waitStatus(name, id, StatusSucceeded)
		ds, _, _ := h.e.ListActionExecutions(testCtx(), name, id, 0, "")
		for _, d := range ds {
			switch d.ActionName {
			case "Source":
				if d.Output.OutputVariables["CommitId"] != commit || d.Output.OutputVariables["AuthorDate"] == "" {
					t.Errorf("%s variables %v", format, d.Output.OutputVariables)
				}
				loc := d.Output.OutputArtifacts[0].S3Location
				files := unzip(t, h.objects.get(loc.Bucket, loc.Key))
				if files["main.go"] != "package main\n" {
					t.Errorf("%s artifact %v", format, files)
				}
				_, hasGit := files[".git/HEAD"]
				if hasGit != (format == "CODEBUILD_CLONE_REF") {
					t.Errorf("%s: .git in the artifact: %v", format, hasGit)
				}
			case "Work":
				if d.Input.ResolvedConfiguration["Message"] != "first commit team/app" {
					t.Errorf("resolved %v", d.Input.ResolvedConfiguration)
				}
			}
		}
	}
}
