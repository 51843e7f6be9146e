package resources

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/scimkit/scim/internal/jsonscan"
)

// This file renders User and Group as JSON by appending to a byte slice,
// without reflection. The output is byte for byte what encoding/json gave
// for these types before (the struct tags' names, order and
// omitempty/omitzero rules, strings escaped as encoding/json escapes them
// with HTML escaping on, times as time.Time.MarshalJSON writes them); the
// tests hold it to that reference implementation, and so must every
// change here: a field added to a struct needs its line below.

// MarshalJSON renders the user as a SCIM resource: "schemas" first, then
// the core attributes, the enterprise extension and every other extension
// under its URN. It is AppendJSON(nil).
func (u User) MarshalJSON() ([]byte, error) {
	b, err := u.AppendJSON(make([]byte, 0, u.sizeHint()))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends the SCIM representation of u (what MarshalJSON
// returns) to dst and returns the extended slice, so that a response
// rendering several resources (a list) writes them into one buffer.
//
// "schemas" comes first, computed from the extensions present; then the
// core attributes; then the enterprise extension, compact, as
// encoding/json renders it; then every entry of Extensions under its URN,
// in URN order, written as held (an empty one as null). Extension objects
// are therefore only as compact and valid as the json.RawMessage values
// the user holds: those UserFromMap builds are json.Marshal output.
//
// It fails, returning dst, for a meta time that RFC 3339 cannot write (a
// year outside [0,9999], a zone offset of 24 hours or more) or an
// enterprise Extra value that is not JSON, with the error encoding/json
// reports for them.
func (u *User) AppendJSON(dst []byte) ([]byte, error) {
	orig := dst
	var kb [4]string
	keys := jsonscan.SortedKeys(kb[:0], u.Extensions)
	open := len(dst)
	dst = appendSchemas(dst, `{"schemas":["`+UserSchema+`"`, u.Enterprise != nil, keys)
	dst = appendStringField(dst, open, `"id":`, u.ID)
	dst = appendStringField(dst, open, `"externalId":`, u.ExternalID)
	dst = jsonscan.AppendString(append(dst, `,"userName":`...), u.UserName)
	if u.Name != nil {
		dst = u.Name.appendJSON(append(dst, `,"name":`...))
	}
	dst = appendStringField(dst, open, `"displayName":`, u.DisplayName)
	dst = appendStringField(dst, open, `"nickName":`, u.NickName)
	dst = appendStringField(dst, open, `"profileUrl":`, u.ProfileURL)
	dst = appendStringField(dst, open, `"title":`, u.Title)
	dst = appendStringField(dst, open, `"userType":`, u.UserType)
	dst = appendStringField(dst, open, `"preferredLanguage":`, u.PreferredLanguage)
	dst = appendStringField(dst, open, `"locale":`, u.Locale)
	dst = appendStringField(dst, open, `"timezone":`, u.Timezone)
	if u.Active != nil {
		dst = strconv.AppendBool(append(dst, `,"active":`...), *u.Active)
	}
	dst = appendStringField(dst, open, `"password":`, u.Password)
	dst = appendList(dst, `,"emails":`, u.Emails, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"phoneNumbers":`, u.PhoneNumbers, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"ims":`, u.IMs, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"photos":`, u.Photos, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"addresses":`, u.Addresses, (*Address).appendJSON)
	dst = appendList(dst, `,"groups":`, u.Groups, (*GroupRef).appendJSON)
	dst = appendList(dst, `,"entitlements":`, u.Entitlements, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"roles":`, u.Roles, (*MultiValue).appendJSON)
	dst = appendList(dst, `,"x509Certificates":`, u.X509Certificates, (*MultiValue).appendJSON)
	var err error
	if dst, err = u.Meta.appendField(dst); err != nil {
		return orig, err
	}
	if u.Enterprise != nil {
		if dst, err = u.Enterprise.appendCompact(append(dst, `,"`+EnterpriseUserSchema+`":`...)); err != nil {
			return orig, err
		}
	}
	dst = appendExtensions(dst, keys, u.Extensions)
	return append(dst, '}'), nil
}

// MarshalJSON renders the extension with its Extra attributes after its
// own, in name order, each written as held (an empty one as null).
func (e EnterpriseUser) MarshalJSON() ([]byte, error) {
	return e.appendJSON(make([]byte, 0, 256+rawLen(e.Extra))), nil
}

// sizeHint is a generous estimate of the length of u's JSON, so that
// MarshalJSON allocates once for a typical user.
func (u *User) sizeHint() int {
	n := 512 + rawLen(u.Extensions) + 96*(len(u.Emails)+len(u.PhoneNumbers)+len(u.IMs)+len(u.Photos)+
		len(u.Addresses)+len(u.Groups)+len(u.Entitlements)+len(u.Roles)+len(u.X509Certificates))
	if u.Enterprise != nil {
		n += 256 + rawLen(u.Enterprise.Extra)
	}
	return n
}

func (e *EnterpriseUser) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"employeeNumber":`, e.EmployeeNumber)
	dst = appendStringField(dst, open, `"costCenter":`, e.CostCenter)
	dst = appendStringField(dst, open, `"organization":`, e.Organization)
	dst = appendStringField(dst, open, `"division":`, e.Division)
	dst = appendStringField(dst, open, `"department":`, e.Department)
	if e.Manager != nil {
		dst = e.Manager.appendJSON(append(appendComma(dst, open), `"manager":`...))
	}
	if len(e.Extra) > 0 {
		var kb [4]string
		for _, k := range jsonscan.SortedKeys(kb[:0], e.Extra) {
			dst = jsonscan.AppendString(appendComma(dst, open), k)
			dst = appendRaw(append(dst, ':'), e.Extra[k])
		}
	}
	return append(dst, '}')
}

// appendCompact appends the extension as encoding/json renders a
// *EnterpriseUser: its MarshalJSON output compacted, with HTML characters
// escaped. That is appendJSON unless an Extra value is not compact, clean
// JSON; such a value (rare: a host's own) goes through encoding/json, for
// its exact output or error.
func (e *EnterpriseUser) appendCompact(dst []byte) ([]byte, error) {
	for _, raw := range e.Extra {
		if !isCleanJSON(raw) {
			b, err := json.Marshal(e)
			if err != nil {
				return dst, err
			}
			return append(dst, b...), nil
		}
	}
	return e.appendJSON(dst), nil
}

// MarshalJSON renders the group as a SCIM resource. It is AppendJSON(nil).
func (g Group) MarshalJSON() ([]byte, error) {
	b, err := g.AppendJSON(make([]byte, 0, 256+128*len(g.Members)+rawLen(g.Extensions)))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends the SCIM representation of g (what MarshalJSON
// returns) to dst and returns the extended slice: "schemas" first, then
// the core attributes, then every entry of Extensions under its URN, in
// URN order, written as held (see User.AppendJSON). It fails, returning
// dst, only for a meta time that RFC 3339 cannot write.
func (g *Group) AppendJSON(dst []byte) ([]byte, error) {
	orig := dst
	var kb [4]string
	keys := jsonscan.SortedKeys(kb[:0], g.Extensions)
	open := len(dst)
	dst = appendSchemas(dst, `{"schemas":["`+GroupSchema+`"`, false, keys)
	dst = appendStringField(dst, open, `"id":`, g.ID)
	dst = appendStringField(dst, open, `"externalId":`, g.ExternalID)
	dst = jsonscan.AppendString(append(dst, `,"displayName":`...), g.DisplayName)
	dst = appendList(dst, `,"members":`, g.Members, (*Member).appendJSON)
	var err error
	if dst, err = g.Meta.appendField(dst); err != nil {
		return orig, err
	}
	dst = appendExtensions(dst, keys, g.Extensions)
	return append(dst, '}'), nil
}

// appendSchemas opens a resource's object with its "schemas" list: head
// (`{"schemas":["` and the core schema's URN, quoted), the enterprise
// extension's URN when enterprise, then keys, the URNs of the other
// extensions the resource holds, sorted.
func appendSchemas(dst []byte, head string, enterprise bool, keys []string) []byte {
	dst = append(dst, head...)
	if enterprise {
		dst = append(dst, `,"`+EnterpriseUserSchema+`"`...)
	}
	for _, k := range keys {
		dst = jsonscan.AppendString(append(dst, ','), k)
	}
	return append(dst, ']')
}

func (n *Name) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"formatted":`, n.Formatted)
	dst = appendStringField(dst, open, `"familyName":`, n.FamilyName)
	dst = appendStringField(dst, open, `"givenName":`, n.GivenName)
	dst = appendStringField(dst, open, `"middleName":`, n.MiddleName)
	dst = appendStringField(dst, open, `"honorificPrefix":`, n.HonorificPrefix)
	dst = appendStringField(dst, open, `"honorificSuffix":`, n.HonorificSuffix)
	return append(dst, '}')
}

func (v *MultiValue) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"value":`, v.Value)
	dst = appendStringField(dst, open, `"display":`, v.Display)
	dst = appendStringField(dst, open, `"type":`, v.Type)
	dst = appendPrimary(dst, open, v.Primary)
	return append(dst, '}')
}

// appendPrimary appends "primary" when set, false included.
func appendPrimary(dst []byte, open int, p *bool) []byte {
	switch {
	case p == nil:
		return dst
	case *p:
		return append(appendComma(dst, open), `"primary":true`...)
	}
	return append(appendComma(dst, open), `"primary":false`...)
}

func (a *Address) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"formatted":`, a.Formatted)
	dst = appendStringField(dst, open, `"streetAddress":`, a.StreetAddress)
	dst = appendStringField(dst, open, `"locality":`, a.Locality)
	dst = appendStringField(dst, open, `"region":`, a.Region)
	dst = appendStringField(dst, open, `"postalCode":`, a.PostalCode)
	dst = appendStringField(dst, open, `"country":`, a.Country)
	dst = appendStringField(dst, open, `"type":`, a.Type)
	dst = appendPrimary(dst, open, a.Primary)
	return append(dst, '}')
}

func (r *GroupRef) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = jsonscan.AppendString(append(dst, `{"value":`...), r.Value)
	dst = appendStringField(dst, open, `"$ref":`, r.Ref)
	dst = appendStringField(dst, open, `"display":`, r.Display)
	dst = appendStringField(dst, open, `"type":`, r.Type)
	return append(dst, '}')
}

func (r *Member) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = jsonscan.AppendString(append(dst, `{"value":`...), r.Value)
	dst = appendStringField(dst, open, `"$ref":`, r.Ref)
	dst = appendStringField(dst, open, `"type":`, r.Type)
	dst = appendStringField(dst, open, `"display":`, r.Display)
	return append(dst, '}')
}

func (m *Manager) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"value":`, m.Value)
	dst = appendStringField(dst, open, `"$ref":`, m.Ref)
	dst = appendStringField(dst, open, `"displayName":`, m.DisplayName)
	return append(dst, '}')
}

// appendField appends `,"meta":{...}` unless m is the zero Meta (the
// omitzero rule: every field zero, a time's location included).
func (m *Meta) appendField(dst []byte) ([]byte, error) {
	if *m == (Meta{}) {
		return dst, nil
	}
	orig := dst
	dst = append(dst, `,"meta":`...)
	open := len(dst)
	dst = append(dst, '{')
	dst = appendStringField(dst, open, `"resourceType":`, m.ResourceType)
	var err error
	if !m.Created.IsZero() {
		if dst, err = appendTime(append(appendComma(dst, open), `"created":`...), m.Created); err != nil {
			return orig, err
		}
	}
	if !m.LastModified.IsZero() {
		if dst, err = appendTime(append(appendComma(dst, open), `"lastModified":`...), m.LastModified); err != nil {
			return orig, err
		}
	}
	dst = appendStringField(dst, open, `"location":`, m.Location)
	dst = appendStringField(dst, open, `"version":`, m.Version)
	return append(dst, '}'), nil
}

// appendTime appends t as time.Time.MarshalJSON writes it (RFC 3339 with
// nanoseconds). A time it cannot write gives the error json.Marshal gives
// for it.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	if out, ok := appendUTC(dst, t); ok {
		return out, nil
	}
	out, err := t.AppendText(append(dst, '"'))
	if err != nil {
		_, err = t.MarshalJSON()
		return dst, &json.MarshalerError{Type: reflect.TypeFor[time.Time](), Err: err}
	}
	return append(out, '"'), nil
}

