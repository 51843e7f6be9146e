package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Unique attributes (store.UniqueEnforcer). The suite checks them on a
// store that declares it enforces them and whose model declares a unique
// string attribute in an extension of User (and of Group, for the group
// checks); the others skip, saying why. UniqueModel is such a model: run
// the suite once on a store built from it.

// Extension URNs of UniqueModel.
const (
	UniqueUserSchema  = "urn:example:params:scim:schemas:extension:storetest:2.0:User"
	UniqueGroupSchema = "urn:example:params:scim:schemas:extension:storetest:2.0:Group"
)

// UniqueModel returns a model with a unique attribute in an extension of
// each resource type: the user's "badge" (server, compared without regard
// to case) and the group's "code" (global, caseExact). Build the store
// under test from it (memory.WithModel, sqlstore.Config.Model) for the
// suite to check store.UniqueEnforcer.
func UniqueModel() *resources.Model {
	us, err := resources.NewSchema(UniqueUserSchema, "StoretestUser", "storetest's unique user attribute",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Uniqueness: resources.UniquenessServer},
		&resources.Attribute{Name: "note", Type: resources.TypeString})
	if err != nil {
		panic(err)
	}
	gs, err := resources.NewSchema(UniqueGroupSchema, "StoretestGroup", "storetest's unique group attribute",
		&resources.Attribute{Name: "code", Type: resources.TypeString, CaseExact: true, Uniqueness: resources.UniquenessGlobal})
	if err != nil {
		panic(err)
	}
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{us}, GroupExtensions: []*resources.Schema{gs}})
	if err != nil {
		panic(err)
	}
	return m
}

var uniqueTests = []test{
	{"Unique/UserCreate", testUniqueUserCreate},
	{"Unique/UserReplace", testUniqueUserReplace},
	{"Unique/UserUpdate", testUniqueUserUpdate},
	{"Unique/UserDeleteFrees", testUniqueUserDelete},
	{"Unique/UserTenants", testUniqueUserTenants},
	{"Unique/UserConcurrentCreate", testUniqueUserConcurrent},
	{"Unique/Group", testUniqueGroup},
	{"Unique/GroupConcurrentCreate", testUniqueGroupConcurrent},
}

// uniqueSkip says why the unique checks cannot run on e's users (users
// set) or groups, or "".
func uniqueSkip(e *env, users bool) string {
	st, m, enforces := e.groupModel.Group, "Groups", e.uniqGroups
	if users {
		st, m, enforces = e.userModel.User, "Users", e.uniqUsers
	}
	if !enforces {
		return "the " + m + " store is no store.UniqueEnforcer (or says it does not enforce unique attributes)"
	}
	if _, ok := uniqueStringAttr(st); !ok {
		return "the store's model declares no unique string attribute in an extension of " + st.Name + " (build the store from storetest.UniqueModel() to run these)"
	}
	return ""
}

// uniqueStringAttr returns the first unique string or reference attribute
// of rt's extensions.
func uniqueStringAttr(rt *resources.ResourceType) (resources.UniqueAttribute, bool) {
	for _, ua := range rt.UniqueAttributes() {
		if ua.Attr.Type == resources.TypeString || ua.Attr.Type == resources.TypeReference {
			return ua, true
		}
	}
	return resources.UniqueAttribute{}, false
}

// uniq is a unique attribute under test.
type uniq struct{ resources.UniqueAttribute }

// ext returns Extensions holding v (a string, or nil for JSON null) as
// the attribute's value; absent leaves the attribute out.
func (u uniq) ext(v any, absent bool) map[string]json.RawMessage {
	obj := map[string]any{}
	if !absent {
		obj[u.Attr.Name] = v
	}
	raw, _ := json.Marshal(obj)
	return map[string]json.RawMessage{u.Schema: raw}
}

// value reads the attribute's value from exts ("" when absent).
func (u uniq) value(exts map[string]json.RawMessage) string {
	var obj map[string]any
	_ = json.Unmarshal(exts[u.Schema], &obj)
	s, _ := obj[u.Attr.Name].(string)
	return s
}

// otherCase returns v in another letter case.
func otherCase(v string) string {
	if strings.ToUpper(v) != v {
		return strings.ToUpper(v)
	}
	return strings.ToLower(v)
}

