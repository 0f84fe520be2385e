package rules

import (
	"net/http"
	"slices"
)

// Upload is one script upload as the rules see it.
type Upload struct {
	Script   string
	Bindings []Binding
	// Exports lists the new main module's export names; nil means unknown (no export rule).
	Exports    []string
	Migrations *Migrations
}

// Outcome is the account after an accepted upload.
type Outcome struct {
	// Namespaces are all of the account's namespaces after the upload.
	Namespaces []Namespace
	// Tag is the uploaded script's migration tag after the upload.
	Tag string
	// Dropped are the namespaces that deleted_classes ended: their objects' data is gone.
	Dropped []Namespace
}

// CheckUpload applies Cloudflare's rules to an upload: the migration tag precondition, the
// migration steps, the Durable Object bindings and the exports. It returns the account's
// namespaces afterwards, or an *Error. newID makes the stable identity of a new namespace.
func CheckUpload(acct Account, up Upload, newID func() string) (Outcome, error) {
	current := acct.Scripts[up.Script].Tag
	out := Outcome{Namespaces: slices.Clone(acct.Namespaces), Tag: current}
	self := Script{Tag: current, Bindings: up.Bindings, Exports: up.Exports}

	var created, moved []Namespace
	if m := up.Migrations; m != nil {
		if m.OldTag != current {
			// 412 fits "precondition failed"; some clients report 400 for this code.
			return Outcome{}, &Error{
				Status: http.StatusPreconditionFailed,
				Code:   CodeTagPrecondition,
				Message: "Actor migration tag precondition failed, got tag '" + m.OldTag +
					"' when expected tag is '" + current + "'",
			}
		}
		a := &applier{script: up.Script, ns: out.Namespaces, newID: newID, targets: map[string]bool{}}
		for _, step := range m.Steps {
			if err := a.step(step); err != nil {
				return Outcome{}, err
			}
		}
		out.Namespaces, out.Dropped, created, moved = a.ns, a.dropped, a.created, a.moved
		if m.NewTag != "" {
			out.Tag = m.NewTag
		}
	}

	// The world after the upload: the other scripts as they are, this script as uploaded.
	after := Account{Scripts: make(map[string]Script, len(acct.Scripts)+1), Namespaces: out.Namespaces}
	for name, s := range acct.Scripts {
		after.Scripts[name] = s
	}
	after.Scripts[up.Script] = self

	// A class whose objects go away (deleted) or move (transferred) must not stay bound, or the
	// binding would dangle.
	for _, n := range out.Dropped {
		if _, ok := boundBy(after, n.Script, n.Class); ok {
			return Outcome{}, badRequest(CodeBinding,
				"Cannot apply --delete-class migration to class '%s' without also removing the binding that references it.", n.Class)
		}
	}
	for _, n := range moved {
		if _, ok := boundBy(after, n.Script, n.Class); ok {
			// Cloudflare's text for a bound transfer source could not be confirmed; this mirrors the
			// documented delete-class message, since the source class ends the same way.
			return Outcome{}, badRequest(CodeBinding,
				"Cannot apply --transfer-class migration to class '%s' of script '%s' without also removing the binding that references it.",
				n.Class, n.Script)
		}
	}

	for _, n := range created {
		if !self.exports(n.Class) {
			// Cloudflare's exact text for an unexported new class is unconfirmed: 10074 is the code of
			// the other invalid new-class migrations.
			return Outcome{}, badRequest(CodeMigration,
				"Cannot apply %s migration to class '%s' that is not exported by the script", newKind(n.SQLite), n.Class)
		}
	}

	for _, b := range up.Bindings {
		if b.Type != BindingDurableObject {
			continue
		}
		if err := checkBinding(after, up.Script, b); err != nil {
			return Outcome{}, err
		}
	}

	for _, n := range out.Namespaces {
		if n.Script == up.Script && !self.exports(n.Class) {
			return Outcome{}, badRequest(CodeNotExported,
				"New version of script does not export class '%s' which is depended on by existing Durable Objects", n.Class)
		}
	}
	return out, nil
}

// checkBinding applies the binding rules to one Durable Object binding of script owner.
func checkBinding(after Account, owner string, b Binding) error {
	target := b.Target(owner)
	host, ok := after.Scripts[target]
	if !ok {
		return badRequest(CodeBinding, "Cannot create binding for class in script '%s' that does not exist", target)
	}
	if _, ok := after.find(target, b.ClassName); !ok {
		return badRequest(CodeBinding,
			"Cannot create binding for class '%s' because it is not currently configured to implement Durable Objects. Ensure a --new-class migration has been applied to it.",
			b.ClassName)
	}
	if !host.exports(b.ClassName) {
		return badRequest(CodeBinding, "Cannot create binding for class '%s' that is not exported by the script", b.ClassName)
	}
	return nil
}

