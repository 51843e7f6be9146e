package admin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/clienttext"
)

// record adds requests with Status 1..n to tenant's log.
func record(t *testing.T, r admin.RequestLog, tenant string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		require.NoError(t, r.Record(ctx, admin.Request{TenantID: tenant, Status: i, At: t0.Add(time.Duration(i) * time.Second)}))
	}
}

// statuses returns the Status of each entry, which record uses as a
// sequence number.
func statuses(reqs []admin.Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Status
	}
	return out
}

func TestRequestRingOrderAndLimit(t *testing.T) {
	cases := []struct {
		name      string
		perTenant int
		recorded  int
		limit     int
		want      []int
	}{
		{"empty", 3, 0, 10, []int{}},
		{"one", 3, 1, 10, []int{1}},
		{"not full", 3, 2, 0, []int{2, 1}},
		{"exactly full", 3, 3, 0, []int{3, 2, 1}},
		{"wrapped once", 3, 4, 0, []int{4, 3, 2}},
		{"wrapped many times", 3, 10, 0, []int{10, 9, 8}},
		{"limit below size", 3, 10, 2, []int{10, 9}},
		{"limit one", 3, 10, 1, []int{10}},
		{"limit above size", 3, 10, 50, []int{10, 9, 8}},
		{"negative limit means all", 3, 2, -1, []int{2, 1}},
		{"capacity one", 1, 5, 0, []int{5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.NewRequestRing(tc.perTenant)
			record(t, r, "acme", 1, tc.recorded)
			got, err := r.Recent(ctx, "acme", tc.limit)
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tc.want, statuses(got))
		})
	}
}

func TestRequestRingDefaultCapacity(t *testing.T) {
	for _, perTenant := range []int{0, -5} {
		r := admin.NewRequestRing(perTenant)
		record(t, r, "", 1, 250)
		got, err := r.Recent(ctx, "", 0)
		require.NoError(t, err)
		require.Len(t, got, admin.DefaultRequestsPerTenant)
		assert.Equal(t, 250, got[0].Status)
		assert.Equal(t, 151, got[len(got)-1].Status)
	}
}

func TestRequestRingTenants(t *testing.T) {
	r := admin.NewRequestRing(10)
	record(t, r, "a", 1, 3)
	record(t, r, "b", 11, 12)
	record(t, r, "", 21, 21)

	for tenant, want := range map[string][]int{"a": {3, 2, 1}, "b": {12, 11}, "": {21}, "nobody": {}} {
		got, err := r.Recent(ctx, tenant, 0)
		require.NoError(t, err)
		assert.Equal(t, want, statuses(got), tenant)
		for _, g := range got {
			assert.Equal(t, tenant, g.TenantID)
		}
	}
}

func TestRequestRingEvictsLeastRecentlyWrittenTenant(t *testing.T) {
	cases := []struct {
		name   string
		writes []string // tenants written in order
		reads  []string // tenants read after the writes but before "new"
		kept   []string
		gone   []string
	}{
		{"oldest goes", []string{"a", "b", "c"}, nil, []string{"b", "c", "new"}, []string{"a"}},
		{"rewritten tenant stays", []string{"a", "b", "c", "a"}, nil, []string{"a", "c", "new"}, []string{"b"}},
		{"reading does not keep a tenant", []string{"a", "b", "c"}, []string{"a"}, []string{"b", "c", "new"}, []string{"a"}},
		{"under the limit nothing goes", []string{"a", "b"}, nil, []string{"a", "b", "new"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.NewRequestRingLimits(5, 3)
			for i, tenant := range tc.writes {
				record(t, r, tenant, i+1, i+1)
			}
			for _, tenant := range tc.reads {
				_, err := r.Recent(ctx, tenant, 0)
				require.NoError(t, err)
			}
			record(t, r, "new", 100, 100)
			for _, tenant := range tc.kept {
				got, err := r.Recent(ctx, tenant, 0)
				require.NoError(t, err)
				assert.NotEmpty(t, got, tenant)
			}
			for _, tenant := range tc.gone {
				got, err := r.Recent(ctx, tenant, 0)
				require.NoError(t, err)
				assert.Empty(t, got, tenant)
			}
		})
	}
}

