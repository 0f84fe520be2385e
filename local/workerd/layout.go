package workerd

import "capnproto.org/go/capnp/v3"

// The wire layout of the part of workerd's config schema (workerd.capnp, shipped in the workerd
// npm package) that the local Cloudflare writes. workerd reads its config as a binary Cap'n Proto
// message from stdin (see spare.go), and a binary message places each field by these offsets, not
// by name. They are what `capnp compile -ocapnp workerd.capnp` prints beside each field (its
// "ptr[n]", "bits[a, b)" and "union tag" comments). Cap'n Proto never moves an existing field, so
// they hold for every later workerd. Only fields the config writes have a line (each is run by a
// test that starts workerd); a field the config starts to use needs its line here, and encode
// refuses a field it has no line for rather than drop it.

// fieldType is how a field is stored.
type fieldType int

const (
	textField       fieldType = iota // Text, in pointer ptr
	boolField                        // Bool, bit bit of the data section
	structField                      // a struct of layout elem, in pointer ptr
	groupField                       // a group: elem's fields live in the enclosing struct
	structListField                  // List(elem), in pointer ptr
	textListField                    // List(Text), in pointer ptr
)

// field is where one named field of a struct lives.
type field struct {
	typ  fieldType
	ptr  uint16
	bit  capnp.BitOffset
	elem *layout
	// tag, when set, makes the field a member of its struct's union: setting it writes value
	// into the 16-bit discriminant at byte offset at.
	tag *unionTag
}

type unionTag struct {
	at    capnp.DataOffset
	value uint16
}

// layout is one struct of the schema.
type layout struct {
	name   string
	size   capnp.ObjectSize
	fields map[string]field
	// fromText names the field a text value sets when one is given for the whole struct: workerd
	// accepts a service's name for a ServiceDesignator.
	fromText string
}

func size(words, ptrs uint16) capnp.ObjectSize {
	return capnp.ObjectSize{DataSize: capnp.Size(words) * 8, PointerCount: ptrs}
}

func text(ptr uint16) field { return field{typ: textField, ptr: ptr} }
func textList(ptr uint16) field {
	return field{typ: textListField, ptr: ptr}
}
func boolAt(bit capnp.BitOffset) field { return field{typ: boolField, bit: bit} }
func structAt(ptr uint16, l *layout) field {
	return field{typ: structField, ptr: ptr, elem: l}
}
func listOf(ptr uint16, l *layout) field {
	return field{typ: structListField, ptr: ptr, elem: l}
}
func group(l *layout) field { return field{typ: groupField, elem: l} }

// member makes f the union member with discriminant value, the tag at byte offset at.
func member(f field, at capnp.DataOffset, value uint16) field {
	f.tag = &unionTag{at: at, value: value}
	return f
}

