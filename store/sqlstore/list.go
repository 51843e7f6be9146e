package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// listPlan is a list query compiled to SQL.
type listPlan struct {
	a        *args
	where    string // condition on the table (tenant included)
	order    string // ORDER BY clause
	nWhere   int    // how many of a.vals the condition uses
	residual bool   // the filter or the sort must be finished in Go
	matcher  *query.Matcher
	sorter   *query.Sorter
}

// plan validates q against the resource type (errors are
// *query.FilterError) and compiles it.
func (s *Store) plan(ctx context.Context, users bool, q store.Query) (*listPlan, error) {
	ev := s.groupEval
	if users {
		ev = s.userEval
	}
	m, err := ev.Compile(q.Filter)
	if err != nil {
		return nil, err
	}
	var sorter *query.Sorter
	if q.SortBy != "" {
		if sorter, err = ev.Sorter(q.SortBy); err != nil {
			return nil, err
		}
	}
	p := &listPlan{a: &args{d: s.d}, matcher: m, sorter: sorter}
	tenant := p.a.add(store.Tenant(ctx))
	c := newCompiler(s, users, p.a, tenant)
	cond, residual, err := c.where(q.Filter)
	if err != nil {
		return nil, err
	}
	p.residual = residual
	p.where = c.alias + ".tenant = " + tenant
	if cond != "" {
		p.where += " AND " + cond
	}
	p.nWhere = len(p.a.vals)
	p.order = c.alias + ".seq"
	if q.SortBy != "" {
		key, err := c.sortKey(q.SortBy)
		switch {
		case errors.Is(err, errFallback):
			p.a.vals = p.a.vals[:p.nWhere]
			p.residual = true
		case err != nil:
			return nil, err
		case key != "":
			if q.Descending {
				p.order = key + " DESC NULLS FIRST, " + p.order
			} else {
				p.order = key + " ASC NULLS LAST, " + p.order
			}
		}
	}
	return p, nil
}

// pageSQL renders the query of one page and adds its bounds to p.a.
func (p *listPlan) pageSQL(cols, from string, limit, offset int) string {
	return `SELECT ` + cols + from + ` ORDER BY ` + p.order + ` LIMIT ` + p.a.add(limit) + ` OFFSET ` + p.a.add(offset)
}

// pageBounds converts StartIndex and Count to OFFSET and LIMIT.
func pageBounds(q store.Query) (offset, limit int) {
	offset = q.StartIndex - 1
	if offset < 0 {
		offset = 0
	}
	return offset, q.Count
}

// ListUsers returns the page of users matching q. Filter, sort and paging
// run in SQL, and Total is counted in the same snapshot (one statement
// when the whole result fits on the first page, else one read
// transaction of two). Unless q.ExcludeGroups, the page's statement reads
// each user's groups too, as GetUser does; when part of the filter or
// sort is finished in Go, Groups is filled (direct and indirect) when the
// filter named groups and is otherwise left nil for the handler. Without
// q.SortBy users come in creation order; ties of a
// sort keep that order. q.Count 0 gives an empty (non-nil) Items and the
// Total. A filter part SQL cannot express exactly (see the package
// documentation) is evaluated in Go on the rows the rest selects.
func (s *Store) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	page := store.Page[*resources.User]{Items: []*resources.User{}}
	if err := ctxErr(ctx); err != nil {
		return page, err
	}
	p, err := s.plan(ctx, true, q)
	if err != nil {
		return page, err
	}
	from := ` FROM scim_users u WHERE ` + p.where
	if p.residual {
		err = s.read(ctx, func(tx *sql.Tx) error { return s.listUsersInGo(ctx, tx, p, q, from, &page) })
	} else {
		cols, scan := userCols, s.scanUser
		if !q.ExcludeGroups {
			// each user's groups in the page's statement
			cols, scan = userCols+", "+s.sqlUserGroups(), s.scanUserWithGroups
		}
		page.Items, page.Total, err = listSQL(ctx, s, nil, p, q, cols, from, scan)
	}
	if err != nil {
		return store.Page[*resources.User]{Items: []*resources.User{}}, err
	}
	return page, nil
}

