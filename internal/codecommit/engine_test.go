package codecommit

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
)

func codeOf(err error) string {
	if e, ok := apierr.As(err); ok {
		return e.Code.Name
	}
	if err == nil {
		return ""
	}
	return "Go:" + err.Error()
}

func TestRepositoryNameRules(t *testing.T) {
	e := newTestEngine(t)
	ctx := testCtx()
	cases := []struct {
		name, want string
	}{
		{"", "RepositoryNameRequiredException"},
		{"ok-repo_1.0", ""},
		{strings.Repeat("a", 100), ""},
		{strings.Repeat("a", 101), "InvalidRepositoryNameException"},
		{"has space", "InvalidRepositoryNameException"},
		{"slash/name", "InvalidRepositoryNameException"},
		{"ünicode", "InvalidRepositoryNameException"},
		{"repo.git", "InvalidRepositoryNameException"},
		{"REPO.GIT", "InvalidRepositoryNameException"},
		{".", "InvalidRepositoryNameException"},
		{"..", "InvalidRepositoryNameException"},
		{"a.gitx", ""},
		{"_", ""},
		{"ok-repo_1.0", "RepositoryNameExistsException"},
	}
	for _, c := range cases {
		_, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: c.name})
		if got := codeOf(err); got != c.want {
			t.Errorf("CreateRepository(%q) = %s, want %s", c.name, got, c.want)
		}
	}
	// Names that are only invalid to create are merely missing elsewhere.
	if _, err := e.GetRepository(ctx, "x.git"); codeOf(err) != "RepositoryDoesNotExistException" || err.(*apierr.Error).Message != "x.git does not exist" {
		t.Errorf("GetRepository(x.git) = %v", err)
	}
	_, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "d", Description: strings.Repeat("x", 1001)})
	if codeOf(err) != "InvalidRepositoryDescriptionException" {
		t.Errorf("long description: %v", err)
	}
	_, err = e.CreateRepository(ctx, CreateRepositoryInput{Name: "t", Tags: map[string]string{"aws:x": "y"}})
	if codeOf(err) != "InvalidSystemTagUsageException" {
		t.Errorf("aws: tag: %v", err)
	}
	_, err = e.CreateRepository(ctx, CreateRepositoryInput{Name: "k", KMSKeyID: "bad key!"})
	if codeOf(err) != "EncryptionKeyInvalidIdException" {
		t.Errorf("bad kms key: %v", err)
	}
}