// appendUTC appends a time in UTC whose year has four digits, as stores
// keep meta times, quoted as appendTime would, digit by digit: ok is
// false, and dst unchanged, for any other time. time.Time.AppendText
// finds the date twice and formats through its general layout code, a
// third of a user's encoding.
func appendUTC(dst []byte, t time.Time) ([]byte, bool) {
	if t.Location() != time.UTC {
		return dst, false
	}
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return dst, false
	}
	hour, minute, sec := t.Clock()
	var b [32]byte // "2006-01-02T15:04:05.999999999Z"
	b[0] = '"'
	b[1], b[2], b[3], b[4] = byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10)
	b[5] = '-'
	b[6], b[7] = byte('0'+month/10), byte('0'+month%10)
	b[8] = '-'
	b[9], b[10] = byte('0'+day/10), byte('0'+day%10)
	b[11] = 'T'
	b[12], b[13] = byte('0'+hour/10), byte('0'+hour%10)
	b[14] = ':'
	b[15], b[16] = byte('0'+minute/10), byte('0'+minute%10)
	b[17] = ':'
	b[18], b[19] = byte('0'+sec/10), byte('0'+sec%10)
	n := 20
	if ns := t.Nanosecond(); ns != 0 {
		// Nine digits, trailing zeros dropped (RFC3339Nano's ".999999999").
		b[20] = '.'
		for i := 29; i > 20; i-- {
			b[i] = byte('0' + ns%10)
			ns /= 10
		}
		n = 30
		for b[n-1] == '0' {
			n--
		}
	}
	b[n], b[n+1] = 'Z', '"'
	return append(dst, b[:n+2]...), true
}

