package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

var userTests = []test{
	{"CreateAssignsIDMetaVersion", testCreateUser},
	{"GetNotFound", testGetUserNotFound},
	{"ListFilter", testListUsersFilter},
	{"ListSort", testListUsersSort},
	{"ListPaging", testListUsersPaging},
	{"Replace", testReplaceUser},
	{"ReplaceConflictAndNotFound", testReplaceUserErrors},
	{"Delete", testDeleteUser},
	{"DeleteVersion", testDeleteUserVersion},
	{"ReplaceDeleteRace", testReplaceDeleteRace},
	{"SortFold", testSortFold},
	{"UniqueUserNameFold", testUserNameFold},
	{"UniqueUserName", testUniqueUserName},
	{"UniqueUserNameIdentity", testUserNameIdentity},
	{"ConcurrentCreateSameUserName", testConcurrentCreate},
	{"NoLostUpdate", testUserNoLostUpdate},
	{"NoAliasing", testUserNoAliasing},
	{"TenantIsolation", testUserTenants},
}

func testCreateUser(t *testing.T, e *env) {
	in := &resources.User{
		ID:       "client-chosen",
		UserName: "bjensen",
		Name:     &resources.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Emails:   []resources.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: resources.Bool(true)}},
		Groups:   []resources.GroupRef{{Value: "not-a-group"}},
		Meta:     resources.Meta{Version: `W/"client"`, Created: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		Enterprise: &resources.EnterpriseUser{
			Department: "Tour Operations",
		},
	}
	u := e.createUser(t, in)
	assert.NotEmpty(t, u.ID)
	assert.NotEqual(t, "client-chosen", u.ID)
	assert.NotEmpty(t, u.Meta.Version)
	assert.NotEqual(t, `W/"client"`, u.Meta.Version)
	assert.False(t, u.Meta.Created.IsZero())
	assert.False(t, u.Meta.LastModified.IsZero())
	assert.NotEqual(t, 2000, u.Meta.Created.Year(), "Meta.Created comes from the store")
	for _, g := range u.Groups {
		assert.NotEqual(t, "not-a-group", g.Value, "Groups on input are ignored")
	}
	assert.Equal(t, "bjensen", u.UserName)
	require.NotNil(t, u.Name)
	assert.Equal(t, "Jensen", u.Name.FamilyName)
	require.Len(t, u.Emails, 1)
	assert.Equal(t, "bjensen@example.com", u.Emails[0].Value)
	require.NotNil(t, u.Enterprise)
	assert.Equal(t, "Tour Operations", u.Enterprise.Department)

	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
	assert.Equal(t, u.UserName, got.UserName)
	assert.Equal(t, u.Meta.Version, got.Meta.Version)
	assert.True(t, u.Meta.Created.Equal(got.Meta.Created) || u.Meta.Created.Sub(got.Meta.Created).Abs() < time.Millisecond)
	require.NotNil(t, got.Enterprise)
	assert.Equal(t, "Tour Operations", got.Enterprise.Department)

	other := e.createUser(t, &resources.User{UserName: "other"})
	assert.NotEqual(t, u.ID, other.ID, "ids are unique")
}

