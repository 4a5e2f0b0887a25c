package iam

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Constraints from the IAM API model, with the pattern text AWS prints in
// its validation messages.
var (
	namePattern        = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern        = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	policyPathPattern  = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
	pathPrefixPattern  = regexp.MustCompile(`^/[\x21-\x7F]*$`)
	descriptionPattern = regexp.MustCompile(`^[\t\n\r\x20-\x7E\x{A1}-\x{FF}]*$`)
	tagKeyPattern      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValuePattern    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	versionIDPattern   = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
	namePatternWord    = regexp.MustCompile(`^\w+$`)
)

const (
	namePatternText       = `[\w+=,.@-]+`
	pathPatternText       = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	policyPathPatternText = `((/[A-Za-z0-9\.,\+@=_-]+)*)/`
	pathPrefixPatternText = `\u002F[\u0021-\u007F]*`
	descriptionText       = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	tagKeyPatternText     = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	tagValuePatternText   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	versionIDPatternText  = `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`
)

// checkString validates one string member against its length bounds and
// pattern, adding AWS-worded problems to v.
func (v *validation) checkString(member, value string, minLen, maxLen int, re *regexp.Regexp, reText string) {
	n := utf8.RuneCountInString(value)
	if n < minLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, member, minLen)
		return
	}
	if maxLen > 0 && n > maxLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, maxLen)
	}
	if re != nil && !re.MatchString(value) {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, member, reText)
	}
}

func (v *validation) name(member, value string, maxLen int) {
	v.checkString(member, value, 1, maxLen, namePattern, namePatternText)
}

// path validates an optional entity path ("" means "/").
func (v *validation) path(member, value string) {
	if value != "" {
		v.checkString(member, value, 1, 512, pathPattern, pathPatternText)
	}
}

func (v *validation) policyPath(member, value string) {
	if value != "" {
		v.checkString(member, value, 1, 512, policyPathPattern, policyPathPatternText)
	}
}

func (v *validation) pathPrefix(member, value string) {
	if value != "" {
		v.checkString(member, value, 1, 512, pathPrefixPattern, pathPrefixPatternText)
	}
}

func (v *validation) description(member, value string) {
	v.checkString(member, value, 0, 1000, descriptionPattern, descriptionText)
}

func (v *validation) maxItems(n *int32) {
	if n == nil {
		return
	}
	if *n < 1 {
		v.add("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", *n)
	} else if *n > 1000 {
		v.add("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", *n)
	}
}

func (v *validation) tags(tags []Tag) {
	if len(tags) > 50 {
		v.add("Value '%s' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50", renderTags(tags))
	}
	for i, t := range tags {
		v.checkString(memberN("tags", i, "key"), t.Key, 1, 128, tagKeyPattern, tagKeyPatternText)
		v.checkString(memberN("tags", i, "value"), t.Value, 0, 256, tagValuePattern, tagValuePatternText)
	}
}

func memberN(list string, i int, field string) string {
	return list + "." + itoa(i+1) + ".member." + field
}

func renderTags(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = "Tag(key=" + t.Key + ", value=" + t.Value + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// normPath returns the path with the default "/".
func normPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func lower(s string) string { return strings.ToLower(s) }
