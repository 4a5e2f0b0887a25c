package awswire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Signature Version 4, verified the way AWS does: rebuild the canonical
// request from what arrived on the wire, sign it with the secret of the
// access key in the credential scope, compare in constant time.

const (
	sigv4Algorithm = "AWS4-HMAC-SHA256"
	// maxSkew is how far X-Amz-Date may be from the server clock.
	maxSkew = 15 * time.Minute
	amzDate = "20060102T150405Z"

	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingSignedPayload   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// authInfo is the parsed signature of a request.
type authInfo struct {
	AccessKeyID   string
	Date          string // yyyymmdd from the scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
	Time          time.Time // X-Amz-Date
	Presigned     bool
	Expires       time.Duration // presigned only
	SessionToken  string
}

// authError is a signature problem; the gateway maps kind to each
// protocol's code.
type authError struct {
	kind authErrorKind
	msg  string
}

type authErrorKind int

const (
	authMissing   authErrorKind = iota // no signature at all
	authMalformed                      // IncompleteSignature
	authUnknownKey
	authBadSignature
	authExpired // outside the clock-skew window
	authPresignExpired
	authContentSHA   // body does not match x-amz-content-sha256
	authTokenExpired // temporary credentials past their expiry
)

func (e *authError) Error() string { return e.msg }

// parseAuth reads the SigV4 signature from the Authorization header or from
// a presigned query string. It returns (nil, authMissing error) when the
// request carries no signature.
func parseAuth(r *http.Request) (*authInfo, *authError) {
	if h := r.Header.Get("Authorization"); h != "" {
		return parseAuthHeader(r, h)
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "" || q.Get("X-Amz-Credential") != "" {
		return parsePresigned(r, q)
	}
	return nil, &authError{authMissing, "Missing Authentication Token"}
}

func parseAuthHeader(r *http.Request, h string) (*authInfo, *authError) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigv4Algorithm {
		if strings.HasPrefix(h, "AWS ") {
			return nil, &authError{authMalformed, "Signature Version 2 is not supported; use Signature Version 4 (AWS4-HMAC-SHA256)."}
		}
		return nil, &authError{authMalformed, fmt.Sprintf("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Unsupported algorithm %q.", alg)}
	}
	a := &authInfo{}
	var cred string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	var missing []string
	if cred == "" {
		missing = append(missing, "Credential")
	}
	if len(a.SignedHeaders) == 0 {
		missing = append(missing, "SignedHeaders")
	}
	if a.Signature == "" {
		missing = append(missing, "Signature")
	}
	if len(missing) > 0 {
		return nil, &authError{authMalformed, fmt.Sprintf("Authorization header requires '%s' parameter. Authorization=%s", strings.Join(missing, "' and '"), h)}
	}
	if err := a.setCredential(cred); err != nil {
		return nil, err
	}
	ds := r.Header.Get("X-Amz-Date")
	var err error
	if ds != "" {
		a.Time, err = time.Parse(amzDate, ds)
	} else if d := r.Header.Get("Date"); d != "" {
		a.Time, err = http.ParseTime(d)
	} else {
		return nil, &authError{authMalformed, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if err != nil {
		return nil, &authError{authMalformed, "Invalid X-Amz-Date: " + ds}
	}
	a.SessionToken = r.Header.Get("X-Amz-Security-Token")
	return a, nil
}

func parsePresigned(r *http.Request, q url.Values) (*authInfo, *authError) {
	if alg := q.Get("X-Amz-Algorithm"); alg != sigv4Algorithm {
		return nil, &authError{authMalformed, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""}
	}
	a := &authInfo{Presigned: true}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"} {
		if q.Get(k) == "" {
			return nil, &authError{authMalformed, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."}
		}
	}
	if err := a.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	a.Signature = q.Get("X-Amz-Signature")
	a.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	t, err := time.Parse(amzDate, q.Get("X-Amz-Date"))
	if err != nil {
		return nil, &authError{authMalformed, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""}
	}
	a.Time = t
	secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || secs < 0 {
		return nil, &authError{authMalformed, "X-Amz-Expires should be a number"}
	}
	if secs > 604800 {
		return nil, &authError{authMalformed, "X-Amz-Expires must be less than a week (in seconds) that is 604800"}
	}
	a.Expires = time.Duration(secs) * time.Second
	a.SessionToken = q.Get("X-Amz-Security-Token")
	return a, nil
}

func (a *authInfo) setCredential(cred string) *authError {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return &authError{authMalformed, fmt.Sprintf("Credential should be scoped to a valid region. Credential=%s", cred)}
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// checkTime enforces the clock-skew window (and presigned expiry).
func (a *authInfo) checkTime(now time.Time) *authError {
	if a.Presigned {
		if now.Before(a.Time.Add(-maxSkew)) {
			return &authError{authPresignExpired, "Request is not yet valid"}
		}
		if now.After(a.Time.Add(a.Expires)) {
			return &authError{authPresignExpired, "Request has expired"}
		}
		return nil
	}
	ts := a.Time.UTC().Format(amzDate)
	if a.Time.Before(now.Add(-maxSkew)) {
		return &authError{authExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			ts, now.Add(-maxSkew).UTC().Format(amzDate), now.UTC().Format(amzDate))}
	}
	if a.Time.After(now.Add(maxSkew)) {
		return &authError{authExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			ts, now.Add(maxSkew).UTC().Format(amzDate), now.UTC().Format(amzDate))}
	}
	if a.Time.UTC().Format("20060102") != a.Date {
		return &authError{authBadSignature, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'", a.Date, a.Time.UTC().Format("20060102"))}
	}
	return nil
}

// canonicalRequest rebuilds what the client signed. s3 selects S3's rule of
// not escaping the path a second time.
func canonicalRequest(r *http.Request, a *authInfo, payloadHash string, s3 bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	// Use the path exactly as it came on the wire: clients sign their own
	// encoding of it, which net/url may not reproduce.
	rawPath := r.RequestURI
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	if strings.HasPrefix(rawPath, "http://") || strings.HasPrefix(rawPath, "https://") {
		if u, err := url.Parse(rawPath); err == nil {
			rawPath = u.EscapedPath()
		}
	}
	if rawPath == "" {
		rawPath = "/"
	}
	if s3 {
		b.WriteString(rawPath)
	} else {
		b.WriteString(uriEncode(rawPath, false))
	}
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, a.Presigned))
	b.WriteByte('\n')
	for _, h := range a.SignedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(a.SignedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalHeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			vals = []string{v}
		} else {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		vals = r.Header.Values(name)
	}
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode applies SigV4's encoding: every byte but A-Z a-z 0-9 - _ . ~ is
// %XX (upper case); slashes are kept unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

func stringToSign(a *authInfo, canonical string) string {
	h := sha256.Sum256([]byte(canonical))
	return sigv4Algorithm + "\n" + a.Time.UTC().Format(amzDate) + "\n" + a.scope() + "\n" + hex.EncodeToString(h[:])
}

func (a *authInfo) scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// signingKeys caches derived keys: deriving one costs four HMACs, and a
// client signs thousands of requests per day with the same one.
var signingKeys sync.Map // key: secret+"\x00"+scope → []byte

func signingKey(secret, date, region, service string) []byte {
	ck := secret + "\x00" + date + "/" + region + "/" + service
	if k, ok := signingKeys.Load(ck); ok {
		return k.([]byte)
	}
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "aws4_request")
	signingKeys.Store(ck, k)
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signatureMatches reports whether sig is the signature of stringToSign.
func signatureMatches(key []byte, sts, sig string) bool {
	want := hex.EncodeToString(hmacSHA256(key, sts))
	return hmac.Equal([]byte(want), []byte(strings.ToLower(sig)))
}

// SigningKey exposes the key derivation for other SigV4 users in skiff (the
// git credential helper's password check, build containers' credentials).
func SigningKey(secret, date, region, service string) []byte {
	return signingKey(secret, date, region, service)
}

// HMACSHA256Hex returns hex(HMAC-SHA256(key, data)).
func HMACSHA256Hex(key []byte, data string) string {
	return hex.EncodeToString(hmacSHA256(key, data))
}