func testGetUserNotFound(t *testing.T, e *env) {
	_, err := e.users.GetUser(e.ctx, unknownID(), store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	_, err = e.users.GetUser(e.ctx, "", store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	u := e.createUser(t, &resources.User{UserName: "someone"})
	_, err = e.users.GetUser(e.ctx, strings.ToUpper(u.ID)+"x", store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
}

// seedUsers creates the users the filter tests run against. Each has
// Active set, as the handler always sets it: a store may store a nil
// Active as true.
func seedUsers(t *testing.T, e *env) []*resources.User {
	t.Helper()
	in := []*resources.User{
		{
			UserName: "Alice", ExternalID: "ext-A", DisplayName: "Alice Adams", Title: "Engineer", Active: ptr(true),
			Name:   &resources.Name{GivenName: "Alice", FamilyName: "Adams"},
			Emails: []resources.MultiValue{{Value: "alice@work.example", Type: "work", Primary: resources.Bool(true)}, {Value: "alice@home.example", Type: "home"}},
			Enterprise: &resources.EnterpriseUser{
				Department: "Engineering", EmployeeNumber: "100",
			},
		},
		{
			UserName: "bob", ExternalID: "ext-b", Title: "Manager", Active: ptr(false),
			Name:       &resources.Name{GivenName: "Bob", FamilyName: "Baker"},
			Emails:     []resources.MultiValue{{Value: "bob@home.example", Type: "home"}},
			Enterprise: &resources.EnterpriseUser{Department: "Sales"},
		},
		{
			UserName: "carol", DisplayName: "Carol Clark", Active: ptr(true),
			Emails: []resources.MultiValue{{Value: "carol@work.example", Type: "work"}},
		},
		{
			UserName: "dave@example.org", ExternalID: "EXT-A", Title: "engineer", Active: ptr(false),
		},
	}
	out := make([]*resources.User, len(in))
	for i, u := range in {
		out[i] = e.createUser(t, u)
	}
	return out
}

func testListUsersFilter(t *testing.T, e *env) {
	users := seedUsers(t, e)
	var last time.Time
	for _, u := range users {
		if u.Meta.LastModified.After(last) {
			last = u.Meta.LastModified
		}
	}
	first := users[0].Meta.LastModified
	tests := []struct {
		filter string
		want   []string
	}{
		{``, []string{"Alice", "bob", "carol", "dave@example.org"}},
		{`userName eq "alice"`, []string{"Alice"}},
		{`userName eq "ALICE"`, []string{"Alice"}},
		{`USERNAME Eq "BOB"`, []string{"bob"}},
		{`userName eq "nobody"`, []string{}},
		{`externalId eq "ext-A"`, []string{"Alice"}},
		{`externalId eq "EXT-A"`, []string{"dave@example.org"}},
		{`externalId eq "ext-a"`, []string{}},
		{`id eq "` + users[2].ID + `"`, []string{"carol"}},
		{`emails[type eq "work"].value eq "ALICE@work.example"`, []string{"Alice"}},
		{`emails[type eq "home"].value eq "alice@work.example"`, []string{}},
		{`emails[type eq "work"]`, []string{"Alice", "carol"}},
		{`emails.value eq "bob@home.example"`, []string{"bob"}},
		{`emails eq "carol@work.example"`, []string{"carol"}},
		{`emails co "home"`, []string{"Alice", "bob"}},
		{`userName sw "a"`, []string{"Alice"}},
		{`userName co "O"`, []string{"bob", "carol", "dave@example.org"}},
		{`userName co "AR"`, []string{"carol"}},
		{`userName ew ".ORG"`, []string{"dave@example.org"}},
		{`title pr`, []string{"Alice", "bob", "dave@example.org"}},
		{`not (title pr)`, []string{"carol"}},
		{`title eq "engineer"`, []string{"Alice", "dave@example.org"}},
		{`title ne "engineer"`, []string{"bob", "carol"}},
		{`displayName pr and title pr`, []string{"Alice"}},
		{`title eq "engineer" and userName eq "dave@example.org"`, []string{"dave@example.org"}},
		{`userName eq "alice" or userName eq "carol"`, []string{"Alice", "carol"}},
		{`userName eq "alice" or title eq "manager"`, []string{"Alice", "bob"}},
		{`not (userName eq "alice") and emails pr`, []string{"bob", "carol"}},
		{`(userName eq "alice" or userName eq "bob") and active eq false`, []string{"bob"}},
		{`active eq true`, []string{"Alice", "carol"}},
		{`active eq false`, []string{"bob", "dave@example.org"}},
		{`name.familyName sw "b"`, []string{"bob"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "engineering"`, []string{"Alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr`, []string{"Alice", "bob"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "100" and userName eq "alice"`, []string{"Alice"}},
		{`meta.lastModified gt "` + first.Add(-time.Hour).Format(time.RFC3339Nano) + `"`, []string{"Alice", "bob", "carol", "dave@example.org"}},
		{`meta.lastModified gt "` + last.Add(time.Hour).Format(time.RFC3339Nano) + `"`, []string{}},
		{`meta.lastModified ge "` + first.Add(-time.Millisecond).Format(time.RFC3339Nano) + `" and userName eq "alice"`, []string{"Alice"}},
		{`meta.created lt "` + last.Add(time.Hour).Format(time.RFC3339Nano) + `"`, []string{"Alice", "bob", "carol", "dave@example.org"}},
	}
	for _, tt := range tests {
		q := store.Query{Count: 100}
		if tt.filter != "" {
			q.Filter = parse(t, tt.filter)
		}
		p := e.listUsers(t, q)
		assert.Equal(t, tt.want, userNames(p.Items), "filter %s", tt.filter)
		assert.Equal(t, len(tt.want), p.Total, "Total for filter %s", tt.filter)
	}
}

func testListUsersSort(t *testing.T, e *env) {
	// Created in this order; titles with ties and a missing value.
	for _, u := range []*resources.User{
		{UserName: "u1", Title: "b"},
		{UserName: "u2", Title: "A"},
		{UserName: "u3"},
		{UserName: "u4", Title: "B"},
		{UserName: "u5", Title: "a"},
		{UserName: "u6", Title: "c"},
	} {
		e.createUser(t, u)
	}
	tests := []struct {
		sortBy string
		desc   bool
		want   []string
	}{
		{"", false, []string{"u1", "u2", "u3", "u4", "u5", "u6"}},
		{"title", false, []string{"u2", "u5", "u1", "u4", "u6", "u3"}},
		{"title", true, []string{"u3", "u6", "u1", "u4", "u2", "u5"}},
		{"userName", true, []string{"u6", "u5", "u4", "u3", "u2", "u1"}},
		{"meta.created", false, []string{"u1", "u2", "u3", "u4", "u5", "u6"}},
	}
	for _, tt := range tests {
		p := e.listUsers(t, store.Query{SortBy: tt.sortBy, Descending: tt.desc, Count: 100})
		assert.Equal(t, tt.want, userNames(p.Items), "sortBy %q descending %v", tt.sortBy, tt.desc)
		assert.Equal(t, 6, p.Total)
	}
	// Paging a sorted list is stable: the pages concatenate to the list.
	var paged []string
	for start := 1; start <= 6; start += 2 {
		p := e.listUsers(t, store.Query{SortBy: "title", StartIndex: start, Count: 2})
		paged = append(paged, userNames(p.Items)...)
		assert.Equal(t, 6, p.Total)
	}
	assert.Equal(t, []string{"u2", "u5", "u1", "u4", "u6", "u3"}, paged)
}

func testListUsersPaging(t *testing.T, e *env) {
	for i := 1; i <= 5; i++ {
		e.createUser(t, &resources.User{UserName: fmt.Sprintf("p%d", i), Title: map[bool]string{true: "odd", false: "even"}[i%2 == 1]})
	}
	tests := []struct {
		filter       string
		start, count int
		want         []string
		total        int
	}{
		{"", 1, 100, []string{"p1", "p2", "p3", "p4", "p5"}, 5},
		{"", 2, 2, []string{"p2", "p3"}, 5},
		{"", 4, 10, []string{"p4", "p5"}, 5},
		{"", 5, 1, []string{"p5"}, 5},
		{"", 1, 0, []string{}, 5},
		{"", 6, 10, []string{}, 5},
		{"", 100, 10, []string{}, 5},
		{`title eq "odd"`, 2, 1, []string{"p3"}, 3},
		{`title eq "odd"`, 1, 0, []string{}, 3},
		{`title eq "none"`, 1, 10, []string{}, 0},
	}
	for _, tt := range tests {
		q := store.Query{StartIndex: tt.start, Count: tt.count}
		if tt.filter != "" {
			q.Filter = parse(t, tt.filter)
		}
		p := e.listUsers(t, q)
		assert.Equal(t, tt.want, userNames(p.Items), "%+v", tt)
		assert.Equal(t, tt.total, p.Total, "Total %+v", tt)
	}
}

func testReplaceUser(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "rep", Title: "one"})
	stored, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	versions := map[string]bool{u.Meta.Version: true}

	next := stored.Clone()
	next.Title = "two"
	next.Meta = resources.Meta{Created: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), Version: `W/"bogus"`}
	out, err := e.users.ReplaceUser(e.ctx, next, stored.Meta.Version)
	require.NoError(t, err)
	assert.Equal(t, "two", out.Title)
	assert.Equal(t, u.ID, out.ID)
	assert.True(t, out.Meta.Created.Equal(stored.Meta.Created), "Created kept: %v vs %v", out.Meta.Created, stored.Meta.Created)
	assert.False(t, out.Meta.LastModified.Before(stored.Meta.LastModified))
	assert.False(t, versions[out.Meta.Version], "a new version")
	versions[out.Meta.Version] = true

	// The old version is now wrong.
	stale := stored.Clone()
	stale.Title = "stale"
	_, err = e.users.ReplaceUser(e.ctx, stale, stored.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed)
	_, err = e.users.ReplaceUser(e.ctx, stale, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed)
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "two", got.Title, "a failed replace changes nothing")
	assert.Equal(t, out.Meta.Version, got.Meta.Version)

	// "" means any version; every write gives a new version.
	for i := range 3 {
		w := got.Clone()
		w.Title = fmt.Sprintf("any-%d", i)
		w.UserName = []string{"REP", "rep", "Rep"}[i] // a user may change the case of its own userName
		out, err := e.users.ReplaceUser(e.ctx, w, "")
		require.NoError(t, err)
		assert.False(t, versions[out.Meta.Version], "version %s repeats", out.Meta.Version)
		versions[out.Meta.Version] = true
		assert.True(t, out.Meta.Created.Equal(stored.Meta.Created))
	}
	got, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "any-2", got.Title)
	assert.Equal(t, "Rep", got.UserName)

	// Replace writes in full: attributes left out are gone.
	full := &resources.User{ID: u.ID, UserName: "rep"}
	out, err = e.users.ReplaceUser(e.ctx, full, got.Meta.Version)
	require.NoError(t, err)
	assert.Empty(t, out.Title)
	p := e.listUsers(t, store.Query{Filter: parse(t, `title pr`), Count: 10})
	assert.Empty(t, p.Items, "the index forgets the old title")
	p = e.listUsers(t, store.Query{Filter: parse(t, `userName eq "rep"`), Count: 10})
	assert.Len(t, p.Items, 1)
}

func testReplaceUserErrors(t *testing.T, e *env) {
	a := e.createUser(t, &resources.User{UserName: "a", Emails: []resources.MultiValue{{Value: "a@example.com"}}})
	e.createUser(t, &resources.User{UserName: "b"})

	_, err := e.users.ReplaceUser(e.ctx, &resources.User{ID: unknownID(), UserName: "x"}, "")
	requireIs(t, err, store.ErrNotFound)
	_, err = e.users.ReplaceUser(e.ctx, &resources.User{UserName: "x"}, "")
	requireIs(t, err, store.ErrNotFound)

	w := a.Clone()
	w.UserName = "B"
	_, err = e.users.ReplaceUser(e.ctx, w, "")
	requireIs(t, err, store.ErrConflict)
	got, err := e.users.GetUser(e.ctx, a.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "a", got.UserName)

	// Renaming frees the old userName and indexes the new one.
	w = got.Clone()
	w.UserName = "c"
	w.Emails = []resources.MultiValue{{Value: "c@example.com"}}
	_, err = e.users.ReplaceUser(e.ctx, w, got.Meta.Version)
	require.NoError(t, err)
	e.createUser(t, &resources.User{UserName: "A"})
	assert.Equal(t, []string{"c"}, userNames(e.listUsers(t, store.Query{Filter: parse(t, `userName eq "C"`), Count: 10}).Items))
	assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "a@example.com"`), Count: 10}).Items)
	assert.Equal(t, []string{"c"}, userNames(e.listUsers(t, store.Query{Filter: parse(t, `emails[value eq "c@EXAMPLE.com"]`), Count: 10}).Items))
}

func testDeleteUser(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "gone", ExternalID: "x1"})
	keep := e.createUser(t, &resources.User{UserName: "kept"})
	var g *resources.Group
	if e.groups != nil {
		g = e.createGroup(t, &resources.Group{DisplayName: "g", Members: []resources.Member{{Value: u.ID}, {Value: keep.ID}}})
		require.ElementsMatch(t, []string{u.ID, keep.ID}, memberIDs(g.Members))
	}

	require.NoError(t, e.users.DeleteUser(e.ctx, u.ID, ""))
	_, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	requireIs(t, e.users.DeleteUser(e.ctx, u.ID, ""), store.ErrNotFound)
	requireIs(t, e.users.DeleteUser(e.ctx, unknownID(), ""), store.ErrNotFound)
	p := e.listUsers(t, store.Query{Count: 10})
	assert.Equal(t, []string{"kept"}, userNames(p.Items))
	assert.Equal(t, 1, p.Total)
	assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `externalId eq "x1"`), Count: 10}).Items)
	// The userName is free again.
	e.createUser(t, &resources.User{UserName: "GONE"})

	if e.groups == nil {
		return
	}
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{keep.ID}, memberIDs(got.Members), "deleting a user removes its memberships")
	if mr, ok := e.groups.(store.MembershipReader); ok {
		m, err := mr.GroupsOf(e.ctx, []string{u.ID, keep.ID})
		require.NoError(t, err)
		assert.Empty(t, m[u.ID])
		require.Len(t, m[keep.ID], 1)
		assert.Equal(t, g.ID, m[keep.ID][0].Value)
	}
}

