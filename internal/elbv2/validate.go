package elbv2

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Conversion from the API's shapes (shared by the wire layer and the
// CloudFormation providers, whose properties have the same shape) to the
// model, with AWS's structural validation. Checks that need the engine's
// state (target groups exist, priorities are free) happen in the engine.

// actionsFromAPI normalizes actions; path is "actions" or
// "defaultActions" for error messages.
func actionsFromAPI(in []wAction, path string) ([]Action, error) {
	if len(in) == 0 {
		return nil, validation("A %s must be specified", map[string]string{"actions": "action", "defaultActions": "default action"}[path])
	}
	out := make([]Action, 0, len(in))
	orders := map[int]bool{}
	terminals := 0
	for i, w := range in {
		at := fmt.Sprintf("%s.%d.member", path, i+1)
		a := Action{Type: w.Type}
		if w.Order != nil {
			if *w.Order < 1 || *w.Order > 50000 {
				return nil, rangeError(*w.Order, at+".order", 1, 50000)
			}
			if orders[*w.Order] {
				return nil, validation("The action order '%d' is used more than once", *w.Order)
			}
			orders[*w.Order] = true
			a.Order = *w.Order
		}
		switch w.Type {
		case "forward":
			f, err := forwardFromAPI(w, at)
			if err != nil {
				return nil, err
			}
			a.Forward = f
		case "redirect":
			if w.RedirectConfig == nil {
				return nil, ErrInvalidLoadBalancerAction.New("The redirect configuration must be specified for a redirect action")
			}
			rc, err := redirectFromAPI(w.RedirectConfig, at)
			if err != nil {
				return nil, err
			}
			a.Redirect = rc
		case "fixed-response":
			if w.FixedResponseConfig == nil {
				return nil, ErrInvalidLoadBalancerAction.New("The fixed response configuration must be specified for a fixed-response action")
			}
			fr, err := fixedFromAPI(w.FixedResponseConfig, at)
			if err != nil {
				return nil, err
			}
			a.Fixed = fr
		case "authenticate-oidc", "authenticate-cognito", "jwt-validation":
			return nil, ErrInvalidLoadBalancerAction.New("Action type '%s' is not supported by skiff's load balancer (only forward, redirect and fixed-response)", w.Type)
		case "":
			return nil, validation("1 validation error detected: Value null at '%s.type' failed to satisfy constraint: Member must not be null", at)
		default:
			return nil, enumError(w.Type, at+".type", "forward", "authenticate-oidc", "authenticate-cognito", "redirect", "fixed-response", "jwt-validation")
		}
		terminals++
		out = append(out, a)
	}
	if terminals > 1 {
		return nil, ErrInvalidLoadBalancerAction.New("You cannot specify multiple actions of type 'forward', 'redirect', or 'fixed-response'")
	}
	if len(out) > 1 {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	}
	return out, nil
}

func forwardFromAPI(w wAction, at string) (*ForwardConfig, error) {
	f := &ForwardConfig{}
	if w.ForwardConfig != nil {
		for i, t := range w.ForwardConfig.TargetGroups {
			if t.TargetGroupArn == "" {
				return nil, validation("1 validation error detected: Value null at '%s.forwardConfig.targetGroups.%d.member.targetGroupArn' failed to satisfy constraint: Member must not be null", at, i+1)
			}
			weight := 1
			if t.Weight != nil {
				weight = *t.Weight
			}
			if weight < 0 || weight > 999 {
				return nil, rangeError(weight, fmt.Sprintf("%s.forwardConfig.targetGroups.%d.member.weight", at, i+1), 0, 999)
			}
			for _, g := range f.TargetGroups {
				if g.ARN == t.TargetGroupArn {
					return nil, ErrInvalidLoadBalancerAction.New("Target group '%s' cannot be specified more than once in a forward action", t.TargetGroupArn)
				}
			}
			f.TargetGroups = append(f.TargetGroups, WeightedTargetGroup{ARN: t.TargetGroupArn, Weight: weight})
		}
		if len(f.TargetGroups) > maxForwardTargetGroups {
			return nil, validation("1 validation error detected: Value at '%s.forwardConfig.targetGroups' failed to satisfy constraint: Member must have length less than or equal to %d", at, maxForwardTargetGroups)
		}
		if s := w.ForwardConfig.TargetGroupStickinessConfig; s != nil && s.Enabled != nil && *s.Enabled {
			if s.DurationSeconds == nil {
				return nil, validation("You must specify a stickiness duration when target group stickiness is enabled")
			}
			if *s.DurationSeconds < 1 || *s.DurationSeconds > 604800 {
				return nil, rangeError(*s.DurationSeconds, at+".forwardConfig.targetGroupStickinessConfig.durationSeconds", 1, 604800)
			}
			f.Stickiness, f.StickinessSeconds = true, *s.DurationSeconds
		}
	}
	switch {
	case w.TargetGroupArn != "" && len(f.TargetGroups) == 0:
		f.TargetGroups = []WeightedTargetGroup{{ARN: w.TargetGroupArn, Weight: 1}}
	case w.TargetGroupArn != "" && (len(f.TargetGroups) != 1 || f.TargetGroups[0].ARN != w.TargetGroupArn):
		return nil, ErrInvalidLoadBalancerAction.New("You cannot specify both a target group ARN and a forward config with different target groups")
	case len(f.TargetGroups) == 0:
		return nil, ErrInvalidLoadBalancerAction.New("You must specify either a target group ARN or a forward config with at least one target group for a forward action")
	}
	return f, nil
}

