package scim

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestScalarPatchIsApplyPatch holds scalarPatch to applyPatch: for every
// stored user and every PATCH patch.Engine.Scalar takes, the same change
// or none, the same user, the same error; and scalarPatch leaves to
// applyPatch the users whose document it does not treat exactly (a value
// over today's limits, NUL, a byte that is not UTF-8, a raw extension).
func TestScalarPatchIsApplyPatch(t *testing.T) {
	db := memory.New()
	h, err := newHandler(Config{Users: db, Groups: db, InsecureNoAuth: true, MaxValueBytes: 128, MaxKeyBytes: 64})
	require.NoError(t, err)

	user := func(t *testing.T, doc string) *resources.User {
		u, err := resources.UserFromJSON([]byte(doc))
		require.NoError(t, err, doc)
		return asStored(u)
	}
	load := loaduser.JSON(7)
	users := []struct {
		name string
		doc  string
		fast bool // scalarPatch answers for it, rather than leaving it to applyPatch
	}{
		{"the load test's user", load, true},
		{"only a userName", `{"userName":"bjensen"}`, true},
		{"inactive", `{"userName":"bjensen","active":false,"title":"Tour Guide"}`, true},
		{"a password hash", `{"userName":"bjensen","active":true,"password":"$2a$10$abcdefghijklmnopqrstuv"}`, true},
		{"a name", `{"userName":"bjensen","name":{"givenName":"Barbara"},"active":true}`, true},
		{"a userName no check accepts", `{"userName":"bj\u200densen","active":true}`, true},
		{"a title over today's limits", `{"userName":"bjensen","active":true,"title":"` + strings.Repeat("t", 129) + `"}`, false},
		{"a title longer escaped than held", `{"userName":"bjensen","active":true,"title":"` + strings.Repeat("<&>", 20) + `"}`, true},
		{"a title over the key limit", `{"userName":"bjensen","active":true,"title":"` + strings.Repeat("t", 70) + `"}`, false},
		{"NUL", `{"userName":"bjensen","active":true,"title":"a\u0000b"}`, false},
		{"a raw extension", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:ext"],"userName":"bjensen","urn:example:ext":{"b":1, "a":2}}`, false},
		{"an enterprise Extra", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x","badge":7}}`, false},
	}
	// What a store may hold that a document would not: left to applyPatch.
	odd := map[string]func(*resources.User){
		"a byte that is not UTF-8": func(u *resources.User) { u.Title = "not \xffUTF-8" },
		"an empty name":            func(u *resources.User) { u.Name = &resources.Name{} },
		"a valueless email":        func(u *resources.User) { u.Emails = []resources.MultiValue{{Type: "work"}} },
		"an empty enterprise":      func(u *resources.User) { u.Enterprise = &resources.EnterpriseUser{} },
	}

	var twoOps []patch.Operation // every operation Scalar takes, in one body
	for _, o := range scalarOps {
		ops := o.ops()
		require.NotNil(t, ops, "%s: a PATCH body the handler reads", o.name)
		if o.scalar {
			twoOps = append(twoOps, ops...)
		}
		attr, v, ok := h.users.engine.Scalar(ops)
		require.Equal(t, o.scalar, ok, o.name)
		if !ok {
			continue
		}
		for _, u := range users {
			t.Run(o.name+"/"+u.name, func(t *testing.T) {
				scalar, done := matchScalarPatch(t, h, user(t, u.doc), ops)
				require.True(t, scalar)
				require.Equal(t, u.fast && !o.slow, done)
			})
		}
		for name, mod := range odd {
			u := user(t, `{"userName":"bjensen","active":true}`)
			mod(u)
			_, _, done, _ := h.scalarPatch(u, attr, v)
			assert.False(t, done, "%s leaves %s to applyPatch", name, o.name)
		}
	}
	for _, n := range []int{2, len(twoOps)} {
		_, _, ok := h.users.engine.Scalar(twoOps[:n])
		assert.False(t, ok, "Scalar leaves %d operations, each of which it takes alone, to applyPatch", n)
	}
}

// matchScalarPatch asserts that scalarPatch, when it answers for the
// stored user cur and ops (Engine.Scalar takes them and scalarPatch's
// guards let it), answers as applyPatch does: the same error (status,
// scimType, detail), the same no-change decision, the same user, and no
// warning from applyPatch (scalarPatch records none), leaving cur as it
// was. scalar says Engine.Scalar took ops; done that scalarPatch answered.
func matchScalarPatch(t *testing.T, h *handler, cur *resources.User, ops []patch.Operation) (scalar, done bool) {
	t.Helper()
	attr, v, ok := h.users.engine.Scalar(ops)
	if !ok {
		return false, false
	}
	st := &requestState{Context: context.Background()}
	want, wantChanged, wantErr := h.users.applyPatch(h, st, cur.Clone(), ops)
	before := cur.Clone()
	got, changed, done, err := h.scalarPatch(cur, attr, v)
	require.True(t, resources.EqualUsers(before, cur), "scalarPatch changed the stored user")
	if !done {
		return true, false
	}
	assert.Empty(t, st.warnings, "applyPatch bent what scalarPatch took as sent")
	assert.Equal(t, wantErr, err)
	assert.Equal(t, wantChanged, changed)
	if wantChanged && changed {
		assert.True(t, resources.EqualUsers(want, got))
		wj, err := want.AppendJSON(nil)
		require.NoError(t, err)
		gj, err := got.AppendJSON(nil)
		require.NoError(t, err)
		assert.Equal(t, string(wj), string(gj))
	}
	return true, true
}

// scalarFuzzExt is the host extension a fuzzed stored user may carry a
// value of (a raw extension, which scalarPatch leaves to applyPatch).
const scalarFuzzExt = "urn:example:params:scim:schemas:extension:fuzz:2.0:User"

// scalarCase is one input of FuzzScalarPatch: a stored user and one
// PATCH operation.
type scalarCase struct {
	// The stored user. Strings left empty are left out.
	userName, displayName, title, email, givenName, department, note string
	active                                                           bool
	// legacy builds the user as a store may hold one written before
	// today's checks (limits, NUL) applied: from the document without
	// the handler's checks, with title set as given, even a byte that
	// is not UTF-8. Otherwise the user is what the handler's POST
	// would have stored.
	legacy bool
	// The operation: op and path as sent; without a path, the value is
	// the object {path: value} (Okta's {"active": false}). value is the
	// operation's value as JSON.
	op, path string
	noPath   bool
	value    string
}

// scalarOps are the operations TestScalarPatchIsApplyPatch holds
// scalarPatch to applyPatch with, and FuzzScalarPatch's seeds' (on each
// of a few stored users): each as a PatchOp body sends it, so the test
// reads it as the handler does (patch.Decode), and whether Engine.Scalar
// takes it and, if so, leaves it to applyPatch.
var scalarOps = []struct {
	name string
	scalarCase
	scalar bool // Engine.Scalar takes it
	slow   bool // and scalarPatch leaves it to applyPatch
}{
	{"deactivate", scalarCase{op: "replace", path: "active", value: `false`}, true, false},
	{"activate", scalarCase{op: "replace", path: "active", value: `true`}, true, false},
	{"Okta's deactivation", scalarCase{op: "replace", path: "active", noPath: true, value: `false`}, true, false},
	{"op and path in another case", scalarCase{op: " Replace", path: "Active", value: `false`}, true, false},
	{"op in another case", scalarCase{op: "Replace", path: "active", value: `false`}, true, false},
	{"a string for a boolean (Entra's)", scalarCase{op: "replace", path: "active", value: `"False"`}, true, false},
	{"a title", scalarCase{op: "replace", path: "title", value: `"Boss"`}, true, false},
	{"an empty title", scalarCase{op: "replace", path: "title", value: `""`}, true, true},
	{"a title with NUL", scalarCase{op: "replace", path: "title", value: `"a\u0000b"`}, true, false},
	{"a title too long", scalarCase{op: "replace", path: "title", value: `"` + strings.Repeat("x", 129) + `"`}, true, false},
	{"a displayName over the key limit", scalarCase{op: "replace", path: "displayName", value: `"` + strings.Repeat("x", 65) + `"`}, true, false},
	{"a userName", scalarCase{op: "replace", path: "userName", value: `"new"`}, true, false},
	// Left to applyPatch, whose engine names the operation that blanked it.
	{"a blank userName", scalarCase{op: "replace", path: "userName", value: `" "`}, true, true},
	{"an externalId", scalarCase{op: "replace", path: "externalId", value: `"e-1"`}, true, false},
	{"a password", scalarCase{op: "replace", path: "password", value: `"s3cret!"`}, true, false},
	{"null", scalarCase{op: "replace", path: "active", value: `null`}, false, false},
	{"add", scalarCase{op: "add", path: "active", value: `false`}, false, false},
	{"read-only", scalarCase{op: "replace", path: "id", value: `"x"`}, false, false},
	{"a sub-attribute", scalarCase{op: "replace", path: "name.givenName", value: `"B"`}, false, false},
	{"a multi-valued attribute", scalarCase{op: "replace", path: "emails", value: `[{"value":"a@b"}]`}, false, false},
	{"a complex attribute", scalarCase{op: "replace", path: "name", value: `{"givenName":"B"}`}, false, false},
	{"the wrong type", scalarCase{op: "replace", path: "nickName", value: `5`}, false, false},
	{"an unknown attribute", scalarCase{op: "replace", path: "favourite", value: `"x"`}, false, false},
}

// scalarSeeds are FuzzScalarPatch's seeds: scalarOps on a few stored
// users, legacy ones among them.
var scalarSeeds = func() []scalarCase {
	users := []scalarCase{
		{userName: "bjensen", active: true},
		{userName: "bjensen", displayName: "Babs Jensen", title: "Tour Guide", email: "bjensen@example.com", givenName: "Barbara", department: "Tours"},
		{userName: "bjensen", active: false, title: "Tour Guide"},
		{userName: "bj\u200densen", active: true, legacy: true}, // a userName today's checks refuse
		{userName: "bjensen", active: true, title: strings.Repeat("t", 129)},
		{userName: "bjensen", active: true, title: strings.Repeat("t", 70)},
		{userName: "bjensen", active: true, title: "a\x00b", legacy: true},
		{userName: "bjensen", active: true, title: "not \xffUTF-8", legacy: true},
		{userName: "bjensen", active: true, note: "x"},
	}
	var seeds []scalarCase
	for _, u := range users {
		for _, o := range scalarOps {
			c := u
			c.op, c.path, c.noPath, c.value = o.op, o.path, o.noPath, o.value
			seeds = append(seeds, c)
		}
	}
	return seeds
}()

// scalarFuzzHandlers are the handlers FuzzScalarPatch compares on, lenient
// and strict, under limits lower than those the stored users were written
// under (a host that lowered them since), and the handler that writes.
func scalarFuzzHandlers(t testing.TB) (writer *handler, compared []*handler) {
	ext, err := resources.NewSchema(scalarFuzzExt, "FuzzUser", "a host extension",
		&resources.Attribute{Name: "note", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	cfg := Config{Users: db, Groups: db, Model: model, InsecureNoAuth: true}
	writer, err = newHandler(cfg)
	require.NoError(t, err)
	cfg.MaxValueBytes, cfg.MaxKeyBytes = 128, 64
	for _, strict := range []bool{false, true} {
		cfg.Strict = strict
		h, err := newHandler(cfg)
		require.NoError(t, err)
		compared = append(compared, h)
	}
	return writer, compared
}

// storedUser is the user c describes as the store returns it, or nil
// when the handler would not have stored it.
func (c scalarCase) storedUser(w *handler) *resources.User {
	doc := map[string]any{"schemas": []any{resources.UserSchema}, "userName": c.userName, "active": c.active}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(doc, "displayName", c.displayName)
	set(doc, "title", c.title)
	if c.email != "" {
		doc["emails"] = []any{map[string]any{"value": c.email, "type": "work", "primary": true}}
	}
	if c.givenName != "" {
		doc["name"] = map[string]any{"givenName": c.givenName}
	}
	if c.department != "" {
		doc[resources.EnterpriseUserSchema] = map[string]any{"department": c.department}
	}
	if c.note != "" {
		doc[scalarFuzzExt] = map[string]any{"note": c.note}
	}
	var u *resources.User
	if c.legacy {
		nd, err := w.users.rt.Normalize(doc, &resources.Lenience{})
		if err != nil {
			return nil
		}
		if u, err = resources.UserFromMap(nd); err != nil {
			return nil
		}
		u.Title = c.title
	} else {
		// What readBody lets through: JSON text, so UTF-8.
		for _, s := range []string{c.userName, c.displayName, c.title, c.email, c.givenName, c.department, c.note} {
			if !utf8.ValidString(s) {
				return nil
			}
		}
		var err error
		if u, err = w.users.decode(w, context.Background(), doc, false); err != nil {
			return nil
		}
	}
	return asStored(u)
}

// asStored gives u what a store's user carries beside its attributes: an
// id, meta and a group (which a PATCH's document leaves out).
func asStored(u *resources.User) *resources.User {
	u.ID = "u1"
	u.Meta = resources.Meta{ResourceType: "User", Version: `W/"1"`}
	u.Groups = []resources.GroupRef{{Value: "g1", Display: "Staff"}}
	return u
}

// ops is c's operation as patch.Decode reads it from a PatchOp body, or
// nil when the handler refuses the body before the PATCH engine sees it.
func (c scalarCase) ops() []patch.Operation {
	op, _ := json.Marshal(c.op)
	path, _ := json.Marshal(c.path)
	operation := `{"op":` + string(op) + `,"path":` + string(path) + `,"value":` + c.value + `}`
	if c.noPath {
		operation = `{"op":` + string(op) + `,"value":{` + string(path) + `:` + c.value + `}}`
	}
	body := []byte(`{"schemas":["` + patch.PatchOpSchema + `"],"Operations":[` + operation + `]}`)
	if validUTF8(body) != nil {
		return nil
	}
	ops, _, err := patch.Decode(body, 10, nil)
	if err != nil {
		return nil
	}
	return ops
}

// FuzzScalarPatch holds scalarPatch to applyPatch on fuzzed stored users
// and operations (matchScalarPatch), lenient and strict.
func FuzzScalarPatch(f *testing.F) {
	for _, c := range scalarSeeds {
		f.Add(c.userName, c.displayName, c.title, c.email, c.givenName, c.department, c.note, c.active, c.legacy,
			c.op, c.path, c.noPath, c.value)
	}
	w, compared := scalarFuzzHandlers(f)
	f.Fuzz(func(t *testing.T, userName, displayName, title, email, givenName, department, note string, active, legacy bool,
		op, path string, noPath bool, value string) {
		c := scalarCase{userName, displayName, title, email, givenName, department, note, active, legacy, op, path, noPath, value}
		cur := c.storedUser(w)
		ops := c.ops()
		if cur == nil || ops == nil {
			return
		}
		for _, h := range compared {
			matchScalarPatch(t, h, cur, ops)
		}
	})
}

// TestScalarPatchSeeds makes sure FuzzScalarPatch cannot pass without
// comparing: its seeds reach scalarPatch's answer, under both modes,
// many times, and are refused by Scalar or scalarPatch's guards too.
func TestScalarPatchSeeds(t *testing.T) {
	w, compared := scalarFuzzHandlers(t)
	var built, scalar, done int
	for _, c := range scalarSeeds {
		cur, ops := c.storedUser(w), c.ops()
		if cur == nil || ops == nil {
			continue
		}
		built++
		for _, h := range compared {
			s, d := matchScalarPatch(t, h, cur, ops)
			if s {
				scalar++
			}
			if d {
				done++
			}
		}
	}
	t.Logf("%d seeds, %d built, %d taken by Scalar, %d answered by scalarPatch", len(scalarSeeds), built, scalar, done)
	assert.Equal(t, len(scalarSeeds), built, "every seed is a stored user and a PATCH the handler reads")
	assert.GreaterOrEqual(t, done, 100)
	assert.Greater(t, scalar, done)
}
