package codepipeline

import (
	"fmt"
	"regexp"
	"sort"
)

// Variables: #{namespace.key}. The reserved namespace codepipeline holds
// PipelineExecutionId; variables holds the pipeline-level variables (V2);
// every other namespace is an action's (its output variables).

const (
	nsPipeline  = "codepipeline"
	nsVariables = "variables"
)

var varRE = regexp.MustCompile(`#\{([^{}.]*)\.([^{}]*)\}`)

type varRef struct {
	Namespace, Key, Text string
}

// varRefs lists the variable references in s.
func varRefs(s string) []varRef {
	var out []varRef
	for _, m := range varRE.FindAllStringSubmatch(s, -1) {
		out = append(out, varRef{Namespace: m[1], Key: m[2], Text: m[0]})
	}
	return out
}

// scope is what variables resolve against in one execution.
type scope struct {
	executionID string
	pipeline    map[string]string
	actions     map[string]map[string]string
}

func (x *execution) scope() *scope {
	s := &scope{executionID: x.ID, pipeline: map[string]string{}, actions: x.Vars}
	for _, v := range x.Variables {
		s.pipeline[v.Name] = v.Value
	}
	return s
}

// lookup resolves one reference.
func (s *scope) lookup(ns, key string) (string, bool) {
	switch ns {
	case nsPipeline:
		if key == "PipelineExecutionId" {
			return s.executionID, true
		}
		return "", false
	case nsVariables:
		v, ok := s.pipeline[key]
		return v, ok
	}
	vars, ok := s.actions[ns]
	if !ok {
		return "", false
	}
	v, ok := vars[key]
	return v, ok
}

// resolve replaces every reference in str; an unresolvable one is an error
// naming it.
func (s *scope) resolve(str string) (string, error) {
	var missing string
	out := varRE.ReplaceAllStringFunc(str, func(m string) string {
		sub := varRE.FindStringSubmatch(m)
		v, ok := s.lookup(sub[1], sub[2])
		if !ok {
			if missing == "" {
				missing = m
			}
			return m
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("Unable to resolve variable %s", missing)
	}
	return out, nil
}

// resolveMap resolves every value of a configuration.
func (s *scope) resolveMap(m map[string]string) (map[string]string, error) {
	if m == nil {
		return nil, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(m))
	for _, k := range keys {
		v, err := s.resolve(m[k])
		if err != nil {
			return nil, fmt.Errorf("%v in configuration %s", err, k)
		}
		out[k] = v
	}
	return out, nil
}

// pipelineVariables resolves the pipeline-level variables of a new
// execution: defaults overridden by StartPipelineExecution's values. A
// variable without a default must be given.
func pipelineVariables(decl *PipelineDeclaration, given map[string]string) ([]ResolvedVariable, error) {
	declared := map[string]bool{}
	var out []ResolvedVariable
	for _, v := range decl.Variables {
		declared[v.Name] = true
		val, ok := given[v.Name]
		if !ok {
			val = v.DefaultValue
		}
		if val == "" {
			return nil, errValidation.New("Pipeline variable %s does not have a default value and must be specified when starting the pipeline", v.Name)
		}
		out = append(out, ResolvedVariable{Name: v.Name, Value: val})
	}
	var unknown []string
	for k := range given {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, errValidation.New("Pipeline variable %s is not declared in the pipeline", unknown[0])
	}
	return out, nil
}
