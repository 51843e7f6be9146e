package tokens_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim/tokens"
)

// An admin generates a token and pastes it into the identity provider,
// which then sends it with every SCIM request.
func ExampleManager_Generate() {
	ctx := context.Background()
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})

	plaintext, tok, err := m.Generate(ctx, tokens.GenerateOptions{
		TenantID:  "acme",
		Name:      "Okta",
		CreatedBy: "admin@acme.example",
	})
	if err != nil {
		panic(err)
	}
	// Show plaintext to the admin once; keep only tok.ID and tok.Hint.
	fmt.Println(strings.HasPrefix(plaintext, "scim_"), len(plaintext))
	fmt.Println(strings.HasPrefix(tok.Hint, "scim_…"))

	// Later, the SCIM handler authenticates a request.
	r := httptest.NewRequest("GET", "/scim/v2/Users", nil)
	r.Header.Set("Authorization", "Bearer "+plaintext)
	bearer, _ := tokens.BearerToken(r)
	got, err := m.Authenticate(ctx, bearer)
	fmt.Println(got.TenantID, err)

	_, err = m.Authenticate(ctx, "scim_guessed")
	fmt.Println(err)
	// Output:
	// true 48
	// true
	// acme <nil>
	// tokens: invalid token
}

// Status drives an admin page: configure, wait for the provider, connected.
func ExampleManager_Status() {
	ctx := context.Background()
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})

	show := func() {
		st, err := m.Status(ctx, "acme")
		if err != nil {
			panic(err)
		}
		fmt.Println(st.State, st.ActiveTokens)
	}

	show()
	plaintext, tok, _ := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	show()
	_, _ = m.Authenticate(ctx, plaintext)
	show()
	_ = m.Revoke(ctx, "acme", tok.ID)
	show()
	// Output:
	// not_configured 0
	// waiting_for_first_request 1
	// connected 1
	// not_configured 0
}
