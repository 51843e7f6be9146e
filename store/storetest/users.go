package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

var userTests = []test{
	{"CreateAssignsIDMetaVersion", testCreateUser},
	{"GetNotFound", testGetUserNotFound},
	{"IDsMatchExactly", testUserIDsExact},
	{"ListFilter", testListUsersFilter},
	{"ListCreationOrder", testListUsersCreationOrder},
	{"ListSort", testListUsersSort},
	{"ListSortUnknownAttribute", testListSortUnknown},
	{"ListFilterNUL", testListNUL},
	{"ListPaging", testListUsersPaging},
	{"LookupPaged", testLookupPaged},
	{"Replace", testReplaceUser},
	{"ReplaceConflictAndNotFound", testReplaceUserErrors},
	{"Delete", testDeleteUser},
	{"DeleteVersion", testDeleteUserVersion},
	{"ReplaceDeleteRace", testReplaceDeleteRace},
	{"SortFold", testSortFold},
	{"UniqueUserName", testUniqueUserName},
	{"UniqueUserNameIdentity", testUserNameIdentity},
	{"SortUserNameKey", testSortUserNameKey},
	{"ConcurrentCreateSameUserName", testConcurrentCreate},
	{"NoLostUpdate", testUserNoLostUpdate},
	{"NoAliasing", testUserNoAliasing},
	{"TenantIsolation", testUserTenants},
	{"IndexedValuesAtKeyLimit", testIndexedValuesAtKeyLimit},
	{"ValuesAtMultiValueLimit", testValuesAtMultiValueLimit},
	{"WritePrecedence", testWritePrecedenceUsers},
	{"TimestampsToTheMillisecond", testUserMillis},
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
	u := e.createUser(t, in) // fitted: what the model leaves out is gone from in
	const create = "(store.UserStore.CreateUser)"
	assert.NotEmpty(t, u.ID, "CreateUser must assign a non-empty ID "+create)
	assert.NotEqual(t, "client-chosen", u.ID, "CreateUser must assign the ID itself and ignore the one on its input "+create)
	assert.NotEmpty(t, u.Meta.Version, "CreateUser must assign Meta.Version "+create)
	assert.NotEqual(t, `W/"client"`, u.Meta.Version, "CreateUser must assign Meta.Version itself and ignore the one on its input "+create)
	assert.False(t, u.Meta.Created.IsZero(), "CreateUser must set Meta.Created "+create)
	assert.False(t, u.Meta.LastModified.IsZero(), "CreateUser must set Meta.LastModified "+create)
	assert.NotEqual(t, 2000, u.Meta.Created.Year(), "CreateUser must set Meta.Created itself and ignore the one on its input "+create)
	for _, g := range u.Groups {
		assert.NotEqual(t, "not-a-group", g.Value, "CreateUser must ignore Groups on its input: groups are read-only "+create)
	}
	assert.Equal(t, "bjensen", u.UserName, "CreateUser must return the user as stored, userName included "+create)
	if in.Name != nil {
		require.NotNil(t, u.Name, "CreateUser must return the user as stored, name included "+create)
		assert.Equal(t, "Jensen", u.Name.FamilyName, "CreateUser must return the user as stored, name.familyName included "+create)
	}
	if len(in.Emails) > 0 {
		require.Len(t, u.Emails, 1, "CreateUser must return the user as stored, emails included "+create)
		assert.Equal(t, "bjensen@example.com", u.Emails[0].Value, "CreateUser must return the user as stored, emails included "+create)
	}
	if in.Enterprise != nil && in.Enterprise.Department != "" {
		require.NotNil(t, u.Enterprise, "CreateUser must store and return the enterprise extension "+create)
		assert.Equal(t, "Tour Operations", u.Enterprise.Department, "CreateUser must store and return the enterprise extension "+create)
	}

	got := e.getUser(t, u.ID, store.GetOptions{}, "a created user must be readable by its ID")
	const get = "(store.UserStore.GetUser)"
	assert.Equal(t, u.ID, got.ID, "GetUser must return the user with the ID asked for "+get)
	assert.Equal(t, u.UserName, got.UserName, "GetUser must return the userName CreateUser stored "+get)
	assert.Equal(t, u.Meta.Version, got.Meta.Version, "GetUser must return the Meta.Version CreateUser returned: nothing was written since "+get)
	assert.True(t, u.Meta.Created.Equal(got.Meta.Created) || u.Meta.Created.Sub(got.Meta.Created).Abs() < time.Millisecond,
		"GetUser must return the Meta.Created CreateUser returned (to the millisecond): %v vs %v %s", got.Meta.Created, u.Meta.Created, get)
	if in.Enterprise != nil && in.Enterprise.Department != "" {
		require.NotNil(t, got.Enterprise, "GetUser must return the enterprise extension CreateUser stored "+get)
		assert.Equal(t, "Tour Operations", got.Enterprise.Department, "GetUser must return the enterprise extension CreateUser stored "+get)
	}

	other := e.createUser(t, &resources.User{UserName: "other"})
	assert.NotEqual(t, u.ID, other.ID, "CreateUser must assign every user an ID of its own "+create)
}

func testGetUserNotFound(t *testing.T, e *env) {
	const nf = "GetUser must return store.ErrNotFound for %s (store.UserStore.GetUser)"
	_, err := e.users.GetUser(e.ctx, unknownID(), store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, nf, "an id no user has")
	_, err = e.users.GetUser(e.ctx, "", store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, nf, `the id ""`)
	u := e.createUser(t, &resources.User{UserName: "someone"})
	_, err = e.users.GetUser(e.ctx, u.ID+"x", store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, nf, "an id a stored one is a prefix of (ids match exactly)")
	if twin, differs, ok := idTwin(t, u.ID); ok {
		_, err = e.users.GetUser(e.ctx, twin, store.GetOptions{})
		requireIs(t, err, store.ErrNotFound, nf, fmt.Sprintf("the id %q, which differs from the stored %q %s (ids match exactly, case included: store.UserStore)", twin, u.ID, differs))
	}
}

