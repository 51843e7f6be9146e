package scim_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestExtensionRequired: an attribute a host's extension marks required
// (RFC 7643 §2.2, advertised so in /Schemas) is held to it by every write
// of a resource that holds the extension, as userName is: a POST, PUT or
// PATCH that leaves it (or a required sub-attribute of a value) unassigned
// is a 400 invalidValue (RFC 7644 §3.12: "A required value was missing")
// that changes nothing, where a POST and a PUT stored the resource without
// it and only a PATCH remove was refused. A resource without the
// extension, which the resource type lists as optional, is accepted.
func TestExtensionRequired(t *testing.T) {
	e, schemas := acmeEnv(t,
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Required: true},
		&resources.Attribute{Name: "note", Type: resources.TypeString},
		&resources.Attribute{Name: "desk", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "building", Type: resources.TypeString, Required: true}, {Name: "floor", Type: resources.TypeString}}},
		&resources.Attribute{Name: "keys", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString, Required: true}, {Name: "type", Type: resources.TypeString}}},
	)
	user := func(name string, x map[string]any) map[string]any {
		b := map[string]any{"schemas": schemas, "userName": name}
		if x != nil {
			b[acme] = x
		}
		return b
	}

	for i, tc := range []struct {
		name   string
		ext    map[string]any
		code   int
		detail string
	}{
		{"without the extension", nil, 201, ""},
		// RFC 7643 §2.5: null and an empty object are unassigned, so an
		// extension holding nothing else is absent, as "urn:…": {} is.
		{"extension of the required attribute as null", map[string]any{"badge": nil}, 201, ""},
		{"extension of nulls and empty values", map[string]any{"badge": nil, "desk": map[string]any{}, "keys": []any{}}, 201, ""},
		{"extension empty", map[string]any{}, 201, ""},
		// An empty string is no value either (resources.Assigned), as the
		// core attributes decode it.
		{"extension of the required attribute as an empty string", map[string]any{"badge": ""}, 201, ""},
		{"complex value of nothing but unassigned values", map[string]any{"badge": "B1", "desk": map[string]any{"building": "", "floor": nil}}, 201, ""},
		{"required attribute null beside a value", map[string]any{"badge": nil, "note": "n"}, 400, acme + ":badge is required"},
		{"with every required value", map[string]any{"badge": "B1", "desk": map[string]any{"building": "A"}, "keys": []any{map[string]any{"value": "k1"}}}, 201, ""},
		{"extension without the required attribute", map[string]any{"note": "n"}, 400, acme + ":badge is required"},
		{"required attribute empty", map[string]any{"badge": "", "note": "n"}, 400, acme + ":badge is required"},
		{"complex value without its required sub-attribute", map[string]any{"badge": "B1", "desk": map[string]any{"floor": "3"}}, 400, acme + ":desk.building is required"},
		{"multi-valued value without its required sub-attribute", map[string]any{"badge": "B1", "keys": []any{map[string]any{"value": "k1"}, map[string]any{"type": "spare"}}}, 400, acme + ":keys.value is required"},
	} {
		t.Run("POST "+tc.name, func(t *testing.T) {
			name := "post" + strconv.Itoa(i)
			r := e.do("POST", "/Users", user(name, tc.ext))
			if tc.code != 201 {
				requireError(t, r, tc.code, "invalidValue", tc.detail)
				assert.Equal(t, float64(0), e.do("GET", `/Users?filter=userName+eq+"`+name+`"`, nil).Body["totalResults"], "nothing was created")
				return
			}
			require.Equal(t, 201, r.Code, r.Raw)
			if tc.ext != nil && tc.ext["note"] == nil && (tc.ext["badge"] == nil || tc.ext["badge"] == "") {
				assert.NotContains(t, r.Body, acme, "an extension holding nothing is not stored")
			}
		})
	}

	id := e.createUser("held", map[string]any{"schemas": schemas, acme: map[string]any{"badge": "B1", "note": "n", "desk": map[string]any{"building": "A"}}})["id"].(string)
	before := e.do("GET", "/Users/"+id, nil).Raw
	patch := func(op, path string, value any) map[string]any {
		o := map[string]any{"op": op, "path": path}
		if value != nil {
			o["value"] = value
		}
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{o}}
	}
	for _, tc := range []struct {
		name, method string
		body         any
		scimType     string
		detail       string
	}{
		{"PUT without the required attribute", "PUT", user("held", map[string]any{"note": "n"}), "invalidValue", acme + ":badge is required"},
		{"PUT without a required sub-attribute", "PUT", user("held", map[string]any{"badge": "B1", "desk": map[string]any{"floor": "2"}}), "invalidValue", acme + ":desk.building is required"},
		{"PATCH replacing it with an empty string", "PATCH", patch("replace", acme+":badge", ""), "invalidValue", acme + ":badge is required"},
		{"PATCH replacing it with null", "PATCH", patch("replace", acme, map[string]any{"badge": nil}), "mutability", "is required"},
		{"PATCH removing a required sub-attribute", "PATCH", patch("remove", acme+":desk.building", nil), "mutability", "is required"},
		{"PATCH adding a value without its required sub-attribute", "PATCH", patch("add", acme+":keys", []any{map[string]any{"type": "spare"}}), "invalidValue", acme + ":keys.value is required"},
		{"PATCH removing the required attribute", "PATCH", patch("remove", acme+":badge", nil), "mutability", "is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do(tc.method, "/Users/"+id, tc.body), 400, tc.scimType, tc.detail)
			assert.Equal(t, before, e.do("GET", "/Users/"+id, nil).Raw, "nothing changed")
		})
	}

	r := e.do("PATCH", "/Users/"+id, patch("remove", acme, nil))
	require.Equal(t, 200, r.Code, "the extension is optional: removing it whole is allowed: %s", r.Raw)
	assert.NotContains(t, r.Body, acme)
	r = e.do("PUT", "/Users/"+id, user("held", map[string]any{"badge": "B2"}))
	require.Equal(t, 200, r.Code, r.Raw)
}