// listSQL runs the page query of a plan without residual, in tx when it
// is not nil. The page and the total come from one statement (the total
// an uncorrelated count subquery, evaluated once, in the page's
// snapshot); only a page past the end, which has no row to carry the
// total, takes a second statement to count.
func listSQL[T any](ctx context.Context, s *Store, tx *sql.Tx, p *listPlan, q store.Query, cols, from string, scan func(scanner, ...any) (T, error)) ([]T, int, error) {
	offset, limit := pageBounds(q)
	items := []T{}
	var qr interface {
		querier
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	} = s.r
	if tx != nil {
		qr = tx
	}
	countSQL := `SELECT count(*)` + from
	total := 0
	count := func() error {
		if err := qr.QueryRowContext(ctx, countSQL, p.a.vals[:p.nWhere]...).Scan(&total); err != nil {
			return fmt.Errorf("sqlstore: count: %w", err)
		}
		return nil
	}
	if limit == 0 {
		return items, total, count()
	}
	rows, err := qr.QueryContext(ctx, p.pageSQL(cols+", ("+countSQL+")", from, limit, offset), p.a.vals...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scan(rows, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: list: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: list: %w", err)
	}
	rows.Close()
	if len(items) == 0 && offset > 0 {
		return items, total, count()
	}
	return items, total, nil
}

// inGo is a row a list finishes in Go: the resource, its filter document
// and its creation sequence.
type inGo[T any] struct {
	v   T
	doc map[string]any
	seq int64
}

// scanInGo runs the SQL part of p's filter (ordered by creation) and scans
// every row with scan, which reads the resource's columns and then the
// extra destinations it is given (the seq). what names the list in
// errors ("users").
func scanInGo[T any](ctx context.Context, tx *sql.Tx, p *listPlan, query, what string, scan func(scanner, ...any) (T, error)) ([]*inGo[T], error) {
	rows, err := tx.QueryContext(ctx, query, p.a.vals[:p.nWhere]...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", what, err)
	}
	var recs []*inGo[T]
	for rows.Next() {
		r := &inGo[T]{}
		if r.v, err = scan(rows, &r.seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: list %s: %w", what, err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", what, err)
	}
	return recs, nil
}

// finishInGo renders the filter document of each record (render), keeps
// those p's matcher accepts (on the document with attribute attr set to
// extra's value where extra has one), sorts them by p's sorter and puts
// the page q asks for in page.
func finishInGo[T any](p *listPlan, q store.Query, recs []*inGo[T], what string, render func(T) (map[string]any, error), attr string, extra func(T) (any, bool), page *store.Page[T]) error {
	hits := recs[:0]
	for _, r := range recs {
		var err error
		if r.doc, err = render(r.v); err != nil {
			return fmt.Errorf("sqlstore: list %s: %w", what, err)
		}
		doc := r.doc
		if v, ok := extra(r.v); ok {
			doc = query.With(r.doc, attr, v)
		}
		if p.matcher.Match(doc) {
			hits = append(hits, r)
		}
	}
	page.Total = len(hits)
	if p.sorter != nil {
		query.SortStable(hits, q.Descending, func(r *inGo[T]) (query.SortKey, int64) { return p.sorter.Key(r.doc), r.seq })
	}
	for _, r := range query.Window(hits, q.StartIndex, q.Count) {
		page.Items = append(page.Items, r.v)
	}
	return nil
}

// listUsersInGo lists the users the SQL part of the filter selects and
// finishes filter, sort and paging in Go.
func (s *Store) listUsersInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string, page *store.Page[*resources.User]) error {
	recs, err := scanInGo(ctx, tx, p, `SELECT `+userCols+`, u.seq`+from+` ORDER BY u.seq`, "users", s.scanUser)
	if err != nil {
		return err
	}
	withGroups := q.Filter != nil && mentions(q.Filter, "groups", s.model.User)
	var groups map[string][]any
	var refs map[string][]resources.GroupRef
	if withGroups && len(recs) > 0 {
		groups = make(map[string][]any)
		refs = make(map[string][]resources.GroupRef)
		if err := s.groupsOf(ctx, tx, store.Tenant(ctx), nil, func(uid string, ref resources.GroupRef) {
			// A filter on groups sees the direct memberships, as the
			// compiled filter and every store do (store.MembershipReader).
			if ref.Type == "direct" {
				groups[uid] = append(groups[uid], map[string]any{"value": ref.Value, "display": ref.Display, "type": ref.Type})
			}
			refs[uid] = append(refs[uid], ref)
		}); err != nil {
			return err
		}
	}
	render := func(u *resources.User) (map[string]any, error) {
		c := *u
		c.Password = ""
		return resources.ToMap(&c)
	}
	extra := func(u *resources.User) (any, bool) {
		gs := groups[u.ID]
		return gs, len(gs) > 0
	}
	if err := finishInGo(p, q, recs, "users", render, "groups", extra, page); err != nil {
		return err
	}
	if refs != nil && !q.ExcludeGroups {
		// read already: the handler need not ask again
		for _, u := range page.Items {
			u.Groups = append([]resources.GroupRef{}, refs[u.ID]...)
		}
	}
	return nil
}

