package codecommit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
)

const (
	maxFileContent   = 6 << 20
	maxCommitContent = 7 << 20
	maxFileEntries   = 100
	maxNameLen       = 1024
	maxEmailLen      = 1024
	maxMessageLen    = 100 << 10
)

// tree is a commit's files, flattened: path → entry (blobs and
// submodules; directories are implied by the paths).
type tree map[string]treeEntry

// dirs returns the directories a flat tree implies.
func (t tree) dirs() map[string]bool {
	d := map[string]bool{}
	for p := range t {
		for {
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
			if d[p] {
				break
			}
			d[p] = true
		}
	}
	return d
}

// checkPlace reports why a file cannot be placed at p.
func (t tree) checkPlace(p string, dirs map[string]bool) error {
	if en, ok := t[p]; ok && en.Type == "commit" {
		return errFilePathConflictsSubmodule.New("The commit cannot be created because a specified file path points to a submodule. Verify that the destination files have valid file paths that do not point to a submodule.")
	}
	if dirs[p] {
		return errFileNameConflictsWithDir.New("A file cannot be added to the repository because the specified file name has the same name as a directory in this repository. Either provide another name for the file, or add the file in a directory that does not match the file name.")
	}
	for q := p; ; {
		i := strings.LastIndexByte(q, '/')
		if i < 0 {
			return nil
		}
		q = q[:i]
		if en, ok := t[q]; ok {
			if en.Type == "commit" {
				return errFilePathConflictsSubmodule.New("The commit cannot be created because a specified file path points to a submodule. Verify that the destination files have valid file paths that do not point to a submodule.")
			}
			return errDirNameConflictsWithFile.New("A file cannot be added to the repository because the specified path name has the same name as a file that already exists in this repository. Either provide a different name for the file, or specify a different path for the file.")
		}
	}
}

// FileMetadata is one file a commit added, updated or deleted.
type FileMetadata struct {
	AbsolutePath string `json:"absolutePath,omitempty"`
	BlobID       string `json:"blobId,omitempty"`
	FileMode     string `json:"fileMode,omitempty"`
}

// PutFileEntry is one CreateCommit putFiles entry.
type PutFileEntry struct {
	FilePath    string
	FileMode    string
	FileContent []byte
	// SourceFile copies (or with IsMove, moves) a file of the parent commit.
	SourceFile   string
	SourceIsMove bool
	HasSource    bool
}

// SetFileModeEntry is one CreateCommit setFileModes entry.
type SetFileModeEntry struct{ FilePath, FileMode string }

// CreateCommitInput is CreateCommit's input.
type CreateCommitInput struct {
	Repository, Branch, ParentCommitID string
	AuthorName, Email, Message         string
	KeepEmptyFolders                   bool
	PutFiles                           []PutFileEntry
	DeleteFiles                        []string
	SetFileModes                       []SetFileModeEntry
}

// CreateCommitOutput is CreateCommit's result.
type CreateCommitOutput struct {
	CommitID     string         `json:"commitId,omitempty"`
	TreeID       string         `json:"treeId,omitempty"`
	FilesAdded   []FileMetadata `json:"filesAdded"`
	FilesUpdated []FileMetadata `json:"filesUpdated"`
	FilesDeleted []FileMetadata `json:"filesDeleted"`
}

// PutFileInput is PutFile's input.
type PutFileInput struct {
	Repository, Branch, ParentCommitID string
	FilePath, FileMode                 string
	FileContent                        []byte
	Name, Email, Message               string
}

// PutFileOutput is PutFile's result.
type PutFileOutput struct {
	CommitID string `json:"commitId"`
	BlobID   string `json:"blobId"`
	TreeID   string `json:"treeId"`
}

// change is one path's new state in a commit being built.
type change struct {
	content []byte // new content to write, or nil
	entry   treeEntry
	deleted bool
}

// commitPlan is what a commit operation wants: changes relative to the
// parent's tree, decided by plan once the parent is known.
type commitPlan struct {
	repo, branch, parent     string
	name, email, message     string
	source                   string
	plan                     func(parent tree) (map[string]*change, error)
	noChange                 func() error
	keepEmptyFolders         bool
	result                   func(commit, treeID string, parent tree, changes map[string]*change)
	allowMissingBranchParent bool
}