// TestExtensionRequiredKept: a required attribute a client cannot resend
// (returned "never" or "request") or may not change (immutable) is held
// on a POST and a PATCH but not looked for in a PUT's body, which keeps
// the stored value when it leaves one out; a readOnly one is the server's
// to set and is never demanded of a client.
func TestExtensionRequiredKept(t *testing.T) {
	e, schemas := acmeEnv(t,
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Required: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "big", Type: resources.TypeString, Required: true, Returned: resources.ReturnedRequest},
		&resources.Attribute{Name: "imm", Type: resources.TypeString, Required: true, Mutability: resources.Immutable},
		&resources.Attribute{Name: "ro", Type: resources.TypeString, Required: true, Mutability: resources.ReadOnly},
		&resources.Attribute{Name: "note", Type: resources.TypeString},
	)
	full := map[string]any{"pin": "1234", "big": "b", "imm": "i", "note": "n"}
	without := func(k string) map[string]any {
		out := map[string]any{}
		for key, v := range full {
			if key != k {
				out[key] = v
			}
		}
		return out
	}
	for _, k := range []string{"pin", "big", "imm"} {
		r := e.do("POST", "/Users", map[string]any{"schemas": schemas, "userName": "no-" + k, acme: without(k)})
		requireError(t, r, 400, "invalidValue", acme+":"+k+" is required")
	}
	r := e.do("POST", "/Users", map[string]any{"schemas": schemas, "userName": "kept", acme: full})
	require.Equal(t, 201, r.Code, "ro is readOnly: not demanded: %s", r.Raw)
	id := r.Body["id"].(string)
	for _, tc := range []struct {
		name string
		ext  map[string]any
	}{
		{"PUT without pin", without("pin")},
		{"PUT without big", without("big")},
		{"PUT without imm", without("imm")},
		{"PUT with note alone", map[string]any{"note": "n2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PUT", "/Users/"+id, map[string]any{"schemas": schemas, "userName": "kept", acme: tc.ext})
			require.Equal(t, 200, r.Code, r.Raw)
			got := e.do("GET", "/Users/"+id+"?attributes="+acme+":big,"+acme+":imm", nil)
			assert.Equal(t, map[string]any{"big": "b", "imm": "i"}, got.Body[acme], "kept")
		})
	}
}

