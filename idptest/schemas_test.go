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
	assert.True(t, wantsAbsent(map[string]any{"$absent": true}))
	assert.False(t, wantsAbsent(map[string]any{"$absent": false}))
	assert.False(t, wantsAbsent("x"))
}
