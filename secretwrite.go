package scim

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// A secret is an attribute or sub-attribute returned "never" (RFC 7643
// §2.4): the password, and any of a host's extensions so declared. Its
// value is never answered and a filter comparing it is refused, so that a
// client cannot test guesses at it. A write that leaves a resource as it
// was keeps its version and appends no feed entry (providers resend
// unchanged users every cycle), which would test a guess all the same: a
// PATCH replacing the pin with a guess, or removing a code by value,
// would keep the version only when the guess was right (or wrong). So a
// write whose request sends a value for a secret, or removes one (by
// value or not), is a change whatever the stored value is: a new version,
// the events of an update, and a feed entry naming the secret's
// attribute (store.SecretsSent). The password counts only when a hash of
// it is stored (Config.PasswordHasher): without one nothing of it is
// stored, nothing depends on it, and a write sending it alone changes
// nothing, as before (Config.OnPassword still gets it).

// keptSecrets returns of secrets, the top-level attributes holding a
// secret a write's request sent (patch.Engine.ApplyToSecrets,
// kind.sentSecrets), those the store keeps: all but the password when
// there is no PasswordHasher.
func (h *handler) keptSecrets(secrets []string) []string {
	if !slices.ContainsFunc(secrets, h.dropsSecret) {
		return secrets
	}
	return slices.DeleteFunc(slices.Clone(secrets), h.dropsSecret)
}

// dropsSecret reports whether the secret the top-level attribute name
// holds is not stored: the password without a PasswordHasher.
func (h *handler) dropsSecret(name string) bool {
	return name == "password" && !h.storesPasswords()
}

// storesPasswords reports whether a password a client sends is stored (a
// hash of it, Config.PasswordHasher), and so is a secret a write sending
// it changes whatever the stored one: the one rule every write asks.
func (h *handler) storesPasswords() bool { return h.cfg.PasswordHasher != nil }

// secretsSent records secrets as what the write's request sent, for the
// store to list in its feed entry (store.SecretsSent, which update puts in
// the store's context). A change runs it on each run: the last run's
// count.
func secretsSent(ctx context.Context, secrets []string) {
	if st := stateOf(ctx); st != nil && st.passwords != nil && st.passwords.secrets != nil {
		st.passwords.secrets.Attributes = secrets
	}
}

// withSecretsSent readies the store's context of a write of a type with
// secrets (kind.secretWrites): a store.SecretsSent the change fills
// (secretsSent), in the request's state and in the context returned; done
// takes it from the state once the write has returned. A type without
// secrets pays nothing.
func withSecretsSent(ctx context.Context, secretWrites bool) (out context.Context, done func()) {
	st := stateOf(ctx)
	if !secretWrites || st == nil {
		return ctx, func() {}
	}
	sent := new(store.SecretsSent)
	p := st.pw()
	p.secrets = sent
	return store.WithSecretsSent(ctx, sent), func() { p.secrets = nil }
}

// neverHidden reports whether hidden holds an attribute returned "never"
// (not only "request" ones).
func neverHidden(hidden []hiddenAttr) bool {
	return slices.ContainsFunc(hidden, func(h hiddenAttr) bool { return !h.request })
}

// sentSecrets returns the extensions (by URN) of v, the resource a PUT
// sends, that hold a value for a secret: an attribute returned "never",
// or a complex attribute whose value (or one of whose values) gives one
// to a sub-attribute returned "never". A PUT that leaves one out (or
// sends null) keeps the stored value (keepOnReplace) and sends none.
func (k *kind[T]) sentSecrets(v T) []string {
	if !k.secretExts {
		return nil
	}
	var out []string
	k.eachSecretExtension(*k.extensions(v), func(_ string, obj map[string]any, hidden []hiddenAttr) {
		if obj == nil {
			return // not an object: the PUT's checks answer that
		}
		for _, hid := range hidden {
			if hid.request {
				continue
			}
			_, val, _ := names.Key(obj, hid.ref.name)
			if attr, _ := k.rt.Attr(hid.ref.urn, hid.ref.name); attr != nil && attr.GivesSecret(val) {
				out = append(out, hid.ref.urn)
				return
			}
		}
	})
	return out
}

// dropSecrets removes from v, an event's own copy of a resource (emit),
// the values of its extensions' attributes and sub-attributes returned
// "never", as every response leaves them out (projection.apply): Config.
// Events, which hosts log, shows no secret, as it shows no password. An
// extension left without attributes goes, so that "schemas" stops
// listing it; one the store kept unreadable goes whole. A type without
// secrets pays nothing.
func (k *kind[T]) dropSecrets(v T) {
	if !k.secretExts {
		return
	}
	exts := k.extensions(v)
	k.eachSecretExtension(*exts, func(key string, obj map[string]any, hidden []hiddenAttr) {
		doc := map[string]any{key: obj}
		for _, hid := range hidden {
			if hid.request {
				continue
			}
			ref := hid.ref
			ref.urn = key
			hideRef(doc, ref)
		}
		obj, _ = doc[key].(map[string]any) // nil once hideRef emptied it
		b, err := json.Marshal(obj)
		if len(obj) == 0 || err != nil {
			delete(*exts, key)
			return
		}
		(*exts)[key] = b
	})
}

// eachSecretExtension calls fn once for each extension that exts, a
// resource's extensions, holds and whose schema has attributes returned
// "never": with its key as exts spells it, its object decoded once for
// all of them (nil when it is null or no object), and its hidden
// attributes (hiddenAttrs lists an extension's together), those returned
// "request" among them, which fn passes over. sentSecrets and
// dropSecrets read extensions so; it may change exts[key] in fn.
func (k *kind[T]) eachSecretExtension(exts map[string]json.RawMessage, fn func(key string, obj map[string]any, hidden []hiddenAttr)) {
	hidden := k.returned.hidden
	for i := 0; i < len(hidden); {
		urn := hidden[i].ref.urn
		j := i
		for j < len(hidden) && hidden[j].ref.urn == urn {
			j++
		}
		group := hidden[i:j]
		i = j
		if !neverHidden(group) {
			continue
		}
		key, raw, ok := names.Key(exts, urn)
		if !ok {
			continue
		}
		obj, err := resources.DecodeOrNull(raw)
		if err != nil {
			obj = nil
		}
		fn(key, obj, group)
	}
}