// testUserIDsExact: a write naming a user by another spelling of its id
// (idTwin: another letter case, or a leading zero for an id of digits)
// names no user, as a lookup does (testGetUserNotFound): a store whose id
// column compares under a collation that ignores case, or that converts
// the text to a number, would replace or delete the user.
func testUserIDsExact(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "exact", Active: ptr(true)})
	twin, differs, ok := idTwin(t, u.ID)
	if !ok {
		return
	}
	const exact = "%s of the id %q, which differs from the stored %q %s, must return store.ErrNotFound: ids match exactly, case included (store.UserStore) (store.UserStore.%s)"
	w := u.Clone()
	w.ID, w.UserName = twin, "exact-renamed"
	_, err := e.users.ReplaceUser(e.ctx, w, "")
	requireIs(t, err, store.ErrNotFound, exact, "ReplaceUser", twin, u.ID, differs, "ReplaceUser")
	requireIs(t, e.users.DeleteUser(e.ctx, twin, ""), store.ErrNotFound, exact, "DeleteUser", twin, u.ID, differs, "DeleteUser")
	got := e.getUser(t, u.ID, store.GetOptions{}, "the user must still be there: a write to another spelling of its id names no user")
	assert.Equal(t, "exact", got.UserName, "a ReplaceUser of the id %q must change nothing (store.UserStore.ReplaceUser)", twin)
	assert.Equal(t, u.Meta.Version, got.Meta.Version, "a ReplaceUser of the id %q must change nothing (store.UserStore.ReplaceUser)", twin)
}

// idTwin returns an id that differs from id and that a store matching ids
// loosely would take for it, with how it differs: id in another letter
// case (a column whose collation ignores case), or, for an id of digits
// only, id with a leading zero (a number column, which compares the text
// as the number it spells). False (logged) when id has neither.
func idTwin(t *testing.T, id string) (twin, differs string, ok bool) {
	t.Helper()
	if twin := otherCase(id); twin != id {
		return twin, "in case alone", true
	}
	if id != "" && strings.Trim(id, "0123456789") == "" {
		// A number column compares the text as the number it spells
		// (SQLite's integer affinity, PostgreSQL's cast, strconv.Atoi):
		// "07" would find the user "7".
		return "0" + id, "by a leading zero alone", true
	}
	t.Logf("the id %q has neither a letter nor only digits: its lookup in another spelling is not checked", id)
	return "", "", false
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

// testListUsersFilter runs each filter on the users seedUsers creates, as
// fitted to the store's model: a case whose filter names an attribute the
// model leaves out is left out (userCase), and every other case's answer
// rests only on the attributes it names, so it holds on any model.
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
		{`emails[primary eq true].value eq "Alice@work.example"`, []string{"Alice"}},
		{`emails[primary eq true].value eq "alice@home.example"`, []string{}},
		{`not (emails.value eq "bob@home.example")`, []string{"Alice", "carol", "dave@example.org"}},
		{`emails.value eq "bob@home.example" or emails[type eq "work" and value eq "carol@work.example"]`, []string{"bob", "carol"}},
		{`emails co "home"`, []string{"Alice", "bob"}},
		{`userName sw "a"`, []string{"Alice"}},
		{`userName co "O"`, []string{"bob", "carol", "dave@example.org"}},
		{`userName co "AR"`, []string{"carol"}},
		{`userName ew ".ORG"`, []string{"dave@example.org"}},
		{`title pr`, []string{"Alice", "bob", "dave@example.org"}},
		{`not (title pr)`, []string{"carol"}},
		{`title eq "engineer"`, []string{"Alice", "dave@example.org"}},
		// A single-valued attribute's ne is "not eq": true when the
		// attribute is absent (carol has no title).
		{`title ne "engineer"`, []string{"bob", "carol"}},
		// RFC 7644 §3.4.2.2: a filter on a multi-valued attribute "matches
		// if any of the values of the specified attribute match the
		// specified criterion", and ne is "the attribute and operator
		// values are not identical": some value is not work (Alice: work
		// and home, bob: home), as the value filter says; a user with no
		// emails (dave) has no such value. "No value is work" is not (eq).
		{`emails.type ne "work"`, []string{"Alice", "bob"}},
		{`emails[type ne "work"]`, []string{"Alice", "bob"}},
		{`not (emails.type eq "work")`, []string{"bob", "dave@example.org"}},
		{`not (emails[type eq "work"])`, []string{"bob", "dave@example.org"}},
		{`emails ne "carol@work.example"`, []string{"Alice", "bob"}},
		{`emails.value ne "ALICE@work.example"`, []string{"Alice", "bob", "carol"}},
		{`emails.primary ne true`, []string{"Alice", "bob", "carol"}},
		{`emails[primary ne true]`, []string{"Alice", "bob", "carol"}},
		{`not (emails.primary eq true)`, []string{"bob", "carol", "dave@example.org"}},
		{`not (schemas eq "urn:ietf:params:scim:schemas:core:2.0:User")`, []string{}},
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
	check := func(filter string, want []string, data ...string) {
		t.Helper()
		q := store.Query{Count: 100}
		if filter != "" {
			q.Filter = parse(t, filter)
		}
		if !e.userCase(t, q, data...) {
			return
		}
		p := e.listUsers(t, q)
		assert.Equal(t, want, userNames(p.Items), "ListUsers with filter %s must return exactly the matching users, in creation order (store.UserStore.ListUsers; query.Select evaluates filters as the handler expects)", filter)
		assert.Equal(t, len(want), p.Total, "ListUsers with filter %s: Total must count every match (store.Page.Total)", filter)
	}
	for _, tt := range tests {
		check(tt.filter, tt.want)
	}
	// schemas is a multi-valued string: Alice and bob carry the
	// enterprise extension's URN beside the core one when the model
	// keeps the department they have.
	check(`schemas ne "urn:ietf:params:scim:schemas:core:2.0:User"`, []string{"Alice", "bob"}, resources.EnterpriseUserSchema+":department")
	// A filter operand of another type than its attribute is compared as
	// the attribute's type (query.Conversion): a number or boolean with a
	// string attribute as its text (query.ToText), a string with a
	// boolean as the boolean it spells (query.ToBool). The handler warns
	// of it, and refuses it in strict mode, but hands it to the store in
	// the default mode, and every store must answer it alike.
	const employeeNumber = resources.EnterpriseUserSchema + ":employeeNumber"
	for _, tt := range []struct {
		filter string
		want   []string
		as     string // what the store must compare
	}{
		{`userName gt 1`, []string{"Alice", "bob", "carol", "dave@example.org"}, `the text "1"`},
		{`userName lt 1`, []string{}, `the text "1"`},
		// As text, "100" sorts before "99": a store that compared numbers
		// would find Alice.
		{employeeNumber + ` gt 99`, []string{}, `the text "99"`},
		{employeeNumber + ` eq 100`, []string{"Alice"}, `the text "100"`},
		{`active eq "True"`, []string{"Alice", "carol"}, `the boolean true`},
		{`active eq "false"`, []string{"bob", "dave@example.org"}, `the boolean false`},
		{`active ne "TRUE"`, []string{"bob", "dave@example.org"}, `the boolean true`},
		{`emails[primary eq "TRUE"]`, []string{"Alice"}, `the boolean true`},
		{`emails.primary eq "true"`, []string{"Alice"}, `the boolean true`},
	} {
		q := store.Query{Filter: parse(t, tt.filter), Count: 100}
		if !e.userCase(t, q) {
			continue
		}
		p := e.listUsers(t, q)
		assert.Equal(t, tt.want, userNames(p.Items), "ListUsers with filter %s must compare the operand as the attribute's type, as %s (store.Query.Filter; query.Conversion, as query.Select does)", tt.filter, tt.as)
		assert.Equal(t, len(tt.want), p.Total, "ListUsers with filter %s: Total must count every match (store.Page.Total)", tt.filter)
	}
}

