package codedeploy

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func appKey(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name }

func appNotFound(name string) *apierr.Error {
	return ErrApplicationDoesNotExist.New("The application %s does not exist with the user or AWS account.", name)
}

func checkAppName(name string) error {
	if name == "" {
		return errApplicationNameRequired.New("The application name must be specified.")
	}
	if !validName(name) {
		return errInvalidApplicationName.New("The application name is invalid: %s. Application names can have up to 100 characters: letters, numbers, and . _ - + = , @", name)
	}
	return nil
}

func (e *Engine) getApp(tx store.Tx, sc awsctx.Scope, name string) (*appRecord, error) {
	if err := checkAppName(name); err != nil {
		return nil, err
	}
	a, err := getJSON[appRecord](tx, bucketApps, appKey(sc, name))
	if err == store.ErrNotFound {
		return nil, appNotFound(name)
	}
	return a, err
}

// CreateApplication creates an application. Only the Server compute
// platform is served; ECS and Lambda are refused.
func (e *Engine) CreateApplication(ctx context.Context, name, platform string, tags []Tag) (string, error) {
	if err := checkAppName(name); err != nil {
		return "", err
	}
	if platform == "" {
		platform = PlatformServer
	}
	switch platform {
	case PlatformServer:
	case PlatformECS, PlatformLambda:
		return "", errInvalidComputePlatform.New("The compute platform %s is not supported by skiff yet; create a Server application to deploy to local instances.", platform)
	default:
		return "", errInvalidComputePlatform.New("The compute platform %s is invalid. Valid values are Server, Lambda and ECS.", platform)
	}
	if err := validateTags(tags); err != nil {
		return "", err
	}
	sc := scopeOf(ctx)
	rec := &appRecord{Info: ApplicationInfo{ApplicationID: newUUID(), ApplicationName: name, CreateTime: e.now(), ComputePlatform: platform}, Tags: tagsToMap(tags)}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketApps, appKey(sc, name)); err == nil {
			return errApplicationAlreadyExists.New("The application %s already exists with the user or AWS account.", name)
		}
		return tx.Put(bucketApps, appKey(sc, name), rec)
	})
	if err != nil {
		return "", err
	}
	return rec.Info.ApplicationID, nil
}

// GetApplication returns an application.
func (e *Engine) GetApplication(ctx context.Context, name string) (*ApplicationInfo, error) {
	var out *ApplicationInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		a, err := e.getApp(tx, scopeOf(ctx), name)
		if err != nil {
			return err
		}
		out = &a.Info
		return nil
	})
	return out, err
}

// BatchGetApplications returns up to 100 applications; a missing one is
// an error, as in AWS.
func (e *Engine) BatchGetApplications(ctx context.Context, names []string) ([]ApplicationInfo, error) {
	if len(names) > 100 {
		return nil, errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (100) was exceeded.")
	}
	var out []ApplicationInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		for _, n := range names {
			a, err := e.getApp(tx, scopeOf(ctx), n)
			if err != nil {
				return err
			}
			out = append(out, a.Info)
		}
		return nil
	})
	return out, err
}

