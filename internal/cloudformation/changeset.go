package cloudformation

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
	"github.com/skiff-dev/skiff/internal/store"
)

// CreateChangeSetInput mirrors the CreateChangeSet request.
type CreateChangeSetInput struct {
	StackName, ChangeSetName, ChangeSetType string
	TemplateBody, TemplateURL               string
	UsePreviousTemplate                     bool
	Parameters                              []ParamInput
	Capabilities                            []string
	Tags                                    []Tag
	TagsSet                                 bool
	NotificationARNs                        []string
	RoleARN                                 string
	Description                             string
	IncludePropertyValues                   bool
	OnStackFailure                          string
}

var changeSetNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

const noChanges = "The submitted information didn't contain changes. Submit different information to create a change set."

// CreateChangeSet computes a change set; it is ready (or FAILED with the
// reason) when this returns.
func (e *Engine) CreateChangeSet(ctx context.Context, in CreateChangeSetInput) (csID, stackID string, err error) {
	if in.ChangeSetName == "" || len(in.ChangeSetName) > 128 || !changeSetNameRE.MatchString(in.ChangeSetName) {
		return "", "", errValidation.New("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", in.ChangeSetName)
	}
	if err := validateStackName(in.StackName); err != nil && !strings.HasPrefix(in.StackName, "arn:") {
		return "", "", err
	}
	typ := in.ChangeSetType
	if typ == "" {
		typ = "UPDATE"
	}
	if typ != "CREATE" && typ != "UPDATE" {
		if typ == "IMPORT" {
			return "", "", errValidation.New("Resource import is not supported by skiff yet.")
		}
		return "", "", errValidation.New("1 validation error detected: Value '%s' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [UPDATE, IMPORT, CREATE]", typ)
	}
	sc := awsctx.From(ctx)
	st, ferr := e.findStack(ctx, in.StackName)
	if ferr != nil || st.Status == DeleteComplete {
		st = nil
	}
	var p *prepared
	cs := &ChangeSet{Name: in.ChangeSetName, Type: typ, Description: in.Description, Capabilities: in.Capabilities,
		Tags: in.Tags, NotificationARNs: in.NotificationARNs, RoleARN: in.RoleARN, Created: now(),
		IncludePropertyValues: in.IncludePropertyValues, OnStackFailure: in.OnStackFailure}
	given, usePrev := splitParams(in.Parameters)
	for k := range usePrev {
		cs.UsePrevious = append(cs.UsePrevious, k)
	}
	sort.Strings(cs.UsePrevious)
	switch typ {
	case "CREATE":
		if st != nil && st.Status != ReviewInProgress {
			return "", "", errValidation.New("Stack [%s] already exists and cannot be created again with the changeSet [%s].", st.Name, in.ChangeSetName)
		}
		if in.UsePreviousTemplate || len(usePrev) > 0 {
			return "", "", errValidation.New("UsePreviousTemplate and UsePreviousValue cannot be used with a CREATE change set")
		}
		body, err := e.loadBody(ctx, templateSource{in.TemplateBody, in.TemplateURL})
		if err != nil {
			return "", "", err
		}
		id := ""
		if st != nil {
			id = st.ID
		} else {
			id = stackARN(sc, in.StackName)
		}
		if p, err = e.prepare(ctx, in.StackName, id, body, paramRequest{given: given}, in.Capabilities, in.NotificationARNs); err != nil {
			return "", "", err
		}
		if st == nil {
			st = &Stack{ID: id, Name: in.StackName, Region: sc.Region, AccountID: sc.AccountID, Status: ReviewInProgress,
				StatusReason: "User Initiated", Created: now(), TemplateBody: body, Description: p.tmpl.Description}
			if err := e.insertStack(ctx, st); err != nil {
				return "", "", err
			}
		}
		for _, id := range sortedByOrder(p) {
			cs.Changes = append(cs.Changes, Change{Action: "Add", LogicalID: id, ResourceType: p.included[id].Type})
		}
		cs.Status, cs.ExecutionStatus = "CREATE_COMPLETE", "AVAILABLE"
	case "UPDATE":
		if st == nil {
			return "", "", errValidation.New("Stack [%s] does not exist", in.StackName)
		}
		if e.busy(st.ID) || !updatable(st.Status) {
			return "", "", errValidation.New("Stack:%s is in %s state and can not be updated.", st.ID, st.Status)
		}
		body := st.TemplateBody
		if !in.UsePreviousTemplate {
			if body, err = e.loadBody(ctx, templateSource{in.TemplateBody, in.TemplateURL}); err != nil {
				return "", "", err
			}
		}
		if p, err = e.prepare(ctx, st.Name, st.ID, body, paramRequest{given: given, usePrevious: usePrev, previous: st.Parameters}, in.Capabilities, in.NotificationARNs); err != nil {
			return "", "", err
		}
		res, err := e.loadResources(ctx, st.ID)
		if err != nil {
			return "", "", err
		}
		cs.Changes = e.plan(st, p, res, in.IncludePropertyValues)
		tags := st.Tags
		if in.TagsSet {
			tags = in.Tags
		}
		if len(cs.Changes) == 0 && body == st.TemplateBody && paramsEqual(p.list, st.Parameters) && tagsEqual(tags, st.Tags) {
			cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", noChanges, "UNAVAILABLE"
		} else {
			cs.Status, cs.ExecutionStatus = "CREATE_COMPLETE", "AVAILABLE"
		}
	}
	cs.ID, cs.StackID, cs.StackName = changeSetARN(sc, in.ChangeSetName), st.ID, st.Name
	cs.TemplateBody, cs.Parameters = p.body, p.list
	err = e.st.Update(ctx, func(tx store.Tx) error {
		var existing string
		if tx.Get(bCSNames, st.ID+"|"+cs.Name, &existing) == nil {
			// A change set that was executed no longer holds its name
			// (the AWS CLI's deploy names change sets by the second).
			var old ChangeSet
			raw, err := tx.GetRaw(bChangeSets, existing)
			if err == nil && jsonUnmarshal(raw, &old) == nil {
				e.refreshExecution(ctx, &old)
			}
			if err != nil || !strings.HasPrefix(old.ExecutionStatus, "EXECUTE_") || old.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
				return errAlreadyExists.New("ChangeSet [%s] already exists", cs.Name)
			}
			if err := tx.Delete(bChangeSets, existing); err != nil {
				return err
			}
		}
		if err := tx.Put(bCSNames, st.ID+"|"+cs.Name, cs.ID); err != nil {
			return err
		}
		return tx.Put(bChangeSets, cs.ID, cs)
	})
	if err != nil {
		return "", "", err
	}
	return cs.ID, st.ID, nil
}

