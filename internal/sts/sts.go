// Package sts serves the Security Token Service: who am I, and temporary
// credentials for roles (AssumeRole) and users (GetSessionToken). Issued
// credentials are durable and verified by the gateway like any key: the
// request must carry the session token, and expired ones are refused with
// AWS's ExpiredToken.
package sts

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	"math/big"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/store"
)

const bSessions = "sts/sessions" // access key id → session

var (
	errValidation   = apierr.ValidationError
	errAccessDenied = apierr.Code{Name: "AccessDenied", Status: 403}
)

// Roles answers which roles exist (the IAM engine, adapted by the server).
type Roles interface {
	// Role returns the role's id and maximum session duration (seconds).
	Role(ctx context.Context, account, name string) (id string, maxSession int32, ok bool)
}

// Session is one set of temporary credentials.
type Session struct {
	AccessKeyID     string    `json:"akid"`
	SecretAccessKey string    `json:"secret"`
	SessionToken    string    `json:"token"`
	AccountID       string    `json:"account"`
	Principal       string    `json:"principal"` // assumed-role or user ARN
	AssumedRoleID   string    `json:"assumedRoleId,omitempty"`
	Expires         time.Time `json:"expires"`
}

// Engine issues and resolves temporary credentials.
type Engine struct {
	st    store.Store
	roles Roles
	now   func() time.Time
	// mu guards cache: sessions are looked up on every request signed
	// with them, so they are kept in memory after first use.
	mu    sync.Mutex
	cache map[string]*Session
}

// New returns an engine.
func New(st store.Store, roles Roles) *Engine {
	return &Engine{st: st, roles: roles, now: time.Now, cache: map[string]*Session{}}
}

// Lookup resolves a temporary access key for the gateway.
func (e *Engine) Lookup(ctx context.Context, akid string) (awswire.Credential, bool) {
	if !strings.HasPrefix(akid, "ASIA") {
		return awswire.Credential{}, false
	}
	e.mu.Lock()
	s := e.cache[akid]
	e.mu.Unlock()
	if s == nil {
		var x Session
		if err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bSessions, akid, &x) }); err != nil {
			return awswire.Credential{}, false
		}
		s = &x
		e.mu.Lock()
		e.cache[akid] = s
		e.mu.Unlock()
	}
	return awswire.Credential{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, AccountID: s.AccountID,
		Principal: s.Principal, SessionToken: s.SessionToken, Expires: s.Expires}, true
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// AssumeRole issues credentials acting as roleARN.
func (e *Engine) AssumeRole(ctx context.Context, roleARN, sessionName string, duration time.Duration) (*Session, error) {
	sc := awsctx.From(ctx)
	if !sessionNameRE.MatchString(sessionName) {
		return nil, errValidation.New("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", sessionName)
	}
	a, ok := awsctx.ParseARN(roleARN)
	if !ok || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return nil, errValidation.New("%s is invalid", roleARN)
	}
	name := a.Resource[strings.LastIndex(a.Resource, "/")+1:]
	id, maxSession, found := "", int32(3600), false
	if e.roles != nil {
		id, maxSession, found = e.roles.Role(ctx, a.Account, name)
	}
	if !found || a.Account != sc.AccountID {
		return nil, errAccessDenied.New("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", sc.Principal, roleARN)
	}
	if duration == 0 {
		duration = time.Hour
	}
	if duration < 15*time.Minute || duration > time.Duration(maxSession)*time.Second {
		return nil, errValidation.New("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	s := e.newSession(sc.AccountID, "arn:aws:sts::"+a.Account+":assumed-role/"+name+"/"+sessionName, duration)
	s.AssumedRoleID = id + ":" + sessionName
	return s, e.save(ctx, s)
}

// ForService issues credentials for a role on behalf of an AWS service
// running in the account (CodeBuild's service role): the role must exist in
// the context's account, but no caller is checked.
func (e *Engine) ForService(ctx context.Context, roleARN, sessionName string, duration time.Duration) (*Session, error) {
	sc := awsctx.From(ctx)
	a, ok := awsctx.ParseARN(roleARN)
	if !ok || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return nil, errValidation.New("%s is not a role ARN", roleARN)
	}
	name := a.Resource[strings.LastIndex(a.Resource, "/")+1:]
	id, _, found := "", int32(0), false
	if e.roles != nil {
		id, _, found = e.roles.Role(ctx, a.Account, name)
	}
	if !found || a.Account != sc.AccountID {
		return nil, errAccessDenied.New("Cannot assume role %s: it does not exist in account %s", roleARN, sc.AccountID)
	}
	if duration == 0 {
		duration = time.Hour
	}
	s := e.newSession(sc.AccountID, "arn:aws:sts::"+a.Account+":assumed-role/"+name+"/"+sessionName, duration)
	s.AssumedRoleID = id + ":" + sessionName
	return s, e.save(ctx, s)
}

