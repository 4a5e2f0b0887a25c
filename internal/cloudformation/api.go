package cloudformation

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
	"github.com/skiff-dev/skiff/internal/store"
)

// ParamInput is a parameter as a caller gives it.
type ParamInput struct {
	Key         string
	Value       string
	UsePrevious bool
}

// CreateStackInput mirrors the CreateStack request.
type CreateStackInput struct {
	StackName                   string
	TemplateBody, TemplateURL   string
	Parameters                  []ParamInput
	Capabilities                []string
	Tags                        []Tag
	NotificationARNs            []string
	RoleARN                     string
	TimeoutInMinutes            int
	DisableRollback             bool
	OnFailure                   string
	StackPolicyBody             string
	EnableTerminationProtection bool
	ClientRequestToken          string
	// Internal: nested stacks.
	parent *Stack
	id     string
}

var stackNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

func validateStackName(name string) error {
	if name == "" {
		return errValidation.New("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > 128 || !stackNameRE.MatchString(name) {
		return errValidation.New("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*", name)
	}
	return nil
}

func splitParams(in []ParamInput) (given []Parameter, usePrev map[string]bool) {
	usePrev = map[string]bool{}
	for _, p := range in {
		if p.UsePrevious {
			usePrev[p.Key] = true
			continue
		}
		given = append(given, Parameter{Key: p.Key, Value: p.Value})
	}
	return given, usePrev
}

func validateOnFailure(in *CreateStackInput) error {
	switch in.OnFailure {
	case "", "ROLLBACK", "DELETE", "DO_NOTHING":
	default:
		return errValidation.New("1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [ROLLBACK, DELETE, DO_NOTHING]", in.OnFailure)
	}
	if in.OnFailure != "" && in.DisableRollback {
		return errValidation.New("You cannot specify both DisableRollback and OnFailure.")
	}
	return nil
}

// CreateStack starts creating a stack and returns its id.
func (e *Engine) CreateStack(ctx context.Context, in CreateStackInput) (string, error) {
	if err := validateStackName(in.StackName); err != nil {
		return "", err
	}
	if err := validateOnFailure(&in); err != nil {
		return "", err
	}
	if in.StackPolicyBody != "" {
		if _, err := parsePolicy(in.StackPolicyBody); err != nil {
			return "", err
		}
	}
	body, err := e.loadBody(ctx, templateSource{in.TemplateBody, in.TemplateURL})
	if err != nil {
		return "", err
	}
	sc := awsctx.From(ctx)
	if err := e.nameFree(ctx, sc, in.StackName); err != nil {
		return "", err
	}
	id := in.id
	if id == "" {
		id = stackARN(sc, in.StackName)
	}
	given, usePrev := splitParams(in.Parameters)
	if len(usePrev) > 0 {
		return "", errValidation.New("UsePreviousValue cannot be used when creating a stack")
	}
	p, err := e.prepare(ctx, in.StackName, id, body, paramRequest{given: given}, in.Capabilities, in.NotificationARNs)
	if err != nil {
		return "", err
	}
	st := &Stack{
		ID: id, Name: in.StackName, Region: sc.Region, AccountID: sc.AccountID, Description: p.tmpl.Description,
		Status: CreateInProgress, StatusReason: "User Initiated", Created: now(), TemplateBody: body,
		Parameters: p.list, Capabilities: in.Capabilities, Tags: in.Tags, NotificationARNs: in.NotificationARNs,
		RoleARN: in.RoleARN, TimeoutInMinutes: in.TimeoutInMinutes, DisableRollback: in.DisableRollback,
		OnFailure: in.OnFailure, Protected: in.EnableTerminationProtection, Policy: in.StackPolicyBody,
		Token: in.ClientRequestToken,
	}
	if in.parent != nil {
		st.ParentID = in.parent.ID
		st.RootID = in.parent.RootID
		if st.RootID == "" {
			st.RootID = in.parent.ID
		}
	}
	if err := e.insertStack(ctx, st); err != nil {
		return "", err
	}
	if err := e.launch(st, func(ctx context.Context) { e.opCreate(ctx, st, p) }); err != nil {
		return "", err
	}
	e.settle(ctx, st.ID)
	return st.ID, nil
}

// nameFree fails when a live stack has the name.
func (e *Engine) nameFree(ctx context.Context, sc awsctx.Scope, name string) error {
	var id string
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bNames, nameKey(sc.AccountID, sc.Region, name), &id) })
	if err == nil {
		return errAlreadyExists.New("Stack [%s] already exists", name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// insertStack records a new stack and its first event atomically.
func (e *Engine) insertStack(ctx context.Context, st *Stack) error {
	return e.st.Update(ctx, func(tx store.Tx) error {
		var other string
		if err := tx.Get(bNames, nameKey(st.AccountID, st.Region, st.Name), &other); err == nil && other != st.ID {
			return errAlreadyExists.New("Stack [%s] already exists", st.Name)
		}
		if err := tx.Put(bNames, nameKey(st.AccountID, st.Region, st.Name), st.ID); err != nil {
			return err
		}
		if err := tx.Put(bStacks, st.ID, st); err != nil {
			return err
		}
		return e.putEvent(tx, &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name,
			PhysicalID: st.ID, ResourceType: "AWS::CloudFormation::Stack", Status: st.Status, Reason: st.StatusReason,
			Timestamp: now(), Token: st.Token})
	})
}

// UpdateStackInput mirrors the UpdateStack request.
type UpdateStackInput struct {
	StackName                   string
	TemplateBody, TemplateURL   string
	UsePreviousTemplate         bool
	Parameters                  []ParamInput
	Capabilities                []string
	Tags                        []Tag
	TagsSet                     bool // Tags was given (an empty list clears them)
	NotificationARNs            []string
	RoleARN                     string
	DisableRollback             bool
	StackPolicyBody             string
	StackPolicyDuringUpdateBody string
	ClientRequestToken          string
}

// UpdateStack starts updating a stack.
func (e *Engine) UpdateStack(ctx context.Context, in UpdateStackInput) (string, error) {
	st, p, err := e.prepareUpdate(ctx, in)
	if err != nil {
		return "", err
	}
	if err := e.beginUpdate(ctx, st, p, in); err != nil {
		return "", err
	}
	e.settle(ctx, st.ID)
	return st.ID, nil
}

func (e *Engine) prepareUpdate(ctx context.Context, in UpdateStackInput) (*Stack, *prepared, error) {
	st, err := e.findStack(ctx, in.StackName)
	if err != nil {
		return nil, nil, err
	}
	if st.Status == DeleteComplete {
		return nil, nil, stackNotFound(in.StackName)
	}
	if e.busy(st.ID) || !updatable(st.Status) {
		return nil, nil, errValidation.New("Stack:%s is in %s state and can not be updated.", st.ID, st.Status)
	}
	var body string
	if in.UsePreviousTemplate {
		if in.TemplateBody != "" || in.TemplateURL != "" {
			return nil, nil, errValidation.New("You cannot specify both usePreviousTemplate and Template Body/Template URL.")
		}
		body = st.TemplateBody
	} else if body, err = e.loadBody(ctx, templateSource{in.TemplateBody, in.TemplateURL}); err != nil {
		return nil, nil, err
	}
	for _, pol := range []string{in.StackPolicyBody, in.StackPolicyDuringUpdateBody} {
		if pol != "" {
			if _, err := parsePolicy(pol); err != nil {
				return nil, nil, err
			}
		}
	}
	given, usePrev := splitParams(in.Parameters)
	p, err := e.prepare(ctx, st.Name, st.ID, body, paramRequest{given: given, usePrevious: usePrev, previous: st.Parameters}, in.Capabilities, in.NotificationARNs)
	if err != nil {
		return nil, nil, err
	}
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	var retyped []string
	for id, tr := range p.included {
		if x := res[id]; x != nil && exists(x) && x.Type != tr.Type {
			retyped = append(retyped, id)
		}
	}
	if len(retyped) > 0 {
		sort.Strings(retyped)
		return nil, nil, errValidation.New("Update of resource type is not permitted. The new template modifies resource type of the following resources: [%s]", strings.Join(retyped, ", "))
	}
	tags := st.Tags
	if in.TagsSet {
		tags = in.Tags
	}
	if body == st.TemplateBody && paramsEqual(p.list, st.Parameters) && tagsEqual(tags, st.Tags) &&
		strings.Join(in.NotificationARNs, ",") == strings.Join(st.NotificationARNs, ",") && (in.RoleARN == "" || in.RoleARN == st.RoleARN) {
		return nil, nil, errValidation.New("No updates are to be performed.")
	}
	return st, p, nil
}

// beginUpdate records UPDATE_IN_PROGRESS and launches the update.
func (e *Engine) beginUpdate(ctx context.Context, st *Stack, p *prepared, in UpdateStackInput) error {
	st.Prev = &Snapshot{TemplateBody: st.TemplateBody, Description: st.Description, Parameters: st.Parameters,
		Capabilities: st.Capabilities, Tags: st.Tags, Outputs: st.Outputs, NotificationARNs: st.NotificationARNs,
		RoleARN: st.RoleARN, Imports: st.Imports}
	st.TemplateBody, st.Description, st.Parameters, st.Capabilities = p.body, p.tmpl.Description, p.list, in.Capabilities
	if in.TagsSet {
		st.Tags = in.Tags
	}
	st.NotificationARNs = in.NotificationARNs
	if in.RoleARN != "" {
		st.RoleARN = in.RoleARN
	}
	st.DisableRollback = in.DisableRollback
	if in.StackPolicyBody != "" {
		st.Policy = in.StackPolicyBody
	}
	st.DuringUpdatePolicy = in.StackPolicyDuringUpdateBody
	st.Token = in.ClientRequestToken
	t := now()
	st.Status, st.StatusReason, st.Updated = UpdateInProgress, "User Initiated", &t
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(bStacks, st.ID, st); err != nil {
			return err
		}
		// Other change sets of the stack are now out of date.
		tx.Scan(bCSNames, store.ScanOptions{Prefix: st.ID + "|"}, func(_ string, v []byte) error {
			var id string
			var cs ChangeSet
			if jsonUnmarshal(v, &id) == nil && tx.Get(bChangeSets, id, &cs) == nil && id != st.ChangeSetID && cs.ExecutionStatus == "AVAILABLE" {
				cs.ExecutionStatus = "OBSOLETE"
				tx.Put(bChangeSets, id, &cs)
			}
			return nil
		})
		return e.putEvent(tx, &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name,
			PhysicalID: st.ID, ResourceType: "AWS::CloudFormation::Stack", Status: UpdateInProgress, Reason: "User Initiated",
			Timestamp: t, Token: st.Token})
	})
	if err != nil {
		return err
	}
	return e.launch(st, func(ctx context.Context) { e.opUpdate(ctx, st, p) })
}

