// The test cluster in a container (PostgreSQL with pg_reactive built in, infra/postgres/Dockerfile)
// when a Docker engine answers; never required: without one, tests run a local throwaway cluster.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

export interface ContainerCluster {
  host: string
  port: number
  stop(): Promise<void>
}

/** True when `docker info` answers within a few seconds and PGSTACK_TEST_DOCKER is not 0. */
export function dockerAnswers(): boolean {
  if (process.env.PGSTACK_TEST_DOCKER === '0') return false
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: 'ignore',
    timeout: 5_000,
  })
  return probe.status === 0
}

export async function startContainerCluster(password: string): Promise<ContainerCluster> {
  const { GenericContainer, Wait } = await import('testcontainers')
  const context = resolve(import.meta.dirname, '../..')
  const image = await GenericContainer.fromDockerfile(context, 'infra/postgres/Dockerfile').build(
    'pgstack-postgres:test',
    { deleteOnExit: false },
  )
  const container = await image
    .withEnvironment({ POSTGRES_PASSWORD: password, PGSTACK_AUTHENTICATOR_PASSWORD: password })
    .withCommand(['postgres', '-c', 'shared_preload_libraries=pg_reactive', '-c', 'fsync=off', '-c', 'max_connections=300'])
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start()
  return {
    host: container.getHost(),
    port: container.getMappedPort(5432),
    stop: async () => {
      await container.stop()
    },
  }
}
