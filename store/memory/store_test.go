package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/query"
)

func parse(t testing.TB, s string) filter.Expr {
	t.Helper()
	e, err := filter.Parser{Schemas: resources.NewUserType().SchemaURNs()}.Parse(s)
	require.NoError(t, err, s)
	return e
}

func TestClockAndVersions(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	c := clocktest.New(time.Date(2024, 5, 1, 12, 0, 0, 123456789, berlin))
	s := memory.New(memory.WithNow(c.Now), memory.WithNow(nil), nil)
	ctx := context.Background()

	u, err := s.CreateUser(ctx, &resources.User{UserName: "u"})
	require.NoError(t, err)
	assert.Equal(t, `W/"1"`, u.Meta.Version)
	assert.Equal(t, time.UTC, u.Meta.Created.Location())
	assert.True(t, u.Meta.Created.Equal(c.Now()), "full precision kept")
	assert.Equal(t, 123456789, u.Meta.Created.Nanosecond())
	assert.Equal(t, "User", u.Meta.ResourceType)

	c.Advance(time.Minute)
	u2, err := s.ReplaceUser(ctx, u, `W/"1"`)
	require.NoError(t, err)
	assert.Equal(t, `W/"2"`, u2.Meta.Version)
	assert.True(t, u2.Meta.Created.Equal(u.Meta.Created))
	assert.True(t, u2.Meta.LastModified.Equal(c.Now()))
	// Lenient If-Match forms name the same version.
	u3, err := s.ReplaceUser(ctx, u2, `"2"`)
	require.NoError(t, err)
	assert.Equal(t, `W/"3"`, u3.Meta.Version)
	u4, err := s.ReplaceUser(ctx, u3, `3`)
	require.NoError(t, err)
	assert.Equal(t, `W/"4"`, u4.Meta.Version)
	_, err = s.ReplaceUser(ctx, u4, `W/"3"`)
	require.ErrorIs(t, err, store.ErrPreconditionFailed)

	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "g"})
	require.NoError(t, err)
	assert.Equal(t, `W/"1"`, g.Meta.Version)
	c.Advance(time.Minute)
	out, err := s.ModifyMembers(ctx, g.ID, []string{u.ID}, nil, `W/"1"`)
	require.NoError(t, err)
	assert.Equal(t, `W/"2"`, out.Meta.Version)
	assert.True(t, out.Meta.LastModified.Equal(c.Now()))

	// A ModifyMembers that changes nothing keeps version and LastModified.
	c.Advance(time.Minute)
	same, err := s.ModifyMembers(ctx, g.ID, []string{u.ID, "unknown"}, []string{"absent"}, "")
	require.NoError(t, err)
	assert.Equal(t, `W/"2"`, same.Meta.Version)
	assert.True(t, same.Meta.LastModified.Equal(out.Meta.LastModified))

	// The filter document follows ModifyMembers' meta.
	p, err := s.ListGroups(ctx, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, `meta.version eq "W/\"2\"" and meta.lastModified eq "`+out.Meta.LastModified.Format(time.RFC3339Nano)+`"`)})
	require.NoError(t, err)
	assert.Len(t, p.Items, 1)

	// Deleting a member gives its groups a new version.
	require.NoError(t, s.DeleteUser(ctx, u.ID, ""))
	got, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, `W/"3"`, got.Meta.Version)
	assert.Empty(t, got.Members)
}

