package awswire

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
)

// Credential is an access key skiff issued.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
	// Principal is the ARN requests signed with this key act as.
	Principal string
	// SessionToken is set for temporary credentials; requests must carry
	// it in X-Amz-Security-Token.
	SessionToken string
	// Expires is when temporary credentials stop working (zero: never).
	Expires time.Time
}

// Credentials finds the secret for an access key id.
type Credentials interface {
	Lookup(ctx context.Context, accessKeyID string) (Credential, bool)
}

// Gateway serves every registered service on one HTTP handler: it
// authenticates the request, finds the service by the signing name in the
// credential scope and the operation by the protocol's rules, decodes,
// calls, encodes.
type Gateway struct {
	creds    Credentials
	services map[string]*Service
	log      *slog.Logger
	// Now is the clock for signature expiry (tests move it).
	Now func() time.Time
	// MaxBody bounds non-streaming request bodies.
	MaxBody int64
}

// NewGateway returns a gateway for the services. log may be nil.
func NewGateway(creds Credentials, log *slog.Logger, services ...*Service) *Gateway {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{creds: creds, services: map[string]*Service{}, log: log, Now: time.Now, MaxBody: 64 << 20}
	for _, s := range services {
		g.Register(s)
	}
	return g
}

// Register adds a service. Registering the same signing name twice panics:
// it is a programming error.
func (g *Gateway) Register(s *Service) {
	if _, dup := g.services[s.Name]; dup {
		panic("awswire: service registered twice: " + s.Name)
	}
	s.init()
	g.services[s.Name] = s
}

// Services returns the registered signing names.
func (g *Gateway) Services() []string {
	var out []string
	for n := range g.services {
		out = append(out, n)
	}
	return out
}

// NewRequestID returns a random request id in AWS's UUID form.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := NewRequestID()
	if v2, ok := parseSigV2(r); ok {
		g.serveSigV2(w, r, v2, reqID)
		return
	}
	auth, aerr := parseAuth(r)
	var svc *Service
	if auth != nil {
		svc = g.services[auth.Service]
	}
	p := detectProtocol(r, svc)
	if aerr != nil {
		writeError(w, p, svc, reqID, g.toAPIError(aerr, p, svc, reqID))
		return
	}
	if svc == nil {
		writeError(w, p, nil, reqID, &apierr.Error{
			Code:    unknownOpCode(p),
			Message: fmt.Sprintf("skiff does not implement the AWS service %q (signing name from the request's credential scope)", auth.Service),
		})
		return
	}
	cred, ok := g.creds.Lookup(r.Context(), auth.AccessKeyID)
	if !ok {
		writeError(w, p, svc, reqID, g.toAPIError(&authError{kind: authUnknownKey}, p, svc, reqID))
		return
	}
	if cred.SessionToken != auth.SessionToken {
		// A token with long-term keys, a missing token with temporary
		// ones, or the wrong token: AWS answers all alike.
		writeError(w, p, svc, reqID, g.toAPIError(&authError{kind: authUnknownKey}, p, svc, reqID))
		return
	}
	if !cred.Expires.IsZero() && g.Now().After(cred.Expires) {
		writeError(w, p, svc, reqID, g.toAPIError(&authError{kind: authTokenExpired, msg: "The security token included in the request is expired"}, p, svc, reqID))
		return
	}
	if err := auth.checkTime(g.Now()); err != nil {
		writeError(w, p, svc, reqID, g.toAPIError(err, p, svc, reqID))
		return
	}
	key := signingKey(cred.SecretAccessKey, auth.Date, auth.Region, auth.Service)
	ctx := awsctx.With(r.Context(), awsctx.Scope{
		AccountID: cred.AccountID, Region: auth.Region, AccessKeyID: cred.AccessKeyID,
		Principal: cred.Principal, RequestID: reqID,
	})
	if svc.Raw != nil {
		g.serveRaw(w, r.WithContext(ctx), svc, auth, key, reqID)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.MaxBody))
	if err != nil {
		writeError(w, p, svc, reqID, g.toAPIError(err, p, svc, reqID))
		return
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != unsignedPayload {
		if !strings.EqualFold(h, payloadHash) {
			writeError(w, p, svc, reqID, g.toAPIError(&authError{kind: authContentSHA, msg: "The provided 'x-amz-content-sha256' header does not match what was computed."}, p, svc, reqID))
			return
		}
	} else if h == unsignedPayload {
		payloadHash = unsignedPayload
	}
	if auth.Presigned && r.Header.Get("X-Amz-Content-Sha256") == "" {
		payloadHash = unsignedPayload
	}
	if !signatureMatches(key, stringToSign(auth, canonicalRequest(r, auth, payloadHash, false)), auth.Signature) {
		writeError(w, p, svc, reqID, g.toAPIError(&authError{kind: authBadSignature}, p, svc, reqID))
		return
	}
	if strings.Contains(strings.ToLower(r.Header.Get("Content-Encoding")), "gzip") {
		// Clients compress large bodies (the Go SDK always gzips
		// PutMetricData); the signature covered the compressed bytes.
		if body, err = gunzip(body, g.MaxBody); err != nil {
			writeError(w, p, svc, reqID, g.toAPIError(&decodeError{"request body is not valid gzip: " + err.Error()}, p, svc, reqID))
			return
		}
	}
	g.dispatch(ctx, w, r, svc, p, body, reqID)
}

