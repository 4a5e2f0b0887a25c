package s3

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Object bytes live in files under blobDir:
//
//	blobDir/tmp/<random>          uploads being received
//	blobDir/data/<xx>/<32 hex>    committed blobs, named once, never rewritten
//
// A write streams into tmp, is fsynced, renamed into data/ under a fresh
// name, and only then is the metadata committed in the state store. A blob
// is owned by exactly one object version or one multipart part; the blobs a
// transaction replaced are removed after it commits. Blobs no metadata
// references (a crash between rename and commit) are removed by New.

type blobs struct {
	dir string

	mu     sync.Mutex
	pins   map[string]int  // blob → open readers
	doomed map[string]bool // blobs to remove when their last reader closes
	shards sync.Map        // created shard directories
}

func newBlobs(dir string) (*blobs, error) {
	for _, d := range []string{dir, filepath.Join(dir, "tmp"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("s3: create blob directory: %w", err)
		}
	}
	return &blobs{dir: dir, pins: map[string]int{}, doomed: map[string]bool{}}, nil
}

func newBlobName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validBlobName(name string) bool {
	if len(name) != 32 {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil
}

func (b *blobs) path(name string) string {
	return filepath.Join(b.dir, "data", name[:2], name)
}

// blobFile is a blob being written.
type blobFile struct {
	b    *blobs
	f    *os.File
	tmp  string
	done bool
}

// create starts a new temporary blob.
func (b *blobs) create() (*blobFile, error) {
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "up-*")
	if err != nil {
		return nil, fmt.Errorf("s3: create temporary blob: %w", err)
	}
	return &blobFile{b: b, f: f, tmp: f.Name()}, nil
}

func (w *blobFile) Write(p []byte) (int, error) { return w.f.Write(p) }

// discard removes the temporary file (safe to call after commit).
func (w *blobFile) discard() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.tmp)
}

// commit makes the blob durable under a fresh name and returns the name.
func (w *blobFile) commit() (string, error) {
	if w.done {
		return "", errors.New("s3: blob already finished")
	}
	w.done = true
	fail := func(err error) (string, error) {
		w.f.Close()
		os.Remove(w.tmp)
		return "", fmt.Errorf("s3: store blob: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fail(err)
	}
	if err := w.f.Close(); err != nil {
		return fail(err)
	}
	name := newBlobName()
	shard := filepath.Join(w.b.dir, "data", name[:2])
	if _, ok := w.b.shards.Load(shard); !ok {
		if err := os.MkdirAll(shard, 0o700); err != nil {
			return fail(err)
		}
		syncDir(filepath.Join(w.b.dir, "data"))
		w.b.shards.Store(shard, true)
	}
	if err := os.Rename(w.tmp, w.b.path(name)); err != nil {
		return fail(err)
	}
	syncDir(shard)
	return name, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// remove deletes blobs now, or when their last reader closes.
func (b *blobs) remove(names ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range names {
		if n == "" {
			continue
		}
		if b.pins[n] > 0 {
			b.doomed[n] = true
			continue
		}
		os.Remove(b.path(n))
	}
}

// pin keeps blobs from being removed until unpin. It reports false (and
// pins nothing) when one of them is already gone.
func (b *blobs) pin(names []string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range names {
		if n == "" {
			continue
		}
		if b.pins[n] == 0 {
			if _, err := os.Stat(b.path(n)); err != nil {
				// Undo the pins taken so far.
				for _, m := range names {
					if m == n {
						break
					}
					b.unpinLocked(m)
				}
				return false
			}
		}
		b.pins[n]++
	}
	return true
}

func (b *blobs) unpin(names []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range names {
		b.unpinLocked(n)
	}
}

func (b *blobs) unpinLocked(n string) {
	if n == "" {
		return
	}
	b.pins[n]--
	if b.pins[n] > 0 {
		return
	}
	delete(b.pins, n)
	if b.doomed[n] {
		delete(b.doomed, n)
		os.Remove(b.path(n))
	}
}

// gc removes temporary files and every blob not in live.
func (b *blobs) gc(live map[string]bool) (removed int, err error) {
	tmp := filepath.Join(b.dir, "tmp")
	if ents, err := os.ReadDir(tmp); err == nil {
		for _, e := range ents {
			if os.RemoveAll(filepath.Join(tmp, e.Name())) == nil {
				removed++
			}
		}
	}
	err = filepath.WalkDir(filepath.Join(b.dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			return nil
		}
		if !live[name] {
			if os.Remove(p) == nil {
				removed++
			}
		}
		return nil
	})
	return removed, err
}

// segmentsReader reads a byte range of an object stored as consecutive
// blob segments, opening each file only when reading reaches it.
type segmentsReader struct {
	b      *blobs
	segs   []segment
	i      int   // current segment
	off    int64 // offset within the current segment
	left   int64 // bytes left to return
	f      *os.File
	onDone func()
	closed bool
}

func (r *segmentsReader) Read(p []byte) (int, error) {
	for {
		if r.left <= 0 {
			return 0, io.EOF
		}
		if r.i >= len(r.segs) {
			return 0, io.ErrUnexpectedEOF
		}
		s := r.segs[r.i]
		if r.off >= s.Size {
			r.next()
			continue
		}
		if r.f == nil {
			f, err := os.Open(r.b.path(s.Blob))
			if err != nil {
				return 0, fmt.Errorf("s3: open blob: %w", err)
			}
			if r.off > 0 {
				if _, err := f.Seek(r.off, io.SeekStart); err != nil {
					f.Close()
					return 0, err
				}
			}
			r.f = f
		}
		want := min(int64(len(p)), s.Size-r.off, r.left)
		n, err := r.f.Read(p[:want])
		r.off += int64(n)
		r.left -= int64(n)
		if err == io.EOF {
			if r.off < s.Size {
				return n, io.ErrUnexpectedEOF
			}
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

func (r *segmentsReader) next() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	r.i++
	r.off = 0
}

func (r *segmentsReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	if r.onDone != nil {
		r.onDone()
	}
	return nil
}