func TestRequestRingDefaultTenantLimit(t *testing.T) {
	r := admin.NewRequestRing(1)
	for i := range admin.DefaultMaxTenants + 1 {
		record(t, r, fmt.Sprint("t", i), 1, 1)
	}
	got, err := r.Recent(ctx, "t0", 0)
	require.NoError(t, err)
	assert.Empty(t, got, "the first tenant was evicted")
	got, err = r.Recent(ctx, "t1", 0)
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestRequestRingSanitizes(t *testing.T) {
	token := "scim_" + strings.Repeat("aB3-_", 9)
	long := "/Users?filter=" + strings.Repeat("é", admin.MaxRequestFieldBytes)
	cases := []struct {
		name       string
		in         admin.Request
		path       string
		detail     string
		maxPathLen int
	}{
		{"plain", admin.Request{Path: "/Users?filter=userName%20eq%20%22a%22", Detail: "ok"}, "/Users?filter=userName%20eq%20%22a%22", "ok", 0},
		{"token in query", admin.Request{Path: "/Users?access_token=" + token + "&x=1"}, "/Users?access_token=scim_[REDACTED]&x=1", "", 0},
		{"token in detail", admin.Request{Detail: "bad value " + token + "."}, "", "bad value scim_[REDACTED].", 0},
		{"two tokens", admin.Request{Path: token + "/" + token}, "scim_[REDACTED]/scim_[REDACTED]", "", 0},
		{"short scim_ word kept", admin.Request{Path: "/Users?filter=userName eq \"scim_bob\""}, "/Users?filter=userName eq \"scim_bob\"", "", 0},
		{"prefix at end", admin.Request{Detail: "ends in scim_"}, "", "ends in scim_", 0},
		{"long path cut", admin.Request{Path: long}, "", "", admin.MaxRequestFieldBytes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.NewRequestRing(1)
			require.NoError(t, r.Record(ctx, tc.in))
			got, err := r.Recent(ctx, "", 1)
			require.NoError(t, err)
			require.Len(t, got, 1)
			if tc.maxPathLen > 0 {
				assert.LessOrEqual(t, len(got[0].Path), tc.maxPathLen)
				assert.True(t, utf8.ValidString(got[0].Path))
				assert.True(t, strings.HasSuffix(got[0].Path, "…"))
				assert.True(t, strings.HasPrefix(got[0].Path, "/Users?filter=éé"))
				return
			}
			assert.Equal(t, tc.path, got[0].Path)
			assert.Equal(t, tc.detail, got[0].Detail)
			assert.NotContains(t, got[0].Path+got[0].Detail, token)
		})
	}
}

func TestRequestRingReturnsCopies(t *testing.T) {
	r := admin.NewRequestRing(5)
	record(t, r, "", 1, 2)
	got, err := r.Recent(ctx, "", 0)
	require.NoError(t, err)
	got[0].Status = 999
	again, err := r.Recent(ctx, "", 0)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1}, statuses(again))
}

func TestRequestRingConcurrent(t *testing.T) {
	r := admin.NewRequestRingLimits(50, 4)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			tenant := fmt.Sprint("t", w%6)
			for i := range 500 {
				assert.NoError(t, r.Record(ctx, admin.Request{TenantID: tenant, Status: i}))
				got, err := r.Recent(ctx, tenant, 10)
				assert.NoError(t, err)
				assert.LessOrEqual(t, len(got), 10)
			}
		})
	}
	wg.Wait()
	total := 0
	for i := range 6 {
		got, err := r.Recent(ctx, fmt.Sprint("t", i), 0)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(got), 50)
		if len(got) > 0 {
			total++
		}
	}
	assert.LessOrEqual(t, total, 4, "never more than maxTenants tenants")
}

