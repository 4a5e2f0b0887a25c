package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// PolicyKind selects the grammar a policy document is checked against.
type PolicyKind int

const (
	// IdentityPolicy is an inline, managed or permissions-boundary policy:
	// Resource required, Principal forbidden.
	IdentityPolicy PolicyKind = iota
	// TrustPolicy is a role's assume-role policy: Principal required,
	// Resource forbidden, only sts actions.
	TrustPolicy
)

// Policy is a parsed, validated policy document: the form an evaluator
// works on.
type Policy struct {
	Version    string // "" when the document has none (IAM treats it as 2008-10-17)
	ID         string
	Statements []Statement
}

// Statement is one policy statement with every list normalized (a single
// string becomes a one-element list).
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Principal    Principal
	NotPrincipal Principal
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	// Condition maps operator (StringEquals, ForAnyValue:StringLike, ...)
	// to condition key to values.
	Condition map[string]map[string][]string
}

// Principal maps a principal type (AWS, Service, Federated, CanonicalUser)
// to its values; the bare "*" principal is {"*": ["*"]}.
type Principal map[string][]string

var (
	validVersions      = map[string]bool{"2012-10-17": true, "2008-10-17": true}
	sidPattern         = regexp.MustCompile(`^[0-9A-Za-z]*$`)
	vendorPattern      = regexp.MustCompile(`[^a-zA-Z0-9\-.]`)
	awsPrincipalARN    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:(iam|sts)::(\d{12}|aws):\S+$`)
	accountIDPattern   = regexp.MustCompile(`^\d{12}$`)
	conditionOperators = map[string]bool{
		"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
		"StringLike": true, "StringNotLike": true,
		"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
		"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
		"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
		"DateGreaterThan": true, "DateGreaterThanEquals": true,
		"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
		"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true, "Null": true,
	}
	identityStatementKeys = map[string]bool{"Sid": true, "Effect": true, "Action": true, "NotAction": true, "Resource": true, "NotResource": true, "Condition": true}
	trustStatementKeys    = map[string]bool{"Sid": true, "Effect": true, "Action": true, "NotAction": true, "Principal": true, "NotPrincipal": true, "Condition": true}
	iamResourcePrefixes   = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}
)

const (
	msgSyntax        = "Syntax errors in policy."
	msgInvalidJSON   = "This policy contains invalid Json"
	msgLegacy        = "The policy failed legacy parsing"
	msgPrincipal     = "Policy document should not specify a principal."
	msgSidUnique     = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum      = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgNoActions     = "Policy statement must contain actions."
	msgNoResources   = "Policy statement must contain resources."
	msgNoPrincipal   = "Missing required field Principal"
	msgTrustActions  = "AssumeRole policy may only specify STS AssumeRole actions."
	msgVendorMissing = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgVendorColon   = "Actions/Condition can contain only one colon."
)

// ParsePolicy validates a policy document as IAM does and returns it
// parsed. Errors are MalformedPolicyDocument with IAM's messages. The
// document may be URL-encoded, as some clients send it.
func ParsePolicy(doc string, kind PolicyKind) (*Policy, error) {
	doc = DecodeDocument(doc)
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	var raw any
	if err := d.Decode(&raw); err != nil {
		return nil, syntaxErr(kind)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, syntaxErr(kind)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, syntaxErr(kind)
	}
	p := &Policy{}
	for k, v := range top {
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || !validVersions[s] {
				return nil, malformed(msgSyntax)
			}
			p.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, malformed(msgSyntax)
			}
			p.ID = s
		case "Statement":
		default:
			return nil, malformed(msgSyntax)
		}
	}
	var rawStatements []any
	switch s := top["Statement"].(type) {
	case map[string]any:
		rawStatements = []any{s}
	case []any:
		rawStatements = s
	default:
		return nil, malformed(msgSyntax)
	}
	if len(rawStatements) == 0 {
		return nil, malformed(msgSyntax)
	}
	// Syntax of every statement first, as IAM reports the first class of
	// problem across the whole document.
	raws := make([]map[string]any, len(rawStatements))
	for i, rs := range rawStatements {
		m, ok := rs.(map[string]any)
		if !ok {
			return nil, malformed(msgSyntax)
		}
		raws[i] = m
		if err := statementSyntax(m, kind); err != nil {
			return nil, err
		}
	}
	for _, m := range raws {
		st, err := buildStatement(m)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	// Legacy parsing: exact Effect case, date condition values.
	for _, st := range p.Statements {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, malformed(msgLegacy)
		}
		for op, kv := range st.Condition {
			if !strings.HasPrefix(baseOperator(op), "Date") {
				continue
			}
			for _, vals := range kv {
				for _, v := range vals {
					if !validDate(v) {
						return nil, malformed(msgLegacy)
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, st := range p.Statements {
		if st.Sid == "" {
			continue
		}
		if seen[st.Sid] {
			return nil, malformed(msgSidUnique)
		}
		seen[st.Sid] = true
	}
	for _, st := range p.Statements {
		if !sidPattern.MatchString(st.Sid) {
			return nil, malformed(msgSidAlnum)
		}
	}
	for _, st := range p.Statements {
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return nil, malformed(msgNoActions)
		}
	}
	if kind == TrustPolicy {
		return p, checkTrust(p)
	}
	for _, st := range p.Statements {
		if len(st.Resource) == 0 && len(st.NotResource) == 0 {
			return nil, malformed(msgNoResources)
		}
	}
	for _, st := range p.Statements {
		for _, list := range [][]string{st.Resource, st.NotResource} {
			rs := append([]string(nil), list...)
			sort.Sort(sort.Reverse(sort.StringSlice(rs)))
			for _, r := range rs {
				if err := checkResource(r); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, st := range p.Statements {
		for _, list := range [][]string{st.Action, st.NotAction} {
			for _, a := range list {
				if err := checkAction(a); err != nil {
					return nil, err
				}
			}
		}
	}
	return p, nil
}

func syntaxErr(kind PolicyKind) error {
	if kind == TrustPolicy {
		return malformed(msgInvalidJSON)
	}
	return malformed(msgSyntax)
}

func statementSyntax(m map[string]any, kind PolicyKind) error {
	allowed := identityStatementKeys
	if kind == TrustPolicy {
		allowed = trustStatementKeys
		for _, k := range []string{"Resource", "NotResource"} {
			if _, ok := m[k]; ok {
				return malformed("Has prohibited field %s", k)
			}
		}
	} else {
		_, p := m["Principal"]
		_, np := m["NotPrincipal"]
		if p || np {
			return malformed(msgPrincipal)
		}
	}
	for k := range m {
		if !allowed[k] {
			return malformed(msgSyntax)
		}
	}
	both := func(a, b string) bool {
		_, x := m[a]
		_, y := m[b]
		return x && y
	}
	if both("Action", "NotAction") || both("Resource", "NotResource") || both("Principal", "NotPrincipal") {
		return malformed(msgSyntax)
	}
	eff, ok := m["Effect"].(string)
	if !ok || (!strings.EqualFold(eff, "Allow") && !strings.EqualFold(eff, "Deny")) {
		return malformed(msgSyntax)
	}
	for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
		if v, ok := m[k]; ok {
			if _, ok := stringOrList(v); !ok {
				return malformed(msgSyntax)
			}
		}
	}
	if v, ok := m["Sid"]; ok {
		if _, ok := v.(string); !ok {
			return malformed(msgSyntax)
		}
	}
	for _, k := range []string{"Principal", "NotPrincipal"} {
		if v, ok := m[k]; ok {
			if _, ok := parsePrincipal(v); !ok {
				return malformed(msgSyntax)
			}
		}
	}
	if v, ok := m["Condition"]; ok {
		if _, ok := parseCondition(v); !ok {
			return malformed(msgSyntax)
		}
	}
	return nil
}

func buildStatement(m map[string]any) (Statement, error) {
	st := Statement{}
	st.Sid, _ = m["Sid"].(string)
	st.Effect, _ = m["Effect"].(string)
	st.Action, _ = stringOrList(m["Action"])
	st.NotAction, _ = stringOrList(m["NotAction"])
	st.Resource, _ = stringOrList(m["Resource"])
	st.NotResource, _ = stringOrList(m["NotResource"])
	if v, ok := m["Principal"]; ok {
		st.Principal, _ = parsePrincipal(v)
	}
	if v, ok := m["NotPrincipal"]; ok {
		st.NotPrincipal, _ = parsePrincipal(v)
	}
	if v, ok := m["Condition"]; ok {
		st.Condition, _ = parseCondition(v)
	}
	return st, nil
}

// stringOrList reads a string or a list of strings; absent gives nil.
func stringOrList(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func parsePrincipal(v any) (Principal, bool) {
	switch x := v.(type) {
	case string:
		if x != "*" {
			return nil, false
		}
		return Principal{"*": {"*"}}, true
	case map[string]any:
		if len(x) == 0 {
			return nil, false
		}
		p := Principal{}
		for k, e := range x {
			vals, ok := stringOrList(e)
			if !ok || len(vals) == 0 {
				return nil, false
			}
			p[k] = vals
		}
		return p, true
	}
	return nil, false
}

// scalar renders a condition value: strings as is, numbers and booleans in
// their JSON form.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func parseCondition(v any) (map[string]map[string][]string, bool) {
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]map[string][]string, len(ops))
	for op, kv := range ops {
		keys, ok := kv.(map[string]any)
		if !ok {
			return nil, false
		}
		if !conditionOperators[baseOperator(op)] && len(keys) > 0 {
			return nil, false
		}
		m := make(map[string][]string, len(keys))
		for k, raw := range keys {
			var vals []string
			switch x := raw.(type) {
			case []any:
				for _, e := range x {
					s, ok := scalar(e)
					if !ok {
						return nil, false
					}
					vals = append(vals, s)
				}
			default:
				s, ok := scalar(x)
				if !ok {
					return nil, false
				}
				vals = []string{s}
			}
			m[k] = vals
		}
		out[op] = m
	}
	return out, true
}

// baseOperator strips the ForAnyValue:/ForAllValues: qualifier and the
// IfExists suffix.
func baseOperator(op string) string {
	for _, p := range []string{"ForAnyValue:", "ForAllValues:"} {
		if strings.HasPrefix(op, p) {
			op = op[len(p):]
			break
		}
	}
	return strings.TrimSuffix(op, "IfExists")
}

func validDate(v string) bool {
	if strings.Contains(v, "${") {
		return true // policy variable, resolved at evaluation
	}
	if !strings.ContainsAny(v, "-tT") {
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && n >= 0
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02", "2006-01"} {
		if _, err := time.Parse(layout, strings.ToUpper(v)); err == nil {
			return true
		}
	}
	return false
}

func checkResource(r string) error {
	if r == "*" {
		return nil
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 2 || parts[0] != "arn" {
		return malformed(`Resource %s must be in ARN format or "*".`, r)
	}
	partition := parts[1]
	if partition != "aws" && partition != "*" && !strings.HasPrefix(partition, "aws-") && !strings.Contains(partition, "${") {
		get := func(i int) string {
			if i < len(parts) && (parts[i] != "" || i < len(parts)-1) {
				return parts[i]
			}
			return "*"
		}
		return malformed(`Partition "%s" is not valid for resource "arn:%s:%s:%s:%s:%s".`, partition, partition, get(2), get(3), get(4), get(5))
	}
	if len(parts) < 3 {
		return malformed("Resource vendor must be fully qualified and cannot contain regexes.")
	}
	service := parts[2]
	region := ""
	if len(parts) > 3 {
		region = parts[3]
	}
	switch service {
	case "iam":
		if region != "" {
			return malformed("IAM resource %s cannot contain region information.", r)
		}
		if len(parts) == 6 {
			res := parts[5]
			ok := res == "*" || strings.Contains(res, "${")
			for _, p := range iamResourcePrefixes {
				if strings.HasPrefix(res, p) || res == "root" || strings.HasPrefix(res, "*") {
					ok = true
				}
			}
			if !ok {
				return malformed(`IAM resource path must either be "*" or start with %s.`, strings.Join(iamResourcePrefixes, ", "))
			}
		}
	case "s3":
		if region != "" {
			return malformed("Resource %s can not contain region information.", r)
		}
	}
	return nil
}

func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	parts := strings.Split(a, ":")
	if len(parts) == 1 {
		return malformed(msgVendorMissing)
	}
	if len(parts) > 2 {
		return malformed(msgVendorColon)
	}
	if parts[0] != "*" && vendorPattern.MatchString(parts[0]) {
		return malformed("Vendor %s is not valid", parts[0])
	}
	return nil
}

func checkTrust(p *Policy) error {
	for _, st := range p.Statements {
		if st.Principal == nil && st.NotPrincipal == nil {
			return malformed(msgNoPrincipal)
		}
	}
	for _, st := range p.Statements {
		for _, list := range [][]string{st.Action, st.NotAction} {
			for _, a := range list {
				if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
					return malformed(msgTrustActions)
				}
			}
		}
	}
	for _, st := range p.Statements {
		for _, pr := range []Principal{st.Principal, st.NotPrincipal} {
			for _, typ := range sortedKeys(pr) {
				for _, v := range pr[typ] {
					if !validPrincipal(typ, v) {
						return malformed(`Invalid principal in policy: "%s":"%s"`, typ, v)
					}
				}
			}
		}
	}
	return nil
}

func validPrincipal(typ, v string) bool {
	switch typ {
	case "*":
		return true
	case "AWS":
		return v == "*" || accountIDPattern.MatchString(v) || awsPrincipalARN.MatchString(v)
	case "Service", "Federated", "CanonicalUser":
		return strings.TrimSpace(v) != ""
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DecodeDocument returns a policy document as JSON text: documents that
// arrive URL-encoded (as IAM returns them, and as some clients send them)
// are decoded; anything else is returned unchanged.
func DecodeDocument(doc string) string {
	t := strings.TrimLeftFunc(doc, unicode.IsSpace)
	if strings.HasPrefix(t, "{") || !strings.Contains(doc, "%") {
		return doc
	}
	u, err := url.QueryUnescape(doc)
	if err != nil || !strings.HasPrefix(strings.TrimLeftFunc(u, unicode.IsSpace), "{") {
		return doc
	}
	return u
}

// EncodeDocument URL-encodes a policy document as IAM returns it
// (RFC 3986: everything but unreserved characters is percent-encoded).
func EncodeDocument(doc string) string {
	var b strings.Builder
	b.Grow(len(doc) * 2)
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// policySize is a document's size as IAM counts it against quotas:
// characters, not counting white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// document applies the policyDocumentType constraint of the API
// model (printable Latin-1, tab and line breaks; at most 131072).
func (v *validation) document(member, doc string) {
	if doc == "" {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", doc, member)
		return
	}
	if len(doc) > 131072 {
		v.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 131072", member)
	}
	for _, r := range doc {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)) {
			v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", doc, member)
			return
		}
	}
}

// DocumentObject parses a stored (valid) document into JSON values, numbers
// as json.Number: the template shape CloudFormation compares against.
func DocumentObject(doc string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(DecodeDocument(doc)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	return m, nil
}

// compactJSON returns v as JSON without HTML escaping.
func compactJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