// DeleteStack starts deleting a stack. Deleting a stack that does not exist
// succeeds, as in AWS.
func (e *Engine) DeleteStack(ctx context.Context, name string, retain []string, token string) error {
	st, err := e.findStack(ctx, name)
	if err != nil {
		var ae interface{ Error() string }
		if errors.As(err, &ae) && strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		return err
	}
	if st.Status == DeleteComplete {
		return nil
	}
	if st.Protected {
		return errValidation.New("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.Name)
	}
	if e.busy(st.ID) {
		if st.Status == DeleteInProgress {
			return nil
		}
		return errValidation.New("Stack [%s] cannot be deleted while in status %s", st.Name, st.Status)
	}
	if len(retain) > 0 && st.Status != DeleteFailed {
		return errValidation.New("Invalid operation on stack [%s]. RetainResources can only be specified when stack is in DELETE_FAILED state", st.ID)
	}
	st.RetainOnDelete, st.Token = retain, token
	st.Status, st.StatusReason = DeleteInProgress, "User Initiated"
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(bStacks, st.ID, st); err != nil {
			return err
		}
		return e.putEvent(tx, &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name,
			PhysicalID: st.ID, ResourceType: "AWS::CloudFormation::Stack", Status: DeleteInProgress, Reason: "User Initiated",
			Timestamp: now(), Token: token})
	})
	if err != nil {
		return err
	}
	if err := e.launch(st, func(ctx context.Context) { e.opDelete(ctx, st) }); err != nil {
		return err
	}
	e.settle(ctx, st.ID)
	return nil
}

