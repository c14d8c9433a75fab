// Applies bursts of incoming messages once per animation frame: a socket may deliver many
// messages between two paints, and the page only needs to render the result once.
import { batch } from 'solid-js'

/**
 * @param name a User Timing measure is recorded per flush under this name (DevTools' Timings
 * track; the inspector bench reads them), so the cost of applying a frame's messages is visible.
 */
export function frameBatcher<T>(name: string, apply: (items: T[]) => void, maxQueued = 2000): { push(item: T): void; cancel(): void } {
  let queue: T[] = []
  let frame = 0
  let measured = 0
  const flush = () => {
    frame = 0
    const items = queue
    queue = []
    const start = performance.now()
    batch(() => apply(items))
    // the timeline keeps measures until cleared: an inspector left open all day must not grow
    if (++measured % 1000 === 0) performance.clearMeasures(name)
    performance.measure(name, { start, end: performance.now() })
  }
  return {
    push(item) {
      queue.push(item)
      // a hidden tab gets no frames: keep only the newest messages meanwhile
      if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued)
      if (!frame) frame = requestAnimationFrame(flush)
    },
    cancel() {
      if (frame) cancelAnimationFrame(frame)
      frame = 0
      queue = []
    },
  }
}
