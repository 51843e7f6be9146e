package storetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Compaction: a store keeps what a write hands it as its document reads
// back (resources.User.Compact, resources.Group.Compact): an email
// without a value, a name of empty strings, an extension's "" or null
// are not kept. A store that kept them would show them to a filter or a
// sort (sqlstore's query document did for a group) while a GET of the
// resource does not show them (a group read back from JSON is compacted),
// or would show them in one store's GET and not another's.

var compactedTests = []test{
	{"Users/KeptCompacted", testUsersCompacted},
	{"Groups/KeptCompacted", testGroupsCompacted},
}

// testUsersCompacted: a user written with an email without a value and a
// name of empty strings reads back without them, and no filter or sort
// finds them, after CreateUser, ReplaceUser and UpdateUser.
func testUsersCompacted(t *testing.T, e *env) {
	e.needsUser(t, "name", "emails.value", "emails.type")
	const why = " (resources.User.Compact: a store keeps a user as its document reads back; store.UserStore)"
	valueless := func(u *resources.User) {
		u.Name = &resources.Name{}
		u.Emails = []resources.MultiValue{{Type: "work"}}
	}
	held := e.createUser(t, &resources.User{UserName: "held", Emails: []resources.MultiValue{{Value: "held@example.com", Type: "work"}}})
	in := &resources.User{UserName: "hollow"}
	valueless(in)
	out := e.createUser(t, in)
	writes := []struct {
		name  string
		write func() *resources.User
	}{
		{"CreateUser", func() *resources.User { return out }},
		{"ReplaceUser", func() *resources.User {
			w := out.Clone()
			valueless(w)
			e.fitUser(w)
			got, err := e.users.ReplaceUser(e.ctx, w, "")
			require.NoError(t, err, "ReplaceUser must write (store.UserStore.ReplaceUser)")
			return got
		}},
		{"UpdateUser", func() *resources.User {
			if e.userUp == nil {
				return nil
			}
			got, err := e.userUp.UpdateUser(e.ctx, out.ID, "", func(cur *resources.User) (*resources.User, error) {
				w := cur.Clone()
				valueless(w)
				w.Title = "updated" // a change, so that the store writes
				e.fitUser(w)
				return w, nil
			})
			require.NoError(t, err, "UpdateUser must write (store.UserUpdater)")
			return got
		}},
	}
	for _, w := range writes {
		got := w.write()
		if got == nil {
			continue // no store.UserUpdater
		}
		for _, u := range []*resources.User{got, e.getUser(t, out.ID, store.GetOptions{}, "a written user must be readable")} {
			assert.Nil(t, u.Name, "%s: a name of empty strings must not be kept"+why, w.name)
			assert.Empty(t, u.Emails, "%s: an email without a value must not be kept"+why, w.name)
		}
		for _, c := range []struct {
			filter string
			want   []string
		}{
			{`emails.type eq "work"`, []string{"held"}},
			{`emails pr`, []string{"held"}},
			{`name pr`, nil},
		} {
			p := e.listUsers(t, store.Query{Filter: parse(t, c.filter), Count: 10})
			assert.ElementsMatch(t, c.want, userNames(p.Items), "%s: ListUsers filter=%s must find only what a GET shows"+why, w.name, c.filter)
		}
		p := e.listUsers(t, store.Query{SortBy: "emails.value", Count: 10})
		assert.Equal(t, []string{held.UserName, "hollow"}, userNames(p.Items), "%s: ListUsers sortBy=emails.value must sort the user without an email last, as a GET shows it"+why, w.name)
	}
}

// testGroupsCompacted is testUsersCompacted for groups, on a store whose
// model has a string attribute in an extension of Group (UniqueModel's
// "code"): an extension holding only "" or null is not kept, and no
// filter or sort finds it, after CreateGroup, ReplaceGroup and
// UpdateGroup.
func testGroupsCompacted(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore (Stores.Groups is nil)")
	}
	urn, attr := groupExtString(e.groupModel.Group)
	if urn == "" {
		t.Skip("the store's model declares no string attribute in an extension of Group (build the store from storetest.UniqueModel() to run this)")
	}
	const why = " (resources.Group.Compact: a store keeps a group as its document reads back; store.GroupStore)"
	ext := func(v any) map[string]json.RawMessage {
		raw, err := json.Marshal(map[string]any{attr: v})
		require.NoError(t, err)
		return map[string]json.RawMessage{urn: raw}
	}
	e.createGroup(t, &resources.Group{DisplayName: "held", Extensions: ext("B-held")})
	out := e.createGroup(t, &resources.Group{DisplayName: "hollow", Extensions: ext("")})
	writes := []struct {
		name  string
		write func() *resources.Group
	}{
		{"CreateGroup", func() *resources.Group { return out }},
		{"ReplaceGroup", func() *resources.Group {
			w := out.Clone()
			w.Extensions = ext(nil)
			e.fitGroup(w)
			got, err := e.groups.ReplaceGroup(e.ctx, w, "")
			require.NoError(t, err, "ReplaceGroup must write (store.GroupStore.ReplaceGroup)")
			return got
		}},
		{"UpdateGroup", func() *resources.Group {
			if e.groupUp == nil {
				return nil
			}
			got, err := e.groupUp.UpdateGroup(e.ctx, out.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
				w := cur.Clone()
				w.Extensions = ext("")
				w.ExternalID = "updated" // a change, so that the store writes
				e.fitGroup(w)
				return w, nil
			})
			require.NoError(t, err, "UpdateGroup must write (store.GroupUpdater)")
			return got
		}},
	}
	path := urn + ":" + attr
	for _, w := range writes {
		got := w.write()
		if got == nil {
			continue // no store.GroupUpdater
		}
		for _, g := range []*resources.Group{got, e.getGroup(t, out.ID, store.GetOptions{}, "a written group must be readable")} {
			assert.NotContains(t, g.Extensions, urn, "%s: an extension holding no value must not be kept"+why, w.name)
		}
		for _, c := range []struct {
			filter string
			want   []string
		}{
			{path + ` eq ""`, nil},
			{path + ` pr`, []string{"held"}},
			{`not (` + path + ` pr)`, []string{"hollow"}},
		} {
			p := e.listGroups(t, store.Query{Filter: parse(t, c.filter), Count: 10, ExcludeMembers: true})
			assert.ElementsMatch(t, c.want, groupNames(p.Items), "%s: ListGroups filter=%s must find only what a GET shows"+why, w.name, c.filter)
		}
		p := e.listGroups(t, store.Query{SortBy: path, Count: 10, ExcludeMembers: true})
		assert.Equal(t, []string{"held", "hollow"}, groupNames(p.Items), "%s: ListGroups sortBy=%s must sort the group without a value last, as a GET shows it"+why, w.name, path)
	}
}

// groupExtString returns the URN of the first extension of rt with a
// single-valued string attribute, and that attribute's name; "" when
// there is none.
func groupExtString(rt *resources.ResourceType) (urn, attr string) {
	if rt == nil {
		return "", ""
	}
	for _, x := range rt.Extensions {
		for _, a := range x.Schema.Attributes {
			if a.Type == resources.TypeString && !a.MultiValued {
				return x.Schema.ID, a.Name
			}
		}
	}
	return "", ""
}
