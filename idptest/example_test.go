package idptest_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/store/memory"
)

// A host runs the replays from its own tests against the handler it
// mounts, in a _test.go file beside it:
//
//	func TestIdentityProviders(t *testing.T) {
//		h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, InsecureNoAuth: true})
//		require.NoError(t, err)
//		idptest.Test(t, h, "") // or the token h accepts; idptest.Test(t, h, tok, "Okta", "Entra")
//	}
//
// Test needs a *testing.T; this example runs the same conversations with
// Replay, the form for code that is not a test, against the handler served
// by an httptest.Server.
func Example() {
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{
		Users:          db,
		Groups:         db,
		InsecureNoAuth: true, // no token: the steps that check token refusal are skipped
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	results, err := idptest.Replay(context.Background(), idptest.Target{BaseURL: srv.URL}, "Okta", "Entra ID")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		verdict := "PASS"
		if !r.Passed() {
			verdict = "FAIL"
		}
		fmt.Printf("%s %s / %s (%d steps skipped)\n", verdict, r.Conversation.Provider, r.Conversation.Name, len(r.Skipped))
	}
	// Output:
	// PASS Entra ID / entra-aadoptscim062020-provisioning (2 steps skipped)
	// PASS Entra ID / entra-aadoptscim062020-tombstone (0 steps skipped)
	// PASS Entra ID / entra-app-roles (0 steps skipped)
	// PASS Entra ID / entra-legacy-provisioning (2 steps skipped)
	// PASS Entra ID / entra-legacy-tombstone (0 steps skipped)
	// PASS Okta / okta-aiw-push-groups (0 steps skipped)
	// PASS Okta / okta-aiw-users (0 steps skipped)
	// PASS Okta / okta-import-paging (0 steps skipped)
	// PASS Okta / okta-oin-users (0 steps skipped)
	// PASS Okta / okta-push-groups (0 steps skipped)
}
