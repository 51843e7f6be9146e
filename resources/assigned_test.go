package resources

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAssigned is the table of what holds a value (Assigned), decoded and
// as JSON text (appendAssigned, which compacts a host's extension): the
// two forms of the one rule must answer alike, and the text kept is the
// value without what holds none.
func TestAssigned(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		held bool
		kept string // appendAssigned's text when held
	}{
		{`null`, false, ""},
		{`""`, false, ""},
		{`[]`, false, ""},
		{`{}`, false, ""},
		{`[null, ""]`, false, ""},
		{`{"floor": "", "building": null}`, false, ""},
		{`{"desk": {"floor": ""}, "tags": [[], {}]}`, false, ""},
		{`"a"`, true, `"a"`},
		{`" "`, true, `" "`},
		{`"\u0000"`, true, `"\u0000"`},
		{`0`, true, `0`},
		{`false`, true, `false`},
		{`1.50`, true, `1.50`},
		{`["", "t", null]`, true, `["t"]`},
		{`{"badge": "", "note": "n", "desk": {"floor": "", "building": "B"}}`, true, `{"note":"n","desk":{"building":"B"}}`},
		{`{"": "x", "b": ""}`, true, `{"":"x"}`},
		{`{"s": "null", "e": "\"\""}`, true, `{"s":"null","e":"\"\""}`},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			var v any
			require.NoError(t, json.Unmarshal([]byte(tc.raw), &v))
			assert.Equal(t, tc.held, Assigned(v), "Assigned")
			assert.Equal(t, tc.held, AssignedJSON([]byte(" "+tc.raw+"\n")), "AssignedJSON")
			kept, held := appendAssigned(nil, []byte(tc.raw))
			assert.Equal(t, tc.held, held, "appendAssigned")
			if tc.held {
				assert.Equal(t, tc.kept, string(kept))
			} else {
				assert.Empty(t, kept)
			}
			if !tc.held {
				assert.True(t, unassignedIn([]byte(tc.raw)), "unassignedIn must find what appendAssigned drops")
			}
		})
	}
	assert.False(t, AssignedJSON(nil), "AssignedJSON of no text")
	assert.False(t, AssignedJSON([]byte(" ")), "AssignedJSON of white space")
}
