// Hand-written database types for the SDK tests, in the shape the CLI will generate: the `todos`
// fixture table (see fixtures.ts), one view and one function.
export interface Database {
  public: {
    Tables: {
      todos: {
        Row: {
          id: number
          title: string
          done: boolean
          owner: string | null
          labels: string[]
          created_at: string
        }
        Insert: {
          id?: number
          title: string
          done?: boolean
          owner?: string | null
          labels?: string[]
          created_at?: string
        }
        Update: {
          id?: number
          title?: string
          done?: boolean
          owner?: string | null
          labels?: string[]
          created_at?: string
        }
        Relationships: []
      }
      tags: {
        Row: { id: number; todo_id: number; name: string }
        Insert: { id?: number; todo_id: number; name: string }
        Update: { id?: number; todo_id?: number; name?: string }
        Relationships: [
          {
            foreignKeyName: 'tags_todo_id_fkey'
            columns: ['todo_id']
            isOneToOne: false
            referencedRelation: 'todos'
            referencedColumns: ['id']
          },
        ]
      }
    }
    Views: {
      open_todos: {
        Row: { id: number | null; title: string | null }
        Relationships: []
      }
    }
    Functions: {
      add_numbers: { Args: { a: number; b: number }; Returns: number }
      todos_by_done: {
        Args: { d: boolean }
        Returns: Database['public']['Tables']['todos']['Row'][]
        SetofOptions: { from: '*'; to: 'todos'; isOneToOne: false; isSetofReturn: true }
      }
    }
    Enums: { [_ in never]: never }
    CompositeTypes: { [_ in never]: never }
  }
}