// testListUsersSort sorts by the note attribute (title on the full model,
// keptNote), which every note holds in the same order: not caseExact,
// missing values last.
func testListUsersSort(t *testing.T, e *env) {
	n, _ := e.keptNote()
	// Created in this order; notes with ties and a missing value.
	for i, v := range []string{"b", "A", "", "B", "a", "c"} {
		e.createUser(t, n.user(fmt.Sprintf("u%d", i+1), v))
	}
	tests := []struct {
		sortBy string
		desc   bool
		want   []string
	}{
		{"", false, []string{"u1", "u2", "u3", "u4", "u5", "u6"}},
		{n.path, false, []string{"u2", "u5", "u1", "u4", "u6", "u3"}},
		{n.path, true, []string{"u3", "u6", "u1", "u4", "u2", "u5"}},
		{"userName", true, []string{"u6", "u5", "u4", "u3", "u2", "u1"}},
		{"meta.created", false, []string{"u1", "u2", "u3", "u4", "u5", "u6"}},
	}
	for _, tt := range tests {
		q := store.Query{SortBy: tt.sortBy, Descending: tt.desc, Count: 100}
		if !e.userCase(t, q) {
			continue
		}
		p := e.listUsers(t, q)
		assert.Equal(t, tt.want, userNames(p.Items), "ListUsers with sortBy %q descending %v must sort as query.Select does: missing values last, ties in creation order (store.Query.SortBy)", tt.sortBy, tt.desc)
		assert.Equal(t, 6, p.Total, "ListUsers: Total must count every match (store.Page.Total)")
	}
	// Paging a sorted list is stable: the pages concatenate to the list.
	if !e.userCase(t, store.Query{SortBy: n.path}) {
		return
	}
	var paged []string
	for start := 1; start <= 6; start += 2 {
		p := e.listUsers(t, store.Query{SortBy: n.path, StartIndex: start, Count: 2})
		paged = append(paged, userNames(p.Items)...)
		assert.Equal(t, 6, p.Total, "ListUsers: Total must count every match, not just the page (store.Page.Total)")
	}
	assert.Equal(t, []string{"u2", "u5", "u1", "u4", "u6", "u3"}, paged, "ListUsers: pages of a sorted list must concatenate to the whole list, ties in creation order (store.Query.SortBy)")
}

// testListSortUnknown: a sortBy naming no attribute is an error on every
// list, also under the attributes a store never sorts by (groups,
// members), so a store answers it as query.Select does. A name qualified
// by the other type's schema URN is one: the URN is known (a filter on /
// takes it), but it qualifies no attribute of this type (RFC 7644 §3.10),
// even one of the same name (externalId).
func testListSortUnknown(t *testing.T, e *env) {
	e.createUser(t, &resources.User{UserName: "u1"})
	for _, sortBy := range []string{"bogus", "groups.bogus", "name.bogus", "urn:example:nope:attr",
		resources.GroupSchema + ":displayName", resources.GroupSchema + ":externalId"} {
		q := store.Query{SortBy: sortBy, StartIndex: 1, Count: 10}
		_, err := e.users.ListUsers(e.ctx, q)
		assert.Error(t, err, "ListUsers with sortBy %q, which names no attribute of User, must fail as query.Select does (store.Query.SortBy)", sortBy)
	}
	if e.groups == nil {
		return
	}
	for _, sortBy := range []string{"bogus", "members.bogus", resources.UserSchema + ":userName", resources.UserSchema + ":externalId",
		resources.EnterpriseUserSchema + ":department"} {
		q := store.Query{SortBy: sortBy, StartIndex: 1, Count: 10}
		_, err := e.groups.ListGroups(e.ctx, q)
		assert.Error(t, err, "ListGroups with sortBy %q, which names no attribute of Group, must fail as query.Select does (store.Query.SortBy)", sortBy)
	}
}

