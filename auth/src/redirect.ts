// redirect_to checking: the site URL's origin and the configured allow-list only; anything else
// falls back to the site URL, as GoTrue does, so links never send users to a foreign host.

function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*'
      i++
    } else if (c === '*') source += '[^/.]*'
    else if (c === '?') source += '[^/.]'
    else source += c.replace(/[\\^$+.()|{}[\]]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

export function isAllowedRedirect(target: string, siteUrl: string, allowList: string[]): boolean {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return false
  }
  // Never a script or local-file URL, whatever the allow-list says (mobile deep links stay allowed).
  if (['javascript:', 'data:', 'vbscript:', 'file:'].includes(url.protocol)) return false
  try {
    if (url.origin === new URL(siteUrl).origin) return true
  } catch {
    // an invalid site URL allows nothing by origin
  }
  return allowList.some((pattern) => globToRegExp(pattern).test(target))
}

export function pickRedirect(requested: string | undefined | null, siteUrl: string, allowList: string[]): string {
  if (requested && isAllowedRedirect(requested, siteUrl, allowList)) return requested
  return siteUrl
}
