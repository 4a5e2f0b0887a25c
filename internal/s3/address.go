package s3

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// Request addressing: which bucket and key a request names, from its Host
// header and its raw (still percent-encoded) path.
//
// Virtual-hosted style is recognised for hosts "<bucket>.localhost" and
// "<bucket>.s3.<anything>" (bucket.s3.amazonaws.com,
// bucket.s3.us-west-2.amazonaws.com, bucket.s3.localhost.localstack.cloud);
// every other host (IP addresses, localhost, s3.amazonaws.com,
// s3.<region>.amazonaws.com) is path style: /bucket/key.

var errBadPath = errors.New("malformed request path")

// virtualBucket returns the bucket named by a virtual-hosted-style host,
// or "" for a path-style host. The port, if any, is ignored.
func virtualBucket(host string) string {
	host = strings.ToLower(stripPort(host))
	if host == "" || net.ParseIP(host) != nil {
		return ""
	}
	host = strings.TrimSuffix(host, ".")
	if i := strings.LastIndex(host, ".s3."); i > 0 {
		return host[:i]
	}
	// Legacy dash-region hosts: bucket.s3-us-west-2.amazonaws.com,
	// bucket.s3-external-1.amazonaws.com.
	if i := strings.LastIndex(host, ".s3-"); i > 0 && strings.HasSuffix(host, ".amazonaws.com") && !strings.Contains(host[i:], "s3-website") {
		return host[:i]
	}
	if b, ok := strings.CutSuffix(host, ".localhost"); ok && b != "" && b != "s3" {
		return b
	}
	return ""
}

func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.Index(host, "]"); i > 0 {
			return host[1:i]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[:i], ":") {
		return host[:i]
	}
	return host
}

// splitPath turns a raw request path into bucket and key. With a virtual
// bucket the whole path (without its first slash) is the key. Keys keep
// every character, including repeated and trailing slashes.
func splitPath(vbucket, rawPath string) (bucket, key string, err error) {
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	if strings.HasPrefix(rawPath, "http://") || strings.HasPrefix(rawPath, "https://") {
		u, perr := url.Parse(rawPath)
		if perr != nil {
			return "", "", errBadPath
		}
		rawPath = u.EscapedPath()
	}
	if rawPath == "" {
		rawPath = "/"
	}
	if rawPath[0] != '/' {
		return "", "", errBadPath
	}
	rest := rawPath[1:]
	if vbucket != "" {
		key, err := url.PathUnescape(rest)
		if err != nil {
			return "", "", errBadPath
		}
		return vbucket, key, nil
	}
	if rest == "" {
		return "", "", nil
	}
	b, k, _ := strings.Cut(rest, "/")
	bucket, err = url.PathUnescape(b)
	if err != nil {
		return "", "", errBadPath
	}
	key, err = url.PathUnescape(k)
	if err != nil {
		return "", "", errBadPath
	}
	if bucket == "" && key != "" {
		// "//key": no bucket but a key.
		return "", "", errBadPath
	}
	return bucket, key, nil
}

// parseAddress is splitPath(virtualBucket(host), rawPath).
func parseAddress(host, rawPath string) (bucket, key string, err error) {
	return splitPath(virtualBucket(host), rawPath)
}

// ParseS3URL splits an S3 object URL into bucket, key and version id. It
// accepts the forms CloudFormation accepts for TemplateURL —
// https://bucket.s3.amazonaws.com/key, https://bucket.s3.<region>.amazonaws.com/key,
// https://s3.amazonaws.com/bucket/key, https://s3.<region>.amazonaws.com/bucket/key,
// s3://bucket/key — and skiff's own endpoint forms:
// http://127.0.0.1:4566/bucket/key, http://localhost:4566/bucket/key and
// http://bucket.localhost:4566/key. A versionId query parameter selects a
// version.
func ParseS3URL(raw string) (bucket, key, versionID string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", "", "", invalidArgument("Invalid S3 URL: "+raw, "url", raw)
	}
	versionID = u.Query().Get("versionId")
	bad := func() (string, string, string, error) {
		return "", "", "", invalidArgument("Invalid S3 URL: "+raw, "url", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "s3":
		if u.Host == "" || u.Opaque != "" {
			return bad()
		}
		bucket = u.Host
		key, err = url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/"))
		if err != nil {
			return bad()
		}
	case "http", "https":
		if u.Host == "" {
			return bad()
		}
		bucket, key, err = parseAddress(u.Host, u.EscapedPath())
		if err != nil {
			return bad()
		}
	default:
		return bad()
	}
	if bucket == "" {
		return bad()
	}
	return bucket, key, versionID, nil
}
