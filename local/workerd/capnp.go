package workerd

import (
	"encoding/json"
	"fmt"
	"strings"

	"capnproto.org/go/capnp/v3"
)

// Value is a Cap'n Proto value of the config, built by the constructors below; the zero Value is
// an empty struct. One tree gives both forms of a config: the text that people read
// (config.capnp) and the binary message workerd runs (encode).
type Value struct {
	kind   valueKind
	text   string // textValue, embedValue (the content)
	file   string // embedValue: the file the text form embeds the content from
	b      bool
	fields []Field
	items  []Value
	// lines puts one field per line in the text form (a Worker's fields).
	lines bool
}

type valueKind int

const (
	structValue valueKind = iota
	textValue
	boolValue
	listValue
	// embedValue is text that the text form reads from a file (`embed "file"`), so config.capnp
	// stays readable however long the scripts are.
	embedValue
)

// Text is a text (string) value.
func Text(s string) Value { return Value{kind: textValue, text: s} }

// Bool is a boolean value.
func Bool(b bool) Value { return Value{kind: boolValue, b: b} }

// Field is one field of a Struct.
type Field struct {
	Name  string
	Value Value
}

// Struct is a struct value with the fields in the order given.
func Struct(fields ...Field) Value { return Value{kind: structValue, fields: fields} }

// List is a list value.
func List(items ...Value) Value { return Value{kind: listValue, items: items} }

// embed is content the text form embeds from file.
func embed(file string, content []byte) Value {
	return Value{kind: embedValue, text: string(content), file: file}
}

// String is the value as the text config spells it.
func (v Value) String() string { return v.render() }

// MarshalJSON is the value's text form, so that a script's digest (config.go), which hashes the
// script's JSON, changes with a binding's value: a value change alone must restart the shard.
// An embedded value is spelled by its file, whose content is hashed apart (the modules).
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(v.render()) }

func (v Value) render() string {
	switch v.kind {
	case textValue:
		return capnpString(v.text)
	case embedValue:
		return "embed " + capnpString(v.file)
	case boolValue:
		return fmt.Sprint(v.b)
	case listValue:
		items := make([]string, len(v.items))
		for i, item := range v.items {
			items[i] = item.render()
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	items := make([]string, len(v.fields))
	for i, f := range v.fields {
		items[i] = f.Name + " = " + f.Value.render()
	}
	if v.lines {
		return "(\n      " + strings.Join(items, ",\n      ") + "\n    )"
	}
	return "(" + strings.Join(items, ", ") + ")"
}

// capnpString quotes s as a Cap'n Proto text literal. Everything outside printable ASCII is
// written as a \xNN escape, so the literal is plain ASCII whatever s holds (control bytes, quotes,
// non-UTF-8) and the parser turns it back into exactly the bytes of s.
func capnpString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// encode writes root, a Config, as the binary message `workerd serve --binary` reads.
func encode(root Value) ([]byte, error) {
	msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		return nil, fmt.Errorf("encoding workerd config: %w", err)
	}
	st, err := capnp.NewRootStruct(seg, configLayout.size)
	if err != nil {
		return nil, fmt.Errorf("encoding workerd config: %w", err)
	}
	if err := setFields(st, configLayout, root); err != nil {
		return nil, fmt.Errorf("encoding workerd config: %w", err)
	}
	return msg.Marshal()
}

// setFields writes v's fields into st, a struct (or the struct holding a group) of layout l.
func setFields(st capnp.Struct, l *layout, v Value) error {
	if v.kind == textValue && l.fromText != "" {
		v = Struct(Field{l.fromText, v})
	}
	if v.kind != structValue {
		return fmt.Errorf("%s: want a struct, have %s", l.name, v.render())
	}
	for _, f := range v.fields {
		fl, ok := l.fields[f.Name]
		if !ok {
			return fmt.Errorf("%s.%s: no such field in the layout this package knows (layout.go)", l.name, f.Name)
		}
		if fl.tag != nil {
			st.SetUint16(fl.tag.at, fl.tag.value)
		}
		if err := setField(st, fl, f.Value); err != nil {
			return fmt.Errorf("%s.%s: %w", l.name, f.Name, err)
		}
	}
	return nil
}

func setField(st capnp.Struct, fl field, v Value) error {
	seg := st.Segment()
	switch fl.typ {
	case textField:
		if v.kind != textValue && v.kind != embedValue {
			return fmt.Errorf("want text, have %s", v.render())
		}
		return st.SetNewText(fl.ptr, v.text)
	case boolField:
		if v.kind != boolValue {
			return fmt.Errorf("want a bool, have %s", v.render())
		}
		st.SetBit(fl.bit, v.b)
		return nil
	case groupField:
		return setFields(st, fl.elem, v)
	case structField:
		child, err := capnp.NewStruct(seg, fl.elem.size)
		if err != nil {
			return err
		}
		if err := setFields(child, fl.elem, v); err != nil {
			return err
		}
		return st.SetPtr(fl.ptr, child.ToPtr())
	}
	if v.kind != listValue {
		return fmt.Errorf("want a list, have %s", v.render())
	}
	n := int32(len(v.items))
	if fl.typ == textListField {
		list, err := capnp.NewTextList(seg, n)
		if err != nil {
			return err
		}
		for i, item := range v.items {
			if item.kind != textValue {
				return fmt.Errorf("item %d: want text, have %s", i, item.render())
			}
			if err := list.Set(i, item.text); err != nil {
				return err
			}
		}
		return st.SetPtr(fl.ptr, list.ToPtr())
	}
	list, err := capnp.NewCompositeList(seg, fl.elem.size, n)
	if err != nil {
		return err
	}
	for i, item := range v.items {
		if err := setFields(list.Struct(i), fl.elem, item); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return st.SetPtr(fl.ptr, list.ToPtr())
}
