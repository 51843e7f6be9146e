package resources

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEachStringWalksEveryField gives every string field a User reaches
// (through its pointers and one element of each list) a value of its own
// and holds EachString to passing each of them: a string field added to
// the types and not to EachString fails here. Meta, Extensions and
// Enterprise.Extra are left out, as EachString's contract says.
func TestEachStringWalksEveryField(t *testing.T) {
	u := &User{}
	var want []string
	var fill func(v reflect.Value, path string)
	fill = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.String:
			s := path + "#" + strconv.Itoa(len(want))
			v.SetString(s)
			want = append(want, s)
		case reflect.Pointer:
			if v.Type().Elem().Kind() == reflect.Struct {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem(), path)
			}
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fill(v.Index(0), path+"[0]")
		case reflect.Struct:
			for i := range v.NumField() {
				name := v.Type().Field(i).Name
				if name == "Meta" || name == "Extensions" || name == "Extra" {
					continue
				}
				fill(v.Field(i), path+"."+name)
			}
		}
	}
	fill(reflect.ValueOf(u).Elem(), "User")
	require.Greater(t, len(want), 40, "the walk reached the nested types")

	var got []string
	require.True(t, u.EachString(func(s string) bool { got = append(got, s); return true }))
	assert.ElementsMatch(t, want, got)

	for stop := range want {
		n := 0
		assert.False(t, u.EachString(func(string) bool { n++; return n <= stop }), "f's false at call %d ends the walk", stop+1)
		assert.Equal(t, stop+1, n, "no call after the false one")
	}
}