// ListGroups returns the page of groups matching q, like ListUsers. With
// q.ExcludeMembers the groups have Members nil and scim_members is read
// only if the filter names members.
func (s *Store) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	page := store.Page[*resources.Group]{Items: []*resources.Group{}}
	if err := ctxErr(ctx); err != nil {
		return page, err
	}
	p, err := s.plan(ctx, false, q)
	if err != nil {
		return page, err
	}
	tenant := store.Tenant(ctx)
	from := ` FROM scim_groups g WHERE ` + p.where
	scan := s.scanGroup
	if !p.residual && q.ExcludeMembers {
		page.Items, page.Total, err = listSQL(ctx, s, nil, p, q, groupCols, from, scan)
		if err != nil {
			return store.Page[*resources.Group]{Items: []*resources.Group{}}, err
		}
		return page, nil
	}
	// groups and their members from one snapshot
	err = s.read(ctx, func(tx *sql.Tx) error {
		if p.residual {
			if err := s.listGroupsInGo(ctx, tx, p, q, from, &page); err != nil {
				return err
			}
		} else {
			var err error
			if page.Items, page.Total, err = listSQL(ctx, s, tx, p, q, groupCols, from, scan); err != nil {
				return err
			}
		}
		if q.ExcludeMembers || len(page.Items) == 0 {
			return nil
		}
		ids := make([]string, len(page.Items))
		for i, g := range page.Items {
			ids[i] = g.ID
		}
		members, err := s.loadMembersOf(ctx, tx, tenant, ids)
		if err != nil {
			return err
		}
		for _, g := range page.Items {
			g.Members = members[g.ID]
			if g.Members == nil {
				g.Members = []resources.Member{}
			}
		}
		return nil
	})
	if err != nil {
		return store.Page[*resources.Group]{Items: []*resources.Group{}}, err
	}
	return page, nil
}

// listGroupsInGo is listUsersInGo for groups.
func (s *Store) listGroupsInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string, page *store.Page[*resources.Group]) error {
	recs, err := scanInGo(ctx, tx, p, `SELECT `+groupCols+`, g.seq`+from+` ORDER BY g.seq`, "groups", s.scanGroup)
	if err != nil {
		return err
	}
	var members map[string][]resources.Member
	if q.Filter != nil && mentions(q.Filter, "members", s.model.Group) && len(recs) > 0 {
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.v.ID
		}
		if members, err = s.loadMembersOf(ctx, tx, store.Tenant(ctx), ids); err != nil {
			return err
		}
	}
	render := func(g *resources.Group) (map[string]any, error) { return resources.ToMap(g) }
	extra := func(g *resources.Group) (any, bool) {
		ms := members[g.ID]
		if len(ms) == 0 {
			return nil, false
		}
		list := make([]any, len(ms))
		for i, m := range ms {
			list[i] = map[string]any{"value": m.Value, "type": m.Type, "display": m.Display}
		}
		return list, true
	}
	return finishInGo(p, q, recs, "groups", render, "members", extra, page)
}

// mentions reports whether e names the core attribute name anywhere
// outside a value filter's inner paths.
func mentions(e filter.Expr, name string, rt *resources.ResourceType) bool {
	found := false
	isIt := func(p filter.AttrPath) bool {
		return strings.EqualFold(p.Name, name) && (p.URI == "" || strings.EqualFold(p.URI, rt.Schema.ID))
	}
	var walk func(filter.Expr, int)
	walk = func(e filter.Expr, depth int) {
		if found || depth > 1000 {
			return
		}
		switch x := e.(type) {
		case *filter.Compare:
			found = x != nil && isIt(x.Path)
		case *filter.Present:
			found = x != nil && isIt(x.Path)
		case *filter.ValuePath:
			found = x != nil && isIt(x.Path)
		case *filter.Logical:
			if x != nil {
				walk(x.Left, depth+1)
				walk(x.Right, depth+1)
			}
		case *filter.Not:
			if x != nil {
				walk(x.X, depth+1)
			}
		}
	}
	walk(e, 0)
	return found
}
