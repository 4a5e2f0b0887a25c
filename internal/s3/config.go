package s3

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Bucket sub-resource configurations. Each type is the S3 XML document
// (what Put* receives and Get* returns) and is stored as JSON in the
// bucket record.

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// EncryptionConfig is a bucket's default encryption
// (ServerSideEncryptionConfiguration).
type EncryptionConfig struct {
	XMLName xml.Name         `xml:"ServerSideEncryptionConfiguration" json:"-"`
	NS      string           `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []EncryptionRule `xml:"Rule" json:"rules"`
}

// EncryptionRule is one rule of an EncryptionConfig.
type EncryptionRule struct {
	Default          *SSEDefault `xml:"ApplyServerSideEncryptionByDefault,omitempty" json:"default,omitempty"`
	BucketKeyEnabled *bool       `xml:"BucketKeyEnabled,omitempty" json:"bucketKey,omitempty"`
}

// SSEDefault is the default algorithm and KMS key.
type SSEDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm" json:"alg"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty" json:"kmsKey,omitempty"`
}

// defaultEncryption is what every bucket has since January 2023.
func defaultEncryption() *EncryptionConfig {
	f := false
	return &EncryptionConfig{Rules: []EncryptionRule{{Default: &SSEDefault{SSEAlgorithm: "AES256"}, BucketKeyEnabled: &f}}}
}

func validSSE(alg string) bool {
	return alg == "AES256" || alg == "aws:kms" || alg == "aws:kms:dsse"
}

func (c *EncryptionConfig) validate() error {
	if len(c.Rules) != 1 || c.Rules[0].Default == nil {
		return malformedXML()
	}
	d := c.Rules[0].Default
	if !validSSE(d.SSEAlgorithm) {
		return malformedXML()
	}
	if d.KMSMasterKeyID != "" && d.SSEAlgorithm == "AES256" {
		return errInvalidArgument.New("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
			With("ArgumentName", "ApplyServerSideEncryptionByDefault")
	}
	return nil
}

// PublicAccessBlockConfig is a bucket's Block Public Access settings.
type PublicAccessBlockConfig struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration" json:"-"`
	NS                    string   `xml:"xmlns,attr,omitempty" json:"-"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls" json:"blockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls" json:"ignorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy" json:"blockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets" json:"restrictPublicBuckets"`
}

