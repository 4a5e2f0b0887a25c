package elbv2

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// CloudFormation resource providers: AWS::ElasticLoadBalancingV2::
// LoadBalancer, TargetGroup, Listener and ListenerRule. Actions and
// conditions have the API's shape in templates, so they are decoded into
// the wire types and normalized by the same code as API requests.

// Providers returns the CloudFormation resource providers backed by this
// engine.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&lbProvider{e}, &tgProvider{e}, &listenerProvider{e}, &ruleProvider{e}}
}

var (
	_ provider.Provider = (*lbProvider)(nil)
	_ provider.Provider = (*tgProvider)(nil)
	_ provider.Provider = (*listenerProvider)(nil)
	_ provider.Provider = (*ruleProvider)(nil)
)

// physicalHexID derives the resource id a provider promises before
// creating: 16 hex digits from the stack, logical id and the engine's
// per-create suffix.
func physicalHexID(req *provider.Request) string {
	h := sha256.Sum256([]byte(req.Stack.ID + "|" + req.LogicalID + "|" + req.Suffix))
	return hex.EncodeToString(h[:8])
}

func scopeOf(req *provider.Request) awsctx.Scope {
	return awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region}
}

// decodeProp decodes a resolved template value into a wire struct,
// converting scalars the way CloudFormation does ("80" is a number, 80 a
// string where a string is expected).
func decodeProp(dst reflect.Value, src any, path string, p *provider.Props) {
	if src == nil {
		return
	}
	if dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		decodeProp(dst.Elem(), src, path, p)
		return
	}
	switch dst.Kind() {
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			p.Fail(path, "expected type: JSONObject, found: %s", kindOf(src))
			return
		}
		t := dst.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if v, ok := m[name]; ok {
				decodeProp(dst.Field(i), v, path+"/"+name, p)
			}
		}
	case reflect.Slice:
		list, ok := src.([]any)
		if !ok {
			p.Fail(path, "expected type: JSONArray, found: %s", kindOf(src))
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, v := range list {
			decodeProp(s.Index(i), v, fmt.Sprintf("%s/%d", path, i), p)
		}
		dst.Set(s)
	case reflect.String:
		s, ok := provider.Scalar(src)
		if !ok {
			p.Fail(path, "expected type: String, found: %s", kindOf(src))
			return
		}
		dst.SetString(s)
	case reflect.Int:
		s, _ := provider.Scalar(src)
		n, err := strconv.Atoi(s)
		if err != nil {
			p.Fail(path, "expected type: Integer, found: %s", kindOf(src))
			return
		}
		dst.SetInt(int64(n))
	case reflect.Bool:
		s, _ := provider.Scalar(src)
		b, err := strconv.ParseBool(s)
		if err != nil {
			p.Fail(path, "expected type: Boolean, found: %s", kindOf(src))
			return
		}
		dst.SetBool(b)
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "JSONObject"
	case []any:
		return "JSONArray"
	case bool:
		return "Boolean"
	case string:
		return "String"
	}
	return "Number"
}

func decodeList[T any](p *provider.Props, key string) []T {
	if !p.Has(key) {
		return nil
	}
	var out []T
	decodeProp(reflect.ValueOf(&out).Elem(), p.Raw(key), key, p)
	return out
}

// toTemplate turns a wire value into template shape (maps, lists,
// json.Number).
func toTemplate(v any) any {
	b, _ := json.Marshal(v)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	d.Decode(&out)
	return out
}

// --- tags (stack tags propagate, as CloudFormation does) ---

func withStackTags(req *provider.Request, tmpl map[string]string) map[string]string {
	if len(req.Stack.Tags) == 0 && len(tmpl) == 0 {
		return nil
	}
	m := map[string]string{}
	for k, v := range req.Stack.Tags {
		m[k] = v
	}
	for k, v := range tmpl {
		m[k] = v
	}
	return m
}

