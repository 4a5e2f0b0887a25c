package codecommit

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	maxGetFileSize          = 6 << 20
	defaultDifferencesLimit = 100
)

// Branch is a branch and its tip.
type Branch struct {
	BranchName string `json:"branchName,omitempty"`
	CommitID   string `json:"commitId,omitempty"`
}

// UserInfo is a commit's author or committer; Date is git's raw form
// ("1484167798 -0800"), as CodeCommit returns it.
type UserInfo struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Date  string `json:"date,omitempty"`
}

// Commit is a commit as GetCommit returns it.
type Commit struct {
	CommitID       string    `json:"commitId,omitempty"`
	TreeID         string    `json:"treeId,omitempty"`
	Parents        []string  `json:"parents"`
	Message        string    `json:"message,omitempty"`
	Author         *UserInfo `json:"author,omitempty"`
	Committer      *UserInfo `json:"committer,omitempty"`
	AdditionalData string    `json:"additionalData,omitempty"`
}

// File is GetFile's result.
type File struct {
	CommitID    string `json:"commitId"`
	BlobID      string `json:"blobId"`
	FilePath    string `json:"filePath"`
	FileMode    string `json:"fileMode"`
	FileSize    int64  `json:"fileSize"`
	FileContent []byte `json:"fileContent"`
}

// FolderEntry is a GetFolder entry: a sub-folder (TreeID), file or
// symbolic link (BlobID, FileMode) or submodule (CommitID).
type FolderEntry struct {
	TreeID       string `json:"treeId,omitempty"`
	BlobID       string `json:"blobId,omitempty"`
	CommitID     string `json:"commitId,omitempty"`
	AbsolutePath string `json:"absolutePath,omitempty"`
	RelativePath string `json:"relativePath,omitempty"`
	FileMode     string `json:"fileMode,omitempty"`
}

// Folder is GetFolder's result.
type Folder struct {
	CommitID      string        `json:"commitId"`
	FolderPath    string        `json:"folderPath"`
	TreeID        string        `json:"treeId,omitempty"`
	SubFolders    []FolderEntry `json:"subFolders"`
	Files         []FolderEntry `json:"files"`
	SymbolicLinks []FolderEntry `json:"symbolicLinks"`
	SubModules    []FolderEntry `json:"subModules"`
}

// BlobMetadata is one side of a Difference.
type BlobMetadata struct {
	BlobID string `json:"blobId,omitempty"`
	Path   string `json:"path,omitempty"`
	Mode   string `json:"mode,omitempty"`
}

// Difference is one changed path.
type Difference struct {
	BeforeBlob *BlobMetadata `json:"beforeBlob,omitempty"`
	AfterBlob  *BlobMetadata `json:"afterBlob,omitempty"`
	ChangeType string        `json:"changeType,omitempty"` // A, M, D
}

// fileModeName maps git modes to CodeCommit's FileModeTypeEnum.
func fileModeName(mode string) string {
	switch mode {
	case "100755":
		return "EXECUTABLE"
	case "120000":
		return "SYMLINK"
	}
	return "NORMAL"
}

func gitMode(name string) (string, bool) {
	switch name {
	case "NORMAL":
		return "100644", true
	case "EXECUTABLE":
		return "100755", true
	case "SYMLINK":
		return "120000", true
	}
	return "", false
}

// open loads a repository by name and returns its record and directory.
func (e *Engine) open(ctx context.Context, name string) (*repoRecord, string, error) {
	rec, err := e.getRecord(ctx, name)
	if err != nil {
		return nil, "", err
	}
	return rec, e.repoPath(rec.ID), nil
}

