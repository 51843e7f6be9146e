package query_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// hostRow is a row of a host's own users table.
type hostRow struct {
	ID, Login, Title string
	Version          int64
}

// toUser turns a row into the SCIM user it is.
func (r hostRow) toUser() *resources.User {
	return &resources.User{ID: r.ID, UserName: r.Login, Title: r.Title,
		Meta: resources.Meta{ResourceType: "User", Version: query.FormatVersion(r.Version)}}
}

// hostStore is the list path of a host's store over its own rows.
type hostStore struct {
	ev   *query.Evaluator
	rows []hostRow // in creation order
}

func (s *hostStore) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	page, err := query.Select(s.ev, q, s.rows, func(r hostRow) (map[string]any, error) {
		return query.UserDoc(r.toUser())
	})
	out := store.Page[*resources.User]{Items: make([]*resources.User, len(page.Items)), Total: page.Total}
	for i, r := range page.Items {
		out.Items[i] = r.toUser()
	}
	return out, err
}

// A host's ListUsers answers filter, sort and paging with one call over
// its own rows.
func ExampleSelect() {
	model := resources.DefaultModel()
	s := &hostStore{ev: query.NewEvaluator(model.User), rows: []hostRow{
		{"1", "tom", "Engineer", 1},
		{"2", "ſam", "engineer", 3},
		{"3", "rob", "Manager", 2},
	}}
	f, err := filter.Parse(`title eq "ENGINEER"`)
	if err != nil {
		panic(err)
	}
	page, err := s.ListUsers(context.Background(), store.Query{Filter: f, SortBy: "userName", StartIndex: 1, Count: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println("total", page.Total)
	for _, u := range page.Items {
		fmt.Println(u.UserName, u.Meta.Version)
	}
	// Output:
	// total 2
	// ſam W/"3"
	// tom W/"1"
}

func TestSelect(t *testing.T) {
	ev := query.NewEvaluator(userType)
	// Created in this order: titles with ties (by fold) and a missing one.
	rows := []hostRow{
		{"1", "u1", "b", 1}, {"2", "u2", "A", 1}, {"3", "u3", "", 1},
		{"4", "u4", "B", 1}, {"5", "u5", "a", 1}, {"6", "u6", "c", 1},
	}
	doc := func(r hostRow) (map[string]any, error) { return query.UserDoc(r.toUser()) }
	tests := []struct {
		name   string
		q      store.Query
		want   []string
		total  int
		errIs  error
		filter bool // the error is a *FilterError
	}{
		{name: "all in creation order", q: store.Query{StartIndex: 1, Count: 10}, want: []string{"u1", "u2", "u3", "u4", "u5", "u6"}, total: 6},
		{name: "sort, ties in creation order, missing last", q: store.Query{SortBy: "title", StartIndex: 1, Count: 10}, want: []string{"u2", "u5", "u1", "u4", "u6", "u3"}, total: 6},
		{name: "descending keeps ties in creation order", q: store.Query{SortBy: "title", Descending: true, StartIndex: 1, Count: 10}, want: []string{"u3", "u6", "u1", "u4", "u2", "u5"}, total: 6},
		{name: "page of a sorted list", q: store.Query{SortBy: "title", StartIndex: 2, Count: 3}, want: []string{"u5", "u1", "u4"}, total: 6},
		{name: "filter then page", q: store.Query{Filter: parse(t, `title eq "b"`), StartIndex: 2, Count: 5}, want: []string{"u4"}, total: 2},
		{name: "count 0 gives only the total", q: store.Query{Filter: parse(t, `title pr`), StartIndex: 1, Count: 0}, want: []string{}, total: 5},
		{name: "start past the end", q: store.Query{StartIndex: 7, Count: 5}, want: []string{}, total: 6},
		{name: "no match", q: store.Query{Filter: parse(t, `title eq "z"`), StartIndex: 1, Count: 5}, want: []string{}, total: 0},
		{name: "bad filter", q: store.Query{Filter: parse(t, `nosuch eq "x"`), StartIndex: 1, Count: 5}, want: []string{}, filter: true},
		{name: "bad sortBy", q: store.Query{SortBy: "nosuch", StartIndex: 1, Count: 5}, want: []string{}, filter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := query.Select(ev, tt.q, rows, doc)
			if tt.filter {
				var fe *query.FilterError
				require.ErrorAs(t, err, &fe)
			} else {
				require.NoError(t, err)
			}
			require.NotNil(t, p.Items)
			got := []string{}
			for _, r := range p.Items {
				got = append(got, r.Login)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.total, p.Total)
		})
	}

	t.Run("doc error ends the call", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		p, err := query.Select(ev, store.Query{StartIndex: 1, Count: 10}, rows, func(r hostRow) (map[string]any, error) {
			calls++
			if r.ID == "2" {
				return nil, boom
			}
			return doc(r)
		})
		require.ErrorIs(t, err, boom)
		assert.Empty(t, p.Items)
		assert.Equal(t, 2, calls)
	})
	t.Run("doc is called once per row", func(t *testing.T) {
		calls := 0
		_, err := query.Select(ev, store.Query{Filter: parse(t, `title pr`), SortBy: "title", StartIndex: 1, Count: 10}, rows, func(r hostRow) (map[string]any, error) {
			calls++
			return doc(r)
		})
		require.NoError(t, err)
		assert.Equal(t, len(rows), calls)
	})
	t.Run("the password is not in the document", func(t *testing.T) {
		d, err := query.UserDoc(&resources.User{UserName: "p", Password: "secret"})
		require.NoError(t, err)
		assert.NotContains(t, d, "password")
	})
}

