package s3

import (
	"strings"
	"time"
)

// State store layout (all JSON values):
//
//	s3.bucket  <bucket>                   bucketRec (names are global; Account owns it)
//	s3.obj     <bucket>/<key>             objRec: every version of the key, newest first
//	s3.mpu     <bucket>/<uploadId>        uploadRec
//	s3.part    <uploadId>/<%05d part>     partRec
//
// Bucket names never contain "/", so "<bucket>/" prefixes one bucket's
// keys and byte order of the store key is byte order of the object key.
const (
	tBucket = "s3.bucket"
	tObj    = "s3.obj"
	tUpload = "s3.mpu"
	tPart   = "s3.part"
)

func objKey(bucket, key string) string { return bucket + "/" + key }

// Versioning states.
const (
	VersioningOff       = ""
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// nullVersion is the version id of objects written while versioning is
// off or suspended.
const nullVersion = "null"

type bucketRec struct {
	Name       string    `json:"name"`
	Account    string    `json:"account"`
	Region     string    `json:"region"`
	Created    time.Time `json:"created"`
	Versioning string    `json:"versioning,omitempty"`
	MFADelete  string    `json:"mfaDelete,omitempty"`
	ObjectLock bool      `json:"objectLock,omitempty"`
	ACL        string    `json:"acl,omitempty"` // canned ACL given at create / PutBucketAcl

	Policy            string                   `json:"policy,omitempty"`
	Tags              []Tag                    `json:"tags,omitempty"`
	Encryption        *EncryptionConfig        `json:"encryption,omitempty"`
	PublicAccessBlock *PublicAccessBlockConfig `json:"publicAccessBlock,omitempty"`
	CORS              *CORSConfig              `json:"cors,omitempty"`
	Lifecycle         *LifecycleConfig         `json:"lifecycle,omitempty"`
	LifecycleMinSize  string                   `json:"lifecycleMinSize,omitempty"`
	Ownership         *OwnershipControls       `json:"ownership,omitempty"`
	Website           *WebsiteConfig           `json:"website,omitempty"`
	ObjectLockConfig  *ObjectLockConfig        `json:"objectLockConfig,omitempty"`
	Notification      string                   `json:"notification,omitempty"` // stored XML
	Accelerate        string                   `json:"accelerate,omitempty"`
	RequestPayer      string                   `json:"requestPayer,omitempty"`
	Logging           string                   `json:"logging,omitempty"` // stored XML
}

// segment is one blob of an object's bytes; a multipart object has one per
// part, a simple object one (none when empty).
type segment struct {
	Blob string `json:"b,omitempty"`
	Size int64  `json:"n"`
	// Part checksum and ETag for multipart objects (GetObjectAttributes,
	// partNumber reads).
	ETag     string `json:"e,omitempty"`
	Checksum string `json:"c,omitempty"`
}

// version is one version of an object (or a delete marker).
type version struct {
	ID           string    `json:"id"`
	DeleteMarker bool      `json:"dm,omitempty"`
	Size         int64     `json:"size,omitempty"`
	ETag         string    `json:"etag,omitempty"` // unquoted
	LastModified time.Time `json:"mtime"`
	Segments     []segment `json:"segs,omitempty"`
	Multipart    bool      `json:"mp,omitempty"`

	ContentType        string            `json:"ct,omitempty"`
	CacheControl       string            `json:"cc,omitempty"`
	ContentDisposition string            `json:"cd,omitempty"`
	ContentEncoding    string            `json:"ce,omitempty"`
	ContentLanguage    string            `json:"cl,omitempty"`
	Expires            string            `json:"exp,omitempty"`
	WebsiteRedirect    string            `json:"wr,omitempty"`
	Metadata           map[string]string `json:"meta,omitempty"`
	Tags               []Tag             `json:"tags,omitempty"`
	StorageClass       string            `json:"sc,omitempty"`

	ChecksumAlgorithm string `json:"ca,omitempty"` // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	Checksum          string `json:"cv,omitempty"` // base64, "-N" suffix when composite
	ChecksumType      string `json:"ctype,omitempty"`

	SSE            string `json:"sse,omitempty"`
	SSEKMSKeyID    string `json:"kms,omitempty"`
	BucketKey      bool   `json:"bk,omitempty"`
	SSECustomerMD5 string `json:"ssec,omitempty"`
	SSECustomerAlg string `json:"sseca,omitempty"`
}

func (v *version) blobs() []string {
	out := make([]string, 0, len(v.Segments))
	for _, s := range v.Segments {
		if s.Blob != "" {
			out = append(out, s.Blob)
		}
	}
	return out
}

type objRec struct {
	Versions []version `json:"v"` // newest first; [0] is current
}

func (o *objRec) find(id string) (int, *version) {
	for i := range o.Versions {
		if o.Versions[i].ID == id {
			return i, &o.Versions[i]
		}
	}
	return -1, nil
}

type uploadRec struct {
	ID        string    `json:"id"`
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	Initiated time.Time `json:"initiated"`
	Opts      PutOptions
	// ChecksumAlgorithm and ChecksumType of the upload (COMPOSITE or
	// FULL_OBJECT) when the client asked for one.
	ChecksumAlgorithm string `json:"ca,omitempty"`
	ChecksumType      string `json:"ctype,omitempty"`
}

type partRec struct {
	Number       int       `json:"n"`
	Blob         string    `json:"b,omitempty"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"` // unquoted
	LastModified time.Time `json:"mtime"`
	Checksum     string    `json:"cv,omitempty"`
	Alg          string    `json:"ca,omitempty"` // algorithm of Checksum
}

func partKey(uploadID string, n int) string {
	return uploadID + "/" + pad5(n)
}

func pad5(n int) string {
	s := "00000" + itoa(n)
	return s[len(s)-5:]
}

// Tag is a key/value tag (bucket or object tagging).
type Tag struct {
	Key   string `xml:"Key" json:"k"`
	Value string `xml:"Value" json:"v"`
}

func isSystemTag(k string) bool { return strings.HasPrefix(strings.ToLower(k), "aws:") }
