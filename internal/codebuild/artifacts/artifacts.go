// Package artifacts selects, packages and unpacks build files the way
// CodeBuild does: buildspec glob patterns ("**/*", "target/*.jar"),
// base-directory (itself a glob), discard-paths, exclude-paths and
// enable-symlinks for artifacts, reports and caches; zip writing; and zip
// extraction for S3 sources and pipeline input artifacts.
//
// Safety rules, which CodeBuild's container boundary gives it for free and
// a host runner has to enforce:
//   - patterns and base directories may not be absolute or contain "..";
//   - a symlink whose target lies outside the root is refused, followed or
//     stored (enable-symlinks) alike;
//   - extraction never writes outside its destination: entries with
//     absolute or ".." paths, and symlinks pointing out (or entries written
//     through them), are refused ("zip slip").
package artifacts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoMatch is CodeBuild's "no matching artifact paths found".
var ErrNoMatch = errors.New("no matching artifact paths found")

// Spec selects files: one primary or secondary artifact, or a report's
// files.
type Spec struct {
	Files          []string
	BaseDirectory  string
	DiscardPaths   bool
	ExcludePaths   []string
	EnableSymlinks bool
}

// File is one selected file.
type File struct {
	// Name is the path inside the artifact ('/'-separated).
	Name string
	// Path is the file on disk.
	Path string
	// Link is the symlink target when the file is stored as a symlink
	// (enable-symlinks); Path is then the link itself.
	Link string
	Mode fs.FileMode
	Size int64
}

// PathError is a pattern or file that breaks the safety rules.
type PathError struct {
	Path, Reason string
}

func (e *PathError) Error() string { return fmt.Sprintf("invalid path %s: %s", e.Path, e.Reason) }

// CheckPattern refuses absolute patterns and ones that climb out with "..".
func CheckPattern(p string) error {
	if p == "" {
		return &PathError{Path: `""`, Reason: "empty path"}
	}
	if strings.HasPrefix(p, "/") || filepath.IsAbs(p) || (len(p) > 1 && p[1] == ':') {
		return &PathError{Path: p, Reason: "absolute paths are not allowed"}
	}
	for _, seg := range strings.Split(filepath.ToSlash(p), "/") {
		if seg == ".." {
			return &PathError{Path: p, Reason: "paths may not leave the source directory"}
		}
	}
	return nil
}

func cleanPattern(p string) string {
	p = filepath.ToSlash(p)
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return strings.TrimSuffix(p, "/")
}

// Match reports whether name ('/'-separated, relative) matches pattern,
// where "*", "?" and "[...]" match within one path segment and a "**"
// segment matches any number of segments, including none.
func Match(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(ps, ns []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			rest := ps[1:]
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(ns); i++ {
				if matchSegs(rest, ns[i:]) {
					return true
				}
			}
			return false
		}
		if len(ns) == 0 {
			return false
		}
		if ok, err := path.Match(ps[0], ns[0]); err != nil || !ok {
			return false
		}
		ps, ns = ps[1:], ns[1:]
	}
	return len(ns) == 0
}

// matchDirPrefix reports whether pattern names a directory that contains
// name ("dist" or "dist/" selects everything under dist).
func matchDirPrefix(pattern, name string) bool {
	segs := strings.Split(name, "/")
	for i := 1; i < len(segs); i++ {
		if Match(pattern, strings.Join(segs[:i], "/")) {
			return true
		}
	}
	return false
}

// within reports whether p is root or inside it (both absolute and clean).
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// BaseDirs expands a base-directory glob relative to root. "" is root.
func BaseDirs(root, base string) ([]string, error) {
	base = cleanPattern(base)
	if base == "" || base == "." {
		return []string{root}, nil
	}
	if err := CheckPattern(base); err != nil {
		return nil, err
	}
	if !strings.ContainsAny(base, "*?[") {
		d := filepath.Join(root, filepath.FromSlash(base))
		if err := insideRoot(root, d); err != nil {
			return nil, err
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, nil
		}
		return []string{d}, nil
	}
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		isDir := d.IsDir()
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				isDir = true
			}
		}
		if !isDir {
			return nil
		}
		if Match(base, rel) {
			if err := insideRoot(root, p); err != nil {
				return err
			}
			out = append(out, p)
		}
		// Only descend as deep as the pattern could reach.
		if !strings.Contains(base, "**") && strings.Count(rel, "/") >= strings.Count(base, "/") {
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// insideRoot checks that p, with symlinks resolved, stays inside root.
func insideRoot(root, p string) error {
	rr, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	rp, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if !within(rr, rp) {
		rel, _ := filepath.Rel(root, p)
		return &PathError{Path: filepath.ToSlash(rel), Reason: "it resolves outside the source directory"}
	}
	return nil
}

// Collect selects the files of spec under root (CODEBUILD_SRC_DIR). It
// fails with ErrNoMatch when nothing matches, and with a *PathError when a
// pattern or symlink breaks the safety rules.
func Collect(root string, spec Spec) ([]File, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var pats, excl []string
	for _, f := range spec.Files {
		if err := CheckPattern(f); err != nil {
			return nil, err
		}
		pats = append(pats, cleanPattern(f))
	}
	for _, f := range spec.ExcludePaths {
		if err := CheckPattern(f); err != nil {
			return nil, err
		}
		excl = append(excl, cleanPattern(f))
	}
	bases, err := BaseDirs(root, spec.BaseDirectory)
	if err != nil {
		return nil, err
	}
	var out []File
	seen := map[string]bool{}
	for _, base := range bases {
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if p == base || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(base, p)
			rel = filepath.ToSlash(rel)
			if !selected(pats, rel) || excluded(excl, rel) {
				return nil
			}
			f := File{Name: rel, Path: p}
			if spec.DiscardPaths {
				f.Name = path.Base(rel)
			}
			if d.Type()&fs.ModeSymlink != 0 {
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				abs := target
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(filepath.Dir(p), target)
				}
				if !within(root, filepath.Clean(abs)) || insideRoot(root, p) != nil {
					return &PathError{Path: rel, Reason: "symlink points outside the source directory"}
				}
				if spec.EnableSymlinks {
					f.Link, f.Mode = target, fs.ModeSymlink|0o777
					out = append(out, f)
					return nil
				}
				st, err := os.Stat(p)
				if err != nil || st.IsDir() {
					return nil // dangling link, or a directory: not followed
				}
				f.Mode, f.Size = st.Mode(), st.Size()
			} else if d.Type().IsRegular() {
				info, err := d.Info()
				if err != nil {
					return nil
				}
				f.Mode, f.Size = info.Mode(), info.Size()
			} else {
				return nil // devices, sockets, pipes
			}
			if seen[f.Name] {
				return nil // discard-paths collisions: the first wins
			}
			seen[f.Name] = true
			out = append(out, f)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, ErrNoMatch
	}
	return out, nil
}

func selected(pats []string, rel string) bool {
	for _, p := range pats {
		if Match(p, rel) || matchDirPrefix(p, rel) {
			return true
		}
	}
	return false
}

func excluded(pats []string, rel string) bool {
	for _, p := range pats {
		if Match(p, rel) || matchDirPrefix(p, rel) {
			return true
		}
	}
	return false
}
