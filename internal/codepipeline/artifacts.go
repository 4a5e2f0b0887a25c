package codepipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Artifacts travel through the artifact store as zip files, as in
// CodePipeline. These helpers read one file out of an input artifact and
// write output artifacts.

// maxArtifactRead bounds how much of an artifact skiff reads into memory
// (templates, configuration files).
const maxArtifactRead = 256 << 20

// readInput reads a whole input artifact.
func readInput(ctx context.Context, job *Job, name string) ([]byte, error) {
	rc, err := job.OpenInput(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxArtifactRead+1))
	if err != nil {
		return nil, fmt.Errorf("read input artifact %s: %w", name, err)
	}
	if len(b) > maxArtifactRead {
		return nil, fmt.Errorf("input artifact %s is larger than %d MiB", name, maxArtifactRead>>20)
	}
	return b, nil
}

// fileInZip returns one file of a zip. An artifact that is not a zip is
// taken as the file itself when name is its only possible content.
func fileInZip(data []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("the artifact is not a zip file")
	}
	want := path.Clean(strings.TrimPrefix(name, "./"))
	for _, f := range zr.File {
		if path.Clean(f.Name) == want {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, maxArtifactRead))
		}
	}
	return nil, fmt.Errorf("file %s does not exist in the artifact", name)
}

// artifactFile reads "ArtifactName::path/in/zip" from an action's inputs.
func artifactFile(ctx context.Context, job *Job, ref, what string) ([]byte, error) {
	art, file, ok := strings.Cut(ref, "::")
	if !ok || art == "" || file == "" {
		return nil, fmt.Errorf("%s %q must be ArtifactName::FileName", what, ref)
	}
	data, err := readInput(ctx, job, art)
	if err != nil {
		return nil, err
	}
	b, err := fileInZip(data, file)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", what, ref, err)
	}
	return b, nil
}

// zipFiles builds a zip of named contents.
func zipFiles(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipDir writes a directory tree (symlinks as links, modes kept) as a zip.
func zipDir(w io.Writer, root string) error {
	zw := zip.NewWriter(w)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			h.Name += "/"
			_, err := zw.CreateHeader(h)
			return err
		}
		h.Method = zip.Deflate
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_, err = fw.Write([]byte(target))
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(fw, f)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}
