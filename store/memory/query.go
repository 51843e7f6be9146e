package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// live returns the records of o that are not deleted, in creation order:
// o's own slice when none is (the caller only reads it under the lock).
func (o *order[T]) live() []T {
	if o.dead == 0 {
		return o.items
	}
	out := make([]T, 0, len(o.items)-o.dead)
	for _, r := range o.items {
		if !r.isDead() {
			out = append(out, r)
		}
	}
	return out
}

// unstoredSort clears q.SortBy when it names the core attribute name of
// ev.Type (or one of its sub-attributes): groups and members are not part
// of the documents a sort reads, so such a sort keeps creation order, as
// on sqlstore. A sortBy naming no attribute (groups.bogus) fails here as
// it does in query.Select.
func unstoredSort(ev *query.Evaluator, q *store.Query, name string) error {
	if q.SortBy == "" {
		return nil
	}
	s, err := ev.Sorter(q.SortBy)
	if err != nil {
		return err
	}
	if a := s.Attr(); a != nil && a == ev.Type.Schema.Attr(name) {
		q.SortBy = ""
	}
	return nil
}

// isCore reports whether p names the attribute name (case-insensitively)
// of rt's core schema or the common attributes, with sub-attribute sub
// (one of subs; "" for none).
func isCore(p filter.AttrPath, rt *resources.ResourceType, name string, subs ...string) bool {
	if !names.Equal(p.Name, name) {
		return false
	}
	if p.URI != "" && !names.Equal(p.URI, rt.Schema.ID) {
		return false
	}
	if len(subs) == 0 {
		return p.Sub == ""
	}
	for _, s := range subs {
		if names.Equal(p.Sub, s) {
			return true
		}
	}
	return false
}

// eqString returns the operand of an "eq" comparison with a string.
func eqString(c *filter.Compare) (string, bool) {
	if c == nil || !names.Equal(string(c.Op), string(filter.Eq)) {
		return "", false
	}
	s, ok := c.Value.(string)
	return s, ok
}

// idKeys returns the keys an id compared case-insensitively may be stored
// under: generated ids are lower-case, so the operand and its lower-case
// form.
func idKeys(v string) []string {
	if l := strings.ToLower(v); l != v {
		return []string{v, l}
	}
	return []string{v}
}

// plan computes the candidates of e from the indexes: ok is false when e
// needs a scan. The candidates are a superset of the matches; the caller
// still evaluates e on each. cands returns the candidates of one indexed
// leaf (a comparison or value filter), or false.
func plan[T comparable](e filter.Expr, depth int, cands func(filter.Expr) ([]T, bool)) ([]T, bool) {
	if depth > 100 {
		return nil, false
	}
	switch x := e.(type) {
	case *filter.Logical:
		if x == nil {
			return nil, false
		}
		l, lok := plan(x.Left, depth+1, cands)
		r, rok := plan(x.Right, depth+1, cands)
		switch names.Lower(string(x.Op)) {
		case string(filter.And):
			switch {
			case lok && rok:
				if len(r) < len(l) {
					return r, true
				}
				return l, true
			case lok:
				return l, true
			case rok:
				return r, true
			}
		case string(filter.Or):
			if lok && rok {
				return append(slices.Clip(l), r...), true
			}
		}
		return nil, false
	case *filter.Compare, *filter.ValuePath:
		return cands(e)
	}
	return nil, false
}

// elemEq finds "name eq <string>" in a value filter's and/or tree and
// returns every operand that an element must equal for the filter to
// hold (one per "or" branch), or false.
func elemEq(e filter.Expr, name string, depth int) ([]string, bool) {
	if depth > 100 {
		return nil, false
	}
	switch x := e.(type) {
	case *filter.Compare:
		if x != nil && x.Path.URI == "" && x.Path.Sub == "" && names.Equal(x.Path.Name, name) {
			if v, ok := eqString(x); ok {
				return []string{v}, true
			}
		}
	case *filter.Logical:
		if x == nil {
			return nil, false
		}
		l, lok := elemEq(x.Left, name, depth+1)
		r, rok := elemEq(x.Right, name, depth+1)
		switch names.Lower(string(x.Op)) {
		case string(filter.And):
			if lok {
				return l, true
			}
			return r, rok
		case string(filter.Or):
			if lok && rok {
				return append(l, r...), true
			}
		}
	}
	return nil, false
}

