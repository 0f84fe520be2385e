package account

// Settings are the script-level settings (GET/PATCH .../script-settings): they apply to
// every version and change without a new version.
type Settings struct {
	Logpush       bool           `json:"logpush"`
	Observability map[string]any `json:"observability,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
	TailConsumers []any          `json:"tail_consumers,omitempty"`
	Limits        map[string]any `json:"limits,omitempty"`
	Placement     map[string]any `json:"placement,omitempty"`
}