func TestBranchNameRules(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"main", true}, {"feature/x-1", true}, {"a.b", true},
		{"", false}, {"-x", false}, {"a..b", false}, {"a b", false}, {"a~b", false}, {"a^b", false}, {"a:b", false},
		{"a?b", false}, {"a*b", false}, {"a[b", false}, {"a\\b", false}, {"/a", false}, {"a/", false}, {"a//b", false},
		{".a", false}, {"a/.b", false}, {"a.lock", false}, {"a.", false}, {"a@{b", false}, {"@", false},
		{strings.Repeat("b", 257), false}, {"refs/heads/x", false},
	} {
		err := checkBranchName(c.name)
		if (err == nil) != c.ok {
			t.Errorf("checkBranchName(%q) = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// setupRepo creates a repository with one commit on main: README.md and
// src/app.py (executable) and a symlink.
func setupRepo(t *testing.T, e *Engine, name string) (ctx context.Context, commit string) {
	t.Helper()
	ctx = testCtx()
	if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: name, Description: "d"}); err != nil {
		t.Fatal(err)
	}
	out, err := e.CreateCommit(ctx, CreateCommitInput{
		Repository: name, Branch: "main", AuthorName: "Ann", Email: "ann@example.com", Message: "first\n",
		PutFiles: []PutFileEntry{
			{FilePath: "README.md", FileContent: []byte("# hi\n")},
			{FilePath: "/src/app.py", FileContent: []byte("print(1)\n"), FileMode: "EXECUTABLE"},
			{FilePath: "src/link", FileContent: []byte("app.py"), FileMode: "SYMLINK"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FilesAdded) != 3 || len(out.FilesUpdated) != 0 {
		t.Fatalf("first commit: %+v", out)
	}
	return ctx, out.CommitID
}

func TestErrors(t *testing.T) {
	e := newTestEngine(t)
	ctx, c1 := setupRepo(t, e, "r")
	if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "empty"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateBranch(ctx, "r", "dev", c1); err != nil {
		t.Fatal(err)
	}
	tree, _ := revParse(ctx, e.repoPath(mustRec(t, e, "r").ID), c1+"^{tree}")
	one := int32(0)
	arn := RepositoryARN(region, acct, "r")
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"get missing", err2(e.GetRepository(ctx, "nope")), "RepositoryDoesNotExistException"},
		{"get no name", err2(e.GetRepository(ctx, "")), "RepositoryNameRequiredException"},
		{"get bad name", err2(e.GetRepository(ctx, "a b")), "InvalidRepositoryNameException"},
		{"batch none", err3(e.BatchGetRepositories(ctx, nil)), "RepositoryNamesRequiredException"},
		{"batch too many", err3(e.BatchGetRepositories(ctx, make([]string, 26))), "MaximumRepositoryNamesExceededException"},
		{"batch bad", err3(e.BatchGetRepositories(ctx, []string{"a b"})), "InvalidRepositoryNameException"},
		{"list sort", err3(e.ListRepositories(ctx, "size", "", "")), "InvalidSortByException"},
		{"list order", err3(e.ListRepositories(ctx, "", "up", "")), "InvalidOrderException"},
		{"list token", err3(e.ListRepositories(ctx, "", "", "garbage")), "InvalidContinuationTokenException"},
		{"rename exists", e.UpdateRepositoryName(ctx, "r", "other"), "RepositoryNameExistsException"},
		{"rename missing", e.UpdateRepositoryName(ctx, "nope", "x"), "RepositoryDoesNotExistException"},
		{"rename to .git", e.UpdateRepositoryName(ctx, "r", "r.git"), "InvalidRepositoryNameException"},
		{"rename no old", e.UpdateRepositoryName(ctx, "", "x"), "RepositoryNameRequiredException"},
		{"describe missing", e.UpdateRepositoryDescription(ctx, "nope", "x"), "RepositoryDoesNotExistException"},
		{"describe long", e.UpdateRepositoryDescription(ctx, "r", strings.Repeat("x", 1001)), "InvalidRepositoryDescriptionException"},
		{"delete no name", err2(e.DeleteRepository(ctx, "")), "RepositoryNameRequiredException"},
		{"create branch exists", e.CreateBranch(ctx, "r", "dev", c1), "BranchNameExistsException"},
		{"create branch no name", e.CreateBranch(ctx, "r", "", c1), "BranchNameRequiredException"},
		{"create branch bad name", e.CreateBranch(ctx, "r", "a..b", c1), "InvalidBranchNameException"},
		{"create branch no commit", e.CreateBranch(ctx, "r", "x", ""), "CommitIdRequiredException"},
		{"create branch bad commit", e.CreateBranch(ctx, "r", "x", "abc"), "InvalidCommitIdException"},
		{"create branch missing commit", e.CreateBranch(ctx, "r", "x", strings.Repeat("a", 40)), "CommitDoesNotExistException"},
		{"create branch tree id", e.CreateBranch(ctx, "r", "x", tree), "CommitDoesNotExistException"},
		{"create branch missing repo", e.CreateBranch(ctx, "nope", "x", c1), "RepositoryDoesNotExistException"},
		{"get branch missing", err2(e.GetBranch(ctx, "r", "nope")), "BranchDoesNotExistException"},
		{"get branch no name", err2(e.GetBranch(ctx, "r", "")), "BranchNameRequiredException"},
		{"get branch no repo", err2(e.GetBranch(ctx, "", "main")), "RepositoryNameRequiredException"},
		{"list branches missing repo", err3(e.ListBranches(ctx, "nope", "")), "RepositoryDoesNotExistException"},
		{"delete default branch", err2(e.DeleteBranch(ctx, "r", "main")), "DefaultBranchCannotBeDeletedException"},
		{"default branch missing", e.UpdateDefaultBranch(ctx, "r", "nope"), "BranchDoesNotExistException"},
		{"get commit missing", err2(e.GetCommit(ctx, "r", strings.Repeat("b", 40))), "CommitIdDoesNotExistException"},
		{"get commit bad", err2(e.GetCommit(ctx, "r", "main")), "InvalidCommitIdException"},
		{"get commit none", err2(e.GetCommit(ctx, "r", "")), "CommitIdRequiredException"},
		{"get file missing", err2(e.GetFile(ctx, "r", "main", "nope.txt")), "FileDoesNotExistException"},
		{"get file is folder", err2(e.GetFile(ctx, "r", "main", "src")), "FileDoesNotExistException"},
		{"get file no path", err2(e.GetFile(ctx, "r", "main", "")), "PathRequiredException"},
		{"get file bad path", err2(e.GetFile(ctx, "r", "main", "a/../b")), "InvalidPathException"},
		{"get file bad commit", err2(e.GetFile(ctx, "r", "nope", "README.md")), "CommitDoesNotExistException"},
		{"get file empty repo", err2(e.GetFile(ctx, "empty", "", "README.md")), "CommitDoesNotExistException"},
		{"get folder missing", err2(e.GetFolder(ctx, "r", "main", "nope")), "FolderDoesNotExistException"},
		{"get folder is file", err2(e.GetFolder(ctx, "r", "main", "README.md")), "FolderDoesNotExistException"},
		{"get folder no path", err2(e.GetFolder(ctx, "r", "main", "")), "PathRequiredException"},
		{"diff no after", err3(e.GetDifferences(ctx, GetDifferencesInput{Repository: "r"})), "CommitRequiredException"},
		{"diff bad after", err3(e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", After: "nope"})), "CommitDoesNotExistException"},
		{"diff bad max", err3(e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", After: "main", MaxResults: &one})), "InvalidMaxResultsException"},
		{"diff bad path", err3(e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", After: "main", AfterPath: "nope"})), "PathDoesNotExistException"},
		{"diff bad token", err3(e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", After: "main", NextToken: "x"})), "InvalidContinuationTokenException"},
		{"put no parent", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", FileContent: []byte("x")})), "ParentCommitIdRequiredException"},
		{"put bad parent", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", FileContent: []byte("x"), ParentCommitID: "zz"})), "InvalidParentCommitIdException"},
		{"put missing parent", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", FileContent: []byte("x"), ParentCommitID: strings.Repeat("c", 40)})), "ParentCommitDoesNotExistException"},
		{"put empty", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", ParentCommitID: c1})), "FileContentRequiredException"},
		{"put too big", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", FileContent: make([]byte, 6<<20+1), ParentCommitID: c1})), "FileContentSizeLimitExceededException"},
		{"put same", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "README.md", FileContent: []byte("# hi\n"), ParentCommitID: c1})), "SameFileContentException"},
		{"put over folder", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "src", FileContent: []byte("x"), ParentCommitID: c1})), "FileNameConflictsWithDirectoryNameException"},
		{"put under file", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "README.md/x", FileContent: []byte("x"), ParentCommitID: c1})), "DirectoryNameConflictsWithFileNameException"},
		{"put bad mode", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: "a", FileContent: []byte("x"), ParentCommitID: c1, FileMode: "RWX"})), "InvalidFileModeException"},
		{"put missing branch", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "nope", FilePath: "a", FileContent: []byte("x"), ParentCommitID: c1})), "BranchDoesNotExistException"},
		{"put no branch", err2(e.PutFile(ctx, PutFileInput{Repository: "r", FilePath: "a", FileContent: []byte("x")})), "BranchNameRequiredException"},
		{"put no path", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FileContent: []byte("x"), ParentCommitID: c1})), "PathRequiredException"},
		{"put .git path", err2(e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", FilePath: ".git/config", FileContent: []byte("x"), ParentCommitID: c1})), "InvalidPathException"},
		{"commit nothing", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1})), "FileEntryRequiredException"},
		{"commit no change", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "README.md", FileContent: []byte("# hi\n")}}})), "NoChangeException"},
		{"commit delete missing", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			DeleteFiles: []string{"nope"}})), "FileDoesNotExistException"},
		{"commit same path", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			DeleteFiles: []string{"README.md"}, SetFileModes: []SetFileModeEntry{{"README.md", "EXECUTABLE"}}})), "SamePathRequestException"},
		{"commit both", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "x", FileContent: []byte("a"), HasSource: true, SourceFile: "README.md"}}})), "FileContentAndSourceFileSpecifiedException"},
		{"commit neither", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "x"}}})), "SourceFileOrContentRequiredException"},
		{"commit source missing", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "x", HasSource: true, SourceFile: "nope"}}})), "FileDoesNotExistException"},
		{"commit gitkeep source", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "x", HasSource: true, SourceFile: "a/.gitkeep"}}})), "RestrictedSourceFileException"},
		{"commit file/folder entries", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			PutFiles: []PutFileEntry{{FilePath: "n", FileContent: []byte("a")}, {FilePath: "n/m", FileContent: []byte("b")}}})), "PutFileEntryConflictException"},
		{"commit mode required", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			SetFileModes: []SetFileModeEntry{{"README.md", ""}}})), "FileModeRequiredException"},
		{"commit too many", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1,
			DeleteFiles: make([]string, 101)})), "MaximumFileEntriesExceededException"},
		{"commit outdated", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: emptyBlobCommit(t, e, ctx),
			DeleteFiles: []string{"README.md"}})), "ParentCommitIdOutdatedException"},
		{"commit bad email", err2(e.CreateCommit(ctx, CreateCommitInput{Repository: "r", Branch: "main", ParentCommitID: c1, Email: "a<b",
			DeleteFiles: []string{"README.md"}})), "InvalidEmailException"},
		{"tag bad arn", e.TagResource(ctx, "arn:aws:s3:::b", map[string]string{"a": "b"}), "InvalidResourceArnException"},
		{"tag no arn", e.TagResource(ctx, "", map[string]string{"a": "b"}), "ResourceArnRequiredException"},
		{"tag no tags", e.TagResource(ctx, arn, nil), "TagsMapRequiredException"},
		{"tag system", e.TagResource(ctx, arn, map[string]string{"aws:x": "b"}), "InvalidSystemTagUsageException"},
		{"tag missing repo", e.TagResource(ctx, RepositoryARN(region, acct, "nope"), map[string]string{"a": "b"}), "RepositoryDoesNotExistException"},
		{"untag no keys", e.UntagResource(ctx, arn, nil), "TagKeysListRequiredException"},
		{"list tags other region", err2(e.ListTagsForResource(ctx, RepositoryARN("eu-west-1", acct, "r"))), "RepositoryDoesNotExistException"},
		{"blob missing", err2(e.GetBlob(ctx, "r", strings.Repeat("d", 40))), "BlobIdDoesNotExistException"},
		{"blob bad", err2(e.GetBlob(ctx, "r", "x")), "InvalidBlobIdException"},
		{"triggers none", err2(e.PutRepositoryTriggers(ctx, "r", nil)), "RepositoryTriggersListRequiredException"},
		{"triggers bad event", err2(e.PutRepositoryTriggers(ctx, "r", []Trigger{{Name: "t", DestinationArn: "arn:aws:sns:us-east-1:1:t", Events: []string{"all", "createReference"}}})), "InvalidRepositoryTriggerEventsException"},
	}
	for _, c := range cases {
		if got := codeOf(c.err); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Deleting a missing repository or branch succeeds with an empty result.
	if id, err := e.DeleteRepository(ctx, "nope"); err != nil || id != "" {
		t.Errorf("delete missing repository: %q %v", id, err)
	}
	if b, err := e.DeleteBranch(ctx, "r", "nope"); err != nil || b.BranchName != "" {
		t.Errorf("delete missing branch: %+v %v", b, err)
	}
}