func sortedByOrder(p *prepared) []string {
	ids := sortedKeys(p.included)
	sort.SliceStable(ids, func(i, j int) bool { return p.order[ids[i]] < p.order[ids[j]] })
	return ids
}

// plan compares the new template with the stack's resources, in dependency
// order so that a resource being replaced makes its dependents' references
// to it Dynamic.
func (e *Engine) plan(st *Stack, p *prepared, res map[string]*Resource, withValues bool) []Change {
	oldT, _ := template.Parse([]byte(st.TemplateBody))
	oldParams := map[string]string{}
	for _, prm := range st.Parameters {
		oldParams[prm.Key] = prm.Value + "\x00" + prm.Resolved
	}
	changedParams := map[string]bool{}
	for _, prm := range p.list {
		if oldParams[prm.Key] != prm.Value+"\x00"+prm.Resolved {
			changedParams[prm.Key] = true
		}
	}
	pr := &planResolver{res: res, replaced: map[string]bool{}, modified: map[string]bool{}, added: map[string]bool{}}
	ev := &template.Evaluator{T: p.tmpl, Params: p.params, Pseudo: p.pseudo, Resolver: pr, Conditions: p.conds}
	order, _ := p.graph.TopoSort()
	var changes []Change
	for _, id := range order {
		tr := p.included[id]
		x := res[id]
		if x == nil || !exists(x) {
			pr.added[id] = true
			changes = append(changes, Change{Action: "Add", LogicalID: id, ResourceType: tr.Type})
			continue
		}
		prov, _ := e.reg.Get(tr.Type)
		v, err := ev.Eval(tr.Properties, "Resources/"+id+"/Properties")
		newProps, _ := v.(map[string]any)
		if err != nil {
			// Cannot be evaluated until execution: the change is unknown.
			pr.modified[id] = true
			changes = append(changes, Change{Action: "Dynamic", LogicalID: id, PhysicalID: x.PhysicalID, ResourceType: tr.Type,
				Replacement: "Conditional", Scope: []string{"Properties"}})
			continue
		}
		var oldRaw map[string]any
		if oldT != nil {
			if ot := oldT.Resource(id); ot != nil {
				oldRaw = ot.Properties
			}
		}
		c := Change{Action: "Modify", LogicalID: id, PhysicalID: x.PhysicalID, ResourceType: tr.Type}
		replacement := "False"
		for _, k := range unionKeys(x.Properties, newProps) {
			nv, ov := newProps[k], x.Properties[k]
			unknown := template.ContainsUnknown(nv)
			if !unknown && provider.Render(nv) == provider.Render(ov) {
				continue
			}
			req := "Never"
			if prov != nil && prov.Schema().IsCreateOnly(k) {
				req = "Always"
			} else if prov != nil && prov.Schema().IsConditional(k) {
				req = "Conditionally"
			}
			d := ChangeDetail{Attribute: "Properties", Name: k, RequiresRecreation: req, Evaluation: "Static"}
			if unknown {
				d.Evaluation = "Dynamic"
			}
			rawNew := tr.Properties[k]
			switch {
			case provider.Render(rawNew) != provider.Render(oldRaw[k]):
				d.ChangeSource = "DirectModification"
			default:
				params, refs, atts := refsIn(rawNew)
				for _, prm := range params {
					if changedParams[prm] {
						d.ChangeSource, d.CausingEntity = "ParameterReference", prm
					}
				}
				for _, r := range refs {
					if d.ChangeSource == "" && (pr.replaced[r] || pr.modified[r] || pr.added[r]) {
						d.ChangeSource, d.CausingEntity = "ResourceReference", r
					}
				}
				for _, a := range atts {
					if d.ChangeSource == "" && (pr.replaced[a[0]] || pr.modified[a[0]] || pr.added[a[0]]) {
						d.ChangeSource, d.CausingEntity = "ResourceAttribute", a[0]+"."+a[1]
					}
				}
				if d.ChangeSource == "" {
					d.ChangeSource = "Automatic"
				}
			}
			if !unknown {
				d.Path = "/Properties/" + k
				d.BeforeValue, d.AfterValue = provider.Render(ov), provider.Render(nv)
				switch {
				case ov == nil:
					d.AttributeChange = "Add"
				case nv == nil:
					d.AttributeChange = "Remove"
				default:
					d.AttributeChange = "Modify"
				}
			}
			c.Details = append(c.Details, d)
			switch {
			case req == "Always" && d.Evaluation == "Static":
				replacement = "True"
			case (req == "Always" || req == "Conditionally") && replacement != "True":
				replacement = "Conditional"
			}
		}
		if provider.Render(tr.Metadata) != provider.Render(x.Metadata) {
			c.Scope = append(c.Scope, "Metadata")
			c.Details = append(c.Details, ChangeDetail{Attribute: "Metadata", RequiresRecreation: "Never", Evaluation: "Static", ChangeSource: "DirectModification"})
		}
		if len(c.Details) == 0 {
			continue
		}
		if hasPropertyDetail(c.Details) {
			c.Scope = append([]string{"Properties"}, c.Scope...)
		}
		c.Replacement = replacement
		switch replacement {
		case "True":
			pr.replaced[id] = true
		default:
			pr.modified[id] = true
		}
		if withValues {
			c.BeforeContext = compactJSON(map[string]any{"Properties": x.Properties})
			c.AfterContext = compactJSON(map[string]any{"Properties": newProps})
		}
		changes = append(changes, c)
	}
	var removed []string
	for id, x := range res {
		if _, ok := p.included[id]; !ok && exists(x) {
			removed = append(removed, id)
		}
	}
	sort.Strings(removed)
	for _, id := range removed {
		x := res[id]
		pa := "Delete"
		if retained(x.DeletionPolicy) {
			pa = "Retain"
		}
		changes = append(changes, Change{Action: "Remove", LogicalID: id, PhysicalID: x.PhysicalID, ResourceType: x.Type, PolicyAction: pa})
	}
	return changes
}