func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return out, nil
}

// serveRaw verifies the signature of a streaming (S3) request and hands it
// to the service.
func (g *Gateway) serveRaw(w http.ResponseWriter, r *http.Request, svc *Service, auth *authInfo, key []byte, reqID string) {
	fail := func(err error) { writeError(w, RESTXML, svc, reqID, g.toAPIError(err, RESTXML, svc, reqID)) }
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if auth.Presigned {
		if payload == "" {
			payload = unsignedPayload
		}
	} else if payload == "" {
		fail(&apierr.Error{Code: apierr.Code{Name: "InvalidRequest", Status: 400}, Message: "Missing required header for this request: x-amz-content-sha256"})
		return
	}
	if !signatureMatches(key, stringToSign(auth, canonicalRequest(r, auth, payload, true)), auth.Signature) {
		fail(&authError{kind: authBadSignature})
		return
	}
	switch payload {
	case unsignedPayload:
	case streamingSignedPayload, streamingSignedTrailer, streamingUnsignedTrailer:
		cr := newChunkedReader(r.Body, auth, key, auth.Signature, payload != streamingUnsignedTrailer)
		// The trailers (checksums) land in r.Trailer once the body has
		// been read to its end, as net/http does for chunked bodies.
		r.Trailer = http.Header{}
		cr.header = r.Trailer
		r.Body = io.NopCloser(cr)
		decodedLength(r)
	default:
		if len(payload) != 64 {
			fail(&authError{kind: authContentSHA, msg: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value."})
			return
		}
		r.Body = io.NopCloser(&hashingReader{r: r.Body, h: sha256.New(), want: strings.ToLower(payload)})
	}
	if err := svc.Raw(w, r); err != nil {
		if errors.Is(err, ErrContentSHA256Mismatch) {
			err = &authError{kind: authContentSHA, msg: "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
		var bd *BadDigestError
		if errors.As(err, &bd) {
			err = &apierr.Error{Code: apierr.Code{Name: "BadDigest", Status: 400}, Message: bd.Error()}
		}
		if errors.Is(err, errChunkSignature) {
			err = &authError{kind: authBadSignature}
		}
		fail(err)
	}
}

// serveSigV2 authenticates a SigV2-signed S3 request and serves it.
func (g *Gateway) serveSigV2(w http.ResponseWriter, r *http.Request, v2 *sigV2, reqID string) {
	svc := g.services["s3"]
	if svc == nil || svc.Raw == nil {
		writeError(w, RESTXML, nil, reqID, &apierr.Error{Code: errNotImplemented, Message: "Signature Version 2 is only supported for S3"})
		return
	}
	fail := func(err error) { writeError(w, RESTXML, svc, reqID, g.toAPIError(err, RESTXML, svc, reqID)) }
	cred, ok := g.creds.Lookup(r.Context(), v2.AccessKeyID)
	if !ok || cred.SessionToken != r.Header.Get("X-Amz-Security-Token")+r.URL.Query().Get("x-amz-security-token") {
		fail(&authError{kind: authUnknownKey})
		return
	}
	if err := verifySigV2(r, v2, cred.SecretAccessKey, g.Now()); err != nil {
		fail(err)
		return
	}
	ctx := awsctx.With(r.Context(), awsctx.Scope{AccountID: cred.AccountID, Region: "us-east-1", AccessKeyID: cred.AccessKeyID,
		Principal: cred.Principal, RequestID: reqID})
	if err := svc.Raw(w, r.WithContext(ctx)); err != nil {
		fail(err)
	}
}

// decodedLength makes r.ContentLength the payload length of an aws-chunked
// body.
func decodedLength(r *http.Request) {
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil {
			r.ContentLength = n
			return
		}
	}
	r.ContentLength = -1
}

// detectProtocol decides how to read the request (and how to answer an
// error before the service is known).
func detectProtocol(r *http.Request, svc *Service) Protocol {
	if svc != nil && svc.Raw != nil {
		return RESTXML
	}
	has := func(p Protocol) bool { return svc == nil || svc.Protocols&p != 0 }
	if r.Header.Get("X-Amz-Target") != "" && has(AWSJSON) {
		return AWSJSON
	}
	if strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") && has(RPCv2CBOR) {
		return RPCv2CBOR
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if has(AWSQuery) && (ct == "application/x-www-form-urlencoded" || r.URL.Query().Get("Action") != "") {
		return AWSQuery
	}
	if svc != nil {
		for _, p := range []Protocol{RESTJSON, AWSJSON, AWSQuery, RPCv2CBOR} {
			if svc.Protocols&p != 0 {
				return p
			}
		}
	}
	if strings.HasPrefix(ct, "application/x-amz-json") {
		return AWSJSON
	}
	return RESTXML
}

func unknownOpCode(p Protocol) apierr.Code {
	if p == AWSQuery {
		return errInvalidAction
	}
	return errUnknownOpJSON
}

func (g *Gateway) dispatch(ctx context.Context, w http.ResponseWriter, r *http.Request, svc *Service, p Protocol, body []byte, reqID string) {
	fail := func(err error) { writeError(w, p, svc, reqID, g.toAPIError(err, p, svc, reqID)) }
	var op *Op
	var doc any
	var labels map[string]string
	var err error
	switch p {
	case AWSJSON:
		target := r.Header.Get("X-Amz-Target")
		prefix, name, _ := strings.Cut(target, ".")
		if prefix != svc.TargetPrefix || svc.ops[name] == nil {
			fail(&apierr.Error{Code: errUnknownOpJSON, Message: fmt.Sprintf("Unknown operation %s", target)})
			return
		}
		op = svc.ops[name]
		doc, err = decodeJSON(body)
		if err != nil {
			fail(&decodeError{"Start of structure or map found where not expected, or the body is not valid JSON: " + err.Error()})
			return
		}
	case RPCv2CBOR:
		// /service/{ServiceName}/operation/{OperationName}
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) != 4 || parts[0] != "service" || parts[2] != "operation" || r.Method != http.MethodPost {
			fail(&apierr.Error{Code: apierr.Code{Name: "UnknownOperationException", Status: 404}, Message: "Unknown RPCv2 path " + r.URL.Path})
			return
		}
		op = svc.ops[parts[3]]
		if op == nil || (svc.CBORName != "" && parts[1] != svc.CBORName) {
			fail(&apierr.Error{Code: apierr.Code{Name: "UnknownOperationException", Status: 404}, Message: "Unknown operation " + parts[3]})
			return
		}
		doc, err = decodeCBOR(body)
		if err != nil {
			fail(&decodeError{"body is not valid CBOR: " + err.Error()})
			return
		}
	case AWSQuery:
		vals := r.URL.Query()
		if r.Method == http.MethodPost {
			form, perr := url.ParseQuery(string(body))
			if perr != nil {
				fail(&apierr.Error{Code: errMalformedQS, Message: perr.Error()})
				return
			}
			for k, v := range form {
				vals[k] = v
			}
		}
		action := vals.Get("Action")
		op = svc.ops[action]
		if op == nil {
			fail(&apierr.Error{Code: errInvalidAction, Message: fmt.Sprintf("The action %s is not valid for this web service.", action)})
			return
		}
		in := reflect.New(op.in)
		if err := decodeQuery(in, newQueryValues(vals), ""); err != nil {
			fail(err)
			return
		}
		g.call(ctx, w, svc, p, op, in, reqID)
		return
	case RESTJSON:
		op, labels = svc.matchREST(r.Method, r.URL.Path)
		if op == nil {
			fail(&apierr.Error{Code: apierr.Code{Name: "UnknownOperationException", Status: 404}, Message: fmt.Sprintf("No operation matches %s %s", r.Method, r.URL.Path)})
			return
		}
		doc, err = decodeJSON(body)
		if err != nil {
			fail(&decodeError{"body is not valid JSON: " + err.Error()})
			return
		}
	default:
		fail(&apierr.Error{Code: errNotImplemented, Message: "unsupported protocol"})
		return
	}
	in := reflect.New(op.in)
	if err := assign(in.Elem(), doc, ""); err != nil {
		fail(err)
		return
	}
	if p == RESTJSON {
		if err := bindREST(in.Elem(), r, labels); err != nil {
			fail(err)
			return
		}
	}
	g.call(ctx, w, svc, p, op, in, reqID)
}

func (g *Gateway) call(ctx context.Context, w http.ResponseWriter, svc *Service, p Protocol, op *Op, in reflect.Value, reqID string) {
	if msg := checkRequired(in, ""); msg != "" {
		writeError(w, p, svc, reqID, &apierr.Error{Code: validationCode(svc, p), Message: msg})
		return
	}
	out, err := g.safeCall(ctx, op, in)
	if err != nil {
		writeError(w, p, svc, reqID, g.toAPIError(err, p, svc, reqID))
		return
	}
	writeOutput(w, svc, p, op, out, reqID)
}

// safeCall turns a handler panic into an internal error: a bug must cost
// one request, not the server.
func (g *Gateway) safeCall(ctx context.Context, op *Op, in reflect.Value) (out any, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			err = fmt.Errorf("panic in %s: %v", op.Name, rec)
		}
	}()
	return op.call(ctx, in)
}

