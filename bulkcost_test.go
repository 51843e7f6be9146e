package scim_test

import (
	"cmp"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
)

// bulkOf is a BulkRequest of n operations, op(i) the i-th.
func bulkOf(n int, op func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = op(i)
	}
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(parts, ",") + `]}`
}

// joined is k texts of f, comma-separated.
func joined(k int, f func(j int) string) string {
	parts := make([]string, k)
	for j := range parts {
		parts[j] = f(j)
	}
	return strings.Join(parts, ",")
}

// bulkShapes are /Bulk requests of a few megabytes shaped to cost the
// handler most for their size: many operations, data near
// MaxBodyBytes, references (bulkId:x, resolved to a 36-byte id) by the
// hundred thousand, to one operation or to as many distinct ones as the
// body holds, and operations each waiting for hundreds of others.
var bulkShapes = []struct {
	name string
	body func() string
	ops  int
	// perByte, when not 0, bounds the bytes allocated a byte of the
	// body below the 64 any shape is held to.
	perByte float64
}{
	{"1000 users of 1 KB", func() string {
		return bulkOf(1000, func(i int) string {
			return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"u%d","data":{"userName":"u%d","displayName":%q}}`, i, i, strings.Repeat("x", 900))
		})
	}, 1000, 0},
	{"one user referred to 90,000 times", func() string {
		return bulkOf(2, func(i int) string {
			if i == 0 {
				return `{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a"}}`
			}
			return `{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"g","members":[` + joined(90000, func(int) string { return `{"value":"bulkId:a"}` }) + `]}}`
		})
	}, 2, 32}, // refused (MaxBodyBytes) before its copy is made: 59 when it was made
	{"60,000 distinct references", func() string {
		return bulkOf(1, func(int) string {
			return `{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"g","x":[` + joined(60000, func(j int) string { return fmt.Sprintf(`"bulkId:%d"`, j) }) + `]}}`
		})
	}, 1, 0},
	{"400 operations waiting for 400 each", func() string {
		return bulkOf(800, func(i int) string {
			if i < 400 {
				return fmt.Sprintf(`{"method":"PATCH","path":"/Groups/x%d","data":{"x":[`, i) + joined(400, func(j int) string { return fmt.Sprintf(`"bulkId:p%d"`, j) }) + `]}}`
			}
			return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"p%d","data":{"userName":"p%d"}}`, i-400, i-400)
		})
	}, 800, 0},
	{"1000 failing operations", func() string {
		return bulkOf(1000, func(int) string { return `{"method":"DELETE","path":"/Users/x"}` })
	}, 1000, 0},
}

// TestBulkBytes: a /Bulk request costs the handler memory in proportion
// to its body (bounded by MaxBulkPayloadBytes) and its operations
// (MaxBulkOperations), however it is shaped: each operation's data,
// resolved, is held to MaxBodyBytes; references are listed once each and
// resolved into one copy of the operation's data; the operations run in
// an order found once. At most 64 bytes are allocated a byte of the body
// (what decoding a body of small objects costs any request; less for a
// shape's perByte) and 8 KiB an operation (its dispatch as a request of its own). Counted, not timed:
// allocations are deterministic.
func TestBulkBytes(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	e := newEnv(t)
	for _, sh := range bulkShapes {
		t.Run(sh.name, func(t *testing.T) {
			body := sh.body()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			w := e.bulk(body)
			runtime.ReadMemStats(&after)
			require.Equal(t, 200, w.Code, "%.300s", w.Body.String())
			allocated := float64(after.TotalAlloc - before.TotalAlloc)
			perByte := cmp.Or(sh.perByte, 64)
			bound := perByte*float64(len(body)) + 8<<10*float64(sh.ops)
			t.Logf("%d bytes, %d operations: %.0f bytes allocated (%.1f a byte of the body)", len(body), sh.ops, allocated, allocated/float64(len(body)))
			assert.LessOrEqual(t, allocated, bound)
		})
	}
}

// bulk posts body to /Bulk with the env's token.
func (e *env) bulk(body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "http://app.example.com/Bulk", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+e.token)
	r.Header.Set("Content-Type", "application/scim+json")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// BenchmarkBulkReferences is a /Bulk of many distinct references in one
// operation's data, and one of operations each waiting for hundreds of
// others: what listing references in a list and scanning every
// operation's waits for each operation run cost the square of.
func BenchmarkBulkReferences(b *testing.B) {
	for _, sh := range []struct{ name, body string }{
		{"distinct=20000", bulkOf(1, func(int) string {
			return `{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"g","x":[` + joined(20000, func(j int) string { return fmt.Sprintf(`"bulkId:%d"`, j) }) + `]}}`
		})},
		{"waits=200x200", bulkOf(400, func(i int) string {
			if i < 200 {
				return fmt.Sprintf(`{"method":"PATCH","path":"/Groups/x%d","data":{"x":[`, i) + joined(200, func(j int) string { return fmt.Sprintf(`"bulkId:p%d"`, j) }) + `]}}`
			}
			return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"p%d","data":{"userName":"p%d"}}`, i-200, i-200)
		})},
	} {
		b.Run(sh.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				e := newEnv(b) // a fresh store: the creates succeed every time
				b.StartTimer()
				w := e.bulk(sh.body)
				require.Equal(b, 200, w.Code)
			}
		})
	}
}

// TestBulkSuccessBodiesNotKept: a /Bulk operation that succeeds answers
// status, location and version only (RFC 7644 §3.7.3), so the response
// body its dispatch as a request of its own writes is not kept: each
// one's was buffered, then thrown away. Counted, not timed: 200 creates
// of users of 4 KB allocate at most 56 KiB an operation (54 KiB; 59 KiB
// when the bodies were buffered).
func TestBulkSuccessBodiesNotKept(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	x := strings.Repeat("x", 500)
	body := bulkOf(200, func(i int) string {
		return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"u%d","data":{"userName":"u%d","displayName":%q,"nickName":%q,"title":%q,"profileUrl":%q,"name":{"givenName":%q,"familyName":%q,"middleName":%q,"formatted":%q}}}`, i, i, x, x, x, x, x, x, x, x)
	})
	e := newEnv(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w := e.bulk(body)
	runtime.ReadMemStats(&after)
	require.Equal(t, 200, w.Code, "%.300s", w.Body.String())
	require.Equal(t, 200, strings.Count(w.Body.String(), `"status":"201"`), "%.600s", w.Body.String())
	perOp := float64(after.TotalAlloc-before.TotalAlloc) / 200
	t.Logf("%.0f bytes allocated an operation", perOp)
	assert.LessOrEqual(t, perOp, float64(56<<10))
}
