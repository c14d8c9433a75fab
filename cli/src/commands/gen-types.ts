// `pgstack gen types [--schema s…] [--out file]`: TypeScript types read from the catalog of the
// project's database (or of a throwaway one with migrations/ and live/ applied: no Docker).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { applyProject } from '../apply-project.ts'
import { findDatabase, withDatabase, type DatabaseTarget } from '../database.ts'
import { CliError } from '../errors.ts'
import type { Output } from '../output.ts'
import type { Project } from '../project.ts'
import { withThrowawayCluster } from '../throwaway.ts'
import { readCatalog } from '../typegen/catalog.ts'
import { renderTypes } from '../typegen/render.ts'

export async function genTypes(project: Project, options: { schema: string[]; out?: string; dbUrl?: string }, out: Output): Promise<void> {
  const schemas = [...new Set(options.schema)]
  const generate = async (target: DatabaseTarget) =>
    withDatabase(target, async (client) => {
      const { rows } = await client.query<{ missing: string[] }>('SELECT array(SELECT s FROM unnest($1::text[]) s WHERE to_regnamespace(quote_ident(s)) IS NULL) AS missing', [schemas])
      if (rows[0]!.missing.length) throw new CliError(`no schema ${rows[0]!.missing.map((s) => JSON.stringify(s)).join(', ')} in the database from ${target.source}`, 'check --schema')
      return renderTypes(await readCatalog(client, schemas), schemas)
    })
  const target = findDatabase(project, options.dbUrl)
  const types = target
    ? await generate(target)
    : await withThrowawayCluster(out.progress, async (cluster) => {
        const throwaway = { url: cluster.adminUrl(), source: 'a throwaway database' }
        const { live } = await applyProject(project, throwaway, out.progress)
        for (const failed of live.filter((o) => o.action === 'failed')) out.progress(`Live query ${failed.name} left out: ${failed.error}`)
        return generate(throwaway)
      })
  if (!options.out) {
    process.stdout.write(types)
    return
  }
  const file = resolve(project.dir, options.out)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, types)
  out.progress(`Wrote ${relative(process.cwd(), file) || file}`)
}
