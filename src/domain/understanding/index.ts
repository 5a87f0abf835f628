export {
  compileLexicon,
  findTerm,
  matchLexicon,
  prepareText,
  LEXICON_INTENTS,
  LEXICON_RISKS,
  type CompiledLexicon,
  type Lexicon,
  type LexiconIntent,
  type LexiconRisk,
  type PreparedText,
  type RawLexicon,
  type Span,
  type Term,
} from './lexicon.js'
export { cleanText, hasInvisible, normalizeText } from './normalize-text.js'
export { extractReferences, surnameOf, type CustomerRef, type References } from './references.js'
export { segmentTokens, segmentWords, type Token } from './segment-words.js'
export {
  BUSINESS_CALLS,
  TEAM_TITLES,
  familiarCallNames,
  householdCallNames,
  isTitledName,
  speakerOf,
  understandMessage,
  type Directory,
  type Understanding,
  type UnderstandingKit,
  type UnderstandInput,
} from './understand-message.js'