func testUniqueUserName(t *testing.T, e *env) {
	e.createUser(t, &resources.User{UserName: "Jane.Doe@example.com"})
	for _, name := range []string{"Jane.Doe@example.com", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM"} {
		_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: name})
		requireIs(t, err, store.ErrConflict, name)
	}
	p := e.listUsers(t, store.Query{Count: 10})
	assert.Equal(t, 1, p.Total, "a conflicting create stores nothing")
}

func testConcurrentCreate(t *testing.T, e *env) {
	for n := 2; n <= 16; n *= 2 {
		name := fmt.Sprintf("race-%d", n)
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// Vary the case: uniqueness is case-insensitive.
				un := name
				if i%2 == 1 {
					un = strings.ToUpper(name)
				}
				_, errs[i] = e.users.CreateUser(e.ctx, &resources.User{UserName: un})
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			requireIs(t, err, store.ErrConflict)
		}
		assert.Equal(t, 1, ok, "%d concurrent creates of one userName: exactly one succeeds", n)
		p := e.listUsers(t, store.Query{Filter: parse(t, `userName eq "`+name+`"`), Count: 100})
		assert.Equal(t, 1, p.Total)
	}
}

func testUserNoLostUpdate(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "counter"})
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = func() error {
				for attempt := 0; attempt < 1000; attempt++ {
					cur, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
					if err != nil {
						return err
					}
					cur.Title += fmt.Sprintf("[%d]", i)
					_, err = e.users.ReplaceUser(e.ctx, cur, cur.Meta.Version)
					if errors.Is(err, store.ErrPreconditionFailed) {
						continue
					}
					return err
				}
				return fmt.Errorf("gave up after 1000 attempts")
			}()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	for i := range n {
		assert.Equal(t, 1, strings.Count(got.Title, fmt.Sprintf("[%d]", i)), "update %d in %q", i, got.Title)
	}
}