func (e *env) uniqueUser(t *testing.T) uniq {
	t.Helper()
	if why := uniqueSkip(e, true); why != "" {
		t.Skip(why)
	}
	ua, _ := uniqueStringAttr(e.userModel.User)
	return uniq{ua}
}

func (e *env) uniqueGroup(t *testing.T) uniq {
	t.Helper()
	if e.groups == nil {
		t.Skip("no GroupStore (Stores.Groups is nil)")
	}
	if why := uniqueSkip(e, false); why != "" {
		t.Skip(why)
	}
	ua, _ := uniqueStringAttr(e.groupModel.Group)
	return uniq{ua}
}

// requireUniqueConflict checks that err is the conflict of a unique
// attribute, naming it.
func requireUniqueConflict(t *testing.T, err error, u uniq, what string) {
	t.Helper()
	requireIs(t, err, store.ErrConflict, "%s: a value of %s another resource of the tenant holds must give store.ErrConflict (store.UniqueEnforcer)", what, u.Name())
	assert.Contains(t, err.Error(), u.Attr.Name, "%s: the conflict must name the attribute, as the 409's detail (query.UniqueConflict; store.UniqueEnforcer)", what)
}

func testUniqueUserCreate(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	e.createUser(t, &resources.User{UserName: "holder", Extensions: u.ext("B-1", false)})
	cases := []struct {
		name     string
		value    any
		absent   bool
		conflict bool
	}{
		{"same value", "B-1", false, true},
		{"other case", otherCase("B-1"), false, !u.Attr.CaseExact},
		{"other value", "B-2", false, false},
		{"absent", nil, true, false},
		{"absent again", nil, true, false},
		{"null", nil, false, false},
		{"null again", nil, false, false},
		// An empty string holds no value (resources.Assigned), as the
		// handler keeps none: a store holding one constrains nothing.
		{"empty", "", false, false},
		{"empty again", "", false, false},
	}
	want, present := 1, 1
	for i, tc := range cases {
		_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: fmt.Sprintf("c%d", i), Extensions: u.ext(tc.value, tc.absent)})
		if tc.conflict {
			requireUniqueConflict(t, err, u, "CreateUser, "+tc.name)
			continue
		}
		require.NoError(t, err, "CreateUser, %s: only a value another user holds conflicts; an absent, null or empty value is not constrained (store.UniqueEnforcer)", tc.name)
		want++
		if s, _ := tc.value.(string); s != "" {
			present++
		}
	}
	pr := e.listUsers(t, store.Query{Filter: parse(t, u.Name()+" pr"), Count: 100})
	assert.Equal(t, present, pr.Total, "%s pr: null and \"\" hold no value (resources.Assigned; RFC 7644 §3.4.2.2 \"a non-empty value\"), as query.Select answers", u.Name())
	_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: "holder", Extensions: u.ext("B-1", false)})
	requireIs(t, err, store.ErrConflict, "CreateUser with a taken userName and a taken value")
	assert.Contains(t, err.Error(), "userName", "CreateUser with a taken userName and a taken value: the userName's conflict is the one reported, on every store alike (store.UniqueEnforcer)")
	p := e.listUsers(t, store.Query{Count: 100})
	assert.Equal(t, want, p.Total, "a CreateUser refused with ErrConflict must store nothing (store.UniqueEnforcer)")
}

