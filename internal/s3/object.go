package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/store"
)

// MaxPutSize is the largest object a single PutObject (or one part) may
// carry: 5 GiB.
const MaxPutSize = 5 << 30

// PutOptions are the settings of an object write.
type PutOptions struct {
	ContentType             string            `json:"ct,omitempty"`
	CacheControl            string            `json:"cc,omitempty"`
	ContentDisposition      string            `json:"cd,omitempty"`
	ContentEncoding         string            `json:"ce,omitempty"`
	ContentLanguage         string            `json:"cl,omitempty"`
	Expires                 string            `json:"exp,omitempty"`
	WebsiteRedirectLocation string            `json:"wr,omitempty"`
	Metadata                map[string]string `json:"meta,omitempty"` // user metadata, lower-case keys without x-amz-meta-
	Tags                    []Tag             `json:"tags,omitempty"`
	StorageClass            string            `json:"sc,omitempty"`
	// ACL is a canned ACL; buckets with BucketOwnerEnforced ownership
	// accept only private and bucket-owner-full-control.
	ACL string `json:"acl,omitempty"`
	// ACLGrants reports explicit x-amz-grant-* grants, which need ACLs
	// enabled on the bucket.
	ACLGrants bool `json:"grants,omitempty"`
	// SSE is the server-side encryption (AES256, aws:kms, aws:kms:dsse);
	// "" means the bucket's default.
	SSE              string `json:"sse,omitempty"`
	SSEKMSKeyID      string `json:"kms,omitempty"`
	BucketKeyEnabled *bool  `json:"bk,omitempty"`

	// ContentLength, when set, is the exact length the body must have.
	ContentLength *int64 `json:"-"`
	// ContentMD5 is the base64 MD5 the body must match (BadDigest).
	ContentMD5 string `json:"-"`
	// ChecksumAlgorithm is computed and stored with the object; "" means
	// CRC64NVME, as S3 does for uploads that name none.
	ChecksumAlgorithm string `json:"ca,omitempty"`
	// ChecksumType is FULL_OBJECT or COMPOSITE (multipart uploads only).
	ChecksumType string `json:"ctype,omitempty"`
	// Checksum is the base64 value the body must match.
	Checksum string `json:"-"`
	// TrailingChecksum, if set, is called after the body has been read and
	// returns the expected checksum sent after it (aws-chunked trailers).
	TrailingChecksum func() string `json:"-"`
	// IfMatch and IfNoneMatch ("*") make the write conditional.
	IfMatch     string `json:"-"`
	IfNoneMatch string `json:"-"`
}

// ObjectInfo describes an object version.
type ObjectInfo struct {
	Bucket, Key string
	// VersionID is "" in buckets that never had versioning, else the
	// version id ("null" for versions written while it was off or
	// suspended).
	VersionID    string
	IsLatest     bool
	DeleteMarker bool
	Size         int64
	ETag         string // quoted, as S3 sends it
	LastModified time.Time

	ContentType             string
	CacheControl            string
	ContentDisposition      string
	ContentEncoding         string
	ContentLanguage         string
	Expires                 string
	WebsiteRedirectLocation string
	Metadata                map[string]string
	TagCount                int
	StorageClass            string

	ChecksumAlgorithm string
	Checksum          string
	ChecksumType      string
	// PartsCount is the number of parts of a multipart object (0 otherwise).
	PartsCount int

	SSE              string
	SSEKMSKeyID      string
	BucketKeyEnabled bool

	Owner Owner
}

func objectInfo(b *bucketRec, key string, v *version, latest bool) *ObjectInfo {
	oi := &ObjectInfo{
		Bucket: b.Name, Key: key, IsLatest: latest, DeleteMarker: v.DeleteMarker,
		Size: v.Size, LastModified: v.LastModified,
		ContentType: v.ContentType, CacheControl: v.CacheControl, ContentDisposition: v.ContentDisposition,
		ContentEncoding: v.ContentEncoding, ContentLanguage: v.ContentLanguage, Expires: v.Expires,
		WebsiteRedirectLocation: v.WebsiteRedirect,
		Metadata:                v.Metadata, TagCount: len(v.Tags), StorageClass: v.StorageClass,
		ChecksumAlgorithm: v.ChecksumAlgorithm, Checksum: v.Checksum, ChecksumType: v.ChecksumType,
		SSE: v.SSE, SSEKMSKeyID: v.SSEKMSKeyID, BucketKeyEnabled: v.BucketKey,
		Owner: ownerOf(b.Account),
	}
	if v.ETag != "" {
		oi.ETag = `"` + v.ETag + `"`
	}
	if v.Multipart {
		oi.PartsCount = len(v.Segments)
	}
	if oi.StorageClass == "" && !v.DeleteMarker {
		oi.StorageClass = "STANDARD"
	}
	if b.Versioning != VersioningOff {
		oi.VersionID = v.ID
	}
	return oi
}

