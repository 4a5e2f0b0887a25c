package s3

import (
	"context"
	"strings"

	"github.com/skiff-dev/skiff/internal/store"
)

// ListOptions select a page of keys (ListObjects, ListObjectsV2).
type ListOptions struct {
	Prefix    string
	Delimiter string
	// MaxKeys bounds keys plus common prefixes; 0 lists nothing; values
	// outside 0..1000 mean 1000.
	MaxKeys int
	// After starts strictly after this key (start-after, marker).
	After string
	// ContinuationToken resumes a ListObjectsV2 listing; it wins over After.
	ContinuationToken string
}

// ListResult is a page of keys.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// NextContinuationToken resumes after this page (when truncated).
	NextContinuationToken string
	// NextMarker is the last key or common prefix returned (when
	// truncated).
	NextMarker string
}

const defaultMaxKeys = 1000

func clampMax(n int) int {
	if n < 0 || n > defaultMaxKeys {
		return defaultMaxKeys
	}
	return n
}

// ListObjects lists the current versions of keys in byte order, skipping
// keys whose current version is a delete marker and grouping keys that
// share a prefix up to the delimiter into common prefixes.
func (e *Engine) ListObjects(ctx context.Context, bucket string, opts ListOptions) (*ListResult, error) {
	after := opts.After
	if opts.ContinuationToken != "" {
		t, ok := decodeToken(opts.ContinuationToken)
		if !ok {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", opts.ContinuationToken)
		}
		after = t
	}
	max := clampMax(opts.MaxKeys)
	res := &ListResult{}
	if max == 0 {
		_, err := e.viewBucket(ctx, bucket)
		return res, err
	}
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		last := ""
		truncated, err := walkKeys(tx, bucket, opts.Prefix, opts.Delimiter, after, max,
			func(rec *objRec) bool { return !rec.Versions[0].DeleteMarker },
			func(key string, rec *objRec, room int) (int, bool) {
				res.Objects = append(res.Objects, *objectInfo(b, key, &rec.Versions[0], true))
				last = key
				return 1, false
			},
			func(cp string) {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				last = cp
			})
		if err != nil {
			return err
		}
		if truncated {
			res.IsTruncated = true
			res.NextMarker = last
			res.NextContinuationToken = encodeToken(last)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// walkKeys visits the keys of a bucket that have the prefix and sort
// after `after`, in byte order. Keys whose remainder after the prefix
// contains the delimiter fold into one common prefix (reported by cpFn,
// skipped when it sorts at or before `after`). visible decides whether a
// key takes part at all. fn emits entries for a key, at most room of
// them, and returns how many it emitted and whether it had more (which
// truncates the listing there). Once max entries are emitted, the listing
// is truncated if any further entry exists.
func walkKeys(tx store.Tx, bucket, prefix, delim, after string, max int,
	visible func(*objRec) bool,
	fn func(key string, rec *objRec, room int) (int, bool),
	cpFn func(cp string)) (truncated bool, err error) {
	base := bucket + "/"
	count := 0
	pos := after
	if pos < prefix {
		pos = ""
	}
	for {
		jump := ""
		stop := false
		err := tx.Scan(tObj, store.ScanOptions{Prefix: base + prefix, After: afterKey(base, pos)}, func(k string, val []byte) error {
			key := k[len(base):]
			var rec objRec
			if err := jsonUnmarshal(val, &rec); err != nil {
				return err
			}
			if len(rec.Versions) == 0 || !visible(&rec) {
				return nil
			}
			if delim != "" {
				if i := strings.Index(key[len(prefix):], delim); i >= 0 {
					cp := key[:len(prefix)+i+len(delim)]
					jump = cp + "\xff"
					if cp <= after {
						return store.ErrStop
					}
					if count >= max {
						truncated, stop = true, true
						return store.ErrStop
					}
					cpFn(cp)
					count++
					return store.ErrStop
				}
			}
			if count >= max {
				truncated, stop = true, true
				return store.ErrStop
			}
			used, more := fn(key, &rec, max-count)
			count += used
			if more {
				truncated, stop = true, true
				return store.ErrStop
			}
			return nil
		})
		if err != nil || stop || jump == "" {
			return truncated, err
		}
		pos = jump
	}
}

func afterKey(base, pos string) string {
	if pos == "" {
		return ""
	}
	return base + pos
}

// VersionListOptions select a page of ListObjectVersions.
type VersionListOptions struct {
	Prefix          string
	Delimiter       string
	MaxKeys         int
	KeyMarker       string
	VersionIDMarker string
}

// VersionListResult is a page of versions and delete markers, by key and
// newest first within a key.
type VersionListResult struct {
	Versions            []ObjectInfo // DeleteMarker set for delete markers
	CommonPrefixes      []string
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
}

// ListObjectVersions lists every version and delete marker.
func (e *Engine) ListObjectVersions(ctx context.Context, bucket string, opts VersionListOptions) (*VersionListResult, error) {
	max := clampMax(opts.MaxKeys)
	res := &VersionListResult{}
	if max == 0 {
		_, err := e.viewBucket(ctx, bucket)
		return res, err
	}
	if opts.VersionIDMarker != "" && opts.KeyMarker == "" {
		return nil, invalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", opts.VersionIDMarker)
	}
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		lastKey, lastVer := "", ""
		emit := func(key string, rec *objRec, from, room int) (int, bool) {
			n := 0
			for i := from; i < len(rec.Versions); i++ {
				if n == room {
					return n, true
				}
				v := &rec.Versions[i]
				oi := objectInfo(b, key, v, i == 0)
				if oi.VersionID == "" {
					oi.VersionID = nullVersion
				}
				res.Versions = append(res.Versions, *oi)
				lastKey, lastVer = key, oi.VersionID
				n++
			}
			return n, false
		}
		count := 0
		if opts.VersionIDMarker != "" && strings.HasPrefix(opts.KeyMarker, opts.Prefix) {
			rec, err := getObj(tx, bucket, opts.KeyMarker)
			if err != nil {
				return err
			}
			if rec != nil {
				from := len(rec.Versions)
				if i, _ := rec.find(opts.VersionIDMarker); i >= 0 {
					from = i + 1
				}
				used, more := emit(opts.KeyMarker, rec, from, max)
				count += used
				if more {
					res.IsTruncated = true
				}
			}
		}
		if !res.IsTruncated {
			truncated, err := walkKeys(tx, bucket, opts.Prefix, opts.Delimiter, opts.KeyMarker, max-count,
				func(*objRec) bool { return true },
				func(key string, rec *objRec, room int) (int, bool) { return emit(key, rec, 0, room) },
				func(cp string) {
					res.CommonPrefixes = append(res.CommonPrefixes, cp)
					lastKey, lastVer = cp, ""
				})
			if err != nil {
				return err
			}
			res.IsTruncated = truncated
		}
		if res.IsTruncated {
			res.NextKeyMarker, res.NextVersionIDMarker = lastKey, lastVer
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