func hasPropertyDetail(ds []ChangeDetail) bool {
	for _, d := range ds {
		if d.Attribute == "Properties" {
			return true
		}
	}
	return false
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return sortedKeys(seen)
}

// planResolver answers references during planning: resources that will be
// created or replaced have no physical id yet; modified ones may have new
// attributes.
type planResolver struct {
	res                       map[string]*Resource
	replaced, modified, added map[string]bool
}

func (p *planResolver) Ref(id string) (any, error) {
	x := p.res[id]
	if x == nil || !exists(x) || p.replaced[id] || p.added[id] {
		return nil, template.ErrUnknown
	}
	return x.PhysicalID, nil
}

func (p *planResolver) GetAtt(id, attr string) (any, error) {
	x := p.res[id]
	if x == nil || !exists(x) || p.replaced[id] || p.added[id] || p.modified[id] {
		return nil, template.ErrUnknown
	}
	if v, ok := x.Attributes[attr]; ok {
		return v, nil
	}
	return nil, template.ErrUnknown
}

func (p *planResolver) ImportValue(string) (string, error)         { return "", template.ErrUnknown }
func (p *planResolver) StackOutput(string, string) (string, error) { return "", template.ErrUnknown }

// refsIn lists the parameters, resources (Ref) and attributes (GetAtt, Sub)
// a raw template expression refers to.
func refsIn(v any) (params, refs []string, atts [][2]string) {
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				if r, ok := x["Ref"].(string); ok {
					params = append(params, r)
					refs = append(refs, r)
					return
				}
				if ga, ok := x["Fn::GetAtt"]; ok {
					switch g := ga.(type) {
					case []any:
						if len(g) == 2 {
							a, _ := g[0].(string)
							b, _ := g[1].(string)
							atts = append(atts, [2]string{a, b})
						}
					case string:
						a, b, _ := strings.Cut(g, ".")
						atts = append(atts, [2]string{a, b})
					}
					return
				}
				if s, ok := x["Fn::Sub"]; ok {
					str := ""
					switch sv := s.(type) {
					case string:
						str = sv
					case []any:
						if len(sv) > 0 {
							str, _ = sv[0].(string)
						}
						if len(sv) > 1 {
							walk(sv[1])
						}
					}
					for _, m := range subVarRE.FindAllStringSubmatch(str, -1) {
						name := m[1]
						if strings.HasPrefix(name, "!") {
							continue
						}
						if a, b, ok := strings.Cut(name, "."); ok {
							atts = append(atts, [2]string{a, b})
						} else {
							params = append(params, name)
							refs = append(refs, name)
						}
					}
					return
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return
}

var subVarRE = regexp.MustCompile(`\$\{([^}]+)\}`)

func (e *Engine) findChangeSet(ctx context.Context, stackName, name string) (*ChangeSet, error) {
	var cs ChangeSet
	err := e.st.View(ctx, func(tx store.Tx) error {
		id := name
		if !strings.HasPrefix(name, "arn:") {
			if stackName == "" {
				return errValidation.New("StackName must be specified if ChangeSetName is not specified as an ARN.")
			}
			var st Stack
			if err := e.findStackTx(ctx, tx, stackName, &st); err != nil {
				return errChangeSetNotFound.New("ChangeSet [%s] does not exist", name)
			}
			if err := tx.Get(bCSNames, st.ID+"|"+name, &id); err != nil {
				return errChangeSetNotFound.New("ChangeSet [%s] does not exist", name)
			}
		}
		raw, err := tx.GetRaw(bChangeSets, id)
		if errors.Is(err, store.ErrNotFound) {
			return errChangeSetNotFound.New("ChangeSet [%s] does not exist", name)
		}
		if err != nil {
			return err
		}
		return jsonUnmarshal(raw, &cs)
	})
	if err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	if !strings.Contains(cs.ID, ":"+sc.Region+":"+sc.AccountID+":") {
		return nil, errChangeSetNotFound.New("ChangeSet [%s] does not exist", name)
	}
	e.refreshExecution(ctx, &cs)
	return &cs, nil
}

// refreshExecution derives EXECUTE_COMPLETE / EXECUTE_FAILED from the stack
// once the operation it started has ended.
func (e *Engine) refreshExecution(ctx context.Context, cs *ChangeSet) {
	if cs.ExecutionStatus != "EXECUTE_IN_PROGRESS" {
		return
	}
	var st Stack
	if e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bStacks, cs.StackID, &st) }) != nil {
		return
	}
	if e.busy(st.ID) || !terminal(st.Status) {
		return
	}
	switch st.Status {
	case CreateComplete, UpdateComplete:
		cs.ExecutionStatus = "EXECUTE_COMPLETE"
	default:
		cs.ExecutionStatus = "EXECUTE_FAILED"
	}
}