// emptyBlobCommit returns a commit that exists but is not main's tip.
func emptyBlobCommit(t *testing.T, e *Engine, ctx context.Context) string {
	t.Helper()
	r := mustRec(t, e, "r")
	out, err := runGit(ctx, e.repoPath(r.ID), strings.NewReader("x"), []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a"}, "commit-tree", emptyTree)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func mustRec(t *testing.T, e *Engine, name string) *repoRecord {
	t.Helper()
	r, err := e.getRecord(testCtx(), name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func err2[T any](_ T, err error) error         { return err }
func err3[T, U any](_ T, _ U, err error) error { return err }

func TestRepositoryLifecycle(t *testing.T) {
	e := newTestEngine(t, WithEndpoint(func() string { return "http://127.0.0.1:4566" }))
	ctx := testCtx()
	md, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "app", Description: "my app", Tags: map[string]string{"team": "web"}, KMSKeyID: "alias/mine"})
	if err != nil {
		t.Fatal(err)
	}
	if md.ARN != "arn:aws:codecommit:us-east-1:123456789012:app" || md.CloneURLHTTP != "http://127.0.0.1:4566/v1/repos/app" ||
		md.CloneURLSSH != "ssh://git-codecommit.us-east-1.amazonaws.com/v1/repos/app" || md.AccountID != acct || md.DefaultBranch != "" ||
		md.KMSKeyID != "alias/mine" || len(md.RepositoryID) != 36 || md.CreationDate.IsZero() {
		t.Fatalf("metadata %+v", md)
	}
	if err := e.UpdateRepositoryName(ctx, "app", "app2"); err != nil {
		t.Fatal(err)
	}
	got, err := e.GetRepository(ctx, "app2")
	if err != nil || got.RepositoryID != md.RepositoryID || got.CloneURLHTTP != "http://127.0.0.1:4566/v1/repos/app2" {
		t.Fatalf("renamed: %+v %v", got, err)
	}
	if _, err := e.GetRepository(ctx, "app"); codeOf(err) != "RepositoryDoesNotExistException" {
		t.Fatalf("old name: %v", err)
	}
	tags, err := e.ListTagsForResource(ctx, got.ARN)
	if err != nil || tags["team"] != "web" {
		t.Fatalf("tags %v %v", tags, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: "z" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	list, next, err := e.ListRepositories(ctx, "lastModifiedDate", "descending", "")
	if err != nil || next != "" || len(list) != 4 || list[0].RepositoryName != "zc" || list[3].RepositoryName != "app2" {
		t.Fatalf("list %+v %q %v", list, next, err)
	}
	// Another region sees none of them.
	other := awsctx.With(context.Background(), awsctx.Scope{AccountID: acct, Region: "eu-west-1"})
	if l, _, _ := e.ListRepositories(other, "", "", ""); len(l) != 0 {
		t.Fatalf("other region lists %v", l)
	}
	found, missing, err := e.BatchGetRepositories(ctx, []string{"app2", "nope", "za"})
	if err != nil || len(found) != 2 || len(missing) != 1 || missing[0] != "nope" {
		t.Fatalf("batch %v %v %v", found, missing, err)
	}
	id, err := e.DeleteRepository(ctx, "app2")
	if err != nil || id != md.RepositoryID {
		t.Fatalf("delete %q %v", id, err)
	}
	if _, err := e.GetRepository(ctx, "app2"); codeOf(err) != "RepositoryDoesNotExistException" {
		t.Fatalf("after delete: %v", err)
	}
}

func TestCommitsAndReads(t *testing.T) {
	e := newTestEngine(t)
	mu := syncEvents{ch: make(chan PushEvent, 1000)}
	e.OnPush(mu.add)
	ctx, c1 := setupRepo(t, e, "r")
	md, _ := e.GetRepository(ctx, "r")
	if md.DefaultBranch != "main" {
		t.Fatalf("default branch %q", md.DefaultBranch)
	}
	f, err := e.GetFile(ctx, "r", "", "src/app.py")
	if err != nil || string(f.FileContent) != "print(1)\n" || f.FileMode != "EXECUTABLE" || f.CommitID != c1 || f.FileSize != 9 {
		t.Fatalf("GetFile %+v %v", f, err)
	}
	if f, err := e.GetFile(ctx, "r", c1, "/src/link"); err != nil || f.FileMode != "SYMLINK" || string(f.FileContent) != "app.py" {
		t.Fatalf("symlink %+v %v", f, err)
	}
	c, err := e.GetCommit(ctx, "r", c1)
	if err != nil || c.Author.Name != "Ann" || c.Author.Email != "ann@example.com" || c.Message != "first\n" || len(c.Parents) != 0 ||
		!strings.HasSuffix(c.Author.Date, " +0000") {
		t.Fatalf("GetCommit %+v %v", c, err)
	}
	// PutFile: parent rules, then a new file.
	p, err := e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", ParentCommitID: c1, FilePath: "docs/guide.md", FileContent: []byte("guide"), Message: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutFile(ctx, PutFileInput{Repository: "r", Branch: "main", ParentCommitID: c1, FilePath: "x", FileContent: []byte("x")}); codeOf(err) != "ParentCommitIdOutdatedException" {
		t.Fatalf("stale parent: %v", err)
	}
	// Tag and commit specifiers.
	dir := e.repoPath(md.RepositoryID)
	if _, err := runGit(ctx, dir, nil, nil, "tag", "v1", c1); err != nil {
		t.Fatal(err)
	}
	if f, err := e.GetFile(ctx, "r", "v1", "README.md"); err != nil || f.CommitID != c1 {
		t.Fatalf("by tag: %+v %v", f, err)
	}
	if _, err := e.GetFile(ctx, "r", "v1", "docs/guide.md"); codeOf(err) != "FileDoesNotExistException" {
		t.Fatalf("file not at tag: %v", err)
	}
	// CreateCommit: move, copy, delete, mode change, keepEmptyFolders.
	cc, err := e.CreateCommit(ctx, CreateCommitInput{
		Repository: "r", Branch: "main", ParentCommitID: p.CommitID, Message: "reorganize", KeepEmptyFolders: true,
		PutFiles: []PutFileEntry{
			{FilePath: "lib/app.py", HasSource: true, SourceFile: "src/app.py", SourceIsMove: true},
			{FilePath: "README.copy", HasSource: true, SourceFile: "README.md"},
		},
		DeleteFiles:  []string{"docs/guide.md"},
		SetFileModes: []SetFileModeEntry{{"README.md", "EXECUTABLE"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	names := func(fm []FileMetadata) string {
		var s []string
		for _, f := range fm {
			s = append(s, f.AbsolutePath)
		}
		return strings.Join(s, ",")
	}
	if names(cc.FilesAdded) != "README.copy,docs/.gitkeep,lib/app.py" || names(cc.FilesUpdated) != "README.md" || names(cc.FilesDeleted) != "docs/guide.md,src/app.py" {
		t.Fatalf("CreateCommit result added=%s updated=%s deleted=%s", names(cc.FilesAdded), names(cc.FilesUpdated), names(cc.FilesDeleted))
	}
	folder, err := e.GetFolder(ctx, "r", "main", "/")
	if err != nil {
		t.Fatal(err)
	}
	var sub, files []string
	for _, f := range folder.SubFolders {
		sub = append(sub, f.AbsolutePath)
	}
	for _, f := range folder.Files {
		files = append(files, f.RelativePath+":"+f.FileMode)
	}
	if strings.Join(sub, ",") != "docs,lib,src" || strings.Join(files, ",") != "README.copy:NORMAL,README.md:EXECUTABLE" {
		t.Fatalf("root folder: %v %v", sub, files)
	}
	docs, err := e.GetFolder(ctx, "r", "main", "docs")
	if err != nil || len(docs.Files) != 1 || docs.Files[0].AbsolutePath != "docs/.gitkeep" {
		t.Fatalf("kept folder %+v %v", docs, err)
	}
	srcf, err := e.GetFolder(ctx, "r", "main", "src")
	if err != nil || len(srcf.SymbolicLinks) != 1 || srcf.SymbolicLinks[0].AbsolutePath != "src/link" {
		t.Fatalf("src folder %+v %v", srcf, err)
	}
	// Differences, all and paged and by path.
	diffs, next, err := e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", Before: c1, After: "main"})
	if err != nil || next != "" {
		t.Fatal(err)
	}
	var ds []string
	for _, d := range diffs {
		p := ""
		if d.AfterBlob != nil {
			p = d.AfterBlob.Path
		} else {
			p = d.BeforeBlob.Path
		}
		ds = append(ds, d.ChangeType+" "+p)
	}
	if strings.Join(ds, ",") != "A README.copy,M README.md,A docs/.gitkeep,A lib/app.py,D src/app.py" {
		t.Fatalf("differences %v", ds)
	}
	two := int32(2)
	page, next, err := e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", Before: c1, After: "main", MaxResults: &two})
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	page2, _, err := e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", Before: c1, After: "main", MaxResults: &two, NextToken: next})
	if err != nil || len(page2) != 2 || page2[0].AfterBlob.Path != "docs/.gitkeep" {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
	lib, _, err := e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", Before: c1, After: "main", AfterPath: "lib"})
	if err != nil || len(lib) != 1 || lib[0].AfterBlob.Path != "lib/app.py" || lib[0].AfterBlob.Mode != "100755" {
		t.Fatalf("by path %+v %v", lib, err)
	}
	all, _, err := e.GetDifferences(ctx, GetDifferencesInput{Repository: "r", After: c1})
	if err != nil || len(all) != 3 {
		t.Fatalf("from empty tree %+v %v", all, err)
	}
	// Every API commit is a push event, delivered to subscribers.
	// The tag made behind the engine's back is found and recorded before
	// the next commit, as a recovered event.
	evs, err := e.PushEvents(ctx, "r", time.Time{})
	if err != nil || len(evs) != 4 {
		t.Fatalf("events %d %v", len(evs), err)
	}
	if ev := evs[2]; ev.Ref != "refs/tags/v1" || ev.Source != SourceRecovered || ev.NewCommit != c1 || ev.Pusher != "" {
		t.Fatalf("recovered event %+v", ev)
	}
	if ev := evs[0]; !ev.Created() || ev.Ref != "refs/heads/main" || ev.NewCommit != c1 || ev.Source != SourceAPI || ev.Pusher != root ||
		ev.AuthorName != "Ann" || strings.Join(ev.ChangedFiles, ",") != "README.md,src/app.py,src/link" {
		t.Fatalf("first event %+v", ev)
	}
	if ev := evs[3]; ev.OldCommit != p.CommitID || ev.NewCommit != cc.CommitID || ev.Message != "reorganize" ||
		strings.Join(ev.ChangedFiles, ",") != "README.copy,README.md,docs/.gitkeep,docs/guide.md,lib/app.py,src/app.py" {
		t.Fatalf("third event %+v", ev)
	}
	if later, _ := e.PushEvents(ctx, "r", evs[3].Time); len(later) == 0 || later[len(later)-1].ID != evs[3].ID || later[0].Time.Before(evs[3].Time) {
		t.Fatalf("since filter: %+v", later)
	}
	if later, _ := e.PushEvents(ctx, "r", evs[3].Time.Add(time.Nanosecond)); len(later) != 0 {
		t.Fatalf("since after the last event: %+v", later)
	}
	waitFor(t, "subscriber", func() bool { return mu.len() == 4 })
	// An archive of a commit, as a pipeline source.
	var zbuf bytes.Buffer
	if id, err := e.Archive(ctx, "r", "v1", &zbuf); err != nil || id != c1 {
		t.Fatalf("Archive %s %v", id, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var zipped []string
	for _, f := range zr.File {
		zipped = append(zipped, f.Name)
	}
	if strings.Join(zipped, ",") != "README.md,src/,src/app.py,src/link" {
		t.Fatalf("archive entries %v", zipped)
	}
	// Branches.
	if err := e.CreateBranch(ctx, "r", "feature/x", c1); err != nil {
		t.Fatal(err)
	}
	bs, _, err := e.ListBranches(ctx, "r", "")
	if err != nil || strings.Join(bs, ",") != "feature/x,main" {
		t.Fatalf("branches %v %v", bs, err)
	}
	if err := e.UpdateDefaultBranch(ctx, "r", "feature/x"); err != nil {
		t.Fatal(err)
	}
	head, _ := runGit(ctx, dir, nil, nil, "symbolic-ref", "HEAD")
	if strings.TrimSpace(string(head)) != "refs/heads/feature/x" {
		t.Fatalf("HEAD %s", head)
	}
	del, err := e.DeleteBranch(ctx, "r", "main")
	if err != nil || del.BranchName != "main" || del.CommitID != cc.CommitID {
		t.Fatalf("delete branch %+v %v", del, err)
	}
	evs, _ = e.PushEvents(ctx, "r", time.Time{})
	if last := evs[len(evs)-1]; !last.Deleted() || last.Ref != "refs/heads/main" || len(last.ChangedFiles) != 0 {
		t.Fatalf("delete event %+v", last)
	}
	// A new branch at an existing commit brings no new commits: no files.
	if evs[len(evs)-2].Ref != "refs/heads/feature/x" || len(evs[len(evs)-2].ChangedFiles) != 0 {
		t.Fatalf("branch event %+v", evs[len(evs)-2])
	}
}

type syncEvents struct {
	ch chan PushEvent
	n  int
}

func (s *syncEvents) add(_ context.Context, ev PushEvent) { s.ch <- ev }

func (s *syncEvents) len() int {
	for {
		select {
		case <-s.ch:
			s.n++
		default:
			return s.n
		}
	}
}

func TestPagination(t *testing.T) {
	e := newTestEngine(t)
	ctx, c1 := setupRepo(t, e, "r0")
	for _, n := range []string{"r1", "r2", "r3", "r4"} {
		if _, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"b1", "b2", "b3"} {
		if err := e.CreateBranch(ctx, "r0", b, c1); err != nil {
			t.Fatal(err)
		}
	}
	defer func(r, b int) { listRepositoriesPage, listBranchesPage = r, b }(listRepositoriesPage, listBranchesPage)
	listRepositoriesPage, listBranchesPage = 2, 3
	var names []string
	token := ""
	for pages := 0; ; pages++ {
		page, next, err := e.ListRepositories(ctx, "", "", token)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range page {
			names = append(names, r.RepositoryName)
		}
		if token = next; token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "r0,r1,r2,r3,r4" {
		t.Fatalf("paged repositories %v", names)
	}
	b1, next, err := e.ListBranches(ctx, "r0", "")
	if err != nil || strings.Join(b1, ",") != "b1,b2,b3" || next == "" {
		t.Fatalf("branches page 1 %v %q %v", b1, next, err)
	}
	b2, next, err := e.ListBranches(ctx, "r0", next)
	if err != nil || strings.Join(b2, ",") != "main" || next != "" {
		t.Fatalf("branches page 2 %v %q %v", b2, next, err)
	}
}
