package s3

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Engine is the S3 service: buckets and their configuration in the state
// store, object bytes in files under a blob directory. It is safe for
// concurrent use. Other skiff services call it directly; the caller's
// account comes from the context (awsctx). A context without an account
// acts as skiff itself and may use every bucket.
type Engine struct {
	st    store.Store
	blobs *blobs
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New opens the engine on a state store and a blob directory, and removes
// blob files no metadata references (left by a crash between writing a
// blob and committing its metadata). It starts no background work.
func New(st store.Store, blobDir string) (*Engine, error) {
	b, err := newBlobs(blobDir)
	if err != nil {
		return nil, err
	}
	e := &Engine{st: st, blobs: b, Now: time.Now}
	if _, err := e.collectGarbage(context.Background()); err != nil {
		return nil, fmt.Errorf("s3: collect orphaned blobs: %w", err)
	}
	return e, nil
}

// Close releases nothing today; it exists so the server can treat every
// engine alike.
func (e *Engine) Close() error { return nil }

// collectGarbage removes blob files that no object version or multipart
// part references.
func (e *Engine) collectGarbage(ctx context.Context) (int, error) {
	live := map[string]bool{}
	err := e.st.View(ctx, func(tx store.Tx) error { return collectLive(tx, live) })
	if err != nil {
		return 0, err
	}
	return e.blobs.gc(live)
}

// collectLive adds every blob the metadata references to live.
func collectLive(tx store.Tx, live map[string]bool) error {
	if err := tx.Scan(tObj, store.ScanOptions{}, func(_ string, val []byte) error {
		var rec objRec
		if err := jsonUnmarshal(val, &rec); err != nil {
			return err
		}
		for _, v := range rec.Versions {
			for _, s := range v.Segments {
				if s.Blob != "" {
					live[s.Blob] = true
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return tx.Scan(tPart, store.ScanOptions{}, func(_ string, val []byte) error {
		var p partRec
		if err := jsonUnmarshal(val, &p); err != nil {
			return err
		}
		if p.Blob != "" {
			live[p.Blob] = true
		}
		return nil
	})
}

func (e *Engine) now() time.Time { return e.Now().UTC().Truncate(time.Second) }

// CanonicalUserID is the S3 canonical user id skiff gives an account.
func CanonicalUserID(account string) string {
	h := sha256.Sum256([]byte("skiff-s3-owner:" + account))
	return hex.EncodeToString(h[:])
}

// Owner is a bucket or object owner.
type Owner struct {
	ID          string
	DisplayName string
}

func ownerOf(account string) Owner {
	return Owner{ID: CanonicalUserID(account), DisplayName: account}
}

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name              string
	Account           string
	Region            string
	Created           time.Time
	Versioning        string // "", Enabled, Suspended
	ObjectLockEnabled bool
}

func (b *bucketRec) info() *BucketInfo {
	return &BucketInfo{Name: b.Name, Account: b.Account, Region: b.Region, Created: b.Created, Versioning: b.Versioning, ObjectLockEnabled: b.ObjectLock}
}

// CreateBucketOptions are the settings of a new bucket.
type CreateBucketOptions struct {
	// Region is where the bucket lives; "" means the caller's region, or
	// us-east-1 when the context has none.
	Region            string
	ObjectLockEnabled bool
	// ACL is a canned ACL (private, public-read, …).
	ACL string
	// ObjectOwnership overrides the default BucketOwnerEnforced.
	ObjectOwnership string
}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)

// ValidRegion reports whether r looks like an AWS region name.
func ValidRegion(r string) bool { return regionRE.MatchString(r) }

// CreateBucket creates a bucket owned by the caller's account. Creating a
// bucket the caller already owns fails with BucketAlreadyOwnedByYou (the
// wire layer applies us-east-1's legacy 200); one another account owns,
// with BucketAlreadyExists.
func (e *Engine) CreateBucket(ctx context.Context, name string, opts CreateBucketOptions) (*BucketInfo, error) {
	sc := awsctx.From(ctx)
	if !ValidBucketName(name) {
		return nil, invalidBucketName(name)
	}
	region := opts.Region
	if region == "" {
		region = sc.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	if !ValidRegion(region) {
		return nil, errInvalidLocation.New("The specified location-constraint is not valid").With("LocationConstraint", region)
	}
	if opts.ACL != "" && !validCannedACL(opts.ACL) {
		return nil, invalidArgument("Invalid canned ACL", "x-amz-acl", opts.ACL)
	}
	own := &OwnershipControls{Rules: []OwnershipRule{{ObjectOwnership: "BucketOwnerEnforced"}}}
	if opts.ObjectOwnership != "" {
		own.Rules[0].ObjectOwnership = opts.ObjectOwnership
		if err := own.validate(); err != nil {
			return nil, invalidArgument("Invalid x-amz-object-ownership header: "+opts.ObjectOwnership, "x-amz-object-ownership", opts.ObjectOwnership)
		}
	}
	if opts.ACL != "" && opts.ACL != "private" && own.enforced() {
		return nil, errInvalidBucketACLWithOwnership()
	}
	rec := &bucketRec{
		Name: name, Account: sc.AccountID, Region: region, Created: e.Now().UTC().Truncate(time.Millisecond),
		ACL:       opts.ACL,
		Ownership: own,
		PublicAccessBlock: &PublicAccessBlockConfig{
			BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true,
		},
	}
	if opts.ObjectLockEnabled {
		rec.ObjectLock = true
		rec.Versioning = VersioningEnabled
		rec.ObjectLockConfig = &ObjectLockConfig{ObjectLockEnabled: "Enabled"}
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var old bucketRec
		err := tx.Get(tBucket, name, &old)
		if err == nil {
			if old.Account == sc.AccountID {
				return errBucketAlreadyOwnedByYou.New("Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", name)
			}
			return errBucketAlreadyExists.New("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", name)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(tBucket, name, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.info(), nil
}

func errInvalidBucketACLWithOwnership() *apierr.Error {
	return errInvalidBucketACLCode.New("Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
}

var errInvalidBucketACLCode = apierr.Code{Name: "InvalidBucketAclWithObjectOwnership", Status: 400}

func validCannedACL(a string) bool {
	switch a {
	case "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
		"bucket-owner-read", "bucket-owner-full-control", "log-delivery-write":
		return true
	}
	return false
}

// getBucket reads a bucket the caller may use.
func getBucket(ctx context.Context, tx store.Tx, name string) (*bucketRec, error) {
	if name == "" {
		return nil, noSuchBucket(name)
	}
	var b bucketRec
	if err := tx.Get(tBucket, name, &b); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, noSuchBucket(name)
		}
		return nil, err
	}
	if acct := awsctx.From(ctx).AccountID; acct != "" && b.Account != acct {
		return nil, accessDenied()
	}
	return &b, nil
}

func (e *Engine) viewBucket(ctx context.Context, name string) (*bucketRec, error) {
	var b *bucketRec
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		b, err = getBucket(ctx, tx, name)
		return err
	})
	return b, err
}

// updateBucket runs fn on the bucket record and stores it.
func (e *Engine) updateBucket(ctx context.Context, name string, fn func(b *bucketRec) error) error {
	return e.st.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, name)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return tx.Put(tBucket, name, b)
	})
}

// HeadBucket returns the bucket, NoSuchBucket, or AccessDenied when
// another account owns it.
func (e *Engine) HeadBucket(ctx context.Context, name string) (*BucketInfo, error) {
	b, err := e.viewBucket(ctx, name)
	if err != nil {
		return nil, err
	}
	return b.info(), nil
}

// BucketExists reports whether the caller's account has the bucket.
func (e *Engine) BucketExists(ctx context.Context, name string) (bool, error) {
	_, err := e.viewBucket(ctx, name)
	if errNoSuchBucket.Is(err) || errAccessDenied.Is(err) {
		return false, nil
	}
	return err == nil, err
}

// DeleteBucket deletes an empty bucket (no objects, versions or delete
// markers) and aborts its multipart uploads.
func (e *Engine) DeleteBucket(ctx context.Context, name string) error {
	var doomed []string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, name)
		if err != nil {
			return err
		}
		empty := true
		if err := tx.Scan(tObj, store.ScanOptions{Prefix: name + "/", Limit: 1}, func(string, []byte) error {
			empty = false
			return store.ErrStop
		}); err != nil {
			return err
		}
		if !empty {
			msg := "The bucket you tried to delete is not empty"
			if b.Versioning != VersioningOff {
				msg = "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
			}
			return errBucketNotEmpty.New("%s", msg).With("BucketName", name)
		}
		var uploads []string
		if err := tx.Scan(tUpload, store.ScanOptions{Prefix: name + "/"}, func(k string, _ []byte) error {
			uploads = append(uploads, strings.TrimPrefix(k, name+"/"))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range uploads {
			blobs, err := deleteUploadTx(tx, name, id)
			if err != nil {
				return err
			}
			doomed = append(doomed, blobs...)
		}
		return tx.Delete(tBucket, name)
	})
	if err != nil {
		return err
	}
	e.blobs.remove(doomed...)
	return nil
}

// ListBucketsOptions filter and page ListBuckets.
type ListBucketsOptions struct {
	Prefix            string
	BucketRegion      string
	MaxBuckets        int // 0 means all
	ContinuationToken string
}

// ListBucketsResult is a page of buckets.
type ListBucketsResult struct {
	Buckets           []BucketInfo
	Owner             Owner
	ContinuationToken string // next page, "" when done
}

// ListBuckets lists the caller's buckets by name.
func (e *Engine) ListBuckets(ctx context.Context, opts ListBucketsOptions) (*ListBucketsResult, error) {
	sc := awsctx.From(ctx)
	after := ""
	if opts.ContinuationToken != "" {
		t, ok := decodeToken(opts.ContinuationToken)
		if !ok {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", opts.ContinuationToken)
		}
		after = t
	}
	res := &ListBucketsResult{Owner: ownerOf(sc.AccountID)}
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(tBucket, store.ScanOptions{Prefix: opts.Prefix, After: after}, func(_ string, val []byte) error {
			var b bucketRec
			if err := jsonUnmarshal(val, &b); err != nil {
				return err
			}
			if sc.AccountID != "" && b.Account != sc.AccountID {
				return nil
			}
			if opts.BucketRegion != "" && b.Region != opts.BucketRegion {
				return nil
			}
			if opts.MaxBuckets > 0 && len(res.Buckets) == opts.MaxBuckets {
				res.ContinuationToken = encodeToken(res.Buckets[len(res.Buckets)-1].Name)
				return store.ErrStop
			}
			res.Buckets = append(res.Buckets, *b.info())
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(res.Buckets, func(i, j int) bool { return res.Buckets[i].Name < res.Buckets[j].Name })
	return res, nil
}

// randomID returns n random characters from [A-Za-z0-9].
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