// leafValues returns the operands of an indexable comparison or value
// filter on the core attribute name (sub-attribute "value" for
// multi-valued ones).
func leafValues(e filter.Expr, rt *resources.ResourceType, name string, multi bool) ([]string, bool) {
	switch x := e.(type) {
	case *filter.Compare:
		if x == nil {
			return nil, false
		}
		if multi && !isCore(x.Path, rt, name, "", "value") || !multi && !isCore(x.Path, rt, name) {
			return nil, false
		}
		if v, ok := eqString(x); ok {
			return []string{v}, true
		}
	case *filter.ValuePath:
		if x != nil && multi && isCore(x.Path, rt, name) {
			return elemEq(x.Filter, "value", 0)
		}
	}
	return nil, false
}

// planUsers returns the users that may match e in creation order, or false
// when e needs a scan. The caller holds t.mu.
func (s *Store) planUsers(t *tenant, e filter.Expr) ([]*userRec, bool) {
	return planIndexed(s, t, e, s.model.User, userIndexes, func(r *userRec) uint64 { return r.seq })
}

// planGroups is planUsers for groups.
func (s *Store) planGroups(t *tenant, e filter.Expr) ([]*groupRec, bool) {
	return planIndexed(s, t, e, s.model.Group, groupIndexes, func(r *groupRec) uint64 { return r.seq })
}

// recIndex is an index of a tenant's records (users or groups) that a
// plan reads: the core attribute it keys (multi: that multi-valued
// attribute's "value"), and recs, which appends to out the records it
// holds under the operand v. The caller holds t.mu.
type recIndex[R any] struct {
	attr  string
	multi bool
	recs  func(s *Store, t *tenant, v string, out []R) []R
}

// userIndexes are the indexes planUsers reads: userName, externalId, id,
// emails and groups (a group's members, nested ones included).
var userIndexes = []recIndex[*userRec]{
	{"userName", false, func(s *Store, t *tenant, v string, out []*userRec) []*userRec {
		return appendHit(out, t.byUserName[s.key.userName(v)])
	}},
	{"externalId", false, func(s *Store, t *tenant, v string, out []*userRec) []*userRec {
		return slices.AppendSeq(out, t.byUserExt[s.key.userExt(v)].all())
	}},
	{"id", false, func(_ *Store, t *tenant, v string, out []*userRec) []*userRec {
		return appendHit(out, t.users[v])
	}},
	{"emails", true, func(s *Store, t *tenant, v string, out []*userRec) []*userRec {
		return slices.AppendSeq(out, t.byEmail[s.key.email(v)].all())
	}},
	{"groups", true, func(_ *Store, t *tenant, v string, out []*userRec) []*userRec {
		for _, id := range idKeys(v) {
			t.usersWithin(id, func(r *userRec) { out = append(out, r) })
		}
		return out
	}},
}

// groupIndexes are the indexes planGroups reads: displayName, externalId,
// id and members (the groups a member is directly in).
var groupIndexes = []recIndex[*groupRec]{
	{"displayName", false, func(s *Store, t *tenant, v string, out []*groupRec) []*groupRec {
		return appendHit(out, t.byGroupName[s.key.groupName(v)])
	}},
	{"externalId", false, func(s *Store, t *tenant, v string, out []*groupRec) []*groupRec {
		return slices.AppendSeq(out, t.byGroupExt[s.key.groupExt(v)].all())
	}},
	{"id", false, func(_ *Store, t *tenant, v string, out []*groupRec) []*groupRec {
		return appendHit(out, t.groups[v])
	}},
	{"members", true, func(_ *Store, t *tenant, v string, out []*groupRec) []*groupRec {
		for _, id := range idKeys(v) {
			for gid := range t.memberOf[id] {
				if r := t.groups[gid]; r != nil {
					out = append(out, r)
				}
			}
		}
		return out
	}},
}

// appendHit appends to out the record a unique index holds under a key,
// when it holds one (r not nil).
func appendHit[R comparable](out []R, r R) []R {
	var none R
	if r != none {
		out = append(out, r)
	}
	return out
}

