package patch

import (
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// MemberPlan is the membership change a group PATCH asks for, when every
// operation targets members. Apply it as follows:
//
//   - NeedsCurrent: the plan is incomplete (a filter other than value eq,
//     or an or-chain of them, selects members): apply the operations with
//     Engine.Apply to the full group instead;
//   - Replace: the members become exactly Add (possibly empty);
//   - RemoveAll: every member is removed (Add and Remove are empty);
//   - otherwise: add the members in Add and remove those in Remove (the
//     two never share an id), e.g. with store.GroupStore.ModifyMembers.
//
// At most one of Replace, RemoveAll and NeedsCurrent is set. Ids are
// compared exactly; whether they name existing users or groups is the
// store's business (it skips unknown ones), and so is whether a removed
// id is a member: the plan does not read the members, so a removal of
// one the group does not have is no error (no noTarget; the handler
// warns of it, as Removals says).
type MemberPlan struct {
	// Add lists the ids to add, or with Replace the complete new list.
	Add []string
	// Remove lists the ids to remove.
	Remove []string
	// Removals are the removals by value the operations make, in their
	// order, that may remove nothing: the caller warns of each that does
	// (MembersNotRemoved, one warning per operation), as Engine.Apply
	// does applying the operations in order to the members.
	Removals []Removal
	// RemoveAll: every member is removed.
	RemoveAll bool
	// Replace: Add is the complete new member list.
	Replace bool
	// NeedsCurrent: the change depends on the current members; use
	// Engine.Apply on the full group.
	NeedsCurrent bool
}

// A Removal is a member value an operation removes by value (a value
// list, members[value eq "id"]) that may remove nothing: Moot when it
// removes nothing whatever the group holds (an earlier operation of the
// request removed the id, or it is not in the list a replace or a remove
// of all made), otherwise when the store reports that it did not remove
// ID (store.Report), the group having no such member; or, when a later
// operation adds ID again (ID in the plan's Add), when the store reports
// that it added ID. A removal of an id an earlier operation added
// removes that one and is no Removal.
type Removal struct {
	ID   string
	Op   int // the operation's index, Operations[Op]
	Moot bool
}

// PlanMembers returns ok=false when some operation targets something other
// than members (then the caller uses Apply on the full document; Apply
// also reports malformed operations). Member-targeting operations are
//
//   - add members with a list of members;
//   - remove members: without a value all members, with a value list only
//     those listed (legacy Entra ID, JumpCloud);
//   - remove members[value eq "id"], also an or-chain of value eq;
//   - replace members with the full list ([] or null empties the group);
//   - add or replace without a path whose value has only a members key
//     (plain, qualified by the core schema's URN, or inside that URN's
//     object), besides read-only keys such as id, meta and schemas, which
//     are ignored; or with the core schema's URN as the path and such a
//     value.
//
// Operations are applied in order to a set: add x then remove x leaves x
// out (Remove lists x, so a member x is removed either way); remove-all
// then add y is Replace with [y]. A removal of x and then an add of x
// is an add of x whose Removal removed something exactly when the store
// reports that the add added nothing (x was a member): told by the
// store's report as a removal is, without reading the members. Each
// member is an object with a string "value" ("$ref", "display" and
// "type" are allowed), or a bare id string; anything else is an *Error
// (invalidValue), as is a missing value on add or replace
// (invalidSyntax).
func (e *Engine) PlanMembers(ops []Operation, l *resources.Lenience) (plan MemberPlan, ok bool, err error) {
	plan, ok, _, err = e.planMembers(ops, l)
	return plan, ok, err
}

// planMembers is PlanMembers, also reporting the index of the operation
// it stopped at (not ok, or an error); len(ops) otherwise.
func (e *Engine) planMembers(ops []Operation, l *resources.Lenience) (plan MemberPlan, ok bool, at int, err error) {
	if e.members == nil || len(ops) == 0 {
		return MemberPlan{}, false, 0, nil
	}
	var s memberState
	needsCurrent := false
	// Each operation's warnings are named when the next begins, and the
	// last one's at any return (idx -1: none begun). The deferred call
	// holds no applier, which then stays on the stack.
	idx, mark := -1, 0
	defer func() { nameWarnings(l, mark, idx) }()
	for i, op := range ops {
		nameWarnings(l, mark, idx)
		idx, mark = op.index(i), warned(l)
		a := &applier{e: e, idx: idx, len: l}
		kind := op.kind()
		path := strings.TrimSpace(op.Path)
		v := op.Value
		if _, isNull := v.(JSONNull); isNull {
			v = nil
		}
		if kind != "add" && kind != "replace" && kind != "remove" {
			return MemberPlan{}, false, i, nil
		}
		if core := names.Equal(path, e.rt.Schema.ID); path == "" || core {
			// A value of keys, or the core schema's URN as the path,
			// whose value's keys ApplyTo applies as its attributes.
			if kind == "remove" || op.Value == nil {
				return MemberPlan{}, false, i, nil
			}
			mv, found, only := a.membersKey(v, core)
			if !only || !found {
				return MemberPlan{}, false, i, nil
			}
			if err := a.planSet(&s, kind, mv); err != nil {
				return MemberPlan{}, true, i, err
			}
			continue
		}
		l, rerr := a.resolve(a.name(asPath, path, ""))
		if rerr != nil || l.attr != e.members || l.sub != nil {
			return MemberPlan{}, false, i, nil
		}
		if l.filter != nil {
			ids, eqs := valueEqIDs(l.filter)
			if kind != "remove" || !eqs {
				needsCurrent = true
				continue
			}
			for _, id := range ids {
				s.remove(id, idx)
			}
			continue
		}
		switch kind {
		case "add", "replace":
			if op.Value == nil {
				return MemberPlan{}, true, i, a.fail(InvalidSyntax, "value is required for %s", kind)
			}
			if err := a.planSet(&s, kind, v); err != nil {
				return MemberPlan{}, true, i, err
			}
		case "remove":
			if v == nil {
				s.removeAll()
				continue
			}
			ids, err := a.memberIDs(v)
			if err != nil {
				return MemberPlan{}, true, i, err
			}
			for _, id := range ids {
				s.remove(id, idx)
			}
		}
	}
	if needsCurrent || s.needsCurrent {
		return MemberPlan{NeedsCurrent: true}, true, len(ops), nil
	}
	return s.plan(), true, len(ops), nil
}

// planSet records add or replace of the members in v.
func (a *applier) planSet(s *memberState, kind string, v any) error {
	if v == nil {
		if kind == "replace" {
			s.replace(nil)
		}
		return nil
	}
	ids, err := a.memberIDs(v)
	if err != nil {
		return err
	}
	if kind == "replace" {
		s.replace(ids)
		return nil
	}
	for _, id := range ids {
		s.add(id)
	}
	return nil
}

// membersKey inspects a no-path value v (or, in, the value of the core
// schema's URN, as a path or a key, whose keys are core attributes):
// found reports a key landing on members (its value in mv), only that
// every other key is ignorable (schemas or a read-only attribute). Each
// key is read by keyLoc, as applyKey reads it: plain, qualified by the
// core schema's URN, or inside that URN's object; a key ApplyTo refuses,
// ignores with a warning or applies elsewhere is not only.
func (a *applier) membersKey(v any, in bool) (mv any, found, only bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false, false
	}
	for k, kv := range obj {
		if in && resources.IsURN(k) {
			return nil, false, false // URNs do not nest (applyKeys)
		}
		land, err := a.keyLoc(k, kv, nil)
		l := land.l
		switch {
		case err != nil:
			return nil, false, false
		case land.skip:
		case land.core:
			if in {
				return nil, false, false
			}
			imv, ifound, ionly := a.membersKey(land.inner, true)
			if !ionly || ifound && found {
				return nil, false, false // members under two keys: ApplyTo refuses it
			}
			if ifound {
				mv, found = imv, true
			}
		case l.attr == a.e.members && l.filter == nil && l.sub == nil:
			if found {
				// members under two keys ("members" in two spellings,
				// plain and qualified): ApplyTo refuses it, whichever Go's
				// map order gives first.
				return nil, false, false
			}
			mv, found = kv, true
		case l.attr != nil && !l.missing && l.readOnly():
		default:
			return nil, false, false
		}
	}
	return mv, found, true
}

