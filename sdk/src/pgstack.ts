// @pgstack/sdk/pgstack: the client for browsers and Node: createClient and the types an app needs.
// No Node-only imports anywhere below this file.
export {
  createClient,
  type PgstackAuth,
  type PgstackClient,
  type PgstackClientOptions,
} from './client.ts'
export { LiveFilterBuilder, LiveQueryBuilder } from './query-builder.ts'
export { ref, type BatchError, type BatchItem, type BatchOperation, type BatchResponse, type BatchResult } from './batch.ts'
export { createLiveClient, type LiveClient, type LiveOptions } from './live/live-client.ts'
export { applyChanges, type LiveQuery } from './live/live-query.ts'
export {
  liveUrl,
  websocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './live/websocket-transport.ts'
export type {
  LiveChange,
  LiveError,
  LiveParams,
  LiveSink,
  LiveState,
  LiveTarget,
  LiveTransport,
  LiveTransportFactory,
  LiveTransportOptions,
} from './live/types.ts'
export type {
  ClientServerOptions,
  GenericFunction,
  GenericRelationship,
  GenericSchema,
  GenericTable,
  GenericView,
} from './database-types.ts'
export {
  PostgrestError,
  type PostgrestResponse,
  type PostgrestSingleResponse,
  type PostgrestMaybeSingleResponse,
} from '@supabase/postgrest-js'
export {
  AuthError,
  isAuthError,
  type AuthChangeEvent,
  type Session,
  type User,
  type SupportedStorage,
} from '@supabase/auth-js'
