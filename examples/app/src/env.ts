// Env is what the app's Worker finds in env: one field per binding declared in stack/stack.go.
// The Go program declares the bindings, so the Worker code reads them loosely typed.
export type Env = Record<string, any>;
