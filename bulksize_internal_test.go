package scim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResolvedSizeAtLeast: the size runBulkOp refuses an operation's
// data by, before copying it, is never more than its encoding once its
// references are resolved, whatever the resolved ids' lengths, escapes
// and PATCH path filters: it refuses only data that could not fit.
func TestResolvedSizeAtLeast(t *testing.T) {
	created := map[string]string{"a": "2819c223-7f76-453a-919d-413861904646", "s": "1", "h": "<&>\u2028"}
	for _, tc := range []struct {
		name string
		data string
		want int64 // the bound; 0: only checked against the encoding
	}{
		{"a reference", `"bulkId:a"`, 38},
		{"a shorter id", `["bulkId:s","bulkId:s"]`, 9},
		{"an id that escapes", `{"k":"bulkId:h"}`, 0},
		{"unresolved", `["bulkId:x",null,true,1.5,"é"]`, 0},
		{"empty", `{"a":[],"b":{}}`, 0},
		{"a PATCH path's filter", `{"Operations":[{"op":"remove","path":"members[value eq \"bulkId:s\"]"}]}`, 0},
		{"nested", `{"members":[{"value":"bulkId:a"},{"value":"bulkId:a","display":"x"}],"displayName":"g"}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data any
			require.NoError(t, json.Unmarshal([]byte(tc.data), &data))
			got := resolvedSizeAtLeast(data, created)
			resolve := func(s string) string { out, _ := resolveRef(created, s); return out }
			resolved := resolveBulkData(data, resolve)
			eachPatchPath(resolved, func(p string) string { return resolvePathFilter(p, resolve) })
			enc, err := json.Marshal(resolved)
			require.NoError(t, err)
			assert.LessOrEqual(t, got, int64(len(enc)), "%s", enc)
			if tc.want != 0 {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}
