package codedeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codedeploy/appspec"
	"github.com/skiff-dev/skiff/internal/runtime"
	"github.com/skiff-dev/skiff/internal/store"
)

// Every on-premises instance is a local instance: registering one
// (RegisterOnPremisesInstance, CreateInstances, a blue/green copy) makes
// its root directory and port in the runtime, and deregistering it ends
// its processes and removes its files. The record keeps what the API
// reports plus the instance's port and root.

func instanceKey(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name }

func instanceARN(sc awsctx.Scope, name string) string { return sc.ARN("codedeploy", "instance/"+name) }

func notRegistered() *apierr.Error {
	return ErrInstanceNotRegistered.New("The specified on-premises instance is not registered.")
}

func checkInstanceName(name string) error {
	if name == "" {
		return errInstanceNameRequired.New("An on-premises instance name was not specified.")
	}
	if len(name) > 100 {
		return errInvalidInstanceName.New("The on-premises instance name %s is too long (at most 100 characters).", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+=,@", c)) {
			return errInvalidInstanceName.New("The on-premises instance name %s contains invalid characters: use letters, numbers, and . _ - + = , @", name)
		}
	}
	return nil
}

// Instance is a local instance as `skiff instances ls` shows it.
type Instance struct {
	Name string
	ARN  string
	Tags map[string]string
	// Port is the instance's PORT; the load balancer reaches it at
	// 127.0.0.1:Port.
	Port int
	// Root is its INSTANCE_ROOT.
	Root string
	// Status is Registered or Deregistered.
	Status       string
	RegisterTime time.Time
	// Processes is the number of live processes (0 for deregistered
	// instances).
	Processes int
	// Deployments are the revisions installed on it, per deployment group.
	Deployments []InstanceDeployment
}

// InstanceDeployment is the last successful revision of a deployment
// group on an instance.
type InstanceDeployment struct {
	Application, DeploymentGroup, DeploymentID, Revision string
	Time                                                 time.Time
}

func (e *Engine) instanceView(r *instanceRecord) Instance {
	in := Instance{Name: r.Info.InstanceName, ARN: r.Info.InstanceArn, Tags: tagsToMap(r.Info.Tags), Port: r.Port, Root: r.Root,
		Status: "Registered", RegisterTime: r.Info.RegisterTime}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	if !r.Info.DeregisterTime.IsZero() {
		in.Status = "Deregistered"
	} else if ps, err := e.rt.Processes(r.RuntimeID); err == nil {
		in.Processes = len(ps)
	}
	for _, d := range r.Deployed {
		in.Deployments = append(in.Deployments, InstanceDeployment{Application: d.AppName, DeploymentGroup: d.GroupName, DeploymentID: d.DeploymentID,
			Revision: describeRevision(d.Revision), Time: d.Time})
	}
	sort.Slice(in.Deployments, func(i, j int) bool { return in.Deployments[i].Time.Before(in.Deployments[j].Time) })
	return in
}

// register records an instance and creates it in the runtime.
func (e *Engine) register(ctx context.Context, name, sessionARN, userARN string, tags []Tag, managed bool, set string) (*instanceRecord, error) {
	sc := scopeOf(ctx)
	rec := &instanceRecord{Info: InstanceInfo{InstanceName: name, IamSessionArn: sessionARN, IamUserArn: userARN,
		InstanceArn: instanceARN(sc, name), RegisterTime: e.now(), Tags: tags}, RuntimeID: newRuntimeID(), Managed: managed, Set: set}
	if rec.Info.Tags == nil {
		rec.Info.Tags = []Tag{}
	}
	// Reserve the name first, so two registrations cannot both create a
	// runtime instance.
	err := e.st.Update(ctx, func(tx store.Tx) error {
		old, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, name))
		if err == nil && old.Info.DeregisterTime.IsZero() {
			return errInstanceNameAlreadyRegistered.New("The specified on-premises instance name is already registered.")
		}
		if err != nil && err != store.ErrNotFound {
			return err
		}
		if sessionARN != "" || userARN != "" {
			var dup error
			tx.Scan(bucketInstances, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
				var o instanceRecord
				if json.Unmarshal(v, &o) != nil || !o.Info.DeregisterTime.IsZero() {
					return nil
				}
				if userARN != "" && o.Info.IamUserArn == userARN {
					dup = errIamUserArnAlreadyRegistered.New("The specified IAM user ARN is already registered with an on-premises instance.")
					return store.ErrStop
				}
				if sessionARN != "" && o.Info.IamSessionArn == sessionARN {
					dup = errIamSessionArnAlreadyRegistered.New("The request included an IAM session ARN that has already been used to register a different instance.")
					return store.ErrStop
				}
				return nil
			})
			if dup != nil {
				return dup
			}
		}
		return tx.Put(bucketInstances, instanceKey(sc, name), rec)
	})
	if err != nil {
		return nil, err
	}
	inst, err := e.rt.Create(ctx, runtime.Spec{ID: rec.RuntimeID, Name: name, Account: sc.AccountID, Region: sc.Region})
	if err != nil {
		e.st.Update(context.WithoutCancel(ctx), func(tx store.Tx) error { return tx.Delete(bucketInstances, instanceKey(sc, name)) })
		return nil, fmt.Errorf("create local instance %s: %w", name, err)
	}
	rec.Port, rec.Root = inst.Port, inst.Root
	err = e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bucketInstances, instanceKey(sc, name), rec) })
	return rec, err
}

