package s3

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/skiff-dev/skiff/internal/store"
)

// CopySource names the object a copy reads, with the
// x-amz-copy-source-if-* conditions (any failing one is a 412).
type CopySource struct {
	Bucket, Key, VersionID string
	Conditions             Conditions
}

// ParseCopySource reads an x-amz-copy-source value: "bucket/key" or
// "/bucket/key", URL-encoded, optionally followed by "?versionId=…".
func ParseCopySource(v string) (CopySource, error) {
	bad := func() (CopySource, error) {
		return CopySource{}, invalidArgument("Invalid copy source object key", "x-amz-copy-source", v)
	}
	path, query, _ := strings.Cut(v, "?")
	path = strings.TrimPrefix(path, "/")
	b, k, ok := strings.Cut(path, "/")
	if !ok || b == "" || k == "" {
		return bad()
	}
	var cs CopySource
	var err error
	if cs.Bucket, err = pathUnescape(b); err != nil {
		return bad()
	}
	if cs.Key, err = pathUnescape(k); err != nil {
		return bad()
	}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			name, val, _ := strings.Cut(kv, "=")
			if name == "versionId" {
				if cs.VersionID, err = pathUnescape(val); err != nil || cs.VersionID == "" {
					return bad()
				}
			}
		}
	}
	if len(cs.Key) > MaxKeyLength {
		return CopySource{}, keyTooLong(cs.Key)
	}
	return cs, nil
}

// openCopySource opens the source of a copy and checks its conditions.
func (e *Engine) openCopySource(ctx context.Context, src CopySource) (*Object, error) {
	o, err := e.openObject(ctx, src.Bucket, src.Key, src.VersionID, "GET")
	if err != nil {
		var dm *DeleteMarkerError
		if errors.As(err, &dm) && src.VersionID != "" {
			return nil, errInvalidRequest.New("The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return nil, err
	}
	notModified, cerr := src.Conditions.Check(o.Info.ETag, o.Info.LastModified)
	if cerr != nil || notModified {
		o.Close()
		var cond string
		switch {
		case cerr != nil && src.Conditions.IfMatch != "":
			cond = "x-amz-copy-source-If-Match"
		case cerr != nil:
			cond = "x-amz-copy-source-If-Unmodified-Since"
		case src.Conditions.IfNoneMatch != "":
			cond = "x-amz-copy-source-If-None-Match"
		default:
			cond = "x-amz-copy-source-If-Modified-Since"
		}
		return nil, preconditionFailed(cond)
	}
	return o, nil
}

// Directives of CopyObject.
const (
	DirectiveCopy    = "COPY"
	DirectiveReplace = "REPLACE"
)

// CopyOptions are the settings of CopyObject.
type CopyOptions struct {
	Source CopySource
	// MetadataDirective COPY (default) keeps the source's content headers
	// and user metadata; REPLACE takes them from Put.
	MetadataDirective string
	// TaggingDirective COPY (default) keeps the source's tags; REPLACE
	// takes Put.Tags.
	TaggingDirective string
	// Put holds the destination's settings: storage class, encryption,
	// ACL, checksum algorithm and write conditions always apply.
	Put PutOptions
}

// CopyResult is the outcome of CopyObject.
type CopyResult struct {
	Object          *ObjectInfo
	SourceVersionID string
}

// CopyObject copies an object (version) to bucket/key. The bytes are
// copied, so the new object is independent of the source.
func (e *Engine) CopyObject(ctx context.Context, bucket, key string, opts CopyOptions) (*CopyResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	md, td := strings.ToUpper(opts.MetadataDirective), strings.ToUpper(opts.TaggingDirective)
	if md == "" {
		md = DirectiveCopy
	}
	if td == "" {
		td = DirectiveCopy
	}
	if md != DirectiveCopy && md != DirectiveReplace {
		return nil, invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", opts.MetadataDirective)
	}
	if td != DirectiveCopy && td != DirectiveReplace {
		return nil, invalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", opts.TaggingDirective)
	}
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if err := opts.Put.validate(b); err != nil {
		return nil, err
	}
	o, err := e.openCopySource(ctx, opts.Source)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	src := o.Info
	sameObject := opts.Source.Bucket == bucket && opts.Source.Key == key && src.IsLatest
	if sameObject && md == DirectiveCopy && opts.Put.StorageClass == "" && opts.Put.SSE == "" &&
		opts.Put.WebsiteRedirectLocation == "" && opts.Put.SSEKMSKeyID == "" {
		return nil, errInvalidRequest.New("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if src.Size > MaxPutSize {
		return nil, errInvalidRequest.New("The specified copy source is larger than the maximum allowable size for a copy source: %d", MaxPutSize)
	}
	po := opts.Put
	if md == DirectiveCopy {
		po.ContentType, po.CacheControl, po.ContentDisposition = src.ContentType, src.CacheControl, src.ContentDisposition
		po.ContentEncoding, po.ContentLanguage, po.Expires = src.ContentEncoding, src.ContentLanguage, src.Expires
		po.Metadata = src.Metadata
		if po.WebsiteRedirectLocation == "" {
			po.WebsiteRedirectLocation = src.WebsiteRedirectLocation
		}
	}
	if td == DirectiveCopy {
		po.Tags = o.v.Tags
	}
	alg := po.ChecksumAlgorithm
	if alg == "" {
		alg = src.ChecksumAlgorithm
	}
	if alg == "" {
		alg = CRC64NVME
	}
	rd := o.Range(0, src.Size)
	r, err := e.receive(ctx, rd, &PutOptions{}, alg, MaxPutSize)
	rd.Close()
	if err != nil {
		return nil, err
	}
	v := po.newVersion(b, e.now())
	v.Size, v.ETag = r.size, r.md5
	v.ChecksumAlgorithm, v.Checksum, v.ChecksumType = alg, r.checksum, FullObject
	if r.blob != "" {
		v.Segments = []segment{{Blob: r.blob, Size: r.size}}
	}
	info, err := e.commitVersion(ctx, bucket, key, v, po.IfMatch, po.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return &CopyResult{Object: info, SourceVersionID: src.VersionID}, nil
}

// GetObjectTagging returns a version's tags and the version id.
func (e *Engine) GetObjectTagging(ctx context.Context, bucket, key, versionID string) ([]Tag, string, error) {
	var tags []Tag
	var vid string
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		v, latest, err := selectVersion(b, rec, key, versionID, "GET")
		if err != nil {
			return err
		}
		tags = v.Tags
		vid = objectInfo(b, key, v, latest).VersionID
		return nil
	})
	return tags, vid, err
}

// PutObjectTagging replaces a version's tags (nil removes them) and
// returns the version id.
func (e *Engine) PutObjectTagging(ctx context.Context, bucket, key, versionID string, tags []Tag) (string, error) {
	if err := validateTags(tags, 10, false); err != nil {
		return "", err
	}
	var vid string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		v, latest, err := selectVersion(b, rec, key, versionID, "PUT")
		if err != nil {
			return err
		}
		v.Tags = tags
		vid = objectInfo(b, key, v, latest).VersionID
		return putObj(tx, bucket, key, rec)
	})
	return vid, err
}

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }
