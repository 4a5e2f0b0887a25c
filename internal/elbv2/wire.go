package elbv2

import (
	"context"
	"strconv"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// The Elastic Load Balancing v2 wire layer (awsQuery, API version
// 2015-12-01). Shapes follow the AWS model member for member; handlers
// decode, call the engine, encode. The action and condition shapes double
// as the CloudFormation property shapes (cfn.go).

type empty struct{}

type wTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// wPresent decodes any structure just to note that it was given.
type wPresent struct{}

type wTGTuple struct {
	TargetGroupArn string `json:"TargetGroupArn,omitempty"`
	Weight         *int   `json:"Weight,omitempty"`
}

type wStickiness struct {
	Enabled         *bool `json:"Enabled,omitempty"`
	DurationSeconds *int  `json:"DurationSeconds,omitempty"`
}

type wForward struct {
	TargetGroups                []wTGTuple   `json:"TargetGroups,omitempty"`
	TargetGroupStickinessConfig *wStickiness `json:"TargetGroupStickinessConfig,omitempty"`
}

type wRedirect struct {
	Protocol   string `json:"Protocol,omitempty"`
	Port       string `json:"Port,omitempty"`
	Host       string `json:"Host,omitempty"`
	Path       string `json:"Path,omitempty"`
	Query      string `json:"Query,omitempty"`
	StatusCode string `json:"StatusCode"`
}

type wFixed struct {
	MessageBody string `json:"MessageBody,omitempty"`
	StatusCode  string `json:"StatusCode"`
	ContentType string `json:"ContentType,omitempty"`
}

type wAction struct {
	Type                      string     `json:"Type"`
	TargetGroupArn            string     `json:"TargetGroupArn,omitempty"`
	AuthenticateOidcConfig    *wPresent  `json:"AuthenticateOidcConfig,omitempty"`
	AuthenticateCognitoConfig *wPresent  `json:"AuthenticateCognitoConfig,omitempty"`
	Order                     *int       `json:"Order,omitempty"`
	RedirectConfig            *wRedirect `json:"RedirectConfig,omitempty"`
	FixedResponseConfig       *wFixed    `json:"FixedResponseConfig,omitempty"`
	ForwardConfig             *wForward  `json:"ForwardConfig,omitempty"`
	JwtValidationConfig       *wPresent  `json:"JwtValidationConfig,omitempty"`
}

type wValues struct {
	Values      []string `json:"Values,omitempty"`
	RegexValues []string `json:"RegexValues,omitempty"`
}

type wHeaderConfig struct {
	HttpHeaderName string   `json:"HttpHeaderName,omitempty"`
	Values         []string `json:"Values,omitempty"`
	RegexValues    []string `json:"RegexValues,omitempty"`
}

type wKV struct {
	Key   string `json:"Key,omitempty"`
	Value string `json:"Value,omitempty"`
}

type wQueryConfig struct {
	Values []wKV `json:"Values,omitempty"`
}

type wCondition struct {
	Field                   string         `json:"Field,omitempty"`
	Values                  []string       `json:"Values,omitempty"`
	HostHeaderConfig        *wValues       `json:"HostHeaderConfig,omitempty"`
	PathPatternConfig       *wValues       `json:"PathPatternConfig,omitempty"`
	HttpHeaderConfig        *wHeaderConfig `json:"HttpHeaderConfig,omitempty"`
	QueryStringConfig       *wQueryConfig  `json:"QueryStringConfig,omitempty"`
	HttpRequestMethodConfig *wValues       `json:"HttpRequestMethodConfig,omitempty"`
	SourceIpConfig          *wValues       `json:"SourceIpConfig,omitempty"`
	RegexValues             []string       `json:"RegexValues,omitempty"`
}

func actionOut(a Action) wAction {
	w := wAction{Type: a.Type}
	if a.Order != 0 {
		o := a.Order
		w.Order = &o
	}
	switch a.Type {
	case "forward":
		f := &wForward{TargetGroups: []wTGTuple{}}
		for _, g := range a.Forward.TargetGroups {
			wt := g.Weight
			f.TargetGroups = append(f.TargetGroups, wTGTuple{TargetGroupArn: g.ARN, Weight: &wt})
		}
		enabled := a.Forward.Stickiness
		f.TargetGroupStickinessConfig = &wStickiness{Enabled: &enabled}
		if enabled {
			d := a.Forward.StickinessSeconds
			f.TargetGroupStickinessConfig.DurationSeconds = &d
		}
		if len(a.Forward.TargetGroups) == 1 {
			w.TargetGroupArn = a.Forward.TargetGroups[0].ARN
		}
		w.ForwardConfig = f
	case "redirect":
		r := a.Redirect
		w.RedirectConfig = &wRedirect{Protocol: r.Protocol, Port: r.Port, Host: r.Host, Path: r.Path, Query: r.Query, StatusCode: r.StatusCode}
	case "fixed-response":
		f := a.Fixed
		w.FixedResponseConfig = &wFixed{MessageBody: f.MessageBody, StatusCode: f.StatusCode, ContentType: f.ContentType}
	}
	return w
}

func actionsOut(as []Action) []wAction {
	out := make([]wAction, len(as))
	for i, a := range as {
		out[i] = actionOut(a)
	}
	return out
}

func conditionOut(c Condition) wCondition {
	w := wCondition{Field: c.Field}
	switch c.Field {
	case "path-pattern":
		w.Values, w.PathPatternConfig = c.Values, &wValues{Values: c.Values}
	case "host-header":
		w.Values, w.HostHeaderConfig = c.Values, &wValues{Values: c.Values}
	case "http-header":
		w.HttpHeaderConfig = &wHeaderConfig{HttpHeaderName: c.Header, Values: c.Values}
	case "http-request-method":
		w.HttpRequestMethodConfig = &wValues{Values: c.Values}
	case "source-ip":
		w.SourceIpConfig = &wValues{Values: c.Values}
	case "query-string":
		q := &wQueryConfig{}
		for _, p := range c.Query {
			q.Values = append(q.Values, wKV{Key: p.Key, Value: p.Value})
		}
		w.QueryStringConfig = q
	}
	return w
}

func tagsOut(m map[string]string) []wTag {
	out := make([]wTag, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, wTag{k, m[k]})
	}
	return out
}

type wAttribute struct {
	Key   string `json:"Key,omitempty"`
	Value string `json:"Value,omitempty"`
}

func attrsIn(in []wAttribute) []Attribute {
	out := make([]Attribute, len(in))
	for i, a := range in {
		out[i] = Attribute{a.Key, a.Value}
	}
	return out
}

func attrsOut(in []Attribute) []wAttribute {
	out := make([]wAttribute, len(in))
	for i, a := range in {
		out[i] = wAttribute{a.Key, a.Value}
	}
	return out
}

// paginate pages a list with Marker/PageSize (an opaque offset marker).
func paginate[T any](all []T, marker string, size int) ([]T, string, error) {
	if size == 0 {
		size = maxPageSize
	}
	if size < 1 || size > maxPageSize {
		return nil, "", rangeError(size, "pageSize", 1, maxPageSize)
	}
	start := 0
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", validation("The marker '%s' is not valid", marker)
		}
		start = n
	}
	end := min(start+size, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

// --- load balancers ---

type wSubnetMapping struct {
	SubnetId           string `json:"SubnetId,omitempty"`
	AllocationId       string `json:"AllocationId,omitempty"`
	PrivateIPv4Address string `json:"PrivateIPv4Address,omitempty"`
	IPv6Address        string `json:"IPv6Address,omitempty"`
}

type createLBIn struct {
	Name           string           `json:"Name" aws:"required"`
	Subnets        []string         `json:"Subnets,omitempty"`
	SubnetMappings []wSubnetMapping `json:"SubnetMappings,omitempty"`
	SecurityGroups []string         `json:"SecurityGroups,omitempty"`
	Scheme         string           `json:"Scheme,omitempty"`
	Tags           []wTag           `json:"Tags,omitempty"`
	Type           string           `json:"Type,omitempty"`
	IpAddressType  string           `json:"IpAddressType,omitempty"`
}

type wLBState struct {
	Code   string `json:"Code"`
	Reason string `json:"Reason,omitempty"`
}

type wLBAddress struct {
	IpAddress          string `json:"IpAddress,omitempty"`
	AllocationId       string `json:"AllocationId,omitempty"`
	PrivateIPv4Address string `json:"PrivateIPv4Address,omitempty"`
	IPv6Address        string `json:"IPv6Address,omitempty"`
}

type wAZ struct {
	ZoneName              string       `json:"ZoneName"`
	SubnetId              string       `json:"SubnetId"`
	LoadBalancerAddresses []wLBAddress `json:"LoadBalancerAddresses,omitempty"`
}

type wLoadBalancer struct {
	LoadBalancerArn       string    `json:"LoadBalancerArn"`
	DNSName               string    `json:"DNSName"`
	CanonicalHostedZoneId string    `json:"CanonicalHostedZoneId"`
	CreatedTime           time.Time `json:"CreatedTime"`
	LoadBalancerName      string    `json:"LoadBalancerName"`
	Scheme                string    `json:"Scheme"`
	VpcId                 string    `json:"VpcId,omitempty"`
	State                 wLBState  `json:"State"`
	Type                  string    `json:"Type"`
	AvailabilityZones     []wAZ     `json:"AvailabilityZones"`
	SecurityGroups        []string  `json:"SecurityGroups"`
	IpAddressType         string    `json:"IpAddressType"`
}

// hostedZones are ALB's canonical hosted zone ids per region.
var hostedZones = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0", "us-west-2": "Z1H1FL5HABSF5",
	"ca-central-1": "ZQSVJUPU6J1EY", "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4",
	"eu-central-1": "Z215JYRZR1TBD5", "eu-north-1": "Z23TAZ7KCY2X8F", "ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-2": "ZWKZPGTI48KDX",
	"ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65", "ap-south-1": "ZP97RAFLXTNZK", "sa-east-1": "Z2P70J7HTTTPLU",
}

func hostedZone(region string) string {
	if z, ok := hostedZones[region]; ok {
		return z
	}
	return hostedZones["us-east-1"]
}

func availabilityZones(lb *LoadBalancer) []wAZ {
	region := arnRegion(lb.ARN)
	out := []wAZ{}
	for i, s := range lb.Subnets {
		out = append(out, wAZ{ZoneName: region + string(rune('a'+i%6)), SubnetId: s})
	}
	for i, m := range lb.SubnetMappings {
		az := wAZ{ZoneName: region + string(rune('a'+i%6)), SubnetId: m.SubnetID}
		if m.AllocationID != "" || m.PrivateIPv4Address != "" || m.IPv6Address != "" {
			az.LoadBalancerAddresses = []wLBAddress{{AllocationId: m.AllocationID, PrivateIPv4Address: m.PrivateIPv4Address, IPv6Address: m.IPv6Address}}
		}
		out = append(out, az)
	}
	return out
}

func (e *Engine) lbOut(lb *LoadBalancer) wLoadBalancer {
	sgs := lb.SecurityGroups
	if sgs == nil {
		sgs = []string{}
	}
	return wLoadBalancer{
		LoadBalancerArn: lb.ARN, DNSName: lb.DNSName(), CanonicalHostedZoneId: hostedZone(arnRegion(lb.ARN)),
		CreatedTime: lb.Created, LoadBalancerName: lb.Name, Scheme: lb.Scheme, VpcId: lb.VpcID,
		State: wLBState{Code: "active", Reason: e.LoadBalancerNote(lb.ARN)}, Type: lb.Type,
		AvailabilityZones: availabilityZones(lb), SecurityGroups: sgs, IpAddressType: lb.IPAddressType,
	}
}

type lbsOut struct {
	LoadBalancers []wLoadBalancer `json:"LoadBalancers"`
	NextMarker    string          `json:"NextMarker,omitempty"`
}

func mappingsIn(in []wSubnetMapping) []SubnetMapping {
	var out []SubnetMapping
	for _, m := range in {
		out = append(out, SubnetMapping{SubnetID: m.SubnetId, AllocationID: m.AllocationId, PrivateIPv4Address: m.PrivateIPv4Address, IPv6Address: m.IPv6Address})
	}
	return out
}

func (e *Engine) wCreateLB(ctx context.Context, in *createLBIn) (*lbsOut, error) {
	tags, err := tagsFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	lb, err := e.CreateLoadBalancer(ctx, CreateLoadBalancerInput{
		Name: in.Name, Scheme: in.Scheme, Type: in.Type, IPAddressType: in.IpAddressType, Subnets: in.Subnets,
		SubnetMappings: mappingsIn(in.SubnetMappings), SecurityGroups: in.SecurityGroups, Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return &lbsOut{LoadBalancers: []wLoadBalancer{e.lbOut(lb)}}, nil
}

type describeLBsIn struct {
	LoadBalancerArns []string `json:"LoadBalancerArns,omitempty"`
	Names            []string `json:"Names,omitempty"`
	Marker           string   `json:"Marker,omitempty"`
	PageSize         int      `json:"PageSize,omitempty"`
}

func (e *Engine) wDescribeLBs(ctx context.Context, in *describeLBsIn) (*lbsOut, error) {
	lbs, err := e.DescribeLoadBalancers(ctx, in.LoadBalancerArns, in.Names)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(lbs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &lbsOut{LoadBalancers: []wLoadBalancer{}, NextMarker: next}
	for _, lb := range page {
		out.LoadBalancers = append(out.LoadBalancers, e.lbOut(lb))
	}
	return out, nil
}

type lbArnIn struct {
	LoadBalancerArn string `json:"LoadBalancerArn" aws:"required"`
}

type attrsOutShape struct {
	Attributes []wAttribute `json:"Attributes"`
}

type modifyLBAttrsIn struct {
	LoadBalancerArn string       `json:"LoadBalancerArn" aws:"required"`
	Attributes      []wAttribute `json:"Attributes" aws:"required"`
}

type setSGsIn struct {
	LoadBalancerArn string   `json:"LoadBalancerArn" aws:"required"`
	SecurityGroups  []string `json:"SecurityGroups" aws:"required"`
}

type setSGsOut struct {
	SecurityGroupIds []string `json:"SecurityGroupIds"`
}

type setSubnetsIn struct {
	LoadBalancerArn string           `json:"LoadBalancerArn" aws:"required"`
	Subnets         []string         `json:"Subnets,omitempty"`
	SubnetMappings  []wSubnetMapping `json:"SubnetMappings,omitempty"`
	IpAddressType   string           `json:"IpAddressType,omitempty"`
}

type setSubnetsOut struct {
	AvailabilityZones []wAZ  `json:"AvailabilityZones"`
	IpAddressType     string `json:"IpAddressType,omitempty"`
}

type setIPTypeIn struct {
	LoadBalancerArn string `json:"LoadBalancerArn" aws:"required"`
	IpAddressType   string `json:"IpAddressType" aws:"required"`
}

type setIPTypeOut struct {
	IpAddressType string `json:"IpAddressType"`
}

// --- target groups ---

type wMatcher struct {
	HttpCode string `json:"HttpCode,omitempty"`
	GrpcCode string `json:"GrpcCode,omitempty"`
}

type createTGIn struct {
	Name                       string    `json:"Name" aws:"required"`
	Protocol                   string    `json:"Protocol,omitempty"`
	ProtocolVersion            string    `json:"ProtocolVersion,omitempty"`
	Port                       int       `json:"Port,omitempty"`
	VpcId                      string    `json:"VpcId,omitempty"`
	HealthCheckProtocol        string    `json:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string    `json:"HealthCheckPort,omitempty"`
	HealthCheckEnabled         *bool     `json:"HealthCheckEnabled,omitempty"`
	HealthCheckPath            string    `json:"HealthCheckPath,omitempty"`
	HealthCheckIntervalSeconds *int      `json:"HealthCheckIntervalSeconds,omitempty"`
	HealthCheckTimeoutSeconds  *int      `json:"HealthCheckTimeoutSeconds,omitempty"`
	HealthyThresholdCount      *int      `json:"HealthyThresholdCount,omitempty"`
	UnhealthyThresholdCount    *int      `json:"UnhealthyThresholdCount,omitempty"`
	Matcher                    *wMatcher `json:"Matcher,omitempty"`
	TargetType                 string    `json:"TargetType,omitempty"`
	Tags                       []wTag    `json:"Tags,omitempty"`
	IpAddressType              string    `json:"IpAddressType,omitempty"`
}

type wTargetGroup struct {
	TargetGroupArn             string    `json:"TargetGroupArn"`
	TargetGroupName            string    `json:"TargetGroupName"`
	Protocol                   string    `json:"Protocol"`
	Port                       int       `json:"Port"`
	VpcId                      string    `json:"VpcId,omitempty"`
	HealthCheckProtocol        string    `json:"HealthCheckProtocol"`
	HealthCheckPort            string    `json:"HealthCheckPort"`
	HealthCheckEnabled         bool      `json:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int       `json:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int       `json:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int       `json:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int       `json:"UnhealthyThresholdCount"`
	HealthCheckPath            string    `json:"HealthCheckPath"`
	Matcher                    *wMatcher `json:"Matcher"`
	LoadBalancerArns           []string  `json:"LoadBalancerArns"`
	TargetType                 string    `json:"TargetType"`
	ProtocolVersion            string    `json:"ProtocolVersion"`
	IpAddressType              string    `json:"IpAddressType"`
}

func tgOut(v TargetGroupView) wTargetGroup {
	tg := v.TargetGroup
	hc := tg.HealthCheck
	lbs := v.LoadBalancerARNs
	if lbs == nil {
		lbs = []string{}
	}
	return wTargetGroup{
		TargetGroupArn: tg.ARN, TargetGroupName: tg.Name, Protocol: tg.Protocol, Port: tg.Port, VpcId: tg.VpcID,
		HealthCheckProtocol: hc.Protocol, HealthCheckPort: hc.Port, HealthCheckEnabled: hc.Enabled,
		HealthCheckIntervalSeconds: hc.Interval, HealthCheckTimeoutSeconds: hc.Timeout, HealthyThresholdCount: hc.Healthy,
		UnhealthyThresholdCount: hc.Unhealthy, HealthCheckPath: hc.Path, Matcher: &wMatcher{HttpCode: hc.HTTPCode},
		LoadBalancerArns: lbs, TargetType: tg.TargetType, ProtocolVersion: tg.ProtocolVersion, IpAddressType: tg.IPAddressType,
	}
}

type tgsOut struct {
	TargetGroups []wTargetGroup `json:"TargetGroups"`
	NextMarker   string         `json:"NextMarker,omitempty"`
}

func (e *Engine) wCreateTG(ctx context.Context, in *createTGIn) (*tgsOut, error) {
	tags, err := tagsFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	hc := HealthCheckInput{Enabled: in.HealthCheckEnabled, Protocol: in.HealthCheckProtocol, Port: in.HealthCheckPort,
		Path: in.HealthCheckPath, Interval: in.HealthCheckIntervalSeconds, Timeout: in.HealthCheckTimeoutSeconds,
		Healthy: in.HealthyThresholdCount, Unhealthy: in.UnhealthyThresholdCount}
	if in.Matcher != nil {
		hc.HTTPCode = in.Matcher.HttpCode
	}
	tg, err := e.CreateTargetGroup(ctx, CreateTargetGroupInput{
		Name: in.Name, Protocol: in.Protocol, ProtocolVersion: in.ProtocolVersion, Port: in.Port, VpcID: in.VpcId,
		TargetType: in.TargetType, IPAddressType: in.IpAddressType, HealthCheck: hc, Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return &tgsOut{TargetGroups: []wTargetGroup{tgOut(TargetGroupView{TargetGroup: tg, LoadBalancerARNs: []string{}})}}, nil
}

type describeTGsIn struct {
	LoadBalancerArn string   `json:"LoadBalancerArn,omitempty"`
	TargetGroupArns []string `json:"TargetGroupArns,omitempty"`
	Names           []string `json:"Names,omitempty"`
	Marker          string   `json:"Marker,omitempty"`
	PageSize        int      `json:"PageSize,omitempty"`
}

func (e *Engine) wDescribeTGs(ctx context.Context, in *describeTGsIn) (*tgsOut, error) {
	tgs, err := e.DescribeTargetGroups(ctx, in.LoadBalancerArn, in.TargetGroupArns, in.Names)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(tgs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &tgsOut{TargetGroups: []wTargetGroup{}, NextMarker: next}
	for _, tg := range page {
		out.TargetGroups = append(out.TargetGroups, tgOut(tg))
	}
	return out, nil
}

type modifyTGIn struct {
	TargetGroupArn             string    `json:"TargetGroupArn" aws:"required"`
	HealthCheckProtocol        string    `json:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string    `json:"HealthCheckPort,omitempty"`
	HealthCheckPath            string    `json:"HealthCheckPath,omitempty"`
	HealthCheckEnabled         *bool     `json:"HealthCheckEnabled,omitempty"`
	HealthCheckIntervalSeconds *int      `json:"HealthCheckIntervalSeconds,omitempty"`
	HealthCheckTimeoutSeconds  *int      `json:"HealthCheckTimeoutSeconds,omitempty"`
	HealthyThresholdCount      *int      `json:"HealthyThresholdCount,omitempty"`
	UnhealthyThresholdCount    *int      `json:"UnhealthyThresholdCount,omitempty"`
	Matcher                    *wMatcher `json:"Matcher,omitempty"`
}

func (e *Engine) wModifyTG(ctx context.Context, in *modifyTGIn) (*tgsOut, error) {
	hc := HealthCheckInput{Enabled: in.HealthCheckEnabled, Protocol: in.HealthCheckProtocol, Port: in.HealthCheckPort,
		Path: in.HealthCheckPath, Interval: in.HealthCheckIntervalSeconds, Timeout: in.HealthCheckTimeoutSeconds,
		Healthy: in.HealthyThresholdCount, Unhealthy: in.UnhealthyThresholdCount}
	if in.Matcher != nil {
		hc.HTTPCode = in.Matcher.HttpCode
	}
	v, err := e.ModifyTargetGroup(ctx, in.TargetGroupArn, hc)
	if err != nil {
		return nil, err
	}
	return &tgsOut{TargetGroups: []wTargetGroup{tgOut(*v)}}, nil
}

type tgArnIn struct {
	TargetGroupArn string `json:"TargetGroupArn" aws:"required"`
}

type modifyTGAttrsIn struct {
	TargetGroupArn string       `json:"TargetGroupArn" aws:"required"`
	Attributes     []wAttribute `json:"Attributes" aws:"required"`
}

// --- targets ---

type wTarget struct {
	Id               string `json:"Id" aws:"required"`
	Port             *int   `json:"Port,omitempty"`
	AvailabilityZone string `json:"AvailabilityZone,omitempty"`
}

type targetsIn struct {
	TargetGroupArn string    `json:"TargetGroupArn" aws:"required"`
	Targets        []wTarget `json:"Targets" aws:"required"`
}

func targetsFromAPI(in []wTarget) []Target {
	out := make([]Target, len(in))
	for i, t := range in {
		out[i] = Target{ID: t.Id, AvailabilityZone: t.AvailabilityZone}
		if t.Port != nil {
			out[i].Port = *t.Port
		}
	}
	return out
}

type describeHealthIn struct {
	TargetGroupArn string    `json:"TargetGroupArn" aws:"required"`
	Targets        []wTarget `json:"Targets,omitempty"`
	Include        []string  `json:"Include,omitempty"`
}

type wTargetHealth struct {
	State       string `json:"State"`
	Reason      string `json:"Reason,omitempty"`
	Description string `json:"Description,omitempty"`
}

type wTHD struct {
	Target          wTarget       `json:"Target"`
	HealthCheckPort string        `json:"HealthCheckPort"`
	TargetHealth    wTargetHealth `json:"TargetHealth"`
}

type describeHealthOut struct {
	TargetHealthDescriptions []wTHD `json:"TargetHealthDescriptions"`
}

func (e *Engine) wDescribeHealth(ctx context.Context, in *describeHealthIn) (*describeHealthOut, error) {
	hs, err := e.DescribeTargetHealth(ctx, in.TargetGroupArn, targetsFromAPI(in.Targets))
	if err != nil {
		return nil, err
	}
	out := &describeHealthOut{TargetHealthDescriptions: []wTHD{}}
	for _, h := range hs {
		port := h.Target.Port
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, wTHD{
			Target:          wTarget{Id: h.Target.ID, Port: &port, AvailabilityZone: h.Target.AvailabilityZone},
			HealthCheckPort: h.HealthCheckPort,
			TargetHealth:    wTargetHealth{State: h.State, Reason: h.Reason, Description: h.Description},
		})
	}
	return out, nil
}

// --- listeners ---

type wCertificate struct {
	CertificateArn string `json:"CertificateArn,omitempty"`
	IsDefault      *bool  `json:"IsDefault,omitempty"`
}

type createListenerIn struct {
	LoadBalancerArn string         `json:"LoadBalancerArn" aws:"required"`
	Protocol        string         `json:"Protocol,omitempty"`
	Port            int            `json:"Port,omitempty"`
	SslPolicy       string         `json:"SslPolicy,omitempty"`
	Certificates    []wCertificate `json:"Certificates,omitempty"`
	DefaultActions  []wAction      `json:"DefaultActions" aws:"required"`
	AlpnPolicy      []string       `json:"AlpnPolicy,omitempty"`
	Tags            []wTag         `json:"Tags,omitempty"`
}

type wListener struct {
	ListenerArn     string         `json:"ListenerArn"`
	LoadBalancerArn string         `json:"LoadBalancerArn"`
	Port            int            `json:"Port"`
	Protocol        string         `json:"Protocol"`
	Certificates    []wCertificate `json:"Certificates,omitempty"`
	SslPolicy       string         `json:"SslPolicy,omitempty"`
	DefaultActions  []wAction      `json:"DefaultActions"`
	AlpnPolicy      []string       `json:"AlpnPolicy,omitempty"`
}

func certsIn(in []wCertificate) []Certificate {
	var out []Certificate
	for _, c := range in {
		out = append(out, Certificate{ARN: c.CertificateArn, IsDefault: c.IsDefault != nil && *c.IsDefault})
	}
	return out
}

func listenerOut(l *Listener) wListener {
	w := wListener{ListenerArn: l.ARN, LoadBalancerArn: l.LoadBalancer, Port: l.Port, Protocol: l.Protocol,
		SslPolicy: l.SslPolicy, DefaultActions: actionsOut(l.DefaultActions), AlpnPolicy: l.AlpnPolicy}
	for _, c := range l.Certificates {
		w.Certificates = append(w.Certificates, wCertificate{CertificateArn: c.ARN})
	}
	return w
}

type listenersOut struct {
	Listeners  []wListener `json:"Listeners"`
	NextMarker string      `json:"NextMarker,omitempty"`
}

func (e *Engine) wCreateListener(ctx context.Context, in *createListenerIn) (*listenersOut, error) {
	acts, err := actionsFromAPI(in.DefaultActions, "defaultActions")
	if err != nil {
		return nil, err
	}
	tags, err := tagsFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	l, err := e.CreateListener(ctx, CreateListenerInput{LoadBalancerARN: in.LoadBalancerArn, Protocol: in.Protocol, Port: in.Port,
		DefaultActions: acts, Certificates: certsIn(in.Certificates), SslPolicy: in.SslPolicy, AlpnPolicy: in.AlpnPolicy, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &listenersOut{Listeners: []wListener{listenerOut(l)}}, nil
}

type describeListenersIn struct {
	LoadBalancerArn string   `json:"LoadBalancerArn,omitempty"`
	ListenerArns    []string `json:"ListenerArns,omitempty"`
	Marker          string   `json:"Marker,omitempty"`
	PageSize        int      `json:"PageSize,omitempty"`
}

func (e *Engine) wDescribeListeners(ctx context.Context, in *describeListenersIn) (*listenersOut, error) {
	ls, err := e.DescribeListeners(ctx, in.LoadBalancerArn, in.ListenerArns)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(ls, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &listenersOut{Listeners: []wListener{}, NextMarker: next}
	for _, l := range page {
		out.Listeners = append(out.Listeners, listenerOut(l))
	}
	return out, nil
}

type modifyListenerIn struct {
	ListenerArn    string         `json:"ListenerArn" aws:"required"`
	Port           int            `json:"Port,omitempty"`
	Protocol       string         `json:"Protocol,omitempty"`
	SslPolicy      string         `json:"SslPolicy,omitempty"`
	Certificates   []wCertificate `json:"Certificates,omitempty"`
	DefaultActions []wAction      `json:"DefaultActions,omitempty"`
	AlpnPolicy     []string       `json:"AlpnPolicy,omitempty"`
}

func (e *Engine) wModifyListener(ctx context.Context, in *modifyListenerIn) (*listenersOut, error) {
	mi := ModifyListenerInput{ARN: in.ListenerArn, Port: in.Port, Protocol: in.Protocol, SslPolicy: in.SslPolicy, AlpnPolicy: in.AlpnPolicy}
	if in.Certificates != nil {
		mi.Certificates = certsIn(in.Certificates)
	}
	if in.DefaultActions != nil {
		acts, err := actionsFromAPI(in.DefaultActions, "defaultActions")
		if err != nil {
			return nil, err
		}
		mi.DefaultActions = acts
	}
	l, err := e.ModifyListener(ctx, mi)
	if err != nil {
		return nil, err
	}
	return &listenersOut{Listeners: []wListener{listenerOut(l)}}, nil
}

type listenerArnIn struct {
	ListenerArn string `json:"ListenerArn" aws:"required"`
}

type modifyListenerAttrsIn struct {
	ListenerArn string       `json:"ListenerArn" aws:"required"`
	Attributes  []wAttribute `json:"Attributes" aws:"required"`
}

// --- rules ---

type createRuleIn struct {
	ListenerArn string       `json:"ListenerArn" aws:"required"`
	Conditions  []wCondition `json:"Conditions" aws:"required"`
	Priority    int          `json:"Priority" aws:"required"`
	Actions     []wAction    `json:"Actions" aws:"required"`
	Tags        []wTag       `json:"Tags,omitempty"`
	Transforms  []wPresent   `json:"Transforms,omitempty"`
}

type wRule struct {
	RuleArn    string       `json:"RuleArn"`
	Priority   string       `json:"Priority"`
	Conditions []wCondition `json:"Conditions"`
	Actions    []wAction    `json:"Actions"`
	IsDefault  bool         `json:"IsDefault"`
}

func ruleOut(r RuleView) wRule {
	w := wRule{RuleArn: r.ARN, Priority: r.Priority, Conditions: []wCondition{}, Actions: actionsOut(r.Actions), IsDefault: r.IsDefault}
	for _, c := range r.Conditions {
		w.Conditions = append(w.Conditions, conditionOut(c))
	}
	return w
}

type rulesOut struct {
	Rules      []wRule `json:"Rules"`
	NextMarker string  `json:"NextMarker,omitempty"`
}

func rulesOutOf(rs []RuleView) *rulesOut {
	out := &rulesOut{Rules: []wRule{}}
	for _, r := range rs {
		out.Rules = append(out.Rules, ruleOut(r))
	}
	return out
}

func (e *Engine) wCreateRule(ctx context.Context, in *createRuleIn) (*rulesOut, error) {
	if len(in.Transforms) > 0 {
		return nil, validation("Rule transforms are not supported by skiff's load balancer")
	}
	conds, err := conditionsFromAPI(in.Conditions)
	if err != nil {
		return nil, err
	}
	acts, err := actionsFromAPI(in.Actions, "actions")
	if err != nil {
		return nil, err
	}
	tags, err := tagsFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	r, err := e.CreateRule(ctx, CreateRuleInput{ListenerARN: in.ListenerArn, Priority: in.Priority, Conditions: conds, Actions: acts, Tags: tags})
	if err != nil {
		return nil, err
	}
	return rulesOutOf([]RuleView{r}), nil
}

type describeRulesIn struct {
	ListenerArn string   `json:"ListenerArn,omitempty"`
	RuleArns    []string `json:"RuleArns,omitempty"`
	Marker      string   `json:"Marker,omitempty"`
	PageSize    int      `json:"PageSize,omitempty"`
}

func (e *Engine) wDescribeRules(ctx context.Context, in *describeRulesIn) (*rulesOut, error) {
	rs, err := e.DescribeRules(ctx, in.ListenerArn, in.RuleArns)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(rs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := rulesOutOf(page)
	out.NextMarker = next
	return out, nil
}

type modifyRuleIn struct {
	RuleArn         string       `json:"RuleArn" aws:"required"`
	Conditions      []wCondition `json:"Conditions,omitempty"`
	Actions         []wAction    `json:"Actions,omitempty"`
	Transforms      []wPresent   `json:"Transforms,omitempty"`
	ResetTransforms *bool        `json:"ResetTransforms,omitempty"`
}

func (e *Engine) wModifyRule(ctx context.Context, in *modifyRuleIn) (*rulesOut, error) {
	if len(in.Transforms) > 0 {
		return nil, validation("Rule transforms are not supported by skiff's load balancer")
	}
	var conds []Condition
	var acts []Action
	var err error
	if in.Conditions != nil {
		if conds, err = conditionsFromAPI(in.Conditions); err != nil {
			return nil, err
		}
	}
	if in.Actions != nil {
		if acts, err = actionsFromAPI(in.Actions, "actions"); err != nil {
			return nil, err
		}
	}
	r, err := e.ModifyRule(ctx, in.RuleArn, conds, acts)
	if err != nil {
		return nil, err
	}
	return rulesOutOf([]RuleView{r}), nil
}

type ruleArnIn struct {
	RuleArn string `json:"RuleArn" aws:"required"`
}

type wRulePriority struct {
	RuleArn  string `json:"RuleArn,omitempty"`
	Priority int    `json:"Priority,omitempty"`
}

type setPrioritiesIn struct {
	RulePriorities []wRulePriority `json:"RulePriorities" aws:"required"`
}

// --- tags ---

type addTagsIn struct {
	ResourceArns []string `json:"ResourceArns" aws:"required"`
	Tags         []wTag   `json:"Tags" aws:"required"`
}

type removeTagsIn struct {
	ResourceArns []string `json:"ResourceArns" aws:"required"`
	TagKeys      []string `json:"TagKeys" aws:"required"`
}

type describeTagsIn struct {
	ResourceArns []string `json:"ResourceArns" aws:"required"`
}

type wTagDescription struct {
	ResourceArn string `json:"ResourceArn"`
	Tags        []wTag `json:"Tags"`
}

type describeTagsOut struct {
	TagDescriptions []wTagDescription `json:"TagDescriptions"`
}

// --- account limits ---

type limitsIn struct {
	Marker   string `json:"Marker,omitempty"`
	PageSize int    `json:"PageSize,omitempty"`
}

type wLimit struct {
	Name string `json:"Name"`
	Max  string `json:"Max"`
}

type limitsOut struct {
	Limits     []wLimit `json:"Limits"`
	NextMarker string   `json:"NextMarker,omitempty"`
}

var accountLimits = []wLimit{
	{"application-load-balancers", strconv.Itoa(maxLoadBalancers)},
	{"target-groups", strconv.Itoa(maxTargetGroups)},
	{"targets-per-application-load-balancer", strconv.Itoa(maxTargetsPerTG)},
	{"listeners-per-application-load-balancer", strconv.Itoa(maxListenersPerLB)},
	{"rules-per-application-load-balancer", strconv.Itoa(maxRulesPerListener)},
	{"target-groups-per-action-on-application-load-balancer", strconv.Itoa(maxForwardTargetGroups)},
	{"target-groups-per-application-load-balancer", strconv.Itoa(maxUniqueTGsPerLB)},
}

// Service is Elastic Load Balancing v2 for the gateway (signing name
// elasticloadbalancing).
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "elasticloadbalancing",
		Protocols:    awswire.AWSQuery,
		XMLNamespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		Ops: []awswire.Op{
			awswire.Operation("CreateLoadBalancer", e.wCreateLB),
			awswire.Operation("DescribeLoadBalancers", e.wDescribeLBs),
			awswire.Operation("DeleteLoadBalancer", func(ctx context.Context, in *lbArnIn) (*empty, error) {
				return &empty{}, e.DeleteLoadBalancer(ctx, in.LoadBalancerArn)
			}),
			awswire.Operation("DescribeLoadBalancerAttributes", func(ctx context.Context, in *lbArnIn) (*attrsOutShape, error) {
				as, err := e.LoadBalancerAttributes(ctx, in.LoadBalancerArn)
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),
			awswire.Operation("ModifyLoadBalancerAttributes", func(ctx context.Context, in *modifyLBAttrsIn) (*attrsOutShape, error) {
				as, err := e.ModifyLoadBalancerAttributes(ctx, in.LoadBalancerArn, attrsIn(in.Attributes))
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),
			awswire.Operation("SetSecurityGroups", func(ctx context.Context, in *setSGsIn) (*setSGsOut, error) {
				sgs, err := e.SetSecurityGroups(ctx, in.LoadBalancerArn, in.SecurityGroups)
				if err != nil {
					return nil, err
				}
				return &setSGsOut{SecurityGroupIds: sgs}, nil
			}),
			awswire.Operation("SetSubnets", func(ctx context.Context, in *setSubnetsIn) (*setSubnetsOut, error) {
				lb, err := e.SetSubnets(ctx, in.LoadBalancerArn, in.Subnets, mappingsIn(in.SubnetMappings))
				if err != nil {
					return nil, err
				}
				if in.IpAddressType != "" {
					if _, err := e.SetIPAddressType(ctx, in.LoadBalancerArn, in.IpAddressType); err != nil {
						return nil, err
					}
					lb.IPAddressType = in.IpAddressType
				}
				return &setSubnetsOut{AvailabilityZones: availabilityZones(lb), IpAddressType: lb.IPAddressType}, nil
			}),
			awswire.Operation("SetIpAddressType", func(ctx context.Context, in *setIPTypeIn) (*setIPTypeOut, error) {
				t, err := e.SetIPAddressType(ctx, in.LoadBalancerArn, in.IpAddressType)
				if err != nil {
					return nil, err
				}
				return &setIPTypeOut{t}, nil
			}),

			awswire.Operation("CreateTargetGroup", e.wCreateTG),
			awswire.Operation("DescribeTargetGroups", e.wDescribeTGs),
			awswire.Operation("ModifyTargetGroup", e.wModifyTG),
			awswire.Operation("DeleteTargetGroup", func(ctx context.Context, in *tgArnIn) (*empty, error) {
				return &empty{}, e.DeleteTargetGroup(ctx, in.TargetGroupArn)
			}),
			awswire.Operation("DescribeTargetGroupAttributes", func(ctx context.Context, in *tgArnIn) (*attrsOutShape, error) {
				as, err := e.TargetGroupAttributes(ctx, in.TargetGroupArn)
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),
			awswire.Operation("ModifyTargetGroupAttributes", func(ctx context.Context, in *modifyTGAttrsIn) (*attrsOutShape, error) {
				as, err := e.ModifyTargetGroupAttributes(ctx, in.TargetGroupArn, attrsIn(in.Attributes))
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),
			awswire.Operation("RegisterTargets", func(ctx context.Context, in *targetsIn) (*empty, error) {
				return &empty{}, e.RegisterTargets(ctx, in.TargetGroupArn, targetsFromAPI(in.Targets))
			}),
			awswire.Operation("DeregisterTargets", func(ctx context.Context, in *targetsIn) (*empty, error) {
				return &empty{}, e.DeregisterTargets(ctx, in.TargetGroupArn, targetsFromAPI(in.Targets))
			}),
			awswire.Operation("DescribeTargetHealth", e.wDescribeHealth),

			awswire.Operation("CreateListener", e.wCreateListener),
			awswire.Operation("DescribeListeners", e.wDescribeListeners),
			awswire.Operation("ModifyListener", e.wModifyListener),
			awswire.Operation("DeleteListener", func(ctx context.Context, in *listenerArnIn) (*empty, error) {
				return &empty{}, e.DeleteListener(ctx, in.ListenerArn)
			}),
			awswire.Operation("DescribeListenerAttributes", func(ctx context.Context, in *listenerArnIn) (*attrsOutShape, error) {
				as, err := e.ListenerAttributes(ctx, in.ListenerArn)
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),
			awswire.Operation("ModifyListenerAttributes", func(ctx context.Context, in *modifyListenerAttrsIn) (*attrsOutShape, error) {
				as, err := e.ModifyListenerAttributes(ctx, in.ListenerArn, attrsIn(in.Attributes))
				if err != nil {
					return nil, err
				}
				return &attrsOutShape{attrsOut(as)}, nil
			}),

			awswire.Operation("CreateRule", e.wCreateRule),
			awswire.Operation("DescribeRules", e.wDescribeRules),
			awswire.Operation("ModifyRule", e.wModifyRule),
			awswire.Operation("DeleteRule", func(ctx context.Context, in *ruleArnIn) (*empty, error) {
				return &empty{}, e.DeleteRule(ctx, in.RuleArn)
			}),
			awswire.Operation("SetRulePriorities", func(ctx context.Context, in *setPrioritiesIn) (*rulesOut, error) {
				pairs := make([]RulePriority, len(in.RulePriorities))
				for i, p := range in.RulePriorities {
					pairs[i] = RulePriority{RuleARN: p.RuleArn, Priority: p.Priority}
				}
				rs, err := e.SetRulePriorities(ctx, pairs)
				if err != nil {
					return nil, err
				}
				return rulesOutOf(rs), nil
			}),

			awswire.Operation("AddTags", func(ctx context.Context, in *addTagsIn) (*empty, error) {
				tags, err := tagsFromAPI(in.Tags)
				if err != nil {
					return nil, err
				}
				return &empty{}, e.AddTags(ctx, in.ResourceArns, tags)
			}),
			awswire.Operation("RemoveTags", func(ctx context.Context, in *removeTagsIn) (*empty, error) {
				return &empty{}, e.RemoveTags(ctx, in.ResourceArns, in.TagKeys)
			}),
			awswire.Operation("DescribeTags", func(ctx context.Context, in *describeTagsIn) (*describeTagsOut, error) {
				all, err := e.DescribeTags(ctx, in.ResourceArns)
				if err != nil {
					return nil, err
				}
				out := &describeTagsOut{TagDescriptions: []wTagDescription{}}
				for i, arn := range in.ResourceArns {
					out.TagDescriptions = append(out.TagDescriptions, wTagDescription{ResourceArn: arn, Tags: tagsOut(all[i])})
				}
				return out, nil
			}),
			awswire.Operation("DescribeAccountLimits", func(ctx context.Context, in *limitsIn) (*limitsOut, error) {
				page, next, err := paginate(accountLimits, in.Marker, in.PageSize)
				if err != nil {
					return nil, err
				}
				return &limitsOut{Limits: page, NextMarker: next}, nil
			}),
		},
	}
}