func TestNilAndOddInputs(t *testing.T) {
	t.Parallel()
	s := memory.New()
	var nilCtx context.Context
	_, err := s.CreateUser(nilCtx, nil)
	assert.Error(t, err)
	_, err = s.ReplaceUser(context.Background(), nil, "")
	assert.Error(t, err)
	_, err = s.CreateGroup(context.Background(), nil)
	assert.Error(t, err)
	_, err = s.ReplaceGroup(context.Background(), nil, "")
	assert.Error(t, err)

	u, err := s.CreateUser(nilCtx, &resources.User{UserName: "nil-ctx"})
	require.NoError(t, err, "a nil context is the default tenant")
	got, err := s.GetUser(context.Background(), u.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "nil-ctx", got.UserName)

	_, err = s.GetUser(nilCtx, "", store.GetOptions{})
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetGroup(context.Background(), "", store.GetOptions{})
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorIs(t, s.DeleteGroup(context.Background(), "", ""), store.ErrNotFound)
	_, err = s.ModifyMembers(context.Background(), "", []string{""}, []string{""}, "")
	assert.ErrorIs(t, err, store.ErrNotFound)
	m, err := s.GroupsOf(context.Background(), []string{"", u.ID, u.ID})
	require.NoError(t, err)
	assert.Empty(t, m)

	// Negative paging values do not panic.
	p, err := s.ListUsers(context.Background(), store.Query{StartIndex: -5, Count: -1})
	require.NoError(t, err)
	assert.NotNil(t, p.Items)
	assert.Empty(t, p.Items)
	assert.Equal(t, 1, p.Total)

	// Unknown tenants read as empty.
	other := store.WithTenant(context.Background(), "nobody")
	p, err = s.ListUsers(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err)
	assert.NotNil(t, p.Items)
	assert.Zero(t, p.Total)
	gp, err := s.ListGroups(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err)
	assert.NotNil(t, gp.Items)

	// A cancelled context is reported.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.CreateUser(ctx, &resources.User{UserName: "late"})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCountZeroNonNilItems(t *testing.T) {
	t.Parallel()
	s := memory.New()
	ctx := context.Background()
	for i := range 3 {
		_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	p, err := s.ListUsers(ctx, store.Query{StartIndex: 1})
	require.NoError(t, err)
	assert.NotNil(t, p.Items)
	assert.Empty(t, p.Items)
	assert.Equal(t, 3, p.Total)
}

func TestFilterAndSortErrors(t *testing.T) {
	t.Parallel()
	s := memory.New()
	ctx := context.Background()
	var fe *query.FilterError
	_, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1, Filter: parse(t, `nope eq "x"`)})
	assert.True(t, errors.As(err, &fe), "%v", err)
	_, err = s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1, SortBy: "nope"})
	assert.True(t, errors.As(err, &fe), "%v", err)
	_, err = s.ListGroups(ctx, store.Query{StartIndex: 1, Count: 1, Filter: parse(t, `userName eq "x"`)})
	assert.True(t, errors.As(err, &fe), "%v", err)
}

func TestPasswordIsNotFilterable(t *testing.T) {
	t.Parallel()
	s := memory.New()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, &resources.User{UserName: "p", Password: "hunter2"})
	require.NoError(t, err)
	assert.Equal(t, "hunter2", u.Password, "stored; the handler never returns it")
	for _, f := range []string{`password eq "hunter2"`, `password pr`, `password sw "h"`} {
		p, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, f)})
		require.NoError(t, err)
		assert.Empty(t, p.Items, f)
	}
}

func TestMemberOrderAndGroupsFilter(t *testing.T) {
	t.Parallel()
	s := memory.New()
	ctx := context.Background()
	var ids []string
	for i := range 200 {
		u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("m%03d", i)})
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "big"})
	require.NoError(t, err)
	_, err = s.ModifyMembers(ctx, g.ID, ids, nil, "")
	require.NoError(t, err)
	// Remove most (forcing compaction), re-add one: it goes last.
	_, err = s.ModifyMembers(ctx, g.ID, nil, ids[:150], "")
	require.NoError(t, err)
	_, err = s.ModifyMembers(ctx, g.ID, []string{ids[0]}, nil, "")
	require.NoError(t, err)
	got, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	var order []string
	for _, m := range got.Members {
		order = append(order, m.Value)
	}
	assert.Equal(t, append(append([]string{}, ids[150:]...), ids[0]), order, "members keep insertion order")

	// Users can be filtered by their (computed) groups.
	p, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1000, Filter: parse(t, `groups[value eq "`+g.ID+`"]`)})
	require.NoError(t, err)
	assert.Equal(t, 51, p.Total)
	p, err = s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1000, Filter: parse(t, `groups.display eq "BIG" and userName sw "m00"`)})
	require.NoError(t, err)
	assert.Equal(t, 1, p.Total)
	assert.Equal(t, ids[0], p.Items[0].ID)

	// Deleting users keeps creation order for the rest.
	for _, id := range ids[:180] {
		require.NoError(t, s.DeleteUser(ctx, id, ""))
	}
	p, err = s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1000})
	require.NoError(t, err)
	var names []string
	for _, u := range p.Items {
		names = append(names, u.UserName)
	}
	var want []string
	for i := 180; i < 200; i++ {
		want = append(want, fmt.Sprintf("m%03d", i))
	}
	assert.Equal(t, want, names)
	got, err = s.GetGroup(ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Len(t, got.Members, 20)
}

