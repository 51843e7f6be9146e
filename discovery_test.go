package scim_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestDiscoveryMatchesBehaviour reads /ServiceProviderConfig and /Schemas
// and checks what they advertise against what the server does: a client
// that builds its behaviour from discovery (Entra's and Okta's attribute
// mappings do) must never be surprised.
func TestDiscoveryMatchesBehaviour(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []option
	}{
		{"default model", nil},
		{"attribute subset", []option{withSubset}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			discoveryMatchesBehaviour(t, newEnv(t, tc.opts...))
		})
	}
}

func discoveryMatchesBehaviour(t *testing.T, e *env) {
	spc := e.do("GET", "/ServiceProviderConfig", nil).Body
	feature := func(name string) map[string]any { return spc[name].(map[string]any) }

	t.Run("capabilities", func(t *testing.T) {
		u := e.createUser("disco")
		id := u["id"].(string)
		assert.Equal(t, true, feature("patch")["supported"])
		assert.Equal(t, 200, e.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace", "path": "title", "value": "x"})).Code)

		assert.Equal(t, true, feature("etag")["supported"])
		assert.NotEmpty(t, e.do("GET", "/Users/"+id, nil).Header.Get("ETag"))

		assert.Equal(t, true, feature("sort")["supported"])
		assert.Equal(t, 200, e.do("GET", "/Users?sortBy=userName&sortOrder=descending", nil).Code)

		assert.Equal(t, true, feature("filter")["supported"])
		max := int(feature("filter")["maxResults"].(float64))
		r := e.do("GET", fmt.Sprintf("/Users?count=%d", max+50), nil)
		assert.LessOrEqual(t, int(r.Body["itemsPerPage"].(float64)), max)

		bulk := feature("bulk")
		assert.Equal(t, true, bulk["supported"])
		ops := make([]map[string]any, int(bulk["maxOperations"].(float64))+1)
		for i := range ops {
			ops[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
		}
		assert.Equal(t, 413, e.do("POST", "/Bulk", bulkBody(0, ops...)).Code, "more than maxOperations")
	})

	for _, res := range []struct{ schema, endpoint string }{
		{"urn:ietf:params:scim:schemas:core:2.0:User", "/Users"},
		{"urn:ietf:params:scim:schemas:core:2.0:Group", "/Groups"},
	} {
		doc := e.do("GET", "/Schemas/"+res.schema, nil).Body
		for _, a := range doc["attributes"].([]any) {
			attr := a.(map[string]any)
			name := attr["name"].(string)
			if attr["type"] != "string" || attr["multiValued"] == true {
				continue // simple string attributes: the ones a one-value body tests
			}
			t.Run(res.endpoint+" "+name, func(t *testing.T) {
				body := minimal(res.endpoint, strings.ToLower(name)+"-"+res.endpoint[1:])
				switch {
				case attr["uniqueness"] == "server":
					body[name] = "same-" + name
					first := e.do("POST", res.endpoint, body)
					require.Equal(t, 201, first.Code, first.Raw)
					body2 := minimal(res.endpoint, "other-"+name)
					body2[name] = "SAME-" + name
					if attr["caseExact"] == true {
						body2[name] = "same-" + name
					}
					requireError(t, e.do("POST", res.endpoint, body2), 409, "uniqueness", "")
				case attr["mutability"] == "readOnly":
					body[name] = "client-value"
					r := e.do("POST", res.endpoint, body)
					require.Equal(t, 201, r.Code, r.Raw)
					assert.NotEqual(t, "client-value", r.Body[name], "a client's value for a readOnly attribute is ignored")
				case attr["returned"] == "never":
					body[name] = "secret-value"
					r := e.do("POST", res.endpoint, body)
					require.Equal(t, 201, r.Code, r.Raw)
					assert.NotContains(t, r.Raw, "secret-value")
					assert.NotContains(t, e.do("GET", res.endpoint+"/"+r.str("id"), nil).Raw, "secret-value")
				}
				if attr["required"] == true {
					delete(body, name)
					requireError(t, e.do("POST", res.endpoint, body), 400, "invalidValue", name)
				}
			})
		}
	}

	// What /Schemas leaves out of the RFC's User schemas is not kept: a
	// request's value is ignored and a filter on it refused.
	advertised := map[string]bool{}
	for _, urn := range []string{resources.UserSchema, resources.EnterpriseUserSchema} {
		doc := e.do("GET", "/Schemas/"+urn, nil)
		if doc.Code == 404 {
			continue // the whole extension is left out
		}
		for _, a := range doc.Body["attributes"].([]any) {
			advertised[urn+":"+a.(map[string]any)["name"].(string)] = true
		}
	}
	full := resources.DefaultModel().User
	for _, s := range append([]*resources.Schema{full.Schema}, full.Extension(resources.EnterpriseUserSchema)) {
		for _, a := range s.Attributes {
			if advertised[s.ID+":"+a.Name] || a.ReadOnly() {
				continue
			}
			t.Run("left out "+a.Name, func(t *testing.T) {
				body := minimal("/Users", "left-out-"+a.Name)
				body[s.ID+":"+a.Name] = sampleValue(a)
				r := e.do("POST", "/Users", body)
				require.Equal(t, 201, r.Code, r.Raw)
				assert.NotContains(t, r.Raw, "sample", "the value is not kept")
				assert.NotContains(t, e.do("GET", "/Users/"+r.str("id"), nil).Raw, "sample", "the value is not kept")
				f := s.ID + ":" + a.Name + " pr"
				requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "")
			})
		}
	}
}

// sampleValue is a value of attribute a's type, in a list when it is
// multi-valued.
func sampleValue(a *resources.Attribute) any {
	var v any = "sample"
	switch a.Type {
	case resources.TypeBoolean:
		v = true
	case resources.TypeComplex:
		m := map[string]any{}
		for _, s := range a.SubAttributes {
			if s.Type == resources.TypeString && !s.ReadOnly() {
				m[s.Name] = "sample"
			}
		}
		v = m
	}
	if a.MultiValued {
		return []any{v}
	}
	return v
}

// minimal is a body with the required attributes of the endpoint's type.
func minimal(endpoint, unique string) map[string]any {
	if endpoint == "/Groups" {
		return map[string]any{"displayName": "g-" + unique}
	}
	return map[string]any{"userName": "u-" + unique}
}

// TestServiceProviderConfigWithoutToken: RFC 7643 §5 asks that the
// authenticationSchemes of /ServiceProviderConfig be "publicly accessible
// without prior authentication", so a client learns there how to
// authenticate. It alone is: every other endpoint wants a token, and a
// token that is sent is checked, also on /ServiceProviderConfig.
func TestServiceProviderConfigWithoutToken(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, path, auth string
		code                     int
	}{
		{"no credentials", "GET", "/ServiceProviderConfig", "", 200},
		{"another spelling", "GET", "/serviceproviderconfig/", "", 200},
		{"another scheme", "GET", "/ServiceProviderConfig", "Basic b2t0YTpzZWNyZXQ=", 200},
		{"a token that is no token", "GET", "/ServiceProviderConfig", "Bearer scim_nope", 401},
		{"a write", "PUT", "/ServiceProviderConfig", "", 401},
		{"/Schemas", "GET", "/Schemas", "", 401},
		{"/ResourceTypes", "GET", "/ResourceTypes", "", 401},
		{"/Users", "GET", "/Users", "", 401},
		{"/Me", "GET", "/Me", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, nil, "Authorization: "+tc.auth)
			if tc.code == 401 {
				requireError(t, r, 401, "", "a valid bearer token is required")
				return
			}
			require.Equal(t, tc.code, r.Code, r.Raw)
			assert.Equal(t, []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}, r.Body["schemas"])
			assert.NotEmpty(t, r.Body["authenticationSchemes"])
			assert.Equal(t, base+"/ServiceProviderConfig", r.Body["meta"].(map[string]any)["location"])
		})
	}
}
