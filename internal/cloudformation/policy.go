package cloudformation

import (
	"encoding/json"
	"fmt"
	"path"
)

// Stack policies: which update actions may touch which resources. With a
// policy set, an update action is allowed only if some statement allows it
// and none denies it.

type stackPolicy struct {
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect      string                           `json:"Effect"`
	Action      stringList                       `json:"Action"`
	NotAction   stringList                       `json:"NotAction"`
	Principal   any                              `json:"Principal"`
	Resource    stringList                       `json:"Resource"`
	NotResource stringList                       `json:"NotResource"`
	Condition   map[string]map[string]stringList `json:"Condition"`
}

// stringList accepts a string or a list of strings.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("must be a string or a list of strings")
	}
	*s = many
	return nil
}

// parsePolicy validates a stack policy document.
func parsePolicy(doc string) (*stackPolicy, error) {
	var p stackPolicy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, errValidation.New("Error validating stack policy: Invalid stack policy: %v", err)
	}
	if len(p.Statement) == 0 {
		return nil, errValidation.New("Error validating stack policy: Invalid stack policy: Statement must be a non-empty list")
	}
	for i, s := range p.Statement {
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, errValidation.New("Error validating stack policy: Statement [#%d]: Effect must be Allow or Deny", i+1)
		}
		if (len(s.Action) == 0) == (len(s.NotAction) == 0) {
			return nil, errValidation.New("Error validating stack policy: Statement [#%d]: exactly one of Action and NotAction is required", i+1)
		}
		if (len(s.Resource) == 0) == (len(s.NotResource) == 0) {
			return nil, errValidation.New("Error validating stack policy: Statement [#%d]: exactly one of Resource and NotResource is required", i+1)
		}
		for _, a := range append(append([]string{}, s.Action...), s.NotAction...) {
			switch a {
			case "Update:*", "Update:Modify", "Update:Replace", "Update:Delete", "*":
			default:
				return nil, errValidation.New("Error validating stack policy: Statement [#%d]: unknown action %s", i+1, a)
			}
		}
	}
	return &p, nil
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if p == "*" || globMatch(p, s) {
			return true
		}
	}
	return false
}

func (s *policyStatement) matches(action, resource, typ string) bool {
	if len(s.Action) > 0 && !anyMatch(s.Action, action) {
		return false
	}
	if len(s.NotAction) > 0 && anyMatch(s.NotAction, action) {
		return false
	}
	if len(s.Resource) > 0 && !anyMatch(s.Resource, resource) {
		return false
	}
	if len(s.NotResource) > 0 && anyMatch(s.NotResource, resource) {
		return false
	}
	for op, kv := range s.Condition {
		vals := kv["ResourceType"]
		switch op {
		case "StringEquals":
			if !containsString(vals, typ) {
				return false
			}
		case "StringLike":
			if !anyMatch(vals, typ) {
				return false
			}
		case "StringNotEquals":
			if containsString(vals, typ) {
				return false
			}
		case "StringNotLike":
			if anyMatch(vals, typ) {
				return false
			}
		}
	}
	return true
}

// checkPolicy reports whether the stack policy lets action touch x.
func (e *Engine) checkPolicy(st *Stack, x *Resource, action string) error {
	doc := st.Policy
	if st.DuringUpdatePolicy != "" {
		doc = st.DuringUpdatePolicy
	}
	if doc == "" {
		return nil
	}
	p, err := parsePolicy(doc)
	if err != nil {
		return err
	}
	res := "LogicalResourceId/" + x.LogicalID
	allowed := false
	for i, s := range p.Statement {
		if !s.matches(action, res, x.Type) {
			continue
		}
		if s.Effect == "Deny" {
			return fmt.Errorf("Action denied by stack policy: Statement [#%d] denies action %s on resource %s", i+1, action, res)
		}
		allowed = true
	}
	if !allowed {
		return fmt.Errorf("Action not allowed by stack policy: no statement allows action %s on resource %s", action, res)
	}
	return nil
}
