// @pgstack/cli: the `pgstack` command line (bin: bin/pgstack.mjs → src/main.ts or dist/main.js).
// Exported for the repository's own scripts and tests; apps run the bin.
export { loadSecrets, writeStackInfo, type StackInfo, type ProjectSecrets } from './project-state.ts'
export { loadProject, type Project } from './project.ts'