// testListUsersPaging pages lists of users, some filtered by the note
// attribute (keptNote): "odd" on the odd ones.
func testListUsersPaging(t *testing.T, e *env) {
	n, _ := e.keptNote()
	for i := 1; i <= 5; i++ {
		e.createUser(t, n.user(fmt.Sprintf("p%d", i), map[bool]string{true: "odd", false: "even"}[i%2 == 1]))
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
		{n.path + ` eq "odd"`, 2, 1, []string{"p3"}, 3},
		{n.path + ` eq "odd"`, 1, 0, []string{}, 3},
		{n.path + ` eq "none"`, 1, 10, []string{}, 0},
	}
	for _, tt := range tests {
		q := store.Query{StartIndex: tt.start, Count: tt.count}
		if tt.filter != "" {
			q.Filter = parse(t, tt.filter)
		}
		if !e.userCase(t, q) {
			continue
		}
		p := e.listUsers(t, q)
		assert.Equal(t, tt.want, userNames(p.Items), "ListUsers with filter %q startIndex %d count %d must return at most Count users from the 1-based StartIndex on (store.Page.Items)", tt.filter, tt.start, tt.count)
		assert.Equal(t, tt.total, p.Total, "ListUsers with filter %q startIndex %d count %d: Total must count every match, not just the page (store.Page.Total)", tt.filter, tt.start, tt.count)
	}
}

func testReplaceUser(t *testing.T, e *env) {
	const rep = "(store.UserStore.ReplaceUser)"
	n := e.note(t)
	u := e.createUser(t, n.user("rep", "one"))
	stored := e.getUser(t, u.ID, store.GetOptions{}, "a created user must be readable")
	versions := map[string]bool{u.Meta.Version: true}

	next := stored.Clone()
	n.set(next, "two")
	next.Meta = resources.Meta{Created: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), Version: `W/"bogus"`}
	out, err := e.users.ReplaceUser(e.ctx, next, stored.Meta.Version)
	require.NoError(t, err, "ReplaceUser at the stored version must write "+rep)
	assert.Equal(t, "two", n.get(out), "ReplaceUser must return the user as written "+rep)
	assert.Equal(t, u.ID, out.ID, "ReplaceUser must keep the ID "+rep)
	assert.True(t, out.Meta.Created.Equal(stored.Meta.Created), "ReplaceUser must keep Meta.Created and ignore the one on its input: %v vs %v %s", out.Meta.Created, stored.Meta.Created, rep)
	assert.False(t, out.Meta.LastModified.Before(stored.Meta.LastModified), "ReplaceUser must set a new Meta.LastModified, not an older one "+rep)
	assert.False(t, versions[out.Meta.Version], "ReplaceUser must set a new Meta.Version on every write "+rep)
	versions[out.Meta.Version] = true

	// The old version is now wrong.
	stale := stored.Clone()
	n.set(stale, "stale")
	_, err = e.users.ReplaceUser(e.ctx, stale, stored.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed, "ReplaceUser must refuse an ifVersion that is no longer the stored version "+rep)
	_, err = e.users.ReplaceUser(e.ctx, stale, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed, "ReplaceUser must refuse an ifVersion that is not the stored version "+rep)
	got := e.getUser(t, u.ID, store.GetOptions{}, "the user must still be there")
	assert.Equal(t, "two", n.get(got), "a ReplaceUser refused with ErrPreconditionFailed must change nothing "+rep)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "a ReplaceUser refused with ErrPreconditionFailed must keep the version "+rep)

	// "" means any version; every write gives a new version.
	for i := range 3 {
		w := got.Clone()
		n.set(w, fmt.Sprintf("any-%d", i))
		w.UserName = []string{"REP", "rep", "Rep"}[i] // a user may change the case of its own userName
		out, err := e.users.ReplaceUser(e.ctx, w, "")
		require.NoError(t, err, `ReplaceUser with ifVersion "" must write whatever the stored version, and a user may change the case of its own userName `+rep)
		assert.False(t, versions[out.Meta.Version], "ReplaceUser must set a new Meta.Version on every write: %s repeats %s", out.Meta.Version, rep)
		versions[out.Meta.Version] = true
		assert.True(t, out.Meta.Created.Equal(stored.Meta.Created), "ReplaceUser must keep Meta.Created "+rep)
	}
	got = e.getUser(t, u.ID, store.GetOptions{}, "the user must still be there")
	assert.Equal(t, "any-2", n.get(got), "GetUser must return what the last ReplaceUser wrote "+rep)
	assert.Equal(t, "Rep", got.UserName, "GetUser must return the userName the last ReplaceUser wrote, in its case "+rep)

	// Replace writes in full: attributes left out are gone. Active is
	// never left out: a PUT without it keeps the stored value, which the
	// handler copies (store.UserStore.ReplaceUser).
	full := &resources.User{ID: u.ID, UserName: "rep", Active: got.Active}
	out, err = e.users.ReplaceUser(e.ctx, full, got.Meta.Version)
	require.NoError(t, err, "ReplaceUser at the stored version must write "+rep)
	assert.Empty(t, n.get(out), "ReplaceUser writes the user in full: an attribute left out is removed "+rep)
	p := e.listUsers(t, store.Query{Filter: parse(t, n.path+` pr`), Count: 10})
	assert.Empty(t, p.Items, "after ReplaceUser removed "+n.path+", a filter must not find the old value (stale index?) "+rep)
	p = e.listUsers(t, store.Query{Filter: parse(t, `userName eq "rep"`), Count: 10})
	assert.Len(t, p.Items, 1, "a filter must find the userName ReplaceUser wrote "+rep)
}

