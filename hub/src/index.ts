// @pgstack/hub: the server process — configuration, keys, migrations and the HTTP/WebSocket app.
export { startHub, LISTEN_CHANNELS, type Hub, type HubOptions } from './server.ts'
export { loadConfig, ConfigError, type Config } from './config.ts'
export { signApiKeys, type ApiKeys } from './keys.ts'
export { applyMigrations, productMigrations, MigrationError, type Migration } from './migrations/index.ts'
export { ApiError } from './errors.ts'
export type { HttpHandler, HttpRequest, HttpResponse } from './http.ts'
export type { Route } from './routes.ts'