// DescribeStacks returns one stack (by name or id; deleted stacks by id) or
// every live stack in the caller's region.
func (e *Engine) DescribeStacks(ctx context.Context, name string) ([]*Stack, error) {
	if name != "" {
		st, err := e.findStack(ctx, name)
		if err != nil {
			return nil, err
		}
		if st.Status == DeleteComplete && !strings.HasPrefix(name, "arn:") {
			return nil, stackNotFound(name)
		}
		return []*Stack{st}, nil
	}
	return e.listStacks(ctx, func(st *Stack) bool { return st.Status != DeleteComplete })
}

func (e *Engine) listStacks(ctx context.Context, keep func(*Stack) bool) ([]*Stack, error) {
	sc := awsctx.From(ctx)
	var out []*Stack
	prefix := "arn:aws:cloudformation:" + sc.Region + ":" + sc.AccountID + ":stack/"
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bStacks, store.ScanOptions{Prefix: prefix}, func(_ string, v []byte) error {
			var st Stack
			if err := jsonUnmarshal(v, &st); err != nil {
				return err
			}
			if keep(&st) {
				out = append(out, &st)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}

// ListStacks lists stacks (deleted ones too) whose status is in filter.
func (e *Engine) ListStacks(ctx context.Context, filter []string) ([]*Stack, error) {
	return e.listStacks(ctx, func(st *Stack) bool { return len(filter) == 0 || containsString(filter, st.Status) })
}

// StackEvents returns a stack's events, newest first, after the paging
// token (the store key of the last event of the previous page).
func (e *Engine) StackEvents(ctx context.Context, name, after string, limit int) ([]*Event, string, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return nil, "", err
	}
	if after != "" && !strings.HasPrefix(after, st.ID+"|") {
		return nil, "", errValidation.New("Invalid NextToken")
	}
	var out []*Event
	var keys []string
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bEvents, store.ScanOptions{Prefix: st.ID + "|", After: after, Reverse: true, Limit: limit + 1}, func(k string, v []byte) error {
			var ev Event
			if err := jsonUnmarshal(v, &ev); err != nil {
				return err
			}
			out = append(out, &ev)
			keys = append(keys, k)
			return nil
		})
	})
	next := ""
	if len(out) > limit {
		out, next = out[:limit], keys[limit-1]
	}
	return out, next, err
}

