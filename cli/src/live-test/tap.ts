// TAP 14 for `pgstack test`: a test point per check, and for a failure a YAML block with a
// unified diff of expected against observed (one row or op per line, PostgreSQL's text).
import { createTwoFilesPatch } from 'diff'
import { fromJsonText, toJsonText } from './exact-json.ts'
import type { Check } from './run.ts'

/** One element per line, so a diff names the rows that differ. */
function lines(jsonText: string | null): string {
  if (jsonText === null) return '(nothing expected yet: run with --update to record it)\n'
  const values = fromJsonText(jsonText) as unknown[]
  return values.length ? `${values.map(toJsonText).join('\n')}\n` : '(none)\n'
}

export function diffOf(check: Check): string {
  return createTwoFilesPatch('expected', 'actual', lines(check.expected), lines(check.actual), '', '', { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('===') && line !== '\\ No newline at end of file')
    .map((line) => line.replace(/\t$/, ''))
    .join('\n')
    .trimEnd()
}

export class TapWriter {
  private count = 0
  passed = 0
  failed = 0
  constructor(private readonly write: (line: string) => void) {
    write('TAP version 14')
  }

  comment(line: string): void {
    this.write(`# ${line}`)
  }

  point(file: string, check: Check): void {
    this.count++
    if (check.ok) this.passed++
    else this.failed++
    this.write(`${check.ok ? 'ok' : 'not ok'} ${this.count} - ${file}: ${check.name}`)
    if (check.ok) return
    const block = ['  ---']
    if (check.error) block.push(`  error: ${JSON.stringify(check.error)}`)
    if (!check.error || check.actual) {
      block.push('  diff: |')
      for (const line of diffOf(check).split('\n')) block.push(`    ${line}`)
    }
    block.push('  ...')
    this.write(block.join('\n'))
  }

  end(): void {
    this.write(`1..${this.count}`)
    this.write(`# ${this.passed} passed, ${this.failed} failed`)
  }
}