// planIndexed returns the records of rt (users or groups) that may match
// e, read from indexes (plan: a comparison the first index keying its
// attribute answers), in creation order (seq), or false when e needs a
// scan. The caller holds t.mu.
func planIndexed[R comparable](s *Store, t *tenant, e filter.Expr, rt *resources.ResourceType, indexes []recIndex[R], seq func(R) uint64) ([]R, bool) {
	if e == nil {
		return nil, false
	}
	recs, ok := plan(e, 0, func(e filter.Expr) ([]R, bool) {
		for _, ix := range indexes {
			if vs, ok := leafValues(e, rt, ix.attr, ix.multi); ok {
				var out []R
				for _, v := range vs {
					out = ix.recs(s, t, v, out)
				}
				return out, true
			}
		}
		return nil, false
	})
	if !ok {
		return nil, false
	}
	slices.SortFunc(recs, func(a, b R) int { return cmp.Compare(seq(a), seq(b)) })
	return slices.Compact(recs), true
}

// attr returns the definition of rt's attribute name (and sub-attribute
// sub), or nil.
func attr(rt *resources.ResourceType, name, sub string) *resources.Attribute {
	a, _ := rt.Attr("", name)
	if a != nil && sub != "" {
		return a.Sub(sub)
	}
	return a
}

// byName reports whether e is one comparison "eq" of the resource
// type's unique name (userName, a group's displayName; query.NameAttr)
// with a string, and returns the string. The name index (keyed by
// query.NameKey, or by the name itself when the host made it caseExact)
// then answers e exactly: the record under the operand's key is the one
// match, as the evaluator compares names by the same key, so no document
// need be made or evaluated.
func byName(e filter.Expr, rt *resources.ResourceType, name string) (string, bool) {
	c, ok := e.(*filter.Compare)
	if !ok || c == nil || !isCore(c.Path, rt, name) {
		return "", false
	}
	return eqString(c)
}

// byExternalID is byName for externalId, which the externalId index
// answers exactly as well (keyed by the attribute's caseExact: exact, or
// foldKey, which meets where strings.EqualFold, the evaluator's
// comparison, holds), when the model has the attribute and the path is
// written without a schema URN: any other filter goes to query.Select,
// which refuses what it must.
func byExternalID(e filter.Expr, rt *resources.ResourceType) (string, bool) {
	if c, ok := e.(*filter.Compare); !ok || c == nil || c.Path.URI != "" || attr(rt, "externalId", "") == nil {
		return "", false
	}
	return byName(e, rt, "externalId")
}

// inOrder returns the records of set in creation order.
func inOrder[R interface {
	comparable
	order() uint64
}](set recSet[R]) []R {
	if set.len() == 0 {
		return nil
	}
	out := make([]R, 0, set.len())
	for r := range set.all() {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b R) int { return cmp.Compare(a.order(), b.order()) })
	return out
}

func (r *userRec) order() uint64  { return r.seq }
func (r *groupRec) order() uint64 { return r.seq }

// one is the candidates of a name lookup: the record found, or none.
func one[R comparable](r R) []R {
	var zero R
	if r == zero {
		return nil
	}
	return []R{r}
}

// userRows returns the users of t that may match q, in creation order
// (from the indexes when the filter allows, else all), whether each of
// them matches (byName, byExternalID: then the filter is not evaluated),
// the document the filter or sortBy reads of each (with its groups,
// direct and indirect, when the filter names groups), nil when none is
// read, and, when the filter names groups, the groups that document
// read of each (read, which the page's copy takes). The caller holds
// t.mu.
func (s *Store) userRows(t *tenant, q store.Query) ([]*userRec, bool, func(*userRec) (map[string]any, error), *groupsRead) {
	if v, ok := byName(q.Filter, s.model.User, "userName"); ok {
		return lookupRows(one(t.byUserName[s.key.userName(v)]), q)
	}
	if v, ok := byExternalID(q.Filter, s.model.User); ok {
		return lookupRows(inOrder(t.byUserExt[s.key.userExt(v)]), q)
	}
	cands, planned := s.planUsers(t, q.Filter)
	if !planned {
		cands = t.userOrder.live()
	}
	if query.Mentions(s.model.User, q.Filter, "groups") {
		if q.ExcludeGroups {
			// The page leaves groups out: the filter reads each
			// candidate's groups into one buffer, and nothing keeps them.
			read := &groupsRead{}
			return cands, false, func(r *userRec) (map[string]any, error) { return read.doc(t, r), nil }, nil
		}
		read := newGroupsRead(cands, q.Count)
		return cands, false, func(r *userRec) (map[string]any, error) { return read.doc(t, r), nil }, read
	}
	return cands, false, func(r *userRec) (map[string]any, error) { return r.document(), nil }, nil
}