// CORSConfig is a bucket's CORS configuration.
type CORSConfig struct {
	XMLName xml.Name   `xml:"CORSConfiguration" json:"-"`
	NS      string     `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []CORSRule `xml:"CORSRule" json:"rules"`
}

// CORSRule is one CORS rule.
type CORSRule struct {
	ID             string   `xml:"ID,omitempty" json:"id,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader" json:"allowedHeaders,omitempty"`
	AllowedMethods []string `xml:"AllowedMethod" json:"allowedMethods"`
	AllowedOrigins []string `xml:"AllowedOrigin" json:"allowedOrigins"`
	ExposeHeaders  []string `xml:"ExposeHeader" json:"exposeHeaders,omitempty"`
	MaxAgeSeconds  *int64   `xml:"MaxAgeSeconds,omitempty" json:"maxAge,omitempty"`
}

func (c *CORSConfig) validate() error {
	if len(c.Rules) == 0 || len(c.Rules) > 100 {
		return malformedXML()
	}
	for _, r := range c.Rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 || len(r.ID) > 255 {
			return malformedXML()
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "HEAD", "POST", "DELETE":
			default:
				return errInvalidRequest.New("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return errInvalidRequest.New("AllowedOrigin %q can not have more than one wildcard.", o)
			}
		}
	}
	return nil
}

// LifecycleConfig is a bucket's lifecycle configuration. skiff stores it
// and returns it; it does not run expirations or transitions.
type LifecycleConfig struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration" json:"-"`
	NS      string          `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []LifecycleRule `xml:"Rule" json:"rules"`
}

// LifecycleRule is one lifecycle rule.
type LifecycleRule struct {
	ID                             string                 `xml:"ID,omitempty" json:"id,omitempty"`
	Prefix                         *string                `xml:"Prefix" json:"prefix,omitempty"`
	Filter                         *LifecycleFilter       `xml:"Filter" json:"filter,omitempty"`
	Status                         string                 `xml:"Status" json:"status"`
	Transitions                    []Transition           `xml:"Transition" json:"transitions,omitempty"`
	NoncurrentVersionTransitions   []NoncurrentTransition `xml:"NoncurrentVersionTransition" json:"ncTransitions,omitempty"`
	Expiration                     *Expiration            `xml:"Expiration" json:"expiration,omitempty"`
	NoncurrentVersionExpiration    *NoncurrentExpiration  `xml:"NoncurrentVersionExpiration" json:"ncExpiration,omitempty"`
	AbortIncompleteMultipartUpload *AbortIncomplete       `xml:"AbortIncompleteMultipartUpload" json:"abortIncomplete,omitempty"`
}

// LifecycleFilter selects the objects a rule applies to.
type LifecycleFilter struct {
	Prefix                *string       `xml:"Prefix" json:"prefix,omitempty"`
	Tag                   *Tag          `xml:"Tag" json:"tag,omitempty"`
	ObjectSizeGreaterThan *int64        `xml:"ObjectSizeGreaterThan" json:"gt,omitempty"`
	ObjectSizeLessThan    *int64        `xml:"ObjectSizeLessThan" json:"lt,omitempty"`
	And                   *LifecycleAnd `xml:"And" json:"and,omitempty"`
}

// LifecycleAnd combines filter conditions.
type LifecycleAnd struct {
	Prefix                *string `xml:"Prefix" json:"prefix,omitempty"`
	Tags                  []Tag   `xml:"Tag" json:"tags,omitempty"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan" json:"gt,omitempty"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan" json:"lt,omitempty"`
}

// Transition moves current versions to another storage class.
type Transition struct {
	Date         string `xml:"Date,omitempty" json:"date,omitempty"`
	Days         *int64 `xml:"Days" json:"days,omitempty"`
	StorageClass string `xml:"StorageClass,omitempty" json:"class,omitempty"`
}

// NoncurrentTransition moves noncurrent versions.
type NoncurrentTransition struct {
	NoncurrentDays          *int64 `xml:"NoncurrentDays" json:"days,omitempty"`
	StorageClass            string `xml:"StorageClass,omitempty" json:"class,omitempty"`
	NewerNoncurrentVersions *int64 `xml:"NewerNoncurrentVersions" json:"newer,omitempty"`
}

// Expiration expires current versions.
type Expiration struct {
	Date                      string `xml:"Date,omitempty" json:"date,omitempty"`
	Days                      *int64 `xml:"Days" json:"days,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker" json:"edm,omitempty"`
}

// NoncurrentExpiration expires noncurrent versions.
type NoncurrentExpiration struct {
	NoncurrentDays          *int64 `xml:"NoncurrentDays" json:"days,omitempty"`
	NewerNoncurrentVersions *int64 `xml:"NewerNoncurrentVersions" json:"newer,omitempty"`
}

// AbortIncomplete aborts old multipart uploads.
type AbortIncomplete struct {
	DaysAfterInitiation *int64 `xml:"DaysAfterInitiation" json:"days,omitempty"`
}

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true, "FSX_OPENZFS": true,
}

var transitionClasses = map[string]bool{
	"GLACIER": true, "STANDARD_IA": true, "ONEZONE_IA": true, "INTELLIGENT_TIERING": true,
	"DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

func validDate(s string) bool {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return false
		}
	}
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

func (c *LifecycleConfig) validate() error {
	if len(c.Rules) == 0 || len(c.Rules) > 1000 {
		return malformedXML()
	}
	ids := map[string]bool{}
	for _, r := range c.Rules {
		if len(r.ID) > 255 {
			return invalidArgument("ID length should not exceed allowed limit of 255", "ID", r.ID)
		}
		if r.ID != "" {
			if ids[r.ID] {
				return invalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", r.ID)
			}
			ids[r.ID] = true
		}
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return malformedXML()
		}
		if r.Prefix != nil && r.Filter != nil {
			return malformedXML()
		}
		if f := r.Filter; f != nil {
			n := 0
			if f.Prefix != nil {
				n++
			}
			if f.Tag != nil {
				n++
			}
			if f.ObjectSizeGreaterThan != nil {
				n++
			}
			if f.ObjectSizeLessThan != nil {
				n++
			}
			if f.And != nil {
				n++
			}
			if n > 1 {
				return malformedXML()
			}
		}
		if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && len(r.Transitions) == 0 &&
			len(r.NoncurrentVersionTransitions) == 0 && r.AbortIncompleteMultipartUpload == nil {
			return errInvalidRequest.New("At least one action needs to be specified in a rule")
		}
		if e := r.Expiration; e != nil {
			set := 0
			if e.Days != nil {
				set++
				if *e.Days <= 0 {
					return invalidArgument("'Days' for Expiration action must be a positive integer", "Days", fmt.Sprint(*e.Days))
				}
			}
			if e.Date != "" {
				set++
				if !validDate(e.Date) {
					return invalidArgument("'Date' must be at midnight GMT", "Date", e.Date)
				}
			}
			if e.ExpiredObjectDeleteMarker != nil {
				set++
			}
			if set != 1 {
				return malformedXML()
			}
		}
		for _, t := range r.Transitions {
			if !transitionClasses[t.StorageClass] {
				return malformedXML()
			}
			if (t.Days == nil) == (t.Date == "") {
				return malformedXML()
			}
			if t.Date != "" && !validDate(t.Date) {
				return invalidArgument("'Date' must be at midnight GMT", "Date", t.Date)
			}
			if t.Days != nil && *t.Days < 0 {
				return invalidArgument("'Days' in Transition action must be nonnegative", "Days", fmt.Sprint(*t.Days))
			}
		}
		for _, t := range r.NoncurrentVersionTransitions {
			if !transitionClasses[t.StorageClass] || t.NoncurrentDays == nil {
				return malformedXML()
			}
		}
		if e := r.NoncurrentVersionExpiration; e != nil && (e.NoncurrentDays == nil || *e.NoncurrentDays <= 0) {
			return invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", "NoncurrentDays", "")
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil && (a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0) {
			return invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", "DaysAfterInitiation", "")
		}
	}
	return nil
}

// OwnershipControls is a bucket's object ownership setting.
type OwnershipControls struct {
	XMLName xml.Name        `xml:"OwnershipControls" json:"-"`
	NS      string          `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []OwnershipRule `xml:"Rule" json:"rules"`
}

