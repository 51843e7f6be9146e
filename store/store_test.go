package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/store"
)

// TestMemberSkipsNote: Note keeps each skipped value once, in the order
// given, replaces what an earlier attempt noted, and asks a write to
// stop (ErrUnknownMembers) only when it refuses skips and there is one.
func TestMemberSkipsNote(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  bool
		earlier []string
		skipped []string
		want    []string
		err     error
	}{
		{"none", false, nil, nil, nil, nil},
		{"none, refusing", true, nil, nil, nil, nil},
		{"each once, in order", false, nil, []string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}, nil},
		{"refused", true, nil, []string{"a", "a"}, []string{"a"}, store.ErrUnknownMembers},
		{"an earlier attempt's replaced", false, []string{"x"}, []string{"y"}, []string{"y"}, nil},
		{"an earlier attempt's cleared", false, []string{"x"}, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &store.MemberSkips{Refuse: tc.refuse}
			if tc.earlier != nil {
				_ = m.Note(tc.earlier)
			}
			if err := m.Note(tc.skipped); tc.err == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.err)
			}
			assert.Equal(t, tc.want, m.IDs)
			assert.True(t, m.Filled)
		})
	}
	var none *store.MemberSkips
	assert.NoError(t, none.Note([]string{"a"}), "a nil MemberSkips notes nothing")
}