// ListApplications lists application names in order, 100 per page.
func (e *Engine) ListApplications(ctx context.Context, token string) ([]string, string, error) {
	sc := scopeOf(ctx)
	var names []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketApps, store.ScanOptions{Prefix: scopePrefix(sc)}, func(k string, _ []byte) error {
			names = append(names, strings.TrimPrefix(k, scopePrefix(sc)))
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(names, token, 100)
}

// UpdateApplication renames an application (and its deployment groups'
// references).
func (e *Engine) UpdateApplication(ctx context.Context, name, newName string) error {
	if name == "" {
		return errApplicationNameRequired.New("The application name must be specified.")
	}
	if newName == "" || newName == name {
		return e.st.View(ctx, func(tx store.Tx) error { _, err := e.getApp(tx, scopeOf(ctx), name); return err })
	}
	if err := checkAppName(newName); err != nil {
		return err
	}
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		a, err := e.getApp(tx, sc, name)
		if err != nil {
			return err
		}
		if _, err := tx.GetRaw(bucketApps, appKey(sc, newName)); err == nil {
			return errApplicationAlreadyExists.New("The application %s already exists with the user or AWS account.", newName)
		}
		a.Info.ApplicationName = newName
		if err := tx.Delete(bucketApps, appKey(sc, name)); err != nil {
			return err
		}
		if err := tx.Put(bucketApps, appKey(sc, newName), a); err != nil {
			return err
		}
		// Move the groups and revisions.
		for _, b := range []string{bucketGroups, bucketRevisions} {
			type kv struct {
				k string
				v []byte
			}
			var moved []kv
			pre := scopePrefix(sc) + name + "/"
			tx.Scan(b, store.ScanOptions{Prefix: pre}, func(k string, v []byte) error {
				moved = append(moved, kv{k, append([]byte(nil), v...)})
				return nil
			})
			for _, m := range moved {
				v := m.v
				if b == bucketGroups {
					var g groupRecord
					if json.Unmarshal(v, &g) == nil {
						g.Info.ApplicationName = newName
						v, _ = json.Marshal(&g)
					}
				}
				tx.Delete(b, m.k)
				tx.PutRaw(b, scopePrefix(sc)+newName+"/"+strings.TrimPrefix(m.k, pre), v)
			}
		}
		return nil
	})
}

// DeleteApplication deletes an application with its deployment groups and
// registered revisions. Deleting a missing application is not an error.
func (e *Engine) DeleteApplication(ctx context.Context, name string) error {
	if err := checkAppName(name); err != nil {
		return err
	}
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		var active []string
		tx.Scan(bucketGroups, store.ScanOptions{Prefix: scopePrefix(sc) + name + "/"}, func(_ string, v []byte) error {
			var g groupRecord
			if json.Unmarshal(v, &g) == nil && g.Active != "" {
				active = append(active, g.Active)
			}
			return nil
		})
		if len(active) > 0 {
			return errInvalidOperation.New("The application %s has a deployment in progress (%s); stop it before deleting the application.", name, active[0])
		}
		if err := tx.Delete(bucketApps, appKey(sc, name)); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(bucketGroups, scopePrefix(sc)+name+"/"); err != nil {
			return err
		}
		_, err := tx.DeletePrefix(bucketRevisions, scopePrefix(sc)+name+"/")
		return err
	})
}

// paginate pages a sorted list with an opaque token (the last name
// returned).
func paginate(all []string, token string, size int) ([]string, string, error) {
	sort.Strings(all)
	start := 0
	if token != "" {
		last, ok := decodeToken(token)
		if !ok {
			return nil, "", errInvalidNextToken.New("The next token was specified in an invalid format.")
		}
		start = sort.SearchStrings(all, last)
		if start < len(all) && all[start] == last {
			start++
		}
	}
	end := min(start+size, len(all))
	page := all[start:end]
	next := ""
	if end < len(all) {
		next = encodeToken(all[end-1])
	}
	if page == nil {
		page = []string{}
	}
	return page, next, nil
}

func validateTags(tags []Tag) error {
	if len(tags) > 50 {
		return errInvalidTagsToAdd.New("The number of tags exceeds the maximum of 50.")
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTagsToAdd.New("The specified tags are not valid: tag keys must have 1 to 128 characters, values at most 256, and keys cannot start with aws:.")
		}
	}
	return nil
}

// --- resource tags (TagResource, UntagResource, ListTagsForResource) ---