// OwnershipRule holds the ObjectOwnership value.
type OwnershipRule struct {
	ObjectOwnership string `xml:"ObjectOwnership" json:"objectOwnership"`
}

func (c *OwnershipControls) validate() error {
	if len(c.Rules) != 1 {
		return malformedXML()
	}
	switch c.Rules[0].ObjectOwnership {
	case "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
		return nil
	}
	return malformedXML()
}

func (c *OwnershipControls) enforced() bool {
	return c != nil && len(c.Rules) == 1 && c.Rules[0].ObjectOwnership == "BucketOwnerEnforced"
}

// WebsiteConfig is a bucket's static website configuration.
type WebsiteConfig struct {
	XMLName               xml.Name       `xml:"WebsiteConfiguration" json:"-"`
	NS                    string         `xml:"xmlns,attr,omitempty" json:"-"`
	RedirectAllRequestsTo *RedirectAll   `xml:"RedirectAllRequestsTo,omitempty" json:"redirectAll,omitempty"`
	IndexDocument         *IndexDocument `xml:"IndexDocument,omitempty" json:"index,omitempty"`
	ErrorDocument         *ErrorDocument `xml:"ErrorDocument,omitempty" json:"error,omitempty"`
	RoutingRules          []RoutingRule  `xml:"RoutingRules>RoutingRule,omitempty" json:"routingRules,omitempty"`
}

// RedirectAll redirects every request to another host.
type RedirectAll struct {
	HostName string `xml:"HostName" json:"host"`
	Protocol string `xml:"Protocol,omitempty" json:"protocol,omitempty"`
}

// IndexDocument is the index suffix.
type IndexDocument struct {
	Suffix string `xml:"Suffix" json:"suffix"`
}

// ErrorDocument is the error page key.
type ErrorDocument struct {
	Key string `xml:"Key" json:"key"`
}

// RoutingRule is one website redirect rule.
type RoutingRule struct {
	Condition *RoutingCondition `xml:"Condition,omitempty" json:"condition,omitempty"`
	Redirect  RoutingRedirect   `xml:"Redirect" json:"redirect"`
}

// RoutingCondition selects requests for a routing rule.
type RoutingCondition struct {
	HttpErrorCodeReturnedEquals string `xml:"HttpErrorCodeReturnedEquals,omitempty" json:"code,omitempty"`
	KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty" json:"prefix,omitempty"`
}

// RoutingRedirect is where a routing rule redirects.
type RoutingRedirect struct {
	HostName             string `xml:"HostName,omitempty" json:"host,omitempty"`
	HttpRedirectCode     string `xml:"HttpRedirectCode,omitempty" json:"code,omitempty"`
	Protocol             string `xml:"Protocol,omitempty" json:"protocol,omitempty"`
	ReplaceKeyPrefixWith string `xml:"ReplaceKeyPrefixWith,omitempty" json:"replacePrefix,omitempty"`
	ReplaceKeyWith       string `xml:"ReplaceKeyWith,omitempty" json:"replaceKey,omitempty"`
}

