package patch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// FuzzApply: any operation list either applies or fails with an *Error;
// Apply never panics and never changes its input.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		`[{"op":"Replace","path":"active","value":"False"}]`,
		`[{"op":"replace","value":{"name.givenName":"A","$ENT:employeeNumber":"7"}}]`,
		`[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"x"}]`,
		`[{"op":"Remove","path":"members","value":[{"value":"2819c223"}]}]`,
		`[{"op":"remove","path":"emails[type eq \"work\" or not (value pr)].primary"}]`,
		`[{"op":"add","path":"$ACME:tags[value eq \"a\"]","value":"a"}]`,
		`[{"op":"replace","path":"$ENT","value":{"manager":"1"}}]`,
	} {
		f.Add(expand(s), false)
		f.Add(expand(s), true)
	}
	f.Fuzz(func(t *testing.T, body string, group bool) {
		var ops []Operation
		if json.Unmarshal([]byte(body), &ops) != nil {
			return
		}
		eng, src := userEng, userJSON
		if group {
			eng, src = groupEng, groupJSON
		}
		doc := mustDoc(src)
		got, err := eng.Apply(doc, ops)
		assert.Equal(t, mustDoc(src), doc)
		if err != nil {
			_, ok := err.(*Error)
			assert.True(t, ok, "%T %v", err, err)
			assert.Nil(t, got)
		}
		if _, _, err := eng.PlanMembers(ops); err != nil {
			_, ok := err.(*Error)
			assert.True(t, ok, "%T %v", err, err)
		}
	})
}
