// `npm run build -w @pgstack/studio`: builds the Studio when its sources changed since the last build.
import { ensureStudioBuilt } from './studio-build.ts'

const built = await ensureStudioBuilt({ log: (line) => console.log(line) })
if (!built) console.log('The Studio build is current.')
