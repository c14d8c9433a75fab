// The admin API's error vocabulary (docs/admin-api.md, "Errors"): the hub's ApiError with PGSA
// codes, rendered in PostgREST's shape like every other API of the hub.
import { ApiError } from '@pgstack/common'

export const ADMIN_ERRORS = {
  noToken: ['PGSA001', 401],
  notServiceRole: ['PGSA002', 403],
  invalid: ['PGSA003', 400],
  notFound: ['PGSA004', 404],
  method: ['PGSA005', 405],
  pinned: ['PGSA006', 409],
  conflict: ['PGSA007', 409],
  smtpFailed: ['PGSA008', 502],
  adminRevoked: ['PGSA010', 401],
} as const satisfies Record<string, readonly [string, number]>

export function adminError(
  kind: keyof typeof ADMIN_ERRORS,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): ApiError {
  const [code, status] = ADMIN_ERRORS[kind]
  return new ApiError(status, code, message, details, hint)
}

/** 400 PGSA003 naming the field or parameter that is wrong. */
export const invalid = (message: string, details: string | null = null) => adminError('invalid', message, details)

export const notFound = (what: string) => adminError('notFound', what)
