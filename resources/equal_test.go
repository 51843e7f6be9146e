package resources

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writable is what EqualUsers and EqualGroups are held to: the documents
// ToMap renders, without meta and groups, compared with EqualDocs.
func writable(t *testing.T, v any) map[string]any {
	t.Helper()
	doc, err := ToMap(v)
	require.NoError(t, err)
	delete(doc, "meta")
	delete(doc, "groups")
	return doc
}

func TestEqualUsers(t *testing.T) {
	tests := []struct {
		name   string
		change func(u *User)
		equal  bool
	}{
		{"nothing", func(*User) {}, true},
		{"meta", func(u *User) { u.Meta.Version = `W/"4"`; u.Meta.LastModified = time.Now() }, true},
		{"groups", func(u *User) { u.Groups = nil }, true},
		{"title", func(u *User) { u.Title = "T" }, false},
		{"title removed", func(u *User) { u.Title = "" }, false},
		{"password", func(u *User) { u.Password = "other" }, false},
		{"active", func(u *User) { u.Active = Bool(false) }, false},
		{"active unset", func(u *User) { u.Active = nil }, false},
		{"name unset", func(u *User) { u.Name = nil }, false},
		{"name emptied", func(u *User) { u.Name = &Name{} }, false},
		{"name field", func(u *User) { u.Name.MiddleName = "J" }, false},
		{"invalid UTF-8 as rendered", func(u *User) { u.NickName = "\xff" }, false},
		{"email primary unset", func(u *User) { u.Emails[0].Primary = nil }, false},
		{"email primary false", func(u *User) { u.Emails[0].Primary = Bool(false) }, false},
		{"email dropped", func(u *User) { u.Emails = u.Emails[:1] }, false},
		{"email order", func(u *User) { u.Emails[0], u.Emails[1] = u.Emails[1], u.Emails[0] }, false},
		{"roles emptied", func(u *User) { u.Roles = []MultiValue{} }, false},
		{"address", func(u *User) { u.Addresses[1].Country = "NL" }, false},
		{"enterprise unset", func(u *User) { u.Enterprise = nil }, false},
		{"enterprise emptied", func(u *User) { u.Enterprise = &EnterpriseUser{} }, false},
		{"manager emptied", func(u *User) { u.Enterprise.Manager = &Manager{} }, false},
		{"manager unset", func(u *User) { u.Enterprise.Manager = nil }, false},
		{"department", func(u *User) { u.Enterprise.Department = "D" }, false},
		{"enterprise extra respelled", func(u *User) {
			u.Enterprise.Extra["nested"] = json.RawMessage(`{"b":null,"a":[1,2.50,-0,1e400,12345678901234567890]}`)
		}, true},
		{"enterprise extra changed", func(u *User) { u.Enterprise.Extra["costCentreCode"] = json.RawMessage(`"8"`) }, false},
		{"extension respelled", func(u *User) {
			u.Extensions[testExt] = json.RawMessage(` {"level":3, "badge":"B-7","tags":["a","b"],"devices":[{"serial":"S"}]}`)
		}, true},
		{"extension number spelled otherwise", func(u *User) {
			u.Extensions[testExt] = json.RawMessage(`{"badge":"B-7","level":3.0,"tags":["a","b"],"devices":[{"serial":"S"}]}`)
		}, true},
		{"extension number changed", func(u *User) {
			u.Extensions[testExt] = json.RawMessage(`{"badge":"B-7","level":3.5,"tags":["a","b"],"devices":[{"serial":"S"}]}`)
		}, false},
		{"extension removed", func(u *User) { delete(u.Extensions, "urn:example:other") }, false},
		{"extension null", func(u *User) { u.Extensions["urn:example:other"] = json.RawMessage(`null`) }, false},
		{"extension not JSON", func(u *User) { u.Extensions["urn:example:other"] = json.RawMessage(`{`) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := richUser(), richUser()
			tt.change(b)
			assert.Equal(t, tt.equal, EqualUsers(a, b))
			assert.Equal(t, tt.equal, EqualUsers(b, a))
			if _, err := ToMap(b); err == nil {
				assert.Equal(t, EqualDocs(writable(t, a), writable(t, b)), EqualUsers(a, b), "differs from the documents")
			}
		})
	}
	t.Run("strings rendered alike", func(t *testing.T) {
		a, b := richUser(), richUser()
		a.NickName, b.NickName = "\xff", "\xfe"
		assert.True(t, EqualUsers(a, b))
		assert.True(t, EqualDocs(writable(t, a), writable(t, b)))
	})
	t.Run("nil", func(t *testing.T) {
		assert.True(t, EqualUsers(nil, nil))
		assert.False(t, EqualUsers(richUser(), nil))
	})
	t.Run("empty and nil lists", func(t *testing.T) {
		a, b := &User{UserName: "a"}, &User{UserName: "a", Emails: []MultiValue{}, Extensions: map[string]json.RawMessage{}}
		assert.True(t, EqualUsers(a, b))
		assert.True(t, EqualDocs(writable(t, a), writable(t, b)))
	})
}

func TestEqualGroups(t *testing.T) {
	group := func() *Group {
		return &Group{ID: "g", DisplayName: "G", ExternalID: "x",
			Members:    []Member{{Value: "u1", Type: "User", Display: "U"}, {Value: "u2"}},
			Extensions: map[string]json.RawMessage{testExt: json.RawMessage(`{"badge":"B"}`)},
			Meta:       Meta{Version: `W/"1"`}}
	}
	tests := []struct {
		name   string
		change func(g *Group)
		equal  bool
	}{
		{"nothing", func(*Group) {}, true},
		{"meta", func(g *Group) { g.Meta = Meta{} }, true},
		{"displayName", func(g *Group) { g.DisplayName = "H" }, false},
		{"member order", func(g *Group) { g.Members[0], g.Members[1] = g.Members[1], g.Members[0] }, false},
		{"member display", func(g *Group) { g.Members[0].Display = "" }, false},
		{"members emptied", func(g *Group) { g.Members = []Member{} }, false},
		{"extension respelled", func(g *Group) { g.Extensions[testExt] = json.RawMessage(` { "badge" : "B" } `) }, true},
		{"extension changed", func(g *Group) { g.Extensions[testExt] = json.RawMessage(`{"badge":"C"}`) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := group(), group()
			tt.change(b)
			assert.Equal(t, tt.equal, EqualGroups(a, b))
			assert.Equal(t, tt.equal, EqualGroups(b, a))
			assert.Equal(t, EqualDocs(writable(t, a), writable(t, b)), EqualGroups(a, b), "differs from the documents")
		})
	}
	assert.True(t, EqualGroups(&Group{DisplayName: "G"}, &Group{DisplayName: "G", Members: []Member{}}))
}

// TestWritableMap: ToMap without meta and groups, for users and groups.
func TestWritableMap(t *testing.T) {
	u := richUser()
	got, err := WritableMap(u)
	require.NoError(t, err)
	assert.Equal(t, writable(t, u), got)
	g := &Group{ID: "g", DisplayName: "G", Members: []Member{{Value: "u"}}, Meta: Meta{Version: `W/"1"`}}
	got, err = WritableMap(g)
	require.NoError(t, err)
	assert.Equal(t, writable(t, g), got)
	_, err = WritableMap((*User)(nil))
	assert.Error(t, err)
	_, err = WritableMap(3)
	assert.Error(t, err)
}