// DescribeChangeSet returns a change set.
func (e *Engine) DescribeChangeSet(ctx context.Context, stackName, name string) (*ChangeSet, error) {
	return e.findChangeSet(ctx, stackName, name)
}

// ListChangeSets lists a stack's change sets.
func (e *Engine) ListChangeSets(ctx context.Context, stackName string) ([]*ChangeSet, error) {
	st, err := e.findStack(ctx, stackName)
	if err != nil {
		return nil, err
	}
	var out []*ChangeSet
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bCSNames, store.ScanOptions{Prefix: st.ID + "|"}, func(_ string, v []byte) error {
			var id string
			if err := jsonUnmarshal(v, &id); err != nil {
				return err
			}
			raw, err := tx.GetRaw(bChangeSets, id)
			if err != nil {
				return nil
			}
			var cs ChangeSet
			if err := jsonUnmarshal(raw, &cs); err != nil {
				return err
			}
			out = append(out, &cs)
			return nil
		})
	})
	for _, cs := range out {
		e.refreshExecution(ctx, cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// DeleteChangeSet deletes a change set that is not executing.
func (e *Engine) DeleteChangeSet(ctx context.Context, stackName, name string) error {
	cs, err := e.findChangeSet(ctx, stackName, name)
	if err != nil {
		return err
	}
	if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
		return errInvalidChangeSet.New("Cannot delete ChangeSet in status EXECUTE_IN_PROGRESS")
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		tx.Delete(bCSNames, cs.StackID+"|"+cs.Name)
		return tx.Delete(bChangeSets, cs.ID)
	})
}