func redirectFromAPI(w *wRedirect, at string) (*RedirectConfig, error) {
	rc := &RedirectConfig{Protocol: w.Protocol, Port: w.Port, Host: w.Host, Path: w.Path, Query: w.Query, StatusCode: w.StatusCode}
	switch rc.StatusCode {
	case "HTTP_301", "HTTP_302":
	case "":
		return nil, validation("1 validation error detected: Value null at '%s.redirectConfig.statusCode' failed to satisfy constraint: Member must not be null", at)
	default:
		return nil, enumError(rc.StatusCode, at+".redirectConfig.statusCode", "HTTP_301", "HTTP_302")
	}
	if rc.Protocol != "" && rc.Protocol != "#{protocol}" && rc.Protocol != "HTTP" && rc.Protocol != "HTTPS" {
		return nil, ErrInvalidLoadBalancerAction.New("The redirect protocol must be one of 'HTTP', 'HTTPS' or '#{protocol}'")
	}
	if rc.Port != "" && rc.Port != "#{port}" {
		if n, err := strconv.Atoi(rc.Port); err != nil || n < 1 || n > 65535 {
			return nil, ErrInvalidLoadBalancerAction.New("The redirect port must be between 1 and 65535 or '#{port}'")
		}
	}
	if rc.Path != "" && !strings.HasPrefix(rc.Path, "/") {
		return nil, ErrInvalidLoadBalancerAction.New("The redirect path must start with a '/'")
	}
	if len(rc.Host) > 128 || len(rc.Path) > 128 || len(rc.Query) > 128 {
		return nil, ErrInvalidLoadBalancerAction.New("The redirect host, path and query must be at most 128 characters")
	}
	def := func(v, d string) bool { return v == "" || v == d }
	if def(rc.Protocol, "#{protocol}") && def(rc.Port, "#{port}") && def(rc.Host, "#{host}") && def(rc.Path, "/#{path}") && def(rc.Query, "#{query}") {
		return nil, ErrInvalidLoadBalancerAction.New("The redirect configuration is not valid because it creates a loop.")
	}
	// AWS reports the defaults it applied.
	if rc.Protocol == "" {
		rc.Protocol = "#{protocol}"
	}
	if rc.Port == "" {
		rc.Port = "#{port}"
	}
	if rc.Host == "" {
		rc.Host = "#{host}"
	}
	if rc.Path == "" {
		rc.Path = "/#{path}"
	}
	if rc.Query == "" {
		rc.Query = "#{query}"
	}
	return rc, nil
}

var (
	fixedStatusRE = regexp.MustCompile(`^(2|4|5)\d\d$`)
	fixedTypes    = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}
)

func fixedFromAPI(w *wFixed, at string) (*FixedResponse, error) {
	if w.StatusCode == "" {
		return nil, validation("1 validation error detected: Value null at '%s.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must not be null", at)
	}
	if !fixedStatusRE.MatchString(w.StatusCode) {
		return nil, validation("1 validation error detected: Value '%s' at '%s.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$", w.StatusCode, at)
	}
	if w.ContentType != "" && !contains(fixedTypes, w.ContentType) {
		return nil, ErrInvalidLoadBalancerAction.New("The ContentType must be one of:'text/html', 'application/json', 'application/javascript', 'text/css', 'text/plain'")
	}
	if len(w.MessageBody) > 1024 {
		return nil, lengthError(w.MessageBody, at+".fixedResponseConfig.messageBody", 0, 1024)
	}
	return &FixedResponse{StatusCode: w.StatusCode, ContentType: w.ContentType, MessageBody: w.MessageBody}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	conditionFields = []string{"path-pattern", "host-header", "http-header", "http-request-method", "query-string", "source-ip"}
	methodRE        = regexp.MustCompile(`^[A-Z_-]+$`)
	headerNameRE    = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_` + "`" + `|~-]+$`)
	pathPatternRE   = regexp.MustCompile(`^[A-Za-z0-9_\-.$/~"'@:+&*?]+$`)
	hostPatternRE   = regexp.MustCompile(`^[A-Za-z0-9\-.*?]+$`)
)

