// Applies bursts of incoming messages once per animation frame: a socket may deliver many
// messages between two paints, and the page only needs to render the result once.
import { batch } from 'solid-js'

export function frameBatcher<T>(apply: (items: T[]) => void, maxQueued = 2000): { push(item: T): void; cancel(): void } {
  let queue: T[] = []
  let frame = 0
  const flush = () => {
    frame = 0
    const items = queue
    queue = []
    batch(() => apply(items))
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
