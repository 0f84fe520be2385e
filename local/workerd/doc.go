// Package workerd runs uploaded Workers on Cloudflare's open-source runtime for the local
// Cloudflare: it finds the workerd binary, turns a set of scripts into a workerd config (one
// Value tree, given to workerd as a binary Cap'n Proto message on stdin and written as text for
// people) and supervises the workerd processes that serve them: the scripts are split into
// shards of one process each, so that a change reloads only the shards it touches; a process is
// restarted when it dies. A spare workerd, loaded and waiting for its config, takes the next
// reload (spare.go).
//
// Layout of Options.Dir:
//
//	storage/        Durable Object data, one directory per namespace (named by its unique key)
//	gen/<shard>/<id>/  one generated config (config.capnp plus module files, the text form of
//	                   what the process runs) per reload of a shard; only the one serving is kept
package workerd
