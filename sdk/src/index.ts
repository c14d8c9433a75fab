// @pgstack/sdk: the same public door as @pgstack/sdk/pgstack. The React and Solid bindings are
// separate subpaths so that neither framework is pulled into apps that do not use it.
export * from './pgstack.ts'
