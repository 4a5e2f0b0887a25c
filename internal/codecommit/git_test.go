package codecommit

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

const helperConfig = "[credential]\n\thelper = !aws codecommit credential-helper --ignore-host-check $@\n\tUseHttpPath = true"

func eventsOf(t *testing.T, e *Engine, repo string) []PushEvent {
	t.Helper()
	evs, err := e.PushEvents(testCtx(), repo, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// awsCLI finds the aws CLI, skipping the test without it. A pyenv shim is
// resolved to the real script (the shim costs seconds per call on a busy
// machine, and git calls the helper twice per command).
func awsCLI(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH")
	}
	if strings.Contains(p, "/shims/") {
		if out, err := exec.Command("pyenv", "which", "aws").Output(); err == nil {
			p = strings.TrimSpace(string(out))
		}
	}
	return filepath.Dir(p)
}

func withPath(env []string, dir string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + dir + ":" + v
		}
		out = append(out, kv)
	}
	return out
}

// TestGitWithCLICredentialHelper drives a plain git authenticated by the
// AWS CLI's credential helper through clone, pushes of every kind and
// fetch, and checks what the API and the push events see.
func TestGitWithCLICredentialHelper(t *testing.T) {
	t.Parallel()
	bin := awsCLI(t)
	srv := startServer(t)
	api := codecommit.NewFromConfig(srv.Config())
	created, err := api.CreateRepository(context.Background(), &codecommit.CreateRepositoryInput{RepositoryName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	cloneURL := *created.RepositoryMetadata.CloneUrlHttp
	if cloneURL != srv.URL+"/v1/repos/web" {
		t.Fatalf("clone URL %s", cloneURL)
	}
	g := newGitClient(t, withPath(srv.Env(), bin), helperConfig)
	last := pushScenario(t, srv, g, "web", cloneURL, root)
	// A helper configured for another region still works (the password
	// does not say which region it was signed for).
	g2 := newGitClient(t, withPath(append(srv.Env(), "AWS_DEFAULT_REGION=eu-west-2"), bin), helperConfig)
	if out := g2.run(t.TempDir(), "ls-remote", cloneURL); !strings.Contains(out, last+"\trefs/heads/main") {
		t.Fatalf("ls-remote from another region: %s", out)
	}
}

// pushScenario clones an empty repository and pushes a new branch, a
// second new branch, a fast-forward, a refused non-fast-forward, a forced
// update, a delete, tags and an atomic two-branch push; after each step it
// checks the API and the push events. It returns main's final commit.
func pushScenario(t *testing.T, srv *testServer, g *gitClient, name, cloneURL, pusher string) string {
	t.Helper()
	ctx := context.Background()
	api := codecommit.NewFromConfig(srv.Config())
	work := t.TempDir()
	a := filepath.Join(work, "a")
	out := g.run(work, "clone", cloneURL, a)
	if !strings.Contains(out, "empty repository") {
		t.Fatalf("clone of an empty repository: %s", out)
	}
	c1 := g.commitFile(a, "README.md", "hello\n", "first")
	g.run(a, "push", "-q", "origin", "main")

	repo, err := api.GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String(name)})
	if err != nil || aws.ToString(repo.RepositoryMetadata.DefaultBranch) != "main" {
		t.Fatalf("default branch after first push: %+v %v", repo.RepositoryMetadata, err)
	}
	if tip := branchTip(t, api, name, "main"); tip != c1 {
		t.Fatalf("GetBranch %s, want %s", tip, c1)
	}
	f, err := api.GetFile(ctx, &codecommit.GetFileInput{RepositoryName: aws.String(name), FilePath: aws.String("README.md")})
	if err != nil || string(f.FileContent) != "hello\n" {
		t.Fatalf("GetFile %v", err)
	}
	evs := eventsOf(t, srv.E, name)
	if len(evs) != 1 {
		t.Fatalf("events after first push: %+v", evs)
	}
	if ev := evs[0]; !ev.Created() || ev.Ref != "refs/heads/main" || ev.NewCommit != c1 || ev.Pusher != pusher || ev.Source != SourceGit ||
		ev.AuthorName != "Dev Eloper" || ev.AuthorEmail != "dev@example.com" || ev.CommitterName != "Dev Eloper" || ev.Message != "first\n" ||
		strings.Join(ev.ChangedFiles, ",") != "README.md" || ev.AuthorTime.IsZero() || ev.RepositoryName != name {
		t.Fatalf("first push event %+v", ev)
	}

	// A new branch: only the files of its new commits.
	g.run(a, "checkout", "-q", "-b", "feature")
	c2 := g.commitFile(a, "feature/f.txt", "f\n", "feature work")
	g.run(a, "push", "-q", "-u", "origin", "feature")
	evs = eventsOf(t, srv.E, name)
	if ev := evs[len(evs)-1]; ev.Ref != "refs/heads/feature" || !ev.Created() || ev.NewCommit != c2 || strings.Join(ev.ChangedFiles, ",") != "feature/f.txt" {
		t.Fatalf("new branch event %+v", ev)
	}

	// A second clone falls behind; main moves on (fast-forward).
	b := filepath.Join(work, "b")
	g.run(work, "clone", "-q", cloneURL, b)
	g.run(a, "checkout", "-q", "main")
	c3 := g.commitFile(a, "src/main.go", "package main\n", "code")
	g.run(a, "push", "-q", "origin", "main")
	evs = eventsOf(t, srv.E, name)
	if ev := evs[len(evs)-1]; ev.OldCommit != c1 || ev.NewCommit != c3 || strings.Join(ev.ChangedFiles, ",") != "src/main.go" {
		t.Fatalf("fast-forward event %+v", ev)
	}

	// Non-fast-forward is refused, then forced.
	c4 := g.commitFile(b, "README.md", "rewritten\n", "diverge")
	if out, err := g.try(b, "push", "origin", "main"); err == nil || !strings.Contains(out, "rejected") {
		t.Fatalf("non-fast-forward push accepted: %v\n%s", err, out)
	}
	if tip := branchTip(t, api, name, "main"); tip != c3 {
		t.Fatalf("refused push moved main to %s", tip)
	}
	g.run(b, "push", "-q", "--force", "origin", "main")
	if tip := branchTip(t, api, name, "main"); tip != c4 {
		t.Fatalf("forced push: main at %s, want %s", tip, c4)
	}
	evs = eventsOf(t, srv.E, name)
	if ev := evs[len(evs)-1]; ev.OldCommit != c3 || ev.NewCommit != c4 || strings.Join(ev.ChangedFiles, ",") != "README.md,src/main.go" {
		t.Fatalf("force push event %+v", ev)
	}

	// Delete a branch, push tags (lightweight and annotated), push two
	// branches atomically.
	g.run(a, "push", "-q", "origin", "--delete", "feature")
	evs = eventsOf(t, srv.E, name)
	if ev := evs[len(evs)-1]; !ev.Deleted() || ev.Ref != "refs/heads/feature" || ev.OldCommit != c2 || len(ev.ChangedFiles) != 0 {
		t.Fatalf("delete event %+v", ev)
	}
	g.run(b, "tag", "v1")
	g.run(b, "tag", "-a", "v2", "-m", "release 2", c1)
	g.run(b, "push", "-q", "--atomic", "origin", "--tags", "main:refs/heads/x1", "main:refs/heads/x2")
	evs = eventsOf(t, srv.E, name)
	got := evs[len(evs)-4:]
	if got[0].Ref != "refs/heads/x1" || got[1].Ref != "refs/heads/x2" || got[2].Ref != "refs/tags/v1" || got[2].NewCommit != c4 ||
		got[3].Ref != "refs/tags/v2" || got[3].NewCommit != c1 || got[3].Message != "first\n" {
		t.Fatalf("tag and atomic push events %+v", got)
	}
	if f, err := api.GetFile(ctx, &codecommit.GetFileInput{RepositoryName: aws.String(name), CommitSpecifier: aws.String("v2"), FilePath: aws.String("README.md")}); err != nil || string(f.FileContent) != "hello\n" {
		t.Fatalf("GetFile at annotated tag: %v", err)
	}
	bs, err := api.ListBranches(ctx, &codecommit.ListBranchesInput{RepositoryName: aws.String(name)})
	if err != nil || strings.Join(bs.Branches, ",") != "main,x1,x2" {
		t.Fatalf("branches %v %v", bs, err)
	}

	// The API sees what git pushed.
	diff, err := api.GetDifferences(ctx, &codecommit.GetDifferencesInput{RepositoryName: aws.String(name),
		BeforeCommitSpecifier: aws.String(c1), AfterCommitSpecifier: aws.String("main")})
	if err != nil || len(diff.Differences) != 1 || diff.Differences[0].ChangeType != "M" || aws.ToString(diff.Differences[0].AfterBlob.Path) != "README.md" {
		t.Fatalf("GetDifferences %+v %v", diff, err)
	}
	cm, err := api.GetCommit(ctx, &codecommit.GetCommitInput{RepositoryName: aws.String(name), CommitId: aws.String(c4)})
	if err != nil || len(cm.Commit.Parents) != 1 || cm.Commit.Parents[0] != c1 || aws.ToString(cm.Commit.Author.Email) != "dev@example.com" {
		t.Fatalf("GetCommit %+v %v", cm, err)
	}

	// Fetch brings the forced history into the first clone.
	g.run(a, "fetch", "-q", "origin")
	if got := strings.TrimSpace(g.run(a, "rev-parse", "origin/main")); got != c4 {
		t.Fatalf("fetched origin/main %s, want %s", got, c4)
	}
	return c4
}