// StackResources returns a stack's resources in template order.
func (e *Engine) StackResources(ctx context.Context, name string) (*Stack, []*Resource, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	return st, sortedResources(res), nil
}

// StackResourcesByPhysicalID finds the stack owning a physical resource.
func (e *Engine) StackByPhysicalID(ctx context.Context, physicalID string) (*Stack, error) {
	stacks, err := e.listStacks(ctx, func(st *Stack) bool { return st.Status != DeleteComplete })
	if err != nil {
		return nil, err
	}
	for _, st := range stacks {
		res, err := e.loadResources(ctx, st.ID)
		if err != nil {
			return nil, err
		}
		for _, x := range res {
			if x.PhysicalID == physicalID && exists(x) {
				return st, nil
			}
		}
	}
	return nil, errValidation.New("Stack for %s does not exist", physicalID)
}

// Template returns a stack's (or change set's) template body. Processed
// gives the template after transforms, as JSON.
func (e *Engine) Template(ctx context.Context, stackName, changeSet string, processed bool) (string, error) {
	body := ""
	if changeSet != "" {
		cs, err := e.findChangeSet(ctx, stackName, changeSet)
		if err != nil {
			return "", err
		}
		body = cs.TemplateBody
	} else {
		st, err := e.findStack(ctx, stackName)
		if err != nil {
			return "", err
		}
		body = st.TemplateBody
	}
	if !processed {
		return body, nil
	}
	t, err := template.Parse([]byte(body))
	if err != nil {
		return body, nil
	}
	if t.HasTransform(template.LanguageExtensions) {
		st, serr := e.findStack(ctx, stackName)
		if serr == nil {
			params := map[string]template.ParamValue{}
			for _, p := range st.Parameters {
				params[p.Key] = template.ParamValue{Value: p.Value, Resolved: p.Resolved, List: splitList(p.Value)}
			}
			if x, err := template.Expand(t, params, template.Pseudo{AccountID: st.AccountID, Region: st.Region, StackName: st.Name, StackID: st.ID}); err == nil {
				t = x
			}
		}
	}
	return compactJSONIndent(t.Raw), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// SetTerminationProtection turns termination protection on or off.
func (e *Engine) SetTerminationProtection(ctx context.Context, name string, on bool) (string, error) {
	return e.mutateStack(ctx, name, func(st *Stack) error {
		if st.ParentID != "" {
			return errValidation.New("Termination protection cannot be updated for nested stacks.")
		}
		st.Protected = on
		return nil
	})
}

// SetStackPolicy sets the policy enforced on updates.
func (e *Engine) SetStackPolicy(ctx context.Context, name, policy string) error {
	if _, err := parsePolicy(policy); err != nil {
		return err
	}
	_, err := e.mutateStack(ctx, name, func(st *Stack) error { st.Policy = policy; return nil })
	return err
}

// StackPolicy returns the stack's policy ("" when none).
func (e *Engine) StackPolicy(ctx context.Context, name string) (string, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return "", err
	}
	return st.Policy, nil
}

