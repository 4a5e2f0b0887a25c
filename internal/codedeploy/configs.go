package codedeploy

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/store"
)

const predefinedPrefix = "CodeDeployDefault."

// Minimum healthy host types.
const (
	HostCount       = "HOST_COUNT"
	FleetPercent    = "FLEET_PERCENT"
	MostConcurrency = "MOST_CONCURRENCY" // what GetDeploymentConfig reports for OneAtATime
)

// Traffic routing types.
const (
	TimeBasedCanaryType = "TimeBasedCanary"
	TimeBasedLinearType = "TimeBasedLinear"
	AllAtOnceType       = "AllAtOnce"
)

// predefinedTime is the createTime AWS reports for its predefined
// configurations (they predate any account).
var predefinedTime = time.Date(2014, 11, 12, 0, 0, 0, 0, time.UTC)

func predefinedID(name string) string {
	h := sha256.Sum256([]byte(name))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := fmt.Sprintf("%x", b)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func canary(pct, mins int) *TrafficRoutingConfig {
	return &TrafficRoutingConfig{Type: TimeBasedCanaryType, TimeBasedCanary: &TimeBasedCanary{CanaryPercentage: pct, CanaryInterval: mins}}
}

func linear(pct, mins int) *TrafficRoutingConfig {
	return &TrafficRoutingConfig{Type: TimeBasedLinearType, TimeBasedLinear: &TimeBasedLinear{LinearPercentage: pct, LinearInterval: mins}}
}

// predefined are CodeDeploy's built-in configurations. The ECS names also
// work for Server deployments: canary and linear traffic shifting on the
// server platform is a skiff extension (AWS offers it for ECS and Lambda
// only), and it uses the same engine the ECS platform will.
var predefined = func() map[string]DeploymentConfigInfo {
	m := map[string]DeploymentConfigInfo{}
	add := func(name, platform string, mhh *MinimumHealthyHosts, trc *TrafficRoutingConfig) {
		full := predefinedPrefix + name
		m[full] = DeploymentConfigInfo{DeploymentConfigID: predefinedID(full), DeploymentConfigName: full, MinimumHealthyHosts: mhh,
			CreateTime: predefinedTime, ComputePlatform: platform, TrafficRoutingConfig: trc}
	}
	add("OneAtATime", PlatformServer, &MinimumHealthyHosts{Type: MostConcurrency, Value: 1}, nil)
	add("HalfAtATime", PlatformServer, &MinimumHealthyHosts{Type: FleetPercent, Value: 50}, nil)
	add("AllAtOnce", PlatformServer, &MinimumHealthyHosts{Type: FleetPercent, Value: 0}, nil)
	add("ECSAllAtOnce", PlatformECS, nil, &TrafficRoutingConfig{Type: AllAtOnceType})
	add("ECSCanary10Percent5Minutes", PlatformECS, nil, canary(10, 5))
	add("ECSCanary10Percent15Minutes", PlatformECS, nil, canary(10, 15))
	add("ECSLinear10PercentEvery1Minutes", PlatformECS, nil, linear(10, 1))
	add("ECSLinear10PercentEvery3Minutes", PlatformECS, nil, linear(10, 3))
	add("LambdaAllAtOnce", PlatformLambda, nil, &TrafficRoutingConfig{Type: AllAtOnceType})
	for _, mins := range []int{5, 10, 15, 30} {
		add(fmt.Sprintf("LambdaCanary10Percent%dMinutes", mins), PlatformLambda, nil, canary(10, mins))
	}
	add("LambdaLinear10PercentEvery1Minute", PlatformLambda, nil, linear(10, 1))
	for _, mins := range []int{2, 3, 10} {
		add(fmt.Sprintf("LambdaLinear10PercentEvery%dMinutes", mins), PlatformLambda, nil, linear(10, mins))
	}
	return m
}()

// DefaultConfig is the configuration of a deployment group that names
// none.
const DefaultConfig = predefinedPrefix + "OneAtATime"

func configNotFound(name string) *apierr.Error {
	return ErrDeploymentConfigDoesNotExist.New("The deployment configuration %s does not exist with the user or AWS account.", name)
}

// lookupConfig returns a predefined or custom configuration.
func (e *Engine) lookupConfig(tx store.Tx, prefix, name string) (*DeploymentConfigInfo, error) {
	if name == "" {
		return nil, errDeploymentConfigNameRequired.New("The deployment configuration name must be specified.")
	}
	if c, ok := predefined[name]; ok {
		return &c, nil
	}
	r, err := getJSON[configRecord](tx, bucketConfigs, prefix+name)
	if err == store.ErrNotFound {
		return nil, configNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return &r.Info, nil
}

// CreateDeploymentConfigInput is CreateDeploymentConfig's input.
type CreateDeploymentConfigInput struct {
	DeploymentConfigName string                `json:"deploymentConfigName"`
	MinimumHealthyHosts  *MinimumHealthyHosts  `json:"minimumHealthyHosts,omitempty"`
	TrafficRoutingConfig *TrafficRoutingConfig `json:"trafficRoutingConfig,omitempty"`
	ComputePlatform      string                `json:"computePlatform,omitempty"`
	ZonalConfig          *ZonalConfig          `json:"zonalConfig,omitempty"`
	Tags                 []Tag                 `json:"-"`
}

// validateConfig checks a custom configuration as AWS does. Server
// configurations take minimumHealthyHosts; a trafficRoutingConfig on a
// Server configuration is the skiff extension (blue/green traffic
// shifting by canary or linear steps).
func validateConfig(in *CreateDeploymentConfigInput) error {
	name := in.DeploymentConfigName
	if name == "" {
		return errDeploymentConfigNameRequired.New("The deployment configuration name must be specified.")
	}
	if !validName(name) {
		return errInvalidDeploymentConfigName.New("The deployment configuration name is invalid: %s", name)
	}
	if strings.HasPrefix(name, predefinedPrefix) {
		return errInvalidDeploymentConfigName.New("Deployment configuration names cannot start with %s, which is reserved for the predefined configurations.", predefinedPrefix)
	}
	if in.ComputePlatform == "" {
		in.ComputePlatform = PlatformServer
	}
	switch in.ComputePlatform {
	case PlatformServer, PlatformECS, PlatformLambda:
	default:
		return errInvalidComputePlatform.New("The compute platform %s is invalid. Valid values are Server, Lambda and ECS.", in.ComputePlatform)
	}
	if m := in.MinimumHealthyHosts; m != nil {
		if in.ComputePlatform != PlatformServer {
			return errInvalidMinimumHealthyHostValue.New("Minimum healthy hosts can only be specified for the Server compute platform.")
		}
		switch m.Type {
		case HostCount:
			if m.Value < 0 {
				return errInvalidMinimumHealthyHostValue.New("The minimum healthy host count must be 0 or greater; %d is invalid.", m.Value)
			}
		case FleetPercent:
			if m.Value < 0 || m.Value > 99 {
				return errInvalidMinimumHealthyHostValue.New("The minimum healthy host percentage must be between 0 and 99; %d is invalid.", m.Value)
			}
		case "":
			return errInvalidMinimumHealthyHostValue.New("The minimum healthy hosts type must be HOST_COUNT or FLEET_PERCENT.")
		default:
			return errInvalidMinimumHealthyHostValue.New("The minimum healthy hosts type %s is invalid. Valid values are HOST_COUNT and FLEET_PERCENT.", m.Type)
		}
	} else if in.ComputePlatform == PlatformServer && in.TrafficRoutingConfig == nil {
		return errInvalidMinimumHealthyHostValue.New("A deployment configuration for the Server compute platform requires minimumHealthyHosts.")
	}
	if t := in.TrafficRoutingConfig; t != nil {
		if err := validateRouting(t); err != nil {
			return err
		}
	} else if in.ComputePlatform != PlatformServer {
		return errInvalidTrafficRoutingConfiguration.New("A deployment configuration for the %s compute platform requires trafficRoutingConfig.", in.ComputePlatform)
	}
	if z := in.ZonalConfig; z != nil {
		if in.ComputePlatform != PlatformServer {
			return errInvalidZonalDeploymentConfiguration.New("Zonal configuration is only supported for the Server compute platform.")
		}
		if z.FirstZoneMonitorDurationInSeconds < 0 || z.MonitorDurationInSeconds < 0 {
			return errInvalidZonalDeploymentConfiguration.New("Zonal monitor durations must be 0 or greater.")
		}
	}
	return nil
}

func validateRouting(t *TrafficRoutingConfig) error {
	pct := func(what string, v int) error {
		if v < 1 || v > 99 {
			return errInvalidTrafficRoutingConfiguration.New("The %s must be between 1 and 99; %d is invalid.", what, v)
		}
		return nil
	}
	interval := func(what string, v int) error {
		if v < 1 {
			return errInvalidTrafficRoutingConfiguration.New("The %s must be at least 1 minute; %d is invalid.", what, v)
		}
		return nil
	}
	switch t.Type {
	case TimeBasedCanaryType:
		if t.TimeBasedCanary == nil || t.TimeBasedLinear != nil {
			return errInvalidTrafficRoutingConfiguration.New("A TimeBasedCanary traffic routing configuration requires timeBasedCanary (and no timeBasedLinear).")
		}
		if err := pct("canary percentage", t.TimeBasedCanary.CanaryPercentage); err != nil {
			return err
		}
		return interval("canary interval", t.TimeBasedCanary.CanaryInterval)
	case TimeBasedLinearType:
		if t.TimeBasedLinear == nil || t.TimeBasedCanary != nil {
			return errInvalidTrafficRoutingConfiguration.New("A TimeBasedLinear traffic routing configuration requires timeBasedLinear (and no timeBasedCanary).")
		}
		if err := pct("linear percentage", t.TimeBasedLinear.LinearPercentage); err != nil {
			return err
		}
		return interval("linear interval", t.TimeBasedLinear.LinearInterval)
	case AllAtOnceType:
		if t.TimeBasedCanary != nil || t.TimeBasedLinear != nil {
			return errInvalidTrafficRoutingConfiguration.New("An AllAtOnce traffic routing configuration takes neither timeBasedCanary nor timeBasedLinear.")
		}
		return nil
	case "":
		return errInvalidTrafficRoutingConfiguration.New("The traffic routing type must be TimeBasedCanary, TimeBasedLinear or AllAtOnce.")
	}
	return errInvalidTrafficRoutingConfiguration.New("The traffic routing type %s is invalid. Valid values are TimeBasedCanary, TimeBasedLinear and AllAtOnce.", t.Type)
}

// CreateDeploymentConfig creates a custom deployment configuration.
func (e *Engine) CreateDeploymentConfig(ctx context.Context, in CreateDeploymentConfigInput) (string, error) {
	if err := validateConfig(&in); err != nil {
		return "", err
	}
	if err := validateTags(in.Tags); err != nil {
		return "", err
	}
	sc := scopeOf(ctx)
	rec := &configRecord{Info: DeploymentConfigInfo{DeploymentConfigID: newUUID(), DeploymentConfigName: in.DeploymentConfigName,
		MinimumHealthyHosts: in.MinimumHealthyHosts, CreateTime: e.now(), ComputePlatform: in.ComputePlatform,
		TrafficRoutingConfig: in.TrafficRoutingConfig, ZonalConfig: in.ZonalConfig}, Tags: tagsToMap(in.Tags)}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		key := scopePrefix(sc) + in.DeploymentConfigName
		if _, err := tx.GetRaw(bucketConfigs, key); err == nil {
			return errDeploymentConfigAlreadyExists.New("A deployment configuration with the name %s already exists with the user or AWS account.", in.DeploymentConfigName)
		}
		return tx.Put(bucketConfigs, key, rec)
	})
	if err != nil {
		return "", err
	}
	return rec.Info.DeploymentConfigID, nil
}

