// Package layers has no code: its test holds the repository to the map of layers in
// docs/architecture.md, where every import runs down, never back up.
package layers
