// Counts the leaf assertions of a TAP 14 stream (subtest summary lines are not counted again), so
// the run's closing line says how many checks passed and failed across every test file.
export interface Counts {
  passed: number
  failed: number
}

const RESULT = /^(\s*)(not )?ok \d+\b/
const indentOf = (line: string) => line.length - line.trimStart().length

export function countTap(stream: string): Counts {
  const counts: Counts = { passed: 0, failed: 0 }
  let previousIndent = -1 // indentation of the last meaningful line
  let inYaml = false
  let yamlIndent = 0
  for (const line of stream.split('\n')) {
    if (!line.trim()) continue
    const indent = indentOf(line)
    if (inYaml) {
      if (indent === yamlIndent && line.trim() === '...') inYaml = false
      continue
    }
    if (line.trim() === '---') {
      inYaml = true
      yamlIndent = indent
      continue
    }
    const result = RESULT.exec(line)
    // A result line right after deeper-indented lines closes a subtest: its children counted.
    if (result && !(previousIndent > indent)) {
      if (result[2]) counts.failed++
      else if (!/# SKIP|# TODO/i.test(line)) counts.passed++
    }
    previousIndent = indent
  }
  return counts
}