func (e *Engine) mutateStack(ctx context.Context, name string, fn func(*Stack) error) (string, error) {
	var id string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var st Stack
		if err := e.findStackTx(ctx, tx, name, &st); err != nil {
			return err
		}
		if st.Status == DeleteComplete {
			return stackNotFound(name)
		}
		if err := fn(&st); err != nil {
			return err
		}
		id = st.ID
		return tx.Put(bStacks, st.ID, &st)
	})
	return id, err
}

// Exports lists every export in the caller's region.
func (e *Engine) Exports(ctx context.Context) ([]Export, error) {
	sc := awsctx.From(ctx)
	var out []Export
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bExports, store.ScanOptions{Prefix: sc.AccountID + "/" + sc.Region + "/"}, func(_ string, v []byte) error {
			var ex Export
			if err := jsonUnmarshal(v, &ex); err != nil {
				return err
			}
			out = append(out, ex)
			return nil
		})
	})
	return out, err
}

// Imports lists the stacks importing an export.
func (e *Engine) Imports(ctx context.Context, exportName string) ([]string, error) {
	sc := awsctx.From(ctx)
	found := false
	var out []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		var ex Export
		if tx.Get(bExports, nameKey(sc.AccountID, sc.Region, exportName), &ex) == nil {
			found = true
		}
		return tx.Scan(bImports, store.ScanOptions{Prefix: sc.AccountID + "/" + sc.Region + "/" + exportName + "|"}, func(_ string, v []byte) error {
			var who string
			if jsonUnmarshal(v, &who) == nil {
				out = append(out, who)
			}
			return nil
		})
	})
	if err == nil && !found {
		return nil, errValidation.New("Export '%s' does not exist.", exportName)
	}
	sort.Strings(out)
	return out, err
}

// CancelUpdateStack stops an update in progress; it rolls back.
func (e *Engine) CancelUpdateStack(ctx context.Context, name string) error {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return err
	}
	e.mu.Lock()
	h := e.running[st.ID]
	e.mu.Unlock()
	if st.Status != UpdateInProgress || h == nil {
		return errValidation.New("CancelUpdateStack cannot be called from current stack status")
	}
	e.mu.Lock()
	if h.cancelForward != nil {
		h.cancelForward()
	}
	e.mu.Unlock()
	e.settle(ctx, st.ID)
	return nil
}

