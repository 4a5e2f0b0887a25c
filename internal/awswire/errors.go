package awswire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Errors are encoded here and nowhere else: engines return *apierr.Error
// and the gateway writes it in the protocol the client spoke.

var (
	errSerialization  = apierr.Code{Name: "SerializationException", Status: 400}
	errUnknownOpJSON  = apierr.Code{Name: "UnknownOperationException", Status: 400}
	errInvalidAction  = apierr.Code{Name: "InvalidAction", Status: 400}
	errMalformedQS    = apierr.Code{Name: "MalformedQueryString", Status: 400}
	errNotImplemented = apierr.Code{Name: "NotImplemented", Status: 501, Receiver: true}
)

// authCodes maps a signature problem to each protocol family's code.
func authCode(kind authErrorKind, p Protocol) apierr.Code {
	type row struct{ json, query, s3 apierr.Code }
	var r row
	switch kind {
	case authMissing:
		r = row{
			apierr.Code{Name: "MissingAuthenticationTokenException", Status: 403},
			apierr.Code{Name: "MissingAuthenticationToken", Status: 403},
			apierr.Code{Name: "AccessDenied", Status: 403},
		}
	case authMalformed:
		r = row{
			apierr.Code{Name: "IncompleteSignatureException", Status: 400},
			apierr.Code{Name: "IncompleteSignature", Status: 400},
			apierr.Code{Name: "AuthorizationHeaderMalformed", Status: 400},
		}
	case authUnknownKey:
		r = row{
			apierr.Code{Name: "UnrecognizedClientException", Status: 400},
			apierr.Code{Name: "InvalidClientTokenId", Status: 403},
			apierr.Code{Name: "InvalidAccessKeyId", Status: 403},
		}
	case authBadSignature:
		r = row{
			apierr.Code{Name: "InvalidSignatureException", Status: 400},
			apierr.Code{Name: "SignatureDoesNotMatch", Status: 403},
			apierr.Code{Name: "SignatureDoesNotMatch", Status: 403},
		}
	case authExpired:
		r = row{
			apierr.Code{Name: "InvalidSignatureException", Status: 400},
			apierr.Code{Name: "SignatureDoesNotMatch", Status: 403},
			apierr.Code{Name: "RequestTimeTooSkewed", Status: 403},
		}
	case authPresignExpired:
		r = row{
			apierr.Code{Name: "InvalidSignatureException", Status: 400},
			apierr.Code{Name: "RequestExpired", Status: 400},
			apierr.Code{Name: "AccessDenied", Status: 403},
		}
	case authTokenExpired:
		r = row{
			apierr.Code{Name: "ExpiredTokenException", Status: 400},
			apierr.Code{Name: "ExpiredToken", Status: 403},
			apierr.Code{Name: "ExpiredToken", Status: 400},
		}
	case authContentSHA:
		c := apierr.Code{Name: "XAmzContentSHA256Mismatch", Status: 400}
		r = row{c, c, c}
	}
	switch p {
	case AWSQuery:
		return r.query
	case RESTXML:
		return r.s3
	}
	return r.json
}

func authMessage(e *authError, p Protocol) string {
	switch e.kind {
	case authMissing:
		if p == AWSQuery {
			return "Request is missing Authentication Token"
		}
		if p == RESTXML {
			return "Access Denied"
		}
	case authUnknownKey:
		if p == RESTXML {
			return "The AWS Access Key Id you provided does not exist in our records."
		}
		return "The security token included in the request is invalid."
	case authBadSignature:
		if e.msg != "" {
			return e.msg
		}
		if p == RESTXML {
			return "The request signature we calculated does not match the signature you provided. Check your key and signing method."
		}
		return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	case authExpired:
		if p == RESTXML {
			return "The difference between the request time and the current time is too large."
		}
	}
	return e.msg
}

// toAPIError converts any handler or decoding error into an *apierr.Error
// for protocol p. Unexpected errors become InternalFailure; their text is
// logged, never sent (no stack traces or internals reach clients).
func (g *Gateway) toAPIError(err error, p Protocol, svc *Service, reqID string) *apierr.Error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	var au *authError
	if errors.As(err, &au) {
		return &apierr.Error{Code: authCode(au.kind, p), Message: authMessage(au, p)}
	}
	var de *decodeError
	if errors.As(err, &de) {
		if p == AWSQuery {
			return &apierr.Error{Code: validationCode(svc, p), Message: de.msg}
		}
		return &apierr.Error{Code: errSerialization, Message: de.msg}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apierr.Error{Code: apierr.Code{Name: "RequestEntityTooLarge", Status: 413}, Message: "Request body is too large."}
	}
	g.log.Error("internal error", "service", svcName(svc), "request_id", reqID, "err", err)
	return &apierr.Error{Code: apierr.InternalFailure, Message: "An internal error occurred. Request id: " + reqID}
}

