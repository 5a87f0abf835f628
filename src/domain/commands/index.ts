/** The chat command grammar: declared commands and the pure parser (no I/O, no wording). */
export * from './command-specs.js'
export { DEFAULT_MAX_LENGTH, parseCommand, type ParseError, type ParseErrorCode, type ParseResult } from './parse-command.js'
