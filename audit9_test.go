package scim_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditFilterOnManagerDisplayName: the enterprise manager's
// displayName is made by the handler from the manager's User as it
// answers (readOnly in /Schemas) and no store keeps it, so a filter on it
// matched nothing on every store, though the user showed the very value
// (TestAdvertisedCharacteristics found it); it is a 400 invalidFilter
// that says to compare the manager's value, as a filter on a $ref the
// server makes is, and a sortBy on it a 400 invalidValue (every store
// answered in creation order).
func TestAuditFilterOnManagerDisplayName(t *testing.T) {
	e := newEnv(t)
	boss := e.createUser("boss", map[string]any{"displayName": "Big Boss"})["id"].(string)
	e.createUser("worker", map[string]any{entURN: map[string]any{"manager": map[string]any{"value": boss}}})
	for _, f := range []string{
		entURN + `:manager.displayName eq "Big Boss"`,
		`userName pr and ` + entURN + `:manager.displayName co "Boss"`,
		entURN + `:manager[displayName pr]`,
		`not (` + entURN + `:MANAGER.DISPLAYNAME sw "B")`,
	} {
		t.Run(f, func(t *testing.T) {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "manager.value")
		})
	}
	requireError(t, e.do("POST", "/.search", map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":  entURN + `:manager.displayName eq "Big Boss"`}), 400, "invalidFilter", "manager.value")
	requireError(t, e.do("GET", "/Users?sortBy="+url.QueryEscape(entURN+":manager.displayName"), nil), 400, "invalidValue", "manager.displayName")
	// The manager's value, which the store keeps, still finds the user.
	r := e.do("GET", "/Users?filter="+url.QueryEscape(entURN+`:manager.value eq "`+boss+`"`), nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.EqualValues(t, 1, r.Body["totalResults"])
	r = e.do("GET", "/Users?sortBy="+url.QueryEscape(entURN+":manager.value"), nil)
	require.Equal(t, 200, r.Code, r.Raw)
}