// revParse resolves a revision to an object id, "" when it does not exist.
func revParse(ctx context.Context, dir, rev string) (string, error) {
	out, err := runGit(ctx, dir, nil, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev)
	if err != nil {
		if exitCode(err) > 0 {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// resolveCommit resolves a commit specifier the way CodeCommit does: a
// branch name, a tag name or a full commit id; "" is the default branch.
func (e *Engine) resolveCommit(ctx context.Context, rec *repoRecord, dir, spec string) (string, error) {
	if spec == "" {
		if rec.DefaultBranch == "" {
			return "", ErrCommitDoesNotExist.New("The specified commit does not exist or no commit was specified, and the specified repository has no default branch.")
		}
		spec = rec.DefaultBranch
	}
	var candidates []string
	switch {
	case isHexID(strings.ToLower(spec)):
		candidates = []string{strings.ToLower(spec)}
	case strings.HasPrefix(spec, "refs/") && validRefName(spec[len("refs/"):]):
		candidates = []string{spec}
	case validRefName(spec) && !strings.HasPrefix(spec, "-"):
		candidates = []string{"refs/heads/" + spec, "refs/tags/" + spec}
	}
	for _, c := range candidates {
		id, err := revParse(ctx, dir, c+"^{commit}")
		if err != nil {
			return "", err
		}
		if id != "" {
			return id, nil
		}
	}
	return "", commitNotFound(spec)
}

// GetBranch returns a branch's tip.
func (e *Engine) GetBranch(ctx context.Context, repo, branch string) (*Branch, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if err := checkBranchName(branch); err != nil {
		return nil, err
	}
	_, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	id, err := revParse(ctx, dir, "refs/heads/"+branch)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, branchNotFound(branch)
	}
	return &Branch{BranchName: branch, CommitID: id}, nil
}

// ListBranches lists branch names, sorted.
func (e *Engine) ListBranches(ctx context.Context, repo, token string) ([]string, string, error) {
	_, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, "", err
	}
	offset, err := decodeToken(token)
	if err != nil {
		return nil, "", err
	}
	out, err := runGit(ctx, dir, nil, nil, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/")
	if err != nil {
		return nil, "", err
	}
	names := []string{}
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" {
			names = append(names, l)
		}
	}
	sort.Strings(names)
	if offset > len(names) {
		return nil, "", errInvalidContinuationToken.New("The specified continuation token is not valid.")
	}
	end := min(offset+listBranchesPage, len(names))
	next := ""
	if end < len(names) {
		next = encodeToken(end)
	}
	return names[offset:end], next, nil
}

// CreateBranch creates a branch at a commit.
func (e *Engine) CreateBranch(ctx context.Context, repo, branch, commitID string) error {
	if err := checkRepoName(repo); err != nil {
		return err
	}
	if err := checkBranchName(branch); err != nil {
		return err
	}
	if commitID == "" {
		return errCommitIDRequired.New(msgCommitIDRequired)
	}
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return err
	}
	defer e.repoLock(rec.ID)()
	before, err := e.lockedBefore(ctx, rec)
	if err != nil {
		return err
	}
	if _, ok := before["refs/heads/"+branch]; ok {
		return errBranchNameExists.New("Cannot create the branch with the specified name because the commit conflicts with an existing branch with the same name. Branch names must be unique.")
	}
	id, err := e.resolveCommitID(ctx, dir, commitID)
	if err != nil {
		return err
	}
	if _, err := runGit(ctx, dir, nil, nil, "update-ref", "refs/heads/"+branch, id, zeroID); err != nil {
		return err
	}
	_, err = e.recordAfter(ctx, rec, before, SourceAPI)
	return err
}

// resolveCommitID checks a full commit id given to CreateBranch.
func (e *Engine) resolveCommitID(ctx context.Context, dir, id string) (string, error) {
	if !isHexID(strings.ToLower(id)) {
		return "", errInvalidCommitID.New("The specified commit ID is not valid.")
	}
	id = strings.ToLower(id)
	t, err := objectType(ctx, dir, id)
	if err != nil {
		return "", err
	}
	if t != "commit" {
		return "", commitNotFound(id)
	}
	return id, nil
}

