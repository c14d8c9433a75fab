// @pgstack/infra: provisioning of PostgreSQL for local development, tests and images.
export { findPgBinaries, InfraError, SUPPORTED_MAJORS, type PgBinaries } from './pg-binaries.ts'
export { ensureExtensionInstalled, EXTENSION_SOURCE_DIR } from './extension-build.ts'
export {
  startCluster,
  stopClusterSync,
  freePort,
  processAlive,
  type ClusterOptions,
  type RunningCluster,
} from './cluster.ts'
export { aptInstall } from './apt.ts'
export { isRoot, serverOsUser } from './os-user.ts'
export { clusterHome, clustersDir, removeOrphanClusters, type ClusterHome } from './cluster-home.ts'
export { startThrowawayCluster, type ThrowawayCluster } from './throwaway.ts'
