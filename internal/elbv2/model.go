package elbv2

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
)

// The persisted model. Records are stored as JSON under the elbv2.*
// buckets (see doc.go) and mirrored in memory by the engine; every field
// here is configuration, never runtime state (health, in-flight counts).

// LoadBalancer is an Application Load Balancer.
type LoadBalancer struct {
	ARN            string            `json:"arn"`
	Name           string            `json:"name"`
	ID             string            `json:"id"`    // 16 hex digits, the last ARN segment
	DNSID          string            `json:"dnsId"` // the number in the DNS name
	Scheme         string            `json:"scheme"`
	Type           string            `json:"type"`
	IPAddressType  string            `json:"ipAddressType"`
	Subnets        []string          `json:"subnets,omitempty"`
	SubnetMappings []SubnetMapping   `json:"subnetMappings,omitempty"`
	SecurityGroups []string          `json:"securityGroups,omitempty"`
	VpcID          string            `json:"vpcId,omitempty"`
	Created        time.Time         `json:"created"`
	Attributes     map[string]string `json:"attributes"`
	Tags           map[string]string `json:"tags,omitempty"`
}

// SubnetMapping is a subnet and its optional addresses, recorded as given.
type SubnetMapping struct {
	SubnetID           string `json:"subnetId"`
	AllocationID       string `json:"allocationId,omitempty"`
	PrivateIPv4Address string `json:"privateIPv4Address,omitempty"`
	IPv6Address        string `json:"ipv6Address,omitempty"`
}

// FullName is the CloudWatch dimension value app/<name>/<id>.
func (lb *LoadBalancer) FullName() string { return "app/" + lb.Name + "/" + lb.ID }

// DNSName is <name>-<number>.<region>.elb.localhost (internal- prefixed
// for internal load balancers, as AWS does). *.localhost resolves to the
// loopback address (RFC 6761).
func (lb *LoadBalancer) DNSName() string {
	region := arnRegion(lb.ARN)
	prefix := ""
	if lb.Scheme == "internal" {
		prefix = "internal-"
	}
	return prefix + lb.Name + "-" + lb.DNSID + "." + region + ".elb.localhost"
}

// HealthCheck is a target group's health check configuration.
type HealthCheck struct {
	Enabled   bool   `json:"enabled"`
	Protocol  string `json:"protocol"`
	Port      string `json:"port"` // "traffic-port" or a number
	Path      string `json:"path"`
	Interval  int    `json:"interval"`
	Timeout   int    `json:"timeout"`
	Healthy   int    `json:"healthy"`
	Unhealthy int    `json:"unhealthy"`
	HTTPCode  string `json:"httpCode"` // matcher: "200", "200-299,302"
}

// TargetGroup is a set of targets with a health check.
type TargetGroup struct {
	ARN             string            `json:"arn"`
	Name            string            `json:"name"`
	ID              string            `json:"id"`
	Protocol        string            `json:"protocol"`
	ProtocolVersion string            `json:"protocolVersion"`
	Port            int               `json:"port"`
	VpcID           string            `json:"vpcId,omitempty"`
	TargetType      string            `json:"targetType"`
	IPAddressType   string            `json:"ipAddressType"`
	HealthCheck     HealthCheck       `json:"healthCheck"`
	Attributes      map[string]string `json:"attributes"`
	Tags            map[string]string `json:"tags,omitempty"`
	Targets         []Registration    `json:"targets,omitempty"`
	Created         time.Time         `json:"created"`
}

// FullName is the CloudWatch dimension value targetgroup/<name>/<id>.
func (tg *TargetGroup) FullName() string { return "targetgroup/" + tg.Name + "/" + tg.ID }

// Registration is one registered target. DrainUntil is set while the
// target is draining after DeregisterTargets: the wall time at which the
// (scaled) deregistration delay ends and the registration is removed.
type Registration struct {
	ID               string     `json:"id"`
	Port             int        `json:"port"`
	AvailabilityZone string     `json:"az,omitempty"`
	Registered       time.Time  `json:"registered"`
	DrainUntil       *time.Time `json:"drainUntil,omitempty"`
}

func (r *Registration) key() string { return targetKey(r.ID, r.Port) }

func targetKey(id string, port int) string { return fmt.Sprintf("%s:%d", id, port) }

// Listener accepts connections on a port and routes requests by its rules.
type Listener struct {
	ARN            string            `json:"arn"`
	LoadBalancer   string            `json:"lb"`
	ID             string            `json:"id"`
	Port           int               `json:"port"`
	Protocol       string            `json:"protocol"`
	DefaultActions []Action          `json:"defaultActions"`
	DefaultRuleID  string            `json:"defaultRuleId"`
	Certificates   []Certificate     `json:"certificates,omitempty"`
	SslPolicy      string            `json:"sslPolicy,omitempty"`
	AlpnPolicy     []string          `json:"alpnPolicy,omitempty"`
	Attributes     map[string]string `json:"attributes,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	Created        time.Time         `json:"created"`
}

// DefaultRuleARN is the ARN of the listener's default rule.
func (l *Listener) DefaultRuleARN() string {
	return strings.Replace(l.ARN, ":listener/", ":listener-rule/", 1) + "/" + l.DefaultRuleID
}

// Certificate is a listener certificate, recorded as given.
type Certificate struct {
	ARN       string `json:"arn"`
	IsDefault bool   `json:"isDefault,omitempty"`
}

// Rule is a listener rule (not the default rule, which lives in the
// listener as DefaultActions).
type Rule struct {
	ARN        string            `json:"arn"`
	Listener   string            `json:"listener"`
	Priority   int               `json:"priority"`
	Conditions []Condition       `json:"conditions"`
	Actions    []Action          `json:"actions"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    time.Time         `json:"created"`
}

