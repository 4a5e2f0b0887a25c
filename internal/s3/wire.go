package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
)

// The restXml wire protocol: the gateway has authenticated the request
// (and wrapped its body to verify payload signatures); here it is routed by
// method, bucket, key and sub-resource, decoded, handed to the engine and
// encoded. Errors are returned as *apierr.Error values for the gateway to
// encode; nothing here writes error XML.

// Service is S3 on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{Name: "s3", Protocols: awswire.RESTXML, Raw: e.serve}
}

const maxXMLBody = 10 << 20

// rw tracks whether a response has started, so an error after that point
// is not handed to the gateway (which would write it into the body).
type rw struct {
	http.ResponseWriter
	wrote bool
}

func (w *rw) WriteHeader(code int) { w.wrote = true; w.ResponseWriter.WriteHeader(code) }
func (w *rw) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// request is one S3 request being served.
type request struct {
	e      *Engine
	w      *rw
	r      *http.Request
	ctx    context.Context
	bucket string
	key    string
	q      url.Values
}

func (rq *request) has(sub string) bool { _, ok := rq.q[sub]; return ok }

func (rq *request) hdr(name string) string { return rq.r.Header.Get(name) }

func (e *Engine) serve(w http.ResponseWriter, r *http.Request) (err error) {
	out := &rw{ResponseWriter: w}
	defer func() {
		if rec := recover(); rec != nil {
			if out.wrote {
				err = nil
				return
			}
			err = fmt.Errorf("s3: panic serving %s %s: %v", r.Method, r.URL.Path, rec)
		}
		if err != nil && out.wrote {
			// The response is under way; the client sees it cut short.
			err = nil
		}
	}()
	raw := r.RequestURI
	if raw == "" {
		raw = r.URL.EscapedPath()
	}
	bucket, key, perr := parseAddress(r.Host, raw)
	if perr != nil {
		return errInvalidURI.New("Couldn't parse the specified URI.").With("URI", raw)
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	rq := &request{e: e, w: out, r: r, ctx: r.Context(), bucket: bucket, key: key, q: q}
	h := w.Header()
	sc := awsctx.From(rq.ctx)
	h.Set("x-amz-request-id", sc.RequestID)
	h.Set("x-amz-id-2", "skiff/"+sc.RequestID)
	if bucket != "" {
		if owner := rq.hdr("x-amz-expected-bucket-owner"); owner != "" {
			b, err := e.viewBucket(rq.ctx, bucket)
			if err != nil {
				return err
			}
			if b.Account != owner {
				return accessDenied()
			}
		}
	}
	switch {
	case bucket == "":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return rq.listBuckets()
		}
		return errMethodNotAllowed.New("The specified method is not allowed against this resource.").With("Method", r.Method).With("ResourceType", "SERVICE")
	case key == "":
		return rq.bucketOp()
	default:
		if len(key) > MaxKeyLength {
			return keyTooLong(key)
		}
		return rq.objectOp()
	}
}

func methodNotAllowed(method, resource string) error {
	return errMethodNotAllowed.New("The specified method is not allowed against this resource.").With("Method", method).With("ResourceType", resource)
}

// Bucket sub-resources skiff recognises but does not implement.
var unsupportedBucketSubs = []string{"analytics", "metrics", "inventory", "intelligent-tiering", "replication",
	"metadataTable", "metadataConfiguration", "abac", "session"}