// GetDeploymentConfig returns a predefined or custom configuration.
func (e *Engine) GetDeploymentConfig(ctx context.Context, name string) (*DeploymentConfigInfo, error) {
	if name != "" && !validName(name) {
		return nil, errInvalidDeploymentConfigName.New("The deployment configuration name is invalid: %s", name)
	}
	var out *DeploymentConfigInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		c, err := e.lookupConfig(tx, scopePrefix(scopeOf(ctx)), name)
		out = c
		return err
	})
	return out, err
}

// ListDeploymentConfigs lists predefined and custom configuration names.
func (e *Engine) ListDeploymentConfigs(ctx context.Context, token string) ([]string, string, error) {
	var names []string
	for n := range predefined {
		names = append(names, n)
	}
	sc := scopeOf(ctx)
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketConfigs, store.ScanOptions{Prefix: scopePrefix(sc)}, func(k string, _ []byte) error {
			names = append(names, strings.TrimPrefix(k, scopePrefix(sc)))
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(names, token, 100)
}

// DeleteDeploymentConfig deletes a custom configuration that no
// deployment group uses. The predefined ones cannot be deleted.
func (e *Engine) DeleteDeploymentConfig(ctx context.Context, name string) error {
	if name == "" {
		return errDeploymentConfigNameRequired.New("The deployment configuration name must be specified.")
	}
	if !validName(name) {
		return errInvalidDeploymentConfigName.New("The deployment configuration name is invalid: %s", name)
	}
	if _, ok := predefined[name]; ok || strings.HasPrefix(name, predefinedPrefix) {
		return errInvalidOperation.New("The predefined deployment configuration %s cannot be deleted.", name)
	}
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		var user string
		tx.Scan(bucketGroups, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
			var g groupRecord
			if json.Unmarshal(v, &g) == nil && g.Info.DeploymentConfigName == name {
				user = g.Info.ApplicationName + "/" + g.Info.DeploymentGroupName
				return store.ErrStop
			}
			return nil
		})
		if user != "" {
			return errDeploymentConfigInUse.New("The deployment configuration %s is in use by deployment group %s.", name, user)
		}
		return tx.Delete(bucketConfigs, scopePrefix(sc)+name)
	})
}