// templateTags drops the stack's propagated tags from a resource's tags
// unless the template names them too.
func templateTags(req *provider.Request, actual map[string]string) []any {
	tmpl := provider.Read(req.Properties, nil).Tags("Tags")
	tags := map[string]string{}
	for k, v := range actual {
		if sv, fromStack := req.Stack.Tags[k]; fromStack && sv == v {
			if _, inTemplate := tmpl[k]; !inTemplate {
				continue
			}
		}
		tags[k] = v
	}
	if l := provider.TagList(tags); l != nil {
		return l
	}
	return []any{}
}

func (e *Engine) updateTags(ctx context.Context, req *provider.Request, arn string) error {
	want := withStackTags(req, provider.Read(req.Properties, nil).Tags("Tags"))
	var gone []string
	for k := range withStackTags(req, provider.Read(req.OldProperties, nil).Tags("Tags")) {
		if _, ok := want[k]; !ok {
			gone = append(gone, k)
		}
	}
	if len(gone) > 0 {
		if err := e.RemoveTags(ctx, []string{arn}, gone); err != nil {
			return err
		}
	}
	if len(want) > 0 {
		return e.AddTags(ctx, []string{arn}, want)
	}
	return nil
}

func attrList(p *provider.Props, key string) []Attribute {
	var out []Attribute
	for _, w := range decodeList[wAttribute](p, key) {
		out = append(out, Attribute{w.Key, w.Value})
	}
	return out
}

// readAttrs returns the template's attribute keys with their actual
// values, in template order.
func readAttrs(req *provider.Request, key string, actual []Attribute) []any {
	p := provider.Read(req.Properties, nil)
	out := []any{}
	for _, a := range attrList(p, key) {
		for _, x := range actual {
			if x.Key == a.Key {
				out = append(out, map[string]any{"Key": x.Key, "Value": x.Value})
			}
		}
	}
	return out
}

// attrChanges lists the attribute changes from old to new properties;
// attributes removed from the template go back to their defaults.
func attrChanges(req *provider.Request, key string, specs []attrSpec) []Attribute {
	next := attrList(provider.Read(req.Properties, nil), key)
	var out []Attribute
	seen := map[string]bool{}
	for _, a := range next {
		seen[a.Key] = true
		out = append(out, a)
	}
	for _, a := range attrList(provider.Read(req.OldProperties, nil), key) {
		if !seen[a.Key] {
			for _, s := range specs {
				if s.key == a.Key {
					out = append(out, Attribute{a.Key, s.def})
				}
			}
		}
	}
	return out
}

// ===== AWS::ElasticLoadBalancingV2::LoadBalancer =====

type lbProvider struct{ e *Engine }

var lbSchema = &provider.Schema{
	Properties: []string{"IpAddressType", "LoadBalancerAttributes", "Name", "Scheme", "SecurityGroups", "SubnetMappings", "Subnets",
		"Tags", "Type", "EnablePrefixForIpv6SourceNat", "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "MinimumLoadBalancerCapacity", "Ipv4IpamPoolId"},
	CreateOnly: []string{"Name", "Scheme", "Type"},
	Attributes: []string{"CanonicalHostedZoneID", "DNSName", "LoadBalancerArn", "LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"},
	Unordered:  []string{"Tags", "SecurityGroups", "Subnets"},
}

func (*lbProvider) Type() string             { return "AWS::ElasticLoadBalancingV2::LoadBalancer" }
func (*lbProvider) Schema() *provider.Schema { return lbSchema }

func (lp *lbProvider) spec(req *provider.Request) (CreateLoadBalancerInput, error) {
	p := provider.Read(req.Properties, lbSchema)
	in := CreateLoadBalancerInput{
		Name: p.String("Name"), Scheme: p.String("Scheme"), Type: p.String("Type"), IPAddressType: p.String("IpAddressType"),
		Subnets: p.StringList("Subnets"), SecurityGroups: p.StringList("SecurityGroups"),
		Tags: withStackTags(req, p.Tags("Tags")), Attributes: attrList(p, "LoadBalancerAttributes"),
	}
	in.SubnetMappings = mappingsIn(decodeList[wSubnetMapping](p, "SubnetMappings"))
	if in.Name == "" {
		in.Name = provider.Name(req, 32, false)
	}
	if err := p.Err(); err != nil {
		return in, err
	}
	if err := checkName(in.Name, "LoadBalancer", 32); err != nil {
		return in, err
	}
	in.id = physicalHexID(req)
	return in, nil
}

func (lp *lbProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := lp.spec(req)
	if err != nil {
		return "", err
	}
	return lbARN(scopeOf(req), in.Name, in.id), nil
}

func (lp *lbProvider) attrs(lb *LoadBalancer) map[string]any {
	sgs := make([]any, len(lb.SecurityGroups))
	for i, s := range lb.SecurityGroups {
		sgs[i] = s
	}
	return map[string]any{
		"CanonicalHostedZoneID": hostedZone(arnRegion(lb.ARN)), "DNSName": lb.DNSName(), "LoadBalancerArn": lb.ARN,
		"LoadBalancerFullName": lb.FullName(), "LoadBalancerName": lb.Name, "SecurityGroups": sgs,
	}
}

func (lp *lbProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := lp.spec(req)
	if err != nil {
		return nil, err
	}
	lb, err := lp.e.CreateLoadBalancer(ctx, in)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: lb.ARN, Attributes: lp.attrs(lb)}, nil
}