// lookupRows is the answer of userRows or groupRows to a lookup by name
// or externalId: every candidate matches, and a document is read only for
// a sortBy.
func lookupRows[R interface{ document() map[string]any }](cands []R, q store.Query) ([]R, bool, func(R) (map[string]any, error), *groupsRead) {
	if q.SortBy == "" {
		return cands, true, nil, nil
	}
	return cands, true, func(r R) (map[string]any, error) { return r.document(), nil }, nil
}

// groupRows is userRows for groups (with the members when the filter
// names members; read is always nil).
func (s *Store) groupRows(t *tenant, q store.Query) ([]*groupRec, bool, func(*groupRec) (map[string]any, error), *groupsRead) {
	if v, ok := byName(q.Filter, s.model.Group, "displayName"); ok {
		return lookupRows(one(t.byGroupName[s.key.groupName(v)]), q)
	}
	if v, ok := byExternalID(q.Filter, s.model.Group); ok {
		return lookupRows(inOrder(t.byGroupExt[s.key.groupExt(v)]), q)
	}
	withMembers := query.Mentions(s.model.Group, q.Filter, "members")
	cands, planned := s.planGroups(t, q.Filter)
	if !planned {
		cands = t.groupOrder.live()
	}
	return cands, false, func(r *groupRec) (map[string]any, error) {
		if withMembers {
			return t.groupDocWithMembers(r), nil
		}
		return r.document(), nil
	}, nil
}

// rowsFunc is userRows or groupRows.
type rowsFunc[R any] func(*tenant, store.Query) (cands []R, matched bool, doc func(R) (map[string]any, error), read *groupsRead)

// noDoc is the document of a record none is read of.
func noDoc[R any](R) (map[string]any, error) { return nil, nil }