// RegisterOnPremisesInstance registers an instance by name; skiff makes it
// a local instance (root directory and port).
func (e *Engine) RegisterOnPremisesInstance(ctx context.Context, name, iamSessionArn, iamUserArn string) error {
	if err := checkInstanceName(name); err != nil {
		return err
	}
	switch {
	case iamSessionArn == "" && iamUserArn == "":
		return errIamArnRequired.New("No IAM ARN was included in the request. You must use an IAM session ARN or IAM user ARN in the request.")
	case iamSessionArn != "" && iamUserArn != "":
		return errMultipleIamArnsProvided.New("Both an IAM user ARN and an IAM session ARN were included in the request. Use only one ARN type.")
	}
	if p, ok := awsctx.ParseARN(iamUserArn); iamUserArn != "" && (!ok || p.Service != "iam" || !strings.HasPrefix(p.Resource, "user/")) {
		return errInvalidIamUserArn.New("The IAM user ARN %s is not valid.", iamUserArn)
	}
	if p, ok := awsctx.ParseARN(iamSessionArn); iamSessionArn != "" && (!ok || p.Service != "sts" || !strings.HasPrefix(p.Resource, "assumed-role/")) {
		return errInvalidIamSessionArn.New("The IAM session ARN %s is not valid.", iamSessionArn)
	}
	_, err := e.register(ctx, name, iamSessionArn, iamUserArn, nil, false, "")
	return err
}

// DeregisterOnPremisesInstance deregisters an instance: its processes are
// stopped and its files removed; the record stays, with its deregister
// time. Deregistering an unknown instance is not an error.
func (e *Engine) DeregisterOnPremisesInstance(ctx context.Context, name string) error {
	if err := checkInstanceName(name); err != nil {
		return err
	}
	sc := scopeOf(ctx)
	var runtimeID string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, name))
		if err == store.ErrNotFound {
			return nil
		}
		if err != nil || !r.Info.DeregisterTime.IsZero() {
			return err
		}
		r.Info.DeregisterTime = e.now()
		runtimeID = r.RuntimeID
		return tx.Put(bucketInstances, instanceKey(sc, name), r)
	})
	if err != nil || runtimeID == "" {
		return err
	}
	return e.rt.Terminate(context.WithoutCancel(ctx), runtimeID)
}

// GetOnPremisesInstance returns an instance.
func (e *Engine) GetOnPremisesInstance(ctx context.Context, name string) (*InstanceInfo, error) {
	if err := checkInstanceName(name); err != nil {
		return nil, err
	}
	var out *InstanceInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(scopeOf(ctx), name))
		if err == store.ErrNotFound {
			return notRegistered()
		}
		if err != nil {
			return err
		}
		out = &r.Info
		return nil
	})
	return out, err
}

// BatchGetOnPremisesInstances returns the instances that exist.
func (e *Engine) BatchGetOnPremisesInstances(ctx context.Context, names []string) ([]InstanceInfo, error) {
	if len(names) == 0 {
		return nil, errInstanceNameRequired.New("An on-premises instance name was not specified.")
	}
	if len(names) > 100 {
		return nil, errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (100) was exceeded.")
	}
	for _, n := range names {
		if err := checkInstanceName(n); err != nil {
			return nil, err
		}
	}
	out := []InstanceInfo{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		for _, n := range names {
			r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(scopeOf(ctx), n))
			if err == nil {
				out = append(out, r.Info)
			}
		}
		return nil
	})
	return out, err
}