func (lp *lbProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	lbs, err := lp.e.DescribeLoadBalancers(ctx, []string{req.PhysicalID}, nil)
	if ErrLoadBalancerNotFound.Is(err) || (err == nil && len(lbs) == 0) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	lb := lbs[0]
	attrs, err := lp.e.LoadBalancerAttributes(ctx, lb.ARN)
	if err != nil {
		return nil, err
	}
	props := map[string]any{
		"Name": lb.Name, "Scheme": lb.Scheme, "Type": lb.Type, "IpAddressType": lb.IPAddressType,
		"Tags": templateTags(req, lb.Tags), "LoadBalancerAttributes": readAttrs(req, "LoadBalancerAttributes", attrs),
		"SecurityGroups": toTemplate(nonNil(lb.SecurityGroups)), "Subnets": toTemplate(nonNil(lb.Subnets)),
	}
	if tm, ok := req.Properties["SubnetMappings"]; ok {
		var ms []wSubnetMapping
		for _, m := range lb.SubnetMappings {
			ms = append(ms, wSubnetMapping{SubnetId: m.SubnetID, AllocationId: m.AllocationID, PrivateIPv4Address: m.PrivateIPv4Address, IPv6Address: m.IPv6Address})
		}
		props["SubnetMappings"] = provider.ShapeLike(toTemplate(ms), tm)
	}
	return &provider.Result{PhysicalID: lb.ARN, Attributes: lp.attrs(lb), Properties: props}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (lp *lbProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := lp.spec(req)
	if err != nil {
		return nil, err
	}
	e, arn := lp.e, req.PhysicalID
	if _, err := e.SetSecurityGroups(ctx, arn, in.SecurityGroups); err != nil {
		return nil, err
	}
	if _, err := e.SetSubnets(ctx, arn, in.Subnets, in.SubnetMappings); err != nil {
		return nil, err
	}
	if in.IPAddressType != "" {
		if _, err := e.SetIPAddressType(ctx, arn, in.IPAddressType); err != nil {
			return nil, err
		}
	}
	if ch := attrChanges(req, "LoadBalancerAttributes", lbAttributes); len(ch) > 0 {
		if _, err := e.ModifyLoadBalancerAttributes(ctx, arn, ch); err != nil {
			return nil, err
		}
	}
	if err := e.updateTags(ctx, req, arn); err != nil {
		return nil, err
	}
	lbs, err := e.DescribeLoadBalancers(ctx, []string{arn}, nil)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: arn, Attributes: lp.attrs(lbs[0])}, nil
}

func (lp *lbProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := lp.e.DeleteLoadBalancer(ctx, req.PhysicalID)
	if ErrLoadBalancerNotFound.Is(err) {
		return nil
	}
	return err
}

// ===== AWS::ElasticLoadBalancingV2::TargetGroup =====

type tgProvider struct{ e *Engine }