// TestExtensionRequiredPut: a PUT is held to what an extension requires
// once what it keeps of the stored resource is applied (keepOnReplace),
// not before. A required attribute that is immutable or returned "never"
// and already stored need not be resent; one the user does not hold yet
// (its extension added by this PUT) must be sent, where the PUT's body
// was let through without it and the user stored lacking it. A readOnly
// one is never demanded of a client.
func TestExtensionRequiredPut(t *testing.T) {
	e, schemas := acmeEnv(t,
		&resources.Attribute{Name: "imm", Type: resources.TypeString, Required: true, Mutability: resources.Immutable},
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Required: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "ro", Type: resources.TypeString, Required: true, Mutability: resources.ReadOnly},
		&resources.Attribute{Name: "note", Type: resources.TypeString},
	)
	full := map[string]any{"imm": "i", "pin": "1234", "note": "n"}
	for i, tc := range []struct {
		name   string
		stored map[string]any // the extension the user holds before the PUT; nil for none
		sent   map[string]any // the extension the PUT sends; nil for none
		detail string         // the 400's; "" for a 200
		kept   map[string]any // the extension after a 200, as attributes= of imm and note shows it
	}{
		{"stored immutable, left out", full, map[string]any{"pin": "1234", "note": "n2"}, "", map[string]any{"imm": "i", "note": "n2"}},
		{"stored returned-never, left out", full, map[string]any{"imm": "i", "note": "n2"}, "", map[string]any{"imm": "i", "note": "n2"}},
		{"stored, the extension left out whole", full, nil, "", map[string]any{"imm": "i"}},
		{"readOnly never demanded", nil, full, "", map[string]any{"imm": "i", "note": "n"}},
		{"immutable not held yet, left out", nil, map[string]any{"pin": "1234", "note": "n"}, acme + ":imm is required", nil},
		{"returned-never not held yet, left out", nil, map[string]any{"imm": "i", "note": "n"}, acme + ":pin is required", nil},
		{"immutable not held yet, empty", nil, map[string]any{"imm": "", "pin": "1234"}, acme + ":imm is required", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "put" + strconv.Itoa(i)
			body := func(x map[string]any) map[string]any {
				b := map[string]any{"schemas": schemas, "userName": name}
				if x != nil {
					b[acme] = x
				}
				return b
			}
			r := e.do("POST", "/Users", body(tc.stored))
			require.Equal(t, 201, r.Code, r.Raw)
			id := r.Body["id"].(string)
			before := e.do("GET", "/Users/"+id, nil).Raw
			r = e.do("PUT", "/Users/"+id, body(tc.sent))
			if tc.detail != "" {
				requireError(t, r, 400, "invalidValue", tc.detail)
				assert.Equal(t, before, e.do("GET", "/Users/"+id, nil).Raw, "nothing changed")
				return
			}
			require.Equal(t, 200, r.Code, r.Raw)
			got := e.do("GET", "/Users/"+id+"?attributes="+acme+":imm,"+acme+":note", nil)
			assert.Equal(t, tc.kept, got.Body[acme], got.Raw)
		})
	}
}

// acme is the URN of the extension acmeEnv registers.
const acme = "urn:example:acme:2.0:User"

// acmeEnv returns an env on a memory store whose users may hold the
// extension acme of attrs, and the schemas such a user lists.
func acmeEnv(t *testing.T, attrs ...*resources.Attribute) (*env, []string) {
	ext, err := resources.NewSchema(acme, "Acme", "", attrs...)
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	return newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db }), []string{"urn:ietf:params:scim:schemas:core:2.0:User", acme}
}

// TestExtensionRequiredUnassignedValue: a required attribute sent as a
// list or object that holds nothing but unassigned values (RFC 7643 §2.5;
// "" too, resources.Assigned) is missing, as null is: the resource keeps
// no such value, so accepting it stored a resource without what its
// extension requires.
func TestExtensionRequiredUnassignedValue(t *testing.T) {
	e, schemas := acmeEnv(t,
		&resources.Attribute{Name: "tags", Type: resources.TypeString, MultiValued: true, Required: true},
		&resources.Attribute{Name: "site", Type: resources.TypeComplex, Required: true, SubAttributes: []*resources.Attribute{
			{Name: "building", Type: resources.TypeString}, {Name: "floor", Type: resources.TypeString}}},
	)
	for i, tc := range []struct {
		name   string
		ext    map[string]any
		detail string
	}{
		{"list of null", map[string]any{"tags": []any{nil}, "site": map[string]any{"floor": "1"}}, acme + ":tags is required"},
		{"list of empty strings", map[string]any{"tags": []any{"", ""}, "site": map[string]any{"floor": "1"}}, acme + ":tags is required"},
		{"object of null", map[string]any{"tags": []any{"t"}, "site": map[string]any{"floor": nil}}, acme + ":site is required"},
		{"object of empty strings", map[string]any{"tags": []any{"t"}, "site": map[string]any{"floor": "", "building": ""}}, acme + ":site is required"},
		{"every value", map[string]any{"tags": []any{"", "t"}, "site": map[string]any{"floor": "", "building": "B"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "unassignedreq" + strconv.Itoa(i)
			r := e.do("POST", "/Users", map[string]any{"schemas": schemas, "userName": name, acme: tc.ext})
			if tc.detail != "" {
				requireError(t, r, 400, "invalidValue", tc.detail)
				assert.Equal(t, float64(0), e.do("GET", `/Users?filter=userName+eq+"`+name+`"`, nil).Body["totalResults"], "nothing was created")
				return
			}
			require.Equal(t, 201, r.Code, r.Raw)
			assert.Equal(t, map[string]any{"tags": []any{"t"}, "site": map[string]any{"building": "B"}}, r.Body[acme], r.Raw)
		})
	}
}

// TestExtensionRequiredEveryWrite: what an extension requires is one
// check, whichever write builds the whole resource and whichever
// resource type holds the extension: a POST, a PUT adding the extension,
// a PATCH setting it whole and a bulk POST that each leave the same
// value unassigned get the same 400 invalidValue with the same detail,
// on users and on groups, and change nothing; the same extension with
// every required value is accepted by each.
// extensionModel is a model whose users and groups may each hold the
// extension urn (named name) of the attributes attrs makes (a schema
// takes its attributes over, so each type gets its own).
func extensionModel(t *testing.T, urn, name string, attrs func() []*resources.Attribute) *resources.Model {
	t.Helper()
	ux, err := resources.NewSchema(urn, name, "", attrs()...)
	require.NoError(t, err)
	gx, err := resources.NewSchema(urn, name, "", attrs()...)
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ux}, GroupExtensions: []*resources.Schema{gx}})
	require.NoError(t, err)
	return model
}

