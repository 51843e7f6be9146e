package idptest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnadvertised(t *testing.T) {
	const (
		user = "urn:ietf:params:scim:schemas:core:2.0:User"
		ent  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	)
	adv := Advertised{
		user: {"userName", "name", "emails", "active"},
		"urn:ietf:params:scim:schemas:core:2.0:Group": {"displayName", "members"},
		ent: {"department"},
	}
	tests := []struct {
		path string
		want string
	}{
		{"userName", ""},
		{"USERNAME", ""},                // names are case-insensitive
		{"emails[0].value", ""},         // advertised, with a sub-path
		{"Resources[0].userName", ""},   // a list's resource
		{"members[1].value", ""},        // a Group attribute
		{"title", "title"},              // a User attribute left out
		{"Resources[2].title", "title"}, // also in a list
		{"phoneNumbers[0].value", "phoneNumbers"},
		{"['" + ent + "'].department", ""},
		{"['" + ent + "'].manager.value", ent + ":manager"},
		{"['" + ent + "']", ""},              // the extension object itself
		{"['urn:example:custom:1.0'].x", ""}, // a schema this package does not know
		{"id", ""},                           // common attributes are always checked
		{"meta.version", ""},
		{"schemas", ""},
		{"totalResults", ""}, // a message field
		{"detail", ""},
		{"[", ""}, // not a path: checked, and reported by Match
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, adv.unadvertised(tt.path))
		})
	}
	var none Advertised
	assert.Equal(t, "", none.unadvertised("title"), "nil (nothing read) checks everything")

	// A target that lists some sub-attributes of an attribute keeps only
	// those; one that lists none of them keeps them all.
	sub := Advertised{
		user: {"userName", "name", "name.givenName", "name.familyName", "emails", "emails.value", "emails.type", "active"},
		"urn:ietf:params:scim:schemas:core:2.0:Group": {"displayName", "members"},
		ent: {"manager", "manager.value"},
	}
	for _, tt := range []struct{ path, want string }{
		{"name.givenName", ""},
		{"name.middleName", "name.middleName"},
		{"Resources[0].name.formatted", "name.formatted"},
		{"emails[0].value", ""},
		{"emails[0].primary", "emails.primary"},
		{"emails", ""},
		{"name.nickName", ""}, // no sub-attribute of RFC 7643: checked, and reported by Match
		{"['" + ent + "'].manager.displayName", ent + ":manager.displayName"},
		{"members[0].display", ""}, // members lists no sub-attribute: all kept
		{"displayName", ""},        // the Group's, which it advertises
	} {
		assert.Equal(t, tt.want, sub.unadvertised(tt.path), tt.path)
	}
}

// TestPrune: an expectation on an attribute the target keeps with some
// sub-attributes only drops the others, and names them.
func TestPrune(t *testing.T) {
	const user = "urn:ietf:params:scim:schemas:core:2.0:User"
	adv := Advertised{user: {"userName", "name", "name.givenName", "emails", "emails.value", "emails.type"}}
	for _, tt := range []struct {
		name, path string
		want, out  any
		dropped    []string
	}{
		{"an element matcher", "emails", map[string]any{"$contains": map[string]any{"value": "a", "primary": true, "type": "work"}},
			map[string]any{"$contains": map[string]any{"value": "a", "type": "work"}}, []string{"emails.primary"}},
		{"an element", "emails[0]", map[string]any{"value": "a", "display": "A"}, map[string]any{"value": "a"}, []string{"emails.display"}},
		{"a list", "Resources[0].emails", []any{map[string]any{"value": "a", "primary": true}}, []any{map[string]any{"value": "a"}}, []string{"emails.primary"}},
		{"an object", "name", map[string]any{"givenName": "G", "formatted": "G F"}, map[string]any{"givenName": "G"}, []string{"name.formatted"}},
		{"absence is still checked", "name", map[string]any{"givenName": "G", "middleName": map[string]any{"$absent": true}},
			map[string]any{"givenName": "G", "middleName": map[string]any{"$absent": true}}, nil},
		{"nothing left out", "emails", map[string]any{"$contains": map[string]any{"value": "a"}}, map[string]any{"$contains": map[string]any{"value": "a"}}, nil},
		{"an attribute without sub-attributes", "userName", "u", "u", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, dropped := adv.prune(tt.path, tt.want)
			assert.Equal(t, tt.out, out)
			assert.Equal(t, tt.dropped, dropped)
		})
	}
	var none Advertised
	out, dropped := none.prune("emails", map[string]any{"primary": true})
	assert.Equal(t, map[string]any{"primary": true}, out, "nil (nothing read) checks everything")
	assert.Nil(t, dropped)
	assert.True(t, wantsAbsent(map[string]any{"$absent": true}))
	assert.False(t, wantsAbsent(map[string]any{"$absent": false}))
	assert.False(t, wantsAbsent("x"))
}
