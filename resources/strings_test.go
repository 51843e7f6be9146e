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
				return
			}
			if !holdsNoString(v.Type().Elem().Kind()) {
				t.Fatalf("%s: a pointer to %s, which this walk does not fill: teach it (and EachString) the kind", path, v.Type().Elem())
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
		default:
			if !holdsNoString(v.Kind()) {
				t.Fatalf("%s: a field of kind %s, which this walk does not fill: teach it (and EachString) the kind", path, v.Kind())
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

// holdsNoString reports whether a value of kind k can hold no string: a
// boolean or a number. Any other kind the walk meets and does not fill
// (a map, an array, an interface) fails the test, so that a string added
// in such a field cannot go unwalked unnoticed.
func holdsNoString(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
