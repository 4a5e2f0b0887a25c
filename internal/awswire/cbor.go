package awswire

import (
	"reflect"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Smithy RPCv2 CBOR: bodies are CBOR maps keyed by member name, timestamps
// are tag 1 epoch seconds, blobs are byte strings.

var (
	cborEnc cbor.EncMode
	cborDec cbor.DecMode
)

func init() {
	var err error
	cborEnc, err = cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err)
	}
	cborDec, err = cbor.DecOptions{
		DefaultMapType:        reflect.TypeOf(map[string]any(nil)),
		TimeTag:               cbor.DecTagOptional,
		DefaultByteStringType: reflect.TypeOf([]byte(nil)),
		// Clients may send indefinite-length strings, lists and maps.
		IndefLength:     cbor.IndefLengthAllowed,
		MaxNestedLevels: 64,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

func decodeCBOR(body []byte) (any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	var v any
	if err := cborDec.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return cborNormalize(v), nil
}

// cborNormalize turns tag-1 values into time.Time and keeps the rest.
func cborNormalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = cborNormalize(e)
		}
	case map[any]any:
		return normalizeDoc(x)
	case []any:
		for i, e := range x {
			x[i] = cborNormalize(e)
		}
	case cbor.Tag:
		if x.Number == 1 {
			if f, ok := toFloat(x.Content); ok {
				return epochTime(f)
			}
		}
	}
	return v
}

// cborValue converts a tree into values the CBOR encoder writes natively.
func cborValue(v any) any {
	switch x := v.(type) {
	case object:
		m := make(map[string]any, len(x))
		for _, mem := range x {
			m[mem.name] = cborValue(mem.val)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cborValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cborValue(e)
		}
		return out
	case time.Time:
		// Millisecond precision, as the other protocols.
		return x.Truncate(time.Millisecond)
	}
	return v
}

func encodeCBOR(v any) ([]byte, error) { return cborEnc.Marshal(cborValue(v)) }
