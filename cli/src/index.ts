// @pgstack/cli: the commands behind `npm run dev` and, later, init, migrate, gen types.
export { dev } from './dev.ts'
export { loadSecrets, writeStackInfo, type StackInfo, type ProjectSecrets } from './project-state.ts'
