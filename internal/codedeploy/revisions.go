package codedeploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// revisionKey identifies a revision within an application.
func revisionKey(r *RevisionLocation) string {
	switch {
	case r.S3Location != nil:
		s := r.S3Location
		return "s3:" + url.PathEscape(s.Bucket) + "/" + url.PathEscape(s.Key) + "#" + url.PathEscape(s.Version) + "#" + url.PathEscape(s.ETag) + "#" + s.BundleType
	case r.GitHubLocation != nil:
		return "github:" + url.PathEscape(r.GitHubLocation.Repository) + "@" + r.GitHubLocation.CommitID
	case r.AppSpecContent != nil:
		h := sha256.Sum256([]byte(r.AppSpecContent.Content))
		return "appspec:" + hex.EncodeToString(h[:])
	case r.String != nil:
		h := sha256.Sum256([]byte(r.String.Content))
		return "string:" + hex.EncodeToString(h[:])
	}
	return "unknown"
}

// normalizeRevision fills revisionType from the member given, as the
// console and the CLI's --s3-location do, and checks the shape.
func normalizeRevision(r *RevisionLocation) error {
	if r == nil {
		return errRevisionRequired.New("The revision must be specified.")
	}
	if r.RevisionType == "" {
		switch {
		case r.S3Location != nil:
			r.RevisionType = "S3"
		case r.GitHubLocation != nil:
			r.RevisionType = "GitHub"
		case r.AppSpecContent != nil:
			r.RevisionType = "AppSpecContent"
		case r.String != nil:
			r.RevisionType = "String"
		default:
			return errRevisionRequired.New("The revision must be specified.")
		}
	}
	switch r.RevisionType {
	case "S3":
		s := r.S3Location
		if s == nil || s.Bucket == "" || s.Key == "" {
			return errInvalidRevision.New("An S3 revision requires s3Location with a bucket and a key.")
		}
		if s.BundleType != "" && !contains([]string{"tar", "tgz", "zip", "YAML", "JSON"}, s.BundleType) {
			return errInvalidRevision.New("The bundle type %s is invalid. Valid values are tar, tgz, zip, YAML and JSON.", s.BundleType)
		}
	case "GitHub":
		if r.GitHubLocation == nil || r.GitHubLocation.Repository == "" || r.GitHubLocation.CommitID == "" {
			return errInvalidRevision.New("A GitHub revision requires gitHubLocation with a repository and a commit ID.")
		}
	case "AppSpecContent":
		if r.AppSpecContent == nil || r.AppSpecContent.Content == "" {
			return errInvalidRevision.New("An AppSpecContent revision requires appSpecContent with content.")
		}
		if err := checkSha(r.AppSpecContent); err != nil {
			return err
		}
	case "String":
		if r.String == nil || r.String.Content == "" {
			return errInvalidRevision.New("A String revision requires string with content.")
		}
		if err := checkSha(r.String); err != nil {
			return err
		}
	default:
		return errInvalidRevision.New("The revision type %s is invalid. Valid values are S3, GitHub, String and AppSpecContent.", r.RevisionType)
	}
	return nil
}

func checkSha(s *RawString) error {
	if s.Sha256 == "" {
		return nil
	}
	h := sha256.Sum256([]byte(s.Content))
	if !strings.EqualFold(hex.EncodeToString(h[:]), s.Sha256) {
		return errInvalidRevision.New("The SHA-256 hash of the revision content does not match the sha256 that was given.")
	}
	return nil
}