func testReplaceUserErrors(t *testing.T, e *env) {
	e.needsUser(t, "emails.value")
	const rep = "(store.UserStore.ReplaceUser)"
	a := e.createUser(t, &resources.User{UserName: "a", Emails: []resources.MultiValue{{Value: "a@example.com"}}})
	e.createUser(t, &resources.User{UserName: "b"})

	_, err := e.users.ReplaceUser(e.ctx, &resources.User{ID: unknownID(), UserName: "x"}, "")
	requireIs(t, err, store.ErrNotFound, "ReplaceUser of an id no user has must return store.ErrNotFound "+rep)
	_, err = e.users.ReplaceUser(e.ctx, &resources.User{UserName: "x"}, "")
	requireIs(t, err, store.ErrNotFound, `ReplaceUser of the id "" must return store.ErrNotFound `+rep)

	w := a.Clone()
	w.UserName = "B"
	_, err = e.users.ReplaceUser(e.ctx, w, "")
	requireIs(t, err, store.ErrConflict, "ReplaceUser onto another user's userName (compared case-insensitively) must return store.ErrConflict "+rep)
	got := e.getUser(t, a.ID, store.GetOptions{}, "the user must still be there")
	assert.Equal(t, "a", got.UserName, "a ReplaceUser refused with ErrConflict must change nothing "+rep)

	// Renaming frees the old userName and indexes the new one.
	w = got.Clone()
	w.UserName = "c"
	w.Emails = []resources.MultiValue{{Value: "c@example.com"}}
	_, err = e.users.ReplaceUser(e.ctx, w, got.Meta.Version)
	require.NoError(t, err, "ReplaceUser may rename a user to a free userName "+rep)
	e.createUser(t, &resources.User{UserName: "A"}) // the old userName is free again
	assert.Equal(t, []string{"c"}, userNames(e.listUsers(t, store.Query{Filter: parse(t, `userName eq "C"`), Count: 10}).Items),
		"a filter must find the userName ReplaceUser wrote "+rep)
	assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "a@example.com"`), Count: 10}).Items,
		"after ReplaceUser changed emails, a filter must not find the old value (stale index?) "+rep)
	assert.Equal(t, []string{"c"}, userNames(e.listUsers(t, store.Query{Filter: parse(t, `emails[value eq "c@EXAMPLE.com"]`), Count: 10}).Items),
		"a filter must find the emails ReplaceUser wrote "+rep)
}

func testDeleteUser(t *testing.T, e *env) {
	const del = "(store.UserStore.DeleteUser)"
	u := e.createUser(t, &resources.User{UserName: "gone", ExternalID: "x1"})
	keep := e.createUser(t, &resources.User{UserName: "kept"})
	var g *resources.Group
	if e.groups != nil {
		g = e.createGroup(t, &resources.Group{DisplayName: "g", Members: []resources.Member{{Value: u.ID}, {Value: keep.ID}}})
		require.ElementsMatch(t, []string{u.ID, keep.ID}, memberIDs(g.Members), "CreateGroup must return the members it stored (store.GroupStore.CreateGroup)")
	}

	require.NoError(t, e.users.DeleteUser(e.ctx, u.ID, ""), `DeleteUser with ifVersion "" must delete whatever the stored version `+del)
	_, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetUser of a deleted user must return store.ErrNotFound "+del)
	requireIs(t, e.users.DeleteUser(e.ctx, u.ID, ""), store.ErrNotFound, "DeleteUser of a deleted user must return store.ErrNotFound "+del)
	requireIs(t, e.users.DeleteUser(e.ctx, unknownID(), ""), store.ErrNotFound, "DeleteUser of an id no user has must return store.ErrNotFound "+del)
	p := e.listUsers(t, store.Query{Count: 10})
	assert.Equal(t, []string{"kept"}, userNames(p.Items), "ListUsers must not return a deleted user "+del)
	assert.Equal(t, 1, p.Total, "ListUsers: Total must not count a deleted user "+del)
	if e.keepsUser("externalId") {
		assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `externalId eq "x1"`), Count: 10}).Items, "a filter must not find a deleted user (stale index?) "+del)
	}
	// The userName is free again.
	_, err = e.users.CreateUser(e.ctx, &resources.User{UserName: "GONE"})
	require.NoError(t, err, "DeleteUser must free the user's userName for a new user "+del)

	if e.groups == nil {
		return
	}
	got := e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	assert.Equal(t, []string{keep.ID}, memberIDs(got.Members), "DeleteUser must remove the user's group memberships in the same step "+del)
	if e.mr != nil {
		m, err := e.mr.GroupsOf(e.ctx, []string{u.ID, keep.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		assert.Empty(t, m[u.ID], "GroupsOf must not list groups of a deleted user "+del)
		require.Len(t, m[keep.ID], 1, "GroupsOf must list the groups of the user that stays (store.MembershipReader.GroupsOf)")
		assert.Equal(t, g.ID, m[keep.ID][0].Value, "GroupsOf must list the groups of the user that stays (store.MembershipReader.GroupsOf)")
	}
}

func testUniqueUserName(t *testing.T, e *env) {
	e.createUser(t, &resources.User{UserName: "Jane.Doe@example.com"})
	for _, name := range []string{"Jane.Doe@example.com", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM"} {
		_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: name})
		requireIs(t, err, store.ErrConflict, "CreateUser of userName %q, taken under strings.EqualFold, must return store.ErrConflict (store.UserStore.CreateUser)", name)
	}
	p := e.listUsers(t, store.Query{Count: 10})
	assert.Equal(t, 1, p.Total, "a CreateUser refused with ErrConflict must store nothing (store.UserStore.CreateUser)")
}

func testConcurrentCreate(t *testing.T, e *env) {
	for n := 2; n <= 16; n *= 2 {
		name := fmt.Sprintf("race-%d", n)
		errs := fanout.Run(n, func(i int) error {
			// Vary the case: uniqueness is case-insensitive.
			un := name
			if i%2 == 1 {
				un = strings.ToUpper(name)
			}
			_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: un})
			return err
		})
		exactlyOne(t, errs, func(err error) {
			requireIs(t, err, store.ErrConflict, "of %d concurrent CreateUser calls of one userName, the losers must get store.ErrConflict (store.UserStore.CreateUser; a unique index does it)", n)
		}, "of %d concurrent CreateUser calls of one userName, exactly one must succeed (store.UserStore.CreateUser; a unique index does it)", n)
		p := e.listUsers(t, store.Query{Filter: parse(t, `userName eq "`+name+`"`), Count: 100})
		assert.Equal(t, 1, p.Total, "%d concurrent CreateUser calls of one userName must store one user (store.UserStore.CreateUser)", n)
	}
}

func testUserNoLostUpdate(t *testing.T, e *env) {
	nt := e.note(t)
	u := e.createUser(t, &resources.User{UserName: "counter"})
	const n = 8
	errs := fanout.Run(n, func(i int) error {
		for attempt := 0; attempt < 1000; attempt++ {
			cur, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
			if err != nil {
				return err
			}
			nt.set(cur, nt.get(cur)+fmt.Sprintf("[%d]", i))
			_, err = e.users.ReplaceUser(e.ctx, cur, cur.Meta.Version)
			if errors.Is(err, store.ErrPreconditionFailed) {
				continue
			}
			return err
		}
		return fmt.Errorf("gave up after 1000 attempts")
	})
	for _, err := range errs {
		require.NoError(t, err, "concurrent GetUser and ReplaceUser at the version read must either write or return store.ErrPreconditionFailed (store.UserStore.ReplaceUser)")
	}
	got := e.getUser(t, u.ID, store.GetOptions{}, "the user must still be there")
	for i := range n {
		assert.Equal(t, 1, strings.Count(nt.get(got), fmt.Sprintf("[%d]", i)),
			"update %d in %q: ReplaceUser must check ifVersion and write in one atomic step, so no concurrent update is lost (store.UserStore.ReplaceUser)", i, nt.get(got))
	}
}

func testUserNoAliasing(t *testing.T, e *env) {
	e.needsUser(t, "name.givenName", "emails.value")
	// The primary flag, a pointer, is checked when the model keeps it.
	primary := e.keepsUser("emails.primary")
	// The enterprise values are checked when the model keeps them.
	ent := e.keepsUser(resources.EnterpriseUserSchema+":department") && e.keepsUser(resources.EnterpriseUserSchema+":manager")
	in := &resources.User{
		UserName:   "alias",
		Name:       &resources.Name{GivenName: "A"},
		Active:     ptr(true),
		Emails:     []resources.MultiValue{{Value: "a@example.com", Primary: ptr(true)}},
		Enterprise: &resources.EnterpriseUser{Department: "D", Manager: &resources.Manager{Value: "m"}},
	}
	out := e.createUser(t, in)
	const stored = "CreateUser must return the user as stored (store.UserStore.CreateUser)"
	require.NotNil(t, out.Name, stored+": name")
	require.NotNil(t, out.Active, stored+": active")
	require.Len(t, out.Emails, 1, stored+": emails")
	if ent {
		require.NotNil(t, out.Enterprise, stored+": the enterprise extension")
		require.NotNil(t, out.Enterprise.Manager, stored+": enterprise manager")
	}
	// Mutating what was passed in or handed back changes nothing stored.
	in.Name.GivenName = "changed"
	*in.Active = false
	in.Emails[0].Value = "changed@example.com"
	out.Name.GivenName = "changed"
	*out.Active = false
	out.Emails[0].Value = "changed@example.com"
	if ent {
		in.Enterprise.Department = "changed"
		out.Enterprise.Manager.Value = "changed"
	}
	setPrimary := func(u *resources.User) {
		if len(u.Emails) > 0 && u.Emails[0].Primary != nil {
			*u.Emails[0].Primary = false
		}
	}
	setPrimary(in)
	setPrimary(out)

	const alias = "%s: a store must copy the values it is given and returns, deep (pointers, slices, maps): a caller's change to them must not reach the stored user (store.UserStore)"
	check := func(u *resources.User, after string) {
		t.Helper()
		if assert.NotNil(t, u.Name, alias, after) {
			assert.Equal(t, "A", u.Name.GivenName, alias, after)
		}
		if assert.NotNil(t, u.Active, alias, after) {
			assert.True(t, *u.Active, alias, after)
		}
		if assert.Len(t, u.Emails, 1, alias, after) {
			assert.Equal(t, "a@example.com", u.Emails[0].Value, alias, after)
			if primary && assert.NotNil(t, u.Emails[0].Primary, alias, after) {
				assert.True(t, *u.Emails[0].Primary, alias, after)
			}
		}
		if ent && assert.NotNil(t, u.Enterprise, alias, after) {
			assert.Equal(t, "D", u.Enterprise.Department, alias, after)
			if assert.NotNil(t, u.Enterprise.Manager, alias, after) {
				assert.Equal(t, "m", u.Enterprise.Manager.Value, alias, after)
			}
		}
	}
	got := e.getUser(t, out.ID, store.GetOptions{}, "a created user must be readable")
	check(got, "GetUser after changes to CreateUser's input and result")
	if len(got.Emails) > 0 && got.Name != nil {
		got.Emails[0].Value = "changed@example.com"
		got.Name.GivenName = "changed"
	}
	setPrimary(got)

	p := e.listUsers(t, store.Query{Count: 10})
	require.Len(t, p.Items, 1, "ListUsers must return the one user of the tenant (store.UserStore.ListUsers)")
	check(p.Items[0], "ListUsers after changes to GetUser's result")
	if len(p.Items[0].Emails) > 0 {
		p.Items[0].Emails[0].Value = "changed@example.com"
	}

	setPrimary(p.Items[0])
	rep := p.Items[0].Clone()
	rep.Emails = []resources.MultiValue{{Value: "a@example.com", Primary: ptr(true)}}
	rep.Name = &resources.Name{GivenName: "A"}
	r, err := e.users.ReplaceUser(e.ctx, rep, "")
	require.NoError(t, err, `ReplaceUser with ifVersion "" must write (store.UserStore.ReplaceUser)`)
	rep.Name.GivenName = "changed"
	if r.Name != nil {
		r.Name.GivenName = "changed"
	}
	got = e.getUser(t, out.ID, store.GetOptions{}, "the user must still be there")
	check(got, "GetUser after changes to ReplaceUser's input and result")
	// Filters see the stored value, not a mutated copy.
	assert.Len(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "a@example.com"`), Count: 10}).Items, 1,
		"a filter must see the stored value, not a caller's changed copy (store.UserStore.ListUsers)")
	assert.Empty(t, e.listUsers(t, store.Query{Filter: parse(t, `emails.value eq "changed@example.com"`), Count: 10}).Items,
		"a filter must see the stored value, not a caller's changed copy (store.UserStore.ListUsers)")
}

