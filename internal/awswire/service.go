package awswire

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Protocol is a set of AWS wire protocols.
type Protocol uint8

const (
	AWSJSON   Protocol = 1 << iota // awsJson 1.0 / 1.1 (X-Amz-Target)
	AWSQuery                       // form in, XML out
	RPCv2CBOR                      // Smithy RPC v2 CBOR
	RESTJSON                       // restJson1
	RESTXML                        // restXml (S3)
)

func (p Protocol) String() string {
	switch p {
	case AWSJSON:
		return "awsJson"
	case AWSQuery:
		return "awsQuery"
	case RPCv2CBOR:
		return "rpcv2Cbor"
	case RESTJSON:
		return "restJson1"
	case RESTXML:
		return "restXml"
	}
	return "unknown"
}

// Service describes one AWS service as the wire sees it.
type Service struct {
	// Name is the SigV4 signing name in the credential scope ("ssm",
	// "monitoring", "elasticloadbalancing").
	Name      string
	Protocols Protocol
	// JSONVersion is "1.0" or "1.1" for awsJson.
	JSONVersion string
	// TargetPrefix is the X-Amz-Target prefix for awsJson ("AmazonSSM").
	TargetPrefix string
	// XMLNamespace is the awsQuery response namespace.
	XMLNamespace string
	// QueryCompatible services answer JSON/CBOR errors with the
	// x-amzn-query-error header carrying the awsQuery error code.
	QueryCompatible bool
	// CBORName is the service shape name used in RPCv2 paths
	// (/service/<CBORName>/operation/<Op>).
	CBORName string
	// ValidationCode is returned for missing required members and values of
	// the wrong type. Zero means ValidationException (JSON) or
	// ValidationError (query).
	ValidationCode apierr.Code
	Ops            []Op
	// Raw serves restXml (S3): the service reads the request itself. The
	// gateway has verified the signature and wrapped the body so reading it
	// fails if the payload does not match what was signed. An error
	// returned before anything is written is encoded by the gateway.
	Raw func(w http.ResponseWriter, r *http.Request) error

	ops map[string]*Op
}

// Op is one operation: a typed handler the gateway decodes into and encodes
// from.
type Op struct {
	Name string
	// Method and Path bind the operation for REST protocols; Path may hold
	// {Label} and {Greedy+} segments.
	Method, Path string
	in           reflect.Type
	call         func(ctx context.Context, in reflect.Value) (any, error)
}

// Operation wraps a typed handler. In and Out are plain structs (see the
// tag conventions in codec.go).
func Operation[In, Out any](name string, fn func(context.Context, *In) (*Out, error)) Op {
	return Op{
		Name: name,
		in:   reflect.TypeFor[In](),
		call: func(ctx context.Context, in reflect.Value) (any, error) {
			out, err := fn(ctx, in.Interface().(*In))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// HTTP binds a REST operation to a method and path pattern.
func (o Op) HTTP(method, path string) Op {
	o.Method, o.Path = method, path
	return o
}

func (s *Service) init() {
	s.ops = make(map[string]*Op, len(s.Ops))
	for i := range s.Ops {
		s.ops[s.Ops[i].Name] = &s.Ops[i]
	}
}

// matchREST finds the operation whose pattern matches the request and
// returns its path labels.
func (s *Service) matchREST(method, path string) (*Op, map[string]string) {
	for i := range s.Ops {
		op := &s.Ops[i]
		if op.Path == "" || op.Method != method {
			continue
		}
		if labels, ok := matchPath(op.Path, path); ok {
			return op, labels
		}
	}
	return nil, nil
}

func matchPath(pattern, path string) (map[string]string, bool) {
	pattern, pq, _ := strings.Cut(pattern, "?")
	_ = pq
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	labels := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
			if i >= len(xs) {
				return nil, false
			}
			labels[p[1:len(p)-2]] = strings.Join(xs[i:], "/")
			return labels, true
		}
		if i >= len(xs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return nil, false
			}
			labels[p[1:len(p)-1]] = xs[i]
			continue
		}
		if p != xs[i] {
			return nil, false
		}
	}
	return labels, len(ps) == len(xs)
}
