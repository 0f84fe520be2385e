// lumier for TypeScript programs: `import { $config, Worker, DurableObject } from "lumier"`.
// The generated SDK (components, the Script resource, provider) is @lumier-dev/lumier.
export * from "./config";
export { printDeclarations } from "./declarations";