func testUserTenants(t *testing.T, e *env) {
	const iso = "every method is scoped to the tenant in ctx (store.Tenant): %s (store.UserStore)"
	n := e.note(t)
	a := e.createUser(t, n.user("shared", "in A"))
	other := e.other()
	b, err := e.users.CreateUser(other, n.user("SHARED", "in B"))
	require.NoError(t, err, iso, "two tenants may each have a user of one userName")
	assert.NotEqual(t, a.ID, b.ID, iso, "CreateUser must give each user an ID of its own")

	_, err = e.users.GetUser(other, a.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, iso, "GetUser of another tenant's user must return store.ErrNotFound")
	_, err = e.users.ReplaceUser(other, a.Clone(), "")
	requireIs(t, err, store.ErrNotFound, iso, "ReplaceUser of another tenant's user must return store.ErrNotFound")
	requireIs(t, e.users.DeleteUser(other, a.ID, ""), store.ErrNotFound, iso, "DeleteUser of another tenant's user must return store.ErrNotFound")

	p, err := e.users.ListUsers(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err, "ListUsers must answer an unfiltered list (store.UserStore.ListUsers)")
	require.Len(t, p.Items, 1, iso, "ListUsers must return the tenant's users only")
	assert.Equal(t, b.ID, p.Items[0].ID, iso, "ListUsers must return the tenant's users only")
	assert.Equal(t, 1, p.Total, iso, "ListUsers: Total must count the tenant's users only")
	p, err = e.users.ListUsers(other, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, `id eq "`+a.ID+`"`)})
	require.NoError(t, err, "ListUsers must answer an id filter (store.UserStore.ListUsers)")
	assert.Empty(t, p.Items, iso, "a filter on id must not find another tenant's user")

	got := e.getUser(t, a.ID, store.GetOptions{}, "the user must still be there")
	assert.Equal(t, "in A", n.get(got), iso, "writes in one tenant must change nothing in another")
	p = e.listUsers(t, store.Query{Filter: parse(t, `userName eq "shared"`), Count: 10})
	assert.Equal(t, []string{"shared"}, userNames(p.Items), iso, "a filter must find the tenant's own user only")
}