// lockedBefore reconciles the repository (recording any unrecorded
// change) and returns its refs; the caller holds the lock.
func (e *Engine) lockedBefore(ctx context.Context, rec *repoRecord) (map[string]refInfo, error) {
	_, refs, err := e.reconcile(ctx, rec)
	return refs, err
}

// recordAfter records what changed since before; the caller holds the
// lock.
func (e *Engine) recordAfter(ctx context.Context, rec *repoRecord, before map[string]refInfo, source string) ([]PushEvent, error) {
	after, err := listRefs(ctx, e.repoPath(rec.ID))
	if err != nil {
		return nil, err
	}
	return e.recordRefChanges(ctx, rec, before, after, awsctx.From(ctx).Principal, source)
}

// DeleteBranch deletes a branch and returns what it pointed to; deleting
// a branch that does not exist returns an empty Branch.
func (e *Engine) DeleteBranch(ctx context.Context, repo, branch string) (*Branch, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if err := checkBranchName(branch); err != nil {
		return nil, err
	}
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	defer e.repoLock(rec.ID)()
	before, err := e.lockedBefore(ctx, rec)
	if err != nil {
		return nil, err
	}
	if rec.DefaultBranch == branch {
		return nil, errDefaultBranchCannotBeDelete.New("The specified branch is the default branch for the repository, and cannot be deleted. To delete this branch, you must first set another branch as the default branch.")
	}
	ri, ok := before["refs/heads/"+branch]
	if !ok {
		return &Branch{}, nil
	}
	if _, err := runGit(ctx, dir, nil, nil, "update-ref", "-d", "refs/heads/"+branch, ri.ID); err != nil {
		return nil, err
	}
	if _, err := e.recordAfter(ctx, rec, before, SourceAPI); err != nil {
		return nil, err
	}
	return &Branch{BranchName: branch, CommitID: ri.ID}, nil
}

// UpdateDefaultBranch sets the default branch (and the repository's HEAD,
// so clones check it out).
func (e *Engine) UpdateDefaultBranch(ctx context.Context, repo, branch string) error {
	if err := checkRepoName(repo); err != nil {
		return err
	}
	if err := checkBranchName(branch); err != nil {
		return err
	}
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return err
	}
	unlock := e.repoLock(rec.ID)
	defer unlock()
	id, err := revParse(ctx, dir, "refs/heads/"+branch)
	if err != nil {
		return err
	}
	if id == "" {
		return branchNotFound(branch)
	}
	if _, err := runGit(ctx, dir, nil, nil, "symbolic-ref", "HEAD", "refs/heads/"+branch); err != nil {
		return err
	}
	_, err = e.mutate(ctx, repo, func(_ store.Tx, r *repoRecord) error {
		r.DefaultBranch = branch
		return nil
	})
	return err
}

// GetCommit returns a commit by full id.
func (e *Engine) GetCommit(ctx context.Context, repo, commitID string) (*Commit, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if commitID == "" {
		return nil, errCommitIDRequired.New(msgCommitIDRequired)
	}
	_, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(commitID)
	if !isHexID(id) {
		return nil, errInvalidCommitID.New("The specified commit ID is not valid.")
	}
	cs, err := readCommits(ctx, dir, []string{id})
	if err != nil {
		return nil, err
	}
	c := cs[id]
	if c == nil || c.ID != id {
		return nil, errCommitIDDoesNotExist.New("Could not find commit %s", commitID)
	}
	return toCommit(c), nil
}

func toCommit(c *rawCommit) *Commit {
	return &Commit{
		CommitID: c.ID, TreeID: c.Tree, Parents: c.Parents, Message: c.Message,
		Author:    &UserInfo{Name: c.Author.Name, Email: c.Author.Email, Date: c.Author.Date},
		Committer: &UserInfo{Name: c.Committer.Name, Email: c.Committer.Email, Date: c.Committer.Date},
	}
}