var tgSchema = &provider.Schema{
	Properties: []string{"HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath", "HealthCheckPort", "HealthCheckProtocol",
		"HealthCheckTimeoutSeconds", "HealthyThresholdCount", "IpAddressType", "Matcher", "Name", "Port", "Protocol", "ProtocolVersion",
		"Tags", "TargetGroupAttributes", "TargetType", "Targets", "UnhealthyThresholdCount", "VpcId", "TargetControlPort"},
	CreateOnly: []string{"Name", "Port", "Protocol", "ProtocolVersion", "TargetType", "VpcId", "IpAddressType", "TargetControlPort"},
	Attributes: []string{"LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"},
	Unordered:  []string{"Tags", "Targets"},
}

func (*tgProvider) Type() string             { return "AWS::ElasticLoadBalancingV2::TargetGroup" }
func (*tgProvider) Schema() *provider.Schema { return tgSchema }

func optInt(p *provider.Props, k string) *int {
	if !p.Has(k) {
		return nil
	}
	n := int(p.Int(k, 0))
	return &n
}

func (tp *tgProvider) spec(req *provider.Request) (CreateTargetGroupInput, error) {
	p := provider.Read(req.Properties, tgSchema)
	in := CreateTargetGroupInput{
		Name: p.String("Name"), Protocol: p.String("Protocol"), ProtocolVersion: p.String("ProtocolVersion"),
		Port: int(p.Int("Port", 0)), VpcID: p.String("VpcId"), TargetType: p.String("TargetType"), IPAddressType: p.String("IpAddressType"),
		Tags: withStackTags(req, p.Tags("Tags")), Attributes: attrList(p, "TargetGroupAttributes"),
		HealthCheck: HealthCheckInput{
			Protocol: p.String("HealthCheckProtocol"), Port: p.String("HealthCheckPort"), Path: p.String("HealthCheckPath"),
			Interval: optInt(p, "HealthCheckIntervalSeconds"), Timeout: optInt(p, "HealthCheckTimeoutSeconds"),
			Healthy: optInt(p, "HealthyThresholdCount"), Unhealthy: optInt(p, "UnhealthyThresholdCount"),
		},
	}
	if p.Has("HealthCheckEnabled") {
		b := p.Bool("HealthCheckEnabled", true)
		in.HealthCheck.Enabled = &b
	}
	if p.Has("Matcher") {
		var m wMatcher
		decodeProp(reflect.ValueOf(&m).Elem(), p.Raw("Matcher"), "Matcher", p)
		in.HealthCheck.HTTPCode = m.HttpCode
	}
	in.Targets = targetsFromAPI(decodeList[wTarget](p, "Targets"))
	if in.Name == "" {
		in.Name = provider.Name(req, 32, false)
	}
	if err := p.Err(); err != nil {
		return in, err
	}
	if err := checkName(in.Name, "TargetGroup", 32); err != nil {
		return in, err
	}
	in.id = physicalHexID(req)
	return in, nil
}

func (tp *tgProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := tp.spec(req)
	if err != nil {
		return "", err
	}
	return tgARN(scopeOf(req), in.Name, in.id), nil
}

func (tp *tgProvider) attrs(v TargetGroupView) map[string]any {
	lbs := make([]any, len(v.LoadBalancerARNs))
	for i, a := range v.LoadBalancerARNs {
		lbs[i] = a
	}
	return map[string]any{"LoadBalancerArns": lbs, "TargetGroupArn": v.ARN, "TargetGroupFullName": v.FullName(), "TargetGroupName": v.Name}
}

func (tp *tgProvider) view(ctx context.Context, arn string) (TargetGroupView, error) {
	vs, err := tp.e.DescribeTargetGroups(ctx, "", []string{arn}, nil)
	if err != nil {
		return TargetGroupView{}, err
	}
	return vs[0], nil
}

func (tp *tgProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := tp.spec(req)
	if err != nil {
		return nil, err
	}
	tg, err := tp.e.CreateTargetGroup(ctx, in)
	if err != nil {
		return nil, err
	}
	v, err := tp.view(ctx, tg.ARN)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: tg.ARN, Attributes: tp.attrs(v)}, nil
}