// resourceRef resolves a CodeDeploy ARN to a record: application,
// deploymentgroup or deploymentconfig.
func (e *Engine) resourceRef(ctx context.Context, arn string) (bucket, key string, sc awsctx.Scope, err error) {
	if arn == "" {
		return "", "", sc, errResourceArnRequired.New("The ARN of a resource is required, but was not found.")
	}
	p, ok := awsctx.ParseARN(arn)
	if !ok || p.Service != "codedeploy" {
		return "", "", sc, errInvalidArn.New("The specified ARN is not in a valid format.")
	}
	sc = awsctx.Scope{AccountID: p.Account, Region: p.Region}
	kind, name, _ := strings.Cut(p.Resource, ":")
	switch kind {
	case "application":
		return bucketApps, appKey(sc, name), sc, nil
	case "deploymentgroup":
		app, group, ok := strings.Cut(name, "/")
		if !ok {
			return "", "", sc, errInvalidArn.New("The specified ARN is not in a valid format.")
		}
		return bucketGroups, groupKey(sc, app, group), sc, nil
	case "deploymentconfig":
		return bucketConfigs, scopePrefix(sc) + name, sc, nil
	}
	return "", "", sc, errArnNotSupported.New("The specified ARN is not supported. For example, it might be an ARN for a resource that is not expected.")
}

func notFoundFor(bucket, key string) error {
	name := key[strings.LastIndex(key, "/")+1:]
	switch bucket {
	case bucketApps:
		return appNotFound(name)
	case bucketGroups:
		return groupNotFound(name)
	}
	return configNotFound(name)
}

func (e *Engine) editTags(ctx context.Context, arn string, fn func(tags map[string]string) map[string]string) error {
	bucket, key, _, err := e.resourceRef(ctx, arn)
	if err != nil {
		return err
	}
	if bucket == bucketConfigs && strings.HasPrefix(key[strings.LastIndex(key, "/")+1:], predefinedPrefix) {
		return errInvalidTagsToAdd.New("Tags cannot be added to the predefined deployment configurations.")
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		var raw map[string]json.RawMessage
		if err := tx.Get(bucket, key, &raw); err == store.ErrNotFound {
			return notFoundFor(bucket, key)
		} else if err != nil {
			return err
		}
		var tags map[string]string
		if t, ok := raw["tags"]; ok {
			json.Unmarshal(t, &tags)
		}
		if tags == nil {
			tags = map[string]string{}
		}
		tags = fn(tags)
		if len(tags) > 50 {
			return errInvalidTagsToAdd.New("The number of tags exceeds the maximum of 50.")
		}
		b, _ := json.Marshal(tags)
		raw["tags"] = b
		return tx.Put(bucket, key, raw)
	})
}

// TagResource adds tags to an application, deployment group or custom
// deployment config.
func (e *Engine) TagResource(ctx context.Context, arn string, tags []Tag) error {
	if len(tags) == 0 {
		return errTagRequired.New("A tag was not specified.")
	}
	if err := validateTags(tags); err != nil {
		return err
	}
	return e.editTags(ctx, arn, func(m map[string]string) map[string]string {
		for _, t := range tags {
			m[t.Key] = t.Value
		}
		return m
	})
}

// UntagResource removes tags by key.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	if len(keys) == 0 {
		return errTagRequired.New("A tag was not specified.")
	}
	return e.editTags(ctx, arn, func(m map[string]string) map[string]string {
		for _, k := range keys {
			delete(m, k)
		}
		return m
	})
}

// ListTagsForResource lists a resource's tags.
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	bucket, key, _, err := e.resourceRef(ctx, arn)
	if err != nil {
		return nil, err
	}
	if bucket == bucketConfigs && strings.HasPrefix(key[strings.LastIndex(key, "/")+1:], predefinedPrefix) {
		return []Tag{}, nil
	}
	var out []Tag
	err = e.st.View(ctx, func(tx store.Tx) error {
		var raw struct {
			Tags map[string]string `json:"tags"`
		}
		if err := tx.Get(bucket, key, &raw); err == store.ErrNotFound {
			return notFoundFor(bucket, key)
		} else if err != nil {
			return err
		}
		out = mapToTags(raw.Tags)
		return nil
	})
	return out, err
}
