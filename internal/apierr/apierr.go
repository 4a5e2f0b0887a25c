// Package apierr defines the typed errors that service engines return.
//
// Engines never import net/http and never format protocol errors: each
// service declares a table of Codes (name plus HTTP status), returns
// code.New(...) values, and the wire layer (internal/awswire) encodes them in
// whatever protocol the client spoke.
package apierr

import (
	"errors"
	"fmt"
)

// Code is one entry of a service's error table.
type Code struct {
	Name   string
	Status int
	// Shape is the model's error shape name when it differs from Name, as
	// in services that speak both awsQuery and JSON/CBOR (CloudWatch's
	// InvalidParameterValue is the shape InvalidParameterValueException):
	// JSON and CBOR carry the shape in __type, and the query name in the
	// x-amzn-query-error header.
	Shape string
	// Receiver marks server-side faults (XML <Type>Receiver</Type>); the
	// default is a client (Sender) fault.
	Receiver bool
}

// New returns an error with this code and a formatted message.
func (c Code) New(format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: c, Message: msg}
}

// Is lets errors.Is(err, code) test an error's code.
func (c Code) Is(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code.Name == c.Name
}

// Error is an AWS API error: a code from a service's table and a message.
type Error struct {
	Code    Code
	Message string
	// Fields are extra top-level members some errors carry (for example
	// S3's BucketName or Key); encoded as extra elements or JSON members.
	Fields map[string]string
}

func (e *Error) Error() string { return e.Code.Name + ": " + e.Message }

// With adds an extra member to the error.
func (e *Error) With(key, value string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[key] = value
	return e
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Codes shared by many services.
var (
	// ValidationError is the query-protocol (CloudFormation, IAM, STS, ELB)
	// name for invalid input.
	ValidationError = Code{Name: "ValidationError", Status: 400}
	// ValidationException is the JSON-protocol name for invalid input.
	ValidationException = Code{Name: "ValidationException", Status: 400}
	InternalFailure     = Code{Name: "InternalFailure", Status: 500, Receiver: true}
	ServiceUnavailable  = Code{Name: "ServiceUnavailable", Status: 503, Receiver: true}
	Throttling          = Code{Name: "Throttling", Status: 400}
)
