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

// serveModel mounts a handler over a memory store built from model, as a
// host does (the handler takes the model from the store), and returns a
// function that sends it one request with a fresh token.
func serveModel(model *resources.Model) func(method, path, body string) (int, map[string]any) {
	ctx := context.Background()
	db := memory.New(memory.WithModel(model))
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
	return func(method, path, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var doc map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &doc)
		return rec.Code, doc
	}
}

// A host declares the attributes it supports in the model its store is
// built from. /Schemas then advertises only those (identity providers
// build their attribute mapping from it); anything else a request carries
// is ignored with a warning, as an attribute no schema defines is (a 400
// in strict mode); a filter on it is a 400 invalidFilter.
func ExampleNewHandler_attributeSubset() {
	send := serveModel(subsetModel())

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

// A host whose users table has the columns user_name, given_name,
// family_name, email and active lists sub-attributes (columnsModel):
// /Schemas advertises name with givenName and familyName and emails with
// value, the store is never handed the other sub-attributes, and a filter
// on one is a 400 invalidFilter.
func ExampleNewHandler_subAttributeSubset() {
	send := serveModel(columnsModel())

	_, schema := send("GET", "/Schemas/"+resources.UserSchema, "")
	for _, a := range schema["attributes"].([]any) {
		a := a.(map[string]any)
		var subs []string
		list, _ := a["subAttributes"].([]any)
		for _, s := range list {
			subs = append(subs, s.(map[string]any)["name"].(string))
		}
		fmt.Println(a["name"], subs)
	}

	code, user := send("POST", "/Users", `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen","middleName":"Jane"},
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true}]}`)
	fmt.Println(code, user["name"], user["emails"])

	code, _ = send("GET", `/Users?filter=emails[type+eq+"work"]`, "")
	fmt.Println(code)
	// Output:
	// userName []
	// name [familyName givenName]
	// active []
	// emails [value]
	// 201 map[familyName:Jensen givenName:Barbara] [map[value:bjensen@example.com]]
	// 400
}