func (rq *request) bucketOp() error {
	switch rq.r.Method {
	case http.MethodHead:
		return rq.headBucket()
	case http.MethodGet:
		switch {
		case rq.has("location"):
			return rq.getLocation()
		case rq.has("versioning"):
			return rq.getVersioning()
		case rq.has("policyStatus"):
			return rq.getPolicyStatus()
		case rq.has("policy"):
			return rq.getPolicy()
		case rq.has("tagging"):
			return rq.getBucketTagging()
		case rq.has("encryption"):
			return rq.writeConfig(rq.e.GetBucketEncryption(rq.ctx, rq.bucket))
		case rq.has("publicAccessBlock"):
			return rq.writeConfig(rq.e.GetPublicAccessBlock(rq.ctx, rq.bucket))
		case rq.has("cors"):
			return rq.writeConfig(rq.e.GetBucketCors(rq.ctx, rq.bucket))
		case rq.has("lifecycle"):
			c, ms, err := rq.e.GetBucketLifecycle(rq.ctx, rq.bucket)
			if err == nil {
				rq.w.Header().Set("x-amz-transition-default-minimum-object-size", ms)
			}
			return rq.writeConfig(c, err)
		case rq.has("ownershipControls"):
			return rq.writeConfig(rq.e.GetBucketOwnershipControls(rq.ctx, rq.bucket))
		case rq.has("website"):
			return rq.writeConfig(rq.e.GetBucketWebsite(rq.ctx, rq.bucket))
		case rq.has("object-lock"):
			return rq.writeConfig(rq.e.GetObjectLockConfiguration(rq.ctx, rq.bucket))
		case rq.has("acl"):
			return rq.getBucketACL()
		case rq.has("uploads"):
			return rq.listUploads()
		case rq.has("versions"):
			return rq.listVersions()
		case rq.has("accelerate"):
			return rq.getAccelerate()
		case rq.has("requestPayment"):
			return rq.getRequestPayment()
		case rq.has("logging"):
			return rq.getRawConfig("BucketLoggingStatus", func(b *bucketRec) string { return b.Logging })
		case rq.has("notification"):
			return rq.getRawConfig("NotificationConfiguration", func(b *bucketRec) string { return b.Notification })
		case rq.has("replication"):
			if _, err := rq.e.viewBucket(rq.ctx, rq.bucket); err != nil {
				return err
			}
			return errReplicationNotFound.New("The replication configuration was not found").With("BucketName", rq.bucket)
		}
		if err := rq.unsupported(unsupportedBucketSubs); err != nil {
			return err
		}
		if rq.q.Get("list-type") == "2" {
			return rq.listObjects(true)
		}
		return rq.listObjects(false)
	case http.MethodPut:
		switch {
		case rq.has("versioning"):
			return rq.putVersioning()
		case rq.has("policy"):
			return rq.putPolicy()
		case rq.has("tagging"):
			return rq.putBucketTagging()
		case rq.has("encryption"):
			var c EncryptionConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutBucketEncryption(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("publicAccessBlock"):
			var c PublicAccessBlockConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutPublicAccessBlock(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("cors"):
			var c CORSConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutBucketCors(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("lifecycle"):
			var c LifecycleConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			ms := rq.hdr("x-amz-transition-default-minimum-object-size")
			if err := rq.e.PutBucketLifecycle(rq.ctx, rq.bucket, &c, ms); err != nil {
				return err
			}
			if ms == "" {
				ms = "all_storage_classes_128K"
			}
			rq.w.Header().Set("x-amz-transition-default-minimum-object-size", ms)
			return rq.noContent(nil, http.StatusOK)
		case rq.has("ownershipControls"):
			var c OwnershipControls
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutBucketOwnershipControls(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("website"):
			var c WebsiteConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutBucketWebsite(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("object-lock"):
			var c ObjectLockConfig
			if err := rq.readXML(&c); err != nil {
				return err
			}
			return rq.noContent(rq.e.PutObjectLockConfiguration(rq.ctx, rq.bucket, &c), http.StatusOK)
		case rq.has("acl"):
			return rq.putBucketACL()
		case rq.has("accelerate"):
			var c accelerateXML
			if err := rq.readXML(&c); err != nil {
				return err
			}
			if c.Status != "Enabled" && c.Status != "Suspended" {
				return malformedXML()
			}
			if strings.Contains(rq.bucket, ".") {
				return errInvalidRequest.New("S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
			}
			return rq.noContent(rq.e.setBucketRaw(rq.ctx, rq.bucket, func(b *bucketRec) { b.Accelerate = c.Status }), http.StatusOK)
		case rq.has("requestPayment"):
			var c requestPaymentXML
			if err := rq.readXML(&c); err != nil {
				return err
			}
			if c.Payer != "Requester" && c.Payer != "BucketOwner" {
				return malformedXML()
			}
			return rq.noContent(rq.e.setBucketRaw(rq.ctx, rq.bucket, func(b *bucketRec) { b.RequestPayer = c.Payer }), http.StatusOK)
		case rq.has("logging"):
			return rq.putRawConfig("BucketLoggingStatus", func(b *bucketRec, doc string) { b.Logging = doc })
		case rq.has("notification"):
			return rq.putRawConfig("NotificationConfiguration", func(b *bucketRec, doc string) { b.Notification = doc })
		}
		if err := rq.unsupported(unsupportedBucketSubs); err != nil {
			return err
		}
		return rq.createBucket()
	case http.MethodDelete:
		switch {
		case rq.has("policy"):
			return rq.noContent(rq.e.DeleteBucketPolicy(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("tagging"):
			return rq.noContent(rq.e.DeleteBucketTagging(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("encryption"):
			return rq.noContent(rq.e.DeleteBucketEncryption(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("publicAccessBlock"):
			return rq.noContent(rq.e.DeletePublicAccessBlock(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("cors"):
			return rq.noContent(rq.e.DeleteBucketCors(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("lifecycle"):
			return rq.noContent(rq.e.DeleteBucketLifecycle(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("ownershipControls"):
			return rq.noContent(rq.e.DeleteBucketOwnershipControls(rq.ctx, rq.bucket), http.StatusNoContent)
		case rq.has("website"):
			return rq.noContent(rq.e.DeleteBucketWebsite(rq.ctx, rq.bucket), http.StatusNoContent)
		}
		if err := rq.unsupported(unsupportedBucketSubs); err != nil {
			return err
		}
		return rq.noContent(rq.e.DeleteBucket(rq.ctx, rq.bucket), http.StatusNoContent)
	case http.MethodPost:
		if rq.has("delete") {
			return rq.deleteObjects()
		}
		return notImplemented("")
	}
	return methodNotAllowed(rq.r.Method, "BUCKET")
}

func (rq *request) unsupported(subs []string) error {
	for _, s := range subs {
		if rq.has(s) {
			return notImplemented("?" + s)
		}
	}
	return nil
}

var unsupportedObjectSubs = []string{"retention", "legal-hold", "restore", "select", "torrent", "renameObject"}

func (rq *request) objectOp() error {
	switch rq.r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case rq.has("uploadId") && rq.r.Method == http.MethodGet:
			return rq.listParts()
		case rq.has("tagging") && rq.r.Method == http.MethodGet:
			return rq.getObjectTagging()
		case rq.has("acl") && rq.r.Method == http.MethodGet:
			return rq.getObjectACL()
		case rq.has("attributes") && rq.r.Method == http.MethodGet:
			return rq.getObjectAttributes()
		}
		if err := rq.unsupported(unsupportedObjectSubs); err != nil {
			return err
		}
		return rq.getObject()
	case http.MethodPut:
		switch {
		case rq.has("uploadId") || rq.has("partNumber"):
			if rq.hdr("x-amz-copy-source") != "" {
				return rq.uploadPartCopy()
			}
			return rq.uploadPart()
		case rq.has("tagging"):
			return rq.putObjectTagging()
		case rq.has("acl"):
			return rq.putObjectACL()
		}
		if err := rq.unsupported(unsupportedObjectSubs); err != nil {
			return err
		}
		if rq.hdr("x-amz-copy-source") != "" {
			return rq.copyObject()
		}
		return rq.putObject()
	case http.MethodDelete:
		switch {
		case rq.has("uploadId"):
			return rq.noContent(rq.e.AbortMultipartUpload(rq.ctx, rq.bucket, rq.key, rq.q.Get("uploadId")), http.StatusNoContent)
		case rq.has("tagging"):
			vid, err := rq.e.PutObjectTagging(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"), nil)
			if err != nil {
				return err
			}
			rq.setVersion(vid)
			return rq.noContent(nil, http.StatusNoContent)
		}
		if err := rq.unsupported(unsupportedObjectSubs); err != nil {
			return err
		}
		return rq.deleteObject()
	case http.MethodPost:
		switch {
		case rq.has("uploads"):
			return rq.createUpload()
		case rq.has("uploadId"):
			return rq.completeUpload()
		}
		if err := rq.unsupported(unsupportedObjectSubs); err != nil {
			return err
		}
		return methodNotAllowed("POST", "OBJECT")
	}
	return methodNotAllowed(rq.r.Method, "OBJECT")
}

// ---- encoding helpers ----

func (rq *request) writeXML(status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	rq.w.WriteHeader(status)
	io.WriteString(rq.w, xml.Header)
	rq.w.Write(b)
	return nil
}

func (rq *request) noContent(err error, status int) error {
	if err != nil {
		return err
	}
	if status != http.StatusNoContent {
		rq.w.Header().Set("Content-Length", "0")
	}
	rq.w.WriteHeader(status)
	return nil
}

// writeConfig writes a bucket configuration document with the S3
// namespace.
func (rq *request) writeConfig(v any, err error) error {
	if err != nil {
		return err
	}
	// Set the namespace on a copy through reflection-free switches.
	switch c := v.(type) {
	case *EncryptionConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *PublicAccessBlockConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *CORSConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *LifecycleConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *OwnershipControls:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *WebsiteConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	case *ObjectLockConfig:
		cp := *c
		cp.NS = s3NS
		v = &cp
	}
	return rq.writeXML(http.StatusOK, v)
}

// readBody reads a small request body (configuration documents) and
// checks Content-MD5 and x-amz-checksum-* when given.
func (rq *request) readBody(max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, max+1))
	if err != nil {
		return nil, &bodyReadError{err}
	}
	if int64(len(body)) > max {
		return nil, errMalformedXML.New("The XML you provided was larger than the maximum allowed size")
	}
	if m := rq.hdr("Content-MD5"); m != "" {
		want, derr := base64.StdEncoding.DecodeString(m)
		if derr != nil || len(want) != md5.Size {
			return nil, errInvalidDigest.New("The Content-MD5 you specified is not valid.").With("Content-MD5", m)
		}
		got := md5.Sum(body)
		if !bytes.Equal(got[:], want) {
			return nil, errBadDigest.New("The Content-MD5 you specified did not match what we received.").
				With("ExpectedDigest", m).With("CalculatedDigest", base64.StdEncoding.EncodeToString(got[:]))
		}
	}
	for _, alg := range ChecksumAlgorithms {
		want := rq.hdr("x-amz-checksum-" + strings.ToLower(alg))
		if want == "" {
			continue
		}
		h := newChecksum(alg)
		h.Write(body)
		if b64(h) != want {
			return nil, errBadDigest.New("The %s you specified did not match the calculated checksum.", alg)
		}
	}
	return body, nil
}

func (rq *request) readXML(v any) error {
	body, err := rq.readBody(maxXMLBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errMissingRequestBody()
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return malformedXML()
	}
	return nil
}

func errMissingRequestBody() *apierr.Error {
	return apierr.Code{Name: "MissingRequestBodyError", Status: 400}.New("Request Body is empty")
}

func (rq *request) setVersion(id string) {
	if id != "" {
		rq.w.Header().Set("x-amz-version-id", id)
	}
}

func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// ---- buckets ----

func (rq *request) listBuckets() error {
	opts := ListBucketsOptions{
		Prefix: rq.q.Get("prefix"), BucketRegion: rq.q.Get("bucket-region"),
		ContinuationToken: rq.q.Get("continuation-token"),
	}
	if v := rq.q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return invalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", v)
		}
		opts.MaxBuckets = n
	}
	res, err := rq.e.ListBuckets(rq.ctx, opts)
	if err != nil {
		return err
	}
	out := listBucketsXML{NS: s3NS, Owner: ownerXMLOf(res.Owner), ContinuationToken: res.ContinuationToken, Prefix: opts.Prefix}
	for _, b := range res.Buckets {
		out.Buckets = append(out.Buckets, bucketXML{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: b.Region})
	}
	return rq.writeXML(http.StatusOK, &out)
}

func (rq *request) createBucket() error {
	body, err := rq.readBody(maxXMLBody)
	if err != nil {
		return err
	}
	sc := awsctx.From(rq.ctx)
	reqRegion := sc.Region
	lc := ""
	if len(bytes.TrimSpace(body)) > 0 {
		var cfg createBucketConfigXML
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return malformedXML()
		}
		lc = strings.TrimSpace(cfg.LocationConstraint)
	}
	region := lc
	switch {
	case lc == "":
		region = "us-east-1"
		if reqRegion != "" && reqRegion != "us-east-1" {
			return errIllegalLocation.New("The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
	case lc == "us-east-1":
		return errInvalidLocation.New("The specified location-constraint is not valid").With("LocationConstraint", lc)
	case lc == "EU":
		region = "eu-west-1"
	case !ValidRegion(lc):
		return errInvalidLocation.New("The specified location-constraint is not valid").With("LocationConstraint", lc)
	}
	if lc != "" && reqRegion != "" && reqRegion != "us-east-1" && region != reqRegion {
		return errIllegalLocation.New("The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	opts := CreateBucketOptions{
		Region: region, ACL: rq.hdr("x-amz-acl"), ObjectOwnership: rq.hdr("x-amz-object-ownership"),
		ObjectLockEnabled: strings.EqualFold(rq.hdr("x-amz-bucket-object-lock-enabled"), "true"),
	}
	if opts.ACL == "" && hasGrantHeaders(rq.r) {
		opts.ACL = "private"
		if opts.ObjectOwnership == "" || opts.ObjectOwnership == "BucketOwnerEnforced" {
			return errInvalidBucketACLWithOwnership()
		}
	}
	_, err = rq.e.CreateBucket(rq.ctx, rq.bucket, opts)
	if errBucketAlreadyOwnedByYou.Is(err) && region == "us-east-1" {
		if b, verr := rq.e.viewBucket(rq.ctx, rq.bucket); verr == nil && b.Region == "us-east-1" {
			err = nil // legacy us-east-1 behaviour: 200 OK
		}
	}
	if err != nil {
		return err
	}
	rq.w.Header().Set("Location", "/"+rq.bucket)
	return rq.noContent(nil, http.StatusOK)
}

func hasGrantHeaders(r *http.Request) bool {
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return true
		}
	}
	return false
}

func (rq *request) headBucket() error {
	info, err := rq.e.HeadBucket(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("x-amz-bucket-region", info.Region)
	h.Set("x-amz-access-point-alias", "false")
	return rq.noContent(nil, http.StatusOK)
}

func (rq *request) getLocation() error {
	region, err := rq.e.GetBucketLocation(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	if region == "us-east-1" {
		region = ""
	}
	return rq.writeXML(http.StatusOK, &locationXML{NS: s3NS, Value: region})
}

func (rq *request) getVersioning() error {
	status, mfa, err := rq.e.GetBucketVersioning(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeXML(http.StatusOK, &versioningXML{NS: s3NS, Status: status, MfaDelete: mfa})
}

func (rq *request) putVersioning() error {
	var c versioningXML
	if err := rq.readXML(&c); err != nil {
		return err
	}
	return rq.noContent(rq.e.PutBucketVersioning(rq.ctx, rq.bucket, c.Status, c.MfaDelete), http.StatusOK)
}

func (rq *request) getPolicy() error {
	p, err := rq.e.GetBucketPolicy(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(p)))
	rq.w.WriteHeader(http.StatusOK)
	io.WriteString(rq.w, p)
	return nil
}

func (rq *request) getPolicyStatus() error {
	p, err := rq.e.GetBucketPolicy(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeXML(http.StatusOK, &policyStatusXML{NS: s3NS, IsPublic: policyIsPublic(p)})
}

// policyIsPublic reports whether an Allow statement names every principal
// without conditions.
func policyIsPublic(p string) bool {
	compact := strings.Join(strings.Fields(p), "")
	return strings.Contains(compact, `"Effect":"Allow"`) &&
		(strings.Contains(compact, `"Principal":"*"`) || strings.Contains(compact, `"AWS":"*"`)) &&
		!strings.Contains(compact, `"Condition"`)
}

func (rq *request) putPolicy() error {
	body, err := rq.readBody(maxXMLBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errMissingRequestBody()
	}
	return rq.noContent(rq.e.PutBucketPolicy(rq.ctx, rq.bucket, string(body)), http.StatusNoContent)
}

func (rq *request) getBucketTagging() error {
	tags, err := rq.e.GetBucketTagging(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeXML(http.StatusOK, &taggingXML{NS: s3NS, TagSet: tagSetXML{Tags: tags}})
}

func (rq *request) putBucketTagging() error {
	var t taggingXML
	if err := rq.readXML(&t); err != nil {
		return err
	}
	return rq.noContent(rq.e.PutBucketTagging(rq.ctx, rq.bucket, t.TagSet.Tags), http.StatusNoContent)
}

const aclTemplate = `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>%[1]s</ID><DisplayName>%[2]s</DisplayName></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>%[1]s</ID><DisplayName>%[2]s</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>%[3]s</AccessControlList></AccessControlPolicy>`

const allUsersGrant = `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>%s</Permission></Grant>`

func (rq *request) writeACL(account, canned string) error {
	o := ownerOf(account)
	extra := ""
	switch canned {
	case "public-read":
		extra = fmt.Sprintf(allUsersGrant, "READ")
	case "public-read-write":
		extra = fmt.Sprintf(allUsersGrant, "READ") + fmt.Sprintf(allUsersGrant, "WRITE")
	}
	var id, name bytes.Buffer
	xml.EscapeText(&id, []byte(o.ID))
	xml.EscapeText(&name, []byte(o.DisplayName))
	doc := xml.Header + fmt.Sprintf(aclTemplate, id.String(), name.String(), extra)
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	rq.w.WriteHeader(http.StatusOK)
	io.WriteString(rq.w, doc)
	return nil
}

func (rq *request) getBucketACL() error {
	acl, account, err := rq.e.bucketACL(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeACL(account, acl)
}

// aclFromRequest reads a PutBucketAcl / PutObjectAcl request: a canned ACL
// header, grant headers or an AccessControlPolicy body.
func (rq *request) aclFromRequest() (string, error) {
	acl := rq.hdr("x-amz-acl")
	body, err := rq.readBody(maxXMLBody)
	if err != nil {
		return "", err
	}
	if acl == "" && (hasGrantHeaders(rq.r) || len(bytes.TrimSpace(body)) > 0) {
		if len(bytes.TrimSpace(body)) > 0 {
			var doc struct {
				XMLName xml.Name `xml:"AccessControlPolicy"`
				Grants  []struct {
					Permission string `xml:"Permission"`
				} `xml:"AccessControlList>Grant"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				return "", errMalformedACL()
			}
			// An owner-only full-control policy is "private"; anything
			// else needs ACLs enabled.
			if len(doc.Grants) == 1 && doc.Grants[0].Permission == "FULL_CONTROL" {
				return "private", nil
			}
		}
		return "custom", nil
	}
	return acl, nil
}

func errMalformedACL() *apierr.Error {
	return apierr.Code{Name: "MalformedACLError", Status: 400}.New("The XML you provided was not well-formed or did not validate against our published schema")
}

func (rq *request) putBucketACL() error {
	acl, err := rq.aclFromRequest()
	if err != nil {
		return err
	}
	if acl == "custom" {
		b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
		if err != nil {
			return err
		}
		if b.Ownership.enforced() {
			return errACLNotSupported.New("The bucket does not allow ACLs")
		}
		acl = "private"
	}
	return rq.noContent(rq.e.PutBucketACL(rq.ctx, rq.bucket, acl), http.StatusOK)
}

func (rq *request) getAccelerate() error {
	b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeXML(http.StatusOK, &accelerateXML{NS: s3NS, Status: b.Accelerate})
}

func (rq *request) getRequestPayment() error {
	b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	p := b.RequestPayer
	if p == "" {
		p = "BucketOwner"
	}
	return rq.writeXML(http.StatusOK, &requestPaymentXML{NS: s3NS, Payer: p})
}

func (rq *request) getRawConfig(root string, get func(*bucketRec) string) error {
	b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	doc := get(b)
	if doc == "" {
		doc = xml.Header + "<" + root + ` xmlns="` + s3NS + `"/>`
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	rq.w.WriteHeader(http.StatusOK)
	io.WriteString(rq.w, doc)
	return nil
}

func (rq *request) putRawConfig(root string, set func(*bucketRec, string)) error {
	body, err := rq.readBody(maxXMLBody)
	if err != nil {
		return err
	}
	var probe struct{ XMLName xml.Name }
	if err := xml.Unmarshal(body, &probe); err != nil || probe.XMLName.Local != root {
		return malformedXML()
	}
	doc := string(body)
	if !strings.HasPrefix(strings.TrimSpace(doc), "<?xml") {
		doc = xml.Header + doc
	}
	return rq.noContent(rq.e.setBucketRaw(rq.ctx, rq.bucket, func(b *bucketRec) { set(b, doc) }), http.StatusOK)
}

// ---- listing ----

func parseMaxKeys(q url.Values, name string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, invalidArgument("Provided "+name+" not an integer or within integer range", name, v)
	}
	return n, nil
}

func encodingType(q url.Values) (bool, error) {
	switch v := q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", v)
	}
}

func checksumAlgs(alg string) []string {
	if alg == "" {
		return nil
	}
	return []string{alg}
}

func (rq *request) listObjects(v2 bool) error {
	max, err := parseMaxKeys(rq.q, "max-keys")
	if err != nil {
		return err
	}
	enc, err := encodingType(rq.q)
	if err != nil {
		return err
	}
	opts := ListOptions{Prefix: rq.q.Get("prefix"), Delimiter: rq.q.Get("delimiter"), MaxKeys: max}
	if v2 {
		opts.After = rq.q.Get("start-after")
		opts.ContinuationToken = rq.q.Get("continuation-token")
		if _, ok := rq.q["continuation-token"]; ok && opts.ContinuationToken == "" {
			return invalidArgument("The continuation token provided is incorrect", "continuation-token", "")
		}
	} else {
		opts.After = rq.q.Get("marker")
	}
	res, err := rq.e.ListObjects(rq.ctx, rq.bucket, opts)
	if err != nil {
		return err
	}
	e := func(s string) string {
		if enc {
			return urlEncode(s)
		}
		return s
	}
	if max < 0 || max > defaultMaxKeys {
		max = defaultMaxKeys
	}
	out := listObjectsXML{NS: s3NS, Name: rq.bucket, Prefix: e(opts.Prefix), Delimiter: e(opts.Delimiter), MaxKeys: max, IsTruncated: res.IsTruncated}
	if enc {
		out.EncodingType = "url"
	}
	fetchOwner := !v2 || rq.q.Get("fetch-owner") == "true"
	for _, o := range res.Objects {
		ox := objectXML{Key: e(o.Key), LastModified: xmlTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: o.StorageClass,
			ChecksumAlgorithm: checksumAlgs(o.ChecksumAlgorithm), ChecksumType: o.ChecksumType}
		if fetchOwner {
			ox.Owner = ownerXMLOf(o.Owner)
		}
		out.Contents = append(out.Contents, ox)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: e(p)})
	}
	if v2 {
		n := len(res.Objects) + len(res.CommonPrefixes)
		out.KeyCount = &n
		out.ContinuationToken = opts.ContinuationToken
		out.StartAfter = e(opts.After)
		if res.IsTruncated {
			out.NextContinuationToken = res.NextContinuationToken
		}
	} else {
		m := e(opts.After)
		out.Marker = &m
		if res.IsTruncated && opts.Delimiter != "" {
			out.NextMarker = e(res.NextMarker)
		}
	}
	return rq.writeXML(http.StatusOK, &out)
}

func (rq *request) listVersions() error {
	max, err := parseMaxKeys(rq.q, "max-keys")
	if err != nil {
		return err
	}
	enc, err := encodingType(rq.q)
	if err != nil {
		return err
	}
	opts := VersionListOptions{Prefix: rq.q.Get("prefix"), Delimiter: rq.q.Get("delimiter"), MaxKeys: max,
		KeyMarker: rq.q.Get("key-marker"), VersionIDMarker: rq.q.Get("version-id-marker")}
	res, err := rq.e.ListObjectVersions(rq.ctx, rq.bucket, opts)
	if err != nil {
		return err
	}
	e := func(s string) string {
		if enc {
			return urlEncode(s)
		}
		return s
	}
	if max < 0 || max > defaultMaxKeys {
		max = defaultMaxKeys
	}
	out := listVersionsXML{NS: s3NS, Name: rq.bucket, Prefix: e(opts.Prefix), KeyMarker: e(opts.KeyMarker), VersionIDMarker: opts.VersionIDMarker,
		Delimiter: e(opts.Delimiter), MaxKeys: max, IsTruncated: res.IsTruncated}
	if enc {
		out.EncodingType = "url"
	}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = e(res.NextKeyMarker), res.NextVersionIDMarker
	}
	for _, v := range res.Versions {
		vx := versionXML{Key: e(v.Key), VersionID: v.VersionID, IsLatest: v.IsLatest, LastModified: xmlTime(v.LastModified), Owner: ownerXMLOf(v.Owner)}
		if v.DeleteMarker {
			vx.XMLName = xml.Name{Local: "DeleteMarker"}
		} else {
			vx.XMLName = xml.Name{Local: "Version"}
			size := v.Size
			vx.Size, vx.ETag, vx.StorageClass = &size, v.ETag, v.StorageClass
			vx.ChecksumAlgorithm, vx.ChecksumType = checksumAlgs(v.ChecksumAlgorithm), v.ChecksumType
		}
		out.Entries = append(out.Entries, vx)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: e(p)})
	}
	return rq.writeXML(http.StatusOK, &out)
}

// ---- objects ----

// putOptions reads an object write's headers.
func (rq *request) putOptions() (PutOptions, error) {
	h := rq.r.Header
	o := PutOptions{
		ContentType: h.Get("Content-Type"), CacheControl: h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"), ContentLanguage: h.Get("Content-Language"),
		Expires: h.Get("Expires"), WebsiteRedirectLocation: h.Get("x-amz-website-redirect-location"),
		StorageClass: h.Get("x-amz-storage-class"), ACL: h.Get("x-amz-acl"),
		SSE: h.Get("x-amz-server-side-encryption"), SSEKMSKeyID: h.Get("x-amz-server-side-encryption-aws-kms-key-id"),
		ContentMD5: h.Get("Content-MD5"), IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match"),
	}
	if v := h.Get("x-amz-server-side-encryption-bucket-key-enabled"); v != "" {
		bk := strings.EqualFold(v, "true")
		o.BucketKeyEnabled = &bk
	}
	if h.Get("x-amz-server-side-encryption-customer-algorithm") != "" || h.Get("x-amz-server-side-encryption-customer-key") != "" {
		return o, notImplemented("x-amz-server-side-encryption-customer-algorithm")
	}
	o.ContentEncoding = stripAWSChunked(h.Values("Content-Encoding"))
	for k, vals := range h {
		lk := strings.ToLower(k)
		if name, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok && name != "" {
			if o.Metadata == nil {
				o.Metadata = map[string]string{}
			}
			o.Metadata[name] = strings.Join(vals, ",")
		}
	}
	if t := h.Get("x-amz-tagging"); t != "" {
		tags, err := parseTaggingHeader(t)
		if err != nil {
			return o, err
		}
		o.Tags = tags
	}
	o.ACLGrants = hasGrantHeaders(rq.r)
	return o, nil
}

func parseTaggingHeader(t string) ([]Tag, error) {
	vals, err := url.ParseQuery(t)
	if err != nil {
		return nil, invalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", t)
	}
	keys := make([]string, 0, len(vals))
	for k, v := range vals {
		if len(v) != 1 {
			return nil, invalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", t)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := make([]Tag, 0, len(keys))
	for _, k := range keys {
		tags = append(tags, Tag{Key: k, Value: vals.Get(k)})
	}
	return tags, nil
}

// stripAWSChunked removes the aws-chunked token from Content-Encoding.
func stripAWSChunked(vals []string) string {
	var keep []string
	for _, v := range vals {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t != "" && !strings.EqualFold(t, "aws-chunked") {
				keep = append(keep, t)
			}
		}
	}
	return strings.Join(keep, ",")
}

// checksumRequest finds the checksum algorithm and expected value of an
// upload: an x-amz-checksum-* header, or a trailer announced in
// x-amz-trailer, or just x-amz-sdk-checksum-algorithm.
func (rq *request) checksumRequest() (alg, value string, trailing func() string, err error) {
	h := rq.r.Header
	for _, a := range ChecksumAlgorithms {
		if v := h.Get("x-amz-checksum-" + strings.ToLower(a)); v != "" {
			if alg != "" {
				return "", "", nil, errInvalidRequest.New("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			alg, value = a, v
		}
	}
	if tr := strings.ToLower(strings.TrimSpace(h.Get("x-amz-trailer"))); tr != "" {
		name, ok := strings.CutPrefix(tr, "x-amz-checksum-")
		a, ok2 := normalizeAlgorithm(name)
		if !ok || !ok2 {
			return "", "", nil, invalidArgument("The value specified in the x-amz-trailer header is not supported", "x-amz-trailer", tr)
		}
		if alg != "" && alg != a {
			return "", "", nil, errInvalidRequest.New("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		alg = a
		body := rq.r.Body
		r := rq.r
		trailing = func() string {
			if v := r.Trailer.Get(tr); v != "" {
				return v
			}
			return bodyTrailers(body)[tr]
		}
	}
	if alg == "" {
		for _, name := range []string{"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"} {
			if v := h.Get(name); v != "" {
				a, ok := normalizeAlgorithm(v)
				if !ok {
					return "", "", nil, invalidArgument("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]", name, v)
				}
				alg = a
				break
			}
		}
	}
	return alg, value, trailing, nil
}

// bodyTrailers finds the trailing headers of an aws-chunked body, which
// the gateway's decoder keeps (it verifies the CRC32 and CRC32C ones
// itself); nil when the body does not expose them.
func bodyTrailers(body io.Reader) (out map[string]string) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	type trailered interface{ Trailers() map[string]string }
	for range 4 {
		if t, ok := body.(trailered); ok {
			return t.Trailers()
		}
		v := reflect.ValueOf(body)
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return nil
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return nil
		}
		f := v.FieldByName("Reader")
		if !f.IsValid() || !f.CanInterface() {
			return nil
		}
		inner, ok := f.Interface().(io.Reader)
		if !ok || inner == nil {
			return nil
		}
		body = inner
	}
	return nil
}

func (rq *request) contentLength() (*int64, error) {
	if rq.r.ContentLength < 0 {
		for _, te := range rq.r.TransferEncoding {
			if strings.EqualFold(te, "chunked") {
				return nil, notImplemented("Transfer-Encoding")
			}
		}
		return nil, errMissingContentLength.New("You must provide the Content-Length HTTP header.")
	}
	n := rq.r.ContentLength
	return &n, nil
}

func (rq *request) putObject() error {
	n, err := rq.contentLength()
	if err != nil {
		return err
	}
	opts, err := rq.putOptions()
	if err != nil {
		return err
	}
	opts.ContentLength = n
	alg, value, trailing, err := rq.checksumRequest()
	if err != nil {
		return err
	}
	opts.ChecksumAlgorithm, opts.Checksum, opts.TrailingChecksum = alg, value, trailing
	info, err := rq.e.PutObject(rq.ctx, rq.bucket, rq.key, rq.r.Body, opts)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("ETag", info.ETag)
	rq.setVersion(info.VersionID)
	rq.setSSE(info)
	rq.setChecksum(info.ChecksumAlgorithm, info.Checksum, info.ChecksumType)
	return rq.noContent(nil, http.StatusOK)
}

func (rq *request) setSSE(info *ObjectInfo) {
	h := rq.w.Header()
	if info.SSE != "" {
		h.Set("x-amz-server-side-encryption", info.SSE)
	}
	if info.SSEKMSKeyID != "" {
		h.Set("x-amz-server-side-encryption-aws-kms-key-id", info.SSEKMSKeyID)
	}
	if info.BucketKeyEnabled {
		h.Set("x-amz-server-side-encryption-bucket-key-enabled", "true")
	}
}

func (rq *request) setChecksum(alg, value, typ string) {
	if alg == "" || value == "" {
		return
	}
	h := rq.w.Header()
	h.Set("x-amz-checksum-"+strings.ToLower(alg), value)
	if typ != "" {
		h.Set("x-amz-checksum-type", typ)
	}
}

func parseHTTPTime(v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return nil
	}
	return &t
}

func (rq *request) getObject() error {
	head := rq.r.Method == http.MethodHead
	versionID := rq.q.Get("versionId")
	o, err := rq.e.openObject(rq.ctx, rq.bucket, rq.key, versionID, rq.r.Method)
	if err != nil {
		var dm *DeleteMarkerError
		if errors.As(err, &dm) {
			h := rq.w.Header()
			h.Set("x-amz-delete-marker", "true")
			h.Set("x-amz-version-id", dm.VersionID)
			if versionID != "" {
				h.Set("Last-Modified", httpTime(dm.LastModified))
				h.Set("Allow", "DELETE")
			}
		}
		return err
	}
	defer o.Close()
	info := o.Info
	h := rq.w.Header()
	cond := Conditions{
		IfMatch: rq.hdr("If-Match"), IfNoneMatch: rq.hdr("If-None-Match"),
		IfModifiedSince: parseHTTPTime(rq.hdr("If-Modified-Since")), IfUnmodifiedSince: parseHTTPTime(rq.hdr("If-Unmodified-Since")),
	}
	notModified, err := cond.Check(info.ETag, info.LastModified)
	if err != nil {
		return err
	}
	if notModified {
		h.Set("ETag", info.ETag)
		h.Set("Last-Modified", httpTime(info.LastModified))
		rq.setVersion(info.VersionID)
		rq.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	off, n := int64(0), info.Size
	status := http.StatusOK
	partial := false
	if pn := rq.q.Get("partNumber"); pn != "" {
		num, perr := strconv.Atoi(pn)
		if perr != nil || num < 1 || num > MaxParts {
			return invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", pn)
		}
		if rq.hdr("Range") != "" {
			return errInvalidRequest.New("Cannot specify both Range header and partNumber query parameter")
		}
		var ok bool
		off, n, ok = o.partRange(num)
		if !ok {
			return apierr.Code{Name: "InvalidPartNumber", Status: 416}.New("The requested partnumber is not satisfiable").With("PartNumberRequested", pn).With("ActualPartCount", strconv.Itoa(max(info.PartsCount, 1)))
		}
		if info.PartsCount > 0 {
			h.Set("x-amz-mp-parts-count", strconv.Itoa(info.PartsCount))
			status, partial = http.StatusPartialContent, true
		}
	} else if rg := rq.hdr("Range"); rg != "" {
		a, k, ok, rerr := ParseRange(rg, info.Size)
		if rerr != nil {
			return rerr
		}
		if ok {
			off, n, status, partial = a, k, http.StatusPartialContent, true
		}
	}
	rq.objectHeaders(info)
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, info.Size))
	} else if strings.EqualFold(rq.hdr("x-amz-checksum-mode"), "ENABLED") {
		rq.setChecksum(info.ChecksumAlgorithm, info.Checksum, info.ChecksumType)
	}
	for param, header := range map[string]string{
		"response-content-type": "Content-Type", "response-content-language": "Content-Language",
		"response-expires": "Expires", "response-cache-control": "Cache-Control",
		"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
	} {
		if v := rq.q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	rq.w.WriteHeader(status)
	if head || n == 0 {
		return nil
	}
	rd := o.Range(off, n)
	defer rd.Close()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	io.CopyBuffer(rq.w, rd, *bp)
	return nil
}

// objectHeaders writes the metadata headers of GetObject / HeadObject.
func (rq *request) objectHeaders(info *ObjectInfo) {
	h := rq.w.Header()
	h.Set("ETag", info.ETag)
	h.Set("Last-Modified", httpTime(info.LastModified))
	h.Set("Accept-Ranges", "bytes")
	if info.ContentType != "" {
		h.Set("Content-Type", info.ContentType)
	}
	for name, v := range map[string]string{
		"Cache-Control": info.CacheControl, "Content-Disposition": info.ContentDisposition,
		"Content-Encoding": info.ContentEncoding, "Content-Language": info.ContentLanguage,
		"Expires": info.Expires, "x-amz-website-redirect-location": info.WebsiteRedirectLocation,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for k, v := range info.Metadata {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if info.StorageClass != "" && info.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", info.StorageClass)
	}
	if info.TagCount > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(info.TagCount))
	}
	rq.setVersion(info.VersionID)
	rq.setSSE(info)
}

func (rq *request) deleteObject() error {
	res, err := rq.e.DeleteObject(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"))
	if err != nil {
		return err
	}
	h := rq.w.Header()
	if res.DeleteMarker {
		h.Set("x-amz-delete-marker", "true")
	}
	if res.VersionID != "" && (res.DeleteMarker || rq.q.Get("versionId") != "") {
		h.Set("x-amz-version-id", res.VersionID)
	}
	return rq.noContent(nil, http.StatusNoContent)
}

func (rq *request) deleteObjects() error {
	var req deleteRequestXML
	if err := rq.readXML(&req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return malformedXML()
	}
	if _, err := rq.e.viewBucket(rq.ctx, rq.bucket); err != nil {
		return err
	}
	out := deleteResultXML{NS: s3NS}
	for _, o := range req.Objects {
		res, err := rq.e.DeleteObject(rq.ctx, rq.bucket, o.Key, o.VersionID)
		if err != nil {
			ae, ok := apierr.As(err)
			if !ok {
				ae = errInternal.New("We encountered an internal error. Please try again.")
			}
			out.Errors = append(out.Errors, deleteErrorXML{Key: o.Key, VersionID: o.VersionID, Code: ae.Code.Name, Message: ae.Message})
			continue
		}
		if req.Quiet {
			continue
		}
		d := deletedXML{Key: o.Key}
		if o.VersionID != "" {
			d.VersionID = res.VersionID
			d.DeleteMarker = res.DeleteMarker
			if res.DeleteMarker {
				d.DeleteMarkerVersionID = res.VersionID
			}
		} else if res.DeleteMarker {
			d.DeleteMarker = true
			d.DeleteMarkerVersionID = res.VersionID
		}
		out.Deleted = append(out.Deleted, d)
	}
	return rq.writeXML(http.StatusOK, &out)
}

func (rq *request) copySource() (CopySource, error) {
	src, err := ParseCopySource(rq.hdr("x-amz-copy-source"))
	if err != nil {
		return src, err
	}
	src.Conditions = Conditions{
		IfMatch: rq.hdr("x-amz-copy-source-if-match"), IfNoneMatch: rq.hdr("x-amz-copy-source-if-none-match"),
		IfModifiedSince:   parseHTTPTime(rq.hdr("x-amz-copy-source-if-modified-since")),
		IfUnmodifiedSince: parseHTTPTime(rq.hdr("x-amz-copy-source-if-unmodified-since")),
	}
	if rq.hdr("x-amz-copy-source-server-side-encryption-customer-algorithm") != "" {
		return src, notImplemented("x-amz-copy-source-server-side-encryption-customer-algorithm")
	}
	return src, nil
}

func (rq *request) copyObject() error {
	src, err := rq.copySource()
	if err != nil {
		return err
	}
	opts, err := rq.putOptions()
	if err != nil {
		return err
	}
	opts.ContentMD5 = ""
	if a := rq.hdr("x-amz-checksum-algorithm"); a != "" {
		opts.ChecksumAlgorithm = a
	}
	res, err := rq.e.CopyObject(rq.ctx, rq.bucket, rq.key, CopyOptions{
		Source: src, MetadataDirective: rq.hdr("x-amz-metadata-directive"), TaggingDirective: rq.hdr("x-amz-tagging-directive"), Put: opts,
	})
	if err != nil {
		return err
	}
	info := res.Object
	if res.SourceVersionID != "" {
		rq.w.Header().Set("x-amz-copy-source-version-id", res.SourceVersionID)
	}
	rq.setVersion(info.VersionID)
	rq.setSSE(info)
	return rq.writeXML(http.StatusOK, &copyObjectResultXML{NS: s3NS, ETag: info.ETag, LastModified: xmlTime(info.LastModified),
		checksumXML: checksumOf(info.ChecksumAlgorithm, info.Checksum, info.ChecksumType)})
}

func (rq *request) getObjectTagging() error {
	tags, vid, err := rq.e.GetObjectTagging(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"))
	if err != nil {
		return err
	}
	rq.setVersion(vid)
	return rq.writeXML(http.StatusOK, &taggingXML{NS: s3NS, TagSet: tagSetXML{Tags: tags}})
}

func (rq *request) putObjectTagging() error {
	var t taggingXML
	if err := rq.readXML(&t); err != nil {
		return err
	}
	vid, err := rq.e.PutObjectTagging(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"), t.TagSet.Tags)
	if err != nil {
		return err
	}
	rq.setVersion(vid)
	return rq.noContent(nil, http.StatusOK)
}

func (rq *request) getObjectACL() error {
	info, err := rq.e.HeadObject(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"))
	if err != nil {
		return err
	}
	rq.setVersion(info.VersionID)
	_, account, err := rq.e.bucketACL(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	return rq.writeACL(account, "private")
}

func (rq *request) putObjectACL() error {
	acl, err := rq.aclFromRequest()
	if err != nil {
		return err
	}
	b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
	if err != nil {
		return err
	}
	if acl != "" && acl != "private" && acl != "bucket-owner-full-control" && b.Ownership.enforced() {
		return errACLNotSupported.New("The bucket does not allow ACLs")
	}
	info, err := rq.e.HeadObject(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"))
	if err != nil {
		return err
	}
	rq.setVersion(info.VersionID)
	return rq.noContent(nil, http.StatusOK)
}

// getObjectAttributes serves GetObjectAttributes.
func (rq *request) getObjectAttributes() error {
	info, err := rq.e.HeadObject(rq.ctx, rq.bucket, rq.key, rq.q.Get("versionId"))
	if err != nil {
		var dm *DeleteMarkerError
		if errors.As(err, &dm) {
			rq.w.Header().Set("x-amz-delete-marker", "true")
			rq.w.Header().Set("x-amz-version-id", dm.VersionID)
		}
		return err
	}
	want := map[string]bool{}
	for _, v := range rq.r.Header.Values("x-amz-object-attributes") {
		for _, a := range strings.Split(v, ",") {
			want[strings.TrimSpace(a)] = true
		}
	}
	if len(want) == 0 {
		return invalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", "")
	}
	type attrsXML struct {
		XMLName      xml.Name `xml:"GetObjectAttributesResponse"`
		NS           string   `xml:"xmlns,attr"`
		ETag         string   `xml:"ETag,omitempty"`
		Checksum     *checksumXML
		ObjectParts  *struct{ TotalPartsCount int } `xml:"ObjectParts,omitempty"`
		StorageClass string                         `xml:"StorageClass,omitempty"`
		ObjectSize   *int64                         `xml:"ObjectSize,omitempty"`
	}
	out := attrsXML{NS: s3NS}
	if want["ETag"] {
		out.ETag = strings.Trim(info.ETag, `"`)
	}
	if want["Checksum"] && info.ChecksumAlgorithm != "" {
		c := checksumOf(info.ChecksumAlgorithm, info.Checksum, info.ChecksumType)
		out.Checksum = &c
	}
	if want["ObjectParts"] && info.PartsCount > 0 {
		out.ObjectParts = &struct{ TotalPartsCount int }{info.PartsCount}
	}
	if want["StorageClass"] {
		out.StorageClass = info.StorageClass
	}
	if want["ObjectSize"] {
		s := info.Size
		out.ObjectSize = &s
	}
	rq.setVersion(info.VersionID)
	rq.w.Header().Set("Last-Modified", httpTime(info.LastModified))
	return rq.writeXML(http.StatusOK, &out)
}

// ---- multipart ----

func (rq *request) createUpload() error {
	opts, err := rq.putOptions()
	if err != nil {
		return err
	}
	opts.ContentMD5, opts.IfMatch, opts.IfNoneMatch = "", "", ""
	opts.ChecksumAlgorithm = rq.hdr("x-amz-checksum-algorithm")
	opts.ChecksumType = rq.hdr("x-amz-checksum-type")
	u, err := rq.e.CreateMultipartUpload(rq.ctx, rq.bucket, rq.key, opts)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	if u.ChecksumAlgorithm != "" {
		h.Set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
		h.Set("x-amz-checksum-type", u.ChecksumType)
	}
	b, err := rq.e.viewBucket(rq.ctx, rq.bucket)
	if err == nil {
		alg, key, bk := opts.sse(b)
		rq.setSSE(&ObjectInfo{SSE: alg, SSEKMSKeyID: key, BucketKeyEnabled: bk})
	}
	return rq.writeXML(http.StatusOK, &initiateXML{NS: s3NS, Bucket: rq.bucket, Key: rq.key, UploadID: u.UploadID})
}

func (rq *request) partNumber() (int, error) {
	v := rq.q.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	if err := checkPartNumber(n); err != nil {
		return 0, err
	}
	if rq.q.Get("uploadId") == "" {
		return 0, noSuchUpload("")
	}
	return n, nil
}

func (rq *request) uploadPart() error {
	num, err := rq.partNumber()
	if err != nil {
		return err
	}
	n, err := rq.contentLength()
	if err != nil {
		return err
	}
	alg, value, trailing, err := rq.checksumRequest()
	if err != nil {
		return err
	}
	p, err := rq.e.UploadPart(rq.ctx, rq.bucket, rq.key, rq.q.Get("uploadId"), num, rq.r.Body, PartOptions{
		ContentLength: n, ContentMD5: rq.hdr("Content-MD5"), ChecksumAlgorithm: alg, Checksum: value, TrailingChecksum: trailing,
	})
	if err != nil {
		return err
	}
	rq.w.Header().Set("ETag", p.ETag)
	if alg != "" {
		rq.setChecksum(p.ChecksumAlgorithm, p.Checksum, "")
	}
	rq.setSSEFromBucket()
	return rq.noContent(nil, http.StatusOK)
}

func (rq *request) setSSEFromBucket() {
	if b, err := rq.e.viewBucket(rq.ctx, rq.bucket); err == nil {
		var o PutOptions
		alg, key, bk := o.sse(b)
		rq.setSSE(&ObjectInfo{SSE: alg, SSEKMSKeyID: key, BucketKeyEnabled: bk})
	}
}

func (rq *request) uploadPartCopy() error {
	num, err := rq.partNumber()
	if err != nil {
		return err
	}
	src, err := rq.copySource()
	if err != nil {
		return err
	}
	p, srcVersion, err := rq.e.UploadPartCopy(rq.ctx, rq.bucket, rq.key, rq.q.Get("uploadId"), num, src, rq.hdr("x-amz-copy-source-range"))
	if err != nil {
		return err
	}
	if srcVersion != "" {
		rq.w.Header().Set("x-amz-copy-source-version-id", srcVersion)
	}
	rq.setSSEFromBucket()
	out := copyPartResultXML{NS: s3NS, ETag: p.ETag, LastModified: xmlTime(p.LastModified)}
	out.checksumXML = checksumOf(p.ChecksumAlgorithm, p.Checksum, "")
	out.checksumXML.ChecksumType = ""
	return rq.writeXML(http.StatusOK, &out)
}

func (rq *request) completeUpload() error {
	var req completeRequestXML
	if err := rq.readXML(&req); err != nil {
		return err
	}
	uploadID := rq.q.Get("uploadId")
	list := make([]CompletedPart, 0, len(req.Parts))
	for _, p := range req.Parts {
		cp := CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag}
		for _, a := range ChecksumAlgorithms {
			if v := p.get(a); v != "" {
				cp.Checksum = v
			}
		}
		list = append(list, cp)
	}
	opts := CompleteOptions{IfMatch: rq.hdr("If-Match"), IfNoneMatch: rq.hdr("If-None-Match")}
	for _, a := range ChecksumAlgorithms {
		if v := rq.hdr("x-amz-checksum-" + strings.ToLower(a)); v != "" && !strings.Contains(v, "-") {
			opts.Checksum = v
		}
	}
	info, err := rq.e.CompleteMultipartUpload(rq.ctx, rq.bucket, rq.key, uploadID, list, opts)
	if err != nil {
		return err
	}
	rq.setVersion(info.VersionID)
	rq.setSSE(info)
	loc := "http://" + rq.r.Host + "/" + rq.bucket + "/" + escapeKey(rq.key)
	return rq.writeXML(http.StatusOK, &completeResultXML{NS: s3NS, Location: loc, Bucket: rq.bucket, Key: rq.key, ETag: info.ETag,
		checksumXML: checksumOf(info.ChecksumAlgorithm, info.Checksum, info.ChecksumType)})
}

func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func (rq *request) listParts() error {
	max, marker := 0, 0
	if v := rq.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalidArgument("Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		max = n
	}
	if v := rq.q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalidArgument("Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
		marker = n
	}
	res, err := rq.e.ListParts(rq.ctx, rq.bucket, rq.key, rq.q.Get("uploadId"), max, marker)
	if err != nil {
		return err
	}
	u := res.Upload
	out := listPartsXML{NS: s3NS, Bucket: rq.bucket, Key: rq.key, UploadID: u.UploadID, PartNumberMarker: marker,
		NextPartNumberMarker: res.NextPartNumberMarker, MaxParts: res.MaxParts, IsTruncated: res.IsTruncated,
		Initiator: ownerXMLOf(u.Owner), Owner: ownerXMLOf(u.Owner), StorageClass: u.StorageClass,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType}
	for _, p := range res.Parts {
		px := partXML{PartNumber: p.PartNumber, LastModified: xmlTime(p.LastModified), ETag: p.ETag, Size: p.Size,
			checksumXML: checksumOf(p.ChecksumAlgorithm, p.Checksum, "")}
		px.checksumXML.ChecksumType = ""
		out.Parts = append(out.Parts, px)
	}
	return rq.writeXML(http.StatusOK, &out)
}

func (rq *request) listUploads() error {
	max, err := parseMaxKeys(rq.q, "max-uploads")
	if err != nil {
		return err
	}
	enc, err := encodingType(rq.q)
	if err != nil {
		return err
	}
	opts := UploadListOptions{Prefix: rq.q.Get("prefix"), Delimiter: rq.q.Get("delimiter"), KeyMarker: rq.q.Get("key-marker"),
		UploadIDMarker: rq.q.Get("upload-id-marker"), MaxUploads: max}
	res, err := rq.e.ListMultipartUploads(rq.ctx, rq.bucket, opts)
	if err != nil {
		return err
	}
	e := func(s string) string {
		if enc {
			return urlEncode(s)
		}
		return s
	}
	if max < 0 || max > 1000 {
		max = 1000
	}
	out := listUploadsXML{NS: s3NS, Bucket: rq.bucket, KeyMarker: e(opts.KeyMarker), UploadIDMarker: opts.UploadIDMarker,
		NextKeyMarker: e(res.NextKeyMarker), NextUploadIDMarker: res.NextUploadIDMarker, Prefix: e(opts.Prefix),
		Delimiter: e(opts.Delimiter), MaxUploads: max, IsTruncated: res.IsTruncated}
	if enc {
		out.EncodingType = "url"
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, uploadXML{Key: e(u.Key), UploadID: u.UploadID, Initiator: ownerXMLOf(u.Owner), Owner: ownerXMLOf(u.Owner),
			StorageClass: u.StorageClass, Initiated: xmlTime(u.Initiated), ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType})
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: e(p)})
	}
	return rq.writeXML(http.StatusOK, &out)
}
