package resources_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scim/resources"
)

// benchUser is a typical stored user: core attributes, the enterprise
// extension with a custom attribute and one host extension.
func benchUser() *resources.User {
	active := true
	at := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	return &resources.User{
		ID: "2819c223-7f76-453a-919d-413861904646", ExternalID: "bjensen", UserName: "bjensen@example.com",
		Name:        &resources.Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara"},
		DisplayName: "Babs Jensen", Title: "Tour Guide", Active: &active,
		Emails: []resources.MultiValue{
			{Value: "bjensen@example.com", Type: "work", Primary: resources.Bool(true)},
			{Value: "babs@jensen.org", Type: "home"},
		},
		PhoneNumbers: []resources.MultiValue{{Value: "555-555-5555", Type: "work"}},
		Groups:       []resources.GroupRef{{Value: "e9e30dba", Display: "Tour Guides"}},
		Enterprise: &resources.EnterpriseUser{
			EmployeeNumber: "701984", Department: "Tour Operations",
			Manager: &resources.Manager{Value: "26118915"},
			Extra:   map[string]json.RawMessage{"costCentreCode": json.RawMessage(`"7"`)},
		},
		Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:User": json.RawMessage(`{"badge":"B-7","level":3}`)},
		Meta:       resources.Meta{ResourceType: "User", Created: at, LastModified: at, Version: `W/"3"`},
	}
}

// benchGroup is a group of ten members.
func benchGroup() *resources.Group {
	g := &resources.Group{ID: "e9e30dba", DisplayName: "Tour Guides", Meta: resources.Meta{ResourceType: "Group", Version: `W/"1"`}}
	for i := range 10 {
		g.Members = append(g.Members, resources.Member{Value: fmt.Sprintf("user-%d", i), Type: "User", Display: "U"})
	}
	return g
}

func BenchmarkToMap(b *testing.B) {
	for _, bc := range []struct {
		name string
		v    any
	}{{"user", benchUser()}, {"group", benchGroup()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := resources.ToMap(bc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUserFromMap(b *testing.B) {
	doc, err := resources.ToMap(benchUser())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := resources.UserFromMap(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupFromMap(b *testing.B) {
	doc, err := resources.ToMap(benchGroup())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := resources.GroupFromMap(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserFromJSON reads a stored user's document back as a SQL
// store does, with UserFromJSON and, for comparison in the same run, with
// json.Unmarshal, which the stores used before.
func BenchmarkUserFromJSON(b *testing.B) {
	u := benchUser()
	u.Groups = nil // a store keeps them apart from the document
	doc, err := json.Marshal(u)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("FromJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := resources.UserFromJSON(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u resources.User
			if err := json.Unmarshal(doc, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
}
