package bundle

import (
	"fmt"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/js"
)

// ExportKind is what an export's value is, as far as the bundle shows without running it.
type ExportKind string

// The kinds exportKinds tells apart. Durable Object classes must be KindClass: the runtime
// constructs them with `new` and calls their methods.
const (
	KindClass ExportKind = "class"
	// KindBareClass is a class that extends nothing and has no methods: the runtime can
	// construct it, but it has no handler to call.
	KindBareClass ExportKind = "bare class"
	KindFunction  ExportKind = "function"
	KindObject    ExportKind = "object"
	KindValue     ExportKind = "value" // a literal, an array, a template
	// KindUnknown is computed at run time (a call, an import re-exported, a reassigned
	// variable): nothing is claimed about it.
	KindUnknown ExportKind = "unknown"
)

// maxAliasDepth bounds following `var A = B` chains (a cycle would otherwise never end).
const maxAliasDepth = 16

// topLevel is what a bundled module declares and exports at its top level. esbuild's output
// declares every export at the top level and lists them in one `export { local as name }`
// clause, so the top level is all that needs reading.
type topLevel struct {
	decls   map[string]js.IExpr
	clauses []js.ExportStmt
}

// parseTopLevel parses the bundled module.
func parseTopLevel(code []byte) (*topLevel, error) {
	ast, err := js.Parse(parse.NewInputBytes(code), js.Options{})
	if err != nil {
		return nil, fmt.Errorf("reading the bundle's exports: %w", err)
	}
	decls := map[string]js.IExpr{}
	var clauses []js.ExportStmt
	for _, stmt := range ast.List {
		switch s := stmt.(type) {
		case *js.VarDecl:
			for _, el := range s.List {
				if v, ok := el.Binding.(*js.Var); ok {
					decls[string(v.Name())] = el.Default
				}
			}
		case *js.FuncDecl:
			if s.Name != nil {
				decls[string(s.Name.Name())] = s
			}
		case *js.ClassDecl:
			if s.Name != nil {
				decls[string(s.Name.Name())] = s
			}
		case *js.ExportStmt:
			clauses = append(clauses, *s)
		}
	}
	return &topLevel{decls: decls, clauses: clauses}, nil
}

// exportKinds parses the bundled module and tells, for each exported name, what its value is.
func exportKinds(code []byte) (map[string]ExportKind, error) {
	top, err := parseTopLevel(code)
	if err != nil {
		return nil, err
	}
	return top.exportKinds(), nil
}

// exportKinds tells, for each exported name, what its value is.
func (t *topLevel) exportKinds() map[string]ExportKind {
	decls := t.decls
	exports := map[string]ExportKind{}
	for _, s := range t.clauses {
		switch {
		case s.Decl != nil && s.Default:
			exports["default"] = kindOf(s.Decl, decls, 0)
		case s.Decl != nil:
			// `export class X {}` / `export function f() {}` / `export const a = ...`
			for name, kind := range declared(s.Decl, decls) {
				exports[name] = kind
			}
		default:
			for _, a := range s.List {
				local := a.Binding
				if a.Name != nil {
					local = a.Name
				}
				kind := KindUnknown
				if s.Module == nil {
					kind = kindOf(decls[string(local)], decls, 0)
				}
				exports[string(a.Binding)] = kind
			}
		}
	}
	return exports
}

// defaultValue is the expression the module exports as default; nil when it exports none, or
// re-exports it from another module.
func (t *topLevel) defaultValue() js.IExpr {
	for _, s := range t.clauses {
		if s.Decl != nil && s.Default {
			return s.Decl
		}
		if s.Decl != nil || s.Module != nil {
			continue
		}
		for _, a := range s.List {
			if string(a.Binding) != "default" {
				continue
			}
			local := a.Binding
			if a.Name != nil {
				local = a.Name
			}
			return t.decls[string(local)]
		}
	}
	return nil
}