// TestMembershipElements: a membership is one element whoever renders it.
// GroupRefValue and MemberValue, which a store adds to a document, give
// the element UserDoc and GroupDoc render from a filled User.Groups or
// Group.Members and the resource's JSON encoding (what a GET shows)
// holds, empty sub-attributes absent; so a filter matches a store that
// fills Groups before UserDoc and one that adds GroupRefValue alike. A
// membership a store left untyped is "direct" in each, as the handler
// types it for a GET (resources.GroupRef.MembershipType): a filter on
// groups.type agrees with what a GET shows.
func TestMembershipElements(t *testing.T) {
	userEv, groupEv := query.NewEvaluator(userType), query.NewEvaluator(groupType)
	tests := []struct {
		name   string
		ref    resources.GroupRef
		member resources.Member
		// the filters, on groups and on members, that match the element
		match []string
	}{
		{name: "value only", ref: resources.GroupRef{Value: "g"}, member: resources.Member{Value: "m"},
			match: []string{`groups pr`, `groups.display eq null`, `groups.type pr`, `groups.type eq "direct"`, `members pr`, `members.display eq null`}},
		{name: "display and type", ref: resources.GroupRef{Value: "g", Display: "G", Type: "direct"}, member: resources.Member{Value: "m", Type: "User", Display: "M"},
			match: []string{`groups pr`, `groups.display pr`, `groups.display sw ""`, `groups.type pr`, `groups.type eq "direct"`, `groups.display eq "g"`, `members pr`, `members.display pr`, `members.type eq "User"`, `members.display eq "m"`}},
		{name: "empty display", ref: resources.GroupRef{Value: "g", Display: "", Type: "indirect"}, member: resources.Member{Value: "m", Type: "Group", Display: ""},
			match: []string{`groups pr`, `groups.type pr`, `groups.display eq null`, `members pr`, `members.type eq "Group"`, `members.display eq null`}},
	}
	filters := []string{
		`groups pr`, `groups.display eq ""`, `groups.display pr`, `groups.display eq null`, `groups.display sw ""`, `groups.type pr`,
		`groups.type eq ""`, `groups.type eq null`, `groups.type eq "direct"`, `groups.display eq "g"`,
		`members pr`, `members.display eq ""`, `members.display pr`, `members.display eq null`, `members.type eq "User"`,
		`members.type eq "Group"`, `members.type eq ""`, `members.display eq "m"`,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &resources.User{UserName: "u", Groups: []resources.GroupRef{tt.ref}}
			filled, err := query.UserDoc(u)
			require.NoError(t, err)
			added, err := query.UserDoc(&resources.User{UserName: "u"})
			require.NoError(t, err)
			added = query.With(added, "groups", []any{query.GroupRefValue(tt.ref)})
			assert.Equal(t, filled, added, "GroupRefValue must render the element UserDoc renders")
			shown := &resources.User{UserName: "u", Groups: []resources.GroupRef{tt.ref}}
			shown.Groups[0].Type = tt.ref.MembershipType() // as the handler shows it
			assert.Equal(t, encoded(t, shown)["groups"], added["groups"], "GroupRefValue must render the element a GET shows")

			g := &resources.Group{DisplayName: "G", Members: []resources.Member{tt.member}}
			gFilled, err := query.GroupDoc(g)
			require.NoError(t, err)
			gAdded, err := query.GroupDoc(&resources.Group{DisplayName: "G"})
			require.NoError(t, err)
			gAdded = query.With(gAdded, "members", []any{query.MemberValue(tt.member)})
			assert.Equal(t, gFilled, gAdded, "MemberValue must render the element GroupDoc renders")
			assert.Equal(t, encoded(t, g)["members"], gAdded["members"], "MemberValue must render the element a GET shows")

			for _, f := range filters {
				ev, doc := userEv, added
				if strings.HasPrefix(f, "members") {
					ev, doc = groupEv, gAdded
				}
				ok, err := ev.Match(parse(t, f), doc)
				require.NoError(t, err, f)
				assert.Equal(t, slices.Contains(tt.match, f), ok, "%s on %+v / %+v", f, tt.ref, tt.member)
			}
		})
	}
}

// encoded is v's JSON encoding decoded again: the document a GET shows.
func encoded(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}