func (tp *tgProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	v, err := tp.view(ctx, req.PhysicalID)
	if ErrTargetGroupNotFound.Is(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	attrs, err := tp.e.TargetGroupAttributes(ctx, v.ARN)
	if err != nil {
		return nil, err
	}
	hc := v.HealthCheck
	props := map[string]any{
		"Name": v.Name, "Protocol": v.Protocol, "ProtocolVersion": v.ProtocolVersion, "Port": json.Number(strconv.Itoa(v.Port)),
		"VpcId": v.VpcID, "TargetType": v.TargetType, "IpAddressType": v.IPAddressType,
		"HealthCheckEnabled": hc.Enabled, "HealthCheckProtocol": hc.Protocol, "HealthCheckPort": hc.Port, "HealthCheckPath": hc.Path,
		"HealthCheckIntervalSeconds": json.Number(strconv.Itoa(hc.Interval)), "HealthCheckTimeoutSeconds": json.Number(strconv.Itoa(hc.Timeout)),
		"HealthyThresholdCount": json.Number(strconv.Itoa(hc.Healthy)), "UnhealthyThresholdCount": json.Number(strconv.Itoa(hc.Unhealthy)),
		"Matcher": map[string]any{"HttpCode": hc.HTTPCode}, "Tags": templateTags(req, v.Tags),
		"TargetGroupAttributes": readAttrs(req, "TargetGroupAttributes", attrs),
	}
	var targets []any
	for _, r := range v.Targets {
		if r.DrainUntil == nil {
			targets = append(targets, map[string]any{"Id": r.ID, "Port": json.Number(strconv.Itoa(r.Port))})
		}
	}
	if tt, ok := req.Properties["Targets"]; ok {
		props["Targets"] = provider.ShapeLikeSet(nonNilAny(targets), tt)
	}
	return &provider.Result{PhysicalID: v.ARN, Attributes: tp.attrs(v), Properties: props}, nil
}

func nonNilAny(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

func (tp *tgProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := tp.spec(req)
	if err != nil {
		return nil, err
	}
	e, arn := tp.e, req.PhysicalID
	// Properties removed from the template go back to AWS's defaults.
	def := defaultHealthCheck(in.Protocol)
	hc := in.HealthCheck
	orDefault := func(v *int, d int) *int {
		if v == nil {
			return &d
		}
		return v
	}
	hc.Interval, hc.Timeout = orDefault(hc.Interval, def.Interval), orDefault(hc.Timeout, def.Timeout)
	hc.Healthy, hc.Unhealthy = orDefault(hc.Healthy, def.Healthy), orDefault(hc.Unhealthy, def.Unhealthy)
	if hc.Path == "" {
		hc.Path = def.Path
	}
	if hc.Port == "" {
		hc.Port = def.Port
	}
	if hc.Protocol == "" {
		hc.Protocol = def.Protocol
	}
	if hc.HTTPCode == "" {
		hc.HTTPCode = def.HTTPCode
	}
	if _, err := e.ModifyTargetGroup(ctx, arn, hc); err != nil {
		return nil, err
	}
	if ch := attrChanges(req, "TargetGroupAttributes", tgAttributes); len(ch) > 0 {
		if _, err := e.ModifyTargetGroupAttributes(ctx, arn, ch); err != nil {
			return nil, err
		}
	}
	old, err := tp.view(ctx, arn)
	if err != nil {
		return nil, err
	}
	want := map[string]Target{}
	for _, t := range in.Targets {
		if t.Port == 0 {
			t.Port = old.Port
		}
		want[targetKey(t.ID, t.Port)] = t
	}
	var gone, added []Target
	have := map[string]bool{}
	for _, r := range old.Targets {
		if r.DrainUntil != nil {
			continue
		}
		have[r.key()] = true
		if _, ok := want[r.key()]; !ok {
			gone = append(gone, Target{ID: r.ID, Port: r.Port})
		}
	}
	for k, t := range want {
		if !have[k] {
			added = append(added, t)
		}
	}
	if len(added) > 0 {
		if err := e.RegisterTargets(ctx, arn, added); err != nil {
			return nil, err
		}
	}
	if len(gone) > 0 {
		if err := e.DeregisterTargets(ctx, arn, gone); err != nil {
			return nil, err
		}
	}
	if err := e.updateTags(ctx, req, arn); err != nil {
		return nil, err
	}
	v, err := tp.view(ctx, arn)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: arn, Attributes: tp.attrs(v)}, nil
}

func (tp *tgProvider) Delete(ctx context.Context, req *provider.Request) error {
	return tp.e.DeleteTargetGroup(ctx, req.PhysicalID)
}

// ===== AWS::ElasticLoadBalancingV2::Listener =====

type listenerProvider struct{ e *Engine }

var listenerSchema = &provider.Schema{
	Properties: []string{"AlpnPolicy", "Certificates", "DefaultActions", "LoadBalancerArn", "MutualAuthentication", "Port", "Protocol", "SslPolicy", "ListenerAttributes"},
	Required:   []string{"DefaultActions", "LoadBalancerArn"},
	CreateOnly: []string{"LoadBalancerArn"},
	Attributes: []string{"ListenerArn"},
}

func (*listenerProvider) Type() string             { return "AWS::ElasticLoadBalancingV2::Listener" }
func (*listenerProvider) Schema() *provider.Schema { return listenerSchema }

func (pp *listenerProvider) spec(req *provider.Request) (CreateListenerInput, error) {
	p := provider.Read(req.Properties, listenerSchema)
	in := CreateListenerInput{
		LoadBalancerARN: p.String("LoadBalancerArn"), Protocol: p.String("Protocol"), Port: int(p.Int("Port", 0)),
		SslPolicy: p.String("SslPolicy"), AlpnPolicy: p.StringList("AlpnPolicy"),
		Certificates: certsIn(decodeList[wCertificate](p, "Certificates")),
	}
	acts := decodeList[wAction](p, "DefaultActions")
	if err := p.Err(); err != nil {
		return in, err
	}
	if arnKind(in.LoadBalancerARN) != "loadbalancer" {
		return in, validation("'%s' is not a valid load balancer ARN", in.LoadBalancerARN)
	}
	var err error
	if in.DefaultActions, err = actionsFromAPI(acts, "defaultActions"); err != nil {
		return in, err
	}
	in.id = physicalHexID(req)
	return in, nil
}

func listenerARNFor(lbArn, id string) string {
	return strings.Replace(lbArn, ":loadbalancer/", ":listener/", 1) + "/" + id
}

func (pp *listenerProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := pp.spec(req)
	if err != nil {
		return "", err
	}
	return listenerARNFor(in.LoadBalancerARN, in.id), nil
}

func (pp *listenerProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := pp.spec(req)
	if err != nil {
		return nil, err
	}
	l, err := pp.e.CreateListener(ctx, in)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: l.ARN, Attributes: map[string]any{"ListenerArn": l.ARN}}, nil
}