// conditionsFromAPI normalizes and validates a rule's conditions.
func conditionsFromAPI(in []wCondition) ([]Condition, error) {
	if len(in) == 0 {
		return nil, validation("A condition must be specified")
	}
	seen := map[string]bool{}
	total := 0
	out := make([]Condition, 0, len(in))
	for _, w := range in {
		if w.Field == "" {
			return nil, validation("A condition field must be specified")
		}
		if !contains(conditionFields, w.Field) {
			return nil, validation("Condition field '%s' must be one of '[%s]'", w.Field, strings.Join(conditionFields, ","))
		}
		if len(w.RegexValues) > 0 || hasRegex(w) {
			return nil, validation("Regular expression condition values are not supported by skiff's load balancer")
		}
		c := Condition{Field: w.Field}
		var cfgValues []string
		var cfgSet bool
		switch w.Field {
		case "path-pattern":
			if w.PathPatternConfig != nil {
				cfgValues, cfgSet = w.PathPatternConfig.Values, true
			}
		case "host-header":
			if w.HostHeaderConfig != nil {
				cfgValues, cfgSet = w.HostHeaderConfig.Values, true
			}
		default:
			if len(w.Values) > 0 {
				return nil, validation("The 'Values' field is not compatible with '%s'", w.Field)
			}
		}
		if w.Field == "path-pattern" || w.Field == "host-header" {
			if seen[w.Field] {
				return nil, validation("A rule can only have one '%s' condition", w.Field)
			}
			cfgName := map[string]string{"path-pattern": "PathPatternConfig", "host-header": "HostHeaderConfig"}[w.Field]
			if cfgSet && len(w.Values) > 0 {
				return nil, validation("You cannot provide both Values and '%s' for a condition of type '%s'", cfgName, w.Field)
			}
			if len(w.Values) > 0 {
				if len(w.Values) > 1 {
					return nil, validation("The '%s' field contains too many values; the limit is '1'", w.Field)
				}
				c.Values, c.Legacy = w.Values, true
			} else {
				c.Values = cfgValues
			}
			if len(c.Values) == 0 {
				return nil, validation("A condition value must be specified")
			}
			re := pathPatternRE
			if w.Field == "host-header" {
				re = hostPatternRE
			}
			for _, v := range c.Values {
				if len(v) > 128 {
					return nil, validation("The '%s' value is too long; the limit is '128'", w.Field)
				}
				if !re.MatchString(v) {
					return nil, validation("The '%s' value '%s' contains characters that are not allowed", w.Field, v)
				}
			}
		}
		switch w.Field {
		case "http-header":
			if w.HttpHeaderConfig == nil {
				return nil, validation("A 'HttpHeaderConfig' must be specified with 'http-header'")
			}
			name := w.HttpHeaderConfig.HttpHeaderName
			if name == "" {
				return nil, validation("A 'HttpHeaderName' must be specified with 'http-header'")
			}
			if len(name) > 40 {
				return nil, validation("The 'HttpHeaderName' value is too long; the limit is '40'")
			}
			if !headerNameRE.MatchString(name) {
				return nil, validation("The 'HttpHeaderName' value '%s' is not a valid HTTP header name", name)
			}
			c.Header, c.Values = name, w.HttpHeaderConfig.Values
			if len(c.Values) == 0 {
				return nil, validation("A condition value must be specified")
			}
			for _, v := range c.Values {
				if len(v) > 128 {
					return nil, validation("The 'http-header' value is too long; the limit is '128'")
				}
			}
		case "http-request-method":
			if seen[w.Field] {
				return nil, validation("A rule can only have one '%s' condition", w.Field)
			}
			if w.HttpRequestMethodConfig == nil {
				return nil, validation("A 'HttpRequestMethodConfig' must be specified with 'http-request-method'")
			}
			c.Values = w.HttpRequestMethodConfig.Values
			if len(c.Values) == 0 {
				return nil, validation("A condition value must be specified")
			}
			for _, v := range c.Values {
				if len(v) > 40 {
					return nil, validation("The 'http-request-method' value is too long; the limit is '40'")
				}
				if !methodRE.MatchString(v) {
					return nil, validation("The 'http-request-method' value is invalid; the allowed characters are A-Z, hyphen and underscore")
				}
			}
		case "query-string":
			if w.QueryStringConfig == nil {
				return nil, validation("A 'QueryStringConfig' must be specified with 'query-string'")
			}
			for _, kv := range w.QueryStringConfig.Values {
				if kv.Value == "" {
					return nil, validation("A 'Value' must be specified in 'QueryStringKeyValuePair'")
				}
				if len(kv.Key) > 128 {
					return nil, validation("The 'Key' value is too long; the limit is '128'")
				}
				if len(kv.Value) > 128 {
					return nil, validation("The 'Value' value is too long; the limit is '128'")
				}
				c.Query = append(c.Query, QueryPair{Key: kv.Key, Value: kv.Value})
			}
			if len(c.Query) == 0 {
				return nil, validation("A condition value must be specified")
			}
		case "source-ip":
			if seen[w.Field] {
				return nil, validation("A rule can only have one '%s' condition", w.Field)
			}
			if w.SourceIpConfig == nil {
				return nil, validation("A 'SourceIpConfig' must be specified with 'source-ip'")
			}
			c.Values = w.SourceIpConfig.Values
			if len(c.Values) == 0 {
				return nil, validation("A 'source-ip' value must be specified")
			}
			for _, v := range c.Values {
				if _, err := netip.ParsePrefix(v); err != nil {
					return nil, validation("The 'source-ip' value '%s' is not a valid CIDR block", v)
				}
			}
		}
		seen[w.Field] = true
		n := len(c.Values)
		if c.Field == "query-string" {
			n = len(c.Query)
		}
		total += n
		out = append(out, c)
	}
	if total > maxConditionValuesPerRule {
		return nil, validation("A rule can only have '%d' condition values", maxConditionValuesPerRule)
	}
	return out, nil
}