// GetFile returns a file's content at a commit specifier.
func (e *Engine) GetFile(ctx context.Context, repo, spec, filePath string) (*File, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if filePath == "" {
		return nil, errPathRequired.New(msgPathRequired)
	}
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	p, ok := cleanRepoPath(filePath)
	if !ok {
		return nil, errInvalidPath.New("The specified path is not valid.")
	}
	commit, err := e.resolveCommit(ctx, rec, dir, spec)
	if err != nil {
		return nil, err
	}
	en, found, err := lookupPath(ctx, dir, commit, p)
	if err != nil {
		return nil, err
	}
	if !found || en.Type != "blob" {
		return nil, errFileDoesNotExist.New("The specified file does not exist. Verify that you have used the correct file name, full path, and extension.")
	}
	size, err := blobSize(ctx, dir, en.ID)
	if err != nil {
		return nil, err
	}
	if size > maxGetFileSize {
		return nil, errFileTooLarge.New("The specified file exceeds the file size limit for CodeCommit. For more information about limits in CodeCommit, see Quotas in the CodeCommit User Guide.")
	}
	content, err := runGit(ctx, dir, nil, nil, "cat-file", "blob", en.ID)
	if err != nil {
		return nil, err
	}
	return &File{CommitID: commit, BlobID: en.ID, FilePath: p, FileMode: fileModeName(en.Mode), FileSize: size, FileContent: content}, nil
}

func blobSize(ctx context.Context, dir, id string) (int64, error) {
	out, err := runGit(ctx, dir, nil, nil, "cat-file", "-s", id)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}

// GetBlob returns a blob's content.
func (e *Engine) GetBlob(ctx context.Context, repo, blobID string) ([]byte, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if blobID == "" {
		return nil, errBlobIDRequired.New("A blob ID is required, but was not specified.")
	}
	_, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(blobID)
	if !isHexID(id) {
		return nil, errInvalidBlobID.New("The specified blob is not valid.")
	}
	t, err := objectType(ctx, dir, id)
	if err != nil {
		return nil, err
	}
	if t != "blob" {
		return nil, errBlobIDDoesNotExist.New("Could not find blob %s", blobID)
	}
	size, err := blobSize(ctx, dir, id)
	if err != nil {
		return nil, err
	}
	if size > maxGetFileSize {
		return nil, errFileTooLarge.New("The specified file exceeds the file size limit for CodeCommit. For more information about limits in CodeCommit, see Quotas in the CodeCommit User Guide.")
	}
	return runGit(ctx, dir, nil, nil, "cat-file", "blob", id)
}

// GetFolder lists a folder at a commit specifier.
func (e *Engine) GetFolder(ctx context.Context, repo, spec, folderPath string) (*Folder, error) {
	if err := checkRepoName(repo); err != nil {
		return nil, err
	}
	if folderPath == "" {
		return nil, errPathRequired.New(msgPathRequired)
	}
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	p, ok := cleanFolderPath(folderPath)
	if !ok {
		return nil, errInvalidPath.New("The specified path is not valid.")
	}
	commit, err := e.resolveCommit(ctx, rec, dir, spec)
	if err != nil {
		return nil, err
	}
	var tree string
	if p == "" {
		if tree, err = revParse(ctx, dir, commit+"^{tree}"); err != nil {
			return nil, err
		}
	} else {
		en, found, err := lookupPath(ctx, dir, commit, p)
		if err != nil {
			return nil, err
		}
		if !found || en.Type != "tree" {
			return nil, errFolderDoesNotExist.New("The specified folder does not exist. Either the folder name is not correct, or you did not enter the full path to the folder.")
		}
		tree = en.ID
	}
	entries, err := lsTree(ctx, dir, tree)
	if err != nil {
		return nil, err
	}
	f := &Folder{CommitID: commit, FolderPath: folderPath, TreeID: tree,
		SubFolders: []FolderEntry{}, Files: []FolderEntry{}, SymbolicLinks: []FolderEntry{}, SubModules: []FolderEntry{}}
	for _, en := range entries {
		abs := en.Path
		if p != "" {
			abs = p + "/" + en.Path
		}
		switch {
		case en.Type == "tree":
			f.SubFolders = append(f.SubFolders, FolderEntry{TreeID: en.ID, AbsolutePath: abs, RelativePath: en.Path})
		case en.Type == "commit":
			f.SubModules = append(f.SubModules, FolderEntry{CommitID: en.ID, AbsolutePath: abs, RelativePath: en.Path})
		case en.Mode == "120000":
			f.SymbolicLinks = append(f.SymbolicLinks, FolderEntry{BlobID: en.ID, AbsolutePath: abs, RelativePath: en.Path, FileMode: "SYMLINK"})
		default:
			f.Files = append(f.Files, FolderEntry{BlobID: en.ID, AbsolutePath: abs, RelativePath: en.Path, FileMode: fileModeName(en.Mode)})
		}
	}
	return f, nil
}

