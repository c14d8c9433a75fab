// Parses HTTP/1.1 responses off one keep-alive socket for the load generators (raw sockets keep
// the generator's own cost low). Calls back once per complete response with its status and body;
// a chunked body (a streamed large response) is skipped as it arrives and reported as undefined.

/** @param {(status: number, body: Buffer | undefined) => void} onResponse */
export function responseReader(onResponse) {
  let buf = Buffer.alloc(0)
  let need = -1
  let status = 0
  let chunked = false
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    for (;;) {
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        status = Number(head.slice(9, 12))
        const m = /content-length: *(\d+)/i.exec(head)
        chunked = !m && /transfer-encoding: *chunked/i.test(head)
        need = m ? Number(m[1]) : 0
        buf = buf.subarray(end + 4)
      }
      let body
      if (chunked) {
        const end = buf.indexOf('0\r\n\r\n')
        if (end < 0) {
          if (buf.length > 8) buf = buf.subarray(buf.length - 8) // discard streamed body bytes
          return
        }
        buf = buf.subarray(end + 5)
      } else {
        if (buf.length < need) return
        body = buf.subarray(0, need)
        buf = buf.subarray(need)
      }
      need = -1
      onResponse(status, body)
    }
  }
}
