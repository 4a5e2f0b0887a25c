package ssm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// StringFilter is a ParameterStringFilter.
type StringFilter struct {
	Key    string
	Option string
	Values []string
}

// LegacyFilter is a DescribeParameters Filters entry (ParametersFilter).
type LegacyFilter struct {
	Key    string
	Values []string
}

// ByPathInput is GetParametersByPath's input.
type ByPathInput struct {
	Path           string
	Recursive      bool
	Filters        []StringFilter
	WithDecryption bool
	MaxResults     int32 // 0 means the default (10)
	NextToken      string
}

// DescribeInput is DescribeParameters' input.
type DescribeInput struct {
	Filters          []LegacyFilter
	ParameterFilters []StringFilter
	MaxResults       int32 // 0 means the default (10)
	NextToken        string
}

// Page tokens are opaque to clients: base64 of a version tag and the last
// key returned.
const tokenTag = "skiff1:"

func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenTag + last))
}

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), tokenTag) {
		return "", errInvalidNextToken.New(msgInvalidNextToken)
	}
	return string(b[len(tokenTag):]), nil
}

var filterKeyPattern = regexp.MustCompile(`^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$`)

// checkStringFilters validates ParameterFilters the way AWS does for
// DescribeParameters (byPath false) and GetParametersByPath.
func checkStringFilters(filters []StringFilter, byPath bool) error {
	for i, f := range filters {
		at := fmt.Sprintf("parameterFilters.%d.member", i+1)
		switch {
		case f.Key == "":
			return errValidation.New("1 validation error detected: Value null at '%s.key' failed to satisfy constraint: Member must not be null", at)
		case len(f.Key) > 132:
			return constraintErr(f.Key, at+".key", "Member must have length less than or equal to 132")
		case !filterKeyPattern.MatchString(f.Key):
			return constraintErr(f.Key, at+".key", "Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType")
		case len(f.Option) > 10:
			return constraintErr(f.Option, at+".option", "Member must have length less than or equal to 10")
		case len(f.Values) > 50:
			return constraintErr(fmt.Sprint(f.Values), at+".values", "Member must have length less than or equal to 50")
		}
		for _, v := range f.Values {
			if v == "" || len(v) > 1024 {
				return constraintErr(fmt.Sprint(f.Values), at+".values", "[Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]")
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range filters {
		key, opt := f.Key, f.Option
		if !byPath && key == "Label" {
			return errInvalidFilterKey.New("The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].")
		}
		if byPath && (key == "Name" || key == "Path" || key == "Tier") {
			return errInvalidFilterKey.New("The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId].", key)
		}
		if !strings.HasPrefix(key, "tag:") && len(f.Values) == 0 {
			return errInvalidFilterValue.New("The following filter values are missing : null for filter key %s.", key)
		}
		if seen[key] {
			return errInvalidFilterKey.New("The following filter is duplicated in the request: %s. A request can contain only one occurrence of a specific filter.", key)
		}
		seen[key] = true
		switch key {
		case "Path":
			if opt == "" {
				opt = "OneLevel"
			}
			if opt != "Recursive" && opt != "OneLevel" {
				return errInvalidFilterOption.New("The following filter option is not valid: %s. Valid options include: [Recursive, OneLevel].", opt)
			}
			for _, v := range f.Values {
				lv := strings.ToLower(v)
				if strings.HasPrefix(lv, "/aws") || strings.HasPrefix(lv, "/ssm") {
					return errValidation.New(`Filters for common parameters can't be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.`)
				}
				if !validPath(v) {
					return errValidation.New(msgPathRule)
				}
			}
			continue
		case "Tier":
			for _, v := range f.Values {
				if v != TierStandard && v != TierAdvanced && v != TierIntelligentTiering {
					return errInvalidFilterValue.New("The following filter value is not valid: %s. Valid values include: [Standard, Advanced, Intelligent-Tiering].", v)
				}
			}
		case "Type":
			for _, v := range f.Values {
				if v != TypeString && v != TypeStringList && v != TypeSecureString {
					return errInvalidFilterValue.New("The following filter value is not valid: %s. Valid values include: [String, StringList, SecureString].", v)
				}
			}
		case "DataType":
			for _, v := range f.Values {
				if v != DataTypeText && v != DataTypeEC2Image && v != DataTypeIntegration {
					return errInvalidFilterValue.New("The following filter value is not valid: %s. Valid values include: [text, aws:ec2:image, aws:ssm:integration].", v)
				}
			}
		case "Label":
			if opt != "" && opt != "Equals" {
				return errInvalidFilterOption.New("The following filter option is not valid: %s. Valid options include: [Equals].", opt)
			}
			continue
		}
		if opt == "" || opt == "Equals" || opt == "BeginsWith" || (opt == "Contains" && key == "Name") {
			continue
		}
		if key == "Name" {
			return errInvalidFilterOption.New("The following filter option is not valid: %s. Valid options include: [BeginsWith, Equals, Contains].", opt)
		}
		return errInvalidFilterOption.New("The following filter option is not valid: %s. Valid options include: [BeginsWith, Equals].", opt)
	}
	return nil
}

// validPath checks a hierarchy path: a leading slash, valid characters, no
// empty segment ("/" alone is the root).
func validPath(p string) bool {
	if p == "/" {
		return true
	}
	if p == "" || p[0] != '/' || strings.Contains(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !validChar(p[i]) {
			return false
		}
	}
	return true
}

// slashed gives a name its fully qualified form for Name and Path filters.
func slashed(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/" + name
}

func matchString(opt, what string, values []string) bool {
	for _, v := range values {
		switch opt {
		case "BeginsWith":
			if strings.HasPrefix(what, v) {
				return true
			}
		case "Contains":
			if strings.Contains(what, v) {
				return true
			}
		default:
			if what == v {
				return true
			}
		}
	}
	return false
}

// matchFilters applies validated ParameterFilters (except Label, which
// GetParametersByPath handles) to a parameter.
func matchFilters(h *headRecord, filters []StringFilter) bool {
	for _, f := range filters {
		switch {
		case f.Key == "Name":
			what := slashed(h.Name)
			values := f.Values
			if f.Option != "Contains" {
				values = make([]string, len(f.Values))
				for i, v := range f.Values {
					values[i] = slashed(v)
				}
			}
			if !matchString(f.Option, what, values) {
				return false
			}
		case f.Key == "Path":
			what := slashed(h.Name)
			ok := false
			for _, v := range f.Values {
				p := strings.TrimSuffix(v, "/")
				if p == "" { // the root
					ok = ok || f.Option == "Recursive" || strings.Count(what, "/") == 1
					continue
				}
				if strings.HasPrefix(what, p+"/") && (f.Option == "Recursive" || strings.Count(what, "/") == strings.Count(p, "/")+1) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		case f.Key == "Type":
			if !matchString(f.Option, h.Type, f.Values) {
				return false
			}
		case f.Key == "KeyId":
			if h.KeyID == "" || !matchString(f.Option, h.KeyID, f.Values) {
				return false
			}
		case f.Key == "Tier":
			if !matchString(f.Option, h.Tier, f.Values) {
				return false
			}
		case f.Key == "DataType":
			if !matchString(f.Option, h.DataType, f.Values) {
				return false
			}
		case strings.HasPrefix(f.Key, "tag:"):
			key := f.Key[len("tag:"):]
			found := false
			for _, t := range h.Tags {
				if t.Key == key && (len(f.Values) == 0 || matchString(f.Option, t.Value, f.Values)) {
					found = true
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

func matchLegacy(h *headRecord, filters []LegacyFilter) bool {
	for _, f := range filters {
		var ok bool
		switch f.Key {
		case "Name":
			ok = matchString("BeginsWith", h.Name, f.Values) || matchString("BeginsWith", slashed(h.Name), f.Values)
		case "Type":
			ok = matchString("Equals", h.Type, f.Values)
		case "KeyId":
			ok = h.KeyID != "" && matchString("Equals", h.KeyID, f.Values)
		}
		if !ok {
			return false
		}
	}
	return true
}

func checkLegacyFilters(filters []LegacyFilter) error {
	for i, f := range filters {
		at := fmt.Sprintf("filters.%d.member", i+1)
		switch f.Key {
		case "Name", "Type", "KeyId":
		default:
			return constraintErr(f.Key, at+".key", "Member must satisfy enum value set: [Type, KeyId, Name]")
		}
		if len(f.Values) == 0 {
			return errValidation.New("1 validation error detected: Value null at '%s.values' failed to satisfy constraint: Member must not be null", at)
		}
		if len(f.Values) > 50 {
			return constraintErr(fmt.Sprint(f.Values), at+".values", "Member must have length less than or equal to 50")
		}
	}
	return nil
}

// DescribeParameters lists parameter metadata (values are never returned),
// filtered and paginated.
func (e *Engine) DescribeParameters(ctx context.Context, in DescribeInput) ([]*Parameter, string, error) {
	max := int(in.MaxResults)
	if in.MaxResults == 0 {
		max = 10
	} else if in.MaxResults < 1 || in.MaxResults > 50 {
		return nil, "", maxResultsErr(in.MaxResults, 50)
	}
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, "", errValidation.New(msgEitherFilters)
	}
	if err := checkLegacyFilters(in.Filters); err != nil {
		return nil, "", err
	}
	if err := checkStringFilters(in.ParameterFilters, false); err != nil {
		return nil, "", err
	}
	after := ""
	if in.NextToken != "" {
		var err error
		if after, err = decodeToken(in.NextToken); err != nil {
			return nil, "", err
		}
	}
	sc := awsctx.From(ctx)
	prefix := scopePrefix(sc)
	out := []*Parameter{}
	next := ""
	err := e.st.View(ctx, func(tx store.Tx) error {
		opt := store.ScanOptions{Prefix: prefix}
		if after != "" {
			opt.After = prefix + after
		}
		return tx.Scan(bucketParams, opt, func(key string, value []byte) error {
			var h headRecord
			if err := json.Unmarshal(value, &h); err != nil {
				return err
			}
			if !matchLegacy(&h, in.Filters) || !matchFilters(&h, in.ParameterFilters) {
				return nil
			}
			if len(out) == max {
				next = encodeToken(out[len(out)-1].Name)
				return store.ErrStop
			}
			p := &Parameter{}
			fillMeta(p, &h.versionRecord, parameterARN(sc.Region, sc.AccountID, h.Name))
			p.Name = h.Name
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// fillMeta copies a version's metadata (everything but the value).
func fillMeta(p *Parameter, v *versionRecord, arn string) {
	p.Type, p.Version, p.LastModifiedDate, p.ARN, p.DataType = v.Type, v.Version, v.Modified, arn, v.DataType
	p.Description, p.AllowedPattern, p.KeyID, p.Tier, p.LastModifiedUser = v.Description, v.Pattern, v.KeyID, v.Tier, v.User
	p.Policies = policyList(v.Policies)
	p.Labels = v.Labels
}

// GetParametersByPath returns the parameters under a hierarchy path.
func (e *Engine) GetParametersByPath(ctx context.Context, in ByPathInput) ([]*Parameter, string, error) {
	max := int(in.MaxResults)
	if in.MaxResults == 0 {
		max = 10
	} else if in.MaxResults < 1 || in.MaxResults > 10 {
		return nil, "", maxResultsErr(in.MaxResults, 10)
	}
	if err := lengthErrAt(in.Path, "path"); err != nil {
		return nil, "", err
	}
	if !validPath(in.Path) {
		return nil, "", errValidation.New(msgPathRule)
	}
	if err := checkStringFilters(in.Filters, true); err != nil {
		return nil, "", err
	}
	var labels []string
	filters := in.Filters[:0:0]
	for _, f := range in.Filters {
		if f.Key == "Label" {
			labels = f.Values
			continue
		}
		filters = append(filters, f)
	}
	after := ""
	if in.NextToken != "" {
		var err error
		if after, err = decodeToken(in.NextToken); err != nil {
			return nil, "", err
		}
	}
	sc := awsctx.From(ctx)
	path := strings.TrimSuffix(in.Path, "/")
	namePrefix := path + "/"
	if path == "" {
		namePrefix = ""
	}
	prefix := scopePrefix(sc)
	out := []*Parameter{}
	next := ""
	err := e.st.View(ctx, func(tx store.Tx) error {
		opt := store.ScanOptions{Prefix: prefix + namePrefix}
		if after != "" {
			opt.After = prefix + after
		}
		return tx.Scan(bucketParams, opt, func(key string, value []byte) error {
			name := key[len(prefix):]
			rest := name[len(namePrefix):]
			if path == "" {
				rest = strings.TrimPrefix(rest, "/")
			}
			if !in.Recursive && strings.IndexByte(rest, '/') >= 0 {
				return nil
			}
			var h headRecord
			if err := json.Unmarshal(value, &h); err != nil {
				return err
			}
			if !matchFilters(&h, filters) {
				return nil
			}
			v := &h.versionRecord
			if labels != nil {
				var ver int64
				for _, l := range labels {
					if n := h.LabelIndex[l]; n > ver {
						ver = n
					}
				}
				if ver == 0 {
					return nil
				}
				if ver != h.Version {
					v = &versionRecord{}
					if err := tx.Get(bucketVersions, versionKey(sc, name, ver), v); err != nil {
						return err
					}
				}
			}
			if len(out) == max {
				next = encodeToken(out[len(out)-1].Name)
				return store.ErrStop
			}
			p := &Parameter{}
			if err := e.fill(p, v, parameterARN(sc.Region, sc.AccountID, name), nil, "", in.WithDecryption); err != nil {
				return err
			}
			p.Name = name
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

func lengthErrAt(v, member string) error {
	if v == "" {
		return constraintErr("", member, "Member must have length greater than or equal to 1")
	}
	if len(v) > maxNameLen {
		return constraintErr(v, member, "Member must have length less than or equal to 2048")
	}
	return nil
}

// GetParameterHistory returns every retained version of a parameter,
// oldest first.
func (e *Engine) GetParameterHistory(ctx context.Context, name string, withDecryption bool, maxResults int32, nextToken string) ([]*Parameter, string, error) {
	max := int(maxResults)
	if maxResults == 0 {
		max = 50
	} else if maxResults < 1 || maxResults > 50 {
		return nil, "", maxResultsErr(maxResults, 50)
	}
	sc := awsctx.From(ctx)
	ref, err := parsePlainName(sc, name)
	if err != nil {
		return nil, "", err
	}
	var after int64
	if nextToken != "" {
		s, err := decodeToken(nextToken)
		if err != nil {
			return nil, "", err
		}
		if after, err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, "", errInvalidNextToken.New(msgInvalidNextToken)
		}
	}
	arn := parameterARN(sc.Region, sc.AccountID, ref.name)
	out := []*Parameter{}
	next := ""
	err = e.st.View(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketParams, headKey(sc, ref.name)); err != nil {
			return err
		}
		opt := store.ScanOptions{Prefix: versionPrefix(sc, ref.name)}
		if after > 0 {
			opt.After = versionKey(sc, ref.name, after)
		}
		return tx.Scan(bucketVersions, opt, func(key string, value []byte) error {
			if len(out) == max {
				next = encodeToken(strconv.FormatInt(out[len(out)-1].Version, 10))
				return store.ErrStop
			}
			var v versionRecord
			if err := json.Unmarshal(value, &v); err != nil {
				return err
			}
			p := &Parameter{}
			if err := e.fill(p, &v, arn, nil, "", withDecryption); err != nil {
				return err
			}
			p.Name = ref.name
			if p.Labels == nil {
				p.Labels = []string{}
			}
			out = append(out, p)
			return nil
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound()
	}
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}
