package template

import (
	"fmt"
	"strings"
)

const dynPrefix = "{{resolve:"

// SecretRef is a parsed secretsmanager dynamic reference:
// secret-id[:SecretString[:json-key[:version-stage[:version-id]]]].
type SecretRef struct {
	SecretID     string
	JSONKey      string
	VersionStage string
	VersionID    string
}

// ParseSecretsManagerRef parses the part of a
// {{resolve:secretsmanager:...}} reference after the service name. The
// secret ID may be a full ARN, which itself contains colons.
func ParseSecretsManagerRef(ref string) (SecretRef, error) {
	parts := strings.Split(ref, ":")
	var sr SecretRef
	var rest []string
	if strings.HasPrefix(ref, "arn:") {
		if len(parts) < 7 {
			return sr, fmt.Errorf("Template error: invalid secret ARN in dynamic reference %s", ref)
		}
		sr.SecretID = strings.Join(parts[:7], ":")
		rest = parts[7:]
	} else {
		sr.SecretID = parts[0]
		rest = parts[1:]
	}
	if sr.SecretID == "" {
		return sr, fmt.Errorf("Template error: dynamic reference {{resolve:secretsmanager:%s}} must name a secret", ref)
	}
	if len(rest) > 4 {
		return sr, fmt.Errorf("Template error: dynamic reference {{resolve:secretsmanager:%s}} has too many segments", ref)
	}
	if len(rest) > 0 && rest[0] != "" && rest[0] != "SecretString" {
		return sr, fmt.Errorf("Template error: dynamic reference {{resolve:secretsmanager:%s}}: the only supported secret-string value is SecretString", ref)
	}
	if len(rest) > 1 {
		sr.JSONKey = rest[1]
	}
	if len(rest) > 2 {
		sr.VersionStage = rest[2]
	}
	if len(rest) > 3 {
		sr.VersionID = rest[3]
	}
	if sr.VersionStage != "" && sr.VersionID != "" {
		return sr, fmt.Errorf("Template error: dynamic reference {{resolve:secretsmanager:%s}} may specify a version stage or a version id, not both", ref)
	}
	return sr, nil
}

var dynServices = map[string]bool{"ssm": true, "ssm-secure": true, "secretsmanager": true}

// ResolveDynamicRefs replaces every {{resolve:service:ref}} in s with the
// value lookup returns. Resolved values are not scanned again.
func ResolveDynamicRefs(s string, lookup func(service, ref string) (string, error)) (string, error) {
	if !strings.Contains(s, dynPrefix) {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, dynPrefix)
		if i < 0 {
			break
		}
		j := strings.Index(s[i+len(dynPrefix):], "}}")
		if j < 0 {
			break
		}
		inner := s[i+len(dynPrefix) : i+len(dynPrefix)+j]
		service, ref, _ := strings.Cut(inner, ":")
		if !dynServices[service] {
			return "", fmt.Errorf("Template error: unsupported dynamic reference service '%s' in %s%s}}; supported services are ssm, ssm-secure and secretsmanager", service, dynPrefix, inner)
		}
		if ref == "" {
			return "", fmt.Errorf("Template error: dynamic reference %s%s}} must name a parameter or secret", dynPrefix, inner)
		}
		if service == "secretsmanager" {
			if _, err := ParseSecretsManagerRef(ref); err != nil {
				return "", err
			}
		}
		if lookup == nil {
			return "", fmt.Errorf("Template error: dynamic reference %s%s}} cannot be resolved", dynPrefix, inner)
		}
		val, err := lookup(service, ref)
		if err != nil {
			return "", err
		}
		b.WriteString(s[:i])
		b.WriteString(val)
		s = s[i+len(dynPrefix)+j+2:]
	}
	b.WriteString(s)
	return b.String(), nil
}

func countDynamicRefsIn(s string) int {
	n := 0
	for {
		i := strings.Index(s, dynPrefix)
		if i < 0 {
			return n
		}
		j := strings.Index(s[i+len(dynPrefix):], "}}")
		if j < 0 {
			return n
		}
		n++
		s = s[i+len(dynPrefix)+j+2:]
	}
}

func countDynamicRefs(v any) int {
	switch x := v.(type) {
	case string:
		return countDynamicRefsIn(x)
	case map[string]any:
		n := 0
		for _, val := range x {
			n += countDynamicRefs(val)
		}
		return n
	case []any:
		n := 0
		for _, item := range x {
			n += countDynamicRefs(item)
		}
		return n
	}
	return 0
}

// HasDynamicRefs reports whether any string inside v contains a dynamic
// reference.
func HasDynamicRefs(v any) bool { return countDynamicRefs(v) > 0 }

// ResolveDynamicRefsIn returns a copy of v with every dynamic reference in
// its string values resolved. Map keys are left alone.
func ResolveDynamicRefsIn(v any, lookup func(service, ref string) (string, error)) (any, error) {
	switch x := v.(type) {
	case string:
		return ResolveDynamicRefs(x, lookup)
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			r, err := ResolveDynamicRefsIn(x[k], lookup)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := ResolveDynamicRefsIn(item, lookup)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}
