package memory

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRecSet holds fileRec and unfileRec to a map of sets: after each step
// of each sequence, every key holds the same records, and a key with none
// is gone from the index.
func TestRecSet(t *testing.T) {
	a, b, c := &userRec{seq: 1}, &userRec{seq: 2}, &userRec{seq: 3}
	type step struct {
		file bool
		key  string
		r    *userRec
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"one in, one out", []step{{true, "k", a}, {false, "k", a}}},
		{"filed twice", []step{{true, "k", a}, {true, "k", a}, {false, "k", a}}},
		{"another removed", []step{{true, "k", a}, {false, "k", b}, {false, "x", a}}},
		{"two, the first out", []step{{true, "k", a}, {true, "k", b}, {false, "k", a}, {true, "k", c}, {false, "k", b}, {false, "k", c}}},
		{"three, back to one, then two", []step{{true, "k", a}, {true, "k", b}, {true, "k", c}, {false, "k", b}, {false, "k", c}, {true, "k", b}}},
		{"two keys", []step{{true, "k", a}, {true, "j", a}, {true, "j", b}, {false, "k", a}, {false, "j", b}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			idx := map[string]recSet[*userRec]{}
			want := map[string]map[*userRec]struct{}{}
			for i, s := range tt.steps {
				if s.file {
					fileRec(idx, s.key, s.r)
					addToSet(want, s.key, s.r)
				} else {
					unfileRec(idx, s.key, s.r)
					removeFromSet(want, s.key, s.r)
				}
				assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(idx)), "step %d", i)
				for k, set := range want {
					assert.ElementsMatch(t, slices.Collect(maps.Keys(set)), slices.Collect(idx[k].all()), "step %d, key %s", i, k)
					assert.Equal(t, len(set), idx[k].len(), "step %d, key %s", i, k)
				}
			}
		})
	}
}
