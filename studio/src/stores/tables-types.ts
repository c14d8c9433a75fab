// The tables endpoints' objects, as docs/admin-api.md ("Database") defines them.
export interface TableWarning {
  code: 'anon_without_rls' | 'view_bypasses_rls' | 'rls_without_policies' | string
  severity: 'error' | 'warning' | 'info'
  message: string
}

export interface TableSummary {
  schema: string
  name: string
  kind: 'table' | 'partitioned_table' | 'view' | 'materialized_view' | 'foreign_table'
  rows: string | null
  rows_exact: boolean
  rls_enabled: boolean
  rls_forced: boolean
  policies: number
  exposed: boolean
  privileges: Record<string, string[]>
  comment: string | null
  warnings: TableWarning[]
}

export interface Column {
  name: string
  type: string
  nullable: boolean
  default: string | null
  identity: 'always' | 'by_default' | null
  generated: boolean
  primary_key: boolean
  comment: string | null
}

export interface Policy {
  name: string
  command: string
  permissive: boolean
  roles: string[]
  using: string | null
  with_check: string | null
}

export interface TableDetail extends Omit<TableSummary, 'policies'> {
  columns: Column[]
  primary_key: string[]
  unique: Array<{ name: string; columns: string[] }>
  foreign_keys: Array<{ name: string; columns: string[]; references: { schema: string; table: string; columns: string[] }; on_update: string; on_delete: string }>
  referenced_by: Array<{ name: string; schema: string; table: string; columns: string[]; references_columns: string[] }>
  indexes: Array<{ name: string; definition: string; unique: boolean; primary: boolean }>
  policies: Policy[]
  definition: string | null
}

export interface TablesList {
  exposed_schemas: string[]
  tables: TableSummary[]
}
