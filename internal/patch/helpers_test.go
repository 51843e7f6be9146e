package patch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// $ENT in test JSON stands for the enterprise extension URN, $ACME for
// the test extension below.
const (
	ent  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	acme = "urn:example:params:scim:schemas:extension:acme:2.0:User"
)

// acmeSchema is a host extension with an immutable attribute and a
// multi-valued simple attribute.
func acmeSchema() *resources.Schema {
	s, err := resources.NewSchema(acme, "Acme", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Mutability: resources.Immutable},
		&resources.Attribute{Name: "tags", Type: resources.TypeString, MultiValued: true},
		&resources.Attribute{Name: "level", Type: resources.TypeInteger},
	)
	if err != nil {
		panic(err)
	}
	return s
}

var (
	userType  = resources.NewUserType(acmeSchema())
	groupType = resources.NewGroupType()
	userEng   = NewEngine(userType)
	groupEng  = NewEngine(groupType)
)

// userJSON is a typical stored user, in the canonical form of ToMap.
const userJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "$ENT"],
  "id": "2819c223",
  "externalId": "bjensen",
  "userName": "bjensen@example.com",
  "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
  "displayName": "Babs Jensen",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
  "groups": [{"value": "e9e30dba", "display": "Tour Guides"}],
  "$ENT": {
    "employeeNumber": "701984",
    "department": "Tour Operations",
    "manager": {"value": "26118915", "displayName": "John Smith"}
  },
  "meta": {"resourceType": "User", "version": "W/\"3\""}
}`

// groupJSON is a typical stored group.
const groupJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba",
  "displayName": "Tour Guides",
  "members": [
    {"value": "2819c223", "display": "Babs Jensen", "type": "User"},
    {"value": "902c246b", "display": "Mandy Pepperidge", "type": "User"}
  ],
  "meta": {"resourceType": "Group", "version": "W/\"7\""}
}`

func expand(s string) string {
	return strings.NewReplacer("$ENT", ent, "$ACME", acme).Replace(s)
}

func mustDoc(s string) map[string]any {
	m, err := resources.Decode([]byte(expand(s)))
	if err != nil {
		panic(err.Error() + " in " + s)
	}
	return m
}

func mustOps(s string) []Operation {
	if s == "[]" {
		return []Operation{} // Decode refuses an empty list; the engine must cope with one
	}
	ops, _, err := Decode([]byte(`{"Operations":`+expand(s)+`}`), 0, nil)
	if err != nil {
		panic(err.Error() + " in " + s)
	}
	return ops
}

// over returns base with its top-level keys replaced by overlay's (a null
// deletes the key). Nested values are given in full in overlay.
func over(base, overlay string) string {
	m := mustDoc(base)
	for k, v := range mustDoc(overlay) {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// fail is an expected *Error.
type fail struct {
	scimType string
	detail   string // substring of Detail
	index    int
}

// applyCase is one Apply: ops (JSON array) on doc (userJSON when empty)
// gives want (a document) or err.
type applyCase struct {
	name string
	eng  *Engine // userEng when nil
	doc  string
	ops  string
	want string
	err  *fail
	// strict applies the operations in strict mode; warnings are the
	// bends expected otherwise, each named by its operation (opName):
	// one that names none is the first operation's, Operations[0], but
	// for MembersNotRemoved's, which no operation names.
	strict   bool
	warnings []string
}

func runApply(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng := tc.eng
			if eng == nil {
				eng = userEng
			}
			src := tc.doc
			if src == "" {
				src = userJSON
			}
			doc := mustDoc(src)
			ops, _, err := Decode([]byte(`{"Operations":`+expand(tc.ops)+`}`), 0, nil)
			if err != nil {
				// The request fails where the handler would stop it: in
				// the decoder, before the engine.
				require.NotNil(t, tc.err, "decode: %v", err)
				requireError(t, err, *tc.err)
				return
			}
			l := &resources.Lenience{Strict: tc.strict}
			got, err := eng.Apply(doc, ops, l)
			assert.Equal(t, mustDoc(src), doc, "the input document must never change")
			if tc.err != nil {
				requireError(t, err, *tc.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, mustDoc(tc.want), got)
			var want []string
			for _, w := range tc.warnings {
				if !strings.HasPrefix(w, "Operations[") {
					w = opName(0) + w
				}
				want = append(want, expand(w))
			}
			assert.Equal(t, want, l.Warnings)
		})
	}
}

func requireError(t *testing.T, err error, want fail) {
	t.Helper()
	require.Error(t, err)
	var pe *Error
	require.True(t, errors.As(err, &pe), "want *Error, got %T: %v", err, err)
	assert.Equal(t, 400, pe.Status)
	assert.Equal(t, want.scimType, pe.ScimType, "detail: %s", pe.Detail)
	assert.Contains(t, pe.Detail, want.detail)
	assert.Equal(t, want.index, pe.Index)
}