// list is a page of the tenant's records (users or groups): its
// candidates and their documents (rows), filtered, sorted, counted and
// paged by query.Select under one read lock, and copied out (out, a
// page at once: copier).
// unstored is the attribute no sort reads (see unstoredSort). Candidates
// that all match (a name lookup) are not filtered again, and without a
// sortBy they are paged as they are: a lookup by userName makes no
// document and no match list, only the page.
func list[R any, T any](s *Store, ctx context.Context, q store.Query, ev *query.Evaluator, unstored string,
	rows rowsFunc[R], out func(*tenant, []R, *groupsRead) []T) (store.Page[T], error) {
	if err := unstoredSort(ev, &q, unstored); err != nil {
		return store.Page[T]{Items: []T{}}, err
	}
	if err := query.CheckQueryStrings(q.Filter); err != nil { // a lookup (rows) answers without query.Select
		return store.Page[T]{Items: []T{}}, err
	}
	t, err := s.tenant(ctx, false)
	if err != nil {
		return store.Page[T]{Items: []T{}}, err
	}
	if t == nil {
		// No tenant yet: still report a bad filter or sortBy.
		_, err := query.Select(ev, q, []R(nil), nil)
		return store.Page[T]{Items: []T{}}, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	cands, matched, doc, read := rows(t, q)
	if matched {
		q.Filter, q.Compiled = nil, nil
		if doc == nil {
			win := query.Window(cands, q.StartIndex, q.Count)
			return store.Page[T]{Items: out(t, win, read), Total: len(cands)}, nil
		}
	}
	recs, err := query.Select(ev, q, cands, doc)
	return store.Page[T]{Items: out(t, recs.Items, read), Total: recs.Total}, err
}

// copier is how a list of groups copies a page out (copyOut): no group
// has groups for a filter to have read (userCopier is the users' twin,
// which takes them). readOnly is q.ReadOnly, exclude q.ExcludeMembers.
// The caller holds t.mu.
func copier[R any, T any](readOnly, exclude bool, view func(*tenant, *T, R, bool), out func(*tenant, R, bool) *T) func(*tenant, []R, *groupsRead) []*T {
	return func(t *tenant, recs []R, _ *groupsRead) []*T { return copyOut(t, recs, readOnly, exclude, view, out) }
}

// copyOut copies a page of users or groups out: views (view: viewUser,
// viewGroup) for a caller that only reads (q.ReadOnly), else out
// (userOut, groupOut) of each; exclude is q.ExcludeGroups or
// q.ExcludeMembers. The caller holds t.mu.
func copyOut[R any, T any](t *tenant, recs []R, readOnly, exclude bool, view func(*tenant, *T, R, bool), out func(*tenant, R, bool) *T) []*T {
	if readOnly {
		return views(t, recs, exclude, view)
	}
	items := make([]*T, len(recs))
	for i, r := range recs {
		items[i] = out(t, r, exclude)
	}
	return items
}

// views returns the views of recs, a page of a list with
// store.Query.ReadOnly, made by set (viewUser, viewGroup; given exclude),
// in as few allocations as the page allows: the values in one block, the
// page's one-item slice of pointers inside it for a lookup (a page of
// one, the request identity providers send before every create), else
// one slice beside the block. The caller holds t.mu.
func views[R any, T any](t *tenant, recs []R, exclude bool, set func(*tenant, *T, R, bool)) []*T {
	switch len(recs) {
	case 0:
		return []*T{}
	case 1:
		b := new(struct {
			p [1]*T
			v T
		})
		set(t, &b.v, recs[0], exclude)
		b.p[0] = &b.v
		return b.p[:]
	}
	vs := make([]T, len(recs))
	out := make([]*T, len(recs))
	for i, r := range recs {
		set(t, &vs[i], r, exclude)
		out[i] = &vs[i]
	}
	return out
}

// ListUsersAfter is store.UserCursorLister: the users matching q after
// the position after, in ListUsers' order. The memory store filters and
// sorts the tenant's users on each page (as ListUsers does); positions
// are query.Position strings, so a walk survives concurrent creates and
// deletes. q.ReadOnly is honoured as in ListUsers.
func (s *Store) ListUsersAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
	return listAfter(s, ctx, q, after, s.userEval, "groups", s.userRows,
		func(r *userRec) int64 { return int64(r.seq) }, userCopier(q))
}

// ListGroupsAfter is store.GroupCursorLister, as ListUsersAfter.
func (s *Store) ListGroupsAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
	return listAfter(s, ctx, q, after, s.groupEval, "members", s.groupRows,
		func(r *groupRec) int64 { return int64(r.seq) }, copier(q.ReadOnly, q.ExcludeMembers, (*tenant).viewGroup, (*tenant).groupOut))
}

// listAfter is a cursor page of the tenant's records (users or groups):
// its candidates and their documents (rows), filtered, sorted and cut by
// query.SelectAfter under one read lock, and copied out (out). unstored
// is the attribute no sort reads (see unstoredSort).
func listAfter[R any, T any](s *Store, ctx context.Context, q store.Query, after string, ev *query.Evaluator, unstored string,
	rows rowsFunc[R], seq func(R) int64, out func(*tenant, []R, *groupsRead) []T) (store.CursorPage[T], error) {
	empty := store.CursorPage[T]{Items: []T{}, Positions: []string{}}
	if err := unstoredSort(ev, &q, unstored); err != nil {
		return empty, err
	}
	if err := query.CheckQueryStrings(q.Filter); err != nil { // a lookup (rows) answers without query.SelectAfter
		return empty, err
	}
	t, err := s.tenant(ctx, false)
	if err != nil {
		return empty, err
	}
	if t == nil {
		// No tenant yet: still report a bad filter, sortBy or position.
		_, err := query.SelectAfter(ev, q, []R(nil), nil, seq, after)
		return empty, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	cands, matched, doc, read := rows(t, q)
	if matched {
		q.Filter, q.Compiled = nil, nil
		if doc == nil {
			doc = noDoc[R]
		}
	}
	recs, err := query.SelectAfter(ev, q, cands, doc, seq, after)
	if err != nil {
		return empty, err
	}
	return store.CursorPage[T]{Items: out(t, recs.Items, read), Positions: recs.Positions, More: recs.More}, nil
}