// defaultHandlers names the handlers the default export offers the runtime (fetch, queue,
// scheduled, ...): the properties of an exported object, or the methods of an exported class.
// known is false when the bundle does not show them without running it: a spread or computed
// name, a class extending a class of the bundle (whose methods it inherits), a value computed at
// run time.
func (t *topLevel) defaultHandlers() (names []string, known bool) {
	e := t.defaultValue()
	for depth := 0; e != nil && depth <= maxAliasDepth; depth++ {
		switch x := e.(type) {
		case *js.ObjectExpr:
			for _, prop := range x.List {
				name := prop.Name
				if method, ok := prop.Value.(*js.MethodDecl); ok && name == nil {
					name = &method.Name.PropertyName // `queue(batch) {}`
				}
				switch {
				case prop.Spread || (name != nil && name.IsComputed()):
					return nil, false
				case name != nil:
					names = append(names, propertyName(name.Literal))
				default:
					v, ok := prop.Value.(*js.Var) // shorthand `{ queue }`
					if !ok {
						return nil, false
					}
					names = append(names, string(v.Name()))
				}
			}
			return names, true
		case *js.ClassDecl:
			if base, ok := x.Extends.(*js.Var); x.Extends != nil && (!ok || t.decls[string(base.Name())] != nil) {
				return nil, false // it inherits what the bundle's base class has
			}
			for _, el := range x.List {
				if el.Method != nil && !el.Method.Static && !el.Method.Name.IsComputed() {
					names = append(names, propertyName(el.Method.Name.Literal))
				}
			}
			return names, true
		case *js.GroupExpr:
			e = x.X
		case *js.Var:
			e = t.decls[string(x.Name())]
		case *js.CallExpr:
			if !isKeepNames(x, t.decls) {
				return nil, false
			}
			e = x.Args.List[0].Value
		default:
			return nil, false
		}
	}
	return nil, false
}

// propertyName is the name a property literal spells: an identifier, or a quoted string.
func propertyName(lit js.LiteralExpr) string {
	name := string(lit.Data)
	if lit.TokenType == js.StringToken && len(name) >= 2 {
		name = name[1 : len(name)-1]
	}
	return name
}

// declared is the names and kinds an exported declaration introduces.
func declared(decl js.IExpr, decls map[string]js.IExpr) map[string]ExportKind {
	out := map[string]ExportKind{}
	switch d := decl.(type) {
	case *js.ClassDecl:
		if d.Name != nil {
			out[string(d.Name.Name())] = classKind(d)
		}
	case *js.FuncDecl:
		if d.Name != nil {
			out[string(d.Name.Name())] = KindFunction
		}
	case *js.VarDecl:
		for _, el := range d.List {
			if v, ok := el.Binding.(*js.Var); ok {
				out[string(v.Name())] = kindOf(el.Default, decls, 0)
			}
		}
	}
	return out
}

// kindOf classifies an expression, following plain aliases (`var A = B`) and esbuild's
// keep-names wrapper (see isKeepNames).
func kindOf(e js.IExpr, decls map[string]js.IExpr, depth int) ExportKind {
	if depth > maxAliasDepth {
		return KindUnknown
	}
	switch x := e.(type) {
	case *js.ClassDecl:
		return classKind(x)
	case *js.FuncDecl, *js.ArrowFunc:
		return KindFunction
	case *js.ObjectExpr:
		return KindObject
	case *js.LiteralExpr, *js.ArrayExpr, *js.TemplateExpr:
		return KindValue
	case *js.GroupExpr:
		return kindOf(x.X, decls, depth+1)
	case *js.Var:
		target, ok := decls[string(x.Name())]
		if !ok {
			return KindUnknown // an import, or a global
		}
		return kindOf(target, decls, depth+1)
	case *js.CallExpr:
		if isKeepNames(x, decls) {
			return kindOf(x.Args.List[0].Value, decls, depth+1)
		}
	}
	return KindUnknown
}

// classKind tells a class that extends something or has methods from a bare one.
func classKind(c *js.ClassDecl) ExportKind {
	if c.Extends != nil {
		return KindClass
	}
	for _, el := range c.List {
		if el.Method != nil {
			return KindClass
		}
	}
	return KindBareClass
}

// isKeepNames recognises esbuild's keep-names wrapper around a value, `__name(value, "name")`
// (minified, `n(value, "name")`): a call of a module-level arrow function with the value and a
// string literal. It returns the value unchanged, so its kind is the value's.
func isKeepNames(call *js.CallExpr, decls map[string]js.IExpr) bool {
	callee, ok := call.X.(*js.Var)
	if !ok || len(call.Args.List) != 2 {
		return false
	}
	if _, arrow := decls[string(callee.Name())].(*js.ArrowFunc); !arrow {
		return false
	}
	lit, ok := call.Args.List[1].Value.(*js.LiteralExpr)
	return ok && lit.TokenType == js.StringToken
}
