package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// subsetModel is the model of a host whose product has no use for
// addresses, phone numbers, certificates and the like: it declares the
// attributes it supports, once. The handler tests reuse it.
func subsetModel() *resources.Model {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: []string{
			"id", "externalId", "meta", "userName", "name", "displayName", "title", "active", "emails", "groups",
			resources.EnterpriseUserSchema + ":employeeNumber",
			resources.EnterpriseUserSchema + ":department",
			resources.EnterpriseUserSchema + ":manager",
		},
	})
	if err != nil {
		panic(err)
	}
	return m
}

// columnsModel is the model of a host whose users table has five columns:
// user_name, given_name, family_name, email and active. A sub-attribute
// listed alone keeps its attribute with the sub-attributes listed only.
// The handler tests reuse it.
func columnsModel() *resources.Model {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: []string{"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"},
	})
	if err != nil {
		panic(err)
	}
	return m
}

// A host declares the attributes it supports in the model its store is
// built from. /Schemas then advertises only those (identity providers
// build their attribute mapping from it); anything else a request carries
// is ignored with a warning, as an attribute no schema defines is (a 400
// in strict mode); a filter on it is a 400 invalidFilter.
func ExampleNewHandler_attributeSubset() {
	ctx := context.Background()
	db := memory.New(memory.WithModel(subsetModel())) // the handler takes the model from the store
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	h, err := scim.NewHandler(scim.Config{
		Users: db, Groups: db, Tokens: toks,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		panic(err)
	}
	token, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "Entra ID"})
	if err != nil {
		panic(err)
	}
	send := func(method, path, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var doc map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &doc)
		return rec.Code, doc
	}

	_, schema := send("GET", "/Schemas/"+resources.UserSchema, "")
	var names []string
	for _, a := range schema["attributes"].([]any) {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	fmt.Println(strings.Join(names, " "))

	code, user := send("POST", "/Users", `{"userName":"bjensen","addresses":[{"locality":"Hollywood"}]}`)
	_, hasAddresses := user["addresses"]
	fmt.Println(code, hasAddresses)

	code, _ = send("GET", `/Users?filter=addresses.locality+eq+"Hollywood"`, "")
	fmt.Println(code)
	// Output:
	// userName name displayName title active emails groups
	// 201 false
	// 400
}