// GetSessionToken issues temporary credentials for the caller.
func (e *Engine) GetSessionToken(ctx context.Context, duration time.Duration) (*Session, error) {
	sc := awsctx.From(ctx)
	if strings.Contains(sc.Principal, ":assumed-role/") {
		return nil, errAccessDenied.New("Cannot call GetSessionToken with session credentials")
	}
	if duration == 0 {
		duration = 12 * time.Hour
	}
	if duration < 15*time.Minute || duration > 36*time.Hour {
		return nil, errValidation.New("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600", int(duration.Seconds()))
	}
	s := e.newSession(sc.AccountID, sc.Principal, duration)
	return s, e.save(ctx, s)
}

func (e *Engine) newSession(account, principal string, d time.Duration) *Session {
	tok := make([]byte, 96)
	rand.Read(tok)
	return &Session{
		AccessKeyID: "ASIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), SecretAccessKey: randomString(40,
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
		SessionToken: "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(tok), AccountID: account, Principal: principal,
		Expires: e.now().Add(d).UTC().Truncate(time.Second),
	}
}

func (e *Engine) save(ctx context.Context, s *Session) error {
	return e.st.Update(ctx, func(tx store.Tx) error {
		// Drop expired sessions while here, so the bucket stays small.
		var expired []string
		tx.Scan(bSessions, store.ScanOptions{}, func(k string, v []byte) error {
			var x Session
			if err := jsonUnmarshal(v, &x); err == nil && e.now().After(x.Expires.Add(time.Hour)) {
				expired = append(expired, k)
			}
			return nil
		})
		for _, k := range expired {
			tx.Delete(bSessions, k)
		}
		return tx.Put(bSessions, s.AccessKeyID, s)
	})
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, _ := rand.Int(rand.Reader, max)
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// --- wire ---

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	UserId  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

func (e *Engine) getCallerIdentity(ctx context.Context, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
	s := awsctx.From(ctx)
	arn := s.Principal
	if arn == "" {
		arn = awsctx.ARN("iam", "", s.AccountID, "root")
	}
	userID := s.AccountID
	if x, ok := e.Lookup(ctx, s.AccessKeyID); ok && strings.Contains(x.Principal, ":assumed-role/") {
		var sess Session
		if e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bSessions, s.AccessKeyID, &sess) }) == nil && sess.AssumedRoleID != "" {
			userID = sess.AssumedRoleID
		}
	}
	return &getCallerIdentityOutput{UserId: userID, Account: s.AccountID, Arn: arn}, nil
}

type credentialsOut struct {
	AccessKeyId     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleId string `json:"AssumedRoleId"`
	Arn           string `json:"Arn"`
}

type assumeRoleInput struct {
	RoleArn         string `json:"RoleArn" aws:"required"`
	RoleSessionName string `json:"RoleSessionName" aws:"required"`
	DurationSeconds int    `json:"DurationSeconds,omitempty"`
	Policy          string `json:"Policy,omitempty"`
	ExternalId      string `json:"ExternalId,omitempty"`
}

type assumeRoleOutput struct {
	Credentials      credentialsOut  `json:"Credentials"`
	AssumedRoleUser  assumedRoleUser `json:"AssumedRoleUser"`
	PackedPolicySize int             `json:"PackedPolicySize"`
	SourceIdentity   string          `json:"SourceIdentity,omitempty"`
}

func creds(s *Session) credentialsOut {
	return credentialsOut{AccessKeyId: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Expiration: s.Expires}
}

func (e *Engine) assumeRole(ctx context.Context, in *assumeRoleInput) (*assumeRoleOutput, error) {
	s, err := e.AssumeRole(ctx, in.RoleArn, in.RoleSessionName, time.Duration(in.DurationSeconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return &assumeRoleOutput{Credentials: creds(s), AssumedRoleUser: assumedRoleUser{AssumedRoleId: s.AssumedRoleID, Arn: s.Principal}}, nil
}

type sessionTokenInput struct {
	DurationSeconds int `json:"DurationSeconds,omitempty"`
}

type sessionTokenOutput struct {
	Credentials credentialsOut `json:"Credentials"`
}

func (e *Engine) getSessionToken(ctx context.Context, in *sessionTokenInput) (*sessionTokenOutput, error) {
	s, err := e.GetSessionToken(ctx, time.Duration(in.DurationSeconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return &sessionTokenOutput{Credentials: creds(s)}, nil
}

// Service is STS on the wire (awsQuery).
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "sts",
		Protocols:    awswire.AWSQuery,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Ops: []awswire.Op{
			awswire.Operation("GetCallerIdentity", e.getCallerIdentity),
			awswire.Operation("AssumeRole", e.assumeRole),
			awswire.Operation("GetSessionToken", e.getSessionToken),
		},
	}
}
