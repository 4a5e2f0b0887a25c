// Package bundle unpacks revision archives (zip, tar, tgz) safely and
// installs a revision's files as the CodeDeploy agent's Install step does.
//
// Unpacking refuses entries that would land outside the target directory
// ("zip slip": absolute names, "..", writing through a symbolic link the
// archive itself created), symbolic links that point outside the revision,
// device files, and archives that expand beyond the configured limits.
package bundle

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Bundle types of an S3 revision.
const (
	Zip = "zip"
	Tar = "tar"
	Tgz = "tgz"
)

// Limits bound what an archive may expand to.
type Limits struct {
	// MaxBytes is the most the archive's files may hold in total; 0
	// means 4 GiB.
	MaxBytes int64
	// MaxEntries is the most entries it may have; 0 means 200,000.
	MaxEntries int
}

// InvalidError is an archive that cannot be unpacked: not of its bundle
// type, corrupt, or unsafe. Its message is meant for users.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Extract unpacks the archive in file (of bundleType) into dir, which must
// exist and be empty.
func Extract(file, bundleType, dir string, lim Limits) error {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = 4 << 30
	}
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = 200000
	}
	x := &extractor{dir: dir, lim: lim, links: map[string]bool{}}
	switch bundleType {
	case Zip:
		return x.zip(file)
	case Tar:
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		return x.tar(bufio.NewReader(f), "tar")
	case Tgz:
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return invalid("The revision is not a valid tgz archive: %v", err)
		}
		defer gz.Close()
		return x.tar(gz, "tgz")
	}
	return invalid("The bundle type %q is not supported for a Server deployment; use zip, tar or tgz.", bundleType)
}

type extractor struct {
	dir     string
	lim     Limits
	total   int64
	entries int
	// links are the symbolic links this archive created (relative paths):
	// nothing may be written through them.
	links map[string]bool
}

// target checks an entry name and returns its path relative to dir ("" for
// the root itself).
func (x *extractor) target(name string) (string, error) {
	x.entries++
	if x.entries > x.lim.MaxEntries {
		return "", invalid("The revision has more than %d entries.", x.lim.MaxEntries)
	}
	n := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", invalid("The revision has an entry with an absolute path (%s), which would be written outside the revision.", name)
	}
	clean := path.Clean(n)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", invalid("The revision has an entry whose path (%s) escapes the revision directory.", name)
	}
	if clean == "." {
		return "", nil
	}
	// Refuse to write through a link made by this archive.
	for p := path.Dir(clean); p != "."; p = path.Dir(p) {
		if x.links[p] {
			return "", invalid("The revision has an entry (%s) that would be written through the symbolic link %s.", name, p)
		}
	}
	if x.links[clean] {
		return "", invalid("The revision has an entry (%s) that would replace the symbolic link it also contains.", name)
	}
	return clean, nil
}

func (x *extractor) mkdirAll(rel string, mode fs.FileMode) error {
	if rel == "" {
		return nil
	}
	return os.MkdirAll(filepath.Join(x.dir, filepath.FromSlash(rel)), mode|0o700)
}

func (x *extractor) writeFile(rel string, mode fs.FileMode, r io.Reader) error {
	if err := x.mkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	p := filepath.Join(x.dir, filepath.FromSlash(rel))
	if st, err := os.Lstat(p); err == nil && st.IsDir() {
		return invalid("The revision has a file %s where it also has a directory.", rel)
	}
	os.Remove(p)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm()|0o600)
	if err != nil {
		return err
	}
	remaining := x.lim.MaxBytes - x.total
	n, err := io.Copy(f, io.LimitReader(r, remaining+1))
	x.total += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ie *InvalidError
		if errors.As(err, &ie) {
			return err
		}
		return invalid("The revision archive is corrupt: %s: %v", rel, err)
	}
	if x.total > x.lim.MaxBytes {
		return invalid("The revision expands to more than %d bytes.", x.lim.MaxBytes)
	}
	return os.Chmod(p, mode.Perm())
}

func (x *extractor) symlink(rel, target string) error {
	t := strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(t, "/") {
		return invalid("The revision has a symbolic link %s to an absolute path (%s), outside the revision.", rel, target)
	}
	resolved := path.Clean(path.Join(path.Dir(rel), t))
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return invalid("The revision has a symbolic link %s that points outside the revision (%s).", rel, target)
	}
	if err := x.mkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	p := filepath.Join(x.dir, filepath.FromSlash(rel))
	os.Remove(p)
	x.links[rel] = true
	return os.Symlink(target, p)
}

func (x *extractor) zip(file string) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return invalid("The revision is not a valid zip archive: %v", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rel, err := x.target(f.Name)
		if err != nil {
			return err
		}
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := x.mkdirAll(rel, 0o755); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			rc, err := f.Open()
			if err != nil {
				return invalid("The revision archive is corrupt: %s: %v", f.Name, err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, 4096))
			rc.Close()
			if err != nil {
				return invalid("The revision archive is corrupt: %s: %v", f.Name, err)
			}
			if err := x.symlink(rel, string(b)); err != nil {
				return err
			}
		case mode.IsRegular():
			if rel == "" {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return invalid("The revision archive is corrupt: %s: %v", f.Name, err)
			}
			perm := mode.Perm()
			if perm == 0 {
				// Archives made on Windows carry no Unix mode.
				perm = 0o644
			}
			err = x.writeFile(rel, perm, rc)
			rc.Close()
			if err != nil {
				return err
			}
		default:
			return invalid("The revision has an entry (%s) that is not a file, directory or symbolic link.", f.Name)
		}
	}
	return nil
}

func (x *extractor) tar(r io.Reader, kind string) error {
	tr := tar.NewReader(r)
	seen := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			if !seen {
				return invalid("The revision is not a valid %s archive: it is empty.", kind)
			}
			return nil
		}
		if err != nil {
			return invalid("The revision is not a valid %s archive: %v", kind, err)
		}
		seen = true
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		rel, err := x.target(h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := x.mkdirAll(rel, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if rel == "" {
				continue
			}
			if err := x.writeFile(rel, fs.FileMode(h.Mode).Perm(), tr); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := x.symlink(rel, h.Linkname); err != nil {
				return err
			}
		case tar.TypeLink:
			src, err := x.target(h.Linkname)
			if err != nil || src == "" {
				return invalid("The revision has a hard link %s that points outside the revision (%s).", h.Name, h.Linkname)
			}
			x.entries--
			b, err := os.ReadFile(filepath.Join(x.dir, filepath.FromSlash(src)))
			if err != nil {
				return invalid("The revision has a hard link %s to %s, which comes later or is missing.", h.Name, h.Linkname)
			}
			if err := x.writeFile(rel, 0o644, bytes.NewReader(b)); err != nil {
				return err
			}
		default:
			return invalid("The revision has an entry (%s) that is not a file, directory or link.", h.Name)
		}
	}
}

// FindAppSpec returns the directory of an unpacked revision that holds
// appspec.yml (or appspec.yaml): dir itself, or — as the agent's nested
// AppSpec handling does — its only subdirectory when the archive wraps the
// revision in one top-level directory.
func FindAppSpec(dir string) (root, file string, err error) {
	for _, name := range []string{"appspec.yml", "appspec.yaml"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return dir, p, nil
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 1 && entries[0].IsDir() {
		sub := filepath.Join(dir, entries[0].Name())
		for _, name := range []string{"appspec.yml", "appspec.yaml"} {
			p := filepath.Join(sub, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return sub, p, nil
			}
		}
	}
	return "", "", invalid(`The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path "appspec.yml". The revision was unpacked, and the AppSpec file was expected but not found at its root.`)
}