// keyText is n bytes of letters and digits that do not repeat (so a
// database cannot compress them much), made from seed.
func keyText(seed byte, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = chars[x%uint32(len(chars))]
	}
	return string(b)
}

func testIndexedValuesAtKeyLimit(t *testing.T, e *env) {
	in := &resources.User{
		UserName:     keyText(1, store.KeyLimitBytes),
		ExternalID:   keyText(2, store.KeyLimitBytes),
		DisplayName:  keyText(3, store.KeyLimitBytes),
		Emails:       []resources.MultiValue{{Value: keyText(4, store.KeyLimitBytes), Type: "work"}},
		PhoneNumbers: []resources.MultiValue{{Value: keyText(5, store.KeyLimitBytes), Type: "work"}},
	}
	const why = "a store must keep and find userName, externalId, displayName, emails.value and phoneNumbers.value of up to store.KeyLimitBytes bytes, which the handler lets through (store.UserStore.CreateUser)"
	e.fitUser(in)
	u, err := e.users.CreateUser(e.ctx, in)
	require.NoError(t, err, why)
	got := e.getUser(t, u.ID, store.GetOptions{}, why)
	assert.Equal(t, in.UserName, got.UserName, why)
	filters := []string{`userName eq "` + in.UserName + `"`}
	if in.ExternalID != "" {
		filters = append(filters, `externalId eq "`+in.ExternalID+`"`)
	}
	if in.DisplayName != "" {
		filters = append(filters, `displayName eq "`+in.DisplayName+`"`)
	}
	if len(in.Emails) > 0 {
		filters = append(filters, `emails.value eq "`+in.Emails[0].Value+`"`)
	}
	if len(in.PhoneNumbers) > 0 {
		filters = append(filters, `phoneNumbers.value eq "`+in.PhoneNumbers[0].Value+`"`)
	}
	for _, f := range filters {
		p := e.listUsers(t, store.Query{Filter: parse(t, f), Count: 10})
		assert.Equal(t, []string{in.UserName}, userNames(p.Items), "%s: %.40s…", why, f)
	}
	if e.groups == nil {
		return
	}
	g := e.createGroup(t, &resources.Group{DisplayName: keyText(6, store.KeyLimitBytes), ExternalID: keyText(7, store.KeyLimitBytes)})
	gFilters := []string{`displayName eq "` + g.DisplayName + `"`}
	if g.ExternalID != "" {
		gFilters = append(gFilters, `externalId eq "`+g.ExternalID+`"`)
	}
	for _, f := range gFilters {
		p := e.listGroups(t, store.Query{Filter: parse(t, f), Count: 10})
		require.Len(t, p.Items, 1, "a store must keep and find a group's displayName and externalId of up to store.KeyLimitBytes bytes (store.GroupStore.ListGroups): %.40s…", f)
		assert.Equal(t, g.ID, p.Items[0].ID)
	}
}

// testValuesAtMultiValueLimit: a user with store.MultiValueLimit values in
// each multi-valued attribute, which the handler lets through, is stored,
// read back whole and found by its last email and phone number.
// store/sqlstore bound six parameters a value in one statement, and
// SQLite takes at most 32,766: some thousands of emails were a 500 there,
// and past 10,000 on PostgreSQL.
func testValuesAtMultiValueLimit(t *testing.T, e *env) {
	const why = "a store must keep and find up to store.MultiValueLimit values of each multi-valued attribute, which the handler lets through (store.UserStore.CreateUser)"
	in := &resources.User{UserName: "many"}
	for i := range store.MultiValueLimit {
		in.Emails = append(in.Emails, resources.MultiValue{Value: fmt.Sprintf("u%d@example.com", i), Type: "work"})
		in.PhoneNumbers = append(in.PhoneNumbers, resources.MultiValue{Value: fmt.Sprintf("+1 555 %07d", i), Type: "work"})
		in.Roles = append(in.Roles, resources.MultiValue{Value: fmt.Sprintf("role-%d", i)})
	}
	e.fitUser(in)
	u, err := e.users.CreateUser(e.ctx, in)
	require.NoError(t, err, why)
	got := e.getUser(t, u.ID, store.GetOptions{}, why)
	assert.Len(t, got.Emails, len(in.Emails), why)
	assert.Len(t, got.PhoneNumbers, len(in.PhoneNumbers), why)
	assert.Len(t, got.Roles, len(in.Roles), why)
	var filters []string
	if n := len(in.Emails); n > 0 {
		filters = append(filters, `emails.value eq "`+in.Emails[n-1].Value+`"`)
	}
	if n := len(in.PhoneNumbers); n > 0 {
		filters = append(filters, `phoneNumbers.value eq "`+in.PhoneNumbers[n-1].Value+`"`)
	}
	for _, f := range filters {
		p := e.listUsers(t, store.Query{Filter: parse(t, f), Count: 10})
		assert.Equal(t, []string{"many"}, userNames(p.Items), "%s: %s", why, f)
	}
}