// GetDifferencesInput is GetDifferences' input.
type GetDifferencesInput struct {
	Repository string
	Before     string // commit specifier; "" compares with the empty tree
	After      string
	BeforePath string
	AfterPath  string
	MaxResults *int32
	NextToken  string
}

// GetDifferences lists the paths that differ between two commits.
func (e *Engine) GetDifferences(ctx context.Context, in GetDifferencesInput) ([]Difference, string, error) {
	if err := checkRepoName(in.Repository); err != nil {
		return nil, "", err
	}
	rec, dir, err := e.open(ctx, in.Repository)
	if err != nil {
		return nil, "", err
	}
	if in.After == "" {
		return nil, "", errCommitRequired.New("A commit was not specified.")
	}
	limit := defaultDifferencesLimit
	if in.MaxResults != nil {
		if *in.MaxResults < 1 {
			return nil, "", errInvalidMaxResults.New("The specified number of maximum results is not valid.")
		}
		limit = int(*in.MaxResults)
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, "", err
	}
	after, err := e.resolveCommit(ctx, rec, dir, in.After)
	if err != nil {
		return nil, "", err
	}
	before := emptyTree
	if in.Before != "" {
		if before, err = e.resolveCommit(ctx, rec, dir, in.Before); err != nil {
			return nil, "", err
		}
	}
	var paths []string
	for _, side := range []struct{ path, commit string }{{in.BeforePath, before}, {in.AfterPath, after}} {
		if side.path == "" {
			continue
		}
		p, ok := cleanFolderPath(side.path)
		if !ok {
			return nil, "", errInvalidPath.New("The specified path is not valid.")
		}
		if p == "" {
			continue
		}
		if side.commit != emptyTree {
			if _, found, err := lookupPath(ctx, dir, side.commit, p); err != nil {
				return nil, "", err
			} else if !found {
				return nil, "", errPathDoesNotExist.New("The specified path does not exist.")
			}
		}
		paths = append(paths, p)
	}
	args := []string{"diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", before, after}
	if len(paths) > 0 {
		args = append(append(args, "--"), paths...)
	}
	out, err := runGit(ctx, dir, nil, nil, args...)
	if err != nil {
		return nil, "", err
	}
	diffs := parseRawDiff(out)
	if offset > len(diffs) {
		return nil, "", errInvalidContinuationToken.New("The specified continuation token is not valid.")
	}
	end := min(offset+limit, len(diffs))
	next := ""
	if end < len(diffs) {
		next = encodeToken(end)
	}
	return diffs[offset:end], next, nil
}