func testUniqueUserReplace(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	a := e.createUser(t, &resources.User{UserName: "a", Extensions: u.ext("A-1", false)})
	b := e.createUser(t, &resources.User{UserName: "b", Extensions: u.ext("B-1", false)})

	in := b.Clone()
	in.Extensions = u.ext("A-1", false)
	_, err := e.users.ReplaceUser(e.ctx, in, "")
	requireUniqueConflict(t, err, u, "ReplaceUser with another user's value")
	got := e.getUser(t, b.ID, store.GetOptions{}, "a refused replace keeps the user")
	assert.Equal(t, "B-1", u.value(got.Extensions), "a ReplaceUser refused with ErrConflict must change nothing (store.UniqueEnforcer)")
	assert.Equal(t, b.Meta.Version, got.Meta.Version, "a ReplaceUser refused with ErrConflict must keep the version (store.UniqueEnforcer)")

	in = a.Clone()
	in.DisplayName = "A"
	_, err = e.users.ReplaceUser(e.ctx, in, "")
	require.NoError(t, err, "ReplaceUser keeping the user's own value is no conflict (store.UniqueEnforcer)")

	in = a.Clone()
	in.Extensions = u.ext("A-2", false)
	_, err = e.users.ReplaceUser(e.ctx, in, "")
	require.NoError(t, err, "ReplaceUser to a free value (store.UniqueEnforcer)")
	in = b.Clone()
	in.Extensions = u.ext("A-1", false)
	_, err = e.users.ReplaceUser(e.ctx, in, "")
	require.NoError(t, err, "a value a ReplaceUser gave up is free again (store.UniqueEnforcer)")
	in = a.Clone()
	in.Extensions = u.ext("B-1", false)
	_, err = e.users.ReplaceUser(e.ctx, in, "")
	require.NoError(t, err, "a value a ReplaceUser gave up is free again (store.UniqueEnforcer)")
}

func testUniqueUserUpdate(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	if e.userUp == nil {
		t.Skip("the Users store is no store.UserUpdater")
	}
	e.createUser(t, &resources.User{UserName: "a", Extensions: u.ext("A-1", false)})
	b := e.createUser(t, &resources.User{UserName: "b", Extensions: u.ext("B-1", false)})
	set := func(v string) func(cur *resources.User) (*resources.User, error) {
		return func(cur *resources.User) (*resources.User, error) {
			cur.Extensions = u.ext(v, false)
			return cur, nil
		}
	}
	_, err := e.userUp.UpdateUser(e.ctx, b.ID, "", set("A-1"))
	requireUniqueConflict(t, err, u, "UpdateUser to another user's value")
	got := e.getUser(t, b.ID, store.GetOptions{}, "a refused update keeps the user")
	assert.Equal(t, "B-1", u.value(got.Extensions), "an UpdateUser refused with ErrConflict must change nothing (store.UniqueEnforcer)")
	assert.Equal(t, b.Meta.Version, got.Meta.Version, "an UpdateUser refused with ErrConflict must keep the version (store.UniqueEnforcer)")

	_, err = e.userUp.UpdateUser(e.ctx, b.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.Active = resources.Bool(false)
		return cur, nil
	})
	require.NoError(t, err, "UpdateUser keeping the user's own value is no conflict (store.UniqueEnforcer)")
	_, err = e.userUp.UpdateUser(e.ctx, b.ID, "", set("B-2"))
	require.NoError(t, err, "UpdateUser to a free value (store.UniqueEnforcer)")
	e.createUser(t, &resources.User{UserName: "c", Extensions: u.ext("B-1", false)}) // B-1 is free again
}

func testUniqueUserDelete(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	a := e.createUser(t, &resources.User{UserName: "a", Extensions: u.ext("A-1", false)})
	require.NoError(t, e.users.DeleteUser(e.ctx, a.ID, ""), "DeleteUser")
	_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: "b", Extensions: u.ext("A-1", false)})
	require.NoError(t, err, "deleting a user frees its unique values (store.UniqueEnforcer)")
}

func testUniqueUserTenants(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	e.createUser(t, &resources.User{UserName: "a", Extensions: u.ext("A-1", false)})
	_, err := e.users.CreateUser(e.other(), &resources.User{UserName: "a", Extensions: u.ext("A-1", false)})
	require.NoError(t, err, "the same value in another tenant is no conflict: uniqueness is per tenant (store.UniqueEnforcer)")
}

// oneWinner checks that exactly one of errs is nil and the others are
// unique conflicts.
func oneWinner(t *testing.T, errs []error, u uniq, what string) {
	t.Helper()
	exactlyOne(t, errs, func(err error) { requireUniqueConflict(t, err, u, what) },
		"%s: of %d concurrent writes of one value, exactly one must succeed: the check and the write are one atomic step (store.UniqueEnforcer)", what, len(errs))
}