func hasRegex(w wCondition) bool {
	for _, c := range []*wValues{w.HostHeaderConfig, w.PathPatternConfig} {
		if c != nil && len(c.RegexValues) > 0 {
			return true
		}
	}
	return w.HttpHeaderConfig != nil && len(w.HttpHeaderConfig.RegexValues) > 0
}

// --- attributes ---

// attrSpec is one attribute: its default and how to check a value.
type attrSpec struct {
	key, def string
	check    func(v string) bool
}

func isBool(v string) bool { return v == "true" || v == "false" }

func intIn(lo, hi int) func(string) bool {
	return func(v string) bool {
		n, err := strconv.Atoi(v)
		return err == nil && n >= lo && n <= hi
	}
}

func oneOf(vals ...string) func(string) bool {
	return func(v string) bool { return contains(vals, v) }
}

func anyValue(string) bool { return true }

// lbAttributes are an Application Load Balancer's attributes, in the
// order DescribeLoadBalancerAttributes lists them, with AWS's defaults.
var lbAttributes = []attrSpec{
	{"access_logs.s3.enabled", "false", isBool},
	{"access_logs.s3.bucket", "", anyValue},
	{"access_logs.s3.prefix", "", anyValue},
	{"client_keep_alive.seconds", "3600", intIn(60, 604800)},
	{"connection_logs.s3.enabled", "false", isBool},
	{"connection_logs.s3.bucket", "", anyValue},
	{"connection_logs.s3.prefix", "", anyValue},
	{"deletion_protection.enabled", "false", isBool},
	{"health_check_logs.s3.enabled", "false", isBool},
	{"health_check_logs.s3.bucket", "", anyValue},
	{"health_check_logs.s3.prefix", "", anyValue},
	{"idle_timeout.timeout_seconds", "60", intIn(1, 4000)},
	{"load_balancing.cross_zone.enabled", "true", isBool},
	{"routing.http.desync_mitigation_mode", "defensive", oneOf("monitor", "defensive", "strictest")},
	{"routing.http.drop_invalid_header_fields.enabled", "false", isBool},
	{"routing.http.preserve_host_header.enabled", "false", isBool},
	{"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false", isBool},
	{"routing.http.xff_client_port.enabled", "false", isBool},
	{"routing.http.xff_header_processing.mode", "append", oneOf("append", "preserve", "remove")},
	{"routing.http2.enabled", "true", isBool},
	{"waf.fail_open.enabled", "false", isBool},
	{"zonal_shift.config.enabled", "false", isBool},
}

