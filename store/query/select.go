package query

import (
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Select answers the list query q over items, a host's own rows in
// creation order, with one call: it keeps the items whose document matches
// q.Filter, sorts them stably by q.SortBy (descending when q.Descending;
// ties keep the order of items, so paging is stable), and returns the page
// of q.StartIndex and q.Count with Total, the number of matches. Count 0
// gives empty, non-nil Items and the Total. A ListUsers of a host store is
//
//	return query.Select(ev, q, rows, func(r row) (map[string]any, error) {
//		return query.UserDoc(r.user)
//	})
//
// followed by turning the page's rows into users. doc is called once per
// item and returns the resources.ToMap document filters and sorting read
// (UserDoc and GroupDoc render it); an error from doc ends the call.
// Filter and sortBy problems are *FilterError, which the handler answers
// with 400. Items is a new slice holding elements of items (not copies).
func Select[T any](ev *Evaluator, q store.Query, items []T, doc func(T) (map[string]any, error)) (store.Page[T], error) {
	page := store.Page[T]{Items: []T{}}
	m, sorter, err := ev.compileQuery(q)
	if err != nil {
		return page, err
	}
	type hit struct {
		key SortKey
		pos int // index in items: ties keep input order, also descending
		v   T
	}
	var hits []hit
	for i, it := range items {
		d, err := doc(it)
		if err != nil {
			return store.Page[T]{Items: []T{}}, err
		}
		if !m.Match(d) {
			continue
		}
		h := hit{pos: i, v: it}
		if sorter != nil {
			h.key = sorter.Key(d)
		}
		hits = append(hits, h)
	}
	page.Total = len(hits)
	if sorter != nil {
		SortStable(hits, q.Descending, func(h hit) (SortKey, int) { return h.key, h.pos })
	}
	for _, h := range Window(hits, q.StartIndex, q.Count) {
		page.Items = append(page.Items, h.v)
	}
	return page, nil
}

// compileQuery compiles q's filter (unless the handler did, see
// QueryMatcher) and, when q.SortBy is set, its sorter (nil otherwise).
func (ev *Evaluator) compileQuery(q store.Query) (*Matcher, *Sorter, error) {
	m, err := ev.QueryMatcher(q)
	if err != nil {
		return nil, nil, err
	}
	var sorter *Sorter
	if q.SortBy != "" {
		if sorter, err = ev.Sorter(q.SortBy); err != nil {
			return nil, nil, err
		}
	}
	return m, sorter, nil
}

// UserDoc renders u as the document filters and sorting read
// (resources.ToMap) without its password, so that no filter can probe it.
//
// A membership a store left untyped is "direct"
// (resources.TypedGroupRefs), as a GET shows it.
func UserDoc(u *resources.User) (map[string]any, error) {
	c := *u
	c.Password = ""
	c.Groups = resources.TypedGroupRefs(c.Groups)
	return resources.ToMap(&c)
}

// GroupRefValue renders ref as an element of the groups attribute of the
// document a filter reads, exactly as UserDoc renders a User's Groups and
// a GET shows them (resources.GroupRefMap): "value", then "display" only
// when not empty, so that "groups.display eq \"\"" matches no element,
// and "type", "direct" when the store left it empty
// (resources.GroupRef.MembershipType), on a store that adds a user's
// memberships to the document (store.MembershipReader, indirect ones
// included) as on one that fills User.Groups before UserDoc. No
// store of this module keeps a "$ref": the handler makes each from the
// value as it answers and refuses a filter that names it (400
// invalidFilter), so a filter never sees one.
func GroupRefValue(ref resources.GroupRef) map[string]any {
	ref.Type = ref.MembershipType()
	return resources.GroupRefMap(ref)
}

// MemberValue renders m as an element of the members attribute of the
// document a filter reads, as GroupDoc renders a Group's Members and a GET
// shows them (resources.MemberMap), so that every store that adds a
// group's members to that document writes them alike.
func MemberValue(m resources.Member) map[string]any {
	return resources.MemberMap(m)
}

// GroupDoc renders g as the document filters and sorting read
// (resources.ToMap).
func GroupDoc(g *resources.Group) (map[string]any, error) {
	return resources.ToMap(g)
}

// QueryMatcher returns the Matcher of q.Filter: q.Compiled when Compile
// made it from this very Filter (the same expression, by identity: nodes
// are pointers) for ev's resource type, as the handler does when it
// validates a list's filter, so that the filter is resolved once per
// request; otherwise Compile's. Select and SelectAfter get their matcher
// here; a store with its own loop over documents may too. A filter that
// compares with a string holding NUL is refused (CheckQueryStrings).
func (ev *Evaluator) QueryMatcher(q store.Query) (*Matcher, error) {
	if err := CheckQueryStrings(q.Filter); err != nil {
		return nil, err
	}
	if m, ok := q.Compiled.(*Matcher); ok && m != nil && ev != nil && m.rt != nil && m.rt == ev.Type && m.e == q.Filter {
		return m, nil
	}
	return ev.Compile(q.Filter)
}

// Mentions reports whether the filter e names the attribute name of rt's
// core schema (or a common attribute) outside a value filter's inner
// paths: name in any letter case, with or without the core schema's URN,
// alone or with a sub-attribute (members, members.value,
// members[type eq "User"], urn:…:core:2.0:Group:members). A store that
// keeps a group's members or a user's groups apart from the resource
// reads them for such a filter, and only then, before its documents meet
// the filter (Select, Evaluator): store/memory and store/sqlstore decide
// so with it. A nil e names nothing.
func Mentions(rt *resources.ResourceType, e filter.Expr, name string) bool {
	if e == nil {
		return false
	}
	return filter.AnyPath(e, func(p filter.AttrPath) bool {
		return names.Equal(p.Name, name) && (p.URI == "" || names.Equal(p.URI, rt.Schema.ID))
	})
}

// CheckQueryStrings returns a *FilterError (400 invalidFilter at the
// handler) when a comparison of a list's filter e is with a string that
// holds a NUL character (filter.HoldsNUL): no store answers one alike
// (PostgreSQL refuses NUL in text; SQLite's GLOB ends a pattern at one
// where instr does not), so every store refuses it, whatever operator
// compares it. QueryMatcher, and so Select and SelectAfter, ask it; a
// store that answers a list without them (a lookup by an index) asks it
// first.
func CheckQueryStrings(e filter.Expr) error {
	if filter.HoldsNUL(e) {
		return filterErrorf("the filter compares with a string that contains a NUL character (\\u0000), which no stored value holds")
	}
	return nil
}