func BenchmarkRequestRingRecord(b *testing.B) {
	r := admin.NewRequestRing(100)
	req := admin.Request{TenantID: "acme", Method: "GET", Path: "/Users?filter=userName%20eq%20%22bjensen%22", Status: 200, TokenHint: "scim_…a1B2"}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Record(ctx, req)
	}
}

// TestSanitized: an entry is kept with a token redacted and the value of a
// query parameter that names a secret (the password) concealed, whoever records it
// (the SCIM handler records only sanitized entries).
func TestSanitized(t *testing.T) {
	tok := "scim_" + strings.Repeat("k", 43)
	for _, tc := range []struct{ path, want string }{
		{"/Users?filter=userName+eq+%22bob%22", "/Users?filter=userName+eq+%22bob%22"},
		{"/Users?filter=password+eq+%22Hunter2%22&count=1", "/Users?filter=[REDACTED: names a secret]&count=1"},
		{"/Users?access_token=" + tok, "/Users?access_token=scim_[REDACTED]"},
		{"/Users?access_token=eyJhbGciOiJIUzI1NiJ9.e30.sig", "/Users?access_token=[REDACTED: names a secret]"},
	} {
		got := admin.Request{Path: tc.path}.Sanitized()
		assert.Equal(t, tc.want, got.Path, tc.path)
	}
}

// TestSanitizedWith: SanitizedWith conceals the query by the rule it is
// given alone (a model's Secrets.ConcealQuery, which conceals the
// password too), then redacts tokens and clips as Sanitized does; the
// password's rule is not run again on what the model's left.
func TestSanitizedWith(t *testing.T) {
	tok := "scim_" + strings.Repeat("k", 43)
	secrets := clienttext.NewSecrets("pin")
	for _, tc := range []struct{ path, want string }{
		{"/Users?filter=userName+eq+%22bob%22", "/Users?filter=userName+eq+%22bob%22"},
		{"/Users?filter=password+eq+%22Hunter2%22&count=1", "/Users?filter=[REDACTED: names a secret]&count=1"},
		{"/Users?filter=pin+eq+%221234%22&count=1", "/Users?filter=[REDACTED: names a secret]&count=1"},
		{"/Users?access_token=" + tok, "/Users?access_token=scim_[REDACTED]"},
		{"/Users?x=" + strings.Repeat("y", admin.MaxRequestFieldBytes), "/Users?x=" + strings.Repeat("y", admin.MaxRequestFieldBytes-len("/Users?x=")-len("…")) + "…"},
	} {
		got := admin.Request{Path: tc.path}.SanitizedWith(secrets.ConcealQuery)
		assert.Equal(t, tc.want, got.Path, tc.path)
	}
	calls := 0
	got := admin.Request{Path: "/Users?password=x"}.SanitizedWith(func(p string) string { calls++; return p })
	assert.Equal(t, 1, calls)
	assert.Equal(t, "/Users?password=x", got.Path, "the rule given is the one applied, once")
}