// tgAttributes are an instance or ip target group's attributes.
var tgAttributes = []attrSpec{
	{"deregistration_delay.timeout_seconds", "300", intIn(0, 3600)},
	{"stickiness.enabled", "false", isBool},
	{"stickiness.type", "lb_cookie", oneOf("lb_cookie", "app_cookie")},
	{"stickiness.lb_cookie.duration_seconds", "86400", intIn(1, 604800)},
	{"stickiness.app_cookie.cookie_name", "", anyValue},
	{"stickiness.app_cookie.duration_seconds", "86400", intIn(1, 604800)},
	{"slow_start.duration_seconds", "0", func(v string) bool { return v == "0" || intIn(30, 900)(v) }},
	{"load_balancing.algorithm.type", "round_robin", oneOf("round_robin", "least_outstanding_requests", "weighted_random")},
	{"load_balancing.algorithm.anomaly_mitigation", "off", oneOf("on", "off")},
	{"load_balancing.cross_zone.enabled", "use_load_balancer_configuration", oneOf("true", "false", "use_load_balancer_configuration")},
	{"target_group_health.dns_failover.minimum_healthy_targets.count", "1", func(v string) bool { return v == "off" || intIn(1, 1000)(v) }},
	{"target_group_health.dns_failover.minimum_healthy_targets.percentage", "off", func(v string) bool { return v == "off" || intIn(1, 100)(v) }},
	{"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1", intIn(1, 1000)},
	{"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off", func(v string) bool { return v == "off" || intIn(1, 100)(v) }},
}

// listenerAttributes are an HTTP listener's attributes.
var listenerAttributes = []attrSpec{
	{"routing.http.response.server.enabled", "true", isBool},
}

func defaults(specs []attrSpec) map[string]string {
	m := make(map[string]string, len(specs))
	for _, s := range specs {
		m[s.key] = s.def
	}
	return m
}

// Attribute is a key/value attribute of a load balancer, target group or
// listener.
type Attribute struct{ Key, Value string }

// applyAttributes checks changes against specs and returns the merged set.
func applyAttributes(cur map[string]string, changes []Attribute, specs []attrSpec, what string) (map[string]string, error) {
	out := cloneMap(cur)
	if out == nil {
		out = defaults(specs)
	}
	for _, c := range changes {
		var spec *attrSpec
		for i := range specs {
			if specs[i].key == c.Key {
				spec = &specs[i]
			}
		}
		if spec == nil {
			return nil, validation("%s attribute key '%s' is not recognized", what, c.Key)
		}
		if !spec.check(c.Value) {
			return nil, validation("%s attribute '%s' cannot have value '%s'", what, c.Key, c.Value)
		}
		out[c.Key] = c.Value
	}
	return out, nil
}

func attributeList(m map[string]string, specs []attrSpec) []Attribute {
	out := make([]Attribute, 0, len(specs))
	for _, s := range specs {
		v, ok := m[s.key]
		if !ok {
			v = s.def
		}
		out = append(out, Attribute{s.key, v})
	}
	return out
}

// --- names ---

func checkName(name, what string, max int) error {
	label := map[string]string{"LoadBalancer": "Load balancer", "TargetGroup": "Target group"}[what]
	if name == "" {
		return validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > max {
		return validation("%s name '%s' cannot be longer than '%d' characters", label, name, max)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return validation("%s name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", label, name)
		}
	}
	if strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return validation("%s name '%s' cannot begin or end with '-'", label, name)
	}
	if what == "LoadBalancer" && strings.HasPrefix(strings.ToLower(name), "internal-") {
		return validation("Load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

// --- tags ---

// tagsFromAPI turns a tag list into a map, rejecting duplicate keys.
func tagsFromAPI(in []wTag) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(in))
	for _, t := range in {
		if t.Key == "" {
			return nil, validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null")
		}
		if len(t.Key) > 128 {
			return nil, lengthError(t.Key, "tags.member.key", 1, 128)
		}
		if len(t.Value) > 256 {
			return nil, lengthError(t.Value, "tags.member.value", 0, 256)
		}
		if _, dup := m[t.Key]; dup {
			return nil, ErrDuplicateTagKeys.New("Tag key was specified more than once: %s", t.Key)
		}
		m[t.Key] = t.Value
	}
	if len(m) > maxTagsPerResource {
		return nil, ErrTooManyTags.New("The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	return m, nil
}