func checkAuthor(name, email, message string) error {
	if len(name) > maxNameLen {
		return errNameLengthExceeded.New("The user name is not valid because it has exceeded the character limit for author names.")
	}
	if len(email) > maxEmailLen || strings.ContainsAny(email, "<>\n\x00") {
		return errInvalidEmail.New("The specified email address either contains one or more characters that are not allowed, or it exceeds the maximum number of characters allowed for an email address.")
	}
	if strings.ContainsAny(name, "<>\n\x00") {
		return errNameLengthExceeded.New("The user name is not valid because it has exceeded the character limit for author names.")
	}
	if len(message) > maxMessageLen {
		return errCommitMessageLength.New("The commit message is too long. Provide a shorter string.")
	}
	return nil
}

// commit builds and records one commit on a branch. It runs under the
// repository lock: the parent check, the ref update and the push event
// are one step.
func (e *Engine) commit(ctx context.Context, p *commitPlan) error {
	if err := checkRepoName(p.repo); err != nil {
		return err
	}
	if err := checkBranchName(p.branch); err != nil {
		return err
	}
	if err := checkAuthor(p.name, p.email, p.message); err != nil {
		return err
	}
	rec, dir, err := e.open(ctx, p.repo)
	if err != nil {
		return err
	}
	defer e.repoLock(rec.ID)()
	before, err := e.lockedBefore(ctx, rec)
	if err != nil {
		return err
	}
	parent, err := e.checkParent(ctx, dir, before, p.branch, p.parent)
	if err != nil {
		return err
	}
	files := tree{}
	if parent != "" {
		entries, err := lsTree(ctx, dir, "-r", parent)
		if err != nil {
			return err
		}
		for _, en := range entries {
			files[en.Path] = en
		}
	}
	changes, err := p.plan(files)
	if err != nil {
		return err
	}
	if p.keepEmptyFolders {
		keepFolders(files, changes)
	}
	if err := e.writeBlobs(ctx, dir, changes); err != nil {
		return err
	}
	next := tree{}
	for k, v := range files {
		next[k] = v
	}
	for pth, c := range changes {
		if c.deleted {
			delete(next, pth)
		} else {
			next[pth] = c.entry
		}
	}
	if sameTree(files, next) && parent != "" {
		return p.noChange()
	}
	treeID, err := e.writeTree(ctx, dir, next)
	if err != nil {
		return err
	}
	commitID, err := e.commitTree(ctx, dir, treeID, parent, p.name, p.email, p.message)
	if err != nil {
		return err
	}
	old := zeroID
	if parent != "" {
		if ri, ok := before["refs/heads/"+p.branch]; ok {
			old = ri.ID
		}
	}
	if _, err := runGit(ctx, dir, nil, nil, "update-ref", "refs/heads/"+p.branch, commitID, old); err != nil {
		return err
	}
	if _, err := e.recordAfter(ctx, rec, before, p.source); err != nil {
		return err
	}
	p.result(commitID, treeID, files, changes)
	return nil
}

// checkParent applies CodeCommit's parent rules and returns the parent
// commit ("" for the first commit of an empty repository).
func (e *Engine) checkParent(ctx context.Context, dir string, refs map[string]refInfo, branch, parent string) (string, error) {
	tip, exists := refs["refs/heads/"+branch]
	hasBranches := false
	for r := range refs {
		if strings.HasPrefix(r, "refs/heads/") {
			hasBranches = true
			break
		}
	}
	if parent != "" && !isHexID(strings.ToLower(parent)) {
		return "", errInvalidParentCommitID.New("The parent commit ID is not valid. The commit ID cannot be empty, and must match the head commit ID for the branch of the repository where you want to add or update a file.")
	}
	parent = strings.ToLower(parent)
	if parent != "" {
		t, err := objectType(ctx, dir, parent)
		if err != nil {
			return "", err
		}
		if t != "commit" {
			return "", errParentCommitDoesNotExist.New("The parent commit ID is not valid because it does not exist. The specified parent commit ID does not exist in the specified branch of the repository.")
		}
	}
	switch {
	case exists:
		if parent == "" {
			return "", errParentCommitIDRequired.New("A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or git log).")
		}
		if parent != tip.ID {
			return "", errParentCommitIDOutdated.New("The file could not be added because the provided parent commit ID is not the current tip of the specified branch. To view the full commit ID of the current head of the branch, use GetBranch.")
		}
		return parent, nil
	case !hasBranches:
		return parent, nil
	default:
		if _, ok := refs["refs/tags/"+branch]; ok {
			return "", errBranchNameIsTagName.New("The specified branch name is not valid because it is a tag name. Enter the name of a branch in the repository. For a list of valid branch names, use ListBranches.")
		}
		return "", branchNotFound(branch)
	}
}

