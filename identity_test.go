package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUniquenessIdentity: a userName that looks the same as a stored one
// (NFD "café" after NFC "café", full-width letters) is a 409 whose detail
// names the stored userName, and the lookup a provider makes before
// creating finds the stored user.
func TestUniquenessIdentity(t *testing.T) {
	e := newEnv(t)
	first := e.createUser("caf\u00e9")
	r := e.do("POST", "/Users", map[string]any{"userName": "cafe\u0301"})
	requireError(t, r, 409, "uniqueness", `already taken as "caf`+"\u00e9"+`" ("caf\u00e9")`)
	assert.Contains(t, r.str("detail"), `("cafe\u0301")`, "the escaped form shows the difference")

	list := e.do("GET", "/Users?filter="+q(`userName eq "cafe`+"\u0301"+`"`), nil)
	require.Equal(t, 200, list.Code, list.Raw)
	assert.Equal(t, float64(1), list.Body["totalResults"])
	assert.Equal(t, first["id"], list.Body["Resources"].([]any)[0].(map[string]any)["id"])

	other := e.createUser("other")
	requireError(t, e.do("PUT", "/Users/"+other["id"].(string), map[string]any{"userName": "CAF\u00c9"}), 409, "uniqueness", `already taken as "caf`+"\u00e9"+`"`)
	requireError(t, e.do("PATCH", "/Users/"+other["id"].(string), patchBody(op("replace", "userName", "\uff43\uff41\uff46\u00e9"))), 409, "uniqueness", `already taken as "caf`+"\u00e9"+`"`)

	e.createGroup("Admins")
	requireError(t, e.do("POST", "/Groups", map[string]any{"displayName": "\uff21\uff44\uff4d\uff49\uff4e\uff53"}), 409, "uniqueness", `already taken as "Admins"`)
}