var (
	headerLayout = &layout{name: "HttpOptions.Header", size: size(0, 2), fields: map[string]field{
		"name": text(0), "value": text(1),
	}}
	httpOptionsLayout = &layout{name: "HttpOptions", size: size(1, 5), fields: map[string]field{
		"injectRequestHeaders": listOf(2, headerLayout),
	}}
	tlsOptionsLayout = &layout{name: "TlsOptions", size: size(1, 3), fields: map[string]field{
		"trustBrowserCas": boolAt(1),
	}}
	serviceDesignatorPropsLayout = &layout{name: "ServiceDesignator.props", fields: map[string]field{
		"json": member(text(2), 0, 1),
	}}
	serviceDesignatorLayout = &layout{name: "ServiceDesignator", size: size(1, 3), fromText: "name", fields: map[string]field{
		"name": text(0), "entrypoint": text(1), "props": group(serviceDesignatorPropsLayout),
	}}
	moduleLayout = &layout{name: "Worker.Module", size: size(1, 3), fields: map[string]field{
		"name":     text(0),
		"esModule": member(text(1), 0, 0),
	}}
	doNamespaceDesignatorLayout = &layout{name: "Worker.Binding.DurableObjectNamespaceDesignator", size: size(0, 3), fields: map[string]field{
		"className": text(0), "serviceName": text(1),
	}}
	wrappedBindingLayout = &layout{name: "Worker.Binding.WrappedBinding", size: size(0, 3), fields: map[string]field{
		"moduleName": text(0), // innerBindings: see init
	}}
	bindingLayout = &layout{name: "Worker.Binding", size: size(1, 6), fields: map[string]field{
		"name":                   text(0),
		"text":                   member(text(1), 0, 2),
		"json":                   member(text(1), 0, 4),
		"service":                member(structAt(1, serviceDesignatorLayout), 0, 7),
		"durableObjectNamespace": member(structAt(1, doNamespaceDesignatorLayout), 0, 8),
		"kvNamespace":            member(structAt(1, serviceDesignatorLayout), 0, 9),
		"r2Bucket":               member(structAt(1, serviceDesignatorLayout), 0, 10),
		"wrapped":                member(structAt(1, wrappedBindingLayout), 0, 12),
		"queue":                  member(structAt(1, serviceDesignatorLayout), 0, 13),
		"analyticsEngine":        member(structAt(1, serviceDesignatorLayout), 0, 15),
	}}
	doNamespaceLayout = &layout{name: "Worker.DurableObjectNamespace", size: size(1, 3), fields: map[string]field{
		"className": text(0),
		"uniqueKey": member(text(1), 0, 0),
		"enableSql": boolAt(17),
	}}
	doStorageLayout = &layout{name: "Worker.durableObjectStorage", fields: map[string]field{
		"localDisk": member(text(8), 2, 2),
	}}
	workerLayout = &layout{name: "Worker", size: size(1, 16), fields: map[string]field{
		"modules":                 member(listOf(0, moduleLayout), 0, 0),
		"compatibilityDate":       text(1),
		"compatibilityFlags":      textList(2),
		"bindings":                listOf(3, bindingLayout),
		"globalOutbound":          structAt(4, serviceDesignatorLayout),
		"durableObjectNamespaces": listOf(5, doNamespaceLayout),
		"durableObjectStorage":    group(doStorageLayout),
		"tails":                   listOf(10, serviceDesignatorLayout),
	}}
	networkLayout = &layout{name: "Network", size: size(0, 3), fields: map[string]field{
		"allow": textList(0), "tlsOptions": structAt(2, tlsOptionsLayout),
	}}
	externalServerLayout = &layout{name: "ExternalServer", size: size(1, 4), fields: map[string]field{
		"address": text(0),
		"http":    member(structAt(1, httpOptionsLayout), 0, 0),
	}}
	diskDirectoryLayout = &layout{name: "DiskDirectory", size: size(1, 1), fields: map[string]field{
		"path": text(0), "writable": boolAt(0),
	}}
	serviceLayout = &layout{name: "Service", size: size(1, 2), fields: map[string]field{
		"name":     text(0),
		"worker":   member(structAt(1, workerLayout), 0, 1),
		"network":  member(structAt(1, networkLayout), 0, 2),
		"external": member(structAt(1, externalServerLayout), 0, 3),
		"disk":     member(structAt(1, diskDirectoryLayout), 0, 4),
	}}
	socketLayout = &layout{name: "Socket", size: size(2, 5), fields: map[string]field{
		"name":    text(0),
		"address": text(1),
		"http":    member(structAt(2, httpOptionsLayout), 0, 0),
		"service": structAt(4, serviceDesignatorLayout),
	}}
	configLayout = &layout{name: "Config", size: size(1, 7), fields: map[string]field{
		"services": listOf(0, serviceLayout),
		"sockets":  listOf(1, socketLayout),
	}}
)

func init() {
	// A wrapped binding's inner bindings are bindings: a cycle a var initializer cannot express.
	wrappedBindingLayout.fields["innerBindings"] = listOf(2, bindingLayout)
}