// Action is what a rule does with a request. Exactly one of Forward,
// Redirect and Fixed is set, by Type.
type Action struct {
	Type     string          `json:"type"`
	Order    int             `json:"order,omitempty"` // 0 when not given
	Forward  *ForwardConfig  `json:"forward,omitempty"`
	Redirect *RedirectConfig `json:"redirect,omitempty"`
	Fixed    *FixedResponse  `json:"fixed,omitempty"`
}

// ForwardConfig lists weighted target groups. A forward action given with
// TargetGroupArn alone is stored as one group of weight 1, as AWS does.
type ForwardConfig struct {
	TargetGroups      []WeightedTargetGroup `json:"targetGroups"`
	Stickiness        bool                  `json:"stickiness,omitempty"`
	StickinessSeconds int                   `json:"stickinessSeconds,omitempty"`
}

// WeightedTargetGroup is one target group of a forward action.
type WeightedTargetGroup struct {
	ARN    string `json:"arn"`
	Weight int    `json:"weight"`
}

// RedirectConfig is a redirect action; empty components keep the
// request's (#{protocol}, #{host}, …).
type RedirectConfig struct {
	Protocol   string `json:"protocol"`
	Port       string `json:"port"`
	Host       string `json:"host"`
	Path       string `json:"path"`
	Query      string `json:"query"`
	StatusCode string `json:"statusCode"` // HTTP_301 or HTTP_302
}

// FixedResponse is a fixed-response action.
type FixedResponse struct {
	StatusCode  string `json:"statusCode"`
	ContentType string `json:"contentType,omitempty"`
	MessageBody string `json:"messageBody,omitempty"`
}

// Condition is one rule condition in normalized form. Values holds the
// values of every field but http-header (Header, Values) and query-string
// (Query). Legacy records that the values came in the old top-level
// Values member.
type Condition struct {
	Field  string      `json:"field"`
	Values []string    `json:"values,omitempty"`
	Header string      `json:"header,omitempty"`
	Query  []QueryPair `json:"query,omitempty"`
	Legacy bool        `json:"legacy,omitempty"`
}

// QueryPair is a query-string condition value; an empty Key matches any
// key.
type QueryPair struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value"`
}

// targetGroupARNs lists the target groups an action forwards to.
func (a *Action) targetGroupARNs() []string {
	if a.Forward == nil {
		return nil
	}
	out := make([]string, 0, len(a.Forward.TargetGroups))
	for _, g := range a.Forward.TargetGroups {
		out = append(out, g.ARN)
	}
	return out
}

func cloneActions(in []Action) []Action {
	out := make([]Action, len(in))
	for i, a := range in {
		out[i] = a
		if a.Forward != nil {
			f := *a.Forward
			f.TargetGroups = append([]WeightedTargetGroup(nil), a.Forward.TargetGroups...)
			out[i].Forward = &f
		}
		if a.Redirect != nil {
			r := *a.Redirect
			out[i].Redirect = &r
		}
		if a.Fixed != nil {
			x := *a.Fixed
			out[i].Fixed = &x
		}
	}
	return out
}

// --- ARNs and ids ---

const arnService = "elasticloadbalancing"

func newHexID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newDNSID is the ten-digit number AWS puts in ALB DNS names.
func newDNSID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	return fmt.Sprint(n.Int64() + 1_000_000_000)
}

func lbARN(sc awsctx.Scope, name, id string) string {
	return sc.ARN(arnService, "loadbalancer/app/"+name+"/"+id)
}

func tgARN(sc awsctx.Scope, name, id string) string {
	return sc.ARN(arnService, "targetgroup/"+name+"/"+id)
}

func listenerARN(lb *LoadBalancer, id string) string {
	return strings.Replace(lb.ARN, ":loadbalancer/", ":listener/", 1) + "/" + id
}

func ruleARN(l *Listener, id string) string {
	return strings.Replace(l.ARN, ":listener/", ":listener-rule/", 1) + "/" + id
}

func arnRegion(arn string) string {
	p, _ := awsctx.ParseARN(arn)
	return p.Region
}

// arnKind classifies an elasticloadbalancing ARN by its resource type:
// "loadbalancer", "targetgroup", "listener", "listener-rule" or "".
func arnKind(arn string) string {
	p, ok := awsctx.ParseARN(arn)
	if !ok || p.Service != arnService {
		return ""
	}
	kind, rest, _ := strings.Cut(p.Resource, "/")
	parts := strings.Split(rest, "/")
	switch {
	case kind == "loadbalancer" && len(parts) == 3 && parts[0] == "app":
		return kind
	case kind == "targetgroup" && len(parts) == 2:
		return kind
	case kind == "listener" && len(parts) == 4 && parts[0] == "app":
		return kind
	case kind == "listener-rule" && len(parts) == 5 && parts[0] == "app":
		return kind
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
