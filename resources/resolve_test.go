package resources_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

func TestResolve(t *testing.T) {
	rt := resources.NewUserType()
	ent := resources.EnterpriseUserSchema
	for _, tc := range []struct {
		path                    string
		attr, sub, ext          string
		whole                   string // the URN of the schema named as a whole
		missing, wholeExtension bool
	}{
		{path: "userName", attr: "userName"},
		{path: "USERNAME", attr: "userName"},
		{path: "name.givenName", attr: "name", sub: "givenName"},
		{path: "emails.VALUE", attr: "emails", sub: "value"},
		{path: "meta.lastModified", attr: "meta", sub: "lastModified"},
		{path: "id", attr: "id"},
		{path: resources.UserSchema + ":userName", attr: "userName"},
		{path: ent + ":department", attr: "department", ext: ent},
		{path: ent + ":manager.value", attr: "manager", sub: "value", ext: ent},
		{path: ent, ext: ent, whole: ent, wholeExtension: true},
		{path: "URN:IETF:params:scim:schemas:EXTENSION:enterprise:2.0:User", ext: ent, whole: ent, wholeExtension: true},
		{path: resources.UserSchema, whole: resources.UserSchema},
		{path: "urn:ietf:params:scim:schemas:CORE:2.0:user", whole: resources.UserSchema},
		{path: resources.UserSchema + ":meta", attr: "meta"},
		{path: resources.GroupSchema, missing: true},
		{path: "nickname2", missing: true},
		{path: "name.nickname", attr: "name", missing: true},
		{path: ent + ":shoeSize", ext: ent, missing: true},
		{path: "urn:example:unknown:2.0:User:foo", missing: true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p, err := filter.Parser{Schemas: rt.SchemaURNs()}.ParsePath(tc.path)
			if !assert.NoError(t, err) {
				return
			}
			r := rt.Resolve(p.AttrPath)
			assert.Equal(t, tc.missing, r.Missing)
			name := func(a *resources.Attribute) string {
				if a == nil {
					return ""
				}
				return a.Name
			}
			assert.Equal(t, tc.attr, name(r.Attr))
			assert.Equal(t, tc.sub, name(r.Sub))
			ext := ""
			if r.Extension != nil {
				ext = r.Extension.ID
			}
			assert.Equal(t, tc.ext, ext)
			assert.Equal(t, tc.wholeExtension, r.Attr == nil && r.Extension != nil && !r.Missing)
			whole := ""
			if r.Whole != nil {
				whole = r.Whole.ID
			}
			assert.Equal(t, tc.whole, whole)
		})
	}
}