// deployableRevision checks that a Server deployment can use the revision:
// an S3 archive (zip, tar or tgz; the type is taken from the key's
// extension when not given).
func deployableRevision(r *RevisionLocation) error {
	if err := normalizeRevision(r); err != nil {
		return err
	}
	switch r.RevisionType {
	case "S3":
		s := r.S3Location
		if s.BundleType == "" {
			k := strings.ToLower(s.Key)
			switch {
			case strings.HasSuffix(k, ".zip"):
				s.BundleType = "zip"
			case strings.HasSuffix(k, ".tar"):
				s.BundleType = "tar"
			case strings.HasSuffix(k, ".tgz"), strings.HasSuffix(k, ".tar.gz"):
				s.BundleType = "tgz"
			default:
				return errInvalidRevision.New("The bundle type of the S3 revision s3://%s/%s must be given: zip, tar or tgz.", s.Bucket, s.Key)
			}
		}
		if s.BundleType == "YAML" || s.BundleType == "JSON" {
			return errInvalidRevision.New("The bundle type %s is for ECS and Lambda deployments; a Server deployment needs a zip, tar or tgz archive.", s.BundleType)
		}
		return nil
	case "GitHub":
		return errInvalidRevision.New("GitHub revisions are not supported by skiff: upload the revision to S3 (aws deploy push) and deploy it from there.")
	}
	return errInvalidRevision.New("The revision type %s is for ECS and Lambda deployments; a Server deployment needs an S3 revision (a zip, tar or tgz archive with an appspec.yml).", r.RevisionType)
}

// describeRevision is a short human form of a revision.
func describeRevision(r *RevisionLocation) string {
	switch {
	case r == nil:
		return ""
	case r.S3Location != nil:
		s := "s3://" + r.S3Location.Bucket + "/" + r.S3Location.Key
		if r.S3Location.Version != "" {
			s += "?versionId=" + r.S3Location.Version
		}
		return s
	case r.GitHubLocation != nil:
		return "github:" + r.GitHubLocation.Repository + "@" + r.GitHubLocation.CommitID
	case r.AppSpecContent != nil:
		return "appspec content"
	case r.String != nil:
		return "string"
	}
	return ""
}

func revKey(app string, r *RevisionLocation) string { return app + "/" + revisionKey(r) }

// noteRevision records a revision's use by a deployment group (or its
// registration) inside tx.
func noteRevision(tx store.Tx, prefix, app string, r *RevisionLocation, group, description string, registered bool, now time.Time) error {
	key := prefix + revKey(app, r)
	rec, err := getJSON[revisionRecord](tx, bucketRevisions, key)
	if err == store.ErrNotFound {
		rec = &revisionRecord{Location: *r, Info: GenericRevisionInfo{DeploymentGroups: []string{}}}
	} else if err != nil {
		return err
	}
	if registered {
		rec.Info.RegisterTime = now
		if description != "" {
			rec.Info.Description = description
		}
	}
	if group != "" {
		if rec.Info.FirstUsedTime.IsZero() {
			rec.Info.FirstUsedTime = now
		}
		rec.Info.LastUsedTime = now
		if !contains(rec.Info.DeploymentGroups, group) {
			rec.Info.DeploymentGroups = append(rec.Info.DeploymentGroups, group)
		}
		if rec.Info.RegisterTime.IsZero() {
			rec.Info.RegisterTime = now
		}
	}
	return tx.Put(bucketRevisions, key, rec)
}

// RegisterApplicationRevision records a revision with an application.
func (e *Engine) RegisterApplicationRevision(ctx context.Context, app, description string, r *RevisionLocation) error {
	if len(description) > 1000 {
		return errDescriptionTooLong.New("The description is too long.")
	}
	if err := normalizeRevision(r); err != nil {
		return err
	}
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		return noteRevision(tx, scopePrefix(sc), app, r, "", description, true, e.now())
	})
}

// GetApplicationRevision returns what is known about a revision.
func (e *Engine) GetApplicationRevision(ctx context.Context, app string, r *RevisionLocation) (*GenericRevisionInfo, error) {
	if err := normalizeRevision(r); err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var out *GenericRevisionInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		rec, err := getJSON[revisionRecord](tx, bucketRevisions, scopePrefix(sc)+revKey(app, r))
		if err == store.ErrNotFound {
			return errRevisionDoesNotExist.New("The revision %s does not exist for the application %s.", describeRevision(r), app)
		}
		if err != nil {
			return err
		}
		out = &rec.Info
		return nil
	})
	return out, err
}

