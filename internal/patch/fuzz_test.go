package patch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// FuzzApply: any request body either fails to decode with an *Error, or
// applies or fails with an *Error; Decode and Apply never panic and Apply
// never changes its input. Bodies go through Decode, the decoder the
// handler runs on every PATCH request.
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
		body := `{"schemas":["` + PatchOpSchema + `"],"Operations":` + expand(s) + `}`
		f.Add(body, false)
		f.Add(body, true)
	}
	f.Fuzz(func(t *testing.T, body string, group bool) {
		ops, _, err := Decode([]byte(body), 1000, nil)
		if err != nil {
			_, ok := err.(*Error)
			assert.True(t, ok, "%T %v", err, err)
			return
		}
		eng, src := userEng, userJSON
		if group {
			eng, src = groupEng, groupJSON
		}
		doc := mustDoc(src)
		got, err := eng.Apply(doc, ops, nil)
		assert.Equal(t, mustDoc(src), doc)
		if err != nil {
			_, ok := err.(*Error)
			assert.True(t, ok, "%T %v", err, err)
			assert.Nil(t, got)
		}
		if _, _, err := eng.PlanMembers(ops, nil); err != nil {
			_, ok := err.(*Error)
			assert.True(t, ok, "%T %v", err, err)
		}
	})
}
