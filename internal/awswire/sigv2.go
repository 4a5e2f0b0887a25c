package awswire

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Signature Version 2, for S3 only: the AWS CLI v1 still presigns S3 URLs
// with it (`aws s3 presign`), and old S3 tools sign headers with it.

type sigV2 struct {
	AccessKeyID string
	Signature   string
	Expires     string // query form: Unix seconds
	Presigned   bool
}

// parseSigV2 recognises SigV2 query parameters or an "AWS id:sig" header.
func parseSigV2(r *http.Request) (*sigV2, bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "AWS ") {
		id, sig, ok := strings.Cut(strings.TrimPrefix(h, "AWS "), ":")
		return &sigV2{AccessKeyID: id, Signature: sig}, ok
	}
	q := r.URL.Query()
	if q.Get("AWSAccessKeyId") != "" && q.Get("Signature") != "" {
		return &sigV2{AccessKeyID: q.Get("AWSAccessKeyId"), Signature: q.Get("Signature"), Expires: q.Get("Expires"), Presigned: true}, true
	}
	return nil, false
}

// s3SubResources are the query parameters that belong to the canonical
// resource in SigV2.
var s3SubResources = map[string]bool{
	"acl": true, "cors": true, "delete": true, "lifecycle": true, "location": true, "logging": true, "notification": true,
	"partNumber": true, "policy": true, "requestPayment": true, "restore": true, "tagging": true, "torrent": true,
	"uploadId": true, "uploads": true, "versionId": true, "versioning": true, "versions": true, "website": true,
	"object-lock": true, "retention": true, "legal-hold": true, "encryption": true, "publicAccessBlock": true,
	"response-content-type": true, "response-content-language": true, "response-expires": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
}

// v2StringToSign builds what the client signed, with the given canonical
// resource path.
func v2StringToSign(r *http.Request, s *sigV2, resourcePath string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(r.Header.Get("Content-MD5") + "\n")
	b.WriteString(r.Header.Get("Content-Type") + "\n")
	if s.Presigned {
		b.WriteString(s.Expires + "\n")
	} else if r.Header.Get("X-Amz-Date") != "" {
		b.WriteString("\n")
	} else {
		b.WriteString(r.Header.Get("Date") + "\n")
	}
	var amz []string
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			amz = append(amz, lk+":"+strings.Join(v, ","))
		}
	}
	sort.Strings(amz)
	for _, h := range amz {
		b.WriteString(h + "\n")
	}
	b.WriteString(resourcePath)
	var subs []string
	for k, vals := range r.URL.Query() {
		if !s3SubResources[k] {
			continue
		}
		if len(vals) == 0 || vals[0] == "" {
			subs = append(subs, k)
		} else {
			subs = append(subs, k+"="+vals[0])
		}
	}
	sort.Strings(subs)
	if len(subs) > 0 {
		b.WriteString("?" + strings.Join(subs, "&"))
	}
	return b.String()
}

// verifySigV2 checks a SigV2 signature against the secret, trying the
// canonical resource for path-style and virtual-host addressing.
func verifySigV2(r *http.Request, s *sigV2, secret string, now time.Time) *authError {
	if s.Presigned {
		exp, err := strconv.ParseInt(s.Expires, 10, 64)
		if err != nil {
			return &authError{authMalformed, "Invalid date (should be seconds since epoch): " + s.Expires}
		}
		if now.Unix() > exp {
			return &authError{authPresignExpired, "Request has expired"}
		}
	}
	raw := r.RequestURI
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if p, err := url.PathUnescape(raw); err == nil {
		raw = uriEncodeS3Path(p)
	}
	candidates := []string{raw}
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if b, _, ok := strings.Cut(host, "."); ok && b != "" && !isIPHost(host) && host != "localhost" {
		candidates = append(candidates, "/"+b+raw)
	}
	for _, res := range candidates {
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(v2StringToSign(r, s, res)))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		if hmac.Equal([]byte(want), []byte(s.Signature)) {
			return nil
		}
	}
	return &authError{kind: authBadSignature}
}

// uriEncodeS3Path encodes a path the way SigV2 clients put it in the
// canonical resource (everything but unreserved characters and '/').
func uriEncodeS3Path(p string) string { return uriEncode(p, false) }

func isIPHost(h string) bool {
	for _, c := range h {
		if (c < '0' || c > '9') && c != '.' && c != ':' {
			return false
		}
	}
	return true
}
