package ssm

import (
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
)

const (
	maxNameLen = 2048
	// maxARNLen bounds a parameter's full ARN: AWS reserves 1037 of the
	// 2048 characters of PSParameterName for its own use, so the name plus
	// the ARN text before it may not exceed 1011 characters.
	maxARNLen = 1011
	maxLevels = 15
)

// nameRef is a parameter reference from a Get* request: the stored name,
// what to echo back as Name, and an optional :version or :label selector.
type nameRef struct {
	name     string // normalized (stored) name
	echo     string // the name as the caller spelled it, for Name in replies
	selector string // ":3" or ":label" as given, "" for the current version
	version  int64  // > 0 for a numeric selector
	label    string // for a label selector
}

// parameterARN is the ARN of a stored (normalized) name.
func parameterARN(region, account, name string) string {
	return "arn:" + awsctx.Partition + ":ssm:" + region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/")
}

// normalize gives the stored form of a valid name: a single-level name
// loses its leading slash, as the AWS API does.
func normalize(name string) string {
	if len(name) > 1 && name[0] == '/' && strings.IndexByte(name[1:], '/') < 0 {
		return name[1:]
	}
	return name
}

func validChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/'
}

// shapeOK checks the characters and path structure of a name without the
// selector: allowed characters only, no empty path segment, and a path must
// start with a slash.
func shapeOK(name string) bool {
	if name == "" || name == "/" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !validChar(name[i]) {
			return false
		}
	}
	if strings.Contains(name, "//") || (len(name) > 1 && name[len(name)-1] == '/') {
		return false
	}
	return true
}

func lengthErr(name string) error {
	if name == "" {
		return constraintErr("", "name", "Member must have length greater than or equal to 1")
	}
	if len(name) > maxNameLen {
		return constraintErr(name, "name", "Member must have length less than or equal to 2048")
	}
	return nil
}

// validatePutName checks a name for PutParameter and returns its stored
// form.
func validatePutName(sc awsctx.Scope, raw string) (string, error) {
	if err := lengthErr(raw); err != nil {
		return "", err
	}
	lower := strings.ToLower(strings.TrimPrefix(raw, "/"))
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		isPath := strings.Count(raw, "/") > 1
		switch {
		case isPath && strings.HasPrefix(strings.ToLower(raw), "/aws"):
			return "", errAccessDenied.New("No access to reserved parameter name: %s.", raw)
		case isPath:
			return "", errValidation.New(msgPathNameRule)
		default:
			return "", errValidation.New(msgPrefixed)
		}
	}
	if strings.Contains(raw, "/") && raw[0] != '/' {
		for i := 0; i < len(raw); i++ {
			if !validChar(raw[i]) {
				return "", errValidation.New(msgPathNameRule)
			}
		}
		return "", errValidation.New(msgFullyQualified)
	}
	if !shapeOK(raw) {
		if strings.Contains(raw, "/") {
			return "", errValidation.New(msgPathNameRule)
		}
		return "", errValidation.New(msgNameRule)
	}
	if strings.Count(raw, "/") > maxLevels {
		return "", errHierarchyLevelLimit.New(msgHierarchy)
	}
	name := normalize(raw)
	if len(parameterARN(sc.Region, sc.AccountID, name)) > maxARNLen {
		return "", errValidation.New("Parameter name %s is too long: a parameter name, including the parameter ARN text that precedes it, can't exceed %d characters.", raw, maxARNLen)
	}
	return name, nil
}

// parsePlainName reads a name (or parameter ARN) without a selector for
// calls that name one parameter (DeleteParameter, history, labels, tags).
func parsePlainName(sc awsctx.Scope, raw string) (nameRef, error) {
	ref, err := parseRef(sc, raw)
	if err != nil {
		return ref, err
	}
	if ref.selector != "" {
		return ref, errValidation.New(msgNameRule)
	}
	return ref, nil
}

// parseRef reads a Get* name: a name or parameter ARN, optionally followed
// by :version or :label.
func parseRef(sc awsctx.Scope, raw string) (nameRef, error) {
	if err := lengthErr(raw); err != nil {
		return nameRef{}, err
	}
	var ref nameRef
	base := raw
	if strings.HasPrefix(raw, "arn:") {
		a, ok := awsctx.ParseARN(raw)
		rest, isParam := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || a.Service != "ssm" || !isParam || rest == "" {
			return ref, errValidation.New(msgNameRule)
		}
		if a.Account != sc.AccountID || a.Region != sc.Region || a.Partition != awsctx.Partition {
			return ref, notFound()
		}
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			ref.selector = rest[i:]
			rest = rest[:i]
		}
		if strings.IndexByte(rest, '/') >= 0 {
			rest = "/" + rest
		}
		base = rest
		ref.echo = ""
	} else {
		if i := strings.IndexByte(raw, ':'); i >= 0 {
			base = raw[:i]
			ref.selector = raw[i:]
		}
		ref.echo = base
	}
	if !shapeOK(base) || (strings.IndexByte(base, '/') >= 0 && base[0] != '/') {
		if strings.IndexByte(base, '/') >= 0 {
			return ref, errValidation.New(msgPathNameRule)
		}
		return ref, errValidation.New(msgNameRule)
	}
	ref.name = normalize(base)
	if ref.echo == "" {
		ref.echo = ref.name
	}
	if ref.selector != "" {
		sel := ref.selector[1:]
		if sel == "" || strings.IndexByte(sel, ':') >= 0 {
			return ref, notFound()
		}
		if sel[0] >= '0' && sel[0] <= '9' {
			v, err := strconv.ParseInt(sel, 10, 64)
			if err != nil || v < 1 {
				return ref, notFound()
			}
			ref.version = v
		} else {
			ref.label = sel
		}
	}
	return ref, nil
}

// validateLabel reports whether a version label follows AWS's rules:
// letters, numbers, period, hyphen, underscore; at most 100 characters; not
// starting with a number, "aws" or "ssm" (any case).
func validLabel(l string) bool {
	if l == "" || len(l) > 100 {
		return false
	}
	if l[0] >= '0' && l[0] <= '9' {
		return false
	}
	lower := strings.ToLower(l)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
