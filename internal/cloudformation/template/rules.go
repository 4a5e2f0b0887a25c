package template

import (
	"strconv"
)

// RuleError is a failed Rules assertion. Its message is exactly the
// assertion's AssertDescription, which is what CloudFormation reports.
type RuleError struct {
	Rule        string
	Description string
}

func (e *RuleError) Error() string { return e.Description }

// EvalRules evaluates the Rules section against the resolved parameters,
// before anything is provisioned. Rules run in name order; the first failed
// assertion is returned as a *RuleError.
func (e *Evaluator) EvalRules() error {
	if e.T == nil {
		return nil
	}
	for _, name := range sortedKeys(e.T.Rules) {
		r := e.T.Rules[name]
		path := joinPath("Rules", name)
		if r.RuleCondition != nil {
			ok, err := e.ruleBool(r.RuleCondition, joinPath(path, "RuleCondition"))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		for i, a := range r.Assertions {
			apath := joinPath(joinPath(joinPath(path, "Assertions"), strconv.Itoa(i)), "Assert")
			ok, err := e.ruleBool(a.Assert, apath)
			if err != nil {
				return err
			}
			if !ok {
				desc := a.AssertDescription
				if desc == "" {
					desc = "Assertion failed for rule " + name
				}
				return &RuleError{Rule: name, Description: desc}
			}
		}
	}
	return nil
}

func (e *Evaluator) ruleBool(v any, path string) (bool, error) {
	r, err := e.ruleEval(v, path)
	if err != nil {
		return false, err
	}
	switch x := r.(type) {
	case bool:
		return x, nil
	case string:
		switch x {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	return false, e.fail(path, "Template error: a rule condition or assertion must evaluate to a boolean")
}

func (e *Evaluator) ruleList(v any, path, fn string) ([]any, error) {
	r, err := e.ruleEval(v, path)
	if err != nil {
		return nil, err
	}
	switch x := r.(type) {
	case []any:
		return x, nil
	case string:
		return []any{x}, nil
	}
	return nil, e.fail(path, "Template error: %s requires a list", fn)
}

// ruleEval evaluates an expression with the rule-specific functions
// available; other functions fall through to the normal evaluator.
func (e *Evaluator) ruleEval(v any, path string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for i, item := range x {
			r, err := e.ruleEval(item, joinPath(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case map[string]any:
		name, arg, ok := functionName(x)
		if !ok {
			return e.eval(x, path)
		}
		fpath := joinPath(path, name)
		l, _ := arg.([]any)
		need := func(n int) error {
			if len(l) != n {
				return e.fail(fpath, "Template error: every %s object requires a list of %d parameters.", name, n)
			}
			return nil
		}
		switch name {
		case "Ref":
			s, ok := arg.(string)
			if !ok {
				return nil, e.fail(fpath, "Template error: every Ref object must have a single String value.")
			}
			if e.T.Resource(s) != nil {
				return nil, e.fail(fpath, "Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Rules block of the template", s)
			}
			return e.ref(s, fpath, x)
		case "Fn::Contains", "Fn::EachMemberEquals":
			if err := need(2); err != nil {
				return nil, err
			}
			list, err := e.ruleList(l[0], joinPath(fpath, "0"), name)
			if err != nil {
				return nil, err
			}
			val, err := e.ruleEval(l[1], joinPath(fpath, "1"))
			if err != nil {
				return nil, err
			}
			if name == "Fn::Contains" {
				for _, item := range list {
					if valuesEqual(item, val) {
						return true, nil
					}
				}
				return false, nil
			}
			for _, item := range list {
				if !valuesEqual(item, val) {
					return false, nil
				}
			}
			return true, nil
		case "Fn::EachMemberIn":
			if err := need(2); err != nil {
				return nil, err
			}
			list, err := e.ruleList(l[0], joinPath(fpath, "0"), name)
			if err != nil {
				return nil, err
			}
			allowed, err := e.ruleList(l[1], joinPath(fpath, "1"), name)
			if err != nil {
				return nil, err
			}
			for _, item := range list {
				found := false
				for _, a := range allowed {
					found = found || valuesEqual(item, a)
				}
				if !found {
					return false, nil
				}
			}
			return true, nil
		case "Fn::RefAll":
			typ, ok := arg.(string)
			if !ok {
				return nil, e.fail(fpath, "Template error: Fn::RefAll requires a parameter type string")
			}
			out := []any{}
			for _, p := range e.T.Parameters {
				if p.Type != typ && p.Type != "List<"+typ+">" {
					continue
				}
				pv, ok := e.Params[p.Name]
				if !ok {
					continue
				}
				switch rv := paramRefValue(p, pv).(type) {
				case []any:
					out = append(out, rv...)
				default:
					out = append(out, rv)
				}
			}
			return out, nil
		case "Fn::ValueOf", "Fn::ValueOfAll":
			if err := need(2); err != nil {
				return nil, err
			}
			attr, _ := toStr(l[1])
			return nil, e.fail(fpath, "Template error: %s attribute %s is not supported: skiff has no data about AWS-specific parameter values", name, attr)
		case "Fn::Equals":
			if err := need(2); err != nil {
				return nil, err
			}
			a, err := e.ruleEval(l[0], joinPath(fpath, "0"))
			if err != nil {
				return nil, err
			}
			b, err := e.ruleEval(l[1], joinPath(fpath, "1"))
			if err != nil {
				return nil, err
			}
			return valuesEqual(a, b), nil
		case "Fn::Not":
			if err := need(1); err != nil {
				return nil, err
			}
			b, err := e.ruleBool(l[0], joinPath(fpath, "0"))
			return !b, err
		case "Fn::And", "Fn::Or":
			if len(l) < 2 || len(l) > 10 {
				return nil, e.fail(fpath, "Template error: every %s object requires a list of at least 2 and at most 10 boolean parameters.", name)
			}
			result := name == "Fn::And"
			for i, item := range l {
				b, err := e.ruleBool(item, joinPath(fpath, strconv.Itoa(i)))
				if err != nil {
					return nil, err
				}
				if name == "Fn::And" {
					result = result && b
				} else {
					result = result || b
				}
			}
			return result, nil
		}
		r, err := e.eval(x, path)
		if err != nil {
			return nil, err
		}
		if ContainsUnknown(r) {
			return nil, e.fail(fpath, "Template error: rules can only use parameter values")
		}
		return r, nil
	}
	return v, nil
}