// appendComma appends the comma before an object member unless it is the
// first of the object opened ('{') at dst[open].
func appendComma(dst []byte, open int) []byte {
	if len(dst) > open+1 {
		return append(dst, ',')
	}
	return dst
}

// appendStringField appends the member key (`"name":`) with s, unless s
// is empty (omitempty), to the object opened at dst[open].
func appendStringField(dst []byte, open int, key, s string) []byte {
	if s == "" {
		return dst
	}
	return jsonscan.AppendString(append(appendComma(dst, open), key...), s)
}

// appendList appends key (`,"name":`) and the list, unless it is empty
// (omitempty).
func appendList[T any](dst []byte, key string, list []T, elem func(*T, []byte) []byte) []byte {
	if len(list) == 0 {
		return dst
	}
	dst = append(dst, key...)
	for i := range list {
		if i == 0 {
			dst = append(dst, '[')
		} else {
			dst = append(dst, ',')
		}
		dst = elem(&list[i], dst)
	}
	return append(dst, ']')
}

// appendExtensions appends `,"urn":raw` for each of keys.
func appendExtensions(dst []byte, keys []string, exts map[string]json.RawMessage) []byte {
	for _, k := range keys {
		dst = jsonscan.AppendString(append(dst, ','), k)
		dst = appendRaw(append(dst, ':'), exts[k])
	}
	return dst
}

// appendRaw appends raw as held; empty is null.
func appendRaw(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}

// rawLen is about the length of the members of m, to size a buffer.
func rawLen(m map[string]json.RawMessage) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v) + 4
	}
	return n
}

// isCleanJSON reports whether raw is written unchanged by encoding/json's
// compaction with HTML escaping: valid JSON with no whitespace outside
// strings, no '<', '>' or '&' and no U+2028 or U+2029. Empty counts as
// clean: it is written as null.
func isCleanJSON(raw []byte) bool {
	if len(raw) == 0 {
		return true
	}
	in := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '<', '>', '&':
			return false
		case ' ', '\t', '\n', '\r':
			if !in {
				return false
			}
		case '"':
			in = !in
		case '\\':
			i++ // the escaped byte; never '<', '>', '&' or 0xE2 in valid JSON
		case 0xE2:
			if i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8 {
				return false
			}
		}
	}
	return json.Valid(raw)
}