func (pp *listenerProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ls, err := pp.e.DescribeListeners(ctx, "", []string{req.PhysicalID})
	if ErrListenerNotFound.Is(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	w := listenerOut(ls[0])
	props := map[string]any{
		"LoadBalancerArn": w.LoadBalancerArn, "Port": json.Number(strconv.Itoa(w.Port)), "Protocol": w.Protocol,
		"DefaultActions": provider.ShapeLike(toTemplate(w.DefaultActions), req.Properties["DefaultActions"]),
	}
	if w.SslPolicy != "" {
		props["SslPolicy"] = w.SslPolicy
	}
	if t, ok := req.Properties["Certificates"]; ok {
		props["Certificates"] = provider.ShapeLike(toTemplate(w.Certificates), t)
	}
	if len(w.AlpnPolicy) > 0 {
		props["AlpnPolicy"] = toTemplate(w.AlpnPolicy)
	}
	return &provider.Result{PhysicalID: w.ListenerArn, Attributes: map[string]any{"ListenerArn": w.ListenerArn}, Properties: props}, nil
}

func (pp *listenerProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := pp.spec(req)
	if err != nil {
		return nil, err
	}
	l, err := pp.e.ModifyListener(ctx, ModifyListenerInput{ARN: req.PhysicalID, Port: in.Port, Protocol: in.Protocol,
		DefaultActions: in.DefaultActions, Certificates: in.Certificates, SslPolicy: in.SslPolicy, AlpnPolicy: in.AlpnPolicy})
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: l.ARN, Attributes: map[string]any{"ListenerArn": l.ARN}}, nil
}

