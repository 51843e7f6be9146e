package scim_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// BenchmarkRootSort measures a query at the server root sorted by
// displayName, which users and groups both have (one merged list since
// the rootsort branch; each type's own list, concatenated, before), over
// 1,000 users and 1,000 groups on the memory store: a first page, a deep
// page (startIndex 1,901: each type's first 2,000 read) and a cursor
// walk's first page, each of count 100. BENCHMARKS.md compares it with
// the same benchmark run on the commit before.
func BenchmarkRootSort(b *testing.B) {
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	send := func(method, target, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://app.example.com"+target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	for i := range 1000 {
		if rec := send("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%04d","displayName":"N%04d u","emails":[{"value":"u%04d@example.com","primary":true}]}`, i, (i*7919)%1000, i)); rec.Code != http.StatusCreated {
			b.Fatal(rec.Body)
		}
		if rec := send("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"n%04d g"}`, (i*104729)%1000)); rec.Code != http.StatusCreated {
			b.Fatal(rec.Body)
		}
	}
	for _, bc := range []struct{ name, target string }{
		{"first", "/?sortBy=displayName&count=100"},
		{"deep", "/?sortBy=displayName&startIndex=1901&count=100"},
		{"cursor", "/?sortBy=displayName&count=100&cursor="},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := send("GET", bc.target, ""); rec.Code != http.StatusOK {
					b.Fatal(rec.Body)
				}
			}
		})
	}
}
