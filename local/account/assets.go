package account

// AssetsConfig is the upload metadata's assets.config.
type AssetsConfig struct {
	HTMLHandling     string `json:"html_handling,omitempty"`
	NotFoundHandling string `json:"not_found_handling,omitempty"`
	RunWorkerFirst   bool   `json:"run_worker_first,omitempty"`
}

// Assets are a script's assets: the manifest it was uploaded with, and how they are served.
type Assets struct {
	Manifest string       `json:"manifest"`
	Config   AssetsConfig `json:"config"`
}