func (pp *listenerProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := pp.e.DeleteListener(ctx, req.PhysicalID)
	if ErrListenerNotFound.Is(err) {
		return nil
	}
	return err
}

// ===== AWS::ElasticLoadBalancingV2::ListenerRule =====

type ruleProvider struct{ e *Engine }

var ruleSchema = &provider.Schema{
	Properties: []string{"Actions", "Conditions", "ListenerArn", "Priority", "Transforms"},
	Required:   []string{"Actions", "Conditions", "Priority"},
	CreateOnly: []string{"ListenerArn"},
	Attributes: []string{"IsDefault", "RuleArn"},
}

func (*ruleProvider) Type() string             { return "AWS::ElasticLoadBalancingV2::ListenerRule" }
func (*ruleProvider) Schema() *provider.Schema { return ruleSchema }

func (rp *ruleProvider) spec(req *provider.Request) (CreateRuleInput, error) {
	p := provider.Read(req.Properties, ruleSchema)
	in := CreateRuleInput{ListenerARN: p.String("ListenerArn"), Priority: int(p.Int("Priority", 0))}
	acts := decodeList[wAction](p, "Actions")
	conds := decodeList[wCondition](p, "Conditions")
	if p.Has("Transforms") && len(p.List("Transforms")) > 0 {
		p.Fail("Transforms", "rule transforms are not supported by skiff's load balancer")
	}
	if err := p.Err(); err != nil {
		return in, err
	}
	if arnKind(in.ListenerARN) != "listener" {
		return in, validation("'%s' is not a valid listener ARN", in.ListenerARN)
	}
	var err error
	if in.Actions, err = actionsFromAPI(acts, "actions"); err != nil {
		return in, err
	}
	if in.Conditions, err = conditionsFromAPI(conds); err != nil {
		return in, err
	}
	in.id = physicalHexID(req)
	return in, nil
}

func (rp *ruleProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := rp.spec(req)
	if err != nil {
		return "", err
	}
	return strings.Replace(in.ListenerARN, ":listener/", ":listener-rule/", 1) + "/" + in.id, nil
}

func ruleAttrs(r RuleView) map[string]any {
	return map[string]any{"IsDefault": r.IsDefault, "RuleArn": r.ARN}
}

func (rp *ruleProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	r, err := rp.e.CreateRule(ctx, in)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: r.ARN, Attributes: ruleAttrs(r)}, nil
}

func (rp *ruleProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	rs, err := rp.e.DescribeRules(ctx, "", []string{req.PhysicalID})
	if ErrRuleNotFound.Is(err) {
		return nil, provider.NotFound(req.Type, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	w := ruleOut(rs[0])
	listener := strings.Replace(req.PhysicalID[:strings.LastIndex(req.PhysicalID, "/")], ":listener-rule/", ":listener/", 1)
	props := map[string]any{
		"ListenerArn": listener, "Priority": json.Number(w.Priority),
		"Actions":    provider.ShapeLike(toTemplate(w.Actions), req.Properties["Actions"]),
		"Conditions": provider.ShapeLike(toTemplate(w.Conditions), req.Properties["Conditions"]),
	}
	return &provider.Result{PhysicalID: w.RuleArn, Attributes: ruleAttrs(rs[0]), Properties: props}, nil
}

func (rp *ruleProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	old := provider.Read(req.OldProperties, nil).Int("Priority", 0)
	if int(old) != in.Priority {
		if _, err := rp.e.SetRulePriorities(ctx, []RulePriority{{RuleARN: req.PhysicalID, Priority: in.Priority}}); err != nil {
			return nil, err
		}
	}
	r, err := rp.e.ModifyRule(ctx, req.PhysicalID, in.Conditions, in.Actions)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: r.ARN, Attributes: ruleAttrs(r)}, nil
}

func (rp *ruleProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := rp.e.DeleteRule(ctx, req.PhysicalID)
	if ErrRuleNotFound.Is(err) {
		return nil
	}
	return err
}
