package resources

import (
	"bytes"
	"encoding/json"
)

// EqualUsers reports whether ToMap renders a and b as equal documents
// (EqualDocs), meta and the computed groups aside: the writable state of
// a user, which a PUT or PATCH that changes nothing leaves as it is. It
// compares the typed values field by field, without rendering either: the
// handler asks it on every PUT and PATCH. Values ToMap renders alike are
// equal here too (an empty list and no list, strings that differ only in
// bytes that are not UTF-8, extension objects that differ only in their
// JSON spelling).
func EqualUsers(a, b *User) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameStr(a.ID, b.ID) && sameStr(a.ExternalID, b.ExternalID) && sameStr(a.UserName, b.UserName) &&
		sameName(a.Name, b.Name) &&
		sameStr(a.DisplayName, b.DisplayName) && sameStr(a.NickName, b.NickName) &&
		sameStr(a.ProfileURL, b.ProfileURL) && sameStr(a.Title, b.Title) && sameStr(a.UserType, b.UserType) &&
		sameStr(a.PreferredLanguage, b.PreferredLanguage) && sameStr(a.Locale, b.Locale) &&
		sameStr(a.Timezone, b.Timezone) && sameBool(a.Active, b.Active) && sameStr(a.Password, b.Password) &&
		sameList(a.Emails, b.Emails, sameMultiValue) && sameList(a.PhoneNumbers, b.PhoneNumbers, sameMultiValue) &&
		sameList(a.IMs, b.IMs, sameMultiValue) && sameList(a.Photos, b.Photos, sameMultiValue) &&
		sameList(a.Addresses, b.Addresses, sameAddress) && sameList(a.Entitlements, b.Entitlements, sameMultiValue) &&
		sameList(a.Roles, b.Roles, sameMultiValue) && sameList(a.X509Certificates, b.X509Certificates, sameMultiValue) &&
		sameEnterprise(a.Enterprise, b.Enterprise) && sameExtensions(a.Extensions, b.Extensions)
}

// EqualGroups reports whether ToMap renders a and b as equal documents,
// meta aside (members in the same order, each with the same sub-values),
// without rendering either; see EqualUsers.
func EqualGroups(a, b *Group) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameStr(a.ID, b.ID) && sameStr(a.ExternalID, b.ExternalID) && sameStr(a.DisplayName, b.DisplayName) &&
		sameList(a.Members, b.Members, func(x, y *Member) bool {
			return sameStr(x.Value, y.Value) && sameStr(x.Ref, y.Ref) && sameStr(x.Type, y.Type) && sameStr(x.Display, y.Display)
		}) &&
		sameExtensions(a.Extensions, b.Extensions)
}

// EqualGroupAttributes is EqualGroups with the id and the members aside:
// whether a and b hold the same attributes of their own, as a write that
// would replace one with the other changes none.
func EqualGroupAttributes(a, b *Group) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.ID, y.ID, x.Members, y.Members = "", "", nil, nil
	return EqualGroups(&x, &y)
}

// sameStr: ToMap renders a string as jsonString gives it, and leaves an
// empty one out.
func sameStr(a, b string) bool { return a == b || jsonString(a) == jsonString(b) }

func sameBool(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// sameName: a Name with no value is rendered as {}, which is not no name.
func sameName(a, b *Name) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameStr(a.Formatted, b.Formatted) && sameStr(a.FamilyName, b.FamilyName) &&
		sameStr(a.GivenName, b.GivenName) && sameStr(a.MiddleName, b.MiddleName) &&
		sameStr(a.HonorificPrefix, b.HonorificPrefix) && sameStr(a.HonorificSuffix, b.HonorificSuffix)
}

// sameList: an empty list is left out, as no list is.
func sameList[T any](a, b []T, same func(x, y *T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !same(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// EqualMultiValues reports whether two lists of multi-valued attribute
// values (emails, phoneNumbers, ...) render the same document, in the
// sense of EqualUsers.
func EqualMultiValues(a, b []MultiValue) bool { return sameList(a, b, sameMultiValue) }

func sameMultiValue(a, b *MultiValue) bool {
	return sameStr(a.Value, b.Value) && sameStr(a.Display, b.Display) && sameStr(a.Type, b.Type) && sameBool(a.Primary, b.Primary)
}

func sameAddress(a, b *Address) bool {
	return sameStr(a.Formatted, b.Formatted) && sameStr(a.StreetAddress, b.StreetAddress) &&
		sameStr(a.Locality, b.Locality) && sameStr(a.Region, b.Region) && sameStr(a.PostalCode, b.PostalCode) &&
		sameStr(a.Country, b.Country) && sameStr(a.Type, b.Type) && sameBool(a.Primary, b.Primary)
}

// sameEnterprise: an enterprise extension with no value still puts its URN
// in schemas, and a manager with none is rendered as {}.
func sameEnterprise(a, b *EnterpriseUser) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !sameStr(a.EmployeeNumber, b.EmployeeNumber) || !sameStr(a.CostCenter, b.CostCenter) ||
		!sameStr(a.Organization, b.Organization) || !sameStr(a.Division, b.Division) ||
		!sameStr(a.Department, b.Department) || !sameExtensions(a.Extra, b.Extra) {
		return false
	}
	if a.Manager == nil || b.Manager == nil {
		return a.Manager == b.Manager
	}
	return sameStr(a.Manager.Value, b.Manager.Value) && sameStr(a.Manager.Ref, b.Manager.Ref) &&
		sameStr(a.Manager.DisplayName, b.Manager.DisplayName)
}

// sameExtensions compares extension objects (or the enterprise
// extension's extra attributes) as putExtensions renders them: decoded,
// so that two spellings of one JSON value are equal; the same bytes are
// compared without decoding. A value that does not decode fails ToMap,
// and so is equal to nothing.
func sameExtensions(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			return false
		}
		if bytes.Equal(x, y) {
			if len(x) == 0 || json.Valid(x) {
				continue
			}
			return false
		}
		dx, errX := decodeRaw(x)
		dy, errY := decodeRaw(y)
		if errX != nil || errY != nil || !equalDoc(dx, dy) {
			return false
		}
	}
	return true
}
