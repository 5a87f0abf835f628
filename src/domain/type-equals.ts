/**
 * `true` only when A and B are the same type, not merely assignable one way: a config schema's
 * inferred type checked against the domain type it validates fails to compile when they drift.
 */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

/** A type only `true` satisfies when A equals B (`never` otherwise), for `const x: SameType<A, B> = true`. */
export type SameType<A, B> = Equals<A, B> extends true ? true : never