// testLookupPaged: a lookup by userName (the request an identity provider
// sends before each change) or externalId, and by a group's displayName, is
// a list like any other: Total counts the match when the page is past it or
// empty, a sortBy, a deletion and a cursor walk leave the answer as
// query.Select gives it. (A store may answer such a lookup from its name
// index without evaluating the filter; these are the cases where that
// shortcut must still page and count.)
//
// The sorted cases sort by the note attribute (keptNote), and those that
// name what the model leaves out are left out (userCase).
func testLookupPaged(t *testing.T, e *env) {
	n, _ := e.keptNote()
	const why = "a lookup by name must page and count as any list (store.UserStore.ListUsers, store.Page)"
	seedUsers(t, e)
	gone := e.createUser(t, &resources.User{UserName: "gone"})
	require.NoError(t, e.users.DeleteUser(e.ctx, gone.ID, ""))
	for _, c := range []struct {
		filter     string
		start, cnt int
		sortBy     string
		want       []string
		total      int
	}{
		{`userName eq "ALICE"`, 1, 10, "", []string{"Alice"}, 1},
		{`userName eq "alice"`, 2, 10, "", []string{}, 1},
		{`userName eq "alice"`, 1, 0, "", []string{}, 1},
		{`userName eq "alice"`, 1, 10, n.path, []string{"Alice"}, 1},
		{`userName eq "alice"`, 2, 10, n.path, []string{}, 1},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Alice"`, 1, 10, "", []string{"Alice"}, 1},
		{`userName eq "gone"`, 1, 10, "", []string{}, 0},
		{`userName eq "nobody"`, 1, 10, n.path, []string{}, 0},
		// externalId is caseExact: ext-A and EXT-A are two.
		{`externalId eq "ext-A"`, 1, 10, "", []string{"Alice"}, 1},
		{`externalId eq "EXT-A"`, 1, 10, "", []string{"dave@example.org"}, 1},
		{`externalId eq "ext-a"`, 1, 10, "", []string{}, 0},
		{`externalId eq "ext-A"`, 2, 10, "", []string{}, 1},
		{`externalId eq "ext-b"`, 1, 0, n.path, []string{}, 1},
	} {
		q := store.Query{Filter: parse(t, c.filter), StartIndex: c.start, Count: c.cnt, SortBy: c.sortBy}
		if !e.userCase(t, q) {
			continue
		}
		p := e.listUsers(t, q)
		require.NotNil(t, p.Items, "ListUsers %s: Items must not be nil (store.Page)", describe(q))
		assert.Equal(t, c.want, userNames(p.Items), "ListUsers %s: %s", describe(q), why)
		assert.Equal(t, c.total, p.Total, "ListUsers %s: Total %s", describe(q), why)
	}
	if cl := e.uCursor; cl != nil {
		q := store.Query{Filter: parse(t, `userName eq "ALICE"`), Count: 10}
		p, err := cl.ListUsersAfter(e.ctx, q, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"Alice"}, userNames(p.Items), "ListUsersAfter %s: %s", describe(q), why)
		assert.Len(t, p.Positions, 1, "ListUsersAfter: one position per user (store.CursorPage)")
		assert.False(t, p.More, "ListUsersAfter %s: one user, no more", describe(q))
	}
	if e.groups == nil {
		return
	}
	e.createGroup(t, &resources.Group{DisplayName: "Lookup"})
	for _, c := range []struct {
		filter     string
		start, cnt int
		want       []string
		total      int
	}{
		{`displayName eq "LOOKUP"`, 1, 10, []string{"Lookup"}, 1},
		{`displayName eq "lookup"`, 2, 10, []string{}, 1},
		{`displayName eq "nothing"`, 1, 10, []string{}, 0},
	} {
		q := store.Query{Filter: parse(t, c.filter), StartIndex: c.start, Count: c.cnt}
		p := e.listGroups(t, q)
		require.NotNil(t, p.Items, "ListGroups %s: Items must not be nil (store.Page)", describe(q))
		assert.Equal(t, c.want, groupNames(p.Items), "ListGroups %s: a lookup by displayName must page and count as any list (store.GroupStore.ListGroups)", describe(q))
		assert.Equal(t, c.total, p.Total, "ListGroups %s: Total must count the match (store.Page.Total)", describe(q))
	}
}

// testListUsersCreationOrder: a list without sortBy is in creation order,
// and so are the ties of a sort, ascending and descending (store.Query.SortBy),
// whatever order the names, or a database's rows, would give. The names
// are created in no order a collation gives, so that a store ordering by
// name (or by nothing) fails here, not in a check of something else.
func testListUsersCreationOrder(t *testing.T, e *env) {
	created := []string{"zed", "Mid", "alpha", "Bob"}
	for _, n := range created {
		e.createUser(t, &resources.User{UserName: n, Active: ptr(true)})
	}
	const why = "(store.Query.SortBy: \"\" means creation order, the store's stable default, which also breaks every tie of a sort, so that pages are stable; a sequence column, not the name, the id or the database's row order; store.UserStore.ListUsers)"
	for _, q := range []store.Query{{}, {SortBy: "active"}, {SortBy: "active", Descending: true}} {
		q.StartIndex, q.Count = 1, 10
		assert.Equal(t, created, userNames(e.listUsers(t, q).Items), "ListUsers with sortBy %q descending %v, every user active, must return the users %v in the order they were created %s", q.SortBy, q.Descending, created, why)
	}
}