// boundBy reports a script whose Durable Object binding points at class of script.
func boundBy(acct Account, script, class string) (string, bool) {
	names := make([]string, 0, len(acct.Scripts))
	for name := range acct.Scripts {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic messages
	for _, name := range names {
		for _, b := range acct.Scripts[name].Bindings {
			if b.Type == BindingDurableObject && b.Target(name) == script && b.ClassName == class {
				return name, true
			}
		}
	}
	return "", false
}

func newKind(sqlite bool) string {
	if sqlite {
		return "new-sqlite-class"
	}
	return "new-class"
}

// applier runs migration steps against a working copy of the namespaces.
type applier struct {
	script  string
	ns      []Namespace
	newID   func() string
	targets map[string]bool // classes already named by a step of this upload
	created []Namespace     // namespaces new in this upload
	moved   []Namespace     // transferred namespaces, as they were before the move
	dropped []Namespace
}

func (a *applier) step(s Step) error {
	for _, c := range s.NewClasses {
		if err := a.create(c, false); err != nil {
			return err
		}
	}
	for _, c := range s.NewSQLiteClasses {
		if err := a.create(c, true); err != nil {
			return err
		}
	}
	for _, r := range s.RenamedClasses {
		if err := a.rename(r); err != nil {
			return err
		}
	}
	for _, c := range s.DeletedClasses {
		if err := a.delete(c); err != nil {
			return err
		}
	}
	for _, t := range s.TransferredClasses {
		if err := a.transfer(t); err != nil {
			return err
		}
	}
	return nil
}

// target records that a step names class, which Cloudflare allows once per upload.
func (a *applier) target(class string) error {
	if class == "" {
		return badRequest(CodeMigration, "migration step names a class with an empty name")
	}
	if a.targets[class] {
		return badRequest(CodeMigration, "class '%s' cannot be the target of more than one migration", class)
	}
	a.targets[class] = true
	return nil
}

func (a *applier) index(script, class string) int {
	return slices.IndexFunc(a.ns, func(n Namespace) bool { return n.Script == script && n.Class == class })
}

func (a *applier) create(class string, sqlite bool) error {
	if err := a.target(class); err != nil {
		return err
	}
	kind := newKind(sqlite)
	if i := a.index(a.script, class); i >= 0 {
		if a.ns[i].SQLite != sqlite {
			// A class's storage backend can never change. Cloudflare's text for this case is
			// unconfirmed; the code and the start of the message are those of an existing class.
			return badRequest(CodeMigration,
				"Cannot apply %s migration to class '%s' that is already depended on by existing Durable Objects: its storage backend (%s) cannot be changed",
				kind, class, backend(a.ns[i].SQLite))
		}
		return badRequest(CodeMigration,
			"Cannot apply %s migration to class '%s' that is already depended on by existing Durable Objects", kind, class)
	}
	n := Namespace{ID: a.newID(), Script: a.script, Class: class, SQLite: sqlite}
	a.ns = append(a.ns, n)
	a.created = append(a.created, n)
	return nil
}

func backend(sqlite bool) string {
	if sqlite {
		return "SQLite"
	}
	return "key-value"
}

// unknown is the rejection of a step that names a class the script does not have. Cloudflare's
// text is confirmed for delete-class; rename and transfer use the same shape.
func unknown(kind, class, script string) error {
	return badRequest(CodeMigration,
		"Cannot apply %s migration to class '%s' which was not exported in the previous version of the script '%s'", kind, class, script)
}

func (a *applier) rename(r Rename) error {
	if err := a.target(r.From); err != nil {
		return err
	}
	if err := a.target(r.To); err != nil {
		return err
	}
	i := a.index(a.script, r.From)
	if i < 0 {
		return unknown("rename-class", r.From, a.script)
	}
	if a.index(a.script, r.To) >= 0 {
		return badRequest(CodeMigration,
			"Cannot apply rename-class migration to class '%s' that is already depended on by existing Durable Objects", r.To)
	}
	a.ns[i].Class = r.To // same ID: the objects and their data follow the new name
	return nil
}

func (a *applier) delete(class string) error {
	if err := a.target(class); err != nil {
		return err
	}
	i := a.index(a.script, class)
	if i < 0 {
		return unknown("delete-class", class, a.script)
	}
	a.dropped = append(a.dropped, a.ns[i])
	a.ns = slices.Delete(a.ns, i, i+1)
	return nil
}

func (a *applier) transfer(t Transfer) error {
	if err := a.target(t.To); err != nil {
		return err
	}
	if t.FromScript == "" || t.FromScript == a.script {
		return badRequest(CodeMigration,
			"Cannot apply transfer-class migration to class '%s': from_script must name another script (use renamed_classes within a script)", t.From)
	}
	i := a.index(t.FromScript, t.From)
	if i < 0 {
		return unknown("transfer-class", t.From, t.FromScript)
	}
	if a.index(a.script, t.To) >= 0 {
		return badRequest(CodeMigration,
			"Cannot apply transfer-class migration to class '%s' that is already depended on by existing Durable Objects", t.To)
	}
	a.moved = append(a.moved, a.ns[i])
	a.ns[i].Script, a.ns[i].Class = a.script, t.To // same ID: the data moves with the class
	return nil
}