// BatchGetApplicationRevisions returns revisions that exist, and an error
// message naming the others.
func (e *Engine) BatchGetApplicationRevisions(ctx context.Context, app string, revs []RevisionLocation) ([]RevisionInfo, string, error) {
	if len(revs) == 0 {
		return nil, "", errRevisionRequired.New("The revision must be specified.")
	}
	if len(revs) > 25 {
		return nil, "", errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (25) was exceeded.")
	}
	sc := scopeOf(ctx)
	out := []RevisionInfo{}
	var missing []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		for i := range revs {
			if err := normalizeRevision(&revs[i]); err != nil {
				return err
			}
			rec, err := getJSON[revisionRecord](tx, bucketRevisions, scopePrefix(sc)+revKey(app, &revs[i]))
			if err == store.ErrNotFound {
				missing = append(missing, describeRevision(&revs[i]))
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, RevisionInfo{RevisionLocation: rec.Location, GenericRevisionInfo: rec.Info})
		}
		return nil
	})
	msg := ""
	if len(missing) > 0 {
		msg = "The following revisions do not exist: " + strings.Join(missing, ", ")
	}
	return out, msg, err
}

// ListRevisionsInput filters ListApplicationRevisions.
type ListRevisionsInput struct {
	SortBy, SortOrder, S3Bucket, S3KeyPrefix, Deployed, NextToken string
}

// ListApplicationRevisions lists an application's revisions.
func (e *Engine) ListApplicationRevisions(ctx context.Context, app string, in ListRevisionsInput) ([]RevisionLocation, string, error) {
	switch in.SortBy {
	case "", "registerTime", "firstUsedTime", "lastUsedTime":
	default:
		return nil, "", errInvalidSortBy.New("The column name to sort by is either not present or was specified in an invalid format.")
	}
	switch in.SortOrder {
	case "", "ascending", "descending":
	default:
		return nil, "", errInvalidSortOrder.New("The sort order was specified in an invalid format.")
	}
	switch in.Deployed {
	case "", "include", "exclude", "ignore":
	default:
		return nil, "", errInvalidDeployedStateFilter.New("The deployed state filter was specified in an invalid format.")
	}
	if in.S3KeyPrefix != "" && in.S3Bucket == "" {
		return nil, "", errBucketNameFilterRequired.New("A bucket name is required, but was not provided.")
	}
	sc := scopeOf(ctx)
	var recs []*revisionRecord
	targets := map[string]bool{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		tx.Scan(bucketGroups, store.ScanOptions{Prefix: scopePrefix(sc) + app + "/"}, func(_ string, v []byte) error {
			var g groupRecord
			if json.Unmarshal(v, &g) == nil && g.Info.TargetRevision != nil {
				targets[revisionKey(g.Info.TargetRevision)] = true
			}
			return nil
		})
		return tx.Scan(bucketRevisions, store.ScanOptions{Prefix: scopePrefix(sc) + app + "/"}, func(_ string, v []byte) error {
			var r revisionRecord
			if json.Unmarshal(v, &r) == nil {
				recs = append(recs, &r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	var keep []*revisionRecord
	for _, r := range recs {
		if in.S3Bucket != "" && (r.Location.S3Location == nil || r.Location.S3Location.Bucket != in.S3Bucket || !strings.HasPrefix(r.Location.S3Location.Key, in.S3KeyPrefix)) {
			continue
		}
		isTarget := targets[revisionKey(&r.Location)]
		if in.Deployed == "include" && !isTarget || in.Deployed == "exclude" && isTarget {
			continue
		}
		keep = append(keep, r)
	}
	at := func(r *revisionRecord) time.Time {
		switch in.SortBy {
		case "firstUsedTime":
			return r.Info.FirstUsedTime
		case "lastUsedTime":
			return r.Info.LastUsedTime
		}
		return r.Info.RegisterTime
	}
	sort.SliceStable(keep, func(i, j int) bool {
		if in.SortOrder == "descending" {
			return at(keep[i]).After(at(keep[j]))
		}
		return at(keep[i]).Before(at(keep[j]))
	})
	start := 0
	if in.NextToken != "" {
		s, ok := decodeToken(in.NextToken)
		if !ok {
			return nil, "", errInvalidNextToken.New("The next token was specified in an invalid format.")
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, "", errInvalidNextToken.New("The next token was specified in an invalid format.")
		}
		start = min(n, len(keep))
	}
	end := min(start+100, len(keep))
	out := []RevisionLocation{}
	for _, r := range keep[start:end] {
		out = append(out, r.Location)
	}
	next := ""
	if end < len(keep) {
		next = encodeToken(strconv.Itoa(end))
	}
	return out, next, nil
}