// memberIDs validates a list of members (or one member) and returns their
// ids.
func (a *applier) memberIDs(v any) ([]string, error) {
	nv, err := a.normalize(a.e.members, "members", v, false)
	if err != nil {
		return nil, err
	}
	list, _ := nv.([]any)
	ids := make([]string, 0, len(list))
	for i, el := range list {
		m, _ := el.(map[string]any)
		_, id, _ := lookup(m, "value")
		if err := a.requireMemberValue(i, id); err != nil {
			return nil, err
		}
		ids = append(ids, id.(string))
	}
	return ids, nil
}

// requireMemberValue is resources.RequireMemberValue as the operation's
// refusal: the member plan and ApplyTo's writes of members (whole, or an
// element a filter selects) refuse a member without "value" with it, so
// that a PATCH gets one answer on either path.
func (a *applier) requireMemberValue(i int, value any) error {
	if err := resources.RequireMemberValue(i, value); err != nil {
		return a.fail(InvalidValue, "%s", err.Error())
	}
	return nil
}

// requireMember is requireMemberValue of el, the i-th element written
// to attr, when attr is the Group members attribute; nil otherwise.
func (a *applier) requireMember(attr *resources.Attribute, i int, el any) error {
	if attr == nil || attr != a.e.members {
		return nil
	}
	m, _ := el.(map[string]any)
	_, v, _ := lookup(m, "value")
	return a.requireMemberValue(i, v)
}