// ListOnPremisesInstances lists instance names, filtered by registration
// status (Registered, Deregistered, or "" for all) and tags (any filter).
func (e *Engine) ListOnPremisesInstances(ctx context.Context, status string, filters []TagFilter, token string) ([]string, string, error) {
	if status != "" && status != "Registered" && status != "Deregistered" {
		return nil, "", errInvalidRegistrationStatus.New("The registration status %s is invalid. Valid values are Registered and Deregistered.", status)
	}
	if err := validateFilters(filters, errInvalidTagFilter); err != nil {
		return nil, "", err
	}
	recs, err := e.instances(ctx)
	if err != nil {
		return nil, "", err
	}
	var names []string
	for _, r := range recs {
		reg := r.Info.DeregisterTime.IsZero()
		if status == "Registered" && !reg || status == "Deregistered" && reg {
			continue
		}
		if len(filters) > 0 && !matchAny(tagsToMap(r.Info.Tags), filters) {
			continue
		}
		names = append(names, r.Info.InstanceName)
	}
	return paginate(names, token, 100)
}

func (e *Engine) instances(ctx context.Context) ([]*instanceRecord, error) {
	sc := scopeOf(ctx)
	var out []*instanceRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketInstances, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
			var r instanceRecord
			if json.Unmarshal(v, &r) == nil {
				out = append(out, &r)
			}
			return nil
		})
	})
	return out, err
}

func (e *Engine) editInstanceTags(ctx context.Context, names []string, tags []Tag, fn func(cur []Tag) []Tag) error {
	if len(tags) == 0 {
		return errTagRequired.New("A tag was not specified.")
	}
	if len(names) == 0 {
		return errInstanceNameRequired.New("An on-premises instance name was not specified.")
	}
	if len(names) > 100 {
		return errInstanceLimitExceeded.New("The maximum number of allowed on-premises instances in a single call was exceeded.")
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return errInvalidTag.New("The tag was specified in an invalid format.")
		}
	}
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		for _, n := range names {
			if err := checkInstanceName(n); err != nil {
				return err
			}
			r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, n))
			if err == store.ErrNotFound || err == nil && !r.Info.DeregisterTime.IsZero() {
				return notRegistered()
			}
			if err != nil {
				return err
			}
			r.Info.Tags = fn(r.Info.Tags)
			if len(r.Info.Tags) > 10 {
				return errTagLimitExceeded.New("The maximum allowed number of tags (10) for an on-premises instance was exceeded.")
			}
			if err := tx.Put(bucketInstances, instanceKey(sc, n), r); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddTagsToOnPremisesInstances adds (or replaces) tags.
func (e *Engine) AddTagsToOnPremisesInstances(ctx context.Context, names []string, tags []Tag) error {
	return e.editInstanceTags(ctx, names, tags, func(cur []Tag) []Tag {
		m := tagsToMap(cur)
		if m == nil {
			m = map[string]string{}
		}
		for _, t := range tags {
			m[t.Key] = t.Value
		}
		return mapToTags(m)
	})
}

// RemoveTagsFromOnPremisesInstances removes tags (by key, and by value
// when one is given).
func (e *Engine) RemoveTagsFromOnPremisesInstances(ctx context.Context, names []string, tags []Tag) error {
	return e.editInstanceTags(ctx, names, tags, func(cur []Tag) []Tag {
		out := []Tag{}
		for _, c := range cur {
			drop := false
			for _, t := range tags {
				if c.Key == t.Key && (t.Value == "" || t.Value == c.Value) {
					drop = true
				}
			}
			if !drop {
				out = append(out, c)
			}
		}
		return out
	})
}

// CreateInstances creates count local instances with the tags, registered
// as on-premises instances (`skiff instances create --tag K=V --count N`).
// ctx carries the account and region.
func (e *Engine) CreateInstances(ctx context.Context, tags map[string]string, count int) ([]Instance, error) {
	return e.createInstances(ctx, tags, count, "")
}

func (e *Engine) createInstances(ctx context.Context, tags map[string]string, count int, set string) ([]Instance, error) {
	if count < 1 || count > 100 {
		return nil, errInvalidInput.New("The instance count must be between 1 and 100; %d is invalid.", count)
	}
	if len(tags) > 10 {
		return nil, errTagLimitExceeded.New("The maximum allowed number of tags (10) for an on-premises instance was exceeded.")
	}
	tl := mapToTags(tags)
	for _, t := range tl {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, errInvalidTag.New("The tag was specified in an invalid format.")
		}
	}
	sc := scopeOf(ctx)
	var out []Instance
	for i := 0; i < count; i++ {
		name := newInstanceName()
		r, err := e.register(ctx, name, sessionARNFor(sc, name), "", tl, true, set)
		if err != nil {
			return out, err
		}
		out = append(out, e.instanceView(r))
	}
	return out, nil
}

