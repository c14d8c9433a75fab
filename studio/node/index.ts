// @pgstack/studio's Node side: where the built Studio lives (for the hub) and how it is built
// (for `npm run dev` and the tests). The browser app itself is src/, built by Vite.
export { STUDIO_APP_DIR, STUDIO_ROOT } from './studio-paths.ts'
export { ensureStudioBuilt, studioBuildCurrent, studioSourceStamp, type EnsureStudioOptions } from './studio-build.ts'