func testUniqueUserConcurrent(t *testing.T, e *env) {
	u := e.uniqueUser(t)
	for n := 2; n <= 8; n *= 2 {
		v := fmt.Sprintf("race-%d", n)
		errs := fanout.Run(n, func(i int) error {
			_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: fmt.Sprintf("r%d-%d", n, i), Extensions: u.ext(v, false)})
			return err
		})
		oneWinner(t, errs, u, "concurrent CreateUser")
	}
	// Concurrent replaces of distinct users to one value.
	ids := make([]*resources.User, 4)
	for i := range ids {
		ids[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("p%d", i)})
	}
	errs := fanout.Run(len(ids), func(i int) error {
		in := ids[i].Clone()
		in.Extensions = u.ext("contested", false)
		_, err := e.users.ReplaceUser(e.ctx, in, "")
		return err
	})
	oneWinner(t, errs, u, "concurrent ReplaceUser")
	if e.userUp == nil {
		return
	}
	// And through UpdateUser, as PATCH and PUT write.
	errs = fanout.Run(len(ids), func(i int) error {
		_, err := e.userUp.UpdateUser(e.ctx, ids[i].ID, "", func(cur *resources.User) (*resources.User, error) {
			cur.Extensions = u.ext("contested-update", false)
			return cur, nil
		})
		return err
	})
	oneWinner(t, errs, u, "concurrent UpdateUser")
}

func testUniqueGroup(t *testing.T, e *env) {
	u := e.uniqueGroup(t)
	a := e.createGroup(t, &resources.Group{DisplayName: "a", Extensions: u.ext("G-1", false)})
	_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "b", Extensions: u.ext("G-1", false)})
	requireUniqueConflict(t, err, u, "CreateGroup with another group's value")
	_, err = e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "c", Extensions: u.ext(otherCase("G-1"), false)})
	if u.Attr.CaseExact {
		require.NoError(t, err, "CreateGroup: a caseExact attribute's values differing in case are distinct (store.UniqueEnforcer)")
	} else {
		requireUniqueConflict(t, err, u, "CreateGroup with another group's value in another case")
	}
	b := e.createGroup(t, &resources.Group{DisplayName: "d", Extensions: u.ext("G-2", false)})
	in := b.Clone()
	in.Members = nil
	in.Extensions = u.ext("G-1", false)
	_, err = e.groups.ReplaceGroup(e.ctx, in, "")
	requireUniqueConflict(t, err, u, "ReplaceGroup with another group's value")
	got := e.getGroup(t, b.ID, store.GetOptions{ExcludeMembers: true}, "a refused replace keeps the group")
	assert.Equal(t, "G-2", u.value(got.Extensions), "a ReplaceGroup refused with ErrConflict must change nothing (store.UniqueEnforcer)")
	if e.groupUp != nil {
		_, err = e.groupUp.UpdateGroup(e.ctx, b.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
			cur.Extensions = u.ext("G-1", false)
			return cur, nil
		})
		requireUniqueConflict(t, err, u, "UpdateGroup to another group's value")
	}
	_, err = e.groups.CreateGroup(e.other(), &resources.Group{DisplayName: "a", Extensions: u.ext("G-1", false)})
	require.NoError(t, err, "the same value in another tenant is no conflict (store.UniqueEnforcer)")
	require.NoError(t, e.groups.DeleteGroup(e.ctx, a.ID, ""), "DeleteGroup")
	in = b.Clone()
	in.Members = nil
	in.Extensions = u.ext("G-1", false)
	_, err = e.groups.ReplaceGroup(e.ctx, in, "")
	require.NoError(t, err, "deleting a group frees its unique values (store.UniqueEnforcer)")
}

func testUniqueGroupConcurrent(t *testing.T, e *env) {
	u := e.uniqueGroup(t)
	for n := 2; n <= 8; n *= 2 {
		v := fmt.Sprintf("race-%d", n)
		errs := fanout.Run(n, func(i int) error {
			_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: fmt.Sprintf("r%d-%d", n, i), Extensions: u.ext(v, false)})
			return err
		})
		oneWinner(t, errs, u, "concurrent CreateGroup")
	}
}

// enforcesUnique reports whether s declares it enforces unique attributes.
func enforcesUnique(s any) bool {
	ue, ok := s.(store.UniqueEnforcer)
	return ok && ue.EnforcesUniqueAttributes()
}