func validationCode(svc *Service, p Protocol) apierr.Code {
	if svc != nil && svc.ValidationCode.Name != "" {
		return svc.ValidationCode
	}
	if p == AWSQuery {
		return apierr.ValidationError
	}
	return apierr.ValidationException
}

func svcName(svc *Service) string {
	if svc == nil {
		return ""
	}
	return svc.Name
}

// writeError writes e in protocol p.
func writeError(w http.ResponseWriter, p Protocol, svc *Service, reqID string, e *apierr.Error) {
	h := w.Header()
	status := e.Code.Status
	if status == 0 {
		status = 400
	}
	fault := "Sender"
	if e.Code.Receiver {
		fault = "Receiver"
	}
	switch p {
	case AWSQuery:
		ns := ""
		if svc != nil {
			ns = svc.XMLNamespace
		}
		var b bytes.Buffer
		b.WriteString(xml.Header)
		fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, ns, fault)
		xml.EscapeText(&b, []byte(e.Code.Name))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(e.Message))
		b.WriteString("</Message>")
		writeXMLFields(&b, e.Fields)
		b.WriteString("</Error><RequestId>")
		b.WriteString(reqID)
		b.WriteString("</RequestId></ErrorResponse>")
		h.Set("Content-Type", "text/xml")
		h.Set("x-amzn-RequestId", reqID)
		writeBody(w, status, b.Bytes())
	case RESTXML:
		var b bytes.Buffer
		b.WriteString(xml.Header)
		b.WriteString("<Error><Code>")
		xml.EscapeText(&b, []byte(e.Code.Name))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(e.Message))
		b.WriteString("</Message>")
		writeXMLFields(&b, e.Fields)
		b.WriteString("<RequestId>" + reqID + "</RequestId><HostId>" + hostID(reqID) + "</HostId></Error>")
		h.Set("Content-Type", "application/xml")
		h.Set("x-amz-request-id", reqID)
		h.Set("x-amz-id-2", hostID(reqID))
		writeBody(w, status, b.Bytes())
	case RPCv2CBOR:
		body := map[string]any{"__type": shapeName(e), "message": e.Message}
		for k, v := range e.Fields {
			body[k] = v
		}
		b, _ := cborEnc.Marshal(body)
		h.Set("Content-Type", "application/cbor")
		h.Set("smithy-protocol", "rpc-v2-cbor")
		h.Set("x-amzn-RequestId", reqID)
		if svc != nil && svc.QueryCompatible {
			h.Set("x-amzn-query-error", queryCompatCode(e)+";"+fault)
		}
		writeBody(w, status, b)
	default: // awsJson, restJson1
		var b bytes.Buffer
		b.WriteString(`{"__type":`)
		writeJSONString(&b, shapeName(e))
		b.WriteString(`,"message":`)
		writeJSONString(&b, e.Message)
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteByte(',')
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, e.Fields[k])
		}
		b.WriteByte('}')
		ct := "application/json"
		if p == AWSJSON && svc != nil {
			ct = "application/x-amz-json-" + jsonVersion(svc)
		}
		h.Set("Content-Type", ct)
		h.Set("x-amzn-RequestId", reqID)
		h.Set("X-Amzn-ErrorType", shapeName(e))
		if svc != nil && svc.QueryCompatible {
			h.Set("x-amzn-query-error", queryCompatCode(e)+";"+fault)
		}
		writeBody(w, status, b.Bytes())
	}
}

// shapeName is the error's name in JSON and CBOR bodies.
func shapeName(e *apierr.Error) string {
	if e.Code.Shape != "" {
		return e.Code.Shape
	}
	return e.Code.Name
}

// queryCompatCode maps JSON-family auth codes to their awsQuery names for
// the x-amzn-query-error header.
func queryCompatCode(e *apierr.Error) string {
	switch e.Code.Name {
	case "UnrecognizedClientException":
		return "InvalidClientTokenId"
	case "InvalidSignatureException":
		return "SignatureDoesNotMatch"
	case "MissingAuthenticationTokenException":
		return "MissingAuthenticationToken"
	case "IncompleteSignatureException":
		return "IncompleteSignature"
	case "ExpiredTokenException":
		return "ExpiredToken"
	}
	return e.Code.Name
}

func writeXMLFields(b *bytes.Buffer, fields map[string]string) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("<" + k + ">")
		xml.EscapeText(b, []byte(fields[k]))
		b.WriteString("</" + k + ">")
	}
}

func jsonVersion(svc *Service) string {
	if svc.JSONVersion == "" {
		return "1.1"
	}
	return svc.JSONVersion
}

func hostID(reqID string) string { return "skiff/" + reqID }

// logAttr is a helper to keep slog calls short.
var _ = slog.String
