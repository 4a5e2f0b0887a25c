package dora

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"
)

// Production decides which deployments are production deployments. Only
// those are measured.
//
// The zero value is the default: a deployment is production when its
// Environment, deployment Group or pipeline Stage contains the word "prod"
// or "production" as a word (case-insensitive; words split at
// non-alphanumeric characters and lower-to-upper case changes: "Prod",
// "app-prod", "production-eu", "Deploy_Production" and "DeployToProd"
// match; "preprod", "pre-prod", "PreProd", "nonprod" and "product" do not),
// or when a tag environment, env or stage (any case) has the value prod or
// production.
//
// When any field is set, only the fields set decide (the default rule is
// off): a deployment is production when one of Names or Patterns matches
// its Environment, Group or Stage, or one of Tags matches its tags.
type Production struct {
	// Names are exact names (case-insensitive) of environments, deployment
	// groups or stages.
	Names []string `json:"names,omitempty"`
	// Patterns are path.Match patterns ("*-prod", "Deploy*"), matched
	// case-insensitively against the same names.
	Patterns []string `json:"patterns,omitempty"`
	// Tags map a tag key to a value (case-insensitive); an empty value
	// matches any value of the key.
	Tags map[string]string `json:"tags,omitempty"`
}

// Validate reports a malformed pattern.
func (p Production) Validate() error {
	for _, pat := range p.Patterns {
		if _, err := path.Match(strings.ToLower(pat), ""); err != nil {
			return fmt.Errorf("production pattern %q: %w", pat, err)
		}
	}
	return nil
}

func (p Production) isDefault() bool {
	return len(p.Names) == 0 && len(p.Patterns) == 0 && len(p.Tags) == 0
}

// String describes the rule, for reports.
func (p Production) String() string {
	if p.isDefault() {
		return `default: environment, deployment group or stage has the word "prod" or "production", or tag environment/env/stage is prod or production`
	}
	var parts []string
	if len(p.Names) > 0 {
		parts = append(parts, "named "+strings.Join(p.Names, ", "))
	}
	if len(p.Patterns) > 0 {
		parts = append(parts, "matching "+strings.Join(p.Patterns, ", "))
	}
	if len(p.Tags) > 0 {
		keys := make([]string, 0, len(p.Tags))
		for k := range p.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var tags []string
		for _, k := range keys {
			if v := p.Tags[k]; v != "" {
				tags = append(tags, k+"="+v)
			} else {
				tags = append(tags, k)
			}
		}
		parts = append(parts, "tagged "+strings.Join(tags, ", "))
	}
	return "configured: environment, deployment group or stage " + strings.Join(parts, "; or ")
}

// Match reports whether d is a production deployment and why (or why not),
// in words for Explain.
func (p Production) Match(d *Deployment) (bool, string) {
	names := []struct{ field, value string }{
		{"environment", d.Environment}, {"group", d.Group}, {"stage", d.Stage},
	}
	if p.isDefault() {
		for _, n := range names {
			if hasProdWord(n.value) {
				return true, fmt.Sprintf("%s %q has the word prod/production", n.field, n.value)
			}
		}
		for _, k := range sortedKeys(d.Tags) {
			switch strings.ToLower(k) {
			case "environment", "env", "stage":
				if v := strings.ToLower(d.Tags[k]); v == "prod" || v == "production" {
					return true, fmt.Sprintf("tag %s=%s", k, d.Tags[k])
				}
			}
		}
		return false, "no prod/production in " + describeNames(d)
	}
	for _, n := range names {
		if n.value == "" {
			continue
		}
		for _, want := range p.Names {
			if strings.EqualFold(n.value, want) {
				return true, fmt.Sprintf("%s %q is named production", n.field, n.value)
			}
		}
		for _, pat := range p.Patterns {
			if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(n.value)); ok {
				return true, fmt.Sprintf("%s %q matches %q", n.field, n.value, pat)
			}
		}
	}
	for _, k := range sortedKeys(p.Tags) {
		want := p.Tags[k]
		for _, dk := range sortedKeys(d.Tags) {
			if strings.EqualFold(dk, k) && (want == "" || strings.EqualFold(d.Tags[dk], want)) {
				return true, fmt.Sprintf("tag %s=%s", dk, d.Tags[dk])
			}
		}
	}
	return false, "not a configured production name, pattern or tag: " + describeNames(d)
}

func describeNames(d *Deployment) string {
	var parts []string
	if d.Environment != "" {
		parts = append(parts, fmt.Sprintf("environment %q", d.Environment))
	}
	if d.Group != "" {
		parts = append(parts, fmt.Sprintf("group %q", d.Group))
	}
	if d.Stage != "" {
		parts = append(parts, fmt.Sprintf("stage %q", d.Stage))
	}
	if len(parts) == 0 {
		return "no environment, group or stage"
	}
	return strings.Join(parts, ", ")
}

// hasProdWord reports whether s has "prod" or "production" as a word.
// Words are split at non-alphanumeric characters and at lower-to-upper
// case changes ("DeployToProd" is deploy, to, prod). A prod preceded by the
// word pre or non ("pre-prod", "PreProd", "non_prod") is not production.
func hasProdWord(s string) bool {
	words := splitWords(s)
	for i, w := range words {
		if w != "prod" && w != "production" {
			continue
		}
		if i > 0 && (words[i-1] == "pre" || words[i-1] == "non") {
			continue
		}
		return true
	}
	return false
}

func splitWords(s string) []string {
	var words []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
