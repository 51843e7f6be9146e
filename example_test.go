package scim_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// A host application mounts the handler under /scim/v2, ahead of its own
// mux, and hands the generated token to its identity provider.
func ExampleNewHandler() {
	ctx := context.Background()
	db := memory.New()
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	h, err := scim.NewHandler(scim.Config{
		BaseURL: "https://app.example.com/scim/v2",
		Users:   db,
		Groups:  db,
		Tokens:  toks,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Events: func(ctx context.Context, e scim.Event) {
			if e.Type == scim.UserDeactivated {
				fmt.Println("end the sessions of", e.User.UserName)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	// Ahead of the application's http.ServeMux, not on it: the mux would
	// answer /scim/v2//Users (a base URL given with a slash at its end)
	// with a redirect, which not every provider follows.
	scimPaths := http.StripPrefix("/scim/v2", h)
	mux := http.NewServeMux() // the rest of the application
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/scim/v2/") {
			scimPaths.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})

	token, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "Okta"}) // show it once
	if err != nil {
		panic(err)
	}
	send := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec
	}
	created := send("POST", "/scim/v2/Users", `{"userName":"bjensen@example.com","active":true}`)
	fmt.Println(created.Code, strings.HasPrefix(created.Header().Get("Location"), "https://app.example.com/scim/v2/Users/"))
	id := strings.TrimPrefix(created.Header().Get("Location"), "https://app.example.com/scim/v2/Users/")
	deactivated := send("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	fmt.Println(deactivated.Code)
	// A provider given the base URL with a slash at its end reaches the
	// handler as sent, and is served.
	fmt.Println(send("POST", "/scim/v2//Users", `{"userName":"jsmith@example.com"}`).Code)
	// Output:
	// 201 true
	// end the sessions of bjensen@example.com
	// 200
	// 201
}
