// A tiny cursor over a query-string value, shared by the select, order and filter parsers, so
// that every parse error names the same thing: what was expected and where.
import { errors } from '../errors.ts'
import type { Field, JsonStep } from './types.ts'

const NAME_CHAR = /[\p{L}\p{N}_$ ]/u

export class Scanner {
  pos = 0
  constructor(
    readonly input: string,
    readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.input.length
  }

  peek(offset = 0): string {
    return this.input[this.pos + offset] ?? ''
  }

  startsWith(text: string): boolean {
    return this.input.startsWith(text, this.pos)
  }

  eat(text: string): boolean {
    if (!this.startsWith(text)) return false
    this.pos += text.length
    return true
  }

  expect(text: string): void {
    if (!this.eat(text)) this.fail(`"${text}"`)
  }

  skipSpaces(): void {
    while (this.peek() === ' ') this.pos++
  }

  fail(expecting: string): never {
    const found = this.done ? 'end of input' : `"${this.peek()}"`
    throw errors.parse(this.what, this.input, this.pos + 1, `unexpected ${found} expecting ${expecting}`)
  }

  /** A double-quoted name or value; backslash escapes the next character. */
  quoted(): string {
    this.expect('"')
    let out = ''
    for (;;) {
      if (this.done) this.fail('closing quote')
      const ch = this.input[this.pos++]!
      if (ch === '"') return out
      if (ch === '\\' && !this.done) out += this.input[this.pos++]!
      else out += ch
    }
  }

  /** An unquoted name: letters, digits, `_`, `$`, spaces and single dashes not starting `->`. */
  name(): string {
    if (this.peek() === '"') return this.quoted()
    const start = this.pos
    while (!this.done) {
      const ch = this.peek()
      if (NAME_CHAR.test(ch)) this.pos++
      else if (ch === '-' && this.peek(1) !== '>' && this.pos > start) this.pos++
      else break
    }
    const value = this.input.slice(start, this.pos).trim()
    if (!value) this.fail('field name')
    return value
  }

  /** `name` followed by any `->key` / `->>key` steps. */
  field(): Field {
    const name = this.name()
    const path: JsonStep[] = []
    for (;;) {
      let arrow: JsonStep['arrow']
      if (this.eat('->>')) arrow = '->>'
      else if (this.eat('->')) arrow = '->'
      else break
      let key: string
      if (this.peek() === '"') key = this.quoted()
      else if (/^-?\d/.test(this.input.slice(this.pos, this.pos + 2))) {
        const m = /^-?\d+/.exec(this.input.slice(this.pos))!
        key = m[0]
        this.pos += key.length
      } else key = this.name()
      path.push({ arrow, key })
    }
    return { name, path }
  }
}

/** The name a field takes in the output: the last JSON key, or the column. */
export function fieldOutputName(field: Field): string {
  const last = field.path[field.path.length - 1]
  return last ? last.key : field.name
}
