// Package workerd runs uploaded Workers on Cloudflare's open-source runtime for the local
// Cloudflare: it finds the workerd binary, turns a set of scripts into a workerd config (Cap'n
// Proto text) and supervises one workerd process that serves all of them, reloading it when the
// set changes and restarting it when it dies.
//
// Layout of Options.Dir:
//
//	storage/        Durable Object data, one directory per namespace (named by its unique key)
//	gen/<id>/       one generated config (config.capnp plus module files) per Apply; only the
//	                one currently serving is kept
package workerd
