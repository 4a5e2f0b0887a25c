package codecommit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// refInfo is one ref as for-each-ref reports it.
type refInfo struct {
	ID     string // the object the ref points to
	Commit string // the commit it peels to, "" if none
}

// listRefs reads every ref of a repository (HEAD excluded).
func listRefs(ctx context.Context, dir string) (map[string]refInfo, error) {
	out, err := runGit(ctx, dir, nil, nil, "for-each-ref",
		"--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)")
	if err != nil {
		return nil, err
	}
	refs := map[string]refInfo{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, " ", 5)
		if len(f) != 5 {
			continue
		}
		ri := refInfo{ID: f[0]}
		switch {
		case f[1] == "commit":
			ri.Commit = f[0]
		case f[3] == "commit":
			ri.Commit = f[2]
		}
		refs[f[4]] = ri
	}
	return refs, nil
}

func refIDs(refs map[string]refInfo) map[string]string {
	m := make(map[string]string, len(refs))
	for k, v := range refs {
		m[k] = v.ID
	}
	return m
}

// rawCommit is a parsed commit object.
type rawCommit struct {
	ID        string
	Tree      string
	Parents   []string
	Author    ident
	Committer ident
	Message   string
}

// ident is "Name <email> 1484167798 -0800".
type ident struct {
	Name, Email, Date string
	Time              time.Time
}

func parseIdent(s string) ident {
	var id ident
	lt, gt := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		id.Name = s
		return id
	}
	id.Name = strings.TrimSpace(s[:lt])
	id.Email = s[lt+1 : gt]
	id.Date = strings.TrimSpace(s[gt+1:])
	if f := strings.Fields(id.Date); len(f) >= 1 {
		if secs, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			loc := time.UTC
			if len(f) == 2 && len(f[1]) == 5 {
				h, _ := strconv.Atoi(f[1][1:3])
				m, _ := strconv.Atoi(f[1][3:5])
				off := h*3600 + m*60
				if f[1][0] == '-' {
					off = -off
				}
				loc = time.FixedZone(f[1], off)
			}
			id.Time = time.Unix(secs, 0).In(loc)
		}
	}
	return id
}

func parseCommit(id string, body []byte) *rawCommit {
	c := &rawCommit{ID: id, Parents: []string{}}
	head, msg, _ := bytes.Cut(body, []byte("\n\n"))
	c.Message = string(msg)
	for _, line := range strings.Split(string(head), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "tree":
			c.Tree = v
		case "parent":
			c.Parents = append(c.Parents, v)
		case "author":
			c.Author = parseIdent(v)
		case "committer":
			c.Committer = parseIdent(v)
		}
	}
	return c
}

// readCommits reads commit objects by id (or any revision that peels to a
// commit) in one cat-file process. Ids that are missing or not commits are
// absent from the result.
func readCommits(ctx context.Context, dir string, revs []string) (map[string]*rawCommit, error) {
	out := map[string]*rawCommit{}
	if len(revs) == 0 {
		return out, nil
	}
	var in bytes.Buffer
	for _, r := range revs {
		in.WriteString(r + "^{commit}\n")
	}
	raw, err := runGit(ctx, dir, &in, nil, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	for _, r := range revs {
		header, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("cat-file --batch: short output")
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			continue // "<rev> missing" or ambiguous
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("cat-file --batch: bad header %q", header)
		}
		body := make([]byte, size+1)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, fmt.Errorf("cat-file --batch: short object")
		}
		if f[1] == "commit" {
			out[r] = parseCommit(f[0], body[:size])
		}
	}
	return out, nil
}

// treeEntry is one ls-tree line.
type treeEntry struct {
	Mode, Type, ID, Path string
}

// lsTree lists a tree-ish (recursively with -r among args).
func lsTree(ctx context.Context, dir string, args ...string) ([]treeEntry, error) {
	out, err := runGit(ctx, dir, nil, nil, append([]string{"ls-tree", "-z", "--full-tree"}, args...)...)
	if err != nil {
		return nil, err
	}
	var entries []treeEntry
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok {
			continue
		}
		f := strings.Fields(string(meta))
		if len(f) != 3 {
			continue
		}
		entries = append(entries, treeEntry{Mode: f[0], Type: f[1], ID: f[2], Path: string(path)})
	}
	return entries, nil
}

// lookupPath finds the entry at path in a commit's tree; ok is false when
// there is none.
func lookupPath(ctx context.Context, dir, commit, path string) (treeEntry, bool, error) {
	entries, err := lsTree(ctx, dir, commit, "--", path)
	if err != nil {
		return treeEntry{}, false, err
	}
	for _, en := range entries {
		if en.Path == path {
			return en, true, nil
		}
	}
	return treeEntry{}, false, nil
}

// objectType returns an object's type, or "" when it does not exist.
func objectType(ctx context.Context, dir, id string) (string, error) {
	out, err := runGit(ctx, dir, nil, nil, "cat-file", "-t", id)
	if err != nil {
		if exitCode(err) > 0 {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
