package rules

// Namespace is one Durable Object namespace: a class hosted by a script. ID is stable for the life
// of the namespace: a rename or a transfer keeps it (and with it the objects' data), a delete ends
// it. The local Cloudflare uses ID as workerd's storage key (uniqueKey), which is what makes data
// follow renames and transfers.
type Namespace struct {
	ID     string `json:"id"`
	Script string `json:"script"`
	Class  string `json:"class"`
	SQLite bool   `json:"use_sqlite"`
}

// Name is the namespace's name as Cloudflare lists it: "<script>_<class>".
func (n Namespace) Name() string { return n.Script + "_" + n.Class }

// BindingDurableObject is the metadata type of a Durable Object namespace binding.
const BindingDurableObject = "durable_object_namespace"

// Binding is the part of a script's binding that these rules look at.
type Binding struct {
	Name       string
	Type       string
	ClassName  string
	ScriptName string // empty: the class lives in the binding's own script
}

// Target returns the script that hosts the class a Durable Object binding points at.
func (b Binding) Target(owner string) string {
	if b.ScriptName == "" {
		return owner
	}
	return b.ScriptName
}

// Script is what the rules need to know about a script already on the account.
type Script struct {
	Tag      string
	Bindings []Binding
	// Exports lists the main module's export names; nil means they are unknown, and then no
	// export rule is applied to the script.
	Exports []string
}

// exports reports whether class is exported; unknown exports count as exported.
func (s Script) exports(class string) bool {
	if s.Exports == nil {
		return true
	}
	for _, e := range s.Exports {
		if e == class {
			return true
		}
	}
	return false
}

// Account is the account's state before a request.
type Account struct {
	Scripts    map[string]Script
	Namespaces []Namespace
}

func (a Account) find(script, class string) (Namespace, bool) {
	for _, n := range a.Namespaces {
		if n.Script == script && n.Class == class {
			return n, true
		}
	}
	return Namespace{}, false
}

// Migrations is the "migrations" object of an upload's metadata.
type Migrations struct {
	OldTag string `json:"old_tag"`
	NewTag string `json:"new_tag"`
	Steps  []Step `json:"steps"`
}

// Step is one migration step. A step may carry several kinds; they apply in the order Cloudflare
// documents: new, new SQLite, renamed, deleted, transferred.
type Step struct {
	NewClasses         []string   `json:"new_classes,omitempty"`
	NewSQLiteClasses   []string   `json:"new_sqlite_classes,omitempty"`
	RenamedClasses     []Rename   `json:"renamed_classes,omitempty"`
	DeletedClasses     []string   `json:"deleted_classes,omitempty"`
	TransferredClasses []Transfer `json:"transferred_classes,omitempty"`
}

// Rename renames a class of the uploaded script, keeping its objects.
type Rename struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Transfer moves class From of script FromScript, with its objects, to class To of the uploaded
// script.
type Transfer struct {
	From       string `json:"from"`
	FromScript string `json:"from_script"`
	To         string `json:"to"`
}