// ContinueUpdateRollback resumes a rollback that failed, optionally
// skipping resources that cannot be rolled back.
func (e *Engine) ContinueUpdateRollback(ctx context.Context, name string, skip []string) error {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return err
	}
	if st.Status != UpdateRollbackFailed || e.busy(st.ID) {
		return errValidation.New("Stack %s is in %s state and can not be updated.", st.ID, st.Status)
	}
	st.SkipOnRollback = skip
	return e.launch(st, func(ctx context.Context) {
		r := e.newRunLoaded(ctx, st)
		if r == nil {
			return
		}
		r.setStatus(ctx, UpdateRollbackInProgress, "")
		r.rollbackUpdate(ctx)
	})
}

// RollbackStack rolls back a stack left failed by an operation run with
// rollback disabled.
func (e *Engine) RollbackStack(ctx context.Context, name string) (string, error) {
	st, err := e.findStack(ctx, name)
	if err != nil {
		return "", err
	}
	if e.busy(st.ID) || (st.Status != UpdateFailed && st.Status != CreateFailed && st.Status != UpdateRollbackFailed) {
		return "", errValidation.New("Stack %s is in %s state and can not be rolled back.", st.ID, st.Status)
	}
	err = e.launch(st, func(ctx context.Context) {
		r := e.newRunLoaded(ctx, st)
		if r == nil {
			return
		}
		if st.Status == CreateFailed {
			r.setStatus(ctx, RollbackInProgress, "")
			r.rollbackCreate(ctx)
			return
		}
		r.setStatus(ctx, UpdateRollbackInProgress, "")
		r.rollbackUpdate(ctx)
	})
	if err != nil {
		return "", err
	}
	e.settle(ctx, st.ID)
	return st.ID, nil
}

func (e *Engine) newRunLoaded(ctx context.Context, st *Stack) *run {
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		e.log.Error("load resources", "stack", st.ID, "err", err)
		return nil
	}
	return e.newRun(st, res, nil)
}

// ValidateTemplateOutput is what ValidateTemplate reports.
type ValidateTemplateOutput struct {
	Description        string
	Parameters         []*template.Parameter
	Capabilities       []string
	CapabilitiesReason string
	Transforms         []string
}

// ValidateTemplate checks a template and summarizes its parameters.
func (e *Engine) ValidateTemplate(ctx context.Context, body, url string) (*ValidateTemplateOutput, error) {
	b, err := e.loadBody(ctx, templateSource{body, url})
	if err != nil {
		return nil, err
	}
	t, err := e.parseAndValidate(b)
	if err != nil {
		return nil, err
	}
	out := &ValidateTemplateOutput{Description: t.Description, Parameters: t.Parameters, Transforms: t.Transform}
	out.Capabilities, out.CapabilitiesReason = requiredCaps(t)
	return out, nil
}

// requiredCaps names the capabilities a template needs and why.
func requiredCaps(t *template.Template) ([]string, string) {
	var caps []string
	var why []string
	if err := checkCapabilities(t, nil); err != nil {
		if strings.Contains(err.Error(), "NAMED_IAM") {
			caps = append(caps, "CAPABILITY_NAMED_IAM")
		} else {
			caps = append(caps, "CAPABILITY_IAM")
		}
		var ids []string
		for _, r := range t.Resources {
			if strings.HasPrefix(r.Type, "AWS::IAM::") {
				ids = append(ids, r.LogicalID)
			}
		}
		why = append(why, "The following resource(s) require capabilities: ["+strings.Join(types(t, ids), ", ")+"]")
	}
	if len(t.Transform) > 0 {
		caps = append(caps, "CAPABILITY_AUTO_EXPAND")
	}
	return caps, strings.Join(why, " ")
}

func types(t *template.Template, ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if r := t.Resource(id); r != nil && !seen[r.Type] {
			seen[r.Type] = true
			out = append(out, r.Type)
		}
	}
	return out
}
