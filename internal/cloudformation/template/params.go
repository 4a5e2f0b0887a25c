package template

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ParamInput is what a caller supplies for parameters on CreateStack,
// UpdateStack or CreateChangeSet.
type ParamInput struct {
	Given       map[string]string
	UsePrevious map[string]bool
	Previous    map[string]string
	LookupSSM   func(name string) (string, error)
}

// ParamValue is a resolved parameter. Value is what the caller supplied (for
// SSM parameter types, the parameter name); Resolved is the SSM value.
type ParamValue struct {
	Value    string
	List     []string // for list types
	Resolved string   // for SSM types: the resolved value
	NoEcho   bool
}

// awsSpecificTypes are the AWS-specific parameter types; each may also be
// used as List<T>.
var awsSpecificTypes = map[string]bool{
	"AWS::EC2::AvailabilityZone::Name":   true,
	"AWS::EC2::Image::Id":                true,
	"AWS::EC2::Instance::Id":             true,
	"AWS::EC2::KeyPair::KeyName":         true,
	"AWS::EC2::SecurityGroup::GroupName": true,
	"AWS::EC2::SecurityGroup::Id":        true,
	"AWS::EC2::Subnet::Id":               true,
	"AWS::EC2::Volume::Id":               true,
	"AWS::EC2::VPC::Id":                  true,
	"AWS::Route53::HostedZone::Id":       true,
}

const ssmValuePrefix = "AWS::SSM::Parameter::Value<"

// ValidParameterType reports whether typ is a parameter type CloudFormation
// accepts.
func ValidParameterType(typ string) bool {
	switch typ {
	case "String", "Number", "List<Number>", "CommaDelimitedList", "List<String>", "AWS::SSM::Parameter::Name":
		return true
	}
	if awsSpecificTypes[typ] {
		return true
	}
	if inner, ok := strings.CutPrefix(typ, "List<"); ok && strings.HasSuffix(inner, ">") {
		return awsSpecificTypes[strings.TrimSuffix(inner, ">")]
	}
	if inner, ok := ssmValueInner(typ); ok {
		switch inner {
		case "String", "List<String>", "CommaDelimitedList":
			return true
		}
		if awsSpecificTypes[inner] {
			return true
		}
		if li, ok := strings.CutPrefix(inner, "List<"); ok && strings.HasSuffix(li, ">") {
			return awsSpecificTypes[strings.TrimSuffix(li, ">")]
		}
	}
	return false
}

func ssmValueInner(typ string) (string, bool) {
	if !strings.HasPrefix(typ, ssmValuePrefix) || !strings.HasSuffix(typ, ">") {
		return "", false
	}
	return typ[len(ssmValuePrefix) : len(typ)-1], true
}

// IsSSMValueType reports whether a parameter type is resolved from SSM.
func IsSSMValueType(typ string) bool {
	_, ok := ssmValueInner(typ)
	return ok
}

// IsListType reports whether Ref to a parameter of this type yields a list.
func IsListType(typ string) bool {
	if inner, ok := ssmValueInner(typ); ok {
		typ = inner
	}
	return typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")
}

func splitList(s string) []string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// compilePattern compiles an AllowedPattern; AWS matches the whole value.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + p + `)$`)
}

// checkConstraints validates one parameter value against its declaration
// and returns AWS's message for the first violation.
func checkConstraints(p *Parameter, value string) error {
	fail := func(msg string) error {
		if p.ConstraintDescription != "" {
			return fmt.Errorf("Parameter '%s' failed to satisfy constraint: %s", p.Name, p.ConstraintDescription)
		}
		return errors.New(msg)
	}
	typ := p.Type
	if inner, ok := ssmValueInner(typ); ok {
		typ = inner
	}
	items := []string{value}
	if IsListType(typ) {
		items = splitList(value)
	}
	numeric := typ == "Number" || typ == "List<Number>"
	for _, item := range items {
		if numeric {
			f, err := strconv.ParseFloat(strings.TrimSpace(item), 64)
			if err != nil || isInfOrNaN(f) {
				if typ == "Number" {
					return fmt.Errorf("Parameter '%s' must be a number", p.Name)
				}
				return fmt.Errorf("Parameter '%s' must be a list of numbers", p.Name)
			}
			if p.MinValue != nil && f < *p.MinValue {
				return fail(fmt.Sprintf("Parameter '%s' must be a number not less than %s", p.Name, fmtFloat(*p.MinValue)))
			}
			if p.MaxValue != nil && f > *p.MaxValue {
				return fail(fmt.Sprintf("Parameter '%s' must be a number not greater than %s", p.Name, fmtFloat(*p.MaxValue)))
			}
		}
		if len(p.AllowedValues) > 0 && !containsString(p.AllowedValues, item) {
			return fail(fmt.Sprintf("Parameter '%s' must be one of AllowedValues", p.Name))
		}
		if p.AllowedPattern != "" {
			re, err := compilePattern(p.AllowedPattern)
			if err == nil && !re.MatchString(item) {
				return fail(fmt.Sprintf("Parameter '%s' must match pattern %s", p.Name, p.AllowedPattern))
			}
		}
	}
	n := len([]rune(value))
	if p.MinLength != nil && n < *p.MinLength {
		return fail(fmt.Sprintf("Parameter '%s' must contain at least %d characters", p.Name, *p.MinLength))
	}
	if p.MaxLength != nil && n > *p.MaxLength {
		return fail(fmt.Sprintf("Parameter '%s' must contain at most %d characters", p.Name, *p.MaxLength))
	}
	return nil
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ResolveParameters computes the value of every template parameter from
// the caller's input, defaults and previous values, resolving SSM parameter
// types and enforcing constraints, with AWS's error messages.
func ResolveParameters(t *Template, in ParamInput) (map[string]ParamValue, error) {
	var unknown []string
	for name := range in.Given {
		if t.Parameter(name) == nil {
			unknown = append(unknown, name)
		}
	}
	for name, use := range in.UsePrevious {
		if use && t.Parameter(name) == nil && !containsString(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("Parameters: %s do not exist in the template", bracketList(unknown))
	}
	out := make(map[string]ParamValue, len(t.Parameters))
	var missing []string
	raw := map[string]string{}
	for _, p := range t.Parameters {
		var (
			v  string
			ok bool
		)
		if in.UsePrevious[p.Name] {
			v, ok = in.Previous[p.Name]
		} else if g, given := in.Given[p.Name]; given {
			v, ok = g, true
		} else if p.Default != nil {
			v, ok = *p.Default, true
		}
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		raw[p.Name] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("Parameters: %s must have values", bracketList(missing))
	}
	var unfetched []string
	for _, p := range t.Parameters {
		v := raw[p.Name]
		pv := ParamValue{Value: v, NoEcho: p.NoEcho}
		checked := v
		if inner, ok := ssmValueInner(p.Type); ok {
			if in.LookupSSM == nil {
				unfetched = append(unfetched, v)
				continue
			}
			res, err := in.LookupSSM(v)
			if err != nil {
				unfetched = append(unfetched, v)
				continue
			}
			pv.Resolved = res
			checked = res
			if IsListType(inner) {
				pv.List = splitList(res)
			}
		} else if IsListType(p.Type) {
			pv.List = splitList(v)
		}
		if err := checkConstraints(p, checked); err != nil {
			return nil, err
		}
		out[p.Name] = pv
	}
	if len(unfetched) > 0 {
		return nil, fmt.Errorf("Unable to fetch parameters %s from parameter store for this account.", bracketList(unfetched))
	}
	return out, nil
}