// TestSanitizedOnce: an entry is sanitized once on its way to a
// RequestRing, whatever logs hand it on. One Sanitized made (as the SCIM
// handler makes each) is kept as it is, alone, behind an AsyncLog or
// behind a host's log that hands it on: the ring keeps even what was
// changed after Sanitized made it, which sanitized again would be cut.
// Any other entry the ring sanitizes. The entries read back are as a
// hand-written Request, with no mark.
func TestSanitizedOnce(t *testing.T) {
	tok := "scim_" + strings.Repeat("k", 43)
	raw := admin.Request{TenantID: "acme", Method: "GET", Path: "/Users?filter=password+eq+%22Hunter2%22&access_token=" + tok,
		Detail: strings.Repeat("d", 2*admin.MaxRequestFieldBytes), Warnings: []string{"w " + tok}}
	clean := admin.Request{TenantID: "acme", Method: "GET", Path: "/Users?filter=[REDACTED: names a secret]&access_token=scim_[REDACTED]",
		Detail: strings.Repeat("d", admin.MaxRequestFieldBytes-len("…")) + "…", Warnings: []string{"w scim_[REDACTED]"}}
	marked := raw.Sanitized()
	marked.Detail = "changed after Sanitized: " + tok // kept as it is: not sanitized again
	kept := clean
	kept.Detail = marked.Detail
	for _, tc := range []struct {
		name string
		log  func(ring *admin.RequestRing) (admin.RequestLog, func())
	}{
		{"RequestRing", func(ring *admin.RequestRing) (admin.RequestLog, func()) { return ring, func() {} }},
		{"behind an AsyncLog", func(ring *admin.RequestRing) (admin.RequestLog, func()) {
			async := admin.NewAsyncLog(ring, admin.AsyncOptions{})
			return async, func() { require.NoError(t, async.Close(ctx)) }
		}},
		{"behind a host's log", func(ring *admin.RequestRing) (admin.RequestLog, func()) {
			return forwarding{ring}, func() {}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ring := admin.NewRequestRing(10)
			l, done := tc.log(ring)
			require.NoError(t, l.Record(ctx, raw))
			require.NoError(t, l.Record(ctx, marked))
			done()
			got, err := ring.Recent(ctx, "acme", 0)
			require.NoError(t, err)
			assert.Equal(t, []admin.Request{kept, clean}, got, "newest first")
		})
	}

	other := &recording{}
	require.NoError(t, other.Record(ctx, raw.Sanitized()))
	assert.Equal(t, []admin.Request{raw.Sanitized()}, other.got, "another log gets the entry as Sanitized made it")

	// The ring keeps a marked entry without a copy of its warnings, which
	// a second Sanitized would make.
	ring := admin.NewRequestRing(1)
	require.NoError(t, ring.Record(ctx, marked))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = ring.Record(ctx, marked) }))
	assert.NotZero(t, testing.AllocsPerRun(100, func() { _ = ring.Record(ctx, raw) }), "a raw entry is sanitized")
}

// forwarding is a host's RequestLog that hands each entry on.
type forwarding struct{ admin.RequestLog }

// recording is a RequestLog that keeps what Record is handed.
type recording struct{ got []admin.Request }

func (l *recording) Record(_ context.Context, r admin.Request) error {
	l.got = append(l.got, r)
	return nil
}

func (l *recording) Recent(context.Context, string, int) ([]admin.Request, error) { return l.got, nil }

// BenchmarkSanitized is the request log's cost on every logged request
// beyond Record: an identity provider's lookup by userName, as a sync
// cycle sends it, with no token and no password to hide. BENCHMARKS.md
// has the figures.
func BenchmarkSanitized(b *testing.B) {
	req := lookupRequest()
	b.ReportAllocs()
	for b.Loop() {
		_ = req.Sanitized()
	}
}

// BenchmarkSanitizedSecretNames is BenchmarkSanitized as the handler of a
// model with secrets of its own (a pin, a recovery code, returned
// "never") sanitizes the entry: the query searched for them and the
// password in one scan (SanitizedWith its Secrets.ConcealQuery). The
// names are the benchmark's own: nothing is left for the rest of the
// process.
func BenchmarkSanitizedSecretNames(b *testing.B) {
	secrets := clienttext.NewSecrets("pin", "code")
	req := lookupRequest()
	b.ReportAllocs()
	for b.Loop() {
		_ = req.SanitizedWith(secrets.ConcealQuery)
	}
}

// lookupRequest is the entry of an identity provider's lookup by
// userName, as a sync cycle sends it.
func lookupRequest() admin.Request {
	return admin.Request{TenantID: "acme", RequestID: "4f3c2a1b0e9d8c7b", Method: "GET",
		Path: "/Users?filter=userName+eq+%22load000123%40example.com%22&startIndex=1&count=1", Status: 200, TokenHint: "scim_…a1B2"}
}