// sessionARNFor is the IAM session ARN skiff registers its own instances
// with (as the CodeDeploy agent of an instance with a role would use).
func sessionARNFor(sc awsctx.Scope, name string) string {
	return awsctx.ARN("sts", "", sc.AccountID, "assumed-role/SkiffInstance/"+name)
}

// ListInstances lists the account's instances with their ports and live
// process counts (`skiff instances ls`). Deregistered instances are left
// out unless all is set.
func (e *Engine) ListInstances(ctx context.Context, all bool) ([]Instance, error) {
	recs, err := e.instances(ctx)
	if err != nil {
		return nil, err
	}
	out := []Instance{}
	for _, r := range recs {
		if !all && !r.Info.DeregisterTime.IsZero() {
			continue
		}
		out = append(out, e.instanceView(r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteInstances deregisters instances (ending their processes and
// removing their files).
func (e *Engine) DeleteInstances(ctx context.Context, names []string) error {
	for _, n := range names {
		if err := e.DeregisterOnPremisesInstance(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) getInstance(ctx context.Context, name string) (*instanceRecord, error) {
	var out *instanceRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(scopeOf(ctx), name))
		if err == store.ErrNotFound {
			return notRegistered()
		}
		out = r
		return err
	})
	return out, err
}

// restartApplication re-runs ApplicationStart of the last successful
// revision of every deployment group on an instance whose processes are
// gone (after a reboot of skiff).
func (e *Engine) restartApplication(r *instanceRecord) {
	ctx := withScope(e.ctx, accountOf(r.Info.InstanceArn), regionOf(r.Info.InstanceArn))
	var deps []*deployedRevision
	var groups []string
	for gid, d := range r.Deployed {
		deps = append(deps, d)
		groups = append(groups, gid)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Time.Before(deps[j].Time) })
	for _, d := range deps {
		gid := ""
		for _, g := range groups {
			if r.Deployed[g] == d {
				gid = g
			}
		}
		spec, err := loadAppSpec(d.ArchiveDir)
		if err != nil {
			e.log.Warn("restart application: read appspec", "instance", r.Info.InstanceName, "err", err)
			continue
		}
		env := hookEnv(d.AppName, d.GroupName, gid, d.DeploymentID, "ApplicationStart", d.Revision)
		for _, sc := range spec.ScriptsFor("ApplicationStart") {
			res, err := e.runScript(ctx, r, d.ArchiveDir, "ApplicationStart", sc, env, d.DeploymentID)
			if err != nil || res.code != "Success" {
				msg := ""
				if res != nil {
					msg = res.message
				}
				e.log.Warn("restart application", "instance", r.Info.InstanceName, "script", sc.Location, "err", err, "result", msg)
				break
			}
		}
		e.log.Info("application restarted", "instance", r.Info.InstanceName, "deployment", d.DeploymentID)
	}
}

func loadAppSpec(archiveDir string) (*appspec.AppSpec, error) {
	for _, n := range []string{"appspec.yml", "appspec.yaml"} {
		b, err := os.ReadFile(filepath.Join(archiveDir, n))
		if err == nil {
			return appspec.Parse(b)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no appspec.yml in %s", archiveDir)
}

// ResolveInstance turns the name of a registered instance (as an instance
// target group holds it) into the address the load balancer sends its
// traffic to: 127.0.0.1 and the instance's port. It is what ELBv2's
// Options.ResolveInstance should call. The instance is looked up in ctx's
// account and region, or, when ctx carries none, in every account.
func (e *Engine) ResolveInstance(ctx context.Context, name string) (host string, port int, err error) {
	sc := scopeOf(ctx)
	var found *instanceRecord
	err = e.st.View(ctx, func(tx store.Tx) error {
		if sc.AccountID != "" {
			r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, name))
			if err == nil && r.Info.DeregisterTime.IsZero() {
				found = r
			}
			return nil
		}
		return tx.Scan(bucketInstances, store.ScanOptions{}, func(k string, v []byte) error {
			if !strings.HasSuffix(k, "/"+name) {
				return nil
			}
			var r instanceRecord
			if json.Unmarshal(v, &r) == nil && r.Info.InstanceName == name && r.Info.DeregisterTime.IsZero() {
				found = &r
				return store.ErrStop
			}
			return nil
		})
	})
	if err != nil {
		return "", 0, err
	}
	if found == nil || found.Port == 0 {
		return "", 0, fmt.Errorf("instance %s is not a registered skiff instance", name)
	}
	return "127.0.0.1", found.Port, nil
}