func TestExtensionRequiredEveryWrite(t *testing.T) {
	const urn = "urn:example:acme:2.0:Every"
	attrs := func() []*resources.Attribute {
		return []*resources.Attribute{
			{Name: "badge", Type: resources.TypeString, Required: true},
			{Name: "note", Type: resources.TypeString},
			{Name: "desk", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
				{Name: "building", Type: resources.TypeString, Required: true}, {Name: "floor", Type: resources.TypeString}}},
		}
	}
	db := memory.New(memory.WithModel(extensionModel(t, urn, "Every", attrs)))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })

	types := []struct {
		path, core, nameAttr string
	}{
		{"/Users", resources.UserSchema, "userName"},
		{"/Groups", resources.GroupSchema, "displayName"},
	}
	n := 0
	doc := func(core, nameAttr string, x map[string]any) map[string]any {
		n++
		d := map[string]any{"schemas": []any{core, urn}, nameAttr: "every" + strconv.Itoa(n)}
		if x != nil {
			d[urn] = x
		}
		return d
	}
	patchOp := func(x map[string]any) map[string]any {
		return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": urn, "value": x}}}
	}
	for _, typ := range types {
		for _, tc := range []struct {
			name   string
			ext    map[string]any
			detail string // "" for accepted
		}{
			{"every required value", map[string]any{"badge": "B", "desk": map[string]any{"building": "A"}}, ""},
			{"required attribute absent", map[string]any{"note": "n"}, urn + ":badge is required and must not be empty"},
			{"required attribute empty", map[string]any{"badge": "", "note": "n"}, urn + ":badge is required and must not be empty"},
			{"required sub-attribute absent", map[string]any{"badge": "B", "desk": map[string]any{"floor": "2"}}, urn + ":desk.building is required and must not be empty"},
		} {
			t.Run(typ.path+" "+tc.name, func(t *testing.T) {
				check := func(t *testing.T, r *resp, ok int) {
					if tc.detail == "" {
						require.Equal(t, ok, r.Code, r.Raw)
						return
					}
					requireError(t, r, 400, "invalidValue", tc.detail)
					assert.Equal(t, tc.detail, r.Body["detail"], "the same detail from every write")
				}
				t.Run("POST", func(t *testing.T) {
					check(t, e.do("POST", typ.path, doc(typ.core, typ.nameAttr, tc.ext)), 201)
				})
				t.Run("bulk POST", func(t *testing.T) {
					r := e.do("POST", "/Bulk", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
						"Operations": []any{map[string]any{"method": "POST", "path": typ.path, "bulkId": "b", "data": doc(typ.core, typ.nameAttr, tc.ext)}}})
					require.Equal(t, 200, r.Code, r.Raw)
					op := r.Body["Operations"].([]any)[0].(map[string]any)
					if tc.detail == "" {
						assert.Equal(t, "201", op["status"], r.Raw)
						return
					}
					assert.Equal(t, "400", op["status"], r.Raw)
					resp := op["response"].(map[string]any)
					assert.Equal(t, "invalidValue", resp["scimType"], r.Raw)
					assert.Equal(t, tc.detail, resp["detail"], r.Raw)
				})
				for _, method := range []string{"PUT", "PATCH"} {
					t.Run(method, func(t *testing.T) {
						created := e.do("POST", typ.path, doc(typ.core, typ.nameAttr, nil))
						require.Equal(t, 201, created.Code, created.Raw)
						at := typ.path + "/" + created.Body["id"].(string)
						before := e.do("GET", at, nil).Raw
						body := patchOp(tc.ext)
						if method == "PUT" {
							body = doc(typ.core, typ.nameAttr, tc.ext)
						}
						ok := 200
						if method == "PATCH" && typ.path == "/Groups" {
							ok = 204 // a group PATCH asking for no attributes
						}
						check(t, e.do(method, at, body), ok)
						if tc.detail != "" {
							assert.Equal(t, before, e.do("GET", at, nil).Raw, "nothing changed")
						}
					})
				}
			})
		}
	}
}