func (c *WebsiteConfig) validate() error {
	if c.RedirectAllRequestsTo != nil {
		if c.IndexDocument != nil || c.ErrorDocument != nil || len(c.RoutingRules) > 0 {
			return invalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "not null")
		}
		if c.RedirectAllRequestsTo.HostName == "" {
			return malformedXML()
		}
		if p := c.RedirectAllRequestsTo.Protocol; p != "" && p != "http" && p != "https" {
			return invalidArgument("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.", "RedirectAllRequestsTo", p)
		}
		return nil
	}
	if c.IndexDocument == nil || c.IndexDocument.Suffix == "" {
		return invalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "null")
	}
	if strings.Contains(c.IndexDocument.Suffix, "/") {
		return invalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", c.IndexDocument.Suffix)
	}
	if c.ErrorDocument != nil && c.ErrorDocument.Key == "" {
		return invalidArgument("The ErrorDocument Key is not well formed", "ErrorDocument", "")
	}
	for _, r := range c.RoutingRules {
		rd := r.Redirect
		if rd.ReplaceKeyPrefixWith != "" && rd.ReplaceKeyWith != "" {
			return invalidArgument("You can only define ReplaceKeyPrefix or ReplaceKey but not both.", "Redirect", "")
		}
		if p := rd.Protocol; p != "" && p != "http" && p != "https" {
			return invalidArgument("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.", "Protocol", p)
		}
	}
	return nil
}

// ObjectLockConfig is a bucket's Object Lock configuration.
type ObjectLockConfig struct {
	XMLName           xml.Name        `xml:"ObjectLockConfiguration" json:"-"`
	NS                string          `xml:"xmlns,attr,omitempty" json:"-"`
	ObjectLockEnabled string          `xml:"ObjectLockEnabled,omitempty" json:"enabled,omitempty"`
	Rule              *ObjectLockRule `xml:"Rule,omitempty" json:"rule,omitempty"`
}

// ObjectLockRule holds the default retention.
type ObjectLockRule struct {
	DefaultRetention *DefaultRetention `xml:"DefaultRetention" json:"retention,omitempty"`
}

// DefaultRetention is the default retention mode and period.
type DefaultRetention struct {
	Mode  string `xml:"Mode,omitempty" json:"mode,omitempty"`
	Days  *int64 `xml:"Days,omitempty" json:"days,omitempty"`
	Years *int64 `xml:"Years,omitempty" json:"years,omitempty"`
}

func (c *ObjectLockConfig) validate() error {
	if c.ObjectLockEnabled != "" && c.ObjectLockEnabled != "Enabled" {
		return malformedXML()
	}
	if c.Rule != nil {
		d := c.Rule.DefaultRetention
		if d == nil {
			return malformedXML()
		}
		if d.Mode != "GOVERNANCE" && d.Mode != "COMPLIANCE" {
			return malformedXML()
		}
		if (d.Days == nil) == (d.Years == nil) {
			return malformedXML()
		}
		if (d.Days != nil && *d.Days <= 0) || (d.Years != nil && *d.Years <= 0) {
			return invalidArgument("Default retention period must be a positive integer value", "DefaultRetention", "")
		}
	}
	return nil
}

// validateTags checks a tag set as S3 does; max is 50 for buckets and 10
// for objects. System ("aws:") keys are rejected unless allowSystem.
func validateTags(tags []Tag, max int, allowSystem bool) error {
	if len(tags) > max {
		if max == 10 {
			return errBadRequestTags("Object tags cannot be greater than 10")
		}
		return errInvalidTag.New("Bucket tag count cannot be greater than %d", max)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 {
			return errInvalidTag.New("The TagKey you have provided is invalid").With("TagKey", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return errInvalidTag.New("The TagValue you have provided is invalid").With("TagKey", t.Key).With("TagValue", t.Value)
		}
		if seen[t.Key] {
			return errInvalidTag.New("Cannot provide multiple Tags with the same key").With("TagKey", t.Key)
		}
		seen[t.Key] = true
		if !allowSystem && isSystemTag(t.Key) {
			return errInvalidTag.New("System tags cannot be added/updated by requester").With("TagKey", t.Key)
		}
	}
	return nil
}

func errBadRequestTags(msg string) *apierr.Error {
	return errInvalidTag.New("%s", msg)
}
