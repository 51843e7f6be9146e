package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestSentSecretsDecodesOnce: a PUT's check for the secrets it sends
// (kind.sentSecrets) decodes each extension once, however many of its
// attributes are secrets: it answers for a PUT sending none of four with
// the allocations of one decode of the extension, and names the
// extension whichever of them is sent.
func TestSentSecretsDecodesOnce(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	never := func(a *resources.Attribute) *resources.Attribute {
		a.Mutability, a.Returned = resources.WriteOnly, resources.ReturnedNever
		return a
	}
	ext, err := resources.NewSchema(urn, "Vault", "",
		never(&resources.Attribute{Name: "pin", Type: resources.TypeString}),
		never(&resources.Attribute{Name: "codes", Type: resources.TypeString, MultiValued: true}),
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			never(&resources.Attribute{Name: "code", Type: resources.TypeString}), {Name: "hint", Type: resources.TypeString}}},
		never(&resources.Attribute{Name: "seed", Type: resources.TypeString}),
		&resources.Attribute{Name: "label", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	h, err := newHandler(Config{Users: db, Groups: db, InsecureNoAuth: true})
	require.NoError(t, err)
	user := func(vault string) *resources.User {
		u, err := resources.UserFromJSON([]byte(`{"schemas":["` + resources.UserSchema + `","` + urn + `"],"userName":"u","` + urn + `":` + vault + `}`))
		require.NoError(t, err)
		return u
	}
	for _, tt := range []struct {
		vault string
		want  []string
	}{
		{`{"label":"l","recovery":{"hint":"h"}}`, nil},
		{`{"label":"l","seed":"s"}`, []string{urn}},
		{`{"recovery":{"code":"c"}}`, []string{urn}},
		{`{"pin":"1","codes":["c"]}`, []string{urn}},
		{`null`, nil},
	} {
		assert.Equal(t, tt.want, h.users.sentSecrets(user(tt.vault)), tt.vault)
	}
	if race.Enabled {
		return // the race detector allocates on its own
	}
	u := user(`{"label":"l","recovery":{"hint":"h"}}`)
	raw := (*h.users.extensions(u))[urn]
	decode := testing.AllocsPerRun(50, func() { _, _ = resources.DecodeOrNull(raw) })
	require.NotZero(t, decode)
	assert.Equal(t, decode, testing.AllocsPerRun(50, func() { _ = h.users.sentSecrets(u) }), "one decode of the extension")
}