func testUserNoAliasing(t *testing.T, e *env) {
	in := &resources.User{
		UserName:   "alias",
		Name:       &resources.Name{GivenName: "A"},
		Active:     ptr(true),
		Emails:     []resources.MultiValue{{Value: "a@example.com"}},
		Enterprise: &resources.EnterpriseUser{Department: "D", Manager: &resources.Manager{Value: "m"}},
	}
	out := e.createUser(t, in)
	// Mutating what was passed in or handed back changes nothing stored.
	in.Name.GivenName = "changed"
	*in.Active = false
	in.Emails[0].Value = "changed@example.com"
	in.Enterprise.Department = "changed"
	out.Name.GivenName = "changed"
	*out.Active = false
	out.Emails[0].Value = "changed@example.com"
	out.Enterprise.Manager.Value = "changed"

	got, err := e.users.GetUser(e.ctx, out.ID, store.GetOptions{})
	require.NoError(t, err)
	check := func(u *resources.User) {
		t.Helper()
		assert.Equal(t, "A", u.Name.GivenName)
		assert.True(t, *u.Active)
		assert.Equal(t, "a@example.com", u.Emails[0].Value)
		assert.Equal(t, "D", u.Enterprise.Department)
		assert.Equal(t, "m", u.Enterprise.Manager.Value)
	}
	check(got)
	got.Emails[0].Value = "changed@example.com"
	got.Name.GivenName = "changed"

	p := e.listUsers(t, store.Query{Count: 10})
	require.Len(t, p.Items, 1)
	check(p.Items[0])
	p.Items[0].Emails[0].Value = "changed@example.com"

	rep := p.Items[0].Clone()
	rep.Emails[0].Value = "a@example.com"
	rep.Name.GivenName = "A"
	r, err := e.users.ReplaceUser(e.ctx, rep, "")
	require.NoError(t, err)
	rep.Name.GivenName = "changed"
	r.Name.GivenName = "changed"
	got, err = e.users.GetUser(e.ctx, out.ID, store.GetOptions{})
	require.NoError(t, err)
	check(got)
	// Filters see the stored value, not a mutated copy.
	assert.Len(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "a@example.com"`), Count: 10}).Items, 1)
	assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "changed@example.com"`), Count: 10}).Items)
}

func testUserTenants(t *testing.T, e *env) {
	a := e.createUser(t, &resources.User{UserName: "shared", Title: "in A"})
	other := e.other()
	b, err := e.users.CreateUser(other, &resources.User{UserName: "SHARED", Title: "in B"})
	require.NoError(t, err, "the same userName in two tenants")
	assert.NotEqual(t, a.ID, b.ID)

	_, err = e.users.GetUser(other, a.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	_, err = e.users.ReplaceUser(other, a.Clone(), "")
	requireIs(t, err, store.ErrNotFound)
	requireIs(t, e.users.DeleteUser(other, a.ID, ""), store.ErrNotFound)

	p, err := e.users.ListUsers(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, b.ID, p.Items[0].ID)
	assert.Equal(t, 1, p.Total)
	p, err = e.users.ListUsers(other, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, `id eq "`+a.ID+`"`)})
	require.NoError(t, err)
	assert.Empty(t, p.Items)

	got, err := e.users.GetUser(e.ctx, a.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "in A", got.Title, "tenant B changed nothing in A")
	p = e.listUsers(t, store.Query{Filter: parse(t, `userName eq "shared"`), Count: 10})
	assert.Equal(t, []string{"shared"}, userNames(p.Items))
}
