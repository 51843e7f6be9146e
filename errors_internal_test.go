package scim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// formatCount is an errorf argument that counts how many times its
// detail is formatted.
type formatCount struct{ n *int }

func (c formatCount) Format(f fmt.State, _ rune) {
	*c.n++
	_, _ = f.Write([]byte("x"))
}

// TestErrorfFormatsOnce: an errorf detail is formatted once, by the
// handler that answers with it and its model's secrets, whatever the
// model: errorf formatted it, and toError again for a model with secrets.
func TestErrorfFormatsOnce(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:vault:2.0:User", "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Returned: resources.ReturnedNever})
	require.NoError(t, err)
	secret, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	for name, model := range map[string]*resources.Model{"default": resources.DefaultModel(), "with secrets": secret} {
		t.Run(name, func(t *testing.T) {
			db := memory.New(memory.WithModel(model))
			h, err := newHandler(Config{BaseURL: "https://example.com/scim/v2", Users: db, Groups: db, Model: model, InsecureNoAuth: true})
			require.NoError(t, err)
			n := 0
			e := h.toError(httptest.NewRequest("GET", "/Users", nil), errorf(http.StatusBadRequest, ScimTypeInvalidValue, "bad %v", formatCount{&n}))
			assert.Equal(t, "bad x", e.Detail)
			assert.Equal(t, 1, n, "formatted once")
		})
	}
}