// --- minimum healthy hosts math ---

// healthPlan is how an in-place deployment (or the install on a
// replacement fleet) proceeds over n instances.
type healthPlan struct {
	// Min is the number of instances that must stay healthy.
	Min int
	// MaxBatch is the most instances deployed to at once.
	MaxBatch int
	// Need is how many must succeed for the deployment to succeed.
	Need int
}

// planFor computes the plan as AWS documents it: HOST_COUNT v keeps v
// healthy; FLEET_PERCENT p keeps ceil(n·p/100) healthy; batches are the
// rest (n − min). OneAtATime (MOST_CONCURRENCY) deploys to one instance at
// a time keeping all but one healthy, so the deployment still succeeds
// when only the last instance fails. A deployment always needs at least
// one success. ok is false when the minimum leaves no instance to deploy
// to (HEALTH_CONSTRAINTS_INVALID).
func planFor(m *MinimumHealthyHosts, n int) (healthPlan, bool) {
	if m == nil {
		m = &MinimumHealthyHosts{Type: FleetPercent, Value: 0}
	}
	var p healthPlan
	switch m.Type {
	case MostConcurrency:
		p = healthPlan{Min: max(n-1, 0), MaxBatch: 1, Need: max(n-1, 1)}
		return p, n > 0
	case HostCount:
		p.Min = m.Value
	default: // FLEET_PERCENT
		p.Min = (n*m.Value + 99) / 100
	}
	p.MaxBatch = n - p.Min
	p.Need = max(p.Min, 1)
	return p, p.MaxBatch > 0
}

// nextBatch returns how many of the pending instances to deploy to now,
// given how many are still healthy (succeeded plus not yet touched): never
// so many that fewer than Min stay healthy. Zero means the deployment
// cannot go on (HEALTH_CONSTRAINTS).
func (p healthPlan) nextBatch(pending, healthy int) int {
	return max(min(pending, p.MaxBatch, healthy-p.Min), 0)
}

// --- tokens ---

func encodeToken(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeToken(t string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return string(b), err == nil
}