// MembersNotRemoved is the warning of Operations[idx] of a PATCH (named
// as every warning about an operation is, opName) removing the member
// values ids by value (members[value eq "ID"], an or of them, or a value list)
// from a group that has none of them: RFC 7644 §3.5.2.2 would answer a
// filter that selects nothing 400 noTarget, but identity providers
// repeat removals, so it succeeds, in strict mode too (README,
// "Deliberate deviations"). The engine gives it when it applies the
// removal to the group, the handler when the member plan's removal goes
// to the store and the store reports what it removed (store.Report); one
// text either way, and idx -1 names no operation.
func MembersNotRemoved(s *clienttext.Secrets, idx int, ids []string) string {
	text := "removed no member " + s.QuoteList(ids) + ": the group has none with that value"
	if idx < 0 {
		return text
	}
	return opName(idx) + text
}

// warnNotRemoved warns (MembersNotRemoved) of the values of ids, which a
// removal by value names, that no member of list, the group's members
// before it, has; each once.
func (a *applier) warnNotRemoved(list []any, ids []string) {
	if a.len == nil || len(ids) == 0 {
		return
	}
	held := make(map[string]bool, len(list))
	for _, el := range list {
		m, _ := el.(map[string]any)
		if _, v, _ := lookup(m, "value"); v != nil {
			if s, ok := v.(string); ok {
				held[s] = true
			}
		}
	}
	var missing []string
	for _, id := range ids {
		if !held[id] {
			held[id] = true // once
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		a.notRemoved = append(a.notRemoved, MembersNotRemoved(a.e.secrets, a.idx, missing))
	}
}

// valueEqIDs returns the ids of a filter made only of value eq "id"
// comparisons joined by or.
func valueEqIDs(e filter.Expr) ([]string, bool) {
	switch x := e.(type) {
	case *filter.Compare:
		s, ok := x.Value.(string)
		if x.Op != filter.Eq || !ok || x.Path.URI != "" || x.Path.Sub != "" || !names.Equal(x.Path.Name, "value") {
			return nil, false
		}
		return []string{s}, true
	case *filter.Logical:
		if x.Op != filter.Or {
			return nil, false
		}
		l, ok := valueEqIDs(x.Left)
		if !ok {
			return nil, false
		}
		r, ok := valueEqIDs(x.Right)
		if !ok {
			return nil, false
		}
		return append(l, r...), true
	}
	return nil, false
}

// memberState is the membership change so far: relative (adds and
// removes), remove-all, or absolute (the complete list).
type memberState struct {
	mode          int // relative, removedAll or absolute
	adds, removes orderedSet
	// removals are MemberPlan.Removals.
	removals []Removal
	// needsCurrent: a removal the store decides (not Moot) before a
	// replace or a remove of all (dropDecided).
	needsCurrent bool
}

const (
	relative = iota
	removedAll
	absolute
)

func (s *memberState) add(id string) {
	s.removes.del(id)
	s.adds.put(id)
	if s.mode == removedAll {
		s.mode = absolute
	}
}

// remove records the removal of id by Operations[at], and what it
// removes (Removal): when the members are known (a replace or a remove
// of all came first), the id if they hold it; otherwise the id an
// earlier operation added, none when an earlier one removed it, and
// what the store holds when no earlier operation named it.
func (s *memberState) remove(id string, at int) {
	switch {
	case s.mode != relative:
		if !s.adds.has(id) {
			s.removals = append(s.removals, Removal{ID: id, Op: at, Moot: true})
		}
		s.adds.del(id)
	case s.adds.has(id):
		s.adds.del(id)
		s.removes.put(id)
	case s.removes.has(id):
		s.removals = append(s.removals, Removal{ID: id, Op: at, Moot: true})
	default:
		s.removes.put(id)
		s.removals = append(s.removals, Removal{ID: id, Op: at})
	}
}

func (s *memberState) removeAll() {
	s.mode = removedAll
	s.adds = orderedSet{}
	s.removes = orderedSet{}
	s.dropDecided()
}

func (s *memberState) replace(ids []string) {
	s.mode = absolute
	s.adds = orderedSet{}
	s.removes = orderedSet{}
	s.dropDecided()
	for _, id := range ids {
		s.adds.put(id)
	}
}

// dropDecided forgets the removals the store would decide: a replace or
// a remove of all makes the whole list, and the store reports no
// removal by value. Whether they removed anything depends on the
// members before, which the plan does not read (NeedsCurrent), unless
// there are none.
func (s *memberState) dropDecided() {
	if slices.ContainsFunc(s.removals, func(rm Removal) bool { return !rm.Moot }) {
		s.needsCurrent = true
	}
}

func (s *memberState) plan() MemberPlan {
	switch s.mode {
	case removedAll:
		return MemberPlan{RemoveAll: true, Removals: s.removals}
	case absolute:
		add := s.adds.items()
		if add == nil {
			add = []string{}
		}
		return MemberPlan{Replace: true, Add: add, Removals: s.removals}
	}
	return MemberPlan{Add: s.adds.items(), Remove: s.removes.items(), Removals: s.removals}
}

// orderedSet is a set of non-empty strings that remembers insertion order;
// deleted entries leave "" behind in list.
type orderedSet struct {
	list []string
	pos  map[string]int
}

func (o *orderedSet) put(id string) {
	if _, ok := o.pos[id]; ok {
		return
	}
	if o.pos == nil {
		o.pos = make(map[string]int)
	}
	o.pos[id] = len(o.list)
	o.list = append(o.list, id)
}

func (o *orderedSet) has(id string) bool {
	_, ok := o.pos[id]
	return ok
}

func (o *orderedSet) del(id string) {
	if i, ok := o.pos[id]; ok {
		o.list[i] = ""
		delete(o.pos, id)
	}
}

func (o *orderedSet) items() []string {
	if len(o.pos) == 0 {
		return nil
	}
	out := make([]string, 0, len(o.pos))
	for _, id := range o.list {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// GroupPlan says how to carry out a group PATCH; PlanGroup makes it.
type GroupPlan struct {
	// Members is the membership change, when Kind is MembersOnly or
	// MembersWithOthers.
	Members MemberPlan
	// Others are the operations that came with a member change and do not
	// target members (Okta resends the group's id and displayName with
	// every membership update). With MembersWithOthers the caller applies
	// Members only if Others change nothing on the stored group, and
	// otherwise applies the whole request as Whole.
	Others []Operation
	// Kind is how to apply the request.
	Kind PlanKind
	// NeedsMembers reports whether applying the whole request to the
	// group's document needs the stored members (some operation targets
	// members). Without it the group can be read and written without its
	// members, whatever their number.
	NeedsMembers bool
}

// PlanKind is how a group PATCH is applied.
type PlanKind int

// The ways a group PATCH is applied.
const (
	// Whole: apply every operation with Engine.Apply to the group's
	// document (with members when NeedsMembers).
	Whole PlanKind = iota
	// MembersOnly: every operation targets members, and Members says the
	// whole change without reading the current members (unless Replace or
	// RemoveAll, which need the current list to compute the difference).
	MembersOnly
	// MembersWithOthers: Members is a plain add/remove change and Others
	// may change nothing; see GroupPlan.Others.
	MembersWithOthers
)

// PlanGroup classifies a group PATCH in one call: which operations target
// members (resolved as paths against the schema, like Apply resolves
// them), whether the membership change can go to the store as a set
// operation, and whether the rest needs the stored members. Errors are
// *Error, from malformed member operations before any other operation.
//
// Bends (an unknown sub-attribute of a member, an unquoted filter value)
// are recorded in, or refused by, l, as Apply does, once each, and only
// when the plan is not Whole: a Whole plan is applied with Apply, which
// records them itself.
func (e *Engine) PlanGroup(ops []Operation, l *resources.Lenience) (GroupPlan, error) {
	var memberOps, others []Operation
	first := len(ops) // the index of the first operation not on members
	for i, op := range ops {
		op.at = i + 1 // named as the request numbers it
		if e.targetsMembers(op) {
			memberOps = append(memberOps, op)
			continue
		}
		if others == nil {
			first = i
		}
		others = append(others, op)
	}
	pl := l.Fresh()
	// The member operations are planned once, in order. Those before
	// first are ops[:first] themselves (the same indices), so an error
	// there is the request's, as if every operation had been planned; an
	// error after it is left to Apply, which reports it in the order of
	// the request.
	plan, ok, at, err := e.planMembers(memberOps, pl)
	whole := GroupPlan{Kind: Whole, NeedsMembers: len(memberOps) > 0}
	switch {
	case err != nil && at < first:
		keepWarnings(l, pl)
		return GroupPlan{}, err
	case len(others) == 0 && ok && !plan.NeedsCurrent:
		keepWarnings(l, pl)
		return GroupPlan{Members: plan, Kind: MembersOnly, NeedsMembers: true}, nil
	case len(others) == 0 || len(memberOps) == 0 || err != nil || !ok || plan.NeedsCurrent || plan.Replace || plan.RemoveAll:
		return whole, nil
	}
	keepWarnings(l, pl)
	return GroupPlan{Members: plan, Others: others, Kind: MembersWithOthers, NeedsMembers: true}, nil
}

// keepWarnings adds the bends planning recorded in pl to l.
func keepWarnings(l, pl *resources.Lenience) {
	if l != nil {
		l.Warnings = append(l.Warnings, pl.Warnings...)
	}
}

// targetsMembers reports whether op targets the members attribute or one
// of its sub-attributes, by its path or, without one, by a key of its
// value, read as apply reads them (resolve, keyLoc).
func (e *Engine) targetsMembers(op Operation) bool {
	if e.members == nil {
		return false
	}
	a := &applier{e: e}
	obj, _ := op.Value.(map[string]any)
	if path := strings.TrimSpace(op.Path); path != "" {
		if names.Equal(path, e.rt.Schema.ID) {
			return a.keysTargetMembers(obj, true) // the core URN as the path: its value's keys
		}
		l, err := a.resolve(a.name(asPath, path, ""))
		return err == nil && l.attr == e.members
	}
	return a.keysTargetMembers(obj, false)
}

// keysTargetMembers reports whether a key of obj, a no-path value (or,
// in, the core schema's URN's value), lands on members (memberKeys), also
// inside the core schema's URN key
// ({"urn:ietf:params:scim:schemas:core:2.0:Group": {"members": [...]}}).
func (a *applier) keysTargetMembers(obj map[string]any, in bool) bool {
	return !a.memberKeys(obj, in, func(loc, any) bool { return false })
}

// memberKeys calls yield with the target and the value of each key of
// obj, a no-path value (or, in, the core schema's URN's value), that
// lands on members, read as apply reads them (keyLoc), inside the core
// schema's URN key too, until yield returns false; it reports whether
// yield never did. The one walk of a value's member keys:
// keysTargetMembers asks whether there is one, keysSendMembers what
// they write.
func (a *applier) memberKeys(obj map[string]any, in bool, yield func(l loc, v any) bool) bool {
	for k, v := range obj {
		if in && resources.IsURN(k) {
			continue // refused: URNs do not nest (applyKeys)
		}
		land, err := a.keyLoc(k, v, nil)
		switch {
		case err != nil:
		case land.core:
			if !in && !a.memberKeys(land.inner, true, yield) {
				return false
			}
		case land.l.attr == a.e.members:
			if !yield(land.l, v) {
				return false
			}
		}
	}
	return true
}

// SentMembers are the member values one operation of a group PATCH
// writes (Engine.SentMembers).
type SentMembers struct {
	// Op is the operation's index, Operations[Op].
	Op int
	// IDs are the values it writes, in its order.
	IDs []string
}

// SentMembers returns, for each operation of ops that writes member
// values, in their order, the values it writes: an add or replace of
// members (a list, or one member a filter selects, or its value), by its
// path or by a key of its no-path value (keyLoc, as ApplyTo reads it).
// An operation that writes none, or that ApplyTo refuses, is left out.
// It reads what the client sent, not what a group holds: the handler
// names a member value the store skipped by the operations that sent it
// (Operations[i]), on the member plan's path and ApplyTo's alike, and
// calls it only once something was skipped, so a request that skips
// nothing pays nothing for it.
func (e *Engine) SentMembers(ops []Operation) []SentMembers {
	if e.members == nil {
		return nil
	}
	var out []SentMembers
	for i, op := range ops {
		kind := op.kind()
		v := op.Value
		if _, isNull := v.(JSONNull); isNull || v == nil || kind == "remove" {
			continue
		}
		a := &applier{e: e, idx: op.index(i)}
		var ids []string
		switch path := strings.TrimSpace(op.Path); {
		case path == "" || names.Equal(path, e.rt.Schema.ID):
			obj, _ := v.(map[string]any)
			ids = a.keysSendMembers(obj, path != "")
		default:
			if l, err := a.resolve(a.name(asPath, path, "")); err == nil && l.attr == e.members {
				ids = a.sentMembers(l, v)
			}
		}
		if len(ids) > 0 {
			out = append(out, SentMembers{Op: a.idx, IDs: ids})
		}
	}
	return out
}

// keysSendMembers is SentMembers of the keys of obj, a no-path value
// (or, in, the core schema's URN's value): what each key memberKeys
// finds writes.
func (a *applier) keysSendMembers(obj map[string]any, in bool) []string {
	var ids []string
	a.memberKeys(obj, in, func(l loc, v any) bool {
		ids = append(ids, a.sentMembers(l, v)...)
		return true
	})
	return ids
}

// sentMembers is the member values v writes to l, a target on members:
// the list (or the one member a filter selects) v is, or, at members'
// value sub-attribute, v itself; and the values of a filter of value eq
// comparisons, whose member an add or replace makes when the group has
// none (Entra's filtered add, README "Deliberate deviations").
func (a *applier) sentMembers(l loc, v any) []string {
	var ids []string
	if l.filter != nil {
		ids, _ = valueEqIDs(l.filter)
	}
	switch {
	case l.sub == nil:
		sent, _ := a.memberIDs(v)
		ids = append(ids, sent...)
	case names.Equal(l.sub.Name, "value"):
		if s, ok := v.(string); ok {
			ids = append(ids, s)
		}
	}
	return ids
}