func TestGroupSelfMembershipSkipped(t *testing.T) {
	t.Parallel()
	s := memory.New()
	ctx := context.Background()
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "self"})
	require.NoError(t, err)
	out, err := s.ModifyMembers(ctx, g.ID, []string{g.ID}, nil, "")
	require.NoError(t, err)
	assert.Equal(t, g.Meta.Version, out.Meta.Version)
	g.Members = []resources.Member{{Value: g.ID}}
	r, err := s.ReplaceGroup(ctx, g, "")
	require.NoError(t, err)
	assert.Empty(t, r.Members)
}

func TestWithModel(t *testing.T) {
	t.Parallel()
	assert.True(t, memory.New().Model().Same(resources.DefaultModel()), "the default model")
	assert.True(t, memory.New(memory.WithModel(nil)).Model().Same(resources.DefaultModel()), "a nil model is ignored")

	ext, err := resources.NewSchema("urn:example:acme:2.0:User", "Acme", "", &resources.Attribute{Name: "badge", Type: resources.TypeString, CaseExact: true})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	s := memory.New(memory.WithModel(m))
	assert.Same(t, m, s.Model(), "the handler takes the store's model")

	ctx := context.Background()
	for i, badge := range []string{"B-1", "b-1"} {
		_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("user%d", i), Extensions: map[string]json.RawMessage{ext.ID: json.RawMessage(`{"badge":"` + badge + `"}`)}})
		require.NoError(t, err)
	}
	f, err := filter.Parser{Schemas: m.User.SchemaURNs()}.Parse(`urn:example:acme:2.0:User:badge eq "b-1"`)
	require.NoError(t, err)
	p, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 10, Filter: f})
	require.NoError(t, err)
	require.Len(t, p.Items, 1, "badge is caseExact in the model's extension")
	assert.Equal(t, "user1", p.Items[0].UserName)

	// A store built without the model does not know the extension.
	_, err = memory.New().ListUsers(ctx, store.Query{StartIndex: 1, Count: 10, Filter: f})
	var fe *query.FilterError
	require.ErrorAs(t, err, &fe)
}

// TestSortByUnstoredAttribute: groups and members are not in the
// documents a sort reads, so a sortBy on them (however spelled) keeps
// creation order, as on sqlstore; an attribute of an extension that
// happens to be called groups is sorted by.
func TestSortByUnstoredAttribute(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:acme:2.0:User", "Acme", "", &resources.Attribute{Name: "groups", Type: resources.TypeString})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	s := memory.New(memory.WithModel(m))
	ctx := context.Background()
	for _, u := range []struct{ name, ext string }{{"carol", "a"}, {"alice", "c"}, {"bob", "b"}} {
		_, err := s.CreateUser(ctx, &resources.User{UserName: u.name, Extensions: map[string]json.RawMessage{ext.ID: json.RawMessage(`{"groups":"` + u.ext + `"}`)}})
		require.NoError(t, err)
	}
	_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "z"})
	require.NoError(t, err)
	_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "a"})
	require.NoError(t, err)

	for _, tt := range []struct {
		sortBy string
		want   []string
	}{
		{"groups", []string{"carol", "alice", "bob"}},
		{"Groups.Display", []string{"carol", "alice", "bob"}},
		{resources.UserSchema + ":groups.value", []string{"carol", "alice", "bob"}},
		{ext.ID + ":groups", []string{"carol", "bob", "alice"}},
	} {
		p, err := s.ListUsers(ctx, store.Query{SortBy: tt.sortBy, StartIndex: 1, Count: 10})
		require.NoError(t, err, tt.sortBy)
		var got []string
		for _, u := range p.Items {
			got = append(got, u.UserName)
		}
		assert.Equal(t, tt.want, got, tt.sortBy)
	}
	p, err := s.ListGroups(ctx, store.Query{SortBy: "members.value", StartIndex: 1, Count: 10})
	require.NoError(t, err)
	require.Len(t, p.Items, 2)
	assert.Equal(t, "z", p.Items[0].DisplayName, "members sort keeps creation order")
}
