package scim_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// TestReplaceKeepsReadOnly: a readOnly attribute of an extension is the
// host's to set (through its store, a bridge, a job of its own), and a
// request's value for it is dropped. A PUT therefore could not send it,
// and replaced the stored extension without it: a provider's GET then
// PUT, as Okta and PingFederate update, erased the host's score on every
// cycle. RFC 7644 §3.5.1: readOnly attributes in a PUT "SHALL be
// ignored", so the stored value stays, whether the PUT leaves it out,
// resends it or sends another; the same holds for a readOnly
// sub-attribute of a single-valued complex attribute. The core readOnly
// attributes (id, meta, a user's groups) were kept already.
func TestReplaceKeepsReadOnly(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:risk:2.0:User"
	ext, err := resources.NewSchema(urn, "Risk", "",
		&resources.Attribute{Name: "score", Type: resources.TypeString, Mutability: resources.ReadOnly},
		&resources.Attribute{Name: "note", Type: resources.TypeString},
		&resources.Attribute{Name: "review", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "by", Type: resources.TypeString, Mutability: resources.ReadOnly},
			{Name: "outcome", Type: resources.TypeString}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	stores := modelStores(model)
	type testCase struct {
		name string
		put  map[string]any // the extension object the PUT sends; nil for none
		want string         // the extension object stored after it
	}
	for _, tc := range []testCase{
		{"left out", map[string]any{"note": "n2"}, `{"score":"high","note":"n2","review":{"by":"host"}}`},
		{"no extension at all", nil, `{"score":"high","review":{"by":"host"}}`},
		{"resent as GET showed it", map[string]any{"score": "high", "note": "n2", "review": map[string]any{"by": "host", "outcome": "ok"}},
			`{"score":"high","note":"n2","review":{"by":"host","outcome":"ok"}}`},
		{"another value, ignored", map[string]any{"score": "low", "review": map[string]any{"by": "me", "outcome": "ok"}},
			`{"score":"high","review":{"by":"host","outcome":"ok"}}`},
		{"null, ignored", map[string]any{"score": nil, "review": nil}, `{"score":"high","review":{"by":"host"}}`},
	} {
		for name, open := range stores {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				users, groups := open(t)
				replaceKeepsReadOnly(t, users, groups, urn, tc.put, tc.want)
			})
		}
	}
}

// replaceKeepsReadOnly is one case of TestReplaceKeepsReadOnly on db (and
// groups, of the same model): a
// user created, its readOnly values set by the host through db, then a
// PUT of the extension object put (nil for none); want is the extension
// object stored after it.
func replaceKeepsReadOnly(t *testing.T, db store.UserStore, groups store.GroupStore, urn string, put map[string]any, want string) {
	ctx := context.Background()
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, groups })
	created := e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a",
		urn: map[string]any{"note": "n1", "score": "sent by the client"}})
	require.Equal(t, 201, created.Code, created.Raw)
	id := created.str("id")
	stored := func() string {
		u, err := db.GetUser(ctx, id, store.GetOptions{})
		require.NoError(t, err)
		return string(u.Extensions[urn])
	}
	assert.JSONEq(t, `{"note":"n1"}`, stored(), "a request's readOnly value is dropped")

	// The host sets its readOnly values through its store.
	u, err := db.GetUser(ctx, id, store.GetOptions{})
	require.NoError(t, err)
	u.Extensions[urn] = json.RawMessage(`{"note":"n1","score":"high","review":{"by":"host"}}`)
	_, err = db.ReplaceUser(ctx, u, "")
	require.NoError(t, err)

	doc := map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a"}
	if put != nil {
		doc[urn] = put
	}
	r := e.do("PUT", "/Users/"+id, doc)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.JSONEq(t, want, stored())
	got, _ := r.Body[urn].(map[string]any)
	assert.Equal(t, "high", got["score"], "the response shows the kept value: %s", r.Raw)
}

// TestReplaceIgnoresCoreReadOnly: the core readOnly attributes a PUT
// sends (id, meta, a user's groups) are ignored as RFC 7644 §3.5.1 says:
// the user keeps its id, its creation time and its membership.
func TestReplaceIgnoresCoreReadOnly(t *testing.T) {
	e := newEnv(t)
	user := e.createUser("alice")
	id := user["id"].(string)
	created := user["meta"].(map[string]any)["created"]
	gid := e.createGroup("staff")["id"].(string)
	r := e.do("PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": id}})))
	require.Less(t, r.Code, 300, r.Raw)

	r = e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{resources.UserSchema}, "userName": "alice", "id": "other",
		"groups": []any{}, "meta": map[string]any{"created": "2000-01-01T00:00:00Z", "resourceType": "Group"}})
	require.Equal(t, 200, r.Code, r.Raw)
	got := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, got.Code, got.Raw)
	assert.Equal(t, id, got.str("id"))
	assert.Equal(t, created, got.Body["meta"].(map[string]any)["created"])
	assert.Equal(t, "User", got.Body["meta"].(map[string]any)["resourceType"])
	groups, _ := got.Body["groups"].([]any)
	require.Len(t, groups, 1, got.Raw)
	assert.Equal(t, gid, groups[0].(map[string]any)["value"])
}
