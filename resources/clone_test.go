package resources

import (
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
)

// cloneUsers are users whose copies TestUserCloneShares and
// TestUserCloneAllocations check: nil and empty slices, the inline
// elements of userBlock and past them, primary flags past its four.
func cloneUsers() map[string]*User {
	mv := func(vals ...string) []MultiValue {
		out := make([]MultiValue, len(vals))
		for i, v := range vals {
			out[i] = MultiValue{Value: v, Type: "t" + v, Primary: Bool(i%2 == 0)}
		}
		return out
	}
	return map[string]*User{
		"zero":         {},
		"empty slices": {UserName: "a", Emails: []MultiValue{}, PhoneNumbers: []MultiValue{}, Addresses: []Address{}, Groups: []GroupRef{}, Roles: []MultiValue{}},
		"load test's": {UserName: "load@example.com", ExternalID: "e", DisplayName: "Load e", Active: Bool(true),
			Name:       &Name{GivenName: "Load", FamilyName: "e", Formatted: "Load e"},
			Emails:     []MultiValue{{Value: "load@example.com", Type: "work", Primary: Bool(true)}},
			Enterprise: &EnterpriseUser{Department: "Load"},
			Meta:       Meta{Version: `W/"1"`}},
		"two values": {UserName: "b", Emails: mv("a"), PhoneNumbers: mv("1")},
		"every multi-valued attribute": {UserName: "c", Active: Bool(false), Name: &Name{GivenName: "C"},
			Emails: mv("a", "b", "c"), PhoneNumbers: mv("1", "2"), IMs: mv("i"), Photos: mv("p", "q"), Entitlements: mv("e"),
			Roles: mv("r", "s"), X509Certificates: mv("x"),
			Addresses: []Address{{Country: "NO", Primary: Bool(true)}, {Country: "SE", Primary: Bool(false)}, {}},
			Groups:    []GroupRef{{Value: "g", Display: "G"}},
			Enterprise: &EnterpriseUser{Manager: &Manager{Value: "m"},
				Extra: map[string]json.RawMessage{"x": json.RawMessage(`"x"`)}},
			Extensions: map[string]json.RawMessage{"urn:x": json.RawMessage(`{"a":1}`), "urn:y": nil}},
	}
}

// TestUserCloneShares: a clone equals its user (nil and empty slices
// kept apart) and shares no pointer, slice array or map with it, the
// primary flags included; appending to one of its slices writes into no
// other.
func TestUserCloneShares(t *testing.T) {
	for name, u := range cloneUsers() {
		t.Run(name, func(t *testing.T) {
			c := u.Clone()
			require.True(t, reflect.DeepEqual(u, c), "the clone equals the user")
			seen := map[uintptr]string{}
			addresses(reflect.ValueOf(u).Elem(), "u", seen)
			mine := map[uintptr]string{}
			addresses(reflect.ValueOf(c).Elem(), "c", mine)
			for p, where := range mine {
				assert.NotContains(t, seen, p, "%s shares memory with the user's %s", where, seen[p])
			}
			for _, s := range []*[]MultiValue{&c.Emails, &c.PhoneNumbers, &c.IMs, &c.Photos, &c.Entitlements, &c.Roles, &c.X509Certificates} {
				if *s != nil {
					*s = append(*s, MultiValue{Value: "appended"})
				}
			}
			c2 := u.Clone()
			for _, s := range [][]MultiValue{c2.Emails, c2.PhoneNumbers, c2.IMs, c2.Photos, c2.Entitlements, c2.Roles, c2.X509Certificates} {
				for _, v := range s {
					assert.NotEqual(t, "appended", v.Value)
				}
			}
			for _, pair := range [][2][]MultiValue{{c.Emails, u.Emails}, {c.PhoneNumbers, u.PhoneNumbers}, {c.Roles, u.Roles}} {
				if len(pair[1]) > 0 {
					assert.Equal(t, pair[1], pair[0][:len(pair[1])], "an append keeps the elements before it")
				}
			}
		})
	}
}

// addresses records the address of every pointer, non-empty slice array
// and map reachable from v, with where it was found.
func addresses(v reflect.Value, where string, out map[uintptr]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out[v.Pointer()] = where
			addresses(v.Elem(), where, out)
		}
	case reflect.Slice:
		if v.Cap() > 0 {
			out[v.Pointer()] = where
		}
		for i := range v.Len() {
			addresses(v.Index(i), where+"["+string(rune('0'+i))+"]", out)
		}
	case reflect.Map:
		if !v.IsNil() {
			out[v.Pointer()] = where
			for it := v.MapRange(); it.Next(); {
				addresses(it.Value(), where+"."+it.Key().String(), out)
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Meta]() {
			return // times hold a *Location that is shared by design
		}
		for i := range v.NumField() {
			addresses(v.Field(i), where+"."+v.Type().Field(i).Name, out)
		}
	}
}

// TestUserCloneAllocations holds Clone to one allocation for a user with
// at most two simple multi-valued elements (the load test's user: name,
// active, one email, the enterprise extension), and one more for a
// slab of more of them.
func TestUserCloneAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	assert.Equal(t, uintptr(896), unsafe.Sizeof(userBlock{}), "userBlock is the size of an allocator size class")
	users := cloneUsers()
	for name, want := range map[string]float64{"zero": 1, "load test's": 1, "two values": 1} {
		u := users[name]
		assert.Equal(t, want, testing.AllocsPerRun(100, func() { _ = u.Clone() }), name)
	}
	slab := &User{Emails: make([]MultiValue, 3)}
	assert.Equal(t, 2.0, testing.AllocsPerRun(100, func() { _ = slab.Clone() }), "three values: the block and a slab")
}