// ExecuteChangeSet runs a change set: creates or updates its stack.
func (e *Engine) ExecuteChangeSet(ctx context.Context, stackName, name string, disableRollback bool, token string) error {
	cs, err := e.findChangeSet(ctx, stackName, name)
	if err != nil {
		return err
	}
	if cs.ExecutionStatus != "AVAILABLE" {
		return errInvalidChangeSet.New("ChangeSet [%s] cannot be executed in its current execution status of [%s]", cs.ID, cs.ExecutionStatus)
	}
	var st Stack
	if err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bStacks, cs.StackID, &st) }); err != nil {
		return stackNotFound(cs.StackName)
	}
	params := make([]ParamInput, 0, len(cs.Parameters))
	for _, p := range cs.Parameters {
		params = append(params, ParamInput{Key: p.Key, Value: p.Value})
	}
	markExecuting := func(tx store.Tx) error {
		cs.ExecutionStatus = "EXECUTE_IN_PROGRESS"
		// The other change sets of the stack no longer apply: AWS deletes
		// them when one is executed.
		tx.Scan(bCSNames, store.ScanOptions{Prefix: st.ID + "|"}, func(k string, v []byte) error {
			var id string
			if jsonUnmarshal(v, &id) == nil && id != cs.ID {
				tx.Delete(bChangeSets, id)
				tx.Delete(bCSNames, k)
			}
			return nil
		})
		return tx.Put(bChangeSets, cs.ID, cs)
	}
	if cs.Type == "CREATE" {
		if st.Status != ReviewInProgress || e.busy(st.ID) {
			return errInvalidChangeSet.New("ChangeSet [%s] cannot be executed: stack %s is in %s state", cs.ID, st.Name, st.Status)
		}
		given, _ := splitParams(params)
		p, err := e.prepare(ctx, st.Name, st.ID, cs.TemplateBody, paramRequest{given: given}, cs.Capabilities, cs.NotificationARNs)
		if err != nil {
			return err
		}
		st.Description, st.TemplateBody, st.Parameters = p.tmpl.Description, cs.TemplateBody, p.list
		st.Capabilities, st.Tags, st.NotificationARNs, st.RoleARN = cs.Capabilities, cs.Tags, cs.NotificationARNs, cs.RoleARN
		st.DisableRollback, st.Token, st.ChangeSetID = disableRollback, token, cs.ID
		if cs.OnStackFailure != "" && !disableRollback {
			st.OnFailure = cs.OnStackFailure
		}
		st.Status, st.StatusReason = CreateInProgress, "User Initiated"
		err = e.st.Update(ctx, func(tx store.Tx) error {
			if err := markExecuting(tx); err != nil {
				return err
			}
			if err := tx.Put(bStacks, st.ID, &st); err != nil {
				return err
			}
			return e.putEvent(tx, &Event{EventID: newUUID(), StackID: st.ID, StackName: st.Name, LogicalID: st.Name, PhysicalID: st.ID,
				ResourceType: "AWS::CloudFormation::Stack", Status: CreateInProgress, Reason: "User Initiated", Timestamp: now(), Token: token})
		})
		if err != nil {
			return err
		}
		stp := &st
		if err := e.launch(stp, func(ctx context.Context) { e.opCreate(ctx, stp, p) }); err != nil {
			return err
		}
		e.settle(ctx, st.ID)
		return nil
	}
	for _, k := range cs.UsePrevious {
		params = append(params, ParamInput{Key: k, UsePrevious: true})
	}
	in := UpdateStackInput{StackName: st.ID, TemplateBody: cs.TemplateBody, Parameters: params, Capabilities: cs.Capabilities,
		Tags: cs.Tags, TagsSet: true, NotificationARNs: cs.NotificationARNs, RoleARN: cs.RoleARN, DisableRollback: disableRollback, ClientRequestToken: token}
	stp, err := e.findStack(ctx, st.ID)
	if err != nil {
		return err
	}
	if e.busy(stp.ID) || !updatable(stp.Status) {
		return errInvalidChangeSet.New("ChangeSet [%s] cannot be executed: stack %s is in %s state", cs.ID, stp.Name, stp.Status)
	}
	given, usePrev := splitParams(params)
	p, err := e.prepare(ctx, stp.Name, stp.ID, cs.TemplateBody, paramRequest{given: given, usePrevious: usePrev, previous: stp.Parameters}, cs.Capabilities, cs.NotificationARNs)
	if err != nil {
		return err
	}
	stp.ChangeSetID = cs.ID
	if err := e.st.Update(ctx, markExecuting); err != nil {
		return err
	}
	if err := e.beginUpdate(ctx, stp, p, in); err != nil {
		return err
	}
	e.settle(ctx, stp.ID)
	return nil
}
