// The server's own hash function, for timing one hash next to the throughput figures.
export { hashPassword as hashPasswordForBench } from '../../auth/src/passwords.ts'