func writeOutput(w http.ResponseWriter, svc *Service, p Protocol, op *Op, out any, reqID string) {
	h := w.Header()
	h.Set("x-amzn-RequestId", reqID)
	ov := reflect.ValueOf(out)
	switch p {
	case AWSQuery:
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, op.Name, svc.XMLNamespace)
		// The Result element is always written: clients of operations
		// whose output shape has no members still look for it.
		openTag(&b, op.Name+"Result")
		if tree, ok := toTree(ov, false).(object); ok {
			for i := range tree {
				writeXMLMember(&b, &tree[i])
			}
		}
		closeTag(&b, op.Name+"Result")
		b.WriteString("<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata>")
		closeTag(&b, op.Name+"Response")
		h.Set("Content-Type", "text/xml")
		writeBody(w, http.StatusOK, b.Bytes())
	case RPCv2CBOR:
		b, err := encodeCBOR(toTree(ov, false))
		if err != nil {
			writeError(w, p, svc, reqID, &apierr.Error{Code: apierr.InternalFailure, Message: "response encoding failed"})
			return
		}
		h.Set("Content-Type", "application/cbor")
		h.Set("smithy-protocol", "rpc-v2-cbor")
		writeBody(w, http.StatusOK, b)
	case RESTJSON:
		status := restHeaders(h, ov)
		var b bytes.Buffer
		writeJSON(&b, toTree(ov, true), "")
		h.Set("Content-Type", "application/json")
		writeBody(w, status, b.Bytes())
	default:
		var b bytes.Buffer
		tree := toTree(ov, false)
		if tree == nil {
			tree = object{}
		}
		writeJSON(&b, tree, "")
		h.Set("Content-Type", "application/x-amz-json-"+jsonVersion(svc))
		writeBody(w, http.StatusOK, b.Bytes())
	}
}

// writeBody sends a complete body with its Content-Length: responses are
// built in memory, so clients get a plain body rather than chunks.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
