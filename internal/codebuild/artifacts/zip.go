package artifacts

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// WriteZip writes files as a zip archive (deflated, modes and times kept,
// symlinks stored as links).
func WriteZip(w io.Writer, files []File) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		if st, err := os.Lstat(f.Path); err == nil {
			h.Modified = st.ModTime()
		}
		if f.Link != "" {
			h.SetMode(fs.ModeSymlink | 0o777)
			h.Method = zip.Store
			fw, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			if _, err := io.WriteString(fw, f.Link); err != nil {
				return err
			}
			continue
		}
		h.SetMode(f.Mode.Perm())
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		src, err := os.Open(f.Path)
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("add %s: %w", f.Name, err)
		}
	}
	return zw.Close()
}

// Limits bound an extraction.
type Limits struct {
	// Prefix, if set, extracts only the entries under it ("src/"), with
	// the prefix removed from their names.
	Prefix string
	// MaxBytes is the most uncompressed data written; 0 means 16 GiB.
	MaxBytes int64
	// MaxFiles is the most entries; 0 means 1,000,000.
	MaxFiles int
}

// ErrTooLarge is returned when an archive exceeds Limits.
var ErrTooLarge = errors.New("archive is too large to extract")

// EntryError is an archive entry refused by the zip-slip rules.
type EntryError struct {
	Name, Reason string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("refusing to extract %q: %s", e.Name, e.Reason)
}

// entryPath validates an entry name and returns the path under dest.
func entryPath(dest, name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	if n == "" || strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", &EntryError{name, "absolute path"}
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return "", &EntryError{name, "path leaves the destination"}
		}
	}
	clean := path.Clean(n)
	if clean == "." {
		return dest, nil
	}
	p := filepath.Join(dest, filepath.FromSlash(clean))
	if !within(dest, p) {
		return "", &EntryError{name, "path leaves the destination"}
	}
	return p, nil
}

// checkParent refuses writing through a symlink that leads out of dest (an
// archive that first plants "a -> /etc" and then writes "a/passwd").
func checkParent(dest, p, name string) error {
	rd, err := filepath.EvalSymlinks(dest)
	if err != nil {
		return err
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return err
	}
	if !within(rd, parent) {
		return &EntryError{name, "path leads through a symlink outside the destination"}
	}
	return nil
}

// Extract unpacks a zip archive into dest (which must exist), refusing any
// entry that would land outside it.
func Extract(r io.ReaderAt, size int64, dest string, lim Limits) error {
	if lim.MaxBytes == 0 {
		lim.MaxBytes = 16 << 30
	}
	if lim.MaxFiles == 0 {
		lim.MaxFiles = 1000000
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("read zip: %w", err)
	}
	if len(zr.File) > lim.MaxFiles {
		return ErrTooLarge
	}
	var written int64
	for _, f := range zr.File {
		name := f.Name
		if lim.Prefix != "" {
			rest, ok := strings.CutPrefix(name, lim.Prefix)
			if !ok || rest == "" {
				continue
			}
			name = rest
		}
		p, err := entryPath(dest, name)
		if err != nil {
			return err
		}
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			if err := checkParent(dest, filepath.Join(p, "x"), f.Name); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := checkParent(dest, p, f.Name); err != nil {
			return err
		}
		if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			// Never write through an existing link.
			if err := os.Remove(p); err != nil {
				return err
			}
		}
		if mode&fs.ModeSymlink != 0 {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			target, err := io.ReadAll(io.LimitReader(rc, 4096))
			rc.Close()
			if err != nil {
				return err
			}
			t := string(target)
			abs := t
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(filepath.Dir(p), t)
			}
			if filepath.IsAbs(t) || !within(dest, filepath.Clean(abs)) {
				return &EntryError{f.Name, "symlink points outside the destination"}
			}
			if err := os.Symlink(t, p); err != nil {
				return err
			}
			continue
		}
		perm := mode.Perm()
		if perm == 0 {
			perm = 0o644
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		out, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm|0o200)
		if err != nil {
			rc.Close()
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, lim.MaxBytes-written+1))
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("extract %s: %w", f.Name, err)
		}
		written += n
		if written > lim.MaxBytes {
			return ErrTooLarge
		}
		if !f.Modified.IsZero() {
			os.Chtimes(p, f.Modified, f.Modified)
		}
	}
	return nil
}

// ExtractFile unpacks the zip file at src into dest.
func ExtractFile(src, dest string, lim Limits) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return Extract(f, st.Size(), dest, lim)
}