// parseRawDiff parses diff-tree -z raw output:
// ":<old mode> <new mode> <old id> <new id> <status>\0<path>\0".
func parseRawDiff(out []byte) []Difference {
	diffs := []Difference{}
	fields := bytes.Split(out, []byte{0})
	for i := 0; i+1 < len(fields); i += 2 {
		meta := string(fields[i])
		if !strings.HasPrefix(meta, ":") {
			i-- // resynchronize on stray separators
			continue
		}
		f := strings.Fields(meta[1:])
		if len(f) != 5 {
			continue
		}
		path := string(fields[i+1])
		d := Difference{}
		switch f[4][0] {
		case 'A':
			d.ChangeType = "A"
			d.AfterBlob = &BlobMetadata{BlobID: f[3], Path: path, Mode: f[1]}
		case 'D':
			d.ChangeType = "D"
			d.BeforeBlob = &BlobMetadata{BlobID: f[2], Path: path, Mode: f[0]}
		default:
			d.ChangeType = "M"
			d.BeforeBlob = &BlobMetadata{BlobID: f[2], Path: path, Mode: f[0]}
			d.AfterBlob = &BlobMetadata{BlobID: f[3], Path: path, Mode: f[1]}
		}
		diffs = append(diffs, d)
	}
	return diffs
}

// Archive writes the tree of a commit specifier (branch, tag, commit id;
// "" for the default branch) to w as a zip file — what a CodePipeline
// CodeCommit source action hands on — and returns the commit id.
func (e *Engine) Archive(ctx context.Context, repo, spec string, w io.Writer) (string, error) {
	rec, dir, err := e.open(ctx, repo)
	if err != nil {
		return "", err
	}
	commit, err := e.resolveCommit(ctx, rec, dir, spec)
	if err != nil {
		return "", err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, transferTimeout)
		defer cancel()
	}
	cmd := gitCmd(ctx, gitEnv("GIT_DIR="+dir), "archive", "--format=zip", commit)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &limitedBuffer{max: 64 << 10, buf: &stderr}
	if err := runCmd(cmd); err != nil {
		return "", &gitError{args: []string{"archive", commit}, stderr: stderr.String(), err: err}
	}
	return commit, nil
}

// Clone makes dir a git working tree of the repository at spec (a branch,
// tag or commit; "" for the default branch), with the full history or the
// last depth commits, and returns the commit checked out. CodeBuild uses it
// for CODECOMMIT sources: builds see a real .git directory, as on AWS.
func (e *Engine) Clone(ctx context.Context, repo, spec, dir string, depth int) (string, error) {
	rec, bare, err := e.open(ctx, repo)
	if err != nil {
		return "", err
	}
	commit, err := e.resolveCommit(ctx, rec, bare, spec)
	if err != nil {
		return "", err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, transferTimeout)
		defer cancel()
	}
	args := []string{"clone", "--quiet", "--no-checkout"}
	if depth > 0 {
		// --depth needs the file:// transport to take effect locally.
		args = append(args, "--depth", strconv.Itoa(depth), "--no-single-branch", "file://"+bare, dir)
	} else {
		args = append(args, bare, dir)
	}
	run := func(wd string, args ...string) error {
		cmd := gitCmd(ctx, gitEnv(), args...)
		cmd.Dir = wd
		var stderr bytes.Buffer
		cmd.Stderr = &limitedBuffer{max: 64 << 10, buf: &stderr}
		if err := runCmd(cmd); err != nil {
			return &gitError{args: args, stderr: stderr.String(), err: err}
		}
		return nil
	}
	if err := run("", args...); err != nil {
		return "", err
	}
	// Check out the exact commit; on a branch spec, leave the branch
	// checked out at it as CodeBuild does.
	target := commit
	if spec != "" && spec != commit {
		if _, err := e.GetBranch(ctx, repo, spec); err == nil {
			if err := run(dir, "checkout", "--quiet", "-B", spec, commit); err != nil {
				return "", err
			}
			return commit, nil
		}
	}
	if err := run(dir, "checkout", "--quiet", "--detach", target); err != nil {
		return "", err
	}
	return commit, nil
}