func getObj(tx store.Tx, bucket, key string) (*objRec, error) {
	var rec objRec
	if err := tx.Get(tObj, objKey(bucket, key), &rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	if len(rec.Versions) == 0 {
		return nil, nil
	}
	return &rec, nil
}

func putObj(tx store.Tx, bucket, key string, rec *objRec) error {
	if rec == nil || len(rec.Versions) == 0 {
		return tx.Delete(tObj, objKey(bucket, key))
	}
	return tx.Put(tObj, objKey(bucket, key), rec)
}

func newVersionID() string { return randomID(32) }

// validate checks the options against S3's rules and the bucket.
func (o *PutOptions) validate(b *bucketRec) error {
	if o.StorageClass != "" && !storageClasses[o.StorageClass] {
		return errInvalidStorageClass.New("The storage class you specified is not valid").With("StorageClassRequested", o.StorageClass)
	}
	size := 0
	for k, v := range o.Metadata {
		size += len(k) + len(v)
	}
	if size > 2048 {
		return errMetadataTooLarge.New("Your metadata headers exceed the maximum allowed metadata size").
			With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", "2048")
	}
	if err := validateTags(o.Tags, 10, false); err != nil {
		return err
	}
	if o.SSE != "" && !validSSE(o.SSE) {
		return invalidArgument("Server Side Encryption with "+o.SSE+" is not supported", "x-amz-server-side-encryption", o.SSE)
	}
	if o.SSEKMSKeyID != "" && o.SSE != "aws:kms" && o.SSE != "aws:kms:dsse" {
		return invalidArgument("Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", "x-amz-server-side-encryption-aws-kms-key-id", o.SSEKMSKeyID)
	}
	if o.ACLGrants && b != nil && b.Ownership.enforced() {
		return errACLNotSupported.New("The bucket does not allow ACLs")
	}
	if o.ACL != "" {
		if !validCannedACL(o.ACL) {
			return invalidArgument("Invalid canned ACL", "x-amz-acl", o.ACL)
		}
		if b != nil && b.Ownership.enforced() && o.ACL != "private" && o.ACL != "bucket-owner-full-control" {
			return errACLNotSupported.New("The bucket does not allow ACLs")
		}
	}
	if o.ChecksumAlgorithm != "" {
		a, ok := normalizeAlgorithm(o.ChecksumAlgorithm)
		if !ok {
			return invalidArgument("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]", "x-amz-checksum-algorithm", o.ChecksumAlgorithm)
		}
		o.ChecksumAlgorithm = a
	}
	if o.Checksum != "" {
		if o.ChecksumAlgorithm == "" {
			return errInvalidRequest.New("x-amz-checksum value given without an algorithm")
		}
		if !validChecksumValue(o.ChecksumAlgorithm, o.Checksum) {
			return errInvalidRequest.New("Value for x-amz-checksum-%s header is invalid.", strings.ToLower(o.ChecksumAlgorithm))
		}
	}
	if o.ContentMD5 != "" {
		if b, err := base64.StdEncoding.DecodeString(o.ContentMD5); err != nil || len(b) != md5.Size {
			return errInvalidDigest.New("The Content-MD5 you specified is not valid.").With("Content-MD5", o.ContentMD5)
		}
	}
	return nil
}

// applyDefaults fills SSE from the bucket's default encryption.
func (o *PutOptions) sse(b *bucketRec) (alg, key string, bucketKey bool) {
	alg, key = o.SSE, o.SSEKMSKeyID
	if o.BucketKeyEnabled != nil {
		bucketKey = *o.BucketKeyEnabled
	}
	enc := b.Encryption
	if enc == nil {
		enc = defaultEncryption()
	}
	if alg == "" && len(enc.Rules) > 0 && enc.Rules[0].Default != nil {
		alg = enc.Rules[0].Default.SSEAlgorithm
		key = enc.Rules[0].Default.KMSMasterKeyID
		if o.BucketKeyEnabled == nil && enc.Rules[0].BucketKeyEnabled != nil {
			bucketKey = *enc.Rules[0].BucketKeyEnabled
		}
	}
	if alg == "aws:kms" && key == "" {
		key = "arn:aws:kms:" + b.Region + ":" + b.Account + ":alias/aws/s3"
	}
	return alg, key, bucketKey
}

// newVersion builds the metadata of a version from the options.
func (o *PutOptions) newVersion(b *bucketRec, now time.Time) version {
	v := version{
		LastModified: now, ContentType: o.ContentType, CacheControl: o.CacheControl,
		ContentDisposition: o.ContentDisposition, ContentEncoding: o.ContentEncoding,
		ContentLanguage: o.ContentLanguage, Expires: o.Expires, WebsiteRedirect: o.WebsiteRedirectLocation,
		Tags: o.Tags, StorageClass: o.StorageClass,
	}
	if v.StorageClass == "STANDARD" {
		v.StorageClass = ""
	}
	if v.ContentType == "" {
		v.ContentType = "binary/octet-stream"
	}
	if len(o.Metadata) > 0 {
		v.Metadata = make(map[string]string, len(o.Metadata))
		for k, val := range o.Metadata {
			v.Metadata[strings.ToLower(k)] = val
		}
	}
	v.SSE, v.SSEKMSKeyID, v.BucketKey = o.sse(b)
	return v
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// received is a body streamed into a blob.
type received struct {
	blob     string // "" for an empty body
	size     int64
	md5      string // hex
	checksum string // base64 of alg
}

// bodyReadError is a failure reading a request body. It unwraps to the
// reader's error (so the gateway still recognises signature and checksum
// failures) and otherwise reads as S3's IncompleteBody.
type bodyReadError struct{ err error }

func (b *bodyReadError) Error() string { return "read request body: " + b.err.Error() }
func (b *bodyReadError) Unwrap() error { return b.err }
func (b *bodyReadError) As(target any) bool {
	if t, ok := target.(**apierr.Error); ok {
		*t = errIncompleteBody.New("The request body terminated unexpectedly")
		return true
	}
	return false
}

// receive streams body into a new blob, computing its MD5 and checksum,
// verifies them and the length, and makes the blob durable. Nothing is
// left behind on error.
func (e *Engine) receive(ctx context.Context, body io.Reader, o *PutOptions, alg string, max int64) (*received, error) {
	bf, err := e.blobs.create()
	if err != nil {
		return nil, err
	}
	defer bf.discard()
	md5h := md5.New()
	ck := newChecksum(alg)
	w := io.MultiWriter(bf, md5h, ck)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var n int64
	if body == nil {
		body = strings.NewReader("")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, rerr := body.Read(buf)
		if m > 0 {
			n += int64(m)
			if n > max {
				return nil, errEntityTooLarge.New("Your proposed upload exceeds the maximum allowed size").
					With("MaxSizeAllowed", strconv.FormatInt(max, 10))
			}
			if _, werr := w.Write(buf[:m]); werr != nil {
				return nil, werr
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, &bodyReadError{rerr}
		}
	}
	if o.ContentLength != nil && n != *o.ContentLength {
		return nil, errIncompleteBody.New("You did not provide the number of bytes specified by the Content-Length HTTP header")
	}
	r := &received{size: n, md5: hex.EncodeToString(md5h.Sum(nil)), checksum: b64(ck)}
	if o.ContentMD5 != "" {
		want, _ := base64.StdEncoding.DecodeString(o.ContentMD5)
		if hex.EncodeToString(want) != r.md5 {
			return nil, errBadDigest.New("The Content-MD5 you specified did not match what we received.").
				With("ExpectedDigest", o.ContentMD5).With("CalculatedDigest", base64.StdEncoding.EncodeToString(md5h.Sum(nil)))
		}
	}
	want := o.Checksum
	if want == "" && o.TrailingChecksum != nil {
		want = o.TrailingChecksum()
	}
	if want != "" && want != r.checksum {
		return nil, errBadDigest.New("The %s you specified did not match the calculated checksum.", alg)
	}
	if n == 0 {
		return r, nil
	}
	name, err := bf.commit()
	if err != nil {
		return nil, err
	}
	r.blob = name
	return r, nil
}

// checkWriteConditions applies If-Match / If-None-Match to a write.
func checkWriteConditions(rec *objRec, ifMatch, ifNoneMatch string) error {
	var cur *version
	if rec != nil && !rec.Versions[0].DeleteMarker {
		cur = &rec.Versions[0]
	}
	if ifNoneMatch != "" {
		if strings.TrimSpace(ifNoneMatch) != "*" {
			return errNotImplemented.New("A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
		}
		if cur != nil {
			return preconditionFailed("If-None-Match")
		}
	}
	if ifMatch != "" {
		if cur == nil {
			return errNoSuchKey.New("The specified key does not exist.")
		}
		if !etagMatches(ifMatch, cur.ETag) {
			return preconditionFailed("If-Match")
		}
	}
	return nil
}

// placeVersion adds v as the current version according to the bucket's
// versioning state and returns the blobs of the versions it replaced.
func placeVersion(b *bucketRec, rec *objRec, v *version) []string {
	var replaced []string
	switch b.Versioning {
	case VersioningEnabled:
		v.ID = newVersionID()
		rec.Versions = append([]version{*v}, rec.Versions...)
	case VersioningSuspended:
		v.ID = nullVersion
		keep := rec.Versions[:0]
		for _, old := range rec.Versions {
			if old.ID == nullVersion {
				replaced = append(replaced, old.blobs()...)
				continue
			}
			keep = append(keep, old)
		}
		rec.Versions = append([]version{*v}, keep...)
	default:
		v.ID = nullVersion
		for _, old := range rec.Versions {
			replaced = append(replaced, old.blobs()...)
		}
		rec.Versions = []version{*v}
	}
	return replaced
}

// commitVersion stores v as the newest version of the key in one
// transaction, then removes the blobs it replaced. On failure it removes
// v's own blobs.
func (e *Engine) commitVersion(ctx context.Context, bucket, key string, v version, ifMatch, ifNoneMatch string) (*ObjectInfo, error) {
	var replaced []string
	var info *ObjectInfo
	err := e.st.Update(ctx, func(tx store.Tx) error {
		replaced = nil
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		if err := checkWriteConditions(rec, ifMatch, ifNoneMatch); err != nil {
			return err
		}
		if rec == nil {
			rec = &objRec{}
		}
		nv := v
		replaced = placeVersion(b, rec, &nv)
		if err := putObj(tx, bucket, key, rec); err != nil {
			return err
		}
		info = objectInfo(b, key, &nv, true)
		return nil
	})
	if err != nil {
		e.blobs.remove(v.blobs()...)
		return nil, err
	}
	e.blobs.remove(replaced...)
	return info, nil
}

// PutObject stores an object from body. The body is streamed to disk
// (never held in memory) while its MD5 and checksum are computed; the
// previous object stays intact unless the whole body arrived and
// verified.
func (e *Engine) PutObject(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (*ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if err := opts.validate(b); err != nil {
		return nil, err
	}
	if opts.ContentLength != nil && *opts.ContentLength > MaxPutSize {
		return nil, errEntityTooLarge.New("Your proposed upload exceeds the maximum allowed size").
			With("ProposedSize", strconv.FormatInt(*opts.ContentLength, 10)).With("MaxSizeAllowed", strconv.FormatInt(MaxPutSize, 10))
	}
	if opts.IfMatch != "" || opts.IfNoneMatch != "" {
		// Fail early when the condition already fails; it is checked again
		// at commit.
		if err := e.st.View(ctx, func(tx store.Tx) error {
			rec, err := getObj(tx, bucket, key)
			if err != nil {
				return err
			}
			return checkWriteConditions(rec, opts.IfMatch, opts.IfNoneMatch)
		}); err != nil {
			return nil, err
		}
	}
	alg := opts.ChecksumAlgorithm
	if alg == "" {
		alg = CRC64NVME
	}
	r, err := e.receive(ctx, body, &opts, alg, MaxPutSize)
	if err != nil {
		return nil, err
	}
	v := opts.newVersion(b, e.now())
	v.Size = r.size
	v.ETag = r.md5
	v.ChecksumAlgorithm, v.Checksum, v.ChecksumType = alg, r.checksum, FullObject
	if r.blob != "" {
		v.Segments = []segment{{Blob: r.blob, Size: r.size}}
	}
	return e.commitVersion(ctx, bucket, key, v, opts.IfMatch, opts.IfNoneMatch)
}

// DeleteMarkerError is returned when the current version of a key, or the
// version asked for, is a delete marker (S3 answers with the
// x-amz-delete-marker header).
type DeleteMarkerError struct {
	Err          *apierr.Error
	VersionID    string
	LastModified time.Time
}

func (d *DeleteMarkerError) Error() string { return d.Err.Error() }
func (d *DeleteMarkerError) Unwrap() error { return d.Err }

// selectVersion picks the version a read names.
func selectVersion(b *bucketRec, rec *objRec, key, versionID, method string) (*version, bool, error) {
	if versionID == "" {
		if rec == nil {
			return nil, false, noSuchKey(key)
		}
		v := &rec.Versions[0]
		if v.DeleteMarker {
			return nil, false, &DeleteMarkerError{Err: noSuchKey(key), VersionID: v.ID, LastModified: v.LastModified}
		}
		return v, true, nil
	}
	if rec == nil {
		return nil, false, noSuchVersion(key, versionID)
	}
	i, v := rec.find(versionID)
	if v == nil {
		if versionID != nullVersion && !validVersionID(versionID) {
			return nil, false, invalidArgument("Invalid version id specified", "versionId", versionID)
		}
		return nil, false, noSuchVersion(key, versionID)
	}
	if v.DeleteMarker {
		return nil, false, &DeleteMarkerError{
			Err:       errMethodNotAllowed.New("The specified method is not allowed against this resource.").With("Method", method).With("ResourceType", "DeleteMarker"),
			VersionID: v.ID, LastModified: v.LastModified,
		}
	}
	return v, i == 0, nil
}

func validVersionID(id string) bool {
	if id == "" || len(id) > 1024 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// Object is an open object version: its metadata and, until Close, a
// guarantee that its bytes stay readable.
type Object struct {
	Info *ObjectInfo
	e    *Engine
	v    version
	pins []string
	once sync.Once
}

// Close releases the object. Readers opened from it stay valid until they
// are closed.
func (o *Object) Close() error {
	o.once.Do(func() { o.e.blobs.unpin(o.pins) })
	return nil
}

// Segments returns the byte ranges of the object's parts (multipart
// objects) or one range covering it.
func (o *Object) partRange(n int) (off, size int64, ok bool) {
	if n < 1 || n > len(o.v.Segments) || (!o.v.Multipart && n != 1) {
		if n == 1 && len(o.v.Segments) == 0 {
			return 0, 0, true
		}
		return 0, 0, false
	}
	for i := 0; i < n-1; i++ {
		off += o.v.Segments[i].Size
	}
	return off, o.v.Segments[n-1].Size, true
}

// Range returns a reader of n bytes from off. Closing the reader closes
// the Object.
func (o *Object) Range(off, n int64) io.ReadCloser {
	r := &segmentsReader{b: o.e.blobs, segs: o.v.Segments, left: n, onDone: func() { o.Close() }}
	for r.i < len(r.segs) && off >= r.segs[r.i].Size {
		off -= r.segs[r.i].Size
		r.i++
	}
	r.off = off
	return r
}

// OpenObject opens a version of an object ("" = current) for reading.
func (e *Engine) OpenObject(ctx context.Context, bucket, key, versionID string) (*Object, error) {
	return e.openObject(ctx, bucket, key, versionID, "GET")
}

func (e *Engine) openObject(ctx context.Context, bucket, key, versionID, method string) (*Object, error) {
	for attempt := 0; attempt < 20; attempt++ {
		var o *Object
		err := e.st.View(ctx, func(tx store.Tx) error {
			b, err := getBucket(ctx, tx, bucket)
			if err != nil {
				return err
			}
			rec, err := getObj(tx, bucket, key)
			if err != nil {
				return err
			}
			v, latest, err := selectVersion(b, rec, key, versionID, method)
			if err != nil {
				return err
			}
			o = &Object{Info: objectInfo(b, key, v, latest), e: e, v: *v}
			return nil
		})
		if err != nil {
			return nil, err
		}
		o.pins = o.v.blobs()
		if e.blobs.pin(o.pins) {
			return o, nil
		}
		// A concurrent write replaced the version between reading its
		// metadata and pinning its blobs: read again.
		time.Sleep(time.Millisecond)
	}
	return nil, errInternal.New("We encountered an internal error. Please try again.")
}

// GetObject returns a reader of the whole object version ("" = current)
// and its metadata. The caller closes the reader.
func (e *Engine) GetObject(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, *ObjectInfo, error) {
	o, err := e.OpenObject(ctx, bucket, key, versionID)
	if err != nil {
		return nil, nil, err
	}
	return o.Range(0, o.Info.Size), o.Info, nil
}

// HeadObject returns an object version's metadata.
func (e *Engine) HeadObject(ctx context.Context, bucket, key, versionID string) (*ObjectInfo, error) {
	var info *ObjectInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		v, latest, err := selectVersion(b, rec, key, versionID, "HEAD")
		if err != nil {
			return err
		}
		info = objectInfo(b, key, v, latest)
		return nil
	})
	return info, err
}

// DeleteResult is the outcome of deleting an object (version).
type DeleteResult struct {
	// VersionID is the version removed, or of the delete marker created.
	VersionID    string
	DeleteMarker bool
}

// DeleteObject deletes a key (creating a delete marker in versioned
// buckets) or, with versionID, removes that version for good. Deleting a
// missing key is not an error.
func (e *Engine) DeleteObject(ctx context.Context, bucket, key, versionID string) (*DeleteResult, error) {
	if len(key) > MaxKeyLength {
		return nil, keyTooLong(key)
	}
	if key == "" {
		return nil, errInvalidArgument.New("Object key must not be empty").With("ArgumentName", "key")
	}
	var removed []string
	var res DeleteResult
	err := e.st.Update(ctx, func(tx store.Tx) error {
		removed = nil
		res = DeleteResult{}
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		if versionID != "" {
			if rec == nil {
				res.VersionID = versionID
				return nil
			}
			i, v := rec.find(versionID)
			if v == nil {
				if versionID != nullVersion && !validVersionID(versionID) {
					return invalidArgument("Invalid version id specified", "versionId", versionID)
				}
				res.VersionID = versionID
				return nil
			}
			res.VersionID, res.DeleteMarker = v.ID, v.DeleteMarker
			removed = v.blobs()
			rec.Versions = append(rec.Versions[:i], rec.Versions[i+1:]...)
			return putObj(tx, bucket, key, rec)
		}
		switch b.Versioning {
		case VersioningOff:
			if rec != nil {
				for _, v := range rec.Versions {
					removed = append(removed, v.blobs()...)
				}
			}
			return tx.Delete(tObj, objKey(bucket, key))
		default:
			if rec == nil {
				rec = &objRec{}
			}
			dm := version{DeleteMarker: true, LastModified: e.now()}
			removed = placeVersion(b, rec, &dm)
			res.VersionID, res.DeleteMarker = dm.ID, true
			return putObj(tx, bucket, key, rec)
		}
	})
	if err != nil {
		return nil, err
	}
	e.blobs.remove(removed...)
	return &res, nil
}

// etagMatches reports whether an If-Match / If-None-Match header value
// (a list of entity tags or "*") matches etag (unquoted).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

// Conditions are the HTTP preconditions of a read.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// Check evaluates the conditions as S3 does (RFC 7232 order): it returns
// notModified for a 304 and a PreconditionFailed error for a 412.
func (c Conditions) Check(etag string, mtime time.Time) (notModified bool, err error) {
	etag = strings.Trim(etag, `"`)
	mtime = mtime.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, etag) {
			return false, preconditionFailed("If-Match")
		}
	} else if c.IfUnmodifiedSince != nil && mtime.After(*c.IfUnmodifiedSince) {
		return false, preconditionFailed("If-Unmodified-Since")
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, etag) {
			return true, nil
		}
	} else if c.IfModifiedSince != nil && !mtime.After(*c.IfModifiedSince) {
		return true, nil
	}
	return false, nil
}

// ParseRange interprets a Range header for an object of size bytes. ok is
// false when the header is absent or not a single byte range (the whole
// object is served); an unsatisfiable range is an InvalidRange error.
func ParseRange(h string, size int64) (off, n int64, ok bool, err error) {
	h = strings.TrimSpace(h)
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	unsatisfiable := func() (int64, int64, bool, error) {
		return 0, 0, false, errInvalidRange.New("The requested range is not satisfiable").
			With("RangeRequested", h).With("ActualObjectSize", strconv.FormatInt(size, 10))
	}
	if first == "" {
		k, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || k < 0 {
			return 0, 0, false, nil
		}
		if k == 0 || size == 0 {
			return unsatisfiable()
		}
		k = min(k, size)
		return size - k, k, true, nil
	}
	a, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || a < 0 {
		return 0, 0, false, nil
	}
	end := size - 1
	if last != "" {
		z, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || z < a {
			return 0, 0, false, nil
		}
		end = min(z, size-1)
	}
	if a >= size {
		return unsatisfiable()
	}
	return a, end - a + 1, true, nil
}