func branchTip(t *testing.T, api *codecommit.Client, repo, branch string) string {
	t.Helper()
	br, err := api.GetBranch(context.Background(), &codecommit.GetBranchInput{RepositoryName: aws.String(repo), BranchName: aws.String(branch)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(br.Branch.CommitId)
}

// staticURL is a clone URL with static git credentials in it.
func staticURL(base, user, pass, repo string) string {
	u, _ := url.Parse(base + "/v1/repos/" + repo)
	u.User = url.UserPassword(user, pass)
	return u.String()
}

func rawGet(t *testing.T, u string, header http.Header) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

// TestGitWithStaticCredentials uses git credentials skiff issued, and
// checks how unauthenticated and wrongly authenticated requests fail.
func TestGitWithStaticCredentials(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := testCtx()
	if _, err := srv.E.CreateRepository(ctx, CreateRepositoryInput{Name: "svc"}); err != nil {
		t.Fatal(err)
	}
	user, pass, err := srv.E.CreateGitCredentials(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if user != "alice-at-"+acct || len(pass) != 40 {
		t.Fatalf("credentials %q %q", user, pass)
	}
	if _, _, err := srv.E.CreateGitCredentials(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.E.CreateGitCredentials(ctx, "alice"); codeOf(err) != "LimitExceeded" {
		t.Fatalf("third credential: %v", err)
	}
	creds, err := srv.E.ListGitCredentials(ctx, "alice")
	if err != nil || len(creds) != 2 || creds[0].ServiceUserName != user || creds[0].Status != "Active" {
		t.Fatalf("ListGitCredentials %+v %v", creds, err)
	}
	// Passwords are stored hashed only.
	raw, _ := srv.E.ListGitCredentials(ctx, "")
	if len(raw) != 2 {
		t.Fatalf("all credentials %+v", raw)
	}

	info := srv.URL + "/v1/repos/svc/info/refs?service=git-upload-pack"
	if resp := rawGet(t, info, nil); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="skiff"` {
		t.Fatalf("unauthenticated: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp := rawGet(t, info, basic(user, "wrong")); resp.StatusCode != 403 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	if resp := rawGet(t, info, basic("nobody-at-1", pass)); resp.StatusCode != 403 {
		t.Fatalf("wrong user: %d", resp.StatusCode)
	}
	// A SigV4 password signed with the wrong secret, or too long ago.
	stamp := time.Now().UTC().Format("20060102T150405")
	if resp := rawGet(t, info, basic(skifftest.AccessKeyID, stamp+"Z"+strings.Repeat("ab", 32))); resp.StatusCode != 403 {
		t.Fatalf("bad signature: %d", resp.StatusCode)
	}
	good := helperPassword(srv.URL, "svc", skifftest.SecretAccessKey, region, time.Now())
	if resp := rawGet(t, info, basic(skifftest.AccessKeyID, good)); resp.StatusCode != 200 {
		t.Fatalf("good signature: %d", resp.StatusCode)
	}
	if resp := rawGet(t, info, basic(skifftest.AccessKeyID+"%sessiontoken", good)); resp.StatusCode != 200 {
		t.Fatalf("good signature with session token: %d", resp.StatusCode)
	}
	old := helperPassword(srv.URL, "svc", skifftest.SecretAccessKey, region, time.Now().Add(-16*time.Minute))
	if resp := rawGet(t, info, basic(skifftest.AccessKeyID, old)); resp.StatusCode != 403 {
		t.Fatalf("expired signature: %d", resp.StatusCode)
	}
	if resp := rawGet(t, info, basic("AKIAUNKNOWN000000000", good)); resp.StatusCode != 403 {
		t.Fatalf("unknown key: %d", resp.StatusCode)
	}
	if resp := rawGet(t, srv.URL+"/v1/repos/nope/info/refs?service=git-upload-pack", basic(user, pass)); resp.StatusCode != 404 {
		t.Fatalf("missing repository: %d", resp.StatusCode)
	}

	g := newGitClient(t, nil)
	work := t.TempDir()
	// git without credentials is asked for them (401) and, with no way to
	// prompt, fails; with a wrong password it gets 403.
	if out, err := g.try(work, "clone", srv.URL+"/v1/repos/svc", filepath.Join(work, "x")); err == nil || !strings.Contains(out, "could not read Username") {
		t.Fatalf("unauthenticated clone: %v\n%s", err, out)
	}
	if out, err := g.try(work, "clone", staticURL(srv.URL, user, "wrong", "svc"), filepath.Join(work, "y")); err == nil || !strings.Contains(out, "403") {
		t.Fatalf("clone with a wrong password: %v\n%s", err, out)
	}
	last := pushScenario(t, srv, g, "svc", staticURL(srv.URL, user, pass, "svc"), "arn:aws:iam::"+acct+":user/alice")
	// A large push: git probes, then streams the pack chunked; skiff spools
	// it to disk before receive-pack sees it.
	big := filepath.Join(work, "big")
	g.run(work, "clone", "-q", staticURL(srv.URL, user, pass, "svc"), big)
	blob := make([]byte, 6<<20)
	rand.Read(blob)
	if err := os.WriteFile(filepath.Join(big, "blob.bin"), blob, 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(big, "add", "blob.bin")
	g.run(big, "commit", "-q", "-m", "big")
	g.run(big, "push", "-q", "origin", "main")
	evs := eventsOf(t, srv.E, "svc")
	if ev := evs[len(evs)-1]; ev.OldCommit != last || strings.Join(ev.ChangedFiles, ",") != "blob.bin" {
		t.Fatalf("large push event %+v", ev)
	}
	// http.extraHeader and protocol v0 work too; clones check out the
	// default branch.
	if err := srv.E.UpdateDefaultBranch(ctx, "svc", "x1"); err != nil {
		t.Fatal(err)
	}
	hdr := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	b := filepath.Join(work, "b")
	g.run(work, "-c", "http.extraHeader="+hdr, "-c", "protocol.version=0", "clone", "-q", srv.URL+"/v1/repos/svc", b)
	if got := strings.TrimSpace(g.run(b, "rev-parse", "--abbrev-ref", "HEAD")); got != "x1" {
		t.Fatalf("clone checked out %q", got)
	}
}

// helperPassword computes what aws codecommit credential-helper returns.
func helperPassword(endpoint, repo, secret, region string, now time.Time) string {
	u, _ := url.Parse(endpoint)
	stamp := now.UTC().Format("20060102T150405")
	canonical := "GIT\n/v1/repos/" + repo + "\n\nhost:" + u.Hostname() + "\n\nhost\n"
	key := signingKeyForTest(secret, stamp[:8], region)
	sts := "AWS4-HMAC-SHA256\n" + stamp + "\n" + stamp[:8] + "/" + region + "/codecommit/aws4_request\n" + sha256Hex(canonical)
	return stamp + "Z" + hmacHex(key, sts)
}

// pkt encodes one pkt-line.
func pkt(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }

// pushBody builds a receive-pack request updating ref from old to new
// with the objects new brings.
func pushBody(t *testing.T, g *gitClient, dir, ref, old, new string) []byte {
	t.Helper()
	cmd := exec.Command("git", "pack-objects", "--stdout", "--revs", "-q")
	cmd.Dir = dir
	cmd.Env = g.env
	cmd.Stdin = strings.NewReader(new + "\n^" + old + "\n")
	pack, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(pkt(old+" "+new+" "+ref+"\x00 report-status agent=skiff-test\n") + "0000" + string(pack))
}

// rawPush sends a receive-pack request over a raw connection, writing only
// the first n bytes of body (all of it if n < 0), then hanging up if
// hangup is set, else reading the response.
func rawPush(t *testing.T, base, repo, user, pass string, body []byte, n int, hangup bool) string {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	fmt.Fprintf(conn, "POST /v1/repos/%s/git-receive-pack HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: application/x-git-receive-pack-request\r\nContent-Length: %d\r\n\r\n", repo, u.Host, auth, len(body))
	if n < 0 {
		n = len(body)
	}
	conn.Write(body[:n])
	if hangup {
		return ""
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + "\n" + string(b)
}

// TestInterruptedPush: a client that dies mid-transfer leaves the
// repository as it was; a corrupt pack is refused; a client that hangs up
// after sending everything still gets its push applied and recorded.
func TestInterruptedPush(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := testCtx()
	if _, err := srv.E.CreateRepository(ctx, CreateRepositoryInput{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	user, pass, _ := srv.E.CreateGitCredentials(ctx, "bob")
	g := newGitClient(t, nil)
	work := t.TempDir()
	a := filepath.Join(work, "a")
	g.run(work, "clone", "-q", staticURL(srv.URL, user, pass, "r"), a)
	c1 := g.commitFile(a, "one.txt", "1\n", "one")
	g.run(a, "push", "-q", "origin", "main")
	// A commit with a sizeable blob, not pushed.
	big := strings.Repeat("incompressible? no, but long enough\n", 20000)
	c2 := g.commitFile(a, "two.txt", big, "two")
	body := pushBody(t, g, a, "refs/heads/main", c1, c2)

	unchanged := func(what string) {
		t.Helper()
		b, err := srv.E.GetBranch(ctx, "r", "main")
		if err != nil || b.CommitID != c1 {
			t.Fatalf("%s: main at %+v %v, want %s", what, b, err, c1)
		}
		refs, _ := listRefs(ctx, srv.E.repoPath(mustRec(t, srv.E, "r").ID))
		if len(refs) != 1 {
			t.Fatalf("%s: refs %v", what, refs)
		}
		if evs := eventsOf(t, srv.E, "r"); len(evs) != 1 {
			t.Fatalf("%s: %d events", what, len(evs))
		}
	}
	// 1. Hang up halfway through the pack.
	rawPush(t, srv.URL, "r", user, pass, body, len(body)/2, true)
	time.Sleep(300 * time.Millisecond)
	unchanged("after a push cut off mid-transfer")
	// 2. A complete request whose pack is corrupt.
	bad := append([]byte(nil), body...)
	for i := len(bad) - 200; i < len(bad)-100; i++ {
		bad[i] ^= 0xff
	}
	resp := rawPush(t, srv.URL, "r", user, pass, bad, -1, false)
	if !strings.Contains(resp, "200 OK") || strings.Contains(resp, "unpack ok") {
		t.Fatalf("corrupt pack response: %q", resp)
	}
	unchanged("after a corrupt pack")
	// 3. Send everything, hang up without reading the answer: the push is
	// applied and recorded all the same.
	rawPush(t, srv.URL, "r", user, pass, body, -1, true)
	waitFor(t, "the abandoned push to be recorded", func() bool {
		evs, _ := srv.E.PushEvents(ctx, "r", time.Time{})
		return len(evs) == 2
	})
	if b, _ := srv.E.GetBranch(ctx, "r", "main"); b.CommitID != c2 {
		t.Fatalf("main at %s, want %s", b.CommitID, c2)
	}
	// The repository is healthy and git keeps working.
	if _, err := runGit(ctx, srv.E.repoPath(mustRec(t, srv.E, "r").ID), nil, nil, "fsck", "--strict", "--no-progress"); err != nil {
		t.Fatal(err)
	}
	g.run(a, "pull", "-q", "--rebase", "origin", "main")
	g.commitFile(a, "three.txt", "3\n", "three")
	g.run(a, "push", "-q", "origin", "main")
	if evs := eventsOf(t, srv.E, "r"); len(evs) != 3 || evs[2].OldCommit != c2 {
		t.Fatalf("events %+v", evs)
	}
}

// TestConcurrentPushes pushes from many clones at once: distinct branches
// all land, pushes racing for one branch either land or are refused, and
// the repository stays consistent, with one event per landed update.
func TestConcurrentPushes(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := testCtx()
	if _, err := srv.E.CreateRepository(ctx, CreateRepositoryInput{Name: "busy"}); err != nil {
		t.Fatal(err)
	}
	user, pass, _ := srv.E.CreateGitCredentials(ctx, "carol")
	u := staticURL(srv.URL, user, pass, "busy")
	g := newGitClient(t, nil)
	work := t.TempDir()
	seed := filepath.Join(work, "seed")
	g.run(work, "clone", "-q", u, seed)
	base := g.commitFile(seed, "base.txt", "base\n", "base")
	g.run(seed, "push", "-q", "origin", "main")

	const branches, racers = 6, 4
	type result struct {
		branch, commit string
		err            error
		out            string
	}
	var clones []string
	for i := 0; i < branches+racers; i++ {
		d := filepath.Join(work, fmt.Sprintf("c%d", i))
		g.run(work, "clone", "-q", u, d)
		clones = append(clones, d)
	}
	results := make([]result, len(clones))
	var wg sync.WaitGroup
	for i, d := range clones {
		branch := "main"
		if i < branches {
			branch = fmt.Sprintf("b%d", i)
		}
		c := g.commitFile(d, fmt.Sprintf("f%d.txt", i), strings.Repeat(fmt.Sprintf("%d", i), 1000), "change")
		results[i] = result{branch: branch, commit: c}
		wg.Add(1)
		go func(i int, d string) {
			defer wg.Done()
			out, err := g.try(d, "push", "origin", "HEAD:refs/heads/"+results[i].branch)
			results[i].out, results[i].err = out, err
		}(i, d)
	}
	wg.Wait()
	mainWinners := 0
	var mainTip string
	for _, r := range results {
		if r.branch != "main" {
			if r.err != nil {
				t.Fatalf("push to %s failed: %v\n%s", r.branch, r.err, r.out)
			}
			if tip, err := srv.E.GetBranch(ctx, "busy", r.branch); err != nil || tip.CommitID != r.commit {
				t.Fatalf("branch %s at %+v %v", r.branch, tip, err)
			}
			continue
		}
		if r.err == nil {
			mainWinners++
			mainTip = r.commit
		}
	}
	// All racers branched from base, so exactly one can fast-forward main.
	if mainWinners != 1 {
		t.Fatalf("%d pushes to main landed, want 1", mainWinners)
	}
	if tip, _ := srv.E.GetBranch(ctx, "busy", "main"); tip.CommitID != mainTip {
		t.Fatalf("main at %s, want %s", tip.CommitID, mainTip)
	}
	evs := eventsOf(t, srv.E, "busy")
	perRef := map[string]int{}
	for _, ev := range evs {
		perRef[ev.Ref]++
	}
	if len(evs) != 1+branches+1 || perRef["refs/heads/main"] != 2 {
		t.Fatalf("events per ref %v", perRef)
	}
	for _, ev := range evs {
		if ev.Ref == "refs/heads/main" && ev.OldCommit == base && ev.NewCommit != mainTip {
			t.Fatalf("main event %+v", ev)
		}
	}
	if _, err := runGit(ctx, srv.E.repoPath(mustRec(t, srv.E, "busy").ID), nil, nil, "fsck", "--strict", "--no-progress"); err != nil {
		t.Fatal(err)
	}
}