func sameTree(a, b tree) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w.ID != v.ID || w.Mode != v.Mode {
			return false
		}
	}
	return true
}

// keepFolders adds a .gitkeep where deletions would empty a folder.
func keepFolders(before tree, changes map[string]*change) {
	after := tree{}
	for k, v := range before {
		after[k] = v
	}
	for p, c := range changes {
		if c.deleted {
			delete(after, p)
		} else {
			after[p] = c.entry
		}
	}
	dirsAfter := after.dirs()
	var paths []string
	for p, c := range changes {
		if c.deleted {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		d := path.Dir(p)
		if d == "." || dirsAfter[d] {
			continue
		}
		keep := d + "/.gitkeep"
		changes[keep] = &change{content: []byte{}, entry: treeEntry{Mode: "100644", Type: "blob", Path: keep}}
		after[keep] = changes[keep].entry
		dirsAfter = after.dirs()
	}
}

// writeBlobs stores new contents and fills their entries' ids.
func (e *Engine) writeBlobs(ctx context.Context, dir string, changes map[string]*change) error {
	var pending []*change
	for _, c := range changes {
		if !c.deleted && c.content != nil {
			pending = append(pending, c)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	if len(pending) <= 4 {
		for _, c := range pending {
			out, err := runGit(ctx, dir, bytes.NewReader(c.content), nil, "hash-object", "-w", "--no-filters", "--stdin")
			if err != nil {
				return err
			}
			c.entry.ID = strings.TrimSpace(string(out))
		}
		return nil
	}
	// Many blobs: one hash-object reading the contents from files.
	tmp, err := os.MkdirTemp(e.tmp, "blobs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var list bytes.Buffer
	for i, c := range pending {
		f := fmt.Sprintf("%s/%d", tmp, i)
		if err := os.WriteFile(f, c.content, 0o600); err != nil {
			return err
		}
		list.WriteString(f + "\n")
	}
	out, err := runGit(ctx, dir, &list, nil, "hash-object", "-w", "--no-filters", "--stdin-paths")
	if err != nil {
		return err
	}
	ids := strings.Fields(string(out))
	if len(ids) != len(pending) {
		return fmt.Errorf("hash-object returned %d ids for %d blobs", len(ids), len(pending))
	}
	for i, c := range pending {
		c.entry.ID = ids[i]
	}
	return nil
}

// writeTree writes a flat tree through a temporary index.
func (e *Engine) writeTree(ctx context.Context, dir string, t tree) (string, error) {
	idx, err := os.CreateTemp(e.tmp, "index-")
	if err != nil {
		return "", err
	}
	idxPath := idx.Name()
	idx.Close()
	os.Remove(idxPath) // git wants to create it
	defer os.Remove(idxPath)
	env := []string{"GIT_INDEX_FILE=" + idxPath}
	paths := make([]string, 0, len(t))
	for p := range t {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var in bytes.Buffer
	for _, p := range paths {
		en := t[p]
		fmt.Fprintf(&in, "%s %s %s\t%s\x00", en.Mode, en.Type, en.ID, p)
	}
	if _, err := runGit(ctx, dir, &in, env, "update-index", "--add", "-z", "--index-info"); err != nil {
		return "", err
	}
	out, err := runGit(ctx, dir, nil, env, "write-tree")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (e *Engine) commitTree(ctx context.Context, dir, treeID, parent, name, email, message string) (string, error) {
	if name == "" {
		name = defaultAuthor(ctx)
	}
	date := strconv.FormatInt(e.now().Unix(), 10) + " +0000"
	env := []string{
		"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + name, "GIT_COMMITTER_EMAIL=" + email, "GIT_COMMITTER_DATE=" + date,
	}
	args := []string{"commit-tree", treeID, "-F", "-"}
	if parent != "" {
		args = append(args, "-p", parent)
	}
	out, err := runGit(ctx, dir, strings.NewReader(message), env, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// defaultAuthor names the caller when a commit gives no author: the last
// part of its ARN ("root", a user or role session name).
func defaultAuthor(ctx context.Context) string {
	p := awsctx.From(ctx).Principal
	if i := strings.LastIndexAny(p, "/:"); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		p = "skiff"
	}
	return p
}

// PutFile adds or updates one file in a branch (creating the branch in an
// empty repository).
func (e *Engine) PutFile(ctx context.Context, in PutFileInput) (*PutFileOutput, error) {
	if err := checkRepoName(in.Repository); err != nil {
		return nil, err
	}
	if in.Branch == "" {
		return nil, errBranchNameRequired.New(msgBranchNameRequired)
	}
	if len(in.FileContent) == 0 {
		return nil, errFileContentRequired.New("The file cannot be added because it is empty. Empty files cannot be added to the repository with this API.")
	}
	if len(in.FileContent) > maxFileContent {
		return nil, errFileContentSizeLimit.New("The file cannot be added because it is too large. The maximum file size is 6 MB, and the combined file content change size is 7 MB. Consider making these changes using a Git client.")
	}
	if in.FilePath == "" {
		return nil, errPathRequired.New("A file path is required, but was not specified.")
	}
	p, ok := cleanRepoPath(in.FilePath)
	if !ok {
		return nil, errInvalidPath.New("The specified path is not valid.")
	}
	mode := ""
	if in.FileMode != "" {
		m, ok := gitMode(in.FileMode)
		if !ok {
			return nil, errInvalidFileMode.New("The specified file mode permission is not valid. For a list of valid file mode permissions, see PutFile.")
		}
		mode = m
	}
	out := &PutFileOutput{}
	err := e.commit(ctx, &commitPlan{
		repo: in.Repository, branch: in.Branch, parent: in.ParentCommitID,
		name: in.Name, email: in.Email, message: in.Message, source: SourceAPI,
		plan: func(parent tree) (map[string]*change, error) {
			if err := parent.checkPlace(p, parent.dirs()); err != nil {
				return nil, err
			}
			m := mode
			if m == "" {
				m = "100644"
				if old, ok := parent[p]; ok {
					m = old.Mode
				}
			}
			return map[string]*change{p: {content: in.FileContent, entry: treeEntry{Mode: m, Type: "blob", Path: p}}}, nil
		},
		noChange: func() error {
			return errSameFileContent.New("The file could not be added because the provided file content is exactly the same as the current file content and mode.")
		},
		result: func(commit, treeID string, _ tree, changes map[string]*change) {
			out.CommitID, out.TreeID, out.BlobID = commit, treeID, changes[p].entry.ID
		},
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateCommit commits several file additions, updates, copies, moves,
// deletions and mode changes to a branch.
func (e *Engine) CreateCommit(ctx context.Context, in CreateCommitInput) (*CreateCommitOutput, error) {
	if err := checkRepoName(in.Repository); err != nil {
		return nil, err
	}
	if in.Branch == "" {
		return nil, errBranchNameRequired.New(msgBranchNameRequired)
	}
	n := len(in.PutFiles) + len(in.DeleteFiles) + len(in.SetFileModes)
	if n == 0 {
		return nil, errFileEntryRequired.New("The commit cannot be created because no files have been specified as added, updated, or changed (PutFile or DeleteFile) for the commit.")
	}
	if n > maxFileEntries {
		return nil, errMaximumFileEntries.New("The number of specified files to change as part of this commit exceeds the maximum number of files that can be changed in a single commit. Consider using a Git client for these changes.")
	}
	samePath := errSamePathRequest.New("The commit cannot be created because one or more changes in this commit duplicate actions in the same file path. For example, you cannot make the same delete request to the same file in the same file path twice, or make a delete request and a move request to the same file as part of the same commit.")
	invalidPath := func() error { return errInvalidPath.New("The specified path is not valid.") }
	seen := map[string]bool{}
	claim := func(raw string) (string, error) {
		if raw == "" {
			return "", errPathRequired.New("A file path is required, but was not specified.")
		}
		p, ok := cleanRepoPath(raw)
		if !ok {
			return "", invalidPath()
		}
		if seen[p] {
			return "", samePath
		}
		seen[p] = true
		return p, nil
	}
	type put struct {
		path, mode, src string
		move            bool
		content         []byte
	}
	var puts []put
	total := 0
	for _, f := range in.PutFiles {
		p, err := claim(f.FilePath)
		if err != nil {
			return nil, err
		}
		pu := put{path: p, content: f.FileContent}
		if f.FileMode != "" {
			m, ok := gitMode(f.FileMode)
			if !ok {
				return nil, errInvalidFileMode.New("The specified file mode permission is not valid. For a list of valid file mode permissions, see PutFile.")
			}
			pu.mode = m
		}
		switch {
		case f.HasSource && f.FileContent != nil:
			return nil, errFileContentAndSourceFile.New("The commit cannot be created because both a source file and file content have been specified for the same file. You cannot provide both. Either specify a source file or provide the file content directly.")
		case f.HasSource:
			src, ok := cleanRepoPath(f.SourceFile)
			if !ok {
				return nil, invalidPath()
			}
			if path.Base(src) == ".gitkeep" {
				return nil, errRestrictedSourceFile.New("The commit cannot be created because one of the changes specifies copying or moving a .gitkeep file.")
			}
			pu.src, pu.move = src, f.SourceIsMove
			if f.SourceIsMove {
				if seen[src] {
					return nil, samePath
				}
				seen[src] = true
			}
		case f.FileContent == nil:
			return nil, errSourceFileOrContentRequired.New("The commit cannot be created because no source files or file content have been specified for the commit.")
		}
		if len(f.FileContent) > maxFileContent {
			return nil, errFileContentSizeLimit.New("The file cannot be added because it is too large. The maximum file size is 6 MB, and the combined file content change size is 7 MB. Consider making these changes using a Git client.")
		}
		total += len(f.FileContent)
		puts = append(puts, pu)
	}
	if total > maxCommitContent {
		return nil, errFileContentSizeLimit.New("The file cannot be added because it is too large. The maximum file size is 6 MB, and the combined file content change size is 7 MB. Consider making these changes using a Git client.")
	}
	var dels []string
	for _, d := range in.DeleteFiles {
		p, err := claim(d)
		if err != nil {
			return nil, err
		}
		dels = append(dels, p)
	}
	type setMode struct{ path, mode string }
	var modes []setMode
	for _, s := range in.SetFileModes {
		p, err := claim(s.FilePath)
		if err != nil {
			return nil, err
		}
		if s.FileMode == "" {
			return nil, errFileModeRequired.New("The commit cannot be created because no file mode has been specified. A file mode is required to update mode permissions for a file.")
		}
		m, ok := gitMode(s.FileMode)
		if !ok {
			return nil, errInvalidFileMode.New("The specified file mode permission is not valid. For a list of valid file mode permissions, see PutFile.")
		}
		modes = append(modes, setMode{p, m})
	}
	// Entries must not put a file where another entry puts a folder.
	for _, a := range puts {
		for _, b := range puts {
			if strings.HasPrefix(b.path, a.path+"/") {
				return nil, errPutFileEntryConflict.New("The commit cannot be created because one or more files specified in the commit reference both a file and a folder.")
			}
		}
	}
	notFound := func() error {
		return errFileDoesNotExist.New("The specified file does not exist. Verify that you have used the correct file name, full path, and extension.")
	}
	out := &CreateCommitOutput{FilesAdded: []FileMetadata{}, FilesUpdated: []FileMetadata{}, FilesDeleted: []FileMetadata{}}
	err := e.commit(ctx, &commitPlan{
		repo: in.Repository, branch: in.Branch, parent: in.ParentCommitID,
		name: in.AuthorName, email: in.Email, message: in.Message, source: SourceAPI,
		keepEmptyFolders: in.KeepEmptyFolders,
		plan: func(parent tree) (map[string]*change, error) {
			changes := map[string]*change{}
			for _, d := range dels {
				if en, ok := parent[d]; !ok || en.Type != "blob" {
					return nil, notFound()
				}
				changes[d] = &change{deleted: true}
			}
			for _, s := range modes {
				en, ok := parent[s.path]
				if !ok || en.Type != "blob" {
					return nil, notFound()
				}
				en.Mode = s.mode
				changes[s.path] = &change{entry: en}
			}
			// The tree as it will be once the deletions and moves are done,
			// for the file/folder conflict checks.
			staged := tree{}
			for k, v := range parent {
				staged[k] = v
			}
			for _, d := range dels {
				delete(staged, d)
			}
			for _, pu := range puts {
				if pu.src == "" {
					continue
				}
				src, ok := parent[pu.src]
				if !ok || src.Type != "blob" {
					return nil, notFound()
				}
				if pu.move {
					changes[pu.src] = &change{deleted: true}
					delete(staged, pu.src)
				}
			}
			dirs := staged.dirs()
			for _, pu := range puts {
				if err := staged.checkPlace(pu.path, dirs); err != nil {
					return nil, err
				}
				en := treeEntry{Type: "blob", Path: pu.path, Mode: pu.mode}
				c := &change{entry: en}
				if pu.src != "" {
					src := parent[pu.src]
					c.entry.ID = src.ID
					if c.entry.Mode == "" {
						c.entry.Mode = src.Mode
					}
				} else {
					c.content = pu.content
				}
				if c.entry.Mode == "" {
					c.entry.Mode = "100644"
					if old, ok := parent[pu.path]; ok {
						c.entry.Mode = old.Mode
					}
				}
				changes[pu.path] = c
			}
			return changes, nil
		},
		noChange: func() error {
			return errNoChange.New("The commit cannot be created because no changes will be made to the repository as a result of this commit. A commit must contain at least one change.")
		},
		result: func(commit, treeID string, parent tree, changes map[string]*change) {
			out.CommitID, out.TreeID = commit, treeID
			paths := make([]string, 0, len(changes))
			for p := range changes {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				c := changes[p]
				old, existed := parent[p]
				switch {
				case c.deleted:
					out.FilesDeleted = append(out.FilesDeleted, FileMetadata{AbsolutePath: p, BlobID: old.ID, FileMode: fileModeName(old.Mode)})
				case !existed:
					out.FilesAdded = append(out.FilesAdded, FileMetadata{AbsolutePath: p, BlobID: c.entry.ID, FileMode: fileModeName(c.entry.Mode)})
				case old.ID != c.entry.ID || old.Mode != c.entry.Mode:
					out.FilesUpdated = append(out.FilesUpdated, FileMetadata{AbsolutePath: p, BlobID: c.entry.ID, FileMode: fileModeName(c.entry.Mode)})
				}
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seedFile is one file of a repository's initial commit (CloudFormation
// Code).
type seedFile struct {
	Path    string
	Mode    string
	Content []byte
}

// seed makes the first commit of an empty repository.
func (e *Engine) seed(ctx context.Context, repo, branch string, files []seedFile) error {
	return e.commit(ctx, &commitPlan{
		repo: repo, branch: branch, message: "Initial commit by AWS CloudFormation", name: "AWS CloudFormation",
		source: SourceCloudFormation,
		plan: func(parent tree) (map[string]*change, error) {
			changes := map[string]*change{}
			for _, f := range files {
				changes[f.Path] = &change{content: f.Content, entry: treeEntry{Mode: f.Mode, Type: "blob", Path: f.Path}}
			}
			return changes, nil
		},
		noChange: func() error { return nil },
		result:   func(string, string, tree, map[string]*change) {},
	})
}
